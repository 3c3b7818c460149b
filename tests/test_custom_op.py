"""torch.library.custom_op, infer_schema, register_fake/kernel/autograd/torch_dispatch, opcheck."""
import itertools
import re
import typing

import numpy as np
import pytest

import kindling
from kindling import Tensor
from kindling.library import custom_op

_counter = itertools.count()


@pytest.fixture
def ns(request):
    name = re.sub(r"\W", "_", request.node.name)[:40]
    n = f"kl_co_{name}_{next(_counter)}"
    yield n
    from kindling._library import custom_ops
    for q in [q for q in custom_ops.OPDEF_TO_LIB if q.startswith(n + "::")]:
        custom_ops.OPDEF_TO_LIB.pop(q)._destroy()


# ---- infer_schema ---------------------------------------------------------------------------
def _schemas(m):
    T = m.Tensor
    Opt = typing.Optional

    def f(x: T, n: int, y: Opt[T], ls: list[int], *, scale: float = 1.0,
          d: m.dtype = m.float32, s: str = "a") -> T: ...

    def g(x: T, y: T) -> None: ...

    def h(x: T, xs: typing.Sequence[T], b: bool = True) -> tuple[T, int]: ...

    def q(x: T, fl: list[float], dev: m.device) -> list[T]: ...
    out = [m.library.infer_schema(f, mutates_args=()),
           m.library.infer_schema(g, mutates_args={"x"}),
           m.library.infer_schema(g, mutates_args="unknown"),
           m.library.infer_schema(h, mutates_args=(), op_name="hh"),
           m.library.infer_schema(q, mutates_args=[])]
    for bad, ma in ((g, {"z"}), (lambda x: x, ()), (g, "all"), (f, {"n"})):
        try:
            m.library.infer_schema(bad, mutates_args=ma)
        except ValueError as e:
            out.append(re.sub(r"Got func with signature .*", "", str(e)))
    return out


def test_infer_schema_matches_torch(torch):
    k, t = _schemas(kindling), _schemas(torch)
    assert k == t
    assert k[0] == ("(Tensor x, SymInt n, Tensor? y, SymInt[] ls, *, float scale=1.0, "
                    "ScalarType d=float32, str s=\"a\") -> Tensor")


# ---- custom_op --------------------------------------------------------------------------------
def test_custom_op_basics(torch, ns):
    def s(m, ns=ns):
        @m.library.custom_op(f"{ns}::numpy_sin", mutates_args=())
        def numpy_sin(x: m.Tensor) -> m.Tensor:
            return m.from_numpy(np.sin(x.numpy()))
        x = m.tensor([0.0, 1.0])
        out = [repr(numpy_sin), numpy_sin(x).tolist(), str(numpy_sin._opoverload._schema),
               getattr(m.ops, ns).numpy_sin(x).tolist(),
               [str(t) for t in getattr(m.ops, ns).numpy_sin.default.tags]]
        try:
            numpy_sin(m.ones(2, device="meta"))
        except RuntimeError as e:
            out.append(re.sub(r"CustomOpDef\(.*?\)", "X", str(e)))

        @numpy_sin.register_fake
        def _(x):
            return m.empty_like(x)
        out.append(tuple(numpy_sin(m.ones(2, device="meta")).shape))
        return out
    k, t = s(kindling, ns), s(torch, ns + "t")
    assert k[0] == f"<CustomOpDef({ns}::numpy_sin)>"
    assert k[1:] == [x.replace(ns + "t", ns) if isinstance(x, str) else x for x in t[1:]]


def test_custom_op_device_types_and_register_kernel(ns):
    @custom_op(f"{ns}::f", mutates_args=(), device_types="cpu")
    def f(x: Tensor) -> Tensor:
        return x + 1
    assert f(kindling.zeros(1)).item() == 1.0
    with pytest.raises(RuntimeError, match=r"There was no fake impl registered for "
                                           rf"<CustomOpDef\({ns}::f\)>"):
        f(kindling.zeros(1, device="meta"))

    @f.register_kernel("meta")
    def _(x):
        return kindling.empty_like(x)
    assert f(kindling.zeros(1, device="meta")).is_meta

    @kindling.library.register_kernel(f"{ns}::f", "cpu")
    def _(x):
        return x + 2
    assert f(kindling.zeros(1)).item() == 2.0
    with f.set_kernel_enabled("cpu", enabled=False):
        assert f(kindling.zeros(1)).item() == 1.0
    assert f(kindling.zeros(1)).item() == 2.0


def test_custom_op_redefinition_replaces(ns):
    @custom_op(f"{ns}::g", mutates_args=())
    def g(x: Tensor) -> Tensor:
        return x + 1

    @custom_op(f"{ns}::g", mutates_args=())
    def g2(x: Tensor, y: int = 3) -> Tensor:
        return x + y
    assert getattr(kindling.ops, ns).g(kindling.zeros(1)).item() == 3.0


def test_custom_op_mutation(ns):
    @custom_op(f"{ns}::add_one_", mutates_args={"x"})
    def add_one_(x: Tensor) -> None:
        x.add_(1)
    x = kindling.zeros(2)
    v = x._version
    assert add_one_(x) is None
    assert x.tolist() == [1.0, 1.0]
    assert x._version > v
    assert str(add_one_._opoverload._schema) == f"{ns}::add_one_(Tensor(a0!) x) -> ()"
    with pytest.raises(ValueError, match="Attempted to create a custom op with"):
        custom_op(f"{ns}::bad", mutates_args=(), schema="(Tensor(a!) x) -> ()")(lambda x: None)


def test_custom_op_may_not_return_an_input(torch, ns):
    def s(m, ns):
        @m.library.custom_op(f"{ns}::ident", mutates_args=())
        def ident(x: m.Tensor) -> m.Tensor:
            return x
        try:
            ident(m.ones(1))
        except RuntimeError as e:
            return re.sub(r"\(with implementation in .*?\)", "", str(e))
    k, t = s(kindling, ns), s(torch, ns + "t")
    assert k == t.replace(ns + "t", ns)


def test_custom_op_autograd(torch, ns):
    def s(m, ns):
        @m.library.custom_op(f"{ns}::numpy_mul", mutates_args=())
        def numpy_mul(x: m.Tensor, y: float) -> m.Tensor:
            return m.from_numpy(x.detach().numpy() * y)

        def setup_context(ctx, inputs, output):
            ctx.y = inputs[1]

        def backward(ctx, grad):
            return grad * ctx.y, None
        x = m.ones(3, requires_grad=True)
        r = numpy_mul(x, 2.0)
        out = [r.requires_grad]
        try:
            r.sum().backward()
        except RuntimeError as e:
            out.append(str(e).replace(ns, "NS"))
        numpy_mul.register_autograd(backward, setup_context=setup_context)
        x = m.ones(3, requires_grad=True)
        y = numpy_mul(x, 3.0)
        y.sum().backward()
        out += [y.requires_grad, x.grad.tolist(), y.grad_fn is not None]
        with m.no_grad():
            out.append(numpy_mul(x, 3.0).requires_grad)
        return out
    k, t = s(kindling, ns), s(torch, ns + "t")
    assert k == t


def test_register_autograd_on_library_op(ns):
    with kindling.library._scoped_library(ns, "FRAGMENT") as lib:
        lib.define("sq(Tensor x) -> Tensor")
        lib.impl("sq", lambda x: x * x, "CPU")

        def setup(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        def bw(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g
        kindling.library.register_autograd(f"{ns}::sq", bw, setup_context=setup, lib=lib)
        x = kindling.tensor([3.0], requires_grad=True)
        getattr(kindling.ops, ns).sq(x).sum().backward()
        assert x.grad.tolist() == [6.0]
        lib.define("mut(Tensor(a!) x) -> ()")
        with pytest.raises(RuntimeError, match="Cannot register autograd formula for "
                                               "non-functional operator"):
            kindling.library.register_autograd(f"{ns}::mut", bw, lib=lib)


def test_register_fake_on_library_op(torch, ns):
    def s(m, ns):
        with m.library._scoped_library(ns, "FRAGMENT") as lib:
            lib.define("f(Tensor x) -> Tensor")
            lib.impl("f", lambda x: x.clone(), "CPU")
            m.library.register_fake(f"{ns}::f", lambda x: m.empty_like(x), lib=lib)
            r = getattr(m.ops, ns).f(m.ones(2, 3, device="meta"))
            out = [tuple(r.shape), r.is_meta]
            try:
                m.library.register_fake(f"{ns}::f", lambda x: x, lib=lib, allow_override=False)
            except RuntimeError as e:
                out.append(re.sub(r"registered at \S+", "registered at <site>", str(e)))
            return out
    k, t = s(kindling, ns), s(torch, ns)
    assert k == t


def test_register_torch_dispatch(ns):
    from kindling.utils._python_dispatch import TorchDispatchMode

    class MyMode(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    @custom_op(f"{ns}::foo", mutates_args={})
    def foo(x: Tensor) -> Tensor:
        return x.clone()

    @foo.register_torch_dispatch(MyMode)
    def _(mode, func, types, args, kwargs):
        (x,) = args
        return x + 1
    from kindling._library.simple_registry import find_torch_dispatch_rule
    assert find_torch_dispatch_rule(foo._opoverload, MyMode) is not None
    x = kindling.zeros(2)
    assert foo(x).tolist() == [0.0, 0.0]
    with MyMode():
        y = foo(x)
    assert y.tolist() == [1.0, 1.0]


def test_custom_op_without_tensor_inputs(ns):
    @custom_op(f"{ns}::make", mutates_args=(), device_types="cpu")
    def make(n: int, device: kindling.device) -> Tensor:
        return kindling.ones(n)
    assert make(3, kindling.device("cpu")).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="Functions without tensor inputs are required"):
        custom_op(f"{ns}::make3", mutates_args=(), device_types="cpu",
                  schema="(int n) -> Tensor")(lambda n: kindling.ones(n))


# ---- opcheck ----------------------------------------------------------------------------------
def test_opcheck_passes_for_a_good_op(ns):
    @custom_op(f"{ns}::good", mutates_args=())
    def good(x: Tensor, y: float) -> Tensor:
        return kindling.from_numpy(x.detach().numpy() * y)

    @good.register_fake
    def _(x, y):
        return kindling.empty_like(x)

    def setup_context(ctx, inputs, output):
        ctx.y = inputs[1]

    def backward(ctx, grad):
        return grad * ctx.y, None
    good.register_autograd(backward, setup_context=setup_context)
    for args in [(kindling.ones(3), 3.14), (kindling.ones(1, 10, requires_grad=True), 1.2)]:
        r = kindling.library.opcheck(good, args)
        assert r == {"test_schema": "SUCCESS", "test_autograd_registration": "SUCCESS",
                     "test_faketensor": "SUCCESS", "test_aot_dispatch_dynamic": "SUCCESS"}


def test_opcheck_finds_problems(ns):
    from kindling._library.opcheck import OpCheckError
    with kindling.library._scoped_library(ns, "FRAGMENT") as lib:
        lib.define("sneaky(Tensor x) -> Tensor")

        def sneaky(x):
            x.add_(1)  # mutates an input the schema says it does not
            return x.clone()
        lib.impl("sneaky", sneaky, "CPU")
        op = getattr(kindling.ops, ns).sneaky.default
        with pytest.raises(OpCheckError, match=r"opcheck\(op, ...\): test_schema failed with "
                                               "Argument x is not defined as mutable but was "
                                               "mutated"):
            kindling.library.opcheck(op, (kindling.ones(2),), test_utils="test_schema")
        r = kindling.library.opcheck(op, (kindling.ones(2),), raise_exception=False,
                                     test_utils=("test_schema", "test_faketensor"))
        assert isinstance(r["test_schema"], RuntimeError)
        assert "Meta tensors" in str(r["test_faketensor"])

        lib.define("cpu_autograd(Tensor x) -> Tensor")
        lib.impl("cpu_autograd", lambda x: (x * 2).detach().requires_grad_(), "CPU")
        op2 = getattr(kindling.ops, ns).cpu_autograd.default
        with pytest.raises(OpCheckError, match="does not have an autograd kernel"):
            kindling.library.opcheck(op2, (kindling.ones(2, requires_grad=True),),
                                     test_utils="test_autograd_registration")
    with pytest.raises(ValueError, match="expected test_utils to be subset of"):
        kindling.library.opcheck(op, (kindling.ones(2),), test_utils="bogus")
    with pytest.raises(ValueError, match="if you specify one of rtol/atol"):
        kindling.library.opcheck(op, (kindling.ones(2),), rtol=1e-3)


def test_opcheck_on_aten_op():
    assert kindling.library.opcheck(kindling.ops.aten.sin.default, (kindling.ones(2),),
                                    test_utils=("test_schema", "test_faketensor")) == {
        "test_schema": "SUCCESS", "test_faketensor": "SUCCESS"}
