"""torch.nn.functional: dropout variants, as PyTorch's ``torch/nn/functional.py`` writes them
over the ``dropout`` ops (``_aten/random.py``, ``_aten/dropout.py``)."""
from __future__ import annotations

import warnings

import kindling as torch

from ...overrides import handle_torch_function, has_torch_function_unary

__all__ = ["dropout", "alpha_dropout", "dropout1d", "dropout2d", "dropout3d",
           "feature_alpha_dropout"]


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _tf(fn, input, p, training, inplace):
    return handle_torch_function(fn, (input,), input, p=p, training=training, inplace=inplace)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes each element with probability ``p`` (while ``training``), scaling the others by
    ``1 / (1 - p)``."""
    if has_torch_function_unary(input):
        return _tf(dropout, input, p, training, inplace)
    _check_p(p)
    return torch.dropout_(input, p, training) if inplace else torch.dropout(input, p, training)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps a SELU network's mean and variance (dropped elements become the
    negative saturation value, then an affine map restores the statistics)."""
    if has_torch_function_unary(input):
        return _tf(alpha_dropout, input, p, training, inplace)
    _check_p(p)
    return torch.alpha_dropout_(input, p, training) if inplace else \
        torch.alpha_dropout(input, p, training)


def _feature(input, p, training, inplace, batched_dim):
    """``feature_dropout`` of ``input``, unsqueezed to a batch of one unless it has
    ``batched_dim`` dimensions."""
    batched = input.dim() == batched_dim
    if not batched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = torch.feature_dropout_(input, p, training) if inplace else \
        torch.feature_dropout(input, p, training)
    if not batched:
        result = result.squeeze_(0) if inplace else result.squeeze(0)
    return result


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of an ``(N, C, L)`` or ``(C, L)`` input with probability ``p``."""
    if has_torch_function_unary(input):
        return _tf(dropout1d, input, p, training, inplace)
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {inp_dim}D input. "
            "Note that dropout1d exists to provide channel-wise dropout on inputs with 1 "
            "spatial dimension, a channel dimension, and an optional batch dimension "
            "(i.e. 2D or 3D inputs).")
    return _feature(input, p, training, inplace, 3)


def _spatial_dims(name, input, spatial):
    """``input``'s rank, with PyTorch's deprecation warning when it is neither
    ``spatial + 1`` nor ``spatial + 2``."""
    inp_dim = input.dim()
    if inp_dim not in (spatial + 1, spatial + 2):
        warnings.warn(
            f"{name}: Received a {inp_dim}-D input to {name}, which is deprecated "
            "and will result in an error in a future release. To retain the behavior "
            "and silence this warning, please use dropout instead. Note that "
            f"{name} exists to provide channel-wise dropout on inputs with {spatial} "
            "spatial dimensions, a channel dimension, and an optional batch dimension "
            f"(i.e. {spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)
    return inp_dim


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of an ``(N, C, H, W)`` input with probability ``p`` (a 3-D
    input is taken as ``(N, C, L)``, with a warning)."""
    if has_torch_function_unary(input):
        return _tf(dropout2d, input, p, training, inplace)
    _check_p(p)
    inp_dim = _spatial_dims("dropout2d", input, 2)
    # (PyTorch keeps treating 3-D inputs as batched 1-D ones, see pytorch#77081)
    if inp_dim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
            "1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return torch.feature_dropout_(input, p, training) if inplace else \
        torch.feature_dropout(input, p, training)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with
    probability ``p``."""
    if has_torch_function_unary(input):
        return _tf(dropout3d, input, p, training, inplace)
    _check_p(p)
    _spatial_dims("dropout3d", input, 3)
    return _feature(input, p, training, inplace, 5)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """:func:`alpha_dropout` of whole channels."""
    if has_torch_function_unary(input):
        return _tf(feature_alpha_dropout, input, p, training, inplace)
    _check_p(p)
    return torch.feature_alpha_dropout_(input, p, training) if inplace else \
        torch.feature_alpha_dropout(input, p, training)
