"""torch.nn.functional: interpolate/upsample, pixel_shuffle, unfold/fold, grid_sample, affine_grid, channel_shuffle."""
from __future__ import annotations

__all__: list[str] = []
