"""``__torch_function__`` on Tensor's metadata methods (``size()``, ``dim()``, ``stride()``,
``numel()``, ``is_contiguous()``...), compared with PyTorch: a function mode or a subclass with
a ``__torch_function__`` of its own gets the method itself as ``func``, with the arguments as
passed; plain tensors with no mode on take none of it, and kindling's own kernels add nothing
to the log."""
import copy

import pytest

import kindling

torch = pytest.importorskip("torch")


def _overrides(T):
    return kindling.overrides if T is kindling else torch.overrides


def _name(func):
    return getattr(func, "__name__", repr(func))


def _calls(x):
    """Each metadata method, with and without arguments (results returned for comparison)."""
    return [
        x.size(), x.size(1), x.size(-1), x.dim(), x.ndimension(), x.stride(), x.stride(0),
        x.numel(), x.nelement(), x.is_contiguous(), x.storage_offset(), x.element_size(),
        x.is_floating_point(), x.is_complex(), x.is_signed(), x.get_device(), x.type(),
        x.is_contiguous(memory_format=_layout(x).contiguous_format), x.data_ptr() != 0,
        len(list(iter(x))), x.__array__().shape, copy.deepcopy(x).shape, str(x) == repr(x),
    ]


def _layout(x):
    return kindling if isinstance(x, kindling.Tensor) else torch


def _mode_log(T):
    log = []

    class Log(_overrides(T).TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            log.append(_name(func))
            return func(*args, **(kwargs or {}))
    x = T.ones(2, 3)
    with Log():
        out = _calls(x)
    return log, out


def test_function_mode_sees_metadata_methods():
    got, want = _mode_log(kindling), _mode_log(torch)
    assert got[0] == want[0]
    assert got[1] == [tuple(v) if isinstance(v, tuple) else v for v in want[1]] or \
        [str(v) for v in got[1]] == [str(v) for v in want[1]]


def _subclass_log(T):
    log = []

    class Sub(T.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            log.append((_name(func), len(args), sorted(kwargs or {})))
            return super().__torch_function__(func, types, args, kwargs)
    x = T.ones(2, 3).as_subclass(Sub)
    log.clear()
    # (``x.size(dim=1)`` reaches handlers with ``dim`` as a positional argument: kindling's
    # methods do not keep how it was passed)
    out = [x.size(), x.size(1), x.dim(), x.stride(1), x.numel(), x.is_contiguous(),
           x.storage_offset(), x.element_size(), x.is_floating_point(), x.type()]
    return log, [str(v) for v in out]


def test_overriding_subclass_sees_metadata_methods():
    assert _subclass_log(kindling) == _subclass_log(torch)


def _inheriting_subclass(T):
    class Plain(T.Tensor):  # the default handler: nothing to observe, results unwrapped
        pass
    x = T.ones(2, 3).as_subclass(Plain)
    return [type(v).__name__ for v in (x.size(), x.dim(), x.stride(), x.numel())]


def test_inheriting_subclass_gets_plain_results():
    assert _inheriting_subclass(kindling) == _inheriting_subclass(torch)


def _op_log_under_mode(T):
    """Ops under a mode: only the ops reach it, not the metadata reads of their kernels."""
    log = []

    class Log(_overrides(T).TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            log.append(_name(func))
            return func(*args, **(kwargs or {}))
    a = T.ones(2, 3, requires_grad=True)
    with Log():
        b = a.t().contiguous().view(6).expand(2, 6) * 2
        b.sum().backward()
    return log


def test_kernels_add_no_metadata_calls_to_a_mode_log():
    assert _op_log_under_mode(kindling) == _op_log_under_mode(torch)


def test_metadata_methods_free_without_protocol():
    """Exact tensors with no mode never reach the protocol (the check is a flag read)."""
    from kindling import overrides
    calls = []
    orig = overrides.torch_function_dispatch
    overrides.torch_function_dispatch = lambda *a, **k: calls.append(a) or orig(*a, **k)
    try:
        _calls(kindling.ones(2, 3))
    finally:
        overrides.torch_function_dispatch = orig
    assert calls == []


def _kw_log(T):
    """What a function mode gets for ``size``/``stride`` called with ``dim`` as a keyword."""
    log = []

    class Log(_overrides(T).TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            log.append((_name(func), len(args), sorted(kwargs or {})))
            return func(*args, **(kwargs or {}))
    x = T.ones(2, 3)
    with Log():
        out = [x.size(dim=1), x.size(1), x.stride(dim=0), x.stride(dim=-1), x.size(dim=None)]
    return log, [tuple(v) if isinstance(v, tuple) else v for v in out]


def test_dim_keyword_reaches_handlers_as_a_keyword():
    assert _kw_log(kindling) == _kw_log(torch)


@pytest.mark.parametrize("call", [
    "x.size(1, 2)", "x.size(foo=1)", "x.size('a')", "x.size(dim='a')", "x.size(1, dim=1)",
    "x.size(True)", "x.size(1.0)", "x.stride(1, 2)", "x.stride(dim=1.5)", "x.stride('a')",
    "x.size(5)", "x.stride(-3)"])
def test_size_stride_argument_errors(call):
    def run(T):
        x = T.ones(2, 3)
        try:
            eval(call)
        except Exception as e:  # noqa: BLE001 - the error is what is compared
            return type(e).__name__, str(e)
        return None
    assert run(kindling) == run(torch)


def test_size_stride_accept_index_like_dims():
    import numpy as np
    for T in (kindling, torch):
        x = T.ones(2, 3)
        assert x.size(np.int64(1)) == 3 and x.size(T.tensor(1)) == 3
        assert x.stride(dim=np.int64(0)) == 3
