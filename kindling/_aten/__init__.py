"""The op library: every aten op, declared once per family module.

Importing this package registers all of them; ``finalize_registrations`` then adds the
layer kernels (ADInplaceOrView for mutating ops) that PyTorch generates.
"""
from . import _defop

_defop._install_fallbacks()

from . import factories, copy, pointwise, reductions, views, operators  # noqa: E402,F401
from . import promotion  # noqa: E402,F401
from . import linalg  # noqa
from . import indexing, shape_ops  # noqa: E402,F401

_defop.finalize_registrations()
