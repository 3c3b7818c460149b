"""The Python dispatch key: ``__torch_dispatch__`` handlers and TorchDispatchModes (spec A.1.1,
A.1.3, B.1-B.3, B.6, C.2).  Where PyTorch is installed, the arguments handlers receive are
compared with the ones PyTorch hands its handlers."""
import threading
import weakref

import pytest

import kindling
from kindling.testing._internal.logging_tensor import (
    LoggingTensorMode, LoggingTensorReentrant, capture_logs,
)
from kindling.testing._internal.two_tensor import TwoTensor
from kindling.utils._mode_utils import all_same_mode, no_dispatch
from kindling.utils._python_dispatch import (
    BaseTorchDispatchMode, TorchDispatchMode, _disable_current_modes,
    _get_current_dispatch_mode, _get_current_dispatch_mode_stack, _pop_mode_temporarily,
    is_in_torch_dispatch_mode,
)
from kindling.utils._pytree import tree_map, tree_map_only

kt = kindling


def _autograd():
    return hasattr(getattr(kindling, "autograd", None), "grad")


needs_autograd = pytest.mark.skipif(not _autograd(), reason="kindling.autograd not built yet")


class RecordMode(TorchDispatchMode):
    """Records (func, types, args, kwargs) and runs the op."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.calls.append((func, types, args, kwargs))
        return func(*args, **(kwargs or {}))


def _subclass_type(name, handler, base=None):
    """A ``_make_subclass`` subclass whose ``__torch_dispatch__`` is ``handler``."""
    def __new__(cls, elem):
        return kt.Tensor._make_subclass(cls, elem, elem.requires_grad)
    return type(name, (base or kt.Tensor,),
                {"__new__": staticmethod(__new__), "__torch_dispatch__": classmethod(handler)})


# ---- the boxed call of A.1.1 ------------------------------------------------------------------
def test_call_boxed():
    sin = kt._C._dispatch_find_schema_or_throw("aten::sin", "")
    x = kt.arange(3.0)
    assert kt._C._dispatch_call_boxed(sin, x).tolist() == x.sin().tolist()


# ---- handler results ----------------------------------------------------------------------
@pytest.mark.parametrize("container", [list, tuple])
def test_list_results_accepted(container):
    def handler(cls, func, types, args=(), kwargs=None):
        assert func.overloadpacket == kt.ops.aten.split
        with no_dispatch():
            return container(kt.split(*args))
    A = _subclass_type("A", handler)
    got = kt.split(A(kt.tensor([0, 1])), 1)
    assert [t.tolist() for t in got] == [[0], [1]]


def test_wrong_result_type_is_an_error():
    A = _subclass_type("A", lambda cls, func, types, args=(), kwargs=None: "arf")
    with pytest.raises(RuntimeError, match="Unable to cast arf to Tensor"):
        A(kt.zeros(1)).neg()
    with pytest.raises(RuntimeError, match="Unable to cast"):
        A(kt.zeros(1)).detach()
    with pytest.raises(RuntimeError, match="Unable to cast Python instance of type <class 'str'>"):
        kt.split(A(kt.zeros(2)), 1)


def test_none_result_reaches_the_caller():
    class MaybeNone(kt.Tensor):
        @staticmethod
        def __new__(cls, elem):
            r = kt.Tensor._make_wrapper_subclass(cls, elem.size(), dtype=elem.dtype)
            r.elem = elem
            return r

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            out = func(*tree_map_only(MaybeNone, lambda t: t.elem, args), **kwargs)
            if func.overloadpacket.__name__ == "add":
                return None
            return MaybeNone(out)

    x = MaybeNone(kt.ones(2))
    assert isinstance(x * 2, MaybeNone)
    assert (x + 2) is None


def test_all_handlers_declining_raises_type_error(torch):
    def handler(cls, func, types, args=(), kwargs=None):
        return NotImplemented
    for lib in (kt, torch):
        Declines = type("Declines", (lib.Tensor,), {
            "__new__": staticmethod(lambda cls, e: lib.Tensor._make_wrapper_subclass(
                cls, e.shape, dtype=e.dtype)),
            "__torch_dispatch__": classmethod(handler)})
        with pytest.raises(TypeError) as info:
            lib.neg(Declines(lib.ones(2)))
        msg = str(info.value)
        assert msg == (
            "Multiple dispatch failed for 'torch._ops.aten.neg.default'; all "
            "__torch_dispatch__ handlers returned NotImplemented:\n\n  - tensor subclass "
            "<class 'test_python_dispatch.Declines'>\n\nFor more information, try re-running "
            "with TORCH_LOGS=not_implemented")


def test_declining_mode_is_named():
    class Decline(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            return NotImplemented

        def __repr__(self):
            return "Decline()"
    with pytest.raises(TypeError, match=r"(?s)'torch._ops.aten.ones.default'.*"
                                        r"  - mode object Decline\(\)\n\nFor more"):
        with Decline():
            kt.ones(2)


# ---- priority ------------------------------------------------------------------------------
class ErrorA(RuntimeError):
    pass


class ErrorB(RuntimeError):
    pass


def test_subclass_handler_runs_before_its_parent():
    def raise_a(cls, func, types, args=(), kwargs=None):
        raise ErrorA

    def raise_b(cls, func, types, args=(), kwargs=None):
        raise ErrorB
    A = _subclass_type("A", raise_a)
    B = _subclass_type("B", raise_b, base=A)
    with pytest.raises(ErrorA):
        kt.add(A(kt.empty(1)), A(kt.empty(1)))
    for x, y in [(A, B), (B, A), (B, B)]:
        with pytest.raises(ErrorB):
            kt.add(x(kt.empty(1)), y(kt.empty(1)))


def test_types_lists_each_overloaded_type_once_child_first():
    seen = []

    def handler(cls, func, types, args=(), kwargs=None):
        seen.append(types)
        with no_dispatch():
            return func(*args, **kwargs)
    A = _subclass_type("A", handler)
    B = _subclass_type("B", handler, base=A)
    kt.cat([A(kt.ones(1)), B(kt.ones(1)), A(kt.ones(1))])
    assert seen == [(B, A)]


def test_tensors_inside_lists_are_overloaded_arguments():
    called = []

    class MyTensor(kt.Tensor):
        @staticmethod
        def __new__(cls, elem):
            r = kt.Tensor._make_wrapper_subclass(cls, elem.size(), dtype=elem.dtype)
            r.elem = elem
            return r

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            called.append(func)
            return MyTensor(kt.tensor(3))

    x = kt.zeros(3, 3)
    x.index_put_((MyTensor(kt.tensor(0)),), kt.ones(1))
    assert called == [kt.ops.aten.index_put_.default]


def test_modes_run_before_subclasses():
    class AMode(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            raise ErrorA

    class BMode(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            raise ErrorB

    def a_handler(cls, func, types, args=(), kwargs=None):
        with AMode():
            raise ErrorA

    def b_handler(cls, func, types, args=(), kwargs=None):
        with BMode():
            func(*args, **kwargs)
    A = _subclass_type("A", a_handler)
    B = _subclass_type("B", b_handler, base=A)
    a, b = A(kt.empty(1)), B(kt.empty(1))
    with pytest.raises(ErrorA):
        a + a
    with pytest.raises(ErrorB):
        a + b  # B's handler enters BMode; func then reaches the mode
    with pytest.raises(ErrorA):
        with AMode():
            b + b
    with pytest.raises(ErrorB):
        with BMode():
            a + a
    with pytest.raises(ErrorB):
        with BMode():
            a + b


# ---- modes -----------------------------------------------------------------------------------
def test_factory_with_no_tensor_arguments_reaches_the_mode():
    with RecordMode() as m:
        kt.empty([])
    (func, types, args, kwargs), = m.calls
    assert func is kt.ops.aten.empty.memory_format
    assert types == () and args == ([],)
    assert kwargs == {"device": kt.device("cpu"), "pin_memory": False}


def test_mode_is_popped_while_it_runs_and_restored_after():
    inner = []

    class Peek(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            inner.append(_get_current_dispatch_mode())
            return func(*args, **kwargs)

    outer = BaseTorchDispatchMode()
    with outer:
        with Peek() as p:
            kt.ones(1) + 1
            assert _get_current_dispatch_mode() is p
    assert inner and all(m is outer for m in inner)
    assert _get_current_dispatch_mode() is None


def test_exception_in_handler_keeps_mode_on_stack():
    class Sub(kt.Tensor):
        @staticmethod
        def __new__(cls, elem):
            return kt.Tensor._make_subclass(cls, elem, elem.requires_grad)

    class AMode(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if func.__name__ == "full.default":
                raise RuntimeError("boom")
            return Sub(kt.zeros(()))

    with AMode() as m:
        with pytest.raises(RuntimeError, match="boom"):
            kt.full((), 2.0)
        assert _get_current_dispatch_mode() is m
        assert isinstance(kt.zeros(()), Sub)


def test_mode_created_first_entered_later_and_nesting_order():
    class Named(TorchDispatchMode):
        def __init__(self, msg):
            super().__init__()
            self.msg = msg

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            raise ErrorA(self.msg)
    m = Named("only")
    with pytest.raises(ErrorA, match="only"):
        with m:
            kt.empty([])
    with pytest.raises(ErrorA, match="layer2"):
        with Named("layer1"):
            with Named("layer2"):
                kt.empty([])


def test_same_instance_nested_sees_each_op_twice():
    m = RecordMode()
    with m:
        with m:
            kt.empty([])
    assert [c[0] for c in m.calls] == [kt.ops.aten.empty.memory_format] * 2


def test_mode_wrapping_results_in_a_subclass():
    class ModeTensor(kt.Tensor):
        def __new__(cls, elem, mode):
            r = kt.Tensor._make_subclass(cls, elem, elem.requires_grad)
            r.elem = elem
            r.mode = mode
            return r

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            raise NotImplementedError("Shouldn't be here")

    class Wrap(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            def unwrap(e):
                return e.elem if isinstance(e, ModeTensor) else e
            out = func(*tree_map(unwrap, args), **tree_map(unwrap, kwargs))
            return ModeTensor(out, self) if isinstance(out, kt.Tensor) else out

    x = kt.tensor(4.0)
    for inner in (None, BaseTorchDispatchMode()):
        with Wrap():
            if inner is None:
                y = x + x
                z = y + y
            else:
                with inner:
                    y = x + x
                    z = y + y
        assert isinstance(y, ModeTensor) and isinstance(z, ModeTensor)
        assert z.elem.item() == 16.0


def test_not_implemented_from_mode_hands_over_to_subclass():
    sub_count = [0]

    class Polite(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.pre = self.post = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.pre += 1
            if any(t is not kt.Tensor for t in types):
                return NotImplemented
            self.post += 1
            return func(*args, **kwargs)

    class Sub(kt.Tensor):
        def __new__(cls, elem):
            r = kt.Tensor._make_wrapper_subclass(cls, elem.shape)
            r.elem = elem
            return r

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            sub_count[0] += 1
            unwrap = lambda t: t.elem if isinstance(t, Sub) else t  # noqa: E731
            return func(*tree_map(unwrap, args), **tree_map(unwrap, kwargs))

    a = Sub(kt.ones(2))
    with Polite() as mode:
        a.abs()
    assert (mode.pre, mode.post, sub_count[0]) == (2, 1, 1)
    with Polite():
        with Polite():
            a.abs()


def test_classmethod_mode_handler_is_refused():
    class Bad(TorchDispatchMode):
        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            return func(*args, **kwargs)
    x = kt.tensor(5.0)
    with pytest.raises(RuntimeError, match="Defining your mode's `__torch_dispatch__` as a "
                                           "classmethod is not supported, please make it a "
                                           "plain method"):
        with Bad():
            x + x


def test_current_mode_and_stack():
    assert _get_current_dispatch_mode() is None
    assert _get_current_dispatch_mode_stack() == []
    with BaseTorchDispatchMode() as m1:
        assert _get_current_dispatch_mode() is m1
    with m1:
        with BaseTorchDispatchMode() as m2:
            assert _get_current_dispatch_mode() is m2
            assert _get_current_dispatch_mode_stack() == [m1, m2]
            with _pop_mode_temporarily() as popped:
                assert popped is m2 and _get_current_dispatch_mode_stack() == [m1]
            with _disable_current_modes() as old:
                assert old == [m2, m1]  # top first
                assert _get_current_dispatch_mode_stack() == []
            assert _get_current_dispatch_mode_stack() == [m1, m2]


def test_C_stack_functions():
    m = BaseTorchDispatchMode()
    C = kt._C
    C._push_on_torch_dispatch_stack(m)
    try:
        assert C._len_torch_dispatch_stack() == 1 and C._get_dispatch_stack_at(0) is m
        assert C._dispatch_tls_is_dispatch_key_included(kt._C.DispatchKey.Python)
    finally:
        assert C._pop_torch_dispatch_stack() is m
    assert C._len_torch_dispatch_stack() == 0
    assert not C._dispatch_tls_is_dispatch_key_included(kt._C.DispatchKey.Python)
    with pytest.raises(AssertionError, match="empty mode stack"):
        C._pop_torch_dispatch_stack()


def test_modes_include_python_keys_only_while_stack_non_empty():
    inc = kt._C._dispatch_tls_local_include_set
    PK = kt._C.DispatchKey
    assert not inc().has(PK.Python)
    with BaseTorchDispatchMode():
        assert inc().has(PK.Python) and inc().has(PK.PythonTLSSnapshot)
    assert not inc().has(PK.Python) and not inc().has(PK.PythonTLSSnapshot)


def test_all_same_mode():
    x, y = LoggingTensorMode(), LoggingTensorMode()
    assert all_same_mode([x, x, x])
    assert not all_same_mode([x, None])
    assert not all_same_mode([x, y])


def test_infra_mode_detection():
    class Infra(TorchDispatchMode):
        @classmethod
        def is_infra_mode(cls):
            return True

    def state():
        return is_in_torch_dispatch_mode(), is_in_torch_dispatch_mode(include_infra_modes=False)
    with Infra():
        assert state() == (True, False)
        with BaseTorchDispatchMode():
            assert state() == (True, True)
            with Infra():
                assert state() == (True, True)
            assert state() == (True, True)
        assert state() == (True, False)
    assert state() == (False, False)


def test_no_dispatch_hides_ops_from_modes():
    with RecordMode() as m:
        kt.ones([2, 3])
        with no_dispatch():
            kt.ones([2, 3])
    assert len(m.calls) == 1


def test_make_subclass_under_mode_still_returns_subclass():
    class Sub(kt.Tensor):
        @staticmethod
        def __new__(cls, elem):
            return kt.Tensor._make_subclass(cls, elem, elem.requires_grad)
    with BaseTorchDispatchMode():
        y = Sub(kt.ones(3))
    assert isinstance(y, Sub)


def test_global_enter_keeps_mode_alive():
    m = LoggingTensorMode()
    m.__enter__()
    ref = weakref.ref(m)
    del m
    try:
        assert ref() is not None
        assert repr(kt.ones(2)) == "tensor([1., 1.])"
    finally:
        ref().__exit__(None, None, None)


def test_mode_stack_is_per_thread():
    seen = {}

    def worker():
        seen["stack"] = _get_current_dispatch_mode_stack()
        with RecordMode() as m:
            kt.ones(1)
        seen["calls"] = len(m.calls)
    with RecordMode() as main:
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        kt.zeros(1)
    assert seen == {"stack": [], "calls": 1}
    assert len(main.calls) == 1


def test_view_under_mode_returns_a_new_object():
    class Check(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **kwargs)
            if func is kt.ops.aten.view.default:
                assert out is not args[0]
            return out
    with Check():
        x = kt.ones(4)
        x.view(4)


def test_uint64_scalar_reaches_the_mode_exactly():
    big = 2 ** 63 + 1
    with RecordMode() as m:
        a = kt.full((3, 3), big, dtype=kt.uint64)
    assert m.calls[0][2][1] == big
    assert (a == big).all().item()


# ---- what handlers see: normalised arguments (B.6) ---------------------------------------------
def _normalised(lib, fn):
    mode_mod = __import__(f"{lib.__name__}.utils._python_dispatch",
                          fromlist=["TorchDispatchMode"])

    class Rec(mode_mod.TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.calls = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.calls.append((str(func), _plain(args), _plain(kwargs)))
            return func(*args, **(kwargs or {}))
    x = lib.ones(2, 3)
    with Rec() as m:
        fn(lib, x)
    return m.calls


def _plain(v):
    """Arguments as comparable values: tensors become ('T', shape)."""
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if hasattr(v, "shape") and hasattr(v, "dtype"):
        return ("T", tuple(v.shape))
    return repr(v)


CALLS = {
    "factories": lambda T, x: (T.empty((2, 2), dtype=T.float64, pin_memory=False, device="cpu"),
                               T.zeros(2), T.ones(2, dtype=T.int64), T.full((2,), 3)),
    "kwarg_only_default_dropped": lambda T, x: (T.addmv(T.ones(2), T.ones(2, 2), T.ones(2),
                                                        beta=1),
                                                T.addmv(T.ones(2), T.ones(2, 2), T.ones(2),
                                                        beta=1.0)),
    "trailing_defaults": lambda T, x: (x.sum(dim=(0,)), x.sum(dim=(0,), keepdim=False),
                                       x.sum(dim=(0,), keepdim=True)),
    "dtype_objects": lambda T, x: (x.to(T.float64), T.cumprod(x, 0, dtype=T.float64)),
    "memory_format": lambda T, x: x.t().contiguous(),
    "scalars": lambda T, x: (x + 2, x + 2.5, 2 * x, x * True, x ** 2),
    "lists": lambda T, x: (x.view(3, 2), x.view(T.Size([6])), x.expand(2, 3),
                           T.cat([x, x]), x.transpose(0, 1)),
    "out": lambda T, x: T.abs(x, out=T.empty(2, 3)),
    "select": lambda T, x: x.select(1, 1),
    "new_and_like": lambda T, x: (x.new_ones(2), x.new_zeros((2,)), x.new_empty(2)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_handlers_see_pytorch_normalised_arguments(torch, name):
    fn = CALLS[name]
    assert _normalised(kt, fn) == _normalised(torch, fn)


def test_trailing_positional_defaults_and_kwarg_only():
    foobar = kt.ops.aten._foobar.default
    x = kt.ones(1)
    with RecordMode() as m:
        foobar(x)
        foobar(x, False)
        foobar(x, True, True, arg3=True)
        foobar(x, arg2=False)
        foobar(x, arg3=False)
    got = [(len(c[2]), c[2][1:], c[3]) for c in m.calls]
    assert got == [(1, (), {}), (2, (False,), {}), (1, (), {}), (3, (True, False), {}),
                   (1, (), {"arg3": False})]


# ---- keys inside a handler ------------------------------------------------------------------------
def test_keys_above_python_are_excluded_inside_handlers():
    seen = []
    PK = kt._C.DispatchKey

    class Spy(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            exc = kt._C._dispatch_tls_local_exclude_set()
            seen.append((exc.has(PK.AutogradCPU), exc.has(PK.ADInplaceOrView),
                         exc.has(PK.Python)))
            return func(*args, **kwargs)
    with Spy():
        kt.ones(1) + 1
    assert seen and all(s == (True, True, False) for s in seen)
    assert not kt._C._dispatch_tls_local_exclude_set().has(PK.AutogradCPU)


def test_reentrant_dispatch_outside_handler_is_an_error():
    from kindling.overrides import enable_reentrant_dispatch
    with pytest.raises(RuntimeError, match="Accessing torch dispatch state outside of "
                                           "'__torch_dispatch__' is not allowed."):
        with enable_reentrant_dispatch():
            pass


def test_reentrant_dispatch_restores_entry_keys():
    from kindling.overrides import enable_reentrant_dispatch
    PK = kt._C.DispatchKey
    seen = []

    def handler(cls, func, types, args=(), kwargs=None):
        inside = kt._C._dispatch_tls_local_exclude_set().has(PK.AutogradCPU)
        with enable_reentrant_dispatch():
            seen.append((inside, kt._C._dispatch_tls_local_exclude_set().has(PK.AutogradCPU)))
            with no_dispatch():
                return func(*args, **kwargs)
    A = _subclass_type("A", handler)
    A(kt.ones(1)).neg()
    assert seen == [(True, False)]


def test_wrapper_reentrant_dispatch_under_mode_returns_plain_tensor():
    from kindling.overrides import enable_reentrant_dispatch

    class MySub(TwoTensor):
        def __torch_dispatch__(self, func, types, args, kwargs=None):
            with enable_reentrant_dispatch():
                return func(args[0].a)

    t = MySub(kt.ones(2), kt.zeros(2))
    with BaseTorchDispatchMode():
        res = t.clone()
    assert type(res) is kt.Tensor and res.tolist() == [1.0, 1.0]


def test_super_dispatch_runs_the_op_once():
    called = []

    class Sub(kt.Tensor):
        @staticmethod
        def __new__(cls, elem):
            return kt.Tensor._make_subclass(cls, elem)

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            called.append(func)
            return super().__torch_dispatch__(func, types, list(args), kwargs)

    x, y = kt.arange(2.0), kt.ones(2)
    assert (Sub(x) + Sub(y)).tolist() == (x + y).tolist()
    assert called == [kt.ops.aten.add.Tensor]
    called.clear()
    assert Sub(x).neg().tolist() == x.neg().tolist()
    assert called == [kt.ops.aten.neg.default]


@needs_autograd
def test_super_dispatch_result_does_not_require_grad():
    called = []

    class Sub(kt.Tensor):
        @staticmethod
        def __new__(cls, elem):
            return kt.Tensor._make_subclass(cls, elem, elem.requires_grad)

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            called.append(func)
            assert args[0].requires_grad
            r = super().__torch_dispatch__(func, types, args, kwargs)
            assert not r.requires_grad
            return r

    x = Sub(kt.ones(2, requires_grad=True))
    x.neg()
    assert called == [kt.ops.aten.neg.default]


@needs_autograd
def test_autograd_inside_reentrant_logging_tensor():
    true_t = kt.ones(2, requires_grad=True)
    t = LoggingTensorReentrant(true_t)
    out = t + 2
    assert not out.requires_grad and out.grad_fn is None
    assert out.elem.requires_grad and out.elem.grad_fn is not None
    with pytest.raises(RuntimeError, match="does not require grad"):
        out.sum().backward()
    out.elem.sum().backward()
    assert t.grad is None and t.elem.grad is not None


@needs_autograd
def test_mode_sees_every_tensor_it_produced():
    seen = set()

    class Track(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            tree_map_only(kt.Tensor, lambda t: pytest.fail(f"unseen {func}")
                          if id(t) not in seen else None, (args, kwargs))
            r = func(*args, **(kwargs or {}))
            tree_map_only(kt.Tensor, lambda t: seen.add(id(t)), r)
            return r

    keep = []
    with Track():
        x = kt.ones(3, requires_grad=True)
        keep.append(x)
        loss = (x * x).sum()
        loss.backward()


def test_multiple_ops_on_a_direct_subclass():
    def handler(cls, func, types, args=(), kwargs=None):
        with no_dispatch():
            return func(*args, **kwargs)
    My = _subclass_type("My", handler)
    x = My(kt.ones(2, 2, dtype=kt.complex64))
    y = x.neg()
    y.exp()


def test_logging_reentrant_subclass_logs(torch):
    with capture_logs() as logs:
        x = LoggingTensorReentrant(kt.ones(1))
        x + x
    assert logs == ["$1: f32[1] = torch._ops.aten.add.Tensor($0, $0)"]
