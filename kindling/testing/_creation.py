"""``torch.testing.make_tensor``: a tensor of random values for tests.

It draws from the global generator exactly as PyTorch's does (``randint`` for bool and integer
dtypes, ``empty(...).uniform_`` - over ``view_as_real`` for a complex dtype - for float ones), so
a seeded program gets PyTorch's values.
"""
from __future__ import annotations

import collections.abc
import math
import warnings

import kindling as _k

_INTEGRAL = ("uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64")
_FLOATING = ("float16", "bfloat16", "float32", "float64")
_FLOAT8 = ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz")
_COMPLEX = ("complex32", "complex64", "complex128")


def _uniform_random_(t, low, high):
    # (``uniform_`` needs ``to - from`` within the dtype's range: halve the range, then double)
    if high - low >= _k.finfo(t.dtype).max:
        return t.uniform_(low / 2, high / 2).mul_(2)
    return t.uniform_(low, high)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False, memory_format=None):
    """A tensor of ``shape`` and ``dtype`` on ``device`` with values drawn uniformly from
    ``[low, high)`` (defaults: [-9, 9) for float and complex, [-9, 10) for integer dtypes,
    clamped to the dtype's range). ``noncontiguous`` gives a view with a stride of 2 in the
    last dim; ``exclude_zero`` replaces zeros by the dtype's smallest positive value (1 for
    integers); ``requires_grad`` for float and complex dtypes."""
    name = dtype._name
    boolean_or_integral = name == "bool" or name in _INTEGRAL
    floating_or_complex = name in _FLOATING or name in _COMPLEX

    def modify_low_high(low, high, *, lowest_inclusive, highest_exclusive, default_low,
                        default_high):
        low = default_low if low is None else low
        high = default_high if high is None else high
        if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
            raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and "
                             f"high={high}")
        elif low == high and floating_or_complex:
            warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or "
                          "complex types is deprecated since 2.1 and will be removed in 2.3. "
                          "Use `torch.full(...)` instead.", FutureWarning, stacklevel=3)
        elif low >= high:
            raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
        elif high < lowest_inclusive or low >= highest_exclusive:
            raise ValueError(f"The value interval specified by `low` and `high` is [{low}, "
                             f"{high}), but {dtype} only supports [{lowest_inclusive}, "
                             f"{highest_exclusive})")
        low = min(max(low, lowest_inclusive), highest_exclusive)
        high = min(max(high, lowest_inclusive), highest_exclusive)
        if boolean_or_integral:
            # (randint's upper bound is exclusive: both bounds are ceiled)
            return math.ceil(low), math.ceil(high)
        return low, high

    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got noncontiguous={noncontiguous} and "
                         f"memory_format={memory_format}")
    if requires_grad and boolean_or_integral:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dtype}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:  # (twice the last dim, so the view's neighbours differ)
        shape = (*shape[:-1], 2 * shape[-1])

    if name == "bool":
        low, high = modify_low_high(low, high, lowest_inclusive=0, highest_exclusive=2,
                                    default_low=0, default_high=2)
        result = _k.randint(low, high, shape, device=device, dtype=dtype)
    elif name in _INTEGRAL:
        info = _k.iinfo(dtype)
        # (randint cannot sample int64's maximum: its bounds are int64s)
        low, high = modify_low_high(low, high, lowest_inclusive=info.min,
                                    highest_exclusive=info.max + (name != "int64"),
                                    default_low=-9, default_high=10)
        result = _k.randint(low, high, shape, device=device, dtype=dtype)
    elif floating_or_complex:
        info = _k.finfo(dtype)
        low, high = modify_low_high(low, high, lowest_inclusive=info.min,
                                    highest_exclusive=info.max, default_low=-9, default_high=9)
        result = _k.empty(shape, device=device, dtype=dtype)
        _uniform_random_(_k.view_as_real(result) if name in _COMPLEX else result, low, high)
    elif name in _FLOAT8:
        info = _k.finfo(dtype)
        low, high = modify_low_high(low, high, lowest_inclusive=info.min,
                                    highest_exclusive=info.max, default_low=-9, default_high=9)
        result = _k.empty(shape, device=device, dtype=_k.float32)
        _uniform_random_(result, low, high)
        result = result.to(dtype)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        "torch.testing.make_tensor(). To request support, file an issue at: "
                        "https://github.com/pytorch/pytorch/issues")

    if noncontiguous:
        result = result[..., 1::2]  # (offset by 1 too, to catch offset mistakes)
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if boolean_or_integral else _k.finfo(dtype).tiny
    if floating_or_complex:
        result.requires_grad = requires_grad
    return result
