"""How the profiler records: a dispatch mode times every op, the engine reports each backward
node it runs, ``record_function`` opens named ranges; all become ``FunctionEvent``s of the
profilers that are on (``_active``).

Sequence numbers follow PyTorch's RecordFunction: an op whose call reached an Autograd key in
grad mode carries the number the autograd counter would hand out next (so an op that records
a node carries its node's number, and backward events carry their node's); ops called inside
other kernels, factories, and the ``*_like``/``new_*`` factories (which PyTorch's autograd
falls through) carry -1.  While a profiler is on, every Autograd slot of the dispatch
tables is wrapped to note that number; the mode picks it up when the op reaches the Python key.
"""
from __future__ import annotations

import itertools
import threading
import time

from .._dispatcher import operator as _opreg
from .._dispatcher.keys import AUTOGRAD_BITS
from .._dispatcher.operator import compute_keyset
from .._dispatcher.python_fallback import BELOW_PYTHON
from .._dispatcher.tls import state as _dispatch_tls
from .._tensor import Tensor
from ..autograd import engine as _engine, graph as _graph
from ..autograd.profiler_util import (BACKWARD_FUNCTION_SCOPE, USER_SCOPE, EventList,
                                      FunctionEvent)
from ..utils._python_dispatch import TorchDispatchMode

_active: list = []  # profilers recording, innermost last
_lock = threading.Lock()

# ---- thread ids: 1, 2, ... in order of first use (RecordFunction::currentThreadId) -------------
_tls = threading.local()
_next_tid = itertools.count(1)


def thread_id():
    tid = getattr(_tls, "tid", None)
    if tid is None:
        tid = _tls.tid = next(_next_tid)
    return tid


# ---- sequence numbers ----------------------------------------------------------------------------
def _peek_seq():
    """The number the next autograd node will get (without taking it)."""
    return int(repr(_graph._seq_counter)[len("count("):-1])


def _noting_seq(entry, fn):
    def autograd_kernel(ks, *args, **kwargs):
        _tls.pending = (entry, _peek_seq()) if _dispatch_tls.grad_enabled else None
        return fn(ks, *args, **kwargs)
    autograd_kernel.__wrapped__ = fn
    return autograd_kernel


_AUTOGRAD_SLOTS = [i for i in range(AUTOGRAD_BITS.bit_length()) if AUTOGRAD_BITS >> i & 1]


# (composite ops without a derivative: in PyTorch their Autograd key falls through)
_NO_AUTOGRAD_KERNEL = frozenset(f"aten::{n}" for n in (
    "empty_like", "ones_like", "full_like", "zeros_like", "rand_like", "randn_like",
    "new_empty", "new_empty_strided", "new_full", "new_zeros", "new_ones"))


def _recording_composite(entry, fn):
    """A CompositeImplicit kernel that records its op as an event (PyTorch's RecordFunction
    sees the op before it decomposes; the Python key only sees the pieces)."""
    def composite_kernel(ks, *args, **kwargs):
        if not _active:
            return fn(ks, *args, **kwargs)
        prof = _active[-1]
        rec = prof._rec
        ev = rec.open(entry.name, input_shapes=_shapes(args) if prof.record_shapes else None)
        try:
            return fn(ks, *args, **kwargs)
        finally:
            rec.close(ev)
    composite_kernel.__wrapped__ = fn
    return composite_kernel


def _wrap_autograd_slots(entry):
    if entry.name in _NO_AUTOGRAD_KERNEL:
        return
    table = entry.table
    for i in _AUTOGRAD_SLOTS:
        src = entry.sources[i]
        if src is not None and not src[0].fallthrough:
            if src[1] == "math kernel":
                table[i] = _recording_composite(entry, table[i])
            else:
                table[i] = _noting_seq(entry, table[i])


def take_seq(entry):
    """The sequence number noted for a call of ``entry`` that went through autograd, else
    -1 (nested calls and factories)."""
    pending = getattr(_tls, "pending", None)
    if pending is None:
        return -1
    _tls.pending = None
    return pending[1] if pending[0] is entry else -1


def _signed(seq):
    return seq - (1 << 64) if seq >= 1 << 63 else seq  # (AccumulateGrad's UINT64_MAX: -1)


# ---- starting and stopping -------------------------------------------------------------------------
def start(prof):
    with _lock:
        _active.append(prof)
        if len(_active) == 1:
            _opreg.table_hooks.append(_wrap_autograd_slots)
            _opreg._recompute_all()
            _engine.node_events = node_events


def stop(prof):
    with _lock:
        _active.remove(prof)
        if not _active:
            _engine.node_events = None
            _opreg.table_hooks.remove(_wrap_autograd_slots)
            _opreg._recompute_all()
    _tls.pending = None


def enabled():
    return bool(_active)


# ---- events -----------------------------------------------------------------------------------------
class Recording:
    """One profiler's events: ``open`` a range (a child of the innermost open one), ``close``
    it."""

    def __init__(self):
        self.events = EventList()
        self.stack = []
        self.t0 = time.perf_counter_ns()
        self._ids = itertools.count(1)

    def now(self):
        return (time.perf_counter_ns() - self.t0) / 1e3

    def open(self, name, *, seq=-1, fwd_thread=0, scope=0, input_shapes=None,
             user_annotation=False):
        t = self.now()
        ev = FunctionEvent(next(self._ids), name, thread_id(), t, t, overload_name="",
                           fwd_thread=fwd_thread, input_shapes=input_shapes or [], stack=[],
                           scope=scope, sequence_nr=seq, trace_name=name, concrete_inputs=[],
                           kwinputs={}, is_user_annotation=user_annotation)
        if self.stack:
            parent = self.stack[-1]
            parent.append_cpu_child(ev)
            ev.set_cpu_parent(parent)
        self.events.append(ev)
        self.stack.append(ev)
        return ev

    def close(self, ev):
        ev.time_range.end = self.now()
        if self.stack and self.stack[-1] is ev:
            self.stack.pop()
        elif ev in self.stack:  # (ranges closed out of order)
            self.stack.remove(ev)


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


class ProfilerMode(TorchDispatchMode):
    """Times every op that reaches the Python key; ops its kernel calls become children."""

    def __init__(self, prof):
        super().__init__()
        self.prof = prof

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func.namespace == "profiler":  # (the record_function ops themselves)
            return func(*args, **kwargs)
        prof = self.prof
        rec = prof._rec
        ev = rec.open(f"{func.namespace}::{func._opname}", seq=take_seq(func._entry),
                      input_shapes=_shapes(args) if prof.record_shapes else None)
        try:
            if types:  # subclass arguments: their handlers compute the op
                return func(*args, **kwargs)
            # Run the kernel below the Python key with this mode back on, so ops it issues
            # are recorded as children.
            ks = compute_keyset(func._entry, args, kwargs, Tensor) & BELOW_PYTHON
            with self:
                return func.redispatch(ks, *args, **kwargs)
        finally:
            rec.close(ev)


def node_events(node, prev):
    """The engine's report: ``node`` starts running (None: the backward is over); ``prev`` is
    what the previous report returned, whose ranges end now."""
    if prev is not None:
        rec, outer, inner = prev
        rec.close(inner)
        rec.close(outer)
    if node is None or not _active:
        return None
    rec = _active[-1]._rec
    seq = _signed(node._seq)
    fwd = thread_id() if seq >= 0 else 0  # (nodes do not keep their forward thread)
    name = node.name()
    outer = rec.open("autograd::engine::evaluate_function: " + name, seq=seq,
                     fwd_thread=fwd)
    inner = rec.open(name, seq=seq, fwd_thread=fwd, scope=BACKWARD_FUNCTION_SCOPE)
    return rec, outer, inner


def open_user_range(name):
    """A ``record_function`` range in the innermost recording profiler (None when off)."""
    if not _active:
        return None
    rec = _active[-1]._rec
    return rec, rec.open(name, scope=USER_SCOPE, user_annotation=True)


def close_user_range(handle):
    if handle is not None:
        rec, ev = handle
        rec.close(ev)
