"""Tensor.__getitem__ / __setitem__ and aten.index / index_put_ against PyTorch."""
import random
import re
import warnings

import numpy as np
import pytest

import kindling


def _pair(torch, shape=(4, 5, 6), dtype="float32", noncontig=False):
    a = np.arange(int(np.prod(shape))).astype(dtype).reshape(shape)
    k, t = kindling.from_numpy(a.copy()), torch.from_numpy(a.copy())
    if noncontig:
        k, t = k.transpose(0, -1), t.transpose(0, -1)
    return k, t


class T:
    """An index tensor described once (int64 unless dtype given), built for either framework."""

    def __init__(self, data, dtype="int64"):
        self.data, self.dtype = np.array(data, dtype=dtype), dtype

    def build(self, m):
        return m.from_numpy(self.data.copy())

    def __repr__(self):
        return f"T({self.data.tolist()}, {self.dtype})"


def _conv(idx, m):
    if isinstance(idx, T):
        return idx.build(m)
    if isinstance(idx, tuple):
        return tuple(_conv(i, m) for i in idx)
    if isinstance(idx, list):
        return [_conv(i, m) for i in idx]
    return idx


S = slice
INDEXES = [
    0, -1, 3, S(None), S(1, 3), S(None, None, 2), S(-3, None), S(2, 100), S(100, None),
    S(-100, 2), S(3, 1), S(1, 5, 3), None, Ellipsis, True, False, (), (0, 1), (0, 1, 2),
    (-1, S(None), 2), (Ellipsis, 0), (0, Ellipsis), (None, 0, None, S(1, 3)),
    (Ellipsis, None), (S(None), None, S(None), 1), (1, Ellipsis, None, 2), (True, 0),
    (0, True, S(None)), (False, 1),
    [0, 2], [[0, 1], [2, 3]], [-1, 0, -1], [True, False, True, False], (S(None), [0, 4]),
    (S(None), [1, 0], [2, 3]), ([0, 1], S(None), [0, 1]), ([0, 1], 2, [0, 1]),
    (1, S(None), [0, 1]), (S(1, None), [0, 1], 2), ([0, 1], Ellipsis), (Ellipsis, [0, 5]),
    (S(None), [0, 1], S(None), None), (None, [0, 1], None, [1, 2]),
    T([0, 3]), T([[1], [2]]), T(2), T(-1), T(True, "bool"), T(False, "bool"),
    T([True, False, True, True], "bool"), (S(None), T([True] * 4 + [False], "bool")),
    T(np.arange(20).reshape(4, 5) % 3 == 0, "bool"),
    (T(np.arange(20).reshape(4, 5) % 3 == 0, "bool"), T([1, 0, 2, 3, 4, 5, 0])),
    (T([0, 1]), S(None), T([[0], [1]])), (T([[0, 1]]), T([[1], [2]]), T([0, 3])),
    (T([0, 1], "int32"), T([2, 3], "int32")), (Ellipsis, T([0, 1]), None),
    (T([], "int64"), S(None)), (S(None), T([1, 1, 1]), T(0)),
    np.int64(2), (np.int32(1), S(None)), (T([0, 1, 2, 3], "uint8"),),
]


def _ids(i):
    return repr(INDEXES[i])[:40]


@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("i", range(len(INDEXES)), ids=[_ids(i) for i in range(len(INDEXES))])
def test_getitem(torch, i, noncontig):
    k, t = _pair(torch, noncontig=noncontig)
    idx = INDEXES[i]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            rt = t[_conv(idx, torch)]
        except (IndexError, RuntimeError) as e:
            with pytest.raises(type(e), match=re.escape(str(e))):
                k[_conv(idx, kindling)]
            return
        rk = k[_conv(idx, kindling)]
    assert tuple(rk.shape) == tuple(rt.shape)
    np.testing.assert_array_equal(rk.numpy(), rt.numpy())
    assert rk._is_view() == rt._is_view()
    if rt._is_view() or not noncontig:
        assert rk.stride() == rt.stride() or rk.numel() == 0
        assert rk.storage_offset() == rt.storage_offset()
    if rt._is_view():
        root = k._base if k._base is not None else k
        assert rk._base is root
        assert rk.untyped_storage().data_ptr() == k.untyped_storage().data_ptr()
        if rk.numel():
            # writes through the view are visible in the base
            rk.fill_(-7)
            rt.fill_(-7)
            np.testing.assert_array_equal(k.numpy(), t.numpy())
            assert k._version == 1


@pytest.mark.parametrize("i", range(len(INDEXES)), ids=[_ids(i) for i in range(len(INDEXES))])
def test_getitem_meta(torch, i):
    idx = INDEXES[i]
    if any(isinstance(x, T) and x.dtype in ("bool", "uint8") and x.data.ndim
           for x in (idx if isinstance(idx, tuple) else (idx,))):
        pytest.skip("boolean masks need data (nonzero) on meta")
    k, t = _pair(torch)
    k, t = k.to("meta"), t.to("meta")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            rt = t[_conv(idx, torch)]
        except Exception:
            pytest.skip("torch fails on meta")
        ik = _conv(idx, kindling)
        ik = tuple(x.to("meta") if isinstance(x, kindling.Tensor) and x.dim() else x
                   for x in (ik if isinstance(ik, tuple) else (ik,)))
        if not isinstance(idx, tuple):
            ik = ik[0]
        rk = k[ik]
    assert tuple(rk.shape) == tuple(rt.shape)
    if rt._is_view():
        assert rk.stride() == rt.stride() and rk.storage_offset() == rt.storage_offset()


def _random_index(rng, shape):
    parts = []
    dims = list(shape)
    used = 0
    ell = False
    while used < len(dims) and rng.random() < 0.8:
        n = dims[used]
        c = rng.random()
        if c < 0.2:
            parts.append(rng.randrange(-n, n))
            used += 1
        elif c < 0.45:
            a = rng.choice([None, rng.randrange(-n - 2, n + 2)])
            b = rng.choice([None, rng.randrange(-n - 2, n + 2)])
            parts.append(S(a, b, rng.choice([None, 1, 2, 3])))
            used += 1
        elif c < 0.55:
            parts.append(None)
        elif c < 0.62 and not ell:
            parts.append(Ellipsis)
            ell = True
            used = len(dims) - (len(dims) - used) // 2
        elif c < 0.85:
            m = rng.randrange(1, 4)
            parts.append(T([rng.randrange(-n, n) for _ in range(m)] if rng.random() < .5
                           else [[rng.randrange(-n, n)] for _ in range(m)]))
            used += 1
        else:
            parts.append(T([rng.random() < 0.5 for _ in range(n)], "bool"))
            used += 1
    return tuple(parts)


def test_getitem_random(torch):
    rng = random.Random(1234)
    shape = (3, 4, 5, 2)
    a = np.arange(120, dtype=np.float32).reshape(shape)
    k, t = kindling.from_numpy(a.copy()), torch.from_numpy(a.copy())
    checked = 0
    for _ in range(400):
        idx = _random_index(rng, shape)
        try:
            rt = t[_conv(idx, torch)]
        except (IndexError, RuntimeError) as e:
            with pytest.raises(type(e)):
                k[_conv(idx, kindling)]
            continue
        rk = k[_conv(idx, kindling)]
        assert tuple(rk.shape) == tuple(rt.shape), idx
        np.testing.assert_array_equal(rk.numpy(), rt.numpy())
        assert rk._is_view() == rt._is_view(), idx
        if rt.numel():
            assert rk.stride() == rt.stride(), idx
            assert rk.storage_offset() == rt.storage_offset(), idx
        checked += 1
    assert checked > 200


SET_CASES = [
    (0, 5.0), (S(1, 3), -1), ((Ellipsis, 1), 2), ((0, S(None), 2), [[9.0]]),
    (None, 3), ((S(None), 0), [1, 2, 3, 4, 5, 6]), ([0, 2], 7), ((S(None), [1, 0], [2, 3]), 1.5),
    (T([True, False, True, False], "bool"), -2), (T(np.arange(20).reshape(4, 5) % 3 == 0,
                                                      "bool"), 4),
    (([0, 1], S(None), [0, 1]), [1.0, 2, 3, 4, 5]), (([0, 0], 0, 0), [1.0, 2.0]),
    ((T(1), 2), 11), (True, 8), (False, 8), ((), 1), (Ellipsis, [[1], [2], [3], [4], [5]]),
    (0, [[[1, 2, 3, 4, 5, 6]]]),
]


@pytest.mark.parametrize("i", range(len(SET_CASES)))
def test_setitem(torch, i):
    idx, val = SET_CASES[i]
    k, t = _pair(torch)
    vk = kindling.tensor(val) if isinstance(val, list) else val
    vt = torch.tensor(val) if isinstance(val, list) else val
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t[_conv(idx, torch)] = vt
        k[_conv(idx, kindling)] = vk
    np.testing.assert_array_equal(k.numpy(), t.numpy())
    assert k._version == t._version == (0 if idx is False else 1)


def test_setitem_through_view_bumps_base(torch):
    k, t = _pair(torch)
    for x in (k, t):
        v = x[1:]
        v[0, [1, 2]] = 3.0
        assert x._version == v._version == 1
        v[..., 0] = x[0, 0, 0]
        assert x._version == 2
    np.testing.assert_array_equal(k.numpy(), t.numpy())


def test_setitem_dtype_cast(torch):
    k, t = _pair(torch)
    k[0] = kindling.ones(6, dtype=kindling.int64)
    t[0] = torch.ones(6, dtype=torch.int64)
    np.testing.assert_array_equal(k.numpy(), t.numpy())


SET_ERRORS = [
    ((0,), lambda m: m.ones(7), RuntimeError),
    (([0],), lambda m: m.ones(7), RuntimeError),
    ((0,), lambda m: "a", TypeError),
    ((0,), lambda m: [1, 2], TypeError),
    ((S(None, None, -1),), lambda m: 1, ValueError),
    ((9,), lambda m: 1, IndexError),
]


@pytest.mark.parametrize("i", range(len(SET_ERRORS)))
def test_setitem_errors(torch, i):
    idx, val, etype = SET_ERRORS[i]
    k, t = _pair(torch)
    with pytest.raises(etype) as et:
        t[idx] = val(torch)
    with pytest.raises(etype, match=re.escape(str(et.value))):
        k[idx] = val(kindling)


GET_ERRORS = [
    (5, IndexError), ((0, 7), IndexError), ((0, 0, 0, 0), IndexError), (S(None, None, -1),
                                                                           ValueError),
    (S(None, None, 0), ValueError), (0.5, IndexError), (T([9]), IndexError),
    (T([1.0], "float32"), IndexError), (T([True], "bool"), IndexError),
    ((T([0, 1]), T([0, 1, 2])), IndexError), ((Ellipsis, Ellipsis), None),
]


@pytest.mark.parametrize("i", range(len(GET_ERRORS)))
def test_getitem_errors(torch, i):
    idx, etype = GET_ERRORS[i]
    k, t = _pair(torch)
    try:
        t[_conv(idx, torch)]
    except Exception as e:
        assert etype is not None and isinstance(e, etype)
        with pytest.raises(type(e), match=re.escape(str(e))):
            k[_conv(idx, kindling)]
        return
    assert etype is None


def test_getitem_0d(torch):
    k, t = kindling.tensor(3.0), torch.tensor(3.0)
    for idx in ((), Ellipsis, None, (None, None), True):
        assert tuple(k[idx].shape) == tuple(t[idx].shape)
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        k[0]


def test_index_ops(torch):
    k, t = _pair(torch)
    ik = [None, kindling.tensor([0, 1])]
    it = [None, torch.tensor([0, 1])]
    rk, rt = kindling.ops.aten.index.Tensor(k, ik), t[:, [0, 1]]
    np.testing.assert_array_equal(rk.numpy(), rt.numpy())
    v = np.ones((4, 2, 6), np.float32)
    # (None in the indices: torch.ops only, the torch.index_put binding refuses it)
    ok = kindling.ops.aten.index_put(k, ik, kindling.from_numpy(v.copy()), True)
    ot = t.clone()
    ot[:, [0, 1]] += torch.from_numpy(v.copy())
    np.testing.assert_array_equal(ok.numpy(), ot.numpy())
    assert k._version == 0
    k.index_put_((kindling.tensor([0, 0]),), kindling.tensor(1.0), accumulate=True)
    t.index_put_((torch.tensor([0, 0]),), torch.tensor(1.0), accumulate=True)
    np.testing.assert_array_equal(k.numpy(), t.numpy())
    assert k._version == t._version == 1
    with pytest.raises(RuntimeError, match="Index put requires the source and destination"):
        k.index_put_((kindling.tensor([0]),), kindling.tensor(1))
    with pytest.raises(RuntimeError, match=re.escape(
            "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result "
            "of shape [2, 5, 6]")):
        k.index_put_((kindling.tensor([0, 1]),), kindling.ones(3))
    km = k.to("meta")
    r = kindling.ops.aten.index.Tensor(km, [None, kindling.tensor([[0, 1]]).to("meta")])
    assert tuple(r.shape) == (4, 1, 2, 6)
