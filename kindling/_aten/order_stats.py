"""Order statistics: ``quantile``/``nanquantile`` and ``mode`` (defined at first use: see
``_aten/_lazy.py``).

``quantile`` is PyTorch's CompositeImplicitAutograd decomposition, op for op: sort the values
along the reduced dim, turn ``q`` into fractional ranks (the last rank for rows holding a NaN;
for ``nanquantile`` ranks among the non-NaN values), adjust them for the interpolation mode,
``gather`` the neighbours and ``lerp_`` between them.  Gradients (to the input, and to ``q``
through the ``lerp`` weight) are those of the pieces, as PyTorch's.

``mode`` reports the most frequent value of each slice and the position of its last
occurrence in sorted order: ties between values go to the smallest, as PyTorch's CPU kernel
(``std::sort`` of (value, index) pairs, then runs of equal values) does.  Where a slice has
equal values or NaNs (each NaN a run of its own), which position ends a run depends on how
that sort moved them: kindling replays libstdc++'s introsort on the slice.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ._api import PUBLIC, make_function
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import dtype_of, wrap_dim
from .reductions import _reduced_shape

OPS = {}
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


# ---- quantile -----------------------------------------------------------------------------------
def _check_interpolation(interpolation):
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")


def _check_scalar_q(q):
    if not 0 <= q <= 1:
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")


def _quantile_checks(self, q):
    if self.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if q.dim() > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if self.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if q.dtype is not self.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")


def _quantile_output_shape(self, q, dim, keepdim):
    """q's size (when q is 1-D) followed by the reduced shape."""
    if dim is not None and self.dim() > 0:
        shape = list(self.shape)
        d = wrap_dim(dim, self.dim())
        if keepdim:
            shape[d] = 1
        else:
            del shape[d]
    elif keepdim:
        shape = [1] * self.dim()
    else:
        shape = []
    return ([q.numel()] if q.dim() > 0 else []) + shape


def _quantile(self, q, dim, keepdim, interpolation, ignore_nan):
    _check_interpolation(interpolation)
    _quantile_checks(self, q)
    wrapped = wrap_dim(0 if dim is None else dim, self.dim())
    out_shape = _quantile_output_shape(self, q, dim, keepdim)
    qv = q._np  # (checked on the values, as PyTorch's CPU check; no op a mode would see)
    if qv is not None and not ((qv >= 0) & (qv <= 1)).all():
        raise RuntimeError("quantile() q values must be in the range [0, 1]")

    # the values to pick from, sorted along the last dim
    if dim is None:
        values = aten.sort.default(aten.flatten.using_ints(self))[0]
    elif wrapped == self.dim() - 1:
        values = aten.sort.default(self)[0]
    else:
        moved = aten.transpose.int(aten.unsqueeze.default(self, -1), wrapped, -1)
        values = aten.sort.default(moved)[0]
    if q.dim() == 0:  # (a scalar q is a q of one element from here on)
        out_shape = [1] + out_shape
    values = aten.view.default(values, out_shape[1:] + [values.shape[-1]])
    if values.shape[-1] > 2 ** 24:
        raise RuntimeError("quantile() input tensor is too large")

    # q in [0, 1] -> fractional ranks
    if ignore_nan:
        # among the non-NaN values; a row of NaNs gets rank 0 (its quantile is NaN)
        counts = aten.sum.dim_IntList(aten.logical_not_.default(aten.isnan.default(values)),
                                      [-1], True)
        ranks = aten.mul.Tensor(q, aten.sub.Scalar(counts, 1))
        aten.masked_fill_.Scalar(ranks, aten.lt.Scalar(ranks, 0), 0)
    else:
        # a row holding a NaN gets the last rank, where the sort put it
        last = values.shape[-1] - 1
        scaled = aten.mul.Scalar(q, last)
        has_nan = aten.any.dim(aten.isnan.default(values), -1, True)
        scaled, has_nan = _broadcast_pair(scaled, has_nan)
        ranks = aten.masked_fill.Scalar(scaled, has_nan, last)

    if interpolation == "lower":
        aten.floor_.default(ranks)
    elif interpolation == "higher":
        aten.ceil_.default(ranks)
    elif interpolation == "nearest":
        aten.round_.default(ranks)
    ranks_below = aten._to_copy.default(ranks, dtype=_dtype.int64)
    result = aten.gather.default(values, -1, ranks_below)
    if interpolation in ("linear", "midpoint"):
        weights = aten.full_like.default(ranks, 0.5) if interpolation == "midpoint" else \
            aten.sub.Tensor(ranks, ranks_below)
        ranks_above = aten._to_copy.default(aten.ceil_.default(ranks), dtype=_dtype.int64)
        aten.lerp_.Tensor(result, aten.gather.default(values, -1, ranks_above), weights)

    if q.dim() == 0:
        return aten.squeeze_.dim(result, -1)
    aten.unsqueeze_.default(result, 0)
    aten.transpose_.default(result, 0, -1)
    return aten.squeeze_.dim(result, -1)


def _broadcast_pair(a, b):
    """``broadcast_tensors`` of two tensors, expanding only the one whose shape differs."""
    shape = list(np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))
    a = a if list(a.shape) == shape else aten.expand.default(a, shape)
    b = b if list(b.shape) == shape else aten.expand.default(b, shape)
    return a, b


def _declare_quantile(name, ignore_nan):
    args = "int? dim=None, bool keepdim=False, *, str interpolation=\"linear\""
    tensor_q = defop(f"{name}(Tensor self, Tensor q, {args}) -> Tensor")
    scalar_q = defop(f"{name}.scalar(Tensor self, float q, {args}) -> Tensor")

    @tensor_q.composite
    def _(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return _quantile(self, q, dim, keepdim, interpolation, ignore_nan)

    @scalar_q.composite
    def _(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        _check_scalar_q(q)
        qt = aten.scalar_tensor.default(q, dtype=self.dtype, device=self.device)
        return tensor_q.op(self, qt, dim, keepdim, interpolation=interpolation)

    tensor_out = defop(f"{name}.out(Tensor self, Tensor q, {args}, Tensor(a!) out) -> "
                       "Tensor(a!)")
    scalar_out = defop(f"{name}.scalar_out(Tensor self, float q, {args}, Tensor(a!) out) -> "
                       "Tensor(a!)")

    @tensor_out.composite
    def _(self, q, dim=None, keepdim=False, *, interpolation="linear", out):
        _check_interpolation(interpolation)
        _quantile_checks(self, q)
        if out.dtype is not self.dtype:
            raise RuntimeError("quantile() out tensor must be same dtype as the input tensor")
        result = _quantile(self, q, dim, keepdim, interpolation, ignore_nan)
        from ._variants import resize_out
        resize_out(out, list(result.shape))
        return aten.copy_.default(out, result)

    @scalar_out.composite
    def _(self, q, dim=None, keepdim=False, *, interpolation="linear", out):
        _check_scalar_q(q)
        qt = aten.scalar_tensor.default(q, dtype=self.dtype, device=self.device)
        return tensor_out.op(self, qt, dim, keepdim, interpolation=interpolation, out=out)

    ops = [tensor_q, scalar_q, tensor_out, scalar_out]
    for d in ops:
        OPS[str(d.op)[len("aten."):]] = d
    return ops


# ---- mode ---------------------------------------------------------------------------------------
class _StdSort:
    """libstdc++'s ``std::sort`` (introsort: median-of-three quicksort down to runs of 16,
    heapsort past the depth limit, then insertion sort) of ``values``' positions, comparing
    values with ``<`` only: the order PyTorch's CPU ``mode`` kernel sees its slice in.  Equal
    values (and NaNs, which compare false both ways) end up wherever its moves leave them."""

    def __init__(self, values):
        self.v = values
        self.a = list(range(len(values)))

    def less(self, i, j):  # (the elements at slots i and j)
        return self.v[self.a[i]] < self.v[self.a[j]]

    def swap(self, i, j):
        a = self.a
        a[i], a[j] = a[j], a[i]

    def order(self):
        n = len(self.a)
        if n > 1:
            self._introsort(0, n, 2 * (n.bit_length() - 1))
            self._final_insertion_sort(0, n)
        return self.a

    def _introsort(self, first, last, depth):
        while last - first > 16:
            if depth == 0:
                self._heapsort(first, last)
                return
            depth -= 1
            mid = first + (last - first) // 2
            self._median_to_first(first, first + 1, mid, last - 1)
            cut = self._partition(first + 1, last, first)
            self._introsort(cut, last, depth)
            last = cut

    def _median_to_first(self, result, a, b, c):
        less = self.less
        if less(a, b):
            pick = b if less(b, c) else c if less(a, c) else a
        else:
            pick = a if less(a, c) else c if less(b, c) else b
        self.swap(result, pick)

    def _partition(self, first, last, pivot):
        while True:
            while self.less(first, pivot):
                first += 1
            last -= 1
            while self.less(pivot, last):
                last -= 1
            if not first < last:
                return first
            self.swap(first, last)
            first += 1

    def _final_insertion_sort(self, first, last):
        if last - first > 16:
            self._insertion_sort(first, first + 16)
            for i in range(first + 16, last):
                self._linear_insert(i, first)
        else:
            self._insertion_sort(first, last)

    def _insertion_sort(self, first, last):
        a = self.a
        for i in range(first + 1, last):
            if self.less(i, first):
                a[first:i + 1] = [a[i]] + a[first:i]
            else:
                self._linear_insert(i, first)

    def _linear_insert(self, last, first):
        a, v = self.a, self.v
        val = a[last]
        while last > first and v[val] < v[a[last - 1]]:  # (C++ trusts a sentinel; NaNs
            a[last] = a[last - 1]                         # can defeat it: stop at the front)
            last -= 1
        a[last] = val

    # heapsort (``std::partial_sort`` of the whole range: make_heap, then sort_heap)
    def _heapsort(self, first, last):
        n = last - first
        for parent in range((n - 2) // 2, -1, -1):
            self._adjust_heap(first, parent, n, self.a[first + parent])
        while last - first > 1:
            last -= 1
            value = self.a[last]
            self.a[last] = self.a[first]
            self._adjust_heap(first, 0, last - first, value)

    def _adjust_heap(self, first, hole, n, value):
        a, v = self.a, self.v
        top = child = hole
        while child < (n - 1) // 2:
            child = 2 * (child + 1)
            if v[a[first + child]] < v[a[first + child - 1]]:
                child -= 1
            a[first + hole] = a[first + child]
            hole = child
        if n % 2 == 0 and child == (n - 2) // 2:
            child = 2 * (child + 1)
            a[first + hole] = a[first + child - 1]
            hole = child - 1
        parent = (hole - 1) // 2
        while hole > top and v[a[first + parent]] < v[value]:
            a[first + hole] = a[first + parent]
            hole = parent
            parent = (hole - 1) // 2
        a[first + hole] = value


def _mode_plan(self, dim, keepdim, cpu):
    dt = dtype_of(self)
    if dt.is_complex:
        raise NotImplementedError(f"\"mode_cpu\" not implemented for '{dt._scalar_name}'")
    n = len(self.shape)
    d = wrap_dim(dim, n)
    if cpu and n and self.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    return d, _reduced_shape(self.shape, (d,), keepdim)


def _mode_kernel(self, dim=-1, keepdim=False):
    d, shape = _mode_plan(self, dim, keepdim, cpu=True)
    if self.ndim == 0:
        return self.copy(), np.zeros((), np.int64)
    x = np.moveaxis(self, d, -1)
    rows = x.reshape(-1, x.shape[-1])
    n = rows.shape[-1]
    values = np.empty(rows.shape[0], self.dtype)
    indices = np.zeros(rows.shape[0], np.int64)
    key = rows.astype(np.float32) if rows.dtype.kind == "V" or rows.dtype == np.float16 else rows
    stable = np.argsort(key, axis=-1, kind="stable")
    for r in range(rows.shape[0]):
        order = stable[r]
        s = key[r][order]
        if (s[1:] == s[:-1]).any() or (key.dtype.kind == "f" and np.isnan(s[-1])):
            # (ties or NaNs: where they land is the sort's doing)
            order = np.array(_StdSort(key[r].tolist()).order(), np.int64)
        s = key[r][order]
        ends = np.ones(n, bool)
        ends[:-1] = s[:-1] != s[1:]  # (NaN != NaN: each NaN is a run of its own)
        end_at = np.flatnonzero(ends)
        j = end_at[np.argmax(np.diff(end_at, prepend=-1))]  # (the first longest run)
        indices[r] = order[j]
        values[r] = rows[r, order[j]]
    return values.reshape(shape), indices.reshape(shape)


def _declare_mode():
    mode = defop("mode(Tensor self, int dim=-1, bool keepdim=False) -> "
                 "(Tensor values, Tensor indices)")
    mode.cpu(_mode_kernel)

    @mode.meta
    def _(self, dim=-1, keepdim=False):
        _, shape = _mode_plan(self, dim, keepdim, cpu=False)
        return empty_meta(shape, self.dtype), empty_meta(shape, _dtype.int64)

    mode.derivative(
        self="value_selecting_reduction_backward(grad, dim, indices, self_sym_sizes, keepdim)",
        result="gather_with_keepdimed_indices(self_t, dim, indices, keepdim)")

    from .cumulative import _two_out_op

    def check(self, values, indices, dim=-1, keepdim=False):
        for out, want, what in ((values, self.dtype, "values"),
                                (indices, _dtype.int64, "indices")):
            if out.dtype is not want:
                raise RuntimeError(f"expected scalar type '{want._scalar_name}' but got "
                                   f"'{out.dtype._scalar_name}' for {what} output")
    mode.out = _two_out_op("mode.values(Tensor self, int dim=-1, bool keepdim=False, *, "
                           "Tensor(a!) values, Tensor(b!) indices) -> "
                           "(Tensor(a!) values, Tensor(b!) indices)", mode, check)
    from .._dispatcher.keys import K
    from ._variants import _raw
    mode.out.impl(K.Meta)(_raw(mode.out, K.CompositeExplicitAutograd))  # (as PyTorch's)
    OPS["mode"], OPS["mode.values"] = mode, mode.out
    return [mode, mode.out]


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    _OVERLOADS["quantile"] = [d.op for d in _declare_quantile("quantile", False)]
    _OVERLOADS["nanquantile"] = [d.op for d in _declare_quantile("nanquantile", True)]
    _OVERLOADS["mode"] = [d.op for d in _declare_mode()]


# ---- the API, made at import (``_lazy.install``) ------------------------------------------------
_OVERLOADS: dict = {}


def api(define):
    """``torch.quantile``/``nanquantile``/``mode`` and their Tensor methods, bound to the ops
    when first called (``define()`` defines the family)."""
    from .. import _tensor
    from .reductions import _structseq, return_types
    for name, fields in (("mode", ("values", "indices")),):
        setattr(return_types, name, _structseq(name, fields))
        setattr(return_types, name + "_out", _structseq(name + "_out", fields))

    def overloads(name):
        def get():
            define()
            return _OVERLOADS[name]
        return get

    for name in ("quantile", "nanquantile"):
        PUBLIC[name] = make_function(name, overloads(name))
        setattr(_tensor.Tensor, name, make_function(name, overloads(name), self_name="self",
                                                    is_method=True))
    plain_f = make_function("mode", overloads("mode"))
    plain_m = make_function("mode", overloads("mode"), self_name="self", is_method=True)

    def mode(*args, **kwargs):
        out = kwargs.pop("out", None)
        if out is None:
            return return_types.mode(plain_f(*args, **kwargs))
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError("mode(): argument 'out' must be tuple of Tensors, not "
                            f"{type(out).__name__}")
        define()
        values_op = _OVERLOADS["mode"][1]
        return return_types.mode_out(values_op(*args, **kwargs, values=out[0],
                                               indices=out[1]))

    def mode_method(self, *args, **kwargs):
        return return_types.mode(plain_m(self, *args, **kwargs))
    mode.__name__ = mode.__qualname__ = mode_method.__name__ = mode_method.__qualname__ = "mode"
    mode.__module__ = "kindling"
    PUBLIC["mode"] = mode
    _tensor.Tensor.mode = mode_method
