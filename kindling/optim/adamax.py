"""Adamax: Adam with the infinity norm in place of the second moment."""

import kindling as torch

from .optimizer import (
    Optimizer,
    _check_capturable,
    _closure_loss,
    _foreach_add_weight_decay,
    _FOREACH_NO_AUTOGRAD,
    _get_value,
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

__all__ = ["Adamax", "adamax"]


class Adamax(Optimizer):
    """Adamax, as ``torch.optim.Adamax``.

    Args:
        params: parameters or parameter groups.
        lr (float): learning rate (default: 2e-3).
        betas (tuple[float, float]): decay of the first moment and of the infinity norm
            (default: (0.9, 0.999)).
        eps (float): added to the norm (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        foreach (bool, optional): accepted; both settings run the for-loop.
        maximize (bool): maximize the objective (default: False).
        differentiable (bool): run ``step`` under autograd (default: False).
        capturable (bool): needs accelerator tensors; True fails at ``step`` as on PyTorch's CPU.
    """

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        _validate_common(lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
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

    def _init_group(self, group, params, grads, exp_avgs, exp_infs, state_steps):
        """Collect the parameters that have gradients, creating their state on first use."""
        return _init_group_state(
            self,
            group,
            params,
            grads,
            "Adamax",
            _zeros_state("exp_avg", "exp_inf"),
            [("exp_avg", exp_avgs), ("exp_inf", exp_infs), ("step", state_steps)],
        )

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` recomputes and returns the loss)."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_infs, state_steps = [], [], [], [], []
            self._init_group(group, params, grads, exp_avgs, exp_infs, state_steps)
            beta1, beta2 = group["betas"]
            adamax(
                params,
                grads,
                exp_avgs,
                exp_infs,
                state_steps,
                eps=group["eps"],
                beta1=beta1,
                beta2=beta2,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                foreach=group["foreach"],
                maximize=group["maximize"],
                differentiable=group["differentiable"],
                capturable=group["capturable"],
            )
        return loss


def adamax(
    params,
    grads,
    exp_avgs,
    exp_infs,
    state_steps,
    foreach=None,
    maximize=False,
    differentiable=False,
    capturable=False,
    has_complex=False,
    *,
    eps,
    beta1,
    beta2,
    lr,
    weight_decay,
):
    """Functional Adamax: update ``params``, ``exp_avgs`` and ``exp_infs`` in place."""
    if foreach and differentiable:
        raise AssertionError(_FOREACH_NO_AUTOGRAD)
    _check_capturable(capturable, params)
    lr = _to_scalar(lr)
    if _use_foreach(foreach, params):
        return _multi_tensor_adamax(
            params,
            grads,
            exp_avgs,
            exp_infs,
            state_steps,
            eps=eps,
            beta1=beta1,
            beta2=beta2,
            lr=lr,
            weight_decay=weight_decay,
            maximize=maximize,
        )
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        exp_avg, exp_inf, step_t = exp_avgs[i], exp_infs[i], state_steps[i]
        step_t += 1
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        if torch.is_complex(param):
            param = torch.view_as_real(param)
            grad = torch.view_as_real(grad)
            exp_avg = torch.view_as_real(exp_avg)
            exp_inf = torch.view_as_real(exp_inf)
        exp_avg.lerp_(grad, 1 - beta1)
        if differentiable:
            # an out= maximum has no derivative: take the max of the stacked pair instead
            norm_buf = torch.cat(
                [exp_inf.mul_(beta2).unsqueeze(0), grad.abs().add_(eps).unsqueeze_(0)], 0
            )
            exp_inf.copy_(torch.amax(norm_buf, 0, keepdim=False))
        else:
            torch.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps), out=exp_inf)
        clr = lr / (1 - beta1 ** _get_value(step_t))
        param.addcdiv_(exp_avg, exp_inf, value=-clr)


def _multi_tensor_adamax(
    params, grads, exp_avgs, exp_infs, state_steps, *, eps, beta1, beta2, lr, weight_decay, maximize
):
    lists = [params, grads, exp_avgs, exp_infs, state_steps]
    for (p, g, avgs, infs, steps), _ in Optimizer._group_tensors_by_device_and_dtype(
        lists
    ).values():
        if any(torch.is_complex(t) for t in p):
            _view_as_real(p, g, avgs, infs)
        if maximize:
            g = torch._foreach_neg(g)
        torch._foreach_add_(steps, 1)
        if weight_decay != 0:
            g = _foreach_add_weight_decay(g, p, weight_decay, maximize)
        torch._foreach_lerp_(avgs, g, 1 - beta1)
        torch._foreach_mul_(infs, beta2)
        if not maximize and weight_decay == 0:
            g = torch._foreach_abs(g)  # g still holds the .grad tensors: no writes into them
        else:
            torch._foreach_abs_(g)
        torch._foreach_add_(g, eps)
        torch._foreach_maximum_(infs, g)
        step_size = [-(lr / (1 - beta1 ** _get_value(step))) for step in steps]
        torch._foreach_addcdiv_(p, avgs, infs, step_size)
