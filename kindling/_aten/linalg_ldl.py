"""The LDL factorization of symmetric (Hermitian) matrices with Bunch-Kaufman pivoting:
``linalg_ldl_factor_ex`` / ``linalg_ldl_factor`` and ``linalg_ldl_solve``, as LAPACK's
``?sytrf``/``?hetrf`` and ``?sytrs``/``?hetrs`` compute them (the lower triangle, ``uplo='L'``).

``LD`` holds ``L`` below the diagonal and the 1x1 and 2x2 blocks of ``D`` on and next to it (the
rest zeroed, as PyTorch leaves it); ``pivots`` are LAPACK's 1-based interchanges, negative for
the two rows of a 2x2 block; ``info`` is the first zero pivot (1-based).  The factorization is
the unblocked ``?sytf2``/``?hetf2`` - its pivot choices, its treatment of NaN as the comparisons
in PyTorch's LAPACK make it - run matrix by matrix.  Not differentiable (as in PyTorch).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from ._defop import defop
from ._ops_registry import aten
from ._util import broadcast_shapes, dtype_of
from .linalg_common import check_square, f_tensor, meta_c, meta_f
from .linalg_more import check_errors as _raise_info
from .linalg_out import check_out_dtype, write_out
from .linalg_solvers import OPS, _op

_ALPHA = (1 + math.sqrt(17)) / 8   # (Bunch-Kaufman's growth bound)
_LOWP = ("float16", "bfloat16")


def _max(a, b):
    """Fortran's MAX as PyTorch's LAPACK evaluates it: ``b`` unless ``a > b`` (NaN loses)."""
    return a if a > b else b


def _cabs1(z):
    return abs(z.real) + abs(z.imag)


def _iamax(x, measure):
    """i?amax: the first index of the largest ``measure``; a NaN first entry wins, later NaNs
    never do."""
    vals = measure(x)
    if not len(vals):
        return 0
    if np.isnan(vals[0]):
        return 0
    return int(np.argmax(np.where(np.isnan(vals), -np.inf, vals)))


# ---- factorization ------------------------------------------------------------------------------
def _sytf2(a, hermitian):
    """?sytf2 / ?hetf2 (lower) on one matrix ``a`` (modified): (pivots, info)."""
    n = a.shape[0]
    cplx = a.dtype.kind == "c"
    herm = hermitian and cplx
    off = _cabs1 if cplx else np.abs           # (|re| + |im| off the diagonal for complex)
    diag = (lambda z: np.abs(z.real)) if herm else off
    conj = np.conj if herm else (lambda z: z)
    piv = np.zeros(n, np.int32)
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = diag(a[k, k])
        if k < n - 1:
            imax = k + 1 + _iamax(a[k + 1:, k], off)
            colmax = off(a[imax, k])
        else:
            imax, colmax = k, np.float64(0)
        if _max(absakk, colmax) == 0:
            info = info or k + 1
            kp = k
            if herm:
                a[k, k] = a[k, k].real
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                jmax = k + _iamax(a[imax, k:imax], off)
                rowmax = off(a[imax, jmax])
                if imax < n - 1:
                    jmax = imax + 1 + _iamax(a[imax + 1:, imax], off)
                    rowmax = _max(rowmax, off(a[jmax, imax]))
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif diag(a[imax, imax]) >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:  # (rows and columns kk and kp of the trailing submatrix swapped)
                if kp < n - 1:
                    a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
                col = a[kk + 1:kp, kk].copy()
                a[kk + 1:kp, kk] = conj(a[kp, kk + 1:kp])
                a[kp, kk + 1:kp] = conj(col)
                if herm:
                    a[kp, kk] = np.conj(a[kp, kk])
                    a[kk, kk], a[kp, kp] = a[kp, kp].real, a[kk, kk].real
                else:
                    a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
                if kstep == 2:
                    if herm:
                        a[k, k] = a[k, k].real
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            elif herm:
                a[k, k] = a[k, k].real
                if kstep == 2:
                    a[k + 1, k + 1] = a[k + 1, k + 1].real
            if kstep == 1:
                _update1(a, k, herm)
            else:
                _update2(a, k, herm)
        if kstep == 1:
            piv[k] = kp + 1
        else:
            piv[k] = piv[k + 1] = -(kp + 1)
        k += kstep
    return piv, info


def _update1(a, k, herm):
    """The rank-one update of the lower trailing submatrix by column k (?syr / ?her with
    ``-1 / A(k, k)``), then the column scaled by ``1 / A(k, k)``."""
    n = a.shape[0]
    if k >= n - 1:
        return
    d11 = 1 / a[k, k].real if herm else 1 / a[k, k]
    x = a[k + 1:, k].copy()
    temp = -d11 * (np.conj(x) if herm else x)
    lower = np.tril_indices(n - k - 1)
    sub = a[k + 1:, k + 1:]
    sub[lower] += np.outer(x, temp)[lower]
    if herm:
        d = np.arange(n - k - 1)
        sub[d, d] = sub[d, d].real
    a[k + 1:, k] = x * d11


def _update2(a, k, herm):
    """The 2x2 pivot's update of the trailing submatrix (columns k, k+1 become L's)."""
    n = a.shape[0]
    if k >= n - 2:
        return
    if herm:
        d = math.hypot(a[k + 1, k].real, a[k + 1, k].imag)
        d11, d22 = a[k + 1, k + 1].real / d, a[k, k].real / d
        tt = 1 / (d11 * d22 - 1)
        d21 = a[k + 1, k] / d
        d = tt / d
    else:
        d21 = a[k + 1, k]
        d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
        t = 1 / (d11 * d22 - 1)
        d21 = t / d21
    for j in range(k + 2, n):
        if herm:
            wk = d * (d11 * a[j, k] - d21 * a[j, k + 1])
            wkp1 = d * (d22 * a[j, k + 1] - np.conj(d21) * a[j, k])
            a[j:, j] = a[j:, j] - a[j:, k] * np.conj(wk) - a[j:, k + 1] * np.conj(wkp1)
            a[j, j] = a[j, j].real
        else:
            wk = d21 * (d11 * a[j, k] - a[j, k + 1])
            wkp1 = d21 * (d22 * a[j, k + 1] - a[j, k])
            a[j:, j] = a[j:, j] - a[j:, k] * wk - a[j:, k + 1] * wkp1
        a[j, k], a[j, k + 1] = wk, wkp1


_FACTOR = "torch.linalg.ldl_factor_ex"


def _factor_check(self):
    check_square(_FACTOR, self)
    dt = dtype_of(self)
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"{_FACTOR}: Expected a floating point or complex tensor as input. "
                           f"Got {dt._scalar_name}")
    return dt


def _ldl_factor_ex(self, *, hermitian=False, check_errors=False):
    dt = _factor_check(self)
    if dt._name in _LOWP:
        raise NotImplementedError(f"\"ldl_factor_kernel_cpu\" not implemented for "
                                  f"'{dt._scalar_name}'")
    n = self.shape[-1]
    mats = np.array(self.reshape((int(np.prod(self.shape[:-2])), n, n)), dtype=self.dtype)
    piv = np.zeros((mats.shape[0], n), np.int32)
    info = np.zeros(mats.shape[0], np.int32)
    with np.errstate(all="ignore"):
        for b in range(mats.shape[0]):
            piv[b], info[b] = _sytf2(mats[b], hermitian)
    LD = np.tril(mats).reshape(self.shape)
    info = info.reshape(self.shape[:-2])
    if check_errors:
        _raise_info(info, _FACTOR, self.ndim == 2)
    return f_tensor(LD), piv.reshape(self.shape[:-1]), info


def _ldl_factor_ex_meta(self, *, hermitian=False, check_errors=False):
    dt = _factor_check(self)
    return (meta_f(self.shape, dt), meta_c(self.shape[:-1], _dtype.int32),
            meta_c(self.shape[:-2], _dtype.int32))


linalg_ldl_factor_ex = _op("linalg_ldl_factor_ex(Tensor self, *, bool hermitian=False, "
                           "bool check_errors=False) -> (Tensor LD, Tensor pivots, Tensor info)",
                           _ldl_factor_ex, _ldl_factor_ex_meta)


def _ldl_factor(self, *, hermitian=False):
    LD, pivots, info = aten.linalg_ldl_factor_ex.default(self, hermitian=hermitian) if \
        hermitian else aten.linalg_ldl_factor_ex.default(self)
    aten._linalg_check_errors.default(info, "torch.linalg.ldl_factor", is_matrix=self.dim() == 2)
    return LD, pivots


linalg_ldl_factor = defop("linalg_ldl_factor(Tensor self, *, bool hermitian=False) -> "
                          "(Tensor LD, Tensor pivots)")
linalg_ldl_factor.composite(_ldl_factor)


# ---- solve --------------------------------------------------------------------------------------
_SOLVE = "torch.linalg.ldl_solve"


def _neg_size(t, i):
    if t.ndim == 0:
        raise IndexError(f"Dimension specified as {i} but tensor has no dimensions")
    if -i > t.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-t.ndim}, "
                         f"{t.ndim - 1}], but got {i})")
    return t.shape[i]


def _solve_check(LD, pivots, B):
    check_square(_SOLVE, LD)
    dt = dtype_of(LD)
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"{_SOLVE}: Expected a floating point or complex tensor as input. "
                           f"Got {dt._scalar_name}")
    db = dtype_of(B)
    if db is not dt:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{db._scalar_name} and A of type {dt._scalar_name} instead.")
    n = LD.shape[-1]
    if n != _neg_size(B, -2):
        raise RuntimeError(f"Incompatible matrix sizes for {_SOLVE}: each A matrix is {n} by {n} "
                           f"but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(f"{_SOLVE}: Expected LD.shape[:-1] and pivots.shape to be the same, "
                           f"but got pivots with shape [{', '.join(map(str, pivots.shape))}] "
                           "instead")
    dp = dtype_of(pivots)
    if dp._cat != _dtype.INT:
        raise RuntimeError(f"{_SOLVE}: Expected pivots to be integers. Got {dp._scalar_name}")
    batch = tuple(broadcast_shapes(tuple(B.shape[:-2]), tuple(LD.shape[:-2])))
    return batch + tuple(B.shape[-2:]), dt


def _sytrs(a, piv, b, hermitian):
    """?sytrs / ?hetrs (lower) for one factorization: ``b`` (n x nrhs) overwritten by X."""
    n = a.shape[0]
    herm = hermitian and a.dtype.kind == "c"
    conj = np.conj if herm else (lambda z: z)
    k = 0
    while k < n:  # L D X = B
        if piv[k] > 0:
            kp = piv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            b[k + 1:] -= np.outer(a[k + 1:, k], b[k])
            b[k] *= (1 / a[k, k].real) if herm else 1 / a[k, k]
            k += 1
        else:
            kp = -piv[k] - 1
            if kp != k + 1:
                b[[k + 1, kp]] = b[[kp, k + 1]]
            if k < n - 2:
                b[k + 2:] -= np.outer(a[k + 2:, k], b[k])
                b[k + 2:] -= np.outer(a[k + 2:, k + 1], b[k + 1])
            akm1k = a[k + 1, k]
            akm1 = a[k, k] / conj(akm1k)
            ak = a[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1
            bkm1, bk = b[k] / conj(akm1k), b[k + 1] / akm1k
            b[k] = (ak * bkm1 - bk) / denom
            b[k + 1] = (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # L^T X = B (L^H for Hermitian)
        if piv[k] > 0:
            if k < n - 1:
                b[k] -= conj(a[k + 1:, k]) @ b[k + 1:]
            kp = piv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            k -= 1
        else:
            if k < n - 1:
                b[k] -= conj(a[k + 1:, k]) @ b[k + 1:]
                b[k - 1] -= conj(a[k + 1:, k - 1]) @ b[k + 1:]
            kp = -piv[k] - 1
            if kp != k:
                b[[k, kp]] = b[[kp, k]]
            k -= 2
    return b


def _ldl_solve(LD, pivots, B, *, hermitian=False):
    shape, dt = _solve_check(LD, pivots, B)
    if dt._name in _LOWP:
        raise NotImplementedError(f"\"ldl_solve_kernel_cpu\" not implemented for "
                                  f"'{dt._scalar_name}'")
    n = LD.shape[-1]
    if pivots.size and np.any(np.abs(pivots.astype(np.int64)) < 1):
        raise RuntimeError("Pivots given to ldl_solve must all satisfy |pivot| >= 1. Did you "
                           "properly pass the result of ldl_factor?")
    if pivots.size and np.any(np.abs(pivots.astype(np.int64)) > n):
        raise RuntimeError("Pivots given to ldl_solve must all satisfy |pivot| <= LD.size(-2). "
                           "Did you properly pass the result of ldl_factor?")
    batch = shape[:-2]
    nb = int(np.prod(batch))
    X = np.array(np.broadcast_to(B, shape), dtype=B.dtype).reshape((nb,) + shape[-2:])
    A = np.broadcast_to(LD, batch + LD.shape[-2:]).reshape((nb, n, n))
    P = np.broadcast_to(pivots, batch + pivots.shape[-1:]).reshape((nb, n)).astype(np.int64)
    if X.size:
        with np.errstate(all="ignore"):
            for i in range(X.shape[0]):
                _sytrs(A[i], P[i], X[i], hermitian)
    return f_tensor(X.reshape(shape))


def _ldl_solve_meta(LD, pivots, B, *, hermitian=False):
    shape, dt = _solve_check(LD, pivots, B)
    return meta_f(shape, dt)


linalg_ldl_solve = _op("linalg_ldl_solve(Tensor LD, Tensor pivots, Tensor B, *, "
                       "bool hermitian=False) -> Tensor", _ldl_solve, _ldl_solve_meta)


# ---- out= forms ---------------------------------------------------------------------------------
def _factor_ex_out(self, *, hermitian=False, check_errors=False, LD, pivots, info):
    # (the outputs' dtypes are checked by the meta function, before the kernel's refusals)
    for o, t in zip((LD, pivots, info), _ldl_factor_ex_meta(self)):
        check_out_dtype(o, t)
    r = aten.linalg_ldl_factor_ex.default(self, hermitian=hermitian)
    for o, t in zip((LD, pivots, info), r):
        write_out(o, t)
    if check_errors:
        aten._linalg_check_errors.default(info, _FACTOR, is_matrix=self.dim() == 2)
    return LD, pivots, info


def _factor_out(self, *, hermitian=False, LD, pivots):
    info = aten.empty.memory_format([0], dtype=_dtype.int32, device=self.device)
    aten.linalg_ldl_factor_ex.out(self, hermitian=hermitian, LD=LD, pivots=pivots, info=info)
    aten._linalg_check_errors.default(info, "torch.linalg.ldl_factor",
                                      is_matrix=self.dim() == 2)
    return LD, pivots


def _solve_out(LD, pivots, B, *, hermitian=False, out):
    r = aten.linalg_ldl_solve.default(LD, pivots, B, hermitian=hermitian)
    check_out_dtype(out, r)
    return write_out(out, r)


def _declare(schema, fn, composite=False):
    d = defop(schema)
    (d.composite if composite else d.explicit)(fn)
    OPS[str(d.op)[len("aten."):]] = d
    return d


linalg_ldl_factor_ex_out = _declare(
    "linalg_ldl_factor_ex.out(Tensor self, *, bool hermitian=False, bool check_errors=False, "
    "Tensor(a!) LD, Tensor(b!) pivots, Tensor(c!) info) -> (Tensor(a!) LD, Tensor(b!) pivots, "
    "Tensor(c!) info)", _factor_ex_out)
linalg_ldl_factor_out = _declare(
    "linalg_ldl_factor.out(Tensor self, *, bool hermitian=False, Tensor(a!) LD, "
    "Tensor(b!) pivots) -> (Tensor(a!) LD, Tensor(b!) pivots)", _factor_out, composite=True)
linalg_ldl_solve_out = _declare(
    "linalg_ldl_solve.out(Tensor LD, Tensor pivots, Tensor B, *, bool hermitian=False, "
    "Tensor(a!) out) -> Tensor(a!)", _solve_out)
OPS["linalg_ldl_factor.default"] = linalg_ldl_factor
