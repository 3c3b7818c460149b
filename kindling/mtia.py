"""``torch.mtia`` as PyTorch's CPU-only build has it: no MTIA device (``is_available()``
False, ``device_count()`` 0); calls that reach the backend raise its errors."""
from __future__ import annotations

from . import _device_module_common as _common

__all__ = ["is_available", "device_count", "is_initialized", "init", "current_device",
           "set_device", "synchronize", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "initial_seed", "get_rng_state", "get_rng_state_all", "set_rng_state",
           "set_rng_state_all", "empty_cache", "memory_allocated", "max_memory_allocated",
           "memory_stats", "reset_peak_memory_stats", "is_bf16_supported"]

_NOT_COMPILED = ("Torch not compiled with MTIA enabled. Ensure you have `import "
                 "mtia.host_runtime.torch_mtia.dynamic_library` in your python src file and "
                 "include `//mtia/host_runtime/torch_mtia:torch_mtia` as your target dependency!")
default_generators = ()


def _no_mtia(what):
    return RuntimeError(f"Cannot execute {what}() without MTIA backend.")


def _lazy_init():
    raise AssertionError(_NOT_COMPILED)


globals().update(_common.no_device_functions(__name__, "MTIA", _lazy_init))


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """What PyTorch's MTIA module answers without a device: True."""
    return True


def current_device() -> int:
    """The selected MTIA device: raises without MTIA."""
    raise _no_mtia("getCurrentDevice")


def set_device(device) -> None:
    """Select an MTIA device: raises without MTIA."""
    raise _no_mtia("setCurrentDevice")


def synchronize(device=None) -> None:
    """Wait for an MTIA device: raises without MTIA."""
    raise _no_mtia("getCurrentDevice")


def get_device_capability(device=None):
    """An MTIA device's capability: raises without MTIA."""
    raise _no_mtia("getCurrentDevice")


def get_device_properties(device=None):
    """An MTIA device's properties: raises without MTIA."""
    raise _no_mtia("getCurrentDevice")


def current_stream(device=None):
    """The selected MTIA stream: raises without MTIA."""
    raise _no_mtia("getCurrentDevice")


def default_stream(device=None):
    """The default MTIA stream: raises without MTIA."""
    raise _no_mtia("getCurrentDevice")


def set_stream(stream):
    """Select an MTIA stream; a no-op for ``None``."""
    if stream is not None:
        raise _no_mtia("setCurrentStream")


def empty_cache() -> None:
    """Release cached MTIA memory: raises without MTIA."""
    raise _no_mtia("emptyCache")


def memory_stats(device=None):
    """The MTIA allocator's statistics: empty."""
    return {}


def memory_allocated(device=None) -> int:
    """Bytes held by MTIA tensors: 0."""
    return 0


def max_memory_allocated(device=None) -> int:
    """Peak bytes held by MTIA tensors: 0."""
    return 0


def reset_peak_memory_stats(device=None) -> None:
    """Reset the peak statistics: nothing to reset."""


globals().update(_common.queued_seed_functions(__name__, "MTIA"))


def initial_seed() -> int:
    """The MTIA generator's initial seed: raises without MTIA."""
    _lazy_init()


def get_rng_state(device="mtia"):
    """An MTIA generator's state: raises without MTIA."""
    _lazy_init()


def get_rng_state_all():
    """Every MTIA generator's state: none."""
    return []


def set_rng_state(new_state, device="mtia") -> None:
    """Set an MTIA generator's state: raises without MTIA."""
    raise _no_mtia("getCurrentDevice")


set_rng_state_all = _common.set_rng_state_all_function(__name__, "MTIA", set_rng_state)


class DeferredMtiaCallError(Exception):
    """An error raised by a call queued until MTIA's initialisation."""


def is_fbcode() -> bool:
    """Whether this is Meta's internal build: no."""
    return False


def is_prod() -> bool:
    """Whether this is Meta's internal production build: no."""
    return False


def record_memory_history(enabled="all", stacks="python", max_entries=0) -> None:
    """Record MTIA allocation history: nothing to record."""


def snapshot():
    """The MTIA allocator's state: raises without MTIA."""
    raise _no_mtia("memorySnapshot")


def graph_pool_handle():
    """A memory pool handle for MTIA graphs: raises without MTIA."""
    raise _no_mtia("graphPoolHandle")


class device:
    """Context manager selecting an MTIA device; a negative index makes it a no-op."""

    def __init__(self, device):
        self.idx = device if isinstance(device, int) else getattr(device, "index", device)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx is None or self.idx >= 0:
            raise _no_mtia("maybeExchangeDevice")

    def __exit__(self, type, value, traceback):
        if self.prev_idx >= 0:
            raise _no_mtia("maybeExchangeDevice")
        return False


class StreamContext:
    """Context manager selecting an MTIA stream: needs the current device, so raises."""

    def __init__(self, stream):
        raise _no_mtia("getCurrentDevice")


def stream(stream):
    """``with torch.mtia.stream(s):``: raises without MTIA."""
    return StreamContext(stream)
