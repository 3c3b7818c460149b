"""``torch.masked``: reductions and normalizations over masked elements (not built yet)."""
from __future__ import annotations
