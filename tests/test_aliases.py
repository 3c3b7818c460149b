"""Alias ops (absolute, arccos..., arctan2, negative, fix, divide_/multiply_/subtract_,
greater_...), positive, acosh/asinh/atanh, and the in-place comparisons' derivatives, against
PyTorch: schemas, what a dispatch mode sees, values, grad_fn names, errors."""
import pytest

import kindling
from tests._ops_parity import call, mode_ops
from tests._parity import outcome

torch = pytest.importorskip("torch")

ALIASES = ["absolute", "arccos", "arcsin", "arctan", "arccosh", "arcsinh", "arctanh",
           "arctan2", "negative", "fix", "divide_", "multiply_", "subtract_", "greater_",
           "greater_equal_", "less_", "less_equal_", "not_equal_", "positive", "acosh",
           "asinh", "atanh"]


def _packet_overloads(T, name):
    names = [name, name + "_"] if not name.endswith("_") else [name]
    out = {}
    for n in names:
        p = getattr(T.ops.aten, n, None)
        if p is None:
            continue
        for o in p.overloads():
            schema = str(getattr(p, o)._schema)
            if "Tensor" in schema:  # (not TorchScript's number overloads: acosh.float...)
                out[f"{n}.{o}"] = schema
    return out


@pytest.mark.parametrize("name", ALIASES)
def test_schemas(name):
    assert _packet_overloads(kindling, name) == _packet_overloads(torch, name)


MODE_CASES = [
    "torch.absolute(x)", "x.clone().absolute_()", "torch.absolute(x, out=torch.empty(3, 4))",
    "x.arccos()", "torch.arcsinh_(x.clone())", "torch.arctan2(x, x)", "x.clone().arctan2_(x)",
    "torch.negative_(x.clone())", "x.fix()", "x.clone().divide_(2, rounding_mode='floor')",
    "x.clone().multiply_(x)", "x.clone().subtract_(x, alpha=2)", "x.clone().less_equal_(0.5)",
    "x.clone().not_equal_(x)", "torch.positive(x)", "torch.acosh(x + 2)",
    ";;y = xg.clone();;y.greater_(y).sum().backward()",
]


@pytest.mark.parametrize("src", MODE_CASES)
def test_dispatch_mode_sees_the_target_op(src):
    assert mode_ops(kindling, src) == mode_ops(torch, src)


def _x(T):
    return T.tensor([[0.5, -0.25, 2.0], [0.75, 0.125, -3.0]], requires_grad=True).clone()


CASES = {
    "absolute_int": lambda T: T.absolute(T.tensor([-2, 3])),
    "absolute_bool": lambda T: T.absolute(T.tensor([True])),
    "arccos_int": lambda T: T.arccos(T.tensor([0, 1])),
    "acosh_int": lambda T: T.acosh(T.tensor([1, 2, 3])),
    "asinh": lambda T: T.asinh(T.tensor([-2.0, 0.0, 0.5], dtype=T.float64)),
    "atanh_out_int": lambda T: T.atanh(T.tensor([0.5]), out=T.empty(1, dtype=T.int64)),
    "atanh_inplace_int": lambda T: T.tensor([0, 1]).atanh_(),
    "arctanh_edges": lambda T: T.arctanh(T.tensor([-1.0, 1.0, 2.0])),
    "negative_bool": lambda T: T.negative(T.tensor([True])),
    "fix_int": lambda T: T.fix(T.tensor([3, -3])),
    "fix_": lambda T: T.fix_(T.tensor([1.5, -1.5])),
    "positive_is_input": lambda T: (lambda x: T.positive(x) is x)(T.ones(2)),
    "positive_bool": lambda T: T.positive(T.tensor([True])),
    "positive_op": lambda T: T.ops.aten.positive.default(T.ones(2, dtype=T.int8)),
    "divide_int_mode": lambda T: T.tensor([7, -7]).divide_(2, rounding_mode="trunc"),
    "divide_int_true": lambda T: T.tensor([7, -7]).divide_(2),
    "greater_broadcast": lambda T: T.ones(2, 3).greater_(T.zeros(3)),
    "greater_bad_shape": lambda T: T.ones(3).greater_(T.zeros(2, 3)),
    "subtract_bool": lambda T: T.tensor([True]).subtract_(T.tensor([True])),
    "arctan2_out": lambda T: T.arctan2(T.ones(2, dtype=T.float64), T.ones(2, dtype=T.float64),
                                       out=T.empty(0, dtype=T.float64)),
    "grad_fn_absolute": lambda T: type(T.absolute(_x(T)).grad_fn).__name__,
    "grad_fn_arccosh_": lambda T: type((_x(T) + 4).arccosh_().grad_fn).__name__,
    "grad_fn_acosh": lambda T: type(T.acosh(_x(T) + 4).grad_fn).__name__,
    "grad_fn_divide_": lambda T: type(_x(T).divide_(3).grad_fn).__name__,
    "grad_fn_less_": lambda T: type(_x(T).less_(0).grad_fn).__name__,
    "grad_fn_less_tensor": lambda T: type(_x(T).less_(_x(T)).grad_fn).__name__,
    "acosh_backward": lambda T: T.autograd.grad(T.acosh(_x(T) + 4).sum(), []
                                                if False else _leaf(T))[0],
    "acosh__backward": lambda T: (lambda x: (x * 1).acosh_().sum().backward())(_leaf(T) + 4),
    "atanh_backward": lambda T: (lambda x: T.autograd.grad(T.atanh(x * 0.25).sum(), x))(
        _leaf(T)),
    "asinh_backward": lambda T: (lambda x: T.autograd.grad(T.asinh(x).sum(), x))(_leaf(T)),
    "eq_tensor_self_backward": lambda T: (lambda x: T.autograd.grad(
        (x * 1).eq_(x * 1).sum(), x))(_leaf(T)),
    "eq_same_tensor": lambda T: (lambda y: (y.eq_(y).sum().backward(), y.tolist()))(
        _leaf(T) * 1)[1],
    "gt_scalar_backward": lambda T: (lambda x: T.autograd.grad((x * 1).gt_(0.3).sum(), x))(
        _leaf(T)),
}


def _leaf(T):
    return T.tensor([[0.5, -0.25, 2.0], [0.75, 0.125, -3.0]], dtype=T.float64,
                    requires_grad=True)


def _norm(T, r):
    if isinstance(r, tuple):
        return [_norm(T, e) for e in r]
    return outcome(T, lambda T: r)


@pytest.mark.parametrize("case", CASES)
def test_against_torch(case):
    assert call(kindling, CASES[case], _norm) == call(torch, CASES[case], _norm)


@pytest.mark.parametrize("name", ["arccos_", "arccosh_", "negative_", "fix_", "acosh_",
                                  "absolute_", "arctan2_", "divide_", "greater_"])
def test_inplace_function_forms_exist_as_in_torch(name):
    assert hasattr(kindling, name) == hasattr(torch, name)


def test_composite_inplace_bumps_the_version_once_below_autograd():
    # (a CompositeImplicitAutograd in-place op has no ADInplaceOrView kernel of its own)
    def run(T):
        x = T.zeros(2, 3)
        y = T.zeros(2, 3)
        with T._C._AutoDispatchBelowAutograd():
            x.swapdims_(0, 1)
            y.absolute_()
        return x._version, y._version
    assert run(kindling) == run(torch)
