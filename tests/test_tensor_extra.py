"""new_empty_strided, is_same_size, is_nonzero, equal, aten.resize and the deprecated
Tensor.resize against PyTorch (values, geometry, errors, warnings, gradients), and the
new_empty_strided that AccumulateGrad and CopySlices call (as a dispatch mode sees it)."""
import importlib

import pytest

import kindling
from tests._parity import call_outcome

torch = pytest.importorskip("torch")


def _x(T):
    return T.arange(12.0, dtype=T.float64).view(3, 4)


def _xg(T):
    return _x(T).requires_grad_()


CASES = {
    "nes_geometry": lambda T: (lambda t: (t.shape, t.stride(), t.dtype, t.requires_grad))(
        _x(T).new_empty_strided((2, 3), (1, 2), requires_grad=True)),
    "nes_dtype_device": lambda T: (lambda t: (t.dtype, str(t.device), t.stride()))(
        _x(T).new_empty_strided([2], [3], dtype=T.int8, device="meta")),
    "nes_size_obj": lambda T: _x(T).new_empty_strided(T.Size([2]), (1,)).shape,
    "nes_mismatch": lambda T: _x(T).new_empty_strided((2,), (3, 4)),
    "nes_negative": lambda T: _x(T).new_empty_strided((2, -1), (3, 4)),
    "nes_int_size": lambda T: _x(T).new_empty_strided(2, (1,)),
    "nes_int_stride": lambda T: _x(T).new_empty_strided((2,), 1),
    "nes_bad_dtype": lambda T: _x(T).new_empty_strided((2,), (1,), dtype=3),
    "nes_op": lambda T: T.ops.aten.new_empty_strided.default(_x(T), [2, 2], [1, 2]).stride(),
    "empty_strided_mismatch": lambda T: T.empty_strided((2,), (3, 4)),
    "equal": lambda T: T.equal(_x(T), _x(T).clone()),
    "equal_dtypes": lambda T: T.equal(T.tensor([1, 2]), T.tensor([1, 2], dtype=T.uint8)),
    "equal_bool_int": lambda T: T.equal(T.tensor([True]), T.tensor([1])),
    "equal_values": lambda T: T.equal(T.tensor([0.5]), T.tensor([0])),
    "equal_shapes": lambda T: T.equal(T.zeros(0), T.zeros(0, 2)),
    "equal_broadcastable": lambda T: T.equal(T.zeros(2, 3), T.zeros(3)),
    "equal_nan": lambda T: T.equal(T.tensor([float("nan")]), T.tensor([float("nan")])),
    "equal_signed_zero": lambda T: T.equal(T.tensor([-0.0]), T.tensor([0.0])),
    "equal_number": lambda T: T.equal(T.zeros(2), 1),
    "equal_method": lambda T: _x(T).equal(_x(T).t().contiguous().t()),
    # (the same error type; PyTorch's text is its Meta fallback's)
    "equal_meta": lambda T: _error_type(lambda: T.equal(T.zeros(2, device="meta"),
                                                        T.zeros(2, device="meta"))),
    "is_same_size": lambda T: (T.is_same_size(T.zeros(2), T.zeros(2)),
                               T.zeros(2).is_same_size(T.zeros(2, 1))),
    "is_same_size_meta": lambda T: T.zeros(2).is_same_size(T.zeros(2, device="meta")),
    "is_same_size_op": lambda T: T.ops.aten.is_same_size.default(T.zeros(2), T.zeros(1)),
    "is_nonzero": lambda T: [T.is_nonzero(T.tensor(v)) for v in (
        [2], 0.0, [[1j]], float("nan"), True, -0.0)],
    "is_nonzero_op": lambda T: T.ops.aten.is_nonzero.default(T.tensor([[3]])),
    "is_nonzero_many": lambda T: T.zeros(2).is_nonzero(),
    "is_nonzero_empty": lambda T: T.zeros(0).is_nonzero(),
    "is_nonzero_meta": lambda T: T.zeros(1, device="meta").is_nonzero(),
    "resize_op": lambda T: T.ops.aten.resize.default(_x(T), [5]).tolist(),
    "resize_op_bigger": lambda T: T.ops.aten.resize.default(_x(T), [2, 7]).shape,
    "resize_out": lambda T: T.ops.aten.resize.out(_x(T), [4], out=T.empty(0, dtype=T.float64)
                                                  ).tolist(),
    "resize_deprecated": lambda T: (lambda r: (r.shape, r._base is None, r.tolist()))(
        _x(T).resize(2, 6)),
    "resize_noncontiguous": lambda T: _x(T).t().resize(12).tolist(),
    "resize_tuple": lambda T: _x(T).resize((3, 4)),
    "resize_numel": lambda T: _xg(T).resize(2, 2),
    "resize_grad": lambda T: (lambda x: (type(x.resize(2, 6).grad_fn).__name__,
                                         T.autograd.grad((x.resize(6, 2) * T.arange(
                                             12.0, dtype=T.float64).view(6, 2)).sum(),
                                             x)[0].tolist()))(_xg(T)),
}


def _error_type(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - compared
        return type(e).__name__
    return None


def _plain(r):
    if type(r).__name__ in ("dtype", "device"):
        return str(r)
    if isinstance(r, (list, tuple)):  # (torch.Size included)
        return [_plain(e) for e in r]
    return r


@pytest.mark.parametrize("case", CASES)
def test_against_torch(case):
    def run(T):
        return call_outcome(lambda: CASES[case](T), _plain)
    assert run(kindling) == run(torch)


def _accumulate_ops(T):
    mod = importlib.import_module(T.__name__ + ".utils._python_dispatch")
    seen = []

    class Mode(mod.TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            seen.append((str(func), sorted((kwargs or {}).keys())))
            return func(*args, **(kwargs or {}))
    x = T.ones(3, 4, requires_grad=True)
    loss = x.t()[1:].sum()  # the gradient reaching x is not contiguous: AccumulateGrad copies
    y = T.ones(3, 4, requires_grad=True).clone()
    y[0].mul_(2)  # CopySlices
    with Mode():
        loss.backward()
        y.sum().backward()
    return seen


def test_accumulate_grad_and_copy_slices_call_new_empty_strided():
    assert _accumulate_ops(kindling) == _accumulate_ops(torch)


def test_deepcopy_as_pytorch():
    """``copy.deepcopy`` of a tensor copies its gradient and user attributes, and refuses a
    non-leaf (PyTorch's message, which also guards modules with weight_norm-style
    parametrizations)."""
    import copy

    import pytest
    torch = pytest.importorskip("torch")

    def run(T):
        x = T.ones(2, requires_grad=True)
        x.grad = T.full((2,), 3.0)
        x.foo = [1]
        y = copy.deepcopy(x)
        out = [y.requires_grad, y.grad.tolist(), y.foo, y.grad is not x.grad, y.foo is not x.foo]
        try:
            copy.deepcopy(T.ones(2, requires_grad=True) * 2)
        except RuntimeError as e:
            out.append(str(e))
        return out
    assert run(kindling) == run(torch)
