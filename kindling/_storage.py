"""``UntypedStorage``: the bytes a tensor and all its views share.

A CPU storage owns a 1-D ``uint8`` NumPy array; a meta storage only knows its size.  Tensors
keep a typed, strided NumPy view over these bytes (``Tensor._np``), so NumPy kernels read and
write the shared memory directly.
"""
from __future__ import annotations

import numpy as np

from . import _device


class UntypedStorage:
    """Bytes on a device. ``nbytes()``, ``data_ptr()``, ``device``; shared by views."""

    __slots__ = ("_data", "_nbytes", "device", "__weakref__", "_resizable", "_arr")

    def __init__(self, nbytes=0, *, device=None, _data=None):
        self.device = _device.canonical(device) or _device.CPU
        if _data is not None:
            self._data = _data
            self._nbytes = _data.nbytes
        elif self.device.type == "meta":
            self._data = None
            self._nbytes = int(nbytes)
        else:
            self._data = np.zeros(int(nbytes), dtype=np.uint8)
            self._nbytes = int(nbytes)
        self._resizable = True

    def __getattr__(self, name):
        # A storage made for a kernel's contiguous result (``storage_for_array``) keeps that
        # array and builds its byte view the first time someone needs it.
        if name == "_data":
            try:
                arr = object.__getattribute__(self, "_arr")
            except AttributeError:
                raise AttributeError(name) from None
            self._data = data = arr.reshape(-1).view(np.uint8)
            return data
        raise AttributeError(name)

    def nbytes(self):
        return self._nbytes

    def size(self):
        return self._nbytes

    def __len__(self):
        return self._nbytes

    def data_ptr(self):
        if self._data is None:
            return 0
        return self._data.__array_interface__["data"][0]

    def element_size(self):
        return 1

    @property
    def is_meta(self):
        return self.device.type == "meta"

    def resize_(self, nbytes):
        """Grow or shrink in place; tensors built on it must rebuild their NumPy views."""
        nbytes = int(nbytes)
        if self._data is not None:
            new = np.zeros(nbytes, dtype=np.uint8)
            n = min(nbytes, self._nbytes)
            new[:n] = self._data[:n]
            self._data = new
        self._nbytes = nbytes
        return self

    def tolist(self):
        return self._data.tolist() if self._data is not None else []

    def __getitem__(self, i):
        return int(self._data[i]) if isinstance(i, int) else self._data[i].tolist()

    def __repr__(self):
        if self._data is None:
            return f"...\n[torch.storage.UntypedStorage(device={self.device}) of size {self._nbytes}]"
        body = "\n".join(f" {int(x)}" for x in self._data[:20])
        return f"{body}\n[torch.storage.UntypedStorage(device={self.device}) of size {self._nbytes}]"


_new = object.__new__


def storage_for_array(arr: np.ndarray):
    """(storage, element offset) for memory NumPy already holds, without copying.

    ``arr`` must have non-negative strides; the storage spans from its first to its last
    element (like ``torch.from_numpy``).
    """
    if arr.flags.c_contiguous and arr.size:
        # the common case (a kernel's fresh result, ``from_numpy`` of a plain array): the
        # storage is the array's own bytes; built without __init__'s argument handling
        s = _new(UntypedStorage)
        s._arr = arr  # (``_data``, its bytes, is made on first use)
        s._nbytes = arr.nbytes
        s.device = _device.CPU
        s._resizable = True
        return s, 0
    itemsize = arr.itemsize
    if arr.size == 0:
        return UntypedStorage(0), 0
    span = 1 + sum((n - 1) * (s // itemsize) for n, s in zip(arr.shape, arr.strides))
    if arr.flags.c_contiguous:
        flat = arr.reshape(-1)
    else:
        flat = np.lib.stride_tricks.as_strided(arr, shape=(span,), strides=(itemsize,),
                                               writeable=arr.flags.writeable)
    return UntypedStorage(_data=flat.view(np.uint8)), 0
