"""NumPy kernels of the upsample ops.  Every mode is separable: along each spatial dim, an
output position reads a few input positions with weights, so the op is one ``(n_out, n_in)``
matrix per dim (nearest: a gather), applied by ``tensordot``; its gradient applies the
transposed matrices.  Source coordinates follow PyTorch's ``UpSample.h``: nearest in float32
arithmetic (``nearest_idx``/``nearest_exact_idx``), linear and cubic in the input's precision.
"""
from __future__ import annotations

import numpy as np

CUBIC_A = -0.75


def _scale_f32(n_in, n_out, scale):
    """``compute_scales_value<float>``."""
    if scale is not None and scale > 0:
        return np.float32(1.0 / scale)
    return np.float32(n_in) / np.float32(n_out)


def nearest_indices(n_in, n_out, scale, exact):
    o = np.arange(n_out)
    if not exact:
        if n_out == n_in:
            return o
        if n_out == 2 * n_in:
            return o >> 1
    s = _scale_f32(n_in, n_out, scale)
    src = (o.astype(np.float32) + np.float32(0.5)) * s if exact else o.astype(np.float32) * s
    return np.minimum(np.floor(src).astype(np.int64), n_in - 1)


def _area_scale(n_in, n_out, align_corners, scale, dt):
    if align_corners:
        return dt(n_in - 1) / dt(n_out - 1) if n_out > 1 else dt(0)
    if scale is not None and scale > 0:
        return dt(1.0 / scale)
    return dt(n_in) / dt(n_out)


def _source_index(scale, o, align_corners, cubic, dt):
    if align_corners:
        return scale * o.astype(dt)
    src = scale * (o.astype(dt) + dt(0.5)) - dt(0.5)
    return src if cubic else np.maximum(src, dt(0))


def _guard(real, n_in, dt):
    """``guard_index_and_lambda``: the floor index (at most ``n_in - 1``) and the fraction."""
    idx = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
    lam = np.clip(real - idx.astype(dt), dt(0), dt(1))
    return idx, lam


def interp_matrix(mode, n_in, n_out, align_corners, scale, dt):
    """The ``(n_out, n_in)`` weights of ``mode`` ("linear" or "cubic") along one dim."""
    dt = np.dtype(dt).type
    s = _area_scale(n_in, n_out, align_corners, scale, dt)
    o = np.arange(n_out)
    real = _source_index(s, o, align_corners, mode == "cubic", dt)
    idx, lam = _guard(real, n_in, dt)
    m = np.zeros((n_out, n_in), dt)
    if mode == "linear":
        nxt = idx + (idx < n_in - 1)
        np.add.at(m, (o, idx), dt(1) - lam)
        np.add.at(m, (o, nxt), lam)
        return m
    a = dt(CUBIC_A)

    def conv1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def conv2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    coeffs = (conv2(lam + 1), conv1(lam), conv1(1 - lam), conv2(2 - lam))
    for k, c in enumerate(coeffs):
        np.add.at(m, (o, np.clip(idx - 1 + k, 0, n_in - 1)), c)
    return m


def _matrix(mode, n_in, n_out, align_corners, scale, dt):
    if mode.startswith("aa-"):
        return aa_matrix(mode, n_in, n_out, align_corners, scale, dt)
    return interp_matrix(mode, n_in, n_out, align_corners, scale, dt)


def _compute_dtype(dt):
    return np.dtype(np.float32) if dt.kind == "f" and dt.itemsize < 4 else dt


def upsample(x, nd, out, mode, align_corners, scales):
    """``x (..., *in)`` resized to ``(..., *out)``; ``mode``: "nearest", "nearest-exact",
    "linear" (bi/trilinear), "cubic", "aa-linear" or "aa-cubic"."""
    r = x
    for i in range(nd):
        ax = x.ndim - nd + i
        n_in = x.shape[ax]
        if mode.startswith("nearest"):
            r = np.take(r, nearest_indices(n_in, out[i], scales[i], mode == "nearest-exact"),
                        axis=ax)
        else:
            ct = _compute_dtype(x.dtype)
            m = _matrix(mode, n_in, out[i], align_corners, scales[i], ct)
            r = np.moveaxis(np.tensordot(r.astype(ct, copy=False), m, ([ax], [1])), -1, ax)
    return np.ascontiguousarray(r.astype(x.dtype, copy=False))


def upsample_backward(g, nd, in_shape, mode, align_corners, scales):
    r = g
    ct = _compute_dtype(g.dtype)
    for i in range(nd):
        ax = g.ndim - nd + i
        n_in, n_out = in_shape[ax], g.shape[ax]
        if mode.startswith("nearest"):
            idx = nearest_indices(n_in, n_out, scales[i], mode == "nearest-exact")
            m = np.zeros((n_out, n_in), ct)
            m[np.arange(n_out), idx] = 1
        else:
            m = _matrix(mode, n_in, n_out, align_corners, scales[i], ct)
        r = np.moveaxis(np.tensordot(r.astype(ct, copy=False), m, ([ax], [0])), -1, ax)
    return np.ascontiguousarray(r.astype(g.dtype, copy=False))



def _aa_filter(mode, x):
    """The antialiasing filters: a triangle (bilinear), Keys' cubic with a = -0.5 (bicubic)."""
    x = np.abs(x)
    if mode == "aa-linear":
        return np.where(x < 1, 1 - x, 0)
    a = -0.5
    return np.where(x <= 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0))


def aa_matrix(mode, n_in, n_out, align_corners, scale, dt):
    """The ``(n_out, n_in)`` weights of an antialiased resize (PyTorch's
    ``_compute_index_ranges_weights``): each output reads the inputs within the filter's
    support, stretched by the scale when downsampling, with weights normalised to sum 1."""
    dt = np.dtype(dt).type
    s = _area_scale(n_in, n_out, align_corners, scale, dt)
    support = (1.0 if mode == "aa-linear" else 2.0) * (s if s >= 1 else 1.0)
    invscale = dt(1) / s if s >= 1 else dt(1)
    center = s * (np.arange(n_out).astype(dt) + dt(0.5))
    lo = np.maximum((center - support + 0.5).astype(np.int64), 0)
    hi = np.minimum((center + support + 0.5).astype(np.int64), n_in)
    width = max(int((hi - lo).max()), 0) if n_out else 0
    j = lo[:, None] + np.arange(width)[None, :]
    inside = j < hi[:, None]
    w = np.where(inside, _aa_filter(mode, (j - center[:, None] + dt(0.5)) * invscale), 0)
    w = w.astype(dt)
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), w)
    m = np.zeros((n_out, n_in), dt)
    rows = np.broadcast_to(np.arange(n_out)[:, None], j.shape)
    m[rows[inside], j[inside]] = w[inside]
    return m
