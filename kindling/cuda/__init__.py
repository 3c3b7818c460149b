"""``torch.cuda`` as PyTorch's CPU-only build has it.

kindling has no CUDA kernels: ``is_available()`` is False and ``device_count()`` is 0, so code
written as ``"cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU.  Every function
behaves as in PyTorch's CPU wheel: the ones that only read counters or queue work for a lazy
initialisation (``manual_seed_all``, ``empty_cache``, ``memory_allocated``...) return quietly,
and the ones that need a device raise ``AssertionError("Torch not compiled with CUDA enabled")``.
"""
from __future__ import annotations

import collections
import contextlib

from .. import _device_module_common as _common
from .._device import device as _torch_device

__all__ = [
    "is_available", "device_count", "is_initialized", "init", "current_device", "set_device",
    "device", "device_of", "synchronize", "get_device_name", "get_device_capability",
    "get_device_properties", "manual_seed", "manual_seed_all", "seed", "seed_all",
    "initial_seed", "get_rng_state", "get_rng_state_all", "set_rng_state", "set_rng_state_all",
    "empty_cache", "memory_allocated", "memory_reserved", "max_memory_allocated",
    "max_memory_reserved", "reset_peak_memory_stats", "memory_summary", "memory_stats",
    "mem_get_info", "is_bf16_supported", "Stream", "Event", "current_stream", "default_stream",
    "stream", "StreamContext",
]

_NOT_COMPILED = "Torch not compiled with CUDA enabled"
has_half = True
has_magma = False
default_generators = ()


def _no_c_function(name):
    """What PyTorch's CPU build raises where a Python function reaches a missing binding."""
    return AttributeError(f"module 'torch._C' has no attribute '{name}'")


class OutOfMemoryError(RuntimeError):
    """``torch.OutOfMemoryError`` (never raised here: kindling allocates with NumPy)."""


OutOfMemoryError.__module__ = "torch"


class AcceleratorError(RuntimeError):
    """``torch.AcceleratorError``: an error reported by an accelerator runtime."""


AcceleratorError.__module__ = "torch"


class CudaError(RuntimeError):
    """An error code from the CUDA runtime."""


class DeferredCudaCallError(Exception):
    """An error raised by a call queued until CUDA's initialisation."""


# ---- availability and initialisation ----------------------------------------------------------
def _lazy_init():
    """Initialise CUDA: raises, as in a build without CUDA."""
    raise AssertionError(_NOT_COMPILED)


def _lazy_call(callable, **kwargs):
    """Work queued until CUDA initialises, which never happens here: dropped."""


def is_bf16_supported(including_emulation: bool = True):
    """Whether bfloat16 runs on the current CUDA device: False without CUDA."""
    return False


globals().update(_common.no_device_functions(__name__, "CUDA", _lazy_init))
globals().update(_common.build_info_functions(__name__, "CUDA"))


# ---- devices ------------------------------------------------------------------------------------
def _get_device_index(dev, optional=False, allow_cpu=False):
    if isinstance(dev, int):
        return dev
    if isinstance(dev, str):
        dev = _torch_device(dev)
    if isinstance(dev, _torch_device):
        if allow_cpu:
            if dev.type not in ("cuda", "cpu"):
                raise ValueError(f"Expected a cuda or cpu device, but got: {dev}")
        elif dev.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {dev}")
    if isinstance(dev, device):
        return dev.idx
    idx = None
    if isinstance(dev, _torch_device):
        idx = -1 if dev.type == "cpu" else dev.index
    if idx is None and not optional:
        raise ValueError("Expected a torch.device with a specified index or an integer, but "
                         f"got:{dev}")
    return idx  # (optional and no index: the current device, which no build without CUDA has)


def _exchange_device(idx):
    if idx < 0:
        return -1
    raise RuntimeError("PyTorch was compiled without CUDA support")


def _maybe_exchange_device(idx):
    if idx < 0:
        return -1
    raise RuntimeError("PyTorch was compiled without CUDA support")


def current_device() -> int:
    """The index of the selected CUDA device: raises without CUDA."""
    _lazy_init()


def set_device(device) -> None:
    """Select a CUDA device; a negative index is a no-op."""
    idx = _get_device_index(device)
    if idx >= 0:
        raise _no_c_function("_cuda_setDevice")


class device:
    """Context manager selecting a CUDA device; a negative index (or a CPU tensor's device,
    through ``device_of``) makes it a no-op, any other raises without CUDA."""

    def __init__(self, device):
        self.idx = _get_device_index(device, optional=True)
        self.prev_idx = -1

    def __enter__(self):
        self.prev_idx = _exchange_device(self.idx)

    def __exit__(self, type, value, traceback):
        self.idx = _maybe_exchange_device(self.prev_idx)
        return False


class device_of(device):
    """Context manager selecting the device of a tensor or storage (no-op for CPU ones)."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else -1)


def synchronize(device=None) -> None:
    """Wait for a CUDA device's work: raises without CUDA."""
    _lazy_init()


def get_device_properties(device=None):
    """A CUDA device's properties: raises without CUDA."""
    _lazy_init()


def get_device_name(device=None) -> str:
    """A CUDA device's name: raises without CUDA."""
    return get_device_properties(device).name


def get_device_capability(device=None) -> tuple:
    """A CUDA device's compute capability: raises without CUDA."""
    prop = get_device_properties(device)
    return prop.major, prop.minor


def can_device_access_peer(device, peer_device) -> bool:
    """Whether one device can read another's memory: raises without CUDA."""
    _lazy_init()


def ipc_collect():
    """Free CUDA memory shared between processes: raises without CUDA."""
    _lazy_init()


def cudart():
    """The CUDA runtime module: raises without CUDA."""
    _lazy_init()


def current_blas_handle():
    """The cuBLAS handle: raises without CUDA."""
    _lazy_init()


def current_solver_handle():
    """The cuSOLVER handle: raises without CUDA."""
    _lazy_init()


def set_sync_debug_mode(debug_mode) -> None:
    """Set the synchronisation debug mode: raises without CUDA."""
    _lazy_init()


def get_sync_debug_mode() -> int:
    """The synchronisation debug mode: raises without CUDA."""
    _lazy_init()


_NVML_MISSING = "nvidia-ml-py does not seem to be installed or it can't be imported."


def _nvml(device=None):
    raise ModuleNotFoundError(_NVML_MISSING)


globals().update(_common.monitoring_functions(__name__, "NVML", _nvml))


def list_gpu_processes(device=None) -> str:
    """Processes running on a GPU, from NVML: a note that NVML is missing."""
    return "pynvml module not found, please install nvidia-ml-py"


# ---- random numbers ----------------------------------------------------------------------------
def manual_seed(seed: int) -> None:
    """Seed the current CUDA generator: queued until CUDA initialises, so a no-op here."""
    seed = int(seed)
    _lazy_call(None, seed=True)


def manual_seed_all(seed: int) -> None:
    """Seed every CUDA generator: queued until CUDA initialises, so a no-op here."""
    seed = int(seed)
    _lazy_call(None, seed_all=True)


def seed() -> None:
    """Seed the current CUDA generator randomly: queued, a no-op here."""
    _lazy_call(None)


def seed_all() -> None:
    """Seed every CUDA generator randomly: queued, a no-op here."""
    _lazy_call(None, seed_all=True)


def initial_seed() -> int:
    """The current CUDA generator's initial seed: raises without CUDA."""
    _lazy_init()


def get_rng_state(device="cuda"):
    """A CUDA generator's state: raises without CUDA."""
    _lazy_init()


def get_rng_state_all() -> list:
    """Every CUDA generator's state: an empty list (no devices)."""
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state(new_state, device="cuda") -> None:
    """Set a CUDA generator's state: the state is copied and the call queued (a no-op here)."""
    new_state.clone()
    _lazy_call(None)


set_rng_state_all = _common.set_rng_state_all_function(__name__, "CUDA", set_rng_state)


# ---- memory -------------------------------------------------------------------------------------
globals().update(_common.empty_allocator_functions(__name__, "CUDA"))


def host_memory_stats():
    """The pinned-memory allocator's statistics: empty."""
    return collections.OrderedDict()


def host_memory_stats_as_nested_dict():
    """The pinned-memory allocator's statistics as nested dicts: empty."""
    return {}


def memory_allocated(device=None) -> int:
    """Bytes held by tensors on a CUDA device: 0."""
    return memory_stats(device).get("allocated_bytes.all.current", 0)


def max_memory_allocated(device=None) -> int:
    """Peak bytes held by tensors on a CUDA device: 0."""
    return memory_stats(device).get("allocated_bytes.all.peak", 0)


def memory_reserved(device=None) -> int:
    """Bytes reserved by the caching allocator: 0."""
    return memory_stats(device).get("reserved_bytes.all.current", 0)


def max_memory_reserved(device=None) -> int:
    """Peak bytes reserved by the caching allocator: 0."""
    return memory_stats(device).get("reserved_bytes.all.peak", 0)


def memory_cached(device=None) -> int:
    """Deprecated name of ``memory_reserved``."""
    import warnings
    warnings.warn("`torch.cuda.memory_cached` has been renamed to `torch.cuda.memory_reserved`",
                  FutureWarning, stacklevel=2)
    return memory_reserved(device)


def max_memory_cached(device=None) -> int:
    """Deprecated name of ``max_memory_reserved``."""
    import warnings
    warnings.warn("`torch.cuda.max_memory_cached` has been renamed to "
                  "`torch.cuda.max_memory_reserved`", FutureWarning, stacklevel=2)
    return max_memory_reserved(device)


def reset_peak_memory_stats(device=None) -> None:
    """Reset the allocator's peak statistics: raises, as the CPU build has no allocator."""
    raise _no_c_function("_cuda_resetPeakMemoryStats")


def reset_max_memory_allocated(device=None) -> None:
    """Deprecated: reset the peak statistics (raises in a build without CUDA)."""
    import warnings
    warnings.warn("torch.cuda.reset_max_memory_allocated now calls "
                  "torch.cuda.reset_peak_memory_stats, which resets /all/ peak memory stats.",
                  FutureWarning, stacklevel=2)
    return reset_peak_memory_stats(device)


def reset_max_memory_cached(device=None) -> None:
    """Deprecated: reset the peak statistics (raises in a build without CUDA)."""
    import warnings
    warnings.warn("torch.cuda.reset_max_memory_cached now calls "
                  "torch.cuda.reset_peak_memory_stats, which resets /all/ peak memory stats.",
                  FutureWarning, stacklevel=2)
    return reset_peak_memory_stats(device)


def reset_accumulated_memory_stats(device=None) -> None:
    """Reset the allocator's accumulated statistics (raises in a build without CUDA)."""
    raise _no_c_function("_cuda_resetAccumulatedMemoryStats")


def memory_summary(device=None, abbreviated: bool = False) -> str:
    """A printed report of the allocator's statistics; with no statistics at all (CUDA never
    initialised) it fails on the first missing one, as the CPU build does."""
    stats = memory_stats(device)
    return stats["allocated_bytes.all.current"]


def memory_snapshot(mempool_id=None, include_traces=True):
    """A snapshot of the allocator's state (raises in a build without CUDA)."""
    raise _no_c_function("_cuda_memorySnapshot")


def mem_get_info(device=None) -> tuple:
    """Free and total memory on a CUDA device: raises without CUDA."""
    if device is None:
        device = current_device()
    _lazy_init()


def set_per_process_memory_fraction(fraction, device=None) -> None:
    """Cap this process's share of a device's memory: raises without CUDA."""
    _lazy_init()


def get_per_process_memory_fraction(device=None) -> float:
    """This process's cap on a device's memory: raises without CUDA."""
    _lazy_init()


def caching_allocator_alloc(size, device=None, stream=None):
    """Allocate with the caching allocator: raises without CUDA."""
    _lazy_init()


def caching_allocator_delete(mem_ptr):
    """Free memory from the caching allocator (raises in a build without CUDA)."""
    raise _no_c_function("_cuda_cudaCachingAllocator_raw_delete")


# ---- streams, events, graphs ------------------------------------------------------------------
def _dummy(name):
    return RuntimeError(f"Tried to instantiate dummy base class {name}")


class Stream:
    """A CUDA stream: cannot be made without CUDA."""

    def __new__(cls, device=None, priority=0, **kwargs):
        raise RuntimeError("torch.cuda.Stream requires CUDA support")


class ExternalStream(Stream):
    """A stream allocated outside PyTorch: cannot be made without CUDA."""

    def __new__(cls, stream_ptr, device=None, **kwargs):
        with globals()["device"](device):
            return super().__new__(cls)


class Event:
    """A CUDA event: cannot be made without CUDA."""

    def __new__(cls, enable_timing=False, blocking=False, interprocess=False,
                external=False):
        raise _dummy("Event")


Stream.__module__ = Event.__module__ = ExternalStream.__module__ = "torch.cuda.streams"


class StreamContext:
    """Context manager selecting a stream; ``None`` makes it a no-op."""

    def __init__(self, stream):
        self.stream = stream
        self.idx = _get_device_index(None, True)
        if self.idx is None:
            self.idx = -1
        self.src_prev_stream = self.dst_prev_stream = None

    def __enter__(self):
        if self.stream is None or self.idx == -1:
            return
        _lazy_init()

    def __exit__(self, type, value, traceback):
        return None


def stream(stream):
    """``with torch.cuda.stream(s):`` selects stream ``s``; a no-op for ``None``."""
    return StreamContext(stream)


def set_stream(stream):
    """Select a stream; a no-op for ``None``."""
    if stream is None:
        return
    _lazy_init()


def current_stream(device=None):
    """The selected stream of a device: raises without CUDA."""
    _lazy_init()


def default_stream(device=None):
    """The default stream of a device: raises without CUDA."""
    _lazy_init()


def get_stream_from_external(data_ptr, device=None):
    """Wrap a stream made outside PyTorch."""
    return ExternalStream(data_ptr, device)


def is_current_stream_capturing() -> bool:
    """Whether a CUDA graph is being captured: fails without CUDA, as in the CPU build."""
    raise _dummy("_cuda_isCurrentStreamCapturing")


def graph_pool_handle():
    """A memory pool handle for CUDA graphs: fails without CUDA."""
    raise _dummy("_graph_pool_handle")


class CUDAGraph:
    """A captured CUDA graph: cannot be made without CUDA."""

    def __new__(cls, *args, **kwargs):
        raise _dummy("CUDAGraph")


class MemPool:
    """A CUDA memory pool: cannot be made without CUDA."""

    def __new__(cls, *args, **kwargs):
        raise _dummy("MemPool")


class graph:
    """Context manager capturing a CUDA graph: needs a stream, so fails without CUDA."""

    def __init__(self, cuda_graph, pool=None, stream=None, capture_error_mode="global"):
        Stream()


@contextlib.contextmanager
def use_mem_pool(pool, device=None):
    """Route allocations to a memory pool (there is none to route to here)."""
    _lazy_init()
    yield


def make_graphed_callables(callables, sample_args, num_warmup_iters=3,
                           allow_unused_input=False, pool=None):
    """Capture callables as CUDA graphs: not available without CUDA."""
    raise NotImplementedError("kindling has no CUDA graphs (torch.cuda.make_graphed_callables)")


# ---- legacy tensor types (torch.cuda.FloatTensor ...) -------------------------------------------
class _CudaLegacyType(type):
    """``torch.cuda.FloatTensor`` and its kin: unusable without CUDA, and no tensor is one."""

    def __call__(cls, *args, **kwargs):
        raise TypeError(f"type torch.cuda.{cls.__name__} not available. Torch not compiled with "
                        "CUDA enabled.")

    def __instancecheck__(cls, obj):
        return False

    def __repr__(cls):
        return f"<class 'torch.cuda.{cls.__name__}'>"


def _legacy_types():
    from .. import _dtype
    names = {"DoubleTensor": "float64", "FloatTensor": "float32", "HalfTensor": "float16",
             "BFloat16Tensor": "bfloat16", "LongTensor": "int64", "IntTensor": "int32",
             "ShortTensor": "int16", "CharTensor": "int8", "ByteTensor": "uint8",
             "BoolTensor": "bool"}
    return {n: _CudaLegacyType(n, (), {"dtype": getattr(_dtype, dt), "is_cuda": True,
                                       "is_sparse": False, "__module__": "torch.cuda"})
            for n, dt in names.items()}


globals().update(_legacy_types())


# ---- legacy storages (torch.cuda.FloatStorage ...) ---------------------------------------------
class _CudaStorageType(type):
    """``torch.cuda.FloatStorage`` and its kin: making one needs CUDA; no storage is one."""

    def __call__(cls, *args, **kwargs):
        from ..storage import _warn_typed_storage_removal
        _warn_typed_storage_removal()
        _lazy_init()

    def __instancecheck__(cls, obj):
        return False

    def __repr__(cls):
        return f"<class 'torch.cuda.{cls.__name__}'>"


def _storage_types():
    from .. import _dtype
    names = {"DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
             "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
             "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8",
             "BoolStorage": "bool", "ComplexFloatStorage": "complex64",
             "ComplexDoubleStorage": "complex128"}
    return {n: _CudaStorageType(n, (), {"dtype": getattr(_dtype, dt), "is_cuda": True,
                                        "__module__": "torch.cuda"})
            for n, dt in names.items()}


globals().update(_storage_types())


# ---- the allocator ------------------------------------------------------------------------------
class cudaStatus:
    """CUDA runtime status codes."""
    SUCCESS: int = 0
    ERROR_NOT_READY: int = 34


def check_error(res: int) -> None:
    """Raise ``CudaError`` for a failed CUDA runtime status (no runtime here: fails as the CPU
    build does)."""
    raise AttributeError("'NoneType' object has no attribute 'cudaError'")


def caching_allocator_enable(value: bool = True) -> None:
    """Enable or disable the caching allocator (nothing to switch without CUDA)."""
    if is_initialized():
        _lazy_init()


@contextlib.contextmanager
def caching_allocator_disabled():
    """Disable the caching allocator inside a ``with`` block (fails on entry without CUDA)."""
    raise _no_c_function("_cuda_cudaCachingAllocator_is_enabled")
    yield


def get_allocator_backend() -> str:
    """The caching allocator's backend name (fails without CUDA, as in the CPU build)."""
    raise _no_c_function("_cuda_getAllocatorBackend")


def change_current_allocator(allocator) -> None:
    """Replace the CUDA allocator (fails without CUDA, as in the CPU build)."""
    raise _no_c_function("_cuda_changeCurrentAllocator")


def reset_accumulated_host_memory_stats() -> None:
    """Reset the pinned-memory allocator's accumulated statistics (fails without CUDA)."""
    raise _no_c_function("_cuda_resetAccumulatedHostMemoryStats")


def reset_peak_host_memory_stats() -> None:
    """Reset the pinned-memory allocator's peak statistics (fails without CUDA)."""
    raise _no_c_function("_cuda_resetPeakHostMemoryStats")


_SUBMODULES = ("amp", "nvtx", "random", "memory", "streams", "graphs")


def __getattr__(name):
    if name in _SUBMODULES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
