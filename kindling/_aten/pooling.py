"""Pooling ops, as PyTorch layers them (defined at first use: see ``_aten/_lazy.py``):

- ``max_pool2d_with_indices`` / ``max_pool3d_with_indices`` and their ``_backward`` ops
  (MaxPool2DWithIndicesBackward0...; the backward's own derivative gathers by the indices);
- ``avg_pool2d`` / ``avg_pool3d`` (count_include_pad, divisor_override, ceil_mode) and their
  ``_backward`` ops;
- ``_adaptive_avg_pool2d/3d`` (+ ``_backward``) and ``adaptive_max_pool2d/3d`` (+ ``_backward``);
- the CompositeImplicitAutograd front ends: ``max_pool1d/2d/3d``, ``max_pool1d_with_indices``,
  ``avg_pool1d``, ``adaptive_avg_pool1d/2d/3d`` (a 1x1 output is a ``mean``), ``adaptive_max_pool1d``:
  the 1-d ones run the 2-d op on ``unsqueeze(-2)``.

NumPy kernels in ``_pool_np``.
"""
from __future__ import annotations

import numpy as np

from . import _pool_np as P
from ._api import public
from ._copy_out import out_overload
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from .conv import _sizes

_AXES = {2: ("H", "W"), 3: ("T", "H", "W")}


def _not_implemented(name, t):
    raise NotImplementedError(f"\"{name}\" not implemented for '{t.dtype._scalar_name}'")


def _int_param(name, v, nd, fn, allow_empty=False):
    v = [int(x) for x in v] if isinstance(v, (list, tuple)) else [int(v)]
    if allow_empty and not v:
        return None
    if len(v) not in (1, nd):
        word = "two" if nd == 2 else "three"
        if name == "stride":
            raise RuntimeError(f"{fn}: stride must either be omitted, a single int, or a tuple "
                               f"of {word} ints")
        be = "be either" if name == "dilation" else "either be"
        raise RuntimeError(f"{fn}: {name} must {be} a single int, or a tuple of {word} ints")
    return v * nd if len(v) == 1 else v


def _output_size(in_size, k, pad, stride, dilation, ceil_mode):
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if pad > ((k - 1) * dilation + 1) // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={pad}, kernel_size={k} and dilation={dilation}")
    return P.pooling_output_size(in_size, k, pad, stride, dilation, ceil_mode)


def _pool_params(fn, nd, kernel_size, stride, padding, dilation):
    ks = _int_param("kernel_size", kernel_size, nd, fn)
    st = _int_param("stride", stride, nd, fn, allow_empty=True)
    pad = _int_param("padding", padding, nd, fn)
    dil = _int_param("dilation", dilation, nd, fn) if dilation is not None else [1] * nd
    return ks, (ks if st is None else st), pad, dil


def _shape_check(nd, input, ks, st, pad, dil, out, fn, avg3d=False):
    names = _AXES[nd]
    if any(k <= 0 for k in ks):
        raise RuntimeError("kernel size should be greater than zero, but got " + " ".join(
            f"k{n}: {k}" for n, k in zip(names, ks)))
    if any(s <= 0 for s in st):
        raise RuntimeError("stride should be greater than zero, but got " + " ".join(
            f"d{n}: {s}" for n, s in zip(names, st)))
    if any(d <= 0 for d in dil):
        raise RuntimeError("dilation should be greater than zero, but got " + " ".join(
            f"dilation{n}: {d}" for n, d in zip(names, dil)))
    shape = tuple(input.shape)
    ins = shape[-nd:]
    if nd == 2:
        valid = shape[1] != 0 and shape[2] != 0
        if not ((len(shape) == 3 and shape[0] != 0 and valid) or
                (len(shape) == 4 and valid and shape[3] != 0)):
            raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                               f"size for input, but got:{_sizes(shape)}")
        if not (ks[1] // 2 >= pad[1] and ks[0] // 2 >= pad[0]):
            raise RuntimeError("pad should be smaller than or equal to half of kernel size, but "
                               f"got padW = {pad[1]}, padH = {pad[0]}, kW = {ks[1]}, kH = {ks[0]}")
    else:
        if len(shape) not in (4, 5):
            raise RuntimeError(f"{fn}: Expected 4D or 5D tensor for input, but got: "
                               f"{_sizes(shape)}")
        for i, s in enumerate(shape):
            if not (len(shape) == 5 and i == 0) and s <= 0:
                raise RuntimeError(f"{fn}: Expected input's non-batch dimensions to have "
                                   f"positive length, but input has a shape of {_sizes(shape)} "
                                   f"and non-batch dimension {s} has length zero!")
        if avg3d and not all(i >= k for i, k in zip(ins, ks)):
            raise RuntimeError(f"input image (T: {ins[0]} H: {ins[1]} W: {ins[2]}) smaller than "
                               f"kernel size (kT: {ks[0]} kH: {ks[1]} kW: {ks[2]})")
        if not all(k // 2 >= p for k, p in zip(ks, pad)):
            raise RuntimeError("pad should be smaller than or equal to half of kernel size, but "
                               f"got kT: {ks[0]} kW: {ks[2]} kH: {ks[1]} padT: {pad[0]} "
                               f"padW: {pad[2]} padH: {pad[1]}")
    if any(o < 1 for o in out):
        planes = str(shape[-nd - 1])
        raise RuntimeError(f"Given input size: ({planes}x{'x'.join(map(str, ins))}). Calculated "
                           f"output size: ({planes}x{'x'.join(map(str, out))}). Output size is "
                           "too small")


# ---- max pool ----------------------------------------------------------------------------------
def _max_plan(nd, input, kernel_size, stride, padding, dilation, ceil_mode):
    fn = f"max_pool{nd}d"
    ks, st, pad, dil = _pool_params(fn, nd, kernel_size, stride, padding, dilation)
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for "
                           "input")
    out = [_output_size(input.shape[-nd + i], ks[i], pad[i], st[i], dil[i], ceil_mode)
           for i in range(nd)]
    _shape_check(nd, input, ks, st, pad, dil, out,
                 f"max_pool{nd}d_with_indices_out_cpu_template()" if nd == 3 else fn)
    if input.dtype._name == "bool" or input.dtype.is_complex:
        _not_implemented(fn, input)
    return ks, st, pad, dil, out


def _max_pool_with_indices(nd):
    def cpu(ks_, self, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
        from .._tensor import from_array
        ks, st, pad, dil, out = _max_plan(nd, self, kernel_size, stride, padding, dilation,
                                          ceil_mode)
        vals, idx = P.max_pool(self._np, nd, ks, st, pad, dil, out)
        return from_array(vals), from_array(idx)

    def meta(self, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
        from .. import _dtype
        out = _max_plan(nd, self, kernel_size, stride, padding, dilation, ceil_mode)[-1]
        shape = list(self.shape[:-nd]) + out
        return empty_meta(shape, self.dtype), empty_meta(shape, _dtype.int64)
    return cpu, meta


def _max_pool_backward(nd):
    def cpu(ks_, grad_output, self, kernel_size, stride, padding, dilation, ceil_mode, indices):
        from .._tensor import from_array
        _max_plan(nd, self, kernel_size, stride, padding, dilation, ceil_mode)
        return from_array(P.scatter_by_indices(grad_output._np, indices._np, tuple(self.shape),
                                               nd).astype(self._np.dtype, copy=False))

    def meta(grad_output, self, kernel_size, stride, padding, dilation, ceil_mode, indices):
        return empty_meta(self.shape, self.dtype)
    return cpu, meta


def max_pool_double_backward(grad, indices, dim):
    """The gradient of a pool's backward for its ``grad_output``: ``grad`` gathered at the
    indices (PyTorch's ``max_pool_double_backward``)."""
    if indices.numel() == 0:
        return aten.empty_like.default(indices, dtype=grad.dtype)
    size = list(indices.shape[:indices.dim() - dim]) + [-1]
    return aten.gather.default(grad.contiguous().view(size), -1,
                               indices.view(size)).view(list(indices.shape))


def _double_backward(nd):
    def formula(grad, indices):
        return max_pool_double_backward(grad, indices, nd)
    return formula


def _adaptive_avg_double_backward(nd):
    def formula(grad, grad_output):
        return getattr(aten, f"_adaptive_avg_pool{nd}d").default(
            grad, list(grad_output.shape[-nd:]))
    return formula


def _gather_jvp(nd):
    def jvp(self_t, result1):
        flat = self_t.flatten(-nd)
        return aten.gather.default(flat, -1, result1.flatten(-nd)).view_as(result1), None
    return jvp


# ---- avg pool ----------------------------------------------------------------------------------
def _avg_plan(nd, input, kernel_size, stride, padding, ceil_mode, divisor_override):
    fn = f"avg_pool{nd}d"
    ks, st, pad, _ = _pool_params(fn, nd, kernel_size, stride, padding, None)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if nd == 2:
        for d in (-3,) + ((-4,) if input.dim() == 4 else ()):
            if not -input.dim() <= d:
                raise IndexError(f"Dimension out of range (expected to be in range of "
                                 f"[{-input.dim()}, {input.dim() - 1}], but got {d})")
    elif input.dim() not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    out = [_output_size(input.shape[-nd + i], ks[i], pad[i], st[i], 1, ceil_mode)
           for i in range(nd)]
    _shape_check(nd, input, ks, st, pad, [1] * nd, out, fn, avg3d=True)
    if input.dtype._name == "bool" or input.dtype.is_complex:
        _not_implemented("avg_pool3d_out_frame" if nd == 3 and not input.dtype.is_complex
                         else fn, input)
    return ks, st, pad, out


def _avg_pool(nd):
    def cpu(ks_, self, kernel_size, stride=(), padding=0, ceil_mode=False,
            count_include_pad=True, divisor_override=None):
        from .._tensor import from_array
        ks, st, pad, out = _avg_plan(nd, self, kernel_size, stride, padding, ceil_mode,
                                     divisor_override)
        return from_array(P.avg_pool(self._np, nd, ks, st, pad, out, count_include_pad,
                                     divisor_override))

    def meta(self, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True,
             divisor_override=None):
        out = _avg_plan(nd, self, kernel_size, stride, padding, ceil_mode, divisor_override)[-1]
        return empty_meta(list(self.shape[:-nd]) + out, self.dtype)
    return cpu, meta


def _avg_pool_backward(nd):
    def cpu(ks_, grad_output, self, kernel_size, stride, padding, ceil_mode, count_include_pad,
            divisor_override):
        from .._tensor import from_array
        ks, st, pad, out = _avg_plan(nd, self, kernel_size, stride, padding, ceil_mode,
                                     divisor_override)
        return from_array(P.avg_pool_backward(grad_output._np, tuple(self.shape), nd, ks, st,
                                              pad, count_include_pad, divisor_override))

    def meta(grad_output, self, kernel_size, stride, padding, ceil_mode, count_include_pad,
             divisor_override):
        return empty_meta(self.shape, self.dtype)
    return cpu, meta


# ---- adaptive pools ----------------------------------------------------------------------------
def _sized(v, nd):
    """An ``int[nd]`` argument as a list (a bare int stands for all dims)."""
    return [int(x) for x in v] if isinstance(v, (list, tuple)) else [int(v)] * nd


def _adaptive_check(name, nd, input, output_size, internal=False):
    if len(output_size) != nd:
        if internal:
            raise RuntimeError(f"{name}(): internal error: output_size.size() must be {nd}")
        raise RuntimeError(f"{name}: output_size must be {nd}")
    if input.dim() not in (nd + 1, nd + 2):
        colon = ":" if internal else ""
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got{colon} "
                           f"{_sizes(input.shape)}")
    for i in range(input.dim() - nd - 1, input.dim()):
        if input.shape[i] <= 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {_sizes(input.shape)} with "
                               f"dimension {i} being empty")


def _adaptive_dtype_check(name, nd, input, complex_ok):
    dt = input.dtype
    if not (dt.is_floating_point or (complex_ok and dt.is_complex)):
        _not_implemented(name if nd == 2 else f"{name}_cpu", input)


def _adaptive_avg(nd):
    name = f"adaptive_avg_pool{nd}d"

    def cpu(ks_, self, output_size):
        from .._tensor import from_array
        output_size = _sized(output_size, nd)
        _adaptive_check(name, nd, self, output_size)
        _adaptive_dtype_check(name, nd, self, False)
        return from_array(P.adaptive_avg_pool(self._np, nd, output_size))

    def meta(self, output_size):
        output_size = _sized(output_size, nd)
        _adaptive_check(name, nd, self, output_size)
        return empty_meta(list(self.shape[:-nd]) + [int(o) for o in output_size], self.dtype)

    def bw_cpu(ks_, grad_output, self):
        from .._tensor import from_array
        return from_array(P.adaptive_avg_pool_backward(grad_output._np, tuple(self.shape), nd)
                          .astype(self._np.dtype, copy=False))

    def bw_meta(grad_output, self):
        return empty_meta(self.shape, self.dtype)
    return cpu, meta, bw_cpu, bw_meta


def _adaptive_max(nd):
    name = f"adaptive_max_pool{nd}d"

    def plan(self, output_size):
        output_size = _sized(output_size, nd)
        _adaptive_check(name, nd, self, output_size, internal=True)
        out = [int(o) for o in output_size]
        if any(o < 0 for o in out):
            raise RuntimeError(f"Trying to create tensor with negative dimension "
                               f"{min(out)}: {_sizes(list(self.shape[:-nd]) + out)}")
        _adaptive_dtype_check(name, nd, self, False)
        return out

    def cpu(ks_, self, output_size):
        from .._tensor import from_array
        vals, idx = P.adaptive_max_pool(self._np, nd, plan(self, output_size))
        return from_array(vals), from_array(idx)

    def meta(self, output_size):
        from .. import _dtype
        shape = list(self.shape[:-nd]) + plan(self, output_size)
        return empty_meta(shape, self.dtype), empty_meta(shape, _dtype.int64)

    def bw_cpu(ks_, grad_output, self, indices):
        from .._tensor import from_array
        return from_array(P.scatter_by_indices(grad_output._np, indices._np, tuple(self.shape),
                                               nd).astype(self._np.dtype, copy=False))

    def bw_meta(grad_output, self, indices):
        return empty_meta(self.shape, self.dtype)
    return cpu, meta, bw_cpu, bw_meta


# ---- fractional max pool -----------------------------------------------------------------------
def _fractional_plan(nd, self, kernel_size, output_size, random_samples):
    fn = f"fractional_max_pool{nd}d"
    where = f"{fn}()" if nd == 2 else f"{fn}_out()"
    ks, out = _one(kernel_size), _one(output_size)
    ks, out = (ks * nd if len(ks) == 1 else ks), (out * nd if len(out) == 1 else out)
    if len(ks) != nd:
        raise RuntimeError(f"{fn}: kernel_size must either be a single Int or tuple of Ints")
    if len(out) != nd:
        raise RuntimeError(f"{fn}: output_size must either be a single Int or tuple of Ints")
    shape = tuple(self.shape)
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"{where}: Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{_sizes(shape)}")
    for i in range(1, len(shape)):
        if shape[i] <= 0:
            raise RuntimeError(f"{where}: Expected input to have non-zero size for non-batch "
                               f"dimensions, but got{_sizes(shape)} with dimension {i} being "
                               "empty.")
    ins = shape[-nd:]
    # (the 3-d kernel checks time, width, height, and wants a strictly smaller reach)
    order = ((0, "height"), (1, "width")) if nd == 2 else \
        ((0, "time"), (2, "width"), (1, "height"))
    for d, name in order:
        reach = out[d] + ks[d] - 1
        if reach > ins[d] or (nd == 3 and reach == ins[d]):
            raise RuntimeError(f"{where}: pool {name} {ks[d]} too large relative to input "
                               f"{name} {ins[d]}")
    batch = shape[0] if len(shape) == nd + 2 else 1
    if random_samples.dim() != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got "
                           f"{random_samples.dim()}")
    if random_samples.shape[0] < batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if random_samples.shape[2] != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got "
                           f"{random_samples.shape[2]}.")
    if random_samples.dtype is not self.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if not self.dtype.is_floating_point:
        _not_implemented(f"{fn}_out_frame", self)
    return ks, out


def _fractional(nd):
    axes = (1, 0) if nd == 2 else (0, 1, 2)   # (which sample each spatial dim reads)

    def cpu(ks_, self, kernel_size, output_size, random_samples):
        from .._tensor import from_array
        ks, out = _fractional_plan(nd, self, kernel_size, output_size, random_samples)
        x = self._np if self.dim() == nd + 2 else self._np[None]
        vals, idx = P.fractional_max_pool(x, nd, ks, out, random_samples._np, axes)
        if self.dim() != nd + 2:
            vals, idx = vals[0], idx[0]
        return from_array(vals), from_array(idx)

    def meta(self, kernel_size, output_size, random_samples):
        from .. import _dtype
        out = _fractional_plan(nd, self, kernel_size, output_size, random_samples)[1]
        shape = list(self.shape[:-nd]) + out
        return empty_meta(shape, self.dtype), empty_meta(shape, _dtype.int64)

    def bw_cpu(ks_, grad_output, self, kernel_size, output_size, indices):
        from .._tensor import from_array
        return from_array(P.scatter_by_indices(grad_output._np, indices._np, tuple(self.shape),
                                               nd).astype(self._np.dtype, copy=False))

    def bw_meta(grad_output, self, kernel_size, output_size, indices):
        return empty_meta(self.shape, self.dtype)
    return cpu, meta, bw_cpu, bw_meta


# ---- front ends --------------------------------------------------------------------------------
def _one(v):
    return [int(x) for x in v] if isinstance(v, (list, tuple)) else [int(v)]


def _check_dim_range(name, t, lo, hi):
    if not lo <= t.dim() < hi:
        raise RuntimeError(f"Expected {lo} to {hi - 1} dimensions, but got {t.dim()}-dimensional "
                           f"tensor for argument #1 'self' (while checking arguments for {name})")


def _check1d(fn, arg, v):
    if len(v) != 1:
        raise RuntimeError(f"{fn}() argument '{arg}' should contain one int (got {len(v)})")


def _max_pool1d_with_indices(self, kernel_size, stride=(), padding=(0,), dilation=(1,),
                             ceil_mode=False):
    kernel_size, stride, padding, dilation = map(_one, (kernel_size, stride, padding, dilation))
    if not stride:
        stride = kernel_size
    _check_dim_range("max_pool1d", self, 2, 4)
    for arg, v in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding),
                   ("dilation", dilation)):
        _check1d("max_pool1d", arg, v)
    out, idx = aten.max_pool2d_with_indices.default(
        aten.unsqueeze.default(self, -2), [1, kernel_size[0]], [1, stride[0]], [0, padding[0]],
        [1, dilation[0]], ceil_mode)
    return aten.squeeze.dim(out, -2), aten.squeeze.dim(idx, -2)


def _check_max_pool1d(self, kernel_size, stride, padding, dilation, ceil_mode):
    if self.dim() not in (2, 3):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{_sizes(self.shape)}")
    if len(kernel_size) != 1:
        raise RuntimeError("max_pool1d() kernel_size must be an int, list of ints or tuple of "
                           f"ints of size 1 but got size {len(kernel_size)}")
    if len(stride) not in (0, 1):
        raise RuntimeError("max_pool1d() stride must be None, an int, list of ints, or tuple of "
                           f"ints of size 1 but got size {len(stride)}")
    if len(padding) != 1:
        raise RuntimeError("max_pool1d() padding must be an int, list of ints, or tuple of ints "
                           f"of size 1 but got size {len(padding)}")
    if len(dilation) != 1:
        raise RuntimeError("max_pool1d() dilation must be an int, list of ints or tuple of ints "
                           f"of size 1 but got size {len(dilation)}")
    stride = stride or kernel_size
    k, s, p, d = kernel_size[0], stride[0], padding[0], dilation[0]
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError("max_pool1d() padding should be at most half of kernel size, but got "
                           f"padding={p} and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    ow = _output_size(self.shape[-1], k, p, s, d, ceil_mode)
    if ow <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {ow}")


def _max_pool1d(self, kernel_size, stride=(), padding=(0,), dilation=(1,), ceil_mode=False):
    kernel_size, stride, padding, dilation = map(_one, (kernel_size, stride, padding, dilation))
    _check_max_pool1d(self, kernel_size, stride, padding, dilation, ceil_mode)
    return aten.max_pool1d_with_indices.default(self, kernel_size, stride, padding, dilation,
                                                ceil_mode)[0]


def _max_pool_nd(nd):
    def f(self, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
        op = getattr(aten, f"max_pool{nd}d_with_indices").default
        return op(self, kernel_size, stride, padding, dilation, ceil_mode)[0]
    return f


def _avg_pool1d(self, kernel_size, stride=(), padding=(0,), ceil_mode=False,
                count_include_pad=True):
    kernel_size, stride, padding = map(_one, (kernel_size, stride, padding))
    if not stride:
        stride = kernel_size
    _check_dim_range("avg_pool1d", self, 2, 4)
    for arg, v in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding)):
        _check1d("avg_pool1d", arg, v)
    out = aten.avg_pool2d.default(aten.unsqueeze.default(self, -2), [1, kernel_size[0]],
                                  [1, stride[0]], [0, padding[0]], ceil_mode, count_include_pad)
    return aten.squeeze.dim(out, -2)


def _adaptive_avg_pool1d(self, output_size):
    _check_dim_range("adaptive_avg_pool1d", self, 2, 4)
    output_size = _one(output_size)
    _check1d("adaptive_avg_pool1d", "output_size", output_size)
    out = aten.adaptive_avg_pool2d.default(aten.unsqueeze.default(self, -2),
                                           [1, output_size[0]])
    return aten.squeeze.dim(out, -2)


def _adaptive_avg_pool_nd(nd):
    def f(self, output_size):
        output_size = _sized(output_size, nd)
        if len(output_size) != nd:
            raise RuntimeError(f"adaptive_avg_pool{nd}d: output_size must be {nd}")
        if any(o < 0 for o in output_size):
            raise RuntimeError(f"adaptive_avg_pool{nd}d: elements of output_size must be greater "
                               "than or equal to 0 but received {" +
                               ", ".join(map(str, output_size)) + "}")
        if all(o == 1 for o in output_size):
            return aten.mean.dim(self, list(range(-1, -nd - 1, -1)), True)
        return getattr(aten, f"_adaptive_avg_pool{nd}d").default(self, output_size)
    return f


def _adaptive_max_pool1d(self, output_size):
    _check_dim_range("adaptive_max_pool1d", self, 2, 4)
    output_size = _one(output_size)
    _check1d("adaptive_max_pool1d", "output_size", output_size)
    out, idx = aten.adaptive_max_pool2d.default(aten.unsqueeze.default(self, -2),
                                                [1, output_size[0]])
    return aten.squeeze.dim(out, -2), aten.squeeze.dim(idx, -2)


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    defs = {}
    for nd in (2, 3):
        a = f"int[{nd}]"
        mp = defop(f"max_pool{nd}d_with_indices(Tensor self, {a} kernel_size, {a} stride=[], "
                   f"{a} padding=0, {a} dilation=1, bool ceil_mode=False) -> (Tensor, Tensor)",
                   tags=("core",))
        cpu, meta = _max_pool_with_indices(nd)
        mp.cpu_ks(cpu)
        mp.meta(meta)
        mp.output_differentiability = [True, False]
        mp.derivative(f"MaxPool{nd}DWithIndicesBackward0",
                      self=f"aten.max_pool{nd}d_with_indices_backward.default(grad, self, "
                           "kernel_size, stride, padding, dilation, ceil_mode, result1)",
                      result=_gather_jvp(nd))
        mpb = defop(f"max_pool{nd}d_with_indices_backward(Tensor grad_output, Tensor self, "
                    f"{a} kernel_size, {a} stride, {a} padding, {a} dilation, bool ceil_mode, "
                    "Tensor indices) -> Tensor", tags=("core",) if nd == 2 else ())
        cpu, meta = _max_pool_backward(nd)
        mpb.cpu_ks(cpu)
        mpb.meta(meta)
        mpb.derivative(f"MaxPool{nd}DWithIndicesBackwardBackward0",
                       grad_output=_double_backward(nd),
                       self="zeros_like(self)", result="auto_linear")

        ap = defop(f"avg_pool{nd}d(Tensor self, {a} kernel_size, {a} stride=[], {a} padding=0, "
                   "bool ceil_mode=False, bool count_include_pad=True, int? divisor_override="
                   "None) -> Tensor", tags=("core",))
        cpu, meta = _avg_pool(nd)
        ap.cpu_ks(cpu)
        ap.meta(meta)
        ap.derivative(f"AvgPool{nd}DBackward0",
                      self=f"aten.avg_pool{nd}d_backward.default(grad, self, kernel_size, "
                           "stride, padding, ceil_mode, count_include_pad, divisor_override)",
                      result="auto_linear")
        apb = defop(f"avg_pool{nd}d_backward(Tensor grad_output, Tensor self, {a} kernel_size, "
                    f"{a} stride, {a} padding, bool ceil_mode, bool count_include_pad, "
                    "int? divisor_override) -> Tensor", tags=("core",) if nd == 2 else ())
        cpu, meta = _avg_pool_backward(nd)
        apb.cpu_ks(cpu)
        apb.meta(meta)
        apb.derivative(f"AvgPool{nd}DBackwardBackward0",
                       grad_output=f"aten.avg_pool{nd}d.default(grad, kernel_size, stride, "
                                   "padding, ceil_mode, count_include_pad, divisor_override)",
                       self="zeros_like(self)",
                       result=f"aten.avg_pool{nd}d_backward.default(grad_output_t, self_p, "
                              "kernel_size, stride, padding, ceil_mode, count_include_pad, "
                              "divisor_override)")

        cpu, meta, bw_cpu, bw_meta = _adaptive_avg(nd)
        aa = defop(f"_adaptive_avg_pool{nd}d(Tensor self, SymInt[{nd}] output_size) -> Tensor",
                   tags=("core",))
        aa.cpu_ks(cpu)
        aa.meta(meta)
        aa.derivative(f"AdaptiveAvgPool{nd}DBackward0",
                      self=f"aten._adaptive_avg_pool{nd}d_backward.default(grad, self)",
                      result="auto_linear")
        aab = defop(f"_adaptive_avg_pool{nd}d_backward(Tensor grad_output, Tensor self) -> "
                    "Tensor", tags=("core",) if nd == 2 else ())
        aab.cpu_ks(bw_cpu)
        aab.meta(bw_meta)
        aab.derivative(f"AdaptiveAvgPool{nd}DBackwardBackward0",
                       grad_output=_adaptive_avg_double_backward(nd),
                       self="zeros_like(self)",
                       result=f"aten._adaptive_avg_pool{nd}d_backward.default(grad_output_t, "
                              "self_p)")

        cpu, meta, bw_cpu, bw_meta = _adaptive_max(nd)
        am = defop(f"adaptive_max_pool{nd}d(Tensor self, int[{nd}] output_size) -> "
                   "(Tensor, Tensor)")
        am.cpu_ks(cpu)
        am.meta(meta)
        am.output_differentiability = [True, False]
        am.derivative(f"AdaptiveMaxPool{nd}DBackward0",
                      self=f"aten.adaptive_max_pool{nd}d_backward.default(grad, self, result1)",
                      result=_gather_jvp(nd))
        amb = defop(f"adaptive_max_pool{nd}d_backward(Tensor grad_output, Tensor self, "
                    "Tensor indices) -> Tensor")
        amb.cpu_ks(bw_cpu)
        amb.meta(bw_meta)
        amb.derivative(f"AdaptiveMaxPool{nd}DBackwardBackward0",
                       grad_output=_double_backward(nd),
                       self="zeros_like(self)", result="auto_linear")
        for d, ov, names, gen in ((mp, "out", ("out", "indices"), False),
                                  (mpb, "grad_input", ("grad_input",), False),
                                  (ap, "out", ("out",), False),
                                  (apb, "grad_input", ("grad_input",), False),
                                  (aa, "out", ("out",), True), (aab, "out", ("out",), True),
                                  (am, "out", ("out", "indices"), False),
                                  (amb, "grad_input", ("grad_input",), False)):
            out_overload(d, ov, names, gen)
        defs[f"max_pool{nd}d_with_indices"] = mp
        defs[f"avg_pool{nd}d"] = ap
        defs[f"_adaptive_avg_pool{nd}d"] = aa
        defs[f"adaptive_max_pool{nd}d"] = am

        f = defop(f"max_pool{nd}d(Tensor self, {a} kernel_size, {a} stride=[], {a} padding=0, "
                  f"{a} dilation=1, bool ceil_mode=False) -> Tensor")
        f.composite(_max_pool_nd(nd))
        defs[f"max_pool{nd}d"] = f
        f = defop(f"adaptive_avg_pool{nd}d(Tensor self, SymInt[{nd}] output_size) -> Tensor")
        f.composite(_adaptive_avg_pool_nd(nd))
        out_overload(f, generated=False)
        defs[f"adaptive_avg_pool{nd}d"] = f

    for nd in (2, 3):
        a = f"int[{nd}]"
        cpu, meta, bw_cpu, bw_meta = _fractional(nd)
        fm = defop(f"fractional_max_pool{nd}d(Tensor self, {a} kernel_size, {a} output_size, "
                   "Tensor random_samples) -> (Tensor, Tensor)")
        fm.cpu_ks(cpu)
        fm.meta(meta)
        fm.output_differentiability = [True, False]
        fm.derivative(f"FractionalMaxPool{nd}DBackward0",
                      self=f"aten.fractional_max_pool{nd}d_backward.default(grad, self, "
                           "kernel_size, output_size, result1)",
                      result=_gather_jvp(nd))
        fmb = defop(f"fractional_max_pool{nd}d_backward(Tensor grad_output, Tensor self, "
                    f"{a} kernel_size, {a} output_size, Tensor indices) -> Tensor")
        fmb.cpu_ks(bw_cpu)
        fmb.meta(bw_meta)
        fmb.derivative(f"FractionalMaxPool{nd}DBackwardBackward0",
                       grad_output=_double_backward(nd), self="zeros_like(self)",
                       result="auto_linear")
        out_overload(fm, "output", ("output", "indices"), False)
        out_overload(fmb, "grad_input", ("grad_input",), False)

    one = "int[1]"
    f = defop(f"max_pool1d_with_indices(Tensor self, {one} kernel_size, {one} stride=[], "
              f"{one} padding=[0], {one} dilation=[1], bool ceil_mode=False) -> (Tensor, Tensor)")
    f.composite(_max_pool1d_with_indices)
    defs["max_pool1d_with_indices"] = f
    f = defop(f"max_pool1d(Tensor self, {one} kernel_size, {one} stride=[], {one} padding=[0], "
              f"{one} dilation=[1], bool ceil_mode=False) -> Tensor")
    f.composite(_max_pool1d)
    defs["max_pool1d"] = f
    f = defop(f"avg_pool1d(Tensor self, {one} kernel_size, {one} stride=[], {one} padding=[0], "
              "bool ceil_mode=False, bool count_include_pad=True) -> Tensor", tags=("core",))
    f.composite(_avg_pool1d)
    out_overload(f)
    defs["avg_pool1d"] = f
    f = defop(f"adaptive_avg_pool1d(Tensor self, {one} output_size) -> Tensor", tags=("core",))
    f.composite(_adaptive_avg_pool1d)
    out_overload(f)
    defs["adaptive_avg_pool1d"] = f
    f = defop(f"adaptive_max_pool1d(Tensor self, {one} output_size) -> (Tensor, Tensor)")
    f.composite(_adaptive_max_pool1d)
    defs["adaptive_max_pool1d"] = f
    from ._lazy import FUNCTIONS
    for name in FUNCTIONS["pooling"]:
        public(name, defs[name], method=False)
