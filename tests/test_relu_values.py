"""relu's values, dtypes and strides as PyTorch's, signed zeros and NaN included (its float
fast path computes ``max(0, x)`` with zero first, as PyTorch's vectorised kernel keeps -0.0)."""
import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")

ARRAYS = [np.array([-1.0, 0.0, -0.0, 2.0, np.nan, -np.inf, np.inf], np.float32),
          np.full(40, -0.0, np.float64), np.arange(12.0).reshape(3, 4).T - 5,
          np.ones((2, 1, 3, 1)).transpose(0, 2, 3, 1), np.array(-0.0, np.float32),
          np.array([-3, 0, 2], np.int64), np.array([-0.5, 0.25], np.float16)]
# (from 1024 contiguous elements the kernel takes max against an array of zeros: the same
# results; transposed ones keep the scalar path and their layout)
_big = np.random.default_rng(0).standard_normal((64, 48)).astype(np.float32)
_big.ravel()[:6] = [-0.0, 0.0, np.nan, -np.inf, np.inf, -1e-40]
ARRAYS += [_big, _big.astype(np.float64), _big.T, np.arange(-600, 600, dtype=np.int32),
           _big.astype(np.float16), _big[:, :, None].repeat(30, 2)[::2]]


@pytest.mark.parametrize("i", range(len(ARRAYS)))
def test_relu_matches_pytorch(i):
    arr = ARRAYS[i]
    k = kindling.from_numpy(arr.copy()).relu()
    t = torch.from_numpy(arr.copy()).relu()
    assert (k.stride(), str(k.dtype).split(".")[-1]) == (t.stride(), str(t.dtype).split(".")[-1])
    kn, tn = k.numpy(), t.numpy()
    assert np.array_equal(kn, tn, equal_nan=True)
    assert np.signbit(kn).tolist() == np.signbit(tn).tolist()


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_threshold_backward_bits_match_pytorch(dtype, layout):
    # (above 256 elements the kernel selects with bit masks; NaN inputs pass the gradient,
    # -0.0 and inf gradients keep their bits)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((48, 40)).astype(dtype)
    g = rng.standard_normal((48, 40)).astype(dtype)
    x.ravel()[:6] = [np.nan, -0.0, 0.0, 1.0, -1.0, 0.5]
    g.ravel()[:6] = [2.0, -0.0, np.inf, -np.inf, np.nan, -0.0]
    if layout == "transposed":
        x, g = x.T, g.T
    outs = []
    for T in (kindling, torch):
        outs.append(T.ops.aten.threshold_backward(T.from_numpy(g.copy() if layout ==
                                                              "contiguous" else g),
                                                  T.from_numpy(x), 0.0))
    k, t = outs
    assert k.stride() == t.stride()
    kn, tn = np.ascontiguousarray(k.numpy()), np.ascontiguousarray(t.numpy())
    assert np.array_equal(kn.view(np.uint8), tn.view(np.uint8))
