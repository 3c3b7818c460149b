"""Searching sorted sequences and sets: ``searchsorted``, ``bucketize``, ``isin``.

Their results are indices or booleans, so none is differentiable.  ``searchsorted`` runs
PyTorch's binary search itself (``lower_bound``/``upper_bound`` written with ``>=``/``>``), for
every value at once, so NaNs land where PyTorch puts them.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dispatcher.keys import K
from .._dispatcher.operator import KernelEntry, caller_site
from ..testing import samples as S
from ._api import public
from ._copy_out import copy_out_variant
from ._defop import defop
from ._meta_util import empty_meta
from ._pointwise_util import not_implemented
from ._tags import variant_tags
from ._util import dtype_of, result_type
from ._variants import cpp_name, resize_out

OPS = {}

_SEARCHABLE = {_dtype.uint8, _dtype.int8, _dtype.int16, _dtype.int32, _dtype.int64,
               _dtype.float16, _dtype.bfloat16, _dtype.float32, _dtype.float64}


def _sizes(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _index_dtype(out_int32):
    return _dtype.int32 if out_int32 else _dtype.int64


# ---- searchsorted -------------------------------------------------------------------------------
def _searchsorted_check(boundaries, values, out_dtype, out_int32, right, side, sorter):
    """PyTorch's ``searchsorted_pre_check``, in its order (``values``: an array, a meta
    tensor or a Python number)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side != "right":
            raise RuntimeError(f"torch.searchsorted(): side and right can't be set to "
                               f"opposites, got side of {side} while right was True")
    bshape = tuple(boundaries.shape)
    if sorter is not None:
        if tuple(sorter.shape) != bshape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {_sizes(bshape)}and got sorter "
                               f"tensor {_sizes(sorter.shape)}")
        if dtype_of(sorter) is not _dtype.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but "
                               f"got dtype {dtype_of(sorter)._scalar_name}")
        if isinstance(sorter, np.ndarray) and sorter.size and (
                sorter.min() < 0 or sorter.max() >= bshape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
    vshape = tuple(getattr(values, "shape", ()))
    numel = int(np.prod(vshape)) if vshape else 1
    if not (len(vshape) > 0 or (numel == 1 and len(bshape) == 1)):
        raise RuntimeError(
            f"torch.searchsorted(): input value can be a scalar only when boundaries tensor "
            f"dimension is 1, but we got boundaries tensor dim({len(bshape)}) and input value's "
            f"dim({len(vshape)}) numel({numel})")
    if len(bshape) == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if len(bshape) != 1 and (len(bshape) != len(vshape) or bshape[:-1] != vshape[:-1]):
        raise RuntimeError(
            f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            f"dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {_sizes(bshape)} and input value tensor {_sizes(vshape)}")
    if out_dtype is not _index_dtype(out_int32):
        raise RuntimeError(
            f"torch.searchsorted(): output tensor's dtype is wrong, it can only be Int(int32) or "
            f"Long(int64) depending on whether out_int32 flag is True, but we got output "
            f"tensor's dtype {out_dtype._scalar_name} and out_int32 flag is "
            f"{'True' if out_int32 else 'False'}")


def _search_dtype(boundaries, values):
    """The dtype both are compared in: their result type when they differ."""
    vdt = dtype_of(values) if hasattr(values, "dtype") else None
    bdt = dtype_of(boundaries)
    dt = bdt if vdt is bdt else result_type(boundaries, values)
    if dt not in _SEARCHABLE:
        raise not_implemented("searchsorted_out_cpu", dt)
    return dt


def _bounds(bd, vals, right, sorter):
    """Per row of ``bd`` (rows, n), the insertion point of each value of that row of ``vals``
    (rows, m): PyTorch's binary search, all values stepping together."""
    rows, n = bd.shape
    start = np.zeros(vals.shape, np.int64)
    end = np.full(vals.shape, n, np.int64)
    active = start < end
    while active.any():
        mid = start + ((end - start) >> 1)
        pos = np.minimum(mid, n - 1)
        if sorter is not None:
            pos = np.take_along_axis(sorter, pos, axis=1)
        mid_val = np.take_along_axis(bd, pos, axis=1)
        # (the negated comparison sends NaNs the way PyTorch's does)
        go_up = ~(mid_val > vals) if right else ~(mid_val >= vals)
        start = np.where(active & go_up, mid + 1, start)
        end = np.where(active & ~go_up, mid, end)
        active = start < end
    return start


def _searchsorted_np(boundaries, values, out_int32=False, right=False, side=None, sorter=None):
    _searchsorted_check(boundaries, values, _index_dtype(out_int32), out_int32, right, side,
                        sorter)
    dt = _search_dtype(boundaries, values)
    cdt = np.float32 if dt in (_dtype.float16, _dtype.bfloat16) else dt._np  # (exact)
    vals = np.asarray(values)
    shape = vals.shape
    n = boundaries.shape[-1]
    rows = 1 if boundaries.ndim == 1 else int(np.prod(boundaries.shape[:-1]))
    bd = np.asarray(boundaries, dtype=dt._np).astype(cdt).reshape(rows, n)
    v = np.asarray(vals, dtype=dt._np).astype(cdt).reshape(rows, -1 if rows else 0)
    srt = None if sorter is None else np.asarray(sorter, np.int64).reshape(rows, n)
    if n == 0 or v.size == 0:
        idx = np.zeros(v.shape, np.int64)
    else:
        idx = _bounds(bd, v, right or side == "right", srt)
    return idx.reshape(shape).astype(_index_dtype(out_int32)._np)


def _searchsorted_meta(boundaries, values, out_int32=False, right=False, side=None,
                       sorter=None):
    _searchsorted_check(boundaries, values, _index_dtype(out_int32), out_int32, right, side,
                        sorter)
    _search_dtype(boundaries, values)
    return empty_meta(tuple(getattr(values, "shape", ())), _index_dtype(out_int32))


_SS_KW = "*, bool out_int32=False, bool right=False, str? side=None, Tensor? sorter=None"
searchsorted = defop(f"searchsorted.Tensor(Tensor sorted_sequence, Tensor self, {_SS_KW}) -> "
                     "Tensor")
searchsorted_scalar = defop(f"searchsorted.Scalar(Tensor sorted_sequence, Scalar self, "
                            f"{_SS_KW}) -> Tensor")
for _d in (searchsorted, searchsorted_scalar):
    _d.cpu(_searchsorted_np)
    _d.meta(_searchsorted_meta)
    _d.nondifferentiable()
    OPS[str(_d.op)[len("aten."):]] = _d


def _index_out(functional, schema, check, tags=None):
    """An ``out=`` form whose ``out`` must have exactly the result's dtype: ``check(out,
    *args, **kwargs)`` raises PyTorch's message, then the result is written into ``out``."""
    d = defop(schema, tags=variant_tags(functional) if tags is None else tags)

    def kernel(ks, *args, out, **kwargs):
        check(out, *args, **kwargs)
        r = functional.op(*args, **kwargs)
        resize_out(out, r._size)
        if out._np is not None and r._np is not None:
            np.copyto(out._np, r._np)
        return out
    site = caller_site()
    d.entry.register(K.CPU, KernelEntry(kernel, site))
    d.entry.register(K.Meta, KernelEntry(kernel, site))
    OPS[str(d.op)[len("aten."):]] = d
    return d


def _searchsorted_out_check(out, boundaries, values, out_int32=False, right=False, side=None,
                            sorter=None):
    _searchsorted_check(boundaries, values, out.dtype, out_int32, right, side, sorter)


searchsorted.out = _index_out(
    searchsorted, f"searchsorted.Tensor_out(Tensor sorted_sequence, Tensor self, {_SS_KW}, "
                  "Tensor(a!) out) -> Tensor(a!)", _searchsorted_out_check)
searchsorted_scalar.out = _index_out(
    searchsorted_scalar, f"searchsorted.Scalar_out(Tensor sorted_sequence, Scalar self, "
                         f"{_SS_KW}, Tensor(a!) out) -> Tensor(a!)", _searchsorted_out_check)


# ---- bucketize ----------------------------------------------------------------------------------
def _bucketize_check(boundaries):
    if len(boundaries.shape) != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{len(boundaries.shape)})")


def _bucketize_np(self, boundaries, out_int32=False, right=False):
    _bucketize_check(boundaries)
    return _searchsorted_np(boundaries, self, out_int32, right)


def _bucketize_meta(self, boundaries, out_int32=False, right=False):
    _bucketize_check(boundaries)
    return _searchsorted_meta(boundaries, self, out_int32, right)


bucketize = defop("bucketize.Tensor(Tensor self, Tensor boundaries, *, bool out_int32=False, "
                  "bool right=False) -> Tensor")
bucketize_scalar = defop("bucketize.Scalar(Scalar self, Tensor boundaries, *, "
                         "bool out_int32=False, bool right=False) -> Tensor")
for _d in (bucketize, bucketize_scalar):
    _d.cpu(_bucketize_np)
    _d.meta(_bucketize_meta)
    _d.nondifferentiable()
    OPS[str(_d.op)[len("aten."):]] = _d


def _bucketize_out_check(out, self, boundaries, out_int32=False, right=False):
    _bucketize_check(boundaries)
    _searchsorted_check(boundaries, self, out.dtype, out_int32, right, None, None)


bucketize.out = _index_out(
    bucketize, "bucketize.Tensor_out(Tensor self, Tensor boundaries, *, bool out_int32=False, "
               "bool right=False, Tensor(a!) out) -> Tensor(a!)", _bucketize_out_check)
# (an out= form PyTorch generates: ``out`` must have the result's dtype, whatever out_int32)
bucketize_scalar.out = copy_out_variant(
    bucketize_scalar, "bucketize.Scalar_out(Scalar self, Tensor boundaries, *, "
                      "bool out_int32=False, bool right=False, Tensor(a!) out) -> Tensor(a!)")
OPS["bucketize.Scalar_out"] = bucketize_scalar.out


# ---- isin ---------------------------------------------------------------------------------------
_NO_ISIN = (_dtype.bool, _dtype.complex64, _dtype.complex128)


def _isin_check(elements, test_elements):
    for x in (elements, test_elements):
        dt = dtype_of(x) if hasattr(x, "dtype") else _dtype.scalar_dtype(x)
        if dt in _NO_ISIN:
            raise RuntimeError(f"Unsupported input type encountered for isin(): "
                               f"{dt._scalar_name}")


def _isin_np(elements, test_elements, assume_unique=False, invert=False):
    _isin_check(elements, test_elements)
    dt = result_type(elements, test_elements)
    cdt = np.float32 if dt in (_dtype.float16, _dtype.bfloat16) else dt._np
    e = np.asarray(elements, dtype=dt._np).astype(cdt)
    t = np.asarray(test_elements, dtype=dt._np).astype(cdt).reshape(-1)
    found = np.isin(e, t) if t.size else np.zeros(e.shape, bool)
    return np.asarray(~found if invert else found)


def _isin_meta(elements, test_elements, assume_unique=False, invert=False):
    _isin_check(elements, test_elements)
    return empty_meta(tuple(getattr(elements, "shape", ())), _dtype.bool)


_ISIN_KW = "*, bool assume_unique=False, bool invert=False"
isin_tt = defop(f"isin.Tensor_Tensor(Tensor elements, Tensor test_elements, {_ISIN_KW}) -> "
                "Tensor")
isin_ts = defop(f"isin.Tensor_Scalar(Tensor elements, Scalar test_element, {_ISIN_KW}) -> "
                "Tensor")
isin_st = defop(f"isin.Scalar_Tensor(Scalar element, Tensor test_elements, {_ISIN_KW}) -> "
                "Tensor")


def _isin_out_check(out, elements, test_elements, *args, **kwargs):
    _isin_check(elements, test_elements)  # (the input dtypes are checked first)
    if out.dtype is not _dtype.bool:
        name = cpp_name(out.dtype)
        raise RuntimeError(f"Expected out tensor to have dtype bool, but got {name} instead")


for _d, _first, _second in ((isin_tt, "Tensor elements", "Tensor test_elements"),
                            (isin_ts, "Tensor elements", "Scalar test_element"),
                            (isin_st, "Scalar element", "Tensor test_elements")):
    _d.cpu(_isin_np)
    _d.meta(_isin_meta)
    _d.nondifferentiable()
    OPS[str(_d.op)[len("aten."):]] = _d
    _overload = str(_d.op).split(".")[-1]
    _d.out = _index_out(_d, f"isin.{_overload}_out({_first}, {_second}, {_ISIN_KW}, "
                            "Tensor(a!) out) -> Tensor(a!)", _isin_out_check)


# ---- samples ------------------------------------------------------------------------------------
def _sorted_arr(shape, dtype, seed=0):
    a = S.make_arr(shape, dtype, seed=seed)
    a.value = np.sort(a.value, axis=-1)
    return a


def _searchsorted_samples(dtype):
    if dtype == "bool":
        return
    yield S.SampleInput(_sorted_arr((6,), dtype), S.make_arr((3, 4), dtype, seed=1))
    yield S.SampleInput(_sorted_arr((6,), dtype), S.make_arr((5,), dtype, seed=2), right=True)
    yield S.SampleInput(_sorted_arr((2, 5), dtype), S.make_arr((2, 3), dtype, seed=3),
                        side="right")
    yield S.SampleInput(_sorted_arr((4,), dtype), S.make_arr((), dtype, seed=4),
                        out_int32=True)
    yield S.SampleInput(_sorted_arr((0,), dtype), S.make_arr((3,), dtype, seed=5))
    unsorted = S.make_arr((5,), dtype, seed=6)
    order = np.argsort(unsorted.value, kind="stable")
    yield S.SampleInput(unsorted, S.make_arr((2, 2), dtype, seed=7),
                        sorter=S.Arr(order.astype(np.int64)))


def _searchsorted_scalar_samples(dtype):
    if dtype == "bool":
        return
    yield S.SampleInput(_sorted_arr((6,), dtype), 2)
    yield S.SampleInput(_sorted_arr((6,), dtype), -1.5, right=True)


def _bucketize_samples(dtype):
    if dtype == "bool":
        return
    yield S.SampleInput(S.make_arr((3, 4), dtype, seed=1), _sorted_arr((6,), dtype))
    yield S.SampleInput(S.make_arr((5,), dtype, seed=2, noncontig=True),
                        _sorted_arr((6,), dtype), right=True, out_int32=True)
    yield S.SampleInput(S.make_arr((), dtype, seed=3), _sorted_arr((3,), dtype))


def _bucketize_scalar_samples(dtype):
    if dtype == "bool":
        return
    yield S.SampleInput(3, _sorted_arr((6,), dtype))


def _isin_samples(dtype):
    if dtype == "bool":
        return
    yield S.SampleInput(S.make_arr((3, 4), dtype, seed=1), S.make_arr((5,), dtype, seed=2))
    yield S.SampleInput(S.make_arr((4,), dtype, seed=3), S.make_arr((2, 2), dtype, seed=4),
                        invert=True)
    yield S.SampleInput(S.make_arr((), dtype, seed=5), S.make_arr((0,), dtype))


def _isin_scalar_samples(dtype):
    if dtype == "bool":
        return
    yield S.SampleInput(S.make_arr((3, 4), dtype, seed=1), 2)


def _isin_scalar_tensor_samples(dtype):
    if dtype == "bool":
        return
    yield S.SampleInput(2, S.make_arr((3, 4), dtype, seed=1))


searchsorted.samples(_searchsorted_samples)
searchsorted_scalar.samples(_searchsorted_scalar_samples)
bucketize.samples(_bucketize_samples)
bucketize_scalar.samples(_bucketize_scalar_samples)
isin_tt.samples(_isin_samples)
isin_ts.samples(_isin_scalar_samples)
isin_st.samples(_isin_scalar_tensor_samples)

public("searchsorted", searchsorted, searchsorted_scalar, searchsorted.out,
       searchsorted_scalar.out, method=False)
public("bucketize", bucketize, bucketize_scalar, bucketize.out, bucketize_scalar.out,
       method=False)
public("isin", isin_tt, isin_ts, isin_st, isin_tt.out, isin_ts.out, isin_st.out, method=False)
