"""``torch.masked``: reductions and normalizations over the elements a boolean mask keeps.

Strided tensors and strided masks only: ``MaskedTensor`` and sparse layouts are not modelled.
"""
from __future__ import annotations

from ._ops import (  # noqa: F401
    _canonical_dim, _combine_input_and_mask, _input_mask, _output_mask, _reduction_identity,
    _where, amax, amin, argmax, argmin, cumprod, cumsum, log_softmax, logaddexp, logsumexp,
    mean, median, norm, normalize, prod, softmax, softmin, std, sum, var,
)

__all__ = [
    "amax", "amin", "argmax", "argmin", "as_masked_tensor", "cumprod", "cumsum",
    "is_masked_tensor", "log_softmax", "logaddexp", "logsumexp", "masked_tensor",
    "MaskedTensor", "mean", "median", "norm", "normalize", "prod", "softmax", "softmin", "std",
    "sum", "var",
]


def is_masked_tensor(obj):
    """Whether ``obj`` is a ``MaskedTensor`` (never, here: the class is not modelled)."""
    return False


def __getattr__(name):
    if name in ("MaskedTensor", "masked_tensor", "as_masked_tensor"):
        raise NotImplementedError(f"torch.masked.{name}: MaskedTensor is not implemented in "
                                  "kindling (the masked functions take a strided tensor and "
                                  "a mask= tensor)")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
