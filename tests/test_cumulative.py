"""cumsum_/cumprod_, cummax/cummin, logcumsumexp, aminmax, msort and kthvalue against
PyTorch: values (NaN and tie rules, kthvalue's quickselect index among equal values),
return types, out= forms, errors, gradients and the ops a dispatch mode sees."""
import math

import numpy as np
import pytest

import kindling
from tests._ops_parity import mode_ops, run

torch = pytest.importorskip("torch")

CASES = [
    # cumsum_ / cumprod_
    "x.clone().cumsum_(0)", "x.clone().cumsum_(1, dtype=torch.float64)",
    "torch.tensor([1, 2]).cumsum_(0, dtype=torch.float32)",
    "torch.tensor([1, 2], dtype=torch.int8).cumsum_(0)",
    "torch.tensor([100, 100], dtype=torch.int8).cumsum_(0)",
    "torch.tensor([True, True]).cumsum_(0)", "torch.tensor([True, True]).cumprod_(0)",
    "x.clone().cumprod_(-1)", "x.clone().cumsum_(2)", "hasattr(torch, 'cumsum_')",
    "type(xg.clone().cumsum_(0).grad_fn).__name__",
    "torch.autograd.grad((xg.clone().cumprod_(1) * torch.arange(12.).double().view(3, 4))"
    ".sum(), xg)",
    ";;y = xg.clone();;(y.cumsum_(1), y._version)[1]",
    # cummax / cummin
    "x.cummax(1)", "x.cummax(dim=0)", "torch.cummax(torch.tensor([1., 3, float('nan'), 2, 5]), 0)",
    "torch.cummin(torch.tensor([3, 1, 1, 2]), 0)", "torch.cummax(torch.tensor([1, 3, 3, 2]), 0)",
    "torch.cummax(torch.tensor([True, False, True]), 0)", "torch.cummax(torch.tensor(2.), 0)",
    "torch.cummax(x, 2)", "torch.cummax(torch.zeros(0, 3), 1)", "type(x.cummax(1)).__name__",
    "x.cummin(dim=-1).indices", "torch.cummin(torch.tensor([float('nan'), 1., float('nan')]), 0)",
    "torch.cummax(torch.tensor([1., float('nan'), 5, float('nan')]), 0)",
    "torch.cummax(x, 1, out=(torch.empty(0), torch.empty(0, dtype=torch.int64)))",
    "type(torch.cummax(x, 1, out=(torch.empty(0), torch.empty(0, dtype=torch.int64)))).__name__",
    "torch.cummax(x, 1, out=(torch.empty(0), torch.empty(0)))",
    "torch.cummax(x, 1, out=(torch.empty(0, dtype=torch.float64), torch.empty(0)))",
    "torch.cummax(x, 1, out=torch.empty(0))",
    "torch.autograd.grad(xg.cummax(1).values.sum(), xg)",
    "torch.autograd.grad(torch.cummin(xg.flip(1), 1)[0].sum(), xg)",
    # logcumsumexp (float64: float32 results may differ in the last bit)
    "torch.logcumsumexp(xg.detach(), 1)", "torch.logcumsumexp(torch.tensor([1, 2, 3]), 0)",
    "torch.logcumsumexp(torch.tensor([True]), 0)", "torch.logcumsumexp(torch.tensor(2.), 0)",
    "torch.logcumsumexp(torch.tensor([-float('inf'), -float('inf'), 1.]), 0)",
    "torch.logcumsumexp(torch.tensor([float('inf'), 1., float('inf'), -float('inf')]), 0)",
    "torch.logcumsumexp(torch.tensor([float('nan'), 1.]), 0)",
    "torch.logcumsumexp(torch.tensor([1., float('nan'), 1.]), 0)",
    "torch.logcumsumexp(torch.zeros(0), 0)", "torch.logcumsumexp(x, 2)",
    "torch.logcumsumexp(xg.detach(), 0, out=torch.empty(0, dtype=torch.float64))",
    "torch.logcumsumexp(x, 0, out=torch.empty(0, dtype=torch.float64))",
    "torch.autograd.grad((xg.logcumsumexp(1) * torch.tensor([1., -2, 0, 3]).double())"
    ".sum(), xg)",
    # aminmax
    "torch.aminmax(x)", "torch.aminmax(x, dim=1)", "torch.aminmax(x, dim=1, keepdim=True)",
    "torch.aminmax(torch.tensor(2.), dim=0)", "torch.aminmax(torch.zeros(0, 3))",
    "torch.aminmax(torch.zeros(0, 3), dim=1)", "torch.aminmax(torch.zeros(2, 0), dim=0)",
    "torch.aminmax(torch.zeros(2, 0), dim=1)", "torch.aminmax(torch.tensor([True, False]))",
    "torch.aminmax(torch.tensor([1., float('nan')]))", "type(torch.aminmax(x)).__name__",
    "torch.aminmax(x, dim=(0, 1))", "torch.aminmax(x, 1)", "x.aminmax(dim=-1).max",
    "torch.aminmax(x, out=(torch.empty(0), torch.empty(0)))",
    "torch.aminmax(x, dim=0, out=(torch.empty(0), torch.empty(0, dtype=torch.float64)))",
    "torch.aminmax(x, min=torch.empty(0), max=torch.empty(0))",
    "torch.ops.aten.aminmax.out(x, min=torch.empty(0), max=torch.empty(0))",
    ";;t = torch.tensor([[1., 3, 3], [2, 2, 0]], dtype=torch.float64, requires_grad=True)"
    ";;torch.autograd.grad((torch.aminmax(t)[0] * 2 + torch.aminmax(t)[1] * 3), t)",
    ";;t = torch.tensor([[1., 3, 3], [2, 2, 0]], dtype=torch.float64, requires_grad=True)"
    ";;torch.autograd.grad(torch.aminmax(t, dim=1)[1].sum(), t)",
    "type(torch.aminmax(xg).min.grad_fn).__name__",
    # msort
    "x.msort()", "x.flip(0).msort()", "torch.msort(torch.tensor(3.))",
    "torch.msort(x, out=torch.empty(0))", "torch.msort(x, out=torch.empty(0).double())",
    "type(xg.msort().grad_fn).__name__",
    # kthvalue
    "x.kthvalue(2)", "x.kthvalue(1, 0, True)", "x.kthvalue(5)", "x.kthvalue(0)",
    "torch.kthvalue(torch.tensor(3.), 1)",
    "torch.kthvalue(torch.tensor([1., float('nan'), 0.]), 3)",
    "torch.kthvalue(torch.tensor([True, False]), 1)",
    "torch.kthvalue(x, 2, out=(torch.empty(0), torch.empty(0, dtype=torch.int64)))",
    "torch.kthvalue(torch.zeros(0, 3), 1)", "torch.kthvalue(torch.zeros(3, 0), 1, 0)",
    "torch.kthvalue(torch.tensor([1., 3, 3, 2, 3]), 3)",
    "torch.kthvalue(torch.tensor([1., 3, 3, 2, 3]), 4)",
    "torch.kthvalue(torch.tensor([[1., 3, 3, 2, 3], [3, 3, 3, 1, 1]]), 2)",
    "torch.kthvalue(torch.tensor([5., 5, 5, 5, 5]), 3)",
    "torch.kthvalue(x, 2, out=(torch.empty(0), torch.empty(0)))",
    "torch.kthvalue(x, 2, out=(torch.empty(0, dtype=torch.float64), torch.empty(0, "
    "dtype=torch.int64)))",
    "x.kthvalue(2, keepdim=True)", "x.kthvalue(k=2, dim=0)", "type(x.kthvalue(2)).__name__",
    "torch.autograd.grad(xg.kthvalue(3, 1).values.sum(), xg)",
]


@pytest.mark.parametrize("src", CASES)
def test_against_torch(src):
    assert run(kindling, src) == run(torch, src)


def test_kthvalue_index_among_ties_is_pytorchs():
    rng = np.random.default_rng(0)
    for _ in range(200):
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 9)))
        a = rng.integers(0, 3, shape).astype(np.float64)
        if rng.random() < 0.3:
            a[tuple(rng.integers(0, s) for s in shape)] = math.nan
        k = int(rng.integers(1, shape[1] + 1))
        kv, ki = kindling.kthvalue(kindling.from_numpy(a.copy()), k)
        tv, ti = torch.kthvalue(torch.from_numpy(a.copy()), k)
        assert ki.tolist() == ti.tolist(), (a, k)
        np.testing.assert_array_equal(kv.numpy(), tv.numpy())


def test_cummax_of_empty_input_returns_the_input_as_its_gradient():
    # (PyTorch's cummaxmin_backward returns ``input`` itself for an empty input)
    def run_(T):
        t = T.zeros(0, 3, dtype=T.float64, requires_grad=True)
        g = T.autograd.grad(t.cummax(1)[0].sum(), t)[0]
        return g is t, tuple(g.shape)
    assert run_(kindling) == run_(torch)


MODE_CASES = [
    "x.msort()", "torch.aminmax(x)", "x.cummin(0)", "torch.logcumsumexp(x, 1)", "x.kthvalue(2)",
    "x.clone().cumsum_(1)", "torch.msort(x, out=torch.empty(0))",
    ";;y = xg.cummax(1)[0];;y.sum().backward()", ";;y = xg.logcumsumexp(1);;y.sum().backward()",
    ";;y = torch.aminmax(xg, dim=1)[0];;y.sum().backward()",
    ";;y = torch.aminmax(xg)[1];;y.backward()",
    ";;y = torch.aminmax(xg, dim=0, keepdim=True);;(y[0] + y[1]).sum().backward()",
    ";;y = xg.kthvalue(2)[0];;y.sum().backward()",
    ";;y = xg.clone().cumsum_(1);;y.sum().backward()",
    ";;y = xg.msort();;y.sum().backward()", ";;y = xg.kthvalue(2, 0, True)[0];;y.sum().backward()",
    ";;y = xg.max(1)[0];;y.sum().backward()", ";;y = xg.sort(1)[0];;y.sum().backward()",
    ";;y = xg.topk(2)[0];;y.sum().backward()",
]


@pytest.mark.parametrize("src", MODE_CASES)
def test_dispatch_mode_sees_what_pytorch_sees(src):
    assert mode_ops(kindling, src) == mode_ops(torch, src)
