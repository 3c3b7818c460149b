"""Shared pieces of the ``torch.linalg`` ops: PyTorch's input checks and error texts,
``LinAlgError``, batched LU in NumPy (for ``info``, pivots and determinants), and results laid
out as LAPACK leaves them (each matrix column-major, batches row-major: the strides PyTorch's
linalg outputs have).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor, from_array
from ._defop import defop
from ._meta_util import empty_meta
from ._util import dtype_of


class LinAlgError(RuntimeError):
    """Raised by ``torch.linalg`` functions when the input is numerically invalid (a singular
    matrix, one that is not positive-definite...).  ``torch.linalg.LinAlgError`` is
    ``torch._C._LinAlgError``, a ``RuntimeError``."""


LinAlgError.__name__ = LinAlgError.__qualname__ = "_LinAlgError"
LinAlgError.__module__ = "kindling._C"

_LOWP = ("float16", "bfloat16")


# ---- checks (ndarrays or meta tensors) ----------------------------------------------------------
def check_matrix(name, a, arg="A"):
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")


def check_square(name, a, arg="A"):
    check_matrix(name, a, arg)
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")


def check_float(name, a, arg="input", lowp=None):
    """Floating point or complex; ``lowp``: the CPU kernel whose missing Half instantiation
    PyTorch reports (None: its "Low precision dtypes" error)."""
    dt = dtype_of(a)
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as {arg}. "
                           f"Got {dt._scalar_name}")
    if dt._name in _LOWP:
        if lowp is None:
            raise RuntimeError(f"{name}: Low precision dtypes not supported. Got "
                               f"{dt._scalar_name}")
        raise NotImplementedError(f"\"{lowp}\" not implemented for '{dt._scalar_name}'")
    return dt


def check_kernel_dtype(kernel, a):
    """A CPU kernel with only float/complex instantiations (``linalg_eigh_cpu``...)."""
    dt = dtype_of(a)
    if not (dt.is_floating_point or dt.is_complex) or dt._name in _LOWP:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt._scalar_name}'")
    return dt


def check_same_dtype(name, a, b):
    da, db = dtype_of(a), dtype_of(b)
    if da is not db:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of "
                           f"type {da._scalar_name} and B of type {db._scalar_name} instead")


def raise_info(name, info, batched, message):
    """PyTorch's _linalg_check_errors: a LinAlgError for the first failed matrix."""
    flat = np.asarray(info).reshape(-1)
    bad = np.nonzero(flat > 0)[0]
    if not len(bad):
        return
    i = int(bad[0])
    prefix = f"{name}: (Batch element {i}): " if batched else f"{name}: "
    raise LinAlgError(prefix + message(int(flat[i])))


# ---- layouts -------------------------------------------------------------------------------------
def fortran(a):
    """``a`` with each matrix column-major (a fresh array)."""
    if a.ndim < 2:
        return np.array(a)
    return np.swapaxes(np.ascontiguousarray(np.swapaxes(a, -1, -2)), -1, -2)


def f_tensor(a):
    """``a`` as a fresh tensor laid out as PyTorch's LAPACK outputs: each matrix column-major,
    with PyTorch's strides for those also where NumPy's differ (size-1 and empty dims)."""
    t = from_array(fortran(a))
    if a.ndim >= 2:
        t._stride_ = tuple(f_strides(a.shape))
    return t


def f_strides(shape):
    shape = tuple(shape)
    if len(shape) < 2:
        return None
    st = [0] * len(shape)
    acc = 1
    order = list(range(len(shape) - 2)) + [len(shape) - 1, len(shape) - 2]
    for i in reversed(order):
        st[i] = acc
        acc *= max(shape[i], 1)
    return st


def meta_f(shape, dt):
    return empty_meta(shape, dt, f_strides(shape))


def meta_c(shape, dt):
    return empty_meta(shape, dt)


def real_dtype(dt):
    return dt.to_real() if dt.is_complex else dt


def np_real(a_dtype):
    return np.empty(0, a_dtype).real.dtype


# ---- kernels over ndarrays, results as tensors with their NumPy layout ---------------------------
def _unwrap(x):
    if isinstance(x, Tensor):
        return x._np
    if type(x) in (list, tuple):
        return [_unwrap(e) for e in x]
    return x


class Conjugated:
    """A kernel result PyTorch hands back as a conjugate view (``linalg.solve(..., left=False)``
    on complex inputs solves the adjoint system): ``stored`` holds the conjugated values."""
    __slots__ = ("stored",)

    def __init__(self, stored):
        self.stored = stored


def _wrap(r):
    if isinstance(r, np.ndarray):
        return from_array(r)
    if isinstance(r, Conjugated):
        from .._dispatcher.keys import K, bit
        t = from_array(r.stored)
        t._ks |= bit(K.Conjugate)
        return t
    if isinstance(r, tuple):
        return tuple(_wrap(x) for x in r)
    return r


def declare(schema, kernel, meta, tags=()):
    """An op with a NumPy kernel whose results keep the layout the kernel gives them (a fresh
    array, or a view of one: PyTorch's column-major linalg outputs)."""
    d = defop(schema, tags)

    @d.cpu_ks
    def _(ks, *args, **kwargs):
        a = [_unwrap(x) for x in args]
        kw = {k: _unwrap(v) for k, v in kwargs.items()} if kwargs else {}
        return _wrap(kernel(*a, **kw))

    d.meta(meta)
    return d


# ---- LU with partial pivoting (LAPACK's getrf, batched) ------------------------------------------
def lu_factor(a):
    """``(LU, pivots, info)`` of matrices ``a[..., m, n]``: pivots (``min(m, n)`` of them)
    1-based int32, info the 1-based index of the first zero pivot (0 when none), as LAPACK's
    getrf."""
    m, n = a.shape[-2], a.shape[-1]
    k_max = min(m, n)
    batch = a.shape[:-2]
    # (the batch count spelled out: -1 is ambiguous for empty matrices)
    A = np.array(a.reshape((int(np.prod(batch)), m, n)), dtype=a.dtype, copy=True)
    B = A.shape[0]
    piv = np.zeros((B, k_max), np.int32)
    info = np.zeros(B, np.int32)
    rows = np.arange(B)
    cplx = A.dtype.kind == "c"
    with np.errstate(all="ignore"):
        for k in range(k_max):
            col = A[:, k:, k]
            # (LAPACK's i?amax: |re| + |im| for complex, not the modulus)
            mag = np.abs(col.real) + np.abs(col.imag) if cplx else np.abs(col)
            p = k + np.argmax(mag, axis=1)
            piv[:, k] = p + 1
            top = A[rows, k].copy()
            A[rows, k] = A[rows, p]
            A[rows, p] = top
            pivot = A[:, k, k]
            zero = pivot == 0
            info[(info == 0) & zero] = k + 1
            if k + 1 < m:
                safe = np.where(zero, 1, pivot)
                col = np.where(zero[:, None], A[:, k + 1:, k], A[:, k + 1:, k] / safe[:, None])
                A[:, k + 1:, k] = col
                A[:, k + 1:, k + 1:] -= col[:, :, None] * A[:, k, None, k + 1:]
    return (A.reshape(batch + (m, n)), piv.reshape(batch + (k_max,)), info.reshape(batch))


def lu_sign(piv):
    """(-1) ** (number of row swaps)."""
    n = piv.shape[-1]
    swaps = np.count_nonzero(piv != np.arange(1, n + 1, dtype=piv.dtype), axis=-1)
    return np.where(swaps % 2 == 1, -1, 1)


def is_vector_rhs(a_ndim, a_shape, b):
    """PyTorch's linalg_solve_is_vector_rhs."""
    return b.ndim == 1 or (b.ndim == a_ndim - 1 and tuple(b.shape) == tuple(a_shape[:-1]))


def to_real_np(dt):
    return (_dtype.float64 if dt is _dtype.complex128 else _dtype.float32)
