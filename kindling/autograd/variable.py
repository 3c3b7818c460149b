"""``torch.autograd.Variable``: the legacy name; every tensor is a Variable."""
from __future__ import annotations

import warnings

from .._tensor import Tensor

_VOLATILE_SET = ("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                 "instead.")


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
        if volatile:
            warnings.warn(_VOLATILE_SET, UserWarning, stacklevel=2)
        t = aten.detach.default(data)
        if requires_grad:
            t._requires_grad_(True)
        return t


def _attach_engine():
    """``Variable._execution_engine`` (the engine module imports this one's package first)."""
    from .engine import execution_engine
    Variable._execution_engine = execution_engine


def _get_volatile(self):
    from .._aten._util import warn_user
    warn_user("volatile was removed (Variable.volatile is always False)")
    return False


def _set_volatile(self, value):
    from .._aten._util import warn_user
    warn_user(_VOLATILE_SET)


# ``Tensor.volatile``: the removed flag, always False (PyTorch keeps it for old code)
Tensor.volatile = property(_get_volatile, _set_volatile)
