"""``torch._dispatch.python``: the Python dispatcher switch and its helpers.

With the Python dispatcher enabled (``enable_python_dispatcher()``) the ``PythonDispatcher`` key
is in this thread's include set, so every op call first reaches ``_python_dispatcher_kernel``.
That kernel looks at the key the call would have gone to, resolves it the way the C++
dispatcher does (``resolve_key``) and runs the op's ``py_impl`` kernel for the resolved key if
there is one, else the ordinary table kernel.  Disabled, it costs nothing: the key is on no
tensor and in no include set.
"""
from __future__ import annotations

import contextlib
import threading

from .._dispatcher import operator as _opreg
from .._dispatcher.keys import (ALIAS_COVER, AUTOGRAD_BITS, BACKENDS, RANK, RUNTIME_KEYS,
                                DispatchKey, K, backend_of, bit, bits_of)
from .._dispatcher.operator import KernelEntry
from .._dispatcher.tls import state as _tls

__all__ = ["enable_python_dispatcher", "no_python_dispatcher", "enable_pre_dispatch"]

CROSSREF_FUNCTIONALIZE = False

_PD = bit(K.PythonDispatcher)
_PRE = bit(K.PreDispatch)


# ---- the switches (torch._C._EnablePythonDispatcher & co) ---------------------------------------
class _TLSBitGuard:
    """Sets one TLS bit on construction (RAII, like the C++ guards); restores it on exit or when
    the object is collected.  Usable as a context manager or held alive in a variable."""

    _field = "included"
    _bit = 0
    _value = True

    def __init__(self):
        self._on()
        self._prev = bool(getattr(_tls, self._field) & self._bit)
        self._set(self._value)
        self._active = True

    def _on(self):
        pass

    def _set(self, value):
        cur = getattr(_tls, self._field)
        setattr(_tls, self._field, (cur | self._bit) if value else (cur & ~self._bit))

    def _restore(self):
        if getattr(self, "_active", False):
            self._active = False
            self._set(self._prev)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._restore()
        return False

    def __del__(self):
        try:
            self._restore()
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass


class _EnablePythonDispatcher(_TLSBitGuard):
    """Route op calls through the Python dispatcher while this object lives."""

    _bit = _PD

    def _on(self):
        _install_fallback()


class _DisablePythonDispatcher(_TLSBitGuard):
    """Keep the Python dispatcher off while this object lives."""

    _bit = _PD
    _value = False


class _EnablePreDispatch(_TLSBitGuard):
    """Put the PreDispatch key in this thread's include set while this object lives."""

    _bit = _PRE


enable_python_dispatcher = _EnablePythonDispatcher
no_python_dispatcher = _DisablePythonDispatcher
enable_pre_dispatch = _EnablePreDispatch


def _is_python_dispatcher_enabled():
    return bool(_tls.included & _PD)


# ---- kernel resolution as the C++ dispatcher does it ----------------------------------------
def _has_kernel(op, k):
    """PyTorch's ``OperatorBase.has_kernel_for_dispatch_key`` for OpOverloads and HOPs."""
    if k in op.py_kernels:
        return True
    entry = getattr(op, "_entry", None)
    return entry is not None and entry.has_kernel_for(k)


def _has_kernel_for_any(op, bits):
    for k in list(op.py_kernels):
        if isinstance(k, DispatchKey) and k in RANK and bits & (1 << RANK[k]):
            return True
    entry = getattr(op, "_entry", None)
    if entry is not None:
        for k in entry.kernels:
            if k in RANK and bits & (1 << RANK[k]) and entry.kernels[k]:
                return True
    return False


def _in_alias(k, alias):
    r = RANK.get(k)
    return r is not None and bool(ALIAS_COVER[alias] & (1 << r))


def _backend_bits_from_autograd(k):
    b = backend_of(k) if k in RANK and bit(k) & AUTOGRAD_BITS else None
    if b is None:
        return 0
    return bits_of([p + b for p in ("", "Quantized", "Sparse", "SparseCsr", "NestedTensor")
                    if (p + b) in K.__members__])


_AUTOGRADOTHER_BACKENDS = bits_of(
    ["FPGA", "Vulkan", "Metal", "MkldnnCPU", "CustomRNGKeyId"]
    + [p + b for p in ("Quantized", "Sparse", "SparseCsr", "NestedTensor") for b in BACKENDS])


def resolve_key(op, k):
    """The key whose kernel runs for runtime key ``k`` (``torch._ops.resolve_key``)."""
    if _has_kernel(op, k):
        return k
    cand = K.CompositeExplicitAutogradNonFunctional
    if (k == K.Undefined or _in_alias(k, cand)) and _has_kernel(op, cand):
        return cand
    cand = K.CompositeExplicitAutograd
    if (k == K.Undefined or _in_alias(k, cand)) and _has_kernel(op, cand):
        return cand
    has_backend_kernel = _has_kernel_for_any(op, _backend_bits_from_autograd(k)) or \
        _has_kernel(op, K.CompositeExplicitAutograd)
    cand = K.CompositeImplicitAutogradNestedTensor
    if k != K.Undefined and _in_alias(k, cand) and _has_kernel(op, cand) and \
            not has_backend_kernel:
        return cand
    cand = K.CompositeImplicitAutograd
    if (k == K.Undefined or _in_alias(k, cand)) and _has_kernel(op, cand):
        if k == K.AutogradOther and _has_kernel_for_any(op, _AUTOGRADOTHER_BACKENDS):
            raise RuntimeError("ambiguous autogradother kernel")
        elif not has_backend_kernel:
            return cand
    cand = K.Autograd
    if _in_alias(k, cand) and _has_kernel(op, cand):
        return cand
    cand = K.FuncTorchBatchedDecomposition
    if _in_alias(k, cand) and _has_kernel(op, cand):
        return cand
    if _opreg._fallbacks.get(k):
        return k
    raise NotImplementedError(f"could not find kernel for {op} at dispatch key {k}")


def get_dispatch(op, key):
    """``OpOverload._get_dispatch``: the py_impl kernel for ``key``, or the key to run."""
    cache = op._dispatch_cache
    if key in cache:
        return cache[key]
    if key == K.Python:
        if not op.python_key_table:
            cache[key] = key
            _watch(op)
            return key

        def handler(*args, **kwargs):
            from .._higher_order_ops._base import current_dispatch_mode, pop_mode_temporarily
            mode = current_dispatch_mode()
            if mode is None:
                raise AssertionError(
                    "Illegal invocation of dispatch on DispatchKey.Python without a mode.")
            fn = op.python_key_table.get(type(mode))
            if fn is None:
                return op._op_dk(key, *args, **kwargs)
            with pop_mode_temporarily() as m:
                return fn(m, *args, **kwargs)
        cache[key] = handler
        _watch(op)
        return handler
    final_key = resolve_key(op, key)
    if key == K.Functionalize and CROSSREF_FUNCTIONALIZE:
        handler = make_crossref_functionalize(op, final_key)
        cache[key] = handler
        _watch(op)
        return handler
    r = op.py_kernels.get(final_key, final_key)
    if key != K.PreDispatch:
        cache[key] = r
        _watch(op)
    return r


def _watch(op):
    """Clear ``op``'s dispatch cache whenever its kernel registrations change."""
    entry = getattr(op, "_entry", None)
    if entry is None or getattr(op, "_pd_watching", False):
        return
    import weakref
    ref = weakref.ref(op)

    def on_change():
        o = ref()
        if o is None:
            if on_change in entry.listeners:
                entry.listeners.remove(on_change)
            return
        o._dispatch_cache.clear()
    entry.listeners.append(on_change)
    op._pd_watching = True


def _python_dispatcher_kernel(ks, op, *args, **kwargs):
    """The PythonDispatcher key's kernel: resolve in Python, prefer ``py_impl`` kernels."""
    ks &= ~_PD
    entry = op._entry
    ks &= entry.mask
    if not ks:
        raise _opreg.no_tensor_error(entry)
    k = RUNTIME_KEYS[ks.bit_length() - 1]
    handler = get_dispatch(op, k)
    if isinstance(handler, DispatchKey):
        # Not a redispatch: the kernel gets the full key set (PythonDispatcher included, as
        # in PyTorch), so layers that redispatch below themselves with a mask that keeps
        # PythonDispatcher come back here for the next key.
        full = ks | _PD
        r = RANK.get(handler)
        if r is not None:
            entry.ensure_table()
            return entry.table[r](full, *args, **kwargs)
        kentry = entry._top(handler)
        fn = kentry.fn
        if kentry.boxed:
            return fn(full, op, *args, **kwargs)
        return fn(full, *args, **kwargs)
    from .._library.utils import normalize
    a, kw = normalize(op._schema, args, kwargs)
    return handler(*a, **kw)


_installed = False
_install_lock = threading.Lock()


def _install_fallback():
    """Register the Python dispatcher kernel as PythonDispatcher's fallback (once)."""
    global _installed
    if _installed:
        return
    with _install_lock:
        if _installed:
            return
        _opreg.register_fallback(K.PythonDispatcher, KernelEntry(
            _python_dispatcher_kernel, "kindling/_dispatch/python.py", boxed=True))
        _installed = True


# ---- helpers from torch/_dispatch/python.py -------------------------------------------------
def all_py_loaded_overloads():
    """Every OpOverload Python has accessed so far (walks the lazily filled caches)."""
    from .._ops import ops
    for ns in list(ops):
        packets = getattr(ops, ns)
        for op_name in list(packets):
            packet = getattr(packets, op_name)
            for overload in list(packet):
                yield getattr(packet, overload)


@contextlib.contextmanager
def suspend_functionalization():
    """Turn functionalization off for the block if it is on (kindling: it never is)."""
    f_tls = bool(_tls.included & bit(K.Functionalize))
    if f_tls:
        _tls.included &= ~bit(K.Functionalize)
    try:
        yield
    finally:
        if f_tls:
            _tls.included |= bit(K.Functionalize)


def _significant_strides_match(a, b):
    for i, (sa, sb, n) in enumerate(zip(a.stride(), b.stride(), a.size())):
        if n > 1 and sa != sb:
            return False, i
    return True, None


def check_tensor_metadata_matches(nv, rv, desc):
    if not callable(desc):
        raise AssertionError(f"desc must be callable, got {type(desc)}")
    if nv.size() != rv.size():
        raise AssertionError(f"{desc()}: sizes {nv.size()} != {rv.size()}")
    if nv.dtype != rv.dtype:
        raise AssertionError(f"{desc()}: dtype {nv.dtype} != {rv.dtype}")
    same_strides, idx = _significant_strides_match(nv, rv)
    if not same_strides:
        raise AssertionError(
            f"{desc()}: strides {nv.stride()} != {rv.stride()} (mismatch at index {idx})")


def _flatten(x):
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(_flatten(v))
        return out
    if isinstance(x, dict):
        out = []
        for v in x.values():
            out.extend(_flatten(v))
        return out
    return [x]


def check_metadata_matches(n, r, desc):
    if not callable(desc):
        raise AssertionError(f"desc must be callable, got {type(desc)}")
    n_vals = _flatten(n)
    r_vals = _flatten(r)
    if len(n_vals) != len(r_vals):
        raise AssertionError(f"{len(n_vals)} != {len(r_vals)}")
    from .._tensor import Tensor
    for i, nv, rv in zip(range(len(n_vals)), n_vals, r_vals):
        if not isinstance(rv, Tensor):
            continue
        check_tensor_metadata_matches(nv, rv, lambda: f"{desc()} output {i}")


class Lit:
    """An object whose repr is the given text."""

    def __init__(self, s):
        self.s = s

    def __repr__(self):
        return self.s


def _fmt(a):
    from .._tensor import Tensor
    if isinstance(a, Tensor):
        return Lit(f"torch.empty_strided({tuple(a.size())}, {a.stride()}, dtype={a.dtype})")
    return a


def make_crossref_functionalize(op, final_key):
    """Return ``final_key`` (kindling has no functionalization to cross-check yet)."""
    return final_key


@contextlib.contextmanager
def enable_crossref_functionalize():
    global CROSSREF_FUNCTIONALIZE
    for op in all_py_loaded_overloads():
        op._uncache_dispatch(K.Functionalize)
    prev = CROSSREF_FUNCTIONALIZE
    try:
        with enable_python_dispatcher():
            CROSSREF_FUNCTIONALIZE = True
            yield
    finally:
        CROSSREF_FUNCTIONALIZE = prev
        for op in all_py_loaded_overloads():
            op._uncache_dispatch(K.Functionalize)


# ---- torch._C helpers (re-exported by kindling._C) ---------------------------------------------
def _dispatch_has_backend_fallback(k):
    from .._dispatcher.keys import parse_key
    return bool(_opreg._fallbacks.get(parse_key(k)))


def _dispatch_is_alias_key(k):
    from .._dispatcher.keys import IS_ALIAS, parse_key
    return parse_key(k) in IS_ALIAS


def _dispatch_is_included_in_alias(k, alias):
    from .._dispatcher.keys import parse_key
    return _in_alias(parse_key(k), parse_key(alias))


def _parse_dispatch_key(name):
    """The DispatchKey called ``name``, or None."""
    return K.__members__.get(name) if isinstance(name, str) else None


def _is_autocast_available(device_type):
    from ..amp.autocast_mode import is_autocast_available
    return is_autocast_available(device_type)
