"""``torch.finfo``/``torch.iinfo`` and ``torch.testing.make_tensor`` against PyTorch, and
gradcheck's random vectors drawn as PyTorch draws them."""
import math

import pytest

import kindling

torch = pytest.importorskip("torch")

FLOATS = ["float32", "float64", "float16", "bfloat16", "complex64", "complex128",
          "float8_e4m3fn", "float8_e5m2"]
INTS = ["int8", "uint8", "int16", "int32", "int64", "uint16", "uint32", "uint64"]


def _info(T, kind, name):
    i = getattr(T, kind)(getattr(T, name))
    attrs = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype") \
        if kind == "finfo" else ("bits", "max", "min", "dtype")
    return repr(i), [(a, getattr(i, a), type(getattr(i, a)).__name__) for a in attrs]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_pytorch(name):
    assert _info(kindling, "finfo", name) == _info(torch, "finfo", name)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_pytorch(name):
    assert _info(kindling, "iinfo", name) == _info(torch, "iinfo", name)


@pytest.mark.parametrize("case", ["finfo(int32)", "iinfo(float32)", "iinfo(bool)", "finfo(bool)"])
def test_info_errors_match_pytorch(case):
    def run(T):
        kind, arg = case[:-1].split("(")
        try:
            getattr(T, kind)(getattr(T, arg))
        except Exception as e:  # noqa: BLE001 (compared)
            return type(e).__name__, str(e)
    assert run(kindling) == run(torch)


def test_finfo_default_and_equality():
    for T in (kindling, torch):
        assert repr(T.finfo()) == repr(T.finfo(T.get_default_dtype()))
        assert T.finfo(T.float32) == T.finfo(T.float32) and T.finfo(T.float32) != T.finfo(T.float64)
        with pytest.raises(TypeError):
            hash(T.finfo(T.float32))


MAKE = [((3, 4), dict(dtype="float32")), ((5,), dict(dtype="float64", low=-1, high=1)),
        ((2, 3), dict(dtype="complex128", low=-1, high=1)), ((4,), dict(dtype="int64")),
        ((4,), dict(dtype="uint8")), ((6,), dict(dtype="bool")),
        ((2, 3), dict(dtype="float32", noncontiguous=True)),
        ((3,), dict(dtype="float64", requires_grad=True)), ((3,), dict(dtype="float16")),
        ((4,), dict(dtype="int8", low=-200, high=200)),
        ((2,), dict(dtype="float32", exclude_zero=True)), ((3,), dict(dtype="bfloat16")),
        ((2, 2), dict(dtype="float64", low=-1e308, high=1e308)),
        (([2, 2],), dict(dtype="float32", memory_format="channels_last_bad")),
        ((2,), dict(dtype="float32", low=2, high=1)), ((2,), dict(dtype="int32", requires_grad=True)),
        ((2,), dict(dtype="uint8", low=300, high=400)), ((2,), dict(dtype="float32", low=math.nan))]


def _make(T, shape, kw):
    import importlib
    mt = importlib.import_module(T.__name__ + ".testing").make_tensor
    kw = dict(kw, dtype=getattr(T, kw["dtype"]))
    if kw.get("memory_format") == "channels_last_bad":  # (both arguments: refused)
        kw.update(memory_format=T.contiguous_format, noncontiguous=True)
    T.manual_seed(7)
    try:
        t = mt(*shape, device="cpu", **kw)
    except Exception as e:  # noqa: BLE001 (compared)
        return type(e).__name__, str(e)
    return (str(t.dtype), tuple(t.shape), t.stride(), t.storage_offset(), t.requires_grad,
            repr(t.detach().tolist()), T.rand(2).tolist())


@pytest.mark.parametrize("i", range(len(MAKE)))
def test_make_tensor_matches_pytorch(i):
    shape, kw = MAKE[i]
    assert _make(kindling, shape, kw) == _make(torch, shape, kw)


def test_fast_gradcheck_draws_pytorchs_vectors():
    # PyTorch's regression test for complex inputs (its issue 166385): at this seed fast
    # gradcheck's u makes v^T (J_n - J_a) u interesting; it passes in both modes
    def run(T):
        T.manual_seed(97)
        z = 10e-3 * T.rand(2, dtype=T.complex128, requires_grad=True)

        def f(z):
            return 1.0 / T.norm(z)
        return [T.autograd.gradcheck(f, (z,), fast_mode=fast, atol=8.3e-6, rtol=1e-9)
                for fast in (True, False)] + [T.rand(2).tolist()]
    assert run(kindling) == run(torch) == [True, True, run(torch)[2]]


def test_gradgradcheck_draws_grad_outputs_from_the_global_generator():
    def run(T):
        T.manual_seed(3)
        x = T.rand(3, dtype=T.float64, requires_grad=True)
        ok = T.autograd.gradgradcheck(lambda x: (x * x).sin(), (x,))
        return ok, T.rand(3).tolist()  # (make_tensor drew from it, as in PyTorch)
    assert run(kindling) == run(torch)
