"""``__torch_function__``: subclass handlers, TorchFunctionMode, the default Tensor handler and
``kindling.overrides`` (spec B.1 step 1, B.3, C.2)."""
import pytest

import kindling
from kindling import overrides
from kindling.overrides import (
    BaseTorchFunctionMode, TorchFunctionMode, handle_torch_function, has_torch_function,
)

kt = kindling


class Recorder(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.seen = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.seen.append((func, types))
        return func(*args, **(kwargs or {}))


def _name(func):
    return getattr(func, "__name__", repr(func))


# ---- what a mode sees -------------------------------------------------------------------------
def test_mode_sees_functions_methods_dunders_and_factories():
    x = kt.ones(2)
    with Recorder() as m:
        x + 1
        kt.add(x, 1, alpha=2)
        x.add(1)
        x[0]
        kt.ones(2)
        kt.tensor([1.0])
        -x
        x @ x
    funcs = [f for f, _ in m.seen]
    assert funcs == [kt.Tensor.add, kt.add, kt.Tensor.add, kt.Tensor.__getitem__, kt.ones,
                     kt.tensor, kt.Tensor.neg, kt.Tensor.matmul]
    assert all(types == () for _, types in m.seen)


def test_same_functions_as_pytorch_for_a_script(torch):
    def script(T, Mode):
        seen = []

        class Rec(Mode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                seen.append(_name(func))
                return func(*args, **(kwargs or {}))
        x = T.ones(2, 2)
        with Rec():
            y = x + 1
            y = y * 2 - x
            z = T.add(y, x, alpha=2).sum()
            x.view(4)
            x.t()
            T.zeros(2)
            abs(x)
        return seen, z.item()
    assert script(kt, TorchFunctionMode) == script(torch, torch.overrides.TorchFunctionMode)


def test_mode_popped_while_running_and_kwargs():
    inner = []

    class Peek(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            inner.append((overrides._get_current_function_mode(), kwargs))
            return func(*args, **(kwargs or {}))
    outer = BaseTorchFunctionMode()
    with outer, Peek() as p:
        kt.add(kt.ones(1), 1, alpha=3)
        assert overrides._get_current_function_mode() is p
        assert overrides._get_current_function_mode_stack() == [outer, p]
    assert inner[-1] == (outer, {"alpha": 3})
    assert overrides._get_current_function_mode_stack() == []


def test_mode_returning_not_implemented_hands_over():
    class Decline(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            return NotImplemented

    class Sub(kt.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return "sub"
    s = Sub(kt.ones(1))
    with Decline():
        assert kt.add(s, 1) == "sub"
        with pytest.raises(TypeError, match="Multiple dispatch failed for 'torch.ones'; all "
                                            "__torch_function__ handlers returned "
                                            "NotImplemented:\n\n  - mode object "):
            kt.ones(2)


# ---- subclass handlers ----------------------------------------------------------------------------
def test_all_declining_message_matches_pytorch(torch):
    msgs = []
    for lib in (kt, torch):
        NI = type("NI", (lib.Tensor,), {"__torch_function__": classmethod(
            lambda cls, func, types, args=(), kwargs=None: NotImplemented)})
        for call in (lambda: lib.add(NI(lib.ones(2)), 1), lambda: NI(lib.ones(2)).add(1)):
            with pytest.raises(TypeError) as info:
                call()
            msgs.append(str(info.value))
        with pytest.raises(TypeError, match="unsupported operand type"):
            NI(lib.ones(2)) + 1
    assert msgs[:2] == msgs[2:]
    assert msgs[0].startswith("Multiple dispatch failed for 'torch.add'; all "
                              "__torch_function__ handlers returned NotImplemented:")
    assert msgs[1].startswith("Multiple dispatch failed for 'torch.Tensor.add'")


def test_precedence_subclass_first_then_left_to_right():
    order = []

    def make(name, base=kt.Tensor):
        def handler(cls, func, types, args=(), kwargs=None):
            order.append(name)
            return NotImplemented if name != "last" else name
        return type(name, (base,), {"__torch_function__": classmethod(handler)})
    A = make("A")
    B = make("B", A)
    C = make("C")
    a, b, c = A(kt.ones(1)), B(kt.ones(1)), C(kt.ones(1))
    with pytest.raises(TypeError):
        kt.cat([a, c, b])
    assert order == ["B", "A", "C"]
    order.clear()
    Last = make("last")
    assert kt.add(a, Last(kt.ones(1))) == "last"
    assert order == ["A", "last"]


def test_types_argument_and_non_tensor_overloads():
    got = []

    class Duck:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            got.append((func, types))
            return "duck"
    assert kt.add(Duck(), 1) == "duck"
    assert kt.cat([kt.ones(1), Duck()]) == "duck"
    assert got[0] == (kt.add, (Duck,))


def test_list_of_overloaded_objects_in_indexing():
    class T(kt.Tensor):
        @classmethod
        def __torch_function__(cls, *args, **kwargs):
            pass
    a = kt.ones(3)
    assert a[[T(), T()]] is None


# ---- the default Tensor.__torch_function__ ------------------------------------------------------
def test_default_handler_rewraps_results():
    class Sub(kt.Tensor):
        pass
    s = Sub(kt.arange(4.0))
    assert type(s + 1) is Sub and type(s.view(2, 2)) is Sub and type(kt.add(s, s)) is Sub
    parts = s.split(2)
    assert type(parts) is tuple and all(type(p) is Sub for p in parts)
    assert type(s.sum().item()) is float
    assert type(kt.ones(1) + s) is Sub
    assert type(s.size()) is kt.Size


def test_default_handler_declines_unrelated_subclasses():
    class S1(kt.Tensor):
        pass

    class S2(kt.Tensor):
        pass
    with pytest.raises(TypeError, match="Multiple dispatch failed for 'torch.add'"):
        kt.add(S1(kt.ones(1)), S2(kt.ones(1)))


def test_super_call_from_custom_handler():
    log = []

    class Logged(kt.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            log.append(func.__name__)
            return super().__torch_function__(func, types, args, kwargs)
    t = Logged(kt.ones(2))
    r = (t + 1).sum()
    assert type(r) is Logged and log == ["add", "sum"]


def test_disabled_impl_opts_out():
    class Off(kt.Tensor):
        __torch_function__ = kt._C._disabled_torch_function_impl
    o = Off(kt.ones(2))
    assert type(o + 1) is kt.Tensor
    assert not has_torch_function((o,))


def test_disable_torch_function_guards():
    class Sub(kt.Tensor):
        pass
    s = Sub(kt.ones(2))
    with kt._C.DisableTorchFunctionSubclass():
        assert type(s + 1) is kt.Tensor
        assert not kt._C._is_torch_function_enabled()
        with Recorder() as m:
            kt.ones(1)
        assert len(m.seen) == 1  # modes still run
    with kt._C.DisableTorchFunction():
        with Recorder() as m:
            kt.ones(1)
        assert m.seen == []
    assert kt._C._is_torch_function_enabled()
    assert type(s + 1) is Sub


def test_cached_call_path_still_sees_subclasses():
    class Sub(kt.Tensor):
        pass
    x = kt.ones(2)
    for _ in range(3):
        kt.mul(x, x)
    assert type(kt.mul(Sub(x), x)) is Sub
    with Recorder() as m:
        kt.mul(x, x)
    assert len(m.seen) == 1


# ---- kindling.overrides helpers -------------------------------------------------------------
def test_handle_and_has_torch_function():
    class Sub(kt.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return ("handled", func, args, kwargs)

    def scaled(a, b=1):
        if has_torch_function((a,)):
            return handle_torch_function(scaled, (a,), a, b=b)
        return a * b
    s = Sub(kt.ones(1))
    assert scaled(s, b=2) == ("handled", scaled, (s,), {"b": 2})
    assert scaled(kt.ones(1), b=2).tolist() == [2.0]
    assert not has_torch_function((kt.ones(1), 1))
    with BaseTorchFunctionMode():
        assert has_torch_function(())

    class NI(kt.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return NotImplemented
    with pytest.raises(TypeError, match="no implementation found for 'torch.add' on types "
                                        "that implement __torch_function__"):
        handle_torch_function(kt.add, (NI(kt.ones(1)),), NI(kt.ones(1)), 1)


def test_wrap_torch_function_decorator():
    @overrides.wrap_torch_function(lambda a: (a,))
    def double(a):
        return a * 2

    class Sub(kt.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return func.__name__
    assert double(Sub(kt.ones(1))) == "double"
    assert double(kt.ones(1)).tolist() == [2.0]


def test_overridable_and_ignored_listings():
    o = overrides.get_overridable_functions()
    assert kt.add in o[kindling] and kt.Tensor.add in o[kt.Tensor]
    assert kt.Tensor.__add__ in o[kt.Tensor]
    assert overrides.resolve_name(kt.add) == "torch.add"
    assert overrides.resolve_name(kt.Tensor.add) == "torch.Tensor.add"
    assert overrides.resolve_name(kt.ops.aten.add.Tensor) == "aten.add.Tensor"
    assert overrides.is_tensor_method_or_property(kt.Tensor.add)
    assert not overrides.is_tensor_method_or_property(kt.add)
    ignored = overrides.get_ignored_functions()
    assert kt.Tensor.size in ignored and kt.add not in ignored
    testing = overrides.get_testing_overrides()
    assert testing[kt.add](1, 2) == -1
    assert overrides.is_tensor_like(kt.ones(1)) and not overrides.is_tensor_like(1)


def test_redispatch_function_skips_one_level():
    log = []

    class Logged(kt.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            log.append(func.__name__)
            return overrides.redispatch_function(func, types, args, kwargs)
    r = Logged(kt.ones(2)) * 3
    assert log == ["mul"] and r.tolist() == [3.0, 3.0]


def test_push_warns_and_returns_instance():
    with pytest.warns(UserWarning, match="no longer necessary"):
        m = Recorder.push()
    assert isinstance(m, Recorder)
