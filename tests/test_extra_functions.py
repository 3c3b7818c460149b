"""quantile/nanquantile, mode, gradient, _unsafe_masked_index(_put_accumulate), svd_lowrank
and pca_lowrank against PyTorch: values, dtypes, shapes, errors and their texts, result
types, gradients and node names (the OpInfo sweep, tests/test_torch_opdb_gradients.py,
covers PyTorch's own samples in float64/complex128, forward AD and double backward)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402

NAN = float("nan")
X = [[1.5, -2.0, 3.0, 0.5, 2.0], [4.0, 2.5, -1.0, 7.0, 2.5], [0.0, 3.5, 2.0, -6.0, 1.0]]


def _plain(r):
    """A result (tensor, tuple of tensors, or exception) as comparable Python data."""
    if isinstance(r, Exception):
        return type(r).__name__, str(r)
    if isinstance(r, (tuple, list)):
        return type(r).__name__, [_plain(x) for x in r]
    return (str(r.dtype), tuple(r.shape),  # (values by repr: NaN-safe)
            repr(np.round(r.detach().numpy().astype(np.complex128), 10).tolist()))


def _run(T, case):
    try:
        return _plain(case(T))
    except Exception as e:  # noqa: BLE001 (the error is what is compared)
        return _plain(e)


def same(case):
    got, want = _run(kindling, case), _run(torch, case)
    assert got == want


def _x(T, dtype="float64", data=X):
    return T.tensor(data, dtype=getattr(T, dtype))


# ---- quantile / nanquantile ---------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("q", [0.0, 0.3, 1.0, "tensor0d", "tensor1d"])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (None, True), (0, False), (1, True),
                                          (-1, False)])
def test_quantile_values(fn, interpolation, q, dim, keepdim):
    data = [row[:] for row in X]
    data[1][2] = NAN  # (quantile: a NaN row gives NaN; nanquantile skips it)

    def case(T):
        qq = T.tensor(0.7, dtype=T.float64) if q == "tensor0d" else \
            T.tensor([0.1, 0.5, 0.95], dtype=T.float64) if q == "tensor1d" else q
        return getattr(T, fn)(_x(T, data=data), qq, dim, keepdim, interpolation=interpolation)
    same(case)


QUANTILE_ERRORS = {
    "empty": lambda T: T.quantile(T.empty(0, dtype=T.float64), 0.5),
    "2-d q": lambda T: T.quantile(_x(T), T.rand(2, 2, dtype=T.float64)),
    "integer input": lambda T: T.quantile(_x(T).long(), 0.5),
    "q dtype": lambda T: T.quantile(_x(T), T.tensor(0.5)),
    "q values": lambda T: T.quantile(_x(T), T.tensor([0.5, 1.5], dtype=T.float64)),
    "scalar q": lambda T: T.nanquantile(_x(T), -0.5),
    "interpolation": lambda T: T.quantile(_x(T), 0.5, interpolation="cubic"),
    "dim": lambda T: T.quantile(_x(T), 0.5, dim=3),
    "out dtype": lambda T: T.quantile(_x(T), 0.5, out=T.empty(0)),
    "order: scalar q before interpolation": lambda T: T.quantile(_x(T), 1.5,
                                                                 interpolation="x"),
    "order: empty before dim": lambda T: T.quantile(T.empty(0, dtype=T.float64), 0.5, dim=4),
    "order: dim before q values": lambda T: T.quantile(
        _x(T), T.tensor([2.0], dtype=T.float64), dim=5),
    "list q": lambda T: T.quantile(_x(T), [0.5, 0.2]),
    "half": lambda T: T.quantile(_x(T).half(), 0.5),
}


@pytest.mark.parametrize("what", sorted(QUANTILE_ERRORS))
def test_quantile_errors(what):
    same(QUANTILE_ERRORS[what])


def test_quantile_out_method_and_float32():
    def out(T):
        o = T.empty(0, dtype=T.float64)
        r = T.quantile(_x(T), T.tensor([0.2, 0.5], dtype=T.float64), dim=1, out=o)
        return r, o, T.tensor(r is o)
    same(out)
    same(lambda T: _x(T, "float32").nanquantile(T.tensor([0.25, 0.75]), dim=0))
    same(lambda T: _x(T).quantile(0.4, keepdim=True, interpolation="midpoint"))
    same(lambda T: T.quantile(T.tensor(3.0, dtype=T.float64), 0.4, 0, True))


@pytest.mark.parametrize("interpolation", ["linear", "nearest", "midpoint"])
def test_quantile_gradients(interpolation):
    """To the input and, through the interpolation weight, to q."""
    def run(T):
        x = _x(T).requires_grad_()
        q = T.tensor([0.2, 0.6], dtype=T.float64, requires_grad=True)
        y = T.quantile(x, q, dim=1, interpolation=interpolation)
        gx, gq = T.autograd.grad(y, (x, q), T.ones_like(y), allow_unused=True,
                                 materialize_grads=True)
        return y.grad_fn.name(), _plain((gx, gq))
    assert run(kindling) == run(torch)


# ---- mode ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [[1, 2, 2, 1, 3], [3, 1, 2], [5, 5, 1, 1], [1, 1, 2, 2, 2, 1],
                                  [2.0, NAN, NAN, 1.0], [NAN, NAN], [0.0, -0.0, 1.0],
                                  [[1, 2, 2], [3, 3, 1]], [True, False, False]],
                         ids=str)
def test_mode_values_and_indices(data):
    def case(T):
        r = T.mode(T.tensor(data), -1)
        return type(r).__name__, r.values, r.indices
    same(case)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int8", "uint8",
                                   "bool", "complex64"])
@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), (-1, False)])
def test_mode_dtypes(dtype, dim, keepdim):
    same(lambda T: tuple(T.mode((_x(T) * 2).round().to(getattr(T, dtype)), dim, keepdim)))


@pytest.mark.parametrize("n", [17, 40, 100, 1000])
@pytest.mark.parametrize("kind", ["int", "bool", "float with NaNs", "float16 ties"])
def test_mode_long_slices(n, kind):
    """Slices longer than 16: equal values and NaNs end where PyTorch's introsort puts them."""
    g = np.random.default_rng(n)
    data = g.integers(0, 5, (3, n))
    if kind == "bool":
        data = data > 2
    elif kind == "float with NaNs":
        data = g.standard_normal((3, n))
        data[:, ::3] = np.nan
    elif kind == "float16 ties":
        data = (g.integers(0, 7, (3, n)) / 4).astype(np.float16)

    def case(T):
        r = T.mode(T.tensor(data), 1)
        return r.values, r.indices
    same(case)


MODE_ERRORS = {
    "empty dim": lambda T: T.mode(T.empty(0, 3), 0),
    "empty other dim": lambda T: tuple(T.mode(T.empty(0, 3), 1)),
    "dim range": lambda T: T.mode(_x(T), 5),
    "values dtype": lambda T: T.mode(_x(T), 1, out=(T.empty(0), T.empty(0, dtype=T.long))),
    "indices dtype": lambda T: T.mode(_x(T), 1, out=(T.empty(0, dtype=T.float64),
                                                     T.empty(0, dtype=T.int32))),
    "0-d": lambda T: tuple(T.mode(T.tensor(5.0), -1, keepdim=True)),
}


@pytest.mark.parametrize("what", sorted(MODE_ERRORS))
def test_mode_errors_and_edges(what):
    same(MODE_ERRORS[what])


def test_mode_out_and_gradient():
    def out(T):
        v, i = T.empty(0, dtype=T.float64), T.empty(0, dtype=T.long)
        r = T.mode(_x(T), 1, out=(v, i))
        return type(r).__name__, r.values, r.indices, T.tensor(r.values is v)
    assert _run(kindling, out) == _run(torch, out)

    def grad(T):
        x = _x(T).requires_grad_()
        y = x.mode(0, keepdim=True).values
        (g,) = T.autograd.grad(y, x, T.ones_like(y))
        return y.grad_fn.name(), _plain(g)
    assert grad(kindling) == grad(torch)


# ---- gradient -----------------------------------------------------------------------------------
def _coords(T):
    return (T.tensor([0.0, 1.0, 3.0], dtype=T.float64),
            T.tensor([0.0, 0.5, 2.0, 2.5, 4.0], dtype=T.float64))


GRADIENT_CASES = {
    "plain": lambda T: T.gradient(_x(T)),
    "edge_order 2": lambda T: T.gradient(_x(T), edge_order=2),
    "scalar spacing, one dim": lambda T: T.gradient(_x(T), spacing=2.0, dim=1),
    "scalar spacing, dims": lambda T: T.gradient(_x(T), spacing=2, dim=[0, 1]),
    "dims only": lambda T: T.gradient(_x(T), dim=[1, 0]),
    "spacing list": lambda T: T.gradient(_x(T), spacing=[2.0, 3]),
    "spacing list and dims": lambda T: T.gradient(_x(T), spacing=[2.0, 3], dim=[1, 0]),
    "coordinates": lambda T: T.gradient(_x(T), spacing=_coords(T), edge_order=2),
    "coordinates, dim": lambda T: T.gradient(_x(T), spacing=_coords(T)[1:], dim=[-1]),
    "coordinates, int dim": lambda T: T.gradient(_x(T), spacing=_coords(T)[:1], dim=0),
    "integers": lambda T: T.gradient(T.arange(5)),
    "0-d": lambda T: T.gradient(T.tensor(1.0)),
    "complex spacing": lambda T: T.gradient(_x(T), spacing=2j),
    "float32 with float64 coordinates": lambda T: T.gradient(_x(T, "float32"),
                                                             spacing=_coords(T)[:1], dim=0),
    "uint8": lambda T: T.gradient(_x(T).to(T.uint8)),
    "spacing length": lambda T: T.gradient(_x(T), spacing=[1.0, 2.0, 3.0]),
    "spacing and dim lengths": lambda T: T.gradient(_x(T), spacing=[1.0, 2.0], dim=[0]),
    "edge_order 3": lambda T: T.gradient(_x(T), edge_order=3),
    "repeated dim": lambda T: T.gradient(_x(T), dim=[0, 0]),
    "dim range": lambda T: T.gradient(_x(T), dim=2),
    "dim range in list": lambda T: T.gradient(_x(T), dim=[0, 5]),
    "too short": lambda T: T.gradient(_x(T)[:2], edge_order=2),
    "2-d coordinates": lambda T: T.gradient(_x(T), spacing=(T.ones(3, 1), T.ones(5))),
    "coordinates count": lambda T: T.gradient(_x(T), spacing=_coords(T)[:1]),
    "bool": lambda T: T.gradient(T.tensor([True, False, True])),
    "unknown keyword": lambda T: T.gradient(_x(T), foo=1),
    "positional spacing": lambda T: T.gradient(_x(T), 1.0),
}


@pytest.mark.parametrize("what", sorted(GRADIENT_CASES))
def test_gradient(what):
    same(GRADIENT_CASES[what])


@pytest.mark.parametrize("spacing", [None, "coords"])
def test_gradient_backward(spacing):
    def run(T):
        x = _x(T).requires_grad_()
        kw = {} if spacing is None else {"spacing": _coords(T), "edge_order": 2}
        gs = T.gradient(x, **kw)
        g = T.autograd.grad(gs, x, [T.ones_like(t) for t in gs])[0]
        return [t.grad_fn.name() for t in gs], _plain(g)
    assert run(kindling) == run(torch)


# ---- _unsafe_masked_index ------------------------------------------------------------------------
def _masked_index_args(T):
    x = _x(T)
    mask = T.tensor([[True, False], [True, True], [False, True]])
    rows = T.tensor([[0, 7], [2, 1], [-9, 2]])  # (out of range where masked out)
    cols = T.tensor([[4, 1], [0, 3], [2, 2]], dtype=T.int32)
    return x, mask, [rows, cols]


def test_unsafe_masked_index():
    def case(T):
        x, mask, idx = _masked_index_args(T)
        return (T._unsafe_masked_index(x, mask, idx, -1.5),
                T.ops.aten._unsafe_masked_index(x, mask[:, :1], [None, idx[1][:, :1]], 0),
                T._unsafe_masked_index_put_accumulate(T.zeros_like(x), mask, idx,
                                                      T.ones(3, 2, dtype=T.float64)))
    same(case)
    same(lambda T: T._unsafe_masked_index(T.empty(0, 2), T.tensor([True]),
                                          [T.tensor([3])], 2.0))
    same(lambda T: T._unsafe_masked_index(_x(T), T.tensor([True]), [T.tensor([1.0])], 2.0))
    same(lambda T: T._unsafe_masked_index_put_accumulate(
        _x(T), T.tensor([True]), [T.tensor([True])], T.ones(1, dtype=T.float64)))


def test_unsafe_masked_index_gradients():
    def run(T):
        x, mask, idx = _masked_index_args(T)
        x.requires_grad_()
        v = T.arange(6.0, dtype=T.float64).reshape(3, 2).requires_grad_()
        y = T._unsafe_masked_index(x, mask, idx, 0.5)
        z = T._unsafe_masked_index_put_accumulate(x, mask, idx, v)
        g = T.autograd.grad((y, z), (x, v), (T.ones_like(y), T.ones_like(z)))
        return y.grad_fn.name(), z.grad_fn.name(), _plain(g)
    assert run(kindling) == run(torch)


# ---- svd_lowrank / pca_lowrank -------------------------------------------------------------------
def _matrix(T, m, n, dtype):
    """Full rank, so that the leading singular vectors asked for are well defined."""
    g = np.random.default_rng(0)
    a = g.standard_normal((m, n))
    if dtype == "complex128":
        a = a + 1j * g.standard_normal((m, n))
    return T.tensor(a)


@pytest.mark.parametrize("fn", ["svd_lowrank", "pca_lowrank"])
@pytest.mark.parametrize("shape", [(7, 5), (4, 9)])
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_lowrank_same_seed(fn, shape, dtype):
    """With the same seed, the same random projection: the same singular values and the
    same reconstruction (singular vectors are compared up to their phases)."""
    def case(T):
        T.manual_seed(7)
        A = _matrix(T, *shape, dtype)
        U, S, V = getattr(T, fn)(A, q=3, niter=1) if fn == "svd_lowrank" else \
            getattr(T, fn)(A, q=3, center=True, niter=1)
        return S, U @ V.mH, (U * S[None]) @ V.mH
    same(case)


def test_lowrank_with_m_and_batch():
    def case(T):
        T.manual_seed(3)
        A = _matrix(T, 6, 5, "float64").expand(2, 6, 5)
        M = A.mean(-2, keepdim=True)
        U, S, V = T.svd_lowrank(A, q=3, M=M)
        return S, (U * S[..., None, :]) @ V.mH
    same(case)


LOWRANK_ERRORS = {
    "q too large": lambda T: T.pca_lowrank(T.ones(3, 4), q=5),
    "q negative": lambda T: T.pca_lowrank(T.ones(3, 4), q=-1),
    "niter": lambda T: T.pca_lowrank(T.ones(3, 4), niter=-1),
}


@pytest.mark.parametrize("what", sorted(LOWRANK_ERRORS))
def test_lowrank_errors(what):
    same(LOWRANK_ERRORS[what])


def test_lowrank_gradients():
    def run(T):
        T.manual_seed(5)
        A = _matrix(T, 6, 4, "float64").requires_grad_()
        U, S, V = T.svd_lowrank(A, q=3)
        (g,) = T.autograd.grad([S.sum(), (U @ V.mH).sum()], A)
        return _plain(g)
    assert run(kindling) == run(torch)


# ---- what a dispatch mode sees ------------------------------------------------------------------
MODE_LOG_CASES = {
    "quantile, tensor q, dim 0": lambda T, x: T.quantile(
        x, T.tensor([0.3, 0.5], dtype=T.float64), dim=0),
    "quantile nearest": lambda T, x: T.quantile(x, 0.3, interpolation="nearest"),
    "nanquantile midpoint": lambda T, x: T.nanquantile(x, 0.3, dim=1, keepdim=True,
                                                       interpolation="midpoint"),
    "mode": lambda T, x: T.mode(x, 1),
    "gradient, edge_order 2": lambda T, x: T.gradient(x, spacing=2.0, edge_order=2),
    "gradient, spacing list": lambda T, x: T.gradient(x, spacing=[2.0, 3.0], dim=[1, 0]),
    "gradient, coordinates": lambda T, x: T.gradient(x, spacing=_coords(T), edge_order=2),
    "gradient, coordinates, edge_order 1": lambda T, x: T.gradient(x, spacing=_coords(T)[:1],
                                                                   dim=0),
    "_unsafe_masked_index": lambda T, x: T._unsafe_masked_index(
        x, T.tensor([[True], [False]]), [T.tensor([0, 5])], 1.0),
}


@pytest.mark.parametrize("what", sorted(MODE_LOG_CASES))
def test_ops_a_mode_sees(what):
    """The decompositions run PyTorch's ops in PyTorch's order (its C++ evaluates operands
    right to left)."""
    from _parity import dispatch_log

    def run(T):
        x = _x(T)
        log, mode = dispatch_log(T)
        with mode:
            MODE_LOG_CASES[what](T, x)
        return log
    assert run(kindling) == run(torch)
