"""``torch.amp``: automatic mixed precision (``autocast``)."""
from .autocast_mode import autocast, is_autocast_available  # noqa: F401

__all__ = ["autocast", "is_autocast_available"]
