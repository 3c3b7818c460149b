"""``torch.profiler``: per-op counts and times, recorded by a dispatch mode.

    with kindling.profiler.profile() as prof:
        model(x)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

Every op that reaches the dispatcher's Python key while the profiler is on becomes an event
(``aten::add``); ops a kernel issues are recorded as its children, so *self* time excludes
them.  Composite ops show up as the ops they decompose into, as under any dispatch mode.
"""
from __future__ import annotations

import enum
import json
import time

from .._dispatcher.operator import compute_keyset
from .._dispatcher.python_fallback import BELOW_PYTHON
from .._tensor import Tensor
from ..utils._python_dispatch import TorchDispatchMode

__all__ = ["profile", "record_function", "ProfilerActivity", "FunctionEvent",
           "FunctionEventAvg", "EventList"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 1
    XPU = 2
    MTIA = 3


class FunctionEvent:
    """One op call (or ``record_function`` range): times in microseconds."""

    def __init__(self, name, start_us, input_shapes=None, parent=None):
        self.name = self.key = name
        self.start_us = start_us
        self.end_us = start_us
        self.input_shapes = input_shapes or []
        self.parent = parent
        self.cpu_children = []
        self.count = 1

    @property
    def cpu_time_total(self):
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_time(self):
        return self.cpu_time_total

    def __repr__(self):
        return (f"<FunctionEvent name={self.name} cpu_time_total={self.cpu_time_total:.3f}us "
                f"self_cpu_time_total={self.self_cpu_time_total:.3f}us>")


class FunctionEventAvg:
    """Events with the same key, added up."""

    def __init__(self, key, input_shapes=None):
        self.key = key
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.input_shapes = input_shapes

    def add(self, ev):
        self.count += ev.count
        self.cpu_time_total += ev.cpu_time_total
        self.self_cpu_time_total += ev.self_cpu_time_total
        return self

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total:.3f}us"
                f" cpu_time={self.cpu_time:.3f}us input_shapes={self.input_shapes} "
                f"count={self.count}>")


def _fmt_us(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


class EventList(list):
    """A list of events with PyTorch's summary helpers."""

    def key_averages(self, group_by_input_shape=False):
        groups = {}
        for ev in self:
            k = (ev.key, str(ev.input_shapes)) if group_by_input_shape else ev.key
            g = groups.get(k)
            if g is None:
                g = groups[k] = FunctionEventAvg(
                    ev.key, ev.input_shapes if group_by_input_shape else None)
            g.add(ev)
        return EventList(groups.values())

    @property
    def self_cpu_time_total(self):
        return sum(ev.self_cpu_time_total for ev in self)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False):
        """A text table: name, self/total CPU time and share, average, call count."""
        rows = list(self)
        if sort_by is not None:
            key = sort_by.replace("cpu_time_total", "cpu_time_total")
            rows.sort(key=lambda e: getattr(e, key, 0), reverse=True)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        total_self = sum(e.self_cpu_time_total for e in self) or 1e-12
        show_shapes = any(getattr(e, "input_shapes", None) for e in rows)
        name_w = min(max([len(e.key) for e in rows] + [4]) + 2, max_name_column_width)
        cols = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
                "# of Calls"]
        widths = [name_w] + [12] * len(cols)
        if show_shapes:
            cols.append("Input Shapes")
            widths.append(min(max([len(str(e.input_shapes)) for e in rows] + [12]) + 2,
                              max_shapes_column_width))
        sep = "  ".join("-" * w for w in widths) + "  "
        head = "Name".rjust(widths[0]) + "  " + "  ".join(
            c.rjust(w) for c, w in zip(cols, widths[1:])) + "  "
        lines = []
        if header:
            lines.append("=" * len(sep))
            lines.append(header)
        lines += [sep, head, sep]
        for e in rows:
            name = e.key if len(e.key) <= name_w else e.key[:name_w - 3] + "..."
            cells = [f"{100 * e.self_cpu_time_total / total_self:.2f}%",
                     _fmt_us(e.self_cpu_time_total),
                     f"{100 * e.cpu_time_total / total_self:.2f}%",
                     _fmt_us(e.cpu_time_total), _fmt_us(e.cpu_time), str(e.count)]
            if show_shapes:
                cells.append(str(e.input_shapes)[:widths[-1]])
            lines.append(name.rjust(widths[0]) + "  " + "  ".join(
                c.rjust(w) for c, w in zip(cells, widths[1:])) + "  ")
        lines.append(sep)
        lines.append(f"Self CPU time total: {_fmt_us(total_self if self else 0.0)}")
        return "\n".join(lines) + "\n"

    def export_chrome_trace(self, path):
        events = [{"name": e.name, "ph": "X", "ts": e.start_us, "dur": e.cpu_time_total,
                   "pid": 0, "tid": 0, "cat": "cpu_op"} for e in self]
        with open(path, "w") as f:
            json.dump({"traceEvents": events}, f)


def _shapes(args):
    out = []
    for a in args:
        if isinstance(a, Tensor):
            out.append(list(a.shape))
        elif isinstance(a, (list, tuple)) and a and all(isinstance(t, Tensor) for t in a):
            out.append([list(t.shape) for t in a])
        else:
            out.append([])
    return out


_active: list = []  # profilers currently recording (record_function reports to them)


class _ProfilerMode(TorchDispatchMode):
    def __init__(self, prof):
        super().__init__()
        self.prof = prof

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        prof = self.prof
        ev = FunctionEvent(f"{func.namespace}::{func._opname}", 0.0,
                           _shapes(args) if prof.record_shapes else None, prof._stack[-1]
                           if prof._stack else None)
        if ev.parent is not None:
            ev.parent.cpu_children.append(ev)
        prof._events.append(ev)
        prof._stack.append(ev)
        ev.start_us = (time.perf_counter_ns() - prof._t0) / 1e3
        try:
            if types:  # subclass arguments: their handlers compute the op
                return func(*args, **kwargs)
            # Run the kernel below the Python key with this mode back on, so ops it issues
            # are recorded as children.
            ks = compute_keyset(func._entry, args, kwargs, Tensor) & BELOW_PYTHON
            with self:
                return func.redispatch(ks, *args, **kwargs)
        finally:
            ev.end_us = (time.perf_counter_ns() - prof._t0) / 1e3
            prof._stack.pop()


class profile:
    """Record every op run inside ``with profile() as prof:``; ``prof.key_averages()``."""

    def __init__(self, activities=None, *, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, experimental_config=None,
                 execution_trace_observer=None, acc_events=False, use_cuda=None,
                 enabled=True):
        self.activities = set(activities) if activities else {ProfilerActivity.CPU}
        self.record_shapes = record_shapes
        self.on_trace_ready = on_trace_ready
        self.enabled = enabled
        self._events = EventList()
        self._stack = []
        self._mode = None
        self._t0 = 0

    def start(self):
        if not self.enabled:
            return
        self._t0 = time.perf_counter_ns()
        self._mode = _ProfilerMode(self)
        self._mode.__enter__()
        _active.append(self)

    def stop(self):
        if self._mode is not None:
            self._mode.__exit__(None, None, None)
            self._mode = None
            _active.remove(self)
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

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        return self._events.key_averages(group_by_input_shape)

    def export_chrome_trace(self, path):
        self._events.export_chrome_trace(path)


class record_function:
    """Mark a named range: it becomes an event whose children are the ops run inside."""

    def __init__(self, name, args=None):
        self.name = name
        self._ev = None

    def __enter__(self):
        if _active:
            prof = _active[-1]
            parent = prof._stack[-1] if prof._stack else None
            ev = FunctionEvent(self.name, (time.perf_counter_ns() - prof._t0) / 1e3,
                               parent=parent)
            if parent is not None:
                parent.cpu_children.append(ev)
            prof._events.append(ev)
            prof._stack.append(ev)
            self._ev = (prof, ev)
        return self

    def __exit__(self, *exc):
        if self._ev is not None:
            prof, ev = self._ev
            ev.end_us = (time.perf_counter_ns() - prof._t0) / 1e3
            if prof._stack and prof._stack[-1] is ev:
                prof._stack.pop()
        return False


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    import os

    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        prof.export_chrome_trace(os.path.join(dir_name, f"{worker_name or 'trace'}.json"))
    return handler
