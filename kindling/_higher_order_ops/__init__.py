"""Higher-order operators (``torch.ops.higher_order.*``): operators that take functions."""
from ._base import HigherOrderOperator, OperatorBase  # noqa: F401
from .cond import cond  # noqa: F401
