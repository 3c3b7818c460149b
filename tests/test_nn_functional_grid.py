"""grid_sample / affine_grid, bilinear and embedding_bag against PyTorch: values, dtypes,
gradients (first and second order, forward mode), backward node names, the auxiliary outputs
of the aten ops, errors and their messages, warnings, the ops a TorchDispatchMode sees, and
meta tensors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import kindling  # noqa: E402
from _parity import call_outcome, dispatch_log  # noqa: E402


def _F(T):
    return T.nn.functional


def _np(t):
    return None if t is None else t.detach().numpy()


def _close(a, b, rtol=1e-7, atol=1e-9):
    assert (a is None) == (b is None)
    if a is not None:
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


def _both(fn):
    """``fn(T)`` for torch and kindling."""
    return fn(torch), fn(kindling)


def _grid_inputs(T, nd, seed, dtype=np.float64, spread=2.6):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 4, 5) if nd == 2 else (2, 3, 4, 5, 3)).astype(dtype)
    g = (rng.uniform(size=(2, 3, 4, 2) if nd == 2 else (2, 3, 2, 4, 3)) * spread -
         spread / 2).astype(dtype)
    return T.tensor(x, requires_grad=True), T.tensor(g, requires_grad=True)


GRID_CASES = [(nd, mode, pad, ac)
              for nd in (2, 3)
              for mode in ("bilinear", "nearest", "bicubic") if not (nd == 3 and mode == "bicubic")
              for pad in ("zeros", "border", "reflection")
              for ac in (False, True)]


# ---- grid_sample ---------------------------------------------------------------------------------
@pytest.mark.parametrize("nd, mode, pad, ac", GRID_CASES)
def test_grid_sample_values_grads_and_second_order(nd, mode, pad, ac):
    res = []
    for T in (torch, kindling):
        x, g = _grid_inputs(T, nd, seed=nd)
        y = _F(T).grid_sample(x, g, mode=mode, padding_mode=pad, align_corners=ac)
        go = T.tensor(np.random.default_rng(7).standard_normal(tuple(y.shape)),
                      requires_grad=True)
        gx, gg = T.autograd.grad(y, (x, g), go, create_graph=True)
        loss = (gx * gx.detach()).sum() + (gg * gg.detach() * 3).sum()
        second = T.autograd.grad(loss, (x, g, go), allow_unused=True)
        res.append((y.grad_fn.name(), gx.grad_fn.name(), _np(y), _np(gx), _np(gg),
                    [_np(s) for s in second]))
    (tn, tn2, *tv, ts), (kn, kn2, *kv, ks) = res
    assert (kn, kn2) == (tn, tn2)
    for a, b in zip(tv, kv):
        _close(a, b)
    for a, b in zip(ts, ks):
        _close(a, b, rtol=1e-9, atol=1e-10)


def test_grid_sample_float32_and_mask():
    def run(T):
        x, g = _grid_inputs(T, 2, seed=3, dtype=np.float32)
        y = _F(T).grid_sample(x, g, mode="bicubic", padding_mode="reflection",
                              align_corners=False)
        out = T.ops.aten.grid_sampler_2d_backward(T.ones_like(y), x.detach(), g.detach(), 2, 2,
                                                  False, [False, True])
        return _np(y), out[0], _np(out[1])
    (ty, tgi, tgg), (ky, kgi, kgg) = _both(run)
    _close(ty, ky, rtol=1e-5, atol=1e-5)
    assert tgi is None and kgi is None
    _close(tgg, kgg, rtol=1e-4, atol=1e-4)


def test_grid_sample_forward_ad_is_refused():
    def run(T):
        x, g = _grid_inputs(T, 2, seed=1)
        fw = T.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(x.detach(), T.ones_like(x))
            return call_outcome(lambda: _F(T).grid_sample(d, g.detach(), align_corners=False))
    t, k = _both(run)
    assert k == t and t[0] == "raised"


def _gs_errors(T):
    F = _F(T)
    x = T.zeros(2, 3, 4, 5)
    g = T.zeros(2, 3, 3, 2)
    x5 = T.zeros(2, 3, 4, 5, 6)
    g5 = T.zeros(2, 3, 3, 3, 3)
    return [
        lambda: F.grid_sample(x, g, mode="area"),
        lambda: F.grid_sample(x, g, padding_mode="circular"),
        lambda: tuple(F.grid_sample(x, g).shape),          # the align_corners warning
        lambda: tuple(F.grid_sample(x, g, align_corners=True).shape),
        lambda: T.grid_sampler(x, T.zeros(3, 3, 3, 2), 0, 0, False),
        lambda: T.grid_sampler(x, T.zeros(2, 3, 3, 3), 0, 0, False),
        lambda: T.grid_sampler(T.zeros(2, 3, 0, 5), g, 0, 0, False),
        lambda: T.grid_sampler(T.zeros(2, 3, 4), T.zeros(2, 3, 1), 0, 0, False),
        lambda: T.grid_sampler(x5, T.zeros(2, 3, 3, 3), 0, 0, False),
        lambda: T.grid_sampler(x5, g5, 2, 0, False),
        lambda: T.grid_sampler_2d(x5, g5, 0, 0, False),
        lambda: T.grid_sampler_3d(x, g, 0, 0, False),
        lambda: T.grid_sampler_2d(x, g.double(), 0, 0, False),
        lambda: T.grid_sampler_2d(x.long(), g, 0, 0, False),
        lambda: T.grid_sampler_3d(x5.long(), g5.long(), 0, 0, False),
        lambda: T.grid_sampler_2d(x.cdouble(), g.cdouble(), 0, 0, False),
        lambda: T.ops.aten.grid_sampler_2d_backward(T.zeros(2, 3, 3, 3).long(), x.long(),
                                                    g.long(), 0, 0, False, [True, True]),
        lambda: T.ops.aten.grid_sampler_3d_backward(T.zeros(2, 3, 3, 3, 3).long(), x5.long(),
                                                    g5.long(), 0, 0, False, [True, True]),
        lambda: tuple(T.grid_sampler(T.zeros(0, 3, 4, 5), T.zeros(0, 3, 3, 2), 0, 0,
                                     False).shape),
        lambda: tuple(T.grid_sampler(T.zeros(2, 0, 4, 5), g, 1, 2, True).shape),
    ]


def test_grid_sample_errors_and_warnings():
    t, k = _both(lambda T: [call_outcome(f) for f in _gs_errors(T)])
    assert k == t


# ---- affine_grid ---------------------------------------------------------------------------------
@pytest.mark.parametrize("size, ac", [([2, 3, 4, 5], False), ([2, 3, 4, 5], True),
                                      ([2, 3, 4, 5, 3], False), ([2, 1, 1, 5], True)])
def test_affine_grid_values_grads_and_tangents(size, ac):
    def run(T):
        rng = np.random.default_rng(0)
        theta = T.tensor(rng.standard_normal((2, 2, 3) if len(size) == 4 else (2, 3, 4)),
                         requires_grad=True)
        y = _F(T).affine_grid(theta, size, align_corners=ac)
        gt, = T.autograd.grad((y ** 2).sum(), theta, create_graph=True)
        gg, = T.autograd.grad(gt.sum(), theta)
        fw = T.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(theta.detach(), T.ones_like(theta))
            tangent = fw.unpack_dual(_F(T).affine_grid(d, size, align_corners=ac)).tangent
        return (y.grad_fn.name(), gt.grad_fn.name(), y.stride(), _np(y), _np(gt), _np(gg),
                _np(tangent))
    t, k = _both(run)
    assert k[:3] == t[:3]
    for a, b in zip(t[3:], k[3:]):
        _close(a, b)


def test_affine_grid_errors_and_warnings():
    def cases(T):
        F = _F(T)
        th = T.zeros(2, 2, 3)
        return [
            lambda: tuple(F.affine_grid(th, [2, 3, 4, 5]).shape),
            lambda: F.affine_grid(th.long(), [2, 3, 4, 5], align_corners=False),
            lambda: F.affine_grid(th, [2, 3, 4, 5, 6], align_corners=False),
            lambda: F.affine_grid(T.zeros(2, 3, 4), [2, 3, 4, 5], align_corners=False),
            lambda: F.affine_grid(th, [2, 3, 4], align_corners=False),
            lambda: tuple(F.affine_grid(th, [2, 3, 1, 5], align_corners=True).shape),
            lambda: F.affine_grid(th, [2, 3, 0, 5], align_corners=False),
            lambda: T.affine_grid_generator(th, [2, 3, 4], False),
            lambda: T.affine_grid_generator(th, [3, 3, 4, 5], False),
            lambda: str(T.affine_grid_generator(th.long(), [2, 3, 4, 5], False).dtype),
        ]
    t, k = _both(lambda T: [call_outcome(f) for f in cases(T)])
    assert k == t


# ---- bilinear ------------------------------------------------------------------------------------
@pytest.mark.parametrize("shapes", [((4, 3), (4, 5), (6, 3, 5), (6,)),
                                    ((2, 4, 3), (2, 4, 5), (6, 3, 5), None),
                                    ((3,), (5,), (6, 3, 5), (6,)),
                                    ((0, 3), (0, 5), (6, 3, 5), (6,))])
def test_bilinear_values_grads_tangents_and_second_order(shapes):
    def run(T):
        rng = np.random.default_rng(1)
        ts = [None if s is None else T.tensor(rng.standard_normal(s), requires_grad=True)
              for s in shapes]
        y = _F(T).bilinear(*ts)
        diff = [t for t in ts if t is not None]
        gs = T.autograd.grad((y ** 2).sum(), diff, create_graph=True)
        gg = T.autograd.grad(sum(g.sum() for g in gs), diff, allow_unused=True)
        fw = T.autograd.forward_ad
        with fw.dual_level():
            duals = [None if t is None else fw.make_dual(t.detach(), T.ones_like(t))
                     for t in ts]
            tangent = fw.unpack_dual(T.bilinear(*duals)).tangent
        return (y.grad_fn.name(), [_np(g) for g in gs], [_np(g) for g in gg], _np(y),
                _np(tangent))
    t, k = _both(run)
    assert k[0] == t[0]
    for a, b in zip(t[1] + t[2] + [t[3], t[4]], k[1] + k[2] + [k[3], k[4]]):
        _close(a, b)


def test_bilinear_and_trilinear_errors():
    def cases(T):
        a, b, w, bb = T.zeros(4, 3), T.zeros(4, 5), T.zeros(6, 3, 5), T.zeros(6)
        F = _F(T)
        tri = T._trilinear
        return [
            lambda: F.bilinear(a.double(), b, w, bb),
            lambda: F.bilinear(a, b, w.double()),
            lambda: F.bilinear(a[None], b, w, bb),
            lambda: F.bilinear(a[:3], b, w, bb),
            lambda: F.bilinear(a, b, T.zeros(6, 4, 5), bb),
            lambda: F.bilinear(a, b, T.zeros(6, 3, 4), bb),
            lambda: F.bilinear(a, b, w, T.zeros(5)),
            lambda: F.bilinear(T.tensor(1.), T.tensor(2.), w, bb),
            lambda: F.bilinear(a, b, T.zeros(6, 3), bb),
            lambda: str(F.bilinear(a.long(), b.long(), w.long(), bb.long()).dtype),
            lambda: F.bilinear(a.cdouble(), b.cdouble(), w.cdouble().requires_grad_(),
                               bb.cdouble()),
            lambda: tri(a, w, b, [1, 3], [0], [1], [2, 3]),
            lambda: tri(a, T.zeros(6, 4, 5), b, [1, 3], [0], [1, 2], [2, 3]),
            lambda: tri(a, w, b, [1, 3], [0], [1, 2], [2, 3], 9),
            lambda: tri(a, w, b, [1, 1], [0], [1, 2], [2, 3]),
            lambda: tri(a, w, b, [1, 7], [0], [1, 2], [2, 3]),
            lambda: tri(a.double(), w, b, [1, 3], [0], [1, 2], [2, 3]),
            lambda: tuple(tri(a, w, b, [1, 3], [0], [1, 2], []).shape),
        ]
    t, k = _both(lambda T: [call_outcome(f) for f in cases(T)])
    assert k == t


# ---- embedding_bag -------------------------------------------------------------------------------
_IDX = [1, 2, 4, 5, 4, 3, 2, 9]


def _eb_aux(T, dtype, mode, rg, fn="embedding_bag", offsets=(0, 4, 4), ilo=False, pad=None,
            psw=False, idt="int64"):
    rng = np.random.default_rng(0)
    w = T.tensor(rng.standard_normal((10, 3)).astype(dtype), requires_grad=rg)
    idx = T.tensor(np.array(_IDX, idt))
    off = T.tensor(np.array(offsets, idt))
    p = T.ones(8, dtype=w.dtype) if psw else None
    args = (w, idx, off, False, mode, False, p, ilo)
    if fn == "embedding_bag":
        r = T.embedding_bag(*args, pad)
    else:
        r = getattr(T, fn)(*args, -1 if pad is None else pad)
    return [(str(t.dtype).split(".")[-1], tuple(t.shape), _np(t).tolist()) for t in r]


@pytest.mark.parametrize("dtype, mode, rg, fn, kw", [
    (dt, m, rg, fn, kw)
    for dt in (np.float32, np.float64) for m in (0, 1, 2) for rg in (False, True)
    for fn in ("embedding_bag", "_embedding_bag")
    for kw in ({}, {"ilo": True, "offsets": (0, 2, 4)}, {"pad": 4}, {"idt": "int32"})
    if not (fn == "_embedding_bag" and kw.get("pad") is None and "pad" in kw)
] + [(np.float32, 0, False, "embedding_bag", {"psw": True}),
     (np.float64, 0, False, "_embedding_bag_forward_only", {"psw": True, "pad": 2})])
def test_embedding_bag_aten_outputs(dtype, mode, rg, fn, kw):
    t, k = _both(lambda T: _eb_aux(T, dtype, mode, rg, fn, **kw))
    assert [x[:2] for x in k] == [x[:2] for x in t]
    np.testing.assert_allclose(np.array(k[0][2]), np.array(t[0][2]), rtol=1e-6, atol=1e-6)
    assert [x[2] for x in k[1:]] == [x[2] for x in t[1:]]


EB_GRAD_CASES = [dict(mode=m, **kw) for m in ("sum", "mean", "max") for kw in (
    {}, {"padding_idx": 4}, {"padding_idx": -8}, {"offsets": [0, 3, 8],
                                                  "include_last_offset": True})] + [
    dict(mode="sum", scale_grad_by_freq=True), dict(mode="mean", scale_grad_by_freq=True,
                                                    padding_idx=2),
    dict(mode="sum", per_sample_weights=True), dict(mode="sum", per_sample_weights=True,
                                                    padding_idx=4),
    dict(mode="mean", two_d=True), dict(mode="max", two_d=True)]


@pytest.mark.parametrize("kw", EB_GRAD_CASES, ids=lambda kw: ",".join(sorted(kw)) +
                         f"-{kw['mode']}")
def test_embedding_bag_values_and_grads(kw):
    def run(T):
        kw_ = dict(kw)
        rng = np.random.default_rng(2)
        w = T.tensor(rng.standard_normal((10, 3)), requires_grad=True)
        idx = T.tensor(_IDX)
        offsets = T.tensor(kw_.pop("offsets", [0, 4]))
        if kw_.pop("two_d", False):
            idx, offsets = idx.view(2, 4), None
        diff = [w]
        if kw_.pop("per_sample_weights", False):
            p = T.tensor(rng.standard_normal(8), requires_grad=True)
            kw_["per_sample_weights"] = p
            diff.append(p)
        y = _F(T).embedding_bag(idx, w, offsets, **kw_)
        gs = T.autograd.grad((y ** 2).sum(), diff)
        return y.grad_fn.name(), _np(y), [_np(g) for g in gs]
    t, k = _both(run)
    assert k[0] == t[0]
    _close(t[1], k[1])
    for a, b in zip(t[2], k[2]):
        _close(a, b)


def test_embedding_bag_errors_and_warnings():
    def cases(T):
        F = _F(T)
        w = T.zeros(10, 3, requires_grad=True)
        idx, off = T.tensor(_IDX), T.tensor([0, 4])
        eb = T.embedding_bag
        wd = T.zeros(10, 3, dtype=T.float64)

        def dbl():
            y = F.embedding_bag(idx, w, off)
            gw, = T.autograd.grad((y ** 2).sum(), w, create_graph=True)
            return T.autograd.grad(gw.sum(), w)

        def fwad():
            fw = T.autograd.forward_ad
            with fw.dual_level():
                return F.embedding_bag(idx, fw.make_dual(w.detach(), T.ones_like(w)), off)
        return [
            lambda: tuple(F.embedding_bag(w.detach(), idx, off).shape),   # argument order
            lambda: F.embedding_bag(idx, w, off, per_sample_weights=T.ones(7)),
            lambda: F.embedding_bag(idx, w[None], off),
            lambda: F.embedding_bag(idx, w),
            lambda: F.embedding_bag(idx, w, off.view(1, 2)),
            lambda: F.embedding_bag(idx.view(2, 2, 2), w),
            lambda: F.embedding_bag(idx, w, off, mode="min"),
            lambda: F.embedding_bag(idx, w, off, mode="max", scale_grad_by_freq=True),
            lambda: F.embedding_bag(idx, w, off, mode="max", sparse=True),
            lambda: F.embedding_bag(idx, w, off, per_sample_weights=T.ones(8)),
            lambda: F.embedding_bag(idx, w, off, padding_idx=10),
            lambda: F.embedding_bag(idx, w, off, padding_idx=-11),
            lambda: eb(wd, idx.float(), off, False, 1, False, None, False),
            lambda: eb(wd.long(), idx, off, False, 1, False, None, False),
            lambda: eb(wd, idx, T.tensor([1, 4]), False, 1, False, None, False),
            lambda: eb(wd, idx, T.tensor([0, 9]), False, 1, False, None, False),
            lambda: eb(wd, T.tensor([1, 10]), T.tensor([0]), False, 1, False, None, False),
            lambda: eb(wd, T.tensor([1, -1]), T.tensor([0]), False, 2, False, None, False),
            lambda: eb(w, T.tensor([1, 10]), T.tensor([0]), False, 0, False, None, False),
            lambda: eb(w, idx, off, False, 1, False, T.ones(8), False),
            lambda: eb(w, idx, off, False, 0, False, T.ones(8).double(), False),
            lambda: eb(w, idx, off, False, 0, False, T.ones(8, 1), False),
            lambda: eb(w, idx, off, False, 0, False, T.ones(7), False),
            lambda: eb(w, idx, T.tensor([], dtype=T.long), False, 0, False, None, True),
            lambda: eb(w, idx.view(2, 2, 2), off, False, 0, False, None, False),
            lambda: eb(w, idx, off.view(1, 2), False, 0, False, None, False),
            lambda: eb(w[0], idx, off, False, 0, False, None, False),
            dbl,
            fwad,
        ]
    t, k = _both(lambda T: [call_outcome(f, plain=lambda r: tuple(r) if isinstance(r, tuple)
                                         else r) for f in cases(T)])
    assert k == t


def test_embedding_bag_sparse_gradient_is_refused_with_a_name():
    w = kindling.zeros(10, 3, requires_grad=True)
    y = kindling.nn.functional.embedding_bag(kindling.tensor(_IDX), w, kindling.tensor([0, 4]),
                                             sparse=True)
    with pytest.raises(NotImplementedError, match="sparse"):
        y.sum().backward()


# ---- what a dispatch mode sees, and meta tensors -------------------------------------------------
def _mode_cases(T):
    F = _F(T)
    rng = np.random.default_rng(4)

    def t(*s):
        return T.tensor(rng.standard_normal(s), requires_grad=True)
    x, g, th = t(2, 3, 4, 5), t(2, 3, 3, 2), t(2, 2, 3)
    a, b, w, bb = t(4, 3), t(4, 5), t(6, 3, 5), t(6)
    W, psw = t(10, 3), t(8)
    x5, g5 = t(1, 2, 3, 3, 3), t(1, 2, 2, 2, 3)
    idx, off = T.tensor(_IDX), T.tensor([0, 4])
    return [
        lambda: F.grid_sample(x, g, align_corners=False),
        lambda: F.grid_sample(x5, g5, align_corners=True),
        lambda: F.affine_grid(th, [2, 3, 4, 5], align_corners=False),
        lambda: F.bilinear(a, b, w, bb),
        lambda: F.embedding_bag(idx, W, off, mode="max"),
        lambda: F.embedding_bag(idx, W, off, mode="sum", per_sample_weights=psw),
        lambda: F.embedding_bag(idx.view(2, 4), W, mode="mean"),
        lambda: F.embedding_bag(idx, W.detach(), off),
    ]


@pytest.mark.parametrize("case", range(8))
def test_dispatch_mode_sees_pytorchs_ops(case):
    def run(T):
        log, mode = dispatch_log(T)
        fn = _mode_cases(T)[case]
        with mode:
            out = fn()
            log.append(f"node {out.grad_fn.name() if out.grad_fn is not None else None}")
            if out.requires_grad:
                out.sum().backward()
        return log
    t, k = _both(run)
    assert k == t


def test_meta_tensors():
    def run(T):
        m = "meta"
        x, g = T.empty(2, 3, 4, 5, device=m), T.empty(2, 3, 3, 2, device=m)
        x5, g5 = T.empty(2, 3, 4, 5, 6, device=m), T.empty(2, 7, 3, 3, 3, device=m)
        w, idx = T.empty(10, 3, device=m), T.empty(8, dtype=T.long, device=m)
        off = T.empty(3, dtype=T.long, device=m)
        outs = [T.grid_sampler_2d(x, g, 0, 0, False), T.grid_sampler_3d(x5, g5, 1, 2, True),
                *T.ops.aten.grid_sampler_2d_backward(T.empty(2, 3, 3, 3, device=m), x, g, 0, 0,
                                                     False, [True, True]),
                T.affine_grid_generator(T.empty(2, 2, 3, device=m), [2, 3, 4, 5], False),
                T._trilinear(T.empty(4, 3, device=m), T.empty(6, 3, 5, device=m),
                             T.empty(4, 5, device=m), [1, 3], [0], [1, 2], [2, 3])]
        for mode in (0, 1, 2):
            outs += list(T._embedding_bag(w, idx, off, False, mode))
        return [(tuple(o.shape), str(o.dtype).split(".")[-1], o.device.type) for o in outs]
    t, k = _both(run)
    assert k == t


def test_out_overloads_exist_as_in_pytorch():
    names = ["grid_sampler_2d", "grid_sampler_3d", "grid_sampler_2d_backward",
             "grid_sampler_3d_backward", "affine_grid_generator", "_trilinear", "_embedding_bag",
             "_embedding_bag_forward_only", "_embedding_bag_dense_backward",
             "_embedding_bag_per_sample_weights_backward", "embedding_bag", "grid_sampler",
             "bilinear", "_embedding_bag_backward", "affine_grid_generator_backward"]
    for n in names:
        t = getattr(torch.ops.aten, n)
        k = getattr(kindling.ops.aten, n)
        assert sorted(k.overloads()) == sorted(t.overloads()), n
        for o in t.overloads():
            assert str(getattr(k, o)._schema) == str(getattr(t, o)._schema), (n, o)


def test_public_names():
    for name in ("grid_sampler", "grid_sampler_2d", "grid_sampler_3d", "affine_grid_generator",
                 "bilinear", "_trilinear", "embedding_bag", "_embedding_bag",
                 "_embedding_bag_forward_only"):
        assert hasattr(kindling, name) == hasattr(torch, name), name
    for name in ("grid_sample", "affine_grid", "bilinear", "embedding_bag"):
        assert hasattr(kindling.nn.functional, name), name


def test_embedding_bag_max_norm_renormalises_weight_as_pytorch():
    """``max_norm`` renormalises the looked-up rows of ``weight`` in place first
    (``embedding_renorm_``), then bags them."""
    import numpy as np

    def case(T):
        F = T.nn.functional
        w = T.tensor(np.arange(15.).reshape(5, 3) / 7)
        r = F.embedding_bag(T.tensor([0, 1, 2, 4]), w, T.tensor([0, 2]), max_norm=0.5)
        return r.tolist(), w.tolist()
    (kr, kw), (tr, tw) = case(kindling), case(torch)
    np.testing.assert_allclose(kr, tr, rtol=1e-13)
    np.testing.assert_allclose(kw, tw, rtol=1e-13)
