"""Matrix products against the PyTorch oracle: values, dtypes, meta, errors, out=, matmul."""
import warnings

import numpy as np
import pytest

import kindling
from kindling._aten import linalg as L
from kindling.testing.harness import assert_same, sample_args
from kindling.testing.samples import make_arr

DTYPES = ("float32", "float64", "int64", "int32", "bool")


def _to_meta_k(x):
    if isinstance(x, kindling.Tensor):
        return kindling.empty_strided(tuple(x.shape), x.stride(), dtype=x.dtype, device="meta")
    if isinstance(x, (list, tuple)):
        return type(x)(_to_meta_k(e) for e in x)
    if isinstance(x, dict):
        return {k: _to_meta_k(v) for k, v in x.items()}
    return x


def run_samples(opdef, dtype, torch):
    name = str(opdef.op)[len("aten."):]
    pkt, ov = name.split(".")
    top = getattr(getattr(torch.ops.aten, pkt), ov)
    for s in opdef.sample_fn(dtype):
        ki, ka, kk = sample_args(s)
        ti, ta, tk = sample_args(s, torch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                t_res = top(ti, *ta, **tk)
            except Exception as e:
                with pytest.raises(type(e)) as info:
                    opdef.op(ki, *ka, **kk)
                assert str(info.value) == str(e), (s, str(info.value), str(e))
                continue
            k_res = opdef.op(ki, *ka, **kk)
            m_res = opdef.op(_to_meta_k(ki), *_to_meta_k(ka), **_to_meta_k(kk))
        assert_same(k_res, t_res, rtol=1e-5, atol=1e-4)
        assert m_res.device.type == "meta", s
        assert tuple(m_res.shape) == tuple(k_res.shape) and m_res.dtype == k_res.dtype, s


OP_NAMES = sorted(k for k in L.OPS if L.OPS[k].sample_fn is not None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", OP_NAMES)
def test_samples_match_torch(name, dtype, torch):
    run_samples(L.OPS[name], dtype, torch)


def _t(torch, shape, dtype="float32", seed=0, noncontig=False):
    a = make_arr(shape, dtype, seed=seed, noncontig=noncontig)
    from kindling.testing.harness import to_kindling, to_torch
    return to_kindling(a), to_torch(a, torch)


F, D, I64, I32, B = "float32", "float64", "int64", "int32", "bool"
ERRORS = [
    ("mm", [((2, 3), F), ((4, 5), F)]),
    ("mm", [((2, 3), F), ((3, 5), D)]),
    ("mm", [((2, 3), D), ((3, 5), I64)]),
    ("mm", [((2, 3), I32), ((3, 5), I64)]),
    ("mm", [((2, 3), F), ((4, 5), D)]),
    ("mm", [((3,), F), ((3, 5), F)]),
    ("mm", [((2, 3), F), ((3,), F)]),
    ("mm", [((2, 3), B), ((3, 5), B)]),
    ("bmm", [((2, 2, 3), F), ((2, 4, 5), F)]),
    ("bmm", [((2, 2, 3), F), ((3, 3, 5), F)]),
    ("bmm", [((2, 3), F), ((2, 3, 5), F)]),
    ("bmm", [((2, 2, 3), F), ((2, 3), F)]),
    ("bmm", [((2, 2, 3), F), ((2, 3, 5), D)]),
    ("bmm", [((2, 2, 3), B), ((2, 3, 5), B)]),
    ("mv", [((2, 3), F), ((4,), F)]),
    ("mv", [((2, 3), F), ((3, 1), F)]),
    ("mv", [((3,), F), ((3,), F)]),
    ("mv", [((2, 3), F), ((3,), D)]),
    ("mv", [((2, 3), D), ((3,), F)]),
    ("mv", [((2, 3), B), ((3,), B)]),
    ("dot", [((3,), F), ((4,), F)]),
    ("dot", [((3, 1), F), ((3,), F)]),
    ("dot", [((3,), F), ((4,), D)]),
    ("dot", [((3,), B), ((3,), B)]),
    ("outer", [((3, 1), F), ((4,), F)]),
    ("outer", [((3,), F), ((4, 1), F)]),
    ("addmm", [((2, 5), F), ((2, 3), F), ((4, 5), F)]),
    ("addmm", [((3, 5), F), ((2, 3), F), ((3, 5), F)]),
    ("addmm", [((2, 5), D), ((2, 3), F), ((3, 5), F)]),
    ("addmm", [((2, 5), F), ((2, 3), F), ((3, 5), D)]),
    ("addmm", [((2, 5), F), ((2, 3), D), ((3, 5), F)]),
    ("addmm", [((2, 5), F), ((3,), F), ((3, 5), F)]),
    ("addmm", [((2, 5), F), ((2, 3), F), ((3,), F)]),
    ("addmm", [((2, 5), B), ((2, 3), B), ((3, 5), B)]),
    ("addmv", [((2,), F), ((2, 3), F), ((4,), F)]),
    ("addmv", [((3,), F), ((2, 3), F), ((3,), F)]),
    ("addmv", [((2,), F), ((2, 3), F), ((3,), D)]),
    ("addmv", [((2,), D), ((2, 3), F), ((3,), F)]),
    ("addmv", [((2, 2), F), ((2, 3), F), ((3,), F)]),
    ("matmul", [((2, 3), F), ((4, 5), F)]),
    ("matmul", [((3,), F), ((4,), F)]),
    ("matmul", [((), F), ((4,), F)]),
    ("matmul", [((2, 3), F), ((), F)]),
    ("matmul", [((2, 2, 3), F), ((3, 3, 5), F)]),
    ("matmul", [((2, 3), F), ((3,), D)]),
    ("matmul", [((3,), F), ((2, 4, 5), F)]),
    ("matmul", [((3,), I64), ((3,), D)]),
    ("matmul", [((3, 4), I64), ((4, 5), D)]),
    ("matmul", [((2, 3, 4), F), ((4, 5), D)]),
    ("matmul", [((2, 3, 4), F), ((2, 4, 5), D)]),
    ("matmul", [((3, 4), F), ((2, 5, 5), F)]),
    ("matmul", [((2, 3, 4), F), ((5,), F)]),
    ("matmul", [((2, 3, 4), F), ((5, 6), F)]),
    ("matmul", [((4,), F), ((5, 6), F)]),
    ("matmul", [((2, 3), B), ((3,), B)]),
]


@pytest.mark.parametrize("name,operands", ERRORS)
def test_errors_match_torch(name, operands, torch):
    ks, ts = zip(*[_t(torch, s, d, seed=i) for i, (s, d) in enumerate(operands)])
    with pytest.raises(Exception) as te:
        getattr(torch, name)(*ts)
    with pytest.raises(type(te.value)) as ke:
        getattr(kindling, name)(*ks)
    assert str(ke.value) == str(te.value)


def test_addmm_scalars(torch):
    for dt in ("float64", "int64"):
        s, ts = _t(torch, (2, 4), dt)
        a, ta = _t(torch, (2, 3), dt, seed=1)
        b, tb = _t(torch, (3, 4), dt, seed=2)
        for kw in [{}, {"beta": 0.5, "alpha": 1.5}, {"beta": 0}, {"alpha": -2}]:
            assert_same(kindling.addmm(s, a, b, **kw), torch.addmm(ts, ta, tb, **kw))
            assert_same(s.addmm(a, b, **kw), ts.addmm(ta, tb, **kw))
        v, tv = _t(torch, (3,), dt, seed=3)
        s2, ts2 = _t(torch, (2,), dt, seed=4)
        for kw in [{}, {"beta": 0.5, "alpha": 1.5}, {"beta": 0}]:
            assert_same(kindling.addmv(s2, a, v, **kw), torch.addmv(ts2, ta, tv, **kw))
    nan = kindling.full((2, 4), float("nan"))
    a, b = kindling.ones(2, 3), kindling.ones(3, 4)
    assert not np.isnan(kindling.addmm(nan, a, b, beta=0).numpy()).any()
    with pytest.raises(TypeError):
        kindling.addmm(nan, a, b, 0.5, 2)  # beta/alpha are keyword-only


def test_matmul_operator_and_method(torch):
    a, ta = _t(torch, (2, 3, 4), "float64")
    b, tb = _t(torch, (4, 5), "float64", seed=1)
    assert_same(a @ b, ta @ tb)
    assert_same(a.matmul(b), ta.matmul(tb))
    assert_same(kindling.matmul(a, b), torch.matmul(ta, tb))
    with pytest.raises(TypeError):
        a @ 2
    with pytest.raises(TypeError):
        2 @ a


def _traced_ops(fn):
    from kindling._dispatcher.trace import dispatch_trace
    with dispatch_trace() as calls:
        fn()
    return [str(c.op) for c in calls]


@pytest.mark.parametrize("sa,sb,expect", [
    ((3,), (3,), "dot"), ((2, 3), (3,), "mv"), ((3,), (3, 4), "mm"), ((2, 3), (3, 4), "mm"),
    ((2, 3, 4), (4,), "mv"), ((2, 3, 4), (4, 5), "mm"), ((3,), (2, 3, 4), "bmm"),
    ((2, 1, 3, 4), (3, 4, 5), "bmm"),
])
def test_matmul_decomposes(sa, sb, expect):
    a, b = kindling.ones(*sa), kindling.ones(*sb)
    ops = _traced_ops(lambda: kindling.matmul(a, b))
    names = {o.split("::")[-1].split(".")[0] for o in ops}
    assert "matmul" in names and expect in names, ops
    assert not ({"dot", "mv", "mm", "bmm"} - {expect}) & names, ops


OUT_CALLS = [("mm", [(2, 3), (3, 4)]), ("bmm", [(2, 2, 3), (2, 3, 4)]), ("mv", [(2, 3), (3,)]),
             ("dot", [(3,), (3,)]), ("outer", [(3,), (4,)]), ("addmm", [(4,), (2, 3), (3, 4)]),
             ("addmv", [(2,), (2, 3), (3,)]), ("matmul", [(2, 3, 4), (4,)]),
             ("matmul", [(5, 2, 3), (3, 4)])]


@pytest.mark.parametrize("name,shapes", OUT_CALLS)
def test_out_variants(name, shapes, torch):
    ks, ts = zip(*[_t(torch, s, "float64", seed=i) for i, s in enumerate(shapes)])
    expected = getattr(torch, name)(*ts)
    out = kindling.empty(0, dtype=kindling.float64)
    r = getattr(kindling, name)(*ks, out=out)
    assert r is out
    assert_same(out, expected)


def test_meta_matmul_shapes(torch):
    for sa, sb in [((2, 1, 3, 4), (3, 4, 5)), ((3,), (2, 3, 4)), ((2, 3, 4), (4,))]:
        a = kindling.empty(*sa, device="meta")
        b = kindling.empty(*sb, device="meta")
        r = kindling.matmul(a, b)
        assert r.device.type == "meta"
        assert tuple(r.shape) == tuple(torch.matmul(torch.ones(*sa), torch.ones(*sb)).shape)


def test_schemas_match_torch(torch):
    from kindling._aten._defop import all_ops
    packets = {"mm", "bmm", "mv", "dot", "addmm", "addmv", "outer", "matmul"}
    seen = 0
    for name, d in all_ops().items():
        pkt, ov = name.split(".")
        if pkt in packets:
            assert str(d.op._schema) == str(getattr(getattr(torch.ops.aten, pkt), ov)._schema)
            seen += 1
    assert seen == 16
