"""In-place ops reading a view made under no_grad of a leaf that requires grad: the view
requires grad but has no gradient edge, and PyTorch still records a node (with an invalid
edge), as it does for functional ops."""
import pytest

from _parity import outcome

torch = pytest.importorskip("torch")
import kindling  # noqa: E402


def _graph(r):
    fn = r.grad_fn
    return (r.requires_grad, type(fn).__name__,
            [(type(n).__name__ if n is not None else None, i) for n, i in fn.next_functions]
            if fn is not None else None)


CASES = {
    "copy_": lambda T, d, v: d.copy_(v),
    "add_": lambda T, d, v: d.add_(v),
    "mul_": lambda T, d, v: d.mul_(v),
    "index_put_": lambda T, d, v: d.index_put_((T.tensor([0]),), v[:1]),
    "masked_scatter_": lambda T, d, v: d.masked_scatter_(T.tensor([True, False]), v),
    "mul": lambda T, d, v: v * 2,
    "stack": lambda T, d, v: T.stack([d, v]).sum(0),
    "_foreach_add": lambda T, d, v: T._foreach_add([d], [v])[0],
    "_foreach_add_": lambda T, d, v: T._foreach_add_([d], [v])[0],
}


@pytest.mark.parametrize("name", list(CASES))
def test_records_a_node(name):
    def case(T):
        a = T.randn(3, requires_grad=True)
        with T.no_grad():
            v = a[:2]
        return _graph(CASES[name](T, T.zeros(2), v))
    assert outcome(kindling, case) == outcome(torch, case)


def test_backward_reaches_no_leaf():
    def case(T):
        a = T.randn(3, requires_grad=True)
        with T.no_grad():
            v = a[:2]
        d = T.zeros(2)
        d.copy_(v)
        d.sum().backward()
        return a.grad, v.grad
    assert outcome(kindling, case) == outcome(torch, case) == (None, None)
