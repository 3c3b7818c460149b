"""``torch.<name>_``: the in-place ops PyTorch's Python bindings also expose as functions
(``torch.relu_(x)``, ``torch.clamp_(x, 0, 1)``, ``torch.fill_(x, 2.0)``...).

Each binds the aten ``<name>_`` overloads, as ``Tensor.<name>_`` does; the overloads are
looked up at the function's first call, so defining these costs nothing at import.
"""
from __future__ import annotations

from ._api import PUBLIC, function, make_function
from ._ops_registry import aten

# torch.<name>_ -> the aten in-place operator whose overloads it binds
_INPLACE = {n: n for n in (
    "abs_", "acos_", "asin_", "atan_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "cos_",
    "cosh_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "floor_", "frac_", "i0_",
    "index_put_", "log10_", "log1p_", "log2_", "log_", "neg_", "reciprocal_", "relu_",
    "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_",
    "trunc_", "as_strided_")}
_INPLACE["clip_"] = "clamp_"  # (kindling's clip binds the clamp overloads, as Tensor.clip_ does)


def _overloads(op_name):
    def get():
        packet = getattr(aten, op_name)
        return [getattr(packet, o) for o in packet.overloads()]
    return get


for _name, _op in _INPLACE.items():
    if _name not in PUBLIC:
        PUBLIC[_name] = make_function(_name, _overloads(_op))
del _name, _op


@function("detach_")
def detach_(*args, **kwargs):
    """``detach_(input)``: detach ``input`` from the graph in place (``Tensor.detach_``)."""
    from .namespace_functions import _one_tensor
    return _one_tensor("detach_", args, kwargs).detach_()
