"""torch.nn.functional's margin, ranking, embedding and CTC losses, the distances, and the
aten ops ``segment_reduce`` and ``_safe_softmax`` against PyTorch: values, dtypes, shapes,
gradients (first and second order, forward mode), backward node names, errors and their
messages, the legacy ``size_average``/``reduce`` warning, and the ops a TorchDispatchMode
sees."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import kindling  # noqa: E402
from _parity import call_outcome, dispatch_log  # noqa: E402

F_T = torch.nn.functional
F_K = kindling.nn.functional
INF = float("inf")


def _F(T):
    return F_T if T is torch else F_K


def _np(t):
    # (kindling's second derivative of a p=1 norm is a ZeroTensor where PyTorch materializes
    # zeros; the values are what is compared)
    if t._is_zerotensor():
        return np.zeros(tuple(t.shape))
    return t.detach().numpy()


def _run(fn, arrays, T, grad=True):
    ts = []
    for a in arrays:
        t = T.tensor(a)
        if grad and t.is_floating_point():
            t.requires_grad_(True)
        ts.append(t)
    return fn(T, _F(T), *ts), ts


def _compare(fn, arrays, grad=True, rtol=1e-7, atol=1e-9, seed=99):
    """``fn(T, F, *tensors)`` in both libraries: outputs (dtype, shape, values), the backward
    node's name and the floating inputs' gradients for one random output gradient."""
    res = {}
    for T in (torch, kindling):
        out, ts = _run(fn, arrays, T, grad)
        r = {"out": (str(out.dtype).split(".")[-1], tuple(out.shape), _np(out))}
        if grad:
            r["node"] = None if out.grad_fn is None else out.grad_fn.name()
            g = np.random.default_rng(seed).standard_normal(tuple(out.shape))
            diff = [t for t in ts if t.requires_grad]
            gs = T.autograd.grad(out, diff, T.tensor(g, dtype=out.dtype), allow_unused=True)
            r["grads"] = [None if x is None else _np(x) for x in gs]
        res[T.__name__] = r
    t, k = res["torch"], res["kindling"]
    assert k["out"][:2] == t["out"][:2]
    np.testing.assert_allclose(k["out"][2], t["out"][2], rtol=rtol, atol=atol)
    if grad:
        assert k["node"] == t["node"]
        for a, b in zip(t["grads"], k["grads"]):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


R = np.random.default_rng(0)
X34 = R.standard_normal((3, 4))
Y34 = R.standard_normal((3, 4))
Z34 = R.standard_normal((3, 4))
SIGN3 = np.array([1.0, -1.0, 1.0])
LONG3 = np.array([0, 2, 1])
ML_TARGET = np.array([[0, 2, -1, 0], [1, -1, 0, 0], [3, 2, 1, 0]])

CASES = [
    ("pairwise_distance", lambda T, F, a, b: F.pairwise_distance(a, b), [X34, Y34]),
    ("pairwise_distance p1 keepdim",
     lambda T, F, a, b: T.pairwise_distance(a, b, 1.0, 1e-3, True), [X34, Y34]),
    ("pairwise_distance broadcast", lambda T, F, a, b: F.pairwise_distance(a, b, 3),
     [X34, Y34[0]]),
    ("cosine_similarity", lambda T, F, a, b: F.cosine_similarity(a, b), [X34, Y34]),
    ("cosine_similarity dim0 broadcast",
     lambda T, F, a, b: T.cosine_similarity(a, b, 0, 1e-3), [X34, Y34[:1]]),
    ("hinge_embedding_loss", lambda T, F, a, y: F.hinge_embedding_loss(a, y),
     [X34[0, :3], SIGN3]),
    ("hinge_embedding_loss none", lambda T, F, a, y: F.hinge_embedding_loss(
        a, y, margin=0.5, reduction="none"), [X34[0, :3], SIGN3]),
    ("cosine_embedding_loss", lambda T, F, a, b, y: F.cosine_embedding_loss(a, b, y, 0.1),
     [X34, Y34, SIGN3]),
    ("cosine_embedding_loss 0d target", lambda T, F, a, b, y: F.cosine_embedding_loss(
        a, b, y, reduction="sum"), [X34[0], Y34[0], np.array(-1.0)]),
    ("margin_ranking_loss", lambda T, F, a, b, y: F.margin_ranking_loss(a, b, y, 0.2),
     [X34[0, :3], Y34[0, :3], SIGN3]),
    ("multi_margin_loss", lambda T, F, a, y: F.multi_margin_loss(a, y), [X34, LONG3]),
    ("multi_margin_loss p2 weight none", lambda T, F, a, y, w: F.multi_margin_loss(
        a, y, p=2, margin=0.7, weight=w.detach(), reduction="none"),
     [X34, LONG3, np.abs(Z34[0])]),
    ("multi_margin_loss 1d sum", lambda T, F, a, y: F.multi_margin_loss(
        a, y, reduction="sum"), [X34[0], LONG3[:1]]),
    ("multilabel_margin_loss", lambda T, F, a, y: F.multilabel_margin_loss(a, y),
     [X34, ML_TARGET]),
    ("multilabel_margin_loss none", lambda T, F, a, y: F.multilabel_margin_loss(
        a, y, reduction="none"), [X34, ML_TARGET]),
    ("multilabel_margin_loss 1d", lambda T, F, a, y: F.multilabel_margin_loss(
        a, y, reduction="sum"), [X34[1], ML_TARGET[1]]),
    ("multilabel_soft_margin_loss", lambda T, F, a, y, w: F.multilabel_soft_margin_loss(
        a, y, weight=w), [X34, (Y34 > 0).astype(float), np.abs(Z34[0])]),
    ("triplet_margin_loss", lambda T, F, a, p, n: F.triplet_margin_loss(a, p, n),
     [X34, Y34, Z34]),
    ("triplet_margin_loss swap p1", lambda T, F, a, p, n: F.triplet_margin_loss(
        a, p, n, margin=2.0, p=1, swap=True, reduction="none"), [X34, Y34, Z34]),
    ("triplet_margin_with_distance_loss", lambda T, F, a, p, n:
     F.triplet_margin_with_distance_loss(a, p, n, swap=True, reduction="sum"),
     [X34, Y34, Z34]),
    ("triplet_margin_with_distance_loss cosine", lambda T, F, a, p, n:
     F.triplet_margin_with_distance_loss(
         a, p, n, distance_function=lambda x, y: 1 - F.cosine_similarity(x, y)),
     [X34, Y34, Z34]),
    ("segment_reduce max axis1", lambda T, F, d, lengths: T.segment_reduce(
        d, "max", lengths=lengths, axis=1), [X34, np.array([[1, 3], [2, 2], [4, 0]])]),
    ("segment_reduce prod initial", lambda T, F, d, lengths: T._segment_reduce(
        d, "prod", lengths=lengths, initial=2), [X34, np.array([2, 0, 1])]),
    ("segment_reduce mean offsets", lambda T, F, d, offsets: T.segment_reduce(
        d, "mean", offsets=offsets, unsafe=True), [X34, np.array([0, 1, 1, 3])]),
    ("_safe_softmax", lambda T, F, x: T.ops.aten._safe_softmax(x, 1),
     [np.where(X34 > 0.5, -INF, X34)]),
    ("_safe_softmax masked row", lambda T, F, x: T._safe_softmax(x, -1),
     [np.array([[-INF, -INF], [1.0, 2.0]])]),
]


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_values_grads_and_nodes(name, fn, arrays):
    _compare(fn, arrays)


@pytest.mark.parametrize("name, fn, arrays", CASES[:4] + CASES[5:10] + CASES[16:21],
                         ids=[c[0] for c in CASES[:4] + CASES[5:10] + CASES[16:21]])
def test_float32_values(name, fn, arrays):
    arrays = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in arrays]
    _compare(fn, arrays, rtol=1e-5, atol=1e-6)


# ---- CTC ---------------------------------------------------------------------------------------
def _ctc_inputs(T, batched=True, dtype=None):
    rng = np.random.default_rng(5)
    lp = rng.standard_normal((7, 3, 5) if batched else (7, 5))
    lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    return T.tensor(lp, dtype=dtype or T.float64, requires_grad=True)


CTC_CASES = [
    ("lists mean", lambda T, lp: _F(T).ctc_loss(lp, T.tensor([[1, 2, 2], [3, 1, 0], [4, 4, 4]]),
                                                [7, 5, 3], [3, 2, 3])),
    ("tensors sum concat", lambda T, lp: _F(T).ctc_loss(
        lp, T.tensor([1, 2, 2, 3, 1, 4]), T.tensor([7, 6, 4]), T.tensor([3, 2, 1]),
        reduction="sum")),
    ("none blank 4 zero_infinity", lambda T, lp: _F(T).ctc_loss(
        lp, T.tensor([[1, 2, 3], [3, 3, 3], [0, 1, 0]], dtype=T.int32), [7, 2, 7], [3, 3, 0],
        blank=4, reduction="none", zero_infinity=True)),
    ("tensors mean", lambda T, lp: T.ctc_loss(lp, T.tensor([[1, 2], [3, 1], [2, 2]]),
                                              T.tensor([7, 7, 1]), T.tensor([2, 1, 0]), 0, 1)),
    ("_ctc_loss", lambda T, lp: T._ctc_loss(lp, T.tensor([[1, 2], [3, 1], [2, 2]]), [7, 7, 4],
                                            [2, 1, 2])[0]),
]


@pytest.mark.parametrize("name, fn", CTC_CASES, ids=[c[0] for c in CTC_CASES])
def test_ctc_loss(name, fn):
    res = {}
    for T in (torch, kindling):
        lp = _ctc_inputs(T)
        out = fn(T, lp)
        g = T.tensor(np.random.default_rng(3).standard_normal(tuple(out.shape)))
        (gr,) = T.autograd.grad(out, lp, g)
        res[T.__name__] = (tuple(out.shape), _np(out), out.grad_fn.name(), _np(gr))
    t, k = res["torch"], res["kindling"]
    assert (k[0], k[2]) == (t[0], t[2])
    np.testing.assert_allclose(k[1], t[1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(k[3], t[3], rtol=1e-9, atol=1e-12)


def test_ctc_unbatched_and_float32():
    for batched, dt in ((False, "float64"), (True, "float32")):
        res = []
        for T in (torch, kindling):
            lp = _ctc_inputs(T, batched, getattr(T, dt))
            tg = T.tensor([1, 2, 2]) if not batched else T.tensor([[1, 2], [3, 1], [2, 2]])
            il, tl = ([6], [3]) if not batched else ([7, 7, 4], [2, 1, 2])
            if not batched:
                il, tl = T.tensor(6), T.tensor(3)
            out = _F(T).ctc_loss(lp, tg, il, tl, reduction="none")
            (gr,) = T.autograd.grad(out.sum(), lp)
            res.append((str(out.dtype), tuple(out.shape), _np(out), _np(gr)))
        assert res[0][:2] == res[1][:2]
        np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-5)
        np.testing.assert_allclose(res[1][3], res[0][3], rtol=1e-5, atol=1e-6)


# ---- second order and forward mode -------------------------------------------------------------
def _first_input_run(T, fn, arrays, prepare):
    """``fn`` with the first array as the differentiated input (``prepare`` makes it) and the
    others as constant tensors."""
    x = prepare(T.tensor(arrays[0]))
    return x, fn(T, _F(T), x, *[T.tensor(a) for a in arrays[1:]])


DIFFERENTIABLE_TWICE = [0, 3, 5, 7, 9, 16, 17, 18, 19, 24]


@pytest.mark.parametrize("i", DIFFERENTIABLE_TWICE)
def test_double_backward(i):
    name, fn, arrays = CASES[i]
    res = []
    for T in (torch, kindling):
        x, out = _first_input_run(T, fn, arrays, lambda t: t.requires_grad_())
        (g,) = T.autograd.grad(out.sum(), x, create_graph=True)
        s = (g * g).sum()
        res.append(_np(T.autograd.grad(s, x)[0]) if s.requires_grad else None)
    assert (res[0] is None) == (res[1] is None)
    if res[0] is not None:
        np.testing.assert_allclose(res[1], res[0], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("i", DIFFERENTIABLE_TWICE)
def test_forward_ad(i):
    name, fn, arrays = CASES[i]
    res = []
    for T in (torch, kindling):
        fw = T.autograd.forward_ad
        tan = T.tensor(np.random.default_rng(1).standard_normal(arrays[0].shape))
        with fw.dual_level():
            _, out = _first_input_run(T, fn, arrays, lambda t: fw.make_dual(t, tan))
            res.append(_np(fw.unpack_dual(out).tangent))
    np.testing.assert_allclose(res[1], res[0], rtol=1e-7, atol=1e-9)


def _backward_op_second_derivative(T, which):
    x = T.tensor(X34, requires_grad=True)
    if which == "multi_margin":
        out = _F(T).multi_margin_loss(x, T.tensor(LONG3))
    elif which == "multilabel_margin":
        out = _F(T).multilabel_margin_loss(x, T.tensor(ML_TARGET))
    elif which == "segment":
        out = T.segment_reduce(x, "sum", lengths=T.tensor([2, 1]))
    else:
        lp = _ctc_inputs(T)
        out = _F(T).ctc_loss(lp, T.tensor([[1, 2], [3, 1], [2, 2]]), [7, 7, 4], [2, 1, 2])
        x = lp
    (g,) = T.autograd.grad(out.sum(), x, create_graph=True)
    return g.grad_fn.name(), call_outcome(lambda: T.autograd.grad(g.sum(), x))


@pytest.mark.parametrize("which", ["multi_margin", "multilabel_margin", "segment", "ctc"])
def test_backward_ops_have_no_derivative(which):
    assert _backward_op_second_derivative(kindling, which) == \
        _backward_op_second_derivative(torch, which)


@pytest.mark.parametrize("which", ["multi_margin", "segment", "ctc"])
def test_no_forward_ad(which):
    def run(T):
        fw = T.autograd.forward_ad
        with fw.dual_level():
            x = fw.make_dual(T.tensor(X34), T.ones(3, 4, dtype=T.float64))
            if which == "multi_margin":
                return call_outcome(lambda: _F(T).multi_margin_loss(x, T.tensor(LONG3)))
            if which == "segment":
                return call_outcome(lambda: T.segment_reduce(x, "sum", lengths=T.tensor([2, 1])))
            lp = x.log_softmax(1).unsqueeze(1)
            return call_outcome(lambda: _F(T).ctc_loss(lp, T.tensor([[1, 2]]), [3], [2]))
    k, t = run(kindling), run(torch)
    assert k[:2] == t[:2]
    assert k[2].splitlines()[0] == t[2].splitlines()[0]


# ---- errors, warnings --------------------------------------------------------------------------
def _e(T, *shape, dtype=None):
    return T.ones(*shape, dtype=dtype or T.float64)


ERRORS = [
    lambda T, F: F.multi_margin_loss(_e(T, 2, 3, 4), T.tensor([0, 1])),
    lambda T, F: F.multi_margin_loss(_e(T, 3, 4), T.tensor([0, 1])),
    lambda T, F: F.multi_margin_loss(_e(T, 3, 4), T.tensor([0, 1, 4])),
    lambda T, F: F.multi_margin_loss(_e(T, 3, 4, dtype=T.int64), T.tensor([0, 1, 2])),
    lambda T, F: F.multi_margin_loss(_e(T, 3, 4), T.tensor([0.0, 1, 2])),
    lambda T, F: F.multi_margin_loss(_e(T, 3, 4), T.tensor([0, 1, 2]), weight=_e(T, 3)),
    lambda T, F: F.multi_margin_loss(_e(T, 3, 4), T.tensor([0, 1, 2]), p=3),
    lambda T, F: F.multi_margin_loss(_e(T, 3, 4), T.tensor([0, 1, 2]), weight=_e(T, 1, 4)),
    lambda T, F: T._C._nn.multi_margin_loss(_e(T, 3, 4), T.tensor([0, 1, 2]), 3),
    lambda T, F: F.multilabel_margin_loss(_e(T, 3, 4), T.zeros(3, 3, dtype=T.int64)),
    lambda T, F: F.multilabel_margin_loss(_e(T, 4), T.zeros(3, dtype=T.int64)),
    lambda T, F: F.multilabel_margin_loss(_e(T, 3, 4), T.full((3, 4), 5)),
    lambda T, F: F.multilabel_margin_loss(_e(T, 3, 4), T.zeros(3, 4)),
    lambda T, F: F.multilabel_margin_loss(_e(T, 0, 4), T.zeros(0, 4, dtype=T.int64),
                                          reduction="none"),
    lambda T, F: F.margin_ranking_loss(_e(T, 3), _e(T, 3), _e(T, 1, 3)),
    lambda T, F: F.cosine_embedding_loss(_e(T, 3, 4), _e(T, 3, 4), _e(T, 3, 1)),
    lambda T, F: F.cosine_embedding_loss(_e(T, 3, 4), _e(T, 3, 4), _e(T)),
    lambda T, F: F.cosine_embedding_loss(_e(T, 4), _e(T, 4), _e(T, 3)),
    lambda T, F: F.hinge_embedding_loss(_e(T, 3, dtype=T.int64), _e(T, 3, dtype=T.int64)),
    lambda T, F: F.hinge_embedding_loss(_e(T, 3), _e(T, 3), reduction="foo"),
    lambda T, F: F.triplet_margin_loss(_e(T, 3, 4), _e(T, 3, 4), _e(T, 4)),
    lambda T, F: T.triplet_margin_loss(_e(T, 3, 4), _e(T, 3, 4), _e(T, 4)),
    lambda T, F: F.triplet_margin_loss(_e(T, 3, 4), _e(T, 3, 4), _e(T, 3, 4), margin=0),
    lambda T, F: F.triplet_margin_with_distance_loss(_e(T, 3, 4), _e(T, 3, 4), _e(T, 4)),
    lambda T, F: F.triplet_margin_with_distance_loss(_e(T, 3), _e(T, 3), _e(T, 3),
                                                     reduction="foo"),
    lambda T, F: F.multilabel_soft_margin_loss(_e(T, 3, 4), _e(T, 3, 4), reduction="foo"),
    lambda T, F: F.cosine_similarity(_e(T, 3, 4, dtype=T.int64), _e(T, 3, 4, dtype=T.int64)),
    lambda T, F: F.cosine_similarity(_e(T, 3, 4), _e(T, 2, 4)),
    lambda T, F: F.cosine_similarity(_e(T, 3, 4), _e(T, 3, 4), dim=2),
    lambda T, F: F.cosine_similarity(_e(T, 3, 4, dtype=T.complex128),
                                     _e(T, 3, 4, dtype=T.complex128)),
    lambda T, F: T.segment_reduce(_e(T, 3, 2), "foo", lengths=T.tensor([2, 1])),
    lambda T, F: T.segment_reduce(_e(T, 3, 2), "sum", lengths=T.tensor([4, -1])),
    lambda T, F: T.segment_reduce(_e(T, 3, 2), "sum", lengths=T.tensor([1, 1])),
    lambda T, F: T.segment_reduce(_e(T, 3, 2), "sum"),
    lambda T, F: T.segment_reduce(_e(T, 3, 2), "sum", indices=T.tensor([0, 0, 1])),
    lambda T, F: T.segment_reduce(_e(T, 3, dtype=T.int64), "sum", lengths=T.tensor([2, 1])),
    lambda T, F: T.segment_reduce(_e(T, 3, 2), "sum", lengths=T.tensor([2.0, 1])),
    lambda T, F: T.segment_reduce(_e(T, 3), "sum", lengths=T.ones(3, 1, dtype=T.int64)),
    lambda T, F: T.segment_reduce(_e(T, 3, 2), "sum", lengths=T.tensor([2, 1]), axis=3),
    lambda T, F: T._safe_softmax(T.tensor([[1, 2]]), 1),
    lambda T, F: F.ctc_loss(_e(T, 7, 3, 5), T.tensor([[1, 2]] * 3), [7, 7, 8], [2, 2, 2]),
    lambda T, F: F.ctc_loss(_e(T, 7, 3, 5), T.tensor([[1, 2]] * 3), [7, 7, -1], [2, 2, 2]),
    lambda T, F: F.ctc_loss(_e(T, 7, 3, 5), T.tensor([[1, 2]] * 3), [7, 7], [2, 2, 2]),
    lambda T, F: F.ctc_loss(_e(T, 7, 3, 5), T.tensor([[1, 2]] * 3), [7, 7, 7], [2, 2]),
    lambda T, F: F.ctc_loss(_e(T, 7, 3, 5), T.tensor([[1, 2]] * 3), [7, 7, 7], [2, 3, 2]),
    lambda T, F: F.ctc_loss(_e(T, 7, 3, 5), T.tensor([[1, 2]] * 2), [7, 7, 7], [2, 2, 2]),
    lambda T, F: F.ctc_loss(_e(T, 7, 3, 5), T.tensor([1, 2, 1]), [7, 7, 7], [2, 2, 2]),
    lambda T, F: F.ctc_loss(_e(T, 7, 3, 5), T.tensor([[1, 2]] * 3), [7, 7, 7], [2, -2, 2]),
    lambda T, F: F.ctc_loss(_e(T, 7, 3, 5), T.tensor([[1, 2]] * 3), [7, 7, 7], [2, 2, 2],
                            blank=5),
    lambda T, F: F.ctc_loss(_e(T, 7, 3, 5, dtype=T.int64), T.tensor([[1, 2]] * 3), [7, 7, 7],
                            [2, 2, 2]),
    lambda T, F: F.ctc_loss(_e(T, 7, 3, 5), T.tensor([[1, 2]] * 3), T.tensor([7.0, 7, 7]),
                            T.tensor([2, 2, 2])),
    lambda T, F: T._ctc_loss(_e(T, 7, 3, 5), T.tensor([[1.0, 2]] * 3), [7, 7, 7], [2, 2, 2]),
    lambda T, F: T._ctc_loss(_e(T, 7, 5), T.tensor([[1, 2]] * 3), [7, 7, 7], [2, 2, 2]),
    lambda T, F: T._ctc_loss(_e(T, 7, 3, 5), T.ones(3, 2, 1, dtype=T.int64), [7, 7, 7],
                             [2, 2, 2]),
    lambda T, F: F.multi_margin_loss(_e(T, 3, 4), T.tensor([0, 1, 2]), p=3),
    lambda T, F: F.multi_margin_loss(_e(T, 3, 4), T.tensor([0, 1, 2]), weight=_e(T, 4, 1)),
]


def _result(r):
    return (str(r.dtype), tuple(r.shape), repr(r.tolist())) if hasattr(r, "tolist") else r


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match(i):
    k = call_outcome(lambda: ERRORS[i](kindling, F_K), _result)
    t = call_outcome(lambda: ERRORS[i](torch, F_T), _result)
    assert k == t


@pytest.mark.parametrize("name", ["hinge_embedding_loss", "margin_ranking_loss",
                                  "multi_margin_loss", "multilabel_margin_loss",
                                  "multilabel_soft_margin_loss", "cosine_embedding_loss",
                                  "triplet_margin_loss"])
@pytest.mark.parametrize("size_average, reduce", [(False, None), (None, False), (True, True)])
def test_legacy_reduction_arguments_warn(name, size_average, reduce):
    args = {"hinge_embedding_loss": lambda T: (T.tensor(X34[0]), T.tensor([1.0, -1, 1, -1])),
            "margin_ranking_loss": lambda T: (T.tensor(X34[0]), T.tensor(Y34[0]),
                                              T.tensor([1.0, -1, 1, -1])),
            "multi_margin_loss": lambda T: (T.tensor(X34), T.tensor(LONG3)),
            "multilabel_margin_loss": lambda T: (T.tensor(X34), T.tensor(ML_TARGET)),
            "multilabel_soft_margin_loss": lambda T: (T.tensor(X34), T.tensor(Y34 > 0) * 1.0),
            "cosine_embedding_loss": lambda T: (T.tensor(X34), T.tensor(Y34), T.tensor(SIGN3)),
            "triplet_margin_loss": lambda T: (T.tensor(X34), T.tensor(Y34), T.tensor(Z34))}[name]

    def run(T):
        return call_outcome(lambda: getattr(_F(T), name)(*args(T), size_average=size_average,
                                                       reduce=reduce),
                            lambda r: (tuple(r.shape), np.round(_np(r), 10).tolist()))
    assert run(kindling) == run(torch)


# ---- what a dispatch mode sees -----------------------------------------------------------------
@pytest.mark.parametrize("i", [0, 3, 5, 7, 9, 10, 13, 16, 17, 18, 19, 21, 24])
def test_dispatch_log_forward_and_backward(i):
    name, fn, arrays = CASES[i]
    logs = []
    for T in (torch, kindling):
        ts = [T.tensor(a) for a in arrays]
        ts = [t.requires_grad_() if t.is_floating_point() and j == 0 else t
              for j, t in enumerate(ts)]
        log, mode = dispatch_log(T)
        with mode:
            out = fn(T, _F(T), *ts)
        fwd = list(log)
        log.clear()
        with mode:
            T.autograd.grad(out.sum(), ts[0])
        logs.append((fwd, list(log)))
    assert logs[1] == logs[0]


@pytest.mark.parametrize("name", [c[0] for c in CTC_CASES])
def test_ctc_dispatch_log(name):
    fn = dict((c[0], c[1]) for c in CTC_CASES)[name]
    logs = []
    for T in (torch, kindling):
        lp = _ctc_inputs(T)
        log, mode = dispatch_log(T)
        with mode:
            out = fn(T, lp)
        fwd = list(log)
        log.clear()
        with mode:
            T.autograd.grad(out.sum(), lp)
        logs.append((fwd, list(log)))
    assert logs[1] == logs[0]


def test_functional_names_are_the_torch_functions():
    for n in ("pairwise_distance", "cosine_similarity", "pdist"):
        assert getattr(F_K, n) is getattr(kindling, n)
    for n in ("hinge_embedding_loss", "cosine_embedding_loss", "margin_ranking_loss",
              "multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss",
              "triplet_margin_loss", "triplet_margin_with_distance_loss", "ctc_loss"):
        assert n in F_K.__all__ if hasattr(F_K, "__all__") else callable(getattr(F_K, n))
    for n in ("multi_margin_loss", "multilabel_margin_loss"):
        assert callable(getattr(kindling._C._nn, n))
