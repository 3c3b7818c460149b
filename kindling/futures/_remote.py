"""What runs on the other side of a process executor or a Dask worker.

``run`` installs the portable thread-local state the task was forked under, calls the function
and answers ``("ok", value)`` or ``("err", exception, traceback_text)``; the caller's side turns
the latter back into the original exception, its remote traceback chained as ``__cause__``.
"""
from __future__ import annotations

import pickle
import traceback


def run(fn, args, kwargs, state):
    """Call ``fn(*args, **kwargs)`` under the thread-local ``state``; never raises."""
    from .._dispatcher import tls
    previous = tls.snapshot()
    try:
        for name, value in state.items():
            setattr(tls.state, name, dict(value) if isinstance(value, dict) else value)
        try:
            return ("ok", fn(*args, **kwargs))
        except Exception as e:  # noqa: BLE001 - shipped back to the forking process
            text = traceback.format_exc()
            try:
                pickle.dumps(e)
            except Exception:  # noqa: BLE001 - an exception that cannot travel
                e = RuntimeError(f"{type(e).__name__}: {e}")
            return ("err", e, text)
    finally:
        tls.restore(previous)


def run_pickled(payload: bytes):
    """``run`` for a payload serialised by cloudpickle (lambdas and local functions travel)."""
    import cloudpickle
    return run(*cloudpickle.loads(payload))


class RemoteTraceback(Exception):
    """The traceback of an error raised in another process (chained as ``__cause__``)."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text

    def __str__(self):
        return f'\n"""\n{self.text}"""'
