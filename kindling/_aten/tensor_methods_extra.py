"""Tensor methods written in Python over other ops, as PyTorch's ``torch/_tensor.py`` and
its C++ bindings give them: ``apply_``/``map_``/``map2_`` (a Python callable per element,
CPU only), ``resize_as``, ``share_memory_``/``is_shared``, ``is_pinned``/``pin_memory``,
``dim_order``, ``module_load``, ``const_data_ptr``, ``storage_type`` and the device-kind
flags of devices kindling has no backend for (``is_xpu``, ``is_mps``...: always False).
"""
from __future__ import annotations

import numbers
import weakref

from .. import _dtype
from .._tensor import Tensor
from ._api import method
from ._util import warn_user

# storages ``share_memory_`` was called on (NumPy memory is not moved: the mark is what
# ``is_shared`` reports)
_SHARED = weakref.WeakSet()


def _convert(v, dt):
    """A callable's result as the element of a ``dt`` tensor (PyTorch's unpacking)."""
    if dt.is_complex:
        if not isinstance(v, numbers.Number):
            raise TypeError(f"must be real number, not {type(v).__name__}")
        return complex(v)
    if dt.is_floating_point:
        if not isinstance(v, numbers.Real):
            raise TypeError(f"must be real number, not {type(v).__name__}")
        return float(v)
    if dt is _dtype.bool:
        return bool(v)
    if isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral):
        return int(v)
    if not isinstance(v, numbers.Integral):
        raise TypeError(f"'{type(v).__name__}' object cannot be interpreted as an integer")
    return int(v)


def _elementwise(self, fn, others):
    """``self`` filled with ``fn(self_elem, *other_elems)`` element by element (in place)."""
    import kindling
    flat = [t.reshape(-1).tolist() for t in (self, *others)]
    dt = self.dtype
    vals = [_convert(fn(*args), dt) for args in zip(*flat)]
    with kindling.no_grad():
        self.copy_(kindling.tensor(vals, dtype=dt).reshape(self.shape))
    return self


def _legacy_name(t):
    return t.type() if t.dtype is not _dtype.bool else "torch.BoolTensor"


def _check_no_grad(name, *tensors):
    if any(t.requires_grad for t in tensors):
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")


@method("apply_")
def apply_(self, callable):
    """Replace each element ``x`` by ``callable(x)`` (CPU tensors; slow: a Python call per
    element)."""
    _check_no_grad("apply_", self)
    return _elementwise(self, callable, ())


@method("map_")
def map_(self, tensor, callable):
    """``self[i] = callable(self[i], tensor[i])``, ``tensor`` broadcast to ``self``'s shape."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"map_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(tensor).__name__}")
    _check_no_grad("map_", self, tensor)
    if tensor.dtype is not self.dtype:
        raise TypeError(f"map_: expected {_legacy_name(self)} for 'other' (got "
                        f"{_legacy_name(tensor)})")
    return _elementwise(self, callable, (tensor.expand(self.shape),))


@method("map2_")
def map2_(self, x, y, callable):
    """``self[i] = callable(self[i], x[i], y[i])``, ``x`` and ``y`` broadcast to ``self``."""
    for i, (n, t) in enumerate((("x", x), ("y", y))):
        if not isinstance(t, Tensor):
            raise TypeError(f"map2_(): argument '{n}' (position {i + 1}) must be Tensor, not "
                            f"{type(t).__name__}")
    _check_no_grad("map2_", self, x, y)
    for n, t in (("x", x), ("y", y)):
        if t.dtype is not self.dtype:
            raise TypeError(f"map2_: expected {_legacy_name(self)} for argument '{n}' (got "
                            f"{_legacy_name(t)})")
    return _elementwise(self, callable, (x.expand(self.shape), y.expand(self.shape)))


@method("resize_as")
def resize_as(self, tensor):
    """Deprecated: ``self`` with ``tensor``'s shape (a differentiable reshape of as many
    elements)."""
    warn_user("non-inplace resize_as is deprecated")
    from ..autograd._functions import Resize
    return Resize.apply(self, tensor.size())


@method("share_memory_")
def share_memory_(self):
    """Move the storage to shared memory (NumPy memory is already shareable by threads;
    ``is_shared`` reports True afterwards).  Returns ``self``."""
    _SHARED.add(self.untyped_storage())
    return self


@method("is_shared")
def is_shared(self):
    """Whether ``share_memory_`` was called on this tensor's storage."""
    return self.untyped_storage() in _SHARED


@method("is_pinned")
def is_pinned(self, device=None):
    """Whether the tensor is in pinned memory: never, without an accelerator."""
    return False


@method("pin_memory")
def pin_memory(self, device=None):
    """Copy into pinned memory: needs an accelerator, which kindling has not."""
    raise RuntimeError("Cannot access accelerator device when none is available.")


@method("const_data_ptr")
def const_data_ptr(self):
    """The address of the first element (``data_ptr``, for read-only use)."""
    return self.data_ptr()


@method("storage_type")
def storage_type(self):
    """The legacy typed storage class (``torch.FloatStorage``...): not in kindling."""
    raise NotImplementedError("kindling: Tensor.storage_type needs the legacy typed storage "
                              "classes (torch.FloatStorage...), which are not implemented")


@method("module_load")
def module_load(self, other, assign=False):
    """The value ``nn.Module.load_state_dict`` swaps in for ``self`` from ``other`` (when
    ``torch.__future__.get_swap_module_params_on_conversion()``): ``other`` detached if
    ``assign``, else ``self`` with ``other`` copied in, detached."""
    if assign:
        return other.detach()
    return self.copy_(other).detach()


def _dim_order_swap(t, a, b):
    """Whether dims ``a``, ``b`` (back to front) are out of order: 1, in order: -1,
    undecided: 0 (a zero stride, or equal strides where ``b`` is not shorter than ``a``)."""
    sa, sb = t.stride(a), t.stride(b)
    if sa == 0 or sb == 0:
        return 0
    if sa == sb:
        return 0 if t.shape[b] >= t.shape[a] else 1
    return -1 if sb >= sa else 1


_AMBIGUITY_TYPE = "The ambiguity_check argument must be a bool or a list of memory formats."


@method("dim_order")
def dim_order(self, *, ambiguity_check=False):
    """The dims from outermost to innermost in memory (by stride); ``ambiguity_check``:
    True, or memory formats one of which must match, raises when the order is not unique."""
    from .. import _layout
    if not isinstance(ambiguity_check, bool):
        if not isinstance(ambiguity_check, list) or not all(
                isinstance(m, _layout.memory_format) for m in ambiguity_check):
            raise TypeError(_AMBIGUITY_TYPE)
    formats = ambiguity_check if isinstance(ambiguity_check, list) else []
    check = ambiguity_check if isinstance(ambiguity_check, bool) else True
    strides, sizes = self.stride(), self.shape
    multiple = any(a == b for a, b in zip(strides, strides[1:])) or any(s == 1 for s in sizes)
    if check and multiple and sum(
            1 for m in formats if self.is_contiguous(memory_format=m)) != 1:
        raise RuntimeError("The tensor does not have unique dim order, or cannot map to exact "
                           "one of the given memory formats.")
    n = self.dim()
    if n <= 1:
        return tuple(range(n))
    if self.is_contiguous() and not (n == 4 and self.is_contiguous(
            memory_format=_layout.channels_last)):
        return tuple(range(n))
    if n == 4 and self.is_contiguous(memory_format=_layout.channels_last) and \
            not self.is_contiguous():
        return (0, 2, 3, 1)
    perm = list(range(n - 1, -1, -1))
    for i in range(1, n):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = _dim_order_swap(self, perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    if ambiguity_check and any(_dim_order_swap(self, perm[i], perm[i + 1]) != -1
                               for i in range(n - 1)):
        raise RuntimeError("The tensor does not have unique dim order.")
    return tuple(reversed(perm))


def _false_flag(name):
    def get(self):
        return False
    get.__name__ = name
    get.__doc__ = f"``Tensor.{name}``: False (kindling has no backend for this device kind)."
    return property(get)


for _n in ("is_xpu", "is_mps", "is_ipu", "is_mtia", "is_xla", "is_vulkan", "is_maia"):
    setattr(Tensor, _n, _false_flag(_n))
del _n


class _Name:
    """``Tensor.name``: the dimension name of a named tensor: None (kindling has no named
    tensors); read-only."""

    def __get__(self, obj, owner=None):
        return self if obj is None else None

    def __set__(self, obj, value):
        raise AttributeError("attribute 'name' of 'torch._C.TensorBase' objects is not "
                             "writable")


Tensor.name = _Name()
