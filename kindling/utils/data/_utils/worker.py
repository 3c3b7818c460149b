"""The DataLoader worker process: seeding, ``get_worker_info`` and the fetch loop."""

from __future__ import annotations

import os
import queue
import random
from dataclasses import dataclass

import numpy as np

import kindling

from . import ExceptionWrapper

_WORKER_POLL_INTERVAL = 0.25  # seconds between checks of the parent and the done event

_worker_info: WorkerInfo | None = None


class ManagerWatchdog:
    """Tells a worker whether the process that started it is still its parent."""

    def __init__(self) -> None:
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self) -> bool:
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """What a DataLoader worker knows about itself.

    Attributes:
        id: this worker's id, ``0 .. num_workers - 1``.
        num_workers: how many workers the iterator started.
        seed: the seed this worker's RNGs were given (``base_seed + id``).
        dataset: this process's copy of the dataset.
    """

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object | None = None
    worker_method: str | None = "multiprocessing"


def get_worker_info() -> WorkerInfo | None:
    """The :class:`WorkerInfo` of the current DataLoader worker, or ``None`` in the main process."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent by a worker whose copy of an iterable dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of a new epoch."""

    seed: int | None = None


_MASK32 = 0xFFFFFFFF


def _generate_state(base_seed, worker_id):
    """The four 32-bit words seeding NumPy's global RNG in a worker.

    This is NumPy's ``SeedSequence`` mixing applied to the entropy
    ``[worker_id, low 32 bits of base_seed, high bits, 0]``, as PyTorch does, so
    ``np.random`` draws in workers match PyTorch's workers.
    """
    entropy = [worker_id, base_seed & _MASK32, base_seed >> 32, 0]
    multiplier = [0x43B0D7E5]  # the hash multiplier advances on every use

    def hashmix(value):
        value = (value ^ multiplier[0]) & _MASK32
        multiplier[0] = (multiplier[0] * 0x931E8875) & _MASK32
        value = (value * multiplier[0]) & _MASK32
        return (value ^ (value >> 16)) & _MASK32

    def mix(x, y):
        value = ((0xCA01F9DD * x) - (0x4973F715 * y)) & _MASK32
        return (value ^ (value >> 16)) & _MASK32

    pool = [hashmix(word) for word in entropy]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))

    out_multiplier = 0x8B51F9DD
    state = []
    for word in pool:
        word = (word ^ out_multiplier) & _MASK32
        out_multiplier = (out_multiplier * 0x58F38DED) & _MASK32
        word = (word * out_multiplier) & _MASK32
        state.append((word ^ (word >> 16)) & _MASK32)
    return state


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event,
                 auto_collation, collate_fn, drop_last, base_seed, init_fn,
                 worker_id, num_workers, persistent_workers, shared_seed) -> None:
    """Body of a worker process: seed, run ``init_fn``, then answer ``(idx, index)``
    requests from ``index_queue`` with ``(idx, data)`` on ``data_queue`` until told
    to stop (``None``) or the parent dies."""
    from ..dataloader import _DatasetKind

    try:
        seed = base_seed + worker_id
        random.seed(seed)
        kindling.manual_seed(seed)
        np.random.seed(_generate_state(base_seed, worker_id))

        global _worker_info
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)

        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                  collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

        # After an iterable dataset ends, remaining requests are ignored until a resume.
        iteration_end = False
        watchdog = ManagerWatchdog()
        while watchdog.is_alive():
            try:
                request = index_queue.get(timeout=_WORKER_POLL_INTERVAL)
            except queue.Empty:
                # The closing ``None`` can be lost when the iterator dies in a garbage cycle
                # (its queues are finalized first); the done event still says stop.
                if done_event.is_set():
                    break
                continue
            if isinstance(request, _ResumeIteration):
                data_queue.put((request, None))
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                      collate_fn, drop_last)
                continue
            if request is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = request
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(
                            where=f"in DataLoader worker process {worker_id}")
            data_queue.put((idx, data))
            del data, idx, index, request
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
