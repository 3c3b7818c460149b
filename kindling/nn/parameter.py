"""``torch.nn.parameter``: ``Parameter`` (a tensor a Module registers as one of its
parameters when assigned to it) and ``Buffer`` (one it registers as a buffer)."""
from __future__ import annotations

from collections import OrderedDict

from .._tensor import Tensor
from ..overrides import _disabled_torch_function_impl

__all__ = ["Parameter", "Buffer", "is_lazy"]


class _MarkedMeta(type):
    """``isinstance(t, C)`` also holds for any tensor carrying ``C``'s mark (``_is_param``,
    ``_is_buffer``): a tensor subclass instance made a parameter by ``Parameter(t)`` keeps its
    own type, and ``Buffer(t)`` returns a marked plain tensor, as in PyTorch."""

    def __instancecheck__(cls, instance):
        mark = cls.__dict__.get("_mark")  # (the class's own: not a subclass of it)
        if mark is not None and isinstance(instance, Tensor) and getattr(instance, mark, False):
            return True
        return super().__instancecheck__(instance)


class Parameter(Tensor, metaclass=_MarkedMeta):
    """A tensor that is a module parameter: assigned as a Module attribute, it is registered
    in the module's ``_parameters`` (and so in ``parameters()`` and ``state_dict()``).

    ``Parameter(data=None, requires_grad=True)`` shares ``data``'s storage, detached; grad mode
    does not affect ``requires_grad``.  Ops on a parameter give plain tensors."""

    def __new__(cls, data=None, requires_grad=True):
        from .._aten._ops_registry import aten
        if data is None:
            data = aten.empty.memory_format([0])
        if type(data) is Tensor or type(data) is Parameter:
            return Tensor._make_subclass(cls, data, requires_grad)
        # a tensor subclass keeps its type (detach() must keep it), marked as a parameter
        t = data.detach().requires_grad_(requires_grad)
        if type(t) is not type(data):
            raise RuntimeError(
                f"Creating a Parameter from an instance of type {type(data).__name__} "
                "requires that detach() returns an instance of the same type, but return "
                f"type {type(t).__name__} was found instead. To use the type as a "
                "Parameter, please correct the detach() semantics defined by "
                "its __torch_dispatch__() implementation.")
        t._is_param = True
        return t

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        from .. import _layout
        result = type(self)(self.data.clone(memory_format=_layout.preserve_format),
                            self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        if not state:
            return _rebuild_parameter, (self.data, self.requires_grad, OrderedDict())
        return _rebuild_parameter_with_state, (self.data, self.requires_grad, OrderedDict(),
                                               state)

    __torch_function__ = _disabled_torch_function_impl


Parameter._mark = "_is_param"

# (PyTorch's pickles name these ``torch._utils._rebuild_parameter*``: they live in
# kindling._utils and are re-exported here)
from .._utils import _rebuild_parameter, _rebuild_parameter_with_state  # noqa: E402,F401


class Buffer(Tensor, metaclass=_MarkedMeta):
    """A tensor to be registered as a module buffer when assigned to a Module attribute.

    ``Buffer(data=None, *, persistent=True)`` returns ``data`` detached (keeping its
    ``requires_grad``), marked as a buffer; ``persistent=False`` keeps it out of the
    module's ``state_dict``."""

    def __new__(cls, data=None, *, persistent=True):
        from .._aten._ops_registry import aten
        if data is None:
            data = aten.empty.memory_format([0])
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t

    __torch_function__ = _disabled_torch_function_impl


Buffer._mark = "_is_buffer"


def is_lazy(param):
    """Whether ``param`` is an uninitialized parameter or buffer of a lazy module (kindling
    has no lazy modules: never)."""
    return False
