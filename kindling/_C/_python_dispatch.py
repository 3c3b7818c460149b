"""``torch._C`` names of the Python-dispatch machinery (re-exported by ``kindling._C``):
dispatch-mode and function-mode stacks, the disabled handlers, TLS guards."""
from __future__ import annotations

from .._dispatcher import python_fallback as _pf
from .._dispatcher.python_fallback import (  # noqa: F401
    _DisableTorchDispatch, _RestorePythonTLSSnapshot, _disabled_torch_dispatch_impl,
)
from ..overrides import (  # noqa: F401
    DisableTorchFunction, DisableTorchFunctionSubclass, _disabled_torch_function_impl,
    _EnableTorchFunction, _get_function_stack_at, _is_torch_function_enabled,
    _is_torch_function_mode_enabled, _is_torch_function_all_disabled,
    _len_torch_function_stack, _pop_torch_function_stack, _push_on_torch_function_stack,
    _skip_one_hop_torch_function,
)
from ..overrides import has_torch_function as _has_torch_function  # noqa: F401
from ..overrides import has_torch_function_unary as _has_torch_function_unary  # noqa: F401
from ..overrides import has_torch_function_variadic as _has_torch_function_variadic  # noqa: F401
from ..utils._python_dispatch import _functionalize_unsafe_set  # noqa: F401

__all__ = [
    "_DisableTorchDispatch", "_RestorePythonTLSSnapshot", "_disabled_torch_dispatch_impl",
    "DisableTorchFunction", "DisableTorchFunctionSubclass", "_disabled_torch_function_impl",
    "_EnableTorchFunction", "_get_function_stack_at", "_is_torch_function_enabled",
    "_is_torch_function_mode_enabled", "_is_torch_function_all_disabled",
    "_len_torch_function_stack", "_pop_torch_function_stack", "_push_on_torch_function_stack",
    "_skip_one_hop_torch_function", "_has_torch_function", "_has_torch_function_unary",
    "_has_torch_function_variadic", "_push_on_torch_dispatch_stack",
    "_pop_torch_dispatch_stack", "_len_torch_dispatch_stack", "_get_dispatch_stack_at",
    "_set_dispatch_mode", "_unset_dispatch_mode", "_get_dispatch_mode", "_TorchDispatchModeKey",
    "_meta_in_tls_dispatch_include", "_set_meta_in_tls_dispatch_include",
    "_functionalize_unsafe_set",
]


def _push_on_torch_dispatch_stack(mode):
    _pf.push_mode(mode)


def _pop_torch_dispatch_stack(mode_key=None):
    return _pf.pop_mode(mode_key)


def _len_torch_dispatch_stack():
    return _pf.stack_len()


def _get_dispatch_stack_at(i):
    return _pf.stack_at(i)


class _TorchDispatchModeKey:
    """Slots for infrastructure modes (one mode per key, outside the user stack)."""
    FAKE = "FAKE"
    PROXY = "PROXY"
    FUNCTIONAL = "FUNCTIONAL"


_infra_modes: dict = {}


def _get_dispatch_mode(key):
    for m in _pf._tls.dispatch_modes:
        if getattr(m, "_mode_key", None) == key:
            return m
    return None


def _set_dispatch_mode(mode):
    """Push an infra mode (``mode._mode_key`` names its slot) onto the stack."""
    _pf.push_mode(mode)


def _unset_dispatch_mode(key):
    """Remove the mode registered under ``key`` and return it (None when absent)."""
    modes = _pf._tls.dispatch_modes
    for i in range(len(modes) - 1, -1, -1):
        if getattr(modes[i], "_mode_key", None) == key:
            m = modes.pop(i)
            if not modes:
                _pf._tls.included &= ~_pf.PYTHON_BITS
            return m
    return None


def _meta_in_tls_dispatch_include():
    from .._dispatcher.keys import K, bit
    return bool(_pf._tls.included & bit(K.Meta))


def _set_meta_in_tls_dispatch_include(value):
    from .._dispatcher.keys import K, bit
    if value:
        _pf._tls.included |= bit(K.Meta)
    else:
        _pf._tls.included &= ~bit(K.Meta)
