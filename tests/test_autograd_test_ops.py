"""PyTorch's test-only autograd ops (``_test_autograd_multiple_dispatch`` and its ``.ntonly``
overload, ``_test_autograd_multiple_dispatch_view`` and its ``_view_copy`` form,
``torch._C._nn._test_warn_in_autograd``) against PyTorch 2.13 on CPU: schemas, tags, values,
grad_fn names and saved values, gradients (the bogus ``grad + 1`` of the Default formula,
clone's for the CompositeImplicit overload), forward-AD tangents and refusals, the warning
raised in backward, view semantics, ``out=`` forms, errors, and what modes see."""
import warnings

import numpy as np
import pytest

import kindling
from tests._parity import call_outcome, dispatch_log, outcome

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("T", [kindling, torch], ids=["kindling", "torch"])

_RNG = np.random.default_rng(7)
_X = _RNG.standard_normal((3, 4)).round(4).tolist()
_G = _RNG.standard_normal((3, 4)).round(4).tolist()
_G_FLAT = _RNG.standard_normal(12).round(4).tolist()


def _both(case):
    """``case`` run on kindling and on torch gives the same outcome."""
    assert outcome(kindling, case) == outcome(torch, case)


def _plain(x):
    """Tensors (also inside tuples and lists) as comparable values."""
    if isinstance(x, (kindling.Tensor, torch.Tensor)):
        return (str(x.dtype), tuple(x.shape), x.stride(), repr(x.tolist()))
    if isinstance(x, (tuple, list)):
        return [_plain(v) for v in x]
    return x


def _same(case):
    k, t = case(kindling), case(torch)
    assert _plain(k) == _plain(t)
    return k


def _name(fn):
    return None if fn is None else type(fn).__name__


# ---- schemas, tags, where the functions live --------------------------------------------------
_OVERLOADS = [("_test_autograd_multiple_dispatch", "fullcoverage"),
              ("_test_autograd_multiple_dispatch", "fullcoverage_out"),
              ("_test_autograd_multiple_dispatch", "ntonly"),
              ("_test_autograd_multiple_dispatch_view", "default"),
              ("_test_autograd_multiple_dispatch_view_copy", "default"),
              ("_test_autograd_multiple_dispatch_view_copy", "out"),
              ("_test_warn_in_autograd", "default"),
              ("_test_warn_in_autograd", "out")]


@pytest.mark.parametrize("name,overload", _OVERLOADS)
def test_schema_and_tags(name, overload):
    def facts(T):
        op = getattr(getattr(T.ops.aten, name), overload)
        return str(op._schema), [t.name for t in op.tags], \
            sorted(getattr(T.ops.aten, name).overloads())
    assert facts(kindling) == facts(torch)


def test_where_the_functions_live():
    def facts(T):
        return [hasattr(T, "_test_autograd_multiple_dispatch"),
                hasattr(T, "_test_autograd_multiple_dispatch_view"),
                hasattr(T, "_test_autograd_multiple_dispatch_view_copy"),
                hasattr(T, "_test_warn_in_autograd"),
                hasattr(T._C._nn, "_test_warn_in_autograd"),
                T._C._nn._test_warn_in_autograd.__name__,
                hasattr(T.Tensor, "_test_autograd_multiple_dispatch"),
                hasattr(T.Tensor, "_test_autograd_multiple_dispatch_view")]
    assert facts(kindling) == facts(torch)


# ---- values, nodes, gradients ---------------------------------------------------------------
_CALLS = {
    "fullcoverage": lambda T, x: T._test_autograd_multiple_dispatch(x),
    "ntonly": lambda T, x: T._test_autograd_multiple_dispatch(x, True),
    "ntonly_kw": lambda T, x: T._test_autograd_multiple_dispatch(x, b=False),
    "ntonly_op": lambda T, x: T.ops.aten._test_autograd_multiple_dispatch.ntonly(x, False),
    "view": lambda T, x: T._test_autograd_multiple_dispatch_view(x),
    "view_copy": lambda T, x: T._test_autograd_multiple_dispatch_view_copy(x),
    "warn": lambda T, x: T._C._nn._test_warn_in_autograd(x),
}


@pytest.mark.parametrize("call", sorted(_CALLS))
def test_values_nodes_and_gradients(call):
    def case(T):
        x = T.tensor(_X, requires_grad=True)
        out = _CALLS[call](T, x)
        g = T.tensor(_G_FLAT if out.dim() == 1 else _G)
        facts = [out.detach(), _name(out.grad_fn), out._is_view(), out._base is x,
                 out.requires_grad, out.is_leaf, out._version]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.backward(g)
        return facts + [x.grad]
    _same(case)


def test_bogus_default_gradient_is_grad_plus_one():
    # (the Default formula of derivatives.yaml; CUDA's ``grad * 2`` has no kindling device)
    x = kindling.tensor(_X, requires_grad=True)
    g = kindling.tensor(_G)
    kindling._test_autograd_multiple_dispatch(x).backward(g)
    assert kindling.equal(x.grad, g + 1)


@pytest.mark.parametrize("call", ["fullcoverage", "view", "view_copy", "warn"])
def test_saved_values(call):
    def case(T):
        x = T.tensor(_X, requires_grad=True)
        fn = _CALLS[call](T, x).grad_fn
        saved = sorted(a for a in dir(fn) if a.startswith("_saved_"))
        return saved, [_plain(getattr(fn, a)) for a in saved], \
            [getattr(fn, a) is x for a in saved], fn.name(), \
            [(_name(f), i) for f, i in fn.next_functions]
    _same(case)


@pytest.mark.parametrize("call", ["fullcoverage", "view", "view_copy", "ntonly"])
def test_double_backward(call):
    def case(T):
        x = T.tensor(_X, dtype=T.float64, requires_grad=True)
        out = _CALLS[call](T, x)
        g = T.ones(out.shape, dtype=T.float64, requires_grad=True)
        gx, = T.autograd.grad(out, x, g, create_graph=True)
        ggx, = T.autograd.grad(gx.sum(), g)
        return gx.detach(), _name(gx.grad_fn), ggx
    _same(case)


def test_complex_outputs_refused():
    def case(T):
        return T._test_autograd_multiple_dispatch(
            T.ones(2, dtype=T.complex64, requires_grad=True))
    _both(case)


@pytest.mark.parametrize("dtype", ["int64", "float16", "float64", "bool"])
@pytest.mark.parametrize("call", ["fullcoverage", "ntonly", "view", "view_copy", "warn"])
def test_dtypes_and_layouts(call, dtype):
    def case(T):
        x = T.tensor(_X).t().contiguous().t().to(getattr(T, dtype))  # (column-major)
        return _CALLS[call](T, x)  # (the views: no view(-1) of it)
    _both(case)


# ---- forward AD -----------------------------------------------------------------------------
@pytest.mark.parametrize("call", sorted(_CALLS))
def test_forward_ad(call):
    def case(T):
        fwAD = T.autograd.forward_ad
        with fwAD.dual_level():
            d = fwAD.make_dual(T.tensor(_X), T.tensor(_G))
            p, t = fwAD.unpack_dual(_CALLS[call](T, d))
            return p, t
    def run(T):
        # (torch's first forward-AD use imports code that warns of torch.jit.script)
        r = call_outcome(lambda: case(T), _plain)
        return r[:2] if r[0] == "returned" else r
    assert run(kindling) == run(torch)


# ---- the warning raised in backward ---------------------------------------------------------
def _warning_message(w):
    # (PyTorch adds where in its C++ sources the warning was raised)
    return str(w.message).split(" (Triggered internally at")[0]


def test_warning_in_backward():
    def case(T):
        a = T.zeros((), requires_grad=True)
        b = T._C._nn._test_warn_in_autograd(a)
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            b.backward()
        return [(w.category.__name__, _warning_message(w)) for w in ws], a.grad
    _same(case)


def test_backward_warning_points_at_user_code():
    a = kindling.zeros((), requires_grad=True)
    b = kindling._C._nn._test_warn_in_autograd(a * 2)
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        b.backward()
    assert [w.filename for w in ws] == [__file__]


def test_backward_warning_as_error_comes_after_the_gradients():
    # PyTorch issues backward's warnings when it returns: an "error" filter raises then,
    # the gradients already accumulated
    def case(T):
        a = T.ones(2, requires_grad=True)
        b = T._C._nn._test_warn_in_autograd(a * 3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                b.sum().backward()
                err = None
            except UserWarning as e:
                err = str(e).split(" (Triggered internally at")[0]
        return err, a.grad
    _same(case)


def test_backward_warning_with_autograd_grad():
    def case(T):
        a = T.ones(2, requires_grad=True)
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            g, = T.autograd.grad(T._C._nn._test_warn_in_autograd(a).sum(), a)
        return [_warning_message(w) for w in ws], g
    _same(case)


def test_warning_when_the_node_is_called_directly():
    def case(T):
        b = T._C._nn._test_warn_in_autograd(T.ones(2, requires_grad=True))
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            r = b.grad_fn(T.ones(2))
        return r, [(_warning_message(w), w.filename) for w in ws]
    _same(case)


def test_no_warning_without_backward():
    def case(T):
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            T._C._nn._test_warn_in_autograd(T.ones(2, requires_grad=True))
        return len(ws)
    _same(case)


# ---- the view op ----------------------------------------------------------------------------
def test_inplace_on_view_of_non_leaf():
    def case(T):
        x = T.tensor(_X, requires_grad=True)
        y = x * 1
        v = T._test_autograd_multiple_dispatch_view(y)
        v.mul_(2)
        facts = [_name(v.grad_fn), _name(y.grad_fn), v._version, y._version, y.detach()]
        v.backward(T.tensor(_G_FLAT))
        return facts + [x.grad]
    _same(case)


def test_view_of_view_and_base():
    def case(T):
        y = T.tensor(_X, requires_grad=True) * 1
        w = T._test_autograd_multiple_dispatch_view(T._test_autograd_multiple_dispatch_view(y))
        return w._base is y, _name(w.grad_fn), _name(w.grad_fn.next_functions[0][0])
    _same(case)


@pytest.mark.parametrize("which", ["leaf", "no_grad"])
def test_inplace_view_errors(which):
    def case(T):
        x = T.tensor(_X, requires_grad=True)
        if which == "leaf":
            T._test_autograd_multiple_dispatch_view(x).mul_(2)
        else:
            with T.no_grad():
                v = T._test_autograd_multiple_dispatch_view(x)
            v.mul_(2)
    _both(case)


def test_view_shares_storage_and_version():
    def case(T):
        x = T.tensor(_X)
        v = T._test_autograd_multiple_dispatch_view(x)
        c = T._test_autograd_multiple_dispatch_view_copy(x)
        x.add_(1)
        return v, c, v._version, c._version, v.data_ptr() == x.data_ptr(), \
            c.data_ptr() == x.data_ptr()
    _same(case)


# ---- out= forms ------------------------------------------------------------------------------
def test_view_copy_out():
    def case(T):
        o = T.empty(0)
        r = T._test_autograd_multiple_dispatch_view_copy(T.tensor(_X), out=o)
        return r is o, o
    _same(case)


@pytest.mark.parametrize("name,overload", [
    ("_test_autograd_multiple_dispatch", "fullcoverage_out"),
    ("_test_autograd_multiple_dispatch_view_copy", "out"),
    ("_test_warn_in_autograd", "out")])
def test_ops_out_overloads(name, overload):
    def case(T):
        o = T.empty(5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (the resize of a non-empty out)
            r = getattr(getattr(T.ops.aten, name), overload)(T.tensor(_X), out=o)
        return r is o, o
    _same(case)


# ---- errors ------------------------------------------------------------------------------------
_NC = lambda T: T.tensor(_X).t()  # noqa: E731 (non-contiguous: no view(-1))
_BAD = {
    "no_args": lambda T: T._test_autograd_multiple_dispatch(),
    "int_b": lambda T: T._test_autograd_multiple_dispatch(T.ones(2), 1),
    "too_many": lambda T: T._test_autograd_multiple_dispatch(T.ones(2), True, True),
    "not_tensor": lambda T: T._test_autograd_multiple_dispatch(3),
    "out_unbound": lambda T: T._test_autograd_multiple_dispatch(T.ones(2), out=T.empty(0)),
    "view_nc": lambda T: T._test_autograd_multiple_dispatch_view(_NC(T)),
    "view_copy_nc": lambda T: T._test_autograd_multiple_dispatch_view_copy(_NC(T)),
    "warn_out": lambda T: T._C._nn._test_warn_in_autograd(T.ones(2), out=T.empty(2)),
    "view_out": lambda T: T._test_autograd_multiple_dispatch_view(T.ones(2), out=T.empty(2)),
    "view_copy_out_dtype": lambda T: T._test_autograd_multiple_dispatch_view_copy(
        T.ones(2), out=T.empty(2, dtype=T.int64)),
}


@pytest.mark.parametrize("bad", sorted(_BAD))
def test_errors(bad):
    _both(_BAD[bad])


# ---- meta tensors, modes ---------------------------------------------------------------------
@pytest.mark.parametrize("call", sorted(_CALLS))
def test_meta(call):
    def case(T):
        x = T.empty(3, 4, device="meta")
        r = _CALLS[call](T, x if call.startswith("view") else x.t())
        return str(r.device), tuple(r.shape), r.stride()
    _same(case)


@pytest.mark.parametrize("call", sorted(_CALLS))
def test_dispatch_mode_sees(call):
    def case(T):
        log, mode = dispatch_log(T)
        x = T.tensor(_X, requires_grad=True)
        with mode:
            _CALLS[call](T, x)
        return log
    _same(case)


def test_torch_function_mode_sees_nn_function():
    def case(T):
        seen = []

        class Mode(T.overrides.TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                seen.append(func.__name__)
                return func(*args, **(kwargs or {}))
        with Mode():
            T._C._nn._test_warn_in_autograd(T.ones(2))
            T._test_autograd_multiple_dispatch(T.ones(2), True)
        return seen
    _same(case)
