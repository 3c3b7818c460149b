"""RAdam: Adam with a rectified adaptive learning rate."""

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

__all__ = ["RAdam", "radam"]


class RAdam(Optimizer):
    """RAdam, as ``torch.optim.RAdam``.

    Args:
        params: parameters or parameter groups.
        lr (float): learning rate (default: 1e-3).
        betas (tuple[float, float]): moment decay rates (default: (0.9, 0.999)).
        eps (float): added to the denominator (default: 1e-8).
        weight_decay (float): L2 penalty, or decoupled decay (default: 0).
        decoupled_weight_decay (bool): AdamW-style decay (default: False).
        foreach (bool, optional): accepted; both settings run the for-loop.
        maximize (bool): maximize the objective (default: False).
        capturable (bool): needs accelerator tensors; True fails at ``step`` as on PyTorch's CPU.
        differentiable (bool): run ``step`` under autograd (default: False).
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ):
        _validate_common(lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _group_setdefaults(
            self,
            foreach=None,
            maximize=False,
            differentiable=False,
            decoupled_weight_decay=False,
            capturable=False,
        )
        _upgrade_step_state(self)

    def _init_group(self, group, params, grads, exp_avgs, exp_avg_sqs, state_steps):
        """Collect the parameters that have gradients, creating their state on first use."""
        return _init_group_state(
            self,
            group,
            params,
            grads,
            "RAdam",
            _zeros_state("exp_avg", "exp_avg_sq"),
            [("exp_avg", exp_avgs), ("exp_avg_sq", exp_avg_sqs), ("step", state_steps)],
        )

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` recomputes and returns the loss)."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, state_steps = [], [], [], [], []
            self._init_group(group, params, grads, exp_avgs, exp_avg_sqs, state_steps)
            beta1, beta2 = group["betas"]
            radam(
                params,
                grads,
                exp_avgs,
                exp_avg_sqs,
                state_steps,
                beta1=beta1,
                beta2=beta2,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
                differentiable=group["differentiable"],
                foreach=group["foreach"],
                capturable=group["capturable"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
            )
        return loss


def radam(
    params,
    grads,
    exp_avgs,
    exp_avg_sqs,
    state_steps,
    decoupled_weight_decay=False,
    foreach=None,
    differentiable=False,
    capturable=False,
    has_complex=False,
    maximize=False,
    *,
    beta1,
    beta2,
    lr,
    weight_decay,
    eps,
):
    """Functional RAdam: update ``params`` and the moments in place."""
    if foreach and differentiable and params:
        raise AssertionError(_FOREACH_NO_AUTOGRAD)
    _check_capturable(capturable, params)
    lr = _to_scalar(lr)
    if _use_foreach(foreach, params):
        return _multi_tensor_radam(
            params,
            grads,
            exp_avgs,
            exp_avg_sqs,
            state_steps,
            beta1=beta1,
            beta2=beta2,
            lr=lr,
            weight_decay=weight_decay,
            eps=eps,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
    # the limit of the length of the approximated simple moving average
    rho_inf = 2 / (1 - beta2) - 1
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        exp_avg, exp_avg_sq, step_t = exp_avgs[i], exp_avg_sqs[i], state_steps[i]
        if torch.is_complex(param):
            param = torch.view_as_real(param)
            grad = torch.view_as_real(grad)
            exp_avg = torch.view_as_real(exp_avg)
            exp_avg_sq = torch.view_as_real(exp_avg_sq)
        step_t += 1
        step = _get_value(step_t)
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        bias_corrected_exp_avg = exp_avg / bias_correction1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            # variance is tractable: rectified adaptive step
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            adaptive_lr = (bias_correction2**0.5) / (
                exp_avg_sq.sqrt().add(eps) if differentiable else exp_avg_sq.sqrt().add_(eps)
            )
            param.add_(bias_corrected_exp_avg * lr * adaptive_lr * rect, alpha=-1.0)
        else:
            param.add_(bias_corrected_exp_avg * lr, alpha=-1.0)


def _multi_tensor_radam(
    params,
    grads,
    exp_avgs,
    exp_avg_sqs,
    state_steps,
    *,
    beta1,
    beta2,
    lr,
    weight_decay,
    eps,
    maximize,
    decoupled_weight_decay,
):
    rho_inf = 2 / (1 - beta2) - 1
    lists = [params, grads, exp_avgs, exp_avg_sqs, state_steps]
    for (p, g, avgs, sqs, steps), _ in Optimizer._group_tensors_by_device_and_dtype(lists).values():
        torch._foreach_add_(steps, 1)
        if any(torch.is_complex(t) for t in p):
            _view_as_real(p, g, avgs, sqs)
        if maximize:
            g = torch._foreach_neg(g)
        counts = [_get_value(step) for step in steps]
        rho_ts = [rho_inf - 2 * n * (beta2**n) / (1 - beta2**n) for n in counts]
        if weight_decay != 0:
            if decoupled_weight_decay:
                torch._foreach_mul_(p, 1 - lr * weight_decay)
            else:
                g = _foreach_add_weight_decay(g, p, weight_decay, maximize)
        torch._foreach_lerp_(avgs, g, 1 - beta1)
        torch._foreach_mul_(sqs, beta2)
        torch._foreach_addcmul_(sqs, g, g, 1 - beta2)

        # per tensor: rectified adaptive step (rect > 0) or plain momentum step (rect == 0)
        rects = [
            (
                ((r - 4) * (r - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * r)) ** 0.5
                if r > 5
                else 0
            )
            for r in rho_ts
        ]
        bias_correction1 = [1 - beta1**n for n in counts]
        plain_step = [
            -(lr * (0 if rect > 0 else 1.0) / bc) for rect, bc in zip(rects, bias_correction1)
        ]
        adaptive_scale = [
            ((1 - beta2**n) ** 0.5) * (lr * rect / bc) * -1
            for n, rect, bc in zip(counts, rects, bias_correction1)
        ]
        # buffer = adaptive_scale / (sqrt(v) + eps) + plain_step, built in place
        buffer = torch._foreach_sqrt(sqs)
        torch._foreach_add_(buffer, eps)
        torch._foreach_div_(buffer, adaptive_scale)
        torch._foreach_reciprocal_(buffer)
        torch._foreach_add_(buffer, plain_step)
        torch._foreach_addcmul_(p, avgs, buffer)
