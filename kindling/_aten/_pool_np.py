"""NumPy kernels of the pooling ops, over the last ``nd`` (2 or 3) dims of an array whose
leading dims are batch and channels.  Windows are ``as_strided`` views of a padded copy
(reduced at once), and gradients are scattered back with ``np.add.at`` on flat indices or
added tap by tap (a loop over the kernel's taps, never over output positions).

Indices are PyTorch's: the position of the chosen value in the flattened spatial dims of the
input.  As PyTorch's kernels, a max pool takes the first largest value of a window, a NaN over
anything (the last NaN, as each NaN replaces the running maximum), and - where every value is
the lowest - the window's first position inside the input.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided


def pooling_output_size(in_size, k, pad, stride, dilation, ceil_mode):
    """PyTorch's ``pooling_output_shape`` (after its checks)."""
    num = in_size + 2 * pad - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = num // stride + 1
    if ceil_mode and (out - 1) * stride >= in_size + pad:
        out -= 1
    return out


def _lowest(dt):
    if dt.kind == "f":
        return -np.inf
    if dt.kind in "iu":
        return np.iinfo(dt).min
    return False


def _windows(x, nd, ks, stride, dilation, padding, out, fill):
    """``(lead..., *out, *ks)``: the windows of ``x`` padded by ``padding`` before and as
    much as the last window needs after, with ``fill``."""
    ins = x.shape[-nd:]
    after = [max(0, (out[i] - 1) * stride[i] + dilation[i] * (ks[i] - 1) + 1 - ins[i] -
                 padding[i]) for i in range(nd)]
    width = [(0, 0)] * (x.ndim - nd) + [(padding[i], after[i]) for i in range(nd)]
    xp = np.pad(x, width, constant_values=fill) if any(padding) or any(after) else x
    st = xp.strides
    lead = x.ndim - nd
    shape = xp.shape[:lead] + tuple(out) + tuple(ks)
    strides = st[:lead] + tuple(st[lead + i] * stride[i] for i in range(nd)) + \
        tuple(st[lead + i] * dilation[i] for i in range(nd))
    return as_strided(xp, shape, strides, writeable=False)


def _tap_positions(n_out, k, stride, pad, dilation):
    """(positions (n_out, k) in the unpadded input, whether each is inside it: given ``n``)."""
    return np.arange(n_out)[:, None] * stride - pad + np.arange(k)[None, :] * dilation


def _argmax_last(v):
    """The index of the first maximum along the last axis, or of the last NaN where there is
    one (PyTorch's ``val > maxval || isnan(val)`` scan)."""
    idx = np.argmax(v, axis=-1)
    if v.dtype.kind == "f":
        nan = np.isnan(v)
        if nan.any():
            k = v.shape[-1]
            last = k - 1 - np.argmax(nan[..., ::-1], axis=-1)
            idx = np.where(nan.any(axis=-1), last, idx)
    return idx


def max_pool(x, nd, ks, stride, padding, dilation, out):
    """(values, int64 indices) of a max pool over the last ``nd`` dims of ``x``."""
    ins = x.shape[-nd:]
    lead = x.shape[:-nd]
    low = _lowest(x.dtype)
    if 0 in lead or 0 in out:
        shape = lead + tuple(out)
        return np.zeros(shape, x.dtype), np.zeros(shape, np.int64)
    win = _windows(x, nd, ks, stride, dilation, padding, out, low)
    flat = win.reshape(lead + tuple(out) + (-1,))
    tap = _argmax_last(flat)
    vals = np.take_along_axis(flat, tap[..., None], -1)[..., 0]
    taps = np.unravel_index(tap, ks)
    index = np.zeros(tap.shape, np.int64)
    firsts = np.zeros(tap.shape, np.int64)
    mult = 1
    for i in reversed(range(nd)):
        pos = _tap_positions(out[i], ks[i], stride[i], padding[i], dilation[i])
        first = pos[np.arange(out[i]), np.argmax((pos >= 0) & (pos < ins[i]), axis=1)]
        shape = [1] * (len(lead) + nd)
        shape[len(lead) + i] = out[i]
        o = np.arange(out[i]).reshape(shape)
        index = index + pos[o, taps[i]] * mult
        firsts = firsts + first.reshape(shape) * mult
        mult *= ins[i]
    # (a window whose maximum is the lowest value - padding's, or the input's own: the scan
    # never moved from its first position inside the input)
    index = np.where(vals == low, firsts, index)
    return np.ascontiguousarray(vals), np.ascontiguousarray(index)


def scatter_by_indices(grad, indices, in_shape, nd):
    """The gradient of a pool that picked ``indices``: ``grad`` added at those positions of
    zeros of ``in_shape``."""
    lead = in_shape[:-nd]
    rows = math.prod(lead)
    n_in = math.prod(in_shape[-nd:])
    out = np.zeros((rows, n_in), grad.dtype)
    if grad.size:
        g = grad.reshape(rows, -1)
        idx = indices.reshape(rows, -1)
        np.add.at(out, (np.arange(rows)[:, None], idx), g)
    return out.reshape(in_shape)


def _avg_divisors(nd, ins, ks, stride, padding, out, count_include_pad, divisor_override):
    """(the divisor of each output position, whether its window holds input) as arrays of
    ``out``'s shape."""
    div = np.ones(tuple(out), np.int64)
    nonempty = np.ones(tuple(out), bool)
    for i in range(nd):
        start = np.arange(out[i]) * stride[i] - padding[i]
        end = np.minimum(start + ks[i], ins[i] + padding[i])
        size_pad = end - start
        size = np.minimum(end, ins[i]) - np.maximum(start, 0)
        shape = [1] * nd
        shape[i] = out[i]
        div = div * (size_pad if count_include_pad else size).reshape(shape)
        nonempty = nonempty & (size > 0).reshape(shape)
    if divisor_override is not None:
        div = np.full(tuple(out), divisor_override, np.int64)
    return div, nonempty


def avg_pool(x, nd, ks, stride, padding, out, count_include_pad, divisor_override):
    ins = x.shape[-nd:]
    lead = x.shape[:-nd]
    shape = lead + tuple(out)
    if 0 in shape:
        return np.zeros(shape, x.dtype)
    integer = x.dtype.kind in "iu"
    acc = np.int64 if integer else (np.float32 if x.dtype.itemsize < 4 else x.dtype)
    win = _windows(x.astype(acc, copy=False), nd, ks, stride, (1,) * nd, padding, out, 0)
    s = win.sum(axis=tuple(range(-nd, 0)))
    div, nonempty = _avg_divisors(nd, ins, ks, stride, padding, out, count_include_pad,
                                  divisor_override)
    safe = np.where(nonempty, div, 1)
    if integer:   # (C++'s integer division, truncating)
        r = np.sign(s) * (np.abs(s) // safe)
    else:
        r = s / safe
    return np.where(nonempty, r, 0).astype(x.dtype)


def avg_pool_backward(grad, in_shape, nd, ks, stride, padding, count_include_pad,
                      divisor_override):
    ins = tuple(in_shape[-nd:])
    lead = tuple(in_shape[:-nd])
    out = grad.shape[-nd:]
    div, nonempty = _avg_divisors(nd, ins, ks, stride, padding, out, count_include_pad,
                                  divisor_override)
    g = np.where(nonempty, grad / np.where(nonempty, div, 1), 0).astype(grad.dtype, copy=False)
    reach = [max(ins[i] + 2 * padding[i], (out[i] - 1) * stride[i] + ks[i]) for i in range(nd)]
    gx = np.zeros(lead + tuple(reach), grad.dtype)
    if grad.size:
        for tap in np.ndindex(*ks):
            sl = tuple(slice(t, t + s * (o - 1) + 1, s) for t, s, o in zip(tap, stride, out))
            gx[(Ellipsis,) + sl] += g
    crop = tuple(slice(padding[i], padding[i] + ins[i]) for i in range(nd))
    return np.ascontiguousarray(gx[(Ellipsis,) + crop])


# ---- adaptive pools -----------------------------------------------------------------------------
def adaptive_bounds(n_in, n_out):
    """Each output position's window ``[start, end)``: PyTorch's ``start_index`` (floor) and
    ``end_index`` (ceil)."""
    o = np.arange(n_out)
    return (o * n_in) // n_out, -((-(o + 1) * n_in) // n_out)


def _adaptive_matrix(n_in, n_out, dtype):
    """``(n_out, n_in)``: row ``o`` averages the window of output ``o``."""
    start, end = adaptive_bounds(n_in, n_out)
    i = np.arange(n_in)
    m = (i[None, :] >= start[:, None]) & (i[None, :] < end[:, None])
    return (m / (end - start)[:, None]).astype(dtype)


def adaptive_avg_pool(x, nd, out):
    """Averages over boxes: separable, one matrix per spatial dim."""
    r = x.astype(np.float32, copy=False) if x.dtype.itemsize < 4 and x.dtype.kind == "f" else x
    for i in range(nd):
        ax = x.ndim - nd + i
        m = _adaptive_matrix(x.shape[ax], out[i], r.dtype if r.dtype.kind == "c" else r.dtype)
        r = np.moveaxis(np.tensordot(r, m, ([ax], [1])), -1, ax)
    return np.ascontiguousarray(r.astype(x.dtype, copy=False))


def adaptive_avg_pool_backward(grad, in_shape, nd):
    r = grad
    for i in range(nd):
        ax = grad.ndim - nd + i
        m = _adaptive_matrix(in_shape[ax], grad.shape[ax], grad.dtype)
        r = np.moveaxis(np.tensordot(r, m, ([ax], [0])), -1, ax)
    return np.ascontiguousarray(r.astype(grad.dtype, copy=False))


def adaptive_max_pool(x, nd, out):
    ins = x.shape[-nd:]
    lead = x.shape[:-nd]
    if 0 in lead or 0 in out:
        shape = lead + tuple(out)
        return np.zeros(shape, x.dtype), np.zeros(shape, np.int64)
    # each dim's windows padded to the longest by repeating their last position (a repeat
    # changes neither the first maximum nor the last NaN)
    pos = []
    for i in range(nd):
        start, end = adaptive_bounds(ins[i], out[i])
        k = int((end - start).max())
        pos.append(np.minimum(start[:, None] + np.arange(k)[None, :], (end - 1)[:, None]))
    # gather (lead, o1, k1, o2, k2, ...) then bring the taps last
    idx = np.ix_(*[p.reshape(-1) for p in pos])
    g = x[(Ellipsis,) + idx]
    shape = lead + tuple(v for p in pos for v in p.shape)
    g = g.reshape(shape)
    L = len(lead)
    perm = list(range(L)) + [L + 2 * i for i in range(nd)] + [L + 2 * i + 1 for i in range(nd)]
    g = g.transpose(perm)
    ks = tuple(p.shape[1] for p in pos)
    flat = g.reshape(lead + tuple(out) + (-1,))
    tap = _argmax_last(flat)
    vals = np.take_along_axis(flat, tap[..., None], -1)[..., 0]
    taps = np.unravel_index(tap, ks)
    index = np.zeros(tap.shape, np.int64)
    mult = 1
    for i in reversed(range(nd)):
        shape = [1] * (L + nd)
        shape[L + i] = out[i]
        o = np.arange(out[i]).reshape(shape)
        index = index + pos[i][o, taps[i]] * mult
        mult *= ins[i]
    return np.ascontiguousarray(vals), np.ascontiguousarray(index)


# ---- fractional max pool ------------------------------------------------------------------------
def fractional_starts(samples, n_in, n_out, k, dt):
    """PyTorch's ``generate_intervals``, for every plane at once: ``samples (...,)`` ->
    window starts ``(..., n_out)``, in the input's floating type."""
    dt = np.dtype(dt).type
    starts = np.zeros(samples.shape + (n_out,), np.int64)
    if n_out > 1:
        alpha = dt(n_in - k) / dt(n_out - 1)
        s = samples.astype(dt)[..., None]
        i = np.arange(n_out - 1).astype(dt)
        starts[..., :-1] = ((i + s) * alpha).astype(np.int64) - (s * alpha).astype(np.int64)
    if n_out > 0:
        starts[..., -1] = n_in - k
    return starts


def fractional_max_pool(x, nd, ks, out, samples, sample_axis):
    """(values, indices) of a fractional max pool of ``x (N, C, *in)`` (a batch dim always),
    with ``samples (N', C, nd)`` (``sample_axis[i]``: the sample of spatial dim ``i``)."""
    n, c = x.shape[:2]
    ins = x.shape[2:]
    shape = (n, c) + tuple(out)
    if 0 in shape:
        return np.zeros(shape, x.dtype), np.zeros(shape, np.int64)
    starts = [fractional_starts(samples[:n, :, sample_axis[i]], ins[i], out[i], ks[i], x.dtype)
              for i in range(nd)]
    index = np.zeros(shape, np.int64)
    mult = 1
    for i in reversed(range(nd)):
        view = [n, c] + [1] * nd
        view[2 + i] = out[i]
        index = index + starts[i].reshape(view) * mult
        mult *= ins[i]
    if any(k == 0 for k in ks):   # (empty windows: the scan never moves from their start)
        return np.full(shape, -np.inf, x.dtype), index
    # positions (N, C, o_1, k_1, ..., o_nd, k_nd) of every window's taps, gathered at once
    idx = [np.arange(n).reshape([n] + [1] * (1 + 2 * nd)),
           np.arange(c).reshape([1, c] + [1] * (2 * nd))]
    for i in range(nd):
        pos = starts[i][..., None] + np.arange(ks[i])   # (N, C, o, k)
        view = [n, c] + [1] * (2 * nd)
        view[2 + 2 * i], view[3 + 2 * i] = out[i], ks[i]
        idx.append(pos.reshape(view))
    g = x[tuple(idx)]
    perm = [0, 1] + [2 + 2 * i for i in range(nd)] + [3 + 2 * i for i in range(nd)]
    flat = g.transpose(perm).reshape(shape + (-1,))
    tap = _argmax_last(flat)
    vals = np.take_along_axis(flat, tap[..., None], -1)[..., 0]
    taps = np.unravel_index(tap, tuple(ks))
    offset = np.zeros(shape, np.int64)
    mult = 1
    for i in reversed(range(nd)):
        offset = offset + taps[i] * mult
        mult *= ins[i]
    lowest = vals == _lowest(x.dtype)
    return np.ascontiguousarray(vals), np.ascontiguousarray(np.where(lowest, index,
                                                                     index + offset))
