"""``torch.cond(pred, true_fn, false_fn, operands)`` and its HOP ``torch.ops.higher_order.cond``.

Eagerly, ``cond`` just runs one branch.  A Python ``bool`` predicate picks the branch directly;
a tensor predicate goes through the ``cond`` operator so that dispatch modes see it (and must
support higher-order operators to do so).
"""
from __future__ import annotations

from .._dispatcher.keys import K
from ._base import HigherOrderOperator, current_dispatch_mode


class CondOp(HigherOrderOperator):
    def __init__(self):
        super().__init__("cond")

    def __call__(self, pred, true_fn, false_fn, operands):
        return super().__call__(pred, true_fn, false_fn, operands)


cond_op = CondOp()


def _validate_input(pred, true_fn, false_fn, operands):
    from .._tensor import Tensor
    if not isinstance(pred, (bool, Tensor)):
        raise RuntimeError(f"Expected pred to be bool or tensor, but got {pred}.")
    if isinstance(pred, Tensor) and pred.numel() != 1:
        raise RuntimeError(
            f"Expected pred to be bool or single-element tensor, but got {pred}.")
    if not callable(true_fn) or not callable(false_fn):
        raise RuntimeError("Expect both branches to be callable.")

    def leaves(x):
        if isinstance(x, (list, tuple)):
            for v in x:
                yield from leaves(v)
        elif isinstance(x, dict):
            for v in x.values():
                yield from leaves(v)
        else:
            yield x
    if not isinstance(operands, (tuple, list)) or any(
            not isinstance(t, Tensor) for t in leaves(operands)):
        raise RuntimeError(
            "Expect operands to be a tuple of possibly nested dict/list/tuple that only "
            f"consists of tensor leaves, but got {operands}.")


def cond(pred, true_fn, false_fn, operands=()):
    """Run ``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``.

    ``pred`` is a bool or a one-element (bool) tensor; ``operands`` a tuple of tensors.
    """
    if isinstance(pred, (bool, int, float)):
        # The eager case with a Python constant: just run the branch.
        if pred:
            return true_fn(*operands)
        return false_fn(*operands)
    _validate_input(pred, true_fn, false_fn, operands)
    return cond_op(pred, true_fn, false_fn, operands)


@cond_op.py_impl(K.CompositeExplicitAutograd)
def cond_op_dense(pred, true_fn, false_fn, operands):
    if current_dispatch_mode() is not None:
        raise AssertionError("Mode should never be enabled for CPU/CUDA key")
    if pred:
        return true_fn(*operands)
    return false_fn(*operands)


@cond_op.py_autograd_impl
def cond_autograd(pred, true_fn, false_fn, operands):
    # Eager autograd: run the chosen branch; its ops record the graph themselves.
    if pred:
        return true_fn(*operands)
    return false_fn(*operands)


cond.__module__ = "torch"
