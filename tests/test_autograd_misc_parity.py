"""gradcheck, the autograd profiler, checkpointing and conversions, compared with PyTorch: each
scenario runs on both libraries and the outcomes (values, exception types and texts, warnings)
must be equal."""
import warnings

import pytest

import kindling
from _parity import call_outcome

torch = pytest.importorskip("torch")


def _plain(r):
    """Tensors as (dtype name, nested lists), containers recursively."""
    if isinstance(r, (kindling.Tensor, torch.Tensor)):
        return ("tensor", str(r.dtype).split(".")[-1], repr(r.tolist()))
    if isinstance(r, (tuple, list)):
        return type(r).__name__, [_plain(x) for x in r]
    if isinstance(r, dict):
        return {k: _plain(v) for k, v in r.items()}
    return r


def _outcome(fn):
    return call_outcome(fn, _plain)


def _same(scenario):
    k, t = scenario(kindling), scenario(torch)
    assert k == t
    return k


# ---- gradcheck --------------------------------------------------------------------------------
def _nondet_function(T):
    """An identity whose backward scales the gradient by a different factor on every call."""
    calls = [0]

    class NonDet(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, jitter):
            ctx.jitter = jitter
            return x.view_as(x)

        @staticmethod
        def backward(ctx, g):
            calls[0] += 1
            return NonDet.apply(g, ctx.jitter) * (1 + calls[0] * ctx.jitter), None
    return NonDet


@pytest.mark.parametrize("fast_mode", [True, False])
@pytest.mark.parametrize("jitter,nondet_tol", [(1e-12, 0.0), (1e-12, 1e-5), (0.0, 0.0)])
def test_gradgradcheck_passes_nondet_tol_on(fast_mode, jitter, nondet_tol):
    def scenario(T):
        NonDet = _nondet_function(T)
        x = T.ones(2, 2, dtype=T.float64, requires_grad=True)
        return _outcome(lambda: T.autograd.gradgradcheck(
            lambda x: NonDet.apply(x, jitter), (x,), nondet_tol=nondet_tol,
            fast_mode=fast_mode))
    _same(scenario)


@pytest.mark.parametrize("fast_mode", [True, False])
@pytest.mark.parametrize("raise_exception", [True, False])
@pytest.mark.parametrize("fn", [
    lambda T, x: T.tensor([x.item()]),                      # depends on x: numerical != 0
    lambda T, x: T.tensor([1.0], dtype=T.float64),          # constant: passes
    lambda T, x: (),                                        # no outputs at all
    lambda T, x: (x.detach() * 2, (x * 2).long()),          # float and integer, no grad
])
def test_gradcheck_with_no_differentiable_outputs(fast_mode, raise_exception, fn):
    def scenario(T):
        x = T.ones(1, dtype=T.float64, requires_grad=True)
        return _outcome(lambda: T.autograd.gradcheck(lambda x: fn(T, x), (x,),
                                                     raise_exception=raise_exception,
                                                     fast_mode=fast_mode))
    _same(scenario)


def test_gradcheck_ignores_outputs_that_do_not_require_grad():
    # (slow mode: PyTorch's fast mode pairs the first float output's finite differences with
    # the first differentiable output's gradient here, a mismatch kindling does not copy)
    def scenario(T):
        x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
        return _outcome(lambda: T.autograd.gradcheck(
            lambda x: (x.detach() * 3, x * x, (x * 2).long()), (x,)))
    _same(scenario)


@pytest.mark.parametrize("kwargs", [dict(), dict(eps=1e-6), dict(target="a"),
                                    dict(target="c"), dict(grad_out=2.0)])
def test_get_numerical_jacobian_legacy_api(kwargs):
    def scenario(T):
        from importlib import import_module
        get_numerical_jacobian = import_module(
            T.__name__ + ".autograd.gradcheck").get_numerical_jacobian
        a = T.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=T.float64, requires_grad=True)
        b = T.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=T.float64, requires_grad=True)
        c = T.tensor([3.0], dtype=T.float64, requires_grad=True)
        kw = dict(kwargs)
        if "target" in kw:
            kw["target"] = {"a": (a,), "c": (c,)}[kw["target"]]

        def fn(inputs):
            x, y = inputs
            return 2 * x + y * c, x * y
        return _outcome(lambda: tuple(j.round(decimals=4)
                                      for j in get_numerical_jacobian(fn, (a, b), **kw)))
    _same(scenario)


@pytest.mark.parametrize("jitter", [0.0, 1e-6])
@pytest.mark.parametrize("grad_out", [1.0, 2.0])
def test_get_analytical_jacobian_legacy_api(jitter, grad_out):
    def scenario(T):
        from importlib import import_module
        get_analytical_jacobian = import_module(
            T.__name__ + ".autograd.gradcheck").get_analytical_jacobian
        NonDet = _nondet_function(T)
        a = T.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=T.float64, requires_grad=True)
        b = T.tensor([0.5, -1.0], dtype=T.float64, requires_grad=True)
        n = T.tensor([7.0], dtype=T.float64)
        out = NonDet.apply(a * b, jitter)
        return _outcome(lambda: get_analytical_jacobian((a, n, b), out, grad_out=grad_out))
    _same(scenario)
