"""``kindling.autograd``: reverse-mode (and forward-mode) automatic differentiation.

Autograd is a layer of the dispatcher: every differentiable op has an Autograd kernel that,
when grad mode is on and an input requires grad, records a backward node (``MulBackward0``...)
built from the derivative formulas declared next to the op, then redispatches below autograd.
``backward``/``grad`` run the engine over the recorded graph.

* ``grad_mode``: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``
* ``graph``: nodes, ``AccumulateGrad``, saved tensors and their hooks
* ``derivatives``: formulas -> node classes and Autograd kernels
* ``engine``: dependency-counted execution
* ``function``: custom ``Function`` with its ctx
* ``forward_ad``, ``functional`` (jacobian, hessian, vjp, jvp), ``gradcheck``, ``anomaly_mode``
"""
from __future__ import annotations

from collections.abc import Mapping

from .. import _layout
from .._aten._ops_registry import aten as _aten
from .._tensor import Size, Tensor
from . import grad_mode, graph, anomaly_mode  # noqa: F401
from .grad_mode import (  # noqa: F401
    _force_original_view_tracking, _unsafe_preserve_version_counter, enable_grad,
    enforce_grad_layout_policy, inference_mode, is_grad_enabled, is_inference_mode_enabled,
    is_multithreading_enabled, is_view_replay_enabled, no_grad, set_grad_enabled,
    set_multithreading_enabled,
)
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: F401
from . import derivatives as _derivatives
from . import _tensor_methods
from .graph import GradientEdge, SavedTensor, gradient_edge as _gradient_edge, grad_accumulator
from . import array_lane as _array_lane, engine as _engine
from ..overrides import _live_modes as _tf_live, has_overloaded as _has_overloaded

__all__ = ["Variable", "Function", "backward", "grad", "grad_mode", "NestedIOFunction",
           "detect_anomaly", "enable_grad", "grad", "gradcheck", "gradgradcheck",
           "inference_mode", "no_grad", "set_detect_anomaly", "set_grad_enabled",
           "set_multithreading_enabled", "variable"]


def _as_tuple(x):
    if isinstance(x, (Tensor, GradientEdge)):
        return (x,)
    return tuple(x)


def _tensor_or_tensors_to_tuple(tensors, length):
    if tensors is None:
        return (None,) * length
    if isinstance(tensors, Tensor):
        return (tensors,)
    return tuple(tensors)


def _edge_metadata(edge):
    """``(shape, dtype, device)`` of the gradient flowing into a ``GradientEdge`` (its node's
    input metadata)."""
    m = edge.node._meta[edge.output_nr]
    if m is None:
        raise RuntimeError("the GradientEdge names an output that is not a Tensor")
    return m


def _mismatch_shapes(out, first_grad, is_grads_batched):
    """PyTorch's ``_calculate_shape``: the shapes a shape-mismatch message shows (batched, the
    grad's is that of ``grad[0]`` without its first dim, as PyTorch prints it)."""
    if isinstance(out, GradientEdge):
        if is_grads_batched:
            raise RuntimeError("Batched grads are not supported with GradientEdge")
        return Size(_edge_metadata(out)[0]), first_grad.shape
    return out.shape, (first_grad.shape[1:] if is_grads_batched else first_grad.shape)


def _make_grads(outputs, grads, is_grads_batched=False):
    if len(outputs) == 1 and grads[0] is None and not is_grads_batched:
        # ``loss.backward()``: a plain 0-d float output that requires grad, no function mode
        # to see its metadata read (the loop below, without its calls)
        out = outputs[0]
        if type(out) is Tensor and not _tf_live[0] and not out._size and \
                _tensor_methods._get_requires_grad(out) and out.dtype.is_floating_point:
            g = _array_lane.ones_like_lane(out)
            if g is not None:
                return (g,)
    new_grads = []
    for out, grad in zip(outputs, grads):
        is_edge = isinstance(out, GradientEdge)
        if is_edge:
            out_size, out_dtype, out_device = _edge_metadata(out)
        else:
            out_size, out_dtype = out.shape, out.dtype
        if isinstance(grad, Tensor):
            first = grad[0] if is_grads_batched else grad
            if tuple(first.shape) != tuple(out_size):
                out_shape, grad_shape = _mismatch_shapes(out, first, is_grads_batched)
                # (PyTorch numbers them with ``.index``: the first equal one)
                gi, oi = grads.index(grad), outputs.index(out)
                if is_grads_batched:
                    raise RuntimeError(
                        "If `is_grads_batched=True`, we interpret the first dimension of each "
                        "grad_output as the batch dimension. The sizes of the remaining "
                        "dimensions are expected to match the shape of corresponding output, "
                        f"but a mismatch was detected: grad_output[{gi}] has a shape of "
                        f"{grad_shape} and output[{oi}] has a shape of {out_shape}. If you only "
                        "want some tensors in `grad_output` to be considered batched, consider "
                        "using vmap.")
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{gi}] has a shape of {grad_shape} and "
                    f"output[{oi}] has a shape of {out_shape}.")
            if out_dtype.is_complex != grad.dtype.is_complex:
                raise RuntimeError(
                    "For complex Tensors, both grad_output and output are required to have the "
                    f"same dtype. Mismatch in dtype: grad_output[{grads.index(grad)}] has a "
                    f"dtype of {grad.dtype} and output[{outputs.index(out)}] has a dtype of "
                    f"{out_dtype}.")
            new_grads.append(grad)
        elif grad is None:
            if is_grads_batched:
                new_grads.append(None)  # (_batched_grad creates them per sample)
            elif is_edge or out.requires_grad:
                numel_is_1 = all(s == 1 for s in out_size) if is_edge else out.numel() == 1
                if not numel_is_1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not out_dtype.is_floating_point:
                    raise RuntimeError("grad can be implicitly created only for real scalar "
                                       f"outputs but got {out_dtype}")
                if is_edge:
                    from .. import ones  # (PyTorch calls torch.ones: function modes see it)
                    new_grads.append(ones(Size(out_size), dtype=out_dtype, device=out_device))
                else:
                    # (what torch.ones_like(out, memory_format=torch.preserve_format)
                    # dispatches; made directly when nothing can see that: array_lane)
                    g = _array_lane.ones_like_lane(out)
                    new_grads.append(g if g is not None else _aten.ones_like.default(
                        out, pin_memory=False, memory_format=_layout.preserve_format))
            else:
                new_grads.append(None)
        else:
            raise TypeError("gradients can be either Tensors or None, but got "
                            f"{type(grad).__name__}")
    return tuple(new_grads)


def _root_edges(tensors):
    edges = []
    for i, t in enumerate(tensors):
        if isinstance(t, GradientEdge):
            edges.append((t.node, t.output_nr))
            continue
        e = _gradient_edge(t)
        if e[0] is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")
        edges.append(e)
    return edges


def _input_edges(inputs, accumulate):
    edges = []
    for t in inputs:
        if isinstance(t, GradientEdge):
            edges.append((t.node, t.output_nr))
            continue
        if not _derivatives.requires_grad(t):
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        fn = _derivatives.grad_fn_of(t)
        if fn is None:
            edges.append((grad_accumulator(t), 0))
        else:
            if accumulate:
                t._retain_grad()
            edges.append((fn, t._output_nr))
    return edges


_warned_create_graph = False


def _warn_always():
    from .._settings import is_warn_always_enabled
    return is_warn_always_enabled()


def _note_create_graph_warning():
    global _warned_create_graph
    _warned_create_graph = True


def _engine_run_backward(tensors, grads, retain_graph, create_graph, inputs, allow_unreachable,
                         accumulate_grad):
    roots = _root_edges(tensors)
    captures = _input_edges(inputs, accumulate_grad) if inputs else None
    if accumulate_grad and create_graph and (not _warned_create_graph or _warn_always()):
        # (TORCH_WARN_ONCE in PyTorch's engine: once per process, unless set_warn_always)
        _note_create_graph_warning()
        import warnings
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the "
            "parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this "
            "function, make sure to reset the .grad fields of your parameters to None after use "
            "to break the cycle and avoid the leak.", UserWarning, stacklevel=3)
    unhook = graph._logging_hooks_for(roots, tensors)
    if unhook is None:
        return _engine.run_backward(roots, list(grads), retain_graph, create_graph, captures,
                                    accumulate_grad, allow_unreachable)
    try:
        return _engine.run_backward(roots, list(grads), retain_graph, create_graph, captures,
                                    accumulate_grad, allow_unreachable)
    finally:
        unhook()


def _inputs_tuple(inputs, fname):
    """``inputs`` as a tuple (a tensor, an edge, a sequence, or a dict whose values are used)."""
    t = type(inputs)
    if t is tuple:
        return inputs
    if t is list:
        return tuple(inputs)
    if isinstance(inputs, (Tensor, GradientEdge)):
        return (inputs,)
    if type(inputs) is dict:
        return tuple(inputs.values())
    if isinstance(inputs, Mapping):
        raise TypeError(f"`inputs` argument to `{fname}()` must be a dict, not "
                        f"{type(inputs).__name__}. Other Mapping types are not supported.")
    return tuple(inputs)


def _overridable(*groups):
    """The tensors among ``groups`` (what ``__torch_function__`` handlers are asked about)."""
    return tuple(t for g in groups for t in g if isinstance(t, Tensor))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the graph's leaves (or only
    of ``inputs``)."""
    if grad_variables is not None:
        import warnings
        warnings.warn("'grad_variables' is deprecated. Use 'grad_tensors' instead.",
                      FutureWarning, stacklevel=2)
        if grad_tensors is None:
            grad_tensors = grad_variables
        else:
            raise RuntimeError("'grad_tensors' and 'grad_variables' (deprecated) arguments both "
                               "passed to backward(). Please only use 'grad_tensors'.")
    inputs_tuple = () if inputs is None else _inputs_tuple(inputs, "backward")
    if inputs is not None and len(inputs_tuple) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    tensors = _as_tuple(tensors)
    if _tf_live[0] or _has_overloaded(tensors) or _has_overloaded(inputs_tuple):
        from ..overrides import handle_torch_function, has_torch_function
        overridable = _overridable(tensors, inputs_tuple)
        if has_torch_function(overridable):
            return handle_torch_function(
                backward, overridable, tensors, grad_tensors=grad_tensors,
                retain_graph=retain_graph, create_graph=create_graph,
                inputs=inputs_tuple if inputs is not None else None)
    grad_tensors_ = _tensor_or_tensors_to_tuple(grad_tensors, len(tensors))
    grad_tensors_ = _make_grads(tensors, grad_tensors_)
    if retain_graph is None:
        retain_graph = create_graph
    _engine_run_backward(tensors, grad_tensors_, retain_graph, create_graph, inputs_tuple,
                         allow_unreachable=True, accumulate_grad=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (a tuple, or a dict when
    ``inputs`` is one; ``.grad`` untouched)."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads="
                         "True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    t_outputs = _as_tuple(outputs)
    t_inputs = _inputs_tuple(inputs, "grad")
    if len(t_inputs) == 0:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if _tf_live[0] or _has_overloaded(t_outputs) or _has_overloaded(t_inputs):
        from ..overrides import handle_torch_function, has_torch_function
        overridable = _overridable(t_outputs, t_inputs)
        if has_torch_function(overridable):
            r = handle_torch_function(
                grad, overridable, t_outputs, t_inputs, grad_outputs=grad_outputs,
                retain_graph=retain_graph, create_graph=create_graph, only_inputs=only_inputs,
                allow_unused=allow_unused, is_grads_batched=is_grads_batched,
                materialize_grads=materialize_grads)
            return dict(zip(inputs.keys(), r)) if type(inputs) is dict else r
    if not only_inputs:
        import warnings
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to "
                      "True). To accumulate gradient for other parts of the graph, please use "
                      "torch.autograd.backward.", FutureWarning, stacklevel=2)
    grad_outputs_ = _tensor_or_tensors_to_tuple(grad_outputs, len(t_outputs))
    if len(grad_outputs_) != len(t_outputs):
        raise RuntimeError(f"grad requires one grad_output per output (got {len(grad_outputs_)} "
                           f"grad_outputs and {len(t_outputs)} outputs)")
    if retain_graph is None:
        retain_graph = create_graph
    grad_outputs_ = _make_grads(t_outputs, grad_outputs_, is_grads_batched)
    if is_grads_batched:
        result = _batched_grad(t_outputs, t_inputs, grad_outputs_, retain_graph, create_graph,
                               allow_unused, materialize_grads)
        return dict(zip(inputs.keys(), result)) if type(inputs) is dict else result
    result = _engine_run_backward(t_outputs, grad_outputs_, retain_graph, create_graph,
                                  t_inputs, allow_unused, accumulate_grad=False)
    result = list(result)
    for i, r in enumerate(result):
        if r is None:
            if materialize_grads:
                inp = t_inputs[i]
                if not isinstance(inp, Tensor):
                    raise RuntimeError("materialize_grads cannot be used when the given input "
                                       "is a GradientEdge")
                result[i] = _aten.zeros_like.default(inp)
                if create_graph:
                    result[i]._requires_grad_()
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is "
                                   "the desired behavior.")
    result = tuple(result)
    return dict(zip(inputs.keys(), result)) if type(inputs) is dict else result


def _calculate_shape(output, grad, is_grads_batched):
    """The shapes ``_make_grads`` compares (a batched gradient without its batch dim)."""
    from .._tensor import Size
    if isinstance(output, GradientEdge):  # (the shape the node's input metadata records)
        out_shape = Size(output.node._meta[output.output_nr][0])
    else:
        out_shape = output.shape
    return out_shape, (grad.shape[1:] if is_grads_batched else grad.shape)


def _is_checkpoint_valid():
    """Whether the running backward may run a reentrant checkpoint (PyTorch's engine
    ``is_checkpoint_valid``): False inside ``autograd.grad`` or ``backward(inputs=...)``,
    whose graph task runs only part of the graph (True outside backward)."""
    task = _engine._engine_state.task
    return task is None or task.exec_info is None


def kineto_available():
    """Whether PyTorch's Kineto profiler backend is there: never in kindling (its profiler is
    built on dispatch modes, ``kindling.profiler``)."""
    return False


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads):
    from .._aten._ops_registry import aten
    n = None
    for g in grad_outputs:
        if g is not None:
            n = g.shape[0]
    per = []
    for b in range(n):
        gos = tuple(g[b] if g is not None else None for g in grad_outputs)
        per.append(grad(outputs, inputs, gos, retain_graph=retain_graph or b < n - 1,
                        create_graph=create_graph, allow_unused=allow_unused,
                        materialize_grads=materialize_grads))
    out = []
    for i in range(len(inputs)):
        col = [p[i] for p in per]
        if any(c is None for c in col):
            out.append(None)
        else:
            out.append(aten.stack.default(col, 0))
    return tuple(out)


# ---- install the autograd layer into the dispatcher ----------------------------------------
_tensor_methods.attach()
_derivatives.install()
from . import _fw_grad  # noqa: E402
_fw_grad.install()

from .function import Function, NestedIOFunction, InplaceFunction, once_differentiable  # noqa
from . import function  # noqa: E402,F401
from . import forward_ad, functional  # noqa: E402,F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402,F401
from .variable import Variable, _attach_engine  # noqa: E402,F401
_attach_engine()
from . import profiler, profiler_util  # noqa: E402,F401  (the legacy profiler's names)
from .profiler_util import DeviceType  # noqa: E402,F401


def _profiler_enabled():
    """Whether a profiler is recording."""
    from ..profiler import _recorder
    return _recorder.enabled()
from . import variable  # noqa: E402,F401
from . import _functions  # noqa: E402,F401  (Resize, for Tensor.resize)

# Names PyTorch's autograd module has through its own imports, which code reaches that way
# (``torch.autograd.torch.randn``, ``torch.autograd.graph._engine_run_backward``).
import kindling as torch  # noqa: E402,F401
from ..overrides import handle_torch_function, has_torch_function, is_tensor_like  # noqa
graph._engine_run_backward = _engine_run_backward
graph.Variable = Variable
