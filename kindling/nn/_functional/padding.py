"""torch.nn.functional: pad, and one_hot beside it.

``pad`` calls ``torch._C._nn.pad`` (aten ``pad``, CompositeImplicitAutograd: it picks
``constant_pad_nd``, ``reflection_pad*``, ``replication_pad*`` or ``_pad_circular``; the ops
are defined at first use, ``kindling/_aten/padding.py``); ``one_hot`` is ``torch._C._nn``'s."""
from __future__ import annotations

import kindling as torch
from ...overrides import handle_torch_function, has_torch_function_unary

__all__ = ["pad", "one_hot"]

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
