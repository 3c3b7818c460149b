"""``out=None`` in the Python bindings: taken by every signature PyTorch merges with an
``out=`` twin (``torch.add(a, b, out=None)`` is ``torch.add(a, b)``), refused by the others
(``torch.sum(x, out=None)``, Tensor methods) with PyTorch's TypeError."""
import pytest

from _parity import outcome

torch = pytest.importorskip("torch")
import kindling  # noqa: E402


def _fn(T, name):
    f = T
    for part in name.split("."):
        f = getattr(f, part)
    return f


CASES = [
    ("add", lambda T: (T.zeros(2), T.ones(2))),
    ("mul", lambda T: (T.zeros(2), 3)),
    ("addcmul", lambda T: (T.zeros(2), T.ones(2), T.ones(2))),
    ("addcdiv", lambda T: (T.zeros(2), T.ones(2), T.ones(2))),
    ("lerp", lambda T: (T.zeros(2), T.ones(2), 0.5)),
    ("exp", lambda T: (T.zeros(2),)),
    ("atan2", lambda T: (T.zeros(2), T.ones(2))),
    ("where", lambda T: (T.tensor([True, False]), T.zeros(2), T.ones(2))),
    ("clamp", lambda T: (T.zeros(2), 0, 1)),
    ("xlogy", lambda T: (T.zeros(2), T.ones(2))),
    ("max", lambda T: (T.arange(4.),)),
    ("max", lambda T: (T.arange(4.), 0)),
    ("sort", lambda T: (T.arange(4.),)),
    ("cat", lambda T: ([T.zeros(2), T.ones(2)],)),
    ("sum", lambda T: (T.zeros(2),)),            # (no out= twin: refused)
    ("sum", lambda T: (T.zeros(2, 3), 1)),
    ("matmul", lambda T: (T.ones(2, 2), T.ones(2))),
    ("linalg.qr", lambda T: (T.eye(2) * 2,)),
    ("zeros", lambda T: ((2,),)),
    ("arange", lambda T: (3,)),
]


def _plain(r):
    if isinstance(r, tuple):
        return type(r).__name__, [_plain(x) for x in r]
    return (str(r.dtype).split(".")[-1], tuple(r.shape), r.tolist())


@pytest.mark.parametrize("name, args", CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                    enumerate(CASES)])
def test_out_none_as_pytorch(name, args):
    def case(T):
        return _plain(_fn(T, name)(*args(T), out=None))
    assert outcome(kindling, case) == outcome(torch, case)


# (written as direct calls: CPython words a METH_NOARGS method's complaint differently when it
# is called through ``*args``, "Tensor.exp()" against "TensorBase.exp()")
@pytest.mark.parametrize("case", [lambda T: T.zeros(2).add(1, out=None),
                                  lambda T: T.zeros(2).exp(out=None),
                                  lambda T: T.zeros(2).sum(out=None)], ids=["add", "exp", "sum"])
def test_methods_refuse_out(case):
    assert outcome(kindling, case) == outcome(torch, case)
