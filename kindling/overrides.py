"""``torch.overrides``: the ``__torch_function__`` protocol.

Every public function and Tensor method is *hooked* (``kindling._aten._api``): when an argument's
type is not exactly ``Tensor`` (or a function mode is active) the call goes through
``torch_function_dispatch`` instead of straight to the op.  There, the top ``TorchFunctionMode``
runs first (popped while it runs), then each overloaded argument's ``__torch_function__`` in
NEP-18 order (subclass before parent, else left to right), until one returns something other
than ``NotImplemented``.

``Tensor.__torch_function__`` (the default) runs the function with subclass handling disabled
and turns plain-Tensor results into the subclass.  A subclass that defines
``__torch_dispatch__`` but not ``__torch_function__`` gets ``_disabled_torch_function_impl``
(as PyTorch's tensor metaclass does), so it only sees the dispatcher level.
"""
from __future__ import annotations

import contextlib
import functools
import threading
import warnings

from ._dispatcher.python_fallback import (
    _NoCallBinding, _RestorePythonTLSSnapshot, _disabled_torch_dispatch_impl,
    multiple_dispatch_error,
)
from ._dispatcher.tls import TF_LIVE_MODES, state as _tls
from ._tensor import META_TORCH_FUNCTION, Tensor

__all__ = [
    "get_ignored_functions", "get_overridable_functions", "get_testing_overrides",
    "handle_torch_function", "has_torch_function", "resolve_name", "is_tensor_like",
    "is_tensor_method_or_property", "wrap_torch_function", "enable_reentrant_dispatch",
    "TorchFunctionMode",
]

# Function modes pushed on any thread: the API layer's hot path only looks at this flag.
_live_modes = TF_LIVE_MODES
_live_lock = threading.Lock()

# ---- the torch-function state ----------------------------------------------------------------
ENABLED, SUBCLASSES_DISABLED, ALL_DISABLED = 0, 1, 2


class _TorchFunctionState:
    """Set the thread's torch-function state for a ``with`` block (restored on exit)."""

    _state = ENABLED

    def __enter__(self):
        self._old = _tls.torch_function_disabled
        _tls.torch_function_disabled = self._state
        return self

    def __exit__(self, *exc):
        _tls.torch_function_disabled = self._old
        return False


class DisableTorchFunctionSubclass(_TorchFunctionState):
    """Inside the block, subclasses' ``__torch_function__`` is skipped (modes still run)."""

    _state = SUBCLASSES_DISABLED


class DisableTorchFunction(_TorchFunctionState):
    """Inside the block, no ``__torch_function__`` runs at all (modes included)."""

    _state = ALL_DISABLED


class _EnableTorchFunction(_TorchFunctionState):
    _state = ENABLED


def _is_torch_function_enabled():
    return _tls.torch_function_disabled == ENABLED


def _is_torch_function_mode_enabled():
    return bool(_tls.function_modes) and _tls.torch_function_disabled != ALL_DISABLED


def _is_torch_function_all_disabled():
    return _tls.torch_function_disabled == ALL_DISABLED


def _disabled_torch_function_impl(func, types, args=(), kwargs=None):
    """Opt a class out of ``__torch_function__``: just run ``func``."""
    st = _tls
    old = st.torch_function_disabled
    st.torch_function_disabled = SUBCLASSES_DISABLED
    try:
        return func(*args, **(kwargs or {}))
    finally:
        st.torch_function_disabled = old


_disabled_torch_function_impl = _NoCallBinding(_disabled_torch_function_impl)


# ---- the function-mode stack ----------------------------------------------------------------
def _push_on_torch_function_stack(mode):
    _tls.function_modes.append(mode)
    with _live_lock:
        _live_modes[0] += 1


def _pop_torch_function_stack():
    modes = _tls.function_modes
    if not modes:
        raise RuntimeError("Trying to pop from empty mode stack")
    m = modes.pop()
    with _live_lock:
        _live_modes[0] = max(0, _live_modes[0] - 1)
    return m


def _len_torch_function_stack():
    return len(_tls.function_modes)


def _get_function_stack_at(i):
    return _tls.function_modes[i]


# ---- overloaded arguments ---------------------------------------------------------------------
# type -> 0 plain, 1 inherits Tensor.__torch_function__, 2 defines its own, 3 list/tuple
_KIND: dict = {Tensor: 0, int: 0, float: 0, bool: 0, complex: 0, str: 0, type(None): 0,
               slice: 0, type(Ellipsis): 0, list: 3, tuple: 3}
_default_tf = None  # the function behind Tensor.__torch_function__
# Operand types that never need the protocol: Python numbers, Tensor, and Tensor subclasses
# without an active __torch_function__ (dispatch-only subclasses).  The dunders' fast path.
NO_TF_TYPES = {Tensor, int, float, bool, complex}


def _foreign_tensor(t, tf):
    """PyTorch's own tensors (the test oracle) handle ``__torch_function__`` with PyTorch's
    state, which kindling's guards do not reach: treat them as plain values."""
    fn = getattr(tf, "__func__", tf)
    return getattr(fn, "__module__", "") == "torch._tensor" and \
        getattr(t, "__module__", "").startswith("torch")


def _classify(t):
    tf = getattr(t, "__torch_function__", None)
    if tf is None or tf is _disabled_torch_function_impl or _foreign_tensor(t, tf):
        k = 0
        if isinstance(t, type) and issubclass(t, Tensor):
            NO_TF_TYPES.add(t)
    elif getattr(tf, "__func__", None) is _default_tf:
        k = 1
    else:
        k = 2
    _KIND[t] = k
    return k


def has_overloaded(args, kwargs=None):
    """Whether any argument (or list element) has an active ``__torch_function__``."""
    K = _KIND
    for a in args:
        t = type(a)
        if t is Tensor:
            continue
        k = K.get(t)
        if k is None:
            k = _classify(t)
        if k:
            if k != 3:
                return True
            for x in a:
                tx = type(x)
                if tx is not Tensor:
                    kx = K.get(tx)
                    if kx is None:
                        kx = _classify(tx)
                    if kx == 1 or kx == 2:
                        return True
    if kwargs:
        return has_overloaded(kwargs.values())
    return False


# Spec B.3's precedence (first of each type, subclass before its parent), shared with the
# Python key's overloaded-argument collection.
from ._dispatcher.python_fallback import _append_overloaded as _append  # noqa: E402


def _collect(args, kwargs):
    out = []
    K = _KIND
    for a in list(args) + (list(kwargs.values()) if kwargs else []):
        t = type(a)
        if t is Tensor:
            continue
        k = K.get(t)
        if k is None:
            k = _classify(t)
        if k == 3:
            for x in a:
                tx = type(x)
                if tx is not Tensor:
                    kx = K.get(tx)
                    if kx is None:
                        kx = _classify(tx)
                    if kx == 1 or kx == 2:
                        _append(out, x)
        elif k:
            _append(out, a)
    return out


def _get_overloaded_args(relevant_args, get_type_fn=None):
    """The arguments whose ``__torch_function__`` runs, in calling order (NEP-18)."""
    if not _is_torch_function_enabled():
        return []
    get_type_fn = get_type_fn or type
    types, out = set(), []
    for arg in relevant_args:
        t = get_type_fn(arg)
        if t in types or t is Tensor:
            continue
        tf = getattr(t, "__torch_function__", None)
        if tf is None or tf is _disabled_torch_function_impl:
            continue
        types.add(t)
        index = len(out)
        for i, old in enumerate(out):
            if issubclass(t, get_type_fn(old)):
                index = i
                break
        out.insert(index, arg)
    return out


def _api_name(api):
    n = getattr(api, "_tf_name", None)
    if n is not None:
        return n
    mod = getattr(api, "__module__", None) or ""
    if mod == "kindling" or mod.startswith("kindling."):
        mod = "torch" + mod[len("kindling"):]
    return f"{mod}.{getattr(api, '__name__', repr(api))}"


def torch_function_dispatch(api, impl, args, kwargs, relevant=None):
    """The ``__torch_function__`` step of a public call: ``api`` is what handlers receive as
    ``func``; ``impl(*args, **kwargs)`` runs the call without the protocol.  ``relevant``: the
    arguments whose types are asked (default: all of them)."""
    st = _tls
    disabled = st.torch_function_disabled
    if disabled == ALL_DISABLED:
        return impl(*args, **(kwargs or {}))
    if disabled:
        overloaded = []
    else:
        overloaded = _collect(args, kwargs) if relevant is None else _collect(relevant, None)
    modes = st.function_modes
    if not overloaded and not modes:
        return impl(*args, **(kwargs or {}))
    types = tuple([type(a) for a in overloaded])
    mode = None
    if modes:
        mode = _pop_torch_function_stack()
        try:
            r = mode.__torch_function__(api, types, args, kwargs)
        finally:
            _push_on_torch_function_stack(mode)
        if r is not NotImplemented:
            return r
    else:
        cls = types[0]
        if all(_KIND.get(t) == 1 for t in types) and all(issubclass(cls, t) for t in types):
            # Every handler is the default Tensor.__torch_function__: run it inline.
            st.torch_function_disabled = SUBCLASSES_DISABLED
            try:
                ret = impl(*args, **(kwargs or {}))
            finally:
                st.torch_function_disabled = disabled
            return ret if api in _NOWRAP else _convert(ret, cls)
    for a in overloaded:
        r = a.__torch_function__(api, types, args, kwargs)
        if r is not NotImplemented:
            return r
    raise multiple_dispatch_error(_api_name(api), mode, overloaded, "__torch_function__")


# ---- the default Tensor.__torch_function__ ---------------------------------------------------
def _convert(ret, cls):
    if cls is Tensor:
        return ret
    if isinstance(ret, Tensor) and not isinstance(ret, cls):
        ret = ret.as_subclass(cls)
    if isinstance(ret, (tuple, list)):
        ret = type(ret)(_convert(r, cls) for r in ret) if not hasattr(ret, "_fields") else \
            type(ret)(*[_convert(r, cls) for r in ret])
    return ret


# (filled by tf_properties: ``Tensor.grad.__get__``, as PyTorch's list)
_NOWRAP: set = set()


def get_default_nowrap_functions():
    """Functions whose results the default handler does not re-wrap (field accesses)."""
    return set(_NOWRAP)


# ---- Tensor properties -------------------------------------------------------------------------
def tf_property(prop):
    """``prop`` with the protocol, as PyTorch's tensor getset descriptors run it: a function
    mode or an overriding subclass gets ``Tensor.<name>.__get__`` (``__set__``,
    ``__delete__``) as ``func``, with ``(self,)`` (``(self, value)``) as ``args``; only
    ``self``'s type is asked.  Exact Tensors with no function mode pay one check."""
    fget, fset, fdel = prop.fget, prop.fset, prop.fdel
    live = _live_modes
    plain = NO_TF_TYPES
    apis = {}

    def get(self):
        if type(self) in plain and not live[0]:
            return fget(self)
        return torch_function_dispatch(apis["get"], fget, (self,), None, (self,))

    def set_(self, value):
        if type(self) in plain and not live[0]:
            return fset(self, value)
        torch_function_dispatch(apis["set"], fset, (self, value), None, (self,))

    def delete(self):
        if type(self) in plain and not live[0]:
            return fdel(self)
        torch_function_dispatch(apis["delete"], fdel, (self,), None, (self,))

    new = property(get, set_ if fset is not None else None,
                   delete if fdel is not None else None, prop.__doc__)
    # (created once: handlers compare them with ``Tensor.<name>.__get__``, which is equal)
    apis.update(get=new.__get__, set=new.__set__, delete=new.__delete__)
    return new


def tf_properties(cls, names, nowrap=()):
    """Give ``cls``'s properties ``names`` the protocol; results of those in ``nowrap`` are not
    re-wrapped as the subclass by the default handler (PyTorch's ``grad``)."""
    for name in names:
        prop = cls.__dict__[name]
        setattr(cls, name, tf_property(prop))
    for name in nowrap:
        _NOWRAP.add(getattr(cls, name).__get__)


def _tensor_torch_function(cls, func, types, args=(), kwargs=None):
    """Run ``func`` with subclass handling disabled; plain-Tensor results become ``cls``."""
    if kwargs is None:
        kwargs = {}
    if not all(issubclass(cls, t) for t in types):
        return NotImplemented
    st = _tls
    old = st.torch_function_disabled
    st.torch_function_disabled = SUBCLASSES_DISABLED
    try:
        ret = func(*args, **kwargs)
        if func in _NOWRAP:
            return ret
        return _convert(ret, cls)
    finally:
        st.torch_function_disabled = old


def _tensor_init_subclass(cls, **kwargs):
    """A subclass that defines ``__torch_dispatch__`` but keeps the default
    ``__torch_function__`` gets the disabled one (PyTorch's ``_TensorMeta`` rule).  One with a
    ``__torch_function__`` of its own gets it for the metadata methods too (``size()``,
    ``dim()``... check ``_meta_slow`` first)."""
    super(Tensor, cls).__init_subclass__(**kwargs)
    if cls.__torch_dispatch__ is not _disabled_torch_dispatch_impl:
        tf = cls.__dict__.get("__torch_function__", None)
        inherited = getattr(cls, "__torch_function__", None)
        if tf is None and getattr(inherited, "__func__", None) is _default_tf:
            cls.__torch_function__ = _disabled_torch_function_impl
    tf = getattr(cls, "__torch_function__", None)
    if tf is not None and tf is not _disabled_torch_function_impl and \
            getattr(tf, "__func__", None) is not _default_tf:
        cls._meta_slow = cls._meta_slow | META_TORCH_FUNCTION
    else:
        cls._meta_slow = cls._meta_slow & ~META_TORCH_FUNCTION


Tensor.__torch_function__ = classmethod(_tensor_torch_function)
Tensor.__torch_dispatch__ = _disabled_torch_dispatch_impl
Tensor.__init_subclass__ = classmethod(_tensor_init_subclass)
_default_tf = _tensor_torch_function


# ---- the public protocol --------------------------------------------------------------------
def has_torch_function(relevant_args):
    """Whether any of ``relevant_args`` has ``__torch_function__`` or a function mode is on
    (exact Tensors do not count)."""
    if _is_torch_function_mode_enabled():
        return True
    if not _is_torch_function_enabled():
        return False
    for a in relevant_args:
        t = type(a)
        if t is Tensor:
            continue
        tf = getattr(t, "__torch_function__", None)
        if tf is not None and tf is not _disabled_torch_function_impl:
            return True
    return False


def has_torch_function_unary(a):
    return has_torch_function((a,))


def has_torch_function_variadic(*args):
    return has_torch_function(args)


def handle_torch_function(public_api, relevant_args, *args, **kwargs):
    """Call the mode's / overloaded arguments' ``__torch_function__`` for ``public_api``."""
    overloaded_args = _get_overloaded_args(relevant_args)
    types = tuple(map(type, overloaded_args))
    if _is_torch_function_mode_enabled():
        with _pop_mode_temporarily() as mode:
            result = mode.__torch_function__(public_api, types, args, kwargs)
        if result is not NotImplemented:
            return result
    for overloaded_arg in overloaded_args:
        torch_func_method = overloaded_arg.__torch_function__
        if getattr(torch_func_method, "__self__", None) is overloaded_arg and \
                torch_func_method is not _disabled_torch_function_impl:
            warnings.warn("Defining your `__torch_function__ as a plain method is deprecated and "
                          "will be an error in future, please define it as a classmethod.",
                          DeprecationWarning, stacklevel=2)
        result = torch_func_method(public_api, types, args, kwargs)
        if result is not NotImplemented:
            return result
    func_name = _api_name(public_api)
    msg = (f"no implementation found for '{func_name}' on types that implement "
           f"__torch_function__: {[type(arg) for arg in overloaded_args]}")
    if _is_torch_function_mode_enabled():
        msg += f" nor in mode {_get_current_function_mode()}"
    raise TypeError(msg)


def wrap_torch_function(dispatcher):
    """Decorator: make a Python function dispatchable through ``__torch_function__``;
    ``dispatcher(*args, **kwargs)`` returns the relevant arguments."""
    def inner(func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            relevant_args = dispatcher(*args, **kwargs)
            if has_torch_function(relevant_args):
                return handle_torch_function(wrapped, relevant_args, *args, **kwargs)
            return func(*args, **kwargs)
        return wrapped
    return inner


def _skip_one_hop_torch_function(func, types, args, kwargs):
    impl = getattr(func, "_tf_impl", None)
    if impl is None:
        return func(*args, **(kwargs or {}))
    return impl(*args, **(kwargs or {}))


def redispatch_function(func, types, args, kwargs):
    """Skip one level of ``__torch_function__`` and call the function itself."""
    return _skip_one_hop_torch_function(func, types, args, kwargs)


def is_tensor_like(inp):
    """``True`` for exact Tensors and anything whose type has ``__torch_function__``."""
    return type(inp) is Tensor or hasattr(inp, "__torch_function__")


def _hooked_functions():
    import kindling
    from ._aten._api import PUBLIC
    funcs = [f for f in PUBLIC.values() if getattr(f, "_tf_hooked", False)]
    methods = [f for f in vars(Tensor).values() if getattr(f, "_tf_hooked", False)]
    _ = kindling
    return funcs, methods


@functools.lru_cache(None)
def _get_overridable_functions():
    import kindling
    funcs, methods = _hooked_functions()
    names = {}
    for f in funcs:
        names[f] = getattr(f, "_tf_name", f"torch.{f.__name__}")
    for f in methods:
        names[f] = getattr(f, "_tf_name", f"torch.Tensor.{f.__name__}")
    return {kindling: funcs, Tensor: methods}, names


def get_overridable_functions():
    """``{namespace: [functions]}`` for everything ``__torch_function__`` can override."""
    return _get_overridable_functions()[0]


def get_ignored_functions():
    """Public functions and Tensor methods that are *not* overridable."""
    import kindling
    from ._aten._api import PUBLIC
    out = set()
    for name in dir(kindling):
        f = getattr(kindling, name, None)
        if callable(f) and not isinstance(f, type) and not getattr(f, "_tf_hooked", False) \
                and not name.startswith("_") and getattr(f, "__module__", "") and \
                str(getattr(f, "__module__", "")).startswith("kindling"):
            out.add(f)
    for name, f in vars(Tensor).items():
        if callable(f) and not getattr(f, "_tf_hooked", False) and not isinstance(f, type):
            out.add(getattr(Tensor, name))
    _ = PUBLIC
    return out


def get_testing_overrides():
    """``{function: dummy}`` with a dummy override (returning -1) for every overridable one."""
    funcs, methods = _hooked_functions()
    return {f: (lambda *args, **kwargs: -1) for f in funcs + methods}


def resolve_name(f):
    """``'torch.add'`` / ``'torch.Tensor.add'`` for an overridable function, else None."""
    from ._ops import OpOverload, OpOverloadPacket
    if isinstance(f, (OpOverload, OpOverloadPacket)):
        return str(f)
    return _get_overridable_functions()[1].get(f)


def is_tensor_method_or_property(func):
    """Whether ``func`` (as passed to ``__torch_function__``) is a Tensor method."""
    return func in set(get_overridable_functions()[Tensor]) or \
        getattr(func, "__name__", None) == "__get__"


# ---- modes ------------------------------------------------------------------------------------
class TorchFunctionMode:
    """Override every ``__torch_function__``-overridable function inside ``with mode:``.

    The mode is taken off the stack while its handler runs, so calls made there go to the next
    mode down (or to the functions themselves).
    """

    inner = None

    def __init__(self):
        pass

    def __torch_function__(self, func, types, args=(), kwargs=None):
        raise NotImplementedError

    def __enter__(self):
        _push_mode(self)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        _pop_mode()

    @classmethod
    def push(cls, *args, **kwargs):
        warnings.warn("`Mode.push()` is no longer necessary and can be replaced with just "
                      "`with Mode()`", stacklevel=2)
        return cls(*args, **kwargs)


class BaseTorchFunctionMode(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        return func(*args, **kwargs)


def _get_current_function_mode():
    modes = _tls.function_modes
    return modes[-1] if modes else None


def _get_current_function_mode_stack():
    return list(_tls.function_modes)


def _push_mode(mode):
    _push_on_torch_function_stack(mode)


def _pop_mode():
    return _pop_torch_function_stack()


@contextlib.contextmanager
def _pop_mode_temporarily():
    old = _pop_mode()
    try:
        yield old
    finally:
        _push_mode(old)


@contextlib.contextmanager
def _enable_torch_function():
    with _EnableTorchFunction():
        yield


@contextlib.contextmanager
def enable_reentrant_dispatch():
    """Inside ``__torch_dispatch__``: bring back the TLS the op entered with, so the keys above
    Python (autograd) run again for ops on inner tensors."""
    with _RestorePythonTLSSnapshot():
        yield
