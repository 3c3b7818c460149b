"""A forked call: the function and arguments, the caller's thread-local state, the call site.

``ForkTask.run`` executes it under the caller's state (captured at fork time with
``tls.snapshot()``) and puts the thread's own state back afterwards.  An error keeps its type,
message and traceback and gains a note naming the fork call site, so nested forks show every
level a failure crossed.
"""
from __future__ import annotations

import os
import sys
import threading

from .._dispatcher import tls
from ._future import Future

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INTERNAL = (os.path.join(_PKG_DIR, "futures") + os.sep, os.path.join(_PKG_DIR, "jit") + os.sep)

# Thread-local fields that mean the same in another process (remote executors send these).
PORTABLE_FIELDS = ("included", "excluded", "grad_enabled", "inference_mode", "fw_grad_enabled",
                   "torch_function_disabled", "autocast")
# Process-local objects: a remote task cannot run under them.
LOCAL_ONLY_FIELDS = ("dispatch_modes", "function_modes", "saved_tensors_hooks")


# How long a waiting thread leaves a queued task to its busy pool before running it itself.
_GRACE_S = 0.005


def call_site():
    """(filename, line, function) of the first frame outside kindling.futures / kindling.jit."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_INTERNAL):
        f = f.f_back
    if f is None:
        return ("<unknown>", 0, "<unknown>")
    return (f.f_code.co_filename, f.f_lineno, f.f_code.co_name)


def fork_note(site) -> str:
    file, line, func = site
    return f'The error above was raised in a task forked at "{file}", line {line}, in {func}'


class ForkTask:
    """One forked call and the future it completes.  Runs at most once, on whichever thread
    claims it first: a pool worker, or a thread waiting on its future (``run_if_unclaimed``)."""

    __slots__ = ("fn", "args", "kwargs", "state", "site", "future", "pool", "_claim")

    def __init__(self, fn, args, kwargs, state, site, future=None):
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.state = state          # tls.snapshot() of the forking thread
        self.site = site
        self.future = future if future is not None else Future()
        self.future._task = self
        self.pool = None            # the ThreadPool it was queued on, if any
        self._claim = threading.Lock()

    def run_if_unclaimed(self) -> None:
        """Run the task here unless a thread already has (what a pool worker does)."""
        if self._claim.acquire(blocking=False):
            self.run()

    __call__ = run_if_unclaimed

    def help(self) -> None:
        """Called by a thread about to block on this task's future: run the task here if no
        thread has started it.  A thread outside the task's pool first leaves it to the pool
        (at once when a worker is idle; for a short grace when all are busy, since one is
        usually about to finish), because a waiter computing beside every worker
        oversubscribes the cores.  A worker of the same pool runs it at once (no deadlock)."""
        pool = self.pool
        if pool is not None and not pool.owns_current_thread():
            if pool.has_idle_thread():
                return
            self.future._block(_GRACE_S)
            if self.future.done() or pool.has_idle_thread():
                return
        self.run_if_unclaimed()

    def run(self) -> None:
        """Run the call in this thread under the forking thread's state; complete the future."""
        fn, args, kwargs = self.fn, self.args, self.kwargs
        self.fn = self.args = self.kwargs = None       # do not keep inputs alive
        previous = tls.snapshot()
        tls.restore(self.state)
        try:
            value = fn(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - the waiter re-raises it
            error = e
        else:
            error = None
        finally:
            tls.restore(previous)
            self.state = None
        if error is None:
            self.future._complete_quietly(value=value)
        else:
            self.fail(error)

    def fail(self, error: BaseException, tb=None) -> None:
        """Complete the future with ``error``, noting the fork call site on it."""
        if hasattr(error, "add_note"):
            error.add_note(fork_note(self.site))
        self.future._complete_quietly(error=error, tb=tb)

    # ---- for executors that run the call in another process --------------------------------
    def portable_state(self) -> dict:
        """The parts of the captured thread-local state that can cross a process boundary."""
        for f in LOCAL_ONLY_FIELDS:
            if self.state[f]:
                raise RuntimeError(
                    f"torch.jit.fork: cannot run a task on a remote executor while {f} is not "
                    "empty (modes and hooks are objects of this process); fork it on the "
                    "default thread executor instead")
        return {f: self.state[f] for f in PORTABLE_FIELDS}
