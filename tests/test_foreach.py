"""The ``_foreach_*`` ops against PyTorch: schemas and tags, values and dtypes, errors, what a
dispatch mode sees, version counters, autograd (node names, edges, gradients, double
backward, in-place forms, forward AD)."""
import pytest

import kindling

from _parity import outcome

torch = pytest.importorskip("torch")

A = [0.3, -1.2, 0.7]
B = [-0.4, 0.9, 1.5]


def _describe(T, r):
    if isinstance(r, T.Tensor):
        return (str(r.dtype), tuple(r.shape), repr([round(v, 4) if isinstance(v, float) else v
                                                    for v in r.reshape(-1).tolist()]))
    if isinstance(r, (list, tuple)):
        return [_describe(T, x) for x in r]
    return r


def _both(case):
    def run(T):
        r = case(T)
        return _describe(T, r)
    return outcome(kindling, run), outcome(torch, run)


# ---- schemas ---------------------------------------------------------------------------------
def test_every_foreach_overload_with_pytorchs_schema_and_tags():
    names = sorted(n for n in torch._C._dispatch_get_all_op_names()
                   if n.startswith("aten::_foreach"))
    assert names
    for n in names:
        base, _, ov = n[6:].partition(".")
        theirs = getattr(getattr(torch.ops.aten, base), ov or "default")
        mine = getattr(getattr(kindling.ops.aten, base), ov or "default")
        assert str(mine._schema) == str(theirs._schema)
        assert [t.name for t in mine.tags] == [t.name for t in theirs.tags], n


# ---- values and dtypes ---------------------------------------------------------------------------
def _t(T, v, dtype=None):
    return T.tensor(v, dtype=dtype)


VALUE_CASES = {
    "exp": lambda T: T._foreach_exp([_t(T, A), _t(T, [1, 2])]),
    "sign_int": lambda T: T._foreach_sign([_t(T, [-2, 0, 3])]),
    "abs_int": lambda T: T._foreach_abs([_t(T, [-2, 0, 3])]),
    "sqrt_mixed": lambda T: T._foreach_sqrt([_t(T, [4.0, 2.0]), _t(T, [9, 2])]),
    "round": lambda T: T._foreach_round([_t(T, [0.5, 1.5, -2.5])]),
    "frac_lgamma": lambda T: T._foreach_frac(T._foreach_lgamma([_t(T, [0.5, 3.2])])),
    "add_list_alpha": lambda T: T._foreach_add([_t(T, A), _t(T, [1, 2, 3])],
                                               [_t(T, B), _t(T, [0.5])], alpha=2),
    "add_scalar_int": lambda T: T._foreach_add([_t(T, [1, 2])], 1.5),
    "add_scalarlist": lambda T: T._foreach_add([_t(T, [1, 2]), _t(T, A)], [1.5, 2]),
    "add_complex": lambda T: T._foreach_add([_t(T, A)], [1j]),
    "mul_tensor": lambda T: T._foreach_mul([_t(T, [1, 2]), _t(T, A)], _t(T, 2.5)),
    "div_int": lambda T: T._foreach_div([_t(T, [1, 2])], [_t(T, [2, 4])]),
    "sub_scalar": lambda T: T._foreach_sub([_t(T, A)], 1),
    "pow_variants": lambda T: (T._foreach_pow([_t(T, [1, 2])], 2),
                               T._foreach_pow([_t(T, [1.0, 2.0])], [_t(T, [0.5, 3.0])]),
                               T._foreach_pow([_t(T, [1, 2]), _t(T, A)], [2, 0.5]),
                               T._foreach_pow(2, [_t(T, [1, 2]), _t(T, A)])),
    "clamp_max_min": lambda T: (T._foreach_clamp_min([_t(T, [1, 2, 3])], 1.5),
                                T._foreach_clamp_max([_t(T, A)], [_t(T, B)]),
                                T._foreach_maximum([_t(T, [1, 2, 3])], [_t(T, B)]),
                                T._foreach_minimum([_t(T, A)], [0.0])),
    "addcmul_addcdiv": lambda T: (
        T._foreach_addcmul([_t(T, A)], [_t(T, B)], [_t(T, B)], 0.5),
        T._foreach_addcdiv([_t(T, A)], [_t(T, B)], [_t(T, A)], [2]),
        T._foreach_addcmul([_t(T, A), _t(T, B)], [_t(T, B), _t(T, A)], [_t(T, B), _t(T, A)],
                           _t(T, [2.0, 3.0]))),
    "lerp": lambda T: (T._foreach_lerp([_t(T, A)], [_t(T, B)], 0.3),
                       T._foreach_lerp([_t(T, A)], [_t(T, B)], [_t(T, B)]),
                       T._foreach_lerp([_t(T, A)], [_t(T, B)], [0.7])),
    "norm_max": lambda T: (T._foreach_norm([_t(T, A), _t(T, B)]),
                           T._foreach_norm([_t(T, A)], 3, dtype=T.float64),
                           T._foreach_norm([_t(T, A)], float("inf")),
                           T._foreach_max([_t(T, A), _t(T, [1, 5, 2])])),
    "mm_clone": lambda T: (T._foreach_mm([_t(T, [A])], [_t(T, [[1.0], [2.0], [3.0]])]),
                           T._foreach_clone([_t(T, A)])),
    "copy_zero_functional": lambda T: (
        T.ops.aten._foreach_copy([_t(T, A)], [_t(T, [1, 2, 3])]),
        T.ops.aten._foreach_zero([_t(T, A)])),
    "meta": lambda T: T._foreach_exp([_t(T, A), T.ones(2, device="meta")])[1].shape,
}


@pytest.mark.parametrize("name", sorted(VALUE_CASES))
def test_values_and_dtypes(name):
    mine, theirs = _both(VALUE_CASES[name])
    assert mine == theirs


ERROR_CASES = {
    "empty": lambda T: T._foreach_exp([]),
    "empty_lists": lambda T: T._foreach_add([], []),
    "lengths": lambda T: T._foreach_add([_t(T, A)], [_t(T, A), _t(T, A)]),
    "scalar_list": lambda T: T._foreach_add([_t(T, A), _t(T, A)], [1.0]),
    "broadcast": lambda T: T._foreach_add([_t(T, A)], [_t(T, [1.0, 2.0])]),
    "inplace_cast": lambda T: T._foreach_add_([_t(T, [1, 2])], 1.5),
    "tensor_overload_dim": lambda T: T._foreach_mul([_t(T, A)], _t(T, [2.0, 3.0])),
    "packed_dim": lambda T: T._foreach_addcmul([_t(T, A)], [_t(T, A)], [_t(T, A)],
                                               _t(T, [[1.0]])),
    "packed_len": lambda T: T._foreach_addcmul([_t(T, A)], [_t(T, A)], [_t(T, A)],
                                               _t(T, [1.0, 2.0])),
    "addcmul_lists": lambda T: T._foreach_addcmul([_t(T, A)], [_t(T, A)], [_t(T, A)] * 2),
    "norm_int": lambda T: T._foreach_norm([_t(T, A), _t(T, [1, 2])]),
    "max_empty": lambda T: T._foreach_max([T.ones(0)]),
    "neg_bool": lambda T: T._foreach_neg([_t(T, [True])]),
    "sub_bool": lambda T: T._foreach_sub([_t(T, [True])], [_t(T, [True])]),
    "frac_int": lambda T: T._foreach_frac([_t(T, [1, 2])]),
    "not_a_list": lambda T: T._foreach_exp(_t(T, A)),
    "bad_element": lambda T: T._foreach_exp([_t(T, A), 1]),

    "out_dtype": lambda T: T.ops.aten._foreach_exp.out([_t(T, A)],
                                                       out=[T.empty(3, dtype=T.int64)]),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors(name):
    mine, theirs = _both(ERROR_CASES[name])
    assert mine == theirs
    assert isinstance(theirs, tuple) and theirs[0].endswith("Error")


# ---- in-place and out= forms: values, versions, the list returned --------------------------------
def _inplace_case(T):
    a, b, i = _t(T, A), _t(T, B), _t(T, [1, 2, 3])
    xs = [a, b]
    r = T._foreach_mul_(xs, [b.clone(), a.clone()])
    T._foreach_add_([i], 2)
    T._foreach_zero_([b])
    T._foreach_copy_([b], [i])
    T._foreach_maximum_([a], [_t(T, [0.0, 0.0, 1.0])])
    T._foreach_addcdiv_([a], [a.clone()], [_t(T, [2.0, 4.0, 8.0])], _t(T, [3.0]))
    o = [T.empty(3), T.empty(0)]
    T.ops.aten._foreach_exp.out([a, b], out=o)
    return (r is xs, _describe(T, [a, b, i] + o),
            [t._version for t in (a, b, i, o[0], o[1])])


def test_inplace_and_out_forms():
    assert outcome(kindling, _inplace_case) == outcome(torch, _inplace_case)


def _mode_versions(T):
    from importlib import import_module
    lt = import_module(T.__name__ + ".testing._internal.logging_tensor")
    a = T.zeros(3)
    x = T.zeros(3, requires_grad=True) * 1
    o = [T.empty(3)]
    with lt.LoggingTensorMode():
        T._foreach_add_([a, x], 1.0)
        T.ops.aten._foreach_exp.out([a], out=o)
        a.add_(1)
    T._foreach_exp_([a])
    return [a._version, x._version, o[0]._version]


def test_versions_under_a_dispatch_mode():
    # (PyTorch's foreach ops have no ADInplaceOrView kernel: under a mode, whose handler runs
    # the kernel below that key, the per-tensor calls bump nothing)
    assert outcome(kindling, _mode_versions) == outcome(torch, _mode_versions)


# ---- what a dispatch mode sees -----------------------------------------------------------------
def _mode_log(T):
    from importlib import import_module
    lt = import_module(T.__name__ + ".testing._internal.logging_tensor")
    a = T.tensor(A, requires_grad=True)
    b = T.tensor(B, requires_grad=True)
    with lt.capture_logs(is_mode=True) as logs, lt.LoggingTensorMode():
        r = T._foreach_mul([a, b], [b, a])
        T._foreach_add_([a.detach().clone(), b.detach().clone()], 1.0)
        r2 = T._foreach_exp([a, b])
        (r[0].sum() + r2[1].sum()).backward()
        x = a * 1
        T._foreach_exp_([x])
        x.sum().backward()
        T._foreach_norm([a, b])[0].backward()
        p = T._foreach_pow([a, b], [b, a])
        (p[0].sum() + p[1].sum()).backward()
        T.ops.aten._foreach_exp.out([a.detach(), b.detach()], out=[T.empty(3), T.empty(3)])
        T._foreach_maximum([a, b], 0.5)[1].sum().backward()
    return list(logs)


def _mode_logs_fresh():
    """Both logs, taken in one fresh interpreter.  Which gradients AccumulateGrad steals, and
    so whether a log shows ``detach`` or a copy, depends on who else holds the tensors; after
    other tests under pytest (whose log capture can keep LoggingTensor's records, and their
    tensors, alive) PyTorch's and kindling's counts drift apart, so the comparison runs where
    only this program holds references."""
    import json
    import os
    import subprocess
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    code = ("import json, sys; sys.path.insert(0, %r); import torch, kindling, test_foreach; "
            "print(json.dumps([test_foreach._mode_log(kindling), test_foreach._mode_log(torch)]))"
            % here)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_dispatch_mode_log():
    k, t = _mode_logs_fresh()
    assert k == t


# ---- autograd ---------------------------------------------------------------------------------------
def _grad_case(f):
    def case(T):
        a = T.tensor(A, requires_grad=True)
        b = T.tensor(B, requires_grad=True)
        try:
            r = f(T, a, b)
            fn = r[0].grad_fn
            desc = [fn.name(), type(fn).__name__, len(fn.next_functions),
                    [x.grad_fn is fn for x in r]]
            g = T.autograd.grad(sum(x.sum() for x in r), [a, b], allow_unused=True)
            return desc + [_describe(T, x) for x in g]
        except Exception as e:  # noqa: BLE001 (the error is compared)
            return type(e).__name__, str(e)
    return case


def _pos(T, a, b):
    return [a.abs() + 0.5, b.abs() + 0.5]


UNARY = ("abs acos asin atan ceil cos cosh erf erfc exp expm1 floor frac lgamma log log10 "
         "log1p log2 neg reciprocal round rsqrt sigmoid sign sin sinh sqrt tan tanh trunc").split()
GRAD_CASES = {f"unary_{n}": (lambda n: lambda T, a, b: getattr(T, f"_foreach_{n}")(
    _pos(T, a, b)))(n) for n in UNARY}
for _n in ("add", "sub", "mul", "div", "clamp_min", "clamp_max", "maximum", "minimum"):
    GRAD_CASES[f"{_n}_List"] = (lambda n: lambda T, a, b: getattr(T, f"_foreach_{n}")(
        [a, b], [b, a]))(_n)
    GRAD_CASES[f"{_n}_Scalar"] = (lambda n: lambda T, a, b: getattr(T, f"_foreach_{n}")(
        [a, b], 0.3))(_n)
    GRAD_CASES[f"{_n}_ScalarList"] = (lambda n: lambda T, a, b: getattr(T, f"_foreach_{n}")(
        [a, b], [0.3, -0.4]))(_n)
GRAD_CASES.update({
    "add_alpha": lambda T, a, b: T._foreach_add([a, b], [b, a], alpha=2.5),
    "mul_tensor_one": lambda T, a, b: T._foreach_mul([a], T.tensor(2.0, requires_grad=True)),
    "mul_tensor_two": lambda T, a, b: T._foreach_mul([a, b], T.tensor(2.0, requires_grad=True)),
    "add_tensor": lambda T, a, b: T._foreach_add([a, b], T.tensor(2.0), alpha=3),
    "div_tensor": lambda T, a, b: T._foreach_div([a], T.tensor(2.0, requires_grad=True)),
    "pow_list": lambda T, a, b: T._foreach_pow(_pos(T, a, b), [b, a]),
    "pow_scalar": lambda T, a, b: T._foreach_pow(_pos(T, a, b), 2.5),
    "pow_scalarlist": lambda T, a, b: T._foreach_pow(_pos(T, a, b), [2.5, 3]),
    "pow_scalar_and_tensor": lambda T, a, b: T._foreach_pow(2.5, [a, b]),
    "addcmul": lambda T, a, b: T._foreach_addcmul([a, b], [b, a], [a, b], 0.5),
    "addcdiv_list": lambda T, a, b: T._foreach_addcdiv([a, b], [b, a], _pos(T, a, b), [0.5, 2]),
    "addcdiv_tensor": lambda T, a, b: T._foreach_addcdiv([a, b], [b, a], _pos(T, a, b),
                                                         T.tensor([0.5, 2.0])),
    "lerp_scalar": lambda T, a, b: T._foreach_lerp([a, b], [b, a], 0.3),
    "lerp_list": lambda T, a, b: T._foreach_lerp([a, b], [b, a], _pos(T, a, b)),
    "lerp_scalarlist": lambda T, a, b: T._foreach_lerp([a, b], [b, a], [0.3, 0.6]),
    "norm": lambda T, a, b: T._foreach_norm([a, b], 3),
    "max": lambda T, a, b: T._foreach_max([a, b]),
    "clone": lambda T, a, b: T._foreach_clone([a, b]),
    "copy": lambda T, a, b: T.ops.aten._foreach_copy([a, b], [b, a]),
    "zero": lambda T, a, b: T.ops.aten._foreach_zero([a, b]),
    "mm": lambda T, a, b: T._foreach_mm([a.view(1, 3)], [b.view(3, 1)]),
    "maximum_tie": lambda T, a, b: T._foreach_maximum([a, b], [0.3, 0.0]),
    "partial_requires_grad": lambda T, a, b: T._foreach_mul([a.detach(), b], [b, a.detach()]),
    "int_output": lambda T, a, b: T._foreach_add([a, T.tensor([1, 2])], 1),
    "complex": lambda T, a, b: T._foreach_exp([a.to(T.complex64)]),
})


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_functional_autograd(name):
    case = _grad_case(GRAD_CASES[name])
    assert outcome(kindling, case) == outcome(torch, case)


def _inplace_grad_case(f):
    def case(T):
        a = T.tensor(A, requires_grad=True)
        b = T.tensor(B, requires_grad=True)
        x, y = a * 1, b * 1
        try:
            f(T, [x, y], a, b)
            desc = [(t.grad_fn.name(), type(t.grad_fn).__name__, len(t.grad_fn.next_functions),
                     t._version) for t in (x, y)]
            g = T.autograd.grad(x.sum() + y.sum(), [a, b], allow_unused=True)
            return desc + [_describe(T, v) for v in g]
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
    return case


INPLACE_CASES = {
    "exp": lambda T, xs, a, b: T._foreach_exp_(xs),
    "sigmoid": lambda T, xs, a, b: T._foreach_sigmoid_(xs),
    "zero": lambda T, xs, a, b: T._foreach_zero_(xs),
    "add_list": lambda T, xs, a, b: T._foreach_add_(xs, [b, a], alpha=2.5),
    "mul_scalar": lambda T, xs, a, b: T._foreach_mul_(xs, 0.3),
    "div_list": lambda T, xs, a, b: T._foreach_div_(xs, [b, a]),
    "pow_scalarlist": lambda T, xs, a, b: T._foreach_pow_(xs, [2, 3]),
    "maximum_list": lambda T, xs, a, b: T._foreach_maximum_(xs, [b, a]),
    "maximum_scalar": lambda T, xs, a, b: T._foreach_maximum_(xs, 0.3),
    "clamp_min_scalarlist": lambda T, xs, a, b: T._foreach_clamp_min_(xs, [0.3, 0.0]),
    "mul_tensor": lambda T, xs, a, b: T._foreach_mul_(xs, T.tensor(2.0, requires_grad=True)),
    "addcmul": lambda T, xs, a, b: T._foreach_addcmul_(xs, [b, a], [a, b], 0.5),
    "addcdiv_tensor": lambda T, xs, a, b: T._foreach_addcdiv_(xs, [b, a], [a, b],
                                                             T.tensor([0.5, 2.0])),
    "lerp_list": lambda T, xs, a, b: T._foreach_lerp_(xs, [b, a], [b, a]),
    "copy": lambda T, xs, a, b: T._foreach_copy_(xs, [b, a]),
    "leaf": lambda T, xs, a, b: T._foreach_add_([a, b], 1.0),
    "one_leaf": lambda T, xs, a, b: T._foreach_add_([xs[0], b], 1.0),
    "partly_detached": lambda T, xs, a, b: T._foreach_add_([xs[0], xs[1].detach()], [a, b]),
}


@pytest.mark.parametrize("name", sorted(INPLACE_CASES))
def test_inplace_autograd(name):
    case = _inplace_grad_case(INPLACE_CASES[name])
    assert outcome(kindling, case) == outcome(torch, case)


def _double_backward(T):
    a = T.tensor(A, requires_grad=True, dtype=T.float64)
    b = T.tensor(B, requires_grad=True, dtype=T.float64)
    r = T._foreach_mul(T._foreach_exp([a, b]), [b, a])
    r += T._foreach_pow([a.abs() + 1, b.abs() + 1], [b, a])
    s = sum(x.sum() for x in r)
    ga, gb = T.autograd.grad(s, [a, b], create_graph=True)
    return _describe(T, list(T.autograd.grad((ga * gb).sum(), [a, b])))


def test_double_backward():
    assert outcome(kindling, _double_backward) == outcome(torch, _double_backward)


def test_gradcheck():
    a = kindling.tensor(A, dtype=kindling.float64, requires_grad=True)
    b = kindling.tensor(B, dtype=kindling.float64, requires_grad=True)
    assert kindling.autograd.gradcheck(
        lambda x, y: tuple(kindling._foreach_addcdiv([x, y], [y, x], [x * x + 1, y * y + 1],
                                                     [0.5, 2.0])), (a, b))
    assert kindling.autograd.gradgradcheck(
        lambda x, y: tuple(kindling._foreach_lerp([x, y], [y, x], [x, y])), (a, b))


# ---- forward AD ------------------------------------------------------------------------------------
def _fw_case(f, inplace=False):
    def case(T):
        from importlib import import_module
        fwAD = import_module(T.__name__ + ".autograd.forward_ad")
        a, b = T.tensor(A), T.tensor(B)
        try:
            with fwAD.dual_level():
                da = fwAD.make_dual(a.clone(), T.tensor([1.0, 2.0, 3.0]))
                db = fwAD.make_dual(b.clone(), T.tensor([0.5, -1.0, 2.0]))
                if inplace:
                    r = [da.clone(), b.clone()]
                    f(T, r, da, db)
                else:
                    r = f(T, da, db)
                return [_describe(T, fwAD.unpack_dual(x).tangent) for x in r]
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
    return case


FW_CASES = {
    "exp": lambda T, x, y: T._foreach_exp([x, y]),
    "exp_one_dual": lambda T, x, y: T._foreach_exp([x, T.tensor(B)]),
    "mul_list": lambda T, x, y: T._foreach_mul([x, y], [y, x]),
    "mul_scalar": lambda T, x, y: T._foreach_mul([x, y], 2.5),
    "add_alpha": lambda T, x, y: T._foreach_add([x, y], [y, x], alpha=2),
    "div_list": lambda T, x, y: T._foreach_div([x, y], [y, x]),
    "pow_list": lambda T, x, y: T._foreach_pow([x.abs(), y.abs()], [y, x]),
    "pow_scalarlist": lambda T, x, y: T._foreach_pow([x.abs(), y.abs()], [2.5, 1.5]),
    "pow_scalar_and_tensor": lambda T, x, y: T._foreach_pow(2.5, [x, y]),
    "addcmul": lambda T, x, y: T._foreach_addcmul([x, y], [y, x], [x, y], 0.5),
    "addcdiv_tensor": lambda T, x, y: T._foreach_addcdiv([x, y], [y, x], [x, y],
                                                         T.tensor([2.0, 3.0])),
    "lerp_list": lambda T, x, y: T._foreach_lerp([x, y], [y, x], [x, y]),
    "maximum_list": lambda T, x, y: T._foreach_maximum([x, y], [y, x]),
    "maximum_scalar": lambda T, x, y: T._foreach_maximum([x, y], 0.3),
    "minimum_scalarlist": lambda T, x, y: T._foreach_minimum([x, y], [0.3, 1.0]),
    "max": lambda T, x, y: T._foreach_max([x, y]),
    "norm": lambda T, x, y: T._foreach_norm([x, y]),
    "sigmoid": lambda T, x, y: T._foreach_sigmoid([x, y]),
}
FW_INPLACE_CASES = {
    "exp_": lambda T, r, x, y: T._foreach_exp_(r),
    "mul_": lambda T, r, x, y: T._foreach_mul_(r, [y, x]),
    "maximum_scalar_": lambda T, r, x, y: T._foreach_maximum_(r, 0.0),
    "maximum_list_": lambda T, r, x, y: T._foreach_maximum_(r, [y, x]),
    "copy_": lambda T, r, x, y: T._foreach_copy_(r, [y, x]),
    "zero_": lambda T, r, x, y: T._foreach_zero_(r),
}


@pytest.mark.parametrize("name", sorted(FW_CASES) + sorted(FW_INPLACE_CASES))
def test_forward_ad(name):
    case = _fw_case(FW_CASES[name]) if name in FW_CASES else \
        _fw_case(FW_INPLACE_CASES[name], inplace=True)
    assert outcome(kindling, case) == outcome(torch, case)
