"""``torch.fft``: discrete Fourier transforms (not built yet)."""
from __future__ import annotations
