"""einsum against PyTorch: values, shapes, gradients and errors over fixed cases (diagonals,
ellipsis, broadcasting, implicit output, the list and sublist forms) and random equations."""
import numpy as np
import pytest

import kindling
from _parity import outcome

torch = pytest.importorskip("torch")


def _arr(rng, *shape):
    return rng.standard_normal(shape)


FIXED = [
    ("ij,jk", [(2, 3), (3, 4)]), ("ij,jk->", [(2, 3), (3, 4)]), ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]), ("ij->ji", [(2, 3)]), ("...ij,...jk", [(5, 2, 3), (3, 4)]),
    ("bij,jk->bik", [(5, 2, 3), (3, 4)]), ("i,j", [(3,), (4,)]), ("i,i", [(3,), (3,)]),
    ("ij,ij->i", [(2, 3), (2, 3)]), ("...", [(2, 3)]), ("bij->", [(5, 2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("Ba,aC", [(2, 3), (3, 4)]),
    ("ij,kj->ik", [(2, 3), (5, 3)]), ("iij->j", [(2, 2, 3)]), ("i...->...", [(5, 2, 3)]),
    ("...j,j->...", [(5, 2, 3), (3,)]), ("ab,ab,ab->", [(2, 3), (2, 3), (2, 3)]),
    ("ijk,ikl->ijl", [(2, 3, 4), (2, 4, 5)]), ("i,j->ij", [(1,), (3,)]),
    ("ij,kj", [(2, 1), (4, 3)]), ("i->", [(0,)]), ("ij,jk->ik", [(2, 0), (0, 3)]),
    ("iji->j", [(2, 3, 2)]), ("ij...,jk...->ik...", [(2, 3, 4), (3, 5, 1)]),
]
BAD = [
    ("ij,jk->ik", [(2, 3)]), ("ij", [(2, 3), (3, 4)]), ("ijk,jk", [(2, 3), (3, 4)]),
    ("i2", [(2, 3)]), ("ij->ii", [(2, 3)]), ("ij->k", [(2, 3)]), ("ij,jk", [(2, 3), (2, 4)]),
    ("i.j", [(2, 3)]), ("i...j...", [(2, 3)]), ("ijkl...", [(2, 3)]),
]


def _run(T, eq, shapes, seed=0, grad=False):
    rng = np.random.default_rng(seed)
    ops = [T.tensor(_arr(rng, *s), requires_grad=grad) for s in shapes]
    r = T.einsum(eq, *ops)
    out = (tuple(r.shape), np.round(r.detach().numpy(), 9).tolist())
    if grad and r.requires_grad:
        gs = T.autograd.grad(r, ops, T.ones_like(r), allow_unused=True)
        out += tuple(None if g is None else np.round(g.numpy(), 9).tolist() for g in gs)
    return out


@pytest.mark.parametrize("eq,shapes", FIXED + BAD, ids=[e for e, _ in FIXED + BAD])
def test_matches_pytorch(eq, shapes):
    def case(T):
        return _run(T, eq, shapes, grad=True)
    assert outcome(kindling, case) == outcome(torch, case)


def _random_equation(rng):
    letters = "abcdefgh"
    n_ops = int(rng.integers(1, 4))
    size = {c: int(rng.integers(1, 4)) for c in letters}
    terms = []
    for _ in range(n_ops):
        k = int(rng.integers(0, 4))
        terms.append("".join(rng.choice(list(letters[:5]), size=k)))
    used = sorted(set("".join(terms)))
    if rng.random() < 0.5 or not used:
        eq = ",".join(terms)
    else:
        out = "".join(rng.permutation(used)[:int(rng.integers(0, len(used) + 1))])
        eq = ",".join(terms) + "->" + out
    return eq, [tuple(size[c] for c in t) for t in terms]


@pytest.mark.parametrize("seed", range(60))
def test_random_equations_match_pytorch(seed):
    eq, shapes = _random_equation(np.random.default_rng(seed))

    def case(T):
        return _run(T, eq, shapes, seed, grad=True)
    assert outcome(kindling, case) == outcome(torch, case), eq


def test_list_and_sublist_forms():
    def case(T):
        rng = np.random.default_rng(1)
        a, b = T.tensor(_arr(rng, 2, 3)), T.tensor(_arr(rng, 3, 4))
        return [np.round(x.numpy(), 9).tolist() for x in (
            T.einsum("ij,jk", [a, b]), T.einsum(a, [0, 1], b, [1, 2], [0, 2]),
            T.einsum(a, [0, 1], b, [1, 2]), T.einsum(a, [Ellipsis, 1], b, [1, 2]))]
    assert outcome(kindling, case) == outcome(torch, case)


def test_mixed_dtypes_error_and_gradcheck():
    def case(T):
        return T.einsum("ij,jk", T.ones(2, 3), T.ones(3, 4, dtype=T.float64))
    assert outcome(kindling, case) == outcome(torch, case)
    rng = np.random.default_rng(2)
    a = kindling.tensor(_arr(rng, 2, 3), requires_grad=True)
    b = kindling.tensor(_arr(rng, 3, 3), requires_grad=True)
    assert kindling.autograd.gradcheck(lambda x, y: kindling.einsum("ij,jj,jk->ik", x, y, y.t()),
                                       (a, b))
    assert kindling.autograd.gradgradcheck(lambda x, y: kindling.einsum("ij,jk", x, y), (a, b))


def test_function_mode_sees_einsum():
    log = []

    class Log(kindling.overrides.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            log.append(func.__name__)
            return func(*args, **(kwargs or {}))
    x = kindling.ones(2, 2)
    with Log():
        kindling.einsum("ij->", x)
    assert log == ["einsum"]
