"""Complex normal samples (``randn``, ``randn_like``, ``normal_``) bit for bit as PyTorch's CPU
generator draws them: the real view filled as one float tensor, each part with half the
variance."""
import pytest

import kindling

torch = pytest.importorskip("torch")


def _draws(T, dtype_name):
    dt = getattr(T, dtype_name)
    out = []
    for shape in ((3,), (5, 4), (2, 3, 5), (0,), (17,)):
        T.manual_seed(3)
        out.append(T.randn(*shape, dtype=dt).tolist())
    T.manual_seed(1)
    x = T.empty(6, 5, dtype=dt).t()  # (not contiguous: filled in memory order)
    x.normal_(2.0, 3.0)
    out.append(x.tolist())
    T.manual_seed(2)
    out.append(T.randn_like(T.empty(4, 7, dtype=dt)).tolist())
    out.append(T.randn(2, dtype=dt).tolist())  # (the generator state carried on)
    return out


@pytest.mark.parametrize("dtype_name", ["complex64", "complex128"])
def test_complex_normal_matches_pytorch(dtype_name):
    assert _draws(kindling, dtype_name) == _draws(torch, dtype_name)


def _uniform_draws(T, dtype_name):
    dt = getattr(T, dtype_name)
    out = []
    for shape in ((3,), (5, 4), (0,), (17,)):
        T.manual_seed(4)
        out.append(T.rand(*shape, dtype=dt).tolist())
    T.manual_seed(5)
    out.append(T.empty(6, 5, dtype=dt).t().uniform_(2.0, 5.0).tolist())  # (memory order)
    T.manual_seed(6)
    out.append(T.rand_like(T.empty(4, 7, dtype=dt)).tolist())
    out.append(T.rand(2, dtype=dt).tolist())
    return out


@pytest.mark.parametrize("dtype_name", ["complex64", "complex128"])
def test_complex_uniform_matches_pytorch(dtype_name):
    # (PyTorch's uniform_impl_ fills view_as_real of a complex tensor as one float tensor)
    assert _uniform_draws(kindling, dtype_name) == _uniform_draws(torch, dtype_name)


@pytest.mark.parametrize("dtype_name,args", [("complex64", (3.0, 2.0)), ("int64", ()),
                                             ("bool", ())])
def test_uniform_errors_match_pytorch(dtype_name, args):
    from _parity import outcome

    def case(T):
        return T.empty(2, dtype=getattr(T, dtype_name)).uniform_(*args)
    k, t = outcome(kindling, case), outcome(torch, case)
    assert k == t and k[0] in ("RuntimeError", "NotImplementedError")
