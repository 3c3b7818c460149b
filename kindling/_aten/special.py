"""The gamma family, modified Bessel functions, the normal distribution and PyTorch's other
special functions (``torch.special``'s aten ops), with in-place/``out=`` forms and derivatives.

``lgamma``, ``digamma``, ``polygamma``, ``mvlgamma``, ``i0`` (functions and methods);
``special_i0e``, ``special_i1``, ``special_i1e``, ``special_ndtri``, ``special_log_ndtr``,
``special_erfcx``, ``special_entr``, ``special_xlog1py`` and ``special_zeta`` (Tensor and Scalar
overloads), ``special_ndtr`` (a decomposition, as PyTorch's); and the ``special_*`` aliases
(``special_psi`` -> ``digamma``...) that ``kindling.special`` calls.  The math is in
``_special_math`` (float64 NumPy); float32 rounds the double result, float16/bfloat16 compute
in float32 where PyTorch accepts them.  ``igamma``/``igammac`` (``special_gammainc``/
``gammaincc``) compute in ``_igamma_math``; the Bessel functions and orthogonal polynomials
are in ``special_extra``.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dispatcher.schema import FunctionSchema
from ..testing import samples as S
from . import _special_math as M
from ._api import method, public
from ._defop import defop
from ._ops_registry import aten
from ._pointwise_util import check_inplace_result, not_implemented, unary_meta
from ._variants import out_precheck, out_variant
from .aliases import _domain_samples, _not_implemented
from .more_pointwise import _float_operands
from .pointwise import _COMPLEX, _reject, _wrap_broadcast, binary_family, unary_op

OPS = {}
_FLOAT = _dtype.FLOAT
_NO_LOW = {"complex", "float16", "bfloat16"}   # (kernels PyTorch has for float/double only)


def _f(fn):
    """A float32/float64 kernel from a float64 function: the result in the input's dtype."""
    def kernel(a):
        return np.asarray(fn(a)).astype(a.dtype, copy=False)
    kernel.__name__ = fn.__name__
    return kernel


def _samples(low, high):
    return _domain_samples(low, high)


def _unary(name, fn, kernel_name, *, refuse=_COMPLEX, low=0.5, high=4.0, expose=True,
           own_low=False):
    f = unary_op(name, fn if own_low else _f(fn), int_to_float=True,
                 check=_reject(refuse, kernel_name), samples=_samples(low, high),
                 expose=expose, inplace=expose, own_low=own_low)
    OPS[name] = f
    return f


# ---- lgamma / digamma / i0 (functions and methods, with in-place forms) -------------------------
lgamma = _unary("lgamma", M.lgamma, "lgamma_vml_cpu")
digamma = _unary("digamma", M.digamma, "digamma")
i0 = _unary("i0", M.i0, "i0_vml_cpu", low=-4.0)
lgamma.derivative(self="grad * self.digamma()", result="auto_element_wise")
digamma.derivative(self="grad * aten.polygamma.default(1, self)", result="auto_element_wise")
i0.derivative(self="grad * aten.special_i1.default(self)", result="auto_element_wise")

# ---- special_i0e / i1 / i1e, ndtri, log_ndtr, erfcx, entr (no methods, no in-place forms) -------
i0e = _unary("special_i0e", M.i0e, "i0e_cpu", low=-4.0, expose=False)
i1 = _unary("special_i1", M.i1, "i1_cpu", low=-4.0, expose=False)
i1e = _unary("special_i1e", M.i1e, "i1e_cpu", low=-4.0, expose=False)
ndtri = _unary("special_ndtri", M.ndtri, "ndtri_cpu", refuse=_NO_LOW, low=0.05, high=0.95,
               expose=False)
log_ndtr = _unary("special_log_ndtr", M.log_ndtr, "log_ndtr_cpu", refuse=_NO_LOW, low=-4.0,
                  expose=False)
erfcx = _unary("special_erfcx", M.erfcx, "erfcx_cpu", refuse=_NO_LOW, low=-2.0, expose=False)
def _entr(a):
    """-x log(x); float16/bfloat16 round log(x) to their dtype first (c10's ``log`` of a Half
    returns a Half), then the product."""
    if a.dtype in _dtype.LOW_PRECISION_NP:
        x = a.astype(np.float32)
        lg = np.log(np.where(x > 0, x, 1)).astype(a.dtype).astype(np.float32)
        r = np.where(x > 0, (-x * lg).astype(a.dtype).astype(np.float32), M.entr(x))
        return r.astype(a.dtype)
    return M.entr(a).astype(a.dtype)


entr = _unary("special_entr", _entr, "entr_cpu", low=0.1, high=3.0, expose=False,
              own_low=True)


def _eps(t):
    if t.dtype not in (_dtype.float32, _dtype.float64):
        raise not_implemented("i1_backward", t.dtype)
    return float(np.finfo(t.dtype._np).eps)


def i1_backward(grad, self, result):
    """(The gradient at 0 is 1/2; elsewhere i0(x) - i1(x) / x.)"""
    eps = _eps(self)
    not_tiny = aten.gt.Scalar(self.abs(), eps)
    safe = aten.where.ScalarOther(not_tiny, self, eps)
    scaled = result * safe.reciprocal()   # (the right operand first, as C++ evaluates)
    gradx = safe.i0() - scaled
    return grad * aten.where.ScalarOther(not_tiny, gradx, 0.5)


def i1e_backward(grad, self, result):
    eps = _eps(self)
    not_tiny = aten.gt.Scalar(self.abs(), eps)
    safe = aten.where.ScalarOther(not_tiny, self, eps)
    recip = safe.reciprocal()   # (right operands first, as C++ evaluates)
    scaled = result * (safe.sgn() + recip)
    gradx = aten.special_i0e.default(safe) - scaled
    return grad * aten.where.ScalarOther(not_tiny, gradx, 0.5)


_SQRT_2PI = 2.5066282746310002  # sqrt(2 pi)
i0e.derivative(self="grad * (aten.special_i1e.default(self) - self.sgn() * result)",
               result="auto_element_wise")
i1.derivative(self=i1_backward, result="auto_element_wise")
i1e.derivative(self=i1e_backward, result="auto_element_wise")
ndtri.derivative(self=f"grad * {_SQRT_2PI!r} * (result.square() / 2).exp()",
                 result="auto_element_wise")
log_ndtr.derivative(self=f"grad / {_SQRT_2PI!r} * (result + self.pow(2) / 2).neg().exp()",
                    result="auto_element_wise")
erfcx.derivative(self="(2.0 * self * result - TWO_OVER_SQRT_PI) * grad",
                 result="auto_element_wise")
entr.derivative(self="grad * (-(1 + self.log()))", result="auto_element_wise")


# ---- special_ndtr: (1 + erf(x / sqrt 2)) / 2, a decomposition as PyTorch's ----------------------
ndtr = defop("special_ndtr(Tensor self) -> Tensor")
ndtr_out = defop("special_ndtr.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)")


@ndtr.composite
def _(self):
    x = aten.mul.Scalar(self, M.SQRT1_2)
    return aten.mul.Scalar(aten.add.Scalar(aten.erf.default(x), 1), 0.5)


@ndtr_out.composite
def _(self, *, out):
    r = aten.special_ndtr.default(self)
    if not _dtype.can_cast(r.dtype, out.dtype):
        raise RuntimeError(f"result type {r.dtype._scalar_name} can't be cast to the desired "
                           f"output type {out.dtype._scalar_name}")
    from ._variants import resize_out
    resize_out(out, r._size)
    return aten.copy_.default(out, r)


ndtr.samples(_samples(-3.0, 3.0))
OPS["special_ndtr"], OPS["special_ndtr.out"] = ndtr, ndtr_out


# ---- polygamma(n, self) ---------------------------------------------------------------------------
def _polygamma_check(n, dt):
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if dt.is_complex:
        raise not_implemented("digamma" if n == 0 else "trigamma" if n == 1 else "polygamma",
                              dt)


def _polygamma(n, self):
    dt = _dtype._NP_TO_DTYPE[self.dtype]
    _polygamma_check(n, dt)
    a = self
    if dt._cat < _FLOAT:
        a = a.astype(_dtype.get_default_dtype()._np)
    r = M.polygamma(n, a)
    return np.asarray(r).astype(a.dtype)


def _polygamma_meta(n, self):
    if n < 0:  # (the complex refusal is the kernel's, after the out= cast check)
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return unary_meta(self, int_to_float=True)


def _polygamma_samples(dtype):
    for n in (0, 1, 2, 3):
        for s in _samples(0.5, 4.0)(dtype):
            yield S.SampleInput(n, s.input)


polygamma = defop("polygamma(int n, Tensor self) -> Tensor", tags=("pointwise",))
polygamma.cpu(_polygamma)
polygamma.meta(_polygamma_meta)
polygamma.samples(_polygamma_samples)
polygamma.out = out_variant(
    polygamma, "polygamma.out(int n, Tensor self, *, Tensor(a!) out) -> Tensor(a!)")
polygamma_ = defop("polygamma_(Tensor(a!) self, int n) -> Tensor(a!)", tags=("pointwise",))


def _inplace_result(self, r):
    rd = _dtype._NP_TO_DTYPE[r.dtype]
    check_inplace_result("aten::polygamma_", self.dtype, rd, self._size, r.shape)


@polygamma_.cpu_ks
def _(ks, self, n):
    r = _polygamma(n, self._np)
    _inplace_result(self, r)
    np.copyto(self._np, r, casting="unsafe")
    return self


@polygamma_.meta
def _(self, n):
    r = _polygamma_meta(n, self)
    check_inplace_result("aten::polygamma_", self.dtype, r.dtype, self._size, r._size)
    return self


public("polygamma", polygamma, polygamma.out, method=False)
public("polygamma_", polygamma_, function=False)


@method("polygamma")
def _polygamma_method(self, n):
    """``Tensor.polygamma(n)``: ``torch.polygamma(n, self)``."""
    return aten.polygamma.default(n, self)


polygamma.derivative(self="grad * aten.polygamma.default(n + 1, self)",
                     result="auto_element_wise")
polygamma_.derivative("PolygammaBackward1", self="grad * aten.polygamma.default(n + 1, self)",
                      result="self_t * aten.polygamma.default(n + 1, original_self_p)")
OPS.update({"polygamma": polygamma, "polygamma.out": polygamma.out,
            "polygamma_": polygamma_})


# ---- mvlgamma(self, p) ------------------------------------------------------------------------------
def _mvlgamma_check(dt, p):
    if dt is _dtype.bool:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if dt.is_complex:
        raise not_implemented("arange_cpu", dt)


def _mvlgamma(self, p):
    """log of the multivariate gamma function: sum_j lgamma(x - j/2) + p(p-1)/4 log(pi)."""
    dt = _dtype._NP_TO_DTYPE[self.dtype]
    _mvlgamma_check(dt, p)
    rdt = (_dtype.get_default_dtype() if dt._cat < _FLOAT else dt)._np
    x = self.astype(rdt)
    # (as PyTorch's: the arguments x - j/2 in the result's dtype, so large |x| rounds to
    # the same poles; float16/bfloat16 round each lgamma, the sum and the result)
    args = [(x + rdt.type(0.5 - 0.5 * j)).astype(np.float64) for j in range(1, p + 1)]
    c = p * (p - 1) * np.log(np.pi) / 4
    if rdt in _dtype.LOW_PRECISION_NP:
        s = sum(M.lgamma(a).astype(rdt).astype(np.float32) for a in args).astype(rdt)
        return (s.astype(np.float32) + rdt.type(c).astype(np.float32)).astype(rdt)
    return np.asarray(sum(M.lgamma(a) for a in args) + c).astype(rdt)


def _mvlgamma_meta(self, p):
    _mvlgamma_check(self.dtype, p)
    return unary_meta(self, int_to_float=True)


def mvlgamma_backward(grad, self, p):
    args = aten.arange.start_step(-p / 2. + 0.5, 0.5, 0.5, dtype=self.dtype,
                                  device=self.device)
    args = args.add(self.unsqueeze(-1))
    return grad * args.digamma_().sum(-1)


def _mvlgamma_samples(dtype):
    for p in (1, 2, 3):
        for s in _samples(p, p + 3.0)(dtype):
            if dtype != "bool":
                yield S.SampleInput(s.input, p)


mvlgamma = defop("mvlgamma(Tensor self, int p) -> Tensor", tags=("pointwise",))
mvlgamma.cpu(_mvlgamma)
mvlgamma.meta(_mvlgamma_meta)
mvlgamma.samples(_mvlgamma_samples)
mvlgamma.out = out_variant(
    mvlgamma, "mvlgamma.out(Tensor self, int p, *, Tensor(a!) out) -> Tensor(a!)")


def _mvlgamma_out_check(self, p, *, out):
    # (PyTorch's mvlgamma_out names the input's dtype as the result's, then the result's)
    _mvlgamma_check(self.dtype, p)
    r = _dtype.get_default_dtype() if self.dtype._cat < _FLOAT else self.dtype
    if not _dtype.can_cast(r, out.dtype):
        raise RuntimeError(f"mvlgamma: result type {self.dtype._scalar_name} can't be cast to "
                           f"the desired output type {r._scalar_name}")


out_precheck(mvlgamma.out, _mvlgamma_out_check)
from ._variants import inplace_variant  # noqa: E402
mvlgamma.inplace = inplace_variant(mvlgamma, "mvlgamma_(Tensor(a!) self, int p) -> Tensor(a!)")
public("mvlgamma", mvlgamma, mvlgamma.out)
public("mvlgamma_", mvlgamma.inplace, function=False)
mvlgamma.derivative(self=mvlgamma_backward, result="auto_element_wise")
OPS.update({"mvlgamma": mvlgamma, "mvlgamma.out": mvlgamma.out,
            "mvlgamma_": mvlgamma.inplace})


# ---- special_xlog1py / special_zeta (Tensor and Scalar overloads) ---------------------------------
def _xlog1py_low(x, y, dt):
    """float16/bfloat16: log1p(y) rounded to the dtype before the product (as PyTorch's)."""
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    lg = np.log1p(y32).astype(dt).astype(np.float32)
    r = np.where(x32 == 0, 0, (x32 * lg).astype(dt).astype(np.float32))
    return np.where(np.isnan(y32), np.nan, r).astype(dt)


def _binary_kernel(fn, kernel_name, refuse, low_fn=None):
    def kernel(self, other):
        a, b, dt = _float_operands(self, other, int_to_float=True)
        if dt._name in refuse or dt.is_complex:
            raise not_implemented(kernel_name, dt)
        a, b = np.asarray(a), np.asarray(b)
        if dt in (_dtype.float16, _dtype.bfloat16):
            return low_fn(a, b, dt._np)
        return np.asarray(fn(a, b)).astype(dt._np)
    kernel.__name__ = kernel_name
    return _wrap_broadcast(kernel)


def _binary_samples(low, high):
    def samples(dtype):
        r = dict(low=low, high=high) if dtype in S.FLOATS else {}
        A = S.make_arr
        yield S.SampleInput(A((2, 3), dtype, seed=1, low=1.5, high=4) if dtype in S.FLOATS
                            else A((2, 3), dtype), A((2, 3), dtype, seed=2, **r))
        yield S.SampleInput(A((3,), dtype, seed=3, low=1.5, high=4) if dtype in S.FLOATS
                            else A((3,), dtype), A((2, 1), dtype, seed=4, **r))
        yield S.SampleInput(A((), dtype, seed=5, low=1.5, high=4) if dtype in S.FLOATS
                            else A((), dtype), A((4,), dtype, seed=6, **r))
        yield S.SampleInput(A((0, 2), dtype), A((2,), dtype, seed=7, **r))
    return samples


def _scalar_other_samples(value):
    def samples(dtype):
        r = dict(low=1.5, high=4) if dtype in S.FLOATS else {}
        yield S.SampleInput(S.make_arr((2, 3), dtype, **r), value)
        yield S.SampleInput(S.make_arr((), dtype, seed=1, **r), 2)
    return samples


def _scalar_self_samples(value, low, high):
    def samples(dtype):
        r = dict(low=low, high=high) if dtype in S.FLOATS else {}
        yield S.SampleInput(value, S.make_arr((2, 3), dtype, **r))
        yield S.SampleInput(2, S.make_arr((4,), dtype, seed=1, **r))
    return samples


_BIN_OUTS = ("out", "other_scalar_out", "self_scalar_out")
_xl = binary_family("special_xlog1py",
                    _binary_kernel(M.xlog1py, "xlog1py_cpu", (), _xlog1py_low),
                    tensor=None, scalar="other_scalar", scalar_tensor="self_scalar",
                    out_names=_BIN_OUTS,
                    int_to_float=True, inplace=False, samples=_binary_samples(-0.5, 3.0),
                    scalar_samples=_scalar_other_samples(0.5))
xlog1py, xlog1py_os, xlog1py_ss = _xl["tensor"], _xl["scalar"], _xl["scalar_tensor"]
xlog1py_ss.samples(_scalar_self_samples(1.5, -0.5, 3.0))
xlog1py.derivative(
    self="aten.special_xlog1py.default(grad, other).masked_fill((self == 0.) & (other <= -1.), 0.)",
    other="grad * self / (other + 1)",
    result="aten.special_xlog1py.default(self_t, other_p).masked_fill((self_p == 0.) & "
           "(other_p <= -1.), 0.) + other_t * self_p / (other_p + 1)")
xlog1py_ss.derivative("SpecialXlog1PyBackward1", other="grad * self / (other + 1)",
                      result="auto_element_wise")
xlog1py_os.derivative(
    "SpecialXlog1PyBackward2",
    self="aten.special_xlog1py.other_scalar(grad, other) if float(other) > -1. else "
         "aten.special_xlog1py.other_scalar(grad, other).masked_fill(self == 0., 0.)",
    result="auto_element_wise")

_zt = binary_family("special_zeta", _binary_kernel(M.zeta, "zeta_cpu", _NO_LOW),
                    tensor=None, scalar="other_scalar", scalar_tensor="self_scalar",
                    out_names=_BIN_OUTS,
                    int_to_float=True, inplace=False, samples=_binary_samples(0.5, 3.0),
                    scalar_samples=_scalar_other_samples(1.5))
zeta, zeta_os, zeta_ss = _zt["tensor"], _zt["scalar"], _zt["scalar_tensor"]
zeta_ss.samples(_scalar_self_samples(2.5, 0.5, 3.0))
_zeta_self = _not_implemented("zeta")
zeta.derivative(self=_zeta_self,
                other="grad * -self * aten.special_zeta.default(self + 1., other)")
zeta_ss.derivative("SpecialZetaBackward1",
                   other="grad * -self * aten.special_zeta.self_scalar(float(self) + 1., other)")
zeta_os.derivative("SpecialZetaBackward2", self=_zeta_self)
for _fam in (_xl, _zt):
    for _f_ in _fam.values():
        OPS[str(_f_.op)[len("aten."):]] = _f_
        OPS[str(_f_.out.op)[len("aten."):]] = _f_.out


# ---- igamma / igammac: the regularized incomplete gamma functions P(a, x) and Q(a, x) --------------
def _igamma_kernel(name):
    """float32/float64 in their own precision, float16/bfloat16 through float32 (PyTorch's
    ``calc_igamma<Half>``); the math (``_igamma_math``) is imported at the first call."""
    def kernel(self, other):
        a, b, dt = _float_operands(self, other, int_to_float=False)
        if dt._cat < _FLOAT or dt.is_complex:
            raise not_implemented(f"{name}_cpu", dt)
        from . import _igamma_math
        fn = getattr(_igamma_math, name)
        a, b = np.asarray(a), np.asarray(b)
        if dt in (_dtype.float16, _dtype.bfloat16):
            return fn(a.astype(np.float32), b.astype(np.float32)).astype(dt._np)
        return fn(a, b)
    kernel.__name__ = name
    return _wrap_broadcast(kernel)


for _name, _sign in (("igamma", ""), ("igammac", "-")):
    _fam = binary_family(_name, _igamma_kernel(_name), tensor=None,
                         inplace_names=(None, None), samples=_binary_samples(0.1, 6.0))
    _op = _fam["tensor"]
    public(_name, _op, _op.out)
    public(_name + "_", _op.inplace, function=False)
    _op.derivative(self=_not_implemented(f"{_name}: input"),
                   other=f"{_sign}grad * ((self - 1) * other.log() - other - self.lgamma()).exp()")
    OPS.update({_name: _op, _name + ".out": _op.out, _name + "_": _op.inplace})
igamma, igammac = OPS["igamma"], OPS["igammac"]


# ---- the special_* aliases (torch.special's functions call them) ---------------------------------
def _alias(name, target):
    """``aten::<name>``: ``target``'s arguments, decomposed into ``target`` (a dispatch mode
    sees ``target``, as with PyTorch's CompositeImplicitAutograd aliases)."""
    op, _, overload = name.partition(".")
    ts = target._schema
    d = defop(FunctionSchema("aten::" + op, overload, ts.arguments, ts.returns))

    def decomposition(*args, **kwargs):
        return target(*args, **kwargs)
    decomposition.__name__ = name.split(".")[0]
    d.composite(decomposition)
    source = OPS.get(str(target)[len("aten."):])
    if source is not None and source.sample_fn is not None:
        d.samples(source.sample_fn)
    OPS[str(d.op)[len("aten."):]] = d
    return d


for _name, _target in (("special_psi", "digamma"), ("special_digamma", "digamma"),
                       ("special_gammaln", "lgamma"), ("special_i0", "i0"),
                       ("special_erf", "erf"), ("special_erfc", "erfc"),
                       ("special_erfinv", "erfinv"), ("special_expit", "sigmoid"),
                       ("special_logit", "logit"), ("special_exp2", "exp2"),
                       ("special_expm1", "expm1"), ("special_log1p", "log1p"),
                       ("special_sinc", "sinc"), ("special_polygamma", "polygamma"),
                       ("special_logsumexp", "logsumexp"), ("special_multigammaln", "mvlgamma"),
                       ("special_gammainc", "igamma"), ("special_gammaincc", "igammac")):
    _p = getattr(aten, _target)
    _alias(_name, _p.default)
    _alias(_name + ".out", _p.out)
_round = defop("special_round(Tensor self, *, int decimals=0) -> Tensor")
_round.composite(lambda self, *, decimals=0: aten.round.decimals(self, decimals=decimals))
_round_out = defop("special_round.out(Tensor self, *, int decimals=0, Tensor(a!) out) "
                   "-> Tensor(a!)")
_round_out.composite(lambda self, *, decimals=0, out: aten.round.decimals_out(
    self, decimals=decimals, out=out))
OPS["special_round"], OPS["special_round.out"] = _round, _round_out
_alias("special_softmax", aten.softmax.int)
for _ovl, _target in (("", "Tensor"), (".other_scalar", "Scalar_Other"),
                      (".self_scalar", "Scalar_Self"), (".out", "OutTensor"),
                      (".other_scalar_out", "OutScalar_Other"),
                      (".self_scalar_out", "OutScalar_Self")):
    _alias("special_xlogy" + _ovl, getattr(aten.xlogy, _target))
_lsm = defop("special_log_softmax(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor")
_lsm.composite(lambda self, dim, *, dtype=None: aten.log_softmax.int(self, dim, dtype))
OPS["special_log_softmax"] = _lsm
