"""``torch.cuda.streams``: the same functions as ``torch.cuda`` (PyTorch's module path)."""
from . import (  # noqa: F401
    Stream, ExternalStream, Event,
)

__all__ = [
    "Stream", "ExternalStream", "Event",
]
