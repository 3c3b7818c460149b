"""Op families defined at their first use, not at import.

Most programs never call the ``_foreach_*`` ops, the Bessel functions and orthogonal
polynomials of ``torch.special`` or PyTorch's test-only ops; defining their ~350 overloads
(schemas, kernels, layer kernels) would be a tenth of ``import kindling``.  Each family module
here defines nothing when imported: its ``install()`` does, when the dispatcher first needs
one of the operators named below (``operator.define_lazily``: a lookup by name through
``torch.ops``, ``torch.library`` or ``torch._C._dispatch_*``, a listing of all operators) or
one of the family's API functions is first called.  The loader then gives the new ops what the
op library gives every op after import (math-bit kernels for views, ADInplaceOrView kernels,
then ``_defop.family_hooks``: the Autograd kernels), so a program sees the ops as if they had
been defined at import.

The API functions (``torch._foreach_add``...) are made at import, as ``public`` would make
them (``_api.lazy_function``), so they are in the ``kindling`` namespace from the start.
"""
from __future__ import annotations

import functools
import importlib

from .._dispatcher import operator as _opreg
from . import _defop
from ._api import PUBLIC, lazy_function

# ---- the families: module -> the aten operators its install() defines -------------------------
FOREACH_UNARY = (
    "abs", "acos", "asin", "atan", "ceil", "cos", "cosh", "erf", "erfc", "exp", "expm1", "floor",
    "frac", "lgamma", "log", "log10", "log1p", "log2", "neg", "reciprocal", "round", "rsqrt",
    "sigmoid", "sign", "sin", "sinh", "sqrt", "tan", "tanh", "trunc")
_FOREACH = FOREACH_UNARY + (
    "add", "sub", "mul", "div", "clamp_min", "clamp_max", "maximum", "minimum", "addcmul",
    "addcdiv", "lerp", "pow", "norm", "powsum", "max", "mm", "clone", "copy", "zero")
_FOREACH_NO_INPLACE = frozenset({"norm", "powsum", "max", "mm", "clone"})
# (``_foreach_add`` and ``_foreach_add_``: functions and operators have the same names)
_FOREACH_NAMES = tuple(f"_foreach_{n}" for n in _FOREACH) + tuple(
    f"_foreach_{n}_" for n in _FOREACH if n not in _FOREACH_NO_INPLACE)

# (``fft``: the three transforms and the ``torch.fft`` functions' ops; ``kindling.fft`` makes
# the functions)
_FFT_NAMES = ("_fft_r2c", "_fft_c2r", "_fft_c2c") + tuple("fft_" + n for n in (
    "fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn",
    "irfftn", "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq",
    "fftshift", "ifftshift")) + ("stft", "istft")
_UPSAMPLE = ("upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d",
             "_upsample_nearest_exact1d", "_upsample_nearest_exact2d", "_upsample_nearest_exact3d",
             "upsample_linear1d", "upsample_bilinear2d", "upsample_trilinear3d",
             "upsample_bicubic2d", "_upsample_bilinear2d_aa", "_upsample_bicubic2d_aa")

FAMILIES = {
    "foreach": _FOREACH_NAMES,
    "special_extra": tuple("special_" + n for n in (
        "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0",
        "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
        "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0",
        "airy_ai", "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
        "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
        "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
        "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
        "laguerre_polynomial_l", "legendre_polynomial_p")),
    "fft": _FFT_NAMES,
    "nn_activation": (
        "elu", "elu_", "elu_backward", "selu", "selu_", "celu", "celu_", "gelu", "gelu_",
        "gelu_backward", "hardtanh", "hardtanh_", "hardtanh_backward", "relu6", "relu6_",
        "leaky_relu", "leaky_relu_", "leaky_relu_backward", "softplus", "softplus_backward",
        "silu", "silu_", "silu_backward", "mish", "mish_", "mish_backward", "hardswish",
        "hardswish_", "hardswish_backward", "hardsigmoid", "hardsigmoid_",
        "hardsigmoid_backward", "log_sigmoid", "log_sigmoid_forward", "log_sigmoid_backward",
        "softshrink", "softshrink_backward", "hardshrink", "hardshrink_backward", "threshold",
        "threshold_", "glu", "glu_backward", "prelu", "_prelu_kernel", "_prelu_kernel_backward"),
    "test_ops": ("_test_autograd_multiple_dispatch", "_test_autograd_multiple_dispatch_view",
                 "_test_autograd_multiple_dispatch_view_copy", "_test_warn_in_autograd"),
    "order_stats": ("quantile", "nanquantile", "mode"),
    "finite_differences": ("gradient",),
    "masked_index": ("_unsafe_masked_index", "_unsafe_masked_index_put_accumulate"),
    "conv": ("convolution", "_convolution", "convolution_backward",
             "_convolution_double_backward", "_convolution_mode", "conv1d", "conv2d", "conv3d",
             "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"),
    "pooling": tuple(f"{p}{nd}d{s}" for nd in (2, 3) for p, s in (
        ("max_pool", "_with_indices"), ("max_pool", "_with_indices_backward"), ("avg_pool", ""),
        ("avg_pool", "_backward"), ("_adaptive_avg_pool", ""), ("_adaptive_avg_pool", "_backward"),
        ("adaptive_max_pool", ""), ("adaptive_max_pool", "_backward"), ("max_pool", ""),
        ("adaptive_avg_pool", ""))) + (
        "fractional_max_pool2d", "fractional_max_pool2d_backward", "fractional_max_pool3d",
        "fractional_max_pool3d_backward", "max_pool1d_with_indices", "max_pool1d",
        "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d"),
    "upsample": _UPSAMPLE + tuple(n + "_backward" for n in _UPSAMPLE),
    "vision_ops": ("im2col", "col2im", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
                   "native_channel_shuffle", "max_unpool2d", "max_unpool3d"),
}

# families whose module makes its own API at import (``api(define)``: functions and methods
# bound to the ops at their first call, results wrapped as PyTorch's bindings wrap them)
_OWN_API = ("order_stats", "finite_differences")

# their ``kindling.<name>`` functions (``kindling.special`` and ``torch._C._nn`` make their own:
# the Bessel functions..., ``_test_warn_in_autograd``)
FUNCTIONS = {"foreach": _FOREACH_NAMES, "test_ops": FAMILIES["test_ops"][:3],
             "nn_activation": ("selu", "selu_", "celu", "celu_", "threshold", "threshold_",
                               "hardshrink", "prelu", "_prelu_kernel"),
             "masked_index": FAMILIES["masked_index"],
             "conv": ("convolution", "_convolution", "_convolution_mode", "conv1d", "conv2d",
                      "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"),
             "pooling": ("max_pool1d_with_indices", "max_pool1d", "max_pool2d", "max_pool3d",
                         "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d",
                         "_adaptive_avg_pool2d", "_adaptive_avg_pool3d"),
             "vision_ops": ("pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
                            "native_channel_shuffle")}
# Tensor methods of those (made at import, bound to the ops when they are defined)
_METHODS = {"nn_activation": ("hardshrink", "prelu")}

# ---- nn.functional families added one block each (kept apart so that branches merge cleanly):
# each block sets FAMILIES[...] and, where the family has them, FUNCTIONS[...] / _METHODS[...].

# padding (kindling/_aten/padding.py)
FAMILIES["padding"] = ("constant_pad_nd", "pad", "_pad_enum", "_pad_circular") + tuple(
    f"{k}_pad{nd}d{b}" for k in ("reflection", "replication") for nd in (1, 2, 3)
    for b in ("", "_backward")) + ("one_hot",)
FUNCTIONS["padding"] = ("constant_pad_nd",)

# losses (kindling/_aten/loss.py)
FAMILIES["loss"] = (
    "mse_loss", "mse_loss_backward", "smooth_l1_loss", "smooth_l1_loss_backward", "huber_loss",
    "huber_loss_backward", "soft_margin_loss", "soft_margin_loss_backward",
    "binary_cross_entropy", "binary_cross_entropy_backward", "binary_cross_entropy_with_logits",
    "nll_loss_forward", "nll_loss_backward", "nll_loss", "nll_loss2d_forward",
    "nll_loss2d_backward", "nll_loss2d", "nll_loss_nd", "l1_loss", "cross_entropy_loss",
    "kl_div", "poisson_nll_loss")
FUNCTIONS["loss"] = ("binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss")

# margin losses, distances, ctc (kindling/_aten/loss_margin.py)
FAMILIES["loss_margin"] = (
    "pairwise_distance", "cosine_similarity", "hinge_embedding_loss", "cosine_embedding_loss",
    "margin_ranking_loss", "triplet_margin_loss", "multi_margin_loss",
    "multi_margin_loss_backward", "multilabel_margin_loss_forward",
    "multilabel_margin_loss_backward", "multilabel_margin_loss", "_ctc_loss",
    "_ctc_loss_backward", "ctc_loss", "segment_reduce", "_segment_reduce_backward",
    "_safe_softmax")
FUNCTIONS["loss_margin"] = (
    "pairwise_distance", "cosine_similarity", "hinge_embedding_loss", "cosine_embedding_loss",
    "margin_ranking_loss", "triplet_margin_loss", "ctc_loss", "_ctc_loss", "segment_reduce",
    "_segment_reduce", "_safe_softmax")

# normalization (kindling/_aten/normalization.py)
FAMILIES["normalization"] = (
    "native_batch_norm", "_native_batch_norm_legit", "_native_batch_norm_legit_no_training",
    "_batch_norm_with_update", "_batch_norm_no_update", "native_batch_norm_backward",
    "batch_norm_backward", "_batch_norm_impl_index", "_batch_norm_impl_index_backward",
    "batch_norm", "instance_norm", "native_layer_norm", "native_layer_norm_backward",
    "layer_norm", "native_group_norm", "native_group_norm_backward", "group_norm", "rms_norm")
FUNCTIONS["normalization"] = (
    "native_batch_norm", "_native_batch_norm_legit", "_native_batch_norm_legit_no_training",
    "batch_norm", "_batch_norm_impl_index", "instance_norm", "native_layer_norm", "layer_norm",
    "native_group_norm", "group_norm", "rms_norm")

# dropout, embedding, attention (kindling/_aten/dropout.py, embedding.py, attention.py)
_DROPOUTS = ("feature_dropout", "alpha_dropout", "feature_alpha_dropout")
FAMILIES["dropout"] = _DROPOUTS + tuple(n + "_" for n in _DROPOUTS) + (
    "rrelu_with_noise", "rrelu_with_noise_", "rrelu_with_noise_backward", "rrelu", "rrelu_")
FUNCTIONS["dropout"] = _DROPOUTS + tuple(n + "_" for n in _DROPOUTS) + ("rrelu", "rrelu_")
FAMILIES["embedding"] = ("embedding", "embedding_backward", "embedding_dense_backward",
                         "embedding_renorm_")
FUNCTIONS["embedding"] = ("embedding", "embedding_renorm_")
FAMILIES["attention"] = (
    "_scaled_dot_product_flash_attention_for_cpu",
    "_scaled_dot_product_flash_attention_for_cpu_backward", "_scaled_dot_product_attention_math",
    "_fused_sdp_choice", "scaled_dot_product_attention", "_efficient_attention_forward",
    "_efficient_attention_backward", "_flash_attention_forward", "_flash_attention_backward")
FUNCTIONS["attention"] = ("_scaled_dot_product_flash_attention_for_cpu",
                          "_scaled_dot_product_attention_math", "_fused_sdp_choice")

# grid sampling, bilinear, embedding_bag (kindling/_aten/grid_sampler.py ...)
FAMILIES["grid_sampler"] = (
    "grid_sampler", "grid_sampler_2d", "grid_sampler_2d_backward", "grid_sampler_3d",
    "grid_sampler_3d_backward", "affine_grid_generator", "affine_grid_generator_backward")
FUNCTIONS["grid_sampler"] = ("grid_sampler", "grid_sampler_2d", "grid_sampler_3d",
                             "affine_grid_generator")
FAMILIES["bilinear"] = ("bilinear", "_trilinear")
FUNCTIONS["bilinear"] = FAMILIES["bilinear"]
FAMILIES["embedding_bag"] = (
    "embedding_bag", "_embedding_bag", "_embedding_bag_forward_only", "_embedding_bag_backward",
    "_embedding_bag_dense_backward", "_embedding_bag_per_sample_weights_backward")
FUNCTIONS["embedding_bag"] = FAMILIES["embedding_bag"][:3]

# recurrent cells and layers (kindling/_aten/rnn.py)
FAMILIES["rnn"] = ("rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell", "rnn_tanh",
                   "rnn_relu", "gru", "lstm")
FUNCTIONS["rnn"] = FAMILIES["rnn"]

# window functions, range, empty_permuted (kindling/_aten/windows.py: makes its own API)
FAMILIES["windows"] = ("hann_window", "hamming_window", "blackman_window", "bartlett_window",
                       "kaiser_window", "range", "empty_permuted")
_OWN_API += ("windows",)

# histogram, histogramdd (kindling/_aten/histogram.py: makes its own API)
FAMILIES["histogram"] = ("histogram", "histogramdd", "_histogramdd_bin_edges",
                         "_histogramdd_from_bin_cts", "_histogramdd_from_bin_tensors")
_OWN_API += ("histogram",)

# isreal, nonzero_static, fill_diagonal_, is_set_to, older norms (kindling/_aten/tensor_misc.py)
FAMILIES["tensor_misc"] = ("isreal", "nonzero_static", "fill_diagonal_", "is_set_to",
                           "norm_except_dim", "frobenius_norm", "nuclear_norm", "native_norm")
FUNCTIONS["tensor_misc"] = ("isreal", "nonzero_static", "norm_except_dim", "frobenius_norm",
                            "nuclear_norm", "native_norm")
_METHODS["tensor_misc"] = ("isreal", "nonzero_static", "fill_diagonal_", "is_set_to")

# weight normalisation (kindling/_aten/weight_norm.py)
FAMILIES["weight_norm"] = ("_weight_norm", "_weight_norm_interface",
                           "_weight_norm_interface_backward")
FUNCTIONS["weight_norm"] = ("_weight_norm", "_weight_norm_interface")



def _loader(module, names):
    def load():
        before = len(_defop._ALL_OPS)
        importlib.import_module(f"{__package__}.{module}").install()
        new = list(_defop._ALL_OPS.values())[before:]  # (in definition order)
        defined, listed = {d.entry.name for d in new}, {"aten::" + n for n in names}
        if defined != listed:
            raise AssertionError(f"kindling._aten.{module} defines other operators than "
                                 f"_aten/_lazy.py lists: {sorted(defined ^ listed)}")
        _complete(new)
    return load


def _complete(opdefs):
    """What the op library registers for every op once all are defined at import
    (``_aten/__init__.py``), for a family defined later."""
    from . import conj_neg
    conj_neg.install_late([d.entry for d in opdefs])
    _defop.finalize_registrations(opdefs)
    for hook in _defop.family_hooks:
        hook(opdefs)


def _inplace_foreach(name, f):
    """``torch._foreach_add_``: the in-place op, returning the list it was given (as PyTorch's
    binding does: the op itself returns nothing)."""
    def inplace(*args, **kwargs):
        f(*args, **kwargs)
        return args[0] if args else kwargs["self"]
    inplace.__name__ = inplace.__qualname__ = name
    inplace.__module__ = "kindling"
    inplace.__doc__ = f"``torch.{name}``: the in-place ``_foreach`` op; returns ``self``."
    return inplace


def _functional_foreach(name, f):
    """``torch._foreach_add``: a tuple of results, as PyTorch's bindings return ``Tensor[]``
    (the op itself returns a list)."""
    def functional(*args, **kwargs):
        r = f(*args, **kwargs)
        return tuple(r) if type(r) is list else r
    functional.__name__ = functional.__qualname__ = name
    functional.__module__ = "kindling"
    functional.__doc__ = f"``torch.{name}``: the ``_foreach`` op; a tuple of results."
    return functional


def install():
    """Register the families with the dispatcher, and make their API functions."""
    for module, names in FAMILIES.items():
        _opreg.define_lazily(["aten::" + n for n in names], _loader(module, names))
    for module in _OWN_API:
        define = functools.partial(_opreg.ensure_defined, "aten::" + FAMILIES[module][0])
        importlib.import_module(f"{__package__}.{module}").api(define)
    for module, names in FUNCTIONS.items():
        define = functools.partial(_opreg.ensure_defined, "aten::" + FAMILIES[module][0])
        for name in names:
            f = lazy_function(name, define)
            if module != "foreach":
                continue
            PUBLIC[name] = (_inplace_foreach if name.endswith("_") else
                            _functional_foreach)(name, f)
    for module, names in _METHODS.items():
        for name in names:
            _lazy_method(name, FAMILIES[module][0])


def _lazy_method(name, first_op):
    """``Tensor.<name>`` over ``aten::<name>``'s overloads, an op defined at first use."""
    from .._ops import ops
    from .._tensor import Tensor
    from ._api import METHODS, make_function

    def overloads():
        _opreg.ensure_defined("aten::" + first_op)
        packet = getattr(ops.aten, name)
        return [getattr(packet, o) for o in packet.overloads()]
    m = METHODS[name] = make_function(name, overloads, self_name="self", is_method=True)
    setattr(Tensor, name, m)
