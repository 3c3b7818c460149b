"""``torch.autograd.profiler``: the legacy profiler's names, over ``kindling.profiler``
(which records the ops a dispatch mode sees and the nodes the engine runs)."""
from __future__ import annotations

from ..profiler import record_function  # noqa: F401
from .. import profiler as _profiler
from .profiler_util import EventList, FunctionEvent, FunctionEventAvg  # noqa: F401

__all__ = ["profile", "record_function", "emit_itt", "emit_nvtx", "EventList", "FunctionEvent",
           "FunctionEventAvg"]


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
        self.use_device = None

    @property
    def function_events(self):
        return self._events

    def __str__(self):
        return str(self._events) if self._stopped else "<unfinished torch.autograd.profile>"

    def __repr__(self):
        return repr(self._events) if self._stopped else "<unfinished torch.autograd.profile>"

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False):
        return self._events.table(sort_by=sort_by, row_limit=row_limit,
                                  max_src_column_width=max_src_column_width,
                                  max_name_column_width=max_name_column_width,
                                  max_shapes_column_width=max_shapes_column_width,
                                  header=header, top_level_events_only=top_level_events_only)

    table.__doc__ = EventList.table.__doc__

    def total_average(self):
        return self._events.total_average()

    @property
    def self_cpu_time_total(self):
        """The sum of every event's self CPU time."""
        return self._events.self_cpu_time_total

    def export_chrome_trace(self, path):
        return self._events.export_chrome_trace(path)


class emit_nvtx:
    """``torch.autograd.profiler.emit_nvtx(enabled=True, record_shapes=False)``: NVTX ranges
    need CUDA, so entering an enabled one fails as in a PyTorch build without CUDA."""

    def __init__(self, enabled=True, record_shapes=False):
        self.enabled = enabled
        self.record_shapes = record_shapes

    def __enter__(self):
        if self.enabled:
            raise AssertionError("Torch not compiled with CUDA enabled")
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        return False


class emit_itt:
    """``torch.autograd.profiler.emit_itt(enabled=True, record_shapes=False)``: kindling
    cannot emit Intel ITT ranges (``torch.profiler.itt.is_available()`` is ``False``)."""

    def __init__(self, enabled=True, record_shapes=False):
        self.enabled = enabled
        self.record_shapes = record_shapes

    def __enter__(self):
        if self.enabled:
            raise NotImplementedError("emit_itt: kindling does not emit Intel ITT (VTune) "
                                      "ranges")
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        return False
