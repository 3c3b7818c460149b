"""Reductions: ``sum``, ``mean``, ``prod``, ``amax``/``amin``, ``max``/``min``, ``argmax``,
``all``/``any``, ``std``/``var``, ``logsumexp``, ``cumsum``/``cumprod``, ``count_nonzero``,
``norm``, with ``dim``/``keepdim``/``dtype`` as PyTorch has them.

Every op has one *plan* function ``(self, ...) -> (dims, out_shape, out_dtype)`` that works on
ndarrays (CPU kernels) and meta tensors alike: it wraps dims, checks dtypes and empty inputs
with PyTorch's messages, and fixes the result's metadata.  The NumPy kernel then only computes;
the meta function is ``empty_meta(out_shape, out_dtype)``.
"""
from __future__ import annotations

import types
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, from_array
from ._api import PUBLIC, make_function, public
from ._defop import defop, install_cpu_front
from ._meta_util import empty_meta
from ._pointwise_util import binary_kernel, no_complex_check, not_implemented, pointwise_meta
from ._tags import generated_tags
from ._util import dtype_of, normalize_dims, warn_user, wrap_dim
from ._variants import cpp_name, out_dtype_error, out_precheck, out_variant, resize_out
from .._dispatcher.keys import K
from ._ops_registry import aten
from ..testing import samples as S

OPS = {}
_TAGS = ("reduction",)
_CORE = ("core",) + _TAGS  # (the reductions in the Core ATen opset)


# ---- shared planning helpers -------------------------------------------------------------------
def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _sum_dtype(in_dt, dtype):
    """sum/prod/cumsum: integer and bool inputs accumulate in int64 unless ``dtype`` is given."""
    if dtype is not None:
        return dtype
    if in_dt._cat <= _dtype.INT:
        return _dtype.int64
    return in_dt


def _reduced_shape(shape, dims, keepdim):
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _dims(dim, ndim, empty_is_all=True):
    """A dim argument (None, int or list) as a sorted tuple of wrapped dims.

    ``None`` (and ``[]`` when ``empty_is_all``) means every dim.  A 0-d tensor accepts dim 0
    and -1 (and reduces over nothing)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        return tuple(range(ndim)) if empty_is_all else ()
    if ndim == 0:
        for d in ([dim] if not isinstance(dim, (list, tuple)) else dim):
            wrap_dim(d, 0)
        return ()
    return normalize_dims(dim, ndim)


def _check_nonempty(name, shape, dims, dim_given, *, hint=True, shown=None):
    """max/amax/argmax...: no identity, so empty reductions are errors (PyTorch's texts;
    ``shown``: the dims as the message names them, when not the wrapped ``dims``)."""
    if _numel(shape) != 0:
        return
    if not dim_given:
        if hint:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument.")
        raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                         "input.numel() == 0.")
    if shown is not None:  # (in the order given, each named as given)
        for d in shown:
            if shape[d % len(shape)] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero "
                                 "size.")
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


_LOW_PRECISION = _dtype.LOW_PRECISION_NP  # float16, and bfloat16 once ml_dtypes is loaded


def _low_precision(a):
    """Half/bfloat16 accumulate in float32, as PyTorch's CPU reductions do."""
    if a.dtype in _LOW_PRECISION:
        return a.astype(np.float32)
    return a


def _as(a, dt):
    """ndarray ``a`` converted to kindling dtype ``dt`` (no copy when it already is)."""
    return a if a.dtype == dt._np else a.astype(dt._np)


def _result(r, dt):
    return np.asarray(r).astype(dt._np, copy=False)


def _meta_of(plan):
    def meta(self, *args, **kwargs):
        _, shape, dt = plan(self, *args, **kwargs)
        return empty_meta(shape, dt)
    return meta


def _samples_dims(dtype, *, dim_list=True, with_keepdim=True, noncontig=True, empty=True,
                  zero_d=True):
    """Common reduction samples: full, per-dim, negative dim, keepdim, 0-d, non-contiguous."""
    yield S.SampleInput(S.make_arr((3, 4), dtype))
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=1), 1)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=2), -1, True)
    if dim_list:
        yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=3), [0, 2])
        yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=4), [-1, 0], True)
    if zero_d:
        yield S.SampleInput(S.make_arr((), dtype, seed=5))
        yield S.SampleInput(S.make_arr((), dtype, seed=5), 0)
        yield S.SampleInput(S.make_arr((), dtype, seed=6), -1, True)
    if noncontig:
        yield S.SampleInput(S.make_arr((3, 4), dtype, seed=7, noncontig=True), 0)
    if empty:
        yield S.SampleInput(S.make_arr((0, 3), dtype))
        yield S.SampleInput(S.make_arr((0, 3), dtype), 0)
        yield S.SampleInput(S.make_arr((0, 3), dtype), 1, True)


def _full_samples(dtype, with_dtype=False):
    """Samples for the no-dim overloads: full, 0-d, empty, non-contiguous, ``dtype=``."""
    yield S.SampleInput(S.make_arr((3, 4), dtype))
    yield S.SampleInput(S.make_arr((), dtype, seed=1))
    yield S.SampleInput(S.make_arr((0, 3), dtype))
    yield S.SampleInput(S.make_arr((3, 4), dtype, seed=2, noncontig=True))
    if with_dtype:
        yield S.SampleInput(S.make_arr((2, 3), dtype, seed=3), dtype=_dtype.float64)


def _register(d, plan, kernel, samples=None, name=None, cpu=None):
    """CPU kernel ``kernel(self, plan_result, *args, **kwargs)`` (or ``cpu``, a NumPy kernel
    with a fast path of its own), meta from ``plan``."""
    if cpu is None:
        def cpu(self, *args, **kwargs):
            return kernel(self, plan(self, *args, **kwargs), *args, **kwargs)
    cpu.__name__ = d.entry.qualified
    d.cpu(cpu)
    d.meta(_meta_of(plan))
    if samples is not None:
        d.samples(samples)
    OPS[name or str(d.op)[len("aten."):]] = d
    return d


# ---- sum / prod / mean -------------------------------------------------------------------------
def _sum_plan(self, dim=None, keepdim=False, *, dtype=None):
    dims = _dims(dim, self.ndim)
    return dims, _reduced_shape(self.shape, dims, keepdim), _sum_dtype(dtype_of(self), dtype)


def _sum_kernel(self, plan, *a, **k):
    dims, shape, dt = plan
    x = _low_precision(_as(self, dt))
    try:  # FP warnings are silenced by kindling's filter; errstate costs ~1 us per call
        r = np.add.reduce(x, axis=dims)
    except (RuntimeWarning, FloatingPointError):  # (NumPy may raise too: np.seterr)
        with np.errstate(all="ignore"):
            r = np.add.reduce(x, axis=dims)
    return _result(r.reshape(shape), dt)


def _sum_default_plan(self, *, dtype=None):
    return _sum_plan(self, None, False, dtype=dtype)


# Full sums of these accumulate in the input dtype, which NumPy does by default.
_SUM_IN_PLACE_DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64,
                                                       np.complex128))
_add_reduce = np.add.reduce


def _sum_default_cpu(self, *, dtype=None):
    """``x.sum()``: the common float case skips planning (0-d result, input dtype)."""
    if dtype is None and self.dtype in _SUM_IN_PLACE_DTYPES:
        try:  # see _sum_kernel on FP warnings
            return np.asarray(_add_reduce(self, axis=None))
        except (RuntimeWarning, FloatingPointError):
            pass
    return _sum_kernel(self, _sum_default_plan(self, dtype=dtype))


def _sum_dim_cpu(self, dim=None, keepdim=False, *, dtype=None):
    """``x.sum(dims, keepdim)``: the common float case (distinct in-range dims, input dtype)
    reduces straight into a fresh array, skipping planning and the result's copy."""
    if dtype is None and self.dtype in _SUM_IN_PLACE_DTYPES and type(dim) in (list, tuple) \
            and dim:
        nd = self.ndim
        axes = []
        for d in dim:
            if type(d) is not int or not -nd <= d < nd:
                break
            d = d + nd if d < 0 else d
            if d in axes:
                break
            axes.append(d)
        else:
            try:  # see _sum_kernel on FP warnings
                return sum_axes(self, tuple(axes), keepdim)
            except (RuntimeWarning, FloatingPointError):
                pass
    return _sum_kernel(self, _sum_plan(self, dim, keepdim, dtype=dtype))


def sum_axes(a, axes, keepdim):
    """``_sum_dim_cpu``'s arithmetic for distinct, non-negative ``axes`` of a float array (the
    backward engine's ``sum_to`` calls it too)."""
    r = _add_reduce(a, axis=axes, keepdims=keepdim)
    if type(r) is not np.ndarray:
        return np.asarray(r)
    # (NumPy lays the result out in the input's order; PyTorch's is contiguous)
    return r if r.ndim < 2 or r.flags.c_contiguous else np.ascontiguousarray(r)


sum_default = _register(
    defop("sum(Tensor self, *, ScalarType? dtype=None) -> Tensor", tags=_TAGS),
    _sum_default_plan, _sum_kernel, lambda dt: _full_samples(dt, True), cpu=_sum_default_cpu)
sum_dim = _register(
    defop("sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, "
          "ScalarType? dtype=None) -> Tensor", tags=_CORE), _sum_plan, _sum_kernel,
    _samples_dims, cpu=_sum_dim_cpu)
sum_out = out_variant(sum_default, "sum.out(Tensor self, *, ScalarType? dtype=None, "
                                   "Tensor(a!) out) -> Tensor(a!)",
                      tags=generated_tags(sum_default))
sum_dim_out = out_variant(sum_dim, "sum.IntList_out(Tensor self, int[1]? dim, bool keepdim=False,"
                                   " *, ScalarType? dtype=None, Tensor(a!) out) -> Tensor(a!)")
# (PyTorch's Python bindings offer out= only with dims; ``aten.sum.out`` itself exists)
public("sum", sum_default, sum_dim, sum_dim_out)
sum_default.derivative(self="expand_to(grad, self_sym_sizes)", result="auto_linear")


@sum_default.array_backward("expand.default")
def _sum_lane(grad, self_sym_sizes, grad_input_mask):
    """SumBackward0: the 0-d gradient expanded to the input's sizes, as expand's kernel makes
    it (a view of it, every stride 0)."""
    if grad.ndim:
        return NotImplemented
    sizes = tuple(self_sym_sizes)
    return np.ndarray(sizes, dtype=grad.dtype, buffer=grad, strides=(0,) * len(sizes))
sum_dim.derivative("SumBackward1", self="sum_backward(grad, self_sym_sizes, dim, keepdim)",
                   result="auto_linear")


def _prod_plan(self, dim=None, keepdim=False, *, dtype=None):
    dims = tuple(range(self.ndim)) if dim is None else _dims(dim, self.ndim)
    return dims, _reduced_shape(self.shape, dims, keepdim), _sum_dtype(dtype_of(self), dtype)


def _prod_kernel(self, plan, *a, **k):
    dims, shape, dt = plan
    x = _low_precision(_as(self, dt))
    with np.errstate(all="ignore"):
        return _result(np.prod(x, axis=dims).reshape(shape), dt)


def _prod_default_plan(self, *, dtype=None):
    return _prod_plan(self, None, dtype=dtype)


def _prod_dim_samples(dtype):
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, low=-2, high=3), 1)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, low=-2, high=3), -1, True)
    yield S.SampleInput(S.make_arr((), dtype), 0)
    yield S.SampleInput(S.make_arr((0, 3), dtype), 0)
    yield S.SampleInput(S.make_arr((3, 4), dtype, low=-2, high=3, noncontig=True), 1)


def _prod_samples(dtype):
    yield S.SampleInput(S.make_arr((3, 4), dtype, low=-2, high=3))
    yield S.SampleInput(S.make_arr((), dtype))
    yield S.SampleInput(S.make_arr((0, 3), dtype))


prod_default = _register(defop("prod(Tensor self, *, ScalarType? dtype=None) -> Tensor",
                               tags=_CORE), _prod_default_plan, _prod_kernel, _prod_samples)
prod_dim = _register(defop("prod.dim_int(Tensor self, int dim, bool keepdim=False, *, "
                           "ScalarType? dtype=None) -> Tensor", tags=_CORE),
                     _prod_plan, _prod_kernel, _prod_dim_samples)
prod_out = out_variant(prod_default, "prod.out(Tensor self, *, ScalarType? dtype=None, "
                                     "Tensor(a!) out) -> Tensor(a!)",
                       tags=generated_tags(prod_default))
prod_dim_out = out_variant(prod_dim, "prod.int_out(Tensor self, int dim, bool keepdim=False, *, "
                                     "ScalarType? dtype=None, Tensor(a!) out) -> Tensor(a!)")
public("prod", prod_default, prod_dim, prod_dim_out)
prod_default.derivative(self="prod_backward(grad, self, result)",
                        result="prod_jvp(self_t, self_p, result)")
prod_dim.derivative("ProdBackward1", self="prod_dim_backward(grad, self, result, dim, keepdim)",
                    result="prod_jvp(self_t, self_p, result, dim, keepdim)")


def _mean_dtype(in_dt, dtype):
    dt = in_dt if dtype is None else dtype
    if dt._cat < _dtype.FLOAT:
        which = "Input" if dtype is None else "Optional"
        raise RuntimeError(f"mean(): could not infer output dtype. {which} dtype must be either "
                           f"a floating point or complex dtype. Got: {dt._scalar_name}")
    return dt


def _mean_plan(self, dim=None, keepdim=False, *, dtype=None):
    dt = _mean_dtype(dtype_of(self), dtype)
    dims = _dims(dim, self.ndim)
    return dims, _reduced_shape(self.shape, dims, keepdim), dt


def _mean_kernel(self, plan, *a, **k):
    dims, shape, dt = plan
    x = _low_precision(_as(self, dt))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _result(np.mean(x, axis=dims).reshape(shape), dt)


def _mean_default_plan(self, *, dtype=None):
    return _mean_plan(self, None, dtype=dtype)


mean_default = _register(defop("mean(Tensor self, *, ScalarType? dtype=None) -> Tensor",
                               tags=_CORE), _mean_default_plan, _mean_kernel,
                         lambda dt: _full_samples(dt, True))
mean_dim = _register(defop("mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, "
                           "ScalarType? dtype=None) -> Tensor", tags=_CORE),
                     _mean_plan, _mean_kernel, _samples_dims)
mean_out = out_variant(mean_dim, "mean.out(Tensor self, int[1]? dim, bool keepdim=False, *, "
                                 "ScalarType? dtype=None, Tensor(a!) out) -> Tensor(a!)")
mean_dtype_out = out_variant(mean_default, "mean.dtype_out(Tensor self, *, ScalarType? "
                                           "dtype=None, Tensor(a!) out) -> Tensor(a!)")


def _mean_out_front(plan):
    """mean's out= forms compute in ``out``'s dtype when no ``dtype`` is given (a float or
    complex ``out``: an integer one fails in the kernel's division, as the generic cast check
    says), and refuse a ``dtype`` other than ``out``'s after the op's own checks."""
    def front(generic):
        def kernel(ks, self, *args, out, dtype=None, **kwargs):
            if dtype is None:
                if self.dtype._cat >= _dtype.FLOAT and out.dtype._cat >= _dtype.FLOAT:
                    dtype = out.dtype
            elif dtype is not out.dtype:
                plan(self, *args, dtype=dtype, **kwargs)
                raise out_dtype_error(dtype, out.dtype)
            return generic(ks, self, *args, out=out, dtype=dtype, **kwargs)
        return kernel
    return front


def _mean_dtype_out_check(self, *, dtype=None, out):
    if not _dtype.can_cast(self.dtype, out.dtype):
        raise RuntimeError(f"mean.dtype_out(): input types can't be cast to the desired output "
                           f"type {out.dtype._scalar_name}")


install_cpu_front(mean_out, _mean_out_front(_mean_plan), leaf=False)
install_cpu_front(mean_dtype_out, _mean_out_front(_mean_default_plan), leaf=False)
out_precheck(mean_dtype_out, _mean_dtype_out_check)
public("mean", mean_default, mean_dim, mean_dtype_out, mean_out)
mean_default.derivative(self="grad.expand(self_sym_sizes) / self_sym_numel",
                        result="auto_linear")
mean_dim.derivative("MeanBackward1",
                    self="mean_backward(grad, self_sym_sizes, dim, self_sym_numel, keepdim)",
                    result="auto_linear")


# ---- amax / amin -------------------------------------------------------------------------------
def _minmax_plan(name):
    def plan(self, dim=(), keepdim=False):
        dims = _dims(dim, self.ndim)
        given = not (isinstance(dim, (list, tuple)) and len(dim) == 0)
        # (amax/amin name each dim as given: -1 stays -1 in the message)
        _check_nonempty(name, tuple(self.shape), dims, given,
                        shown=list(dim) if isinstance(dim, (list, tuple)) else [dim])
        return dims, _reduced_shape(self.shape, dims, keepdim), dtype_of(self)
    return plan


def _np_reduce(fn, kernel_name=None):
    """A reduction kernel over NumPy's ``fn``; ``kernel_name``: complex inputs are refused
    with PyTorch's "<kernel_name> not implemented" (ordered reductions)."""
    def kernel(self, plan, *a, **k):
        dims, shape, dt = plan
        if kernel_name is not None and self.dtype.kind == "c" and self.size:
            raise not_implemented(kernel_name, dtype_of(self))
        if self.dtype.kind == "V" or "bfloat16" in str(self.dtype):
            return _result(fn(self.astype(np.float32), axis=dims).reshape(shape), dt)
        return np.asarray(fn(self, axis=dims)).reshape(shape)
    return kernel


def _amax_samples(dtype):
    yield S.SampleInput(S.make_arr((3, 4), dtype))
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=1), 1)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=2), [0, -1], True)
    yield S.SampleInput(S.make_arr((), dtype), 0)
    yield S.SampleInput(S.make_arr((3, 0), dtype), 0)
    yield S.SampleInput(S.make_arr((3, 4), dtype, noncontig=True), -1)


amax = _register(defop("amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor",
                       tags=_CORE), _minmax_plan("amax"), _np_reduce(np.max, "max_values_cpu"),
                 _amax_samples)
amin = _register(defop("amin(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor",
                       tags=_CORE), _minmax_plan("amin"), _np_reduce(np.min, "min_values_cpu"),
                 _amax_samples)
amax_out = out_variant(amax, "amax.out(Tensor self, int[1] dim=[], bool keepdim=False, *, "
                             "Tensor(a!) out) -> Tensor(a!)")
amin_out = out_variant(amin, "amin.out(Tensor self, int[1] dim=[], bool keepdim=False, *, "
                             "Tensor(a!) out) -> Tensor(a!)")
public("amax", amax, amax_out)
public("amin", amin, amin_out)
for _f in (amax, amin):
    _f.derivative(self="amax_amin_backward(grad, self, result, dim, keepdim)",
                  result="amax_amin_jvp(self_t, self_p, result, dim, keepdim)")


# ---- argmax / argmin ---------------------------------------------------------------------------
def _arg_plan(name):
    def plan(self, dim=None, keepdim=False):
        if dtype_of(self) is _dtype.bool:
            raise RuntimeError(f"{name}(): does not support bool input")
        if dtype_of(self).is_complex:
            raise RuntimeError(f"{name}(): does not support complex input")
        if dim is None:
            _check_nonempty(name, tuple(self.shape), (), False, hint=False)
            shape = (1,) * self.ndim if keepdim else ()
            return None, shape, _dtype.int64
        dims = _dims(dim, self.ndim)
        _check_nonempty(name, tuple(self.shape), dims, True)
        return dims, _reduced_shape(self.shape, dims, keepdim), _dtype.int64
    return plan


def _arg_kernel(fn):
    def kernel(self, plan, *a, **k):
        dims, shape, _ = plan
        x = self.astype(np.float32) if self.dtype.kind == "V" else self
        if dims is None or self.ndim == 0:
            r = fn(x.reshape(-1))
        else:
            r = fn(x, axis=dims[0])
        return np.asarray(r, dtype=np.int64).reshape(shape)
    return kernel


def _arg_samples(dtype):
    yield S.SampleInput(S.make_arr((3, 4), dtype))
    yield S.SampleInput(S.make_arr((3, 4), dtype, seed=1), None, True)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=2), 1)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=3), -1, True)
    yield S.SampleInput(S.make_arr((), dtype), 0)
    yield S.SampleInput(S.make_arr((), dtype))
    yield S.SampleInput(S.make_arr((3, 0), dtype), 0)
    yield S.SampleInput(S.make_arr((3, 4), dtype, noncontig=True), 1)


argmax = _register(defop("argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor",
                         tags=_CORE), _arg_plan("argmax"), _arg_kernel(np.argmax), _arg_samples)
argmin = _register(defop("argmin(Tensor self, int? dim=None, bool keepdim=False) -> Tensor",
                         tags=_CORE), _arg_plan("argmin"), _arg_kernel(np.argmin), _arg_samples)
argmax_out = out_variant(argmax, "argmax.out(Tensor self, int? dim=None, bool keepdim=False, *, "
                                 "Tensor(a!) out) -> Tensor(a!)", check_cast="exact")
argmin_out = out_variant(argmin, "argmin.out(Tensor self, int? dim=None, bool keepdim=False, *, "
                                 "Tensor(a!) out) -> Tensor(a!)", check_cast="exact")
public("argmax", argmax, argmax_out)
public("argmin", argmin, argmin_out)


# ---- max / min (full, dim -> (values, indices), binary) ---------------------------------------
class _StructSeq(tuple):
    """A ``torch.return_types.<name>``: a tuple with named fields, PyTorch's repr."""

    _fields = ()
    n_fields = n_sequence_fields = 2
    n_unnamed_fields = 0

    def __new__(cls, seq):
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ",\n".join(f"{n}={v!r}" for n, v in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _structseq(name, fields):
    ns = {f: property(lambda self, i=i: tuple.__getitem__(self, i)) for i, f in enumerate(fields)}
    ns["_fields"] = tuple(fields)
    cls = type(name, (_StructSeq,), ns)
    cls.__module__ = "torch.return_types"
    cls.__qualname__ = name
    return cls


return_types = types.ModuleType("torch.return_types")
for _n in ("max", "min", "sort", "topk"):
    setattr(return_types, _n, _structseq(_n, ("values", "indices")))
    setattr(return_types, _n + "_out", _structseq(_n + "_out", ("values", "indices")))


def _dim_plan(name):
    def plan(self, dim, keepdim=False):
        if dtype_of(self).is_complex:
            raise RuntimeError(f"{name}(): does not support complex input")
        dims = _dims(dim, self.ndim)
        _check_nonempty(name, tuple(self.shape), dims, True)
        shape = _reduced_shape(self.shape, dims, keepdim)
        return dims, shape, dtype_of(self)
    return plan


def _dim_kernel(argfn):
    def kernel(self, plan, *a, **k):
        dims, shape, _ = plan
        if self.ndim == 0:
            return self.copy(), np.zeros((), np.int64)
        x = self.astype(np.float32) if self.dtype.kind == "V" else self
        idx = np.asarray(argfn(x, axis=dims[0]), dtype=np.int64)
        if self.size == 0:
            vals = np.empty(shape, self.dtype)
        else:
            vals = np.take_along_axis(self, np.expand_dims(idx, dims[0]), dims[0])
        return vals.reshape(shape), idx.reshape(shape)
    return kernel


def _dim_meta(plan):
    def meta(self, *args, **kwargs):
        _, shape, dt = plan(self, *args, **kwargs)
        return empty_meta(shape, dt), empty_meta(shape, _dtype.int64)
    return meta


def _full_plan(name):
    def plan(self):
        _check_nonempty(name, tuple(self.shape), (), False)
        return tuple(range(self.ndim)), (), dtype_of(self)
    return plan


def _dim_out_variant(functional, schema, names):
    """``max.dim_max``: the two-output out= form (values into ``names[0]``, indices into
    ``names[1]``)."""
    d = defop(schema, tags=_TAGS)
    from .._dispatcher.keys import K
    from .._dispatcher.operator import KernelEntry, caller_site

    def write(res, outs):
        for r, o in zip(res, outs):
            if r.dtype is not o.dtype:
                raise out_dtype_error(r.dtype, o.dtype)
            resize_out(o, r._size)
            if o._np is not None and r._np is not None:
                np.copyto(o._np, r._np, casting="unsafe")
        return tuple(outs)

    def kernel(ks, self, dim, keepdim=False, **kw):
        return write(functional.op(self, dim, keepdim), (kw[names[0]], kw[names[1]]))
    site = caller_site()
    d.entry.register(K.CPU, KernelEntry(kernel, site))
    d.entry.register(K.Meta, KernelEntry(kernel, site))
    d.functional = functional
    return d


def _unary_out_cast_check(self, *, out):
    # (max/min.unary_out check the cast ahead of everything, with a bare TORCH_CHECK's text)
    if not _dtype.can_cast(self.dtype, out.dtype):
        raise RuntimeError(
            "Expected canCast( typeMetaToScalarType(self.dtype()), typeMetaToScalarType("
            "out.dtype())) to be true, but got false.  (Could this error message be improved?  "
            "If so, please report an enhancement request to PyTorch.)")


def _maxmin(name, np_red, np_arg, ufunc):
    full_plan, dplan = _full_plan(name), _dim_plan(name)
    full = defop(f"{name}(Tensor self) -> Tensor", tags=_TAGS)
    full.cpu(lambda self: np.asarray(_np_reduce(np_red, f"{name}_all")(self, full_plan(self))))
    full.meta(_meta_of(full_plan))
    full.samples(lambda dt: (S.SampleInput(S.make_arr(s, dt, seed=i, noncontig=nc))
                             for i, (s, nc) in enumerate([((3, 4), False), ((), False),
                                                          ((5,), False), ((3, 4), True)])))
    OPS[name] = full
    dim = defop(f"{name}.dim(Tensor self, int dim, bool keepdim=False) -> "
                "(Tensor values, Tensor indices)", tags=_CORE)
    dim.cpu(lambda self, *a, **k: _dim_kernel(np_arg)(self, dplan(self, *a, **k)))
    dim.meta(_dim_meta(dplan))
    dim.samples(lambda dt: (s for s in _arg_samples(dt) if s.args and s.args[0] is not None))
    OPS[name + ".dim"] = dim
    # (``max(a, b)`` is CompositeImplicitAutograd, as in PyTorch: ``maximum``)
    other = defop(f"{name}.other(Tensor self, Tensor other) -> Tensor", tags=("pointwise",))
    elementwise = getattr(aten, name + "imum").default
    other.composite(lambda self, o: elementwise(self, o))
    other.samples(lambda dt: (s for s in S.binary_samples(dt) if not s.args or
                              not isinstance(s.args[0], (int, float, bool))))
    OPS[name + ".other"] = other
    unary_out = out_variant(full, f"{name}.unary_out(Tensor self, *, Tensor(a!) out) -> "
                                  "Tensor(a!)", check_cast=False)
    out_precheck(unary_out, _unary_out_cast_check)
    bin_out = defop(f"{name}.out(Tensor self, Tensor other, *, Tensor(a!) out) -> Tensor(a!)",
                    tags=("pointwise",))
    elementwise_out = getattr(aten, name + "imum").out
    bin_out.composite(lambda self, o, *, out: elementwise_out(self, o, out=out))
    vname = name + "_values" if name == "max" else name + "_indices"
    dim_out = _dim_out_variant(dim, f"{name}.dim_{name}(Tensor self, int dim, bool keepdim=False, "
                                    f"*, Tensor(a!) {name}, Tensor(b!) {vname}) -> "
                                    "(Tensor(a!) values, Tensor(b!) indices)", (name, vname))
    rts = (getattr(return_types, name), getattr(return_types, name + "_out"))
    ops = [full.op, dim.op, other.op, unary_out.op, bin_out.op, dim_out.op]
    function = make_function(name, ops, return_types=rts)
    method = make_function(name, ops, self_name="self", is_method=True, return_types=rts)
    PUBLIC[name] = function
    setattr(Tensor, name, method)
    return full, dim, other, dim_out


max_default, max_dim, max_other, max_dim_max = _maxmin("max", np.max, np.argmax, np.maximum)
min_default, min_dim, min_other, min_dim_min = _maxmin("min", np.min, np.argmin, np.minimum)
for _f, _d, _o, _n in ((max_default, max_dim, max_other, "Max"),
                       (min_default, min_dim, min_other, "Min")):
    _f.derivative(f"{_n}Backward1", self="evenly_distribute_backward(grad, self, result)",
                  result="evenly_read_jvp(self_t, self_p, result)")
    _d.derivative(f"{_n}Backward0",
                  self="value_selecting_reduction_backward(grad, dim, indices, self_sym_sizes, "
                       "keepdim)",
                  result="value_selecting_jvp(self_t, dim, indices, keepdim)")
if "return_types" not in PUBLIC:
    PUBLIC["return_types"] = return_types


# ---- all / any ---------------------------------------------------------------------------------
def _bool_red_dtype(self):
    return _dtype.uint8 if dtype_of(self) is _dtype.uint8 else _dtype.bool


def _allany(name, fn):
    def plan_full(self):
        return tuple(range(self.ndim)), (), _bool_red_dtype(self)

    def plan_dim(self, dim, keepdim=False):
        dims = _dims(dim, self.ndim)
        return dims, _reduced_shape(self.shape, dims, keepdim), _bool_red_dtype(self)

    def plan_dims(self, dim=None, keepdim=False):
        dims = _dims(dim, self.ndim, empty_is_all=False)
        return dims, _reduced_shape(self.shape, dims, keepdim), _bool_red_dtype(self)

    def kernel(self, plan, *a, **k):
        dims, shape, dt = plan
        x = self.astype(np.float32) if self.dtype.kind == "V" else self
        return _result(fn(x, axis=dims).reshape(shape), dt)

    def samples_full(dt):
        for i, s in enumerate([(3, 4), (), (0, 3)]):
            yield S.SampleInput(S.make_arr(s, dt, low=0, high=2, seed=i))
        yield S.SampleInput(S.make_arr((3, 4), dt, low=1, high=3))

    def samples_dims(dt):
        yield S.SampleInput(S.make_arr((3, 4), dt, low=0, high=2), [0, 1])
        yield S.SampleInput(S.make_arr((2, 3, 4), dt, low=0, high=2), [-1], True)
        yield S.SampleInput(S.make_arr((2, 3), dt, low=0, high=2), [])
        yield S.SampleInput(S.make_arr((2, 3), dt, low=0, high=2), None, True)
        yield S.SampleInput(S.make_arr((0, 3), dt, low=0, high=2), [0])

    tags = _CORE if name == "any" else _TAGS  # (``all`` is not in the Core ATen opset)
    full = _register(defop(f"{name}(Tensor self) -> Tensor", tags=tags), plan_full, kernel,
                     samples_full)
    dim = _register(defop(f"{name}.dim(Tensor self, int dim, bool keepdim=False) -> Tensor",
                          tags=tags), plan_dim, kernel,
                    lambda dt: (s for s in _arg_samples(dt) if s.args and s.args[0] is not None))
    dims = _register(defop(f"{name}.dims(Tensor self, int[]? dim=None, bool keepdim=False) -> "
                           "Tensor", tags=tags), plan_dims, kernel, samples_dims)
    # (``out``: bool or uint8, whatever the input, as the precheck says)
    o1 = out_variant(full, f"{name}.all_out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)",
                     check_cast=False)
    o2 = out_variant(dim, f"{name}.out(Tensor self, int dim, bool keepdim=False, *, "
                          "Tensor(a!) out) -> Tensor(a!)", check_cast=False)
    o3 = out_variant(dims, f"{name}.dims_out(Tensor self, int[]? dim=None, bool keepdim=False, *, "
                           "Tensor(a!) out) -> Tensor(a!)", check_cast=False)
    for o in (o1, o2, o3):
        out_precheck(o, _bool_result_check(name))
        install_cpu_front(o, _uint8_reduction, leaf=False)
    public(name, full, dim, dims, o1, o2, o3)
    return full, dim, dims


def _uint8_reduction(generic):
    """all/any into a uint8 ``out``: PyTorch reduces in ``out``'s dtype, so the input is cast
    to uint8 first (0.5 becomes 0), except for one element, which is tested as a bool."""
    def kernel(ks, self, *args, out, **kwargs):
        if out.dtype is _dtype.uint8 and self.dtype is not _dtype.uint8 and self.numel() > 1:
            with np.errstate(all="ignore"):
                self = from_array(self._np.astype(np.uint8), Tensor, _dtype.uint8)
        return generic(ks, self, *args, out=out, **kwargs)
    return kernel


def _bool_result_check(name):
    def check(*args, out, **kwargs):
        if out.dtype not in (_dtype.bool, _dtype.uint8):
            raise RuntimeError(f"{name} only supports bool tensor for result, got: "
                               f"{out.dtype._scalar_name}")
    return check


all_default, all_dim, all_dims = _allany("all", np.all)
any_default, any_dim, any_dims = _allany("any", np.any)


# ---- var / std ---------------------------------------------------------------------------------
def _var_plan(name):
    def plan(self, dim=None, *, correction=None, keepdim=False):
        dt = dtype_of(self)
        if dt._cat < _dtype.FLOAT:
            raise RuntimeError("std and var only support floating point and complex dtypes")
        dims = _dims(dim, self.ndim)
        shape = _reduced_shape(self.shape, dims, keepdim)
        return dims, shape, dt.to_real()
    return plan


def _var_kernel(name, sqrt):
    def kernel(self, plan, dim=None, *, correction=None, keepdim=False):
        dims, shape, dt = plan
        c = 1 if correction is None else correction
        n = _numel([self.shape[d] for d in dims]) if self.ndim else 1
        if n - c <= 0 or self.size == 0:  # (PyTorch's ratio numel/out_numel: nan when empty)
            warn_user(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).")
        x = _low_precision(self)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if n == 0:
                r = np.full(np.mean(x, axis=dims).shape, np.nan)
            else:
                mu = np.mean(x, axis=dims, keepdims=True)
                d = x - mu
                ss = np.sum((d * np.conj(d)).real if np.iscomplexobj(d) else d * d, axis=dims)
                r = ss / max(n - c, 0)
            if sqrt:
                r = np.sqrt(r)
        return _result(np.asarray(r).reshape(shape), dt)
    return kernel


def _var_samples(dtype):
    yield S.SampleInput(S.make_arr((3, 4), dtype))
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=1), 1)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=2), [0, -1], keepdim=True)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=3), -1, correction=0)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, seed=3), None, correction=2.5)
    yield S.SampleInput(S.make_arr((3, 4), dtype, seed=4, noncontig=True), 0)
    yield S.SampleInput(S.make_arr((), dtype), correction=0)
    yield S.SampleInput(S.make_arr((0, 3), dtype), 1)


def _unbiased_overloads(name, corr, returns):
    """The legacy ``unbiased=`` overloads of ``corr`` (``name.correction``): ``name`` and
    ``name.dim``, decompositions into it."""
    default = defop(f"{name}(Tensor self, bool unbiased=True) -> {returns}", tags=_TAGS)
    dimf = defop(f"{name}.dim(Tensor self, int[1]? dim, bool unbiased=True, bool keepdim=False) "
                 f"-> {returns}", tags=_CORE if name == "var" else _TAGS)

    @default.composite
    def _(self, unbiased=True):
        return corr.op(self, None, correction=1 if unbiased else 0)

    @dimf.composite
    def _(self, dim, unbiased=True, keepdim=False):
        return corr.op(self, dim, correction=1 if unbiased else 0, keepdim=keepdim)
    return default, dimf


def _var_out_front(plan):
    """var/std into an ``out`` of another dtype: PyTorch reduces a real input in ``out``'s
    dtype (a complex one has no kernel), except when one element results from a float32 or
    float64 reduction, which its whole-tensor path computes in double (from a float32 or
    float64 input only)."""
    low = (_dtype.float16, _dtype.bfloat16)

    def front(generic):
        def kernel(ks, self, *args, out, **kwargs):
            odt = out.dtype
            if odt is not self.dtype and not self.dtype.is_complex and self.numel() and \
                    _dtype.can_cast(self.dtype, odt):
                shape = plan(self, *args, **kwargs)[1]
                if _numel(shape) == 1 and odt not in low and self.dtype in low:
                    raise RuntimeError(f"std_var_all: Unsupported dtype "
                                       f"{self.dtype._scalar_name}")
                if _numel(shape) != 1 or odt in low:
                    if odt.is_complex:
                        raise not_implemented("std_cpu", odt)
                    with np.errstate(all="ignore"):
                        self = from_array(self._np.astype(odt._np), Tensor, odt)
            return generic(ks, self, *args, out=out, **kwargs)
        return kernel
    return front


def _var_family(name, sqrt):
    plan = _var_plan(name)
    corr = _register(defop(f"{name}.correction(Tensor self, int[1]? dim=None, *, "
                           "Scalar? correction=None, bool keepdim=False) -> Tensor",
                           tags=_CORE if name == "var" else _TAGS),
                     plan, _var_kernel(name, sqrt), _var_samples)
    corr_out = out_variant(corr, f"{name}.correction_out(Tensor self, int[1]? dim=None, *, "
                                 "Scalar? correction=None, bool keepdim=False, Tensor(a!) out) "
                                 "-> Tensor(a!)")
    install_cpu_front(corr_out, _var_out_front(plan), leaf=False)
    default, dimf = _unbiased_overloads(name, corr, "Tensor")
    dim_out = defop(f"{name}.out(Tensor self, int[1]? dim, bool unbiased=True, "
                    "bool keepdim=False, *, Tensor(a!) out) -> Tensor(a!)", tags=_TAGS)

    @dim_out.composite
    def _(self, dim, unbiased=True, keepdim=False, *, out):
        return corr_out.op(self, dim, correction=1 if unbiased else 0, keepdim=keepdim, out=out)

    default.samples(lambda dt: iter([S.SampleInput(S.make_arr((3, 4), dt)),
                                     S.SampleInput(S.make_arr((5,), dt), False)]))
    dimf.samples(lambda dt: iter([S.SampleInput(S.make_arr((3, 4), dt), 1, False, True),
                                  S.SampleInput(S.make_arr((3, 4), dt), [0, 1], True)]))
    OPS[name] = default
    OPS[name + ".dim"] = dimf
    public(name, default, corr, dimf, corr_out, dim_out)
    return corr


var_correction = _var_family("var", False)
std_correction = _var_family("std", True)
var_correction.derivative(self="var_backward(grad, self, dim, correction, keepdim)",
                          result="var_jvp(self_t, self_p, result, dim, correction, keepdim)")
std_correction.derivative(
    self="std_backward(result, grad, self, dim, correction, keepdim)",
    result="std_jvp(self_t, self_p, result, dim, correction, keepdim)")


# ---- var_mean / std_mean -----------------------------------------------------------------------
def _var_mean_family(name, sqrt):
    """``var_mean``/``std_mean``: both statistics from one pass, as one node."""
    var_plan = _var_plan(name)
    var_kernel = _var_kernel(name, sqrt)

    def plan(self, dim=None, *, correction=None, keepdim=False):
        if dtype_of(self)._cat < _dtype.FLOAT:
            raise RuntimeError(f"{name} only support floating point and complex dtypes")
        return var_plan(self, dim, correction=correction, keepdim=keepdim)

    corr = defop(f"{name}.correction(Tensor self, int[1]? dim=None, *, Scalar? correction=None, "
                 "bool keepdim=False) -> (Tensor, Tensor)", tags=_TAGS)

    @corr.cpu
    def _(self, dim=None, *, correction=None, keepdim=False):
        p = plan(self, dim, correction=correction, keepdim=keepdim)
        v = var_kernel(self, p, dim, correction=correction, keepdim=keepdim)
        dims, shape, _ = p
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (the mean of nothing is nan, silently)
            m = np.mean(_low_precision(self), axis=dims)
        return v, _result(np.asarray(m).reshape(shape), dtype_of(self))

    @corr.meta
    def _(self, dim=None, *, correction=None, keepdim=False):
        _, shape, dt = plan(self, dim, correction=correction, keepdim=keepdim)
        return empty_meta(shape, dt), empty_meta(shape, dtype_of(self))

    corr.samples(_var_samples)
    OPS[name + ".correction"] = corr
    default, dimf = _unbiased_overloads(name, corr, "(Tensor, Tensor)")
    public(name, default, corr, dimf, method=False)
    return corr


var_mean_correction = _var_mean_family("var_mean", False)
std_mean_correction = _var_mean_family("std_mean", True)
var_mean_correction.derivative(
    self="var_mean_backward(grads[0], grads[1], self, dim, correction, keepdim)",
    result="(var_jvp(self_t, self_p, result0, dim, correction, keepdim), "
           "mean_jvp(self_t, dim, keepdim))")
std_mean_correction.derivative(
    self="std_mean_backward(grads[0], grads[1], self, result0, dim, correction, keepdim)",
    result="(std_jvp(self_t, self_p, result0, dim, correction, keepdim), "
           "mean_jvp(self_t, dim, keepdim))")


# ---- logsumexp ---------------------------------------------------------------------------------
def _lse_plan(self, dim, keepdim=False):
    dims = _dims(dim, self.ndim)
    dt = dtype_of(self)
    if dt._cat < _dtype.FLOAT:
        dt = _dtype.get_default_dtype()
    return dims, _reduced_shape(self.shape, dims, keepdim), dt


def _lse_kernel(self, plan, *a, **k):
    dims, shape, dt = plan
    x = _low_precision(_as(self, dt))
    with np.errstate(all="ignore"):
        if x.size == 0:
            m = np.zeros(np.sum(x, axis=dims, keepdims=True).shape, x.dtype)
        else:  # (complex: shifted by the largest real part, keeping log's principal branch)
            m = np.max(x.real if x.dtype.kind == "c" else x, axis=dims, keepdims=True)
            m = np.where(np.isinf(m), 0, m)
        r = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
    return _result(r.reshape(shape), dt)


logsumexp = _register(defop("logsumexp(Tensor self, int[1] dim, bool keepdim=False) -> Tensor",
                            tags=_TAGS), _lse_plan, _lse_kernel,
                      lambda dt: (s for s in _samples_dims(dt) if s.args))
logsumexp_out = out_variant(logsumexp, "logsumexp.out(Tensor self, int[1] dim, bool keepdim=False,"
                                       " *, Tensor(a!) out) -> Tensor(a!)")
public("logsumexp", logsumexp, logsumexp_out)
logsumexp.derivative(
    self="logsumexp_backward(grad, self, result, dim, keepdim)",
    result="logsumexp_jvp(self_p, self_t, dim, keepdim)")


# ---- cumsum / cumprod --------------------------------------------------------------------------
def _cum_plan(self, dim, *, dtype=None):
    d = wrap_dim(dim, self.ndim)
    return d, tuple(self.shape), _sum_dtype(dtype_of(self), dtype)


def _cum_kernel(fn, name):
    def kernel(self, plan, *a, **k):
        d, shape, dt = plan
        x = _low_precision(_as(self, dt))
        if x.ndim == 0:
            return _result(x.copy(), dt)
        if dt is _dtype.bool and x.size:  # (a bool result: only a 0-d or empty one is made)
            raise not_implemented(f"{name}_out_cpu", dt)
        with np.errstate(all="ignore"):
            r = fn(x, axis=d)
        # (NumPy lays the result out in the input's order; PyTorch's is contiguous)
        return _result(r if r.flags.c_contiguous else np.ascontiguousarray(r), dt)
    return kernel


def _cum_samples(dtype):
    yield S.SampleInput(S.make_arr((3, 4), dtype, low=-2, high=3), 0)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, low=-2, high=3), -1)
    yield S.SampleInput(S.make_arr((), dtype), 0)
    yield S.SampleInput(S.make_arr((0, 3), dtype), 1)
    yield S.SampleInput(S.make_arr((3, 4), dtype, low=-2, high=3, noncontig=True), 1)
    if dtype != "bool":
        yield S.SampleInput(S.make_arr((3, 4), dtype, low=-2, high=3), 1, dtype=_dtype.float64)


cumsum = _register(defop("cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor",
                         tags=("core",)), _cum_plan, _cum_kernel(np.cumsum, "cumsum"), _cum_samples)
cumprod = _register(defop("cumprod(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor",
                          tags=()), _cum_plan, _cum_kernel(np.cumprod, "cumprod"), _cum_samples)
cumsum_out = out_variant(cumsum, "cumsum.out(Tensor self, int dim, *, ScalarType? dtype=None, "
                                 "Tensor(a!) out) -> Tensor(a!)")
cumprod_out = out_variant(cumprod, "cumprod.out(Tensor self, int dim, *, ScalarType? dtype=None, "
                                   "Tensor(a!) out) -> Tensor(a!)")
public("cumsum", cumsum, cumsum_out)
public("cumprod", cumprod, cumprod_out)
cumsum.derivative(self="cumsum_backward(grad.to(self_scalar_type), dim)", result="auto_linear")
cumprod.derivative(self="cumprod_backward(grad.to(self_scalar_type), self, dim, result)",
                   result="cumprod_jvp(self_t, self_p, result, dim).to(result.dtype)")


# ---- count_nonzero -----------------------------------------------------------------------------
def _cnz_plan(self, dim=None):
    dims = _dims(dim, self.ndim)
    return dims, _reduced_shape(self.shape, dims, False), _dtype.int64


def _cnz_kernel(self, plan, *a, **k):
    dims, shape, _ = plan
    x = self.astype(np.float32) if self.dtype.kind == "V" else self
    return np.asarray(np.count_nonzero(x, axis=dims), dtype=np.int64).reshape(shape)


def _cnz_samples(dtype):
    yield S.SampleInput(S.make_arr((3, 4), dtype, low=-1, high=2))
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, low=-1, high=2), -1)
    yield S.SampleInput(S.make_arr((), dtype), 0)
    yield S.SampleInput(S.make_arr((0, 3), dtype))


count_nonzero = _register(defop("count_nonzero(Tensor self, int? dim=None) -> Tensor",
                                tags=_TAGS),
                          _cnz_plan, _cnz_kernel, _cnz_samples)
count_nonzero_dims = _register(defop("count_nonzero.dim_IntList(Tensor self, int[] dim) -> Tensor",
                                     tags=_TAGS),
                               _cnz_plan, _cnz_kernel,
                               lambda dt: iter([S.SampleInput(S.make_arr((2, 3, 4), dt), [0, 2]),
                                                S.SampleInput(S.make_arr((2, 3), dt), [])]))
count_nonzero_out = out_variant(count_nonzero, "count_nonzero.out(Tensor self, int? dim=None, *, "
                                               "Tensor(a!) out) -> Tensor(a!)",
                                tags=generated_tags(count_nonzero))
count_nonzero_dims_out = out_variant(count_nonzero_dims, "count_nonzero.dim_IntList_out(Tensor "
                                     "self, int[] dim, *, Tensor(a!) out) -> Tensor(a!)",
                                     tags=generated_tags(count_nonzero_dims))
public("count_nonzero", count_nonzero, count_nonzero_dims)  # (no out= in PyTorch's binding)


# ---- norm --------------------------------------------------------------------------------------
def _norm_plan(self, p=2, dim=None, keepdim=False):
    dt = dtype_of(self)
    if dt._cat < _dtype.FLOAT:
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           f"Got {dt._scalar_name} instead.")
    dims = _dims(dim, self.ndim)
    p = 2 if p is None else p
    if p < 0 and _numel(self.shape) == 0 or p == float("inf") and _numel(self.shape) == 0:
        _check_nonempty("linalg.vector_norm", tuple(self.shape), dims,
                        dim is not None and not (isinstance(dim, (list, tuple)) and not dim))
    return dims, _reduced_shape(self.shape, dims, keepdim), dt.to_real()


def _norm_kernel(self, plan, p=2, dim=None, keepdim=False):
    dims, shape, dt = plan
    p = 2 if p is None else p
    a = np.abs(_low_precision(self))
    with np.errstate(all="ignore"):
        if p == float("inf"):
            r = np.max(a, axis=dims)
        elif p == float("-inf"):
            r = np.min(a, axis=dims)
        elif p == 0:
            r = np.sum(a != 0, axis=dims).astype(a.dtype)
        elif p == 1:
            r = np.sum(a, axis=dims)
        elif p == 2:
            r = np.sqrt(np.sum(a * a, axis=dims))
        else:
            r = np.sum(a ** p, axis=dims) ** (1.0 / p)
    return _result(np.asarray(r).reshape(shape), dt)


def _norm_scalar_plan(self, p=2):
    return _norm_plan(self, p)


def _norm_samples(dtype):
    yield S.SampleInput(S.make_arr((3, 4), dtype))
    yield S.SampleInput(S.make_arr((3, 4), dtype), 1)
    yield S.SampleInput(S.make_arr((3, 4), dtype), float("inf"))
    yield S.SampleInput(S.make_arr((3, 4), dtype), 3)
    yield S.SampleInput(S.make_arr((), dtype), 0)
    yield S.SampleInput(S.make_arr((0, 3), dtype))


def _norm_dim_samples(dtype):
    yield S.SampleInput(S.make_arr((3, 4), dtype), 2, [1])
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype), None, [0, -1], True)
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype), float("-inf"), [1])
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, noncontig=True), 0.5, [2])


norm_scalar = _register(defop("norm.Scalar(Tensor self, Scalar p=2) -> Tensor", tags=_TAGS),
                        _norm_scalar_plan, lambda s, plan, p=2: _norm_kernel(s, plan, p),
                        _norm_samples)
norm_dim = _register(defop("norm.ScalarOpt_dim(Tensor self, Scalar? p, int[1] dim, "
                           "bool keepdim=False) -> Tensor", tags=_TAGS),
                     _norm_plan, _norm_kernel, _norm_dim_samples)
norm_scalar_out = out_variant(norm_scalar, "norm.Scalar_out(Tensor self, Scalar p=2, *, "
                                           "Tensor(a!) out) -> Tensor(a!)",
                              tags=generated_tags(norm_scalar))
norm_dim_out = out_variant(norm_dim, "norm.out(Tensor self, Scalar? p, int[1] dim, "
                                     "bool keepdim=False, *, Tensor(a!) out) -> Tensor(a!)",
                           check_cast="exact")
norm_scalar.derivative(self="norm_backward(grad, self, p, result)",
                       result="norm_jvp(self_p, self_t, p, result)")
norm_dim.derivative("NormBackward1", self="norm_backward(grad, self, p, result, dim, keepdim)",
                    result="norm_jvp(self_p, self_t, p, result, dim, keepdim)")
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm``: as PyTorch's for strided tensors, ``linalg.vector_norm`` for a number
    ``p`` (None: 2.0) and for ``'fro'`` over at most two dims, else ``linalg.matrix_norm``
    (``'nuc'``; other strings get matrix_norm's error)."""
    from ..linalg import matrix_norm, vector_norm
    dims = [dim] if isinstance(dim, int) else dim
    kw = {} if out is None else {"out": out}
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return vector_norm(input, 2, dims, keepdim, dtype=dtype, **kw)
        if dims is None:
            dims = list(range(input.dim()))
        return matrix_norm(input, p, dims, keepdim, dtype=dtype, **kw)
    return vector_norm(input, 2.0 if p is None else p, dims, keepdim, dtype=dtype, **kw)


def _norm_method(self, p="fro", dim=None, keepdim=False, dtype=None):
    return norm(self, p, dim, keepdim, dtype=dtype)


norm.__module__ = "kindling"
PUBLIC["norm"] = norm
Tensor.norm = _norm_method
OPS["norm"] = norm_scalar


# ---- out= rules of PyTorch's reduction kernels ---------------------------------------------------
def _dtype_from_out(opdef):
    """sum/prod/cumsum/cumprod with out= and no dtype compute in out's dtype (the input is
    cast first: 1.5 + 1.5 into a long ``out`` is 2); a dtype that differs from out's is
    refused, as PyTorch's ``get_dtype_from_result``/``check_out`` do."""
    entry = opdef.entry
    for key in (K.CPU, K.Meta):
        kentry = entry._top(key)
        generic = kentry.fn

        def kernel(ks, self, *args, out, dtype=None, _generic=generic, **kwargs):
            if dtype is None:
                dtype = out.dtype
                if self.dtype.is_complex and not dtype.is_complex:
                    warn_user("Casting complex values to real discards the imaginary part")
                    self = aten.real.default(self)
            elif dtype is not out.dtype:
                raise RuntimeError(f"Expected out tensor to have dtype {cpp_name(dtype)}, but "
                                   f"got {cpp_name(out.dtype)} instead")
            return _generic(ks, self, *args, out=out, dtype=dtype, **kwargs)
        kernel.__name__ = getattr(generic, "__name__", "kernel")
        kernel.__wrapped__ = generic
        kentry.fn = kernel
    entry._recompute()


def _same_dtype_out(*args, out, **kwargs):
    self = args[0]
    if self.dtype is not out.dtype:
        raise RuntimeError(f"Expected the dtype for input and out to match, but got "
                           f"{self.dtype._scalar_name} for input's dtype and "
                           f"{out.dtype._scalar_name} for out's dtype.")


def _floating_result(*args, out, **kwargs):
    if not (out.dtype.is_floating_point or out.dtype.is_complex):
        raise RuntimeError(f"logsumexp(): Expected floating point type for result tensor, but "
                           f"got: {out.dtype._scalar_name}")


for _o in (sum_dim_out, prod_dim_out, cumsum_out, cumprod_out):
    _dtype_from_out(_o)
for _o in (amax_out, amin_out):
    out_precheck(_o, _same_dtype_out)
out_precheck(logsumexp_out, _floating_result)
