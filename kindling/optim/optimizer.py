"""The ``Optimizer`` base class: parameter groups, per-parameter state, hooks and state dicts."""

import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain

import kindling as torch
from kindling.profiler import record_function
from kindling.utils.hooks import RemovableHandle

__all__ = ["Optimizer", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

_global_optimizer_pre_hooks = OrderedDict()
_global_optimizer_post_hooks = OrderedDict()


class _RequiredParameter:
    """Marks an optimizer default that every parameter group must give."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    # torch.typename: tensors print their legacy type name, everything else its qualified name
    if isinstance(obj, torch.Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if qualname is None:
        module = type(obj).__module__ or ""
        qualname = type(obj).__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def _get_value(x):
    """A Python number from a 0-d tensor (or the value itself)."""
    return x.item() if isinstance(x, torch.Tensor) else x


def _to_scalar(x):
    """Squeeze a one-element hyperparameter tensor to 0-d; leave numbers alone."""
    if isinstance(x, torch.Tensor) and x.dim() != 0:
        return x.squeeze()
    return x


def _get_scalar_dtype(is_fused=None):
    """The dtype of ``state['step']``: float64 under a float64 default dtype, else float32."""
    if is_fused:
        return torch.float32
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def _check_fused(fused=None, foreach=None, differentiable=False):
    """Reject ``fused=True``: kindling has no fused kernels (after PyTorch's own checks)."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        raise NotImplementedError(
            "kindling.optim: fused=True (fused optimizer kernels) is not implemented"
        )


_FOREACH_NO_AUTOGRAD = "_foreach ops don't support autograd"

_CAPTURABLE_DEVICES = ["cuda", "xpu", "hpu", "privateuseone", "xla"]


def _check_capturable(capturable, params, what="params and state_steps", supports_xla=True):
    """``capturable=True`` needs accelerator tensors; kindling's are CPU: fail as PyTorch does."""
    if capturable and params:
        devices = _CAPTURABLE_DEVICES if supports_xla else _CAPTURABLE_DEVICES[:-1]
        raise AssertionError(f"If capturable=True, {what} must be on supported devices: {devices}.")


def _validate_common(lr, eps=None, betas=None, weight_decay=None):
    """The range checks most optimizers share, with PyTorch's messages, in PyTorch's order."""
    if isinstance(lr, torch.Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if eps is not None and not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if betas is not None:
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
    if weight_decay is not None:
        _validate_nonneg(weight_decay=weight_decay)


def _validate_nonneg(**values):
    """Check, in the order given, that each value is >= 0 ("Invalid <name> value: ...")."""
    for name, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {name} value: {value}")


def _upgrade_step_state(optimizer, require_step=False):
    """Old checkpoints kept ``state['step']`` as a number; make it a 0-d tensor again.

    With ``require_step`` a non-empty state without ``step`` raises KeyError (Adam, RMSprop).
    """
    for group in optimizer.param_groups:
        for p in group["params"]:
            p_state = optimizer.state.get(p, [])
            if len(p_state) == 0 or (not require_step and "step" not in p_state):
                continue
            if not torch.is_tensor(p_state["step"]):
                p_state["step"] = torch.tensor(float(p_state["step"]), dtype=_get_scalar_dtype())


def _group_setdefaults(optimizer, **defaults):
    """Give every parameter group the options a checkpoint from an older version may lack."""
    for group in optimizer.param_groups:
        for key, value in defaults.items():
            group.setdefault(key, value)


def _zeros_state(*keys):
    """A state initializer for ``_init_group_state``: a 0-d ``step`` then zero buffers."""

    def init(p, state):
        state["step"] = torch.tensor(0.0, dtype=_get_scalar_dtype())
        for key in keys:
            state[key] = torch.zeros_like(p, memory_format=torch.preserve_format)

    return init


def _init_group_state(
    optimizer,
    group,
    params,
    grads,
    sparse_name,
    init_state,
    state_lists,
    *,
    sparse_hint="",
    check_state=None,
):
    """The shared body of most ``_init_group`` methods.

    Appends each parameter of ``group`` that has a gradient to ``params`` and its gradient to
    ``grads`` (a sparse gradient raises "<sparse_name> does not support sparse gradients"),
    creates its state with ``init_state(p, state)`` on first use, and appends ``state[key]`` to
    each ``(key, list)`` of ``state_lists``; ``sparse_hint`` ends the sparse-gradient message and
    ``check_state(state)``, when given, runs before the last list is appended to. Returns
    whether any parameter is complex.
    """
    has_complex = False
    for p in group["params"]:
        if p.grad is None:
            continue
        if p.grad.is_sparse:
            raise RuntimeError(f"{sparse_name} does not support sparse gradients{sparse_hint}")
        params.append(p)
        has_complex |= torch.is_complex(p)
        grads.append(p.grad)
        state = optimizer.state[p]
        if len(state) == 0:
            init_state(p, state)
        for key, out in state_lists[:-1]:
            out.append(state[key])
        if check_state is not None:
            check_state(state)
        key, out = state_lists[-1]
        out.append(state[key])
    return has_complex


def _closure_loss(closure):
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


def _use_grad_for_differentiable(func):
    """Run ``step`` with grad mode on only for ``differentiable=True`` optimizers.

    Then autograd records the update, so a loss computed from the new parameters can be
    differentiated with respect to the old ones (and to gradients or state that require grad).
    """

    @functools.wraps(func)
    def _use_grad(self, *args, **kwargs):
        prev = torch.is_grad_enabled()
        try:
            torch.set_grad_enabled(self.defaults.get("differentiable", False))
            return func(self, *args, **kwargs)
        finally:
            torch.set_grad_enabled(prev)

    return _use_grad


def _view_as_real(params, *state_and_grads):
    """Replace complex tensors (and their matching state) in the lists by real views."""
    for i, p in enumerate(params):
        if torch.is_complex(p):
            params[i] = torch.view_as_real(p)
            for lst in state_and_grads:
                lst[i] = torch.view_as_real(lst[i])


def _foreach_add_weight_decay(grads, params, weight_decay, maximize):
    """``grads + weight_decay * params`` on the foreach paths, returning the new grads list.

    Under ``maximize`` ``grads`` are already negated copies and are updated in place; otherwise
    they are the ``.grad`` tensors themselves, which must not be written, so a new list is made.
    """
    if maximize:
        torch._foreach_add_(grads, params, alpha=weight_decay)
        return grads
    return torch._foreach_add(grads, params, alpha=weight_decay)


def _requires_grad(x):
    """A hyperparameter tensor the caller differentiates with respect to."""
    return isinstance(x, torch.Tensor) and x.requires_grad


def _use_foreach(foreach, params):
    """Whether a step takes the multi-tensor (``_foreach_*``) path.

    ``foreach=None`` picks the for-loop path, as PyTorch does for CPU tensors.
    """
    return bool(foreach) and len(params) > 0


def register_optimizer_step_pre_hook(hook):
    """Register ``hook(optimizer, args, kwargs) -> None or (args, kwargs)`` for every step."""
    handle = RemovableHandle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook):
    """Register ``hook(optimizer, args, kwargs) -> None`` run after every optimizer's step."""
    handle = RemovableHandle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


class Optimizer:
    """Base class for all optimizers.

    Args:
        params (iterable): tensors, ``(name, tensor)`` pairs, or dicts (parameter groups).
        defaults (dict): default option values, used where a parameter group does not set them.
    """

    # the hook signatures, as type aliases (PyTorch's names)
    OptimizerPreHook = Callable[..., "tuple[tuple, dict] | None"]
    OptimizerPostHook = Callable[..., None]

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        self._patch_step_function()

        if isinstance(params, torch.Tensor):
            raise TypeError(
                "params argument given to the optimizer should be "
                "an iterable of Tensors or dicts, but got " + _typename(params)
            )
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)
        self._warned_capturable_if_run_uncaptured = True

    # ---- pickling -------------------------------------------------------------------------
    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in (
            "_optimizer_step_pre_hooks",
            "_optimizer_step_post_hooks",
            "_optimizer_state_dict_pre_hooks",
            "_optimizer_state_dict_post_hooks",
            "_optimizer_load_state_dict_pre_hooks",
            "_optimizer_load_state_dict_post_hooks",
        ):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ---- step and its hooks ---------------------------------------------------------------
    @staticmethod
    def profile_hook_step(func):
        """Wrap ``step`` so global and per-instance step hooks run around it."""

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            self = args[0]
            with record_function(f"Optimizer.step#{self.__class__.__name__}.step"):
                pre_hooks = chain(
                    _global_optimizer_pre_hooks.values(), self._optimizer_step_pre_hooks.values()
                )
                for pre_hook in pre_hooks:
                    result = pre_hook(self, args, kwargs)
                    if result is not None:
                        if isinstance(result, tuple) and len(result) == 2:
                            args, kwargs = result
                        else:
                            raise RuntimeError(
                                f"{func} must return None or a tuple of (new_args, new_kwargs), "
                                f"but got {result}."
                            )
                out = func(*args, **kwargs)
                self._optimizer_step_code()
                post_hooks = chain(
                    self._optimizer_step_post_hooks.values(), _global_optimizer_post_hooks.values()
                )
                for post_hook in post_hooks:
                    post_hook(self, args, kwargs)
                return out

        return wrapper

    def _accelerator_graph_capture_health_check(self):
        """Checks made while an accelerator graph is captured; kindling has no accelerator."""

    _cuda_graph_capture_health_check = _accelerator_graph_capture_health_check

    @staticmethod
    def _group_tensors_by_device_and_dtype(tensorlistlist, with_indices=False):
        """Split parallel tensor lists by the (device, dtype) of the first list's tensors.

        Returns ``{(device, dtype): (lists, indices)}``, the form the multi-tensor steps use.
        """
        grouped = {}
        for i, t in enumerate(tensorlistlist[0]):
            key = (t.device, t.dtype)
            if key not in grouped:
                grouped[key] = ([[] for _ in tensorlistlist], [])
            lists, indices = grouped[key]
            for out, src in zip(lists, tensorlistlist):
                if src:  # an empty list (no state of that kind) stays empty
                    out.append(src[i])
            if with_indices:
                indices.append(i)
        return grouped

    def _optimizer_step_code(self):
        """Called after each ``step`` (a profiler entry point in PyTorch); does nothing."""

    def _patch_step_function(self):
        self._zero_grad_profile_name = f"Optimizer.zero_grad#{self.__class__.__name__}.zero_grad"
        if not getattr(self.__class__.step, "hooked", None):
            self.__class__.step = self.profile_hook_step(self.__class__.step)
            self.__class__.step.hooked = True

    def register_step_pre_hook(self, hook):
        """Register ``hook(optimizer, args, kwargs) -> None or (args, kwargs)`` before ``step``."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        """Register ``hook(optimizer, args, kwargs) -> None`` run after ``step``."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    @staticmethod
    def _add_hook(hooks, hook, prepend):
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Register ``hook(optimizer) -> None`` run before ``state_dict`` builds its result."""
        return self._add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Register ``hook(optimizer, state_dict) -> state_dict or None`` after ``state_dict``."""
        return self._add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Register ``hook(optimizer, state_dict) -> state_dict or None`` run before loading."""
        return self._add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Register ``hook(optimizer) -> None`` run after ``load_state_dict``."""
        return self._add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ---- state dicts ----------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state as ``{'state': {index: {...}}, 'param_groups': [...]}``.

        Parameters are replaced by their position (an int), counted across groups in order.
        """
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)

        index_of = {}
        start = 0

        def pack_group(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index_of.setdefault(id(p), i)
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {
            (index_of[id(k)] if isinstance(k, torch.Tensor) else k): v
            for k, v in self.state.items()
        }
        state_dict = {"state": packed_state, "param_groups": param_groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            result = post_hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    @staticmethod
    def _process_value_according_to_param_policy(param, value, param_id, param_groups, key=None):
        # floating state follows the parameter's dtype; 'step' keeps its own unless fused/capturable
        fused = capturable = False
        for pg in param_groups:
            if param_id in pg["params"]:
                fused = pg.get("fused", False)
                capturable = pg.get("capturable", False)
                break
        if key == "step":
            if capturable or fused:
                return value.to(dtype=torch.float32, device=param.device)
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)

    def load_state_dict(self, state_dict):
        """Load a state dict made by :meth:`state_dict` (of an optimizer with matching groups)."""
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = pre_hook(self, state_dict)
            if result is not None:
                state_dict = result

        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group "
                "that doesn't match the size of optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )

        def cast(param, value, param_id=None, param_groups=None, key=None):
            if isinstance(value, torch.Tensor):
                return Optimizer._process_value_according_to_param_policy(
                    param, value, param_id, param_groups, key
                )
            if isinstance(value, dict):
                return {k: cast(param, v, param_id, param_groups, key=k) for k, v in value.items()}
            if isinstance(value, Iterable) and not isinstance(value, str):
                return type(value)(cast(param, v, param_id, param_groups) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v, param_id=k, param_groups=state_dict["param_groups"])
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)

    # ---- gradients and groups -------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors: to ``None`` (default) or to zeros."""
        foreach = self.defaults.get("foreach", False) or self.defaults.get("fused", False)
        if not hasattr(self, "_zero_grad_profile_name"):
            self._patch_step_function()
        with record_function(self._zero_grad_profile_name):
            to_zero = []
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if set_to_none:
                        p.grad = None
                        continue
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    to_zero.append(p.grad)
            if foreach and to_zero:
                torch._foreach_zero_(to_zero)
            else:
                for g in to_zero:
                    g.zero_()

    def step(self, closure=None):
        """Perform one optimization step (``closure`` recomputes and returns the loss)."""
        raise NotImplementedError

    def add_param_group(self, param_group):
        """Add a parameter group (a dict with ``'params'`` and optional option overrides)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, torch.Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. "
                "Please use a list instead."
            )
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. "
                    "Some param names are missing"
                )
            param_group["param_names"] = names

        for param in param_group["params"]:
            if not isinstance(param, torch.Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    + _typename(param)
                )
            if not self.defaults.get("differentiable", None) and not (
                param.is_leaf or param.retains_grad
            ):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization parameter "
                    f"{name}"
                )
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )

        seen = set()
        for group in self.param_groups:
            seen.update(set(group["params"]))
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if not seen.isdisjoint(set(param_group["params"])):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)
