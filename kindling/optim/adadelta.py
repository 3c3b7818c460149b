"""Adadelta."""

import kindling as torch

from .optimizer import (
    Optimizer,
    _check_capturable,
    _closure_loss,
    _foreach_add_weight_decay,
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

__all__ = ["Adadelta", "adadelta"]


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta``.

    Args:
        params: parameters or parameter groups.
        lr (float): scale of the delta (default: 1.0).
        rho (float): decay of the running averages (default: 0.9).
        eps (float): added inside the square roots (default: 1e-6).
        weight_decay (float): L2 penalty (default: 0).
        foreach (bool, optional): accepted; both settings run the for-loop.
        capturable (bool): needs accelerator tensors; True fails at ``step`` as on PyTorch's CPU.
        maximize (bool): maximize the objective (default: False).
        differentiable (bool): run ``step`` under autograd (default: False).
    """

    def __init__(
        self,
        params,
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0,
        foreach=None,
        *,
        capturable=False,
        maximize=False,
        differentiable=False,
    ):
        _validate_common(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _validate_common(0.0, eps=eps, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _group_setdefaults(
            self, foreach=None, maximize=False, differentiable=False, capturable=False
        )
        _upgrade_step_state(self)

    def _init_group(self, group, params, grads, square_avgs, acc_deltas, state_steps):
        """Collect the parameters that have gradients, creating their state on first use."""
        return _init_group_state(
            self,
            group,
            params,
            grads,
            "Adadelta",
            _zeros_state("square_avg", "acc_delta"),
            [("square_avg", square_avgs), ("acc_delta", acc_deltas), ("step", state_steps)],
        )

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` recomputes and returns the loss)."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params, grads, square_avgs, acc_deltas, state_steps = [], [], [], [], []
            self._init_group(group, params, grads, square_avgs, acc_deltas, state_steps)
            adadelta(
                params,
                grads,
                square_avgs,
                acc_deltas,
                state_steps,
                lr=group["lr"],
                rho=group["rho"],
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                foreach=group["foreach"],
                maximize=group["maximize"],
                differentiable=group["differentiable"],
                capturable=group["capturable"],
            )
        return loss


def adadelta(
    params,
    grads,
    square_avgs,
    acc_deltas,
    state_steps,
    capturable=False,
    foreach=None,
    differentiable=False,
    has_complex=False,
    *,
    lr,
    rho,
    eps,
    weight_decay,
    maximize,
):
    """Functional Adadelta: update ``params`` and the running averages in place."""
    if foreach and differentiable:
        raise AssertionError(_FOREACH_NO_AUTOGRAD)
    _check_capturable(capturable, params, supports_xla=False)
    lr = _to_scalar(lr)
    if _use_foreach(foreach, params):
        return _multi_tensor_adadelta(
            params,
            grads,
            square_avgs,
            acc_deltas,
            state_steps,
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
        )
    for param, grad, square_avg, acc_delta, step in zip(
        params, grads, square_avgs, acc_deltas, state_steps
    ):
        step += 1
        grad = -grad if maximize else grad
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        complex_param = torch.is_complex(param)
        if complex_param:
            square_avg = torch.view_as_real(square_avg)
            acc_delta = torch.view_as_real(acc_delta)
            grad = torch.view_as_real(grad)
        square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
        std = square_avg.add(eps).sqrt_()
        delta = acc_delta.add(eps).sqrt_()
        if differentiable:
            delta = delta.clone()
        delta.div_(std).mul_(grad)
        acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        if complex_param:
            delta = torch.view_as_complex(delta)
        param.add_(delta, alpha=-lr)


def _multi_tensor_adadelta(
    params, grads, square_avgs, acc_deltas, state_steps, *, lr, rho, eps, weight_decay, maximize
):
    lists = [params, grads, square_avgs, acc_deltas, state_steps]
    for (p, g, sq, acc, steps), _ in Optimizer._group_tensors_by_device_and_dtype(lists).values():
        if any(torch.is_complex(t) for t in p):
            _view_as_real(p, g, sq, acc)
        torch._foreach_add_(steps, 1)
        if maximize:
            g = torch._foreach_neg(g)
        if weight_decay != 0:
            g = _foreach_add_weight_decay(g, p, weight_decay, maximize)
        torch._foreach_mul_(sq, rho)
        torch._foreach_addcmul_(sq, g, g, value=1 - rho)
        std = torch._foreach_add(sq, eps)
        torch._foreach_sqrt_(std)
        deltas = torch._foreach_add(acc, eps)
        torch._foreach_sqrt_(deltas)
        torch._foreach_div_(deltas, std)
        torch._foreach_mul_(deltas, g)
        torch._foreach_mul_(acc, rho)
        torch._foreach_addcmul_(acc, deltas, deltas, value=1 - rho)
        torch._foreach_add_(p, deltas, alpha=-lr)
