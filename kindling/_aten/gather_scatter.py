"""Index-driven reads and writes along one dimension: ``gather``, ``scatter`` (a tensor or a
number), ``scatter_add``, ``index_select``, ``index_add``, with their in-place and ``out=``
forms.

``gather``/``scatter`` pair each element of ``index`` with the position it occupies in every
other dimension (NumPy's ``take_along_axis``/``put_along_axis``); ``index_select``/
``index_add`` take a vector of indices for whole slices (``take``/``add.at``).  The checks
shared by the CPU kernel and the meta function work on ndarrays and meta tensors alike and
raise PyTorch's messages.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ..testing import samples as S
from ._api import public
from ._defop import defop
from ._meta_util import empty_meta
from ._util import dtype_of, np_scalar, warn_once, wrap_dim
from ._variants import inplace_variant, out_variant
from .reductions import _numel

OPS = {}
_INDEX_DTYPES = (_dtype.int64, _dtype.int32)


def _sizes(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _ndim1(x):
    """Dims counting a 0-dim tensor as one element long (PyTorch's ``ensure_nonempty_dim``)."""
    return max(len(x.shape), 1)


def _shape1(x):
    return tuple(x.shape) if len(x.shape) else (1,)


def _check_index_dtype(name, index):
    """(PyTorch checks the dtype of a non-empty index only)"""
    if _numel(index.shape) and dtype_of(index) not in _INDEX_DTYPES:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")


def _check_bounds(index, dim, size):
    """Every index in ``[0, size)`` (negative indices are refused, as by PyTorch)."""
    if isinstance(index, np.ndarray) and index.size:
        bad = (index < 0) | (index >= size)
        if bad.any():
            raise RuntimeError(f"index {int(index[bad].flat[0])} is out of bounds for dimension "
                               f"{dim} with size {size}")


def _gather_check(self, dim, index):
    """``gather``'s checks; the wrapped dim."""
    d = wrap_dim(dim, len(self.shape))
    _check_index_dtype("gather", index)
    if _numel(index.shape):
        if _ndim1(index) != _ndim1(self):
            raise RuntimeError("Index tensor must have the same number of dimensions as input "
                               "tensor")
        ss, si = _shape1(self), _shape1(index)
        for k in range(len(ss)):
            if k != d and si[k] > ss[k]:
                raise RuntimeError(
                    f"Size does not match at dimension {k} expected index {_sizes(index.shape)} "
                    f"to be no larger than self {_sizes(self.shape)} apart from dimension {d}")
    return d


def _scatter_check(self, dim, index, src=None, name="scatter"):
    """``scatter``/``scatter_add``'s checks (``src`` None for a number); the wrapped dim."""
    d = wrap_dim(dim, len(self.shape))
    _check_index_dtype("scatter", index)
    if src is not None and dtype_of(src) is not dtype_of(self):
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if _numel(index.shape):
        if _ndim1(index) != _ndim1(self):
            raise RuntimeError("Index tensor must have the same number of dimensions as self "
                               "tensor")
        if src is not None and _ndim1(src) != _ndim1(index):
            raise RuntimeError("Index tensor must have the same number of dimensions as src "
                               "tensor")
        ss, si = _shape1(self), _shape1(index)
        sr = _shape1(src) if src is not None else None
        for k in range(len(ss)):
            if (k != d and si[k] > ss[k]) or (sr is not None and si[k] > sr[k]):
                if src is None:
                    raise RuntimeError(
                        f"Expected index {_sizes(index.shape)} to be no larger than self "
                        f"{_sizes(self.shape)} apart from dimension {d}")
                raise RuntimeError(
                    f"Expected index {_sizes(index.shape)} to be no larger than self "
                    f"{_sizes(self.shape)} apart from dimension {d} and to be no larger size "
                    f"than src {_sizes(src.shape)}")
    return d


def _along(a, index, d=None):
    """``a`` cut to ``index``'s extent in every dim but ``d`` (every dim when ``d`` is None;
    1-d views of 0-dim arrays)."""
    a = a.reshape(_shape1(a))
    cut = tuple(slice(None) if k == d else slice(0, s) for k, s in enumerate(_shape1(index)))
    return a[cut]


def _full_index(index, d):
    """The advanced index addressing, for each element of ``index``, its target position."""
    idx = list(np.indices(index.shape, sparse=True))
    idx[d] = index
    return tuple(idx)


# ---- gather -------------------------------------------------------------------------------------
gather = defop("gather(Tensor self, int dim, Tensor index, *, bool sparse_grad=False) -> Tensor",
               tags=("core",))
OPS["gather"] = gather
gather.derivative(self="gather_backward(grad, self, dim, index, sparse_grad)",
                  result="auto_linear")


@gather.cpu
def _(self, dim, index, sparse_grad=False):
    d = _gather_check(self, dim, index)
    if index.size == 0:
        return np.empty(index.shape, self.dtype)
    _check_bounds(index, d, _shape1(self)[d])
    r = np.take_along_axis(_along(self, index, d), index.reshape(_shape1(index)).astype(np.intp),
                           axis=d)
    return r.reshape(index.shape).copy()  # (C order; ascontiguousarray would make 0-dim 1-d)


@gather.meta
def _(self, dim, index, sparse_grad=False):
    _gather_check(self, dim, index)
    return empty_meta(index._size, self.dtype)


gather.out = out_variant(gather, "gather.out(Tensor self, int dim, Tensor index, *, "
                                 "bool sparse_grad=False, Tensor(a!) out) -> Tensor(a!)",
                         check_cast="exact")


# ---- scatter / scatter_add ----------------------------------------------------------------------
def _scatter_into(out, d, index, values, combine=None):
    """``values`` written into ``out`` at the scattered positions, or combined there by the
    ufunc ``combine`` (``np.add``...), repeated positions included."""
    if index.size == 0:
        return out
    _check_bounds(index, d, _shape1(out)[d])
    flat = out.reshape(_shape1(out))  # (a view: ``out`` is a fresh copy)
    idx = _full_index(index.reshape(_shape1(index)).astype(np.intp), d)
    if combine is not None:
        combine.at(flat, idx, values)
    else:
        flat[idx] = values
    return out


def _scatter_src(self, dim, index, src):
    d = _scatter_check(self, dim, index, src)
    return _scatter_into(self.copy(), d, index, _along(src, index))


def _scatter_value(self, dim, index, value):
    d = _scatter_check(self, dim, index)
    return _scatter_into(self.copy(), d, index, np_scalar(value, dtype_of(self)))


def _scatter_add(self, dim, index, src):
    d = _scatter_check(self, dim, index, src)
    return _scatter_into(self.copy(), d, index, _along(src, index), np.add)


_SCATTER_REDUCE_DEPRECATED = (
    "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
    "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.")
_REDUCE_UFUNCS = {"add": np.add, "multiply": np.multiply}


def _reduce_ufunc(reduce):
    u = _REDUCE_UFUNCS.get(reduce)
    if u is None:
        raise RuntimeError("reduce argument must be either add or multiply.")
    return u


def _scatter_src_reduce(self, dim, index, src, *, reduce):
    d = _scatter_check(self, dim, index, src)
    warn_once("scatter.reduce", _SCATTER_REDUCE_DEPRECATED)
    return _scatter_into(self.copy(), d, index, _along(src, index), _reduce_ufunc(reduce))


def _scatter_value_reduce(self, dim, index, value, *, reduce):
    d = _scatter_check(self, dim, index)
    return _scatter_into(self.copy(), d, index, np_scalar(value, dtype_of(self)),
                         _reduce_ufunc(reduce))


def _scatter_meta(self, dim, index, *rest, reduce=None):
    if reduce is not None:
        _reduce_ufunc(reduce)
    src = rest[0] if rest and not isinstance(rest[0], (bool, int, float, complex)) else None
    _scatter_check(self, dim, index, src)
    return empty_meta(self._size, self.dtype)


def _declare(schema, kernel, inplace, out, derivative, jvp, node_name=None, tags=()):
    d = defop(schema, tags=tags)
    d.cpu(kernel)
    d.meta(_scatter_meta)
    if derivative is not None:  # (else, as derivatives.yaml: "not implemented")
        d.derivative(node_name, result=jvp, **derivative)
    d.inplace = inplace_variant(d, inplace)
    d.out = out_variant(d, out, check_cast="exact")
    OPS[str(d.op)[len("aten."):]] = d
    return d


scatter_src = _declare(
    "scatter.src(Tensor self, int dim, Tensor index, Tensor src) -> Tensor", _scatter_src,
    "scatter_.src(Tensor(a!) self, int dim, Tensor index, Tensor src) -> Tensor(a!)",
    "scatter.src_out(Tensor self, int dim, Tensor index, Tensor src, *, Tensor(a!) out) -> "
    "Tensor(a!)",
    {"self": "grad.scatter(dim, index, 0)", "src": "grad.gather(dim, index)"},
    "self_t.scatter(dim, index, src_t)", tags=("core",))
scatter_value = _declare(
    "scatter.value(Tensor self, int dim, Tensor index, Scalar value) -> Tensor", _scatter_value,
    "scatter_.value(Tensor(a!) self, int dim, Tensor index, Scalar value) -> Tensor(a!)",
    "scatter.value_out(Tensor self, int dim, Tensor index, Scalar value, *, Tensor(a!) out) -> "
    "Tensor(a!)",
    {"self": "grad.scatter(dim, index, 0)"},
    "self_t.scatter(dim, index, 0)", "ScatterBackward1", tags=("core",))
# the deprecated ``reduce=`` overloads: no derivative in PyTorch either
scatter_reduce_src = _declare(
    "scatter.reduce(Tensor self, int dim, Tensor index, Tensor src, *, str reduce) -> Tensor",
    _scatter_src_reduce,
    "scatter_.reduce(Tensor(a!) self, int dim, Tensor index, Tensor src, *, str reduce) -> "
    "Tensor(a!)",
    "scatter.reduce_out(Tensor self, int dim, Tensor index, Tensor src, *, str reduce, "
    "Tensor(a!) out) -> Tensor(a!)", None, None)
scatter_value_reduce = _declare(
    "scatter.value_reduce(Tensor self, int dim, Tensor index, Scalar value, *, str reduce) -> "
    "Tensor", _scatter_value_reduce,
    "scatter_.value_reduce(Tensor(a!) self, int dim, Tensor index, Scalar value, *, "
    "str reduce) -> Tensor(a!)",
    "scatter.value_reduce_out(Tensor self, int dim, Tensor index, Scalar value, *, str reduce, "
    "Tensor(a!) out) -> Tensor(a!)", None, None)
scatter_add = _declare(
    "scatter_add(Tensor self, int dim, Tensor index, Tensor src) -> Tensor", _scatter_add,
    "scatter_add_(Tensor(a!) self, int dim, Tensor index, Tensor src) -> Tensor(a!)",
    "scatter_add.out(Tensor self, int dim, Tensor index, Tensor src, *, Tensor(a!) out) -> "
    "Tensor(a!)",
    {"self": "grad", "src": "grad.gather(dim, index)"},
    "self_t.scatter_add(dim, index, src_t)", tags=("core",))


# ---- index_select / index_add -------------------------------------------------------------------
def _index_select_check(self, dim, index):
    if len(index.shape) > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if dtype_of(index) not in _INDEX_DTYPES:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    return wrap_dim(dim, len(self.shape))


index_select = defop("index_select(Tensor self, int dim, Tensor index) -> Tensor", tags=("core",))
OPS["index_select"] = index_select
index_select.derivative(self="index_select_backward(grad, self_sym_sizes, dim, index)",
                        result="auto_linear")


@index_select.cpu
def _(self, dim, index):
    d = _index_select_check(self, dim, index)
    size = _shape1(self)[d]
    idx = index.reshape(-1)
    if idx.size:
        bad = (idx < 0) | (idx >= size)
        if bad.any():
            if d != 1:  # (only PyTorch's dim-1 kernel words it the other way)
                raise IndexError("index out of range in self")
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(idx[bad][0])} "
                               f"axis_dim={size}")
    if self.ndim == 0:
        return self.copy()
    return np.ascontiguousarray(np.take(self, idx.astype(np.intp), axis=d))


@index_select.meta
def _(self, dim, index):
    d = _index_select_check(self, dim, index)
    if not self._size:
        return empty_meta((), self.dtype)
    shape = list(self._size)
    shape[d] = _numel(index.shape)
    return empty_meta(shape, self.dtype)


index_select.out = out_variant(
    index_select, "index_select.out(Tensor self, int dim, Tensor index, *, Tensor(a!) out) -> "
    "Tensor(a!)", check_cast="exact", cast_error=lambda r, o: RuntimeError(
        "index_select(): self and result must have the same scalar type"))


def _index_add_check(self, dim, index, source, name="index_add_"):
    """PyTorch's checks of the index_add/index_reduce family (``name`` in the messages)."""
    d = wrap_dim(dim, len(self.shape))
    if len(index.shape) > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector, but got dim: "
                         f"{len(index.shape)} with type: {dtype_of(index)._scalar_name} and "
                         f"size: {_sizes(index.shape)}")
    if dtype_of(index) not in _INDEX_DTYPES:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index but got: "
                           f"{dtype_of(index)._scalar_name}")
    if dtype_of(self) is not dtype_of(source):
        raise RuntimeError(f"{name}(): self ({dtype_of(self)._scalar_name}) and source "
                           f"({dtype_of(source)._scalar_name}) must have the same scalar type")
    n = _numel(index.shape)
    if len(source.shape) and n != _shape1(source)[d if d < len(source.shape) else 0]:
        raise RuntimeError(f"{name}(): Number of indices ({n}) should be equal to "
                           f"source.size(dim): ({_shape1(source)[d]}), for dim: {d}")
    ss, sr = tuple(self.shape), tuple(source.shape)
    # (the dim is left out of the comparison only when neither is 0-dim)
    if len(ss) and len(sr):
        mismatch = ss[:d] + ss[d + 1:] != sr[:d] + sr[d + 1:]
    else:
        mismatch = ss != sr
    if mismatch:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {_sizes(ss)} source.shape = "
                           f"{_sizes(sr)}")
    return d


index_add = defop("index_add(Tensor self, int dim, Tensor index, Tensor source, *, "
                  "Scalar alpha=1) -> Tensor")
OPS["index_add"] = index_add
index_add.derivative(self="grad",
                     source="index_add_source_backward(grad, source, dim, index, alpha)",
                     result="self_t.index_add(dim, index, maybe_multiply(source_t, alpha))")


@index_add.cpu
def _(self, dim, index, source, alpha=1):
    d = _index_add_check(self, dim, index, source)
    out = self.copy()
    if index.size == 0:
        return out
    flat = out.reshape(_shape1(out))
    idx = index.reshape(-1)
    _check_bounds(idx, d, flat.shape[d])
    src = source.reshape(_shape1(source))
    if alpha != 1:
        src = src * np_scalar(alpha, dtype_of(self))
    np.add.at(flat, (slice(None),) * d + (idx.astype(np.intp),), src)
    return out


@index_add.meta
def _(self, dim, index, source, alpha=1):
    _index_add_check(self, dim, index, source)
    return empty_meta(self._size, self.dtype)


index_add.inplace = inplace_variant(index_add, "index_add_(Tensor(a!) self, int dim, "
                                               "Tensor index, Tensor source, *, Scalar alpha=1) "
                                               "-> Tensor(a!)")
index_add.out = out_variant(index_add, "index_add.out(Tensor self, int dim, Tensor index, "
                                       "Tensor source, *, Scalar alpha=1, Tensor(a!) out) -> "
                                       "Tensor(a!)", check_cast="exact")


# ---- samples ------------------------------------------------------------------------------------
def _idx(values):
    return S.Arr(np.asarray(values, dtype=np.int64))


def _gather_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), 1, _idx([[0, 3], [1, 1], [2, 0]]))
    yield S.SampleInput(A((3, 4), dtype), 0, _idx([[0, 2, 1, 0]]))
    yield S.SampleInput(A((3, 4), dtype), -1, _idx([[0, 1, 2, 3, 3]]))
    yield S.SampleInput(A((2, 3, 2), dtype), 1, _idx([[[0, 1], [2, 2]]]))
    yield S.SampleInput(A((), dtype), 0, _idx(0))
    yield S.SampleInput(A((3, 4), dtype), 1, S.Arr(np.zeros((3, 0), np.int64)))


def _scatter_samples(dtype):
    A = S.make_arr
    # distinct targets per row: duplicate writes pick an unspecified winner in PyTorch
    yield S.SampleInput(A((3, 4), dtype), 1, _idx([[0, 3], [1, 2], [2, 0]]), A((3, 2), dtype,
                                                                             seed=1))
    yield S.SampleInput(A((3, 4), dtype), 0, _idx([[0, 2, 1, 0]]), A((1, 4), dtype, seed=2))
    yield S.SampleInput(A((), dtype), 0, _idx(0), A((), dtype, seed=3))


def _scatter_value_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), 1, _idx([[0, 3], [1, 2], [2, 0]]), 2)
    yield S.SampleInput(A((3, 4), dtype), -2, _idx([[2, 0, 1, 1]]), -1)


def _scatter_add_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), 1, _idx([[0, 3, 0], [1, 1, 2], [2, 0, 2]]),
                        A((3, 3), dtype, seed=1))
    yield S.SampleInput(A((3, 4), dtype), 0, _idx([[0, 2, 1, 0], [0, 0, 1, 2]]),
                        A((2, 4), dtype, seed=2))
    yield S.SampleInput(A((), dtype), 0, _idx(0), A((), dtype, seed=3))


def _index_select_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), 1, _idx([0, 3, 3, 1]))
    yield S.SampleInput(A((3, 4), dtype), 0, _idx([2]))
    yield S.SampleInput(A((3, 4), dtype, noncontig=True), -1, _idx([]))
    yield S.SampleInput(A((2, 3, 2), dtype), 1, _idx(2))
    yield S.SampleInput(A((), dtype), 0, _idx([0]))


def _index_add_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), 1, _idx([0, 3, 0]), A((3, 3), dtype, seed=1))
    yield S.SampleInput(A((3, 4), dtype), 0, _idx([2, 2]), A((2, 4), dtype, seed=2), alpha=2)
    yield S.SampleInput(A((4,), dtype), 0, _idx([1]), A((1,), dtype, seed=3))


gather.samples(_gather_samples)
scatter_src.samples(_scatter_samples)
scatter_value.samples(_scatter_value_samples)
scatter_add.samples(_scatter_add_samples)
index_select.samples(_index_select_samples)
index_add.samples(_index_add_samples)

public("gather", gather, gather.out)
public("scatter", scatter_src, scatter_reduce_src, scatter_value, scatter_value_reduce,
       scatter_src.out, scatter_reduce_src.out, scatter_value.out, scatter_value_reduce.out)
public("scatter_", scatter_src.inplace, scatter_reduce_src.inplace, scatter_value.inplace,
       scatter_value_reduce.inplace, function=False)
public("scatter_add", scatter_add, scatter_add.out)
public("scatter_add_", scatter_add.inplace, function=False)
public("index_select", index_select, index_select.out)
public("index_add", index_add, index_add.out)
public("index_add_", index_add.inplace, function=False)
