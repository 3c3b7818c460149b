"""igamma/igammac, the Bessel and Airy functions and the orthogonal polynomials of
``torch.special`` against PyTorch: values over wide grids in float64 and float32 (boundary
cases, the asymptotic regime, poles, zeros, |x| > 1, negative/NaN/huge degrees), result dtypes
and refusals, Scalar overloads and ``out=``, gradients (igamma's ``other``; ``self`` refused),
forward AD refused before the op runs, and the outputs that are not differentiable."""
import numpy as np
import pytest

import kindling
from _parity import dispatch_log, outcome

torch = pytest.importorskip("torch")

BESSEL = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0",
          "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
          "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0",
          "airy_ai"]
POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
               "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
               "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
               "laguerre_polynomial_l", "legendre_polynomial_p"]


def _assert_close(k, t, rtol, atol=0.0, tiny=0.0):
    """Same dtype, NaNs and infinities; finite values within rtol (atol below ``tiny``)."""
    assert k.dtype == t.dtype
    np.testing.assert_array_equal(np.isnan(k), np.isnan(t))
    inf = np.isinf(t)
    np.testing.assert_array_equal(k[inf], t[inf])
    fin = np.isfinite(t)
    big = fin & (np.abs(t) >= tiny)
    np.testing.assert_allclose(k[big], t[big], rtol=rtol, atol=atol)
    np.testing.assert_allclose(k[fin & ~big], t[fin & ~big], rtol=0, atol=max(tiny, atol))


def _gamma_grid():
    rng = np.random.default_rng(5)
    edge = [0, -0.0, 1e-300, 1e-10, 0.1, 0.5, 1, 1.1, 2, 10, 20, 20.5, 100, 199, 200, 201,
            1000, 1e5, 1e10, np.inf, np.nan, -1]
    a, x = (g.ravel() for g in np.meshgrid(edge, edge))
    near = rng.uniform(15, 3000, 1500)
    a = np.concatenate([a, rng.uniform(0, 5, 1500), 10 ** rng.uniform(-3, 4, 1500), near])
    x = np.concatenate([x, rng.uniform(0, 5, 1500), 10 ** rng.uniform(-3, 4, 1500),
                        near * rng.uniform(0.6, 1.4, 1500)])
    return a, x


@pytest.mark.parametrize("name", ["igamma", "igammac"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_incomplete_gamma_values_match_pytorch(name, dtype):
    a, x = (v.astype(dtype) for v in _gamma_grid())
    k = getattr(kindling, name)(kindling.from_numpy(a), kindling.from_numpy(x)).numpy()
    t = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(x)).numpy()
    if dtype == "float64":
        _assert_close(k, t, rtol=1e-12, tiny=1e-300)
    else:   # (float32's exp of large arguments: PyTorch's own error is ~1e-5 there)
        _assert_close(k, t, rtol=1e-4, tiny=1e-30)


def _bessel_grid():
    rng = np.random.default_rng(6)
    edge = [0, 1e-300, 1e-10, 1e-6, 1e-5, 0.5, 1, 2, 2.09, 2.0899999, 2.404825557695773,
            3.8317059702075125, 5, 5.000001, 8, 8.0000001, 8.3203353, 8.4, 10, 100, 103.892, 104,
            700, 710, 1e5, 1e10, 1e300, np.inf]
    return np.concatenate([edge, [-e for e in edge], [-0.0, np.nan], rng.uniform(-12, 12, 3000),
                           10 ** rng.uniform(-8, 3, 1000), -10 ** rng.uniform(-8, 3, 1000)])


@pytest.mark.parametrize("name", BESSEL)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bessel_values_match_pytorch(name, dtype):
    x = _bessel_grid().astype(dtype)
    k = getattr(kindling.special, name)(kindling.from_numpy(x)).numpy()
    t = getattr(torch.special, name)(torch.from_numpy(x)).numpy()
    if dtype == "float64":
        _assert_close(k, t, rtol=1e-12, atol=1e-15)
    else:   # (float32 near the zeros of J and Y: cancellation)
        _assert_close(k, t, rtol=1e-5, atol=5e-7)


def _polynomial_grid():
    rng = np.random.default_rng(7)
    xs = [0, -0.0, 1, -1, 0.5, -0.5, 1e-9, 0.9999999, 1.0000001, -1.0000001, 2, -2, 3.5, 1e10,
          np.inf, -np.inf, 0.3, 0.7, 0.25, 0.75]
    ns = [-1, -0.5, 0, 0.7, 1, 1.9, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 40, 100, 300, 513, 600, 1e30,
          -1e30, np.inf, -np.inf, np.nan]
    x, n = (g.ravel() for g in np.meshgrid(xs, ns))
    return (np.concatenate([x, rng.uniform(-1.2, 1.2, 1500), rng.uniform(-0.2, 1.2, 1500)]),
            np.concatenate([n, rng.integers(0, 30, 1500), rng.integers(0, 60, 1500)]))


@pytest.mark.parametrize("name", POLYNOMIALS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_polynomial_values_match_pytorch(name, dtype):
    # (NaN x is left out: PyTorch returns an uninitialised variable when its recurrence
    # never runs; kindling returns NaN there)
    x, n = (v.astype(dtype) for v in _polynomial_grid())
    k = getattr(kindling.special, name)(kindling.from_numpy(x), kindling.from_numpy(n)).numpy()
    t = getattr(torch.special, name)(torch.from_numpy(x), torch.from_numpy(n)).numpy()
    _assert_close(k, t, rtol=1e-13 if dtype == "float64" else 1e-6)


def test_polynomial_of_nan_with_low_degree_is_nan_or_one():
    for T in (kindling, torch):
        x = T.tensor([float("nan")] * 3, dtype=T.float64)
        r = T.special.chebyshev_polynomial_t(x, T.tensor([-1.0, 0.0, 1.0], dtype=T.float64))
        assert r[:2].tolist() == [0.0, 1.0] and r[2].isnan()


CASES = {
    **{f"{n}_{dt}": (lambda n, dt: lambda T: getattr(T.special, n)(
        T.tensor([1, 2, 3]).to(getattr(T, dt)) if dt != "complex64" else T.tensor([1j])))(n, dt)
       for n in BESSEL for dt in ("int64", "bool", "uint8", "float16", "bfloat16", "complex64",
                                  "float32")},
    **{f"{n}_{dt}": (lambda n, dt: lambda T: getattr(T.special, n)(
        T.tensor([0, 1, 2]).to(getattr(T, dt)) if dt != "complex64" else T.tensor([1j]),
        T.tensor([3, 2, 5]).to(getattr(T, dt)) if dt != "complex64" else T.tensor([2j])))(n, dt)
       for n in POLYNOMIALS for dt in ("int64", "bool", "float16", "bfloat16", "complex64")},
    **{f"{n}_x_scalar": (lambda n: lambda T: getattr(T.special, n)(0.375, T.tensor([3, 4])))(n)
       for n in POLYNOMIALS},
    **{f"{n}_n_scalar": (lambda n: lambda T: getattr(T.special, n)(
        T.tensor([0.25, 0.5], dtype=T.float64), 5))(n) for n in POLYNOMIALS},
    "bessel_kwarg_x": lambda T: T.special.airy_ai(x=T.tensor([1.0, -3.0])),
    "bessel_kwarg_input": lambda T: T.special.bessel_y1(input=T.tensor([1.0, 3.0])),
    "bessel_kwarg_x_scaled": lambda T: T.special.scaled_modified_bessel_k1(x=T.tensor([1.0])),
    "poly_kwargs": lambda T: T.special.legendre_polynomial_p(x=T.tensor([0.5]), n=T.tensor([3])),
    "poly_int_x_float_n": lambda T: T.special.chebyshev_polynomial_t(T.tensor([2]), 0.5),
    "poly_broadcast": lambda T: T.special.hermite_polynomial_h(T.ones(2, 1), T.tensor([1., 2.])),
    "poly_bad_shapes": lambda T: T.special.hermite_polynomial_h(T.ones(2), T.ones(3)),
    "poly_out": lambda T: T.special.chebyshev_polynomial_t(T.tensor([.2]), 2,
                                                           out=T.empty(0, dtype=T.float64)),
    "poly_out_long": lambda T: T.special.chebyshev_polynomial_t(T.tensor([.2]), 2,
                                                                out=T.empty(0, dtype=T.long)),
    "bessel_out": lambda T: T.special.bessel_j0(T.tensor([2.]), out=T.empty(1, dtype=T.float64)),
    "bessel_out_long": lambda T: T.special.bessel_j0(T.tensor([2.]),
                                                     out=T.empty(1, dtype=T.long)),
    "igamma_int": lambda T: T.igamma(T.tensor([1]), T.tensor([2])),
    "igamma_bool": lambda T: T.igamma(T.tensor([True]), T.tensor([True])),
    "igamma_half": lambda T: T.igamma(T.tensor([1.5, 2.0], dtype=T.float16),
                                      T.tensor([2.0, 1.0], dtype=T.float16)),
    "igammac_bfloat16": lambda T: T.igammac(T.tensor([1.5, 2.0], dtype=T.bfloat16),
                                            T.tensor([2.0, 1.0], dtype=T.bfloat16)),
    "igamma_mixed": lambda T: T.special.gammaincc(T.tensor([2.]),
                                                  T.tensor([3.], dtype=T.float64)),
    "igamma_scalar": lambda T: T.igamma(T.tensor([2.]), 3),
    "igamma_method": lambda T: T.tensor([2., 0.5]).igamma(T.tensor([3., 0.1])),
    "igammac_method": lambda T: T.tensor([2., 0.5]).igammac(T.tensor([3., 0.1])),
    "igamma_inplace": lambda T: T.tensor([2., 0.5]).igamma_(T.tensor([3., 0.1])),
    "igammac_inplace": lambda T: T.tensor([2., 0.5]).igammac_(T.tensor([3., 0.1])),
    "igamma_inplace_int": lambda T: T.tensor([2]).igamma_(T.tensor([3.])),
    "igamma_inplace_broadcast": lambda T: T.tensor([2.]).igamma_(T.tensor([3., 1.])),
    "igamma_out": lambda T: T.igamma(T.tensor([2.]), T.tensor([3.]), out=T.empty(0)),
    "gammainc_out": lambda T: T.special.gammainc(T.tensor([2.]), T.tensor([3.]),
                                                 out=T.empty(1, dtype=T.float64)),
    "igamma_broadcast": lambda T: T.igammac(T.tensor([[2.], [0.5]]), T.tensor([3., 0.1, 7.])),
    "igamma_bad_shapes": lambda T: T.igamma(T.ones(2), T.ones(3)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forms_dtypes_and_errors_match_pytorch(name):
    def case(T):
        r = CASES[name](T)
        return (str(r.dtype), tuple(r.shape), np.round(r.double().numpy(), 6).tolist())
    assert outcome(kindling, case) == outcome(torch, case)


def _grad_case(name):
    def case(T):
        a = T.tensor([0.5, 1.5, 3.0, 10.0], dtype=T.float64)
        x = T.tensor([0.3, 2.0, 2.5, 12.0], dtype=T.float64, requires_grad=True)
        y = getattr(T, name)(a, x)
        g, = T.autograd.grad(y.sum(), x, create_graph=True)
        gg, = T.autograd.grad(g.sum(), x)
        return y.grad_fn.name(), np.round(g.detach().numpy(), 12).tolist(), \
            np.round(gg.numpy(), 10).tolist()
    return case


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_incomplete_gamma_gradients_match_pytorch(name):
    assert outcome(kindling, _grad_case(name)) == outcome(torch, _grad_case(name))


@pytest.mark.parametrize("form", ["function", "alias", "inplace"])
@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_incomplete_gamma_input_gradient_is_refused(name, form):
    def case(T):
        a = T.tensor([1.5, 2.0], dtype=T.float64, requires_grad=True)
        x = T.tensor([0.5, 3.0], dtype=T.float64)
        if form == "function":
            y = getattr(T, name)(a, x)
        elif form == "alias":
            y = getattr(T.special, "gammainc" if name == "igamma" else "gammaincc")(a, x)
        else:
            y = getattr(a * 1, name + "_")(x)
        node = y.grad_fn.name()
        y.sum().backward()
        return node
    assert outcome(kindling, case) == outcome(torch, case)


@pytest.mark.parametrize("tangent_on", ["self", "other", "both", "out"])
def test_forward_ad_is_refused_before_the_op_runs(tangent_on):
    def case(T):
        import importlib
        fwAD = importlib.import_module(T.__name__ + ".autograd.forward_ad")
        with fwAD.dual_level():
            t = T.tensor([0.1, 0.2])
            a, x = T.tensor([1.5, 2.0]), T.tensor([0.5, 3.0])
            if tangent_on in ("self", "both"):
                a = fwAD.make_dual(a, t)
            if tangent_on in ("other", "both", "out"):
                x = fwAD.make_dual(x, t)
            if tangent_on == "out":
                return T.igammac(a, x, out=T.empty(2))
            # (the bad shapes would fail in the kernel: the forward-AD error comes first)
            return T.igamma(a, x.expand(3, 2) if tangent_on == "other" else x)
    k, t = outcome(kindling, case), outcome(torch, case)
    assert k == t and "NotImplementedError" in str(k)


@pytest.mark.parametrize("name", BESSEL + POLYNOMIALS)
def test_outputs_are_not_differentiable(name):
    def case(T):
        import importlib
        fwAD = importlib.import_module(T.__name__ + ".autograd.forward_ad")
        x = T.tensor([0.25, 0.5], dtype=T.float64, requires_grad=True)
        args = (x,) if name in BESSEL else (x, 3)
        y = getattr(T.special, name)(*args)
        with fwAD.dual_level():
            d = fwAD.make_dual(x.detach(), T.ones(2, dtype=T.float64))
            tangent = fwAD.unpack_dual(getattr(T.special, name)(d, *args[1:])).tangent
        return y.requires_grad, y.grad_fn, tangent
    assert outcome(kindling, case) == outcome(torch, case) == (False, None, None)


def test_two_numbers_are_refused():
    # (the overload list in the message is kindling's generic one: not compared)
    for T in (kindling, torch):
        with pytest.raises(TypeError, match="received an invalid combination of arguments"):
            T.special.chebyshev_polynomial_t(0.5, 3)


def test_special_module_functions_are_implemented():
    for name in BESSEL + POLYNOMIALS + ["gammainc", "gammaincc"]:
        fn = getattr(kindling.special, name)
        assert fn.__name__ == getattr(torch.special, name).__name__


def test_dispatch_modes_see_the_scalar_overloads():
    def ops_seen(T):
        ops, mode = dispatch_log(T)
        with mode:
            T.special.chebyshev_polynomial_t(0.5, T.tensor([3]))
            T.special.laguerre_polynomial_l(T.tensor([0.5]), 2)
            T.special.bessel_y1(T.tensor([0.5]), out=T.empty(1))
            T.special.gammainc(T.tensor([0.5]), T.tensor([2.0]))
        return ops
    assert ops_seen(kindling) == ops_seen(torch)


def test_meta_tensors():
    for T in (kindling, torch):
        m = T.empty(2, 3, device="meta")
        for r in (T.special.bessel_j0(m), T.special.airy_ai(m), T.igamma(m, m),
                  T.special.chebyshev_polynomial_t(m, m), T.special.hermite_polynomial_h(m, 2),
                  T.special.legendre_polynomial_p(0.5, m)):
            assert r.device.type == "meta" and tuple(r.shape) == (2, 3)
            assert r.dtype == T.float32
        assert T.special.bessel_j1(T.empty(2, dtype=T.long, device="meta")).dtype == T.float32
