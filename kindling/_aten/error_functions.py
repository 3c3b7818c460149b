"""``erfc`` and ``erfinv`` (``erf`` is in pointwise), with in-place and ``out=`` forms.

NumPy has neither and the runtime does not depend on SciPy, so: ``erfc`` is the standard
library's ``math.erfc`` elementwise (as ``erf`` uses ``math.erf``), and ``erfinv`` starts from
Winitzki's closed-form approximation (relative error ~2e-3) and refines it with three Halley
steps on ``erf(y) - x`` (cubic convergence: full double precision).  Both compute in double
and round to the result's dtype.
"""
from __future__ import annotations

import math

import numpy as np

from .aliases import _domain_samples
from .pointwise import _COMPLEX, _reject, unary_op

_erfc_scalar = np.frompyfunc(math.erfc, 1, 1)
_erf_scalar = np.frompyfunc(math.erf, 1, 1)
_A = 0.147  # Winitzki's constant
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _erfc(a):
    return np.asarray(_erfc_scalar(a.astype(np.float64)), dtype=np.float64).astype(a.dtype)


def _erfinv(a):
    x = a.astype(np.float64)
    ax = np.abs(x)
    with np.errstate(all="ignore"):
        ln = np.log1p(-ax * ax)   # log(1 - x^2)
        t = 2.0 / (math.pi * _A) + ln / 2.0
        y = np.sqrt(np.sqrt(t * t - ln / _A) - t)
        inside = ax < 1
        tail = ax > 0.5   # (there erf(y) - x is (1 - x) - erfc(y): 1 - x is exact)
        for _ in range(3):
            yi = np.where(inside, y, 0.0)
            xi = np.where(inside, ax, 0.0)
            f = np.where(tail, (1.0 - xi) - np.asarray(_erfc_scalar(yi), dtype=np.float64),
                         np.asarray(_erf_scalar(yi), dtype=np.float64) - xi)
            fp = _TWO_OVER_SQRT_PI * np.exp(-yi * yi)
            y = np.where(inside, yi - f / (fp + yi * f), y)
        y = np.where(ax == 1, np.inf, y)
        y = np.copysign(np.where(ax > 1, np.nan, y), x)
    return y.astype(a.dtype)


erfc = unary_op("erfc", _erfc, int_to_float=True, check=_reject(_COMPLEX, "erfc_vml_cpu"),
                samples=_domain_samples(-3, 3))
erfinv = unary_op("erfinv", _erfinv, int_to_float=True,
                  check=_reject(_COMPLEX, "erfinv_vml_cpu"), samples=_domain_samples(-0.95, 0.95))
erfc.derivative(self="mul_scalar((-self.pow(2)).exp(), -TWO_OVER_SQRT_PI) * grad",
                result="auto_element_wise")
erfinv.derivative(self="mul_scalar((self.erfinv().pow(2)).exp(), HALF_SQRT_PI) * grad",
                  result="auto_element_wise")
