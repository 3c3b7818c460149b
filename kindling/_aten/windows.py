"""Window functions (``hann_window``, ``hamming_window``, ``blackman_window``,
``bartlett_window``, ``kaiser_window``), the deprecated ``torch.range`` and ``empty_permuted``:
factories defined at their first use (see ``_aten/_lazy.py``).

The windows are computed as PyTorch's CPU kernels compute them, op by op in the result's
dtype from ``arange(window_length)`` (half types through float32); a periodic window is the
symmetric window one longer, less its last point.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _device, _dtype
from .._dispatcher.keys import K
from .._tensor import Tensor, from_array
from ._api import PUBLIC, make_function
from ._copy_out import copy_out_variant
from ._defop import defop
from ._meta_util import empty_meta
from ._util import warn_user

_KW = "ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None"
_OVERLOADS: dict = {}

# c10's names of the C++ types, as TensorOptions prints them
_CPP_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool", "uint16": "unsigned short",
              "uint32": "unsigned int", "uint64": "unsigned long"}


def _options_repr(dt, device, layout):
    d = _device.canonical(device) or _device.CPU
    lay = "Strided (default)" if layout is None else "Strided"
    name = _CPP_NAMES.get(str(dt).split(".")[-1], str(dt).split(".")[-1])
    return (f"TensorOptions(dtype={name}, device={d}, layout={lay}, requires_grad=false "
            "(default), pinned_memory=false, memory_format=(nullopt))")


def _check(fname, n, dtype, device, layout):
    dt = dtype if dtype is not None else _dtype.get_default_dtype()
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"{fname} expects floating point dtypes, got: "
                           f"{_options_repr(dt, device, layout)}")
    if n < 0:
        raise RuntimeError(f"{fname} requires non-negative window_length, got "
                           f"window_length={n}")
    if dt.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{dt._scalar_name}'")
    return dt


def _work(dt):
    """The NumPy type a window of ``dt`` is computed in (half types: float32)."""
    return np.float64 if dt is _dtype.float64 else np.float32


def _hamming(n, alpha, beta, w):
    x = np.arange(n, dtype=w) * w(math.pi * 2.0 / (n - 1))
    return np.cos(x) * w(-beta) + w(alpha)


def _blackman(n, w):
    x = np.arange(n, dtype=w) * w(math.pi / (n - 1))
    return np.cos(x * w(4)) * w(0.08) - np.cos(x * w(2)) * w(0.5) + w(0.42)


def _bartlett(n, w):
    x = np.arange(n, dtype=w) * w(2.0 / (n - 1))
    half = ((n - 1) >> 1) + 1
    x[half:] = x[half:] * w(-1) + w(2)
    return x


def _kaiser(n, beta, w):
    alpha = (n - 1) / 2.0
    i = np.arange(n, dtype=w).astype(np.float64)
    return (np.i0(beta * np.sqrt(np.abs(1 - ((i - alpha) / alpha) ** 2))) / np.i0(beta))


def _window(fname, compute):
    """The CompositeExplicitAutograd kernel of a window overload (``compute(n, work_type,
    *params)`` for ``n`` > 1), serving CPU and Meta."""
    def kernel(n, periodic=True, alpha=None, beta=None, *, dtype=None, layout=None,
               device=None, pin_memory=None):
        dt = _check(fname, n, dtype, device, layout)
        d = _device.canonical(device) or _device.CPU
        if d.type == "meta":
            return empty_meta((n,), dt)
        if n <= 1:
            arr = np.ones(n, dtype=dt._np)
        else:
            m = n + 1 if periodic else n
            args = [v for v in (alpha, beta) if v is not None]
            arr = np.ascontiguousarray(compute(m, _work(dt), *args)[:n].astype(dt._np))
        return from_array(arr, Tensor)
    return kernel


def _declare(name, overloads):
    """``overloads``: (overload name, extra schema arguments, compute)."""
    from .factories import backend_select
    ops = []
    for overload, extra, compute in overloads:
        args = "int window_length" + "".join(", " + a for a in extra)
        full = f"{name}.{overload}" if overload else name
        d = backend_select(defop(f"{full}({args}, *, {_KW}) -> Tensor"))
        kernel = _window(name, compute)
        if not overload:  # (the plain overload: periodic)
            kernel = (lambda k: lambda n, **kw: k(n, True, **kw))(kernel)
        d.explicit(kernel)
        if name == "hann_window":  # (PyTorch also registers a Meta kernel for these)
            d.impl(K.Meta)(kernel)
        d.nondifferentiable()
        ops.append((d, overload, args))
    for d, overload, args in ops:  # (after the functional overloads, as PyTorch lists them)
        out_name = f"{name}.{overload + '_out' if overload else 'out'}"
        out = copy_out_variant(d, f"{out_name}({args}, *, Tensor(a!) out) -> Tensor(a!)")
        if name == "hann_window":
            out.entry.register(K.Meta, out.entry._top(K.CompositeExplicitAutograd))
    _OVERLOADS[name] = [d.op for d, _, _ in ops]  # (the bindings leave out generated out=)


def _range_size(start, end, step):
    for v in (start, end):
        if not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    return int(math.floor((end - start) / step)) + 1


def _range_dtype(dtype):
    dt = dtype if dtype is not None else _dtype.get_default_dtype()
    if dt is _dtype.bool or dt.is_complex:
        raise NotImplementedError(f"\"range_cpu\" not implemented for '{dt._scalar_name}'")
    return dt


def _range_args(args, kwargs):
    """PyTorch's one ``range`` signature ``(Number start, Number end, Number step=1, *, ...)``
    checked as its parser checks it."""
    import numbers
    from .._tensor import Tensor as _T
    names = ("start", "end", "step")
    given = dict(zip(names, args))
    given.update((k, v) for k, v in kwargs.items() if k in names)
    for i, n in enumerate(names[:2]):
        if n not in given:
            raise TypeError(f'range() missing 1 required positional arguments: "{n}"')
    for i, n in enumerate(names):
        v = given.get(n)
        if n in given and not isinstance(v, numbers.Number) and not (
                isinstance(v, _T) and v.dim() == 0):
            raise TypeError(f"range(): argument '{n}' (position {i + 1}) must be Number, not "
                            f"{type(v).__name__}")


def _declare_range():
    from .factories import backend_select
    step = backend_select(defop(f"range.step(Scalar start, Scalar end, Scalar step=1, *, {_KW}) "
                                "-> Tensor"))

    @step.explicit
    def _(start, end, step=1, *, dtype=None, layout=None, device=None, pin_memory=None):
        dt = _range_dtype(dtype)
        n = _range_size(start, end, step)
        if (_device.canonical(device) or _device.CPU).type == "meta":
            return empty_meta((n,), dt)
        if dt.is_floating_point:
            arr = (start + np.arange(n, dtype=np.float64) * step).astype(dt._np)
        else:
            arr = (np.arange(n, dtype=np.int64) * int(step) + int(start)).astype(dt._np)
        return from_array(arr, Tensor)
    step.nondifferentiable()
    plain = backend_select(defop(f"range(Scalar start, Scalar end, *, {_KW}) -> Tensor"))
    plain.explicit(lambda start, end, **kw: step.op(start, end, 1, **kw))
    plain.nondifferentiable()
    out = defop("range.out(Scalar start, Scalar end, Scalar step=1, *, Tensor(a!) out) -> "
                "Tensor(a!)")
    out.out_error_name = out.schema.name

    @out.impl(K.CPU)  # (a CPU and a Meta kernel in PyTorch)
    @out.impl(K.Meta)
    def _(start, end, step=1, *, out):
        from ._ops_registry import aten
        r = step_op(start, end, step, dtype=out.dtype, device=out.device)
        if out.numel() != r.numel():
            aten.resize_.default(out, [r.numel()])
        return aten.copy_.default(out, r)
    step_op = step.op
    out_ = defop("range.out_(Scalar start, Scalar end, *, Tensor(a!) out) -> Tensor(a!)")
    out_.out_error_name = out_.schema.name
    out_op = out.op
    out_.explicit(lambda start, end, *, out: out_op(start, end, 1, out=out))
    _OVERLOADS["range"] = [step.op, plain.op, out.op, out_.op]


def _declare_empty_permuted():
    from .factories import backend_select
    from ._ops_registry import aten
    d = backend_select(defop(f"empty_permuted(SymInt[] size, int[] physical_layout, *, {_KW}) "
                             "-> Tensor"))

    @d.explicit
    def _(size, physical_layout, *, dtype=None, layout=None, device=None, pin_memory=None):
        n = len(size)
        if n != len(physical_layout):
            raise RuntimeError(
                "Number of dimensions in size does not match the length of the physical_layout;"
                f" i.e. len(size) = {n} is not equal to len(physical_layout) = "
                f"{len(physical_layout)}")
        seen = [False] * n
        for i, p in enumerate(physical_layout):
            if not 0 <= p < n:
                raise RuntimeError(
                    f"Dimension out of range (expected to be between 0 and {n - 1}, but got {p} "
                    f"at index {i}).  NB: negative dims not currently supported; file an issue "
                    "if you want it.")
            if seen[p]:
                raise RuntimeError("Duplicate dim not allowed")
            seen[p] = True
        phys = aten.empty.memory_format([size[p] for p in physical_layout], dtype=dtype,
                                        layout=layout, device=device, pin_memory=pin_memory)
        inverse = [0] * n
        for i, p in enumerate(physical_layout):
            inverse[p] = i
        return aten.permute.default(phys, inverse)
    d.nondifferentiable()
    out = copy_out_variant(d, "empty_permuted.out(SymInt[] size, int[] physical_layout, *, "
                              "Tensor(a!) out) -> Tensor(a!)")
    _OVERLOADS["empty_permuted"] = [d.op]  # (the generated out= is torch.ops-only)


def install():
    _declare("hann_window", [("", (), lambda n, w: _hamming(n, 0.5, 0.5, w)),
                             ("periodic", ("bool periodic",),
                              lambda n, w: _hamming(n, 0.5, 0.5, w))])
    _declare("hamming_window", [
        ("", (), lambda n, w: _hamming(n, 0.54, 0.46, w)),
        ("periodic", ("bool periodic",), lambda n, w: _hamming(n, 0.54, 0.46, w)),
        ("periodic_alpha", ("bool periodic", "float alpha"),
         lambda n, w, a: _hamming(n, a, 0.46, w)),
        ("periodic_alpha_beta", ("bool periodic", "float alpha", "float beta"),
         lambda n, w, a, b: _hamming(n, a, b, w))])
    _declare("blackman_window", [("", (), _blackman), ("periodic", ("bool periodic",),
                                                       _blackman)])
    _declare("bartlett_window", [("", (), _bartlett), ("periodic", ("bool periodic",),
                                                       _bartlett)])
    _declare("kaiser_window", [
        ("", (), lambda n, w: _kaiser(n, 12.0, w)),
        ("periodic", ("bool periodic",), lambda n, w: _kaiser(n, 12.0, w)),
        ("beta", ("bool periodic", "float beta"), lambda n, w, b: _kaiser(n, b, w))])
    _declare_range()
    _declare_empty_permuted()


NAMES = ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window",
         "range", "empty_permuted")


def api(define):
    """Make ``torch.<window>``, ``torch.range`` and ``torch.empty_permuted`` (bound to their
    ops at the first call; ``requires_grad=`` as the factories' bindings take it)."""
    from .factories import _finish

    for name in NAMES:
        def overloads(name=name):
            define()
            return _OVERLOADS[name]
        bound = make_function(name, overloads)._tf_impl

        def fn(*args, requires_grad=False, _bound=bound, _name=name, **kwargs):
            if _name == "range":
                _range_args(args, kwargs)
                warn_user("torch.range is deprecated and will be removed in a future release "
                          "because its behavior is inconsistent with Python's range builtin. "
                          "Instead, use torch.arange, which produces values in [start, end).")
            try:
                r = _bound(*args, **kwargs)
            except TypeError as e:  # (the bindings' signatures list the factory options)
                msg = str(e)
                if "pin_memory = None)" not in msg:
                    raise
                raise TypeError(msg.replace("pin_memory = None)", "pin_memory = False, bool "
                                            "requires_grad = False)")) from None
            return _finish(r, requires_grad)
        fn.__name__ = fn.__qualname__ = name
        fn.__module__ = "kindling"
        fn.__doc__ = f"``torch.{name}`` (the aten op of that name; ``requires_grad=``)."
        PUBLIC[name] = fn
