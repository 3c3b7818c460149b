"""torch.nn.init against PyTorch: with the same seed (global or a Generator) every
initialiser fills the tensor with PyTorch's exact values; gains, fans, errors and warnings."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402
import kindling.nn.init as KI  # noqa: E402

TI = torch.nn.init


def _np(t):
    return np.asarray(t.detach().tolist())


def _both(shape, fn, *args, seed=0, dtype="float32", use_generator=False, **kw):
    """``fn`` (a name in nn.init) on an empty tensor of ``shape``, seeded alike."""
    out = []
    for lib, init in ((torch, TI), (kindling, KI)):
        lib.manual_seed(seed)
        t = lib.empty(*shape, dtype=getattr(lib, dtype))
        if use_generator:
            kw["generator"] = lib.Generator().manual_seed(seed + 11)
        r = getattr(init, fn)(t, *args, **kw)
        assert r is t
        out.append(t)
    return out


def _assert_equal(t, k, exact=True):
    assert tuple(t.shape) == tuple(k.shape)
    assert str(t.dtype) == str(k.dtype)
    if exact:
        np.testing.assert_array_equal(_np(k), _np(t))
    else:
        np.testing.assert_allclose(_np(k), _np(t), rtol=1e-5, atol=1e-6)


RANDOM_CASES = [
    ("uniform_", (), {}),
    ("uniform_", (-2.0, 3.0), {}),
    ("normal_", (), {}),
    ("normal_", (1.5, 0.3), {}),
    ("trunc_normal_", (), {}),
    ("trunc_normal_", (0.0, 1.0, -0.5, 0.5), {}),      # redraw path, narrow interval
    ("trunc_normal_", (0.0, 1.0, 0.2, 0.4), {}),       # rejection-sampling path
    ("trunc_normal_", (0.0, 0.02, -0.04, 0.04), {}),
    ("xavier_uniform_", (), {}),
    ("xavier_uniform_", (2.0,), {}),
    ("xavier_normal_", (), {}),
    ("xavier_normal_", (0.5,), {}),
    ("kaiming_uniform_", (), {}),
    ("kaiming_uniform_", (), {"a": 5 ** 0.5}),
    ("kaiming_uniform_", (), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", (), {}),
    ("kaiming_normal_", (0.2,), {"mode": "FAN_OUT"}),
    ("kaiming_normal_", (), {"nonlinearity": "tanh"}),
]


@pytest.mark.parametrize("shape", [(7, 5), (4, 3, 3, 2), (64, 33)])
@pytest.mark.parametrize("fn,args,kw", RANDOM_CASES)
@pytest.mark.parametrize("use_generator", [False, True])
def test_random_inits_match_torch_stream(fn, args, kw, shape, use_generator):
    t, k = _both(shape, fn, *args, use_generator=use_generator, **kw)
    _assert_equal(t, k)
    # the global stream is left in the same state too
    np.testing.assert_array_equal(_np(kindling.rand(5)), torch.rand(5).numpy())


@pytest.mark.parametrize("dtype", ["float64", "bfloat16", "float16"])
@pytest.mark.parametrize("fn,args", [("uniform_", ()), ("normal_", (0.0, 2.0)),
                                     ("kaiming_uniform_", ()), ("trunc_normal_", ()),
                                     ("trunc_normal_", (0.5, 1.0, 1.0, 1.3))])
def test_random_inits_other_dtypes(fn, args, dtype):
    t, k = _both((9, 6), fn, *args, dtype=dtype)
    _assert_equal(t, k)


@pytest.mark.parametrize("shape", [(6, 4), (3, 8), (5, 2, 3), (4, 4)])
@pytest.mark.parametrize("gain", [1, 2.5])
def test_orthogonal(shape, gain):
    t, k = _both(shape, "orthogonal_", gain)
    # QR goes through LAPACK in both, possibly in other orders: close, not bitwise
    _assert_equal(t, k, exact=False)
    flat = _np(k).reshape(shape[0], -1)
    if shape[0] <= flat.shape[1]:
        np.testing.assert_allclose(flat @ flat.T, gain ** 2 * np.eye(shape[0]), atol=1e-5)


@pytest.mark.parametrize("shape,sparsity", [((10, 4), 0.3), ((7, 7), 0.0), ((5, 3), 1.0)])
def test_sparse(shape, sparsity):
    t, k = _both(shape, "sparse_", sparsity)
    _assert_equal(t, k)
    t, k = _both(shape, "sparse_", sparsity, std=0.5, use_generator=True)
    _assert_equal(t, k)


@pytest.mark.parametrize("fn,args", [("constant_", (0.25,)), ("ones_", ()), ("zeros_", ()),
                                     ("eye_", ())])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3)])
def test_deterministic_fills(fn, args, shape):
    t, k = _both(shape, fn, *args)
    _assert_equal(t, k)


@pytest.mark.parametrize("shape,groups", [((4, 3, 5), 1), ((6, 2, 3, 3), 2),
                                          ((4, 4, 3, 2, 5), 1), ((6, 5, 3, 3), 3)])
def test_dirac(shape, groups):
    t, k = _both(shape, "dirac_", groups)
    _assert_equal(t, k)


def test_fills_do_not_record_autograd():
    for fn, args in [("uniform_", ()), ("normal_", ()), ("constant_", (1.0,)),
                     ("ones_", ()), ("zeros_", ()), ("eye_", ()), ("xavier_uniform_", ()),
                     ("kaiming_normal_", ()), ("orthogonal_", ()), ("trunc_normal_", ()),
                     ("sparse_", (0.5,))]:
        w = kindling.nn.Parameter(kindling.empty(4, 3))
        getattr(KI, fn)(w, *args)
        assert w.grad_fn is None and w.requires_grad and w.is_leaf
    w = kindling.nn.Parameter(kindling.empty(4, 3, 3))
    KI.dirac_(w)
    assert w.grad_fn is None


@pytest.mark.parametrize("nl,param", [("linear", None), ("conv1d", None),
                                      ("conv_transpose3d", None), ("sigmoid", None),
                                      ("tanh", None), ("relu", None), ("leaky_relu", None),
                                      ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None)])
def test_calculate_gain(nl, param):
    assert KI.calculate_gain(nl, param) == TI.calculate_gain(nl, param)
    assert type(KI.calculate_gain(nl, param)) is type(TI.calculate_gain(nl, param))


def _same_error(fn_t, fn_k):
    with pytest.raises(Exception) as et:
        fn_t()
    with pytest.raises(Exception) as ek:
        fn_k()
    assert type(ek.value) is type(et.value)
    assert str(ek.value) == str(et.value)


@pytest.mark.parametrize("call", [
    lambda I, L: I.calculate_gain("leaky_relu", True),
    lambda I, L: I.calculate_gain("leaky_relu", "x"),
    lambda I, L: I.calculate_gain("softmax"),
    lambda I, L: I._calculate_fan_in_and_fan_out(L.empty(3)),
    lambda I, L: I.xavier_uniform_(L.empty(3)),
    lambda I, L: I.kaiming_normal_(L.empty(3, 4), mode="fan_avg"),
    lambda I, L: I.eye_(L.empty(3, 4, 5)),
    lambda I, L: I.dirac_(L.empty(3, 4)),
    lambda I, L: I.dirac_(L.empty(3, 4, 3), groups=2),
    lambda I, L: I.orthogonal_(L.empty(3)),
    lambda I, L: I.sparse_(L.empty(3), 0.1),
])
def test_errors(call):
    _same_error(lambda: call(TI, torch), lambda: call(KI, kindling))


@pytest.mark.parametrize("shape", [(4, 3), (3, 5, 2), (2, 3, 4, 5)])
def test_fans(shape):
    assert KI._calculate_fan_in_and_fan_out(kindling.empty(*shape)) == \
        TI._calculate_fan_in_and_fan_out(torch.empty(*shape))
    for mode in ("fan_in", "fan_out", "Fan_Out"):
        assert KI._calculate_correct_fan(kindling.empty(*shape), mode) == \
            TI._calculate_correct_fan(torch.empty(*shape), mode)


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [(x.category, str(x.message)) for x in w]


@pytest.mark.parametrize("call", [
    lambda I, L: I.kaiming_uniform_(L.empty(0, 3)),
    lambda I, L: I.kaiming_normal_(L.empty(3, 0)),
    lambda I, L: I.trunc_normal_(L.empty(3, 3), mean=5.0, std=1.0, a=-1.0, b=1.0),
])
def test_warnings(call):
    assert _warnings_of(lambda: call(KI, kindling)) == _warnings_of(lambda: call(TI, torch))


@pytest.mark.parametrize("old,args", [("uniform", ()), ("normal", ()), ("constant", (0.5,)),
                                      ("eye", ()), ("xavier_uniform", ()),
                                      ("xavier_normal", ()), ("kaiming_uniform", ()),
                                      ("kaiming_normal", ()), ("orthogonal", ()),
                                      ("sparse", (0.5,))])
def test_deprecated_aliases(old, args):
    res = {}
    for lib, init in ((torch, TI), (kindling, KI)):
        lib.manual_seed(3)
        t = lib.empty(4, 3)
        res[lib.__name__] = (_warnings_of(lambda: getattr(init, old)(t, *args)), t)
    assert res["kindling"][0] == res["torch"][0]
    _assert_equal(res["torch"][1], res["kindling"][1], exact=old != "orthogonal")
    assert getattr(KI, old).__name__ == old
    w = _warnings_of(lambda: KI.dirac(kindling.empty(3, 3, 3)))
    assert w == _warnings_of(lambda: TI.dirac(torch.empty(3, 3, 3)))


def test_all_names():
    assert sorted(KI.__all__) == sorted(TI.__all__)
    for name in TI.__all__:
        assert callable(getattr(KI, name))
    assert kindling.nn.init is KI


def test_torch_function_override():
    """Tensor subclasses see the initialisers PyTorch routes through __torch_function__
    (uniform_, normal_, constant_, kaiming_uniform_) and then the tensor methods they call."""
    seen = {}
    for lib, init in ((torch, TI), (kindling, KI)):
        log = []

        class Marked(lib.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                log.append(getattr(func, "__name__", str(func)))
                return super().__torch_function__(func, types, args, kwargs or {})

        t = lib.empty(3, 4).as_subclass(Marked)
        init.uniform_(t)
        init.normal_(t)
        init.kaiming_uniform_(t)
        init.constant_(t, 1.0)
        seen[lib.__name__] = [n for n in log if n in ("uniform_", "normal_", "constant_",
                                                      "kaiming_uniform_", "fill_")]
    assert seen["kindling"] == seen["torch"]


@pytest.mark.parametrize("fn,args", [("trunc_normal_", ()), ("orthogonal_", ()),
                                     ("dirac_", ()), ("sparse_", (0.2,)), ("uniform_", ()),
                                     ("kaiming_normal_", ()), ("eye_", ())])
def test_meta_tensors(fn, args):
    shape = (3, 3, 3) if fn == "dirac_" else (3, 4)
    for lib, init in ((torch, TI), (kindling, KI)):
        t = lib.empty(*shape, device="meta")
        assert getattr(init, fn)(t, *args) is t
        assert t.is_meta
