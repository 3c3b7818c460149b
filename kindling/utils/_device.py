"""``torch.utils._device``: the default device, as a ``TorchFunctionMode`` kept at the bottom
of the function-mode stack that gives factory calls without ``device=`` the default device
(``torch.set_default_device``)."""
from __future__ import annotations

import functools

import kindling as torch
from kindling.overrides import (
    TorchFunctionMode, _len_torch_function_stack, _pop_mode, _push_mode,
)

CURRENT_DEVICE = None


@functools.lru_cache(1)
def _device_constructors():
    """The functions that take the default device when called without ``device=``."""
    names = ("empty", "empty_permuted", "empty_strided", "ones", "arange", "bartlett_window",
             "blackman_window", "eye", "full", "hamming_window", "hann_window", "kaiser_window",
             "linspace", "logspace", "rand", "randn", "randint", "randperm", "range",
             "tril_indices", "triu_indices", "zeros", "asarray", "tensor", "as_tensor",
             "scalar_tensor")
    fns = {getattr(torch, n) for n in names if hasattr(torch, n)}
    fns.update((torch.fft.fftfreq, torch.fft.rfftfreq))
    return fns


class DeviceContext(TorchFunctionMode):
    """Give ``device`` to factory calls that name none, while on the function-mode stack."""

    def __init__(self, device) -> None:
        self.device = torch.device(device)
        self.prev_mode = None

    def __enter__(self):
        global CURRENT_DEVICE
        self.old_device = CURRENT_DEVICE
        CURRENT_DEVICE = self.device
        # (at the bottom of the stack: leaving a mode entered later must not pop this one)
        stack = [_pop_mode() for _ in range(_len_torch_function_stack())]
        _push_mode(self)
        for mode in reversed(stack):
            if isinstance(mode, DeviceContext):
                self.prev_mode = mode
            else:
                _push_mode(mode)

    def __exit__(self, exc_type, exc_val, exc_tb):
        global CURRENT_DEVICE
        CURRENT_DEVICE = self.old_device
        above = []
        for _ in range(_len_torch_function_stack() - 1):
            mode = _pop_mode()
            if isinstance(mode, DeviceContext):
                raise AssertionError(
                    "Found nested DeviceContext on the mode stack where none expected")
            above.append(mode)
        if _len_torch_function_stack() > 0:
            mode = _pop_mode()
            if not isinstance(mode, DeviceContext):
                raise AssertionError("Expected a DeviceContext at the bottom of the mode stack")
        if self.prev_mode is not None:
            _push_mode(self.prev_mode)
        for mode in reversed(above):
            _push_mode(mode)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _device_constructors() and kwargs.get("device") is None:
            kwargs["device"] = self.device
        return func(*args, **kwargs)
