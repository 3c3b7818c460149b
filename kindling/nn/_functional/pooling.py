"""torch.nn.functional: pooling (avg, max, adaptive, lp pools).

As in PyTorch: ``avg_pool1d``/``adaptive_avg_pool1d`` are ``torch.*`` functions,
``avg_pool2d/3d`` are ``torch._C._nn``'s; the max pools choose between a result and a
(result, indices) pair on ``return_indices`` (``boolean_dispatch``), and
``adaptive_avg_pool2d/3d`` fill ``None`` output sizes from the input.  The ops are defined at
first use (``kindling/_aten/pooling.py``)."""
from __future__ import annotations

import kindling as torch
from ...overrides import (handle_torch_function, has_torch_function_unary,
                          has_torch_function_variadic)

avg_pool1d = torch.avg_pool1d
avg_pool2d = torch._C._nn.avg_pool2d
avg_pool3d = torch._C._nn.avg_pool3d
adaptive_avg_pool1d = torch.adaptive_avg_pool1d

__all__ = ["avg_pool1d", "avg_pool2d", "avg_pool3d", "max_pool1d", "max_pool2d", "max_pool3d",
           "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d",
           "max_unpool1d", "max_unpool2d", "max_unpool3d", "fractional_max_pool2d",
           "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]


def boolean_dispatch(arg_name, arg_index, default, if_true, if_false, module_name, func_name):
    """PyTorch's ``torch._jit_internal.boolean_dispatch``: call ``if_true`` or ``if_false`` on
    the value of the boolean argument ``arg_name`` (positional index ``arg_index``)."""
    def fn(*args, **kwargs):
        flag = default
        if arg_name in kwargs:
            flag = kwargs[arg_name]
        elif arg_index < len(args):
            flag = args[arg_index]
        return if_true(*args, **kwargs) if flag else if_false(*args, **kwargs)
    fn.__doc__ = if_true.__doc__ or if_false.__doc__
    fn.__module__ = module_name
    fn.__name__ = fn.__qualname__ = func_name
    return fn


def _list_with_default(out_size, defaults):
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d
            for v, d in zip(out_size, defaults[-len(out_size):])]


# ---- max pools ----------------------------------------------------------------------------------
def _max_pool_pair(nd, op):
    name = f"max_pool{nd}d"

    def with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                     return_indices=False):
        if has_torch_function_unary(input):
            return handle_torch_function(with_indices, (input,), input, kernel_size,
                                         stride=stride, padding=padding, dilation=dilation,
                                         ceil_mode=ceil_mode, return_indices=return_indices)
        if stride is None:
            stride = []
        return op()(input, kernel_size, stride, padding, dilation, ceil_mode)

    def values(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
        if has_torch_function_unary(input):
            return handle_torch_function(dispatch, (input,), input, kernel_size,
                                         stride=stride, padding=padding, dilation=dilation,
                                         ceil_mode=ceil_mode, return_indices=return_indices)
        if stride is None:
            stride = []
        return getattr(torch, name)(input, kernel_size, stride, padding, dilation, ceil_mode)

    with_indices.__name__ = with_indices.__qualname__ = f"{name}_with_indices"
    with_indices.__doc__ = (f"{name}(input, kernel_size, stride=None, padding=0, dilation=1, "
                            "ceil_mode=False, return_indices=False)\n\n"
                            f"Applies a {nd}D max pooling over an input signal composed of "
                            "several input planes.")
    values.__name__ = values.__qualname__ = f"_{name}"
    dispatch = boolean_dispatch("return_indices", 6, False, with_indices, values, __name__, name)
    return with_indices, dispatch


max_pool1d_with_indices, max_pool1d = _max_pool_pair(1, lambda: torch.max_pool1d_with_indices)
max_pool2d_with_indices, max_pool2d = _max_pool_pair(
    2, lambda: torch._C._nn.max_pool2d_with_indices)
max_pool3d_with_indices, max_pool3d = _max_pool_pair(
    3, lambda: torch._C._nn.max_pool3d_with_indices)


# ---- adaptive pools -----------------------------------------------------------------------------
def adaptive_avg_pool2d(input, output_size):
    """Apply a 2D adaptive average pooling over an input signal composed of several input
    planes."""
    if has_torch_function_unary(input):
        return handle_torch_function(adaptive_avg_pool2d, (input,), input, output_size)
    return torch._C._nn.adaptive_avg_pool2d(input, _list_with_default(output_size, input.size()))


def adaptive_avg_pool3d(input, output_size):
    """Apply a 3D adaptive average pooling over an input signal composed of several input
    planes."""
    if has_torch_function_unary(input):
        return handle_torch_function(adaptive_avg_pool3d, (input,), input, output_size)
    return torch._C._nn.adaptive_avg_pool3d(input, _list_with_default(output_size, input.size()))


def _adaptive_max_pair(nd):
    name = f"adaptive_max_pool{nd}d"

    def with_indices(input, output_size, return_indices=False):
        if has_torch_function_unary(input):
            return handle_torch_function(with_indices, (input,), input, output_size,
                                         return_indices=return_indices)
        if nd == 1:
            return torch.adaptive_max_pool1d(input, output_size)
        return getattr(torch._C._nn, name)(input, _list_with_default(output_size, input.size()))

    def values(input, output_size, return_indices=False):
        if has_torch_function_unary(input):
            return handle_torch_function(dispatch, (input,), input, output_size,
                                         return_indices=return_indices)
        return with_indices(input, output_size)[0]

    with_indices.__name__ = with_indices.__qualname__ = f"{name}_with_indices"
    with_indices.__doc__ = (f"{name}(input, output_size, return_indices=False)\n\n"
                            f"Applies a {nd}D adaptive max pooling over an input signal composed "
                            "of several input planes.")
    values.__name__ = values.__qualname__ = f"_{name}"
    dispatch = boolean_dispatch("return_indices", 2, False, with_indices, values, __name__, name)
    return with_indices, dispatch


adaptive_max_pool1d_with_indices, adaptive_max_pool1d = _adaptive_max_pair(1)
adaptive_max_pool2d_with_indices, adaptive_max_pool2d = _adaptive_max_pair(2)
adaptive_max_pool3d_with_indices, adaptive_max_pool3d = _adaptive_max_pair(3)


# ---- power-average pools ------------------------------------------------------------------------
def _lp_pool(nd):
    def lp_pool(input, norm_type, kernel_size, stride=None, ceil_mode=False):
        if has_torch_function_unary(input):
            return handle_torch_function(lp_pool, (input,), input, norm_type, kernel_size,
                                         stride=stride, ceil_mode=ceil_mode)
        if nd == 1:
            count = kernel_size
        else:   # (``_pair``/``_triple``: a sequence as it is, a number repeated)
            ks = tuple(kernel_size) if isinstance(kernel_size, (list, tuple)) else \
                (kernel_size,) * nd
            if len(ks) != nd:
                raise ValueError(f"too many values to unpack (expected {nd})" if len(ks) > nd
                                 else f"not enough values to unpack (expected {nd}, got "
                                 f"{len(ks)})")
            count = 1
            for k in ks:
                count *= k
        max_pool = (max_pool1d, max_pool2d, max_pool3d)[nd - 1]
        if isinstance(norm_type, (int, float)):
            if norm_type == float("inf"):
                return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
            if norm_type == -float("inf"):
                return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        avg = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
        if stride is not None:
            out = avg(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
        else:
            out = avg(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
        return (torch.sign(out) * torch.relu(torch.abs(out))).mul(count).pow(1.0 / norm_type)
    lp_pool.__name__ = lp_pool.__qualname__ = f"lp_pool{nd}d"
    lp_pool.__doc__ = (f"Apply a {nd}D power-average pooling over an input signal composed of "
                       "several input planes.")
    return lp_pool


lp_pool1d, lp_pool2d, lp_pool3d = _lp_pool(1), _lp_pool(2), _lp_pool(3)


# ---- max unpool ---------------------------------------------------------------------------------
def _ntuple(x, n):
    return tuple(x) if isinstance(x, (list, tuple)) else (x,) * n


def _unpool_output_size(input, kernel_size, stride, padding, output_size):
    input_size = input.size()
    nk = len(kernel_size)
    default_size = [(input_size[-nk + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d]
                    for d in range(nk)]
    if output_size is None:
        ret = default_size
    else:
        if len(output_size) == nk + 2:
            output_size = output_size[2:]
        if len(output_size) != nk:
            raise ValueError(f"output_size should be a sequence containing {nk} or {nk + 2} "
                             f"elements, but it has a length of '{len(output_size)}'")
        for d in range(nk):
            min_size = default_size[d] - stride[d]
            max_size = default_size[d] + stride[d]
            if not (min_size < output_size[d] < max_size):
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between '
                                 f'{min_size} and {max_size})')
        ret = output_size
    for d in range(nk):
        if ret[d] < 0:
            raise ValueError("max_unpooling: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{d}]={ret[d]}")
    return ret


def _max_unpool(nd):
    def max_unpool(input, indices, kernel_size, stride=None, padding=0, output_size=None):
        if has_torch_function_unary(input):
            return handle_torch_function(max_unpool, (input,), input, indices, kernel_size,
                                         stride=stride, padding=padding,
                                         output_size=output_size)
        kernel_size = _ntuple(kernel_size, nd)
        _stride = _ntuple(stride, nd) if stride is not None else kernel_size
        padding = _ntuple(padding, nd)
        output_size = _unpool_output_size(input, kernel_size, _stride, padding, output_size)
        if nd == 1:
            output_size = (list(output_size) + [1] if isinstance(output_size, list)
                           else tuple(output_size) + (1,))
            return torch._C._nn.max_unpool2d(input.unsqueeze(-1), indices.unsqueeze(-1),
                                             output_size).squeeze(-1)
        if nd == 2:
            return torch._C._nn.max_unpool2d(input, indices, output_size)
        return torch._C._nn.max_unpool3d(input, indices, output_size, _stride, padding)
    max_unpool.__name__ = max_unpool.__qualname__ = f"max_unpool{nd}d"
    max_unpool.__doc__ = f"Compute a partial inverse of ``max_pool{nd}d``."
    return max_unpool


max_unpool1d, max_unpool2d, max_unpool3d = _max_unpool(1), _max_unpool(2), _max_unpool(3)


# ---- fractional max pools ----------------------------------------------------------------------
def _fractional_pair(nd):
    name = f"fractional_max_pool{nd}d"

    def with_indices(input, kernel_size, output_size=None, output_ratio=None,
                     return_indices=False, _random_samples=None):
        if has_torch_function_variadic(input, _random_samples):
            return handle_torch_function(with_indices, (input, _random_samples), input,
                                         kernel_size, output_size=output_size,
                                         output_ratio=output_ratio,
                                         return_indices=return_indices,
                                         _random_samples=_random_samples)
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output_size or an "
                             "output_ratio")
        if output_size is None:
            if nd == 2 and len(output_ratio) > 2:
                raise ValueError(f"{name} requires output_ratio to either be a single Int or "
                                 "tuple of Ints.")
            ratio = _ntuple(output_ratio, nd)
            output_size = [int(input.size(i - nd) * ratio[i]) for i in range(nd)]
        if _random_samples is None:
            n_batch = 1 if input.dim() == nd + 1 else input.size(0)
            _random_samples = torch.rand(n_batch, input.size(-nd - 1), nd, dtype=input.dtype,
                                         device=input.device)
        return getattr(torch._C._nn, name)(input, kernel_size, output_size, _random_samples)

    def values(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
               _random_samples=None):
        if has_torch_function_variadic(input, _random_samples):
            return handle_torch_function(dispatch, (input, _random_samples), input, kernel_size,
                                         output_size=output_size, output_ratio=output_ratio,
                                         return_indices=return_indices,
                                         _random_samples=_random_samples)
        return with_indices(input, kernel_size, output_size, output_ratio, return_indices,
                            _random_samples)[0]

    with_indices.__name__ = with_indices.__qualname__ = f"{name}_with_indices"
    with_indices.__doc__ = (f"{name}(input, kernel_size, output_size=None, output_ratio=None, "
                            "return_indices=False, _random_samples=None)\n\n"
                            f"Applies {nd}D fractional max pooling over an input signal composed "
                            "of several input planes.")
    values.__name__ = values.__qualname__ = f"_{name}"
    dispatch = boolean_dispatch("return_indices", 4, False, with_indices, values, __name__, name)
    return with_indices, dispatch


fractional_max_pool2d_with_indices, fractional_max_pool2d = _fractional_pair(2)
fractional_max_pool3d_with_indices, fractional_max_pool3d = _fractional_pair(3)
