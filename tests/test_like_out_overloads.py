"""The generated ``out=`` overloads of ``scalar_tensor``, ``empty_strided`` and the ``*_like``
factories against PyTorch: the same schemas and tags, and for each call the same result
(``out`` itself, its values - the random ones bit for bit -, dtype (``out``'s: the functional
op runs with it), shape, strides and version), the same ops seen by a TorchDispatchMode (the
one ``.out`` op), the same errors, and the same autograd behaviour for inputs and outputs that
require grad.  (Warnings are not compared: PyTorch's ``torch.ops`` calls print its C++
resize warning to stderr instead of raising a Python warning.)"""


def call_outcome(fn, plain=lambda r: r):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 (the error is what is compared)
        return ("raised", type(e).__name__, str(e))
    return ("returned", plain(r))
import importlib

import pytest

import kindling
from tests._parity import dispatch_log

torch = pytest.importorskip("torch")

OVERLOADS = ["scalar_tensor.out", "empty_strided.out", "zeros_like.out", "ones_like.out",
             "full_like.out", "empty_like.out", "rand_like.out", "rand_like.generator_out",
             "randn_like.out", "randn_like.generator_out", "randint_like.out",
             "randint_like.generator_out"]


def _op(T, name):
    base, ov = name.split(".")
    return getattr(getattr(T.ops.aten, base), ov)


@pytest.mark.parametrize("name", OVERLOADS)
def test_schema_and_tags(name):
    def case(T):
        op = _op(T, name)
        return str(op._schema), sorted(str(t).split(".")[-1] for t in op.tags)
    assert case(kindling) == case(torch)


def _gen(T):
    return T.Generator().manual_seed(7)


def _self(T, layout):
    x = T.arange(24.).reshape(2, 3, 2, 2)
    if layout == "channels_last":
        return x.contiguous(memory_format=T.channels_last)
    if layout == "transposed":
        return x.transpose(1, 3)
    return x


# name -> call(T, op, self, out, memory_format kwargs)
CALLS = {
    "scalar_tensor.out": lambda T, op, x, o, kw: op(2.5, out=o),
    "empty_strided.out": lambda T, op, x, o, kw: op([2, 3, 2, 2], [1, 2, 6, 12], out=o),
    "zeros_like.out": lambda T, op, x, o, kw: op(x, out=o, **kw),
    "ones_like.out": lambda T, op, x, o, kw: op(x, out=o, **kw),
    "full_like.out": lambda T, op, x, o, kw: op(x, 1.5, out=o, **kw),
    "empty_like.out": lambda T, op, x, o, kw: op(x, out=o, **kw),
    "rand_like.out": lambda T, op, x, o, kw: op(x, out=o, **kw),
    "rand_like.generator_out": lambda T, op, x, o, kw: op(x, generator=_gen(T), out=o, **kw),
    "randn_like.out": lambda T, op, x, o, kw: op(x, out=o, **kw),
    "randn_like.generator_out": lambda T, op, x, o, kw: op(x, generator=_gen(T), out=o, **kw),
    "randint_like.out": lambda T, op, x, o, kw: op(x, 9, out=o, **kw),
    "randint_like.generator_out":
        lambda T, op, x, o, kw: op(x, 9, generator=_gen(T), out=o, **kw),
}

OUTS = {
    "empty": lambda T: T.empty(0),
    "right shape": lambda T: T.empty(2, 3, 2, 2),
    "right shape, channels_last":
        lambda T: T.empty(2, 3, 2, 2).contiguous(memory_format=T.channels_last),
    "other shape": lambda T: T.empty(5),
    "float64": lambda T: T.empty(0, dtype=T.float64),
    "int64": lambda T: T.empty(0, dtype=T.int64),
    "int64, right shape, permuted": lambda T: T.empty(2, 2, 3, 2, dtype=T.int64).permute(0, 2, 1, 3),
}


def _values(name, r):
    if name.startswith(("empty_like", "empty_strided")):
        return None  # (uninitialised)
    return r.tolist()


@pytest.mark.parametrize("fmt", [None, "preserve_format", "contiguous_format",
                                 "channels_last"])
@pytest.mark.parametrize("layout", ["contiguous", "channels_last", "transposed"])
@pytest.mark.parametrize("out", sorted(OUTS))
@pytest.mark.parametrize("name", OVERLOADS)
def test_results(name, out, layout, fmt):
    if (fmt is not None or layout != "contiguous") and not name.endswith("like.out"):
        pytest.skip("layouts and memory formats: the *_like overloads without generator")

    def case(T):
        T.manual_seed(3)
        x = _self(T, layout)
        o = OUTS[out](T)
        kw = {} if fmt is None else {"memory_format": getattr(T, fmt)}
        log, mode = dispatch_log(T)

        def call():
            with mode:
                return CALLS[name](T, _op(T, name), x, o, kw)

        def plain(r):
            return (r is o, _values(name, r), tuple(r.shape), r.stride(), r._version,
                    str(r.dtype))
        return call_outcome(call, plain), log, o._version, tuple(o.shape)
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("name", OVERLOADS)
@pytest.mark.parametrize("scenario", ["input requires grad", "out leaf requires grad",
                                      "out non-leaf requires grad", "no_grad, out leaf"])
def test_autograd(name, scenario):
    def case(T):
        x = _self(T, "contiguous")
        if scenario == "input requires grad":
            x.requires_grad_()
        o = T.empty(0)
        if scenario in ("out leaf requires grad", "no_grad, out leaf"):
            o.requires_grad_()
        elif scenario == "out non-leaf requires grad":
            o = T.empty(0, requires_grad=True).clone()

        def call():
            if scenario.startswith("no_grad"):
                with T.no_grad():
                    return CALLS[name](T, _op(T, name), x, o, {})
            return CALLS[name](T, _op(T, name), x, o, {})

        def plain(r):
            fn = r.grad_fn
            return (type(fn).__name__ if fn is not None else None, r.requires_grad, r.is_leaf,
                    r._version)
        return call_outcome(call, plain)
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("name", ["zeros_like.out", "rand_like.out", "scalar_tensor.out"])
def test_forward_ad(name):
    def case(T):
        fw = importlib.import_module(T.__name__ + ".autograd.forward_ad")
        with fw.dual_level():
            x = fw.make_dual(_self(T, "contiguous"), T.ones(2, 3, 2, 2))
            o = fw.make_dual(T.empty(2, 3, 2, 2), T.zeros(2, 3, 2, 2))
            r1 = call_outcome(lambda: CALLS[name](T, _op(T, name), x, T.empty(0), {}),
                              lambda r: r.shape == x.shape)
            r2 = call_outcome(lambda: CALLS[name](T, _op(T, name), _self(T, "contiguous"), o,
                                                  {}), lambda r: tuple(r.shape))
        return r1, r2
    assert case(kindling) == case(torch)
