"""``torch.nn.Module`` (being written: the lead's work in progress)."""
from __future__ import annotations


class Module:
    """Base class for all neural network modules."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("nn.Module is being written")
