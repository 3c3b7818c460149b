"""Python operators on Tensor (``a + b``, ``a @ b``, ``-a``, ``a[i]``...), each one op call.

The dunders call the OpOverload directly (no overload resolution): this is the hottest path
users have, and it matches the overload PyTorch's Python bindings select (``x * 2`` is
``aten.mul.Tensor(x, 2)``).
"""
from __future__ import annotations

import numbers

from .._tensor import Tensor
from ._ops_registry import aten

_Number = numbers.Number


def _binary(op, reverse=False):
    if reverse:
        def dunder(self, other):
            if isinstance(other, Tensor):
                return op(other, self)
            if isinstance(other, _Number):
                from ._ops_registry import aten as _a
                return op(_a.scalar_tensor.default(other, dtype=_scalar_dt(other),
                                                   device=self.device), self)
            return NotImplemented
    else:
        def dunder(self, other):
            if isinstance(other, (Tensor, _Number)):
                return op(self, other)
            return NotImplemented
    return dunder


def _scalar_dt(v):
    from .. import _dtype
    return _dtype.scalar_dtype(v)


def _inplace(op):
    def dunder(self, other):
        if isinstance(other, (Tensor, _Number)):
            return op(self, other)
        return NotImplemented
    return dunder


def install(table):
    """Attach ``{dunder: (op, kind)}`` to Tensor; kind is 'bin', 'rbin', 'inplace' or 'unary'."""
    for name, (op, kind) in table.items():
        if kind == "bin":
            fn = _binary(op)
        elif kind == "rbin":
            fn = _binary(op, reverse=True)
        elif kind == "inplace":
            fn = _inplace(op)
        else:
            fn = (lambda o: lambda self: o(self))(op)
        fn.__name__ = name
        setattr(Tensor, name, fn)


install({
    "__add__": (aten.add.Tensor, "bin"),
    "__radd__": (aten.add.Tensor, "bin"),
    "__iadd__": (aten.add_.Tensor, "inplace"),
    "__sub__": (aten.sub.Tensor, "bin"),
    "__rsub__": (aten.sub.Tensor, "rbin"),
    "__isub__": (aten.sub_.Tensor, "inplace"),
    "__mul__": (aten.mul.Tensor, "bin"),
    "__rmul__": (aten.mul.Tensor, "bin"),
    "__imul__": (aten.mul_.Tensor, "inplace"),
    "__truediv__": (aten.div.Tensor, "bin"),
    "__rtruediv__": (aten.div.Tensor, "rbin"),
    "__itruediv__": (aten.div_.Tensor, "inplace"),
    "__neg__": (aten.neg.default, "unary"),
})
