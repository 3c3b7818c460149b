"""Tensor subclasses: ``_make_subclass``, ``as_subclass``, ``_make_wrapper_subclass``, and what
differs for subclass instances (metadata slow paths, ``.data``, deepcopy, pickling).

A *wrapper* subclass instance advertises sizes, strides, dtype and device but owns no memory
(``_np is None`` on a non-meta device); its ``__torch_dispatch__`` computes every op, usually on
tensors it holds as attributes.  A subclass whose class defines ``__torch_dispatch__`` carries
the ``Python`` and ``PythonTLSSnapshot`` keys, so the dispatcher hands its ops to the handler.
"""
from __future__ import annotations

import sys

import copy as _copy

import numpy as np

from . import _device, _dtype, _layout
from ._dispatcher.keys import BACKENDS, K, PYTHON_BITS, bit
from ._dispatcher.python_fallback import (
    _StashModes, _disabled_torch_dispatch_impl, call_handlers,
)
from ._dispatcher.tls import state as _tls
from ._storage import UntypedStorage
from ._tensor import (INFERENCE_STRIP, NO_VERSION, Size, Tensor, _INF, contiguous_strides,
                      make_tensor)

# Metadata slow paths (per instance, ``Tensor._meta_slow``).
STRIDES, SIZES, DEVICE, LAYOUT = 1, 2, 4, 8

_py_keys: dict = {}


def python_keys(cls) -> int:
    """The Python keys instances of ``cls`` carry: both when the class has its own
    ``__torch_dispatch__``, none otherwise."""
    b = _py_keys.get(cls)
    if b is None:
        td = getattr(cls, "__torch_dispatch__", _disabled_torch_dispatch_impl)
        b = _py_keys[cls] = 0 if (cls is Tensor or td is _disabled_torch_dispatch_impl) \
            else PYTHON_BITS
    return b


_DEVICE_KEYS: dict = {}


def _device_keys(dev):
    ks = _DEVICE_KEYS.get(dev)
    if ks is None:
        ks = _DEVICE_KEYS[dev] = _compute_device_keys(dev)
    return ks


def _compute_device_keys(dev):
    name = {"cpu": "CPU", "meta": "Meta", "cuda": "CUDA"}.get(dev.type)
    if name is None:
        name = next((b for b in BACKENDS if b.lower() == dev.type), "CPU")
    return bit(K[name]) | bit(K.ADInplaceOrView) | bit(K["Autograd" + name]) | (
        bit(K.AutocastCPU) if name == "CPU" else 0) | PYTHON_BITS


_CPU = _device.CPU
_CPU_KEYS = _device_keys(_CPU)


def _check_cls(cls):
    if not isinstance(cls, type) or not issubclass(cls, Tensor):
        raise TypeError(f"cls must be a type (got {type(cls).__name__})" if not isinstance(
            cls, type) else f"Creating a Tensor subclass from a class that does not inherit "
            f"from Tensor is not possible. Make sure your class inherits from Tensor.")


def _policy_flags(policy, dispatch_device, dispatch_layout):
    f = 0
    if policy is not None:
        if policy == "strides":
            f |= STRIDES
        elif policy == "sizes":
            f |= SIZES | STRIDES
        else:
            raise RuntimeError(f"Unknown sizes_strides_policy: {policy}; expected 'strides' or "
                               "'sizes'")
    if dispatch_device:
        f |= DEVICE
    if dispatch_layout:
        f |= LAYOUT
    return f


def _adopt(t, cls):
    """Give the fresh tensor ``t`` (produced by detach/alias) the Python type ``cls``."""
    if type(t) is not Tensor:
        raise RuntimeError(
            f"Creating a new Tensor subclass {cls.__name__} but the raw Tensor object is already "
            f"associated to a python object of type {type(t).__name__} which is not a subclass "
            "of the requested type")
    try:
        t.__class__ = cls
    except TypeError:  # the subclass adds slots: copy the fields into a new object
        new = object.__new__(cls)
        for f in ("_np", "_size", "_stride_", "_offset", "dtype", "_device", "_ks", "_vc",
                  "_storage"):
            setattr(new, f, getattr(t, f))
        new.__dict__.update(t.__dict__)
        t = new
    t._ks = (t._ks & ~PYTHON_BITS) | python_keys(cls)
    return t


def make_subclass(cls, data, require_grad=False, dispatch_sizes_strides_policy=None,
                  dispatch_device=False, dispatch_layout=False, _extra_dispatch_keys=None):
    """``Tensor._make_subclass``: a ``cls`` instance sharing ``data``'s storage (detached)."""
    _check_cls(cls)
    if not isinstance(data, Tensor):
        raise TypeError(f"_make_subclass(): argument 'data' (position 2) must be Tensor, not "
                        f"{type(data).__name__}")
    from ._aten._ops_registry import aten
    with _StashModes():
        det = aten.detach.default(data)
    t = _adopt(det, cls)
    t.__dict__.pop("grad_fn", None)
    t.__dict__.pop("_base", None)
    if require_grad:
        if not (t.dtype.is_floating_point or t.dtype.is_complex):
            # (THPVariable_make_subclass's own check, worded unlike requires_grad_'s)
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad_(True)
    else:
        t.__dict__.pop("_requires_grad", None)
    flags = _policy_flags(dispatch_sizes_strides_policy, dispatch_device, dispatch_layout)
    if flags:
        t._meta_slow = flags | cls._meta_slow
    if _extra_dispatch_keys is not None:
        t._ks |= _extra_dispatch_keys._bits
    return t


def as_subclass(self, cls):
    """``t.as_subclass(cls)``: a ``cls`` instance aliasing ``t`` (stays in the autograd graph)."""
    _check_cls(cls)
    from ._aten._ops_registry import aten
    with _StashModes():
        al = aten.alias.default(self)
    return _adopt(al, cls)


class WrapperStorage(UntypedStorage):
    """The storage of a wrapper subclass: a size, no memory."""

    __slots__ = ()

    def __init__(self, nbytes, device):
        self.device = device
        self._data = None
        self._nbytes = int(nbytes)
        self._resizable = False

    def data_ptr(self):
        raise RuntimeError("Attempted to access the data pointer on an invalid python storage.")


_WRAPPER_KW = ("strides", "storage_offset", "memory_format", "dtype", "layout", "device",
               "pin_memory", "requires_grad", "dispatch_sizes_strides_policy", "dispatch_device",
               "dispatch_layout", "_extra_dispatch_keys", "storage_size")
_WRAPPER_KW_SET = frozenset(_WRAPPER_KW)
_COMMON_KW = frozenset({"strides", "storage_offset", "dtype", "layout", "device",
                        "requires_grad"})


def make_wrapper_subclass(cls, size, *args, strides=None, storage_offset=None,
                          memory_format=None, dtype=None, layout=None, device=None,
                          pin_memory=False, requires_grad=False,
                          dispatch_sizes_strides_policy=None, dispatch_device=False,
                          dispatch_layout=False, _extra_dispatch_keys=None, storage_size=None):
    """``Tensor._make_wrapper_subclass``: metadata only, nothing allocated.

    Keyword form: ``(cls, size, *, strides, storage_offset, memory_format, dtype, layout,
    device, pin_memory, requires_grad, dispatch_sizes_strides_policy, dispatch_device,
    dispatch_layout, _extra_dispatch_keys, storage_size)``; the positional form takes the same
    values in order (``strides, storage_offset, memory_format, dtype, layout, device,
    pin_memory, requires_grad, policy, dispatch_device, dispatch_layout, extra_keys``).
    """
    if args:
        if len(args) > 12:
            raise TypeError("_make_wrapper_subclass() takes at most 14 positional arguments")
        return make_wrapper_subclass(cls, size, **dict(zip(_WRAPPER_KW, args)))
    pk = _py_keys.get(cls)
    if pk is None:
        _check_cls(cls)
        pk = python_keys(cls)
    if not pk:
        raise TypeError(f"{cls.__name__} must define __torch_dispatch__")
    size = tuple(size) if type(size) in _TUPLES else tuple(int(s) for s in size)
    if type(device) is not _Device:
        device = _device.canonical(device) or _device.CPU
    t = _object_new(cls)
    t._np = None
    t._size = size
    t._stride_ = contiguous_strides(size) if strides is None else tuple(strides)
    t._offset = int(storage_offset) if storage_offset else 0
    t.dtype = dtype or _dtype.get_default_dtype()
    t._device = device
    # (devices hash in Python: the CPU device, by far the most common, is checked first)
    ks = _CPU_KEYS if device is _CPU else _DEVICE_KEYS.get(device)
    if ks is None:
        ks = _device_keys(device)
    t._ks = ks if _extra_dispatch_keys is None else ks | _extra_dispatch_keys._bits
    if _INF[0] and _tls.inference_mode:  # (made in inference mode: an inference tensor)
        t._ks &= ~INFERENCE_STRIP
        t._vc = NO_VERSION
    else:
        t._vc = [0]
    t._storage = None
    if requires_grad:
        t._requires_grad = True
    if layout is not None and layout is not _layout.strided:
        t._wrapper_layout = layout
    if dispatch_sizes_strides_policy is not None or dispatch_device or dispatch_layout:
        t._meta_slow = _policy_flags(dispatch_sizes_strides_policy, dispatch_device,
                                     dispatch_layout) | cls._meta_slow
    if storage_size is not None:
        t._storage = WrapperStorage(int(storage_size) * t.dtype.itemsize, device)
    return t


_object_new = object.__new__
_Device = _device.device
_TUPLES = frozenset((tuple, Size))


def is_wrapper(t) -> bool:
    return t._np is None and t._device.type != "meta" and type(t) is not Tensor


def wrapper_storage(t):
    n = 0 if any(s == 0 for s in t._size) else 1 + t._offset + sum(
        (a - 1) * b for a, b in zip(t._size, t._stride_ or ()))
    s = WrapperStorage(n * t.dtype.itemsize, t._device)
    t._storage = s
    return s


# ---- metadata slow paths ----------------------------------------------------------------------
def _ask(t, op, name, *extra):
    """Ask the handlers about ``t``'s metadata; None means "use the stored value"."""
    return call_handlers(op, [t], (t,) + extra, {}, name=name)


def _aten():
    from ._aten._ops_registry import aten
    return aten


def _prim():
    from ._ops import ops
    return ops.prim


def slow_size(t, *args, **kwargs):
    from ._tensor import _dim_arg
    dim = _dim_arg("size", args, kwargs) if args or kwargs else None
    if t._meta_slow & SIZES:
        r = _ask(t, _aten().sym_size.default, "torch.ops.aten.sym_size")
        sizes = Size(t._size) if r is None else Size(r)
    else:
        sizes = Size(t._size)
    if dim is None:
        return sizes
    from ._aten._util import wrap_dim
    return sizes[wrap_dim(dim, len(sizes))]


def slow_stride(t, *args, **kwargs):
    from ._tensor import _dim_arg
    dim = _dim_arg("stride", args, kwargs) if args or kwargs else None
    if t._meta_slow & (STRIDES | SIZES):
        r = _ask(t, _aten().sym_stride.default, "torch.ops.aten.sym_stride")
        st = t._stride() if r is None else tuple(r)
    else:
        st = t._stride()
    if dim is None:
        return st
    from ._aten._util import wrap_dim
    return st[wrap_dim(dim, len(st))]


def slow_dim(t):
    if t._meta_slow & SIZES:
        r = _ask(t, _aten().dim.default, "torch.ops.aten.dim")
        if r is not None:
            return r
    return len(t._size)


def slow_numel(t):
    if t._meta_slow & SIZES:
        r = _ask(t, _aten().numel.default, "torch.ops.aten.numel")
        if r is not None:
            return r
    n = 1
    for s in t._size:
        n *= s
    return n


def slow_storage_offset(t):
    if t._meta_slow & SIZES:
        r = _ask(t, _aten().sym_storage_offset.default, "torch.ops.aten.sym_storage_offset")
        if r is not None:
            return r
    return t._offset


def slow_is_contiguous(t, memory_format):
    if t._meta_slow & (STRIDES | SIZES):
        aten = _aten()
        if memory_format is _layout.contiguous_format:
            r = _ask(t, aten.is_contiguous.default, "torch.ops.aten.is_contiguous")
        else:
            r = _ask(t, aten.is_contiguous.memory_format, "torch.ops.aten.is_contiguous",
                     memory_format)
        if r is not None:
            return bool(r)
    return None


def slow_is_strides_like_format(t, memory_format):
    if t._meta_slow & (STRIDES | SIZES):
        r = _ask(t, _aten().is_strides_like_format.default,
                 "torch.ops.aten.is_strides_like_format", memory_format)
        if r is not None:
            return bool(r)
    return None


def slow_is_non_overlapping_and_dense(t):
    if t._meta_slow & (STRIDES | SIZES):
        r = _ask(t, _aten().is_non_overlapping_and_dense.default,
                 "torch.ops.aten.is_non_overlapping_and_dense")
        if r is not None:
            return bool(r)
    return None


def slow_device(t):
    if t._meta_slow & DEVICE:
        r = _ask(t, _prim().device.default, "torch.ops.prim.device")
        if r is not None:
            return _device.canonical(r)
    return t._device


def slow_layout(t):
    if t._meta_slow & LAYOUT:
        r = _ask(t, _prim().layout.default, "torch.ops.prim.layout")
        if r is not None:
            return r
    return t.__dict__.get("_wrapper_layout", _layout.strided)


def slow_data_ptr(t):
    if t._meta_slow & SIZES:
        slow_numel(t)
    if t._np is None:
        return 0
    return t._np.__array_interface__["data"][0]


# ---- .data ------------------------------------------------------------------------------------
def get_data(self):
    """``t.data``: an alias with a fresh version counter that does not require grad.  For
    subclasses with a handler (or under a dispatch mode) the alias is a ``detach`` the handlers
    compute."""
    if self._ks & PYTHON_BITS or _tls.dispatch_modes:
        from ._dispatcher.python_fallback import overloaded_tensors
        aten = _aten()
        over = overloaded_tensors((self,), None)
        r = call_handlers(aten.detach.default, over, (self,), {},
                          name="torch._ops.aten.detach.default")
        if isinstance(r, Tensor) and r is not self:
            r._vc = [0]
            r.__dict__.pop("_requires_grad", None)
            r.__dict__.pop("grad_fn", None)
        return r
    t = make_tensor(self._untyped_storage(), self._size, self._stride(), self._offset, self.dtype,
                    self._device)
    if self._np is not None:
        t._np = self._np
    return t


_META_FIELDS = ("_np", "_size", "_stride_", "_offset", "dtype", "_device", "_storage")


def set_data(self, new):
    """``t.data = new``: ``t`` takes ``new``'s metadata and storage; nothing is dispatched."""
    if not isinstance(new, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(new).__name__}")
    shallow_copy_from(self, new)


def shallow_copy_from(self, new):
    if new._storage is None and new._np is not None:
        new._materialize_storage()
    for f in _META_FIELDS:
        setattr(self, f, getattr(new, f))
    self._ks = (new._ks & ~PYTHON_BITS) | (self._ks & PYTHON_BITS)


# ---- deepcopy -----------------------------------------------------------------------------------
def _user_state(t):
    """Attributes a subclass instance carries beyond Tensor's own fields (autograd's
    per-tensor fields - a leaf's grad accumulator, hooks - are not the user's)."""
    graph = sys.modules.get("kindling.autograd.graph")
    internal = graph._AUTOGRAD_FIELDS if graph is not None else ()
    state = {k: v for k, v in t.__dict__.items()
             if not hasattr(Tensor, k) and k not in internal}
    for klass in type(t).__mro__:
        if klass is Tensor:
            break
        for s in klass.__dict__.get("__slots__", ()):
            if isinstance(s, str) and s not in ("__dict__", "__weakref__") and hasattr(t, s):
                state[s] = getattr(t, s)
    return state


_WRAPPER_DEEPCOPY = (
    "The default implementation of __deepcopy__() for wrapper subclasses only works for "
    "subclass types that implement clone() and for which cloning returns another instance of "
    "the same subclass. You should either properly implement clone() for your subclass or "
    "override __deepcopy__() if it is intended behavior for clone() to return an instance of a "
    "different type.")
_PLAIN_DEEPCOPY = (
    "The default implementation of __deepcopy__() for non-wrapper subclasses only works for "
    "subclass types that implement new_empty() and for which that function returns another "
    "instance of the same subclass. You should either properly implement new_empty() for your "
    "subclass or override __deepcopy__() if it is intended behavior for new_empty() to return "
    "an instance of a different type.")


def deepcopy_subclass(self, memo):
    if id(self) in memo:
        return memo[id(self)]
    if self.grad_fn is not None:
        raise RuntimeError(
            "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
            "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
            "because of a torch.nn.utils.weight_norm usage, see "
            "https://github.com/pytorch/pytorch/pull/103001")
    st = _tls
    old = st.torch_function_disabled
    st.torch_function_disabled = 1
    try:
        if is_wrapper(self):
            new = self.clone()
            if type(new) is not type(self):
                raise RuntimeError(_WRAPPER_DEEPCOPY)
        else:
            new = self.new_empty([])
            if type(new) is not type(self):
                raise RuntimeError(_PLAIN_DEEPCOPY)
            if self._np is not None:
                src = self._untyped_storage()
                sid = id(src)
                storage = memo.get(sid)
                if storage is None:
                    storage = UntypedStorage(_data=src._data.copy())
                    memo[sid] = storage
            else:
                storage = UntypedStorage(self._untyped_storage().nbytes(), device=self._device)
            plain = make_tensor(storage, self._size, self._stride(), self._offset, self.dtype,
                                self._device)
            shallow_copy_from(new, plain)
        if self.requires_grad:
            new._requires_grad = True
        if self.grad is not None:
            new.grad = _copy.deepcopy(self.grad, memo)
    finally:
        st.torch_function_disabled = old
    for k, v in _user_state(self).items():
        setattr(new, k, _copy.deepcopy(v, memo))
    memo[id(self)] = new
    return new


# ---- pickling -------------------------------------------------------------------------------------
def reduce_subclass(self, proto):
    state = _user_state(self)
    if is_wrapper(self):
        meta = (tuple(self._size), tuple(self._stride()), self._offset, self.dtype._name,
                str(self._device), bool(self._requires_grad))
        return (_rebuild_wrapper_subclass, (type(self), meta, state))
    arr = np.array(self._np) if self._np is not None else None
    meta = (arr, tuple(self._size), str(self._device), self.dtype._name,
            bool(self._requires_grad))
    return (_rebuild_plain_subclass, (type(self), meta, state))


def _set_state(t, state):
    for k, v in state.items():
        setattr(t, k, v)
    return t


def _rebuild_wrapper_subclass(cls, meta, state):
    size, stride, offset, dtype_name, device, requires_grad = meta
    t = make_wrapper_subclass(cls, size, strides=stride, storage_offset=offset,
                              dtype=_dtype._ALL[dtype_name], device=device,
                              requires_grad=requires_grad)
    return _set_state(t, state)


def _rebuild_plain_subclass(cls, meta, state):
    from ._tensor import _rebuild_tensor
    arr, size, device, dtype_name, requires_grad = meta
    base = _rebuild_tensor(arr, size, device, dtype_name, False)
    t = make_subclass(cls, base, requires_grad)
    return _set_state(t, state)


# The Tensor stubs import this module on first use; from then on they are the functions here.
Tensor._make_subclass = staticmethod(make_subclass)
Tensor._make_wrapper_subclass = staticmethod(make_wrapper_subclass)
