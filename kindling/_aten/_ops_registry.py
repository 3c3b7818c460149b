"""Shortcut to ``kindling.ops.aten`` for kernels that call other ops."""
from .. import _ops

aten = _ops.ops.aten
