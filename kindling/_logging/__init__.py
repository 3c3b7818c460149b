"""``torch._logging``: PyTorch's named logs, set with ``set_logs(...)`` or ``TORCH_LOGS``.

kindling has one registered log of its own, ``autograd`` (the ``kindling.autograd`` loggers:
at DEBUG every backward pass logs each node it runs); ``all`` is the top ``kindling`` logger,
and any importable module name works as in PyTorch. The torch.compile / distributed logs
(``dynamo``, ``inductor``, ...) are out of kindling's scope.
"""
from ._internal import LazyString, _init_logs, set_logs, warning_once  # noqa: F401
