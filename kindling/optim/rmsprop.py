"""RMSprop, optionally centered and with momentum."""

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
    _validate_nonneg,
    _view_as_real,
    _zeros_state,
)

__all__ = ["RMSprop", "rmsprop"]


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    Args:
        params: parameters or parameter groups.
        lr (float): learning rate (default: 1e-2).
        alpha (float): smoothing constant of the squared-gradient average (default: 0.99).
        eps (float): added to the denominator (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        momentum (float): momentum factor (default: 0).
        centered (bool): normalise by the estimated variance of the gradient (default: False).
        capturable (bool): needs accelerator tensors; True fails at ``step`` as on PyTorch's CPU.
        foreach (bool, optional): use the ``_foreach_*`` multi-tensor ops (default: None, the
            for-loop).
        maximize (bool): maximize the objective (default: False).
        differentiable (bool): run ``step`` under autograd (default: False).
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        _validate_common(lr, eps=eps)
        _validate_nonneg(momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _group_setdefaults(
            self,
            momentum=0,
            centered=False,
            foreach=None,
            maximize=False,
            differentiable=False,
            capturable=False,
        )
        _upgrade_step_state(self, require_step=True)

    def _init_group(
        self, group, params, grads, square_avgs, momentum_buffer_list, grad_avgs, state_steps
    ):
        state_lists = [("square_avg", square_avgs), ("step", state_steps)]
        if group["momentum"] > 0:
            state_lists.append(("momentum_buffer", momentum_buffer_list))
        if group["centered"]:
            state_lists.append(("grad_avg", grad_avgs))
        buffers = [key for key, _ in state_lists if key != "step"]
        return _init_group_state(
            self, group, params, grads, "RMSprop", _zeros_state(*buffers), state_lists
        )

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` recomputes and returns the loss)."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps = (
                [],
                [],
                [],
                [],
                [],
                [],
            )
            self._init_group(
                group, params, grads, square_avgs, momentum_buffer_list, grad_avgs, state_steps
            )
            rmsprop(
                params,
                grads,
                square_avgs,
                grad_avgs,
                momentum_buffer_list,
                state_steps,
                lr=group["lr"],
                alpha=group["alpha"],
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                momentum=group["momentum"],
                centered=group["centered"],
                foreach=group["foreach"],
                maximize=group["maximize"],
                differentiable=group["differentiable"],
                capturable=group["capturable"],
            )
        return loss


def rmsprop(
    params,
    grads,
    square_avgs,
    grad_avgs,
    momentum_buffer_list,
    state_steps,
    foreach=None,
    maximize=False,
    differentiable=False,
    capturable=False,
    has_complex=False,
    *,
    lr,
    alpha,
    eps,
    weight_decay,
    momentum,
    centered,
):
    """Functional RMSprop: update ``params`` and the running averages in place."""
    if foreach and differentiable and params:
        raise AssertionError(_FOREACH_NO_AUTOGRAD)
    if not all(isinstance(t, torch.Tensor) for t in state_steps):
        raise RuntimeError(
            "API has changed, `state_steps` argument must contain a list of singleton tensors"
        )
    _check_capturable(capturable, params)
    func = _multi_tensor_rmsprop if _use_foreach(foreach, params) else _single_tensor_rmsprop
    func(
        params,
        grads,
        square_avgs,
        grad_avgs,
        momentum_buffer_list,
        state_steps,
        lr=_to_scalar(lr),
        alpha=alpha,
        eps=eps,
        weight_decay=weight_decay,
        momentum=momentum,
        centered=centered,
        maximize=maximize,
        differentiable=differentiable,
    )


def _single_tensor_rmsprop(
    params,
    grads,
    square_avgs,
    grad_avgs,
    momentum_buffer_list,
    state_steps,
    *,
    lr,
    alpha,
    eps,
    weight_decay,
    momentum,
    centered,
    maximize,
    differentiable,
):
    for i, param in enumerate(params):
        step = state_steps[i]
        grad = -grads[i] if maximize else grads[i]
        square_avg = square_avgs[i]
        step += 1
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        is_complex_param = torch.is_complex(param)
        if is_complex_param:
            param = torch.view_as_real(param)
            grad = torch.view_as_real(grad)
            square_avg = torch.view_as_real(square_avg)
        square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if centered:
            grad_avg = grad_avgs[i]
            if is_complex_param:
                grad_avg = torch.view_as_real(grad_avg)
            grad_avg.lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        # out of place under autograd: ``avg`` may be a view the graph still needs
        avg = avg.add(eps) if differentiable else avg.add_(eps)
        if momentum > 0:
            buf = momentum_buffer_list[i]
            if is_complex_param:
                buf = torch.view_as_real(buf)
            buf.mul_(momentum).addcdiv_(grad, avg)
            param.add_(buf, alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


def _multi_tensor_rmsprop(
    params,
    grads,
    square_avgs,
    grad_avgs,
    momentum_buffer_list,
    state_steps,
    *,
    lr,
    alpha,
    eps,
    weight_decay,
    momentum,
    centered,
    maximize,
    differentiable,
):
    lists = [params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps]
    for (p, g, sq, gavg, bufs, steps), _ in Optimizer._group_tensors_by_device_and_dtype(
        lists
    ).values():
        if any(torch.is_complex(t) for t in p):
            extra = ([bufs] if momentum > 0 else []) + ([gavg] if centered else [])
            _view_as_real(p, g, sq, *extra)
        if maximize:
            g = torch._foreach_neg(g)
        torch._foreach_add_(steps, 1)
        if weight_decay != 0:
            g = _foreach_add_weight_decay(g, p, weight_decay, maximize)
        torch._foreach_mul_(sq, alpha)
        torch._foreach_addcmul_(sq, g, g, value=1 - alpha)
        if centered:
            torch._foreach_lerp_(gavg, g, 1 - alpha)
            avg = torch._foreach_addcmul(sq, gavg, gavg, value=-1)
            torch._foreach_sqrt_(avg)
        else:
            avg = torch._foreach_sqrt(sq)
        torch._foreach_add_(avg, eps)
        if momentum > 0:
            torch._foreach_mul_(bufs, momentum)
            torch._foreach_addcdiv_(bufs, g, avg)
            torch._foreach_add_(p, bufs, alpha=-lr)
        else:
            torch._foreach_addcdiv_(p, g, avg, value=-lr)
