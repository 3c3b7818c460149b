"""torch.nn.functional: embedding, embedding_bag, one_hot."""
from __future__ import annotations

__all__: list[str] = []

import kindling as torch

from ...overrides import handle_torch_function, has_torch_function_variadic

__all__ += ["embedding"]


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` looked up by the indices in ``input``.  ``padding_idx``'s row gets
    no gradient; with ``max_norm``, the rows looked up are first renormalised in place to
    norms of at most ``max_norm`` (``norm_type``-norms)."""
    if has_torch_function_variadic(input, weight):
        return handle_torch_function(
            embedding, (input, weight), input, weight, padding_idx=padding_idx,
            max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse)
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        # (embedding_renorm_ makes the indices contiguous anyway; the lookup gains too)
        input = input.contiguous()
        torch.embedding_renorm_(weight.detach(), input, max_norm, norm_type)
    return torch.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


from .embedding_bag import embedding_bag  # noqa: E402,F401  (kept at the end: merges)
__all__ += ["embedding_bag"]
