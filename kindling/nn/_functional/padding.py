"""torch.nn.functional: pad."""
from __future__ import annotations

__all__: list[str] = []
