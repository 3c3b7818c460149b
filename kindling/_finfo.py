"""``torch.finfo`` and ``torch.iinfo``: the numerical limits of a dtype.

The numbers come from NumPy (``np.finfo``/``np.iinfo``), and from ml_dtypes for the float
types NumPy lacks (bfloat16, the float8 types); the attributes, their Python types, the
``repr`` and the errors are PyTorch's.
"""
from __future__ import annotations

import math

import numpy as np

from . import _dtype


def _short(x):
    """A number as PyTorch's repr prints it: six significant digits (C's ``%g``)."""
    return f"{x:g}"


class finfo:
    """``torch.finfo(dtype=None)``: the limits of a floating point dtype (of a complex dtype's
    parts); the default dtype when none is given."""

    def __init__(self, type=None):
        dt = _dtype.get_default_dtype() if type is None else type
        if not isinstance(dt, _dtype.dtype) or not (dt.is_floating_point or dt.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        if dt.is_complex:
            dt = _dtype.float32 if dt is _dtype.complex64 else _dtype.float64
        if dt._name in ("float16", "float32", "float64"):
            info = np.finfo(dt._np)
        else:  # (bfloat16, float8: ml_dtypes' types, which NumPy's finfo does not know)
            import ml_dtypes
            info = ml_dtypes.finfo(dt._np)
        self.bits = dt.itemsize * 8
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        # (10 to the number of decimal digits the type resolves, as c10 computes it)
        self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))
        self.dtype = dt._name

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    __hash__ = None  # (as PyTorch's: equal by value, not hashable)

    def __repr__(self):
        return (f"finfo(resolution={_short(self.resolution)}, min={_short(self.min)}, "
                f"max={_short(self.max)}, eps={_short(self.eps)}, "
                f"smallest_normal={_short(self.smallest_normal)}, tiny={_short(self.tiny)}, "
                f"dtype={self.dtype})")


class iinfo:
    """``torch.iinfo(dtype)``: the limits of an integer dtype."""

    def __init__(self, type):
        if type is _dtype.bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if not isinstance(type, _dtype.dtype) or type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(type._np)
        self.bits = type.itemsize * 8
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = type._name

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    __hash__ = None

    def __repr__(self):
        return f"iinfo(min={_short(self.min)}, max={_short(self.max)}, dtype={self.dtype})"


finfo.__module__ = iinfo.__module__ = "torch"
