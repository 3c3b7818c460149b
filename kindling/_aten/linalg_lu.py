"""LU decompositions: ``linalg_lu_factor_ex`` (``linalg_lu_factor``), ``linalg_lu``,
``lu_unpack`` and ``linalg_lu_solve``, on the batched getrf of ``linalg_common`` (rectangular
matrices too), with PyTorch's checks, error texts and output layouts (LU column-major; P, L, U
row-major), and their derivatives as FunctionsManual.cpp's ``lu_factor_ex_backward``,
``linalg_lu_backward``, ``lu_unpack_backward``, ``linalg_lu_solve_LU`` and their forward-mode
formulas.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import from_array
from ._ops_registry import aten
from ._util import broadcast_shapes, dtype_of, warn_once
from .linalg_common import (
    Conjugated, check_float, check_kernel_dtype, f_strides, fortran, lu_factor, meta_c, meta_f,
)
from .linalg_solvers import _op

_NO_PIVOT = "linalg.lu_factor: LU without pivoting is not implemented on the CPU"
_ZERO_U = ("U[{0},{0}] is zero and using it on lu_solve would result in a division by zero. "
           "If you still want to perform the factorization, consider calling linalg.lu(A, pivot) "
           "or linalg.lu_factor_ex(A, pivot)")


def _raise_zero_u(name, info, batched):
    """PyTorch reports a zero pivot of lu_factor as a plain RuntimeError (not LinAlgError)."""
    flat = np.asarray(info).reshape(-1)
    bad = np.nonzero(flat > 0)[0]
    if len(bad):
        prefix = f"{name}: (Batch element {int(bad[0])}): " if batched else f"{name}: "
        raise RuntimeError(prefix + _ZERO_U.format(int(flat[bad[0]])))


def _empty_f(shape, dtype):
    """Zeros of an empty shape with the strides PyTorch gives them (``f_strides``; NumPy's
    empty arrays would read as contiguous)."""
    t = from_array(np.zeros(shape, dtype))
    t._stride_ = tuple(f_strides(shape))
    return t


def _check_dims(name, a):
    if a.ndim < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: "
                           f"[{', '.join(map(str, a.shape))}] instead")


def _lu_checks(name, A, pivot):
    _check_dims(name, A)
    dt = check_kernel_dtype("lu_cpu", A)
    if not pivot:
        raise RuntimeError(_NO_PIVOT)
    return dt


# ---- linalg_lu_factor_ex / linalg_lu_factor ----------------------------------------------------
def _lu_factor_ex(A, *, pivot=True, check_errors=False):
    _lu_checks("torch.lu_factor", A, pivot)
    if A.size == 0:
        k = min(A.shape[-2:])
        return (_empty_f(A.shape, A.dtype), np.zeros(A.shape[:-2] + (k,), np.int32),
                np.zeros(A.shape[:-2], np.int32))
    lu, piv, info = lu_factor(A)
    if check_errors:
        _raise_zero_u("torch.linalg.lu_factor_ex", info, A.ndim > 2)
    return fortran(lu), piv, info


def _lu_factor_ex_meta(A, *, pivot=True, check_errors=False):
    dt = _lu_checks("torch.lu_factor", A, pivot)
    batch, k = tuple(A.shape[:-2]), min(A.shape[-2:])
    return (meta_f(A.shape, dt), meta_c(batch + (k,), _dtype.int32), meta_c(batch, _dtype.int32))


def _lu_factor(A, *, pivot=True):
    LU, pivots, info = aten.linalg_lu_factor_ex.default(A, pivot=pivot)
    aten._linalg_check_errors.default(info, "torch.linalg.lu_factor", is_matrix=A.dim() == 2)
    return LU, pivots


# ---- P, L, U ------------------------------------------------------------------------------------
def _perm_matrix(piv, m, dtype):
    """P with ``A = P L U`` from getrf's 1-based row swaps (``piv[..., k]``)."""
    batch, k = piv.shape[:-1], piv.shape[-1]
    perm = np.broadcast_to(np.arange(m), batch + (m,)).copy()
    idx = np.indices(batch) if batch else ()
    for i in range(k):
        j = piv[..., i].astype(np.int64) - 1
        a, b = perm[(*idx, np.full(batch, i, np.int64))].copy(), perm[(*idx, j)]
        perm[..., i] = b
        perm[(*idx, j)] = a
    P = np.zeros(batch + (m, m), dtype)
    np.put_along_axis(P, perm[..., None, :], 1, axis=-2)
    return P


def _unpack_lu(lu):
    m, n = lu.shape[-2:]
    k = min(m, n)
    L = np.tril(lu[..., :, :k], -1)
    L[..., np.arange(k), np.arange(k)] = 1
    return np.ascontiguousarray(L), np.ascontiguousarray(np.triu(lu[..., :k, :]))


def _linalg_lu(A, *, pivot=True):
    _lu_checks("linalg.lu", A, pivot)
    m, n = A.shape[-2:]
    k = min(m, n)
    if A.size == 0:
        z = np.zeros
        return (z(A.shape[:-2] + (m, m), A.dtype), z(A.shape[:-2] + (m, k), A.dtype),
                z(A.shape[:-2] + (k, n), A.dtype))
    lu, piv, _ = lu_factor(A)
    L, U = _unpack_lu(lu)
    return _perm_matrix(piv, m, A.dtype), L, U


def _linalg_lu_meta(A, *, pivot=True):
    dt = _lu_checks("linalg.lu", A, pivot)
    b, (m, n) = tuple(A.shape[:-2]), tuple(A.shape[-2:])
    k = min(m, n)
    return meta_c(b + (m, m), dt), meta_c(b + (m, k), dt), meta_c(b + (k, n), dt)


# ---- lu_unpack ----------------------------------------------------------------------------------
def _unpack_checks(LU_data, LU_pivots, unpack_pivots):
    _check_dims("torch.lu_unpack", LU_data)
    if dtype_of(LU_pivots) is not _dtype.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of "
                           "torch.int32 dtype.\nNote: this function is intended to be used with "
                           "the output produced by torch.linalg.lu_factor")


_BAD_PIVOTS = ("pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive."
               "Did you properly pass the result of lu_factor?")


def _lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    _unpack_checks(LU_data, LU_pivots, unpack_pivots)
    m, n = LU_data.shape[-2:]
    empty = np.zeros((0,), LU_data.dtype)
    L = U = P = empty
    if unpack_data:
        L, U = _unpack_lu(LU_data)
    if unpack_pivots:
        if LU_pivots.shape[-1:] != (min(m, n),) or (LU_pivots.size and (
                LU_pivots.min() < 1 or LU_pivots.max() > m)):
            raise RuntimeError(_BAD_PIVOTS)
        P = _perm_matrix(LU_pivots, m, LU_data.dtype)
    return P, L, U


def _lu_unpack_meta(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    _unpack_checks(LU_data, LU_pivots, unpack_pivots)
    dt = dtype_of(LU_data)
    b, (m, n) = tuple(LU_data.shape[:-2]), tuple(LU_data.shape[-2:])
    k = min(m, n)
    e = meta_c((0,), dt)
    L, U = (meta_c(b + (m, k), dt), meta_c(b + (k, n), dt)) if unpack_data else (e, e)
    P = meta_c(tuple(LU_pivots.shape[:-1]) + (m, m), dt) if unpack_pivots else e
    return P, L, U


# ---- linalg_lu_solve ----------------------------------------------------------------------------
def _solve_checks(LU, pivots, B, left):
    check_float("torch.linalg.lu_solve", LU)
    da, db = dtype_of(LU), dtype_of(B)
    if da is not db:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but "
                           f"found LU of type {da._scalar_name} and B of type {db._scalar_name} "
                           "instead")
    if dtype_of(pivots) is not _dtype.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type "
                           "torch.int32")
    if LU.ndim < 2:
        raise RuntimeError("torch.linalg.lu_solve: The input tensor A must have at least 2 "
                           "dimensions.")
    if LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError(f"torch.linalg.lu_solve: A must be batches of square matrices, but "
                           f"they are {LU.shape[-2]} by {LU.shape[-1]} matrices")
    if B.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 "
                           "dimensions.")
    n = LU.shape[-1]
    if (left and B.shape[-2] != n) or (not left and B.shape[-1] != n):
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{eq} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    if pivots.shape[-1:] != (n,):
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the "
                           "dimension of the matrix")
    if tuple(pivots.shape) != tuple(LU.shape[:-1]):
        raise RuntimeError("linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the "
                           f"same, but got pivots with shape [{', '.join(map(str, pivots.shape))}] "
                           "instead")
    return tuple(broadcast_shapes(tuple(LU.shape[:-2]), tuple(B.shape[:-2])))


def _lu_solve_left(lu, piv, b, adjoint):
    """``A X = B`` (``A^H X = B`` when ``adjoint``) for ``A = P L U`` given as getrf's factors
    (substitution, so singular factors give infinities as LAPACK's getrs does)."""
    n = lu.shape[-1]
    x = np.array(b, dtype=lu.dtype)
    swaps = [(k, piv[..., k].astype(np.int64) - 1) for k in range(n)]
    idx = np.indices(piv.shape[:-1])

    def swap(k, p):
        rk = x[(*idx, np.full(p.shape, k))].copy()
        x[(*idx, np.full(p.shape, k))] = x[(*idx, p)]
        x[(*idx, p)] = rk
    with np.errstate(all="ignore"):
        if not adjoint:
            for k, p in swaps:
                swap(k, p)
            for k in range(n):  # L (unit diagonal)
                x[..., k + 1:, :] -= lu[..., k + 1:, k, None] * x[..., k, None, :]
            for k in reversed(range(n)):  # U
                x[..., k, :] /= lu[..., k, k, None]
                x[..., :k, :] -= lu[..., :k, k, None] * x[..., k, None, :]
        else:
            luH = np.conj(lu)
            for k in range(n):  # U^H (lower)
                x[..., k, :] /= luH[..., k, k, None]
                x[..., k + 1:, :] -= luH[..., k, k + 1:, None] * x[..., k, None, :]
            for k in reversed(range(n)):  # L^H (upper, unit diagonal)
                x[..., :k, :] -= luH[..., k, :k, None] * x[..., k, None, :]
            for k, p in reversed(swaps):
                swap(k, p)
    return x


def _lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    batch = _solve_checks(LU, pivots, B, left)
    n = LU.shape[-1]
    if LU.size and pivots.size and pivots.min() < 1:
        raise RuntimeError("Pivots given to lu_solve must all be greater or equal to 1. Did you "
                           "properly pass the result of lu_factor?")
    if LU.size and pivots.size and pivots.max() > n:
        raise RuntimeError("Pivots given to lu_solve must all be smaller or equal to "
                           "LU.size(-2). Did you properly pass the result of lu_factor?")
    lu = np.broadcast_to(LU, batch + (n, n))
    piv = np.broadcast_to(pivots, batch + (n,))
    if left:
        b = np.broadcast_to(B, batch + B.shape[-2:])
        return fortran(_lu_solve_left(lu, piv, b, adjoint))
    # X op(A) = B  <=>  op(A)^H X^H = B^H: PyTorch returns the adjoint of a column-major result
    bH = np.conj(np.swapaxes(np.broadcast_to(B, batch + B.shape[-2:]), -1, -2))
    XH = _lu_solve_left(lu, piv, bH, not adjoint)
    X = np.ascontiguousarray(np.swapaxes(XH, -1, -2))
    return Conjugated(X) if X.dtype.kind == "c" else X


def _lu_solve_meta(LU, pivots, B, *, left=True, adjoint=False):
    batch = _solve_checks(LU, pivots, B, left)
    shape = batch + tuple(B.shape[-2:])
    dt = dtype_of(LU)
    return meta_f(shape, dt) if left else meta_c(shape, dt)


# ---- derivatives (FunctionsManual.cpp) ----------------------------------------------------------
def _tri(A, B, upper, left=True, unit=False):
    return aten.linalg_solve_triangular.default(A, B, upper=upper, left=left,
                                                unitriangular=unit)


def _mm(a, b):
    return aten.matmul.default(a, b)


def linalg_lu_backward(L_grad, U_grad, P, L, U, pivot):
    """PyTorch's ``linalg_lu_backward``.  Its C++ evaluates a call's arguments and a binary
    operator's operands right to left; the statements below keep that order, so a dispatch
    mode sees its ops."""
    if L_grad is None and U_grad is None:
        return None
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if m == n:
        # A_grad = P L^{-H} [L^H L_grad o 1_L + U_grad U^H o 1_U] U^{-H}
        g = _mm(L.mH, L_grad).tril(-1) if L_grad is not None else None
        if U_grad is not None:
            gu = _mm(U_grad, U.mH).triu()
            g = gu if g is None else g + gu
        g = _tri(U.mH, g, upper=False, left=False)
        g = _tri(L.mH, g, upper=True, left=True, unit=True)
        return _mm(P, g) if pivot else g
    if m < n:  # wide: U = (U1 | U2)
        g = _mm(L.mH, L_grad) if L_grad is not None else None
        if U_grad is not None:
            gu = _mm(U_grad.triu(), U.mH)
            g = -gu if g is None else g - gu
        g = g.tril(-1)
        g = _tri(U.narrow(-1, 0, k).mH, g, upper=False, left=False)
        if U_grad is not None:
            u1 = U_grad.narrow(-1, 0, k).triu()
            g = aten.cat.default([g + u1, U_grad.narrow(-1, k, n - k)], -1)
        g = _tri(L.mH, g, upper=True, left=True, unit=True)
        if U_grad is None:
            g = aten.cat.default([g, aten.zeros_like.default(U.narrow(-1, k, n - k))], -1)
        return _mm(P, g) if pivot else g
    # tall: L = (L1 ; L2)
    g = _mm(U_grad, U.mH) if U_grad is not None else None
    if L_grad is not None:
        gl = _mm(L.mH, L_grad.tril(-1))
        g = -gl if g is None else g - gl
    g = g.triu()
    g = _tri(L.narrow(-2, 0, k).mH, g, upper=True, left=True, unit=True)
    if L_grad is not None:
        l1 = L_grad.narrow(-2, 0, k).tril(-1)
        g = aten.cat.default([g + l1, L_grad.narrow(-2, k, m - k)], -2)
    g = _tri(U.mH, g, upper=False, left=False)
    if L_grad is None:
        g = aten.cat.default([g, aten.zeros_like.default(L.narrow(-2, k, m - k))], -2)
    return _mm(P, g) if pivot else g


def linalg_lu_jvp_LU(A_t, P, L, U, pivot):
    """PyTorch's ``linalg_lu_jvp``: (dL, dU), operands in its C++ order (right to left)."""
    m, n = A_t.shape[-2], A_t.shape[-1]
    k = min(m, n)
    PdA = _mm(P.mT, A_t) if pivot else A_t
    PdA1 = PdA.narrow(-2, 0, k).narrow(-1, 0, k)
    L1 = L.narrow(-2, 0, k).narrow(-1, 0, k)
    U1 = U.narrow(-2, 0, k).narrow(-1, 0, k)
    dK = _tri(L1, PdA1, upper=False, left=True, unit=True)
    dK = _tri(U1, dK, upper=True, left=False)
    dL1 = _mm(L1, dK.tril(-1))
    dU1 = _mm(dK.triu(), U1)
    if m == n:
        return dL1, dU1
    if m < n:
        PdA2, U2 = PdA.narrow(-1, k, n - k), U.narrow(-1, k, n - k)
        right = _mm(dK.tril(-1), U2)
        dU2 = _tri(L1, PdA2, upper=False, left=True, unit=True) - right
        return dL1, aten.cat.default([dU1, dU2], -1)
    PdA2, L2 = PdA.narrow(-2, k, m - k), L.narrow(-2, k, m - k)
    right = _mm(L2, dK.triu())
    dL2 = _tri(U1, PdA2, upper=True, left=False) - right
    return aten.cat.default([dL1, dL2], -2), dU1


def linalg_lu_grads(grads, P, L, U, pivot):
    return linalg_lu_backward(grads[1], grads[2], P, L, U, pivot)


def linalg_lu_jvp(A_t, P, L, U, pivot):
    # (PyTorch's L and U formulas each evaluate linalg_lu_jvp and keep one of its results)
    dL = linalg_lu_jvp_LU(A_t, P, L, U, pivot)[0]
    dU = linalg_lu_jvp_LU(A_t, P, L, U, pivot)[1]
    return None, dL, dU


def lu_factor_ex_backward(grad, LU, pivots, pivot):
    P, L, U = aten.lu_unpack.default(LU, pivots, True, pivot)
    k = min(LU.shape[-2], LU.shape[-1])
    return linalg_lu_backward(grad.narrow(-1, 0, k), grad.narrow(-2, 0, k), P, L, U, pivot)


def lu_factor_ex_jvp(A_t, LU, pivots, pivot):
    P, L, U = aten.lu_unpack.default(LU, pivots, True, pivot)
    dL, dU = linalg_lu_jvp_LU(A_t, P, L, U, pivot)
    m, n = A_t.shape[-2], A_t.shape[-1]
    if m >= n:
        aten.add_.Tensor(dL.narrow(-2, 0, n), dU)
        return dL, None, None
    aten.add_.Tensor(dU.narrow(-1, 0, m), dL)
    return dU, None, None


def lu_unpack_backward(grads, LU_data_sym_sizes):
    L_grad, U_grad = grads[1], grads[2]
    if L_grad is None and U_grad is None:
        return None
    m, n = LU_data_sym_sizes[-2], LU_data_sym_sizes[-1]
    k = min(m, n)

    def L1(t):
        return t.tril(-1) if m == k else t.narrow(-2, 0, k).tril(-1)

    def U1(t):
        return t.triu() if n == k else t.narrow(-1, 0, k).triu()
    if L_grad is not None and U_grad is not None:
        # (the right operand first, as C++ evaluates ``L_grad.tril(-1) + U_grad.triu()``)
        if m == n:
            upper = U_grad.triu()
            return L_grad.tril(-1) + upper
        upper = U1(U_grad)
        a1 = L1(L_grad) + upper
        a2 = L_grad.narrow(-2, k, m - k) if m > n else U_grad.narrow(-1, k, n - k)
        return aten.cat.default([a1, a2], -2 if m > n else -1)
    if L_grad is not None:
        if m >= n:
            return L_grad.tril(-1)
        size = list(L_grad.shape[:-1]) + [n - m]
        return aten.cat.default([L_grad.tril(-1), aten.zeros.default(size, dtype=L_grad.dtype)],
                                -1)
    if n >= m:
        return U_grad.triu()
    size = list(U_grad.shape[:-2]) + [m - n, U_grad.shape[-1]]
    return aten.cat.default([U_grad.triu(), aten.zeros.default(size, dtype=U_grad.dtype)], -2)


def lu_unpack_jvp(LU_data_t):
    m, n = LU_data_t.shape[-2], LU_data_t.shape[-1]
    L = LU_data_t.tril(-1) if m >= n else LU_data_t.narrow(-1, 0, m).tril(-1)
    U = LU_data_t.triu() if n >= m else LU_data_t.narrow(-2, 0, n).triu()
    return None, L, U


def linalg_lu_solve_LU(grad, LU, pivots, result, left, adjoint):
    """PyTorch's ``linalg_lu_solve_LU`` (operands in its C++ order); a broadcast ``LU``'s
    gradient is reduced by the engine, after the node."""
    gX, X = grad, result
    P, L, U = aten.lu_unpack.default(LU, pivots, True, left == adjoint)
    if left != adjoint:
        # gR = U^{-H} op_2(-gX) op_2(X)^H
        gX_ = gX if left else gX.mH
        rhs = -_mm(gX_, X.mH if left else X)
        gR = _tri(U.mH, rhs, upper=False)
        # gL = (L^{-H} gR U^H).tril(-1)
        rhs = _mm(gR, U.mH)
        gL = _tri(L.mH, rhs, upper=True, left=True, unit=True).tril(-1)
        return gL + gR.triu()
    # gR = -P^T op_3(X) op_1(op_2(gX)) P L^{-H}
    PT = P.mT
    gR = _mm(PT, X if left else X.mH)
    gR = -_mm(_mm(gR, gX.mH if left else gX), P)
    gR = _tri(L.mH, gR, upper=True, left=False, unit=True)
    # gU = (L^H gR U^{-H}).triu()
    rhs = _mm(L.mH, gR)
    gU = _tri(U.mH, rhs, upper=False, left=False).triu()
    return gR.tril(-1) + gU


def linalg_lu_solve_B(grad, LU, pivots, left, adjoint):
    return aten.linalg_lu_solve.default(LU, pivots, grad, left=left, adjoint=not adjoint)


def linalg_lu_solve_jvp(result, LU_p, pivots, LU_t, B_t, left, adjoint):
    """PyTorch's ``linalg_lu_solve_jvp`` (operands in its C++ order: right to left)."""
    X, LU, dLU = result, LU_p, LU_t
    S = aten.linalg_lu_solve.default(LU, pivots, B_t, left=left, adjoint=adjoint)
    if left != adjoint:
        R = _tri(LU, dLU.tril(-1), upper=False, left=True, unit=True)
        U = LU.triu()
        RU = _mm(R, U)
        R = -_tri(U, dLU.triu() + RU, upper=True)
        return (_mm(R, X) if left else _mm(X, R.mH)) + S
    P, L, U = aten.lu_unpack.default(LU, pivots)
    V = X.mH if left else X
    lower = dLU.tril(-1)
    rhs = _mm(L, dLU.triu())
    R = _tri(U, rhs, upper=True, left=False) + lower
    R = _tri(L, -_mm(_mm(V, P), R), upper=False, left=False, unit=True)
    R = _mm(R, P.mT)
    return (R.mH if left else R) + S


# ---- ops ----------------------------------------------------------------------------------------
linalg_lu_factor_ex = _op(
    "linalg_lu_factor_ex(Tensor A, *, bool pivot=True, bool check_errors=False) -> "
    "(Tensor LU, Tensor pivots, Tensor info)", _lu_factor_ex, _lu_factor_ex_meta,
    diff=(True, False, False))
linalg_lu_factor_ex.derivative("LinalgLuFactorExBackward0", A=lu_factor_ex_backward,
                               result=lu_factor_ex_jvp)
linalg_lu_factor = _op("linalg_lu_factor(Tensor A, *, bool pivot=True) -> (Tensor LU, "
                       "Tensor pivots)", None, None, composite=_lu_factor)
linalg_lu = _op("linalg_lu(Tensor A, *, bool pivot=True) -> (Tensor P, Tensor L, Tensor U)",
                _linalg_lu, _linalg_lu_meta, diff=(False, True, True))
linalg_lu.derivative("LinalgLuBackward0", A=linalg_lu_grads, result=linalg_lu_jvp)
lu_unpack = _op("lu_unpack(Tensor LU_data, Tensor LU_pivots, bool unpack_data=True, "
                "bool unpack_pivots=True) -> (Tensor P, Tensor L, Tensor U)",
                _lu_unpack, _lu_unpack_meta, diff=(False, True, True))
lu_unpack.derivative("LuUnpackBackward0", LU_data=lu_unpack_backward, result=lu_unpack_jvp)
linalg_lu_solve = _op("linalg_lu_solve(Tensor LU, Tensor pivots, Tensor B, *, bool left=True, "
                      "bool adjoint=False) -> Tensor", _lu_solve, _lu_solve_meta)
linalg_lu_solve.derivative("LinalgLuSolveBackward0", LU=linalg_lu_solve_LU, B=linalg_lu_solve_B,
                           result=linalg_lu_solve_jvp)


# ---- the deprecated forms: torch.lu / Tensor.lu (over _lu_with_info) and lu_solve ---------------
_LU_DEPRECATED = (
    "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and "
    "will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\n"
    "should be replaced with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\n"
    "LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\n"
    "LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)")
_LU_SOLVE_DEPRECATED = (
    "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a "
    "future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\n"
    "X = torch.lu_solve(B, LU, pivots)\nshould be replaced with\n"
    "X = torch.linalg.lu_solve(LU, pivots, B)")
def _lu_with_info_composite(self, pivot=True, check_errors=True):
    warn_once("lu", _LU_DEPRECATED)  # (TORCH_WARN_ONCE)
    return aten.linalg_lu_factor_ex.default(self, pivot=pivot)


def _lu_solve_composite(self, LU_data, LU_pivots):
    warn_once("lu_solve", _LU_SOLVE_DEPRECATED)
    return aten.linalg_lu_solve.default(LU_data, LU_pivots, self)


_lu_with_info = _op("_lu_with_info(Tensor self, bool pivot=True, bool check_errors=True) -> "
                    "(Tensor LU, Tensor pivots, Tensor info)", None, None,
                    composite=_lu_with_info_composite)
lu_solve = _op("lu_solve(Tensor self, Tensor LU_data, Tensor LU_pivots) -> Tensor", None, None,
               composite=_lu_solve_composite)
