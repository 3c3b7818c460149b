"""NAdam: Adam with Nesterov momentum."""

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

__all__ = ["NAdam", "nadam"]


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam``.

    Args:
        params: parameters or parameter groups.
        lr (float): learning rate (default: 2e-3).
        betas (tuple[float, float]): moment decay rates (default: (0.9, 0.999)).
        eps (float): added to the denominator (default: 1e-8).
        weight_decay (float): L2 penalty, or decoupled decay (default: 0).
        momentum_decay (float): decay of the momentum schedule (default: 4e-3).
        decoupled_weight_decay (bool): AdamW-style decay (default: False).
        foreach (bool, optional): accepted; both settings run the for-loop.
        maximize (bool): maximize the objective (default: False).
        capturable (bool): needs accelerator tensors; True fails at ``step`` as on PyTorch's CPU.
        differentiable (bool): run ``step`` under autograd (default: False).
    """

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        momentum_decay=4e-3,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ):
        _validate_common(lr, eps=eps, betas=betas, weight_decay=weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _group_setdefaults(
            self,
            maximize=False,
            foreach=None,
            capturable=False,
            differentiable=False,
            decoupled_weight_decay=False,
        )
        _upgrade_step_state(self)
        for s in self.state.values():
            if "mu_product" in s and not torch.is_tensor(s["mu_product"]):
                s["mu_product"] = torch.tensor(s["mu_product"], dtype=_get_scalar_dtype())

    def _init_group(self, group, params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps):
        """Collect the parameters that have gradients, creating their state on first use."""

        def init_state(p, state):
            state["step"] = torch.tensor(0.0, dtype=_get_scalar_dtype())
            state["mu_product"] = torch.tensor(1.0, dtype=_get_scalar_dtype())
            state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)

        return _init_group_state(
            self,
            group,
            params,
            grads,
            "NAdam",
            init_state,
            [
                ("exp_avg", exp_avgs),
                ("exp_avg_sq", exp_avg_sqs),
                ("mu_product", mu_products),
                ("step", state_steps),
            ],
        )

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` recomputes and returns the loss)."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps = [], [], [], [], [], []
            self._init_group(group, params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps)
            beta1, beta2 = group["betas"]
            nadam(
                params,
                grads,
                exp_avgs,
                exp_avg_sqs,
                mu_products,
                state_steps,
                beta1=beta1,
                beta2=beta2,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                momentum_decay=group["momentum_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
                differentiable=group["differentiable"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
                foreach=group["foreach"],
                capturable=group["capturable"],
            )
        return loss


def nadam(
    params,
    grads,
    exp_avgs,
    exp_avg_sqs,
    mu_products,
    state_steps,
    decoupled_weight_decay=False,
    foreach=None,
    capturable=False,
    differentiable=False,
    has_complex=False,
    maximize=False,
    *,
    beta1,
    beta2,
    lr,
    weight_decay,
    momentum_decay,
    eps,
):
    """Functional NAdam: update ``params``, the moments and ``mu_products`` in place."""
    if foreach and differentiable and params:
        raise AssertionError(_FOREACH_NO_AUTOGRAD)
    _check_capturable(capturable, params, what="params, mu_products and state_steps")
    lr = _to_scalar(lr)
    if _use_foreach(foreach, params):
        return _multi_tensor_nadam(
            params,
            grads,
            exp_avgs,
            exp_avg_sqs,
            mu_products,
            state_steps,
            beta1=beta1,
            beta2=beta2,
            lr=lr,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            eps=eps,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        exp_avg, exp_avg_sq, mu_product, step_t = (
            exp_avgs[i],
            exp_avg_sqs[i],
            mu_products[i],
            state_steps[i],
        )
        if torch.is_complex(param):
            param = torch.view_as_real(param)
            grad = torch.view_as_real(grad)
            exp_avg = torch.view_as_real(exp_avg)
            exp_avg_sq = torch.view_as_real(exp_avg_sq)
        step_t += 1
        step = _get_value(step_t)
        bias_correction2 = 1 - beta2**step
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        # the momentum coefficients of this step and the next (Dozat's schedule)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product *= mu
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt()
        if differentiable:
            # the coefficients stay tensors (through mu_product) for autograd
            denom = denom.add(eps)
            mu_product_next = mu_product * mu_next
            grad = grad * (-lr * (1.0 - mu) / (1.0 - mu_product))
            exp_avg = exp_avg * (-lr * mu_next / (1.0 - mu_product_next))
            param.addcdiv_(grad, denom)
            param.addcdiv_(exp_avg, denom)
        else:
            mu_product_now = _get_value(mu_product)
            mu_product_next = mu_product_now * mu_next
            denom.add_(eps)
            param.addcdiv_(grad, denom, value=(-lr * (1.0 - mu) / (1.0 - mu_product_now)))
            param.addcdiv_(exp_avg, denom, value=(-lr * mu_next) / (1.0 - mu_product_next))


def _multi_tensor_nadam(
    params,
    grads,
    exp_avgs,
    exp_avg_sqs,
    mu_products,
    state_steps,
    *,
    beta1,
    beta2,
    lr,
    weight_decay,
    momentum_decay,
    eps,
    maximize,
    decoupled_weight_decay,
):
    lists = [params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps]
    for (p, g, avgs, sqs, mu_prods, steps), _ in Optimizer._group_tensors_by_device_and_dtype(
        lists
    ).values():
        if any(torch.is_complex(t) for t in p):
            _view_as_real(p, g, avgs, sqs)
        if maximize:
            g = torch._foreach_neg(g)
        torch._foreach_add_(steps, 1)
        if weight_decay != 0:
            if decoupled_weight_decay:
                torch._foreach_mul_(p, 1 - lr * weight_decay)
            else:
                g = _foreach_add_weight_decay(g, p, weight_decay, maximize)
        torch._foreach_lerp_(avgs, g, 1 - beta1)
        torch._foreach_mul_(sqs, beta2)
        torch._foreach_addcmul_(sqs, g, g, 1 - beta2)
        denom = torch._foreach_sqrt(sqs)

        counts = [_get_value(step) for step in steps]
        bias_correction_sqrt = [(1 - beta2**n) ** 0.5 for n in counts]
        mus = [beta1 * (1.0 - 0.5 * (0.96 ** (n * momentum_decay))) for n in counts]
        mu_nexts = [beta1 * (1.0 - 0.5 * (0.96 ** ((n + 1) * momentum_decay))) for n in counts]
        torch._foreach_mul_(mu_prods, mus)
        torch._foreach_div_(denom, bias_correction_sqrt)
        torch._foreach_add_(denom, eps)

        products = [_get_value(mp) for mp in mu_prods]
        step_size_grads = [-(lr * (1.0 - mu) / (1.0 - mp)) for mp, mu in zip(products, mus)]
        step_size_avgs = [
            -(lr * mu_next / (1.0 - mp * mu_next)) for mp, mu_next in zip(products, mu_nexts)
        ]
        torch._foreach_addcdiv_(p, g, denom, step_size_grads)
        torch._foreach_addcdiv_(p, avgs, denom, step_size_avgs)
