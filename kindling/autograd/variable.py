"""``torch.autograd.Variable``: the legacy name; every tensor is a Variable."""
from __future__ import annotations

from .._tensor import Tensor


class VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=VariableMeta):
    """``Variable(t, requires_grad=False)``: a history-free alias of ``t``."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        from .._aten._ops_registry import aten
        if data is None:
            from .. import _aten  # noqa: F401
            from .._aten import factories
            data = factories.legacy_new(Tensor)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        t = aten.detach.default(data)
        if requires_grad:
            t._requires_grad_(True)
        return t


def _attach_engine():
    """``Variable._execution_engine`` (the engine module imports this one's package first)."""
    from .engine import execution_engine
    Variable._execution_engine = execution_engine
