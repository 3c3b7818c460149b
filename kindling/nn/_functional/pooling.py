"""torch.nn.functional: pooling (avg, max, adaptive, fractional, lp pools, max_unpool)."""
from __future__ import annotations

__all__: list[str] = []
