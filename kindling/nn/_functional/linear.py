"""torch.nn.functional: linear (``bilinear`` is not built yet)."""
from __future__ import annotations

from ..._C._nn import linear

__all__: list[str] = ["linear"]
