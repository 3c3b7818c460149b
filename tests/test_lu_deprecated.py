"""The deprecated LU forms PyTorch 2.13 still has: ``torch.lu``/``Tensor.lu`` over
``_lu_with_info`` and ``torch.lu_solve``/``Tensor.lu_solve``, each warning (once per process)
and calling the linalg op, compared with PyTorch."""
import warnings

import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")


def _run(T):
    A = T.tensor([[2., 1.], [1., 3.]], dtype=T.float64)
    b = T.tensor([[1.], [2.]], dtype=T.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (once per process: compared in the next test)
        r1, r2, r3 = T.lu(A), T.lu(A, get_infos=True), A.lu()
        x, x2 = T.lu_solve(b, *T.lu(A)), b.lu_solve(*T.lu(A))
        a = A.clone().requires_grad_()
        y = T.lu_solve(b, *T.lu(a))
        y.sum().backward()
        info = T._lu_with_info(A)
    parts = [*r1, *r2, *r3, x, x2, a.grad, info.pivots]
    return (type(r1).__name__, type(r2).__name__, y.grad_fn.name(), type(info).__name__,
            [p.tolist() for p in parts])


def test_lu_and_lu_solve_match_torch():
    got, want = _run(kindling), _run(torch)
    assert got[:4] == want[:4]
    for g, w in zip(got[4], want[4]):
        np.testing.assert_allclose(np.asarray(g, dtype=float), np.asarray(w, dtype=float),
                                   rtol=1e-12, atol=1e-14)


def test_deprecation_warnings_match_torch_messages():
    def first_lines(T):
        A = T.tensor([[2., 1.], [1., 3.]])
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            T.lu_solve(T.ones(2, 1), *T.lu(A))
        return {str(w.message).split(" (Triggered")[0] for w in ws}
    k = first_lines(kindling)
    assert k <= first_lines(torch) or not k  # (each warns once per process)
