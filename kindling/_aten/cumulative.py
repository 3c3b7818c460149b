"""Scans and selections along a dim: ``cumsum_``/``cumprod_``, ``cummax``/``cummin``,
``logcumsumexp``, ``aminmax``, ``msort`` and ``kthvalue``, with their ``out=`` forms and the
``torch.return_types`` tuples PyTorch returns.

``cummax``/``cummin`` follow PyTorch's scan: a NaN, once met, is the running value, and the
index moves to every later NaN; ties move the index forward (``>=``/``<=``).  ``kthvalue``
finds the value by sorting and, where the value is tied, the index PyTorch's quickselect
reports (its partition scheme decides which of equal elements is returned).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype, _layout
from .._dispatcher.keys import K
from ..testing import samples as S
from ._api import function, make_function, method, public
from ._defop import defop, get_opdef
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import dtype_of, wrap_dim
from ._tags import variant_tags
from ._variants import cpp_name as _cpp, _raw, resize_out
from .reductions import _reduced_shape, _structseq, return_types

OPS = {}


def _not_implemented(kernel, dt):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{dt._scalar_name}'")


def _last(a, d):
    """``a`` (0-d as a 1-element 1-d array) with dim ``d`` moved last."""
    return np.moveaxis(a.reshape(a.shape or (1,)), d, -1)


def _back(r, d, shape):
    """A result computed along the last axis, with that axis back at ``d``."""
    return np.moveaxis(r, -1, d).reshape(shape).copy()  # (C order, 0-d kept)


# ---- cumsum_ / cumprod_ -------------------------------------------------------------------------
def _cum_inplace(functional, name):
    """``cumsum_``/``cumprod_``: the functional kernel in ``self``'s own dtype (``dtype=``, if
    given, must be it), written back into ``self``; the functional op's node records it."""
    d = defop(f"{name}_(Tensor(a!) self, int dim, *, ScalarType? dtype=None) -> Tensor(a!)")
    kernel = _raw(functional, K.CPU)

    def check(self, dim, dtype):
        if dtype is not None and dtype is not self.dtype:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {_cpp(self.dtype)} and "
                               f"output tensor dtype {_cpp(dtype)} should match")
        wrap_dim(dim, self.dim())
        if self.dtype is _dtype.bool:
            raise _not_implemented(f"{name}_out_cpu", self.dtype)

    @d.cpu_ks
    def _(ks, self, dim, *, dtype=None):
        check(self, dim, dtype)
        np.copyto(self._np, kernel(self._np, dim, dtype=self.dtype), casting="unsafe")
        return self

    @d.meta
    def _(self, dim, *, dtype=None):
        check(self, dim, dtype)
        return self

    d.functional = functional
    OPS[name + "_"] = d
    public(name + "_", d, function=False)
    return d


cumsum_ = _cum_inplace(get_opdef("cumsum.default"), "cumsum")
cumprod_ = _cum_inplace(get_opdef("cumprod.default"), "cumprod")


# ---- torch.return_types and the functions returning them ----------------------------------------
for _n, _fields in (("cummax", ("values", "indices")), ("cummin", ("values", "indices")),
                    ("kthvalue", ("values", "indices")), ("aminmax", ("min", "max"))):
    setattr(return_types, _n, _structseq(_n, _fields))
    setattr(return_types, _n + "_out", _structseq(_n + "_out", _fields))


def named_tuple_api(name, functional, out_op, method_too=True):
    """``kindling.<name>``/``Tensor.<name>`` over the OpDef ``functional`` and its out= form
    ``out_op`` (whose outputs ``out=(a, b)`` fills), returning ``torch.return_types.<name>``
    (``<name>_out`` with ``out=``)."""
    rts = (getattr(return_types, name), getattr(return_types, name + "_out"))
    ops = [functional.op, out_op.op]
    function(name)(make_function(name, ops, return_types=rts))
    if method_too:
        method(name)(make_function(name, ops, self_name="self", is_method=True,
                                   return_types=rts))


def _two_out_op(schema, functional, check, check_first=True):
    """An ``out=`` overload writing both results of ``functional`` (after ``check(self,
    out1, out2, *args, **kwargs)``: the out tensors' dtypes, checked before the functional's
    own checks unless ``check_first`` is false)."""
    d = defop(schema, tags=variant_tags(functional))
    names = [a.name for a in d.schema.arguments if a.is_out]

    @d.explicit
    def _(self, *args, **kwargs):
        outs = [kwargs.pop(n) for n in names]
        if check_first:
            check(self, *outs, *args, **kwargs)
            return _write(outs, functional.op(self, *args, **kwargs))
        results = functional.op(self, *args, **kwargs)
        check(self, *outs, *args, **kwargs)
        return _write(outs, results)
    d.functional = functional
    return d


def _write(outs, results):
    for o, r in zip(outs, results):
        resize_out(o, r._size)
        aten.copy_.default(o, r)
    return tuple(outs)


# ---- cummax / cummin ----------------------------------------------------------------------------
cummaxmin_backward = defop("cummaxmin_backward(Tensor grad, Tensor input, Tensor indices, "
                           "int dim) -> Tensor")
OPS["cummaxmin_backward"] = cummaxmin_backward


@cummaxmin_backward.composite
def _cummaxmin_backward(grad, input, indices, dim):  # noqa: A002 (schema names)
    if input.numel() == 0:
        return input
    zeros = aten.zeros.default(list(input._size), dtype=grad.dtype, layout=_layout.strided,
                               device=grad.device)
    return aten.scatter_add.default(zeros, dim, indices, grad)


def cummaxmin_backward_formula(grad, self, indices, dim):
    """``cummaxmin_backward`` as its decomposition (what a mode sees in PyTorch, where the op
    is CompositeImplicitAutograd)."""
    return _cummaxmin_backward(grad, self, indices, dim)


def _cum_extreme(a, d, is_max):
    """(values, indices) of PyTorch's cummax/cummin scan along ``d``."""
    x = _last(a, d)
    acc = np.maximum if is_max else np.minimum  # (NaN propagates, as in PyTorch's scan)
    values = acc.accumulate(x, axis=-1) if x.shape[-1] else x.copy()
    pos = np.arange(x.shape[-1])
    # where the scan takes the current element: a NaN, or (no NaN so far) a new extreme or tie
    takes = values == x if x.dtype.kind != "f" else (np.isnan(x) | (values == x))
    indices = np.maximum.accumulate(np.where(takes, pos, 0), axis=-1) if x.shape[-1] else \
        np.zeros(x.shape, np.int64)
    return _back(values, d, a.shape), _back(indices.astype(np.int64), d, a.shape)


def _cum_extreme_op(name, is_max):
    d = defop(f"{name}(Tensor self, int dim) -> (Tensor values, Tensor indices)")

    @d.cpu
    def _(self, dim):
        if self.size == 0:  # (PyTorch neither wraps the dim nor dispatches on the dtype)
            return self.copy(), np.zeros(self.shape, np.int64)
        d = wrap_dim(dim, self.ndim)
        if self.ndim and self.dtype.kind == "c":
            raise _not_implemented(f"{name}_cpu", dtype_of(self))
        return _cum_extreme(self, d, is_max)

    @d.meta
    def _(self, dim):
        if self.numel():
            wrap_dim(dim, self.dim())
        return empty_meta(self._size, self.dtype), empty_meta(self._size, _dtype.int64)

    d.derivative(self=cummaxmin_backward_formula, result="self_t.gather(dim, indices)")

    def check(self, values, indices, *args, **kwargs):
        _check_scalar_type(values, self.dtype)
        _check_scalar_type(indices, _dtype.int64)
    d.out = _two_out_op(f"{name}.out(Tensor self, int dim, *, Tensor(a!) values, "
                        "Tensor(b!) indices) -> (Tensor(a!) values, Tensor(b!) indices)",
                        d, check)
    OPS[name] = d
    named_tuple_api(name, d, d.out)
    return d


def _check_scalar_type(out, dt):
    if out.dtype is not dt:
        raise RuntimeError(f"expected scalar_type {dt._scalar_name} but found "
                           f"{out.dtype._scalar_name}")


cummax = _cum_extreme_op("cummax", True)
cummin = _cum_extreme_op("cummin", False)


# ---- logcumsumexp -------------------------------------------------------------------------------
logcumsumexp = defop("logcumsumexp(Tensor self, int dim) -> Tensor")
OPS["logcumsumexp"] = logcumsumexp


def _lcse_check(self, dim):
    d = wrap_dim(dim, len(self.shape))
    dt = dtype_of(self)
    if dt._cat < _dtype.FLOAT:
        raise _not_implemented("logcumsumexp_out_cpu", dt)
    return d


@logcumsumexp.cpu
def _(self, dim):
    d = _lcse_check(self, dim)
    x = _last(self, d)
    out = np.empty_like(x)
    if x.shape[-1]:
        acc = out[..., 0] = x[..., 0]
        with np.errstate(all="ignore"):
            for i in range(1, x.shape[-1]):  # (a scan: one step per position, vectorised)
                acc = out[..., i] = _log_add_exp(acc, x[..., i])
    return _back(out, d, self.shape)


def _log_add_exp(x, y):
    """PyTorch's step, in the input's dtype: ``log1p(exp(min - max)) + max``; where both are
    the same infinity, ``x``; NaN propagates."""
    nan_y = np.isnan(y)
    lo = np.where(nan_y, y, np.minimum(x, y))
    hi = np.where(nan_y, y, np.maximum(x, y))
    r = np.log1p(np.exp(lo - hi)) + hi
    return np.where((lo != hi) | np.isfinite(lo), r, x)


@logcumsumexp.meta
def _(self, dim):
    _lcse_check(self, dim)
    return empty_meta(self._size, self.dtype)


def logcumsumexp_backward(grad, self, result, dim):
    """PyTorch's formula: the gradient split by sign, each part a reversed logcumsumexp in
    log space (so large values neither overflow nor lose the small terms)."""
    if grad.dim() == 0 or grad.numel() == 0:
        return grad

    def reverse_logcumsumexp(t):
        return aten.flip.default(aten.logcumsumexp.default(aten.flip.default(t, [dim]), dim),
                                 [dim])
    if grad.dtype.is_complex:  # (the log of a complex gradient needs no sign split)
        return (reverse_logcumsumexp(grad.conj().log() - result) + self).exp().conj()
    lowest = float(np.finfo(grad.dtype._np).min)
    grad_min = aten.scalar_tensor.default(lowest, dtype=grad.dtype, layout=_layout.strided,
                                          device=grad.device)
    log_abs_grad = grad.abs().log()
    log_grad_positive = aten.where.self(grad > 0, log_abs_grad, grad_min)
    log_grad_negative = aten.where.self(grad < 0, log_abs_grad, grad_min)
    output_pos = (reverse_logcumsumexp(log_grad_positive - result) + self).exp()
    output_neg = (reverse_logcumsumexp(log_grad_negative - result) + self).exp()
    return output_pos - output_neg


def logcumsumexp_jvp(self_p, self_t, dim):
    """The tangent: a softmax-weighted running sum of the input's tangent.  As PyTorch's:
    exp-normalised by the maximum (complex inputs: plain exp), and 1e-13 added to the running
    weight, so a prefix of -inf gives 0 and a nan stays nan."""
    from ..autograd._formulas import _any_subclass_like
    if self_p.dtype.is_complex:
        exp = self_p.exp()
    else:
        exp = (self_p - aten.max.dim(self_p, dim, True)[0]).exp()
    cumsumexp_p = exp.cumsum(dim)
    if _any_subclass_like(self_p, self_t):  # (out of place where a mode could look)
        r = (exp * self_t).cumsum(dim)
        r /= aten.add_.Scalar(cumsumexp_p, 1e-13)
        return r
    exp *= self_t
    return exp.cumsum(dim).div_(aten.add_.Scalar(cumsumexp_p, 1e-13))


logcumsumexp.derivative(self=logcumsumexp_backward, result=logcumsumexp_jvp)
logcumsumexp.out = defop("logcumsumexp.out(Tensor self, int dim, *, Tensor(a!) out) -> "
                         "Tensor(a!)")


@logcumsumexp.out.explicit
def _(self, dim, *, out):
    _check_scalar_type(out, self.dtype)  # (first: ``out`` must have the input's dtype)
    return _write([out], [logcumsumexp.op(self, dim)])[0]


logcumsumexp.out.functional = logcumsumexp
public("logcumsumexp", logcumsumexp, logcumsumexp.out)


# ---- aminmax ------------------------------------------------------------------------------------
aminmax = defop("aminmax(Tensor self, *, int? dim=None, bool keepdim=False) -> "
                "(Tensor min, Tensor max)", tags=("reduction",))
OPS["aminmax"] = aminmax


def _aminmax_plan(self, dim, keepdim):
    shape = tuple(self.shape)
    if dim is None:
        if 0 in shape:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        return None, tuple(1 for _ in shape) if keepdim else ()
    d = wrap_dim(dim, len(shape))
    if shape and shape[d] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
    if not shape:
        return d, ()
    out = list(shape)
    if keepdim:
        out[d] = 1
    else:
        del out[d]
    return d, tuple(out)


@aminmax.cpu
def _(self, *, dim=None, keepdim=False):
    d, shape = _aminmax_plan(self, dim, keepdim)
    if self.dtype.kind == "c":  # (after the empty-dim checks, as PyTorch's kernels)
        dt = dtype_of(self)
        if dim is not None and self.ndim == 0:
            raise RuntimeError(f"aminmax not implemented for {dt._scalar_name}")
        raise _not_implemented("aminmax_cpu", dt)
    axis = None if d is None or self.ndim == 0 else d
    return (np.asarray(np.min(self, axis=axis)).reshape(shape).copy(),
            np.asarray(np.max(self, axis=axis)).reshape(shape).copy())


@aminmax.meta
def _(self, *, dim=None, keepdim=False):
    _, shape = _aminmax_plan(self, dim, keepdim)
    return empty_meta(shape, self.dtype), empty_meta(shape, self.dtype)


def _reduced_dims(self, dim):
    return [wrap_dim(dim, self.dim())] if dim is not None and self.dim() else \
        list(range(self.dim()))


def aminmax_backward(grads, self, dim, keepdim, min, max):  # noqa: A002 (schema names)
    """Each defined output gradient spread evenly over the elements equal to its extreme."""
    dims = _reduced_dims(self, dim)
    ret = None
    for g, r in zip(grads, (min, max)):
        if g is None:
            continue
        if not keepdim:
            shape = list(self._size)
            for k in dims:
                shape[k] = 1
            if dim is not None and not shape:
                shape = [1]  # (a 0-d input's dim comes back; the engine sums it away)
            g, r = aten.view.default(g, shape), aten.view.default(r, shape)
        mask = aten.eq.Tensor(self, r)
        part = (g / mask.sum(dims, True)) * mask
        ret = part if ret is None else ret + part
    return ret


def aminmax_jvp(self_t, self_p, min, max, dim, keepdim):  # noqa: A002
    from ..autograd._formulas import amax_amin_jvp
    dims = _reduced_dims(self_p, dim)
    # (PyTorch's two formulas unpack the primal each: a second alias)
    t_min = amax_amin_jvp(self_t, self_p, min, dims, keepdim)
    return t_min, amax_amin_jvp(self_t, aten._fw_primal.default(self_p, 0), max, dims, keepdim)


aminmax.derivative(self=aminmax_backward, result=aminmax_jvp)


def _aminmax_out_check(self, min, max, *args, **kwargs):  # noqa: A002
    for o in (min, max):
        if o.dtype is not self.dtype:
            raise RuntimeError(f"Expected out tensor to have dtype {_cpp(self.dtype)}, but got "
                               f"{_cpp(o.dtype)} instead")


aminmax.out = _two_out_op("aminmax.out(Tensor self, *, int? dim=None, bool keepdim=False, "
                          "Tensor(a!) min, Tensor(b!) max) -> (Tensor(a!) min, Tensor(b!) max)",
                          aminmax, _aminmax_out_check)
named_tuple_api("aminmax", aminmax, aminmax.out)


# ---- msort (and sort.values, the out= form of sort it is written with) ---------------------------
def _expect_dtype(out, dt):
    if out.dtype is not dt:
        raise RuntimeError(f"Expected out tensor to have dtype {_cpp(dt)}, but got "
                           f"{_cpp(out.dtype)} instead")


def _sort_out_check(self, values, indices, *args, **kwargs):
    _expect_dtype(values, self.dtype)
    _expect_dtype(indices, _dtype.int64)


sort_values = _two_out_op("sort.values(Tensor self, int dim=-1, bool descending=False, *, "
                          "Tensor(a!) values, Tensor(b!) indices) -> (Tensor(a!) values, "
                          "Tensor(b!) indices)", get_opdef("sort.default"), _sort_out_check,
                          check_first=False)  # (the dim and complex checks come first)
OPS["sort.values"] = sort_values
sort_values_stable = _two_out_op(
    "sort.values_stable(Tensor self, *, bool? stable, int dim=-1, bool descending=False, "
    "Tensor(a!) values, Tensor(b!) indices) -> (Tensor(a!) values, Tensor(b!) indices)",
    get_opdef("sort.stable"), _sort_out_check, check_first=False)
OPS["sort.values_stable"] = sort_values_stable
topk_values = _two_out_op(
    "topk.values(Tensor self, SymInt k, int dim=-1, bool largest=True, bool sorted=True, *, "
    "Tensor(a!) values, Tensor(b!) indices) -> (Tensor(a!) values, Tensor(b!) indices)",
    get_opdef("topk.default"), _sort_out_check, check_first=False)
OPS["topk.values"] = topk_values


def _sort_api():
    """``torch.sort``/``topk`` and their methods (``stable=`` picks ``sort.stable``)."""
    sort_ops = [get_opdef("sort.default").op, get_opdef("sort.stable").op, sort_values.op,
                sort_values_stable.op]
    topk_ops = [get_opdef("topk.default").op, topk_values.op]
    for name, ops in (("sort", sort_ops), ("topk", topk_ops)):
        named = (getattr(return_types, name), getattr(return_types, name + "_out"))
        function(name)(make_function(name, ops, return_types=named))
        method(name)(make_function(name, ops, self_name="self", is_method=True,
                                   return_types=named))


_sort_api()

msort = defop("msort(Tensor self) -> Tensor")
OPS["msort"] = msort
msort.composite(lambda self: aten.sort.default(self, 0)[0])
msort.out = defop("msort.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)")


@msort.out.composite
def _(self, *, out):
    indices = aten.empty.memory_format([0], dtype=_dtype.int64, layout=_layout.strided,
                                       device=self.device)
    return aten.sort.values(self, 0, values=out, indices=indices)[0]


public("msort", msort, msort.out)


# ---- kthvalue -----------------------------------------------------------------------------------
def _gt_or_nan(a, b):
    return (math.isnan(a) and not math.isnan(b)) or a > b


def _quickselect_index(row, k):
    """The index PyTorch's quickselect reports for the k-th smallest (0-based) of ``row``:
    median-of-three pivots and Hoare partitioning, NaN largest."""
    arr = [float(v) for v in row]
    idx = list(range(len(arr)))

    def swap(i, j):
        arr[i], arr[j] = arr[j], arr[i]
        idx[i], idx[j] = idx[j], idx[i]
    lo, hi = 0, len(arr) - 1
    while hi > lo:
        if hi == lo + 1:
            if _gt_or_nan(arr[lo], arr[hi]):
                swap(lo, hi)
            break
        swap(lo + (hi - lo) // 2, lo + 1)
        if _gt_or_nan(arr[lo + 1], arr[hi]):
            swap(lo + 1, hi)
        if _gt_or_nan(arr[lo], arr[hi]):
            swap(lo, hi)
        if _gt_or_nan(arr[lo + 1], arr[lo]):
            swap(lo + 1, lo)
        i, j, pivot = lo + 1, hi, arr[lo]
        while True:
            i += 1
            while _gt_or_nan(pivot, arr[i]):
                i += 1
            j -= 1
            while _gt_or_nan(arr[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return idx[k]


def _kthvalue_plan(self, k, dim, keepdim, cpu=False, dtypes=True):
    dt = dtype_of(self)
    d = wrap_dim(dim, len(self.shape))
    n = self.shape[d] if len(self.shape) else 1
    if cpu and n == 0:  # (the CPU kernel's check; the Meta function has only k's)
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if dtypes and (dt is _dtype.bool or (cpu and dt.is_complex and self.ndim)):
        raise _not_implemented("kthvalue_cpu", dt)
    return d, _reduced_shape(self.shape, (d,), keepdim)


kthvalue = defop("kthvalue(Tensor self, SymInt k, int dim=-1, bool keepdim=False) -> "
                 "(Tensor values, Tensor indices)")
OPS["kthvalue"] = kthvalue


@kthvalue.cpu
def _(self, k, dim=-1, keepdim=False):
    d, shape = _kthvalue_plan(self, k, dim, keepdim, cpu=True)
    x = _last(self, d)
    rows = x.reshape(-1, x.shape[-1])
    order = np.argsort(rows, axis=-1, kind="stable")  # (NaN sorts last, as it counts largest)
    indices = order[:, k - 1].copy()
    values = np.take_along_axis(rows, indices[:, None], -1)[:, 0]
    for r in range(rows.shape[0]):  # where the value is tied, quickselect decides the index
        v = values[r]
        same = np.isnan(rows[r]) if v != v else rows[r] == v
        if same.sum() > 1:
            indices[r] = _quickselect_index(rows[r], k - 1)
    return values.reshape(shape).copy(), indices.astype(np.int64).reshape(shape)


@kthvalue.meta
def _(self, k, dim=-1, keepdim=False):
    _, shape = _kthvalue_plan(self, k, dim, keepdim)
    return empty_meta(shape, self.dtype), empty_meta(shape, _dtype.int64)


kthvalue.derivative(
    self="value_selecting_reduction_backward(grad, dim, indices, self_sym_sizes, keepdim)",
    result="gather_with_keepdimed_indices(self_t, dim, indices, keepdim)")


def _kthvalue_out_check(self, values, indices, k, dim=-1, keepdim=False):
    _kthvalue_plan(self, k, dim, keepdim, cpu=True, dtypes=False)  # (the kernel's comes after)
    if values.dtype is not self.dtype:
        raise RuntimeError("output values must be of same type as input")
    if indices.dtype is not _dtype.int64:
        raise RuntimeError("output indices must be of scalar type Long")


kthvalue.out = _two_out_op("kthvalue.values(Tensor self, SymInt k, int dim=-1, "
                           "bool keepdim=False, *, Tensor(a!) values, Tensor(b!) indices) -> "
                           "(Tensor(a!) values, Tensor(b!) indices)", kthvalue,
                           _kthvalue_out_check)
named_tuple_api("kthvalue", kthvalue, kthvalue.out)


# ---- samples ------------------------------------------------------------------------------------
def _scan_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype, low=-3, high=3), 1)
    yield S.SampleInput(A((3, 4), dtype, low=-3, high=3, seed=1, noncontig=True), 0)
    yield S.SampleInput(A((2, 3, 4), dtype, low=-3, high=3, seed=2), -1)
    yield S.SampleInput(A((), dtype, seed=3), 0)
    yield S.SampleInput(A((0, 3), dtype, seed=4), 1)


def _distinct(shape, dtype, seed):
    """Distinct values (ties make extreme-selecting gradients ill-defined)."""
    n = int(np.prod(shape)) if shape else 1
    v = np.random.default_rng(seed).permutation(n).reshape(shape)
    return S.Arr(v.astype(dtype) if dtype != "bool" else (v % 2).astype(bool))


def _cummax_samples(dtype):
    # (no empty input: PyTorch's backward then returns the input itself as its gradient, a
    # tensor requiring grad, which the generic gradient comparison cannot read; see the tests)
    yield from (s for s in _scan_samples(dtype) if s.input.value.size)
    if dtype in S.FLOATS:
        yield S.SampleInput(S.Arr(np.array([1.0, 3.0, np.nan, 2.0, np.nan], dtype)), 0)
        yield S.SampleInput(_distinct((3, 5), dtype, 5), 1)


def _aminmax_samples(dtype):
    yield S.SampleInput(_distinct((3, 4), dtype, 0))
    yield S.SampleInput(_distinct((3, 4), dtype, 1), dim=1)
    yield S.SampleInput(_distinct((2, 3, 4), dtype, 2), dim=-2, keepdim=True)
    yield S.SampleInput(_distinct((), dtype, 3), dim=0)
    yield S.SampleInput(S.make_arr((0, 3), dtype), dim=1)
    yield S.SampleInput(S.make_arr((3, 4), dtype, noncontig=True), dim=0)


def _kthvalue_samples(dtype):
    if dtype == "bool":
        yield S.SampleInput(S.make_arr((3,), dtype), 1)
        return
    yield S.SampleInput(_distinct((3, 5), dtype, 0), 2)
    yield S.SampleInput(_distinct((4, 3), dtype, 1), 4, 0, True)
    yield S.SampleInput(_distinct((), dtype, 2), 1)
    yield S.SampleInput(S.make_arr((3, 6), dtype, low=0, high=3, seed=3), 3)  # (ties)
    if dtype in S.FLOATS:
        yield S.SampleInput(S.Arr(np.array([[1.0, np.nan, 0.0, np.nan]], dtype)), 4)


def _lcse_samples(dtype):
    yield from _scan_samples(dtype)
    if dtype in S.FLOATS:
        yield S.SampleInput(S.Arr(np.array([-np.inf, -np.inf, 1.0, np.inf], dtype)), 0)


cummax.samples(_cummax_samples)
cummin.samples(_cummax_samples)
logcumsumexp.samples(_lcse_samples)
aminmax.samples(_aminmax_samples)
kthvalue.samples(_kthvalue_samples)
msort.samples(lambda dt: iter([S.SampleInput(S.make_arr((3, 4), dt)),
                               S.SampleInput(S.make_arr((), dt, seed=1)),
                               S.SampleInput(S.make_arr((4,), dt, seed=2, noncontig=True))]))
