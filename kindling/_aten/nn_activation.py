"""The activation ops of ``torch.nn.functional`` that PyTorch implements natively (``elu``,
``gelu``, ``hardtanh``, ``leaky_relu``, ``softplus``, ``silu``, ``mish``, ``hardswish``,
``hardsigmoid``, ``log_sigmoid_forward``, ``softshrink``, ``hardshrink``, ``threshold``,
``glu``, ``_prelu_kernel``) with their ``*_backward`` ops, and the
CompositeImplicitAutograd ones written with them (``selu``, ``celu``, ``relu6``,
``log_sigmoid``, ``prelu``).  (``rrelu``: ``_aten/dropout.py``.)

Backward formulas are derivatives.yaml's (the ``*_backward`` op); forward AD is
``auto_element_wise``.  A ``*_backward`` op's own derivative with respect to the input is the
second derivative, taken here by differentiating a composite form of the first one
(``_second_derivative``).  Defined at first use (``_aten/_lazy.py``).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from ._api import public
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._pointwise_util import fp_silent, not_implemented, pointwise_meta
from ._util import sum_to_dims, wrap_dim
from ._copy_out import copy_out_variant
from ._variants import inplace_variant, out_variant
from .._dispatcher.keys import K

_LOW = _dtype.LOW_PRECISION_NP


def _floating(kernel_name, *arrays, complex_ok=False):
    """PyTorch's dispatch-macro refusal of integer (and complex) inputs."""
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind in "biu" or (a.dtype.kind == "c" and not complex_ok):
            raise not_implemented(kernel_name, _dtype._NP_TO_DTYPE[a.dtype])


def _compute(fn, *arrays):
    """``fn(*arrays)`` without NumPy warnings, float16/bfloat16 computed in float32."""
    dt = np.asarray(arrays[0]).dtype
    if dt in _LOW:
        r = fp_silent(fn, *[np.asarray(a, np.float32) for a in arrays])
        return np.asarray(r).astype(dt)
    return np.asarray(fp_silent(fn, *arrays)).astype(dt, copy=False)


def _real_scalar(v, arr):
    """A complex Scalar as the real tensor's dtype takes it (c10's checked conversion: only
    a zero imaginary part converts)."""
    if isinstance(v, complex):
        if v.imag != 0:
            name = {"float64": "double", "float32": "float", "float16": "c10::Half",
                    "bfloat16": "c10::BFloat16"}.get(str(np.asarray(arr).dtype), "float")
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")
        return v.real
    return v


def _unary_meta(self, *args, **kwargs):
    return empty_meta(tuple(self.shape), self.dtype)


def _binary_meta(grad_output, self, *args, **kwargs):
    return pointwise_meta(grad_output, self)


def _second_derivative(first, grad, grad_output, self):
    """The gradient through ``self`` of a backward op ``first(grad_output, self)`` (a
    composite of differentiable ops): its vector-Jacobian product with ``grad``, at
    ``self``, taken by a nested backward pass in the caller's dispatch state (the engine runs
    formulas below autograd)."""
    from .._dispatcher.tls import state as tls
    from ..autograd import grad as _grad
    from ..autograd.graph import _engine_state
    from ..autograd.grad_mode import enable_grad
    outer = getattr(_engine_state, "outer", None)
    prev = tls.excluded, tls.torch_function_disabled
    if outer is not None:
        tls.excluded, tls.torch_function_disabled = outer[0], outer[1]
    try:
        with enable_grad():
            x = self.detach().requires_grad_()
            out = first(grad_output.detach(), x)
            r = _grad(out, x, grad.detach(), allow_unused=True)[0] if out.requires_grad \
                else None
    finally:
        tls.excluded, tls.torch_function_disabled = prev
    return r if r is not None else aten.zeros_like.default(self)


def _activation(name, params, fwd, bwd, kernel_name, composite_grad, *, bwd_params=None,
                inplace=True, complex_ok=False, bwd_kernel_name=None):
    """``name(Tensor self, <params>)``, its in-place form and ``name_backward(Tensor
    grad_output, Tensor self, <bwd_params>)``.  ``fwd(x, *args)``/``bwd(g, x, *args)`` are
    NumPy; ``composite_grad(grad_output, self, *args)`` the backward with tensor ops (for the
    second derivative)."""
    bwd_params = params if bwd_params is None else bwd_params
    f = defop(f"{name}(Tensor self{', ' if params else ''}{params}) -> Tensor",
              tags=("pointwise",))
    f.cpu(lambda self, *a, **k: (_check_approximate(k.get("approximate", "none")),
                                 _floating(kernel_name, self, complex_ok=complex_ok),
                                 _compute(lambda x: fwd(x, *a, **k), self))[2])
    f.meta(_unary_meta)
    arg_names = [p.split()[1].split("=")[0] for p in params.replace("*, ", "").split(", ")
                 if p] if params else []
    b = defop(f"{name}_backward(Tensor grad_output, Tensor self"
              f"{', ' if bwd_params else ''}{bwd_params}) -> Tensor", tags=("pointwise",))
    b.cpu(lambda g, self, *a, **k: (
        _floating(bwd_kernel_name or kernel_name, self, complex_ok=complex_ok),
        _compute(lambda gg, x: bwd(gg, x, *a, **k), *np.broadcast_arrays(g, self)))[1])
    b.meta(_binary_meta)
    call = ", ".join(arg_names)
    sep = ", " if call else ""
    kw = "approximate=approximate" if name == "gelu" else call
    bwd_call = f"aten.{name}_backward.default(grad, self{sep}{kw})"
    f.derivative(self=bwd_call, result="auto_element_wise")
    env = {"composite_grad": composite_grad, "second": _second_derivative}
    args_src = ", ".join(["grad", "grad_output", "self"] + arg_names)
    src = (f"def self_formula({args_src}):\n"
           f"    return second(lambda go, x: composite_grad(go, x{sep}{call}), grad, "
           f"grad_output, self)\n")
    exec(src, env)  # (a function whose parameters name what the node saves)
    b.derivative(grad_output=f"aten.{name}_backward.default(grad, self{sep}{kw})",
                 self=env["self_formula"])
    if inplace:
        f.inplace = inplace_variant(f, f"{name}_(Tensor(a!) self{sep}{params}) -> Tensor(a!)")
    return f, b


# ---- the NumPy kernels -------------------------------------------------------------------------
def _elu(x, alpha, scale, input_scale):
    return np.where(x > 0, x * scale, alpha * scale * np.expm1(x * input_scale))


def _elu_bwd(g, x, alpha, scale, input_scale, is_result):
    neg = alpha * scale
    if is_result:
        return np.where(x <= 0, g * input_scale * (x + neg), g * scale)
    return np.where(x <= 0, g * input_scale * neg * np.exp(x * input_scale), g * scale)


_SQRT1_2 = math.sqrt(0.5)
_KAPPA = math.sqrt(2 / math.pi)
_erf_scalar = np.frompyfunc(math.erf, 1, 1)


def _erf(a):
    return np.asarray(_erf_scalar(a), dtype=np.float64).astype(a.dtype)


def _check_approximate(approximate):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(_KAPPA * (x + 0.044715 * x ** 3)))
    return x * 0.5 * (1 + _erf(x * _SQRT1_2))


def _gelu_bwd(g, x, approximate="none"):
    if approximate == "tanh":
        inner = _KAPPA * (x + 0.044715 * x ** 3)
        t = np.tanh(inner)
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _KAPPA * (1 + 3 * 0.044715 * x * x))
    cdf = 0.5 * (1 + _erf(x * _SQRT1_2))
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return g * (cdf + x * pdf)


def _softplus(x, beta=1, threshold=20):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)


def _softplus_bwd(g, x, beta, threshold):
    z = np.exp(x * beta)
    return np.where(x * beta > threshold, g, g * z / (z + 1))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _silu_bwd(g, x):
    s = _sigmoid(x)
    return g * s * (1 + x * (1 - s))


def _mish(x):
    return x * np.tanh(np.logaddexp(0, x))


def _mish_bwd(g, x):
    t = np.tanh(np.logaddexp(0, x))
    return g * (t + x * _sigmoid(x) * (1 - t * t))


def _hardswish(x):
    return x * np.minimum(np.maximum(x + 3, 0), 6) / 6


def _hardswish_bwd(g, x):
    return np.where(x < -3, 0, np.where(x <= 3, g * (x / 3 + 0.5), g))


def _hardsigmoid_bwd(g, x):
    return np.where((x > -3) & (x < 3), g / 6, 0)


# ---- composite first derivatives (for the second) ----------------------------------------------
def _t_where(cond, a, b):
    return aten.where.self(cond, a, b)


def _elu_grad_c(go, x, alpha, scale, input_scale, is_result):
    neg = alpha * scale
    if is_result:
        return _t_where(x <= 0, go * input_scale * (x + neg), go * scale)
    return _t_where(x <= 0, go * input_scale * neg * (x * input_scale).exp(), go * scale)


def _gelu_grad_c(go, x, approximate="none"):
    if approximate == "tanh":
        t = (_KAPPA * (x + 0.044715 * x ** 3)).tanh()
        return go * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _KAPPA *
                     (1 + 3 * 0.044715 * x * x))
    cdf = 0.5 * (1 + (x * _SQRT1_2).erf())
    return go * (cdf + x * (-0.5 * x * x).exp() / math.sqrt(2 * math.pi))


def _softplus_grad_c(go, x, beta, threshold):
    z = (x * beta).exp()
    return _t_where(x * beta > threshold, go, go * z / (z + 1))


def _silu_grad_c(go, x):
    s = x.sigmoid()
    return go * s * (1 + x * (1 - s))


def _mish_grad_c(go, x):
    t = aten.softplus.default(x).tanh()
    return go * (t + x * x.sigmoid() * (1 - t * t))


def _check_lambd(kernel_name):
    def check(x, lambd):
        _floating(kernel_name, x)
        hi = float(np.finfo(x.dtype).max) if x.dtype.kind == "f" else math.inf
        if not 0 <= lambd <= hi:
            dt = _dtype._NP_TO_DTYPE[x.dtype]
            raise RuntimeError(f"lambda must be in range [0, {_g6(hi)}] for input dtype "
                               f"{dt._scalar_name}, but found {_g6(lambd)}")
    return check


def _g6(v):
    """A number as C++'s ``<<`` prints it (6 significant digits)."""
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.6g}"


def _install_elu():
    elu = defop("elu(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> "
                "Tensor", tags=("pointwise",))
    elu.cpu(lambda self, alpha=1, scale=1, input_scale=1: (
        _floating("elu_cpu", self), _compute(lambda x: _elu(x, alpha, scale, input_scale),
                                             self))[1])
    elu.meta(_unary_meta)
    elu.inplace = inplace_variant(elu, "elu_(Tensor(a!) self, Scalar alpha=1, Scalar scale=1, "
                                       "Scalar input_scale=1) -> Tensor(a!)")
    b = defop("elu_backward(Tensor grad_output, Scalar alpha, Scalar scale, Scalar input_scale, "
              "bool is_result, Tensor self_or_result) -> Tensor", tags=("pointwise",))
    b.cpu(lambda g, alpha, scale, input_scale, is_result, x: (
        _floating("elu_backward_cpu", x),
        _compute(lambda gg, xx: _elu_bwd(gg, xx, alpha, scale, input_scale, is_result),
                 *np.broadcast_arrays(g, x)))[1])
    b.meta(lambda g, alpha, scale, input_scale, is_result, x: pointwise_meta(g, x))
    elu.derivative(self="aten.elu_backward.default(grad, alpha, scale, input_scale, False, "
                        "self)", result="auto_element_wise")
    elu.inplace.derivative("EluBackward1", self="aten.elu_backward.default(grad, alpha, scale, "
                                                "input_scale, True, result)",
                           result="auto_element_wise")

    def self_or_result(grad, grad_output, alpha, scale, input_scale, is_result,
                       self_or_result):
        return _second_derivative(
            lambda go, x: _elu_grad_c(go, x, alpha, scale, input_scale, is_result), grad,
            grad_output, self_or_result)
    b.derivative(grad_output="aten.elu_backward.default(grad, alpha, scale, input_scale, "
                             "is_result, self_or_result)", self_or_result=self_or_result)

    # selu and celu: elu with fixed coefficients (CompositeImplicitAutograd), as PyTorch
    selu = defop("selu(Tensor self) -> Tensor")
    selu.composite(lambda self: aten.elu.default(self, _SELU_ALPHA, _SELU_SCALE))
    selu_ = defop("selu_(Tensor(a!) self) -> Tensor(a!)")
    selu_.composite(lambda self: aten.elu_.default(self, _SELU_ALPHA, _SELU_SCALE))
    celu = defop("celu(Tensor self, Scalar alpha=1.) -> Tensor")
    celu_ = defop("celu_(Tensor(a!) self, Scalar alpha=1.) -> Tensor(a!)")

    def _celu_check(alpha):
        if alpha == 0:
            raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    # (CompositeExplicitAutograd, with a formula of its own: CeluBackward0)
    celu.explicit(lambda self, alpha=1.0: (_celu_check(alpha), aten.elu.default(
        self, alpha, 1.0, 1.0 / alpha))[1])
    celu.derivative(self="aten.elu_backward.default(grad, alpha, 1, 1.0 / alpha, False, self)",
                    result="auto_element_wise")
    # (PyTorch gives celu_ a formula of its own: CeluBackward1)
    celu_.explicit(lambda self, alpha=1.0: (_celu_check(alpha), aten.elu_.default(
        self, alpha, 1.0, 1.0 / alpha))[1])
    celu_.derivative("CeluBackward1", self="aten.elu_backward.default(grad, alpha, 1, "
                                           "1.0 / alpha, True, result)",
                     result="auto_element_wise")
    return elu


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _install_clamps():
    # hardtanh: clamp, integers included (clamp's refusal of complex)
    ht = defop("hardtanh(Tensor self, Scalar min_val=-1, Scalar max_val=1) -> Tensor",
               tags=("pointwise",))

    @ht.cpu
    def _(self, min_val=-1, max_val=1):
        if self.dtype.kind == "c":
            raise NotImplementedError("clamp is not supported for complex types")
        if self.dtype.kind == "b":
            raise not_implemented("clamp_cpu", _dtype.bool)
        return _compute(lambda x: np.minimum(np.maximum(x, min_val), max_val), self)
    ht.meta(_unary_meta)
    ht.inplace = inplace_variant(ht, "hardtanh_(Tensor(a!) self, Scalar min_val=-1, "
                                     "Scalar max_val=1) -> Tensor(a!)")
    hb = defop("hardtanh_backward(Tensor grad_output, Tensor self, Scalar min_val, "
               "Scalar max_val) -> Tensor", tags=("pointwise",))
    hb.cpu(lambda g, x, min_val, max_val: np.asarray(
        np.where((x <= min_val) | (x >= max_val), 0, g)).astype(np.result_type(g, x)))
    hb.meta(_binary_meta)
    ht.derivative(self="aten.hardtanh_backward.default(grad, self, min_val, max_val)",
                  result="auto_element_wise")
    ht.inplace.derivative(self="aten.hardtanh_backward.default(grad, result, min_val, max_val)",
                          result="auto_element_wise")
    hb.derivative(grad_output="aten.hardtanh_backward.default(grad, self, min_val, max_val)",
                  self="zeros_like(grad)")
    relu6 = defop("relu6(Tensor self) -> Tensor")
    relu6.composite(lambda self: aten.hardtanh.default(self, 0, 6))
    relu6_ = defop("relu6_(Tensor(a!) self) -> Tensor(a!)")
    relu6_.composite(lambda self: aten.hardtanh_.default(self, 0, 6))

    # leaky_relu
    lr = defop("leaky_relu(Tensor self, Scalar negative_slope=0.01) -> Tensor",
               tags=("pointwise",))
    lr.cpu(lambda self, negative_slope=0.01: (
        _floating("leaky_relu_cpu", self),
        _compute(lambda x: np.where(x > 0, x, x * negative_slope), self))[1])
    lr.meta(_unary_meta)
    lr.inplace = inplace_variant(lr, "leaky_relu_(Tensor(a!) self, Scalar negative_slope=0.01) "
                                     "-> Tensor(a!)")
    lb = defop("leaky_relu_backward(Tensor grad_output, Tensor self, Scalar negative_slope, "
               "bool self_is_result) -> Tensor", tags=("pointwise",))

    @lb.cpu
    def _(g, x, negative_slope, self_is_result):
        if self_is_result and negative_slope < 0:
            raise RuntimeError(
                "In-place leakyReLu backward calculation is triggered with a negative slope "
                "which is not supported. This is caused by calling in-place forward function "
                "with a negative slope, please call out-of-place version instead. File an "
                "issue at https://github.com/pytorch/pytorch if you do require supporting "
                "in-place leakRelu backward calculation with negative slope")
        _floating("leaky_relu_backward_cpu", x)
        return _compute(lambda gg, xx: np.where(xx > 0, gg, gg * negative_slope),
                        *np.broadcast_arrays(g, x))
    lb.meta(lambda g, x, negative_slope, self_is_result: pointwise_meta(g, x))
    lr.derivative(self="aten.leaky_relu_backward.default(grad, self, negative_slope, False)",
                  result="auto_element_wise")
    lr.inplace.derivative("LeakyReluBackward1",
                          self="aten.leaky_relu_backward.default(grad, result, negative_slope, "
                               "True)", result="auto_element_wise")
    lb.derivative(grad_output="aten.leaky_relu_backward.default(grad, self, negative_slope, "
                              "False)", self="zeros_like(grad)")

    # threshold
    th = defop("threshold(Tensor self, Scalar threshold, Scalar value) -> Tensor",
               tags=("pointwise",))

    @th.cpu
    def _(self, threshold, value):
        if self.dtype.kind == "c":
            raise not_implemented("threshold_cpu", _dtype._NP_TO_DTYPE[self.dtype])
        threshold, value = _real_scalar(threshold, self), _real_scalar(value, self)
        return _compute(lambda x: np.where(x <= threshold, value, x), self)
    th.meta(_unary_meta)
    th.inplace = inplace_variant(th, "threshold_(Tensor(a!) self, Scalar threshold, "
                                     "Scalar value) -> Tensor(a!)")
    th.derivative(self="threshold_backward(grad, self, threshold)", result="auto_element_wise")
    th.inplace.derivative("ThresholdBackward1", self="threshold_backward(grad, self, threshold)",
                          result="auto_element_wise")


def _install_shrinks():
    for name, fwd, kname in (
            ("softshrink", lambda x, l: np.where(x > l, x - l, np.where(x < -l, x + l, 0)),
             "softshrink_check"),
            ("hardshrink", lambda x, l: np.where((x >= -l) & (x <= l), 0, x), "hardshrink_cpu")):
        f = defop(f"{name}(Tensor self, Scalar lambd=0.5) -> Tensor", tags=("pointwise",))
        check = _check_lambd(kname) if name == "softshrink" else \
            (lambda kn: lambda x, lambd: _floating(kn, x))(kname)

        def kernel(self, lambd=0.5, fwd=fwd, check=check):
            check(self, lambd)
            return _compute(lambda x: fwd(x, lambd), self)
        f.cpu(kernel)
        f.meta(_unary_meta)
        b = defop(f"{name}_backward(Tensor {'grad_output' if name == 'softshrink' else 'grad_out'}, "
                  "Tensor self, Scalar lambd) -> Tensor",
                  tags=("pointwise",))
        b.cpu(lambda g, x, lambd, kn=kname: (
            _floating(kn, x),
            _compute(lambda gg, xx: np.where((xx >= -lambd) & (xx <= lambd), 0, gg),
                     *np.broadcast_arrays(g, x)))[1])
        b.meta(_binary_meta)
        f.derivative(self=f"aten.{name}_backward.default(grad, self, lambd)",
                     result="auto_element_wise")
        b.derivative(**{"grad_output" if name == "softshrink" else "grad_out":
                        f"aten.{name}_backward.default(grad, self, lambd)"},
                     self="zeros_like(grad)")


def _install_log_sigmoid():
    fwd = defop("log_sigmoid_forward(Tensor self) -> (Tensor output, Tensor buffer)")

    @fwd.cpu
    def _(self):
        _floating("log_sigmoid_cpu", self)
        buf = _compute(lambda x: np.exp(-np.abs(x)), self)
        out = _compute(lambda x, z: np.minimum(x, 0) - np.log1p(z), self, buf)
        return out, buf

    fwd.meta(lambda self: (empty_meta(tuple(self.shape), self.dtype),
                           empty_meta(tuple(self.shape), self.dtype)))
    bwd = defop("log_sigmoid_backward(Tensor grad_output, Tensor self, Tensor buffer) -> Tensor")

    @bwd.cpu
    def _(g, x, buffer):
        _floating("log_sigmoid_backward_cpu", x)

        def f(g, x, z):
            neg = x < 0
            return g * (np.where(neg, 1, 0) - np.where(neg, 1, -1) * (z / (1 + z)))
        return _compute(f, *np.broadcast_arrays(g, x, buffer))
    bwd.meta(lambda g, x, buffer: pointwise_meta(g, x))
    fwd.output_differentiability = [True, False]
    fwd.derivative("LogSigmoidBackward0",
                   self="aten.log_sigmoid_backward.default(grad, self, buffer)",
                   result="aten.log_sigmoid_backward.default(self_t, self_p, buffer)")

    def self_formula(grad, grad_output, self):
        s = self.sigmoid()  # d/dx (1 - sigmoid(x)) = -sigmoid(x)(1 - sigmoid(x))
        return -grad * grad_output * s * (1 - s)
    bwd.derivative(grad_output="aten.log_sigmoid_backward.default(grad, self, buffer)",
                   self=self_formula)
    ls = defop("log_sigmoid(Tensor self) -> Tensor")
    ls.composite(lambda self: aten.log_sigmoid_forward.default(self)[0])


def _install_glu():
    glu = defop("glu(Tensor self, int dim=-1) -> Tensor")

    def _halves(self, dim):
        if self.ndim == 0:
            raise RuntimeError("glu does not support scalars because halving size must be even")
        d = wrap_dim(dim, self.ndim)
        n = self.shape[d]
        if n % 2:
            raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
        return d, n // 2

    @glu.cpu
    def _(self, dim=-1):
        d, h = _halves(self, dim)
        _floating("glu_cpu", self)
        a, b = np.split(self, 2, axis=d)
        return _compute(lambda a, b: a * _sigmoid(b), a, b)

    @glu.meta
    def _(self, dim=-1):
        d, h = _halves(self, dim)
        shape = list(self.shape)
        shape[d] = h
        return empty_meta(tuple(shape), self.dtype)
    gb = defop("glu_backward(Tensor grad_output, Tensor self, int dim) -> Tensor")

    @gb.cpu
    def _(g, self, dim):
        d, h = _halves(self, dim)
        _floating("glu_backward_cpu", self)

        def f(g, a, b):
            s = _sigmoid(b)
            return np.concatenate([s * g, a * s * (1 - s) * g], axis=d)
        a, b = np.split(self, 2, axis=d)
        return _compute(f, g, a, b)
    gb.meta(lambda g, self, dim: empty_meta(tuple(self.shape), self.dtype))

    def glu_jvp(self_p, self_t, dim, result):
        a, b = self_p.chunk(2, dim)
        ta, tb = self_t.chunk(2, dim)
        s = b.sigmoid()
        return ta * s + a * s * (1 - s) * tb

    glu.derivative(self="aten.glu_backward.default(grad, self, dim)", result=glu_jvp)

    def gb_self(grad, grad_output, self, dim):
        def first(go, x):
            a, b = x.chunk(2, dim)
            s = b.sigmoid()
            return aten.cat.default([s * go, a * s * (1 - s) * go], dim)
        return _second_derivative(first, grad, grad_output, self)
    gb.derivative(grad_output="aten.glu_backward.default(grad, self, dim)", self=gb_self)


def _install_prelu():
    k = defop("_prelu_kernel(Tensor self, Tensor weight) -> Tensor")

    @k.cpu
    def _(self, weight):
        _floating("prelu_cpu", self)
        return _compute(lambda x, w: np.where(x > 0, x, w * x), *np.broadcast_arrays(self, weight))
    k.meta(lambda self, weight: pointwise_meta(self, weight))
    kb = defop("_prelu_kernel_backward(Tensor grad_output, Tensor self, Tensor weight) -> "
               "(Tensor, Tensor)")

    @kb.cpu
    def _(g, x, w):
        _floating("prelu_backward_cpu", x)
        g, xb, wb = np.broadcast_arrays(g, x, w)
        gx = _compute(lambda g, x, w: np.where(x > 0, g, w * g), g, xb, wb)
        gw = _compute(lambda g, x: np.where(x > 0, 0, x * g), g, xb)
        return gx, gw
    kb.meta(lambda g, x, w: (pointwise_meta(g, x, w), pointwise_meta(g, x, w)))

    def prelu_backward(grad, self, weight, grad_input_mask):
        gx, gw = aten._prelu_kernel_backward.default(grad, self, weight)
        return gx, sum_to_shape(gw, weight.shape)

    def prelu_jvp(self_p, self_t, weight_p, weight_t):
        return _t_where(self_p > 0, self_t, weight_p * self_t + weight_t * self_p)

    k.derivative("PreluKernelBackward0", **{"self, weight": prelu_backward}, result=prelu_jvp)

    def kb_formula(grads, grad_output, self, weight, grad_input_mask):
        # of gx = where(x > 0, g, w g) and gw = where(x > 0, 0, x g)
        ggx, ggw = grads
        pos = self > 0
        zero = self.new_zeros(())
        go = None
        gs = None
        gw = None
        if ggx is not None:
            go = _t_where(pos, ggx, weight * ggx)
            gw = _t_where(pos, zero, grad_output * ggx)
        if ggw is not None:
            t = _t_where(pos, zero, self * ggw)
            go = t if go is None else go + t
            gs = _t_where(pos, zero, grad_output * ggw)
        # (PyTorch's formula gives every input a gradient, zeros where it has none)
        return (aten.zeros_like.default(grad_output) if go is None else go,
                aten.zeros_like.default(self) if gs is None else gs,
                aten.zeros_like.default(weight) if gw is None else sum_to_shape(gw,
                                                                               weight.shape))
    kb.derivative("PreluKernelBackwardBackward0",
                  **{"grad_output, self, weight": kb_formula})
    prelu = defop("prelu(Tensor self, Tensor weight) -> Tensor")

    @prelu.composite
    def _(self, weight):
        n = weight.numel()
        if weight.dim() > 1:
            raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                               f"ndim = {weight.dim()}")
        if self.dim() == 0:
            if n != 1:
                raise RuntimeError("Not allow zero-dim input tensor.")
            return aten._prelu_kernel.default(self, weight.reshape(()))
        channels = self.shape[1] if self.dim() >= 2 else 1
        if n != 1 and n != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {n} and channel size = {channels}.")
        if n == 1 or self.dim() < 2:
            w = weight.reshape([1] * self.dim()) if weight.dim() else weight
        else:
            w = weight.reshape([1, n] + [1] * (self.dim() - 2))
        return aten._prelu_kernel.default(self, w)


def sum_to_shape(t, shape):
    shape = tuple(shape)
    if tuple(t.shape) == shape:
        return t
    dims = sum_to_dims(tuple(t.shape), shape)
    r = t.sum(dims, keepdim=True) if dims else t
    return r.reshape(shape)


# the out= forms (op, schema, declared tags, out arguments), as native_functions.yaml has them
_OUT_FORMS = (
    ('elu', 'elu.out(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('elu_backward', 'elu_backward.grad_input(Tensor grad_output, Scalar alpha, Scalar scale, Scalar input_scale, bool is_result, Tensor self_or_result, *, Tensor(a!) grad_input) -> Tensor(a!)',
     (), ('grad_input',)),
    ('celu', 'celu.out(Tensor self, Scalar alpha=1., *, Tensor(a!) out) -> Tensor(a!)',
     ('generated',), ('out',)),
    ('gelu', 'gelu.out(Tensor self, *, str approximate="none", Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('gelu_backward', 'gelu_backward.grad_input(Tensor grad_output, Tensor self, *, str approximate="none", Tensor(a!) grad_input) -> Tensor(a!)',
     (), ('grad_input',)),
    ('hardtanh', 'hardtanh.out(Tensor self, Scalar min_val=-1, Scalar max_val=1, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('hardtanh_backward', 'hardtanh_backward.grad_input(Tensor grad_output, Tensor self, Scalar min_val, Scalar max_val, *, Tensor(a!) grad_input) -> Tensor(a!)',
     (), ('grad_input',)),
    ('leaky_relu', 'leaky_relu.out(Tensor self, Scalar negative_slope=0.01, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('leaky_relu_backward', 'leaky_relu_backward.grad_input(Tensor grad_output, Tensor self, Scalar negative_slope, bool self_is_result, *, Tensor(a!) grad_input) -> Tensor(a!)',
     (), ('grad_input',)),
    ('softplus', 'softplus.out(Tensor self, Scalar beta=1, Scalar threshold=20, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('softplus_backward', 'softplus_backward.grad_input(Tensor grad_output, Tensor self, Scalar beta, Scalar threshold, *, Tensor(a!) grad_input) -> Tensor(a!)',
     (), ('grad_input',)),
    ('silu', 'silu.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)',
     ('pointwise',), ('out',)),
    ('silu_backward', 'silu_backward.grad_input(Tensor grad_output, Tensor self, *, Tensor(a!) grad_input) -> Tensor(a!)',
     ('pointwise',), ('grad_input',)),
    ('mish', 'mish.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('hardswish', 'hardswish.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('hardswish_backward', 'hardswish_backward.out(Tensor grad_output, Tensor self, *, Tensor(a!) out) -> Tensor(a!)',
     ('generated',), ('out',)),
    ('hardsigmoid', 'hardsigmoid.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('hardsigmoid_backward', 'hardsigmoid_backward.grad_input(Tensor grad_output, Tensor self, *, Tensor(a!) grad_input) -> Tensor(a!)',
     (), ('grad_input',)),
    ('log_sigmoid', 'log_sigmoid.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('log_sigmoid_forward', 'log_sigmoid_forward.output(Tensor self, *, Tensor(a!) output, Tensor(b!) buffer) -> (Tensor(a!), Tensor(b!))',
     (), ('output', 'buffer')),
    ('log_sigmoid_backward', 'log_sigmoid_backward.grad_input(Tensor grad_output, Tensor self, Tensor buffer, *, Tensor(a!) grad_input) -> Tensor(a!)',
     (), ('grad_input',)),
    ('softshrink', 'softshrink.out(Tensor self, Scalar lambd=0.5, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('softshrink_backward', 'softshrink_backward.grad_input(Tensor grad_output, Tensor self, Scalar lambd, *, Tensor(a!) grad_input) -> Tensor(a!)',
     (), ('grad_input',)),
    ('hardshrink', 'hardshrink.out(Tensor self, Scalar lambd=0.5, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('hardshrink_backward', 'hardshrink_backward.grad_input(Tensor grad_out, Tensor self, Scalar lambd, *, Tensor(a!) grad_input) -> Tensor(a!)',
     (), ('grad_input',)),
    ('threshold', 'threshold.out(Tensor self, Scalar threshold, Scalar value, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('glu', 'glu.out(Tensor self, int dim=-1, *, Tensor(a!) out) -> Tensor(a!)',
     (), ('out',)),
    ('glu_backward', 'glu_backward.grad_input(Tensor grad_output, Tensor self, int dim, *, Tensor(a!) grad_input) -> Tensor(a!)',
     (), ('grad_input',)),
)


def _install_out_forms():
    from ._defop import _ALL_OPS
    for name, schema, tags, outs in _OUT_FORMS:
        f = _ALL_OPS[name + ".default"]
        if len(outs) == 1 and K.CPU in f.entry.kernels:  # (a NumPy kernel's structured out=)
            out_variant(f, schema, tags=tags)
        else:
            copy_out_variant(f, schema, outs, tags=tags)


# the tags native_functions.yaml declares where they are not those of the helper that made
# the op
_TAGS = {
    "elu.default": ("core", "pointwise"), "gelu.default": ("core", "pointwise"),
    "hardtanh.default": ("core", "pointwise"), "leaky_relu.default": ("core", "pointwise"),
    "selu.default": ("pointwise",), "selu_.default": ("pointwise",),
    "celu.default": ("pointwise",), "celu_.default": ("pointwise",),
    "relu6.default": ("pointwise",), "hardswish.default": (),
    **{f"{n}.default": () for n in (
        "elu_backward", "hardtanh_backward", "leaky_relu_backward", "softplus_backward",
        "mish_backward", "hardswish_backward", "hardsigmoid_backward", "softshrink_backward",
        "hardshrink_backward", "gelu_", "mish_", "hardswish_", "threshold_")},
}


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    _install_elu()
    _install_pointwise()
    _install_clamps()
    _install_shrinks()
    _install_log_sigmoid()
    _install_glu()
    _install_prelu()
    _install_out_forms()
    from ._defop import _ALL_OPS
    for name, tags in _TAGS.items():
        _ALL_OPS[name].retag(*tags)
    for name in ("selu", "selu_", "celu", "celu_", "threshold", "threshold_", "hardshrink",
                 "prelu", "_prelu_kernel"):
        public(name, getattr(aten, name).default, method=False)


def _install_pointwise():
    gelu, _ = _activation("gelu", "*, str approximate=\"none\"", _gelu, _gelu_bwd,
                          "GeluKernelImpl", _gelu_grad_c,
                          bwd_kernel_name="GeluBackwardCPUKernelImpl")
    gelu.meta(lambda self, approximate="none": (_check_approximate(approximate),
                                                _unary_meta(self))[1])
    _activation("softplus", "Scalar beta=1, Scalar threshold=20", _softplus, _softplus_bwd,
                "softplus_cpu", _softplus_grad_c, bwd_params="Scalar beta, Scalar threshold",
                inplace=False, bwd_kernel_name="softplus_backward_cpu")
    _activation("silu", "", lambda x: x * _sigmoid(x), _silu_bwd, "silu_cpu", _silu_grad_c,
                complex_ok=True, bwd_kernel_name="silu_backward_cpu")
    _activation("mish", "", _mish, _mish_bwd, "mish_cpu", _mish_grad_c,
                bwd_kernel_name="mish_backward_cpu")
    _activation("hardswish", "", _hardswish, _hardswish_bwd, "hardswish_cpu",
                lambda go, x: _t_where(x < -3, go * 0, _t_where(x <= 3, go * (x / 3 + 0.5), go)),
                bwd_kernel_name="hardswish_backward_cpu")
    _, hb = _activation("hardsigmoid", "", lambda x: np.minimum(np.maximum(x + 3, 0), 6) / 6,
                        _hardsigmoid_bwd, "hardsigmoid_cpu", None,
                        bwd_kernel_name="hardsigmoid_backward")

    def not_implemented_formula(grad):
        raise RuntimeError("derivative for aten::hardsigmoid_backward is not implemented")
    hb.derivative(grad_output=not_implemented_formula, self=not_implemented_formula)
