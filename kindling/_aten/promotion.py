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


def typename(obj):
    """``torch.typename``: a tensor's legacy type name ('torch.FloatTensor'), else the
    qualified name of the object (a class or function) or of its type."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def is_floating_point(input):
    return input.dtype.is_floating_point


def is_complex(input):
    return input.dtype.is_complex


def numel(input):
    return input.numel()
