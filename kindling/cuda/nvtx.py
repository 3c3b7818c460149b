"""``torch.cuda.nvtx``: NVTX profiler ranges.  PyTorch's CPU build has no NVTX library, so
each marker raises its RuntimeError; ``range(...)`` only raises once entered."""
from __future__ import annotations

import contextlib

__all__ = ["range_push", "range_pop", "range_start", "range_end", "mark", "range"]

_MISSING = "NVTX functions not installed. Are you sure you have a CUDA build?"


def range_push(msg):
    """Push a range onto the NVTX stack: raises (no NVTX)."""
    raise RuntimeError(_MISSING)


def range_pop():
    """Pop a range from the NVTX stack: raises (no NVTX)."""
    raise RuntimeError(_MISSING)


def range_start(msg) -> int:
    """Start a process-wide range: raises (no NVTX)."""
    raise AttributeError("'_NVTXStub' object has no attribute 'rangeStartA'")


def range_end(range_id) -> None:
    """End a process-wide range: raises (no NVTX)."""
    raise AttributeError("'_NVTXStub' object has no attribute 'rangeEnd'")


def mark(msg):
    """Mark an instant event: raises (no NVTX)."""
    raise RuntimeError(_MISSING)


@contextlib.contextmanager
def range(msg, *args, **kwargs):
    """``with torch.cuda.nvtx.range("name"):`` (raises on entry: no NVTX)."""
    range_push(msg.format(*args, **kwargs))
    try:
        yield
    finally:
        range_pop()
