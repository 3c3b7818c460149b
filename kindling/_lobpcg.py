"""``torch.lobpcg``: a few extreme eigenpairs of a symmetric positive definite (generalized)
eigenproblem ``A X = B X diag(E)`` by the Locally Optimal Block Preconditioned Conjugate
Gradient method (Knyazev 2001), loaded at first use.

Each step does a Rayleigh-Ritz projection on the subspace spanned by the current block ``X``,
the (preconditioned) residuals ``W`` and the previous search directions ``P``, the basis
B-orthonormalized first (directions that are numerically dependent are dropped).  Pairs
count as converged in order, while ``||r_j|| / (||x_j|| (||A|| + |e_j| ||B||)) < tol``
(the criterion PyTorch uses).  The arguments, defaults and checks are PyTorch's; its
``tracker`` hook and the backward of ``A``/``B`` are not implemented.
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
    if A.requires_grad or (B is not None and B.requires_grad):
        raise NotImplementedError("kindling: the backward of torch.lobpcg is not implemented; "
                                  "call it on A.detach() (and B.detach())")
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
