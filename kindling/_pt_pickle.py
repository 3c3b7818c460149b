"""The pickle inside a PyTorch checkpoint: PyTorch's names on the way out, kindling's
objects on the way in, and the weights-only unpickler's rules.

* ``TorchPickler`` writes kindling's tensors as PyTorch writes its own
  (``torch._utils._rebuild_tensor_v2(<storage persistent id>, offset, size, stride,
  requires_grad, OrderedDict()[, metadata])``) and names kindling's core objects (dtypes,
  ``Size``, ``device``, storages, rebuild functions) by their ``torch`` names.  It is the
  pure-Python pickler: the C one insists on importing every module it names.
* ``find_class`` maps ``torch.X`` names back to ``kindling.X``.
* ``WeightsUnpickler`` reads only what PyTorch's weights-only unpickler reads: its opcodes,
  its allow-listed globals (as kindling's objects) and the user's ``add_safe_globals``.
"""
from __future__ import annotations

import pickle
import sys
from collections import Counter, OrderedDict
from struct import unpack

_LEGACY_STORAGE_DTYPES = ("Double", "Float", "Half", "Long", "Int", "Short", "Char", "Byte",
                          "Bool", "BFloat16", "ComplexDouble", "ComplexFloat")


class StorageType:
    """What a checkpoint's ``torch.<Type>Storage`` global loads as: the storage's dtype."""

    def __init__(self, name):
        self._dtype = _dtype_from_storage_name(name)
        self._name = name

    @property
    def dtype(self):
        return self._dtype

    def __str__(self):
        return f"StorageType(dtype={self.dtype})"


def _dtype_from_storage_name(name):
    from . import _dtype
    stem = name[:-len("Storage")] if name.endswith("Storage") else None
    for d in _dtype._ALL.values():
        if stem in _LEGACY_STORAGE_DTYPES and d._legacy == stem:
            return d
    raise KeyError(name)


_STORAGE_TYPES: dict = {}


def storage_type(name):
    """The ``StorageType`` for ``<name>`` (one object per name, so pickles memoize it)."""
    st = _STORAGE_TYPES.get(name)
    if st is None:
        st = _STORAGE_TYPES[name] = StorageType(name)
    return st


def legacy_storage_name(dtype):
    """``FloatStorage`` for float32...; None for the dtypes PyTorch stores untyped."""
    return f"{dtype._legacy}Storage" if dtype._legacy in _LEGACY_STORAGE_DTYPES else None


# ---- the name tables -------------------------------------------------------------------------
_TABLES: list = []


def _tables():
    """(id(obj) -> (obj, module, name) for writing, "module.name" -> obj for reading)."""
    if _TABLES:
        return _TABLES[0]
    import kindling
    from . import _dtype, _utils, _storage, storage as _typed
    from ._tensor import Size, Tensor
    from ._device import device
    from .nn.parameter import Parameter
    from .serialization import _get_layout
    out, back = {}, {}

    def put(obj, module, name):
        out[id(obj)] = (obj, module, name)
        back[f"{module}.{name}"] = obj

    put(Size, "torch", "Size")
    put(device, "torch", "device")
    put(Tensor, "torch", "Tensor")
    put(Parameter, "torch.nn.parameter", "Parameter")
    from .nn.parameter import UninitializedBuffer, UninitializedParameter
    for cls in (UninitializedParameter, UninitializedBuffer):
        # (written under PyTorch's name; not in ``back``: weights-only loads refuse them)
        out[id(cls)] = (cls, "torch.nn.parameter", cls.__name__)
    put(_storage.UntypedStorage, "torch.storage", "UntypedStorage")
    put(_typed.TypedStorage, "torch.storage", "TypedStorage")
    put(_get_layout, "torch.serialization", "_get_layout")
    for f in _utils._TENSOR_REBUILD_FUNCTIONS:
        put(f, "torch._utils", f.__name__)
    put(_utils._rebuild_from_type_v2, "torch._tensor", "_rebuild_from_type_v2")
    for d in _dtype._ALL.values():
        put(d, "torch", d._name)
        legacy = getattr(kindling, f"{d._legacy}Tensor", None)
        if legacy is not None:
            put(legacy, "torch", f"{d._legacy}Tensor")
        name = legacy_storage_name(d)
        if name is not None:
            put(storage_type(name), "torch", name)
            back[f"torch.cuda.{name}"] = storage_type(name)
    _TABLES.append((out, back))
    return out, back


def _allowed_globals():
    """PyTorch's weights-only allow-list, as kindling's objects."""
    _, back = _tables()
    allowed = {"collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
               "_codecs.encode": __import__("_codecs").encode,
               "builtins.bytearray": bytearray, "builtins.set": set,
               "builtins.complex": complex}
    allowed.update(back)
    return allowed


_TORCH_ONLY: list = []


def _torch_only_globals():
    """Globals PyTorch's weights-only allow-list has and kindling lacks (quantized and
    sub-byte dtypes, qschemes, CUDA and sparse legacy types): refused as unsupported, not as
    unsafe."""
    if not _TORCH_ONLY:
        names = {f"torch.{n}" for n in (
            "complex32", "quint8", "qint8", "qint32", "quint4x2", "quint2x4",
            "float8_e5m2fnuz", "float8_e4m3fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2",
            "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2", "per_tensor_affine",
            "per_tensor_symmetric", "per_channel_affine", "per_channel_symmetric",
            "per_channel_affine_float_qparams", "QInt8Storage", "QInt32Storage",
            "QUInt8Storage", "QUInt4x2Storage", "QUInt2x4Storage")}
        names |= {f"torch.{k}int{b}" for k in ("", "u") for b in range(1, 8)}
        for stem in _LEGACY_STORAGE_DTYPES:
            for where in ("torch.cuda.", "torch.sparse.", "torch.cuda.sparse."):
                names.add(f"{where}{stem}Tensor")
        names -= set(_tables()[1])
        _TORCH_ONLY.append(frozenset(names))
    return _TORCH_ONLY[0]


# ---- writing ---------------------------------------------------------------------------------
_V3 = None


def _untyped_dtypes():
    global _V3
    if _V3 is None:
        from . import _dtype
        _V3 = {d for d in _dtype._ALL.values() if legacy_storage_name(d) is None}
    return _V3


def _reduce_tensor_internal(t):
    from . import _layout, _utils
    from ._tensor_subclass import is_wrapper
    from .storage import TypedStorage
    # (fresh tuples, as PyTorch's: a shared cached one would be memoized in the pickle)
    size, stride, rg = tuple(list(t.shape)), tuple(list(t.stride())), t.requires_grad
    if t.device.type == "meta":
        return _utils._rebuild_meta_tensor_no_storage, (t.dtype, size, stride, rg)
    if is_wrapper(t):
        return _utils._rebuild_wrapper_subclass, (type(t), t.dtype, size, stride,
                                                  t.storage_offset(), _layout.strided,
                                                  t.device, rg)
    untyped = t._untyped_storage()
    if t.dtype in _untyped_dtypes():
        func = _utils._rebuild_tensor_v3
        args = (untyped, t.storage_offset(), size, stride, rg, OrderedDict(), t.dtype)
    else:
        func = _utils._rebuild_tensor_v2
        typed = TypedStorage(wrap_storage=untyped, dtype=t.dtype, _internal=True)
        args = (typed, t.storage_offset(), size, stride, rg, OrderedDict())
    meta = _utils.get_tensor_metadata(t)
    if meta:
        args = args + (meta,)
    return func, args


def reduce_tensor(t):
    """What PyTorch's ``Tensor.__reduce_ex__`` gives for ``t``, with kindling's functions."""
    from . import _utils
    from ._tensor import Tensor
    param = sys.modules.get("kindling.nn.parameter")
    if param is not None and (type(t) is param.Parameter
                              or isinstance(t, param.UninitializedTensorMixin)):
        return t.__reduce_ex__(2)  # (an uninitialized one pickles as its class alone)
    state = _utils._get_obj_state(t)
    func, args = _reduce_tensor_internal(t)
    if type(t) is Tensor and not state:
        return func, args
    return _utils._rebuild_from_type_v2, (func, type(t), args, state)


class TorchPickler(pickle._Pickler):
    """Protocol-2 pickler writing PyTorch's names (see the module docstring); storages go
    out through ``persistent_id``."""

    def __init__(self, file, protocol, persistent_id):
        super().__init__(file, protocol)
        self._pid = persistent_id
        self._names = _tables()[0]
        from ._tensor import Tensor
        from ._layout import layout
        from ._device import device
        self._tensor, self._layout, self._device = Tensor, layout, device

    def persistent_id(self, obj):
        return self._pid(obj)

    def reducer_override(self, obj):
        entry = self._names.get(id(obj))
        if entry is not None and entry[0] is obj:
            return entry[2]  # (a name: pickled as that global, by save_global)
        if isinstance(obj, self._tensor):
            return reduce_tensor(obj)
        if isinstance(obj, self._layout):
            from .serialization import _get_layout
            return _get_layout, (str(obj),)
        if type(obj) is self._device:
            # (a fresh string, as PyTorch's device gives: an interned one would be memoized)
            return self._device, tuple("".join(list(a)) if isinstance(a, str) else a
                                       for a in obj.__reduce__()[1])
        return NotImplemented

    def save_global(self, obj, name=None):
        entry = self._names.get(id(obj))
        if entry is None or entry[0] is not obj:
            return super().save_global(obj, name)
        _, module, qualname = entry
        self.write(pickle.GLOBAL + module.encode("utf-8") + b"\n" + qualname.encode("utf-8")
                   + b"\n")
        self.memoize(obj)


# ---- reading ---------------------------------------------------------------------------------
_LOAD_MODULE_MAPPING = {"torch.tensor": "torch._tensor"}


def find_class(unpickler_find_class, module, name):
    """Resolve a global of a full (not weights-only) load: ``torch.*`` names as kindling's."""
    if "Storage" in name and (module == "torch" or module.startswith("torch.")):
        try:
            return storage_type(name)
        except KeyError:
            pass
    module = _LOAD_MODULE_MAPPING.get(module, module)
    obj = _tables()[1].get(f"{module}.{name}")
    if obj is not None:
        return obj
    if module == "torch" or module.startswith("torch."):
        module = "kindling" + module[len("torch"):]
    return unpickler_find_class(module, name)


# Python 2 names protocol-2 pickles may hold, as PyTorch's weights-only unpickler maps them
_IMPORT_MAPPING = {"__builtin__": "builtins", "copy_reg": "copyreg", "Queue": "queue",
                   "repr": "reprlib", "_abcoll": "collections.abc", "UserDict": "collections",
                   "UserList": "collections", "UserString": "collections", "whichdb": "dbm",
                   "StringIO": "io", "cStringIO": "io"}
_NAME_MAPPING = {
    ("__builtin__", "xrange"): ("builtins", "range"),
    ("__builtin__", "reduce"): ("functools", "reduce"),
    ("__builtin__", "intern"): ("sys", "intern"),
    ("__builtin__", "unichr"): ("builtins", "chr"),
    ("__builtin__", "unicode"): ("builtins", "str"),
    ("__builtin__", "long"): ("builtins", "int"),
    ("itertools", "izip"): ("builtins", "zip"),
    ("itertools", "imap"): ("builtins", "map"),
    ("itertools", "ifilter"): ("builtins", "filter"),
    ("itertools", "ifilterfalse"): ("itertools", "filterfalse"),
    ("itertools", "izip_longest"): ("itertools", "zip_longest"),
    ("UserDict", "IterableUserDict"): ("collections", "UserDict"),
    ("UserList", "UserList"): ("collections", "UserList"),
    ("UserString", "UserString"): ("collections", "UserString"),
    ("__builtin__", "basestring"): ("builtins", "str"),
    ("exceptions", "StandardError"): ("builtins", "Exception"),
    ("UserDict", "UserDict"): ("collections", "UserDict"),
}

_BLOCKED_MODULES = ("sys", "os", "posix", "nt")


def _user_allowed(entries):
    """``"module.name" -> obj`` for the user's safe globals; a kindling object also answers to
    its ``torch`` name (a PyTorch checkpoint names ``torch.X`` what kindling has as
    ``kindling.X``)."""
    out = {}
    for f in entries:
        if isinstance(f, tuple):
            if len(f) != 2:
                raise ValueError("Expected tuple of length 2 (global, str of callable full "
                                 f"path), but got tuple of length: {len(f)}")
            if type(f[1]) is not str:
                raise TypeError("Expected second item in tuple to be str of callable full "
                                f"path, but got: {type(f[1])}")
            out[f[1]] = f[0]
            continue
        module, name = f.__module__, f.__qualname__
        out[f"{module}.{name}"] = f
        if module == "kindling" or module.startswith("kindling."):
            out.setdefault(f"torch{module[len('kindling'):]}.{name}", f)
    return out


_OP = {name: getattr(pickle, name)[0] for name in (
    "APPEND", "APPENDS", "BINFLOAT", "BINGET", "BININT", "BININT1", "BININT2", "BINPERSID",
    "BINPUT", "BINUNICODE", "BUILD", "EMPTY_DICT", "EMPTY_LIST", "EMPTY_SET", "EMPTY_TUPLE",
    "GLOBAL", "LONG1", "LONG_BINGET", "LONG_BINPUT", "MARK", "NEWFALSE", "NEWOBJ", "NEWTRUE",
    "NONE", "PROTO", "REDUCE", "SETITEM", "SETITEMS", "SHORT_BINSTRING", "STOP", "TUPLE",
    "TUPLE1", "TUPLE2", "TUPLE3")}


class WeightsUnpickler:
    """PyTorch's weights-only unpickler over kindling's objects: a small opcode loop that
    refuses every global outside the allow-lists and builds only allow-listed types."""

    def __init__(self, file, *, encoding="bytes", user_globals=()):
        self.encoding = encoding
        self.readline = file.readline
        self.read = file.read
        self.memo = {}
        self.proto = -1
        self.allowed = _allowed_globals()
        self.user = _user_allowed(user_globals)
        self._ok = {id(v) for v in self.allowed.values()} | {id(v) for v in self.user.values()}
        from .nn.parameter import Parameter
        from ._tensor import Tensor
        self._param, self._tensor = Parameter, Tensor

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("unsupported persistent id encountered")

    def _global(self):
        module = self.readline()[:-1].decode("utf-8")
        name = self.readline()[:-1].decode("utf-8")
        if (module, name) in _NAME_MAPPING:
            module, name = _NAME_MAPPING[(module, name)]
        elif module in _IMPORT_MAPPING:
            module = _IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise pickle.UnpicklingError(
                f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
        if full in self.allowed:
            return self.allowed[full]
        if full in self.user:
            return self.user[full]
        if full in _torch_only_globals():
            raise NotImplementedError(f"kindling.load: the checkpoint holds {full}, which "
                                      "kindling does not have yet")
        if full in ("torch.nested._internal.nested_tensor.NestedTensor",
                    "torch.nested._internal.nested_tensor._rebuild_njt",
                    "torch._dynamo.decorators._DimRange"):
            raise pickle.UnpicklingError("``torch.nested`` and ``torch._dynamo`` must be "
                                         "imported to load nested jagged tensors (NJTs)")
        if full.startswith("torch.distributed."):
            raise pickle.UnpicklingError(
                "``torch.distributed.tensor`` must be imported to load DTensors")
        if full.startswith("builtins"):
            rest = full[len("builtins"):]
            full = rest[1:] if rest[:1] == "." else "builtins" + rest
        raise pickle.UnpicklingError(
            f"Unsupported global: GLOBAL {full} was not an allowed global by default. "
            f"Please use `torch.serialization.add_safe_globals([{full}])` or the "
            f"`torch.serialization.safe_globals([{full}])` context manager to allowlist this "
            "global if you trust this class/function.")

    def _pop_mark(self):
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def _check_set_item_target(self, opcode):
        if type(self.stack[-1]) not in (dict, OrderedDict, Counter):
            raise pickle.UnpicklingError(
                f"Can only {opcode} for dict, collections.OrderedDict, "
                f"collections.Counter, but got {type(self.stack[-1])}")

    def _build(self, inst, state):
        if type(inst) is self._tensor:
            inst.set_(*state)
        elif type(inst) is self._param:
            inst.__setstate__(state)
        elif type(inst) is OrderedDict:
            inst.__dict__.update(state)
        elif id(type(inst)) in self._ok:
            if hasattr(inst, "__setstate__"):
                inst.__setstate__(state)
            else:
                slotstate = None
                if isinstance(state, tuple) and len(state) == 2:
                    state, slotstate = state
                if state:
                    inst.__dict__.update(state)
                if slotstate:
                    for k, v in slotstate.items():
                        setattr(inst, k, v)
        else:
            raise pickle.UnpicklingError(
                "Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                f"`add_safe_globals`, but got {type(inst)}")

    def load(self):
        """Read one pickle, up to its STOP."""
        self.metastack = []
        self.stack = []
        read, op = self.read, _OP
        while True:
            key = read(1)
            if not key:
                raise EOFError
            k = key[0]
            stack = self.stack
            if k == op["GLOBAL"]:
                stack.append(self._global())
            elif k == op["NEWOBJ"]:
                args = stack.pop()
                cls = stack.pop()
                if cls is self._param:
                    stack.append(self._param(*args))
                elif id(cls) in self._ok:
                    stack.append(cls.__new__(cls, *args))
                else:
                    raise pickle.UnpicklingError(
                        "Can only create new object for nn.Parameter or classes allowlisted "
                        f"via `add_safe_globals` but got {cls}")
            elif k == op["REDUCE"]:
                args = stack.pop()
                func = stack[-1]
                if id(func) not in self._ok:
                    msg = f"Trying to call reduce for unrecognized function {func}"
                    if hasattr(func, "__self__"):
                        msg += f" which belongs to {func.__self__}"
                    raise pickle.UnpicklingError(msg)
                stack[-1] = func(*args)
            elif k == op["BUILD"]:
                state = stack.pop()
                self._build(stack[-1], state)
            elif k == op["APPEND"]:
                item = stack.pop()
                if type(stack[-1]) is not list:
                    raise pickle.UnpicklingError(
                        f"Can only append to lists, but got {type(stack[-1])}")
                stack[-1].append(item)
            elif k == op["APPENDS"]:
                items = self._pop_mark()
                if type(self.stack[-1]) is not list:
                    raise pickle.UnpicklingError(
                        f"Can only extend lists, but got {type(self.stack[-1])}")
                self.stack[-1].extend(items)
            elif k == op["SETITEM"]:
                v, kk = stack.pop(), stack.pop()
                self._check_set_item_target("SETITEM")
                stack[-1][kk] = v
            elif k == op["SETITEMS"]:
                items = self._pop_mark()
                self._check_set_item_target("SETITEMS")
                target = self.stack[-1]
                for i in range(0, len(items), 2):
                    target[items[i]] = items[i + 1]
            elif k == op["MARK"]:
                self.metastack.append(stack)
                self.stack = []
            elif k == op["TUPLE"]:
                items = self._pop_mark()
                self.stack.append(tuple(items))
            elif k == op["TUPLE1"]:
                stack[-1] = (stack[-1],)
            elif k == op["TUPLE2"]:
                stack[-2:] = [(stack[-2], stack[-1])]
            elif k == op["TUPLE3"]:
                stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
            elif k == op["NONE"]:
                stack.append(None)
            elif k == op["NEWFALSE"]:
                stack.append(False)
            elif k == op["NEWTRUE"]:
                stack.append(True)
            elif k == op["EMPTY_TUPLE"]:
                stack.append(())
            elif k == op["EMPTY_LIST"]:
                stack.append([])
            elif k == op["EMPTY_DICT"]:
                stack.append({})
            elif k == op["EMPTY_SET"]:
                stack.append(set())
            elif k == op["BININT"]:
                stack.append(unpack("<i", read(4))[0])
            elif k == op["BININT1"]:
                stack.append(read(1)[0])
            elif k == op["BININT2"]:
                stack.append(unpack("<H", read(2))[0])
            elif k == op["BINFLOAT"]:
                stack.append(unpack(">d", read(8))[0])
            elif k == op["BINUNICODE"]:
                n = unpack("<I", read(4))[0]
                if n > sys.maxsize:
                    raise pickle.UnpicklingError("String is too long")
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif k == op["SHORT_BINSTRING"]:
                data = read(read(1)[0])
                if self.encoding != "bytes":
                    data = data.decode(self.encoding, "strict")
                stack.append(data)
            elif k == op["BINPERSID"]:
                pid = stack.pop()
                if type(pid) is not tuple and type(pid) is not int:
                    raise pickle.UnpicklingError(
                        f"persistent_load id must be tuple or int, but got {type(pid)}")
                if type(pid) is tuple and len(pid) > 0 and _ascii(pid[0]) != "storage":
                    raise pickle.UnpicklingError(
                        f"Only persistent_load of storage is allowed, but got {type(pid[0])}")
                stack.append(self.persistent_load(pid))
            elif k == op["BINGET"]:
                stack.append(self.memo[read(1)[0]])
            elif k == op["LONG_BINGET"]:
                stack.append(self.memo[unpack("<I", read(4))[0]])
            elif k == op["BINPUT"]:
                self.memo[read(1)[0]] = stack[-1]
            elif k == op["LONG_BINPUT"]:
                self.memo[unpack("<I", read(4))[0]] = stack[-1]
            elif k == op["LONG1"]:
                n = read(1)[0]
                stack.append(pickle.decode_long(read(n)))
            elif k == op["PROTO"]:
                self.proto = read(1)[0]
                if self.proto != 2:
                    import warnings
                    warnings.warn(
                        f"Detected pickle protocol {self.proto} in the checkpoint, which was "
                        "not the default pickle protocol used by `torch.load` (2). The "
                        "weights_only Unpickler might not support all instructions implemented "
                        "by this protocol, please file an issue for adding support if you "
                        "encounter this.", stacklevel=2)
            elif k == op["STOP"]:
                return self.stack.pop()
            else:
                raise pickle.UnpicklingError(f"Unsupported operand {k}")


def _ascii(s):
    return s.decode("ascii") if isinstance(s, bytes) else s
