"""``torch.profiler``: per-op counts and times, recorded by a dispatch mode.

    with kindling.profiler.profile() as prof:
        model(x)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

Every op that reaches the dispatcher's Python key while the profiler is on becomes an event
(``aten::add``); ops a kernel issues are recorded as its children, so *self* time excludes
them.  Composite ops show up as the ops they decompose into, as under any dispatch mode.
Backward adds an ``autograd::engine::evaluate_function: <node>`` range and a ``<node>`` range
per node run, and ``record_function`` a named range (see ``_recorder``).
"""
from __future__ import annotations

import enum
import functools

from ..autograd.profiler_util import EventList, FunctionEvent, FunctionEventAvg  # noqa: F401
from . import _recorder
from ._record_ops import record_function_enter, record_function_exit  # noqa: F401

__all__ = ["profile", "record_function", "ProfilerActivity", "tensorboard_trace_handler"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 1
    XPU = 2
    MTIA = 3


class profile:
    """Record every op run inside ``with profile() as prof:``; ``prof.key_averages()``."""

    def __init__(self, activities=None, *, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, experimental_config=None,
                 execution_trace_observer=None, acc_events=False, use_cuda=None,
                 enabled=True):
        self.activities = set(activities) if activities else {ProfilerActivity.CPU}
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_flops = with_flops
        self.with_stack = with_stack
        self.on_trace_ready = on_trace_ready
        self.enabled = enabled
        self._rec = _recorder.Recording()
        self._rec.events._tree_built = True  # (children are linked while recording)
        self._mode = None
        self._stopped = False

    @property
    def _events(self):
        return self._rec.events

    def start(self):
        if not self.enabled:
            return
        self._rec = _recorder.Recording()
        self._rec.events._tree_built = True
        self._stopped = False
        _recorder.start(self)
        self._mode = _recorder.ProfilerMode(self)
        self._mode.__enter__()

    def stop(self):
        if self._mode is not None:
            self._mode.__exit__(None, None, None)
            self._mode = None
            _recorder.stop(self)
            self._stopped = True
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def step(self):
        pass

    def events(self):
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        return self._events.key_averages(group_by_input_shape, group_by_stack_n,
                                         group_by_overload_name)

    def export_chrome_trace(self, path):
        events = [{"name": e.name, "ph": "X", "ts": e.time_range.start,
                   "dur": e.cpu_time_total, "pid": 0, "tid": e.thread, "cat": "cpu_op"}
                  for e in self._events]
        import json  # (here: json costs ``import kindling`` a millisecond)
        with open(path, "w") as f:
            json.dump({"traceEvents": events}, f)


class record_function:
    """Mark a named range (context manager or function decorator): it becomes an event whose
    children are the ops run inside."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self.run_callbacks_on_exit = True
        self._range = None

    def __enter__(self):
        self._range = _recorder.open_user_range(self.name)
        return self

    def __exit__(self, *exc):
        if self.run_callbacks_on_exit:
            _recorder.close_user_range(self._range)
            self._range = None
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return wrapped


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    import os

    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        prof.export_chrome_trace(os.path.join(dir_name, f"{worker_name or 'trace'}.json"))
    return handler


def __getattr__(name):
    # torch.profiler.itt loads at first use (it is not needed at import)
    if name == "itt":
        import importlib
        return importlib.import_module(f"{__name__}.itt")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
