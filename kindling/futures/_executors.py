"""Where forked tasks run: threads of this process, a process pool, or a Dask cluster.

An executor's ``submit(task)`` starts a ``ForkTask`` and returns its ``Future``.  ``fork``
uses ``get_executor()``; ``set_executor(...)`` changes it for the whole process, and works as a
context manager that puts the previous one back::

    with kindling.futures.set_executor(dask_client):
        futs = [torch.jit.fork(step, x) for x in batches]     # run on the cluster
    outs = torch.futures.wait_all(futs)

Remote executors send the function, its arguments and the portable part of the caller's
thread-local state (grad mode, inference mode, dispatch-key sets, autocast); tensors travel as
NumPy buffers.  Results come back into ordinary futures; an error comes back as the original
exception with the remote traceback as its ``__cause__``.
"""
from __future__ import annotations

import threading

from . import _remote, _threads
from ._future import Future
from ._task import ForkTask


class Executor:
    """Base class of the places forked tasks can run."""

    def submit(self, task: ForkTask) -> Future:
        """Start ``task`` and return its future (``task.future``)."""
        raise NotImplementedError

    def shutdown(self) -> None:
        """Release the executor's resources (the default thread pool has none to release)."""


class ThreadExecutor(Executor):
    """Threads of this process.  By default the inter-op pool
    (``torch.get_num_interop_threads()`` threads); ``num_threads`` gives a private pool.

    Tasks run under the forking thread's complete thread-local state, share memory with the
    caller (no copies), and stay on the autograd graph.
    """

    def __init__(self, num_threads: int | None = None, *, pool=None):
        self._owned = pool is None and num_threads is not None
        if self._owned:
            pool = _threads.ThreadPool(num_threads, name="kindling-fork")
        self._pool = pool

    @property
    def pool(self):
        return self._pool if self._pool is not None else _threads.default_pool()

    def submit(self, task):
        pool = self.pool
        if isinstance(pool, _threads.ThreadPool):
            task.pool = pool
        pool.submit(task)
        return task.future

    def shutdown(self):
        """Stop a private pool's threads once its queued tasks are done."""
        if self._owned:
            self._pool.shutdown()

    def __repr__(self):
        return f"ThreadExecutor(num_threads={getattr(self.pool, 'size', None)})"


class _RemoteExecutor(Executor):
    """Shared by executors whose tasks run in other processes."""

    def __init__(self):
        self._pending = set()       # remote handles kept alive until they report
        self._lock = threading.Lock()

    def _start(self, task):
        task._claim.acquire()       # never run inline by a waiting thread
        task.future._task = None
        state = task.portable_state()
        call = (task.fn, task.args, task.kwargs, state)
        task.fn = task.args = task.kwargs = None
        return call

    def _track(self, task, handle, get_outcome):
        with self._lock:
            self._pending.add(handle)

        def done(_):
            with self._lock:
                self._pending.discard(handle)
            deliver(task, get_outcome)
        handle.add_done_callback(done)
        return task.future


def deliver(task, get_outcome):
    """Complete ``task.future`` from a remote ``_remote.run`` answer (or a transport error)."""
    try:
        outcome = get_outcome()
    except BaseException as e:  # noqa: BLE001 - the worker died, or a payload did not travel
        task.fail(e)
        return
    if outcome[0] == "ok":
        task.future._complete_quietly(value=outcome[1])
    else:
        _, error, text = outcome
        error.__cause__ = _remote.RemoteTraceback(text)
        task.fail(error)


class ProcessExecutor(_RemoteExecutor):
    """A pool of worker processes (``concurrent.futures.ProcessPoolExecutor``).

    Functions and arguments are pickled (with cloudpickle when it is installed, so lambdas
    travel too); ``pool`` wraps an existing ``ProcessPoolExecutor``.
    """

    def __init__(self, max_workers: int | None = None, *, mp_context: str = "spawn", pool=None):
        super().__init__()
        if pool is None:
            import concurrent.futures
            import multiprocessing
            pool = concurrent.futures.ProcessPoolExecutor(
                max_workers, mp_context=multiprocessing.get_context(mp_context))
            self._owned = True
        else:
            self._owned = False
        self.pool = pool

    def submit(self, task):
        call = self._start(task)
        try:
            import cloudpickle
        except ImportError:
            handle = self.pool.submit(_remote.run, *call)
        else:
            handle = self.pool.submit(_remote.run_pickled, cloudpickle.dumps(call))
        return self._track(task, handle, handle.result)

    def shutdown(self):
        if self._owned:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def __repr__(self):
        return f"ProcessExecutor({self.pool!r})"


class DaskExecutor(_RemoteExecutor):
    """Tasks on a ``dask.distributed`` cluster, through ``client`` (a ``distributed.Client``).

    Needs the ``dask`` extra (``pip install kindling[dask]``).  Workers must be able to import
    kindling; tensors are serialised as NumPy buffers (out of band, without copies).
    """

    def __init__(self, client):
        super().__init__()
        self.client = client

    def submit(self, task):
        fn, args, kwargs, state = self._start(task)
        handle = self.client.submit(_remote.run, fn, args, kwargs, state, pure=False)
        return self._track(task, handle, handle.result)

    def __repr__(self):
        return f"DaskExecutor({self.client!r})"


# ---- the current executor --------------------------------------------------------------------
_default = ThreadExecutor()
_current = _default


def get_executor() -> Executor:
    """The executor ``torch.jit.fork`` submits to."""
    return _current


def as_executor(where) -> Executor:
    """An ``Executor`` for ``where``: None or ``"threads"`` (the default inter-op pool),
    ``"processes"``, an ``Executor``, a ``concurrent.futures`` executor, or a
    ``dask.distributed.Client``."""
    if where is None or where == "threads":
        return _default
    if isinstance(where, Executor):
        return where
    if where == "processes":
        return ProcessExecutor()
    import concurrent.futures as cf
    if isinstance(where, cf.ProcessPoolExecutor):
        return ProcessExecutor(pool=where)
    if isinstance(where, cf.ThreadPoolExecutor):
        return ThreadExecutor(pool=where)
    cls = type(where)
    if cls.__module__.split(".")[0] == "distributed" and cls.__name__ == "Client":
        return DaskExecutor(where)
    raise TypeError(f"set_executor(): expected None, 'threads', 'processes', an Executor, a "
                    f"concurrent.futures executor or a dask.distributed.Client, got {cls.__name__}")


class set_executor:
    """Make ``where`` (see ``as_executor``) the place forked tasks run, for the whole process.

    Used as a function it returns a handle whose ``previous`` is the executor it replaced;
    used as a context manager it puts that one back on exit and yields the new executor.
    """

    def __init__(self, where):
        global _current
        self.executor = as_executor(where)
        self.previous = _current
        _current = self.executor

    def __enter__(self):
        return self.executor

    def __exit__(self, *exc):
        global _current
        _current = self.previous
        return False
