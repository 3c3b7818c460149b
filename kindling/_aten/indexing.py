"""Indexing: ``Tensor.__getitem__`` / ``__setitem__`` and the ops they decompose into.

Basic indexing (ints, slices, ``None``, ``...``) becomes view ops (``select.int``,
``slice.Tensor``, ``unsqueeze``) and so returns views sharing storage, as PyTorch's
``applySlicing`` does.  Tensors, lists and Python bools left over become the ``Tensor?[]``
argument of ``aten.index.Tensor`` (reads) or ``aten.index_put_`` (writes): advanced indexing,
with NumPy's rule for where the indexed dimensions go.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from .. import _dtype
from .._ops import positional_caller
from .._tensor import Tensor
from ._api import public, self_hooked, torch_function_slow_path
from ..overrides import _live_modes
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import broadcast_shapes, dtype_of

OPS = {}

_INDEX_DTYPES = ("int64", "int32", "int16", "int8", "uint8", "bool")


# ---- shared by the index / index_put_ kernels ---------------------------------------------------
def _fmt(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _check_indices(self_shape, indices):
    """PyTorch's ``expandTensors`` checks: dtypes, mask shapes, count.  Returns, per index, its
    dtype and the number of dims of ``self`` it consumes."""
    consumed = 0
    for idx in indices:
        if idx is None:
            consumed += 1
            continue
        dt = dtype_of(idx)
        if dt._name not in _INDEX_DTYPES:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if dt._name in ("bool", "uint8"):
            if dt._name == "uint8":
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a "
                              "dtype torch.bool instead.", UserWarning, stacklevel=5)
            shape = tuple(idx.shape)
            for j, s in enumerate(shape):
                k = consumed + j
                if k >= len(self_shape) or s != self_shape[k]:
                    raise IndexError(
                        f"The shape of the mask {_fmt(shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {_fmt(self_shape)} at index {k}")
            consumed += len(shape)
        else:
            consumed += 1
    if consumed > len(self_shape):
        raise IndexError(f"too many indices for tensor of dimension {len(self_shape)} "
                         f"(got {consumed})")


def _np_indices(a, indices):
    """The NumPy index tuple for ``a[indices]`` (masks become ``nonzero``), bounds-checked."""
    _check_indices(a.shape, indices)
    out = []
    for idx in indices:
        if idx is None:
            out.append(slice(None))
        elif idx.dtype == np.bool_ or idx.dtype == np.uint8:
            # (a 0-d mask adds a dim of size 1 or 0, as NumPy's own 0-d mask does)
            out.extend([idx.astype(bool)] if idx.ndim == 0 else np.nonzero(idx.astype(bool)))
        else:
            out.append(idx.astype(np.int64, copy=False))
    arrays = [x for x in out if not isinstance(x, slice)]
    try:
        np.broadcast_shapes(*[x.shape for x in arrays])
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         "shapes " + ", ".join(_fmt(x.shape) for x in arrays)) from None
    k = 0  # PyTorch's message counts the index tensors, not the dims of self
    for d, x in enumerate(out):
        if isinstance(x, slice):
            continue
        size = a.shape[d]
        bad = (x < -size) | (x >= size)
        if bad.any():
            v = int(x[bad].reshape(-1)[0])
            raise IndexError(f"index {v} is out of bounds for dimension {k} with size {size}")
        k += 1
    return tuple(out)


def _result_shape(self_shape, indices):
    """Shape of ``self[indices]`` (meta): advanced dims replace the indexed ones in place when
    adjacent, else go first."""
    _check_indices(self_shape, indices)
    per_dim = []  # None for a kept dim, else a shape
    for idx in indices:
        if idx is None:
            per_dim.append(None)
        elif idx.dtype in (_dtype.bool, _dtype.uint8):
            raise NotImplementedError(
                "kindling: indexing a meta tensor with a boolean mask needs the data (nonzero)")
        else:
            per_dim.append(tuple(idx._size))
    per_dim += [None] * (len(self_shape) - len(per_dim))
    adv = [i for i, p in enumerate(per_dim) if p is not None]
    if not adv:
        return tuple(self_shape)
    try:
        bshape = broadcast_shapes(*[per_dim[i] for i in adv])
    except RuntimeError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         "shapes " + ", ".join(_fmt(per_dim[i]) for i in adv)) from None
    kept = [self_shape[i] for i, p in enumerate(per_dim) if p is None]
    if adv == list(range(adv[0], adv[-1] + 1)):
        before = [self_shape[i] for i in range(adv[0])]
        after = [self_shape[i] for i in range(adv[-1] + 1, len(self_shape))]
        return tuple(before) + bshape + tuple(after)
    return bshape + tuple(kept)


# ---- index.Tensor -------------------------------------------------------------------------------
index = defop("index.Tensor(Tensor self, Tensor?[] indices) -> Tensor",
              tags=("core", "dynamic_output_shape"))
OPS["index.Tensor"] = index
index.derivative(self="index_backward(grad, self_sym_sizes, indices)", result="auto_linear")


@index.cpu_ks
def _(ks, self, indices):
    from .._tensor import from_array
    a = self._np
    idx = _np_indices(a, [None if i is None else i._np for i in indices])
    return from_array(np.array(a[idx], order="C", copy=True))


@index.meta
def _(self, indices):
    return empty_meta(_result_shape(self._size, list(indices)), self.dtype)


# ---- index_put_ / index_put ---------------------------------------------------------------------
index_put_ = defop("index_put_(Tensor(a!) self, Tensor?[] indices, Tensor values, "
                   "bool accumulate=False) -> Tensor(a!)")
index_put = defop("index_put(Tensor self, Tensor?[] indices, Tensor values, "
                  "bool accumulate=False) -> Tensor", tags=("core",))
OPS["index_put_"], OPS["index_put"] = index_put_, index_put
for _d, _jvp in ((index_put_, "self_t.index_put_(indices, values_t, accumulate)"),
                 (index_put, "aten.index_put.default(self_t, indices, values_t, accumulate)")):
    _d.derivative("IndexPutBackward0",
                  self="index_put_self_backward(grad, indices, values_info, accumulate)",
                  values="index_put_values_backward(grad, indices)", result=_jvp)


def _check_put(self, values, target_shape):
    if values.dtype is not self.dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got "
            f"{self.dtype._scalar_name} for the destination and {values.dtype._scalar_name} for "
            f"the source.")
    try:
        ok = np.broadcast_shapes(tuple(values._size), tuple(target_shape)) == tuple(target_shape)
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape {_fmt(values._size)} cannot "
                           f"be broadcast to indexing result of shape {_fmt(target_shape)}")


@index_put_.cpu_ks
def _(ks, self, indices, values, accumulate=False):
    a = self._np
    idx = _np_indices(a, [None if i is None else i._np for i in indices])
    target = np.empty(a.shape, dtype=np.bool_)[idx].shape  # cheap: the result shape
    _check_put(self, values, target)
    v = values._np
    if np.shares_memory(a, v):
        v = v.copy()
    if accumulate:
        np.add.at(a, idx, v)
    else:
        a[idx] = v
    return self


@index_put_.meta
def _(self, indices, values, accumulate=False):
    _check_put(self, values, _result_shape(self._size, list(indices)))
    return self


@index_put.explicit
def _(self, indices, values, accumulate=False):
    return aten.index_put_.default(aten.clone.default(self), indices, values, accumulate)


public("index_put_", index_put_, function=False)
public("index_put", index_put)


# ---- Python indexing: from an index expression to ops ------------------------------------------
def _is_int(x):
    return (isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)))


def _treat_sequence_as_tuple(index):
    """PyTorch's ``treatSequenceAsTuple`` (with its deprecation warning for lists)."""
    if isinstance(index, tuple):
        return True
    if isinstance(index, (Tensor, np.ndarray, str, bytes)):
        return False
    if not isinstance(index, (list, range)) and not hasattr(index, "__getitem__"):
        return False
    try:
        n = len(index)
    except TypeError:
        return False
    if n >= 32:
        return False
    for x in index:
        if x is None or x is Ellipsis or isinstance(x, (slice, Tensor, list, tuple)):
            warnings.warn(
                "Using a non-tuple sequence for multidimensional indexing is deprecated and will "
                "be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 "
                "this will be interpreted as tensor index, x[torch.tensor(seq)], which will "
                "result either in an error or a different result", UserWarning, stacklevel=4)
            return True
    return False


def _wrap_tuple(index):
    if isinstance(index, tuple):
        return index
    if _treat_sequence_as_tuple(index):
        return tuple(index)
    return (index,)


def _sequence_to_tensor(seq, device):
    from ._api import PUBLIC
    if isinstance(seq, np.ndarray):
        arr = seq
    else:
        arr = np.array(_unpack_tensors(seq))
    if arr.size == 0:
        arr = arr.astype(np.int64)
    return PUBLIC["tensor"](arr, device=device)


def _unpack_tensors(seq):
    if isinstance(seq, Tensor):
        return seq.tolist()
    if isinstance(seq, (list, tuple)):
        return [_unpack_tensors(x) for x in seq]
    return seq


def _count_specified(indices):
    n = 0
    for obj in indices:
        if isinstance(obj, Tensor):
            n += obj.dim() if obj.dtype in (_dtype.bool, _dtype.uint8) else 1
        elif obj is None or obj is Ellipsis or isinstance(obj, (bool, np.bool_)):
            continue
        else:
            n += 1
    return n


def _bool_index(value, device):
    """PyTorch's ``boolToIndexingTensor``: ``[0]`` (an empty tensor filled) or ``[]``."""
    t = aten.empty.memory_format([1 if value else 0], dtype=_dtype.int64, device=device)
    return aten.fill_.Scalar(t, 0.0) if value else t


def _select(result, dim, i, real_dim):
    if result.dim() == 0:
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    size = result._size[dim]
    if i < -size or i >= size:
        raise IndexError(f"index {i} is out of bounds for dimension {real_dim} with size {size}")
    return aten.select.int(result, dim, i)


def apply_slicing(self, indices):
    """Basic indexing as view ops; returns (view, the ``Tensor?[]`` list for advanced indexing)."""
    specified = _count_specified(indices)
    if specified > self.dim():
        raise IndexError(f"too many indices for tensor of dimension {self.dim()}")
    result = self
    out = []
    dim = 0
    real_dim = 0

    def record(t):
        nonlocal dim
        while len(out) < dim + 1:
            out.append(None)
        out[dim] = t
        dim += 1

    for obj in indices:
        if _is_int(obj):
            result = _select(result, dim, int(obj), real_dim)
            real_dim += 1
        elif isinstance(obj, slice):
            start, stop, step = (_slice_bound(obj.start), _slice_bound(obj.stop),
                                 _slice_bound(obj.step))
            if step is None:
                step = 1
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
            if not _is_full_slice(result, dim, start, stop, step):
                result = aten.slice.Tensor(result, dim, 0 if start is None else start,
                                           _INT64_MAX if stop is None else stop, step)
            dim += 1
            real_dim += 1
        elif obj is Ellipsis:
            skip = self.dim() - specified
            dim += skip
            real_dim += skip
        elif obj is None:
            result = aten.unsqueeze.default(result, dim)
            dim += 1
        elif isinstance(obj, (bool, np.bool_)):
            result = aten.unsqueeze.default(result, dim)
            record(_bool_index(bool(obj), result.device))
        elif isinstance(obj, Tensor):
            dt = obj.dtype
            if obj.dim() == 0 and dt._cat == _dtype.INT and dt not in (_dtype.uint8,) and \
                    dt is not _dtype.bool and not obj.is_meta:
                result = _select(result, dim, int(obj.item()), real_dim)
                real_dim += 1
            elif obj.dim() == 0 and dt in (_dtype.bool, _dtype.uint8) and not obj.is_meta:
                result = aten.unsqueeze.default(result, dim)
                record(_bool_index(bool(obj.item()), result.device))
            else:
                record(obj)
                real_dim += 1
        elif isinstance(obj, (list, tuple, np.ndarray, range)):
            record(_sequence_to_tensor(obj, self.device))
            real_dim += 1
        elif isinstance(obj, numbers.Number):
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                f"are valid indices (got {type(obj).__name__})")
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                f"are valid indices (got {type(obj).__name__})")
    return result, out


def _slice_bound(x):
    if x is None or type(x) is int:  # the usual bounds, before the general checks
        return x
    if _is_int(x):
        return int(x)
    if hasattr(x, "__index__"):
        return x.__index__()
    raise TypeError("slice indices must be integers or None or have an __index__ method")


_INT64_MAX = 2 ** 63 - 1
_NONE_OR_INT = frozenset({type(None), int})


def _is_full_slice(t, dim, start, stop, step):
    """Inside a tuple index, PyTorch skips slices that keep the whole dim (``x[:, 1]``)."""
    return step == 1 and start in (None, 0) and (stop is None or stop >= t._size[dim])


# aten.slice.Tensor(tensor, 0, start, stop, step) without __call__'s generic argument scan
_slice_call = positional_caller(aten.slice.Tensor, (Tensor, int, int, int, int))


def getitem(self, index):
    """``self[index]`` with PyTorch's semantics."""
    tp = type(index)
    if tp is int or tp is not slice and _is_int(index):  # PyTorch's fast path: a plain select
        return _select(self, 0, int(index), 0)
    if tp is slice and self._size:  # fast path: one slice is always a slice op
        start, stop, step = index.start, index.stop, index.step
        if not (type(start) in _NONE_OR_INT and type(stop) in _NONE_OR_INT and
                type(step) in _NONE_OR_INT):  # other bounds need _slice_bound's conversions
            start, stop, step = _slice_bound(start), _slice_bound(stop), _slice_bound(step)
        step = 1 if step is None else step
        if step == 0:
            raise ValueError("slice step cannot be zero")
        if step < 0:
            raise ValueError("step must be greater than zero")
        return _slice_call(self, 0, 0 if start is None else start,
                           _INT64_MAX if stop is None else stop, step)
    indices = _wrap_tuple(index)
    result, tensor_indices = apply_slicing(self, indices)
    if not any(t is not None for t in tensor_indices):
        if result is self:
            return aten.alias.default(self)
        return result
    return aten.index.Tensor(result, tensor_indices)


def _value_to_tensor(self, value):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (numbers.Number, np.bool_, np.number)):
        return aten.scalar_tensor.default(value, dtype=self.dtype, device=self.device)
    raise TypeError(f"can't assign a {type(value).__name__} to a "
                    f"{self.type() if self.is_cpu else 'torch.' + self.dtype._legacy + 'Tensor'}")


def _strip_leading_ones(v):
    size = list(v._size)
    i = 0
    while i < len(size) and size[i] == 1:
        i += 1
    return v if i == 0 else aten.view.default(v, size[i:])


def setitem(self, index, value):
    """``self[index] = value``: a view then ``copy_``/``fill_``, or ``index_put_``."""
    is_scalar = not isinstance(value, Tensor)
    v = _value_to_tensor(self, value)  # raises for unsupported value types
    if index is False:
        return  # PyTorch's fast path: nothing selected, nothing written, no version bump
    indices = _wrap_tuple(index)
    sliced, tensor_indices = apply_slicing(self, indices)
    if not any(t is not None for t in tensor_indices):
        if is_scalar:
            aten.fill_.Scalar(sliced, value)
        elif tuple(sliced._size) == tuple(v._size):
            aten.copy_.default(sliced, v)
        elif v.dim() == 0 and not v.is_meta:
            aten.fill_.Tensor(sliced, v)
        else:
            src = _strip_leading_ones(v)
            aten.copy_.default(sliced, aten.expand.default(src, list(sliced._size)))
        return
    aten.index_put_.default(sliced, tensor_indices, _strip_leading_ones(v), False)


_LIVE = _live_modes


def _getitem_method(self, index):
    """``Tensor.__getitem__``, checking for ``__torch_function__`` itself (no ``_hook``
    wrapper, no ``has_overloaded`` scan for a plain tensor and index)."""
    if type(self) is Tensor and type(index) in _PLAIN_INDEX and not _LIVE[0]:
        return getitem(self, index)
    return torch_function_slow_path(_getitem_method, getitem, (self, index), {})


_PLAIN_INDEX = frozenset({int, slice, type(None), type(Ellipsis), Tensor})
Tensor.__getitem__ = self_hooked(_getitem_method, getitem, "__getitem__",
                                 "torch.Tensor.__getitem__")
Tensor.__setitem__ = setitem
