"""ASGD: averaged stochastic gradient descent."""

import kindling as torch

from .optimizer import (
    Optimizer,
    _check_capturable,
    _closure_loss,
    _foreach_add_weight_decay,
    _FOREACH_NO_AUTOGRAD,
    _get_scalar_dtype,
    _get_value,
    _group_setdefaults,
    _init_group_state,
    _to_scalar,
    _upgrade_step_state,
    _use_foreach,
    _use_grad_for_differentiable,
    _validate_common,
    _view_as_real,
)

__all__ = ["ASGD", "asgd"]


class ASGD(Optimizer):
    """ASGD, as ``torch.optim.ASGD``.

    Args:
        params: parameters or parameter groups.
        lr (float): learning rate (default: 1e-2).
        lambd (float): decay term (default: 1e-4).
        alpha (float): power for the eta update (default: 0.75).
        t0 (float): step at which averaging starts (default: 1e6).
        weight_decay (float): L2 penalty (default: 0).
        foreach (bool, optional): accepted; both settings run the for-loop.
        maximize (bool): maximize the objective (default: False).
        differentiable (bool): run ``step`` under autograd (default: False).
        capturable (bool): needs accelerator tensors; True fails at ``step`` as on PyTorch's CPU.
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lambd=1e-4,
        alpha=0.75,
        t0=1e6,
        weight_decay=0,
        foreach=None,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        _validate_common(lr, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
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
        for s in self.state.values():
            for key in ("eta", "mu"):
                if key in s and not torch.is_tensor(s[key]):
                    s[key] = torch.tensor(float(s[key]), dtype=_get_scalar_dtype())

    def _init_group(self, group, params, grads, mus, axs, etas, state_steps):
        """Collect the parameters that have gradients, creating their state on first use."""

        def init_state(p, state):
            state["step"] = torch.zeros((), dtype=_get_scalar_dtype())
            state["eta"] = (
                torch.as_tensor(_to_scalar(group["lr"]), dtype=_get_scalar_dtype()).clone().detach()
            )
            state["mu"] = torch.ones((), dtype=_get_scalar_dtype())
            state["ax"] = torch.zeros_like(p, memory_format=torch.preserve_format)

        return _init_group_state(
            self,
            group,
            params,
            grads,
            "ASGD",
            init_state,
            [("mu", mus), ("ax", axs), ("eta", etas), ("step", state_steps)],
        )

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` recomputes and returns the loss)."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params, grads, mus, axs, etas, state_steps = [], [], [], [], [], []
            self._init_group(group, params, grads, mus, axs, etas, state_steps)
            asgd(
                params,
                grads,
                axs,
                mus,
                etas,
                state_steps,
                lambd=group["lambd"],
                lr=group["lr"],
                t0=group["t0"],
                alpha=group["alpha"],
                weight_decay=group["weight_decay"],
                foreach=group["foreach"],
                maximize=group["maximize"],
                differentiable=group["differentiable"],
                capturable=group["capturable"],
            )
        return loss


def asgd(
    params,
    grads,
    axs,
    mus,
    etas,
    state_steps,
    foreach=None,
    maximize=False,
    differentiable=False,
    capturable=False,
    has_complex=False,
    *,
    lambd,
    lr,
    t0,
    alpha,
    weight_decay,
):
    """Functional ASGD: update ``params``, the averages ``axs``, ``mus`` and ``etas`` in place."""
    if foreach and differentiable and params:
        raise AssertionError(_FOREACH_NO_AUTOGRAD)
    _check_capturable(capturable, params, what="params, mus, etas, and state_steps")
    lr = _to_scalar(lr)
    if _use_foreach(foreach, params):
        return _multi_tensor_asgd(
            params,
            grads,
            axs,
            mus,
            etas,
            state_steps,
            lambd=lambd,
            lr=lr,
            t0=t0,
            alpha=alpha,
            weight_decay=weight_decay,
            maximize=maximize,
        )
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        mu, ax, eta, step_t = mus[i], axs[i], etas[i], state_steps[i]
        if torch.is_complex(param):
            grad = torch.view_as_real(grad)
            param = torch.view_as_real(param)
            ax = torch.view_as_real(ax)
        step_t += 1
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        eta_value = _get_value(eta)
        param.mul_(1 - lambd * eta_value)
        param.add_(grad, alpha=-eta_value)
        if mu.item() != 1:
            ax.add_(param.sub(ax).mul_(mu))
        else:
            ax.copy_(param)
        step = _get_value(step_t)
        eta.copy_(torch.as_tensor(lr / ((1 + lambd * lr * step) ** alpha)))
        mu.copy_(torch.as_tensor(1 / max(1, step - t0)))


def _multi_tensor_asgd(
    params, grads, axs, mus, etas, state_steps, *, lambd, lr, t0, alpha, weight_decay, maximize
):
    lists = [params, grads, axs, mus, etas, state_steps]
    for (p, g, ax, mu, eta, steps), _ in Optimizer._group_tensors_by_device_and_dtype(
        lists
    ).values():
        if any(torch.is_complex(t) for t in p):
            _view_as_real(p, g, ax)
        if maximize:
            g = torch._foreach_neg(g)
        torch._foreach_add_(steps, 1)
        # decay and gradient step together: p -= eta * (g + weight_decay*p + lambd*p)
        if weight_decay != 0:
            intermediate = _foreach_add_weight_decay(g, p, weight_decay, maximize)
            torch._foreach_add_(intermediate, p, alpha=lambd)
        else:
            intermediate = torch._foreach_add(g, p, alpha=lambd)
        torch._foreach_addcmul_(p, intermediate, eta, value=-1)
        torch._foreach_addcmul_(ax, torch._foreach_sub(p, ax), mu)
        new_etas = [torch.as_tensor(lr / ((1 + lambd * lr * step) ** alpha)) for step in steps]
        new_mus = [torch.as_tensor(1 / max(1, _get_value(step) - t0)) for step in steps]
        torch._foreach_copy_(eta, new_etas)
        torch._foreach_copy_(mu, new_mus)
