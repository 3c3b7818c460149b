"""``torch.cuda.graphs``: the same functions as ``torch.cuda`` (PyTorch's module path)."""
from . import (  # noqa: F401
    CUDAGraph, graph, graph_pool_handle, is_current_stream_capturing, make_graphed_callables,
)

__all__ = [
    "CUDAGraph", "graph", "graph_pool_handle", "is_current_stream_capturing",
    "make_graphed_callables",
]
