"""searchsorted, bucketize and isin against PyTorch: values, dtypes, errors and messages."""
import warnings

import pytest

import kindling
from _parity import outcome

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")


def _same(case):
    """Same outcome, and the same warnings (out= tensors that get resized)."""
    def run(T):
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            r = outcome(T, case)
        return r, [str(w.message).split(" (Triggered")[0] for w in ws]
    assert run(kindling) == run(torch)


B = [1.0, 2.0, 2.0, 3.0]
V = [[0.5, 2.0, 3.5], [2.0, 1.0, 1.0]]

SEARCHSORTED = [
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V)),
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V), right=True),
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V), side="right"),
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V), side="left"),
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V), side="left", right=True),
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V), side="foo"),
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V), side="right", right=False),
    lambda T: T.searchsorted(T.tensor(B), 2),
    lambda T: T.searchsorted(T.tensor(B), 2.5, out_int32=True),
    lambda T: T.searchsorted(T.tensor(B, dtype=T.long), 2.5),
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V, dtype=T.float64)),
    lambda T: T.searchsorted(T.tensor(B, dtype=T.float64), T.tensor(2.5)),
    lambda T: T.searchsorted(T.tensor(B).long(), T.tensor(V)),
    lambda T: T.searchsorted(T.tensor(B).to(T.bfloat16), T.tensor(V).to(T.bfloat16)),
    lambda T: T.searchsorted(T.tensor(B).to(T.int8), T.tensor([[1, 2, 7]], dtype=T.int8)),
    lambda T: T.searchsorted(T.tensor(1.0), T.tensor(V)),
    lambda T: T.searchsorted(T.tensor(B).reshape(2, 2), T.tensor(V)),
    lambda T: T.searchsorted(T.tensor(B).reshape(2, 2), T.tensor([[1.5], [2.5]])),
    lambda T: T.searchsorted(T.tensor(B).reshape(2, 2), T.tensor(1.5)),
    lambda T: T.searchsorted(T.tensor(B).reshape(2, 2), 1.5),
    lambda T: T.searchsorted(T.tensor(B).reshape(1, 2, 2), T.tensor([[[1.5], [2.5]]])),
    lambda T: T.searchsorted(T.tensor([3.0, 1.0, 2.0]), T.tensor(V),
                             sorter=T.tensor([1, 2, 0])),
    lambda T: T.searchsorted(T.tensor([3.0, 1.0, 2.0]), T.tensor(V), side="right",
                             sorter=T.tensor([1, 2, 0])),
    lambda T: T.searchsorted(T.tensor([3.0, 1.0, 2.0]), T.tensor(V),
                             sorter=T.tensor([1, 2, 0], dtype=T.int32)),
    lambda T: T.searchsorted(T.tensor([3.0, 1.0, 2.0]), T.tensor(V), sorter=T.tensor([1, 2])),
    lambda T: T.searchsorted(T.tensor([3.0, 1.0, 2.0]), T.tensor(V),
                             sorter=T.tensor([1, 2], dtype=T.int32)),
    lambda T: T.searchsorted(T.tensor([3.0, 1.0, 2.0]), T.tensor(V), sorter=T.tensor([1, 2, 5])),
    lambda T: T.searchsorted(T.tensor([3.0, 1.0, 2.0]), T.tensor(V),
                             sorter=T.tensor([-1, 2, 0])),
    lambda T: T.searchsorted(T.tensor(B), T.tensor([])),
    lambda T: T.searchsorted(T.tensor([]), T.tensor(V)),
    lambda T: T.searchsorted(T.tensor(B), T.tensor([NAN, INF, -INF])),
    lambda T: T.searchsorted(T.tensor(B), T.tensor([NAN, INF, -INF]), right=True),
    lambda T: T.searchsorted(T.tensor([1.0, NAN]), T.tensor([NAN, 5.0, 0.0])),
    lambda T: T.searchsorted(T.tensor([NAN, 1.0, NAN, 2.0, 0.5]), T.tensor([NAN, 1.5, 0.0]),
                             right=True),
    lambda T: T.searchsorted(T.tensor([True, False]), T.tensor([True])),
    lambda T: T.searchsorted(T.tensor(B), T.tensor([1 + 1j])),
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V), out=T.empty(0)),
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V), out=T.empty(0, dtype=T.int32)),
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V), out_int32=True,
                             out=T.empty(0, dtype=T.int32)),
    lambda T: T.searchsorted(T.tensor(B), T.tensor(V), out=T.empty(6, dtype=T.long)),
    lambda T: T.searchsorted(T.tensor(B), 2, out=T.empty(0, dtype=T.long)),
]


@pytest.mark.parametrize("case", SEARCHSORTED)
def test_searchsorted(case):
    _same(case)


BUCKETIZE = [
    lambda T: T.bucketize(T.tensor(V), T.tensor(B)),
    lambda T: T.bucketize(T.tensor(V), T.tensor(B), right=True, out_int32=True),
    lambda T: T.bucketize(2, T.tensor(B)),
    lambda T: T.bucketize(2.5, T.tensor(B, dtype=T.int64)),
    lambda T: T.bucketize(T.tensor(V), T.tensor(B).reshape(2, 2)),
    lambda T: T.bucketize(T.tensor(V), T.tensor(2.0)),
    lambda T: T.bucketize(T.tensor(V).int(), T.tensor(B)),
    lambda T: T.bucketize(T.tensor(True), T.tensor([False, True])),
    lambda T: T.bucketize(T.tensor(V), T.tensor(B), out=T.empty(0, dtype=T.long)),
    lambda T: T.bucketize(T.tensor(V), T.tensor(B), out=T.empty(0, dtype=T.int32)),
    lambda T: T.bucketize(T.tensor(V), T.tensor(B).reshape(2, 2), out=T.empty(0)),
    lambda T: T.bucketize(T.tensor([NAN, 2.0]), T.tensor(B)),
]


@pytest.mark.parametrize("case", BUCKETIZE)
def test_bucketize(case):
    _same(case)


X = [[1.0, 2.0], [3.0, 4.0]]
ISIN = [
    lambda T: T.isin(T.tensor(X), T.tensor([2, 3])),
    lambda T: T.isin(T.tensor(X), T.tensor([2, 3]), invert=True),
    lambda T: T.isin(T.tensor(X), 2),
    lambda T: T.isin(T.tensor(X), 2.0, assume_unique=True),
    lambda T: T.isin(2, T.tensor([2, 3])),
    lambda T: T.isin(2.5, T.tensor([2, 3])),
    lambda T: T.isin(T.tensor([1, 2]), 2.5),
    lambda T: T.isin(T.tensor([1 + 1j]), T.tensor([1 + 1j])),
    lambda T: T.isin(T.tensor([True, False]), T.tensor([True])),
    lambda T: T.isin(T.tensor([1, 0]), T.tensor([True])),
    lambda T: T.isin(True, T.tensor([1])),
    lambda T: T.isin(T.tensor([NAN, 1.0]), T.tensor([NAN])),
    lambda T: T.isin(T.tensor([-0.0]), T.tensor([0.0])),
    lambda T: T.isin(T.tensor([]), T.tensor([2, 3])),
    lambda T: T.isin(T.tensor(X), T.tensor([])),
    lambda T: T.isin(T.tensor(3), T.tensor([2, 3])),
    lambda T: T.isin(T.tensor(X), T.tensor([2, 3]).reshape(2, 1)),
    lambda T: T.isin(T.tensor([1, 2], dtype=T.uint8), T.tensor([2.0])),
    lambda T: T.isin(T.tensor([1.5, 2.0]), T.tensor([1, 2])),
    lambda T: T.isin(T.tensor([1, 2], dtype=T.int16), T.tensor([2, 3], dtype=T.int8)),
    lambda T: T.isin(T.tensor(X), T.tensor([2, 3]), out=T.empty(2, 2, dtype=T.bool)),
    lambda T: T.isin(T.tensor(X), T.tensor([2, 3]), out=T.empty(2, 2)),
    lambda T: T.isin(2, T.tensor([2, 3]), out=T.empty(0, dtype=T.bool)),
]


@pytest.mark.parametrize("case", ISIN)
def test_isin(case):
    _same(case)


@pytest.mark.parametrize("call", [
    lambda T, x, b: T.searchsorted(b, x), lambda T, x, b: T.bucketize(x, b),
    lambda T, x, b: T.isin(x, b), lambda T, x, b: T.searchsorted(b, 0.5)])
def test_results_do_not_require_grad(call):
    # (PyTorch's test_integer_outputs and test_non_differentiable_ops)
    def case(T):
        x = T.tensor([0.25, 0.5, 0.75], requires_grad=True)
        b = T.tensor([0.0, 0.5, 1.0], requires_grad=True)
        r = call(T, x, b)
        return r.requires_grad, r.grad_fn is None, r.is_leaf
    _same(case)


def test_names_and_schemas():
    def case(T):
        return ([str(getattr(getattr(T.ops.aten, n), o)._schema)
                 for n in ("searchsorted", "bucketize", "isin")
                 for o in getattr(T.ops.aten, n).overloads()],
                hasattr(T.Tensor, "searchsorted"), hasattr(T.Tensor, "bucketize"),
                hasattr(T.Tensor, "isin"))
    k, t = case(kindling), case(torch)
    assert sorted(k[0]) == sorted(t[0]) and k[1:] == t[1:]
