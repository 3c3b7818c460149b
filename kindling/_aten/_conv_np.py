"""NumPy kernels of N-d convolution (1, 2 or 3 spatial dims), as im2col over strided views.

An input ``x`` of shape ``(N, C, *S)`` (zero-padded) is read as windows ``(N, C, *out, *K)``
through one ``as_strided`` view (stride and dilation are strides of that view); each group's
windows are contracted with its weights by ``tensordot`` (a BLAS product).  The gradient with
respect to the input scatters the columns back, one kernel offset at a time (a loop over the
``prod(K)`` kernel taps, never over output pixels).  A transposed convolution is the input
gradient of the convolution it transposes, and its gradients follow from the same three
kernels with the roles swapped (``_aten/conv.py``).
"""
from __future__ import annotations

import itertools

import numpy as np
from numpy.lib.stride_tricks import as_strided

_LOW = (np.float16,)


def _compute_dtype(dt):
    """Half-precision inputs are accumulated in float32 (as PyTorch's CPU kernels do)."""
    if dt.type in _LOW or dt.name == "bfloat16":
        return np.dtype(np.float32)
    return dt


def pad_spatial(x, padding):
    if not any(padding):
        return x
    return np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])


def windows(xp, ks, stride, dilation, out):
    """The read-only view ``(N, C, *out, *ks)`` of the padded input ``xp``."""
    nd = len(ks)
    short = [max(0, stride[i] * (out[i] - 1) + dilation[i] * (ks[i] - 1) + 1 - xp.shape[2 + i])
             if out[i] > 0 else 0 for i in range(nd)]
    if any(short):   # (never read past the buffer: the view must lie inside it)
        xp = np.pad(xp, [(0, 0), (0, 0)] + [(0, e) for e in short])
    st = xp.strides
    shape = tuple(xp.shape[:2]) + tuple(out) + tuple(ks)
    strides = st[:2] + tuple(st[2 + i] * stride[i] for i in range(nd)) + \
        tuple(st[2 + i] * dilation[i] for i in range(nd))
    return as_strided(xp, shape, strides, writeable=False)


def out_size(in_size, k, stride, padding, dilation):
    return (in_size + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def conv_forward(x, w, stride, padding, dilation, groups, out=None):
    """``(N, O, *out)``: the cross-correlation of ``x (N, C, *S)`` with ``w (O, C/g, *K)``
    (``out``: the output sizes, when not those of the usual formula)."""
    nd = x.ndim - 2
    ks = w.shape[2:]
    if out is None:
        out = [out_size(x.shape[2 + i], ks[i], stride[i], padding[i], dilation[i])
               for i in range(nd)]
    N, C, O = x.shape[0], x.shape[1], w.shape[0]
    ct = _compute_dtype(np.result_type(x, w))
    res = np.zeros((N, O) + tuple(out), ct)
    if res.size == 0 or C == 0:
        return res
    win = windows(pad_spatial(x.astype(ct, copy=False), padding), ks, stride, dilation, out)
    cg, og = C // groups, O // groups
    wc = w.astype(ct, copy=False)
    ax_win = [1] + list(range(2 + nd, 2 + 2 * nd))
    ax_w = [1] + list(range(2, 2 + nd))
    for g in range(groups):
        r = np.tensordot(win[:, g * cg:(g + 1) * cg], wc[g * og:(g + 1) * og], (ax_win, ax_w))
        res[:, g * og:(g + 1) * og] = np.moveaxis(r, -1, 1)   # (N, *out, og) -> (N, og, *out)
    return res


def conv_input_grad(gy, w, in_shape, stride, padding, dilation, groups):
    """The gradient of ``conv_forward`` with respect to its input (sizes ``in_shape``, the
    spatial ones): each window's columns ``gy . w`` added back where the window read."""
    nd = gy.ndim - 2
    ks = w.shape[2:]
    N, O = gy.shape[0], gy.shape[1]
    C = w.shape[1] * groups
    out = gy.shape[2:]
    ct = _compute_dtype(np.result_type(gy, w))
    padded = [in_shape[i] + 2 * padding[i] for i in range(nd)]
    # (room for the last window's reach when the padded input is shorter than it)
    reach = [max(padded[i], stride[i] * (out[i] - 1) + dilation[i] * (ks[i] - 1) + 1)
             if out[i] > 0 else padded[i] for i in range(nd)]
    gxp = np.zeros((N, C) + tuple(reach), ct)
    if gy.size and C and w.size:
        cg, og = C // groups, O // groups
        gyc, wc = gy.astype(ct, copy=False), w.astype(ct, copy=False)
        for g in range(groups):
            # (N, *out, cg, *ks) -> (N, cg, *out, *ks)
            cols = np.tensordot(gyc[:, g * og:(g + 1) * og], wc[g * og:(g + 1) * og], ([1], [0]))
            scatter_windows(gxp[:, g * cg:(g + 1) * cg], np.moveaxis(cols, 1 + nd, 1), stride,
                            dilation)
    crop = tuple(slice(padding[i], padding[i] + in_shape[i]) for i in range(nd))
    return np.ascontiguousarray(gxp[(slice(None), slice(None)) + crop])


def scatter_windows(dst, cols, stride, dilation):
    """Add the windows ``cols (N, C, *out, *ks)`` into ``dst (N, C, *padded)`` where
    ``windows`` reads them, one kernel tap at a time (col2im)."""
    nd = len(stride)
    out, ks = cols.shape[2:2 + nd], cols.shape[2 + nd:]
    for tap in itertools.product(*(range(k) for k in ks)):
        sl = tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                   for t, d, s, o in zip(tap, dilation, stride, out))
        dst[(slice(None), slice(None)) + sl] += cols[(Ellipsis,) + tap]


def conv_weight_grad(gy, x, w_shape, stride, padding, dilation, groups):
    """The gradient of ``conv_forward`` with respect to its weight (shape ``w_shape``)."""
    nd = x.ndim - 2
    ks = tuple(w_shape[2:])
    out = gy.shape[2:]
    ct = _compute_dtype(np.result_type(gy, x))
    gw = np.zeros(tuple(w_shape), ct)
    if gw.size == 0 or gy.size == 0:
        return gw
    win = windows(pad_spatial(x.astype(ct, copy=False), padding), ks, stride, dilation, out)
    C, O = x.shape[1], w_shape[0]
    cg, og = C // groups, O // groups
    gyc = gy.astype(ct, copy=False)
    ax = [0] + list(range(2, 2 + nd))
    for g in range(groups):
        gw[g * og:(g + 1) * og] = np.tensordot(gyc[:, g * og:(g + 1) * og],
                                               win[:, g * cg:(g + 1) * cg], (ax, ax))
    return gw
