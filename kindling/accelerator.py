"""``torch.accelerator``: the device-generic accelerator API.  kindling has no accelerator:
``is_available()`` is False, ``current_accelerator()`` None and ``device_count()`` 0; calls
that need a device raise PyTorch's RuntimeError."""
from __future__ import annotations

import warnings

__all__ = ["current_accelerator", "current_device_idx", "current_device_index",
           "current_stream", "device_count", "device_index", "empty_cache", "get_memory_info",
           "is_available", "max_memory_allocated", "max_memory_reserved", "memory_allocated",
           "memory_reserved", "memory_stats", "reset_accumulated_memory_stats",
           "reset_peak_memory_stats", "set_device_idx", "set_device_index", "set_stream",
           "synchronize", "get_device_capability", "empty_host_cache"]

_NONE = "Cannot access accelerator device when none is available."


def _none(*args, **kwargs):
    raise RuntimeError(_NONE)


def device_count() -> int:
    """The number of accelerator devices: 0."""
    return 0


def is_available() -> bool:
    """Whether an accelerator can be used: False."""
    return False


def current_accelerator(check_available: bool = False):
    """The accelerator's device type (``torch.device``), None without one."""
    return None


def current_device_index() -> int:
    """The selected accelerator device: raises without one."""
    _none()


def current_device_idx() -> int:
    """Deprecated name of ``current_device_index``."""
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def set_device_index(device, /) -> None:
    """Select an accelerator device: raises without one."""
    _none()


def set_device_idx(device, /) -> None:
    """Deprecated name of ``set_device_index``."""
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    return set_device_index(device)


def current_stream(device=None, /):
    """The selected stream: raises without an accelerator."""
    _none()


def set_stream(stream) -> None:
    """Select a stream: raises without an accelerator."""
    _none()


def synchronize(device=None, /) -> None:
    """Wait for the accelerator: raises without one."""
    _none()


def get_device_capability(device=None, /):
    """The accelerator's capabilities: raises without one."""
    _none()


def empty_cache() -> None:
    """Release the accelerator's cached memory: raises without one."""
    _none()


def empty_host_cache() -> None:
    """Release cached pinned host memory: raises without an accelerator."""
    _none()


def memory_stats(device_index=None, /):
    """The accelerator allocator's statistics: raises without one."""
    _none()


def memory_allocated(device_index=None, /) -> int:
    """Bytes held by accelerator tensors: raises without one."""
    _none()


def max_memory_allocated(device_index=None, /) -> int:
    """Peak bytes held by accelerator tensors: raises without one."""
    _none()


def memory_reserved(device_index=None, /) -> int:
    """Bytes reserved by the accelerator allocator: raises without one."""
    _none()


def max_memory_reserved(device_index=None, /) -> int:
    """Peak bytes reserved by the accelerator allocator: raises without one."""
    _none()


def reset_accumulated_memory_stats(device_index=None, /) -> None:
    """Reset accumulated statistics: raises without an accelerator."""
    _none()


def reset_peak_memory_stats(device_index=None, /) -> None:
    """Reset peak statistics: raises without an accelerator."""
    _none()


def get_memory_info(device_index=None, /):
    """Free and total accelerator memory: raises without one."""
    _none()


class device_index:
    """Context manager selecting an accelerator device; ``None`` makes it a no-op."""

    def __init__(self, device, /):
        self.idx = device
        self.prev_idx = -1

    def __enter__(self):
        if self.idx is not None:
            _none()

    def __exit__(self, *exc_info):
        return False
