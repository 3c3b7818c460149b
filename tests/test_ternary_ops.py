"""addcmul / addcdiv / lerp / trace against PyTorch: promotion, the Scalar value converted to
the result dtype, PyTorch's errors, in-place forms and gradients."""
import pytest

import kindling
from _parity import outcome

torch = pytest.importorskip("torch")


def _abc(T):
    return T.ones(3), T.tensor([1.0, 2.0, 3.0]), T.tensor([2.0, 2.0, 0.0])


def _ints(T):
    return T.ones(3, dtype=T.int64), T.tensor([1, 2, 3]), T.tensor([1, 1, 1])


CASES = {
    "addcmul": lambda T: T.addcmul(*_abc(T), value=2),
    "addcdiv_by_zero": lambda T: T.addcdiv(*_abc(T), value=0.5),
    "addcmul_int": lambda T: T.addcmul(*_ints(T), value=2),
    "addcmul_int_half_value": lambda T: T.addcmul(*_ints(T), value=0.5),
    "addcdiv_int": lambda T: T.addcdiv(*_ints(T)),
    "addcmul_promotes": lambda T: T.addcmul(T.ones(3, dtype=T.int64), *_abc(T)[1:]),
    "addcmul_bool": lambda T: T.addcmul(*(T.ones(2, dtype=T.bool),) * 3),
    "addcmul_broadcast_error": lambda T: T.addcmul(T.ones(2, 3), T.ones(3), T.ones(4)),
    "addcmul_inplace": lambda T: _abc(T)[0].clone().addcmul_(*_abc(T)[1:]),
    "lerp": lambda T: T.lerp(*_abc(T)[:2], 0.5),
    "lerp_tensor_weight": lambda T: T.lerp(*_abc(T)[:2], T.tensor([0.0, 0.5, 1.0])),
    "lerp_int": lambda T: T.lerp(T.ones(2, dtype=T.int64), T.ones(2, dtype=T.int64), 0.5),
    "lerp_dtypes": lambda T: T.lerp(_abc(T)[0], _abc(T)[1].double(), 0.5),
    "lerp_extrapolate": lambda T: _abc(T)[0].lerp(_abc(T)[1], 2),
    "lerp_inplace": lambda T: _abc(T)[0].clone().lerp_(_abc(T)[1], 0.25),
    "trace": lambda T: T.trace(T.arange(9.0).reshape(3, 3)),
    "trace_int": lambda T: T.trace(T.arange(6).reshape(2, 3)),
    "trace_1d": lambda T: T.trace(T.ones(3)),
    "trace_bool": lambda T: T.trace(T.ones(2, 2, dtype=T.bool)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    assert outcome(kindling, CASES[name]) == outcome(torch, CASES[name])


@pytest.mark.parametrize("which", ["addcmul", "addcdiv", "lerp", "lerp_tensor", "trace"])
def test_gradients_and_node_names(which):
    def run(T):
        x = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
        w = T.tensor([0.1, 0.5, 0.9], dtype=T.float64, requires_grad=True)
        y = {"addcmul": lambda: T.addcmul(x, x, x + 1, value=2),
             "addcdiv": lambda: T.addcdiv(x, x, x + 1, value=2),
             "lerp": lambda: T.lerp(x, x * 2, 0.3),
             "lerp_tensor": lambda: T.lerp(x, x * 2, w),
             "trace": lambda: T.trace(x.unsqueeze(0) * x.unsqueeze(1))}[which]()
        gs = T.autograd.grad(y.sum(), [x, w], allow_unused=True)
        return type(y.grad_fn).__name__, [None if g is None else g.tolist() for g in gs]
    assert run(kindling) == run(torch)
