"""The C math library at a dtype's precision, for kernels that follow PyTorch's scalar code.

PyTorch's CPU kernels for the Bessel functions, the orthogonal polynomials and the incomplete
gamma function run their C++ code in the tensor's own type: float32 tensors call ``expf``,
``logf``, ``lgammaf``...  glibc's float functions are correctly rounded, so a float32 result
here is the float64 function rounded to float32; float64 uses NumPy's ufuncs (and the C
library's ``lgamma``, as ``_special_math`` does).  Arithmetic stays in the array's dtype
(NumPy float32 operations round as C's float operations do).
"""
from __future__ import annotations

import math

import numpy as np

_F32 = np.dtype(np.float32)
_erfc_scalar = np.frompyfunc(math.erfc, 1, 1)


def _rounded(fn):
    """``fn`` evaluated in float64 and rounded to the argument's dtype (float32 here)."""
    def f(*args):
        dt = np.result_type(*args)
        with np.errstate(all="ignore"):
            r = fn(*(np.asarray(a, np.float64) for a in args))
        return np.asarray(r).astype(dt)
    return f


def _erfc64(x):
    return np.asarray(_erfc_scalar(x), dtype=np.float64) if np.ndim(x) else \
        np.float64(math.erfc(float(x)))


def _lgamma64(x):
    from ._special_math import lgamma
    return lgamma(x)


def _lgamma32():
    """The C library's ``lgammaf`` (not correctly rounded: PyTorch's float values are its),
    else float64 ``lgamma`` rounded."""
    try:
        import ctypes
        fn = ctypes.CDLL(None).lgammaf
        fn.restype, fn.argtypes = ctypes.c_float, (ctypes.c_float,)
        fn(0.5)
    except (OSError, AttributeError, TypeError):
        return _rounded(_lgamma64)
    scalar = np.frompyfunc(fn, 1, 1)
    return lambda x: np.asarray(scalar(x), dtype=np.float32)


class _Lib:
    """``exp``, ``log``, ``log1p``, ``expm1``, ``sqrt``, ``pow``, ``sin``, ``cos``, ``acos``,
    ``erfc`` and ``lgamma`` for one dtype."""

    def __init__(self, single):
        wrap = _rounded if single else (lambda f: f)
        for name in ("exp", "log", "log1p", "expm1", "sin", "cos", "arccos"):
            setattr(self, name, wrap(getattr(np, name)))
        self.pow = wrap(np.power)
        self.sqrt = np.sqrt                    # (correctly rounded in either dtype)
        self.erfc = wrap(_erfc64)
        self.lgamma = _lgamma32() if single else _lgamma64


def fma(a, b, c):
    """a * b + c with one rounding (near enough: Dekker's exact product and Knuth's exact sum),
    for float64 expressions whose compiled PyTorch code is a fused multiply-add (its AVX2
    kernels contract ``a * b + c``) and whose rounding an ``exp`` then amplifies."""
    with np.errstate(all="ignore"):
        p = a * b
        t = a * _SPLIT
        ah = t - (t - a)
        t = b * _SPLIT
        bh = t - (t - b)
        e = ((ah * bh - p) + ah * (b - bh) + (a - ah) * bh) + (a - ah) * (b - bh)
        s = p + c
        bb = s - p
        err = (p - (s - bb)) + (c - bb)
        r = s + (err + e)
        return np.where(np.isfinite(r) & (np.abs(p) < 1e300), r, p + c)


def fma_like(a, b, c):
    """``fma`` for float64 arrays; for float32 the product exactly in double, then the sum
    rounded to float (twice, which differs from one rounding only in rare ties)."""
    if a.dtype == _F32:
        return (a.astype(np.float64) * b + c).astype(_F32)
    return fma(a, b, c)


_SPLIT = 134217729.0  # 2^27 + 1
class _ExactLib:
    """``sin``, ``cos`` and ``arccos`` as the C library computes them, element by element
    (NumPy's float64 versions and glibc's float ones are each within an ulp of the truth but
    not always the same ulp; the Chebyshev polynomials' cos(n acos x) amplifies that)."""

    def __init__(self, single):
        for name, c_name in (("sin", "sin"), ("cos", "cos"), ("arccos", "acos")):
            setattr(self, name, _c_function(c_name, single))


def _c_function(name, single):
    if single:
        try:
            import ctypes
            fn = getattr(ctypes.CDLL(None), name + "f")
            fn.restype, fn.argtypes = ctypes.c_float, (ctypes.c_float,)
            fn(0.5)
        except (OSError, AttributeError, TypeError):
            return _rounded(getattr(np, "arc" + name[1:] if name == "acos" else name))
        dt = np.float32
    else:
        fn, dt = getattr(math, name), np.float64
    scalar = np.frompyfunc(fn, 1, 1)

    def f(x):
        with np.errstate(all="ignore"):
            return np.asarray(scalar(np.asarray(x, dtype=dt)), dtype=dt) if np.size(x) else \
                np.asarray(x, dtype=dt)
    return f


_LIBS = {}


def libm(dtype, exact=False):
    """The math functions for float32 or float64 arrays (``exact``: the C library's own
    ``sin``/``cos``/``acos``, slower)."""
    dtype = np.dtype(dtype)
    lib = _LIBS.get((dtype, exact))
    if lib is None:
        lib = _LIBS[dtype, exact] = (_ExactLib if exact else _Lib)(dtype == _F32)
    return lib
