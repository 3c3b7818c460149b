"""unique / unique_consecutive (and the aten ops under them) against PyTorch: values, inverse
indices, counts, dims, NaNs, empty inputs, errors, what autograd records and refuses."""
import numpy as np
import pytest

import kindling
from _parity import outcome

torch = pytest.importorskip("torch")


def _plain(r):
    if isinstance(r, tuple):
        return tuple(_plain(t) for t in r)
    if hasattr(r, "dtype"):
        return (str(r.dtype), tuple(r.shape), repr(r.tolist()))
    return r


X = [3, 1, 2, 1, 5, 3, 3]
CASES = {
    "plain": lambda T: T.unique(T.tensor(X)),
    "unsorted_is_sorted_on_cpu": lambda T: T.unique(T.tensor(X), sorted=False),
    "inverse_counts": lambda T: T.unique(T.tensor(X), return_inverse=True, return_counts=True),
    "counts": lambda T: T.unique(T.tensor(X), return_counts=True),
    "2d_inverse_shape": lambda T: T.unique(T.tensor([[3, 1], [1, 2]]), return_inverse=True),
    "dim0": lambda T: T.unique(T.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True,
                               return_counts=True),
    "dim1": lambda T: T.unique(T.tensor([[1, 2, 1], [1, 2, 1]]), dim=1, return_inverse=True),
    "dim_negative": lambda T: T.unique(T.tensor([[2.0, 1.0], [2.0, 1.0]]), dim=-2),
    "dim_out_of_range": lambda T: T.unique(T.ones(2, 3), dim=2),
    "dim_empty": lambda T: T.unique(T.ones(0, 3), dim=0, return_inverse=True,
                                    return_counts=True),
    "nan_each_unique": lambda T: T.unique(T.tensor([float("nan"), 1.0, float("nan")]),
                                          return_inverse=True, return_counts=True),
    "zero_dim": lambda T: T.unique(T.tensor(5)),
    "empty": lambda T: T.unique(T.tensor([]), return_counts=True, return_inverse=True),
    "bool_method": lambda T: T.tensor([True, False, True]).unique(return_counts=True),
    "consecutive": lambda T: T.unique_consecutive(T.tensor(X), return_inverse=True,
                                                  return_counts=True),
    "consecutive_nan": lambda T: T.unique_consecutive(
        T.tensor([float("nan"), float("nan"), 1.0])),
    "consecutive_dim": lambda T: T.unique_consecutive(
        T.tensor([[1, 2], [1, 2], [3, 4], [1, 2]]), dim=0, return_counts=True,
        return_inverse=True),
    "consecutive_method": lambda T: T.tensor([2.5, 1.0, 1.0, 2.5]).unique_consecutive(),
    "aten_unique2": lambda T: T.ops.aten._unique2.default(T.tensor([2, 1]), True, True, False),
    "aten_unique": lambda T: T.ops.aten._unique.default(T.tensor([2, 1, 2]), True, True),
    "meta": lambda T: T.unique(T.empty(3, device="meta")),
    "complex": lambda T: T.unique(T.tensor([1 + 1j])),
    "complex_dim": lambda T: T.unique(T.tensor([1 + 1j]), dim=0),
    "complex_consecutive": lambda T: T.unique_consecutive(T.tensor([1 + 1j]), dim=0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    def case(T):
        return _plain(CASES[name](T))
    assert outcome(kindling, case) == outcome(torch, case)


@pytest.mark.parametrize("seed", range(20))
def test_random_inputs_match_pytorch(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 4))))
    vals = rng.integers(0, 3, size=shape).astype(float)
    dim = int(rng.integers(-len(shape), len(shape)))

    def case(T):
        x = T.tensor(vals)
        return _plain((T.unique(x, return_inverse=True, return_counts=True),
                       T.unique(x, dim=dim, return_inverse=True, return_counts=True),
                       T.unique_consecutive(x, return_inverse=True, return_counts=True),
                       T.unique_consecutive(x, dim=dim, return_inverse=True,
                                            return_counts=True)))
    assert outcome(kindling, case) == outcome(torch, case)


@pytest.mark.parametrize("which", ["unique", "unique_dim", "consecutive"])
def test_autograd_records_and_refuses_like_pytorch(which):
    def case(T):
        a = T.tensor([[1.0, 2.0], [1.0, 2.0]], requires_grad=True)
        r = {"unique": lambda: T.unique(a), "unique_dim": lambda: T.unique(a, dim=0),
             "consecutive": lambda: T.unique_consecutive(a)}[which]()
        name = type(r.grad_fn).__name__
        r.sum().backward()
        return name
    assert outcome(kindling, case) == outcome(torch, case)


def test_private_bindings_match_pytorch():
    """``torch._unique``/``torch._unique2`` and ``torch._VF.unique_dim`` (PyTorch hides
    ``unique_dim`` from the torch namespace but binds it there), as test_autograd uses them."""
    def case(T):
        inp = T.tensor([3.0, 1.0, 3.0], requires_grad=True)
        outs = [T._unique(inp, sorted=True, return_inverse=True),
                T._unique2(inp, sorted=False, return_inverse=False, return_counts=True),
                T._VF.unique_dim(inp, dim=0, sorted=True, return_inverse=True,
                                 return_counts=False)]
        return [(tuple(t.requires_grad for t in r), _plain(tuple(t.detach() for t in r)))
                for r in outs] + [hasattr(T, "unique_dim"), T._VF.add is T.add]
    assert outcome(kindling, case) == outcome(torch, case)


@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("counts", [False, True])
def test_aten_outputs_per_flag_match_pytorch(inverse, counts):
    def case(T):
        x, A = T.tensor([3.0, 1.0, 3.0, 3.0]), T.ops.aten
        return _plain((A.unique_dim.default(x, 0, True, inverse, counts),
                       A.unique_consecutive.default(x, inverse, counts),
                       A.unique_consecutive.default(x, inverse, counts, 0),
                       A.unique_dim_consecutive.default(x, 0, inverse, counts),
                       A._unique2.default(x, True, inverse, counts)))
    assert outcome(kindling, case) == outcome(torch, case)
