"""Normalization ops, as PyTorch layers them on CPU (defined at first use: ``_aten/_lazy.py``):

- ``native_batch_norm`` (running statistics updated in place: momentum, unbiased variance) and
  its relatives ``_native_batch_norm_legit`` (``.no_stats``), ``_native_batch_norm_legit_no_training``,
  ``_batch_norm_with_update``, ``_batch_norm_no_update``; their backward ops
  ``native_batch_norm_backward`` and ``batch_norm_backward``;
- ``native_layer_norm`` / ``native_layer_norm_backward``, ``native_group_norm`` /
  ``native_group_norm_backward``;
- the CompositeImplicitAutograd front ends ``batch_norm`` (through ``_batch_norm_impl_index``),
  ``instance_norm`` (a batch norm over an ``(1, N*C, ...)`` view), ``layer_norm``,
  ``group_norm`` and ``rms_norm`` (pow, mean, rsqrt and mul on CPU, as PyTorch's).

Derivatives are derivatives.yaml's: the ``*_backward`` op, whose own derivative is
FunctionsManual's ``batchnorm_double_backward`` / ``layer_norm_double_backward``; group norm
differentiates ``infinitely_differentiable_native_group_norm_backward`` (ops) when grad mode is
on.  Forward AD: ``batch_norm_jvp``, ``layer_norm_jvp``, ``group_norm_jvp`` and the
tangents of group norm's mean and rstd.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from ._api import public
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._pointwise_util import not_implemented


def _sizes(s):
    return "[" + ", ".join(str(int(v)) for v in s) + "]"


def _from(a, dt):
    from .._tensor import from_array
    return from_array(np.ascontiguousarray(np.asarray(a).astype(dt._np, copy=False)))


def _empty_like_dtype(shape, dt):
    from .._tensor import from_array
    return from_array(np.zeros(shape, dt._np))


_REDUCED = ("float16", "bfloat16")


def _check_float(kernel, input):
    if not input.dtype.is_floating_point:
        raise not_implemented(kernel, input.dtype)


def _param_dtype(input, *params):
    """PyTorch's ``is_mixed_type`` / ``check_mixed_data_type``: the statistics' dtype (float
    for a reduced-precision input with float parameters, else the input's)."""
    if not any(p is not None and p.dtype is not input.dtype for p in params):
        return input.dtype
    if input.dtype._name not in _REDUCED:
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    for p in params:
        if p is not None and p.dtype is not _dtype.float32:
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of "
                               "Float")
    return _dtype.float32


def _compute_np(t):
    """A tensor's values in the precision the kernels compute in (reduced floats in float32)."""
    a = t._np
    return a.astype(np.float32) if a.dtype.itemsize < 4 else a


def _bshape(ndim):
    return lambda v: v.reshape((1, -1) + (1,) * (ndim - 2))


# ---- batch norm ---------------------------------------------------------------------------------
def _bn_checks(input):
    if input.dim() < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(input.dim(), 1)}, {max(input.dim(), 1) - 1}], but got 1)")
    _check_float("batch_norm", input)


def _batch_norm_cpu(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """(output, save_mean, save_invstd) as PyTorch's ``batch_norm_cpu``: batch statistics in
    training (and the running ones updated in place), the running ones otherwise."""
    _bn_checks(input)
    if input.numel() == 0:
        raise RuntimeError(f"input tensor must have at least one element, but got input_sizes "
                           f"= {_sizes(input.shape)}")
    pdt = _param_dtype(input, weight, bias, running_mean, running_var)
    x = _compute_np(input)
    axes = (0,) + tuple(range(2, x.ndim))
    b = _bshape(x.ndim)
    with np.errstate(all="ignore"):
        if training:
            n = x.size // x.shape[1]
            mean = x.mean(axis=axes)
            var = ((x - b(mean)) ** 2).mean(axis=axes)
            invstd = np.where(var + eps == 0, 0, 1 / np.sqrt(var + eps))
            if running_mean is not None:
                rm = running_mean._np
                rm[...] = (momentum * mean + (1 - momentum) * rm).astype(rm.dtype)
            if running_var is not None:
                rv = running_var._np
                unbiased = var * n / (n - 1) if n > 1 else np.full_like(var, np.inf)
                rv[...] = (momentum * unbiased + (1 - momentum) * rv).astype(rv.dtype)
            use_mean, use_invstd = mean, invstd
        else:
            if running_mean is None:
                raise RuntimeError("running_mean must be defined in evaluation mode")
            if running_var is None:
                raise RuntimeError("running_var must be defined in evaluation mode")
            use_mean = running_mean._np.astype(x.dtype)
            use_invstd = 1 / np.sqrt(running_var._np.astype(x.dtype) + eps)
        y = (x - b(use_mean)) * b(use_invstd)
        if weight is not None:
            y = y * b(weight._np)
        if bias is not None:
            y = y + b(bias._np)
    out = _from(y, input.dtype)
    if training:
        return out, _from(use_mean, pdt), _from(use_invstd, pdt)
    return out, _empty_like_dtype((0,), pdt), _empty_like_dtype((0,), pdt)


def _native_batch_norm_cpu(ks, input, weight, bias, running_mean, running_var, training,
                           momentum, eps):
    return _batch_norm_cpu(input, weight, bias, running_mean, running_var, training, momentum,
                           eps)


def _native_batch_norm_meta(input, weight, bias, running_mean, running_var, training,
                            momentum, eps):
    _bn_checks(input)
    pdt = _param_dtype(input, weight, bias, running_mean, running_var)
    c = input.shape[1] if training else 0
    return (empty_meta(list(input.shape), input.dtype), empty_meta([c], pdt),
            empty_meta([c], pdt))


def _bn_backward_np(go, x, weight, running_mean, running_var, save_mean, save_invstd, train,
                    eps, mask):
    axes = (0,) + tuple(range(2, x.ndim))
    b = _bshape(x.ndim)
    with np.errstate(all="ignore"):
        if train:
            mean, invstd = save_mean._np.astype(x.dtype), save_invstd._np.astype(x.dtype)
        else:
            mean = running_mean._np.astype(x.dtype)
            invstd = 1 / np.sqrt(running_var._np.astype(x.dtype) + eps)
        w = weight._np.astype(x.dtype) if weight is not None else np.ones(x.shape[1], x.dtype)
        xmu = x - b(mean)
        sum_go = go.sum(axis=axes)
        dotp = (go * xmu).sum(axis=axes)
        gi = gw = gb = None
        if mask[0]:
            if train:
                n = x.size // x.shape[1]
                proj = xmu * b(dotp * invstd * invstd / n)
                gi = (go - b(sum_go / n) - proj) * b(invstd * w)
            else:
                gi = go * b(invstd * w)
        if mask[1]:
            gw = dotp * invstd
        if mask[2]:
            gb = sum_go
    return gi, gw, gb


def _native_batch_norm_backward_cpu(ks, grad_out, input, weight, running_mean, running_var,
                                    save_mean, save_invstd, train, eps, output_mask):
    _check_float("batch_norm_backward_cpu", input)
    pdt = _param_dtype(input, weight, running_mean, running_var)
    x, go = _compute_np(input), _compute_np(grad_out).astype(_compute_np(input).dtype)
    gi, gw, gb = _bn_backward_np(go, x, weight, running_mean, running_var, save_mean,
                                 save_invstd, train, eps, output_mask)
    return (None if gi is None else _from(gi, input.dtype),
            None if gw is None else _from(gw, pdt), None if gb is None else _from(gb, pdt))


def _native_batch_norm_backward_meta(grad_out, input, weight, running_mean, running_var,
                                     save_mean, save_invstd, train, eps, output_mask):
    pdt = _param_dtype(input, weight, running_mean, running_var)
    c = [input.shape[1]]
    return (empty_meta(list(input.shape), input.dtype) if output_mask[0] else None,
            empty_meta(c, pdt) if output_mask[1] else None,
            empty_meta(c, pdt) if output_mask[2] else None)


def _reserve(input):
    from .._layout import strided
    return aten.empty.memory_format([0], dtype=_dtype.uint8, layout=strided,
                                    device=input.device)


def _batch_norm_with_update_cpu(ks, input, weight, bias, running_mean, running_var, momentum,
                                eps):
    out = _batch_norm_cpu(input, weight, bias, running_mean, running_var, True, momentum, eps)
    return out + (_empty_like_dtype((0,), _dtype.uint8),)


def _batch_norm_with_update_meta(input, weight, bias, running_mean, running_var, momentum, eps):
    return _native_batch_norm_meta(input, weight, bias, running_mean, running_var, True,
                                   momentum, eps) + (empty_meta([0], _dtype.uint8),)


def _batch_norm_no_update(input, weight, bias, running_mean, running_var, momentum, eps):
    out = aten._native_batch_norm_legit_no_training.default(
        input, weight, bias, running_mean, running_var, momentum, eps)
    return tuple(out) + (_reserve(input),)


def _native_batch_norm_legit_no_training(input, weight, bias, running_mean, running_var,
                                         momentum, eps):
    return aten._native_batch_norm_legit.default(input, weight, bias, running_mean, running_var,
                                                 False, momentum, eps)


def _batch_norm_backward_cpu(ks, grad_out, input, weight, running_mean, running_var, save_mean,
                             save_var, update, eps, output_mask, reserve):
    return _native_batch_norm_backward_cpu(ks, grad_out, input, weight, running_mean,
                                           running_var, save_mean, save_var, update, eps,
                                           output_mask)


def _batch_norm_backward_meta(grad_out, input, weight, running_mean, running_var, save_mean,
                              save_var, update, eps, output_mask, reserve):
    return _native_batch_norm_backward_meta(grad_out, input, weight, running_mean, running_var,
                                            save_mean, save_var, update, eps, output_mask)


def _check_num_features(name, expected, actual):
    if actual != expected:
        raise RuntimeError(f"{name} should contain {expected} elements not {actual}")


def _acc_dtype(dt):
    """``at::toAccumulateType(dt, is_cuda=false)``."""
    return _dtype.float32 if dt._name in _REDUCED else _dtype.float64


def _batch_norm_impl_index(input, weight, bias, running_mean, running_var, training, momentum,
                           eps, cudnn_enabled):
    # (PyTorch reads sizes()[1] unchecked: a 1-d input fails in native_batch_norm)
    c = input.shape[1] if input.dim() > 1 else 0
    if input.numel() == 0:
        reserve = _reserve(input)
        acc = _acc_dtype(input.dtype)
        save_mean = aten.empty.memory_format([c], dtype=acc, layout=input.layout,
                                             device=input.device)
        save_invstd = aten.empty.memory_format([c], dtype=acc, layout=input.layout,
                                               device=input.device)
        out = aten.clone.default(input)   # (not a view, nor an empty tensor: keeps the graph)
        if weight is not None:
            out = out * aten.select.int(weight, 0, 0)
        if bias is not None:
            out = out + aten.select.int(bias, 0, 0)
        return out, save_mean, save_invstd, reserve, 0
    if input.dim() < 2:
        _bn_checks(input)
    if running_mean is not None:
        _check_num_features("running_mean", c, running_mean.numel())
    elif not training:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    if running_var is not None:
        _check_num_features("running_var", c, running_var.numel())
    elif not training:
        raise RuntimeError("running_var must be defined in evaluation mode")
    if weight is not None:
        _check_num_features("weight", c, weight.numel())
    if bias is not None:
        _check_num_features("bias", c, bias.numel())
    reserve = _reserve(input)
    out = aten.native_batch_norm.default(input, weight, bias, running_mean, running_var,
                                         training, momentum, eps)
    return tuple(out) + (reserve, 0)


def _batch_norm_impl_index_backward(impl_index, input, grad_output, weight, running_mean,
                                    running_var, save_mean, save_var_transform, train, eps,
                                    output_mask, reservedSpace):
    if input.numel() == 0:
        dims = [0] + list(range(2, input.dim()))
        gi = gw = gb = None
        if output_mask[2]:
            gb = grad_output.sum(dims)
        if output_mask[1]:
            gw = (grad_output * input).sum(dims)
        if output_mask[0] and weight is not None:
            gi = grad_output * aten.select.int(weight, 0, 0)
        return gi, gw, gb
    return aten.native_batch_norm_backward.default(
        grad_output, input, weight, running_mean, running_var, save_mean, save_var_transform,
        train, eps, list(output_mask))


def _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
                cudnn_enabled):
    return aten._batch_norm_impl_index.default(input, weight, bias, running_mean, running_var,
                                               training, momentum, eps, cudnn_enabled)[0]


def _repeat_if_defined(t, n):
    return None if t is None else aten.repeat.default(t, [n])


def _instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                   eps, cudnn_enabled):
    if not (use_input_stats or (running_mean is not None and running_var is not None)):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    shape = list(input.shape)
    b, c = shape[0], shape[1]
    shape[1], shape[0] = b * c, 1
    weight_ = _repeat_if_defined(weight, b)
    bias_ = _repeat_if_defined(bias, b)
    running_mean_ = _repeat_if_defined(running_mean, b)
    running_var_ = _repeat_if_defined(running_var, b)
    reshaped = aten.view.default(input.contiguous(), shape)
    out = aten.batch_norm.default(reshaped, weight_, bias_, running_mean_, running_var_,
                                  use_input_stats, momentum, eps, cudnn_enabled)
    # (the repeated statistics were updated: their mean over the batch goes back)
    for stat, stat_ in ((running_mean, running_mean_), (running_var, running_var_)):
        if stat is not None:
            aten.copy_.default(aten.alias.default(stat),
                               aten.mean.dim(aten.view.default(stat_, [b, c]), [0], False))
    return aten.view.default(out, list(input.shape))


# ---- batch norm derivatives ---------------------------------------------------------------------
def _sum_exclude_dim1(t, keepdim=True):
    r = t.sum([0], keepdim)
    start = 1 if keepdim else 0
    for d in range(r.dim() - 1, start, -1):
        r = r.sum([d], keepdim)
    return r


def _unsqueeze_dim1(src, target):
    while src.dim() < target.dim() - 1:
        src = src.unsqueeze(1)
    if src.dim() == target.dim() - 1:
        src = src.unsqueeze(0)
    return src


def _expand_as_dim1(src, target):
    while src.dim() < target.dim() - 1:
        src = src.unsqueeze(1)
    return src.expand_as(target)


def batchnorm_double_backward(input, gamma, ggI, ggG, ggB, gO, running_mean, running_var,
                              training, eps, save_mean, save_invstd, output_mask):
    """FunctionsManual's ``batchnorm_double_backward``: the gradients of
    ``native_batch_norm_backward`` for (input, weight, grad_out)."""
    affine = gamma is not None
    ggG_e = ggB_e = None
    if affine:
        gamma_e = _expand_as_dim1(gamma, input)
        if ggG is not None:
            ggG_e = _expand_as_dim1(ggG, input)
        if ggB is not None:
            ggB_e = _expand_as_dim1(ggB, input)
    else:
        gamma_e = aten.ones.default([], dtype=input.dtype)
    m = input.shape[0]
    for s in input.shape[2:]:
        m *= s
    mu = _unsqueeze_dim1(save_mean.to(input.dtype) if training else running_mean, input)
    xmu = input - mu
    s_1_2 = _unsqueeze_dim1(save_invstd.to(input.dtype) if training else
                            (running_var + eps).pow(-0.5), input)
    s_1 = s_1_2.pow(2)
    s_3_2 = s_1_2.pow(3)
    xmu_s_3_2 = xmu * s_3_2
    gO_xmu_sum = _sum_exclude_dim1(gO * xmu)
    gO_sum = _sum_exclude_dim1(gO)
    gI = None
    if ggI is not None and training:
        ggI_sum = _sum_exclude_dim1(ggI)
        ggI_xmu_sum = _sum_exclude_dim1(ggI * xmu)
        all_sub = (ggI_sum * gO_sum) / m - _sum_exclude_dim1(gO * ggI) + \
            (s_1 * gO_xmu_sum * ggI_xmu_sum) * (3.0 / m)
        t0 = (xmu_s_3_2 * all_sub) / m
        t1 = (ggI_xmu_sum * s_3_2) / m * (gO_sum / m - gO)
        t2 = (gO_xmu_sum * s_3_2) / m * (ggI_sum / m - ggI)
        gI = gamma_e * (t0 + t1 + t2)
    if affine and ggG is not None:
        if training:
            t0 = gO * s_1_2
            t1 = (s_1_2 * gO_sum) / -m
            t2 = (xmu_s_3_2 * _sum_exclude_dim1(gO * xmu)) / -m
            term = ggG_e * (t0 + t1 + t2)
        else:
            term = ggG_e * s_1_2 * gO
        gI = term if gI is None else gI + term

    def first_back_grad_input(g, gamma_):
        h0 = (gamma_ * s_1_2) / m
        h1 = g * m - _sum_exclude_dim1(g) - xmu * s_1 * _sum_exclude_dim1(g * xmu)
        return h0 * h1
    gG = None
    if affine and ggI is not None:
        if training:
            ones = aten.ones.default([], dtype=s_1_2.dtype)
            gG = _sum_exclude_dim1(ggI * first_back_grad_input(gO, ones), False)
        else:
            gG = _sum_exclude_dim1(ggI * gO * s_1_2, False)
    ggO = None
    if ggI is not None:
        ggO = first_back_grad_input(ggI, gamma_e) if training else ggI * s_1_2 * gamma_e
    if ggG is not None:
        term = ggG_e * xmu * s_1_2
        ggO = term if ggO is None else ggO + term
    if ggB is not None:
        ggO = ggB_e if ggO is None else _add_defined(ggO, ggB_e)
    return gI, gG, ggO


def _reduce_dims(x):
    return [0] + list(range(2, x.dim()))


def batch_norm_jvp(input_p, input_t, weight_p, weight_t, bias_p, bias_t, running_mean,
                   running_var, saved_mean, saved_invstd, train, eps):
    """The tangent of batch norm's output (PyTorch's ``batch_norm_jvp``)."""
    dims = _reduce_dims(input_p)
    view = [1, input_p.shape[1]] + [1] * (input_p.dim() - 2)
    if train:
        mean_p = saved_mean.view(view)
        invstd_p = saved_invstd.view(view)
        mean_t = input_t.mean(dims, True)
        n = input_p.numel() // input_p.shape[1]
        invstd_t = -invstd_p.pow(3) * ((input_t - mean_t) * (input_p - mean_p)).sum(
            dims, True) / n
    else:
        mean_p = running_mean.view(view)
        invstd_p = (running_var.view(view) + eps).rsqrt()
        mean_t = invstd_t = None
    xmu = input_p - mean_p
    if mean_t is None:
        out = input_t * invstd_p
    else:
        out = (input_t - mean_t) * invstd_p + xmu * invstd_t
    if weight_p is not None:
        out = out * weight_p.view(view)
        if weight_t is not None:
            out = out + xmu * invstd_p * weight_t.view(view)
    if bias_t is not None:
        out = out + bias_t.view(view)
    return out


def _bn_formula(training_of):
    def formula(grad, input, weight, running_mean, running_var, result1, result2, training,
                eps, grad_input_mask):
        if grad is None:
            return None, None, None
        return aten.native_batch_norm_backward.default(
            grad, input, weight, running_mean, running_var, result1, result2,
            training_of(training), eps, list(grad_input_mask))
    return formula


def _bn_jvp(training_of):
    def jvp(input_p, input_t, weight_p, weight_t_raw, bias_t_raw, running_mean, running_var,
            result1, result2, training, eps):
        return (batch_norm_jvp(input_p, input_t, weight_p, weight_t_raw, None, bias_t_raw,
                               running_mean, running_var, result1, result2,
                               training_of(training), eps), None, None)
    return jvp


def _bn_backward_formula(grads, input, weight, grad_out, running_mean, running_var, train, eps,
                         save_mean, save_invstd, grad_input_mask):
    if all(g is None for g in grads[:3]):
        return None, None, None
    return batchnorm_double_backward(input, weight, grads[0], grads[1], grads[2], grad_out,
                                     running_mean, running_var, train, eps, save_mean,
                                     save_invstd, grad_input_mask)


def _not_implemented(name):
    def formula(grads):
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")
    return formula


# ---- layer norm ---------------------------------------------------------------------------------
def _check_layer_norm_inputs(input, normalized_shape, weight, bias):
    ns = [int(s) for s in normalized_shape]
    if len(ns) < 1:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = "
                           f"{_sizes(ns)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and list(p.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {_sizes(p.shape)} and normalized_shape = "
                               f"{_sizes(ns)}")
    shape = list(input.shape)
    if len(shape) < len(ns) or shape[len(shape) - len(ns):] != ns:
        raise RuntimeError(f"Given normalized_shape={_sizes(ns)}, expected input with shape "
                           f"[*{''.join(', ' + str(s) for s in ns)}], but got input of size"
                           f"{_sizes(shape)}")
    axis = len(shape) - len(ns)
    return ns, axis


def _native_layer_norm_cpu(ks, input, normalized_shape, weight, bias, eps):
    ns, axis = _check_layer_norm_inputs(input, normalized_shape, weight, bias)
    _check_float("LayerNormKernelImpl", input)
    pdt = _param_dtype(input, weight, bias)
    x = _compute_np(input)
    m = int(np.prod(x.shape[:axis], dtype=np.int64))
    n = int(np.prod(ns, dtype=np.int64))
    x2 = x.reshape(m, n)
    with np.errstate(all="ignore"):
        mean = x2.mean(axis=1, keepdims=True) if n else np.zeros((m, 1), x.dtype)
        var = ((x2 - mean) ** 2).mean(axis=1, keepdims=True) if n else np.zeros((m, 1), x.dtype)
        rstd = 1 / np.sqrt(var + eps)
        y = (x2 - mean) * rstd
        if weight is not None:
            y = y * weight._np.reshape(1, n)
        if bias is not None:
            y = y + bias._np.reshape(1, n)
    stat = list(x.shape[:axis]) + [1] * len(ns)
    return (_from(y.reshape(x.shape), input.dtype), _from(mean.reshape(stat), pdt),
            _from(rstd.reshape(stat), pdt))


def _native_layer_norm_meta(input, normalized_shape, weight, bias, eps):
    ns, axis = _check_layer_norm_inputs(input, normalized_shape, weight, bias)
    pdt = _param_dtype(input, weight, bias)
    stat = list(input.shape[:axis]) + [1] * len(ns)
    return (empty_meta(list(input.shape), input.dtype), empty_meta(stat, pdt),
            empty_meta(stat, pdt))


def _native_layer_norm_backward_cpu(ks, grad_out, input, normalized_shape, mean, rstd, weight,
                                    bias, output_mask):
    ns, axis = _check_layer_norm_inputs(input, normalized_shape, weight, bias)
    x = _compute_np(input)
    m = int(np.prod(x.shape[:axis], dtype=np.int64))
    n = int(np.prod(ns, dtype=np.int64))
    x2 = x.reshape(m, n)
    go = _compute_np(grad_out).astype(x.dtype).reshape(m, n)
    mu = mean._np.astype(x.dtype).reshape(m, 1)
    rs = rstd._np.astype(x.dtype).reshape(m, 1)
    gi = gw = gb = None
    with np.errstate(all="ignore"):
        xhat = (x2 - mu) * rs
        if output_mask[0]:
            g = go * weight._np.reshape(1, n) if weight is not None else go
            gi = (rs / n) * (n * g - g.sum(axis=1, keepdims=True) -
                             xhat * (g * xhat).sum(axis=1, keepdims=True)) if n else g
            gi = _from(gi.reshape(x.shape), input.dtype)
        if output_mask[1] and weight is not None:
            gw = _from((go * xhat).sum(axis=0).reshape(weight.shape), weight.dtype)
        if output_mask[2] and bias is not None:
            gb = _from(go.sum(axis=0).reshape(bias.shape), bias.dtype)
    return gi, gw, gb


def _native_layer_norm_backward_meta(grad_out, input, normalized_shape, mean, rstd, weight,
                                     bias, output_mask):
    return (empty_meta(list(input.shape), input.dtype) if output_mask[0] else None,
            empty_meta(list(weight.shape), weight.dtype)
            if output_mask[1] and weight is not None else None,
            empty_meta(list(bias.shape), bias.dtype)
            if output_mask[2] and bias is not None else None)


def _layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return aten.native_layer_norm.default(input, list(normalized_shape), weight, bias, eps)[0]


def _add_defined(a, b):
    """``a.add_(b)`` of FunctionsManual, where ``b`` may be undefined (a bias gradient
    without a weight is never expanded there)."""
    if b is None:
        raise RuntimeError("Expected a proper Tensor but got None (or an undefined Tensor in "
                           "C++) for argument #1 'other'")
    return a + b


def layer_norm_double_backward(input_t, gamma, ggI, ggG, ggB, gO_t, save_mean_t, save_invstd_t,
                               normalized_shape, output_mask):
    """FunctionsManual's ``layer_norm_double_backward``: the gradients of
    ``native_layer_norm_backward`` for (input, weight, grad_out)."""
    nd = len(normalized_shape)
    shape = list(input_t.shape)
    axis = len(shape) - nd
    m = int(np.prod(shape[:axis], dtype=np.int64))
    n = int(np.prod(shape[axis:], dtype=np.int64))
    input = input_t.reshape([m, n])
    gO = gO_t.reshape([m, n])
    mu = save_mean_t.reshape([m, 1]).to(input.dtype)
    s_1_2 = save_invstd_t.reshape([m, 1]).to(input.dtype)
    affine = gamma is not None
    ggG_e = ggB_e = None
    if affine:
        gamma_e = gamma.reshape([1, n])
        if ggG is not None:
            ggG_e = ggG.reshape([1, n])
        if ggB is not None:
            ggB_e = ggB.reshape([1, n])
    else:
        gamma_e = aten.ones.default([1], dtype=input.dtype)
    ggI_e = ggI.reshape([m, n]) if ggI is not None else None
    xmu = input - mu
    s_1 = s_1_2.pow(2)
    s_3_2 = s_1_2.pow(3)
    xmu_s_3_2 = xmu * s_3_2
    gI = None
    if ggI is not None:
        gxhat = gO * gamma_e
        gxhat_mu_sum = (gxhat * xmu).sum([1], True)
        gxhat_sum = gxhat.sum([1], True)
        ggI_sum = ggI_e.sum([1], True)
        ggI_mu_sum = (ggI_e * xmu).sum([1], True)
        all_sub = (ggI_sum * gxhat_sum) / n - (ggI_e * gxhat).sum([1], True) + \
            (s_1 * gxhat_mu_sum * ggI_mu_sum) * (3.0 / n)
        t0 = (xmu_s_3_2 * all_sub) / n
        t1 = (ggI_mu_sum * s_3_2) / n * (gxhat_sum / n - gxhat)
        t2 = (gxhat_mu_sum * s_3_2) / n * (ggI_sum / n - ggI_e)
        gI = t0 + t1 + t2
    if affine and ggG is not None:
        t0 = gO * ggG_e * s_1_2
        t1 = (s_1_2 * (gO * ggG_e).sum([1], True)) / -n
        t2 = (xmu_s_3_2 * (gO * ggG_e * xmu).sum([1], True)) / -n
        term = t0 + t1 + t2
        gI = term if gI is None else gI + term
    if gI is not None:
        gI = gI.reshape_as(input_t)

    def first_bwd(g, gamma_):
        h0 = (gamma_ * s_1_2) / n
        h1 = g * n - g.sum([1], True) - xmu * s_1 * (g * xmu).sum([1], True)
        return h0 * h1
    gG = None
    if affine and ggI is not None:
        ones = aten.ones.default([], dtype=s_1_2.dtype)
        gG = (gO * first_bwd(ggI_e, ones)).sum([0]).reshape_as(gamma)
    ggO = None
    if ggI is not None:
        ggO = first_bwd(ggI_e, gamma_e)
    if ggG is not None:
        term = ggG_e * xmu * s_1_2
        ggO = term if ggO is None else ggO + term
    if ggB is not None:
        ggO = ggB_e if ggO is None else _add_defined(ggO, ggB_e)
    if ggO is not None:
        ggO = ggO.expand([m, n]).reshape_as(input_t)
    return gI, gG, ggO


def layer_norm_jvp(input_p, input_t, weight_p, weight_t, bias_p, bias_t, saved_mean,
                   saved_invstd, normalized_shape):
    """The tangent of layer norm's output (PyTorch's ``layer_norm_jvp``)."""
    nd = len(normalized_shape)
    dims = list(range(input_p.dim() - nd, input_p.dim()))
    n = 1
    for s in normalized_shape:
        n *= int(s)
    mean_t = input_t.mean(dims, True)
    xmu = input_p - saved_mean
    invstd_t = -saved_invstd.pow(3) * ((input_t - mean_t) * xmu).sum(dims, True) / n
    out = (input_t - mean_t) * saved_invstd + xmu * invstd_t
    if weight_p is not None:
        out = out * weight_p
        if weight_t is not None:
            out = out + xmu * saved_invstd * weight_t
    if bias_t is not None:
        out = out + bias_t
    return out


def _ln_formula(grad, input, normalized_shape, result1, result2, weight, bias, grad_input_mask):
    if grad is None:
        return None, None, None
    return aten.native_layer_norm_backward.default(grad, input, list(normalized_shape), result1,
                                                   result2, weight, bias, list(grad_input_mask))


def _ln_jvp(input_p, input_t, weight_p, weight_t_raw, bias_t_raw, result1, result2,
            normalized_shape):
    return (layer_norm_jvp(input_p, input_t, weight_p, weight_t_raw, None, bias_t_raw, result1,
                           result2, normalized_shape), None, None)


def _ln_backward_formula(grads, input, weight, grad_out, mean, rstd, normalized_shape,
                         grad_input_mask):
    if all(g is None for g in grads[:3]):
        return None, None, None
    return layer_norm_double_backward(input, weight, grads[0], grads[1], grads[2], grad_out,
                                      mean, rstd, normalized_shape, grad_input_mask)


# ---- group norm ---------------------------------------------------------------------------------
def _check_group_norm_inputs(input, weight, bias, c, num_groups):
    if num_groups <= 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {num_groups}")
    if c % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {_sizes(input.shape)} and "
                           f"num_groups={num_groups}")
    wshape = _sizes(weight.shape) if weight is not None else "[0]"
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and (p.dim() != 1 or p.numel() != c):
            # (PyTorch's message for the bias shows the weight's shape)
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number "
                               f"of channels in input, but got {name} of shape {wshape} and "
                               f"input of shape {_sizes(input.shape)}")


def _native_group_norm_cpu(ks, input, weight, bias, N, C, HxW, group, eps):
    _check_group_norm_inputs(input, weight, bias, C, group)
    pdt = _param_dtype(input, weight, bias)
    _check_float("GroupNormKernelImpl", input)
    if input.numel() != N * C * HxW:
        raise RuntimeError("Expected X.numel() == N * C * HxW to be true, but got false.  "
                           "(Could this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")
    x = _compute_np(input).reshape(N, group, (C // group) * HxW)
    with np.errstate(all="ignore"):
        if x.shape[2]:
            mean = x.mean(axis=2)
            var = ((x - mean[..., None]) ** 2).mean(axis=2)
        else:
            mean = var = np.zeros((N, group), x.dtype)
        rstd = 1 / np.sqrt(var + eps)
        y = ((x - mean[..., None]) * rstd[..., None]).reshape(N, C, HxW)
        if weight is not None:
            y = y * weight._np.reshape(1, C, 1)
        if bias is not None:
            y = y + bias._np.reshape(1, C, 1)
    return (_from(y.reshape(input.shape), input.dtype), _from(mean, pdt), _from(rstd, pdt))


def _native_group_norm_meta(input, weight, bias, N, C, HxW, group, eps):
    _check_group_norm_inputs(input, weight, bias, C, group)
    pdt = _param_dtype(input, weight, bias)
    return (empty_meta(list(input.shape), input.dtype), empty_meta([N, group], pdt),
            empty_meta([N, group], pdt))


def _native_group_norm_backward_cpu(ks, grad_out, input, mean, rstd, weight, N, C, HxW, group,
                                    output_mask):
    _check_float("GroupNormBackwardKernelImpl", input)
    x = _compute_np(input).reshape(N, group, C // group, HxW)
    go = _compute_np(grad_out).astype(x.dtype).reshape(x.shape)
    mu = mean._np.astype(x.dtype).reshape(N, group, 1, 1)
    rs = rstd._np.astype(x.dtype).reshape(N, group, 1, 1)
    n = x.shape[2] * x.shape[3]
    gi = gw = gb = None
    with np.errstate(all="ignore"):
        xhat = (x - mu) * rs
        if output_mask[0]:
            w = weight._np.astype(x.dtype).reshape(1, group, C // group, 1) \
                if weight is not None else 1
            g = go * w
            gsum = g.sum(axis=(2, 3), keepdims=True)
            gxsum = (g * xhat).sum(axis=(2, 3), keepdims=True)
            gi = (rs / n) * (n * g - gsum - xhat * gxsum) if n else g
            gi = _from(gi.reshape(input.shape), input.dtype)
        pdt = weight.dtype if weight is not None else input.dtype
        if output_mask[1]:
            gw = _from((go * xhat).sum(axis=(0, 3)).reshape(C), pdt)
        if output_mask[2]:
            gb = _from(go.sum(axis=(0, 3)).reshape(C), pdt)
    return gi, gw, gb


def _native_group_norm_backward_meta(grad_out, input, mean, rstd, weight, N, C, HxW, group,
                                     output_mask):
    pdt = weight.dtype if weight is not None else input.dtype
    return (empty_meta(list(input.shape), input.dtype) if output_mask[0] else None,
            empty_meta([C], pdt) if output_mask[1] else None,
            empty_meta([C], pdt) if output_mask[2] else None)


def _group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    n, c = input.shape[0], input.shape[1]
    _check_group_norm_inputs(input, weight, bias, c, num_groups)
    hxw = 1
    for s in input.shape[2:]:
        hxw *= s
    x = input.contiguous()
    gamma = weight.contiguous() if weight is not None else None
    beta = bias.contiguous() if bias is not None else None
    return aten.native_group_norm.default(x, gamma, beta, n, c, hxw, num_groups, eps)[0]


def _var_mean_backward(dvar, dmean, x, dims, correction, keepdim):
    """``var_mean_backward`` (keepdim, biased): the gradient of (var, mean) over ``dims``."""
    n = 1
    for d in dims:
        n *= x.shape[d]
    r = None
    if dvar is not None:
        r = (x - x.mean(dims, True)) * (dvar * (2.0 / (n - correction)))
    if dmean is not None:
        t = (dmean / n).expand_as(x)
        r = t if r is None else r + t
    return r


def infinitely_differentiable_native_group_norm_backward(dY, dmean, drstd, X, mean, rstd, gamma,
                                                         N, C, HxW, group, eps, mask):
    """FunctionsManual's group-norm backward in differentiable ops (used when grad mode is
    on, and when the mean or rstd outputs have gradients)."""
    G = group
    D = C // G
    s = 1.0 / (D * HxW)
    dX = dgamma = dbeta = None
    Xt = X.reshape([N, G, D, HxW])
    mean_t = mean.reshape([N, G, 1, 1])
    rstd_t = rstd.reshape([N, G, 1, 1])
    ds = db = dY_t = None
    if dY is not None:
        dY_t = dY.reshape([N, G, D, HxW])
        ds = (dY_t * Xt).sum([3]).unsqueeze(-1)
        db = dY_t.sum([3]).unsqueeze(-1)
    if mask[0]:
        gamma_t = gamma.reshape([1, G, D, 1]) if gamma is not None else None
        rstd_cube = rstd_t * rstd_t * rstd_t
        dvar = None
        if drstd is not None:
            dvar = rstd_cube * drstd.view([N, G, 1, 1]) * -0.5
        if dY is not None:
            a = rstd_t * gamma_t if gamma is not None else rstd_t
            b = ((ds * gamma_t).sum([2]) if gamma is not None else ds.sum([2])).unsqueeze(-2)
            c = ((db * gamma_t).sum([2]) if gamma is not None else db.sum([2])).unsqueeze(-2)
            b = (c * mean_t - b) * rstd_cube * s
            c = -b * mean_t - c * rstd_t * s
            dX = a * dY_t + b * Xt + c
            if dmean is not None and drstd is not None:
                dX = dX + _var_mean_backward(dvar, dmean.view([N, G, 1, 1]), Xt, [2, 3], 0,
                                             True)
            dX = dX.reshape_as(X)
        elif dmean is not None and drstd is not None:
            dX = _var_mean_backward(dvar, dmean.view([N, G, 1, 1]), Xt, [2, 3], 0,
                                    True).reshape_as(X)
    if mask[1] and dY is not None:
        dgamma = ((ds - db * mean_t) * rstd_t).sum([0]).reshape_as(gamma)
    if mask[2] and dY is not None:
        dbeta = db.sum([0]).reshape_as(gamma)
    return dX, dgamma, dbeta


def _gn_formula(grads, input, weight, result1, result2, N, C, HxW, group, eps,
                grad_input_mask):
    from ..autograd.grad_mode import is_grad_enabled
    if is_grad_enabled() or grads[1] is not None or grads[2] is not None:
        return infinitely_differentiable_native_group_norm_backward(
            grads[0], grads[1], grads[2], input, result1, result2, weight, N, C, HxW, group,
            eps, grad_input_mask)
    if grads[0] is None:
        return None, None, None
    return aten.native_group_norm_backward.default(
        grads[0].contiguous(), input.contiguous(), result1, result2, weight, N, C, HxW, group,
        list(grad_input_mask))


def group_norm_jvp(input_p, input_t, weight_p, weight_t, bias_p, bias_t, mean, invstd, groups):
    """The tangent of group norm's output (PyTorch's ``group_norm_jvp``)."""
    n = input_p.shape[0]
    shape = list(input_p.shape)
    per = input_p.numel() // max(n * groups, 1)
    xv = input_p.reshape([n, groups, per])
    tv = input_t.reshape([n, groups, per])
    m = xv.shape[2]
    mean_v = mean.reshape([n, groups, 1])
    invstd_v = invstd.reshape([n, groups, 1])
    mean_t = tv.mean([2], True)
    xmu = xv - mean_v
    invstd_t = -invstd_v.pow(3) * ((tv - mean_t) * xmu).sum([2], True) / m
    out = ((tv - mean_t) * invstd_v + xmu * invstd_t).reshape(shape)
    view = [1, shape[1]] + [1] * (len(shape) - 2)
    if weight_p is not None:
        out = out * weight_p.view(view)
        if weight_t is not None:
            out = out + (xmu * invstd_v).reshape(shape) * weight_t.view(view)
    if bias_t is not None:
        out = out + bias_t.view(view)
    return out


def _gn_jvp(input_p, input_t, weight_p, weight_t_raw, bias_t_raw, result1, result2, group):
    n = input_p.shape[0]
    per = input_p.numel() // max(n * group, 1)
    xv = input_p.reshape([n, group, per])
    tv = input_t.reshape([n, group, per])
    mean_t = tv.mean([2])
    r2 = result2.reshape([n, group, 1])
    rstd_t = (-r2.pow(3) * ((tv - mean_t.unsqueeze(-1)) * (xv - result1.reshape(
        [n, group, 1]))).sum([2], True) / xv.shape[2]).reshape(list(result2.shape))
    return (group_norm_jvp(input_p, input_t, weight_p, weight_t_raw, None, bias_t_raw, result1,
                           result2, group), mean_t.reshape(list(result1.shape)), rstd_t)


# ---- rms norm -----------------------------------------------------------------------------------
def _rms_norm(input, normalized_shape, weight=None, eps=None):
    ns = [int(s) for s in normalized_shape]
    if len(ns) < 1:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = "
                           f"{_sizes(ns)}")
    if weight is not None and list(weight.shape) != ns:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {_sizes(weight.shape)} and normalized_shape = "
                           f"{_sizes(ns)}")
    shape = list(input.shape)
    if len(shape) < len(ns) or shape[len(shape) - len(ns):] != ns:
        raise RuntimeError(f"Given normalized_shape={_sizes(ns)}, expected input with shape "
                           f"[*{', '.join(str(s) for s in ns)}], but got input of size"
                           f"{_sizes(shape)}")
    dt = input.dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise not_implemented("rms_norm", dt)
    dims = list(range(len(shape) - len(ns), len(shape)))
    opmath = _dtype.float32 if dt._name in _REDUCED else dt
    x = input.to(opmath) if opmath is not dt else input
    if eps is None:
        eps = float(np.finfo(opmath.to_real()._np if dt.is_complex else opmath._np).eps)
    r = aten.rsqrt.default(aten.add_.Scalar(aten.mean.dim(aten.pow.Tensor_Scalar(x, 2), dims,
                                                          True), eps))
    result = aten.mul.Tensor(x, r)
    if result.dtype is not dt:
        result = result.type_as(input)
    if weight is not None:
        result = aten.mul.Tensor(result, weight)
    return result


# ---- definitions --------------------------------------------------------------------------------
_BN_ARGS = "Tensor input, Tensor? weight, Tensor? bias"
_BN_BWD = ("Tensor grad_out, Tensor input, Tensor? weight, Tensor? running_mean, "
           "Tensor? running_var, Tensor? save_mean, Tensor? save_invstd, bool train, float eps, "
           "bool[3] output_mask")


def _bnu_formula(update):
    def formula(grad, input, weight, running_mean, running_var, result1, result2, result3, eps,
                grad_input_mask):
        if grad is None:
            return None, None, None
        return aten.batch_norm_backward.default(grad, input, weight, running_mean, running_var,
                                                result1, result2, update, eps,
                                                list(grad_input_mask), result3)
    return formula


def _bnu_jvp(update):
    def jvp(input_p, input_t, weight_p, weight_t_raw, bias_t_raw, running_mean, running_var,
            result1, result2, eps):
        return (batch_norm_jvp(input_p, input_t, weight_p, weight_t_raw, None, bias_t_raw,
                               running_mean, running_var, result1, result2, update, eps),
                None, None, None)
    return jvp


def _same(training):
    return training


def _false(training):
    return False


def _true(training):
    return True


# the ``out=`` overloads: (functional, schema, out names, tags); the ``generated`` ones are
# torchgen's, the others PyTorch's own kernels (same results here: copies of the functional's)
_OUT_OVERLOADS = (
    ('nbn', 'native_batch_norm.out(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool training, float momentum, float eps, *, Tensor(a!) out, Tensor(b!) save_mean, Tensor(c!) save_invstd) -> (Tensor(a!), Tensor(b!), Tensor(c!))',
     ('out', 'save_mean', 'save_invstd'), ('out',)),
    ('legit', '_native_batch_norm_legit.out(Tensor input, Tensor? weight, Tensor? bias, Tensor(a!) running_mean, Tensor(b!) running_var, bool training, float momentum, float eps, *, Tensor(d!) out, Tensor(e!) save_mean, Tensor(f!) save_invstd) -> (Tensor(d!), Tensor(e!), Tensor(f!))',
     ('out', 'save_mean', 'save_invstd'), ('out',)),
    ('legit_ns', '_native_batch_norm_legit.no_stats_out(Tensor input, Tensor? weight, Tensor? bias, bool training, float momentum, float eps, *, Tensor(a!) out, Tensor(b!) save_mean, Tensor(c!) save_invstd) -> (Tensor(a!), Tensor(b!), Tensor(c!))',
     ('out', 'save_mean', 'save_invstd'), ('out',)),
    ('nt', '_native_batch_norm_legit_no_training.out(Tensor input, Tensor? weight, Tensor? bias, Tensor running_mean, Tensor running_var, float momentum, float eps, *, Tensor(a!) out0, Tensor(b!) out1, Tensor(c!) out2) -> (Tensor(a!), Tensor(b!), Tensor(c!))',
     ('out0', 'out1', 'out2'), ('generated', 'out')),
    ('wu', '_batch_norm_with_update.out(Tensor input, Tensor? weight, Tensor? bias, Tensor(a!) running_mean, Tensor(b!) running_var, float momentum, float eps, *, Tensor(d!) out, Tensor(e!) save_mean, Tensor(f!) save_invstd, Tensor(g!) reserve) -> (Tensor(d!), Tensor(e!), Tensor(f!), Tensor(g!))',
     ('out', 'save_mean', 'save_invstd', 'reserve'), ('out',)),
    ('nu', '_batch_norm_no_update.out(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, float momentum, float eps, *, Tensor(a!) out0, Tensor(b!) out1, Tensor(c!) out2, Tensor(d!) out3) -> (Tensor(a!), Tensor(b!), Tensor(c!), Tensor(d!))',
     ('out0', 'out1', 'out2', 'out3'), ('generated', 'out')),
    ('nbb', 'native_batch_norm_backward.out(Tensor grad_out, Tensor input, Tensor? weight, Tensor? running_mean, Tensor? running_var, Tensor? save_mean, Tensor? save_invstd, bool train, float eps, bool[3] output_mask, *, Tensor(a!) out0, Tensor(b!) out1, Tensor(c!) out2) -> (Tensor(a!), Tensor(b!), Tensor(c!))',
     ('out0', 'out1', 'out2'), ('generated', 'out')),
    ('nln', 'native_layer_norm.out(Tensor input, SymInt[] normalized_shape, Tensor? weight, Tensor? bias, float eps, *, Tensor(a!) out0, Tensor(b!) out1, Tensor(c!) out2) -> (Tensor(a!), Tensor(b!), Tensor(c!))',
     ('out0', 'out1', 'out2'), ('generated', 'out')),
    ('nlb', 'native_layer_norm_backward.out(Tensor grad_out, Tensor input, SymInt[] normalized_shape, Tensor mean, Tensor rstd, Tensor? weight, Tensor? bias, bool[3] output_mask, *, Tensor(a!) out0, Tensor(b!) out1, Tensor(c!) out2) -> (Tensor(a!), Tensor(b!), Tensor(c!))',
     ('out0', 'out1', 'out2'), ('generated', 'out')),
    ('ngn', 'native_group_norm.out(Tensor input, Tensor? weight, Tensor? bias, SymInt N, SymInt C, SymInt HxW, int group, float eps, *, Tensor(a!) out0, Tensor(b!) out1, Tensor(c!) out2) -> (Tensor(a!), Tensor(b!), Tensor(c!))',
     ('out0', 'out1', 'out2'), ('generated', 'out')),
    ('ngb', 'native_group_norm_backward.out(Tensor grad_out, Tensor input, Tensor mean, Tensor rstd, Tensor? weight, SymInt N, SymInt C, SymInt HxW, int group, bool[3] output_mask, *, Tensor(a!) out0, Tensor(b!) out1, Tensor(c!) out2) -> (Tensor(a!), Tensor(b!), Tensor(c!))',
     ('out0', 'out1', 'out2'), ('generated', 'out')),
)


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    three = "(Tensor, Tensor, Tensor)"
    nbn = defop(f"native_batch_norm({_BN_ARGS}, Tensor? running_mean, Tensor? running_var, "
                f"bool training, float momentum, float eps) -> {three}")
    nbn.cpu_ks(_native_batch_norm_cpu)
    nbn.meta(_native_batch_norm_meta)
    nbn.derivative(**{"input, weight, bias": _bn_formula(_same)}, result=_bn_jvp(_same))

    legit = defop(f"_native_batch_norm_legit({_BN_ARGS}, Tensor(a!) running_mean, "
                  f"Tensor(b!) running_var, bool training, float momentum, float eps) -> {three}",
                  tags=("core",))
    legit.cpu_ks(_native_batch_norm_cpu)
    legit.meta(_native_batch_norm_meta)
    legit.derivative(**{"input, weight, bias": _bn_formula(_same)}, result=_bn_jvp(_same))

    def no_stats_cpu(ks, input, weight, bias, training, momentum, eps):
        return _batch_norm_cpu(input, weight, bias, None, None, training, momentum, eps)

    def no_stats_meta(input, weight, bias, training, momentum, eps):
        return _native_batch_norm_meta(input, weight, bias, None, None, training, momentum, eps)

    def no_stats_formula(grad, input, weight, result1, result2, training, eps, grad_input_mask):
        if grad is None:
            return None, None, None
        return aten.native_batch_norm_backward.default(grad, input, weight, None, None, result1,
                                                       result2, training, eps,
                                                       list(grad_input_mask))

    def no_stats_jvp(input_p, input_t, weight_p, weight_t_raw, bias_t_raw, result1, result2,
                     training, eps):
        return (batch_norm_jvp(input_p, input_t, weight_p, weight_t_raw, None, bias_t_raw, None,
                               None, result1, result2, training, eps), None, None)
    ns = defop(f"_native_batch_norm_legit.no_stats({_BN_ARGS}, bool training, float momentum, "
               f"float eps) -> {three}", tags=("core",))
    ns.cpu_ks(no_stats_cpu)
    ns.meta(no_stats_meta)
    ns.derivative("NativeBatchNormLegitBackward1", **{"input, weight, bias": no_stats_formula},
                  result=no_stats_jvp)

    nt = defop(f"_native_batch_norm_legit_no_training({_BN_ARGS}, Tensor running_mean, "
               f"Tensor running_var, float momentum, float eps) -> {three}", tags=("core",))
    nt.explicit(_native_batch_norm_legit_no_training)
    nt.meta(lambda input, weight, bias, rm, rv, momentum, eps: _native_batch_norm_meta(
        input, weight, bias, rm, rv, False, momentum, eps))

    def nt_formula(grad, input, weight, running_mean, running_var, result1, result2, eps,
                   grad_input_mask):
        return _bn_formula(_false)(grad, input, weight, running_mean, running_var, result1,
                                   result2, False, eps, grad_input_mask)

    def nt_jvp(input_p, input_t, weight_p, weight_t_raw, bias_t_raw, running_mean, running_var,
               result1, result2, eps):
        return _bn_jvp(_false)(input_p, input_t, weight_p, weight_t_raw, bias_t_raw,
                               running_mean, running_var, result1, result2, False, eps)
    nt.derivative(**{"input, weight, bias": nt_formula}, result=nt_jvp)

    four = "(Tensor, Tensor, Tensor, Tensor)"
    wu = defop(f"_batch_norm_with_update({_BN_ARGS}, Tensor(a!) running_mean, "
               f"Tensor(b!) running_var, float momentum, float eps) -> {four}")
    wu.cpu_ks(_batch_norm_with_update_cpu)
    wu.meta(_batch_norm_with_update_meta)
    nu = defop(f"_batch_norm_no_update({_BN_ARGS}, Tensor? running_mean, Tensor? running_var, "
               f"float momentum, float eps) -> {four}")
    nu.explicit(_batch_norm_no_update)
    nu.meta(lambda input, weight, bias, rm, rv, momentum, eps: _native_batch_norm_meta(
        input, weight, bias, rm, rv, False, momentum, eps) + (empty_meta([0], _dtype.uint8),))
    for d, update in ((wu, True), (nu, False)):
        d.derivative(**{"input, weight, bias": _bnu_formula(update)}, result=_bnu_jvp(update))

    nbb = defop(f"native_batch_norm_backward({_BN_BWD}) -> {three}")
    nbb.cpu_ks(_native_batch_norm_backward_cpu)
    nbb.meta(_native_batch_norm_backward_meta)
    nbb.derivative(**{"input, weight, grad_out": _bn_backward_formula,
                      "save_mean": _not_implemented("native_batch_norm_backward save_mean"),
                      "save_invstd": _not_implemented("native_batch_norm_backward save_invstd")})

    bb = defop("batch_norm_backward(Tensor grad_out, Tensor input, Tensor weight, "
               "Tensor? running_mean, Tensor? running_var, Tensor? save_mean, Tensor? save_var, "
               "bool update, float eps, bool[3] output_mask, Tensor reserve) -> " + three)
    bb.cpu_ks(_batch_norm_backward_cpu)
    bb.meta(_batch_norm_backward_meta)

    def bb_formula(grads, input, weight, grad_out, running_mean, running_var, update, eps,
                   save_mean, save_var, grad_input_mask):
        return _bn_backward_formula(grads, input, weight, grad_out, running_mean, running_var,
                                    update, eps, save_mean, save_var, grad_input_mask)
    bb.derivative(**{"input, weight, grad_out": bb_formula,
                     "save_mean": _not_implemented("batch_norm_backward save_mean"),
                     "save_var": _not_implemented("batch_norm_backward save_var"),
                     "reserve": _not_implemented("batch_norm_backward reserve")})

    impl = defop(f"_batch_norm_impl_index({_BN_ARGS}, Tensor? running_mean, "
                 "Tensor? running_var, bool training, float momentum, float eps, "
                 "bool cudnn_enabled) -> (Tensor, Tensor, Tensor, Tensor, int)",
                 tags=("maybe_aliasing_or_mutating",))
    impl.composite(_batch_norm_impl_index)
    implb = defop("_batch_norm_impl_index_backward(int impl_index, Tensor input, "
                  "Tensor grad_output, Tensor? weight, Tensor? running_mean, "
                  "Tensor? running_var, Tensor? save_mean, Tensor? save_var_transform, "
                  "bool train, float eps, bool[3] output_mask, Tensor reservedSpace) -> " + three)
    implb.composite(_batch_norm_impl_index_backward)
    bn = defop(f"batch_norm({_BN_ARGS}, Tensor? running_mean, Tensor? running_var, "
               "bool training, float momentum, float eps, bool cudnn_enabled) -> Tensor",
               tags=("maybe_aliasing_or_mutating",))
    bn.composite(_batch_norm)
    inorm = defop(f"instance_norm({_BN_ARGS}, Tensor? running_mean, Tensor? running_var, "
                  "bool use_input_stats, float momentum, float eps, bool cudnn_enabled) -> Tensor")
    inorm.composite(_instance_norm)

    nln = defop("native_layer_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight, "
                f"Tensor? bias, float eps) -> {three}", tags=("core",))
    nln.cpu_ks(_native_layer_norm_cpu)
    nln.explicit(lambda *a: _native_layer_norm_cpu(None, *a))   # (PyTorch has one too)
    nln.meta(_native_layer_norm_meta)
    nln.derivative(**{"input, weight, bias": _ln_formula}, result=_ln_jvp)
    nlb = defop("native_layer_norm_backward(Tensor grad_out, Tensor input, "
                "SymInt[] normalized_shape, Tensor mean, Tensor rstd, Tensor? weight, "
                f"Tensor? bias, bool[3] output_mask) -> {three}", tags=("core",))
    nlb.cpu_ks(_native_layer_norm_backward_cpu)
    nlb.meta(_native_layer_norm_backward_meta)
    nlb.derivative(**{"input, weight, grad_out": _ln_backward_formula,
                      "bias": lambda grads: None,
                      "mean": _not_implemented("native_layer_norm_backward mean"),
                      "rstd": _not_implemented("native_layer_norm_backward rstd")})
    ln = defop("layer_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight=None, "
               "Tensor? bias=None, float eps=1.0000000000000001e-05, bool cudnn_enable=True) "
               "-> Tensor")
    ln.composite(_layer_norm)

    ngn = defop("native_group_norm(Tensor input, Tensor? weight, Tensor? bias, SymInt N, "
                f"SymInt C, SymInt HxW, int group, float eps) -> {three}", tags=("core",))
    ngn.cpu_ks(_native_group_norm_cpu)
    ngn.explicit(lambda *a: _native_group_norm_cpu(None, *a))
    ngn.meta(_native_group_norm_meta)
    ngn.derivative(**{"input, weight, bias": _gn_formula}, result=_gn_jvp)
    ngb = defop("native_group_norm_backward(Tensor grad_out, Tensor input, Tensor mean, "
                "Tensor rstd, Tensor? weight, SymInt N, SymInt C, SymInt HxW, int group, "
                f"bool[3] output_mask) -> {three}", tags=("core",))
    ngb.cpu_ks(_native_group_norm_backward_cpu)
    ngb.meta(_native_group_norm_backward_meta)
    gn = defop("group_norm(Tensor input, int num_groups, Tensor? weight=None, Tensor? bias=None, "
               "float eps=1.0000000000000001e-05, bool cudnn_enabled=True) -> Tensor")
    gn.composite(_group_norm)

    rms = defop("rms_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight=None, "
                "float? eps=None) -> Tensor")
    rms.composite(_rms_norm)

    from ._copy_out import copy_out_variant
    defs = {"nbn": nbn, "legit": legit, "legit_ns": ns, "nt": nt, "wu": wu, "nu": nu,
            "nbb": nbb, "nln": nln, "nlb": nlb, "ngn": ngn, "ngb": ngb}
    for base, schema, outs, tags in _OUT_OVERLOADS:
        copy_out_variant(defs[base], schema, outs, tags)
    from .._dispatcher import operator as _opreg
    _opreg.list_first("aten::_batch_norm_with_update", "out")  # (PyTorch's packet order)
    for name, d in (("native_batch_norm", nbn), ("_native_batch_norm_legit", legit),
                    ("_native_batch_norm_legit_no_training", nt), ("batch_norm", bn),
                    ("_batch_norm_impl_index", impl), ("instance_norm", inorm),
                    ("native_layer_norm", nln), ("layer_norm", ln),
                    ("native_group_norm", ngn), ("group_norm", gn), ("rms_norm", rms)):
        if name == "_native_batch_norm_legit":
            public(name, legit, ns, method=False)
        else:
            public(name, d, method=False)
