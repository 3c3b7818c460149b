"""torch.nn.functional: dropout variants."""
from __future__ import annotations

__all__: list[str] = []
