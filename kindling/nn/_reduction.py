"""``torch.nn._reduction``: loss reduction names to ``at::Reduction`` values, and the legacy
``size_average``/``reduce`` arguments."""
from __future__ import annotations

import warnings


def get_enum(reduction: str) -> int:
    """``'none'``/``'mean'``/``'sum'`` as 0/1/2 (``'elementwise_mean'``: deprecated ``'mean'``)."""
    if reduction == "none":
        return 0
    if reduction == "mean":
        return 1
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. "
                      "Please use reduction='mean' instead.", stacklevel=2)
        return 1
    if reduction == "sum":
        return 2
    raise ValueError(f"{reduction} is not a valid value for reduction")


def legacy_get_string(size_average, reduce, emit_warning=True) -> str:
    """The reduction the deprecated ``size_average``/``reduce`` flags stand for (None counts
    as True), warning that they are deprecated unless ``emit_warning`` is False."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=2)
    return ret


def legacy_get_enum(size_average, reduce, emit_warning=True) -> int:
    """``get_enum(legacy_get_string(...))``."""
    return get_enum(legacy_get_string(size_average, reduce, emit_warning))


def reduction_enum(size_average, reduce, reduction) -> int:
    """A loss function's reduction arguments as the aten ops' enum: the legacy
    ``size_average``/``reduce`` flags when either is given, else ``reduction``."""
    if size_average is not None or reduce is not None:
        return legacy_get_enum(size_average, reduce)
    return get_enum(reduction)
