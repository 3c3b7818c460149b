"""``torch.cpu.amp``: the deprecated CPU spellings of ``torch.amp`` (each warns with
PyTorch's FutureWarning and forwards to ``kindling.amp`` with ``device_type="cpu"``)."""
from __future__ import annotations

import warnings

from .. import _dtype
from ..amp import autocast as _amp_autocast

__all__ = ["autocast", "GradScaler"]


class autocast(_amp_autocast):
    """Deprecated ``torch.cpu.amp.autocast(...)``: ``torch.amp.autocast("cpu", ...)``."""

    def __init__(self, enabled=True, dtype=_dtype.bfloat16, cache_enabled=True):
        warnings.warn("`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cpu', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cpu", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


autocast.__module__ = "torch.cpu.amp.autocast_mode"


class GradScaler:
    """Deprecated ``torch.cpu.amp.GradScaler(...)``: ``torch.amp.GradScaler("cpu", ...)``."""

    def __new__(cls, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                growth_interval=2000, enabled=True):
        from .. import amp
        if not hasattr(amp, "GradScaler"):
            raise NotImplementedError("kindling has no torch.amp.GradScaler yet "
                                      "(torch.cpu.amp.GradScaler forwards to it)")
        warnings.warn("`torch.cpu.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cpu', args...)` instead.", FutureWarning,
                      stacklevel=2)
        return amp.GradScaler("cpu", init_scale=init_scale, growth_factor=growth_factor,
                              backoff_factor=backoff_factor, growth_interval=growth_interval,
                              enabled=enabled)
