"""``torch._utils``: the functions a PyTorch checkpoint calls to rebuild its tensors.

A pickle written by ``torch.save`` names these (``torch._utils._rebuild_tensor_v2`` and its
siblings); ``kindling.load`` resolves those names to the functions here, and ``kindling.save``
writes kindling's tensors as calls to them under PyTorch's names.
"""
from __future__ import annotations

__all__: list = []


def _element_size(dtype):
    """Bytes per element of ``dtype``."""
    return dtype.itemsize


def _math_bits():
    from ._dispatcher.keys import K, bit
    return bit(K.Conjugate), bit(K.Negative)


def get_tensor_metadata(tensor):
    """What a checkpoint records besides geometry: ``{'conj': True}`` / ``{'neg': True}`` for
    a tensor whose conjugate / negative bit is set (its storage holds the unresolved values)."""
    conj, neg = _math_bits()
    meta = {}
    if tensor._ks & conj:
        meta["conj"] = True
    if tensor._ks & neg:
        meta["neg"] = True
    return meta


def set_tensor_metadata(tensor, metadata):
    """Set the math bits ``get_tensor_metadata`` recorded."""
    if not isinstance(metadata, dict):
        raise AssertionError(f"expected dict, got {type(metadata).__name__}")
    conj, neg = _math_bits()
    if metadata.get("conj"):
        tensor._ks |= conj
    if metadata.get("neg"):
        tensor._ks |= neg


def _rebuild_tensor(storage, storage_offset, size, stride):
    """A tensor over a ``TypedStorage``'s bytes with the given geometry (no copy)."""
    from ._tensor import make_tensor
    untyped = storage._untyped_storage
    return make_tensor(untyped, tuple(size), tuple(stride), storage_offset, storage.dtype,
                       untyped.device)


def _finish(tensor, requires_grad, backward_hooks, metadata):
    if requires_grad:
        tensor.requires_grad_(True)
    if metadata:
        set_tensor_metadata(tensor, metadata)
    # (kept for old pickles' sake, as PyTorch does; normally an empty OrderedDict)
    tensor._backward_hooks = backward_hooks
    return tensor


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    """How a checkpoint rebuilds a tensor of a dtype that has a legacy storage class."""
    tensor = _rebuild_tensor(storage, storage_offset, size, stride)
    return _finish(tensor, requires_grad, backward_hooks, metadata)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    """As ``_rebuild_tensor_v2`` for the newer dtypes, stored as an untyped storage."""
    from ._tensor import make_tensor
    untyped = storage._untyped_storage
    tensor = make_tensor(untyped, tuple(size), tuple(stride), storage_offset, dtype,
                         untyped.device)
    return _finish(tensor, requires_grad, backward_hooks, metadata)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    """Unpickling a ``Parameter``."""
    from .nn.parameter import Parameter
    param = Parameter(data, requires_grad)
    param._backward_hooks = backward_hooks
    return param


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """Unpickling a ``Parameter`` that carries Python attributes."""
    param = _rebuild_parameter(data, requires_grad, backward_hooks)
    return _set_obj_state(param, state)


def _get_obj_state(obj):
    """The Python attributes a tensor (subclass) instance carries beyond Tensor's own."""
    from ._tensor_subclass import _user_state
    return _user_state(obj)


def _set_obj_state(obj, state):
    """Restore what ``_get_obj_state`` gave (a dict, or a ``(dict, slots)`` pair)."""
    if isinstance(state, tuple):
        if len(state) != 2:
            raise RuntimeError(f"Invalid serialized state: {state}")
        dict_state, slots_state = state
    else:
        dict_state, slots_state = state, None
    for part in (dict_state, slots_state):
        if part:
            for k, v in part.items():
                setattr(obj, k, v)
    return obj


def _rebuild_from_type_v2(func, new_type, args, state):
    """A tensor subclass instance (or a tensor with Python attributes): rebuilt by ``func``,
    given ``new_type`` and its state (``torch._tensor._rebuild_from_type_v2``)."""
    from ._tensor import Tensor
    ret = func(*args)
    if type(ret) is not new_type:
        ret = ret.as_subclass(new_type)
    if getattr(ret.__class__, "__setstate__", Tensor.__setstate__) is not Tensor.__setstate__:
        ret.__setstate__(state)
    else:
        ret = _set_obj_state(ret, state)
    return ret


def _restore_device(device):
    from .serialization import _map_device
    return _map_device(device)


def _rebuild_wrapper_subclass(cls, dtype, size, stride, storage_offset, layout, device,
                              requires_grad):
    """A wrapper subclass instance (no storage of its own) from its metadata."""
    from ._tensor import Tensor
    return Tensor._make_wrapper_subclass(cls, size, strides=stride, dtype=dtype,
                                         storage_offset=storage_offset, layout=layout,
                                         device=_restore_device(device),
                                         requires_grad=requires_grad)


def _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad):
    """A meta tensor (checkpoints keep no data for them)."""
    from . import empty_strided
    return empty_strided(size, stride, dtype=dtype, device="meta", requires_grad=requires_grad)


def _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    tensor = data.to(dtype=dtype, device=_restore_device(device))
    tensor.requires_grad = requires_grad
    return tensor


def _rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    from . import from_numpy
    tensor = from_numpy(data).to(dtype=dtype, device=_restore_device(device))
    tensor.requires_grad = requires_grad
    return tensor


_rebuild_xla_tensor = _rebuild_device_tensor_from_numpy


def _unsupported(what):
    def rebuild(*args, **kwargs):
        raise NotImplementedError(f"kindling cannot load {what} from a checkpoint yet")
    return rebuild


_rebuild_qtensor = _unsupported("quantized tensors")
_rebuild_qtensor.__name__ = _rebuild_qtensor.__qualname__ = "_rebuild_qtensor"
_rebuild_sparse_tensor = _unsupported("sparse tensors")
_rebuild_sparse_tensor.__name__ = _rebuild_sparse_tensor.__qualname__ = "_rebuild_sparse_tensor"
_rebuild_nested_tensor = _unsupported("nested tensors")
_rebuild_nested_tensor.__name__ = _rebuild_nested_tensor.__qualname__ = "_rebuild_nested_tensor"

# the rebuild functions a weights-only load may call, as PyTorch's list
_TENSOR_REBUILD_FUNCTIONS = (
    _rebuild_parameter, _rebuild_parameter_with_state, _rebuild_qtensor, _rebuild_tensor,
    _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_sparse_tensor,
    _rebuild_meta_tensor_no_storage, _rebuild_nested_tensor, _rebuild_wrapper_subclass,
    _rebuild_device_tensor_from_numpy, _rebuild_device_tensor_from_cpu_tensor,
)
