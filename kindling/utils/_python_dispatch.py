"""``torch.utils._python_dispatch``: ``TorchDispatchMode`` and helpers for wrapper subclasses.

A mode intercepts every op that reaches the ``Python`` dispatch key inside ``with mode:`` —
below autograd, with arguments normalised from the schema.  Modes form a per-thread stack
(``kindling._dispatcher.tls.state.dispatch_modes``); only the top one runs, and it is popped
while its handler runs, so ops it calls go to the next mode down.
"""
from __future__ import annotations

import contextlib
import functools
import warnings
from collections import deque
from dataclasses import dataclass

from .._dispatcher import python_fallback as _pf
from .._dispatcher.tags import Tag
from .._dispatcher.tls import state as _tls
from .._tensor import Tensor

__all__ = ["TorchDispatchMode", "BaseTorchDispatchMode", "is_in_torch_dispatch_mode",
           "return_and_correct_aliasing", "is_traceable_wrapper_subclass",
           "is_traceable_wrapper_subclass_type", "transform_subclass"]

_is_in_torch_dispatch_mode = False
_is_in_non_infra_torch_dispatch_mode = False
_is_in_any_mode_without_ignore_compile_internals = False


def is_in_torch_dispatch_mode(include_infra_modes: bool = True) -> bool:
    return _is_in_torch_dispatch_mode if include_infra_modes \
        else _is_in_non_infra_torch_dispatch_mode


def is_in_any_mode_without_ignore_compile_internals() -> bool:
    return _is_in_any_mode_without_ignore_compile_internals


class TorchDispatchMode:
    """Override every op that reaches the dispatcher's Python key inside ``with mode:``.

    Define ``__torch_dispatch__(self, func, types, args=(), kwargs=None)`` as a plain method;
    ``func`` is the ``OpOverload``, ``types`` the subclass types among the arguments.  Calling
    ``func`` inside the handler goes to the next mode down (the mode is off the stack while its
    handler runs).  Return ``NotImplemented`` to let tensor subclasses handle the op.
    """

    # When False, a higher-order operator under this mode raises NotImplementedError.
    supports_higher_order_operators = False

    def __init__(self, _dispatch_key=None):
        if _dispatch_key is not None:
            self.__dict__["_dispatch_key"] = _dispatch_key
        self.old_dispatch_mode_flags = deque()
        self.old_non_infra_dispatch_mode_flags = deque()
        self.old_without_ignore_compile_internals_dispatch_mode_flags = deque()

    def _lazy_init_old_dispatch_mode_flags(self):
        if not hasattr(self, "old_dispatch_mode_flags"):
            self.old_dispatch_mode_flags = deque()
        if not hasattr(self, "old_non_infra_dispatch_mode_flags"):
            self.old_non_infra_dispatch_mode_flags = deque()
        if not hasattr(self, "old_without_ignore_compile_internals_dispatch_mode_flags"):
            self.old_without_ignore_compile_internals_dispatch_mode_flags = deque()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        raise NotImplementedError

    def __enter__(self):
        global _is_in_torch_dispatch_mode, _is_in_non_infra_torch_dispatch_mode
        global _is_in_any_mode_without_ignore_compile_internals
        self._lazy_init_old_dispatch_mode_flags()
        self.old_dispatch_mode_flags.append(_is_in_torch_dispatch_mode)
        _is_in_torch_dispatch_mode = True
        self.old_non_infra_dispatch_mode_flags.append(_is_in_non_infra_torch_dispatch_mode)
        _is_in_non_infra_torch_dispatch_mode = (_is_in_non_infra_torch_dispatch_mode
                                                or not self.is_infra_mode())
        self.old_without_ignore_compile_internals_dispatch_mode_flags.append(
            _is_in_any_mode_without_ignore_compile_internals)
        _is_in_any_mode_without_ignore_compile_internals = (
            _is_in_any_mode_without_ignore_compile_internals
            or not self.ignore_compile_internals())
        _push_mode(self)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        global _is_in_torch_dispatch_mode, _is_in_non_infra_torch_dispatch_mode
        global _is_in_any_mode_without_ignore_compile_internals
        key = self.__dict__.get("_dispatch_key", None) or self.__dict__.get("_mode_key", None)
        _is_in_torch_dispatch_mode = self.old_dispatch_mode_flags.pop()
        _is_in_non_infra_torch_dispatch_mode = self.old_non_infra_dispatch_mode_flags.pop()
        _is_in_any_mode_without_ignore_compile_internals = \
            self.old_without_ignore_compile_internals_dispatch_mode_flags.pop()
        _pop_mode(key)

    @classmethod
    def push(cls, *args, **kwargs):
        warnings.warn("`Mode.push()` is no longer necessary and can be replaced with just "
                      "`with Mode()`", stacklevel=2)
        return cls(*args, **kwargs)

    @classmethod
    def is_infra_mode(cls) -> bool:
        return False

    @classmethod
    def ignore_compile_internals(cls) -> bool:
        return cls.is_infra_mode()

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return True


class BaseTorchDispatchMode(TorchDispatchMode):
    """A mode that runs every op unchanged."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        return func(*args, **kwargs)


def any_torch_dispatch_mode_on_stack() -> bool:
    for mode in _tls.dispatch_modes:
        if mode.is_infra_mode() or mode.ignore_compile_internals():
            continue
        return True
    return False


def _get_current_dispatch_mode():
    """The mode that would run next (the top of the stack), or None."""
    modes = _tls.dispatch_modes
    return modes[-1] if modes else None


def _get_current_dispatch_mode_stack():
    """The modes, bottom first."""
    return list(_tls.dispatch_modes)


def _push_mode(mode):
    _pf.push_mode(mode)


def _pop_mode(k=None):
    return _pf.pop_mode(k)


@contextlib.contextmanager
def _pop_mode_temporarily(k=None):
    old = _pop_mode(k)
    try:
        yield old
    finally:
        _push_mode(old)


@contextlib.contextmanager
def _disable_current_modes():
    """Pop every mode for the block (yields them top first) and restore them after."""
    old_modes = [_pop_mode() for _ in range(len(_tls.dispatch_modes))]
    try:
        yield old_modes
    finally:
        for mode in reversed(old_modes):
            _push_mode(mode)


# ---- infrastructure modes (fake / proxy / functional): one per key, on the same stack --------
def _detect_infra_mode(key):
    """The active mode registered under ``key`` (``_C._TorchDispatchModeKey``), or None."""
    from .._C import _get_dispatch_mode
    return _get_dispatch_mode(key)


def _unset_infra_mode(key):
    from .._C import _unset_dispatch_mode
    return _unset_dispatch_mode(key)


@contextlib.contextmanager
def _disable_infra_mode(key):
    mode_unset = _unset_infra_mode(key)
    try:
        yield mode_unset
    finally:
        if mode_unset is not None:
            _push_mode(mode_unset)


# ---- traceable wrapper subclasses -----------------------------------------------------------------
def _has_traceable_wrapper_subclass_protocol(t) -> bool:
    return hasattr(t, "__tensor_flatten__") and hasattr(t, "__tensor_unflatten__")


def is_traceable_wrapper_subclass(t) -> bool:
    """A Tensor subclass instance with ``__tensor_flatten__``/``__tensor_unflatten__``."""
    return isinstance(t, Tensor) and type(t) is not Tensor and \
        _has_traceable_wrapper_subclass_protocol(t)


def is_traceable_wrapper_subclass_type(t) -> bool:
    return isinstance(t, type) and issubclass(t, Tensor) and t is not Tensor and \
        _has_traceable_wrapper_subclass_protocol(t)


def transform_subclass(t, callback, outer_size=None, outer_stride=None):
    """A fresh instance of ``t``'s subclass with every inner tensor replaced by
    ``callback(attr_name, inner)``."""
    outer_size = outer_size if outer_size is not None else t.size()
    outer_stride = outer_stride if outer_stride is not None else t.stride()
    attrs, ctx = t.__tensor_flatten__()
    transformed = {attr: callback(attr, getattr(t, attr)) for attr in attrs}
    sub = type(t).__tensor_unflatten__(transformed, ctx, outer_size, outer_stride)
    if sub.shape != outer_size:
        raise AssertionError(f"Expected return value from {type(t)}__tensor_unflatten__() to "
                             f"have shape equal to {outer_size}, but got: {sub.shape}")
    if sub.stride() != outer_stride:
        raise AssertionError(f"Expected return value from {type(t)}__tensor_unflatten__() to "
                             f"have stride equal to {outer_stride}, but got: {sub.stride()}")
    return sub


# ---- return_and_correct_aliasing ------------------------------------------------------------------
@dataclass
class AliasInfo:
    alias_set: set
    is_write: bool
    name: str | None


@dataclass
class SchemaInfo:
    args: list
    outs: list
    is_inplace_view_op: bool
    outs_write_aliases: list | None
    read_only_alias_match_indexes: list


def _alias_of(a):
    ai = a.elem_alias_info or a.alias_info  # (a list's: its elements', as torchgen reads them)
    return AliasInfo(alias_set=set() if ai is None else set(ai.before_set),
                     is_write=ai is not None and ai.is_write, name=a.name or None)


def _get_write_alias(x):
    if not x.alias_set or not x.is_write:
        return None
    if len(x.alias_set) != 1:
        raise AssertionError("Expected alias_set to contain exactly one element")
    return next(iter(x.alias_set))


@functools.lru_cache(None)
def get_alias_info(func) -> SchemaInfo:
    """Alias facts of an operator's schema, cached per operator."""
    schema = func._schema
    arg_schemas = [_alias_of(a) for a in schema.arguments]
    out_schemas = [_alias_of(r) for r in schema.returns]
    read_only = [(i, j) for i, a in enumerate(arg_schemas) for j, o in enumerate(out_schemas)
                 if (a.alias_set & o.alias_set) and not a.is_write]
    write_aliases = [_get_write_alias(r) for r in out_schemas]
    non_nones = sum(x is not None for x in write_aliases)
    if non_nones == 0:
        outs_write_aliases = None
    elif non_nones != len(write_aliases):
        raise RuntimeError("Unsupported schema: " + str(schema))
    else:
        outs_write_aliases = write_aliases
    return SchemaInfo(args=arg_schemas, outs=out_schemas,
                      is_inplace_view_op=Tag.inplace_view in func.tags,
                      outs_write_aliases=outs_write_aliases,
                      read_only_alias_match_indexes=read_only)


def _functionalize_unsafe_set(ret, arg):
    """Point ``ret`` at ``arg``'s storage, keeping ``ret``'s own sizes and strides."""
    ret._storage = arg._untyped_storage()


def _correct_storage_aliasing(func, schema_info, args, outs):
    def alias_non_inplace_storage(arg, ret):
        if type(arg) is not type(ret) and (is_traceable_wrapper_subclass_type(type(arg))
                                           or is_traceable_wrapper_subclass_type(type(ret))):
            for r in (ret if isinstance(ret, list) else [ret]):
                if type(arg) is not type(r):
                    raise AssertionError(
                        f"Called {func} with input of type {type(arg)}\nand output of type "
                        f"{type(ret)}. But expected types to match.")
        if isinstance(ret, list):
            for r in ret:
                _functionalize_unsafe_set(r, arg)
        elif isinstance(ret, Tensor):
            _functionalize_unsafe_set(ret, arg)

    for arg_idx, return_idx in schema_info.read_only_alias_match_indexes:
        if arg_idx < len(args) and return_idx < len(outs) and isinstance(args[arg_idx], Tensor):
            alias_non_inplace_storage(args[arg_idx], outs[return_idx])


def _bind_by_name(func, args, kwargs):
    names = [a.name for a in func._schema.arguments]
    out = dict(zip(names, args))
    out.update(kwargs or {})
    return out


def return_and_correct_aliasing(func, args, kwargs, out):
    """Make a wrapper subclass's ``out`` honour ``func``'s aliasing: view outputs share the
    input's storage, inplace_view ops update the wrapper's metadata, and in-place / ``out=``
    ops return the input object itself."""
    schema_info = get_alias_info(func)
    args = tuple(args)
    _correct_storage_aliasing(func, schema_info, args, out if isinstance(out, tuple) else (out,))

    if schema_info.is_inplace_view_op:
        mutated = [x for i, x in enumerate(args)
                   if i < len(schema_info.args) and _get_write_alias(schema_info.args[i])]
        if len(mutated) != 1:
            raise AssertionError("expected exactly one mutated arg for inplace_view ops")
        _rerun_inplace_view_on_metadata(func, mutated[0], args, kwargs)

    write_aliases = schema_info.outs_write_aliases
    if write_aliases is None:
        return out

    def get_arg_from_alias(alias):
        bound = _bind_by_name(func, args, kwargs)
        idx = [i for i, a in enumerate(schema_info.args) if alias in a.alias_set]
        if len(idx) != 1:
            raise AssertionError("Expected exactly one argument index for the given output "
                                 "alias")
        return bound[schema_info.args[idx[0]].name]

    if len(write_aliases) == 1:
        return get_arg_from_alias(write_aliases[0])
    return type(out)([get_arg_from_alias(a) for a in write_aliases])


def _rerun_inplace_view_on_metadata(func, wrapper, args, kwargs):
    """Run an inplace_view op on a meta stand-in of ``wrapper`` and copy the new geometry."""
    from .._aten._meta_util import empty_meta
    from .._tensor import make_view
    m = empty_meta((max(wrapper._offset + 1, 1) + sum(
        (s - 1) * st for s, st in zip(wrapper._size, wrapper._stride())),), wrapper.dtype)
    m = make_view(m, wrapper._size, wrapper._stride(), wrapper._offset)
    new_args = tuple(m if a is wrapper else a for a in args)
    with _pf._DisableTorchDispatch():
        func(*new_args, **(kwargs or {}))
    wrapper._size, wrapper._stride_, wrapper._offset = m._size, m._stride(), m._offset
