"""Autograd kernels for operators with a registered backward (``register_autograd``).

The kernel, registered at the ``Autograd`` alias key with the key set, runs the op below
autograd when no gradient is needed; otherwise it applies a generated ``autograd.Function``
whose forward redispatches below autograd and calls ``setup_context``, and whose backward calls
the registered backward.
"""
from __future__ import annotations

import dataclasses

from .._dispatcher.keys import AUTOGRAD_BITS, K, above
from .._dispatcher.tls import state as _tls
from .._tensor import Tensor

_AFTER_AUTOGRAD = ~(AUTOGRAD_BITS | above(K.AutogradMeta))


@dataclasses.dataclass
class Info:
    _backward_fn: object
    _setup_context_fn: object


def is_functional_schema(schema, allow_valid_view=False) -> bool:
    """No mutated arguments, no aliasing outputs (unless ``allow_valid_view``), some output."""
    if schema.is_mutable:
        return False
    rets = schema.returns
    is_non_mutating_view = len(rets) > 0 and any(
        r.alias_info is not None and not r.alias_info.is_write for r in rets)
    if is_non_mutating_view:
        return allow_valid_view
    if not rets:
        return False
    return True


def _requires_grad(t):
    return isinstance(t, Tensor) and t.requires_grad


def _any_requires_grad(args):
    for a in args:
        if _requires_grad(a):
            return True
        if type(a) in (list, tuple) and any(_requires_grad(x) for x in a):
            return True
    return False


def _below_autograd(op, keyset, args, kwargs):
    from .._dispatcher.guards import _AutoDispatchBelowAutograd
    bits = keyset._bits if hasattr(keyset, "_bits") else int(keyset)
    with _AutoDispatchBelowAutograd():
        return op.redispatch(bits & _AFTER_AUTOGRAD, *args, **kwargs)


def fill_defaults(schema, args, kwargs):
    """Every positional argument (defaults filled in) and every kwarg-only one."""
    new_args, new_kwargs = [], {}
    for i, a in enumerate(schema.arguments):
        if a.kwarg_only:
            new_kwargs[a.name] = kwargs[a.name] if a.name in kwargs else a.default_value
        elif i < len(args):
            new_args.append(args[i])
        elif a.name in kwargs:
            new_args.append(kwargs[a.name])
        else:
            new_args.append(a.default_value)
    return tuple(new_args), new_kwargs


def make_autograd_impl(op, info):
    """The Autograd kernel (taking the key set first) for ``op``."""
    name = f"GeneratedBackwardFor_{op._ns}_{op._opname}_{op._overloadname}"
    schema = op._schema
    has_kwarg_only = any(a.kwarg_only for a in schema.arguments)
    generated = []

    def get_function():
        if generated:
            return generated[0]
        try:
            from ..autograd import Function
        except ImportError:
            raise RuntimeError(
                f"{op}: differentiating a custom op needs kindling.autograd.Function, which "
                "is not available") from None

        def forward(ctx, *args):
            meta = args[-1]
            args = args[:-1]
            result = _below_autograd(op, meta[0], args, meta[1])
            if info._setup_context_fn:
                a, kw = fill_defaults(schema, args, meta[1])
                if has_kwarg_only:
                    info._setup_context_fn(ctx=ctx, inputs=a, keyword_only_inputs=kw,
                                           output=result)
                else:
                    info._setup_context_fn(ctx=ctx, inputs=a, output=result)
            return result

        def backward(ctx, *grads):
            if info._backward_fn:
                prev = ctx.needs_input_grad
                try:
                    ctx.needs_input_grad = prev[:-1]
                    result = info._backward_fn(ctx, *grads)
                finally:
                    ctx.needs_input_grad = prev
                if isinstance(result, tuple):
                    return (*result, None)
                return result, None
            raise RuntimeError(
                f"Trying to backward through {op} but no autograd formula was registered. "
                "Please use register_autograd to add one.")

        cls = type(name, (Function,), {"forward": staticmethod(forward),
                                        "backward": staticmethod(backward)})
        generated.append(cls)
        return cls

    def autograd_impl(keyset, *args, **keyword_only_args):
        if _tls.grad_enabled and _any_requires_grad(args):
            return get_function().apply(*args, (keyset, keyword_only_args))
        return _below_autograd(op, keyset, args, keyword_only_args)
    autograd_impl.__name__ = name
    return autograd_impl
