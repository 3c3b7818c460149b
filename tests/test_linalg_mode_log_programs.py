"""The ops a dispatch mode sees while differentiating linalg decompositions are PyTorch's, on
programs the OpInfo sweep (tests/test_mode_log_parity_extra.py) does not reach: one output's
gradient only (``eigvalsh``, ``svdvals``, a single factor of ``svd``/``qr``/``lu``), tall and
wide inputs, ``lstsq``'s residuals and one input at a time, a broadcast batch of 1, and
``allclose``, which a mode sees as one op.  Gradients are compared where the decomposition is
unique."""
import numpy as np
import pytest

import kindling

import _mode_log_sweep as sweep

torch = pytest.importorskip("torch")


def _sym(x):
    return x + x.mH


def _vec_sign_free(u):
    """A function of singular/eigen vectors that does not depend on their signs."""
    return u * u[..., :1, :]


PROGRAMS = {
    "eigvalsh": (lambda T, x: T.linalg.eigvalsh(_sym(x)), [(3, 3)], True),
    "eigh vectors": (lambda T, x: _vec_sign_free(T.linalg.eigh(_sym(x))[1]), [(3, 3)], True),
    "eigh both": (lambda T, x: (lambda l, v: (l, _vec_sign_free(v)))(*T.linalg.eigh(_sym(x))),
                  [(2, 3, 3)], True),
    "svdvals tall": (lambda T, x: T.linalg.svdvals(x), [(4, 3)], True),
    "svdvals wide": (lambda T, x: T.linalg.svdvals(x), [(3, 4)], True),
    "svd U tall": (lambda T, x: _vec_sign_free(T.linalg.svd(x, full_matrices=False)[0]),
                   [(4, 3)], True),
    "svd U wide": (lambda T, x: _vec_sign_free(T.linalg.svd(x, full_matrices=False)[0]),
                   [(3, 4)], True),
    "svd Vh wide": (lambda T, x: _vec_sign_free(T.linalg.svd(x, full_matrices=False)[2].mT),
                    [(3, 4)], True),
    "qr tall Q": (lambda T, x: T.linalg.qr(x)[0], [(4, 3)], True),
    "qr tall R": (lambda T, x: T.linalg.qr(x)[1], [(4, 3)], True),
    "qr wide Q": (lambda T, x: T.linalg.qr(x)[0], [(3, 4)], True),
    "qr wide R": (lambda T, x: T.linalg.qr(x)[1], [(3, 4)], True),
    "lu L wide": (lambda T, x: T.linalg.lu(x)[1], [(3, 4)], True),
    "lu U wide": (lambda T, x: T.linalg.lu(x)[2], [(3, 4)], True),
    "lu L tall": (lambda T, x: T.linalg.lu(x)[1], [(4, 3)], True),
    "lu U tall": (lambda T, x: T.linalg.lu(x)[2], [(4, 3)], True),
    "lu_factor wide": (lambda T, x: T.linalg.lu_factor(x)[0], [(3, 4)], True),
    "lu_solve LU only": (lambda T, x, b: T.linalg.lu_solve(*T.linalg.lu_factor(x), b.detach()),
                         [(3, 3), (3, 2)], True),
    "lu_solve broadcast LU": (lambda T, x, b: T.linalg.lu_solve(*T.linalg.lu_factor(x), b),
                              [(3, 3), (2, 3, 2)], True),
    "lstsq residuals": (lambda T, a, b: T.linalg.lstsq(a, b, driver="gelsd")[1],
                        [(5, 3), (5, 2)], True),
    "lstsq A only": (lambda T, a, b: T.linalg.lstsq(a, b.detach(), driver="gelsd")[:2],
                     [(5, 3), (5, 2)], True),
    "lstsq B only": (lambda T, a, b: T.linalg.lstsq(a.detach(), b, driver="gelsd")[:2],
                     [(5, 3), (5, 2)], True),
    "lstsq batch of 1": (lambda T, a, b: T.linalg.lstsq(a, b, driver="gelsd")[:2],
                         [(1, 5, 3), (2, 5, 2)], True),
}


def _run(T, build, shapes):
    rng = np.random.default_rng(0)
    xs = [T.from_numpy(rng.uniform(-1, 1, s)).requires_grad_() for s in shapes]
    outs = build(T, *xs)
    outs = [o for o in (outs if isinstance(outs, tuple) else (outs,)) if o.requires_grad]
    gos = [T.from_numpy(rng.uniform(-1, 1, tuple(o.shape))) for o in outs]
    m = sweep.RECORDERS[T]()
    with m:
        grads = T.autograd.grad(outs, xs, gos, allow_unused=True)
    return m.ops, [None if g is None else g.numpy().copy() for g in grads]


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_backward_ops_are_pytorchs(name):
    build, shapes, compare_values = PROGRAMS[name]
    got, k_grads = _run(kindling, build, shapes)
    expected, t_grads = _run(torch, build, shapes)
    assert got == expected
    if compare_values:
        for k, t in zip(k_grads, t_grads):
            assert (k is None) == (t is None)
            if k is not None:
                np.testing.assert_allclose(k, t, rtol=1e-7, atol=1e-9)


def test_allclose_is_one_op_under_a_mode():
    def run(T):
        a = T.from_numpy(np.array([1.0, 2.0]))
        m = sweep.RECORDERS[T]()
        with m:
            r = (T.allclose(a, a + 1e-9), a.allclose(a * 2))
        return [o for o in m.ops if o != "aten.lift_fresh.default"], r
    assert run(kindling) == run(torch)
