"""``torch.nn.modules.channelshuffle``: ``ChannelShuffle``."""
from __future__ import annotations

from .. import functional as F
from .module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Splits the channels (dim 1) into ``groups`` groups and interleaves them:
    ``(N, g*c, ...)`` viewed as ``(N, g, c, ...)``, transposed to ``(N, c, g, ...)``."""

    __constants__ = ["groups"]

    def __init__(self, groups) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
