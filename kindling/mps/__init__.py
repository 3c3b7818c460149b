"""``torch.mps`` as PyTorch's CPU-only build has it: no Metal device (``is_available()`` False,
``device_count()`` 0); calls that reach the backend raise its RuntimeError."""
from __future__ import annotations

__all__ = ["is_available", "device_count", "synchronize", "get_rng_state", "set_rng_state",
           "manual_seed", "seed", "empty_cache", "set_per_process_memory_fraction",
           "current_allocated_memory", "driver_allocated_memory", "recommended_max_memory",
           "compile_shader", "Event"]


def _no_mps(what):
    return RuntimeError(f"Cannot execute {what}() without MPS backend.")


def is_available() -> bool:
    """Whether MPS can be used: False."""
    return False


def device_count() -> int:
    """The number of MPS devices: 0."""
    return 0


def synchronize() -> None:
    """Wait for the MPS device: raises without MPS."""
    raise _no_mps("deviceSynchronize")


def get_rng_state(device="mps"):
    """The MPS generator's state: raises without MPS."""
    raise _no_mps("getDefaultGenerator")


def set_rng_state(new_state, device="mps") -> None:
    """Set the MPS generator's state: raises without MPS."""
    new_state.clone()
    raise _no_mps("getDefaultGenerator")


def manual_seed(seed) -> None:
    """Seed the MPS generator: a no-op without MPS, as in the CPU build."""


def seed() -> None:
    """Seed the MPS generator randomly: raises without MPS."""
    raise _no_mps("getDefaultGenerator")


def empty_cache() -> None:
    """Release cached MPS memory: raises without MPS."""
    raise _no_mps("emptyCache")


def set_per_process_memory_fraction(fraction) -> None:
    """Cap this process's MPS memory: raises without MPS."""
    raise _no_mps("setMemoryFraction")


def current_allocated_memory() -> int:
    """Bytes held by MPS tensors: raises without MPS."""
    raise _no_mps("getCurrentAllocatedMemory")


def driver_allocated_memory() -> int:
    """Bytes the Metal driver holds: raises without MPS."""
    raise _no_mps("getDriverAllocatedMemory")


def recommended_max_memory() -> int:
    """Metal's recommended working set: raises without MPS."""
    raise _no_mps("getRecommendedMaxMemory")


def compile_shader(source: str):
    """Compile a Metal shader: raises without MPS."""
    raise RuntimeError("MPS is not available")


from .event import Event  # noqa: E402


def __getattr__(name):
    if name == "profiler":
        import importlib
        return importlib.import_module(f"{__name__}.profiler")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
