"""The loss ops of ``torch.nn.functional``, layered as PyTorch's ATen layers them.

Native (a NumPy kernel each, with a ``*_backward`` op): ``mse_loss``, ``smooth_l1_loss``,
``huber_loss``, ``soft_margin_loss``, ``binary_cross_entropy``, ``nll_loss_forward`` and
``nll_loss2d_forward`` (``(output, total_weight)``).  ``binary_cross_entropy_with_logits`` is
CompositeExplicitAutograd (a mode sees the op; its formula is written with other ops).  The
CompositeImplicitAutograd ones are written with other ops, so a mode sees the pieces:
``l1_loss``, ``nll_loss``, ``nll_loss2d``, ``nll_loss_nd``, ``cross_entropy_loss`` (class
indices, class probabilities, label smoothing), ``kl_div`` and ``poisson_nll_loss``.

Derivative formulas are derivatives.yaml's, double backward included (a ``*_backward`` op's
own derivatives are FunctionsManual's ``*_double_backward`` compositions).  ``reduction`` is
``at::Reduction``: 0 none, 1 mean, 2 sum.  Defined at first use (``_aten/_lazy.py``).
"""
from __future__ import annotations

import inspect

import math

import numpy as np

from .. import _dtype
from ._api import public
from ._copy_out import copy_out_variant
from ._defop import JvpDecomposition, defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._pointwise_util import fp_silent, not_implemented
from ._util import broadcast_shapes, result_type

NONE, MEAN, SUM = 0, 1, 2
_LOW = _dtype.LOW_PRECISION_NP


def apply_loss_reduction(unreduced, reduction):
    """ATen's ``apply_loss_reduction``: ``mean()``/``sum()`` of a tensor, or it as it is."""
    if reduction == MEAN:
        return unreduced.mean()
    if reduction == SUM:
        return unreduced.sum()
    return unreduced


def _np_reduce(a, reduction):
    """``a`` reduced as ``mean()``/``sum()`` reduce (float16/bfloat16 summed in float32)."""
    if reduction not in (MEAN, SUM):
        return a
    work = a.astype(np.float32) if a.dtype in _LOW else a
    r = work.mean() if reduction == MEAN else work.sum()
    return np.asarray(r).astype(a.dtype)


def _floating_dtype(kernel_name, *arrays):
    """The arrays' result dtype, refused (as PyTorch's dispatch macros do) unless floating."""
    dt = result_type(*arrays)
    if not dt.is_floating_point:
        raise not_implemented(kernel_name, dt)
    return dt


def _compute(fn, dt, *arrays):
    """``fn(*arrays)`` in ``dt`` (float16/bfloat16 computed in float32), NumPy warnings off."""
    npdt = dt._np
    work = np.float32 if npdt in _LOW else npdt
    r = fp_silent(fn, *[np.asarray(a).astype(work, copy=False) for a in arrays])
    return np.asarray(r).astype(npdt, copy=False)


def _broadcast(*arrays):
    """The arrays broadcast together (PyTorch's message when they cannot be)."""
    broadcast_shapes(*[a.shape for a in arrays])
    return np.broadcast_arrays(*arrays)


def _numel(shape):
    return math.prod(shape)


# ---- mse_loss, smooth_l1_loss, huber_loss: losses of the difference --------------------------
def _mse(d):
    return d * d


def _mse_grad(d):
    return 2 * d


def _smooth_l1(d, beta):
    z = np.abs(d)
    return np.where(z < beta, 0.5 * z * z / beta if beta else 0 * z, z - 0.5 * beta)


def _smooth_l1_grad(d, beta):
    return np.where(d < -beta, -1.0, np.where(d > beta, 1.0, d / beta if beta else d * np.nan))


def _huber(d, delta):
    z = np.abs(d)
    return np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))


def _huber_grad(d, delta):
    return np.where(d < -delta, -delta, np.where(d > delta, delta, d))


# (The double-backward helpers are FunctionsManual's, written with the ops C++ calls:
# ``tensor * double`` is ``mul.Scalar``, ``t /= n`` is ``div_.Scalar``, ``double - tensor`` is
# ``empty_like(t).fill_(d).sub_(t)``, and an operator's right operand is evaluated first.)
def _rsub(scalar, t):
    return aten.empty_like.default(t).fill_(scalar).sub_(t)


def _mean_scaled(g, self, reduction):
    return aten.div_.Scalar(g, self.numel()) if reduction == MEAN else g


def _mse_dd(grad, self, target, reduction):
    """mse_loss_double_backward (``target`` unused: the signature is the others')."""
    return _mean_scaled(aten.mul.Scalar(grad, 2), self, reduction)


def _smooth_l1_dd(grad, self, target, reduction, beta):
    if beta == 0:
        return aten.zeros.default(list(grad.shape), dtype=grad.dtype)
    g = aten.div.Scalar(grad * ((self - target).abs() < beta).type_as(grad), beta)
    return _mean_scaled(g, self, reduction)


def _huber_dd(grad, self, target, reduction, delta):
    return _mean_scaled(grad * ((self - target).abs() < delta), self, reduction)


def _difference_loss(name, param, fwd, grad_fn, double_backward, kernel, check=None):
    """``name(self, target, reduction=Mean[, param])`` and ``name_backward``, with
    derivatives.yaml's formulas: the gradient through ``target`` is the backward op with
    ``self`` and ``target`` swapped, forward AD sums the two unreduced gradients."""
    pdecl = f", float {param}=1." if param else ""
    f = defop(f"{name}(Tensor self, Tensor target, int reduction=1{pdecl}) -> Tensor")
    b = defop(f"{name}_backward(Tensor grad_output, Tensor self, Tensor target, "
              f"int reduction{', float ' + param if param else ''}) -> Tensor")
    extra = (param,) if param else ()

    def forward(self, target, reduction=MEAN, *p):
        p = p or ((1.0,) if param else ())
        if check:
            check(*p)
        dt = _floating_dtype(f"{kernel}_cpu", self, target)
        if self.shape != target.shape:
            self, target = _broadcast(self, target)
        return _np_reduce(_compute(lambda a, b: fwd(a - b, *p), dt, self, target), reduction)

    def forward_meta(self, target, reduction=MEAN, *p):
        if param and check:
            check(*(p or (1.0,)))
        shape = broadcast_shapes(tuple(self.shape), tuple(target.shape))
        dt = result_type(self, target)
        return empty_meta(shape if reduction == NONE else (), dt)
    f.cpu(_kwargs_to_positional(forward, param))
    f.meta(_kwargs_to_positional(forward_meta, param))

    @b.cpu
    def backward(grad_output, self, target, reduction, *rest, **kw):
        p = rest or tuple(kw.values())
        dt = _floating_dtype(f"{kernel}_backward_cpu", self)
        norm = 1.0 / self.size if reduction == MEAN else 1.0
        r = _compute(lambda g, a, t: norm * grad_fn(a - t, *p) * g, dt, grad_output, self,
                     target)
        return np.ascontiguousarray(np.broadcast_to(r, self.shape))
    b.meta(lambda grad_output, self, target, reduction, *p, **kw: empty_meta(
        tuple(self.shape), self.dtype))
    bwd = getattr(aten, f"{name}_backward").default

    def lane(grad, self, target, reduction, *rest):
        """The node's backward on arrays: the backward op's kernel, as the formulas call it
        (see kindling.autograd.array_lane)."""
        *p, (want_self, want_target) = rest
        if self.shape != target.shape:
            return NotImplemented  # (a broadcast target: left to the formulas)
        return (backward(grad, self, target, reduction, *p) if want_self else None,
                backward(grad, target, self, reduction, *p) if want_target else None)
    lane.__signature__ = inspect.Signature(  # (the names the lane's glue binds)
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
         for n in ("grad", "self", "target", "reduction") + extra + ("grad_input_mask",)])
    f.array_backward(f"{name}_backward.default")(lane)

    def jvp(self_t, self_p, target_t, target_p, reduction, *p):
        return apply_loss_reduction(bwd(self_t, self_p, target_p, NONE, *p) +
                                    bwd(target_t, target_p, self_p, NONE, *p), reduction)

    def grad_self(grad, self, target, reduction, *p):
        return bwd(grad, self, target, reduction, *p)

    def grad_target(grad, self, target, reduction, *p):
        return bwd(grad, target, self, reduction, *p)
    f.derivative(self=_named(grad_self, ("grad", "self", "target", "reduction") + extra),
                 target=_named(grad_target, ("grad", "self", "target", "reduction") + extra),
                 result=_named(jvp, ("self_t", "self_p", "target_t", "target_p", "reduction")
                               + extra))

    def bb_grad_output(grad, grad_output, self, target, reduction, *p):
        if reduction == NONE:
            return bwd(grad, self, target, reduction, *p)
        r = bwd(aten.ones_like.default(grad_output), self, target, reduction, *p)
        return (r * grad).sum()

    def bb_self(grad, grad_output, self, target, reduction, *p):
        return double_backward(grad * grad_output, self, target, reduction, *p)

    def bb_target(grad, grad_output, self, target, reduction, *p):
        return -double_backward(grad * grad_output, self, target, reduction, *p)

    def bb_jvp(grad_output_t, grad_output_p, self_t, self_p, target_t, target_p, reduction, *p):
        # (in C++'s order: an operator's right operand first)
        c = bwd(grad_output_t, self_p, target_p, reduction, *p)
        b = double_backward(target_t * grad_output_p, self_p, target_p, reduction, *p)
        a = double_backward(self_t * grad_output_p, self_p, target_p, reduction, *p)
        return a - b + c
    names = ("grad", "grad_output", "self", "target", "reduction") + extra
    # (huber_loss_backward has no forward formula in derivatives.yaml)
    b.derivative(grad_output=_named(bb_grad_output, names), self=_named(bb_self, names),
                 target=_named(bb_target, names),
                 result=None if name == "huber_loss" else _named(
                     bb_jvp, ("grad_output_t", "grad_output_p", "self_t", "self_p", "target_t",
                              "target_p", "reduction") + extra))
    return f, b


def _kwargs_to_positional(fn, param):
    """A kernel taking ``param`` as a keyword too (the adapter passes what the caller gave)."""
    if not param:
        return lambda self, target, reduction=MEAN: fn(self, target, reduction)

    def kernel(self, target, reduction=MEAN, *rest, **kw):
        p = rest[0] if rest else kw.get(param, 1.0)
        return fn(self, target, reduction, p)
    return kernel


def _named(fn, params):
    """``fn`` seen with the parameters ``params`` (formulas are bound by parameter name)."""
    src = (f"def formula({', '.join(params)}):\n"
           f"    return fn({', '.join(params)})\n")
    env = {"fn": fn}
    exec(src, env)  # (a function whose parameters name what the node saves)
    return env["formula"]


def _check_beta(beta):
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")


def _check_delta(delta):
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")


# ---- soft_margin_loss ------------------------------------------------------------------------
def _install_soft_margin():
    f = defop("soft_margin_loss(Tensor self, Tensor target, int reduction=1) -> Tensor")

    @f.cpu
    def _(self, target, reduction=MEAN):
        # (computed in place in ``self``'s dtype: exp_ of an integer tensor is refused)
        dt = _dtype._NP_TO_DTYPE[self.dtype]
        if not (dt.is_floating_point or dt.is_complex):
            raise RuntimeError(f"result type Float can't be cast to the desired output type "
                               f"{dt._scalar_name}")
        out = _compute(lambda x, y: np.log1p(np.exp(-x * y)), dt, *_broadcast(self, target))
        return _np_reduce(out, reduction)
    f.meta(lambda self, target, reduction=MEAN: empty_meta(
        broadcast_shapes(tuple(self.shape), tuple(target.shape)) if reduction == NONE else (),
        self.dtype))
    b = defop("soft_margin_loss_backward(Tensor grad_output, Tensor self, Tensor target, "
              "int reduction) -> Tensor")

    @b.cpu
    def _(grad_output, self, target, reduction):
        dt = _dtype._NP_TO_DTYPE[self.dtype]
        norm = 1.0 / self.size if reduction == MEAN else 1.0

        def grad(g, x, y):
            z = np.exp(-y * x)
            return -norm * y * z / (1 + z) * g
        return np.ascontiguousarray(_compute(grad, dt, grad_output, self, target))
    b.meta(lambda grad_output, self, target, reduction: empty_meta(
        broadcast_shapes(tuple(grad_output.shape), tuple(self.shape), tuple(target.shape)),
        self.dtype))
    bwd = aten.soft_margin_loss_backward.default
    f.derivative(self="aten.soft_margin_loss_backward.default(grad, self, target, reduction)",
                 result=lambda self_t, self_p, target, reduction: apply_loss_reduction(
                     bwd(self_t, self_p, target, NONE), reduction))
    f.no_grad_args = ("target",)

    def double_backward(grad, self, target, reduction):
        z = (self * -target).exp()
        zplus1 = aten.add.Scalar(z, 1)
        g = grad * (target * target) * z / (zplus1 * zplus1)
        return _mean_scaled(g, self, reduction)

    def bb_grad_output(grad, grad_output, self, target, reduction):
        if reduction == NONE:
            return bwd(grad, self, target, reduction)
        return (bwd(aten.ones_like.default(grad_output), self, target, reduction) * grad).sum()

    def bb_self(grad, grad_output, self, target, reduction):
        return double_backward(grad * grad_output, self, target, reduction)

    # (no forward formula in derivatives.yaml)
    b.derivative(grad_output=bb_grad_output, self=bb_self)
    b.no_grad_args = ("target",)


# ---- binary_cross_entropy ----------------------------------------------------------------------
_BCE_EPS = 1e-12


def _install_bce():
    f = defop("binary_cross_entropy(Tensor self, Tensor target, Tensor? weight=None, "
              "int reduction=1) -> Tensor")

    def check_operands(self, target, weight):
        dt = _dtype._NP_TO_DTYPE[self.dtype]
        if not dt.is_floating_point:
            raise not_implemented("binary_cross_entropy", dt)
        for other in (target, weight):
            if other is not None and other.dtype != self.dtype:
                raise RuntimeError(f"Found dtype {_dtype._NP_TO_DTYPE[other.dtype]._scalar_name}"
                                   f" but expected {dt._scalar_name}")
        return dt

    @f.cpu
    def _(self, target, weight=None, reduction=MEAN):
        dt = check_operands(self, target, weight)
        x, y = _broadcast(self, target)
        if x.size and not ((x >= 0) & (x <= 1)).all():
            raise RuntimeError("all elements of input should be between 0 and 1")
        if y.size and not ((y >= 0) & (y <= 1)).all():
            raise RuntimeError("all elements of target should be between 0 and 1")

        def loss(x, y):
            return (y - 1) * np.maximum(np.log1p(-x), -100) - y * np.maximum(np.log(x), -100)
        out = _compute(loss, dt, x, y)
        if weight is not None:
            out = _compute(np.multiply, dt, out, weight)
        return _np_reduce(np.ascontiguousarray(out), reduction)
    f.meta(lambda self, target, weight=None, reduction=MEAN: empty_meta(
        tuple(self.shape) if reduction == NONE else (), self.dtype))

    b = defop("binary_cross_entropy_backward(Tensor grad_output, Tensor self, Tensor target, "
              "Tensor? weight=None, int reduction=1) -> Tensor")

    @b.cpu
    def _(grad_output, self, target, weight=None, reduction=MEAN):
        dt = check_operands(self, target, weight)
        norm = 1.0 / self.size if reduction == MEAN else 1.0

        def grad(g, x, y):
            return norm * g * (x - y) / np.maximum((1 - x) * x, _BCE_EPS)
        r = _compute(grad, dt, grad_output, self, target)
        if weight is not None:
            r = _compute(np.multiply, dt, r, weight)
        return np.ascontiguousarray(np.broadcast_to(r, self.shape))
    b.meta(lambda grad_output, self, target, weight=None, reduction=MEAN: empty_meta(
        tuple(self.shape), self.dtype))
    bwd = aten.binary_cross_entropy_backward.default

    def target_backward(grad, self, target, weight, reduction):
        g = aten.logit.default(self).neg_() * grad
        if weight is not None:
            g = g * weight
        return aten.div_.Scalar(g, target.numel()) if reduction == MEAN else g

    def jvp(self_t, self_p, target_t, target_p, weight, reduction):
        right = target_backward(target_t, self_p, target_p, weight, NONE)
        return apply_loss_reduction(bwd(self_t, self_p, target_p, weight, NONE) + right,
                                    reduction)
    f.derivative(self="aten.binary_cross_entropy_backward.default(grad, self, target, weight, "
                      "reduction)", target=target_backward, result=jvp)
    f.no_grad_args = ("weight",)

    def dd_self(grad_output, grad, input, target, weight, reduction):
        eps = _BCE_EPS
        inp_pl_eps = aten.add.Scalar(input, eps)
        one_m_inp_pl_eps = aten.add.Scalar(_rsub(1, input), eps)
        denom_sq = one_m_inp_pl_eps.pow(2)
        denom = inp_pl_eps.pow(2) * denom_sq
        cross = aten.mul.Scalar(input, 2) * target
        gI = (input * input - cross + target) / denom
        gI = gI * (grad * grad_output)
        if weight is not None:
            gI = gI * weight
        return aten.div.Scalar(gI, input.numel()) if reduction == MEAN else gI

    def dd_grad_output(grad, input, target, weight, reduction):
        # (elementwise: the engine sums it to grad_output's shape)
        eps = _BCE_EPS
        right = aten.add.Scalar(_rsub(1, input), eps)
        denom = aten.add.Scalar(input, eps) * right
        ggO = (input - target) / denom * grad
        if weight is not None:
            ggO = ggO * weight
        return aten.div.Scalar(ggO, input.numel()) if reduction == MEAN else ggO

    def dd_target(grad, grad_output, self, target, weight, reduction):
        res = -grad * grad_output
        if weight is not None:
            res = res * weight
        from ..autograd.grad_mode import no_grad
        denom = _rsub(1, self).mul(self)
        with no_grad():  # (in place: the clamp is invisible to the gradient)
            denom.clamp_min_(_BCE_EPS)
        res = res / denom
        return _mean_scaled(res, self, reduction)

    def b_self(grad, grad_output, self, target, weight, reduction):
        return dd_self(grad_output, grad, self, target, weight, reduction)

    def b_grad_output(grad, self, target, weight, reduction):
        return dd_grad_output(grad, self, target, weight, reduction)

    def b_jvp(grad_output_t, grad_output_p, self_t, self_p, target_t, target_p, weight,
              reduction):
        c = dd_grad_output(grad_output_t, self_p, target_p, weight, reduction)
        b = dd_target(target_t, grad_output_p, self_p, target_p, weight, reduction)
        a = dd_self(grad_output_p, self_t, self_p, target_p, weight, reduction)
        return a + b + c
    b.derivative(self=b_self, target=dd_target, grad_output=b_grad_output, result=b_jvp)
    b.no_grad_args = ("weight",)


def _install_bce_with_logits():
    f = defop("binary_cross_entropy_with_logits(Tensor self, Tensor target, "
              "Tensor? weight=None, Tensor? pos_weight=None, int reduction=1) -> Tensor")

    @f.explicit
    def _(self, target, weight=None, pos_weight=None, reduction=MEAN):
        log_sigmoid_input = aten.log_sigmoid.default(self)
        if pos_weight is not None:
            log_weight = (pos_weight - 1).mul(target).add_(1)
            log_sigmoid_input.mul_(log_weight)
        loss = (1 - target).mul_(self).sub_(log_sigmoid_input)
        if weight is not None:
            loss.mul_(weight)
        return apply_loss_reduction(loss, reduction)

    def backward(grad, self, target, weight, pos_weight, reduction):
        if pos_weight is not None:
            t = pos_weight.mul(target)
            g = aten.add.Scalar(t, 1).sub(target).mul(self.sigmoid()).sub(t)
        else:
            g = self.sigmoid() - target
        g = g.mul(grad)
        if weight is not None:
            g = g.mul(weight)
        return aten.div_.Scalar(g, self.numel()) if reduction == MEAN else g

    def target_backward(grad, self, target, weight, pos_weight, reduction):
        if pos_weight is not None:
            g = aten.log_sigmoid.default(-self).sub(
                aten.log_sigmoid.default(self).mul(pos_weight)).mul(grad)
        else:
            g = -self * grad
        if weight is not None:
            g = g.mul(weight)
        return aten.div_.Scalar(g, target.numel()) if reduction == MEAN else g

    def jvp(self_t, self_p, target_t, target_p, weight, pos_weight, reduction):
        right = target_backward(target_t, self_p, target_p, weight, pos_weight, NONE)
        return apply_loss_reduction(
            backward(self_t, self_p, target_p, weight, pos_weight, NONE) + right, reduction)
    f.derivative(self=backward, target=target_backward, result=jvp)
    f.no_grad_args = ("weight", "pos_weight")


# ---- nll_loss ----------------------------------------------------------------------------------
def _sizes(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_nll(self, target, weight):
    if not (0 < self.ndim <= 2):
        raise RuntimeError("input tensor should be 1D or 2D")
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    no_batch_dim = self.ndim == 1 and target.ndim == 0
    if not (no_batch_dim or self.shape[0] == target.shape[0]):
        raise RuntimeError(f"size mismatch (got input: {_sizes(self.shape)}, target: "
                           f"{_sizes(target.shape)})")
    n_classes = self.shape[-1]
    if weight is not None and (weight.ndim != 1 or _numel(weight.shape) != n_classes):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes "
                           f"or no classes but got weight tensor of shape: "
                           f"{_sizes(weight.shape)}")


def _check_nll2d(self, target, weight):
    if target.ndim != 3:
        raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                           f"targets of dimension: {target.ndim}")
    if self.ndim != 4:
        raise RuntimeError("only batches of spatial inputs supported (4D tensors), but got "
                           f"input of dimension: {self.ndim}")
    if weight is not None and _numel(weight.shape) != self.shape[1]:
        raise RuntimeError("weight tensor should be defined either for all or no classes")
    if (self.shape[0], self.shape[2], self.shape[3]) != tuple(target.shape):
        raise RuntimeError(f"size mismatch (got input: {_sizes(self.shape)} , target: "
                           f"{_sizes(target.shape)}")


def _nll_dtypes(kernel, self, target, weight):
    if target.dtype not in (np.int64, np.uint8):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{_dtype._NP_TO_DTYPE[target.dtype]._scalar_name}")
    dt = _dtype._NP_TO_DTYPE[self.dtype]
    if not dt.is_floating_point:
        raise not_implemented(kernel, dt)
    if weight is not None and weight.dtype != self.dtype:
        raise RuntimeError(f"expected scalar type {dt._scalar_name} but found "
                           f"{_dtype._NP_TO_DTYPE[weight.dtype]._scalar_name}")
    return dt


def _nll_pick(self, target, weight, ignore_index, class_axis):
    """(per-element weights, 0 where ignored; the classes picked, 0 where ignored), with the
    out-of-bounds check; ``self`` has the classes at ``class_axis``."""
    t = target.astype(np.int64)
    keep = t != ignore_index
    n_classes = self.shape[class_axis]
    bad = keep & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")
    cls = np.where(keep, t, 0)
    w = (np.ones(t.shape, self.dtype) if weight is None else
         np.asarray(weight)[cls].astype(self.dtype, copy=False))
    return np.where(keep, w, 0).astype(self.dtype, copy=False), cls


def _nll_forward_np(self, target, weight, reduction, ignore_index, class_axis, kernel):
    dt = _nll_dtypes(kernel, self, target, weight)
    w, cls = _nll_pick(self, target, weight, ignore_index, class_axis)
    picked = np.take_along_axis(self, np.expand_dims(cls, class_axis), class_axis)
    picked = np.squeeze(picked, class_axis) if self.ndim > 1 else picked.reshape(())
    losses = _compute(lambda x, w: np.where(w != 0, -x * w, 0), dt, picked, w)
    if reduction == NONE and self.ndim > 1:
        return np.ascontiguousarray(losses), np.zeros((), self.dtype)
    total = np.asarray(w.sum(dtype=np.float64 if self.dtype in _LOW else self.dtype),
                       dtype=self.dtype)
    if reduction == NONE:   # (a 1-D input: one loss)
        return np.asarray(losses, self.dtype).reshape(()), np.zeros((), self.dtype)
    s = losses.sum()
    out = fp_silent(lambda: s / total) if reduction == MEAN else s
    return np.asarray(out, self.dtype), total


def _nll_backward_np(grad_output, self, target, weight, reduction, ignore_index,
                     total_weight, class_axis, kernel):
    dt = _nll_dtypes(kernel, self, target, weight)
    w, cls = _nll_pick(self, target, weight, ignore_index, class_axis)
    g = grad_output
    if reduction == MEAN:
        g = fp_silent(lambda: g / total_weight.reshape(()))
    if not (reduction == NONE and self.ndim > 1):
        g = np.asarray(g).reshape(())
    vals = _compute(lambda g, w: -w * g, dt, g, w)
    grad_input = np.zeros(self.shape, self.dtype)
    np.put_along_axis(grad_input, np.expand_dims(cls, class_axis) if self.ndim > 1 else
                      cls.reshape(1), np.expand_dims(vals, class_axis) if self.ndim > 1 else
                      vals.reshape(1), class_axis)
    return grad_input


def _nll_jvp(fwd):
    def jvp(self_t, target, weight, reduction, ignore_index):
        return fwd(self_t, target, weight, reduction, ignore_index)[0]
    return jvp


def _nll_loss_backward_decomposition(grad_output, self, target, weight, reduction,
                                     ignore_index, total_weight):
    """torch._decomp's ``nll_loss_backward`` (PyTorch has no forward formula for it: forward
    AD runs this, whose ops each compute their tangents)."""
    from .. import where
    channel_dim = 0 if self.dim() < 2 else 1
    if reduction == MEAN:
        grad_output = grad_output / total_weight
    if self.dim() == 1 and target.dim() > 0:
        target = target[0]
    target = target.unsqueeze(channel_dim)
    safe_target = where(target != ignore_index, target, 0)
    grad_input = aten.zeros_like.default(self)
    grad_input = aten.scatter.value(grad_input, channel_dim, safe_target, -1.0)
    if grad_input.dim() > grad_output.dim() > 0:
        grad_output = grad_output.unsqueeze(channel_dim)
    if weight is not None:
        new_shape = [1] * self.dim()
        new_shape[channel_dim] = weight.shape[0]
        grad_output = grad_output * weight.reshape(new_shape)
    grad_output = where(target != ignore_index, grad_output, 0)
    return grad_input * grad_output


def _nll_out(name):
    """``nll_loss.out``: the forward op's out= form, into ``out`` and a scratch total."""
    def out_kernel(self, target, weight=None, reduction=MEAN, ignore_index=-100, *, out):
        total_weight = aten.empty.memory_format([0], dtype=self.dtype)
        forward_out = getattr(aten, f"{name}_forward").output
        return forward_out(self, target, weight, reduction, ignore_index, output=out,
                           total_weight=total_weight)[0]
    return out_kernel


def _install_nll():
    for suffix, check, axis, node, kernel in (
            ("", _check_nll, -1, "NllLoss", "nll_loss_out_frame"),
            ("2d", _check_nll2d, 1, "NllLoss2D", "nll_loss2d_forward_out_frame")):
        name = f"nll_loss{suffix}"
        f = defop(f"{name}_forward(Tensor self, Tensor target, Tensor? weight, int reduction, "
                  "SymInt ignore_index) -> (Tensor output, Tensor total_weight)")

        def forward(self, target, weight, reduction, ignore_index, check=check, axis=axis,
                    kernel=kernel):
            check(self, target, weight)
            ax = axis if self.ndim > 1 else 0
            return _nll_forward_np(self, target, weight, reduction, ignore_index, ax, kernel)

        def forward_meta(self, target, weight, reduction, ignore_index, check=check):
            check(self, target, weight)
            if reduction == NONE and self.ndim > 1:
                shape = tuple(target.shape)
            else:
                shape = ()
            return empty_meta(shape, self.dtype), empty_meta((), self.dtype)
        f.cpu(forward)
        f.meta(forward_meta)
        b = defop(f"{name}_backward(Tensor grad_output, Tensor self, Tensor target, "
                  "Tensor? weight, int reduction, SymInt ignore_index, Tensor total_weight) -> "
                  "Tensor")

        def backward(grad_output, self, target, weight, reduction, ignore_index, total_weight,
                     check=check, axis=axis, kernel=kernel):
            check(self, target, weight)
            if total_weight.size != 1:
                raise RuntimeError(f"expected total_weight to be a single element tensor, got: "
                                   f"{_sizes(total_weight.shape)} ({total_weight.size} "
                                   "elements)")
            ax = axis if self.ndim > 1 else 0
            return _nll_backward_np(grad_output, self, target, weight, reduction,
                                    ignore_index, total_weight, ax,
                                    kernel.replace("forward", "backward"))
        b.cpu(backward)
        b.meta(lambda grad_output, self, target, weight, reduction, ignore_index,
               total_weight, check=check: (check(self, target, weight),
                                           empty_meta(tuple(self.shape), self.dtype))[1])
        fwd = getattr(aten, f"{name}_forward").default
        bwd = getattr(aten, f"{name}_backward").default
        f.output_differentiability = [True, False]
        f.derivative(f"{node}Backward0",
                     self=f"aten.{name}_backward.default(grad, self, target, weight, reduction, "
                          "ignore_index, total_weight)",
                     result=_nll_jvp(fwd))
        f.no_grad_args = ("weight",)
        b.derivative(f"{node}BackwardBackward0",
                     grad_output=f"aten.{name}.default(grad, target, weight, reduction, "
                                 "ignore_index)",
                     self="zeros_like(grad)",
                     result=JvpDecomposition(_nll_loss_backward_decomposition))
        b.no_grad_args = ("weight", "total_weight")
        c = defop(f"{name}(Tensor self, Tensor target, Tensor? weight=None, "
                  "int reduction=1, SymInt ignore_index=-100) -> Tensor")
        c.composite(lambda self, target, weight=None, reduction=MEAN, ignore_index=-100,
                    fwd=fwd: fwd(self, target, weight, reduction, ignore_index)[0])
        c_out = defop(f"{name}.out(Tensor self, Tensor target, Tensor? weight=None, "
                      "int reduction=1, SymInt ignore_index=-100, *, Tensor(a!) out) -> "
                      "Tensor(a!)")
        c_out.composite(_nll_out(name))

    nd = defop("nll_loss_nd(Tensor self, Tensor target, Tensor? weight=None, "
               "int reduction=1, SymInt ignore_index=-100) -> Tensor")
    nd.composite(_nll_loss_nd)


def _nll_loss_nd(self, target, weight=None, reduction=MEAN, ignore_index=-100):
    if self.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {self.dim()})")
    if self.dim() != 1 and self.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({self.shape[0]}) to match target "
                         f"batch_size ({target.shape[0]}).")
    if self.dim() <= 2:
        return aten.nll_loss.default(self, target, weight, reduction, ignore_index)
    if self.dim() == 4:
        return aten.nll_loss2d.default(self, target, weight, reduction, ignore_index)
    n, c = self.shape[0], self.shape[1]
    out_size = [n] + list(self.shape[2:])
    if list(target.shape[1:]) != list(self.shape[2:]):
        raise RuntimeError(f"Expected target size {_sizes(out_size)}, got "
                           f"{_sizes(target.shape)}")
    input_ = self.contiguous()
    target_ = target.contiguous()
    input_ = input_.view([n, c, 1, -1] if input_.numel() > 0 else [n, c, 0, 0])
    target_ = target_.view([n, 1, -1] if target_.numel() > 0 else [n, 0, 0])
    out = aten.nll_loss2d.default(input_, target_, weight, reduction, ignore_index)
    return out if reduction != NONE else out.view(out_size)


# ---- cross_entropy_loss ------------------------------------------------------------------------
def _cross_entropy_loss(self, target, weight=None, reduction=MEAN, ignore_index=-100,
                        label_smoothing=0.0):
    if tuple(self.shape) == tuple(target.shape):
        # (same shapes: class probabilities)
        if not target.dtype.is_floating_point:
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {target.dtype._scalar_name}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_prob_target(self, target, weight, reduction, label_smoothing)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        return _cross_entropy_label_smoothing(self, target, weight, reduction, ignore_index,
                                              label_smoothing)
    class_dim = 0 if self.dim() == 1 else 1
    return aten.nll_loss_nd.default(aten.log_softmax.int(self, class_dim, self.dtype), target,
                                    weight, reduction, ignore_index)


def _check_label_smoothing(label_smoothing):
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{_g6(label_smoothing)}")


def _g6(v):
    """A double as C++'s ``<<`` prints it."""
    return f"{v:g}"


def _weight_view(weight, input, class_dim):
    if input.dim() <= 1:
        return weight
    shape = [1] * input.dim()
    shape[class_dim] = weight.shape[0]
    return weight.view(shape)


def _cross_entropy_prob_target(self, target_, weight, reduction, label_smoothing):
    class_dim = 0 if self.dim() == 1 else 1
    n_classes = self.shape[class_dim]
    if weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all "
                           f"{n_classes} classes or no classes but got weight tensor of shape: "
                           f"{_sizes(weight.shape)}")
    input = aten.log_softmax.int(self, class_dim, self.dtype)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        target = aten.add.Scalar(aten.mul.Scalar(target_, 1 - label_smoothing),
                                 label_smoothing / n_classes)
    else:
        target = target_
    if weight is not None:
        w = _weight_view(weight, input, class_dim)
        prod = input * target * w
    else:
        prod = input * target
    if reduction == MEAN:
        if input.numel() == 0:
            return -prod.sum().fill_(math.nan)
        return aten.div.Scalar(-prod.sum(), input.numel() // n_classes)
    if reduction == SUM:
        return -prod.sum()
    if reduction == NONE:
        return -prod.sum(class_dim)
    raise RuntimeError(f"Invalid reduction type encountered in cross_entropy: {reduction}")


def _cross_entropy_label_smoothing(self, target, weight, reduction, ignore_index,
                                   label_smoothing):
    class_dim = 0 if self.dim() == 1 else 1
    input = aten.log_softmax.int(self, class_dim, self.dtype)
    nllloss = aten.nll_loss_nd.default(input, target, weight, reduction, ignore_index)
    if weight is not None:
        smooth_loss = -(input * _weight_view(weight, input, class_dim)).sum(class_dim)
    else:
        smooth_loss = -input.sum(class_dim)
    ignore_mask = target == ignore_index
    smooth_loss.masked_fill_(ignore_mask, 0.0)
    if reduction == MEAN:
        if weight is not None:
            # (the ignored targets' weights gathered at class 0, then masked out: no
            # data-dependent shape)
            filtered = target.masked_fill(ignore_mask, 0)
            weight_sum = weight.gather(0, filtered.flatten()).masked_fill_(
                ignore_mask.flatten(), 0).sum()
            ret = smooth_loss.sum() / weight_sum
        else:
            true_mask = ~ignore_mask
            ret = smooth_loss.sum() / true_mask.sum()
    elif reduction == SUM:
        ret = smooth_loss.sum()
    elif reduction == NONE:
        ret = smooth_loss
    else:
        raise RuntimeError(f"Invalid reduction type encountered in cross_entropy: {reduction}")
    n_classes = input.shape[class_dim]
    smoothed = aten.mul.Scalar(ret, label_smoothing / n_classes)
    return aten.mul.Scalar(nllloss, 1 - label_smoothing) + smoothed


# ---- kl_div, poisson_nll_loss, l1_loss ---------------------------------------------------------
def _kl_div(self, target, reduction=MEAN, *, log_target=False):
    if self.dtype.is_complex or target.dtype.is_complex:
        raise RuntimeError("kl_div: Complex inputs not supported.")
    if not (self.dtype.is_floating_point and target.dtype.is_floating_point):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    # (C++ evaluates an operator's right operand first: the ops run in that order)
    if log_target:
        diff = target - self
        output = target.exp() * diff
    else:
        prod = target * self
        output = aten.xlogy.Tensor(target, target) - prod
    return apply_loss_reduction(output, reduction)


def _poisson_nll_loss(input, target, log_input, full, eps, reduction):
    # (C++ evaluates an operator's right operand first: the ops run in that order)
    if log_input:
        prod = target * input
        loss = input.exp() - prod
    else:
        loss = input - target * aten.add.Scalar(input, eps).log()
    if full:
        half_log = aten.mul.Scalar(aten.mul.Scalar(target, 2 * math.pi).log(), 0.5)
        stirling = target * target.log() - target + half_log
        loss += stirling.masked_fill(target <= 1, 0)
    return apply_loss_reduction(loss, reduction)


def _install_composites():
    l1 = defop("l1_loss(Tensor self, Tensor target, int reduction=1) -> Tensor")
    l1.composite(lambda self, target, reduction=MEAN: apply_loss_reduction(
        (self - target).abs(), reduction))
    ce = defop("cross_entropy_loss(Tensor self, Tensor target, Tensor? weight=None, "
               "int reduction=1, SymInt ignore_index=-100, float label_smoothing=0.) -> "
               "Tensor")
    ce.composite(_cross_entropy_loss)
    kl = defop("kl_div(Tensor self, Tensor target, int reduction=1, *, "
               "bool log_target=False) -> Tensor")
    kl.composite(_kl_div)
    p = defop("poisson_nll_loss(Tensor input, Tensor target, bool log_input, bool full, "
              "float eps, int reduction) -> Tensor")
    p.composite(_poisson_nll_loss)


# the out= forms (op, schema, out arguments), as native_functions.yaml has them
_OUT_FORMS = (
    ("mse_loss", "mse_loss.out(Tensor self, Tensor target, int reduction=1, *, "
                 "Tensor(a!) out) -> Tensor(a!)", ("out",)),
    ("mse_loss_backward", "mse_loss_backward.grad_input(Tensor grad_output, Tensor self, "
                          "Tensor target, int reduction, *, Tensor(a!) grad_input) -> "
                          "Tensor(a!)", ("grad_input",)),
    ("smooth_l1_loss", "smooth_l1_loss.out(Tensor self, Tensor target, int reduction=1, "
                       "float beta=1., *, Tensor(a!) out) -> Tensor(a!)", ("out",)),
    ("smooth_l1_loss_backward", "smooth_l1_loss_backward.grad_input(Tensor grad_output, "
                                "Tensor self, Tensor target, int reduction, float beta, *, "
                                "Tensor(a!) grad_input) -> Tensor(a!)", ("grad_input",)),
    ("huber_loss", "huber_loss.out(Tensor self, Tensor target, int reduction=1, "
                   "float delta=1., *, Tensor(a!) out) -> Tensor(a!)", ("out",)),
    ("huber_loss_backward", "huber_loss_backward.out(Tensor grad_output, Tensor self, "
                            "Tensor target, int reduction, float delta, *, "
                            "Tensor(a!) grad_input) -> Tensor(a!)", ("grad_input",)),
    ("soft_margin_loss", "soft_margin_loss.out(Tensor self, Tensor target, "
                         "int reduction=1, *, Tensor(a!) out) -> Tensor(a!)", ("out",)),
    ("soft_margin_loss_backward", "soft_margin_loss_backward.grad_input(Tensor grad_output, "
                                  "Tensor self, Tensor target, int reduction, *, "
                                  "Tensor(a!) grad_input) -> Tensor(a!)", ("grad_input",)),
    ("binary_cross_entropy", "binary_cross_entropy.out(Tensor self, Tensor target, "
                             "Tensor? weight=None, int reduction=1, *, Tensor(a!) out) -> "
                             "Tensor(a!)", ("out",)),
    ("binary_cross_entropy_backward", "binary_cross_entropy_backward.grad_input("
                                      "Tensor grad_output, Tensor self, Tensor target, "
                                      "Tensor? weight=None, int reduction=1, *, "
                                      "Tensor(a!) grad_input) -> Tensor(a!)", ("grad_input",)),
    ("binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits.out(Tensor self, "
                                         "Tensor target, Tensor? weight=None, "
                                         "Tensor? pos_weight=None, int reduction=1, *, "
                                         "Tensor(a!) out) -> Tensor(a!)", ("out",)),
    ("nll_loss_forward", "nll_loss_forward.output(Tensor self, Tensor target, Tensor? weight, "
                         "int reduction, SymInt ignore_index, *, Tensor(a!) output, "
                         "Tensor(b!) total_weight) -> (Tensor(a!), Tensor(b!))",
     ("output", "total_weight")),
    ("nll_loss_backward", "nll_loss_backward.grad_input(Tensor grad_output, Tensor self, "
                          "Tensor target, Tensor? weight, int reduction, SymInt ignore_index, "
                          "Tensor total_weight, *, Tensor(a!) grad_input) -> Tensor(a!)",
     ("grad_input",)),
    ("nll_loss2d_forward", "nll_loss2d_forward.output(Tensor self, Tensor target, "
                           "Tensor? weight, int reduction, SymInt ignore_index, *, "
                           "Tensor(a!) output, Tensor(b!) total_weight) -> "
                           "(Tensor(a!), Tensor(b!))", ("output", "total_weight")),
    ("nll_loss2d_backward", "nll_loss2d_backward.grad_input(Tensor grad_output, Tensor self, "
                            "Tensor target, Tensor? weight, int reduction, "
                            "SymInt ignore_index, Tensor total_weight, *, "
                            "Tensor(a!) grad_input) -> Tensor(a!)", ("grad_input",)),
)


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    _difference_loss("mse_loss", None, _mse, _mse_grad, _mse_dd, "mse")
    _difference_loss("smooth_l1_loss", "beta", _smooth_l1, _smooth_l1_grad, _smooth_l1_dd,
                     "smooth_l1", _check_beta)
    _difference_loss("huber_loss", "delta", _huber, _huber_grad, _huber_dd, "huber",
                     _check_delta)
    _install_soft_margin()
    _install_bce()
    _install_bce_with_logits()
    _install_nll()
    _install_composites()
    from ._defop import _ALL_OPS
    for name in ("binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss"):
        public(name, getattr(aten, name).default, method=False)
    for name, schema, outs in _OUT_FORMS:
        copy_out_variant(_ALL_OPS[name + ".default"], schema, outs,
                         tags=("generated",) if name == "binary_cross_entropy_with_logits"
                         else ())
    # (native_functions.yaml declares these two backward ops' out= forms first: PyTorch lists
    # their overloads in that order)
    from .._dispatcher import operator as _opreg
    for name in ("smooth_l1_loss_backward", "huber_loss_backward"):
        overloads = _opreg._operators["aten::" + name]
        for key in [k for k in overloads if k in ("", "default")]:
            overloads[key] = overloads.pop(key)
