"""``torch.autograd.profiler``: the legacy profiler's names, over ``kindling.profiler``
(which records the ops a dispatch mode sees)."""
from __future__ import annotations

from ..profiler import EventList, FunctionEvent, FunctionEventAvg, record_function  # noqa: F401
from .. import profiler as _profiler

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile(_profiler.profile):
    """``torch.autograd.profiler.profile(enabled=True, *, record_shapes=False, ...)``: the
    legacy signature (``enabled`` first, CPU only)."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
                 with_flops=False, profile_memory=False, with_stack=False,
                 with_modules=False, use_kineto=False, use_cpu=True, experimental_config=None,
                 acc_events=False, custom_trace_id_callback=None):
        if use_cuda or use_device not in (None, "cpu"):
            raise NotImplementedError("torch.autograd.profiler.profile: only the CPU is "
                                      "profiled in kindling (use_cuda/use_device)")
        super().__init__(record_shapes=record_shapes, profile_memory=profile_memory,
                         with_stack=with_stack, with_flops=with_flops,
                         with_modules=with_modules, acc_events=acc_events, enabled=enabled)

    @property
    def function_events(self):
        return self._events
