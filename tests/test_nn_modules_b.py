"""nn's convolution, pooling, padding, normalisation, upsampling, shuffle and fold layers
against PyTorch: seeded parameters, buffers (running statistics in train and eval mode),
forward results, gradients, repr, state_dict keys and values, and errors for bad
arguments."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402
import kindling.nn as knn  # noqa: E402

tnn = torch.nn


# ---- helpers --------------------------------------------------------------------------------

def _k(t):
    """A kindling copy of a torch tensor."""
    return kindling.tensor(t.detach().numpy())


def _np(t):
    return t.detach().numpy()


def _same(t, k, rtol=1e-5, atol=1e-6, exact=False):
    assert str(k.dtype) == str(t.dtype)
    assert tuple(k.shape) == tuple(t.shape)
    if exact:
        np.testing.assert_array_equal(_np(k), _np(t))
    else:
        np.testing.assert_allclose(_np(k), _np(t), rtol=rtol, atol=atol, equal_nan=True)


def _build(name, args=(), kwargs=None, seed=0):
    """The layer ``name`` built in both libraries from the same seed."""
    kwargs = kwargs or {}
    kargs = {k: getattr(kindling, v.__repr__().split(".")[-1])
             if isinstance(v, torch.dtype) else v for k, v in kwargs.items()}
    torch.manual_seed(seed)
    tm = getattr(tnn, name)(*args, **kwargs)
    kindling.manual_seed(seed)
    km = getattr(knn, name)(*args, **kargs)
    return tm, km


def _same_state(tm, km, exact=True):
    """Same parameter/buffer names (in order), values and requires_grad."""
    assert [n for n, _ in km.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in km.named_buffers()] == [n for n, _ in tm.named_buffers()]
    tsd, ksd = tm.state_dict(), km.state_dict()
    assert list(ksd.keys()) == list(tsd.keys())
    for key in tsd:
        _same(tsd[key], ksd[key], exact=exact, rtol=1e-6)
    for (_, tp), (_, kp) in zip(tm.named_parameters(), km.named_parameters()):
        assert kp.requires_grad == tp.requires_grad
        assert isinstance(kp, knn.Parameter)


def _input(shape, kind="normal", seed=1, dtype=np.float32):
    rng = np.random.default_rng(seed)
    if kind == "positive":
        a = rng.uniform(0.1, 2.0, shape)
    else:
        a = rng.standard_normal(shape)
    return a.astype(dtype)


def _run(tm, km, x, fwd_args=(), seed=None, rtol=1e-5, atol=1e-6):
    """Forward and backward through both modules; compares outputs and gradients."""
    tx = torch.tensor(x, requires_grad=True)
    kx = kindling.tensor(x, requires_grad=True)
    if seed is not None:
        torch.manual_seed(seed)
    tout = tm(tx, *fwd_args)
    if seed is not None:
        kindling.manual_seed(seed)
    kout = km(kx, *fwd_args)
    if isinstance(tout, tuple):
        assert isinstance(kout, tuple) and len(kout) == len(tout)
        for t, k in zip(tout[1:], kout[1:]):  # indices
            _same(t, k, exact=True)
        tout, kout = tout[0], kout[0]
    _same(tout, kout, rtol=rtol, atol=atol)
    g = np.random.default_rng(7).standard_normal(tuple(tout.shape)).astype(x.dtype)
    tout.backward(torch.tensor(g))
    kout.backward(kindling.tensor(g))
    _same(tx.grad, kx.grad, rtol=rtol, atol=atol)
    for (n, tp), (_, kp) in zip(tm.named_parameters(), km.named_parameters()):
        assert (kp.grad is None) == (tp.grad is None), n
        if tp.grad is not None:
            _same(tp.grad, kp.grad, rtol=rtol, atol=max(atol, 1e-5))
    return tout, kout


# ---- every layer: parameters, repr, state_dict, forward, backward ---------------------------

CASES = [
    # conv
    ("Conv1d", (4, 6, 3), {}, (2, 4, 9)),
    ("Conv1d", (4, 6, 3), dict(stride=2, padding=1, dilation=2, groups=2, bias=False),
     (2, 4, 11)),
    ("Conv1d", (4, 4, 3), dict(padding="same", padding_mode="reflect"), (2, 4, 8)),
    ("Conv1d", (2, 3, 4), dict(padding="same"), (2, 2, 7)),
    ("Conv1d", (2, 3, 3), dict(padding="valid"), (2, 7)),
    ("Conv1d", (2, 3, 3), dict(padding=2, padding_mode="circular"), (2, 2, 6)),
    ("Conv2d", (3, 4, 3), {}, (2, 3, 7, 6)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
     (2, 4, 7, 8)),
    ("Conv2d", (3, 2, 3), dict(padding=2, padding_mode="circular"), (1, 3, 5, 6)),
    ("Conv2d", (3, 2, 3), dict(padding=(1, 2), padding_mode="replicate"), (1, 3, 5, 6)),
    ("Conv2d", (3, 2, 3), dict(padding=1, padding_mode="reflect"), (3, 5, 6)),
    ("Conv2d", (2, 2, (3, 4)), dict(padding="same", dilation=2), (1, 2, 9, 9)),
    ("Conv2d", (2, 2, (3, 4)), dict(padding="same", padding_mode="replicate"), (1, 2, 6, 7)),
    ("Conv2d", (2, 4, 1), dict(dtype=torch.float64), (2, 2, 3, 3)),
    ("Conv3d", (2, 4, 3), dict(padding=1), (1, 2, 5, 5, 5)),
    ("Conv3d", (2, 2, (2, 3, 1)), dict(stride=2, padding=1, padding_mode="reflect"),
     (1, 2, 5, 6, 4)),
    ("ConvTranspose1d", (4, 2, 3), dict(stride=2, padding=1, output_padding=1), (2, 4, 5)),
    ("ConvTranspose1d", (2, 4, 3), dict(groups=2, bias=False), (2, 6)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, groups=2, dilation=2, bias=False),
     (1, 4, 4, 5)),
    ("ConvTranspose2d", (3, 2, (2, 3)), dict(stride=(2, 3), padding=(1, 0),
                                             output_padding=(1, 2)), (2, 3, 4, 3)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2), (1, 2, 3, 2, 3)),
    # pooling
    ("MaxPool1d", (3,), dict(stride=2, padding=1), (2, 3, 10)),
    ("MaxPool1d", (2,), dict(return_indices=True), (2, 3, 9)),
    ("MaxPool2d", (3, 2, 1), dict(dilation=2, ceil_mode=True), (2, 2, 9, 8)),
    ("MaxPool2d", (2,), dict(return_indices=True), (3, 6, 7)),
    ("MaxPool3d", (2,), {}, (1, 2, 4, 5, 4)),
    ("MaxPool3d", ((2, 1, 2),), dict(return_indices=True, ceil_mode=True), (1, 2, 5, 3, 5)),
    ("AvgPool1d", (3, 2, 1), dict(ceil_mode=True, count_include_pad=False), (2, 3, 10)),
    ("AvgPool2d", (3, 2, 1), dict(divisor_override=2), (2, 2, 7, 8)),
    ("AvgPool2d", ((2, 3),), dict(ceil_mode=True), (2, 7, 8)),
    ("AvgPool3d", (2, 1), {}, (1, 2, 4, 3, 4)),
    ("LPPool1d", (2, 3, 2), {}, (2, 3, 10)),
    ("LPPool2d", (3, 2), dict(ceil_mode=True), (1, 2, 5, 6)),
    ("LPPool2d", (1.5, (2, 3)), {}, (1, 2, 6, 6)),
    ("LPPool3d", (2, 2), {}, (1, 2, 4, 4, 4)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveMaxPool2d", ((3, None),), dict(return_indices=True), (2, 2, 7, 5)),
    ("AdaptiveMaxPool3d", (2,), {}, (1, 2, 5, 4, 3)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 10)),
    ("AdaptiveAvgPool2d", ((None, 2),), {}, (2, 2, 7, 5)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 7, 5)),
    ("AdaptiveAvgPool3d", ((2, 3, 1),), {}, (1, 2, 5, 4, 3)),
    # padding
    ("ConstantPad1d", (2, 3.5), {}, (2, 3, 4)),
    ("ConstantPad2d", ((1, 0, 2, 1), -1.0), {}, (2, 3, 4)),
    ("ConstantPad3d", (1, 0.0), {}, (1, 2, 2, 3, 2)),
    ("ZeroPad1d", ((1, 2),), {}, (2, 3, 4)),
    ("ZeroPad2d", (2,), {}, (1, 2, 3, 4)),
    ("ZeroPad3d", ((1, 0, 0, 2, 1, 1),), {}, (1, 2, 2, 3, 2)),
    ("ReflectionPad1d", ((2, 1),), {}, (2, 3, 4)),
    ("ReflectionPad2d", (1,), {}, (1, 2, 3, 4)),
    ("ReflectionPad3d", ((1, 0, 0, 1, 1, 1),), {}, (1, 2, 2, 3, 2)),
    ("ReplicationPad1d", (3,), {}, (2, 3, 4)),
    ("ReplicationPad2d", ((0, 2, 1, 3),), {}, (2, 3, 4)),
    ("ReplicationPad3d", (1,), {}, (1, 2, 2, 3, 2)),
    ("CircularPad1d", ((2, 1),), {}, (2, 3, 4)),
    ("CircularPad2d", (1,), {}, (1, 2, 3, 4)),
    ("CircularPad3d", ((1, 0, 0, 1, 1, 1),), {}, (2, 2, 3, 2)),
    # normalisation (train mode)
    ("BatchNorm1d", (4,), {}, (8, 4)),
    ("BatchNorm1d", (4,), dict(bias=False, momentum=None), (6, 4, 5)),
    ("BatchNorm2d", (3,), dict(eps=1e-3, momentum=0.3), (4, 3, 5, 6)),
    ("BatchNorm2d", (3,), dict(track_running_stats=False), (4, 3, 5, 6)),
    ("BatchNorm3d", (2,), dict(affine=False), (2, 2, 3, 4, 3)),
    ("SyncBatchNorm", (3,), {}, (4, 3, 5)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 7)),
    ("InstanceNorm1d", (3,), dict(affine=True), (3, 7)),
    ("InstanceNorm2d", (3,), dict(affine=True, track_running_stats=True), (2, 3, 5, 6)),
    ("InstanceNorm3d", (2,), dict(momentum=0.5, track_running_stats=True), (2, 3, 4, 3)),
    ("LayerNorm", ((4, 5),), {}, (3, 4, 5)),
    ("LayerNorm", (5,), dict(elementwise_affine=False, eps=1e-3), (3, 4, 5)),
    ("LayerNorm", ([5],), dict(bias=False), (3, 5)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (3, 6), dict(affine=False), (2, 6, 2, 3)),
    ("GroupNorm", (2, 4), dict(bias=False), (2, 4, 3)),
    ("RMSNorm", (5,), {}, (3, 4, 5)),
    ("RMSNorm", ([4, 5],), dict(eps=1e-3), (3, 4, 5)),
    ("RMSNorm", (5,), dict(elementwise_affine=False), (3, 5)),
    ("LocalResponseNorm", (3,), {}, (2, 5, 4, 3)),
    ("LocalResponseNorm", (2,), dict(alpha=1e-2, beta=0.5, k=2.0), (2, 4, 6)),
    ("CrossMapLRN2d", (3,), dict(alpha=1e-2), (2, 6, 3, 4)),
    ("CrossMapLRN2d", (4,), {}, (1, 3, 2, 2)),
    # upsampling, shuffles, fold
    ("Upsample", (), dict(scale_factor=2), (1, 2, 3, 4)),
    ("Upsample", (), dict(size=(5, 7), mode="bilinear", align_corners=True), (1, 2, 3, 4)),
    ("Upsample", (), dict(scale_factor=(1.5, 2.0), mode="bicubic"), (1, 2, 4, 4)),
    ("Upsample", (), dict(size=9, mode="linear"), (2, 3, 4)),
    ("Upsample", (), dict(scale_factor=2, mode="trilinear"), (1, 1, 2, 3, 2)),
    ("Upsample", (), dict(scale_factor=1.7, mode="nearest-exact",
                          recompute_scale_factor=True), (1, 2, 5)),
    ("UpsamplingNearest2d", (), dict(scale_factor=2), (1, 2, 3, 3)),
    ("UpsamplingBilinear2d", (), dict(size=(6, 5)), (1, 2, 3, 3)),
    ("PixelShuffle", (2,), {}, (1, 8, 3, 3)),
    ("PixelUnshuffle", (2,), {}, (1, 2, 4, 6)),
    ("ChannelShuffle", (2,), {}, (1, 4, 3, 3)),
    ("Fold", ((4, 5), 2), {}, (1, 12, 12)),
    ("Fold", ((5, 5), (2, 3)), dict(padding=1, stride=2, dilation=1), (2, 6, 9)),
    ("Unfold", (2,), dict(padding=1, stride=2), (1, 3, 4, 5)),
    ("Unfold", ((2, 3),), dict(dilation=(1, 2)), (2, 2, 5, 6)),
]

_POSITIVE = {"LPPool1d", "LPPool2d", "LPPool3d"}


def _case_id(case):
    name, args, kwargs, shape = case
    return f"{name}{args}{sorted(kwargs.items())}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_layer_matches_torch(case):
    name, args, kwargs, shape = case
    tm, km = _build(name, args, kwargs)
    assert type(km).__name__ == type(tm).__name__
    assert repr(km) == repr(tm)
    _same_state(tm, km)
    dtype = np.float64 if kwargs.get("dtype") is torch.float64 else np.float32
    x = _input(shape, "positive" if name in _POSITIVE else "normal", dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (Upsample's align_corners notes and the like)
        _run(tm, km, x)
    # buffers after a training-mode forward (running statistics), then eval mode
    _same_state(tm, km, exact=False)
    tm.eval()
    km.eval()
    assert km.training is False
    _run(tm, km, _input(shape, seed=3, dtype=dtype) if name not in _POSITIVE else x)
    _same_state(tm, km, exact=False)


# ---- parameter initialisation ---------------------------------------------------------------

@pytest.mark.parametrize("name,args", [
    ("Conv1d", (3, 5, 4)), ("Conv2d", (6, 4, (2, 3))), ("Conv3d", (2, 3, 2)),
    ("ConvTranspose1d", (3, 6, 4)), ("ConvTranspose2d", (4, 6, 3)),
    ("ConvTranspose3d", (2, 4, (1, 2, 3))), ("BatchNorm2d", (5,)), ("GroupNorm", (2, 6)),
    ("LayerNorm", ((2, 3),)), ("RMSNorm", (4,)),
])
@pytest.mark.parametrize("seed", [0, 123])
def test_seeded_init_and_reset_parameters(name, args, seed):
    tm, km = _build(name, args, seed=seed)
    _same_state(tm, km)
    torch.manual_seed(seed + 1)
    tm.reset_parameters()
    kindling.manual_seed(seed + 1)
    km.reset_parameters()
    _same_state(tm, km)


def test_conv_groups_init_and_several_layers_in_sequence():
    # one RNG stream across several layers: same draws, same order
    torch.manual_seed(5)
    tms = [tnn.Conv2d(4, 8, 3, groups=4), tnn.ConvTranspose2d(8, 4, 2, groups=2),
           tnn.Conv1d(2, 2, 1, bias=False)]
    kindling.manual_seed(5)
    kms = [knn.Conv2d(4, 8, 3, groups=4), knn.ConvTranspose2d(8, 4, 2, groups=2),
           knn.Conv1d(2, 2, 1, bias=False)]
    for tm, km in zip(tms, kms):
        _same_state(tm, km)


def test_conv_attributes():
    tm, km = _build("Conv2d", (4, 6, (3, 2)), dict(stride=2, padding="valid", groups=2))
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
                 "transposed", "output_padding", "groups", "padding_mode",
                 "_reversed_padding_repeated_twice"):
        assert getattr(km, attr) == getattr(tm, attr), attr
    tm, km = _build("Conv3d", (2, 2, (3, 4, 5)), dict(padding="same", dilation=(1, 2, 1)))
    assert list(km._reversed_padding_repeated_twice) == \
        list(tm._reversed_padding_repeated_twice)
    tm, km = _build("ConvTranspose2d", (2, 3, 3), dict(output_padding=1, stride=2))
    assert km.output_padding == tm.output_padding == (1, 1)
    assert km.transposed is True


# ---- running statistics ---------------------------------------------------------------------

@pytest.mark.parametrize("name,kwargs,shape", [
    ("BatchNorm1d", {}, (5, 3)),
    ("BatchNorm1d", dict(momentum=None), (5, 3, 4)),
    ("BatchNorm2d", dict(momentum=0.5), (3, 3, 4, 2)),
    ("BatchNorm2d", dict(momentum=None, affine=False), (3, 3, 4, 2)),
    ("BatchNorm3d", {}, (2, 3, 2, 2, 3)),
    ("BatchNorm2d", dict(track_running_stats=False), (3, 3, 2, 2)),
    ("InstanceNorm1d", dict(track_running_stats=True), (4, 3, 6)),
    ("InstanceNorm2d", dict(track_running_stats=True, momentum=None), (2, 3, 4, 5)),
])
def test_running_stats_over_several_batches(name, kwargs, shape):
    tm, km = _build(name, (3,), kwargs)
    for step in range(4):
        x = _input(shape, seed=10 + step) * (step + 1) + step
        _run(tm, km, x)
        _same_state(tm, km, exact=False)
    if tm.track_running_stats and hasattr(tm, "num_batches_tracked"):
        assert int(km.num_batches_tracked) == int(tm.num_batches_tracked)
        assert str(km.num_batches_tracked.dtype) == "torch.int64"
    tm.eval()
    km.eval()
    for step in range(2):
        _run(tm, km, _input(shape, seed=20 + step))
    _same_state(tm, km, exact=False)
    tm.reset_running_stats()
    km.reset_running_stats()
    _same_state(tm, km)


def test_batchnorm_eval_without_running_stats_uses_batch_statistics():
    tm, km = _build("BatchNorm2d", (2,), dict(track_running_stats=False))
    tm.eval()
    km.eval()
    _run(tm, km, _input((3, 2, 2, 2)))
    assert km.running_mean is None and km.num_batches_tracked is None


def test_batchnorm_with_buffers_removed_in_eval():
    # running_mean/var set to None after construction: eval mode uses batch statistics
    tm, km = _build("BatchNorm1d", (3,))
    for m in (tm, km):
        m.running_mean = None
        m.running_var = None
        m.eval()
    _run(tm, km, _input((4, 3)))


def test_instance_norm_num_features_mismatch():
    tm, km = _build("InstanceNorm1d", (4,))
    x = _input((2, 3, 5))
    with pytest.warns(UserWarning) as tw:
        tm(torch.tensor(x))
    with pytest.warns(UserWarning) as kw:
        km(kindling.tensor(x))
    assert str(kw[0].message) == str(tw[0].message)
    tm, km = _build("InstanceNorm1d", (4,), dict(affine=True))
    _same_error(lambda: tm(torch.tensor(x)), lambda: km(kindling.tensor(x)))


# ---- forward-time arguments -----------------------------------------------------------------

@pytest.mark.parametrize("name,args,shape,output_size", [
    ("ConvTranspose1d", (2, 3, 3), (1, 2, 4), [10]),
    ("ConvTranspose2d", (2, 3, 3), (1, 2, 4, 3), [9, 8]),
    ("ConvTranspose2d", (2, 3, 3), (1, 2, 4, 3), (1, 3, 10, 7)),
    ("ConvTranspose2d", (2, 3, 3), (2, 4, 3), (3, 10, 8)),
    ("ConvTranspose3d", (2, 3, 2), (1, 2, 2, 3, 2), [5, 6, 4]),
])
def test_conv_transpose_output_size(name, args, shape, output_size):
    tm, km = _build(name, args, dict(stride=2))
    _run(tm, km, _input(shape), fwd_args=(output_size,))


@pytest.mark.parametrize("output_size", [[20], [3, 4, 5, 6], [7]])
def test_conv_transpose_bad_output_size(output_size):
    tm, km = _build("ConvTranspose1d", (2, 3, 3), dict(stride=2))
    x = _input((1, 2, 4))
    _same_error(lambda: tm(torch.tensor(x), output_size),
                lambda: km(kindling.tensor(x), output_size))


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_unpool_inverts_max_pool(nd):
    shape = (2, 3) + (6, 4, 4)[:nd]
    tp, kp = _build(f"MaxPool{nd}d", (2,), dict(return_indices=True))
    tu, ku = _build(f"MaxUnpool{nd}d", (2,))
    assert repr(ku) == repr(tu)
    assert ku.kernel_size == tu.kernel_size and ku.stride == tu.stride
    x = _input(shape)
    tout, tidx = tp(torch.tensor(x))
    kout, kidx = kp(kindling.tensor(x))
    _same(tidx, kidx, exact=True)
    y = _np(tout)
    ty = torch.tensor(y, requires_grad=True)
    ky = kindling.tensor(y, requires_grad=True)
    tr = tu(ty, tidx)
    kr = ku(ky, kidx)
    _same(tr, kr)
    tr.sum().backward()
    kr.sum().backward()
    _same(ty.grad, ky.grad)
    # output_size picks the larger of the valid sizes
    size = list(shape[:2]) + [s + 1 for s in shape[2:]]
    _same(tu(ty, tidx, size), ku(ky, kidx, size))
    tu, ku = _build(f"MaxUnpool{nd}d", (3,), dict(stride=2, padding=1))
    assert repr(ku) == repr(tu)


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("FractionalMaxPool2d", (2,), dict(output_size=3), (2, 3, 7, 6)),
    ("FractionalMaxPool2d", ((3, 2),), dict(output_ratio=0.5, return_indices=True),
     (1, 2, 8, 9)),
    ("FractionalMaxPool2d", (2,), dict(output_size=(4, 3)), (2, 7, 6)),
    ("FractionalMaxPool3d", (2,), dict(output_size=(3, 2, 3)), (1, 2, 6, 5, 6)),
    ("FractionalMaxPool3d", (2,), dict(output_ratio=(0.5, 0.6, 0.7), return_indices=True),
     (1, 2, 6, 5, 6)),
])
def test_fractional_max_pool(name, args, kwargs, shape):
    tm, km = _build(name, args, kwargs)
    assert repr(km) == repr(tm)
    _same_state(tm, km)
    assert km.output_size == tm.output_size and km.output_ratio == tm.output_ratio
    _run(tm, km, _input(shape), seed=42)


def test_fractional_max_pool_fixed_samples():
    samples = np.random.default_rng(0).uniform(size=(2, 3, 2)).astype(np.float32)
    tm = tnn.FractionalMaxPool2d(2, output_size=3, _random_samples=torch.tensor(samples))
    km = knn.FractionalMaxPool2d(2, output_size=3, _random_samples=kindling.tensor(samples))
    _same_state(tm, km)
    _run(tm, km, _input((2, 3, 7, 6)))


# ---- state_dict round trips -----------------------------------------------------------------

@pytest.mark.parametrize("name,args,kwargs", [
    ("Conv2d", (3, 4, 3), {}), ("ConvTranspose1d", (2, 3, 2), dict(bias=False)),
    ("BatchNorm1d", (3,), {}), ("InstanceNorm2d", (3,), dict(affine=True,
                                                             track_running_stats=True)),
    ("LayerNorm", (4,), {}), ("GroupNorm", (2, 4), {}), ("RMSNorm", (3,), {}),
])
def test_load_state_dict_from_torch_values(name, args, kwargs):
    tm, km = _build(name, args, kwargs, seed=1)
    torch.manual_seed(99)
    with torch.no_grad():
        for p in tm.parameters():
            p.uniform_(-2, 2)
        for n, b in tm.named_buffers():
            if b.is_floating_point():
                b.uniform_(0.5, 1.5)
            else:
                b.fill_(7)
    result = km.load_state_dict({k: _k(v) for k, v in tm.state_dict().items()})
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    _same_state(tm, km)


def test_batchnorm_loads_old_checkpoint_without_num_batches_tracked():
    from collections import OrderedDict
    tm, km = _build("BatchNorm1d", (3,))
    sd_t = tm.state_dict()
    del sd_t["num_batches_tracked"]
    sd_t._metadata[""]["version"] = 1
    tm.load_state_dict(sd_t)
    sd_k = OrderedDict((k, _k(v)) for k, v in sd_t.items())
    sd_k._metadata = OrderedDict({"": {"version": 1}})
    km.load_state_dict(sd_k)
    _same_state(tm, km)
    # version 2 without the key: strict loading reports it missing
    sd_t2 = OrderedDict(sd_t)
    sd_t2._metadata = OrderedDict({"": {"version": 2}})
    sd_k._metadata[""]["version"] = 2
    _same_error(lambda: tm.load_state_dict(sd_t2), lambda: km.load_state_dict(sd_k))


def test_instancenorm_old_checkpoint_with_running_stats():
    from collections import OrderedDict
    tm, km = _build("InstanceNorm1d", (3,))
    sd_t = OrderedDict(running_mean=torch.zeros(3), running_var=torch.ones(3))
    sd_k = OrderedDict(running_mean=kindling.zeros(3), running_var=kindling.ones(3))
    _same_error(lambda: tm.load_state_dict(sd_t), lambda: km.load_state_dict(sd_k))


def test_sync_batchnorm_conversion():
    torch.manual_seed(0)
    tseq = tnn.Sequential(tnn.Conv2d(2, 3, 1), tnn.BatchNorm2d(3, momentum=None))
    kindling.manual_seed(0)
    kseq = knn.Sequential(knn.Conv2d(2, 3, 1), knn.BatchNorm2d(3, momentum=None))
    tconv = tnn.SyncBatchNorm.convert_sync_batchnorm(tseq)
    kconv = knn.SyncBatchNorm.convert_sync_batchnorm(kseq)
    assert repr(kconv) == repr(tconv)
    assert type(kconv[1]) is knn.SyncBatchNorm
    assert kconv[1].weight is kseq[1].weight
    _run(tconv, kconv, _input((4, 2, 3, 3)))
    _same_state(tconv, kconv, exact=False)


def test_padding_attributes_and_dtype():
    tm, km = _build("ConstantPad2d", ((1, 2, 0, 3), 2))
    assert km.padding == tm.padding and km.value == tm.value
    x = np.arange(12, dtype=np.int64).reshape(1, 3, 4)
    _same(tm(torch.tensor(x)), km(kindling.tensor(x)), exact=True)
    tm, km = _build("ZeroPad1d", (2,))
    assert km.padding == tm.padding == (2, 2) and km.value == tm.value == 0.0


def test_upsample_attributes():
    for kwargs in (dict(scale_factor=2), dict(scale_factor=(2, 3)), dict(size=4),
                   dict(size=(2, 3), mode="bilinear")):
        tm, km = _build("Upsample", (), kwargs)
        for attr in ("name", "size", "scale_factor", "mode", "align_corners",
                     "recompute_scale_factor"):
            assert getattr(km, attr) == getattr(tm, attr), attr
            assert type(getattr(km, attr)) is type(getattr(tm, attr)), attr


def test_exports():
    import kindling.nn.modules as kmods
    names = ["Conv1d", "ConvTranspose3d", "MaxPool2d", "MaxUnpool3d", "AvgPool3d",
             "FractionalMaxPool3d", "LPPool3d", "AdaptiveMaxPool2d", "AdaptiveAvgPool3d",
             "ConstantPad3d", "ZeroPad3d", "ReflectionPad2d", "ReplicationPad1d",
             "CircularPad3d", "BatchNorm3d", "SyncBatchNorm", "InstanceNorm3d", "LayerNorm",
             "GroupNorm", "RMSNorm", "LocalResponseNorm", "CrossMapLRN2d", "Upsample",
             "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle",
             "ChannelShuffle", "Fold", "Unfold"]
    for n in names:
        assert n in kmods.__all__ and getattr(knn, n) is getattr(kmods, n)
        assert getattr(knn, n).__module__.replace("kindling", "torch") == \
            getattr(tnn, n).__module__
    from kindling.nn.modules.utils import _pair, _reverse_repeat_tuple
    from torch.nn.modules.utils import _pair as tpair, _reverse_repeat_tuple as trrt
    assert _pair(3) == tpair(3) and _pair([1, 2]) == tpair([1, 2])
    assert _reverse_repeat_tuple((1, 2, 3), 2) == trrt((1, 2, 3), 2)


# ---- errors ---------------------------------------------------------------------------------

def _outcome(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def _same_error(tfn, kfn):
    t = _outcome(tfn)
    assert t is not None, "torch did not raise"
    assert _sets_sorted(_outcome(kfn)) == _sets_sorted(t)


def _sets_sorted(outcome):
    """An error outcome with the set literals in its message in sorted order: PyTorch prints
    a set (``padding_mode must be one of {...}``) whose order follows the hash seed of the
    process that byte-compiled the module, so only the members can be compared."""
    import re
    if outcome is None:
        return None
    kind, msg = outcome
    return kind, re.sub(r"\{('[^{}]*')\}",
                        lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", msg)


BAD_CTORS = [
    ("Conv2d", (4, 6, 3), dict(groups=0)),
    ("Conv2d", (4, 6, 3), dict(groups=3)),
    ("Conv2d", (4, 6, 3), dict(groups=4)),
    ("Conv1d", (4, 6, 3), dict(padding="full")),
    ("Conv2d", (4, 6, 3), dict(padding="same", stride=2)),
    ("Conv3d", (4, 6, 3), dict(padding_mode="wrap")),
    ("ConvTranspose2d", (4, 6, 3), dict(padding_mode="reflect")),
    ("ConvTranspose1d", (4, 6, 3), dict(padding_mode="circular")),
    ("FractionalMaxPool2d", (2,), {}),
    ("FractionalMaxPool2d", (2,), dict(output_size=3, output_ratio=0.5)),
    ("FractionalMaxPool2d", (2,), dict(output_ratio=1.5)),
    ("FractionalMaxPool3d", (2,), {}),
    ("FractionalMaxPool3d", (0,), dict(output_size=2)),
    ("FractionalMaxPool3d", ((2, 0, 1),), dict(output_size=2)),
    ("FractionalMaxPool3d", (2,), dict(output_ratio=(0.5, 0.5, 1.0))),
    ("GroupNorm", (3, 4), {}),
]


@pytest.mark.parametrize("name,args,kwargs", BAD_CTORS,
                         ids=[f"{n}{a}{sorted(k.items())}" for n, a, k in BAD_CTORS])
def test_bad_constructor_arguments(name, args, kwargs):
    _same_error(lambda: getattr(tnn, name)(*args, **kwargs),
                lambda: getattr(knn, name)(*args, **kwargs))


BAD_INPUTS = [
    ("BatchNorm1d", (3,), {}, (2, 3, 4, 5)),
    ("BatchNorm1d", (3,), {}, (3,)),
    ("BatchNorm2d", (3,), {}, (2, 3, 4)),
    ("BatchNorm3d", (3,), {}, (2, 3, 4, 5)),
    ("SyncBatchNorm", (3,), {}, (3,)),
    ("SyncBatchNorm", (0,), {}, (2, 0, 3)),
    ("InstanceNorm1d", (3,), {}, (3,)),
    ("InstanceNorm2d", (3,), {}, (2, 3, 4, 5, 6)),
    ("InstanceNorm3d", (3,), {}, (3, 4, 5)),
    ("CircularPad1d", (1,), {}, (3,)),
    ("CircularPad2d", (1,), {}, (3, 4)),
    ("CircularPad3d", (1,), {}, (2, 3, 4, 5, 6, 7)),
    ("CrossMapLRN2d", (3,), {}, (2, 3, 4)),
    ("BatchNorm1d", (3,), {}, (2, 4)),
    ("Conv2d", (3, 4, 3), {}, (1, 2, 5, 5)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", BAD_INPUTS,
                         ids=[f"{n}{a}{s}" for n, a, _, s in BAD_INPUTS])
def test_bad_inputs(name, args, kwargs, shape):
    tm, km = _build(name, args, kwargs)
    x = _input(shape)
    _same_error(lambda: tm(torch.tensor(x)), lambda: km(kindling.tensor(x)))


# ---- signatures, copies, memory formats ------------------------------------------------------

_ALL_B = [c[0] for c in CASES] + ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
                                  "FractionalMaxPool2d", "FractionalMaxPool3d"]


@pytest.mark.parametrize("name", sorted(set(_ALL_B)))
def test_signatures_match_torch(name):
    import inspect

    def params(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]
    tcls, kcls = getattr(tnn, name), getattr(knn, name)
    for meth in ("__init__", "forward"):
        assert params(getattr(kcls, meth)) == params(getattr(tcls, meth)), meth


def test_channels_last_weight_reset_draws_in_contiguous_order():
    torch.manual_seed(0)
    tm = tnn.Conv2d(3, 4, 3).to(memory_format=torch.channels_last)
    kindling.manual_seed(0)
    km = knn.Conv2d(3, 4, 3).to(memory_format=kindling.channels_last)
    torch.manual_seed(1)
    tm.reset_parameters()
    kindling.manual_seed(1)
    km.reset_parameters()
    assert km.weight.stride() == tm.weight.stride()
    _same_state(tm, km)


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("Conv2d", (2, 3, 3), dict(padding="same", padding_mode="circular"), (1, 2, 4, 4)),
    ("BatchNorm1d", (3,), dict(momentum=None), (4, 3)),
    ("Upsample", (), dict(scale_factor=2, mode="bilinear"), (1, 1, 2, 3)),
    ("FractionalMaxPool2d", (2,), dict(output_size=2), (1, 1, 5, 5)),
])
def test_deepcopy_and_pickle(name, args, kwargs, shape):
    import copy
    import pickle
    _, km = _build(name, args, kwargs)
    x = kindling.tensor(_input(shape))
    for clone in (copy.deepcopy(km), pickle.loads(pickle.dumps(km))):
        assert repr(clone) == repr(km)
        kindling.manual_seed(3)
        a = clone(x)
        kindling.manual_seed(3)
        b = km(x)
        np.testing.assert_array_equal(_np(a), _np(b))
        assert list(clone.state_dict()) == list(km.state_dict())


def test_double_keeps_num_batches_tracked_int64():
    tm, km = _build("BatchNorm2d", (3,), dict(dtype=torch.float64))
    _same_state(tm, km)
    tm.float()
    km.float()
    _same_state(tm, km)
    assert str(km.num_batches_tracked.dtype) == "torch.int64"
    _run(tm, km, _input((2, 3, 2, 2)))
