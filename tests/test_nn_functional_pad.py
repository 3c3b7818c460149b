"""torch.nn.functional.pad (all modes), torch.constant_pad_nd, the reflection/replication pad
ops and their backward ops, F.one_hot, F.normalize and F.local_response_norm against PyTorch:
values, dtypes, shapes and strides, gradients (first and second order, forward mode), backward
node names, errors and their messages, the ops a TorchDispatchMode sees, meta tensors and the
out= forms."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import kindling  # noqa: E402
from _parity import dispatch_log, outcome  # noqa: E402


def _F(T):
    return T.nn.functional


def _x(T, *shape, dtype="float64", seed=0, grad=False):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal(shape)
    t = T.tensor(a).to(getattr(T, dtype))
    return t.requires_grad_() if grad else t


def _np(t):
    return t.detach().resolve_conj().numpy()


# (input shape, pad, mode, value)
PAD_CASES = [
    ((2, 3, 5), [1, 2], "constant", None),
    ((2, 3, 5), [1, -1, 0, 2], "constant", 2.5),
    ((2, 3, 4, 5), [2, 0, -1, 1, 1, 1], "constant", -1.0),
    ((4,), [3, 1], "constant", None),
    ((2, 3, 5), [2, 1], "reflect", None),
    ((3, 5), [4, 3], "reflect", None),
    ((2, 3, 5), [-2, 1], "reflect", None),
    ((2, 3, 4, 5), [1, 2, 3, 0], "reflect", None),
    ((3, 4, 5), [1, -1, 2, 2], "reflect", None),
    ((1, 2, 3, 4, 5), [1, 2, 0, 1, 2, 1], "reflect", None),
    ((2, 3, 4, 5), [1, 1, 1, 1, 1, 1], "reflect", None),
    ((2, 3, 5), [2, 3], "replicate", None),
    ((2, 3, 5), [-2, 4], "replicate", None),
    ((2, 3, 4, 5), [1, 2, 3, 0], "replicate", None),
    ((3, 4, 5), [-1, 2, 1, -2], "replicate", None),
    ((1, 2, 3, 4, 5), [1, 2, 0, 1, 2, 1], "replicate", None),
    ((2, 3, 4, 5), [-1, 1, 2, -2, 1, 0], "replicate", None),
    ((1, 2, 3, 4), [-2, -2, 0, 0, 0, 0], "replicate", None),
    ((0, 2, 3, 4), [1, 1, 1, 1], "reflect", None),
    ((2, 3, 5), [2, 3], "circular", None),
    ((3, 5), [1, -2], "circular", None),
    ((2, 3, 4, 5), [1, 2, 3, 0], "circular", None),
    ((1, 2, 3, 4, 5), [1, -1, 0, 2, 3, 1], "circular", None),
]
_IDS = [f"{m}-{s}-{p}" for s, p, m, _ in PAD_CASES]


def _pad_run(T, shape, pad, mode, value, dtype, create_graph=False):
    x = _x(T, *shape, dtype=dtype, grad=True)
    y = _F(T).pad(x, pad, mode, value)
    gy = _x(T, *y.shape, dtype=dtype, seed=1)
    (g,) = T.autograd.grad(y, x, gy, create_graph=create_graph)
    r = [str(y.dtype), tuple(y.shape), y.stride(), _np(y), type(y.grad_fn).__name__, _np(g)]
    if create_graph and g.requires_grad:
        gg = _x(T, *g.shape, dtype=dtype, seed=2)
        r += [type(g.grad_fn).__name__, [None if v is None else _np(v) for v in
                                          T.autograd.grad(g, [x], gg, allow_unused=True)]]
    return r


def _assert_same(k, t):
    assert len(k) == len(t)
    for a, b in zip(k, t):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        elif isinstance(a, list):
            _assert_same(a, b)
        else:
            assert a == b


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
@pytest.mark.parametrize("shape, pad, mode, value", PAD_CASES, ids=_IDS)
def test_pad_values_and_grads(shape, pad, mode, value, dtype):
    _assert_same(_pad_run(kindling, shape, pad, mode, value, dtype),
                 _pad_run(torch, shape, pad, mode, value, dtype))


@pytest.mark.parametrize("shape, pad, mode, value", PAD_CASES, ids=_IDS)
def test_pad_double_backward(shape, pad, mode, value):
    _assert_same(_pad_run(kindling, shape, pad, mode, value, "float64", True),
                 _pad_run(torch, shape, pad, mode, value, "float64", True))


def _fwad(T, fn, primals, tangents):
    fa = T.autograd.forward_ad
    with fa.dual_level():
        duals = [fa.make_dual(p, t) for p, t in zip(primals, tangents)]
        out = fn(T, *duals)
        p, t = fa.unpack_dual(out)
        return _np(p), None if t is None else _np(t)


@pytest.mark.parametrize("shape, pad, mode, value", PAD_CASES, ids=_IDS)
def test_pad_forward_ad(shape, pad, mode, value):
    def run(T):
        return _fwad(T, lambda T, x: _F(T).pad(x, pad, mode, value),
                     [_x(T, *shape)], [_x(T, *shape, seed=3)])
    _assert_same(list(run(kindling)), list(run(torch)))


@pytest.mark.parametrize("kind, nd, shape, pad", [
    ("reflection", 1, (2, 3, 5), [2, 1]), ("replication", 1, (3, 5), [-1, 3]),
    ("reflection", 2, (2, 3, 4, 5), [1, 2, 3, 0]), ("replication", 2, (3, 4, 5), [2, 1, 0, 3]),
    ("reflection", 3, (2, 2, 3, 4, 5), [1, 2, 0, 1, 2, 1]),
    ("replication", 3, (2, 3, 4, 5), [1, 2, 0, 1, 2, 1])])
def test_backward_ops_derivatives(kind, nd, shape, pad):
    """The ``_backward`` ops: their own gradients (grad_output's: the forward op; self's:
    zeros), node names and forward-mode tangents."""
    def run(T):
        op = getattr(T.ops.aten, f"{kind}_pad{nd}d_backward").default
        x = _x(T, *shape, grad=True)
        go = _x(T, *getattr(T.ops.aten, f"{kind}_pad{nd}d").default(x, pad).shape, seed=4,
                grad=True)
        gi = op(go, x, pad)
        w = _x(T, *gi.shape, seed=5)
        grads = T.autograd.grad(gi, [go, x], w)
        fw = _fwad(T, lambda T, g: op(g, x.detach(), pad), [go.detach()], [_x(T, *go.shape)])
        return [_np(gi), type(gi.grad_fn).__name__] + [_np(g) for g in grads] + list(fw)
    _assert_same(run(kindling), run(torch))


@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool", "float32", "float16", "bfloat16",
                                   "complex64"])
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_dtypes(mode, dtype):
    def case(T):
        x = (T.arange(24).reshape(2, 3, 4) % 5).to(getattr(T, dtype))
        return _F(T).pad(x, [2, 1, 1, 0], mode, 1.0 if mode == "constant" else None)
    assert outcome(kindling, case) == outcome(torch, case)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("layout", ["channels_last", "channels_last_3d", "transposed"])
def test_pad_result_layout(mode, layout):
    def case(T):
        if layout == "transposed":
            x = _x(T, 2, 5, 3).transpose(1, 2)
            return _F(T).pad(x, [1, 2], mode)
        nd = 4 if layout == "channels_last" else 5
        x = _x(T, *(2, 3, 4, 5, 3)[:nd]).contiguous(memory_format=getattr(T, layout))
        return _F(T).pad(x, [1, 2, 2, 1] + [1, 1] * (nd - 4), mode)
    assert outcome(kindling, case) == outcome(torch, case)


def _t(T, *s, dt=None):
    x = _x(T, *s, dtype="float32")
    return x if dt is None else x.to(getattr(T, dt))


def _pad_op(T, kind, nd, suffix=""):
    return getattr(T.ops.aten, f"{kind}_pad{nd}d{suffix}")


ERROR_CASES = [
    lambda T, F: F.pad(_t(T, 2, 3), [1]),
    lambda T, F: F.pad(_t(T, 2, 3), [1, 1, 1, 1, 1, 1]),
    lambda T, F: T.constant_pad_nd(_t(T, 2, 3), [1]),
    lambda T, F: T.constant_pad_nd(_t(T, 2, 3), [1, 1, 1, 1, 1, 1]),
    lambda T, F: T.constant_pad_nd(_t(T, 2, 3), [-2, -2]),
    lambda T, F: T.constant_pad_nd(_t(T, 2, 3), [-2, -1]),
    lambda T, F: T.constant_pad_nd(_t(T, 2, 3), [-4, 2]),
    lambda T, F: T.constant_pad_nd(_t(T, 2, 3), [0, 0, -2, -2]),
    lambda T, F: T.constant_pad_nd(_t(T, 2, 3), [-3, 0, 1, 0]),
    lambda T, F: T.constant_pad_nd(T.tensor(1.), []),
    lambda T, F: T.constant_pad_nd(T.tensor(1.), [1, 1]),
    lambda T, F: T.constant_pad_nd(T.tensor([1, 2]), [1, 1], -1.7),
    lambda T, F: T.constant_pad_nd(T.tensor([True]), [1, 1], 0.5),
    lambda T, F: T.constant_pad_nd(T.tensor([1], dtype=T.uint8), [1, 1], -1),
    lambda T, F: T.constant_pad_nd(T.tensor([1], dtype=T.uint8), [1, 1], 300),
    lambda T, F: T.constant_pad_nd(T.tensor([1.]), [1, 1], 1 + 2j),
    lambda T, F: T.constant_pad_nd(T.tensor([1j]), [1, 1], 1 + 2j),
    lambda T, F: T.constant_pad_nd(T.tensor([1]), [1, 1], float("inf")),
    lambda T, F: F.pad(T.tensor([[1, 2]]), [1, 1], value=2),
    lambda T, F: F.pad(_t(T, 2, 3), [1, 1], "foo"),
    lambda T, F: F.pad(_t(T, 2, 3), [1, 1], "reflect", 1.0),
    lambda T, F: F.pad(_t(T, 2, 3), [1, 1], value="a"),
    lambda T, F: F.pad(_t(T, 1, 2, 3, 4), [1, 1], "reflect"),
    lambda T, F: F.pad(_t(T, 4), [1, 1], "replicate"),
    lambda T, F: F.pad(_t(T, 3, 4), [1, 1, 1, 1], "circular"),
    lambda T, F: F.pad(_t(T, 1, 1, 1, 3, 3, 3), [1] * 6, "reflect"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [4, 1], "reflect"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [1, 4], "reflect"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [1, 1, 3, 1], "reflect"),
    lambda T, F: F.pad(_t(T, 1, 2, 3, 4), [1, 1, 1, 1, 3, 1], "reflect"),
    lambda T, F: F.pad(_t(T, 2, 3, 1), [1, 0], "reflect"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [-4, 1], "reflect"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [-2, -2], "reflect"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [-3, -2], "reflect"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [-5, 1], "replicate"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [-4, -1, 0, 0], "replicate"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [-2, -2, -2, -1], "reflect"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [-2, -2, -2, -1], "replicate"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [-2, -2, 0, 0], "reflect"),
    lambda T, F: F.pad(_t(T, 1, 3, 4), [-3, -2, 0, 0], "reflect"),
    lambda T, F: F.pad(_t(T, 1, 2, 3, 4), [-3, -2, 0, 0, 0, 0], "reflect"),
    lambda T, F: F.pad(_t(T, 1, 2, 3, 4), [-2, -2, -2, -1, -1, -1], "reflect"),
    lambda T, F: F.pad(_t(T, 1, 2, 3, 4), [-2, -2, -2, -1, -1, -1], "replicate"),
    lambda T, F: F.pad(_t(T, 1, 2, 3, 4), [-4, 0, 0, 0, 0, 0], "replicate"),
    lambda T, F: F.pad(_t(T, 2, 0, 4), [1, 1], "replicate"),
    lambda T, F: F.pad(_t(T, 2, 3, 0), [1, 1], "reflect"),
    lambda T, F: F.pad(_t(T, 0, 3, 4), [1, 1], "reflect"),
    lambda T, F: F.pad(_t(T, 2, 0, 4), [1, 1, 1, 1], "reflect"),
    lambda T, F: F.pad(_t(T, 0, 2, 3, 4), [1, 1, 1, 1], "replicate"),
    lambda T, F: F.pad(_t(T, 0, 2, 3, 3, 4), [1] * 6, "reflect"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [5, 1], "circular"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [-3, -2], "circular"),
    lambda T, F: F.pad(_t(T, 2, 3, 4), [-3, -1], "circular"),
    lambda T, F: F.pad(_t(T, 2, 3, 4, dt="bool"), [1, 1], "reflect"),
    lambda T, F: F.pad(_t(T, 2, 3, 4, 5, dt="bool"), [1, 1, 1, 1], "replicate"),
    lambda T, F: T._C._nn._pad_circular(_t(T, 3, 4), [1, 1, 1, 1]),
    lambda T, F: T.ops.aten._pad_circular(_t(T, 2, 3, 4, 5, 6, 7), [1, 1]),
    lambda T, F: T.ops.aten._pad_circular(_t(T, 2, 3, 4, 5), [1, 1, 1]),
    lambda T, F: T.ops.aten._pad_enum(_t(T, 2, 3, 4), [1, 1], 7),
    lambda T, F: T.ops.aten._pad_enum(_t(T, 2, 3, 4), [1, 1, 1], 1),
    lambda T, F: T.ops.aten._pad_enum(_t(T, 2, 3, 4), [1] * 8, 1),
    lambda T, F: T.ops.aten.pad(_t(T, 2, 3, 4), [1, 1], "circular"),
]


def _all_error_cases():
    extra = []
    for kind in ("reflection", "replication"):
        for nd, fwd_pad in ((1, [1, 2]), (2, [1, 2, 0, 1]), (3, [1, 2, 0, 1, 1, 0])):
            extra += _op_error_cases(kind, nd, fwd_pad)
    return ERROR_CASES + extra


def _op_error_cases(kind, nd, fwd_pad):
    shape = (2, 3, 4, 5)[:nd + 1]

    def fwd(T):
        return _pad_op(T, kind, nd).default

    def bwd(T):
        return _pad_op(T, kind, nd, "_backward").default

    def out_shape(T):
        return list(fwd(T)(_t(T, *shape), fwd_pad).shape)
    cases = [
        lambda T, F: fwd(T)(_t(T, *shape), fwd_pad + [1]),
        lambda T, F: fwd(T)(_t(T, *(2, 3, 4, 5, 6, 7)[:nd + 3]), fwd_pad),
        lambda T, F: fwd(T)(_t(T, *(3, 4, 5)[:nd]), fwd_pad),
        lambda T, F: bwd(T)(_t(T, *out_shape(T)).long(), _t(T, *shape).long(), fwd_pad),
        lambda T, F: bwd(T)(_t(T, *out_shape(T)), _t(T, *shape), fwd_pad + [1]),
        lambda T, F: bwd(T)(_t(T, *out_shape(T)), _t(T, *shape), [9] * (2 * nd)),
        lambda T, F: bwd(T)(_t(T, *out_shape(T)[1:]), _t(T, *shape), fwd_pad),
    ]
    # (a wrong spatial size of grad_output; its channel size only replication_pad3d checks)
    for d in range(0 if (kind, nd) == ("replication", 3) else 1, nd + 1):
        def wrong(T, F, d=d):
            s = out_shape(T)
            s[d] += 1
            return bwd(T)(_t(T, *s), _t(T, *shape), fwd_pad)
        cases.append(wrong)
    return cases


ALL_ERRORS = _all_error_cases()


@pytest.mark.parametrize("i", range(len(ALL_ERRORS)))
def test_errors_and_edge_cases_match(i):
    case = ALL_ERRORS[i]
    assert outcome(kindling, lambda T: case(T, _F(T))) == outcome(torch, lambda T: case(T, _F(T)))


# ---- what a dispatch mode sees -----------------------------------------------------------------
LOG_CASES = [
    lambda T, F, x: F.pad(x, [1, 2]),
    lambda T, F, x: F.pad(x, [1, -1, 0, 1], value=2.0),
    lambda T, F, x: F.pad(x, [2, 1], "reflect"),
    lambda T, F, x: F.pad(x, [1, 1], "replicate"),
    lambda T, F, x: F.pad(x, [1, 2], "circular"),
    lambda T, F, x: F.pad(x, [1, -1], "circular"),
    lambda T, F, x: F.pad(x, [1, 1, 1, 0], "circular"),
    lambda T, F, x: F.pad(x.unsqueeze(0), [1, 1, 1, 0], "reflect"),
    lambda T, F, x: F.normalize(x, p=1),
    lambda T, F, x: F.local_response_norm(x, 3),
    lambda T, F, x: F.local_response_norm(x.unsqueeze(-1), 2),
    lambda T, F, x: F.conv1d(x, x.new_ones(4, 3, 4), padding="same"),
    lambda T, F, x: T.stft(x[0, 0], 4, return_complex=True, window=x.new_ones(4)).abs(),
    lambda T, F, x: T.stft(x[0, 0], 4, return_complex=True, pad_mode="constant").abs(),
]


@pytest.mark.parametrize("i", range(len(LOG_CASES)))
def test_dispatch_log_forward_and_backward(i):
    import warnings
    logs = []
    for T in (kindling, torch):
        x = _x(T, 2, 3, 5, grad=True)
        log, mode = dispatch_log(T)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with mode:
                y = LOG_CASES[i](T, _F(T), x)
                log.append("-- backward")
                y.sum().backward()
        logs.append(log)
    assert logs[0] == logs[1]


@pytest.mark.parametrize("num_classes", [-1, 4])
def test_one_hot_dispatch_log(num_classes):
    logs = []
    for T in (kindling, torch):
        x = T.tensor([0, 2, 1])
        log, mode = dispatch_log(T)
        with mode:
            r = _F(T).one_hot(x, num_classes)
            _F(T).one_hot(x[:0], 3)
        logs.append((log, r.tolist()))
    assert logs[0] == logs[1]


ONE_HOT_CASES = [
    lambda T: T.nn.functional.one_hot(T.arange(6).view(3, 2) % 3),
    lambda T: T.nn.functional.one_hot(T.tensor([0, 2, 1]), num_classes=5),
    lambda T: T.nn.functional.one_hot(T.tensor(1), 3),
    lambda T: T.nn.functional.one_hot(T.tensor([], dtype=T.long), 4),
    lambda T: T.nn.functional.one_hot(T.tensor([0., 1.])),
    lambda T: T.nn.functional.one_hot(T.tensor([0, 1], dtype=T.int32), 3),
    lambda T: T.nn.functional.one_hot(T.tensor([0, -1])),
    lambda T: T.nn.functional.one_hot(T.tensor([0, 3]), 3),
    lambda T: T.nn.functional.one_hot(T.tensor([0, 1]), 0),
    lambda T: T.nn.functional.one_hot(T.tensor([0, 1]), -2),
    lambda T: T.nn.functional.one_hot(T.tensor([], dtype=T.long)),
    lambda T: T.nn.functional.one_hot(T.tensor([0, 1]), num_classes=None),
    lambda T: T._C._nn.one_hot(T.tensor([[1, 0]])),
]


@pytest.mark.parametrize("i", range(len(ONE_HOT_CASES)))
def test_one_hot(i):
    assert outcome(kindling, ONE_HOT_CASES[i]) == outcome(torch, ONE_HOT_CASES[i])


NORM_CASES = [
    (lambda T, F, x: F.normalize(x), (2, 3, 4)),
    (lambda T, F, x: F.normalize(x, p=1, dim=(0, 2), eps=0.5), (2, 3, 4)),
    (lambda T, F, x: F.normalize(x, p=float("inf"), dim=-1), (3, 4)),
    (lambda T, F, x: F.local_response_norm(x, 2), (2, 5, 4)),
    (lambda T, F, x: F.local_response_norm(x, 3, alpha=0.1, beta=0.5, k=2.0), (2, 5, 3, 4)),
    (lambda T, F, x: F.local_response_norm(x, 4), (1, 6, 2, 3, 2)),
]


@pytest.mark.parametrize("i", range(len(NORM_CASES)))
def test_normalize_and_local_response_norm(i):
    fn, shape = NORM_CASES[i]

    def run(T):
        x = _x(T, *shape, grad=True)
        y = fn(T, _F(T), x)
        (g,) = T.autograd.grad(y, x, _x(T, *y.shape, seed=1), create_graph=True)
        (gg,) = T.autograd.grad(g, x, _x(T, *g.shape, seed=2))
        return [_np(y), type(y.grad_fn).__name__, _np(g), _np(gg)]
    _assert_same(run(kindling), run(torch))


NORM_ERRORS = [
    lambda T: T.nn.functional.normalize(T.randn(3), dim=1),
    lambda T: T.nn.functional.normalize(T.tensor([1, 2])),
    lambda T: T.nn.functional.local_response_norm(T.ones(2, 3), 2),
    lambda T: T.nn.functional.local_response_norm(T.ones(2, 3, 0), 2),
    lambda T: T.nn.functional.normalize(T.ones(2, 3), out=T.empty(2, 3)),
]


@pytest.mark.parametrize("i", range(len(NORM_ERRORS)))
def test_normalize_errors_and_out(i):
    assert outcome(kindling, NORM_ERRORS[i]) == outcome(torch, NORM_ERRORS[i])


# ---- meta tensors and out= forms -----------------------------------------------------------------
META_CASES = [
    ("constant_pad_nd", (2, 3, 4), ([1, -1, 2, 0], 1.5)),
    ("reflection_pad1d", (2, 3, 4), ([2, 1],)),
    ("replication_pad1d", (3, 4), ([2, -1],)),
    ("reflection_pad2d", (2, 3, 4, 5), ([1, 2, 3, 0],)),
    ("replication_pad2d", (3, 4, 5), ([1, 2, 3, 0],)),
    ("reflection_pad3d", (2, 3, 4, 5), ([1, 2, 3, 0, 1, 1],)),
    ("replication_pad3d", (1, 2, 3, 4, 5), ([1, 2, 3, 0, 1, 1],)),
]


@pytest.mark.parametrize("name, shape, args", META_CASES)
def test_meta_and_out(name, shape, args):
    def meta(T):
        r = getattr(T.ops.aten, name).default(T.empty(shape, device="meta"), *args)
        return str(r.device), tuple(r.shape), str(r.dtype)

    def out_form(T):
        x = _x(T, *shape)
        ref = getattr(T.ops.aten, name).default(x, *args)
        out = T.empty(0, dtype=T.float64)
        r = getattr(T.ops.aten, name).out(x, *args, out=out)
        return r is out, bool((out == ref).all()), tuple(out.shape)
    assert outcome(kindling, meta) == outcome(torch, meta)
    assert outcome(kindling, out_form) == outcome(torch, out_form)


@pytest.mark.parametrize("kind, nd, shape, pad", [
    ("reflection", 1, (2, 3, 5), [2, 1]), ("replication", 2, (3, 4, 5), [2, 1, 0, 3]),
    ("reflection", 3, (2, 3, 4, 5), [1, 2, 0, 1, 2, 1])])
def test_backward_meta_and_grad_input(kind, nd, shape, pad):
    def run(T):
        x = _x(T, *shape)
        y = _pad_op(T, kind, nd).default(x, pad)
        g = _x(T, *y.shape, seed=1)
        ref = _pad_op(T, kind, nd, "_backward").default(g, x, pad)
        gi = T.empty(0, dtype=T.float64)
        r = _pad_op(T, kind, nd, "_backward").grad_input(g, x, pad, grad_input=gi)
        m = _pad_op(T, kind, nd, "_backward").default(g.to("meta"), x.to("meta"), pad)
        return r is gi, _np(gi).tolist() == _np(ref).tolist(), tuple(m.shape), str(m.device)
    assert outcome(kindling, run) == outcome(torch, run)


def test_functions_and_modules():
    F = kindling.nn.functional
    assert F.one_hot is kindling._C._nn.one_hot
    assert F.pad.__module__ == torch.nn.functional.pad.__module__
    for name in ("pad", "_pad_enum", "_pad_circular", "one_hot", "reflection_pad1d",
                 "reflection_pad2d", "reflection_pad3d", "replication_pad1d",
                 "replication_pad2d", "replication_pad3d"):
        assert hasattr(kindling._C._nn, name) == hasattr(torch._C._nn, name) is True
    assert kindling.constant_pad_nd(kindling.ones(1), [1, 0]).tolist() == [0.0, 1.0]
    for name in ("constant_pad_nd", "pad", "_pad_enum", "_pad_circular", "one_hot",
                 "reflection_pad2d", "replication_pad3d_backward"):
        k = getattr(kindling.ops.aten, name)
        t = getattr(torch.ops.aten, name)
        assert sorted(k.overloads()) == sorted(t.overloads())
        for o in k.overloads():
            assert str(getattr(k, o)._schema) == str(getattr(t, o)._schema)
