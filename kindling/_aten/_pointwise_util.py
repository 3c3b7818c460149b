"""Templates for pointwise kernels: PyTorch promotion in front of NumPy ufuncs.

``binary_kernel(np.add)`` returns a NumPy kernel ``(self, other, alpha=1) -> ndarray`` that
promotes the PyTorch way (dimensioned tensors > zero-dim tensors > Python scalars), turns
NumPy's broadcast ValueError into PyTorch's RuntimeError, and only pays for promotion when the
operand dtypes differ.  ``pointwise_meta`` is the matching meta function.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ._meta_util import empty_meta
from ._tensor_iterator import surely_no_overlap
from ._util import as_dtype, broadcast_error, broadcast_shapes, result_type

_ndarray = np.ndarray
_FAST_SCALAR_KINDS = {float: "fc", int: "fciu", bool: "fciub"}

# PyTorch computes inf and nan silently; NumPy warns (1/0, inf - inf, log(0)).  Kernels turn
# NumPy's floating-point checks off around their ufuncs.  ``np.errstate`` costs ~0.8 us a call;
# setting the context variable behind it costs ~0.1 us (NumPy >= 2; 1.x takes the slow path).
try:
    from numpy._core._ufunc_config import _extobj_contextvar as FP_STATE, \
        _make_extobj as _make
    FP_IGNORE = _make(all="ignore")
except ImportError:  # pragma: no cover - NumPy 1.x: seterr does the same, slower
    class _Seterr:
        """The context variable's interface over ``np.seterr``."""

        def get(self):
            return np.geterr()

        def set(self, state):
            return np.seterr(**state)

        def reset(self, old):
            np.seterr(**old)
    FP_STATE, FP_IGNORE = _Seterr(), {"all": "ignore"}


def fp_silent(fn, *args):
    """``fn(*args)`` with NumPy's floating-point warnings off."""
    token = FP_STATE.set(FP_IGNORE)
    try:
        return fn(*args)
    finally:
        FP_STATE.reset(token)


def lane_operands(grad, *xs):
    """Whether a backward array lane's ufuncs on the array ``grad`` and ``xs`` (arrays, Python
    numbers, None for values it does not use) lay their results out as the ops' kernels
    would: arrays of one non-empty shape, each of at most one dim, or C-contiguous without
    size-1 dims, or an expanded scalar (all strides 0) alone or beside such a C-contiguous
    one (then NumPy's layout is TensorIterator's).  See ``kindling.autograd.array_lane``."""
    shape = grad.shape
    if not grad.size:
        return False
    if len(shape) <= 1:  # (one dim has one layout)
        for x in xs:
            if type(x) is _ndarray:
                if x.shape != shape:
                    return False
            elif not (x is None or type(x) is float or type(x) is int):
                return False
        return True
    if 1 in shape:
        return False
    dense = grad.flags.c_contiguous
    if not dense and any(grad.strides):
        return False
    alone = True  # (an expanded scalar alone: both lay the result out contiguous)
    for x in xs:
        if type(x) is _ndarray:
            if x.shape != shape:
                return False
            alone = False
            if x.flags.c_contiguous:
                dense = True
            elif any(x.strides):
                return False
        elif not (x is None or type(x) is float or type(x) is int):
            return False
    return dense or alone


def scalar_bound(fn, a, b):
    """``fn`` (NumPy's ``maximum`` or ``minimum``) of the array ``a`` and a scalar clamp bound
    ``b`` of its dtype, the bound first: where the two compare equal (0.0 and -0.0) NumPy
    returns the second, ``a``, as PyTorch's clamp with a number keeps x.  NumPy has no fast
    loop for a scalar operand: a large contiguous float ``a`` goes against an array filled
    with ``b``, written into (the same values; 2x faster at 4K elements, 4x from 64K)."""
    if type(a) is _ndarray and a.size >= 1024 and a.dtype.kind == "f" and a.flags.c_contiguous:
        full = np.full(a.shape, b, a.dtype)
        return fn(full, a, out=full)
    return fn(b, a)


def unit_scale(s):
    """Whether a formula's ``maybe_multiply(t, s)`` is ``t`` itself (a lane's test)."""
    return (type(s) is int or type(s) is float) and s == 1


def compute_dtype(a, b):
    """The PyTorch result dtype of a binary op on (ndarray | scalar) operands."""
    return result_type(a, b)


def _shape(x):
    return getattr(x, "shape", ())


def alpha_check(dt, alpha):
    """PyTorch's ``alpha_check``: ``alpha`` (of add/sub) fits the result dtype ``dt``."""
    if isinstance(alpha, (bool, np.bool_)):
        if dt is not _dtype.bool:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
        return
    if dt._cat < _dtype.FLOAT and not isinstance(alpha, (int, np.integer)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if not dt.is_complex and isinstance(alpha, (complex, np.complexfloating)):
        raise RuntimeError("For non-complex input tensors, argument alpha must not be a complex "
                           "number.")


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
        if type(alpha) is not int or alpha != 1:
            # (``alpha * other`` in the result dtype, as PyTorch's kernel computes it)
            rd = dt or _dtype._NP_TO_DTYPE[np.asarray(a).dtype]
            alpha_check(rd, alpha)
            b = as_dtype(b, rd) * as_dtype(alpha, rd)
        try:
            r = fp_silent(ufunc, a, b)
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
        return fp_silent(ufunc, a)
    return kernel


def pointwise_meta(*operands, int_to_float=False, out_dtype=None):
    """Meta result of a pointwise op: broadcast shape, promoted dtype (contiguous here; the
    Meta kernel lays it out as TensorIterator would, see ``_defop.pointwise_meta_adapter``)."""
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
    if tuple(result_shape) != tuple(self_shape):
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, self_shape))}] doesn't match the broadcast "
            f"shape [{', '.join(map(str, result_shape))}]")
    if not _dtype.can_cast(result_dtype, self_dtype):
        raise RuntimeError(f"result type {result_dtype._scalar_name} can't be cast to the desired "
                           f"output type {self_dtype._scalar_name}")


# ---- helpers for the hand-written pointwise kernels ----------------------------------------
_HALF_NP = _dtype.LOW_PRECISION_NP  # float16, and bfloat16 once ml_dtypes is loaded
_C_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
            "int64": "int64_t", "uint16": "uint16_t", "uint32": "uint32_t", "uint64": "uint64_t",
            "bool": "bool", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "float32": "float", "float64": "double"}


def dtype_or_none(x):
    """The kindling dtype of an ndarray/meta tensor operand; None for Python scalars."""
    d = getattr(x, "dtype", None)
    if d is None:
        return None
    return d if isinstance(d, _dtype.dtype) else _dtype._NP_TO_DTYPE[d]


def is_bool_operand(x):
    """A bool tensor or a Python bool."""
    d = dtype_or_none(x)
    return d is _dtype.bool if d is not None else isinstance(x, (bool, np.bool_))


def not_implemented(kernel_name, dt):
    return NotImplementedError(f'"{kernel_name}" not implemented for \'{dt._scalar_name}\'')


def no_complex_check(message):
    """A binary op's check: RuntimeError(``message``) when the operands promote to complex."""
    def check(self, other):
        if result_type(self, other).is_complex:
            raise RuntimeError(message)
    return check


def promote(*operands):
    """Operands converted to their PyTorch result dtype (scalars wrap like C); and that dtype."""
    dt = result_type(*operands)
    return [None if x is None else as_dtype(x, dt) for x in operands], dt


def check_scalar_fits(value, dt):
    """PyTorch's ``value cannot be converted to type X without overflow`` (c10's
    ``checked_convert``): a Python number outside the range of ``dt``, a NaN or infinity for
    an integer type, a complex number with an imaginary part for a real type."""
    if isinstance(value, (bool, np.bool_)) or dt is _dtype.bool:
        return
    if isinstance(value, (complex, np.complexfloating)):
        if not dt.is_complex and value.imag != 0:
            raise _overflow(dt)
        parts = (value.real, value.imag) if dt.is_complex else (value.real,)
    else:
        parts = (value,)
    for v in parts:
        if dt._cat == _dtype.INT:
            if isinstance(v, (int, np.integer)):
                info = np.iinfo(dt._np)
                # c10::overflows: unsigned types accept negatives down to -max (two's
                # complement wrap)
                lo = -int(info.max) if info.min == 0 else info.min
                if not lo <= int(v) <= info.max:
                    raise _overflow(dt)
            elif isinstance(v, (float, np.floating)):
                info = np.iinfo(dt._np)
                if not info.min <= v <= info.max:  # (NaN and infinities included)
                    raise _overflow(dt)
        elif isinstance(v, (float, np.floating)) and math.isfinite(v):
            # (infinities and NaN convert to every floating type)
            big = float(_finfo(dt).max)
            if not -big <= v <= big:
                raise _overflow(dt)


def _overflow(dt):
    name = _C_NAMES.get(dt._name) or f"c10::complex<{_C_NAMES[dt.to_real()._name]}>"
    return RuntimeError(f"value cannot be converted to type {name} without overflow")


def _finfo(dt):
    import ml_dtypes
    return ml_dtypes.finfo(dt.to_real()._np)


def check_int_divisor(b, dt):
    """Integer division (floor_divide, remainder, fmod, div rounding) by zero raises."""
    if dt._cat <= _dtype.INT and np.any(np.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")




def float_compute(fn, a):
    """Run ``fn`` on ``a``; float16/bfloat16 compute in float32 and round back (as PyTorch)."""
    if a.dtype in _HALF_NP:
        return np.asarray(fp_silent(fn, a.astype(np.float32))).astype(a.dtype)
    return fp_silent(fn, a)


def unary_meta(self, *, int_to_float=False, out_dtype=None):
    """Meta result of a unary pointwise op."""
    dt = out_dtype or self.dtype
    if int_to_float and dt._cat < _dtype.FLOAT:
        dt = _dtype.get_default_dtype()
    return empty_meta(tuple(self.shape), dt)


class MetaView:
    """The metadata a meta function reads (shape, dtype, ndim) of a tensor, without building a
    meta tensor: in-place and out= variants check their result before running the kernel."""

    __slots__ = ("shape", "_size", "dtype", "ndim")

    def __init__(self, t):
        self.shape = self._size = t._size
        self.dtype = t.dtype
        self.ndim = len(t._size)


def meta_view(x):
    return MetaView(x) if hasattr(x, "_np") else x


# ---- the in-place fused fronts' operand check ----------------------------------------------------
_FUSED_FLOATS = frozenset({np.dtype(np.float32), np.dtype(np.float64)})


def same_float_arrays(a, b, c=None):
    """The arrays of two (or three) tensors when all are float32/float64 of one dtype and one
    shape with at least one dim (0-d arrays give NumPy scalars: not for ``out=``), and the
    first, which the in-place front writes, surely overlaps neither other (else the generic
    kernel makes TensorIterator's overlap checks); else None.  Tensor subclasses that reach a
    CPU kernel (``nn.Parameter``) hold their data too."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or \
            c is not None and not isinstance(c, Tensor):
        return None
    x, y = a._np, b._np
    z = c._np if c is not None else y
    if x is None or y is None or z is None or x.dtype not in _FUSED_FLOATS or \
            y.dtype is not x.dtype or z.dtype is not x.dtype or \
            y.shape != x.shape or z.shape != x.shape or not x.ndim:
        return None
    if not surely_no_overlap(x, y, z):
        return None
    return x, y, z
