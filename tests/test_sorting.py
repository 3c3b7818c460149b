"""sort / argsort / topk (NaN order, stability, descending integers without overflow, named
tuples, gradients) and tril / triu against PyTorch."""
import pytest

import kindling
from _parity import outcome

torch = pytest.importorskip("torch")


def _x(T):
    return T.arange(12.0).reshape(3, 4)


CASES = {
    "tril": lambda T: _x(T).tril(),
    "triu_k": lambda T: _x(T).triu(1),
    "tril_1d": lambda T: T.tril(T.ones(3)),
    "triu_batched": lambda T: T.triu(T.ones(2, 3, 3), -1),
    "tril_transposed": lambda T: _x(T).t().tril(),
    "triu_1d": lambda T: T.ones(3).triu(),
    "tril_inplace": lambda T: _x(T).clone().tril_(-1),
    "triu_out": lambda T: T.triu(_x(T), 2, out=T.empty(0)),
    "argsort_desc": lambda T: T.argsort(T.tensor([3.0, 1.0, 2.0, 1.0]), descending=True),
    "argsort_stable": lambda T: T.argsort(T.tensor([3.0, 1.0, 2.0, 1.0]), stable=True),
    "topk_too_big": lambda T: T.topk(T.tensor([3.0, 1.0, 2.0, 5.0]), 5),
    "topk_bool": lambda T: T.topk(T.tensor([True, False]), 1),
}

PAIR_CASES = {
    "sort": lambda T: T.sort(T.tensor([3.0, 1.0, 2.0, 1.0])),
    "sort_dim_desc": lambda T: T.sort(T.tensor([[3.0, 1.0], [0.0, 5.0]]), dim=0,
                                      descending=True),
    "sort_stable": lambda T: T.sort(T.tensor([3.0, 1.0, 2.0, 1.0]), stable=True),
    "sort_stable_desc": lambda T: T.sort(T.tensor([3.0, 1.0, 2.0, 1.0]), stable=True,
                                         descending=True),
    "sort_method": lambda T: T.tensor([3.0, 1.0, 2.0, 1.0]).sort(descending=True),
    "sort_nan": lambda T: T.sort(T.tensor([float("nan"), 1.0, 2.0])),
    "sort_nan_desc": lambda T: T.sort(T.tensor([float("nan"), 1.0, float("inf"), 2.0]),
                                      descending=True),
    "sort_int8_desc": lambda T: T.sort(T.tensor([2, -128, 127, 0], dtype=T.int8),
                                       descending=True),
    "sort_bool_desc": lambda T: T.sort(T.tensor([True, False, True]), descending=True),
    "sort_0d": lambda T: T.sort(T.tensor(3.0)),
    "topk": lambda T: T.topk(T.tensor([3.0, 1.0, 2.0, 5.0]), 2),
    "topk_smallest": lambda T: T.topk(T.tensor([3.0, 1.0, 2.0, 5.0]), 2, largest=False),
    "topk_method": lambda T: T.tensor([3.0, 1.0, 2.0, 5.0]).topk(2, sorted=False),
    "topk_0d": lambda T: T.topk(T.tensor(3.0), 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    assert outcome(kindling, CASES[name]) == outcome(torch, CASES[name])


@pytest.mark.parametrize("name", sorted(PAIR_CASES))
def test_named_tuples_match_pytorch(name):
    def run(T):
        r = PAIR_CASES[name](T)
        return (type(r).__name__, repr(r).split("(")[0], repr(r.values.tolist()),
                str(r.values.dtype), r.indices.tolist(), str(r.indices.dtype))
    assert run(kindling) == run(torch)


@pytest.mark.parametrize("which", ["sort", "sort_stable", "topk", "tril"])
def test_gradients_match_pytorch(which):
    def run(T):
        a = T.tensor([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]], dtype=T.float64, requires_grad=True)
        if which == "sort":
            y = a.sort(1, descending=True).values
        elif which == "sort_stable":
            y = T.sort(a, dim=0, stable=True).values
        elif which == "topk":
            y = a.topk(2, 1).values
        else:
            y = a.tril(0)
        w = T.arange(float(y.numel()), dtype=T.float64).reshape(y.shape)
        (g,) = T.autograd.grad((y * w).sum(), a)
        return type(y.grad_fn).__name__, g.tolist()
    assert run(kindling) == run(torch)


def _sort_out(T, stable=None, bad=None):
    x = T.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 5.0]])
    v, i = T.empty(0), T.empty(0, dtype=T.long)
    if bad == "values":
        v = T.empty(0, dtype=T.int32)
    elif bad == "indices":
        i = T.empty(0)
    if stable is None:
        r = T.sort(x, 0, True, out=(v, i))
    else:  # (``stable=`` selects the overload whose dim and descending are keyword-only)
        r = T.sort(x, stable=stable, dim=0, descending=True, out=(v, i))
    return (type(r).__name__, r.values.tolist(), r.indices.tolist(), r[0] is v, r[1] is i,
            tuple(v.shape))


@pytest.mark.parametrize("stable", [None, True])
@pytest.mark.parametrize("bad", [None, "values", "indices"])
def test_sort_out_matches_pytorch(stable, bad):
    def case(T):
        return _sort_out(T, stable, bad)
    assert outcome(kindling, case) == outcome(torch, case)
