"""Higher-order operators (torch.cond), OpOverload.py_impl and the Python dispatcher, vs PyTorch."""
import itertools
import re

import pytest

import kindling
from kindling import _C
from kindling._dispatch import python as pydispatch
from kindling.library import _scoped_library

DK = _C.DispatchKey
_counter = itertools.count()


@pytest.fixture
def ns(request):
    name = re.sub(r"\W", "_", request.node.name)[:40]
    return f"kl_hop_{name}_{next(_counter)}"


def _modes(m):
    import importlib
    return importlib.import_module(f"{m.__name__}.utils._python_dispatch").TorchDispatchMode


# ---- torch.cond and the higher_order namespace -------------------------------------------
def test_cond_eager(torch):
    for m in (kindling, torch):
        x = m.ones(2)
        assert m.cond(True, lambda x: x + 1, lambda x: x - 1, (x,)).tolist() == [2.0, 2.0]
        assert m.cond(False, lambda x: x + 1, lambda x: x - 1, (x,)).tolist() == [0.0, 0.0]
    x = kindling.ones(2)
    assert kindling.cond(kindling.tensor(True), lambda x: x + 1, lambda x: x - 1,
                         (x,)).tolist() == [2.0, 2.0]
    assert kindling.cond(kindling.tensor(False), lambda x: x + 1, lambda x: x - 1,
                         (x,)).tolist() == [0.0, 0.0]
    assert kindling.cond(kindling.tensor([0.5]) > 0, lambda: kindling.ones(1),
                         lambda: kindling.zeros(1)).tolist() == [1.0]
    assert kindling.ops.higher_order.cond(kindling.tensor(True), lambda x: x * 3,
                                          lambda x: x, (x,)).tolist() == [3.0, 3.0]


def test_cond_input_errors(torch):
    def s(m):
        x = m.ones(1)
        out = []
        for args in ((m.tensor([True, False]), lambda x: x, lambda x: x, (x,)),
                     (m.tensor(True), 1, lambda x: x, (x,)),
                     (m.tensor(True), lambda x: x, lambda x: x, (x, 1)),
                     ("yes", lambda x: x, lambda x: x, (x,))):
            try:
                m.cond(*args)
            except RuntimeError as e:
                out.append(re.sub(r"tensor\(.*\)", "T", str(e), flags=re.S))
        return out
    assert s(kindling) == s(torch)


def test_cond_autograd():
    x = kindling.ones(2, requires_grad=True)
    y = kindling.cond(kindling.tensor(True), lambda x: x * 3, lambda x: x, (x,))
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_higher_order_namespace(torch):
    assert str(kindling.ops.higher_order.cond) == str(torch.ops.higher_order.cond) == "cond"
    assert kindling.ops.higher_order.cond.__module__ == "torch.ops.higher_order"
    assert kindling.ops.higher_order.cond.namespace == "higher_order"
    for m in (kindling, torch):
        with pytest.raises(AttributeError) as ei:
            m.ops.higher_order.definitely_not_a_hop
        assert str(ei.value) == ("'_HigherOrderNamespace' 'torch.ops.higher_order' object has no "
                                 "attribute 'definitely_not_a_hop'")
    assert kindling.cond.__module__ == "torch"


def test_hop_subclassing(torch):
    HOP = kindling._ops.HigherOrderOperator
    with pytest.raises(TypeError) as ei:
        HOP("x")
    with pytest.raises(TypeError) as te:
        torch._ops.HigherOrderOperator("x")
    assert str(ei.value) == str(te.value)

    class MyHop(HOP):
        def __call__(self, x):
            return super().__call__(x)
    hop = MyHop("kl_test_my_hop")
    assert kindling.ops.higher_order.kl_test_my_hop is hop

    @hop.py_impl(DK.CompositeExplicitAutograd)
    def _(x):
        return x + 10
    with pytest.raises(RuntimeError, match="Trying to override a python impl for "
                                           "DispatchKey.CompositeExplicitAutograd on operator "
                                           "kl_test_my_hop"):
        hop.py_impl(DK.CompositeExplicitAutograd)(lambda x: x)
    # No Autograd kernel: as in PyTorch, the AutogradCPU key has nothing to run ...
    with pytest.raises(NotImplementedError) as ei:
        hop(kindling.zeros(1))
    assert str(ei.value) == (
        "could not find kernel for HigherOrderOperator kl_test_my_hop at dispatch key "
        "DispatchKey.AutogradCPU (resolved from DispatchKey.AutogradCPU)")
    # ... below autograd the CompositeExplicitAutograd kernel serves CPU
    with _C._AutoDispatchBelowAutograd():
        assert hop(kindling.zeros(1)).tolist() == [10.0]
    hop.py_autograd_impl(lambda x: x + 20)
    assert hop(kindling.zeros(1)).tolist() == [10.0]  # nothing requires grad: skips autograd
    assert hop(kindling.zeros(1, requires_grad=True)).tolist() == [20.0]


def test_cond_under_modes(torch):
    def s(m):
        TorchDispatchMode = _modes(m)
        out = []

        class Supports(TorchDispatchMode):
            supports_higher_order_operators = True

            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                out.append((str(func), list(types), type(args).__name__, len(args)))
                if func is m.ops.higher_order.cond:
                    return m.ones(3, 3)
                return NotImplemented

        class Plain(TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                return func(*args, **(kwargs or {}))
        pred = m.tensor(True)
        x = m.ones(1, 1)
        with Supports():
            r = m.cond(pred, lambda x: x.sin(), lambda x: x.cos(), (x,))
        out.append(tuple(r.shape))
        try:
            with Plain():
                m.cond(pred, lambda x: x.sin(), lambda x: x.cos(), (x,))
        except NotImplementedError as e:
            out.append(re.sub(r" at 0x[0-9a-f]+", "", str(e)))
        return out
    k, t = s(kindling), s(torch)
    assert k == t
    assert k[2].startswith("There was no rule registered for HigherOrderOperator cond and mode "
                           "<test_hop.")
    assert ">.Hint: set <" in k[2]


def test_hop_py_impl_for_mode_class():
    TorchDispatchMode = _modes(kindling)

    class M(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    class CondOp2(kindling._ops.HigherOrderOperator):
        def __call__(self, *args):
            return super().__call__(*args)
    hop = CondOp2("kl_test_cond_mode_rule")
    seen = []

    @hop.py_impl(M)
    def _(mode, x):
        seen.append(type(mode).__name__)
        return x * 7
    hop.py_impl(DK.CompositeExplicitAutograd)(lambda x: x)
    hop.fallthrough(DK.AutogradCPU)
    with M():
        assert hop(kindling.ones(1)).tolist() == [7.0]
    assert seen == ["M"]
    with pytest.raises(AssertionError):
        hop.py_impl(M)(lambda mode, x: x)


# ---- OpOverload.py_impl and the Python dispatcher ------------------------------------------
def test_py_impl_duplicate_error(torch, ns):
    def s(m):
        with m.library._scoped_library(ns, "DEF") as lib:
            lib.define("foo(Tensor x) -> Tensor")
            op = getattr(m.ops, ns).foo.default
            op.py_impl(m._C.DispatchKey.CPU)(lambda x: x)
            try:
                op.py_impl(m._C.DispatchKey.CPU)(lambda x: x)
            except RuntimeError as e:
                return str(e)
    assert s(kindling) == s(torch) == (
        f"Trying to override a python impl for DispatchKey.CPU on operator {ns}::foo")


def test_python_dispatcher_switches(torch):
    def s(m):
        P = __import__(f"{m.__name__}._dispatch.python", fromlist=["x"])
        inc = m._C._dispatch_tls_local_include_set
        exc = m._C._dispatch_tls_local_exclude_set
        out = [inc().has(m._C.DispatchKey.PythonDispatcher)]
        with P.enable_python_dispatcher():
            out.append(inc().has(m._C.DispatchKey.PythonDispatcher))
            with P.no_python_dispatcher():
                out.append(exc().has(m._C.DispatchKey.PythonDispatcher))
            out.append(exc().has(m._C.DispatchKey.PythonDispatcher))
        out.append(inc().has(m._C.DispatchKey.PythonDispatcher))
        with P.enable_pre_dispatch():
            out.append(inc().has(m._C.DispatchKey.PreDispatch))
        out.append(inc().has(m._C.DispatchKey.PreDispatch))
        r = m._C._EnablePythonDispatcher()
        out.append(inc().has(m._C.DispatchKey.PythonDispatcher))
        del r
        out.append(inc().has(m._C.DispatchKey.PythonDispatcher))
        out.append(P.__all__)
        return out
    assert s(kindling) == s(torch)


def test_python_dispatcher_uses_py_kernels(torch, ns):
    def s(m):
        P = __import__(f"{m.__name__}._dispatch.python", fromlist=["x"])
        D = m._C.DispatchKey
        out = []
        with m.library._scoped_library(ns, "DEF") as lib:
            lib.define("foo(Tensor x) -> Tensor")
            lib.impl("foo", lambda x: x + 1, "CPU")
            op = getattr(m.ops, ns).foo.default
            op.py_impl(D.Autograd)(lambda x: x + 100)
            x = m.zeros(1)
            out.append(op(x).item())            # the table: py kernels are not used
            with P.enable_python_dispatcher():
                out.append(op(x).item())        # py kernel for the resolved Autograd key
                with P.no_python_dispatcher():
                    out.append(op(x).item())
        return out
    k, t = s(kindling), s(torch)
    assert k == t == [1.0, 100.0, 1.0]


def test_python_dispatcher_below_autograd(ns):
    with _scoped_library(ns, "DEF") as lib:
        lib.define("bar(Tensor x) -> Tensor")
        opb = getattr(kindling.ops, ns).bar.default
        opb.py_impl(DK.CompositeExplicitAutograd)(lambda x: x - 5)
        with pydispatch.enable_python_dispatcher():
            assert opb(kindling.zeros(1)).item() == -5.0
        lib.define("baz(Tensor x) -> Tensor")
        with pydispatch.enable_python_dispatcher(), pytest.raises(NotImplementedError) as ei:
            getattr(kindling.ops, ns).baz.default(kindling.zeros(1))
        assert str(ei.value) == (f"could not find kernel for {ns}.baz.default at dispatch key "
                                 "DispatchKey.CPU")


def test_python_dispatcher_basic(torch):
    r = _C._EnablePythonDispatcher()
    try:
        x = kindling.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x + x).sum()
        y.backward()
        assert x.grad.tolist() == [3.0, 5.0]
        a = kindling.ones(3, 2)
        assert tuple(kindling.mm(a.t(), a).shape) == (2, 2)
        if hasattr(kindling, "linalg"):  # test_lstsq
            assert kindling.linalg.lstsq(a, kindling.ones(3, 1)).solution.shape == (2, 1)
    finally:
        del r


def test_resolve_key_matches_torch(torch):
    cases = [("add", "Tensor", "CPU"), ("add", "Tensor", "AutogradCPU"), ("matmul", "default",
             "AutogradCPU"), ("matmul", "default", "CPU"), ("add", "Tensor", "Meta")]
    for name, ov, key in cases:
        k = pydispatch.resolve_key(getattr(getattr(kindling.ops.aten, name), ov), DK[key])
        t = torch._ops.resolve_key(getattr(getattr(torch.ops.aten, name), ov),
                                   getattr(torch._C.DispatchKey, key))
        assert k.name == t.name, (name, key)


def test_metadata_helpers(torch):
    def s(m):
        P = __import__(f"{m.__name__}._dispatch.python", fromlist=["x"])
        out = [repr(P.Lit("abc")), repr(P._fmt(m.ones(2, 3))), P._fmt(3)]
        for n, r, d in ((m.ones(2), m.ones(3), lambda: "d"), ([m.ones(2)], [m.ones(2)] * 2,
                        lambda: "d"), (m.ones(2), m.ones(2).double(), lambda: "d"),
                        (m.ones(2, 2), m.ones(2, 2).t(), lambda: "d"),
                        (m.ones(2, 2), m.ones(2, 2), "d"), (m.ones(2, 1), m.ones(2, 1), lambda: "d")):
            try:
                P.check_metadata_matches(n, r, d)
                out.append("ok")
            except AssertionError as e:
                out.append(str(e))
        return out
    assert s(kindling) == s(torch)


def test_all_py_loaded_overloads():
    _ = kindling.ops.aten.add.Tensor
    loaded = list(pydispatch.all_py_loaded_overloads())
    assert kindling.ops.aten.add.Tensor in loaded
