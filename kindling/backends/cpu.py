"""``torch.backends.cpu``: the CPU's vector capability."""
from __future__ import annotations

import os

__all__ = ["get_cpu_capability"]


def get_cpu_capability() -> str:
    """The widest SIMD level PyTorch's kernels would use on this CPU ("AVX512", "AVX2",
    "DEFAULT"...), read from NumPy's CPU feature detection; ``ATEN_CPU_CAPABILITY`` caps it as
    in PyTorch."""
    import numpy as np
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:  # (NumPy 1.x)
        from numpy.core._multiarray_umath import __cpu_features__ as feats
    del np
    if all(feats.get(f) for f in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ")):
        best = "AVX512"
    elif feats.get("AVX2") and feats.get("FMA3"):
        best = "AVX2"
    elif feats.get("SVE"):
        best = "SVE256"
    else:
        best = "DEFAULT"
    order = ["DEFAULT", "AVX2", "AVX512"]
    cap = os.environ.get("ATEN_CPU_CAPABILITY", "").upper()
    if best in order and cap in order and order.index(cap) < order.index(best):
        best = cap
    return best
