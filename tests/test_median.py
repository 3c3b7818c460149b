"""median and nanmedian against PyTorch: values, indices (ties and NaNs), errors, out= forms,
return types and gradients."""
import pytest

import kindling
from _parity import outcome

torch = pytest.importorskip("torch")

NAN = float("nan")


def _same(case):
    assert outcome(kindling, case) == outcome(torch, case)


def _pair(r):
    """A (values, indices) result: its type's name and each tensor's dtype, shape, values."""
    return (type(r).__name__, [(str(t.dtype), tuple(t.shape), repr(t.tolist())) for t in r])


CASES = [
    lambda T: T.median(T.tensor([3.0, 1.0, 2.0, 1.0, NAN])),
    lambda T: T.nanmedian(T.tensor([3.0, 1.0, 2.0, 1.0, NAN])),
    lambda T: T.nanmedian(T.tensor([NAN, NAN, NAN])),
    lambda T: T.median(T.tensor([2.0, 2, 1, 1, 2, 1])),
    lambda T: T.median(T.tensor([[1.0, 5], [3, 2]])),
    lambda T: T.median(T.tensor([])),
    lambda T: T.median(T.tensor([], dtype=T.long)),
    lambda T: T.median(T.tensor([], dtype=T.int32)),
    lambda T: T.median(T.tensor([], dtype=T.float16)),
    lambda T: T.nanmedian(T.tensor([], dtype=T.long)),
    lambda T: T.median(T.tensor([True])),
    lambda T: T.nanmedian(T.tensor([True])),
    lambda T: T.median(T.tensor([1j])),
    lambda T: T.median(T.tensor([1, 2], dtype=T.uint8)),
    lambda T: T.median(T.tensor([1.5, -2.0, 3.0], dtype=T.bfloat16)),
    lambda T: T.median(T.tensor(5.0)),
    lambda T: T.tensor([3.0, 1, 2]).median(),
    lambda T: T.median(T.empty(2, 0)),
    lambda T: T.ops.aten.median.out(T.tensor([1.0, 2.0]), out=T.empty(0, dtype=T.float64)),
    lambda T: T.ops.aten.median.out(T.tensor([1.0, 2.0]), out=T.empty(0)),
    lambda T: T.ops.aten.nanmedian.out(T.tensor([1.0, NAN]), out=T.empty(0, dtype=T.long)),
]


@pytest.mark.parametrize("case", CASES)
def test_median_of_everything(case):
    _same(case)


DIM_CASES = [
    lambda T: T.median(T.tensor([3.0, 1.0, 2.0, 1.0, NAN]), 0),
    lambda T: T.nanmedian(T.tensor([3.0, 1.0, 2.0, 1.0, NAN]), 0),
    lambda T: T.median(T.tensor([NAN, 1.0, NAN]), 0),
    lambda T: T.median(T.tensor([2, 2, 1, 1, 2, 1]), 0),
    lambda T: T.nanmedian(T.tensor([[1.0, NAN, 3.0], [NAN, NAN, 2.0]]), 1),
    lambda T: T.nanmedian(T.full((3, 9), NAN), 1),
    lambda T: T.median(T.tensor([[1.0, NAN, 3.0], [NAN, NAN, 2.0]], dtype=T.bfloat16), 1),
    lambda T: T.median(T.tensor([[1.0, 5], [3, 2]]), -1, keepdim=True),
    lambda T: T.tensor([[1.0, 5], [3, 2]]).median(dim=0, keepdim=True),
    lambda T: T.tensor([[1.0, 5], [3, 2]]).nanmedian(0),
    lambda T: T.median(T.tensor(5.0), 0),
    lambda T: T.median(T.tensor(5.0), -1, True),
    lambda T: T.median(T.tensor(5.0), 1),
    lambda T: T.median(T.empty(0, 3), 0),
    lambda T: T.median(T.empty(0, 3), 1),
    lambda T: T.nanmedian(T.empty(0, 3), 0),
    lambda T: T.median(T.empty(2, 0), 0),
    lambda T: T.median(T.tensor([True]), 0),
    lambda T: T.nanmedian(T.tensor([True]), 0),
    lambda T: T.median(T.tensor([1j]), 0),
    lambda T: T.median(T.tensor([[1.0, 5], [3, 2]]), dim=1,
                       out=(T.empty(0), T.empty(0, dtype=T.long))),
    lambda T: T.nanmedian(T.tensor([[1.0, 5], [3, 2]]), 1, True,
                          out=(T.empty(0), T.empty(0, dtype=T.long))),
    lambda T: T.median(T.tensor([1.0, 2.0]), 0,
                       out=(T.empty(0, dtype=T.float64), T.empty(0, dtype=T.long))),
    lambda T: T.median(T.tensor([1.0, 2.0]), 0, out=(T.empty(0), T.empty(0, dtype=T.int32))),
    lambda T: T.nanmedian(T.tensor([1.0, 2.0]), 0,
                          out=(T.empty(0), T.empty(0, dtype=T.int32))),
    lambda T: T.median(T.ones(2), out=T.empty(0)),
]


@pytest.mark.parametrize("case", DIM_CASES)
def test_median_along_a_dim(case):
    def run(T):
        r = case(T)
        return _pair(r) if isinstance(r, tuple) else r
    _same(run)


def test_nanmedian_of_nan_rows_reports_libstdcxx_position():
    # (the index PyTorch's partition leaves in front when every element is NaN)
    def case(T):
        return [T.nanmedian(T.full((n,), NAN), 0).indices.item() for n in range(1, 40)]
    _same(case)


@pytest.mark.parametrize("name", ["min", "max", "median", "nanmedian"])
@pytest.mark.parametrize("values", [[1.0, 0.0, 1.0, 0.0, 1.0, 0.0], [NAN, NAN, NAN],
                                    [1.0, NAN, 3.0, 2.0]])
def test_whole_tensor_gradient_is_shared_by_equal_values(name, values):
    # (PyTorch's test_min_max_median_backprops_to_all_values)
    def case(T):
        x = T.tensor(values, requires_grad=True)
        y = getattr(T, name)(x)
        y.backward()
        return type(y.grad_fn).__name__, repr(x.grad.tolist())
    _same(case)


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_gradient_along_a_dim_goes_to_the_selected_element(name, keepdim):
    def case(T):
        x = T.tensor([[3.0, 1.0, 2.0, 2.0], [NAN, 4.0, 0.0, 1.0]], requires_grad=True)
        r = getattr(T, name)(x, 1, keepdim)
        (r.values * T.tensor([[2.0], [3.0]] if keepdim else [2.0, 3.0])).sum().backward()
        g = T.autograd.grad(getattr(T, name)(x * 2, 1).values.sum(), x, create_graph=True)[0]
        return type(r.values.grad_fn).__name__, repr(x.grad.tolist()), repr(g.tolist())
    _same(case)


def test_return_types():
    def case(T):
        r = T.median(T.tensor([[1.0, 5.0], [3.0, 2.0]]), 1)
        o = T.nanmedian(T.tensor([1.0, 2.0]), 0, out=(T.empty(0), T.empty(0, dtype=T.long)))
        return (type(r).__name__, type(r).__module__, r._fields if hasattr(r, "_fields") else
                None, r.values.tolist(), r.indices.tolist(), type(o).__name__, repr(r)[:40])
    k, t = case(kindling), case(torch)
    assert k[:2] == t[:2] and k[3:] == t[3:]
