"""Rprop: resilient backpropagation (sign-based steps with per-element step sizes)."""

import kindling as torch

from .optimizer import (
    Optimizer,
    _check_capturable,
    _closure_loss,
    _FOREACH_NO_AUTOGRAD,
    _group_setdefaults,
    _init_group_state,
    _to_scalar,
    _upgrade_step_state,
    _use_foreach,
    _use_grad_for_differentiable,
    _validate_common,
    _view_as_real,
    _zeros_state,
)

__all__ = ["Rprop", "rprop"]


class Rprop(Optimizer):
    """Rprop, as ``torch.optim.Rprop``.

    Args:
        params: parameters or parameter groups.
        lr (float): initial step size (default: 1e-2).
        etas (tuple[float, float]): step size factors on a sign flip and on agreement
            (default: (0.5, 1.2)).
        step_sizes (tuple[float, float]): smallest and largest step size (default: (1e-6, 50)).
        capturable (bool): needs accelerator tensors; True fails at ``step`` as on PyTorch's CPU.
        foreach (bool, optional): accepted; both settings run the for-loop.
        maximize (bool): maximize the objective (default: False).
        differentiable (bool): run ``step`` under autograd (default: False).
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        etas=(0.5, 1.2),
        step_sizes=(1e-6, 50),
        *,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        _validate_common(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _group_setdefaults(
            self, foreach=None, maximize=False, differentiable=False, capturable=False
        )
        _upgrade_step_state(self)

    def _init_group(self, group, params, grads, prevs, step_sizes, state_steps):
        """Collect the parameters that have gradients, creating their state on first use."""

        def init_state(p, state):
            _zeros_state("prev")(p, state)
            if p.dtype.is_complex:
                state["step_size"] = torch.full_like(p.grad, complex(group["lr"], group["lr"]))
            else:
                state["step_size"] = torch.full_like(p.grad, _to_scalar(group["lr"]))

        return _init_group_state(
            self,
            group,
            params,
            grads,
            "Rprop",
            init_state,
            [("prev", prevs), ("step_size", step_sizes), ("step", state_steps)],
        )

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` recomputes and returns the loss)."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params, grads, prevs, step_sizes, state_steps = [], [], [], [], []
            self._init_group(group, params, grads, prevs, step_sizes, state_steps)
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            rprop(
                params,
                grads,
                prevs,
                step_sizes,
                state_steps,
                step_size_min=step_size_min,
                step_size_max=step_size_max,
                etaminus=etaminus,
                etaplus=etaplus,
                foreach=group["foreach"],
                maximize=group["maximize"],
                differentiable=group["differentiable"],
                capturable=group["capturable"],
            )
        return loss


def rprop(
    params,
    grads,
    prevs,
    step_sizes,
    state_steps,
    foreach=None,
    capturable=False,
    maximize=False,
    differentiable=False,
    has_complex=False,
    *,
    step_size_min,
    step_size_max,
    etaminus,
    etaplus,
):
    """Functional Rprop: update ``params``, ``prevs`` and ``step_sizes`` in place."""
    if foreach and differentiable and params:
        raise AssertionError(_FOREACH_NO_AUTOGRAD)
    _check_capturable(capturable, params)
    if _use_foreach(foreach, params):
        return _multi_tensor_rprop(
            params,
            grads,
            prevs,
            step_sizes,
            state_steps,
            step_size_min=step_size_min,
            step_size_max=step_size_max,
            etaminus=etaminus,
            etaplus=etaplus,
            maximize=maximize,
        )
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        prev, step_size, step = prevs[i], step_sizes[i], state_steps[i]
        step += 1
        if torch.is_complex(param):
            grad = torch.view_as_real(grad)
            prev = torch.view_as_real(prev)
            param = torch.view_as_real(param)
            step_size = torch.view_as_real(step_size)
        # sign agreement with the previous gradient picks each element's step size factor
        sign = grad.mul(prev.clone() if differentiable else prev).sign()
        factor = torch.where(sign.gt(0), etaplus, sign)
        factor = torch.where(factor.lt(0), etaminus, factor)
        factor = torch.where(factor.eq(0), 1, factor)
        step_size.mul_(factor).clamp_(step_size_min, step_size_max)
        # after a sign flip the element does not move, and the next step sees a zero gradient
        grad = torch.where(factor.eq(etaminus), 0, grad)
        param.addcmul_(grad.sign(), step_size, value=-1)
        prev.copy_(grad)


def _multi_tensor_rprop(
    params,
    grads,
    prevs,
    step_sizes,
    state_steps,
    *,
    step_size_min,
    step_size_max,
    etaminus,
    etaplus,
    maximize,
):
    lists = [params, grads, prevs, step_sizes, state_steps]
    for (p, g, prev, sizes, steps), _ in Optimizer._group_tensors_by_device_and_dtype(
        lists
    ).values():
        torch._foreach_add_(steps, 1)
        if any(torch.is_complex(t) for t in p):
            _view_as_real(p, g, prev, sizes)
        signs = torch._foreach_mul(g, prev)
        if maximize:
            torch._foreach_neg_(signs)
        # the (possibly negated) gradient goes straight into ``prev``, which is then edited
        torch._foreach_copy_(prev, g)
        if maximize:
            torch._foreach_neg_(prev)
        torch._foreach_sign_(signs)
        factors = []
        for sign in signs:
            factor = torch.where(sign.gt(0), etaplus, sign)
            factor = torch.where(factor.lt(0), etaminus, factor)
            factors.append(torch.where(factor.eq(0), 1, factor))
        torch._foreach_mul_(sizes, factors)
        for size in sizes:
            size.clamp_(step_size_min, step_size_max)
        for i, grad in enumerate(prev):
            grad.copy_(torch.where(factors[i].eq(etaminus), 0, grad))
        torch._foreach_addcmul_(p, [grad.sign() for grad in prev], sizes, value=-1)
