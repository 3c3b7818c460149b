"""Tensor references PyTorch's C extension exposes: ``torch._C._WeakTensorRef`` and the
cached-tensor registry (``_add_cached_tensor``...).

In PyTorch both hold the C++ TensorImpl; here the tensor object is that impl (a saved input
is kept as the tensor itself, an output as a shallow copy, as PyTorch keeps impls).
"""
from __future__ import annotations

import weakref


class _WeakTensorRef:
    """A weak reference to a tensor: ``expired()`` once nothing else holds it."""

    __slots__ = ("_ref",)

    def __init__(self, tensor):
        from ._tensor import Tensor
        if not isinstance(tensor, Tensor):
            raise TypeError(f"expected a Tensor, got {type(tensor).__name__}")
        self._ref = weakref.ref(tensor)

    def expired(self):
        return self._ref() is None


# The cached-tensor registry (CUDA-graph trees mark the tensors they keep alive): usable
# only while enabled; tensors are held by identity, weakly.
_cache = {"enabled": False, "tensors": weakref.WeakValueDictionary()}


def _set_cached_tensors_enabled(enabled):
    _cache["enabled"] = bool(enabled)


def _add_cached_tensor(t):
    _check_enabled("cached_tensorimpls_enabled.load(std::memory_order_acquire)", 29)
    _cache["tensors"][id(t)] = t


def _remove_cached_tensor(t):
    _check_enabled("cached_tensorimpls_enabled", 35)
    _cache["tensors"].pop(id(t), None)


def _check_enabled(cond, line):
    if not _cache["enabled"]:  # (PyTorch's internal assert)
        raise RuntimeError(f"{cond} INTERNAL ASSERT FAILED at \"/__w/pytorch/pytorch/aten/src/"
                           f"ATen/CachedTensorUtils.cpp\":{line}, please report a bug to "
                           "PyTorch. ")


def _is_cached_tensor(t):
    return _cache["enabled"] and _cache["tensors"].get(id(t)) is t
