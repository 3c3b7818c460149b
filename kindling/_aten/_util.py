"""Shared helpers for op kernels and meta functions: dims, broadcasting, promotion."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor

_NP_TO = _dtype._NP_TO_DTYPE


def wrap_dim(dim, ndim, wrap_scalar=True):
    """PyTorch's ``maybe_wrap_dim``: negative dims count from the end; IndexError when out of range."""
    if not isinstance(dim, int) and hasattr(dim, "__index__"):
        dim = dim.__index__()
    if ndim <= 0:
        if not wrap_scalar:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        ndim = 1
    lo, hi = -ndim, ndim - 1
    if dim < lo or dim > hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim + ndim if dim < 0 else dim


def broadcast_shapes(*shapes):
    """The broadcast of several shapes, with PyTorch's error text."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        off = ndim - len(s)
        for i, n in enumerate(s):
            j = off + i
            if out[j] == 1:
                out[j] = n
            elif n != 1 and n != out[j]:
                raise RuntimeError(
                    f"The size of tensor a ({out[j]}) must match the size of tensor b ({n}) at "
                    f"non-singleton dimension {i if len(s) == ndim else j}")
    return tuple(out)


def is_expandable_to(shape, desired):
    """Whether ``shape`` broadcasts to ``desired`` (PyTorch's ``is_expandable_to``)."""
    if len(shape) > len(desired):
        return False
    for a, b in zip(reversed(shape), reversed(desired)):
        if a != b and a != 1:
            return False
    return True


def sum_to_dims(size, shape):
    """The dims ``at::sum_to`` sums a tensor of ``size`` over to reach ``shape``: the leading
    ones, and those where ``shape`` has 1 and ``size`` has not."""
    lead = len(size) - len(shape)
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and size[lead + i] != 1:
            dims.append(lead + i)
    return dims


def broadcast_error(shapes):
    """The RuntimeError PyTorch raises for two shapes that do not broadcast (a vs b order)."""
    a, b = shapes[0], shapes[1]
    ndim = max(len(a), len(b))
    pa = (1,) * (ndim - len(a)) + tuple(a)
    pb = (1,) * (ndim - len(b)) + tuple(b)
    for i in range(ndim - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(
                f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                f"non-singleton dimension {i}")
    if len(shapes) > 2:
        return broadcast_error(((broadcast_shapes(a, b)),) + tuple(shapes[2:]))
    return RuntimeError("shapes do not broadcast")


def dtype_of(x):
    """kindling dtype of an ndarray / tensor-like operand."""
    d = x.dtype
    return d if isinstance(d, _dtype.dtype) else _NP_TO[d]


def result_type(*operands):
    """PyTorch's result_type over operands that are ndarrays, meta tensors or Python scalars."""
    dims, zeros, scalars = [], [], []
    for x in operands:
        if x is None:
            continue
        nd = getattr(x, "ndim", None)
        if nd is None:
            scalars.append(x)
        elif nd == 0:
            zeros.append(dtype_of(x))
        else:
            dims.append(dtype_of(x))
    return _dtype.result_type_from(dims, zeros, scalars)


def np_scalar(value, dt):
    """A Python scalar as a NumPy scalar of dtype ``dt`` (integers wrap like C, as in PyTorch)."""
    npd = dt._np
    if isinstance(value, (bool, np.bool_)) or dt is _dtype.bool:
        return npd.type(value)
    if dt._cat == _dtype.INT and isinstance(value, (int, np.integer)):
        info = np.iinfo(npd)
        v = int(value)
        if v < info.min or v > info.max:
            v = v % (1 << (8 * npd.itemsize))
            if info.min < 0 and v > info.max:
                v -= 1 << (8 * npd.itemsize)
        return npd.type(v)
    if dt._cat == _dtype.INT and isinstance(value, float):
        return npd.type(int(value))
    if dt._cat != _dtype.COMPLEX and isinstance(value, complex):
        return npd.type(value.real)
    return npd.type(value)


def as_dtype(x, dt):
    """``x`` (ndarray or scalar) converted to dtype ``dt`` without copying when it already is."""
    if isinstance(x, np.ndarray):
        return x if x.dtype == dt._np else x.astype(dt._np)
    return np_scalar(x, dt)


def normalize_dims(dim, ndim):
    """A dim argument (None, int or list) as a sorted tuple of wrapped, unique dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        dim = [dim]
    dims = [wrap_dim(d, ndim) for d in dim]
    seen = set()
    for d in dims:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return tuple(sorted(dims))


def varargs_list(values):
    """The list a ``*sizes``-style method got: ``t.view(2, 3)`` and ``t.view((2, 3))`` alike."""
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        return list(values[0])
    return list(values)


def _intlike(x):
    """An element PyTorch's parser takes in an ``int[]`` argument: an integer (not a bool),
    or a one-element integral tensor."""
    if isinstance(x, Tensor):
        return x.numel() == 1 and not (x.dtype.is_floating_point or x.dtype.is_complex)
    return not isinstance(x, bool) and (isinstance(x, int) or hasattr(x, "__index__"))


def int_list_error(fname, argname, v, position):
    """PyTorch's TypeError for the list or tuple ``v`` given for an ``int[]`` argument, or
    None when every element is an integer. The parser looks at the first element when it
    picks a signature (``found element of type float at pos 0``, or, for an argument given by
    keyword, ``not list``); the others only when it unpacks the list (``failed to unpack the
    object at pos 2``, counted from 1). ``position``: the argument's, from 1, or None."""
    for i, x in enumerate(v):
        if type(x) is not int and not _intlike(x):
            if i:
                return _unpack_error(fname, argname, i, x)
            if position is None:
                return TypeError(f"{fname}(): argument '{argname}' must be tuple of ints, not "
                                 f"{type(v).__name__}")
            return TypeError(f"{fname}(): argument '{argname}' (position {position}) must be "
                             f"tuple of ints, but found element of type {type(x).__name__} at "
                             "pos 0")
    return None


def int_varargs(values, fname, argname, keyword=False):
    """``varargs_list`` for an ``int[]`` argument, with the TypeErrors of PyTorch's parser
    for an element that is no integer (``keyword``: the list came as ``argname=``)."""
    items = values[0] if len(values) == 1 and type(values[0]) in (list, tuple) else values
    for x in items:  # (the common case, plain ints, checked in one pass)
        if type(x) is not int:
            break
    else:
        return list(items)
    if len(values) == 1:
        v = values[0]
        if isinstance(v, (list, tuple)):
            err = int_list_error(fname, argname, v, None if keyword else 1)
            if err is not None:
                raise err
            return list(v)
        if _intlike(v):
            return [v]
        raise TypeError(f"{fname}(): argument '{argname}' (position 1) must be tuple of ints, "
                        f"not {type(v).__name__}")
    for i, x in enumerate(values):
        if not _intlike(x):
            if i == 0:
                raise TypeError(f"{fname}() takes 1 positional argument but {len(values)} were "
                                "given")
            raise _unpack_error(fname, argname, i, x)
    return list(values)


def _unpack_error(fname, argname, i, x):
    return TypeError(f"{fname}(): argument '{argname}' failed to unpack the object at pos "
                     f"{i + 1} with error \"type must be tuple of ints,but got "
                     f"{type(x).__name__}\"")


_PKG_DIR = __file__.rsplit("/", 2)[0] + "/"  # .../kindling/


def warn_user(message, category=UserWarning):
    """``warnings.warn`` attributed to the first caller outside kindling (how deep an op's
    kernel runs below user code depends on the path taken: fast path, modes, properties).
    Code kindling generates and runs itself (an autograd node's ``_run``, named ``<...>``)
    counts as kindling's: a warning from a backward formula points at the ``backward`` call."""
    import sys
    import warnings
    f = sys._getframe(1)  # (stacklevel 2: warn_user's caller)
    level = 2
    while f is not None and (f.f_code.co_filename.startswith(_PKG_DIR) or (
            f.f_code.co_filename.startswith("<") and f.f_back is not None
            and f.f_back.f_code.co_filename.startswith(_PKG_DIR))):
        f = f.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def is_tensor_subclass_like(t):
    """PyTorch's ``isTensorSubclassLike``: ``t`` has the Python key or a dispatch mode is on
    (implementations then avoid data-dependent branches, whose ops a mode could not replay)."""
    from .._dispatcher.keys import PYTHON_BITS
    from .._dispatcher.tls import state
    return bool(t._ks & PYTHON_BITS) or bool(state.dispatch_modes)


_warned = set()
warn_always = [False]  # (``torch.set_warn_always``)


def warn_once(key, text=None):
    """A UserWarning (``text``, else ``key``) given once per process for ``key`` (PyTorch's
    TORCH_WARN_ONCE; every time under ``torch.set_warn_always(True)``), attributed to the
    user's code (``warn_user``)."""
    if key not in _warned or warn_always[0]:
        _warned.add(key)
        warn_user(key if text is None else text)
