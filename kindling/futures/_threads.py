"""The inter-op thread pool that runs forked tasks, and ``get/set_num_interop_threads``.

The pool starts ``get_num_interop_threads()`` daemon threads on first use.  A pool thread that
blocks in ``Future.wait`` on work it cannot run itself tells the pool (``blocking()``), which
then starts a stand-in thread so queued tasks keep running; surplus threads retire after their
next task.
"""
from __future__ import annotations

import contextlib
import os
import threading

try:                    # the C queue itself: importing ``queue`` costs more than it holds
    from _queue import SimpleQueue
except ImportError:     # pragma: no cover - other Pythons
    from queue import SimpleQueue

_lock = threading.Lock()
_requested = None       # set by set_num_interop_threads
_pool = None            # the default pool, created by the first fork
_local = threading.local()


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def get_num_interop_threads() -> int:
    """get_num_interop_threads() -> int

    Returns the number of threads used for inter-op parallelism on CPU
    (the pool ``torch.jit.fork`` tasks run on).
    """
    return _requested if _requested is not None else _cpu_count()


def set_num_interop_threads(num) -> None:
    """set_num_interop_threads(int)

    Sets the number of threads used for interop parallelism (the pool ``torch.jit.fork``
    tasks run on) on CPU.

    .. warning::
        Can only be called once and before any inter-op parallel work
        is started (e.g. a ``torch.jit.fork``).
    """
    global _requested
    if not isinstance(num, int):
        raise RuntimeError(f"set_num_interop_threads expects an int, but got {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    with _lock:
        if _requested is not None or _pool is not None:
            raise RuntimeError("Error: cannot set number of interop threads after parallel work "
                               "has started or set_num_interop_threads called")
        _requested = num


def default_pool() -> "ThreadPool":
    """The process-wide inter-op pool (started on first use)."""
    global _pool
    pool = _pool
    if pool is None:
        with _lock:
            if _pool is None:
                _pool = ThreadPool(get_num_interop_threads(), name="kindling-interop")
            pool = _pool
    return pool


@contextlib.contextmanager
def blocking():
    """Mark the current thread as blocked (a pool thread's pool may start a stand-in)."""
    pool = getattr(_local, "pool", None)
    if pool is None:
        yield
        return
    pool._enter_blocking()
    try:
        yield
    finally:
        pool._exit_blocking()


class ThreadPool:
    """A fixed number of worker threads draining a queue of zero-argument callables.

    The callables must not raise (fork tasks store their errors in their futures).
    """

    def __init__(self, size: int, name: str = "kindling-pool"):
        self.size = size
        self.name = name
        self._queue = SimpleQueue()
        self._lock = threading.Lock()
        self._live = 0          # worker threads alive
        self._blocked = 0       # of those, blocked in Future.wait
        self._idle = 0          # of those, waiting for work
        self._started = 0
        with self._lock:
            for _ in range(size):
                self._spawn()

    def submit(self, work) -> None:
        self._queue.put(work)

    def shutdown(self) -> None:
        """Let the threads finish the queued work, then exit (they are never joined)."""
        with self._lock:
            n = self._live
        for _ in range(n):
            self._queue.put(None)

    def _spawn(self):  # called with self._lock held
        self._live += 1
        self._started += 1
        t = threading.Thread(target=self._worker, name=f"{self.name}-{self._started}",
                             daemon=True)
        t.start()

    def _worker(self):
        _local.pool = self
        get = self._queue.get
        lock = self._lock
        while True:
            with lock:
                self._idle += 1
            work = get()
            with lock:
                self._idle -= 1
            if work is None:            # shutdown
                with lock:
                    self._live -= 1
                return
            work()
            work = None
            with lock:
                if self._live - self._blocked > self.size:
                    self._live -= 1     # a stand-in whose blocked thread came back
                    return

    def has_idle_thread(self) -> bool:
        """Whether a worker is waiting for work (it will take queued tasks at once)."""
        return self._idle > 0

    def owns_current_thread(self) -> bool:
        return getattr(_local, "pool", None) is self

    def _enter_blocking(self):
        with self._lock:
            self._blocked += 1
            if self._live - self._blocked < self.size:
                self._spawn()

    def _exit_blocking(self):
        with self._lock:
            self._blocked -= 1
