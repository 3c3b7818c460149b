"""``resize_(..., memory_format=...)`` and ``resize_as_`` against PyTorch: the sizes change first,
then the tensor is restrided to the format (channels_last strides carry no ``max(size, 1)``),
even when the sizes are already right; a format the rank does not allow, or
``preserve_format``, is refused after the resize.  ``resize_as_``'s ``preserve_format`` takes
the template's suggested format.  A tensor with a tangent cannot be resized."""
import importlib

import pytest

import kindling
from tests._parity import dispatch_log

torch = pytest.importorskip("torch")


def _mf(T, name):
    return None if name is None else getattr(T, name)


def _state(t):
    return (tuple(t.shape), t.stride(), t.storage_offset(), t._version,
            t.untyped_storage().nbytes())


def _run(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 (the error is what is compared)
        return type(e).__name__, str(e)


SIZES = [(2, 3, 4, 5), (2, 3, 4), (2, 3, 4, 5, 6), (2, 1, 1, 1), (0, 3, 0, 2), (1, 2, 1, 3),
         (3,)]
FORMATS = [None, "contiguous_format", "channels_last", "channels_last_3d", "preserve_format"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("start", ["empty", "same size", "view"])
def test_resize_memory_format(start, size, fmt):
    def case(T):
        if start == "empty":
            t = T.empty(0)
        elif start == "same size":
            t = T.empty(size)
        else:
            t = T.empty(200)[3:]
        kw = {} if fmt is None else {"memory_format": _mf(T, fmt)}
        r = _run(lambda: t.resize_(size, **kw))
        return (r if isinstance(r, tuple) else r is t), _state(t)
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("fmt", FORMATS)
def test_aten_resize_and_mode_log(fmt):
    def case(T):
        log, mode = dispatch_log(T)
        t = T.empty(0, dtype=T.int32)
        kw = {} if fmt is None else {"memory_format": _mf(T, fmt)}
        with mode:
            r = _run(lambda: T.ops.aten.resize_.default(t, [1, 2, 3, 4], **kw))
        return (r if isinstance(r, tuple) else r is t), _state(t), log
    assert case(kindling) == case(torch)


TEMPLATES = {
    "contiguous 4d": lambda T: T.empty(2, 3, 4, 5),
    "channels_last": lambda T: T.empty(2, 3, 4, 5).contiguous(memory_format=T.channels_last),
    "channels_last_3d":
        lambda T: T.empty(2, 3, 4, 5, 6).contiguous(memory_format=T.channels_last_3d),
    "N111": lambda T: T.empty(2, 1, 1, 1),
    "1C1W transposed": lambda T: T.empty(1, 4, 1, 3).transpose(1, 3),
    "3d": lambda T: T.empty(2, 3, 4),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_resize_as_memory_format(template, fmt):
    def case(T):
        log, mode = dispatch_log(T)
        t = T.empty(2, 3, 4, 5)
        kw = {} if fmt is None else {"memory_format": _mf(T, fmt)}
        tmpl = TEMPLATES[template](T)
        with mode:
            r = _run(lambda: t.resize_as_(tmpl, **kw))
        return (r if isinstance(r, tuple) else r is t), _state(t), log
    assert case(kindling) == case(torch)


def test_memory_format_argument_type():
    def case(T):
        return _run(lambda: T.empty(0).resize_(2, 3, memory_format=1))
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("op", ["resize_", "resize_as_"])
@pytest.mark.parametrize("same", [True, False])
def test_tangent_refused(op, same):
    def case(T):
        fw = importlib.import_module(T.__name__ + ".autograd.forward_ad")
        with fw.dual_level():
            d = fw.make_dual(T.zeros(2), T.ones(2))
            n = 2 if same else 3
            call = (lambda: d.resize_(n)) if op == "resize_" else \
                (lambda: d.resize_as_(T.empty(n)))
            r = _run(call)
            return (r if isinstance(r, tuple) else None), tuple(d.shape), d._version
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("op", ["resize_", "resize_as_"])
def test_requires_grad_refused(op):
    def case(T):
        x = T.zeros(2, requires_grad=True)
        call = (lambda: x.resize_(3)) if op == "resize_" else (lambda: x.resize_as_(T.empty(3)))
        with T.no_grad():
            r = _run(call)
        return r, tuple(x.shape), x._version
    assert case(kindling) == case(torch)
