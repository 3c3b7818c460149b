"""Pointwise ops against the PyTorch oracle: values, dtypes, shapes, meta, in-place, out=, errors."""
import operator

import numpy as np
import pytest

import kindling
from kindling._aten.pointwise import OPS
from kindling.testing.harness import assert_same, sample_args, to_numpy

DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool"]
FUNCTIONAL = sorted(n for n, d in OPS.items() if d.sample_fn is not None)


def _torch_op(torch, name):
    base, ovl = name.split(".")
    return getattr(getattr(torch.ops.aten, base), ovl)


def _run(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs), None
    except Exception as e:  # noqa: BLE001
        return None, e


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else {}


def _compare_errors(ke, te, *, msg=False):
    assert (ke is None) == (te is None), f"kindling: {ke!r} torch: {te!r}"
    if ke is not None:
        assert type(ke) is type(te), f"kindling {type(ke).__name__}: {ke}; torch {te!r}"
        if msg:
            assert str(ke).split("\n")[0] == str(te).split("\n")[0]
    return ke is None


def _to_meta(x):
    if isinstance(x, kindling.Tensor):
        return x.to("meta")
    if isinstance(x, (list, tuple)):
        return type(x)(_to_meta(e) for e in x)
    if isinstance(x, dict):
        return {k: _to_meta(v) for k, v in x.items()}
    return x


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", FUNCTIONAL)
def test_samples_match_torch(name, dtype, torch):
    d = OPS[name]
    top = _torch_op(torch, name)
    for s in d.sample_fn(dtype):
        ki, ka, kk = sample_args(s)
        ti, ta, tk = sample_args(s, torch)
        kr, ke = _run(d.op, ki, *ka, **kk)
        tr, te = _run(top, ti, *ta, **tk)
        if not _compare_errors(ke, te, msg=isinstance(te, RuntimeError)):
            continue
        assert_same(kr, tr, **_tol(dtype))
        # Meta: same shape and dtype as on CPU.
        mr, me = _run(d.op, _to_meta(ki), *_to_meta(ka), **_to_meta(kk))
        assert me is None, f"meta raised {me!r} for {s}"
        assert mr.device.type == "meta"
        assert tuple(mr.shape) == tuple(kr.shape) and mr.dtype == kr.dtype


@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8", "bool"])
@pytest.mark.parametrize("name", [n for n in FUNCTIONAL if getattr(OPS[n], "inplace", None) is not None])
def test_inplace_matches_torch(name, dtype, torch):
    d = OPS[name]
    top = _torch_op(torch, str(d.inplace.op)[len("aten."):])
    for s in d.sample_fn(dtype):
        if not hasattr(s.input, "value"):
            continue
        ki, ka, kk = sample_args(s)
        ti, ta, tk = sample_args(s, torch)
        v = ki._version
        kr, ke = _run(d.inplace.op, ki, *ka, **kk)
        tr, te = _run(top, ti, *ta, **tk)
        if not _compare_errors(ke, te, msg=isinstance(te, RuntimeError)):
            continue
        assert kr is ki
        assert ki._version > v
        assert_same(ki, ti, **_tol(dtype))


@pytest.mark.parametrize("dtype", ["float64", "int64", "bool"])
@pytest.mark.parametrize("name", [n for n in FUNCTIONAL if getattr(OPS[n], "out", None) is not None])
def test_out_matches_torch(name, dtype, torch):
    d = OPS[name]
    top = _torch_op(torch, str(d.out.op)[len("aten."):])
    for s in d.sample_fn(dtype):
        ki, ka, kk = sample_args(s)
        ti, ta, tk = sample_args(s, torch)
        kr, ke = _run(d.op, ki, *ka, **kk)
        if ke is not None:
            continue
        kout = kindling.empty(0, dtype=kr.dtype)
        tout = torch.empty(0, dtype=getattr(torch, str(kr.dtype)[len("torch."):]))
        k2, ke = _run(d.out.op, ki, *ka, out=kout, **kk)
        t2, te = _run(top, ti, *ta, out=tout, **tk)
        if not _compare_errors(ke, te):
            continue
        assert k2 is kout
        assert_same(kout, tout)


# ---- public functions, methods and Python operators ----------------------------------------
def _pair(torch, dtype, shape=(2, 3), seed=0, low=-5, high=6, nonzero=False):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        a = rng.integers(0, 2, shape).astype(bool)
    elif dtype.startswith(("int", "uint")):
        lo = 0 if dtype.startswith("uint") else low
        a = rng.integers(lo, high, shape).astype(dtype)
        if nonzero:
            a[a == 0] = 3
    else:
        a = rng.uniform(low, high, shape).astype(dtype)
    return kindling.from_numpy(a.copy()), torch.from_numpy(a.copy())


BIN_OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
                 operator.mod, operator.pow, operator.and_, operator.or_, operator.xor,
                 operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]
SCALARS = [2, -3, 2.5, True, 0, 300]


@pytest.mark.parametrize("op", BIN_OPERATORS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", DTYPES)
def test_python_operators(op, dtype, torch):
    ka, ta = _pair(torch, dtype, seed=1)
    kb, tb = _pair(torch, dtype, shape=(3,), seed=2, nonzero=True)
    kz, tz = _pair(torch, "float64", shape=(), seed=3)
    cases = [((ka, kb), (ta, tb)), ((ka, kz), (ta, tz)), ((kz, ka), (tz, ta))]
    cases += [((ka, s), (ta, s)) for s in SCALARS] + [((s, kb), (s, tb)) for s in SCALARS]
    for (kx, ky), (tx, ty) in cases:
        kr, ke = _run(op, kx, ky)
        tr, te = _run(op, tx, ty)
        if _compare_errors(ke, te):
            assert_same(kr, tr, rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow",
                                "iand", "ior", "ixor"])
def test_inplace_operators(op, dtype, torch):
    f = getattr(operator, op)
    for other in ("tensor", 2, 1.5, True):
        ka, ta = _pair(torch, dtype, seed=4)
        if other == "tensor":
            ko, to = _pair(torch, dtype, shape=(3,), seed=5, nonzero=True, low=1, high=4)
        else:
            ko = to = other
        v = ka._version
        kr, ke = _run(f, ka, ko)
        tr, te = _run(f, ta, to)
        if _compare_errors(ke, te, msg=isinstance(te, RuntimeError)):
            assert kr is ka and ka._version > v
            assert_same(ka, ta, rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES + ["int8"])
def test_unary_operators(dtype, torch):
    ka, ta = _pair(torch, dtype, seed=6)
    for f in (operator.neg, operator.pos, operator.abs, operator.invert):
        kr, ke = _run(f, ka)
        tr, te = _run(f, ta)
        if _compare_errors(ke, te, msg=True):
            assert_same(kr, tr)


def test_comparison_with_non_numbers(torch):
    k = kindling.from_numpy(np.arange(3))
    assert (k == "a") is False and (k != None) is True  # noqa: E711
    for op in (operator.lt, operator.ge):
        with pytest.raises(TypeError):
            op(k, "a")
    assert k.__eq__("a") is NotImplemented


PUBLIC_BINARY = ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow",
                 "maximum", "minimum", "atan2", "bitwise_and", "bitwise_or", "bitwise_xor",
                 "logical_and", "logical_or", "logical_xor", "eq", "ne", "lt", "le", "gt", "ge"]


@pytest.mark.parametrize("name", PUBLIC_BINARY)
def test_public_binary(name, torch):
    for dt in ("float32", "int64", "bool"):
        ka, ta = _pair(torch, dt, seed=7)
        kb, tb = _pair(torch, dt, shape=(3,), seed=8, nonzero=True, low=1, high=4)
        kr, ke = _run(getattr(kindling, name), ka, kb)
        tr, te = _run(getattr(torch, name), ta, tb)
        if _compare_errors(ke, te):
            assert_same(kr, tr)
            assert_same(getattr(ka, name)(kb), getattr(ta, name)(tb))
            kout = kindling.empty(0, dtype=kr.dtype)
            getattr(kindling, name)(ka, kb, out=kout)
            assert_same(kout, tr)


UNARY = ["abs", "neg", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
         "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "relu",
         "floor", "ceil", "round", "trunc", "frac", "sign", "reciprocal", "square", "erf",
         "bitwise_not", "logical_not", "isnan", "isinf", "isfinite"]


@pytest.mark.parametrize("name", UNARY)
def test_public_unary(name, torch):
    for dt in ("float32", "int64", "bool"):
        ka, ta = _pair(torch, dt, seed=9)
        kr, ke = _run(getattr(kindling, name), ka)
        tr, te = _run(getattr(torch, name), ta)
        if not _compare_errors(ke, te):
            continue
        assert_same(kr, tr, rtol=1e-5)
        assert_same(getattr(ka, name)(), getattr(ta, name)(), rtol=1e-5)
        k_ = getattr(ka, name + "_", None)
        t_ = getattr(ta, name + "_", None)
        assert (k_ is None) == (t_ is None), name
        if k_ is not None:
            kr, ke = _run(k_)
            tr, te = _run(t_)
            if _compare_errors(ke, te, msg=isinstance(te, RuntimeError)):
                assert kr is ka
                assert_same(ka, ta, rtol=1e-5)


def test_special_values(torch):
    vals = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 0.5, -2.5, 1e-30, 100.0],
                    dtype=np.float32)
    for name in UNARY:
        if name in ("bitwise_not",):
            continue
        kr = getattr(kindling, name)(kindling.from_numpy(vals.copy()))
        tr = getattr(torch, name)(torch.from_numpy(vals.copy()))
        assert_same(kr, tr, rtol=1e-5, atol=1e-6)
    a = np.array([5.0, -5.0, 5.0, -5.0, 0.0, -0.0, np.inf, np.nan, 3.0], dtype=np.float64)
    b = np.array([3.0, 3.0, -3.0, -3.0, 2.0, 2.0, 2.0, 1.0, 0.0], dtype=np.float64)
    for name in ("floor_divide", "remainder", "fmod", "pow", "maximum", "minimum", "atan2", "div"):
        assert_same(getattr(kindling, name)(kindling.from_numpy(a), kindling.from_numpy(b)),
                    getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b)))
    for mode in ("trunc", "floor"):
        assert_same(kindling.div(kindling.from_numpy(a), kindling.from_numpy(b), rounding_mode=mode),
                    torch.div(torch.from_numpy(a), torch.from_numpy(b), rounding_mode=mode))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_reduced_precision(dtype, torch):
    a = np.linspace(-3, 3, 13).astype(np.float32)
    b = np.linspace(0.5, 4, 13).astype(np.float32)
    ka = kindling.from_numpy(a).to(getattr(kindling, dtype))
    kb = kindling.from_numpy(b).to(getattr(kindling, dtype))
    ta = torch.from_numpy(a).to(getattr(torch, dtype))
    tb = torch.from_numpy(b).to(getattr(torch, dtype))
    tol = dict(rtol=1e-2, atol=1e-2)
    for name in UNARY:
        kr, ke = _run(getattr(kindling, name), ka)
        tr, te = _run(getattr(torch, name), ta)
        if _compare_errors(ke, te):
            assert_same(kr, tr, **tol)
    for name in PUBLIC_BINARY:
        kr, ke = _run(getattr(kindling, name), ka, kb)
        tr, te = _run(getattr(torch, name), ta, tb)
        if _compare_errors(ke, te):
            assert_same(kr, tr, **tol)
    for s in (2, 2.5, True):
        for op in (operator.add, operator.mul, operator.truediv, operator.pow, operator.lt):
            assert_same(op(ka, s), op(ta, s), **tol)


# ---- promotion ----------------------------------------------------------------------------------
PROMO_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float32", "float64"]


@pytest.mark.parametrize("op", ["add", "mul", "div", "eq", "maximum", "atan2", "where", "clamp"])
def test_promotion_matrix(op, torch):
    for da in PROMO_DTYPES:
        for db in PROMO_DTYPES:
            for shape_b in ((3,), ()):
                ka, ta = _pair(torch, da, shape=(3,), seed=10, low=1)
                kb, tb = _pair(torch, db, shape=shape_b, seed=11, low=1, nonzero=True)
                if op == "where":
                    kc, tc = _pair(torch, "bool", shape=(3,), seed=12)
                    kr, ke = _run(kindling.where, kc, ka, kb)
                    tr, te = _run(torch.where, tc, ta, tb)
                elif op == "clamp":
                    kr, ke = _run(kindling.clamp, ka, kb)
                    tr, te = _run(torch.clamp, ta, tb)
                else:
                    kr, ke = _run(getattr(kindling, op), ka, kb)
                    tr, te = _run(getattr(torch, op), ta, tb)
                if _compare_errors(ke, te):
                    assert_same(kr, tr)


# ---- error cases with PyTorch's messages --------------------------------------------------------
ERRORS = [
    ("bool - bool", lambda m, b, i, f: b - b),
    ("bool - 1", lambda m, b, i, f: b - 1),
    ("f - True", lambda m, b, i, f: f - True),
    ("-bool", lambda m, b, i, f: -b),
    ("+bool", lambda m, b, i, f: +b),
    ("i // 0", lambda m, b, i, f: i // 0),
    ("i % 0", lambda m, b, i, f: i % 0),
    ("fmod(i, 0)", lambda m, b, i, f: m.fmod(i, 0)),
    ("div trunc 0", lambda m, b, i, f: m.div(i, m.zeros_like(i), rounding_mode="trunc")),
    ("div bad mode", lambda m, b, i, f: m.div(i, 2, rounding_mode="bad")),
    ("i ** -1", lambda m, b, i, f: i ** -1),
    ("i.pow_(-2)", lambda m, b, i, f: i.pow_(-2)),
    ("i.add_(1.5)", lambda m, b, i, f: i.add_(1.5)),
    ("i.div_(2)", lambda m, b, i, f: i.div_(2)),
    ("i.exp_()", lambda m, b, i, f: i.exp_()),
    ("broadcast grow", lambda m, b, i, f: m.zeros(3).add_(f)),
    ("broadcast", lambda m, b, i, f: f + f[:, :2]),
    ("where non-bool", lambda m, b, i, f: m.where(i, f, f)),
    ("clamp none", lambda m, b, i, f: m.clamp(f)),
    ("clamp overflow", lambda m, b, i, f: m.clamp(i.to(m.uint8), -1, 300)),
    ("abs bool", lambda m, b, i, f: m.abs(b)),
    ("frac int", lambda m, b, i, f: m.frac(i)),
    ("bitwise float", lambda m, b, i, f: m.bitwise_and(f, f)),
    ("~float", lambda m, b, i, f: ~f),
    ("relu bool", lambda m, b, i, f: m.relu(b)),
    ("floor_divide bool", lambda m, b, i, f: m.floor_divide(b, b)),
    ("remainder bool", lambda m, b, i, f: m.remainder(b, b)),
    ("pow bool", lambda m, b, i, f: b ** b),
    ("round decimals int", lambda m, b, i, f: m.round(i, decimals=1)),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors(case, torch):
    fn = case[1]

    def args(m):
        base = np.array([[1, -2, 3], [4, 5, -6]])
        return (m, m.from_numpy(base > 0), m.from_numpy(base.copy()),
                m.from_numpy(base.astype(np.float32)))
    ke = _run(fn, *args(kindling))[1]
    te = _run(fn, *args(torch))[1]
    assert te is not None and ke is not None, (ke, te)
    assert type(ke) is type(te), (ke, te)
    assert str(ke).split("\n")[0] == str(te).split("\n")[0]


# ---- specific behaviours ------------------------------------------------------------------------
def test_integer_scalar_wrapping(torch):
    a = np.array([44, 0, 255], dtype=np.uint8)
    for f in (lambda t: t + 300, lambda t: t * 1000, lambda t: t == 300, lambda t: t - 257,
              lambda t: t < 300):
        assert_same(f(kindling.from_numpy(a.copy())), f(torch.from_numpy(a.copy())))


def test_integer_pow_negative_tensor_exponent(torch):
    a = np.array([2, 1, -1, -1, 0, 3])
    b = np.array([-1, -3, -3, -2, 2, 2])
    assert_same(kindling.from_numpy(a) ** kindling.from_numpy(b),
                torch.from_numpy(a) ** torch.from_numpy(b))
    assert_same(kindling.pow(2, kindling.from_numpy(b)), torch.pow(2, torch.from_numpy(b)))


def test_out_resize_and_cast(torch):
    k = kindling.from_numpy(np.arange(6.0).reshape(2, 3))
    out = kindling.empty(0)
    r = kindling.add(k, 1, out=out)
    assert r is out and tuple(out.shape) == (2, 3)
    iout = kindling.empty(0, dtype=kindling.int64)
    with pytest.raises(RuntimeError, match="can't be cast"):
        kindling.add(k, 1, out=iout)
    bout = kindling.empty(0, dtype=kindling.float32)
    kindling.eq(k, 1.0, out=bout)  # bool results can be written anywhere
    assert bout.dtype == kindling.float32 and bout.tolist()[0] == [0.0, 1.0, 0.0]


def test_inplace_comparison_keeps_dtype(torch):
    for dt in ("int64", "float32"):
        ka, ta = _pair(torch, dt, seed=13)
        assert_same(ka.lt_(2.5), ta.lt_(2.5))
        assert_same(ka.eq_(ka), ta.eq_(ta))


def test_where_and_clamp_variants(torch):
    ka, ta = _pair(torch, "float32", seed=14)
    ki, ti = _pair(torch, "int64", seed=15)
    kc, tc = ka > 0, ta > 0
    assert_same(kindling.where(kc, ka, 0.0), torch.where(tc, ta, 0.0))
    assert_same(kindling.where(kc, 2, 3), torch.where(tc, 2, 3))
    assert_same(kindling.where(kc, 2, ki), torch.where(tc, 2, ti))
    assert_same(ka.where(kc, 1.5), ta.where(tc, 1.5))
    assert_same(ki.where(kc, 1.5), ti.where(tc, 1.5))
    assert_same(kindling.clamp(ki, 0.5), torch.clamp(ti, 0.5))
    assert_same(kindling.clip(ka, -1, 1), torch.clip(ta, -1, 1))
    assert_same(ka.clip(max=0), ta.clip(max=0))
    assert_same(kindling.clamp(ka, max=kindling.zeros(3)), torch.clamp(ta, max=torch.zeros(3)))
    assert_same(kindling.clamp_min(ki, 1), torch.clamp_min(ti, 1))
    assert_same(kindling.clamp_max(ka, kindling.zeros(())), torch.clamp_max(ta, torch.zeros(())))
    v = ka._version
    assert ka.clamp_(-1, 1) is ka and ka._version > v
    ta.clamp_(-1, 1)
    assert_same(ka, ta)
    assert_same(ka.clip_(0, 0.5), ta.clip_(0, 0.5))
    assert_same(ki.clamp_min_(0), ti.clamp_min_(0))
    assert_same(ki.clamp_max_(2), ti.clamp_max_(2))


def test_div_rounding_public(torch):
    ki, ti = _pair(torch, "int64", seed=16)
    kb, tb = _pair(torch, "int64", shape=(3,), seed=17, nonzero=True)
    for mode in (None, "trunc", "floor"):
        assert_same(kindling.div(ki, kb, rounding_mode=mode), torch.div(ti, tb, rounding_mode=mode))
        assert_same(ki.div(-2, rounding_mode=mode), ti.div(-2, rounding_mode=mode))
    assert_same(ki.clone().div_(kb, rounding_mode="floor"), ti.clone().div_(tb, rounding_mode="floor"))
    assert_same(kindling.true_divide(ki, kb), torch.true_divide(ti, tb))


def test_round_decimals(torch):
    a = np.array([1.25, 2.35, -0.5, 0.5, 1.5, 1234.5678], dtype=np.float64)
    for dec in (0, 1, 2, -1):
        assert_same(kindling.round(kindling.from_numpy(a), decimals=dec),
                    torch.round(torch.from_numpy(a), decimals=dec))
    assert_same(kindling.from_numpy(a).round(), torch.from_numpy(a).round())


def test_dunders_dispatch_expected_overloads():
    """``x ** 2`` is pow.Tensor_Scalar, ``x == 2`` eq.Scalar, ``x % 2`` remainder.Scalar."""
    from kindling.utils._python_dispatch import TorchDispatchMode

    class Log(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            seen.append(str(func))
            return func(*args, **(kwargs or {}))

    x = kindling.from_numpy(np.arange(3.0))
    i = kindling.from_numpy(np.arange(3))
    table = {"__pow__": ("pow.Tensor_Scalar", x), "__eq__": ("eq.Scalar", x),
             "__mod__": ("remainder.Scalar", x), "__rsub__": ("rsub.Scalar", x),
             "__rpow__": ("pow.Scalar", x), "__and__": ("bitwise_and.Scalar", i)}
    for dunder, (name, t) in table.items():
        seen = []
        with Log():
            getattr(t, dunder)(2)
        assert seen == ["aten." + name], (dunder, seen)
    assert (x ** 2).tolist() == [0.0, 1.0, 4.0]


def test_version_and_identity_for_iadd(torch):
    k = kindling.from_numpy(np.arange(3.0))
    v = k._version
    k2 = k
    k2 += 1
    assert k2 is k and k._version == v + 1
    assert to_numpy(k).tolist() == [1.0, 2.0, 3.0]
