"""Forward-mode AD and ``torch.autograd.functional`` against PyTorch."""
import numpy as np
import pytest

import kindling

# PyTorch's functional API warns about torch.jit.script deprecation from its own internals
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")


def _np(t):
    return t.detach().numpy()


def _t(T, *shape, seed=0):
    return T.tensor(np.random.default_rng(seed).uniform(-1, 1, size=shape), dtype=T.float64)


def _close(a, b):
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y)
        return
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-12)


def both(torch):
    return kindling, torch


# ---- forward AD ------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda T, x, w: (x @ w).tanh().sum(1),
    lambda T, x, w: (x * 2 + 1).exp().log1p().mean(),
    lambda T, x, w: x.t().reshape(-1)[1:4].sigmoid(),
    lambda T, x, w: T.cat([x, x * x], 0).relu().cumsum(0),
    lambda T, x, w: (x / (w.sum() + 3)).pow(2).sqrt(),
    lambda T, x, w: x.logsumexp(1) + x.max(),
    lambda T, x, w: T.where(x > 0, x, w.t() * 3).abs(),
])
def test_forward_ad_matches_torch(torch, fn):
    res = []
    for T in both(torch):
        fwAD = T.autograd.forward_ad
        x, w = _t(T, 2, 3), _t(T, 3, 2, seed=1)
        tx, tw = _t(T, 2, 3, seed=2), _t(T, 3, 2, seed=3)
        with fwAD.dual_level():
            out = fn(T, fwAD.make_dual(x, tx), fwAD.make_dual(w, tw))
            p, t = fwAD.unpack_dual(out)
            res.append((p, t))
    _close(res[0][0], res[1][0])
    _close(res[0][1], res[1][1])


def test_forward_ad_api(torch):
    for T in both(torch):
        fwAD = T.autograd.forward_ad
        x, t = T.ones(3), T.arange(3.0)
        with fwAD.dual_level() as lvl:
            assert lvl == 0
            d = fwAD.make_dual(x, t)
            assert d._base is x
            u = fwAD.unpack_dual(d)
            assert type(u).__name__ == "UnpackedDualTensor"
            assert u.tangent is t and u.primal._base is x
            assert fwAD.unpack_dual(x).tangent is None
        assert fwAD.unpack_dual(d).tangent is None


def test_forward_ad_errors(torch):
    def err(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
    for f in [
        lambda T: T.autograd.forward_ad.make_dual(T.ones(3), T.ones(3)),
        lambda T: _in_level(T, lambda fw: fw.make_dual(T.ones(3), T.ones(2))),
        lambda T: _in_level(T, lambda fw: T.floor_divide(fw.make_dual(T.ones(3), T.ones(3)),
                                                        2.0)),
        lambda T: _nested(T),
    ]:
        assert err(lambda: f(kindling)) == err(lambda: f(torch))


def _in_level(T, fn):
    fw = T.autograd.forward_ad
    with fw.dual_level():
        return fn(fw)


def _nested(T):
    fw = T.autograd.forward_ad
    with fw.dual_level():
        with fw.dual_level():
            pass


# ---- functional ------------------------------------------------------------------------------------
def _f1(x):
    return (x * x).sum()


def _f2(x, y):
    return (x.exp() * y).sum(0), x @ y.t()


def test_vjp_jvp(torch):
    res = []
    for T in both(torch):
        F = T.autograd.functional
        x, y = _t(T, 2, 3), _t(T, 2, 3, seed=1)
        v = (_t(T, 3, seed=2), _t(T, 2, 2, seed=3))
        out1 = F.vjp(_f1, x)
        out2 = F.vjp(_f2, (x, y), v)
        out3 = F.jvp(_f2, (x, y), (_t(T, 2, 3, seed=4), _t(T, 2, 3, seed=5)))
        out4 = F.vhp(_f1, x, _t(T, 2, 3, seed=6))
        out5 = F.hvp(lambda a: (a.pow(3)).sum(), x, _t(T, 2, 3, seed=6))
        res.append((out1, out2, out3, out4, out5))
    _close(res[0], res[1])


def test_jacobian_hessian(torch):
    res = []
    for T in both(torch):
        F = T.autograd.functional
        x, y = _t(T, 2, 3), _t(T, 2, 3, seed=1)
        j1 = F.jacobian(lambda a: a.exp(), x)
        j2 = F.jacobian(_f2, (x, y))
        j3 = F.jacobian(lambda a, b: (a * b).sum(1), (x, y))
        h1 = F.hessian(lambda a: (a.pow(3) * 2).sum(), x)
        h2 = F.hessian(lambda a, b: (a * b.sin()).sum(), (x, y))
        jc = F.jacobian(lambda a: a * a, x, create_graph=True)
        res.append((j1, j2, j3, h1, h2, jc))
        assert jc.requires_grad
    _close(res[0], res[1])


def test_functional_errors(torch):
    def err(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
    cases = [
        lambda T: T.autograd.functional.vjp(lambda a: a * 2, T.ones(2)),
        lambda T: T.autograd.functional.jacobian(lambda a: T.ones(2), T.ones(2), strict=True),
        lambda T: T.autograd.functional.hessian(lambda a: a * 2, T.ones(2)),
        lambda T: T.autograd.functional.vjp(lambda a: a, 3),
    ]
    for f in cases:
        assert err(lambda: f(kindling)) == err(lambda: f(torch))
    for T in both(torch):
        j = T.autograd.functional.jacobian(lambda a, b: a * 2, (T.ones(2), T.ones(2)))
        assert not np.any(_np(j[1]))


def test_forward_ad_inplace(torch):
    res = []
    for T in both(torch):
        fwAD = T.autograd.forward_ad
        with fwAD.dual_level():
            x = fwAD.make_dual(_t(T, 3), _t(T, 3, seed=1))
            y = x * 1
            y.mul_(x)
            y.exp_()
            res.append(fwAD.unpack_dual(y))
    _close(res[0][0], res[1][0])
    _close(res[0][1], res[1][1])
