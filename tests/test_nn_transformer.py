"""nn.Transformer and its layers, AdaptiveLogSoftmaxWithLoss and DataParallel against PyTorch:
initial parameters from the same seed, outputs and gradients in train mode (seeded dropout)
and eval mode (PyTorch's inference fast path included), masks, warnings, reprs, errors."""
import warnings

import numpy as np
import pytest

import kindling as kt
import kindling.nn.functional as KF

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

D, H, FF = 8, 2, 16


def to_k(t):
    return kt.tensor(t.detach().numpy().copy(), dtype=getattr(kt, str(t.dtype).split(".")[1]))


def close(k, t, atol=1e-5, rtol=1e-4):
    assert tuple(k.shape) == tuple(t.shape)
    assert str(k.dtype) == str(t.dtype)
    np.testing.assert_allclose(k.detach().numpy(), t.detach().numpy(), atol=atol, rtol=rtol,
                               equal_nan=True)


def build(name, *args, seed=0, **kwargs):
    """The same module built by both libraries from the same seed (warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(seed)
        tm = getattr(torch.nn, name)(*args, **kwargs)
        kt.manual_seed(seed)
        km = getattr(kt.nn, name)(*args, **{k: kt_value(v) for k, v in kwargs.items()})
    return km, tm


def kt_value(v):
    """kindling's twin of a torch keyword value (activation functions)."""
    return {TF.relu: KF.relu, TF.gelu: KF.gelu}.get(v, v) if callable(v) else v


def same_params(km, tm):
    kp, tp = dict(km.named_parameters()), dict(tm.named_parameters())
    assert list(kp) == list(tp)
    for n in kp:
        np.testing.assert_array_equal(kp[n].detach().numpy(), tp[n].detach().numpy(), err_msg=n)


def check_grads(km, tm, kins, tins, atol=1e-5):
    for n, p in km.named_parameters():
        tg = dict(tm.named_parameters())[n].grad
        if tg is None:
            assert p.grad is None, n
        else:
            close(p.grad, tg, atol=atol)
    for k, t in zip(kins, tins):
        close(k.grad, t.grad, atol=atol)


def inputs(*shapes, seed=1):
    g = np.random.default_rng(seed)
    ts = [torch.tensor(g.standard_normal(s).astype(np.float32), requires_grad=True)
          for s in shapes]
    ks = [kt.tensor(t.detach().numpy().copy(), requires_grad=True) for t in ts]
    return ks, ts


def run_both(km, tm, kargs, targs, kkw=None, tkw=None, train=True, seed=3):
    km.train(train)
    tm.train(train)
    kt.manual_seed(seed)
    ko = km(*kargs, **(kkw or {}))
    torch.manual_seed(seed)
    to = tm(*targs, **(tkw or {}))
    return ko, to


def masks(S, N, kind, batch_first=True):
    """(kindling, torch) pairs of an attention mask and a key padding mask of one kind."""
    pad = np.zeros((N, S), bool)
    pad[-1, S - 2:] = True
    attn = np.triu(np.ones((S, S), bool), 1)
    if kind == "bool":
        a, p = attn, pad
    else:
        a = np.where(attn, -np.inf, 0).astype(np.float32)
        p = np.where(pad, -np.inf, 0).astype(np.float32)
    return (kt.tensor(a), torch.tensor(a)), (kt.tensor(p), torch.tensor(p))


# ---------------------------------------------------------------- parameters and structure

@pytest.mark.parametrize("name,args,kwargs", [
    ("TransformerEncoderLayer", (D, H, FF), {}),
    ("TransformerEncoderLayer", (D, H, FF), dict(bias=False, norm_first=True)),
    ("TransformerDecoderLayer", (D, H, FF), dict(batch_first=True)),
    ("Transformer", (D, H, 2, 3, FF), {}),
    ("Transformer", (D, H, 1, 1, FF), dict(bias=False, activation="gelu")),
])
def test_same_seed_same_parameters_and_repr(name, args, kwargs):
    km, tm = build(name, *args, **kwargs)
    same_params(km, tm)
    assert repr(km) == repr(tm)
    assert list(km.state_dict()) == list(tm.state_dict())


def test_encoder_clones_are_deep_copies():
    kt.manual_seed(0)
    layer = kt.nn.TransformerEncoderLayer(D, H, FF)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enc = kt.nn.TransformerEncoder(layer, 3)
    ws = [m.linear1.weight for m in enc.layers]
    assert all(w is not layer.linear1.weight for w in ws)
    assert ws[0] is not ws[1]
    np.testing.assert_array_equal(ws[0].detach().numpy(), ws[2].detach().numpy())
    with kt.no_grad():
        ws[0].add_(1)
    assert not np.array_equal(ws[0].detach().numpy(), ws[1].detach().numpy())


def test_generate_square_subsequent_mask():
    for sz in (1, 4):
        close(kt.nn.Transformer.generate_square_subsequent_mask(sz),
              torch.nn.Transformer.generate_square_subsequent_mask(sz))
    close(kt.nn.Transformer.generate_square_subsequent_mask(3, dtype=kt.float64),
          torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64))


# ---------------------------------------------------------------- encoder layer

@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
@pytest.mark.parametrize("train", [True, False])
def test_encoder_layer(batch_first, norm_first, activation, train):
    kw = dict(batch_first=batch_first, norm_first=norm_first, dropout=0.2)
    if activation == "callable":
        km, tm = build("TransformerEncoderLayer", D, H, FF, **kw)
        km.activation, tm.activation = (lambda x: KF.silu(x) * 2), (lambda x: TF.silu(x) * 2)
    else:
        km, tm = build("TransformerEncoderLayer", D, H, FF, activation=activation, **kw)
    same_params(km, tm)
    shape = (3, 5, D) if batch_first else (5, 3, D)
    (kx,), (tx,) = inputs(shape)
    ko, to = run_both(km, tm, (kx,), (tx,), train=train)
    close(ko, to)
    ko.sum().backward()
    to.sum().backward()
    check_grads(km, tm, [kx], [tx])


@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("which", ["attn", "padding", "both", "causal"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_masks(kind, which, batch_first):
    km, tm = build("TransformerEncoderLayer", D, H, FF, dropout=0.1, batch_first=batch_first)
    S, N = 5, 3
    (ka, ta), (kp, tp) = masks(S, N, kind)
    kkw, tkw = {}, {}
    if which in ("attn", "both", "causal"):
        kkw["src_mask"], tkw["src_mask"] = ka, ta
    if which in ("padding", "both"):
        kkw["src_key_padding_mask"], tkw["src_key_padding_mask"] = kp, tp
    if which == "causal":
        kkw["is_causal"] = tkw["is_causal"] = True
    (kx,), (tx,) = inputs((N, S, D) if batch_first else (S, N, D))
    for train in (True, False):
        ko, to = run_both(km, tm, (kx,), (tx,), kkw, tkw, train=train)
        close(ko, to)
        ko.sum().backward()
        to.sum().backward()
        check_grads(km, tm, [kx], [tx])
    # eval without grad: PyTorch's fused fast path when batch_first
    with kt.no_grad(), torch.no_grad():
        ko, to = run_both(km, tm, (kx,), (tx,), kkw, tkw, train=False)
    close(ko, to)


def test_encoder_layer_unbatched():
    km, tm = build("TransformerEncoderLayer", D, H, FF, batch_first=True)
    (kx,), (tx,) = inputs((5, D))
    for train in (True, False):
        ko, to = run_both(km, tm, (kx,), (tx,), train=train)
        close(ko, to)
    with kt.no_grad(), torch.no_grad():
        close(*run_both(km, tm, (kx,), (tx,), train=False))


def test_fast_path_ignores_is_causal_and_gives_nan_for_fully_masked_rows():
    km, tm = build("TransformerEncoderLayer", D, H, FF, batch_first=True)
    (kx,), (tx,) = inputs((2, 5, D))
    with kt.no_grad(), torch.no_grad():
        close(*run_both(km, tm, (kx,), (tx,), dict(is_causal=True), dict(is_causal=True),
                        train=False))
        pad = np.zeros((2, 5), bool)
        pad[0] = True
        pad[1, 3:] = True
        close(*run_both(km, tm, (kx,), (tx,), dict(src_key_padding_mask=kt.tensor(pad)),
                        dict(src_key_padding_mask=torch.tensor(pad)), train=False))
    # with grad the regular path: is_causal needs a mask
    km.eval()
    tm.eval()
    with pytest.raises(RuntimeError) as te:
        tm(tx, is_causal=True)
    with pytest.raises(RuntimeError) as ke:
        km(kx, is_causal=True)
    assert str(ke.value) == str(te.value)


def test_fast_path_with_odd_heads_or_custom_activation_uses_regular_path():
    for kw in (dict(nhead=1), dict(activation=lambda x: x)):
        nhead = kw.pop("nhead", H)
        km, tm = build("TransformerEncoderLayer", D, nhead, FF, batch_first=True, **kw)
        if "activation" in kw:
            km.activation, tm.activation = KF.tanh, torch.tanh
        (kx,), (tx,) = inputs((2, 5, D))
        with kt.no_grad(), torch.no_grad():
            close(*run_both(km, tm, (kx,), (tx,), train=False))


# ---------------------------------------------------------------- encoder stack

@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm", [False, True])
def test_encoder_stack(batch_first, norm):
    torch.manual_seed(0)
    kt.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl = torch.nn.TransformerEncoderLayer(D, H, FF, batch_first=batch_first)
        kl = kt.nn.TransformerEncoderLayer(D, H, FF, batch_first=batch_first)
        tm = torch.nn.TransformerEncoder(tl, 2, torch.nn.LayerNorm(D) if norm else None)
        km = kt.nn.TransformerEncoder(kl, 2, kt.nn.LayerNorm(D) if norm else None)
    same_params(km, tm)
    S, N = 5, 3
    (ka, ta), (kp, tp) = masks(S, N, "bool")
    (kx,), (tx,) = inputs((N, S, D) if batch_first else (S, N, D))
    for kkw, tkw in [({}, {}), (dict(mask=ka), dict(mask=ta)),
                     (dict(src_key_padding_mask=kp), dict(src_key_padding_mask=tp)),
                     (dict(mask=ka, is_causal=True), dict(mask=ta, is_causal=True))]:
        for train in (True, False):
            ko, to = run_both(km, tm, (kx,), (tx,), kkw, tkw, train=train)
            close(ko, to)
            ko.sum().backward()
            to.sum().backward()
            check_grads(km, tm, [kx], [tx])
        with kt.no_grad(), torch.no_grad():
            close(*run_both(km, tm, (kx,), (tx,), kkw, tkw, train=False))


@pytest.mark.parametrize("pad_rows", [
    [[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]],     # left aligned: nested fast path, zeros
    [[0, 0, 0, 0, 0], [1, 0, 0, 1, 1]],     # not left aligned: regular path
    [[1, 1, 1, 1, 1], [0, 0, 0, 0, 1]],     # a fully padded sequence
])
@pytest.mark.parametrize("float_mask", [False, True])
def test_encoder_nested_fast_path_values(pad_rows, float_mask):
    km, tm = build_encoder(norm=True)
    pad = np.array(pad_rows, bool)
    if float_mask:  # any nonzero entry counts as padding for the nested path
        pad = np.where(pad, -1.0, 0.0).astype(np.float32)
    (kx,), (tx,) = inputs((2, 5, D))
    with kt.no_grad(), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        close(*run_both(km, tm, (kx,), (tx,), dict(src_key_padding_mask=kt.tensor(pad)),
                        dict(src_key_padding_mask=torch.tensor(pad)), train=False))
    # mask_check=False: any mask takes the nested path, which keeps as many leading
    # positions of each sequence as its mask has zeros
    km.mask_check = tm.mask_check = False
    with kt.no_grad(), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        close(*run_both(km, tm, (kx,), (tx,), dict(src_key_padding_mask=kt.tensor(pad)),
                            dict(src_key_padding_mask=torch.tensor(pad)), train=False))


def build_encoder(norm=False, **layer_kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        tm = torch.nn.TransformerEncoder(
            torch.nn.TransformerEncoderLayer(D, H, FF, batch_first=True, **layer_kw), 2,
            torch.nn.LayerNorm(D) if norm else None)
        kt.manual_seed(0)
        km = kt.nn.TransformerEncoder(
            kt.nn.TransformerEncoderLayer(D, H, FF, batch_first=True, **layer_kw), 2,
            kt.nn.LayerNorm(D) if norm else None)
    return km, tm


def test_nested_tensor_prototype_warning():
    km, tm = build_encoder()
    pad = np.zeros((2, 5), bool)
    pad[1, 3:] = True
    (kx,), (tx,) = inputs((2, 5, D))
    km.eval()
    tm.eval()
    with kt.no_grad(), torch.no_grad():
        torch.set_warn_always(True)
        kt.set_warn_always(True)
        try:
            with warnings.catch_warnings(record=True) as tw:
                warnings.simplefilter("always")
                tm(tx, src_key_padding_mask=torch.tensor(pad))
            with warnings.catch_warnings(record=True) as kw:
                warnings.simplefilter("always")
                km(kx, src_key_padding_mask=kt.tensor(pad))
        finally:
            torch.set_warn_always(False)
            kt.set_warn_always(False)
        # a TORCH_WARN_ONCE: given once per process unless warn_always
        with warnings.catch_warnings(record=True) as again:
            warnings.simplefilter("always")
            km(kx, src_key_padding_mask=kt.tensor(pad))
    tmsg = {str(w.message) for w in tw}
    kmsg = [str(w.message) for w in kw]
    assert len(tmsg) == len(kmsg) == 1 and again == []
    # PyTorch appends "(Triggered internally at ...cpp)"; kindling has no C++ source
    assert next(iter(tmsg)).startswith(kmsg[0] + " (Triggered internally at ")
    assert kw[0].category is tw[0].category is UserWarning


def test_fast_path_treats_float_masks_as_boolean():
    km, tm = build("TransformerEncoderLayer", D, H, FF, batch_first=True)
    (kx,), (tx,) = inputs((2, 5, D))
    pad = np.array([[0, 0, 0, 0, 0], [-1, 0, 0, -1, -1]], np.float32)
    attn = np.zeros((5, 5), np.float32)
    attn[0, 1] = -1.0
    attn[2, 0] = 0.5
    for names in (["src_key_padding_mask"], ["src_mask"], ["src_mask", "src_key_padding_mask"]):
        arr = dict(src_key_padding_mask=pad, src_mask=attn)
        kkw = {n: kt.tensor(arr[n]) for n in names}
        tkw = {n: torch.tensor(arr[n]) for n in names}
        with kt.no_grad(), torch.no_grad():
            close(*run_both(km, tm, (kx,), (tx,), kkw, tkw, train=False))
        close(*run_both(km, tm, (kx,), (tx,), kkw, tkw, train=False))


@pytest.mark.parametrize("layer_kw,expect", [
    ({}, "encoder_layer.self_attn.batch_first was not True(use batch_first for better "
         "inference performance)"),
    (dict(batch_first=True, norm_first=True), "encoder_layer.norm_first was True"),
    (dict(batch_first=True, bias=False), "encoder_layer.self_attn was passed bias=False"),
    (dict(batch_first=True, activation=lambda x: x),
     "encoder_layer.activation_relu_or_gelu was not True"),
    (dict(batch_first=True, nhead=3), "encoder_layer.self_attn.num_heads is odd"),
    (dict(batch_first=True), None),
])
def test_enable_nested_tensor_warnings(layer_kw, expect):
    nhead = layer_kw.pop("nhead", H)
    d = 6 if nhead == 3 else D
    records = []
    for lib in (torch, kt):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            layer = lib.nn.TransformerEncoderLayer(d, nhead, FF, **layer_kw)
            enc = lib.nn.TransformerEncoder(layer, 2)
        records.append(([str(x.message) for x in w], [x.category for x in w],
                        enc.use_nested_tensor, enc.enable_nested_tensor))
    assert records[0] == records[1]
    if expect is None:
        assert records[1][0] == []
    else:
        assert records[1][0] == ["enable_nested_tensor is True, but self.use_nested_tensor is "
                                 f"False because {expect}"]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        enc = kt.nn.TransformerEncoder(kt.nn.TransformerEncoderLayer(D, H, FF), 2,
                                       enable_nested_tensor=False)
    assert w == [] and enc.use_nested_tensor is False


def test_encoder_not_a_layer_warning():
    for lib in (torch, kt):
        with pytest.warns(UserWarning, match="encoder_layer was not TransformerEncoderLayer"):
            lib.nn.TransformerEncoder(lib.nn.Linear(D, D), 2)


def test_mismatched_mask_types_warning():
    km, tm = build("TransformerEncoderLayer", D, H, FF)
    (ka, ta), (kp, tp) = masks(5, 3, "float")
    (kx,), (tx,) = inputs((5, 3, D))
    got = []
    for m, x, a, p in ((tm, tx, ta, tp.bool()), (km, kx, ka, kp.bool())):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m(x, src_mask=a, src_key_padding_mask=p)
        got.append([str(x.message) for x in w])
    assert got[0] == got[1] and len(got[0]) == 1


# ---------------------------------------------------------------- decoder

@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_decoder_layer_with_memory_masks(batch_first, norm_first, activation):
    km, tm = build("TransformerDecoderLayer", D, H, FF, batch_first=batch_first,
                   norm_first=norm_first, activation=activation, dropout=0.2)
    T, S, N = 4, 5, 3
    shape_t = (N, T, D) if batch_first else (T, N, D)
    shape_s = (N, S, D) if batch_first else (S, N, D)
    (ky, km_), (ty, tm_) = inputs(shape_t, shape_s)
    g = np.random.default_rng(5)
    tgt_mask = np.triu(np.ones((T, T), bool), 1)
    mem_mask = g.random((T, S)) < 0.3
    mem_mask[:, 0] = False
    tgt_pad = np.zeros((N, T), bool)
    tgt_pad[0, -1] = True
    mem_pad = np.zeros((N, S), bool)
    mem_pad[1, -2:] = True
    arrays = dict(tgt_mask=tgt_mask, memory_mask=mem_mask, tgt_key_padding_mask=tgt_pad,
                  memory_key_padding_mask=mem_pad)
    for names in (["tgt_mask"], ["memory_mask"], ["memory_key_padding_mask"], list(arrays)):
        kkw = {n: kt.tensor(arrays[n]) for n in names}
        tkw = {n: torch.tensor(arrays[n]) for n in names}
        for train in (True, False):
            ko, to = run_both(km, tm, (ky, km_), (ty, tm_), kkw, tkw, train=train)
            close(ko, to)
            ko.sum().backward()
            to.sum().backward()
            check_grads(km, tm, [ky, km_], [ty, tm_])


def test_decoder_stack_detects_causal_mask():
    torch.manual_seed(0)
    kt.manual_seed(0)
    tm = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(D, H, FF), 2,
                                     torch.nn.LayerNorm(D))
    km = kt.nn.TransformerDecoder(kt.nn.TransformerDecoderLayer(D, H, FF), 2,
                                  kt.nn.LayerNorm(D))
    same_params(km, tm)
    (ky, kmem), (ty, tmem) = inputs((4, 2, D), (6, 2, D))
    kc = kt.nn.Transformer.generate_square_subsequent_mask(4)
    tc = torch.nn.Transformer.generate_square_subsequent_mask(4)
    for train in (True, False):
        ko, to = run_both(km, tm, (ky, kmem), (ty, tmem), dict(tgt_mask=kc),
                          dict(tgt_mask=tc), train=train)
        close(ko, to)
        ko.sum().backward()
        to.sum().backward()
        check_grads(km, tm, [ky, kmem], [ty, tmem])


# ---------------------------------------------------------------- full Transformer

@pytest.mark.parametrize("kw", [
    {}, dict(batch_first=True), dict(norm_first=True, activation="gelu"),
    dict(bias=False, dropout=0.3), dict(activation=TF.gelu, layer_norm_eps=1e-3),
])
def test_transformer(kw):
    km, tm = build("Transformer", D, H, 2, 2, FF, **kw)
    same_params(km, tm)
    bf = kw.get("batch_first", False)
    S, T, N = 5, 4, 2
    (ks, ky), (ts, ty) = inputs((N, S, D) if bf else (S, N, D), (N, T, D) if bf else (T, N, D))
    kc = kt.nn.Transformer.generate_square_subsequent_mask(T)
    tc = torch.nn.Transformer.generate_square_subsequent_mask(T)
    pad = np.zeros((N, S), bool)
    pad[1, -1] = True
    cases = [({}, {}),
             (dict(tgt_mask=kc, src_key_padding_mask=kt.tensor(pad),
                   memory_key_padding_mask=kt.tensor(pad)),
              dict(tgt_mask=tc, src_key_padding_mask=torch.tensor(pad),
                   memory_key_padding_mask=torch.tensor(pad))),
             (dict(tgt_mask=kc, tgt_is_causal=True), dict(tgt_mask=tc, tgt_is_causal=True))]
    for kkw, tkw in cases:
        for train in (True, False):
            ko, to = run_both(km, tm, (ks, ky), (ts, ty), kkw, tkw, train=train)
            close(ko, to)
            ko.sum().backward()
            to.sum().backward()
            check_grads(km, tm, [ks, ky], [ts, ty], atol=2e-5)
        with kt.no_grad(), torch.no_grad():
            close(*run_both(km, tm, (ks, ky), (ts, ty), kkw, tkw, train=False))


def test_transformer_unbatched_and_custom_parts():
    km, tm = build("Transformer", D, H, 1, 1, FF)
    (ks, ky), (ts, ty) = inputs((5, D), (3, D))
    for train in (True, False):
        close(*run_both(km, tm, (ks, ky), (ts, ty), train=train))
    kt.manual_seed(0)
    enc = kt.nn.Linear(D, D)
    t = kt.nn.Transformer(D, H, custom_encoder=enc, num_decoder_layers=1, dim_feedforward=FF)
    assert t.encoder is enc


def test_transformer_errors():
    km, tm = build("Transformer", D, H, 1, 1, FF)
    for shapes in [((5, 2, D), (4, 3, D)), ((5, 2, D), (4, 2, D + 1))]:
        (ks, ky), (ts, ty) = inputs(*shapes)
        with pytest.raises(RuntimeError) as te:
            tm(ts, ty)
        with pytest.raises(RuntimeError) as ke:
            km(ks, ky)
        assert str(ke.value) == str(te.value)
    for lib in (torch, kt):
        with pytest.raises(RuntimeError, match="^activation should be relu/gelu, not tanh$"):
            lib.nn.TransformerEncoderLayer(D, H, activation="tanh")
        with pytest.raises(RuntimeError, match="^activation should be relu/gelu, not elu$"):
            lib.nn.TransformerDecoderLayer(D, H, activation="elu")
    errs = []
    for lib in (torch, kt):
        with pytest.raises(AssertionError) as e:
            lib.nn.TransformerEncoderLayer(D, 3)
        errs.append(str(e.value))
    assert errs[0] == errs[1]
    # integer masks are refused
    (kx,), (tx,) = inputs((5, 2, D))
    errs = []
    for m, x, lib in ((tm.encoder, tx, torch), (km.encoder, kx, kt)):
        with pytest.raises(AssertionError) as e:
            m(x, mask=lib.zeros(5, 5, dtype=lib.int64))
        errs.append(str(e.value))
    assert errs[0] == errs[1]


def test_activation_module_is_a_submodule():
    km, tm = build("TransformerEncoderLayer", D, H, FF)
    km2 = kt.nn.TransformerEncoderLayer(D, H, FF, activation=kt.nn.GELU())
    tm2 = torch.nn.TransformerEncoderLayer(D, H, FF, activation=torch.nn.GELU())
    assert repr(km2) == repr(tm2)
    assert km2.activation_relu_or_gelu == tm2.activation_relu_or_gelu == 2
    assert km.activation_relu_or_gelu == tm.activation_relu_or_gelu == 1


# ---------------------------------------------------------------- AdaptiveLogSoftmaxWithLoss

def build_asm(**kw):
    return build("AdaptiveLogSoftmaxWithLoss", 16, 20, [4, 10, 15], **kw)


@pytest.mark.parametrize("kw", [{}, dict(div_value=2.0, head_bias=True)])
def test_adaptive_forward_and_grads(kw):
    km, tm = build_asm(**kw)
    same_params(km, tm)
    assert repr(km) == repr(tm)
    (kx,), (tx,) = inputs((12, 16))
    target = np.array([0, 3, 4, 9, 10, 14, 15, 19, 1, 5, 11, 17])
    kout = km(kx, kt.tensor(target))
    tout = tm(tx, torch.tensor(target))
    assert type(kout).__name__ == type(tout).__name__ == "_ASMoutput"
    assert kout._fields == tout._fields
    close(kout.output, tout.output)
    close(kout.loss, tout.loss)
    kout.loss.backward()
    tout.loss.backward()
    check_grads(km, tm, [kx], [tx])


def test_adaptive_shortlist_only_and_unbatched():
    km, tm = build_asm()
    (kx,), (tx,) = inputs((3, 16))
    t = np.array([0, 1, 3])
    close(km(kx, kt.tensor(t)).loss, tm(tx, torch.tensor(t)).loss)
    ko = km(kx[0], kt.tensor(12))
    to = tm(tx[0], torch.tensor(12))
    close(ko.output, to.output)
    close(ko.loss, to.loss)


def test_adaptive_log_prob_and_predict():
    km, tm = build_asm(head_bias=True)
    (kx,), (tx,) = inputs((30, 16), seed=4)
    close(km.log_prob(kx), tm.log_prob(tx))
    np.testing.assert_allclose(km.log_prob(kx).exp().sum(1).detach().numpy(), 1, rtol=1e-5)
    for bias in (None, 5.0, -5.0):  # mixed rows, every row in a cluster, all in the shortlist
        if bias is not None:
            with torch.no_grad(), kt.no_grad():
                tm.head.bias[:4] = -bias
                km.head.bias[:4] = -bias
        kp, tp = km.predict(kx), tm.predict(tx)
        assert str(kp.dtype) == str(tp.dtype)
        np.testing.assert_array_equal(kp.numpy(), tp.numpy())


def test_adaptive_errors():
    for args in [(16, 20, []), (16, 20, [10, 4]), (16, 20, [0, 4]), (16, 20, [4, 20]),
                 (16, 20, [4, 4]), (16, 20, [4.5])]:
        errs = []
        for lib in (torch, kt):
            with pytest.raises(ValueError) as e:
                lib.nn.AdaptiveLogSoftmaxWithLoss(*args)
            errs.append(str(e.value))
        assert errs[0] == errs[1]
    km, tm = build_asm()
    for xshape, target in [((3, 16), [0, 1]), ((3, 2, 16), [0, 1, 2]), ((3, 16), [0, 1, 20]),
                           ((3, 16), [[0, 1, 2]]), ((3, 16), 5), ((3, 16), [-1, 0, 2])]:
        (kx,), (tx,) = inputs(xshape)
        errs = []
        for m, x, lib in ((tm, tx, torch), (km, kx, kt)):
            with pytest.raises(RuntimeError) as e:
                m(x, lib.tensor(target))
            errs.append(str(e.value))
        assert errs[0] == errs[1]


# ---------------------------------------------------------------- DataParallel

def test_data_parallel_on_cpu():
    assert kt.nn.DataParallel is kt.nn.parallel.DataParallel
    kt.manual_seed(0)
    torch.manual_seed(0)
    kl, tl = kt.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    kd, td = kt.nn.DataParallel(kl), torch.nn.DataParallel(tl)
    assert repr(kd) == repr(td)
    assert kd.device_ids == td.device_ids == []
    assert kd.module is kl
    assert list(kd.state_dict()) == list(td.state_dict()) == ["module.weight", "module.bias"]
    (kx,), (tx,) = inputs((5, 4))
    ko, to = kd(kx), td(tx)
    close(ko, to)
    ko.sum().backward()
    to.sum().backward()
    check_grads(kd, td, [kx], [tx])
    # keyword arguments go through to the module
    km, tm = build("TransformerEncoderLayer", D, H, FF, dropout=0.0)
    kdp, tdp = kt.nn.DataParallel(km, device_ids=[0]), torch.nn.DataParallel(tm, device_ids=[0])
    (ky,), (ty,) = inputs((5, 2, D))
    (ka, ta), _ = masks(5, 2, "bool")
    close(kdp(ky, src_mask=ka), tdp(ty, src_mask=ta))
    # a DataParallel state dict (from PyTorch) loads into kindling's wrapper
    with torch.no_grad():
        td.module.weight.mul_(2)
    kd.load_state_dict({k: to_k(v) for k, v in td.state_dict().items()})
    close(kd(kx), td(tx))


def test_data_parallel_function_needs_an_accelerator():
    errs = []
    for lib in (torch, kt):
        with pytest.raises(RuntimeError) as e:
            lib.nn.parallel.data_parallel(lib.nn.Linear(2, 2), lib.zeros(3, 2))
        errs.append(str(e.value))
    assert errs[0] == errs[1] == "device type could not be determined"


def test_float64_transformer():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        tm = torch.nn.Transformer(D, H, 1, 1, FF, dtype=torch.float64, batch_first=True)
        kt.manual_seed(0)
        km = kt.nn.Transformer(D, H, 1, 1, FF, dtype=kt.float64, batch_first=True)
    same_params(km, tm)
    g = np.random.default_rng(0)
    src, tgt = g.standard_normal((2, 5, D)), g.standard_normal((2, 3, D))
    ks, ky = kt.tensor(src, requires_grad=True), kt.tensor(tgt, requires_grad=True)
    ts, ty = torch.tensor(src, requires_grad=True), torch.tensor(tgt, requires_grad=True)
    for train in (True, False):
        ko, to = run_both(km, tm, (ks, ky), (ts, ty), train=train)
        close(ko, to, atol=1e-10, rtol=1e-9)
        ko.sum().backward()
        to.sum().backward()
        check_grads(km, tm, [ks, ky], [ts, ty], atol=1e-10)


def test_state_dict_from_torch_loads():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(7)
        tm = torch.nn.Transformer(D, H, 1, 1, FF)
        kt.manual_seed(0)
        km = kt.nn.Transformer(D, H, 1, 1, FF)
    km.load_state_dict({k: to_k(v) for k, v in tm.state_dict().items()})
    same_params(km, tm)


@pytest.mark.parametrize("disable", ["hook", "fastpath_off"])
def test_regular_path_when_fast_path_is_off(disable):
    km, tm = build("TransformerEncoderLayer", D, H, FF, batch_first=True)
    (kx,), (tx,) = inputs((2, 5, D))
    pad = np.array([[0, 0, 0, 0, 0], [-1, 0, 0, -1, -1]], np.float32)
    if disable == "hook":
        km.linear1.register_forward_hook(lambda *a: None)
        tm.linear1.register_forward_hook(lambda *a: None)
    else:
        torch.backends.mha.set_fastpath_enabled(False)
        kt.backends.mha.set_fastpath_enabled(False)
    try:
        with kt.no_grad(), torch.no_grad():
            close(*run_both(km, tm, (kx,), (tx,), dict(src_key_padding_mask=kt.tensor(pad)),
                            dict(src_key_padding_mask=torch.tensor(pad)), train=False))
            if disable == "fastpath_off":  # (with hooks PyTorch's MHA has its own fast path)
                errs = []
                for m, x in ((tm, tx), (km, kx)):
                    with pytest.raises(RuntimeError) as e:
                        m(x, is_causal=True)
                    errs.append(str(e.value))
                assert errs[0] == errs[1]
        # the encoder's nested path too
        km2, tm2 = build_encoder()
        km2.eval()
        tm2.eval()
        bpad = np.zeros((2, 5), bool)
        bpad[1, 3:] = True
        if disable == "fastpath_off":
            with kt.no_grad(), torch.no_grad():
                close(km2(kx, src_key_padding_mask=kt.tensor(bpad)),
                      tm2(tx, src_key_padding_mask=torch.tensor(bpad)))
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
        kt.backends.mha.set_fastpath_enabled(True)


def test_decoder_unbatched_and_memory_is_causal():
    km, tm = build("TransformerDecoderLayer", D, H, FF, dropout=0.0)
    (ky, kmem), (ty, tmem) = inputs((4, D), (4, D))
    kc = kt.nn.Transformer.generate_square_subsequent_mask(4)
    tc = torch.nn.Transformer.generate_square_subsequent_mask(4)
    kkw = dict(memory_mask=kc, memory_is_causal=True, tgt_mask=kc, tgt_is_causal=True)
    tkw = dict(memory_mask=tc, memory_is_causal=True, tgt_mask=tc, tgt_is_causal=True)
    for train in (True, False):
        ko, to = run_both(km, tm, (ky, kmem), (ty, tmem), kkw, tkw, train=train)
        close(ko, to)
        ko.sum().backward()
        to.sum().backward()
        check_grads(km, tm, [ky, kmem], [ty, tmem])


@pytest.mark.parametrize("kw", [{}, dict(batch_first=True), dict(batch_first=True, nhead=1)])
def test_transformer_construction_warnings(kw):
    got = []
    for lib in (torch, kt):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.Transformer(D, kw.get("nhead", H), 1, 1, FF,
                               batch_first=kw.get("batch_first", False))
        got.append([(str(x.message), x.category) for x in w])
    assert got[0] == got[1]


def test_private_functional_helpers_programs_import():
    """The private helpers of torch.nn.functional that programs (and nn.Transformer's own
    code) import exist under the same names and behave alike."""
    import torch.nn.functional as TF
    for name in ("_canonical_mask", "_none_or_dtype", "_get_softmax_dim", "_in_projection",
                 "_in_projection_packed", "_mha_shape_check", "_verify_batch_size",
                 "_verify_spatial_size", "_unpool_output_size", "_Reduction", "_pair", "_single",
                 "_triple", "_list_with_default", "handle_torch_function", "has_torch_function",
                 "has_torch_function_unary", "has_torch_function_variadic"):
        assert hasattr(KF, name) and hasattr(TF, name), name
    assert str(KF._none_or_dtype(kt.ones(1, dtype=kt.float64))) == \
        str(TF._none_or_dtype(torch.ones(1, dtype=torch.float64)))
    assert KF._Reduction.get_enum("sum") == TF._Reduction.get_enum("sum")
    assert KF._get_softmax_dim("softmax", 3, 5) == TF._get_softmax_dim("softmax", 3, 5)
    k = KF._canonical_mask(kt.tensor([[True, False]]), "m", None, "o", kt.float32)
    t = TF._canonical_mask(torch.tensor([[True, False]]), "m", None, "o", torch.float32)
    assert k.tolist() == t.tolist()


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("train", [False, True])
def test_mha_is_causal_without_mask_follows_the_fast_path_rule(grad, train):
    """PyTorch's fused inference kernel drops ``is_causal``; the general path raises without
    a mask - kindling follows the same rule (its general path computes the fast path's
    values)."""
    def run(T):
        T.manual_seed(0)
        m = T.nn.MultiheadAttention(8, 2, batch_first=True).train(train)
        x = T.randn(2, 3, 8)
        try:
            with T.set_grad_enabled(grad):
                return round(m(x, x, x, is_causal=True)[0].sum().item(), 4)
        except RuntimeError as e:
            return str(e)
    assert run(kt) == run(torch)
