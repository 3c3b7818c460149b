"""Building meta tensors (metadata only) for meta functions."""
from __future__ import annotations

from .. import _device
from .._storage import UntypedStorage
from .._tensor import contiguous_strides, make_tensor


def empty_meta(size, dtype, stride=None, device=_device.META):
    """A meta tensor of ``size`` (contiguous unless ``stride`` is given)."""
    size = tuple(size)
    stride = contiguous_strides(size) if stride is None else tuple(stride)
    n = 0 if any(s == 0 for s in size) else 1 + sum((a - 1) * b for a, b in zip(size, stride))
    return make_tensor(UntypedStorage(n * dtype.itemsize, device=device), size, stride, 0,
                       dtype, device)
