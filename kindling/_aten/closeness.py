"""``isclose``, a decomposition into comparison ops, and ``allclose`` (a CompositeExplicitAutograd
kernel over it: a dispatch mode sees ``allclose`` alone), as PyTorch's.

``a`` is close to ``b`` when they are equal (NaNs too with ``equal_nan``), or when
``|a - b|`` is finite and at most ``atol + |rtol * b|`` (NumPy's rule, not Python's
``math.isclose``).  Integer and bool operands are compared in the default float dtype.
"""
from __future__ import annotations

from .. import _dtype
from ..testing import samples as S
from ._api import public
from ._defop import defop
from ._ops_registry import aten

OPS = {}

isclose = defop("isclose(Tensor self, Tensor other, float rtol=1e-05, float atol=1e-08, "
                "bool equal_nan=False) -> Tensor")
allclose = defop("allclose(Tensor self, Tensor other, float rtol=1e-05, float atol=1e-08, "
                 "bool equal_nan=False) -> bool", tags=("data_dependent_output",))
OPS["isclose"], OPS["allclose"] = isclose, allclose


def _float_like(t):
    """``t`` in the default float dtype (what the error terms of integer operands use)."""
    return aten._to_copy.default(t, dtype=_dtype.get_default_dtype())


@isclose.composite
def _(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    if self.dtype is not other.dtype:
        raise RuntimeError(f"{self.dtype._scalar_name} did not match {other.dtype._scalar_name}")
    # (``not rtol >= 0`` refuses NaN too, as the C++ check does)
    if not rtol >= 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol:g}")
    if not atol >= 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol:g}")
    close = aten.eq.Tensor(self, other)
    floating = self.dtype.is_floating_point or self.dtype.is_complex
    if equal_nan and floating:
        aten.bitwise_or_.Tensor(close, aten.bitwise_and_.Tensor(aten.isnan.default(self),
                                                                aten.isnan.default(other)))
    if rtol == 0 and atol == 0:
        return close
    cast_self = _float_like(self) if self.dtype is _dtype.bool else self
    cast_other = other if floating else _float_like(other)
    allowed = aten.add.Scalar(aten.abs.default(aten.mul.Scalar(cast_other, rtol)), atol)
    actual = aten.abs.default(aten.sub.Tensor(cast_self, cast_other))
    aten.bitwise_or_.Tensor(close, aten.bitwise_and_.Tensor(aten.isfinite.default(actual),
                                                            aten.le.Tensor(actual, allowed)))
    return close


@allclose.explicit
def _(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(aten.all.default(aten.isclose.default(self, other, rtol, atol, equal_nan)).item())


def _samples(dtype):
    yield S.SampleInput(S.make_arr((3, 4), dtype), S.make_arr((3, 4), dtype))  # (equal)
    yield S.SampleInput(S.make_arr((3, 4), dtype), S.make_arr((3, 4), dtype, seed=1))
    yield S.SampleInput(S.make_arr((3, 4), dtype), S.make_arr((4,), dtype, seed=2), 0.5, 0.1)
    yield S.SampleInput(S.make_arr((2,), dtype), S.make_arr((2,), dtype, seed=3), 0.0, 0.0)


isclose.samples(_samples)
public("isclose", isclose)
public("allclose", allclose)
