"""LU against PyTorch: ``linalg.lu_factor(_ex)``, ``linalg.lu``, ``lu_unpack`` and
``linalg.lu_solve`` - values, pivots, layouts, return types, error types and texts, and their
gradients (backward, double backward, forward mode) and autograd node names.
"""
import numpy as np
import pytest

import kindling
from kindling.testing.harness import to_numpy

torch = pytest.importorskip("torch")

_DT = {"float64": np.float64, "complex128": np.complex128, "float32": np.float32}


def _outcome(fn):
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return type(e).__name__, str(e)


def _arr(*shape, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    v = rng.uniform(-1, 1, shape)
    if "complex" in dtype:
        v = v + 1j * rng.uniform(-1, 1, shape)
    return v.astype(_DT[dtype])


def _same(k, t, tol=1e-10):
    assert tuple(k.shape) == tuple(t.shape)
    assert str(k.dtype) == str(t.dtype)
    assert tuple(k.stride()) == tuple(t.stride()), (k.stride(), t.stride())
    if t.dtype in (torch.int32, torch.int64):
        np.testing.assert_array_equal(to_numpy(k), t.numpy())
    else:
        np.testing.assert_allclose(to_numpy(k), t.resolve_conj().numpy(), rtol=tol, atol=tol)


SHAPES = [(3, 3), (2, 4, 4), (3, 5), (2, 5, 3), (0, 3), (2, 0, 0)]


@pytest.mark.parametrize("dtype", ["float64", "complex128", "float32"])
@pytest.mark.parametrize("shape", SHAPES)
def test_factor_lu_unpack_match_torch(shape, dtype):
    a = _arr(*shape, dtype=dtype)
    tol = 1e-5 if dtype == "float32" else 1e-10
    for name in ("lu_factor_ex", "lu_factor", "lu"):
        k = getattr(kindling.linalg, name)(kindling.from_numpy(a))
        t = getattr(torch.linalg, name)(torch.from_numpy(a))
        assert type(k).__name__ == type(t).__name__ == "linalg_" + name
        for x, y in zip(k, t):
            _same(x, y, tol)
    kf, tf = kindling.linalg.lu_factor(kindling.from_numpy(a)), torch.linalg.lu_factor(
        torch.from_numpy(a))
    for flags in ((True, True), (False, True), (True, False)):
        k = kindling.lu_unpack(kf.LU, kf.pivots, *flags)
        t = torch.lu_unpack(tf.LU, tf.pivots, *flags)
        assert type(k).__name__ == type(t).__name__ == "lu_unpack"
        for x, y in zip(k, t):
            _same(x, y, tol)


def test_singular_and_permuted():
    for a in (np.zeros((3, 3)), np.array([[0., 1, 2], [0, 3, 4], [1, 1, 1]]),
              np.array([[[1., 2], [2, 4]], [[0, 1], [1, 0]]])):
        k = kindling.linalg.lu_factor_ex(kindling.from_numpy(a))
        t = torch.linalg.lu_factor_ex(torch.from_numpy(a))
        for x, y in zip(k, t):
            _same(x, y)


def _errors(T):
    f = lambda *s, **kw: T.from_numpy(_arr(*s, **kw))  # noqa: E731
    i32 = T.int32
    LU, piv = T.linalg.lu_factor(f(2, 3, 3))
    B = f(2, 3, 2)
    return [
        lambda: T.linalg.lu_factor(f(3, 3), pivot=False),
        lambda: T.linalg.lu(f(3, 3), pivot=False),
        lambda: T.linalg.lu_factor(f(3)),
        lambda: T.linalg.lu_factor_ex(f(3)),
        lambda: T.linalg.lu(f(3)),
        lambda: T.linalg.lu_factor(f(3, 3).int()),
        lambda: T.linalg.lu(f(3, 3).half()),
        lambda: T.linalg.lu_factor(T.zeros(3, 3, dtype=T.float64)),
        lambda: T.linalg.lu_factor(T.zeros(2, 3, 3, dtype=T.float64)),
        lambda: T.linalg.lu_factor_ex(T.zeros(3, 3, dtype=T.float64), check_errors=True),
        lambda: T.linalg.lu_factor_ex(T.zeros(2, 3, 3, dtype=T.float64), check_errors=True),
        lambda: T.lu_unpack(f(3, 3), T.ones(3)),
        lambda: T.lu_unpack(f(3), T.ones(3, dtype=i32)),
        lambda: T.lu_unpack(f(3, 3), T.tensor([5, 1, 1], dtype=i32)),
        lambda: T.lu_unpack(f(3, 3), T.tensor([0, 1, 1], dtype=i32), unpack_pivots=False),
        lambda: T.lu_unpack(f(2, 3, 4), T.ones(2, 3, dtype=i32).mT.contiguous().mT),
        lambda: T.linalg.lu_solve(LU, piv, f(3)),
        lambda: T.linalg.lu_solve(LU, piv, B.float()),
        lambda: T.linalg.lu_solve(LU, piv.long(), B),
        lambda: T.linalg.lu_solve(LU, piv[:, :2], B),
        lambda: T.linalg.lu_solve(LU, piv[0], B),
        lambda: T.linalg.lu_solve(LU, piv, f(2, 4, 2)),
        lambda: T.linalg.lu_solve(LU, piv, f(2, 4, 2), left=False),
        lambda: T.linalg.lu_solve(LU[:, :, :2], piv, B),
        lambda: T.linalg.lu_solve(LU[0, 0], piv, B),
        lambda: T.linalg.lu_solve(LU.int(), piv, B.int()),
        lambda: T.linalg.lu_solve(LU, piv + 5, B),
        lambda: T.linalg.lu_solve(LU, piv - 5, B),
    ]


def test_errors_match_torch():
    for k, t in zip(_errors(kindling), _errors(torch)):
        ko, to = _outcome(k), _outcome(t)
        if to[0] == "ok":
            assert ko[0] == "ok", ko
        else:
            assert ko == to


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
@pytest.mark.parametrize("left,adjoint", [(True, False), (True, True), (False, False),
                                          (False, True)])
@pytest.mark.parametrize("lu_shape,b_shape", [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 3)),
                                              ((3, 3), (4, 3, 3)), ((2, 3, 3), (3, 3))])
def test_lu_solve_matches_torch(lu_shape, b_shape, left, adjoint, dtype):
    a = _arr(*lu_shape, dtype=dtype) + 3 * np.eye(lu_shape[-1])
    b = _arr(*b_shape, dtype=dtype, seed=1)
    if not left:
        b = np.ascontiguousarray(np.swapaxes(b, -1, -2))
    k = kindling.linalg.lu_solve(*kindling.linalg.lu_factor(kindling.from_numpy(a)),
                                 kindling.from_numpy(b), left=left, adjoint=adjoint)
    t = torch.linalg.lu_solve(*torch.linalg.lu_factor(torch.from_numpy(a)), torch.from_numpy(b),
                              left=left, adjoint=adjoint)
    _same(k, t)
    assert k.is_conj() == t.is_conj()


def _grads(T, case, dtype):
    a = T.from_numpy(_arr(*case[1], dtype=dtype) + 2 * np.eye(*case[1][-2:]))
    a.requires_grad_()
    op = case[0]
    if op == "lu":
        P, L, U = T.linalg.lu(a)
        out = (L * L.conj()).sum() + (U * U.conj()).sum() if dtype == "complex128" \
            else (L * L).sum() + (U ** 3).sum()
        names = [L.grad_fn.name()]
    elif op == "lu_factor":
        LU, piv = T.linalg.lu_factor(a)
        out = (LU * LU.conj()).sum().real if dtype == "complex128" else (LU ** 2).sum()
        names = [LU.grad_fn.name()]
    elif op == "lu_unpack":
        LU, piv = T.linalg.lu_factor(a.detach())
        LU = LU.clone().requires_grad_()
        P, L, U = T.lu_unpack(LU, piv)
        out = (L.abs() ** 2).sum() + (U.abs() ** 2 * 2).sum()
        names = [L.grad_fn.name()]
        a = LU
    else:
        LU, piv = T.linalg.lu_factor(a)
        b = T.from_numpy(_arr(3, 2, dtype=dtype, seed=2)).requires_grad_()
        X = T.linalg.lu_solve(LU, piv, b if case[2] else b.mT, left=case[2], adjoint=case[3])
        out = (X.abs() ** 2).sum()
        names = [X.grad_fn.name()]
        g = T.autograd.grad(out.real if out.is_complex() else out, (a, b))
        return names, [x.detach() for x in g]
    out = out.real if out.is_complex() else out
    (g,) = T.autograd.grad(out, a)
    return names, [g]


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
@pytest.mark.parametrize("case", [("lu", (3, 3)), ("lu", (3, 5)), ("lu", (2, 5, 3)),
                                  ("lu_factor", (3, 3)), ("lu_factor", (2, 3, 4)),
                                  ("lu_factor", (4, 2)), ("lu_unpack", (3, 3)),
                                  ("lu_unpack", (3, 4)), ("lu_unpack", (4, 3)),
                                  ("lu_solve", (3, 3), True, False),
                                  ("lu_solve", (3, 3), True, True),
                                  ("lu_solve", (3, 3), False, False),
                                  ("lu_solve", (3, 3), False, True)])
def test_gradients_and_node_names_match_torch(case, dtype):
    kn, kg = _grads(kindling, case, dtype)
    tn, tg = _grads(torch, case, dtype)
    assert kn == tn
    for x, y in zip(kg, tg):
        np.testing.assert_allclose(to_numpy(x), y.resolve_conj().numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
@pytest.mark.parametrize("fn", ["lu", "lu_factor", "lu_unpack", "lu_solve", "lu_solve_right"])
def test_gradcheck(fn, dtype):
    gc = kindling.autograd.gradcheck
    ggc = kindling.autograd.gradgradcheck
    d = kindling.float64 if dtype == "float64" else kindling.complex128
    a = kindling.from_numpy(_arr(3, 3, dtype=dtype) + 2 * np.eye(3)).requires_grad_()
    w = kindling.from_numpy(_arr(4, 3, dtype=dtype) + np.eye(4, 3)).requires_grad_()
    b = kindling.from_numpy(_arr(3, 2, dtype=dtype, seed=1)).requires_grad_()
    if fn == "lu":
        f, args = (lambda x: kindling.linalg.lu(x)[1:]), (w,)
    elif fn == "lu_factor":
        f, args = (lambda x: kindling.linalg.lu_factor(x)[0]), (w.mT,)
    elif fn == "lu_unpack":
        piv = kindling.linalg.lu_factor(w.detach())[1]
        f, args = (lambda x: kindling.lu_unpack(x, piv)[1:]), (w,)
    else:
        LU, piv = kindling.linalg.lu_factor(a.detach())
        LU.requires_grad_()
        left = fn == "lu_solve"
        f = (lambda lu, y: (kindling.linalg.lu_solve(lu, piv, y, left=left),
                            kindling.linalg.lu_solve(lu, piv, y, left=left, adjoint=True)))
        args = (LU, b if left else b.mT)
    assert gc(f, args, check_forward_ad=True)
    assert ggc(f, args)
    del d
