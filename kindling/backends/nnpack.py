"""``torch.backends.nnpack``."""
from contextlib import contextmanager

from . import _allow_mutation

__all__ = ["is_available", "flags", "set_flags"]

_state = {"enabled": True}


def is_available():
    """Whether PyTorch was built with NNPACK: True for the x86 CPU wheel."""
    return True


def set_flags(_enabled):
    """Set NNPACK's enabled flag; returns the previous one."""
    orig = (_state["enabled"],)
    _state["enabled"] = _enabled
    return orig


@contextmanager
def flags(enabled=False):
    """Set NNPACK's enabled flag inside a ``with`` block."""
    with _allow_mutation():
        orig = set_flags(enabled)
    try:
        yield
    finally:
        with _allow_mutation():
            set_flags(*orig)
