"""``torch.nn.utils.convert_parameters``: parameters to one flat vector and back."""
from __future__ import annotations

import kindling as torch

# device types whose tensors carry a device index (PyTorch: cuda and the privateuse1 backend)
_INDEXED_DEVICES = ("cuda", "privateuseone")


def _typename(obj):
    """``torch.typename``: ``torch.FloatTensor`` for a tensor, else the qualified type name
    (builtins bare)."""
    if isinstance(obj, torch.Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if qualname is None:
        module, qualname = type(obj).__module__ or "", type(obj).__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def _check_param_device(param, old_param_device):
    """The device index of the first parameter (-1 for CPU); a TypeError when a later one is
    elsewhere."""
    indexed = param.device.type in _INDEXED_DEVICES
    if old_param_device is None:
        return param.get_device() if indexed else -1
    moved = param.get_device() != old_param_device if indexed else old_param_device != -1
    if moved:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return old_param_device


def parameters_to_vector(parameters):
    """One 1-D tensor holding every tensor of ``parameters`` flattened, in order."""
    device = None
    pieces = []
    for param in parameters:
        device = _check_param_device(param, device)
        pieces.append(param.view(-1))
    return torch.cat(pieces)


def vector_to_parameters(vec, parameters):
    """Point each tensor of ``parameters`` at its slice of ``vec`` (its ``.data`` becomes a
    view of ``vec``)."""
    if not isinstance(vec, torch.Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_param_device(param, device)
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n
