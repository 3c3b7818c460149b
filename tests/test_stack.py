"""``stack`` as PyTorch has it: its own op (modes see ``aten.stack``, autograd records
StackBackward0 whose backward selects each input's slice), ``cat``'s dtype promotion and
``out=`` cast error, and the argument parser's check of each element of a tensor list."""
import pytest

import kindling
from _parity import dispatch_log, outcome

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("call", [
    "T.stack([a, i])", "T.stack([i, i.bool()])", "T.stack([a, a], -1)", "T.stack([a, a], 3)",
    "T.stack([a, a], -4)", "T.stack([a, T.ones(3, 2)])", "T.stack([])", "T.stack([e, e])",
    "T.stack([T.tensor(1.), T.tensor(2.)])", "T.stack((a, a), dim=2)",
    "T.stack([a.t(), a.t()])", "T.stack([a], out=T.empty(0))",
    "T.stack([a, i], out=T.empty(0, dtype=T.int64))",
    "T.stack([i, i], out=T.empty(0, dtype=T.bool))",
    "T.stack([a, a], out=T.empty(0, dtype=T.float64))",
    "T.cat([a, i], out=T.empty(0, dtype=T.int64))", "T.stack(a)", "T.stack([a, 1])",
    "T.stack([a, None])", "T.cat(tensors=[a, 1])", "T.cat((a, 2.5), 0)",
    "a.index_put_([T.tensor([0]), 1], a)", "T.cat([a, a], dim=[1])"])
def test_stack_values_dtypes_and_errors_match_torch(call):
    def run(T):
        a, i, e = T.ones(2, 3), T.ones(2, 3, dtype=T.int64), T.ones(0)
        r = eval(call)
        return (tuple(r.shape), str(r.dtype), r.stride(), r.tolist())
    assert outcome(kindling, run) == outcome(torch, run)


def test_stack_node_backward_and_what_modes_see_match_torch():
    def run(T):
        log, mode = dispatch_log(T)
        a = T.tensor([1., 2.], requires_grad=True)
        b = T.tensor([3., 4.], requires_grad=True)
        with mode:
            y = T.stack([a, b], 1)
        node = y.grad_fn
        saved = sorted(n for n in dir(node) if n.startswith("_saved"))
        with mode:
            y.backward(T.tensor([[1., 2.], [3., 4.]]))
        return node.name(), saved, node._saved_dim, a.grad.tolist(), b.grad.tolist(), log
    assert run(kindling) == run(torch)


def test_stack_complex_and_forward_ad_match_torch():
    def run(T):
        from importlib import import_module
        fwad = import_module(T.__name__ + ".autograd.forward_ad")
        a = T.tensor([1., 2.], requires_grad=True)
        c = T.tensor([1j, 2j], requires_grad=True)
        T.stack([a, c]).abs().sum().backward()
        with fwad.dual_level():
            d = fwad.make_dual(T.tensor([1., 2.]), T.tensor([5., 6.]))
            t = fwad.unpack_dual(T.stack([d, T.zeros(2)], 1)).tangent
        return a.grad.tolist(), c.grad.tolist(), t.tolist()
    assert run(kindling) == run(torch)
