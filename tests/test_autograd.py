"""The autograd layer: graph recording, the engine, grad modes, hooks, views + in-place.

Every behaviour is checked against PyTorch: the same code runs on both (``T`` is the module).
"""
import re
import threading
import warnings

import numpy as np
import pytest

import kindling


def both(torch):
    return [kindling, torch]


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def same_error(torch, fn):
    """``fn(T)`` raises the same error type and message in kindling and PyTorch."""
    k, t = _err(lambda: fn(kindling)), _err(lambda: fn(torch))
    assert t is not None, "PyTorch did not raise"
    assert k == t


def _rand(T, *shape, seed=0, dtype="float64"):
    v = np.random.default_rng(seed).uniform(-2, 2, size=shape)
    return T.tensor(v, dtype=getattr(T, dtype))


# ---- graph recording ----------------------------------------------------------------------------
def test_mul_graph(torch):
    for T in both(torch):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        assert type(y.grad_fn).__name__ == "MulBackward0"
        assert y.grad_fn.name() == "MulBackward0"
        assert y.requires_grad and not y.is_leaf and x.is_leaf
        acc = y.grad_fn.next_functions[0][0]
        assert type(acc).__name__ == "AccumulateGrad"
        assert acc.name() == "torch::autograd::AccumulateGrad"
        assert acc.variable is x
        assert y.grad_fn.next_functions[1][0] is acc
        assert y.grad_fn._saved_self is x
        assert y.grad_fn._saved_other is x
        assert y.grad_fn.metadata == {}
        assert isinstance(y.grad_fn, T.autograd.graph.Node)
        assert repr(y).endswith("grad_fn=<MulBackward0>)")


@pytest.mark.parametrize("expr,name,saved", [
    ("x + y", "AddBackward0", {"_saved_alpha": 1}),
    ("x.sum()", "SumBackward0", {"_saved_self_sym_sizes": (2, 3)}),
    ("x.sum(1, keepdim=True)", "SumBackward1", {"_saved_dim": (1,), "_saved_keepdim": True}),
    ("x.mean()", "MeanBackward0", {"_saved_self_sym_numel": 6}),
    ("x.t()", "TBackward0", {}),
    ("x.view(6)", "ViewBackward0", {"_saved_self_sym_sizes": (2, 3)}),
    ("x.transpose(0, 1)", "TransposeBackward0", {"_saved_dim0": 0, "_saved_dim1": 1}),
    ("x[0]", "SelectBackward0", {"_saved_dim": 0, "_saved_index": 0}),
    ("x[:, 1:]", "SliceBackward0", {"_saved_start": 1, "_saved_step": 1}),
    ("x.unsqueeze(0)", "UnsqueezeBackward0", {"_saved_dim": 0}),
    ("x.clone()", "CloneBackward0", {}),
    ("x.to(T.float32)", "ToCopyBackward0", {}),
    ("x.exp()", "ExpBackward0", {}),
    ("x.relu()", "ReluBackward0", {}),
    ("x.tanh()", "TanhBackward0", {}),
    ("x.sigmoid()", "SigmoidBackward0", {}),
    ("x.pow(2)", "PowBackward0", {"_saved_exponent": 2}),
    ("x ** y", "PowBackward1", {}),
    ("x * 2", "MulBackward0", {}),
    ("x.mul(2)", "MulBackward0", {}),
    ("T.ops.aten.mul.Scalar(x, 2)", "MulBackward1", {"_saved_other": 2}),
    ("x / y", "DivBackward0", {}),
    ("-x", "NegBackward0", {}),
    ("x - y", "SubBackward0", {}),
    ("x @ y.t()", "MmBackward0", {"_saved_self_sym_sizes": (2, 3)}),
    ("T.addmm(y[0, :2], x, y.t())", "AddmmBackward0", {"_saved_beta": 1, "_saved_alpha": 1}),
    ("x.expand(4, 2, 3)", "ExpandBackward0", {"_saved_self_sym_sizes": (2, 3)}),
    ("x.max(1)[0]", "MaxBackward0", {"_saved_dim": 1}),
    ("x.amax(1)", "AmaxBackward0", {"_saved_dim": (1,)}),
    ("T.cat([x, y])", "CatBackward0", {"_saved_dim": 0}),
    ("x.split(1)[0]", "SplitBackward0", {"_saved_split_size": 1}),
    ("x.clamp(-1, 1)", "ClampBackward1", {"_saved_min": -1, "_saved_max": 1}),
    ("T.where(x > 0, x, y)", "WhereBackward0", {}),
    ("x.abs()", "AbsBackward0", {}),
    ("x.permute(1, 0)", "PermuteBackward0", {"_saved_dims": (1, 0)}),
    ("x.var(1)", "VarBackward0", {"_saved_dim": (1,)}),
    ("x.std()", "StdBackward0", {}),
    ("x.logsumexp(1)", "LogsumexpBackward0", {"_saved_dim": (1,)}),
    ("x.cumsum(1)", "CumsumBackward0", {"_saved_dim": 1}),
    ("x.flip(0)", "FlipBackward0", {"_saved_dims": (0,)}),
    ("x.diagonal()", "DiagonalBackward0", {}),
    ("x.prod()", "ProdBackward0", {}),
    ("T.ops.aten.norm.Scalar(x)", "NormBackward0", {"_saved_p": 2}),
])
def test_node_names_and_saved(torch, expr, name, saved):
    for T in both(torch):
        x = _rand(T, 2, 3).requires_grad_()
        y = _rand(T, 2, 3, seed=1).abs().requires_grad_()
        out = eval(expr)
        tname = type(out.grad_fn).__name__
        assert tname == name, (T.__name__, tname)
        for k, v in saved.items():
            got = getattr(out.grad_fn, k)
            assert got == v, (T.__name__, k, got)


def test_saved_tensor_attributes(torch):
    for T in both(torch):
        x = _rand(T, 3).requires_grad_()
        y = x.exp()
        np.testing.assert_allclose(_np(y.grad_fn._saved_result), _np(y))
        assert y.grad_fn._saved_result is not y
        assert y.grad_fn._saved_result.grad_fn is y.grad_fn
        z = x * 3.0
        assert z.grad_fn._saved_other == 3.0


def test_no_graph_for_nondifferentiable(torch):
    for T in both(torch):
        x = _rand(T, 3).requires_grad_()
        assert (x > 0).grad_fn is None and not (x > 0).requires_grad
        assert x.argmax().grad_fn is None
        assert x.detach().grad_fn is None and not x.detach().requires_grad
        assert T.zeros_like(x).grad_fn is None
        assert x.to(T.int64).grad_fn is None
        with T.no_grad():
            assert (x * 2).grad_fn is None


def test_floor_divide_not_implemented(torch):
    def f(T):
        x = _rand(T, 3).requires_grad_()
        y = T.floor_divide(x, 2.0)
        assert type(y.grad_fn).__name__ == "NotImplemented"
        assert y.grad_fn.name() == "torch::autograd::NotImplemented"
        y.sum().backward()
    same_error(torch, f)


# ---- the engine ---------------------------------------------------------------------------------
def _grads(T, fn, shapes, seed=0):
    xs = [_rand(T, *s, seed=seed + i).requires_grad_() for i, s in enumerate(shapes)]
    out = fn(T, *xs)
    out.backward()
    return [x.grad for x in xs]


@pytest.mark.parametrize("fn,shapes", [
    (lambda T, a, b: ((a + b) * b).sum(), [(4,), (4,)]),
    (lambda T, a, b: (a @ b).relu().sum(), [(3, 4), (4, 2)]),
    (lambda T, a, b: (a * b).sum(), [(2, 3), (3,)]),        # broadcasting
    (lambda T, a: (a.exp() / (1 + a * a)).log().sum(), [(5,)]),
    (lambda T, a: a.sigmoid().tanh().mean(), [(2, 3)]),
    (lambda T, a: (a[0] * a[1]).sum(), [(2, 3)]),
    (lambda T, a: a.t().reshape(6).cumsum(0).sum(), [(2, 3)]),
    (lambda T, a, b: T.cat([a, b * 2], 1).pow(2).sum(), [(2, 3), (2, 2)]),
    (lambda T, a: a.max(), [(3, 4)]),
    (lambda T, a: a.max(1)[0].sum(), [(3, 4)]),
    (lambda T, a: a.var(0).sum() + a.std(1).sum(), [(3, 4)]),
    (lambda T, a, b: T.addmm(b, a, a.t()).sum(), [(2, 3), (2,)]),
    (lambda T, a: a.prod(1).sum(), [(3, 4)]),
    (lambda T, a: (a.unbind(0)[1] * 3).sum(), [(3, 2)]),
    (lambda T, a: a.expand(2, 3, 4).sum(), [(3, 1)]),
    (lambda T, a: T.stack([a, a * 2]).sum(), [(3,)]),
    (lambda T, a: a.norm(), [(3, 4)]),
    (lambda T, a: a.logsumexp(0).sum(), [(3, 4)]),
    (lambda T, a: a.clamp(-0.5, 0.5).sum(), [(3, 4)]),
    (lambda T, a, b: T.maximum(a, b).sum(), [(3,), (3,)]),
    (lambda T, a: a[T.tensor([0, 2, 0])].sum(), [(3, 2)]),
])
def test_backward_matches_torch(torch, fn, shapes):
    gk = _grads(kindling, fn, shapes)
    gt = _grads(torch, fn, shapes)
    for a, b in zip(gk, gt):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12)


def test_grad_accumulates_in_place(torch):
    for T in both(torch):
        x = _rand(T, 3).requires_grad_()
        (x * 2).sum().backward()
        g = x.grad
        (x * 3).sum().backward()
        assert x.grad is g
        np.testing.assert_allclose(_np(x.grad), [5, 5, 5])


def test_autograd_grad_does_not_touch_grad(torch):
    for T in both(torch):
        x = _rand(T, 3).requires_grad_()
        y = _rand(T, 3, seed=1).requires_grad_()
        out = (x * y).sum()
        gx, gy = T.autograd.grad(out, (x, y))
        assert x.grad is None and y.grad is None
        np.testing.assert_allclose(_np(gx), _np(y))
        assert isinstance(T.autograd.grad((x * 2).sum(), x), tuple)


def test_grad_of_intermediate(torch):
    for T in both(torch):
        x = _rand(T, 3).requires_grad_()
        h = x * 2
        out = (h * h).sum()
        (gh,) = T.autograd.grad(out, h)
        np.testing.assert_allclose(_np(gh), 2 * _np(h))


def test_grad_allow_unused_and_materialize(torch):
    for T in both(torch):
        x = _rand(T, 2).requires_grad_()
        z = _rand(T, 2).requires_grad_()
        r = T.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
        assert r[1] is None
        r = T.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)
        np.testing.assert_allclose(_np(r[1]), [0, 0])

    def f(T):
        a, b = T.ones(2, requires_grad=True), T.ones(2, requires_grad=True)
        T.autograd.grad((a * 2).sum(), [a, b])
    same_error(torch, f)
    same_error(torch, lambda T: T.autograd.grad((T.ones(2, requires_grad=True) * 2).sum(),
                                                [T.ones(2)]))


def test_backward_errors(torch):
    same_error(torch, lambda T: (T.ones(3, requires_grad=True) * 2).backward())
    same_error(torch, lambda T: T.ones(2).sum().backward())
    same_error(torch, lambda T: (T.ones(2, requires_grad=True) * 2).backward(T.ones(3)))

    def twice(T):
        a = T.ones(3, requires_grad=True)
        c = (a * a).sum()
        c.backward()
        c.backward()
    same_error(torch, twice)

    def saved_after_free(T):
        a = T.ones(3, requires_grad=True)
        c = a * a
        c.sum().backward()
        return c.grad_fn._saved_self
    same_error(torch, saved_after_free)


def test_retain_graph_and_create_graph(torch):
    for T in both(torch):
        x = T.tensor([2.0, 3.0], requires_grad=True)
        y = (x ** 3).sum()
        (g,) = T.autograd.grad(y, x, create_graph=True)
        assert g.requires_grad
        (gg,) = T.autograd.grad(g.sum(), x)
        np.testing.assert_allclose(_np(gg), 6 * _np(x))
        z = (x * x).sum()
        z.backward(retain_graph=True)
        z.backward()
        np.testing.assert_allclose(_np(x.grad), 4 * _np(x))


def test_double_backward_matches(torch):
    res = []
    for T in both(torch):
        x = _rand(T, 3, 2).requires_grad_()
        w = _rand(T, 2, 2, seed=3).requires_grad_()
        y = (x @ w).tanh().pow(2).sum()
        (gx,) = T.autograd.grad(y, x, create_graph=True)
        (gw,) = T.autograd.grad((gx * gx).sum(), w)
        res.append(_np(gw))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10)


def test_backward_inputs(torch):
    for T in both(torch):
        a = _rand(T, 3).requires_grad_()
        b = _rand(T, 3, seed=1).requires_grad_()
        h = a * b
        (h * h).sum().backward(inputs=[a, h])
        assert b.grad is None
        assert a.grad is not None and h.grad is not None
        assert h.retains_grad


def test_retain_grad(torch):
    for T in both(torch):
        x = _rand(T, 3).requires_grad_()
        h = x * 2
        h.retain_grad()
        assert h.retains_grad
        (h * h).sum().backward()
        np.testing.assert_allclose(_np(h.grad), 2 * _np(h))
    same_error(torch, lambda T: T.ones(2).retain_grad())


def test_nonleaf_grad_warns(torch):
    msgs = []
    for T in both(torch):
        h = T.ones(2, requires_grad=True) * 2
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            assert h.grad is None
        msgs.append(str(w[0].message).split(" (Triggered")[0])
    assert msgs[0] == msgs[1]


def test_grad_setter(torch):
    def wrong_size(T):
        a = T.ones(4, requires_grad=True)
        a.grad = T.ones(3)
    same_error(torch, wrong_size)

    def wrong_dtype(T):
        a = T.ones(4, requires_grad=True)
        a.grad = T.ones(4, dtype=T.float64)
    same_error(torch, wrong_dtype)
    for T in both(torch):
        a = T.ones(2, requires_grad=True)
        g = T.ones(2)
        a.grad = g
        assert a.grad is g
        del a.grad
        assert a.grad is None


def test_requires_grad_rules(torch):
    same_error(torch, lambda T: T.ones(2, dtype=T.long).requires_grad_())
    same_error(torch, lambda T: (T.ones(2, requires_grad=True) * 2).requires_grad_(False))
    for T in both(torch):
        x = T.ones(2)
        x.requires_grad = True
        assert x.requires_grad and x.is_leaf
        y = x * 2
        y.requires_grad_()  # no-op on a non-leaf that requires grad
        d = x.data
        assert not d.requires_grad and d._version == 0
        d.add_(1)
        assert x._version == 0


def test_detach_and_detach_(torch):
    for T in both(torch):
        x = T.ones(3, requires_grad=True)
        y = x * 2
        d = y.detach()
        assert d.grad_fn is None and not d.requires_grad
        d.add_(1)
        assert y._version == 1
        y.detach_()
        assert y.grad_fn is None and not y.requires_grad

    def view_detach_(T):
        a = T.ones(2, requires_grad=True) * 2
        a[0:1].detach_()
    same_error(torch, view_detach_)


# ---- grad modes ---------------------------------------------------------------------------------
def test_grad_modes(torch):
    for T in both(torch):
        x = T.ones(2, requires_grad=True)
        assert T.is_grad_enabled()
        with T.no_grad():
            assert not T.is_grad_enabled()
            with T.enable_grad():
                assert T.is_grad_enabled()
                assert (x * 2).requires_grad
            assert not (x * 2).requires_grad
        with T.set_grad_enabled(False):
            assert not T.is_grad_enabled()
        assert T.is_grad_enabled()
        T.set_grad_enabled(False)
        assert not T.is_grad_enabled()
        T.set_grad_enabled(True)

        @T.no_grad()
        def f(a):
            return a * 2

        @T.no_grad
        def g(a):
            return a * 2
        assert not f(x).requires_grad and not g(x).requires_grad

        @T.enable_grad()
        def gen():
            yield T.is_grad_enabled()
        with T.no_grad():
            assert next(gen()) is True
        with T.inference_mode():
            assert not T.is_grad_enabled() and T.is_inference_mode_enabled()
            assert not (x * 2).requires_grad
        assert not T.is_inference_mode_enabled()


def test_grad_mode_is_thread_local():
    seen = []
    with kindling.no_grad():
        t = threading.Thread(target=lambda: seen.append(kindling.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


# ---- hooks ----------------------------------------------------------------------------------------
def test_hook_order_and_results(torch):
    logs = []
    for T in both(torch):
        log = []
        x = T.ones(2, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: log.append("tensor hook"))
        y.grad_fn.register_prehook(lambda go: log.append("prehook"))
        y.grad_fn.register_hook(lambda gi, go: log.append(("hook", len(gi), len(go))))
        y.retain_grad()
        x.register_hook(lambda g: log.append("leaf hook"))
        x.register_post_accumulate_grad_hook(lambda t: log.append("post acc"))
        y.sum().backward()
        logs.append(log)
    assert logs[0] == logs[1]


def test_hook_replaces_grad_and_remove(torch):
    for T in both(torch):
        x = T.ones(2, requires_grad=True)
        y = x * 2
        h = y.register_hook(lambda g: g * 10)
        y.sum().backward()
        np.testing.assert_allclose(_np(x.grad), [20, 20])
        h.remove()
        x.grad = None
        (x * 2).sum().backward()
        np.testing.assert_allclose(_np(x.grad), [2, 2])
        x.grad = None
        hx = x.register_hook(lambda g: g + 1)
        (x * 2).sum().backward()
        np.testing.assert_allclose(_np(x.grad), [3, 3])
        hx.remove()


def test_hook_errors(torch):
    same_error(torch, lambda T: T.ones(2).register_hook(lambda g: g))
    same_error(torch, lambda T: (T.ones(2, requires_grad=True) * 2)
               .register_post_accumulate_grad_hook(lambda t: None))


def test_node_hooks_modify(torch):
    for T in both(torch):
        x = T.ones(2, requires_grad=True)
        y = x * 3
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0, gi[1]) if len(gi) == 2 else None)
        y.grad_fn.register_prehook(lambda go: (go[0] * 2,))
        (y.sum()).backward()
        np.testing.assert_allclose(_np(x.grad), [0, 0])


# ---- views and in-place ---------------------------------------------------------------------------
def test_inplace_errors(torch):
    same_error(torch, lambda T: T.ones(3, requires_grad=True).add_(1))
    same_error(torch, lambda T: T.ones(3, requires_grad=True)[0].add_(1))

    def saved(T):
        a = T.ones(2, 3, dtype=T.float64, requires_grad=True)
        b = a + 1
        c = b * b
        b.add_(1)
        c.sum().backward()
    same_error(torch, saved)

    def saved_leaf(T):
        a = T.ones(3, requires_grad=True)
        c = a * a
        with T.no_grad():
            a.add_(1)
        c.sum().backward()
    same_error(torch, saved_leaf)

    def nograd_view(T):
        a = T.ones(3, requires_grad=True).clone()
        with T.no_grad():
            v = a[0:2]
        v.mul_(2)
    same_error(torch, nograd_view)

    def multi_view(T):
        a = T.ones(4, requires_grad=True).clone()
        a.split(2)[0].mul_(2)
    same_error(torch, multi_view)
    same_error(torch, lambda T: T.add(T.ones(3, requires_grad=True), 1,
                                      out=T.empty(3)))


def test_inplace_history(torch):
    res = []
    for T in both(torch):
        x = _rand(T, 4).requires_grad_()
        y = x * 2
        y.mul_(x)
        assert type(y.grad_fn).__name__ == "MulBackward0"
        y.exp_()
        assert type(y.grad_fn).__name__ == "ExpBackward0"
        y.sum().backward()
        res.append(_np(x.grad))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10)


def test_inplace_on_view(torch):
    res = []
    for T in both(torch):
        a = _rand(T, 4).requires_grad_()
        b = a.clone()
        v = b[1:3]
        v.mul_(T.tensor([2.0, 3.0], dtype=T.float64))
        assert type(b.grad_fn).__name__ == "CopySlices"
        assert type(v.grad_fn).__name__ == "AsStridedBackward0"
        assert v._base is b
        (b * b).sum().backward()
        res.append(_np(a.grad))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10)


def test_setitem_records_copyslices(torch):
    res = []
    for T in both(torch):
        a = _rand(T, 2).requires_grad_()
        z = T.zeros(4, dtype=T.float64)
        z[1:3] = a * 5
        assert type(z.grad_fn).__name__ == "CopySlices"
        (z * T.arange(4.0, dtype=T.float64)).sum().backward()
        res.append(_np(a.grad))
    np.testing.assert_allclose(res[0], res[1])


def test_view_of_base_modified(torch):
    for T in both(torch):
        a = T.ones(4, requires_grad=True).clone()
        v = a[0:2]
        a.mul_(2)
        assert type(v.grad_fn).__name__ == "AsStridedBackward0"
        b = T.zeros(3)
        w = b[0:2]
        b.copy_(T.ones(3, requires_grad=True))
        assert w.requires_grad
        assert type((w * 2).grad_fn.next_functions[0][0]).__name__ == "AsStridedBackward0"


def test_inplace_view_of_view_gradients(torch):
    res = []
    for T in both(torch):
        x = _rand(T, 3, 4).requires_grad_()
        y = x * 1
        y[1][2:].add_(y[0][:2] * 3)
        y.t()[0].mul_(-1)
        y.pow(2).sum().backward()
        res.append(_np(x.grad))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10)


# ---- anomaly mode --------------------------------------------------------------------------------
def test_anomaly_mode(torch):
    for T in both(torch):
        assert not T.is_anomaly_enabled()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with T.autograd.detect_anomaly():
                x = T.tensor([0.0], requires_grad=True)
                y = x.sqrt() * 0
                with pytest.raises(RuntimeError, match="returned nan values"):
                    y.backward()
        with T.autograd.set_detect_anomaly(True):
            assert T.is_anomaly_enabled()
        assert not T.is_anomaly_enabled()


def test_saved_tensors_hooks(torch):
    for T in both(torch):
        packed = []

        def pack(t):
            packed.append(t)
            return len(packed) - 1

        def unpack(i):
            return packed[i] * 1
        x = T.ones(3, requires_grad=True)
        with T.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = x * x
        assert len(packed) == 2
        y.sum().backward()
        np.testing.assert_allclose(_np(x.grad), [2, 2, 2])


def test_error_messages_match_regex():
    x = kindling.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape("element 0 of tensors")):
        kindling.autograd.backward([kindling.ones(2).sum()])
    assert x.grad is None


def test_hook_result_checks(torch):
    def size(T):
        x = T.ones(2, requires_grad=True)
        y = x * 2

        def myhook(g):
            return T.ones(3)
        y.register_hook(myhook)
        y.sum().backward()
    same_error(torch, size)

    def dtype(T):
        x = T.ones(2, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g.double())
        y.sum().backward()
    same_error(torch, dtype)

    def leaf(T):
        x = T.ones(2, requires_grad=True)
        x.register_hook(lambda g: T.ones(3))
        (x * 2).sum().backward()
    same_error(torch, leaf)


_CREATE_GRAPH_PROGRAM = """
import sys, warnings
T = __import__(sys.argv[1])
seen = []
for _ in range(2):
    x = T.ones(2, requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        (x * x).sum().backward(create_graph=True)
    seen.append([str(m.message).split(" (Triggered")[0] for m in w])
    assert x.grad.requires_grad
    assert type(x.grad.grad_fn).__name__ == "CopyBackwards"
T.set_warn_always(True)  # (then it is given every time)
x = T.ones(2, requires_grad=True)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    (x * x).sum().backward(create_graph=True)
seen.append(len(w))
print(seen)
"""


def test_create_graph_leaf_grad(torch):
    # (in fresh processes: PyTorch's engine gives this warning once per process, as kindling's)
    import subprocess
    import sys
    outs = [subprocess.run([sys.executable, "-c", _CREATE_GRAPH_PROGRAM, name],
                           capture_output=True, text=True, check=True).stdout
            for name in ("kindling", "torch")]
    assert outs[0] == outs[1]
    assert "Using backward() with create_graph=True" in outs[0] and outs[0].endswith("[], 1]\n")


def test_accumulation_order_and_stealing(torch):
    for T in both(torch):
        x = T.ones(2, requires_grad=True)
        g = T.ones(2)
        x.backward(g)
        assert x.grad is not g          # the caller still holds g: copied
        y = T.ones(2, requires_grad=True)
        y.view(2).backward(g)
        assert y.grad.data_ptr() == g.data_ptr()  # a fresh view is stolen, as in PyTorch
        z, w = T.ones(2, requires_grad=True), T.ones(2, requires_grad=True)
        (z + w).backward(g)
        assert z.grad.data_ptr() != g.data_ptr() and w.grad.data_ptr() != z.grad.data_ptr()


def test_custom_op_without_autograd_warns(torch):
    res = []
    for T in both(torch):
        lib = T.library.Library("autograd_fallback_t", "FRAGMENT")
        lib.define("twice(Tensor x) -> Tensor")

        def k(x):
            with T.no_grad():
                return x * 2
        lib.impl("twice", k, "CPU")
        x = T.ones(2, requires_grad=True)
        y = T.ops.autograd_fallback_t.twice(x)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y.sum().backward()
        res.append((type(y.grad_fn).__name__, y.grad_fn.name(), x.grad,
                    str(w[0].message).split(" (Triggered")[0]))
        del lib
    assert res[0] == res[1]
