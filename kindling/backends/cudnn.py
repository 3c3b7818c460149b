"""``torch.backends.cudnn``: cuDNN is absent (``is_available()`` False, ``version()`` None);
its flags (``enabled``, ``benchmark``, ``deterministic``, ``allow_tf32``...) are stored and
validated as in PyTorch's CPU build, so programs that set them run unchanged."""
from __future__ import annotations

import types
from contextlib import contextmanager

from . import (
    ContextProp, _FP32Precision, _allow_mutation, _fp32_prop, _get_fp32_precision, _install,
    _prop, _set_fp32_precision,
)

__all__ = ["is_available", "version", "is_acceptable", "flags", "set_flags"]

_state = {"enabled": True, "benchmark": False, "deterministic": False,
          "depthwise_kernel": "auto"}


def _get_allow_tf32():
    # (the legacy flag reads the per-op precisions of conv and RNN, which must agree)
    conv, rnn = _get_fp32_precision("cuda", "conv"), _get_fp32_precision("cuda", "rnn")
    if conv != rnn:
        raise RuntimeError(
            "PyTorch is checking whether allow_tf32 is enabled for cuDNN without a specific "
            "operator name,but the current flag(s) indicate that cuDNN conv and cuDNN RNN have "
            "different TF32 flags.This combination indicates that you have used a mix of the "
            "legacy and new APIs to set the TF32 flags. We suggest only using the new API to "
            "set the TF32 flag(s). See also: https://pytorch.org/docs/main/notes/cuda.html"
            "#tensorfloat-32-tf32-on-ampere-and-later-devices")
    return conv == "tf32"


def _set_allow_tf32(value):
    if not isinstance(value, bool):
        raise RuntimeError(f"set_allow_tf32_cublas expects a bool, but got {type(value).__name__}")
    for op in ("conv", "rnn"):
        _set_fp32_precision("cuda", op, "tf32" if value else "none")


def version():
    """cuDNN's version: None (not built)."""
    return None


def is_available():
    """Whether cuDNN can be used: False."""
    return False


def is_acceptable(tensor):
    """Whether cuDNN would run on ``tensor``: only CUDA tensors qualify, and there is no cuDNN."""
    if not _state["enabled"]:
        return False
    if tensor.device.type != "cuda":
        return False
    return False


def set_flags(_enabled=None, _benchmark=None, _benchmark_limit=None, _deterministic=None,
              _allow_tf32=None, _fp32_precision="none", _depthwise_kernel=None):
    """Set cuDNN's flags (``None`` keeps one); returns the previous flags."""
    orig = (_state["enabled"], _state["benchmark"], None, _state["deterministic"],
            _get_allow_tf32(), _get_fp32_precision("cuda", "all"), _state["depthwise_kernel"])
    for key, value in (("enabled", _enabled), ("benchmark", _benchmark),
                       ("deterministic", _deterministic), ("depthwise_kernel", _depthwise_kernel)):
        if value is not None:
            _state[key] = value
    if _allow_tf32 is not None:
        _set_allow_tf32(_allow_tf32)
    if _fp32_precision is not None:
        _set_fp32_precision("cuda", "all", _fp32_precision)
    return orig


@contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
          allow_tf32=True, fp32_precision="none", depthwise_kernel="auto"):
    """Set cuDNN's flags inside a ``with`` block, restoring them after."""
    with _allow_mutation():
        orig = set_flags(enabled, benchmark, benchmark_limit, deterministic, allow_tf32,
                         fp32_precision, depthwise_kernel)
    try:
        yield
    finally:
        with _allow_mutation():
            set_flags(*orig)


class _CudnnModule(types.ModuleType):
    enabled = _prop(_state, "enabled", "set_enabled_cudnn")
    deterministic = _prop(_state, "deterministic", "set_deterministic_cudnn")
    benchmark = _prop(_state, "benchmark", "set_benchmark_cudnn")
    benchmark_limit = None
    allow_tf32 = ContextProp(_get_allow_tf32, _set_allow_tf32)
    conv = _FP32Precision("cuda", "conv")
    rnn = _FP32Precision("cuda", "rnn")
    fp32_precision = _fp32_prop("cuda", "all")
    depthwise_kernel = _prop(_state, "depthwise_kernel")


_install(__name__, _CudnnModule)
