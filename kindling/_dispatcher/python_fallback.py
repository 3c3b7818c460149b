"""The ``Python`` dispatch key: dispatch modes and tensor subclasses' ``__torch_dispatch__``.

Two backend fallbacks live here (PyTorch's ``PythonFallbackKernel.cpp``):

* ``PythonTLSSnapshot``: remembers the thread's include/exclude sets as they were when the op
  entered the dispatcher (once per outermost call), so ``enable_reentrant_dispatch`` can bring
  them back inside a handler;
* ``Python``: while a handler runs, every key above ``Python`` is excluded (ops a handler issues
  run below autograd).  The top dispatch mode runs first, popped off the stack while it runs;
  then each overloaded subclass argument (subclass before parent, else left to right) until one
  returns something other than ``NotImplemented``.  Arguments reach handlers normalised the
  PyTorch way (``normalize``) and results are checked against the schema.

The mode stack itself is ``tls.state.dispatch_modes`` (top last); pushing the first mode adds
``Python`` and ``PythonTLSSnapshot`` to the include set so plain tensors and factories reach this
key too.
"""
from __future__ import annotations

import threading

from . import operator as _opreg
from .keys import FORMULA_MODE_BIT, FULL, K, PYTHON_BITS, RANK, above, bit
from .operator import KernelEntry
from .tls import state as _tls

CIA_KEY = K.CompositeImplicitAutograd

PY_BIT = bit(K.Python)
ABOVE_PYTHON = above(K.Python)
BELOW_PYTHON = FULL & ((1 << RANK[K.Python]) - 1)
BELOW_SNAPSHOT = FULL & ((1 << RANK[K.PythonTLSSnapshot]) - 1)

Tensor = None  # the tensor class, set by ``install`` (this layer does not import tensors)


# ---- TLS on entry (PythonTLSSnapshot) -------------------------------------------------------
class _EntryTLS(threading.local):
    saved = None  # (included, excluded) when the outermost op entered the dispatcher


_entry = _EntryTLS()


def _snapshot_kernel_for(entry):
    """PythonTLSSnapshot's table kernel for one operator: record the TLS on entry (if not yet
    recorded), then go below.  (Bound per operator: one call less than a boxed kernel.)"""
    table = entry.table

    def snapshot_kernel(ks, *args, **kwargs):
        e = _entry
        ks &= BELOW_SNAPSHOT & entry.mask
        if not ks:
            raise _opreg.no_tensor_error(entry)
        if e.saved is not None:
            return table[ks.bit_length() - 1](ks, *args, **kwargs)
        st = _tls
        e.saved = (st.included, st.excluded)
        try:
            if kwargs:
                return table[ks.bit_length() - 1](ks, *args, **kwargs)
            return table[ks.bit_length() - 1](ks, *args)  # (``**{}`` is not free)
        finally:
            e.saved = None
    return snapshot_kernel


def _snapshot_kernel(ks, op, *args, **kwargs):
    """The boxed form (what the Python dispatcher calls)."""
    return _snapshot_kernel_for(op._entry)(ks, *args, **kwargs)


class _RestorePythonTLSSnapshot:
    """Inside a handler: the TLS as it was when the op entered the dispatcher (re-enables the
    keys above Python, so autograd records ops on inner tensors)."""

    def __enter__(self):
        saved = _entry.saved
        if saved is None:
            raise RuntimeError(
                "Accessing torch dispatch state outside of '__torch_dispatch__' is not allowed.")
        st = _tls
        self._prev = (st.included, st.excluded, saved)
        st.included, st.excluded = saved
        _entry.saved = None
        return self

    def __exit__(self, *exc):
        st = _tls
        st.included, st.excluded, _entry.saved = self._prev
        return False


class _DisableTorchDispatch:
    """``no_dispatch()``: neither modes nor subclass handlers run inside the block."""

    def __enter__(self):
        st = _tls
        self._added = PYTHON_BITS & ~st.excluded
        st.excluded |= self._added
        return self

    def __exit__(self, *exc):
        _tls.excluded &= ~self._added
        return False


class _NoCallBinding:
    """A callable that does not bind as a method (like a builtin function), so it can be a class
    attribute (``__torch_dispatch__ = torch._C._disabled_torch_dispatch_impl``)."""

    __slots__ = ("_fn", "__name__", "__qualname__")

    def __init__(self, fn):
        self._fn = fn
        self.__name__ = self.__qualname__ = fn.__name__

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def __repr__(self):
        return f"<built-in function {self.__name__}>"

    def __reduce__(self):
        return self.__name__


def _disabled_torch_dispatch_impl(func, types, args=(), kwargs=None):
    """``Tensor.__torch_dispatch__``: run ``func`` with the Python key excluded."""
    st = _tls
    added = PY_BIT & ~st.excluded
    st.excluded |= added
    try:
        return func(*args, **(kwargs or {}))
    finally:
        st.excluded &= ~added


_disabled_torch_dispatch_impl = _NoCallBinding(_disabled_torch_dispatch_impl)


# ---- the mode stack ---------------------------------------------------------------------------
# Dispatch modes pushed on any thread: the Python key's hot path only reads this flag.
_live_modes = [0]
_live_lock = threading.Lock()


def push_mode(mode):
    st = _tls
    st.dispatch_modes.append(mode)
    st.included |= PYTHON_BITS
    with _live_lock:
        _live_modes[0] += 1


def pop_mode(k=None):
    st = _tls
    modes = st.dispatch_modes
    if not modes:
        raise AssertionError("trying to pop from empty mode stack")
    m = modes.pop()
    if not modes:
        st.included &= ~PYTHON_BITS
    with _live_lock:
        _live_modes[0] = max(0, _live_modes[0] - 1)
    return m


def stack_len():
    return len(_tls.dispatch_modes)


def stack_at(i):
    modes = _tls.dispatch_modes
    if not 0 <= i < len(modes):
        raise IndexError(f"index {i} out of range for the dispatch mode stack")
    return modes[i]


class _StashModes:
    """Take every dispatch mode off the stack for a block (``_make_subclass``, printing)."""

    def __enter__(self):
        st = _tls
        self._modes = st.dispatch_modes
        st.dispatch_modes = []
        if self._modes:
            st.included &= ~PYTHON_BITS
        return self

    def __exit__(self, *exc):
        st = _tls
        st.dispatch_modes = self._modes
        if self._modes:
            st.included |= PYTHON_BITS
        return False


# ---- argument normalisation (only on this path, DESIGN section 4) ---------------------------
_MISSING = object()
_ENUM_NAMES = {"Mean": 1, "Sum": 2, "None": 0}


def _schema_default(a):
    d = a.default_value
    if isinstance(d, str) and a.type.base in ("int", "SymInt") and d in _ENUM_NAMES:
        return _ENUM_NAMES[d]
    if isinstance(d, str) and a.type.base == "MemoryFormat":
        from .. import _layout
        return getattr(_layout, d, d)
    if isinstance(d, str) and a.type.base == "ScalarType":
        from .. import _dtype
        return getattr(_dtype, d, d)
    return d


def _same(v, d):
    """IValue equality: same kind and equal (``1.0`` is not the default ``1``, ``True`` not 1)."""
    if d is None:
        return v is None
    if type(d) in (list, tuple):
        if type(v) not in (list, tuple) or len(v) != len(d):
            return False
        return all(_same(x, y) for x, y in zip(v, d))
    if type(v) is not type(d):
        return False
    try:
        return bool(v == d)
    except Exception:
        return False


def _converter(a):
    """Per-argument conversion to what PyTorch hands handlers, or None when values pass as is."""
    t = a.type
    if t.is_list and t.base != "Tensor":
        n = t.list_size
        if t.base in ("int", "SymInt") and n:
            def conv(v):
                if v is None or type(v) is list:
                    return v
                if isinstance(v, int):
                    return [v] * n
                return list(v)
        else:
            def conv(v):
                if v is None or type(v) is list:
                    return v
                if isinstance(v, (tuple, list)):
                    return list(v)
                return v
        return conv
    if t.is_list and t.base == "Tensor":
        return lambda v: v if v is None or type(v) is list else list(v)
    if t.base in ("float", "SymFloat"):
        return lambda v: float(v) if type(v) is int else v
    if t.base == "Device":
        def conv(v):
            if v is None or not isinstance(v, (str, int)):
                return v
            from .. import _device
            return _device.canonical(v)
        return conv
    if t.base == "ScalarType":
        def conv(v):
            if isinstance(v, int) and not isinstance(v, bool):
                from .. import _dtype
                return _dtype.from_scalar_type_int(v) if hasattr(
                    _dtype, "from_scalar_type_int") else v
            return v
        return conv
    return None


class _Normalizer:
    """Builds (args, kwargs) for handlers from a call's arguments, once per operator."""

    __slots__ = ("names", "index", "pos", "n", "n_pos", "kwstart", "defaults", "conv",
                 "simple_upto", "min_pos")

    def __init__(self, schema):
        arguments = schema.arguments
        self.n = len(arguments)
        self.names = [a.name for a in arguments]
        self.index = {a.name: i for i, a in enumerate(arguments)}
        self.n_pos = sum(1 for a in arguments if not a.kwarg_only)
        self.kwstart = self.n_pos
        self.defaults = [_schema_default(a) if a.has_default() else _MISSING for a in arguments]
        self.conv = [_converter(a) for a in arguments]
        # How many leading positionals need no conversion (the fast path for plain calls).
        k = 0
        while k < self.n_pos and self.conv[k] is None:
            k += 1
        self.simple_upto = k
        self.min_pos = 0
        for i in range(self.n_pos):
            if self.defaults[i] is _MISSING:
                self.min_pos = i + 1

    def __call__(self, args, kwargs):
        n_args = len(args)
        if not kwargs and n_args <= self.simple_upto and n_args <= self.min_pos:
            # Nothing to convert, nothing defaulted was passed: args as given.
            return args if type(args) is tuple else tuple(args), {}
        vals = list(args) + [_MISSING] * (self.n - n_args)
        if kwargs:
            index = self.index
            for k, v in kwargs.items():
                i = index.get(k)
                if i is not None:
                    vals[i] = v
        defaults, conv = self.defaults, self.conv
        for i in range(self.n):
            v = vals[i]
            if v is _MISSING:
                vals[i] = defaults[i] if defaults[i] is not _MISSING else None
            elif conv[i] is not None:
                vals[i] = conv[i](v)
        end = self.kwstart
        while end > 0 and defaults[end - 1] is not _MISSING and _same(vals[end - 1],
                                                                       defaults[end - 1]):
            end -= 1
        out_kwargs = {}
        names = self.names
        for i in range(self.kwstart, self.n):
            d = defaults[i]
            if d is not _MISSING and _same(vals[i], d):
                continue
            out_kwargs[names[i]] = vals[i]
        return tuple(vals[:end]), out_kwargs


_normalizers: dict = {}


def normalizer(entry):
    nm = _normalizers.get(entry)
    if nm is None:
        nm = _normalizers[entry] = _Normalizer(entry.schema)
    return nm


def normalize(op, args, kwargs):
    """(args, kwargs) as PyTorch passes them to ``__torch_dispatch__`` and boxed fallbacks."""
    return normalizer(op._entry)(args, kwargs or {})


# ---- result checking ----------------------------------------------------------------------------
_PYBIND_CAST = ("Unable to cast Python instance of type {} to C++ type '?' (#define "
                "PYBIND11_DETAILED_ERROR_MESSAGES or compile in debug mode for details)")


_ONE_TENSOR = ("tensor",)
_OTHER = ("other",)


def _result_kind(schema):
    rets = schema.returns
    if not rets:
        return ("none",)
    if len(rets) == 1:
        t = rets[0].type
        if t.base == "Tensor" and not t.is_list:
            return _ONE_TENSOR
        if t.base == "Tensor" and t.is_list:
            return ("tensorlist",)
        return _OTHER
    return ("multi", len(rets))


_result_kinds: dict = {}


def check_result(entry, r):
    kind = _result_kinds.get(entry)
    if kind is None:
        kind = _result_kinds[entry] = _result_kind(entry.schema)
    k = kind[0]
    if k == "tensor":
        if r is None or isinstance(r, Tensor):
            return r
        raise RuntimeError(f"Unable to cast {r} to Tensor")
    if k == "tensorlist":
        if isinstance(r, (list, tuple)) and all(isinstance(t, Tensor) or t is None for t in r):
            return list(r)
        raise RuntimeError(_PYBIND_CAST.format(type(r)))
    if k == "multi":
        if isinstance(r, (list, tuple)) and len(r) == kind[1]:
            return tuple(r)
        raise RuntimeError(_PYBIND_CAST.format(type(r)))
    return r


def _share_view_counters(entry, args, r):
    """A handler's view result shares the version counter of the tensor it aliases (what
    PyTorch's ADInplaceOrView kernel does for every view op)."""
    base = args[0] if args and isinstance(args[0], Tensor) else None
    if base is None:
        return
    if isinstance(r, Tensor):
        if r is not base:
            r._vc = base._vc
    elif isinstance(r, (list, tuple)):
        for t in r:
            if isinstance(t, Tensor) and t is not base:
                t._vc = base._vc


# ---- the Python key -------------------------------------------------------------------------
def _append_overloaded(out, t):
    tt = type(t)
    for o in out:
        if type(o) is tt:
            return
    for i, o in enumerate(out):
        if issubclass(tt, type(o)):
            out.insert(i, t)
            return
    out.append(t)


def overloaded_tensors(args, kwargs):
    """Arguments carrying the Python key (tensors in lists too), in handler priority order."""
    out = []
    for a in args:
        if isinstance(a, Tensor):
            if a._ks & PY_BIT:
                _append_overloaded(out, a)
        elif type(a) in (list, tuple):
            for t in a:
                if isinstance(t, Tensor) and t._ks & PY_BIT:
                    _append_overloaded(out, t)
    if kwargs:
        for a in kwargs.values():
            if isinstance(a, Tensor):
                if a._ks & PY_BIT:
                    _append_overloaded(out, a)
            elif type(a) in (list, tuple):
                for t in a:
                    if isinstance(t, Tensor) and t._ks & PY_BIT:
                        _append_overloaded(out, t)
    return out


def _mode_handler(mode):
    h = mode.__torch_dispatch__
    if isinstance(getattr(h, "__self__", None), type):
        raise RuntimeError("Defining your mode's `__torch_dispatch__` as a classmethod is not "
                           "supported, please make it a plain method")
    return h


def multiple_dispatch_error(name, mode, overloaded, what="__torch_dispatch__"):
    lines = ""
    if mode is not None:
        lines += f"  - mode object {mode!r}\n"
    for a in overloaded:
        lines += f"  - tensor subclass {type(a)!r}\n"
    return TypeError(f"Multiple dispatch failed for '{name}'; all {what} handlers returned "
                     f"NotImplemented:\n\n{lines}\nFor more information, try re-running with "
                     "TORCH_LOGS=not_implemented")


def call_handlers(func, overloaded, args, kwargs, name=None):
    """Run the mode (popped while it runs), then the subclass handlers; the first result that
    is not NotImplemented wins.  Keys above Python are excluded throughout."""
    st = _tls
    types = tuple([type(a) for a in overloaded]) if overloaded else ()
    entry = getattr(func, "_entry", None)
    rules = entry.torch_dispatch_rules if entry is not None else None
    old_excluded = st.excluded
    st.excluded = old_excluded | ABOVE_PYTHON
    try:
        mode = None
        modes = st.dispatch_modes
        if modes:
            mode = modes.pop()
            if not modes:
                st.included &= ~PYTHON_BITS
            try:
                rule = rules.get(type(mode)) if rules else None
                if rule is not None:
                    r = rule(mode, func, types, args, kwargs)
                else:
                    r = _mode_handler(mode)(func, types, args, kwargs)
            finally:
                st.dispatch_modes.append(mode)
                st.included |= PYTHON_BITS
            if r is not NotImplemented:
                return r
        for a in overloaded:
            rule = rules.get(type(a)) if rules else None
            if rule is not None:
                r = rule(type(a), func, types, args, kwargs)
                if r is not NotImplemented:
                    return r
                continue
            h = a.__torch_dispatch__
            if h is _disabled_torch_dispatch_impl:
                continue
            r = h(func, types, args, kwargs)
            if r is not NotImplemented:
                return r
    finally:
        st.excluded = old_excluded
    raise multiple_dispatch_error(name or f"{func.__module__}.{func.__name__}", mode, overloaded)


_info: dict = {}  # entry -> what _entry_info returns


def _entry_info(entry):
    """(normalizer, result kind, is_view, how many leading positionals pass unnormalised)."""
    inf = _info.get(entry)
    if inf is None:
        nm = normalizer(entry)
        inf = _info[entry] = (nm, _result_kind(entry.schema), entry.is_view,
                              min(nm.simple_upto, nm.min_pos))
        _result_kinds[entry] = inf[1]
    return inf


def _python_kernel_for(entry, op=None):
    """The Python key's table kernel for one operator (bound per operator, like the snapshot
    kernel; ``op`` is looked up on first use: tables are built before OpOverloads exist)."""
    table = entry.table
    scan = entry.scan_lists
    rules = entry.torch_dispatch_rules  # (a dict, updated in place)
    inf = None

    def python_kernel(ks, *args, **kwargs):
        nonlocal op, inf
        st = _tls
        # Overloaded arguments: the tensors carrying the Python key (the common case, no
        # kwargs and no lists, is scanned inline).
        if kwargs or scan:
            overloaded = overloaded_tensors(args, kwargs)
        else:
            overloaded = None
            for a in args:
                if isinstance(a, Tensor) and a._ks & PY_BIT:
                    if overloaded is None:
                        overloaded = [a]
                        first = type(a)
                    elif type(a) is not first:
                        _append_overloaded(overloaded, a)
            if overloaded is None:
                overloaded = ()
        modes = st.dispatch_modes
        if not overloaded and not modes:
            ks &= BELOW_PYTHON & entry.mask
            if not ks:
                raise _opreg.no_tensor_error(entry)
            return table[ks.bit_length() - 1](ks, *args, **kwargs)
        if st.excluded & FORMULA_MODE_BIT:
            # The autograd engine's formulas run below autograd, but in PyTorch they run with
            # it (grad mode off): an op with a CompositeImplicitAutograd kernel decomposes at
            # the Autograd key, so a mode or subclass sees its parts (``view`` for a formula's
            # ``reshape``), never the op itself.
            cia = entry._top(CIA_KEY)
            if cia is not None:
                return cia.fn(ks, *args, **kwargs)
        if inf is None:
            if op is None:
                op = _opreg.overload_of(entry)
            inf = _entry_info(entry)
        normalize_args, result_kind, is_view, n_plain = inf
        if not kwargs and len(args) <= n_plain:
            nargs, nkwargs = args, {}
        else:
            nargs, nkwargs = normalize_args(args, kwargs)
        if modes or rules or len(overloaded) != 1:
            r = call_handlers(op, overloaded, nargs, nkwargs)
        else:  # one subclass, no mode: call_handlers inlined
            a = overloaded[0]
            old = st.excluded
            st.excluded = old | ABOVE_PYTHON
            try:
                h = a.__torch_dispatch__
                r = NotImplemented if h is _disabled_torch_dispatch_impl else \
                    h(op, (type(a),), nargs, nkwargs)
            finally:
                st.excluded = old
            if r is NotImplemented:
                raise multiple_dispatch_error(f"{op.__module__}.{op.__name__}", None,
                                              overloaded)
        if result_kind is _ONE_TENSOR:
            if r is not None and not isinstance(r, Tensor):
                raise RuntimeError(f"Unable to cast {r} to Tensor")
        elif result_kind is not _OTHER:
            r = check_result(entry, r)
        if is_view and r is not None:
            _share_view_counters(entry, args, r)
        return r
    _opreg.LEAF_KERNELS.add(python_kernel)  # (its handlers run with keys above Python excluded)
    return python_kernel


def python_fallback(ks, op, *args, **kwargs):
    """The boxed kernel of the Python key (what the Python dispatcher calls)."""
    return _python_kernel_for(op._entry, op)(ks, *args, **kwargs)


_installed = False


def install(tensor_cls):
    """Register both fallbacks (called once when the op library loads)."""
    global Tensor, _installed
    Tensor = tensor_cls
    if _installed:
        return
    _installed = True
    site = "kindling/_dispatcher/python_fallback.py"
    _opreg.register_fallback(K.PythonTLSSnapshot, KernelEntry(
        _snapshot_kernel, site, boxed=True, bind=_snapshot_kernel_for))
    _opreg.register_fallback(K.Python, KernelEntry(
        python_fallback, site, boxed=True, bind=_python_kernel_for))
