"""``Resize``: what the deprecated ``Tensor.resize(*sizes)`` runs - a reshape to as many
elements, as an autograd Function (PyTorch's ``torch.autograd._functions.tensor.Resize``)."""
from __future__ import annotations

from ..function import Function


class Resize(Function):
    @staticmethod
    def forward(ctx, tensor, sizes):
        ctx.sizes = sizes
        numel = 1
        for s in sizes:  # (a tuple passed as one argument multiplies as PyTorch's reduce does)
            numel = numel * s
        ctx.numel = numel
        if tensor.numel() != numel:
            raise RuntimeError(
                f"requested resize to {'x'.join(map(str, sizes))} ({numel} elements in total), "
                f"but the given tensor has a size of {'x'.join(map(str, tensor.size()))} "
                f"({tensor.numel()} elements). autograd's resize can only change the shape of "
                "a given tensor, while preserving the number of elements. ")
        ctx.input_sizes = tensor.size()
        if tensor.is_contiguous():
            return tensor.new(tensor).contiguous().view(*sizes)
        return tensor.contiguous().view(*sizes)

    @staticmethod
    def backward(ctx, grad_output):
        assert grad_output.numel() == ctx.numel
        return grad_output.contiguous().view(ctx.input_sizes), None
