"""select_scatter / slice_scatter / diagonal_scatter / as_strided_scatter against PyTorch:
values, the preserved geometry (strides and storage offset over a copied storage), meta,
errors, out= forms, gradients and the ops a dispatch mode sees in backward."""
import pytest

import kindling
from tests._ops_parity import call, mode_ops

torch = pytest.importorskip("torch")


def _x(T):
    return T.arange(12.0).view(3, 4)


def _xg(T):
    return T.arange(12.0, dtype=T.float64).view(3, 4).requires_grad_()


def _src(T, *shape):
    return T.arange(1.0, 1.0 + (1 if not shape else __import__("math").prod(shape)),
                    dtype=T.float64).view(*shape).requires_grad_()


CASES = {
    "select": lambda T: T.select_scatter(_x(T), T.ones(4), 0, 1),
    "select_transposed": lambda T: T.select_scatter(_x(T).t(), T.ones(3), 0, 1),
    "select_offset": lambda T: T.select_scatter(_x(T)[1:], T.ones(4), 0, -1),
    "select_strided": lambda T: T.select_scatter(_x(T)[:, ::2], T.ones(2), 0, 1),
    "select_expanded": lambda T: T.select_scatter(_x(T)[0].expand(3, 4), T.ones(4), 0, 1),
    "select_bad_src": lambda T: T.select_scatter(_x(T), T.ones(3), 0, 1),
    "select_casts_src": lambda T: T.select_scatter(_x(T), T.ones(4, dtype=T.int64), 0, 1),
    "select_int_self": lambda T: T.select_scatter(T.zeros(2, 2, dtype=T.int64),
                                                  T.tensor([1.7, -2.2]), 1, 0),
    "select_oob": lambda T: T.select_scatter(_x(T), T.ones(4), 0, 5),
    "select_bad_dim": lambda T: T.select_scatter(_x(T), T.ones(4), 2, 0),
    "select_0d": lambda T: T.select_scatter(T.tensor(1.0), T.tensor(2.0), 0, 0),
    "slice": lambda T: T.slice_scatter(_x(T), T.ones(3, 2), 1, 1, 3),
    "slice_defaults": lambda T: T.slice_scatter(_x(T), -T.ones(3, 4)),
    "slice_bad_src": lambda T: T.slice_scatter(_x(T), T.ones(3, 2), 1, 1, 4),
    "slice_step": lambda T: T.slice_scatter(_x(T), T.ones(3, 2), 1, 0, None, 2),
    "slice_step0": lambda T: T.slice_scatter(_x(T), T.ones(3, 2), 1, 0, None, 0),
    "slice_negative_start": lambda T: T.slice_scatter(_x(T), T.ones(3, 2), 1, -2),
    "slice_big_end": lambda T: T.slice_scatter(_x(T), T.ones(1, 4), 0, 2, 100),
    "diagonal": lambda T: T.diagonal_scatter(_x(T), T.ones(3)),
    "diagonal_offset": lambda T: T.diagonal_scatter(_x(T), T.ones(3), 1),
    "diagonal_dims": lambda T: T.diagonal_scatter(_x(T), T.ones(3), -1, 1, 0),
    "diagonal_bad_src": lambda T: T.diagonal_scatter(_x(T), T.ones(2), -1, 1, 0),
    "diagonal_same_dims": lambda T: T.diagonal_scatter(_x(T), T.ones(2), 0, 0, 0),
    "as_strided": lambda T: T.as_strided_scatter(_x(T), T.ones(2), (2,), (2,), 1),
    "as_strided_offset_self": lambda T: T.as_strided_scatter(_x(T)[1:], -T.ones(2), (2,),
                                                             (2,)),
    "as_strided_transposed": lambda T: T.as_strided_scatter(_x(T).t(), -T.ones(2), (2,),
                                                            (2,), 1),
    "as_strided_oob": lambda T: T.as_strided_scatter(_x(T), T.ones(2), (2,), (2,), 20),
    "as_strided_bad_src": lambda T: T.as_strided_scatter(_x(T), T.ones(3), (2,), (2,), 1),
    "meta_select": lambda T: T.select_scatter(_x(T).to("meta")[1:],
                                              T.ones(4, device="meta"), 0, 1),
    "meta_as_strided": lambda T: T.as_strided_scatter(_x(T).to("meta")[1:],
                                                      T.ones(2, device="meta"), (2,), (2,)),
    "no_out_kwarg": lambda T: T.select_scatter(_x(T), T.ones(4), 0, 1, out=T.empty(0)),
    "out_op": lambda T: T.ops.aten.slice_scatter.out(_x(T), T.ones(1, 4), 0, 1, 2,
                                                     out=T.empty(0)),
    "out_op_dtype": lambda T: T.ops.aten.select_scatter.out(
        _x(T), T.ones(4), 0, 1, out=T.empty(0, dtype=T.int64)),
    "grad_select": lambda T: (lambda x, s: T.autograd.grad(
        (T.select_scatter(x, s, 0, 1) * _x(T).double()).sum(), [x, s]))(_xg(T), _src(T, 4)),
    "grad_slice": lambda T: (lambda x, s: T.autograd.grad(
        (T.slice_scatter(x, s, 1, 1, None, 2) * _x(T).double()).sum(), [x, s]))(
        _xg(T), _src(T, 3, 2)),
    "grad_diagonal": lambda T: (lambda x, s: T.autograd.grad(
        (T.diagonal_scatter(x, s, 1) * _x(T).double()).sum(), [x, s]))(_xg(T), _src(T, 3)),
    # PyTorch's formula keeps the gradient inside the region for self (kindling follows it)
    "grad_as_strided": lambda T: (lambda x, s: T.autograd.grad(
        (T.as_strided_scatter(x, s, (2,), (2,), 1) * _x(T).double()).sum(), [x, s]))(
        _xg(T), _src(T, 2)),
    "grad_fn_names": lambda T: [type(f(_xg(T)).grad_fn).__name__ for f in (
        lambda x: T.select_scatter(x, _src(T, 4), 0, 1),
        lambda x: T.slice_scatter(x, _src(T, 1, 4), 0, 0, 1),
        lambda x: T.diagonal_scatter(x, _src(T, 3)),
        lambda x: T.as_strided_scatter(x, _src(T, 2), (2,), (1,)))],
    "double_backward": lambda T: (lambda x, s: T.autograd.grad(T.autograd.grad(
        (T.select_scatter(x, s, 1, 0) ** 2).sum(), s, create_graph=True)[0].sum(), x))(
        _xg(T), _src(T, 3)),
}


def _norm(T, r):
    if isinstance(r, (tuple, list)):
        return [_norm(T, e) for e in r]
    if isinstance(r, T.Tensor):
        head = (str(r.dtype), tuple(r.shape), r.stride(), r.storage_offset())
        if r.device.type == "meta":
            return head
        return head + (r.untyped_storage().nbytes(), repr(r.tolist()))
    return r


@pytest.mark.parametrize("case", CASES)
def test_against_torch(case):
    assert call(kindling, CASES[case], _norm) == call(torch, CASES[case], _norm)


BACKWARD_CASES = [
    ";;y = torch.select_scatter(xg, torch.arange(4.).double().requires_grad_(), 0, 1)"
    ";;y.backward(torch.ones_like(y))",
    ";;y = torch.slice_scatter(xg, torch.ones(3, 2).double().requires_grad_(), 1, 2)"
    ";;y.backward(torch.ones_like(y))",
    ";;y = torch.diagonal_scatter(xg, torch.ones(3).double().requires_grad_())"
    ";;y.backward(torch.ones_like(y))",
    ";;y = torch.as_strided_scatter(xg, torch.ones(2).double().requires_grad_(), (2,), (2,), 1)"
    ";;y.backward(torch.ones_like(y))",
]


@pytest.mark.parametrize("src", BACKWARD_CASES)
def test_backward_ops_seen_by_a_mode(src):
    assert mode_ops(kindling, src) == mode_ops(torch, src)
