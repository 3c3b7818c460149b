"""Reductions: ``sum``, ``mean``, ``prod``, ``amax``/``amin``, ``max``/``min``, ``argmax``,
``all``/``any``, ``std``/``var``, ... with ``dim``/``keepdim``/``dtype`` as PyTorch has them."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ._api import public
from ._defop import defop
from ._meta_util import empty_meta
from ._util import dtype_of, normalize_dims
from ..testing import samples as S

OPS = {}


def _sum_dtype(in_dt, dtype):
    if dtype is not None:
        return dtype
    if in_dt._cat <= _dtype.INT:
        return _dtype.int64
    return in_dt


def _reduced_shape(shape, dims, keepdim):
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _dims(dim, ndim):
    if dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0):
        return tuple(range(ndim))
    return normalize_dims(dim, max(ndim, 1) if ndim else 0) if ndim else ()


sum_default = defop("sum(Tensor self, *, ScalarType? dtype=None) -> Tensor",
                    tags=("reduction",))
sum_dim = defop("sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, "
                "ScalarType? dtype=None) -> Tensor", tags=("reduction",))


@sum_default.cpu
def _(self, *, dtype=None):
    dt = _sum_dtype(dtype_of(self), dtype)
    return np.asarray(np.sum(self, dtype=dt._np))


@sum_default.meta
def _(self, *, dtype=None):
    return empty_meta((), _sum_dtype(self.dtype, dtype))


@sum_dim.cpu
def _(self, dim, keepdim=False, *, dtype=None):
    dt = _sum_dtype(dtype_of(self), dtype)
    dims = _dims(dim, self.ndim)
    return np.asarray(np.sum(self, axis=dims, keepdims=keepdim, dtype=dt._np))


@sum_dim.meta
def _(self, dim, keepdim=False, *, dtype=None):
    dims = _dims(dim, self.ndim)
    return empty_meta(_reduced_shape(self.shape, dims, keepdim), _sum_dtype(self.dtype, dtype))


def _reduction_samples(dtype):
    yield S.SampleInput(S.make_arr((3, 4), dtype))
    yield S.SampleInput(S.make_arr((), dtype))


sum_default.samples(_reduction_samples)
public("sum", sum_default, sum_dim)
OPS["sum"] = sum_default
