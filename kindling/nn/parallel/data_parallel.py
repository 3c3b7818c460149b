"""``torch.nn.parallel.data_parallel``: single-process data parallelism over accelerator
devices. Without an accelerator (always, in kindling) ``DataParallel`` just calls its
module and ``data_parallel`` raises PyTorch's error."""
from __future__ import annotations

from typing import Generic, TypeVar

import kindling as torch
from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]

T = TypeVar("T", bound=Module)


def _available_device_type():
    """The accelerator type PyTorch would split batches over, or None (no accelerator)."""
    if torch.cuda.is_available():
        return "cuda"
    return None


def _no_multi_device(what):
    raise NotImplementedError(f"kindling: {what} over accelerator devices is not implemented "
                              "(kindling has no CUDA kernels)")


class DataParallel(Module, Generic[T]):
    """Wraps ``module`` (registered as ``module``, so state-dict keys start with
    ``module.``). PyTorch scatters each batch over ``device_ids`` along ``dim``; with no
    accelerator available, as here, ``device_ids`` is ``[]`` and ``forward`` calls
    ``module`` directly."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if _available_device_type() is None:
            self.module = module
            self.device_ids = []
            return
        _no_multi_device("DataParallel")

    def forward(self, *inputs, **kwargs):
        """``module(*inputs, **kwargs)`` (recorded as ``DataParallel.forward`` for the
        profiler)."""
        with torch.profiler.record_function("DataParallel.forward"):
            if not self.device_ids:
                return self.module(*inputs, **kwargs)
            _no_multi_device("DataParallel.forward")

    def replicate(self, module, device_ids):
        """Copies of ``module`` on each device (needs an accelerator)."""
        _no_multi_device("DataParallel.replicate")

    def scatter(self, inputs, kwargs, device_ids):
        """``inputs`` and ``kwargs`` split over the devices (needs an accelerator)."""
        _no_multi_device("DataParallel.scatter")

    def parallel_apply(self, replicas, inputs, kwargs):
        """Each replica run on its share (needs an accelerator)."""
        _no_multi_device("DataParallel.parallel_apply")

    def gather(self, outputs, output_device):
        """Outputs collected on ``output_device`` (needs an accelerator)."""
        _no_multi_device("DataParallel.gather")


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """The functional form of ``DataParallel``: ``module(*inputs, **module_kwargs)`` with the
    batch split over ``device_ids``. It needs an accelerator: without one it raises
    ``RuntimeError('device type could not be determined')`` as PyTorch's CPU build does."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    if _available_device_type() is None:
        raise RuntimeError("device type could not be determined")
    _no_multi_device("data_parallel")
