"""``median`` and ``nanmedian``: the whole tensor, or along one dim with the index.

The median of ``n`` values is the lower middle one, the ``(n - 1) // 2``-th in order.  Along a
dim the values are ordered by (value, position), as PyTorch's partition does, which fixes
which index a repeated median gets.  ``median`` returns the first NaN of a row when there is
one; ``nanmedian`` leaves NaNs out (a row of NaNs gives NaN at index 0).  Gradients go to the
selected element (along a dim) or are shared by every element equal to the median.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dispatcher.keys import K
from .._dispatcher.operator import KernelEntry, caller_site
from .._tensor import Tensor
from ..testing import samples as S
from ._api import PUBLIC, make_function
from ._defop import defop
from ._meta_util import empty_meta
from ._pointwise_util import not_implemented
from ._tags import generated_tags, variant_tags
from ._util import dtype_of, wrap_dim
from ._variants import resize_out, same_dtype_out_variant
from .reductions import _check_nonempty, _reduced_shape, _structseq, return_types

OPS = {}
_NO_MEDIAN = (_dtype.bool, _dtype.complex64, _dtype.complex128)


def _check_dtype(kernel_name, self):
    dt = dtype_of(self)
    if dt in _NO_MEDIAN:
        raise not_implemented(kernel_name, dt)


def _sortable(a):
    """Half and bfloat16 values compared as float32 (exact)."""
    return a.astype(np.float32) if a.dtype.kind == "V" or a.dtype == np.float16 else a


def _all_nan_position(n):
    """Which of ``n`` NaNs ``nanmedian`` reports: where libstdc++'s ``nth_element`` (the
    partition PyTorch's CPU kernel runs) leaves, at the front, elements that all compare
    equivalent - introselect's median-of-three swap and partition, replayed on positions."""
    p = list(range(n))
    first, last = 0, n
    while last - first > 3:
        mid = first + (last - first) // 2
        p[first], p[mid] = p[mid], p[first]
        i, j = first + 1, last
        while True:
            j -= 1
            if not i < j:
                break
            p[i], p[j] = p[j], p[i]
            i += 1
        last = i  # (the cut lies past the front, where the wanted element is)
    return p[0]


def _trunc_half(k):
    """C's ``k / 2`` for ``k >= -1`` (``-1 / 2`` is 0)."""
    return np.maximum(k, 0) // 2


# ---- the whole tensor ---------------------------------------------------------------------------
def _median_all(ignore_nan):
    def kernel(self):
        _check_dtype("median_cpu", self)
        if self.size == 0:
            with np.errstate(invalid="ignore"):
                return np.array(np.nan).astype(self.dtype)
        x = _sortable(self.reshape(-1))
        nans = np.isnan(x) if x.dtype.kind == "f" else np.zeros(x.shape, bool)
        if not ignore_nan and nans.any():
            return np.array(self.reshape(-1)[np.argmax(nans)])
        k = _trunc_half(x.size - int(nans.sum()) - 1)
        return np.array(self.reshape(-1)[np.argsort(x, kind="stable")[k]])

    def meta(self):
        _check_dtype("median_cpu", self)
        return empty_meta((), dtype_of(self))
    return kernel, meta


# ---- along a dim --------------------------------------------------------------------------------
def _median_dim(ignore_nan):
    def plan(self, dim, keepdim=False):
        _check_dtype("median_out", self)
        n = len(self.shape)
        d = wrap_dim(dim, n)
        if n:
            _check_nonempty("median", tuple(self.shape), (d,), True)  # (nanmedian too)
        return d, _reduced_shape(tuple(self.shape), (d,) if n else (), keepdim)

    def kernel(self, dim, keepdim=False):
        d, shape = plan(self, dim, keepdim)
        if self.ndim == 0:
            return self.copy(), np.zeros((), np.int64)
        x = np.moveaxis(self, d, -1)
        if x.size == 0:
            return np.empty(shape, self.dtype), np.empty(shape, np.int64)
        key = _sortable(x)
        n = key.shape[-1]
        nans = np.isnan(key) if key.dtype.kind == "f" else np.zeros(key.shape, bool)
        order = np.argsort(key, axis=-1, kind="stable")  # (NaN last; ties by position)
        if ignore_nan:
            k = _trunc_half(n - nans.sum(-1) - 1)
        else:
            k = np.full(key.shape[:-1], (n - 1) // 2)
        idx = np.take_along_axis(order, k[..., None], -1)[..., 0]
        if not ignore_nan:
            idx = np.where(nans.any(-1), np.argmax(nans, -1), idx)
        elif nans.all(-1).any():
            idx = np.where(nans.all(-1), _all_nan_position(n), idx)
        values = np.take_along_axis(x, idx[..., None], -1)[..., 0]
        return values.reshape(shape).copy(), idx.astype(np.int64).reshape(shape)

    def meta(self, dim, keepdim=False):
        _, shape = plan(self, dim, keepdim)
        return empty_meta(shape, dtype_of(self)), empty_meta(shape, _dtype.int64)
    return kernel, meta


# (the element types c10's legacy type names cover; the others print as ``CPUBoolType``)
_LEGACY_NAMED = frozenset({"Half", "Float", "Double", "Byte", "Char", "Short", "Int", "Long"})


def _checked_type(dt):
    """How ATen's ``checkScalarType``/``checkSameType`` name a CPU tensor's type."""
    if dt._legacy in _LEGACY_NAMED:
        return f"torch.{dt._legacy}Tensor"
    return f"CPU{dt._scalar_name}Type"


def _dim_values_variant(functional, schema):
    """``median.dim_values``: results written into ``values`` and ``indices``, which must
    already have the input's dtype and int64."""
    d = defop(schema, tags=variant_tags(functional))

    def kernel(ks, self, dim, keepdim=False, *, values, indices):
        if indices.dtype is not _dtype.int64:
            raise RuntimeError(f"Expected tensor for argument #1 'indices' to have scalar type "
                               f"Long; but got {_checked_type(indices.dtype)} instead "
                               f"(while checking arguments for median)")
        if values.dtype is not self.dtype:
            raise RuntimeError(f"Expected tensor for 'values' to have the same type as tensor "
                               f"for argument #2 'self'; but type "
                               f"{_checked_type(values.dtype)} does not equal "
                               f"{_checked_type(self.dtype)} (while checking arguments for "
                               f"median)")
        v, i = functional.op(self, dim, keepdim)
        for src, dst in ((v, values), (i, indices)):
            resize_out(dst, src._size)
            if dst._np is not None and src._np is not None:
                np.copyto(dst._np, src._np)
        return values, indices
    site = caller_site()
    d.entry.register(K.CPU, KernelEntry(kernel, site))
    d.entry.register(K.Meta, KernelEntry(kernel, site))
    OPS[str(d.op)[len("aten."):]] = d
    return d


def _declare(name, ignore_nan, node):
    full = defop(f"{name}(Tensor self) -> Tensor")
    kernel, meta = _median_all(ignore_nan)
    full.cpu(kernel)
    full.meta(meta)
    dim = defop(f"{name}.dim(Tensor self, int dim, bool keepdim=False) -> "
                "(Tensor values, Tensor indices)")
    kernel, meta = _median_dim(ignore_nan)
    dim.cpu(kernel)
    dim.meta(meta)
    full.derivative(f"{node}Backward0", self="evenly_distribute_backward(grad, self, result)",
                    result="evenly_read_jvp(self_t, self_p, result)")
    dim.derivative(f"{node}Backward1",
                   self="value_selecting_reduction_backward(grad, dim, indices, "
                        "self_sym_sizes, keepdim)",
                   result="value_selecting_jvp(self_t, dim, indices, keepdim)")
    full.out = same_dtype_out_variant(full, f"{name}.out(Tensor self, *, Tensor(a!) out) -> "
                                            "Tensor(a!)", tags=generated_tags(full))
    dim.out = _dim_values_variant(
        dim, f"{name}.dim_values(Tensor self, int dim, bool keepdim=False, *, "
             "Tensor(a!) values, Tensor(b!) indices) -> (Tensor(a!) values, Tensor(b!) indices)")
    OPS[name], OPS[name + ".dim"], OPS[name + ".out"] = full, dim, full.out
    _expose(name, full, dim)
    return full, dim


def _expose(name, full, dim):
    """``torch.<name>(input)``, ``torch.<name>(input, dim, keepdim=False, *, out=None)`` and
    the method: the dim form returns ``torch.return_types.<name>``, ``<name>_out`` with out=."""
    rt = _structseq(name, ("values", "indices"))
    rt_out = _structseq(name + "_out", ("values", "indices"))
    setattr(return_types, name, rt)
    setattr(return_types, name + "_out", rt_out)
    ops = [full.op, dim.op, dim.out.op]
    function = make_function(name, ops, return_types=(rt, rt_out))
    method = make_function(name, ops, self_name="self", is_method=True,
                           return_types=(rt, rt_out))
    PUBLIC[name] = function
    setattr(Tensor, name, method)


median, median_dim = _declare("median", False, "Median")
nanmedian, nanmedian_dim = _declare("nanmedian", True, "Nanmedian")


# ---- samples ------------------------------------------------------------------------------------
def _full_samples(dtype):
    if dtype == "bool":
        return
    yield S.SampleInput(S.make_arr((3, 4), dtype))
    yield S.SampleInput(S.make_arr((5,), dtype, seed=1))
    yield S.SampleInput(S.make_arr((), dtype, seed=2))
    yield S.SampleInput(S.make_arr((3, 4), dtype, seed=3, noncontig=True))
    if not dtype.startswith("float"):  # (ties: not differentiable there)
        yield S.SampleInput(S.Arr(np.array([2, 2, 1, 1, 2, 1], dtype=dtype)))
    else:
        yield S.SampleInput(S.Arr(np.array([3.0, np.nan, 1.0, 2.0], dtype=dtype)))
        yield S.SampleInput(S.Arr(np.array([np.nan, np.nan], dtype=dtype)))
        yield S.SampleInput(S.Arr(np.zeros((0, 2), dtype=dtype)))


def _dim_samples(dtype):
    if dtype == "bool":
        return
    yield S.SampleInput(S.make_arr((3, 4), dtype), 1)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=1), 0, True)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=2, noncontig=True), -1)
    yield S.SampleInput(S.make_arr((), dtype, seed=3), 0)
    yield S.SampleInput(S.make_arr((0, 3), dtype), 1)
    if not dtype.startswith("float"):  # (ties: not differentiable there)
        yield S.SampleInput(S.Arr(np.array([[2, 2, 1, 1, 2, 1], [1, 1, 2, 2, 1, 2]],
                                           dtype=dtype)), 1)
    else:
        yield S.SampleInput(S.Arr(np.array([[3.0, np.nan, 1.0, 2.0], [np.nan] * 4,
                                            [1.5, 0.5, 1.0, np.nan]], dtype=dtype)), 1)
        yield S.SampleInput(S.Arr(np.full((2, 7), np.nan, dtype=dtype)), -1)


for _d in (median, nanmedian):
    _d.samples(_full_samples)
for _d in (median_dim, nanmedian_dim):
    _d.samples(_dim_samples)
