"""torch.nn.functional: convolutions (conv1d/2d/3d, conv_transpose1d/2d/3d).

As in PyTorch, these are the ``torch.*`` functions themselves (``F.conv2d is torch.conv2d``):
their ops are defined at first use (``kindling/_aten/conv.py``)."""
from __future__ import annotations

from ... import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,  # noqa: F401
                 conv_transpose3d)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]
