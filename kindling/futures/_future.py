"""The completion object behind ``fork``, ``then`` and ``collect_all`` (``torch._C.Future``).

A ``Future`` is completed once, with a value or an error.  ``wait()`` blocks until then;
before blocking it *helps*: if the future belongs to a forked task that no thread has started
yet, the waiting thread runs that task itself (and, for ``then``/``collect_all`` futures, the
tasks of the futures they depend on).  A task that waits on a sibling in its own pool therefore
never deadlocks, and a pool thread that must block anyway lets its pool start a stand-in thread.
"""
from __future__ import annotations

import threading

from . import _threads

COMPLETED_TWICE = ("Attempting to mark a completed Future as complete again. Note that a Future "
                   "can only be marked completed once.")
NOT_COMPLETED = ("completed() INTERNAL ASSERT FAILED: value() was called on a Future that has "
                 "not completed yet; call wait() first")


class Future:
    """``torch._C.Future``: a value, or an error, that becomes available later.

    ``fork``, ``then`` and ``collect_all`` return instances of this class;
    ``torch.futures.Future`` (also ``torch.jit.Future``) is its public, subscriptable subclass.
    Safe to use from any number of threads.
    """

    _repr_name = "torch.Future"

    def __init__(self, devices=None):
        self._lock = threading.Lock()
        self._done = False
        self._value = None
        self._error = None          # the exception wait()/value() raise
        self._error_tb = None       # its traceback when it was stored
        self._callbacks = []        # run once, by the thread that completes the future
        self._event = None          # created by the first thread that has to block
        self._task = None           # a forked task whose future this is (run it to help)
        self._sources = ()          # futures this one is computed from (then, collect_all)

    # ---- reading ------------------------------------------------------------------------------
    def done(self) -> bool:
        """Whether the future holds a value or an error."""
        return self._done

    def wait(self):
        """Block until the future completes; return its value or raise its error."""
        if not self._done:
            self._help()
            if not self._done:
                self._block()
        return self.value()

    def value(self):
        """The value of a completed future (raise its error if it failed); does not block."""
        if not self._done:
            raise RuntimeError(NOT_COMPLETED)
        if self._error is not None:
            raise self._error.with_traceback(self._error_tb)
        return self._value

    # ---- callbacks ----------------------------------------------------------------------------
    def then(self, callback):
        """A new future completed with ``callback(self)`` once this one completes.

        If the callback raises, the new future fails with ``RuntimeError("Got the following
        error when running the callback: ...")``.  A completed future runs it inline, at once.
        """
        child = Future()
        child._sources = (self,)

        def run(parent):
            try:
                result = callback(parent)
            except Exception as e:  # noqa: BLE001 - stored in the child, as PyTorch does
                child._complete_quietly(error=callback_error(e))
            else:
                child._complete_quietly(value=result)
        self._add_callback(run)
        return child

    def add_done_callback(self, callback):
        """Run ``callback(self)`` when the future completes (inline if it already has).

        An error in the callback is logged, not raised.
        """
        def run(fut):
            try:
                callback(fut)
            except Exception as e:  # noqa: BLE001 - PyTorch logs it and carries on
                _logger().error("%s", callback_error(e))
        self._add_callback(run)

    def _add_callback(self, fn):
        with self._lock:
            if not self._done:
                self._callbacks.append(fn)
                return
        fn(self)

    # ---- completing ---------------------------------------------------------------------------
    def set_result(self, result):
        """Complete the future with ``result`` and run its callbacks (only once)."""
        self._complete(value=result)

    def set_exception(self, result):
        """Complete the future with an error: ``wait()``/``value()`` then raise ``result``."""
        if not isinstance(result, Exception):
            raise AssertionError(f"{result} is of type {type(result)}, not an Exception.")
        self._complete(error=result)

    def _complete(self, value=None, error=None, tb=None):
        with self._lock:
            if self._done:
                raise RuntimeError(COMPLETED_TWICE)
            self._value, self._error = value, error
            if error is not None:
                self._error_tb = tb if tb is not None else error.__traceback__
            self._done = True
            callbacks, self._callbacks = self._callbacks, None
            event = self._event
            self._task = None
            self._sources = ()
        if event is not None:
            event.set()
        for cb in callbacks:
            cb(self)

    def _complete_quietly(self, value=None, error=None, tb=None):
        """Complete unless someone already did (a task whose future the user completed)."""
        try:
            self._complete(value, error, tb)
        except RuntimeError as e:
            if str(e) != COMPLETED_TWICE:
                raise
            _logger().warning("result of a task dropped: its Future was already completed")

    # ---- waiting ------------------------------------------------------------------------------
    def _help(self):
        """Run, in this thread, work this future depends on that no thread has started."""
        task = self._task
        if task is not None:
            task.help()
        for src in self._sources:
            if not src._done:
                src._help()

    def _block(self, timeout=None):
        with self._lock:
            if self._done:
                return
            if self._event is None:
                self._event = threading.Event()
            event = self._event
        with _threads.blocking():
            event.wait(timeout)

    # ---- misc ---------------------------------------------------------------------------------
    def __reduce_ex__(self, protocol):
        raise RuntimeError("Can not pickle torch.futures.Future")

    def __repr__(self):
        return f"<{self._repr_name} object at {id(self):#x}>"


def _logger():
    import logging      # only when there is something to log (keeps ``import kindling`` lean)
    return logging.getLogger("kindling.futures")


def callback_error(e: BaseException) -> RuntimeError:
    """PyTorch's wrapping of an error raised by a Future callback (with its "At:" stack)."""
    frames = []
    tb = e.__traceback__
    if tb is not None:
        while tb.tb_next is not None:
            tb = tb.tb_next
        frames.append(f"  {tb.tb_frame.f_code.co_filename}({tb.tb_lineno}): "
                      f"{tb.tb_frame.f_code.co_name}")
        f = tb.tb_frame.f_back
        while f is not None:
            frames.append(f"  {f.f_code.co_filename}({f.f_lineno}): {f.f_code.co_name}")
            f = f.f_back
    text = f"Got the following error when running the callback: {type(e).__name__}: {e}"
    if frames:
        text += "\n\nAt:\n" + "\n".join(frames) + "\n"
    err = RuntimeError(text)
    err.__cause__ = e
    return err


def collect(futures) -> Future:
    """``torch._C._collect_all``: a future of new futures mirroring ``futures``, completed
    once every one of them is; it fails with the first error, in list order."""
    futures = list(futures) if isinstance(futures, (list, tuple)) else futures
    if not isinstance(futures, list) or not all(isinstance(f, Future) for f in futures):
        raise TypeError(
            "_collect_all(): incompatible function arguments. The following argument types are "
            "supported:\n    1. (arg0: collections.abc.Sequence[torch._C.Future]) -> "
            f"torch._C.Future\n\nInvoked with: {futures!r}")
    out = Future()
    out._sources = tuple(futures)
    remaining = [len(futures)]
    lock = threading.Lock()

    def finish():
        copies = []
        for f in futures:
            c = Future()
            c._done, c._value, c._error, c._error_tb = True, f._value, f._error, f._error_tb
            c._callbacks = None
            copies.append(c)
        first_error = next((f for f in futures if f._error is not None), None)
        if first_error is not None:
            out._complete_quietly(error=first_error._error, tb=first_error._error_tb)
        else:
            out._complete_quietly(value=copies)

    def one_done(_):
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            finish()
    if not futures:
        out._complete(value=[])
    for f in futures:
        f._add_callback(one_done)
    return out
