"""torch.nn.functional: convolutions (conv1d/2d/3d, conv_transpose1d/2d/3d)."""
from __future__ import annotations

__all__: list[str] = []
