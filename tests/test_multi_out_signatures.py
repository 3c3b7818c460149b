"""Functions returning several tensors take ``out=`` as one tuple of tensors, as PyTorch's
Python signatures do (``tuple of Tensors out = None``): binding, the parser's errors (tuple
size, element types, the signature list), and the ``torch.return_types`` classes returned."""
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402
from _parity import call_outcome  # noqa: E402


def _o(T, dt="float32"):
    return T.empty(0, dtype=getattr(T, dt))


CASES = {
    # max / min (dim form with a tuple out; the unary and binary forms with a tensor out)
    "max out not tuple": lambda T, x: T.max(x, 0, out=5),
    "max out size 1": lambda T, x: T.max(x, 0, out=(_o(T),)),
    "max out size 3": lambda T, x: T.max(x, 0, out=(_o(T), _o(T, "int64"), _o(T))),
    "max out element": lambda T, x: T.max(x, 0, out=(_o(T), 1)),
    "max out list": lambda T, x: T.max(x, 0, out=[_o(T), _o(T, "int64")]),
    "max out names": lambda T, x: T.max(x, 0, values=_o(T), indices=_o(T, "int64")),
    "max tuple out no dim": lambda T, x: T.max(x, out=(_o(T), _o(T, "int64"))),
    "min too many": lambda T, x: T.min(x, 0, 1, 2),
    "max str": lambda T, x: T.max(x, "a"),
    "max method": lambda T, x: x.max(dim=1, keepdim=True),
    "max method out": lambda T, x: x.max(0, out=(_o(T), _o(T, "int64"))),
    "min out": lambda T, x: T.min(x, 1, out=(_o(T), _o(T, "int64"))),
    "max tensor out": lambda T, x: T.max(x, out=_o(T)),
    # kthvalue / aminmax / cummax
    "kthvalue out int": lambda T, x: T.kthvalue(x, 1, 0, False, out=4),
    "kthvalue bad k": lambda T, x: T.kthvalue(x, "a", out=(_o(T), _o(T, "int64"))),
    "kthvalue out": lambda T, x: T.kthvalue(x, 2, out=(_o(T), _o(T, "int64"))),
    "aminmax out int": lambda T, x: T.aminmax(x, out=3),
    "aminmax out": lambda T, x: T.aminmax(x, out=(_o(T), _o(T))),
    "cummin out": lambda T, x: T.cummin(x, 0, out=(_o(T), _o(T, "int64"))),
    "cummax out size 1": lambda T, x: T.cummax(x, 0, out=(_o(T),)),
    "cummax out names": lambda T, x: T.cummax(x, 0, values=_o(T), indices=_o(T, "int64")),
    "cummax missing dim": lambda T, x: T.cummax(x),
    # median / nanmedian
    "median out": lambda T, x: T.median(x, 0, out=(_o(T), _o(T, "int64"))),
    "median tuple out no dim": lambda T, x: T.median(x, out=(_o(T), _o(T, "int64"))),
    "median out int": lambda T, x: T.median(x, 0, out=3),
    "median str": lambda T, x: T.median(x, "a"),
    "nanmedian keepdim": lambda T, x: T.nanmedian(x, 1, True),
    # sort / topk
    "sort str": lambda T, x: T.sort(x, "a"),
    "sort stable": lambda T, x: T.sort(x, stable=True),
    "sort out": lambda T, x: T.sort(x, 0, True, out=(_o(T), _o(T, "int64"))),
    "sort stable out": lambda T, x: T.sort(x, stable=True, dim=0,
                                           out=(_o(T), _o(T, "int64"))),
    "sort method stable": lambda T, x: x.sort(stable=False, descending=True),
    "sort method positional stable": lambda T, x: x.sort(0, False, True),
    "sort out int": lambda T, x: T.sort(x, out=5),
    "sort out dtype": lambda T, x: T.sort(x, out=(_o(T, "float64"), _o(T, "int64"))),
    "topk out": lambda T, x: T.topk(x, 2, out=(_o(T), _o(T, "int64"))),
    "topk out list": lambda T, x: T.topk(x, 2, 0, True, True, out=[_o(T), _o(T, "int64")]),
    "topk out dtype": lambda T, x: T.topk(x, 2, out=(_o(T), _o(T))),
    "topk k range before dtype": lambda T, x: T.topk(x, 5, out=(_o(T, "float64"),
                                                                _o(T, "int64"))),
    "topk method": lambda T, x: x.topk(2, largest=False),
    "topk str": lambda T, x: x.topk("a"),
    "topk missing k": lambda T, x: T.topk(x),
}


def _plain(r):
    if isinstance(r, tuple):
        return type(r).__name__, [t.tolist() for t in r]
    return type(r).__name__, r.tolist()


@pytest.mark.parametrize("name", sorted(CASES))
def test_multi_output_function_matches_pytorch(name):
    def run(T):
        x = T.tensor([[0.5, -1.0, 2.0], [3.0, 0.25, -2.0], [1.5, 4.0, -0.5]])
        return call_outcome(lambda: CASES[name](T, x), _plain)
    k, t = run(kindling), run(torch)
    if k[0] == "returned":  # (PyTorch's C++ warnings end with "(Triggered internally...)")
        t = t[:2] + ([(c, m.split(" (Triggered internally")[0]) for c, m in t[2]],)
    assert k == t
