"""``torch.nn.utils.clip_grad``: gradient clipping by total norm or by value.

Gradients are grouped by (device, dtype); on CPU, plain tensors go through the ``_foreach_*``
ops (``foreach=None`` picks them, as PyTorch does), anything else one tensor at a time.
"""
from __future__ import annotations

import functools
import types
import warnings

import kindling as torch

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_"]

# device types with foreach kernels (PyTorch's list, plus "cpu")
_FOREACH_DEVICES = ("cuda", "xpu", "mtia", "privateuseone", "cpu")


def _no_grad(fn):
    """``fn`` run under ``torch.no_grad()`` (keeping its name and docstring)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with torch.no_grad():
            return fn(*args, **kwargs)
    return wrapper


def _group_by_device_and_dtype(tensors):
    """{(device, dtype): [tensors]} in first-seen order."""
    groups = {}
    for t in tensors:
        groups.setdefault((t.device, t.dtype), []).append(t)
    return groups


def _device_has_foreach(device):
    return device.type in _FOREACH_DEVICES


def _use_foreach(foreach, tensors, device):
    """Whether to take the foreach path: raises PyTorch's error when ``foreach=True`` asks
    for it on a device without foreach kernels."""
    if foreach is None:
        return _device_has_foreach(device) and all(
            t is None or type(t) is torch.Tensor for t in tensors)
    if foreach and not _device_has_foreach(device):
        raise RuntimeError(
            f"foreach=True was passed, but can't use the foreach API on {device.type} tensors")
    return bool(foreach)


@_no_grad
def _get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` together (as if concatenated into one
    vector). ``error_if_nonfinite``: raise a RuntimeError when it is nan or infinite."""
    tensors = [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return torch.tensor(0.0)
    first_device = tensors[0].device
    norms = []
    for (device, _), group in _group_by_device_and_dtype(tensors).items():
        if _use_foreach(foreach, group, device):
            norms.extend(torch._foreach_norm(group, norm_type))
        else:
            norms.extend(torch.linalg.vector_norm(g, norm_type) for g in group)
    total_norm = torch.linalg.vector_norm(
        torch.stack([n.to(first_device) for n in norms]), norm_type)
    if error_if_nonfinite and torch.logical_or(total_norm.isnan(), total_norm.isinf()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total_norm


@_no_grad
def _clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` in place by ``min(max_norm / (total_norm +
    1e-6), 1)``: ``clip_grad_norm_`` with the total norm already computed."""
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    for (device, _), group in _group_by_device_and_dtype(grads).items():
        if _use_foreach(foreach, group, device):
            torch._foreach_mul_(group, coef.to(device))
        else:
            coef_here = coef.to(device)
            for g in group:
                g.mul_(coef_here)


@_no_grad
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Clip the gradients of ``parameters`` (a tensor or an iterable of them) in place so that
    their total ``norm_type``-norm is at most ``max_norm``; returns the total norm before
    clipping. ``get_total_norm`` followed by ``clip_grads_with_norm_``."""
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = _get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    _clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                   foreach=None):
    """Deprecated spelling of ``clip_grad_norm_`` (warns with a FutureWarning)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``."""
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    grads = [p.grad for p in parameters if p.grad is not None]
    for (device, _), group in _group_by_device_and_dtype(grads).items():
        if _use_foreach(foreach, group, device):
            torch._foreach_clamp_min_(group, -clip_value)
            torch._foreach_clamp_max_(group, clip_value)
        else:
            for g in group:
                g.clamp_(min=-clip_value, max=clip_value)
