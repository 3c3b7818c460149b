"""Tensor construction, conversion and metadata against PyTorch."""
import copy
import pickle

import numpy as np
import pytest

import kindling

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
          "uint8", "bool", "complex64", "complex128"]


def kd(name):
    return getattr(kindling, name)


def td(torch, name):
    return getattr(torch, name)


def same(k, t, values=True):
    """Same shape, dtype, device type, strides and (for CPU) values."""
    assert tuple(k.shape) == tuple(t.shape)
    assert repr(k.dtype) == repr(t.dtype)
    assert k.device.type == t.device.type
    assert k.stride() == t.stride()
    if values and t.device.type == "cpu":
        tv = t.float() if str(t.dtype) == "torch.bfloat16" else t
        kv = k._np.astype(np.float32) if str(k.dtype) == "torch.bfloat16" else k.numpy()
        np.testing.assert_array_equal(kv, tv.numpy())


def raises_like(fk, ft):
    """Both raise the same exception type with the same message."""
    with pytest.raises(Exception) as et:
        ft()
    with pytest.raises(Exception) as ek:
        fk()
    assert type(ek.value) is type(et.value) or issubclass(type(ek.value), type(et.value))
    assert str(ek.value) == str(et.value)


# ---- tensor(): dtype inference -------------------------------------------------------------------
@pytest.mark.parametrize("data", [
    1, 1.5, True, 1j, [1, 2], [1.0, 2], [True, False], [True, 1], [1, 2j], [True, 1.5, 2j],
    [], [[1], [2.0]], (1, 2), [[1, 2], [3, 4]], [[True], [False]], [[]], [[], []],
    [np.int32(1), 5], [np.float16(1), 2], [np.float16(1), 2.0], [np.uint8(3), np.int8(2)],
    np.float64(2.0), np.int16(3), np.array([1, 2], dtype=np.int32), np.array(2.5),
    [np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)],
    [1e300, 1.0], [-0.0], [[1 + 1j, 2], [3, 4.0]],
], ids=repr)
def test_tensor_inference(torch, data):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.tensor(data)
    k = kindling.tensor(data)
    same(k, t)


@pytest.mark.parametrize("default", ["float64", "float16"])
def test_tensor_inference_default_dtype(torch, default):
    old = kindling.get_default_dtype()
    kindling.set_default_dtype(kd(default))
    torch_old = torch.get_default_dtype()
    torch.set_default_dtype(td(torch, default))
    try:
        # (float16's complex counterpart is complex32, which kindling lacks)
        for data in ([1.0, 2.0], 1.5, [1, 2], []) + (([1j],) if default != "float16" else ()):
            same(kindling.tensor(data), torch.tensor(data))
    finally:
        kindling.set_default_dtype(old)
        torch.set_default_dtype(torch_old)


def test_tensor_from_tensors(torch):
    k = kindling.tensor([kindling.tensor(1, dtype=kindling.int8), 2])
    t = torch.tensor([torch.tensor(1, dtype=torch.int8), 2])
    same(k, t)
    k = kindling.tensor([kindling.tensor(1.5), kindling.tensor(2.5)])
    t = torch.tensor([torch.tensor(1.5), torch.tensor(2.5)])
    same(k, t)


@pytest.mark.parametrize("data", [[[1, 2], [3]], [[[1]], [[1, 2]]], [[1, 2], []]], ids=repr)
def test_tensor_ragged(torch, data):
    raises_like(lambda: kindling.tensor(data), lambda: torch.tensor(data))


@pytest.mark.parametrize("data", [[[1, 2], 3], [1, [2]], "a", [None]], ids=repr)
def test_tensor_bad_data(torch, data):
    with pytest.raises(Exception) as et:
        torch.tensor(data)
    with pytest.raises(Exception) as ek:
        kindling.tensor(data)
    assert isinstance(ek.value, (TypeError, ValueError, RuntimeError))
    assert type(ek.value) is type(et.value)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tensor_dtype_kw(torch, dtype):
    data = [[0, 1, 2], [3, 4, 5]]
    same(kindling.tensor(data, dtype=kd(dtype)), torch.tensor(data, dtype=td(torch, dtype)))
    fdata = [1.5, -2.7, 0.0]
    if dtype != "uint8":
        same(kindling.tensor(fdata, dtype=kd(dtype)),
             torch.tensor(fdata, dtype=td(torch, dtype)))
    m = kindling.tensor(data, dtype=kd(dtype), device="meta")
    tm = torch.tensor(data, dtype=td(torch, dtype), device="meta")
    same(m, tm)


def test_tensor_requires_grad(torch):
    k = kindling.tensor([1.0, 2.0], requires_grad=True)
    assert k.requires_grad and k.is_leaf and k.grad_fn is None
    raises_like(lambda: kindling.tensor([1, 2], requires_grad=True),
                lambda: torch.tensor([1, 2], requires_grad=True))


def test_tensor_copies(torch):
    a = np.array([1.0, 2.0])
    k = kindling.tensor(a)
    a[0] = 5
    assert k.tolist() == [1.0, 2.0]


# ---- memory sharing with NumPy -------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["from_numpy", "as_tensor", "asarray"])
def test_numpy_sharing(torch, fn):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    k = getattr(kindling, fn)(a)
    t = getattr(torch, fn)(a.copy())
    same(k, t)
    a[0, 0] = 42
    assert k[0, 0].item() == 42 if hasattr(k, "__getitem__") else True
    assert k.numpy()[0, 0] == 42
    k.numpy()[1, 2] = -1
    assert a[1, 2] == -1
    assert np.shares_memory(k.numpy(), a)


def test_from_numpy_noncontiguous(torch):
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    k, t = kindling.from_numpy(a), torch.from_numpy(a)
    same(k, t)
    a[2, 1] = -7
    assert k.numpy()[2, 1] == -7
    b = np.arange(12.0).reshape(3, 4).T
    same(kindling.from_numpy(b), torch.from_numpy(b))


def test_from_numpy_errors(torch):
    neg = np.arange(4.0)[::-1]
    raises_like(lambda: kindling.from_numpy(neg), lambda: torch.from_numpy(neg))
    with pytest.raises(TypeError):
        kindling.from_numpy([1, 2])
    s = np.array(["a"])
    with pytest.raises(TypeError):
        kindling.from_numpy(s)


def test_as_tensor_dtype_copies(torch):
    a = np.arange(3, dtype=np.float32)
    k = kindling.as_tensor(a, dtype=kindling.float64)
    a[0] = 9
    assert k.tolist() == [0.0, 1.0, 2.0]
    x = kindling.tensor([1.0])
    assert kindling.as_tensor(x) is x
    assert kindling.as_tensor(x, dtype=kindling.float64).dtype is kindling.float64


def test_numpy_method(torch):
    k = kindling.tensor([1.0, 2.0])
    n = k.numpy()
    assert isinstance(n, np.ndarray)
    n[0] = 7
    assert k.tolist() == [7.0, 2.0]
    raises_like(lambda: kindling.tensor([1.0], requires_grad=True).numpy(),
                lambda: torch.tensor([1.0], requires_grad=True).numpy())
    raises_like(lambda: kindling.tensor([1.0], dtype=kindling.bfloat16).numpy(),
                lambda: torch.tensor([1.0], dtype=torch.bfloat16).numpy())
    with pytest.raises(TypeError):
        kindling.empty(2, device="meta").numpy()
    assert kindling.tensor([1.0], requires_grad=True).numpy(force=True).tolist() == [1.0]


def test_array_protocol(torch):
    k = kindling.tensor([[1, 2], [3, 4]], dtype=kindling.int32)
    a = np.asarray(k)
    assert a.dtype == np.int32 and a.tolist() == [[1, 2], [3, 4]]
    assert np.asarray(k, dtype=np.float64).dtype == np.float64
    assert np.array(k).tolist() == [[1, 2], [3, 4]]


def test_dlpack(torch):
    a = np.arange(6.0).reshape(2, 3)
    k = kindling.from_dlpack(a)
    a[0, 0] = 9
    assert k.numpy()[0, 0] == 9
    b = np.from_dlpack(k)
    b[1, 1] = -3
    assert k.numpy()[1, 1] == -3
    assert k.__dlpack_device__() == torch.tensor([1.0]).__dlpack_device__()
    t = torch.from_dlpack(kindling.tensor([1, 2, 3]))
    assert t.tolist() == [1, 2, 3]
    k2 = kindling.from_dlpack(torch.tensor([4.0, 5.0]))
    assert k2.tolist() == [4.0, 5.0]
    x = kindling.tensor([1.0])
    assert kindling.from_dlpack(x) is x


# ---- Python numbers --------------------------------------------------------------------------
@pytest.mark.parametrize("value,dtype", [
    (3, "int64"), (2.5, "float32"), (True, "bool"), (1 + 2j, "complex64"), (-7, "int8"),
    (0.1, "float64"), (1.5, "bfloat16"), (0.1, "float16"), (200, "uint8"),
])
def test_scalar_conversions(torch, value, dtype):
    k = kindling.tensor(value, dtype=kd(dtype))
    t = torch.tensor(value, dtype=td(torch, dtype))
    assert k.item() == t.item() and type(k.item()) is type(t.item())
    for conv in (int, float, bool, complex):
        try:
            expect = conv(t)
        except Exception as e:  # noqa: BLE001
            with pytest.raises(type(e)):
                conv(k)
        else:
            got = conv(k)
            assert got == expect and type(got) is type(expect)
    try:
        expect = t.__index__()
    except TypeError:
        with pytest.raises(TypeError):
            k.__index__()
    else:
        assert k.__index__() == expect
    assert f"{k}" == f"{t}"
    assert k.tolist() == t.tolist()


def test_one_element_tensors(torch):
    k, t = kindling.tensor([[5]]), torch.tensor([[5]])
    assert k.item() == t.item() and int(k) == int(t) and float(k) == float(t)
    assert bool(k) is bool(t)
    assert [0, 1, 2, 3, 4, 5][k] == 5


@pytest.mark.parametrize("make", [
    lambda m: m.tensor([1, 2]), lambda m: m.tensor([]), lambda m: m.tensor([[1.0, 2.0]]),
])
@pytest.mark.parametrize("what", ["bool", "int", "float", "complex", "item", "index"])
def test_scalar_errors(torch, make, what):
    f = {"bool": bool, "int": int, "float": float, "complex": complex,
         "item": lambda x: x.item(), "index": lambda x: x.__index__()}[what]
    raises_like(lambda: f(make(kindling)), lambda: f(make(torch)))


def test_meta_item_errors(torch):
    raises_like(lambda: kindling.empty(1, device="meta").item(),
                lambda: torch.empty(1, device="meta").item())
    raises_like(lambda: bool(kindling.empty(1, device="meta")),
                lambda: bool(torch.empty(1, device="meta")))


def test_format(torch):
    for v in (2.5, 3, True):
        k, t = kindling.tensor(v), torch.tensor(v)
        assert f"{k}" == f"{t}"
    assert f"{kindling.tensor(2.5):.3f}" == f"{torch.tensor(2.5):.3f}"
    assert f"{kindling.tensor(7):>5}" == f"{torch.tensor(7):>5}"
    raises_like(lambda: f"{kindling.tensor([1, 2]):>5}", lambda: f"{torch.tensor([1, 2]):>5}")
    assert f"{kindling.tensor([1, 2])}" == f"{torch.tensor([1, 2])}"


def test_len_iter_errors(torch):
    raises_like(lambda: len(kindling.tensor(1)), lambda: len(torch.tensor(1)))
    raises_like(lambda: iter(kindling.tensor(1)), lambda: iter(torch.tensor(1)))
    assert len(kindling.zeros(3, 2)) == 3


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 0), (1, 2, 2)], ids=str)
def test_tolist(torch, dtype, shape):
    a = (np.arange(int(np.prod(shape))).reshape(shape) * 1.25 - 2)
    if dtype == "uint8":
        a = np.abs(a)
    k = kindling.tensor(a, dtype=kd(dtype))
    t = torch.tensor(a, dtype=td(torch, dtype))
    kl, tl = k.tolist(), t.tolist()
    assert kl == tl
    flat_k = np.array(kl, dtype=object).reshape(-1).tolist() if shape else [kl]
    flat_t = np.array(tl, dtype=object).reshape(-1).tolist() if shape else [tl]
    assert [type(x) for x in flat_k] == [type(x) for x in flat_t]


# ---- Size ----------------------------------------------------------------------------------------
def test_size(torch):
    k, t = kindling.Size([2, 3, 4]), torch.Size([2, 3, 4])
    assert repr(k) == repr(t) and str(k) == str(t)
    assert repr(kindling.Size([])) == repr(torch.Size([]))
    assert repr(k[1:]) == repr(t[1:])
    assert k[0] == 2 and k[-1] == 4
    assert k.numel() == t.numel() == 24
    assert repr(k + (5,)) == repr(t + (5,))
    assert repr((1,) + k) == repr((1,) + t)
    assert k == (2, 3, 4) and isinstance(k, tuple)
    assert pickle.loads(pickle.dumps(k)) == k
    assert repr(kindling.zeros(2, 3).shape) == repr(torch.zeros(2, 3).shape)
    assert kindling.zeros(2, 3).size(1) == 3 and kindling.zeros(2, 3).size(-1) == 3
    assert repr(kindling.Size([kindling.tensor(3)])) == "torch.Size([3])"
    with pytest.raises(TypeError):
        kindling.Size([1.5])


# ---- dtypes --------------------------------------------------------------------------------------
ALL_DTYPES = DTYPES + ["uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e5m2"]


@pytest.mark.parametrize("name", ALL_DTYPES)
def test_dtype_props(torch, name):
    k, t = kd(name), td(torch, name)
    assert repr(k) == repr(t) and str(k) == str(t)
    assert k.itemsize == t.itemsize
    assert k.is_floating_point == t.is_floating_point
    assert k.is_complex == t.is_complex
    assert k.is_signed == t.is_signed
    assert repr(k.to_real()) == repr(t.to_real())
    if name == "float16":
        return  # to_complex() is complex32 in PyTorch; kindling has no complex32
    try:
        expect = repr(t.to_complex())
    except RuntimeError:
        with pytest.raises(RuntimeError):
            k.to_complex()
    else:
        assert repr(k.to_complex()) == expect
    assert pickle.loads(pickle.dumps(k)) is k
    assert copy.deepcopy(k) is k


@pytest.mark.parametrize("alias", ["half", "float", "double", "short", "int", "long", "cfloat",
                                   "cdouble"])
def test_dtype_aliases(torch, alias):
    assert repr(kd(alias)) == repr(td(torch, alias))


# ---- devices -------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", [
    ("cpu",), ("cuda",), ("cuda:1",), ("cuda", 1), ("meta",), ("cpu", 0), ("cpu:0",),
    ("cpu:1",), ("cuda:0",), ("mps",),
], ids=repr)
def test_device_parse(torch, spec):
    k, t = kindling.device(*spec), torch.device(*spec)
    assert repr(k) == repr(t) and str(k) == str(t)
    assert k.type == t.type and k.index == t.index
    assert k == kindling.device(*spec)
    assert hash(k) == hash(kindling.device(*spec))


@pytest.mark.parametrize("spec", ["foo", "cuda:01", "cuda:-1", "cuda:x", "cuda:1:2", " cpu",
                                  "CPU", "cuda1", "cuda:", ("cuda", -1), ("cpu", -2),
                                  ("cuda", 1.0)], ids=repr)
def test_device_bad(torch, spec):
    spec = spec if isinstance(spec, tuple) else (spec,)
    raises_like(lambda: kindling.device(*spec), lambda: torch.device(*spec))


def test_device_misc(torch):
    assert (kindling.device("cuda") == "cuda") == (torch.device("cuda") == "cuda")
    assert kindling.device(kindling.device("meta")) == kindling.device("meta")
    assert pickle.loads(pickle.dumps(kindling.device("cuda:2"))) == kindling.device("cuda:2")
    with pytest.raises(AttributeError):
        kindling.device("cpu").type = "cuda"
    assert kindling.zeros(2).device == kindling.device("cpu")
    assert kindling.zeros(2, device="meta").is_meta


# ---- factories -----------------------------------------------------------------------------------
FACTORY_CASES = [
    ("zeros", (2, 3), {}), ("zeros", ((2, 3),), {}), ("zeros", ([4],), {}), ("zeros", ((),), {}),
    ("ones", (3,), {"dtype": "int32"}), ("ones", (2, 0), {"dtype": "bool"}),
    ("ones", (2, 2), {"dtype": "complex64"}), ("empty", (3, 1), {}),
    ("empty", (0,), {"dtype": "int64"}), ("full", ((2, 2), 7), {}), ("full", ((2,), 1.5), {}),
    ("full", ((2,), True), {}), ("full", ((3,), 2j), {}), ("full", ((2, 2), 3), {"dtype": "float16"}),
    ("arange", (5,), {}), ("arange", (1, 4), {}), ("arange", (0, 1, 0.25), {}),
    ("arange", (5.0,), {}), ("arange", (10, 0, -3), {}), ("arange", (4,), {"dtype": "float64"}),
    ("arange", (1, 1), {}),
    ("empty_strided", ((2, 3), (1, 2)), {}), ("empty_strided", ((2, 3), (4, 1)), {}),
    ("scalar_tensor", (3,), {}), ("scalar_tensor", (2.5,), {"dtype": "int64"}),
]


@pytest.mark.parametrize("name,args,kw", FACTORY_CASES, ids=repr)
@pytest.mark.parametrize("device", [None, "meta"])
def test_factories(torch, name, args, kw, device):
    kkw = {k: kd(v) if k == "dtype" else v for k, v in kw.items()}
    tkw = {k: td(torch, v) if k == "dtype" else v for k, v in kw.items()}
    if device:
        kkw["device"] = tkw["device"] = device
    k = getattr(kindling, name)(*args, **kkw)
    t = getattr(torch, name)(*args, **tkw)
    same(k, t, values=name not in ("empty", "empty_strided"))


def test_factory_requires_grad(torch):
    assert kindling.zeros(2, requires_grad=True).requires_grad
    assert kindling.ones(2, 2, dtype=kindling.float64, requires_grad=True).requires_grad
    raises_like(lambda: kindling.zeros(2, dtype=kindling.int64, requires_grad=True),
                lambda: torch.zeros(2, dtype=torch.int64, requires_grad=True))


def test_factory_errors(torch):
    raises_like(lambda: kindling.zeros(-1), lambda: torch.zeros(-1))
    raises_like(lambda: kindling.empty(2, -3), lambda: torch.empty(2, -3))
    raises_like(lambda: kindling.ones(-2), lambda: torch.ones(-2))
    raises_like(lambda: kindling.full((-1,), 2), lambda: torch.full((-1,), 2))
    raises_like(lambda: kindling.zeros(2, -1, device="meta"),
                lambda: torch.zeros(2, -1, device="meta"))
    raises_like(lambda: kindling.arange(0, 1, 0), lambda: torch.arange(0, 1, 0))
    raises_like(lambda: kindling.arange(0, 10, -1), lambda: torch.arange(0, 10, -1))
    with pytest.raises(TypeError):
        kindling.zeros(2.5)


LIKE_CASES = [("zeros_like", ()), ("ones_like", ()), ("empty_like", ()), ("full_like", (4,)),
              ("full_like", (2.5,))]


@pytest.mark.parametrize("name,args", LIKE_CASES, ids=repr)
@pytest.mark.parametrize("dtype", [None, "float64", "int32"])
@pytest.mark.parametrize("device", [None, "meta"])
def test_like(torch, name, args, dtype, device):
    src_k = kindling.tensor([[1, 2, 3], [4, 5, 6]], dtype=kindling.int16)
    src_t = torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.int16)
    kkw, tkw = {}, {}
    if dtype:
        kkw["dtype"], tkw["dtype"] = kd(dtype), td(torch, dtype)
    if device:
        kkw["device"] = tkw["device"] = device
    k = getattr(kindling, name)(src_k, *args, **kkw)
    t = getattr(torch, name)(src_t, *args, **tkw)
    same(k, t, values=name != "empty_like")


def test_like_preserves_strides(torch):
    k = kindling.zeros(3, 4)
    t = torch.zeros(3, 4)
    try:
        kt, tt = k.t(), t.t()
    except AttributeError:
        pytest.skip("t() not available")
    for name in ("zeros_like", "ones_like", "empty_like"):
        same(getattr(kindling, name)(kt), getattr(torch, name)(tt), values=False)


NEW_CASES = [("new_zeros", ((2, 3),)), ("new_zeros", (2, 3)), ("new_ones", (4,)),
             ("new_empty", ((1, 2),)), ("new_full", ((2,), 3)), ("new_tensor", ([1, 2],)),
             ("new_tensor", ([1.5],))]


@pytest.mark.parametrize("name,args", NEW_CASES, ids=repr)
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_new(torch, name, args, dtype):
    src_k = kindling.tensor([1, 2], dtype=kindling.int32)
    src_t = torch.tensor([1, 2], dtype=torch.int32)
    kkw, tkw = {}, {}
    if dtype:
        kkw["dtype"], tkw["dtype"] = kd(dtype), td(torch, dtype)
    k = getattr(src_k, name)(*args, **kkw)
    t = getattr(src_t, name)(*args, **tkw)
    same(k, t, values=name != "new_empty")
    km = getattr(kindling.empty(2, device="meta"), name)(*args, **kkw)
    tm = getattr(torch.empty(2, device="meta"), name)(*args, **tkw)
    same(km, tm)


# ---- conversions ---------------------------------------------------------------------------------
def test_to_dtype(torch):
    k, t = kindling.tensor([1.5, -2.5, 3.0]), torch.tensor([1.5, -2.5, 3.0])
    for name in DTYPES:
        same(k.to(kd(name)), t.to(td(torch, name)))
        same(k.to(dtype=kd(name)), t.to(dtype=td(torch, name)))
    assert k.to(kindling.float32) is k
    assert k.to("cpu") is k
    assert k.to(kindling.float32, copy=True) is not k
    c = k.to(kindling.float32, copy=True)
    c.numpy()[0] = 100
    assert k.tolist()[0] == 1.5
    other = kindling.tensor([1], dtype=kindling.int16)
    same(k.to(other), t.to(torch.tensor([1], dtype=torch.int16)))
    same(k.to("cpu", kindling.float64), t.to("cpu", torch.float64))


def test_to_meta(torch):
    k, t = kindling.tensor([[1.5, 2.0]]), torch.tensor([[1.5, 2.0]])
    same(k.to("meta"), t.to("meta"))
    same(k.to(device="meta", dtype=kindling.float16), t.to(device="meta", dtype=torch.float16))
    m = kindling.empty(2, device="meta")
    assert m.to("meta") is m
    raises_like(lambda: m.to("cpu"), lambda: torch.empty(2, device="meta").to("cpu"))


@pytest.mark.parametrize("method", ["float", "double", "half", "bfloat16", "int", "long",
                                    "short", "char", "byte", "bool", "cfloat", "cdouble"])
def test_conversion_methods(torch, method):
    k, t = kindling.tensor([0.0, 1.7, -2.2]), torch.tensor([0.0, 1.7, -2.2])
    if method == "byte":
        k, t = kindling.tensor([0.0, 1.7, 2.2]), torch.tensor([0.0, 1.7, 2.2])
    same(getattr(k, method)(), getattr(t, method)())


def test_to_copy_op(torch):
    k = kindling.tensor([1, 2, 3])
    r = kindling.ops.aten._to_copy.default(k, dtype=kindling.float64)
    same(r, torch.ops.aten._to_copy.default(torch.tensor([1, 2, 3]), dtype=torch.float64))
    r2 = kindling.ops.aten._to_copy.default(k)
    assert r2 is not k and r2.tolist() == [1, 2, 3]


def _transposed(mod):
    x = mod.arange(12.0).reshape(3, 4)
    return x.transpose(0, 1)


def test_clone_strides(torch):
    try:
        k = _transposed(kindling)
    except (AttributeError, NotImplementedError) as e:
        pytest.skip(f"view ops missing: {e}")
    t = _transposed(torch)
    same(k.clone(), t.clone())
    import kindling as K
    same(k.clone(memory_format=K.contiguous_format), t.clone(memory_format=torch.contiguous_format))
    same(k.contiguous(), t.contiguous())
    assert k.contiguous().is_contiguous()
    c = kindling.zeros(2, 2)
    assert c.contiguous() is c
    # non-dense input (a strided slice) clones to contiguous
    k2 = kindling.arange(10.0)[::2]
    t2 = torch.arange(10.0)[::2]
    same(k2.clone(), t2.clone())
    same(k2.to(kindling.float64), t2.to(torch.float64))


def test_clone_independent(torch):
    k = kindling.tensor([1.0, 2.0])
    c = k.clone()
    c.fill_(0)
    assert k.tolist() == [1.0, 2.0]
    same(kindling.empty(2, 3, device="meta").clone(), torch.empty(2, 3, device="meta").clone())


def test_copy_(torch):
    k = kindling.zeros(2, 3)
    t = torch.zeros(2, 3)
    k.copy_(kindling.tensor([1, 2, 3]))
    t.copy_(torch.tensor([1, 2, 3]))
    same(k, t)
    k.copy_(kindling.tensor(7.5, dtype=kindling.float64))
    t.copy_(torch.tensor(7.5, dtype=torch.float64))
    same(k, t)
    ki = kindling.zeros(3, dtype=kindling.int32)
    ti = torch.zeros(3, dtype=torch.int32)
    ki.copy_(kindling.tensor([1.9, -1.9, 3.2]))
    ti.copy_(torch.tensor([1.9, -1.9, 3.2]))
    same(ki, ti)
    kb = kindling.zeros(3, dtype=kindling.bool)
    tb = torch.zeros(3, dtype=torch.bool)
    kb.copy_(kindling.tensor([0.0, 2.0, -0.5]))
    tb.copy_(torch.tensor([0.0, 2.0, -0.5]))
    same(kb, tb)
    raises_like(lambda: kindling.zeros(2, 3).copy_(kindling.zeros(4)),
                lambda: torch.zeros(2, 3).copy_(torch.zeros(4)))
    raises_like(lambda: kindling.zeros(3).copy_(kindling.zeros(2, 3)),
                lambda: torch.zeros(3).copy_(torch.zeros(2, 3)))
    v0 = k._version
    k.copy_(kindling.ones(2, 3))
    assert k._version > v0


def test_copy_meta(torch):
    m = kindling.empty(2, 3, device="meta")
    assert m.copy_(kindling.empty(3, device="meta")) is m
    raises_like(lambda: kindling.zeros(2).copy_(kindling.empty(2, device="meta")),
                lambda: torch.zeros(2).copy_(torch.empty(2, device="meta")))


def test_fill_zero(torch):
    k, t = kindling.ones(2, 2, dtype=kindling.int32), torch.ones(2, 2, dtype=torch.int32)
    assert k.fill_(3.7) is k
    t.fill_(3.7)
    same(k, t)
    k.fill_(kindling.tensor(5))
    t.fill_(torch.tensor(5))
    same(k, t)
    assert k.zero_() is k
    t.zero_()
    same(k, t)
    raises_like(lambda: kindling.zeros(2).fill_(kindling.tensor([1.0, 2.0])),
                lambda: torch.zeros(2).fill_(torch.tensor([1.0, 2.0])))
    kb, tb = kindling.zeros(2, dtype=kindling.bool), torch.zeros(2, dtype=torch.bool)
    kb.fill_(2)
    tb.fill_(2)
    same(kb, tb)


def test_deepcopy(torch):
    k = kindling.tensor([1.0, 2.0], requires_grad=True)
    c = copy.deepcopy(k)
    assert c is not k and c.requires_grad and c.tolist() == [1.0, 2.0]
    assert c.numpy(force=True) is not k.numpy(force=True)
    m = copy.deepcopy(kindling.empty(2, device="meta"))
    assert m.is_meta and tuple(m.shape) == (2,)
    d = copy.deepcopy([k, k])
    assert d[0] is d[1]
    p = pickle.loads(pickle.dumps(kindling.tensor([[1, 2]], dtype=kindling.int16)))
    assert p.dtype is kindling.int16 and p.tolist() == [[1, 2]]


# ---- torch.Tensor legacy constructor -------------------------------------------------------------
@pytest.mark.parametrize("args", [(), (2, 3), ([1, 2],), ([[1.5]],), ((1, 2),), (0,)], ids=repr)
def test_legacy_constructor(torch, args):
    k, t = kindling.Tensor(*args), torch.Tensor(*args)
    same(k, t, values=len(args) != 2)


def test_legacy_constructor_misc(torch):
    same(kindling.Tensor(kindling.Size([2, 3])), torch.Tensor(torch.Size([2, 3])), values=False)
    src = kindling.tensor([1, 2])
    assert kindling.Tensor(src) is src or kindling.Tensor(src).tolist() == [1, 2]
    with pytest.raises(TypeError):
        kindling.Tensor([1, 2], [3])
    with pytest.raises(TypeError):
        kindling.Tensor(2.5)
    raises_like(lambda: kindling.Tensor(2, 3, device="meta"),
                lambda: torch.Tensor(2, 3, device="meta"))


# ---- storage / metadata --------------------------------------------------------------------------
def test_storage_and_ptrs(torch):
    for dt in ("float32", "int64", "bool", "complex128", "float16"):
        k = kindling.zeros(3, 4, dtype=kd(dt))
        t = torch.zeros(3, 4, dtype=td(torch, dt))
        assert k.untyped_storage().nbytes() == t.untyped_storage().nbytes()
        assert k.element_size() == t.element_size()
        assert k.nbytes == t.nbytes and k.itemsize == t.itemsize
    k = kindling.arange(12.0)
    assert k.data_ptr() == k.untyped_storage().data_ptr()
    try:
        v = k[3:]
    except (AttributeError, NotImplementedError, TypeError):
        pytest.skip("slicing missing")
    assert v.storage_offset() == 3
    assert v.data_ptr() == k.data_ptr() + 3 * k.element_size()
    assert v.untyped_storage().data_ptr() == k.untyped_storage().data_ptr()
    assert v.untyped_storage().nbytes() == 48
    assert kindling.empty(2, device="meta").untyped_storage().nbytes() == \
        torch.empty(2, device="meta").untyped_storage().nbytes()


def test_from_numpy_storage(torch):
    a = np.arange(12.0).reshape(3, 4)[1:]
    k = kindling.from_numpy(a)
    t = torch.from_numpy(a)
    assert k.data_ptr() == t.data_ptr() == a.ctypes.data
    assert k.untyped_storage().nbytes() == t.untyped_storage().nbytes()


def test_is_contiguous(torch):
    k, t = kindling.zeros(3, 4), torch.zeros(3, 4)
    assert k.is_contiguous() == t.is_contiguous()
    try:
        pairs = [(k.transpose(0, 1), t.transpose(0, 1)), (k[:, 1:], t[:, 1:]),
                 (k[1:], t[1:]), (k[:, :1], t[:, :1]), (k[::2], t[::2]),
                 (kindling.zeros(1, 3).expand(4, 3), torch.zeros(1, 3).expand(4, 3)),
                 (k[:, 1], t[:, 1])]
    except (AttributeError, NotImplementedError, TypeError) as e:
        pytest.skip(f"view ops missing: {e}")
    for a, b in pairs:
        assert a.is_contiguous() == b.is_contiguous(), (a.stride(), b.stride())
        assert a.stride() == b.stride()
    k4, t4 = kindling.zeros(2, 3, 4, 5), torch.zeros(2, 3, 4, 5)
    assert k4.is_contiguous(memory_format=kindling.channels_last) == \
        t4.is_contiguous(memory_format=torch.channels_last)
    ks = kindling.empty_strided((2, 3, 4, 5), (60, 1, 15, 3))
    ts = torch.empty_strided((2, 3, 4, 5), (60, 1, 15, 3))
    assert ks.is_contiguous(memory_format=kindling.channels_last) == \
        ts.is_contiguous(memory_format=torch.channels_last)
    assert ks.is_contiguous() == ts.is_contiguous()
    same(ks.clone(), ts.clone(), values=False)


def test_metadata(torch):
    k, t = kindling.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert k.dim() == t.dim() == k.ndim
    assert k.numel() == t.numel() and k.nelement() == t.nelement()
    assert k.stride() == t.stride() and k.stride(-1) == t.stride(-1)
    assert k.storage_offset() == 0
    assert k.get_device() == t.get_device()
    assert k.is_floating_point() and not k.is_complex() and k.is_signed()
    assert k.type() == t.type()
    assert kindling.zeros(2, dtype=kindling.int8).type() == torch.zeros(2, dtype=torch.int8).type()
    assert k.layout == kindling.strided
    raises_like(lambda: k.size(3), lambda: t.size(3))
    assert kindling.empty(2, device="meta").type() == torch.empty(2, device="meta").type()
