"""torch.nn.functional's losses (and their aten ops) against PyTorch: values, dtypes, shapes,
backward node names, first and second gradients, forward-mode tangents, errors and messages,
warnings, and the aten ops a dispatch mode sees."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402
import kindling.nn.functional as KF  # noqa: E402

from _parity import call_outcome, dispatch_log, same_grads_to_second_order  # noqa: E402

TF = torch.nn.functional


def _data(shape, seed=0, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape)


def _np(t):
    if t._is_zerotensor():  # (an efficient zero tensor has no storage)
        return np.zeros(tuple(t.shape))
    if t.__class__.__module__.startswith("torch"):
        return t.detach().numpy()
    return np.asarray(t.detach().tolist())


def _same(a, b, rtol=1e-7, atol=1e-9):
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(_np(b), _np(a), rtol=rtol, atol=atol)


def _lib(T):
    return TF if T is torch else KF


def check(case, diff, fixed=(), *, gradgrad=True, fwad=True):
    """``case(F, T, *diff, *fixed)`` in both libraries (``diff``: float64 arrays that require
    grad; ``fixed``: values made into tensors without grad by ``T``): result, node name,
    gradients, second gradients, forward tangents."""
    def run(T, requires_grad=True, dual=None):
        ds = [T.tensor(a, requires_grad=requires_grad) for a in diff]
        if dual is not None:
            ds = [dual.make_dual(T.tensor(a), T.tensor(t)) for a, t in zip(diff, dual.tans)]
        fs = [f(T) for f in fixed]
        return case(_lib(T), T, *ds, *fs), ds
    rt, ts = run(torch)
    rk, ks = run(kindling)
    _same(rt, rk)
    assert rk.grad_fn.name() == rt.grad_fn.name()
    same_grads_to_second_order(torch, kindling, rt, rk, ts, ks, _data, _same, _np,
                               gradgrad)
    if fwad:
        import torch.autograd.forward_ad as tfw
        import kindling.autograd.forward_ad as kfw
        tans = [_data(np.shape(a), seed=20 + i) for i, a in enumerate(diff)]
        tfw.tans = kfw.tans = tans
        with tfw.dual_level():
            jt = tfw.unpack_dual(run(torch, False, tfw)[0]).tangent
        with kfw.dual_level():
            jk = kfw.unpack_dual(run(kindling, False, kfw)[0]).tangent
        _same(jt, jk)


X = _data((3, 4))
Y = _data((3, 4), seed=1)
P = _data((3, 4), seed=2, low=0.05, high=0.95)
Q = _data((3, 4), seed=3, low=0.05, high=0.95)
Q3 = Q * 3
X4 = _data((2, 3, 2, 2), seed=4)
X5 = _data((2, 3, 2, 1, 2), seed=5)


def _long(values):
    return lambda T: T.tensor(values)


def _float(arr):
    return lambda T: T.tensor(arr)


def _pos(arr):
    return lambda T: T.tensor(arr)


W4 = _data((4,), seed=6, low=0.5, high=2.0)
W3 = _data((3,), seed=8, low=0.5, high=2.0)
T3 = [1, 0, 3]
T4 = [[[0, 2], [1, 1]], [[2, -100], [0, 1]]]
T5 = np.random.default_rng(9).integers(0, 3, (2, 2, 1, 2)).tolist()

# name -> (case(F, T, *diff, *fixed), diff arrays, fixed makers)
CASES = {}
for red in ("mean", "sum", "none"):
    CASES[f"mse_{red}"] = (lambda F, T, x, y, r=red: F.mse_loss(x, y, reduction=r), (X, Y), ())
    CASES[f"l1_{red}"] = (lambda F, T, x, y, r=red: F.l1_loss(x, y, reduction=r), (X, Y), ())
    CASES[f"smooth_l1_{red}"] = (lambda F, T, x, y, r=red: F.smooth_l1_loss(
        x, y, reduction=r, beta=0.7), (X, Y), ())
    CASES[f"huber_{red}"] = (lambda F, T, x, y, r=red: F.huber_loss(
        x, y, reduction=r, delta=0.6), (X, Y), ())
    CASES[f"soft_margin_{red}"] = (lambda F, T, x, y, r=red: F.soft_margin_loss(
        x, y, reduction=r), (X,), (_float(np.sign(Y)),))
    CASES[f"nll_{red}"] = (lambda F, T, x, t, w, r=red: F.nll_loss(
        x, t, w, reduction=r), (X,), (_long(T3), _float(W4)))
    CASES[f"nll2d_{red}"] = (lambda F, T, x, t, r=red: F.nll_loss(x, t, reduction=r),
                             (X4,), (_long(T4),))
    CASES[f"nll_nd_{red}"] = (lambda F, T, x, t, w, r=red: F.nll_loss(x, t, w, reduction=r),
                              (X5,), (_long(T5), _float(W3)))
    CASES[f"ce_{red}"] = (lambda F, T, x, t, r=red: F.cross_entropy(x, t, reduction=r),
                          (X,), (_long(T3),))
    CASES[f"ce_ls_{red}"] = (lambda F, T, x, t, w, r=red: F.cross_entropy(
        x, t, w, reduction=r, label_smoothing=0.2), (X4,), (_long(T4), _float(W3)))
    CASES[f"ce_ls_noweight_{red}"] = (lambda F, T, x, t, r=red: F.cross_entropy(
        x, t, reduction=r, label_smoothing=0.3), (X,), (_long([1, -100, 2]),))
    CASES[f"ce_prob_{red}"] = (lambda F, T, x, p, w, r=red: F.cross_entropy(
        x, p, w, reduction=r, label_smoothing=0.1), (X, P), (_float(W4),))
    CASES[f"bce_{red}"] = (lambda F, T, p, q, w, r=red: F.binary_cross_entropy(
        p, q, w, reduction=r), (P, Q), (_float(W4),))
    CASES[f"bce_logits_{red}"] = (lambda F, T, x, q, w, pw, r=red:
                                  F.binary_cross_entropy_with_logits(
                                      x, q, w, reduction=r, pos_weight=pw),
                                  (X, Q), (_float(W4), _float(W4[::-1].copy())))
    CASES[f"kl_{red}"] = (lambda F, T, x, y, r=red: F.kl_div(x, y, reduction=r),
                          (X, Q), ())
    CASES[f"kl_log_{red}"] = (lambda F, T, x, y, r=red: F.kl_div(
        x, y, reduction=r, log_target=True), (X, Y), ())
    CASES[f"poisson_{red}"] = (lambda F, T, x, y, r=red: F.poisson_nll_loss(
        x, y, reduction=r), (X, Q), ())
    CASES[f"poisson_full_{red}"] = (lambda F, T, x, y, r=red: F.poisson_nll_loss(
        x.exp(), y * 3, log_input=False, full=True, reduction=r), (X, Q), ())
    CASES[f"gaussian_{red}"] = (lambda F, T, x, y, v, r=red: F.gaussian_nll_loss(
        x, y, v, full=True, reduction=r), (X, Y, Q), ())
CASES["kl_batchmean"] = (lambda F, T, x, y: F.kl_div(x, y, reduction="batchmean"), (X, Q), ())
CASES["nll_1d"] = (lambda F, T, x, t: F.nll_loss(x, t), (X[0],), (_long(2),))
CASES["ce_1d"] = (lambda F, T, x, t: F.cross_entropy(x, t), (X[0],), (_long(2),))
CASES["mse_broadcast"] = (lambda F, T, x, y: F.mse_loss(x, y[:1]), (X, Y), ())
CASES["mse_weight"] = (lambda F, T, x, y, w: F.mse_loss(x, y, weight=w), (X, Y),
                       (_float(P),))
CASES["huber_weight"] = (lambda F, T, x, y, w: F.huber_loss(x, y, weight=w), (X, Y),
                         (_float(P),))
CASES["linear_ce"] = (lambda F, T, x, w, t, b: F.linear_cross_entropy(
    x, w, t, linear_bias=b), (X, _data((5, 4), seed=12)), (_long(T3[:2] + [4]),
                                                           _float(W4[:1].repeat(5))))
CASES["linear_ce_kdim"] = (lambda F, T, x, w, t: F.linear_cross_entropy(
    x, w, t, reduction="sum"), (X, _data((3, 2, 4), seed=13)), (
        _long([[0, 1], [2, 2], [1, 0]]),))
NO_GRADGRAD = set()


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_matches_pytorch(name):
    case, diff, fixed = CASES[name]
    check(case, diff, fixed, gradgrad=name not in NO_GRADGRAD)


# the aten ops themselves, through torch.ops / torch._C._nn
OPS = {
    "mse_loss_backward": lambda T, x, y, g: T.ops.aten.mse_loss_backward(g, x, y, 0),
    "smooth_l1_loss_backward": lambda T, x, y, g: T.ops.aten.smooth_l1_loss_backward(
        g, x, y, 0, 0.5),
    "huber_loss_backward": lambda T, x, y, g: T.ops.aten.huber_loss_backward(g, x, y, 0, 0.5),
    "huber_loss_backward_sum": lambda T, x, y, g: T.ops.aten.huber_loss_backward(
        g.sum(), x, y, 2, 0.5),
    "mse_loss_backward_mean": lambda T, x, y, g: T.ops.aten.mse_loss_backward(
        g.sum(), x, y, 1),
    "soft_margin_loss_backward": lambda T, x, y, g: T.ops.aten.soft_margin_loss_backward(
        g.sum(), x, y.detach(), 1),
    "nll_loss_backward": lambda T, x, y, g: T.ops.aten.nll_loss_backward(
        g.sum(1), x, T.tensor(T3), None, 0, -100, T.tensor(0.0, dtype=T.float64)),
    "bce_backward": lambda T, x, y, g: T.ops.aten.binary_cross_entropy_backward(
        g, x.sigmoid(), y.sigmoid(), None, 0),
    "bce_backward_mean": lambda T, x, y, g: T.ops.aten.binary_cross_entropy_backward(
        g.sum(), x.sigmoid(), y.sigmoid(), T.tensor(W4), 1),
    "nll_loss_backward_mean": lambda T, x, y, g: T.ops.aten.nll_loss_backward(
        g.sum(), x, T.tensor(T3), T.tensor(W4), 1, 0, T.tensor(2.5, dtype=T.float64)),
    "nll_loss2d_backward": lambda T, x, y, g: T.ops.aten.nll_loss2d_backward(
        g[:2, :2].reshape(1, 2, 2), x.reshape(1, 3, 2, 2), T.tensor([[[0, 2], [1, -100]]]),
        None, 0, -100, T.tensor(0.0, dtype=T.float64)),
}


# (derivatives.yaml gives these no forward formula)
NO_FWAD = {"huber_loss_backward", "huber_loss_backward_sum", "soft_margin_loss_backward"}


@pytest.mark.parametrize("name", sorted(OPS))
def test_backward_op_matches_pytorch(name):
    G = _data((3, 4), seed=30)
    check(lambda F, T, x, y, g: OPS[name](T, x, y, g), (X, Y, G), fwad=name not in NO_FWAD)
    if name in NO_FWAD:
        def tangent(T):
            fw = T.autograd.forward_ad
            with fw.dual_level():
                x = fw.make_dual(T.tensor(X), T.tensor(Y))
                return OPS[name](T, x, T.tensor(Y), T.tensor(G))
        expected = call_outcome(lambda: tangent(torch))
        assert expected[0] == "raised" and call_outcome(lambda: tangent(kindling)) == expected


def test_nll_loss_forward_outputs():
    for T in (torch, kindling):
        x = T.tensor(X, requires_grad=True)
        out, tw = T.ops.aten.nll_loss_forward(x, T.tensor(T3), T.tensor(W4), 1, 1)
        assert not tw.requires_grad and out.grad_fn.name() == "NllLossBackward0"
    rt = torch.ops.aten.nll_loss_forward(torch.tensor(X), torch.tensor(T3), torch.tensor(W4),
                                         0, 1)
    rk = kindling.ops.aten.nll_loss_forward(kindling.tensor(X), kindling.tensor(T3),
                                            kindling.tensor(W4), 0, 1)
    for a, b in zip(rt, rk):
        _same(a, b)


x_ = X
ERRORS = [
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor([1, 5, 0])),
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor([1, -1, 0])),
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor([1, 1, 0], dtype=T.int32)),
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor([1, 1, 0], dtype=T.uint8)),
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor([-100, -100, -100])),
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor([1, 1])),
    lambda F, T: F.nll_loss(T.tensor(x_[0, 0]), T.tensor(1)),
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor(T3), T.ones(3, dtype=T.float64)),
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor(T3), T.ones(4)),
    lambda F, T: F.nll_loss(T.tensor(x_).reshape(1, 3, 4), T.zeros(1, 3, dtype=T.long)),
    lambda F, T: F.nll_loss(T.tensor(x_).reshape(1, 3, 2, 2), T.zeros(1, 2, 3, dtype=T.long)),
    lambda F, T: F.nll_loss(T.tensor(x_).reshape(1, 3, 2, 2), T.full((1, 2, 2), 7)),
    lambda F, T: F.nll_loss(T.tensor(x_).long(), T.tensor(T3)),
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor(T3), reduction="foo"),
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor(T3), size_average=False),
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor(T3), reduce=False),
    lambda F, T: F.cross_entropy(T.tensor(x_), T.ones(3, 4, dtype=T.long)),
    lambda F, T: F.cross_entropy(T.tensor(x_), T.tensor(P), ignore_index=1),
    lambda F, T: F.cross_entropy(T.tensor(x_), T.tensor(T3), label_smoothing=1.5),
    lambda F, T: F.cross_entropy(T.tensor(x_), T.tensor(P), label_smoothing=1.5),
    lambda F, T: F.cross_entropy(T.tensor(x_), T.tensor(P), T.ones(3, dtype=T.float64)),
    lambda F, T: F.cross_entropy(T.tensor(x_), T.tensor(T3), size_average=True, reduce=True),
    lambda F, T: F.binary_cross_entropy(T.tensor(x_), T.tensor(P)),
    lambda F, T: F.binary_cross_entropy(T.tensor(P), T.tensor(x_)),
    lambda F, T: F.binary_cross_entropy(T.tensor(P), T.tensor(Q[0])),
    lambda F, T: F.binary_cross_entropy(T.tensor(P), T.tensor(Q).long()),
    lambda F, T: F.binary_cross_entropy(T.tensor(P), T.tensor(Q), size_average=False),
    lambda F, T: F.binary_cross_entropy_with_logits(T.tensor(x_), T.tensor(Q[0])),
    lambda F, T: F.mse_loss(T.tensor(x_), T.tensor(Y[0])),
    lambda F, T: F.mse_loss(T.tensor(x_).long(), T.tensor(Y).long()),
    lambda F, T: F.mse_loss(T.tensor(x_), T.tensor(Y[:2])),
    lambda F, T: F.mse_loss(T.tensor(x_), T.tensor(Y), weight=T.ones(4)),
    lambda F, T: F.mse_loss(T.tensor(x_), T.tensor(Y), reduce=False),
    lambda F, T: F.l1_loss(T.tensor(x_), T.tensor(Y[1])),
    lambda F, T: F.l1_loss(T.tensor(x_).long(), T.tensor(Y).long()),
    lambda F, T: F.smooth_l1_loss(T.tensor(x_), T.tensor(Y), beta=-1),
    lambda F, T: F.smooth_l1_loss(T.tensor(x_), T.tensor(Y[0])),
    lambda F, T: F.huber_loss(T.tensor(x_), T.tensor(Y), delta=0),
    lambda F, T: F.huber_loss(T.tensor(x_), T.tensor(Y), reduction="foo"),
    lambda F, T: F.huber_loss(T.tensor(x_), T.tensor(Y), weight=T.ones(3, 4), reduction="x"),
    lambda F, T: F.kl_div(T.tensor(x_), T.tensor(Q)),
    lambda F, T: F.kl_div(T.tensor(x_).cdouble(), T.tensor(Q), reduction="sum"),
    lambda F, T: F.kl_div(T.tensor(x_).long(), T.tensor(Q), reduction="sum"),
    lambda F, T: F.kl_div(T.tensor(x_), T.tensor(Q), size_average=False),
    lambda F, T: F.poisson_nll_loss(T.tensor(x_), T.tensor(Q), reduction="foo"),
    lambda F, T: F.gaussian_nll_loss(T.tensor(x_), T.tensor(Y), T.ones(2)),
    lambda F, T: F.gaussian_nll_loss(T.tensor(x_), T.tensor(Y), -1.0),
    lambda F, T: F.gaussian_nll_loss(T.tensor(x_), T.tensor(Y), T.ones(3)),
    lambda F, T: F.gaussian_nll_loss(T.tensor(x_), T.tensor(Y), T.ones(3, 1), reduction="x"),
    lambda F, T: F.soft_margin_loss(T.tensor(x_).long(), T.tensor(Y).long()),
    lambda F, T: F.soft_margin_loss(T.tensor(x_), T.tensor(Y, requires_grad=True)),
    lambda F, T: F.nll_loss(T.tensor(x_), T.tensor(T3), T.tensor(W4, requires_grad=True)),
    lambda F, T: F.binary_cross_entropy(T.tensor(P), T.tensor(Q),
                                        T.tensor(W4, requires_grad=True)),
    lambda F, T: F.binary_cross_entropy_with_logits(T.tensor(x_), T.tensor(Q),
                                                    pos_weight=T.tensor(W4,
                                                                        requires_grad=True)),
    lambda F, T: T.ops.aten.nll_loss2d(T.tensor(x_).reshape(1, 3, 4),
                                       T.zeros(1, 4, dtype=T.long)),
    lambda F, T: T.ops.aten.nll_loss(T.tensor(x_).reshape(1, 3, 4),
                                     T.zeros(1, 4, dtype=T.long)),
    lambda F, T: T.ops.aten.nll_loss(T.tensor(x_), T.zeros(3, 1, dtype=T.long)),
    lambda F, T: T.ops.aten.mse_loss(T.tensor(x_).cdouble(), T.tensor(x_).cdouble()),
    lambda F, T: T.ops.aten.huber_loss(T.tensor(x_).long(), T.tensor(x_).long()),
    lambda F, T: T.ops.aten.binary_cross_entropy_with_logits(T.tensor(x_).long(),
                                                             T.tensor(x_).long()),
    lambda F, T: F.linear_cross_entropy(T.ones(2, 3, 3), T.ones(2, 3), T.ones(3, 2)),
    lambda F, T: F.linear_cross_entropy(T.ones(2, 3), T.ones(2), T.ones(2, 2)),
    lambda F, T: F.linear_cross_entropy(T.ones(2, 3), T.ones(2, 4), T.ones(2, 2)),
    lambda F, T: F.linear_cross_entropy(T.ones(2, 3), T.ones(2, 3), T.ones(2, 2),
                                        ignore_index=0),
    lambda F, T: F.linear_cross_entropy(T.ones(3), T.ones(2, 4, 3), T.ones(2, 4)),
    lambda F, T: F.linear_cross_entropy(T.ones(2, 3), T.ones(2, 3), T.ones(2),
                                        linear_bias=T.ones(3)),
]


def _plain(r):
    if isinstance(r, (torch.Tensor, kindling.Tensor)):
        return str(r.dtype).split(".")[-1], tuple(r.shape), np.round(_np(r), 9).tolist()
    return r


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_loss_errors_and_warnings(i):
    expected = call_outcome(lambda: ERRORS[i](TF, torch), _plain)
    got = call_outcome(lambda: ERRORS[i](KF, kindling), _plain)
    if expected[0] == "returned" and got[0] == "returned":
        assert expected[2] == got[2]
        np.testing.assert_equal(got[1], expected[1])
    else:
        assert got == expected


def test_under_no_grad_a_target_requiring_grad_is_accepted():
    for T, F in ((torch, TF), (kindling, KF)):
        with T.no_grad():
            F.soft_margin_loss(T.tensor(X), T.tensor(Y, requires_grad=True))


# name -> case(F, T) returning the call to log (its tensors made before the mode is on)
LOGGED = {
    "mse": lambda F, T: lambda: F.mse_loss(_t(T, X, True), _t(T, Y)),
    "smooth_l1_beta0": lambda F, T: lambda: F.smooth_l1_loss(_t(T, X), _t(T, Y), beta=0.0),
    "nll_nd": lambda F, T: lambda: F.nll_loss(_t(T, X5, True), _t(T, T5), reduction="none"),
    "ce_ls": lambda F, T: lambda: F.cross_entropy(_t(T, X, True), _t(T, T3), _t(T, W4),
                                                  label_smoothing=0.1),
    "ce_ls_noweight": lambda F, T: lambda: F.cross_entropy(_t(T, X), _t(T, T3),
                                                           label_smoothing=0.1),
    "ce_prob": lambda F, T: lambda: F.cross_entropy(_t(T, X), _t(T, P), _t(T, W4),
                                                    label_smoothing=0.2),
    "bce": lambda F, T: lambda: F.binary_cross_entropy(_t(T, P), _t(T, Q), _t(T, W4)),
    "bce_logits": lambda F, T: lambda: F.binary_cross_entropy_with_logits(
        _t(T, X), _t(T, Q), pos_weight=_t(T, W4)),
    "kl": lambda F, T: lambda: F.kl_div(_t(T, X), _t(T, Q), reduction="batchmean"),
    "kl_log": lambda F, T: lambda: F.kl_div(_t(T, X), _t(T, Y), reduction="sum",
                                            log_target=True),
    "poisson_full": lambda F, T: lambda: F.poisson_nll_loss(_t(T, Q), _t(T, Q3),
                                                            log_input=False, full=True),
    "gaussian": lambda F, T: lambda: F.gaussian_nll_loss(_t(T, X), _t(T, Y), _t(T, Q)),
}


def _t(T, a, requires_grad=False, _made={}):  # noqa: B006 (tensors made once per library)
    key = (T.__name__, id(a), requires_grad)
    if key not in _made:
        _made[key] = T.tensor(a, requires_grad=requires_grad)
    return _made[key]


@pytest.mark.parametrize("name", sorted(LOGGED))
def test_dispatch_log_matches(name):
    logs = []
    for T, F in ((torch, TF), (kindling, KF)):
        call = LOGGED[name](F, T)
        call()  # (makes the tensors: the second call, logged, reuses them)
        log, mode = dispatch_log(T)
        with mode:
            call()
        logs.append(log)
    assert logs[1] == logs[0]


def test_torch_and_nn_namespaces():
    for name in ("binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss"):
        assert callable(getattr(kindling, name))
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss",
                 "binary_cross_entropy", "nll_loss", "nll_loss2d", "nll_loss_nd",
                 "cross_entropy_loss"):
        assert hasattr(torch._C._nn, name)
        assert callable(getattr(kindling._C._nn, name))
    from kindling.nn import _reduction
    assert _reduction.get_enum("sum") == torch.nn._reduction.get_enum("sum")
    assert call_outcome(lambda: _reduction.get_enum("elementwise_mean")) == \
        call_outcome(lambda: torch.nn._reduction.get_enum("elementwise_mean"))
    for sa in (None, True, False):
        for r in (None, True, False):
            assert _reduction.legacy_get_string(sa, r, False) == \
                torch.nn._reduction.legacy_get_string(sa, r, False)


def test_float32_and_out_forms():
    a, b = np.float32(X), np.float32(Y)
    for fn in (lambda F, T: F.mse_loss(T.tensor(a), T.tensor(b)),
               lambda F, T: F.huber_loss(T.tensor(a), T.tensor(b), reduction="none"),
               lambda F, T: F.nll_loss(T.tensor(a), T.tensor(T3)),
               lambda F, T: F.binary_cross_entropy(T.tensor(a).sigmoid(), T.tensor(b).sigmoid())):
        _same(fn(TF, torch), fn(KF, kindling), rtol=1e-6, atol=1e-6)
    for T in (torch, kindling):
        out = T.empty(0, dtype=T.float64)
        r = T.ops.aten.mse_loss.out(T.tensor(X), T.tensor(Y), 0, out=out)
        assert r is out
    _same(torch.ops.aten.mse_loss.out(torch.tensor(X), torch.tensor(Y), 0,
                                      out=torch.empty(0, dtype=torch.float64)),
          kindling.ops.aten.mse_loss.out(kindling.tensor(X), kindling.tensor(Y), 0,
                                         out=kindling.empty(0, dtype=kindling.float64)))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_target_size_warning_points_at_the_caller(name):
    import warnings
    for T, F in ((torch, TF), (kindling, KF)):
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            getattr(F, name)(T.tensor(X), T.tensor(Y[0]))
        assert [w.filename for w in ws] == [__file__]


BACKWARD_LOGGED = {
    "mse": lambda F, T, x, y: F.mse_loss(x, y),
    "smooth_l1": lambda F, T, x, y: F.smooth_l1_loss(x, y, beta=0.5),
    "huber": lambda F, T, x, y: F.huber_loss(x, y, delta=0.5),
    "soft_margin": lambda F, T, x, y: F.soft_margin_loss(x, y.detach()),
    "nll": lambda F, T, x, y: F.nll_loss(x, T.tensor(T3), T.tensor(W4)),
    "ce_ls": lambda F, T, x, y: F.cross_entropy(x, T.tensor(T3), T.tensor(W4),
                                                label_smoothing=0.1),
    "ce_prob": lambda F, T, x, y: F.cross_entropy(x, y.softmax(1)),
    "bce": lambda F, T, x, y: F.binary_cross_entropy(x.sigmoid(), y.sigmoid(), T.tensor(W4)),
    "bce_backward": lambda F, T, x, y: T.ops.aten.binary_cross_entropy_backward(
        y[0, 0], x.sigmoid(), y.sigmoid(), None, 1).sum(),
    "bce_logits": lambda F, T, x, y: F.binary_cross_entropy_with_logits(
        x, y.sigmoid(), T.tensor(W4), pos_weight=T.tensor(W4)),
}


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("name", sorted(BACKWARD_LOGGED))
def test_backward_dispatch_log_matches(name, order):
    """The ops a mode sees in the backward pass (the formulas' ops), and in the backward of
    the first gradients (the double-backward formulas')."""
    logs = []
    for T, F in ((torch, TF), (kindling, KF)):
        x, y = T.tensor(X, requires_grad=True), T.tensor(P, requires_grad=True)
        out = BACKWARD_LOGGED[name](F, T, x, y)
        if order == 2:
            gs = T.autograd.grad(out, [x, y], create_graph=True, allow_unused=True)
            out = sum(g.sum() for g in gs if g is not None and g.requires_grad)
            if not isinstance(out, (torch.Tensor, kindling.Tensor)):
                pytest.skip("no second-order graph")
        log, mode = dispatch_log(T)
        with mode:
            T.autograd.grad(out, [x, y], allow_unused=True)
        logs.append(log)
    assert logs[1] == logs[0]


FW_LOGGED = {
    "mse_backward": lambda T, x, y: T.ops.aten.mse_loss_backward(y, x, y, 1),
    "smooth_l1_backward": lambda T, x, y: T.ops.aten.smooth_l1_loss_backward(y, x, y, 0, 0.5),
    "bce_backward": lambda T, x, y: T.ops.aten.binary_cross_entropy_backward(
        y, x.sigmoid(), y.sigmoid(), None, 1),
    "nll_backward": lambda T, x, y: T.ops.aten.nll_loss_backward(
        y[0, 0], x, _t(T, T3), _t(T, W4), 1, -100, _t(T, np.float64(3.0))),
    "huber": lambda T, x, y: T.nn.functional.huber_loss(x, y, delta=0.5),
}


@pytest.mark.parametrize("name", sorted(FW_LOGGED))
def test_forward_ad_dispatch_log_matches(name):
    """The ops a mode sees under forward AD (the forward formulas', or torch._decomp's
    ``nll_loss_backward`` where PyTorch has no formula)."""
    logs = []
    for T in (torch, kindling):
        fw = T.autograd.forward_ad
        FW_LOGGED[name](T, T.tensor(X), T.tensor(P))  # (makes the fixed tensors)
        with fw.dual_level():
            x = fw.make_dual(T.tensor(X), T.tensor(P))
            y = fw.make_dual(T.tensor(P), T.tensor(X))
            log, mode = dispatch_log(T)
            with mode:
                FW_LOGGED[name](T, x, y)
        logs.append(log)
    assert logs[1] == logs[0]


@pytest.mark.parametrize("name", ["nll_loss", "nll_loss2d"])
def test_nll_loss_out(name):
    shape, target = ((3, 4), T3) if name == "nll_loss" else ((2, 3, 2, 2), T4)
    res = []
    for T in (torch, kindling):
        out = T.empty(0, dtype=T.float64)
        r = getattr(T.ops.aten, name).out(T.tensor(_data(shape)), T.tensor(target), None, 0,
                                          -100, out=out)
        assert r is out
        res.append(r)
    _same(*res)
