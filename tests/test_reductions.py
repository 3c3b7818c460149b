"""Reductions against the PyTorch oracle: values, dtypes, shapes, meta, errors, out=."""
import warnings

import numpy as np
import pytest

import kindling
from kindling._aten import reductions as R
from kindling.testing.harness import assert_same, sample_args
from kindling.testing.samples import ALL_REAL, SampleInput, make_arr

DTYPES = ALL_REAL + ("float16",)


def _to_meta_k(x):
    if isinstance(x, kindling.Tensor):
        return kindling.empty_strided(tuple(x.shape), x.stride(), dtype=x.dtype, device="meta")
    if isinstance(x, (list, tuple)):
        return type(x)(_to_meta_k(e) for e in x)
    if isinstance(x, dict):
        return {k: _to_meta_k(v) for k, v in x.items()}
    return x


def _tol(dtype):
    return dict(rtol=2e-3, atol=2e-2) if dtype == "float16" else dict(rtol=1e-5, atol=1e-5)


def run_samples(opdef, dtype, torch, samples=None):
    """Run every sample through kindling (CPU and meta) and PyTorch; compare."""
    name = str(opdef.op)[len("aten."):]
    pkt, ov = name.split(".")
    top = getattr(getattr(torch.ops.aten, pkt), ov)
    n = 0
    for s in (samples if samples is not None else opdef.sample_fn(dtype)):
        ki, ka, kk = sample_args(s)
        ti, ta, tk = sample_args(s, torch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                t_res = top(ti, *ta, **tk)
            except Exception as e:  # the kindling op must raise the same
                with pytest.raises(type(e)) as info:
                    opdef.op(ki, *ka, **kk)
                assert str(info.value) == str(e).split("\n")[0] or str(e).startswith(
                    str(info.value)), (s, str(info.value), str(e))
                continue
            k_res = opdef.op(ki, *ka, **kk)
            m_res = opdef.op(_to_meta_k(ki), *_to_meta_k(ka), **_to_meta_k(kk))
        assert_same(k_res, t_res, **_tol(dtype))
        ks = k_res if isinstance(k_res, tuple) else (k_res,)
        ms = m_res if isinstance(m_res, tuple) else (m_res,)
        for a, b in zip(ks, ms):
            assert b.device.type == "meta"
            assert tuple(a.shape) == tuple(b.shape) and a.dtype == b.dtype, s
        n += 1
    return n


OP_NAMES = sorted(k for k in R.OPS if R.OPS[k].sample_fn is not None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", OP_NAMES)
def test_samples_match_torch(name, dtype, torch):
    run_samples(R.OPS[name], dtype, torch)


# ---- Python API: dtypes, keepdim, namedtuples, overload selection ---------------------------
def _pair(torch, shape=(2, 3, 4), dtype="float32", **kw):
    a = make_arr(shape, dtype, **kw).value
    return kindling.from_numpy(a.copy()), torch.from_numpy(a.copy())


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
def test_integer_sum_prod_give_int64(dtype, torch):
    k, t = _pair(torch, dtype=dtype, low=-2, high=3)
    for f in ("sum", "prod"):
        assert_same(getattr(kindling, f)(k), getattr(torch, f)(t))
    assert_same(kindling.sum(k, dtype=kindling.int32), torch.sum(t, dtype=torch.int32))
    assert_same(kindling.sum(k, 1, keepdim=True), torch.sum(t, 1, keepdim=True))
    assert_same(k.prod(-1), t.prod(-1))
    assert_same(kindling.cumsum(k, 0), torch.cumsum(t, 0))


def test_mean_integer_errors(torch):
    k, t = _pair(torch, dtype="int64")
    for args, kw in [((), {}), ((0,), {}), ((0,), {"dtype": "int64"})]:
        kkw = {n: getattr(kindling, v) for n, v in kw.items()}
        tkw = {n: getattr(torch, v) for n, v in kw.items()}
        with pytest.raises(RuntimeError) as te:
            torch.mean(t, *args, **tkw)
        with pytest.raises(RuntimeError) as ke:
            kindling.mean(k, *args, **kkw)
        assert str(ke.value) == str(te.value)
    assert_same(kindling.mean(k, dtype=kindling.float64), torch.mean(t, dtype=torch.float64))
    k, t = _pair(torch)
    assert_same(k.mean((0, 2), True), t.mean((0, 2), True))


def test_max_min_namedtuples(torch):
    k, t = _pair(torch)
    for f in ("max", "min"):
        kr, tr = getattr(kindling, f)(k, 1), getattr(torch, f)(t, 1)
        assert type(kr).__name__ == f and isinstance(kr, tuple)
        assert_same(kr.values, tr.values)
        assert_same(kr.indices, tr.indices)
        v, i = getattr(k, f)(dim=-1, keepdim=True)
        tv, ti = getattr(t, f)(dim=-1, keepdim=True)
        assert_same((v, i), (tv, ti))
        assert_same(getattr(kindling, f)(k), getattr(torch, f)(t))
        assert_same(getattr(k, f)(), getattr(t, f)())
        assert repr(kr).startswith(f"torch.return_types.{f}(\nvalues=tensor(")
        # binary form is maximum/minimum with promotion
        k2, t2 = _pair(torch, shape=(3, 4), dtype="float64", seed=3)
        assert_same(getattr(kindling, f)(k, k2), getattr(torch, f)(t, t2))
        # out= tuple form
        ov, oi = kindling.empty(0), kindling.empty(0, dtype=kindling.int64)
        r = getattr(kindling, f)(k, 0, out=(ov, oi))
        assert r.values is ov and r.indices is oi
        assert_same((ov, oi), tuple(getattr(torch, f)(t, 0)))
        o = kindling.empty(())
        assert getattr(kindling, f)(k, out=o) is o
        assert_same(o, getattr(torch, f)(t))


def test_max_nan_and_ties(torch):
    a = np.array([[1.0, np.nan, 3.0, np.nan], [2.0, 2.0, 1.0, 2.0]], dtype=np.float32)
    k, t = kindling.from_numpy(a.copy()), torch.from_numpy(a.copy())
    for f in ("max", "min"):
        assert_same(tuple(getattr(kindling, f)(k, 1)), tuple(getattr(torch, f)(t, 1)))
        assert_same(getattr(kindling, f)(k), getattr(torch, f)(t))
    for f in ("argmax", "argmin", "amax", "amin"):
        assert_same(getattr(kindling, f)(k, 1), getattr(torch, f)(t, 1))


def test_var_std_api_forms(torch):
    k, t = _pair(torch, dtype="float64")
    calls = [((), {}), ((0,), {}), ((0, True), {}), ((0, False, True), {}), ((True,), {}),
             ((), {"unbiased": False}), ((), {"correction": 2}), ((1,), {"correction": 0}),
             (([0, 2],), {"keepdim": True}), ((None,), {"correction": 1.5, "keepdim": True})]
    for f in ("var", "std"):
        for args, kw in calls:
            assert_same(getattr(kindling, f)(k, *args, **kw), getattr(torch, f)(t, *args, **kw))
            assert_same(getattr(k, f)(*args, **kw), getattr(t, f)(*args, **kw))
    kc = kindling.from_numpy(np.array([1 + 2j, 3 - 1j, 0.5j], dtype=np.complex64))
    tc = torch.from_numpy(np.array([1 + 2j, 3 - 1j, 0.5j], dtype=np.complex64))
    assert_same(kindling.var(kc), torch.var(tc))
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        r = kindling.var(kindling.ones(1))
    assert np.isnan(r.item())
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        kindling.std(kindling.ones(3, dtype=kindling.int64))


def test_all_any_forms(torch):
    k, t = _pair(torch, dtype="int64", low=0, high=2)
    for f in ("all", "any"):
        for args in [(), (0,), (1, True), ((0, 2),), ((),)]:
            assert_same(getattr(kindling, f)(k, *args), getattr(torch, f)(t, *args))
        u, tu = _pair(torch, dtype="uint8", low=0, high=2)
        assert_same(getattr(u, f)(), getattr(tu, f)())


def test_argmax_keepdim_none(torch):
    k, t = _pair(torch)
    assert_same(kindling.argmax(k, keepdim=True), torch.argmax(t, keepdim=True))
    assert_same(k.argmin(), t.argmin())


def test_norm(torch):
    k, t = _pair(torch, dtype="float64")
    for args, kw in [((), {}), ((1,), {}), ((float("inf"),), {}), ((2, 1), {}),
                     (("fro", (0, 1)), {}), ((3,), {"dim": -1, "keepdim": True})]:
        assert_same(kindling.norm(k, *args, **kw), torch.norm(t, *args, **kw))
    assert_same(k.norm(), t.norm())
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor"):
        kindling.norm(kindling.ones(3, dtype=kindling.int64))


def test_logsumexp_and_count_nonzero(torch):
    k, t = _pair(torch, dtype="int64", low=-2, high=3)
    assert_same(kindling.logsumexp(k, 1), torch.logsumexp(t, 1))
    assert_same(k.logsumexp((0, 2), True), t.logsumexp((0, 2), True))
    assert_same(kindling.count_nonzero(k), torch.count_nonzero(t))
    assert_same(kindling.count_nonzero(k, (0, 2)), torch.count_nonzero(t, (0, 2)))
    assert_same(k.count_nonzero(1), t.count_nonzero(1))


# ---- errors -------------------------------------------------------------------------------------
ERRORS = [
    ("sum", (2, 3), (3,), {}),
    ("sum", (2, 3), ((0, 0),), {}),
    ("sum", (), (1,), {}),
    ("mean", (2, 3), (-3,), {}),
    ("max", (0, 3), (), {}),
    ("max", (0, 3), (0,), {}),
    ("max", (0, 3), (-2,), {}),
    ("min", (0, 3), (), {}),
    ("amax", (0, 3), (), {}),
    ("amin", (0, 3), (0,), {}),
    ("argmax", (0, 3), (), {}),
    ("argmin", (0, 3), (0,), {}),
    ("prod", (2, 3), (2,), {}),
    ("cumsum", (2, 3), (2,), {}),
    ("all", (2, 3), (5,), {}),
    ("var", (2, 3), (4,), {}),
]


@pytest.mark.parametrize("name,shape,args,kw", ERRORS)
def test_errors_match_torch(name, shape, args, kw, torch):
    k, t = _pair(torch, shape=shape)
    with pytest.raises(Exception) as te:
        getattr(torch, name)(t, *args, **kw)
    with pytest.raises(type(te.value)) as ke:
        getattr(kindling, name)(k, *args, **kw)
    assert str(ke.value) == str(te.value)


def test_empty_reductions(torch):
    k, t = _pair(torch, shape=(0, 3))
    for f in ("sum", "prod", "mean", "all", "any", "count_nonzero"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert_same(getattr(kindling, f)(k), getattr(torch, f)(t))
    assert_same(kindling.max(k, 1).values, torch.max(t, 1).values)
    assert_same(kindling.amax(k, 1), torch.amax(t, 1))


# ---- out= ---------------------------------------------------------------------------------------
OUT_CALLS = [
    ("sum", (), {}), ("sum", (1,), {"keepdim": True}), ("mean", (0,), {}), ("mean", (), {}),
    ("prod", (), {}), ("prod", (1,), {}), ("amax", (1,), {}), ("amin", ((0, 2),), {}),
    ("argmax", (1,), {}), ("argmin", (), {}), ("all", (), {}), ("any", (1,), {}),
    ("any", ((0, 1),), {}), ("var", (1,), {}), ("std", (), {"correction": 0}),
    ("logsumexp", (1,), {}), ("cumsum", (1,), {}), ("cumprod", (0,), {}),
    ("count_nonzero", (), {}), ("count_nonzero", ((0, 1),), {}), ("norm", (), {}),
]


# (PyTorch's Python bindings take out= for these only with dims: a TypeError as in PyTorch)
NO_OUT = {("sum", ()), ("prod", ()), ("count_nonzero", ()), ("count_nonzero", ((0, 1),))}


@pytest.mark.parametrize("name,args,kw", OUT_CALLS)
def test_out_variants(name, args, kw, torch):
    k, t = _pair(torch, dtype="float64")
    expected = getattr(torch, name)(t, *args, **kw)
    out = kindling.empty(0, dtype=getattr(kindling, str(expected.dtype)[6:]))
    if (name, args) in NO_OUT:
        with pytest.raises(TypeError) as err:
            getattr(torch, name)(t, *args, out=torch.empty(0, dtype=expected.dtype), **kw)
        with pytest.raises(TypeError, match=str(err.value).splitlines()[0].replace("(", r"\(")
                           .replace(")", r"\)").replace("*", r"\*")):
            getattr(kindling, name)(k, *args, out=out, **kw)
        return
    r = getattr(kindling, name)(k, *args, out=out, **kw)
    assert r is out
    assert_same(out, expected)


OUT_DTYPE_CASES = [
    "T.sum(T.tensor([1.5, 1.5]), 0, out=T.empty((), dtype=T.long))",
    "T.sum(T.tensor([1.5, 1.5]), 0, out=T.empty((), dtype=T.float64))",
    "T.sum(T.tensor([1.5, 1.5]), 0, out=T.empty((), dtype=T.bool))",
    "T.sum(T.tensor([1, 2]), 0, out=T.empty((), dtype=T.float32))",
    "T.sum(T.tensor([1+1j]), 0, out=T.empty((), dtype=T.float32))",
    "T.mean(T.tensor([1.5, 1.5]), 0, out=T.empty((), dtype=T.long))",
    "T.prod(T.tensor([1.5, 1.5]), 0, out=T.empty((), dtype=T.long))",
    "T.sum(T.tensor([1.5, 1.5]), 0, dtype=T.float64, out=T.empty((), dtype=T.float32))",
    "T.amax(T.tensor([1.5, 1.5]), 0, out=T.empty((), dtype=T.long))",
    "T.cumsum(T.tensor([1.5, 1.5]), 0, out=T.empty(2, dtype=T.long))",
    "T.cumprod(T.tensor([1.5, 2.5]), 0, out=T.empty(2, dtype=T.long))",
    "T.std(T.tensor([1.5, 2.5]), 0, out=T.empty((), dtype=T.long))",
    "T.logsumexp(T.tensor([1.5, 2.5]), 0, out=T.empty((), dtype=T.long))",
    "T.all(T.ones(2, 3), out=T.empty(()))", "T.any(T.ones(2), out=T.empty((), dtype=T.uint8))",
    "T.argmin(T.ones(2, 3), out=T.empty((), dtype=T.int32))",
    "T.argmax(T.ones(2, 3), 0, out=T.empty(3))",
]


@pytest.mark.parametrize("call", OUT_DTYPE_CASES)
def test_reduction_out_dtype_rules(call, torch):
    """out='s dtype: the computation dtype of sum/prod/cumsum/cumprod without dtype=, the
    dtype checks of amax/logsumexp/all/argmax, the cast check of mean/std (PyTorch's)."""
    import warnings

    def run(T):
        # (warnings not compared: PyTorch's complex-to-real cast warns once per process)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = eval(call)
        except RuntimeError as e:
            return "raised", str(e)
        return r.tolist(), str(r.dtype).split(".")[-1]
    assert run(kindling) == run(torch)


def test_sample_counts():
    # every declared reduction has samples and the samples exercise 0-d and empty inputs
    assert sum(1 for _ in R.OPS["sum.dim_IntList"].sample_fn("float32")) >= 8
    assert isinstance(next(iter(R.OPS["sum.default"].sample_fn("float32"))), SampleInput)


REDUCTION_PACKETS = {"sum", "mean", "prod", "amax", "amin", "max", "min", "argmax", "argmin",
                     "all", "any", "std", "var", "logsumexp", "cumsum", "cumprod",
                     "count_nonzero", "norm"}


def test_schemas_match_torch(torch):
    from kindling._aten._defop import all_ops
    seen = 0
    for name, d in all_ops().items():
        pkt, ov = name.split(".")
        if pkt in REDUCTION_PACKETS:
            assert str(d.op._schema) == str(getattr(getattr(torch.ops.aten, pkt), ov)._schema)
            seen += 1
    assert seen >= 60
