"""addmm's fast front (``nn.Linear``'s ``addmm(bias, input, weight.t())``): the generic
kernel's exact bits, PyTorch's values and strides; other calls keep the generic kernel."""
import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("bias_shape", [(5,), (3, 5), (1, 5), ()])
@pytest.mark.parametrize("transposed", [True, False])
def test_addmm_front(dt, bias_shape, transposed):
    rng = np.random.default_rng(0)
    b0 = np.array(rng.standard_normal(bias_shape).astype(dt))
    x0 = rng.standard_normal((3, 4)).astype(dt)
    w0 = rng.standard_normal((5, 4) if transposed else (4, 5)).astype(dt)

    def run(T):
        b, x, w = (T.from_numpy(v.copy()) for v in (b0, x0, w0))
        return T.addmm(b, x, w.t() if transposed else w)

    k = run(kindling)
    generic = kindling.addmm(*(kindling.from_numpy(v.copy()) for v in (b0, x0)),
                             kindling.from_numpy(w0.copy()).t() if transposed
                             else kindling.from_numpy(w0.copy()), beta=1.0)
    np.testing.assert_array_equal(k.numpy(), generic.numpy())
    t = run(torch)
    np.testing.assert_allclose(k.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)
    assert k.stride() == t.stride() and str(k.dtype) == str(t.dtype)


def test_linear_gradients_match_torch():
    rng = np.random.default_rng(1)
    x0, w0, b0 = (rng.standard_normal(s).astype(np.float32) for s in ((6, 4), (3, 4), (3,)))

    def run(T):
        x, w, b = (T.from_numpy(v.copy()).requires_grad_() for v in (x0, w0, b0))
        y = T.nn.functional.linear(x, w, b)
        (y * y).sum().backward()
        return [v.numpy() for v in (y.detach(), x.grad, w.grad, b.grad)], type(y.grad_fn).__name__

    (ka, kn), (ta, tn) = run(kindling), run(torch)
    assert kn == tn
    for a, b in zip(ka, ta):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_mismatches_keep_pytorch_errors():
    for T in (kindling, torch):
        with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
            T.addmm(T.ones(5), T.ones(3, 4), T.ones(3, 5))
        with pytest.raises(RuntimeError, match="same dtype"):
            T.addmm(T.ones(5, dtype=T.float64), T.ones(3, 4), T.ones(4, 5))
