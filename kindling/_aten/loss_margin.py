"""Margin, ranking and embedding losses, distances, CTC loss, segment reductions and
``_safe_softmax``, layered as PyTorch layers them.

* CompositeImplicitAutograd (a dispatch mode sees their pieces): ``pairwise_distance``,
  ``cosine_similarity``, ``hinge_embedding_loss``, ``cosine_embedding_loss``,
  ``margin_ranking_loss``, ``triplet_margin_loss``, ``multilabel_margin_loss`` and
  ``ctc_loss`` (both overloads);
* kernels with derivatives.yaml formulas and ``*_backward`` ops: ``multi_margin_loss``,
  ``multilabel_margin_loss_forward`` (its ``is_target`` output), ``_ctc_loss`` (the
  forward-backward algorithm in log space), ``segment_reduce`` and ``_safe_softmax``.  The
  backward ops have no derivative of their own, as in PyTorch ("derivative for
  aten::..._backward is not implemented").

Defined at first use (``_aten/_lazy.py``).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from ._api import public
from ._copy_out import copy_out_variant
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._pointwise_util import fp_silent, not_implemented
from ._util import broadcast_shapes, result_type, wrap_dim

_MEAN, _SUM = 1, 2  # (at::Reduction: None = 0)
# (Loss.cpp's ``constexpr float EPSILON = 1e-12``, read as a double)
_EPSILON = float(np.float32(1e-12))
_NEG_INF = -math.inf


def _reduce(t, reduction):
    """Loss.cpp's ``apply_loss_reduction``."""
    if reduction == _MEAN:
        return aten.mean.default(t)
    if reduction == _SUM:
        return aten.sum.default(t)
    return t


def _scalar_minus(s, t):
    """C++'s ``Scalar - Tensor``: ``empty_like(t).fill_(s).sub_(t)``."""
    return aten.sub_.Tensor(aten.fill_.Scalar(aten.empty_like.default(t), s), t)


def _sizes(t):
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def _floating_kernel(name, t, half=False):
    dt = t.dtype
    if not dt.is_floating_point or (not half and dt._name in ("float16", "bfloat16")):
        raise not_implemented(name, dt)


def _expect_dtype(t, dt):
    """``data_ptr<T>()``'s check."""
    if t.dtype is not dt:
        raise RuntimeError(f"expected scalar type {dt._scalar_name} but found "
                           f"{t.dtype._scalar_name}")


def _np(t):
    return np.asarray(t._np)


def _from(a, dt):
    from .._tensor import from_array
    return from_array(np.array(a, dtype=dt._np, order="C"))  # (0-d kept)


# ---- distances ---------------------------------------------------------------------------------
def _pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    innermost = max(x1.dim(), x2.dim()) - 1
    return aten.norm.ScalarOpt_dim(aten.add.Scalar(aten.sub.Tensor(x1, x2), eps), p,
                                   [innermost], keepdim)


def _cosine_similarity(x1, x2, dim=1, eps=1e-8):
    common = result_type(x1, x2)
    if not common.is_floating_point:
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{common._scalar_name}")
    # (integral inputs, bool included, are converted: vector_norm takes none)
    if not (x1.dtype.is_floating_point or x1.dtype.is_complex):
        x1 = aten._to_copy.default(x1, dtype=common)
    if not (x2.dtype.is_floating_point or x2.dtype.is_complex):
        x2 = aten._to_copy.default(x2, dtype=common)
    if tuple(x1.shape) != tuple(x2.shape):  # (expand_outplace)
        shape = broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
        x1, x2 = aten.expand.default(x1, shape), aten.expand.default(x2, shape)
    n1 = aten.clone.default(aten.linalg_vector_norm.default(x1, 2, [dim], True))
    n2 = aten.clone.default(aten.linalg_vector_norm.default(x2, 2, [dim], True))
    from ..autograd.grad_mode import no_grad
    with no_grad():
        e = aten.scalar_tensor.default(eps, dtype=n1.dtype)
        aten.clamp_min_.Tensor(n1, e)
        aten.clamp_min_.Tensor(n2, e)
    return aten.sum.dim_IntList(aten.mul.Tensor(aten.div.Tensor(x1, n1),
                                                aten.div.Tensor(x2, n2)), [dim])


# ---- the composite losses ----------------------------------------------------------------------
def _hinge_embedding_loss(self, target, margin=1.0, reduction=_MEAN):
    zeros = aten.zeros_like.default(self)
    margin_clamp = aten.clamp_min_.default(_scalar_minus(margin, self), 0)
    output_margin = aten.where.self(aten.ne.Scalar(target, 1), margin_clamp, zeros)
    output_self = aten.where.self(aten.ne.Scalar(target, -1), self, zeros)
    return _reduce(aten.add.Tensor(output_margin, output_self), reduction)


def _cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=_MEAN):
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if td == 1 else 1
    if input1.dim() != want:
        raise RuntimeError(f"{td}D target tensor expects {want}D input tensors, but found "
                           f"inputs with sizes {_sizes(input1)} and {_sizes(input2)}.")
    prod_sum = aten.sum.dim_IntList(aten.mul.Tensor(input1, input2), [td])
    mag1 = aten.add.Scalar(aten.sum.dim_IntList(aten.mul.Tensor(input1, input1), [td]),
                           _EPSILON)
    mag2 = aten.add.Scalar(aten.sum.dim_IntList(aten.mul.Tensor(input2, input2), [td]),
                           _EPSILON)
    denom = aten.sqrt_.default(aten.mul.Tensor(mag1, mag2))
    cos = aten.div.Tensor(prod_sum, denom)
    zeros = aten.zeros_like.default(cos)
    pos = _scalar_minus(1, cos)
    neg = aten.clamp_min_.default(aten.sub.Scalar(cos, margin), 0)
    output_pos = aten.where.self(aten.eq.Scalar(target, 1), pos, zeros)
    output_neg = aten.where.self(aten.eq.Scalar(target, -1), neg, zeros)
    return _reduce(aten.add.Tensor(output_pos, output_neg), reduction)


def _margin_ranking_loss(input1, input2, target, margin=0.0, reduction=_MEAN):
    diff = aten.sub.Tensor(input1, input2)
    out = aten.add.Scalar(aten.mul.Tensor(aten.neg.default(target), diff), margin)
    return _reduce(aten.clamp_min_.default(out, 0), reduction)


def _triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                         reduction=_MEAN):
    a, pd, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pd == n):
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{pd}D, and negative {n}D inputs")
    dist_pos = _pairwise_distance(anchor, positive, p, eps)
    dist_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = aten.minimum.default(dist_neg, _pairwise_distance(positive, negative, p, eps))
    out = aten.sub.Tensor(aten.add.Scalar(dist_pos, margin), dist_neg)
    return _reduce(aten.clamp_min.default(out, 0), reduction)


# ---- multi_margin_loss -------------------------------------------------------------------------
def _multi_margin_check(self, target, p, weight):
    if p not in (1, 2):
        raise RuntimeError("only p == 1 and p == 2 supported")
    nd = self.dim()
    if not ((nd == 2 and self.shape[1] != 0) or (nd == 1 and self.shape[0] != 0) or nd == 0):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {_sizes(self)}")
    nframe, dim = (1, 1 if nd == 0 else self.shape[0]) if nd <= 1 else tuple(self.shape)
    if not (target.dim() <= 1 and target.numel() == nframe):
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{nframe}], but got "
            f"{_sizes(target)}. Input has shape {_sizes(self)}.")
    if weight is not None and not (weight.dim() <= 1 and weight.numel() == dim):
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got "
                           f"{_sizes(weight)}")
    return nframe, dim


def _multi_margin_terms(x, tgt, p, margin, w, kernel):
    """Per row: the target index and ``z = margin - x[target] + x[d]`` (the target's own
    column masked out), as an (nframe, dim) array."""
    nframe, dim = x.shape
    if np.any((tgt < 0) | (tgt >= dim)):
        raise RuntimeError("target out of range")
    rows = np.arange(nframe)
    z = margin - x[rows, tgt][:, None] + x
    active = z > 0
    active[rows, tgt] = False
    return rows, z, active


def _install_multi_margin():
    mm = defop("multi_margin_loss(Tensor self, Tensor target, Scalar p=1, Scalar margin=1, "
               "Tensor? weight=None, int reduction=1) -> Tensor")

    def prepare(self, target, p, weight, kernel):
        nframe, dim = _multi_margin_check(self, target, p, weight)
        if self.numel() == 0:
            return nframe, dim, None
        _floating_kernel(kernel, self)
        _expect_dtype(target, _dtype.int64)
        if weight is not None:
            _expect_dtype(weight, self.dtype)
        x = _np(self).reshape(nframe, dim)
        tgt = _np(target).reshape(nframe)
        w = None if weight is None else _np(weight).reshape(dim)
        return nframe, dim, (x, tgt, w)

    @mm.cpu_leaf
    def _(ks, self, target, p=1, margin=1, weight=None, reduction=_MEAN):
        nframe, dim, data = prepare(self, target, p, weight, "multi_margin_loss_cpu_kernel")
        none = reduction == 0 and target.dim() > 0
        if data is None:
            return _from(np.zeros((nframe,) if none else ()), self.dtype)
        x, tgt, w = data
        rows, z, active = _multi_margin_terms(x, tgt, p, margin, w, None)
        h = np.where(active, z if p == 1 else z * z, 0)
        if w is not None:
            h = h * w[tgt][:, None]
        per_row = h.sum(axis=1) / dim
        if none:
            return _from(per_row, self.dtype)
        total = per_row.sum()
        return _from(total / nframe if reduction == _MEAN else total, self.dtype)

    @mm.meta
    def _(self, target, p=1, margin=1, weight=None, reduction=_MEAN):
        nframe, _ = _multi_margin_check(self, target, p, weight)
        return empty_meta((nframe,) if reduction == 0 and target.dim() > 0 else (),
                          self.dtype)

    mb = defop("multi_margin_loss_backward(Tensor grad_output, Tensor self, Tensor target, "
               "Scalar p, Scalar margin, Tensor? weight=None, int reduction=1) -> Tensor")

    @mb.cpu_leaf
    def _(ks, grad_output, self, target, p, margin, weight=None, reduction=_MEAN):
        nframe, dim, data = prepare(self, target, p, weight,
                                    "multi_margin_loss_backward_cpu_kernel")
        if data is None:
            return _from(np.zeros(tuple(self.shape)), self.dtype)
        x, tgt, w = data
        rows, z, active = _multi_margin_terms(x, tgt, p, margin, w, None)
        g = 1.0 / (nframe * dim) if reduction == _MEAN else 1.0 / dim
        h = np.where(active, g if p == 1 else 2 * g * z, 0.0)
        if w is not None:
            h = h * w[tgt][:, None]
        h[rows, tgt] = -h.sum(axis=1)
        go = _np(grad_output)
        if reduction != 0 or grad_output.dim() == 0:
            h = h * go.reshape(-1)[0]
        else:
            h = h * go.reshape(nframe, 1)
        return _from(h.reshape(tuple(self.shape)), self.dtype)

    mm.derivative(self="aten.multi_margin_loss_backward.default(grad, self, target, p, margin, "
                       "weight, reduction)")
    mm.out = copy_out_variant(mm, "multi_margin_loss.out(Tensor self, Tensor target, Scalar p=1, "
                                  "Scalar margin=1, Tensor? weight=None, int reduction=1, *, "
                                  "Tensor(a!) out) -> Tensor(a!)", tags=())
    mb.out = copy_out_variant(
        mb, "multi_margin_loss_backward.grad_input(Tensor grad_output, Tensor self, "
            "Tensor target, Scalar p, Scalar margin, Tensor? weight=None, int reduction=1, *, "
            "Tensor(a!) grad_input) -> Tensor(a!)", ("grad_input",), tags=())


# ---- multilabel_margin_loss --------------------------------------------------------------------
def _multilabel_check(self, target):
    nd = self.dim()
    if not ((nd == 2 and self.shape[1] != 0) or (nd == 1 and self.shape[0] != 0) or nd == 0):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {_sizes(self)}")
    if nd <= 1:
        nframe, dim = 1, (1 if nd == 0 else self.shape[0])
        ok = target.dim() <= 1 and target.numel() == dim
    else:
        nframe, dim = self.shape
        ok = target.dim() == 2 and tuple(target.shape) == (nframe, dim)
    if not ok:
        raise RuntimeError(f"inconsistent target size: {_sizes(target)} for input of size: "
                           f"{_sizes(self)}")
    return nframe, dim


def _multilabel_terms(self, target, kernel):
    """(x, is_target, per-row target mask list) as (nframe, dim) arrays: each row's targets are
    its entries before the first -1."""
    nframe, dim = _multilabel_check(self, target)
    _floating_kernel(kernel, self)
    _expect_dtype(target, _dtype.int64)
    x = _np(self).reshape(nframe, dim)
    t = _np(target).reshape(nframe, dim)
    if np.any((t < -1) | (t >= dim)):
        raise RuntimeError("argument #2 'target' is out of range")
    before_end = np.cumsum(t == -1, axis=1) == 0
    is_target = np.zeros((nframe, dim), dtype=x.dtype)
    r, c = np.nonzero(before_end)
    is_target[r, t[r, c]] = 1
    return x, is_target, before_end, t, nframe, dim


def _multilabel_pairs(x, is_target, before_end, t):
    """``z[n, j, i] = 1 - (x[n, target_j] - x[n, i])`` over listed targets j and non-target
    columns i, where positive (others 0)."""
    nframe, dim = x.shape
    tj = np.where(before_end, t, 0)
    xt = np.take_along_axis(x, tj, axis=1)  # (n, j)
    z = 1 - (xt[:, :, None] - x[:, None, :])
    mask = before_end[:, :, None] & (is_target[:, None, :] == 0)
    return tj, np.where(mask & (z > 0), z, 0), mask & (z > 0)


def _install_multilabel():
    fwd = defop("multilabel_margin_loss_forward(Tensor self, Tensor target, int reduction) -> "
                "(Tensor output, Tensor is_target)")

    def out_shape(self, target, reduction):
        return () if reduction != 0 or target.dim() <= 1 else (self.shape[0],)

    @fwd.cpu_leaf
    def _(ks, self, target, reduction):
        x, is_target, before_end, t, nframe, dim = _multilabel_terms(
            self, target, "multilabel_margin_loss_forward_out_frame")
        _, z, _ = _multilabel_pairs(x, is_target, before_end, t)
        per_row = z.sum(axis=(1, 2)) / dim
        if reduction == 0 and target.dim() > 1:
            out = per_row
        else:
            out = per_row.sum()
            if reduction == _MEAN:
                out = out / nframe
        return (_from(np.reshape(out, out_shape(self, target, reduction)), self.dtype),
                _from(is_target.reshape(tuple(target.shape)), self.dtype))

    @fwd.meta
    def _(self, target, reduction):
        _multilabel_check(self, target)
        return (empty_meta(out_shape(self, target, reduction), self.dtype),
                empty_meta(tuple(target.shape), self.dtype))

    bwd = defop("multilabel_margin_loss_backward(Tensor grad_output, Tensor self, "
                "Tensor target, int reduction, Tensor is_target) -> Tensor")

    @bwd.cpu_leaf
    def _(ks, grad_output, self, target, reduction, is_target):
        x, _, before_end, t, nframe, dim = _multilabel_terms(
            self, target, "multilabel_margin_loss_backward_out_frame")
        ist = _np(is_target).reshape(nframe, dim)
        tj, _, active = _multilabel_pairs(x, ist, before_end, t)
        g = 1.0 / (nframe * dim) if reduction == _MEAN else 1.0 / dim
        grad = np.zeros((nframe, dim))
        grad += g * active.sum(axis=1)  # (each non-target column i: + g per active pair)
        per_target = -g * active.sum(axis=2)  # (each listed target j: - g per active pair)
        for n in range(nframe):
            np.add.at(grad[n], tj[n], per_target[n])
        go = _np(grad_output)
        if reduction != 0 or grad_output.dim() == 0:
            grad = grad * go.reshape(-1)[0]
        else:
            grad = grad * go.reshape(nframe, 1)
        return _from(grad.reshape(tuple(self.shape)), self.dtype)

    fwd.output_differentiability = [True, False]
    fwd.derivative("MultilabelMarginLossBackward0",
                   self="aten.multilabel_margin_loss_backward.default(grad, self, target, "
                        "reduction, is_target)")
    ml = defop("multilabel_margin_loss(Tensor self, Tensor target, int reduction=1) -> Tensor")
    ml.composite(lambda self, target, reduction=_MEAN:
                 aten.multilabel_margin_loss_forward.default(self, target, reduction)[0])
    mlo = defop("multilabel_margin_loss.out(Tensor self, Tensor target, int reduction=1, *, "
                "Tensor(a!) out) -> Tensor(a!)")
    # (CompositeImplicitAutograd, as PyTorch's: the forward's out= form, is_target thrown away)
    mlo.composite(lambda self, target, reduction=_MEAN, *, out: aten.multilabel_margin_loss_forward
                  .output(self, target, reduction, output=out,
                          is_target=aten.empty.memory_format([0], dtype=self.dtype))[0])
    copy_out_variant(fwd, "multilabel_margin_loss_forward.output(Tensor self, Tensor target, "
                          "int reduction, *, Tensor(a!) output, Tensor(b!) is_target) -> "
                          "(Tensor(a!), Tensor(b!))", ("output", "is_target"), tags=())
    copy_out_variant(bwd, "multilabel_margin_loss_backward.grad_input(Tensor grad_output, "
                          "Tensor self, Tensor target, int reduction, Tensor is_target, *, "
                          "Tensor(a!) grad_input) -> Tensor(a!)", ("grad_input",), tags=())


# ---- CTC loss ----------------------------------------------------------------------------------
_CTC = "ctc_loss_allocate_outputs"


def _ctc_plan(log_probs, targets, input_lengths, target_lengths, blank):
    """PyTorch's checks (``ctc_loss_allocate_outputs``); each batch entry's extended target
    ``l'`` (blank, l_0, blank, ..., blank) and the length of log_alpha's last dimension."""
    tdt = targets.dtype
    if tdt is not _dtype.int64 and tdt is not _dtype.int32:
        raise RuntimeError(f"Expected tensor for argument #2 'targets' to have scalar type Int; "
                           f"but got torch.{tdt._legacy}Tensor instead (while checking arguments "
                           f"for {_CTC})")
    if log_probs.dim() != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {log_probs.dim()}-"
                           f"dimensional tensor for argument #1 'log_probs' (while checking "
                           f"arguments for {_CTC})")
    if not 1 <= targets.dim() < 3:
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {targets.dim()}-dimensional "
                           f"tensor for argument #2 'targets' (while checking arguments for "
                           f"{_CTC})")
    T, batch, labels = log_probs.shape
    if not 0 <= blank < labels:
        raise RuntimeError("blank must be in label range")
    if len(input_lengths) != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(target_lengths) != batch:
        raise RuntimeError("target_lengths must be of size batch_size")

    def at_least(name, v):
        if v < 0:
            raise RuntimeError(f"Expected {name} to have value at least 0, but got value {v} "
                               f"(while checking arguments for {_CTC})")
    tg = _np(targets)
    rows = []
    if targets.dim() == 1:
        pos = 0
        for tl in target_lengths:
            at_least("target_lengths", tl)
            rows.append(tg[pos:pos + tl])
            pos += tl
        if targets.shape[0] != pos:
            raise RuntimeError(f"Expected tensor to have size {pos} at dimension 0, but got size "
                               f"{targets.shape[0]} for argument #2 'targets' (while checking "
                               f"arguments for {_CTC})")
        max_tl = max(target_lengths, default=0)
    else:
        for b, tl in enumerate(target_lengths):
            at_least("target_lengths", tl)
        max_tl = max(target_lengths, default=0)
        if targets.shape[0] != batch:
            raise RuntimeError(f"Expected tensor to have size {batch} at dimension 0, but got "
                               f"size {targets.shape[0]} for argument #2 'targets' (while "
                               f"checking arguments for {_CTC})")
        if targets.shape[1] < max_tl:
            raise RuntimeError(f"Expected tensor to have size at least {max_tl} at dimension 1, "
                               f"but got size {targets.shape[1]} for argument #2 'targets' "
                               f"(while checking arguments for {_CTC})")
        rows = [tg[b, :tl] for b, tl in enumerate(target_lengths)]
    for il in input_lengths:
        at_least("input_lengths", il)
        if il > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                               f"{il} (while checking arguments for {_CTC})")
    extended = []
    for r in rows:
        e = np.full(2 * len(r) + 1, blank, dtype=np.int64)
        e[1::2] = r
        extended.append(e)
    return extended, 2 * max_tl + 1


def _logsumexp3(a, b, c):
    """``log(exp(a) + exp(b) + exp(c))`` shifted by the max (0 where all are -inf), as the
    kernel computes it."""
    m = np.maximum(np.maximum(a, b), c)
    m = np.where(m == _NEG_INF, 0.0, m)
    return np.log(np.exp(a - m) + np.exp(b - m) + np.exp(c - m)) + m


def _ctc_alpha(lp, ext, il, la):
    """Fill ``la`` (T x S') with the log forward variables of one batch entry; its negative
    log likelihood."""
    n = len(ext)
    tl = (n - 1) // 2
    if il == 0:
        return 0.0 if tl == 0 else math.inf
    la[0, 0] = lp[0, ext[0]]
    if tl > 0:
        la[0, 1] = lp[0, ext[1]]
    # (l'[s-2] != l'[s]: the skip over a blank between two different labels)
    skip = np.zeros(n, dtype=bool)
    skip[2:] = ext[2:] != ext[:-2]
    ninf = np.full(n, _NEG_INF)
    for t in range(1, il):
        prev = la[t - 1, :n]
        la2 = np.concatenate(([_NEG_INF], prev[:-1]))
        la3 = np.where(skip, np.concatenate(([_NEG_INF, _NEG_INF], prev[:-2]))[:n], ninf)
        la[t, :n] = _logsumexp3(prev, la2, la3) + lp[t, ext]
    if tl == 0:
        return -la[il - 1, 0]
    l1, l2 = la[il - 1, 2 * tl], la[il - 1, 2 * tl - 1]
    m = max(l1, l2)
    m = 0.0 if m == _NEG_INF else m
    return -(np.log(np.exp(l1 - m) + np.exp(l2 - m)) + m)


def _ctc_forward(log_probs, targets, input_lengths, target_lengths, blank):
    _floating_kernel("ctc_loss_cpu", log_probs)
    ext, width = _ctc_plan(log_probs, targets, input_lengths, target_lengths, blank)
    lp = _np(log_probs).astype(np.float64)
    T, batch, _ = lp.shape
    log_alpha = np.full((batch, T, width), _NEG_INF)
    nll = np.empty(batch)
    with np.errstate(all="ignore"):
        for b in range(batch):
            nll[b] = _ctc_alpha(lp[:, b, :], ext[b], input_lengths[b], log_alpha[b])
    return _from(nll, log_probs.dtype), _from(log_alpha, log_probs.dtype)


def _ctc_backward(grad, log_probs, targets, input_lengths, target_lengths, nll, log_alpha, blank,
                  zero_infinity):
    _floating_kernel("ctc_loss_backward_cpu", log_probs)
    lp = _np(log_probs).astype(np.float64)
    T, batch, labels = lp.shape
    tg = _np(targets)
    out = np.full((T, batch, labels), _NEG_INF)
    la_all = _np(log_alpha).astype(np.float64)
    nll_a = _np(nll).astype(np.float64).reshape(-1)
    gr = _np(grad).astype(np.float64).reshape(-1)
    pos = 0
    with np.errstate(all="ignore"):
        for b in range(batch):
            tl = target_lengths[b]
            if targets.dim() == 1:
                row, pos = tg[pos:pos + tl], pos + tl
            else:
                row = tg[b, :tl]
            if zero_infinity and nll_a[b] == math.inf:
                out[:, b, :] = 0
                continue
            ext = np.full(2 * tl + 1, blank, dtype=np.int64)
            ext[1::2] = row
            _ctc_beta_into(out[:, b, :], lp[:, b, :], la_all[b], ext, input_lengths[b],
                           nll_a[b], gr[b], blank)
    return _from(out, log_probs.dtype)


def _ctc_beta_into(g, lp, la, ext, il, nll, gr, blank):
    """One batch entry's gradient: the log backward variables, the per-label log sums of
    alpha * beta (eq. 16 of Graves et al.), then the gradient itself, into ``g`` (T x C)."""
    n = len(ext)
    tl = (n - 1) // 2
    if il > 0:
        lb = np.full((il, n), _NEG_INF)
        lb[il - 1, 2 * tl] = lp[il - 1, blank]
        g[il - 1, blank] = la[il - 1, 2 * tl] + lb[il - 1, 2 * tl]
        if tl > 0:
            c = ext[2 * tl - 1]
            lb[il - 1, 2 * tl - 1] = lp[il - 1, c]
            g[il - 1, c] = la[il - 1, 2 * tl - 1] + lb[il - 1, 2 * tl - 1]
        skip = np.zeros(n, dtype=bool)  # (l'[s+2] != l'[s])
        skip[:-2] = ext[2:] != ext[:-2]
        ninf = np.full(n, _NEG_INF)
        for t in range(il - 2, -1, -1):
            nxt = lb[t + 1]
            lb2 = np.concatenate((nxt[1:], [_NEG_INF]))
            lb3 = np.where(skip, np.concatenate((nxt[2:], [_NEG_INF, _NEG_INF]))[:n], ninf)
            lb[t] = _logsumexp3(nxt, lb2, lb3) + lp[t, ext]
            np.logaddexp.at(g[t], ext, la[t, :n] + lb[t])
        g[:il] = (np.exp(lp[:il]) - np.exp(g[:il] + nll - lp[:il])) * gr
    g[il:] = 0


def _lengths_list(t, name):
    if not (t.dtype.is_floating_point or t.dtype.is_complex or t.dtype is _dtype.bool):
        return [int(v) for v in _np(t).reshape(-1)]
    raise RuntimeError(f"{name} must be integral")


def _install_ctc():
    il_list = "int[] input_lengths, int[] target_lengths"
    il_tensor = "Tensor input_lengths, Tensor target_lengths"
    fwd = defop(f"_ctc_loss(Tensor log_probs, Tensor targets, {il_list}, int blank=0, "
                "bool zero_infinity=False) -> (Tensor, Tensor)", tags=("dynamic_output_shape",))
    fwd_t = defop(f"_ctc_loss.Tensor(Tensor log_probs, Tensor targets, {il_tensor}, int blank=0, "
                  "bool zero_infinity=False) -> (Tensor, Tensor)",
                  tags=("dynamic_output_shape",))
    bwd = defop(f"_ctc_loss_backward(Tensor grad, Tensor log_probs, Tensor targets, {il_list}, "
                "Tensor neg_log_likelihood, Tensor log_alpha, int blank, "
                "bool zero_infinity=False) -> Tensor")
    bwd_t = defop(f"_ctc_loss_backward.Tensor(Tensor grad, Tensor log_probs, Tensor targets, "
                  f"{il_tensor}, Tensor neg_log_likelihood, Tensor log_alpha, int blank, "
                  "bool zero_infinity=False) -> Tensor")

    @fwd.cpu_leaf
    def _(ks, log_probs, targets, input_lengths, target_lengths, blank=0, zero_infinity=False):
        return _ctc_forward(log_probs, targets, list(input_lengths), list(target_lengths), blank)

    @fwd_t.cpu_leaf
    def _(ks, log_probs, targets, input_lengths, target_lengths, blank=0, zero_infinity=False):
        il = _lengths_list(input_lengths, "input_lengths")
        tl = _lengths_list(target_lengths, "target_lengths")
        return _ctc_forward(log_probs, targets, il, tl, blank)

    @bwd.cpu_leaf
    def _(ks, grad, log_probs, targets, input_lengths, target_lengths, neg_log_likelihood,
          log_alpha, blank, zero_infinity=False):
        return _ctc_backward(grad, log_probs, targets, list(input_lengths), list(target_lengths),
                             neg_log_likelihood, log_alpha, blank, zero_infinity)

    @bwd_t.cpu_leaf
    def _(ks, grad, log_probs, targets, input_lengths, target_lengths, neg_log_likelihood,
          log_alpha, blank, zero_infinity=False):
        il = _lengths_list(input_lengths, "input_lengths")
        tl = _lengths_list(target_lengths, "target_lengths")
        return _ctc_backward(grad, log_probs, targets, il, tl, neg_log_likelihood, log_alpha,
                             blank, zero_infinity)

    def fwd_meta(log_probs, targets, input_lengths, target_lengths, blank=0,
                 zero_infinity=False):
        _floating_kernel("ctc_loss_meta", log_probs)
        _, width = _ctc_plan(log_probs, targets, list(input_lengths), list(target_lengths),
                             blank)
        T, batch, _ = log_probs.shape
        return empty_meta((batch,), log_probs.dtype), empty_meta((batch, T, width),
                                                                 log_probs.dtype)
    fwd.meta(fwd_meta)
    for f, b in ((fwd, "_ctc_loss_backward.default"), (fwd_t, "_ctc_loss_backward.Tensor")):
        f.output_differentiability = [True, False]
        f.derivative(log_probs=f"aten.{b}(grad, log_probs, targets, input_lengths, "
                               "target_lengths, result0, result1, blank, zero_infinity)")
    copy_out_variant(fwd, f"_ctc_loss.out(Tensor log_probs, Tensor targets, {il_list}, "
                          "int blank=0, bool zero_infinity=False, *, Tensor(a!) out0, "
                          "Tensor(b!) out1) -> (Tensor(a!), Tensor(b!))", ("out0", "out1"))
    copy_out_variant(fwd_t, f"_ctc_loss.Tensor_out(Tensor log_probs, Tensor targets, "
                            f"{il_tensor}, int blank=0, bool zero_infinity=False, *, "
                            "Tensor(a!) out0, Tensor(b!) out1) -> (Tensor(a!), Tensor(b!))",
                     ("out0", "out1"))
    copy_out_variant(bwd, f"_ctc_loss_backward.out(Tensor grad, Tensor log_probs, "
                          f"Tensor targets, {il_list}, Tensor neg_log_likelihood, "
                          "Tensor log_alpha, int blank, bool zero_infinity=False, *, "
                          "Tensor(a!) out) -> Tensor(a!)")

    def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=_MEAN,
                 zero_infinity=False, lists=True):
        batched = log_probs.dim() == 3
        if not batched:
            log_probs = aten.unsqueeze.default(log_probs, 1)
        if targets.dtype is not _dtype.int64:
            targets = aten._to_copy.default(targets, dtype=_dtype.int64)
        op = aten._ctc_loss.default if lists else aten._ctc_loss.Tensor
        res = op(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity)[0]
        if zero_infinity:
            # (C++ evaluates the arguments right to left: the zeros first)
            zeros = aten.zeros.default([], dtype=res.dtype)
            res = aten.where.self(aten.eq.Scalar(res, math.inf), zeros, res)
        if reduction == _MEAN:
            if lists:
                tl = aten.empty.memory_format([len(target_lengths)], dtype=res.dtype)
                from .._tensor import from_array
                tl._np[...] = np.asarray(target_lengths, dtype=res.dtype._np)
            else:
                tl = target_lengths
            return aten.mean.default(aten.div.Tensor(res, aten.clamp_min.default(tl, 1)))
        if reduction == _SUM:
            return aten.sum.default(res)
        return res if batched else aten.squeeze.dim(res, 0)

    c1 = defop(f"ctc_loss.IntList(Tensor log_probs, Tensor targets, {il_list}, int blank=0, "
               "int reduction=1, bool zero_infinity=False) -> Tensor")
    c1.composite(ctc_loss)
    c2 = defop(f"ctc_loss.Tensor(Tensor log_probs, Tensor targets, {il_tensor}, int blank=0, "
               "int reduction=1, bool zero_infinity=False) -> Tensor")
    c2.composite(lambda *a, **k: ctc_loss(*a, **k, lists=False))


# ---- segment_reduce ----------------------------------------------------------------------------
_SEGMENT_REDUCTIONS = {"sum": "sum", "prod": "prod", "mean": "mean", "max": "max", "amax": "max",
                       "min": "min", "amin": "min"}


def _segment_reduction(reduce):
    r = _SEGMENT_REDUCTIONS.get(reduce)
    if r is None:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    return r


def _segment_lengths(lengths, offsets):
    """The lengths as an int64 array (from ``offsets``' differences when only those are
    given), after the index-type dispatch's check."""
    if lengths is None and offsets is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined.")
    t, kind = (lengths, "lengths") if lengths is not None else (offsets, "offsets")
    if t.dtype is not _dtype.int64 and t.dtype is not _dtype.int32:
        raise not_implemented(f"_segment_reduce_{kind}_cpu_kernel1", t.dtype)
    a = _np(t).astype(np.int64)
    return (a if lengths is not None else np.diff(a, axis=-1)), t.dim()


def _segment_layout(data, ldim, axis):
    axis = wrap_dim(axis, data.dim())
    if not data.dim() >= ldim:
        raise RuntimeError("Expected data.dim() >= lengths_value.dim() to be true, but got "
                           "false.  (Could this error message be improved?  If so, please "
                           "report an enhancement request to PyTorch.)")
    return ldim - 1  # (the kernels reduce along the lengths' last dimension)


def _segment_rows(data_np, lengths, axis):
    """(outer index, segment index, start, length) of every segment, and data as
    (outer, size(axis), inner)."""
    shape = data_np.shape
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    x = data_np.reshape(outer, shape[axis] if data_np.ndim else 1, inner)
    lens = lengths.reshape(outer, -1)
    return x, lens, inner


def _segment_forward(data, reduce, lengths, offsets, axis, unsafe, initial):
    red = _segment_reduction(reduce)
    lens, ldim = _segment_lengths(lengths, offsets)
    ax = _segment_layout(data, ldim, axis)
    if not unsafe:
        if lens.size == 0:
            raise RuntimeError("min(): Expected reduction dim to be specified for input.numel() "
                               "== 0. Specify the reduction dim with the 'dim' argument.")
        if lens.min() < 0:
            raise RuntimeError("lengths contains negative value!")
        if np.any(lens.sum(axis=-1) != data.shape[ax]):
            raise RuntimeError("segment_reduce(): Expected all rows of lengths along axis to sum "
                               "to data.size(lengths.dim()-1) when !unsafe.")
    _floating_kernel("_segment_reduce_cpu", data, half=True)
    return red, lens, ax


def _segment_identity(red, initial):
    if initial is not None:
        return float(initial)
    return {"max": _NEG_INF, "min": math.inf, "prod": 1.0}.get(red, 0.0)


def _segment_reduce_np(x, red, lens, initial):
    """``x``: (outer, size, inner); ``lens``: (outer, segments) -> (outer, segments, inner)."""
    outer, _, inner = x.shape
    out = np.empty((outer, lens.shape[1], inner), dtype=np.float64)
    init = _segment_identity(red, initial)
    for o in range(outer):
        start = 0
        for i, n in enumerate(lens[o]):
            seg = x[o, start:start + n].astype(np.float64)
            if red == "max":
                v = np.maximum(init, seg.max(axis=0)) if n else np.full(inner, init)
                v = np.where(np.isnan(seg).any(axis=0), np.nan, v) if n else v
            elif red == "min":
                v = np.minimum(init, seg.min(axis=0)) if n else np.full(inner, init)
                v = np.where(np.isnan(seg).any(axis=0), np.nan, v) if n else v
            elif red == "prod":
                v = init * seg.prod(axis=0)
            else:
                v = init + seg.sum(axis=0)
                if red == "mean":
                    if n == 0 and initial is None:
                        v = np.full(inner, np.nan)
                    elif n > 0:
                        v = np.where(np.isnan(v), v, v / n)
            out[o, i] = v
            start += n
    return out


def _segment_backward_np(g, out, x, red, lens, initial):
    outer, _, inner = x.shape
    gi = np.zeros(x.shape, dtype=np.float64)
    init_prod = float(initial) if initial is not None else 1.0
    for o in range(outer):
        start = 0
        for i, n in enumerate(lens[o]):
            if n == 0:
                continue
            seg = x[o, start:start + n]
            gv, ov = g[o, i], out[o, i]
            if red in ("max", "min"):
                hit = np.isnan(seg) | (seg == ov)
                r = np.where(hit, gv, 0.0)
                count = hit.sum(axis=0)
                # (PyTorch's kernel shares the gradient among ties only where it is positive)
                r = np.where((count >= 2) & (r > 0), r / np.maximum(count, 1), r)
            elif red == "mean":
                r = np.broadcast_to(gv / n, seg.shape)
            elif red == "sum":
                r = np.broadcast_to(gv, seg.shape)
            else:
                r = np.empty(seg.shape)
                for j in range(n):
                    v = seg[j]
                    others = np.delete(seg, j, axis=0)
                    exclusive = init_prod * others.prod(axis=0)
                    special = np.isnan(v) | (v == 0)
                    with np.errstate(all="ignore"):
                        r[j] = np.where(special, gv * exclusive, gv * ov / v)
            gi[o, start:start + n] = r
            start += n
    return gi


def _install_segment_reduce():
    sr = defop("segment_reduce(Tensor data, str reduce, *, Tensor? lengths=None, "
               "Tensor? indices=None, Tensor? offsets=None, int axis=0, bool unsafe=False, "
               "Scalar? initial=None) -> Tensor")

    def check_indices(indices):
        if indices is not None:
            raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")

    @sr.cpu_leaf
    def _(ks, data, reduce, *, lengths=None, indices=None, offsets=None, axis=0, unsafe=False,
          initial=None):
        check_indices(indices)
        red, lens, ax = _segment_forward(data, reduce, lengths, offsets, axis, unsafe, initial)
        x, lens2, inner = _segment_rows(_np(data), lens, ax)
        with np.errstate(all="ignore"):
            r = _segment_reduce_np(x, red, lens2, initial)
        shape = list(data.shape)
        shape[ax] = lens.shape[-1]
        return _from(r.reshape(shape), data.dtype)

    @sr.meta
    def _(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0, unsafe=False,
          initial=None):
        check_indices(indices)
        _segment_reduction(reduce)
        t = lengths if lengths is not None else offsets
        if t is None:
            raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined.")
        ax = _segment_layout(data, t.dim(), axis)
        shape = list(data.shape)
        shape[ax] = t.shape[-1] - (lengths is None)
        return empty_meta(shape, data.dtype)

    sb = defop("_segment_reduce_backward(Tensor grad, Tensor output, Tensor data, str reduce, *, "
               "Tensor? lengths=None, Tensor? offsets=None, int axis=0, Scalar? initial=None) -> "
               "Tensor")

    @sb.cpu_leaf
    def _(ks, grad, output, data, reduce, *, lengths=None, offsets=None, axis=0, initial=None):
        red = _segment_reduction(reduce)
        lens, ldim = _segment_lengths(lengths, offsets)
        ax = _segment_layout(data, ldim, axis)
        _floating_kernel("_segment_reduce_cpu", data, half=True)
        x, lens2, inner = _segment_rows(_np(data).astype(np.float64), lens, ax)
        g = _np(grad).astype(np.float64).reshape(x.shape[0], -1, inner)
        o = _np(output).astype(np.float64).reshape(x.shape[0], -1, inner)
        with np.errstate(all="ignore"):
            r = _segment_backward_np(g, o, x, red, lens2, initial)
        return _from(r.reshape(tuple(data.shape)), grad.dtype)

    sb.meta(lambda grad, output, data, reduce, **k: empty_meta(tuple(data.shape), grad.dtype))
    sr.derivative(data="aten._segment_reduce_backward.default(grad, result, data, reduce, "
                       "lengths=lengths, offsets=offsets, axis=axis, initial=initial)")
    copy_out_variant(sr, "segment_reduce.out(Tensor data, str reduce, *, Tensor? lengths=None, "
                         "Tensor? indices=None, Tensor? offsets=None, int axis=0, "
                         "bool unsafe=False, Scalar? initial=None, Tensor(a!) out) -> Tensor(a!)")
    copy_out_variant(sb, "_segment_reduce_backward.out(Tensor grad, Tensor output, Tensor data, "
                         "str reduce, *, Tensor? lengths=None, Tensor? offsets=None, int axis=0, "
                         "Scalar? initial=None, Tensor(a!) out) -> Tensor(a!)")


# ---- _safe_softmax -----------------------------------------------------------------------------
def _install_safe_softmax():
    ss = defop("_safe_softmax(Tensor self, int dim, ScalarType? dtype=None) -> Tensor")

    @ss.explicit
    def _(self, dim, dtype=None):
        # (softmax, then 0 in every slice along dim that is all -inf: no nan for fully masked
        # rows)
        out = aten.softmax.int(self, dim, dtype)
        masked = aten.eq.Scalar(self, _NEG_INF)
        d = wrap_dim(dim, self.dim())
        rows = aten.all.dim(masked, d, True) if self.dim() else masked
        return aten.where.self(rows, aten.zeros_like.default(out), out)

    ss.meta(lambda self, dim, dtype=None: (wrap_dim(dim, self.dim()), empty_meta(
        tuple(self.shape), dtype or self.dtype))[1])
    ss.derivative("SafeSoftmaxBackward0",
                  self="aten._softmax_backward_data.default(grad, result, dim, "
                       "self_scalar_type)",
                  result=_safe_softmax_jvp)


def _safe_softmax_jvp(self_p, self_t, dim, result):
    """PyTorch's ``safe_logsumexp_jvp``: logsumexp's tangent, 0 over fully masked slices."""
    from ..autograd._formulas import logsumexp_jvp
    lse = logsumexp_jvp(self_p, self_t, [dim], True)
    d = wrap_dim(dim, self_p.dim())
    masked = aten.eq.Scalar(self_p, _NEG_INF)
    masked = aten.all.dim(masked, d, True) if self_p.dim() else masked
    lse = aten.where.self(masked, aten.zeros_like.default(lse), lse)
    return result * (self_t - lse)


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    for name, fn in (
            ("pairwise_distance(Tensor x1, Tensor x2, float p=2., "
             "float eps=9.9999999999999995e-07, bool keepdim=False) -> Tensor",
             _pairwise_distance),
            ("cosine_similarity(Tensor x1, Tensor x2, int dim=1, float eps=1e-08) -> Tensor",
             _cosine_similarity),
            ("hinge_embedding_loss(Tensor self, Tensor target, float margin=1., "
             "int reduction=1) -> Tensor", _hinge_embedding_loss),
            ("cosine_embedding_loss(Tensor input1, Tensor input2, Tensor target, "
             "float margin=0., int reduction=1) -> Tensor", _cosine_embedding_loss),
            ("margin_ranking_loss(Tensor input1, Tensor input2, Tensor target, "
             "float margin=0., int reduction=1) -> Tensor", _margin_ranking_loss),
            ("triplet_margin_loss(Tensor anchor, Tensor positive, Tensor negative, "
             "float margin=1., float p=2., float eps=9.9999999999999995e-07, bool swap=False, "
             "int reduction=1) -> Tensor", _triplet_margin_loss)):
        defop(name).composite(fn)
    _install_multi_margin()
    _install_multilabel()
    _install_ctc()
    _install_segment_reduce()
    _install_safe_softmax()
    for name in ("pairwise_distance", "cosine_similarity", "hinge_embedding_loss",
                 "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
                 "ctc_loss", "_ctc_loss", "segment_reduce", "_safe_softmax"):
        packet = getattr(aten, name)
        public(name, *[getattr(packet, o) for o in packet.overloads()], method=False)
    # (``torch._segment_reduce`` is ``torch.segment_reduce`` under another name)
    public("_segment_reduce", aten.segment_reduce.default, method=False)
