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

from .. import _dtype
from .._dispatcher import operator as _opreg
from .._dispatcher.keys import K
from .._tensor import from_array
from ._copy_out import copy_results_out
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import wrap_dim

NONE, BY_ROOT_N, BY_N = 0, 1, 2  # (c10's fft_norm_mode)

# NumPy's ``norm=`` for each mode, for a forward and an inverse transform
_NP_NORM = {True: {NONE: "backward", BY_ROOT_N: "ortho", BY_N: "forward"},
            False: {NONE: "forward", BY_ROOT_N: "ortho", BY_N: "backward"}}

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


def _dims(self, dim):
    return [wrap_dim(d, self.dim()) for d in dim]


def _c2c_cpu(self, dim, normalization, forward):
    _check_complex(self)
    if not dim:
        return aten.clone.default(self)
    dims = _dims(self, dim)
    fn = np.fft.fftn if forward else np.fft.ifftn
    r = fn(self._np, axes=dims, norm=_NP_NORM[bool(forward)][normalization])
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
    dims = _dims(self, dim)
    norm = _NP_NORM[True][normalization]
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
    dims = _dims(self, dim)
    s = [self.shape[d] for d in dims[:-1]] + [last_dim_size]
    r = np.fft.irfftn(self._np, s=s, axes=dims, norm=_NP_NORM[False][normalization])
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
        copy_results_out([out], [fn(*args)])
        return out
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


def _constant_pad_nd(x, pad):
    """Zero padding after the end of dims: ``constant_pad_nd`` as PyTorch's, or zeros with
    ``x`` copied in where kindling has no such op yet."""
    if _opreg.find("aten::constant_pad_nd") is not None:
        return aten.constant_pad_nd.default(x, pad)
    shape = list(x.shape)
    n = len(shape)
    for d in range(n):
        shape[d] += pad[2 * (n - 1 - d) + 1]
    full = aten.new_zeros.default(x, shape)
    view = full
    for d in range(n):
        if shape[d] != x.shape[d]:
            view = aten.slice.Tensor(view, d, 0, x.shape[d])
    aten.copy_.default(view, x)
    return full


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
    return _constant_pad_nd(x, pad) if must_pad else x


def _check_n(n):
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _c2c_maybe_out(fname, out, x, dims, norm, forward):
    if out is not None:
        if not out.dtype.is_complex:
            raise RuntimeError(f"{fname} expects a complex output tensor, but got "
                               f"{out.dtype._scalar_name}")
        return aten._fft_c2c.out(x, dims, norm, forward, out=out)
    return aten._fft_c2c.default(x, dims, norm, forward)


def _r2c_maybe_out(fname, out, x, dims, norm, onesided):
    if out is not None:
        if not out.dtype.is_complex:
            raise RuntimeError(f"{fname} expects a complex output tensor, but got "
                               f"{out.dtype._scalar_name}")
        return aten._fft_r2c.out(x, dims, norm, onesided, out=out)
    return aten._fft_r2c.default(x, dims, norm, onesided)


def _c2r_maybe_out(fname, out, x, dims, norm, last_dim_size):
    if out is not None:
        if not out.dtype.is_floating_point:
            raise RuntimeError(f"{fname} expects a floating point output tensor, but got "
                               f"{out.dtype._scalar_name}")
        return aten._fft_c2r.out(x, dims, norm, last_dim_size, out=out)
    return aten._fft_c2r.default(x, dims, norm, last_dim_size)


def _fft_c2c(fname, out, x, n, dim, norm, forward):
    if not x.dtype.is_complex:
        raise RuntimeError(f"{fname} expects a complex input tensor, but got "
                           f"{x.dtype._scalar_name}")
    d = wrap_dim(dim, x.dim(), wrap_scalar=False)
    size = x.shape[d] if n is None else n
    _check_n(size)
    if n is not None:
        x = _resize_input(x, [d], [n])
    return _c2c_maybe_out(fname, out, x, [d], _norm_mode(norm, forward), forward)


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
    return _c2r_maybe_out(fname, out, x, [d], mode, size)


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
        return _c2c_maybe_out("fftn", out, x, dims, _norm_mode(norm, forward), forward)
    return fftn


def _rfftn(self, s=None, dim=None, norm=None, *, out=None):
    if self.dtype.is_complex:
        raise RuntimeError(f"rfftn expects a real-valued input tensor, but got "
                           f"{self.dtype._scalar_name}")
    shape, dims = _shape_and_dims(self, s, dim)
    if not shape:
        raise RuntimeError("rfftn must transform at least one axis")
    x = _resize_input(_promote(self), dims, shape)
    return _r2c_maybe_out("rfftn", out, x, dims, _norm_mode(norm, True), True)


def _irfftn(self, s=None, dim=None, norm=None, *, out=None):
    shape, dims, last_dim_size = _c2r_shape_and_dims("irfftn", self, s, dim)
    x = _resize_input(_promote(self, require_complex=True), dims, shape)
    return _c2r_maybe_out("irfftn", out, x, dims, _norm_mode(norm, False), last_dim_size)


def _hfftn(self, s=None, dim=None, norm=None, *, out=None):
    shape, dims, last_dim_size = _c2r_shape_and_dims("hfftn", self, s, dim)
    x = _resize_input(_promote(self, require_complex=True), dims, shape)
    mode = _norm_mode(norm, True)
    if len(dims) > 1:
        x = aten._fft_c2c.default(x, dims[:-1], mode, True)
    return _c2r_maybe_out("hfftn", out, x.conj(), dims[-1:], mode, last_dim_size)


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
    return _c2c_maybe_out("ihfftn", out, r, dims[:-1], mode, False)


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


def _fftfreq_into(out, n, d, rfft):
    if not (out.dtype.is_floating_point or out.dtype.is_complex):
        raise RuntimeError(("rfftfreq" if rfft else "fftfreq") +
                           " requires a floating point or complex dtype")
    if rfft:
        aten.arange.out(n // 2 + 1, out=out)
    else:
        aten.arange.out(n, out=out)
        right = aten.slice.Tensor(out, 0, (n + 1) // 2)
        aten.arange.start_out(-(n // 2), 0, 1, out=right)
    nd = n * d
    return aten.mul_.Scalar(out, 1.0 / nd if nd != 0 else math.copysign(math.inf, nd))


def _freq(rfft):
    def functional(n, d=1.0, *, dtype=None, layout=None, device=None, pin_memory=None):
        dt = _dtype.get_default_dtype() if dtype is None else dtype
        out = aten.empty.memory_format([0], dtype=dt, layout=layout, device=device,
                                       pin_memory=pin_memory)
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
    d = defop(f"{name}{args}) -> Tensor")
    d.composite(lambda *a, **k: fn(*a, **k))
    o = defop(f"{name}.out{args}{_OUT}")
    o.composite(fn)
    OPS[name], OPS[name + ".out"] = d, o


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
