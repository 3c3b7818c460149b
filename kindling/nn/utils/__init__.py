"""``torch.nn.utils``: helpers that work on parameters and tensors: gradient clipping
(``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm``, ``clip_grads_with_norm_``),
``parameters_to_vector``/``vector_to_parameters`` and the packed-sequence helpers of
``nn.utils.rnn``."""
from __future__ import annotations

from . import rnn  # noqa: F401
from .clip_grad import (  # noqa: F401
    _clip_grads_with_norm_ as clip_grads_with_norm_,
    _get_total_norm as get_total_norm,
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grads_with_norm_", "clip_grad_value_",
           "get_total_norm", "parameters_to_vector", "rnn", "vector_to_parameters"]
# ---- parametrize, weight/spectral norm, stateless, fusion, memory format (nnutils2) ----
