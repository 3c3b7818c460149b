"""Distances and norm rescaling: ``dist``, ``renorm`` (+ in-place and ``out=``), ``cdist``
with the ops PyTorch's ``cdist`` dispatches to: ``_cdist_forward``/``_cdist_backward`` (NumPy
kernels, CdistBackward0) and ``_euclidean_dist`` (the matrix-product form for p=2, used with
``compute_mode`` "use_mm_for_euclid_dist" or for more than 25 rows; EuclideanDistBackward0).

``dist`` is PyTorch's CompositeExplicitAutograd ``norm(self - other, p)`` with DistBackward0;
``renorm`` scales each slice along ``dim`` whose p-norm exceeds ``maxnorm`` down to it
(``maxnorm / (norm + 1e-7)``), with PyTorch's ``renorm_backward``/``renorm_jvp``.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype, _layout
from ..testing import samples as S
from ._api import function, public
from ._copy_out import copy_out_variant
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import dtype_of, wrap_dim
from ._variants import inplace_variant, same_dtype_out_variant
from .combining import _infer_size
from .linalg_norms import _vector_norm

OPS = {}


def _register(*fs):
    for f in fs:
        OPS[str(f.op)[len("aten."):]] = f


# ---- dist ---------------------------------------------------------------------------------------
dist = defop("dist(Tensor self, Tensor other, Scalar p=2) -> Tensor")


@dist.explicit
def _(self, other, p=2):
    return aten.norm.Scalar(aten.sub.Tensor(self, other), p)


dist.derivative(self="norm_backward(grad, self - other, p, result)",
                other="-norm_backward(grad, self - other, p, result)",
                result="norm_jvp(self_p - other_p, self_t - other_t, p, result, None, False)")
dist.out = copy_out_variant(dist, "dist.out(Tensor self, Tensor other, Scalar p=2, *, "
                                  "Tensor(a!) out) -> Tensor(a!)")
_register(dist, dist.out)
public("dist", dist)


# ---- renorm -------------------------------------------------------------------------------------
def _renorm_check(self, p, dim, maxnorm):
    if isinstance(p, complex):
        raise RuntimeError("renorm: p must be real-valued")
    if not float(p) > 0.0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if isinstance(maxnorm, complex):
        raise RuntimeError("renorm: maxnorm must be real-valued")
    if not float(maxnorm) >= 0.0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {_fmt(float(maxnorm))}")
    n = len(self.shape)
    if n <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {n} dimensions")
    d = wrap_dim(dim, n)
    dt = dtype_of(self)
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {dt._scalar_name}")
    return d, dt


def _fmt(v):
    return str(int(v)) if v == int(v) else repr(v)


renorm = defop("renorm(Tensor self, Scalar p, int dim, Scalar maxnorm) -> Tensor")


@renorm.cpu
def _(self, p, dim, maxnorm):
    d, dt = _renorm_check(self, p, dim, maxnorm)
    axes = [i for i in range(self.ndim) if i != d]
    acc = _dtype.float32 if dt in (_dtype.float16, _dtype.bfloat16) else None
    norm = _vector_norm(self, p, axes, True, dtype=acc)
    with np.errstate(all="ignore"):
        m = float(maxnorm)
        factor = np.where(norm > m, m / (norm + 1e-7), 1.0).astype(norm.dtype)
        out = self * factor.astype(np.real(self[:0]).dtype)  # (in the input's real type)
    return np.ascontiguousarray(out, dtype=dt._np)


@renorm.meta
def _(self, p, dim, maxnorm):
    _, dt = _renorm_check(self, p, dim, maxnorm)
    return empty_meta(tuple(self._size), dt)


def _reduce_dims(self, dim):
    d = wrap_dim(dim, self.dim())
    return [i for i in range(self.dim()) if i != d]


def _cpu_acc_dtype(dt):
    """c10's CPU accumulate type (float -> double, half -> float, complex float -> double)."""
    return {_dtype.float32: _dtype.float64, _dtype.float16: _dtype.float32,
            _dtype.bfloat16: _dtype.float32, _dtype.complex64: _dtype.complex128}.get(dt, dt)


def renorm_backward(grad, self, p, dim, maxnorm):
    """PyTorch's ``renorm_backward`` (norms in the CPU accumulate type)."""
    from ..autograd._formulas import norm_backward
    dims = _reduce_dims(self, dim)
    acc = _cpu_acc_dtype(self.dtype)
    real_acc = acc.to_real() if acc.is_complex else acc
    norm = aten.linalg_vector_norm.default(self, p, dims, True, dtype=acc)
    grad_output = aten.mul.Tensor(self.conj() if self.dtype.is_complex else self, grad)
    if real_acc is not acc:
        grad_output = aten.real.default(grad_output)
    grad_output = aten.sum.dim_IntList(grad_output, dims, True, dtype=real_acc)
    nb = norm_backward(grad_output, self, p, norm, dims, True)
    invnorm = aten.reciprocal.default(aten.add.Scalar(norm, 1e-7))
    inner = aten.sub.Tensor(grad, aten.mul.Tensor(invnorm, nb))
    grad_norm = aten.mul.Tensor(aten.mul.Scalar(invnorm, maxnorm), inner)
    if grad_norm.dtype is not grad.dtype:
        grad_norm = grad_norm.to(grad.dtype)
    return aten.where.self(aten.gt.Scalar(norm, maxnorm), grad_norm, grad)


def renorm_jvp(self_p, self_t, p, dim, maxnorm):
    """PyTorch's ``renorm_jvp`` (norms in CUDA's accumulate type, as its kernel's)."""
    from ..autograd._formulas import norm_jvp
    dims = _reduce_dims(self_p, dim)
    dt = self_p.dtype
    if dt in (_dtype.float16, _dtype.bfloat16):
        norm = aten.linalg_vector_norm.default(self_p, float(p), dims, True, dtype=_dtype.float32)
    else:
        norm = aten.linalg_vector_norm.default(self_p, float(p), dims, True)
    m = float(maxnorm)
    invnorm = aten.reciprocal.default(aten.add.Scalar(norm, 1e-7))
    factor = aten.mul.Scalar(invnorm, m)
    nj = norm_jvp(self_p, self_t, p, norm, dims, True)
    inner = aten.sub.Tensor(self_t, aten.mul.Tensor(aten.mul.Tensor(self_p, invnorm), nj))
    scaled = aten.mul.Tensor(factor, inner)  # (where's arguments right to left, as C++)
    return aten.where.self(aten.gt.Scalar(norm, m), scaled, self_t)


renorm.derivative(
    self=lambda grad, self, p, dim, maxnorm: renorm_backward(grad, self, p, dim, maxnorm),
    result=lambda self_p, self_t, p, dim, maxnorm: renorm_jvp(self_p, self_t, p, dim, maxnorm))
renorm.complex_autograd = True  # (in PyTorch's GRADIENT_IMPLEMENTED_FOR_COMPLEX)
renorm.out = same_dtype_out_variant(renorm, "renorm.out(Tensor self, Scalar p, int dim, "
                                            "Scalar maxnorm, *, Tensor(a!) out) -> Tensor(a!)")
renorm.inplace = inplace_variant(renorm, "renorm_(Tensor(a!) self, Scalar p, int dim, "
                                         "Scalar maxnorm) -> Tensor(a!)")
_register(renorm, renorm.out, renorm.inplace)
public("renorm", renorm, renorm.out)
public("renorm_", renorm.inplace, function=False)


# ---- _euclidean_dist ----------------------------------------------------------------------------
_euclidean_dist = defop("_euclidean_dist(Tensor x1, Tensor x2) -> Tensor")


@_euclidean_dist.explicit
def _(x1, x2):
    # (|a - b|^2 as one matrix product: [-2a, |a|^2, 1] . [b, 1, |b|^2])
    contiguous = _layout.contiguous_format
    x1_norm = aten.sum.dim_IntList(aten.pow.Tensor_Scalar(x1, 2), [-1], True)
    x1_pad = aten.ones_like.default(x1_norm, memory_format=contiguous)
    x2_norm = aten.sum.dim_IntList(aten.pow.Tensor_Scalar(x2, 2), [-1], True)
    x2_pad = aten.ones_like.default(x2_norm, memory_format=contiguous)
    a = aten.cat.default([aten.mul.Scalar(x1, -2), x1_norm, x1_pad], -1)
    b = aten.cat.default([x2, x2_pad, x2_norm], -1)
    result = aten.matmul.default(a, aten.transpose.int(b, -2, -1))
    aten.sqrt_.default(aten.clamp_min_.default(result, 0))
    return result


def euclidean_dist_backward(grad, x1, x2, res):
    """PyTorch's ``_euclidean_dist_backward`` (a zero subgradient where the distance is 0)."""
    ratio = aten.div.Tensor(grad, res)
    aten.masked_fill_.Scalar(ratio, aten.eq.Scalar(res, 0), 0)
    # (the products first: the order PyTorch's compiled formula evaluates them in)
    p1 = aten.matmul.default(ratio, x2)
    g1 = aten.sub.Tensor(aten.mul.Tensor(x1, aten.sum.dim_IntList(ratio, [-1], True)), p1)
    p2 = aten.matmul.default(aten.transpose.int(ratio, -2, -1), x1)
    s2 = aten.unsqueeze.default(aten.sum.dim_IntList(ratio, [-2], False), -1)
    return g1, aten.sub.Tensor(aten.mul.Tensor(x2, s2), p2)


_euclidean_dist.derivative(
    "EuclideanDistBackward0",
    **{"x1, x2": lambda grad, x1, x2, result: euclidean_dist_backward(grad, x1, x2, result)})
_euclidean_dist.out = copy_out_variant(
    _euclidean_dist, "_euclidean_dist.out(Tensor x1, Tensor x2, *, Tensor(a!) out) -> Tensor(a!)")
_register(_euclidean_dist, _euclidean_dist.out)
public("_euclidean_dist", _euclidean_dist, method=False)


# ---- _cdist_forward / _cdist_backward / cdist ---------------------------------------------------
def _cdist_shape_check(x1, x2):
    n1, n2 = len(x1.shape), len(x2.shape)
    if n1 < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {n1}D")
    if n2 < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {n2}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")


def _cdist_impl_check(x1, x2, p, compute_mode):
    """``cdist_impl``'s checks; (batch shape, its product, mode)."""
    for name, x in (("X1", x1), ("X2", x2)):
        dt = dtype_of(x)
        if not dt.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{dt._scalar_name}")
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    mode = 0 if compute_mode is None else compute_mode
    if not 0 <= mode <= 2:
        raise RuntimeError(f"possible modes: 0, 1, 2, but was: {mode}")
    batch = _infer_size(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    return batch, math.prod(batch), mode


def _uses_mm(p, mode, r1, r2):
    """Whether p=2 distances take the matrix-product route (_euclidean_dist)."""
    return p == 2 and (mode == 1 or (mode == 0 and (r1 > 25 or r2 > 25)))


def _cdist_np(a, b, p):
    """Distances between the rows of ``a`` (B, r1, c) and ``b`` (B, r2, c)."""
    diff = np.abs(a[:, :, None, :] - b[:, None, :, :])
    with np.errstate(all="ignore"):
        if p == 0:
            return np.sum(diff != 0, axis=-1).astype(a.dtype)
        if p == 1:
            return np.sum(diff, axis=-1)
        if p == 2:
            return np.sqrt(np.sum(diff * diff, axis=-1))
        if math.isinf(p):
            return np.max(diff, axis=-1)
        return np.sum(diff ** p, axis=-1) ** (1.0 / p)


_cdist_forward = defop("_cdist_forward(Tensor x1, Tensor x2, float p, int? compute_mode) -> "
                       "Tensor", tags=("core",))


@_cdist_forward.cpu
def _(x1, x2, p, compute_mode):
    _cdist_shape_check(x1, x2)
    batch, bp, mode = _cdist_impl_check(x1, x2, p, compute_mode)
    (r1, c), r2 = x1.shape[-2:], x2.shape[-2]
    shape = tuple(batch) + (r1, r2)
    if r1 == 0 or r2 == 0 or bp == 0 or c == 0:
        return np.zeros(shape, x1.dtype)
    if x1.dtype != x2.dtype:  # (the kernel reads both as X1's type)
        raise RuntimeError(f"expected scalar type {dtype_of(x1)._scalar_name} but found "
                           f"{dtype_of(x2)._scalar_name}")
    a = np.broadcast_to(x1, tuple(batch) + (r1, c)).reshape(bp, r1, c)
    b = np.broadcast_to(x2, tuple(batch) + (r2, c)).reshape(bp, r2, c)
    if _uses_mm(p, mode, r1, r2):
        raise NotImplementedError("_cdist_forward: the matrix-product route is taken by cdist "
                                  "itself (through _euclidean_dist)")
    return np.ascontiguousarray(_cdist_np(a, b, p).astype(x1.dtype).reshape(shape))


@_cdist_forward.meta
def _(x1, x2, p, compute_mode):
    _cdist_shape_check(x1, x2)
    batch, _, _ = _cdist_impl_check(x1, x2, p, compute_mode)
    return empty_meta(tuple(batch) + (x1.shape[-2], x2.shape[-2]), x1.dtype)


_cdist_forward.derivative(
    "CdistBackward0",
    x1=lambda grad, x1, x2, p, result:
    aten._cdist_backward.default(grad.contiguous(), x1, x2, p, result),
    x2=lambda grad, x1, x2, p, result:
    aten._cdist_backward.default(grad.mT.contiguous(), x2, x1, p, result.mT.contiguous()))
_cdist_forward.out = copy_out_variant(
    _cdist_forward, "_cdist_forward.out(Tensor x1, Tensor x2, float p, int? compute_mode, *, "
                    "Tensor(a!) out) -> Tensor(a!)")


def _cdist_grad_np(grad, a, b, p, dist):
    """Each row of ``a``'s gradient: the sum over ``b``'s rows of PyTorch's per-pair terms."""
    diff = a[:, :, None, :] - b[:, None, :, :]
    g = grad[..., None]
    d = dist[..., None]
    s = np.sign(diff)
    with np.errstate(all="ignore"):
        if p == 0:
            terms = np.zeros_like(diff)
        elif p == 1:
            terms = g * s
        elif p < 2:
            t = s * np.abs(diff) ** (p - 1) * g / d ** (p - 1)
            terms = np.where((d == 0) | ((diff == 0) & (p < 1)), 0, t)
        elif p == 2:
            terms = np.where(d == 0, 0, g * diff / d)
        elif math.isinf(p):
            terms = g * s * (1 - np.minimum(1, np.ceil(np.abs(np.abs(diff) - d))))
        else:
            t = diff * np.abs(diff) ** (p - 2) * g / d ** (p - 1)
            terms = np.where(d == 0, 0, t)
    return np.sum(terms, axis=2)


def _cdist_backward_geometry(x1, x2):
    batch = _infer_size(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    return batch, math.prod(batch)


_cdist_backward = defop("_cdist_backward(Tensor grad, Tensor x1, Tensor x2, float p, "
                        "Tensor cdist) -> Tensor")


@_cdist_backward.cpu
def _(grad, x1, x2, p, cdist):
    batch, bp = _cdist_backward_geometry(x1, x2)
    (r1, c), r2 = x1.shape[-2:], x2.shape[-2]
    if r1 == 0 or r2 == 0 or c == 0 or bp == 0:
        return np.zeros(x1.shape, x1.dtype)
    a = np.broadcast_to(x1, tuple(batch) + (r1, c)).reshape(bp, r1, c)
    b = np.broadcast_to(x2, tuple(batch) + (r2, c)).reshape(bp, r2, c)
    gx = _cdist_grad_np(np.reshape(grad, (bp, r1, r2)), a, b, p, np.reshape(cdist, (bp, r1, r2)))
    return np.ascontiguousarray(gx.astype(x1.dtype).reshape(tuple(batch) + (r1, c)))


@_cdist_backward.meta
def _(grad, x1, x2, p, cdist):
    batch, bp = _cdist_backward_geometry(x1, x2)
    (r1, c), r2 = x1.shape[-2:], x2.shape[-2]
    if r1 == 0 or r2 == 0 or c == 0 or bp == 0:
        return empty_meta(tuple(x1.shape), x1.dtype)
    return empty_meta(tuple(batch) + (r1, c), x1.dtype)


_cdist_backward.out = copy_out_variant(
    _cdist_backward, "_cdist_backward.out(Tensor grad, Tensor x1, Tensor x2, float p, "
                     "Tensor cdist, *, Tensor(a!) out) -> Tensor(a!)")
_register(_cdist_forward, _cdist_forward.out, _cdist_backward, _cdist_backward.out)


def _cdist_mm(x1, x2, p, compute_mode):
    """``cdist_impl`` on the matrix-product route: batches flattened, ``_euclidean_dist``."""
    batch, bp, _ = _cdist_impl_check(x1, x2, p, compute_mode)
    (r1, c1), (r2, c2) = x1._size[-2:], x2._size[-2:]
    t1 = aten.view.default(aten.expand.default(x1, list(batch) + [r1, c1]).contiguous(),
                           [bp, r1, c1])
    t2 = aten.view.default(aten.expand.default(x2, list(batch) + [r2, c2]).contiguous(),
                           [bp, r2, c2])
    d = aten._euclidean_dist.default(x1, x2) if bp == 1 else \
        aten._euclidean_dist.default(t1, t2)
    return aten.view.default(d, list(batch) + [r1, r2])


def _cdist(x1, x2, p=2.0, compute_mode=None):
    _cdist_shape_check(x1, x2)
    if x1.numel() == 0 or x2.numel() == 0:
        return aten._cdist_forward.default(x1, x2, p, compute_mode)
    mode = 0 if compute_mode is None else compute_mode
    if _uses_mm(p, mode, x1._size[-2], x2._size[-2]):
        return _cdist_mm(x1, x2, p, compute_mode)
    return aten._cdist_forward.default(x1, x2, p, compute_mode)


cdist_op = defop("cdist(Tensor x1, Tensor x2, float p=2., int? compute_mode=None) -> Tensor")
cdist_op.composite(_cdist)
_register(cdist_op)

_COMPUTE_MODES = {"use_mm_for_euclid_dist_if_necessary": None, "use_mm_for_euclid_dist": 1,
                  "donot_use_mm_for_euclid_dist": 2}


@function("cdist")
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between each pair of rows of ``x1`` and ``x2`` (batched).
    ``compute_mode``: whether p=2 distances use the faster, less exact matrix-product form
    (by default when either has more than 25 rows)."""
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    return cdist_op.op(x1, x2, p, _COMPUTE_MODES[compute_mode])


# ---- samples ------------------------------------------------------------------------------------
def _floats(dtype):
    return dtype in ("float32", "float64")


def _dist_samples(dtype):
    if not (_floats(dtype) or dtype in ("complex64", "complex128")):
        return
    A = S.make_arr
    yield S.SampleInput(A((2, 3), dtype), A((2, 3), dtype, seed=1))
    yield S.SampleInput(A((3,), dtype, seed=2), A((2, 3), dtype, seed=3), 1)
    yield S.SampleInput(A((2, 2), dtype, seed=4, noncontig=True), A((2, 2), dtype, seed=5), 3.5)
    yield S.SampleInput(A((4,), dtype, seed=6), A((4,), dtype, seed=7), float("inf"))


def _renorm_samples(dtype):
    if not _floats(dtype):
        return
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), 2, 0, 1.0)
    yield S.SampleInput(A((2, 3, 2), dtype, seed=1, noncontig=True), 1, 1, 0.5)
    yield S.SampleInput(A((3, 2), dtype, seed=2), 3, -1, 100.0)


def _cdist_samples(dtype):
    if not _floats(dtype):
        return
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), A((2, 4), dtype, seed=1))
    yield S.SampleInput(A((2, 3, 2), dtype, seed=2), A((4, 2), dtype, seed=3), 1.0)
    yield S.SampleInput(A((3, 2), dtype, seed=4, noncontig=True), A((1, 2, 2), dtype, seed=5), 3.0)
    yield S.SampleInput(A((2, 3), dtype, seed=6), A((3, 3), dtype, seed=7), 2.0, 1)
    yield S.SampleInput(A((2, 3), dtype, seed=8), A((2, 3), dtype, seed=9), float("inf"))


dist.samples(_dist_samples)
renorm.samples(_renorm_samples)
cdist_op.samples(_cdist_samples)


def _cdist_forward_samples(dtype):
    if not _floats(dtype):
        return
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), A((2, 4), dtype, seed=1), 2.0, None)
    yield S.SampleInput(A((2, 3, 2), dtype, seed=2), A((4, 2), dtype, seed=3), 1.5, None)
    yield S.SampleInput(A((3, 2), dtype, seed=4, noncontig=True), A((1, 2, 2), dtype, seed=5),
                        3.0, 2)
    yield S.SampleInput(A((2, 3), dtype, seed=6), A((3, 3), dtype, seed=7), float("inf"), None)


def _euclidean_dist_samples(dtype):
    if not _floats(dtype):
        return
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), A((2, 4), dtype, seed=1))
    yield S.SampleInput(A((2, 3, 2), dtype, seed=2), A((2, 4, 2), dtype, seed=3))


_cdist_forward.samples(_cdist_forward_samples)
_euclidean_dist.samples(_euclidean_dist_samples)
