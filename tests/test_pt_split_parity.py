"""Differences that PyTorch's split autograd tests (test/autograd/*.py) showed, against PyTorch:
``autograd.functional`` (vectorize, forward-mode strategy, strict checks, hvp), gradcheck of
wrapper subclasses, ``Tensor._use_count``, the Autograd fallback's modes, ``torch.ops``
namespaces after ``delattr``."""
import contextlib
import warnings

import numpy as np
import pytest

import kindling
from kindling.testing._internal.logging_tensor import LoggingTensor as KLoggingTensor

from tests._parity import call_outcome

torch = pytest.importorskip("torch")
from torch.testing._internal.logging_tensor import LoggingTensor as TLoggingTensor  # noqa: E402

# PyTorch's functional API warns about torch.jit.script deprecation from its own internals
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")

_RNG = np.random.RandomState(0)


def _pair(*shape, dtype="float64"):
    a = _RNG.standard_normal(shape).astype(dtype)
    return kindling.tensor(a), torch.tensor(a)


def _close(k, t):
    """Nested tuples of tensors: same structure, dtypes and values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(k, kindling.Tensor)
        assert tuple(k.shape) == tuple(t.shape)
        assert str(k.dtype) == str(t.dtype)
        np.testing.assert_allclose(k.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-8)
        return
    # (PyTorch's forward-mode jacobian gives lists)
    assert type(k) is type(t) and type(t) in (tuple, list) and len(k) == len(t)
    for a, b in zip(k, t):
        _close(a, b)


# ---- autograd.functional -------------------------------------------------------------------
def _f_multi(T):
    return lambda x, y: ((x * x) @ y, x @ (x.sum(1) * y), y.sum())


@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_vectorize_matches_pytorch(vectorize):
    kx, tx = _pair(5, 3)
    ky, ty = _pair(3, 5)
    k = kindling.autograd.functional.jacobian(_f_multi(kindling), (kx, ky), vectorize=vectorize)
    t = torch.autograd.functional.jacobian(_f_multi(torch), (tx, ty), vectorize=vectorize)
    _close(k, t)


def test_jacobian_forward_mode_strategy_matches_pytorch():
    kx, tx = _pair(2, 3)
    ky, ty = _pair(3, 5)

    def f(x, y):
        return (x.cos() * x) @ y.sin()
    k = kindling.autograd.functional.jacobian(f, (kx, ky), strategy="forward-mode", vectorize=True)
    t = torch.autograd.functional.jacobian(f, (tx, ty), strategy="forward-mode", vectorize=True)
    _close(k, t)


def test_jacobian_vectorize_unrelated_and_zero_dim_outputs():
    kx, tx = _pair(3)
    ky, ty = _pair(3)

    def f(x, y):
        return x.sum(), y.sum(), x * y, x
    for strategy in ("reverse-mode", "forward-mode"):
        k = kindling.autograd.functional.jacobian(f, (kx, ky), vectorize=True, strategy=strategy)
        t = torch.autograd.functional.jacobian(f, (tx, ty), vectorize=True, strategy=strategy)
        _close(k, t)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_hessian_vectorize_matches_pytorch(strategy):
    kx, tx = _pair(2, 3)
    ky, ty = _pair(3, 5)

    def f(x, y):
        return ((x.relu() * x) @ y.sin()).sum()
    k = kindling.autograd.functional.hessian(f, (kx, ky), vectorize=True,
                                             outer_jacobian_strategy=strategy)
    t = torch.autograd.functional.hessian(f, (tx, ty), vectorize=True,
                                          outer_jacobian_strategy=strategy)
    _close(k, t)


def test_vectorize_raises_no_warning():
    kx, _ = _pair(3)
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        kindling.autograd.functional.jacobian(lambda a: (a ** 2).sum(), kx, vectorize=True)
        kindling.autograd.functional.hessian(lambda a: (a ** 2).sum(), kx, vectorize=True)
    assert ws == []


def _both(fn_name, build):
    """The outcome of ``build(lib, F)`` for kindling and PyTorch (type and message)."""
    outs = []
    for lib in (kindling, torch):
        F = lib.autograd.functional
        outs.append(call_outcome(lambda: build(lib, getattr(F, fn_name))))
    return outs


@pytest.mark.parametrize("case", [
    "jacobian_strict_vectorize", "hessian_strict_vectorize", "jacobian_bad_strategy",
    "hessian_bad_strategy", "jacobian_forward_create_graph", "jacobian_forward_strict",
    "jacobian_forward_not_vectorized", "vjp_strict_create_graph", "jvp_strict_create_graph",
    "hvp_bad_input", "hvp_bad_v", "hvp_not_scalar", "hvp_strict_linear", "vhp_strict_linear",
])
def test_functional_errors_match_pytorch(case):
    name, _, kind = case.partition("_")

    def build(lib, fn):
        x = lib.ones(4, dtype=lib.float64)
        if kind == "strict_vectorize":
            return fn(lambda a: (a ** 3).sum(), x, strict=True, vectorize=True)
        if kind == "bad_strategy":
            key = "strategy" if name == "jacobian" else "outer_jacobian_strategy"
            return fn(lambda a: a.sum(), x, **{key: "sideways"})
        if kind == "forward_create_graph":
            return fn(lambda a: a, x, create_graph=True, strategy="forward-mode", vectorize=True)
        if kind == "forward_strict":
            return fn(lambda a: a, x, strict=True, strategy="forward-mode", vectorize=True)
        if kind == "forward_not_vectorized":
            return fn(lambda a: a, x, strategy="forward-mode")
        if kind == "strict_create_graph":  # a Jacobian that does not depend on the input
            v = lib.ones(4, dtype=lib.float64)
            return fn(lambda a: a.clone(), x.requires_grad_(), v, create_graph=True, strict=True)
        if kind == "bad_input":
            return fn(lambda a: a.sum(), (x, 2), x)
        if kind == "bad_v":
            return fn(lambda a: a.sum(), x, (x, 2))
        if kind == "not_scalar":
            return fn(lambda a: 3 * a, x, x)
        if kind == "strict_linear":
            return fn(lambda a: (3 * a).sum(), x, x, strict=True)
        raise AssertionError(kind)
    k, t = _both(name, build)
    assert k == t
    assert t[0] == "raised"


def test_hvp_matches_pytorch_values_and_graph():
    kx, tx = _pair(4)
    kv, tv = _pair(4)

    def f(a):
        return 3 * a.narrow(0, 0, 3).exp().sum()
    k = kindling.autograd.functional.hvp(f, kx, kv)
    t = torch.autograd.functional.hvp(f, tx, tv)
    _close(k, t)
    assert k[1].grad_fn is None
    kx.requires_grad_()
    kv.requires_grad_()
    k = kindling.autograd.functional.hvp(f, kx, kv, create_graph=True)
    assert k[1].grad_fn is not None


def test_construct_standard_basis_for_matches_pytorch():
    ks = (kindling.ones(2, 3), kindling.ones(()), kindling.ones(3, dtype=kindling.float64))
    ts = (torch.ones(2, 3), torch.ones(()), torch.ones(3, dtype=torch.float64))
    numels = tuple(t.numel() for t in ts)
    k = kindling.autograd.functional._construct_standard_basis_for(ks, numels)
    t = torch.autograd.functional._construct_standard_basis_for(ts, numels)
    _close(k, t)


def test_batched_grad_frees_the_graph_unless_retained():
    for lib in (kindling, torch):
        x = lib.ones(3, dtype=lib.float64, requires_grad=True)
        y = x * x
        lib.autograd.grad(y, x, lib.eye(3, dtype=lib.float64), is_grads_batched=True)
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            lib.autograd.grad(y, x, lib.ones(3, dtype=lib.float64))


# ---- gradcheck over wrapper subclasses -----------------------------------------------------
def test_gradcheck_and_gradgradcheck_of_logging_tensors():
    a = _RNG.random_sample((2, 2))
    for lib, LT in ((kindling, KLoggingTensor), (torch, TLoggingTensor)):
        x = LT(lib.tensor(a), requires_grad=True)
        v = LT(lib.ones(2, dtype=lib.float64), requires_grad=True)
        F = lib.autograd.functional

        def fn(x, v):
            return F.vjp(lambda t: t.sum(1) ** 2, x, v, create_graph=True)
        assert lib.autograd.gradcheck(fn, (x, v))
        assert lib.autograd.gradgradcheck(fn, (x, v))
        assert x._version == 0


def test_gradcheck_of_logging_tensor_reports_mismatch():
    a = _RNG.random_sample(3)
    outs = []
    for lib, LT in ((kindling, KLoggingTensor), (torch, TLoggingTensor)):
        x = LT(lib.tensor(a), requires_grad=True)
        outs.append(call_outcome(lambda: lib.autograd.gradcheck(
            lambda t: (t * t).detach().requires_grad_(), (x,))))
    assert outs[0][:2] == outs[1][:2] == ("raised", "GradcheckError")


# ---- Tensor._use_count ---------------------------------------------------------------------
def _use_counts(lib):
    class P(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g

    out = []
    a = lib.ones(3)
    out.append(a._use_count())
    v, w = a[0], a.view(3)
    out.append(a._use_count())
    del v, w
    out.append(a._use_count())
    a.requires_grad_()
    b = a * 2
    out.append(a._use_count())           # its AccumulateGrad node
    c = a.sin()
    out.append(a._use_count())           # + saved by SinBackward0
    e = a.exp()
    out.append(e._use_count())           # a saved output does not count
    q = a + 1
    r = P.apply(q)
    out.append(q._use_count())           # saved by a custom Function
    del b, c, e, r
    out.append(a._use_count())
    s = (a * 2).sum()
    s.backward(retain_graph=True)
    out.append(a._use_count())
    del s, q
    out.append(a._use_count())
    return out


def test_use_count_matches_pytorch():
    assert _use_counts(kindling) == _use_counts(torch)


# ---- the Autograd fallback -------------------------------------------------------------------
@contextlib.contextmanager
def _fallback_mode(lib, mode):
    prev = lib._C._get_autograd_fallback_mode()
    lib._C._set_autograd_fallback_mode(mode)
    try:
        yield
    finally:
        lib._C._set_autograd_fallback_mode(prev)


def test_fallback_mode_get_set():
    assert kindling._C._get_autograd_fallback_mode() == torch._C._get_autograd_fallback_mode()
    for lib in (kindling, torch):
        with pytest.raises(RuntimeError, match="NYI: mode='error'"):
            lib._C._set_autograd_fallback_mode("error")
        with pytest.raises(RuntimeError, match="Unsupported AutogradFallbackMode: bad"):
            lib._C._set_autograd_fallback_mode("bad")
        assert lib._C._get_autograd_fallback_mode() == "warn"


_FALLBACK_CASES = {
    # name: (schema, kernel, how the test uses the op)
    "composite": ("foo(Tensor self) -> Tensor", lambda x: x.sin().sum(), "backward"),
    "return_self": ("foo(Tensor self) -> Tensor", lambda x: x, "sum_backward"),
    "inplace_return_self": ("foo(Tensor(a!) self) -> Tensor(a!)", lambda x: x, "sum_backward"),
    "no_grad_output": ("foo(Tensor self) -> Tensor", None, "sum_backward"),
    "leaf_output": ("foo(Tensor a) -> (Tensor, Tensor)",
                    lambda a: (a.clone(), a.clone().detach().requires_grad_()), "second"),
}


def _run_fallback_case(lib, mode, name):
    schema, kernel, use = _FALLBACK_CASES[name]
    if kernel is None:
        def kernel(x):
            with lib.no_grad():
                return x * 2
    ns = "_kindling_fallback_" + name
    lib_ = lib.library.Library(ns, "FRAGMENT")
    try:
        lib_.define(schema)
        lib_.impl("foo", kernel, "CPU")
        op = getattr(getattr(lib.ops, ns), "foo").default
        with _fallback_mode(lib, mode):
            x = lib.ones(3, dtype=lib.float64, requires_grad=True)
            with warnings.catch_warnings(record=True) as ws:
                warnings.simplefilter("always")
                try:
                    _use_op(lib, op, x, use)
                    out = "ok"
                except RuntimeError as e:
                    out = str(e)
            warned = any("an autograd kernel was not registered" in str(w.message) for w in ws)
            grad = None if x.grad is None else x.grad.tolist()
        return out, warned, grad
    finally:
        lib_._destroy()


def _use_op(lib, op, x, use):
    y = op(x)
    if use == "backward":
        y.backward()
    elif use == "sum_backward":
        y.sum().backward()
    else:
        y[1].sum().backward()


@pytest.mark.parametrize("mode", ["nothing", "warn"])
@pytest.mark.parametrize("name", sorted(_FALLBACK_CASES))
def test_fallback_modes_match_pytorch(mode, name):
    assert _run_fallback_case(kindling, mode, name) == _run_fallback_case(torch, mode, name)


def test_ops_namespace_comes_back_after_delattr():
    for lib in (kindling, torch):
        ns = "_kindling_ns_delattr"
        assert hasattr(lib.ops, ns)
        delattr(lib.ops, ns)
        assert hasattr(lib.ops, ns)
        delattr(lib.ops, ns)
