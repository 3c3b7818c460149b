"""``torch.backends.mps``: Apple's Metal backend is absent."""
from __future__ import annotations

__all__ = ["is_built", "is_available", "is_macos13_or_newer", "is_macos_or_newer",
           "get_name", "get_core_count"]


def is_built() -> bool:
    """Whether PyTorch was built with MPS: False."""
    return False


def is_available() -> bool:
    """Whether MPS can be used: False."""
    return False


def is_macos_or_newer(major: int, minor: int) -> bool:
    """The macOS version check of the MPS backend: raises without it."""
    raise RuntimeError("Cannot execute isOnMacOSorNewer() without MPS backend.")


def is_macos13_or_newer(minor: int = 0) -> bool:
    """The macOS 13 check of the MPS backend: raises without it."""
    return is_macos_or_newer(13, minor)


def get_name() -> str:
    """The Metal device's name: raises without MPS, as the CPU build does."""
    raise AttributeError("module 'torch._C' has no attribute '_mps_get_name'")


def get_core_count() -> int:
    """The Metal device's core count: raises without MPS, as the CPU build does."""
    raise AttributeError("module 'torch._C' has no attribute '_mps_get_core_count'")
