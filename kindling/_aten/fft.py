"""``torch.fft`` as aten ops, defined at their first use (``install``, see ``_aten/_lazy.py``).

PyTorch computes every transform with three kernels, and so does kindling:

- ``_fft_c2c(self, dim, normalization, forward)``: complex to complex over ``dim``;
- ``_fft_r2c(self, dim, normalization, onesided)``: real to complex (the last of ``dim`` halved
  when ``onesided``);
- ``_fft_c2r(self, dim, normalization, last_dim_size)``: the inverse, Hermitian input.

``normalization`` is c10's ``fft_norm_mode``: 0 none, 1 by 1/sqrt(n), 2 by 1/n.  The CPU kernels
are NumPy's pocketfft; the results have the strides PyTorch's MKL kernels give them (batch dims
outermost in the input's stride order, then the transformed dims: ``_exec_strides``).  The
``fft_*`` functions (``fft_fft``, ``fft_rfftn``...) are CompositeImplicitAutograd
decompositions into these, written as PyTorch's ``SpectralOps.cpp`` writes them: dtype
promotion, resizing by slicing or zero-padding, conjugates for the inverse real transforms.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype, _layout
from .._dispatcher.keys import K
from .._tensor import from_array
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import warn_once, wrap_dim
from ._variants import resize_out

NONE, BY_ROOT_N, BY_N = 0, 1, 2  # (c10's fft_norm_mode)

# NumPy's ``norm=`` for each mode, for a forward and an inverse transform
_NP_NORM = {True: {NONE: "backward", BY_ROOT_N: "ortho", BY_N: "forward"},
            False: {NONE: "forward", BY_ROOT_N: "ortho", BY_N: "backward"}}


def _np_norm(forward, normalization):
    """NumPy's ``norm=`` for c10's mode (any other number scales by 1/n, as MKL's kernels)."""
    return _NP_NORM[bool(forward)][normalization if normalization in (NONE, BY_ROOT_N) else BY_N]


OPS: dict = {}  # "fft_fft" / "fft_fft.out" -> OpDef


# ---- output geometry (MKL's _exec_fft) ----------------------------------------------------------
def _sort_dims(stride, dims, exclude_last=False):
    """The transformed dims by decreasing input stride (the last kept last if ``exclude_last``)."""
    dims = list(dims)
    end = len(dims) - int(exclude_last)
    dims[:end] = sorted(dims[:end], key=lambda d: stride[d], reverse=True)
    return dims


def _exec_strides(stride, out_size, dims):
    """The strides of a transform's result over ``dims`` (in this order): one contiguous block
    per batch element, the batch dims outermost in decreasing input stride."""
    ndim = len(out_size)
    chosen = set(dims)
    batch = sorted((d for d in range(ndim) if d not in chosen), key=lambda d: stride[d],
                   reverse=True)
    out = [0] * ndim
    step = 1
    for d in reversed(dims):
        out[d] = step
        step *= max(out_size[d], 1)
    numel = 1
    for d in reversed(batch):
        out[d] = numel * step
        numel *= out_size[d]
    return tuple(out)


def _c2c_geometry(size, stride, dims):
    return tuple(size), _exec_strides(stride, size, _sort_dims(stride, dims))


def _r2c_geometry(size, stride, dims, onesided):
    out_size = list(size)
    if onesided:
        out_size[dims[-1]] = size[dims[-1]] // 2 + 1
    return tuple(out_size), _exec_strides(stride, out_size, _sort_dims(stride, dims, True))


def _c2r_geometry(size, stride, dims, last_dim_size):
    if len(dims) > 1:  # (MKL: a C2C transform over the others first, then a 1-D C2R)
        _, stride = _c2c_geometry(size, stride, dims[:-1])
    out_size = list(size)
    out_size[dims[-1]] = last_dim_size
    return tuple(out_size), _exec_strides(stride, out_size, dims[-1:])


def _strided(values, stride):
    """A fresh tensor holding ``values`` with strides ``stride``."""
    if values.size == 0:
        t = from_array(np.empty(values.shape, values.dtype))
    else:
        span = 1 + sum((n - 1) * s for n, s in zip(values.shape, stride))
        buf = np.empty(span, values.dtype)
        arr = np.lib.stride_tricks.as_strided(
            buf, values.shape, [s * values.itemsize for s in stride])
        arr[...] = values
        t = from_array(arr)
    t._stride_ = tuple(stride)
    return t


# ---- the kernels --------------------------------------------------------------------------------
def _check_complex(self):
    if not self.dtype.is_complex:
        raise RuntimeError(f"Only supports complex dtypes, but found: {self.dtype._scalar_name}")


def _check_real(self):
    if not self.dtype.is_floating_point:
        raise RuntimeError(
            f"Only supports floating-point dtypes, but found: {self.dtype._scalar_name}")


def _check_cpu_dtype(self):
    if self.dtype.itemsize < (8 if self.dtype.is_complex else 4):  # (half precision)
        raise RuntimeError(
            f"MKL FFT doesn't support tensors of type: {self.dtype._scalar_name}")


def _dims(self, dim):
    if not dim:  # (the last of ``dim`` is the one halved)
        raise RuntimeError("ArrayRef: attempted to access back() of empty list")
    return [wrap_dim(d, self.dim()) for d in dim]


def _c2c_cpu(self, dim, normalization, forward):
    _check_complex(self)
    _check_cpu_dtype(self)
    if not dim:
        return aten.clone.default(self)
    dims = _dims(self, dim)
    fn = np.fft.fftn if forward else np.fft.ifftn
    r = fn(self._np, axes=dims, norm=_np_norm(forward, normalization))
    return _strided(r.astype(self.dtype._np, copy=False), _c2c_geometry(
        self.shape, self.stride(), dims)[1])


def _c2c_meta(self, dim, normalization, forward):
    _check_complex(self)
    if not dim:
        return aten.clone.default(self)
    size, stride = _c2c_geometry(self.shape, self.stride(), _dims(self, dim))
    return empty_meta(size, self.dtype, stride)


def _r2c_cpu(self, dim, normalization, onesided):
    _check_real(self)
    _check_cpu_dtype(self)
    dims = _dims(self, dim)
    norm = _np_norm(True, normalization)
    a = self._np
    r = np.fft.rfftn(a, axes=dims, norm=norm) if onesided else \
        np.fft.fftn(a, axes=dims, norm=norm)
    out_dt = self.dtype.to_complex()
    size, stride = _r2c_geometry(self.shape, self.stride(), dims, onesided)
    return _strided(r.astype(out_dt._np, copy=False), stride)


def _r2c_meta(self, dim, normalization, onesided):
    _check_real(self)
    size, stride = _r2c_geometry(self.shape, self.stride(), _dims(self, dim), onesided)
    return empty_meta(size, self.dtype.to_complex(), stride)


def _c2r_cpu(self, dim, normalization, last_dim_size):
    _check_complex(self)
    _check_cpu_dtype(self)
    dims = _dims(self, dim)
    s = [self.shape[d] for d in dims[:-1]] + [last_dim_size]
    r = np.fft.irfftn(self._np, s=s, axes=dims, norm=_np_norm(False, normalization))
    out_dt = self.dtype.to_real()
    size, stride = _c2r_geometry(self.shape, self.stride(), dims, last_dim_size)
    return _strided(r.astype(out_dt._np, copy=False), stride)


def _c2r_meta(self, dim, normalization, last_dim_size):
    _check_complex(self)
    size, stride = _c2r_geometry(self.shape, self.stride(), _dims(self, dim), last_dim_size)
    return empty_meta(size, self.dtype.to_real(), stride)


def _out_kernel(fn):
    """An ``out=`` kernel: the result resized into ``out`` and copied there (PyTorch's
    ``_fft_*_mkl_out``)."""
    def kernel(*args, out):
        r = fn(*args)
        resize_out(out, r.shape)
        return aten.copy_.default(out, r)
    kernel.__name__ = fn.__name__ + "_out"
    return kernel


# ---- derivatives (FunctionsManual's fft_r2c_backward / fft_c2r_backward) ------------------------
def fft_r2c_backward(grad, dim, normalization, onesided, self_sym_sizes):
    """The onesided transform's gradient: the missing half filled with zeros, an inverse C2C
    transform, the real part."""
    if onesided:
        last = dim[-1]
        last_dim_size = self_sym_sizes[last]
        half = grad.shape[last]
        if last_dim_size - half > 0:
            shape = list(grad.shape)
            shape[last] = last_dim_size
            full = aten.new_zeros.default(grad, shape)
            aten.copy_.default(aten.slice.Tensor(full, last, 0, half), grad)
            grad = full
    return aten.real.default(aten._fft_c2c.default(grad, dim, normalization, False))


def fft_c2r_backward(grad, dim, normalization):
    """A onesided R2C transform of the gradient, the entries whose mirror images fall outside
    the half doubled."""
    gI = aten._fft_r2c.default(grad, dim, normalization, True)
    last = dim[-1]
    double_length = grad.shape[last] - gI.shape[last]
    if double_length > 0:
        aten.mul_.Scalar(aten.slice.Tensor(gI, last, 1, 1 + double_length), 2)
    return gI


def _c2c_backward(grad, dim, normalization, forward):
    return aten._fft_c2c.default(grad, dim, normalization, not forward)


# ---- the composite functions (SpectralOps.cpp) ---------------------------------------------------
def _norm_mode(norm, forward):
    """c10's ``norm_from_string``: NumPy's names, whose meaning depends on the direction."""
    if norm is None or norm == "backward":
        return NONE if forward else BY_N
    if norm == "forward":
        return BY_N if forward else NONE
    if norm == "ortho":
        return BY_ROOT_N
    raise RuntimeError(f'Invalid normalization mode: "{norm}"')


def _promote(t, require_complex=False):
    """``promote_tensor_fft``: integers to the default float dtype, then float32/float64 only
    (to their complex dtype when ``require_complex``)."""
    dt = t.dtype
    if dt.is_complex:
        return t
    new = dt if dt.is_floating_point else _dtype.get_default_dtype()
    if new is not _dtype.float32 and new is not _dtype.float64:
        raise RuntimeError(f"Unsupported dtype {new._scalar_name}")
    if require_complex:
        new = new.to_complex()
    return t if new is dt else t.to(new)


def _resize_input(x, dims, sizes):
    """``resize_fft_input``: sliced or zero-padded to ``sizes`` along ``dims``."""
    x_sizes = list(x.shape)
    pad = [0] * (2 * len(x_sizes))
    must_pad = False
    for d, s in zip(dims, sizes):
        if s == -1:
            continue
        if x_sizes[d] < s:
            must_pad = True
            pad[len(pad) - 2 * d - 1] = s - x_sizes[d]
        if x_sizes[d] > s:
            x = aten.slice.Tensor(x, d, 0, s)
    return aten.constant_pad_nd.default(x, pad) if must_pad else x


def _check_n(n):
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _maybe_out(op, fname, out, x, dims, norm, last):
    """The transform ``op`` (``_fft_c2c``/``_r2c``/``_c2r``; ``last``: its forward, onesided
    or last_dim_size argument), into ``out`` when given - after PyTorch's check of its kind
    (complex, or floating point for ``_fft_c2r``)."""
    if out is None:
        return op.default(x, dims, norm, last)
    if op is aten._fft_c2r:
        if not out.dtype.is_floating_point:
            raise RuntimeError(f"{fname} expects a floating point output tensor, but got "
                               f"{out.dtype._scalar_name}")
    elif not out.dtype.is_complex:
        raise RuntimeError(f"{fname} expects a complex output tensor, but got "
                           f"{out.dtype._scalar_name}")
    return op.out(x, dims, norm, last, out=out)


def _fft_c2c(fname, out, x, n, dim, norm, forward):
    if not x.dtype.is_complex:
        raise RuntimeError(f"{fname} expects a complex input tensor, but got "
                           f"{x.dtype._scalar_name}")
    d = wrap_dim(dim, x.dim(), wrap_scalar=False)
    size = x.shape[d] if n is None else n
    _check_n(size)
    if n is not None:
        x = _resize_input(x, [d], [n])
    return _maybe_out(aten._fft_c2c, fname, out, x, [d], _norm_mode(norm, forward), forward)


def _fft_r2c(fname, out, x, n, dim, norm, forward, onesided):
    if x.dtype.is_complex:
        raise RuntimeError(f"{fname} expects a real input tensor, but got "
                           f"{x.dtype._scalar_name}")
    if out is not None and not out.dtype.is_complex:
        raise RuntimeError(f"{fname} expects a complex output tensor, but got "
                           f"{out.dtype._scalar_name}")
    x = _promote(x)
    d = wrap_dim(dim, x.dim(), wrap_scalar=False)
    size = x.shape[d] if n is None else n
    _check_n(size)
    if n is not None:
        x = _resize_input(x, [d], [n])
    mode = _norm_mode(norm, forward)
    if out is not None and forward:
        return aten._fft_r2c.out(x, [d], mode, onesided, out=out)
    r = aten._fft_r2c.default(x, [d], mode, onesided)
    if forward:
        return r
    # (no native inverse R2C: the conjugate of the forward one)
    return aten.conj_physical.out(r, out=out) if out is not None else r.conj()


def _fft_c2r(fname, out, x, n, dim, norm, forward):
    if out is not None and not out.dtype.is_floating_point:
        raise RuntimeError(f"{fname} expects a floating point output tensor, but got "
                           f"{out.dtype._scalar_name}")
    x = _promote(x, require_complex=True)
    d = wrap_dim(dim, x.dim(), wrap_scalar=False)
    size = 2 * (x.shape[d] - 1) if n is None else n
    _check_n(size)
    if n is not None:
        x = _resize_input(x, [d], [n // 2 + 1])
    mode = _norm_mode(norm, forward)
    if forward:  # (no native forward C2R: the inverse one of the conjugate)
        x = x.conj()
    return _maybe_out(aten._fft_c2r, fname, out, x, [d], mode, size)


def _int_list(v):
    """An ``int[1]`` argument as a list (a single int stands for a list of one)."""
    return [v] if isinstance(v, int) or hasattr(v, "__index__") and not isinstance(
        v, (list, tuple)) else v


def _shape_and_dims(x, s, dim):
    """``canonicalize_fft_shape_and_dim_args``: the transformed dims and their sizes."""
    ndim = x.dim()
    sizes = x.shape
    s, dim = _int_list(s), _int_list(dim)
    dims = None
    if dim is not None:
        dims = [wrap_dim(d, ndim, wrap_scalar=False) for d in dim]
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
    if s is not None:
        if dim is not None and len(dim) != len(s):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        if len(s) > ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has "
                               f"{ndim} dimensions.")
        if dims is None:
            dims = list(range(ndim - len(s), ndim))
        shape = [sizes[d] if n == -1 else n for n, d in zip(s, dims)]
    elif dims is None:
        dims, shape = list(range(ndim)), list(sizes)
    else:
        shape = [sizes[d] for d in dims]
    for n in shape:
        if not n > 0:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return shape, dims


def _c2r_shape_and_dims(fname, x, s, dim):
    """``canonicalize_fft_c2r_shape_and_dim_args``: also the output's last transformed size."""
    shape, dims = _shape_and_dims(x, s, dim)
    s = _int_list(s)
    if not shape:
        raise RuntimeError(f"{fname} must transform at least one axis")
    if s is None or s[-1] == -1:
        last_dim_size = 2 * (x.shape[dims[-1]] - 1)
    else:
        last_dim_size = shape[-1]
    _check_n(last_dim_size)
    shape[-1] = last_dim_size // 2 + 1
    return shape, dims, last_dim_size


def _fftn(forward):
    def fftn(self, s=None, dim=None, norm=None, *, out=None):
        shape, dims = _shape_and_dims(self, s, dim)
        x = _resize_input(_promote(self, require_complex=True), dims, shape)
        return _maybe_out(aten._fft_c2c, "fftn", out, x, dims, _norm_mode(norm, forward), forward)
    return fftn


def _rfftn(self, s=None, dim=None, norm=None, *, out=None):
    if self.dtype.is_complex:
        raise RuntimeError(f"rfftn expects a real-valued input tensor, but got "
                           f"{self.dtype._scalar_name}")
    shape, dims = _shape_and_dims(self, s, dim)
    if not shape:
        raise RuntimeError("rfftn must transform at least one axis")
    x = _resize_input(_promote(self), dims, shape)
    return _maybe_out(aten._fft_r2c, "rfftn", out, x, dims, _norm_mode(norm, True), True)


def _irfftn(self, s=None, dim=None, norm=None, *, out=None):
    shape, dims, last_dim_size = _c2r_shape_and_dims("irfftn", self, s, dim)
    x = _resize_input(_promote(self, require_complex=True), dims, shape)
    return _maybe_out(aten._fft_c2r, "irfftn", out, x, dims, _norm_mode(norm, False),
                      last_dim_size)


def _hfftn(self, s=None, dim=None, norm=None, *, out=None):
    shape, dims, last_dim_size = _c2r_shape_and_dims("hfftn", self, s, dim)
    x = _resize_input(_promote(self, require_complex=True), dims, shape)
    mode = _norm_mode(norm, True)
    if len(dims) > 1:
        x = aten._fft_c2c.default(x, dims[:-1], mode, True)
    return _maybe_out(aten._fft_c2r, "hfftn", out, x.conj(), dims[-1:], mode, last_dim_size)


def _ihfftn(self, s=None, dim=None, norm=None, *, out=None):
    shape, dims = _shape_and_dims(self, s, dim)
    if not shape:
        raise RuntimeError("ihfftn must transform at least one axis")
    x = _resize_input(_promote(self), dims, shape)
    mode = _norm_mode(norm, False)
    r = aten._fft_r2c.default(x, dims[-1:], mode, True)
    if len(dims) == 1:
        return aten.conj_physical.out(r, out=out) if out is not None else r.conj()
    r = aten.conj_physical.default(r)
    return _maybe_out(aten._fft_c2c, "ihfftn", out, r, dims[:-1], mode, False)


def _one_dim(kind, fname, forward, onesided=None):
    def f(self, n=None, dim=-1, norm=None, *, out=None):
        if kind == "c2c_or_r2c":
            if self.dtype.is_complex:
                return _fft_c2c(fname, out, self, n, dim, norm, forward)
            return _fft_r2c(fname, out, self, n, dim, norm, forward, False)
        if kind == "r2c":
            return _fft_r2c(fname, out, self, n, dim, norm, forward, onesided)
        return _fft_c2r(fname, out, self, n, dim, norm, forward)
    return f


def _shift(half):
    def shift(self, dim=None):
        if dim is None:
            dims = list(range(self.dim()))
        else:
            dims = [wrap_dim(d, self.dim()) for d in _int_list(dim)]
        return aten.roll.default(self, [half(self.shape[d]) for d in dims], dims)
    return shift


def _half(n):
    return int(n / 2)  # (C++'s division, truncating toward zero)


def _fftfreq_into(out, n, d, rfft):
    if not (out.dtype.is_floating_point or out.dtype.is_complex):
        raise RuntimeError(("rfftfreq" if rfft else "fftfreq") +
                           " requires a floating point or complex dtype")
    if rfft:
        aten.arange.out(_half(n) + 1, out=out)
    else:
        aten.arange.out(n, out=out)
        right = aten.slice.Tensor(out, 0, _half(n + 1))
        aten.arange.start_out(-_half(n), 0, 1, out=right)
    nd = n * d
    return aten.mul_.Scalar(out, 1.0 / nd if nd != 0 else math.copysign(math.inf, nd))


def _freq(rfft):
    def functional(n, d=1.0, *, dtype=None, layout=None, device=None, pin_memory=None):
        dt = _dtype.get_default_dtype() if dtype is None else dtype
        out = aten.empty.memory_format([_half(n) + 1 if rfft else n], dtype=dt, layout=layout,
                                       device=device, pin_memory=pin_memory)
        return _fftfreq_into(out, n, d, rfft)

    def out_form(n, d=1.0, *, out):
        return _fftfreq_into(out, n, d, rfft)
    return functional, out_form


# ---- definitions --------------------------------------------------------------------------------
_ONE_DIM = "(Tensor self, SymInt? n=None, int dim=-1, str? norm=None"
_TWO_DIM = "(Tensor self, SymInt[1]? s=None, int[1] dim=[-2, -1], str? norm=None"
_N_DIM = "(Tensor self, SymInt[1]? s=None, int[1]? dim=None, str? norm=None"
_OUT = ", *, Tensor(a!) out) -> Tensor(a!)"


def _define_kernel_op(name, args, cpu, meta, backward, backward_name, tags=()):
    d = defop(f"{name}({args}) -> Tensor", tags=tags)
    d.impl(K.CPU)(cpu)
    d.impl(K.Meta)(meta)
    d.derivative(backward_name, self=backward, result="auto_linear")
    d.complex_autograd = True  # (in PyTorch's GRADIENT_IMPLEMENTED_FOR_COMPLEX)
    o = defop(f"{name}.out({args}{_OUT}")
    o.impl(K.CPU)(_out_kernel(cpu))
    o.impl(K.Meta)(_out_kernel(meta))
    OPS[name], OPS[name + ".out"] = d, o


def _define_composite(name, args, fn):
    if args is _TWO_DIM:  # (kernels get the arguments as given: the schema's default here)
        fn = _two_dim(fn)
    d = defop(f"{name}{args}) -> Tensor")
    d.composite(lambda *a, **k: fn(*a, **k))
    o = defop(f"{name}.out{args}{_OUT}")
    o.composite(fn)
    OPS[name], OPS[name + ".out"] = d, o


def _two_dim(fn):
    def two_dim(self, s=None, dim=(-2, -1), norm=None, *, out=None):
        return fn(self, s, dim, norm, out=out)
    return two_dim


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    _define_kernel_op("_fft_r2c", "Tensor self, int[] dim, int normalization, bool onesided",
                      _r2c_cpu, _r2c_meta, fft_r2c_backward, "FftR2CBackward0", ("core",))
    _define_kernel_op("_fft_c2r",
                      "Tensor self, int[] dim, int normalization, SymInt last_dim_size",
                      _c2r_cpu, _c2r_meta, fft_c2r_backward, "FftC2RBackward0", ("core",))
    _define_kernel_op("_fft_c2c", "Tensor self, SymInt[] dim, int normalization, bool forward",
                      _c2c_cpu, _c2c_meta, _c2c_backward, "FftC2CBackward0")
    one_dim = {"fft": ("c2c_or_r2c", True, None), "ifft": ("c2c_or_r2c", False, None),
               "rfft": ("r2c", True, True), "irfft": ("c2r", False, None),
               "hfft": ("c2r", True, None), "ihfft": ("r2c", False, True)}
    for n, (kind, forward, onesided) in one_dim.items():
        _define_composite("fft_" + n, _ONE_DIM, _one_dim(kind, n, forward, onesided))
    n_dim = {"fft": _fftn(True), "ifft": _fftn(False), "rfft": _rfftn,
             "irfft": _irfftn, "hfft": _hfftn, "ihfft": _ihfftn}
    for n in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"):
        _define_composite(f"fft_{n}2", _TWO_DIM, n_dim[n])
        _define_composite(f"fft_{n}n", _N_DIM, n_dim[n])
    for name, rfft in (("fft_fftfreq", False), ("fft_rfftfreq", True)):
        functional, out_form = _freq(rfft)
        d = defop(f"{name}(int n, float d=1., *, ScalarType? dtype=None, Layout? layout=None, "
                  "Device? device=None, bool? pin_memory=None) -> Tensor")
        d.explicit(functional)
        o = defop(f"{name}.out(int n, float d=1.{_OUT}")
        o.explicit(out_form)
        OPS[name], OPS[name + ".out"] = d, o
    for name, half in (("fft_fftshift", lambda n: n // 2),
                       ("fft_ifftshift", lambda n: (n + 1) // 2)):
        d = defop(f"{name}(Tensor self, int[1]? dim=None) -> Tensor")
        d.composite(_shift(half))
        OPS[name] = d
    install_stft()


# ---- stft / istft (SpectralOps.cpp) -----------------------------------------------------------
_STFT_NO_WINDOW = (
    "A window was not provided. A rectangular window will be applied,which is known to cause "
    "spectral leakage. Other windows such as torch.hann_window or torch.hamming_window are "
    "recommended to reduce spectral leakage.To suppress this warning and use a rectangular "
    "window, explicitly set `window=torch.ones(n_fft, device=<device>)`.")
_ISTFT_NO_WINDOW = (
    "A window was not provided. A rectangular window will be applied.Please provide the same "
    "window used by stft to make the inversion lossless.To suppress this warning and use a "
    "rectangular window, explicitly set `window=torch.ones(n_fft, device=<device>)`.")
_STFT_REAL_DEPRECATED = (
    "stft with return_complex=False is deprecated. In a future pytorch release, stft will "
    "return complex tensors for all inputs, and return_complex=False will raise an error.\n"
    "Note: you can still call torch.view_as_real on the complex output to recover the old "
    "return format.")


def _type_str(t):
    """``Tensor::toString()``: the legacy type name (``torch.DoubleTensor``), or
    ``CPUComplexDoubleType`` for the complex dtypes, which have none."""
    if t.dtype.is_complex:
        return f"CPU{t.dtype._scalar_name}Type"
    return t.type()


def _opt(v):
    return "None" if v is None else str(int(v)) if isinstance(v, bool) else str(v)


def _sizes(t):
    return "[" + ", ".join(str(n) for n in t.shape) + "]"


def _window_str(window):
    return "None" if window is None else f"{_type_str(window)}{{{_sizes(window)}}}"


def _stft(self, n_fft, hop_length=None, win_length=None, window=None, normalized=False,
          onesided=None, return_complex=None, align_to_window=None):
    hop = n_fft >> 2 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    rc = return_complex if return_complex is not None else (
        self.dtype.is_complex or (window is not None and window.dtype.is_complex))
    if not rc:
        if return_complex is None:
            raise RuntimeError(
                "stft requires the return_complex parameter be given for real inputs, and "
                "will further require that return_complex=True in a future PyTorch release.")
        warn_once(_STFT_REAL_DEPRECATED)
    if window is None:
        warn_once(_STFT_NO_WINDOW)

    def fail(text):
        raise RuntimeError(
            f"stft({_type_str(self)}{_sizes(self)}, n_fft={n_fft}, hop_length={hop}, "
            f"win_length={win}, window={_window_str(window)}, normalized={int(normalized)}, "
            f"onesided={_opt(onesided)}, return_complex={_opt(return_complex)}, "
            f"align_to_window={_opt(align_to_window)}) : {text}")
    if not (self.dtype.is_floating_point or self.dtype.is_complex):
        fail("expected a tensor of floating point or complex values")
    if self.dim() not in (1, 2):
        fail("expected a 1D or 2D tensor")
    x = aten.unsqueeze.default(self, 0) if self.dim() == 1 else self
    batch, length = x.shape
    if n_fft <= 0 or n_fft > length:
        fail(f"expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop <= 0:
        fail(f"expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        fail(f"expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.dim() != 1 or window.shape[0] != win):
        fail(f"expected a 1D window tensor of size equal to win_length={win}, but got window "
             f"with size {_sizes(window)}")
    w = window
    left = (n_fft - win) // 2
    if win < n_fft:  # (the window centred in n_fft points)
        like = self if window is None else window
        w = aten.zeros.default([n_fft], dtype=like.dtype, layout=like.layout, device=like.device)
        part = aten.slice.Tensor(w, 0, left, left + win)
        if window is None:
            aten.fill_.Scalar(part, 1)
        else:
            aten.copy_.default(part, window)
        if align_to_window:
            x = aten.constant_pad_nd.default(x, [left, left], 0.0)
            length = x.shape[1]
    n_frames = 1 + (length - n_fft) // hop
    st = x.stride()
    x = aten.as_strided.default(x, [batch, n_frames, n_fft], [st[0], hop * st[1], st[1]])
    if w is not None:
        x = aten.mul.Tensor(x, w)
    complex_fft = x.dtype.is_complex
    one = (not complex_fft) if onesided is None else onesided
    norm = BY_ROOT_N if normalized else NONE
    if complex_fft:
        if one:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        out = aten._fft_c2c.default(x, [2], norm, True)
    else:
        out = aten._fft_r2c.default(x, [2], norm, one)
    aten.transpose_.default(out, 1, 2)
    if self.dim() == 1:
        aten.squeeze_.dim(out, 0)
    return out if rc else aten.view_as_real.default(out)


def _stft_center(self, n_fft, hop_length=None, win_length=None, window=None, center=True,
                 pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
                 align_to_window=None):
    if center:
        if align_to_window is not None:
            raise RuntimeError("stft align_to_window should only be set when center = false")
        self = center_pad(self, n_fft, pad_mode)
    return _stft(self, n_fft, hop_length, win_length, window, normalized, onesided,
                 return_complex, align_to_window)


def center_pad(x, n_fft, pad_mode):
    """``torch.stft``'s ``center=True`` padding: ``n_fft // 2`` on both ends of the signal, by
    ``F.pad`` in ``pad_mode`` over a 3-D view."""
    from .. import nn
    signal_dim = x.dim()
    pad = int(n_fft // 2)
    x = aten.view.default(x, [1] * (3 - signal_dim) + list(x.shape))
    x = nn.functional.pad(x, [pad, pad], pad_mode)
    return aten.view.default(x, list(x.shape[-signal_dim:]))


def _istft(self, n_fft, hop_length=None, win_length=None, window=None, center=True,
           normalized=False, onesided=None, length=None, return_complex=False):
    hop = n_fft >> 2 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if not self.dtype.is_complex:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True.")
    if window is None:
        warn_once(_ISTFT_NO_WINDOW)
    x = aten.view_as_real.default(aten.resolve_conj.default(self))
    input_dim = x.dim()
    n_frames, fft_size = x.shape[wrap_dim(-2, input_dim)], x.shape[wrap_dim(-3, input_dim)]
    expected_len = n_fft + hop * (n_frames - 1)

    def fail(text):
        raise RuntimeError(
            f"istft({_type_str(self)}{_sizes(self)}, n_fft={n_fft}, hop_length={hop}, "
            f"win_length={win}, window={_window_str(window)}, center={int(center)}, "
            f"normalized={int(normalized)}, onesided={_opt(onesided)}, "
            f"length={_opt(length)}, return_complex={int(return_complex)}) {text}")
    if x.numel() == 0:
        fail(": input tensor cannot be empty.")
    if input_dim not in (3, 4):
        fail(f": expected a tensor with 3 or 4 dimensions, but got {input_dim}")
    one = fft_size != n_fft if onesided is None else onesided
    if one and n_fft // 2 + 1 != fft_size:
        fail(": expected the frequency dimension (3rd to the last) of the input tensor to "
             f"match n_fft / 2 + 1 when onesided=True, but got {fft_size}")
    if not one and n_fft != fft_size:
        fail(": expected the frequency dimension (3rd to the last) of the input tensor to "
             f"match n_fft when onesided=False, but got {fft_size}")
    if not 0 < hop <= win:
        fail(": expected 0 < hop_length <= win_length")
    if not 0 < win <= n_fft:
        fail(": expected 0 < win_length <= n_fft")
    if window is not None and (window.dim() != 1 or window.shape[0] != win):
        fail(": Invalid window shape. window has to be 1D and length of `win_length`")
    w = window if window is not None else aten.ones.default(
        [win], dtype=x.dtype, device=x.device)
    if win != n_fft:  # (the window centred in n_fft points)
        left = (n_fft - win) // 2
        w = aten.constant_pad_nd.default(w, [left, n_fft - win - left], 0)
    if input_dim == 3:
        x = aten.unsqueeze.default(x, 0)
    x = aten.view_as_complex.default(aten.transpose.int(x, 1, 2))
    norm = BY_ROOT_N if normalized else BY_N
    if return_complex:
        if one:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        x = aten._fft_c2c.default(x, [x.dim() - 1], norm, False)
    else:
        if window is not None and window.dtype.is_complex:
            raise RuntimeError("Complex windows are incompatible with return_complex=False")
        if not one:
            x = aten.slice.Tensor(x, -1, 0, n_fft // 2 + 1)
        x = aten._fft_c2r.default(x, [x.dim() - 1], norm, n_fft)
    y = aten.mul.Tensor(x, aten.view.default(w, [1, 1, n_fft]))
    # overlap-add of the frames, and of the squared window (the normaliser)
    y = aten.unfold_backward.default(y, [y.shape[0], expected_len], 1, n_fft, hop)
    w2 = aten.expand.default(aten.pow.Tensor_Scalar(w, 2), [1, n_frames, n_fft])
    envelope = aten.unfold_backward.default(w2, [1, expected_len], 1, n_fft, hop)
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else (-(n_fft // 2) if center else expected_len)
    y = aten.slice.Tensor(y, 1, start, end)
    envelope = aten.slice.Tensor(envelope, 1, start, end)
    lowest = aten.lt.Scalar(aten.min.default(aten.abs.default(envelope)), 1e-11)
    if aten.equal.default(lowest, aten.new_ones.default(
            lowest, [], dtype=_dtype.bool, layout=_layout.strided, device=lowest.device)):
        fail("window overlap add min: 1\n[ CPUBoolType{} ]")  # (the 0-d tensor, printed)
    y = aten.div.Tensor(y, envelope)
    if input_dim == 3:
        y = aten.squeeze.dim(y, 0)
    if end > expected_len:
        warn_once("The length of signal is shorter than the length parameter. Result is being "
                   "padded with zeros in the tail. Please check your center and hop_length "
                   "settings.")
        y = aten.constant_pad_nd.default(y, [0, end - expected_len], 0)
    return y


def install_stft():
    """``stft`` (with its ``center`` overload) and ``istft``: composites of the transforms."""
    stft = defop("stft(Tensor self, int n_fft, int? hop_length=None, int? win_length=None, "
                 "Tensor? window=None, bool normalized=False, bool? onesided=None, "
                 "bool? return_complex=None, bool? align_to_window=None) -> Tensor")
    stft.composite(_stft)
    center = defop("stft.center(Tensor self, int n_fft, int? hop_length=None, "
                   "int? win_length=None, Tensor? window=None, bool center=True, "
                   "str pad_mode=\"reflect\", bool normalized=False, bool? onesided=None, "
                   "bool? return_complex=None, bool? align_to_window=None) -> Tensor")
    center.composite(_stft_center)
    istft = defop("istft(Tensor self, int n_fft, int? hop_length=None, int? win_length=None, "
                  "Tensor? window=None, bool center=True, bool normalized=False, "
                  "bool? onesided=None, int? length=None, bool return_complex=False) -> Tensor")
    istft.composite(_istft)
    OPS["stft"], OPS["stft.center"], OPS["istft"] = stft, center, istft
