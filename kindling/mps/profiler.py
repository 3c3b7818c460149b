"""``torch.mps.profiler``: Metal's signpost profiler and GPU capture (absent without MPS)."""
from __future__ import annotations

import contextlib

__all__ = ["start", "stop", "profile", "is_capturing_metal", "is_metal_capture_enabled"]


def start(mode: str = "interval", wait_until_completed: bool = False) -> None:
    """Start MPS signpost tracing: raises without MPS."""
    raise RuntimeError("Cannot execute profilerStartTrace() without MPS backend.")


def stop():
    """Stop MPS signpost tracing: raises without MPS."""
    raise RuntimeError("Cannot execute profilerStopTrace() without MPS backend.")


@contextlib.contextmanager
def profile(mode: str = "interval", wait_until_completed: bool = False):
    """Trace the ``with`` block with MPS signposts (raises without MPS)."""
    try:
        start(mode, wait_until_completed)
        yield
    finally:
        stop()


def is_metal_capture_enabled() -> bool:
    """Whether Metal GPU capture can be used (fails without MPS, as in the CPU build)."""
    raise AttributeError("module 'torch._C' has no attribute '_mps_isCaptureEnabled'")


def is_capturing_metal() -> bool:
    """Whether a Metal capture is running (fails without MPS, as in the CPU build)."""
    raise AttributeError("module 'torch._C' has no attribute '_mps_isCapturing'")
