"""torch.nn.functional: pairwise_distance, cosine_similarity, pdist."""
from __future__ import annotations

__all__: list[str] = []
