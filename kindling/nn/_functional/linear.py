"""torch.nn.functional: linear, bilinear."""
from __future__ import annotations

import kindling as _torch
from ..._C._nn import linear

bilinear = _torch.bilinear

__all__: list[str] = ["linear", "bilinear"]
