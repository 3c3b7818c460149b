"""``torch.jit``: the eager parts that matter without TorchScript.

``fork``/``wait`` (asynchronous, see ``kindling.jit._async``), ``Future`` (the same class as
``torch.futures.Future``, subscriptable for annotations), ``annotate``, and a ``script`` that
returns its argument so TorchScript-decorated code runs eagerly.  TorchScript itself is not
reproduced.
"""
from __future__ import annotations

from ..futures import Future  # noqa: F401
from ._async import fork, wait

# Kept for backwards compatibility, as in PyTorch (the same functions).
_fork = fork
_wait = wait

__all__ = ["Future", "annotate", "fork", "is_scripting", "is_tracing", "script", "wait"]


def annotate(the_type, the_value):
    """Give ``the_value`` the type ``the_type`` for the TorchScript compiler; in eager Python
    (all kindling has) it returns ``the_value`` unchanged."""
    return the_value


def script(obj, *args, **kwargs):
    """Stand-in for ``torch.jit.script``: kindling has no TorchScript compiler, so ``obj`` is
    returned as it is and runs eagerly (forks inside it are asynchronous all the same)."""
    return obj


def is_scripting() -> bool:
    """Whether code is being compiled by TorchScript: never, in kindling."""
    return False


def is_tracing() -> bool:
    """Whether ``torch.jit.trace`` is tracing: never, in kindling."""
    return False
