"""Type promotion: promote_types / result_type / can_cast, and add/mul broadcasting, vs PyTorch."""
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import kindling

DTYPE_NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64",
               "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
               "float8_e4m3fn", "float8_e5m2"]
# dtypes with ordinary arithmetic kernels in both frameworks (the hypothesis op tests)
ARITH_NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"]


def _outcome(fn):
    try:
        return ("ok", str(fn()))
    except Exception as e:  # noqa: BLE001 - we compare the exception type with torch's
        return ("err", type(e).__name__)


@pytest.mark.parametrize("a", DTYPE_NAMES)
def test_promote_types_all_pairs(torch, a):
    for b in DTYPE_NAMES:
        k = _outcome(lambda: kindling.promote_types(getattr(kindling, a), getattr(kindling, b)))
        t = _outcome(lambda: torch.promote_types(getattr(torch, a), getattr(torch, b)))
        assert k == t, (a, b)


def test_promote_types_error_text(torch):
    with pytest.raises(RuntimeError) as te:
        torch.promote_types(torch.uint16, torch.int8)
    with pytest.raises(RuntimeError) as ke:
        kindling.promote_types(kindling.uint16, kindling.int8)
    assert str(ke.value) == str(te.value)


@pytest.mark.parametrize("a", DTYPE_NAMES)
def test_can_cast_all_pairs(torch, a):
    for b in DTYPE_NAMES:
        k = _outcome(lambda: kindling.can_cast(getattr(kindling, a), getattr(kindling, b)))
        t = _outcome(lambda: torch.can_cast(getattr(torch, a), getattr(torch, b)))
        assert k == t, (a, b)


def test_dtype_repr_and_flags(torch):
    for n in DTYPE_NAMES:
        k, t = getattr(kindling, n), getattr(torch, n)
        assert repr(k) == repr(t)
        assert k.is_floating_point == t.is_floating_point, n
        assert k.is_complex == t.is_complex, n
        assert k.is_signed == t.is_signed, n
        assert k.itemsize == t.itemsize, n


# ---- result_type -------------------------------------------------------------------------------
_SCALARS = st.one_of(st.booleans(), st.integers(-5, 5), st.sampled_from([0.5, -2.0]),
                     st.sampled_from([1 + 2j]))
_OPERAND = st.one_of(
    st.tuples(st.just("t"), st.sampled_from(DTYPE_NAMES[:15]), st.sampled_from([(), (2,)])),
    st.tuples(st.just("s"), _SCALARS, st.just(None)))


def _make(torchmod, spec, for_torch):
    kind, v, shape = spec
    if kind == "s":
        return v
    if for_torch:
        return torchmod.zeros(shape, dtype=getattr(torchmod, v))
    return kindling.from_numpy(np.zeros(shape, dtype=np.float32)).to(getattr(kindling, v))


def _k_tensor(shape, dt):
    return kindling.zeros(shape, dtype=getattr(kindling, dt))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(a=_OPERAND, b=_OPERAND)
def test_result_type(torch, a, b):
    if a[0] == "s" and b[0] == "s":
        return  # torch.result_type needs at least one tensor
    ka = a[1] if a[0] == "s" else _k_tensor(a[2], a[1])
    kb = b[1] if b[0] == "s" else _k_tensor(b[2], b[1])
    ta = a[1] if a[0] == "s" else torch.zeros(a[2], dtype=getattr(torch, a[1]))
    tb = b[1] if b[0] == "s" else torch.zeros(b[2], dtype=getattr(torch, b[1]))
    t = _outcome(lambda: torch.result_type(ta, tb))
    if t == ("ok", "torch.complex32"):
        return  # kindling has no complex32 (ComplexHalf) dtype
    assert _outcome(lambda: kindling.result_type(ka, kb)) == t


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_result_type_default_dtype(torch, default):
    old_k, old_t = kindling.get_default_dtype(), torch.get_default_dtype()
    kindling.set_default_dtype(getattr(kindling, default))
    torch.set_default_dtype(getattr(torch, default))
    try:
        for dt in ["bool", "int32", "float16", "float64", "complex64"]:
            for s in [True, 2, 2.5, 1j]:
                k = kindling.result_type(_k_tensor((2,), dt), s)
                t = torch.result_type(torch.zeros(2, dtype=getattr(torch, dt)), s)
                if t == torch.complex32:
                    continue  # kindling has no complex32 (ComplexHalf) dtype
                assert str(k) == str(t), (dt, s)
    finally:
        kindling.set_default_dtype(old_k)
        torch.set_default_dtype(old_t)


# ---- add / mul: broadcasting + promotion -----------------------------------------------------
_SHAPE = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)


def _arr(shape, dt, seed):
    rng = np.random.default_rng(seed)
    if dt == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dt.startswith(("int", "uint")):
        return rng.integers(0, 5, size=shape).astype(dt)
    return rng.uniform(-3, 3, size=shape).astype(dt)


_ARG = st.one_of(
    st.tuples(st.just("t"), _SHAPE, st.sampled_from(ARITH_NAMES)),
    st.tuples(st.just("s"), st.sampled_from([True, 3, -2, 1.5]), st.just(None)))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(a=st.tuples(st.just("t"), _SHAPE, st.sampled_from(ARITH_NAMES)), b=_ARG,
       opname=st.sampled_from(["add", "mul"]), seed=st.integers(0, 100))
def test_add_mul_broadcast_promotion(torch, a, b, opname, seed):
    na = _arr(a[1], a[2], seed)
    ka, ta = kindling.from_numpy(na.copy()), torch.from_numpy(na.copy())
    if b[0] == "t":
        nb = _arr(b[1], b[2], seed + 1)
        kb, tb = kindling.from_numpy(nb.copy()), torch.from_numpy(nb.copy())
    else:
        kb = tb = b[1]
    try:
        t = getattr(torch, opname)(ta, tb)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            getattr(kindling, opname)(ka, kb)
        return
    k = getattr(kindling, opname)(ka, kb)
    assert str(k.dtype) == str(t.dtype)
    assert tuple(k.shape) == tuple(t.shape)
    kn, tn = k.numpy(), t.numpy()
    if tn.dtype.kind == "f":
        np.testing.assert_allclose(kn, tn, rtol=1e-6, atol=1e-6)
    else:
        np.testing.assert_array_equal(kn, tn)
