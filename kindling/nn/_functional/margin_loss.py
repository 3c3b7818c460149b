"""torch.nn.functional: margin, ranking, embedding and CTC losses."""
from __future__ import annotations

__all__: list[str] = []
