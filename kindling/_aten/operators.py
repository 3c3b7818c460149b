"""Python operators on Tensor (``a + b``, ``-a``, ``a == b``...), each one op call.

The dunders call the OpOverload directly (no overload resolution): this is the hottest path
users have, and it matches the overload PyTorch's Python bindings select (``x * 2`` is
``aten.mul.Tensor(x, 2)``, ``x ** 2`` is ``aten.pow.Tensor_Scalar``, ``x == 2`` is
``aten.eq.Scalar``).

``__torch_function__``: when both operands are exact Tensors or Python numbers and no function
mode is active, a dunder goes straight to its op.  Otherwise it goes through
``overrides.torch_function_dispatch`` with the function PyTorch passes to handlers (``a + b``
reaches them as ``Tensor.add``, ``a / 2`` as ``Tensor.div``, ``2 / a`` as ``Tensor.__rdiv__``),
and a handler's TypeError turns into ``NotImplemented`` as in PyTorch.
"""
from __future__ import annotations

import numbers

from .._ops import binary_caller, positional_caller
from .._tensor import Tensor
from ..overrides import NO_TF_TYPES, _live_modes, has_overloaded, torch_function_dispatch
from ._ops_registry import aten

_Number = numbers.Number
_T = Tensor
_FAST = NO_TF_TYPES  # grows as dispatch-only subclasses are first seen
_LIVE = _live_modes

# dunder -> the Tensor attribute PyTorch hands to __torch_function__ handlers
_TF_API = {
    "__add__": "add", "__radd__": "add", "__iadd__": "add_", "__sub__": "sub",
    "__isub__": "sub_", "__mul__": "mul", "__rmul__": "mul", "__imul__": "mul_",
    "__truediv__": "div", "__rtruediv__": "__rdiv__", "__itruediv__": "div_",
    "__ifloordiv__": "floor_divide_", "__mod__": "remainder", "__imod__": "remainder_",
    "__pow__": "pow", "__ipow__": "pow_", "__ne__": "ne", "__lt__": "lt", "__le__": "le",
    "__gt__": "gt", "__ge__": "ge", "__rand__": "bitwise_and", "__ror__": "bitwise_or",
    "__rxor__": "bitwise_xor", "__neg__": "neg", "__pos__": "positive", "__abs__": "abs",
}
_API: dict = {}  # dunder name -> resolved api (filled by ``resolve_torch_function_apis``)


def _tf_binary(name, impl, self, other):
    """The slow path of a binary dunder: ``__torch_function__`` if anything asks for it."""
    if _LIVE[0] or has_overloaded((self, other)):
        try:
            return torch_function_dispatch(_API.get(name) or getattr(Tensor, name), impl,
                                           (self, other), None)
        except TypeError:
            return NotImplemented
    return impl(self, other)


def _tf_unary(name, impl, self):
    if _LIVE[0] or has_overloaded((self,)):
        return torch_function_dispatch(_API.get(name) or getattr(Tensor, name), impl, (self,),
                                       None)
    return impl(self)


def _binary(op, name):
    """``self op other`` with one overload for tensors and numbers alike."""
    def impl(self, other):
        if isinstance(other, (Tensor, _Number)):
            return op(self, other)
        return NotImplemented

    def slow(self, other):
        return _tf_binary(name, impl, self, other)
    # exact Tensors and numbers, no function mode: op(self, other) in the operator's own frame
    dunder = binary_caller(op, guard=(_FAST, _LIVE, slow))
    if dunder is op:  # (no specialised caller for this op)
        def dunder(self, other):
            if type(self) in _FAST and type(other) in _FAST and not _LIVE[0]:
                return op(self, other)
            return slow(self, other)
    return dunder


def _split(tensor_op, scalar_op, name):
    """``self op other``: ``tensor_op`` for a Tensor, ``scalar_op`` for a number."""
    tensor_call, scalar_call = binary_caller(tensor_op), binary_caller(scalar_op)

    def impl(self, other):
        if isinstance(other, Tensor):
            return tensor_op(self, other)
        if isinstance(other, _Number):
            return scalar_op(self, other)
        return NotImplemented

    def dunder(self, other):
        if type(self) in _FAST and not _LIVE[0]:
            t = type(other)
            if t is _T:
                return tensor_call(self, other)
            if t in _FAST:
                return tensor_call(self, other) if issubclass(t, _T) else \
                    scalar_call(self, other)
        return _tf_binary(name, impl, self, other)
    return dunder


def _reflected(op, name):
    """``other op self`` for a number ``other``: ``op(other, self)`` (a Scalar-first overload)."""
    call = binary_caller(op)

    def impl(self, other):
        if isinstance(other, (Tensor, _Number)):
            return op(other, self)
        return NotImplemented

    def dunder(self, other):
        if type(self) in _FAST and type(other) in _FAST and not _LIVE[0]:
            return call(other, self)
        return _tf_binary(name, impl, self, other)
    return dunder


def _reflected_split(tensor_op, scalar_op, name):
    """``other op self``: ``tensor_op(other, self)`` for a Tensor ``other`` (as PyTorch's
    ``torch.pow(other, self)``), else the Scalar-first ``scalar_op(other, self)``."""
    scalar = _reflected(scalar_op, name)
    tensor_call = binary_caller(tensor_op)

    def impl(self, other):
        if isinstance(other, Tensor):
            return tensor_op(other, self)
        if isinstance(other, _Number):
            return scalar_op(other, self)
        return NotImplemented

    def dunder(self, other):
        if isinstance(other, Tensor):
            if type(self) in _FAST and type(other) in _FAST and not _LIVE[0]:
                return tensor_call(other, self)
            return _tf_binary(name, impl, self, other)
        return scalar(self, other)
    return dunder


def _rtruediv_impl(self, other):
    """``number / tensor``: PyTorch computes ``reciprocal(self) * other``."""
    if isinstance(other, (Tensor, _Number)):
        return aten.mul.Tensor(aten.reciprocal.default(self), other)
    return NotImplemented


def _rtruediv(self, other):
    if type(self) in _FAST and type(other) in _FAST and not _LIVE[0]:
        return _rtruediv_impl(self, other)
    return _tf_binary("__rtruediv__", _rtruediv_impl, self, other)


def _unary(impl, name):
    def dunder(self):
        if type(self) in _FAST and not _LIVE[0]:
            return impl(self)
        return _tf_unary(name, impl, self)
    return dunder


def _invert_impl(self):
    if self.dtype.is_floating_point or self.dtype.is_complex:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return aten.bitwise_not.default(self)


def _pos_impl(self):
    if self.dtype._name == "bool":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


def _cmp(tensor_op, scalar_op, name):
    return _split(tensor_op, scalar_op, name)


_TABLE = {
    "__add__": _binary(aten.add.Tensor, "__add__"),
    "__radd__": _binary(aten.add.Tensor, "__radd__"),
    "__iadd__": _binary(aten.add_.Tensor, "__iadd__"),
    "__sub__": _binary(aten.sub.Tensor, "__sub__"),
    # rsub(self, other) computes other - self; a Tensor ``other`` takes rsub.Tensor
    "__rsub__": _split(aten.rsub.Tensor, aten.rsub.Scalar, "__rsub__"),
    "__isub__": _binary(aten.sub_.Tensor, "__isub__"),
    "__mul__": _binary(aten.mul.Tensor, "__mul__"),
    "__rmul__": _binary(aten.mul.Tensor, "__rmul__"),
    "__imul__": _binary(aten.mul_.Tensor, "__imul__"),
    "__truediv__": _binary(aten.div.Tensor, "__truediv__"),
    "__rtruediv__": _rtruediv,
    "__itruediv__": _binary(aten.div_.Tensor, "__itruediv__"),
    "__floordiv__": _binary(aten.floor_divide.default, "__floordiv__"),
    "__rfloordiv__": _reflected(aten.floor_divide.default, "__rfloordiv__"),
    "__ifloordiv__": _binary(aten.floor_divide_.Tensor, "__ifloordiv__"),
    "__mod__": _split(aten.remainder.Tensor, aten.remainder.Scalar, "__mod__"),
    "__rmod__": _reflected_split(aten.remainder.Tensor, aten.remainder.Scalar_Tensor,
                                 "__rmod__"),
    "__imod__": _split(aten.remainder_.Tensor, aten.remainder_.Scalar, "__imod__"),
    "__pow__": _split(aten.pow.Tensor_Tensor, aten.pow.Tensor_Scalar, "__pow__"),
    "__rpow__": _reflected_split(aten.pow.Tensor_Tensor, aten.pow.Scalar, "__rpow__"),
    "__ipow__": _split(aten.pow_.Tensor, aten.pow_.Scalar, "__ipow__"),
    "__neg__": _unary(positional_caller(aten.neg.default, (Tensor,)), "__neg__"),
    "__pos__": _unary(_pos_impl, "__pos__"),
    "__abs__": _unary(lambda self: aten.abs.default(self), "__abs__"),
    "__invert__": _unary(_invert_impl, "__invert__"),
    "__eq__": _cmp(aten.eq.Tensor, aten.eq.Scalar, "__eq__"),
    "__ne__": _cmp(aten.ne.Tensor, aten.ne.Scalar, "__ne__"),
    "__lt__": _cmp(aten.lt.Tensor, aten.lt.Scalar, "__lt__"),
    "__le__": _cmp(aten.le.Tensor, aten.le.Scalar, "__le__"),
    "__gt__": _cmp(aten.gt.Tensor, aten.gt.Scalar, "__gt__"),
    "__ge__": _cmp(aten.ge.Tensor, aten.ge.Scalar, "__ge__"),
}
for _n in ("and", "or", "xor"):
    _t = getattr(aten, "bitwise_" + _n)
    _i = getattr(aten, "bitwise_" + _n + "_")
    _TABLE[f"__{_n}__"] = _split(_t.Tensor, _t.Scalar, f"__{_n}__")
    _TABLE[f"__r{_n}__"] = _split(_t.Tensor, _t.Scalar, f"__r{_n}__")
    _TABLE[f"__i{_n}__"] = _split(_i.Tensor, _i.Scalar, f"__i{_n}__")


def install(table):
    """Attach ``{dunder: function}`` to Tensor (marked as already ``__torch_function__``-aware)."""
    for name, fn in table.items():
        try:
            fn.__name__ = fn.__qualname__ = name
            fn._tf_hooked = True
            fn._tf_name = f"torch.Tensor.{name}"
        except (AttributeError, TypeError):
            pass
        setattr(Tensor, name, fn)


def resolve_torch_function_apis():
    """Once every method exists: which function each dunder hands to handlers."""
    for dunder in _TABLE:
        api = getattr(Tensor, _TF_API.get(dunder, dunder), None)
        _API[dunder] = api if api is not None else getattr(Tensor, dunder)


install(_TABLE)

# The Python key (modes, ``__torch_dispatch__``) and the TLS snapshot it relies on.
from .._dispatcher import python_fallback as _python_fallback  # noqa: E402
_python_fallback.install(Tensor)

# Ops that tensor subclasses and their handlers see; ``new_*`` take ``self`` into the dispatcher.
from . import subclass_ops as _subclass_ops  # noqa: E402
from ._api import method as _method  # noqa: E402

for _name, _fn in _subclass_ops.NEW_METHODS.items():
    _method(_name)(_fn)
