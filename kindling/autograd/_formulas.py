"""Helpers that derivative formulas call (PyTorch's FunctionsManual, in Python).

Formulas declared next to the ops (``mul.derivative(self="grad * other", ...)``) are evaluated
with these names in scope.  Everything here computes with dispatched kindling ops (Tensor
methods and ``aten`` overloads), so modes and subclasses observe backward computations and
double backward records a graph like any forward code.
"""
from __future__ import annotations

import cmath
import math
import operator as _op

from .. import _dtype, _ops
from .._layout import contiguous_format, strided
from .._aten._ops_registry import aten
from .._tensor import Tensor

INT64_MAX = 2 ** 63 - 1
LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
HALF_SQRT_PI = math.sqrt(math.pi) / 2  # (erfinv's derivative)


# ---- generic -----------------------------------------------------------------------------------
def maybe_multiply(t, s):
    """``t * s``, or ``t`` itself when ``s`` is 1 (PyTorch skips the multiply; a bool is
    never 1 there); a number ``s`` multiplies with ``mul.Scalar``, as C++'s ``t * s``."""
    ts = type(s)
    if ts is int or ts is float:
        if s == 1:
            return t
    elif ts is not bool and ts is not complex:
        return t * s
    return aten.mul.Scalar(t, s) if isinstance(t, Tensor) else t * s


def conj(x):
    """PyTorch's ``x.conj()`` in a formula: a tensor's conjugate view when it is complex (the
    tensor itself otherwise), a Python number's conjugate.  (Formulas writing ``conj(name)``
    get this test inline; see derivatives._ConjCalls.)"""
    if isinstance(x, Tensor):
        return x.conj() if x.dtype.is_complex else x
    return x.conjugate() if type(x) is complex else x


def handle_r_to_c(like, g):
    """The real part of a complex gradient ``g`` for a real input (``like``: the input or its
    dtype); ``g`` itself otherwise."""
    dt = like.dtype if isinstance(like, Tensor) else like
    if g is not None and g.dtype.is_complex and not dt.is_complex:
        return aten.real.default(g)
    return g


def real(t):
    """``at::real``: the real part (a view) of a complex tensor, a real tensor itself."""
    return aten.real.default(t)


def zeros_like(t):
    return aten.zeros_like.default(t)


def ones_like(t):
    return aten.ones_like.default(t)


def info_zeros(info):
    """Zeros of a saved ``<arg>_info`` (PyTorch's ``TypeAndSize::zeros``)."""
    sizes, dtype, device = info
    return aten.zeros.default(list(sizes), dtype=dtype, layout=strided, device=device)


def new_zeros(t, size):
    return aten.zeros.default(list(size), dtype=t.dtype, device=t.device)


def sum_to(t, shape):
    from .engine import sum_to as _sum_to
    return _sum_to(t, shape)


def is_float(x):
    return x.dtype.is_floating_point or x.dtype.is_complex


def where(cond, a, b):
    return aten.where.self(cond, a, b) if _is_t(a) and _is_t(b) else (
        aten.where.ScalarOther(cond, a, b) if _is_t(a) else
        aten.where.ScalarSelf(cond, a, b) if _is_t(b) else aten.where.Scalar(cond, a, b))


def _is_t(x):
    from .._tensor import Tensor
    return isinstance(x, Tensor)


def scalar_tensor(value, like):
    """PyTorch's ``at::scalar_tensor(value, like.options())``: a 0-dim tensor of ``like``'s
    dtype and device."""
    return aten.scalar_tensor.default(value, dtype=like.dtype, layout=strided,
                                      device=like.device)


def _zero(grad):
    return aten.zeros.default([], dtype=grad.dtype, device=grad.device)


def mask_grad(cond, grad):
    """``grad`` where ``cond`` holds, 0 elsewhere (broadcast to both shapes)."""
    return aten.where.ScalarOther(cond, grad, 0)


# C++'s order of evaluation (forward formulas are compiled to call these: see
# forward_ad._CppOrder): an operator's right operand, then its left; a call's arguments right
# to left
_OPERATORS = {"Add": _op.add, "Sub": _op.sub, "Mult": _op.mul,
              "Div": _op.truediv, "Pow": _op.pow, "MatMult": _op.matmul,
              "BitAnd": _op.and_, "BitOr": _op.or_, "FloorDiv": _op.floordiv,
              "Mod": _op.mod, "Eq": _op.eq, "NotEq": _op.ne,
              "Lt": _op.lt, "LtE": _op.le, "Gt": _op.gt,
              "GtE": _op.ge}


def _binop_rl(op, left, right):
    r = right()
    return _OPERATORS[op](left(), r)


def _call_rl(fn, args, kwargs):
    kv = {k: v() for k, v in reversed(list(kwargs.items()))}
    vals = [a() for a in reversed(args)]
    vals.reverse()
    return fn(*vals, **kv)


def rsub_number(t, n):
    """C++'s ``n - t`` for a number ``n``: ``at::empty_like(t).fill_(n).sub_(t)``."""
    if not isinstance(t, Tensor):
        return n - t
    return aten.sub_.Tensor(_empty_like_filled(t, n), t)


def _empty_like_filled(t, n):
    return aten.fill_.Scalar(aten.empty_like.default(t), n)


def rdiv_number(t, n):
    """C++'s ``n / t`` for a number ``n``: ``at::empty_like(t).fill_(n).div_(t)``."""
    if not isinstance(t, Tensor):
        return n / t
    return aten.div_.Tensor(_empty_like_filled(t, n), t)


# ---- pointwise ---------------------------------------------------------------------------------
def pow_backward(grad, self, exponent):
    """d(self ** exponent)/dself for a Python-number exponent (conjugated for complex)."""
    if exponent == 0 and not isinstance(exponent, bool):  # (c10: a bool Scalar never equals 0)
        return aten.zeros_like.default(self, memory_format=contiguous_format)
    # (PyTorch computes with the exponent as a double, or a complex double)
    exponent = complex(exponent) if isinstance(exponent, complex) else float(exponent)
    return grad * conj(mul_scalar(self.pow(exponent - 1), exponent))


def pow_backward_self(grad, self, exponent):
    """d(self ** exponent)/dself for a tensor exponent (0 where the exponent is 0)."""
    # (C++ evaluates the arguments of ``where`` right to left)
    g = grad * conj(exponent * self.pow(sub_scalar(exponent, 1)))
    zero = scalar_tensor(0.0, grad)
    return aten.where.self(exponent == 0.0, zero, g)


def _nonneg_real(exponent):
    """Where the exponent is a real number >= 0 (0 ** exponent has a 0 derivative there)."""
    if exponent.dtype.is_complex:
        nonneg = real(exponent) >= 0  # (C++ evaluates the right argument first)
        return aten.logical_and.default(aten.imag.default(exponent) == 0, nonneg)
    return exponent >= 0


def pow_backward_exponent(grad, self, exponent, result):
    """d(self ** exponent)/dexponent = result * log(self) (conjugated), 0 where self is 0 and
    the exponent a real number >= 0; ``self`` is a tensor or (pow.Scalar) a number."""
    if _is_t(self):
        nonneg = _nonneg_real(exponent)  # (C++ evaluates the right argument first)
        cond = aten.logical_and.default(self == 0, nonneg)
        promoted = _dtype.promote_types(self.dtype, exponent.dtype)
        base = self if self.dtype is promoted else self.to(promoted)
        g = conj(result * base.log())
        return grad * aten.where.self(cond, scalar_tensor(0.0, grad), g)
    base = complex(self) if exponent.dtype.is_complex and not isinstance(self, complex) \
        else self
    g = conj(mul_scalar(result, _scalar_log(base)))
    if self == 0:
        zero = aten.zeros.default([], dtype=grad.dtype, layout=strided, device=grad.device)
        g = aten.where.self(_nonneg_real(exponent), zero, g)
    return grad * g


def pow_jvp(self_t, exponent_t, self_p, exponent_p, result):
    """pow.Tensor_Tensor's tangent: both backward formulas on conjugate tangents, conjugated."""
    # (the exponent's term first: C++ evaluates ``a + b``'s right operand first)
    b = handle_r_to_c(exponent_p, pow_backward_exponent(conj(exponent_t), self_p, exponent_p,
                                                        result))
    a = handle_r_to_c(self_p, pow_backward_self(conj(self_t), self_p, exponent_p))
    return conj(a + b)


def _scalar_log(x):
    """C++'s ``std::log`` of a number: -inf at 0, nan below for a real one; the principal
    branch for a complex one."""
    if isinstance(x, complex):
        return complex(-math.inf, 0.0) if x == 0 else cmath.log(x)
    x = float(x)
    return math.log(x) if x > 0 else -math.inf if x == 0 else math.nan


def atan2_backward(grad, self, other, grad_input_mask):
    """Both gradients of ``atan2(self, other)``, from one ``1 / (self**2 + other**2)`` (0 where
    both inputs are 0)."""
    other_sq = other * other
    denom = self * self + other_sq
    recip = denom.reciprocal()
    # (as PyTorch: in place - keeping recip's layout - unless the graph is being recorded or
    # a mode or subclass looks on)
    if _grad_mode() or _subclass_like(recip):
        recip = recip.masked_fill(denom == 0, 0)
    else:
        recip.masked_fill_(denom == 0, 0)
    return (grad * other * recip if grad_input_mask[0] else None,
            grad * -self * recip if grad_input_mask[1] else None)


def threshold_backward(grad, result, threshold):
    return _threshold_backward(grad, result, threshold)


def sigmoid_backward(grad, result):
    return _sigmoid_backward(grad, result)


def tanh_backward(grad, result):
    return _tanh_backward(grad, result)


def abs_backward(grad, self):
    return grad * self.sgn()


def abs_jvp(self_t, self_p, result):
    """``handle_r_to_c(result, conj(self_t) * sgn(self))``: real for a complex input."""
    s = self_p.sgn()  # (C++ evaluates the right operand first)
    return handle_r_to_c(result, conj(self_t) * s)


def sgn_backward(x, gx, sgn):
    """Complex ``sgn``: ``(gx - sgn**2 * conj(gx)) / (2 |x|)`` (0 where x is 0); real: an
    efficient zero tensor, as PyTorch's formula gives."""
    if not x.dtype.is_complex:
        return aten._efficientzerotensor.default(list(sgn.shape), dtype=sgn.dtype,
                                                 device=sgn.device)
    mag = x.abs()
    # (C++ evaluates the operands right to left: the denominator first)
    den = mul_scalar(mag, 2.0)
    gx_conj = gx.conj()
    out = (gx - (sgn * sgn) * gx_conj) / den
    return out.masked_fill_(mag == 0.0, 0.0)


def angle_backward(grad, self):
    """Complex: ``grad * i self / |self|**2`` (0 at 0); real: 0."""
    if not self.dtype.is_complex:
        return aten.zeros_like.default(self)
    den = self.abs().pow(2)  # (C++ evaluates the right operand first)
    g = mul_scalar(grad * self / den, 1j)
    zero = aten.zeros.default([], dtype=self.dtype, device=self.device)
    return aten.where.self(self == 0.0, zero, g)


def angle_jvp(self_t, self_p, result):
    return handle_r_to_c(result, conj(angle_backward(conj(self_t), self_p)))


def erf_backward(grad, self):
    """``2 / sqrt(pi) * exp(-self**2) * grad``."""
    return mul_scalar((-self.pow(2)).exp(), TWO_OVER_SQRT_PI) * grad


def log1p_backward(grad, self):
    """``grad / conj(self + 1)`` (a function in PyTorch: a forward formula conjugates the
    tangent, its ``grad``, before ``self + 1``)."""
    return grad / conj(add_scalar(self, 1))


def div_other_backward(grad, self, other):
    # ``-grad * ((self / other) / other)``, in the order PyTorch's compiled C++ evaluates it
    # (the right operand first): a mode sees div, div, neg, mul
    q = conj((self / other) / other)
    return -grad * q


def div_mode_self(grad, other, rounding_mode):
    return grad / conj(other) if rounding_mode is None else zeros_like(grad)


def div_mode_other(grad, self, other, rounding_mode):
    if rounding_mode is None:
        return div_other_backward(grad, self, other)
    return aten.zeros_like.default(grad, dtype=other.dtype)


def remainder_other_backward(grad, self, other):
    q = self.div(other, rounding_mode="floor")  # (the right operand first, as in C++)
    return -grad * q


def fmod_other_backward(grad, self, other):
    q = self.div(other, rounding_mode="trunc")
    return -grad * q


def max_min_backward(grad, self, other, is_max, which):
    """maximum/minimum, as derivatives.yaml writes them: ``where(self == other, grad / 2,
    grad).masked_fill_(<the other input wins>, 0)`` (a NaN passes the gradient to both)."""
    half = aten.div.Scalar(grad, 2)  # (C++ evaluates the where's arguments right to left)
    g = aten.where.self(self == other, half, grad)
    loses = (self < other) if (which == 0) == is_max else (self > other)
    return aten.masked_fill_.Scalar(g, loses, 0)


def clamp_backward(grad, self, min, max):  # noqa: A002
    """PyTorch's: ``where(self >= min & self <= max, grad, 0)`` (its ops and their order)."""
    if min is None and max is None:
        return zeros_like(grad)
    zero = aten.scalar_tensor.default(0.0, dtype=grad.dtype, device=grad.device)
    if min is not None and max is not None:
        cond = aten.logical_and_.default(self >= min, self <= max)
    elif min is not None:
        cond = self >= min
    else:
        cond = self <= max
    return aten.where.self(cond, grad, zero)


def where_compared(grad, self, cmp, bound):
    """``where(self <cmp> bound, grad, 0)`` with PyTorch's op order: its zero
    ``scalar_tensor`` first (the last argument, evaluated first by its compiled C++)."""
    zero = aten.scalar_tensor.default(0.0, dtype=grad.dtype, device=grad.device)
    cond = {">=": self.__ge__, "<=": self.__le__, "<": self.__lt__, ">": self.__gt__}[cmp](bound)
    return aten.where.self(cond, grad, zero)


def clamp_tensor_backward(grad, self, min, max):  # noqa: A002
    """PyTorch's ``clamp_backward`` for tensor bounds: ``where(pred, grad, 0)``, the zero
    first; both bounds: an out-of-place ``logical_and`` where a mode or subclass could look."""
    if min is not None and max is not None:
        zero = aten.scalar_tensor.default(0.0, dtype=grad.dtype, device=grad.device)
        ge, le = self >= min, self <= max
        pred = ge.logical_and(le) if _any_subclass_like(self, min, max) else \
            ge.logical_and_(le)
        return aten.where.self(pred, grad, zero)
    if min is not None:
        return where_compared(grad, self, ">=", min)
    if max is not None:
        return where_compared(grad, self, "<=", max)
    return grad


def clamp_backward_min_max(grad, self, min, max, grad_input_mask):  # noqa: A002
    """PyTorch's: both bounds' gradients from one zero; a bound gets the gradient where it
    clamped (``min`` none where it exceeds ``max``, which wins)."""
    g_min = g_max = None
    zero = aten.scalar_tensor.default(0.0, dtype=grad.dtype, device=grad.device)
    if min is not None and max is not None:
        sub = _any_subclass_like(self, min, max)
        if grad_input_mask[0]:
            a, b = self < min, min < max
            g_min = aten.where.self(a.logical_and(b) if sub else a.logical_and_(b), grad, zero)
        if grad_input_mask[1]:
            a, b = self > max, max < min
            g_max = aten.where.self(a.logical_or(b) if sub else a.logical_or_(b), grad, zero)
    elif min is not None and grad_input_mask[0]:
        g_min = aten.where.self(self < min, grad, zero)
    elif max is not None and grad_input_mask[1]:
        g_max = aten.where.self(self > max, grad, zero)
    return g_min, g_max


def _any_subclass_like(*ts):
    return any(isinstance(t, Tensor) and _subclass_like(t) for t in ts)


# ---- reductions --------------------------------------------------------------------------------
def _wrap_dims(dim, ndim):
    if dim is None:
        return list(range(ndim))
    if isinstance(dim, int):
        dim = [dim]
    dim = list(dim)
    if not dim:
        return list(range(ndim))
    return sorted(d % ndim if ndim else 0 for d in dim)


def unsqueeze_multiple(t, dims, ndim):
    for d in sorted(dims):
        t = t.unsqueeze(d)
    return t


def sum_backward(grad, sizes, dim, keepdim):
    n = len(sizes)
    # (no dims - a full reduction - leaves grad 0-d: expanded as it is)
    if not keepdim and n and dim is not None and (isinstance(dim, int) or len(dim)):
        grad = unsqueeze_multiple(grad, _wrap_dims(dim, n), n)
    return aten.expand.default(grad, list(sizes))


def expand_to(grad, sizes):
    """``grad`` expanded to ``sizes`` (``at::expand``: the op, not the Python method)."""
    return _expand(grad, list(sizes))


def _reduced_numel(sizes, dim):
    dims = _wrap_dims(dim, len(sizes))
    n = 1
    for d in dims:
        n *= sizes[d] if sizes else 1
    return n


def mean_backward(grad, sizes, dim, numel, keepdim):
    n = numel if dim is None or (isinstance(dim, (list, tuple)) and not dim) else \
        _reduced_numel(sizes, dim)
    return aten.div.Scalar(sum_backward(grad, sizes, dim, keepdim), n)


def restore_reduced_dims(t, dim, keepdim, ndim):
    if keepdim or ndim == 0:
        return t
    return unsqueeze_multiple(t, _wrap_dims(dim, ndim), ndim)


def _restore_by_view(t, dims, keepdim):
    """PyTorch's ``restore_reduced_dims``: the reduced ``dims`` (as the op got them) put back
    as 1s, by a view (of a 0-d input too: its gradient then has one dim, which the engine
    sums away)."""
    if keepdim:
        return t
    total = t.dim() + len(dims)
    target = [0] * total
    for i in dims:
        target[i + total if i < 0 else i] = 1
    it = iter(t._size)
    return t.view([1 if target[i] else next(it) for i in range(total)])


def amax_amin_backward(grad, self, result, dim, keepdim):
    """PyTorch's ``scale_grad_by_count(restore(grad), restore(result) == self, dim)``; the
    mask (its second argument) first, as its compiled C++ evaluates them."""
    dims = [dim] if isinstance(dim, int) else list(dim)
    mask = _restore_by_view(result, dims, keepdim) == self
    g = _restore_by_view(grad, dims, keepdim)
    return (g / mask.sum(dims, True)) * mask


def evenly_distribute_backward(grad, self, value):
    """max()/min()/median(): the gradient shared evenly by the elements equal to the value
    (NaNs equal to a NaN value).  PyTorch's path for subclasses and modes (its other path
    gives the same values with ops a mode could not see)."""
    both_nan = aten.logical_and.default(self.isnan(), value.isnan())
    mask = aten.logical_or_.default(self == value, both_nan)
    return mask * (grad / mask.sum())


def value_selecting_reduction_backward(grad, dim, indices, sizes, keepdim):
    """The gradient of values picked by ``indices`` along ``dim`` (max.dim, sort, topk,
    kthvalue...): zeros of the input's ``sizes`` with ``grad`` scattered where the values came
    from.  (PyTorch scatters out of place under a mode or subclass, in place otherwise: the
    same values; kindling always shows the former.)"""
    if not keepdim and sizes:
        grad = grad.unsqueeze(dim)
        indices = indices.unsqueeze(dim)
    return aten.scatter.src(aten.new_zeros.default(grad, list(sizes)), dim, indices, grad)


def gather_with_keepdimed_indices(input, dim, indices, keepdim):  # noqa: A002
    """The tangent of a value-selecting reduction: ``input`` read at ``indices``."""
    if not keepdim:
        indices = indices.unsqueeze(dim)
    out = aten.gather.default(input, dim, indices)
    return out if keepdim else out.squeeze(dim)


def prod_safe_zeros_backward(grad, inp, dim):
    """grad * conj(product of all other elements along ``dim``), exact with zeros: the
    exclusive cumulative products from both ends, multiplied."""
    if inp.numel() == 0:
        return grad.expand_as(inp)
    n = inp._size[dim]
    if n == 1:  # (a product of one element: its gradient is grad)
        return grad
    ones_shape = list(inp._size)
    ones_shape[dim] = 1
    ones = aten.ones.default(ones_shape, dtype=grad.dtype, device=grad.device)
    exclusive_normal = aten.cat.default([ones, inp.narrow(dim, 0, n - 1)], dim).cumprod(dim)
    narrow_reverse = inp.narrow(dim, 1, n - 1).flip([dim])
    exclusive_reverse = aten.cat.default([ones, narrow_reverse], dim).cumprod(dim).flip([dim])
    return grad * conj(exclusive_normal * exclusive_reverse)


def prod_backward(grad, self, result):
    """PyTorch's prod_backward: ``grad * conj(result / self)`` without zeros; with zeros the
    exact products of the others (all zero when two or more are 0 and no graph is built)."""
    if self.dim() == 0:
        return grad
    if _subclass_like(self):  # (PyTorch's path for modes and subclasses: no data-dependent
        # branch, the same values)
        return prod_safe_zeros_backward(grad, self.contiguous().view([-1]), 0).view_as(self)
    zeros = int((self == 0).sum())
    if zeros == 0:
        return grad * conj(result / self)
    if zeros > 1 and not _grad_mode():
        return aten.zeros_like.default(self, memory_format=contiguous_format)
    return prod_safe_zeros_backward(grad, self.contiguous().view([-1]), 0).view_as(self)


def prod_dim_backward(grad, self, result, dim, keepdim):
    if self.dim() == 0:
        return grad
    d = dim % self.dim()
    if not keepdim:
        grad = grad.unsqueeze(d)
        result = result.unsqueeze(d)
    if _subclass_like(self):
        return prod_safe_zeros_backward(grad, self, d)
    if not bool((self == 0).any()):
        return grad * conj(result / self)
    return prod_safe_zeros_backward(grad, self, d)


from .._aten._util import is_tensor_subclass_like as _subclass_like  # noqa: E402


def _grad_mode():
    from .._dispatcher.tls import state
    return state.grad_enabled


def var_backward(grad, self, dim, correction, keepdim):
    """PyTorch's ``(2 / dof) * grad * (self - self.mean(dim, true))``, its ops in its order
    (the right factor first); a full reduction uses the 0-d mean."""
    c = 1.0 if correction is None else float(correction)
    n = self.dim()
    if n == 0 or dim is None:
        dof = self.numel() - c
        if dof <= 0:  # (2 / 0 is infinity: NaN where self is its mean, else infinity)
            w = aten.where.Scalar(self == self.mean(), math.nan, math.inf)
            return grad * w
        diff = self - self.mean()
        return aten.mul.Scalar(grad, 2.0 / dof) * diff
    dims = _wrap_dims(dim, n)
    if not keepdim and n > 1:
        grad = unsqueeze_multiple(grad, dims, n)
    dof = _reduced_numel(self._size, dims) - c
    diff = self - self.mean(dims, True)
    return aten.mul.Scalar(grad, 2.0 / dof if dof else math.inf) * diff


def std_backward(result, grad, self, dim, correction, keepdim):
    g = aten.masked_fill_.Scalar(grad / aten.mul.Scalar(result, 2), result == 0, 0)
    return var_backward(g, self, dim, correction, keepdim)


def logsumexp_backward(grad, self, result, dim, keepdim):
    n = self.dim()
    dims = _wrap_dims(dim, n) if n else []
    g = restore_reduced_dims(grad, dims, keepdim, n)
    r = restore_reduced_dims(result, dims, keepdim, n)
    return g * conj((self - r).exp())


def cumsum_backward(grad, dim):
    if grad.numel() <= 1 or grad.size(dim) == 1:
        return grad
    return grad.flip([dim]).cumsum(dim).flip([dim])


def cumprod_backward(grad, self, dim, result):
    """PyTorch's ``cumprod_backward``, op for op.  Without zeros (and nothing a mode or subclass
    could look at): the reversed cumulative sum of ``grad * result`` over ``self``.  Else,
    with grad mode off, the O(n) masks: positions before the first zero as without zeros, the
    first zero from the product before it and the cumulative products after it, nothing past
    it; with grad mode on, the O(n^2) products that leave out each position in turn (their
    derivative is cumprod's second derivative)."""
    if self.numel() <= 1:
        return grad
    d = dim % self.dim()
    n = self._size[d]
    if n == 1:
        return grad
    inp, out = conj(self), conj(result)
    sub = _any_subclass_like(self, grad, result)
    w = out * grad
    is_zero = self == 0
    if not sub and not bool(is_zero.any()):
        return _reversed_cumsum(w, d).div(inp)
    if not _grad_mode():
        grad_input = aten.zeros.default(list(self._size), dtype=grad.dtype, device=grad.device)
        cumsum = is_zero.cumsum(d)
        # before the first zero
        mask = cumsum == 0
        grad_input = aten.where.self(mask, _reversed_cumsum(w.masked_fill(~mask, 0.0), d)
                                     .div(inp), grad_input)
        # the first zero: the products after it (up to the second zero) times the one before
        mask = cumsum == 1
        first = aten.max.dim(mask, d, True)[1]
        first_mask = aten.zeros_like.default(mask).scatter_(d, first, 1).logical_and_(mask)
        mask &= ~first_mask
        after = inp.masked_fill(~mask, 1.0).cumprod(d)
        g = grad.masked_fill(cumsum != 1, 0.0)
        before = aten.gather.default(out, d, sub_scalar(first, 1).relu_()) \
            .masked_fill_(first == 0, 1.0)
        return aten.where.self(first_mask, (after * g).sum(d, True) * before, grad_input)
    # grad mode: the product of every input but the k-th, for each k
    ones_size = list(self._size)
    ones_size[d] = 1
    ones = aten.ones.default([1], dtype=grad.dtype, device=grad.device).expand(ones_size)
    slices = []
    grad_input = None if sub else aten.zeros.default(list(self._size), dtype=grad.dtype,
                                                     device=grad.device)
    for k in range(n):
        if k == 0:
            omitted = aten.cat.default([ones, aten.cumprod.default(
                aten.slice.Tensor(inp, d, k + 1), d)], d)
        elif k == n - 1:
            omitted = aten.prod.dim_int(aten.slice.Tensor(inp, d, 0, k), d, True)
        else:
            until_k = aten.prod.dim_int(aten.slice.Tensor(inp, d, 0, k), d, True)
            from_k1 = aten.cumprod.default(aten.slice.Tensor(inp, d, k + 1), d)
            omitted = aten.cat.default([until_k, until_k.expand_as(from_k1) * from_k1], d)
        g = aten.sum.dim_IntList(aten.slice.Tensor(grad, d, k) * omitted, [d])
        if sub:
            slices.append(g)
        else:
            grad_input.select(d, k).copy_(g)
    return aten.stack.default(slices, d) if sub else grad_input


def _reversed_cumsum(w, dim):
    return w.flip([dim]).cumsum(dim).flip([dim])


def norm_backward(grad, self, p, result, dim=None, keepdim=False):
    """PyTorch's ``norm_backward``, op for op.  ``dim`` as the op got it: a full reduction
    (no dims) leaves ``grad`` and ``result`` 0-d, broadcasting against ``self``."""
    n = self.dim()
    p = 2.0 if p is None else float(p)
    dims = [] if dim is None else [dim] if isinstance(dim, int) else list(dim)
    if not keepdim and n != 0:
        grad = unsqueeze_multiple(grad, _wrap_dims(dims, n) if dims else [], n)
        result = unsqueeze_multiple(result, _wrap_dims(dims, n) if dims else [], n)
    if p == 0.0:
        return None  # (an undefined gradient: ``self.grad`` stays None)
    if p == 1.0:
        return self.sgn() * grad
    if p == 2.0:
        return grad * aten.masked_fill_.Scalar(self / result, result == 0, 0)
    if math.isinf(p):
        # amax(abs(self))'s derivative, NaNs included in the mask
        a = self.abs()
        mask = aten.logical_or.default(a == result, a.isnan())
        spread = (grad / mask.sum(dims, True)) * mask  # (before sgn: PyTorch's C++ order)
        return self.sgn() * spread
    # (operands in the order PyTorch's compiled C++ evaluates them: right before left)
    if p < 1.0:
        powered = aten.masked_fill_.Scalar(aten.pow_.Scalar(self.abs(), p - 1), self == 0, 0)
        scaled = self.sgn() * powered
        factor = result.pow(1 - p)
        return scaled * grad * factor
    if p < 2.0:
        powered = aten.pow_.Scalar(self.abs(), p - 1)
        scaled = self.sgn() * powered
    else:
        scaled = self * aten.pow_.Scalar(self.abs(), p - 2)
    scale = grad / result.pow(p - 1)
    aten.masked_fill_.Scalar(scale, result == 0, 0)
    return scaled * scale


# ---- forward-mode formulas for reductions ----------------------------------------------------
def evenly_read_jvp(self_t, self_p, value):
    """max()/min()/median() tangent: the mean of the tangents where the value is.  Divided
    before the sum, as PyTorch's, so an empty input gives 0 (not 0/0)."""
    mask = self_p == value
    return (mask * (self_t / mask.sum())).sum()


def amax_amin_jvp(self_t, self_p, result, dim, keepdim):
    """PyTorch's ``amaxamin_jvp``: ``where(mask, t, 0).sum(dim) / mask.sum(dim)``, ``mask``
    where ``self`` equals the (restored) result; the divisor first, as C++ evaluates."""
    dims = [dim] if isinstance(dim, int) else list(dim)
    mask = self_p == _restore_by_view(result, dims, keepdim)
    count = mask.sum(dims, keepdim)
    return aten.where.ScalarOther(mask, self_t, 0.0).sum(dims, keepdim) / count


def value_selecting_jvp(self_t, dim, indices, keepdim):
    """PyTorch's ``gather_with_keepdimed_indices``: the tangents at the selected places."""
    full = indices if keepdim else indices.unsqueeze(dim)
    out = aten.gather.default(self_t, dim, full)
    return out if keepdim else out.squeeze(dim)


def var_jvp(self_t, self_p, result, dim, correction, keepdim):
    """PyTorch's ``real(var_backward(t.conj(), x, dim, correction, true).sum(dim, keepdim))``
    (the variance is real: its tangent is the real part)."""
    d = aten.sum.dim_IntList(var_backward(conj(self_t), self_p, dim, correction, True), dim,
                             keepdim)
    return real(d) if d.dtype.is_complex else d


def logsumexp_jvp(self_p, self_t, dim, keepdim):
    """Tangent of logsumexp: softmax-weighted tangents (exp-normalized by the max, as
    PyTorch's logsumexp_jvp: an all -inf slice gives nan)."""
    dims = [dim] if isinstance(dim, int) else list(dim)
    if self_p.numel():  # (normalised by the max of the real part when complex)
        m = aten.amax.default(self_p.real if self_p.dtype.is_complex else self_p, dims, True)
        e = (self_p - m).exp()
    else:
        e = self_p.exp()
    sumexp_p = e.sum(dims, keepdim)
    if _any_subclass_like(self_p, self_t):  # (PyTorch's out-of-place ops for modes)
        r = (e * self_t).sum(dims, keepdim)
        r /= sumexp_p
        return r
    e *= self_t
    return e.sum(dims, keepdim).div_(sumexp_p)


def mean_jvp(self_t, dim, keepdim):
    """Tangent of the mean of var_mean/std_mean (linear)."""
    n = self_t.dim()
    dims = _wrap_dims(dim, n) if n else []
    return self_t.mean(dims, keepdim) if dims else self_t.mean([], keepdim)


def std_jvp(self_t, self_p, result, dim, correction, keepdim):
    """Tangent of std: var's over 2 * std, 0 where std is 0 (PyTorch's
    ``(var_jvp(...) / (2 * result)).masked_fill_(result == 0, 0)``)."""
    twice = aten.mul.Scalar(result, 2)
    return aten.masked_fill_.Scalar(
        var_jvp(self_t, self_p, result, dim, correction, keepdim) / twice, result == 0, 0)


def norm_jvp(self_p, self_t, p, result, dim=None, keepdim=False):
    """PyTorch's ``norm_jvp``, op for op: ``real(d norm * conj(t))`` summed over the reduced
    dims (no dims: all), with each order's derivative written out (``p = 0``: zeros)."""
    p = 2.0 if p is None else float(p)
    dims = [] if dim is None else [dim] if isinstance(dim, int) else list(dim)
    norm = result
    if p == 0.0:
        return aten.zeros_like.default(norm)
    if p == 1.0:
        r = self_p.sgn()
        r = r.mul(conj(self_t)) if _any_subclass_like(self_t) else r.mul_(conj(self_t))
        return real(r).sum(dims, keepdim)
    if p == 2.0:
        r = real(self_p.mul(conj(self_t))).sum(dims, keepdim)
        return r.div_(norm).masked_fill_(norm == 0, 0)
    if math.isinf(p):
        n = self_p.dim()
        if not keepdim and n != 0:
            norm = unsqueeze_multiple(norm, _wrap_dims(dims, n) if dims else [], n)
        self_isnan, norm_isnan = self_p.isnan(), norm.isnan()
        both_nan = self_isnan.logical_and(norm_isnan) if _any_subclass_like(norm) else \
            self_isnan.logical_and_(norm_isnan)
        is_eq_max = (self_p.abs() == norm).logical_or_(both_nan).type_as(norm)
        nb_max = aten.count_nonzero.dim_IntList(is_eq_max, dims)
        if n != 0:
            nb_max = unsqueeze_multiple(nb_max, _wrap_dims(dims, n) if dims else [], n)
        return (real(_sgn_times_conj(self_p, self_t)) * is_eq_max / nb_max).sum(dims, keepdim)
    if p < 1.0:
        t = real(_sgn_times_conj(self_p, self_t))
        a = self_p.abs().pow_(p - 1).masked_fill_(self_p == 0, 0)
        sumpow_t = (a * t).sum(dims, keepdim)
        return sumpow_t * norm.pow(1 - p)
    if p < 2.0:
        t = real(_sgn_times_conj(self_p, self_t))
        sumpow_t = (self_p.abs().pow_(p - 1) * t).sum(dims, keepdim)
    else:
        t = real(self_p * conj(self_t))
        sumpow_t = (self_p.abs().pow_(p - 2) * t).sum(dims, keepdim)
    out = sumpow_t / norm.pow(p - 1)
    return out.masked_fill_(norm == 0, 0)


def _sgn_times_conj(x, t):
    """``x.sgn() * t.conj()`` in C++'s order: the conjugate first."""
    ct = conj(t)
    return x.sgn() * ct


def cumprod_jvp(self_t, self_p, result, dim):
    """PyTorch's ``cumprod_jvp``: the generic ``cumsum(t / x) * result``, replaced after each
    slice's first zero by the cumulative product with that zero's tangent in its place."""
    gradient = (self_t / self_p).cumsum(dim) * result
    if self_p.dim() == 0:
        return aten.masked_fill_.Tensor(gradient, self_p.eq(0), self_t)
    zeros = self_p.eq(0)
    first_zero = zeros.logical_and(zeros.cumsum(dim).eq(1))
    new_grad = aten.where.self(first_zero, self_t, self_p).cumprod(dim)
    after = first_zero.cumsum(dim)
    return aten.where.self(after.to(_dtype.bool), new_grad, gradient)


def clamp_jvp(self_p, self_t, min_p, min_t, max_p, max_t):
    """Tangent of clamp with tensor bounds (PyTorch's clamp_jvp)."""
    if min_p is not None and max_p is not None:
        # (innermost first: C++ evaluates each where's arguments right to left)
        inner = where(self_p > max_p, max_t, self_t)
        inner = where(self_p < min_p, min_t, inner)
        return where(min_p > max_p, max_t, inner)
    if min_p is not None:
        return where(self_p > min_p, self_t, min_t)
    if max_p is not None:
        return where(self_p < max_p, self_t, max_t)
    return self_t


def copy_jvp(self_t_raw, self, src_t_raw):
    """copy_'s tangent (PyTorch's manual copy_, which reads the tangents as they are): the
    existing tangent overwritten in place (zeroed when the source has none), else the
    source's tangent (broadcast to self, else a copy of it)."""
    if self_t_raw is not None:
        return self_t_raw.fill_(0) if src_t_raw is None else self_t_raw.copy_(src_t_raw)
    if src_t_raw is None:
        return None
    if not aten.is_same_size.default(self, src_t_raw):
        return src_t_raw.expand(list(self._size))   # (broadcast_to)
    return src_t_raw.clone()


def max_min_jvp(self_p, other_p, self_t, other_t, result, is_max):
    """Tangent of maximum/minimum: the winner's, the mean of both on ties."""
    pick = (self_p > other_p) if is_max else (self_p < other_p)
    w = aten.where.ScalarSelf(self_p == other_p, 0.5, pick.to(result.dtype))
    return other_t + w * (self_t - other_t)


def prod_jvp(self_t, self_p, result, dim=None, keepdim=False):
    """Tangent of prod: the backward formula on the conjugate tangent, conjugated (as
    PyTorch writes it): the sum of each tangent times the product of the others."""
    ct = conj(self_t)  # (C++ evaluates the right operand first)
    ones = aten.ones.default([], dtype=result.dtype, device=result.device).expand_as(result)
    if dim is None:
        return conj((prod_backward(ones, self_p, result) * ct).sum())
    d = dim % max(self_p.dim(), 1)
    return conj((prod_dim_backward(ones, self_p, result, dim, keepdim) * ct).sum([d], keepdim))


# ---- linear algebra ----------------------------------------------------------------------------
# (aten ops called directly, as the C++ formulas do: no Python method layer)
# (``.conj()`` of a real tensor is the tensor: tested inline, the MLP step's hottest formulas)
from .._aten.linalg import column_major as _column_major  # noqa: E402  (the lanes use it too)


def _conj_if_complex(t):
    return t.conj() if t.dtype.is_complex else t


def mm_mat1_backward(grad, mat2, sizes, strides, alpha):
    """``grad @ mat2^H``; for a column-major ``mat1`` computed transposed, so the gradient
    comes out column-major too (PyTorch's layout-preserving branch)."""
    if type(alpha) is complex:
        alpha = alpha.conjugate()
    if _column_major(sizes, strides):
        return maybe_multiply(_t(_mm(_conj_if_complex(mat2), _t(grad))), alpha)
    return maybe_multiply(_mm(grad, _conj_if_complex(_t(mat2))), alpha)


def mm_mat2_backward(grad, mat1, sizes, strides, alpha):
    """``mat1^H @ grad``; transposed for a column-major ``mat2``, as ``mm_mat1_backward``."""
    if type(alpha) is complex:
        alpha = alpha.conjugate()
    if _column_major(sizes, strides):
        return maybe_multiply(_t(_mm(_t(grad), _conj_if_complex(mat1))), alpha)
    return maybe_multiply(_mm(_conj_if_complex(_t(mat1)), grad), alpha)


# ---- views and shape ops -----------------------------------------------------------------------
def permute_backwards(grad, dims):
    n = len(dims)
    inv = [0] * n
    for i, d in enumerate(dims):
        inv[d % n] = i
    return grad.permute(inv)


def unsqueeze_to(grad, sizes, dims=None):
    n = len(sizes)
    if dims is None:
        dims = [i for i, s in enumerate(sizes) if s == 1]
    elif isinstance(dims, int):
        dims = [dims]
    for d in sorted(d % n if n else 0 for d in dims):
        if n and sizes[d] == 1:
            grad = grad.unsqueeze(d)
    return grad.reshape(list(sizes)) if tuple(grad._size) != tuple(sizes) else grad


def slice_backward_wrapper(grad, sizes, dim, start, end, step):
    """``slice_backward`` with slice's optional bounds filled in (0 and INT64_MAX)."""
    return aten.slice_backward.default(grad, sizes, dim, 0 if start is None else start,
                                       INT64_MAX if end is None else end, step)


def _first_device(grads):
    for g in grads:
        if g is not None:
            return g.device
    return None


def split_backward(grads, split_sizes, dim, sizes, dtype):
    n = len(sizes)
    d = dim % n
    dev = _first_device(grads)
    parts = []
    for g, s in zip(grads, split_sizes):
        if g is None:
            shape = list(sizes)
            shape[d] = s
            g = aten.zeros.default(shape, dtype=dtype, device=dev)
        parts.append(g)
    return aten.cat.default(parts, d)


def split_sizes_of(sizes, split_size, dim):
    n = sizes[dim % len(sizes)]
    if split_size == 0:
        return [n]
    out = []
    start = 0
    while start < n:
        out.append(min(split_size, n - start))
        start += split_size
    return out or [0]


def unbind_backward(grads, dim, sizes, dtype):
    n = len(sizes)
    d = dim % n
    dev = _first_device(grads)
    inner = list(sizes[:d]) + list(sizes[d + 1:])
    parts = [g if g is not None else aten.zeros.default(inner, dtype=dtype, device=dev)
             for g in grads]
    return aten.stack.default(parts, d)


def stack_tensors_backward(grad, dim, sizes_list):
    """The gradient of each stacked input: ``grad`` selected at its index along ``dim``."""
    if not sizes_list:
        return []
    d = dim % (len(sizes_list[0]) + 1)
    return [aten.select.int(grad, d, i) for i in range(len(sizes_list))]


def cat_tensors_backward(grad, sizes_list, dtypes, dim):
    """``grad`` cut into the inputs' pieces; a real input of a complex result gets the real
    part's (taken once, first, whenever ``grad`` is complex, as PyTorch's formula does)."""
    out = []
    if not sizes_list:
        return out
    ndim = max(len(s) for s in sizes_list)
    d = dim % ndim if ndim else 0
    start = 0
    grad_real = real(grad) if grad.dtype.is_complex else None
    for s, dt in zip(sizes_list, dtypes):
        g = grad_real if grad_real is not None and not dt.is_complex else grad
        if len(s) == 1 and s[0] == 0:  # (an empty 1-d input: zeros of its size)
            out.append(aten.zeros.default([0], dtype=g.dtype, device=g.device))
            continue
        out.append(g.narrow(d, start, s[d]))
        start += s[d]
    return out


def stack_backward(grad, dim, n):
    if grad.dim() == 0:
        return [grad]
    d = dim % grad.dim()
    return list(grad.unbind(d))


def roll_backward(grad, shifts, dims):
    shifts = [shifts] if isinstance(shifts, int) else list(shifts)
    dims = [dims] if isinstance(dims, int) else list(dims)
    return grad.roll([-s for s in shifts], dims)


def index_backward(grad, sizes, indices):
    z = aten.new_zeros.default(grad, list(sizes))
    return aten.index_put.default(z, list(indices), grad, True)


def index_put_self_backward(grad, indices, values_info, accumulate):
    """``grad`` with the written places zeroed (``values`` only as its saved type and size,
    PyTorch's ``values_info.zeros()``)."""
    if accumulate:
        return grad
    return aten.index_put.default(grad, list(indices), info_zeros(values_info), False)


def index_put_values_backward(grad, indices):
    return aten.index.Tensor(grad, list(indices))


def as_strided_backward(grad, input_geometry, size, stride, storage_offset):
    """PyTorch's ``as_strided_backward``, op for op: the gradient written (accumulated where
    the output's elements overlap) into a zero storage just large enough for both geometries,
    divided by the input's own overlap counts, and read back with the input's geometry."""
    in_size, in_stride, in_offset = input_geometry
    off = in_offset if storage_offset is None else storage_offset
    out_sizes, out_strides = [], []
    for i in range(grad.dim() - 1, -1, -1):
        n, st = size[i], stride[i]
        if n == 0:
            return aten.zeros.default(list(in_size), dtype=grad.dtype, device=grad.device)
        if n == 1:
            grad = grad.squeeze(i)
        elif st == 0:
            grad = grad.sum(i, False)
        else:
            out_sizes.insert(0, n)
            out_strides.insert(0, st)
    out_overlap = _maybe_overlapping_memory(out_sizes, out_strides)
    inp_sizes, inp_strides = [], []
    for n, st in zip(reversed(in_size), reversed(in_stride)):
        if n == 0:
            return aten.zeros.default(list(in_size), dtype=grad.dtype, device=grad.device)
        if n != 1:
            inp_sizes.insert(0, n)
            inp_strides.insert(0, st)
    inp_overlap = _maybe_overlapping_memory(inp_sizes, inp_strides)
    shared = min(in_offset, off)
    inp_off, out_off = in_offset - shared, off - shared
    base = max(_min_storage_size(inp_sizes, inp_strides, inp_off),
               _min_storage_size(out_sizes, out_strides, out_off))
    storage = grad.new_zeros([base])
    full = None
    if inp_overlap or out_overlap:
        full = aten.arange.start(0, base, dtype=_dtype.int64, device=grad.device)
    if out_overlap:
        out_indices = full.as_strided(out_sizes, out_strides, out_off)
        flat_grad = grad.reshape(-1)   # (the last argument first, as C++ evaluates)
        storage.index_add_(0, out_indices.reshape(-1), flat_grad)
    else:
        storage.as_strided(out_sizes, out_strides, out_off).copy_(grad)
    if inp_overlap:
        count = aten.zeros_like.default(storage, memory_format=contiguous_format)
        inp_indices = full.as_strided(inp_sizes, inp_strides, inp_off).reshape(-1)
        ones = aten.ones.default([1], dtype=grad.dtype, device=grad.device).expand_as(inp_indices)
        count.index_add_(0, inp_indices, ones)
        storage.div_(count)
    return storage.as_strided(list(in_size), list(in_stride), inp_off)


def _maybe_overlapping_memory(sizes, strides):
    """Whether a geometry may address a storage element twice (PyTorch's conservative test:
    the strides in increasing order, each larger than the span of the smaller ones)."""
    span = 0
    for i in sorted(range(len(sizes)), key=lambda i: strides[i]):
        if strides[i] <= span:
            return True
        span += strides[i] * (sizes[i] - 1)
    return False


def _min_storage_size(sizes, strides, offset):
    size = offset + 1
    for n, st in zip(sizes, strides):
        if n == 0:
            return offset
        size += (n - 1) * st
    return size


# ---- copies --------------------------------------------------------------------------------------
def to_copy_backward(grad, self_dtype):
    return grad.to(self_dtype) if grad.dtype is not self_dtype else grad


# Callers of the hottest formula ops with their argument types fixed (``_ops``'s specialised
# dispatch, without the generic argument scan).
_mm = _ops.binary_caller(aten.mm.default)
_t = _ops.positional_caller(aten.t.default, (Tensor,))
_expand = _ops.positional_caller(aten.expand.default, (Tensor, list))
_threshold_backward = _ops.positional_caller(aten.threshold_backward.default,
                                             (Tensor, Tensor, object))
_sigmoid_backward = _ops.binary_caller(aten.sigmoid_backward.default)
_tanh_backward = _ops.binary_caller(aten.tanh_backward.default)


def _scalar_op(op, python_op):
    """``t op number`` through ``op`` (a ``.Scalar`` overload) when ``t`` is a tensor."""
    call = _ops.binary_caller(op)

    def f(t, s):
        return call(t, s) if isinstance(t, Tensor) else python_op(t, s)
    return f


# what ``x + 1`` (a number literal on the right) in a formula calls (see derivatives.py)
add_scalar = _scalar_op(aten.add.Scalar, lambda a, b: a + b)
sub_scalar = _scalar_op(aten.sub.Scalar, lambda a, b: a - b)
mul_scalar = _scalar_op(aten.mul.Scalar, lambda a, b: a * b)
div_scalar = _scalar_op(aten.div.Scalar, lambda a, b: a / b)


# ---- gather / scatter / index_select / index_add ----------------------------------------------
def gather_backward(grad, self, dim, index, sparse_grad):
    """Zeros of the input's sizes with ``grad`` added where ``gather`` read (``self`` is
    saved whole, as PyTorch saves it, though only its sizes are read)."""
    if sparse_grad:
        raise NotImplementedError("gather(sparse_grad=True): sparse gradients")
    return aten.scatter_add.default(aten.new_zeros.default(grad, list(self.shape)), dim, index,
                                    grad)


def index_select_backward(grad, self_sizes, dim, index):
    """Zeros of the input's sizes with ``grad`` added into the selected slices (out of place,
    as PyTorch shows it to modes and subclasses)."""
    zeros = aten.new_zeros.default(grad, list(self_sizes), dtype=grad.dtype, layout=strided,
                                   device=grad.device)
    return aten.index_add.default(zeros, dim, index, grad)


def index_add_source_backward(grad, source, dim, index, alpha):
    """The slices of ``grad`` that ``source`` was added into (a 0-dim source: one element)."""
    if source.dim() > 0:
        g = grad.index_select(dim, index).expand_as(source)
    else:
        g = grad.index_select(dim, index.squeeze(0))
    return maybe_multiply(g, alpha)


def take_backward(grad, self, index):
    """Zeros like ``self`` with ``grad`` added at the flat positions ``take`` read."""
    return aten.put.default(aten.zeros_like.default(self), index, grad, True)


def index_fill_value_backward(grad, dim, index):
    """The gradient of ``index_fill``'s 0-dim value: the filled slices summed, each index
    counted once."""
    unique = aten._unique.default(index, False)[0]
    return grad.index_select(dim, unique).sum()


def index_copy_source_backward(grad, source, dim, index):
    """The slices of ``grad`` that ``index_copy`` wrote ``source`` into."""
    if source.dim() > 0:
        return aten.expand.default(grad.index_select(dim, index), list(source._size))
    return grad.index_select(dim, index.squeeze(0))


def masked_select_backward(grad, self, mask):
    """``masked_select_backward`` as its pieces: zeros of the broadcast shape with ``grad``
    scattered where ``mask`` holds."""
    from .._aten._util import broadcast_shapes
    from .. import _layout
    shape = list(broadcast_shapes(tuple(self._size), tuple(mask._size)))
    zeros = aten.zeros_like.default(aten.expand.default(self, shape),
                                    memory_format=_layout.preserve_format)
    return aten.masked_scatter.default(zeros, mask, grad)


# ---- var_mean / std_mean -----------------------------------------------------------------------
def var_mean_backward(gvar, gmean, self, dim, correction, keepdim):
    """The input's gradient from the variance's and the mean's (either may be undefined)."""
    gself = None
    if gvar is not None:
        gself = var_backward(gvar, self, dim, correction, keepdim)
    if gmean is not None:
        aux = mean_backward(gmean, self._size, dim if dim is not None else [], self.numel(),
                            keepdim)
        gself = aux if gself is None else gself + aux
    return gself


def std_mean_backward(gstd, gmean, self, std, dim, correction, keepdim):
    """As ``var_mean_backward``, from the standard deviation ``std``."""
    gself = None
    if gstd is not None:
        gself = std_backward(std, gstd, self, dim, correction, keepdim)
    if gmean is not None:
        aux = mean_backward(gmean, self._size, dim if dim is not None else [], self.numel(),
                            keepdim)
        gself = aux if gself is None else gself + aux
    return gself


# ---- repeat -------------------------------------------------------------------------------------
def repeat_backward(grad, repeats, input_shape):
    """Sum the copies ``repeat`` made back onto the input: leading added dims are summed away,
    then each repeated dim is split into (repeat, size) and the repeat axes summed at once."""
    if 0 in repeats:
        return aten.zeros.default(list(input_shape), dtype=grad.dtype, device=grad.device)
    n_in = len(input_shape)
    for _ in range(grad.dim() - n_in):
        grad = grad.sum(0, False)
    split, sum_dims = [], []
    for d in range(n_in):
        r = repeats[d + len(repeats) - n_in]
        if r != 1:
            split.append(r)
            sum_dims.append(len(split) - 1)
        split.append(input_shape[d])
    if not sum_dims:   # (every repeat 1: nothing to reshape or sum)
        return grad
    return grad.reshape(split).sum(sum_dims)


# ---- softmax --------------------------------------------------------------------------------------
def softmax_double_backward(grad, grad_output, dim, output):
    """The derivative of ``_softmax_backward_data`` with respect to ``output``: PyTorch's
    ``grad_output * grad - (output * grad_output).sum(dim, true) * grad -
    grad_output * (output * grad).sum(dim, true)``, computed right to left as C++ does."""
    c = grad_output * (output * grad).sum(dim, True)
    b = (output * grad_output).sum(dim, True) * grad
    return grad_output * grad - b - c


# ---- sort / topk --------------------------------------------------------------------------------
def sort_backward(grad, dim, indices, sizes):
    """sort/topk: ``value_selecting_reduction_backward`` with the dim kept."""
    return value_selecting_reduction_backward(grad, dim, indices, sizes, True)


# ---- trace ------------------------------------------------------------------------------------
def trace_backward(grad, sizes):
    """PyTorch's: ``grad`` filled into a flat zero matrix at the diagonal's ``min(n, m)``
    positions (every ``m + 1``-th), viewed as the matrix (filled out of place where a mode
    could look)."""
    n, m = sizes
    grad_input = aten.zeros.default([n * m], dtype=grad.dtype, device=grad.device)
    indices = aten.arange.start_step(0, min(n, m) * (m + 1), m + 1, dtype=_dtype.int64,
                                     device=grad.device)
    if _any_subclass_like(grad):
        grad_input = aten.index_fill.int_Tensor(grad_input, 0, indices, grad)
    else:
        aten.index_fill_.int_Tensor(grad_input, 0, indices, grad)
    return grad_input.view([n, m])


# ---- more pointwise ops and nansum (_aten/more_pointwise.py) ----------------------------------
M_PI_180 = math.pi / 180
M_180_PI = 180 / math.pi


def copysign_tensor_self_backward(grad, self, result):
    """``grad * result / self``, 0 where ``self`` is 0."""
    ratio = result / self
    aten.masked_fill_.Scalar(ratio, self == 0, 0)
    return grad * ratio


def sinc_backward(grad, self):
    """``grad * (pi x cos(pi x) - sin(pi x)) / (pi x**2)``, 0 where that denominator is 0."""
    self_pi = mul_scalar(self, math.pi)
    self_squared_pi = mul_scalar(self * self, math.pi)
    sin = self_pi.sin()   # (C++ evaluates the right operand first)
    out = grad * conj((self_pi * self_pi.cos() - sin) / self_squared_pi)
    zero = aten.scalar_tensor.default(0.0, dtype=grad.dtype, layout=strided, device=grad.device)
    return aten.where.self(self_squared_pi == 0.0, zero, out)


def deg2rad_backward(grad):
    return mul_scalar(grad, M_PI_180)


def rad2deg_backward(grad):
    return mul_scalar(grad, M_180_PI)


def logit_grad(grad, self, eps):
    """logit's formula: the op ``logit_backward`` when grad mode is off, else the composite
    below (which can be differentiated again)."""
    from .grad_mode import is_grad_enabled
    if not is_grad_enabled():
        return aten.logit_backward.default(grad, self, eps)
    return infinitely_differentiable_logit_backward(grad, self, eps)


def infinitely_differentiable_logit_backward(grad, self, eps):
    """``grad / (x (1 - x))`` inside ``[eps, 1 - eps]`` (0 outside), or inside ``[0, 1]``
    (NaN outside) without ``eps``; ``where``'s arguments computed right to left."""
    if eps is not None:
        lo, hi = eps, 1.0 - eps
        outside = aten.zeros.default([], dtype=self.dtype, device=self.device)
    else:
        lo, hi = 0.0, 1.0
        outside = aten.fill_.Scalar(aten.empty.memory_format([], dtype=self.dtype,
                                                             device=self.device), math.nan)
    inside = grad / (self * rsub_number(self, 1.0))
    upper = self <= hi
    cond = aten.logical_and.default(self >= lo, upper)
    return aten.where.self(cond, inside, outside)


def nansum_backward(grad, self, dim, keepdim):
    """``sum_backward`` with zeros where ``self`` is NaN (the mask first, as C++ evaluates
    ``sum_backward(...) * self.isnan().logical_not()``)."""
    keep = self.isnan().logical_not()
    return sum_backward(grad, self.shape, dim, keepdim) * keep


# ---- scatter_reduce / index_reduce -------------------------------------------------------------
def _reduce_backward(grad, self, src, reduce, include_self, result, mask, *, place, pick,
                     reduce_fn, clear, name, src_name):
    """Both gradients of a reduction of ``src`` into ``self`` (scatter_reduce, index_reduce).

    ``place(t, v)`` adds ``v`` into ``t`` where the op sends ``src``; ``pick(t)`` reads ``t``
    back at those places, ``src``-shaped; ``reduce_fn(a, b)`` reruns the op; ``clear(t)``
    zeroes the places (a position's own value takes no part without ``include_self``)."""
    from .. import is_grad_enabled
    if grad is None:
        return None, None
    grad_self = grad_src = None
    if reduce == "sum":
        grad_self, grad_src = grad, pick(grad)
    elif reduce == "prod":
        # Zeros are masked out and handled apart, or the quotients below would lose them.
        masked_self = self.masked_fill(self == 0, 1)
        grad_self = grad * reduce_fn(masked_self, src) / masked_self
        src_zero = src == 0
        zeros_there = pick(place(zeros_like(self), src_zero.to(self.dtype)))
        single_zero = src_zero.bitwise_and(zeros_there == 1)
        # the only zero reaching a position gets the product of everything else there
        without_it = reduce_fn(self, src.masked_fill(single_zero, 1))
        # (where's arguments right to left, as C++ evaluates them)
        masked = src.masked_fill(src_zero, 1)
        otherwise = pick(grad * result) / masked
        grad_src = where(single_zero, pick(grad * without_it), otherwise)
        if is_grad_enabled() and bool((zeros_there > 1).any()):
            from .._C._functions import DelayedError
            grad_src = DelayedError(
                f"{name}(): Double backward is unsupported for {src_name} when >1 zeros in "
                f"{src_name} are scattered to the same position in self", 1)(grad_src)
    elif reduce == "mean":
        n = ones_like(grad) if include_self else zeros_like(grad)
        n = place(n, ones_like(src))
        n.masked_fill_(n == 0, 1)
        grad_self = grad / n
        n_src = pick(n)
        grad_src = pick(grad) / n_src
    elif reduce in ("amax", "amin"):
        # shared evenly between every value equal to the result at a position
        value = pick(result)
        self_hit = (self == result).to(self.dtype)
        src_hit = (src == value).to(self.dtype)
        share = grad / place(self_hit, src_hit)
        if name == "scatter_reduce":  # (PyTorch's compares again, as bool masks)
            grad_self = (self == result) * share
            grad_src = _binop_rl("Mult", lambda: src == value, lambda: pick(share))
        else:
            grad_self = self_hit * share
            grad_src = src_hit * pick(share)
    else:
        raise RuntimeError(f"Expected 'reduce' argument to be one of 'sum', 'prod', 'mean', "
                           f"'amax', 'amin' but got {reduce}.")
    if not include_self:
        grad_self = clear(grad_self)
    return (grad_self if mask[0] else None), (grad_src if mask[1] else None)


def scatter_reduce_backward(grad, self, dim, index, src, reduce, include_self, result,
                            grad_input_mask):
    return _reduce_backward(
        grad, self, src, reduce, include_self, result, grad_input_mask,
        place=lambda t, v: t.scatter_add(dim, index, v), pick=lambda t: t.gather(dim, index),
        reduce_fn=lambda a, b: a.scatter_reduce(dim, index, b, reduce,
                                                include_self=include_self),
        clear=lambda t: t.scatter(dim, index, 0), name="scatter_reduce", src_name="src")


def index_reduce_backward(grad, self, dim, index, source, reduce, include_self, result,
                          grad_input_mask):
    def clear(t):
        return t.index_fill(dim, index, 0)
    return _reduce_backward(
        grad, self, source, reduce, include_self, result, grad_input_mask,
        place=lambda t, v: t.index_add(dim, index, v), pick=lambda t: t.index_select(dim, index),
        reduce_fn=lambda a, b: a.index_reduce(dim, index, b, reduce, include_self=include_self),
        clear=clear, name="index_reduce", src_name="source")
