"""Inverses, determinants and solvers: ``linalg_inv_ex`` (``linalg_inv``, ``inverse``),
``_linalg_det`` (``linalg_det``, ``det``), ``_linalg_slogdet`` (``linalg_slogdet``,
``slogdet``, ``logdet``), ``_linalg_solve_ex`` (``linalg_solve_ex``, ``linalg_solve``),
``linalg_cholesky_ex`` (``linalg_cholesky``) and ``cholesky``, ``linalg_solve_triangular``,
``triangular_solve``, ``cholesky_solve``, ``cholesky_inverse``.

The kernels are NumPy's LAPACK-backed ``numpy.linalg`` plus a batched getrf (``lu_factor``)
where PyTorch returns LU factors, pivots or LAPACK's ``info``.  The ops PyTorch decomposes
(CompositeImplicitAutograd) decompose here the same way; derivative formulas follow
FunctionsManual.cpp, written with dispatched ops (``linalg_solve`` where PyTorch reuses the LU
factors through ``linalg_lu_solve``, which kindling does not have).
"""
from __future__ import annotations


import numpy as np

from .. import _dtype
from ._ops_registry import aten
from ._util import broadcast_shapes, dtype_of, warn_once
from .linalg_common import (
    Conjugated, check_float, check_kernel_dtype, check_matrix, check_same_dtype, check_square, declare, fortran, lu_factor,
    lu_sign, meta_c, meta_f, raise_info, real_dtype, is_vector_rhs,
)
from .linalg_formulas import (
    cholesky_backward, cholesky_inverse_backward, cholesky_inverse_jvp, cholesky_jvp,
    cholesky_solve_backward, cholesky_solve_jvp, det_backward, det_jvp, inv_backward, inv_jvp,
    slogdet_backward, slogdet_jvp, solve_backward, solve_jvp, solve_triangular_backward,
    solve_triangular_jvp, triangular_solve_backward, triangular_solve_jvp,
)

OPS = {}
_SINGULAR_INV = ("The diagonal element {} is zero, the inversion could not be completed "
                 "because the input matrix is singular.")
_SINGULAR_SOLVE = "The solver failed because the input matrix is singular."
_NOT_PD = ("The factorization could not be completed because the input is not "
           "positive-definite (the leading minor of order {} is not positive-definite).")


def _op(schema, kernel, meta, *, diff=None, complex_ok=True, composite=None, tags=()):
    if composite is not None:
        from ._defop import defop
        d = defop(schema, tags=tags)
        d.composite(composite)
    else:
        d = declare(schema, kernel, meta, tags=tags)
    d.output_differentiability = diff
    d.complex_autograd = complex_ok
    OPS[str(d.op)[len("aten."):]] = d
    return d


def _lu_solve_np(lu, piv, b):
    """Solve with getrf's factors (for singular inputs, where numpy.linalg refuses)."""
    n = lu.shape[-1]
    x = np.array(np.broadcast_to(b, lu.shape[:-2] + b.shape[-2:]), dtype=lu.dtype)
    with np.errstate(all="ignore"):
        for k in range(n):
            p = piv[..., k] - 1
            idx = np.indices(p.shape)
            rk = x[(*idx, np.full(p.shape, k))].copy()
            x[(*idx, np.full(p.shape, k))] = x[(*idx, p)]
            x[(*idx, p)] = rk
        for k in range(n):
            x[..., k + 1:, :] -= lu[..., k + 1:, k, None] * x[..., k, None, :]
        for k in reversed(range(n)):
            x[..., k, :] /= lu[..., k, k, None]
            x[..., :k, :] -= lu[..., :k, k, None] * x[..., k, None, :]
    return x


# ---- inverse ------------------------------------------------------------------------------------
def _inv_ex(A, *, check_errors=False):
    check_square("linalg.inv", A)
    check_float("linalg.inv", A)
    if A.size == 0:
        return fortran(A.copy()), np.zeros(A.shape[:-2], np.int32)
    lu, piv, info = lu_factor(A)
    if check_errors:
        raise_info("linalg.inv_ex", info, A.ndim > 2, _SINGULAR_INV.format)
    if np.all(info == 0):
        inv = np.linalg.inv(A).astype(A.dtype, copy=False)
    else:
        eye = np.eye(A.shape[-1], dtype=A.dtype)
        inv = _lu_solve_np(lu, piv, eye)
    return fortran(inv), info.astype(np.int32)


def _inv_ex_meta(A, *, check_errors=False):
    check_square("linalg.inv", A)
    dt = check_float("linalg.inv", A)
    return meta_f(A.shape, dt), meta_c(A.shape[:-2], _dtype.int32)


linalg_inv_ex = _op("linalg_inv_ex(Tensor A, *, bool check_errors=False) -> (Tensor inverse, "
                    "Tensor info)", _inv_ex, _inv_ex_meta, diff=(True, False))
linalg_inv_ex.derivative("LinalgInvExBackward0", A=inv_backward, result=inv_jvp)
def _checked(result, info, api_name, A):
    """PyTorch's ``_ex`` functions without errors, then ``_linalg_check_errors`` (so the
    message names the function called)."""
    aten._linalg_check_errors.default(info, api_name, is_matrix=A.dim() == 2)
    return result


linalg_inv = _op("linalg_inv(Tensor A) -> Tensor", None, None,
                 composite=lambda A: _checked(*aten.linalg_inv_ex.default(A), "linalg.inv", A))
inverse = _op("inverse(Tensor self) -> Tensor", None, None,
              composite=lambda self: aten.linalg_inv.default(self))


def _lu_input(A):
    """PyTorch factors a real matrix through its transpose (LAPACK sees the row-major data as
    column-major): for a contiguous real matrix the LU factors and pivots it returns are
    those of ``A^T``."""
    real_c = A.dtype.kind != "c" and A.flags.c_contiguous
    return np.swapaxes(A, -1, -2) if real_c else A


# ---- determinants -------------------------------------------------------------------------------
def _det(A):
    check_square("linalg.det", A)
    check_float("linalg.det", A, lowp="lu_cpu")
    lu, piv, _ = lu_factor(_lu_input(A))
    with np.errstate(all="ignore"):
        d = np.prod(np.diagonal(lu, 0, -2, -1), axis=-1) * lu_sign(piv)
    return np.asarray(d, dtype=A.dtype), fortran(lu), piv


def _det_meta(A):
    check_square("linalg.det", A)
    dt = check_float("linalg.det", A, lowp="lu_cpu")
    return meta_c(A.shape[:-2], dt), meta_f(A.shape, dt), meta_c(A.shape[:-1], _dtype.int32)


_linalg_det = _op("_linalg_det(Tensor A) -> (Tensor result, Tensor LU, Tensor pivots)",
                  _det, _det_meta, diff=(True, False, False))
_linalg_det.derivative("LinalgDetBackward0", A=det_backward, result=det_jvp)
linalg_det = _op("linalg_det(Tensor A) -> Tensor", None, None,
                 composite=lambda A: aten._linalg_det.default(A)[0])
det = _op("det(Tensor self) -> Tensor", None, None,
          composite=lambda self: aten.linalg_det.default(self))


def _slogdet(A):
    check_square("linalg.slogdet", A)
    check_float("linalg.slogdet", A)
    lu, piv, _ = lu_factor(_lu_input(A))
    diag = np.diagonal(lu, 0, -2, -1)
    with np.errstate(all="ignore"):
        absd = np.abs(diag)
        if A.dtype.kind == "c":
            sign = np.prod(diag / absd, axis=-1) * lu_sign(piv)
            sign = np.where(np.any(absd == 0, axis=-1), 0, sign)
        else:
            sign = np.prod(np.sign(diag), axis=-1) * lu_sign(piv)
        logabs = np.sum(np.log(absd), axis=-1)
    rdt = absd.dtype
    return (np.asarray(sign, dtype=A.dtype), np.asarray(logabs, dtype=rdt), fortran(lu), piv)


def _slogdet_meta(A):
    check_square("linalg.slogdet", A)
    dt = check_float("linalg.slogdet", A)
    b = A.shape[:-2]
    return (meta_c(b, dt), meta_c(b, real_dtype(dt)), meta_f(A.shape, dt),
            meta_c(A.shape[:-1], _dtype.int32))


_linalg_slogdet = _op("_linalg_slogdet(Tensor A) -> (Tensor sign, Tensor logabsdet, Tensor LU, "
                      "Tensor pivots)", _slogdet, _slogdet_meta, diff=(True, True, False, False))
_linalg_slogdet.derivative("LinalgSlogdetBackward0", A=slogdet_backward, result=slogdet_jvp)


def _slogdet_pair(A):
    r = aten._linalg_slogdet.default(A)
    return r[0], r[1]


linalg_slogdet = _op("linalg_slogdet(Tensor A) -> (Tensor sign, Tensor logabsdet)", None, None,
                     composite=_slogdet_pair)
slogdet = _op("slogdet(Tensor self) -> (Tensor sign, Tensor logabsdet)", None, None,
              composite=lambda self: aten.linalg_slogdet.default(self))


def _logdet(self):
    check_square("linalg.logdet", self)
    check_float("linalg.logdet", self)
    sign, logabs = aten.linalg_slogdet.default(self)
    if sign.dtype.is_complex:
        return aten.add.Tensor(aten.log.default(sign), logabs)
    return aten.where.self(sign == -1, aten.scalar_tensor.default(float("nan"),
                                                                  dtype=logabs.dtype), logabs)


logdet = _op("logdet(Tensor self) -> Tensor", None, None, composite=_logdet)


# ---- solve --------------------------------------------------------------------------------------
def _solve_shapes(A, B, left):
    check_square("linalg.solve", A)
    check_float("linalg.solve", A)
    check_same_dtype("linalg.solve", A, B)
    vector = is_vector_rhs(A.ndim, A.shape, B)
    Bm_shape = tuple(B.shape) + (1,) if vector else tuple(B.shape)
    if len(Bm_shape) < 2 or (left and Bm_shape[-2] != A.shape[-1]) or \
            (not left and Bm_shape[-1] != A.shape[-1]):
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({A.shape[-2]}x{A.shape[-1]} and {Bm_shape[-2]}x{Bm_shape[-1]})")
    batch = broadcast_shapes(tuple(A.shape[:-2]), tuple(Bm_shape[:-2]))
    return vector, tuple(batch), Bm_shape


def _solve_ex(A, B, *, left=True, check_errors=False):
    vector, batch, bshape = _solve_shapes(A, B, left)
    Ab = np.broadcast_to(A, batch + A.shape[-2:])
    Bm = B.reshape(bshape)
    if not left:
        Ab, Bm = np.swapaxes(Ab, -1, -2), np.swapaxes(Bm, -1, -2)
    Bb = np.broadcast_to(Bm, batch + Bm.shape[-2:])
    lu, piv, info = lu_factor(A if A.ndim == 2 or not batch else np.broadcast_to(A, batch + A.shape[-2:]))
    if check_errors:
        raise_info("torch.linalg.solve_ex", info, A.ndim > 2, lambda i: _SINGULAR_SOLVE)
    if Ab.size and np.all(info == 0):
        X = np.linalg.solve(Ab, Bb).astype(A.dtype, copy=False)
    else:
        luT, pivT, _ = lu_factor(np.array(Ab)) if not left else (lu, piv, info)
        X = _lu_solve_np(luT, pivT, Bb) if Ab.size else np.zeros(Bb.shape, A.dtype)
    if vector:
        X = np.asfortranarray(X[..., 0])
    elif not left:
        # (PyTorch solves A^H X^H = B^H: the result is the adjoint of a column-major matrix,
        # a conjugate view for complex inputs)
        X = np.ascontiguousarray(np.swapaxes(X, -1, -2))
        if X.dtype.kind == "c":
            X = Conjugated(np.conj(X))
    else:
        X = fortran(X)
    return X, fortran(lu), piv, info.astype(np.int32)


def _solve_ex_meta(A, B, *, left=True, check_errors=False):
    vector, batch, bshape = _solve_shapes(A, B, left)
    dt = dtype_of(A)
    lub = batch if A.ndim > 2 else ()
    from ._meta_util import empty_meta
    if vector:
        shape = batch + (bshape[-2],)
        st = [1] * len(shape)
        acc = 1
        for i in range(len(shape)):
            st[i] = acc
            acc *= max(shape[i], 1)
        res = empty_meta(shape, dt, st)
    elif not left:
        res = meta_c(batch + bshape[-2:], dt)
    else:
        res = meta_f(batch + bshape[-2:], dt)
    return (res, meta_f(lub + A.shape[-2:], dt), meta_c(lub + A.shape[-1:], _dtype.int32),
            meta_c(lub, _dtype.int32))


_linalg_solve_ex = _op("_linalg_solve_ex(Tensor A, Tensor B, *, bool left=True, "
                       "bool check_errors=False) -> (Tensor result, Tensor LU, Tensor pivots, "
                       "Tensor info)", _solve_ex, _solve_ex_meta, diff=(True, False, False, False))
_linalg_solve_ex.derivative("LinalgSolveExBackward0", **{"A, B": solve_backward},
                            result=solve_jvp)


def _solve_ex_pair(A, B, *, left=True, check_errors=False):
    r = aten._linalg_solve_ex.default(A, B, left=left, check_errors=check_errors)
    return r[0], r[3]


linalg_solve_ex = _op("linalg_solve_ex(Tensor A, Tensor B, *, bool left=True, "
                      "bool check_errors=False) -> (Tensor result, Tensor info)", None, None,
                      composite=_solve_ex_pair)
linalg_solve = _op("linalg_solve(Tensor A, Tensor B, *, bool left=True) -> Tensor", None, None,
                   composite=lambda A, B, *, left=True: _checked(
                       *aten._linalg_solve_ex.default(A, B, left=left)[::3], "torch.linalg.solve",
                       A))


# ---- Cholesky -----------------------------------------------------------------------------------
def _potrf_loop(a):
    """LAPACK's unblocked potrf on one matrix: (L, info), stopping at the first non-positive
    pivot (left there, the rest of the input kept), as LAPACK leaves it."""
    L = np.tril(a).astype(a.dtype, copy=True)
    n = a.shape[-1]
    for j in range(n):
        d = L[j, j] - np.vdot(L[j, :j], L[j, :j])
        d = d.real if np.iscomplexobj(d) else d
        if not d > 0:
            L[j, j] = d
            return L, j + 1
        L[j, j] = np.sqrt(d)
        L[j + 1:, j] = (L[j + 1:, j] - L[j + 1:, :j] @ L[j, :j].conj()) / L[j, j]
    return L, 0


def _cholesky_np(A, name, upper, check_errors, err_name=None):
    check_square(name, A)
    check_float(name, A, lowp="cholesky_cpu")
    info = np.zeros(A.shape[:-2], np.int32)
    try:
        L = np.linalg.cholesky(A).astype(A.dtype, copy=False) if A.size else A.copy()
    except np.linalg.LinAlgError:
        flat = A.reshape((-1,) + A.shape[-2:])
        Ls = []
        fi = info.reshape(-1)
        for i, m in enumerate(flat):
            Li, fi[i] = _potrf_loop(m)
            Ls.append(Li)
        L = np.stack(Ls).reshape(A.shape)
    if check_errors:
        raise_info(err_name or name, info, A.ndim > 2, _NOT_PD.format)
    if upper:
        L = np.conj(np.swapaxes(L, -1, -2))
    return fortran(L), info


def _chol_ex(A, *, upper=False, check_errors=False):
    return _cholesky_np(A, "linalg.cholesky", upper, check_errors, "linalg.cholesky_ex")


def _chol_ex_meta(A, *, upper=False, check_errors=False):
    check_square("linalg.cholesky", A)
    dt = check_float("linalg.cholesky", A, lowp="cholesky_cpu")
    return meta_f(A.shape, dt), meta_c(A.shape[:-2], _dtype.int32)


linalg_cholesky_ex = _op("linalg_cholesky_ex(Tensor self, *, bool upper=False, "
                         "bool check_errors=False) -> (Tensor L, Tensor info)",
                         _chol_ex, _chol_ex_meta, diff=(True, False))
linalg_cholesky_ex.derivative("LinalgCholeskyExBackward0",
                              self=lambda grad, upper, L: cholesky_backward(grad, upper, L),
                              result=lambda self_t, L, upper: (cholesky_jvp(self_t, L, upper),
                                                               None))
linalg_cholesky = _op("linalg_cholesky(Tensor self, *, bool upper=False) -> Tensor", None, None,
                      composite=lambda self, *, upper=False: _checked(
                          *aten.linalg_cholesky_ex.default(self, upper=upper), "linalg.cholesky",
                          self))

_CHOLESKY_DEPRECATION = (
    "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
    "future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\n"
    "L = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\n"
    "should be replaced with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce "
    "equivalent results for all valid (symmetric positive definite) inputs.")
def _cholesky(self, upper=False):
    check_kernel_dtype("cholesky_cpu", self)
    warn_once("cholesky", _CHOLESKY_DEPRECATION)
    return _cholesky_np(self, "cholesky", upper, True)[0]


cholesky = _op("cholesky(Tensor self, bool upper=False) -> Tensor", _cholesky,
               lambda self, upper=False: _chol_ex_meta(self)[0])
# (no forward formula: PyTorch's derivatives.yaml has none for the deprecated cholesky)
cholesky.derivative(self=lambda grad, upper, result: cholesky_backward(grad, upper, result))


# ---- triangular solvers -------------------------------------------------------------------------
def _tri(A, upper, unit):
    T = np.triu(A) if upper else np.tril(A)
    if unit:
        n = A.shape[-1]
        T = T.copy()
        T[..., np.arange(n), np.arange(n)] = 1
    return T


def _tri_solve_np(A, B, upper, left, unit):
    T = _tri(A, upper, unit)
    if not left:
        T, B = np.swapaxes(T, -1, -2), np.swapaxes(B, -1, -2)
    batch = tuple(broadcast_shapes(T.shape[:-2], B.shape[:-2]))
    T = np.broadcast_to(T, batch + T.shape[-2:])
    B = np.broadcast_to(B, batch + B.shape[-2:])
    with np.errstate(all="ignore"):
        if T.size and B.size:
            try:
                X = np.linalg.solve(T, B).astype(B.dtype, copy=False)
            except np.linalg.LinAlgError:
                X = np.full(B.shape, np.nan, B.dtype)
        else:
            X = np.zeros(B.shape, B.dtype)
    return np.swapaxes(X, -1, -2) if not left else X


def _st_check(A, B, left):
    name = "linalg.solve_triangular"
    check_kernel_dtype("triangular_solve_cpu", A)
    check_matrix(name, A)
    check_matrix(name, B, "B")
    check_square(name, A)
    check_float(name, A)
    check_same_dtype(name, A, B)
    if (left and A.shape[-1] != B.shape[-2]) or (not left and A.shape[-1] != B.shape[-1]):
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} "
                           f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
    return tuple(broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]))) + tuple(B.shape[-2:])


def _solve_tri(self, B, *, upper, left=True, unitriangular=False):
    _st_check(self, B, left)
    return fortran(_tri_solve_np(self, B, upper, left, unitriangular))


linalg_solve_triangular = _op(
    "linalg_solve_triangular(Tensor self, Tensor B, *, bool upper, bool left=True, "
    "bool unitriangular=False) -> Tensor", _solve_tri,
    lambda self, B, *, upper, left=True, unitriangular=False: meta_f(_st_check(self, B, left),
                                                                      dtype_of(self)))
linalg_solve_triangular.derivative(**{"self, B": solve_triangular_backward},
                                   result=solve_triangular_jvp)

_TRIANGULAR_DEPRECATION = (
    "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be "
    "removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments "
    "reversed and does not return a copy of one of the inputs.\n"
    "X = torch.triangular_solve(B, A).solution\nshould be replaced with\n"
    "X = torch.linalg.solve_triangular(A, B).")


def _ts_check(self, A):
    check_kernel_dtype("triangular_solve_cpu", A)
    check_matrix("linalg.triangular_solve", self, "B")
    check_matrix("linalg.triangular_solve", A)
    if self.shape[-2] != A.shape[-1] or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.triangular_solve: Incompatible shapes of A and B for the "
                           f"equation AX = B ({A.shape[-2]}x{A.shape[-1]} and "
                           f"{self.shape[-2]}x{self.shape[-1]})")
    check_float("linalg.triangular_solve", A)
    check_same_dtype("linalg.triangular_solve", A, self)
    batch = tuple(broadcast_shapes(tuple(self.shape[:-2]), tuple(A.shape[:-2])))
    return batch + tuple(self.shape[-2:]), batch + tuple(A.shape[-2:])


def _triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):
    warn_once("triangular_solve", _TRIANGULAR_DEPRECATION)
    _, ashape = _ts_check(self, A)
    T = np.swapaxes(A, -1, -2) if transpose else A
    X = _tri_solve_np(T, self, upper != transpose, True, unitriangular)
    return fortran(X), fortran(np.broadcast_to(A, ashape))


def _triangular_solve_meta(self, A, upper=True, transpose=False, unitriangular=False):
    xs, as_ = _ts_check(self, A)
    return meta_f(xs, dtype_of(self)), meta_f(as_, dtype_of(A))


triangular_solve = _op("triangular_solve(Tensor self, Tensor A, bool upper=True, "
                       "bool transpose=False, bool unitriangular=False) -> (Tensor solution, "
                       "Tensor cloned_coefficient)", _triangular_solve, _triangular_solve_meta)
triangular_solve.derivative(**{"self, A": triangular_solve_backward}, result=triangular_solve_jvp)


# ---- Cholesky solve and inverse -----------------------------------------------------------------
def _cs_check(self, input2):
    name = "cholesky_solve"
    check_kernel_dtype("cholesky_solve_cpu", input2)
    if self.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {self.ndim} "
                           "dimensions instead")
    if input2.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {input2.ndim} "
                           "dimensions instead")
    da, db = dtype_of(self), dtype_of(input2)
    if da is not db:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{da._scalar_name} and A of type {db._scalar_name} instead.")
    check_float(name, input2)
    batch = tuple(broadcast_shapes(tuple(self.shape[:-2]), tuple(input2.shape[:-2])))
    return batch + tuple(self.shape[-2:])


def _cholesky_solve(self, input2, upper=False):
    _cs_check(self, input2)
    L = np.conj(np.swapaxes(input2, -1, -2)) if upper else input2
    Y = _tri_solve_np(L, self, False, True, False)
    X = _tri_solve_np(np.conj(np.swapaxes(L, -1, -2)), Y, True, True, False)
    return fortran(X)


cholesky_solve = _op("cholesky_solve(Tensor self, Tensor input2, bool upper=False) -> Tensor",
                     _cholesky_solve,
                     lambda self, input2, upper=False: meta_f(_cs_check(self, input2),
                                                              dtype_of(self)))
cholesky_solve.derivative(**{"self, input2": cholesky_solve_backward}, result=cholesky_solve_jvp)


def _cholesky_inverse(self, upper=False):
    check_kernel_dtype("cholesky_inverse_out_cpu", self)
    check_square("cholesky_inverse", self, "input")
    check_float("cholesky_inverse", self)
    F = np.triu(self) if upper else np.tril(self)
    Fh = np.conj(np.swapaxes(F, -1, -2))
    A = Fh @ F if upper else F @ Fh
    with np.errstate(all="ignore"):
        inv = np.linalg.inv(A).astype(self.dtype, copy=False) if A.size else A.copy()
    return fortran(inv)


cholesky_inverse = _op("cholesky_inverse(Tensor self, bool upper=False) -> Tensor",
                       _cholesky_inverse,
                       lambda self, upper=False: meta_f(self.shape, dtype_of(self)))
cholesky_inverse.derivative(self=cholesky_inverse_backward, result=cholesky_inverse_jvp)
