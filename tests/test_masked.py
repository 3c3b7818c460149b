"""torch.masked: the masked reductions and normalizations against PyTorch's (values, dtypes,
shapes, errors and their texts, gradients); the OpInfo sweep
(tests/test_torch_opdb_gradients.py) covers PyTorch's own samples in float64/complex128."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402

X = np.array([[1.5, -2.0, 3.0, 0.5], [4.0, 2.5, -1.0, 7.0], [0.0, 3.5, 2.0, -6.0]])
M = np.array([[True, False, True, True], [False, False, False, False],
              [True, True, False, True]])
MROW = np.array([True, False, True, True])  # (broadcast over the rows)


def outcome(T, case):
    """``(dtype, shape, values)`` of the tensor ``case(T)`` returns, or the exception's type
    and text."""
    try:
        r = case(T)
    except Exception as e:  # noqa: BLE001 (the error is what is compared)
        return type(e).__name__, str(e)
    return str(r.dtype), tuple(r.shape), r.detach().numpy()


def assert_same(case):
    got, want = outcome(kindling, case), outcome(torch, case)
    if len(want) == 3:  # (a tensor: values to rounding, NaNs where PyTorch's are)
        assert got[:2] == want[:2]
        np.testing.assert_allclose(got[2], want[2], rtol=1e-12, atol=1e-12)
    else:
        assert got == want


def _args(T, dtype="float64", mask=M):
    x = T.tensor(X).to(getattr(T, dtype))
    return x, (None if mask is None else T.tensor(mask))


REDUCTIONS = ["sum", "prod", "amax", "amin", "mean", "logsumexp", "var", "std"]


@pytest.mark.parametrize("name", REDUCTIONS + ["argmax", "argmin", "norm", "median"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("mask", [M, MROW, None], ids=["mask", "broadcast", "nomask"])
def test_reductions_match(name, dim, keepdim, mask):
    if name in ("argmax", "argmin", "median") and isinstance(dim, tuple):
        dim = 1
    if name == "median" and dim is None:
        dim = -1

    def case(T):
        x, m = _args(T, mask=mask)
        return getattr(T.masked, name)(x, dim=dim, keepdim=keepdim, mask=m)
    assert_same(case)


@pytest.mark.parametrize("name", ["sum", "prod", "amax", "amin", "argmax", "argmin", "median",
                                  "cumsum", "cumprod", "mean", "var", "logsumexp"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool", "float32", "complex128"])
def test_dtypes_and_identities(name, dtype):
    """Integer inputs (promotion to int64 for sum/prod, iinfo identities), bools, complex."""
    def case(T):
        x, m = _args(T, dtype)
        if name in ("cumsum", "cumprod", "median", "argmax", "argmin"):
            return getattr(T.masked, name)(x, 1, mask=m)
        return getattr(T.masked, name)(x, 1, mask=m)
    assert_same(case)


@pytest.mark.parametrize("name", ["sum", "prod", "amax", "mean", "cumsum", "softmax",
                                  "log_softmax", "softmin", "var"])
def test_dtype_argument(name):
    def case(T):
        x, m = _args(T, "float32")
        return getattr(T.masked, name)(x, 1, dtype=T.float64, mask=m)
    assert_same(case)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin", "cumsum", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_normalizations_match(name, dim):
    def case(T):
        x, m = _args(T)
        return getattr(T.masked, name)(x, dim, mask=m)
    assert_same(case)


@pytest.mark.parametrize("ord", [2.0, 1, 0, 3.5, float("inf"), float("-inf")])
def test_norm_and_normalize(ord):
    def norm(T):
        x, m = _args(T)
        return T.masked.norm(x, ord, 1, keepdim=True, mask=m)

    def normalize(T):
        x, m = _args(T)
        return T.masked.normalize(x, ord, 1, eps=1e-6, mask=m)
    assert_same(norm)
    assert_same(normalize)


def test_logaddexp_masks():
    def case(T):
        x, m = _args(T)
        y = x.flip(0) * 0.5
        return T.masked.logaddexp(x, y, input_mask=m, other_mask=T.tensor(MROW))
    assert_same(case)


@pytest.mark.parametrize("kw", [dict(unbiased=False), dict(correction=0), dict(correction=2),
                                dict(unbiased=True, correction=1)])
def test_var_std_corrections(kw):
    for name in ("var", "std"):
        def case(T):
            x, m = _args(T)
            return getattr(T.masked, name)(x, 1, mask=m, **kw)
        assert_same(case)


ERRORS = {
    "repeated dim": lambda T, x, m: T.masked.sum(x, (1, -1), mask=m),
    "dim out of range": lambda T, x, m: T.masked.amax(x, 2, mask=m),
    "normalization dim": lambda T, x, m: T.masked.softmax(x, 5, mask=m),
    "mask of higher rank": lambda T, x, m: T.masked.sum(x, 0, mask=m[None]),
    "mean of integers": lambda T, x, m: T.masked.mean(x.long(), 0, mask=m),
    "mean with integer dtype": lambda T, x, m: T.masked.mean(x, 0, dtype=T.int32, mask=m),
    "median of an empty int row": lambda T, x, m: T.masked.median(x.long(), 1, mask=m),
    "norm -inf of integers": lambda T, x, m: T.masked.norm(x.long(), float("-inf"), mask=m),
    "unbiased and correction": lambda T, x, m: T.masked.var(x, 0, True, correction=1, mask=m),
    "amax of complex": lambda T, x, m: T.masked.amax(x.to(T.complex128), 0, mask=m),
    "bad mask shape": lambda T, x, m: T.masked.sum(x, 0, mask=m[:, :2]),
}


@pytest.mark.parametrize("what", sorted(ERRORS))
def test_errors(what):
    def case(T):
        x, m = _args(T)
        return ERRORS[what](T, x, m)
    assert_same(case)


def test_helpers():
    for T in (kindling, torch):
        x, m = _args(T)
        assert T.masked._canonical_dim((-1, 0), 2) == (0, 1)
        assert T.masked._canonical_dim(None, 3) == (0, 1, 2)
    for name, args, kw in [("sum", (1,), {}), ("softmax", (0,), {}),
                           ("norm", (2.0, 1), {"keepdim": True})]:
        def case(T):
            x, m = _args(T)
            return T.masked._output_mask(getattr(T.masked, name), x, *args, mask=m, **kw)
        assert_same(case)
    assert kindling.masked.is_masked_tensor(kindling.ones(2)) is False
    with pytest.raises(NotImplementedError, match="MaskedTensor"):
        kindling.masked.masked_tensor(kindling.ones(2), kindling.ones(2).bool())


@pytest.mark.parametrize("name", REDUCTIONS + ["norm", "median", "softmax", "log_softmax",
                                               "softmin", "cumsum", "cumprod", "normalize"])
def test_gradients(name):
    """Backward through the masked op: node names and input gradients."""
    def run(T):
        x, m = _args(T)
        x = x.requires_grad_()
        fn = getattr(T.masked, name)
        if name == "normalize":
            y = fn(x, 2.0, 1, mask=m)
        else:
            y = fn(x, 1, mask=m)
        g = T.ones_like(y)
        (gx,) = T.autograd.grad(y, x, g)
        return y.grad_fn.name(), gx.numpy()
    (kname, kgrad), (tname, tgrad) = run(kindling), run(torch)
    assert kname == tname
    np.testing.assert_allclose(kgrad, tgrad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["sum", "softmax", "log_softmax", "softmin", "mean", "var",
                                  "norm", "amax"])
def test_ops_a_mode_sees(name):
    from _parity import dispatch_log

    def run(T):
        x, m = _args(T)
        log, mode = dispatch_log(T)
        with mode:
            getattr(T.masked, name)(x, 1, mask=m) if name != "norm" else \
                T.masked.norm(x, 2.0, 1, mask=m)
        return log
    assert run(kindling) == run(torch)
