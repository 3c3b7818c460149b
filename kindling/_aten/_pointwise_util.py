"""Templates for pointwise kernels: PyTorch promotion in front of NumPy ufuncs.

``binary_kernel(np.add)`` returns a NumPy kernel ``(self, other, alpha=1) -> ndarray`` that
promotes the PyTorch way (dimensioned tensors > zero-dim tensors > Python scalars), turns
NumPy's broadcast ValueError into PyTorch's RuntimeError, and only pays for promotion when the
operand dtypes differ.  ``pointwise_meta`` is the matching meta function.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ._meta_util import empty_meta
from ._util import as_dtype, broadcast_error, broadcast_shapes, result_type

_ndarray = np.ndarray
_FAST_SCALAR_KINDS = {float: "fc", int: "fciu", bool: "fciub"}


def compute_dtype(a, b):
    """The PyTorch result dtype of a binary op on (ndarray | scalar) operands."""
    return result_type(a, b)


def _shape(x):
    return getattr(x, "shape", ())


def binary_kernel(ufunc, *, int_to_float=False, out_dtype=None, cast_inputs_to=None):
    """A NumPy kernel for a binary pointwise op.

    ``int_to_float``: integer/bool inputs compute in the default float dtype (true division).
    ``out_dtype``: fixed result dtype (comparisons give bool).
    ``cast_inputs_to``: function from the promoted dtype to the dtype the ufunc runs in.
    """
    def kernel(self, other, alpha=1):
        dt = None
        a, b = self, other
        # Fast path: same-dtype arrays, or a Python scalar NumPy treats as weak like PyTorch.
        if type(b) is _ndarray and type(a) is _ndarray and a.dtype == b.dtype:
            pass
        elif type(b) in _FAST_SCALAR_KINDS and type(a) is _ndarray and \
                a.dtype.kind in _FAST_SCALAR_KINDS[type(b)] and a.dtype.kind != "V":
            pass
        else:
            dt = compute_dtype(a, b)
            a = as_dtype(a, dt)
            b = as_dtype(b, dt)
        if int_to_float:
            kd = (dt or _dtype._NP_TO_DTYPE[a.dtype])
            if kd._cat < _dtype.FLOAT:
                f = _dtype.get_default_dtype()
                a, b = as_dtype(a, f), as_dtype(b, f)
        if cast_inputs_to is not None:
            kd = dt or _dtype._NP_TO_DTYPE[np.result_type(a, b)]
            cd = cast_inputs_to(kd)
            if cd is not kd:
                a, b = as_dtype(a, cd), as_dtype(b, cd)
        if alpha != 1:
            b = b * as_dtype(alpha, _dtype._NP_TO_DTYPE[np.asarray(b).dtype])
        try:
            with np.errstate(all="ignore"):
                r = ufunc(a, b)
        except ValueError:
            raise broadcast_error((_shape(self), _shape(other))) from None
        except OverflowError:
            dt = compute_dtype(self, other)
            return kernel(as_dtype(self, dt), as_dtype(other, dt), alpha)
        if out_dtype is not None and r.dtype != out_dtype._np:
            r = np.asarray(r).astype(out_dtype._np)
        return r
    return kernel


def unary_kernel(ufunc, *, int_to_float=False):
    """A NumPy kernel for a unary pointwise op; ``int_to_float`` for sin/exp/... on integers."""
    def kernel(self):
        a = self
        if int_to_float and a.dtype.kind in "biu":
            a = a.astype(_dtype.get_default_dtype()._np)
        with np.errstate(all="ignore"):
            return ufunc(a)
    return kernel


def pointwise_meta(*operands, int_to_float=False, out_dtype=None):
    """Meta result of a pointwise op: broadcast shape, promoted dtype, contiguous strides."""
    tensors = [o for o in operands if hasattr(o, "shape")]
    shape = broadcast_shapes(*[tuple(t.shape) for t in tensors])
    if out_dtype is not None:
        dt = out_dtype
    else:
        dt = result_type(*operands)
        if int_to_float and dt._cat < _dtype.FLOAT:
            dt = _dtype.get_default_dtype()
    return empty_meta(shape, dt)


def check_inplace_result(op_name, self_dtype, result_dtype, self_shape, result_shape):
    """PyTorch's checks for writing a result into ``self`` (in-place ops, out=)."""
    if not _dtype.can_cast(result_dtype, self_dtype):
        raise RuntimeError(f"result type {result_dtype._scalar_name} can't be cast to the desired "
                           f"output type {self_dtype._scalar_name}")
    if tuple(result_shape) != tuple(self_shape):
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, self_shape))}] doesn't match the broadcast "
            f"shape [{', '.join(map(str, result_shape))}]")
