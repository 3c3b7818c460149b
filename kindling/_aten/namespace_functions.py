"""Hand-written ``torch.*`` functions over tensors that PyTorch writes in Python or binds
without an op of their own: ``get_device``, ``is_signed``, ``broadcast_shapes``,
``unravel_index``, ``frombuffer``.
"""
from __future__ import annotations

import builtins
from collections.abc import Sequence
import itertools
import operator

import numpy as np

from .. import _dtype
from .._tensor import Size, Tensor, from_numpy_shared
from . import _parser_errors as PE
from ._api import function
from ._util import warn_once


def _tensor_arg(fname, v, name="input"):
    if not isinstance(v, Tensor):
        raise TypeError(f"{fname}(): argument '{name}' (position 1) must be Tensor, not "
                        f"{type(v).__name__}")


def _one_tensor(fname, args, kwargs):
    """The one Tensor argument ``input`` of ``fname``, as PyTorch's parser takes it."""
    if len(args) > 1:
        raise TypeError(f"{fname}() takes 1 positional argument but {len(args)} were given")
    for k in kwargs:
        if k != "input" or args:
            raise TypeError(f"{fname}() got an unexpected keyword argument '{k}'")
    input = args[0] if args else kwargs.get("input", PE.MISSING)
    if input is PE.MISSING:
        raise PE.missing(fname, input=input)
    _tensor_arg(fname, input)
    return input


@function("get_device")
def get_device(*args, **kwargs):
    """``get_device(input)``: the index of the device ``input`` is on; -1 for the CPU."""
    return _one_tensor("get_device", args, kwargs).get_device()


@function("is_signed")
def is_signed(*args, **kwargs):
    """``is_signed(input)``: whether ``input``'s dtype is a signed type."""
    return _one_tensor("is_signed", args, kwargs).is_signed()


@function("broadcast_shapes")
def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` broadcast to (``broadcast_tensors`` without the
    tensors); raises RuntimeError if they do not broadcast."""
    shapes = tuple((s,) if isinstance(s, builtins.int) else s for s in shapes if s is not None)
    if not shapes:
        return Size([])
    for s in shapes:
        if not isinstance(s, (tuple, list, Size)) and not hasattr(s, "__len__"):
            raise RuntimeError("Input shapes should be of type ints, a tuple of ints, or a list "
                               f"of ints, got {s}")
    common = [1] * max(len(s) for s in shapes)
    for i, s in enumerate(shapes):
        for d in range(-1, -1 - len(s), -1):
            if s[d] == common[d]:
                continue
            if common[d] == 1:
                if s[d] < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                common[d] = s[d]
            if s[d] == 1:
                continue
            if common[d] != s[d]:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {s[d]} at {d}! Mismatching "
                    f"argument at index {i} had {s}; but expected shape should be broadcastable "
                    f"to {common}")
    return Size(common)


@function("unravel_index")
def unravel_index(indices, shape):
    """The coordinates in an array of ``shape`` of the flat ``indices``: a tuple of tensors,
    one per dimension, each of ``indices``' shape."""
    import kindling
    if not isinstance(indices, Tensor):
        raise AttributeError(f"'{type(indices).__name__}' object has no attribute 'is_complex'")
    if indices.is_complex() or indices.is_floating_point() or indices.dtype is _dtype.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, builtins.int):
        shape = Size([shape])
    elif isinstance(shape, Sequence):
        for d in shape:
            if not isinstance(d, builtins.int):
                raise TypeError("expected 'shape' sequence to only contain ints, but got "
                                f"{type(d)}")
        shape = Size(shape)
    else:
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    if any(d < 0 for d in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {tuple(shape)}")
    # (the stride of each dim in a contiguous array of ``shape``)
    coefs = list(itertools.accumulate(reversed(tuple(shape[1:]) + (1,)), operator.mul))[::-1]
    dev = indices.device
    res = indices.unsqueeze(-1).floor_divide(
        kindling.tensor(coefs, device=dev, dtype=_dtype.int64)) % kindling.tensor(
        list(shape), device=dev, dtype=_dtype.int64)
    return res.unbind(-1)


@function("frombuffer")
def frombuffer(buffer, *, dtype=PE.MISSING, count=-1, offset=0, requires_grad=False):
    """A 1-d CPU tensor sharing the memory of ``buffer`` (an object with the buffer
    protocol): ``count`` elements of ``dtype`` (all that fit, when -1) from byte ``offset``."""
    if dtype is PE.MISSING:
        raise TypeError('frombuffer() missing 1 required positional arguments: "dtype"')
    for name, v in (("count", count), ("offset", offset)):
        if not isinstance(v, builtins.int) or isinstance(v, builtins.bool):
            raise TypeError(f"frombuffer(): argument '{name}' must be int, not "
                            f"{type(v).__name__}")
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    raw = np.frombuffer(view.cast("B") if view.format != "B" or view.ndim != 1 else view,
                        dtype=np.uint8)
    length = raw.size
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than "
                         f"buffer length ({length} bytes) minus 1")
    size = dtype.itemsize
    if count < 0:
        if (length - offset) % size != 0:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} "
                             f"bytes) must be a multiple of element size ({size})")
        count = (length - offset) // size
    if offset + count * size > length:
        raise ValueError(f"requested buffer length ({count} * {size} bytes) after offset "
                         f"({offset} bytes) must not be greater than actual buffer length "
                         f"({length} bytes)")
    if view.readonly:
        warn_once("frombuffer-readonly",
                  "The given buffer is not writable, and PyTorch does not support non-writable "
                  "tensors. This means you can write to the underlying (supposedly "
                  "non-writable) buffer using the tensor. You may want to copy the buffer to "
                  "protect its data or make it writable before converting it to a tensor. "
                  "This type of warning will be suppressed for the rest of this program.")
    arr = raw[offset:offset + count * size].view(dtype._np)
    t = from_numpy_shared(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


# Python functions PyTorch calls without the ``__torch_function__`` protocol (no handler or
# mode sees them; the default device does not reach ``range``)
NOT_OVERRIDABLE = ("range", "frombuffer", "broadcast_shapes")


def unhook():
    """Undo ``install_torch_function``'s wrapping of ``NOT_OVERRIDABLE``."""
    from ._api import PUBLIC
    for name in NOT_OVERRIDABLE:
        fn = PUBLIC[name]
        PUBLIC[name] = getattr(fn, "__wrapped__", fn)
