"""In-place and out= ops return the very tensors they wrote (PyTorch's ADInplaceOrView
kernels return ``self``/``out``), even when a subclass handler below wraps its results: a
plain tensor updated with a LoggingTensor argument stays that plain tensor, with its graph."""
import pytest

import kindling
from kindling.testing._internal.logging_tensor import LoggingTensor as KLT

torch = pytest.importorskip("torch")
from torch.testing._internal.logging_tensor import LoggingTensor as TLT  # noqa: E402

LIBS = ((kindling, KLT), (torch, TLT))


def _run(T, LT, case):
    g = T.ones(2, requires_grad=True).clone()
    w = LT(T.ones(2))
    r = case(T, g, w)
    rs = r if isinstance(r, tuple) else (r,)
    return ([type(x).__name__ for x in rs], rs[0] is g, g.requires_grad,
            type(g.grad_fn).__name__, g.tolist())


CASES = {
    "ops.add_": lambda T, g, w: T.ops.aten.add_.Tensor(g, w),
    "method add_": lambda T, g, w: g.add_(w),
    "mul_": lambda T, g, w: g.mul_(w),
    "copy_": lambda T, g, w: g.copy_(w),
    "no_grad add_": lambda T, g, w: _no_grad(T, lambda: g.add_(w)),
}


def _no_grad(T, f):
    with T.no_grad():
        return f()


@pytest.mark.parametrize("name", list(CASES))
def test_inplace_with_subclass_argument_returns_self(name):
    k = _run(kindling, KLT, CASES[name])
    t = _run(torch, TLT, CASES[name])
    assert k == t


def test_out_returns_the_out_tensors():
    for T in (kindling, torch):
        a = T.ones(3)
        o = T.empty(3)
        assert T.add(a, a, out=o) is o
        mn, mx = T.empty(()), T.empty(())
        r = T.aminmax(a, out=(mn, mx))
        assert r[0] is mn and r[1] is mx
