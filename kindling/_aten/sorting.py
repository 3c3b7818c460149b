"""``sort`` (with ``stable``), ``argsort`` and ``topk`` along one dim, and the triangle ops
``tril``/``triu``.

Sorting is NumPy's stable sort; NaN counts as the largest value, as in PyTorch (last when
ascending, first when descending).  Descending order sorts ascending on a key that reverses
the order without overflow (``-x`` for floats, ``~x`` for integers and bools), so equal values
keep their input order either way.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ..testing import samples as S
from ._api import public
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import dtype_of, wrap_dim
from ._variants import inplace_variant, out_variant

OPS = {}


def _order(a, d, descending):
    """Indices that sort ``a`` along ``d`` (stable, NaN largest)."""
    if a.dtype.kind == "V":  # bfloat16: float32 holds it exactly, in the same order
        a = a.astype(np.float32)
    if not descending:
        return np.argsort(a, axis=d, kind="stable")
    if a.dtype.kind in "fc":
        nan = np.isnan(a)
        key = np.where(nan, -np.inf, -a) if a.dtype.kind == "f" else -a
        # (primary key: not-NaN, so NaNs come first; then the reversed values)
        return np.lexsort((key, ~nan), axis=d) if nan.any() else \
            np.argsort(key, axis=d, kind="stable")
    return np.argsort(~a, axis=d, kind="stable")


def _sort_np(self, dim, descending):
    d = wrap_dim(dim, self.ndim)
    if self.dtype.kind == "c":  # (PyTorch's CPU kernel; its message starts with a space)
        raise RuntimeError(" Sort does not support complex dtypes on CPU")
    a = self.reshape(1) if self.ndim == 0 else self
    idx = _order(a, d, descending)
    vals = np.take_along_axis(a, idx, axis=d)
    return vals.reshape(self.shape).copy(), idx.reshape(self.shape).astype(np.int64)


# ---- sort / argsort -----------------------------------------------------------------------------
sort = defop("sort(Tensor self, int dim=-1, bool descending=False) -> "
             "(Tensor values, Tensor indices)", tags=("core",))
sort_stable = defop("sort.stable(Tensor self, *, bool? stable, int dim=-1, "
                    "bool descending=False) -> (Tensor values, Tensor indices)")
OPS["sort"], OPS["sort.stable"] = sort, sort_stable


@sort.cpu
def _(self, dim=-1, descending=False):
    return _sort_np(self, dim, descending)


@sort_stable.cpu
def _(self, *, stable, dim=-1, descending=False):
    return _sort_np(self, dim, descending)


def _sort_meta(self, *args, dim=-1, descending=False, **kwargs):
    if args:
        dim = args[0]
    wrap_dim(dim, self.dim())
    return empty_meta(self._size, self.dtype), empty_meta(self._size, _dtype.int64)


sort.meta(_sort_meta)
sort_stable.meta(_sort_meta)
_SORT_JVP = "value_selecting_jvp(self_t, dim, indices, True)"
sort.derivative("SortBackward0",
                self="sort_backward(grad, dim, indices, self_sym_sizes)", result=_SORT_JVP)
sort_stable.derivative("SortBackward1",
                       self="sort_backward(grad, dim, indices, self_sym_sizes)",
                       result=_SORT_JVP)

argsort = defop("argsort(Tensor self, int dim=-1, bool descending=False) -> Tensor")
argsort_stable = defop("argsort.stable(Tensor self, *, bool stable, int dim=-1, "
                       "bool descending=False) -> Tensor")
OPS["argsort"], OPS["argsort.stable"] = argsort, argsort_stable


@argsort.composite
def _(self, dim=-1, descending=False):
    return aten.sort.default(self, dim, descending)[1]


@argsort_stable.composite
def _(self, *, stable, dim=-1, descending=False):
    return aten.sort.stable(self, stable=stable, dim=dim, descending=descending)[1]


# ---- topk ---------------------------------------------------------------------------------------
topk = defop("topk(Tensor self, SymInt k, int dim=-1, bool largest=True, bool sorted=True) -> "
             "(Tensor values, Tensor indices)", tags=("core",))
OPS["topk"] = topk


def _topk_shape(self, k, dim):
    if dtype_of(self) is _dtype.bool:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = wrap_dim(dim, len(self.shape))
    n = self.shape[d] if len(self.shape) else 1
    if k < 0 or k > n:
        raise RuntimeError("selected index k out of range")
    shape = list(self.shape)
    if shape:
        shape[d] = k
    return d, shape


@topk.cpu
def _(self, k, dim=-1, largest=True, sorted=True):
    d, shape = _topk_shape(self, k, dim)
    if self.dtype.kind == "c":
        raise RuntimeError(" topk does not support complex dtypes on CPU")
    a = self.reshape(1) if self.ndim == 0 else self
    idx = np.take(_order(a, d, largest), np.arange(k), axis=d)
    vals = np.take_along_axis(a, idx, axis=d)
    return vals.reshape(shape).copy(), idx.reshape(shape).astype(np.int64)


@topk.meta
def _(self, k, dim=-1, largest=True, sorted=True):
    _, shape = _topk_shape(self, k, dim)
    return empty_meta(shape, self.dtype), empty_meta(shape, _dtype.int64)


topk.derivative(self="sort_backward(grad, dim, indices, self_sym_sizes)", result=_SORT_JVP)


def _sort_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((5,), dtype))
    yield S.SampleInput(A((3, 4), dtype, seed=1), 0, True)
    yield S.SampleInput(A((3, 4), dtype, seed=2), -1, False)
    yield S.SampleInput(A((), dtype, seed=3))
    yield S.SampleInput(A((3, 4), dtype, seed=4, noncontig=True), 1, True)


def _topk_samples(dtype):
    A = S.make_arr
    # distinct values: which of equal elements topk picks is not specified by PyTorch
    for i, (shape, k, args) in enumerate([((6,), 2, ()), ((3, 5), 3, (1, False)),
                                          ((4, 3), 2, (0, True, True)), ((), 1, ())]):
        n = int(np.prod(shape)) if shape else 1
        vals = np.random.default_rng(i).permutation(n).reshape(shape).astype(dtype) \
            if dtype != "bool" else A(shape, dtype).value
        if dtype == "bool" and k > 1:
            continue
        yield S.SampleInput(S.Arr(vals), k, *args)


sort.samples(_sort_samples)
sort_stable.samples(lambda dt: (S.SampleInput(s.input, stable=True, *s.args, **s.kwargs)
                                for s in _sort_samples(dt) if not s.args))
topk.samples(_topk_samples)


# ---- tril / triu --------------------------------------------------------------------------------
def _tri(name, np_fn):
    f = defop(f"{name}(Tensor self, int diagonal=0) -> Tensor")

    def check(self):
        if len(self.shape) < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")

    @f.cpu
    def _(self, diagonal=0):
        check(self)
        return np.ascontiguousarray(np_fn(self, k=diagonal))

    @f.meta
    def _(self, diagonal=0):
        check(self)
        return empty_meta(self._size, self.dtype)

    f.derivative(self=f"grad.{name}(diagonal)", result=f"self_t.{name}(diagonal)")
    f.samples(lambda dt: iter([S.SampleInput(S.make_arr((3, 4), dt)),
                               S.SampleInput(S.make_arr((4, 3), dt, seed=1), 1),
                               S.SampleInput(S.make_arr((2, 3, 3), dt, seed=2), -1),
                               S.SampleInput(S.make_arr((3, 4), dt, seed=3, noncontig=True),
                                             -2)]))
    f.inplace = inplace_variant(f, f"{name}_(Tensor(a!) self, int diagonal=0) -> Tensor(a!)")
    f.out = out_variant(f, f"{name}.out(Tensor self, int diagonal=0, *, Tensor(a!) out) -> "
                           "Tensor(a!)", check_cast="exact")
    OPS[name] = f
    public(name, f, f.out)
    public(name + "_", f.inplace, function=False)
    return f


tril = _tri("tril", np.tril)
triu = _tri("triu", np.triu)

public("argsort", argsort, argsort_stable)


