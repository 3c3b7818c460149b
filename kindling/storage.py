"""``torch.storage``: ``TypedStorage``, the deprecated typed view of an ``UntypedStorage``.

``Tensor.storage()`` returns one (warning once, as PyTorch does, that TypedStorage is
deprecated); its size and indices count elements of its dtype, and it shares the bytes of the
tensor's ``untyped_storage()``.
"""
from __future__ import annotations

import warnings

from ._storage import UntypedStorage

__all__ = ["TypedStorage", "UntypedStorage"]

_always_warn_typed_storage_removal = False


def _get_always_warn_typed_storage_removal():
    return _always_warn_typed_storage_removal


def _set_always_warn_typed_storage_removal(always_warn):
    global _always_warn_typed_storage_removal
    if not isinstance(always_warn, bool):
        raise AssertionError(f"always_warn must be bool, got {type(always_warn).__name__}")
    _always_warn_typed_storage_removal = always_warn


def _warn_typed_storage_removal(stacklevel=2):
    """PyTorch's deprecation warning: given the first time only (unless always-warn is set)."""
    if _always_warn_typed_storage_removal or not _warn_typed_storage_removal.__dict__.get(
            "has_warned", False):
        warnings.warn(
            "TypedStorage is deprecated. It will be removed in the future and UntypedStorage "
            "will be the only storage class. This should only matter to you if you are using "
            "storages directly.  To access UntypedStorage directly, use "
            "tensor.untyped_storage() instead of tensor.storage()", UserWarning,
            stacklevel=stacklevel + 1)
        _warn_typed_storage_removal.__dict__["has_warned"] = True


def _reset_warn_typed_storage_removal():
    _warn_typed_storage_removal.__dict__["has_warned"] = False


class TypedStorage:
    """Elements of one dtype over an ``UntypedStorage`` (``tensor.storage()``)."""

    is_sparse = False

    def __init__(self, *args, device=None, dtype=None, wrap_storage=None, _internal=False):
        if not _internal:
            _warn_typed_storage_removal()
        if wrap_storage is None or dtype is None or args or device is not None:
            raise NotImplementedError(
                "TypedStorage: only TypedStorage(wrap_storage=<UntypedStorage>, dtype=...) is "
                "supported by kindling")
        if not isinstance(wrap_storage, UntypedStorage):
            raise TypeError("TypedStorage.__init__ received an invalid combination of "
                            "arguments. Expected one of:\n * (*, torch.device device, "
                            "torch.dtype dtype)\n * (Sequence data, *, torch.device device, "
                            "torch.dtype dtype)\n * (int size, *, torch.device device, "
                            "torch.dtype dtype)\n * (*, UntypedStorage wrap_storage, "
                            "torch.dtype dtype)\nArgument 'wrap_storage' must be "
                            f"UntypedStorage, but got {type(wrap_storage)}")
        self.dtype = dtype
        self._untyped_storage = wrap_storage

    @property
    def _dtype(self):
        return self.dtype

    @property
    def device(self):
        _warn_typed_storage_removal()
        return self._untyped_storage.device

    @property
    def is_cuda(self):
        _warn_typed_storage_removal()
        return self._untyped_storage.device.type == "cuda"

    def untyped(self):
        """The ``UntypedStorage`` this storage wraps."""
        _warn_typed_storage_removal()
        return self._untyped_storage

    def _element_size(self):
        return self.dtype.itemsize

    def element_size(self):
        _warn_typed_storage_removal()
        return self._element_size()

    def _size(self):
        return self._untyped_storage.nbytes() // self._element_size()

    def size(self):
        _warn_typed_storage_removal()
        return self._size()

    def __len__(self):
        _warn_typed_storage_removal()
        return self._size()

    def _nbytes(self):
        return self._untyped_storage.nbytes()

    def nbytes(self):
        _warn_typed_storage_removal()
        return self._nbytes()

    def _data_ptr(self):
        return self._untyped_storage.data_ptr()

    def data_ptr(self):
        _warn_typed_storage_removal()
        return self._data_ptr()

    def get_device(self):
        _warn_typed_storage_removal()
        return -1 if self._untyped_storage.device.type in ("cpu", "meta") else 0

    def _as_tensor(self):
        from ._tensor import make_tensor
        n = self._size()
        return make_tensor(self._untyped_storage, (n,), (1,), 0, self.dtype,
                           self._untyped_storage.device)

    def _wrap_index(self, idx):
        if not isinstance(idx, int) or isinstance(idx, bool):
            if isinstance(idx, slice):
                raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
            raise RuntimeError(f"can't index a {type(self)} with {type(idx)}")
        n = self._size()
        if not -n <= idx < n:
            raise IndexError(f"index {idx} out of range for storage of size {n}")
        return idx % n

    def __getitem__(self, idx):
        _warn_typed_storage_removal()
        return self._as_tensor()[self._wrap_index(idx)].item()

    def __setitem__(self, idx, value):
        _warn_typed_storage_removal()
        self._as_tensor()[self._wrap_index(idx)] = value

    def __iter__(self):
        _warn_typed_storage_removal()
        return iter(self[i] for i in range(self._size()))

    def tolist(self):
        """The elements as a list of Python numbers."""
        _warn_typed_storage_removal()
        return list(self)

    def fill_(self, value):
        _warn_typed_storage_removal()
        self._as_tensor().fill_(value)
        return self

    def __str__(self):
        _warn_typed_storage_removal()
        info = (f"[torch.storage.TypedStorage(dtype={self.dtype}, "
                f"device={self._untyped_storage.device}) of size {self._size()}]")
        if self._untyped_storage.device.type == "meta":
            return "...\n" + info
        return " " + "\n ".join(str(self[i]) for i in range(self._size())) + "\n" + info

    def __repr__(self):
        _warn_typed_storage_removal()
        return str(self)
