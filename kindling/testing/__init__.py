"""``torch.testing``: ``make_tensor`` (kindling's OpInfo database and test harness live in
the submodules)."""
from ._creation import make_tensor  # noqa: F401
