"""``torch.svd_lowrank`` and ``torch.pca_lowrank``: randomized low-rank SVD and PCA (Halko,
Martinsson and Tropp's range finder with subspace iterations).

The algorithm is PyTorch's step for step, and the random test matrix comes from
``torch.randn``, whose stream kindling reproduces: with the same seed the results are
PyTorch's.  Dense tensors only (PyTorch also takes sparse COO input).
"""
from __future__ import annotations

import kindling as torch
from kindling.overrides import handle_torch_function, has_torch_function

__all__ = ["get_approximate_basis", "svd_lowrank", "pca_lowrank"]


def _floating_dtype(A):
    """A's dtype if it is floating point (half, float, double), else float32."""
    if A.dtype in (torch.float16, torch.float32, torch.float64):
        return A.dtype
    return torch.float32


def _dense_only(A, what):
    if A is not None and A.layout != torch.strided:
        raise NotImplementedError(f"torch.{what}: {A.layout} input is not supported by "
                                  "kindling (dense tensors only)")


def get_approximate_basis(A, q, niter=2, M=None):
    """A matrix ``Q`` with ``q`` orthonormal columns whose span approximates the range of
    ``A - M``: a random ``(n, q)`` projection of it, refined by ``niter`` subspace
    iterations (each a product with ``A^H`` then ``A``, re-orthonormalised by QR)."""
    niter = 2 if niter is None else niter
    dtype = A.dtype if A.is_complex() else _floating_dtype(A)
    R = torch.randn(A.shape[-1], q, dtype=dtype, device=A.device)

    def times(B, X):  # ((B - M) applied to X, where B is A or A^H)
        Y = torch.matmul(B, X)
        if M is not None:
            Y = Y - torch.matmul(M if B is A else M.mH, X)
        return Y

    Q = torch.linalg.qr(times(A, R)).Q
    for _ in range(niter):
        Q = torch.linalg.qr(times(A.mH, Q)).Q
        Q = torch.linalg.qr(times(A, Q)).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):
    """``(U, S, V)`` with ``A - M ~= U diag(S) V^H`` of rank ``q`` (6 by default), found by
    a randomized range finder with ``niter`` subspace iterations; batched over leading dims.
    Random: seed the generator for reproducible results."""
    tensor_ops = (A, M)
    if not set(map(type, tensor_ops)).issubset((torch.Tensor, type(None))) and \
            has_torch_function(tensor_ops):
        return handle_torch_function(svd_lowrank, tensor_ops, A, q=q, niter=niter, M=M)
    return _svd_lowrank(A, q=q, niter=niter, M=M)


def _svd_lowrank(A, q=6, niter=2, M=None):
    _dense_only(A, "svd_lowrank")
    _dense_only(M, "svd_lowrank")
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.size())
    wide = m < n
    if wide:  # (work with the tall one: its range is the smaller)
        A = A.mH
        if M is not None:
            M = M.mH
    Q = get_approximate_basis(A, q, niter=niter, M=M)
    B = torch.matmul(Q.mH, A)
    if M is not None:
        B = B - torch.matmul(Q.mH, M)
    U, S, Vh = torch.linalg.svd(B, full_matrices=False)
    V = Vh.mH
    U = Q.matmul(U)
    if wide:
        U, V = V, U
    return U, S, V


def pca_lowrank(A, q=None, center=True, niter=2):
    """Principal components of the rows of ``A``: ``svd_lowrank`` of ``A`` minus its column
    means (``center=True``) with ``q = min(6, m, n)`` by default."""
    if type(A) is not torch.Tensor and has_torch_function((A,)):
        return handle_torch_function(pca_lowrank, (A,), A, q=q, center=center, niter=niter)
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than "
                         f"min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    _dense_only(A, "pca_lowrank")
    if not center:
        return _svd_lowrank(A, q, niter=niter, M=None)
    C = A.mean(dim=(-2,), keepdim=True)
    return _svd_lowrank(A - C, q, niter=niter, M=None)
