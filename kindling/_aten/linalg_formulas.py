"""Derivative formulas of the linalg ops (FunctionsManual.cpp's, in Python).

Each is written with dispatched ops (``matmul``, ``mH``, ``linalg_solve``,
``linalg_solve_triangular``...), so modes see them and double backward differentiates them.
The backward formulas dispatch the ops PyTorch's do, in its order: in place where it updates a
tensor in place (``ret.diagonal().fill_(1)``: autograd records it for double backward), and
operands right to left, the order its C++ evaluates a call's arguments and a binary
operator's operands in (``a + b - f(c)`` computes ``f(c)`` first).  Names of parameters are
the ops' schema names (backward: ``grad``/``grads``, inputs, outputs; forward: ``<input>_t``,
``<input>_p``, outputs).
"""
from __future__ import annotations

import math

from ._ops_registry import aten

_EPS = {"float32": 1.1920928955078125e-07, "float64": 2.220446049250313e-16}


def _mm(a, b):
    return aten.matmul.default(a, b)


def _mH(t):
    return t.mH


def _diag(t):
    return aten.diagonal.default(t, 0, -2, -1)


def _embed(v):
    return aten.diag_embed.default(v)


def _sum_to(t, shape):
    from ..autograd._formulas import sum_to
    return sum_to(t, tuple(shape)) if t is not None and tuple(t.shape) != tuple(shape) else t


def _solve(A, B, left=True):
    return aten.linalg_solve.default(A, B, left=left)


def _tri_solve(A, B, upper, left=True, unit=False):
    return aten.linalg_solve_triangular.default(A, B, upper=upper, left=left,
                                                unitriangular=unit)


def _real_dtype_name(t):
    n = t.dtype._name
    return {"complex64": "float32", "complex128": "float64"}.get(n, n)


# ---- inverse, determinants ----------------------------------------------------------------------
def inv_backward(grad, inverse):
    # (-inverse^H (grad inverse^H), inverse.mH() taken twice, the inner product first: the
    # order C++ evaluates PyTorch's formula in)
    inner = _mm(grad, _mH(inverse))
    return -_mm(_mH(inverse), inner)


def inv_jvp(A_t, inverse):
    return -_mm(_mm(inverse, A_t), inverse), None


def _prod_safe_zeros_backward(grad, inp, dim):
    if inp.numel() == 0:
        return grad.expand_as(inp)
    size = list(inp.shape)
    size[dim] = 1
    ones = aten.ones.default(size, dtype=grad.dtype)
    n = inp.shape[dim]
    normal = aten.cat.default([ones, inp.narrow(dim, 0, n - 1)], dim).cumprod(dim)
    rev = aten.cat.default([ones, inp.narrow(dim, 1, n - 1).flip([dim])], dim)
    rev = rev.cumprod(dim).flip([dim])
    prod = normal * rev
    return grad * (prod.conj() if prod.dtype.is_complex else prod)


def _lu_adjoint_solve(A, LU, pivots, d):
    """PyTorch's no-graph path of det's and slogdet's formulas: ``A^{-H} d`` from the saved
    LU factors (those of a contiguous real ``A``'s transpose: then without ``adjoint``)."""
    use_A_T = A.is_contiguous() and not A.dtype.is_complex
    return aten.linalg_lu_solve.default(LU, pivots, d, left=True, adjoint=not use_A_T)


def _masked_fmap(mask, f1, f2, t, *ts):
    """PyTorch's ``masked_fmap``: ``f1`` on the (batch) elements where ``mask`` holds, ``f2``
    on the others, one call each when the mask is all true or all false."""
    # (Tensor indexing, as C++'s ``t.index({mask})``: a 0-d mask adds a dim of size 1 or 0)
    t_masked = t[mask]
    n = t_masked.numel()
    if n == t.numel():
        return f1(t, *ts)
    if n == 0:
        return f2(t, *ts)
    not_mask = aten.logical_not.default(mask)
    out = aten.empty_like.default(t)
    out[mask] = f1(t_masked, *[x[mask] for x in ts])
    out[not_mask] = f2(t[not_mask], *[x[not_mask] for x in ts])
    return out


def _det_backward_singular(A, d, grad):
    """The adjugate of a (near-)singular matrix through its SVD (Higham)."""
    U, S, Vh = aten.linalg_svd.default(A)
    alpha = aten.linalg_det.default(U) * aten.linalg_det.default(Vh)
    alpha = (alpha.conj() if alpha.dtype.is_complex else alpha) * grad
    D = _prod_safe_zeros_backward(alpha.unsqueeze(-1), S, S.dim() - 1)
    return _mm(U * D.unsqueeze(-2), Vh)


def _det_backward_nonsingular(A, d, grad):
    return _solve(_mH(A), d)


def det_backward(grad, result, A, LU, pivots):
    """PyTorch's ``linalg_det_backward``: the cofactors ``det(A) A^{-H}``; empty and 1x1
    matrices directly; from the saved LU factors (a zero pivot nudged by eps) when no graph
    is built; else a fresh solve, or the SVD's adjugate for near-singular matrices (for all
    of them under a mode or a subclass)."""
    from .. import is_grad_enabled
    from ._util import is_tensor_subclass_like
    if grad is None:
        return None
    if A.numel() == 0:  # (PyTorch's node returns an empty gradient, not an undefined one)
        return aten.zeros_like.default(A)
    if A.shape[-1] == 1:  # (d det / dA = 1 for a 1x1 matrix)
        return grad.unsqueeze(-1).unsqueeze(-1).expand(list(A.shape))
    d_diag = grad * (result.conj() if result.dtype.is_complex else result)
    d = _embed(d_diag.unsqueeze(-1).expand_as(pivots)).mT
    eps = _EPS[_real_dtype_name(A)]
    if not is_grad_enabled():
        nudge = _embed(aten.where.Scalar(_diag(LU) == 0.0, eps, 0.0))
        return _lu_adjoint_solve(A, LU + nudge, pivots, d)
    if any(is_tensor_subclass_like(t) for t in (A, d, grad)):
        return _det_backward_singular(A, d, grad)
    return _masked_fmap(result.abs() < 100.0 * eps, _det_backward_singular,
                        _det_backward_nonsingular, A, d, grad)


def _use_A_T(A):
    """Whether the saved LU factors are those of ``A^T`` (a contiguous real ``A``): the
    forward formulas then solve with them through ``adjoint``."""
    return A.is_contiguous() and not A.dtype.is_complex


def det_jvp(A_t, A_p, result, LU, pivots):
    """``tr(A^{-1} dA) det(A)`` with the saved LU factors, a zero pivot nudged by eps (the
    determinant is C^1: the nudged factors approximate the singular case), as PyTorch's
    ``linalg_det_jvp``."""
    eps = _EPS[_real_dtype_name(LU)]
    LU_ = LU + _embed(aten.where.Scalar(_diag(LU) == 0.0, eps, 0.0))
    AinvE = aten.linalg_lu_solve.default(LU_, pivots, A_t, left=True, adjoint=_use_A_T(A_p))
    return _diag(AinvE).sum(-1) * result, None, None


def slogdet_backward(grads, A, sign, LU, pivots):
    g_sign, g_abs = grads[0], grads[1]
    if g_sign is None and g_abs is None:
        return None
    is_complex = A.dtype.is_complex
    if not is_complex and g_abs is None:
        return None
    g = g_abs
    if is_complex:
        if g_sign is not None:
            im = aten.imag.default(g_sign.conj() * sign)
            # (C++'s ``i * im``: a number times a tensor is ``im.mul(i)``, mul.Scalar)
            g = (g - aten.mul.Scalar(im, 1j)) if g is not None else aten.mul.Scalar(im, -1j)
        else:
            g = g.to(A.dtype)
    from .. import is_grad_enabled
    d = _embed(g.unsqueeze(-1).expand_as(pivots)).mT
    if not is_grad_enabled():
        return _lu_adjoint_solve(A, LU, pivots, d)
    return _solve(_mH(A), d)


def slogdet_jvp(A_t, A_p, sign, LU, pivots):
    """``(i Im(t) sign, Re(t))`` with ``t = tr(A^{-1} dA)`` from the saved LU factors (a zero
    tangent for a real sign), PyTorch's ``slogdet_jvp``; C++ builds the tuple's last element
    first."""
    AinvE = aten.linalg_lu_solve.default(LU, pivots, A_t, left=True, adjoint=_use_A_T(A_p))
    tr = _diag(AinvE).sum(-1)
    if LU.dtype.is_complex:
        logabs_t = aten.real.default(tr)
        i_sign = aten.mul.Scalar(sign, 1j)
        return aten.imag.default(tr) * i_sign, logabs_t, None, None
    return aten._efficientzerotensor.default(list(sign.shape), dtype=sign.dtype), tr, None, None


# ---- solve --------------------------------------------------------------------------------------
def _is_vector(A, B_shape):
    return len(B_shape) == 1 or (len(B_shape) == A.dim() - 1 and
                                 tuple(B_shape) == tuple(A.shape[:-1]))


def solve_backward(grad, result, A, LU, pivots, left, A_sym_sizes, B_sym_sizes,
                   grad_input_mask):
    """PyTorch's ``linalg_solve_backward``: ``gB = A^{-H} gX`` from the saved LU factors
    (``linalg_lu_solve(..., adjoint=True)``), or - when a graph is built - a fresh
    ``linalg_solve``; ``gA = -gB X^H``.  A broadcast input's gradient is reduced by the
    engine, after the node."""
    from .. import is_grad_enabled
    if grad is None:
        return None, None
    vector = _is_vector(A, B_sym_sizes)

    def v2m(x):
        return x.unsqueeze(-1) if vector else x
    if is_grad_enabled():
        gB_ = _solve(_mH(A), v2m(grad), left)
    else:
        gB_ = aten.linalg_lu_solve.default(LU, pivots, v2m(grad), left=left, adjoint=True)
    gA = None
    if grad_input_mask[0]:
        X = v2m(result)
        gA = -_mm(gB_, _mH(X)) if left else -_mm(_mH(X), gB_)
    gB = gB_.squeeze(-1) if vector else gB_
    return gA, (gB if grad_input_mask[1] else None)


def solve_jvp(A_t, B_t, result, LU, pivots, left):
    """``dX = A^{-1} (dB - dA X)`` (``(dB - X dA) A^{-1}`` for ``left=False``) with the saved LU
    factors (those of ``A`` itself), PyTorch's ``linalg_solve_jvp``."""
    vector = _is_vector(LU, tuple(result.shape))
    X_ = result.unsqueeze(-1) if vector else result
    dB_ = B_t.unsqueeze(-1) if vector else B_t
    R_ = _mm(A_t, X_) if left else _mm(X_, A_t)
    dX_ = aten.linalg_lu_solve.default(LU, pivots, dB_ - R_, left=left)
    return (dX_.squeeze(-1) if vector else dX_), None, None, None


# ---- Cholesky -----------------------------------------------------------------------------------
def cholesky_backward(gL, upper, L):
    if gL is None:
        return None
    if upper:
        L, gL = _mH(L), _mH(gL)
    gA = _mm(_mH(L), gL).tril()
    gA = aten.mul.Scalar(gA + _mH(gA.tril(-1)), 0.5)
    gA = _tri_solve(_mH(L), gA, True, True)
    return _tri_solve(L, gA, False, False)


def cholesky_jvp(dA, L, upper):
    L_ = _mH(L) if upper else L
    dL = _tri_solve(L_, dA, False, True)
    dL = _tri_solve(_mH(L_), dL, True, False)
    # (Phi(dL) = tril(dL) - diag(dL) / 2, the subtrahend first, as C++ evaluates it)
    half_diag = _embed(aten.mul.Scalar(_diag(dL), 0.5))
    dL = dL.tril() - half_diag
    dL = _mm(L_, dL)
    return _mH(dL) if upper else dL


# ---- triangular solvers -------------------------------------------------------------------------
def _tri_part(t, upper, unit):
    return t.triu(int(unit)) if upper else t.tril(-int(unit))


def solve_triangular_backward(grad, self, result, upper, left, unitriangular, self_sym_sizes,
                              B_sym_sizes, grad_input_mask):
    if grad is None:
        return None, None
    gB = _tri_solve(_mH(self), grad, not upper, left, unitriangular)
    gA = None
    if grad_input_mask[0]:
        xh = _mH(result)
        gA = -_mm(gB, xh) if left else -_mm(xh, gB)
        gA = _sum_to(_tri_part(gA, upper, unitriangular), self_sym_sizes)
    return gA, (_sum_to(gB, B_sym_sizes) if grad_input_mask[1] else None)


def solve_triangular_jvp(self_t, B_t, self_p, result, upper, left, unitriangular):
    pA = _tri_part(self_t, upper, unitriangular)
    xt = B_t - (_mm(pA, result) if left else _mm(result, pA))
    return _tri_solve(self_p, xt, upper, left, unitriangular)


def triangular_solve_backward(grads, self, A, solution, upper, transpose, unitriangular,
                              self_sym_sizes, A_sym_sizes, grad_input_mask):
    grad_x, grad_m = grads[0], grads[1]
    grad_b = grad_a = None
    if grad_x is None and grad_m is None:
        return None, None
    if grad_x is not None:
        a = A.conj() if A.dtype.is_complex else A
        grad_b = aten.triangular_solve.default(grad_x, a, upper, not transpose,
                                               unitriangular)[0]
        if grad_input_mask[1]:
            x = solution
            grad_a = -_mm(x.conj() if x.dtype.is_complex else x, grad_b.mT) if transpose \
                else -_mm(grad_b, _mH(x))
            grad_a = grad_a.triu(int(unitriangular)) if upper else \
                grad_a.tril(-int(unitriangular))
    if grad_a is None:
        grad_a = aten.zeros_like.default(A)
    if grad_b is None:
        grad_b = aten.zeros_like.default(self)
    if grad_input_mask[1] and grad_m is not None:
        grad_a = grad_a + grad_m
    return _sum_to(grad_b, self_sym_sizes), _sum_to(grad_a, A_sym_sizes)


def triangular_solve_jvp(self_t, A_t, A_p, solution, upper, transpose, unitriangular):
    dA = _tri_part(A_t, upper, unitriangular)
    contrib = _mm(dA.mT if transpose else dA, solution)
    dX = aten.triangular_solve.default(self_t - contrib, A_p, upper, transpose,
                                       unitriangular)[0]
    return dX, A_t


def cholesky_solve_backward(grad, self, input2, result, upper, self_sym_sizes,
                            input2_sym_sizes, grad_input_mask):
    if grad is None:
        return None, None
    g_self = aten.cholesky_solve.default(grad, input2, upper)
    g_in2 = None
    if grad_input_mask[1]:
        common = _mm(g_self, _mH(result))
        common = common + _mH(common)
        g_in2 = -_mm(input2, common) if upper else -_mm(common, input2)
        g_in2 = _sum_to(g_in2, input2_sym_sizes)
    return _sum_to(g_self, self_sym_sizes), g_in2


def cholesky_solve_jvp(self_t, input2_t, input2_p, result, upper):
    dK = _mm(_mH(input2_t), input2_p) if upper else _mm(input2_t, _mH(input2_p))
    dA = dK + _mH(dK)
    return aten.cholesky_solve.default(self_t - _mm(dA, result), input2_p, upper)


def cholesky_inverse_backward(grad, self, upper, result):
    common = grad + _mH(grad)
    common = _mm(result, _mm(common, result))
    return -_mm(self, common) if upper else -_mm(common, self)


def cholesky_inverse_jvp(self_p, self_t, result, upper):
    """``dX = K + K^H`` with ``K = -X dL L^H X`` for ``X = (L L^H)^{-1}`` (``-X dU^H U X`` for
    ``X = (U^H U)^{-1}``); the factor and its tangent are taken as triangular.  PyTorch's
    ``cholesky_inverse_jvp`` forms ``-X dL X L^H``, which is not the differential (central
    differences of its own op disagree); this is, with the same ops in the same order."""
    X = result
    if upper:
        dUh = _mH(self_t)
        partial = -_mm(_mm(_mm(X, dUh), self_p), X)
    else:
        Lh = _mH(self_p)
        partial = -_mm(_mm(_mm(X, self_t), Lh), X)
    return partial + _mH(partial)


# ---- QR -----------------------------------------------------------------------------------------
_QR_NO_Q = ("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
            "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
            "linalg.qr.")
_QR_COMPLETE = ("The QR decomposition is not differentiable when mode='complete' and "
                "nrows > ncols.")


def _qr_checks(mode, m, n):
    if mode == "r":
        raise RuntimeError(_QR_NO_Q)
    if mode == "complete" and m > n:
        raise RuntimeError(_QR_COMPLETE)


def qr_backward(grads, Q, R, mode):
    """PyTorch's ``linalg_qr_backward`` (operands in its C++ order: right to left)."""
    gQ, gR = grads[0], grads[1]
    _qr_checks(mode, 0, 0)  # (mode='r' first: it computes no Q)
    m, n = Q.shape[-2], R.shape[-1]
    _qr_checks(mode, m, n)
    if gQ is None and gR is None:
        return None
    if gQ is not None:
        QhgQ = _mm(_mH(Q), gQ)
        gA = _mm(gR, _mH(R)) - QhgQ if gR is not None else -QhgQ
    else:
        gA = _mm(gR, _mH(R))
    if m >= n:
        # syminvadj(X): X + X^H with the real part of its diagonal halved
        X = gA.triu()
        ret = X + _mH(X)
        aten.mul_.Scalar(aten.real.default(_diag(ret)), 0.5)
        gA = _mm(Q, ret)
        if gQ is not None:
            gA = gA + gQ
        return _tri_solve(_mH(R), gA, False, False)
    # trilImInvAdjSkew(X): (X - X^H).tril() with the imaginary part of its diagonal halved
    X = -gA
    ret = (X - _mH(X)).tril()
    if X.dtype.is_complex:
        aten.mul_.Scalar(aten.imag.default(_diag(ret)), 0.5)
    gA = _mm(Q, ret)
    gA = _tri_solve(_mH(R.narrow(-1, 0, m)), gA, False, False)
    shape = list(R.shape)
    shape[-1] = n - m
    gA = aten.cat.default([gA, aten.new_zeros.default(gA, shape)], -1)
    if gR is not None:
        gA = gA + _mm(Q, gR)
    return gA


def qr_jvp(A_t, Q, R, mode):
    """PyTorch's ``linalg_qr_jvp`` (operands in its C++ order: right to left)."""
    m, n = A_t.shape[-2], A_t.shape[-1]
    _qr_checks(mode, m, n)
    if m >= n:
        dARinv = _tri_solve(R, A_t, True, False)
        X = _mm(_mH(Q), dARinv)
        # syminv(sym(X)): (X + X^H).triu() with its diagonal halved
        dR = (X + _mH(X)).triu()
        aten.mul_.Scalar(_diag(dR), 0.5)
        dQ = dARinv - _mm(Q, dR)
        return dQ, _mm(dR, R)
    QHdA = _mm(_mH(Q), A_t)
    rhs = QHdA.narrow(-1, 0, m)
    Y = _tri_solve(R.narrow(-1, 0, m), rhs, True, False)
    # triliminv(trilim(Y))
    if Y.dtype.is_complex:
        t = Y.tril()
        aten.zero_.default(aten.real.default(_diag(t)))
        dQ = t - _mH(t)
        aten.mul_.Scalar(_diag(dQ), 0.5)
    else:
        t = Y.tril(-1)
        dQ = t - t.mT
    dR = QHdA - _mm(dQ, R)
    return _mm(Q, dQ), dR


# ---- SVD ----------------------------------------------------------------------------------------
_SVD_PHASE = ("svd_backward: The singular vectors in the complex case are specified up to "
              "multiplication by e^{i phi}. The specified loss function depends on this phase "
              "term, making it ill-defined.")


_SVD_NO_UV = ("U.dim() >= 2 && Vh.dim() >= 2 INTERNAL ASSERT FAILED at \"/__w/pytorch/pytorch/"
              "torch/csrc/autograd/FunctionsManual.cpp\":3728, please report a bug to PyTorch. ")

_SVD_NO_UV_JVP = _SVD_NO_UV.replace("U.dim() >= 2 && Vh.dim()", "U_.dim() >= 2 && Vh_.dim()") \
    .replace(":3728", ":3519")


def _E_filled(S):
    """``S_k^2 - S_j^2`` off the diagonal, 1 on it (PyTorch fills the diagonal in place)."""
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)
    aten.fill_.Scalar(_diag(E), 1)
    return E


def svd_backward(grads, U, S, Vh, full_matrices):
    """PyTorch's ``svd_backward`` (operands in its C++ order: right to left)."""
    gU, gS, gVh = grads
    if gU is None and gS is None and gVh is None:
        return None
    if U.dim() < 2 or Vh.dim() < 2:  # (compute_uv=False)
        raise RuntimeError(_SVD_NO_UV)
    if full_matrices:
        k = S.shape[-1]
        gU = gU.narrow(-1, 0, k) if gU is not None else None
        gVh = gVh.narrow(-2, 0, k) if gVh is not None else None
        U, Vh = U.narrow(-1, 0, k), Vh.narrow(-2, 0, k)
    m, n = U.shape[-2], Vh.shape[-1]
    if gU is None and gVh is None:
        return _mm(U, gS.unsqueeze(-1) * Vh) if m >= n else _mm(U * gS.unsqueeze(-2), Vh)
    is_complex = U.dtype.is_complex
    UhgU = VhgV = None
    if gU is not None:
        X = _mm(_mH(U), gU)
        UhgU = X - _mH(X)
    if gVh is not None:
        X = _mm(Vh, _mH(gVh))
        VhgV = X - _mH(X)
    if is_complex:
        a = aten.imag.default(_diag(UhgU)) if UhgU is not None else aten.zeros_like.default(S)
        b = aten.imag.default(_diag(VhgV)) if VhgV is not None else aten.zeros_like.default(S)
        if not bool(aten.allclose.default(a, -b, 1e-2, 1e-2)):
            raise RuntimeError(_SVD_PHASE)
    E = _E_filled(S)
    if UhgU is not None and VhgV is not None:
        right = S.unsqueeze(-1) * VhgV
        ret = (UhgU * S.unsqueeze(-2) + right) / E
    elif UhgU is not None:
        Srow = S.unsqueeze(-2)
        ret = (UhgU / E) * Srow
    else:
        ret = (VhgV / E)
        ret = S.unsqueeze(-1) * ret
    if gS is not None:
        ret = ret + _embed(gS)
    if is_complex and UhgU is not None and VhgV is not None:
        S2 = aten.mul.Scalar(S, 2.0)
        ret = ret + _embed(_diag(UhgU) / S2)
    if m > n and gU is not None:
        gA = _mm(U, ret)
        gUSinv = gU / S.unsqueeze(-2)
        proj = _mm(U, _mm(_mH(U), gUSinv))
        return _mm(gA + gUSinv - proj, Vh)
    if m < n and gVh is not None:
        gA = _mm(ret, Vh)
        SinvgVh = gVh / S.unsqueeze(-1)
        proj = _mm(_mm(SinvgVh, _mH(Vh)), Vh)
        return _mm(U, gA + SinvgVh - proj)
    return _mm(U, _mm(ret, Vh)) if m >= n else _mm(_mm(U, ret), Vh)


def svd_jvp(A_t, U, S, Vh, full_matrices):
    """PyTorch's ``linalg_svd_jvp`` (operands in its C++ order: right to left)."""
    if U.dim() < 2 or Vh.dim() < 2:  # (compute_uv=False)
        raise RuntimeError(_SVD_NO_UV_JVP)
    is_complex = A_t.dtype.is_complex
    m, n = A_t.shape[-2], A_t.shape[-1]
    k = S.shape[-1]
    U_ = U.narrow(-1, 0, k) if full_matrices else U
    Vh_ = Vh.narrow(-2, 0, k) if full_matrices else Vh
    V = _mH(Vh_)
    if m < n:
        dAV = _mm(A_t, V)
        dP = _mm(_mH(U_), dAV)
    else:
        dP = _mm(_mm(_mH(U_), A_t), V)
    dS = aten.real.default(_diag(dP)) if is_complex else _diag(dP)
    dP = dP - _embed(dS)
    E = _E_filled(S)
    if is_complex:
        d2 = _diag(dP)
        d2 = d2.div(aten.mul.Scalar(S, 2.0))
    X = dP * S.unsqueeze(-2)
    aux = (X + _mH(X)) / E
    if is_complex:
        aux = aux + _embed(d2)
    dU = _mm(U_, aux)
    if m > n:
        dAVSinv = _mm(A_t, V / S.unsqueeze(-2))
        proj = _mm(U_, _mm(_mH(U_), dAVSinv))
        dU = dU + dAVSinv - proj
        if full_matrices:
            shape = list(dU.shape)
            shape[-1] = m - n
            dU = aten.cat.default([dU, aten.new_zeros.default(dU, shape)], -1)
    Y = dP * (-S).unsqueeze(-1)
    vaux = (Y + _mH(Y)) / E
    if is_complex:
        vaux = vaux + _embed(d2)
    dVh = _mm(vaux, Vh_)
    if m < n:
        Scol = S.unsqueeze(-1)
        UHdASinv = _mm(_mH(U_) / Scol, A_t)
        proj = _mm(_mm(UHdASinv, V), Vh_)
        dVh = dVh + UHdASinv - proj
        if full_matrices:
            shape = list(dVh.shape)
            shape[-2] = n - m
            dVh = aten.cat.default([dVh, aten.new_zeros.default(dVh, shape)], -2)
    return dU, dS, dVh


# ---- eigh / eig ---------------------------------------------------------------------------------
def eig_backward(gL, gV, L, V, is_hermitian):
    """PyTorch's ``linalg_eig_backward`` (in place where it is; where a mode or a tensor
    subclass could look, ``diagonal_scatter`` and no phase check, as PyTorch)."""
    from ._util import is_tensor_subclass_like
    if gL is None and gV is None:
        return None
    if gV is None:
        VH = _mH(V)
        if is_hermitian:
            return _mm(V * gL.unsqueeze(-2), VH)
        rhs = gL.unsqueeze(-1) * VH
        return _solve(_mH(V), rhs)
    VhgV = _mm(_mH(V), gV)
    dVhgV = _diag(VhgV)
    if V.dtype.is_complex and not is_tensor_subclass_like(dVhgV):
        im = aten.imag.default(dVhgV)
        if not bool(aten.allclose.default(im, aten.zeros_like.default(im), 1e-2, 1e-2)):
            name = "linalg_eigh_backward" if is_hermitian else "linalg_eig_backward"
            raise RuntimeError(f"{name}: The eigenvectors in the complex case are specified up "
                               "to multiplication by e^{i phi}. The specified loss function "
                               "depends on this quantity, so it is ill-defined.")
    if is_hermitian:
        VhgV = aten.mul.Scalar(VhgV - _mH(VhgV), 0.5)
    else:
        scaled = V * aten.real.default(dVhgV).unsqueeze(-2)
        VhgV = VhgV - _mm(_mH(V), scaled)
    Lc = L.conj() if L.dtype.is_complex else L
    Econj = Lc.unsqueeze(-2) - Lc.unsqueeze(-1)
    aten.fill_.Scalar(_diag(Econj), 1.0)
    ret = aten.div_.Tensor(VhgV, Econj)
    if gL is not None:
        if is_tensor_subclass_like(gL):
            ret = aten.diagonal_scatter.default(ret, gL, 0, -2, -1)
        else:
            aten.copy_.default(_diag(ret), gL)
    if is_hermitian:
        return _mm(V, _mm(ret, _mH(V)))
    rhs = _mm(ret, _mH(V))
    return _solve(_mH(V), rhs)


def eig_jvp(dA, L, V, is_hermitian):
    """PyTorch's ``linalg_eig_jvp`` (operands in its C++ order: right to left)."""
    if is_hermitian:
        dP = _mm(_mm(_mH(V), dA), V)
    else:
        dAc = dA if dA.dtype.is_complex else dA.to(V.dtype)
        dP = _solve(V, _mm(dAc, V))
    dL = aten.real.default(_diag(dP)) if is_hermitian and dA.dtype.is_complex else _diag(dP)
    Lcol = L.unsqueeze(-1)
    ret = dP / (L.unsqueeze(-2) - Lcol)
    aten.zero_.default(_diag(ret))
    dV = _mm(V, ret)
    if not is_hermitian:
        d = aten.real.default(_diag(_mm(_mH(V), dV))).unsqueeze(-2)
        dV = dV - V * d
    return dL, dV


def eigh_backward(grads, eigenvalues, eigenvectors):
    return eig_backward(grads[0], grads[1], eigenvalues, eigenvectors, True)


def eigh_jvp(A_t, eigenvalues, eigenvectors):
    return eig_jvp(A_t, eigenvalues, eigenvectors, True)


def linalg_eig_backward(grads, self_scalar_type, eigenvalues, eigenvectors):
    gL, gV = grads[0], grads[1]
    r = eig_backward(gL, gV, eigenvalues, eigenvectors, False)
    if r is not None and not self_scalar_type.is_complex:  # (handle_r_to_c: A is not saved)
        r = aten.real.default(r)
    return r


def linalg_eig_jvp(self_t, eigenvalues, eigenvectors):
    return eig_jvp(self_t, eigenvalues, eigenvectors, False)


# ---- pinv ---------------------------------------------------------------------------------------
def pinv_backward(grad, result, self):
    # (the terms of PyTorch's sum are computed right to left, as C++ evaluates the expression,
    # so dispatch modes see its order)
    pinvA, A = result, self
    m, n = A.shape[-2], A.shape[-1]
    pinvAh = _mH(pinvA)
    gradh = _mH(grad)
    if m <= n:
        K = _mm(gradh, pinvA)
        KpinvAh = _mm(K, pinvAh)
        t4 = _mm(_mm(pinvAh, pinvA), gradh - _mm(K, A))
        t3 = _mm(_mm(A, pinvA), KpinvAh)
        return -_mH(_mm(pinvA, K)) + KpinvAh - t3 + t4
    K = _mm(pinvA, gradh)
    pinvAhK = _mm(pinvAh, K)
    t4 = _mm(_mm(pinvAhK, pinvA), A)
    t2 = _mm(_mm(gradh - _mm(A, K), pinvA), pinvAh)
    return -_mH(_mm(K, pinvA)) + t2 + pinvAhK - t4


def pinv_jvp(self_p, self_t, result):
    """Golub and Pereyra's ``dA^+ = -A^+ dA A^+ + (I - A^+ A) dA^H A^+^H A^+ +
    A^+ A^+^H dA^H (I - A A^+)``, grouped as PyTorch's ``pinv_jvp`` groups it (the smaller
    products for wide and tall ``A``), its ops in the order C++ evaluates them (a binary
    operator's right operand first, a method's object before its argument)."""
    A, pinvA, dA = self_p, result, self_t
    m, n = A.shape[-2], A.shape[-1]
    dAh, pinvAh = _mH(dA), _mH(pinvA)
    if m <= n:
        K = _mm(pinvAh, dAh)
        right = _mm(dAh - _mm(pinvA, _mm(A, dAh)), _mm(pinvAh, pinvA))
        KApinvA = _mm(K, _mm(A, pinvA))
        left = _mm(pinvA, (K - _mH(K)) - KApinvA)
        return left + right
    K = _mm(pinvA, dA)
    Kh = _mH(K)
    pinvApinvAh = _mm(pinvA, pinvAh)
    right = _mm(pinvApinvAh, dAh - _mm(_mm(dAh, A), pinvA))
    pinvAAKh = _mm(_mm(pinvA, A), Kh)
    left = _mm((Kh - K) - pinvAAKh, pinvA)
    return left + right


# ---- lstsq --------------------------------------------------------------------------------------
def _lstsq_vector(A, b):
    """PyTorch's linalg_solve_is_vector_rhs (``b`` a vector or a batch of vectors)."""
    return _is_vector(A, tuple(b.shape))


def lstsq_backward(grads, self, b, solution, grad_input_mask):
    """X = pinv(A) B through pinv's backward; the residuals' gradient as if X were fixed (it
    minimises them)."""
    gX_, gL_ = grads[0], grads[1]
    A = self
    a_req, b_req = grad_input_mask[0], grad_input_mask[1]
    has_gL = gL_ is not None and gL_.numel() > 0
    if (gX_ is None and not has_gL) or not (a_req or b_req):
        return None, None
    vector = _lstsq_vector(A, b)

    def v2m(t):
        return t.unsqueeze(-1) if vector else t

    def m2v(t):
        return t.squeeze(-1) if vector else t
    B = v2m(b)
    A_grad_X = B_grad_X = None
    if gX_ is not None:
        gX = v2m(gX_)
        pinvA = aten.linalg_pinv.atol_rtol_tensor(A)
        if a_req:
            A_grad_X = pinv_backward(_mm(gX, _mH(B)), pinvA, A)
        if b_req:
            # (pinv(A)^H gX rather than lstsq(A^H, gX): gelsy is not deterministic)
            B_grad_X = m2v(_mm(_mH(pinvA), gX))
    if not has_gL:
        return A_grad_X, B_grad_X
    X = v2m(solution)
    r = _mm(A, X) - B
    gL = gL_.unsqueeze(-2)
    A_grad = B_grad = None
    if a_req:
        A_grad_L = aten.mul.Scalar(_mm(gL * r, _mH(X)), 2)
        A_grad = A_grad_L if A_grad_X is None else A_grad_X + A_grad_L
    if b_req:
        B_grad_L = m2v(aten.mul.Scalar(gL, -2) * r)
        B_grad = B_grad_L if B_grad_X is None else B_grad_X + B_grad_L
    return A_grad, B_grad


def _lstsq_residuals_jvp(A, B_, dA, dB_, X_, L):
    if L.numel() == 0:
        return aten.clone.default(L)
    vector = _lstsq_vector(A, B_)

    def v2m(t):
        return t.unsqueeze(-1) if vector else t
    B, dB, X = v2m(B_), v2m(dB_), v2m(X_)
    r = _mm(A, X) - B
    dr = _mm(dA, X) - dB
    # (Danskin's theorem: the residuals' tangent as if X did not depend on A and B)
    prod = r * (dr.conj() if dr.dtype.is_complex else dr)
    if prod.dtype.is_complex:
        prod = aten.real.default(prod)
    return aten.mul.Scalar(aten.sum.dim_IntList(prod, [-2]), 2)


def _lstsq_solution_jvp(A, B_, dA, dB_):
    vector = _lstsq_vector(A, B_)
    B = B_.unsqueeze(-1) if vector else B_
    dB = dB_.unsqueeze(-1) if vector else dB_
    pinvA = aten.linalg_pinv.atol_rtol_tensor(A)
    dpinvA = pinv_jvp(A, dA, pinvA)
    right = _mm(pinvA, dB)
    dX = _mm(dpinvA, B) + right
    return dX.squeeze(-1) if vector else dX


def lstsq_jvp(self, b, self_t_raw, b_t_raw, solution, residuals):
    """Tangents of (solution, residuals).  PyTorch has a formula for each, evaluated in the
    order of the outputs' names (residuals first), each unpacking the inputs' tangents and
    primals (``alias``) anew; the tangents are then set in that order (``set_order``)."""
    from ..autograd.forward_ad import _input_tangent, _primal

    def unpack():
        return (_input_tangent(self, self_t_raw), _primal(self),
                _input_tangent(b, b_t_raw), _primal(b))
    dA, A, dB, B = unpack()
    dL = _lstsq_residuals_jvp(A, B, dA, dB, solution, residuals)
    dA, A, dB, B = unpack()
    dX = _lstsq_solution_jvp(A, B, dA, dB)
    return dX, dL, None, None


lstsq_jvp.set_order = (1, 0)


# ---- matrix_exp ---------------------------------------------------------------------------------
def matrix_exp_differential(self, grad, adjoint):
    """The block-triangular trick (Mathias 1996): exp([[A, G], [0, A]]) holds the differential
    of exp at A in direction G in its upper-right block (A^H for the adjoint)."""
    A = _mH(self) if adjoint else self
    n = A.shape[-1]
    top = aten.cat.default([A, grad], -1)
    bottom = aten.cat.default([aten.zeros_like.default(A), A], -1)
    meta = aten.cat.default([top, bottom], -2)
    return aten.linalg_matrix_exp.default(meta).narrow(-2, 0, n).narrow(-1, n, n)


def matrix_exp_backward(grad, self):
    return matrix_exp_differential(self, grad, True)


def matrix_exp_jvp(self_p, self_t):
    return matrix_exp_differential(self_p, self_t, False)


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("math", "annotations")]
del math
