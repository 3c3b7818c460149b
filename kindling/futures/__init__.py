"""``torch.futures``: ``Future``, ``collect_all``, ``wait_all`` — and where forks run.

``Future`` follows PyTorch's semantics and messages: it completes once (a second completion is
refused), ``then`` callbacks' errors are wrapped in a RuntimeError, ``set_exception`` takes an
Exception, futures cannot be pickled.  Unlike PyTorch's eager mode, ``torch.jit.fork`` really
runs tasks asynchronously: on the inter-op thread pool by default, or on the executor chosen with
``set_executor`` (a process pool or a Dask cluster).
"""
from __future__ import annotations

from typing import Generic, TypeVar

from . import _future
from ._executors import (  # noqa: F401
    DaskExecutor, Executor, ProcessExecutor, ThreadExecutor, get_executor, set_executor,
)
from ._threads import get_num_interop_threads, set_num_interop_threads  # noqa: F401

__all__ = ["Future", "collect_all", "wait_all"]

T = TypeVar("T")


class Future(_future.Future, Generic[T]):
    """Wrapper around a ``torch._C.Future`` which encapsulates an asynchronous execution of a
    callable (a ``torch.jit.fork`` task, a remote call).  It also exposes a set of APIs to add
    callback functions and set results.  ``Future[T]`` works in annotations.
    """

    _repr_name = "torch.jit.Future"

    def __init__(self, *, devices=None):
        """Create an empty unset ``Future``.  ``devices`` lists the (indexed) devices its
        value's tensors may live on; kindling has no CUDA, so only indexed CPU-like devices
        are accepted."""
        for d in devices or ():
            _check_device(d)
        super().__init__()


# PyTorch sets Future's module to torch.jit: torch.jit.Future is torch.futures.Future.
Future.__module__ = "kindling.jit"


def _check_device(d):
    from .._device import device
    dev = device(d)
    if dev.type == "cuda":
        raise RuntimeError("PyTorch is not linked with support for cuda devices")
    if dev.index is None:
        raise ValueError(f"Expected devices to have indices, got {dev}")


def collect_all(futures):
    """Collect ``futures`` into one ``Future`` completed when all of them are.

    Its value is a list of futures holding the same values (new objects, as in PyTorch); if
    any failed, waiting on it raises the first error in list order.
    """
    return _future.collect(futures)


def wait_all(futures):
    """Wait for all ``futures`` and return their values; raises if any of them failed."""
    return [fut.wait() for fut in _future.collect(futures).wait()]
