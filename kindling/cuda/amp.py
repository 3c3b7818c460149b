"""``torch.cuda.amp``: the deprecated CUDA spellings of ``torch.amp``.

Each warns with PyTorch's FutureWarning and forwards to ``kindling.amp`` with
``device_type="cuda"``; without CUDA, autocast and the gradient scaler then disable themselves
(with PyTorch's UserWarning when asked to be enabled).
"""
from __future__ import annotations

import warnings

from .. import _dtype
from ..amp import autocast as _amp_autocast

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]


def amp_definitely_not_available():
    """True: CUDA is never available in kindling."""
    return True


class autocast(_amp_autocast):
    """Deprecated ``torch.cuda.amp.autocast(...)``: ``torch.amp.autocast("cuda", ...)``."""

    def __init__(self, enabled=True, dtype=_dtype.float16, cache_enabled=True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


autocast.__module__ = "torch.cuda.amp.autocast_mode"


class _DisabledGradScaler:
    """A gradient scaler for a device without autocast: every method passes through
    (``scale`` returns its argument, ``step`` calls ``optimizer.step``), as PyTorch's scaler
    does once it has disabled itself."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        self._device = device
        if enabled:
            warnings.warn(f"torch.{device}.amp.GradScaler is enabled, but "
                          f"{device.upper()} is not available.  Disabling.", stacklevel=3)
        self._enabled = False
        self._init_scale = init_scale
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval

    def scale(self, outputs):
        """The outputs unchanged (a disabled scaler does not scale)."""
        return outputs

    def unscale_(self, optimizer):
        """Nothing to unscale."""
        return None

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step(*args, **kwargs)``."""
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        """Nothing to update."""
        return None

    def get_scale(self):
        """1.0, the scale of a disabled scaler."""
        return 1.0

    def get_growth_factor(self):
        """The growth factor given at construction."""
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        """Replace the growth factor."""
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        """The backoff factor given at construction."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        """Replace the backoff factor."""
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        """The growth interval given at construction."""
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        """Replace the growth interval."""
        self._growth_interval = new_interval

    def is_enabled(self):
        """False: the scaler disabled itself."""
        return self._enabled

    def state_dict(self):
        """An empty dict, as a disabled scaler has no state."""
        return {}

    def load_state_dict(self, state_dict):
        """Nothing to load into a disabled scaler."""
        return None


def _grad_scaler_base():
    from .. import amp
    return getattr(amp, "GradScaler", None)


class GradScaler(_DisabledGradScaler):
    """Deprecated ``torch.cuda.amp.GradScaler(...)``: ``torch.amp.GradScaler("cuda", ...)``
    (``kindling.amp``'s when it has one), which disables itself without CUDA."""

    def __new__(cls, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                growth_interval=2000, enabled=True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        base = _grad_scaler_base()
        kwargs = dict(init_scale=init_scale, growth_factor=growth_factor,
                      backoff_factor=backoff_factor, growth_interval=growth_interval,
                      enabled=enabled)
        if base is not None:
            return base("cuda", **kwargs)
        self = super().__new__(cls)
        _DisabledGradScaler.__init__(self, "cuda", **kwargs)
        return self

    def __init__(self, *args, **kwargs):
        pass


GradScaler.__module__ = "torch.cuda.amp.grad_scaler"


def custom_fwd(fwd=None, *, cast_inputs=None):
    """Deprecated ``torch.cuda.amp.custom_fwd``: with CUDA autocast never enabled here, the
    forward runs as written."""
    warnings.warn("`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_fwd(args..., device_type='cuda')` instead.", FutureWarning,
                  stacklevel=2)
    if fwd is None:
        return lambda f: f
    return fwd


def custom_bwd(bwd):
    """Deprecated ``torch.cuda.amp.custom_bwd``: the backward runs as written."""
    warnings.warn("`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_bwd(args..., device_type='cuda')` instead.", FutureWarning,
                  stacklevel=2)
    return bwd
