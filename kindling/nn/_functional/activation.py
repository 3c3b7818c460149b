"""torch.nn.functional: activation functions (relu, gelu, softmax, glu...)."""
from __future__ import annotations

__all__: list[str] = []
