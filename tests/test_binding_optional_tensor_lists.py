"""``Tensor?[]`` arguments (``index_put``'s ``indices``): PyTorch's Python bindings refuse None
elements ("expected Tensor as element 0 in argument 1"), ``torch.ops`` and indexing take them."""
import pytest

from _parity import outcome

torch = pytest.importorskip("torch")
import kindling  # noqa: E402

CASES = {
    "function": lambda T, x, i: T.index_put(x, (None, i), T.tensor(1.)),
    "method": lambda T, x, i: x.index_put((None, i), T.tensor(1.)),
    "inplace": lambda T, x, i: x.index_put_((None, i), T.tensor(1.)),
    "keyword": lambda T, x, i: x.index_put(indices=(None, i), values=T.tensor(1.)),
    "second": lambda T, x, i: T.index_put(x, [i, None], T.tensor(1.)),
    "all_tensors": lambda T, x, i: T.index_put(x, (i,), T.tensor(1.)),
    "ops_index_put": lambda T, x, i: T.ops.aten.index_put(x, (None, i), T.tensor(1.)),
    "ops_index": lambda T, x, i: T.ops.aten.index(x, (None, i)),
    "subscript": lambda T, x, i: x[None, i],
}


@pytest.mark.parametrize("name", list(CASES))
def test_as_pytorch(name):
    def case(T):
        r = CASES[name](T, T.arange(6.).reshape(2, 3), T.tensor([0, 1]))
        return tuple(r.shape), r.tolist()
    assert outcome(kindling, case) == outcome(torch, case)
