"""``torch.backends.mkldnn``: oneDNN's flags, stored and validated as in PyTorch's CPU build
(``is_available()`` True there); kindling's kernels are NumPy's whatever they say."""
from __future__ import annotations

import types
import warnings
from contextlib import contextmanager

from . import _FP32Precision, _allow_mutation, _get_fp32_precision, _install, _prop, \
    _set_fp32_precision, ContextProp

__all__ = ["is_available", "flags", "set_flags", "verbose", "VERBOSE_OFF", "VERBOSE_ON",
           "VERBOSE_ON_CREATION"]

VERBOSE_OFF = 0
VERBOSE_ON = 1
VERBOSE_ON_CREATION = 2

_state = {"enabled": True, "deterministic": False}


def _get_allow_tf32():
    return None  # (oneDNN's TF32 is for Intel GPUs, which the CPU build has none of)


def _set_allow_tf32(value):
    warnings.warn("TF32 acceleration on top of oneDNN is available for Intel GPUs. The current "
                  "Torch version does not have Intel GPU Support.", stacklevel=3)


def is_available():
    """Whether PyTorch was built with oneDNN: True, as the CPU wheel is."""
    return True


class verbose:
    """``with torch.backends.mkldnn.verbose(level):`` oneDNN's logging (nothing to log here)."""

    def __init__(self, level):
        self.level = level

    def __enter__(self):
        if self.level == VERBOSE_OFF:
            return None
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        return False


def set_flags(_enabled=None, _deterministic=None, _allow_tf32=None, _fp32_precision="none"):
    """Set oneDNN's flags (``None`` keeps one); returns the previous flags."""
    orig = (_state["enabled"], _state["deterministic"], _get_allow_tf32(),
            _get_fp32_precision("mkldnn", "all"))
    for key, value in (("enabled", _enabled), ("deterministic", _deterministic)):
        if value is not None:
            _state[key] = value
    if _allow_tf32 is not None:
        _set_allow_tf32(_allow_tf32)
    if _fp32_precision is not None:
        _set_fp32_precision("mkldnn", "all", _fp32_precision)
    return orig


@contextmanager
def flags(enabled=False, deterministic=False, allow_tf32=True, fp32_precision="none"):
    """Set oneDNN's flags inside a ``with`` block, restoring them after."""
    with _allow_mutation():
        orig = set_flags(enabled, deterministic, allow_tf32, fp32_precision)
    try:
        yield
    finally:
        with _allow_mutation():
            set_flags(*orig)


class _MkldnnModule(types.ModuleType):
    enabled = _prop(_state, "enabled", "set_enabled_mkldnn")
    deterministic = _prop(_state, "deterministic", "set_deterministic_mkldnn")
    allow_tf32 = ContextProp(_get_allow_tf32, _set_allow_tf32)
    matmul = _FP32Precision("mkldnn", "matmul")
    conv = _FP32Precision("mkldnn", "conv")
    rnn = _FP32Precision("mkldnn", "rnn")
    fp32_precision = ContextProp(lambda: _get_fp32_precision("mkldnn", "all"),
                                 lambda p: _set_fp32_precision("generic", "all", p))


_install(__name__, _MkldnnModule)
