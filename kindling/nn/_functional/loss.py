"""torch.nn.functional: loss functions (mse, l1, smooth L1, Huber, soft margin, NLL, cross
entropy, binary cross entropy, KL divergence, Poisson and Gaussian NLL, linear cross entropy),
as PyTorch's ``torch/nn/functional.py`` defines them: argument checks, the deprecated
``size_average``/``reduce`` flags and warnings here, the ops in ``kindling/_aten/loss.py``."""
from __future__ import annotations

import math
import warnings

import kindling as torch

from ... import _C
from ...overrides import handle_torch_function, has_torch_function_variadic
from ..._aten._util import broadcast_shapes as _broadcast_shapes
from .. import _reduction as _Reduction

_nn = _C._nn

__all__ = ["nll_loss", "poisson_nll_loss", "gaussian_nll_loss", "kl_div", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "linear_cross_entropy",
           "smooth_l1_loss", "huber_loss", "l1_loss", "mse_loss", "soft_margin_loss"]


def _warn_size_mismatch(input, target, stacklevel=3):
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.", stacklevel=stacklevel)


def _reduce_weighted(loss, weight, reduction, mean_by_weight):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return torch.sum(loss)
    if reduction == "mean":
        return torch.sum(loss) / torch.sum(weight) if mean_by_weight else loss.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood loss of log-probabilities ``input`` for class indices
    ``target``."""
    if has_torch_function_variadic(input, target, weight):
        return handle_torch_function(nll_loss, (input, target, weight), input, target,
                                     weight=weight, size_average=size_average,
                                     ignore_index=ignore_index, reduce=reduce,
                                     reduction=reduction)
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    return _nn.nll_loss_nd(input, target, weight, _Reduction.get_enum(reduction), ignore_index)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Negative log likelihood loss with a Poisson distribution of the target."""
    if has_torch_function_variadic(input, target):
        return handle_torch_function(poisson_nll_loss, (input, target), input, target,
                                     log_input=log_input, full=full, size_average=size_average,
                                     eps=eps, reduce=reduce, reduction=reduction)
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    return torch.poisson_nll_loss(input, target, log_input, full, eps,
                                  _Reduction.get_enum(reduction))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log likelihood loss of ``target`` under N(``input``, ``var``)."""
    if has_torch_function_variadic(input, target, var):
        return handle_torch_function(gaussian_nll_loss, (input, target, var), input, target,
                                     var, full=full, eps=eps, reduction=reduction)
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * torch.ones_like(input)
    elif torch.any(var < 0):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        # one dimension short (homoscedastic): unsqueeze to broadcast; or one mismatched
        # dimension that broadcasts
        if input.size()[:-1] == var.size():
            var = torch.unsqueeze(var, -1)
        elif input.ndim == var.ndim and sum(
                y for x, y in zip(input.size(), var.size(), strict=True) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with torch.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (torch.log(var) + (input - target) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence of log-probabilities ``input`` from ``target``."""
    if has_torch_function_variadic(input, target):
        return handle_torch_function(kl_div, (input, target), input, target,
                                     size_average=size_average, reduce=reduce,
                                     reduction=reduction, log_target=log_target)
    if size_average is not None or reduce is not None:
        reduction_enum = _Reduction.legacy_get_enum(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the "
                "support size.'batchmean' divides only by the batch size, and aligns with the "
                "KL div math definition.'mean' will be changed to behave the same as "
                "'batchmean' in the next major release.", stacklevel=2)
        reduction_enum = _Reduction.get_enum("sum" if reduction == "batchmean" else reduction)
    reduced = torch.kl_div(input, target, reduction_enum, log_target=log_target)
    if reduction == "batchmean" and input.dim() != 0:
        reduced = reduced / input.size()[0]
    return reduced


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross entropy of logits ``input`` and class indices or class probabilities
    ``target``."""
    if has_torch_function_variadic(input, target, weight):
        return handle_torch_function(cross_entropy, (input, target, weight), input, target,
                                     weight=weight, size_average=size_average,
                                     ignore_index=ignore_index, reduce=reduce,
                                     reduction=reduction, label_smoothing=label_smoothing)
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    return _nn.cross_entropy_loss(input, target, weight, _Reduction.get_enum(reduction),
                                  ignore_index, label_smoothing)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross entropy of probabilities ``input`` and ``target``."""
    if has_torch_function_variadic(input, target, weight):
        return handle_torch_function(binary_cross_entropy, (input, target, weight), input,
                                     target, weight=weight, size_average=size_average,
                                     reduce=reduce, reduction=reduction)
    reduction_enum = _Reduction.reduction_enum(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if weight is not None:
        weight = weight.expand(torch.Size(_broadcast_shapes(target.size(), weight.size())))
    return _nn.binary_cross_entropy(input, target, weight, reduction_enum)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """Binary cross entropy of ``sigmoid(input)`` and ``target``, computed stably."""
    if has_torch_function_variadic(input, target, weight, pos_weight):
        return handle_torch_function(binary_cross_entropy_with_logits,
                                     (input, target, weight, pos_weight), input, target,
                                     weight=weight, size_average=size_average, reduce=reduce,
                                     reduction=reduction, pos_weight=pos_weight)
    reduction_enum = _Reduction.reduction_enum(size_average, reduce, reduction)
    if not (target.size() == input.size()):
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    return torch.binary_cross_entropy_with_logits(input, target, weight, pos_weight,
                                                  reduction_enum)


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                         reduction="mean", ignore_index=None, label_smoothing=0.0,
                         options=None):
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)`` (the logits
    reshaped to ``(N, C, d_1, ..., d_K)`` for a K-dimensional ``linear_weight``).  The chunked
    path (``options`` given) is not built yet."""
    if has_torch_function_variadic(input, linear_weight, target, linear_bias, weight):
        return handle_torch_function(
            linear_cross_entropy, (input, linear_weight, target, linear_bias, weight), input,
            linear_weight, target, linear_bias=linear_bias, weight=weight,
            reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing,
            options=options)
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError("expected linear_weight with dimensionality at least 2, got "
                           f"{linear_weight.dim()}")
    num_batches = input.shape[:-1]
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(
            "expected equal input and linear_weight last dimensions (in_features), "
            f"got {input.shape[-1]} and {linear_weight.shape[-1]}, respectively")
    num_classes = linear_weight.shape[0]
    out_features = linear_weight.shape[1:-1]
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if len(out_features) > 0 and len(num_batches) == 0:
        raise RuntimeError(
            f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} "
            f"requires batched input, (N, {in_features}), got unbatched input with shape "
            f"{tuple(input.shape)}")
    logits_shape = (*num_batches, num_classes, *out_features)
    # (the shape test cross_entropy_loss uses to tell class probabilities)
    if target.shape == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains "
                           "probabilities")
    ignore_index = ignore_index if ignore_index is not None else -100
    if options is not None:
        raise NotImplementedError("linear_cross_entropy: the chunked path (options="
                                  "LinearCrossEntropyOptions) is not built in kindling yet")
    if out_features:
        linear_weight = linear_weight.reshape((math.prod(out_features, start=num_classes),
                                               in_features))
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(math.prod(out_features, start=num_classes))
    logits = torch.nn.functional.linear(input, linear_weight, linear_bias)
    logits = logits.reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=ignore_index, label_smoothing=label_smoothing)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",
                   beta=1.0):
    """Squared error below ``beta`` (scaled by ``1/beta``), absolute error above."""
    if has_torch_function_variadic(input, target):
        return handle_torch_function(smooth_l1_loss, (input, target), input, target,
                                     size_average=size_average, reduce=reduce,
                                     reduction=reduction, beta=beta)
    _warn_size_mismatch(input, target)
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    expanded_input, expanded_target = torch.broadcast_tensors(input, target)
    if beta == 0.0:
        return _nn.l1_loss(expanded_input, expanded_target, _Reduction.get_enum(reduction))
    return _nn.smooth_l1_loss(expanded_input, expanded_target, _Reduction.get_enum(reduction),
                              beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Squared error below ``delta``, ``delta``-scaled absolute error above (optionally
    weighted elementwise)."""
    if has_torch_function_variadic(input, target, weight):
        return handle_torch_function(huber_loss, (input, target, weight), input, target,
                                     reduction=reduction, delta=delta, weight=weight)
    _warn_size_mismatch(input, target)
    expanded_input, expanded_target = torch.broadcast_tensors(input, target)
    if weight is None:
        return _nn.huber_loss(expanded_input, expanded_target, _Reduction.get_enum(reduction),
                              delta)
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    unweighted = _nn.huber_loss(expanded_input, expanded_target, _Reduction.get_enum("none"),
                                delta)
    return _reduce_weighted(unweighted * weight, weight, reduction, mean_by_weight=False)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean (or summed) absolute error (optionally weighted elementwise)."""
    if has_torch_function_variadic(input, target):
        return handle_torch_function(l1_loss, (input, target, weight), input, target,
                                     size_average=size_average, reduce=reduce,
                                     reduction=reduction)
    return _difference_loss(input, target, size_average, reduce, reduction, weight,
                            _nn.l1_loss, torch.abs)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean (or summed) squared error (optionally weighted elementwise)."""
    if has_torch_function_variadic(input, target, weight):
        return handle_torch_function(mse_loss, (input, target, weight), input, target,
                                     size_average=size_average, reduce=reduce,
                                     reduction=reduction, weight=weight)
    return _difference_loss(input, target, size_average, reduce, reduction, weight,
                            _nn.mse_loss, lambda d: torch.pow(d, 2))


def _difference_loss(input, target, size_average, reduce, reduction, weight, op, error):
    """``l1_loss``/``mse_loss`` after their torch-function check: the aten ``op`` of the
    broadcast operands, or, with ``weight``, ``error(input - target) * weight`` reduced (a
    mean divides by the weights' sum)."""
    _warn_size_mismatch(input, target, stacklevel=4)
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    expanded_input, expanded_target = torch.broadcast_tensors(input, target)
    if weight is None:
        return op(expanded_input, expanded_target, _Reduction.get_enum(reduction))
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    errors = error(expanded_input - expanded_target) * weight
    return _reduce_weighted(errors, weight, reduction, mean_by_weight=True)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``log(1 + exp(-target * input))``, reduced."""
    if has_torch_function_variadic(input, target):
        return handle_torch_function(soft_margin_loss, (input, target), input, target,
                                     size_average=size_average, reduce=reduce,
                                     reduction=reduction)
    reduction_enum = _Reduction.reduction_enum(size_average, reduce, reduction)
    return _nn.soft_margin_loss(input, target, reduction_enum)
