"""``torch.nn``: for now its functional half, ``torch.nn.functional`` (imported at first use of
``kindling.nn``; PyTorch imports it with ``torch``). Modules (``nn.Module``, ``nn.Linear``...)
are not built yet."""
from __future__ import annotations

from . import _reduction, functional  # noqa: F401
