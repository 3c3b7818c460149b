"""Grid sampling (defined at first use: see ``_aten/_lazy.py``): ``grid_sampler_2d`` and
``grid_sampler_3d`` with their ``_backward`` ops (GridSampler2DBackward0...; the backward's
own derivative, GridSampler2DBackwardBackward0, is ``_grid_sampler_double_backward`` below),
the composite ``grid_sampler`` that ``F.grid_sample`` calls, and ``affine_grid_generator``
(a CompositeExplicitAutograd op) with its composite ``affine_grid_generator_backward``.

One NumPy kernel serves both dimensionalities: along each spatial dimension a sample point
has a few taps (index, weight, d weight / d coordinate: two for bilinear, one for nearest,
four for bicubic), and a sample is the sum over the taps' product over the dimensions.
"""
from __future__ import annotations

import itertools

import numpy as np

from ._api import public
from ._copy_out import out_overload
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from .conv import _sizes

BILINEAR, NEAREST, BICUBIC = 0, 1, 2
ZEROS, BORDER, REFLECTION = 0, 1, 2
_CUBIC_A = -0.75


# ---- checks (GridSamplerUtils.h) ---------------------------------------------------------------
def _check(input, grid, nd, interpolation_mode):
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but "
                           f"got input with sizes {_sizes(input.shape)} and grid with sizes "
                           f"{_sizes(grid.shape)}")
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in "
                           f"last dimension, but got grid with sizes {_sizes(grid.shape)}")
    for i in range(2, input.dim()):
        if input.shape[i] <= 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {_sizes(input.shape)} with "
                               f"dimension {i} being empty")
    if input.dim() != nd + 2 or grid.dim() != input.dim():
        raise RuntimeError(f"grid_sampler(): expected {nd + 2}D input and grid with same number "
                           f"of dimensions, but got input with sizes {_sizes(input.shape)} and "
                           f"grid with sizes {_sizes(grid.shape)}")
    if nd == 3 and interpolation_mode == BICUBIC:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")


def _check_dtypes(kernel_name, input, *others):
    dt = input.dtype
    if not dt.is_floating_point:
        raise NotImplementedError(f'"{kernel_name}" not implemented for \'{dt._scalar_name}\'')
    for t in others:
        if t.dtype is not dt:
            raise RuntimeError(f"expected scalar type {dt._scalar_name} but found "
                               f"{t.dtype._scalar_name}")


# ---- source coordinates ------------------------------------------------------------------------
def _unnormalize(coord, size, align_corners):
    """Grid values in [-1, 1] to pixel coordinates, with d pixel / d grid."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1), (size - 1) / 2
    return ((coord + 1) * size - 1) / 2, size / 2


def _clip(coord, size):
    """Border padding: clamp to [0, size - 1]; the gradient stops outside."""
    inside = (coord >= 0) & (coord <= size - 1)
    return np.clip(coord, 0, size - 1), inside


def _reflect(coord, twice_low, twice_high):
    """Reflect by the borders until in range (PyTorch's reflect_coordinates), with the sign of
    d out / d coord."""
    if twice_low == twice_high:
        return np.zeros_like(coord), np.zeros_like(coord)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    c = coord - low
    sign = np.where(c < 0, -1.0, 1.0)
    c = np.abs(c)
    extra = np.fmod(c, span)
    flips = np.floor(c / span)
    even = np.fmod(flips, 2) == 0
    return np.where(even, extra + low, span - extra + low), np.where(even, sign, -sign)


def _pad_coord(coord, size, padding_mode, align_corners):
    """The padding mode's coordinate and its gradient factor."""
    if padding_mode == BORDER:
        c, inside = _clip(coord, size)
        return c, inside.astype(coord.dtype)
    if padding_mode == REFLECTION:
        if align_corners:
            c, sign = _reflect(coord, 0, 2 * (size - 1))
        else:
            c, sign = _reflect(coord, -1, 2 * size - 1)
        c, inside = _clip(c, size)
        return c, (sign * inside).astype(coord.dtype)
    return coord, np.ones_like(coord)


def _cubic(t):
    """The four cubic-convolution weights at ``t`` (taps -1, 0, 1, 2), their first and second
    derivatives."""
    a = _CUBIC_A

    def near(x):   # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def dnear(x):
        return (3 * (a + 2) * x - 2 * (a + 3)) * x

    def far(x):    # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    def dfar(x):
        return (3 * a * x - 10 * a) * x + 8 * a

    def d2near(x):
        return 6 * (a + 2) * x - 2 * (a + 3)

    def d2far(x):
        return 6 * a * x - 10 * a
    w = (far(t + 1), near(t), near(1 - t), far(2 - t))
    dw = (dfar(t + 1), dnear(t), -dnear(1 - t), -dfar(2 - t))
    d2w = (d2far(t + 1), d2near(t), d2near(1 - t), d2far(2 - t))
    return w, dw, d2w


def _taps(coord, size, interpolation_mode, padding_mode, align_corners):
    """One dimension's taps: (index, weight, d weight / d grid, d2 weight / d grid2)."""
    x, mult = _unnormalize(coord, size, align_corners)
    if interpolation_mode == BICUBIC:
        f = np.floor(x)
        w, dw, d2w = _cubic(x - f)
        taps = []
        for k in range(4):
            idx = f + (k - 1)
            if padding_mode != ZEROS:
                idx = _pad_coord(idx, size, padding_mode, align_corners)[0]
            taps.append((idx, w[k], dw[k] * mult, d2w[k] * (mult * mult)))
        return taps
    x, gmult = _pad_coord(x, size, padding_mode, align_corners)
    gmult = gmult * mult
    zero = np.zeros_like(x)
    if interpolation_mode == NEAREST:
        return [(np.rint(x), np.ones_like(x), zero, zero)]
    f = np.floor(x)
    t = x - f
    return [(f, 1 - t, -gmult, zero), (f + 1, t, gmult, zero)]


def _plan(inp, grid, interpolation_mode, padding_mode, align_corners, second=False):
    """The tap combinations, each (flat index into the spatial dims, weight, [d weight /
    d grid_k for each k][, [[d2 weight / d grid_k d grid_j]]]): arrays of shape (N, P) for the
    P output points, zero where a tap falls outside the input."""
    nd = grid.shape[-1]
    sizes = inp.shape[2:]
    g = grid.reshape(grid.shape[0], int(np.prod(grid.shape[1:-1])), nd)
    # (input spatial dim d reads grid component nd - 1 - d)
    per_dim = [_taps(g[..., nd - 1 - d], sizes[d], interpolation_mode, padding_mode,
                     align_corners) for d in range(nd)]
    strides = [int(np.prod(sizes[d + 1:])) for d in range(nd)]
    comp = [nd - 1 - k for k in range(nd)]   # grid component k -> its input dim
    combos = []
    for choice in itertools.product(*per_dim):
        inside = True
        for d, tap in enumerate(choice):
            inside = inside & (tap[0] >= 0) & (tap[0] <= sizes[d] - 1)
        flat = 0
        for d, tap in enumerate(choice):
            flat = flat + np.where(inside, tap[0], 0).astype(np.int64) * strides[d]

        def product(factors):   # {dim: which tap entry}: the product over the dims
            r = inside
            for d, tap in enumerate(choice):
                r = r * tap[factors.get(d, 1)]
            return r
        w = product({})
        dws = [product({comp[k]: 2}) for k in range(nd)]
        if not second:
            combos.append((flat, w, dws))
            continue
        d2 = [[product({comp[k]: 3}) if k == j else product({comp[k]: 2, comp[j]: 2})
               for j in range(nd)] for k in range(nd)]
        combos.append((flat, w, dws, d2))
    return combos


def _compute_dtype(dt):
    return np.float32 if dt.itemsize < 4 else dt


def _gather(x, flat):
    """x (N, C, S) at flat (N, P) -> (N, C, P)."""
    return np.take_along_axis(x, flat[:, None, :], axis=2)


def _sample(inp, grid, interpolation_mode, padding_mode, align_corners):
    ct = _compute_dtype(inp.dtype)
    n, c = inp.shape[:2]
    x = inp.reshape(n, c, int(np.prod(inp.shape[2:]))).astype(ct, copy=False)
    p = int(np.prod(grid.shape[1:-1]))
    out = np.zeros((n, c, p), ct)
    if x.size and p:
        for flat, w, _ in _plan(inp, grid.astype(ct, copy=False), interpolation_mode,
                                padding_mode, align_corners):
            out += _gather(x, flat) * w[:, None, :].astype(ct, copy=False)
    return out.reshape((n, c) + grid.shape[1:-1]).astype(inp.dtype, copy=False)


def _sample_backward(gout, inp, grid, interpolation_mode, padding_mode, align_corners,
                     want_input):
    ct = _compute_dtype(inp.dtype)
    n, c = inp.shape[:2]
    nd = grid.shape[-1]
    s = int(np.prod(inp.shape[2:]))
    x = inp.reshape(n, c, s).astype(ct, copy=False)
    p = int(np.prod(grid.shape[1:-1]))
    go = gout.reshape(n, c, p).astype(ct, copy=False)
    gi = np.zeros(n * c * s, np.float64) if want_input else None
    gg = np.zeros((n, p, nd), ct)
    if n and p and c:
        base = (np.arange(n)[:, None, None] * c + np.arange(c)[None, :, None]) * s
        for flat, w, dws in _plan(inp, grid.astype(ct, copy=False), interpolation_mode,
                                  padding_mode, align_corners):
            if want_input:
                gi += np.bincount((base + flat[:, None, :]).ravel(),
                                  (go * w[:, None, :]).ravel(), minlength=gi.size)
            if interpolation_mode != NEAREST:
                vals = (_gather(x, flat) * go).sum(axis=1)
                for k in range(nd):
                    gg[..., k] += vals * dws[k]
    grad_input = None if gi is None else gi.reshape(inp.shape).astype(inp.dtype)
    return grad_input, gg.reshape(grid.shape).astype(grid.dtype, copy=False)


# ---- the ops -----------------------------------------------------------------------------------
def _forward(nd, kernel_name):
    def cpu(ks_, input, grid, interpolation_mode, padding_mode, align_corners):
        from .._tensor import from_array
        _check(input, grid, nd, interpolation_mode)
        _check_dtypes(kernel_name, input, grid)
        return from_array(np.ascontiguousarray(_sample(
            input._np, grid._np, interpolation_mode, padding_mode, align_corners)))

    def meta(input, grid, interpolation_mode, padding_mode, align_corners):
        _check(input, grid, nd, interpolation_mode)
        return empty_meta(list(input.shape[:2]) + list(grid.shape[1:-1]), input.dtype)
    return cpu, meta


def _backward(nd, kernel_name):
    def cpu(ks_, grad_output, input, grid, interpolation_mode, padding_mode, align_corners,
            output_mask):
        from .._tensor import from_array
        _check(input, grid, nd, interpolation_mode)
        _check_dtypes(kernel_name, input, grid, grad_output)
        gi, gg = _sample_backward(grad_output._np, input._np, grid._np, interpolation_mode,
                                  padding_mode, align_corners, bool(output_mask[0]))
        return (None if gi is None else from_array(np.ascontiguousarray(gi)),
                from_array(np.ascontiguousarray(gg)))

    def meta(grad_output, input, grid, interpolation_mode, padding_mode, align_corners,
             output_mask):
        _check(input, grid, nd, interpolation_mode)
        return (empty_meta(input.shape, input.dtype) if output_mask[0] else None,
                empty_meta(grid.shape, grid.dtype))
    return cpu, meta


def _backward_formula(nd):
    name = f"grid_sampler_{nd}d_backward"

    def formula(grad, input, grid, interpolation_mode, padding_mode, align_corners,
                grad_input_mask):
        if grad is None:
            return None, None
        return getattr(aten, name).default(grad, input, grid, interpolation_mode, padding_mode,
                                           align_corners, list(grad_input_mask))
    return formula


def _double_backward_formula(nd):
    def formula(grads, grad_output, input, grid, interpolation_mode, padding_mode,
                align_corners, grad_input_mask):
        return _grid_sampler_double_backward(
            nd, grads[0], grads[1], grad_output, input, grid, interpolation_mode,
            padding_mode, align_corners, grad_input_mask)
    return formula


def _grid_sampler_double_backward(nd, ggI, ggG, gO, input, grid, interpolation_mode,
                                  padding_mode, align_corners, mask):
    """The derivatives of (grad_input, grad_grid) = backward(gO, input, grid) applied to their
    gradients (ggI, ggG).  grad_input is linear in gO alone, so its terms are the op and its
    backward again; grad_grid is bilinear in gO and input, and its terms (the op's derivative
    in the grid for gO, the backward's for input, the second derivative in the grid for grid)
    come from ``_second_order``."""
    from .._tensor import from_array
    fwd = getattr(aten, f"grid_sampler_{nd}d").default
    bwd = getattr(aten, f"grid_sampler_{nd}d_backward").default
    args = (interpolation_mode, padding_mode, align_corners)
    g_gO = g_input = g_grid = None
    if ggI is not None:
        if mask[0]:
            g_gO = fwd(ggI, grid, *args)
        if mask[2]:
            g_grid = bwd(gO, ggI, grid, *args, [False, True])[1]
    if ggG is not None and interpolation_mode != NEAREST:
        t_gO, t_input, t_grid = _second_order(ggG._np, gO._np, input._np, grid._np, *args,
                                              mask)
        if t_gO is not None:
            t_gO = from_array(t_gO)
            g_gO = t_gO if g_gO is None else g_gO + t_gO
        if t_input is not None:
            g_input = from_array(t_input)
        if t_grid is not None:
            t_grid = from_array(t_grid)
            g_grid = t_grid if g_grid is None else g_grid + t_grid
    if mask[2] and g_grid is None:
        g_grid = aten.zeros_like.default(grid)
    return g_gO, g_input, g_grid


def _second_order(ggG, gout, inp, grid, interpolation_mode, padding_mode, align_corners, mask):
    """The grad_grid terms of the double backward, tap by tap: for gO, the output's
    derivative in the grid along ggG; for input, the scatter of gO times the weights'
    derivatives along ggG; for grid, the weights' second derivatives contracted with ggG."""
    ct = _compute_dtype(inp.dtype)
    n, c = inp.shape[:2]
    nd = grid.shape[-1]
    s = int(np.prod(inp.shape[2:]))
    p = int(np.prod(grid.shape[1:-1]))
    x = inp.reshape(n, c, s).astype(ct, copy=False)
    go = gout.reshape(n, c, p).astype(ct, copy=False)
    gg = ggG.reshape(n, p, nd).astype(ct, copy=False)
    t_gO = np.zeros((n, c, p), ct) if mask[0] else None
    t_in = np.zeros(n * c * s, np.float64) if mask[1] else None
    t_grid = np.zeros((n, p, nd), ct) if mask[2] else None
    if n and p and c:
        base = (np.arange(n)[:, None, None] * c + np.arange(c)[None, :, None]) * s
        for flat, _, dws, d2 in _plan(inp, grid.astype(ct, copy=False), interpolation_mode,
                                      padding_mode, align_corners, second=True):
            along = sum(gg[..., k] * dws[k] for k in range(nd))      # (N, P)
            vals = _gather(x, flat)
            if t_gO is not None:
                t_gO += vals * along[:, None, :]
            if t_in is not None:
                t_in += np.bincount((base + flat[:, None, :]).ravel(),
                                    (go * along[:, None, :]).ravel(), minlength=t_in.size)
            if t_grid is not None:
                vg = (vals * go).sum(axis=1)
                for j in range(nd):
                    t_grid[..., j] += vg * sum(gg[..., k] * d2[k][j] for k in range(nd))
    return (None if t_gO is None else t_gO.reshape(gout.shape).astype(inp.dtype),
            None if t_in is None else t_in.reshape(inp.shape).astype(inp.dtype),
            None if t_grid is None else t_grid.reshape(grid.shape).astype(grid.dtype))


# ---- grid_sampler (the front) ------------------------------------------------------------------
def _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    if input.dim() == 4:
        return aten.grid_sampler_2d.default(input, grid, interpolation_mode, padding_mode,
                                            align_corners)
    return aten.grid_sampler_3d.default(input, grid, interpolation_mode, padding_mode,
                                        align_corners)


# ---- affine_grid_generator ---------------------------------------------------------------------
def _linspace_from_neg_one(like, steps, align_corners):
    if steps <= 1:
        return aten.scalar_tensor.default(0, dtype=like.dtype, device=like.device)
    r = aten.linspace.default(-1, 1, steps, dtype=like.dtype, device=like.device)
    if not align_corners:
        r = aten.div.Scalar(aten.mul.Scalar(r, steps - 1), steps)
    return r


def _base_grid(theta, size, align_corners):
    """(N, *spatial, nd + 1): the x, y[, z] coordinates and a column of ones."""
    nd = len(size) - 2
    spatial = [int(s) for s in size[2:]]
    base = aten.empty.memory_format([int(size[0])] + spatial + [nd + 1], dtype=theta.dtype,
                                    device=theta.device)
    for k in range(nd):    # component k runs along spatial dim nd - 1 - k
        column = aten.select.int(base, -1, k)
        line = _linspace_from_neg_one(theta, spatial[nd - 1 - k], align_corners)
        for _ in range(k):
            line = aten.unsqueeze_.default(line, -1)
        aten.copy_.default(column, line)
    aten.fill_.Scalar(aten.select.int(base, -1, nd), 1)
    return base


def _affine_grid_generator_check(size):
    if len(size) not in (4, 5):
        raise RuntimeError("AffineGridGenerator needs 4d (spatial) or 5d (volumetric) inputs.")


def _affine_grid_generator(theta, size, align_corners):
    _affine_grid_generator_check(size)
    nd = len(size) - 2
    n = int(size[0])
    spatial = [int(s) for s in size[2:]]
    base = _base_grid(theta, size, align_corners)
    pts = int(np.prod(spatial))
    grid = aten.bmm.default(base.view([n, pts, nd + 1]), theta.transpose(1, 2))
    return grid.view([n] + spatial + [nd])


def _affine_grid_generator_meta(theta, size, align_corners):
    _affine_grid_generator_check(size)
    return empty_meta([int(size[0])] + [int(s) for s in size[2:]] + [len(size) - 2],
                      theta.dtype)


def _affine_grid_generator_backward(grad, size, align_corners):
    _affine_grid_generator_check(size)
    nd = len(size) - 2
    n = int(size[0])
    pts = int(np.prod([int(s) for s in size[2:]]))
    base = _base_grid(grad, size, align_corners)
    g = aten.bmm.default(base.view([n, pts, nd + 1]).transpose(1, 2), grad.view([n, pts, nd]))
    return g.transpose(1, 2)


# ---- install -----------------------------------------------------------------------------------
_ARGS = "Tensor input, Tensor grid, int interpolation_mode, int padding_mode, bool align_corners"


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    gs = defop(f"grid_sampler({_ARGS}) -> Tensor")
    gs.composite(_grid_sampler)
    fwds = []
    for nd in (2, 3):
        fwd_name = ("grid_sampler_2d_cpu_kernel_impl", "grid_sampler3d_cpu")[nd - 2]
        bwd_name = ("grid_sampler_2d_backward_cpu_kernel_impl",
                    "grid_sampler_3d_backward_cpu")[nd - 2]
        f = defop(f"grid_sampler_{nd}d({_ARGS}) -> Tensor",
                  tags=("core",) if nd == 2 else ())
        cpu, meta = _forward(nd, fwd_name)
        f.cpu_ks(cpu)
        f.meta(meta)
        f.derivative(f"GridSampler{nd}DBackward0",
                     **{"input, grid": _backward_formula(nd)})
        out_overload(f)
        b = defop(f"grid_sampler_{nd}d_backward(Tensor grad_output, {_ARGS}, "
                  "bool[2] output_mask) -> (Tensor, Tensor)")
        cpu, meta = _backward(nd, bwd_name)
        b.cpu_ks(cpu)
        b.meta(meta)
        b.derivative(f"GridSampler{nd}DBackwardBackward0",
                     **{"grad_output, input, grid": _double_backward_formula(nd)})
        out_overload(b, out_names=("out0", "out1"))
        fwds.append(f)
    ag = defop("affine_grid_generator(Tensor theta, SymInt[] size, bool align_corners) -> Tensor")
    ag.explicit(_affine_grid_generator)
    ag.meta(_affine_grid_generator_meta)
    ag.derivative(theta="aten.affine_grid_generator_backward.default(grad, size, "
                        "align_corners)", result="auto_linear")
    out_overload(ag)
    agb = defop("affine_grid_generator_backward(Tensor grad, SymInt[] size, bool align_corners)"
                " -> Tensor")
    agb.composite(_affine_grid_generator_backward)
    public("grid_sampler", gs, method=False)
    public("grid_sampler_2d", fwds[0], method=False)
    public("grid_sampler_3d", fwds[1], method=False)
    public("affine_grid_generator", ag, method=False)
