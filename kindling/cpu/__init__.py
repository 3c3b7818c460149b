"""``torch.cpu``: the CPU through the device-module interface ``torch.cuda`` has.

The CPU is always available, is one device (``device_count()`` 1, ``current_device()``
``"cpu"``), and runs everything synchronously: ``synchronize`` returns at once, streams and
events only keep the interface.
"""
from __future__ import annotations

import os
import platform
import re
from types import MappingProxyType

__all__ = ["is_available", "is_initialized", "synchronize", "current_device", "current_stream",
           "stream", "set_device", "device_count", "Stream", "StreamContext", "Event",
           "get_capabilities"]


def is_available() -> bool:
    """Whether the CPU can be used: always."""
    return True


def is_initialized() -> bool:
    """Whether the CPU is initialised: always."""
    return True


def device_count() -> int:
    """The number of CPU devices: 1."""
    return 1


def current_device() -> str:
    """The CPU device: ``"cpu"``."""
    return "cpu"


def set_device(device) -> None:
    """Select a CPU device: there is one, so a no-op."""


def synchronize(device=None) -> None:
    """Wait for the CPU's work: it is already done."""


class Stream:
    """A CPU stream: work runs in program order, so waiting and recording do nothing."""

    def __init__(self, priority: int = -1) -> None:
        pass

    def wait_stream(self, stream) -> None:
        """Nothing to wait for: CPU work runs in program order."""
        pass

    def record_event(self):
        """Nothing to record."""
        pass

    def wait_event(self, event) -> None:
        """Nothing to wait for."""
        pass


class Event:
    """A CPU event: always complete."""

    def query(self) -> bool:
        """True: CPU work is always complete."""
        return True

    def record(self, stream=None) -> None:
        """Nothing to record."""
        pass

    def synchronize(self) -> None:
        """Nothing to wait for."""
        pass

    def wait(self, stream=None) -> None:
        """Nothing to wait for."""
        pass


_default_cpu_stream = Stream()
_current_stream = _default_cpu_stream


def current_stream(device=None):
    """The CPU's (only) stream."""
    return _current_stream


class StreamContext:
    """Context manager selecting a CPU stream; ``None`` makes it a no-op."""

    def __init__(self, stream):
        self.stream = stream
        self.prev_stream = _default_cpu_stream

    def __enter__(self):
        global _current_stream
        if self.stream is None:
            return
        self.prev_stream = _current_stream
        _current_stream = self.stream

    def __exit__(self, type, value, traceback):
        global _current_stream
        if self.stream is None:
            return
        _current_stream = self.prev_stream


def stream(stream):
    """``with torch.cpu.stream(s):`` selects stream ``s``."""
    return StreamContext(stream)


def _feature_name(numpy_name):
    """PyTorch's spelling of a NumPy CPU feature name (AVX512BW -> avx512_bw, SSE41 ->
    sse4_1); None for NumPy's micro-architecture groups (AVX512_SKX, X86_V3)."""
    if numpy_name.startswith(("AVX512_", "X86_V")):
        return None
    m = re.fullmatch(r"AVX512(\w+)", numpy_name)
    if m:
        return "avx512_" + m.group(1).lower()
    m = re.fullmatch(r"SSE4(\d)", numpy_name)
    if m:
        return "sse4_" + m.group(1)
    return numpy_name.lower()


def get_capabilities():
    """The CPU's instruction-set features under PyTorch's names (``avx2``, ``avx512_f``...),
    from NumPy's CPU feature detection, with ``architecture`` and ``num_logical_cores``;
    read-only."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:  # (NumPy 1.x)
        from numpy.core._multiarray_umath import __cpu_features__ as feats
    caps = {"architecture": platform.machine(), "num_logical_cores": os.cpu_count()}
    for name, present in feats.items():
        key = _feature_name(name)
        if key is not None:
            caps[key] = bool(present)
    return MappingProxyType(caps)


def __getattr__(name):
    if name == "amp":
        import importlib
        return importlib.import_module(f"{__name__}.amp")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
