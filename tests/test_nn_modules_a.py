"""nn modules (linear, activations, losses, dropout, flatten, embeddings, distances) against
PyTorch: built under the same seed, each module has PyTorch's parameters (names and exact
values), state_dict keys and repr; forward outputs and the gradients of inputs and parameters
agree; bad constructor arguments raise PyTorch's errors, and warnings match."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402

_RNG_SEED = 1234


def _np(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


class Case:
    """``make(nn, lib)`` builds the module; ``inputs`` are NumPy arrays (floats become
    float32 tensors requiring grad unless listed in ``nograd``; ints become int64 tensors)
    or callables ``lib -> value``; ``call(m, *inputs)`` runs it (default ``m(*inputs)``)."""

    def __init__(self, id, make, inputs=(), call=None, mode="train", nograd=(), rtol=1e-5,
                 atol=1e-6, backward=True, dtype="float32"):
        self.id, self.make, self.inputs, self.call = id, make, inputs, call
        self.mode, self.nograd, self.rtol, self.atol = mode, set(nograd), rtol, atol
        self.backward, self.dtype = backward, dtype

    def __repr__(self):
        return self.id


def _rand(*shape, low=-2.0, high=2.0, seed=0):
    return np.random.default_rng(seed + sum(shape)).uniform(low, high, shape)


def _ints(high, *shape, low=0, seed=0):
    return np.random.default_rng(seed + 7).integers(low, high, shape)


def _signs(*shape, seed=0):
    return np.where(np.random.default_rng(seed + 3).uniform(size=shape) < 0.5, -1.0, 1.0)


def _to_lib(lib, a, i, case):
    if callable(a):
        return a(lib)
    if not isinstance(a, np.ndarray):
        return a
    if a.dtype.kind in "iu":
        return lib.tensor(a, dtype=lib.int64)
    return lib.tensor(a, dtype=getattr(lib, case.dtype), requires_grad=i not in case.nograd)


def _build(lib, case):
    lib.manual_seed(_RNG_SEED)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m = case.make(lib.nn, lib)
    m.train(case.mode == "train")
    return m, [(x.category, str(x.message)) for x in w]


def _run(lib, case):
    m, ctor_warnings = _build(lib, case)
    ins = [_to_lib(lib, a, i, case) for i, a in enumerate(case.inputs)]
    lib.manual_seed(_RNG_SEED + 1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = case.call(m, *ins) if case.call else m(*ins)
    outs = list(out) if isinstance(out, tuple) else [out]
    return m, ins, outs, ctor_warnings, [(x.category, str(x.message)) for x in w]


def _close(k, t, case, what):
    assert (k is None) == (t is None), what
    if t is None:
        return
    assert tuple(k.shape) == tuple(t.shape), what
    assert str(k.dtype) == str(t.dtype), what
    np.testing.assert_allclose(_np(k), _np(t), rtol=case.rtol, atol=case.atol, err_msg=what)


def _check_structure(mk, mt):
    pk, pt = dict(mk.named_parameters()), dict(mt.named_parameters())
    assert list(pk) == list(pt)
    for name in pt:
        # same seed, same init calls in the same order: bit-for-bit equal weights
        np.testing.assert_array_equal(_np(pk[name]), _np(pt[name]), err_msg=name)
        assert str(pk[name].dtype) == str(pt[name].dtype)
        assert pk[name].requires_grad == pt[name].requires_grad, name
        assert type(pk[name]).__name__ == type(pt[name]).__name__
    assert list(mk.state_dict()) == list(mt.state_dict())
    for name, v in mt.state_dict().items():
        np.testing.assert_array_equal(_np(mk.state_dict()[name]), _np(v), err_msg=name)
    assert repr(mk) == repr(mt)


def check_case(case):
    mt, it, ot, wct, wft = _run(torch, case)
    mk, ik, ok, wck, wfk = _run(kindling, case)
    assert wck == wct
    assert wfk == wft
    assert len(ok) == len(ot)
    for j, (k, t) in enumerate(zip(ok, ot)):
        _close(k, t, case, f"output {j}")
    _check_structure(mk, mt)  # after forward too: max_norm renormalises in place
    if not case.backward:
        return
    seeds = [None if t is None or not t.requires_grad else _rand(*t.shape, seed=5 + j)
             for j, t in enumerate(ot)]
    for lib, outs in ((torch, ot), (kindling, ok)):
        total = None
        for o, g in zip(outs, seeds):
            if g is None:
                continue
            term = (o * lib.tensor(g, dtype=o.dtype)).sum()
            total = term if total is None else total + term
        if total is not None:
            total.backward()
    for j, (a, b) in enumerate(zip(ik, it)):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            _close(a.grad, b.grad, case, f"grad of input {j}")
    pk = dict(mk.named_parameters())
    for name, p in mt.named_parameters():
        _close(pk[name].grad, p.grad, case, f"grad of {name}")


def _inplace(m, x):
    return m(x * 1)


X = _rand(2, 3, 4)
X4 = _rand(2, 3, 4, 5)

LINEAR = [
    Case("Identity", lambda nn, L: nn.Identity(54, unused=0.1), [X]),
    Case("Linear", lambda nn, L: nn.Linear(4, 3), [X]),
    Case("Linear-nobias", lambda nn, L: nn.Linear(4, 6, bias=False), [X]),
    Case("Linear-1d-input", lambda nn, L: nn.Linear(4, 2), [_rand(4)]),
    Case("Linear-float64", lambda nn, L: nn.Linear(4, 5, dtype=L.float64), [X],
         dtype="float64", rtol=1e-12, atol=1e-12),
    Case("Linear-big", lambda nn, L: nn.Linear(33, 17), [_rand(6, 33)]),
    Case("Linear-zero-in", lambda nn, L: nn.Linear(0, 3), [_rand(2, 0)]),
    Case("Bilinear", lambda nn, L: nn.Bilinear(3, 4, 5), [_rand(6, 3), _rand(6, 4, seed=1)]),
    Case("Bilinear-nobias", lambda nn, L: nn.Bilinear(2, 3, 4, bias=False),
         [_rand(2, 5, 2), _rand(2, 5, 3, seed=1)]),
]

ACTIVATIONS = [
    Case("Threshold", lambda nn, L: nn.Threshold(0.1, 20.0), [X]),
    Case("Threshold-inplace", lambda nn, L: nn.Threshold(0.1, 20, inplace=True), [X],
         call=_inplace),
    Case("ReLU", lambda nn, L: nn.ReLU(), [X]),
    Case("ReLU-inplace", lambda nn, L: nn.ReLU(inplace=True), [X], call=_inplace),
    Case("RReLU-train", lambda nn, L: nn.RReLU(0.1, 0.3), [X]),
    Case("RReLU-eval", lambda nn, L: nn.RReLU(), [X], mode="eval"),
    Case("RReLU-inplace", lambda nn, L: nn.RReLU(inplace=True), [X], call=_inplace,
         mode="eval"),
    Case("Hardtanh", lambda nn, L: nn.Hardtanh(-0.5, 1.5), [X]),
    Case("Hardtanh-deprecated-kw", lambda nn, L: nn.Hardtanh(min_value=-0.3, max_value=0.7),
         [X]),
    Case("ReLU6", lambda nn, L: nn.ReLU6(), [X * 4]),
    Case("ReLU6-inplace", lambda nn, L: nn.ReLU6(True), [X * 4], call=_inplace),
    Case("Sigmoid", lambda nn, L: nn.Sigmoid(), [X]),
    Case("Hardsigmoid", lambda nn, L: nn.Hardsigmoid(), [X * 2]),
    Case("Hardsigmoid-inplace", lambda nn, L: nn.Hardsigmoid(inplace=True), [X * 2],
         call=_inplace),
    Case("Tanh", lambda nn, L: nn.Tanh(), [X]),
    Case("SiLU", lambda nn, L: nn.SiLU(), [X]),
    Case("SiLU-inplace", lambda nn, L: nn.SiLU(inplace=True), [X], call=_inplace),
    Case("Mish", lambda nn, L: nn.Mish(), [X]),
    Case("Mish-inplace", lambda nn, L: nn.Mish(True), [X], call=_inplace),
    Case("Hardswish", lambda nn, L: nn.Hardswish(), [X * 2]),
    Case("Hardswish-inplace", lambda nn, L: nn.Hardswish(True), [X * 2], call=_inplace),
    Case("ELU", lambda nn, L: nn.ELU(alpha=0.5), [X]),
    Case("ELU-inplace", lambda nn, L: nn.ELU(inplace=True), [X], call=_inplace),
    Case("CELU", lambda nn, L: nn.CELU(2.0), [X]),
    Case("CELU-inplace", lambda nn, L: nn.CELU(inplace=True), [X], call=_inplace),
    Case("SELU", lambda nn, L: nn.SELU(), [X]),
    Case("SELU-inplace", lambda nn, L: nn.SELU(True), [X], call=_inplace),
    Case("GLU", lambda nn, L: nn.GLU(), [_rand(3, 4)]),
    Case("GLU-dim1", lambda nn, L: nn.GLU(dim=1), [_rand(2, 6, 3)]),
    Case("GELU", lambda nn, L: nn.GELU(), [X]),
    Case("GELU-tanh", lambda nn, L: nn.GELU(approximate="tanh"), [X]),
    Case("Hardshrink", lambda nn, L: nn.Hardshrink(0.7), [X]),
    Case("LeakyReLU", lambda nn, L: nn.LeakyReLU(), [X]),
    Case("LeakyReLU-inplace", lambda nn, L: nn.LeakyReLU(0.2, inplace=True), [X],
         call=_inplace),
    Case("LogSigmoid", lambda nn, L: nn.LogSigmoid(), [X]),
    Case("Softplus", lambda nn, L: nn.Softplus(), [X]),
    Case("Softplus-opts", lambda nn, L: nn.Softplus(beta=2.0, threshold=1.5), [X]),
    Case("Softshrink", lambda nn, L: nn.Softshrink(0.25), [X]),
    Case("PReLU", lambda nn, L: nn.PReLU(), [X]),
    Case("PReLU-channels", lambda nn, L: nn.PReLU(3, init=0.1), [X4]),
    Case("Softsign", lambda nn, L: nn.Softsign(), [X]),
    Case("Tanhshrink", lambda nn, L: nn.Tanhshrink(), [X]),
    Case("Softmin", lambda nn, L: nn.Softmin(dim=1), [X]),
    Case("Softmax", lambda nn, L: nn.Softmax(-1), [X]),
    Case("Softmax-implicit-dim", lambda nn, L: nn.Softmax(), [X]),
    Case("LogSoftmax", lambda nn, L: nn.LogSoftmax(0), [X]),
    Case("LogSoftmax-implicit-dim", lambda nn, L: nn.LogSoftmax(), [_rand(3, 4)]),
    Case("Softmax2d", lambda nn, L: nn.Softmax2d(), [X4]),
    Case("Softmax2d-3d", lambda nn, L: nn.Softmax2d(), [X]),
]


def _self_attn(m, x):
    return m(x, x, x)


def _bool_mask(*shape, seed=0):
    m = np.random.default_rng(seed).uniform(size=shape) < 0.3
    m[..., 0] = False  # no row masked out entirely

    return lambda L: L.tensor(m)


ATTENTION = [
    Case("MHA-self", lambda nn, L: nn.MultiheadAttention(8, 2), [_rand(5, 3, 8)],
         call=_self_attn),
    Case("MHA-qkv", lambda nn, L: nn.MultiheadAttention(6, 3),
         [_rand(4, 2, 6), _rand(5, 2, 6, seed=1), _rand(5, 2, 6, seed=2)]),
    Case("MHA-batch-first", lambda nn, L: nn.MultiheadAttention(8, 4, batch_first=True),
         [_rand(3, 5, 8)], call=_self_attn),
    Case("MHA-kdim-vdim", lambda nn, L: nn.MultiheadAttention(8, 2, kdim=3, vdim=5),
         [_rand(4, 2, 8), _rand(6, 2, 3, seed=1), _rand(6, 2, 5, seed=2)]),
    Case("MHA-bias-kv-zero-attn",
         lambda nn, L: nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True),
         [_rand(3, 2, 4)], call=_self_attn),
    Case("MHA-nobias", lambda nn, L: nn.MultiheadAttention(4, 1, bias=False),
         [_rand(3, 2, 4)], call=_self_attn),
    Case("MHA-unbatched", lambda nn, L: nn.MultiheadAttention(4, 2), [_rand(3, 4)],
         call=_self_attn),
    Case("MHA-per-head-weights", lambda nn, L: nn.MultiheadAttention(4, 2),
         [_rand(3, 2, 4)], call=lambda m, x: m(x, x, x, average_attn_weights=False)),
    Case("MHA-no-weights", lambda nn, L: nn.MultiheadAttention(4, 2),
         [_rand(3, 2, 4)], call=lambda m, x: m(x, x, x, need_weights=False)),
    Case("MHA-masks", lambda nn, L: nn.MultiheadAttention(4, 2, batch_first=True),
         [_rand(2, 5, 4), _bool_mask(2, 5, seed=1), _bool_mask(5, 5, seed=2)],
         call=lambda m, x, kpm, am: m(x, x, x, key_padding_mask=kpm, attn_mask=am)),
    Case("MHA-causal", lambda nn, L: nn.MultiheadAttention(4, 2),
         [_rand(3, 2, 4), lambda L: L.nn.Transformer.generate_square_subsequent_mask(3)
          if hasattr(L.nn, "Transformer") else L.triu(L.full((3, 3), float("-inf")), 1)],
         call=lambda m, x, am: m(x, x, x, attn_mask=am, is_causal=True)),
    Case("MHA-dropout-train", lambda nn, L: nn.MultiheadAttention(4, 2, dropout=0.3),
         [_rand(3, 2, 4)], call=_self_attn),
    Case("MHA-dropout-eval", lambda nn, L: nn.MultiheadAttention(4, 2, dropout=0.3),
         [_rand(3, 2, 4)], call=_self_attn, mode="eval"),
]


def _probs(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0.05, 0.95, shape)


def _ctc_call(m, x, targets, in_lens, tgt_lens):
    return m(x.log_softmax(2), targets, in_lens, tgt_lens)


LOSSES = [
    Case("L1Loss", lambda nn, L: nn.L1Loss(), [X, _rand(2, 3, 4, seed=1)]),
    Case("L1Loss-sum", lambda nn, L: nn.L1Loss(reduction="sum"), [X, _rand(2, 3, 4, seed=1)]),
    Case("L1Loss-legacy", lambda nn, L: nn.L1Loss(size_average=False),
         [X, _rand(2, 3, 4, seed=1)]),
    Case("MSELoss", lambda nn, L: nn.MSELoss(), [X, _rand(2, 3, 4, seed=1)]),
    Case("MSELoss-none", lambda nn, L: nn.MSELoss(reduction="none"),
         [X, _rand(2, 3, 4, seed=1)]),
    Case("MSELoss-legacy-reduce", lambda nn, L: nn.MSELoss(reduce=False),
         [X, _rand(2, 3, 4, seed=1)]),
    Case("CrossEntropyLoss", lambda nn, L: nn.CrossEntropyLoss(),
         [_rand(4, 5), _ints(5, 4)]),
    Case("CrossEntropyLoss-opts",
         lambda nn, L: nn.CrossEntropyLoss(weight=L.tensor([1.0, 2.0, 0.5, 1.0, 3.0]),
                                           ignore_index=1, label_smoothing=0.1),
         [_rand(6, 5, 3), _ints(5, 6, 3)]),
    Case("CrossEntropyLoss-probs", lambda nn, L: nn.CrossEntropyLoss(reduction="sum"),
         [_rand(4, 5), _probs(4, 5)], nograd=[1]),
    Case("NLLLoss", lambda nn, L: nn.NLLLoss(), [_rand(4, 5), _ints(5, 4)]),
    Case("NLLLoss-weight",
         lambda nn, L: nn.NLLLoss(weight=L.tensor([1.0, 2.0, 0.5]), reduction="none"),
         [_rand(2, 3, 4), _ints(3, 2, 4)]),
    Case("NLLLoss2d", lambda nn, L: nn.NLLLoss2d(), [_rand(2, 3, 2, 2), _ints(3, 2, 2, 2)]),
    Case("BCELoss", lambda nn, L: nn.BCELoss(), [_probs(3, 4), _probs(3, 4, seed=1)],
         nograd=[1]),
    Case("BCELoss-weight", lambda nn, L: nn.BCELoss(weight=L.tensor([1.0, 2.0, 0.5, 1.5])),
         [_probs(3, 4), _probs(3, 4, seed=1)]),
    Case("BCEWithLogitsLoss", lambda nn, L: nn.BCEWithLogitsLoss(),
         [_rand(3, 4), _probs(3, 4)]),
    Case("BCEWithLogitsLoss-pos-weight",
         lambda nn, L: nn.BCEWithLogitsLoss(weight=L.tensor([2.0, 1.0, 1.0, 0.5]),
                                            pos_weight=L.tensor([1.0, 3.0, 0.5, 2.0])),
         [_rand(3, 4), _probs(3, 4)], nograd=[1]),
    Case("KLDivLoss", lambda nn, L: nn.KLDivLoss(reduction="batchmean"),
         [_rand(3, 4), _probs(3, 4)]),
    Case("KLDivLoss-log-target", lambda nn, L: nn.KLDivLoss(log_target=True),
         [_rand(3, 4), _rand(3, 4, seed=2)]),
    Case("HuberLoss", lambda nn, L: nn.HuberLoss(delta=0.5), [X, _rand(2, 3, 4, seed=1)]),
    Case("SmoothL1Loss", lambda nn, L: nn.SmoothL1Loss(beta=0.5),
         [X, _rand(2, 3, 4, seed=1)]),
    Case("SoftMarginLoss", lambda nn, L: nn.SoftMarginLoss(), [X, _signs(2, 3, 4)],
         nograd=[1]),
    Case("PoissonNLLLoss", lambda nn, L: nn.PoissonNLLLoss(), [X, _probs(2, 3, 4) * 4]),
    Case("PoissonNLLLoss-full", lambda nn, L: nn.PoissonNLLLoss(log_input=False, full=True),
         [_probs(2, 3, 4) * 3, _probs(2, 3, 4, seed=1) * 4]),
    Case("GaussianNLLLoss", lambda nn, L: nn.GaussianNLLLoss(),
         [_rand(4, 3), _rand(4, 3, seed=1), _probs(4, 3) + 0.1]),
    Case("GaussianNLLLoss-full", lambda nn, L: nn.GaussianNLLLoss(full=True, reduction="sum"),
         [_rand(4, 3), _rand(4, 3, seed=1), _probs(4, 1) + 0.1]),
    Case("CTCLoss", lambda nn, L: nn.CTCLoss(),
         [_rand(6, 2, 4), _ints(4, 2, 3, low=1), np.array([6, 5]), np.array([3, 2])],
         call=_ctc_call, rtol=1e-4, atol=1e-5),
    Case("CTCLoss-opts", lambda nn, L: nn.CTCLoss(blank=3, reduction="sum",
                                                  zero_infinity=True),
         [_rand(5, 2, 4), _ints(3, 2, 4), np.array([5, 2]), np.array([2, 4])],
         call=_ctc_call, rtol=1e-4, atol=1e-5),
    Case("HingeEmbeddingLoss", lambda nn, L: nn.HingeEmbeddingLoss(margin=0.5),
         [X, _signs(2, 3, 4)]),
    Case("MultiLabelMarginLoss", lambda nn, L: nn.MultiLabelMarginLoss(),
         [_rand(2, 4), np.array([[3, 0, -1, 1], [1, 2, 3, -1]])]),
    Case("MultiLabelSoftMarginLoss",
         lambda nn, L: nn.MultiLabelSoftMarginLoss(weight=L.tensor([1.0, 0.5, 2.0])),
         [_rand(4, 3), (_probs(4, 3) > 0.5).astype(np.float64)], nograd=[1]),
    Case("MultiMarginLoss", lambda nn, L: nn.MultiMarginLoss(), [_rand(4, 5), _ints(5, 4)]),
    Case("MultiMarginLoss-p2",
         lambda nn, L: nn.MultiMarginLoss(p=2, margin=0.5,
                                          weight=L.tensor([1.0, 2.0, 1.0, 0.5, 1.0])),
         [_rand(4, 5), _ints(5, 4)]),
    Case("CosineEmbeddingLoss", lambda nn, L: nn.CosineEmbeddingLoss(margin=0.2),
         [_rand(4, 5), _rand(4, 5, seed=1), _signs(4)], nograd=[2]),
    Case("MarginRankingLoss", lambda nn, L: nn.MarginRankingLoss(margin=0.3),
         [_rand(6), _rand(6, seed=1), _signs(6)], nograd=[2]),
    Case("TripletMarginLoss", lambda nn, L: nn.TripletMarginLoss(),
         [_rand(4, 5), _rand(4, 5, seed=1), _rand(4, 5, seed=2)]),
    Case("TripletMarginLoss-opts",
         lambda nn, L: nn.TripletMarginLoss(margin=2.0, p=1, swap=True, reduction="none"),
         [_rand(4, 5), _rand(4, 5, seed=1), _rand(4, 5, seed=2)]),
    Case("TripletMarginWithDistanceLoss", lambda nn, L: nn.TripletMarginWithDistanceLoss(),
         [_rand(4, 5), _rand(4, 5, seed=1), _rand(4, 5, seed=2)]),
    Case("TripletMarginWithDistanceLoss-module",
         lambda nn, L: nn.TripletMarginWithDistanceLoss(
             distance_function=nn.PairwiseDistance(p=1.0), margin=0.5, swap=True),
         [_rand(4, 5), _rand(4, 5, seed=1), _rand(4, 5, seed=2)]),
    Case("TripletMarginWithDistanceLoss-fn",
         lambda nn, L: nn.TripletMarginWithDistanceLoss(
             distance_function=lambda a, b: 1.0 - nn.functional.cosine_similarity(a, b)),
         [_rand(4, 5), _rand(4, 5, seed=1), _rand(4, 5, seed=2)]),
]

DROPOUT = [
    Case("Dropout", lambda nn, L: nn.Dropout(), [_rand(6, 7)]),
    Case("Dropout-p", lambda nn, L: nn.Dropout(p=0.2), [X]),
    Case("Dropout-inplace", lambda nn, L: nn.Dropout(0.3, inplace=True), [X], call=_inplace),
    Case("Dropout-eval", lambda nn, L: nn.Dropout(0.3), [X], mode="eval"),
    Case("Dropout-p0", lambda nn, L: nn.Dropout(0.0), [X]),
    Case("Dropout-p1", lambda nn, L: nn.Dropout(1.0), [X]),
    Case("Dropout1d", lambda nn, L: nn.Dropout1d(0.4), [_rand(4, 5, 3)]),
    Case("Dropout1d-unbatched", lambda nn, L: nn.Dropout1d(0.4), [_rand(5, 3)]),
    Case("Dropout2d", lambda nn, L: nn.Dropout2d(0.4), [_rand(3, 4, 2, 2)]),
    Case("Dropout3d", lambda nn, L: nn.Dropout3d(), [_rand(2, 4, 2, 2, 3)]),
    Case("AlphaDropout", lambda nn, L: nn.AlphaDropout(0.2), [_rand(6, 7)]),
    Case("AlphaDropout-eval", lambda nn, L: nn.AlphaDropout(0.2), [X], mode="eval"),
    Case("FeatureAlphaDropout", lambda nn, L: nn.FeatureAlphaDropout(0.3), [X4]),
]

FLATTEN = [
    Case("Flatten", lambda nn, L: nn.Flatten(), [X4]),
    Case("Flatten-dims", lambda nn, L: nn.Flatten(0, 2), [X4]),
    Case("Unflatten", lambda nn, L: nn.Unflatten(1, (2, 2)), [_rand(3, 4, 5)]),
    Case("Unflatten-list-neg", lambda nn, L: nn.Unflatten(-1, [5, -1]), [_rand(3, 10)]),
]

EMBEDDING = [
    Case("Embedding", lambda nn, L: nn.Embedding(10, 4), [_ints(10, 3, 5)]),
    Case("Embedding-padding", lambda nn, L: nn.Embedding(10, 3, padding_idx=2),
         [np.array([[2, 1, 2, 5], [0, 2, 9, 9]])]),
    Case("Embedding-negative-padding", lambda nn, L: nn.Embedding(6, 3, padding_idx=-1),
         [np.array([5, 1, 5, 0])]),
    Case("Embedding-max-norm", lambda nn, L: nn.Embedding(8, 5, max_norm=1.0, norm_type=1.5),
         [np.array([[1, 3, 3], [7, 0, 1]])]),
    Case("Embedding-scale-grad", lambda nn, L: nn.Embedding(5, 2, scale_grad_by_freq=True),
         [np.array([1, 1, 1, 4, 0, 4])]),
    Case("Embedding-float64", lambda nn, L: nn.Embedding(5, 2, dtype=L.float64),
         [np.array([1, 4])]),
    Case("Embedding-pretrained",
         lambda nn, L: nn.Embedding.from_pretrained(L.arange(12.0).reshape(4, 3)),
         [np.array([3, 0, 0])]),
    Case("Embedding-pretrained-trainable",
         lambda nn, L: nn.Embedding.from_pretrained(L.arange(12.0).reshape(4, 3),
                                                    freeze=False, padding_idx=1),
         [np.array([3, 1, 0])]),
    Case("EmbeddingBag", lambda nn, L: nn.EmbeddingBag(10, 4), [_ints(10, 3, 5)]),
    Case("EmbeddingBag-sum-offsets", lambda nn, L: nn.EmbeddingBag(10, 3, mode="sum"),
         [_ints(10, 7), np.array([0, 2, 2, 5])]),
    Case("EmbeddingBag-max", lambda nn, L: nn.EmbeddingBag(10, 3, mode="max"),
         [_ints(10, 2, 4)]),
    Case("EmbeddingBag-per-sample",
         lambda nn, L: nn.EmbeddingBag(10, 3, mode="sum", include_last_offset=True),
         [_ints(10, 6), np.array([0, 2, 6]), _rand(6)],
         call=lambda m, x, o, w: m(x, o, per_sample_weights=w)),
    Case("EmbeddingBag-padding", lambda nn, L: nn.EmbeddingBag(6, 2, padding_idx=-2),
         [np.array([[4, 4, 1], [0, 4, 2]])]),
    Case("EmbeddingBag-max-norm",
         lambda nn, L: nn.EmbeddingBag(6, 3, max_norm=0.5, norm_type=3.0,
                                       scale_grad_by_freq=True, mode="sum"),
         [np.array([[4, 4, 1], [0, 4, 2]])]),
    Case("EmbeddingBag-pretrained",
         lambda nn, L: nn.EmbeddingBag.from_pretrained(L.arange(12.0).reshape(4, 3),
                                                       mode="sum"),
         [np.array([[3, 0, 0]])]),
]

DISTANCE = [
    Case("PairwiseDistance", lambda nn, L: nn.PairwiseDistance(), [_rand(4, 5),
                                                                   _rand(4, 5, seed=1)]),
    Case("PairwiseDistance-opts", lambda nn, L: nn.PairwiseDistance(p=1.0, eps=0.1,
                                                                    keepdim=True),
         [_rand(4, 5), _rand(5, seed=1)]),
    Case("CosineSimilarity", lambda nn, L: nn.CosineSimilarity(), [_rand(4, 5),
                                                                   _rand(4, 5, seed=1)]),
    Case("CosineSimilarity-dim0", lambda nn, L: nn.CosineSimilarity(dim=0, eps=1e-3),
         [_rand(4, 5), _rand(4, 5, seed=1)]),
]

ALL_CASES = LINEAR + ACTIVATIONS + ATTENTION + LOSSES + DROPOUT + FLATTEN + EMBEDDING + \
    DISTANCE


@pytest.mark.parametrize("case", ALL_CASES,
                         ids=lambda c: c.id if isinstance(c, Case) else None)
def test_module_matches_torch(case):
    check_case(case)


def test_linear_cross_entropy_loss():
    case = Case("LinearCrossEntropyLoss",
                lambda nn, L: nn.LinearCrossEntropyLoss(6, 4, bias=True,
                                                        weight=L.tensor([1.0, 2, 1, .5]),
                                                        label_smoothing=0.1),
                [_rand(5, 6), _ints(4, 5)])
    check_case(case)
    case = Case("LinearCrossEntropyLoss-out-features",
                lambda nn, L: nn.LinearCrossEntropyLoss(3, 2, out_features=(4,)),
                [_rand(5, 3), _ints(2, 5, 4)])
    check_case(case)


def _error_of(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - compared with PyTorch's
            return type(e).__name__, str(e)
    return None


BAD_CONSTRUCTION = [
    lambda nn, L: nn.Linear(-1, 3),
    lambda nn, L: nn.Linear(3, 4, dtype=L.int64),
    lambda nn, L: nn.Bilinear(0, 2, 3),
    lambda nn, L: nn.Hardtanh(1.0, 0.5),
    lambda nn, L: nn.ReLU6(inplace=True, extra=1),
    lambda nn, L: nn.PReLU(-2),
    lambda nn, L: nn.MultiheadAttention(0, 2),
    lambda nn, L: nn.MultiheadAttention(8, -1),
    lambda nn, L: nn.MultiheadAttention(10, 3),
    lambda nn, L: nn.HuberLoss(delta="big"),
    lambda nn, L: nn.MultiMarginLoss(p=3),
    lambda nn, L: nn.MultiMarginLoss(weight=L.ones(2, 2)),
    lambda nn, L: nn.TripletMarginLoss(margin=0.0),
    lambda nn, L: nn.TripletMarginWithDistanceLoss(margin=-1.0),
    lambda nn, L: nn.LinearCrossEntropyLoss(3, 4, weight=L.ones(3)),
    lambda nn, L: nn.LinearCrossEntropyLoss(3, 4, label_smoothing=1.5),
    lambda nn, L: nn.Dropout(p=1.5),
    lambda nn, L: nn.Dropout2d(-0.1),
    lambda nn, L: nn.AlphaDropout(2),
    lambda nn, L: nn.Unflatten(1, 6),
    lambda nn, L: nn.Unflatten(1, (2, "a")),
    lambda nn, L: nn.Unflatten(1, [2.0, 3]),
    lambda nn, L: nn.Embedding(10, 4, padding_idx=10),
    lambda nn, L: nn.Embedding(10, 4, padding_idx=-11),
    lambda nn, L: nn.Embedding(3, 4, _weight=L.ones(4, 3)),
    lambda nn, L: nn.Embedding.from_pretrained(L.ones(2, 3, 4)),
    lambda nn, L: nn.EmbeddingBag(5, 2, padding_idx=5),
    lambda nn, L: nn.EmbeddingBag(5, 2, _weight=L.ones(2, 5)),
    lambda nn, L: nn.EmbeddingBag.from_pretrained(L.ones(3)),
    lambda nn, L: nn.Embedding(-1, 3),
    lambda nn, L: nn.CrossEntropyLoss(weight=[1.0, 2.0]),
    lambda nn, L: nn.BCEWithLogitsLoss(pos_weight=3.0),
    lambda nn, L: nn.Linear(3.5, 2),
    lambda nn, L: nn.Linear(3, 2, device="cuda"),
    lambda nn, L: nn.Embedding(4, 2, dtype=L.int32),
]


@pytest.mark.parametrize("make", BAD_CONSTRUCTION, ids=range(len(BAD_CONSTRUCTION)))
def test_bad_construction(make):
    expected = _error_of(lambda: make(torch.nn, torch))
    assert expected is not None
    got = _error_of(lambda: make(kindling.nn, kindling))
    assert got == expected


BAD_FORWARD = [
    (lambda nn, L: nn.Softmax2d(), lambda L: L.ones(2, 3)),
    (lambda nn, L: nn.Linear(3, 2), lambda L: L.ones(2, 4)),
    (lambda nn, L: nn.GLU(), lambda L: L.ones(2, 3)),
    (lambda nn, L: nn.Embedding(4, 2), lambda L: L.tensor([4])),
    (lambda nn, L: nn.Unflatten(1, (2, 2)), lambda L: L.ones(2, 5)),
    (lambda nn, L: nn.CrossEntropyLoss(), lambda L: (L.ones(2, 3), L.tensor([0, 3]))),
    (lambda nn, L: nn.GELU("cubic"), lambda L: L.ones(2)),
    (lambda nn, L: nn.CrossEntropyLoss(reduction="bogus"),
     lambda L: (L.ones(2, 3), L.tensor([0, 1]))),
    (lambda nn, L: nn.L1Loss(), lambda L: (L.ones(2, 3), L.ones(3, 3))),
    (lambda nn, L: nn.EmbeddingBag(5, 2, mode="median"), lambda L: L.tensor([[0, 1]])),
    (lambda nn, L: nn.EmbeddingBag(5, 2), lambda L: (L.tensor([0, 1, 2]), None)),
    (lambda nn, L: nn.MultiheadAttention(4, 2), lambda L: (L.ones(3, 2, 4), L.ones(3, 2, 5),
                                                           L.ones(3, 2, 4))),
    (lambda nn, L: nn.MultiheadAttention(4, 2), lambda L: (L.ones(3, 2, 4),) * 2),
    (lambda nn, L: nn.Bilinear(2, 3, 4), lambda L: (L.ones(5, 2), L.ones(5, 2))),
    (lambda nn, L: nn.PReLU(3), lambda L: L.ones(2, 4)),
    (lambda nn, L: nn.Flatten(3), lambda L: L.ones(2, 4)),
    (lambda nn, L: nn.Dropout2d(0.5), lambda L: L.ones(2)),
    (lambda nn, L: nn.TripletMarginWithDistanceLoss(),
     lambda L: (L.ones(2, 3), L.ones(2, 3), L.ones(2, 4))),
]


@pytest.mark.parametrize("make,inp", BAD_FORWARD, ids=range(len(BAD_FORWARD)))
def test_bad_forward(make, inp):
    def run(lib):
        m = make(lib.nn, lib)
        x = inp(lib)
        return m(*x) if isinstance(x, tuple) else m(x)
    expected = _error_of(lambda: run(torch))
    assert expected is not None
    assert _error_of(lambda: run(kindling)) == expected


@pytest.mark.parametrize("make,reset", [
    (lambda nn, L: nn.Linear(5, 4), "reset_parameters"),
    (lambda nn, L: nn.Bilinear(2, 3, 4), "reset_parameters"),
    (lambda nn, L: nn.PReLU(3, 0.5), "reset_parameters"),
    (lambda nn, L: nn.Embedding(6, 3, padding_idx=0), "reset_parameters"),
    (lambda nn, L: nn.EmbeddingBag(6, 3, padding_idx=1), "reset_parameters"),
    (lambda nn, L: nn.MultiheadAttention(4, 2, add_bias_kv=True), "_reset_parameters"),
    (lambda nn, L: nn.MultiheadAttention(4, 2, kdim=2, vdim=3), "_reset_parameters"),
])
def test_reset_parameters_redraws_like_torch(make, reset):
    mods = {}
    for lib in (torch, kindling):
        lib.manual_seed(7)
        m = make(lib.nn, lib)
        lib.manual_seed(99)
        getattr(m, reset)()
        mods[lib.__name__] = m
    _check_structure(mods["kindling"], mods["torch"])


def test_generator_isolated_from_module_init():
    """A module's init draws from the global stream, so consuming it first shifts the
    weights in both libraries alike."""
    res = {}
    for lib in (torch, kindling):
        lib.manual_seed(0)
        lib.rand(3)
        res[lib.__name__] = lib.nn.Linear(3, 2).weight
    np.testing.assert_array_equal(_np(res["kindling"]), _np(res["torch"]))


def test_names_exported():
    import torch.nn.modules.activation as ta
    import torch.nn.modules.distance as td
    import torch.nn.modules.dropout as tdr
    import torch.nn.modules.flatten as tf
    import torch.nn.modules.linear as tl
    import torch.nn.modules.loss as tlo
    import torch.nn.modules.sparse as ts
    skipped = {"LazyLinear"}
    for mod in (ta, td, tdr, tf, tl, tlo, ts):
        kmod = __import__("kindling.nn.modules." + mod.__name__.rsplit(".", 1)[1],
                          fromlist=["x"])
        for name in mod.__all__:
            if name in skipped:
                continue
            assert isinstance(getattr(kindling.nn, name), type), name
            assert getattr(kindling.nn, name) is getattr(kmod, name)
            assert name in kindling.nn.modules.__all__
            assert getattr(kindling.nn, name).__module__ == \
                getattr(torch.nn, name).__module__.replace("torch", "kindling", 1)


@pytest.mark.parametrize("name", ["Linear", "ReLU", "Softmax", "CrossEntropyLoss",
                                  "MultiheadAttention", "Dropout", "Flatten", "Embedding",
                                  "EmbeddingBag", "PairwiseDistance", "TripletMarginLoss",
                                  "Hardtanh", "PReLU"])
def test_constants_match(name):
    assert getattr(getattr(kindling.nn, name), "__constants__", None) == \
        getattr(getattr(torch.nn, name), "__constants__", None)


def test_train_eval_switch_randomness():
    """RReLU and dropout draw in training mode and are deterministic in eval mode."""
    for make in (lambda nn: nn.RReLU(), lambda nn: nn.Dropout(0.5),
                 lambda nn: nn.AlphaDropout(0.5)):
        m = make(kindling.nn)
        x = kindling.tensor(_rand(4, 6), dtype=kindling.float32)
        m.eval()
        a, b = m(x), m(x)
        assert a.tolist() == b.tolist()
        m.train()
        kindling.manual_seed(1)
        c = m(x)
        kindling.manual_seed(2)
        d = m(x)
        assert c.tolist() != d.tolist()


def test_mha_fast_path_values():
    """PyTorch takes a fused kernel in inference (eval, no grad, batch_first self-attention);
    kindling's general path gives the same numbers."""
    res = {}
    x = _rand(2, 5, 8)
    for lib in (torch, kindling):
        lib.manual_seed(3)
        m = lib.nn.MultiheadAttention(8, 2, batch_first=True).eval()
        with lib.no_grad():
            t = lib.tensor(x, dtype=lib.float32)
            res[lib.__name__] = m(t, t, t)
    for k, t in zip(res["kindling"], res["torch"]):
        np.testing.assert_allclose(_np(k), _np(t), rtol=1e-5, atol=1e-6)


def test_loss_weight_buffers():
    for lib in (torch, kindling):
        w = lib.tensor([1.0, 2.0])
        m = lib.nn.CrossEntropyLoss(weight=w)
        assert m.weight is w
        assert list(dict(m.named_buffers())) == ["weight"]
        m = lib.nn.BCEWithLogitsLoss(pos_weight=w)
        assert list(dict(m.named_buffers())) == ["pos_weight"]
        assert m.weight is None
        assert list(m.state_dict()) == ["pos_weight"]


@pytest.mark.parametrize("make", [
    lambda nn, L: nn.MSELoss(size_average=False, reduce=True),
    lambda nn, L: nn.NLLLoss(reduce=False),
    lambda nn, L: nn.KLDivLoss(size_average=True),
    lambda nn, L: nn.BCEWithLogitsLoss(size_average=False),
    lambda nn, L: nn.NLLLoss2d(),
    lambda nn, L: nn.Hardtanh(min_value=-2.0),
    lambda nn, L: nn.L1Loss(size_average=True, reduction="bogus"),  # the legacy flag wins
])
def test_construction_warnings_and_reduction(make):
    out = []
    for lib in (torch, kindling):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m = make(lib.nn, lib)
        out.append(([(x.category, str(x.message)) for x in w],
                    getattr(m, "reduction", None), repr(m)))
    assert out[0] == out[1]


@pytest.mark.parametrize("make", [
    lambda nn, L: nn.Linear(4, 3),
    lambda nn, L: nn.Bilinear(2, 4, 3),
    lambda nn, L: nn.PReLU(4),
    lambda nn, L: nn.Embedding(7, 4, padding_idx=1),
    lambda nn, L: nn.MultiheadAttention(4, 2, kdim=3, vdim=4),
    lambda nn, L: nn.TripletMarginWithDistanceLoss(),
    lambda nn, L: nn.CrossEntropyLoss(weight=L.tensor([1.0, 2.0, 3.0, 4.0])),
])
def test_copy_pickle_and_load_state_dict(make):
    """deepcopy and pickle keep parameters, buffers and repr; a kindling module loaded with
    a torch module's state_dict (as NumPy values) reproduces its structure exactly."""
    import copy
    import pickle
    kindling.manual_seed(5)
    m = make(kindling.nn, kindling)
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert repr(clone) == repr(m)
        assert list(clone.state_dict()) == list(m.state_dict())
        for (n, a), (_, b) in zip(clone.state_dict().items(), m.state_dict().items()):
            assert a.tolist() == b.tolist(), n
            assert a.data_ptr() != b.data_ptr()
    torch.manual_seed(11)
    mt = make(torch.nn, torch)
    km = make(kindling.nn, kindling)
    km.load_state_dict({n: kindling.tensor(v.numpy()) for n, v in mt.state_dict().items()})
    _check_structure(km, mt)


def test_double_and_to_keep_module_working():
    res = {}
    x = _rand(3, 4)
    for lib in (torch, kindling):
        lib.manual_seed(2)
        m = lib.nn.Linear(4, 2).double()
        assert m.weight.dtype == lib.float64 and type(m.weight).__name__ == "Parameter"
        res[lib.__name__] = m(lib.tensor(x))
    np.testing.assert_allclose(_np(res["kindling"]), _np(res["torch"]), rtol=1e-12)
    assert str(res["kindling"].dtype) == str(res["torch"].dtype)


def test_embedding_from_pretrained_shares_storage():
    for lib in (torch, kindling):
        w = lib.arange(6.0).reshape(3, 2)
        e = lib.nn.Embedding.from_pretrained(w)
        assert not e.weight.requires_grad
        assert e.weight.data_ptr() == w.data_ptr()
        b = lib.nn.EmbeddingBag.from_pretrained(w, freeze=False)
        assert b.weight.requires_grad


@pytest.mark.parametrize("make", [
    lambda nn, L, **kw: nn.Linear(3, 2, **kw),
    lambda nn, L, **kw: nn.Bilinear(3, 2, 4, **kw),
    lambda nn, L, **kw: nn.PReLU(3, **kw),
    lambda nn, L, **kw: nn.Embedding(5, 2, padding_idx=0, **kw),
    lambda nn, L, **kw: nn.EmbeddingBag(5, 2, **kw),
    lambda nn, L, **kw: nn.MultiheadAttention(4, 2, add_bias_kv=True, **kw),
])
def test_factory_kwargs_and_default_dtype(make):
    """``device='meta'`` builds shapes without data; the default dtype decides the
    parameters' dtype, as in PyTorch."""
    for lib in (torch, kindling):
        m = make(lib.nn, lib, device="meta")
        assert all(p.is_meta for p in m.parameters())
        shapes = [(n, tuple(p.shape)) for n, p in m.named_parameters()]
        old = lib.get_default_dtype()
        lib.set_default_dtype(lib.float64)
        try:
            m64 = make(lib.nn, lib)
        finally:
            lib.set_default_dtype(old)
        dtypes = {str(p.dtype) for p in m64.parameters()}
        if lib is torch:
            expected = (shapes, dtypes)
    assert (shapes, dtypes) == expected


@pytest.mark.parametrize("name", ["Softmax", "Softmin", "LogSoftmax", "MultiheadAttention"])
def test_setstate_of_old_pickles(name):
    """States pickled before ``dim`` / ``_qkv_same_embed_dim`` existed load with PyTorch's
    defaults."""
    out = []
    for lib in (torch, kindling):
        cls = getattr(lib.nn, name)
        m = cls(4, 2) if name == "MultiheadAttention" else cls(1)
        state = dict(m.__dict__)
        state.pop("dim" if name != "MultiheadAttention" else "_qkv_same_embed_dim")
        fresh = cls.__new__(cls)
        fresh.__setstate__(state)
        out.append((getattr(fresh, "dim", None), getattr(fresh, "_qkv_same_embed_dim", None),
                    repr(fresh)))
    assert out[0] == out[1]
