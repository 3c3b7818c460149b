"""``torch.save`` / ``torch.load`` in PyTorch's checkpoint format, and the weights-only
allow-list.

``save`` writes what ``torch.save`` writes: a zip archive holding ``data.pkl`` (a protocol-2
pickle naming PyTorch's rebuild functions, storages as persistent ids) and one raw record per
storage (``data/<key>``), so ``torch.load`` reads it; ``_use_new_zipfile_serialization=False``
writes PyTorch's older single-pickle-stream format.  ``load`` reads both formats (files from
``torch.save`` included) and kindling's earlier plain pickles.

Loading is *weights only* by default, with PyTorch's rules: tensors, parameters, dtypes,
``Size``, devices and plain containers load; any other class or function has to be
allow-listed with ``add_safe_globals([...])`` or ``with safe_globals([...]):``.
"""
from __future__ import annotations

import io
import os
import pickle
import re
import struct
import sys
import threading
import warnings

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "safe_globals", "DEFAULT_PROTOCOL", "StorageType", "location_tag",
           "default_restore_location", "register_package", "normalize_storage_type",
           "get_unsafe_globals_in_checkpoint"]

DEFAULT_PROTOCOL = 2
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
LONG_SIZE = struct.Struct("=l").size
INT_SIZE = struct.Struct("=i").size
SHORT_SIZE = struct.Struct("=h").size
UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
    "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set to "
    "`False` will likely succeed, but it can result in arbitrary code execution. Do it only if "
    "you got the file from a trusted source.")

# (module, qualname) pairs loadable without asking.
_DEFAULT_ALLOWED = {
    ("kindling._tensor", "_rebuild_tensor"), ("kindling._tensor", "Size"),
    ("kindling._tensor_subclass", "_rebuild_wrapper_subclass"),
    ("kindling._tensor_subclass", "_rebuild_plain_subclass"),
    ("kindling._dtype", "_dtype_by_name"), ("kindling._device", "device"),
    ("kindling._layout", "_layout_by_name"), ("kindling._layout", "_format_by_name"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "slice"),
    ("builtins", "complex"), ("builtins", "range"), ("builtins", "bytearray"),
    ("builtins", "getattr"), ("collections", "OrderedDict"),
}

_user_safe: list = []


class _SafeTLS(threading.local):
    def __init__(self):
        self.stack = []


_tls = _SafeTLS()


def _entries(objs):
    return list(objs)


def add_safe_globals(safe_globals):
    """Allow these classes/functions to be loaded by ``load`` (weights_only)."""
    _user_safe.extend(_entries(safe_globals))


def clear_safe_globals():
    _user_safe.clear()


def get_safe_globals():
    return list(_user_safe)


class safe_globals:
    """``with safe_globals([Cls]):`` allow-lists ``Cls`` for loads inside the block."""

    def __init__(self, safe_globals):
        self.safe_globals = _entries(safe_globals)

    def __enter__(self):
        _tls.stack.append(self.safe_globals)
        return self

    def __exit__(self, *exc):
        _tls.stack.pop()
        return False


def _user_globals():
    """The user's safe globals now (``add_safe_globals`` and open ``safe_globals`` blocks);
    an entry is an object or an ``(object, "module.name")`` pair, as in PyTorch."""
    objs = list(_user_safe)
    for s in _tls.stack:
        objs.extend(s)
    return objs


def _allowed_now():
    out = {}
    for o in _user_globals():
        if isinstance(o, tuple):
            mod, _, name = o[1].rpartition(".")
            out[(mod, name)] = o[0]
        else:
            out[(getattr(o, "__module__", None), getattr(o, "__qualname__", None))] = o
    return out


def _weights_only_error(module, name):
    full = f"{module}.{name}"
    return pickle.UnpicklingError(
        f"Unsupported global: GLOBAL {full} was not an allowed global by default. Please use "
        f"`torch.serialization.add_safe_globals([{full}])` or the "
        f"`torch.serialization.safe_globals([{full}])` context manager to allowlist this "
        "global if you trust this class/function.")


def _get_wo_message(message):
    """The message ``load`` gives for an unpickling error under weights_only (PyTorch's)."""
    docs = ("\n\nCheck the documentation of torch.load to learn more about types accepted by "
            "default with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")
    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        out = ("Weights only load failed. This file can still be loaded, to do so you have two "
               "options, \033[1mdo those steps only if you trust the source of the checkpoint"
               f"\033[0m. \n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with "
               "`weights_only=True` please check the recommended steps in the following error "
               "message.\n\tWeightsUnpickler error: " + message)
    else:
        if re.search(r"(\S+) must be (\S+) to load", message):
            return f"Weights only load failed. {message}\n {UNSAFE_MESSAGE}\n"
        out = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
        if not re.search(r"whose module (\S+) is blocked", message):
            out += ("Please file an issue with the following so that we can make "
                    "`weights_only=True` compatible with your use case: WeightsUnpickler "
                    "error: ")
        out += "\n\n" + message
    return out + docs


class _WeightsUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _DEFAULT_ALLOWED or module == "numpy.dtypes":
            return super().find_class(module, name)
        obj = _allowed_now().get((module, name))
        if obj is not None:
            return obj
        raise _weights_only_error(module, name)




def get_unsafe_globals_in_checkpoint(f):
    """The ``"module.name"`` globals of a checkpoint's pickle that a weights-only load would
    refuse (neither allow-listed by default nor by the user), found without unpickling."""
    import pickletools
    from ._pt_pickle import _IMPORT_MAPPING, _NAME_MAPPING, _allowed_globals, _user_allowed
    from ._zip_archive import ZipReader
    safe = set(_allowed_globals()) | set(_user_allowed(_user_globals()))
    is_path = isinstance(f, (str, os.PathLike))
    fh = open(os.fspath(f), "rb") if is_path else f
    try:
        start = fh.tell()
        if fh.read(4) != b"PK\x03\x04":
            raise ValueError("Expected input to be a checkpoint returned by torch.save")
        fh.seek(start)
        reader = ZipReader(fh)
        if reader.has_record("constants.pkl"):
            raise ValueError("Expected input to be a checkpoint returned by torch.save but "
                             "got a torchscript checkpoint")
        found = set()
        for opcode, arg, _ in pickletools.genops(reader.get_record("data.pkl")):
            if opcode.name == "GLOBAL":
                module, name = arg.split(" ", 1)
                if (module, name) in _NAME_MAPPING:
                    module, name = _NAME_MAPPING[(module, name)]
                else:
                    module = _IMPORT_MAPPING.get(module, module)
                found.add(f"{module}.{name}")
        return list(found - safe)
    finally:
        if is_path:
            fh.close()


# ---- devices: where storages are tagged and restored ----------------------------------------
_package_registry: list = []


def register_package(priority, tagger, deserializer):
    """Register how storages of a device are tagged (``tagger(storage) -> str | None``) and
    restored (``deserializer(storage, location) -> storage | None``), by priority."""
    _package_registry.append((priority, tagger, deserializer))
    _package_registry.sort(key=lambda e: e[0])


def _cpu_tag(obj):
    if obj.device.type == "cpu":
        return "cpu"


def _meta_tag(obj):
    if obj.device.type == "meta":
        return "meta"


def _cpu_deserialize(obj, location):
    if location == "cpu":
        return obj


def _meta_deserialize(obj, location):
    if location == "meta":
        from ._storage import UntypedStorage
        return UntypedStorage(obj.nbytes(), device="meta")


def _cuda_deserialize(obj, location):
    if location == "cuda" or re.match("cuda(:|[0-9]+)", location):
        raise RuntimeError(
            "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
            "is False. If you are running on a CPU-only machine, please use torch.load with "
            "map_location=torch.device('cpu') to map your storages to the CPU.")


register_package(10, _cpu_tag, _cpu_deserialize)
register_package(20, lambda obj: None, _cuda_deserialize)
register_package(22, _meta_tag, _meta_deserialize)


def _typename(storage):
    from ._storage import UntypedStorage
    from .storage import TypedStorage
    if isinstance(storage, UntypedStorage):
        return "torch.storage.UntypedStorage"
    if isinstance(storage, TypedStorage):
        return "torch.storage.TypedStorage"
    return f"{type(storage).__module__}.{type(storage).__qualname__}"


def location_tag(storage):
    """The location string a checkpoint records for ``storage`` (``'cpu'``, ``'meta'``)."""
    for _, tagger, _ in _package_registry:
        location = tagger(storage)
        if location:
            return location
    raise RuntimeError("don't know how to determine data location of " + _typename(storage))


def default_restore_location(storage, location):
    """``storage`` moved to ``location`` by the first registered deserializer that takes it."""
    for _, _, fn in _package_registry:
        result = fn(storage, location)
        if result is not None:
            return result
    raise RuntimeError("don't know how to restore data location of " + _typename(storage)
                       + " (tagged with " + location + ")")


def normalize_storage_type(storage_type):
    import kindling
    return getattr(kindling, storage_type.__name__)


def _get_restore_location(map_location):
    if map_location is None:
        return default_restore_location
    if isinstance(map_location, dict):
        return lambda storage, location: default_restore_location(
            storage, map_location.get(location, location))
    if isinstance(map_location, (str, bytes)):
        loc = map_location.decode() if isinstance(map_location, bytes) else map_location
        return lambda storage, location: default_restore_location(storage, loc)
    from ._device import device
    if isinstance(map_location, device):
        return lambda storage, location: default_restore_location(storage, str(map_location))

    def restore(storage, location):
        result = map_location(storage, location)
        if result is None:
            result = default_restore_location(storage, location)
        return result
    return restore


def _is_meta_location(map_location):
    from ._device import device
    if isinstance(map_location, str):
        return map_location == "meta"
    if isinstance(map_location, device):
        return map_location.type == "meta"
    return False


class _LoadTLS(threading.local):
    map_location = None


_load_tls = _LoadTLS()


def _map_device(dev):
    """Where a tensor rebuilt without a storage (wrapper subclasses) goes under the
    ``map_location`` of the load in progress."""
    ml = _load_tls.map_location
    if ml is None:
        return dev
    if isinstance(ml, dict):
        return ml.get(str(dev), dev)
    from ._device import device
    if isinstance(ml, (str, device)):
        return ml
    raise RuntimeError("Callable map_location not supported with _rebuild_wrapper_subclass "
                       "or _rebuild_device_tensor_from_numpy")


def _get_layout(name):
    """A layout from its name (``'torch.strided'``): how checkpoints pickle layouts."""
    from . import _layout
    for v in vars(_layout).values():
        if isinstance(v, _layout.layout) and str(v) == name:
            return v
    raise KeyError(name)


from ._pt_pickle import StorageType  # noqa: E402  (torch.serialization.StorageType)


# ---- saving ----------------------------------------------------------------------------------
def _storage_ids(key_of):
    """The ``persistent_id`` shared by both formats: storages out of the pickle, by key."""
    from ._pt_pickle import legacy_storage_name, storage_type
    from ._storage import UntypedStorage
    from .storage import TypedStorage
    from . import _dtype
    storages, dtypes = {}, {}

    def persistent_id(obj):
        if isinstance(obj, TypedStorage):
            storage, dtype = obj._untyped_storage, obj.dtype
            name = legacy_storage_name(dtype)
            if name is None:
                stype, numel, dtype = UntypedStorage, storage.nbytes(), _dtype.uint8
            else:
                stype, numel = storage_type(name), obj._size()
        elif isinstance(obj, UntypedStorage):
            storage, dtype = obj, _dtype.uint8
            stype, numel = UntypedStorage, obj.nbytes()
        else:
            return None
        if storage.device.type != "meta" and storage.data_ptr() != 0:
            seen = dtypes.setdefault(storage.data_ptr(), dtype)
            if seen != dtype:
                raise RuntimeError("Cannot save multiple tensors or storages that view the "
                                   "same data as different types")
        key = key_of(storage)
        storages[key] = (storage, dtype)
        return ("storage", stype, key, location_tag(storage), numel)
    return persistent_id, storages


def _storage_bytes(storage):
    import numpy as np
    data = storage._data
    if data is None:  # (a meta storage: no bytes to keep)
        return np.zeros(storage.nbytes(), dtype=np.uint8)
    return np.ascontiguousarray(data)


def _save_zip(obj, fh, name, pickle_protocol, disable_byteorder_record):
    from ._pt_pickle import TorchPickler
    from ._zip_archive import ZipWriter
    id_map = {}
    persistent_id, storages = _storage_ids(
        lambda st: id_map.setdefault(id(st), str(len(id_map))))
    buf = io.BytesIO()
    TorchPickler(buf, pickle_protocol, persistent_id).dump(obj)
    writer = ZipWriter(fh, name)
    writer.write_record("data.pkl", buf.getbuffer())
    writer.write_record(".format_version", b"1")
    writer.write_record(".storage_alignment", b"64")
    if not disable_byteorder_record:
        writer.write_record("byteorder", sys.byteorder.encode())
    for key, (storage, _) in storages.items():
        writer.write_record(f"data/{key}", _storage_bytes(storage))
    writer.close()


def _save_legacy(obj, fh, pickle_protocol):
    from ._pt_pickle import TorchPickler
    pid, storages = _storage_ids(lambda st: str(id(st)))

    def persistent_id(o):
        r = pid(o)
        return None if r is None else r + (None,)  # (no view metadata)
    sys_info = {"protocol_version": PROTOCOL_VERSION,
                "little_endian": sys.byteorder == "little",
                "type_sizes": {"short": SHORT_SIZE, "int": INT_SIZE, "long": LONG_SIZE}}
    for header in (MAGIC_NUMBER, PROTOCOL_VERSION, sys_info):
        pickle.dump(header, fh, protocol=pickle_protocol)
    TorchPickler(fh, pickle_protocol, persistent_id).dump(obj)
    keys = sorted(storages)
    pickle.dump(keys, fh, protocol=pickle_protocol)
    for key in keys:
        storage, dtype = storages[key]
        fh.write(struct.pack("<q", storage.nbytes() // dtype.itemsize))
        fh.write(_storage_bytes(storage).tobytes())
    if hasattr(fh, "flush"):
        fh.flush()


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save ``obj`` to ``f`` (a path, ``os.PathLike`` or a binary file object) in PyTorch's
    checkpoint format: ``torch.load`` reads the file, and so does ``kindling.load``.

    Tensors sharing a storage are saved with it once and still share it when loaded.
    ``_use_new_zipfile_serialization=False`` writes PyTorch's legacy (pre-1.6) format.
    (kindling always pickles with its own pickler: ``pickle_module`` is not used.)"""
    if not isinstance(f, (str, os.PathLike)) and not hasattr(f, "write"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a "
                             f"'write' attribute")
    if _use_new_zipfile_serialization:
        from ._zip_archive import archive_name
        name = archive_name(f)
        if isinstance(f, (str, os.PathLike)):
            with open(os.fspath(f), "wb") as fh:
                _save_zip(obj, fh, name, pickle_protocol, _disable_byteorder_record)
        else:
            _save_zip(obj, f, name, pickle_protocol, _disable_byteorder_record)
        return
    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), "wb") as fh:
            _save_legacy(obj, fh, pickle_protocol)
    else:
        _save_legacy(obj, f, pickle_protocol)


# ---- loading ---------------------------------------------------------------------------------
def _byteswap(arr, dtype):
    n = dtype.itemsize // 2 if dtype.is_complex else dtype.itemsize
    if n > 1:
        arr.view(f"u{n}").byteswap(inplace=True)


class _StorageLoader:
    """``persistent_load`` of a checkpoint's storages: each key read once, placed by
    ``map_location``, wrapped in a ``TypedStorage`` of the recorded dtype."""

    def __init__(self, read, map_location, swap=False):
        self._read = read  # (key, nbytes) -> uint8 ndarray
        self._restore = _get_restore_location(map_location)
        self._meta = _is_meta_location(map_location)
        self._swap = swap
        self.loaded = {}

    def __call__(self, saved_id):
        from ._pt_pickle import _ascii
        from ._storage import UntypedStorage
        from .storage import TypedStorage
        from . import _dtype
        if not isinstance(saved_id, tuple):
            raise AssertionError(f"saved_id must be a tuple, got {type(saved_id).__name__}")
        typename = _ascii(saved_id[0])
        if typename != "storage":
            raise AssertionError("Unknown typename for persistent_load, expected 'storage' but "
                                 f"got '{typename}'")
        stype, key, location, numel = saved_id[1:5]
        dtype = _dtype.uint8 if stype is UntypedStorage else stype.dtype
        typed = self.loaded.get(key)
        if typed is None:
            nbytes = numel * dtype.itemsize
            location = _ascii(location)
            if self._meta:
                storage = UntypedStorage(nbytes, device="meta")
            else:
                data = self._read(key, nbytes)
                if self._swap:
                    _byteswap(data, dtype)
                storage = self._restore(UntypedStorage(_data=data), location)
            typed = self.loaded[key] = TypedStorage(wrap_storage=storage, dtype=dtype,
                                                    _internal=True)
        return typed


def _unpickler(pickle_module, weights_only, fh, persistent_load, pickle_load_args):
    """An unpickler for a checkpoint's pickle: PyTorch's weights-only rules, or a full one
    whose ``torch.*`` globals resolve to kindling's objects."""
    from ._pt_pickle import WeightsUnpickler, find_class
    if weights_only:
        u = WeightsUnpickler(fh, encoding=pickle_load_args.get("encoding", "bytes"),
                             user_globals=_user_globals())
    else:
        class _Unpickler(pickle_module.Unpickler):
            def find_class(self, module, name):
                return find_class(super().find_class, module, name)
        u = _Unpickler(fh, **pickle_load_args)
    if persistent_load is not None:
        u.persistent_load = persistent_load
    return u


def _load_zip(reader, map_location, pickle_module, weights_only, mmap_path, pickle_load_args):
    import numpy as np
    order = reader.get_record("byteorder").decode() if reader.has_record("byteorder") \
        else "little"
    if order not in ("little", "big"):
        raise ValueError("Unknown endianness type: " + order)
    mm = np.memmap(mmap_path, dtype=np.uint8, mode="c") if mmap_path is not None else None

    def read(key, nbytes):
        name = f"data/{key}"
        if mm is not None:
            at = reader.record_offset(name)
            return mm[at:at + nbytes]
        return np.frombuffer(bytearray(reader.get_record(name)), dtype=np.uint8)

    loader = _StorageLoader(read, map_location, swap=order != sys.byteorder)
    data = io.BytesIO(reader.get_record("data.pkl"))
    _load_tls.map_location = map_location
    try:
        return _unpickler(pickle_module, weights_only, data, loader, pickle_load_args).load()
    finally:
        _load_tls.map_location = None


def _is_legacy_torch_file(head):
    # (a protocol-2+ pickle of MAGIC_NUMBER: PROTO n, LONG1 of 10 bytes, the number)
    return len(head) >= 14 and head[0] == 0x80 and \
        head[2:14] == b"\x8a\x0a" + MAGIC_NUMBER.to_bytes(10, "little")


def _load_legacy(fh, map_location, pickle_module, weights_only, pickle_load_args):
    import numpy as np
    from ._pt_pickle import _ascii

    def load_one():
        return _unpickler(pickle_module, weights_only, fh, None, pickle_load_args).load()
    if load_one() != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    protocol_version = load_one()
    if protocol_version != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {protocol_version}")
    load_one()  # (sys_info)
    # (the storages are made empty while unpickling; their bytes follow the pickle)
    loader = _StorageLoader(lambda key, nbytes: np.zeros(nbytes, dtype=np.uint8),
                            map_location)

    def persistent_load(saved_id):
        typename = _ascii(saved_id[0])
        if typename == "module":
            return saved_id[1]
        if typename == "storage" and len(saved_id) > 5 and saved_id[5] is not None:
            raise NotImplementedError("kindling.load: storage views of PyTorch's legacy format")
        return loader(saved_id[:5])
    _load_tls.map_location = map_location
    try:
        result = _unpickler(pickle_module, weights_only, fh, persistent_load,
                            pickle_load_args).load()
    finally:
        _load_tls.map_location = None
    for key in load_one():
        typed = loader.loaded[key]
        (numel,) = struct.unpack("<q", fh.read(8))
        nbytes = numel * typed.dtype.itemsize
        raw = fh.read(nbytes)
        storage = typed._untyped_storage
        if storage._data is not None:  # (not when map_location put it on meta)
            storage._data[:] = np.frombuffer(raw, dtype=np.uint8)
    return result


def _load_kindling_pickle(data, pickle_module, weights_only, pickle_load_args):
    """kindling's earlier format: one plain pickle of kindling's own objects."""
    buf = io.BytesIO(data)
    if weights_only:
        args = {k: v for k, v in pickle_load_args.items() if k == "encoding"}
        return _WeightsUnpickler(buf, **args).load()
    return pickle_module.Unpickler(buf, **pickle_load_args).load()


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load an object saved with ``save`` or ``torch.save`` from ``f`` (a path or a binary
    file object).

    ``weights_only`` (the default) loads with PyTorch's restricted unpickler: tensors,
    parameters, dtypes, ``Size``, devices and plain containers, and any global the user
    allow-listed; ``weights_only=False`` runs a full unpickler (only for trusted files).
    ``map_location`` (a device, a string, a ``{saved: wanted}`` dict or a callable
    ``(storage, location) -> storage``) places the storages; ``mmap=True`` maps the file's
    storage records instead of reading them."""
    true_values = ("1", "y", "yes", "true")
    weights_only_not_set = weights_only is None
    if weights_only_not_set:
        weights_only = pickle_module is None
    force_wo = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in true_values
    force_no_wo = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in true_values
    if force_wo and force_no_wo:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or "
                           "`TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should be set, but both were set.")
    if force_wo:
        weights_only = True
    elif force_no_wo and weights_only_not_set:
        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since "
                      "the`weights_only` argument was not explicitly passed to `torch.load`, "
                      "forcing weights_only=False.", UserWarning, stacklevel=2)
        weights_only = False
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                               "specified")
    elif pickle_module is None:
        pickle_module = pickle
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.")
    pickle_load_args.setdefault("encoding", "utf-8")
    is_path = isinstance(f, (str, os.PathLike))
    fh = open(os.fspath(f), "rb") if is_path else f
    try:
        start = fh.tell() if hasattr(fh, "tell") else 0
        head = fh.read(16)
        fh.seek(start)
        if head[:4] == b"PK\x03\x04":
            from ._zip_archive import ZipReader
            if mmap and not is_path:
                raise ValueError("f must be a file path in order to use the mmap argument")
            reader = ZipReader(fh)
            if reader.has_record("constants.pkl"):
                raise NotImplementedError("kindling.load: TorchScript archives "
                                          "(torch.jit.save) cannot be loaded")
            try:
                return _load_zip(reader, map_location, pickle_module, weights_only,
                                 os.fspath(f) if mmap else None, pickle_load_args)
            except pickle.UnpicklingError as e:
                if weights_only:
                    raise pickle.UnpicklingError(_get_wo_message(str(e))) from None
                raise
        if mmap:
            f_name = f"{f}, " if isinstance(f, str) else ""
            raise RuntimeError(
                "mmap can only be used with files saved with "
                f"`torch.save({f_name}_use_new_zipfile_serialization=True), "
                "please torch.save your checkpoint with this option in order to use mmap.")
        try:
            if _is_legacy_torch_file(head):
                return _load_legacy(fh, map_location, pickle_module, weights_only,
                                    pickle_load_args)
            return _load_kindling_pickle(fh.read(), pickle_module, weights_only,
                                         pickle_load_args)
        except pickle.UnpicklingError as e:
            if weights_only:
                raise pickle.UnpicklingError(_get_wo_message(str(e))) from None
            raise
    finally:
        if is_path:
            fh.close()
