"""Python operators on Tensor (``a + b``, ``-a``, ``a == b``...), each one op call.

The dunders call the OpOverload directly (no overload resolution): this is the hottest path
users have, and it matches the overload PyTorch's Python bindings select (``x * 2`` is
``aten.mul.Tensor(x, 2)``, ``x ** 2`` is ``aten.pow.Tensor_Scalar``, ``x == 2`` is
``aten.eq.Scalar``).
"""
from __future__ import annotations

import numbers

from .._tensor import Tensor
from ._ops_registry import aten

_Number = numbers.Number


def _binary(op):
    """``self op other`` with one overload for tensors and numbers alike."""
    def dunder(self, other):
        if isinstance(other, (Tensor, _Number)):
            return op(self, other)
        return NotImplemented
    return dunder


def _split(tensor_op, scalar_op):
    """``self op other``: ``tensor_op`` for a Tensor, ``scalar_op`` for a number."""
    def dunder(self, other):
        if isinstance(other, Tensor):
            return tensor_op(self, other)
        if isinstance(other, _Number):
            return scalar_op(self, other)
        return NotImplemented
    return dunder


def _reflected(op):
    """``other op self`` for a number ``other``: ``op(other, self)`` (a Scalar-first overload)."""
    def dunder(self, other):
        if isinstance(other, (Tensor, _Number)):
            return op(other, self)
        return NotImplemented
    return dunder


def _swapped(op):
    """``other op self`` computed as ``op(self, other)`` (rsub.Scalar, commutative ops)."""
    def dunder(self, other):
        if isinstance(other, (Tensor, _Number)):
            return op(self, other)
        return NotImplemented
    return dunder


def _rtruediv(self, other):
    """``number / tensor``: PyTorch computes ``reciprocal(self) * other``."""
    if isinstance(other, (Tensor, _Number)):
        return aten.mul.Tensor(aten.reciprocal.default(self), other)
    return NotImplemented


def _invert(self):
    if self.dtype.is_floating_point or self.dtype.is_complex:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return aten.bitwise_not.default(self)


def _pos(self):
    if self.dtype._name == "bool":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


def _cmp(tensor_op, scalar_op):
    return _split(tensor_op, scalar_op)


_TABLE = {
    "__add__": _binary(aten.add.Tensor),
    "__radd__": _binary(aten.add.Tensor),
    "__iadd__": _binary(aten.add_.Tensor),
    "__sub__": _binary(aten.sub.Tensor),
    "__rsub__": _swapped(aten.rsub.Scalar),
    "__isub__": _binary(aten.sub_.Tensor),
    "__mul__": _binary(aten.mul.Tensor),
    "__rmul__": _binary(aten.mul.Tensor),
    "__imul__": _binary(aten.mul_.Tensor),
    "__truediv__": _binary(aten.div.Tensor),
    "__rtruediv__": _rtruediv,
    "__itruediv__": _binary(aten.div_.Tensor),
    "__floordiv__": _binary(aten.floor_divide.default),
    "__rfloordiv__": _reflected(aten.floor_divide.default),
    "__ifloordiv__": _binary(aten.floor_divide_.Tensor),
    "__mod__": _split(aten.remainder.Tensor, aten.remainder.Scalar),
    "__rmod__": _reflected(aten.remainder.Scalar_Tensor),
    "__imod__": _split(aten.remainder_.Tensor, aten.remainder_.Scalar),
    "__pow__": _split(aten.pow.Tensor_Tensor, aten.pow.Tensor_Scalar),
    "__rpow__": _reflected(aten.pow.Scalar),
    "__ipow__": _split(aten.pow_.Tensor, aten.pow_.Scalar),
    "__neg__": lambda self: aten.neg.default(self),
    "__pos__": _pos,
    "__abs__": lambda self: aten.abs.default(self),
    "__invert__": _invert,
    "__eq__": _cmp(aten.eq.Tensor, aten.eq.Scalar),
    "__ne__": _cmp(aten.ne.Tensor, aten.ne.Scalar),
    "__lt__": _cmp(aten.lt.Tensor, aten.lt.Scalar),
    "__le__": _cmp(aten.le.Tensor, aten.le.Scalar),
    "__gt__": _cmp(aten.gt.Tensor, aten.gt.Scalar),
    "__ge__": _cmp(aten.ge.Tensor, aten.ge.Scalar),
}
for _n in ("and", "or", "xor"):
    _t = getattr(aten, "bitwise_" + _n)
    _i = getattr(aten, "bitwise_" + _n + "_")
    _TABLE[f"__{_n}__"] = _split(_t.Tensor, _t.Scalar)
    _TABLE[f"__r{_n}__"] = _split(_t.Tensor, _t.Scalar)
    _TABLE[f"__i{_n}__"] = _split(_i.Tensor, _i.Scalar)


def install(table):
    """Attach ``{dunder: function}`` to Tensor."""
    for name, fn in table.items():
        try:
            fn.__name__ = name
        except (AttributeError, TypeError):
            pass
        setattr(Tensor, name, fn)


install(_TABLE)
