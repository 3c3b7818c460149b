"""``torch.nn.parameter``: ``Parameter`` (a tensor a Module registers as one of its
parameters when assigned to it) and ``Buffer`` (one it registers as a buffer)."""
from __future__ import annotations

from collections import OrderedDict

from .._tensor import Tensor
from ..overrides import _disabled_torch_function_impl

__all__ = ["Parameter", "UninitializedParameter", "is_lazy", "Buffer", "UninitializedBuffer",
           "UninitializedTensorMixin"]


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


class _AllowedMethods:
    """``UninitializedTensorMixin._allowed_methods``, worked out at first use (kindling's
    Tensor methods are final only once ``kindling`` is imported) and then stored as a plain
    list in place of this descriptor."""

    def __get__(self, obj, owner):
        import kindling
        names = ("__hash__", "size", "copy_", "is_complex", "is_floating_point", "half",
                 "float", "double", "char", "short", "int", "long", "cuda", "cpu", "to",
                 "get_device")
        allowed = [getattr(Tensor, n) for n in names]
        shallow = getattr(kindling, "_has_compatible_shallow_copy_type", None)
        if shallow is not None:
            allowed.append(shallow)
        UninitializedTensorMixin._allowed_methods = allowed
        return allowed


class UninitializedTensorMixin:
    """What uninitialized parameters and buffers share: they hold an empty tensor whose
    dtype, device and ``requires_grad`` a lazy module's ``initialize_parameters`` will
    keep, and allow only the methods in ``_allowed_methods`` (casts, moves, ``size()``,
    ``copy_``) until ``materialize`` gives them a shape; any other tensor function raises
    ValueError, reading ``shape`` RuntimeError."""

    _allowed_methods = _AllowedMethods()

    def materialize(self, shape, device=None, dtype=None):
        """Give this parameter (buffer) data of ``shape`` (uninitialized memory, on
        ``device`` and of ``dtype``, by default its current ones) and turn it into a
        ``Parameter`` (a plain ``Tensor``) in place: ``cls_to_become``."""
        import kindling
        data = self.data
        if device is None:
            device = data.device
        if dtype is None:
            dtype = data.dtype
        self.data = kindling.empty(shape, device=device, dtype=dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. "
            "This error usually happens in `load_state_dict` when trying to load "
            "an uninitialized parameter into an initialized one. "
            "Call `forward` to initialize the parameters before accessing their attributes.")

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. "
            "Call `forward` to initialize the parameters before calling "
            "`module.share_memory()`.")

    def __repr__(self):
        return f"<{self.__class__.__name__}>"

    def __reduce_ex__(self, proto):
        # (hooks are not pickled: the class and requires_grad are all there is to keep)
        return (self.__class__, (self.requires_grad,))

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        # (property accessors, such as ``.data``, ``.dtype``, reach here as method-wrappers)
        if func in cls._allowed_methods or func.__class__.__name__ == "method-wrapper":
            return super().__torch_function__(func, types, args, kwargs or {})
        raise ValueError(
            f"Attempted to use an uninitialized parameter in {func}. "
            "This error happens when you are using a `LazyModule` or "
            f"explicitly manipulating `torch.nn.parameter.{cls.__name__}` "
            "objects. When using LazyModules Call `forward` with a dummy batch "
            "to initialize the parameters before calling torch functions")


def is_lazy(param):
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer`` (a
    lazy module's parameter or buffer whose shape is not known yet)."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A ``Parameter`` whose shape is not known yet (a lazy module's, before its first
    forward).  ``UninitializedParameter(requires_grad=True, device=None, dtype=None)``:
    the device and dtype it will be materialized with; until then it can only be cast,
    moved, or made a ``Parameter`` by ``materialize(shape)``."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        import kindling
        data = kindling.empty(0, device=device, dtype=dtype)
        return Tensor._make_subclass(cls, data, requires_grad)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        data = self.data
        result = type(self)(self.requires_grad, data.device, data.dtype)
        memo[id(self)] = result
        return result


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (a lazy module's, before its first forward).
    ``UninitializedBuffer(requires_grad=False, device=None, dtype=None, persistent=True)``;
    ``materialize(shape)`` makes it a plain ``Tensor``."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        import kindling
        data = kindling.empty(0, device=device, dtype=dtype)
        ret = Tensor._make_subclass(cls, data, requires_grad)
        ret.persistent = persistent
        ret._is_buffer = True
        return ret
