"""Adagrad."""

import kindling as torch

from .optimizer import (
    Optimizer,
    _check_fused,
    _closure_loss,
    _foreach_add_weight_decay,
    _FOREACH_NO_AUTOGRAD,
    _get_scalar_dtype,
    _get_value,
    _group_setdefaults,
    _to_scalar,
    _use_foreach,
    _use_grad_for_differentiable,
    _validate_common,
    _validate_nonneg,
    _view_as_real,
)

__all__ = ["Adagrad", "adagrad"]


def _initial_sum(p, initial_accumulator_value):
    value = initial_accumulator_value
    if torch.is_complex(p):
        value = complex(initial_accumulator_value, initial_accumulator_value)
    return torch.full_like(p, value, memory_format=torch.preserve_format)


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``.

    Args:
        params: parameters or parameter groups.
        lr (float): learning rate (default: 1e-2).
        lr_decay (float): learning rate decay (default: 0).
        weight_decay (float): L2 penalty (default: 0).
        initial_accumulator_value (float): starting value of the squared-gradient sums (default: 0).
        eps (float): added to the denominator (default: 1e-10).
        foreach (bool, optional): use the ``_foreach_*`` multi-tensor ops (default: None, the
            for-loop).
        maximize (bool): maximize the objective (default: False).
        differentiable (bool): run ``step`` under autograd (default: False).
        fused (bool, optional): not supported (True raises NotImplementedError).
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ):
        _validate_common(lr)
        _validate_nonneg(
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            epsilon=eps,
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)
        # Adagrad creates its state eagerly, at construction
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = torch.tensor(0.0, dtype=_get_scalar_dtype())
                state["sum"] = _initial_sum(p, initial_accumulator_value)

    def __setstate__(self, state):
        super().__setstate__(state)
        _group_setdefaults(self, foreach=None, maximize=False, differentiable=False, fused=None)
        for s in self.state.values():
            if "step" in s and not torch.is_tensor(s["step"]):
                s["step"] = torch.tensor(float(s["step"]), dtype=_get_scalar_dtype())

    def share_memory(self):
        """Move the ``sum`` state tensors to shared memory."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    def _init_group(self, group, params, grads, state_sums, state_steps):
        has_sparse_grad = False
        has_complex = False
        for p in group["params"]:
            if p.grad is None:
                continue
            params.append(p)
            has_complex |= torch.is_complex(p)
            has_sparse_grad |= p.grad.is_sparse
            grads.append(p.grad)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = torch.tensor(0.0, dtype=_get_scalar_dtype())
                state["sum"] = _initial_sum(p, self.defaults["initial_accumulator_value"])
            state_sums.append(state["sum"])
            state_steps.append(state["step"])
        return has_sparse_grad, has_complex

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` recomputes and returns the loss)."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params, grads, state_sums, state_steps = [], [], [], []
            self._init_group(group, params, grads, state_sums, state_steps)
            adagrad(
                params,
                grads,
                state_sums,
                state_steps,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                lr_decay=group["lr_decay"],
                eps=group["eps"],
                foreach=group["foreach"],
                maximize=group["maximize"],
                differentiable=group["differentiable"],
                fused=group["fused"],
            )
        return loss


def adagrad(
    params,
    grads,
    state_sums,
    state_steps,
    fused=None,
    grad_scale=None,
    found_inf=None,
    has_sparse_grad=False,
    foreach=None,
    differentiable=False,
    has_complex=False,
    *,
    lr,
    weight_decay,
    lr_decay,
    eps,
    maximize,
):
    """Functional Adagrad: update ``params`` and ``state_sums`` in place."""
    if not all(isinstance(t, torch.Tensor) for t in state_steps):
        raise RuntimeError(
            "API has changed, `state_steps` argument must contain a list of singleton tensors"
        )
    if fused:
        raise NotImplementedError(
            "kindling.optim: fused=True (fused optimizer kernels) is not implemented"
        )
    if foreach and differentiable:
        raise AssertionError(_FOREACH_NO_AUTOGRAD)
    if any(g.is_sparse for g in grads):
        raise NotImplementedError("kindling.optim.Adagrad: sparse gradients are not implemented")
    func = _multi_tensor_adagrad if _use_foreach(foreach, params) else _single_tensor_adagrad
    func(
        params,
        grads,
        state_sums,
        state_steps,
        lr=_to_scalar(lr),
        weight_decay=weight_decay,
        lr_decay=lr_decay,
        eps=eps,
        maximize=maximize,
        differentiable=differentiable,
    )


def _single_tensor_adagrad(
    params,
    grads,
    state_sums,
    state_steps,
    *,
    lr,
    weight_decay,
    lr_decay,
    eps,
    maximize,
    differentiable,
):
    for param, grad, state_sum, step_t in zip(params, grads, state_sums, state_steps):
        step_t += 1
        step = _get_value(step_t)
        grad = -grad if maximize else grad
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)
        if torch.is_complex(param):
            grad = torch.view_as_real(grad)
            state_sum = torch.view_as_real(state_sum)
            param = torch.view_as_real(param)
        state_sum.addcmul_(grad, grad, value=1)
        std = state_sum.sqrt() + eps if differentiable else state_sum.sqrt().add_(eps)
        param.addcdiv_(grad, std, value=-clr)


def _multi_tensor_adagrad(
    params,
    grads,
    state_sums,
    state_steps,
    *,
    lr,
    weight_decay,
    lr_decay,
    eps,
    maximize,
    differentiable,
):
    lists = [params, grads, state_sums, state_steps]
    for (p, g, sums, steps), _ in Optimizer._group_tensors_by_device_and_dtype(lists).values():
        if any(torch.is_complex(t) for t in p):
            _view_as_real(p, g, sums)
        if maximize:
            g = torch._foreach_neg(g)
        torch._foreach_add_(steps, 1)
        if weight_decay != 0:
            g = _foreach_add_weight_decay(g, p, weight_decay, maximize)
        minus_clr = [-lr / (1 + (_get_value(step) - 1) * lr_decay) for step in steps]
        torch._foreach_addcmul_(sums, g, g, value=1)
        std = torch._foreach_sqrt(sums)
        torch._foreach_add_(std, eps)
        if weight_decay != 0 or maximize:
            # g is already a copy: scale it in place
            torch._foreach_mul_(g, minus_clr)
            numerator = g
        else:
            numerator = torch._foreach_mul(g, minus_clr)
        torch._foreach_addcdiv_(p, numerator, std)
