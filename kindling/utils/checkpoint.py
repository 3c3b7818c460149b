"""``torch.utils.checkpoint``: activation checkpointing (trade compute for memory).

``checkpoint(fn, *args, use_reentrant=...)`` runs ``fn`` without keeping the tensors its ops
save for backward; backward recomputes them by running ``fn`` again.  Two implementations,
as in PyTorch:

* **reentrant** (``use_reentrant=True``): a custom ``autograd.Function`` runs ``fn`` under
  ``no_grad`` and, in its ``backward``, runs it again with grad enabled and calls
  ``autograd.backward`` on the result from inside the engine (a reentrant backward).  Only
  ``.backward()`` without ``inputs=`` is supported.
* **non-reentrant** (``use_reentrant=False``): ``fn`` runs with grad enabled under a
  ``saved_tensors_hooks`` pair.  The pack hook keeps a small *holder* instead of each saved
  tensor; the first unpack in a backward (one per graph task) reruns ``fn`` under a second
  hook pair that fills the holders, and stops the rerun as soon as the last holder is filled
  (*early stop*).  Checkpoints nest: a checkpoint's inputs are saved tensors of the enclosing
  one, so unpacking them recomputes the outer region first.

Selective activation checkpointing (``create_selective_checkpoint_contexts``) is a pair of
``TorchDispatchMode``s: in the forward one records, per op and call index, the outputs the
policy says to save; during recomputation the other returns them instead of rerunning the op.

RNG: with ``preserve_rng_state=True`` (the default) the CPU generator's state is stashed when
the forward runs and restored, inside ``torch.random.fork_rng``, around the recomputation, so
random ops (dropout...) draw the same values again and the caller's stream is left as it was.
kindling has no device generators: ``get_device_states``/``set_device_states`` have nothing to
return or set.
"""
from __future__ import annotations

import contextlib
import enum
import re
import threading
import traceback as _traceback
import uuid
import warnings
import weakref
from collections import defaultdict

import kindling as torch
from kindling.utils._pytree import tree_map
from kindling.utils._python_dispatch import TorchDispatchMode
from kindling.autograd.graph import SavedVariable, saved_tensors_hooks

__all__ = [
    "checkpoint",
    "checkpoint_sequential",
    "CheckpointError",
    "CheckpointFunction",
    "check_backward_validity",
    "detach_variable",
    "get_device_states",
    "set_device_states",
    "noop_context_fn",
    "set_checkpoint_early_stop",
    "DefaultDeviceType",
    "set_checkpoint_debug_enabled",
    "CheckpointPolicy",
    "SelectiveCheckpointContext",
    "create_selective_checkpoint_contexts",
    "SAC_IGNORED_OPS",
    "GraphExecGroup",
]

_DEFAULT_DETERMINISM_MODE = "default"


# ---- global switches ---------------------------------------------------------------------------
_checkpoint_debug_enabled = None
_enable_checkpoint_early_stop = None


@contextlib.contextmanager
def set_checkpoint_debug_enabled(enabled):
    """Within the block, ``enabled`` (True/False) overrides every checkpoint's ``debug=``
    argument; ``None`` defers to the argument."""
    global _checkpoint_debug_enabled
    prev = _checkpoint_debug_enabled
    _checkpoint_debug_enabled = enabled
    try:
        yield
    finally:
        _checkpoint_debug_enabled = prev


@contextlib.contextmanager
def set_checkpoint_early_stop(enable):
    """Whether non-reentrant checkpoints *run* inside the block stop recomputing as soon as
    every needed tensor is recomputed (overrides their ``early_stop=``).  It only needs to be
    active during the forward: the checkpoint remembers the setting for its backward."""
    global _enable_checkpoint_early_stop
    prev = _enable_checkpoint_early_stop
    _enable_checkpoint_early_stop = enable
    try:
        yield
    finally:
        _enable_checkpoint_early_stop = prev


class CheckpointError(RuntimeError):
    pass


# ---- small helpers (PyTorch's public helper names) ----------------------------------------------
def detach_variable(inputs):
    """Detach every tensor of the tuple ``inputs``, keeping its ``requires_grad``."""
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for inp in inputs:
        if isinstance(inp, torch.Tensor):
            d = inp.detach()
            d.requires_grad = inp.requires_grad
            inp = d
        out.append(inp)
    return tuple(out)


def check_backward_validity(inputs):
    if not any(i.requires_grad for i in inputs if isinstance(i, torch.Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=2)


class DefaultDeviceType:
    """The device type whose state checkpoint would save when no non-CPU tensor is among the
    arguments.  kindling has no accelerator, so it defaults to ``"cpu"`` (as PyTorch's does
    on a machine without one)."""

    _default_device_type = None

    @staticmethod
    def set_device_type(device="cuda"):
        DefaultDeviceType._default_device_type = device

    @staticmethod
    def get_device_type():
        if not DefaultDeviceType._default_device_type:
            DefaultDeviceType._default_device_type = "cpu"
        return DefaultDeviceType._default_device_type


def _infer_device_type(*args):
    types = []

    def visit(a):
        if isinstance(a, torch.Tensor) and a.device.type != "cpu":
            types.append(a.device.type)
        return a
    tree_map(visit, args)
    distinct = set(types)
    if len(distinct) > 1:
        warnings.warn(
            "Tensor arguments, excluding CPU tensors, are detected on at least two types of "
            "devices. Device state will only be saved for devices of a single device type, and "
            "the remaining devices will be ignored. Consequently, if any checkpointed functions "
            "involve randomness, this may result in incorrect gradients. (Note that if CUDA "
            "devices are among the devices detected, it will be prioritized; otherwise, the "
            "first device encountered will be selected.)"
            f"\nDevice types: {sorted(distinct)} first device type: {types[0]}", stacklevel=2)
    if not types:
        return DefaultDeviceType.get_device_type()
    return "cuda" if "cuda" in distinct else types[0]


def get_device_states(*args):
    """``(device ids, RNG states)`` of the accelerator devices of the tensor arguments.
    kindling has no accelerator RNG: always ``([], [])``."""
    return [], []


def set_device_states(devices, states, *, device_type=None):
    """Restore accelerator RNG states: nothing to restore in kindling (see the module doc)."""
    return None


def _autocast_state():
    """The CPU autocast settings now in force, to re-enter them for the recomputation."""
    return {"enabled": torch.is_autocast_enabled("cpu"),
            "dtype": torch.get_autocast_dtype("cpu"),
            "cache_enabled": torch.is_autocast_cache_enabled()}


def _autocast_ctx(state):
    return torch.autocast("cpu", **state)


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


# ---- the reentrant variant ------------------------------------------------------------------------
_ERR_REENTRANT_GRAD = (
    "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or passing "
    "an `inputs` parameter to .backward(). To resolve this error, you can either set "
    "use_reentrant=False, or call .backward() without passing the `inputs` argument.")


class CheckpointFunction(torch.autograd.Function):
    """Reentrant checkpoint: forward runs ``run_function`` under ``no_grad``; backward reruns
    it with grad and backpropagates through the new graph from inside the engine."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        if preserve_rng_state:
            ctx.fwd_cpu_state = torch.get_rng_state()
        ctx.device_type = _infer_device_type(*args)
        ctx.autocast_state = _autocast_state()
        # non-tensor arguments stay in ctx; tensors are saved (placeholders None here)
        ctx.inputs, ctx.tensor_indices, tensors = [], [], []
        for i, a in enumerate(args):
            if isinstance(a, torch.Tensor):
                tensors.append(a)
                ctx.tensor_indices.append(i)
                ctx.inputs.append(None)
            else:
                ctx.inputs.append(a)
        ctx.save_for_backward(*tensors)
        with torch.no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        if not torch.autograd._is_checkpoint_valid():
            raise RuntimeError(_ERR_REENTRANT_GRAD)
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        with torch.random.fork_rng(devices=[], enabled=ctx.preserve_rng_state):
            if ctx.preserve_rng_state:
                torch.set_rng_state(ctx.fwd_cpu_state)
            detached = detach_variable(tuple(inputs))
            with torch.enable_grad(), _autocast_ctx(ctx.autocast_state):
                outputs = ctx.run_function(*detached)
        if isinstance(outputs, torch.Tensor):
            outputs = (outputs,)
        outs, out_grads = [], []
        for o, g in zip(outputs, grads):
            if isinstance(o, torch.Tensor) and o.requires_grad:
                outs.append(o)
                out_grads.append(g)
        if not outs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is "
                               "not necessary")
        torch.autograd.backward(outs, out_grads)
        return (None, None) + tuple(d.grad if isinstance(d, torch.Tensor) else None
                                    for d in detached)


# ---- the entry points ------------------------------------------------------------------------------
_ERR_SUPPRESSED = (
    "torch.utils.checkpoint: the forward context provided by context_fn suppressed an "
    "exception raised during the checkpointed forward. This is not supported because "
    "checkpoint cannot return a value for a failed forward.")


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn,
               determinism_check=_DEFAULT_DETERMINISM_MODE, debug=False, early_stop=True,
               **kwargs):
    """Run ``function(*args, **kwargs)`` without keeping its intermediate activations; they are
    recomputed in backward.

    ``use_reentrant`` should be given (a warning says so otherwise; ``True`` is then used).
    ``use_reentrant=False`` (recommended) supports ``autograd.grad``, ``inputs=``, keyword
    arguments, nested checkpoints, ``context_fn`` (a callable returning the contexts the
    forward and the recomputation run under), ``determinism_check`` (``"default"``: shapes,
    dtypes and devices of recomputed tensors must match the forward's; ``"none"``), ``debug``
    (errors show the ops of both runs) and ``early_stop``.

    ``preserve_rng_state`` (keyword, default True): the recomputation draws random numbers
    from the CPU generator's state as it was when the forward ran.
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    region = _NonReentrantRegion(function, preserve, context_fn, determinism_check, debug,
                                 early_stop, args, kwargs)
    region.enter()
    try:
        out = function(*args, **kwargs)
    except BaseException as e:
        if region.exit(e):  # the forward context swallowed the exception
            raise RuntimeError(_ERR_SUPPRESSED)  # noqa: B904 (PyTorch chains it implicitly)
        raise
    region.exit(None)
    return out


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` (a list of callables or a module with ``children()``) one after the
    other on ``input``, checkpointing all but the last of ``segments`` equal chunks."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should "
            "be passed explicitly. In version 2.9 we will raise an exception if use_reentrant "
            "is not passed. use_reentrant=False is recommended, but if you need to preserve "
            "the current default behavior, you can pass use_reentrant=True. Refer to docs for "
            "more details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    sequential = getattr(torch.nn, "Sequential", None)  # (nn's modules are not built yet)
    if sequential is not None and isinstance(functions, sequential):
        functions = list(functions.children())
    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)


# ---- the non-reentrant variant ----------------------------------------------------------------------
def _internal_assert(cond):
    if not cond:
        raise AssertionError("Something went unexpectedly wrong in activation checkpoint. "
                             "Please report this bug by filing an issue to PyTorch.")


class _Handle:
    """The key of one recomputed tensor in one backward (graph task)."""


class _Holder:
    """What the pack hook keeps instead of a saved tensor: per graph task id, the handle of
    its recomputed value (None once unpacked).  Alive exactly as long as the saved slot is."""

    def __init__(self):
        self.handles = {}


_DEBUG_TIP = """
Tip: To see a more detailed error message, either pass `debug=True` to
`torch.utils.checkpoint.checkpoint(...)` or wrap the code block
with `with torch.utils.checkpoint.set_checkpoint_debug_enabled(True):` to
enable checkpoint\u2011debug mode globally.

If this error occurs under torch.compile with automatic_dynamic_shapes enabled,
it may be because the recomputation selected a different compiled graph than the
forward pass (e.g., a dynamic graph instead of the original static graph).
To fix this, either:
  - Use torch._dynamo.mark_dynamic() to explicitly mark varying dimensions as
    dynamic upfront, avoiding the static-to-dynamic transition.
  - Call torch._C._dynamo.eval_frame._set_lru_cache(False) to disable LRU cache
    reordering, which can change which graph is checked first between forward
    and recompute.
See https://github.com/pytorch/pytorch/issues/166926 for more details and
workaround examples.
"""


class _Frame:
    """The state of one non-reentrant checkpoint region (PyTorch's ``_CheckpointFrame``)."""

    def __init__(self, recompute_fn, early_stop, unpack_error_cb, metadata_fn):
        self.recompute_fn = recompute_fn
        self.early_stop = early_stop
        self.unpack_error_cb = unpack_error_cb
        self.metadata_fn = metadata_fn
        self.saved_args = []
        self.weak_holders = []        # one per tensor saved in the forward, in order
        self.x_metadatas = []         # their metadata (determinism check)
        # gid -> {handle: recomputed tensor}; weak keys so a freed holder drops its entry
        self.recomputed = defaultdict(weakref.WeakKeyDictionary)
        self.recomp_counter = defaultdict(int)
        self.is_recomputed = defaultdict(bool)
        self.forward_completed = False
        self.ignore_saved_mismatch = False

    def save_inputs(self, args):
        # Saved as saved tensors: inside an enclosing checkpoint they go through its hooks
        # (an inner checkpoint's inputs are tensors saved by the outer one).
        self.saved_args = [SavedVariable(a) if isinstance(a, torch.Tensor) else a
                           for a in args]

    def get_inputs(self):
        return [a.unpack() if isinstance(a, SavedVariable) else a for a in self.saved_args]

    def check_recomputed_tensors_match(self, gid):
        if self.ignore_saved_mismatch:
            return
        n_fwd, n_rec = len(self.weak_holders), self.recomp_counter[gid]
        if n_fwd != n_rec:
            raise CheckpointError(
                "torch.utils.checkpoint: A different number of tensors was saved during the "
                "original forward and recomputation.\n"
                f"Number of tensors saved during forward: {n_fwd}\n"
                f"Number of tensors saved during recomputation: {n_rec}.\n{_DEBUG_TIP}")
        different = []
        for idx, ref in enumerate(self.weak_holders):
            holder = ref()
            if holder is None:
                continue
            _internal_assert(gid in holder.handles)
            handle = holder.handles[gid]
            _internal_assert(handle is not None)
            _internal_assert(handle in self.recomputed[gid])
            saved_meta = self.x_metadatas[idx]
            new_meta = self.metadata_fn(self.recomputed[gid][handle])
            if saved_meta != new_meta:
                different.append((idx, saved_meta, new_meta))
        if different:
            lines = "".join(f"tensor at position {i}:\nsaved metadata: {a}\n"
                            f"recomputed metadata: {b}\n" for i, a, b in different)
            raise CheckpointError(
                "torch.utils.checkpoint: Recomputed values for the following tensors have "
                f"different metadata than during the forward pass.\n{lines}.\n{_DEBUG_TIP}")


class _StopRecomputationError(Exception):
    """Raised by the recomputation's pack hook once every needed tensor is recomputed."""


class _recomputation_hook(saved_tensors_hooks):
    """The hooks the recomputation runs under: each saved tensor fills the next holder."""

    def __init__(self, frame_ref, gid):
        def pack_hook(x):
            x = x.detach() if x.requires_grad else x
            frame = frame_ref()
            if frame is None:
                raise AssertionError("Internal error: target_frame reference is None")
            idx = frame.recomp_counter[gid]
            frame.recomp_counter[gid] += 1
            if idx >= len(frame.weak_holders):
                if frame.early_stop:
                    raise AssertionError("Unexpected state: target_frame.early_stop is set")
                if not frame.forward_completed:
                    # a backward inside the checkpointed function, early stop off
                    frame.ignore_saved_mismatch = True
                    return x
                raise CheckpointError(
                    "torch.utils.checkpoint: trying to save more tensors during recomputation "
                    f"than during the original forward pass.\n{_DEBUG_TIP}")
            holder = frame.weak_holders[idx]()
            if holder is not None:  # (None: freed by a backward inside the forward)
                _internal_assert(holder.handles.get(gid) is None)
                h = holder.handles[gid] = _Handle()
                frame.recomputed[gid][h] = x
            if frame.early_stop and frame.recomp_counter[gid] == len(frame.weak_holders):
                raise _StopRecomputationError
            # a backward through the recomputed graph (inside the function) uses x itself
            return x

        super().__init__(pack_hook, lambda x: x)


# GraphExecGroup: the group a backward runs under, per thread (torch._C._get_graph_exec_group)
_group_tls = threading.local()


def _get_graph_exec_group():
    return getattr(_group_tls, "group", None)


def _set_graph_exec_group(group):
    _group_tls.group = group


class GraphExecGroup:
    """Within the block, the backward calls recompute each checkpointed region at most once
    (they share one recomputation, as a single backward would); they must then not need the
    same saved activation.  Only affects ``use_reentrant=False``."""

    def __enter__(self):
        cur = _get_graph_exec_group()
        if cur is not None:
            raise RuntimeError(f"GraphExecGroup contexts cannot be nested. Already inside "
                               f"group {cur}")
        _set_graph_exec_group(self)
        return self

    def __exit__(self, *args):
        _set_graph_exec_group(None)

    @classmethod
    def _get_current_group(cls):
        return _get_graph_exec_group()


class _checkpoint_hook(saved_tensors_hooks):
    """The hooks the checkpointed forward runs under: tensors are not kept, holders are."""

    def __init__(self, frame):
        def pack_hook(x):
            holder = _Holder()
            frame.weak_holders.append(weakref.ref(holder))
            if frame.metadata_fn is not None:
                with torch.no_grad():
                    frame.x_metadatas.append(frame.metadata_fn(x))
            return holder

        def unpack_hook(holder):
            gid = GraphExecGroup._get_current_group()
            if gid is None:
                gid = torch._C._current_graph_task_id()
                if gid == -1:  # unpacked outside backward: a one-off id
                    gid = int(uuid.uuid4())
            if not frame.is_recomputed[gid]:
                args = frame.get_inputs()
                try:
                    with _recomputation_hook(weakref.ref(frame), gid), torch.enable_grad():
                        frame.recompute_fn(*args)
                except _StopRecomputationError:
                    pass
                frame.is_recomputed[gid] = True
                frame.check_recomputed_tensors_match(gid)
            _internal_assert(gid in holder.handles)
            handle = holder.handles[gid]
            if handle is None:
                extra = ""
                if _get_graph_exec_group() is not None:
                    extra = ("Performing two backward calls that overlap (i.e. require the "
                             "same saved activation in order to compute gradients) is not "
                             "allowed while under the torch.utils.checkpoint.GraphExecGroup "
                             "context. ")
                raise CheckpointError(
                    "torch.utils.checkpoint: Unpack is being triggered for a tensor that was "
                    f"already unpacked once. {extra}If you are calling ctx.saved_tensors in "
                    "backward, make sure to do so only once. Otherwise please open an issue "
                    "with details on your use case.")
            _internal_assert(handle in frame.recomputed[gid])
            out = frame.recomputed[gid][handle]
            holder.handles[gid] = None  # recomputed tensors live for one unpack (Rule 4)
            return out

        if frame.unpack_error_cb is not None:
            inner = unpack_hook

            def unpack_hook(holder):
                try:
                    return inner(holder)
                except CheckpointError as e:
                    frame.unpack_error_cb(e)

        super().__init__(pack_hook, unpack_hook)


def _default_meta_extractor(x):
    return {"shape": x.shape, "dtype": x.dtype, "device": x.device}


_allowed_determinism_checks_to_fns = {
    _DEFAULT_DETERMINISM_MODE: _default_meta_extractor,
    "none": lambda _: None,
}


class _NonReentrantRegion:
    """One call of non-reentrant ``checkpoint``: ``enter()`` before running the function,
    ``exit(exc)`` after it (``exc``: the exception it raised, or None; returns whether the
    forward context swallowed that exception)."""

    def __init__(self, fn, preserve_rng_state, context_fn, determinism_check, debug,
                 early_stop, args, kwargs):
        unpack_error_cb = None
        if _checkpoint_debug_enabled if _checkpoint_debug_enabled is not None else debug:
            if context_fn is not noop_context_fn:
                raise ValueError("debug=True is incompatible with non-default context_fn")
            context_fn, unpack_error_cb = _get_debug_context_and_cb()
        if determinism_check not in _allowed_determinism_checks_to_fns:
            raise ValueError(
                "determinism_check should be one of "
                f"{list(_allowed_determinism_checks_to_fns.keys())}, but got {determinism_check}")
        metadata_fn = _allowed_determinism_checks_to_fns[determinism_check]
        _infer_device_type(*args)  # (its warning for tensors on several device types)
        self.forward_context, recompute_context = context_fn()
        autocast_state = _autocast_state()
        fwd_cpu_state = torch.get_rng_state() if preserve_rng_state else None

        def recompute_fn(*inputs):
            with torch.random.fork_rng(devices=[], enabled=preserve_rng_state):
                if preserve_rng_state:
                    torch.set_rng_state(fwd_cpu_state)
                with _autocast_ctx(autocast_state), recompute_context:
                    fn(*inputs, **kwargs)

        self.frame = _Frame(
            recompute_fn,
            _enable_checkpoint_early_stop if _enable_checkpoint_early_stop is not None
            else early_stop,
            unpack_error_cb, metadata_fn)
        self.args = args
        self.active = False

    def enter(self):
        if not torch.is_grad_enabled():  # nothing will be saved: run the function as is
            return
        self.frame.save_inputs(self.args)
        self.stack = contextlib.ExitStack()
        self.stack.enter_context(_checkpoint_hook(self.frame))
        self.stack.enter_context(self.forward_context)
        self.active = True

    def exit(self, exc):
        if not self.active:
            return False
        if exc is not None:
            return bool(self.stack.__exit__(type(exc), exc, exc.__traceback__))
        self.stack.__exit__(None, None, None)
        self.frame.forward_completed = True
        return False


# ---- debug mode ---------------------------------------------------------------------------------------
_checkpoint_error_template = """ \
An error happened while unpacking tensors; dumping logs of latest computation
because you passed `debug=True` to `torch.utils.checkpoint.checkpoint()`.
Scroll all the way down for guidance on how to navigate these logs.

+~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~+
|        1. Stack traces of the operators that ran in the original forward     |
+------------------------------------------------------------------------------+

{forward_traces}
+~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~+
|        2. Stack traces of the operators that ran during recomputation        |
+------------------------------------------------------------------------------+

{recompute_traces}
+~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~+
|       3. Log of operators in the original forward and recomputation          |
+------------------------------------------------------------------------------+
(Scroll up to correlate stack traces with each operation listed below. This
 helps identify their source in the code.)

IMPORTANT: Differences in "detach" calls between the original forward and the
           recomputation are expected. They are introduced by the checkpointing
           mechanism and can be ignored.

Operations executed during the original forward:

{forward_ops}

Operations executed during recomputation:

{recompute_ops}

+------------------------------------------------------------------------------+
 ERROR: Detected non-determinism while running activation checkpointing

 You are seeing this error because you passed `debug=True` to checkpoint and
 tensors to be saved during the original forward and differ between those saved
 during recomputation. This can happen if different operators were ran in the
 original forward and in the recomputation.

 To identify where the mismatch may be coming from, you can do the following:

 1) Compare the operators ran during original forward and recomputation to
    see where they differ. These operators are printed above in the order they
    were executed.

 2) Review the stack trace for each operator to locate its invocation source.
    Each operator's stack trace is printed in their execution order.

 Note that the logs can be quite long. Here's how they are structured:
 (Tip: you can Ctrl-f for these headers)

 1. Stack traces of the operators that ran in the original forward
 2. Stack traces of the operators that ran during recomputation
 3. Log of operators in the original forward and recomputation
 4. Error message                                             <--- You are here
--------------------------------------------------------------------------------
"""

_FRAME_LINE = re.compile(r'\s*File "(.*)", line (\d+), in (.*)')


def _frames(tb):
    """A captured stack as ``(filename, line, name)``, innermost first.  kindling's
    ``capture_logs`` records ``traceback.format_stack()`` text (outermost first)."""
    out = []
    for entry in tb or ():
        if isinstance(entry, dict):
            out.append((entry["filename"], entry["line"], entry["name"]))
            continue
        m = _FRAME_LINE.match(entry if isinstance(entry, str) else str(entry))
        if m:
            out.append((m.group(1), int(m.group(2)), m.group(3)))
    if tb and not isinstance(tb[0], dict):
        out.reverse()
    return out


def _get_debug_context_and_cb():
    """``(context_fn, unpack_error_cb)`` for ``debug=True``: both runs are logged with a
    ``LoggingTensorMode``; a ``CheckpointError`` at unpack is re-raised with both logs."""
    from kindling.testing._internal.logging_tensor import LoggingTensorMode, capture_logs

    class CaptureLogs:
        def __init__(self):
            self.logs = None
            self.tbs = None

        def get_context_manager(self):
            @contextlib.contextmanager
            def logging_mode():
                with LoggingTensorMode(), capture_logs(True, python_tb=True) as logs_and_tb:
                    self.logs, self.tbs = logs_and_tb
                    yield logs_and_tb
            return logging_mode()

    fwd, rec = CaptureLogs(), CaptureLogs()

    def traces(label, cap):
        out = ""
        n = len(cap.logs)
        for i, (log, tb) in enumerate(zip(cap.logs, cap.tbs)):
            out += f"{log}   ({i + 1} of {n} in {label})\n\n"
            found = False
            for filename, line, name in _frames(tb):
                if name == "__torch_dispatch__":
                    found = True
                    continue
                if found:
                    out += f"{filename}:{line}:{name}\n"
            out += "\n\n"
        return out

    def unpack_error_cb(e):
        if fwd.logs is None:
            raise AssertionError("capture_logs_fwd.logs is None")
        if rec.logs is None:
            raise AssertionError("capture_logs_recompute.logs is None")
        raise CheckpointError(_checkpoint_error_template.format(
            forward_traces=traces("original", fwd), recompute_traces=traces("recompute", rec),
            forward_ops="\n".join(fwd.logs), recompute_ops="\n".join(rec.logs))) from e

    def context_fn():
        return fwd.get_context_manager(), rec.get_context_manager()

    return context_fn, unpack_error_cb


# ---- selective activation checkpointing ---------------------------------------------------------------
class SelectiveCheckpointContext:
    """What a policy function receives: ``is_recompute`` (always False: the policy is only
    consulted in the forward) and ``op_output``."""

    def __init__(self, *, is_recompute, op_output=None):
        self.is_recompute = is_recompute
        self.op_output = op_output


class CheckpointPolicy(enum.Enum):
    """Per op: ``*_SAVE`` keeps its output from the forward, ``*_RECOMPUTE`` reruns it;
    ``*_CPU_OFFLOAD`` (offload to CPU) is a recompute here, as in PyTorch's eager SAC.
    ``MUST_*`` marks a choice other subsystems (compile) must not override."""

    MUST_SAVE = 0
    PREFER_SAVE = 1
    MUST_RECOMPUTE = 2
    PREFER_RECOMPUTE = 3
    MUST_CPU_OFFLOAD = 4
    PREFER_CPU_OFFLOAD = 5


def _policy_from_bool(b):
    return CheckpointPolicy.MUST_SAVE if b else CheckpointPolicy.PREFER_RECOMPUTE


def _sac_ignored_ops():
    aten, prim = torch.ops.aten, torch.ops.prim
    names = [(aten, "detach", "default"), (prim, "device", "default"),
             # FunctionalTensor.metadata_fns in PyTorch
             (aten, "is_contiguous", "default"), (aten, "is_contiguous", "memory_format"),
             (aten, "is_strides_like_format", "default"),
             (aten, "is_non_overlapping_and_dense", "default"), (aten, "size", "default"),
             (aten, "sym_size", "default"), (aten, "stride", "default"),
             (aten, "sym_stride", "default"), (aten, "storage_offset", "default"),
             (aten, "sym_storage_offset", "default"), (aten, "numel", "default"),
             (aten, "sym_numel", "default"), (aten, "dim", "default")]
    ops = set()
    for ns, name, overload in names:
        try:
            ops.add(getattr(getattr(ns, name), overload))
        except (AttributeError, RuntimeError):  # not declared in kindling
            pass
    return ops


SAC_IGNORED_OPS = _sac_ignored_ops()


class _VersionWrapper:
    """A cached output with the version it had, to detect mutation before it is reused."""

    def __init__(self, val):
        self.val = val
        self.version = val._version if isinstance(val, torch.Tensor) else None

    def get_val(self, allow_cache_entry_mutation):
        if self.version is not None and not allow_cache_entry_mutation:
            if self.val._version != self.version:
                raise RuntimeError(
                    "Tensor cached during selective activation checkpoint has been mutated")
        return self.val


def _detach_helper(x):
    # Detach with ADInplaceOrView enabled, so a cached view keeps its base's version counter
    # and comes back from the cached mode without autograd metadata.
    if isinstance(x, torch.Tensor):
        from kindling._dispatcher.tls import state
        from kindling._tensor import ADIOV_BIT
        prev = state.excluded
        state.excluded = prev & ~ADIOV_BIT
        try:
            x = x.detach()
        finally:
            state.excluded = prev
    return x


class _CachingTorchDispatchMode(TorchDispatchMode):
    """Forward half of SAC: asks the policy about every op and stores what must be saved."""

    @classmethod
    def ignore_compile_internals(cls):
        return True

    def __init__(self, policy_fn, storage):
        super().__init__()
        self.policy_fn = policy_fn
        self.storage = storage
        self.func_counter = defaultdict(int)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = {} if kwargs is None else kwargs
        if func in SAC_IGNORED_OPS:
            return func(*args, **kwargs)
        out = func(*args, **kwargs)
        idx = self.func_counter[func]
        self.func_counter[func] += 1
        policy = self.policy_fn(SelectiveCheckpointContext(is_recompute=False, op_output=out),
                                func, *args, **kwargs)
        if isinstance(policy, bool):
            policy = _policy_from_bool(policy)
        if policy in (CheckpointPolicy.MUST_SAVE, CheckpointPolicy.PREFER_SAVE):
            self.storage[func][idx] = tree_map(lambda x: _VersionWrapper(_detach_helper(x)),
                                               out)
        else:
            self.storage[func][idx] = _RECOMPUTE
        return out


_RECOMPUTE = object()
_CONSUMED = object()
_SAC_MISMATCH_MSG = (
    "This can happen if the operations in the checkpointed region are nondeterministic or "
    "depend on global state that changed between forward and backward.")


class _CachedTorchDispatchMode(TorchDispatchMode):
    """Recomputation half of SAC: returns the stored outputs instead of rerunning those ops."""

    @classmethod
    def ignore_compile_internals(cls):
        return True

    def __init__(self, policy_fn, storage, allow_cache_entry_mutation=False):
        super().__init__()
        self.storage = storage
        self.allow_cache_entry_mutation = allow_cache_entry_mutation
        self.func_counter = defaultdict(int)

    def __enter__(self):
        self.func_counter.clear()  # (a second backward: "backward an extra time")
        return super().__enter__()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = {} if kwargs is None else kwargs
        if func in SAC_IGNORED_OPS:
            return func(*args, **kwargs)
        idx = self.func_counter[func]
        self.func_counter[func] += 1
        per_func = self.storage.get(func)
        if per_func is None:
            raise RuntimeError(f"{func} encountered during backward but not found in storage. "
                               f"{_SAC_MISMATCH_MSG}")
        entry = per_func.get(idx)
        if entry is None:
            raise RuntimeError(f"{func} invocation index {idx} encountered during backward but "
                               f"not found in storage. {_SAC_MISMATCH_MSG}")
        if entry is _CONSUMED:
            raise RuntimeError("Trying to backward an extra time. You are only allowed to "
                               "backward once on any region computed under selective "
                               "activation checkpoint.")
        if entry is _RECOMPUTE:
            return func(*args, **kwargs)
        per_func[idx] = _CONSUMED
        return tree_map(lambda w: w.get_val(self.allow_cache_entry_mutation), entry)


def create_selective_checkpoint_contexts(policy_fn_or_list, allow_cache_entry_mutation=False):
    """The ``(forward, recompute)`` context pair for ``checkpoint(..., context_fn=...)`` that
    saves the outputs of the ops the policy picks instead of recomputing them.

    ``policy_fn_or_list``: ``policy(ctx, op, *args, **kwargs) -> CheckpointPolicy`` (or bool),
    or a list of ``OpOverload``s to save (all others are recomputed).  Cached tensors mutated
    before their reuse raise unless ``allow_cache_entry_mutation``.
    """
    from kindling._ops import HigherOrderOperator, OpOverload, OpOverloadPacket
    if isinstance(policy_fn_or_list, list):
        for op in policy_fn_or_list:
            if not isinstance(op, (OpOverload, HigherOrderOperator)):
                extra = ("Please update the OpOverloadPacket to a specific OpOverload.For "
                         "example, if you have `torch.ops.aten.mm`, change it to "
                         "`torch.ops.aten.mm.default`."
                         if isinstance(op, OpOverloadPacket) else "")
                raise ValueError(f"Expected op in `op_list` to be an OpOverload but got: {op} "
                                 f"of type {type(op)}. {extra}")
        ops = policy_fn_or_list

        def policy_fn(ctx, op, *args, **kwargs):
            return CheckpointPolicy.MUST_SAVE if op in ops else \
                CheckpointPolicy.PREFER_RECOMPUTE
    elif callable(policy_fn_or_list):
        policy_fn = policy_fn_or_list
    else:
        raise TypeError("policy_fn_or_list must be either a function or a list of ops.")
    storage = defaultdict(dict)
    return (_CachingTorchDispatchMode(policy_fn, storage),
            _CachedTorchDispatchMode(None, storage, allow_cache_entry_mutation))
