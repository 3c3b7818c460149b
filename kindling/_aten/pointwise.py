"""Pointwise ops: unary and binary math, comparisons, logical ops, ``where``, ``clamp``.

Each family is one row of a table: the aten name, the NumPy function and its promotion flavour.
``binary_op``/``unary_op`` declare the functional overload, its in-place and ``out=`` forms,
meta functions, sample inputs, and the public function/method.  Kernels receive ndarrays and
Python scalars; promotion is PyTorch's (dimensioned tensors > 0-d tensors > Python scalars).
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np

from .. import _dtype
from ._api import method, public
from ._defop import defop
from ._pointwise_util import lane_operands, scalar_bound, unit_scale
from ._pointwise_util import (
    binary_kernel, check_int_divisor, check_scalar_fits, dtype_or_none, float_compute,
    is_bool_operand, not_implemented, pointwise_meta, promote, unary_meta)
from ._util import as_dtype, broadcast_error, dtype_of, np_scalar, result_type, warn_user
from ._variants import cpp_name, inplace_variant, out_variant, resize_out  # noqa: F401
from .._dispatcher.keys import K
from .._dispatcher.operator import KernelEntry, caller_site
from ._defop import InlineFront, install_cpu_front, install_inline_front, unwrap
from ._ops_registry import aten
from ._tensor_iterator import (binary_result, check_mem_overlaps, has_internal_overlap,
                               may_share, unary_result)
from ._pointwise_util import (
    check_inplace_result, fp_silent, meta_view, no_complex_check, same_float_arrays,
)
from ..testing import samples as S
from .._tensor import Tensor, from_array

OPS = {}
_INT = _dtype.INT
_FLOAT = _dtype.FLOAT


def _shape(x):
    return getattr(x, "shape", ())


# The tags native_functions.yaml gives a pointwise op: most are ``pointwise``, those in the Core
# ATen opset also ``core``; an out= form PyTorch generates is ``generated`` only.  In-place and
# out= forms take their functional's tags but ``core``; where the yaml lists others for a form
# (``abs_`` has none), its declaration says so.
PW, CORE_PW, GENERATED = ("pointwise",), ("core", "pointwise"), ("generated",)


def _declare(schema, kernel, meta, samples, *, out=None, inplace=(), check_cast=True,
             cpp_names=False, tags=PW, out_tags=None, inplace_tags=None, out_error=None):
    """Declare a functional overload with its ``out=`` and in-place forms (``tags``,
    ``out_tags``, ``inplace_tags``: their declared tags; the forms' default to
    ``variant_tags`` of the functional; ``check_cast``, ``out_error``: the ``out=`` form's
    dtype check and its exception, as ``out_variant``'s ``check_cast`` and ``cast_error``)."""
    f = defop(schema, tags=tags)
    f.cpu(kernel)
    f.meta(meta)
    if samples is not None:
        f.samples(samples)
    f.out = out_variant(f, out, check_cast=check_cast, tags=out_tags,
                        **({"cast_error": out_error} if out_error else {})) if out else None
    f.inplace = inplace_variant(f, inplace, cpp_names, tags=inplace_tags) if inplace else None
    OPS[str(f.op)[len("aten."):]] = f
    return f


def _expose(name, funcs, *, function=True, methods=True, inplace_order=None):
    """``kindling.<name>`` / ``Tensor.<name>`` over the functional and out overloads, and
    ``Tensor.<name>_`` over the in-place ones (in ``inplace_order`` when given)."""
    outs = [f.out for f in funcs if f.out is not None]
    public(name, *funcs, *outs, function=function, method=methods)
    ins = inplace_order if inplace_order is not None else [f.inplace for f in funcs
                                                           if f.inplace is not None]
    if ins:
        public(name + "_", *ins, function=False)


# ================================================================================================
# Unary ops
# ================================================================================================
def _unary_samples(dtype):
    yield from S.unary_samples(dtype)


def _reject(kind, msg_or_kernel):
    """A dtype check: ``kind`` is a set of categories/dtype names that are refused."""
    def check(dt):
        if dt._name in kind or ("int" in kind and dt._cat == _INT) or \
                ("complex" in kind and dt.is_complex):
            if msg_or_kernel.startswith("!"):
                raise RuntimeError(msg_or_kernel[1:])
            if msg_or_kernel.startswith("?"):
                raise NotImplementedError(msg_or_kernel[1:])
            raise not_implemented(msg_or_kernel, dt)
    return check


_NP_TO_DTYPE = _dtype._NP_TO_DTYPE
_HALF_NP = _dtype.LOW_PRECISION_NP


# ---- the same-dtype float fast path of the hottest ufunc ops -------------------------------------
_FAST_FLOATS = frozenset({np.dtype(np.float32), np.dtype(np.float64)})


def same_float_fast_path(opdef, ufunc, nargs):
    """Give ``opdef``'s CPU kernel a front for its most common call - ``nargs`` (1 or 2)
    plain tensors of the same float32/float64 dtype (or a tensor and a Python float/int), no
    keywords - that runs ``ufunc`` and wraps the result directly (nothing to promote or check;
    two Python frames fewer than the generic adapter and kernel).  Everything else, errors
    included, goes to the generic kernel.

    NumPy's floating-point warnings (1/0, inf - inf) are not turned off here: that costs
    ~0.15 us a call, 7% of a small op.  kindling's warning filter (``_aten/__init__``) hides
    them; the generic kernels and the backward engine turn them off (``fp_silent``), so they
    show only for these forward ops under a filter the user put in front of kindling's
    ("always", as in ``catch_warnings(record=True)``).

    A result of two or more dims gets TensorIterator's layout (``unary_result``/
    ``binary_result``: a few comparisons of strides when NumPy's is already it)."""
    env = {"UFUNC": ufunc, "FAST_FLOATS": _FAST_FLOATS, "Tensor": Tensor,
           "FROM_ARRAY": from_array, "UNARY_RESULT": unary_result,
           "BINARY_RESULT": binary_result}
    if nargs == 1:
        lines = [
            "if type(a) is Tensor:",
            "    x = a._np",
            "    if x is not None and x.dtype in FAST_FLOATS:",
            "        try:",
            "            r = UFUNC(x)",
            "        except (RuntimeWarning, FloatingPointError):",
            "            r = None  # (the generic kernel's recovery)",
            "        if r is not None:",
            "            # (a float ufunc keeps its input's dtype; one dim has one layout)",
            "            out = FROM_ARRAY(r, Tensor, a.dtype) if r.ndim == 1 else \\",
            "                UNARY_RESULT(r, a, a.dtype)",
        ]
        install_inline_front(opdef, InlineFront(("a",), lines, env))
        return
    lines = [
        "if type(a) is Tensor:",
        "    x = a._np",
        "    tb = type(b)",
        "    if tb is Tensor:",
        "        y = b._np",
        "        ok = x is not None and y is not None and x.dtype is y.dtype and \\",
        "            x.dtype in FAST_FLOATS",
        "    else:  # a Python number: weak, as PyTorch's wrapped numbers (NEP 50)",
        "        y = b",
        "        ok = (tb is float or tb is int) and x is not None and x.dtype in FAST_FLOATS",
        "    if ok:",
        "        try:",
        "            r = UFUNC(x, y)",
        "        except (ValueError, RuntimeWarning, FloatingPointError, OverflowError):",
        "            r = None  # (the generic kernel's error)",
        "        if r is not None:",
        "            # (same-dtype floats, or a weak number: the result keeps a's dtype)",
        "            out = FROM_ARRAY(r, Tensor, a.dtype) if r.ndim == 1 else \\",
        "                BINARY_RESULT(r, a, b, a.dtype)",
    ]
    install_inline_front(opdef, InlineFront(("a", "b"), lines, env))


def _alpha_combine(ufunc, x, y, alpha):
    """``x ufunc (alpha * y)``, ``alpha * y`` first in x's dtype (as binary_kernel)."""
    t = np.multiply(y, x.dtype.type(alpha))
    return ufunc(x, t, out=t)


def same_float_inplace_fast_path(opdef, ufunc, alpha=False):
    """The in-place form's CPU kernel with the same front (``x.add_(y)``, same float dtype,
    same shape; ``alpha``: also ``x.add_(y, alpha=n)``, ``alpha * y`` computed first, as the
    generic kernel does): the result is computed, then copied in, so a failed call changes
    nothing.  Tensor subclasses that reach the CPU kernel (``nn.Parameter``: no Python key)
    have their data in ``_np`` too and take it as well.  Where memory may overlap, the generic
    kernel runs: it makes TensorIterator's overlap checks."""
    def front(generic):
        def kernel(ks, *args, **kwargs):
            if kwargs and alpha and len(args) == 2 and len(kwargs) == 1 and \
                    type(kwargs.get("alpha")) in (float, int):
                arrs = same_float_arrays(*args)  # (overlap tested)
                if arrs is not None:
                    x, y, _ = arrs
                    try:
                        t = fp_silent(_alpha_combine, ufunc, x, y, kwargs["alpha"])
                    except (ValueError, RuntimeWarning, FloatingPointError):
                        return generic(ks, *args, **kwargs)
                    x[...] = t  # (np.copyto, without its Python dispatcher)
                    return args[0]
            if len(args) == 2 and not kwargs:
                a, b = args
                if isinstance(a, Tensor) and isinstance(b, Tensor):
                    x, y = a._np, b._np
                    # (surely_no_overlap's test, inlined here and below: optimizers' hot calls)
                    if x is not None and y is not None and x.dtype is y.dtype and \
                            x.dtype in _FAST_FLOATS and x.shape == y.shape and \
                            (x.flags.c_contiguous or 0 not in x.strides) and \
                            (x is y or not may_share(x, y)):
                        try:
                            r = ufunc(x, y)
                        except (ValueError, RuntimeWarning, FloatingPointError):
                            return generic(ks, a, b)
                        x[...] = r
                        return a
                elif isinstance(a, Tensor) and type(b) in (float, int):
                    # ``buf.mul_(0.9)``: a weak Python number, as the functional front
                    x = a._np
                    if x is not None and x.dtype in _FAST_FLOATS and \
                            (x.flags.c_contiguous or 0 not in x.strides):
                        try:  # (warnings off, as the generic in-place kernel has them)
                            r = fp_silent(ufunc, x, b)
                        except (ValueError, RuntimeWarning, FloatingPointError,
                                OverflowError):
                            return generic(ks, a, b)
                        x[...] = r
                        return a
            return generic(ks, *args, **kwargs)
        return kernel
    install_cpu_front(opdef, front, leaf=False)


def unary_op(name, fn, *, int_to_float=False, out_dtype=None, inplace=True, out=True,
             check=None, meta_check=False, samples=_unary_samples, int_identity=False,
             fp_safe=False, real_result=False, expose=True, own_low=False, tags=PW,
             out_tags=None, inplace_tags=None, out_check=True):
    """Declare ``name``, ``name_`` and ``name.out`` for an elementwise NumPy function
    (``expose``: as ``kindling.<name>`` and ``Tensor.<name>``; tags as ``_declare``).

    ``int_to_float``: integer/bool inputs compute in the default float dtype.
    ``out_dtype``: fixed result dtype (bool for isnan...).  ``check(dtype)`` raises for refused
    input dtypes (``meta_check``: also on meta tensors, for PyTorch's TORCH_CHECKs).
    ``int_identity``: integer inputs are returned unchanged (floor, ceil, trunc, round).
    ``fp_safe``: ``fn`` never raises NumPy floating-point warnings (relu's ``maximum``), so
    it runs without ``float_compute``'s guard except for float16/bfloat16.
    ``real_result``: a complex input gives a result of its real dtype (abs, angle).
    ``own_low``: ``fn`` takes float16/bfloat16 arrays itself (rounding as PyTorch's kernel).
    ``out_check``: how ``name.out`` checks its ``out``'s dtype (``out_variant``'s
    ``check_cast``: ``"same"`` for the ops PyTorch builds with ``TensorIterator::unary_op``).
    """
    # Input dtypes seen to need nothing but ``fn`` (the check passed; no integer handling,
    # float32 detour or result cast): later calls with them go straight to ``fn``.
    direct = set()

    def kernel(self):
        if self.dtype in direct:
            return fn(self) if fp_safe else float_compute(fn, self)
        dt = _NP_TO_DTYPE[self.dtype]
        if check is not None:
            check(dt)
        a = self
        if int_identity and dt._cat <= _INT:
            return a.copy()
        if int_to_float and dt._cat < _FLOAT:
            a = a.astype(_dtype.get_default_dtype()._np)
        elif out_dtype is None and a.dtype not in _HALF_NP:
            direct.add(a.dtype)
            return fn(a) if fp_safe else float_compute(fn, a)
        r = fp_silent(fn, a) if own_low and a.dtype in _HALF_NP else float_compute(fn, a)
        if out_dtype is not None:
            r = np.asarray(r).astype(out_dtype._np, copy=False)
        return r

    def meta(self):
        if callable(meta_check):  # (PyTorch's meta function checks only part of it)
            meta_check(self.dtype)
        elif check is not None and meta_check:
            check(self.dtype)
        if real_result and self.dtype.is_complex:
            return unary_meta(self, out_dtype=self.dtype.to_real())
        return unary_meta(self, int_to_float=int_to_float, out_dtype=out_dtype)

    kernel.__name__ = meta.__name__ = name
    f = _declare(f"{name}(Tensor self) -> Tensor", kernel, meta, samples,
                 out=f"{name}.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)" if out else None,
                 inplace=f"{name}_(Tensor(a!) self) -> Tensor(a!)" if inplace else None,
                 check_cast=out_check, tags=tags, out_tags=out_tags, inplace_tags=inplace_tags)
    if type(fn) is np.ufunc and check is None and out_dtype is None:
        same_float_fast_path(f, fn, 1)
    if expose:
        _expose(name, [f])
    return f


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


_erf_scalar = np.frompyfunc(math.erf, 1, 1)


def _erf(a):
    return np.asarray(_erf_scalar(a.astype(np.float64))).astype(a.dtype)


def _sign(a):
    if a.dtype == np.bool_:
        return a.copy()
    r = np.sign(a)
    if a.dtype.kind == "f":
        r = np.where(np.isnan(a), a.dtype.type(0), r)
    return r


def _round(a):
    return np.rint(a)


def _frac(a):
    return a - np.trunc(a)


def _bitwise_not(a):
    return np.logical_not(a) if a.dtype == np.bool_ else np.invert(a)


def _is(fn, int_value):
    def k(a):
        if a.dtype.kind in "biu":
            return np.full(a.shape, int_value, dtype=np.bool_)
        return fn(a)
    return k


_NO_BOOL = {"bool"}
_COMPLEX = {"complex"}
_FLOAT_NAMES = {"float16", "bfloat16", "float32", "float64", "float8_e4m3fn", "float8_e5m2"}

def _abs_out_check(result, out, args):
    """abs.out: a complex input's real result may be cast into a real ``out``; otherwise
    ``out`` must have the input's dtype (``TensorIterator::unary_op``)."""
    self = dtype_of(args[0])
    if self.is_complex and not out.is_complex:
        if not _dtype.can_cast(result, out):
            raise RuntimeError(f"result type {result._scalar_name} can't be cast to the "
                               f"desired output type {out._scalar_name}")
    elif out is not self:
        raise RuntimeError(f"Found dtype {out._scalar_name} but expected {self._scalar_name}")


# (the ops PyTorch computes with ``TensorIterator::unary_op`` want ``out`` of their dtype)
abs = unary_op("abs", np.abs, check=_reject(_NO_BOOL, "abs_cpu"), real_result=True,  # noqa: A001
               tags=CORE_PW, inplace_tags=(), out_check=_abs_out_check)
neg = unary_op("neg", np.negative, meta_check=True, tags=CORE_PW, out_check="same", check=_reject(
    _NO_BOOL, "!Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
    "to invert a mask, use the `~` or `logical_not()` operator instead."))
_ZEROS = {}  # dtype -> a 0-d zero: ``maximum`` takes one faster than a Python 0 (~0.2 us)


def _relu(a):
    # the array's own dtype; ``maximum`` never warns.  Zero first: where they compare equal
    # NumPy returns the second, so -0.0 stays -0.0, as PyTorch's vectorised max(0, x) keeps it
    if a.size >= 1024 and a.flags.c_contiguous:
        # NumPy's maximum has no fast loop for a scalar operand: against an array of zeros
        # (written into it) it is 2x faster at 4K elements, 4x from 64K
        out = np.zeros(a.shape, a.dtype)
        return np.maximum(out, a, out=out)
    z = _ZEROS.get(a.dtype)
    if z is None:
        z = _ZEROS[a.dtype] = np.zeros((), a.dtype)
    return np.maximum(z, a)


def _all_of(*checks):
    def check(dt):
        for c in checks:
            c(dt)
    return check


_clamp_complex = _reject(_COMPLEX, "?clamp is not supported for complex types")
relu = unary_op("relu", _relu, meta_check=True, fp_safe=True, tags=CORE_PW, out_tags=GENERATED,
                check=_all_of(_reject(_NO_BOOL, "!Boolean inputs not supported for relu"),
                              _clamp_complex))
for _n, _f in [("exp", np.exp), ("exp2", np.exp2), ("expm1", np.expm1), ("log", np.log),
               ("log2", np.log2), ("log10", np.log10), ("log1p", np.log1p), ("sqrt", np.sqrt),
               ("rsqrt", lambda a: 1 / np.sqrt(a)), ("sin", np.sin), ("cos", np.cos),
               ("tan", np.tan), ("asin", np.arcsin), ("acos", np.arccos), ("atan", np.arctan),
               ("sinh", np.sinh), ("cosh", np.cosh), ("tanh", np.tanh), ("sigmoid", _sigmoid),
               ("reciprocal", lambda a: 1 / a), ("erf", _erf)]:
    globals()[_n] = unary_op(_n, _f, int_to_float=True, check=_reject(
        _COMPLEX, "erf_vml_cpu") if _n == "erf" else None,
        tags=PW if _n == "exp2" else CORE_PW)  # (exp2 is not in the Core ATen opset)


def _rounding(name, fn, kernel_name):
    """floor/ceil/trunc: integers unchanged, bool and complex refused (complex already by
    PyTorch's meta function)."""
    no_complex = _reject(_COMPLEX, f"?{name} is not supported for complex inputs")
    return unary_op(name, fn, int_identity=True, meta_check=no_complex, tags=CORE_PW,
                    out_check="same", check=_all_of(_reject(_NO_BOOL, kernel_name), no_complex))


floor = _rounding("floor", np.floor, "floor_vml_cpu")
ceil = _rounding("ceil", np.ceil, "ceil_vml_cpu")
trunc = _rounding("trunc", np.trunc, "trunc_vml_cpu")
frac = unary_op("frac", _frac, out_check="same", check=_reject(_NO_BOOL | {"int"} | _COMPLEX, "frac_cpu"))
sign = unary_op("sign", _sign, meta_check=True, tags=CORE_PW, out_check="same", check=_reject(
    _COMPLEX, "?Unlike NumPy, torch.sign is not intended to support complex numbers. Please "
    "use torch.sgn instead."))


def _sgn(a):
    if a.dtype.kind != "c":
        return _sign(a)
    mag = np.abs(a)
    return np.where(mag == 0, a.dtype.type(0), a / np.where(mag == 0, 1, mag)).astype(a.dtype)


def _angle(a):
    if a.dtype.kind == "c":
        return np.angle(a)
    return np.where(np.isnan(a), a, np.where(a < 0, a.dtype.type(math.pi), a.dtype.type(0)))


sgn = unary_op("sgn", _sgn, out_check="same")
angle = unary_op("angle", _angle, int_to_float=True, real_result=True, inplace=False)
bitwise_not = unary_op("bitwise_not", _bitwise_not, tags=CORE_PW, out_check="same",
                       check=_reject(_FLOAT_NAMES | _COMPLEX, "bitwise_not_cpu"))
logical_not = unary_op("logical_not", lambda a: a == 0, out_dtype=_dtype.bool, tags=CORE_PW)
isnan = unary_op("isnan", _is(np.isnan, False), out_dtype=_dtype.bool, inplace=False,
                 tags=CORE_PW, out_tags=GENERATED)
isinf = unary_op("isinf", _is(np.isinf, False), out_dtype=_dtype.bool, inplace=False,
                 tags=CORE_PW, out_tags=GENERATED)
# ``isfinite`` is CompositeImplicitAutograd, as in PyTorch: ``(x == x) * (x.abs() != inf)``
# (computed right to left, as C++ does), each part of a complex number, or all true
isfinite = defop("isfinite(Tensor self) -> Tensor", tags=("pointwise",))
isfinite.samples(_unary_samples)


@isfinite.composite
def _(self):
    dt = self.dtype
    if not (dt.is_floating_point or dt.is_complex):
        from .._layout import preserve_format
        return aten.ones_like.default(self, dtype=_dtype.bool, memory_format=preserve_format)
    if dt.is_complex:
        re = aten.isfinite.default(aten.real.default(self))
        return aten.bitwise_and_.Tensor(re, aten.isfinite.default(aten.imag.default(self)))
    finite = aten.ne.Scalar(aten.abs.default(self), math.inf)
    return aten.mul.Tensor(aten.eq.Tensor(self, self), finite)


public("isfinite", isfinite)

# Derivatives (PyTorch's derivatives.yaml): ``grad`` is the output's gradient, ``result`` the
# output; ``result=`` is the forward-mode formula ("auto_element_wise": the backward formula
# applied to the tangent).
# Complex inputs follow PyTorch's convention: the gradient is the conjugate Wirtinger
# derivative, so a holomorphic op's formula multiplies ``grad`` by the conjugate of its
# derivative (``conj(x)``: free for real tensors).
_EW = "auto_element_wise"
abs.derivative(self="grad * self.sgn()", result="abs_jvp(self_t, self_p, result)")
sgn.derivative(self="sgn_backward(self, grad, result)",
               result="sgn_backward(self_p, self_t, result)")
angle.derivative(self="angle_backward(grad, self)", result="angle_jvp(self_t, self_p, result)")
neg.derivative(self="grad.neg()", result=_EW)
same_float_fast_path(neg, np.negative, 1)  # (its check refuses bool only)
relu.derivative(self="threshold_backward(grad, result, 0)", result=_EW)
same_float_fast_path(relu, _relu, 1)  # (float32/float64 pass its checks; ``maximum`` never warns)


# Array lanes (kindling.autograd.array_lane): a node's formulas as the NumPy calls their ops'
# float kernels make, for the engine to run when nothing can observe those ops.
@neg.array_backward("neg.default")
def _neg_lane(grad):
    return np.negative(grad) if lane_operands(grad) else NotImplemented


@relu.array_backward("threshold_backward.default")
def _relu_lane(grad, result):
    if not lane_operands(grad, result):
        return NotImplemented
    return _threshold_backward_kernel(grad, result, 0)
for _n, _fm in {"exp": "grad * conj(result)", "exp2": "grad * conj(result) * LN2",
                "expm1": "grad * (conj(result) + 1)", "log": "grad / conj(self)",
                "log2": "grad / (conj(self) * LN2)", "log10": "grad / (conj(self) * LN10)",
                "log1p": "log1p_backward(grad, self)", "sqrt": "grad / (2 * conj(result))",
                "rsqrt": "-0.5 * grad * conj(result.pow(3))", "sin": "grad * conj(self.cos())",
                "cos": "grad * -conj(self.sin())", "tan": "grad * conj(1 + result.pow(2))",
                "asin": "grad * conj((-self * self + 1).rsqrt())",
                "acos": "grad * -conj((-self * self + 1).rsqrt())",
                "atan": "grad / conj(self * self + 1)", "sinh": "grad * conj(self.cosh())",
                "cosh": "grad * conj(self.sinh())", "tanh": "tanh_backward(grad, result)",
                "sigmoid": "sigmoid_backward(grad, result)",
                "reciprocal": "-grad * conj(result * result)",
                "erf": "erf_backward(grad, self)"}.items():
    globals()[_n].derivative(self=_fm, result=_EW)


@exp.array_backward("mul.Tensor")
def _exp_lane(grad, result):
    return np.multiply(grad, result) if lane_operands(grad, result) else NotImplemented


@sin.array_backward("cos.default", "mul.Tensor")
def _sin_lane(grad, self):
    return np.multiply(grad, np.cos(self)) if lane_operands(grad, self) else NotImplemented


@log1p.array_backward("add.Scalar", "div.Tensor")
def _log1p_lane(grad, self):  # (log1p_backward)
    return np.true_divide(grad, np.add(self, 1)) if lane_operands(grad, self) else \
        NotImplemented


@tanh.array_backward("tanh_backward.default")
def _tanh_lane(grad, result):
    return _tanh_backward_kernel(grad, result) if lane_operands(grad, result) else \
        NotImplemented


@sigmoid.array_backward("sigmoid_backward.default")
def _sigmoid_lane(grad, result):
    return _sigmoid_backward_kernel(grad, result) if lane_operands(grad, result) else \
        NotImplemented
for _f in (floor, ceil, trunc, sign):
    _f.derivative(self="zeros_like(grad)", result="zeros_like(self_t)")
frac.derivative(self="grad", result="self_t")

# round: the default overload (half to even) and round.decimals.
_round_check = _reject(_NO_BOOL | _COMPLEX, "round_vml_cpu")
round = unary_op("round", _round, int_identity=True, check=_round_check,  # noqa: A001
                 tags=CORE_PW, out_check="same")
round.derivative(self="zeros_like(grad)", result="zeros_like(self_t)")


def _round_decimals_kernel(self, *, decimals):
    dt = _dtype._NP_TO_DTYPE[self.dtype]
    if dt._cat <= _INT or dt.is_complex:
        raise not_implemented("round_cpu", dt)
    if decimals == 0:
        return float_compute(np.rint, self)
    return float_compute(lambda a: np.round(a, decimals), self)


def _round_decimals_samples(dtype):
    if dtype not in ("float32", "float64"):
        return
    yield S.SampleInput(S.make_arr((2, 3), dtype), decimals=1)
    yield S.SampleInput(S.make_arr((4,), dtype), decimals=-1)
    yield S.SampleInput(S.make_arr((), dtype), decimals=0)


round_decimals = _declare(
    "round.decimals(Tensor self, *, int decimals) -> Tensor", _round_decimals_kernel,
    lambda self, *, decimals: unary_meta(self), _round_decimals_samples,
    out="round.decimals_out(Tensor self, *, int decimals, Tensor(a!) out) -> Tensor(a!)",
    inplace="round_.decimals(Tensor(a!) self, *, int decimals) -> Tensor(a!)", check_cast="same")
round_decimals.derivative("RoundBackward1", self="zeros_like(grad)",
                          result="zeros_like(self_t)")
_expose("round", [round, round_decimals])


# ================================================================================================
# Binary ops
# ================================================================================================
def _checked(kernel, *checks):
    """``kernel`` preceded by argument checks ``check(self, other)``."""
    if not checks:
        return kernel

    def k(self, other, *args, **kwargs):
        for c in checks:
            c(self, other)
        return kernel(self, other, *args, **kwargs)
    k.__name__ = getattr(kernel, "__name__", "kernel")
    return k


def _meta2(int_to_float=False, out_dtype=None, checks=()):
    def meta(self, other, *args, **kwargs):
        for c in checks:
            c(self, other)
        return pointwise_meta(self, other, int_to_float=int_to_float, out_dtype=out_dtype)
    return meta


def _sub_check(self, other):
    if is_bool_operand(self) and is_bool_operand(other):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if is_bool_operand(self) or is_bool_operand(other):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def _dtype_check(kernel_name, refuse):
    """Refuse a promoted dtype: ``refuse(dtype) -> bool``."""
    def check(self, other):
        dt = result_type(self, other)
        if refuse(dt):
            raise not_implemented(kernel_name, dt)
    return check


def _is_bool(dt):
    return dt is _dtype.bool


def _is_bool_or_complex(dt):
    return dt is _dtype.bool or dt.is_complex


def _is_float(dt):
    return dt._cat >= _FLOAT


def _scalar_samples(dtype):
    """Tensor-Scalar samples (for the ``.Scalar`` overloads)."""
    yield S.SampleInput(S.make_arr((2, 3), dtype), 3)
    yield S.SampleInput(S.make_arr((), dtype), -2)
    yield S.SampleInput(S.make_arr((4,), dtype, noncontig=True), 2.5)
    yield S.SampleInput(S.make_arr((0, 2), dtype), 1)
    yield S.SampleInput(S.make_arr((3,), dtype), True)


def _tensors_only(dtype):
    """Binary samples whose operands are all tensors (ops without Scalar overloads)."""
    for s in S.binary_samples(dtype):
        if all(hasattr(a, "value") for a in s.args):
            yield s


def _scalar_tensor_samples(dtype):
    yield S.SampleInput(3, S.make_arr((2, 3), dtype, exclude_zero=True))
    yield S.SampleInput(-2, S.make_arr((4,), dtype, exclude_zero=True))


def _int_scalars(fn):
    """Samples without float Python scalars (for the bitwise ops)."""
    def samples(dtype):
        for s in fn(dtype):
            if not (s.args and type(s.args[0]) is float):
                yield s
    return samples


def binary_family(name, kernel, *, tensor="Tensor", scalar=None, scalar_tensor=None,
                  out_names=("out", "Scalar_out", "Scalar_Tensor_out"), other="other",
                  int_to_float=False, out_dtype=None, checks=(), meta_checks=None, alpha=False,
                  inplace=True, inplace_names=("Tensor", "Scalar"), samples=S.binary_samples,
                  scalar_samples=_scalar_samples, check_cast=True, tags=PW, scalar_tags=None,
                  out_tags=None, inplace_tags=None, generated_outs=("Scalar_Tensor_out",)):
    """Declare the overloads of a binary op: ``name.<tensor>``, optionally ``name.<scalar>``
    (Tensor, Scalar) and ``name.<scalar_tensor>`` (Scalar, Tensor), with out= and in-place.

    ``tags`` (``scalar_tags``: the .<scalar> overload's, when they differ) are the
    functional overloads' declared tags (the (Scalar, Tensor) one is never ``core``), the out=
    forms named in ``generated_outs`` are ones PyTorch generates, and ``out_tags`` and
    ``inplace_tags``, where given, replace the other forms' default tags."""
    scalar_tags = tags if scalar_tags is None else scalar_tags

    def outs(i):
        return GENERATED if out_names[i] in generated_outs else out_tags
    if scalar and name not in ("add", "sub", "mul", "div") and samples is S.binary_samples:
        samples = _tensors_only  # Python scalars go to the .Scalar overload
    k = _checked(kernel, *checks)
    meta = _meta2(int_to_float, out_dtype, checks if meta_checks is None else meta_checks)
    akw = ", *, Scalar alpha=1" if alpha else ""
    akw_out = ", *, Scalar alpha=1, Tensor(a!) out" if alpha else ", *, Tensor(a!) out"
    ovl = f".{tensor}" if tensor else ""
    ins_t = f"{name}_{('.' + inplace_names[0]) if inplace_names[0] else ''}"
    fs = {}
    fs["tensor"] = _declare(
        f"{name}{ovl}(Tensor self, Tensor {other}{akw}) -> Tensor", k, meta, samples,
        out=f"{name}.{out_names[0]}(Tensor self, Tensor {other}{akw_out}) -> Tensor(a!)",
        inplace=(f"{ins_t}(Tensor(a!) self, Tensor {other}{akw}) -> Tensor(a!)"
                 if inplace else None), check_cast=check_cast, tags=tags, out_tags=outs(0),
        inplace_tags=inplace_tags)
    if scalar:
        sa = ", Scalar alpha=1" if alpha else ""
        fs["scalar"] = _declare(
            f"{name}.{scalar}(Tensor self, Scalar {other}{sa}) -> Tensor", k, meta,
            scalar_samples,
            out=f"{name}.{out_names[1]}(Tensor self, Scalar {other}{sa}, *, Tensor(a!) out) "
                "-> Tensor(a!)",
            inplace=(f"{name}_.{inplace_names[1]}(Tensor(a!) self, Scalar {other}{sa}) "
                     "-> Tensor(a!)" if inplace else None), check_cast=check_cast,
            tags=scalar_tags, out_tags=outs(1), inplace_tags=inplace_tags)
    if scalar_tensor:
        fs["scalar_tensor"] = _declare(
            f"{name}.{scalar_tensor}(Scalar self, Tensor {other}) -> Tensor", k, meta,
            _scalar_tensor_samples,
            out=f"{name}.{out_names[2]}(Scalar self, Tensor {other}, *, Tensor(a!) out) "
                "-> Tensor(a!)", check_cast=check_cast,
            tags=tuple(t for t in tags if t != "core"), out_tags=outs(2))
    return fs


def _floor_divide(a, b):
    (a, b), dt = promote(a, b)
    if dt.is_complex:
        raise not_implemented("div_floor_cpu", dt)
    if dt._cat <= _INT:
        check_int_divisor(b, dt)
    with np.errstate(all="ignore"):
        return _half(np.floor_divide, a, b, dt)


def _half(fn, a, b, dt):
    """Binary ``fn`` computing float16/bfloat16 in float32, rounded back."""
    if dt in (_dtype.float16, _dtype.bfloat16):
        return np.asarray(fn(np.asarray(a, np.float32), np.asarray(b, np.float32))).astype(dt._np)
    return fn(a, b)


def _trunc_divide(a, b):
    (a, b), dt = promote(a, b)
    if dt.is_complex:
        raise not_implemented("div_trunc_cpu", dt)
    with np.errstate(all="ignore"):
        if dt._cat <= _INT:
            check_int_divisor(b, dt)
            q = np.floor_divide(a, b)
            fix = (np.remainder(a, b) != 0) & ((a < 0) != (b < 0))
            return np.asarray(q + fix.astype(q.dtype))
        return _half(lambda x, y: np.trunc(x / y), a, b, dt)


def _remainder(a, b):
    (a, b), dt = promote(a, b)
    if dt._cat <= _INT:
        check_int_divisor(b, dt)
    with np.errstate(all="ignore"):
        return _half(np.remainder, a, b, dt)


def _fmod(a, b):
    (a, b), dt = promote(a, b)
    if dt._cat <= _INT:
        check_int_divisor(b, dt)
    with np.errstate(all="ignore"):
        return _half(np.fmod, a, b, dt)


def _wrap_broadcast(fn, other_first=False):
    """``fn`` raising PyTorch's broadcast error when NumPy's fails (``other_first``: PyTorch
    meets the second argument first - masked_fill expands ``mask`` against ``self``,
    threshold_backward's TensorIterator takes ``self`` before ``grad_output``)."""
    def k(self, other=None, *args, **kwargs):  # (``clamp.Tensor(x)``: min and max None)
        try:
            return fn(self, other, *args, **kwargs)
        except ValueError:
            shapes = (_shape(self), _shape(other))
            raise broadcast_error(shapes[::-1] if other_first else shapes) from None
    k.__name__ = fn.__name__
    return k


_true_div = binary_kernel(np.true_divide, int_to_float=True)

# ---- add / sub / mul / div ----------------------------------------------------------------------
_add = binary_family("add", binary_kernel(np.add), scalar="Scalar", alpha=True, tags=CORE_PW,
                     generated_outs=("Scalar_out",))
_sub = binary_family("sub", binary_kernel(np.subtract), scalar="Scalar", alpha=True,
                     tags=CORE_PW, generated_outs=("Scalar_out",),
                     checks=(_sub_check,))
_mul = binary_family("mul", binary_kernel(np.multiply), scalar="Scalar", tags=CORE_PW,
                     generated_outs=("Scalar_out",))
_div = binary_family("div", _true_div, scalar="Scalar", int_to_float=True, tags=CORE_PW,
                     generated_outs=("Scalar_out",))
add, sub, mul, div = _add["tensor"], _sub["tensor"], _mul["tensor"], _div["tensor"]


for _fam, _uf in ((_add, np.add), (_sub, np.subtract), (_mul, np.multiply),
                  (_div, np.true_divide)):
    same_float_fast_path(_fam["tensor"], _uf, 2)
    same_float_fast_path(_fam["scalar"], _uf, 2)  # (``x + 1`` in backward formulas)
    same_float_inplace_fast_path(_fam["tensor"].inplace, _uf,
                                 alpha=_uf is np.add or _uf is np.subtract)
# ``handle_r_to_c(self_scalar_type, g)``: a real input of a complex result gets the real part
add.derivative(self="handle_r_to_c(self_scalar_type, grad)",
               other="handle_r_to_c(other_scalar_type, maybe_multiply(grad, conj(alpha)))",
               result="self_t + maybe_multiply(other_t, alpha)")
_add["scalar"].derivative("AddBackward1", self="handle_r_to_c(self_scalar_type, grad)",
                          result="self_t.clone()")
sub.derivative(self="handle_r_to_c(self_scalar_type, grad)",
               other="handle_r_to_c(other_scalar_type, maybe_multiply(-grad, conj(alpha)))",
               result="self_t - maybe_multiply(other_t, alpha)")
_sub["scalar"].derivative("SubBackward1", self="handle_r_to_c(self_scalar_type, grad)",
                          result="auto_element_wise")
mul.derivative(self="handle_r_to_c(self_scalar_type, grad * conj(other))",
               other="handle_r_to_c(other_scalar_type, grad * conj(self))",
               result="other_t * self_p + self_t * other_p")
_mul["scalar"].derivative("MulBackward1",
                          self="handle_r_to_c(self_scalar_type, grad * conj(other))",
                          result="self_t * other")
div.derivative(self="handle_r_to_c(self_scalar_type, grad / conj(other))",
               other="handle_r_to_c(other_scalar_type, div_other_backward(grad, self, other))",
               result="(self_t - other_t * result) / other_p")
_div["scalar"].derivative("DivBackward1",
                          self="handle_r_to_c(self_scalar_type, grad / conj(other))",
                          result="self_t / other")


@add.array_backward()
def _add_lane(grad, alpha, grad_input_mask):
    """AddBackward0 with ``alpha`` 1: the gradient itself to both inputs (its formulas
    dispatch nothing then)."""
    return (grad, grad) if unit_scale(alpha) else NotImplemented


@sub.array_backward("neg.default")
def _sub_lane(grad, alpha, grad_input_mask):
    if not unit_scale(alpha):
        return NotImplemented
    if not grad_input_mask[1]:  # (``x - target``: the gradient passed on, nothing computed)
        return grad, None
    if not lane_operands(grad):
        return NotImplemented
    return grad, np.negative(grad)


@mul.array_backward("mul.Tensor")
def _mul_lane(grad, self, other, grad_input_mask):
    want_self, want_other = grad_input_mask
    if not lane_operands(grad, self, other):
        return NotImplemented
    return (np.multiply(grad, other) if want_self else None,
            np.multiply(grad, self) if want_other else None)


@div.array_backward("div.Tensor", "neg.default", "mul.Tensor")
def _div_lane(grad, self, other, grad_input_mask):
    want_self, want_other = grad_input_mask
    if not lane_operands(grad, self, other):
        return NotImplemented
    # (div_other_backward: ``-grad * ((self / other) / other)``)
    return (np.true_divide(grad, other) if want_self else None,
            np.multiply(np.negative(grad), np.true_divide(np.true_divide(self, other), other))
            if want_other else None)


_sub_k = binary_kernel(np.subtract)


def _rsub_kernel(self, other, alpha=1):
    _sub_check(other, self)
    return _sub_k(other, self, alpha)


_rsub = binary_family("rsub", _rsub_kernel, scalar="Scalar", alpha=True, inplace=False,
                      tags=(), scalar_tags=PW, generated_outs=("Tensor_out", "Scalar_out"),
                      out_names=("Tensor_out", "Scalar_out", None),
                      meta_checks=(lambda s, o: _sub_check(o, s),))
_rsub["tensor"].derivative(self="handle_r_to_c(self_scalar_type, maybe_multiply(-grad, "
                                "conj(alpha)))",
                           other="handle_r_to_c(other_scalar_type, grad)",
                           result="-maybe_multiply(self_t, alpha) + other_t")
_rsub["scalar"].derivative("RsubBackward1",
                           self="handle_r_to_c(self_scalar_type, maybe_multiply(-grad, "
                                "conj(alpha)))",
                           result="auto_element_wise")


def _div_mode_kernel(self, other, *, rounding_mode=None):
    if rounding_mode is None:
        return _true_div(self, other)
    if rounding_mode == "trunc":
        return _trunc_divide(self, other)
    if rounding_mode == "floor":
        return _floor_divide(self, other)
    raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


def _div_mode_meta(self, other, *, rounding_mode=None):
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    return pointwise_meta(self, other, int_to_float=rounding_mode is None)


def _div_mode_samples(dtype):
    for mode in (None, "trunc", "floor"):
        for i, s in enumerate(S.binary_samples(dtype)):
            if i % 2 == 0 and (mode is None or dtype != "bool"):
                yield S.SampleInput(s.input, *s.args, rounding_mode=mode)


_DIVM = "*, str? rounding_mode"
div_mode = _declare(
    f"div.Tensor_mode(Tensor self, Tensor other, {_DIVM}) -> Tensor",
    _wrap_broadcast(_div_mode_kernel), _div_mode_meta, _div_mode_samples,
    out=f"div.out_mode(Tensor self, Tensor other, {_DIVM}, Tensor(a!) out) -> Tensor(a!)",
    inplace=f"div_.Tensor_mode(Tensor(a!) self, Tensor other, {_DIVM}) -> Tensor(a!)",
    tags=CORE_PW)
div_scalar_mode = _declare(
    f"div.Scalar_mode(Tensor self, Scalar other, {_DIVM}) -> Tensor",
    _div_mode_kernel, _div_mode_meta, None,
    out=f"div.Scalar_mode_out(Tensor self, Scalar other, {_DIVM}, Tensor(a!) out) "
        "-> Tensor(a!)",
    inplace=f"div_.Scalar_mode(Tensor(a!) self, Scalar other, {_DIVM}) -> Tensor(a!)",
    tags=CORE_PW, out_tags=GENERATED)
div_mode.derivative(
    "DivBackward2", self="handle_r_to_c(self_scalar_type, div_mode_self(grad, other, "
                         "rounding_mode))",
    other="handle_r_to_c(other_scalar_type, div_mode_other(grad, self, other, rounding_mode))",
    result="result.new_zeros(result.shape) if rounding_mode is not None else "
           "self_t / other_p - other_t * (self_p / other_p) / other_p")
div_scalar_mode.derivative(
    "DivBackward3",
    self="handle_r_to_c(self_scalar_type, div_mode_self(grad, other, rounding_mode))",
    result="result.new_zeros(result.shape) if rounding_mode is not None else self_t / other")

for _n, _fam in (("add", _add), ("sub", _sub), ("mul", _mul)):
    _expose(_n, [_fam["tensor"]], inplace_order=[_fam["tensor"].inplace, _fam["scalar"].inplace])
public("rsub", _rsub["tensor"], _rsub["scalar"], _rsub["tensor"].out, _rsub["scalar"].out,
       method=False)
public("div", div, div_mode, div.out, div_mode.out)
public("div_", div.inplace, div_mode.inplace, _div["scalar"].inplace, function=False)
public("true_divide", div, div.out)
public("true_divide_", div.inplace, function=False)
public("multiply", mul, mul.out)
public("subtract", sub, sub.out)
public("divide", div, div_mode, div.out, div_mode.out)

# ---- floor_divide / remainder / fmod ------------------------------------------------------------
_no_bool_div = _dtype_check("div_floor_cpu", _is_bool_or_complex)
_fd = binary_family("floor_divide", _wrap_broadcast(_floor_divide), tensor=None,
                    scalar="Scalar", checks=(_no_bool_div,), meta_checks=(), tags=(),
                    generated_outs=("Scalar_out",))
floor_divide = _fd["tensor"]
_expose("floor_divide", [floor_divide, _fd["scalar"]])

_rem = binary_family("remainder", _wrap_broadcast(_remainder), scalar="Scalar", tags=CORE_PW,
                     scalar_tensor="Scalar_Tensor",
                     out_names=("Tensor_out", "Scalar_out", "Scalar_Tensor_out"),
                     checks=(_dtype_check("remainder_cpu", _is_bool_or_complex),),
                     meta_checks=())
remainder = _rem["tensor"]
remainder.derivative("RemainderBackward1", self="grad",
                     other="remainder_other_backward(grad, self, other)",
                     result="self_t - other_t * self_p.div(other_p, rounding_mode='floor')")
_rem["scalar"].derivative(self="grad", result="auto_element_wise")
_expose("remainder", [_rem["scalar"], remainder, _rem["scalar_tensor"]],
        inplace_order=[_rem["scalar"].inplace, remainder.inplace])

_fmo = binary_family("fmod", _wrap_broadcast(_fmod), scalar="Scalar", tags=CORE_PW,
                     out_names=("Tensor_out", "Scalar_out", None),
                     checks=(_dtype_check("fmod_cpu", _is_bool_or_complex),), meta_checks=())
fmod = _fmo["tensor"]
fmod.derivative("FmodBackward1", self="grad", other="fmod_other_backward(grad, self, other)",
                result="self_t - other_t * self_p.div(other_p, rounding_mode='trunc')")
_fmo["scalar"].derivative(self="grad", result="auto_element_wise")
_expose("fmod", [_fmo["scalar"], fmod], inplace_order=[_fmo["scalar"].inplace, fmod.inplace])


# ---- pow ------------------------------------------------------------------------------------------
def _int_pow(a, b):
    """Integer power wrapping like C; negative exponents give 1, +-1 or 0 as in PyTorch."""
    a, b = np.asarray(a), np.asarray(b)
    neg = b < 0
    if not np.any(neg):
        return np.power(a, b)
    r = np.power(a, np.where(neg, 0, b).astype(b.dtype))
    odd = np.remainder(b, 2) != 0
    small = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0)).astype(r.dtype)
    return np.where(neg, small, r)


def _pow(self, exponent):
    (a, b), dt = promote(self, exponent)
    if dt is _dtype.bool:
        if dtype_or_none(exponent) is None:
            return np.asarray(a if bool(exponent) else np.ones_like(a))
        raise not_implemented("pow", dt)
    if dt._cat == _INT:
        if dtype_or_none(exponent) is None:
            check_scalar_fits(exponent, dt)
            if dtype_or_none(self) is not None and exponent < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
        with np.errstate(all="ignore"):
            return np.asarray(_int_pow(a, b))
    with np.errstate(all="ignore"):
        return np.asarray(_half(np.power, a, b, dt))


def _pow_samples(dtype):
    hi = None if dtype == "bool" else 4
    yield S.SampleInput(S.make_arr((2, 3), dtype), S.make_arr((2, 3), dtype, low=0, high=hi,
                                                              seed=3))
    yield S.SampleInput(S.make_arr((3,), dtype, low=0 if dtype != "bool" else None),
                        S.make_arr((2, 1), dtype, low=0, high=hi, seed=4))
    yield S.SampleInput(S.make_arr((), dtype), S.make_arr((4,), dtype, low=0, high=hi, seed=5))


def _pow_scalar_samples(dtype):
    for e in (2, 3, 0, 0.5, -1.5, True, False):
        yield S.SampleInput(S.make_arr((2, 3), dtype, low=1 if dtype != "bool" else None), e)
    if dtype in S.FLOATS:
        yield S.SampleInput(S.make_arr((4,), dtype), -2)
    if dtype in S.COMPLEX:
        yield S.SampleInput(S.make_arr((2, 2), dtype), 0.5 - 1.5j)


def _pow_scalar_self_samples(dtype):
    for base in (2, 0.5, -3, True):
        yield S.SampleInput(base, S.make_arr((2, 3), dtype, low=0, high=5))
    if dtype in S.COMPLEX:  # (a negative real base: a complex logarithm)
        yield S.SampleInput(-1, S.make_arr((3,), dtype))
        yield S.SampleInput(1.5 + 2j, S.make_arr((3,), dtype))


_pow_meta = _meta2()
pow_tt = _declare(
    "pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor", _wrap_broadcast(_pow),
    _pow_meta, _pow_samples,
    out="pow.Tensor_Tensor_out(Tensor self, Tensor exponent, *, Tensor(a!) out) -> Tensor(a!)",
    inplace="pow_.Tensor(Tensor(a!) self, Tensor exponent) -> Tensor(a!)", tags=CORE_PW)
pow_ts = _declare(
    "pow.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor", _pow, _pow_meta,
    _pow_scalar_samples,
    out="pow.Tensor_Scalar_out(Tensor self, Scalar exponent, *, Tensor(a!) out) -> Tensor(a!)",
    inplace="pow_.Scalar(Tensor(a!) self, Scalar exponent) -> Tensor(a!)", tags=CORE_PW)
pow_s = _declare(
    "pow.Scalar(Scalar self, Tensor exponent) -> Tensor", _pow, _pow_meta,
    _pow_scalar_self_samples,
    out="pow.Scalar_out(Scalar self, Tensor exponent, *, Tensor(a!) out) -> Tensor(a!)",
    tags=CORE_PW)
_expose("pow", [pow_ts, pow_tt, pow_s], inplace_order=[pow_ts.inplace, pow_tt.inplace])
pow = pow_tt  # noqa: A001
pow_ts.derivative(self="handle_r_to_c(self, pow_backward(grad, self, exponent))", result=_EW)
pow_tt.derivative("PowBackward1",
                  self="handle_r_to_c(self, pow_backward_self(grad, self, exponent))",
                  exponent="handle_r_to_c(exponent, "
                           "pow_backward_exponent(grad, self, exponent, result))",
                  result="pow_jvp(self_t, exponent_t, self_p, exponent_p, result)")
pow_s.derivative("PowBackward2", exponent="handle_r_to_c(exponent, "
                                          "pow_backward_exponent(grad, self, exponent, result))",
                 result=_EW)

# square = pow(self, 2), as PyTorch decomposes it.
square = defop("square(Tensor self) -> Tensor", tags=("pointwise",))
square_out = defop("square.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)",
                   tags=("pointwise",))
square_ = defop("square_(Tensor(a!) self) -> Tensor(a!)", tags=("pointwise",))
square.composite(lambda self: pow_ts.op(self, 2))
square_out.composite(lambda self, *, out: pow_ts.out.op(self, 2, out=out))
square_.composite(lambda self: pow_ts.inplace.op(self, 2))
square.samples(_unary_samples)
public("square", square, square_out)
public("square_", square_, function=False)
OPS["square.default"] = square

# ---- fused backward ops (what autograd formulas call, as in PyTorch) ----------------------------
def _promote2(a, b):
    if type(a) is np.ndarray and type(b) is np.ndarray and a.dtype == b.dtype:
        return a, b
    return promote(a, b)[0]


_UINT_OF_SIZE = {2: np.uint16, 4: np.uint32, 8: np.uint64}  # (NumPy scalar types)


def _threshold_backward_kernel(grad_output, self, threshold):
    """``self <= threshold ? 0 : grad`` (so a NaN ``self`` passes the gradient through)."""
    g, x = _promote2(grad_output, self)
    if g.dtype.kind == "c":
        raise not_implemented("threshold_cpu", _dtype._NP_TO_DTYPE[g.dtype])
    if g.dtype.kind == "f" and g.shape == x.shape and g.size > 256:  # (tiny: where is cheaper)
        # A branch-free select: ``np.where`` branches per element, and on a mask that follows
        # the data (half the ReLU inputs are negative) mispredicts about every other one -
        # four times slower than these three passes.  Bits of ``g`` are ANDed with all-ones
        # where the gradient passes and with zero where it is dropped.
        # (C calls only: ``empty_like`` and ``copyto`` first run a Python dispatcher)
        out = np.empty(g.shape, g.dtype) if g.flags.c_contiguous else np.empty_like(g)
        ut = _UINT_OF_SIZE[g.dtype.itemsize]
        bits = out.view(ut)
        bits[...] = x <= threshold          # 1 where dropped
        np.subtract(bits, ut(1), out=bits)  # 0 where dropped, all ones where passed
        np.bitwise_and(bits, g.view(ut), out=bits)
        return out
    if g.shape == x.shape:  # (tiny tensors: a masked write beats np.where's set-up)
        r = g.copy()
        r[x <= threshold] = 0
        return r
    return np.asarray(np.where(x <= threshold, g.dtype.type(0), g))


def _no_integers(kernel_name, a):
    if a.dtype.kind in "biu":
        raise not_implemented(kernel_name, _dtype._NP_TO_DTYPE[a.dtype])


def _sigmoid_backward_kernel(grad_output, output):
    g, y = _promote2(grad_output, output)
    _no_integers("sigmoid_backward_cpu", y)
    if y.dtype.kind == "c":  # (PyTorch's kernel: the conjugate derivative)
        return np.asarray(g * np.conj((1 - y) * y))
    return np.asarray(g * (1 - y) * y)


def _tanh_backward_kernel(grad_output, output):
    g, y = _promote2(grad_output, output)
    _no_integers("tanh_backward_cpu", y)
    if y.dtype.kind == "c":
        return np.asarray(g * np.conj(1 - y * y))
    return np.asarray(g * (1 - y * y))


def _backward_samples(dtype):
    if dtype not in S.FLOATS + S.COMPLEX:
        return
    yield S.SampleInput(S.make_arr((2, 3), dtype), S.make_arr((2, 3), dtype, low=-0.9,
                                                              high=0.9, seed=1))
    yield S.SampleInput(S.make_arr((), dtype), S.make_arr((), dtype, seed=2))


def _threshold_samples(dtype):
    for s in _backward_samples(dtype):
        yield S.SampleInput(s.input, *s.args, 0.25)


threshold_backward = _declare(
    "threshold_backward(Tensor grad_output, Tensor self, Scalar threshold) -> Tensor",
    _wrap_broadcast(_threshold_backward_kernel, other_first=True),
    lambda grad_output, self, threshold: pointwise_meta(grad_output, self), _threshold_samples)
sigmoid_backward = _declare(
    "sigmoid_backward(Tensor grad_output, Tensor output) -> Tensor",
    _wrap_broadcast(_sigmoid_backward_kernel), _meta2(), _backward_samples)
tanh_backward = _declare(
    "tanh_backward(Tensor grad_output, Tensor output) -> Tensor",
    _wrap_broadcast(_tanh_backward_kernel), _meta2(), _backward_samples)
threshold_backward.derivative(grad_output="threshold_backward(grad, self, threshold)",
                              self="zeros_like(grad)",
                              result="zeros_like(self_t) + "
                                     "threshold_backward(grad_output_t, self_p, threshold)")
sigmoid_backward.derivative(
    grad_output="sigmoid_backward(grad, conj(output))",
    output="conj(grad) * grad_output * (-2 * conj(output) + 1)",
    result="sigmoid_backward(grad_output_t, output_p) + "
           "conj(output_t) * grad_output_p * (-2 * conj(output_p) + 1)")
tanh_backward.derivative(
    grad_output="tanh_backward(grad, conj(output))",
    output="grad.conj() * (-2 * conj(output) * grad_output)",
    result="tanh_backward(grad_output_t, output_p) + "
           "output_t.conj() * (-2 * conj(output_p) * grad_output_p)")

# ---- maximum / minimum / atan2 -----------------------------------------------------------------
maximum = binary_family("maximum", binary_kernel(np.maximum), tensor=None, inplace=False,
                        tags=CORE_PW,
                        samples=_tensors_only, checks=(no_complex_check(
                            "maximum not implemented for complex tensors."),))["tensor"]
minimum = binary_family("minimum", binary_kernel(np.minimum), tensor=None, inplace=False,
                        tags=CORE_PW,
                        samples=_tensors_only, checks=(no_complex_check(
                            "minimum not implemented for complex tensors."),))["tensor"]
_expose("maximum", [maximum])
_expose("minimum", [minimum])
maximum.derivative(self="max_min_backward(grad, self, other, True, 0)",
                   other="max_min_backward(grad, self, other, True, 1)",
                   result="other_t + where(self_p == other_p, scalar_tensor(0.5, result), "
                          "(self_p > other_p).to(result.dtype)) * (self_t - other_t)")
minimum.derivative(self="max_min_backward(grad, self, other, False, 0)",
                   other="max_min_backward(grad, self, other, False, 1)",
                   result="other_t + where(self_p == other_p, scalar_tensor(0.5, result), "
                          "(self_p < other_p).to(result.dtype)) * (self_t - other_t)")


def _atan2(a, b):
    (a, b), dt = promote(a, b)
    if dt.is_complex:
        raise not_implemented("atan2_cpu", dt)
    if dt._cat < _FLOAT:
        f = _dtype.get_default_dtype()
        a, b, dt = as_dtype(a, f), as_dtype(b, f), f
    with np.errstate(all="ignore"):
        return np.asarray(_half(np.arctan2, a, b, dt))


atan2 = binary_family("atan2", _wrap_broadcast(_atan2), tensor=None, int_to_float=True,
                      inplace_names=(None, None), samples=_tensors_only, tags=CORE_PW,
                      out_tags=CORE_PW)["tensor"]  # (atan2.out is listed core too)
_expose("atan2", [atan2])
atan2.derivative(**{"self, other": "atan2_backward(grad, self, other, grad_input_mask)"},
                 result="(-self_p * other_t + other_p * self_t) / "
                        "(self_p.pow(2) + other_p.pow(2))")

# ---- bitwise / logical ---------------------------------------------------------------------------
for _n, _uf in (("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                ("bitwise_xor", np.bitwise_xor)):
    _fam = binary_family(
        _n, binary_kernel(_uf), scalar="Scalar", scalar_tensor="Scalar_Tensor",
        out_names=("Tensor_out", "Scalar_out", "Scalar_Tensor_out"),
        checks=(_dtype_check(_n + "_cpu", _is_float),), meta_checks=(),
        samples=_tensors_only, scalar_samples=_int_scalars(_scalar_samples), tags=CORE_PW)
    globals()[_n] = _fam["tensor"]
    _expose(_n, [_fam["scalar"], _fam["tensor"], _fam["scalar_tensor"]],
            inplace_order=[_fam["scalar"].inplace, _fam["tensor"].inplace])


def _logical(uf):
    def k(a, b):
        a = np.asarray(a) != 0
        b = np.asarray(b) != 0
        return uf(a, b)
    return _wrap_broadcast(k)


for _n, _uf in (("logical_and", np.logical_and), ("logical_or", np.logical_or),
                ("logical_xor", np.logical_xor)):
    _f = binary_family(_n, _logical(_uf), tensor=None, out_dtype=_dtype.bool,
                       inplace_names=(None, None), check_cast=False,
                       samples=_tensors_only, tags=CORE_PW)["tensor"]
    globals()[_n] = _f
    _expose(_n, [_f])


# ---- comparisons ---------------------------------------------------------------------------------
def _compare(uf, name):
    ordered = name not in ("eq", "ne")  # (complex numbers have no order)

    def k(self, other):
        if not (type(self) is np.ndarray and type(other) is np.ndarray
                and self.dtype == other.dtype):
            (self, other), _ = promote(self, other)
        if ordered and self.dtype.kind == "c":
            raise not_implemented(f"{name}_cpu", _dtype._NP_TO_DTYPE[self.dtype])
        with np.errstate(all="ignore"):
            return np.asarray(uf(self, other))
    return _wrap_broadcast(k)


def _cmp_scalar_samples(dtype):
    yield from _scalar_samples(dtype)
    yield S.SampleInput(S.make_arr((3, 2), dtype), 0)
    if dtype == "uint8":
        yield S.SampleInput(S.make_arr((3,), dtype), 300)


for _n, _uf in (("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                ("gt", np.greater), ("ge", np.greater_equal)):
    _fam = binary_family(_n, _compare(_uf, _n), scalar="Scalar",
                         out_names=("Tensor_out", "Scalar_out", None), out_dtype=_dtype.bool,
                         check_cast=False, scalar_samples=_cmp_scalar_samples, tags=CORE_PW,
                         inplace_tags=())
    globals()[_n] = _fam["tensor"]
    _expose(_n, [_fam["scalar"], _fam["tensor"]],
            inplace_order=[_fam["scalar"].inplace, _fam["tensor"].inplace])
    # (in place, the result is 0/1 in self's dtype: a zero gradient, as PyTorch declares it)
    _N = _n.title()
    _fam["scalar"].inplace.derivative(f"{_N}Backward0", self="info_zeros(self_info)",
                                      result="self_t.zero_()")
    _fam["tensor"].inplace.derivative(f"{_N}Backward1", self="info_zeros(self_info)",
                                      other="info_zeros(other_info)", result="self_t.zero_()")
for _a, _n in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"), ("less_equal", "le"),
               ("not_equal", "ne")):
    _ff = OPS[_n + ".Tensor"], OPS[_n + ".Scalar"]
    public(_a, _ff[1], _ff[0], _ff[1].out, _ff[0].out)


# ================================================================================================
# where / clamp
# ================================================================================================
def _where_check(condition):
    dt = dtype_or_none(condition)
    if dt is not _dtype.bool:
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {dt._scalar_name}")


def _where_kernel(condition, self, other):
    _where_check(condition)
    (a, b), _ = promote(self, other)
    try:
        return np.asarray(np.where(condition, a, b))
    except ValueError:
        shapes = [_shape(condition), _shape(self), _shape(other)]
        raise broadcast_error(shapes) from None


def _where_meta(condition, self, other):
    _where_check(condition)
    return pointwise_meta(condition, self, other, out_dtype=result_type(self, other))


def _where_samples(dtype):
    for i, (sc, sa, sb) in enumerate([((2, 3), (2, 3), (2, 3)), ((3,), (2, 3), ()),
                                      ((2, 1), (3,), (2, 3)), ((0, 3), (3,), (1,))]):
        yield S.SampleInput(S.make_arr(sc, "bool", seed=i), S.make_arr(sa, dtype, seed=i + 1),
                            S.make_arr(sb, dtype, seed=i + 2))
    yield S.SampleInput(S.make_arr((2, 3), "bool"), S.make_arr((2, 3), dtype, noncontig=True),
                        S.make_arr((2, 3), "float64"))


where = _declare("where.self(Tensor condition, Tensor self, Tensor other) -> Tensor",
                 _where_kernel, _where_meta, _where_samples,
                 out="where.self_out(Tensor condition, Tensor self, Tensor other, *, "
                     "Tensor(a!) out) -> Tensor(a!)", tags=CORE_PW, out_tags=(),
                 check_cast="exact", out_error=lambda r, o: RuntimeError(
                     f"Expected out type to be {r._scalar_name} but got {o._scalar_name}"))
def _where_scalar_samples(dtype):
    yield S.SampleInput(S.make_arr((2, 3), "bool"), S.make_arr((2, 3), dtype), 2)
    yield S.SampleInput(S.make_arr((2, 3), "bool"), S.make_arr((3,), dtype), 1.5)
    yield S.SampleInput(S.make_arr((2, 3), "bool"), S.make_arr((), dtype), True)


# The Scalar overloads are CompositeImplicitAutograd, as in PyTorch: the number becomes a 0-dim
# tensor of the result type (``scalar_tensor``), a tensor of another dtype is converted, and
# ``where.self`` does the rest (a mode sees those ops; the node is WhereBackward0).
def _scalar_of(value, like_dtype, device):
    return aten.scalar_tensor.default(value, dtype=like_dtype, layout=_strided(), device=device)


def _strided():
    from .._layout import strided
    return strided


_where_so = defop("where.ScalarOther(Tensor condition, Tensor self, Scalar other) -> Tensor")
_where_so.samples(_where_scalar_samples)


@_where_so.composite
def _(condition, self, other):
    rt = result_type(self, other)
    o = _scalar_of(other, rt, self.device)
    return aten.where.self(condition, self.to(rt), o)


_where_ss = defop("where.ScalarSelf(Tensor condition, Scalar self, Tensor other) -> Tensor")


@_where_ss.composite
def _(condition, self, other):
    rt = result_type(other, self)
    s_ = _scalar_of(self, rt, other.device)
    return aten.where.self(condition, s_, other.to(rt))


_where_s = defop("where.Scalar(Tensor condition, Scalar self, Scalar other) -> Tensor")


@_where_s.composite
def _(condition, self, other):
    rt = result_type(self, other)
    o = _scalar_of(other, rt, condition.device)
    return aten.where.self(condition, _scalar_of(self, rt, condition.device), o)


# ``where(condition)``: ``nonzero(condition, as_tuple=True)`` (PyTorch's nonzero_numpy)
_where_cond = defop("where(Tensor condition) -> Tensor[]")


@_where_cond.composite
def _(condition):
    if len(condition._size) == 0:
        condition = aten.unsqueeze.default(condition, 0)
    return tuple(aten.unbind.int(aten.nonzero.default(condition), 1))


_where_fn = public("where", _where_cond, where, _where_so, _where_ss, _where_s, where.out,
                   method=False)
where.derivative(self="where(condition, grad, scalar_tensor(0, grad))",
                 other="where(condition, scalar_tensor(0, grad), grad)",
                 result="where(condition, self_t, other_t)")


@method("where")
def _where_method(self, condition, other):
    return _where_fn(condition, self, other)


def _masked_fill_check(mask):
    dt = dtype_or_none(mask)
    if dt is not _dtype.bool:
        name = cpp_name(dt)  # (c10's C++ type names)
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{name}")


def _masked_fill_kernel(self, mask, value):
    _masked_fill_check(mask)
    dt = dtype_or_none(self)
    check_scalar_fits(value, dt)
    return np.asarray(np.where(mask, np_scalar(value, dt), self))


def _masked_fill_meta(self, mask, value):
    _masked_fill_check(mask)
    return pointwise_meta(self, mask, out_dtype=self.dtype)


def _masked_fill_samples(dtype):
    yield S.SampleInput(S.make_arr((2, 3), dtype), S.make_arr((2, 3), "bool"), 0)
    yield S.SampleInput(S.make_arr((2, 3), dtype, noncontig=True), S.make_arr((3,), "bool"), 1)
    yield S.SampleInput(S.make_arr((), dtype), S.make_arr((), "bool", seed=1), True)


masked_fill = _declare(
    "masked_fill.Scalar(Tensor self, Tensor mask, Scalar value) -> Tensor",
    _wrap_broadcast(_masked_fill_kernel, other_first=True), _masked_fill_meta,
    _masked_fill_samples,
    inplace="masked_fill_.Scalar(Tensor(a!) self, Tensor mask, Scalar value) -> Tensor(a!)",
    inplace_tags=())


def _masked_fill_value_check(ndim):
    if ndim != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {ndim} dimension(s).")


def _masked_fill_tensor_kernel(self, mask, value):
    _masked_fill_value_check(np.ndim(value))
    return _masked_fill_kernel(self, mask, np.asarray(value).item())


def _masked_fill_tensor_meta(self, mask, value):
    _masked_fill_value_check(len(value.shape))
    return _masked_fill_meta(self, mask, 0)


def _masked_fill_tensor_samples(dtype):
    yield S.SampleInput(S.make_arr((2, 3), dtype), S.make_arr((2, 3), "bool"),
                        S.make_arr((), dtype, seed=3))
    yield S.SampleInput(S.make_arr((2, 3), dtype, noncontig=True), S.make_arr((3,), "bool"),
                        S.make_arr((), dtype, seed=4))


masked_fill_tensor = _declare(
    "masked_fill.Tensor(Tensor self, Tensor mask, Tensor value) -> Tensor",
    _wrap_broadcast(_masked_fill_tensor_kernel), _masked_fill_tensor_meta,
    _masked_fill_tensor_samples,
    inplace="masked_fill_.Tensor(Tensor(a!) self, Tensor mask, Tensor value) -> Tensor(a!)",
    tags=())
_expose("masked_fill", [masked_fill, masked_fill_tensor])


def _masked_fill_overlaps(self, inputs):
    """masked_fill_'s TensorIterator skips the memory-overlap checks: an expanded ``self`` is
    only deprecated (a warning each time), a mask partly overlapping it refused (after the
    value's and the mask's own checks, as masked_fill__cpu makes them)."""
    inputs = list(inputs)
    if not inputs:
        return
    if len(inputs) > 1 and isinstance(inputs[1], Tensor):
        _masked_fill_value_check(len(inputs[1]._size))
    mask = inputs[0]
    _masked_fill_check(mask)
    if has_internal_overlap(self):
        warn_user("Use of masked_fill_ on expanded tensors is deprecated. Please clone() the "
                  "tensor before performing this operation. This also applies to advanced "
                  "indexing e.g. tensor[mask] = scalar")
    check_mem_overlaps(self, (mask,), internal=False)


masked_fill.inplace.check_overlaps = _masked_fill_overlaps
masked_fill_tensor.inplace.check_overlaps = _masked_fill_overlaps


masked_fill.derivative(self="grad.masked_fill(mask, 0)", result="self_t.masked_fill(mask, 0)")
# (value's gradient: PyTorch's masked_fill_backward takes where(mask, grad, 0).sum() whenever
# a mode or subclass could look, masked_select(mask).sum() otherwise: the same values)
masked_fill_tensor.derivative(
    "MaskedFillBackward1", self="grad.masked_fill(mask, 0)",
    value="where(mask, grad, scalar_tensor(0, grad)).sum()",
    result="self_t.masked_fill(mask, value_t)")


def _clamp_dtype(self, lo, hi):
    return result_type(self, lo, hi)


def _clamp_complex_check(self, min, max, tensor_bound=None):  # noqa: A002
    """PyTorch's refusal of complex clamps (clamp_min/clamp_max with a tensor bound are
    maximum/minimum kernels)."""
    if _clamp_dtype(self, min, max).is_complex:
        if tensor_bound is not None:
            raise not_implemented(f"{tensor_bound}_cpu", _clamp_dtype(self, min, max))
        raise NotImplementedError("clamp is not supported for complex types")


_MAX_SCALAR, _MIN_SCALAR = partial(scalar_bound, np.maximum), partial(scalar_bound, np.minimum)


def _clamp_kernel(self, min=None, max=None, _tensor_bound=None):  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    _clamp_complex_check(self, min, max, _tensor_bound)
    dt = _clamp_dtype(self, min, max)
    if dt is _dtype.bool and dtype_or_none(min if min is not None else max) is None:
        kname = "clamp_scalar_cpu" if min is not None and max is not None else \
            "clamp_min_scalar_cpu" if min is not None else "clamp_max_scalar_cpu"
        raise not_implemented(kname, dt)
    if dt is _dtype.bool and min is not None and max is not None:
        raise not_implemented("clamp_cpu", dt)
    for v in (min, max):
        if v is not None and dtype_or_none(v) is None:
            check_scalar_fits(v, dt)
    a = as_dtype(self, dt)
    with np.errstate(all="ignore"):
        r = a
        # (a tensor bound wins ties, as PyTorch's maximum/minimum kernels; a number loses
        # them, as its clamp_scalar kernels: see scalar_bound)
        if min is not None:
            r = _half(np.maximum if dtype_or_none(min) is not None else _MAX_SCALAR, r,
                      as_dtype(min, dt), dt)
        if max is not None:
            r = _half(np.minimum if dtype_or_none(max) is not None else _MIN_SCALAR, r,
                      as_dtype(max, dt), dt)
    return np.array(r, dtype=dt._np, copy=True)


def _clamp_meta(self, min=None, max=None, _tensor_bound=False):  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if not _tensor_bound:  # (PyTorch's meta functions of the clamps refuse complex)
        _clamp_complex_check(self, min, max)
    return pointwise_meta(self, *[v for v in (min, max) if v is not None],
                          out_dtype=_clamp_dtype(self, min, max))


def _clamp_samples(dtype):
    yield S.SampleInput(S.make_arr((2, 3), dtype), -1, 2)
    yield S.SampleInput(S.make_arr((4,), dtype), 1)
    yield S.SampleInput(S.make_arr((4,), dtype), None, 1)
    yield S.SampleInput(S.make_arr((3, 2), dtype, noncontig=True), min=-0.5, max=3.5)
    yield S.SampleInput(S.make_arr((), dtype), 3, 1)
    yield S.SampleInput(S.make_arr((0, 2), dtype), 0, 1)


def _clamp_tensor_samples(dtype):
    yield S.SampleInput(S.make_arr((2, 3), dtype), S.make_arr((3,), dtype, seed=1),
                        S.make_arr((2, 3), dtype, seed=2))
    yield S.SampleInput(S.make_arr((4,), dtype), S.make_arr((), dtype, seed=3))
    yield S.SampleInput(S.make_arr((4,), dtype), None, S.make_arr((4,), dtype, seed=4))
    yield S.SampleInput(S.make_arr((2, 2), dtype), S.make_arr((2, 2), "float64", seed=5))


def _clamp1(which):
    def k(self, bound):
        tensor_bound = None
        if dtype_or_none(bound) is not None:
            tensor_bound = "maximum" if which == "min" else "minimum"
        return _clamp_kernel(self, _tensor_bound=tensor_bound, **{which: bound})

    def m(self, bound):
        return _clamp_meta(self, _tensor_bound=dtype_or_none(bound) is not None,
                           **{which: bound})
    return k, m


def _clamp1_samples(dtype):
    for s in _clamp_samples(dtype):
        if len(s.args) >= 1 and s.args[0] is not None and not s.kwargs:
            yield S.SampleInput(s.input, s.args[0])


def _clamp1_tensor_samples(dtype):
    for s in _clamp_tensor_samples(dtype):
        if s.args[0] is not None:
            yield S.SampleInput(s.input, s.args[0])


_MM = "Scalar? min=None, Scalar? max=None"
_TMM = "Tensor? min=None, Tensor? max=None"
clamp = _declare(f"clamp(Tensor self, {_MM}) -> Tensor", _clamp_kernel, _clamp_meta,
                 _clamp_samples,
                 out=f"clamp.out(Tensor self, {_MM}, *, Tensor(a!) out) -> Tensor(a!)",
                 inplace=f"clamp_(Tensor(a!) self, {_MM}) -> Tensor(a!)", cpp_names=True,
                 tags=CORE_PW, check_cast="same")
clamp_tensor = _declare(
    f"clamp.Tensor(Tensor self, {_TMM}) -> Tensor", _wrap_broadcast(_clamp_kernel),
    _clamp_meta, _clamp_tensor_samples,
    out=f"clamp.Tensor_out(Tensor self, {_TMM}, *, Tensor(a!) out) -> Tensor(a!)",
    inplace=f"clamp_.Tensor(Tensor(a!) self, {_TMM}) -> Tensor(a!)", tags=CORE_PW)
_expose("clamp", [clamp, clamp_tensor])
_expose("clip", [clamp, clamp_tensor])
clamp.derivative("ClampBackward1", self="clamp_backward(grad, self, min, max)",
                 result="clamp_backward(self_t, self_p, min, max)")
clamp_tensor.derivative(**{"self": "clamp_tensor_backward(grad, self, min, max)",
                           "min, max": "clamp_backward_min_max(grad, self, min, max, "
                                       "grad_input_mask)"},
                        result="clamp_jvp(self_p, self_t, min_p, min_t, max_p, max_t)")
for _w in ("min", "max"):
    _k, _m = _clamp1(_w)
    _s = _declare(f"clamp_{_w}(Tensor self, Scalar {_w}) -> Tensor", _k, _m, _clamp1_samples,
                  out=f"clamp_{_w}.out(Tensor self, Scalar {_w}, *, Tensor(a!) out) "
                      "-> Tensor(a!)",
                  inplace=f"clamp_{_w}_(Tensor(a!) self, Scalar {_w}) -> Tensor(a!)",
                  cpp_names=True, check_cast="same")
    _t = _declare(f"clamp_{_w}.Tensor(Tensor self, Tensor {_w}) -> Tensor",
                  _wrap_broadcast(_k), _m, _clamp1_tensor_samples,
                  out=f"clamp_{_w}.Tensor_out(Tensor self, Tensor {_w}, *, Tensor(a!) out) "
                      "-> Tensor(a!)",
                  inplace=f"clamp_{_w}_.Tensor(Tensor(a!) self, Tensor {_w}) -> Tensor(a!)")
    globals()["clamp_" + _w] = _s
    _expose("clamp_" + _w, [_s, _t])
    _cmp = ">=" if _w == "min" else "<="
    _cmp_not = "<" if _w == "min" else ">"  # (where the bound, not self, gets the gradient)
    _s.derivative(**{"self": f"where_compared(grad, self, '{_cmp}', {_w})",
                     "result": "auto_element_wise"})
    _t.derivative(f"Clamp{_w.title()}Backward1",
                  **{"self": f"where_compared(grad, self, '{_cmp}', {_w})",
                     _w: f"where_compared(grad, self, '{_cmp_not}', {_w})",
                     "result": f"where(self_p {_cmp} {_w}_p, self_t, {_w}_t)"})
