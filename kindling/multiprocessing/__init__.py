"""``torch.multiprocessing``: the standard library's ``multiprocessing``, re-exported, with
PyTorch's sharing-strategy switches and ``spawn``/``start_processes``.

kindling tensors hold NumPy arrays and pickle like any Python object: sending one through a
``Queue`` or to a spawned process copies it (PyTorch moves it to shared memory instead, so
writes in one process are seen in the other; here they are not).  The sharing strategy is
stored and validated but changes nothing.
"""
from __future__ import annotations

import multiprocessing
import sys
from multiprocessing import *  # noqa: F401,F403

from .spawn import (  # noqa: F401
    ENV_VAR_PARALLEL_START, ProcessContext, ProcessException, ProcessExitedException,
    ProcessRaisedException, SpawnContext, spawn, start_processes,
)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies"]
__all__ += multiprocessing.__all__

if sys.platform in ("darwin", "win32"):
    _sharing_strategy = "file_system"
    _all_sharing_strategies = {"file_system"}
else:
    _sharing_strategy = "file_descriptor"
    _all_sharing_strategies = {"file_descriptor", "file_system"}


def set_sharing_strategy(new_strategy):
    """Choose how tensors would be shared between processes (one of
    ``get_all_sharing_strategies()``); kindling copies them either way."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, "
                             f"expected one of {_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    """The current sharing strategy's name."""
    return _sharing_strategy


def get_all_sharing_strategies():
    """The sharing strategies this platform has."""
    return _all_sharing_strategies


def init_reductions():
    """Register the pickling reductions that move tensors to shared memory in PyTorch; kindling
    tensors pickle by value, so there are none to register."""
