"""clamp's values as PyTorch's, bit for bit: where x and a number bound compare equal (0.0
and -0.0) x is kept, as PyTorch's clamp_scalar kernels keep it, while a tensor bound wins
the tie, as its maximum/minimum kernels; NaN propagates; large contiguous inputs take the
filled-bound path (``scalar_bound``), small and strided ones the scalar one."""
import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")

BOUNDS = [dict(min=0), dict(max=0.5), dict(min=-0.5, max=0.5), dict(min=0.0),
          dict(max=-0.0), dict(min=-0.0, max=0.0), dict(min=1, max=-1)]


def _array(n, dtype, strided):
    a = (np.random.default_rng(0).standard_normal(2 * n) * 3).astype(dtype)
    if dtype != "int32":
        a[:12] = [np.nan, -0.0, 0.0, np.inf, -np.inf, 0.5] * 2
    return a[::2] if strided else a[:n]


@pytest.mark.parametrize("n", [6, 64 * 64])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32"])
@pytest.mark.parametrize("strided", [False, True])
@pytest.mark.parametrize("bounds", BOUNDS, ids=str)
def test_clamp_with_numbers_matches_pytorch_bits(n, dtype, strided, bounds):
    a = _array(n, dtype, strided)
    k = kindling.from_numpy(a.copy()).clamp(**bounds).numpy()
    t = torch.from_numpy(a.copy()).clamp(**bounds).numpy()
    assert k.dtype == t.dtype and k.shape == t.shape
    assert np.array_equal(k.view(np.uint8), t.view(np.uint8))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_tensor_bound_wins_the_tie_as_in_pytorch(sign):
    x = np.array([0.0, -0.0] * 32, np.float32)
    lo = np.full(64, sign * 0.0, np.float32)
    for fn in ("clamp", "clamp_min", "clamp_max", "maximum"):
        k = getattr(kindling, fn)(kindling.from_numpy(x), kindling.from_numpy(lo)).numpy()
        t = getattr(torch, fn)(torch.from_numpy(x), torch.from_numpy(lo)).numpy()
        assert np.signbit(k).tolist() == np.signbit(t).tolist()
