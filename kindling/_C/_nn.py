"""``torch._C._nn``: the functions of the ops whose native_functions.yaml entry says
``python_module: nn`` (only those kindling has)."""
from __future__ import annotations

from .._aten.linear import linear_fn as linear  # noqa: F401
from .._aten._api import make_function
from .._ops import ops as _ops

# (its op is defined at first use: see kindling/_aten/_lazy.py)
_test_warn_in_autograd = make_function("_test_warn_in_autograd",
                                       lambda: [_ops.aten._test_warn_in_autograd.default])
_test_warn_in_autograd.__module__ = "kindling._C._nn"
_test_warn_in_autograd._tf_name = "torch._C._nn._test_warn_in_autograd"


def _nn_function(name):
    """``torch._C._nn.<name>`` over ``aten::<name>``'s overloads (ops defined at first use)."""
    def overloads():
        packet = getattr(_ops.aten, name)
        return [getattr(packet, o) for o in packet.overloads()]
    f = make_function(name, overloads)
    f.__module__ = "kindling._C._nn"
    f._tf_name = f"torch._C._nn.{name}"
    return f


for _name in ("elu", "elu_", "gelu", "gelu_", "softplus", "silu", "silu_", "mish", "mish_",
              "hardswish", "hardswish_", "hardsigmoid", "hardsigmoid_", "hardtanh", "hardtanh_",
              "relu6", "relu6_", "leaky_relu", "leaky_relu_", "softshrink", "log_sigmoid", "glu"):
    globals()[_name] = _nn_function(_name)
# the pooling ops (kindling/_aten/pooling.py)
for _name in ("max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool2d", "avg_pool3d",
              "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool2d",
              "adaptive_max_pool3d", "fractional_max_pool2d", "fractional_max_pool3d"):
    globals()[_name] = _nn_function(_name)
for _name in ("im2col", "col2im", "max_unpool2d", "max_unpool3d"):   # (_aten/vision_ops.py)
    globals()[_name] = _nn_function(_name)
# the upsample ops (kindling/_aten/upsample.py)
for _name in ("upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d",
              "_upsample_nearest_exact1d", "_upsample_nearest_exact2d",
              "_upsample_nearest_exact3d", "upsample_linear1d", "upsample_bilinear2d",
              "upsample_trilinear3d", "upsample_bicubic2d", "_upsample_bilinear2d_aa",
              "_upsample_bicubic2d_aa"):
    globals()[_name] = _nn_function(_name)

# padding
for _name in ("pad", "_pad_enum", "_pad_circular", "one_hot") + tuple(   # (_aten/padding.py)
        f"{k}_pad{nd}d" for k in ("reflection", "replication") for nd in (1, 2, 3)):
    globals()[_name] = _nn_function(_name)

# losses
for _name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss",
              "binary_cross_entropy", "nll_loss", "nll_loss2d", "nll_loss_nd",
              "cross_entropy_loss"):   # (kindling/_aten/loss.py)
    globals()[_name] = _nn_function(_name)

# margin losses
for _name in ("multi_margin_loss", "multilabel_margin_loss"):  # (_aten/loss_margin.py)
    globals()[_name] = _nn_function(_name)

# dropout, embedding, attention
for _name in ("rrelu_with_noise", "rrelu_with_noise_",   # (_aten/dropout.py)
              "scaled_dot_product_attention"):   # (_aten/attention.py)
    globals()[_name] = _nn_function(_name)

del _name


def _parse_to(*args, **kwargs):
    """``torch._C._nn._parse_to``: ``Tensor.to``'s arguments read as ``(device, dtype,
    non_blocking, memory_format)`` (what ``nn.Module.to`` converts with)."""
    from .._aten.copy import _parse_to as parse
    dtype, device, non_blocking, _copy, memory_format = parse(args, dict(kwargs))
    return device, dtype, non_blocking, memory_format
