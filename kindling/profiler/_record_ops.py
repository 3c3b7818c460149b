"""The ``profiler::`` ops behind ``record_function``'s legacy form:

    handle = torch.ops.profiler._record_function_enter("name", None)
    ...
    torch.ops.profiler._record_function_exit(handle)

The handle is a uint8 tensor, as PyTorch's (which wraps a C++ object in one): here its bytes
hold a key into the table of open ranges.
"""
from __future__ import annotations

import itertools

import numpy as np

from .._dispatcher import operator as _opreg
from .._dispatcher.keys import K
from .._dispatcher.operator import KernelEntry
from .._tensor import Tensor, from_array
from . import _recorder

_open: dict = {}  # handle key -> what _recorder.open_user_range returned
_keys = itertools.count(1)


def record_function_enter(name, args=None):
    """Open a ``record_function`` range; returns its handle tensor."""
    key = next(_keys)
    _open[key] = _recorder.open_user_range(name)
    return from_array(np.frombuffer(np.int64(key).tobytes(), dtype=np.uint8).copy())


def record_function_exit(handle):
    """Close the range ``handle`` (from ``_record_function_enter``) stands for."""
    key = None
    if isinstance(handle, Tensor) and handle.dtype._name == "uint8" and handle.numel() == 8:
        key = int(np.ascontiguousarray(handle._np).view(np.int64)[0])
    if key not in _open:
        raise RuntimeError("Expected temporary cpp type wrapper")
    _recorder.close_user_range(_open.pop(key))


def _define(schema, fn):
    entry = _opreg.define(schema)
    entry.register(K.CompositeExplicitAutograd,
                   KernelEntry(lambda ks, *a, **kw: fn(*a, **kw), _opreg.caller_site(), raw=fn))


_define("profiler::_record_function_enter(str name, str? args=None) -> Tensor",
        record_function_enter)
_define("profiler::_record_function_exit(Tensor handle) -> ()", record_function_exit)
