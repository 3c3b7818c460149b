"""take/put, take_along_dim, masked_select/masked_scatter, nonzero/argwhere, index_fill and
index_copy against PyTorch: values, layouts (nonzero's column-major result), errors, in-place
and out= forms, gradients and the ops a dispatch mode sees."""
import pytest

import kindling
from tests._ops_parity import mode_ops, run

torch = pytest.importorskip("torch")

CASES = [
    # take / put
    "torch.take(x, torch.tensor([[0, 11], [-1, -12]]))", "torch.take(x, torch.tensor([12]))",
    "torch.take(x, torch.tensor([-13]))", "torch.take(x, torch.tensor([1], dtype=torch.int32))",
    "torch.take(x, torch.tensor([1.]))", "torch.take(x.t(), torch.tensor([1, 2]))",
    "torch.take(torch.tensor(5.), torch.tensor([0]))",
    "torch.take(torch.zeros(0), torch.tensor([], dtype=torch.int64))",
    "torch.take(torch.zeros(0), torch.tensor([0]))", "torch.take(x, torch.tensor(3))",
    "torch.take(x, torch.tensor([1]), out=torch.empty(0))",
    "torch.take(x, torch.tensor([1]), out=torch.empty(0).long())",
    "x.clone().put_(torch.tensor([0, -1]), torch.tensor([9., 8]))",
    "x.clone().put_(torch.tensor([0, 0]), torch.tensor([9., 8]), accumulate=True)",
    "x.clone().put_(torch.tensor([0, 12]), torch.tensor([9., 8]))",
    "x.clone().put_(torch.tensor([0, 1]), torch.tensor([9.]))",
    "x.clone().put_(torch.tensor([0]), torch.tensor([9.], dtype=torch.float64))",
    "x.clone().put_(torch.tensor([0], dtype=torch.int32), torch.tensor([9.]))",
    "x.put(torch.tensor([[0, 5]]), torch.tensor([[9., 8]]))",
    "x.t().clone().put_(torch.tensor([1]), torch.tensor([-1.]))",
    "torch.put(x, torch.tensor([1]), torch.tensor([-1.]))",
    "torch.put(x, torch.tensor([1]), torch.tensor([1.]), out=torch.empty(0))",
    "x.clone().put_(torch.tensor([]).long(), torch.tensor([]))",
    "torch.autograd.grad((torch.take(xg, torch.tensor([[0, 5], [5, -1]])) ** 2).sum(), xg)",
    ";;s = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)"
    ";;torch.autograd.grad((xg.put(torch.tensor([1, 1]), s, True) ** 2).sum(), [xg, s])",
    ";;s = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)"
    ";;torch.autograd.grad((xg.put(torch.tensor([1, 7]), s) ** 2).sum(), [xg, s])",
    # take_along_dim
    "torch.take_along_dim(x, torch.tensor([[5]]), 1)",
    "torch.take_along_dim(x, torch.tensor([[-1]]), 1)",
    "torch.take_along_dim(x, torch.tensor([-1]))", "torch.take_along_dim(x, torch.tensor([13]))",
    "torch.take_along_dim(x, torch.tensor([[-5]]), 1)",
    "torch.take_along_dim(x, torch.tensor([1]), 1)",
    "torch.take_along_dim(x, torch.tensor([[1]], dtype=torch.int32), 1)",
    "torch.take_along_dim(x, torch.tensor([[1]]), 1, out=torch.empty(0))",
    "x.take_along_dim(torch.tensor([[0], [1], [2]]), 1)",
    "torch.take_along_dim(x.view(3, 1, 4), torch.tensor([[[0, 1]], [[1, 2]]]), 2)",
    # masked_select / masked_scatter
    "x.masked_select(m)", "x.masked_select(m[0])", "v.masked_select(m)",
    "x.masked_select(m.long())",
    "x.masked_select(torch.tensor(True))", "x.masked_select(torch.ones(2, 4) > 0)",
    "torch.masked_select(x, m, out=torch.empty(0))",
    "torch.masked_select(x, m, out=torch.empty(0).long())",
    "torch.tensor(3.).masked_select(torch.tensor(False))",
    "torch.masked_select(x.to('meta'), m.to('meta'))",
    "x.masked_scatter(m, torch.arange(100.))", "x.masked_scatter(m, torch.arange(3.))",
    "x.masked_scatter(m, torch.arange(100))", "x.masked_scatter(m.long(), torch.arange(100.))",
    "x.clone().masked_scatter_(m, torch.arange(100.).view(10, 10))",
    "v.masked_scatter(m, torch.arange(100.))",
    "x.clone().masked_scatter_(m[0], torch.arange(100.))",
    "v.clone().masked_scatter_(m, torch.arange(100.))",
    "x.masked_scatter(m.t(), torch.arange(100.))",
    "x.clone().masked_scatter_(m[:2], torch.arange(100.))",
    "torch.masked_scatter(x, m, torch.arange(100.), out=torch.empty(0))",
    "torch.ops.aten.masked_scatter_backward.default(x, m, [3, 5])",
    "torch.autograd.grad((xg.masked_select(m[1]) ** 2).sum(), xg)",
    "torch.autograd.grad((xg[0].masked_select(m) ** 2).sum(), xg)",
    ";;s = torch.arange(20., dtype=torch.float64).requires_grad_()"
    ";;torch.autograd.grad((xg.masked_scatter(m, s) ** 2).sum(), [xg, s])",
    "type(xg.masked_select(m).grad_fn).__name__",
    # nonzero / argwhere
    "torch.nonzero(x)", "torch.nonzero(x, as_tuple=True)", "torch.nonzero(torch.tensor(3.))",
    "torch.nonzero(torch.tensor(3.), as_tuple=True)",
    "torch.nonzero(torch.tensor(0.), as_tuple=True)",
    "torch.nonzero(torch.zeros(2, 0))", "x.nonzero()", "(x > 5).nonzero(as_tuple=True)",
    "torch.nonzero(x, out=torch.empty(0, dtype=torch.int64))",
    "torch.nonzero(x, out=torch.empty(11, 2, dtype=torch.int64))",
    "torch.nonzero(x, out=torch.empty(0))", "torch.argwhere(x > 5)",
    "torch.argwhere(torch.tensor(2))",
    "x.argwhere()", "torch.nonzero(x.to('meta'))",
    "torch.nonzero(torch.tensor([float('nan'), 0.]))", "torch.nonzero(xg).requires_grad",
    # index_fill / index_copy
    "x.index_fill(0, idx, -1.)", "x.index_fill(1, torch.tensor([-1]), -1.)",
    "x.index_fill(1, torch.tensor([4]), -1.)", "x.index_fill(1, torch.tensor([-5]), -1.)",
    "x.index_fill(1, torch.tensor([1], dtype=torch.int32), -1.)",
    "x.index_fill(1, torch.tensor([[1]]), -1.)",
    "x.index_fill(1, torch.tensor(1), torch.tensor(-2.))",
    "x.index_fill(1, torch.tensor(1), torch.tensor([-2.]))",
    "x.index_fill(1, torch.tensor(1), torch.tensor(-2., dtype=torch.float64))",
    "x.long().index_fill(1, torch.tensor(1), 2.7)", "x.index_fill(2, idx, 1.)",
    "torch.tensor(5.).index_fill(0, torch.tensor([0]), 1.)",
    "torch.tensor(5.).index_fill(-1, torch.tensor(0), 1.)",
    "x.index_fill(0, torch.tensor([], dtype=torch.int64), 1.)", "(x > 3).index_fill(0, idx, True)",
    "x.index_fill(0, idx, 1j)", "torch.index_fill(x, 0, idx, 1., out=torch.empty(0))",
    "x.index_fill_(0, idx, 3.)", "torch.ops.aten.index_fill.int_Scalar_out(x, 0, idx, 2, "
    "out=torch.empty(0))",
    "x.index_copy(0, idx, torch.ones(2, 4))", "x.index_copy(0, idx, torch.ones(3, 4))",
    "x.index_copy(0, idx, torch.ones(2, 3))",
    "x.index_copy(0, idx, torch.ones(2, 4, dtype=torch.float64))",
    "x.index_copy(0, idx.int(), torch.ones(2, 4))",
    "x.index_copy(0, torch.tensor([[0]]), torch.ones(1, 4))",
    "x.index_copy(0, torch.tensor([3]), torch.ones(1, 4))",
    "x.index_copy(0, torch.tensor([-1]), torch.ones(1, 4))",
    "x.index_copy(0, idx, torch.tensor(1.))",
    "x.index_copy(0, torch.tensor([1]), torch.tensor(1.))",
    "x.index_copy(0, torch.tensor([1]), torch.ones(4))",
    "torch.tensor(5.).index_copy(0, torch.tensor([0]), torch.tensor(1.))",
    "torch.tensor(5.).index_copy(0, torch.tensor([0]), torch.tensor([7.]))",
    "x.index_copy(1, torch.tensor([0, 0]), torch.ones(3, 2) * torch.tensor([1., 2]))",
    "x.index_copy(1, torch.tensor([1]), torch.ones(3, 1, 2))",
    "torch.zeros(2, 3, 4).index_copy(1, torch.tensor([1]), torch.ones(2, 1, 5))",
    "torch.index_copy(x, 0, idx, torch.ones(2, 4), out=torch.empty(0))",
    "x.index_copy_(0, idx, torch.ones(2, 4))",
    "torch.autograd.grad((xg.index_fill(1, torch.tensor([0, 3]), 5.) ** 2).sum(), xg)",
    ";;t = torch.tensor(2., dtype=torch.float64, requires_grad=True)"
    ";;torch.autograd.grad((xg.index_fill(1, torch.tensor([0, 3, 0]), t) ** 2).sum(), [xg, t])",
    ";;s = torch.ones(3, 2, dtype=torch.float64, requires_grad=True)"
    ";;torch.autograd.grad((xg.index_copy(1, torch.tensor([2, 0]), s * 3) ** 2).sum(), [xg, s])",
    "[type(f.grad_fn).__name__ for f in (xg.index_fill(0, idx, 1.), "
    "xg.index_fill(0, idx, torch.tensor(1.).double()), xg.index_copy(0, idx, xg[:2]))]",
]


@pytest.mark.parametrize("src", CASES)
def test_against_torch(src):
    assert run(kindling, src) == run(torch, src)


MODE_CASES = [
    "torch.take(x, idx)", "x.put(idx, torch.ones(2))", "torch.take_along_dim(x, idx.view(1, 2), 1)",
    "torch.take_along_dim(x, idx)", "torch.masked_select(x, m)", "x.masked_scatter(m, x)",
    "torch.nonzero(x, as_tuple=True)", "torch.nonzero(torch.tensor(3.), as_tuple=True)",
    "torch.argwhere(x)", "x.index_fill(0, idx, 1.)", "x.index_fill(0, idx, torch.tensor(2.))",
    "x.index_copy(0, idx, x[:2])", "x.clone().index_fill_(0, idx, 1.)",
    "torch.nonzero(x, out=torch.empty(0, dtype=torch.int64))",
    ";;y = torch.take(xg, idx);;y.sum().backward()",
    ";;y = xg.put(idx, torch.ones(2, dtype=torch.float64, requires_grad=True));;y.sum().backward()",
    ";;y = torch.masked_select(xg, m);;y.sum().backward()",
    ";;y = xg.masked_scatter(m, xg * 2);;y.sum().backward()",
    ";;y = xg.index_fill(0, idx, 1.);;y.sum().backward()",
    ";;y = xg.index_copy(0, idx, xg[:2] * 2);;y.sum().backward()",
    ";;y = torch.take_along_dim(xg, idx.view(1, 2), 1);;y.sum().backward()",
    ";;y = xg.gather(1, idx.view(1, 2).expand(3, 2));;y.sum().backward()",
    ";;y = xg.index_select(1, idx);;y.sum().backward()",
]


@pytest.mark.parametrize("src", MODE_CASES)
def test_dispatch_mode_sees_what_pytorch_sees(src):
    assert mode_ops(kindling, src) == mode_ops(torch, src)
