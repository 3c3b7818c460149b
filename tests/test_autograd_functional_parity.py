"""``torch.autograd.functional`` (vjp, jvp, vhp, hvp, jacobian, hessian) against PyTorch, option
by option: ``create_graph``, ``strict``, ``vectorize``, ``strategy`` /
``outer_jacobian_strategy``, under ``no_grad``; what comes back (tuple nesting, dtype, shape,
``requires_grad``, whether a graph is attached, values), the warnings, and every error's type and
text (bad inputs, bad ``v``, outputs that are not tensors, strict-mode independence checks)."""
import warnings

import numpy as np
import pytest

import kindling

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")


def _x(T, *shape, dtype=None, rg=False, seed=0):
    n = int(np.prod(shape)) if shape else 1
    vals = [((i * 7 + seed * 3) % 11) / 5.0 - 1.0 for i in range(n)]
    return T.tensor(vals, dtype=dtype or T.float64).reshape(shape).requires_grad_(rg)


def _describe(T, r):
    """What a result is, values kept apart (compared with a tolerance)."""
    if isinstance(r, T.Tensor):
        vals = r.detach().reshape(-1).tolist()
        return ("Tensor", str(r.dtype), tuple(r.shape), r.requires_grad,
                r.grad_fn is not None), [complex(v) for v in vals]
    if isinstance(r, (tuple, list)):
        parts = [_describe(T, el) for el in r]
        return (type(r).__name__, tuple(p[0] for p in parts)), [v for p in parts for v in p[1]]
    return repr(r), []


def _run(T, case):
    """("ok", structure, values, warnings) or ("raise", type name, message)."""
    try:
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            r = case(T, T.autograd.functional)
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return ("raise", type(e).__name__, str(e))
    ws = [(w.category.__name__, str(w.message)) for w in ws
          if "torch.jit.script` is deprecated" not in str(w.message)]
    struct, vals = _describe(T, r)
    return ("ok", struct, vals, ws)


def _compare(torch, case):
    k, t = _run(kindling, case), _run(torch, case)
    assert k[0] == t[0], (k, t)
    if k[0] == "raise":
        assert k == t
        return
    assert k[1] == t[1] and k[3] == t[3], (k, t)
    np.testing.assert_allclose(np.array(k[2], dtype=complex), np.array(t[2], dtype=complex),
                               rtol=1e-10, atol=1e-12)


# ---- functions under test ----------------------------------------------------------------------
def _sq(x):
    return x ** 2


def _cubic(x):
    return (x ** 3).sum()


def _two(x, y):
    return x * y + y.exp()


def _two_out(x, y):
    return x * y, (x + y).sin()


def _sumsq2(x, y):
    return (x ** 2 * y).sum()


def _lin2(x, y):
    return (x * 2 + y).sum()


def _inplace(x):
    y = x.clone()
    y.mul_(2)
    return y


# (vector function for vjp/jvp, scalar function for vhp/hvp)
FNS = {
    "basic": (_sq, _cubic),
    "linear": (lambda x: 3 * x, lambda x: (2 * x).sum()),
    "detached": (lambda x: x.detach(), lambda x: x.detach().sum()),
    "identity": (lambda x: x, lambda x: x.sum()),
    "inplace": (_inplace, lambda x: _inplace(x).sum()),
    "int_output": (lambda x: x.argmax(), lambda x: x.argmax()),
    "not_a_tensor": (lambda x: 3, lambda x: 3),
    "list_output": (lambda x: [x, x], lambda x: [x.sum()]),
    "none_output": (lambda x: None, lambda x: None),
    "tuple_output": (lambda x: ((x ** 2).sum(), x), lambda x: (x.sum(),)),
    "vector_output": (_sq, _sq),
}
PRODUCTS = ["vjp", "jvp", "vhp", "hvp"]


def _fn(name, which):
    return FNS[which][name in ("vhp", "hvp")]


@pytest.mark.parametrize("name", PRODUCTS)
@pytest.mark.parametrize("which", ["basic", "linear", "detached", "identity", "inplace"])
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("inputs_require_grad", [False, True])
def test_products_options(torch, name, which, create_graph, strict, inputs_require_grad):
    def case(T, F):
        return getattr(F, name)(_fn(name, which), _x(T, 3, rg=inputs_require_grad),
                                _x(T, 3, seed=1, rg=inputs_require_grad),
                                create_graph=create_graph, strict=strict)
    _compare(torch, case)


@pytest.mark.parametrize("name", PRODUCTS)
@pytest.mark.parametrize("which", ["int_output", "not_a_tensor", "list_output", "none_output",
                                   "tuple_output", "vector_output"])
@pytest.mark.parametrize("strict", [False, True])
def test_products_outputs(torch, name, which, strict):
    def case(T, F):
        v = _x(T) if (name == "vjp" and which == "int_output") else _x(T, 3, seed=1)
        if name == "vjp" and which == "tuple_output":
            v = (_x(T), _x(T, 3))
        return getattr(F, name)(_fn(name, which), _x(T, 3), v, strict=strict)
    _compare(torch, case)


@pytest.mark.parametrize("name", PRODUCTS)
@pytest.mark.parametrize("what", ["list_inputs", "int_v", "list_v", "v_too_many", "v_size",
                                  "tuple_v_size", "v_none", "v_none_one_element", "v_none_0d",
                                  "int_inputs", "float32_inputs", "complex", "empty",
                                  "two_inputs", "two_inputs_strict", "independent_input",
                                  "independent_input_strict", "keywords"])
def test_products_arguments(torch, name, what):
    scalar = name in ("vhp", "hvp")
    f = _fn(name, "basic")
    f2 = _sumsq2 if scalar else _two

    def case(T, F):
        fn = getattr(F, name)
        x, v = _x(T, 3), _x(T, 3, seed=1)
        two = (_x(T, 3), _x(T, 3, seed=2)), (_x(T, 3, seed=1), _x(T, 3, seed=3))
        if what == "list_inputs":
            return fn(f, [x], v)
        if what == "int_v":
            return fn(f, x, 3)
        if what == "list_v":
            return fn(f, x, [v])
        if what == "v_too_many":
            return fn(f, x, (v, v))
        if what == "v_size":
            return fn(f, x, _x(T, 2))
        if what == "tuple_v_size":
            return fn(f2, two[0], (two[1][0], _x(T, 2)))
        if what == "v_none":
            return fn(f, x)
        if what == "v_none_one_element":
            return fn(f, _x(T, 1))
        if what == "v_none_0d":
            return fn(f, _x(T))
        if what == "int_inputs":
            return fn(f, T.arange(3), T.arange(3))
        if what == "float32_inputs":
            return fn(f, _x(T, 3, dtype=T.float32), v)
        if what == "complex":
            g = (lambda a: (a * a).abs().sum()) if scalar else (lambda a: a * a)
            # (the imaginary parts' signed zeros of a double backward are not compared)
            res = fn(g, _x(T, 3, dtype=T.complex128), _x(T, 3, dtype=T.complex128))
            return tuple(r + 0 for r in res)
        if what == "empty":
            return fn(f, _x(T, 0), _x(T, 0))
        if what == "two_inputs":
            return fn(f2, *two)
        if what == "two_inputs_strict":
            return fn(_lin2 if scalar else _two, *two, strict=True)
        if what in ("independent_input", "independent_input_strict"):
            g = (lambda a, b: (a * a).sum()) if scalar else (lambda a, b: a * 2)
            return fn(g, (_x(T, 3), _x(T, 2)), (_x(T, 3, seed=1), _x(T, 2, seed=2)),
                      strict=what.endswith("strict"))
        return fn(func=f, inputs=x, v=v)
    _compare(torch, case)


@pytest.mark.parametrize("name", PRODUCTS)
@pytest.mark.parametrize("create_graph", [False, True])
def test_products_under_no_grad(torch, name, create_graph):
    def case(T, F):
        with T.no_grad():
            return getattr(F, name)(_fn(name, "basic"), _x(T, 3, rg=True),
                                    _x(T, 3, seed=1, rg=True), create_graph=create_graph)
    _compare(torch, case)


JAC_FNS = {
    "square": (_sq, lambda T: _x(T, 3)),
    "two_in_two_out": (_two_out, lambda T: (_x(T, 2, 2), _x(T, 2, 2, seed=1))),
    "detached": (lambda x: x.detach(), lambda T: _x(T, 3)),
    "independent": (lambda x, y: x * 2, lambda T: (_x(T, 3), _x(T, 2))),
    "linear_rg": (lambda x: 3 * x, lambda T: _x(T, 3, rg=True)),
    "int_output": (lambda x: x.argmax(), lambda T: _x(T, 3)),
    "empty": (_sq, lambda T: _x(T, 0)),
    "0d": (_sq, lambda T: _x(T)),
    "float32_in": (lambda x: x.double() * 2, lambda T: _x(T, 2, dtype=T.float32)),
}


@pytest.mark.parametrize("which", list(JAC_FNS))
@pytest.mark.parametrize("vectorize", [False, True])
@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("strict", [False, True])
def test_jacobian_options(torch, which, vectorize, strategy, create_graph, strict):
    fn, inputs = JAC_FNS[which]

    def case(T, F):
        return F.jacobian(fn, inputs(T), create_graph=create_graph, strict=strict,
                          vectorize=vectorize, strategy=strategy)
    _compare(torch, case)


HESS_FNS = {
    "cubic": (_cubic, lambda T: _x(T, 3)),
    "two_inputs": (_sumsq2, lambda T: (_x(T, 2), _x(T, 2, seed=1))),
    "linear": (lambda x: (2 * x).sum(), lambda T: _x(T, 3)),
    "quadratic": (lambda x: (x * x).sum(), lambda T: _x(T, 3)),
    "detached": (lambda x: x.detach().sum(), lambda T: _x(T, 3)),
}


@pytest.mark.parametrize("which", list(HESS_FNS))
@pytest.mark.parametrize("vectorize", [False, True])
@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("strict", [False, True])
def test_hessian_options(torch, which, vectorize, strategy, create_graph, strict):
    fn, inputs = HESS_FNS[which]

    def case(T, F):
        return F.hessian(fn, inputs(T), create_graph=create_graph, strict=strict,
                         vectorize=vectorize, outer_jacobian_strategy=strategy)
    _compare(torch, case)


@pytest.mark.parametrize("case", [
    lambda T, F: F.jacobian(_sq, _x(T, 3), strategy="foo"),
    lambda T, F: F.hessian(_cubic, _x(T, 3), outer_jacobian_strategy="foo"),
    lambda T, F: F.jacobian(_sq, [_x(T, 3)]),
    lambda T, F: F.jacobian(lambda x: 3, _x(T, 3)),
    lambda T, F: F.jacobian(lambda x: 3, _x(T, 3), vectorize=True, strategy="forward-mode"),
    lambda T, F: F.jacobian(lambda x: [x, x], _x(T, 3)),
    lambda T, F: F.jacobian(lambda x: [x, x], _x(T, 3), vectorize=True,
                            strategy="forward-mode"),
    lambda T, F: F.jacobian(_sq, T.arange(3)),
    lambda T, F: F.jacobian(_sq, T.arange(3), vectorize=True),
    lambda T, F: F.jacobian(_sq, T.arange(3), vectorize=True, strategy="forward-mode"),
    lambda T, F: F.jacobian(lambda x: x * x, _x(T, 2, dtype=T.complex128)),
    lambda T, F: F.jacobian(lambda x: x * x, _x(T, 2, dtype=T.complex128), vectorize=True),
    lambda T, F: F.hessian(_sq, _x(T, 3)),
    lambda T, F: F.hessian(lambda x: (x.sum(),), _x(T, 3)),
    lambda T, F: F.hessian(lambda x: 3, _x(T, 3)),
    lambda T, F: F.hessian(lambda x: x ** 3, _x(T, 1)),
    lambda T, F: F.hessian(_cubic, [_x(T, 3)]),
    lambda T, F: F.jacobian(func=_sq, inputs=_x(T, 2), create_graph=False, strict=False,
                            vectorize=False, strategy="reverse-mode"),
    lambda T, F: F._construct_standard_basis_for((_x(T, 2), _x(T, 3, dtype=T.float32)), (2, 3)),
    lambda T, F: F._construct_standard_basis_for((_x(T, 2),), (2, 3)),
    lambda T, F: F._construct_standard_basis_for((), ()),
    lambda T, F: sorted(F.__all__),
])
def test_jacobian_hessian_misc(torch, case):
    _compare(torch, case)


def test_create_graph_results_differentiate_as_torch(torch):
    """A result built with ``create_graph=True`` backpropagates to the inputs and to ``v``."""
    grads = []
    for T in (kindling, torch):
        F = T.autograd.functional
        x, v = _x(T, 3, rg=True), _x(T, 3, seed=1, rg=True)
        out = [F.vjp(_sq, x, v, create_graph=True)[1], F.jvp(_sq, x, v, create_graph=True)[1],
               F.hvp(_cubic, x, v, create_graph=True)[1],
               F.vhp(_cubic, x, v, create_graph=True)[1],
               F.jacobian(_sq, x, create_graph=True), F.hessian(_cubic, x, create_graph=True)]
        total = sum((o * o).sum() for o in out)
        grads.append([g.tolist() for g in T.autograd.grad(total, (x, v))])
    np.testing.assert_allclose(np.array(grads[0]), np.array(grads[1]), rtol=1e-10)


def test_root_gradients_cast_to_the_outputs_dtype(torch):
    """The engine casts a root gradient to its output's dtype before the first node runs
    (Engine::execute validates the roots): a float64 ``v`` for a float32 output gives float32
    arithmetic, bit for bit."""
    res = []
    for T in (kindling, torch):
        seen = []
        x = T.tensor([-0.4, 0.7, 1.3], requires_grad=True)
        y = x ** 2
        y.grad_fn.register_prehook(lambda g: seen.append(str(g[0].dtype)))
        v = T.tensor([0.2, -0.3, 0.1], dtype=T.float64)
        g1, = T.autograd.grad(y, x, v)
        (x * 3).backward(v)
        g2 = T.autograd.grad(y, y, v)[0]
        res.append((seen, str(g1.dtype), g1.tolist(), x.grad.tolist(), str(g2.dtype),
                    g2.tolist()))
    assert res[0] == res[1]
