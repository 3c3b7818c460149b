"""``torch.jit.fork`` and ``torch.jit.wait``: asynchronous tasks on an inter-op pool.

PyTorch runs an eager ``fork`` inline; kindling's is asynchronous everywhere: the call is
scheduled on the current executor (the inter-op thread pool unless
``kindling.futures.set_executor`` chose another) and ``fork`` returns at once.  The task runs
under a snapshot of the forking thread's thread-local state (grad and inference mode,
dispatch-key sets, mode stacks, autocast, saved-tensor hooks).  ``wait`` re-raises a task's
error with its original type, message and traceback, plus a note naming the fork call site.
"""
from __future__ import annotations

import warnings

from .._dispatcher import tls
from ..futures import _executors, _future
from ..futures._task import ForkTask, call_site


def fork(func, *args, **kwargs):
    """Create an asynchronous task executing ``func(*args, **kwargs)`` and return a
    ``torch.jit.Future`` for its result.

    .. deprecated:: 2.5 (as in PyTorch)
        TorchScript is deprecated, please use ``torch.compile`` instead.

    ``fork`` returns immediately; ``torch.jit.wait(fut)`` blocks until the value is ready and
    returns it (or raises the task's error).  Forks may be nested, ``func`` may be any callable
    (a function, a module, a bound method), and arguments may be any mix of positional and
    keyword.  The task inherits the caller's thread-local state as it was at the fork.

    .. warning::
        ``fork`` tasks run concurrently and finish in no particular order.  Fork pure
        functions that do not modify their inputs, module attributes or global state.
    """
    warnings.warn("`torch.jit.fork` is deprecated. Please use `torch.compile` instead.",
                  DeprecationWarning)
    if not callable(func):
        raise TypeError(f"Object of type '{type(func).__name__}' is not an instance of 'function'")
    task = ForkTask(func, args, kwargs, tls.snapshot(), call_site())
    return _executors.get_executor().submit(task)


def wait(future):
    """Force completion of a ``torch.jit.Future[T]`` task and return its result ``T``.

    .. deprecated:: 2.5 (as in PyTorch)
        TorchScript is deprecated, please use ``torch.compile`` instead.

    Waiting again returns the same value.  If the task raised, so does ``wait``: the original
    exception, with the task's traceback and a note naming where the task was forked.
    """
    warnings.warn("`torch.jit.wait` is deprecated. Please use `torch.compile` instead.",
                  DeprecationWarning)
    if not isinstance(future, _future.Future):
        raise TypeError(
            "wait(): incompatible function arguments. The following argument types are "
            "supported:\n    1. (arg0: torch._C.Future) -> object\n\n"
            f"Invoked with: {future!r}")
    return future.wait()
