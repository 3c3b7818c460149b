"""torch.nn.functional's convolutions, pools and vision ops against PyTorch: values, dtypes,
shapes, gradients (first and second order, forward mode), backward node names, errors and
their messages, the ops a TorchDispatchMode sees, and meta tensors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import kindling  # noqa: E402
from _parity import call_outcome, dispatch_log  # noqa: E402

F_T = torch.nn.functional
F_K = kindling.nn.functional


def _lib(T):
    return T, (F_T if T is torch else F_K)


def _arrays(seed, *shapes, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _tensors(T, arrays, grad):
    out = []
    for a in arrays:
        t = T.tensor(a)
        if grad and (t.is_floating_point() or t.is_complex()):
            t.requires_grad_(True)
        out.append(t)
    return out


def _np(t):
    return t.detach().resolve_conj().numpy() if hasattr(t, "resolve_conj") else \
        t.detach().numpy()


def _compare(fn, arrays, grad=True, rtol=1e-7, atol=1e-9, grad_output_seed=99):
    """Run ``fn(T, F, *tensors)`` in both libraries; compare outputs (dtype, shape, values,
    node name) and, with ``grad``, the inputs' gradients for the same output gradient."""
    res = {}
    for T in (torch, kindling):
        ts = _tensors(T, arrays, grad)
        out = fn(T, _lib(T)[1], *ts)
        outs = out if isinstance(out, tuple) else (out,)
        r = {"out": [(str(o.dtype).split(".")[-1], tuple(o.shape), _np(o)) for o in outs]}
        if grad:
            r["node"] = outs[0].grad_fn.name() if outs[0].grad_fn is not None else None
            rng = np.random.default_rng(grad_output_seed)
            g = rng.standard_normal(tuple(outs[0].shape)).astype(_np(outs[0]).dtype)
            diff = [t for t in ts if t.requires_grad]
            gs = T.autograd.grad(outs[0], diff, T.tensor(g), allow_unused=True)
            r["grads"] = [None if x is None else _np(x) for x in gs]
        res[T.__name__] = r
    t, k = res["torch"], res["kindling"]
    for (dt_t, sh_t, v_t), (dt_k, sh_k, v_k) in zip(t["out"], k["out"]):
        assert (dt_k, sh_k) == (dt_t, sh_t)
        np.testing.assert_allclose(v_k, v_t, rtol=rtol, atol=atol)
    if grad:
        assert k["node"] == t["node"]
        for a, b in zip(t["grads"], k["grads"]):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


# ---- convolutions --------------------------------------------------------------------------------
CONV_CASES = [
    ("conv1d", lambda T, F, x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2),
     [(2, 4, 9), (6, 4, 3), (6,)]),
    ("conv1d groups", lambda T, F, x, w, b: F.conv1d(x, w, b, padding="same", groups=2),
     [(2, 4, 9), (6, 2, 3), (6,)]),
    ("conv1d unbatched", lambda T, F, x, w, b: F.conv1d(x, w, b), [(4, 9), (6, 4, 3), (6,)]),
    ("conv2d", lambda T, F, x, w, b: F.conv2d(x, w, b, (2, 1), (1, 2), (1, 2), 2),
     [(2, 4, 7, 6), (6, 2, 3, 2), (6,)]),
    ("conv2d valid", lambda T, F, x, w, b: F.conv2d(x, w, b, padding="valid"),
     [(2, 4, 7, 6), (6, 4, 3, 2), (6,)]),
    ("conv2d same odd", lambda T, F, x, w, b: F.conv2d(x, w, b, padding="same", dilation=2),
     [(2, 4, 7, 6), (3, 4, 3, 3), (3,)]),
    ("conv2d same even", lambda T, F, x, w, b: F.conv2d(x, w, b, padding="same"),
     [(1, 2, 5, 6), (3, 2, 2, 4), (3,)]),
    ("conv2d unbatched", lambda T, F, x, w, b: F.conv2d(x, w, b, stride=2),
     [(4, 7, 6), (6, 4, 3, 2), (6,)]),
    ("conv3d", lambda T, F, x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1),
     [(1, 2, 4, 5, 3), (3, 2, 2, 3, 2), (3,)]),
    ("conv_transpose1d", lambda T, F, x, w, b: F.conv_transpose1d(x, w, b, 2, 1, 1, 1, 2),
     [(2, 4, 5), (4, 3, 3), (3,)]),
    ("conv_transpose2d",
     lambda T, F, x, w, b: F.conv_transpose2d(x, w, b, (2, 3), (1, 0), (1, 2), 2, (2, 1)),
     [(2, 4, 5, 4), (4, 3, 3, 2), (6,)]),
    ("conv_transpose2d unbatched", lambda T, F, x, w, b: F.conv_transpose2d(x, w, b, 2),
     [(4, 5, 4), (4, 3, 3, 2), (3,)]),
    ("conv_transpose3d", lambda T, F, x, w, b: F.conv_transpose3d(x, w, b, 2, 1, 1),
     [(1, 2, 3, 4, 3), (2, 3, 2, 3, 3), (3,)]),
    ("convolution", lambda T, F, x, w, b: T.convolution(x, w, b, [1, 2], [1, 0], [1, 1], False,
                                                         [0, 0], 1), [(2, 4, 7, 6), (3, 4, 3, 3),
                                                                       (3,)]),
    ("_convolution", lambda T, F, x, w, b: T._convolution(
        x, w, b, [1, 1], [0, 0], [1, 1], True, [0, 0], 1, False, False, True, True),
     [(2, 4, 5, 6), (4, 3, 3, 3), (3,)]),
]


@pytest.mark.parametrize("name, fn, shapes", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv_values_and_grads(name, fn, shapes):
    _compare(fn, _arrays(1, *shapes))


@pytest.mark.parametrize("name, fn, shapes", CONV_CASES[:13], ids=[c[0] for c in CONV_CASES[:13]])
def test_conv_complex(name, fn, shapes):
    arrays = [a + 1j * b for a, b in zip(_arrays(2, *shapes), _arrays(3, *shapes))]
    _compare(fn, arrays)


def test_conv_float32_and_integer():
    x, w, b = _arrays(4, (2, 3, 6, 5), (4, 3, 3, 2), (4,), dtype=np.float32)
    _compare(lambda T, F, x, w, b: F.conv2d(x, w, b, padding=1), [x, w, b], rtol=1e-5,
             atol=1e-5)
    ints = [np.round(a * 3).astype(np.int64) for a in (x, w, b)]
    _compare(lambda T, F, x, w, b: F.conv2d(x, w, b, groups=1), ints, grad=False)


def test_conv_channels_last_input():
    x, w = _arrays(5, (2, 3, 6, 5), (4, 3, 3, 3))
    _compare(lambda T, F, x, w: F.conv2d(x.contiguous(memory_format=T.channels_last), w), [x, w])


def test_conv_double_backward_and_forward_ad():
    x, w, b = _arrays(6, (2, 4, 6, 5), (6, 2, 3, 2), (6,))
    tx, tw, tb = _arrays(7, (2, 4, 6, 5), (6, 2, 3, 2), (6,))
    res = []
    for T in (torch, kindling):
        F = _lib(T)[1]
        xs = _tensors(T, [x, w, b], True)
        y = F.conv2d(*xs, stride=(1, 2), padding=1, groups=2)
        g = T.ones_like(y, requires_grad=True)
        gx, gw = T.autograd.grad(y, xs[:2], g, create_graph=True)
        s = (gx * gx).sum() + (gw.sin()).sum()
        second = T.autograd.grad(s, xs + [g], allow_unused=True)
        fwad = T.autograd.forward_ad
        with fwad.dual_level():
            duals = [fwad.make_dual(T.tensor(a), T.tensor(t)) for a, t in
                     zip((x, w, b), (tx, tw, tb))]
            out = F.conv2d(*duals, padding=1, groups=2)
            tangent = fwad.unpack_dual(out).tangent
        res.append(([gx.grad_fn.name(), gw.grad_fn.name()],
                    [None if v is None else _np(v) for v in second], _np(tangent)))
    (nt, st, tt), (nk, sk, tk) = res
    assert nk == nt
    for a, b in zip(st, sk):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(tk, tt, rtol=1e-7, atol=1e-9)


# ---- pools ---------------------------------------------------------------------------------------
def _pool_input():
    (x,) = _arrays(8, (2, 3, 9, 8))
    x[0, 0, 0, :3] = -np.inf
    x[1, 1, 2, 2] = np.nan
    x[1, 2, :2, :2] = 1.0   # (ties: the first position)
    return x


POOL_CASES = [
    ("max_pool2d", lambda T, F, x: F.max_pool2d(x, 3, 2, 1, return_indices=True)),
    ("max_pool2d ceil dilation",
     lambda T, F, x: F.max_pool2d(x, (3, 2), (2, 3), (1, 1), (2, 1), True, True)),
    ("max_pool2d unbatched", lambda T, F, x: F.max_pool2d(x[0], 2)),
    ("max_pool1d", lambda T, F, x: F.max_pool1d(x[0], 3, 2, 1, 1, True, True)),
    ("max_pool1d values", lambda T, F, x: F.max_pool1d(x[0], 3)),
    ("max_pool3d", lambda T, F, x: F.max_pool3d(x, 2, 1, 1, return_indices=True)),
    ("max_pool3d ceil", lambda T, F, x: F.max_pool3d(x[None], 3, 2, 1, ceil_mode=True)),
    ("avg_pool1d", lambda T, F, x: F.avg_pool1d(x.nan_to_num(0.0, 1.0, -1.0)[0], 3, 2, 1, True, False)),
    ("avg_pool2d", lambda T, F, x: F.avg_pool2d(x.nan_to_num(0.0, 1.0, -1.0), 3, 2, 1)),
    ("avg_pool2d ceil no pad count",
     lambda T, F, x: F.avg_pool2d(x.nan_to_num(0.0, 1.0, -1.0), 3, 2, 1, True, False)),
    ("avg_pool2d divisor",
     lambda T, F, x: F.avg_pool2d(x.nan_to_num(0.0, 1.0, -1.0), (3, 2), (2, 1), (1, 1), True, False, 5)),
    ("avg_pool3d", lambda T, F, x: F.avg_pool3d(x.nan_to_num(0.0, 1.0, -1.0), 3, 2, 1, True, False)),
    ("adaptive_avg_pool1d", lambda T, F, x: F.adaptive_avg_pool1d(x.nan_to_num(0.0, 1.0, -1.0)[0], 5)),
    ("adaptive_avg_pool2d", lambda T, F, x: F.adaptive_avg_pool2d(x.nan_to_num(0.0, 1.0, -1.0), (4, None))),
    ("adaptive_avg_pool2d 1x1", lambda T, F, x: F.adaptive_avg_pool2d(x.nan_to_num(0.0, 1.0, -1.0), 1)),
    ("adaptive_avg_pool3d", lambda T, F, x: F.adaptive_avg_pool3d(x.nan_to_num(0.0, 1.0, -1.0), (2, 4, 3))),
    ("adaptive_max_pool1d", lambda T, F, x: F.adaptive_max_pool1d(x[0], 5, True)),
    ("adaptive_max_pool2d", lambda T, F, x: F.adaptive_max_pool2d(x, (4, 5), True)),
    ("adaptive_max_pool3d", lambda T, F, x: F.adaptive_max_pool3d(x, (2, 4, 3))),
    ("lp_pool1d", lambda T, F, x: F.lp_pool1d(x.nan_to_num(0.0, 1.0, -1.0)[0], 3, 2)),
    ("lp_pool2d", lambda T, F, x: F.lp_pool2d(x.nan_to_num(0.0, 1.0, -1.0).abs(), 2.5, 3, 2)),
    ("lp_pool2d inf", lambda T, F, x: F.lp_pool2d(x.nan_to_num(0.0, 1.0, -1.0), float("inf"), 2)),
]


@pytest.mark.parametrize("name, fn", POOL_CASES, ids=[c[0] for c in POOL_CASES])
def test_pool_values_and_grads(name, fn):
    _compare(fn, [_pool_input()])


def test_pool_integer_and_half():
    x = np.round(_pool_input() * 5)
    x = np.nan_to_num(x, nan=0, neginf=-7).astype(np.int64)
    _compare(lambda T, F, x: F.max_pool2d(x, 3, 2, 1, return_indices=True), [x], grad=False)
    _compare(lambda T, F, x: F.avg_pool2d(x, 3, 2, 1, True, False), [x], grad=False)
    h = np.nan_to_num(_pool_input()).astype(np.float16)
    _compare(lambda T, F, x: F.avg_pool2d(x, 2), [h], grad=False, rtol=1e-3, atol=1e-3)


def test_max_unpool_round_trip():
    (x,) = _arrays(9, (2, 3, 8, 6))

    def fn(T, F, x):
        y, i = F.max_pool2d(x, 2, return_indices=True)
        a = F.max_unpool2d(y, i, 2)
        y1, i1 = F.max_pool1d(x[0], 3, return_indices=True)
        b = F.max_unpool1d(y1, i1, 3, output_size=[3, 8, 7])
        y3, i3 = F.max_pool3d(x, 2, return_indices=True)
        c = F.max_unpool3d(y3, i3, 2)
        return (a.sum() + b.sum() * 2 + (c * c).sum()), a, b, c
    _compare(fn, [x])


# ---- interpolate ---------------------------------------------------------------------------------
INTERP_CASES = []
for _shape, _lin in (((2, 3, 7), "linear"), ((2, 3, 5, 6), "bilinear"),
                     ((1, 2, 4, 5, 3), "trilinear")):
    _nd = len(_shape) - 2
    for _mode in ("nearest", "nearest-exact", "area", _lin) + (("bicubic",) if _nd == 2 else ()):
        for _size, _sf in ((None, 2), (None, 0.7), ([11, 3, 4][:_nd], None),
                           (None, [2.3, 0.5, 3.0][:_nd])):
            for _ac in ((None,) if _mode in ("nearest", "nearest-exact", "area") else
                        (False, True)):
                INTERP_CASES.append((_shape, _mode, _size, _sf, _ac))


@pytest.mark.parametrize("shape, mode, size, sf, ac", INTERP_CASES,
                         ids=[f"{len(c[0])}d-{c[1]}-{c[2]}-{c[3]}-{c[4]}" for c in INTERP_CASES])
def test_interpolate(shape, mode, size, sf, ac):
    _compare(lambda T, F, x: F.interpolate(x, size, sf, mode, ac), _arrays(10, shape))


def test_interpolate_float32_nearest_indices_and_recompute():
    (x,) = _arrays(11, (1, 2, 7, 9), dtype=np.float32)
    for sf in (0.3, 1.37, 2.9):
        _compare(lambda T, F, x: F.interpolate(x, scale_factor=sf, mode="nearest"), [x],
                 rtol=1e-6, atol=1e-6)
        _compare(lambda T, F, x: F.interpolate(x, scale_factor=sf, mode="bilinear",
                                               recompute_scale_factor=True), [x],
                 rtol=1e-5, atol=1e-6)
    u8 = (np.abs(x) * 60).astype(np.uint8)
    _compare(lambda T, F, x: F.interpolate(x, size=(9, 4), mode="nearest-exact"), [u8],
             grad=False)


def test_deprecated_upsample_warnings():
    (x,) = _arrays(12, (1, 2, 3, 4))
    for name, kw in (("upsample", dict(scale_factor=2, mode="bilinear")),
                     ("upsample_nearest", dict(scale_factor=2)),
                     ("upsample_bilinear", dict(size=(5, 6)))):
        def plain(r):
            return (tuple(r.shape), np.round(_np(r), 10).tolist())
        t = call_outcome(lambda: getattr(F_T, name)(torch.tensor(x), **kw), plain)
        k = call_outcome(lambda: getattr(F_K, name)(kindling.tensor(x), **kw), plain)
        assert k == t


# ---- unfold / fold / shuffles --------------------------------------------------------------------
VISION_CASES = [
    ("unfold", lambda T, F, x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
     (2, 3, 6, 7)),
    ("unfold unbatched", lambda T, F, x: F.unfold(x, 2), (3, 5, 4)),
    ("fold", lambda T, F, x: F.fold(x, (5, 6), 2, padding=1, stride=2), (2, 12, 12)),
    ("fold unbatched", lambda T, F, x: F.fold(x, (4, 5), 2), (12, 12)),
    ("pixel_shuffle", lambda T, F, x: F.pixel_shuffle(x, 2), (2, 8, 3, 4)),
    ("pixel_shuffle 5d", lambda T, F, x: F.pixel_shuffle(x, 3), (2, 1, 9, 2, 3)),
    ("pixel_unshuffle", lambda T, F, x: F.pixel_unshuffle(x, 2), (2, 3, 4, 6)),
    ("channel_shuffle", lambda T, F, x: F.channel_shuffle(x, 3), (2, 6, 3, 2)),
]


@pytest.mark.parametrize("name, fn, shape", VISION_CASES, ids=[c[0] for c in VISION_CASES])
def test_vision_ops(name, fn, shape):
    _compare(fn, _arrays(13, shape))
    _compare(fn, [a + 1j * b for a, b in zip(_arrays(14, shape), _arrays(15, shape))])


def test_native_channel_shuffle_has_no_derivative():
    (x,) = _arrays(16, (2, 6, 3))
    _compare(lambda T, F, x: F.native_channel_shuffle(x, 3), [x], grad=False)
    seen = []
    for T in (torch, kindling):
        y = _lib(T)[1].native_channel_shuffle(T.tensor(x, requires_grad=True), 2)
        seen.append((y.grad_fn.name(), call_outcome(lambda: y.sum().backward())))
    assert seen[1] == seen[0]


# ---- errors --------------------------------------------------------------------------------------
def _x(T, *shape, dtype=None):
    t = T.arange(float(np.prod(shape))).reshape(*shape)
    return t if dtype is None else t.to(getattr(T, dtype))


ERROR_CASES = [
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 4, 2, 3, 3)),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 5, 1, 3, 3), groups=3),
    lambda T, F: F.conv2d(_x(T, 2, 4, 8, 8), _x(T, 4, 2, 3, 3), groups=5),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3, 3), _x(T, 3)),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 9, 9)),
    lambda T, F: F.conv2d(_x(T, 8, 8), _x(T, 4, 3, 3, 3)),
    lambda T, F: F.conv1d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3)),
    lambda T, F: F.conv3d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3, 3)),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3, 3), padding=-1),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3, 3), stride=0),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3, 3), dilation=0),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3, 3), groups=0),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3, 3), stride=(1, 1, 1)),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8, dtype="float64"), _x(T, 4, 3, 3, 3)),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3, 3), _x(T, 4, dtype="float64")),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3, 3), padding="same", stride=2),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3, 3), padding="foo"),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8, dtype="bool"), _x(T, 4, 3, 3, 3, dtype="bool")),
    lambda T, F: F.conv2d(_x(T, 2, 3, 8, 8, dtype="complex64"), _x(T, 4, 3, 3, 3)),
    lambda T, F: F.conv1d(_x(T, 3, 8), _x(T, 4, 3)),
    lambda T, F: T.convolution(_x(T, 2, 3, 8), _x(T, 4, 3, 3), _x(T, 4, dtype="float64"),
                               [1], [0], [1], False, [0], 1),
    lambda T, F: T.convolution(_x(T, 2, 3, 8, dtype="complex128"),
                               _x(T, 4, 3, 3, dtype="complex128"), None, [1], [0], [1], False,
                               [0], 1),
    lambda T, F: F.conv_transpose2d(_x(T, 2, 3, 8, 8), _x(T, 4, 3, 3, 3)),
    lambda T, F: F.conv_transpose2d(_x(T, 2, 3, 8, 8), _x(T, 3, 3, 3, 3), output_padding=1),
    lambda T, F: F.conv_transpose1d(_x(T, 2, 3, 8), _x(T, 3, 3, 3), output_padding=1),
    lambda T, F: F.conv_transpose3d(_x(T, 2, 3, 8, 1, 1), _x(T, 3, 3, 3, 1, 1),
                                    output_padding=1),
    lambda T, F: F.conv_transpose2d(_x(T, 2, 3, 8, 8), _x(T, 3, 3, 3, 3), _x(T, 2)),
    lambda T, F: F.conv_transpose2d(_x(T, 2, 3, 8, 8), _x(T, 3, 3, 3, 3), output_padding=-1),
    lambda T, F: F.max_pool2d(_x(T, 2, 3, 8, 8), 0),
    lambda T, F: F.max_pool2d(_x(T, 2, 3, 8, 8), 2, padding=2),
    lambda T, F: F.max_pool2d(_x(T, 2, 3, 8, 8), 2, padding=-1),
    lambda T, F: F.max_pool2d(_x(T, 2, 3, 8, 8), 2, dilation=0),
    lambda T, F: F.max_pool2d(_x(T, 2, 3, 8, 8), 2, stride=-1),
    lambda T, F: F.max_pool2d(_x(T, 2, 3, 8, 8), (2, 2, 2)),
    lambda T, F: F.max_pool2d(_x(T, 2, 3, 8, 8), 2, (1, 1, 1)),
    lambda T, F: F.max_pool2d(_x(T, 8, 8), 2),
    lambda T, F: F.max_pool2d(_x(T, 2, 3, 8, 8), 9),
    lambda T, F: F.max_pool2d(_x(T, 2, 3, 0, 8), 1),
    lambda T, F: F.max_pool2d(_x(T, 2, 3, 8, 8, dtype="bool"), 2),
    lambda T, F: F.max_pool2d(_x(T, 2, 3, 8, 8, dtype="complex128"), 2),
    lambda T, F: F.max_pool1d(_x(T, 3, 8), 0),
    lambda T, F: F.max_pool1d(_x(T, 3, 8), 9),
    lambda T, F: F.max_pool1d(_x(T, 8), 2),
    lambda T, F: F.max_pool1d(_x(T, 3, 8), 2, padding=2),
    lambda T, F: F.max_pool1d(_x(T, 8), 2, return_indices=True),
    lambda T, F: F.max_pool3d(_x(T, 3, 8), 2),
    lambda T, F: F.max_pool3d(_x(T, 2, 3, 8, 8), 9),
    lambda T, F: F.max_pool3d(_x(T, 1, 2, 0, 8, 8), 2),
    lambda T, F: F.max_pool3d(_x(T, 1, 2, 3, 8, 8), 2, dilation=0),
    lambda T, F: F.avg_pool2d(_x(T, 2, 3, 8, 8), 2, divisor_override=0),
    lambda T, F: F.avg_pool2d(_x(T, 8, 8), 2),
    lambda T, F: F.avg_pool2d(_x(T, 2, 3, 8, 8), 9),
    lambda T, F: F.avg_pool2d(_x(T, 2, 3, 8, 8, dtype="bool"), 2),
    lambda T, F: F.avg_pool2d(_x(T, 2, 3, 8, 8, dtype="complex64"), 2),
    lambda T, F: F.avg_pool1d(_x(T, 8), 2),
    lambda T, F: F.avg_pool3d(_x(T, 2, 3, 8, 8), 9),
    lambda T, F: F.avg_pool3d(_x(T, 8, 8), 2),
    lambda T, F: F.avg_pool3d(_x(T, 1, 2, 3, 8, 8), 2, padding=2),
    lambda T, F: F.adaptive_avg_pool2d(_x(T, 8, 8), 2),
    lambda T, F: F.adaptive_avg_pool2d(_x(T, 2, 3, 8, 8), (2, 2, 2)),
    lambda T, F: F.adaptive_avg_pool2d(_x(T, 2, 3, 8, 8), -1),
    lambda T, F: F.adaptive_avg_pool2d(_x(T, 2, 3, 8, 8, dtype="int64"), 2),
    lambda T, F: F.adaptive_avg_pool2d(_x(T, 2, 3, 0, 8), 2),
    lambda T, F: F.adaptive_avg_pool1d(_x(T, 2, 3, 8, 8), 2),
    lambda T, F: F.adaptive_avg_pool3d(_x(T, 8, 8), 2),
    lambda T, F: F.adaptive_max_pool2d(_x(T, 8, 8), 2),
    lambda T, F: F.adaptive_max_pool2d(_x(T, 2, 3, 8, 8, dtype="int64"), 2),
    lambda T, F: F.adaptive_max_pool1d(_x(T, 2, 3, 8, 8), 2),
    lambda T, F: F.adaptive_max_pool3d(_x(T, 2, 3, 8, 8), (2, 2)),
    lambda T, F: F.adaptive_max_pool2d(_x(T, 2, 3, 0, 8), 2),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5, 5), size=(0, 3)),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5, 5, 5), size=(2, 3, 0), mode="trilinear"),
    lambda T, F: F.interpolate(_x(T, 2, 5), size=0, mode="linear"),
    lambda T, F: F.interpolate(_x(T, 1, 0, 5, 5), size=(2, 3)),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5, 5, dtype="int64"), size=(2, 3)),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5, 5, dtype="int64"), size=(2, 3), mode="bicubic"),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5), size=(2, 2)),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5, 5), size=2, scale_factor=2),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5, 5)),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5), size=2, mode="bilinear"),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5), size=2, align_corners=True),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5), size=2, recompute_scale_factor=True),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5), size=2, mode="bilinear", antialias=True),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5), size=2, mode="foo"),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5), size=(2.5,)),
    lambda T, F: F.interpolate(_x(T, 1, 2, 5), scale_factor=(2.0, 3.0)),
    lambda T, F: T._C._nn.upsample_nearest2d(_x(T, 2, 5, 5), [3, 3]),
    lambda T, F: T._C._nn.upsample_nearest2d(_x(T, 1, 2, 5, 5), [3, 3], [2.0, 2.0]),
    lambda T, F: F.unfold(_x(T, 2, 3, 5, 6), 7),
    lambda T, F: F.unfold(_x(T, 2, 3, 5, 6), 0),
    lambda T, F: F.unfold(_x(T, 2, 3, 5, 6), 2, padding=-1),
    lambda T, F: F.unfold(_x(T, 5, 6), 2),
    lambda T, F: F.unfold(_x(T, 2, 3, 5, 6, dtype="int64"), 2),
    lambda T, F: F.unfold(_x(T, 2, 3, 5, 6), (2, 3, 4)),
    lambda T, F: F.fold(_x(T, 2, 5, 6), (4, 5), 2),
    lambda T, F: F.fold(_x(T, 2, 12, 9), (4, 5), 2),
    lambda T, F: F.fold(_x(T, 2, 12, 12), (4, 5), 2, stride=0),
    lambda T, F: F.fold(_x(T, 2, 12, 12), (1, 1), 2),
    lambda T, F: F.fold(_x(T, 2, 12, 12, dtype="int64"), (4, 5), 2),
    lambda T, F: F.pixel_shuffle(_x(T, 2, 3, 5, 6), 2),
    lambda T, F: F.pixel_shuffle(_x(T, 5, 6), 2),
    lambda T, F: F.pixel_shuffle(_x(T, 2, 4, 5, 6), 0),
    lambda T, F: F.pixel_unshuffle(_x(T, 2, 3, 5, 6), 2),
    lambda T, F: F.pixel_unshuffle(_x(T, 2, 3, 4, 6), 4),
    lambda T, F: F.pixel_unshuffle(_x(T, 2, 3, 4, 6), -1),
    lambda T, F: F.channel_shuffle(_x(T, 2, 3, 5, 6), 2),
    lambda T, F: F.channel_shuffle(_x(T, 2, 3, 5, 6), 0),
    lambda T, F: F.channel_shuffle(_x(T, 5, 6), 1),
    lambda T, F: F.max_unpool2d(_x(T, 1, 1, 5, 6), _x(T, 1, 1, 5, 6, dtype="int64") * 5, 2),
    lambda T, F: F.max_unpool2d(_x(T, 2, 3, 5, 6), _x(T, 1, 3, 5, 6, dtype="int64"), 2),
    lambda T, F: F.max_unpool2d(_x(T, 2, 3, 5, 6), _x(T, 2, 3, 5, 6, dtype="int32"), 2),
    lambda T, F: F.max_unpool2d(_x(T, 2, 3, 5, 6), _x(T, 2, 3, 5, 6, dtype="int64"), 2,
                                output_size=(1, 2, 3)),
    lambda T, F: F.max_unpool2d(_x(T, 2, 3, 5, 6), _x(T, 2, 3, 5, 6, dtype="int64"), 2,
                                output_size=(30, 3)),
]


@pytest.mark.parametrize("i", range(len(ERROR_CASES)))
def test_errors_match(i):
    def plain(r):
        rs = r if isinstance(r, tuple) else (r,)
        return [(str(x.dtype).split(".")[-1], tuple(x.shape)) for x in rs]
    with np.errstate(all="ignore"):
        t = call_outcome(lambda: ERROR_CASES[i](torch, F_T), plain)
        k = call_outcome(lambda: ERROR_CASES[i](kindling, F_K), plain)
    assert k == t


# ---- what a dispatch mode sees, and meta tensors ------------------------------------------------
LOG_CASES = [
    lambda T, F, x: F.conv2d(x, T.ones(4, 3, 3, 3, dtype=x.dtype), T.ones(4, dtype=x.dtype),
                             padding=1),
    lambda T, F, x: F.conv1d(x[0, :, 0], T.ones(4, 3, 3, dtype=x.dtype)),
    lambda T, F, x: F.conv_transpose2d(x, T.ones(3, 2, 3, 3, dtype=x.dtype), stride=2),
    lambda T, F, x: F.conv2d(x.to(T.complex128), T.ones(2, 3, 2, 2, dtype=T.complex128)),
    lambda T, F, x: F.max_pool2d(x, 2),
    lambda T, F, x: F.max_pool1d(x[0], 2),
    lambda T, F, x: F.max_pool3d(x, 2),
    lambda T, F, x: F.avg_pool1d(x[0], 2),
    lambda T, F, x: F.avg_pool2d(x, 2),
    lambda T, F, x: F.adaptive_avg_pool2d(x, 3),
    lambda T, F, x: F.adaptive_avg_pool2d(x, 1),
    lambda T, F, x: F.adaptive_max_pool1d(x[0], 3),
    lambda T, F, x: F.interpolate(x, scale_factor=2, mode="bilinear"),
    lambda T, F, x: F.interpolate(x, size=5),
    lambda T, F, x: F.interpolate(x, size=5, mode="area"),
    lambda T, F, x: F.unfold(x, 3),
    lambda T, F, x: F.pixel_shuffle(x, 1),
    lambda T, F, x: F.channel_shuffle(x, 3),
]


@pytest.mark.parametrize("i", range(len(LOG_CASES)))
def test_dispatch_log_forward_and_backward(i):
    (x,) = _arrays(16, (2, 3, 8, 8))
    logs = []
    for T in (torch, kindling):
        log, mode = dispatch_log(T)
        t = T.tensor(x, requires_grad=True)
        with mode:
            y = LOG_CASES[i](T, _lib(T)[1], t)
            name = y.grad_fn.name()
            y.abs().sum().backward()
        logs.append((name, log))
    assert logs[1] == logs[0]


META_CASES = [
    lambda T, F, x: F.conv2d(x, T.empty(4, 3, 3, 3, device="meta"), stride=2, padding=1),
    lambda T, F, x: F.conv_transpose2d(x, T.empty(3, 2, 3, 3, device="meta"), stride=2,
                                       output_padding=1),
    lambda T, F, x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True),
    lambda T, F, x: F.avg_pool3d(x, 2),
    lambda T, F, x: F.adaptive_avg_pool2d(x, (3, 5)),
    lambda T, F, x: F.adaptive_max_pool2d(x, (3, 5), return_indices=True),
    lambda T, F, x: F.interpolate(x, scale_factor=1.5, mode="bicubic"),
    lambda T, F, x: F.unfold(x, 3, stride=2),
    lambda T, F, x: F.pixel_unshuffle(x, 2),
]


@pytest.mark.parametrize("i", range(len(META_CASES)))
def test_meta_shapes(i):
    def plain(r):
        rs = r if isinstance(r, tuple) else (r,)
        return [(str(x.dtype).split(".")[-1], tuple(x.shape), str(x.device)) for x in rs]
    t = call_outcome(lambda: META_CASES[i](torch, F_T, torch.empty(2, 3, 8, 8, device="meta")),
                     plain)
    k = call_outcome(lambda: META_CASES[i](kindling, F_K,
                                           kindling.empty(2, 3, 8, 8, device="meta")), plain)
    assert k == t


def test_functional_names_are_the_torch_functions():
    for name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "avg_pool1d", "adaptive_avg_pool1d", "pixel_shuffle",
                 "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle"):
        assert (getattr(F_T, name) is getattr(torch, name)) == \
            (getattr(F_K, name) is getattr(kindling, name)), name
    assert F_K.avg_pool2d is kindling._C._nn.avg_pool2d
    assert F_K.max_pool2d.__name__ == F_T.max_pool2d.__name__


# ---- fractional max pools ----------------------------------------------------------------------
@pytest.mark.parametrize("nd, shape, kw", [
    (2, (2, 3, 9, 8), dict(kernel_size=3, output_size=(4, 5))),
    (2, (3, 9, 8), dict(kernel_size=(2, 3), output_ratio=(0.5, 0.4))),
    (2, (2, 3, 7, 7), dict(kernel_size=2, output_size=1)),
    (3, (2, 2, 6, 7, 5), dict(kernel_size=2, output_size=(3, 4, 2))),
    (3, (2, 6, 7, 5), dict(kernel_size=(1, 2, 3), output_ratio=(0.5, 0.6, 0.5))),
])
def test_fractional_max_pool(nd, shape, kw):
    (x,) = _arrays(17, shape)
    x.reshape(-1)[::7] = 0.25   # (ties)
    batch = shape[0] if len(shape) == nd + 2 else 1
    channels = shape[-nd - 1]
    (samples,) = _arrays(18, (batch, channels, nd))
    samples = np.abs(samples) % 1

    def given(T, F, x, s):
        return getattr(F, f"fractional_max_pool{nd}d")(x, return_indices=True,
                                                       _random_samples=s.detach(), **kw)
    _compare(given, [x, samples])

    def seeded(T, F, x):
        T.manual_seed(5)
        return getattr(F, f"fractional_max_pool{nd}d")(x, **kw)
    _compare(seeded, [x])


FRACTIONAL_ERRORS = [
    lambda T, s: T._C._nn.fractional_max_pool2d(_x(T, 2, 3, 8, 8), [2, 2], [8, 8], s),
    lambda T, s: T._C._nn.fractional_max_pool2d(_x(T, 2, 3, 8, 8), [2, 2, 2], [4, 4], s),
    lambda T, s: T._C._nn.fractional_max_pool2d(_x(T, 2, 3, 8, 8), [2, 2], [4, 4, 4], s),
    lambda T, s: T._C._nn.fractional_max_pool2d(_x(T, 8, 8), [2, 2], [4, 4], s),
    lambda T, s: T._C._nn.fractional_max_pool2d(_x(T, 2, 3, 0, 8), [2, 2], [4, 4], s),
    lambda T, s: T._C._nn.fractional_max_pool2d(_x(T, 2, 3, 8, 8), [2, 2], [4, 4], s[:1]),
    lambda T, s: T._C._nn.fractional_max_pool2d(_x(T, 2, 3, 8, 8), [2, 2], [4, 4], s[..., :1]),
    lambda T, s: T._C._nn.fractional_max_pool2d(_x(T, 2, 3, 8, 8), [2, 2], [4, 4], s[0]),
    lambda T, s: T._C._nn.fractional_max_pool2d(_x(T, 2, 3, 8, 8), [2, 2], [4, 4], s.double()),
    lambda T, s: T._C._nn.fractional_max_pool2d(_x(T, 2, 3, 8, 8, dtype="int64"), [2, 2],
                                                [4, 4], s.long()),
    lambda T, s: T._C._nn.fractional_max_pool3d(_x(T, 1, 2, 3, 8, 8), [2, 2, 2], [2, 8, 8],
                                                s[None]),
    lambda T, s: T._C._nn.fractional_max_pool3d(_x(T, 3, 8, 8), [2, 2, 2], [1, 4, 4], s),
    lambda T, s: T.nn.functional.fractional_max_pool2d(_x(T, 2, 3, 8, 8), 2),
    lambda T, s: T.nn.functional.fractional_max_pool2d(_x(T, 2, 3, 8, 8), 2,
                                                       output_ratio=(0.5, 0.5, 0.5)),
    lambda T, s: T.nn.functional.fractional_max_pool2d(_x(T, 2, 3, 8, 8), 2, output_ratio=0.5),
    lambda T, s: T._C._nn.fractional_max_pool3d(_x(T, 1, 2, 8, 8, 8), [2, 2, 2], [6, 7, 7],
                                                s[:1, :2, :1].expand(1, 2, 3)),
    lambda T, s: T._C._nn.fractional_max_pool2d(_x(T, 3, 8, 8), [2, 2], [7, 7], s[:1]),
]


@pytest.mark.parametrize("i", range(len(FRACTIONAL_ERRORS)))
def test_fractional_max_pool_errors(i):
    def plain(r):
        return [tuple(x.shape) for x in r]
    s = np.full((2, 3, 2), 0.5, np.float32)
    t = call_outcome(lambda: FRACTIONAL_ERRORS[i](torch, torch.tensor(s)), plain)
    k = call_outcome(lambda: FRACTIONAL_ERRORS[i](kindling, kindling.tensor(s)), plain)
    assert k == t


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("size, sf", [((4, 3), None), ((12, 11), None), (None, 0.37),
                                      (None, (1.6, 0.45))])
@pytest.mark.parametrize("ac", [False, True])
def test_interpolate_antialias(mode, size, sf, ac):
    _compare(lambda T, F, x: F.interpolate(x, size, sf, mode, ac, antialias=True),
             _arrays(19, (2, 3, 9, 8)))
