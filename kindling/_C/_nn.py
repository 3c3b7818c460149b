"""``torch._C._nn``: the functions of the ops whose native_functions.yaml entry says
``python_module: nn`` (only those kindling has)."""
from __future__ import annotations

from .._aten.linear import linear_fn as linear  # noqa: F401
from .._aten.test_ops import _test_warn_in_autograd  # noqa: F401
