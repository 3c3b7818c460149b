"""Adam (and, with ``decoupled_weight_decay=True``, AdamW)."""

from functools import partial

import kindling as torch

from .optimizer import (
    Optimizer,
    _check_capturable,
    _check_fused,
    _closure_loss,
    _foreach_add_weight_decay,
    _FOREACH_NO_AUTOGRAD,
    _get_value,
    _group_setdefaults,
    _init_group_state,
    _requires_grad,
    _to_scalar,
    _upgrade_step_state,
    _use_foreach,
    _use_grad_for_differentiable,
    _validate_common,
    _zeros_state,
)

__all__ = ["Adam", "adam"]


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``.

    Args:
        params: parameters or parameter groups.
        lr (float): learning rate (default: 1e-3).
        betas (tuple[float, float]): decay rates of the first and second moment averages
            (default: (0.9, 0.999)).
        eps (float): added to the denominator (default: 1e-8).
        weight_decay (float): L2 penalty, or decoupled decay with ``decoupled_weight_decay``
            (default: 0).
        amsgrad (bool): use the running maximum of the second moment (default: False).
        foreach (bool, optional): use the ``_foreach_*`` multi-tensor ops (default: None, the
            for-loop).
        maximize (bool): maximize the objective (default: False).
        capturable (bool): needs accelerator tensors; True fails at ``step`` as on PyTorch's CPU.
        differentiable (bool): run ``step`` under autograd (default: False).
        fused (bool, optional): not supported (True raises NotImplementedError).
        decoupled_weight_decay (bool): AdamW's decay of the parameters (default: False).
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
        fused=None,
        decoupled_weight_decay=False,
    ):
        if isinstance(lr, torch.Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        _validate_common(lr, eps=eps, betas=betas, weight_decay=weight_decay)
        both_float = isinstance(betas[0], float) and isinstance(betas[1], float)
        both_tensor = isinstance(betas[0], torch.Tensor) and isinstance(betas[1], torch.Tensor)
        if not (both_float or both_tensor):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], torch.Tensor):
                if not capturable and foreach:
                    raise ValueError(
                        f"betas[{i}] as a Tensor is not supported for "
                        "capturable=False and foreach=True"
                    )
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(map(_to_scalar, betas))
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        _group_setdefaults(
            self,
            amsgrad=False,
            maximize=False,
            foreach=None,
            capturable=False,
            differentiable=False,
            decoupled_weight_decay=False,
            fused=None,
        )
        _upgrade_step_state(self, require_step=True)

    def _init_group(
        self, group, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps
    ):
        state_lists = [("exp_avg", exp_avgs), ("exp_avg_sq", exp_avg_sqs)]
        if group["amsgrad"]:
            state_lists.append(("max_exp_avg_sq", max_exp_avg_sqs))
        state_lists.append(("step", state_steps))
        buffers = [key for key, _ in state_lists if key != "step"]

        def check_state(state):
            if group["differentiable"] and state["step"].requires_grad:
                raise RuntimeError(
                    "`requires_grad` is not supported for `step` in differentiable mode"
                )
            if group["foreach"] and torch.is_tensor(group["lr"]) and not group["capturable"]:
                raise RuntimeError(
                    "lr as a Tensor is not supported for capturable=False and foreach=True"
                )

        return _init_group_state(
            self,
            group,
            params,
            grads,
            "Adam",
            _zeros_state(*buffers),
            state_lists,
            sparse_hint=", please consider SparseAdam instead",
            check_state=check_state,
        )

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` recomputes and returns the loss)."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps = (
                [],
                [],
                [],
                [],
                [],
                [],
            )
            beta1, beta2 = group["betas"]
            self._init_group(
                group, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps
            )
            adam(
                params,
                grads,
                exp_avgs,
                exp_avg_sqs,
                max_exp_avg_sqs,
                state_steps,
                amsgrad=group["amsgrad"],
                beta1=beta1,
                beta2=beta2,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
                foreach=group["foreach"],
                capturable=group["capturable"],
                differentiable=group["differentiable"],
                fused=group["fused"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
            )
        return loss


def adam(
    params,
    grads,
    exp_avgs,
    exp_avg_sqs,
    max_exp_avg_sqs,
    state_steps,
    foreach=None,
    capturable=False,
    differentiable=False,
    fused=None,
    grad_scale=None,
    found_inf=None,
    has_complex=False,
    decoupled_weight_decay=False,
    *,
    amsgrad,
    beta1,
    beta2,
    lr,
    weight_decay,
    eps,
    maximize,
):
    """Functional Adam: update ``params`` and the moment tensors in place."""
    if fused:
        raise NotImplementedError(
            "kindling.optim: fused=True (fused optimizer kernels) is not implemented"
        )
    if not all(isinstance(t, torch.Tensor) for t in state_steps):
        raise RuntimeError(
            "API has changed, `state_steps` argument must contain a list of singleton tensors"
        )
    _check_capturable(capturable, params)
    if _use_foreach(foreach, params):
        if differentiable:
            raise AssertionError(_FOREACH_NO_AUTOGRAD)
        func = _multi_tensor_adam
    else:
        func = partial(_single_tensor_adam, differentiable=differentiable)
    func(
        params,
        grads,
        exp_avgs,
        exp_avg_sqs,
        max_exp_avg_sqs,
        state_steps,
        amsgrad=amsgrad,
        beta1=_to_scalar(beta1),
        beta2=_to_scalar(beta2),
        lr=_to_scalar(lr),
        weight_decay=weight_decay,
        eps=eps,
        maximize=maximize,
        decoupled_weight_decay=decoupled_weight_decay,
    )


def _single_tensor_adam(
    params,
    grads,
    exp_avgs,
    exp_avg_sqs,
    max_exp_avg_sqs,
    state_steps,
    *,
    amsgrad,
    beta1,
    beta2,
    lr,
    weight_decay,
    eps,
    maximize,
    decoupled_weight_decay,
    differentiable=False,
):
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        exp_avg, exp_avg_sq, step_t = exp_avgs[i], exp_avg_sqs[i], state_steps[i]
        step_t += 1
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            elif differentiable and _requires_grad(weight_decay):
                grad = grad.addcmul_(param.clone(), weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        if torch.is_complex(param):
            # the moments of a complex parameter are kept per real/imaginary part
            grad = torch.view_as_real(grad)
            exp_avg = torch.view_as_real(exp_avg)
            exp_avg_sq = torch.view_as_real(exp_avg_sq)
            if amsgrad:
                max_exp_avg_sqs[i] = torch.view_as_real(max_exp_avg_sqs[i])
            param = torch.view_as_real(param)

        exp_avg.lerp_(grad, 1 - beta1)
        if differentiable and _requires_grad(beta2):
            exp_avg_sq.lerp_(torch.square(grad), weight=1 - beta2)
        else:
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)

        update = _differentiable_adam_update if differentiable else _adam_update
        update(
            param, exp_avg, exp_avg_sq, max_exp_avg_sqs, i, step_t, amsgrad, beta1, beta2, lr, eps
        )
        if amsgrad and torch.is_complex(params[i]):
            max_exp_avg_sqs[i] = torch.view_as_complex(max_exp_avg_sqs[i])


def _adam_update(
    param, exp_avg, exp_avg_sq, max_exp_avg_sqs, i, step_t, amsgrad, beta1, beta2, lr, eps
):
    # bias corrections as Python numbers: the step count is read out of its tensor
    step = _get_value(step_t)
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2**0.5
    if amsgrad:
        torch.maximum(max_exp_avg_sqs[i], exp_avg_sq, out=max_exp_avg_sqs[i])
        denom = (max_exp_avg_sqs[i].sqrt() / bias_correction2_sqrt).add_(eps)
    else:
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
    param.addcdiv_(exp_avg, denom, value=-step_size)


def _differentiable_adam_update(
    param, exp_avg, exp_avg_sq, max_exp_avg_sqs, i, step_t, amsgrad, beta1, beta2, lr, eps
):
    # bias corrections as tensors, so autograd sees every dependency; no in-place writes to
    # tensors the graph still needs (hence the clones)
    step = step_t
    step_for_beta1 = step.clone() if _requires_grad(beta1) else step
    step_for_beta2 = step.clone() if _requires_grad(beta2) else step
    bias_correction1 = 1 - beta1**step_for_beta1
    bias_correction2 = 1 - beta2**step_for_beta2
    step_size_neg = (lr / bias_correction1).neg()
    bias_correction2_sqrt = bias_correction2.sqrt()
    if amsgrad:
        max_exp_avg_sq = max_exp_avg_sqs[i].clone()
        max_exp_avg_sqs[i].copy_(torch.maximum(max_exp_avg_sq, exp_avg_sq))
        second = max_exp_avg_sqs[i]
    else:
        second = exp_avg_sq
    denom = (second.sqrt() / (bias_correction2_sqrt * step_size_neg)).add_(eps / step_size_neg)
    param.addcdiv_(exp_avg.clone(), denom)


def _multi_tensor_adam(
    params,
    grads,
    exp_avgs,
    exp_avg_sqs,
    max_exp_avg_sqs,
    state_steps,
    *,
    amsgrad,
    beta1,
    beta2,
    lr,
    weight_decay,
    eps,
    maximize,
    decoupled_weight_decay,
):
    if any(torch.is_complex(p) for p in params):
        # complex parameters go through the for-loop (same arithmetic, views per tensor)
        return _single_tensor_adam(
            params,
            grads,
            exp_avgs,
            exp_avg_sqs,
            max_exp_avg_sqs,
            state_steps,
            amsgrad=amsgrad,
            beta1=beta1,
            beta2=beta2,
            lr=lr,
            weight_decay=weight_decay,
            eps=eps,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
    if maximize:
        grads = torch._foreach_neg(grads)
    torch._foreach_add_(state_steps, 1)
    if weight_decay != 0:
        if decoupled_weight_decay:
            torch._foreach_mul_(params, 1 - lr * weight_decay)
        else:
            grads = _foreach_add_weight_decay(grads, params, weight_decay, maximize)
    torch._foreach_lerp_(exp_avgs, grads, 1 - beta1)
    torch._foreach_mul_(exp_avg_sqs, beta2)
    torch._foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - beta2)

    bias_correction1 = [1 - beta1 ** _get_value(step) for step in state_steps]
    bias_correction2 = [1 - beta2 ** _get_value(step) for step in state_steps]
    step_size = [-(lr / bc) for bc in bias_correction1]
    bias_correction2_sqrt = [bc**0.5 for bc in bias_correction2]
    if amsgrad:
        torch._foreach_maximum_(max_exp_avg_sqs, exp_avg_sqs)
        denom = torch._foreach_sqrt(max_exp_avg_sqs)
    else:
        denom = torch._foreach_sqrt(exp_avg_sqs)
    torch._foreach_div_(denom, bias_correction2_sqrt)
    torch._foreach_add_(denom, eps)
    torch._foreach_addcdiv_(params, exp_avgs, denom, step_size)
