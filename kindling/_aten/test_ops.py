"""PyTorch's test-only autograd ops (its ``TestOps.cpp``), which test_autograd.py calls to check
how derivatives are registered:

- ``_test_autograd_multiple_dispatch.fullcoverage``: an explicit kernel (a clone) with a bogus
  derivative, ``grad + 1``, and forward AD by ``auto_linear``;
- ``_test_autograd_multiple_dispatch.ntonly``: a CompositeImplicitAutograd clone, whose
  gradient is therefore clone's;
- ``_test_autograd_multiple_dispatch_view``: a view (``self.view(-1)``) with a backward
  formula and no forward one, and its ``_view_copy`` form, whose node PyTorch generates from the
  view's formula (``...ViewBackward0_copy``);
- ``_test_warn_in_autograd``: a clone whose backward warns (``torch._C._nn`` only).

PyTorch's derivatives.yaml gives some of these other formulas for the AutogradCUDA and
AutogradNestedTensor keys (``grad * 2``, ``grad * grad``...).  kindling has neither CUDA
kernels nor nested tensors, so only the ``Default`` (Autograd) formulas are registered: what
CPU tensors get.  The ops are defined at their first use (``install``, see ``_aten/_lazy.py``).
"""
from __future__ import annotations

from .. import _layout
from .._dispatcher.keys import K
from ._api import public
from ._copy_out import copy_out_variant
from ._defop import defop
from ._ops_registry import aten
from ._util import warn_user


def _clone(self):
    return aten.clone.default(self)


def warn_backwards(grad):
    """PyTorch's ``warn_backwards``: warn, and pass the gradient through.

    PyTorch holds the warnings raised during a backward pass and issues them when it returns
    (so an "error" filter raises only once the gradients are accumulated): the warning is
    queued as a final callback of the running backward."""
    from ..autograd.engine import execution_engine
    from ..autograd.graph import _engine_state
    if _engine_state.task is None:
        warn_user("Warn from backward")
    else:
        execution_engine.queue_callback(lambda: warn_user("Warn from backward"))
    return grad


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    _install_multiple_dispatch()
    _install_multiple_dispatch_view()

    # ---- _test_warn_in_autograd (``python_module: nn``: ``torch._C._nn``, not ``torch.*``) --
    warn_in_autograd = defop("_test_warn_in_autograd(Tensor self) -> Tensor")
    warn_in_autograd.explicit(_clone)
    warn_in_autograd.derivative(self=warn_backwards)
    warn_in_autograd.out = copy_out_variant(
        warn_in_autograd,
        "_test_warn_in_autograd.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)")


def _install_multiple_dispatch():
    fullcoverage = defop("_test_autograd_multiple_dispatch.fullcoverage(Tensor self) -> Tensor")
    fullcoverage.explicit(_clone)
    fullcoverage.derivative(self="grad.expand(self_sym_sizes) + 1", result="auto_linear")
    # (autogen'd, and not bound in Python: ``torch.ops`` only)
    fullcoverage.out = copy_out_variant(
        fullcoverage, "_test_autograd_multiple_dispatch.fullcoverage_out(Tensor self, *, "
                      "Tensor(a!) out) -> Tensor(a!)")

    ntonly = defop("_test_autograd_multiple_dispatch.ntonly(Tensor self, bool b) -> Tensor")
    ntonly.composite(lambda self, b: aten.clone.default(self))
    public("_test_autograd_multiple_dispatch", fullcoverage, ntonly, method=False)


def _install_multiple_dispatch_view():
    """``_test_autograd_multiple_dispatch_view`` and its view_copy form."""
    view = defop("_test_autograd_multiple_dispatch_view(Tensor(a) self) -> Tensor(a)")
    view.explicit(lambda self: aten.view.default(self, [-1]))
    view.derivative(self="grad.reshape_as(self)")

    view_copy = defop("_test_autograd_multiple_dispatch_view_copy(Tensor self) -> Tensor",
                      tags=("view_copy",))

    @view_copy.impl(K.CompositeExplicitAutogradNonFunctional)
    def _(self):
        # (PyTorch's generated kernel for a view_copy op: the view, cloned contiguous)
        return aten.clone.default(view.op(self), memory_format=_layout.contiguous_format)

    # the view's node, as PyTorch derives a view_copy op's derivative from its view's
    view_copy.derivative("TestAutogradMultipleDispatchViewBackward0_copy",
                         self="grad.reshape_as(self)")
    view_copy.out = copy_out_variant(
        view_copy, "_test_autograd_multiple_dispatch_view_copy.out(Tensor self, *, "
                   "Tensor(a!) out) -> Tensor(a!)")
    public("_test_autograd_multiple_dispatch_view", view, method=False)
    public("_test_autograd_multiple_dispatch_view_copy", view_copy, view_copy.out, method=False)
