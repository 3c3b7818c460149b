"""Helpers of the DataLoader: collation, fetching, worker processes."""

import atexit
import sys
import traceback

IS_WINDOWS = sys.platform == "win32"

# Seconds between checks that the other side of a worker queue is still alive.
MP_STATUS_CHECK_INTERVAL = 5.0

# Set once the interpreter starts shutting down; iterators then skip worker cleanup.
python_exit_status = False

HAS_NUMPY = True


def _set_python_exit_flag() -> None:
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)


class KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError prints its traceback readably."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, picklable across processes."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the wrapped exception type here, its message carrying the original traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:
            # No exception <-> frame cycle: the iterator whose frames the traceback holds
            # is then freed by reference counting, before its worker queues are finalized.
            del exception


from . import collate, fetch, worker  # noqa: E402
