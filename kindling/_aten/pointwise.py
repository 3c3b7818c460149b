"""Pointwise ops: unary and binary math, comparisons, logical ops, ``where``, ``clamp``.

Each family is one row of a table: the aten name, the NumPy ufunc and its promotion flavour.
``binary_op``/``unary_op`` declare the functional overload, its in-place and ``out=`` forms,
meta functions, sample inputs, and the public function/method.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ._api import public
from ._defop import defop
from ._pointwise_util import binary_kernel, pointwise_meta, unary_kernel
from ._variants import inplace_variant, out_variant
from ..testing import samples as S

OPS = {}


def binary_op(name, ufunc, *, alpha=False, int_to_float=False, out_dtype=None, method=True,
              inplace=True, samples=S.binary_samples, tags=("pointwise",)):
    """Declare ``name.Tensor``, ``name_.Tensor`` and ``name.out`` for a binary ufunc."""
    extra = ", *, Scalar alpha=1" if alpha else ""
    f = defop(f"{name}.Tensor(Tensor self, Tensor other{extra}) -> Tensor", tags=tags)
    f.cpu(binary_kernel(ufunc, int_to_float=int_to_float, out_dtype=out_dtype))
    f.meta(lambda self, other, alpha=1: pointwise_meta(self, other, int_to_float=int_to_float,
                                                       out_dtype=out_dtype))
    f.samples(samples)
    okw = ", *, Scalar alpha=1, Tensor(a!) out" if alpha else ", *, Tensor(a!) out"
    o = out_variant(f, f"{name}.out(Tensor self, Tensor other{okw}) -> Tensor(a!)",
                    check_cast=out_dtype is None)
    public(name, f, o, method=method)
    OPS[name] = f
    if inplace:
        i = inplace_variant(f, f"{name}_.Tensor(Tensor(a!) self, Tensor other{extra}) "
                               f"-> Tensor(a!)")
        public(name + "_", i, function=False)
        OPS[name + "_"] = i
    return f


def unary_op(name, ufunc, *, int_to_float=False, method=True, inplace=True,
             samples=S.unary_samples, tags=("pointwise",), dtypes=None):
    """Declare ``name``, ``name_`` and ``name.out`` for a unary ufunc."""
    f = defop(f"{name}(Tensor self) -> Tensor", tags=tags)
    f.cpu(unary_kernel(ufunc, int_to_float=int_to_float))
    f.meta(lambda self: pointwise_meta(self, int_to_float=int_to_float))
    f.samples(samples)
    o = out_variant(f, f"{name}.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)")
    public(name, f, o, method=method)
    OPS[name] = f
    if inplace:
        i = inplace_variant(f, f"{name}_(Tensor(a!) self) -> Tensor(a!)")
        public(name + "_", i, function=False)
        OPS[name + "_"] = i
    return f


add = binary_op("add", np.add, alpha=True)
sub = binary_op("sub", np.subtract, alpha=True)
mul = binary_op("mul", np.multiply)
div = binary_op("div", np.true_divide, int_to_float=True)

neg = unary_op("neg", np.negative)
relu = unary_op("relu", lambda a: np.maximum(a, a.dtype.type(0)))
