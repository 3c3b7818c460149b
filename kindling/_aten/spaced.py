"""``linspace`` and ``logspace``: evenly spaced values, as PyTorch's CPU kernels compute them.

PyTorch fills the first half of a linspace from ``start`` up (``start + step * i``) and the
second half from ``end`` down (``end - step * (steps - 1 - i)``), so both ends are exact.  The
arithmetic is in the result's dtype, except for integer results, whose step is a double and
whose values are truncated.  ``logspace`` raises ``base`` (a double) to those values.  The
``Tensor`` overloads take 0-dimensional tensors and reduce to the ``Scalar`` ones.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor, from_array
from . import _parser_errors as PE
from ._api import function
from ._defop import defop
from ._meta_util import empty_meta
from .factories import (_FACTORY_KW, _factory_kwargs, _finish, backend_select, check_out,
                        finish_out)
from ._ops_registry import aten

_OVERLOADS = (("Tensor_Tensor", "Tensor start, Tensor end"),
              ("Tensor_Scalar", "Tensor start, Scalar end"),
              ("Scalar_Tensor", "Scalar start, Tensor end"))


def _result_dtype(start, end, dtype):
    if dtype is not None:
        return dtype
    if isinstance(start, complex) or isinstance(end, complex):
        return _dtype.complex64 if _dtype.get_default_dtype() is _dtype.float32 \
            else _dtype.complex128
    return _dtype.get_default_dtype()


def _check_steps(steps):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")


_FMA_TYPE = {np.dtype(np.float32): np.float64, np.dtype(np.float64): np.longdouble,
             np.dtype(np.complex64): np.complex128, np.dtype(np.complex128): np.clongdouble}


def _two_ended(s, e, step, steps, t):
    """``s + step * i`` for the first half of ``i``, ``e - step * (steps - 1 - i)`` for the
    rest, computed in NumPy type ``t``."""
    i = np.arange(steps)
    up = t(s) + t(step) * i.astype(t)
    down = t(e) - t(step) * (steps - 1 - i).astype(t)
    return np.where(i < steps // 2, up, down)


def _spaced(start, end, steps, dt):
    """The linspace values in ``dt``'s NumPy type (the exponents, for logspace)."""
    if steps == 0:
        return np.empty(0, dt._np)
    if dt.is_floating_point or dt.is_complex:
        ct = dt._np.type
        s, e = ct(start), ct(end)
        if steps == 1:
            return np.array([s], dtype=dt._np)
        step = (e - s) / ct(steps - 1)
        # PyTorch's kernel compiles ``start + step * i`` to a fused multiply-add (one
        # rounding): done here in a wider type, then rounded once.  Half and bfloat16
        # arithmetic rounds every operation, as c10's types do.
        return _two_ended(s, e, step, steps, _FMA_TYPE.get(dt._np, ct))
    # integer results: a double step (a fused multiply-add in double, as for floats), the
    # values truncated toward zero by the caller's cast
    s, e = int(start), int(end)
    if steps == 1:
        return np.array([s], dtype=dt._np)
    step = (float(e) - float(s)) / (steps - 1)
    return _two_ended(s, e, step, steps, np.longdouble).astype(np.float64)


def _declare(name, extra_args, compute):
    """The Scalar op with its kernels, the Tensor overloads, and every ``.out`` form."""
    op = backend_select(defop(f"{name}(Scalar start, Scalar end, int steps{extra_args}, "
                              f"{_FACTORY_KW}) -> Tensor"))

    @op.cpu
    def _(start, end, steps, *args, dtype=None, layout=None, device=None, pin_memory=None):
        _check_steps(steps)
        dt = _result_dtype(start, end, dtype)
        return compute(start, end, steps, dt, *args)

    @op.meta
    def _(start, end, steps, *args, dtype=None, layout=None, device=None, pin_memory=None):
        _check_steps(steps)
        return empty_meta((steps,), _result_dtype(start, end, dtype))

    out = defop(f"{name}.out(Scalar start, Scalar end, int steps{extra_args}, *, "
                "Tensor(a!) out) -> Tensor(a!)")

    out.out_error_name = out.schema.name  # (not in derivatives.yaml: "aten::linspace")

    @out.explicit
    def _(start, end, steps, *args, out):
        _check_steps(steps)
        if out.numel() != steps:  # (an out of the right size keeps its shape and strides)
            aten.resize_.default(out, [steps])
        vals = compute(start, end, steps, out.dtype, *args).reshape(out.shape)
        return aten.copy_.default(out, from_array(np.ascontiguousarray(vals), Tensor,
                                                  out.dtype))

    for overload, params in _OVERLOADS:
        _tensor_overload(name, overload, params, extra_args, op, out)
    return op, out


def _item(t, which, name):
    if not isinstance(t, Tensor):
        return t
    if t.dim() != 0:
        raise RuntimeError(f"{name} only supports 0-dimensional start and end tensors, but got "
                           f"{which} with {t.dim()} dimension(s).")
    return t.item()


def _tensor_overload(name, overload, params, extra_args, op, out):
    f = defop(f"{name}.{overload}({params}, int steps{extra_args}, {_FACTORY_KW}) -> Tensor")

    @f.composite
    def _(start, end, steps, *args, **kwargs):
        return op.op(_item(start, "start", name), _item(end, "end", name), steps, *args,
                     **kwargs)

    o = defop(f"{name}.{overload}_out({params}, int steps{extra_args}, *, Tensor(a!) out) -> "
              "Tensor(a!)")

    out_op = out.op

    @o.composite
    def _(start, end, steps, *args, out):
        return out_op(_item(start, "start", name), _item(end, "end", name), steps, *args,
                      out=out)


def _linspace_values(start, end, steps, dt):
    return _spaced(start, end, steps, dt).astype(dt._np)


def _logspace_values(start, end, steps, dt, base=10.0):
    """``base`` to the powers of a linspace.  Complex results: all in the complex type.  Real
    results: the difference ``end - start`` in the result's type, the step and the exponents
    in double (fused multiply-add, as compiled), the power in double, then cast."""
    if steps == 0:
        return np.empty(0, dt._np)
    if dt.is_complex:
        ct = dt._np.type
        if steps == 1:
            return np.array([np.power(complex(base), complex(start))], dtype=dt._np)
        return np.power(ct(base), _spaced(start, end, steps, dt).astype(dt._np)).astype(dt._np)
    ct = dt._np.type
    s, e = (ct(start), ct(end)) if dt.is_floating_point else (int(start), int(end))
    if steps == 1:  # (PyTorch: ``pow(base, start.to<double>())``)
        return _from_double(np.array([np.power(float(base), float(start))]), dt)
    diff = e - s if dt.is_floating_point else ct(e - s)
    step = np.float64(diff) / (steps - 1)
    x = _two_ended(s, e, step, steps, np.longdouble).astype(np.float64)
    return _from_double(np.power(np.float64(base), x), dt)


def _from_double(a, dt):
    """A double array stored as ``dt``: half and bfloat16 by way of float, as c10's
    conversions go (rounding twice, where NumPy would round once)."""
    if dt.is_floating_point and dt.itemsize == 2:
        a = a.astype(np.float32)
    return a.astype(dt._np)


linspace, linspace_out = _declare("linspace", "", _linspace_values)
logspace, logspace_out = _declare("logspace", ", float base=10.", _logspace_values)


def _api(name):
    """``torch.linspace``/``torch.logspace``: the overload by which of start and end are
    tensors; ``out=`` selects the ``.out`` forms."""
    packet = getattr(aten, name)

    def call(start, end, steps, extra, out, dtype, layout, device, requires_grad, pin_memory):
        kind = ("Tensor" if isinstance(start, Tensor) else "Scalar") + "_" + \
            ("Tensor" if isinstance(end, Tensor) else "Scalar")
        if out is not None:
            check_out(name, out, dtype, layout, device)
            op = packet.out if kind == "Scalar_Scalar" else getattr(packet, kind + "_out")
            return finish_out(op(start, end, steps, *extra, out=out), requires_grad)
        op = packet.default if kind == "Scalar_Scalar" else getattr(packet, kind)
        return _finish(op(start, end, steps, *extra,
                          **_factory_kwargs(dtype, layout, device, pin_memory)), requires_grad)
    return call


_linspace = _api("linspace")
_logspace = _api("logspace")


@function("linspace")
def linspace_fn(start=PE.MISSING, end=PE.MISSING, steps=PE.MISSING, *, out=None, dtype=None,
                layout=None, device=None, requires_grad=False, pin_memory=False):
    """``steps`` values evenly spaced from ``start`` to ``end`` (both included)."""
    if steps is PE.MISSING or end is PE.MISSING or start is PE.MISSING:
        raise PE.parser_error("linspace", PE.LINSPACE, PE.present(start, end, steps), PE.given(
            out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory,
            requires_grad=requires_grad))
    return _linspace(start, end, steps, (), out, dtype, layout, device, requires_grad,
                     pin_memory)


@function("logspace")
def logspace_fn(start=PE.MISSING, end=PE.MISSING, steps=PE.MISSING, base=10.0, *, out=None,
                dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """``base`` to the powers of ``linspace(start, end, steps)``."""
    if steps is PE.MISSING or end is PE.MISSING or start is PE.MISSING:
        raise PE.parser_error("logspace", PE.LOGSPACE, PE.present(start, end, steps), PE.given(
            out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory,
            requires_grad=requires_grad))
    return _logspace(start, end, steps, (base,), out, dtype, layout, device, requires_grad,
                     pin_memory)
