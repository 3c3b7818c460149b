"""Copies and conversions: ``clone``, ``copy_``, ``_to_copy``/``to``, ``detach``, ``contiguous``,
``fill_``, ``zero_``, ``resize_``, ``_local_scalar_dense`` (``item``)."""
from __future__ import annotations

import numpy as np

from .. import _device, _dtype, _layout
from .._dispatcher.keys import AUTOGRAD_BITS, K, above, bit
from .._dispatcher.tls import state as _tls
from .._tensor import (ADIOV_BIT, INFERENCE_STRIP, Tensor, contiguous_strides, logical_values,
                       make_tensor)
from ._api import method, public
from ._defop import NESTED_EXCLUDED, _py_scalar, defop
from ._meta_util import empty_meta
from ._pointwise_util import check_scalar_fits
from ._tensor_iterator import (check_mem_overlaps, may_share, memory_format_strides,
                               strided_copy)
from ._util import broadcast_error, int_varargs, np_scalar, warn_once

_CONJ, _NEG = bit(K.Conjugate), bit(K.Negative)
_MATH_BITS = _CONJ | _NEG


def _meta_like(t, dt, memory_format):
    return empty_meta(t.shape, dt, memory_format_strides(t._size, t.stride(), memory_format))


# ---- clone --------------------------------------------------------------------------------------
clone = defop("clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor",
              tags=("core", "pointwise"))


@clone.cpu_leaf
def _(ks, self, *, memory_format=None):
    # (a conjugate or negative view's copy holds its logical values, with no bit)
    a = logical_values(self) if self._ks & _MATH_BITS else self._np
    return strided_copy(a, self, self.dtype, memory_format)


@clone.meta
def _(self, *, memory_format=None):
    return _meta_like(self, self.dtype, memory_format)


public("clone", clone)
clone.derivative(self="grad", result="auto_linear")


# ---- _to_copy / to ------------------------------------------------------------------------------
_to_copy = defop("_to_copy(Tensor self, *, ScalarType? dtype=None, Layout? layout=None, "
                 "Device? device=None, bool? pin_memory=None, bool non_blocking=False, "
                 "MemoryFormat? memory_format=None) -> Tensor", tags=("core",))


def _complex_to_real_warning(src, dt):
    """PyTorch's warning for a complex-to-real copy; True when the imaginary part goes."""
    if src.is_complex and not dt.is_complex:
        # (TORCH_WARN_ONCE in PyTorch's copy: once per process)
        warn_once("Casting complex values to real discards the imaginary part")
        return True
    return False


@_to_copy.cpu_ks
def _(ks, self, *, dtype=None, layout=None, device=None, pin_memory=None, non_blocking=False,
      memory_format=None):
    dt = dtype or self.dtype
    dev = _device.canonical(device)
    if dev is not None:
        if dev.type == "meta":
            return _meta_like(self, dt, memory_format)
        _device.check_backend(dev, copying=True)
    a = self._np
    if _complex_to_real_warning(self.dtype, dt):
        a = a.real  # (NumPy would warn again, with its own ComplexWarning)
    with np.errstate(all="ignore"):
        return strided_copy(a, self, dt, memory_format)


@_to_copy.meta
def _(self, *, dtype=None, layout=None, device=None, pin_memory=None, non_blocking=False,
      memory_format=None):
    dev = _device.canonical(device)
    if dev is not None and dev.type != "meta":
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    return _meta_like(self, dtype or self.dtype, memory_format)


# (the engine casts the gradient back to self's dtype; a real self takes the real part first)
_to_copy.derivative(self="handle_r_to_c(self_scalar_type, grad)", result="auto_linear")


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    non_blocking = kwargs.pop("non_blocking", False)
    copy = kwargs.pop("copy", False)
    memory_format = kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        other = rest.pop(0)
        dtype, device = other.dtype, other.device
    elif rest and isinstance(rest[0], (str, _device.device)) or (
            rest and isinstance(rest[0], int) and not isinstance(rest[0], bool)):
        device = rest.pop(0)
        if rest and isinstance(rest[0], _dtype.dtype):
            dtype = rest.pop(0)
    elif rest and isinstance(rest[0], _dtype.dtype):
        dtype = rest.pop(0)
    if rest and isinstance(rest[0], bool):
        non_blocking = rest.pop(0)
        if rest and isinstance(rest[0], bool):
            copy = rest.pop(0)
    if rest:
        raise TypeError(f"to() received an invalid combination of arguments - got "
                        f"({', '.join(type(a).__name__ for a in args)})")
    return dtype, _device.canonical(device), non_blocking, copy, memory_format


@method("to")
def to(self, *args, **kwargs):
    """``t.to(dtype)``, ``t.to(device)``, ``t.to(other)``: a converted copy, or ``self`` if nothing changes."""
    from ._ops_registry import aten
    dtype, device, non_blocking, copy, memory_format = _parse_to(args, dict(kwargs))
    if device is not None and device.type == "cpu" and device.index is None:
        pass
    same_dtype = dtype is None or dtype is self.dtype
    same_dev = device is None or (device.type == self.device.type)
    if same_dtype and same_dev and not copy and (
            memory_format in (None, _layout.preserve_format) or
            self.is_contiguous(memory_format)):
        return self
    kw = {}
    if dtype is not None and (not same_dtype or copy):
        kw["dtype"] = dtype
    if device is not None and not same_dev:
        kw["device"] = device
    if memory_format is not None:
        kw["memory_format"] = memory_format
    return aten._to_copy.default(self, **kw)


# PyTorch's aten::to overloads (CompositeImplicitAutograd, as the method above): a mode sees
# them only where they are called below autograd, as PyTorch's ZeroTensor kernels call them
def _to_overloads():
    def impl(self, dtype=None, device=None, non_blocking=False, copy=False,
             memory_format=None):
        kw = {"non_blocking": non_blocking, "copy": copy, "memory_format": memory_format}
        if dtype is not None:
            kw["dtype"] = dtype
        if device is not None:
            kw["device"] = device
        return to(self, **kw)

    tail = "bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None) -> " \
        "Tensor(a)"
    defop("to.dtype_layout(Tensor(a) self, *, ScalarType? dtype=None, Layout? layout=None, "
          "Device? device=None, bool? pin_memory=None, " + tail).composite(
        lambda self, *, dtype=None, layout=None, device=None, pin_memory=None, **kw:
            impl(self, dtype, device, **kw))
    defop("to.device(Tensor(a) self, Device device, ScalarType dtype, " + tail).composite(
        lambda self, device, dtype, *a, **kw: impl(self, dtype, device, *a, **kw))
    defop("to.dtype(Tensor(a) self, ScalarType dtype, " + tail).composite(
        lambda self, dtype, *a, **kw: impl(self, dtype, None, *a, **kw))
    defop("to.other(Tensor(a) self, Tensor other, " + tail).composite(
        lambda self, other, *a, **kw: impl(self, other.dtype, other.device, *a, **kw))


_to_overloads()


def _conv(name, dt):
    def fn(self, memory_format=_layout.preserve_format):
        if memory_format is _layout.preserve_format:
            return self.to(dt)
        return self.to(dt, memory_format=memory_format)  # (a copy when the layout differs)
    fn.__name__ = name
    method(name)(fn)


for _n, _d in (("float", _dtype.float32), ("double", _dtype.float64), ("half", _dtype.float16),
               ("bfloat16", _dtype.bfloat16), ("int", _dtype.int32), ("long", _dtype.int64),
               ("short", _dtype.int16), ("char", _dtype.int8), ("byte", _dtype.uint8),
               ("bool", _dtype.bool), ("cfloat", _dtype.complex64),
               ("cdouble", _dtype.complex128)):
    _conv(_n, _d)


@method("cpu")
def cpu(self, memory_format=_layout.preserve_format):
    if memory_format is _layout.preserve_format:
        return self.to("cpu")
    return self.to("cpu", memory_format=memory_format)


@method("cuda")
def cuda(self, device=None, non_blocking=False, memory_format=_layout.preserve_format):
    return self.to("cuda" if device is None else device)


@method("type_as")
def type_as(self, other):
    """``self.type(other.type())``: other's dtype *and* device type (PyTorch's legacy types)."""
    return self.to(device=other.device.type, dtype=other.dtype)


# ---- copy_ --------------------------------------------------------------------------------------
copy_ = defop("copy_(Tensor(a!) self, Tensor src, bool non_blocking=False) -> Tensor(a!)")


def _broadcast_into(dst_shape, src_shape):
    try:
        np.broadcast_shapes(tuple(src_shape), tuple(dst_shape))
        if np.broadcast_shapes(tuple(src_shape), tuple(dst_shape)) != tuple(dst_shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, dst_shape))}] doesn't match the broadcast "
            f"shape [{', '.join(map(str, np.broadcast_shapes(tuple(src_shape), tuple(dst_shape))))}]"
            if _broadcastable(src_shape, dst_shape) else
            str(broadcast_error((tuple(dst_shape), tuple(src_shape))))) from None


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(tuple(a), tuple(b))
        return True
    except ValueError:
        return False


def _same_data(self, src):
    """copy_impl's ``is_same_data`` for two tensors whose memory may overlap: two views of
    the same elements, alike in every way."""
    x, y = self._np, src._np
    return x.shape == y.shape and x.strides == y.strides and x.dtype == y.dtype and \
        self.dtype is src.dtype and not (self._ks ^ src._ks) & _MATH_BITS and \
        x.__array_interface__["data"][0] == y.__array_interface__["data"][0]


@copy_.cpu_ks
def _(ks, self, src, non_blocking=False):
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    if src._np is None:
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    if self is src:
        return self  # (copy_impl's early exits: nothing to copy)
    shared = may_share(self._np, src._np)
    if shared and _same_data(self, src):
        return self
    # (its TensorIterator's overlap checks, before the shapes)
    check_mem_overlaps(self, (src,) if shared else ())
    _broadcast_into(self._size, src._size)
    to_real = _complex_to_real_warning(src.dtype, self.dtype)
    s = src._np
    if (src._ks | self._ks) & _MATH_BITS:
        # logical values in; a conjugate / negative destination stores their conjugate /
        # negation (its own logical values then equal the source's)
        s = logical_values(src)
        if self._ks & _CONJ and self.dtype.is_complex:
            s = np.conj(s)
        if self._ks & _NEG:
            s = np.negative(s)
    if to_real:
        s = s.real  # (NumPy would warn again, with its own ComplexWarning)
    if np.shares_memory(self._np, s) and s is not self._np:
        s = s.copy()
    with np.errstate(all="ignore"):
        self._np[...] = s  # (np.copyto(casting="unsafe"), without its Python dispatcher)
    return self


@copy_.meta
def _(self, src, non_blocking=False):
    if self.device.type != "meta":
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    _broadcast_into(self._size, src._size)
    return self


public("copy_", copy_, function=False)
copy_.derivative("torch::autograd::CopyBackwards", self="zeros_like(grad)",
                 src="handle_r_to_c(src_scalar_type, grad)",
                 result="copy_jvp(self_t_raw, self, src_t_raw)")


# ---- fill_ / zero_ ------------------------------------------------------------------------------
fill_scalar = defop("fill_.Scalar(Tensor(a!) self, Scalar value) -> Tensor(a!)")
fill_tensor = defop("fill_.Tensor(Tensor(a!) self, Tensor value) -> Tensor(a!)")
zero_ = defop("zero_(Tensor(a!) self) -> Tensor(a!)")


@fill_scalar.cpu_ks
def _(ks, self, value):
    check_scalar_fits(value, self.dtype)
    self._np[...] = np_scalar(value, self.dtype)
    return self


@fill_tensor.cpu_ks
def _(ks, self, value):
    if value.dim() != 0:
        raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.dim()} dimensions.")
    self._np[...] = value._np.astype(self.dtype._np)
    return self


@zero_.cpu_ks
def _(ks, self):
    self._np[...] = 0
    return self


@fill_scalar.meta
@fill_tensor.meta
def _(self, value):
    return self


@zero_.meta
def _(self):
    return self


public("fill_", fill_scalar, fill_tensor, function=False)
public("zero_", zero_)
fill_scalar.derivative("FillBackward2", self="zeros_like(grad)", result="self_t.fill_(0)")
fill_tensor.derivative("FillBackward3", self="zeros_like(grad)", value="grad.sum()",
                       result="self_t.fill_(value_t)")
zero_.derivative(self="zeros_like(grad)", result="auto_linear")

fill = defop("fill.Scalar(Tensor self, Scalar value) -> Tensor", tags=("core",))
fill.derivative(self="zeros_like(grad)", result="aten.fill.Scalar(self_t, 0)")


@fill.explicit
def _(self, value):
    from ._ops_registry import aten
    return aten.fill_.Scalar(aten.clone.default(self), value)


fill_t = defop("fill.Tensor(Tensor self, Tensor value) -> Tensor")
fill_t.derivative("FillBackward1", self="zeros_like(grad)", value="grad.sum()",
                  result="aten.fill.Tensor(self_t, value_t)")


@fill_t.explicit
def _(self, value):
    from ._ops_registry import aten
    return aten.fill_.Tensor(aten.clone.default(self), value)


public("fill", fill_t, fill, method=False)


# ---- resize_ ------------------------------------------------------------------------------------
resize_ = defop("resize_(Tensor(a!) self, SymInt[] size, *, MemoryFormat? memory_format=None) "
                "-> Tensor(a!)", tags=("core", "inplace_view"))


@resize_.explicit
def _(self, size, *, memory_format=None):
    size = tuple(int(s) for s in size)
    if size != tuple(self._size):  # (else strides kept, as PyTorch's resize_impl_cpu_)
        if any(s < 0 for s in size):
            if 0 not in size:  # (c10's numel of the sizes read as unsigned)
                raise RuntimeError("numel: integer multiplication overflow")
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: "
                               f"[{', '.join(map(str, size))}]")
        storage = self._untyped_storage()
        n = 1
        for s in size:
            n *= s
        need = (self._offset + n) * self.dtype.itemsize
        if need > storage.nbytes():
            storage.resize_(need)
        _restride(self, size, contiguous_strides(size))
    if memory_format is not None:
        # (after the resize, as PyTorch: a refused format leaves the new sizes)
        _restride(self, size, _format_strides(size, memory_format))
    return self


def _format_strides(size, memory_format):
    """empty_tensor_restride's strides for ``memory_format`` (preserve_format refused)."""
    if memory_format is _layout.preserve_format:
        raise RuntimeError("Unsupported memory formatPreserve")
    return memory_format_strides(size, None, memory_format)


def _restride(self, size, stride):
    t = make_tensor(self._untyped_storage(), size, stride, self._offset, self.dtype,
                    self.device)
    self._np, self._size, self._stride_ = t._np, t._size, t._stride_


_BELOW_ADIOV = ~(above(K.ADInplaceOrView) | bit(K.ADInplaceOrView)) | bit(K.PythonDispatcher)
_BELOW_AUTOGRAD = ~(AUTOGRAD_BITS | above(K.AutogradMeta)) | bit(K.PythonDispatcher)


@resize_.impl(K.ADInplaceOrView, with_keyset=True)
def _(ks, self, size, **kwargs):
    # (as PyTorch's manual ADInplaceOrView kernel: the version moves only when the sizes do)
    before = self._size
    r = resize_.op.redispatch(ks & _BELOW_ADIOV, self, size, **kwargs)
    if tuple(before) != tuple(size):
        self._vc[0] += 1
    return r


@resize_.impl(K.Autograd, with_keyset=True)
def _(ks, self, size, **kwargs):
    # (VariableTypeManual's resize_: refused for a tensor that requires grad, in any grad mode)
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    r = resize_.op.redispatch(ks & _BELOW_AUTOGRAD, self, size, **kwargs)
    if _has_level0_tangent(self):
        raise RuntimeError("cannot resize variables that has a forward grad")
    return r


def _has_level0_tangent(t):
    from ..autograd.derivatives import FW
    if not FW.active:
        return False
    from ..autograd._fw_grad import fw_grad
    return fw_grad(t, 0) is not None


public("resize_", resize_, function=False)


resize_as_ = defop("resize_as_(Tensor(a!) self, Tensor the_template, *, "
                   "MemoryFormat? memory_format=None) -> Tensor(a!)", tags=("inplace_view",))


@resize_as_.explicit
def _(self, the_template, *, memory_format=None):
    # (PyTorch's kernel: resize_ to the template's sizes, then restride; preserve_format
    # takes the template's suggested format)
    from ._ops_registry import aten
    aten.resize_.default(self, list(the_template._size))
    if memory_format is not None:
        if memory_format is _layout.preserve_format:
            memory_format = suggest_memory_format(the_template)
        _restride(self, self._size, _format_strides(self._size, memory_format))
    return self


@resize_as_.impl(K.ADInplaceOrView, with_keyset=True)
def _(ks, self, the_template, **kwargs):
    # (VariableTypeManual's: the version moves when the sizes change; the resize_ it runs,
    # below ADInplaceOrView, moves nothing)
    before = tuple(self._size)
    prev = _tls.excluded
    _tls.excluded = prev | NESTED_EXCLUDED
    try:
        r = resize_as_.op.redispatch(ks & _BELOW_ADIOV, self, the_template, **kwargs)
    finally:
        _tls.excluded = prev
    if before != tuple(the_template._size):
        self._vc[0] += 1
    return r


@resize_as_.impl(K.Autograd, with_keyset=True)
def _(ks, self, the_template, **kwargs):
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    r = resize_as_.op.redispatch(ks & _BELOW_AUTOGRAD, self, the_template, **kwargs)
    if _has_level0_tangent(self):
        raise RuntimeError("cannot resize variables that has a forward grad")
    return r


_CL_ORDER = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}  # (innermost first)


def suggest_memory_format(t):
    """c10's suggest_memory_format: channels_last(_3d) when ``t``'s strides are laid out that
    way (ambiguous size-1 layouts read as contiguous), else contiguous_format."""
    size, stride = t._size, t.stride()
    order = _CL_ORDER.get(len(size))
    if order is None or stride[1] == 0:
        return _layout.contiguous_format
    lo = 0
    for d in order:
        if size[d] == 0 or stride[d] < lo or (d == 0 and lo == stride[1]):
            return _layout.contiguous_format
        lo = stride[d] * (size[d] if size[d] > 1 else 1)
    return _layout.channels_last if len(size) == 4 else _layout.channels_last_3d


public("resize_as_", resize_as_, function=True)


@method("resize_")
def _resize_method(self, *sizes, memory_format=None):
    """``t.resize_(2, 3)`` or ``t.resize_((2, 3))``, as PyTorch's ``resize_(*sizes)``."""
    sizes = int_varargs(sizes, "resize_", "size")
    if memory_format is not None and not isinstance(memory_format, _layout.memory_format):
        raise TypeError("resize_(): argument 'memory_format' must be torch.memory_format, not "
                        f"{type(memory_format).__name__}")
    from ._ops_registry import aten
    kw = {} if memory_format is None else {"memory_format": memory_format}
    return aten.resize_.default(self, sizes, **kw)


# ---- detach -------------------------------------------------------------------------------------
detach = defop("detach(Tensor(a) self) -> Tensor(a)")


@detach.explicit
def _(self):
    if not self._ks & ADIOV_BIT:
        # an inference tensor's detach is one too, with a version counter of its own
        # (shallow_copy_and_detach(version_counter=0), which ADInplaceOrView leaves alone)
        t = make_tensor(self._untyped_storage(), self._size, self.stride(), self._offset,
                        self.dtype, self.device, vc=[0])
        t._ks &= ~INFERENCE_STRIP
        return t
    a = self._np  # (a new ndarray object over the same elements: cheaper than one over storage)
    return make_tensor(self._untyped_storage(), self._size, self.stride(), self._offset,
                       self.dtype, self._device, vc=self._vc, arr=None if a is None else a.view())


public("detach", detach)
detach.nondifferentiable()


# ---- contiguous ---------------------------------------------------------------------------------
@method("contiguous")
def contiguous(self, memory_format=_layout.contiguous_format):
    """``self`` if already contiguous in ``memory_format``, else a contiguous clone."""
    from ._ops_registry import aten
    if self.is_contiguous(memory_format):
        return self
    return aten.clone.default(self, memory_format=memory_format)


# ---- _local_scalar_dense (item) -------------------------------------------------------------
_local_scalar_dense = defop("_local_scalar_dense(Tensor self) -> Scalar",
                            tags=("core", "data_dependent_output"))
_local_scalar_dense.nondifferentiable()


@_local_scalar_dense.cpu_ks
def _(ks, self):
    n = self.numel()
    if n != 1:
        raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
    v = self._np.reshape(-1)[0]
    return _py_scalar(v if self.dtype._np.kind != "V" else float(v), self.dtype)


@_local_scalar_dense.meta
def _(self):
    raise RuntimeError("Tensor.item() cannot be called on meta tensors")
