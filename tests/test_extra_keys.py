"""Conjugate / Negative views and zero tensors (their dispatch keys and fallbacks), vs PyTorch."""
import numpy as np
import pytest

import kindling
from kindling import _C


def _bits(t):
    return (t.is_conj(), t.is_neg(), t._is_zerotensor())


def _both(torch, script):
    return script(kindling), script(torch)


# ---- keys on tensors ------------------------------------------------------------------------
def test_math_bit_keys_on_tensors(torch):
    def s(m):
        x = m.tensor([1.0 + 2j, 3 - 1j])
        r = m.tensor([1.0, 2.0])
        return [repr(m._C._dispatch_keys(t)) for t in (
            x.conj(), r._neg_view(), m._efficientzerotensor(2, 3), r, x.conj()._neg_view())]
    k, t = _both(torch, s)
    assert k == t


def test_testing_only_keys_are_key_names():
    for n in ("TESTING_ONLY_GenericMode", "TESTING_ONLY_GenericWrapper"):
        assert _C.DispatchKeySet(n).highestPriorityTypeId().name == n
        with kindling.library._scoped_library("_", "IMPL") as lib:
            lib.fallback(kindling.library.fallthrough_kernel, n)


# ---- conjugate views ------------------------------------------------------------------------
def test_conj_views(torch):
    def s(m):
        x = m.tensor([1.0 + 2j, 3 - 1j])
        c = x.conj()
        r = m.tensor([1.0, 2.0])
        out = [_bits(c), _bits(c.clone()), _bits(c.view(2)), _bits(c[0]), _bits(c + 0),
               _bits(c.resolve_conj()), _bits(c.conj_physical()), c.resolve_conj().tolist(),
               _bits(c.reshape(1, 2)), c.reshape(1, 2).resolve_conj().tolist(),
               m.ops.aten.conj.default(x).is_conj(), m.ops.aten._conj.default(x).is_conj(),
               r.conj() is r, r.conj().is_conj(), m.resolve_conj(r) is r, r.conj_physical() is r,
               x.conj().conj().is_conj(), (c * 2).tolist(), c.sum().item(),
               m.conj_physical(x).tolist(), m.is_conj(c), c._base is x]
        c.mul_(2)  # writes through to x, conjugated
        out += [x.tolist(), c.resolve_conj().tolist(), c.is_conj()]
        c.copy_(m.tensor([5.0 + 5j, 1j]))
        out += [x.tolist(), c.resolve_conj().tolist()]
        return out
    k, t = _both(torch, s)
    assert k == t


def test_conj_of_real_and_physical(torch):
    def s(m):
        r = m.tensor([1.0, -2.0])
        y = m.tensor([1 + 1j, 2 - 3j])
        z = y.clone()
        z.conj_physical_()
        return [m.ops.aten._conj_physical.default(r) is r, m.conj(r) is r, z.tolist(),
                m.ops.aten._conj_physical.default(y.conj()).tolist()]
    k, t = _both(torch, s)
    assert k == t


# ---- negative views -------------------------------------------------------------------------
def test_neg_views(torch):
    def s(m):
        r = m.tensor([1.0, 2.0])
        n = r._neg_view()
        out = [_bits(n), _bits(n._neg_view()), n.resolve_neg().tolist(), _bits(n.clone()),
               _bits(n.view(2)), _bits(n * 1), (n * 1).tolist(), n.sum().item(), n[0].item(),
               _bits(n.resolve_neg()), m.mm(m.ones(2, 2)._neg_view(), m.ones(2, 2)).tolist(),
               [t.is_neg() for t in m.ones(4)._neg_view().split(2)],
               m.ones(2, 2).t()._neg_view().t().resolve_neg().tolist(), n._base is r]
        n.add_(1)
        out += [r.tolist(), n.resolve_neg().tolist(), n.is_neg()]
        b = m.ones(2)
        b.copy_(n)
        out += [b.tolist()]
        n.copy_(m.tensor([5.0, 6.0]))
        out += [r.tolist(), n.resolve_neg().tolist()]
        q = m.tensor([1 + 1j])
        out += [_bits(q._neg_view().conj()), q._neg_view().conj().resolve_conj().resolve_neg()
                .tolist(), q.conj()._neg_view().resolve_neg().resolve_conj().tolist()]
        return out
    k, t = _both(torch, s)
    assert k == t


def test_neg_view_version_counter():
    r = kindling.tensor([1.0, 2.0])
    n = r._neg_view()
    v = r._version
    n.add_(1)
    assert r._version == n._version > v


def test_override_neg_with_neg_view():
    x = kindling.tensor([1.0, 2.0])
    with kindling.library._scoped_library("aten", "IMPL") as lib:
        lib.impl("neg", lambda x: x._neg_view(), "AutogradCPU")
        y = kindling.neg(x)
        assert y.is_neg() and y.resolve_neg().tolist() == [-1.0, -2.0]
    assert not kindling.neg(x).is_neg()


# ---- zero tensors ---------------------------------------------------------------------------
def test_zero_tensors(torch):
    def s(m):
        z = m._efficientzerotensor(2, 3)
        o = m.ones(2, 3)
        return [z._is_zerotensor(), (z * o)._is_zerotensor(), (z + o)._is_zerotensor(),
                (z + o).tolist(), m.mul(o, z)._is_zerotensor(), z.sin()._is_zerotensor(),
                z.clone()._is_zerotensor(), z[0]._is_zerotensor(), z.view(3, 2)._is_zerotensor(),
                (z + z)._is_zerotensor(), (z - z)._is_zerotensor(), (z * 2)._is_zerotensor(),
                (z + 1)._is_zerotensor(), z.sum().item(), z.clone().tolist(), str(z.dtype),
                m._efficientzerotensor(2, dtype=m.float64).dtype == m.float64,
                tuple(m._efficientzerotensor(2, device="meta").shape),
                z._neg_view()._is_zerotensor(), (o / m._efficientzerotensor(2, 3)).tolist()]
    k, t = _both(torch, s)
    assert k == t


def test_zero_tensors_are_immutable(torch):
    def s(m):
        z = m._efficientzerotensor(2)
        try:
            z.add_(1)
        except RuntimeError as e:
            return str(e)
    k, t = _both(torch, s)
    assert k == t == ("ZeroTensors are immutable. Please use the materialized zero tensor "
                      "obtained using .clone() if you want a mutable tensor.")


def test_zero_tensor_kernel_overridable():
    x = kindling.tensor([1.0, 2.0])
    y = kindling._efficientzerotensor(2)
    assert kindling.mul(x, y)._is_zerotensor()
    with kindling.library._scoped_library("aten", "IMPL") as lib:
        lib.impl("mul.Tensor", lambda a, b: kindling.zeros_like(a), "ZeroTensor")
        assert not kindling.mul(x, y)._is_zerotensor()
    assert kindling.mul(x, y)._is_zerotensor()


def test_fallbacks_listed_for_ops(torch):
    for key in ("Conjugate", "Negative", "ZeroTensor"):
        assert _C._dispatch_has_backend_fallback(key) == \
            torch._C._dispatch_has_backend_fallback(getattr(torch._C.DispatchKey, key))


def test_mode_sees_materialized_calls():
    lt = pytest.importorskip("kindling.testing._internal.logging_tensor")
    n = kindling.tensor([1.0, 2.0])._neg_view()
    with lt.capture_logs(is_mode=True) as logs, lt.LoggingTensorMode():
        r = n * 2
    assert r.tolist() == [-2.0, -4.0] and not r.is_neg()
    assert any("aten.mul.Tensor" in line for line in logs)


def test_meta_neg_view():
    m = kindling.ones(2, 3, device="meta")._neg_view()
    assert m.is_neg() and m.is_meta
    assert tuple((m + 1).shape) == (2, 3)
    np.testing.assert_array_equal(kindling.ones(2)._neg_view().resolve_neg().numpy(), [-1, -1])


def test_conj_and_neg_views_print_and_convert_resolved(torch):
    """repr and tolist show the logical values of conjugate/negative views; numpy() refuses."""
    kc = kindling.tensor([1 + 2j, 3 - 1j]).conj()
    tc = torch.tensor([1 + 2j, 3 - 1j]).conj()
    kn = kindling.tensor([1.0, 2.0])._neg_view()
    tn = torch.tensor([1.0, 2.0])._neg_view()
    assert repr(kc) == repr(tc) and kc.tolist() == tc.tolist()
    assert repr(kn) == repr(tn) and kn.tolist() == tn.tolist()
    for k, t in ((kc, tc), (kn, tn)):
        with pytest.raises(RuntimeError) as ke:
            k.numpy()
        with pytest.raises(RuntimeError) as te:
            t.numpy()
        assert str(ke.value) == str(te.value)
