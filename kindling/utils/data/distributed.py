"""DistributedSampler: each of ``num_replicas`` processes reads its own share of a dataset."""

import math
from collections.abc import Iterator
from typing import TypeVar

import kindling

from .dataset import Dataset
from .sampler import Sampler

__all__ = ["DistributedSampler"]

_T_co = TypeVar("_T_co", covariant=True)


class DistributedSampler(Sampler[_T_co]):
    """Yields the indices of replica ``rank``: every ``num_replicas``-th index of a
    (seeded, epoch-dependent) permutation, padded or cut to divide evenly.

    kindling has no ``torch.distributed``, so ``num_replicas`` and ``rank`` must be given.

    Args:
        dataset: the dataset to sample from.
        num_replicas (int): number of participating processes.
        rank (int): this process's rank in ``[0, num_replicas - 1]``.
        shuffle (bool): shuffle with ``seed + epoch`` (default ``True``).
        seed (int): shuffling seed, the same on all replicas (default ``0``).
        drop_last (bool): cut the tail instead of padding by repetition.
    """

    def __init__(self, dataset: Dataset, num_replicas: int | None = None,
                 rank: int | None = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            raise RuntimeError("Requires distributed package to be available")
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(self.dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[_T_co]:
        n = len(self.dataset)
        if self.shuffle:
            g = kindling.Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = kindling.randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            padding_size = self.total_size - len(indices)
            repeats = math.ceil(padding_size / len(indices)) if padding_size > len(indices) else 1
            indices += (indices * repeats)[:padding_size]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match "
                                 f"total_size ({self.total_size})")
        indices = indices[self.rank:self.total_size:self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(f"Number of subsampled indices ({len(indices)}) does not "
                                 f"match num_samples ({self.num_samples})")
        return iter(indices)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which changes the shuffle of the next pass."""
        self.epoch = epoch
