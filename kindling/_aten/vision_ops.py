"""Vision ops (defined at first use: see ``_aten/_lazy.py``): ``im2col``/``col2im`` (F.unfold /
F.fold, each the other's derivative), ``pixel_shuffle``/``pixel_unshuffle`` (likewise),
``channel_shuffle`` and ``native_channel_shuffle``, and ``max_unpool2d``/``max_unpool3d``
(scatter by a max pool's indices; their derivative gathers by them).
"""
from __future__ import annotations

import math

import numpy as np

from . import _conv_np as C
from ._api import public
from ._copy_out import out_overload
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from .conv import _sizes


def _pair(name, v):
    v = [int(x) for x in v] if isinstance(v, (list, tuple)) else [int(v)] * 2
    if len(v) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(v)}")
    return v


def _common_checks(ks, dil, pad, st, order):
    checks = {
        "kernel": (all(k > 0 for k in ks), "kernel size should be greater than zero, but got "
                   f"kernel_height: {ks[0]} kernel_width: {ks[1]}"),
        "dilation": (all(d > 0 for d in dil), "dilation should be greater than zero, but got "
                     f"dilation_height: {dil[0]} dilation_width: {dil[1]}"),
        "padding": (all(p >= 0 for p in pad), "padding should be non-negative, but got "
                    f"pad_height: {pad[0]} pad_width: {pad[1]}"),
        "stride": (all(s > 0 for s in st), "stride should be greater than zero, but got "
                   f"stride_height: {st[0]} stride_width: {st[1]}"),
    }
    for key in order:
        ok, msg = checks[key]
        if not ok:
            raise RuntimeError(msg)


def _blocks(size, k, d, p, s):
    return (size + 2 * p - (d * (k - 1) + 1)) // s + 1


def _dtype_check(name, t):
    dt = t.dtype
    if not (dt.is_floating_point or dt.is_complex or dt._name == "bool"):
        raise NotImplementedError(f"\"{name}\" not implemented for '{dt._scalar_name}'")


# ---- im2col / col2im ---------------------------------------------------------------------------
def _im2col_plan(self, kernel_size, dilation, padding, stride):
    ks, dil = _pair("kernel_size", kernel_size), _pair("dilation", dilation)
    pad, st = _pair("padding", padding), _pair("stride", stride)
    _common_checks(ks, dil, pad, st, ("kernel", "dilation", "padding", "stride"))
    shape = tuple(self.shape)
    nd = len(shape)
    if nd < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
                         "but got 2)")
    valid = shape[1] != 0 and shape[2] != 0
    if not ((nd == 3 and shape[0] and valid) or (nd == 4 and valid and shape[3] != 0)):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor input with possible 0 batch "
                           f"size and non-zero dimensions, but got: {_sizes(shape)}")
    h, w = shape[-2:]
    out = [_blocks(h, ks[0], dil[0], pad[0], st[0]), _blocks(w, ks[1], dil[1], pad[1], st[1])]
    if out[0] < 1 or out[1] < 1:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size=({ks[0]}, "
                           f"{ks[1]}), dilation=({dil[0]}, {dil[1]}), padding=({pad[0]}, "
                           f"{pad[1]}), calculated shape of the array of sliding blocks as "
                           f"({out[0]}, {out[1]}), but its components must be at least one.")
    _dtype_check("im2col_out_cpu", self)
    return ks, dil, pad, st, out


def _im2col_cpu(ks_, self, kernel_size, dilation, padding, stride):
    from .._tensor import from_array
    ks, dil, pad, st, out = _im2col_plan(self, kernel_size, dilation, padding, stride)
    x = self._np if self.dim() == 4 else self._np[None]
    win = C.windows(C.pad_spatial(x, pad), ks, st, dil, out)   # (N, C, oh, ow, kh, kw)
    n, c = x.shape[:2]
    cols = np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3)).reshape(
        n, c * ks[0] * ks[1], out[0] * out[1])
    return from_array(cols if self.dim() == 4 else cols[0])


def _im2col_meta(self, kernel_size, dilation, padding, stride):
    ks, _, _, _, out = _im2col_plan(self, kernel_size, dilation, padding, stride)
    lead = list(self.shape[:-3])
    return empty_meta(lead + [self.shape[-3] * ks[0] * ks[1], out[0] * out[1]], self.dtype)


def _col2im_plan(self, output_size, kernel_size, dilation, padding, stride):
    osz = _pair("output_size", output_size)
    ks, dil = _pair("kernel_size", kernel_size), _pair("dilation", dilation)
    pad, st = _pair("padding", padding), _pair("stride", stride)
    _common_checks(ks, dil, pad, st, ("kernel", "stride", "dilation", "padding"))
    shape = tuple(self.shape)
    nd = len(shape)
    if not ((nd == 2 and shape[0] != 0 and shape[1] != 0) or
            (nd == 3 and shape[1] != 0 and shape[2] != 0)):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possible 0 batch "
                           f"size and non-zero dimensions, but got: {_sizes(shape)}")
    planes, length = shape[-2], shape[-1]
    if planes % (ks[0] * ks[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={planes} and kernel_size=("
                           f"{ks[0]}, {ks[1]}).")
    out = [_blocks(osz[0], ks[0], dil[0], pad[0], st[0]),
           _blocks(osz[1], ks[1], dil[1], pad[1], st[1])]
    desc = (f"Given output_size=({osz[0]}, {osz[1]}), kernel_size=({ks[0]}, {ks[1]}), "
            f"dilation=({dil[0]}, {dil[1]}), padding=({pad[0]}, {pad[1]}), stride=({st[0]}, "
            f"{st[1]}), ")
    if length != out[0] * out[1]:
        raise RuntimeError(f"{desc}expected size of input's dimension 2 to match the calculated "
                           f"number of sliding blocks {out[0]} * {out[1]} = {out[0] * out[1]}, "
                           f"but got input.size(2)={length}.")
    if out[0] < 1 or out[1] < 1:
        raise RuntimeError(f"{desc}calculated shape of the array of sliding blocks as ({out[0]}, "
                           f"{out[1]}), which is too small (non-positive)")
    _dtype_check("col2im_out_cpu", self)
    return osz, ks, dil, pad, st, out


def _col2im_cpu(ks_, self, output_size, kernel_size, dilation, padding, stride):
    from .._tensor import from_array
    osz, ks, dil, pad, st, out = _col2im_plan(self, output_size, kernel_size, dilation, padding,
                                              stride)
    cols = self._np if self.dim() == 3 else self._np[None]
    n = cols.shape[0]
    c = cols.shape[1] // (ks[0] * ks[1])
    cols = cols.reshape(n, c, ks[0], ks[1], out[0], out[1]).transpose(0, 1, 4, 5, 2, 3)
    acc = np.int64 if cols.dtype == np.bool_ else cols.dtype
    reach = [max(osz[i] + 2 * pad[i], st[i] * (out[i] - 1) + dil[i] * (ks[i] - 1) + 1)
             for i in range(2)]
    dst = np.zeros((n, c) + tuple(reach), acc)
    C.scatter_windows(dst, cols.astype(acc, copy=False), st, dil)
    r = dst[:, :, pad[0]:pad[0] + osz[0], pad[1]:pad[1] + osz[1]].astype(cols.dtype)
    return from_array(np.ascontiguousarray(r if self.dim() == 3 else r[0]))


def _col2im_meta(self, output_size, kernel_size, dilation, padding, stride):
    osz, ks = _col2im_plan(self, output_size, kernel_size, dilation, padding, stride)[:2]
    lead = list(self.shape[:-2])
    return empty_meta(lead + [self.shape[-2] // (ks[0] * ks[1])] + osz, self.dtype)


# ---- pixel shuffles ----------------------------------------------------------------------------
def _shuffle_check(name, self, r, word):
    if self.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input "
                           f"with {self.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{name} expects a positive {word}, but got {r}")


def _pixel_shuffle_shape(self, r):
    _shuffle_check("pixel_shuffle", self, r, "upscale_factor")
    c = self.shape[-3]
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible "
                           f"by the square of upscale_factor, but input.size(-3)={c} is not "
                           f"divisible by {r * r}")
    *lead, c, h, w = self.shape
    return list(lead) + [c // (r * r), h * r, w * r]


def _pixel_unshuffle_shape(self, r):
    _shuffle_check("pixel_unshuffle", self, r, "downscale_factor")
    *lead, c, h, w = self.shape
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    return list(lead) + [c * r * r, h // r, w // r]


def _pixel_shuffle_cpu(ks_, self, upscale_factor):
    from .._tensor import from_array
    out = _pixel_shuffle_shape(self, upscale_factor)
    r = upscale_factor
    x = self._np
    *lead, c, h, w = x.shape
    L = len(lead)
    y = x.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    y = y.transpose(tuple(range(L)) + (L, L + 3, L + 1, L + 4, L + 2))
    return from_array(np.ascontiguousarray(y).reshape(out))


def _pixel_unshuffle_cpu(ks_, self, downscale_factor):
    from .._tensor import from_array
    out = _pixel_unshuffle_shape(self, downscale_factor)
    r = downscale_factor
    x = self._np
    *lead, c, h, w = x.shape
    L = len(lead)
    y = x.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    y = y.transpose(tuple(range(L)) + (L, L + 2, L + 4, L + 1, L + 3))
    return from_array(np.ascontiguousarray(y).reshape(out))


# ---- channel shuffles --------------------------------------------------------------------------
def _channel_shuffle_check(self, groups):
    if self.dim() <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {_sizes(self.shape)}")
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    c = self.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")


def _channel_shuffle_cpu(ks_, self, groups):
    from .._tensor import from_array
    _channel_shuffle_check(self, groups)
    x = self._np
    n, c = x.shape[:2]
    if x.size == 0:
        return from_array(np.ascontiguousarray(x.copy()))
    y = x.reshape(n, groups, c // groups, -1).transpose(0, 2, 1, 3)
    return from_array(np.ascontiguousarray(y).reshape(x.shape))


def _channel_shuffle_meta(self, groups):
    _channel_shuffle_check(self, groups)
    return empty_meta(self.shape, self.dtype)


# ---- max unpool --------------------------------------------------------------------------------
def _unpool_check(nd, self, indices, output_size, stride=None, padding=None):
    dims = "(height, width)" if nd == 2 else "(depth, height, width)"
    word = "two" if nd == 2 else "three"
    if indices.dtype._name != "int64":
        raise RuntimeError("elements in indices should be type int64" +
                           (f" but got: {indices.dtype._scalar_name}" if nd == 2 else ""))
    osz = [int(v) for v in output_size]

    def count(name, v, colon=""):
        if len(v) != nd:
            raise RuntimeError(f"There should be exactly {word} elements {dims} in {name}, but "
                               f"got{colon} {len(v)} elements.")
    if nd == 2:
        count("output_size", osz)
    if self.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d "
                           f"Tensor, but got a tensor with {self.dim()} dimensions.")
    if nd == 3:
        count("output_size", osz)
        count("stride", list(stride), ":")
        count("padding", list(padding), ":")
    if tuple(self.shape) != tuple(indices.shape):
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor ("
                           f"{_sizes(self.shape)}) but got indices tensor with shape: "
                           f"{_sizes(indices.shape)}")
    fn = "max_unpooling2d_forward_out_cpu" if nd == 2 else \
        "max_unpooling3d_forward_out_cpu_template"
    for i in range(1, self.dim()):
        if self.shape[i] <= 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but got {_sizes(self.shape)} with dimension {i} "
                               "being empty.")
    if nd == 3 and not all(s > 0 for s in stride):
        raise RuntimeError(f"strides should be greater than zero, but got stride: "
                           f"{_sizes(stride)}")
    return osz


def _unpool(nd):
    def cpu(ks_, self, indices, output_size, *rest):
        from .._tensor import from_array
        osz = _unpool_check(nd, self, indices, output_size, *rest)
        x, idx = self._np, indices._np
        lead = x.shape[:-nd]
        rows = math.prod(lead)
        n_out = math.prod(osz)
        flat_idx = idx.reshape(rows, -1)
        bad = (flat_idx < 0) | (flat_idx >= n_out)
        if bad.any():   # (PyTorch's loop keeps the last one it met)
            last = flat_idx.reshape(-1)[bad.size - 1 - np.argmax(bad.reshape(-1)[::-1])]
            raise RuntimeError(f"Found an invalid max index: {last} (output volumes are of "
                               f"size {'x'.join(map(str, osz))})")
        out = np.zeros((rows, n_out), x.dtype)
        out[np.arange(rows)[:, None], flat_idx] = x.reshape(rows, -1)
        return from_array(out.reshape(tuple(lead) + tuple(osz)))

    def meta(self, indices, output_size, *rest):
        osz = _unpool_check(nd, self, indices, output_size, *rest)
        return empty_meta(list(self.shape[:-nd]) + osz, self.dtype)
    return cpu, meta


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    from .pooling import _double_backward
    im2col = defop("im2col(Tensor self, int[2] kernel_size, int[2] dilation, int[2] padding, "
                   "int[2] stride) -> Tensor")
    im2col.cpu_ks(_im2col_cpu)
    im2col.meta(_im2col_meta)
    im2col.derivative(self="aten.col2im.default(grad, [self_sym_argsize_minus_2, "
                           "self_sym_argsize_minus_1], "
                           "kernel_size, dilation, padding, stride)", result="auto_linear")
    col2im = defop("col2im(Tensor self, SymInt[2] output_size, int[2] kernel_size, "
                   "int[2] dilation, int[2] padding, int[2] stride) -> Tensor", tags=("core",))
    col2im.cpu_ks(_col2im_cpu)
    col2im.meta(_col2im_meta)
    col2im.derivative(self="aten.im2col.default(grad, kernel_size, dilation, padding, stride)",
                      result="auto_linear")

    ps = defop("pixel_shuffle(Tensor self, int upscale_factor) -> Tensor")
    ps.cpu_ks(_pixel_shuffle_cpu)
    ps.meta(lambda self, r: empty_meta(_pixel_shuffle_shape(self, r), self.dtype))
    ps.derivative(self="aten.pixel_unshuffle.default(grad, upscale_factor)", result="auto_linear")
    pu = defop("pixel_unshuffle(Tensor self, int downscale_factor) -> Tensor")
    pu.cpu_ks(_pixel_unshuffle_cpu)
    pu.meta(lambda self, r: empty_meta(_pixel_unshuffle_shape(self, r), self.dtype))
    pu.derivative(self="aten.pixel_shuffle.default(grad, downscale_factor)",
                  result="auto_linear")

    cs = defop("channel_shuffle(Tensor self, SymInt groups) -> Tensor")
    cs.cpu_ks(_channel_shuffle_cpu)

    cs.meta(_channel_shuffle_meta)
    cs.derivative(self=lambda grad, groups: aten.channel_shuffle.default(
        grad, grad.shape[1] // groups), result="auto_linear")
    # (a kernel of its own, without a derivative: PyTorch's NotImplemented node)
    ncs = defop("native_channel_shuffle(Tensor self, SymInt groups) -> Tensor")
    ncs.cpu_ks(_channel_shuffle_cpu)
    ncs.meta(_channel_shuffle_meta)

    for nd in (2, 3):
        extra = ", int[3] stride, int[3] padding" if nd == 3 else ""
        up = defop(f"max_unpool{nd}d(Tensor self, Tensor indices, SymInt[{nd}] output_size"
                   f"{extra}) -> Tensor")
        cpu, meta = _unpool(nd)
        up.cpu_ks(cpu)
        up.meta(meta)
        up.derivative(f"MaxUnpool{nd}DBackward0", self=_double_backward(nd),
                      result="auto_linear")
        up.complex_autograd = True
        out_overload(up, generated=False)
    for d in (im2col, col2im):
        out_overload(d, generated=False)
    for d in (ps, pu, cs):
        out_overload(d)
    for d in (im2col, col2im, ps, pu, cs):   # (PyTorch differentiates them for complex too)
        d.complex_autograd = True
    for d in (ps, pu, cs, ncs):
        public(d.schema.name[len("aten::"):], d, method=False)
