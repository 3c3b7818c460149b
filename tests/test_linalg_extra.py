"""addmm_/addmv_, vdot, tensordot (and torch.tensordot's dims forms), inner and kron against
PyTorch: values, dtypes, errors, out= forms, gradients and the ops a dispatch mode sees."""
import pytest

import kindling
from tests._ops_parity import mode_ops, run

torch = pytest.importorskip("torch")

CASES = [
    "torch.zeros(3, 3).addmm_(x, x.t())", "torch.zeros(3).addmm_(x, x.t())",
    "torch.zeros(3, 3, dtype=torch.int64).addmm_(x, x.t())",
    "torch.zeros(3, 3).addmm_(x, x.t(), beta=0.5, alpha=2)", "torch.zeros(3, 3).addmm_(x, v)",
    "torch.zeros(3).addmv_(x, v)", "torch.zeros(1).addmv_(x, v)",
    "torch.zeros(3, dtype=torch.int64).addmv_(x, v)", "torch.addmv_(torch.zeros(3), x, v)",
    "hasattr(torch, 'addmm_')",
    ";;y = torch.ones(3, 3);;(y.addmm_(x, x.t(), beta=2), y._version)[1]",
    "type(torch.zeros(3, 3, dtype=torch.float64).addmm_(xg, xg.t()).grad_fn).__name__",
    "torch.autograd.grad(torch.ones(3, 3, dtype=torch.float64).addmm_(xg, xg.t(), alpha=2)"
    ".sum(), xg)",
    "torch.autograd.grad(torch.ones(3, dtype=torch.float64).addmv_(xg, xg[1], beta=3).sum(), xg)",
    "torch.inner(x, x)", "torch.inner(v, v)", "torch.inner(x, v[0])",
    "torch.inner(x, torch.zeros(2, 3))", "torch.inner(x, torch.arange(4))",
    "torch.inner(x.long(), torch.arange(4))", "torch.inner(x, x, out=torch.empty(0))",
    "torch.inner(x, x, out=torch.empty(0).double())", "x.inner(v)",
    "torch.vdot(v, v)", "torch.vdot(v, v.double())", "torch.vdot(x, v)", "torch.vdot(v, v[:3])",
    "torch.vdot(v.long(), v.long())", "torch.vdot(v > 1, v > 1)",
    "torch.vdot(v, v, out=torch.empty(0))", "torch.vdot(v, v, out=torch.empty(0).double())",
    "torch.vdot(torch.tensor([1 + 2j, 3j]), torch.tensor([2 - 1j, 1 + 1j]))",
    "torch.autograd.grad(torch.vdot(xg[0], xg[1] * 3), xg)",
    "torch.kron(x, x).shape", "torch.kron(v, x)", "torch.kron(x, torch.tensor(2.))",
    "torch.kron(x.long(), v)", "torch.kron(x > 1, v > 1)", "torch.kron(x, v, out=torch.empty(0))",
    "torch.kron(x.t(), v[:2])", "torch.kron(torch.ones(2, 1, 3), x)",
    "torch.autograd.grad((torch.kron(xg[:2, :2], xg[1:, 2:]) ** 2).sum(), xg)",
    "torch.tensordot(x, x.t())", "torch.tensordot(x, x, ([1], [1]))",
    "torch.tensordot(x, x, dims=0).shape", "torch.tensordot(x, x, dims=3)",
    "torch.tensordot(x, x, dims=-1)", "torch.tensordot(x, x.long(), ([1], [1]))",
    "torch.tensordot(x, x, ([1], [0]))", "torch.tensordot(x, x, [[1], [1]])",
    "torch.tensordot(x, x, torch.tensor(1))", "torch.tensordot(x, x, torch.tensor([[1], [1]]))",
    "torch.tensordot(x, x, 'a')", "torch.tensordot(v, v, 1)",
    "torch.tensordot(x, x, ([1, 0], [1]))",
    "torch.tensordot(x, x.t(), ([1, 0], [0, 1]))", "torch.tensordot(x, x, ([1, 0], [1, 0]))",
    "torch.tensordot(x[:, :1], x.t(), ([1], [1]))", "torch.tensordot(x, x, (1, 1))",
    "torch.tensordot(x, x, ([1], 1))", "torch.tensordot(x, x, ([1], [1]), out=torch.empty(0))",
    "torch.ops.aten.tensordot.out(x, x, [1], [1], out=torch.empty(0).long())",
    "torch.autograd.grad((torch.tensordot(xg, xg.t(), ([1, 0], [0, 1])) ** 2).sum(), xg)",
]


@pytest.mark.parametrize("src", CASES)
def test_against_torch(src):
    assert run(kindling, src) == run(torch, src)


MODE_CASES = [
    "torch.kron(x, x)", "torch.inner(x, x)", "torch.inner(v, v)", "torch.inner(x, v[0])",
    "torch.tensordot(x, x, ([1, 0], [1, 0]))", "torch.tensordot(x[:, :1], x.t(), ([1], [1]))",
    "torch.tensordot(x.t(), x.t(), ([1, 0], [1, 0]))", "torch.kron(x, v, out=torch.empty(0))",
    "torch.inner(x, x, out=torch.empty(0))", "torch.zeros(3, 3).addmm_(x, x.t())",
    "torch.vdot(v, v)", ";;y = torch.vdot(xg[0], xg[1]);;y.backward()",
]


@pytest.mark.parametrize("src", MODE_CASES)
def test_dispatch_mode_sees_what_pytorch_sees(src):
    assert mode_ops(kindling, src) == mode_ops(torch, src)
