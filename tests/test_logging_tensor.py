"""LoggingTensor / LoggingTensorMode logs: the same script run under kindling and under PyTorch
must print the same lines (spec C.1)."""
import importlib

import pytest

import kindling

LT = "testing._internal.logging_tensor"


def _lt(T):
    return importlib.import_module(f"{T.__name__}.{LT}")


def _both(torch, script):
    """Run ``script(T, lt)`` under kindling and PyTorch; return both log lists."""
    import logging
    lg = logging.getLogger("LoggingTensor")
    propagate, level, handlers = lg.propagate, lg.level, lg.handlers
    # (handlers other tests left on the shared logger would format records - printing tensors
    # under the logging mode, which logs the printing's detach - so none while comparing)
    lg.handlers = []
    try:
        return script(kindling, _lt(kindling)), script(torch, _lt(torch))
    finally:
        # PyTorch's capture_logs leaves the shared logger at INFO and non-propagating.
        lg.propagate, lg.level, lg.handlers = propagate, level, handlers


# ---- scripts (each uses only the T/lt it is given) ---------------------------------------------
def s_out(T, lt):
    with lt.capture_logs() as logs:
        x = lt.LoggingTensor(T.ones(1))
        y = lt.LoggingTensor(T.zeros(1))
        lt.log_input("x", x)
        lt.log_input("y", y)
        T.abs(x, out=y)
    assert y.elem.tolist() == [1.0]
    return logs


def s_kwarg_only(T, lt):
    with lt.capture_logs() as logs:
        x = lt.LoggingTensor(T.ones(1))
        y = lt.LoggingTensor(T.ones(1, 1))
        z = lt.LoggingTensor(T.ones(1))
        lt.log_input("x", x)
        lt.log_input("y", y)
        lt.log_input("z", z)
        T.addmv(x, y, z)
        T.addmv(x, y, z, beta=1)      # explicitly the default: still left out
        T.addmv(x, y, z, beta=2)
        T.addmv(x, y, z, alpha=2)
        T.addmv(x, y, z, beta=2, alpha=2)
    return logs


def s_positional_default(T, lt):
    with lt.capture_logs() as logs:
        x = lt.LoggingTensor(T.ones(1))
        lt.log_input("x", x)
        foobar = T.ops.aten._foobar.default
        foobar(x)
        foobar(x, False)
        foobar(x, arg3=False)
        foobar(x, False, arg3=False)
        foobar(x, True, True, arg3=True)   # every default spelled out: none shown
    return logs


def s_real_types(T, lt):
    with lt.capture_logs() as logs:
        x = lt.LoggingTensor(T.ones(2, 2))
        lt.log_input("x", x)
        x.to(T.float64)
        T.cumprod(x, 0, dtype=T.float64)
        x.select(1, 1).contiguous()
    return logs


def s_index_full_slice(T, lt):
    with lt.capture_logs() as logs:
        x = lt.LoggingTensor(T.ones(2, 2))
        lt.log_input("x", x)
        x[:, 1]
    return logs


def s_detach_once(T, lt):
    with lt.capture_logs() as logs:
        x = lt.LoggingTensor(T.tensor([3.0]))
        lt.log_input("x", x)
        x.detach()
    return logs


def s_scalars_and_lists(T, lt):
    with lt.capture_logs() as logs:
        x = lt.LoggingTensor(T.ones(2, 3))
        lt.log_input("x", x)
        x * 2
        x + 2.5
        x ** 2
        x.view(3, 2)
        x.sum(dim=(0,))
        T.cat([x, x])
        x.transpose(0, 1)
        x.new_ones(2)
        x.split(1)
    return logs


def s_mode_basic(T, lt):
    with lt.capture_logs(is_mode=True) as logs:
        with lt.LoggingTensorMode():
            T.empty([])
    return logs


def s_mode_unrelated(T, lt):
    x = T.ones([])
    y = T.ones([])
    with lt.capture_logs(is_mode=True) as logs:
        with lt.LoggingTensorMode():
            x + y
    return logs


def s_nested_modes(T, lt):
    x = T.ones([])
    y = T.ones([])
    with lt.capture_logs(is_mode=True) as logs:
        with lt.LoggingTensorMode():
            with lt.LoggingTensorMode():
                T.empty([])
                x + y
    return logs


def s_same_mode_twice(T, lt):
    with lt.capture_logs(is_mode=True) as logs:
        with lt.LoggingTensorMode() as m:
            with m:
                T.empty([])
    return logs


def s_mode_factories(T, lt):
    with lt.capture_logs(is_mode=True) as logs:
        with lt.LoggingTensorMode():
            T.empty((2, 2), dtype=T.float64, pin_memory=False, device="cpu")
            T.zeros(2)
            T.ones(2, dtype=T.int64)
            T.full((2,), 3)
    return logs


def s_capture_helper(T, lt):
    x = T.ones([])
    y = T.ones([])
    with lt.capture_logs_with_logging_tensor_mode() as logs1:
        with lt.capture_logs_with_logging_tensor_mode() as logs2:
            T.empty([])
            x + y
    assert logs1 == logs2
    return logs2


SCRIPTS = [s_out, s_kwarg_only, s_positional_default, s_real_types, s_detach_once,
           s_scalars_and_lists, s_mode_basic, s_mode_unrelated, s_nested_modes,
           s_same_mode_twice, s_mode_factories, s_capture_helper]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.__name__)
def test_same_lines_as_pytorch(torch, script):
    ours, theirs = _both(torch, script)
    assert ours == theirs


def test_index_full_slice_lines(torch):
    ours, theirs = _both(torch, s_index_full_slice)
    assert ours == theirs


# ---- expected text, independent of the oracle (spec C.1) ------------------------------------
def test_expected_lines_out_and_kwargs():
    lt = _lt(kindling)
    assert s_out(kindling, lt) == [
        "$0: f32[1] = input('x')", "$1: f32[1] = input('y')",
        "$2: f32[1] = torch._ops.aten.abs.out($0, out=$1)"]
    assert s_kwarg_only(kindling, lt)[3:] == [
        "$3: f32[1] = torch._ops.aten.addmv.default($0, $1, $2)",
        "$4: f32[1] = torch._ops.aten.addmv.default($0, $1, $2)",
        "$5: f32[1] = torch._ops.aten.addmv.default($0, $1, $2, beta=2)",
        "$6: f32[1] = torch._ops.aten.addmv.default($0, $1, $2, alpha=2)",
        "$7: f32[1] = torch._ops.aten.addmv.default($0, $1, $2, beta=2, alpha=2)"]


def test_expected_lines_positional_default_and_real_types():
    lt = _lt(kindling)
    assert s_positional_default(kindling, lt)[1:5] == [
        "$1: f32[1] = torch._ops.aten._foobar.default($0)",
        "$2: f32[1] = torch._ops.aten._foobar.default($0, False)",
        "$3: f32[1] = torch._ops.aten._foobar.default($0, arg3=False)",
        "$4: f32[1] = torch._ops.aten._foobar.default($0, False, arg3=False)"]
    assert s_real_types(kindling, lt) == [
        "$0: f32[2, 2] = input('x')",
        "$1: f64[2, 2] = torch._ops.aten._to_copy.default($0, dtype=torch.float64)",
        "$2: f64[2, 2] = torch._ops.aten.cumprod.default($0, 0, dtype=torch.float64)",
        "$3: f32[2] = torch._ops.aten.select.int($0, 1, 1)",
        "$4: f32[2] = torch._ops.aten.clone.default($3, memory_format=torch.contiguous_format)"]


def test_expected_lines_modes():
    lt = _lt(kindling)
    empty = ("torch._ops.aten.empty.memory_format([], device=device(type='cpu'), "
             "pin_memory=False)")
    assert s_mode_basic(kindling, lt) == [f"$0: f32[] = {empty}"]
    assert s_mode_unrelated(kindling, lt) == ["$2: f32[] = torch._ops.aten.add.Tensor($0, $1)"]
    assert s_nested_modes(kindling, lt) == [
        f"$0: f32[] = {empty}", f"$0: f32[] = {empty}",
        "$3: f32[] = torch._ops.aten.add.Tensor($1, $2)",
        "$3: f32[] = torch._ops.aten.add.Tensor($1, $2)"]
    assert s_same_mode_twice(kindling, lt) == [f"$0: f32[] = {empty}"] * 2


def test_optional_tensor_list_formatting():
    """A ``Tensor?[]`` argument logs as the container of formatted leaves."""
    from kindling._dispatcher import operator as opreg
    from kindling._dispatcher.keys import K
    from kindling._dispatcher.operator import KernelEntry
    lt = _lt(kindling)
    entry = opreg.define("kindling_test_logging::weird(Tensor?[] self) -> Tensor")
    try:
        entry.register(K.CompositeExplicitAutograd,
                       KernelEntry(lambda ks, xs: kindling.empty(()), "test"))
        with lt.capture_logs() as logs:
            x = lt.LoggingTensor(kindling.ones(2, 2))
            lt.log_input("x", x)
            kindling.ops.kindling_test_logging.weird.default([None, x])
        assert logs == ["$0: f32[2, 2] = input('x')",
                        "$1: f32[] = torch._ops.kindling_test_logging.weird.default("
                        "['None', '$0'])"]
    finally:
        opreg.undefine(entry)
        kindling.ops._drop_packet("kindling_test_logging::weird")


def test_format_and_repr():
    lt = _lt(kindling)
    x = lt.LoggingTensor(kindling.ones(1))
    assert str(x) == repr(x) == f"{x}" == "LoggingTensor(tensor([1.]))"
    y = lt.LoggingTensor(kindling.ones(1), requires_grad=True)
    assert repr(y) == "LoggingTensor(tensor([1.]), requires_grad=True)"


def test_tracebacks_are_collected():
    lt = _lt(kindling)
    with lt.capture_logs(python_tb=True) as (logs, tbs):
        x = lt.LoggingTensor(kindling.ones(1))
        x + x
    assert len(logs) == len(tbs) == 1
    assert any("test_tracebacks_are_collected" in line for line in tbs[0])


def test_logger_detached_after_capture():
    import logging
    lt = _lt(kindling)
    before = list(logging.getLogger("LoggingTensor").handlers)
    with lt.capture_logs():
        pass
    assert logging.getLogger("LoggingTensor").handlers == before


def _autograd_available():
    return hasattr(getattr(kindling, "autograd", None), "grad")


@pytest.mark.skipif(not _autograd_available(), reason="kindling.autograd.grad not built yet")
def test_basic_autograd_log_matches(torch):
    def script(T, lt):
        with lt.capture_logs() as logs:
            x = lt.LoggingTensor(T.tensor([3.0]), requires_grad=True)
            lt.log_input("x", x)
            y = x * x
            grad_y = lt.LoggingTensor(T.tensor([1.0]))
            lt.log_input("grad_y", grad_y)
            (g,) = T.autograd.grad((y,), (x,), (grad_y,))
        assert g.elem.tolist() == [6.0]
        return logs
    ours, theirs = _both(torch, script)
    assert ours == theirs


def _function_available():
    return hasattr(getattr(kindling, "autograd", None), "Function")


@pytest.mark.skipif(not _function_available(), reason="kindling.autograd.Function not built yet")
def test_custom_function_log_matches(torch):
    def script(T, lt):
        class Square(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 2

            @staticmethod
            def backward(ctx, grad_output):
                assert isinstance(grad_output, lt.LoggingTensor)
                (x,) = ctx.saved_tensors
                assert isinstance(x, lt.LoggingTensor)
                return grad_output * 2 * x

        with lt.capture_logs() as logs:
            x = lt.LoggingTensor(T.ones(1), requires_grad=True)
            lt.log_input("x", x)
            x.grad = lt.LoggingTensor(T.zeros(1))
            lt.log_input("x.grad", x.grad)
            y = Square.apply(x)
            grad_output = lt.LoggingTensor(T.ones(1))
            lt.log_input("grad_output", grad_output)
            y.backward(grad_output)
        return logs
    ours, theirs = _both(torch, script)
    assert ours == theirs
    assert ours[-1] == "$6: f32[1] = torch._ops.aten.add_.Tensor($1, $5)"
