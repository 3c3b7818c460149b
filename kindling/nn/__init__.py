"""``torch.nn``: ``Parameter``, ``Module`` and its layers (``nn.modules``), ``nn.init``,
``nn.functional`` and ``nn.utils`` (imported at first use of ``kindling.nn``; PyTorch imports
it with ``torch``)."""
from __future__ import annotations

from . import _reduction, functional  # noqa: F401
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from . import modules  # noqa: F401
# ---- nn.init (modules-a) ----
from . import init  # noqa: F401,E402
# ---- nn.utils (utils) ----
from . import utils  # noqa: E402,F401
from . import parallel  # noqa: E402,F401
from .parallel import DataParallel  # noqa: E402,F401
