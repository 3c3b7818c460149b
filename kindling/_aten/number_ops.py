"""Number-theoretic, bit and floating-point-part ops, and counting: ``gcd``/``lcm``,
``bitwise_left_shift``/``bitwise_right_shift`` (and the ``<<``/``>>`` operators), ``frexp``,
``ldexp``, ``polar``, ``bincount`` and ``histc``.

Shifts follow PyTorch's CPU kernels: a shift by a negative amount or by the width of the type
or more gives 0 (left) or the sign fill (right).  ``ldexp`` is PyTorch's CompositeExplicit
``self * 2 ** other``; ``frexp`` gives a float mantissa in [0.5, 1) and an int32 exponent.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ..testing import samples as S
from ._api import public
from ._copy_out import copy_out_variant
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._pointwise_util import not_implemented, promote
from ._tensor_iterator import check_mem_overlaps
from ._util import broadcast_shapes, dtype_of, warn_user
from ._variants import cpp_name, resize_out
from ._variants import out_precheck as _out_precheck
from .pointwise import (GENERATED, _declare, _expose, _int_scalars, _scalar_samples,
                        _scalar_tensor_samples, _tensors_only, _wrap_broadcast, binary_family)
from .reductions import return_types, _structseq

OPS = {}


def _register(*fs):
    for f in fs:
        if f is not None:
            OPS[str(f.op)[len("aten."):]] = f


def _integer_kernel(fn, kernel_name, *, bool_ok=False):
    def kernel(self, other):
        (a, b), dt = promote(self, other)
        if dt._cat > _dtype.INT or (dt is _dtype.bool and not bool_ok):
            raise not_implemented(kernel_name, dt)
        return np.asarray(fn(a, b, dt))
    kernel.__name__ = kernel_name
    return _wrap_broadcast(kernel)


# ---- gcd / lcm ----------------------------------------------------------------------------------
def _gcd(a, b, dt):
    return np.gcd(a, b).astype(dt._np)


def _lcm(a, b, dt):
    with np.errstate(all="ignore"):
        return np.lcm(a, b).astype(dt._np)


gcd = binary_family("gcd", _integer_kernel(_gcd, "gcd_cpu"), tensor=None,
                    inplace_names=(None, None), samples=_tensors_only, inplace_tags=())["tensor"]
lcm = binary_family("lcm", _integer_kernel(_lcm, "lcm_cpu"), tensor=None,
                    inplace_names=(None, None), samples=_tensors_only, inplace_tags=())["tensor"]
_register(gcd, gcd.out, gcd.inplace, lcm, lcm.out, lcm.inplace)
_expose("gcd", [gcd])
_expose("lcm", [lcm])
public("gcd_", gcd.inplace, method=False)
public("lcm_", lcm.inplace, method=False)


# ---- shifts -------------------------------------------------------------------------------------
def _shift(left):
    def fn(a, b, dt):
        npd = dt._np
        if dt is _dtype.bool:
            a, b = a.astype(np.uint8), b.astype(np.uint8)
        bits = np.dtype(a.dtype).itemsize * 8
        a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
        out_of_range = (b < 0) | (b >= bits)
        safe = np.where(out_of_range, 0, b).astype(a.dtype)
        if left:
            r = np.where(out_of_range, 0, np.left_shift(a, safe))
        else:
            fill = np.right_shift(a, bits - 1) if np.issubdtype(a.dtype, np.signedinteger) \
                else np.zeros_like(a)
            r = np.where(out_of_range, fill, np.right_shift(a, safe))
        return r.astype(npd)
    return fn


def _shift_family(name, kernel_name, left):
    k = _integer_kernel(_shift(left), kernel_name)
    fam = binary_family(name, k, scalar="Tensor_Scalar", scalar_tensor="Scalar_Tensor",
                        out_names=("Tensor_out", "Tensor_Scalar_out", "Scalar_Tensor_out"),
                        inplace_names=("Tensor", "Tensor_Scalar"), samples=_shift_samples,
                        scalar_samples=_int_scalars(_shift_scalar_samples))
    t, s, st = fam["tensor"], fam["scalar"], fam["scalar_tensor"]
    _register(t, t.out, t.inplace, s, s.out, s.inplace, st, st.out)
    _expose(name, [t, s, st], inplace_order=[t.inplace, s.inplace])
    # the operator forms PyTorch keeps as ops of their own
    dn = f"__{'l' if left else 'r'}shift__"
    inplace_tags = None if left else ()  # (__irshift__'s yaml entries list no tags)
    dt_ = _declare(f"{dn}.Tensor(Tensor self, Tensor other) -> Tensor", k, _raw_meta(t), None,
                   out=f"{dn}.Tensor_out(Tensor self, Tensor other, *, Tensor(a!) out) -> "
                       "Tensor(a!)",
                   inplace=f"__i{dn[2:]}.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)",
                   out_tags=GENERATED, inplace_tags=inplace_tags)
    ds_ = _declare(f"{dn}.Scalar(Tensor self, Scalar other) -> Tensor", k, _raw_meta(t), None,
                   out=f"{dn}.Scalar_out(Tensor self, Scalar other, *, Tensor(a!) out) -> "
                       "Tensor(a!)",
                   inplace=f"__i{dn[2:]}.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)",
                   out_tags=GENERATED, inplace_tags=inplace_tags)
    _register(dt_, dt_.out, dt_.inplace, ds_, ds_.out, ds_.inplace)
    return fam, dt_, ds_


def _raw_meta(opdef):
    from .._dispatcher.keys import K
    return opdef.entry._top(K.Meta).raw


def _shift_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((2, 3), dtype), A((2, 3), dtype, low=0, high=9, seed=1))
    yield S.SampleInput(A((3,), dtype, seed=2), A((2, 1), dtype, low=-2, high=70, seed=3))
    yield S.SampleInput(A((), dtype, seed=4), A((4,), dtype, low=0, high=3, seed=5))


def _shift_scalar_samples(dtype):
    yield S.SampleInput(S.make_arr((2, 3), dtype), 3)
    yield S.SampleInput(S.make_arr((4,), dtype, noncontig=True), 1)
    yield S.SampleInput(S.make_arr((), dtype), 70)


_lshift, _lshift_t, _lshift_s = _shift_family("bitwise_left_shift", "lshift_cpu", True)
_rshift, _rshift_t, _rshift_s = _shift_family("bitwise_right_shift", "rshift_cpu", False)
_lshift_t.samples(_shift_samples)
_rshift_t.samples(_shift_samples)
_lshift_s.samples(_int_scalars(_shift_scalar_samples))
_rshift_s.samples(_int_scalars(_shift_scalar_samples))


def _install_operators():
    from . import operators as O
    table = {}
    for d, t, s, fam in (("l", _lshift_t, _lshift_s, _lshift), ("r", _rshift_t, _rshift_s,
                                                                  _rshift)):
        table[f"__{d}shift__"] = O._split(t.op, s.op, f"__{d}shift__")
        table[f"__i{d}shift__"] = O._split(t.inplace.op, s.inplace.op, f"__i{d}shift__")
        table[f"__r{d}shift__"] = O._reflected(fam["scalar_tensor"].op, f"__r{d}shift__")
    O._TABLE.update(table)
    O.install(table)


_install_operators()


# ---- frexp --------------------------------------------------------------------------------------
return_types.frexp = _structseq("frexp", ("mantissa", "exponent"))
return_types.frexp_out = _structseq("frexp_out", ("mantissa", "exponent"))


def _frexp_check(dt):
    if not (dt.is_floating_point):
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")


frexp = defop("frexp.Tensor(Tensor self) -> (Tensor mantissa, Tensor exponent)",
              tags=("pointwise",))
OPS["frexp.Tensor"] = frexp


@frexp.cpu
def _(self):
    dt = dtype_of(self)
    _frexp_check(dt)
    src = self.astype(np.float32) if dt in (_dtype.float16, _dtype.bfloat16) else self
    m, e = np.frexp(src)
    return np.asarray(m).astype(dt._np), np.asarray(e).astype(np.int32)


@frexp.meta
def _(self):
    _frexp_check(self.dtype)
    return empty_meta(self._size, self.dtype), empty_meta(self._size, _dtype.int32)


frexp.derivative(self="grad / exponent.exp2()", result="self_t / exponent.exp2()")
frexp.out = defop("frexp.Tensor_out(Tensor self, *, Tensor(a!) mantissa, Tensor(b!) exponent) "
                  "-> (Tensor(a!) mantissa, Tensor(b!) exponent)", tags=("pointwise",))
OPS["frexp.Tensor_out"] = frexp.out


@frexp.out.explicit
def _(self, *, mantissa, exponent):
    _frexp_check(self.dtype)
    if mantissa.dtype is not self.dtype:
        raise RuntimeError(f"torch.frexp() expects mantissa to have dtype {cpp_name(self.dtype)}"
                           f" but got {cpp_name(mantissa.dtype)}")
    if exponent.dtype is not _dtype.int32:
        raise RuntimeError(f"torch.frexp() expects exponent to have int dtype but got "
                           f"{cpp_name(exponent.dtype)}")
    m, e = frexp.op(self)
    resize_out(mantissa, m._size)
    resize_out(exponent, e._size)
    aten.copy_.default(mantissa, m)
    aten.copy_.default(exponent, e)
    return mantissa, exponent


public("frexp", frexp)


def _frexp_api(name, target):
    def api(*args, out=None, **kwargs):
        if out is None:
            return return_types.frexp(target(*args, **kwargs))
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError(f"frexp(): argument 'out' must be tuple of Tensors, not "
                            f"{type(out).__name__}")
        return return_types.frexp_out(frexp.out.op(*args, **kwargs, mantissa=out[0],
                                                   exponent=out[1]))
    api.__name__ = api.__qualname__ = name
    api.__doc__ = "Mantissa and exponent of each element: ``self == mantissa * 2 ** exponent``."
    return api


def _install_frexp():
    from ._api import METHODS, PUBLIC
    from .._tensor import Tensor
    PUBLIC["frexp"] = _frexp_api("frexp", PUBLIC["frexp"])
    PUBLIC["frexp"].__module__ = "kindling"
    m = _frexp_api("frexp", METHODS["frexp"])
    METHODS["frexp"] = m
    Tensor.frexp = m


_install_frexp()
frexp.samples(lambda dt: iter([S.SampleInput(S.make_arr((2, 3), dt)),
                               S.SampleInput(S.make_arr((4,), dt, seed=1, noncontig=True)),
                               S.SampleInput(S.make_arr((), dt, seed=2))]))


# ---- ldexp --------------------------------------------------------------------------------------
def _ldexp_plan(self, other):
    """(result dtype, shape, whether PyTorch's integer-exponent kernel runs): with a float or
    complex ``self`` and an integer ``other`` the result has ``self``'s dtype; otherwise it is
    ``self * pow(2.0, other)``'s."""
    a, b = dtype_of(self), dtype_of(other)
    shape = broadcast_shapes(tuple(self.shape), tuple(other.shape))
    if (a.is_floating_point or a.is_complex) and b._cat == _dtype.INT and b is not _dtype.bool:
        return a, shape, True
    pb = b if (b.is_floating_point or b.is_complex) else _dtype.get_default_dtype()
    dims = [d for x, d in ((self, a), (other, pb)) if len(x.shape)]
    zeros = [d for x, d in ((self, a), (other, pb)) if not len(x.shape)]
    return _dtype.result_type_from(dims, zeros, []), shape, False


def _ldexp_np(self, other):
    dt, shape, int_path = _ldexp_plan(self, other)
    if int_path and tuple(self.shape) != shape and self.size:
        warn_user(f"An output with one or more elements was resized since it had shape "
                  f"[{', '.join(map(str, self.shape))}], which does not match the required output "
                  f"shape [{', '.join(map(str, shape))}]. This behavior is deprecated, and in a "
                  "future PyTorch release outputs will not be resized unless they have zero "
                  "elements. You can explicitly reuse an out tensor t by resizing it, inplace, "
                  "to zero elements with t.resize_(0).")
    npd = dt._np
    work = np.float32 if dt in (_dtype.float16, _dtype.bfloat16) else npd
    with np.errstate(all="ignore"):
        e = np.asarray(other)
        e = e.astype(np.complex128 if e.dtype.kind == "c" else np.float64)
        r = np.asarray(self).astype(work) * np.power(2.0, e).astype(work)
    return np.asarray(r).astype(npd)


def _ldexp_meta(self, other):
    dt, shape, _ = _ldexp_plan(self, other)
    return empty_meta(shape, dt)


ldexp = _declare("ldexp.Tensor(Tensor self, Tensor other) -> Tensor", _wrap_broadcast(_ldexp_np),
                 _ldexp_meta, None,
                 out="ldexp.out(Tensor self, Tensor other, *, Tensor(a!) out) -> Tensor(a!)",
                 inplace="ldexp_(Tensor(a!) self, Tensor other) -> Tensor(a!)")
ldexp.derivative(self="grad * aten.pow.Scalar(2, other).conj()",
                 other="grad * result.conj() * LN2",
                 result="self_t * aten.pow.Scalar(2, other_p) + other_t * result * LN2")


def _ldexp_inplace_check(self, other, out=None):
    """ldexp_ and ldexp.out refuse an integral result tensor first (before broadcasting), in
    their own words; other refused casts are TensorIterator's, after it."""
    target = self if out is None else out
    if target.dtype._cat < _dtype.FLOAT:
        raise RuntimeError(f"ldexp can't be cast to the desired output type "
                           f"{target.dtype._scalar_name}")


# PyTorch's ldexp is ``mul(self, pow(2, other))``: its TensorIterator never meets ``other``,
# so only ``self`` is checked against the output (ldexp_'s self is the output itself)
ldexp.inplace.check_overlaps = lambda out, inputs: check_mem_overlaps(out, ())
ldexp.out.check_overlaps = lambda out, inputs: check_mem_overlaps(out, list(inputs)[:1])
_out_precheck(ldexp.inplace, _ldexp_inplace_check)
_out_precheck(ldexp.out, _ldexp_inplace_check)
_register(ldexp, ldexp.out, ldexp.inplace)
public("ldexp", ldexp, ldexp.out)
public("ldexp_", ldexp.inplace)


def _ldexp_samples(dtype):
    A = S.make_arr
    # (non-negative integer exponents: PyTorch's derivative takes ``pow(2, other)`` in the
    # exponent's integer dtype, so a negative one gives a zero gradient - as here)
    yield S.SampleInput(A((2, 3), dtype), A((2, 3), "int64", low=0, high=4, seed=1))
    if dtype != "bool":
        yield S.SampleInput(A((3,), dtype, seed=2), A((2, 1), dtype, low=-2, high=3, seed=3))
    yield S.SampleInput(A((), dtype, seed=4), A((4,), "int32", low=0, high=3, seed=5))


ldexp.samples(_ldexp_samples)


# ---- polar --------------------------------------------------------------------------------------
def _polar_dtype(abs, angle):  # noqa: A002 (PyTorch's argument name)
    """``complex()``'s dtype rule (both the same float dtype)."""
    from types import SimpleNamespace
    from .views import _complex_dtype
    return _complex_dtype(SimpleNamespace(dtype=dtype_of(abs)),
                          SimpleNamespace(dtype=dtype_of(angle)))


polar = defop("polar(Tensor abs, Tensor angle) -> Tensor")
polar.iterator = True   # (a TensorIterator op, though not tagged pointwise)
OPS["polar"] = polar


@polar.cpu
def _(abs, angle):  # noqa: A002
    dt = _polar_dtype(abs, angle)
    try:
        # (cos and sin rounded to the dtype, then the products in it)
        c = np.cos(angle.astype(np.float64)).astype(abs.dtype)
        s = np.sin(angle.astype(np.float64)).astype(abs.dtype)
        r = np.empty(np.broadcast_shapes(abs.shape, angle.shape), dt._np)
        r.real = abs * c
        r.imag = abs * s
    except ValueError:
        raise RuntimeError(str(_broadcast(abs, angle))) from None
    return np.asarray(r, dt._np)


def _broadcast(a, b):
    try:
        broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except RuntimeError as e:
        return e
    return None


@polar.meta
def _(abs, angle):  # noqa: A002
    dt = _polar_dtype(abs, angle)
    return empty_meta(broadcast_shapes(tuple(abs._size), tuple(angle._size)), dt)


def polar_backward(grad, result):
    """PyTorch's ``polar_backward``: (d abs, d angle) from the result's phase."""
    gc = aten._conj.default(grad)
    g_abs = aten.real.default(gc * aten.sgn.default(result))
    g_angle = aten.real.default(gc * aten.mul.Scalar(result, 1j))
    return g_abs, g_angle


polar.derivative(**{"abs, angle": lambda grad, result: polar_backward(grad, result)},
                 result="aten.complex.default(abs_t * angle_p.cos() - angle_t * abs_p * "
                        "angle_p.sin(), abs_t * angle_p.sin() + angle_t * abs_p * angle_p.cos())")
polar.out = defop("polar.out(Tensor abs, Tensor angle, *, Tensor(a!) out) -> Tensor(a!)")


@polar.out.explicit
def _(abs, angle, *, out):  # noqa: A002
    r = polar.op(abs, angle)
    if out.dtype is not r.dtype:
        raise RuntimeError(f"Expected object of scalar type {r.dtype._scalar_name} but got "
                           f"scalar type {out.dtype._scalar_name} for argument 'out'")
    resize_out(out, r._size)
    return aten.copy_.default(out, r)


OPS["polar.out"] = polar.out
public("polar", polar, polar.out, method=False)


def _polar_samples(dtype):
    if dtype not in ("float32", "float64"):
        return
    A = S.make_arr
    yield S.SampleInput(A((2, 3), dtype, low=0.1), A((2, 3), dtype, seed=1))
    yield S.SampleInput(A((3,), dtype, seed=2, low=0.1), A((2, 1), dtype, seed=3))
    yield S.SampleInput(A((), dtype, seed=4, low=0.1), A((4,), dtype, seed=5, noncontig=True))


polar.samples(_polar_samples)


# ---- bincount -----------------------------------------------------------------------------------
def _bincount_check(self, weights, minlength):
    dt = dtype_of(self)
    if dt._cat != _dtype.INT or dt is _dtype.bool:
        raise not_implemented("bincount_cpu", dt)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if len(self.shape) == 1 and self.shape[0] == 0:
        return
    if len(self.shape) != 1 or (np.asarray(self) < 0).any():
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (len(weights.shape) != 1 or weights.shape[0] != self.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")


bincount = defop("bincount(Tensor self, Tensor? weights=None, SymInt minlength=0) -> Tensor",
                 tags=("dynamic_output_shape",))
OPS["bincount"] = bincount


@bincount.cpu
def _(self, weights=None, minlength=0):
    _bincount_check(self, weights, minlength)
    if self.size == 0:
        dt = np.int64 if weights is None else (
            np.float32 if weights.dtype == np.float32 else np.float64)
        return np.zeros(minlength, dt)
    if weights is None:
        return np.bincount(self, minlength=minlength).astype(np.int64)
    # (float weights keep their float; any other weights count in double, as PyTorch's kernel)
    out_dt = np.float32 if weights.dtype == np.float32 else np.float64
    return np.bincount(self, weights.astype(np.float64), minlength).astype(out_dt)


bincount.out = copy_out_variant(bincount, "bincount.out(Tensor self, Tensor? weights=None, "
                                          "SymInt minlength=0, *, Tensor(a!) out) -> Tensor(a!)")


public("bincount", bincount)  # (the out= overload: torch.ops only, as in PyTorch)


def _bincount_samples(dtype):
    if dtype not in ("int64", "int32", "int16", "int8", "uint8"):
        return
    A = S.make_arr
    yield S.SampleInput(A((6,), dtype, low=0, high=5))
    yield S.SampleInput(A((5,), dtype, low=0, high=4, seed=1), A((5,), "float64", seed=2))
    yield S.SampleInput(A((4,), dtype, low=0, high=3, seed=3), A((4,), "float32", seed=4), 6)
    yield S.SampleInput(A((0,), dtype), minlength=2)


bincount.samples(_bincount_samples)


# ---- histc --------------------------------------------------------------------------------------
def _histc_range(self, bins, min, max):  # noqa: A002
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    dt = dtype_of(self)
    if dt._cat != _dtype.FLOAT:
        raise not_implemented("histogram_cpu", dt)
    lo, hi = float(min), float(max)
    if lo == hi and self.size > 0:
        a = np.asarray(self)
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo -= 1
        hi += 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_cnum(lo)}, {_cnum(hi)}] is not finite")
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    return lo, hi


def _cnum(v):
    if np.isnan(v):
        return "-nan" if np.signbit(v) else "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:g}"


histc = defop("histc(Tensor self, int bins=100, Scalar min=0, Scalar max=0) -> Tensor")
OPS["histc"] = histc


@histc.cpu
def _(self, bins=100, min=0, max=0):  # noqa: A002
    lo, hi = _histc_range(self, bins, min, max)
    a = np.asarray(self).reshape(-1)
    dt = a.dtype
    a = a.astype(np.float64)
    a = a[(a >= lo) & (a <= hi)]
    # PyTorch's bin of x: (x - lo) * bins / (hi - lo), the top edge in the last bin
    pos = ((a - lo) * bins / (hi - lo)).astype(np.int64)
    pos[pos == bins] = bins - 1
    return np.bincount(pos, minlength=bins).astype(dt)


@histc.meta
def _(self, bins=100, min=0, max=0):  # noqa: A002
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if self.dtype._cat != _dtype.FLOAT:
        raise not_implemented("histogram_cpu", self.dtype)
    return empty_meta((bins,), self.dtype)


histc.nondifferentiable()
histc.out = defop("histc.out(Tensor self, int bins=100, Scalar min=0, Scalar max=0, *, "
                  "Tensor(a!) out) -> Tensor(a!)")


@histc.out.explicit
def _(self, bins=100, min=0, max=0, *, out):  # noqa: A002
    if out.dtype is not self.dtype:
        raise RuntimeError(f"torch.histogram: input tensor and hist tensor should have the same "
                           f"dtype, but got input {cpp_name(self.dtype)} and hist "
                           f"{cpp_name(out.dtype)}")
    r = histc.op(self, bins, min, max)
    resize_out(out, r._size)
    return aten.copy_.default(out, r)


OPS["histc.out"] = histc.out
public("histc", histc, histc.out)


def _histc_samples(dtype):
    if dtype not in ("float32", "float64"):
        return
    A = S.make_arr
    yield S.SampleInput(A((10,), dtype))
    yield S.SampleInput(A((3, 4), dtype, seed=1), 5, -2, 2)
    yield S.SampleInput(A((6,), dtype, seed=2, noncontig=True), 3, 1, 1)
    yield S.SampleInput(A((0,), dtype), 4)


histc.samples(_histc_samples)
