"""``kindling.ops``: operator namespaces, ``OpOverloadPacket`` and ``OpOverload`` (``torch._ops``).

``ops.aten.add`` is a packet (callable; picks the overload from the arguments), and
``ops.aten.add.Tensor`` is an ``OpOverload`` whose ``__call__`` *is* the dispatcher's hot path:
OR the key bits of the tensor arguments with the thread's include set, mask, index the table.
"""
from __future__ import annotations

import types

from ._dispatcher import operator as _opreg
from ._dispatcher.keys import DispatchKeySet, K, RANK, parse_key
from ._dispatcher.tls import state as _tls

Tensor = None  # set by kindling._tensor (avoids an import cycle on the hot path)


def _set_tensor_class(cls):
    global Tensor
    Tensor = cls


def _is_mode_or_subclass(k):
    """A TorchDispatchMode subclass or a Tensor subclass (``py_impl`` targets that are types)."""
    import inspect
    if not inspect.isclass(k):
        return False
    if issubclass(k, Tensor):
        return True
    try:
        from .utils._python_dispatch import TorchDispatchMode
    except ImportError:
        return hasattr(k, "__torch_dispatch__")
    return issubclass(k, TorchDispatchMode)


class OperatorBase:
    """What OpOverload and HigherOrderOperator share: Python kernels per key (``py_kernels``)
    and per mode/subclass type (``python_key_table``), registered with ``py_impl``."""

    def __init__(self):
        self._dispatch_cache: dict = {}
        self.py_kernels: dict = {}
        self.python_key_table: dict = {}
        self.functorch_table: dict = {}

    def py_impl(self, k):
        """Decorator: a Python kernel for DispatchKey ``k`` (used by the Python dispatcher),
        or a handler for a TorchDispatchMode / Tensor subclass type (``fn(mode, *args)``)."""
        def inner(fn):
            if _is_mode_or_subclass(k):
                if k in self.python_key_table:
                    raise AssertionError(f"{k} already registered in python_key_table")
                self.python_key_table[k] = fn
                self._dispatch_cache.clear()
                return fn
            if not isinstance(k, K):
                raise AssertionError(f"expected DispatchKey, got {type(k)}")
            if k == K.Python:
                raise AssertionError(
                    "Please register a mode for the DispatchKey.Python key instead.")
            if k in self.py_kernels:
                raise RuntimeError(
                    f"Trying to override a python impl for {k} on operator {self.name()}")
            self.py_kernels[k] = fn
            self._dispatch_cache.clear()
            return fn
        return inner


class OpOverload(OperatorBase):
    """One overload of an operator: ``ops.aten.add.Tensor``. Calling it dispatches."""

    def __init__(self, packet, entry):
        self._entry = entry
        self._schema = entry.schema
        self._overloadpacket = packet
        self._op = self  # PyTorch keeps the C++ op here; we are our own op.
        self._overloadname = overload = entry.overload_name or "default"
        self._ns = packet._ns
        self._opname = opname = packet.__name__
        self.__name__ = f"{opname}.{overload}"
        self.__module__ = packet.__module__
        self.__qualname__ = overload
        self._name = entry.qualified
        self.py_kernels = entry.py_kernels
        self.python_key_table = entry.python_key_table
        self._dispatch_cache = {}

    # The hot path ---------------------------------------------------------------------------
    def __call__(self, /, *args, **kwargs):
        entry = self._entry
        n = len(args)
        if n == 2 and not kwargs and entry.binary:
            # two positional arguments that bind (the most common call), unrolled as the
            # ``guarded`` callers are: no argument-count check.  A number where the schema
            # wants a Tensor, or a Tensor where it wants a Scalar, goes to the schema check
            # (flags worked out once per op: one attribute test per argument).
            a, b = args
            if isinstance(a, Tensor):
                ks = a._ks
            else:
                ks = 0
                if entry.b_t0 and a is not None:
                    _check_call(entry, args, {})
            if isinstance(b, Tensor):
                ks |= b._ks
                if entry.b_s1:
                    _check_call(entry, args, {})
            elif entry.b_t1 and b is not None:
                _check_call(entry, args, {})
            st = _tls
            ks = (ks | st.included) & ~st.excluded & entry.mask
            if not ks:
                return _opreg.call_undefined(entry, args, {})
            try:
                return entry.table[ks.bit_length() - 1](ks, a, b)
            except Exception:
                _check_call(entry, args, {})
                raise
        if entry.scan_lists:
            ks = 0
            for a in args:
                if isinstance(a, Tensor):
                    ks |= a._ks
                elif type(a) in (list, tuple):
                    for t in a:
                        if isinstance(t, Tensor):
                            ks |= t._ks
        else:
            ks = 0
            for a in args:
                if isinstance(a, Tensor):
                    ks |= a._ks
        if kwargs:
            bad = _wrong_positions(entry, args)
            for k, a in kwargs.items():
                if isinstance(a, Tensor):
                    ks |= a._ks
                    if k in entry.kw_scalar:
                        bad = True
                elif a is not None and k in entry.kw_tensor:
                    bad = True
            if bad or not kwargs.keys() <= entry.arg_names or n < entry.min_pos:
                # (a required positional argument may come by keyword: _check_call tells)
                _check_call(entry, args, kwargs)
        elif not entry.min_pos <= n <= entry.max_pos:
            _check_call(entry, args, kwargs)
        else:
            # the Tensor-or-not positions (see the binary case); nearly every op's are its
            # first one to three arguments, all tensors, tested here
            c = entry.chk
            if c == 1:
                if not isinstance(args[0], Tensor):
                    _check_call(entry, args, kwargs)
            elif c == 2:
                if not (isinstance(args[0], Tensor) and isinstance(args[1], Tensor)):
                    _check_call(entry, args, kwargs)
            elif c == 3:
                if not (isinstance(args[0], Tensor) and isinstance(args[1], Tensor) and
                        isinstance(args[2], Tensor)):
                    _check_call(entry, args, kwargs)
            elif c and _wrong_positions(entry, args):
                _check_call(entry, args, kwargs)
        st = _tls
        ks = (ks | st.included) & ~st.excluded & entry.mask
        if not ks:
            return _opreg.call_undefined(entry, args, kwargs)
        try:
            if kwargs:
                return entry.table[ks.bit_length() - 1](ks, *args, **kwargs)
            return entry.table[ks.bit_length() - 1](ks, *args)  # (``**{}`` is not free)
        except Exception:
            # Other argument types are only checked once something failed (free on success):
            # a call that does not match the schema gets PyTorch's error, not the kernel's.
            _check_call(entry, args, kwargs)
            raise

    def redispatch(self, keyset, /, *args, **kwargs):
        """Call the kernel of the highest key in ``keyset`` (a DispatchKeySet or raw bits)."""
        entry = self._entry
        ks = (keyset if type(keyset) is int else keyset._bits) & entry.mask
        if not ks:
            return _opreg.call_undefined(entry, args, kwargs)
        return entry.table[ks.bit_length() - 1](ks, *args, **kwargs)

    def _op_dk(self, key, /, *args, **kwargs):
        """Call the kernel registered for runtime ``key`` directly."""
        key = parse_key(key)
        return self._entry.table[RANK[key]](1 << RANK[key], *args, **kwargs)

    def decompose(self, *args, **kwargs):
        """Run the CompositeImplicitAutograd decomposition, or NotImplemented if there is none."""
        e = self._entry._top(K.CompositeImplicitAutograd)
        if e is None:
            return NotImplemented
        return e.fn(0, *args, **kwargs)

    # Metadata -------------------------------------------------------------------------------
    @property
    def overloadpacket(self):
        return self._overloadpacket

    @property
    def namespace(self):
        return self._ns

    @property
    def tags(self):
        """The op's tags: one list per overload, the same object each time (as PyTorch's)."""
        t = self.__dict__.get("_tags")
        if t is None:
            t = self._tags = list(self._entry.tags)
        return t

    @property
    def is_view(self):
        return self._entry.is_view

    def name(self):
        return self._name

    def __repr__(self):
        return f"<OpOverload(op='{self._ns}.{self._opname}', overload='{self._overloadname}')>"

    def __str__(self):
        return f"{self._ns}.{self._opname}.{self._overloadname}"

    def __hash__(self):
        return id(self)

    def __deepcopy__(self, memo=None):
        return self

    def __reduce__(self):
        return (_resolve_overload, (self._ns, self._opname, self._overloadname))

    def has_kernel_for_dispatch_key(self, k):
        k = parse_key(k)
        if k in self.py_kernels or self._entry.has_kernel_for(k):
            return True
        self._entry.ensure_table()
        r = RANK.get(k)
        return r is not None and self._entry.sources[r] is not None

    def _get_dispatch(self, key):
        """The Python dispatcher's choice for runtime ``key``: a py_impl kernel or a key."""
        from ._dispatch.python import get_dispatch
        return get_dispatch(self, key)

    def has_kernel_for_any_dispatch_key(self, ks):
        return any(self.has_kernel_for_dispatch_key(k) for k in ks)

    def _uncache_dispatch(self, key):
        self._dispatch_cache.pop(key, None)


def _wrap_numbers(entry, args, kwargs):
    """A call with no tensor argument to an op of PyTorch's numbers-as-tensors list, whose
    Tensor arguments got Python numbers (PyTorch wraps them: ``aten.mul.Tensor(2, 3)`` is
    ``tensor(6)``): the first such number becomes a 0-d tensor of the dtype a number gets,
    the others stay numbers (weak in type promotion, as wrapped numbers are), and the op is
    called again. NotImplemented for any other call."""
    if entry.name.split("::")[-1] not in NUMBERS_AS_TENSORS:
        return NotImplemented
    for i, (a, v) in enumerate(zip(entry.schema.arguments, args)):
        if a.type.base == "Tensor" and not a.type.is_list and \
                type(v) in (int, float, complex, bool):
            from ._dtype import scalar_dtype
            t = ops.aten.scalar_tensor.default(v, dtype=scalar_dtype(v))
            return overload_for(entry)(*args[:i], t, *args[i + 1:], **kwargs)
    return NotImplemented


def _wrong_positions(entry, args):
    """Whether a positional argument is a number where the schema wants a Tensor, or a Tensor
    where it wants a Scalar (then the schema check gives PyTorch's error)."""
    n = len(args)
    for i, want in entry.pos_chk:
        if i >= n:
            return False
        a = args[i]
        if isinstance(a, Tensor) is not want and a is not None:
            return True
    return False


# ---- specialised callers for the hottest call sites ------------------------------------------
# ``OpOverload.__call__`` must accept any arguments, so it scans them all and checks the
# arity.  The Python operators always pass exactly two positional arguments, and the API
# layer's binding cache (and a few hot methods) know the argument types of their calls; for
# them these closures, built once per op, do the same dispatch without the generic scan, at
# about half of ``__call__``'s overhead.  They read ``entry.table`` at call time (tables are
# rebuilt in place), so later registrations are seen as by ``__call__``.

def binary_caller(op, guard=None):
    """``op(a, b)`` with exactly two positional arguments, neither a tensor list (``a + b``).

    ``guard = (fast_types, live, slow)`` makes it a Python operator in one frame: when both
    operands' types are in ``fast_types`` and ``live[0]`` is false (no function mode), the op
    is dispatched at once; otherwise ``slow(a, b)`` runs (the ``__torch_function__`` path)."""
    entry = op._entry
    if entry.scan_lists or not entry.min_pos <= 2 <= entry.max_pos:
        return op
    table = entry.table

    def call(a, b):
        ks = a._ks if isinstance(a, Tensor) else 0
        if isinstance(b, Tensor):
            ks |= b._ks
        st = _tls
        ks = (ks | st.included) & ~st.excluded & entry.mask
        if not ks:
            return _opreg.call_undefined(entry, (a, b), {})
        try:
            return table[ks.bit_length() - 1](ks, a, b)
        except Exception:
            _check_call(entry, (a, b), {})  # as in __call__: the schema's error first
            raise

    if guard is not None:
        fast_types, live, slow = guard

        def guarded(a, b):
            if type(a) not in fast_types or type(b) not in fast_types or live[0]:
                return slow(a, b)
            # (``call``, inlined: one Python frame per operator)
            ks = a._ks if isinstance(a, Tensor) else 0
            if isinstance(b, Tensor):
                ks |= b._ks
            st = _tls
            ks = (ks | st.included) & ~st.excluded & entry.mask
            if not ks:
                return _opreg.call_undefined(entry, (a, b), {})
            try:
                return table[ks.bit_length() - 1](ks, a, b)
            except Exception:
                _check_call(entry, (a, b), {})
                raise
        call = guarded
    call.__name__ = call.__qualname__ = f"{op}"
    return call


def positional_caller(op, types):
    """``op(*args)`` for positional arguments of exactly ``types`` (no list or tuple holding
    tensors), already known to bind to ``op``'s schema: only the tensors' key bits are read."""
    entry = op._entry
    pos = tuple(i for i, t in enumerate(types) if issubclass(t, Tensor))
    table = entry.table

    def dispatch(ks, args):
        st = _tls
        ks = (ks | st.included) & ~st.excluded & entry.mask
        if not ks:
            return _opreg.call_undefined(entry, args, {})
        try:
            return table[ks.bit_length() - 1](ks, *args)
        except Exception:
            _check_call(entry, args, {})  # as in __call__: the schema's error first
            raise

    # The one- and two-tensor cases (nearly every call) have ``dispatch`` inlined.
    if pos == (0,):  # unary ops, and methods whose other arguments are not tensors
        def call(*args):
            st = _tls
            ks = (args[0]._ks | st.included) & ~st.excluded & entry.mask
            if not ks:
                return _opreg.call_undefined(entry, args, {})
            try:
                return table[ks.bit_length() - 1](ks, *args)
            except Exception:
                _check_call(entry, args, {})
                raise
    elif pos == (0, 1):  # binary ops: torch.add(a, b), a.mul(b)
        def call(*args):
            st = _tls
            ks = (args[0]._ks | args[1]._ks | st.included) & ~st.excluded & entry.mask
            if not ks:
                return _opreg.call_undefined(entry, args, {})
            try:
                return table[ks.bit_length() - 1](ks, *args)
            except Exception:
                _check_call(entry, args, {})
                raise
    else:
        def call(*args):
            ks = 0
            for i in pos:
                ks |= args[i]._ks
            return dispatch(ks, args)
    call.__name__ = call.__qualname__ = f"{op}"
    return call


def _resolve_overload(ns, opname, overload):
    return getattr(getattr(getattr(ops, ns), opname), overload)


class OpOverloadPacket:
    """All overloads of one operator name: ``ops.aten.add``."""

    def __init__(self, qualified_name, op_name):
        self._qualified_op_name = qualified_name   # 'aten::add'
        ns, name = qualified_name.split("::")
        self._ns = ns
        self.__name__ = op_name
        self.__qualname__ = op_name
        self.__module__ = f"torch._ops.{ns}"
        self._overload_names_accessed = []
        self._cache = {}
        self._op = self

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._cache[key]
        except KeyError:
            pass
        entry = _opreg.find(self._qualified_op_name, "" if key == "default" else key)
        if entry is None:
            raise AttributeError(
                f"The underlying op of '{self._ns}.{self.__name__}' has no overload name '{key}'")
        return self._add(key, entry)

    def _add(self, key, entry):
        """The OpOverload of ``entry`` (overload name ``key``), made and cached."""
        ov = OpOverload(self, entry)
        self._cache[key] = ov
        self._overload_names_accessed.append(key)
        setattr(self, key, ov)
        return ov

    def __iter__(self):
        return iter(self._overload_names_accessed)

    def overloads(self):
        return [n or "default" for n in _opreg.overloads_of(self._qualified_op_name)]

    @property
    def op(self):
        return self

    def __repr__(self):
        return f"<OpOverloadPacket(op='{self._ns}.{self.__name__}')>"

    def __str__(self):
        return f"{self._ns}.{self.__name__}"

    def __hash__(self):
        return id(self)

    def __deepcopy__(self, memo=None):
        return self

    def __call__(self, /, *args, **kwargs):
        errors = []
        for name in self.overloads():
            ov = getattr(self, name)
            err = match_error(ov._schema, args, kwargs)
            if err is None:
                return ov(*args, **kwargs)
            errors.append(err)
        if len(errors) == 1:
            raise RuntimeError(errors[0])
        raise RuntimeError("Overloaded torch operator invoked from Python failed to match any "
                           "schema:\n" + "\n\n".join(errors) + "\n\n")

    def _refresh(self):
        for k in list(self._cache):
            self.__dict__.pop(k, None)
        self._cache.clear()
        self._overload_names_accessed.clear()


class _OpNamespace(types.ModuleType):
    """``ops.<ns>``: resolves operator names to cached packets."""

    def __init__(self, name):
        super().__init__("torch.ops." + name)
        self.name = name
        self._dir = []

    def __iter__(self):
        if _opreg._lazy:
            _opreg.define_all_pending(self.name)
        return iter(self._dir)

    def __dir__(self):
        if _opreg._lazy:  # (ops defined at first use are listed as if defined at import)
            _opreg.define_all_pending(self.name)
        return super().__dir__()

    def __getattr__(self, op_name):
        qualified = f"{self.name}::{op_name}"
        # (dunder names are Python's probes - ``__wrapped__``... - unless an operator has one:
        # ``aten::__lshift__``)
        if op_name in ("name", "_dir") or (op_name.startswith("__") and
                                           not _opreg.overloads_of(qualified)):
            raise AttributeError(op_name)
        if not _opreg.overloads_of(qualified):
            raise AttributeError(f"'_OpNamespace' '{self.name}' object has no attribute '{op_name}'")
        return self._add(qualified, op_name)

    def _add(self, qualified, op_name):
        """The packet of operator ``qualified``, made and cached."""
        packet = OpOverloadPacket(qualified, op_name)
        setattr(self, op_name, packet)
        self._dir.append(op_name)
        return packet


class _Ops(types.ModuleType):
    """``kindling.ops``: any attribute is a namespace."""

    def __init__(self):
        super().__init__("torch.ops")
        self._namespaces = {}

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "higher_order":
            return _higher_order_namespace
        ns = self._namespaces.get(name)
        if ns is None:
            ns = _OpNamespace(name)
            self._namespaces[name] = ns
        # (again after a ``delattr(torch.ops, name)``, which PyTorch's tests do in tearDown)
        setattr(self, name, ns)
        return ns

    def __iter__(self):
        return iter(self._namespaces)

    def _drop_packet(self, qualified):
        ns, name = qualified.split("::")
        nsobj = self._namespaces.get(ns)
        if nsobj is not None and name in nsobj.__dict__:
            delattr(nsobj, name)
            if name in nsobj._dir:
                nsobj._dir.remove(name)


# Higher-order operators by name (kindling._higher_order_ops registers them).
_higher_order_ops: dict = {}


class _HigherOrderNamespace(types.ModuleType):
    """``ops.higher_order``: the registered HigherOrderOperators."""

    def __init__(self):
        super().__init__("torch.ops.higher_order")
        self._dir = []

    def __iter__(self):
        return iter(self._dir)

    def __getattr__(self, name):
        if name.startswith("__") or name == "_dir":
            raise AttributeError(name)
        op = _higher_order_ops.get(name)
        if op is None:
            from . import _higher_order_ops as _hops  # noqa: F401  (registers the HOPs)
            op = _higher_order_ops.get(name)
        if op is None:
            raise AttributeError(
                f"'_HigherOrderNamespace' 'torch.ops.higher_order' object has no attribute "
                f"'{name}'")
        setattr(self, name, op)
        self._dir.append(name)
        return op


_higher_order_namespace = _HigherOrderNamespace()


def __getattr__(name):  # torch._ops.HigherOrderOperator & co live with the HOPs
    if name in ("HigherOrderOperator", "OperatorBase"):
        from ._higher_order_ops import _base
        return getattr(_base, name)
    if name == "resolve_key":
        from ._dispatch.python import resolve_key
        return resolve_key
    raise AttributeError(f"module 'kindling._ops' has no attribute '{name}'")


ops = _Ops()
_opreg.overload_of = lambda entry: overload_for(entry)
_opreg.wrap_numbers = lambda entry, args, kwargs: _wrap_numbers(entry, args, kwargs)


def overload_for(entry) -> OpOverload:
    """The cached OpOverload object of an operator entry (made here at once when new: the op
    library defines ~1300 at import, and the lookups by name would only find ``entry``)."""
    ns, name = entry.name.split("::")
    space = getattr(ops, ns)
    packet = space.__dict__.get(name)
    if packet is None:
        packet = space._add(entry.name, name)
    key = entry.overload_name or "default"
    ov = packet._cache.get(key)
    return ov if ov is not None else packet._add(key, entry)


# ---- argument checking (slow path only) -------------------------------------------------------
def _type_name(v):
    return type(v).__name__


NUMBERS_AS_TENSORS = _opreg.NUMBERS_AS_TENSORS


def allows_numbers(schema) -> bool:
    return schema.name.split("::")[-1] in NUMBERS_AS_TENSORS


def value_matches(t, v, allow_numbers=True) -> bool:
    """Whether a Python value is acceptable for a schema type (as the Python arg parser sees it)."""
    from . import _dtype, _device, _layout
    if v is None:
        return t.optional or (t.base == "Tensor" and not t.is_list) or t.base == "Any"
    if t.is_list:
        if t.base in ("int", "SymInt") and isinstance(v, int) and not isinstance(v, bool):
            return True
        if t.base in ("int", "SymInt") and _is_intlike(v):
            return True
        if not isinstance(v, (list, tuple)):
            if t.base in ("int", "SymInt") and Tensor is not None and isinstance(v, Tensor):
                return False
            return False
        from ._dispatcher.schema import elem_type
        et = elem_type(t)
        # (None is an element only of ``Tensor?[]`` lists; a lone ``Tensor`` takes it, below)
        return all(et.optional if x is None else value_matches(et, x, allow_numbers)
                   for x in v)
    b = t.base
    if b == "Tensor":
        return isinstance(v, Tensor) or (allow_numbers and _is_number(v))
    if b in ("int", "SymInt", "DeviceIndex"):
        return _is_intlike(v)
    if b in ("float", "SymFloat"):
        return _is_intlike(v) or isinstance(v, float) or _is_np_float(v)
    if b in ("bool", "SymBool"):
        return isinstance(v, bool)
    if b in ("Scalar", "complex"):
        return _is_number(v)
    if b == "str":
        return isinstance(v, str)
    if b == "ScalarType":
        return isinstance(v, _dtype.dtype) or _is_intlike(v)
    if b == "Device":
        return isinstance(v, (_device.device, str)) or _is_intlike(v)
    if b == "Layout":
        return isinstance(v, _layout.layout)
    if b == "MemoryFormat":
        return isinstance(v, _layout.memory_format)
    if b == "Generator":
        from ._generator import Generator
        return isinstance(v, Generator)
    if b == "Storage":
        from ._storage import UntypedStorage
        from .storage import TypedStorage
        return isinstance(v, (UntypedStorage, TypedStorage))
    return True


def _is_intlike(v):
    import numpy as np
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, np.integer)):
        return True
    return hasattr(v, "__index__") and not isinstance(v, float) and (
        Tensor is None or not isinstance(v, Tensor))


def _is_np_float(v):
    import numpy as np
    return isinstance(v, np.floating)


def _is_number(v):
    import numpy as np
    if Tensor is not None and isinstance(v, Tensor):
        return False
    return isinstance(v, (int, float, complex, bool, np.number, np.bool_))


def _schema_type_str(t):
    if t.base == "Scalar":
        return "Optional[number]" if t.optional else "number"
    return str(t)


def _cast_details(t, v):
    """What PyTorch's argument conversion says about why ``v`` is not a ``t``."""
    if not t.is_list and t.base == "Tensor":
        return f"Unable to cast {v!s} to Tensor"
    if not t.is_list and t.base == "Scalar":
        return f"Cannot cast {v!s} to number"
    return (f"Unable to cast Python instance of type {_pyclass(v)} to C++ type '?' "
            "(#define PYBIND11_DETAILED_ERROR_MESSAGES or compile in debug mode for details)")


def _pyclass(v):
    if Tensor is not None and type(v) is Tensor:
        return "<class 'torch.Tensor'>"
    return repr(type(v))


def _mismatch(schema, i, v):
    a = schema.arguments[i]
    return (f"{schema.name}() Expected a value of type '{_schema_type_str(a.type)}' for "
            f"argument '{a.name}' but instead found type '{_type_name(v)}'.\nPosition: {i}\n"
            f"Value: {v!r}\nDeclaration: {schema}\n"
            f"Cast error details: {_cast_details(a.type, v)}")


def match_error(schema, args, kwargs):
    """None if the call binds to the schema, else PyTorch's JIT-style error text (the checks
    in the order of PyTorch's ``createStackForSchema``)."""
    opname = schema.name
    nums = allows_numbers(schema)
    arguments = schema.arguments
    total = len(args) + len(kwargs)
    if total > len(arguments):
        return (f"{opname}() expected at most {len(arguments)} argument(s) but received "
                f"{total} argument(s). Declaration: {schema}")
    for i, v in enumerate(args):
        a = arguments[i]
        if a.kwarg_only:
            return (f"{opname}() takes {i} positional argument(s) but {len(args)} was/were "
                    f"given.  Declaration: {schema}")
        if not value_matches(a.type, v, nums):
            return _mismatch(schema, i, v)
    consumed = 0
    for i in range(len(args), len(arguments)):
        a = arguments[i]
        if a.name in kwargs:
            v = kwargs[a.name]
            if not value_matches(a.type, v, nums):
                return _mismatch(schema, i, v)
            consumed += 1
        elif not a.has_default():
            return f"{opname}() is missing value for argument '{a.name}'. Declaration: {schema}"
    if consumed != len(kwargs):
        index = {a.name: i for i, a in enumerate(arguments)}
        for k in kwargs:
            if k not in index:
                return f"Unknown keyword argument '{k}' for operator '{opname}'. Schema: {schema}"
            if index[k] < len(args):
                return (f"Argument '{k}' specified both as positional and keyword argument. "
                        f"Schema: {schema}")
    return None


def _check_call(entry, args, kwargs):
    """Raise PyTorch's RuntimeError when a direct OpOverload call does not match its schema."""
    err = match_error(entry.schema, args, kwargs)
    if err is not None:
        raise RuntimeError(err) from None
