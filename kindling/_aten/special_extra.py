"""``torch.special``'s Bessel and Airy functions and orthogonal polynomials as aten ops:

``special_bessel_j0``/``j1``/``y0``/``y1``, ``special_modified_bessel_i0``/``i1``/``k0``/``k1``,
``special_scaled_modified_bessel_k0``/``k1``, ``special_spherical_bessel_j0`` and
``special_airy_ai`` (``out=`` forms), and ``special_chebyshev_polynomial_t``/``u``/``v``/``w``,
their ``shifted_`` forms, ``special_hermite_polynomial_h``/``he``,
``special_laguerre_polynomial_l`` and ``special_legendre_polynomial_p`` with their ``x_scalar``/
``n_scalar`` overloads.  As in PyTorch: integer inputs compute in the default float dtype,
float16/bfloat16 and complex are refused (``"bessel_j0_cpu" not implemented for 'Half'``), and
the outputs are not differentiable.  The ops are defined at their first use (``install``, see
``_aten/_lazy.py``), and the math (``_bessel_math``, ``_orthopoly_math``) at the first call.
"""
from __future__ import annotations

import importlib

import numpy as np

from .. import _dtype
from .._dispatcher.schema import FunctionSchema, parse_schema
from ..testing import samples as S
from ._pointwise_util import float_compute, not_implemented, unary_meta
from .aliases import _domain_samples
from .more_pointwise import _float_operands
from .pointwise import _declare, _meta2, _reject, _wrap_broadcast

OPS = {}
_REFUSED = {"complex", "float16", "bfloat16"}


def _template(args):
    """The parsed functional and out= schemas for ``args`` (named per op by ``_named``:
    parsing each of the ~100 schemas would cost import time)."""
    return (parse_schema(f"aten::f({args}) -> Tensor"),
            parse_schema(f"aten::f.out({args}, *, Tensor(a!) out) -> Tensor(a!)"))


def _named(template, name, overload=None):
    return FunctionSchema("aten::" + name, template.overload_name if overload is None
                          else overload, template.arguments, template.returns)


def _math(module, name):
    """``module.name``, imported at the first call (keeps ``import kindling`` light)."""
    cache = []

    def fn(*args):
        if not cache:
            cache.append(getattr(importlib.import_module(f"kindling._aten.{module}"), name))
        return cache[0](*args)
    return fn


# ---- Bessel and Airy functions ------------------------------------------------------------------
_BESSEL = (("bessel_j0", -12.0, 12.0), ("bessel_j1", -12.0, 12.0), ("bessel_y0", 0.1, 12.0),
           ("bessel_y1", 0.1, 12.0), ("modified_bessel_i0", -10.0, 10.0),
           ("modified_bessel_i1", -10.0, 10.0), ("modified_bessel_k0", 0.1, 10.0),
           ("modified_bessel_k1", 0.1, 10.0), ("scaled_modified_bessel_k0", 0.1, 10.0),
           ("scaled_modified_bessel_k1", 0.1, 10.0), ("spherical_bessel_j0", -10.0, 10.0),
           ("airy_ai", -6.0, 6.0))


def _unary_kernel(name, fn):
    check = _reject(_REFUSED, name + "_cpu")

    def kernel(a):
        dt = _dtype._NP_TO_DTYPE[a.dtype]
        check(dt)
        if dt._cat < _dtype.FLOAT:
            a = a.astype(_dtype.get_default_dtype()._np)
        return float_compute(fn, a)
    kernel.__name__ = name
    return kernel


def _unary_meta(self):
    return unary_meta(self, int_to_float=True)


def _install_bessel():
    unary = {arg: _template(f"Tensor {arg}") for arg in ("self", "x")}
    for name, low, high in _BESSEL:
        # (PyTorch names the argument ``x`` in the newer ones)
        fs, outs = unary["x" if name.startswith(("scaled", "spherical", "airy")) else "self"]
        full = "special_" + name
        op = _declare(_named(fs, full), _unary_kernel(name, _math("_bessel_math", name)),
                      _unary_meta, _domain_samples(low, high), out=_named(outs, full))
        op.nondifferentiable()
        OPS[full], OPS[full + ".out"] = op, op.out


# ---- orthogonal polynomials p_n(x) ---------------------------------------------------------------
_POLYNOMIALS = ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
                "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
                "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
                "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
                "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p")


def _polynomial_kernel(name):
    fn = _math("_orthopoly_math", name)

    def kernel(x, n):
        a, b, dt = _float_operands(x, n, int_to_float=True)
        if dt._name in _REFUSED or dt.is_complex:
            raise not_implemented(name + "_cpu", dt)
        return np.asarray(fn(np.asarray(a), np.asarray(b))).astype(dt._np, copy=False)
    kernel.__name__ = name
    return _wrap_broadcast(kernel)


def _x_range(name):
    return (-0.2, 1.2) if name.startswith("shifted") else (-1.2, 1.2)


def _polynomial_samples(name, form):
    low, high = _x_range(name)

    def samples(dtype):
        fl = dtype in S.FLOATS
        xr = dict(low=low, high=high) if fl else dict(low=-2, high=3)
        nr = dict(low=-1.0, high=12.0) if fl else dict(low=-1, high=12)
        A = S.make_arr
        if form == "tensor":
            yield S.SampleInput(A((2, 3), dtype, seed=1, **xr), A((2, 3), dtype, seed=2, **nr))
            yield S.SampleInput(A((4,), dtype, seed=3, **xr), A((3, 1), dtype, seed=4, **nr))
            yield S.SampleInput(A((), dtype, seed=5, **xr), A((5,), dtype, seed=6, **nr))
            yield S.SampleInput(A((0, 2), dtype, **xr), A((2,), dtype, seed=7, **nr))
            yield S.SampleInput(A((3, 4), dtype, noncontig=True, **xr), A((4,), dtype, **nr))
        elif form == "x_scalar":
            yield S.SampleInput(0.375, A((2, 3), dtype, seed=8, **nr))
            yield S.SampleInput(2, A((4,), dtype, seed=9, **nr))
        else:
            yield S.SampleInput(A((2, 3), dtype, seed=10, **xr), 5)
            yield S.SampleInput(A((4,), dtype, seed=11, **xr), 9.5)
    return samples


def _install_polynomials():
    forms = (("", _template("Tensor x, Tensor n")), ("x_scalar", _template("Scalar x, Tensor n")),
             ("n_scalar", _template("Tensor x, Scalar n")))
    meta = _meta2(int_to_float=True)
    for name in _POLYNOMIALS:
        k = _polynomial_kernel(name)
        full = "special_" + name
        for ovl, (fs, outs) in forms:
            out = ovl + "_out" if ovl else "out"
            op = _declare(_named(fs, full, ovl), k, meta,
                          _polynomial_samples(name, ovl or "tensor"), out=_named(outs, full, out))
            op.nondifferentiable()
            key = f"{full}.{ovl}" if ovl else full
            OPS[key], OPS[f"{full}.{out}"] = op, op.out


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    _install_bessel()
    _install_polynomials()
