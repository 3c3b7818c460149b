"""torch.nn.functional's dropout variants, rrelu, embedding and attention against PyTorch:
seeded values (the same random streams), errors and messages, warnings, backward node names,
gradients, and the aten ops a dispatch mode sees."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402

from _parity import call_outcome, dispatch_log  # noqa: E402

LIBS = (torch, kindling)


@pytest.fixture(autouse=True)
def rng_kept():
    t_state, k_state = torch.get_rng_state(), kindling.get_rng_state()
    yield
    torch.set_rng_state(t_state)
    kindling.set_rng_state(k_state)


def _arr(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _both(case, seed=3):
    """``case(lib)`` in both libraries after ``manual_seed(seed)``, as call_outcome records it
    (tensors as nested lists)."""
    out = []
    for lib in LIBS:
        lib.manual_seed(seed)
        out.append(call_outcome(lambda: case(lib), _plain))
    return out


def _plain(r):
    if isinstance(r, (tuple, list)):
        return type(r)(_plain(x) for x in r)
    if hasattr(r, "detach") and hasattr(r, "dtype"):
        return (str(r.dtype).split(".")[-1], tuple(r.shape),
                np.round(np.asarray(r.detach().tolist(), dtype=float), 10).tolist())
    return r


def _same(case, seed=3):
    t, k = _both(case, seed)
    assert k == t


# ---- dropout ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, shape", [
    ("dropout", (4, 5)), ("alpha_dropout", (4, 5)), ("feature_alpha_dropout", (3, 4, 2, 2)),
    ("dropout1d", (3, 4, 5)), ("dropout1d", (4, 5)), ("dropout2d", (2, 3, 4, 4)),
    ("dropout3d", (2, 3, 2, 2, 2)), ("dropout3d", (3, 2, 2, 2))])
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("inplace", [False, True])
def test_dropout_values_and_gradients(fn, shape, p, inplace):
    x = _arr(shape)

    def case(lib):
        a = lib.tensor(x, requires_grad=True)
        b = a * 1  # (in place needs a non-leaf)
        r = getattr(lib.nn.functional, fn)(b, p=p, training=True, inplace=inplace)
        g, = lib.autograd.grad(r, a, lib.ones_like(r))
        return r, g, r.grad_fn.name() if r.grad_fn is not None else None
    _same(case)


@pytest.mark.parametrize("fn", ["dropout", "alpha_dropout", "feature_alpha_dropout",
                                "dropout1d", "dropout2d", "dropout3d"])
def test_dropout_bad_p_and_eval(fn):
    x = _arr((2, 3, 4, 4))
    _same(lambda lib: getattr(lib.nn.functional, fn)(lib.tensor(x), p=1.5))
    _same(lambda lib: getattr(lib.nn.functional, fn)(lib.tensor(x), p=0.5, training=False))


@pytest.mark.parametrize("op", ["dropout", "feature_dropout", "alpha_dropout",
                                "feature_alpha_dropout", "dropout_", "feature_dropout_"])
def test_torch_dropout_ops(op):
    for shape in ((3, 4), (2, 3, 4), (5,), ()):
        x = _arr(shape)
        _same(lambda lib: getattr(lib, op)(lib.tensor(x), 0.4, True))
    _same(lambda lib: getattr(lib, op)(lib.tensor(_arr((3, 4))), -0.1, True))
    _same(lambda lib: getattr(lib, op)(lib.tensor(_arr((3, 4))), 0.5, False))


@pytest.mark.parametrize("fn, dim", [("dropout2d", 3), ("dropout2d", 2), ("dropout2d", 5),
                                     ("dropout3d", 3), ("dropout3d", 6), ("dropout1d", 4)])
def test_dropout_dim_warnings_and_errors(fn, dim):
    x = _arr((2,) * dim)
    _same(lambda lib: getattr(lib.nn.functional, fn)(lib.tensor(x), 0.5))


def test_dropout_dispatch_ops():
    x = _arr((2, 3, 4))
    for fn in ("dropout", "dropout2d", "alpha_dropout", "feature_alpha_dropout"):
        logs = []
        for lib in LIBS:
            log, mode = dispatch_log(lib)
            t = lib.tensor(x)
            with warnings.catch_warnings(), mode:
                warnings.simplefilter("ignore")
                getattr(lib.nn.functional, fn)(t, 0.5, True)
            logs.append(log)
        assert logs[1] == logs[0], fn


def test_dropout_forward_ad():
    x, tx = _arr((3, 4)), _arr((3, 4), 1)
    outs = []
    for lib in LIBS:
        fa = __import__(lib.__name__ + ".autograd.forward_ad", fromlist=["dual_level"])
        lib.manual_seed(5)
        with fa.dual_level():
            d = fa.make_dual(lib.tensor(x), lib.tensor(tx))
            r = lib.nn.functional.alpha_dropout(d, 0.3, True)
            outs.append(np.asarray(fa.unpack_dual(r).tangent.tolist()))
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12)


# ---- rrelu --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("inplace", [False, True])
def test_rrelu(dtype, training, inplace):
    x = _arr((4, 7))

    def case(lib):
        a = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
        r = lib.nn.functional.rrelu(a * 1, 0.1, 0.6, training=training, inplace=inplace)
        g, = lib.autograd.grad(r, a, lib.ones_like(r) * 2)
        return r, g, r.grad_fn.name()
    _same(case)


def test_rrelu_errors_and_noise():
    x = _arr((3, 3))
    _same(lambda lib: lib.rrelu(lib.tensor(x), 0.5, 0.1))
    _same(lambda lib: lib.rrelu(lib.tensor(x).long(), 0.1, 0.5, True))

    def noise_case(lib):
        n = lib.zeros(3, 3, dtype=lib.float64)
        r = lib._C._nn.rrelu_with_noise(lib.tensor(x), n, 0.2, 0.4, True)
        return r, n, n._version
    _same(noise_case)
    _same(lambda lib: lib._C._nn.rrelu_with_noise(lib.tensor(x), lib.zeros(2), 0.2, 0.4, True))


# ---- embedding ----------------------------------------------------------------------------------
_IDX = np.array([[0, 2, 2], [5, 1, 2]])


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"padding_idx": -1},
                                {"scale_grad_by_freq": True}, {"max_norm": 1.0},
                                {"max_norm": 1.0, "norm_type": 1.0},
                                {"padding_idx": 2, "scale_grad_by_freq": True}])
def test_embedding(kw):
    w0 = _arr((6, 3)) * 2

    def case(lib):
        w = lib.tensor(w0, requires_grad=True)
        r = lib.nn.functional.embedding(lib.tensor(_IDX), w, **kw)
        g, = lib.autograd.grad(r, w, lib.tensor(_arr(tuple(r.shape), 1)), create_graph=True)
        gg = lib.autograd.grad(g, w, lib.ones_like(g), allow_unused=True)[0] \
            if g.requires_grad else None
        return r, g, w, r.grad_fn.name(), gg
    _same(case)


def test_embedding_errors():
    w = _arr((5, 3))
    cases = [
        lambda lib: lib.embedding(lib.tensor(w), lib.tensor([1.0])),
        lambda lib: lib.embedding(lib.tensor(w[0]), lib.tensor([1])),
        lambda lib: lib.embedding(lib.tensor(w), lib.tensor([7])),
        lambda lib: lib.embedding_renorm_(lib.tensor(w), lib.tensor([1.0]), 1.0, 2.0),
        lambda lib: lib.embedding_renorm_(lib.tensor(w[0]), lib.tensor([1]), 1.0, 2.0),
        lambda lib: lib.embedding_renorm_(lib.tensor(w), lib.tensor([9]), 1.0, 2.0),
        lambda lib: lib.ops.aten.embedding_dense_backward(lib.tensor(w), lib.tensor([1.0]), 5,
                                                          -1, False),
        lambda lib: lib.nn.functional.embedding(lib.tensor([1]), lib.tensor(w), padding_idx=5),
        lambda lib: lib.nn.functional.embedding(lib.tensor([1]), lib.tensor(w), padding_idx=-6),
    ]
    for case in cases:
        _same(case)


def test_embedding_sparse_gradient_not_implemented():
    w = kindling.tensor(_arr((4, 3)), requires_grad=True)
    r = kindling.nn.functional.embedding(kindling.tensor([1, 2]), w, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse gradients"):
        r.sum().backward()


# ---- scaled_dot_product_attention ------------------------------------------------------------
_SDPA = [
    dict(q=(2, 2, 3, 4), kv=(2, 2, 5, 4)),
    dict(q=(2, 3, 4), kv=(2, 5, 4)),
    dict(q=(2, 3, 4), kv=(2, 2, 5, 4)),
    dict(q=(2, 2, 3, 4), kv=(2, 2, 5, 4), is_causal=True),
    dict(q=(2, 3, 4), kv=(2, 5, 4), is_causal=True, scale=-0.3),
    dict(q=(2, 2, 3, 4), kv=(2, 2, 5, 4), mask="bool"),
    dict(q=(2, 2, 3, 4), kv=(2, 2, 5, 4), mask="float"),
    dict(q=(2, 2, 3, 4), kv=(2, 2, 5, 4), mask="float", mask_grad=True),
    dict(q=(2, 4, 3, 4), kv=(2, 2, 5, 4), enable_gqa=True),
    dict(q=(2, 4, 3, 4), kv=(2, 2, 5, 4), enable_gqa=True, dropout_p=0.4),
    dict(q=(2, 2, 3, 4), kv=(2, 2, 5, 4), dropout_p=0.5, scale=0.7),
    dict(q=(2, 2, 3, 4), kv=(2, 2, 5, 4), mask="allfalse"),
]


@pytest.mark.parametrize("cfg", _SDPA, ids=[str(i) for i in range(len(_SDPA))])
def test_sdpa(cfg):
    cfg = dict(cfg)
    q0, k0, v0 = _arr(cfg.pop("q"), 1), _arr(cfg["kv"], 2), _arr(cfg.pop("kv"), 3)
    mask, mask_grad = cfg.pop("mask", None), cfg.pop("mask_grad", False)
    L, S = q0.shape[-2], k0.shape[-2]
    m0 = {None: None, "bool": _arr((L, S), 4) > -0.5, "float": _arr((L, S), 4),
          "allfalse": np.zeros((L, S), bool)}[mask]

    def case(lib):
        q, k, v = (lib.tensor(a, requires_grad=True) for a in (q0, k0, v0))
        m = None if m0 is None else lib.tensor(m0, requires_grad=mask_grad)
        r = lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m, **cfg)
        ins = [q, k, v] + ([m] if mask_grad else [])
        gs = lib.autograd.grad(r, ins, lib.tensor(_arr(tuple(r.shape), 5)), allow_unused=True)
        return r, r.stride(), r.grad_fn.name(), [None if g is None else (g, g.stride())
                                                 for g in gs]
    _same(case)


def _safe_softmax_collapsed(log):
    """``log`` with ``_safe_softmax``'s decomposition (what runs until kindling has the op)
    shown as the op."""
    while "aten._softmax.default" in log:
        i = log.index("aten._softmax.default")
        j = log.index("aten.where.self", i)
        log = log[:i] + ["aten._safe_softmax.default"] + \
            [x for x in log[i:j] if x == "aten.detach.default"] + log[j + 1:]
    return log


def test_sdpa_dispatch_ops():
    q0 = _arr((2, 2, 3, 4))
    for kw in ({}, {"attn_mask": "bool"}, {"dropout_p": 0.5}, {"is_causal": True},
               {"enable_gqa": True}):
        logs = []
        for lib in LIBS:
            log, mode = dispatch_log(lib)
            q = lib.tensor(q0, requires_grad=True)
            q3 = lib.tensor(q0[0], requires_grad=True)
            kws = dict(kw)
            if kws.get("attn_mask") == "bool":
                kws["attn_mask"] = lib.ones(3, 3, dtype=lib.bool)
            lib.manual_seed(0)
            with mode:
                lib.nn.functional.scaled_dot_product_attention(q, q, q, **kws)
                lib.nn.functional.scaled_dot_product_attention(q3, q3, q3, **kws)
            logs.append(log)
        assert _safe_softmax_collapsed(logs[1]) == logs[0], kw


def test_sdpa_errors():
    q = _arr((1, 1, 2, 3))
    m2 = np.array([[0.0, -np.inf], [-np.inf, -np.inf]])
    cases = [
        lambda lib: lib.nn.functional.scaled_dot_product_attention(
            lib.tensor(q), lib.tensor(q).float(), lib.tensor(q)),
        lambda lib: lib.nn.functional.scaled_dot_product_attention(
            lib.tensor(q).view(-1), lib.tensor(q).view(-1), lib.tensor(q).view(-1)),
        lambda lib: lib.nn.functional.scaled_dot_product_attention(
            lib.tensor(q), lib.tensor(q), lib.tensor(q), attn_mask=lib.ones(2, 2).long()),
        lambda lib: lib.nn.functional.scaled_dot_product_attention(
            lib.tensor(q[0]), lib.tensor(q[0]), lib.tensor(q[0]), attn_mask=lib.tensor(m2),
            is_causal=True),
        lambda lib: lib.nn.functional.scaled_dot_product_attention(
            lib.tensor(q), lib.tensor(q), lib.tensor(q), attn_mask=lib.tensor(m2),
            is_causal=True),
        lambda lib: lib.nn.functional.scaled_dot_product_attention(
            lib.tensor(q), lib.tensor(_arr((1, 3, 2, 3))), lib.tensor(_arr((1, 3, 2, 3))),
            enable_gqa=True),
        lambda lib: lib._scaled_dot_product_flash_attention_for_cpu(
            lib.tensor(q), lib.tensor(q), lib.tensor(q), 0.5),
        lambda lib: lib._scaled_dot_product_flash_attention_for_cpu(
            lib.tensor(q[0]), lib.tensor(q[0]), lib.tensor(q[0])),
        lambda lib: lib._scaled_dot_product_flash_attention_for_cpu(
            lib.tensor(q).long(), lib.tensor(q).long(), lib.tensor(q).long()),
        lambda lib: lib._scaled_dot_product_flash_attention_for_cpu(
            lib.tensor(q), lib.tensor(q), lib.tensor(_arr((1, 1, 2, 5)))),
        lambda lib: lib._scaled_dot_product_flash_attention_for_cpu(
            lib.tensor(q), lib.tensor(q), lib.tensor(q), attn_mask=lib.ones(2, 2).bool()),
        lambda lib: lib._scaled_dot_product_flash_attention_for_cpu(
            lib.tensor(q), lib.tensor(q), lib.tensor(q), attn_mask=lib.zeros(1, 2, 2).double()),
    ]
    for case in cases:
        _same(case)


def test_sdpa_flash_op_outputs_and_double_backward():
    q0 = _arr((2, 2, 3, 4))

    def case(lib):
        q = lib.tensor(q0, requires_grad=True)
        out, lse = lib._scaled_dot_product_flash_attention_for_cpu(q, q, q, is_causal=True)
        g, = lib.autograd.grad(out.sum(), q, create_graph=True)
        return out, lse, lse.stride(), lse.requires_grad, g.requires_grad
    _same(case)
    for lib in LIBS:  # (PyTorch has no formula for the backward op)
        q = lib.tensor(q0, requires_grad=True)
        g, = lib.autograd.grad(lib.nn.functional.scaled_dot_product_attention(q, q, q).sum(), q,
                               create_graph=True)
        with pytest.raises(RuntimeError, match="derivative for aten::_scaled_dot_product_flash"
                                               "_attention_for_cpu_backward is not implemented"):
            g.sum().backward()


@pytest.mark.parametrize("op", ["_efficient_attention_forward", "_flash_attention_forward"])
def test_cuda_only_attention_ops_refuse_cpu(op):
    q = _arr((1, 2, 2, 4))
    args = {"_efficient_attention_forward": (None, None, None, None, None, 0.0, 0),
            "_flash_attention_forward": (None, None, 2, 2, 0.0, False, False)}[op]
    t, k = _both(lambda lib: getattr(lib.ops.aten, op)(
        lib.tensor(q), lib.tensor(q), lib.tensor(q), *args))
    assert t[0] == k[0] == "raised" and t[1] == k[1] == "NotImplementedError"
    assert k[2].split("'CPU' backend.")[0] == t[2].split("'CPU' backend.")[0]


# ---- multi_head_attention_forward --------------------------------------------------------------
def _mha_args(lib, E=4, H=2, L=3, S=5, N=2, separate=False, batched=True):
    mk = lambda *s, seed: lib.tensor(_arr(s, seed), requires_grad=True)  # noqa: E731
    lead = (N,) if batched else ()
    q, k, v = mk(L, *lead, E, seed=1), mk(S, *lead, E, seed=2), mk(S, *lead, E, seed=3)
    kw = dict(q_proj_weight=mk(E, E, seed=4), k_proj_weight=mk(E, E, seed=5),
              v_proj_weight=mk(E, E, seed=6), use_separate_proj_weight=True) if separate else {}
    in_w = None if separate else mk(3 * E, E, seed=7)
    args = (q, k, v, E, H, in_w, mk(3 * E, seed=8), mk(E, seed=9), mk(E, seed=10), False, 0.0,
            mk(E, E, seed=11), mk(E, seed=12))
    return args, kw


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask", [None, "2d", "3d", "bool", "kpm"])
@pytest.mark.parametrize("separate", [False, True])
def test_multi_head_attention_forward(need_weights, mask, separate):
    def case(lib):
        args, kw = _mha_args(lib, separate=separate)
        if mask == "2d":
            kw["attn_mask"] = lib.tensor(_arr((3, 5), 13))
        elif mask == "3d":
            kw["attn_mask"] = lib.tensor(_arr((4, 3, 5), 13))
        elif mask == "bool":
            kw["attn_mask"] = lib.tensor(_arr((3, 5), 13) > 0.8)
        elif mask == "kpm":
            kw["key_padding_mask"] = lib.tensor(np.array([[False] * 4 + [True]] * 2))
        out, w = lib.nn.functional.multi_head_attention_forward(
            *args, need_weights=need_weights, **kw)
        leaves = [a for a in args if hasattr(a, "requires_grad") and a.requires_grad] + \
            [v for v in kw.values() if hasattr(v, "requires_grad") and v.requires_grad]
        gs = lib.autograd.grad(out, leaves, lib.ones_like(out), allow_unused=True)
        return out, w, out.grad_fn.name(), [None if g is None else g for g in gs]
    _same(case)


def test_multi_head_attention_forward_unbatched_dropout_and_errors():
    def case(lib):
        args, kw = _mha_args(lib, batched=False)
        args = args[:10] + (0.5,) + args[11:]
        return lib.nn.functional.multi_head_attention_forward(*args, training=True, **kw)
    _same(case)

    def bad(change):
        def case(lib):
            args, kw = _mha_args(lib)
            args, kw = change(lib, list(args), kw)
            return lib.nn.functional.multi_head_attention_forward(*args, **kw)
        return case
    for change in (
            lambda lib, a, kw: (a[:3] + [5] + a[4:], kw),             # embed_dim_to_check
            lambda lib, a, kw: (a[:4] + [3] + a[5:], kw),             # num_heads
            lambda lib, a, kw: (a[:5] + [None] + a[6:], kw),          # no in_proj_weight
            lambda lib, a, kw: (a[:8] + [None] + a[9:], kw),          # bias_v missing
            lambda lib, a, kw: ([a[0][0]] + a[1:], kw),               # 2-D query, 3-D key
            lambda lib, a, kw: (a, dict(kw, attn_mask=lib.zeros(2, 2))),
            lambda lib, a, kw: (a, dict(kw, attn_mask=lib.zeros(3, 5).long())),
            lambda lib, a, kw: (a, dict(kw, is_causal=True)),
            lambda lib, a, kw: (a, dict(kw, key_padding_mask=lib.zeros(3, 5).bool())),
            lambda lib, a, kw: (a, dict(kw, key_padding_mask=lib.zeros(2, 5).bool(),
                                        attn_mask=lib.zeros(3, 5)))):
        _same(bad(change))


def test_multi_head_attention_forward_shape_checks():
    def case(q_shape, k_shape, kpm=None, mask=None):
        def run(lib):
            E = q_shape[-1]
            q, k = lib.zeros(q_shape), lib.zeros(k_shape)
            return lib.nn.functional.multi_head_attention_forward(
                q, k, k, E, 2, lib.zeros(3 * E, E), None, None, None, False, 0.0,
                lib.zeros(E, E), None,
                key_padding_mask=None if kpm is None else lib.zeros(kpm).bool(),
                attn_mask=None if mask is None else lib.zeros(mask))
        return run
    for args in (((3, 2, 4), (5, 4)), ((3, 4), (5, 2, 4)), ((3, 2, 4), (5, 2, 4), (2,)),
                 ((3, 4), (5, 4), (1, 5)), ((3, 2, 4), (5, 2, 4), None, (5,)),
                 ((3, 4), (5, 4), None, (4, 3, 5)), ((3, 4), (5, 4), None, (2, 3, 5)),
                 ((4,), (4,)), ((1, 3, 2, 4), (5, 2, 4))):
        _same(case(*args))
