"""``torch.utils._dtype_abbrs``: the short dtype names logs and FX code use (``f32``, ``i64``)."""
from __future__ import annotations

from .. import _dtype

_ABBRS = {
    "bfloat16": "bf16", "float64": "f64", "float32": "f32", "float16": "f16",
    "complex32": "c32", "complex64": "c64", "complex128": "c128", "int8": "i8", "int16": "i16",
    "int32": "i32", "int64": "i64", "bool": "b8", "uint8": "u8", "uint16": "u16",
    "uint32": "u32", "uint64": "u64", "float8_e4m3fn": "f8e4m3fn", "float8_e5m2": "f8e5m2",
    "float8_e4m3fnuz": "f8e4m3fnuz", "float8_e5m2fnuz": "f8e5m2fnuz",
}

dtype_abbrs = {d: _ABBRS[name] for name, d in _dtype._ALL.items() if name in _ABBRS}
