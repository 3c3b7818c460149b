"""``torch._C._functions``: autograd node classes, and the functions that build special nodes
(``UndefinedGrad``, ``DelayedError``).  Generated node classes (``MulBackward0``...) are
looked up by name among the ops that have recorded one."""
from __future__ import annotations

from ..autograd.derivatives import CopySlices, node_class
from ..autograd.function import _ErrorNode as Error, _UndefinedGradNode as UndefinedGradBackward
from ..autograd.function import _delayed_error, _undefined_grad
from ..autograd.graph import AccumulateGrad
from .._tensor import Tensor

__all__ = ["AccumulateGrad", "CopySlices", "DelayedError", "Error", "UndefinedGrad",
           "UndefinedGradBackward"]


def _check_args(args, n):
    if n is not None and len(args) != n:
        raise TypeError(f"expected {n} arguments, got {len(args)} instead")
    for i, a in enumerate(args):
        if a is not None and not isinstance(a, Tensor):
            raise TypeError(f"argument {i} is not a Variable")


class UndefinedGrad:
    """``UndefinedGrad()(t)``: an alias of ``t`` whose gradient is undefined (None) in
    backward, whatever flows in."""

    def __call__(self, *args):
        _check_args(args, 1)
        return _undefined_grad(list(args))[0]


class DelayedError:
    """``DelayedError(msg, n)(*tensors)``: aliases of the tensors whose backward raises
    ``msg`` (how ``once_differentiable`` forbids double backward)."""

    def __init__(self, msg, num_inputs):
        self.msg, self.num_inputs = msg, num_inputs

    def __call__(self, *args):
        _check_args(args, self.num_inputs)
        res = _delayed_error(self.msg, list(args))
        return res[0] if len(res) == 1 else tuple(res)


def __getattr__(name):
    return node_class(name)


# (PyTorch's DelayedError and UndefinedGrad are C++ node types: subclasses of Node)
from ..autograd.graph import Node as _Node  # noqa: E402

_Node.register(DelayedError)
_Node.register(UndefinedGrad)
