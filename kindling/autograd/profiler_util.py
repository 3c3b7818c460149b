"""``torch.autograd.profiler_util``: the profiler's events and their summaries.

A ``FunctionEvent`` is one timed range (an op call, a backward node, a ``record_function``
block) with its thread, sequence number and children; an ``EventList`` holds them and builds
tables, averages per key (``FunctionEventAvg``) and Chrome traces.  Only CPU events exist in
kindling; device times and memory usage are always zero.
"""
from __future__ import annotations

import enum
import itertools
from collections import defaultdict, namedtuple

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "Interval", "Kernel",
           "DeviceType", "FormattedTimesMixin"]


class DeviceType(enum.IntEnum):
    """c10's device types (what ``FunctionEvent.device_type`` holds)."""

    CPU = 0
    CUDA = 1
    MKLDNN = 2
    OPENGL = 3
    OPENCL = 4
    IDEEP = 5
    HIP = 6
    FPGA = 7
    MAIA = 8
    XLA = 9
    Vulkan = 10
    Metal = 11
    XPU = 12
    MPS = 13
    Meta = 14
    HPU = 15
    VE = 16
    Lazy = 17
    IPU = 18
    MTIA = 19
    PrivateUse1 = 20

    def __str__(self):
        return f"DeviceType.{self.name}"


# at::RecordScope values that events carry in ``scope``
FUNCTION_SCOPE, BACKWARD_FUNCTION_SCOPE, USER_SCOPE = 0, 1, 7


def _format_time(time_us):
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us, total_time_us):
    if total_time_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_time_us:.2f}%"


def _time_str(attr):
    return property(lambda self: _format_time(getattr(self, attr)))


class FormattedTimesMixin:
    """``cpu_time`` (the average per call) and the ``*_str`` spellings of the times."""

    cpu_time_str = _time_str("cpu_time")
    device_time_str = _time_str("device_time")
    cpu_time_total_str = _time_str("cpu_time_total")
    device_time_total_str = _time_str("device_time_total")
    self_cpu_time_total_str = _time_str("self_cpu_time_total")
    self_device_time_total_str = _time_str("self_device_time_total")

    @property
    def cpu_time(self):
        return 0.0 if self.count == 0 else 1.0 * self.cpu_time_total / self.count

    @property
    def device_time(self):
        return 0.0 if self.count == 0 else 1.0 * self.device_time_total / self.count


class Interval:
    """A time range in microseconds."""

    def __init__(self, start, end):
        self.start = start
        self.end = end

    def elapsed_us(self):
        return self.end - self.start


Kernel = namedtuple("Kernel", ["name", "device", "duration"])


class FunctionEvent(FormattedTimesMixin):
    """One profiled range: an op call, a backward node, a ``record_function`` block."""

    def __init__(self, id, name, thread, start_us, end_us, overload_name=None,
                 fwd_thread=None, input_shapes=None, stack=None, scope=0, use_device=None,
                 cpu_memory_usage=0, device_memory_usage=0, is_async=False, is_remote=False,
                 sequence_nr=-1, node_id=-1, device_type=DeviceType.CPU, device_index=0,
                 device_resource_id=None, is_legacy=False, flops=None, trace_name=None,
                 concrete_inputs=None, kwinputs=None, is_user_annotation=False):
        self.id = id
        self.node_id = node_id
        self.name = name
        self.overload_name = overload_name
        self.trace_name = trace_name
        self.time_range = Interval(start_us, end_us)
        self.thread = thread
        self.fwd_thread = fwd_thread
        self.kernels = []
        self.count = 1
        self.cpu_children = []
        self.cpu_parent = None
        self.input_shapes = input_shapes
        self.concrete_inputs = concrete_inputs
        self.kwinputs = kwinputs
        self.stack = stack
        self.scope = scope
        self.use_device = use_device
        self.cpu_memory_usage = cpu_memory_usage
        self.device_memory_usage = device_memory_usage
        self.is_async = is_async
        self.is_remote = is_remote
        self.sequence_nr = sequence_nr
        self.device_type = device_type
        self.device_index = device_index
        self.device_resource_id = thread if device_resource_id is None else device_resource_id
        self.is_legacy = is_legacy
        self.flops = flops
        self.is_user_annotation = is_user_annotation
        self.self_cpu_percent = -1
        self.total_cpu_percent = -1
        self.total_device_percent = -1

    def append_kernel(self, name, device, duration):
        self.kernels.append(Kernel(name, device, duration))

    def append_cpu_child(self, child):
        """Add a direct child (only direct ones, or self times come out wrong)."""
        if not isinstance(child, FunctionEvent):
            raise AssertionError("Expected child to be a FunctionEvent")
        self.cpu_children.append(child)

    def set_cpu_parent(self, parent):
        """Set the direct parent: the event whose range holds this one."""
        if not isinstance(parent, FunctionEvent):
            raise AssertionError("Expected parent to be a FunctionEvent")
        self.cpu_parent = parent

    @property
    def self_cpu_memory_usage(self):
        if self.is_async or self.device_type != DeviceType.CPU:
            return 0
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.cpu_children)

    @property
    def self_device_memory_usage(self):
        if self.is_async or self.device_type != DeviceType.CPU:
            return 0
        return self.device_memory_usage - sum(c.device_memory_usage
                                              for c in self.cpu_children)

    @property
    def cpu_time_total(self):
        return self.time_range.elapsed_us() if self.device_type == DeviceType.CPU else 0

    @property
    def self_cpu_time_total(self):
        if self.is_async or self.device_type != DeviceType.CPU:
            return 0
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def device_time_total(self):
        if self.is_async or not self.use_device:
            return 0
        return sum(k.duration for k in self.kernels) + sum(
            c.device_time_total for c in self.cpu_children)

    @property
    def self_device_time_total(self):
        if self.is_async or not self.use_device:
            return 0
        return self.device_time_total - sum(c.device_time_total for c in self.cpu_children)

    @property
    def key(self):
        return self.name

    def __repr__(self):
        dev = self.use_device
        return (f"<FunctionEvent id={self.id} name={self.name} overload_name="
                f"{self.overload_name} device_type={self.device_type} node_id={self.node_id} "
                f"cpu_time={self.cpu_time_str} start_us={self.time_range.start} end_us="
                f"{self.time_range.end} cpu_children={[c.id for c in self.cpu_children]} "
                f"{dev}_time={self.device_time_str} name={self.name} thread={self.thread} "
                f"input_shapes={self.input_shapes} cpu_memory_usage={self.cpu_memory_usage} "
                f"{dev}_memory_usage={self.device_memory_usage} is_async={self.is_async} "
                f"is_remote={self.is_remote} seq_nr={self.sequence_nr} "
                f"is_legacy={self.is_legacy}>")


class FunctionEventAvg(FormattedTimesMixin):
    """Events (or other averages) with one key, added up with ``add``."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.node_id = 0
        self.is_async = False
        self.is_remote = False
        self.use_device = None
        self.cpu_time_total = 0
        self.device_time_total = 0
        self.self_cpu_time_total = 0
        self.self_device_time_total = 0
        self.input_shapes = None
        self.overload_name = None
        self.stack = None
        self.scope = None
        self.cpu_memory_usage = 0
        self.device_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.self_device_memory_usage = 0
        self.cpu_children = None
        self.cpu_parent = None
        self.device_type = DeviceType.CPU
        self.is_legacy = False
        self.flops = 0

    def add(self, other):
        if self.key is None:  # the first one added gives the descriptive fields
            for f in ("key", "node_id", "is_async", "is_remote", "cpu_parent", "cpu_children",
                      "overload_name", "input_shapes", "stack", "scope", "device_type",
                      "is_legacy", "use_device", "is_user_annotation"):
                setattr(self, f, getattr(other, f))
        if not isinstance(other, (FunctionEvent, FunctionEventAvg)):
            raise AssertionError("Expected other to be a FunctionEvent or FunctionEventAvg")
        if other.key != self.key:
            raise AssertionError(f"Expected keys to match, but got {other.key} vs {self.key}")
        for f in ("cpu_time_total", "device_time_total", "self_cpu_time_total",
                  "self_device_time_total", "cpu_memory_usage", "device_memory_usage",
                  "self_cpu_memory_usage", "self_device_memory_usage", "count"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        if self.flops is None:
            self.flops = other.flops
        elif other.flops is not None:
            self.flops += other.flops
        return self

    def __iadd__(self, other):
        return self.add(other)

    def __repr__(self):
        dev = self.use_device or "cuda"
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str}"
                f" cpu_time={self.cpu_time_str}  self_{dev}_time="
                f"{self.self_device_time_total_str} {dev}_time={self.device_time_str} "
                f"input_shapes={self.input_shapes} cpu_memory_usage={self.cpu_memory_usage} "
                f"{dev}_memory_usage={self.device_memory_usage}>")


class EventList(list):
    """A list of events with summaries: ``table``, ``key_averages``, ``total_average``,
    ``export_chrome_trace``."""

    def __init__(self, *args, use_device=None, profile_memory=False, with_flops=False):
        super().__init__(*args)
        self._use_device = use_device
        self._profile_memory = profile_memory
        self._with_flops = with_flops
        self._tree_built = False

    def _build_tree(self):
        self._populate_cpu_children()
        self._remove_dup_nodes()
        self._tree_built = True

    def __str__(self):
        return self.table()

    def _populate_cpu_children(self):
        """Make each event a child of the innermost event of its thread whose range holds
        it (ranges that only overlap are not nested)."""
        cpu = [e for e in self if not e.is_async and e.device_type == DeviceType.CPU]
        cpu.sort(key=lambda e: e.thread)
        for _, events in itertools.groupby(cpu, key=lambda e: (e.thread, e.node_id)):
            open_ = []
            for ev in sorted(events, key=lambda e: (e.time_range.start, -e.time_range.end)):
                while open_:
                    parent = open_[-1]
                    if ev.time_range.start >= parent.time_range.end or \
                            ev.time_range.end > parent.time_range.end:
                        open_.pop()
                        continue
                    parent.append_cpu_child(ev)
                    if ev.cpu_parent is not None:
                        raise AssertionError(
                            f"There is already a CPU parent event for {ev.key}")
                    ev.set_cpu_parent(parent)
                    break
                open_.append(ev)

    def _remove_dup_nodes(self):
        """Fold an event into its parent when it is the parent's only child and has its
        name (an op that redispatches to itself)."""
        while True:
            dup = set()
            for i, ev in enumerate(self):
                p = ev.cpu_parent
                if p is not None and p.name == ev.name and len(p.cpu_children) == 1:
                    p.cpu_children = ev.cpu_children
                    p.kernels = ev.kernels
                    for c in ev.cpu_children:
                        c.cpu_parent = p
                    dup.add(i)
            if not dup:
                return
            kept = [ev for i, ev in enumerate(self) if i not in dup]
            self.clear()
            self.extend(kept)

    @property
    def self_cpu_time_total(self):
        return sum(ev.self_cpu_time_total for ev in self)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False, time_unit=None):
        """The events as a text table (one row each, in order or sorted by ``sort_by``)."""
        return _build_table(self, sort_by=sort_by, header=header, row_limit=row_limit,
                            max_src_column_width=max_src_column_width,
                            max_name_column_width=max_name_column_width,
                            max_shapes_column_width=max_shapes_column_width,
                            top_level_events_only=top_level_events_only, time_unit=time_unit)

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace (``chrome://tracing``)."""
        events = [{"name": e.trace_name, "ph": "X", "ts": e.time_range.start,
                   "dur": e.time_range.elapsed_us(),
                   "tid": e.thread if not e.is_remote else
                   f" node_id:{e.node_id}, thread_id:{e.thread} ",
                   "pid": "CPU functions", "args": {}}
                  for e in self if e.trace_name is not None]
        import json  # (here: json costs ``import kindling`` a millisecond)
        with open(path, "w") as f:
            json.dump(events, f)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        """A ``FunctionEventAvg`` per key (and input shapes, stack top, overload name when
        asked), in order of first appearance."""
        if not self._tree_built:
            raise AssertionError("Expected tree to be built before calling key_averages")
        stats = defaultdict(FunctionEventAvg)
        for ev in self:
            k = [str(ev.key), str(ev.node_id), str(ev.device_type), str(ev.is_legacy),
                 str(ev.is_user_annotation)]
            if group_by_overload_name:
                k.append(ev.overload_name)
            if group_by_input_shapes:
                k.append(str(ev.input_shapes))
            if group_by_stack_n > 0:
                k += ev.stack[:group_by_stack_n]
            stats[tuple(k)].add(ev)
        avgs = EventList(stats.values(), use_device=self._use_device,
                         profile_memory=self._profile_memory, with_flops=self._with_flops)
        for avg in avgs:
            avg.stack = avg.stack[:group_by_stack_n]
            if not group_by_input_shapes:
                avg.input_shapes = ""
            if not group_by_overload_name:
                avg.overload_name = ""
        return avgs

    def total_average(self):
        """Every event added into one ``FunctionEventAvg`` keyed ``"Total"``."""
        total = FunctionEventAvg()
        for ev in self:
            total += ev
            total.key = None
        total.key = "Total"
        return total


def _in_unit(time_us, unit):
    if unit == "s":
        return f"{time_us / 1e6:.3f}s"
    if unit == "ms":
        return f"{time_us / 1e3:.3f}ms"
    if unit == "us":
        return f"{time_us:.3f}us"
    return _format_time(time_us)


def _build_table(events, sort_by=None, header=None, row_limit=100, max_src_column_width=75,
                 max_name_column_width=55, max_shapes_column_width=80,
                 top_level_events_only=False, time_unit=None):
    """PyTorch's profiler table for CPU events: right-aligned columns two spaces apart."""
    if len(events) == 0:
        return ""
    if sort_by is not None:
        attr = sort_by.replace("cuda", "device").replace("xpu", "device").replace(
            "privateuse1", "device")
        events = sorted(events, key=lambda e: getattr(e, attr), reverse=True)
    has_shapes = any(e.input_shapes is not None and len(e.input_shapes) > 0 for e in events)
    has_overloads = any(e.overload_name is not None and len(e.overload_name) > 0
                        for e in events)
    stacks = [e.stack for e in events if e.stack is not None and len(e.stack) > 0]
    name_w = max(len(e.key) for e in events) + 4
    if max_name_column_width is not None:
        name_w = min(name_w, max_name_column_width)
    shapes_w = max(len(str(e.input_shapes)) for e in events) + 4
    if max_shapes_column_width is not None:
        shapes_w = min(shapes_w, max_shapes_column_width)
    heads = ["Name"] + (["Overload Name"] if has_overloads else []) + [
        "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    widths = [name_w] * (1 + has_overloads) + [12] * (len(heads) - 1 - has_overloads)
    node_ids = any(e.node_id != -1 for e in events)
    if node_ids:
        heads.append("Node ID")
        widths.append(12)
    aligns = [">"] * len(heads)
    if has_shapes:
        heads.append("Input Shapes")
        widths.append(shapes_w)
        aligns.append(">")
    if stacks:
        src_w = max(len(s) for st in stacks for s in st) + 4
        if max_src_column_width is not None:
            src_w = min(src_w, max_src_column_width)
        heads.append("Source Location")
        widths.append(src_w)
        aligns.append("<")

    def row(cells):
        return "".join(f"{str(c):{a}{w}}  " for c, w, a in zip(cells, widths, aligns))

    sep = "".join("-" * w + "  " for w in widths)
    line_len = sum(w + 2 for w in widths) - 2
    total = sum(e.self_cpu_time_total for e in events)
    out = []
    if header is not None:
        out += ["=" * line_len, header]
    if top_level_events_only:
        out += ["=" * line_len, "This report only display top-level ops statistics"]
    out += [sep, row(heads), sep]

    def trim(path):
        if len(path) > src_w:
            path = path[len(path) - src_w:]
            if len(path) > 3:
                path = "..." + path[3:]
        return path

    shown = 0
    for e in events:
        if shown == row_limit:
            break
        if top_level_events_only and e.cpu_parent is not None:
            continue
        shown += 1
        name = e.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        e.self_cpu_percent = _format_time_share(e.self_cpu_time_total, total)
        e.total_cpu_percent = _format_time_share(e.cpu_time_total, total) \
            if not e.is_async else 0
        cells = [name]
        if has_overloads:
            ov = e.overload_name
            if max_name_column_width is not None and len(ov) >= max_name_column_width - 3:
                ov = ov[:max_name_column_width - 3] + "..."
            cells.append(ov)
        cells += [e.self_cpu_percent, _in_unit(e.self_cpu_time_total, time_unit),
                  e.total_cpu_percent, _in_unit(e.cpu_time_total, time_unit),
                  _in_unit(e.cpu_time, time_unit), e.count]
        if node_ids:
            cells.append(e.node_id)
        if has_shapes:
            cells.append(str(e.input_shapes)[:shapes_w])
        if stacks:
            cells.append(trim(e.stack[0]) if e.stack else "")
        out.append(row(cells))
        if stacks:
            blank = [""] * (len(heads) - 1)
            for entry in (e.stack or [])[1:]:
                out.append(row(blank + [trim(entry)]))
            out.append(row(blank + [""]))
    out += [sep, f"Self CPU time total: {_in_unit(total, time_unit)}"]
    return "\n".join(out) + "\n"
