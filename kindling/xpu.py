"""``torch.xpu`` as PyTorch's CPU-only build has it: no Intel GPUs (``is_available()`` False,
``device_count()`` 0); what needs a device raises ``AssertionError("Torch not compiled with XPU
enabled")``, and seeding and memory counters answer quietly."""
from __future__ import annotations

from . import _device_module_common as _common
from ._device import device as _torch_device

__all__ = ["is_available", "device_count", "is_initialized", "init", "current_device",
           "set_device", "device", "device_of", "synchronize", "get_device_name",
           "get_device_capability", "get_device_properties", "manual_seed", "manual_seed_all",
           "seed", "seed_all", "initial_seed", "get_rng_state", "get_rng_state_all",
           "set_rng_state", "set_rng_state_all", "empty_cache", "memory_allocated",
           "memory_reserved", "max_memory_allocated", "max_memory_reserved", "memory_stats",
           "mem_get_info", "is_bf16_supported", "Stream", "Event", "current_stream", "stream"]

_NOT_COMPILED = "Torch not compiled with XPU enabled"
default_generators = ()


def _lazy_init():
    raise AssertionError(_NOT_COMPILED)


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Whether bfloat16 runs on the XPU: False."""
    return False


globals().update(_common.no_device_functions(__name__, "XPU", _lazy_init))
globals().update(_common.build_info_functions(__name__, "XPU"))


def _get_device_index(dev, optional=False):
    if isinstance(dev, str):
        dev = _torch_device(dev)
    if isinstance(dev, _torch_device) and dev.type != "xpu":
        raise ValueError(f"Expected a xpu device, but got: {dev}")
    if isinstance(dev, _torch_device):
        return dev.index
    return dev


class device:
    """Context manager selecting an XPU: entering raises without XPU support."""

    def __init__(self, device):
        self.idx = _get_device_index(device, optional=True)
        self.prev_idx = -1

    def __enter__(self):
        raise NotImplementedError("PyTorch was compiled without XPU support")

    def __exit__(self, type, value, traceback):
        return False


class device_of(device):
    """Context manager selecting the XPU of a tensor (CPU tensors: no XPU to select)."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_xpu else -1)


def current_device() -> int:
    """The selected XPU: raises without XPU."""
    _lazy_init()


def set_device(device) -> None:
    """Select an XPU: raises without XPU."""
    _lazy_init()


def synchronize(device=None) -> None:
    """Wait for an XPU: raises without XPU."""
    _lazy_init()


def get_device_properties(device=None):
    """An XPU's properties: raises without XPU."""
    _lazy_init()


def get_device_name(device=None) -> str:
    """An XPU's name: raises without XPU."""
    return get_device_properties(device).name


def get_device_capability(device=None):
    """An XPU's capabilities: raises without XPU."""
    _lazy_init()


def can_device_access_peer(device, peer) -> bool:
    """Whether one XPU reads another's memory: raises without XPU."""
    _lazy_init()


globals().update(_common.queued_seed_functions(__name__, "XPU"))


def initial_seed() -> int:
    """The XPU generator's initial seed: raises without XPU."""
    _lazy_init()


def get_rng_state(device="xpu"):
    """An XPU generator's state: raises without XPU."""
    _lazy_init()


def get_rng_state_all():
    """Every XPU generator's state: none."""
    return []


def set_rng_state(new_state, device="xpu") -> None:
    """Set an XPU generator's state: copied and queued, a no-op here."""
    new_state.clone()


set_rng_state_all = _common.set_rng_state_all_function(__name__, "XPU", set_rng_state)


globals().update(_common.empty_allocator_functions(__name__, "XPU"))


def memory_allocated(device=None) -> int:
    """Bytes held by tensors on an XPU: 0."""
    return 0


def max_memory_allocated(device=None) -> int:
    """Peak bytes held by tensors on an XPU: 0."""
    return 0


def memory_reserved(device=None) -> int:
    """Bytes reserved by the XPU allocator: 0."""
    return 0


def max_memory_reserved(device=None) -> int:
    """Peak bytes reserved by the XPU allocator: 0."""
    return 0


def memory_snapshot(mempool_id=None):
    """The XPU allocator's segments: none."""
    return []


def reset_peak_memory_stats(device=None) -> None:
    """Reset peak statistics: fails without XPU, as in the CPU build."""
    raise AttributeError("module 'torch._C' has no attribute '_xpu_resetPeakMemoryStats'")


def reset_accumulated_memory_stats(device=None) -> None:
    """Reset accumulated statistics: fails without XPU, as in the CPU build."""
    raise AttributeError("module 'torch._C' has no attribute '_xpu_resetAccumulatedMemoryStats'")


def mem_get_info(device=None):
    """Free and total XPU memory: raises without XPU."""
    _lazy_init()


def set_per_process_memory_fraction(fraction, device=None) -> None:
    """Cap this process's XPU memory: raises without XPU."""
    _lazy_init()


def get_per_process_memory_fraction(device=None) -> float:
    """This process's XPU memory cap: raises without XPU."""
    _lazy_init()


Stream = _common.dummy_class(__name__, "Stream", "An XPU stream: cannot be made without XPU.")
Event = _common.dummy_class(__name__, "Event", "An XPU event: cannot be made without XPU.")


class StreamContext:
    """Context manager selecting an XPU stream; ``None`` makes it a no-op."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            _lazy_init()

    def __exit__(self, type, value, traceback):
        return None


def stream(stream):
    """``with torch.xpu.stream(s):``; a no-op for ``None``."""
    return StreamContext(stream)


def set_stream(stream):
    """Select an XPU stream; a no-op for ``None``."""
    if stream is not None:
        _lazy_init()


def current_stream(device=None):
    """The selected XPU stream: raises without XPU."""
    _lazy_init()


def _no_pyzes(device=None):
    raise ImportError("pyzes is required; install it with 'pip install pyzes'.")


globals().update(_common.monitoring_functions(__name__, "pyzes", _no_pyzes))


def get_stream_from_external(data_ptr, device=None):
    """Wrap a stream made outside PyTorch: raises without XPU."""
    _lazy_init()


def is_current_stream_capturing() -> bool:
    """Whether an XPU graph is being captured: fails without XPU."""
    raise RuntimeError("Tried to instantiate dummy base class _xpu_isCurrentStreamCapturing")


def graph_pool_handle():
    """A memory pool handle for XPU graphs: fails without XPU."""
    raise RuntimeError("Tried to instantiate dummy base class _xpu_graph_pool_handle")


XPUGraph = _common.dummy_class(__name__, "XPUGraph",
                               "A captured XPU graph: cannot be made without XPU.")
MemPool = _common.dummy_class(__name__, "MemPool", "An XPU memory pool: cannot be made without XPU.")


class graph:
    """Context manager capturing an XPU graph: needs a stream, so fails without XPU."""

    def __init__(self, xpu_graph, pool=None, stream=None, capture_error_mode="global"):
        Stream()


def make_graphed_callables(callables, sample_args, num_warmup_iters=3,
                           allow_unused_input=False, pool=None):
    """Capture callables as XPU graphs: not available without XPU."""
    raise NotImplementedError("kindling has no XPU graphs (torch.xpu.make_graphed_callables)")
