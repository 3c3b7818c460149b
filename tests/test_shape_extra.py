"""broadcast_to, ravel, sum_to_size, tensor_split/hsplit/vsplit/dsplit, rot90, unfold,
diff, diag_embed, diagonal_copy, diag, diagflat, narrow_copy, repeat_interleave against
PyTorch: values, strides, errors, the ops a dispatch mode sees (forward and backward) and
gradients."""
import pytest

import kindling
from tests._ops_parity import mode_ops, run

torch = pytest.importorskip("torch")

CASES = [
    # broadcast_to / ravel / sum_to_size
    "torch.broadcast_to(v, (2, 4))", "torch.broadcast_to(v, (2, 3))",
    "torch.broadcast_to(v, [-1, 2, -1])", "x.broadcast_to(3, 4)", "x.broadcast_to((1, 3, 4))",
    "x.t().ravel()", "x.ravel()._base is x", "torch.tensor(2.).ravel()",
    "x.sum_to_size(1, 4)", "x.sum_to_size(4)", "x.sum_to_size(3, 4) is x",
    "x.sum_to_size((1, 1))", "x.sum_to_size(3, 3)", "x.sum_to_size(1, 2, 3)",
    "x.sum_to_size(2, 1, 4)", "x.sum_to_size()", "torch.tensor(2.).sum_to_size(1)",
    "x.sum_to_size([])", "x.t().sum_to_size(4, 1)",
    # tensor_split / hsplit / vsplit / dsplit
    "x.tensor_split(3, 1)", "x.tensor_split(0, 1)", "x.tensor_split(5)",
    "x.tensor_split([1, 3], 1)", "x.tensor_split([3, 1], 1)", "x.tensor_split([-1, 9], 1)",
    "x.tensor_split((), 1)", "x.tensor_split(torch.tensor(2), 1)",
    "x.tensor_split(torch.tensor([1, 2]), 1)", "x.tensor_split(torch.tensor([[1]]), 1)",
    "x.tensor_split(torch.tensor([1.]), 1)", "torch.tensor(1.).tensor_split(2)",
    "torch.tensor_split(x, indices=[1])", "torch.tensor_split(x, sections=2)",
    "torch.tensor_split(x, tensor_indices_or_sections=torch.tensor(2))",
    "x.tensor_split(2, 2)", "x.hsplit(2)", "x.hsplit(3)", "x.hsplit(0)", "x.hsplit([1])",
    "v.hsplit(2)", "torch.tensor(1.).hsplit(1)", "x.vsplit(3)", "v.vsplit(2)", "x.vsplit(2)",
    "x.view(3, 2, 2).dsplit(2)", "x.dsplit(2)", "x.view(3, 2, 2).dsplit([1])",
    "torch.hsplit(x, 2)", "torch.vsplit(x, [1, 2])",
    # rot90
    "x.rot90()", "x.rot90(2)", "x.rot90(-1)", "x.rot90(3)", "x.rot90(4)", "x.rot90(1, [1, 0])",
    "x.rot90(1, [0])", "x.rot90(1, [0, 0])", "v.rot90()", "x.rot90(1, [0, 2])",
    "x.rot90(1, [0, -2])", "x.rot90(1, [1, -1])", "x.rot90(1, [-1, -2])",
    "x.rot90(1, [0, 1, 1])", "torch.rot90(x, 1, (0, 1))", "x.view(2, 3, 2).rot90(-7, [2, 0])",
    "torch.rot90(x, 1, out=torch.empty(0))", "torch.ops.aten.rot90.out(x, 1, out=torch.empty(0))",
    "torch.ops.aten.rot90.out(x, 1, out=torch.empty(0).long())",
    # unfold / unfold_backward
    "x.unfold(1, 2, 1)", "x.unfold(0, 2, 2)", "x.unfold(1, 5, 1)", "x.unfold(1, 2, 0)",
    "x.unfold(1, -1, 1)", "x.unfold(2, 1, 1)", "torch.tensor(3.).unfold(0, 1, 1)",
    "torch.tensor(3.).unfold(0, 2, 1)", "torch.tensor(3.).unfold(-1, 1, 5)",
    "x.unfold(1, 0, 1)", "x.t().unfold(0, 2, 1)", "x.unfold(1, 2, 1)._base is x",
    "x.unfold(1, 3, 2).unfold(0, 2, 1)",
    "torch.ops.aten.unfold_backward.default(torch.ones(3, 2, 2), [3, 4], 1, 2, 2)",
    "torch.ops.aten.unfold_backward.default(torch.ones(3, 2, 2), [3, 4], 1, 2, 1)",
    "torch.ops.aten.unfold_backward.default(torch.ones(1), [], 0, 1, 1)",
    # diff
    "torch.diff(x)", "torch.diff(x, 0)", "torch.diff(x, 0) is x", "torch.diff(x, -1)",
    "torch.diff(x, 5, 0)", "torch.diff(x, 1, 0, prepend=v)",
    "torch.diff(x, 1, 1, prepend=x[:, :1], append=x[:, :2])", "torch.diff(torch.tensor(1.))",
    "torch.diff(x > 5)", "torch.diff(torch.tensor([1, 5, 2]), append=torch.tensor([2.5]))",
    "torch.diff(x, dim=2)", "torch.diff(x, 1, 0, out=torch.empty(0))",
    "torch.diff(x, 1, 1, prepend=torch.tensor(1.))",
    "torch.diff(x, 1, 1, prepend=torch.zeros(2, 1))", "torch.diff(x, 0, out=torch.empty(0))",
    "torch.diff(x > 5, 2, 0, out=torch.empty(0, dtype=torch.bool))",
    "torch.diff(x, 2, 0, out=torch.empty(0))", "x.diff(append=x)",
    # diag_embed / diagonal_copy / diag / diagflat
    "torch.diag_embed(v)", "torch.diag_embed(v, 1)", "torch.diag_embed(v, -2)",
    "torch.diag_embed(x, 0, 0, 2)", "torch.diag_embed(x, 0, 0, 0)", "torch.diag_embed(x, 0, 0, 3)",
    "torch.diag_embed(x, 0, 0, -3)", "torch.diag_embed(torch.tensor(1.))",
    "torch.diag_embed(x, 1, -1, 0)", "torch.diag_embed(x > 3)",
    "torch.diag_embed(v, out=torch.empty(0))",
    "torch.ops.aten.diag_embed.out(v, out=torch.empty(0, dtype=torch.int64))", "torch.diag(v)",
    "torch.diag(v, -1)", "torch.diag(x)", "torch.diag(x, 1)", "torch.diag(x, 5)",
    "torch.diag(torch.zeros(2, 2, 2))", "torch.diag(torch.tensor(1.))",
    "torch.diag(v, out=torch.empty(0))", "torch.diag(x.t(), 1)", "x.diag(-1)",
    "torch.diagflat(x)", "torch.diagflat(v, -1)", "torch.diagflat(torch.tensor(2.))",
    "torch.diagflat(x.t())", "torch.ops.aten.diagonal_copy.default(x.t(), 1)",
    "torch.diagonal_copy(x, 0, 0, 1)", "torch.diagonal_copy(x, 1, out=torch.empty(0))",
    # narrow_copy
    "x.narrow_copy(0, 1, 2)", "x.narrow_copy(-1, 1, 2)", "x.narrow_copy(1, -1, 1)",
    "x.narrow_copy(1, 3, 2)", "x.narrow_copy(1, 5, 0)", "torch.tensor(1.).narrow_copy(0, 0, 1)",
    "x.narrow_copy(0, 1, -1)", "x.narrow_copy(0, 0, -1)", "x.narrow_copy(0, 3, 0)",
    "torch.narrow_copy(x.t(), 0, 1, 2)", "torch.narrow_copy(x, 0, 1, 2, out=torch.empty(0))",
    # repeat_interleave
    "x.repeat_interleave(2)", "x.repeat_interleave(2, dim=0)", "x.repeat_interleave(1)",
    "x.repeat_interleave(2, 0, output_size=6)", "x.repeat_interleave(2, 0, output_size=5)",
    "x.repeat_interleave(-1)", "x.t().repeat_interleave(2)",
    "x.repeat_interleave(torch.tensor([1, 2, 0]), dim=0)",
    "x.repeat_interleave(torch.tensor([1, 2, 0, 1]), dim=1)",
    "x.repeat_interleave(torch.tensor([1, 2]), dim=0)",
    "x.repeat_interleave(torch.tensor(2), dim=0)", "x.repeat_interleave(torch.tensor([2]), dim=0)",
    "x.repeat_interleave(torch.tensor([2]))", "x.repeat_interleave(torch.tensor([[2]]), dim=0)",
    "x.repeat_interleave(torch.tensor([1., 2, 1]), dim=0)",
    "x.repeat_interleave(torch.tensor([1, -2, 1]), dim=0)",
    "x.repeat_interleave(torch.tensor([1, 2, 0], dtype=torch.int32), dim=0)",
    "torch.repeat_interleave(torch.tensor([1, 2]))",
    "torch.repeat_interleave(torch.tensor([1, 2], dtype=torch.int32))",
    "torch.repeat_interleave(torch.tensor([[1, 2]]))",
    "torch.repeat_interleave(torch.tensor([1., 2]))",
    "torch.repeat_interleave(torch.tensor([1, -2]))", "torch.repeat_interleave(torch.tensor(3))",
    "torch.repeat_interleave(torch.tensor([1, 2]), output_size=4)",
    "torch.repeat_interleave(torch.tensor([1, 2]), output_size=3)",
    "torch.repeat_interleave(torch.tensor([1, 2], device='meta'), output_size=3)",
    "torch.repeat_interleave(torch.tensor([1, 2], device='meta'))",
    "torch.repeat_interleave(x, 2, 1)", "torch.tensor(5.).repeat_interleave(3)",
    "torch.tensor(5.).repeat_interleave(3, 0)",
    "torch.repeat_interleave(torch.tensor([1, 2]), out=torch.empty(0, dtype=torch.int64))",
    # gradients and grad_fn names
    "type(xg.unfold(1, 2, 1).grad_fn).__name__", "type(xg.rot90().grad_fn).__name__",
    "type(torch.diag(xg).grad_fn).__name__", "type(torch.diag(xg[0]).grad_fn).__name__",
    "type(xg.narrow_copy(0, 0, 1).grad_fn).__name__", "type(xg.diag_embed().grad_fn).__name__",
    "torch.autograd.grad((xg.unfold(1, 3, 1) * torch.arange(6.).double().view(3, 2, 1))"
    ".sum(), xg)",
    "torch.autograd.grad((xg.rot90(3, [1, 0]) ** 2).sum(), xg)",
    "torch.autograd.grad((torch.diag(xg, -1) ** 2).sum(), xg)",
    "torch.autograd.grad((torch.diagflat(xg[1:]) ** 2).sum(), xg)",
    "torch.autograd.grad((torch.diff(xg, 2, 1, prepend=xg[:, :1]) ** 2).sum(), xg)",
    "torch.autograd.grad((xg.repeat_interleave(torch.tensor([2, 0, 1]), 0) ** 2).sum(), xg)",
    "torch.autograd.grad((xg.repeat_interleave(3) ** 2).sum(), xg)",
    "torch.autograd.grad((xg.narrow_copy(1, -3, 2) ** 2).sum(), xg)",
    "torch.autograd.grad((xg.sum_to_size(3, 1) ** 2).sum(), xg)",
    "torch.autograd.grad((xg.tensor_split(3, 1)[1] ** 2).sum(), xg)",
    "torch.autograd.grad(torch.autograd.grad((xg.unfold(0, 2, 1) ** 3).sum(), xg, "
    "create_graph=True)[0].sum(), xg)",
]


@pytest.mark.parametrize("src", CASES)
def test_against_torch(src):
    assert run(kindling, src) == run(torch, src)


MODE_CASES = [
    "torch.broadcast_to(v, (2, 4))", "x.t().ravel()", "x.ravel()", "x.sum_to_size(1, 4)",
    "x.sum_to_size(4)", "x.sum_to_size(())", "x.tensor_split(3, 1)",
    "x.tensor_split([1, 3], 1)", "x.tensor_split(torch.tensor(2), 1)",
    "x.tensor_split(torch.tensor([1, 2]), 1)", "x.hsplit(2)", "x.vsplit([1])", "x.rot90()",
    "torch.diff(x)", "torch.diff(x, 2, 0, prepend=x[:1])", "torch.diff(x > 0)",
    "torch.diff(x, 0)", "torch.diff(x, 2, 0, out=torch.empty(0))", "torch.diag(v)",
    "torch.diag(x)", "torch.diag(x, out=torch.empty(0))", "torch.diagflat(x)",
    "torch.diagflat(x.t())", "x.repeat_interleave(2)", "x.repeat_interleave(2, dim=0)",
    "x.repeat_interleave(torch.tensor([1, 2, 0]), dim=0)",
    "torch.repeat_interleave(torch.tensor([1, 2]))",
    "x.repeat_interleave(torch.tensor(2), dim=0)", "x.repeat_interleave(torch.tensor([2]))",
    "torch.tensor(5.).repeat_interleave(3)", "x.unfold(1, 2, 1)", "x.narrow_copy(0, 1, 2)",
    ";;y = xg.unfold(1, 2, 1);;y.sum().backward()", ";;y = xg.rot90();;y.sum().backward()",
    ";;y = xg.narrow_copy(-1, -3, 2);;y.sum().backward()",
    ";;y = torch.diag(xg, 1);;y.sum().backward()", ";;y = torch.diff(xg, 2);;y.sum().backward()",
    ";;y = xg.sum_to_size(1, 4);;y.sum().backward()",
    ";;y = torch.diag_embed(xg, 1, 0, 2);;y.sum().backward()",
]


@pytest.mark.parametrize("src", MODE_CASES)
def test_dispatch_mode_sees_what_pytorch_sees(src):
    assert mode_ops(kindling, src) == mode_ops(torch, src)
