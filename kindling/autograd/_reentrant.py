"""Deep reentrant backward: a nested graph task run on a fresh thread.

A backward called from inside a backward (a custom Function's ``backward`` that calls
``.backward()``, reentrant checkpointing) nests the engine on the same stack.  PyTorch's
engine, past a maximum reentrant depth, hands the nested graph task to a pool thread and waits
for it, so arbitrarily deep nesting does not overflow the stack; this does the same.  Here the
limit that matters is Python's recursion limit, so the test is how deep this thread's Python
stack already is.  The worker runs with the caller's thread-local state (grad mode, key sets,
modes, saved-tensor hooks...) and context variables, as PyTorch's worker runs the graph task
with the ThreadLocalState captured for it; its result or error is handed back to the caller.
"""
from __future__ import annotations

import contextvars
import sys
import threading

from .._dispatcher import tls as _tls_mod

# escape once this thread's Python stack is deeper than this many frames (a fraction of the
# recursion limit, capped: a very high limit would let the C stack overflow first)
_MAX_FRAMES = 400


def stack_is_deep():
    """Whether this thread's Python stack is past the depth at which a nested backward moves
    to another thread (``sys._getframe(n)`` fails when there are fewer than ``n`` frames)."""
    limit = min(_MAX_FRAMES, sys.getrecursionlimit() // 2)
    try:
        sys._getframe(limit)
    except ValueError:
        return False
    return True


def run_on_worker(fn, *args):
    """``fn(*args)`` on a new thread that starts with this thread's state; blocks until done
    and returns its result or raises its error."""
    snap = _tls_mod.snapshot()
    ctx = contextvars.copy_context()
    out = [None, None]

    def work():
        _tls_mod.restore(snap)
        try:
            out[0] = ctx.run(fn, *args)
        except BaseException as e:  # (handed to the waiting caller)
            out[1] = e
        finally:
            _tls_mod.state.inference_mode = False  # (keeps the inference-thread count exact)

    t = threading.Thread(target=work, name="kindling-reentrant-backward", daemon=True)
    t.start()
    t.join()
    if out[1] is not None:
        err, out[1] = out[1], None
        raise err
    return out[0]
