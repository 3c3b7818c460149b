"""Custom autograd ``Function``: user-written forward/backward pairs recorded as graph nodes.

    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    y = Square.apply(x)      # y.grad_fn is the ctx, an instance of SquareBackward

Defining a ``Function`` subclass creates its node class ``<Name>Backward``.  ``apply`` makes a
ctx (that node), runs ``forward`` with grad mode off, then wraps the outputs PyTorch's way
(``_wrap_outputs``: dirty tensors, non-differentiable outputs, inputs returned as-is, views)
and saves tensors.  In backward the engine runs the node, which materializes missing
gradients, calls the user's ``backward`` (or ``vjp``) and validates what it returned.
"""
from __future__ import annotations

import functools
import inspect
import itertools
import warnings

from .._dispatcher.tls import state as _tls
from .._tensor import Tensor
from . import forward_ad as _fwad
from .derivatives import (DEFAULT, FW, IN_CUSTOM_FUNCTION, MULTI_OUTPUT_NODE,
                          is_differentiable_dtype, rebase_history, requires_grad as _rg,
                          grad_fn_of, _view_rebase_error)
from .graph import ERR_BACKWARD_TWICE, SavedVariable, _Node, gradient_edge, next_seq, shallow_copy

__all__ = ["FunctionCtx", "BackwardCFunction", "FunctionMeta", "Function", "once_differentiable",
           "InplaceFunction", "NestedIOFunction"]

AUTOGRAD_FUNCTION_COUNTER = itertools.count()


# ---- the ctx / node base -----------------------------------------------------------------------
class _FunctionBase(_Node):
    """``torch._C._FunctionBase``: a custom Function's ctx, which is also its graph node."""

    def __new__(cls, *args, **kwargs):
        self = object.__new__(cls)
        self._next = ()
        self._seq = next_seq()
        self._meta = []
        self._hk = None
        d = self.__dict__
        d["to_save"] = None
        d["non_differentiable"] = None
        d["dirty_tensors"] = None
        d["saved_for_forward"] = None
        d["needs_input_grad"] = None
        d["_materialize_grads"] = True
        d["_materialize_non_diff_grads"] = True
        d["_pure_view"] = False
        d["_saved"] = None
        d["_freed"] = False
        d["_accessed"] = False
        d["_is_variable_input"] = ()
        d["_output_info"] = []
        d["_non_diff_outputs"] = ()
        d["_compiled_state"] = None
        d["_clear_on_access"] = False
        return self

    def name(self):
        return type(self).__name__

    @property
    def materialize_grads(self):
        return self._materialize_grads

    @materialize_grads.setter
    def materialize_grads(self, value):
        if not isinstance(value, bool):
            raise TypeError("set_materialize_grads received an invalid combination of arguments "
                            "- got (), but expected (bool)")
        self._materialize_grads = value

    @property
    def _is_pure_view(self):
        return self._pure_view

    @_is_pure_view.setter
    def _is_pure_view(self, value):
        if not isinstance(value, bool):
            raise TypeError(f"_is_pure_view must be a bool, got {type(value).__name__}")
        self._pure_view = value

    @property
    def _materialize_non_diff_grads_(self):
        return self._materialize_non_diff_grads

    @property
    def requires_grad(self):
        return True

    # ---- saved tensors ----------------------------------------------------------------------
    @property
    def saved_tensors(self):
        if self.saved_for_forward is not None:
            return tuple(self.saved_for_forward)
        if self._freed:
            raise RuntimeError(ERR_BACKWARD_TWICE)
        if self._clear_on_access:
            if self._accessed:
                raise RuntimeError(
                    "saved_tensors can only be accessed once when clear_saved_tensors_on_access="
                    "True is set on the autograd.Function. Either access saved_tensors only "
                    "once, or set clear_saved_tensors_on_access=False.")
            self._accessed = True
        saved = self._saved or ()
        out = tuple(None if s is None else s.unpack(self) for s in saved)
        if self._clear_on_access:
            for s in saved:
                if s is not None:
                    s.release()
        return out

    @property
    def saved_variables(self):
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning,
                      stacklevel=2)
        return self.saved_tensors

    @property
    def _raw_saved_tensors(self):
        if self._freed:
            raise RuntimeError(ERR_BACKWARD_TWICE)
        return tuple(SavedVariable(None) if s is None else s for s in self._saved or ())

    def release_variables(self):
        self._freed = True
        for s in self._saved or ():
            if s is not None:
                s.release()

    def maybe_clear_saved_tensors(self):
        from .graph import _engine_state
        task = _engine_state.task
        if task is None or not task.keep_graph:
            self.release_variables()

    @property
    def _compiled_autograd_backward_state(self):
        return self._compiled_state

    @_compiled_autograd_backward_state.setter
    def _compiled_autograd_backward_state(self, v):
        if self._compiled_state is not None:
            raise RuntimeError("_compiled_autograd_backward_state can only be set once")
        self._compiled_state = v

    def _get_compiled_autograd_symints(self):
        return ()

    # ---- backward (the engine's entry point) -------------------------------------------------
    def _run(self, grads, needed=None):
        name = self.name()
        infos = self._output_info
        args = []
        for i, g in enumerate(grads):
            info = infos[i] if i < len(infos) else None
            if g is None and info is not None and self._materialize_grads and not (
                    i in self._non_diff_outputs and not self._materialize_non_diff_grads):
                from .._aten._ops_registry import aten
                shape, dtype, device = info
                g = aten.zeros.default(list(shape), dtype=dtype, device=device)
            args.append(g)
        result = self.apply(*args)
        if not isinstance(result, tuple):
            result = (result,)
        n_in = len(self._is_variable_input)
        if len(result) > n_in and all(r is None for r in result[n_in:]):
            result = result[:n_in]
        if len(result) != n_in:
            raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                               f"(expected {n_in}, got {len(result)})")
        out = []
        for i, (r, is_var) in enumerate(zip(result, self._is_variable_input)):
            if not is_var:
                if r is not None:
                    raise RuntimeError(
                        f"function {name} returned a gradient different than None at position "
                        f"{i + 1}, but the corresponding forward input was not a Variable")
                continue
            if r is not None and not isinstance(r, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
            out.append(r)
        return out

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__qualname__} object at {hex(id(self))}>"


class FunctionCtx:
    """The methods forward/backward call on ``ctx``."""

    def save_for_backward(self, *tensors):
        """Save tensors (or None) for ``backward`` (``ctx.saved_tensors``)."""
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        """Save tensors for ``jvp`` (where ``ctx.saved_tensors`` returns them)."""
        for t in tensors:
            assert isinstance(t, Tensor) or t is None, (
                "save_for_forward expects all arguments to be tensors; you should save "
                "non-tensors as attributes on ctx.")
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        """Declare inputs modified in place by ``forward`` (they must be returned)."""
        self.dirty_tensors = args

    def mark_shared_storage(self, *pairs):
        warnings.warn("mark_shared_storage is deprecated. Tensors with shared storages are "
                      "automatically tracked. Note that calls to `set_()` are not tracked",
                      DeprecationWarning, stacklevel=2)

    def mark_non_differentiable(self, *args):
        """Declare outputs that are not differentiable (they will not require grad)."""
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        """Whether missing output gradients reach backward as zeros (default) or None."""
        self.materialize_grads = value


class _HookMixin:
    @staticmethod
    def _register_hook(backward_hooks, hook):
        from collections import OrderedDict
        from .graph import RemovableHandle
        if backward_hooks is None:
            backward_hooks = OrderedDict()
        handle = RemovableHandle(backward_hooks)
        backward_hooks[handle.id] = hook
        return backward_hooks, handle


class BackwardCFunction(_FunctionBase, FunctionCtx, _HookMixin):
    """Base of the ``<Name>Backward`` node classes: ``apply`` calls the user's backward."""

    def apply(self, *args):
        cls = self._forward_cls
        backward_fn = cls.backward
        vjp_fn = cls.vjp
        if backward_fn is not Function.backward and vjp_fn is not Function.vjp:
            raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is "
                               "not allowed. You should only implement one of them.")
        user_fn = vjp_fn if vjp_fn is not Function.vjp else backward_fn
        return user_fn(self, *args)

    def apply_jvp(self, *args):
        return self._forward_cls.jvp(self, *args)

    def __call__(self, *args, **kwargs):
        # (PyTorch's custom Function nodes are Python objects without a call slot)
        raise TypeError(f"'{type(self).__name__}' object is not callable")

    def _compiled_autograd_key(self):
        return self._forward_cls._compiled_autograd_key(self)


BackwardCFunction.__module__ = "torch.autograd.function"


class FunctionMeta(type):
    """Creates ``<Name>Backward`` (the node class) for every Function subclass."""

    def __init__(cls, name, bases, attrs):
        backward_fn = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        backward_fn.__module__ = "torch.autograd.function"
        backward_fn._autograd_function_id = next(AUTOGRAD_FUNCTION_COUNTER)
        cls._backward_cls = backward_fn
        super().__init__(name, bases, attrs)


class _SingleLevelFunction(_FunctionBase, FunctionCtx, _HookMixin, metaclass=FunctionMeta):
    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")


class Function(_SingleLevelFunction):
    """Base class of custom autograd Functions (use ``YourFunction.apply(...)``)."""

    def __init__(self, *args, **kwargs):
        warnings.warn(
            f"{self.__class__} should not be instantiated. Methods on autograd functions are "
            "all static, so you should invoke them on the class itself. Instantiating an "
            "autograd function will raise an error in a future version of PyTorch.",
            DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    generate_vmap_rule = False

    @staticmethod
    def vmap(info, in_dims, *args):
        raise NotImplementedError("To use autograd.Function with vmap, you must either override "
                                  "the vmap staticmethod or set generate_vmap_rule=True.")

    @classmethod
    def apply(cls, *args, **kwargs):
        def bind_default_args(func, *args, **kwargs):
            sig = inspect.signature(func)
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            return bound.args
        if _is_setup_context_defined(cls.setup_context):
            args = bind_default_args(cls.forward, *args, **kwargs)
            kwargs = {}
        return _apply(cls, args, kwargs)

    @staticmethod
    def _compiled_autograd_key(ctx):
        return (ctx._autograd_function_id,)


def _is_setup_context_defined(fn):
    return fn != _SingleLevelFunction.setup_context


# ---- Function.apply (THPFunction_apply) ----------------------------------------------------------
def _resolve_kwargs(cls, args, kwargs, combined):
    """Map keyword arguments onto forward's positional parameters, by name."""
    if not kwargs:
        return args
    try:
        params = [p for p in inspect.signature(cls.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    if combined and params:
        params = params[1:]
    names = [p.name for p in params]
    out = list(args)
    for k, v in kwargs.items():
        if not isinstance(k, str):
            raise TypeError("keywords must be strings")
        if k not in names:
            raise TypeError(f"forward() got an unexpected keyword argument '{k}'")
        i = names.index(k)
        if i < len(args):
            raise TypeError(f"forward() got multiple values for argument '{k}'")
        while len(out) <= i:
            out.append(_MISSING)
        out[i] = v
    for i, v in enumerate(out):
        if v is _MISSING:
            p = params[i]
            if p.default is inspect.Parameter.empty:
                raise TypeError(f"forward() missing required argument: '{p.name}' "
                                f"(position {i})")
            out[i] = p.default
    return tuple(out)


_MISSING = object()


def _apply(cls, args, kwargs):
    setup_ctx = _is_setup_context_defined(cls.setup_context)
    args = _resolve_kwargs(cls, args, kwargs, combined=not setup_ctx)
    ctx = cls._backward_cls()
    is_var = tuple(isinstance(a, Tensor) for a in args)
    grad_on = _tls.grad_enabled
    needs = tuple(isinstance(a, Tensor) and grad_on and _rg(a) for a in args)
    is_executable = grad_on and any(needs)
    for attr in ("clear_saved_tensors_on_access", "boxed_grads_call"):
        v = getattr(cls, attr, False)
        if not isinstance(v, bool):
            raise RuntimeError(f"{attr} must be a bool, got {type(v).__name__}")
    ctx._clear_on_access = getattr(cls, "clear_saved_tensors_on_access", False)
    ctx._is_variable_input = is_var
    ctx.needs_input_grad = needs
    tensor_inputs = [a for a in args if isinstance(a, Tensor)]
    if is_executable:
        ctx._next = tuple(gradient_edge(a) if _rg(a) else (None, 0) for a in tensor_inputs)
    # forward runs with grad mode (and forward AD) off
    prev_grad, prev_fw = _tls.grad_enabled, FW.active
    _tls.grad_enabled = False
    FW.active = False
    try:
        if setup_ctx:
            output = cls.forward(*args)
        else:
            output = cls.forward(ctx, *args)
    finally:
        _tls.grad_enabled = prev_grad
        FW.active = prev_fw
    if setup_ctx:
        cls.setup_context(ctx, args, output)
    if prev_fw:
        dirty, nondiff = ctx.dirty_tensors, ctx.non_differentiable
    out = _process_outputs(cls, ctx, args, tensor_inputs, output, is_executable, setup_ctx)
    if prev_fw:
        _forward_ad(cls, ctx, args, out, output, dirty, nondiff)
    return out


def _process_outputs(cls, ctx, args, inputs, raw, is_executable, setup_ctx):
    unpack = not isinstance(raw, tuple)
    outputs = (raw,) if unpack else tuple(raw)
    # dirty tensors: validated, version bumped
    dirty = ctx.dirty_tensors
    dirty_ids = set()
    if dirty:
        for i, t in enumerate(dirty):
            if not isinstance(t, Tensor):
                raise RuntimeError("mark_dirty can only accept variables, but argument ")
            t._vc[0] += 1
            dirty_ids.add(id(t))
        returned = {id(o) for o in outputs if isinstance(o, Tensor)}
        if not dirty_ids <= returned:
            raise RuntimeError("Some elements marked as dirty during the forward method were not "
                               "returned as output. The inputs that are modified inplace must "
                               "all be outputs of the Function.")
    nondiff_ids = set()
    for t in ctx.non_differentiable or ():
        if not isinstance(t, Tensor):
            raise RuntimeError("mark_non_differentiable only accepts variable arguments, but "
                               "got ")
        nondiff_ids.add(id(t))
    to_save = ctx.to_save
    if is_executable and to_save:
        for i, t in enumerate(to_save):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} "
                                f"is of type {type(t).__name__}")
    input_ids = {id(a): a for a in inputs}
    saved_ids = {id(t) for t in (to_save or ()) if isinstance(t, Tensor)}
    num_outputs = len(outputs)
    num_diff = sum(1 for o in outputs if isinstance(o, Tensor) and is_executable and
                   id(o) not in nondiff_ids and is_differentiable_dtype(o.dtype))
    new_outputs = []
    infos = []
    nondiff_positions = []
    meta = []
    for i, o in enumerate(outputs):
        if not isinstance(o, Tensor):
            new_outputs.append(o)
            infos.append(None)
            meta.append(None)
            continue
        is_input = id(o) in input_ids
        is_modified = id(o) in dirty_ids
        is_diff = is_executable and id(o) not in nondiff_ids and \
            is_differentiable_dtype(o.dtype)
        infos.append((tuple(o._size), o.dtype, o._device))
        meta.append((o._size, o.dtype, o._device))
        var = o
        if not is_diff:
            nondiff_positions.append(i)
            if not _rg(var):
                if is_input and not is_modified:
                    var = _view_as_self_no_grad(var)
            elif is_input:
                from .._aten._ops_registry import aten
                var = aten.detach.default(var)
            elif var._base is None:
                var._grad_node = None
                var._requires_grad = False
        elif is_modified:
            is_view = var._base is not None and var._view_meta is not None
            if var._grad_node is None and _rg(var):
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
            if not is_input and is_view:
                raise RuntimeError("ctx.mark_dirty() received a tensor that was not an input. "
                                   "Only input Tensors that have been mutated should be passed "
                                   "to ctx.mark_dirty().")
            if is_view and var._view_meta[1] != DEFAULT:  # (check_inplace's order)
                raise RuntimeError(_view_rebase_error(var, var._view_meta[1], var._grad_node))
            if is_view and _rg(var) and var._base._grad_node is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used "
                                   "in an in-place operation.")
            if not is_input:
                warnings.warn("ctx.mark_dirty() received a tensor that was not an input. Only "
                              "input Tensors that have been mutated should be passed to "
                              "ctx.mark_dirty().", UserWarning, stacklevel=4)
            if var._base is not None and var._view_meta is not None and num_outputs > 1:
                raise RuntimeError(
                    "If your Function modifies inplace an input that is a view of another "
                    "Tensor, your Function cannot return more than one Tensor. This is not "
                    "supported by the current autograd engine. You should either make sure the "
                    "input is not a view (using .clone() for example) or make your Function "
                    "only return one Tensor (potentially splitting it into two Functions: one "
                    "doing the inplace that returns a single Tensor and a second one that does "
                    "the other operations). You can ask on the forum "
                    "https://discuss.pytorch.org/ if you need help to do this change.")
            var._grad = None
            hooks = var.__dict__.get("_hooks")
            if hooks:
                hooks.clear()
            rebase_history(var, ctx, i)
        elif is_input:
            if setup_ctx and id(o) in saved_ids:
                raise RuntimeError(
                    "An input that has been returned as-is as output is being saved for "
                    "backward. This is not supported if you override setup_context. You should "
                    "return and save a view of the input instead, e.g. with x.view_as(x) or "
                    "setup ctx inside the forward function itself.")
            var = _view_as_self_no_grad(var)
            _set_edge(var, ctx, i)
        else:
            _set_edge(var, ctx, i)
        if not (is_input and is_modified) and var._base is not None and \
                var._view_meta is not None:
            # PyTorch: every view output (differentiable or not) of a custom Function
            creation = MULTI_OUTPUT_NODE if num_diff > 1 else (
                DEFAULT if ctx._pure_view else IN_CUSTOM_FUNCTION)
            var._view_meta = (var._vc[0] if is_diff else var._view_meta[0], creation)
        new_outputs.append(var)
    ctx._output_info = infos
    ctx._non_diff_outputs = tuple(nondiff_positions)
    ctx._meta = meta
    # (PyTorch clears .to_save, .dirty_tensors and .non_differentiable once used: no
    # reference to a mutated view stays on the node; cleared before the pack hooks run, so a
    # hook that raises - checkpoint's early stop - leaves no output -> node -> output cycle)
    ctx.to_save = ctx.dirty_tensors = ctx.non_differentiable = None
    if is_executable:
        saved = []
        out_ids = {id(o): (j, o) for j, o in enumerate(new_outputs) if isinstance(o, Tensor)}
        orig_out_ids = {id(o): j for j, o in enumerate(outputs) if isinstance(o, Tensor)}
        for t in to_save or ():
            if t is None:
                saved.append(None)
                continue
            j = orig_out_ids.get(id(t))
            if j is not None and (id(t) not in input_ids or id(t) in dirty_ids):
                # (PyTorch: saved as an output when it is one of the outputs' TensorImpls, a
                # dirty input included, so a mutated view makes no reference cycle)
                o = new_outputs[j]
                saved.append(SavedVariable(o, o._grad_node is ctx or (
                    o is t and id(t) in dirty_ids and j not in nondiff_positions), ctx))
            else:
                saved.append(SavedVariable(t))
        _ = out_ids
        ctx._saved = saved
    if ctx.saved_for_forward is not None and not _fwad_active():
        ctx.saved_for_forward = None
    from .anomaly_mode import _anomaly
    if _anomaly.enabled and is_executable:
        from .derivatives import _anomaly_trace
        _anomaly_trace(ctx)
    return new_outputs[0] if unpack else tuple(new_outputs)


def _fwad_active():
    return FW.active or _fwad._current_level >= 0


def _set_edge(var, ctx, i):
    var._grad_node = ctx
    var._output_nr = i
    var._requires_grad = True


def _view_as_self_no_grad(t):
    """``t.view_as(t)`` made under no_grad: a new tensor object aliasing the input (called
    as the Python method, as PyTorch's _wrap_outputs does, so ``__torch_function__`` sees it
    and a subclass input stays a subclass)."""
    prev = _tls.grad_enabled
    _tls.grad_enabled = False
    try:
        return t.view_as(t)
    finally:
        _tls.grad_enabled = prev


def _forward_ad(cls, ctx, args, out, raw, dirty, nondiff):
    """PyTorch's _process_forward_mode_AD: run the user's jvp on the inputs' tangents, check
    its results against the forward's views and in-place ops, and set the outputs' tangents.
    ``raw``: forward's own outputs; ``dirty``/``nondiff``: what ctx marked."""
    level = _fwad._current_level
    if level < 0:
        return
    inputs = [a for a in args if isinstance(a, Tensor)]
    tangents = [_fwad.get_tangent(a, level) for a in inputs]
    if all(t is None for t in tangents):
        return
    from .._aten._ops_registry import aten
    versions = [t._vc[0] if t is not None else None for t in tangents]
    # an input that is a view is matched by its base (kindling's views have a root base)
    inputs_bases = {}
    for i, a in enumerate(inputs):
        inputs_bases.setdefault(id(a._base if a._base is not None else a), i)
    jvp_in = []
    k = 0
    for a in args:
        if isinstance(a, Tensor):
            t = tangents[k]
            k += 1
            if t is None and ctx._materialize_grads and is_differentiable_dtype(a.dtype):
                t = aten.zeros_like.default(a)
            jvp_in.append(t)
        else:
            jvp_in.append(None)
    prev = FW.active
    FW.active = False
    # what jvp sees as ctx.saved_tensors: the tensors saved for forward, else nothing
    if ctx.saved_for_forward is None:
        ctx.saved_for_forward = ()
    try:
        res = ctx.apply_jvp(*jvp_in)
    finally:
        FW.active = prev
        ctx.saved_for_forward = None
    outs = out if isinstance(out, tuple) else (out,)
    raws = raw if isinstance(raw, tuple) else (raw,)
    if not isinstance(res, tuple):
        res = (res,)
    for i, t in enumerate(res):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"expected Variable or None (got {type(t).__name__}) for grad "
                            f"output {i}.")
    if len(res) != len(outs):
        raise RuntimeError(f"Function's jvp returned an invalid number of forward gradients "
                           f"(expected {len(outs)} but got {len(res)})")
    input_ids = {id(a): i for i, a in enumerate(inputs)}
    dirty_ids = {id(d) for d in dirty or ()}
    nondiff_ids = {id(d) for d in nondiff or ()}
    for i, (o, r, t) in enumerate(zip(outs, raws, res)):
        if not isinstance(r, Tensor):
            continue
        if id(r) in nondiff_ids or not is_differentiable_dtype(r.dtype):
            if t is not None:
                raise RuntimeError(f"Function's jvp returned a gradient at position {i}, but  "
                                   "the corresponding forward output is not a differentiable "
                                   "Tensor.You should return None at that position instead.")
            continue
        if id(r) in dirty_ids:
            j = input_ids.get(id(r))
            if j is None:
                raise RuntimeError("Only input Tensors should be given to ctx.mark_dirty(). If "
                                   "a Tensor is not an input, there is no need to pass it to "
                                   "mark_dirty().")
            if tangents[j] is not None:
                if t is None or t._vc[0] == versions[j]:
                    raise RuntimeError(
                        "An inplace custom Function is not modifying the forward mode gradients "
                        "inplace. If the forward is modifying an input inplace, then the jvp "
                        "function must modify the corresponding gradient inplace.")
                if t is not tangents[j]:
                    raise RuntimeError(
                        "An inplace custom Function is not returning the forward mode gradients "
                        "as-is. If the forward is modifying an input inplace, then the jvp "
                        "function must modify the gradient inplace and return it as-is.")
            elif t is not None:
                _fwad.set_tangent(o, t, level)
            continue
        if o._base is not None and id(o._base) in inputs_bases:
            j = inputs_bases[id(o._base)]
            in_t = _fwad.get_tangent(inputs[j], level)
            if in_t is not None:
                if t is None or t._base is None:
                    raise RuntimeError("A custom Function's forward is returning a view (or an "
                                       "input as-is) but the jvp is not returning a view.")
                if in_t._base is not None:
                    if in_t._base is not t._base:
                        raise RuntimeError(
                            "A custom Function is returning a view but the jvp is not "
                            "returning a view of the same base as the given grad input.")
                elif in_t is not t._base:
                    raise RuntimeError("A custom Function is returning a view but the jvp is "
                                       "not returning a view of the given grad input.")
            else:
                # (PyTorch returns here: later outputs get no tangent)
                if t is not None:
                    _fwad.set_tangent(o, t, level)
                return
        if t is not None:
            _fwad.set_tangent(o, t, level)


# ---- once_differentiable ---------------------------------------------------------------------------
class _ErrorNode(_Node):
    """PyTorch's ``Error`` node (made by ``DelayedError``): raises its message in backward."""

    __slots__ = ("msg",)
    _name = "torch::autograd::Error"

    def _run(self, grads, needed=None):
        raise RuntimeError(self.msg)


_ErrorNode.__name__ = _ErrorNode.__qualname__ = "Error"


class _UndefinedGradNode(_Node):
    """PyTorch's ``UndefinedGradBackward`` (made by ``UndefinedGrad``): its inputs' gradients
    are undefined, whatever flows in."""

    __slots__ = ()
    _name = "torch::autograd::UndefinedGradBackward"

    def _run(self, grads, needed=None):
        return [None] * len(self._next)


_UndefinedGradNode.__name__ = _UndefinedGradNode.__qualname__ = "UndefinedGradBackward"


def _alias_outputs(node, values):
    """Aliases of ``values`` (None stays None) as the outputs of ``node``, whose edges lead to
    the values' gradient edges (``wrap_outputs``: no history when no value requires grad)."""
    node._seq = next_seq()
    node._hk = None
    edges = [(None, 0) if v is None else gradient_edge(v) for v in values]
    record = any(e[0] is not None for e in edges)
    meta, res = [], []
    for nr, v in enumerate(values):
        if v is None:
            meta.append(None)
            res.append(None)
            continue
        out = shallow_copy(v)  # (``tensor_data()``: same memory and version counter)
        if record:
            out._grad_node = node
            out._output_nr = nr
            out._requires_grad = True
        meta.append((out._size, out.dtype, out._device))
        res.append(out)
    node._next = tuple(edges)
    node._meta = meta
    return res


def _undefined_grad(values):
    """PyTorch's ``UndefinedGrad()(*values)``."""
    return _alias_outputs(_UndefinedGradNode.__new__(_UndefinedGradNode), values)


def _delayed_error(msg, values):
    """PyTorch's ``DelayedError(msg, n)(*values)``: an alias of each tensor in ``values``
    (``None`` stays ``None``), all outputs of one ``Error`` node whose edges lead to the
    values' gradient edges ((None, 0) for a ``None``)."""
    node = _ErrorNode.__new__(_ErrorNode)
    node.msg = msg
    return _alias_outputs(node, values)


def once_differentiable(fn):
    """Run ``backward`` under no_grad; differentiating its results again raises."""
    @functools.wraps(fn)
    def wrapper(ctx, *args, **kwargs):
        prev = _tls.grad_enabled
        _tls.grad_enabled = False
        try:
            outputs = fn(ctx, *args, **kwargs)
        finally:
            _tls.grad_enabled = prev
        if not _tls.grad_enabled:
            return outputs
        requires = any(isinstance(a, Tensor) and _rg(a) for a in args)
        if not requires:
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        from .._aten._ops_registry import aten

        def fake_requires_grad(o):
            if o is not None:
                o = aten.detach.default(o)
                o._requires_grad_(True)
            return o
        res = _delayed_error("trying to differentiate twice a function that was marked with "
                             "@once_differentiable", [fake_requires_grad(o) for o in outs])
        return res[0] if single else tuple(res)
    return wrapper


# ---- legacy ------------------------------------------------------------------------------------------
class InplaceFunction(Function):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class NestedIOFunction(Function):
    """Legacy: kept for import compatibility."""
