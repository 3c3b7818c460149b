"""``aten::linear`` (``torch._C._nn.linear``): ``input @ weight.T + bias``, written as PyTorch's
CompositeImplicitAutograd decomposition (``addmm`` for a 2-D input, the flattened ``addmm``
when the bias is a contiguous vector and the input contiguous, else ``matmul`` then the bias
added), so a dispatch mode sees PyTorch's ops and autograd records their nodes.
"""
from __future__ import annotations

from .._dispatcher.keys import K
from .._dispatcher.operator import KernelEntry, caller_site
from ._api import make_function
from ._defop import defop
from ._ops_registry import aten
from ._util import is_tensor_subclass_like
from .copy import _has_level0_tangent
from .linalg import OPS

linear = defop("linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor")
linear_out = defop("linear.out(Tensor input, Tensor weight, Tensor? bias=None, *, "
                   "Tensor(a!) out) -> Tensor(a!)")


def _flatten_nd_linear(input, weight, bias):
    """The product of ``input`` viewed as a matrix (its leading dims as rows), by ``addmm``."""
    sizes = list(input._size)
    rows = 1
    for s in sizes[:-1]:
        rows *= s
    flat = aten.addmm.default(bias, aten.view.default(input, [rows, sizes[-1]]),
                              aten.t.default(weight))
    return aten.view.default(flat, sizes[:-1] + [flat._size[1]])


@linear.composite
def _(input, weight, bias=None):
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{input.dim()}D and {weight.dim()}D")
    if bias is not None:
        if input.dim() == 2:
            return aten.addmm.default(bias, input, aten.t.default(weight))
        # (a bias that is, or squeezes to, a contiguous vector fuses into addmm)
        fusable = (bias.dim() == 1 or aten.squeeze.default(bias).dim() == 1) and \
            bias.is_contiguous()
        if fusable and input.is_contiguous():
            return _flatten_nd_linear(input, weight, bias)
    output = aten.matmul.default(input, aten.t.default(weight))
    if bias is not None:
        # (out of place where a mode or subclass must see a functional graph, or under
        # forward AD)
        if is_tensor_subclass_like(bias) or _has_level0_tangent(bias):
            return aten.add.Tensor(output, bias)
        aten.add_.Tensor(output, bias)
    return output


@linear_out.explicit
def _(input, weight, bias=None, *, out):
    if input.dim() == 2 and bias is not None:
        return aten.addmm.out(bias, input, aten.t.default(weight), out=out)
    aten.matmul.out(input, aten.t.default(weight), out=out)
    if bias is not None:
        aten.add_.Tensor(out, bias)
    return out


# (PyTorch's Autograd kernel, for nested tensors: dense ones decompose first)
linear.entry.register(K.Autograd, KernelEntry(linear.entry._top(K.CompositeImplicitAutograd).fn,
                                              caller_site()))
OPS["aten::linear"] = linear

# ``torch._C._nn.linear`` (``torch.nn.functional.linear`` in PyTorch)
linear_fn = make_function("linear", [linear.op, linear_out.op])
linear_fn.__module__ = "kindling._C._nn"
linear_fn._tf_name = "torch._C._nn.linear"
linear_fn.__doc__ = "``input @ weight.T + bias``: the affine map of a linear layer."
