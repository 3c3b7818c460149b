"""``masked_fill`` with a 0-d tensor value (``masked_fill.Tensor``: MaskedFillBackward1, the
value's gradient) and c10's ``checked_convert`` for the numbers ``fill_``/``masked_fill``
write (NaN, infinities, out-of-range values, complex parts), compared with PyTorch."""
import pytest

import kindling
from _parity import dispatch_log

torch = pytest.importorskip("torch")

CALLS = [
    "T.ones(2, dtype=T.int32).fill_(float('inf'))", "T.ones(2, dtype=T.int32).fill_(float('nan'))",
    "T.ones(2, dtype=T.int32).fill_(3e9)", "T.ones(2, dtype=T.int32).fill_(2.5)",
    "T.ones(2).fill_(1+0j)", "T.ones(2).fill_(1e300)", "T.ones(2, dtype=T.float16).fill_(1e10)",
    "T.ones(2, dtype=T.uint8).fill_(-3.0)", "T.ones(2, dtype=T.bool).fill_(5.0)",
    "T.ones(2).masked_fill(m, 2+1j)", "T.ones(2, dtype=T.int32).masked_fill(m, T.tensor(1e20))",
    "T.ones(2, dtype=T.int8).masked_fill(m, 300)", "T.ones(2).fill_(float('inf'))",
    "T.ones(2, dtype=T.complex64).fill_(1e300+1j)", "T.ones(2, dtype=T.bfloat16).fill_(1e39)",
    "T.ones(2, dtype=T.uint8).fill_(-3)", "T.ones(2).masked_fill(m, T.tensor(2+1j))",
    "T.ones(2, dtype=T.int64).masked_fill(m, T.tensor(2.7))",
    "T.ones(2).masked_fill(m, T.tensor(2, dtype=T.int64))", "T.ones(2).masked_fill(m, T.ones(2))",
    "T.ones(2).masked_fill(m.int(), T.tensor(2.))", "T.ones(2).masked_fill_(m, T.tensor(7.))",
]


@pytest.mark.parametrize("call", CALLS)
def test_fill_values_and_errors_match_torch(call):
    def run(T):
        m = T.tensor([True, False])
        try:
            r = eval(call)
        except Exception as e:  # noqa: BLE001 - the error is what is compared
            return type(e).__name__, str(e)
        return r.tolist(), str(r.dtype).split(".")[-1]
    assert run(kindling) == run(torch)


def test_masked_fill_tensor_value_gradients_and_ops_match_torch():
    def run(T):
        log, mode = dispatch_log(T)
        m = T.tensor([[True, False, True], [False, False, True]])
        x = T.ones(2, 3, requires_grad=True)
        v = T.tensor(2., requires_grad=True)
        y = x.masked_fill(m, v)
        with mode:
            y.backward(T.ones(2, 3))
        return y.grad_fn.name(), x.grad.tolist(), v.grad.item(), log
    assert run(kindling) == run(torch)
