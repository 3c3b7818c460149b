"""Factory ops: ``empty``, ``empty_strided``, ``zeros``, ``ones``, ``full``, ``arange``,
``scalar_tensor``, the ``*_like`` and ``new_*`` families, ``tensor``/``as_tensor``/``from_numpy``.

Factories have no tensor arguments, so they reach a backend through the ``BackendSelect`` key:
its kernel reads ``device=`` and redispatches to CPU or Meta, as PyTorch's does.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import _device, _dtype, _layout
from .._dispatcher.keys import K, at_and_above, bit
from .._dispatcher.operator import KernelEntry, caller_site
from .._dispatcher.tls import state as _tls
from .._tensor import Tensor, contiguous_strides, from_array, from_numpy_shared
from . import _parser_errors as PE
from ._api import function, method, public
from ._defop import NESTED_EXCLUDED, defop
from ._meta_util import empty_meta
from ._tensor_iterator import memory_format_strides
from ._util import _unpack_error, int_list_error, np_scalar

_BACKEND_BIT = {"cpu": bit(K.CPU), "meta": bit(K.Meta)}
_BELOW_BS = ~at_and_above(K.BackendSelect)

_FACTORY_KW = ("*, ScalarType? dtype=None, Layout? layout=None, Device? device=None, "
               "bool? pin_memory=None")


def _backend_bit(device):
    if device is None:
        return _BACKEND_BIT["cpu"]
    d = _device.canonical(device)
    b = _BACKEND_BIT.get(d.type)
    if b is None:
        _device.check_backend(d, copying=False)
    return b


def backend_select(opdef):
    """Register the BackendSelect kernel of a factory: pick the backend from ``device=``."""
    op = opdef.op

    def kernel(ks, *args, **kwargs):
        return op.redispatch((ks & _BELOW_BS) | _backend_bit(kwargs.get("device")),
                             *args, **kwargs)
    opdef.entry.register(K.BackendSelect, KernelEntry(kernel, caller_site()))
    return opdef


def _dt(dtype):
    return dtype if dtype is not None else _dtype.get_default_dtype()


def _check_size(size, name="empty"):
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"[{', '.join(map(str, size))}]")


def _np_full(size, value, dt):
    _check_size(size)
    return np.full(tuple(size), np_scalar(value, dt), dtype=dt._np)


# ---- empty ------------------------------------------------------------------------------------
empty = backend_select(defop(
    f"empty.memory_format(SymInt[] size, {_FACTORY_KW}, MemoryFormat? memory_format=None) -> Tensor",
    tags=("core",)))


def _empty_format_strides(size, memory_format):
    """The strides ``empty(size, memory_format=...)`` gives (None: contiguous)."""
    if memory_format is None or memory_format is _layout.contiguous_format:
        return None
    if memory_format is _layout.preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    from ._tensor_iterator import memory_format_strides
    return memory_format_strides(tuple(size), None, memory_format)


@empty.cpu_ks
def _(ks, size, *, dtype=None, layout=None, device=None, pin_memory=None, memory_format=None):
    _check_size(size)
    stride = _empty_format_strides(size, memory_format)
    if stride is not None:  # (channels_last: empty_strided's storage, laid out so)
        return empty_strided.op.redispatch(ks, list(size), list(stride), dtype=dtype)
    return from_array(np.zeros(tuple(size), dtype=_dt(dtype)._np))


@empty.meta
def _(size, *, dtype=None, layout=None, device=None, pin_memory=None, memory_format=None):
    _check_size(size)
    return empty_meta(size, _dt(dtype), _empty_format_strides(size, memory_format))


empty_strided = backend_select(defop(
    f"empty_strided(SymInt[] size, SymInt[] stride, {_FACTORY_KW}) -> Tensor", tags=("core",)))


def _check_strided(size, stride):
    _check_size(size)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of "
                           f"strides ({len(stride)})")


@empty_strided.cpu_ks
def _(ks, size, stride, *, dtype=None, layout=None, device=None, pin_memory=None):
    from .._storage import UntypedStorage
    from .._tensor import make_tensor
    _check_strided(size, stride)
    dt = _dt(dtype)
    n = 0 if any(s == 0 for s in size) else 1 + sum((a - 1) * b for a, b in zip(size, stride))
    st = UntypedStorage(n * dt.itemsize)
    return make_tensor(st, size, stride, 0, dt, _device.CPU)


@empty_strided.meta
def _(size, stride, *, dtype=None, layout=None, device=None, pin_memory=None):
    _check_strided(size, stride)
    return empty_meta(size, _dt(dtype), stride)


# ---- full / zeros / ones ------------------------------------------------------------------------
full = backend_select(defop(f"full(SymInt[] size, Scalar fill_value, {_FACTORY_KW}) -> Tensor",
                            tags=("core",)))


def _full_dtype(fill_value, dtype):
    if dtype is not None:
        return dtype
    return _dtype.scalar_dtype(fill_value)


@full.cpu
def _(size, fill_value, *, dtype=None, layout=None, device=None, pin_memory=None):
    return _np_full(size, fill_value, _full_dtype(fill_value, dtype))


@full.meta
def _(size, fill_value, *, dtype=None, layout=None, device=None, pin_memory=None):
    _check_size(size)
    return empty_meta(size, _full_dtype(fill_value, dtype))


zeros = backend_select(defop(f"zeros(SymInt[] size, {_FACTORY_KW}) -> Tensor"))
ones = backend_select(defop(f"ones(SymInt[] size, {_FACTORY_KW}) -> Tensor"))


@zeros.cpu
def _(size, *, dtype=None, layout=None, device=None, pin_memory=None):
    if any(n < 0 for n in size):
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    return _np_full(size, 0, _dt(dtype))


@ones.cpu
def _(size, *, dtype=None, layout=None, device=None, pin_memory=None):
    return _np_full(size, 1, _dt(dtype))


@zeros.meta
@ones.meta
def _(size, *, dtype=None, layout=None, device=None, pin_memory=None):
    _check_size(size)
    return empty_meta(size, _dt(dtype))


# ---- eye ----------------------------------------------------------------------------------------
eye = backend_select(defop(f"eye(SymInt n, {_FACTORY_KW}) -> Tensor"))
eye_m = backend_select(defop(f"eye.m(SymInt n, SymInt m, {_FACTORY_KW}) -> Tensor"))


def _eye_check(n, m):
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")


@eye.cpu
def _(n, *, dtype=None, layout=None, device=None, pin_memory=None):
    _eye_check(n, n)
    return np.eye(n, dtype=_dt(dtype)._np)


@eye_m.cpu
def _(n, m, *, dtype=None, layout=None, device=None, pin_memory=None):
    _eye_check(n, m)
    return np.eye(n, m, dtype=_dt(dtype)._np)


@eye.meta
def _(n, *, dtype=None, layout=None, device=None, pin_memory=None):
    _eye_check(n, n)
    return empty_meta((n, n), _dt(dtype))


@eye_m.meta
def _(n, m, *, dtype=None, layout=None, device=None, pin_memory=None):
    _eye_check(n, m)
    return empty_meta((n, m), _dt(dtype))


@function("eye")
def eye_fn(n=PE.MISSING, m=None, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """``torch.eye(n, m=None)``: ones on the diagonal, zeros elsewhere."""
    if n is PE.MISSING:
        raise PE.parser_error("eye", PE.EYE, (), PE.given(
            m=m, out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory,
            requires_grad=requires_grad))
    if out is not None:
        from ._ops_registry import aten
        check_out("eye", out, dtype, layout, device)
        t = aten.eye.out(n, out=out) if m is None else aten.eye.m_out(n, m, out=out)
        return finish_out(t, requires_grad)
    kw = _factory_kwargs(dtype, layout, device, pin_memory)
    return _finish(eye.op(n, **kw) if m is None else eye_m.op(n, m, **kw), requires_grad)


scalar_tensor = backend_select(defop(f"scalar_tensor(Scalar s, {_FACTORY_KW}) -> Tensor",
                                     tags=("core",)))


@scalar_tensor.cpu
def _(s, *, dtype=None, layout=None, device=None, pin_memory=None):
    return np.asarray(np_scalar(s, _dt(dtype)))


@scalar_tensor.meta
def _(s, *, dtype=None, layout=None, device=None, pin_memory=None):
    return empty_meta((), _dt(dtype))


# ---- arange -------------------------------------------------------------------------------------
arange = backend_select(defop(
    f"arange.start_step(Scalar start, Scalar end, Scalar step=1, {_FACTORY_KW}) -> Tensor",
    tags=("core",)))


def _arange_dtype(start, end, step, dtype):
    if dtype is not None:
        return dtype
    if any(isinstance(x, float) or (isinstance(x, Tensor) and x.dtype.is_floating_point)
           for x in (start, end, step)):
        return _dtype.get_default_dtype()
    return _dtype.int64


def _g(x):
    """A double as C++'s ostream prints it."""
    return f"{x:g}"


_ARANGE_DTYPES = frozenset(("uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
                            "float32", "float64"))


def _arange_size(start, end, step, dt):
    """PyTorch's ``compute_arange_size`` for a result of dtype ``dt``: the bounds checked in
    double, the length in double, but an int64 result's from the ends and step truncated to
    integers (and a step that truncates to 0 is a ValueError)."""
    import math
    if dt._name not in _ARANGE_DTYPES:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{dt._scalar_name}'")
    ds, de, dstep = float(start), float(end), float(step)
    if not (dstep > 0 or dstep < 0):
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(ds) and math.isfinite(de)):
        raise RuntimeError(f"unsupported range: {_g(ds)} -> {_g(de)}")
    if not ((dstep > 0 and de >= ds) or (dstep < 0 and de <= ds)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dt is _dtype.int64:
        xs, xe, xstep = int(start), int(end), int(step)
        if xstep == 0:
            raise ValueError("step must be nonzero")
        num = xe - xs + xstep - ((xstep > 0) - (xstep < 0))
        size = abs(num) // abs(xstep) * (1 if (num >= 0) == (xstep > 0) else -1)  # (C's /)
    else:
        size = math.ceil((de - ds) / dstep)
    if not 0 <= size <= (1 << 63) - 1:
        raise RuntimeError("invalid size, possible overflow?")
    return size


def _arange_values(start, step, n, dt):
    if dt.is_floating_point:
        # PyTorch computes start + i * step in double then casts.
        return (start + np.arange(n, dtype=np.float64) * step).astype(dt._np)
    return (np.arange(n, dtype=np.int64) * int(step) + int(start)).astype(dt._np)


@arange.cpu
def _(start, end, step=1, *, dtype=None, layout=None, device=None, pin_memory=None):
    dt = _arange_dtype(start, end, step, dtype)
    return _arange_values(start, step, _arange_size(start, end, step, dt), dt)


@arange.meta
def _(start, end, step=1, *, dtype=None, layout=None, device=None, pin_memory=None):
    dt = _arange_dtype(start, end, step, dtype)
    return empty_meta((_arange_size(start, end, step, dt),), dt)


# ``arange(end)`` and ``arange(start, end)``: overloads of their own, as in PyTorch (a mode sees
# the one the call named); both are ``arange.start_step`` underneath
arange_end = backend_select(defop(f"arange(Scalar end, {_FACTORY_KW}) -> Tensor"))
arange_end.explicit(lambda end, **kw: arange.op(0, end, 1, **kw))
arange_start = backend_select(defop(f"arange.start(Scalar start, Scalar end, {_FACTORY_KW}) "
                                    "-> Tensor"))
arange_start.explicit(lambda start, end, **kw: arange.op(start, end, 1, **kw))


# ---- lift_fresh: how freshly made data enters the dispatcher -------------------------------------
lift_fresh = defop("lift_fresh(Tensor(a) self) -> Tensor(a)")


@lift_fresh.explicit
def _(self):
    return self


lift_fresh.derivative(self="grad", result="auto_linear")


# ---- the Python-facing factory functions ---------------------------------------------------------
def _int_tensor(s):
    """A one-element integral tensor: the arg parser reads it as an int."""
    return isinstance(s, Tensor) and s.numel() == 1 and s.dtype._cat < _dtype.FLOAT and \
        s.dtype is not _dtype.bool


def _sizes(size, fname, position=1):
    """The ints of a ``size`` argument (``*size`` varargs, or a one-tuple holding the value),
    with PyTorch's parser errors. ``position``: the argument's, from 1; None when it came by
    keyword."""
    if len(size) == 1 and isinstance(size[0], (list, tuple, Tensor.__mro__[0])) and \
            not isinstance(size[0], Tensor):
        err = int_list_error(fname, "size", size[0], position)
        if err is not None:
            raise err
        return [int(s) for s in size[0]]
    if len(size) == 1 and (isinstance(size[0], bool) or not (
            isinstance(size[0], (int, np.integer)) or _int_tensor(size[0]))):
        where = "" if position is None else f" (position {position})"
        raise TypeError(f"{fname}(): argument 'size'{where} must be tuple of ints, "
                        f"not {type(size[0]).__name__}")
    out = []
    for i, s in enumerate(size):
        if isinstance(s, bool) or not (isinstance(s, (int, np.integer)) or _int_tensor(s)):
            if i == 0:
                raise TypeError(f"{fname}() takes 1 positional argument but {len(size)} were "
                                "given")
            raise _unpack_error(fname, "size", i, s)
        out.append(int(s))
    return out


def factory_call(op, *args, **kwargs):
    """``op(*args, **kwargs)`` as a ``torch.<factory>`` function calls it: PyTorch's
    ``torch::<factory>`` (variable_factories.h) runs the op below ADInplaceOrView, so what its
    kernel does to the new tensor (``rand``'s ``uniform_``) is neither recorded nor counted
    in its version (``torch.rand(2)._version`` is 0; ``torch.ops.aten.rand`` gives 1)."""
    st = _tls
    prev = st.excluded
    st.excluded = prev | NESTED_EXCLUDED
    try:
        return op(*args, **kwargs)
    finally:
        st.excluded = prev


def _finish(t, requires_grad):
    if requires_grad:
        if not (t.dtype.is_floating_point or t.dtype.is_complex):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad_(True)
    return t


def finish_out(out, requires_grad):
    """``requires_grad`` applied to the ``out`` a factory wrote, as the binding's
    ``set_requires_grad``: False clears a leaf's flag (one that got past the out= kernels'
    refusal with grad mode off)."""
    if requires_grad:
        return _finish(out, True)
    if out._requires_grad and out.grad_fn is None:
        out._requires_grad = False
    return out


def _factory_kwargs(dtype, layout, device, pin_memory):
    kw = {}
    if dtype is not None:
        kw["dtype"] = dtype
    if layout is not None:
        kw["layout"] = layout
    kw["device"] = _device.canonical(device) if device is not None else _device.CPU
    kw["pin_memory"] = bool(pin_memory)
    return kw


def check_out(fname, out, dtype, layout, device):
    """The Python binding's checks of an ``out=`` tensor and the options given beside it."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{fname}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if dtype is not None and dtype is not out.dtype:
        raise RuntimeError(f"dtype {dtype._scalar_name} does not match dtype of out parameter "
                           f"({out.dtype._scalar_name})")
    if layout is not None and layout is not out.layout:
        raise RuntimeError(f"layout {_c10_layout(layout)} does not match layout of out "
                           f"parameter ({_c10_layout(out.layout)})")
    if device is not None:
        d = _device.canonical(device)
        if d.type != out.device.type:
            raise RuntimeError(f"device type {d.type} does not match device type of out "
                               f"parameter ({out.device.type})")


def _c10_layout(layout):
    """A layout as c10 prints it (``torch.sparse_coo`` is ``Sparse``)."""
    name = str(layout).rpartition(".")[2].lstrip("_")
    return "Sparse" if name == "sparse_coo" else "".join(p.capitalize() for p in name.split("_"))


def _size_arg(fname, sizes, size):
    """The sizes given positionally (``*sizes``) or as ``size=``, as a list of ints."""
    if size is not None:
        if sizes:
            raise TypeError(f"{fname}() got multiple values for argument 'size'")
        return _sizes((size,), fname, None)
    elif not sizes:
        raise TypeError(f'{fname}() missing 1 required positional arguments: "size"')
    return _sizes(sizes, fname)


@function("empty")
def empty_fn(*sizes, size=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False, memory_format=None):
    """``torch.empty(*size)``: an uninitialised tensor (kindling fills it with zeros)."""
    from ._ops_registry import aten
    sizes = _size_arg("empty", sizes, size)
    if out is not None:
        check_out("empty", out, dtype, layout, device)
        kw = {} if memory_format is None else {"memory_format": memory_format}
        return finish_out(aten.empty.out(sizes, out=out, **kw), requires_grad)
    kw = _factory_kwargs(dtype, layout, device, pin_memory)
    if memory_format is not None:
        kw["memory_format"] = memory_format
    return _finish(empty.op(sizes, **kw), requires_grad)


def _make_const(name, opdef):
    def fn(*sizes, size=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
        sizes = _size_arg(name, sizes, size)
        if out is not None:
            from ._ops_registry import aten
            check_out(name, out, dtype, layout, device)
            return finish_out(getattr(aten, name).out(sizes, out=out), requires_grad)
        t = opdef.op(sizes, **_factory_kwargs(dtype, layout, device, pin_memory))
        return _finish(t, requires_grad)
    fn.__name__ = name
    fn.__doc__ = f"``torch.{name}(*size)``: a tensor filled with {name[:-1]}."
    return function(name)(fn)


zeros_fn = _make_const("zeros", zeros)
ones_fn = _make_const("ones", ones)


@function("full")
def full_fn(size=PE.MISSING, fill_value=PE.MISSING, *, out=None, dtype=None, layout=None,
            device=None, requires_grad=False, pin_memory=False):
    """``torch.full(size, fill_value)``."""
    if size is PE.MISSING or fill_value is PE.MISSING:
        raise PE.missing("full", size=size, fill_value=fill_value)
    sizes = _sizes((size,), "full")
    if isinstance(fill_value, Tensor):
        from ._api import tensor_as_number
        n = tensor_as_number(full.op._schema.arguments[1].type, fill_value)
        if n is None:
            raise TypeError("full(): argument 'fill_value' (position 2) must be Number, not "
                            "Tensor")
        fill_value = n
    if out is not None:
        from ._ops_registry import aten
        check_out("full", out, dtype, layout, device)
        return finish_out(aten.full.out(sizes, fill_value, out=out), requires_grad)
    t = full.op(sizes, fill_value, **_factory_kwargs(dtype, layout, device, pin_memory))
    return _finish(t, requires_grad)


def _strided_arg(v, argname, position):
    """An ``int[]`` argument of ``empty_strided``, with PyTorch's parser errors."""
    if isinstance(v, (list, tuple)):
        err = int_list_error("empty_strided", argname, v, position)
        if err is not None:
            raise err
    return [int(x) for x in v]


@function("empty_strided")
def empty_strided_fn(size=PE.MISSING, stride=PE.MISSING, *, dtype=None, layout=None,
                     device=None, requires_grad=False, pin_memory=False):
    if size is PE.MISSING or stride is PE.MISSING:
        raise PE.missing("empty_strided", size=size, stride=stride)
    size, stride = _strided_arg(size, "size", 1), _strided_arg(stride, "stride", 2)
    t = empty_strided.op(size, stride,
                         **_factory_kwargs(dtype, layout, device, pin_memory))
    return _finish(t, requires_grad)


def scalar_tensor_fn(s=PE.MISSING, *, dtype=None, layout=None, device=None,
                     requires_grad=False, pin_memory=False):
    if s is PE.MISSING:
        raise PE.missing("scalar_tensor", s=s)
    t = scalar_tensor.op(s, **_factory_kwargs(dtype, layout, device, pin_memory))
    return _finish(t, requires_grad)


scalar_tensor_fn.__name__ = scalar_tensor_fn.__qualname__ = "scalar_tensor"
function("scalar_tensor")(scalar_tensor_fn)


@function("arange")
def arange_fn(start=None, end=None, step=None, *, out=None, dtype=None, layout=None,
              device=None, requires_grad=False, pin_memory=False):
    """``torch.arange(end)``, ``torch.arange(start, end, step)``."""
    if start is None and end is None:
        raise PE.parser_error("arange", PE.ARANGE, () if step is None else (step,), PE.given(
            out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory,
            requires_grad=requires_grad))
    if end is None:
        start, end = 0, start
        plain = step is None
    else:
        plain = start is None and step is None
        start = 0 if start is None else start
    start, end, step = (x.item() if isinstance(x, Tensor) else x for x in (start, end, step))
    if out is not None:
        from ._ops_registry import aten
        check_out("arange", out, dtype, layout, device)
        t = aten.arange.out(end, out=out) if plain else \
            aten.arange.start_out(start, end, 1 if step is None else step, out=out)
        return finish_out(t, requires_grad)
    kw = _factory_kwargs(dtype, layout, device, pin_memory)
    if plain:
        t = arange_end.op(end, **kw)
    elif step is None:
        t = arange_start.op(start, end, **kw)
    else:
        t = arange.op(start, end, step, **kw)
    return _finish(t, requires_grad)


# ---- tensor() / as_tensor() / from_numpy() --------------------------------------------------------
def _leaf_dtype(x):
    """The dtype one non-sequence element of ``tensor()`` data contributes to inference."""
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return _dtype.from_numpy_dtype(x.dtype)
    if isinstance(x, numbers.Number):
        return _dtype.scalar_dtype(x)
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _infer_dtype(data):
    """PyTorch's dtype inference for nested Python data: promote every element's dtype.

    An empty sequence counts as the default dtype (so ``[[], [1]]`` is floating), as in
    PyTorch's ``infer_scalar_type``.
    """
    if isinstance(data, str):
        raise ValueError("too many dimensions 'str'")
    if not isinstance(data, (list, tuple)):
        return _leaf_dtype(data)
    if len(data) == 0:
        return _dtype.get_default_dtype()
    result = None
    for x in data:
        d = _infer_dtype(x)
        result = d if result is None else _dtype.promote_types(result, d)
        if result is _dtype.complex128:
            break
    return result


def _compute_sizes(data):
    """The shape ``tensor()`` data claims: follow the first element of every level down."""
    sizes = []
    x = data
    while isinstance(x, (list, tuple, np.ndarray)) and not (
            isinstance(x, np.ndarray) and x.ndim == 0):
        if len(sizes) > 64:
            raise ValueError("too many dimensions")
        sizes.append(len(x))
        if len(x) == 0:
            break
        x = x[0]
        if isinstance(x, str):
            raise ValueError("too many dimensions 'str'")
    return sizes


def _flatten_checked(data, sizes, dt):
    """Every scalar of ``data`` in order, checking it has exactly the shape ``sizes``."""
    out = []
    ndim = len(sizes)

    def walk(x, dim):
        if dim == ndim:
            if isinstance(x, (list, tuple, np.ndarray)) and not (
                    isinstance(x, np.ndarray) and x.ndim == 0):
                if dt._cat in (_dtype.FLOAT, _dtype.COMPLEX):
                    raise TypeError(f"must be real number, not {type(x).__name__}")
                raise TypeError(f"'{type(x).__name__}' object cannot be interpreted as an "
                                "integer")
            if isinstance(x, Tensor):
                if x.numel() != 1:
                    raise ValueError("only one element tensors can be converted to Python "
                                     "scalars")
                x = x.item()
            out.append(x)
            return
        if not isinstance(x, (list, tuple, np.ndarray)):
            raise TypeError("not a sequence")
        n = len(x)
        if n != sizes[dim]:
            raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {n})")
        for e in x:
            walk(e, dim + 1)

    walk(data, 0)
    return out


def data_to_array(data, dtype=None):
    """Python/NumPy data as a fresh ndarray of the right dtype."""
    if isinstance(data, Tensor):
        arr = np.array(data._np)
        dt = dtype or data.dtype
        return arr.astype(dt._np), dt
    if isinstance(data, np.ndarray):
        dt = dtype or _dtype.from_numpy_dtype(data.dtype)
        return np.array(data, dtype=dt._np), dt
    if isinstance(data, str) or (not isinstance(data, (numbers.Number, list, tuple, np.generic))):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    dt = dtype or _infer_dtype(data)
    if isinstance(data, (list, tuple)):
        sizes = _compute_sizes(data)
        flat = _flatten_checked(data, sizes, dt)
        arr, dt = _scalars_to_array(flat, dt)
        return arr.reshape(sizes), dt
    return _scalars_to_array(data, dt)


def _scalars_to_array(data, dt):
    """A Python scalar or flat list of scalars as an ndarray of ``dt`` (PyTorch's casts)."""
    if dt._cat == _dtype.INT:
        arr = np.array(data, dtype=object)
        if arr.dtype == object and arr.size:
            arr = np.vectorize(lambda v: np_scalar(v, dt), otypes=[dt._np])(arr)
        return arr.astype(dt._np), dt
    if dt is _dtype.bool:
        return np.array(data, dtype=object).astype(bool), dt
    if dt._np.kind == "V" or dt._name.startswith(("bfloat", "float8")):
        return np.array(data, dtype=np.float64).astype(dt._np), dt
    with np.errstate(all="ignore"):
        return np.array(data, dtype=dt._np), dt


@function("tensor")
def tensor(data=PE.MISSING, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """``torch.tensor(data)``: a new tensor copying ``data`` (lists, numbers, arrays, tensors)."""
    from ._ops_registry import aten
    if data is PE.MISSING:
        raise PE.missing("tensor", data=data)
    if isinstance(data, Tensor):
        import warnings
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach()."
            "clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
    arr, dt = data_to_array(data, dtype)
    t = from_array(arr)
    t = aten.lift_fresh.default(t)
    dev = _device.canonical(device)
    if dev is not None and dev.type != "cpu":
        t = aten._to_copy.default(t, device=dev)
    return _finish(t, requires_grad)


@function("as_tensor")
def as_tensor(data, dtype=None, device=None):
    """``torch.as_tensor``: shares memory with a tensor or ndarray when dtype/device allow."""
    dev = _device.canonical(device)
    if isinstance(data, Tensor):
        if (dtype is None or dtype is data.dtype) and (dev is None or dev == data.device):
            return data
        return data.to(device=dev, dtype=dtype)
    if isinstance(data, np.ndarray) and (dev is None or dev.type == "cpu"):
        t = from_numpy_shared(data)
        if dtype is not None and dtype is not t.dtype:
            return t.to(dtype)
        return t
    return tensor(data, dtype=dtype, device=dev)


asarray = function("asarray")(lambda obj, *, dtype=None, device=None, copy=None,
                              requires_grad=False: _finish(
    tensor(obj, dtype=dtype, device=device) if copy else as_tensor(obj, dtype, device),
    requires_grad))


@function("from_numpy")
def from_numpy(ndarray):
    """A CPU tensor sharing ``ndarray``'s memory."""
    return from_numpy_shared(ndarray)


@function("from_dlpack")
def from_dlpack(ext_tensor):
    """A tensor sharing the memory of any ``__dlpack__`` producer (CPU)."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    return from_numpy_shared(np.from_dlpack(ext_tensor))


def legacy_new(cls, *args, _dtype_=None, **kwargs):
    """``torch.Tensor(...)``: ``Tensor()`` is empty float, ``Tensor(2, 3)`` sized, ``Tensor([1])``
    data (``_dtype_``: the typed constructors' and ``Tensor.new``'s dtype instead of the
    default)."""
    dt = _dtype_ if _dtype_ is not None else _dtype.get_default_dtype()
    device = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"new() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if device is not None and _device.canonical(device).type != "cpu":
        raise RuntimeError("legacy constructor expects device type: cpu but device type: "
                           f"{_device.canonical(device).type} was passed")
    if not args:
        t = empty_fn(0, dtype=dt, device=device)
    elif len(args) == 1 and type(args[0]).__name__ == "Size" and isinstance(args[0], tuple):
        t = empty_fn(tuple(args[0]), dtype=dt, device=device)
    elif all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        t = empty_fn(*args, dtype=dt, device=device)
    elif len(args) == 1 and isinstance(args[0], Tensor):
        t = args[0]
        if _dtype_ is not None and t.dtype is not dt:  # (``torch.Tensor(t)`` takes any dtype)
            raise TypeError(f"expected {_options(dt)} (got {_options(t.dtype)})")
    elif len(args) == 1:
        if not isinstance(args[0], (list, tuple, np.ndarray)):
            raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
        t = tensor(args[0], dtype=dt, device=device)
    else:
        raise TypeError("new() received an invalid combination of arguments")
    if cls is not Tensor:
        t = t.as_subclass(cls)
    return t


def _options(dt):
    """c10's TensorOptions as printed (the legacy constructors' type-mismatch message)."""
    from ._variants import cpp_name
    return (f"TensorOptions(dtype={cpp_name(dt)}, device=cpu, "
            "layout=Strided, requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


@method("new")
def tensor_new(self, *args, **kwargs):
    """``Tensor.new(...)``: the legacy constructor with this tensor's dtype."""
    return legacy_new(Tensor, *args, _dtype_=self.dtype, **kwargs)


class _LegacyTensorType(type):
    """The metaclass of ``torch.FloatTensor`` and its kin: calling one is the legacy
    constructor for its dtype, and ``isinstance`` asks a tensor's dtype (on the CPU)."""

    def __call__(cls, *args, **kwargs):
        return legacy_new(Tensor, *args, _dtype_=cls.dtype, **kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.device.type == "cpu"

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_type(name, dt):
    return _LegacyTensorType(name, (), {"dtype": dt, "is_cuda": False, "is_sparse": False,
                                        "__module__": "torch"})


LEGACY_TENSOR_TYPES = {name: _legacy_type(name, dt) for name, dt in [
    ("DoubleTensor", _dtype.float64), ("FloatTensor", _dtype.float32),
    ("HalfTensor", _dtype.float16), ("BFloat16Tensor", _dtype.bfloat16),
    ("LongTensor", _dtype.int64), ("IntTensor", _dtype.int32), ("ShortTensor", _dtype.int16),
    ("CharTensor", _dtype.int8), ("ByteTensor", _dtype.uint8), ("BoolTensor", _dtype.bool)]}


# ---- *_like and new_* -------------------------------------------------------------------------
def _fill_number(name, v):
    """A tensor given for a ``Scalar`` fill value: the binding reads a 0-d one that does not
    require grad as its number, and refuses others as PyTorch's arg parser does."""
    if v.dim() == 0 and not v.requires_grad:
        return v.item()
    raise TypeError(f"{name}(): argument 'fill_value' (position 2) must be Number, not Tensor")


def _like(name, opdef, value=None):
    def fn(input=PE.MISSING, *args, dtype=None, layout=None, device=None, requires_grad=False,
           pin_memory=False, memory_format=None):
        if input is PE.MISSING:
            raise PE.missing(name, input=input)
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        # As PyTorch's binding: only the options given are passed (the op defaults the rest
        # from ``input``), pin_memory always.
        kw = {}
        if dtype is not None:
            kw["dtype"] = dtype
        if layout is not None:
            kw["layout"] = layout
        if device is not None:
            kw["device"] = _device.canonical(device)
        kw["pin_memory"] = pin_memory
        if memory_format is not None:
            kw["memory_format"] = memory_format
        if args and isinstance(args[0], Tensor):  # (full_like's fill_value)
            args = (_fill_number(name, args[0]),) + args[1:]
        return _finish(opdef(input, *args, **kw), requires_grad)
    fn.__name__ = name
    return function(name)(fn)


def _like_op(name, maker, fill=None):
    """``<name>(self, ...)``: ``maker(self.shape, ...)`` with self's dtype, device and (for a
    dense input) strides.  ``fill``: the constant a CPU result is filled with, built directly
    rather than by a nested factory call (which no mode or subclass could see either: it
    happens below them)."""
    d = defop(f"{name}(Tensor self, {'Scalar fill_value, ' if name == 'full_like' else ''}"
              f"{_FACTORY_KW}, MemoryFormat? memory_format=None) -> Tensor",
              tags=("core",) if name == "full_like" else ())

    @d.explicit
    def _(self, *args, dtype=None, layout=None, device=None, pin_memory=None,
          memory_format=None):
        dtype = dtype or self.dtype
        if fill is not None and device is None and self._device is _device.CPU and \
                self._np is not None and memory_format in (None, _layout.preserve_format,
                                                           _layout.contiguous_format) and \
                (memory_format is _layout.contiguous_format or (self._np.flags.c_contiguous and (
                    self._stride_ is None or self._stride_ == contiguous_strides(self._size)))):
            return from_array((np.ones if fill else np.zeros)(self._size, dtype._np))
        device = device or self.device
        # (PyTorch's empty_like: preserve_format keeps a dense input's strides and makes
        # another layout dense in the same order; see _tensor_iterator)
        strides = memory_format_strides(self._size, self.stride(), memory_format)
        if strides != contiguous_strides(self._size):
            from ._ops_registry import aten
            out = empty_strided.op(list(self.shape), list(strides), dtype=dtype,
                                   device=device, pin_memory=pin_memory)
            like = maker(list(self.shape), *args, dtype=dtype, device=device,
                         pin_memory=pin_memory)
            if out._np is not None:
                aten.copy_.default(out, like)
            return out
        return maker(list(self.shape), *args, dtype=dtype, device=device,
                     pin_memory=pin_memory)
    return d


empty_like = _like_op("empty_like", lambda size, **kw: empty.op(size, **kw))
zeros_like = _like_op("zeros_like", lambda size, **kw: zeros.op(size, **kw), fill=0)
ones_like = _like_op("ones_like", lambda size, **kw: ones.op(size, **kw), fill=1)
full_like = _like_op("full_like", lambda size, v, **kw: full.op(size, v, **kw))
for _d in (empty_like, zeros_like, ones_like, full_like):
    _d.nondifferentiable()
for _n, _d in (("empty_like", empty_like), ("zeros_like", zeros_like),
               ("ones_like", ones_like), ("full_like", full_like)):
    _like(_n, _d.op)


def _new(name, maker):
    def fn(self, *size, dtype=None, layout=None, device=None, requires_grad=False,
           pin_memory=False):
        sizes = _sizes(size, name)
        kw = dict(dtype=dtype or self.dtype, device=_device.canonical(device) or self.device,
                  pin_memory=pin_memory)
        return _finish(maker(sizes, **kw), requires_grad)
    fn.__name__ = name
    return method(name)(fn)


_new("new_empty", lambda s, **kw: empty.op(s, **kw))
_new("new_zeros", lambda s, **kw: zeros.op(s, **kw))
_new("new_ones", lambda s, **kw: ones.op(s, **kw))


@method("new_full")
def new_full(self, size, fill_value, *, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    return _finish(full.op(_sizes((size,), "new_full"), fill_value, dtype=dtype or self.dtype,
                           device=_device.canonical(device) or self.device,
                           pin_memory=pin_memory), requires_grad)


@method("new_tensor")
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)


public_ops = [empty, empty_strided, full, zeros, ones, scalar_tensor, arange, lift_fresh]
_ = public  # re-exported helper for op modules
