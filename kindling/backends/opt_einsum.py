"""``torch.backends.opt_einsum``: the opt_einsum package is not a kindling dependency, so
``is_available()`` is False and ``einsum`` contracts left to right (``enabled`` False,
``strategy`` None; both plain attributes, as in PyTorch without the package)."""
from __future__ import annotations

from contextlib import contextmanager

from . import _allow_mutation

__all__ = ["is_available", "get_opt_einsum", "flags", "set_flags", "enabled", "strategy"]

enabled = False
strategy = None


def is_available() -> bool:
    """Whether opt_einsum can be imported: kindling does not use it."""
    return False


def get_opt_einsum():
    """The opt_einsum module: None."""
    return None


def _set_enabled(_enabled: bool) -> None:
    global enabled
    if not is_available() and _enabled:
        raise ValueError(
            f"opt_einsum is not available, so setting `enabled` to {_enabled} will not reap "
            "the benefits of calculating an optimal path for einsum. torch.einsum will "
            "fall back to contracting from left to right. To enable this optimal path "
            "calculation, please install opt-einsum.")
    enabled = _enabled


def _set_strategy(_strategy: str) -> None:
    raise ValueError(
        f"opt_einsum is not available, so setting `strategy` to {_strategy} will not be "
        "meaningful. torch.einsum will bypass path calculation and simply contract from left "
        "to right. Please install opt_einsum or unset `strategy`.")


def set_flags(_enabled=None, _strategy=None):
    """Set ``enabled``/``strategy`` with PyTorch's checks; returns the previous flags."""
    orig = (enabled, None)
    if _enabled is not None:
        _set_enabled(_enabled)
    if _strategy is not None:
        _set_strategy(_strategy)
    return orig


@contextmanager
def flags(enabled=None, strategy=None):
    """Set the flags inside a ``with`` block, restoring them after."""
    with _allow_mutation():
        orig = set_flags(enabled, strategy)
    try:
        yield
    finally:
        with _allow_mutation():
            set_flags(*orig)
