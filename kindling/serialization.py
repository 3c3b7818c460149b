"""``torch.save`` / ``torch.load`` and the weights-only allow-list.

Objects are written with ``pickle``.  Loading is *weights only* by default: the unpickler only
resolves kindling's own rebuild functions, dtypes, devices, NumPy arrays and plain containers.
Anything else (a tensor subclass, say) has to be allow-listed with ``add_safe_globals([...])``
or ``with safe_globals([...]):``, as in PyTorch.
"""
from __future__ import annotations

import contextlib
import io
import os
import pickle
import threading

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "safe_globals", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2

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
    out = []
    for g in objs:
        if isinstance(g, tuple):  # (obj, "module.name") as in PyTorch
            g = g[0]
        out.append(g)
    return out


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


def _allowed_now():
    objs = list(_user_safe)
    for s in _tls.stack:
        objs.extend(s)
    return {(getattr(o, "__module__", None), getattr(o, "__qualname__", None)): o for o in objs}


def _weights_only_error(module, name):
    full = f"{module}.{name}"
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two "
        "options, do those steps only if you trust the source of the checkpoint. \n\t(1) In "
        "PyTorch 2.6, we changed the default value of the `weights_only` argument in "
        "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set "
        "to `False` will likely succeed, but it can result in arbitrary code execution. Do it "
        "only if you got the file from a trusted source.\n\t(2) Alternatively, to load with "
        "`weights_only=True` please check the recommended steps in the following error "
        f"message.\n\tWeightsUnpickler error: Unsupported global: GLOBAL {full} was not an "
        f"allowed global by default. Please use `torch.serialization.add_safe_globals([{full}])` "
        f"or the `torch.serialization.safe_globals([{full}])` context manager to allowlist this "
        "global if you trust this class/function.\n\nCheck the documentation of torch.load to "
        "learn more about types accepted by default with weights_only "
        "https://pytorch.org/docs/stable/generated/torch.load.html.")


class _WeightsUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _DEFAULT_ALLOWED or module == "numpy.dtypes":
            return super().find_class(module, name)
        obj = _allowed_now().get((module, name))
        if obj is not None:
            return obj
        raise _weights_only_error(module, name)


@contextlib.contextmanager
def _open(f, mode):
    if isinstance(f, (str, os.PathLike)):
        with open(f, mode) as fh:
            yield fh
    else:
        yield f


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Write ``obj`` to a path or binary file object."""
    with _open(f, "wb") as fh:
        pickle_module.dump(obj, fh, protocol=pickle_protocol)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Read an object written by ``save``; weights-only (allow-listed globals) by default."""
    if weights_only is None:
        weights_only = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0") not in (
            "1", "y", "yes", "true")
    with _open(f, "rb") as fh:
        data = fh.read() if not isinstance(fh, (bytes, bytearray)) else fh
    buf = io.BytesIO(data)
    if weights_only:
        if pickle_module is not None and pickle_module is not pickle:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                               "specified")
        return _WeightsUnpickler(buf, **pickle_load_args).load()
    return (pickle_module or pickle).Unpickler(buf, **pickle_load_args).load()
