"""torch.nn.functional: pairwise_distance, cosine_similarity, pdist (the torch functions
themselves, as in PyTorch: ``_aten/loss_margin.py`` and ``_aten/pdist.py``)."""
from __future__ import annotations

import kindling as torch

__all__ = ["pairwise_distance", "cosine_similarity", "pdist"]

pairwise_distance = torch.pairwise_distance
cosine_similarity = torch.cosine_similarity
pdist = torch.pdist
