"""``torch.func``: ``functional_call`` and ``stack_module_state``. The function transforms
(``grad``, ``vmap``, ``jacrev``...) are not built: calling one raises NotImplementedError."""
from __future__ import annotations

from collections.abc import Sequence

import kindling as torch

__all__ = ["grad", "grad_and_value", "vmap", "replace_all_batch_norm_modules_",
           "functionalize", "hessian", "jacfwd", "jacrev", "jvp", "linearize", "rearrange",
           "vjp", "functional_call", "stack_module_state", "debug_unwrap"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call ``module(*args, **kwargs)`` with the named parameters and buffers in
    ``parameter_and_buffer_dicts`` (a dict, or a sequence of dicts with distinct keys) in
    place of the module's own, for this call only.

    ``tie_weights``: a value given for one of several tied names (one tensor reached by
    several names) is used for all of them. ``strict``: the dicts must name every parameter
    and buffer, and nothing else.
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        parameters_and_buffers = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError(
                "Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        parameters_and_buffers = {k: v for d in parameter_and_buffer_dicts
                                  for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                         f"dicts, but got {type(parameter_and_buffer_dicts)}")
    from ..nn.utils.stateless import _functional_call
    return _functional_call(module, parameters_and_buffers, args, kwargs,
                            tie_weights=tie_weights, strict=strict)


def _stacked_leaf(tensors, name):
    all_grad = all(t.requires_grad for t in tensors)
    if not all_grad and any(t.requires_grad for t in tensors):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    result = torch.stack(tensors)
    if all_grad:
        result = result.detach().requires_grad_()
    return result


def stack_module_state(models):
    """``(params, buffers)``: each parameter and buffer of ``models`` (same class, same
    training mode) stacked along a new first dim; stacked parameters are new leaves."""
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError(
            "stack_module_state: Expected all models to have the same training/eval mode.")
    first = type(models[0])
    if not all(type(m) is first for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    all_params = [dict(m.named_parameters()) for m in models]
    params = {k: _stacked_leaf(tuple(p[k] for p in all_params), k) for k in all_params[0]}
    all_buffers = [dict(m.named_buffers()) for m in models]
    buffers = {k: _stacked_leaf(tuple(b[k] for b in all_buffers), k) for k in all_buffers[0]}
    return params, buffers


def _not_built(name):
    def transform(*args, **kwargs):
        raise NotImplementedError(f"torch.func.{name} is not implemented in kindling yet")
    transform.__name__ = transform.__qualname__ = name
    transform.__module__ = __name__
    transform.__doc__ = f"``torch.func.{name}``: not implemented yet (raises NotImplementedError)."
    return transform


grad = _not_built("grad")
grad_and_value = _not_built("grad_and_value")
vmap = _not_built("vmap")
replace_all_batch_norm_modules_ = _not_built("replace_all_batch_norm_modules_")
functionalize = _not_built("functionalize")
hessian = _not_built("hessian")
jacfwd = _not_built("jacfwd")
jacrev = _not_built("jacrev")
jvp = _not_built("jvp")
linearize = _not_built("linearize")
rearrange = _not_built("rearrange")
vjp = _not_built("vjp")
debug_unwrap = _not_built("debug_unwrap")
