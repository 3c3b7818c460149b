"""softmax / log_softmax against PyTorch: values, dtypes, errors, gradients (double backward
through ``_softmax_backward_data``), and the ops a dispatch mode sees."""
import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")


def _i(T):
    return T.tensor([[1, 2], [3, 4]])


CASES = {
    "int_dim0": lambda T: T.softmax(_i(T), 0),
    "int_lastdim": lambda T: T.softmax(_i(T), 1),
    "log_int": lambda T: T.log_softmax(_i(T), 1),
    "dtype_arg": lambda T: T.softmax(_i(T), 1, dtype=T.float64),
    "bad_dim": lambda T: T.softmax(_i(T).float(), 2),
    "zero_dim": lambda T: T.softmax(T.tensor(3.0), 0),
    "empty": lambda T: T.softmax(T.ones(0, 3), 1),
    "empty_int": lambda T: T.softmax(T.ones(0, 3, dtype=T.int64), 1),
    "inf": lambda T: T.softmax(T.tensor([1.0, float("inf")]), 0),
    "all_neg_inf": lambda T: T.softmax(T.tensor([-float("inf"), -float("inf")]), 0),
    "method": lambda T: _i(T).float().softmax(-1),
    "half_to_float": lambda T: T.ops.aten._softmax(_i(T).float(), 1, True),
    "half": lambda T: T.softmax(_i(T).half(), 1),
    "to_half": lambda T: T.softmax(_i(T).float(), dim=1, dtype=T.float16),
    "log": lambda T: T.log_softmax(T.tensor([[0.0, 1.0, -3.0]]), dim=-1),
    "log_method": lambda T: _i(T).float().log_softmax(0),
}


def _result(T, case):
    """(metadata or error, values): values are compared within float rounding - PyTorch's
    vectorized exp rounds differently from NumPy's."""
    try:
        r = case(T)
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return (type(e).__name__, str(e)), None
    return (str(r.dtype), tuple(r.shape), r.stride()), np.array(r.tolist(), dtype=float)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    (km, kv), (tm, tv) = _result(kindling, CASES[name]), _result(torch, CASES[name])
    assert km == tm
    if tv is not None:
        np.testing.assert_allclose(kv, tv, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_gradients_and_double_backward(fn):
    def run(T):
        a = T.arange(6.0, dtype=T.float64).reshape(2, 3).requires_grad_()
        w = T.arange(6.0, dtype=T.float64).reshape(2, 3)
        y = getattr(T, fn)(a, 1)
        (g,) = T.autograd.grad((y * w).sum(), a, create_graph=True)
        (g2,) = T.autograd.grad((g * w).sum(), a)
        return (y.grad_fn.name(), g.grad_fn.name(), [round(v, 12) for v in g.flatten().tolist()],
                [round(v, 12) for v in g2.flatten().tolist()])
    assert run(kindling) == run(torch)


def test_dispatch_mode_sees_pytorchs_ops():
    def run(T):
        import importlib
        pd = importlib.import_module(f"{T.__name__}.utils._python_dispatch")
        seen = []

        class M(pd.TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                seen.append(str(func))
                return func(*args, **(kwargs or {}))
        a = T.ones(2, 3, requires_grad=True)
        with M():
            T.softmax(a, 1).sum().backward()
            T.log_softmax(a, 0, dtype=T.float64)
        return seen
    assert run(kindling) == run(torch)
