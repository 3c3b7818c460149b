"""``torch.cuda.memory``: the same functions as ``torch.cuda`` (PyTorch's module path)."""
from . import (  # noqa: F401
    empty_cache, memory_stats, memory_stats_as_nested_dict, host_memory_stats, memory_allocated,
    max_memory_allocated, memory_reserved, max_memory_reserved, memory_cached,
    max_memory_cached, reset_peak_memory_stats, reset_max_memory_allocated,
    reset_max_memory_cached, reset_accumulated_memory_stats, memory_summary, memory_snapshot,
    mem_get_info, set_per_process_memory_fraction, get_per_process_memory_fraction,
    caching_allocator_alloc, caching_allocator_delete, caching_allocator_enable,
    caching_allocator_disabled, get_allocator_backend, change_current_allocator,
    list_gpu_processes, use_mem_pool, MemPool,
)

__all__ = [
    "empty_cache", "memory_stats", "memory_stats_as_nested_dict", "host_memory_stats",
    "memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved",
    "memory_cached", "max_memory_cached", "reset_peak_memory_stats",
    "reset_max_memory_allocated", "reset_max_memory_cached", "reset_accumulated_memory_stats",
    "memory_summary", "memory_snapshot", "mem_get_info", "set_per_process_memory_fraction",
    "get_per_process_memory_fraction", "caching_allocator_alloc", "caching_allocator_delete",
    "caching_allocator_enable", "caching_allocator_disabled", "get_allocator_backend",
    "change_current_allocator", "list_gpu_processes", "use_mem_pool", "MemPool",
]
