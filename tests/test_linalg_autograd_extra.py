"""linalg details against PyTorch: the errors of backward and forward mode where PyTorch
refuses a derivative, conjugate views through adjoint-style views below autograd, complex LU
pivoting, the conjugate result of complex ``solve(left=False)`` and ``matrix_exp`` in the
input's precision.
"""
import warnings

import numpy as np
import pytest

import kindling
from kindling.testing.harness import to_numpy

torch = pytest.importorskip("torch")


def _outcome(fn):
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return type(e).__name__, str(e)


def _a(T, *shape, complex=False, seed=0):
    rng = np.random.default_rng(seed)
    v = rng.uniform(-1, 1, shape)
    if complex:
        v = v + 1j * rng.uniform(-1, 1, shape)
    return T.from_numpy(v)


@pytest.mark.parametrize("case", ["qr_r", "qr_complete_tall", "svd_no_uv", "cholesky_fw",
                                  "svd_no_uv_fw"])
def test_refused_derivatives_match_torch(case):
    def run(T):
        A = _a(T, 4, 3).requires_grad_()
        if case == "qr_r":
            return _outcome(lambda: T.linalg.qr(A, mode="r")[1].sum().backward())
        if case == "qr_complete_tall":
            return _outcome(lambda: T.linalg.qr(A, mode="complete")[0].sum().backward())
        if case == "svd_no_uv":
            return _outcome(lambda: T.ops.aten._linalg_svd(A, False, False)[1].sum().backward())
        fw = T.autograd.forward_ad
        with fw.dual_level():
            x = fw.make_dual(_a(T, 3, 3), _a(T, 3, 3, seed=1))
            if case == "cholesky_fw":
                spd = x @ x.mT + 3 * T.eye(3, dtype=T.float64)
                return _outcome(lambda: T.cholesky(spd))[0]
            return _outcome(lambda: T.ops.aten._linalg_svd(x, False, False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch.cholesky's deprecation)
        k, t = run(kindling), run(torch)
    if k[0] == "ok":
        assert t[0] == "ok"
    else:
        assert k == t


def test_adjoint_views_of_conjugate_views_below_autograd():
    """Below autograd (inside backward), ``mH``/``adjoint``/``H`` of a conjugate view is a
    plain view, as PyTorch's: the view's own conjugation and the input's cancel."""
    from kindling._dispatcher.guards import _AutoDispatchBelowAutograd
    res = []
    for T, guard in ((kindling, _AutoDispatchBelowAutograd),
                     (torch, torch._C._AutoDispatchBelowAutograd)):
        x = _a(T, 2, 2, complex=True).conj()
        with guard():
            outs = (x.mH, x.adjoint(), x.H, x.mT, x._neg_view().mH)
            res.append([(o.is_conj(), o.is_neg(), to_numpy(o).tolist()) for o in outs])
    assert res[0] == res[1]


def test_solve_through_adjoint_of_conjugate_gradients():
    """The gradient of ``solve(A.mH, B)`` (its backward takes ``mH`` of a conjugate view)."""
    res = []
    for T in (kindling, torch):
        A = (_a(T, 3, 3, complex=True) + 3 * T.eye(3, dtype=T.complex128)).requires_grad_()
        B = _a(T, 3, 2, complex=True, seed=1).requires_grad_()
        y = T.linalg.solve(A.mH, B)
        g = T.autograd.grad(y.abs().sum(), (A, B))
        res.append([to_numpy(x) for x in g])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_complex_lu_pivots_as_lapack():
    """Complex partial pivoting compares |re| + |im| (LAPACK's izamax), not the modulus: the LU
    factors and pivots of _linalg_det equal PyTorch's."""
    # (column 0: moduli 1 and 1.06, |re| + |im| 1 and 1.5: either rule swaps the rows; column
    # 0 of the second matrix: moduli 1.1 and 1.06, |re| + |im| 1.1 and 1.5: only LAPACK's does)
    v = np.array([[[1.0 + 0.0j, 1.0], [0.75 + 0.75j, 2.0]],
                  [[1.1 + 0.0j, 1.0], [0.75 + 0.75j, 2.0]]])
    k = kindling.ops.aten._linalg_det(kindling.from_numpy(v))
    t = torch.ops.aten._linalg_det(torch.from_numpy(v))
    for a, b in zip(k, t):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-12, atol=1e-14)


def test_complex_solve_left_false_is_a_conjugate_view():
    res = []
    for T in (kindling, torch):
        A = _a(T, 3, 3, complex=True) + 3 * T.eye(3, dtype=T.complex128)
        B = _a(T, 2, 3, complex=True, seed=1)
        r = T.linalg.solve(A, B, left=False)
        rr = T.linalg.solve(A.real.contiguous(), B.real.contiguous(), left=False)
        res.append((r.is_conj(), tuple(r.stride()), rr.is_conj(), tuple(rr.stride()),
                    to_numpy(r)))
    assert res[0][:4] == res[1][:4] == (True, (3, 1), False, (3, 1))
    np.testing.assert_allclose(res[0][4], res[1][4], rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "complex64", "float64"])
@pytest.mark.parametrize("norm", [1e-9, 1e-4, 0.03, 0.4, 1.2, 2.5, 40.0])
@pytest.mark.parametrize("batch", [(), (3,)])
def test_matrix_exp_in_the_input_precision(dtype, norm, batch):
    """Same Taylor degree and scaling as PyTorch's (per matrix, or degree 18 for a batch), in
    the input's precision: single-precision results agree with PyTorch's to a few ulps of the
    norm, and carry the same error against the double-precision result."""
    rng = np.random.default_rng(int(norm * 1000) % 97)
    v = rng.uniform(-1, 1, batch + (4, 4))
    if dtype.startswith("complex"):
        v = v + 1j * rng.uniform(-1, 1, batch + (4, 4))
    v = (v * norm / np.abs(v).sum(-2).max()).astype(dtype)
    k = kindling.linalg.matrix_exp(kindling.from_numpy(v)).numpy()
    t = torch.linalg.matrix_exp(torch.from_numpy(v)).numpy()
    assert k.dtype == t.dtype
    eps = np.finfo(k.dtype).eps
    scale = np.abs(t).max()
    assert np.abs(k - t).max() <= 64 * eps * scale
