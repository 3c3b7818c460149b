"""dtypes: ``kindling.float32`` and friends, with PyTorch's reprs and promotion rules.

Each dtype wraps a NumPy dtype (bfloat16 and the float8 types come from ml_dtypes).
Promotion follows PyTorch's ``promoteTypes`` table and its category rules for
``result_type`` (dimensioned tensors > zero-dim tensors > Python scalars, bool <
integer < floating < complex), not NumPy's.
"""
from __future__ import annotations

import threading

import numpy as np

__all__ = ["dtype", "promote_types", "can_cast", "get_default_dtype", "set_default_dtype"]

# Promotion categories.
BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type. ``repr(kindling.float32) == 'torch.float32'`` as in PyTorch."""

    __slots__ = ("_name", "itemsize", "is_floating_point", "is_complex", "is_signed",
                 "_np", "_cat", "abbr", "_legacy", "_scalar_name", "__weakref__")

    def __init__(self, name, np_dtype, cat, signed, abbr, legacy, scalar_name, itemsize=None):
        self._name = name
        if np_dtype is not None:
            self._np = np.dtype(np_dtype)
            self.itemsize = self._np.itemsize
        else:  # an ml_dtypes type: its NumPy dtype is loaded on first use (import time)
            self.itemsize = itemsize
        self._cat = cat
        self.is_floating_point = cat == FLOAT
        self.is_complex = cat == COMPLEX
        self.is_signed = signed
        self.abbr = abbr
        self._legacy = legacy          # "Float" as in torch.FloatTensor
        self._scalar_name = scalar_name  # "Float" as in c10::ScalarType names in messages

    def __getattr__(self, name):
        # Only reached for the unset ``_np`` slot of bfloat16/float8 before ml_dtypes loads.
        if name == "_np":
            _load_ml_dtypes()
            return object.__getattribute__(self, "_np")
        raise AttributeError(f"'torch.dtype' object has no attribute '{name}'")

    def __repr__(self):
        return "torch." + self._name

    __str__ = __repr__

    def __reduce__(self):
        return (_dtype_by_name, (self._name,))

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self

    def to_real(self):
        """The real counterpart of a complex dtype (``complex64 -> float32``); others unchanged."""
        return {"complex64": float32, "complex128": float64}.get(self._name, self)

    def to_complex(self):
        """The complex counterpart of a floating dtype (``float32 -> complex64``)."""
        m = {"float32": complex64, "float64": complex128, "float16": complex64,
             "bfloat16": complex64}
        if self.is_complex:
            return self
        if self._name not in m:
            raise RuntimeError(f"to_complex is not supported for {self}")
        return m[self._name]


_ALL = {}


def _mk(name, np_dtype, cat, signed, abbr, legacy, scalar_name, itemsize=None):
    d = dtype(name, np_dtype, cat, signed, abbr, legacy, scalar_name, itemsize)
    _ALL[name] = d
    return d


bool = _mk("bool", np.bool_, BOOL, False, "b8", "Bool", "Bool")  # noqa: A001
uint8 = _mk("uint8", np.uint8, INT, False, "u8", "Byte", "Byte")
int8 = _mk("int8", np.int8, INT, True, "i8", "Char", "Char")
int16 = _mk("int16", np.int16, INT, True, "i16", "Short", "Short")
int32 = _mk("int32", np.int32, INT, True, "i32", "Int", "Int")
int64 = _mk("int64", np.int64, INT, True, "i64", "Long", "Long")
uint16 = _mk("uint16", np.uint16, INT, False, "u16", "UInt16", "UInt16")
uint32 = _mk("uint32", np.uint32, INT, False, "u32", "UInt32", "UInt32")
uint64 = _mk("uint64", np.uint64, INT, False, "u64", "UInt64", "UInt64")
float16 = _mk("float16", np.float16, FLOAT, True, "f16", "Half", "Half")
bfloat16 = _mk("bfloat16", None, FLOAT, True, "bf16", "BFloat16", "BFloat16", 2)
float32 = _mk("float32", np.float32, FLOAT, True, "f32", "Float", "Float")
float64 = _mk("float64", np.float64, FLOAT, True, "f64", "Double", "Double")
complex64 = _mk("complex64", np.complex64, COMPLEX, True, "c64", "ComplexFloat", "ComplexFloat")
complex128 = _mk("complex128", np.complex128, COMPLEX, True, "c128", "ComplexDouble",
                 "ComplexDouble")
float8_e4m3fn = _mk("float8_e4m3fn", None, FLOAT, True, "f8e4m3fn",
                    "Float8_e4m3fn", "Float8_e4m3fn", 1)
float8_e5m2 = _mk("float8_e5m2", None, FLOAT, True, "f8e5m2",
                  "Float8_e5m2", "Float8_e5m2", 1)

# PyTorch's aliases.
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128

_ML_DTYPES = (bfloat16, float8_e4m3fn, float8_e5m2)
_NP_TO_DTYPE = {d._np: d for d in _ALL.values() if d not in _ML_DTYPES}
# NumPy dtypes that reductions and some kernels compute in float32 (bfloat16 joins on load).
LOW_PRECISION_NP = {np.dtype(np.float16)}


def _load_ml_dtypes():
    """Import ml_dtypes (bfloat16, float8) on first use: it is a fifth of kindling's import."""
    import ml_dtypes
    for d in _ML_DTYPES:
        object.__setattr__(d, "_np", np.dtype(getattr(ml_dtypes, d._name)))
        _NP_TO_DTYPE[d._np] = d
    LOW_PRECISION_NP.add(bfloat16._np)
    _loaded.add("_np")


_loaded: set = set()


def _dtype_by_name(name):
    return _ALL[name]


def from_numpy_dtype(np_dtype):
    """The kindling dtype of a NumPy dtype; TypeError for unsupported ones (like PyTorch)."""
    try:
        return _NP_TO_DTYPE[np_dtype]
    except KeyError:
        pass
    if not _loaded and getattr(np.dtype(np_dtype), "name", "") in (
            "bfloat16", "float8_e4m3fn", "float8_e5m2"):
        _load_ml_dtypes()
    try:
        return _NP_TO_DTYPE[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types "
            "are: float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
            "uint64, uint32, uint16, uint8, and bool.") from None


_UNSIGNED_BAREBONES = (uint16, uint32, uint64)
_SIGNED_INTS = (int8, int16, int32, int64)


def _promote_uncached(a, b):
    if a is b:
        return a
    ab = (a, b)
    # float8 types only promote with themselves (PyTorch refuses mixed float8 promotion).
    for x, y in (ab, ab[::-1]):
        if x in (float8_e4m3fn, float8_e5m2):
            raise RuntimeError(
                f"Promotion for Float8 Types is not supported, attempted to promote "
                f"{a._scalar_name} and {b._scalar_name}")
    for x, y in (ab, ab[::-1]):
        if x in _UNSIGNED_BAREBONES:
            if y._cat == FLOAT:
                return y
            raise RuntimeError(
                "Promotion for uint16, uint32, uint64 types is not supported, attempted to "
                f"promote {a._scalar_name} and {b._scalar_name}")
    if a._cat != b._cat:
        hi, lo = (a, b) if a._cat > b._cat else (b, a)
        if hi._cat == COMPLEX and lo is float64:
            return complex128
        return hi
    cat = a._cat
    if cat == INT:
        if uint8 in ab:
            other = b if a is uint8 else a
            return int16 if other in (int8, int16) else other
        return a if _SIGNED_INTS.index(a) > _SIGNED_INTS.index(b) else b
    if cat == FLOAT:
        if set(ab) == {float16, bfloat16}:
            return float32
        order = (float16, bfloat16, float32, float64)
        return a if order.index(a) > order.index(b) else b
    if cat == COMPLEX:
        return complex128
    return a


_PROMOTE = {}
for _a in _ALL.values():
    for _b in _ALL.values():
        try:
            _PROMOTE[_a, _b] = _promote_uncached(_a, _b)
        except RuntimeError:
            pass


def promote_types(type1, type2):
    """The smallest dtype both ``type1`` and ``type2`` convert to without loss (PyTorch's table)."""
    try:
        return _PROMOTE[type1, type2]
    except KeyError:
        if not isinstance(type1, dtype) or not isinstance(type2, dtype):
            raise TypeError(
                "promote_types(): argument 'type1' (position 1) must be torch.dtype, not "
                f"{type(type1 if not isinstance(type1, dtype) else type2).__name__}") from None
        return _promote_uncached(type1, type2)


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow ``from_`` to ``to`` in in-place/out= ops."""
    if from_._cat > to._cat:
        return False
    if from_ is not bool and to is bool:
        return False
    return True


# The default dtype is per process in PyTorch (not thread-local).
class _Defaults(threading.local):
    pass


_default = {"dtype": float32}


def get_default_dtype():
    """The dtype of floating tensors made from Python floats (``float32`` unless changed)."""
    return _default["dtype"]


def set_default_dtype(d):
    """Set the default floating dtype; only floating dtypes are accepted, as in PyTorch."""
    if not isinstance(d, dtype) or d not in (float16, bfloat16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _default["dtype"] = d


def default_complex_dtype():
    return complex128 if _default["dtype"] is float64 else complex64


def scalar_category(x):
    """The promotion category of a Python scalar (``True`` is bool, not int)."""
    t = type(x)
    if t is builtins_bool:
        return BOOL
    if t is builtins_int:
        return INT
    if t is builtins_float:
        return FLOAT
    if t is builtins_complex:
        return COMPLEX
    if isinstance(x, builtins_bool):
        return BOOL
    if isinstance(x, builtins_int):
        return INT
    if isinstance(x, builtins_float):
        return FLOAT
    if isinstance(x, builtins_complex):
        return COMPLEX
    if isinstance(x, np.generic):
        return from_numpy_dtype(x.dtype)._cat
    raise TypeError(f"not a scalar: {type(x).__name__}")


def scalar_dtype(x):
    """The dtype a lone Python scalar becomes as a tensor (``tensor(2.)`` is the default dtype)."""
    c = scalar_category(x)
    if c == BOOL:
        return bool
    if c == INT:
        return int64
    if c == FLOAT:
        return _default["dtype"]
    return default_complex_dtype()


import builtins as _builtins  # noqa: E402

builtins_bool, builtins_int = _builtins.bool, _builtins.int
builtins_float, builtins_complex = _builtins.float, _builtins.complex


def result_type_from(tensor_dtypes, zerodim_dtypes, scalars):
    """PyTorch's ``result_type`` over dimensioned tensors, zero-dim tensors and Python scalars.

    Each group is promoted within itself; then c10's ``combine_categories`` lets a
    lower-priority group change the result only by bringing a higher category.
    """
    dim_t = None
    for d in tensor_dtypes:
        dim_t = d if dim_t is None else promote_types(dim_t, d)
    zero_t = None
    for d in zerodim_dtypes:
        zero_t = d if zero_t is None else promote_types(zero_t, d)
    wrapped = None
    for s in scalars:
        d = {BOOL: bool, INT: int64, FLOAT: _default["dtype"],
             COMPLEX: default_complex_dtype()}[scalar_category(s)]
        wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine_categories(dim_t, _combine_categories(zero_t, wrapped))


def _combine_categories(higher, lower):
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        # A complex operand keeps the floating operand's precision.
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher
