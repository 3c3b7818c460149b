"""In-place (``add_``) and ``out=`` (``add.out``) variants built from a functional op's kernels.

PyTorch generates these from one structured kernel; we derive them from the functional op's
NumPy kernel and meta function, so each family declares its math once.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype
from .._dispatcher.operator import KernelEntry, caller_site
from .._dispatcher.keys import K
from .._tensor import Tensor
from ._defop import defop, unwrap
from ._meta_util import empty_meta
from ._pointwise_util import check_inplace_result

_NP_TO = _dtype._NP_TO_DTYPE


def _raw(opdef, key):
    e = opdef.entry._top(key)
    return e.raw if e is not None else None


def inplace_variant(functional, schema, *, result_check=True):
    """Declare ``schema`` (first argument ``Tensor(a!) self``) as the in-place form of
    ``functional``: compute out of place, check dtype and shape, write into ``self``."""
    d = defop(schema, tags=functional.entry.tags)
    np_fn = _raw(functional, K.CPU)
    meta_fn = _raw(functional, K.Meta)
    name = d.entry.qualified

    def cpu(ks, self, *args, **kwargs):
        r = np.asarray(np_fn(self._np, *[unwrap(a) for a in args],
                             **{k: unwrap(v) for k, v in kwargs.items()}))
        if result_check:
            check_inplace_result(name, self.dtype, _NP_TO[r.dtype], self._size, r.shape)
        with np.errstate(all="ignore"):
            np.copyto(self._np, r, casting="unsafe")
        return self

    def meta(ks, self, *args, **kwargs):
        r = meta_fn(self, *args, **kwargs)
        if result_check:
            check_inplace_result(name, self.dtype, r.dtype, self._size, r._size)
        return self

    site = caller_site()
    d.entry.register(K.CPU, KernelEntry(cpu, site))
    d.entry.register(K.Meta, KernelEntry(meta, site))
    d.sample_fn = None
    d.functional = functional
    return d


def resize_out(out, shape, op_name=""):
    """PyTorch's ``resize_output``: resize ``out`` when its shape differs (warning if non-empty)."""
    if tuple(out._size) == tuple(shape):
        return
    if out.numel() != 0:
        warnings.warn(
            f"An output with one or more elements was resized since it had shape "
            f"[{', '.join(map(str, out._size))}], which does not match the required output shape "
            f"[{', '.join(map(str, shape))}]. This behavior is deprecated, and in a future PyTorch "
            "release outputs will not be resized unless they have zero elements. You can "
            "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
            "t.resize_(0).", UserWarning, stacklevel=5)
    from ._ops_registry import aten
    aten.resize_.default(out, list(shape))


def out_variant(functional, schema, *, check_cast=True):
    """Declare ``schema`` (with kwarg-only ``Tensor(a!) out``) as the out= form of ``functional``."""
    d = defop(schema, tags=functional.entry.tags)
    np_fn = _raw(functional, K.CPU)
    meta_fn = _raw(functional, K.Meta)

    def cpu(ks, *args, out, **kwargs):
        r = np.asarray(np_fn(*[unwrap(a) for a in args],
                             **{k: unwrap(v) for k, v in kwargs.items()}))
        rd = _NP_TO[r.dtype]
        if check_cast and not _dtype.can_cast(rd, out.dtype):
            raise RuntimeError(f"result type {rd._scalar_name} can't be cast to the desired "
                               f"output type {out.dtype._scalar_name}")
        resize_out(out, r.shape)
        with np.errstate(all="ignore"):
            np.copyto(out._np, r, casting="unsafe")
        return out

    def meta(ks, *args, out, **kwargs):
        r = meta_fn(*args, **kwargs)
        if check_cast and not _dtype.can_cast(r.dtype, out.dtype):
            raise RuntimeError(f"result type {r.dtype._scalar_name} can't be cast to the "
                               f"desired output type {out.dtype._scalar_name}")
        resize_out(out, r._size)
        return out

    site = caller_site()
    d.entry.register(K.CPU, KernelEntry(cpu, site))
    d.entry.register(K.Meta, KernelEntry(meta, site))
    d.functional = functional
    return d


_ = (Tensor, empty_meta)
