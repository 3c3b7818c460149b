"""The backward engine: dependency-counted execution of the graph from some roots.

``run_backward`` is what ``Tensor.backward``, ``autograd.backward`` and ``autograd.grad`` call.
It follows PyTorch's engine:

1. count, for every node reachable from the roots, how many edges lead to it;
2. when only some gradients are wanted (``inputs=``, ``autograd.grad``), mark the nodes on a
   path to them (``exec_info``); others are not run;
3. run ready nodes highest sequence number first (the most recently created), adding each
   output gradient into the input buffer of the node its edge leads to; a node becomes ready
   when its count drops to zero;
4. per node: tensor pre-hooks, retain_grad hooks, node pre-hooks, the node, shape/dtype
   validation of what it returned, node post-hooks; then, unless ``retain_graph``, free its
   saved tensors.
"""
from __future__ import annotations

import heapq
import itertools
import sys

from .. import _layout
from .._aten._ops_registry import aten
from .._aten._pointwise_util import FP_IGNORE, FP_STATE
from .._aten._util import is_expandable_to, sum_to_dims, warn_once
from .._ops import binary_caller, positional_caller
from .._dispatcher.tls import state as _tls
from .._tensor import Tensor
from . import _reentrant, graph as _graph
from .anomaly_mode import _anomaly
from .._dispatcher.keys import AUTOGRAD_BITS, FORMULA_MODE_BIT, PYTHON_BITS as _PYTHON_BITS
from ..overrides import ALL_DISABLED
from .derivatives import FW, INFERENCE_MODE, NO_GRAD_MODE, call_no_grad
from .graph import AccumulateGrad, _engine_state, gradient_edge
from . import array_engine as _array_engine, array_lane as _lane
from .array_lane import PLAIN_EXCLUDED as _PLAIN_EXCLUDED, PLAIN_INCLUDED as _PLAIN_INCLUDED

_task_ids = itertools.count(1)


class GraphTask:
    __slots__ = ("keep_graph", "create_graph", "exec_info", "captures", "captured", "id",
                 "reached", "callbacks", "roots")

    def __init__(self, keep_graph, create_graph):
        self.keep_graph = keep_graph
        self.create_graph = create_graph
        self.exec_info = None     # set of nodes to run, or None for "all"
        self.captures = None      # node -> [(input_nr, capture index)]
        self.captured = None
        self.id = next(_task_ids)
        self.reached = None
        self.callbacks = None  # queue_callback's functions, run when the graph is done
        self.roots = ()


def _current_task_id():
    t = _engine_state.task
    return t.id if t is not None else 0


class _ImperativeEngine:
    """``torch.autograd.Variable._execution_engine``: the engine's Python face."""

    def queue_callback(self, callback):
        """Run ``callback()`` when the running backward has finished its graph (callbacks it
        queues run too, in order)."""
        task = _engine_state.task
        if task is None:
            raise RuntimeError("Final callbacks can only be installed during backward pass.")
        if task.callbacks is None:
            task.callbacks = []
        task.callbacks.append(callback)

    def is_checkpoint_valid(self):
        """Whether reentrant checkpointing can work here: not inside a backward that only
        computes some gradients (``inputs=``, ``autograd.grad``)."""
        task = _engine_state.task
        return task is None or task.exec_info is None

    def run_backward(self, tensors, grad_tensors, keep_graph, create_graph, inputs=(),
                     allow_unreachable=False, accumulate_grad=True):
        from . import _engine_run_backward
        return _engine_run_backward(tensors, grad_tensors, keep_graph, create_graph, inputs,
                                    allow_unreachable, accumulate_grad)


execution_engine = _ImperativeEngine()


def _run_callbacks(task):
    """The running graph task's final callbacks, in the caller's state."""
    cbs = task.callbacks
    i = 0
    while i < len(cbs):  # (a callback may queue more)
        cbs[i]()
        i += 1


def _current_autograd_node():
    """The node the engine is running in this thread (``torch._C._current_autograd_node``),
    or None outside backward."""
    return _engine_state.node


def _current_graph_task_id():
    """The running graph task's id, or -1 outside backward."""
    t = _engine_state.task
    return t.id if t is not None else -1


def _get_current_graph_task_keep_graph():
    """Whether the running backward keeps its graph (``retain_graph``); True outside one."""
    t = _engine_state.task
    return t.keep_graph if t is not None else True


def _current_graph_task_execution_order():
    """The nodes the running backward executes, in the order it runs them: the engine's own
    schedule (a node is ready once every edge into it has delivered; the ready node with the
    highest sequence number runs first), simulated from the roots."""
    task = _engine_state.task
    if task is None:
        raise RuntimeError("_current_graph_task_execution_order should only be called during "
                           "the backward pass")
    if _tls.multithreading_enabled:
        raise RuntimeError(
            "get_current_graph_task_execution_order expects the current backward to be "
            "executed with multithreading disabled, e.g. by running:\n\n"
            ">>> with torch.autograd.set_multithreading_enabled(False):\n"
            "...     torch.autograd.grad(...)\n")
    ex = task.exec_info
    deps = _compute_dependencies(task.roots)
    out, heap, tie = [], [], itertools.count()
    for n in dict.fromkeys(task.roots):
        if n is not None and deps[n][0] == 0:
            heapq.heappush(heap, (-n._seq, next(tie), n))
    while heap:
        n = heapq.heappop(heap)[2]
        out.append(n)
        for nxt, _ in n._next:
            if nxt is None or ex is not None and nxt not in ex:
                continue
            d = deps[nxt]
            d[0] -= 1
            if d[0] == 0:
                heapq.heappush(heap, (-nxt._seq, next(tie), nxt))
    return out


def _will_engine_execute_node(node):
    """Whether the running backward will execute ``node`` (a grad_fn)."""
    from .graph import _Node
    if not isinstance(node, _Node):
        raise RuntimeError(f"_will_engine_execute_node expects an grad_fn, but got "
                           f"{type(node).__name__}")
    task = _engine_state.task
    if task is None:
        raise RuntimeError("_get_should_execute_nodes should only be called during the "
                           "backward pass")
    if node not in _reached(task):
        return False
    ex = task.exec_info
    if ex is None:
        return True
    if node not in ex:
        return False
    caps = task.captures
    if caps is not None and node in caps and not any(n is not None for n, _ in node._next):
        # (PyTorch: a node of topological_nr 0 that captures a gradient)
        raise RuntimeError("A leaf node was passed to _will_engine_execute_node but we are "
                           "currently running autograd.grad(). This is currently not "
                           "supported.")
    return True


def _task_will_reach(tensor):
    t = _engine_state.task
    if t is None:
        return True
    node = gradient_edge(tensor)[0]
    return node in _reached(t)


def _reached(task):
    """The nodes reachable from the task's roots (found when first asked: the graph's edges
    stay as they were while it runs)."""
    if task.reached is None:
        seen = set()
        stack = [n for n in task.roots if n is not None]
        seen.update(stack)
        while stack:
            for nxt, _ in stack.pop()._next:
                if nxt is not None and nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        task.reached = seen
    return task.reached


# ---- helpers on gradients --------------------------------------------------------------------
def _shape_str(s):
    return "[" + ", ".join(map(str, s)) + "]"


def validate_outputs(node, grads):
    """Sum gradients back to their input's shape, cast dtype (PyTorch's validate_outputs)."""
    nexts = node._next
    if len(grads) != len(nexts):
        raise RuntimeError(f"invalid number of gradients - expected {len(nexts)}, but got "
                           f"{len(grads)}")
    for i, ((nxt, nr), g) in enumerate(zip(nexts, grads)):
        if g is not None and nxt is not None:
            grads[i] = _validate_one(node, i, nxt, nr, g)
    return grads


def _validate_one(node, i, nxt, nr, g):
    """validate_outputs for the gradient ``g`` at index ``i`` flowing to edge ``(nxt, nr)``."""
    if not isinstance(g, Tensor):
        raise TypeError(f"expected Variable or None (got {type(g).__name__})")
    meta = nxt._meta[nr]
    if meta is None:
        return g
    shape, dtype, device = meta
    if g._size == shape and g.dtype is dtype and g._device is device:
        return g  # the common case: nothing to fix
    if g._size != shape:
        if not is_expandable_to(shape, g._size):
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{_shape_str(g._size)} but expected shape compatible with "
                f"{_shape_str(shape)}")
        g = sum_to(g, shape)
    if g.dtype is not dtype:
        if not g.dtype.is_floating_point and g.dtype.is_complex != dtype.is_complex:
            # (a complex gradient for a real input: formulas take the real part themselves)
            raise RuntimeError(
                "Expected isFloatingType(grad.scalar_type()) || (input_is_complex == "
                "grad_is_complex) to be true, but got false.  (Could this error message be "
                "improved?  If so, please report an enhancement request to PyTorch.)")
        if type(nxt) is not AccumulateGrad or \
                nxt.variable.__dict__.get("_grad_dtype", dtype) is not None:
            g = aten._to_copy.default(g, dtype=dtype)  # (not for a leaf whose grad_dtype is None)
    if g._device is not device and g._device != device and device.type != "meta" and \
            g._device.type != "meta":
        g = aten._to_copy.default(g, device=device)
    return g


def _validate_root(node, nr, g):
    """validate_outputs for a root gradient: its error messages name no function."""
    try:
        return _validate_one(node, 0, node, nr, g)
    except RuntimeError as e:
        prefix = f"Function {node.name()} returned an "
        if str(e).startswith(prefix):
            raise RuntimeError(str(e)[len(prefix):]) from None
        raise


def sum_to(g, shape):
    """Sum ``g`` over broadcast dims so it has ``shape`` (at::sum_to)."""
    shape = tuple(shape)
    if g._size == shape:
        return g
    if not shape:
        return _sum(g)  # (at::sum_to: a full sum to a 0-dim shape)
    dims = sum_to_dims(g._size, shape)
    if dims:
        r = _lane.sum_to_lane(g, dims, shape)
        if r is not None:
            return r
        g = _sum_dims(g, dims, True)
    if g._size != shape:
        g = _view(g, list(shape))  # (as at::sum_to: what ``sum(keepdim)`` gives always views)
    return g


# (the ops sum_to calls, through callers specialised to their argument types)
_sum_dims = positional_caller(aten.sum.dim_IntList, (Tensor, list, bool))
_sum = positional_caller(aten.sum.default, (Tensor,))
_view = positional_caller(aten.view.default, (Tensor, list))


def _add_grads(old, new):
    """Accumulate into an input buffer slot: ``old + new``, as PyTorch's InputBuffer does (a
    mode sees ``add.Tensor(old, new)``)."""
    return call_no_grad(_ADD, old, new)


_ADD = aten.add.Tensor
_ADD_ = aten.add_.Tensor
_add_formula_mode = binary_caller(_ADD)  # ``old + new`` inside the engine loop


# ---- accumulation into .grad --------------------------------------------------------------------
# References to a gradient we may steal (the input buffer slot and our locals) - more means
# someone else holds it and it must be copied.
_STEAL_REFS = 3


def _obeys_layout(g, var):
    """Whether ``g`` may become ``var.grad`` as is (PyTorch's obeys_layout_contract: for a
    dense ``var``, equal strides wherever a dim is not of size 1, and no zero stride at one;
    otherwise a contiguous ``g``)."""
    if g._size != var._size:
        return g.is_contiguous() and var.is_contiguous()
    a, b = g._np, var._np
    if a is not None and b is not None and not g._meta_slow and not var._meta_slow and \
            a.flags.c_contiguous and b.flags.c_contiguous and a.size and \
            (g._stride_ is None or 0 not in g._stride_):
        return True  # (the common case, read inline: both contiguous, no size-1 dim stride 0)
    if var.is_non_overlapping_and_dense():
        for n, gs, vs in zip(g._size, g.stride(), var.stride()):
            if n != 1:
                if gs != vs:
                    return False
            elif gs == 0:
                return False
        return True
    return g.is_contiguous()


def accumulate_grad(var, new_grad):
    """AccumulateGrad: ``var.grad = new_grad`` (stolen when no one else holds it), else add."""
    if new_grad is None:
        return
    old = var._grad
    if old is None:
        st = _tls
        if not st.grad_enabled and sys.getrefcount(new_grad) <= _STEAL_REFS and \
                new_grad._grad_node is None and not new_grad._requires_grad and \
                (_obeys_layout(new_grad, var) or not st.grad_layout_enforced):
            # PyTorch stores ``new_grad.detach()``; only a mode or a subclass could tell that
            # alias from the stolen tensor itself, so it is dispatched just for them
            # (_observed, inlined), and a view (``sum_to``'s, for a broadcast input) becomes
            # the alias that is no view
            if new_grad._ks & _PYTHON_BITS or st.dispatch_modes:
                var._grad = _aten_detach(new_grad)
            else:
                var._grad = new_grad if new_grad._base is None else non_view_alias(new_grad)
        else:
            var._grad = _clone_obey_contract(new_grad, var)
    elif not _tls.grad_enabled:
        call_no_grad(_ADD_, old, new_grad)
        _check_layout(old, var)
    else:
        old = aten.add.Tensor(old, new_grad)
        _check_layout(old, var)
        var._grad = old
    hooks = var.__dict__.get("_post_acc_hooks")
    if hooks:
        for h in list(hooks.values()):
            if h(var) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")


_aten_detach = aten.detach.default


def non_view_alias(t):
    """``t.detach()``'s result for a plain view ``t``, made without dispatch: a tensor of the
    same memory and version counter that is no view."""
    a = _graph.shallow_copy(t)
    d = a.__dict__
    d.pop("_base", None)
    d.pop("_xview", None)
    return a


def _observed(t):
    """Whether a detach of ``t`` would be seen: ``t`` has the Python key (a subclass with
    ``__torch_dispatch__``) or a dispatch mode is active."""
    return bool(t._ks & _PYTHON_BITS) or bool(_tls.dispatch_modes)


def _check_layout(grad, var):
    """PyTorch's check of an accumulated ``.grad`` (CHECK_RESULT in accumulate_grad.h): a
    warning, once per process, when it does not obey the gradient layout contract."""
    if _tls.grad_layout_enforced and not _obeys_layout(grad, var):
        warn_once("grad_layout_contract",
                  "grad and param do not obey the gradient layout contract. This is not an "
                  "error, but may impair performance.\n"
                  f"grad.sizes() = {_shape_str(grad._size)}, strides() = "
                  f"{_shape_str(grad.stride())}\n"
                  f"param.sizes() = {_shape_str(var._size)}, strides() = "
                  f"{_shape_str(var.stride())}")


def _clone_obey_contract(g, var):
    """A copy of ``g`` (of its own dtype) with ``var``'s strides when ``var`` is dense, else
    contiguous (clone_obey_contract)."""
    if var.is_non_overlapping_and_dense():
        out = aten.new_empty_strided.default(g, list(var._size), list(var.stride()),
                                             dtype=g.dtype, layout=_layout.strided,
                                             device=var.device)
        return aten.copy_.default(out, g)
    return aten.clone.default(g, memory_format=_layout.contiguous_format)


# ---- running ------------------------------------------------------------------------------------
def _call_hooks_before(node, grads):
    hk = node._hk
    if hk is None:
        return grads
    if hk.tensor_pre:
        _call_tensor_pre_hooks(hk.tensor_pre, grads)
    if hk.retains_grad:
        for nr, ref in hk.retains_grad.items():
            t = ref()
            if t is not None and nr < len(grads):
                _retain_grad_hook(t, grads[nr])
    if hk.pre:
        for h in list(hk.pre.values()):
            r = h(tuple(grads))
            if r is not None:
                grads = _check_hook_result(list(r), len(grads), "pre-hook")
    return grads


def _call_tensor_pre_hooks(tensor_pre, grads):
    """A node's tensor pre-hooks (``register_hook`` on its outputs), in place on ``grads``.
    As in PyTorch, a hook sees ``None`` for an output that got no gradient."""
    n = len(grads)
    for nr, d in tensor_pre.items():
        if nr < n:
            g = grads[nr]
            for h in list(d.values()):
                g = _tensor_hook(h, g)
            grads[nr] = g


def _call_leaf_tensor_hooks(node, grads):
    """An AccumulateGrad node's tensor pre-hooks are the leaf's ``register_hook`` hooks."""
    d = node.variable.__dict__.get("_hooks")
    if d:
        g = grads[0]
        for h in list(d.values()):
            g = _tensor_hook(h, g)
        grads[0] = g
    return grads


def _retain_grad_hook(t, grad):
    if grad is None:
        return
    if t._grad is None:
        t._grad = aten.clone.default(grad, memory_format=_layout.contiguous_format)
    else:
        t._grad = aten.add.Tensor(t._grad, grad)


def _tensor_hook(h, g):
    """Run a tensor hook; a replacement must keep the gradient's type, device and size."""
    r = h(g)
    if r is None:
        return g
    if g is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if not isinstance(r, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(r).__name__}'")
    name = _hook_name(h)
    if r.dtype is not g.dtype:
        from .graph import _legacy_type
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {_legacy_type(g)} "
                           f"got {_legacy_type(r)})")
    if r._device != g._device:
        raise RuntimeError(f"hook '{name}' has changed the device of value (was {g.device} got "
                           f"{r.device})")
    if tuple(r._size) != tuple(g._size):
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    return r


def _hook_name(h):
    """How PyTorch names a hook in its errors: its ``__name__`` if that is a str."""
    name = getattr(h, "__name__", None)
    return name if isinstance(name, str) else "<unknown>"


def _check_hook_result(r, n, what):
    if len(r) != n:
        raise RuntimeError(f"hook '{what}' has returned an incorrect number of values (got "
                           f"{len(r)}, but expected {n})")
    return r


def _run_formula(node, grads):
    """Run a node that evaluates aten formulas (``node._formula``) from the caller's state,
    in the engine's formula mode (see run_backward): no ``__torch_function__`` for its ops
    and, when no graph is being created, below autograd, with gradients that are views made
    there marked as views made with grad mode off.  (run_backward's main loop does the same
    inline.)"""
    task = _engine_state.task
    below = not (task is not None and task.create_graph) and not FW.active
    st = _tls
    prev_ex, prev_tf = st.excluded, st.torch_function_disabled
    st.torch_function_disabled = ALL_DISABLED
    if below:
        st.excluded = prev_ex | AUTOGRAD_BITS | FORMULA_MODE_BIT
    fp = FP_STATE.set(FP_IGNORE)
    try:
        outputs = node._run(grads)
    finally:
        st.excluded, st.torch_function_disabled = prev_ex, prev_tf
        FP_STATE.reset(fp)
    if below:
        for g in outputs:
            if isinstance(g, Tensor) and g._base is not None and g._view_meta is None:
                _mark_no_grad_view(g)
    return outputs


def call_function(node, grads):
    hk = node._hk
    is_acc = type(node) is AccumulateGrad
    if is_acc:
        grads = _call_leaf_tensor_hooks(node, grads)
    had_post = False
    if hk is not None:
        grads = _call_hooks_before(node, grads)
        had_post = bool(hk.post)
    if _anomaly.enabled:
        outputs = _anomaly_apply(node, grads)
    elif node._formula:
        outputs = _run_formula(node, grads)
    else:
        outputs = node._run(grads)
    if not is_acc:
        outputs = validate_outputs(node, outputs if type(outputs) is list else list(outputs))
    hk = node._hk  # (post hooks may be registered while the node runs: saved-tensor unpack)
    if hk is not None and hk.post:
        # (as PyTorch's call_post_hooks: hooks see no gradient inputs when the node had no
        # post hooks before it ran)
        gin = tuple(grads) if had_post else ()
        for h in list(hk.post.values()):
            r = h(tuple(outputs), gin)
            if r is not None:
                outputs = _check_hook_result(list(r), len(outputs), "hook")
    return outputs


def _late_post_hooks(node, outputs, outer_ex, outer_tf, outer_fp, f_ex):
    """Post hooks registered while a hookless node ran (from a saved tensor's unpack hook),
    run in the caller's state with no gradient inputs, as PyTorch's call_post_hooks."""
    hk = node._hk
    if not hk.post:
        return outputs
    st = _tls
    st.excluded, st.torch_function_disabled = outer_ex, outer_tf
    FP_STATE.set(outer_fp)
    try:
        for h in list(hk.post.values()):
            r = h(tuple(outputs), ())
            if r is not None:
                outputs = _check_hook_result(list(r), len(outputs), "hook")
    finally:
        st.excluded, st.torch_function_disabled = f_ex, ALL_DISABLED
        FP_STATE.set(FP_IGNORE)
    return outputs


def _anomaly_apply(node, grads):
    """Run ``node`` under anomaly mode: any error it raises, the NaN check's included, is
    reported with the forward call's traceback (PyTorch's engine does it for every error
    out of a node)."""
    try:
        outputs = _run_formula(node, grads) if node._formula else node._run(grads)
        if _anomaly.check_nan:
            import numpy as np
            for i, g in enumerate(outputs):
                if g is not None and g._np is not None and g.dtype.is_floating_point and \
                        np.isnan(g._np).any():
                    raise RuntimeError(f"Function '{node.name()}' returned nan values in its "
                                       f"{i}th output.")
    except Exception:
        _report_anomaly(node)
        raise
    return outputs


def _report_anomaly(node):
    """PyTorch's AnomalyMetadata::print_stack: a warning with the forward traceback of the
    node that failed, then one per parent (the node whose backward created it, and so on)."""
    _anomaly_warn(node, f"Error detected in {node.name()}. ",
                  "Traceback of forward call that caused the error:\n")
    parent = _anomaly_meta(node).get("parent_")
    while parent is not None:
        _anomaly_warn(parent, "\n\n", f"Previous calculation was induced by {parent.name()}. "
                      "Traceback of forward call that induced the previous calculation:\n")
        parent = _anomaly_meta(parent).get("parent_")


def _anomaly_meta(node):
    hk = node._hk
    return hk.metadata if hk is not None and hk.metadata is not None else {}


def _anomaly_warn(node, prefix, header):
    import warnings
    trace = _anomaly_meta(node).get("traceback_")
    if trace is None:
        msg = (f"Error detected in {node.name()}. No forward pass information available. "
               "Enable detect anomaly during forward pass for more information.")
    else:
        msg = prefix + header + "".join(trace)
    try:
        warnings.warn(msg, UserWarning, stacklevel=4)
    except Warning as w:
        # warnings are errors: PyTorch prints it and raises the error that happened
        sys.stderr.write(f"{type(w).__name__}: {w}\n")


def _compute_dependencies(roots):
    """The graph task's per-node state for every node reachable from ``roots``: a list
    ``[number of edges leading to the node, then its input buffer: one gradient slot per
    forward output]``."""
    pending = {}
    stack = []
    for n in roots:
        if n is not None and n not in pending:
            pending[n] = [0] + [None] * len(n._meta)  # (a root may be reached again)
            stack.append(n)
    get = pending.get
    while stack:
        for nxt, _ in stack.pop()._next:
            if nxt is None:
                continue
            st = get(nxt)
            if st is None:
                # (most nodes have one forward output: one gradient slot)
                pending[nxt] = [1, None] if len(nxt._meta) == 1 else \
                    [1] + [None] * len(nxt._meta)
                stack.append(nxt)
            else:
                st[0] += 1
    return pending


def _compute_needed(roots, targets):
    """The nodes on some path from ``roots`` to a node in ``targets`` (targets included)."""
    needed = set()
    memo = {}
    # iterative post-order DFS
    for root in roots:
        if root is None:
            continue
        stack = [(root, iter(root._next))]
        visiting = {root}
        while stack:
            node, it = stack[-1]
            advanced = False
            for nxt, _ in it:
                if nxt is None:
                    continue
                if nxt in memo:
                    continue
                if nxt in visiting:
                    continue
                visiting.add(nxt)
                stack.append((nxt, iter(nxt._next)))
                advanced = True
                break
            if advanced:
                continue
            stack.pop()
            ok = node in targets or any(nxt is not None and memo.get(nxt, False)
                                        for nxt, _ in node._next)
            memo[node] = ok
            if ok:
                needed.add(node)
    return needed


# While a profiler records, ``node_events(node, prev)``: called as each node starts running
# (``node`` None when the backward ends) with what the previous call returned (kindling.profiler).
node_events = None


def run_backward(root_edges, root_grads, keep_graph, create_graph, capture_edges=None,
                 accumulate=True, allow_unreachable=False):
    """Run backward from ``root_edges`` seeded with ``root_grads``.

    ``capture_edges``: edges whose incoming gradients are returned (``autograd.grad``), or,
    with ``accumulate``, the only leaves/tensors to accumulate into (``inputs=``).
    """
    if _engine_state.task is not None and _reentrant.stack_is_deep():
        # a deep reentrant backward: on a fresh stack (see _reentrant)
        return _reentrant.run_on_worker(run_backward, root_edges, root_grads, keep_graph,
                                        create_graph, capture_edges, accumulate,
                                        allow_unreachable)
    task = GraphTask(keep_graph, create_graph)
    task.roots = roots = [root_edges[0][0]] if len(root_edges) == 1 else \
        [e[0] for e in root_edges]
    pending = _compute_dependencies(roots)
    if capture_edges is not None:
        targets = {e[0] for e in capture_edges if e[0] is not None}
        task.exec_info = _compute_needed(roots, targets)
        if not accumulate:
            task.captures = {}
            for idx, (node, nr) in enumerate(capture_edges):
                if node is not None:
                    task.captures.setdefault(node, []).append((nr, idx))
            task.captured = [None] * len(capture_edges)
            # captured-only nodes are not run themselves
            needed_to_run = set()
            for n in task.exec_info:
                if any(nxt is not None and nxt in task.exec_info for nxt, _ in n._next):
                    needed_to_run.add(n)
            task.exec_info = _ExecInfo(task.exec_info, needed_to_run)
    counter = itertools.count()
    heap = []
    seeded = []
    for (node, nr), g in zip(root_edges, root_grads):
        if node is None:
            continue
        if g is not None:  # (Engine::execute validates the root gradients too: dtype casts)
            m = node._meta[nr]
            if not isinstance(g, Tensor) or m is not None and (g._size, g.dtype, g._device) != m:
                g = _validate_root(node, nr, g)
        buf = pending[node]
        if node not in seeded:
            seeded.append(node)
        buf[nr + 1] = g if buf[nr + 1] is None else _add_grads(buf[nr + 1], g)
    for node in seeded:
        if pending[node][0] == 0:
            heapq.heappush(heap, (-node._seq, next(counter), node))
    prev_task = _engine_state.task
    prev_grad = _tls.grad_enabled
    prev_outer = _engine_state.outer
    prev_node = _engine_state.node
    _engine_state.task = task
    st = _tls
    st.grad_enabled = create_graph
    # Hooks run on a copy of the saved-tensor hooks stack, dropped at the end (PyTorch's
    # engine runs a graph task in the thread-local state captured when it started): an
    # unbalanced enter or exit inside backward does not leak out of it.
    prev_saved_hooks = st.saved_tensors_hooks
    st.saved_tensors_hooks = prev_saved_hooks.copy()
    # The engine runs in "formula mode", as PyTorch's C++ engine does: aten ops it calls
    # (formulas, sum_to, accumulation) see no __torch_function__ and, without create_graph,
    # run below autograd - their Autograd kernels would only redispatch below themselves,
    # with autograd excluded (c10's AutoDispatchBelowADInplaceOrView).  Modes and subclass
    # __torch_dispatch__ handlers, at the Python key, see every op.  User code (hooks, custom
    # Function backward, leaves' hooks, unpack hooks) runs in the caller's state.
    # NumPy's floating-point checks are off for formula ops (PyTorch computes inf and nan
    # silently), once for the whole backward; user code gets the caller's NumPy state back.
    outer_ex, outer_tf = st.excluded, st.torch_function_disabled
    below = not create_graph and not FW.active
    f_ex = outer_ex | AUTOGRAD_BITS | FORMULA_MODE_BIT if below else outer_ex
    outer_fp = FP_STATE.get()
    _engine_state.outer = (outer_ex, outer_tf, outer_fp)
    st.excluded, st.torch_function_disabled = f_ex, ALL_DISABLED
    fp_token = FP_STATE.set(FP_IGNORE)
    push, pop = heapq.heappush, heapq.heappop
    profiling = node_events
    # Whether nodes may run their array lanes (nothing can observe their formulas' ops: see
    # array_lane); checked again for each node, as a hook may have changed the thread's keys.
    lanes = below and _lane.usable()
    lane_ok = False
    prof_ranges = None
    try:
        exec_info = task.exec_info
        captures = task.captures
        # ``ready``: the one node that became ready while the heap was empty - the node the
        # heap would give next, run without going through it (a chain's every node)
        ready = None
        if lanes and exec_info is None and profiling is None and not _anomaly.enabled and \
                not _lane.array_mode_off():
            # nodes run on arrays while they can (array_engine), then the rest here
            ready = _array_engine.run(pending, heap, counter, keep_graph)
        while True:
            node = ready
            if node is None:
                if not heap:
                    break
                node = pop(heap)[2]
            else:
                ready = None
            _engine_state.node = node
            grads = pending.pop(node)
            del grads[0]  # (the count: what is left is the node's input buffer)
            if captures is not None:
                caps = captures.get(node)
                run_it = node in exec_info.run
                if caps is not None:
                    if not run_it:
                        st.excluded, st.torch_function_disabled = outer_ex, outer_tf
                        FP_STATE.set(outer_fp)
                        try:
                            grads = _call_hooks_before_capture(node, grads)
                        finally:
                            st.excluded, st.torch_function_disabled = f_ex, ALL_DISABLED
                            FP_STATE.set(FP_IGNORE)
                    for nr, idx in caps:
                        g = grads[nr]
                        if g is not None:
                            old = task.captured[idx]
                            task.captured[idx] = g if old is None else _add_grads(old, g)
                if not run_it:
                    continue
            elif exec_info is not None and node not in exec_info:
                continue
            if profiling is not None:
                prof_ranges = profiling(node, prof_ranges)
            if type(node) is AccumulateGrad and node._hk is None and not _anomaly.enabled \
                    and not node.variable.__dict__.keys() & _LEAF_HOOK_FIELDS:
                # A leaf without hooks: accumulation is the engine's own work (C++ in
                # PyTorch), done in formula mode.  No extra reference to the gradient may be
                # held here: accumulate_grad steals it when only the buffer and its own frame
                # hold it.
                accumulate_grad(node.variable, grads[0])
                grads = None
                continue  # a leaf has no edges and nothing saved
            if node._hk is not None or _anomaly.enabled or not node._formula:
                # hooks, anomaly checks, leaves with hooks and custom nodes: user code may run
                st.excluded, st.torch_function_disabled = outer_ex, outer_tf
                FP_STATE.set(outer_fp)
                try:
                    if type(node) is AccumulateGrad and node._hk is None and \
                            not _anomaly.enabled:
                        # call_function's work for a leaf whose only hooks are its tensor's
                        # (gradient or post-accumulate hooks): no extra reference to the
                        # gradient may be held here either.
                        if node.variable.__dict__.get("_hooks"):
                            grads = _call_leaf_tensor_hooks(node, grads)
                        accumulate_grad(node.variable, grads[0])
                        grads = None
                        continue  # a leaf has no edges and nothing saved
                    outputs = call_function(node, grads)  # (validated, post hooks run)
                finally:
                    st.excluded, st.torch_function_disabled = f_ex, ALL_DISABLED
                    FP_STATE.set(FP_IGNORE)
                fresh = check = lane_ok = False
            else:
                # (call_function's work, already in formula mode)
                lane_ok = lanes and st.included == _PLAIN_INCLUDED and \
                    st.excluded == _PLAIN_EXCLUDED
                if node._fast_run:  # (generated: a list of one gradient per edge)
                    outputs = None
                    if lane_ok and node._direct is not None:
                        outputs = node._direct(grads, exec_info)
                    if outputs is None:
                        outputs = node._run(grads, None, exec_info)
                else:
                    outputs = node._run(grads)
                    if type(outputs) is not list:
                        outputs = list(outputs)
                    if len(outputs) != len(node._next):
                        validate_outputs(node, outputs)  # (raises PyTorch's count error)
                fresh, check = below, True
                if node._hk is not None:
                    outputs = _late_post_hooks(node, outputs, outer_ex, outer_tf, outer_fp,
                                               f_ex)
                    fresh = False
                    if len(outputs) != len(node._next):
                        validate_outputs(node, outputs)
            nexts = node._next
            # validate_outputs' work (inlined: nearly every gradient already has its input's
            # shape, dtype and device, the edge's ``_meta``), then each gradient goes to the
            # buffer of its edge
            if exec_info is None:
                for (nxt, nr), g in zip(nexts, outputs):
                    if nxt is None:
                        continue
                    buf = pending[nxt]
                    d = buf[0] - 1
                    buf[0] = d
                    if g is not None:
                        if check:  # (_checked_grad, inlined)
                            m = nxt._meta[nr]
                            if not isinstance(g, Tensor) or m is not None and \
                                    (g._size, g.dtype, g._device) != m:
                                g = _validate_one(node, _index_of(outputs, g), nxt, nr, g)
                            if fresh and g._base is not None and g._view_meta is None:
                                _mark_no_grad_view(g)
                        old = buf[nr + 1]
                        if old is None:
                            buf[nr + 1] = g
                        else:
                            # (_add_grads: in formula mode a plain dispatch already skips
                            # autograd; the add's lane when nothing can observe it)
                            # (no extra reference to the sum: accumulate_grad may steal it)
                            buf[nr + 1] = _lane.add_lane(old, g, _add_formula_mode) \
                                if lane_ok else _add_formula_mode(old, g)
                    if d == 0:
                        if ready is None and not heap:
                            ready = nxt
                        else:
                            if ready is not None:
                                push(heap, (-ready._seq, next(counter), ready))
                                ready = None
                            push(heap, (-nxt._seq, next(counter), nxt))
            else:
                for (nxt, nr), g in zip(nexts, outputs):
                    if nxt is None:
                        continue
                    if g is not None and check:
                        g = _checked_grad(node, outputs, nxt, nr, g, fresh)
                    buf = pending[nxt]
                    d = buf[0] - 1
                    buf[0] = d
                    if nxt in exec_info:
                        if g is not None:
                            old = buf[nr + 1]
                            buf[nr + 1] = g if old is None else _add_formula_mode(old, g)
                        if d == 0:
                            push(heap, (-nxt._seq, next(counter), nxt))
            if not keep_graph:
                node.release_variables()
            outputs = g = grads = None  # drop references (gradients may be stolen)
        if prof_ranges is not None:
            prof_ranges = profiling(None, prof_ranges)
        if task.callbacks:
            st.excluded, st.torch_function_disabled = outer_ex, outer_tf
            FP_STATE.set(outer_fp)
            _engine_state.node = None
            _run_callbacks(task)
    finally:
        if prof_ranges is not None:
            profiling(None, prof_ranges)
        st.excluded, st.torch_function_disabled = outer_ex, outer_tf
        FP_STATE.reset(fp_token)
        st.saved_tensors_hooks = prev_saved_hooks
        _engine_state.outer = prev_outer
        _engine_state.node = prev_node
        _engine_state.task = prev_task
        st.grad_enabled = prev_grad
    return task.captured


# a leaf's tensor hooks and post-accumulate-grad hooks (user code run by AccumulateGrad)
_LEAF_HOOK_FIELDS = frozenset({"_hooks", "_post_acc_hooks"})


def _checked_grad(node, outputs, nxt, nr, g, fresh):
    """validate_outputs' work for one gradient flowing to ``(nxt, nr)`` (nearly always
    nothing: it already has the edge's recorded size, dtype and device)."""
    m = nxt._meta[nr]
    if not isinstance(g, Tensor) or m is not None and (g._size, g.dtype, g._device) != m:
        g = _validate_one(node, _index_of(outputs, g), nxt, nr, g)
    if fresh and g._base is not None and g._view_meta is None:
        _mark_no_grad_view(g)
    return g


def _index_of(outputs, g):
    """The position of the gradient ``g`` (that very object) in a node's outputs."""
    for i, o in enumerate(outputs):
        if o is g:
            return i
    return -1


def _mark_no_grad_view(g):
    """A gradient that is a view made below autograd gets the creation_meta a view made
    with grad mode off has (what the view's Autograd kernel would have recorded)."""
    g._view_meta = (g._vc[0], INFERENCE_MODE if _tls._inference_mode else NO_GRAD_MODE)


class _ExecInfo:
    """Nodes on a path to a captured gradient (``in``), and those that must also run."""

    __slots__ = ("nodes", "run")

    def __init__(self, nodes, run):
        self.nodes, self.run = nodes, run

    def __contains__(self, n):
        return n in self.nodes


def _call_hooks_before_capture(node, grads):
    if isinstance(node, AccumulateGrad):
        grads = _call_leaf_tensor_hooks(node, list(grads))
        return grads
    hk = node._hk
    if hk is None or not hk.tensor_pre:
        return grads
    grads = list(grads)
    _call_tensor_pre_hooks(hk.tensor_pre, grads)
    return grads


_ = _graph
