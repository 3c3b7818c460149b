"""``eye``, ``isclose``/``allclose`` and ``var_mean``/``std_mean`` against PyTorch: values,
dtypes, errors, warnings, and gradients (one node for both outputs of ``var_mean``)."""
import warnings

import pytest

import kindling

torch = pytest.importorskip("torch")
NAN, INF = float("nan"), float("inf")


def _run(T, case):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            r = case(T)
        except Exception as e:  # noqa: BLE001 - the error is what is compared
            r = (type(e).__name__, str(e))
    # (UserWarnings only: NumPy's floating-point RuntimeWarnings, which kindling filters, show
    # under "always")
    msgs = [str(x.message).split(" (Triggered internally")[0] for x in w
            if x.category is UserWarning]
    return _plain(T, r), msgs


def _plain(T, r):
    if isinstance(r, T.Tensor):
        return (str(r.dtype).split(".")[-1], tuple(r.shape), r.stride(), r.requires_grad,
                [repr(v) for v in r.flatten().tolist()])
    if isinstance(r, tuple):
        return tuple(_plain(T, x) for x in r)
    return r


def _ab(T):
    return (T.tensor([1.0, NAN, INF, -INF, 1e-9, 2.0]),
            T.tensor([1.0 + 1e-6, NAN, INF, INF, 0.0, 2.1]))


CASES = {
    "eye": lambda T: T.eye(3),
    "eye_m": lambda T: T.eye(2, 4, dtype=T.int64),
    "eye_empty": lambda T: T.eye(0),
    "eye_grad": lambda T: T.eye(2, requires_grad=True),
    "eye_neg_n": lambda T: T.eye(-1),
    "eye_neg_m": lambda T: T.eye(2, -1),
    "eye_out": lambda T: T.eye(2, 3, out=T.empty(0)),
    "isclose": lambda T: T.isclose(*_ab(T)),
    "isclose_equal_nan": lambda T: T.isclose(*_ab(T), equal_nan=True),
    "isclose_zero_tol": lambda T: T.isclose(*_ab(T), 0.0, 0.0),
    "isclose_method": lambda T: _ab(T)[0].isclose(_ab(T)[1], rtol=0.1),
    "isclose_broadcast": lambda T: T.isclose(T.ones(2, 1), T.ones(3)),
    "isclose_int": lambda T: T.isclose(T.tensor([1, 2, 300]), T.tensor([1, 3, 299]), rtol=0.01),
    "isclose_uint8": lambda T: T.isclose(T.tensor([0, 200], dtype=T.uint8),
                                         T.tensor([255, 201], dtype=T.uint8), atol=1.5),
    "isclose_bool": lambda T: T.isclose(T.tensor([True, False]), T.tensor([True, True]),
                                        atol=0.5),
    "isclose_complex": lambda T: T.isclose(T.tensor([1 + 1j, NAN]), T.tensor([1 + 1j, NAN]),
                                           equal_nan=True),
    "isclose_dtypes": lambda T: T.isclose(T.ones(2), T.ones(2, dtype=T.float64)),
    "isclose_neg_rtol": lambda T: T.isclose(T.ones(2), T.ones(2), rtol=-1e-5),
    "isclose_nan_atol": lambda T: T.isclose(T.ones(2), T.ones(2), atol=NAN),
    "allclose": lambda T: T.allclose(*_ab(T)),
    "allclose_true": lambda T: T.allclose(T.ones(3), T.ones(3) + 1e-7),
    "allclose_kw_type": lambda T: T.allclose(T.ones(1), T.ones(1), rtol=None),
    "allclose_method_nan": lambda T: _ab(T)[0].allclose(_ab(T)[0], equal_nan=True),
    "var_mean": lambda T: T.var_mean(T.arange(12.0).reshape(3, 4)),
    "var_mean_dim": lambda T: T.var_mean(T.arange(12.0).reshape(3, 4), 1, keepdim=True),
    "var_mean_unbiased": lambda T: T.var_mean(T.arange(12.0).reshape(3, 4), [0], False),
    "var_mean_correction": lambda T: T.var_mean(T.arange(6.0), correction=2),
    "var_mean_dof": lambda T: T.var_mean(T.ones(1)),
    "var_mean_int": lambda T: T.var_mean(T.ones(3, dtype=T.int64)),
    "var_mean_complex": lambda T: T.var_mean(T.tensor([1 + 2j, 3 - 1j]), 0),
    "std_mean": lambda T: T.std_mean(T.arange(12.0).reshape(3, 4), dim=0),
    "std_mean_int": lambda T: T.std_mean(T.ones(3, dtype=T.int64)),
    "std_mean_empty": lambda T: T.std_mean(T.ones(0, 3), 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    assert _run(kindling, CASES[name]) == _run(torch, CASES[name])


@pytest.mark.parametrize("fn", ["var_mean", "std_mean"])
@pytest.mark.parametrize("which", ["both", "first", "second"])
def test_var_mean_gradients_and_node(fn, which):
    def run(T):
        x = T.tensor([[1.0, 4.0, 2.0], [3.0, 0.5, 8.0]], dtype=T.float64, requires_grad=True)
        a, b = getattr(T, fn)(x, 1, correction=1)
        loss = {"both": (a * 2).sum() + (b * 3).sum(), "first": a.sum(),
                "second": b.sum()}[which]
        (g,) = T.autograd.grad(loss, x)
        return type(a.grad_fn).__name__, a.grad_fn is b.grad_fn, g.tolist()
    k, t = run(kindling), run(torch)
    assert k[:2] == t[:2]
    assert [v for row in k[2] for v in row] == pytest.approx([v for row in t[2] for v in row])


def test_isclose_is_a_decomposition():
    # a dispatch mode sees the comparison ops, not an isclose kernel (CompositeImplicit)
    from kindling.utils._python_dispatch import TorchDispatchMode
    seen = []

    class M(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            seen.append(str(func))
            return func(*args, **(kwargs or {}))
    with M():
        kindling.isclose(kindling.ones(2), kindling.zeros(2), equal_nan=True)
    assert "aten.isclose.default" not in seen and "aten.eq.Tensor" in seen
