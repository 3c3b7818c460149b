"""``scatter_reduce`` and ``index_reduce``: ``scatter``/``index_add`` with a reduction
(``sum``, ``prod``, ``mean``, ``amax``, ``amin``; ``index_reduce`` has no ``sum``) over the
values reaching each position, the position's own value included unless
``include_self=False``.

Half and bfloat16 reduce in float32, as PyTorch's CPU kernels do; integer means round down.
Every value reaching a position is combined (NumPy's unbuffered ``ufunc.at``), so repeated
indices behave as in PyTorch.  The gradients are ``scatter_reduce_backward`` and
``index_reduce_backward`` (``kindling.autograd._formulas``); ``scatter_reduce`` has PyTorch's
forward formula (``scatter_reduce_jvp``), ``index_reduce`` none.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ..testing import samples as S
from ._api import public
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._pointwise_util import not_implemented
from ._util import dtype_of, warn_once
from ._variants import inplace_variant, same_dtype_out_variant
from .gather_scatter import (_along, _check_bounds, _full_index, _index_add_check,
                             _scatter_check, _shape1)

OPS = {}
_UFUNCS = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum,
           "amin": np.minimum}
_COMPLEX = (_dtype.complex64, _dtype.complex128)


def _identity(reduce, a):
    """The value a position starts from when its own value is left out."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if a.dtype == np.bool_:
        return reduce == "amin"
    if a.dtype.kind in "iu":
        info = np.iinfo(a.dtype)
        return info.min if reduce == "amax" else info.max
    return -np.inf if reduce == "amax" else np.inf


def _reduce_at(out, where, values, reduce, include_self, count_shape, count_where):
    """Reduce ``values`` into ``out`` at the positions ``where`` addresses (in place).

    ``count_shape``/``count_where`` address the same positions in the array of per-position
    counts that ``mean`` divides by (``index_reduce`` counts per slice)."""
    low = out.dtype.kind == "V" or out.dtype == np.float16
    work = out.astype(np.float32) if low else out
    vals = values.astype(np.float32) if low else values
    if not include_self:
        work[where] = _identity(reduce, work)
    _UFUNCS[reduce].at(work, where, vals)
    if reduce == "mean":
        counts = np.zeros(count_shape, np.int64)
        np.add.at(counts, count_where, 1)
        if include_self:
            counts += 1
        counts[counts == 0] = 1
        if work.dtype.kind in "iu":
            np.floor_divide(work, counts.astype(work.dtype), out=work, casting="unsafe")
        else:
            work = work / counts.astype(work.dtype)
    if work is not out:
        out[...] = work.astype(out.dtype)
    return out


# ---- scatter_reduce -----------------------------------------------------------------------------
def _check_scatter_reduce(reduce):
    if reduce not in _UFUNCS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")


def _scatter_reduce_np(self, dim, index, src, reduce, include_self=True):
    d = _scatter_check(self, dim, index, src)
    _check_scatter_reduce(reduce)
    dt = dtype_of(self)
    out = self.copy()
    if index.size == 0:  # (no kernel runs: nothing is refused)
        return out
    if (reduce == "mean" and dt is _dtype.bool) or (reduce in ("amax", "amin") and
                                                    dt in _COMPLEX):
        raise not_implemented(f"scatter_gather_tensor_cpu_reduce_{reduce}", dt)
    _check_bounds(index, d, _shape1(out)[d])
    flat = out.reshape(_shape1(out))  # (a view of the copy)
    where = _full_index(index.reshape(_shape1(index)).astype(np.intp), d)
    _reduce_at(flat, where, _along(src, index), reduce, include_self, flat.shape, where)
    return out


def _scatter_reduce_meta(self, dim, index, src, reduce, include_self=True):
    _scatter_check(self, dim, index, src)
    _check_scatter_reduce(reduce)
    return empty_meta(self._size, self.dtype)


def scatter_reduce_jvp(self_p, self_t, dim, index, src_p, src_t, reduce, include_self, result):
    """The tangent of ``scatter_reduce``, as PyTorch's: sum and mean are linear (the op over
    the tangents); amax/amin average the tangents of every value equal to the result at its
    position; prod has none (None: the output gets no tangent)."""
    if reduce in ("sum", "mean"):
        return aten.scatter_reduce.two(self_t, dim, index, src_t, reduce,
                                       include_self=include_self)
    if reduce not in ("amax", "amin"):
        return None
    value = aten.gather.default(result, dim, index)
    mask_self = self_p == result
    mask_src = src_p == value

    def summed(s, v):  # (the tangents or the counts of the values picked, per position)
        return aten.scatter_reduce.two(s, dim, index, v, "sum", include_self=include_self)
    masked_self_t = aten.where.ScalarOther(mask_self, self_t, 0)
    count = summed(mask_self.to(self_t.dtype), mask_src.to(self_t.dtype))
    return summed(masked_self_t, aten.where.ScalarOther(mask_src, src_t, 0)) / count


def _declare(name, overload, src_name, kernel, meta, jvp=None, tags=()):
    """The functional op (``name.overload``), its in-place and out= forms and its gradient
    (and forward formula ``jvp``)."""
    args = (f"int dim, Tensor index, Tensor {src_name}, str reduce, *, "
            "bool include_self=True")
    dot = f".{overload}" if overload else ""
    d = defop(f"{name}{dot}(Tensor self, {args}) -> Tensor", tags=tags)
    d.cpu(kernel)
    d.meta(meta)
    d.derivative(**{f"self, {src_name}": f"{name}_backward(grad, self, dim, index, {src_name}, "
                                         "reduce, include_self, result, grad_input_mask)"},
                 result=jvp)
    d.inplace = inplace_variant(d, f"{name}_{dot}(Tensor(a!) self, {args}) -> Tensor(a!)")
    out = f".{overload}_out" if overload else ".out"
    d.out = same_dtype_out_variant(d, f"{name}{out}(Tensor self, {args}, Tensor(a!) out) -> "
                                      "Tensor(a!)")
    return d


scatter_reduce = _declare("scatter_reduce", "two", "src", _scatter_reduce_np,
                          _scatter_reduce_meta, scatter_reduce_jvp, tags=("core",))
OPS["scatter_reduce.two"] = scatter_reduce


# ---- index_reduce -------------------------------------------------------------------------------
def _check_index_reduce(reduce, self):
    warn_once("index_reduce() is in beta and the API may change at any time.")
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")


def _check_index_reduce_dtype(self, index, reduce, include_self):
    """Bool and complex inputs: PyTorch's kernel refuses them on some of its paths (1-d
    inputs; excluding the input; maximum/minimum of complex; the floor division of a bool
    mean), each with its own message."""
    dt = dtype_of(self)
    if dt is not _dtype.bool and dt not in _COMPLEX:
        return
    if self.ndim <= 1:
        raise not_implemented("index_func_", dt)
    if not include_self:
        raise not_implemented("index_reduce_func_exclude_input_init", dt)
    if index.size and reduce in ("amax", "amin") and dt in _COMPLEX:
        raise not_implemented("maximum_cpu" if reduce == "amax" else "minimum_cpu", dt)
    if index.size and reduce == "mean" and dt is _dtype.bool:
        raise not_implemented("div_floor_cpu", dt)


def _index_reduce_np(self, dim, index, source, reduce, include_self=True):
    _check_index_reduce(reduce, self)
    d = _index_add_check(self, dim, index, source, "index_reduce_")
    _check_index_reduce_dtype(self, index, reduce, include_self)
    out = self.copy()
    flat = out.reshape(_shape1(out))
    idx = index.reshape(-1).astype(np.intp)
    size = flat.shape[d]
    if idx.size and ((idx < 0) | (idx >= size)).any():
        raise IndexError("index out of range in self")
    if idx.size == 0:
        return out
    where = (slice(None),) * d + (idx,)
    count_shape = [1] * flat.ndim
    count_shape[d] = size
    counts_at = (0,) * d + (idx,) + (0,) * (flat.ndim - d - 1)
    _reduce_at(flat, where, source.reshape(_shape1(source)), reduce, include_self,
               tuple(count_shape), counts_at)
    return out


def _index_reduce_meta(self, dim, index, source, reduce, include_self=True):
    _check_index_reduce(reduce, self)
    _index_add_check(self, dim, index, source, "index_reduce_")
    return empty_meta(self._size, self.dtype)


index_reduce = _declare("index_reduce", "", "source", _index_reduce_np, _index_reduce_meta)
OPS["index_reduce"] = index_reduce


# ---- samples ------------------------------------------------------------------------------------
def _idx(values):
    return S.Arr(np.asarray(values, dtype=np.int64))


def _positive(shape, dtype, seed):
    """Values away from zero and from each other (prod and amax stay differentiable)."""
    a = S.make_arr(shape, dtype, seed=seed, low=1, high=4)
    if dtype.startswith("float"):
        a.value = (np.arange(a.value.size).reshape(shape) * 0.37 + 1 + a.value / 10
                   ).astype(dtype)
    return a


def _scatter_reduce_samples(dtype):
    A = S.make_arr
    for k, reduce in enumerate(("sum", "prod", "mean", "amax", "amin")):
        if dtype == "bool" and reduce == "mean":
            continue
        for include_self in (True, False):
            yield S.SampleInput(_positive((3, 4), dtype, k), 1,
                                _idx([[0, 3, 0], [1, 1, 2], [2, 0, 2]]),
                                _positive((3, 3), dtype, k + 10), reduce,
                                include_self=include_self)
        yield S.SampleInput(_positive((3, 4), dtype, k + 20), 0, _idx([[0, 2, 1, 0]]),
                            _positive((1, 4), dtype, k + 30), reduce)
    yield S.SampleInput(A((), dtype), 0, _idx(0), A((), dtype, seed=3), "sum")
    yield S.SampleInput(A((3,), dtype), 0, S.Arr(np.zeros((0,), np.int64)), A((0,), dtype),
                        "amax", include_self=False)


def _index_reduce_samples(dtype):
    if dtype == "bool":
        return
    for k, reduce in enumerate(("prod", "mean", "amax", "amin")):
        for include_self in (True, False):
            yield S.SampleInput(_positive((4, 3), dtype, k), 0, _idx([0, 3, 0]),
                                _positive((3, 3), dtype, k + 10), reduce,
                                include_self=include_self)
        yield S.SampleInput(_positive((2, 5), dtype, k + 20), -1, _idx([4, 4, 1, 2]),
                            _positive((2, 4), dtype, k + 30), reduce)
    yield S.SampleInput(S.make_arr((3,), dtype), 0, _idx([]), S.make_arr((0,), dtype), "amin")


scatter_reduce.samples(_scatter_reduce_samples)
index_reduce.samples(_index_reduce_samples)

for _name, _d in (("scatter_reduce", scatter_reduce), ("index_reduce", index_reduce)):
    public(_name, _d, _d.out, method=False)
    public(_name, _d, function=False)  # (the method has no out=)
    public(_name + "_", _d.inplace, function=False)
