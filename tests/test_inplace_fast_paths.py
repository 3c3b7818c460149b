"""The fused in-place fronts of the optimizers' hot ops (``mul_``/``add_``... of a Python
number, ``add_``/``sub_`` with ``alpha``,
``addcmul_``, ``addcdiv_``, ``lerp_`` with a number weight) give the functional op's exact
bits, return ``self``, bump its version once, and leave the other layouts (0-d, broadcast,
non-contiguous ``self``, mixed dtypes) to the generic kernels; values agree with PyTorch."""
import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")

OPS = {
    "add_alpha": (lambda a, b, c: a.add_(b, alpha=0.3), lambda T, a, b, c: T.add(a, b, alpha=0.3)),
    "sub_alpha": (lambda a, b, c: a.sub_(b, alpha=-2), lambda T, a, b, c: T.sub(a, b, alpha=-2)),
    "addcmul_": (lambda a, b, c: a.addcmul_(b, c, value=-0.37),
                 lambda T, a, b, c: T.addcmul(a, b, c, value=-0.37)),
    "addcdiv_": (lambda a, b, c: a.addcdiv_(b, c, value=0.013),
                 lambda T, a, b, c: T.addcdiv(a, b, c, value=0.013)),
    "mul_number": (lambda a, b, c: a.mul_(0.9), lambda T, a, b, c: T.mul(a, 0.9)),
    "div_int": (lambda a, b, c: a.div_(3), lambda T, a, b, c: T.div(a, 3)),
    "add_number": (lambda a, b, c: a.add_(-1e-3), lambda T, a, b, c: T.add(a, -1e-3)),
    "lerp_small": (lambda a, b, c: a.lerp_(b, 0.1), lambda T, a, b, c: T.lerp(a, b, 0.1)),
    "lerp_large": (lambda a, b, c: a.lerp_(b, 0.9), lambda T, a, b, c: T.lerp(a, b, 0.9)),
}

LAYOUTS = ("plain", "zero_dim", "transposed_self")  # (self non-contiguous, others not)


def _arrays(dt, layout):
    rng = np.random.default_rng(0)
    a, b, c = (rng.uniform(0.5, 1.5, (4, 5)).astype(dt) for _ in range(3))
    if layout == "zero_dim":
        return np.array(a[0, 0]), np.array(b[0, 0]), np.array(c[0, 0])
    return a, b, c


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", list(OPS))
def test_fast_inplace_matches_functional_and_torch(op, layout, dt):
    inplace, functional = OPS[op]
    a0, b0, c0 = _arrays(dt, layout)
    a, b, c = (kindling.from_numpy(np.array(x)) for x in (a0, b0, c0))
    if layout == "transposed_self":
        a = kindling.from_numpy(np.ascontiguousarray(a0.T)).t()
    ref = functional(kindling, a, b, c).numpy().copy()
    v = a._version
    r = inplace(a, b, c)
    assert r is a and a._version == v + 1
    np.testing.assert_array_equal(a.numpy(), ref)
    ta, tb, tc = (torch.from_numpy(np.array(x)) for x in (a0, b0, c0))
    inplace(ta, tb, tc)
    np.testing.assert_allclose(a.numpy(), ta.numpy(), rtol=1e-6 if dt == np.float32 else 1e-12)


def test_broadcast_and_mixed_dtype_take_the_generic_kernel():
    for T in (kindling, torch):
        a = T.ones(2, 3)
        r = a.addcmul_(T.ones(3), T.full((2, 1), 2.0), value=0.5)
        assert r is a and a.tolist() == [[2.0] * 3] * 2
        b = T.ones(3, dtype=T.float64)
        b.add_(T.ones(3), alpha=2)
        assert b.dtype == T.float64 and b.tolist() == [3.0] * 3


def test_no_floating_point_warnings():
    """1/0, 0/0 and overflow in the fronts are silent, as in PyTorch (and the generic
    kernels), even under a filter that records every warning."""
    import warnings
    for T in (kindling, torch):
        a, z = T.ones(3), T.zeros(3)
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            a.div_(0)
            z.div_(0.0)
            T.full((3,), 3e38).add_(T.full((3,), 3e38), alpha=2)
            T.ones(3).addcdiv_(T.ones(3), T.zeros(3), value=1)
            T.ones(3).lerp_(T.full((3,), float("inf")), 0.9)
        assert [str(w.message) for w in ws] == [], T.__name__
        assert a.tolist() == [float("inf")] * 3


@pytest.mark.parametrize("op", list(OPS))
def test_parameter_self_under_no_grad(op):
    """An optimizer's call: ``self`` an ``nn.Parameter`` (a subclass without a Python key),
    updated under no_grad - the fused path, the same bits, the Parameter kept."""
    inplace, functional = OPS[op]
    a0, b0, c0 = _arrays(np.float32, "plain")
    p = kindling.nn.Parameter(kindling.from_numpy(a0.copy()))
    b, c = kindling.from_numpy(b0), kindling.from_numpy(c0)
    ref = functional(kindling, kindling.from_numpy(a0.copy()), b, c).numpy().copy()
    with kindling.no_grad():
        r = inplace(p, b, c)
    assert r is p and type(p) is kindling.nn.Parameter and p.requires_grad
    np.testing.assert_array_equal(p.detach().numpy(), ref)
