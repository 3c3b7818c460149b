"""torch.nn.functional: attention (scaled_dot_product_attention, multi_head_attention_forward)."""
from __future__ import annotations

from ... import _C

__all__: list[str] = ["scaled_dot_product_attention"]

# (PyTorch binds the C++ function itself: ``torch._C._nn.scaled_dot_product_attention``)
scaled_dot_product_attention = _C._nn.scaled_dot_product_attention
