"""Tensor subclasses: ``_make_subclass``, ``as_subclass``, ``_make_wrapper_subclass`` and
everything that differs for their instances (spec A.1.3, A.1.5, B.4, B.5, C.2)."""
import copy
import io

import pytest

import kindling
from kindling.testing._internal.logging_tensor import LoggingTensor
from kindling.testing._internal.two_tensor import TwoTensor, TwoTensorMode
from kindling.utils import _pytree as pytree
from kindling.utils._mode_utils import no_dispatch
from kindling.utils._python_dispatch import (
    is_traceable_wrapper_subclass, is_traceable_wrapper_subclass_type, transform_subclass,
)

kt = kindling
PK = kt._C.DispatchKey


class Wrapper(kt.Tensor):
    """A pass-through wrapper that keeps the inner tensor's metadata."""

    @staticmethod
    def __new__(cls, elem):
        r = kt.Tensor._make_wrapper_subclass(
            cls, elem.size(), dtype=elem.dtype, layout=elem.layout, device=elem.device,
            requires_grad=elem.requires_grad, strides=elem.stride(),
            storage_offset=elem.storage_offset())
        r.elem = elem
        return r

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        unwrap = lambda t: t.elem if isinstance(t, Wrapper) else t  # noqa: E731
        out = func(*pytree.tree_map(unwrap, args), **pytree.tree_map(unwrap, kwargs))
        return pytree.tree_map_only(kt.Tensor, Wrapper, out)


# ---- construction ---------------------------------------------------------------------------------
def test_wrapper_metadata_is_taken_as_given():
    x = kt.arange(24.0).reshape(4, 6).t().diagonal(offset=2)
    y = Wrapper(x)
    assert (y.size(), y.stride(), y.storage_offset()) == (x.size(), x.stride(),
                                                          x.storage_offset())
    assert y.dtype == x.dtype and y.device == x.device and y.layout == kt.strided


def test_wrapper_allocates_nothing_and_storage_is_unusable():
    t = kt.Tensor._make_wrapper_subclass(LoggingTensor, (10 ** 12,))
    assert t.shape == (10 ** 12,) and t.dtype == kt.float32
    with pytest.raises(RuntimeError, match="invalid python storage"):
        LoggingTensor(kt.ones(1)).untyped_storage().data_ptr()


def test_wrapper_keys(torch):
    ours = kt._C._dispatch_keys(LoggingTensor(kt.ones(1)))
    assert ours == kt._C.DispatchKeySet(PK.CPU) | PK.Python | PK.ADInplaceOrView | \
        PK.AutogradCPU | PK.AutocastCPU | PK.PythonTLSSnapshot

    class Foo(kt.Tensor):
        pass
    assert not kt._C._dispatch_keys(Foo(kt.ones(1))).has(PK.Python)


def test_wrapper_extra_dispatch_keys_positional_overload():
    class Extra(kt.Tensor):
        @staticmethod
        def __new__(cls, elem):
            return kt.Tensor._make_wrapper_subclass(
                cls, elem.size(), elem.stride(), elem.storage_offset(), kt.contiguous_format,
                elem.dtype, elem.layout, elem.device, False, False, None, False, False,
                kt._C.DispatchKeySet(PK.NestedTensorCPU))

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            pass
    keys = kt._C._dispatch_keys(Extra(kt.ones(3)))
    assert keys.has(PK.NestedTensorCPU) and not keys.has(PK.AutogradNestedTensor)


def test_creation_errors(torch):
    for lib in (kt, torch):
        LT = __import__(f"{lib.__name__}.testing._internal.logging_tensor",
                        fromlist=["LoggingTensor"]).LoggingTensor
        Foo = type("Foo", (lib.Tensor,), {})
        msg = "subclass Foo but.*already associated to a python object of type LoggingTensor"
        with pytest.raises(RuntimeError, match=msg):
            lib.Tensor._make_subclass(Foo, LT(lib.ones(2)))
        with pytest.raises(RuntimeError, match=msg):
            LT(lib.ones(2)).as_subclass(Foo)
        with pytest.raises(RuntimeError, match=msg):
            Foo(LT(lib.ones(2)))
        with pytest.raises(TypeError, match="^Foo must define __torch_dispatch__$"):
            lib.Tensor._make_wrapper_subclass(Foo, (2, 2))


def test_make_subclass_shares_data_and_detaches():
    class Sub(kt.Tensor):
        pass
    base = kt.zeros(3)
    s = kt.Tensor._make_subclass(Sub, base)
    assert type(s) is Sub and not s.requires_grad
    s.add_(1)
    assert base.tolist() == [1.0, 1.0, 1.0]
    r = kt.Tensor._make_subclass(Sub, kt.zeros(2), True)
    assert r.requires_grad and r.is_leaf
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype"):
        kt.Tensor._make_subclass(Sub, kt.zeros(2, dtype=kt.int64), True)


def test_subclass_from_tensor_and_as_subclass():
    class Sub(kt.Tensor):
        pass
    x = kt.zeros(2, dtype=kt.int64)
    s = Sub(x)
    assert type(s) is Sub and s.dtype == kt.int64 and s.tolist() == [0, 0]
    a = kt.ones(2).as_subclass(Sub)
    assert type(a) is Sub and repr(a) == "Sub([1., 1.])"
    assert type(Sub(2)) is Sub and Sub(2).shape == (2,)


def test_subclass_with_slots_can_be_made():
    class Slotted(kt.Tensor):
        __slots__ = ["extra"]
    s = kt.ones(2).as_subclass(Slotted)
    s.extra = 1
    assert type(s) is Slotted and s.extra == 1 and s.tolist() == [1.0, 1.0]


def test_results_of_handlers_are_the_subclass():
    class MyTensor(kt.Tensor):
        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            return MyTensor(3)
    assert type(MyTensor(2).new_ones(3)) is MyTensor
    assert type(MyTensor(2).new_zeros(3)) is MyTensor
    assert type(MyTensor(2).new_empty(3)) is MyTensor
    assert type(MyTensor(2).new_full((3,), 1.0)) is MyTensor
    for name in ("empty_like", "ones_like", "zeros_like"):
        assert type(getattr(kt, name)(MyTensor(2))) is MyTensor
    assert type(kt.full_like(MyTensor(2), 1.0)) is MyTensor


def test_dispatch_subclass_gets_torch_function_disabled():
    class D(kt.Tensor):
        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            return NotImplemented
    assert D.__torch_function__ is kt._C._disabled_torch_function_impl
    assert kt.Tensor.__torch_dispatch__ is kt._C._disabled_torch_dispatch_impl

    class P(kt.Tensor):
        pass
    assert P.__torch_function__.__func__ is kt.Tensor.__torch_function__.__func__


def test_is_tensor_subclass_like():
    assert not kt._C._dispatch_isTensorSubclassLike(kt.empty(0))
    assert kt._C._dispatch_isTensorSubclassLike(LoggingTensor(kt.empty(0)))


# ---- things wrapper subclasses refuse / do differently ---------------------------------------------
def test_tolist_and_numpy_refused(torch):
    x = LoggingTensor(kt.tensor([2.0, 3.0]))
    with pytest.raises(RuntimeError, match="^.tolist\\(\\) is not supported for tensor "
                                           "subclasses, got LoggingTensor$"):
        x.tolist()
    with pytest.raises(RuntimeError, match="^.numpy\\(\\) is not supported for tensor "
                                           "subclasses.$"):
        x.numpy()

    class Plain(kt.Tensor):
        pass
    assert Plain(kt.ones(2)).tolist() == [1.0, 1.0]


def test_repr_with_contents():
    assert repr(LoggingTensor(kt.ones(1))) == "LoggingTensor(tensor([1.]))"
    assert repr(TwoTensor(kt.ones(1), kt.zeros(1))) == "TwoTensor(tensor([1.]), tensor([0.]))"


def test_version_counter_shared_by_detach():
    x = LoggingTensor(kt.ones(1))
    before = x._version
    x.detach().add_(2)
    assert x._version != before


def test_data_routes_through_handlers():
    """Reading ``.data`` of a subclass with a handler dispatches one ``detach``, as in PyTorch."""
    calls = []

    class Probe(kt.Tensor):
        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            calls.append(func)
            return super().__torch_dispatch__(func, types, args, kwargs)
    Probe(kt.empty(2)).data
    assert calls == [kt.ops.aten.detach.default]


def test_data_has_fresh_version_counter():
    x = LoggingTensor(kt.ones(1))
    x.detach().add_(2)
    cur = x._version
    x.data.add_(2)
    assert x._version == cur


def test_data_and_set_dispatch_counts():
    called = [0]

    class Sub(kt.Tensor):
        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            called[0] += 1
            return super().__torch_dispatch__(func, types, args, kwargs)

    x = Sub(kt.empty(2))
    x.data
    assert called[0] == 1
    x.data = kt.empty(2)
    assert called[0] == 1
    x.data
    assert called[0] == 2 and type(x) is Sub
    x.set_(kt.empty(2))
    assert called[0] == 3
    x.data
    assert called[0] == 4 and type(x) is Sub


def test_set_dispatches_once_and_keeps_type():
    called = [0]

    class Sub(kt.Tensor):
        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            called[0] += 1
            return super().__torch_dispatch__(func, types, args, kwargs)
    x = Sub(kt.empty(2))
    x.set_(kt.ones(3))
    assert called[0] == 1 and type(x) is Sub and x.shape == (3,)


def test_set_from_storage_on_logging_tensor():
    z = LoggingTensor(kt.empty([]))
    z.set_(kt.UntypedStorage(0))


def test_data_getter_and_setter_helpers_directly():
    from kindling import _tensor_subclass as ts
    calls = []

    class Probe(kt.Tensor):
        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            calls.append(func)
            return super().__torch_dispatch__(func, types, args, kwargs)
    x = Probe(kt.ones(2))
    d = ts.get_data(x)
    assert calls == [kt.ops.aten.detach.default] and d._version == 0
    ts.set_data(x, kt.zeros(3))
    assert calls == [kt.ops.aten.detach.default] and type(x) is Probe and x.shape == (3,)
    assert kt._C._dispatch_keys(x).has(PK.Python)


# ---- deepcopy -----------------------------------------------------------------------------------
def test_deepcopy_wrapper_subclass():
    x = LoggingTensor(kt.arange(3))
    y = copy.deepcopy(x)
    assert type(y) is LoggingTensor and y is not x and y.elem is not x.elem
    assert y.elem.tolist() == [0, 1, 2] and y.dtype == kt.int64


def test_deepcopy_wrapper_whose_clone_changes_type():
    class CloneToPlain(Wrapper):
        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            if func.overloadpacket.__name__ == "clone":
                return args[0].elem.clone()
            raise RuntimeError("NYI")
    with pytest.raises(RuntimeError, match="for which cloning returns another instance of the "
                                           "same subclass"):
        copy.deepcopy(CloneToPlain(kt.ones(3)))


def test_deepcopy_non_wrapper_subclasses():
    class NoNewEmpty(kt.Tensor):
        pass

    class WrongNewEmpty(kt.Tensor):
        def new_empty(self, shape):
            return kt.Tensor(shape)

    class Good(kt.Tensor):
        def new_empty(self, shape):
            return type(self)(shape)

    for cls in (NoNewEmpty, WrongNewEmpty):
        with pytest.raises(RuntimeError, match="for which that function returns another "
                                               "instance of the same subclass"):
            copy.deepcopy(cls(3))
    g = Good(kt.arange(3.0))
    g.tag = ["a"]
    c = copy.deepcopy(g)
    assert type(c) is Good and c.tolist() == [0.0, 1.0, 2.0] and c.tag == ["a"]
    assert c.tag is not g.tag
    c.add_(1)
    assert g.tolist() == [0.0, 1.0, 2.0]


# ---- save / load ----------------------------------------------------------------------------------
def test_wrapper_subclass_round_trips_with_allow_list():
    x = LoggingTensor(kt.arange(3))
    buf = io.BytesIO()
    kt.save(x, buf)
    buf.seek(0)
    with pytest.raises(Exception, match="Unsupported global: GLOBAL "
                                        "kindling.testing._internal.logging_tensor.LoggingTensor"):
        kt.load(buf)
    buf.seek(0)
    with kt.serialization.safe_globals([LoggingTensor]):
        y = kt.load(buf)
    assert type(y) is LoggingTensor and y is not x
    assert y.elem.tolist() == [0, 1, 2] and y.dtype == kt.int64


def test_plain_subclass_and_containers_round_trip(tmp_path):
    class Sub(kt.Tensor):
        pass
    global _Saved
    _Saved = Sub
    Sub.__qualname__ = "_Saved"
    s = Sub(kt.arange(4.0))
    s.note = "kept"
    path = tmp_path / "s.pt"
    kt.save({"s": s, "plain": kt.ones(2), "two": TwoTensor(kt.ones(2), kt.zeros(2))}, path)
    kt.serialization.add_safe_globals([Sub, TwoTensor])
    try:
        got = kt.load(path)
    finally:
        kt.serialization.clear_safe_globals()
    assert type(got["s"]) is Sub and got["s"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert got["s"].note == "kept"
    assert got["plain"].tolist() == [1.0, 1.0]
    assert type(got["two"]) is TwoTensor and got["two"].b.tolist() == [0.0, 0.0]
    assert kt.load(path, weights_only=False)["plain"].tolist() == [1.0, 1.0]


# ---- metadata slow paths (B.4) ----------------------------------------------------------------------
def _make(cls, data, wrapper, **kw):
    if wrapper:
        kw.update(device=data.device, dtype=data.dtype, layout=data.layout, requires_grad=True)
        return kt.Tensor._make_wrapper_subclass(cls, data.size(), **kw)
    return kt.Tensor._make_subclass(cls, data, True, **kw)


def _policy_class(answers, **policy):
    """A subclass whose handler answers ``{overload packet name: value}`` and declines the
    rest."""
    class Policy(kt.Tensor):
        @staticmethod
        def __new__(cls, data, wrapper):
            return _make(cls, data, wrapper, **policy)

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            name = func.overloadpacket.__name__
            if name in answers:
                return answers[name]
            return NotImplemented
    return Policy


@pytest.mark.parametrize("wrapper", [True, False])
def test_sizes_policy(wrapper):
    NI = _policy_class({"dim": 2}, dispatch_sizes_strides_policy="sizes")
    with pytest.raises(TypeError, match="Multiple dispatch failed for 'torch.ops.aten.sym_size'"):
        NI(kt.ones(3, 3), wrapper).size()
    with pytest.raises(TypeError, match="Multiple dispatch failed for 'torch.ops.aten.dim'"):
        _policy_class({}, dispatch_sizes_strides_policy="sizes")(kt.ones(3, 3), wrapper).dim()
    custom = _policy_class({"dim": 2, "sym_size": (5, 3)},
                           dispatch_sizes_strides_policy="sizes")(kt.ones(3, 3), wrapper)
    assert custom.size() == (5, 3) and custom.shape == (5, 3) and custom.size(-1) == 3
    default = _policy_class({"dim": 2, "sym_size": None},
                            dispatch_sizes_strides_policy="sizes")(kt.ones(4, 2), wrapper)
    assert default.size() == (4, 2)


@pytest.mark.parametrize("wrapper", [True, False])
def test_strides_policy(wrapper):
    with pytest.raises(TypeError, match="Multiple dispatch failed for "
                                        "'torch.ops.aten.sym_stride'"):
        _policy_class({}, dispatch_sizes_strides_policy="strides")(kt.ones(3, 3),
                                                                   wrapper).stride()
    custom = _policy_class({"sym_stride": (4, 2)},
                           dispatch_sizes_strides_policy="strides")(kt.ones(3, 3), wrapper)
    assert custom.stride() == (4, 2)
    default = _policy_class({"sym_stride": None},
                            dispatch_sizes_strides_policy="strides")(kt.ones(6, 2), wrapper)
    assert default.stride() == (2, 1)


@pytest.mark.parametrize("wrapper", [True, False])
def test_is_contiguous_policy(wrapper):
    P = _policy_class({}, dispatch_sizes_strides_policy="strides")
    e = P(kt.ones(3, 3), wrapper)
    msg = "Multiple dispatch failed for 'torch.ops.aten.is_contiguous'"
    with pytest.raises(TypeError, match=msg):
        e.is_contiguous()
    with pytest.raises(TypeError, match=msg):
        e.contiguous()
    yes = _policy_class({"is_contiguous": True},
                        dispatch_sizes_strides_policy="strides")(kt.ones(3, 3), wrapper)
    assert yes.is_contiguous() is True and yes.contiguous() is yes
    no = _policy_class({"is_contiguous": False},
                       dispatch_sizes_strides_policy="strides")(kt.ones(3, 3), wrapper)
    assert no.is_contiguous() is False
    with pytest.raises(TypeError, match="Multiple dispatch failed for"):
        no.contiguous()


def test_memory_format_queries_are_routed_with_their_arguments():
    calls = []
    queries = [kt.ops.aten.is_contiguous.default, kt.ops.aten.is_contiguous.memory_format,
               kt.ops.aten.is_strides_like_format.default,
               kt.ops.aten.is_non_overlapping_and_dense.default]

    class Fancy(kt.Tensor):
        @staticmethod
        def __new__(cls, data):
            return _make(cls, data, False, dispatch_sizes_strides_policy="strides")

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            if func in queries:
                calls.append((func, list(args)[1:]))
                return None
            with no_dispatch():
                return func(*args, **kwargs)

    e = Fancy(kt.ones(2, 2))
    assert not e.is_contiguous(memory_format=kt.channels_last)
    assert calls == [(kt.ops.aten.is_contiguous.memory_format, [kt.channels_last])]
    calls.clear()
    assert not kt.ops.aten.is_strides_like_format.default(e, kt.channels_last)
    assert calls == [(kt.ops.aten.is_strides_like_format.default, [kt.channels_last])]
    calls.clear()
    assert kt.ops.aten.is_non_overlapping_and_dense.default(e)
    assert calls == [(kt.ops.aten.is_non_overlapping_and_dense.default, [])]


def test_device_policy():
    with pytest.raises(TypeError, match="Multiple dispatch failed for 'torch.ops.prim.device'"):
        _policy_class({}, dispatch_device=True)(kt.ones(3, 3), True).device
    e = _policy_class({"device": kt.device("meta")}, dispatch_device=True)(kt.ones(3, 3), True)
    assert e.device.type == "meta"


def test_type_as_follows_a_dispatched_device():
    e = _policy_class({"device": kt.device("meta")}, dispatch_device=True)(kt.ones(3, 3), True)
    assert kt.ones(1).type_as(e).device.type == "meta"


@pytest.mark.parametrize("wrapper", [True, False])
def test_layout_policy(wrapper):
    with pytest.raises(TypeError, match="Multiple dispatch failed for 'torch.ops.prim.layout'"):
        _policy_class({}, dispatch_layout=True)(kt.ones(3, 3), wrapper).layout
    assert _policy_class({"layout": kt.sparse_csr}, dispatch_layout=True)(
        kt.ones(3, 3), wrapper).layout == kt.sparse_csr
    assert _policy_class({"layout": kt.strided}, dispatch_layout=True)(
        kt.ones(4, 2), wrapper).layout == kt.strided


@pytest.mark.parametrize("wrapper", [True, False])
def test_data_ptr_asks_for_numel(wrapper):
    seen = []

    class N(kt.Tensor):
        @staticmethod
        def __new__(cls, data, wrapper):
            return _make(cls, data, wrapper, dispatch_sizes_strides_policy="sizes")

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            if func.overloadpacket == kt.ops.aten.dim:
                return 2
            if func.overloadpacket == kt.ops.aten.numel:
                seen.append(True)
                return None
            return NotImplemented
    N(kt.ones(2, 2), wrapper).data_ptr()
    assert seen


def test_metadata_answers_reach_modes_too():
    from kindling.utils._python_dispatch import TorchDispatchMode

    class Answer(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if func is kt.ops.aten.sym_size.default:
                return (7, 7)
            return func(*args, **(kwargs or {}))
    e = _policy_class({}, dispatch_sizes_strides_policy="sizes")(kt.ones(2, 2), True)
    with Answer():
        assert e.size() == (7, 7)


# ---- traceable wrappers, TwoTensor, aliasing (B.5, A.1.5) ---------------------------------------
def test_traceable_wrapper_protocol_and_transform():
    t = TwoTensor(kt.ones(2), kt.zeros(2))
    assert is_traceable_wrapper_subclass(t) and is_traceable_wrapper_subclass_type(TwoTensor)
    assert not is_traceable_wrapper_subclass(LoggingTensor(kt.ones(1)))
    assert not is_traceable_wrapper_subclass(kt.ones(1))
    u = transform_subclass(t, lambda name, x: x + (1 if name == "a" else 2))
    assert type(u) is TwoTensor and u.a.tolist() == [2.0, 2.0] and u.b.tolist() == [2.0, 2.0]

    class IgnoresOuterSize(TwoTensor):
        @staticmethod
        def __tensor_unflatten__(inner, meta, outer_size, outer_stride):
            return IgnoresOuterSize(inner["a"], inner["b"])
    w = IgnoresOuterSize(kt.ones(2), kt.zeros(2))
    with pytest.raises(AssertionError, match="to have shape equal to"):
        transform_subclass(w, lambda name, x: kt.ones(3))


def test_two_tensor_checks_and_runs_ops_twice():
    t = TwoTensor(kt.tensor([1.0, 2.0]), kt.tensor([10.0, 20.0]))
    s = t * 2 + 1
    assert type(s) is TwoTensor and s.a.tolist() == [3.0, 5.0] and s.b.tolist() == [21.0, 41.0]
    assert t.sum().a.item() == 3.0
    with pytest.raises(AssertionError, match="same device, layout, requires_grad, and dtype"):
        TwoTensor(kt.ones(2), kt.ones(2, dtype=kt.int64))
    with pytest.raises(AssertionError, match="a.shape == b.shape"):
        TwoTensor(kt.ones(2), kt.ones(3))


def test_two_tensor_slice_stride_matches_dense():
    t = TwoTensor(kt.ones(2, 2), kt.ones(2, 2))
    assert t[:, 0].stride() == kt.ones(2, 2)[:, 0].stride()


def test_two_tensor_mode_wraps_factories():
    with TwoTensorMode():
        x = kt.ones(2)
        y = x + 1
    assert type(x) is TwoTensor and type(y) is TwoTensor and y.b.tolist() == [2.0, 2.0]


def _same_storage(a, b):
    return a.untyped_storage() is b.untyped_storage()


def _check_aliasing(op, args, kwargs):
    """The subclass results alias the subclass inputs exactly where the dense ones do."""
    ref = op(*args, **kwargs)
    to_sub = lambda t: TwoTensor(t, t.clone())  # noqa: E731
    sargs = pytree.tree_map_only(kt.Tensor, to_sub, args)
    skwargs = pytree.tree_map_only(kt.Tensor, to_sub, kwargs)
    test = op(*sargs, **skwargs)
    tensors = lambda tree: [x for x in pytree.tree_leaves(tree)  # noqa: E731
                            if isinstance(x, kt.Tensor)]
    ins_ref, ins_test = tensors((args, kwargs)), tensors((sargs, skwargs))
    for o_ref, o_test in zip(tensors(ref), tensors(test)):
        for a_ref, a_test in zip(ins_ref, ins_test):
            if o_ref is a_ref:
                assert o_test is a_test
            assert _same_storage(o_ref, a_ref) == _same_storage(o_test, a_test)


ALIASING_CASES = {
    "mul": (kt.mul, lambda: (kt.ones(3), kt.ones(3)), {}),
    "cat": (kt.cat, lambda: ([kt.ones(2), kt.ones(2)],), {}),
    "index": (kt.ops.aten.index.Tensor, lambda: (kt.arange(4.0), [kt.tensor([0, 2])]), {}),
    "mul_": (kt.Tensor.mul_, lambda: (kt.ones(3), kt.ones(3)), {}),
    "view": (kt.Tensor.view, lambda: (kt.ones(2, 3), 6), {}),
    "split": (kt.split, lambda: (kt.ones(4), 2), {}),
    "add_out": (kt.ops.aten.add.out, lambda: (kt.ones(4), kt.ones(4)),
                {"out": "__empty4__"}),
    "transpose": (kt.transpose, lambda: (kt.ones(2, 3), 0, 1), {}),
}


@pytest.mark.parametrize("name", sorted(ALIASING_CASES))
def test_wrapper_subclass_aliasing(name):
    op, make_args, kwargs = ALIASING_CASES[name]
    kwargs = {k: (kt.empty(4) if v == "__empty4__" else v) for k, v in kwargs.items()}
    _check_aliasing(op, make_args(), kwargs)


def test_return_and_correct_aliasing_rules():
    x = TwoTensor(kt.ones(3), kt.ones(3))
    r = x.mul_(2)
    assert r is x and x.a.tolist() == [2.0, 2.0, 2.0]
    v = x.view(3)
    assert v is not x and _same_storage(v, x)
    out = TwoTensor(kt.empty(3), kt.empty(3))
    res = kt.add(x, x, out=out)
    assert res is out and out.b.tolist() == [4.0, 4.0, 4.0]


def test_inplace_view_updates_wrapper_metadata():
    calls = []

    class Inplace(TwoTensor):
        @classmethod
        def __torch_dispatch__(cls, func, types, args, kwargs):
            calls.append(func)
            return super().__torch_dispatch__(func, types, args, kwargs)
    from kindling._dispatcher import operator as opreg
    from kindling._dispatcher.keys import K
    from kindling._dispatcher.operator import KernelEntry
    from kindling._tensor import make_view
    entry = opreg.define("kindling_test_alias::t_(Tensor(a!) self) -> Tensor(a!)",
                         tags=("inplace_view",))

    def t_(ks, self):
        v = make_view(self, tuple(reversed(self._size)), tuple(reversed(self._stride())),
                      self._offset)
        self._size, self._stride_ = v._size, v._stride_
        return self
    entry.register(K.CompositeExplicitAutograd, KernelEntry(t_, "test"))
    try:
        op = kt.ops.kindling_test_alias.t_.default
        w = TwoTensor(kt.ones(2, 3), kt.ones(2, 3))
        r = op(w)
        assert r is w and w.shape == (3, 2) and w.stride() == (1, 3)
        assert w.a.shape == (3, 2)
    finally:
        opreg.undefine(entry)
        kt.ops._drop_packet("kindling_test_alias::t_")


# ---- pytree -------------------------------------------------------------------------------------
def test_pytree_round_trip_and_map():
    from collections import OrderedDict, namedtuple
    Point = namedtuple("Point", "x y")
    tree = {"a": [1, (2, 3)], "b": Point(4, {"c": 5}), "d": OrderedDict(e=6)}
    leaves, spec = pytree.tree_flatten(tree)
    assert leaves == [1, 2, 3, 4, 5, 6]
    assert pytree.tree_unflatten([x * 10 for x in leaves], spec) == {
        "a": [10, (20, 30)], "b": Point(40, {"c": 50}), "d": OrderedDict(e=60)}
    assert pytree.tree_map(lambda x: -x, [1, [2]]) == [-1, [-2]]
    assert pytree.tree_map_only(int, str, [1, 2.0]) == ["1", 2.0]
    assert pytree.tree_leaves(kt.Size([2, 3])) == [kt.Size([2, 3])]  # Size is a leaf
    assert pytree.arg_tree_leaves(1, [2], k=3) == [1, 2, 3]
    assert pytree.tree_all(lambda x: x > 0, [1, (2,)]) and pytree.tree_any(lambda x: x > 1, [1, 2])
    with pytest.raises(ValueError):
        pytree.tree_unflatten([1], spec)
