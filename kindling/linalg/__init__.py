"""``torch.linalg``: norms, inverses, determinants, solvers and decompositions.

Each function is an aten op (``aten.linalg_inv``...) reached through the dispatcher, with
PyTorch's derivatives; see ``kindling/_aten/linalg_*.py``.
"""
from .._aten.linalg_api import LINALG as _LINALG
from .._aten.linalg_common import LinAlgError  # noqa: F401  (torch._C._LinAlgError)

globals().update(_LINALG)
__all__ = sorted(_LINALG) + ["LinAlgError"]
