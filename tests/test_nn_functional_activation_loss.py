"""torch.nn.functional's activations and losses against PyTorch: values, dtypes, shapes, errors
and messages, warnings, backward node names, first and second gradients, forward-mode
tangents, and the aten ops a dispatch mode sees."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402
import kindling.nn.functional as KF  # noqa: E402

from _parity import call_outcome, dispatch_log, same_grads_to_second_order  # noqa: E402

TF = torch.nn.functional


def _data(shape, seed=0, low=-3.0, high=3.0):
    return np.random.default_rng(seed).uniform(low, high, shape)


def _pair(arr, dtype="float64", requires_grad=False):
    t = torch.tensor(arr, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    k = kindling.tensor(arr, dtype=getattr(kindling, dtype), requires_grad=requires_grad)
    return t, k


def _np(t):
    return t.detach().numpy() if hasattr(t, "numpy") and t.__class__.__module__.startswith(
        "torch") else np.asarray(t.detach().tolist())


def _same(a, b, rtol=1e-7, atol=1e-9):
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(_np(b), a.detach().numpy(), rtol=rtol, atol=atol)


def check_fn(case, inputs, *, gradgrad=True, fwad=True, node=True):
    """``case(F, *inputs)`` in both libraries (inputs: NumPy arrays, differentiable
    float64): result, node name, gradients, double-backward gradients, forward tangents."""
    ts = [torch.tensor(a, requires_grad=True) for a in inputs]
    ks = [kindling.tensor(a, requires_grad=True) for a in inputs]
    rt, rk = case(TF, *ts), case(KF, *ks)
    _same(rt, rk)
    if node:
        assert rk.grad_fn.name() == rt.grad_fn.name()
    same_grads_to_second_order(torch, kindling, rt, rk, ts, ks, _data, _same, _np,
                               gradgrad)
    if fwad:
        import torch.autograd.forward_ad as tfw
        import kindling.autograd.forward_ad as kfw
        tans = [_data(a.shape, seed=20 + i) for i, a in enumerate(inputs)]
        with tfw.dual_level():
            jt = tfw.unpack_dual(case(TF, *[tfw.make_dual(torch.tensor(a), torch.tensor(t))
                                             for a, t in zip(inputs, tans)])).tangent
        with kfw.dual_level():
            jk = kfw.unpack_dual(case(KF, *[kfw.make_dual(kindling.tensor(a),
                                                          kindling.tensor(t))
                                            for a, t in zip(inputs, tans)])).tangent
        _same(jt, jk)


X = _data((3, 4))
ACTIVATIONS = {
    "elu": lambda F, x: F.elu(x, 0.7),
    "selu": lambda F, x: F.selu(x),
    "celu": lambda F, x: F.celu(x, 1.3),
    "gelu": lambda F, x: F.gelu(x),
    "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "hardtanh": lambda F, x: F.hardtanh(x, -0.5, 2.0),
    "relu6": lambda F, x: F.relu6(x * 3),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.2),
    "softplus": lambda F, x: F.softplus(x, 2.0, 3.0),
    "silu": lambda F, x: F.silu(x),
    "mish": lambda F, x: F.mish(x),
    "hardswish": lambda F, x: F.hardswish(x),
    "logsigmoid": lambda F, x: F.logsigmoid(x),
    "softshrink": lambda F, x: F.softshrink(x, 0.7),
    "hardshrink": lambda F, x: F.hardshrink(x, 0.7),
    "threshold": lambda F, x: F.threshold(x, 0.1, 2.0),
    "glu": lambda F, x: F.glu(x, 1),
    "glu0": lambda F, x: F.glu(x[:2], 0),
    "tanhshrink": lambda F, x: F.tanhshrink(x),
    "softsign": lambda F, x: F.softsign(x),
    "softmin": lambda F, x: F.softmin(x, 1),
    "softmax": lambda F, x: F.softmax(x, 0),
    "log_softmax": lambda F, x: F.log_softmax(x, -1),
    "sigmoid": lambda F, x: F.sigmoid(x),
    "tanh": lambda F, x: F.tanh(x),
    "relu": lambda F, x: F.relu(x),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_pytorch(name):
    check_fn(ACTIVATIONS[name], [X])


def test_hardsigmoid_matches_pytorch():
    # (PyTorch has no second derivative: both refuse it alike)
    check_fn(lambda F, x: F.hardsigmoid(x), [X], gradgrad=False)
    x = [T.tensor(X, requires_grad=True) for T in (torch, kindling)]
    outs = []
    for T, F, a in ((torch, TF, x[0]), (kindling, KF, x[1])):
        g, = T.autograd.grad(F.hardsigmoid(a).sum(), a, create_graph=True)
        outs.append(call_outcome(lambda: T.autograd.grad(g.sum(), a)))
    assert outs[0] == outs[1]


def test_prelu_matches_pytorch():
    x = _data((2, 3, 4))
    check_fn(lambda F, x, w: F.prelu(x, w), [x, np.array([0.1, -0.2, 0.3])])
    check_fn(lambda F, x, w: F.prelu(x, w), [x, np.array([0.25])])


INPLACE = {
    "elu": lambda F, x: F.elu(x, 0.5, inplace=True),
    "selu": lambda F, x: F.selu(x, inplace=True),
    "celu": lambda F, x: F.celu(x, 2.0, inplace=True),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.3, inplace=True),
    "hardtanh": lambda F, x: F.hardtanh(x, inplace=True),
    "relu6": lambda F, x: F.relu6(x, inplace=True),
    "threshold": lambda F, x: F.threshold(x, 0.2, -1.0, inplace=True),
    "silu": lambda F, x: F.silu(x, inplace=True),
    "mish": lambda F, x: F.mish(x, inplace=True),
    "hardswish": lambda F, x: F.hardswish(x, inplace=True),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x, inplace=True),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_activation_matches_pytorch(name):
    def case(F, x):
        return INPLACE[name](F, x * 1)
    check_fn(case, [X], gradgrad=False, fwad=False)


ERRORS = [
    lambda T, F: F.elu(T.arange(4)),
    lambda T, F: F.gelu(T.arange(4)),
    lambda T, F: F.gelu(T.ones(2), approximate="x"),
    lambda T, F: F.leaky_relu(T.ones(2, dtype=T.complex64)),
    lambda T, F: F.softplus(T.arange(3)),
    lambda T, F: F.mish(T.arange(3)),
    lambda T, F: F.hardswish(T.arange(3)),
    lambda T, F: F.logsigmoid(T.arange(3)),
    lambda T, F: F.softshrink(T.ones(3), -1.0),
    lambda T, F: F.softshrink(T.arange(3)),
    lambda T, F: F.hardshrink(T.arange(3)),
    lambda T, F: F.glu(T.ones(3)),
    lambda T, F: F.glu(T.tensor(1.0)),
    lambda T, F: F.hardtanh(T.ones(3), 2, 1),
    lambda T, F: F.hardtanh(T.ones(3, dtype=T.complex64)),
    lambda T, F: F.celu(T.ones(3), 0.0),
    lambda T, F: F.threshold(T.ones(3, dtype=T.complex64), 1, 2),
    lambda T, F: F.prelu(T.ones(2, 3), T.ones(2)),
    lambda T, F: F.prelu(T.ones(2, 3), T.ones(3, 1)),
    lambda T, F: F.softmax(T.ones(2, 3)),
    lambda T, F: F.log_softmax(T.ones(3)),
    lambda T, F: F.softmin(T.ones(2, 3, 4)),
    lambda T, F: F.softmax(T.ones(2, 3), 1, dtype=T.float64),
    lambda T, F: F.hardtanh(T.arange(6), -2, 3),
    lambda T, F: F.threshold(T.arange(6), 2, 9),
    lambda T, F: F.silu(T.tensor([1 + 2j, -1j], dtype=T.complex128)),
    lambda T, F: F.gumbel_softmax(T.ones(2, 3), eps=1e-3).shape,
    lambda T, F: F.elu(T.ones(2, requires_grad=True), inplace=True),
]


def _plain(r):
    if hasattr(r, "dtype") and hasattr(r, "tolist"):
        return (str(r.dtype).split(".")[-1], tuple(r.shape), np.round(np.asarray(r.tolist()),
                                                                      10).tolist())
    return tuple(r) if isinstance(r, tuple) or type(r).__name__ == "Size" else r


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_activation_errors_and_warnings(i):
    t = call_outcome(lambda: ERRORS[i](torch, TF), _plain)
    k = call_outcome(lambda: ERRORS[i](kindling, KF), _plain)
    assert k == t


def test_low_precision_and_float32():
    x = _data((5,))
    for dt in ("float32", "float16", "bfloat16"):
        t, k = _pair(x, dt)
        for name in ("elu", "gelu", "silu", "mish", "softplus", "hardswish", "logsigmoid"):
            rt, rk = ACTIVATIONS[name](TF, t), ACTIVATIONS[name](KF, k)
            assert str(rk.dtype) == str(rt.dtype)
            np.testing.assert_allclose(np.asarray(rk.float().tolist()), rt.float().numpy(),
                                       rtol=1e-2 if dt != "float32" else 1e-6, atol=1e-3)


def test_dispatch_log_matches():
    x = _data((2, 4))
    cases = [lambda F, x: F.selu(x), lambda F, x: F.logsigmoid(x), lambda F, x: F.relu6(x),
             lambda F, x: F.celu(x)]
    for case in cases:
        logs = []
        for T, F in ((torch, TF), (kindling, KF)):
            log, mode = dispatch_log(T)
            a = T.tensor(x, requires_grad=True)
            with mode:
                case(F, a).sum().backward()
            logs.append(log)
        assert logs[0] == logs[1]


def test_torch_namespace_aliases():
    x = _data((2, 3))
    t, k = _pair(x)
    for name, args in (("selu", ()), ("celu", (0.5,)), ("threshold", (0.1, 3.0)),
                       ("hardshrink", (0.3,))):
        _same(getattr(torch, name)(t, *args), getattr(kindling, name)(k, *args))
    _same(t.hardshrink(0.2), k.hardshrink(0.2))
    w_t, w_k = _pair(np.array([0.3]))
    _same(t.prelu(w_t), k.prelu(w_k))
    for name in ("elu", "gelu", "softplus", "silu", "mish", "hardswish", "hardsigmoid",
                 "hardtanh", "relu6", "leaky_relu", "softshrink", "log_sigmoid"):
        _same(getattr(torch._C._nn, name)(t), getattr(kindling._C._nn, name)(k))
