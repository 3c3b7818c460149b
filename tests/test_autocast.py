"""torch.autocast on CPU: the AutocastCPU key, its policies and its TLS switches, vs PyTorch."""
import warnings

import pytest

import kindling
from kindling.library import _scoped_library, fallthrough_kernel


def _dtypes(m, lp="bfloat16"):
    a, b = m.ones(2, 3), m.ones(3, 2)
    v, c, w = m.ones(3), m.ones(2, 2), m.ones(2)
    B, B2 = m.ones(2, 2, 3), m.ones(2, 3, 2)
    return [str(x.dtype) for x in (
        m.mm(a, b), m.matmul(a, b), m.mv(a, v), m.addmv(w, a, v), m.addmm(c, a, b),
        m.bmm(B, B2), m.dot(v, v), m.matmul(v, v), a + a, m.mm(a.double(), b.double()),
        m.mm(a.long(), b.long()), m.prod(a.to(getattr(m, lp))), m.stack([a.to(getattr(m, lp)), a]),
        m.cat([a.to(getattr(m, lp)), a.to(getattr(m, lp))]), m.cat([a.double(), a]),
        m.cat([a.double(), a.to(getattr(m, lp))]))]


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_policies_match_torch(torch, dtype):
    with kindling.autocast("cpu", dtype=getattr(kindling, dtype)):
        k = _dtypes(kindling, dtype)
    with torch.autocast("cpu", dtype=getattr(torch, dtype)):
        t = _dtypes(torch, dtype)
    assert k == t
    assert _dtypes(kindling) == _dtypes(torch)


def test_prioritize_error(torch):
    for m in (kindling, torch):
        with m.autocast("cpu", dtype=m.float16), pytest.raises(
                RuntimeError, match="Unexpected floating ScalarType in at::autocast::prioritize"):
            m.cat([m.ones(1).bfloat16(), m.ones(1).half()])


def test_state_functions(torch):
    def s(m):
        out = [m.is_autocast_enabled("cpu"), str(m.get_autocast_dtype("cpu")),
               m.is_autocast_enabled()]
        with m.autocast("cpu", dtype=m.float16):
            out += [m.is_autocast_enabled("cpu"), m.is_autocast_enabled(),
                    str(m.get_autocast_dtype("cpu")),
                    m._C._dispatch_tls_local_exclude_set().has(m._C.DispatchKey.AutocastCPU)]
            with m.autocast("cpu", enabled=False):
                out += [m.is_autocast_enabled("cpu"), str(m.mm(m.ones(1, 1), m.ones(1, 1)).dtype)]
            out += [m.is_autocast_enabled("cpu")]
        out += [m.is_autocast_enabled("cpu"), str(m.get_autocast_dtype("cpu")),
                repr(m._C._dispatch_tls_local_exclude_set())]
        return out
    assert s(kindling) == s(torch)


def test_errors_and_warnings(torch):
    def s(m):
        out = []
        for args in (("foo",), (3,)):
            try:
                with m.autocast(*args):
                    pass
            except Exception as e:  # noqa: BLE001
                out.append((type(e).__name__, str(e)))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with m.autocast("cpu", dtype=m.int32):
                out.append((str(m.mm(m.ones(1, 1), m.ones(1, 1)).dtype),
                            m.is_autocast_enabled("cpu")))
            with m.autocast("cuda"):
                out.append(m.is_autocast_enabled("cuda"))
        out.append([str(x.message) for x in w])
        return out
    assert s(kindling) == s(torch)


def test_decorator_and_amp_module(torch):
    for m in (kindling, torch):
        @m.autocast("cpu")
        def f(a, b):
            return m.mm(a, b)
        assert f(m.ones(2, 2), m.ones(2, 2)).dtype == m.bfloat16
        assert m.mm(m.ones(2, 2), m.ones(2, 2)).dtype == m.float32
        assert m.amp.autocast is m.autocast
        assert m.amp.is_autocast_available("cpu")
        assert not m.amp.is_autocast_available("meta")


def test_autocast_backward():
    x = kindling.ones(2, 3, requires_grad=True)
    b = kindling.ones(3, 2)
    with kindling.autocast("cpu"):
        y = kindling.mm(x, b)
    assert y.dtype == kindling.bfloat16 and y.requires_grad
    y.float().sum().backward()
    assert x.grad.dtype == kindling.float32
    assert x.grad.tolist() == [[2.0, 2.0, 2.0]] * 2


def test_register_fallthrough():
    a, b = kindling.ones(2, 3), kindling.ones(3, 2)
    with _scoped_library("aten", "IMPL") as lib:
        lib.impl("mm", fallthrough_kernel, "AutocastCPU")
        with kindling.autocast(device_type="cpu", dtype=kindling.bfloat16):
            assert kindling.mm(a, b).dtype == kindling.float32
            assert kindling.matmul(a, b).dtype == kindling.bfloat16
    with kindling.autocast(device_type="cpu", dtype=kindling.bfloat16):
        assert kindling.mm(a, b).dtype == kindling.bfloat16


def test_state_is_per_thread():
    import threading
    seen = []
    with kindling.autocast("cpu"):
        th = threading.Thread(target=lambda: seen.append(kindling.is_autocast_enabled("cpu")))
        th.start()
        th.join()
        assert kindling.is_autocast_enabled("cpu")
    assert seen == [False]


def test_register_autocast_for_custom_op(torch):
    def s(m):
        with m.library._scoped_library("kl_autocast_ns", "FRAGMENT") as lib:
            lib.define("f(Tensor x) -> Tensor")
            lib.impl("f", lambda x: x.clone(), "CPU")
            m.library.register_autocast("kl_autocast_ns::f", "cpu", m.float16, lib=lib)
            x = m.ones(2)
            with m.autocast("cpu"):
                inside = str(m.ops.kl_autocast_ns.f(x).dtype)
            return inside, str(m.ops.kl_autocast_ns.f(x).dtype)
    assert s(kindling) == s(torch) == ("torch.float16", "torch.float32")
