"""``torch.nn.parallel``: ``DataParallel`` and ``data_parallel``. kindling has no CUDA
devices, so, as PyTorch's CPU build, ``DataParallel`` runs the wrapped module as it is."""
from .data_parallel import DataParallel, data_parallel  # noqa: F401

__all__ = ["data_parallel", "DataParallel"]
