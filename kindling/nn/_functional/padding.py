"""torch.nn.functional: pad, and the small functions built on it or beside it: one_hot,
normalize, local_response_norm.

``pad`` calls ``torch._C._nn.pad`` (aten ``pad``, CompositeImplicitAutograd: it picks
``constant_pad_nd``, ``reflection_pad*``, ``replication_pad*`` or ``_pad_circular``; the ops
are defined at first use, ``kindling/_aten/padding.py``); ``one_hot`` is ``torch._C._nn``'s;
``normalize`` and ``local_response_norm`` are compositions, as in PyTorch."""
from __future__ import annotations

import kindling as torch
from ...overrides import (handle_torch_function, has_torch_function_unary,
                          has_torch_function_variadic)

__all__ = ["pad", "one_hot", "normalize", "local_response_norm"]

one_hot = torch._C._nn.one_hot


def pad(input, pad, mode="constant", value=None):
    """pad(input, pad, mode="constant", value=None) -> Tensor

    Pads tensor: ``pad`` lists (before, after) amounts from the last dimension backwards;
    ``mode`` is ``'constant'``, ``'reflect'``, ``'replicate'`` or ``'circular'``; ``value``
    fills ``'constant'`` padding (default 0)."""
    if has_torch_function_unary(input):
        return handle_torch_function(torch.nn.functional.pad, (input,), input, pad, mode=mode,
                                     value=value)
    return torch._C._nn.pad(input, pad, mode, value)


pad.__module__ = "torch.nn.functional"


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """Perform :math:`L_p` normalization of inputs over specified dimension: each vector
    along ``dim`` divided by ``max(||v||_p, eps)``."""
    if has_torch_function_variadic(input, out):
        return handle_torch_function(normalize, (input, out), input, p=p, dim=dim, eps=eps,
                                     out=out)
    if out is None:
        denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
        return input / denom
    denom = input.norm(p, dim, keepdim=True).clamp_min_(eps).expand_as(input)
    return torch.div(input, denom, out=out)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Apply local response normalization over an input signal (channels in dim 1): each
    value divided by ``(k + alpha * mean of squares over size neighbouring channels) ** beta``."""
    if has_torch_function_unary(input):
        return handle_torch_function(local_response_norm, (input,), input, size, alpha=alpha,
                                     beta=beta, k=k)
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input "
                         f"(got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = torch._C._nn.avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.size()
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = torch._C._nn.avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div
