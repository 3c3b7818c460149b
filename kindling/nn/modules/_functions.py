"""``torch.nn.modules._functions``: autograd functions behind some layers (here
``CrossMapLRN2d``'s)."""
from __future__ import annotations

import kindling as torch
from ...autograd.function import Function


def _window_sums(x, lo, hi):
    """``out[:, c] = x[:, lo[c]:hi[c]].sum(1)`` for every channel ``c``, through a cumulative
    sum along dim 1 (``lo``/``hi`` are lists of ints, ``0 <= lo <= hi <= C``)."""
    n, _, h, w = x.shape
    cum = torch.cat([x.new_zeros((n, 1, h, w)), torch.cumsum(x, 1)], 1)
    upper = cum.index_select(1, torch.tensor(hi, dtype=torch.long))
    lower = cum.index_select(1, torch.tensor(lo, dtype=torch.long))
    return upper - lower


class CrossMapLRN2d(Function):
    """Lua Torch's cross-map LRN, kept with its quirks: for channel ``c`` the squares are
    summed over channel 0 and channels ``max(1, c-p+1) .. min(C-1, c+p-1)``, with
    ``p = (size-1)//2 + 1`` (the legacy running sum never drops channel 0); the gradient is
    the legacy hand-written one, whose window is ``c-q .. c+size-1-q`` with
    ``q = size - (size-1)//2``."""

    @staticmethod
    def forward(ctx, input, size, alpha=1e-4, beta=0.75, k=1):
        ctx.size, ctx.alpha, ctx.beta, ctx.k = size, alpha, beta, k
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D "
                             "instead.")
        channels = input.size(1)
        pre_pad = int((size - 1) / 2 + 1)
        # channel 0 is in every window (the legacy running sum never drops it), the rest is
        # channels max(1, c-p+1) .. min(C-1, c+p-1)
        hi = [min(c + pre_pad, channels) for c in range(channels)]
        lo = [min(max(1, c - pre_pad + 1), hi[c]) for c in range(channels)]
        square = input * input
        sums = _window_sums(square, lo, hi) + square.narrow(1, 0, 1)
        scale = sums * (alpha / size) + k
        ctx.scale = scale
        output = torch.pow(scale, -beta) * input
        ctx.save_for_backward(input, output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, output = ctx.saved_tensors
        channels = input.size(1)
        size, scale = ctx.size, ctx.scale
        inverse_pre_pad = int(size - (size - 1) / 2)
        ratio = grad_output * output / scale
        lo = [min(channels, max(0, c - inverse_pre_pad)) for c in range(channels)]
        hi = [max(lo[c], min(channels, c + size - inverse_pre_pad)) for c in range(channels)]
        accum = _window_sums(ratio, lo, hi)
        grad_input = torch.pow(scale, -ctx.beta) * grad_output \
            - (2 * ctx.alpha * ctx.beta / size) * input * accum
        return grad_input, None, None, None, None
