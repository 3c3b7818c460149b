"""Decompositions and matrix functions: ``linalg_qr``, ``_linalg_svd`` (``linalg_svd``,
``svd``, ``linalg_svdvals``), ``_linalg_eigh`` (``linalg_eigh``, ``linalg_eigvalsh``),
``linalg_eig``/``linalg_eigvals``, ``linalg_pinv`` (all overloads, ``pinverse``),
``linalg_matrix_power``/``matrix_power``, ``linalg_cross``/``cross``, ``linalg_multi_dot``,
``linalg_matrix_exp``.

Singular vectors and eigenvectors are unique only up to sign (phase): NumPy's LAPACK and
PyTorch's (MKL) may return different representatives; the factors reconstruct the same
matrices.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype, _layout
from ._defop import defop
from ._ops_registry import aten
from ._util import broadcast_shapes, dtype_of, wrap_dim
from ._variants import cpp_name
from .linalg_common import (
    check_float, check_kernel_dtype, check_matrix, check_square, declare, fortran, meta_c,
    meta_f, real_dtype,
)
from .linalg_formulas import (
    eigh_backward, eigh_jvp, linalg_eig_backward, linalg_eig_jvp, matrix_exp_backward,
    matrix_exp_jvp, pinv_backward, pinv_jvp, qr_backward, qr_jvp, svd_backward, svd_jvp,
)
from ._util import warn_once
from .linalg_solvers import OPS, _op


def _composite(schema, fn):
    d = defop(schema)
    d.composite(fn)
    OPS[str(d.op)[len("aten."):]] = d
    return d


# ---- QR -----------------------------------------------------------------------------------------
def _qr_check(A, mode):
    check_matrix("linalg.qr", A)
    dt = check_float("linalg.qr", A, lowp="geqrf_cpu")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    b = tuple(A.shape[:-2])
    qshape = (0,) if mode == "r" else b + ((m, m) if mode == "complete" else (m, k))
    rshape = b + ((m, n) if mode == "complete" else (k, n))
    return qshape, rshape, dt


def _qr(A, mode="reduced"):
    qshape, rshape, _ = _qr_check(A, mode)
    if A.size == 0:
        Q = np.zeros(qshape, A.dtype)
        if mode == "complete" and len(qshape) >= 2:
            Q = Q + np.eye(qshape[-1], dtype=A.dtype)
        return (fortran(Q) if Q.ndim >= 2 else Q), fortran(np.zeros(rshape, A.dtype))
    if mode == "r":
        R = np.linalg.qr(A, mode="r")
        return np.zeros((0,), A.dtype), fortran(R.astype(A.dtype, copy=False))
    Q, R = np.linalg.qr(A, mode=mode)
    return fortran(Q.astype(A.dtype, copy=False)), fortran(R.astype(A.dtype, copy=False))


def _qr_meta(A, mode="reduced"):
    qshape, rshape, dt = _qr_check(A, mode)
    return (meta_f(qshape, dt) if len(qshape) >= 2 else meta_c(qshape, dt)), meta_f(rshape, dt)


linalg_qr = _op("linalg_qr(Tensor A, str mode='reduced') -> (Tensor Q, Tensor R)", _qr,
                _qr_meta)
linalg_qr.derivative("LinalgQrBackward0", A=qr_backward,
                     result=lambda A_t, Q, R, mode: qr_jvp(A_t, Q, R, mode))


# ---- SVD ----------------------------------------------------------------------------------------
def _svd_check(A, full_matrices, compute_uv, driver):
    check_matrix("linalg.svd", A)
    dt = check_float("linalg.svd", A, lowp="linalg_svd_cpu")
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on "
                           "CUDA inputs with cuSOLVER backend.")
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    b = tuple(A.shape[:-2])
    if not compute_uv:
        return (0,), b + (k,), (0,), dt
    if full_matrices:
        return b + (m, m), b + (k,), b + (n, n), dt
    return b + (m, k), b + (k,), b + (k, n), dt


def _svd(A, full_matrices=False, compute_uv=True, *, driver=None):
    us, ss, vs, _ = _svd_check(A, full_matrices, compute_uv, driver)
    rdt = np.empty(0, A.dtype).real.dtype
    if A.size == 0:
        def eye_or_zero(shape):
            z = np.zeros(shape, A.dtype)
            if len(shape) >= 2 and shape[-1] == shape[-2]:
                z = z + np.eye(shape[-1], dtype=A.dtype)
            return fortran(z) if len(shape) >= 2 else z
        return eye_or_zero(us), np.zeros(ss, rdt), eye_or_zero(vs)
    if not compute_uv:
        S = np.linalg.svd(A, compute_uv=False)
        return np.zeros((0,), A.dtype), S.astype(rdt, copy=False), np.zeros((0,), A.dtype)
    U, S, Vh = np.linalg.svd(A, full_matrices=full_matrices)
    return (fortran(U.astype(A.dtype, copy=False)), S.astype(rdt, copy=False),
            fortran(Vh.astype(A.dtype, copy=False)))


def _svd_meta(A, full_matrices=False, compute_uv=True, *, driver=None):
    us, ss, vs, dt = _svd_check(A, full_matrices, compute_uv, driver)

    def mk(shape):
        return meta_f(shape, dt) if len(shape) >= 2 else meta_c(shape, dt)
    return mk(us), meta_c(ss, real_dtype(dt)), mk(vs)


_linalg_svd = _op("_linalg_svd(Tensor A, bool full_matrices=False, bool compute_uv=True, *, "
                  "str? driver=None) -> (Tensor U, Tensor S, Tensor Vh)", _svd, _svd_meta)
_linalg_svd.derivative("LinalgSvdBackward0", A=svd_backward,
                       result=lambda A_t, U, S, Vh, full_matrices: svd_jvp(A_t, U, S, Vh,
                                                                            full_matrices))


def _needs_grad(A):
    """PyTorch's ``_may_require_fw_or_bw_grad``: a gradient may be asked of ``A`` (a tensor
    subclass or a dispatch mode counts: PyTorch then computes what differentiation needs)."""
    from ..autograd.grad_mode import is_grad_enabled
    from ..autograd.forward_ad import _current_level
    from ._util import is_tensor_subclass_like as _subclass_like
    return (A.requires_grad and is_grad_enabled()) or _current_level >= 0 or _subclass_like(A)


linalg_svd = _composite("linalg_svd(Tensor A, bool full_matrices=True, *, str? driver=None) -> "
                        "(Tensor U, Tensor S, Tensor Vh)",
                        lambda A, full_matrices=True, *, driver=None: aten._linalg_svd.default(
                            A, full_matrices, True, driver=driver))
linalg_svdvals = _composite("linalg_svdvals(Tensor A, *, str? driver=None) -> Tensor",
                            lambda A, *, driver=None: aten._linalg_svd.default(
                                A, False, _needs_grad(A), driver=driver)[1])


def _svd_legacy(self, some=True, compute_uv=True):
    U, S, Vh = aten.linalg_svd.default(self, not some)
    if compute_uv:
        return U, S, Vh.mH
    z = aten.zeros_like.default
    return z(U), S, z(Vh.mH)


svd = _composite("svd(Tensor self, bool some=True, bool compute_uv=True) -> (Tensor U, "
                 "Tensor S, Tensor V)", _svd_legacy)


_QR_DEPRECATION = (
    "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
    "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string parameter "
    "'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, "
    "'reduced' if some else 'complete')")


def _qr_legacy(self, some=True):
    warn_once("qr", _QR_DEPRECATION)
    return aten.linalg_qr.default(self, "reduced" if some else "complete")


qr = _composite("qr(Tensor self, bool some=True) -> (Tensor Q, Tensor R)", _qr_legacy)


# ---- eigh ---------------------------------------------------------------------------------------
def _eigh_check(A, UPLO):
    check_square("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return check_kernel_dtype("linalg_eigh_cpu", A)


def _eigh(A, UPLO="L", compute_v=True):
    _eigh_check(A, UPLO)
    rdt = np.empty(0, A.dtype).real.dtype
    if A.size == 0:
        return (np.zeros(A.shape[:-1], rdt),
                fortran(A.copy()) if compute_v else np.zeros((0,), A.dtype))
    if not compute_v:
        return np.linalg.eigvalsh(A, UPLO).astype(rdt, copy=False), np.zeros((0,), A.dtype)
    w, v = np.linalg.eigh(A, UPLO)
    return w.astype(rdt, copy=False), fortran(v.astype(A.dtype, copy=False))


def _eigh_meta(A, UPLO="L", compute_v=True):
    dt = _eigh_check(A, UPLO)
    return (meta_c(A.shape[:-1], real_dtype(dt)),
            meta_f(A.shape, dt) if compute_v else meta_c((0,), dt))


_linalg_eigh = _op("_linalg_eigh(Tensor A, str UPLO=\"L\", bool compute_v=True) -> "
                   "(Tensor eigenvalues, Tensor eigenvectors)", _eigh, _eigh_meta)
_linalg_eigh.derivative("LinalgEighBackward0", A=eigh_backward,
                        result=lambda A_t, eigenvalues, eigenvectors: eigh_jvp(
                            A_t, eigenvalues, eigenvectors))
linalg_eigh = _composite("linalg_eigh(Tensor self, str UPLO=\"L\") -> (Tensor eigenvalues, "
                         "Tensor eigenvectors)",
                         lambda self, UPLO="L": aten._linalg_eigh.default(self, UPLO, True))
linalg_eigvalsh = _composite("linalg_eigvalsh(Tensor self, str UPLO=\"L\") -> Tensor",
                             lambda self, UPLO="L": aten._linalg_eigh.default(
                                 self, UPLO, _needs_grad(self))[0])


# ---- eig ----------------------------------------------------------------------------------------
def _eig_check(A, name):
    check_square(name, A)
    dt = dtype_of(A)
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"Unknown Complex ScalarType for {dt._scalar_name}")
    if dt._name in ("float16", "bfloat16"):
        raise NotImplementedError(f"\"linalg_eig_out_cpu\" not implemented for "
                                  f"'{dt._scalar_name}'")
    return dt if dt.is_complex else dt.to_complex()


def _eig(self):
    cdt = _eig_check(self, "linalg.eig")
    if self.size == 0:
        return np.zeros(self.shape[:-1], cdt._np), fortran(np.zeros(self.shape, cdt._np))
    w, v = np.linalg.eig(self)
    return w.astype(cdt._np), fortran(v.astype(cdt._np))


linalg_eig = _op("linalg_eig(Tensor self) -> (Tensor eigenvalues, Tensor eigenvectors)", _eig,
                 lambda self: (meta_c(self.shape[:-1], _eig_check(self, "linalg.eig")),
                               meta_f(self.shape, _eig_check(self, "linalg.eig"))))
linalg_eig.derivative("LinalgEigBackward0", self=linalg_eig_backward,
                      result=lambda self_t, eigenvalues, eigenvectors: linalg_eig_jvp(
                          self_t, eigenvalues, eigenvectors))


def _eigvals(self):
    _eig_check(self, "linalg.eigvals")
    if _needs_grad(self):
        return aten.linalg_eig.default(self)[0]
    return aten.linalg_eig.default(self)[0]


linalg_eigvals = _composite("linalg_eigvals(Tensor self) -> Tensor", _eigvals)


# ---- pinv ---------------------------------------------------------------------------------------
def _pinv_check(A):
    dt = dtype_of(A)
    if A.ndim < 2 or dt._name not in ("float32", "float64", "complex64", "complex128"):
        sizes = ", ".join(map(str, A.shape))
        raise RuntimeError(f"linalg.pinv({dt._scalar_name}{{[{sizes}]}}): expected a tensor "
                           "with 2 or more dimensions of float, double, cfloat or cdouble types")
    return dt


def _pinv(self, *, atol=None, rtol=None, hermitian=False):
    _pinv_check(self)
    m, n = self.shape[-2], self.shape[-1]
    rdt = np.empty(0, self.dtype).real.dtype
    if self.size == 0:
        return np.zeros(self.shape[:-2] + (n, m), self.dtype)
    atol_v = np.asarray(0.0 if atol is None else atol, dtype=rdt)
    if rtol is None:
        rtol_v = np.asarray(0.0 if (atol is not None and np.any(atol_v > 0)) else
                            np.finfo(rdt).eps * max(m, n), dtype=rdt)
    else:
        rtol_v = np.asarray(rtol, dtype=rdt)
    with np.errstate(all="ignore"):
        if hermitian:
            w, v = np.linalg.eigh(self)
            w, v = w.astype(rdt), v.astype(self.dtype)
            amax = np.max(np.abs(w), axis=-1, keepdims=True)
            tol = np.maximum(atol_v[..., None] if atol_v.ndim else atol_v,
                             (rtol_v[..., None] if rtol_v.ndim else rtol_v) * amax)
            winv = np.where(np.abs(w) > tol, 1 / w, 0).astype(rdt)
            r = (v * winv[..., None, :]) @ np.conj(np.swapaxes(v, -1, -2))
        else:
            U, S, Vh = np.linalg.svd(self, full_matrices=False)
            U, S, Vh = U.astype(self.dtype), S.astype(rdt), Vh.astype(self.dtype)
            smax = S[..., :1]
            tol = np.maximum(atol_v[..., None] if atol_v.ndim else atol_v,
                             (rtol_v[..., None] if rtol_v.ndim else rtol_v) * smax)
            sinv = np.where(S > tol, 1 / S, 0).astype(rdt)
            r = (np.conj(np.swapaxes(Vh, -1, -2)) * sinv[..., None, :]) @ \
                np.conj(np.swapaxes(U, -1, -2))
    return np.ascontiguousarray(r.astype(self.dtype, copy=False))


def _pinv_meta(self, *, atol=None, rtol=None, hermitian=False):
    dt = _pinv_check(self)
    return meta_c(tuple(self.shape[:-2]) + (self.shape[-1], self.shape[-2]), dt)


linalg_pinv_tensor = _op("linalg_pinv.atol_rtol_tensor(Tensor self, *, Tensor? atol=None, "
                         "Tensor? rtol=None, bool hermitian=False) -> Tensor", _pinv, _pinv_meta)
linalg_pinv_tensor.derivative("LinalgPinvBackward0", self=pinv_backward, result=pinv_jvp)


def _as_tensor_tol(v, like):
    if v is None:
        return None
    return aten.scalar_tensor.default(float(v), dtype=_dtype.float64)


linalg_pinv_float = _composite(
    "linalg_pinv.atol_rtol_float(Tensor self, *, float? atol=None, float? rtol=None, "
    "bool hermitian=False) -> Tensor",
    lambda self, *, atol=None, rtol=None, hermitian=False: aten.linalg_pinv.atol_rtol_tensor(
        self, atol=_as_tensor_tol(atol, self), rtol=_as_tensor_tol(rtol, self),
        hermitian=hermitian))
linalg_pinv_rcond = _composite(
    "linalg_pinv(Tensor self, float rcond, bool hermitian=False) -> Tensor",
    lambda self, rcond, hermitian=False: aten.linalg_pinv.atol_rtol_float(
        self, atol=0.0, rtol=rcond, hermitian=hermitian))
linalg_pinv_rcond_tensor = _composite(
    "linalg_pinv.rcond_tensor(Tensor self, Tensor rcond, bool hermitian=False) -> Tensor",
    lambda self, rcond, hermitian=False: aten.linalg_pinv.atol_rtol_tensor(
        self, atol=aten.scalar_tensor.default(0.0, dtype=_dtype.float64), rtol=rcond,
        hermitian=hermitian))
pinverse = _composite("pinverse(Tensor self, float rcond=1e-15) -> Tensor",
                      lambda self, rcond=1e-15: aten.linalg_pinv.default(self, rcond))


# ---- matrix_power -------------------------------------------------------------------------------
def _matrix_power(self, n, name="linalg.matrix_power"):
    """PyTorch's linalg_matrix_power_impl, op for op (n = 0 clones the input, so the identity
    it returns is in the autograd graph, with zero gradient)."""
    check_square(name, self)
    contiguous = _layout.contiguous_format
    if n == 0:
        out = aten.clone.default(self, memory_format=contiguous)
        eye = aten.eye.default(self.shape[-2], dtype=self.dtype, device=self.device)
        return aten.copy_.default(out, eye)
    if n == 1:
        return aten.clone.default(self, memory_format=contiguous)
    if n == -1:
        return aten.linalg_inv.default(self)
    a = aten.linalg_inv.default(self) if n < 0 else self
    n = abs(n)
    if n == 2:
        return aten.matmul.default(a, a)
    if n == 3:
        return aten.matmul.default(aten.matmul.default(a, a), a)
    z = result = None
    while n > 0:
        bit = n % 2
        n //= 2
        z = a if z is None else aten.matmul.default(z, z)
        if bit:
            result = z if result is None else aten.matmul.default(result, z)
    return result


linalg_matrix_power = _composite("linalg_matrix_power(Tensor self, int n) -> Tensor",
                                 _matrix_power)
matrix_power = _composite("matrix_power(Tensor self, int n) -> Tensor",
                          lambda self, n: aten.linalg_matrix_power.default(self, n))


# ---- cross --------------------------------------------------------------------------------------
def _cross_check(self, other, dim):
    if self.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, self.ndim)
    if self.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{self.shape[d]} and {other.shape[d]}")
    shape = tuple(broadcast_shapes(tuple(self.shape), tuple(other.shape)))
    from ._util import dtype_of as _dt
    from .. import _dtype as D
    return shape, D.promote_types(_dt(self), _dt(other)), d


def _cross(self, other, *, dim=-1):
    shape, dt, d = _cross_check(self, other, dim)
    if dt is _dtype.bool:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    return np.ascontiguousarray(np.cross(self, other, axis=d).astype(dt._np, copy=False))


linalg_cross = _op("linalg_cross(Tensor self, Tensor other, *, int dim=-1) -> Tensor", _cross,
                   lambda self, other, *, dim=-1: meta_c(*_cross_check(self, other, dim)[:2]))
linalg_cross.derivative(
    # (a broadcast input's gradient is reduced by the engine, after the node: PyTorch's order)
    self="aten.linalg_cross.default(conj(other), grad, dim=dim)",
    other="aten.linalg_cross.default(grad, conj(self), dim=dim)",
    result="aten.linalg_cross.default(self_t, other_p, dim=dim) + "
           "aten.linalg_cross.default(self_p, other_t, dim=dim)")

_CROSS_DEPRECATION = (
    "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
    "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to "
    "agree with that of linalg.cross in a future release.")


def _cross_legacy(self, other, dim=None):
    if dim is None:
        warn_once("cross", _CROSS_DEPRECATION)
        shape = broadcast_shapes(tuple(self.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    return aten.linalg_cross.default(self, other, dim=dim)


cross = _composite("cross(Tensor self, Tensor other, int? dim=None) -> Tensor", _cross_legacy)


# ---- multi_dot ----------------------------------------------------------------------------------
def _multi_dot(tensors):
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0], tensors[-1]
    if first.dim() not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got "
                           f"{first.dim()}D")
    if last.dim() not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got "
                           f"{last.dim()}D")
    for i in range(1, n - 1):
        if tensors[i].dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got "
                               f"{tensors[i].dim()}D")
    dt = first.dtype
    for i, t in enumerate(tensors[1:], 1):
        if t.dtype is not dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {cpp_name(dt)} and tensor {i} "
                               f"{cpp_name(t.dtype)}")
    mats = list(tensors)
    if first.dim() == 1:
        mats[0] = first.unsqueeze(0)
    if last.dim() == 1:
        mats[-1] = last.unsqueeze(-1)
    for i in range(n - 1):
        if mats[i].shape[-1] != mats[i + 1].shape[0]:
            s1 = ", ".join(map(str, mats[i].shape))
            s2 = ", ".join(map(str, mats[i + 1].shape))
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes [{s1}] and "
                               f"[{s2}] cannot be multiplied")
    out_shape = ([first.shape[0]] if first.dim() == 2 else []) + \
        ([last.shape[-1]] if last.dim() == 2 else [])
    # the cheapest order (the standard matrix-chain dynamic program)
    from .combining import _multi_dot_order
    split = _multi_dot_order([m.shape for m in mats])

    def chain(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return aten.mm.default(chain(i, k), chain(k + 1, j))
    return aten.view.default(chain(0, n - 1), out_shape)


linalg_multi_dot = _composite("linalg_multi_dot(Tensor[] tensors) -> Tensor", _multi_dot)


# ---- matrix_exp ---------------------------------------------------------------------------------
# PyTorch's mexp (Bader, Blanes, Casas 2019: optimised Taylor polynomials of degree 1, 2, 4, 8,
# 12, 18, then scaling and squaring), in the input's precision: each matrix takes the lowest
# degree whose bound (for its precision) exceeds its 1-norm.
_THETAS = {np.float32: (1.192092800768788e-07, 5.978858893805233e-04, 5.116619363445086e-02,
                        5.800524627688768e-01, 1.461661507209034e+00, 3.010066362817634e+00),
           np.float64: (2.220446049250313e-16, 2.580956802971767e-08, 3.397168839976962e-04,
                        4.991228871115323e-02, 2.996158913811580e-01, 1.090863719290036e+00)}
_T12 = ((9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740),
        (5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031,
         0.01108844528519167989),
        (0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968,
         0.00610700528898058230),
        (-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079,
         -0.00675951846863086359))
_T18 = ((0., -1.00365581030144618291e-01, -8.02924648241156932449e-03,
         -8.92138498045729985177e-04, 0.),
        (0., 3.97849749499645077844e-01, 1.36783778460411720168e+00,
         4.98289622525382669416e-01, -6.37898194594723280150e-04),
        (-1.09676396052962061844e+01, 1.68015813878906206114e+00, 5.71779846478865511061e-02,
         -6.98210122488052056106e-03, 3.34975017086070470649e-05),
        (-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02,
         2.95552570429315521194e-02, -1.39180257516060693404e-05),
        (0., 0., -9.23364619367118555360e-02, -1.69364939002081722752e-02,
         -1.40086798182036094347e-05))


def _powers(A, k):
    """The first ``k`` of [I, A, A^2, A^3, A^6] (ATen's _fill_matrix_powers)."""
    out = [np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape), A]
    if k > 2:
        out.append(A @ A)
    if k > 3:
        out.append(A @ out[2])
    if k > 4:
        out.append(out[3] @ out[3])
    return out


def _combine(As, coeffs, rt):
    """sum_j coeffs[j] * As[j], accumulated in order from zero (ATen's linear combination)."""
    acc = np.zeros(As[0].shape, As[0].dtype)
    for c, X in zip(coeffs, As):
        acc = acc + rt(c) * X
    return acc


def _taylor(A, degree, rt):
    if degree == 1:
        I, A1 = _powers(A, 2)
        return I + A1
    if degree == 2:
        I, A1, A2 = _powers(A, 3)
        return (I + A1) + A2 / rt(2.0)
    if degree == 4:
        As = _powers(A, 3)
        As.append(As[2] @ _combine(As, (1 / 2.0, 1 / 6.0, 1 / 24.0), rt))
        return _combine(As, (1.0, 1.0, 0.0, 1.0), rt)
    if degree == 8:
        # (the constants rounded to the working precision first, as ATen's constexprs)
        sqrt_177 = float(rt(0.1330413469565007072504e+2))
        x3 = float(rt(2. / 3.))
        x1, x2 = x3 * ((1. + sqrt_177) / 88.), x3 * ((1. + sqrt_177) / 352.)
        x4 = (-271. + 29. * sqrt_177) / (315. * x3)
        x5 = (-11. + 11. * sqrt_177) / (1260. * x3)
        x6 = (-99. + 11. * sqrt_177) / (5040. * x3)
        x7 = (89. - sqrt_177) / (5040. * x3)
        y2 = (857. - 58. * sqrt_177) / 630.
        As = _powers(A, 3)
        As.append(As[2] @ _combine(As[1:3], (x1, x2), rt))
        As.append(_combine(As[2:4], (x3, 1.0), rt) @ _combine(As[:4], (x4, x5, x6, x7), rt))
        return _combine(As, (1.0, 1.0, y2, 0.0, 1.0), rt)
    table = _T12 if degree == 12 else _T18
    As = _powers(A, len(table))
    Bs = [_combine(As, row, rt) for row in table]
    if degree == 12:
        Bs[2] = Bs[2] + Bs[3] @ Bs[3]
        return Bs[0] + (Bs[1] + Bs[2]) @ Bs[2]
    Bs[3] = Bs[3] + Bs[0] @ Bs[4]
    return Bs[1] + (Bs[2] + Bs[3]) @ Bs[3]


def _expm(a):
    """exp of a batch of square matrices ``a[..., n, n]`` as PyTorch's mexp computes it."""
    n = a.shape[-1]
    if n == 1:
        return np.exp(a)
    rt = np.empty(0, a.dtype).real.dtype.type
    thetas = [rt(t) for t in _THETAS[rt]]
    if a.size == 0:
        return a.copy()
    A = a.reshape((-1, n, n))
    with np.errstate(all="ignore"):
        norm = np.max(np.sum(np.abs(A), axis=-2), axis=-1)
        res = np.full(A.shape, np.nan, A.dtype)
        lower = rt(-1)
        # (a batch of more than one matrix takes degree 18 throughout, as ATen's CPU kernel)
        batched = A.shape[0] > 1
        for theta, degree in zip(thetas[:-1], (1, 2, 4, 8, 12)):
            pick = (lower < norm) & (norm <= theta)
            if pick.any() and not batched:
                res[pick] = _taylor(A[pick], degree, rt)
            lower = theta
        large = np.ones(norm.shape, bool) if batched else norm >= thetas[-2]
        if large.any():
            nl = norm[large]
            s = np.maximum(rt(0), np.ceil(np.log2(nl / thetas[-1])))
            s = np.where(np.isfinite(s), s, 0).astype(np.int64)
            R = _taylor(A[large] / (2 ** s).astype(rt)[:, None, None], 18, rt)
            for i in range(int(s.max())):
                R = np.where((s > i)[:, None, None], R @ R, R)
            res[large] = R
    return res.reshape(a.shape)


def _matrix_exp(self):
    check_square("linalg.matrix_exp", self)
    check_float("linalg.matrix_exp", self)
    if self.size == 0:
        return self.copy()
    return np.ascontiguousarray(_expm(self))


def _matrix_exp_meta(self):
    check_square("linalg.matrix_exp", self)
    return meta_c(self.shape, check_float("linalg.matrix_exp", self))


linalg_matrix_exp = _op("linalg_matrix_exp(Tensor self) -> Tensor", _matrix_exp,
                        _matrix_exp_meta)
linalg_matrix_exp.derivative(self=matrix_exp_backward, result=matrix_exp_jvp)


# ---- matrix_rank ----------------------------------------------------------------------------------
# PyTorch's CompositeImplicitAutograd ``matrix_rank_impl``: the singular values (or the absolute
# eigenvalues) above ``max(atol, rtol * largest)``, counted; not differentiable (an integer).
def _check_real_tolerance(t, name):
    if t is not None and t.dtype.is_complex:
        raise RuntimeError(f"torch.linalg.matrix_rank: {name} tensor of complex type is not "
                           f"supported. Got {t.dtype._scalar_name}")


def _default_rtol(A):
    """eps of ``A``'s real dtype times max(m, n) (c10's ``_get_epsilon`` refuses others)."""
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError("This function doesn't handle types other than float and double")
    return float(np.finfo(A.dtype.to_real()._np).eps) * max(A.shape[-1], A.shape[-2])


def _tolerances(A, atol, rtol):
    """PyTorch's ``get_atol_rtol``: atol 0 and rtol eps * max(m, n) by default; an rtol left
    out beside an atol is 0 where atol > 0."""
    opts = {"dtype": _dtype.float64, "layout": None, "device": A.device}
    atol_t = atol if atol is not None else aten.zeros.default([], **opts)
    _check_real_tolerance(atol, "atol")
    if rtol is not None:
        _check_real_tolerance(rtol, "rtol")
        return atol_t, rtol
    default = aten.full.default([], _default_rtol(A), **opts)
    if atol is None:
        return atol_t, default
    zero = aten.zeros.default([], **opts)  # (PyTorch's C++ makes its where's arguments
    return atol_t, aten.where.self(atol > 0, zero, default)  # right to left)


def _matrix_rank(A, tolerances, hermitian, out=None):
    """``tolerances()`` gives (atol, rtol) tensors, made after the result, as PyTorch's."""
    if A.dim() < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at "
                           "least 2 dimensions.")
    result = out if out is not None else aten.empty.memory_format(
        list(A.shape[:-2]), dtype=_dtype.int64, device=A.device)
    atol, rtol = tolerances()
    if A.numel() == 0:  # (no elements: rank 0, as PyTorch - NumPy would fail on the max)
        if out is not None:
            aten.resize_.default(result, list(A.shape[:-2]))
        return aten.fill_.Scalar(result, 0)
    # (compute_uv/compute_v left at True, as PyTorch's svdvals/eigvalsh pass under a mode)
    if not hermitian:
        S = aten._linalg_svd.default(A)[1]
        largest = aten.slice.Tensor(S, -1, 0, 1)
    else:
        S = aten.abs.default(aten._linalg_eigh.default(A)[0])
        largest = aten.amax.default(S, [-1], True)
    scaled = aten.unsqueeze.default(rtol, -1) * largest
    tol = aten.maximum.default(aten.unsqueeze.default(atol, -1), scaled)
    if out is None:
        return aten.sum.dim_IntList(S > tol, [-1])
    return aten.sum.IntList_out(S > tol, [-1], out=result)


def _float_tols(A, atol, rtol):
    """The float overloads' tolerances: always two 0-d double tensors (atol 0 by default;
    rtol 0 beside a positive atol, else eps * max(m, n)), as PyTorch's get_atol_rtol."""
    a = 0.0 if atol is None else atol
    if rtol is None:
        if a > 0:
            rtol = 0.0
        else:
            rtol = _default_rtol(A)
    opts = {"dtype": _dtype.float64, "layout": None, "device": A.device}
    return aten.full.default([], a, **opts), aten.full.default([], rtol, **opts)


_MR = "linalg_matrix_rank"
linalg_matrix_rank_tensors = _composite(
    f"{_MR}.atol_rtol_tensor(Tensor input, *, Tensor? atol=None, Tensor? rtol=None, "
    "bool hermitian=False) -> Tensor",
    lambda input, *, atol=None, rtol=None, hermitian=False: _matrix_rank(
        input, lambda: _tolerances(input, atol, rtol), hermitian))
linalg_matrix_rank_floats = _composite(
    f"{_MR}.atol_rtol_float(Tensor self, *, float? atol=None, float? rtol=None, "
    "bool hermitian=False) -> Tensor",
    lambda self, *, atol=None, rtol=None, hermitian=False: _matrix_rank(
        self, lambda: _float_tols(self, atol, rtol), hermitian))
linalg_matrix_rank_tol = _composite(
    f"{_MR}(Tensor self, float tol, bool hermitian=False) -> Tensor",
    lambda self, tol, hermitian=False: _matrix_rank(
        self, lambda: _float_tols(self, tol, None), hermitian))
linalg_matrix_rank_tol_tensor = _composite(
    f"{_MR}.tol_tensor(Tensor input, Tensor tol, bool hermitian=False) -> Tensor",
    lambda input, tol, hermitian=False: _matrix_rank(
        input, lambda: (tol, aten.zeros.default([], dtype=_dtype.float64, device=input.device)),
        hermitian))
for _d in (linalg_matrix_rank_tensors, linalg_matrix_rank_floats, linalg_matrix_rank_tol,
           linalg_matrix_rank_tol_tensor):
    _d.nondifferentiable()
