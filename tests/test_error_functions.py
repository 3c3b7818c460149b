"""erfc and erfinv against PyTorch: values across the domain (tails included), dtypes,
in-place and out= forms, errors, node names and gradients (the OpInfo suites gradcheck
them too)."""
import numpy as np
import pytest

import kindling
from _parity import outcome

torch = pytest.importorskip("torch")


def _grid(kind):
    rng = np.random.default_rng(0)
    if kind == "erfinv":
        edge = [-1.0, -0.9999999999, -0.999999, -0.5, -1e-300, 0.0, 1e-12, 0.3, 0.75, 0.999,
                0.99999999, 1.0, 1.5, -2.0, np.nan, -0.0]
        return np.concatenate([edge, rng.uniform(-1, 1, 400), 1 - 10.0 ** -rng.uniform(1, 15, 50)])
    return np.concatenate([[-np.inf, -30, -5, -1e-20, 0.0, 1e-10, 0.5, 5, 26, 27.3, 30, np.inf,
                            np.nan], rng.uniform(-6, 6, 400)])


@pytest.mark.parametrize("name", ["erfc", "erfinv"])
@pytest.mark.parametrize("dt,rtol", [("float64", 1e-14), ("float32", 3e-7)])
def test_values_match_pytorch(name, dt, rtol):
    x = _grid(name).astype(dt)
    k = getattr(kindling, name)(kindling.from_numpy(x.copy())).numpy()
    t = getattr(torch, name)(torch.from_numpy(x.copy())).numpy()
    assert k.dtype == t.dtype
    np.testing.assert_array_equal(np.isnan(k), np.isnan(t))
    np.testing.assert_array_equal(np.isinf(k), np.isinf(t))
    fin = np.isfinite(t)
    np.testing.assert_allclose(k[fin], t[fin], rtol=rtol, atol=0 if dt == "float64" else 1e-30)


CASES = {
    "erfc_int": lambda T: T.erfc(T.tensor([1, 2])),
    "erfinv_bool": lambda T: T.erfinv(T.tensor([True, False])),
    "erfc_complex": lambda T: T.erfc(T.tensor([1 + 1j])),
    "erfinv_complex": lambda T: T.erfinv(T.tensor([1 + 1j])),
    "erfc_inplace": lambda T: T.tensor([0.5, 1.0]).erfc_(),
    "erfinv_out": lambda T: T.erfinv(T.tensor([0.5, -0.25]), out=T.empty(0)),
    "erfinv_method_half": lambda T: T.tensor([0.5, -0.25], dtype=T.float16).erfinv(),
    "erfc_bfloat16": lambda T: T.erfc(T.tensor([0.5, 2.0], dtype=T.bfloat16)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forms_and_errors_match_pytorch(name):
    def case(T):
        r = CASES[name](T)
        return (str(r.dtype), [round(v, 4) for v in r.float().tolist()])
    assert outcome(kindling, case) == outcome(torch, case)


@pytest.mark.parametrize("name", ["erfc", "erfinv"])
def test_gradients_match_pytorch(name):
    def case(T):
        x = T.tensor([-0.7, 0.1, 0.6], dtype=T.float64, requires_grad=True)
        y = getattr(T, name)(x)
        g, = T.autograd.grad(y.sum(), x, create_graph=True)
        gg, = T.autograd.grad(g.sum(), x)
        return type(y.grad_fn).__name__, np.round(g.detach().numpy(), 12).tolist(), \
            np.round(gg.numpy(), 10).tolist()
    assert outcome(kindling, case) == outcome(torch, case)
