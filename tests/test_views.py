"""View and shape ops against PyTorch: values, geometry, aliasing, version counters, errors."""
import warnings

import numpy as np
import pytest

import kindling


def _pair(torch, shape=(2, 3, 4), dtype="float32", noncontig=False):
    a = np.arange(int(np.prod(shape))).astype(dtype).reshape(shape)
    k, t = kindling.from_numpy(a.copy()), torch.from_numpy(a.copy())
    if noncontig and len(shape) >= 2:
        k, t = k.transpose(0, -1), t.transpose(0, -1)
    return k, t


def _same_geom(k, t, *, view=None):
    assert tuple(k.shape) == tuple(t.shape)
    if k.numel():  # (empty tensors' strides: from_array gets NumPy's zero strides)
        assert tuple(k.stride()) == tuple(t.stride()), (k.stride(), t.stride())
    assert k.storage_offset() == t.storage_offset()
    assert str(k.dtype) == str(t.dtype)
    if str(t.device) != "meta":
        np.testing.assert_array_equal(k.numpy(), t.numpy())
    if view is not None:
        assert k._is_view() == t._is_view() == view


VIEW_CASES = [
    ("view", lambda x: x.view(4, 6), True),
    ("view_tuple", lambda x: x.view((4, -1)), True),
    ("view_kw", lambda x: x.view(size=(24,)), True),
    ("view_dtype", lambda x: x.view(x.dtype), True),
    ("reshape", lambda x: x.reshape(2, -1), True),
    ("reshape_fn", lambda x: kindling_or(x).reshape(x, (6, 4)), True),
    ("view_as", lambda x: x.view_as(x.flatten()), True),
    ("reshape_as", lambda x: x.reshape_as(x.flatten()), True),
    ("expand", lambda x: x[:, :1].expand(2, 5, 4), True),
    ("expand_new", lambda x: x.expand(3, -1, -1, -1), True),
    ("expand_list", lambda x: x.expand([2, 2, 3, 4]), True),
    ("expand_as", lambda x: x[0].expand_as(x), True),
    ("transpose", lambda x: x.transpose(0, 2), True),
    ("swapaxes", lambda x: x.swapaxes(0, 1), True),
    ("t", lambda x: x[0].t(), True),
    ("t1d", lambda x: x[0, 0].t(), True),
    ("mT", lambda x: x.mT, True),
    ("mH", lambda x: x.mH, True),
    ("H", lambda x: x[0].H, True),
    ("T2", lambda x: x[0].T, True),
    ("adjoint", lambda x: x.adjoint(), True),
    ("permute", lambda x: x.permute(2, 0, 1), True),
    ("permute_tuple", lambda x: x.permute((1, 2, 0)), True),
    ("permute_fn", lambda x: kindling_or(x).permute(x, (1, 0, 2)), True),
    ("movedim", lambda x: x.movedim(0, -1), True),
    ("movedim_list", lambda x: x.movedim((0, 1), (2, 0)), True),
    ("squeeze", lambda x: x[:, :1, None].squeeze(), True),
    ("squeeze_dim", lambda x: x[:, :1].squeeze(1), True),
    ("squeeze_dim_noop", lambda x: x.squeeze(0), True),
    ("squeeze_dims", lambda x: x[:1, :1].squeeze((0, 1)), True),
    ("unsqueeze", lambda x: x.unsqueeze(1), True),
    ("unsqueeze_end", lambda x: x.unsqueeze(-1), True),
    ("flatten", lambda x: x.flatten(), True),
    ("flatten_fn", lambda x: kindling_or(x).flatten(x, 1), True),
    ("flatten_mid", lambda x: x.flatten(0, 1), True),
    ("unflatten", lambda x: x.unflatten(2, (2, 2)), True),
    ("unflatten_neg", lambda x: x.unflatten(-1, (-1, 2)), True),
    ("narrow", lambda x: x.narrow(1, 1, 2), True),
    ("narrow_neg", lambda x: x.narrow(-1, -2, 2), True),
    ("select", lambda x: x.select(1, -1), True),
    ("slice", lambda x: kindling_or(x).ops.aten.slice.Tensor(x, 2, 1, 100, 2), True),
    ("slice_neg", lambda x: kindling_or(x).ops.aten.slice.Tensor(x, 1, -2, None), True),
    ("slice_empty", lambda x: kindling_or(x).ops.aten.slice.Tensor(x, 1, 3, 1), True),
    ("diagonal", lambda x: x.diagonal(), True),
    ("diagonal_off", lambda x: x.diagonal(1, 1, 2), True),
    ("diagonal_neg", lambda x: x.diagonal(-1, -1, 0), True),
    ("diagonal_big", lambda x: x.diagonal(10, 1, 2), True),
    ("alias", lambda x: kindling_or(x).ops.aten.alias.default(x), True),
    ("as_strided", lambda x: x.as_strided((2, 2), (1, 2), 1), True),
    ("split0", lambda x: x.split(1)[1], True),
    ("split_last", lambda x: x.split(3, 2)[-1], True),
    ("chunk", lambda x: x.chunk(3, 2)[-1], True),
    ("unbind", lambda x: x.unbind(1)[2], True),
]


def kindling_or(x):
    if isinstance(x, kindling.Tensor):
        return kindling
    import torch
    return torch


@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("name,fn,is_view", VIEW_CASES, ids=[c[0] for c in VIEW_CASES])
def test_view_geometry(torch, name, fn, is_view, noncontig):
    k, t = _pair(torch, noncontig=noncontig)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            rt = fn(t)
        except RuntimeError as e:
            with pytest.raises(RuntimeError, match=_re(str(e))):
                fn(k)
            return
        rk = fn(k)
    view = rt._is_view()
    _same_geom(rk, rt, view=view)
    if view:
        assert rk._base is (k._base if k._base is not None else k)
        assert rt._base is (t._base if t._base is not None else t)
        assert rk.untyped_storage().data_ptr() == k.untyped_storage().data_ptr()
    # meta tensors get the same geometry
    km, tm = k.to("meta"), t.to("meta")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same_geom(fn(km), fn(tm))


def _re(s):
    import re
    return re.escape(s)


@pytest.mark.parametrize("name,fn", [
    ("split", lambda x: x.split(2, 2)), ("split_sizes", lambda x: x.split([1, 2], 1)),
    ("split_with_sizes", lambda x: x.split_with_sizes([1, 3], 2)),
    ("chunk", lambda x: x.chunk(2, 1)), ("chunk_more", lambda x: x.chunk(5, 2)),
    ("unbind", lambda x: x.unbind()), ("unbind_fn", lambda x: kindling_or(x).unbind(x, 2)),
    ("split_fn", lambda x: kindling_or(x).split(x, 3, -1)),
    ("iter", lambda x: tuple(iter(x))),
])
def test_multi_views(torch, name, fn):
    k, t = _pair(torch)
    rk, rt = fn(k), fn(t)
    assert type(rk) is type(rt) is tuple
    assert len(rk) == len(rt)
    for a, b in zip(rk, rt):
        _same_geom(a, b, view=True)
        assert a._base is k


def test_reshape_copy_path(torch):
    k, t = _pair(torch, noncontig=True)
    rk, rt = k.reshape(-1), t.reshape(-1)
    _same_geom(rk, rt, view=False)
    assert rk._base is None
    k2, t2 = _pair(torch)
    _same_geom(k2.reshape(6, 4), t2.reshape(6, 4), view=True)


def test_view_chain_base_is_root(torch):
    k, _ = _pair(torch)
    v = k.view(6, 4)[1:].t().unsqueeze(0)
    assert v._base is k
    assert v._is_view() and not k._is_view()


def test_version_counter_shared(torch):
    k, t = _pair(torch)
    for x in (k, t):
        v = x.transpose(0, 1)[0]
        assert v._version == x._version == 0
        v.add_(1) if hasattr(v, "add_") else v.fill_(1)
        assert x._version == 1 and v._version == 1
        x.zero_()
        assert v._version == 2
        w = x.view(-1)
        assert w._version == 2


def test_writes_through_views(torch):
    k, t = _pair(torch)
    for x in (k, t):
        x.diagonal(0, 1, 2).fill_(-1)
        x.select(2, 3).t()[0].fill_(-2)
        x.unbind(0)[1].narrow(0, 1, 1).fill_(-3)
    np.testing.assert_array_equal(k.numpy(), t.numpy())
    v = k.view(-1)
    k.fill_(7)
    assert (v.numpy() == 7).all()


def test_unsafe_view_not_a_view(torch):
    k, t = _pair(torch)
    rk = kindling.ops.aten._unsafe_view.default(k, [6, 4])
    rt = torch.ops.aten._unsafe_view.default(t, [6, 4])
    _same_geom(rk, rt)
    assert rk._is_view() == rt._is_view() == False  # noqa: E712


def test_view_dtype(torch):
    for dt in ("int32", "int16", "float64", "uint8"):
        k, t = _pair(torch)
        rk, rt = k.view(getattr(kindling, dt)), t.view(getattr(torch, dt))
        _same_geom(rk, rt, view=False)
        rt.add_(1) if dt != "float64" else rt.zero_()
        rk.add_(1) if dt != "float64" else rk.zero_()
        assert k._version == t._version == 1


def test_T_warns(torch):
    k, _ = _pair(torch)
    kindling._aten._util._warned.clear()  # (PyTorch warns once per process)
    with pytest.warns(UserWarning, match="x.T"):
        assert k.T.shape == (4, 3, 2)


VIEW_ERRORS = [
    (lambda x: x.expand(2, 4), RuntimeError),
    (lambda x: x[0, 0].expand(2, 5), RuntimeError),
    (lambda x: x.expand(3), RuntimeError),
    (lambda x: x.expand(-1, 2, 3, 4), RuntimeError),
    (lambda x: x.t(), RuntimeError),
    (lambda x: x[0, 0].mT, RuntimeError),
    (lambda x: x[0, 0].H, RuntimeError),
    (lambda x: x.H, RuntimeError),
    (lambda x: x.permute(0, 1), RuntimeError),
    (lambda x: x.permute(0, 0, 1), RuntimeError),
    (lambda x: x.flatten(2, 1), RuntimeError),
    (lambda x: x.unflatten(1, (2, 2)), RuntimeError),
    (lambda x: x.unflatten(1, ()), RuntimeError),
    (lambda x: x.narrow(1, 2, 2), RuntimeError),
    (lambda x: x.narrow(1, 4, 0), IndexError),
    (lambda x: x.select(1, 5), IndexError),
    (lambda x: x.select(1, -4), IndexError),
    (lambda x: kindling_or(x).ops.aten.slice.Tensor(x, 0, 0, 2, 0), RuntimeError),
    (lambda x: kindling_or(x).ops.aten.slice.Tensor(x, 0, 0, 2, -1), RuntimeError),
    (lambda x: x.split(0), RuntimeError),
    (lambda x: x.chunk(0), RuntimeError),
    (lambda x: x[0, 0, 0].unbind(), IndexError),
    (lambda x: x.diagonal(0, 1, 1), RuntimeError),
    (lambda x: x.squeeze(5), IndexError),
    (lambda x: x.unsqueeze(4), IndexError),
    (lambda x: x.view(5, 5), RuntimeError),
    (lambda x: x.transpose(0, 1).view(-1), RuntimeError),
    (lambda x: x[:, :, :3].view(kindling_or(x).int64), RuntimeError),
    (lambda x: x.movedim((0, 1), (0, 0)), RuntimeError),
]


@pytest.mark.parametrize("i", range(len(VIEW_ERRORS)))
def test_view_errors(torch, i):
    fn, etype = VIEW_ERRORS[i]
    k, t = _pair(torch)
    with pytest.raises(etype) as et:
        fn(t)
    with pytest.raises(etype, match=_re(str(et.value))):
        fn(k)


# ---- shape ops ----------------------------------------------------------------------------------
def _both(torch, arrays):
    return ([kindling.from_numpy(np.array(a)) for a in arrays],
            [torch.from_numpy(np.array(a)) for a in arrays])


CAT_CASES = [
    ([np.ones((2, 3), "float32"), np.zeros((1, 3), "float32")], 0),
    ([np.ones((2, 3), "float32"), np.zeros((2, 1), "float64")], 1),
    ([np.ones((2, 3), "int64"), np.zeros((2, 2), "bool")], -1),
    ([np.ones((2, 3), "int32"), np.zeros((0,), "float32"), np.ones((2, 3), "uint8")], 0),
    ([np.zeros((0,), "float32"), np.zeros((0,), "int64")], 0),
    ([np.arange(6).reshape(2, 3)], 1),
    ([np.ones((2, 0, 3)), np.ones((2, 4, 3))], 1),
]


@pytest.mark.parametrize("i", range(len(CAT_CASES)))
def test_cat(torch, i):
    arrays, dim = CAT_CASES[i]
    ks, ts = _both(torch, arrays)
    rk, rt = kindling.cat(ks, dim), torch.cat(ts, dim)
    _same_geom(rk, rt, view=False)
    km = [x.to("meta") for x in ks]
    tm = [x.to("meta") for x in ts]
    _same_geom(kindling.cat(km, dim), torch.cat(tm, dim))
    _same_geom(kindling.cat(tuple(ks), dim=dim), rt)


def test_cat_out(torch):
    ks, ts = _both(torch, [np.ones((2, 3), "float32"), np.zeros((1, 3), "float32")])
    ok, ot = kindling.empty(3, 3), torch.empty(3, 3)
    rk, rt = kindling.cat(ks, out=ok), torch.cat(ts, out=ot)
    assert rk is ok and rt is ot
    _same_geom(ok, ot)
    assert ok._version == ot._version
    so, to_ = kindling.empty(0), torch.empty(0)
    kindling.stack(ks[:1] * 2, 1, out=so)
    torch.stack(ts[:1] * 2, 1, out=to_)
    _same_geom(so, to_)


def test_cat_noncontig(torch):
    k, t = _pair(torch, noncontig=True)
    _same_geom(kindling.cat([k, k], 1), torch.cat([t, t], 1))


CAT_ERRORS = [
    ([], 0, ValueError),
    ([np.ones((2, 2)), np.ones((3, 3))], 1, RuntimeError),
    ([np.ones((2, 3)), np.ones((3,))], 1, RuntimeError),
    ([np.ones((2, 3)), np.ones((2, 3))], 2, IndexError),
    ([np.ones(()), np.ones((2,))], 0, RuntimeError),
]


@pytest.mark.parametrize("i", range(len(CAT_ERRORS)))
def test_cat_errors(torch, i):
    arrays, dim, etype = CAT_ERRORS[i]
    ks, ts = _both(torch, arrays)
    with pytest.raises(etype) as et:
        torch.cat(ts, dim)
    with pytest.raises(etype, match=_re(str(et.value))):
        kindling.cat(ks, dim)


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_stack(torch, dim):
    ks, ts = _both(torch, [np.ones((2, 3), "float32"), np.arange(6).reshape(2, 3)])
    _same_geom(kindling.stack(ks, dim), torch.stack(ts, dim), view=False)


def test_stack_errors(torch):
    ks, ts = _both(torch, [np.ones(2), np.ones(3)])
    msg = "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1"
    with pytest.raises(RuntimeError, match=_re(msg)):
        torch.stack(ts)
    with pytest.raises(RuntimeError, match=_re(msg)):
        kindling.stack(ks)
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        kindling.stack([])


@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("fn", [
    lambda m, x: m.flip(x, [0]), lambda m, x: x.flip(0, 2), lambda m, x: x.flip((-1,)),
    lambda m, x: x.flip([]), lambda m, x: m.fliplr(x), lambda m, x: m.flipud(x),
    lambda m, x: m.roll(x, 1), lambda m, x: x.roll(-2, 2), lambda m, x: m.roll(x, (1, 5), (0, 1)),
])
def test_flip_roll(torch, fn, noncontig):
    k, t = _pair(torch, noncontig=noncontig)
    rk, rt = fn(kindling, k), fn(torch, t)
    _same_geom(rk, rt, view=False)
    _same_geom(fn(kindling, k.to("meta")), fn(torch, t.to("meta")))


def test_flip_roll_errors(torch):
    k, t = _pair(torch)
    for f in (lambda m, x: x.flip(0, 0), lambda m, x: m.roll(x, 1, (0, 1))):
        with pytest.raises(RuntimeError) as et:
            f(torch, t)
        with pytest.raises(RuntimeError, match=_re(str(et.value))):
            f(kindling, k)
