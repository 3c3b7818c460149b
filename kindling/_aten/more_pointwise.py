"""More pointwise ops, and the NaN-ignoring reductions ``nansum``/``nanmean``.

Binary: ``logaddexp``, ``logaddexp2``, ``hypot``, ``copysign`` (Tensor/Scalar), ``xlogy``
(Tensor, Scalar_Self, Scalar_Other), ``fmax``, ``fmin``, ``heaviside``; ``float_power`` (a
decomposition into ``pow`` in double, as PyTorch's).  Unary: ``sinc``, ``deg2rad``,
``rad2deg``, ``logit`` (with ``eps``), ``nan_to_num``, ``signbit``, ``isposinf``,
``isneginf``.

Each keeps PyTorch's schema (``.out`` and in-place forms where PyTorch has them), promotion
(``copysign``/``xlogy``/``sinc``... compute integers in the default float dtype; ``hypot`` and
``logaddexp`` refuse them, as PyTorch's CPU kernels do), error messages and derivative formulas
(derivatives.yaml, helpers in ``autograd/_formulas``).  float16/bfloat16 compute in float32
(``logit`` and ``xlogy`` round between operations, as PyTorch's kernels do for them).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._dispatcher.keys import K
from ..testing import samples as S
from ._api import public
from ._defop import defop, install_cpu_front
from ._ops_registry import aten
from ._pointwise_util import dtype_or_none, fp_silent, not_implemented, promote, unary_meta
from ._util import as_dtype, result_type
from .pointwise import (PW, _declare, _expose, _tensors_only, _wrap_broadcast, binary_family,
                        unary_op)
from .reductions import (_as, _dims, _low_precision, _reduced_shape, _result, _samples_dims,
                         _sum_dtype)
from ._meta_util import empty_meta
from ._variants import out_dtype_error, out_precheck as _out_precheck, out_variant

OPS = {}
_FLOAT = _dtype.FLOAT
_COMPLEX = _dtype.COMPLEX
_LOW = (_dtype.float16, _dtype.bfloat16)


def _low_precision_compute(fn, dt, *arrays):
    """``fn(*arrays)``; float16/bfloat16 compute in float32 and round back (as PyTorch's
    ``opmath``)."""
    if dt in _LOW:
        r = fn(*[np.asarray(a, np.float32) for a in arrays])
        return np.asarray(r).astype(dt._np)
    return np.asarray(fn(*arrays))


def _float_operands(a, b, *, int_to_float):
    """The operands promoted the PyTorch way (integers to the default float dtype when
    ``int_to_float``) and that dtype."""
    dt = result_type(a, b)
    if int_to_float and dt._cat < _FLOAT:  # (each operand converted directly: a uint8 tensor
        dt = _dtype.get_default_dtype()     # and -2 give -2.0, not 254.0)
    return as_dtype(a, dt), as_dtype(b, dt), dt


def _register(*fs):
    for f in fs:
        if f is not None:
            OPS[str(f.op)[len("aten."):]] = f


# ================================================================================================
# Binary ops
# ================================================================================================
def _float_kernel(ufunc, kernel_name, *, int_to_float=False, complex_ok=False, own_low=False):
    """A kernel for a binary float ufunc: integer/bool operands compute in the default float
    dtype (``int_to_float``) or are refused as PyTorch's CPU kernel refuses them.  float16/
    bfloat16 compute in float32 unless ``own_low`` (the function handles them itself)."""
    def kernel(self, other):
        a, b, dt = _float_operands(self, other, int_to_float=int_to_float)
        if dt._cat < _FLOAT or (dt._cat == _COMPLEX and not complex_ok):
            raise not_implemented(kernel_name, dt)
        if own_low:
            return np.asarray(fp_silent(ufunc, np.asarray(a), np.asarray(b)))
        return fp_silent(_low_precision_compute, ufunc, dt, a, b)
    kernel.__name__ = kernel_name
    return _wrap_broadcast(kernel)


# ---- logaddexp / logaddexp2 / hypot ------------------------------------------------------------
def _logaddexp(a, b):
    """``log(exp(a) + exp(b))``; complex operands (PyTorch's CPU kernel takes them): from the
    operand with the larger real part, ``m + log1p(exp(n - m))``."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind != "c":
        return np.logaddexp(a, b)
    a, b = np.broadcast_arrays(a, b)
    swap = b.real > a.real
    hi, lo = np.where(swap, b, a), np.where(swap, a, b)
    return np.where(np.isinf(hi.real) & (hi.real > 0), hi, hi + np.log1p(np.exp(lo - hi)))


logaddexp = binary_family("logaddexp", _float_kernel(_logaddexp, "logaddexp_cpu",
                                                     complex_ok=True),
                          tensor=None, inplace=False, samples=_tensors_only)["tensor"]
logaddexp2 = binary_family("logaddexp2", _float_kernel(np.logaddexp2, "logaddexp2_cpu"),
                           tensor=None, inplace=False, samples=_tensors_only)["tensor"]
hypot = binary_family("hypot", _float_kernel(np.hypot, "hypot_cpu"), tensor=None,
                      inplace_names=(None, None), samples=_tensors_only)["tensor"]
_register(logaddexp, logaddexp.out, logaddexp2, logaddexp2.out, hypot, hypot.out, hypot.inplace)
_expose("logaddexp", [logaddexp])
_expose("logaddexp2", [logaddexp2])
_expose("hypot", [hypot])
logaddexp.derivative(
    self="grad / conj(1 + (other - self).exp())", other="grad / conj(1 + (self - other).exp())",
    result="self_t / (1 + (other_p - self_p).exp()) + other_t / (1 + (self_p - other_p).exp())")
logaddexp2.derivative(
    self="grad / (1 + aten.pow.Scalar(2, other - self))",
    other="grad / (1 + aten.pow.Scalar(2, self - other))",
    result="self_t / (1 + aten.pow.Scalar(2, other_p - self_p)) + "
           "other_t / (1 + aten.pow.Scalar(2, self_p - other_p))")
hypot.derivative(self="grad * self / result", other="grad * other / result",
                 result="self_t * self_p / result + other_t * other_p / result")

# ---- nextafter ---------------------------------------------------------------------------------
def _nextafter(a, b):
    """The next value after ``a`` towards ``b`` in their (float) dtype.  NumPy has no
    ``nextafter`` for bfloat16: it steps the bits itself (sign and magnitude, so one step away
    from zero is +1 on the bits)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != _dtype.bfloat16._np:
        return np.nextafter(a, b)
    a, b = np.broadcast_arrays(a, b)
    bits = a.view(np.uint16).astype(np.int32)
    away = (b > a) == (a > 0)
    step = np.where(away, bits + 1, bits - 1)
    tiny = np.where(np.signbit(b), 0x8001, 0x0001)  # the smallest subnormal, b's sign
    out = np.where(a == 0, tiny, step).astype(np.uint16).view(a.dtype)
    out = np.where(a == b, b, out)
    return np.where(np.isnan(a) | np.isnan(b), np.array(np.nan, a.dtype), out).astype(a.dtype)


nextafter = binary_family("nextafter", _float_kernel(_nextafter, "nextafter_cpu", own_low=True),
                          tensor=None, inplace_names=(None, None),
                          samples=_tensors_only)["tensor"]
_register(nextafter, nextafter.out, nextafter.inplace)
_expose("nextafter", [nextafter])
nextafter.derivative(self="where(self != other, grad, 0)",
                     other="info_zeros(other_info)",
                     result="where(self_p != other_p, self_t, 0)")

# ---- copysign ----------------------------------------------------------------------------------
_copysign = binary_family(
    "copysign", _float_kernel(np.copysign, "copysign_cpu", int_to_float=True), scalar="Scalar",
    int_to_float=True, out_names=("out", "Scalar_out", None), inplace_tags=())
copysign, copysign_scalar = _copysign["tensor"], _copysign["scalar"]
_register(copysign, copysign.out, copysign.inplace, copysign_scalar, copysign_scalar.out,
          copysign_scalar.inplace)
_expose("copysign", [copysign, copysign_scalar],
        inplace_order=[copysign.inplace, copysign_scalar.inplace])
copysign.derivative(self="copysign_tensor_self_backward(grad, self, result)",
                    other="info_zeros(other_info)",
                    result="copysign_tensor_self_backward(self_t, self_p, result)")
copysign_scalar.derivative("CopysignBackward1",
                           self="copysign_tensor_self_backward(grad, self, result)",
                           result="auto_element_wise")


# ---- xlogy -------------------------------------------------------------------------------------
def _xlogy(x, y):
    """PyTorch's ``x * log(y)``: NaN where ``y`` is NaN, else 0 where ``x`` is 0.  float16/
    bfloat16 round ``log(y)`` before the product (c10's ``log(Half)`` returns a Half)."""
    x, y = np.asarray(x), np.asarray(y)
    dt = x.dtype
    if dt in _dtype.LOW_PRECISION_NP:
        lg = np.log(y.astype(np.float32)).astype(dt).astype(np.float32)
        prod = (x.astype(np.float32) * lg).astype(dt)
    else:
        prod = x * np.log(y)
    r = np.where(x == 0, dt.type(0), prod)
    return np.where(np.isnan(y), dt.type(np.nan), r)


def _xlogy_samples(dtype):
    A = S.make_arr
    pos = dict(low=1 if dtype in S.INTS else 0.1)
    yield S.SampleInput(A((2, 3), dtype), A((2, 3), dtype, seed=1, **pos))
    yield S.SampleInput(A((3,), dtype, seed=2), A((2, 1), dtype, seed=3, **pos))
    yield S.SampleInput(A((), dtype, seed=4), A((4,), dtype, seed=5, **pos))
    yield S.SampleInput(A((3, 4), dtype, seed=6, noncontig=True), A((3, 4), dtype, seed=7))
    yield S.SampleInput(A((0, 2), dtype), A((2,), dtype, seed=8, **pos))


def _xlogy_scalar_samples(dtype):
    A = S.make_arr
    for v in (2, 0.5, -1.5, True):
        yield S.SampleInput(A((2, 3), dtype), v)
    yield S.SampleInput(A((), dtype, seed=1), 3)


def _xlogy_scalar_self_samples(dtype):
    A = S.make_arr
    pos = dict(low=1 if dtype in S.INTS else 0.1)
    for v in (2, 0.5, 0, -1.5, True):
        yield S.SampleInput(v, A((2, 3), dtype, **pos))


_xl = binary_family(
    "xlogy", _float_kernel(_xlogy, "xlogy_cpu", int_to_float=True, own_low=True),
    scalar="Scalar_Other",
    scalar_tensor="Scalar_Self", out_names=("OutTensor", "OutScalar_Other", "OutScalar_Self"),
    inplace_names=("Tensor", "Scalar_Other"), int_to_float=True, samples=_xlogy_samples,
    scalar_samples=_xlogy_scalar_samples)
xlogy, xlogy_so, xlogy_ss = _xl["tensor"], _xl["scalar"], _xl["scalar_tensor"]
xlogy_so.inplace.retag()
xlogy_ss.samples(_xlogy_scalar_self_samples)
_register(xlogy, xlogy.out, xlogy.inplace, xlogy_so, xlogy_so.out, xlogy_so.inplace, xlogy_ss,
          xlogy_ss.out)
public("xlogy", xlogy, xlogy_so, xlogy_ss, xlogy.out, xlogy_so.out, xlogy_ss.out)
public("xlogy_", xlogy.inplace, xlogy_so.inplace)
xlogy.derivative(
    self="aten.xlogy.Tensor(grad, other).masked_fill((self == 0.) & (other <= 0.), 0.)",
    other="grad * self / other",
    result="aten.xlogy.Tensor(self_t, other_p).masked_fill((self_p == 0.) & (other_p <= 0.), 0.)"
           " + other_t * self_p / other_p")
xlogy_ss.derivative("XlogyBackward1", other="grad * self / other", result="auto_element_wise")
xlogy_so.derivative(
    "XlogyBackward2",
    self="aten.xlogy.Scalar_Other(grad, other) if float(other) > 0. else "
         "aten.xlogy.Scalar_Other(grad, other).masked_fill(self == 0., 0.)",
    result="auto_element_wise")


# ---- fmax / fmin -------------------------------------------------------------------------------
def _fmax_fmin(name, keep_self, int_ufunc):
    def ufunc(a, b):
        # C's fmax/fmin: ``self`` where it wins or ties (fmax(-0.0, 0.0) is -0.0) or where
        # ``other`` is NaN, else ``other``
        return np.where(keep_self(a, b) | np.isnan(b), a, b)

    def kernel(self, other):
        (a, b), dt = promote(self, other)
        if dt._cat == _COMPLEX:
            raise RuntimeError(f"{name} not implemented for complex tensors.")
        if dt._cat < _FLOAT:  # (PyTorch: maximum/minimum)
            return np.asarray(int_ufunc(a, b))
        return fp_silent(_low_precision_compute, ufunc, dt, a, b)
    kernel.__name__ = name
    return _wrap_broadcast(kernel)


fmax = binary_family("fmax", _fmax_fmin("fmax", np.greater_equal, np.maximum), tensor=None,
                     inplace=False, samples=_tensors_only)["tensor"]
fmin = binary_family("fmin", _fmax_fmin("fmin", np.less_equal, np.minimum), tensor=None,
                     inplace=False, samples=_tensors_only)["tensor"]
_register(fmax, fmax.out, fmin, fmin.out)


def _fmax_fmin_out_check(name):
    def check(self, other, *, out):  # (complex operands are refused before the cast check)
        if any(dtype_or_none(t) is not None and dtype_or_none(t)._cat == _COMPLEX
               for t in (self, other)):
            raise RuntimeError(f"{name} not implemented for complex tensors.")
    return check


_out_precheck(fmax.out, _fmax_fmin_out_check("fmax"))
_out_precheck(fmin.out, _fmax_fmin_out_check("fmin"))
_expose("fmax", [fmax])
_expose("fmin", [fmin])
fmax.derivative(
    self="grad.masked_fill((self >= other).logical_or_(other.isnan()).logical_not_(), 0)",
    other="grad.masked_fill((self >= other).logical_or_(other.isnan()), 0)",
    result="other_t + (self_p > other_p).logical_or_(other_p.isnan()) * (self_t - other_t)")
fmin.derivative(
    self="grad.masked_fill((self <= other).logical_or_(other.isnan()).logical_not_(), 0)",
    other="grad.masked_fill((self <= other).logical_or_(other.isnan()), 0)",
    result="other_t + (self_p <= other_p).logical_or_(other_p.isnan()) * (self_t - other_t)")


# ---- heaviside ---------------------------------------------------------------------------------
_HEAVISIDE_DTYPES = "heaviside is not yet implemented for tensors with different dtypes."


def _heaviside_check(self, values):
    ds, dv = dtype_or_none(self), dtype_or_none(values)
    if (ds is not None and ds._cat == _COMPLEX) or (dv is not None and dv._cat == _COMPLEX):
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if ds is not dv:
        raise RuntimeError(_HEAVISIDE_DTYPES)


def _heaviside(self, values):
    a, b = np.asarray(self), np.asarray(values)
    # ``self == 0 ? values : self > 0`` (a NaN ``self`` gives 0, as in PyTorch)
    return np.asarray(np.where(a == 0, b, (a > 0).astype(a.dtype)))


def _heaviside_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((2, 3), dtype), A((2, 3), dtype, seed=1))
    yield S.SampleInput(A((3,), dtype, seed=2), A((2, 1), dtype, seed=3))
    yield S.SampleInput(A((), dtype, seed=4), A((4,), dtype, seed=5))
    yield S.SampleInput(S.Arr(np.array([0, 1, 0, 0], dtype=dtype)), A((4,), dtype, seed=6))
    yield S.SampleInput(A((3, 4), dtype, seed=7, noncontig=True), A((4,), dtype, seed=8))
    yield S.SampleInput(A((0, 2), dtype), A((2,), dtype, seed=9))


heaviside = binary_family("heaviside", _wrap_broadcast(_heaviside), tensor=None, other="values",
                          inplace_names=(None, None), checks=(_heaviside_check,),
                          meta_checks=(), samples=_heaviside_samples, inplace_tags=())["tensor"]
# (the dtype check is the CPU kernel's: PyTorch's meta tensors take the Python reference,
# which promotes: heaviside(float32 meta, float64 meta) is a float64 meta tensor)
_register(heaviside, heaviside.out, heaviside.inplace)
_expose("heaviside", [heaviside])


def _heaviside_out_check(self, values, *, out):
    # (PyTorch's meta function: no operand complex, then all of one dtype, ``out`` included)
    if any(dtype_or_none(t) is not None and dtype_or_none(t)._cat == _COMPLEX
           for t in (self, values, out)):
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if out.dtype is not self.dtype or dtype_or_none(values) is not self.dtype:
        raise RuntimeError(_HEAVISIDE_DTYPES)


_out_precheck(heaviside.out, _heaviside_out_check)
# (no derivative: PyTorch's formula is ``not_implemented("heaviside")``, a node that raises)


# ---- float_power -------------------------------------------------------------------------------
def _fp_dtype(*operands):
    """complex128 when an operand is complex, else float64."""
    for x in operands:
        d = getattr(x, "dtype", None)
        if (d is not None and d.is_complex) or isinstance(x, complex):
            return _dtype.complex128
    return _dtype.float64


def _fp_number(x, dt):
    return complex(x) if dt.is_complex else float(x)


def _fp_check_out(out, dt):
    if out.dtype is not dt:
        raise RuntimeError(f"the output given to float_power has dtype {out.dtype._scalar_name} "
                           f"but the operation's result requires dtype {dt._scalar_name}")


def _fp_check_base(self, dt):
    if self.dtype is not dt:
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype._scalar_name} "
                           f"but the operation's result requires dtype {dt._scalar_name}")


_FP = "float_power"
fp_tt = defop(f"{_FP}.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor", tags=PW)
fp_ts = defop(f"{_FP}.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor", tags=PW)
fp_s = defop(f"{_FP}.Scalar(Scalar self, Tensor exponent) -> Tensor", tags=PW)
fp_tt_out = defop(f"{_FP}.Tensor_Tensor_out(Tensor self, Tensor exponent, *, Tensor(a!) out) "
                  "-> Tensor(a!)", tags=PW)
fp_s_out = defop(f"{_FP}.Scalar_out(Scalar self, Tensor exponent, *, Tensor(a!) out) "
                 "-> Tensor(a!)", tags=PW)
fp_ts_out = defop(f"{_FP}.Tensor_Scalar_out(Tensor self, Scalar exponent, *, Tensor(a!) out) "
                  "-> Tensor(a!)", tags=PW)
fp_t_ = defop(f"{_FP}_.Tensor(Tensor(a!) self, Tensor exponent) -> Tensor(a!)", tags=PW)
fp_s_ = defop(f"{_FP}_.Scalar(Tensor(a!) self, Scalar exponent) -> Tensor(a!)", tags=PW)
_register(fp_tt, fp_ts, fp_s, fp_tt_out, fp_s_out, fp_ts_out, fp_t_, fp_s_)


@fp_tt.composite
def _(self, exponent):
    dt = _fp_dtype(self, exponent)
    return aten.pow.Tensor_Tensor(self.to(dt), exponent.to(dt))


@fp_ts.composite
def _(self, exponent):
    dt = _fp_dtype(self, exponent)
    return aten.pow.Tensor_Scalar(self.to(dt), _fp_number(exponent, dt))


@fp_s.composite
def _(self, exponent):
    dt = _fp_dtype(self, exponent)
    return aten.pow.Scalar(_fp_number(self, dt), exponent.to(dt))


@fp_tt_out.composite
def _(self, exponent, *, out):
    dt = _fp_dtype(self, exponent)
    _fp_check_out(out, dt)
    return aten.pow.Tensor_Tensor_out(self.to(dt), exponent.to(dt), out=out)


@fp_s_out.composite
def _(self, exponent, *, out):
    dt = _fp_dtype(self, exponent)
    _fp_check_out(out, dt)
    return aten.pow.Scalar_out(_fp_number(self, dt), exponent.to(dt), out=out)


@fp_ts_out.composite
def _(self, exponent, *, out):
    dt = _fp_dtype(self, exponent)
    _fp_check_out(out, dt)
    return aten.pow.Tensor_Scalar_out(self.to(dt), _fp_number(exponent, dt), out=out)


@fp_t_.composite
def _(self, exponent):
    dt = _fp_dtype(self, exponent)
    _fp_check_base(self, dt)
    return aten.pow_.Tensor(self, exponent.to(dt))


@fp_s_.composite
def _(self, exponent):
    dt = _fp_dtype(self, exponent)
    _fp_check_base(self, dt)
    return aten.pow_.Scalar(self, _fp_number(exponent, dt))


def _fp_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((2, 3), dtype, low=0), A((2, 3), dtype, low=-2, high=3, seed=1))
    yield S.SampleInput(A((3,), dtype, seed=2), A((2, 1), dtype, low=0, high=3, seed=3))
    yield S.SampleInput(A((), dtype, seed=4), A((4,), dtype, low=0, high=3, seed=5))
    yield S.SampleInput(A((2, 2), dtype, seed=6), A((2, 2), "float32", seed=7))


def _fp_scalar_samples(dtype):
    for e in (2, 0.5, -1, True, 0):
        yield S.SampleInput(S.make_arr((2, 3), dtype, low=0), e)
    yield S.SampleInput(S.make_arr((), dtype, seed=1), 3)


def _fp_scalar_self_samples(dtype):
    for base in (2, 0.5, -3, True):
        yield S.SampleInput(base, S.make_arr((2, 3), dtype, low=0, high=5))


fp_tt.samples(_fp_samples)
fp_ts.samples(_fp_scalar_samples)
fp_s.samples(_fp_scalar_self_samples)
public("float_power", fp_ts, fp_tt, fp_s, fp_ts_out, fp_tt_out, fp_s_out)
public("float_power_", fp_s_, fp_t_, function=False)


# ================================================================================================
# Unary ops
# ================================================================================================
def _sinc(a):
    """``sin(pi x) / (pi x)``, 1 at 0 (pi in the input's dtype, as c10::pi<T>)."""
    p = a * a.dtype.type(math.pi)
    return np.where(a == 0, a.dtype.type(1), np.sin(p) / p)


def _sinc_samples(dtype):
    yield from S.unary_samples(dtype)
    # (sinc(0) = 1; not in float64, the autograd tests' dtype: the second derivative of the
    # formula at 0 is NaN, as PyTorch's)
    if dtype != "float64":
        yield S.SampleInput(S.Arr(np.array([0, 1, 2, 3], dtype=dtype) *
                                  (1 if dtype in ("uint8", "bool") else -1)))


_M_PI_180 = math.pi / 180
_M_180_PI = 180 / math.pi
sinc = unary_op("sinc", _sinc, int_to_float=True, samples=_sinc_samples)


def _no_complex(name):
    def check(dt):
        if dt._cat == _COMPLEX:
            raise RuntimeError(f"{name} is not supported for complex tensors.")
    return check


deg2rad = unary_op("deg2rad", lambda a: a * a.dtype.type(_M_PI_180), int_to_float=True,
                   check=_no_complex("deg2rad"), meta_check=True)
rad2deg = unary_op("rad2deg", lambda a: a * a.dtype.type(_M_180_PI), int_to_float=True,
                   check=_no_complex("rad2deg"), meta_check=True)
for _f in (sinc, deg2rad, rad2deg):
    _register(_f, _f.out, _f.inplace)
    public(_f.entry.qualified.split("::")[1] + "_", _f.inplace)  # (torch.sinc_ ...)
sinc.derivative(self="sinc_backward(grad, self)", result="auto_element_wise")
deg2rad.derivative(self="deg2rad_backward(grad)", result="auto_element_wise")
rad2deg.derivative(self="rad2deg_backward(grad)", result="auto_element_wise")


# ---- logit -------------------------------------------------------------------------------------
def _to_float(self, kernel_name):
    dt = _dtype._NP_TO_DTYPE[self.dtype]
    if dt._cat == _COMPLEX:
        raise not_implemented(kernel_name, dt)
    if dt._cat < _FLOAT:
        return self.astype(_dtype.get_default_dtype()._np)
    return self


def _logit(self, eps=None):
    """``log(x / (1 - x))``, ``x`` clamped to ``[eps, 1 - eps]`` when ``eps >= 0``.  As in
    PyTorch's kernel, float16/bfloat16 round after every operation (``Vectorized<Half>``)."""
    a = _to_float(self, "logit_cpu")
    dt = a.dtype
    low = dt in _dtype.LOW_PRECISION_NP

    def up(v):  # an operand of one operation
        return np.asarray(v, np.float32) if low else v

    def down(v):  # its result, rounded to the tensor's dtype
        return np.asarray(v).astype(dt, copy=False)

    with np.errstate(all="ignore"):
        if eps is not None and not math.isnan(eps) and eps >= 0:
            lo = down(eps)
            hi = down(1 - up(lo))
            a = np.where(a < lo, lo, np.where(a > hi, hi, a))
        ratio = down(up(a) / up(down(1 - up(a))))
        return down(np.log(up(ratio)))


def _logit_meta(self, eps=None):
    return unary_meta(self, int_to_float=True)


def _logit_samples(dtype):
    A = S.make_arr
    lo, hi = (0, 2) if dtype in S.INTS else (None, None)
    yield S.SampleInput(A((2, 3), dtype, low=0.05 if lo is None else lo, high=0.95 if hi is None
                          else hi))
    yield S.SampleInput(A((4,), dtype, low=lo if lo is not None else 0.05, high=hi or 0.95,
                          seed=1), 0.2)
    yield S.SampleInput(A((3, 4), dtype, low=lo if lo is not None else 0.05, high=hi or 0.95,
                          seed=2, noncontig=True), eps=1e-6)
    yield S.SampleInput(A((), dtype, seed=3))
    yield S.SampleInput(A((0, 2), dtype), 0.1)
    yield S.SampleInput(A((5,), dtype, seed=4), -0.5)


logit = _declare("logit(Tensor self, float? eps=None) -> Tensor", _logit, _logit_meta,
                 _logit_samples,
                 out="logit.out(Tensor self, float? eps=None, *, Tensor(a!) out) -> Tensor(a!)",
                 inplace="logit_(Tensor(a!) self, float? eps=None) -> Tensor(a!)")
_register(logit, logit.out, logit.inplace)
_expose("logit", [logit])
public("logit_", logit.inplace)
logit.derivative(self="logit_grad(grad, self, eps)", result="auto_element_wise")


# ``logit_backward``: the first derivative's kernel (PyTorch's formula calls it when grad mode
# is off, the composite infinitely_differentiable_logit_backward otherwise); it has no
# derivative of its own
logit_backward = defop("logit_backward(Tensor grad_output, Tensor self, float? eps=None) -> "
                       "Tensor", tags=("pointwise",))


@logit_backward.cpu
def _(grad_output, self, eps=None):
    x = self
    with np.errstate(all="ignore"):
        d = grad_output / (x * (1 - x))
        d = np.where((x == 0) | (x == 1), grad_output * np.inf, d)
        if eps is None or eps < 0:
            d = np.where((x < 0) | (x > 1), np.nan, d)
        else:
            d = np.where((x < eps) | (x > 1 - eps), 0, d)
    return np.asarray(d, dtype=np.result_type(grad_output, x))


logit_backward.meta(lambda grad_output, self, eps=None: unary_meta(self))


# ---- nan_to_num --------------------------------------------------------------------------------
def _finfo(npdt):
    try:
        return np.finfo(npdt)
    except ValueError:  # bfloat16 (ml_dtypes)
        import ml_dtypes
        return ml_dtypes.finfo(npdt)


def _nan_to_num(self, nan=None, posinf=None, neginf=None):
    dt = _dtype._NP_TO_DTYPE[self.dtype]
    if dt._cat < _FLOAT:
        return self.copy()
    if dt._cat == _COMPLEX:  # (the real and imaginary parts separately)
        r = np.empty(self.shape, self.dtype)
        r.real = _nan_to_num(np.ascontiguousarray(self.real), nan, posinf, neginf)
        r.imag = _nan_to_num(np.ascontiguousarray(self.imag), nan, posinf, neginf)
        return r
    info = _finfo(self.dtype)
    t = self.dtype.type

    def value(v, default):
        return default if v is None else fp_silent(t, v)
    r = np.where(np.isnan(self), value(nan, t(0)), self)
    r = np.where(np.isposinf(self), value(posinf, info.max), r)
    return np.asarray(np.where(np.isneginf(self), value(neginf, info.min), r), dtype=self.dtype)


def _nan_to_num_samples(dtype):
    A = S.make_arr
    yield from S.unary_samples(dtype)
    if dtype in S.COMPLEX:
        v = np.array([complex(np.nan, np.inf), complex(1, -np.inf), complex(np.inf, np.nan),
                      1 + 1j], dtype=dtype)
        yield S.SampleInput(S.Arr(v), 1.0, 2.0, -3.0)
    if dtype in S.FLOATS:
        v = np.array([np.nan, np.inf, -np.inf, 1.5, -0.0, 2.0], dtype=dtype)
        yield S.SampleInput(S.Arr(v), 0.5, 100.0, -100.0)
        yield S.SampleInput(S.Arr(v), nan=-1.0, posinf=1e300, neginf=-7)
        yield S.SampleInput(S.Arr(v.reshape(2, 3)), posinf=3.0, neginf=-3.0)
    yield S.SampleInput(A((2, 3), dtype, seed=1), 1.0, 2.0, -2.0)


nan_to_num = _declare(
    "nan_to_num(Tensor self, float? nan=None, float? posinf=None, float? neginf=None) -> Tensor",
    _nan_to_num, lambda self, nan=None, posinf=None, neginf=None: unary_meta(self),
    _nan_to_num_samples,
    out="nan_to_num.out(Tensor self, float? nan=None, float? posinf=None, float? neginf=None, "
        "*, Tensor(a!) out) -> Tensor(a!)",
    inplace="nan_to_num_(Tensor(a!) self, float? nan=None, float? posinf=None, "
            "float? neginf=None) -> Tensor(a!)")
_register(nan_to_num, nan_to_num.out, nan_to_num.inplace)
_expose("nan_to_num", [nan_to_num])
public("nan_to_num_", nan_to_num.inplace)


def _nan_to_num_out_check(self, *args, out, **kwargs):
    if out.dtype is not self.dtype:
        raise RuntimeError(f"nan_to_num: dtype of out: {out.dtype._scalar_name} should be same "
                           f"as input: {self.dtype._scalar_name}")


_out_precheck(nan_to_num.out, _nan_to_num_out_check)
nan_to_num.derivative(self="grad * self.isfinite()", result="auto_element_wise")


# ---- signbit / isposinf / isneginf -------------------------------------------------------------
def _signbit(a):
    if a.dtype.kind in "bu":
        return np.zeros(a.shape, np.bool_)
    return np.signbit(a) if a.dtype.kind == "f" else a < 0


def _is_inf(fn):
    def k(a):
        if a.dtype.kind in "biu":
            return np.zeros(a.shape, np.bool_)
        return fn(a)
    return k


def _special_samples(dtype):
    yield from S.unary_samples(dtype)
    if dtype in S.FLOATS:
        yield S.SampleInput(S.Arr(np.array([np.inf, -np.inf, np.nan, -np.nan, -0.0, 0.0, 1.0],
                                           dtype=dtype)))


def _bool_out_check(name, refuse):
    def check(self, *, out):
        refuse(self.dtype)  # (the input's dtype is checked first)
        if out.dtype is not _dtype.bool:
            raise RuntimeError(f"{name} does not support non-boolean outputs.")
    return check


def _refuse_complex(msg, error=RuntimeError):
    def check(dt):
        if dt._cat == _COMPLEX:
            raise error(msg)
    return check


_REFUSALS = {"signbit": _refuse_complex("signbit is not implemented for complex tensors.",
                                         NotImplementedError),
             "isposinf": _refuse_complex("isposinf does not support complex inputs."),
             "isneginf": _refuse_complex("isneginf does not support complex inputs.")}
signbit = unary_op("signbit", _signbit, out_dtype=_dtype.bool, inplace=False,
                   samples=_special_samples, meta_check=True, check=_REFUSALS["signbit"])
isposinf = unary_op("isposinf", _is_inf(np.isposinf), out_dtype=_dtype.bool, inplace=False,
                    samples=_special_samples, meta_check=True, check=_REFUSALS["isposinf"])
isneginf = unary_op("isneginf", _is_inf(np.isneginf), out_dtype=_dtype.bool, inplace=False,
                    samples=_special_samples, meta_check=True, check=_REFUSALS["isneginf"])
for _n, _f in (("signbit", signbit), ("isposinf", isposinf), ("isneginf", isneginf)):
    _register(_f, _f.out)
    _out_precheck(_f.out, _bool_out_check(_n, _REFUSALS[_n]))
    _f.nondifferentiable()


# ================================================================================================
# nansum / nanmean
# ================================================================================================
def _nansum_plan(self, dim=None, keepdim=False, *, dtype=None):
    if dtype_or_none(self)._cat == _COMPLEX:
        raise RuntimeError("nansum on CPU does not support complex inputs")
    dims = _dims(dim, self.ndim)
    return dims, _reduced_shape(self.shape, dims, keepdim), _sum_dtype(dtype_or_none(self), dtype)


def _nansum(self, dim=None, keepdim=False, *, dtype=None):
    dims, shape, dt = _nansum_plan(self, dim, keepdim, dtype=dtype)
    if dt.is_complex and self.size and self.dtype.kind == "f":  # (an integral one is a sum)
        raise not_implemented("nansum_cpu", dt)
    if self.dtype.kind == "f" and dt._cat < _FLOAT:  # (NaNs count as 0 before the cast)
        self = np.where(np.isnan(self), self.dtype.type(0), self)
    x = _low_precision(_as(self, dt))
    with np.errstate(all="ignore"):
        r = np.nansum(x, axis=dims) if x.dtype.kind == "f" else np.add.reduce(x, axis=dims)
    return _result(np.asarray(r).reshape(shape), dt)


def _nansum_meta(self, dim=None, keepdim=False, *, dtype=None):
    _, shape, dt = _nansum_plan(self, dim, keepdim, dtype=dtype)
    return empty_meta(shape, dt)


def _with_nans(samples):
    def gen(dtype):
        for s in samples(dtype):
            if dtype in S.FLOATS and s.input.value.size > 2:
                v = s.input.value.copy()
                v.reshape(-1)[::3] = np.nan
                s = S.SampleInput(S.Arr(v, s.input.noncontig), *s.args, **s.kwargs)
            yield s
    return gen


def _nansum_samples(dtype):
    yield from _with_nans(_samples_dims)(dtype)
    yield S.SampleInput(S.make_arr((2, 3), dtype), 1, dtype=_dtype.float64)
    yield S.SampleInput(S.Arr(np.full((2, 2), np.nan, dtype=dtype) if dtype in S.FLOATS
                              else np.ones((2, 2), dtype=dtype)), 0)


_NANRED = "int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None"
nansum = defop(f"nansum(Tensor self, {_NANRED}) -> Tensor", tags=("reduction",))
nansum.cpu(_nansum)
nansum.meta(_nansum_meta)
nansum.samples(_nansum_samples)
nansum.out = out_variant(nansum, f"nansum.out(Tensor self, {_NANRED}, Tensor(a!) out) "
                                 "-> Tensor(a!)")


def _nansum_out_front(generic):
    """nansum.out: an integral input sums as ``sum.IntList_out`` (in ``out``'s dtype); a
    float one reduces in ``dtype`` or ``out``'s, which must agree, with a float-only kernel
    (an empty input only zeroes ``out``)."""
    def kernel(ks, self, *args, out, dtype=None, **kwargs):
        dt = out.dtype if dtype is None else dtype
        _nansum_plan(self, *args, dtype=dt, **kwargs)  # (its checks come first)
        if self.dtype._cat < _FLOAT:
            if dt is not out.dtype:
                raise out_dtype_error(dt, out.dtype)
        elif dt is not out.dtype:
            raise RuntimeError(f"nansum: provided dtype must match dtype of result. Got "
                               f"{out.dtype._scalar_name} and {dt._scalar_name}.")
        elif not dt.is_floating_point and self.numel():
            raise not_implemented("nansum_cpu", dt)
        return generic(ks, self, *args, out=out, dtype=dt, **kwargs)
    return kernel


install_cpu_front(nansum.out, _nansum_out_front, leaf=False)
_register(nansum, nansum.out)
public("nansum", nansum, nansum.out)
nansum.derivative(self="nansum_backward(grad.to(self_scalar_type), self, dim, keepdim)",
                  result="where(self_p.isnan(), 0, self_t).sum(dim, keepdim, dtype=dtype)")


def _nanmean_check(self, dtype):
    if not (self.dtype.is_floating_point or self.dtype.is_complex):
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {self.dtype._scalar_name}")
    if dtype is not None and dtype._cat < _FLOAT:
        raise RuntimeError("nanmean(): could not infer output dtype. Optional dtype must be "
                           f"either a floating point or complex dtype. Got: {dtype._scalar_name}")


def _not_nan_count(self, dim, keepdim):
    """``at::native::isnan(self).logical_not_().sum(dim, keepdim)`` (isnan is ``self != self``)."""
    return aten.sum.dim_IntList(aten.logical_not_.default(aten.ne.Tensor(self, self)), dim,
                                keepdim)


nanmean = defop(f"nanmean(Tensor self, {_NANRED}) -> Tensor")
nanmean_out = defop(f"nanmean.out(Tensor self, {_NANRED}, Tensor(a!) out) -> Tensor(a!)")
_register(nanmean, nanmean_out)


@nanmean.composite
def _(self, dim=None, keepdim=False, *, dtype=None):
    _nanmean_check(self, dtype)
    factor = _not_nan_count(self, dim, keepdim)
    return aten.div.Tensor(aten.nansum.default(self, dim, keepdim, dtype=dtype), factor)


@nanmean_out.composite
def _(self, dim=None, keepdim=False, *, dtype=None, out):
    if not (self.dtype.is_floating_point or self.dtype.is_complex):
        raise RuntimeError("nanmean(): integral types and 'Bool' are not supported for nanmean, "
                           "even for empty tensors.")
    factor = _not_nan_count(self, dim, keepdim)
    r = aten.nansum.out(self, dim, keepdim, dtype=dtype, out=out)
    return aten.div_.Tensor(r, factor)


nanmean.samples(_with_nans(_samples_dims))
public("nanmean", nanmean, nanmean_out)
