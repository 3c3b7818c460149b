"""torch.linalg against PyTorch: values, dtypes, strides, errors (types and texts), node names
and gradients of the linalg ops (kindling/_aten/linalg_*.py)."""
import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A3 = RNG.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)
SPD = A3 @ np.swapaxes(A3, -1, -2) + 3 * np.eye(3)
R = RNG.uniform(-1, 1, (4, 3))


def both(fn, *arrays):
    out = []
    for T in (kindling, torch):
        try:
            out.append(("ok", fn(T, *[T.from_numpy(a.copy()) for a in arrays])))
        except Exception as e:  # noqa: BLE001 - compared below
            out.append((type(e).__name__, str(e)))
    return out


def _flat(x):
    return list(x) if isinstance(x, tuple) else [x]


CASES = [
    ("inv", lambda T, a: T.linalg.inv(a), A3),
    ("inv_ex", lambda T, a: T.linalg.inv_ex(a), A3),
    ("det", lambda T, a: T.linalg.det(a), A3),
    ("slogdet", lambda T, a: T.linalg.slogdet(a), A3),
    ("logdet", lambda T, a: T.logdet(a), SPD),
    ("solve", lambda T, a: T.linalg.solve(a, a[0]), A3),
    ("cholesky", lambda T, a: T.linalg.cholesky(a), SPD),
    ("cholesky_ex", lambda T, a: T.linalg.cholesky_ex(a, upper=True), SPD),
    ("qr", lambda T, a: T.linalg.qr(a), R),
    ("qr_complete", lambda T, a: T.linalg.qr(a, mode="complete"), R),
    ("svdvals", lambda T, a: T.linalg.svdvals(a), R),
    ("eigvalsh", lambda T, a: T.linalg.eigvalsh(a), SPD),
    ("pinv", lambda T, a: T.linalg.pinv(a), R),
    ("matrix_power", lambda T, a: T.linalg.matrix_power(a, -2), A3),
    ("cross", lambda T, a: T.linalg.cross(a, a.flip(-1)), A3),
    ("multi_dot", lambda T, a: T.linalg.multi_dot([a, a.mT, a]), R),
    ("solve_triangular", lambda T, a: T.linalg.solve_triangular(a.triu(), a, upper=True), A3),
    ("cholesky_solve", lambda T, a: T.cholesky_solve(a, T.linalg.cholesky(a)), SPD),
    ("matrix_exp", lambda T, a: T.linalg.matrix_exp(a), A3),
    ("vector_norm", lambda T, a: T.linalg.vector_norm(a, 3, dim=(0, 2)), A3),
    ("matrix_norm", lambda T, a: T.linalg.matrix_norm(a, "nuc"), A3),
    ("norm", lambda T, a: T.linalg.norm(a, float("inf"), dim=(1, 2)), A3),
]


@pytest.mark.parametrize("name,fn,a", CASES, ids=[c[0] for c in CASES])
def test_values_dtypes_strides(name, fn, a):
    k, t = both(fn, a)
    assert k[0] == t[0] == "ok", (k, t)
    ks, ts = _flat(k[1]), _flat(t[1])
    assert type(k[1]).__name__ == type(t[1]).__name__
    for x, y in zip(ks, ts):
        assert str(x.dtype) == str(y.dtype).replace("torch.", "kindling.") or \
            x.dtype.__repr__().split(".")[-1] == str(y.dtype).split(".")[-1]
        assert tuple(x.shape) == tuple(y.shape)
        if x.numel():
            assert tuple(x.stride()) == tuple(y.stride()), name
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-9, atol=1e-10)


def test_gauge_invariant_decompositions():
    for T_out in both(lambda T, a: T.linalg.svd(a, full_matrices=False), R):
        U, S, Vh = T_out[1]
        np.testing.assert_allclose((U * S.unsqueeze(-2) @ Vh).numpy(), R, atol=1e-12)
    for T_out in both(lambda T, a: T.linalg.eigh(a), SPD):
        L, V = T_out[1]
        np.testing.assert_allclose((V * L.unsqueeze(-2) @ V.mH).numpy(), SPD, atol=1e-10)


ERRORS = [
    lambda T: T.linalg.inv(T.ones(2, 3)),
    lambda T: T.linalg.inv(T.ones(2, 2, dtype=T.long)),
    lambda T: T.linalg.inv(T.ones(3)),
    lambda T: T.linalg.inv(T.tensor([[1., 2], [2, 4]])),
    lambda T: T.linalg.inv(T.stack([T.eye(2), T.zeros(2, 2)])),
    lambda T: T.linalg.det(T.ones(2, 2, dtype=T.half)),
    lambda T: T.linalg.cholesky(T.tensor([[1., 2], [2, 1]])),
    lambda T: T.linalg.solve(T.tensor([[1., 2], [2, 4]]), T.ones(2)),
    lambda T: T.linalg.solve(T.eye(2), T.ones(3)),
    lambda T: T.linalg.solve(T.eye(2), T.ones(2, dtype=T.double)),
    lambda T: T.linalg.cross(T.ones(3), T.ones(2)),
    lambda T: T.linalg.multi_dot([T.ones(2)]),
    lambda T: T.linalg.vector_norm(T.ones(2, dtype=T.long)),
    lambda T: T.linalg.vector_norm(T.zeros(0), -1),
    lambda T: T.linalg.matrix_norm(T.ones(2, 2), 3),
    lambda T: T.linalg.norm(T.ones(2, 2, 2), 2),
    lambda T: T.linalg.eigh(T.ones(2, 2), UPLO="X"),
    lambda T: T.linalg.eigh(T.ones(2, 2, dtype=T.long)),
    lambda T: T.linalg.pinv(T.ones(3)),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_errors(fn):
    k, t = both(fn)
    assert k[0] != "ok"
    assert k == t or (k[0] == "_LinAlgError" and t[0] == "_LinAlgError" and k[1] == t[1]), (k, t)


def test_linalg_error_class():
    assert issubclass(kindling.linalg.LinAlgError, RuntimeError)
    assert kindling.linalg.LinAlgError is kindling._C._LinAlgError
    assert kindling.linalg.LinAlgError.__name__ == torch.linalg.LinAlgError.__name__


GRADS = [
    ("LinalgInvExBackward0", lambda T, a: T.linalg.inv(a), A3[0]),
    ("LinalgDetBackward0", lambda T, a: T.linalg.det(a), A3),
    ("LinalgSlogdetBackward0", lambda T, a: T.linalg.slogdet(a)[1], A3),
    ("LinalgSolveExBackward0", lambda T, a: T.linalg.solve(a, a.sin()), A3),
    ("LinalgCholeskyExBackward0",
     lambda T, a: T.linalg.cholesky(a @ a.mT + T.eye(3, dtype=a.dtype)), A3),
    ("LinalgQrBackward0", lambda T, a: T.linalg.qr(a)[1], R),
    ("LinalgSvdBackward0", lambda T, a: T.linalg.svdvals(a), R),
    ("LinalgEighBackward0", lambda T, a: T.linalg.eigvalsh(a + a.mT), A3),
    ("LinalgPinvBackward0", lambda T, a: T.linalg.pinv(a), R),
    ("LinalgCrossBackward0", lambda T, a: T.linalg.cross(a, a.cos()), A3),
    ("LinalgSolveTriangularBackward0",
     lambda T, a: T.linalg.solve_triangular(a, a.cos(), upper=False), A3),
    ("LinalgMatrixExpBackward0", lambda T, a: T.linalg.matrix_exp(a), A3[0] / 3),
    ("LinalgVectorNormBackward0", lambda T, a: T.linalg.norm(a), A3),
]


@pytest.mark.parametrize("node,fn,a", GRADS, ids=[g[0] for g in GRADS])
def test_gradients_and_nodes(node, fn, a):
    res = []
    for T in (kindling, torch):
        x = T.from_numpy(a.copy()).requires_grad_()
        y = fn(T, x)
        assert type(y.grad_fn).__name__ == node
        g = T.from_numpy(np.random.default_rng(1).uniform(-1, 1, tuple(y.shape)))
        (gx,) = T.autograd.grad(y, x, g, create_graph=True)
        (ggx,) = T.autograd.grad(gx.sum(), x)
        res.append((gx.detach().numpy(), ggx.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-6, atol=1e-8)


def test_ex_outputs_not_differentiable():
    x = kindling.from_numpy(A3.copy()).requires_grad_()
    inv, info = kindling.linalg.inv_ex(x)
    assert inv.requires_grad and not info.requires_grad
    r, lu, piv = kindling.ops.aten._linalg_det(x)
    assert [t.requires_grad for t in (r, lu, piv)] == [True, False, False]
