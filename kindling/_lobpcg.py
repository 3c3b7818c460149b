"""``torch.lobpcg``: a few extreme eigenpairs of a symmetric positive definite (generalized)
eigenproblem ``A X = B X diag(E)`` by the Locally Optimal Block Preconditioned Conjugate
Gradient method (Knyazev 2001), loaded at first use.

Each step does a Rayleigh-Ritz projection on the subspace spanned by the current block ``X``,
the (preconditioned) residuals ``W`` and the previous search directions ``P``, the basis
B-orthonormalized first (directions that are numerically dependent are dropped).  Pairs
count as converged in order, while ``||r_j|| / (||x_j|| (||A|| + |e_j| ||B||)) < tol``
(the criterion PyTorch uses).  The arguments, defaults and checks are PyTorch's; its
``tracker`` hook and the backward of ``B`` are not implemented.

The backward of ``A`` (standard problem, ``B`` None) goes, as PyTorch's does, through the
symmetric part ``(A + A^T) / 2`` (so the gradient of ``A`` is symmetric), then differentiates
each computed pair ``A u = e u`` of a simple eigenvalue: ``de = u^T dA u`` and
``du = -(A - e I)^+ dA u``, the pseudo-inverse applied as ``(A - e I + u u^T)^-1`` on vectors
orthogonal to ``u``; the backward is made of differentiable ops, so double backward works.
"""
from __future__ import annotations

import kindling as torch

__all__ = ["lobpcg"]


def _mm(A, X):
    return X if A is None else torch.matmul(A, X)


def _b_orthonormal(B, S, tol):
    """A basis of span(S) orthonormal in the B inner product (dependent columns dropped)."""
    BS = _mm(B, S)
    G = S.mT @ BS
    G = (G + G.mT) / 2
    w, V = torch.linalg.eigh(G)
    keep = w > w.max() * tol
    V, w = V[:, keep], w[keep]
    return S @ (V / w.sqrt())


def _rayleigh_ritz(A, S, n, largest):
    """The ``n`` Ritz pairs of ``A`` on the B-orthonormal basis ``S``, and their coordinates."""
    H = S.mT @ _mm(A, S)
    H = (H + H.mT) / 2
    E, Z = torch.linalg.eigh(H)
    idx = torch.arange(E.shape[0] - 1, E.shape[0] - 1 - n, -1) if largest else torch.arange(n)
    return E[idx], Z[:, idx]


def _run(A, B, X, iK, k, n, niter, tol, largest):
    dtype = A.dtype
    A_norm = (torch.linalg.norm(A @ X) / torch.linalg.norm(X)).item()
    B_norm = 1.0 if B is None else (torch.linalg.norm(B @ X) / torch.linalg.norm(X)).item()
    drop_tol = torch.finfo(dtype).eps * 10
    S = _b_orthonormal(B, X, drop_tol)
    E, Z = _rayleigh_ritz(A, S, min(n, S.shape[-1]), largest)
    X = S @ Z
    P = None
    for _ in range(niter):
        R = _mm(A, X) - _mm(B, X) * E
        rerr = torch.linalg.norm(R, dim=0) / (
            torch.linalg.norm(X, dim=0) * (A_norm + E.abs() * B_norm))
        converged = 0
        for ok in (rerr < tol).tolist():
            if not ok:
                break
            converged += 1
        if converged >= k:
            break
        W = _mm(iK, R)
        blocks = [X, W] if P is None else [X, W, P]
        S = _b_orthonormal(B, torch.cat(blocks, dim=1), drop_tol)
        E, Z = _rayleigh_ritz(A, S, min(n, S.shape[-1]), largest)
        X_new = S @ Z
        # (the new directions: the part of the step outside the old X)
        P = X_new - X @ (X.mT @ _mm(B, X_new))
        X = X_new
    return E, X


def lobpcg(A, k=None, B=None, X=None, n=None, iK=None, niter=None, tol=None, largest=None,
           method=None, tracker=None, ortho_iparams=None, ortho_fparams=None,
           ortho_bparams=None):
    """The ``k`` largest (``largest=True``, the default) or smallest eigenpairs ``(E, X)`` of
    the symmetric positive definite generalized eigenproblem ``A X = B X diag(E)``
    (``B`` None: the identity), from the initial block ``X`` (random when None, ``n``
    columns), with the preconditioner ``iK``, at most ``niter`` iterations (1000) to the
    relative tolerance ``tol`` (``sqrt(eps)``).  Batches of ``A`` (..., m, m) are solved one
    by one."""
    if tracker is not None:
        raise NotImplementedError("kindling: torch.lobpcg's tracker argument is not "
                                  "implemented")
    if B is not None and B.requires_grad:
        raise NotImplementedError("kindling: the backward of torch.lobpcg for B is not "
                                  "implemented; call it on B.detach()")
    if A.requires_grad and torch.is_grad_enabled():
        # (the symmetric part, so that the gradient of A is symmetric, as PyTorch does)
        A_sym = (A + A.mT) / 2
        return _LOBPCGFunction.apply(A_sym, k, B, X, n, iK, niter, tol, largest, method,
                                     ortho_iparams, ortho_fparams, ortho_bparams)
    if A.shape[-2] != A.shape[-1]:
        raise AssertionError(f"A must be square, got shape {A.shape}")
    if B is not None and A.shape != B.shape:
        raise AssertionError(f"A and B must have same shape, got {A.shape} vs {B.shape}")
    dtype = A.dtype if A.dtype in (torch.float32, torch.float64) else torch.float32
    if tol is None:
        tol = {torch.float32: 1.2e-07, torch.float64: 2.23e-16}[dtype] ** 0.5
    m = A.shape[-1]
    k = (1 if X is None else X.shape[-1]) if k is None else k
    n = (k if n is None else n) if X is None else X.shape[-1]
    if m < 3 * n:
        raise ValueError(
            f"LOBPCG algorithm is not applicable when the number of A rows (={m}) is smaller "
            f"than 3 x the number of requested eigenpairs (={n})")
    method = "ortho" if method is None else method
    if method not in ("ortho", "basic"):
        raise ValueError(f"Unknown method '{method}'. Supported methods are 'basic' and "
                         "'ortho'.")
    niter = 1000 if niter is None else niter
    if ortho_iparams and "niter" in ortho_iparams:
        niter = ortho_iparams["niter"]
    largest = True if largest is None else largest
    with torch.no_grad():
        if A.dim() > 2:
            batch = A.shape[:-2]
            bA = A.reshape((-1, m, m))
            bB = None if B is None else B.reshape((-1, m, m))
            bX = None if X is None else X.reshape((-1,) + X.shape[-2:])
            Es, Xs = [], []
            for i in range(bA.shape[0]):
                Xi = torch.randn((m, n), dtype=dtype, device=A.device) if bX is None else bX[i]
                if Xi.shape != (m, n):
                    raise AssertionError(f"X_ shape mismatch: got {Xi.shape}, expected "
                                         f"{(m, n)}")
                E, V = _run(bA[i], None if bB is None else bB[i], Xi, iK, k, n, niter, tol,
                            largest)
                Es.append(E[:k])
                Xs.append(V[:, :k])
            return (torch.stack(Es).reshape(batch + (k,)),
                    torch.stack(Xs).reshape(batch + (m, k)))
        X = torch.randn((m, n), dtype=dtype, device=A.device) if X is None else X
        if X.dim() != 2 or tuple(X.shape) != (m, n):
            raise AssertionError(f"X shape mismatch: got {X.shape}, expected {(m, n)}")
        E, V = _run(A, B, X, iK, k, n, niter, tol, largest)
        return E[:k], V[:, :k]


def _lobpcg_backward(A, E, U, gE, gU):
    """The gradient of ``A`` (symmetric) from those of its computed eigenpairs ``(E, U)``."""
    m = A.shape[-1]
    grad = None
    if gE is not None:
        grad = (U * gE.unsqueeze(-2)) @ U.mT
    if gU is not None:
        Ut = U.mT                                          # (..., k, m)
        outer = Ut.unsqueeze(-1) * Ut.unsqueeze(-2)        # (..., k, m, m): u u^T per pair
        eye = torch.eye(m, dtype=A.dtype, device=A.device)
        M = A.unsqueeze(-3) - E[..., :, None, None] * eye + outer
        R = gU - U * (U * gU).sum(-2, keepdim=True)        # gU's part orthogonal to each u
        Xs = torch.linalg.solve(M, R.mT.unsqueeze(-1)).squeeze(-1)   # (..., k, m)
        g = -(Xs.mT @ Ut)
        grad = g if grad is None else grad + g
    return grad


class _LOBPCGFunction(torch.autograd.Function):
    """``lobpcg`` of a symmetric ``A`` with its backward (see the module docstring)."""

    @staticmethod
    def forward(ctx, A, k, B, X, n, iK, niter, tol, largest, method, ortho_iparams,
                ortho_fparams, ortho_bparams):
        if tol is None:  # (tighter than the default: the backward assumes exact eigenpairs)
            tol = torch.finfo(A.dtype).eps ** 0.75
        E, U = lobpcg(A.detach(), k=k, B=B, X=X, n=n, iK=iK, niter=niter, tol=tol,
                      largest=largest, method=method, ortho_iparams=ortho_iparams,
                      ortho_fparams=ortho_fparams, ortho_bparams=ortho_bparams)
        ctx.save_for_backward(A, E, U)
        return E, U

    @staticmethod
    def backward(ctx, gE, gU):
        A, E, U = ctx.saved_tensors
        return (_lobpcg_backward(A, E, U, gE, gU),) + (None,) * 12
