"""torch.nn.functional: embedding, embedding_bag, one_hot."""
from __future__ import annotations

__all__: list[str] = []
from .embedding_bag import embedding_bag  # noqa: E402,F401  (kept at the end: merges)
__all__ += ["embedding_bag"]
