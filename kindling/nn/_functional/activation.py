"""torch.nn.functional: activation functions (relu, gelu, softmax, glu...), as PyTorch's
``torch/nn/functional.py`` defines them: thin Python over the aten ops (``_aten/nn_activation``)
or compositions of other ops (``rrelu``: ``_aten/dropout``)."""
from __future__ import annotations

import warnings

import kindling as torch

from ... import _C
from ...overrides import handle_torch_function, has_torch_function_unary

_nn = _C._nn

__all__ = ["threshold", "threshold_", "relu", "relu_", "hardtanh", "hardtanh_", "hardswish",
           "relu6", "elu", "elu_", "selu", "selu_", "celu", "celu_", "leaky_relu",
           "leaky_relu_", "prelu", "glu", "gelu", "logsigmoid", "hardshrink",
           "tanhshrink", "softsign", "softplus", "softmin", "softmax", "gumbel_softmax",
           "log_softmax", "softshrink", "tanh", "sigmoid", "hardsigmoid", "silu", "mish"]


def _tf(fn, input, *args, **kwargs):
    return handle_torch_function(fn, (input,), input, *args, **kwargs)


def threshold(input, threshold, value, inplace=False):
    """Thresholds each element: ``value`` where ``input <= threshold``, else ``input``."""
    if has_torch_function_unary(input):
        return _tf(globals()["threshold"], input, threshold, value, inplace=inplace)
    if inplace:
        return torch.threshold_(input, threshold, value)
    return torch.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    """In-place :func:`threshold`."""
    return torch.threshold_(input, threshold, value)


def relu(input, inplace=False):
    """Rectified linear unit, elementwise."""
    if has_torch_function_unary(input):
        return _tf(relu, input, inplace=inplace)
    return torch.relu_(input) if inplace else torch.relu(input)


def relu_(input):
    """In-place :func:`relu`."""
    return torch.relu_(input)


def glu(input, dim=-1):
    """Gated linear unit: ``a * sigmoid(b)`` of the two halves of ``input`` along ``dim``."""
    if has_torch_function_unary(input):
        return _tf(glu, input, dim=dim)
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    return _nn.glu(input, dim)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamps to ``[min_val, max_val]``."""
    if has_torch_function_unary(input):
        return _tf(hardtanh, input, min_val=min_val, max_val=max_val, inplace=inplace)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return _nn.hardtanh_(input, min_val, max_val)
    return _nn.hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place :func:`hardtanh`."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _nn.hardtanh_(input, min_val, max_val)


def relu6(input, inplace=False):
    """``min(max(0, x), 6)``."""
    if has_torch_function_unary(input):
        return _tf(relu6, input, inplace=inplace)
    return _nn.relu6_(input) if inplace else _nn.relu6(input)


def elu(input, alpha=1.0, inplace=False):
    """Exponential linear unit."""
    if has_torch_function_unary(input):
        return _tf(elu, input, alpha=alpha, inplace=inplace)
    return _nn.elu_(input, alpha) if inplace else _nn.elu(input, alpha)


def elu_(input, alpha=1.0):
    """In-place :func:`elu`."""
    return _nn.elu_(input, alpha)


def selu(input, inplace=False):
    """Scaled exponential linear unit."""
    if has_torch_function_unary(input):
        return _tf(selu, input, inplace=inplace)
    return torch.selu_(input) if inplace else torch.selu(input)


def selu_(input):
    """In-place :func:`selu`."""
    return torch.selu_(input)


def celu(input, alpha=1.0, inplace=False):
    """Continuously differentiable exponential linear unit."""
    if has_torch_function_unary(input):
        return _tf(celu, input, alpha=alpha, inplace=inplace)
    return torch.celu_(input, alpha) if inplace else torch.celu(input, alpha)


def celu_(input, alpha=1.0):
    """In-place :func:`celu`."""
    return torch.celu_(input, alpha)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``max(0, x) + negative_slope * min(0, x)``."""
    if has_torch_function_unary(input):
        return _tf(leaky_relu, input, negative_slope=negative_slope, inplace=inplace)
    if inplace:
        return _nn.leaky_relu_(input, negative_slope)
    return _nn.leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    """In-place :func:`leaky_relu`."""
    return _nn.leaky_relu_(input, negative_slope)


def prelu(input, weight):
    """Leaky ReLU with a learnt slope per channel."""
    return torch.prelu(input, weight)


def gelu(input, approximate="none"):
    """Gaussian error linear unit (``approximate='tanh'``: its tanh approximation)."""
    return _nn.gelu(input, approximate=approximate)


def logsigmoid(input):
    """``log(sigmoid(x))``."""
    return _nn.log_sigmoid(input)


def hardshrink(input, lambd=0.5):
    """Zero where ``|x| <= lambd``, else ``x``."""
    return torch.hardshrink(input, lambd)


def softshrink(input, lambd=0.5):
    """Shrinks towards zero by ``lambd``."""
    return _nn.softshrink(input, lambd)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta x)) / beta`` (linear above ``threshold``)."""
    return _nn.softplus(input, beta, threshold)


def tanhshrink(input):
    """``x - tanh(x)``."""
    if has_torch_function_unary(input):
        return _tf(tanhshrink, input)
    return input - input.tanh()


def softsign(input):
    """``x / (1 + |x|)``."""
    if has_torch_function_unary(input):
        return _tf(softsign, input)
    return input / (input.abs() + 1)


def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-input)``."""
    if has_torch_function_unary(input):
        return _tf(softmin, input, dim=dim, _stacklevel=_stacklevel, dtype=dtype)
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    return (-input).softmax(dim) if dtype is None else (-input).softmax(dim, dtype=dtype)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax along ``dim`` (cast to ``dtype`` first when given)."""
    if has_torch_function_unary(input):
        return _tf(softmax, input, dim=dim, _stacklevel=_stacklevel, dtype=dtype)
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return input.softmax(dim) if dtype is None else input.softmax(dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Log-softmax along ``dim`` (cast to ``dtype`` first when given)."""
    if has_torch_function_unary(input):
        return _tf(log_softmax, input, dim=dim, _stacklevel=_stacklevel, dtype=dtype)
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return input.log_softmax(dim) if dtype is None else input.log_softmax(dim, dtype=dtype)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Samples from the Gumbel-softmax distribution (``hard``: one-hot samples with the soft
    samples' gradient, the straight-through trick)."""
    if has_torch_function_unary(logits):
        return _tf(gumbel_softmax, logits, tau=tau, hard=hard, eps=eps, dim=dim)
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -torch.empty_like(logits) \
        .exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = torch.zeros_like(logits) \
        .scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def tanh(input):
    """``torch.tanh``."""
    return input.tanh()


def sigmoid(input):
    """``torch.sigmoid``."""
    return input.sigmoid()


def hardsigmoid(input, inplace=False):
    """``relu6(x + 3) / 6``."""
    if has_torch_function_unary(input):
        return _tf(hardsigmoid, input, inplace=inplace)
    return _nn.hardsigmoid_(input) if inplace else _nn.hardsigmoid(input)


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6``."""
    if has_torch_function_unary(input):
        return _tf(hardswish, input, inplace=inplace)
    return _nn.hardswish_(input) if inplace else _nn.hardswish(input)


def silu(input, inplace=False):
    """``x * sigmoid(x)``."""
    if has_torch_function_unary(input):
        return _tf(silu, input, inplace=inplace)
    return _nn.silu_(input) if inplace else _nn.silu(input)


def mish(input, inplace=False):
    """``x * tanh(softplus(x))``."""
    if has_torch_function_unary(input):
        return _tf(mish, input, inplace=inplace)
    return _nn.mish_(input) if inplace else _nn.mish(input)


__all__ += ["rrelu", "rrelu_"]


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: while ``training`` each negative element's slope is drawn from
    ``U(lower, upper)``, else it is ``(lower + upper) / 2``."""
    if has_torch_function_unary(input):
        return _tf(rrelu, input, lower=lower, upper=upper, training=training, inplace=inplace)
    if inplace:
        return torch.rrelu_(input, lower, upper, training)
    return torch.rrelu(input, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place :func:`rrelu`."""
    return torch.rrelu_(input, lower, upper, training)
