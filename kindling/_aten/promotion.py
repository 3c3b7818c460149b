"""``result_type`` and the small dtype queries of the ``torch`` namespace."""
from __future__ import annotations

from .. import _dtype
from .._tensor import Tensor


def result_type(tensor1, tensor2):
    """The dtype ``tensor1 op tensor2`` would produce (tensors or Python scalars)."""
    dims, zeros, scalars = [], [], []
    for x in (tensor1, tensor2):
        if isinstance(x, Tensor):
            (zeros if x.dim() == 0 else dims).append(x.dtype)
        else:
            scalars.append(x)
    return _dtype.result_type_from(dims, zeros, scalars)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.dtype.is_floating_point


def is_complex(input):
    return input.dtype.is_complex


def numel(input):
    return input.numel()
