"""torch.nn.functional: margin, ranking, embedding and CTC losses, as PyTorch's
``torch/nn/functional.py`` writes them: argument checks and the reduction argument here, the
work in the aten ops (``_aten/loss_margin.py``) or, for ``multilabel_soft_margin_loss`` and
``triplet_margin_with_distance_loss``, compositions of other ops."""
from __future__ import annotations

import kindling as torch

from ... import _C
from .. import _reduction as _Reduction
from ...overrides import handle_torch_function, has_torch_function_variadic

__all__ = ["hinge_embedding_loss", "cosine_embedding_loss", "margin_ranking_loss",
           "multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "ctc_loss"]


# ---- the losses --------------------------------------------------------------------------------
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``, reduced."""
    if has_torch_function_variadic(input1, input2, target):
        return handle_torch_function(margin_ranking_loss, (input1, input2, target), input1,
                                     input2, target, margin=margin, size_average=size_average,
                                     reduce=reduce, reduction=reduction)
    reduction_enum = _Reduction.reduction_enum(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return torch.margin_ranking_loss(input1, input2, target, margin, reduction_enum)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``."""
    if has_torch_function_variadic(input, target):
        return handle_torch_function(hinge_embedding_loss, (input, target), input, target,
                                     margin=margin, size_average=size_average, reduce=reduce,
                                     reduction=reduction)
    reduction_enum = _Reduction.reduction_enum(size_average, reduce, reduction)
    return torch.hinge_embedding_loss(input, target, margin, reduction_enum)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-class multi-label hinge loss; each row of ``target`` lists class indices up to
    the first -1."""
    if has_torch_function_variadic(input, target):
        return handle_torch_function(multilabel_margin_loss, (input, target), input, target,
                                     size_average=size_average, reduce=reduce,
                                     reduction=reduction)
    reduction_enum = _Reduction.reduction_enum(size_average, reduce, reduction)
    return _C._nn.multilabel_margin_loss(input, target, reduction_enum)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Multi-label one-versus-all loss from log-sigmoids, averaged over classes."""
    if has_torch_function_variadic(input, target, weight):
        return handle_torch_function(multilabel_soft_margin_loss, (input, target, weight), input,
                                     target, weight=weight, size_average=size_average,
                                     reduce=reduce, reduction=reduction)
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    logsigmoid = torch.nn.functional.logsigmoid
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    C = input.size(class_dim)
    loss = loss.sum(dim=class_dim) / C
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1``."""
    if has_torch_function_variadic(input1, input2, target):
        return handle_torch_function(cosine_embedding_loss, (input1, input2, target), input1,
                                     input2, target, margin=margin, size_average=size_average,
                                     reduce=reduce, reduction=reduction)
    reduction_enum = _Reduction.reduction_enum(size_average, reduce, reduction)
    return torch.cosine_embedding_loss(input1, input2, target, margin, reduction_enum)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge loss (``p`` 1 or 2), optionally weighted per class."""
    if has_torch_function_variadic(input, target, weight):
        return handle_torch_function(multi_margin_loss, (input, target, weight), input, target,
                                     p=p, margin=margin, weight=weight,
                                     size_average=size_average, reduce=reduce,
                                     reduction=reduction)
    reduction_enum = _Reduction.reduction_enum(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    return _C._nn.multi_margin_loss(input, target, p, margin, weight, reduction_enum)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the p-norm pairwise distance."""
    if has_torch_function_variadic(anchor, positive, negative):
        return handle_torch_function(triplet_margin_loss, (anchor, positive, negative), anchor,
                                     positive, negative, margin=margin, p=p, eps=eps, swap=swap,
                                     size_average=size_average, reduce=reduce,
                                     reduction=reduction)
    reduction_enum = _Reduction.reduction_enum(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return torch.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                     reduction_enum)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """:func:`triplet_margin_loss` with any distance function (``pairwise_distance`` by
    default)."""
    if has_torch_function_variadic(anchor, positive, negative):
        return handle_torch_function(triplet_margin_with_distance_loss,
                                     (anchor, positive, negative), anchor, positive, negative,
                                     distance_function=distance_function, margin=margin,
                                     swap=swap, reduction=reduction)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a_dim, p_dim, n_dim = anchor.ndim, positive.ndim, negative.ndim
    if not (a_dim == p_dim and p_dim == n_dim):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {a_dim}D, positive {p_dim}D, and negative "
            f"{n_dim}D inputs")
    if distance_function is None:
        distance_function = torch.pairwise_distance
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_neg = torch.minimum(dist_neg, distance_function(positive, negative))
    loss = torch.clamp_min(margin + dist_pos - dist_neg, 0)
    if reduction == "sum":
        return torch.sum(loss)
    if reduction == "mean":
        return torch.mean(loss)
    return loss


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss of ``(T, N, C)`` (or ``(T, C)``)
    log-probabilities against the targets."""
    if has_torch_function_variadic(log_probs, targets, input_lengths, target_lengths):
        return handle_torch_function(ctc_loss, (log_probs, targets, input_lengths,
                                                target_lengths), log_probs, targets,
                                     input_lengths, target_lengths, blank=blank,
                                     reduction=reduction, zero_infinity=zero_infinity)
    return torch.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                          _Reduction.get_enum(reduction), zero_infinity)
