"""The dropout variants ATen composes from ``bernoulli_`` (``feature_dropout``,
``alpha_dropout``, ``feature_alpha_dropout`` and their in-place forms; ``dropout`` itself and
``native_dropout`` live with the random ops) and randomized leaky ReLU (``rrelu``,
``rrelu_with_noise`` and its backward).

The masks are drawn as PyTorch draws them on CPU: one ``bernoulli_(1 - p)`` over the input's
shape (``(N, C, 1, ...)`` for the feature forms), and ``rrelu``'s slopes one
``uniform_real_distribution<double>(lower, upper)`` draw per non-positive element, in memory
order, so seeded runs give PyTorch's values.  Defined at first use (``_aten/_lazy.py``).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._generator import check_generator
from . import _rng_math as R
from ._api import public
from ._copy_out import copy_out_variant
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from .random import SEEDED, _dropout_impl
from ._pointwise_util import not_implemented

_RRELU_ARGS = ("Scalar lower=0.125, Scalar upper=0.33333333333333331, bool training=False, "
               "Generator? generator=None")


def _install_dropouts():
    for name, feature, alpha in (("feature_dropout", True, False),
                                 ("alpha_dropout", False, True),
                                 ("feature_alpha_dropout", True, True)):
        f = defop(f"{name}(Tensor input, float p, bool train) -> Tensor",
                  tags=("maybe_aliasing_or_mutating",) + SEEDED)
        f.composite(lambda input, p, train, _f=feature, _a=alpha:
                    _dropout_impl(input, p, train, False, _f, _a))
        f_ = defop(f"{name}_(Tensor(a!) self, float p, bool train) -> Tensor(a!)",
                   tags=("inplace",) + SEEDED)
        f_.composite(lambda self, p, train, _f=feature, _a=alpha:
                     _dropout_impl(self, p, train, True, _f, _a))
        public(name, f, method=False)
        public(name + "_", f_, method=False)


# ---- rrelu --------------------------------------------------------------------------------------
def _check_bounds(lower, upper):
    if not lower <= upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")


def _rrelu_into(out, self, noise, lower, upper, training, generator):
    """``rrelu_with_noise_out_cpu``: writes ``out`` (and ``noise`` when training)."""
    if tuple(self.shape) != tuple(noise.shape):
        raise RuntimeError(f"noise tensor shape must match self tensor shape. Got self.shape = "
                           f"{list(self.shape)} noise.shape = {list(noise.shape)}")
    if not training:
        mid = (float(lower) + float(upper)) / 2  # (two double tensors' mean, item())
        r = aten.leaky_relu.default(self, mid)
        out._np[...] = r._np
        return out
    if not self.dtype.is_floating_point:
        raise not_implemented("rrelu_with_noise_out_cpu", self.dtype)
    x = np.ascontiguousarray(self._np).ravel()
    neg = x <= 0
    # (the bounds are first taken in the kernel's opmath type: float below float64)
    opmath = np.float64 if x.dtype == np.float64 else np.float32
    lo, hi = float(opmath(lower)), float(opmath(upper))
    gen = check_generator(generator)
    with gen.mutex:
        slopes = R.uniform(gen, int(neg.sum()), _dtype.float64, lo, hi)
    r = np.ones(x.shape, opmath)
    r[neg] = slopes.astype(opmath)
    y = np.where(neg, x.astype(opmath) * r, x).astype(x.dtype)
    noise._np[...] = r.reshape(self.shape).astype(noise._np.dtype)
    out._np[...] = y.reshape(self.shape)
    return out


def _install_rrelu():
    rwn = defop(f"rrelu_with_noise(Tensor self, Tensor(b!) noise, {_RRELU_ARGS}) -> Tensor",
                tags=SEEDED)
    rwn_ = defop(f"rrelu_with_noise_(Tensor(a!) self, Tensor(b!) noise, {_RRELU_ARGS}) -> "
                 "Tensor(a!)", tags=("inplace",) + SEEDED)
    bwd = defop("rrelu_with_noise_backward(Tensor grad_output, Tensor self, Tensor noise, "
                "Scalar lower, Scalar upper, bool training, bool self_is_result) -> Tensor")

    @rwn.cpu_ks
    def _(ks, self, noise, lower=0.125, upper=1 / 3, training=False, generator=None):
        out = aten.empty_like.default(self, memory_format=_contiguous())
        return _rrelu_into(out, self, noise, lower, upper, training, generator)

    @rwn_.cpu_ks
    def _(ks, self, noise, lower=0.125, upper=1 / 3, training=False, generator=None):
        return _rrelu_into(self, self, noise, lower, upper, training, generator)

    rwn.meta(lambda self, noise, *a, **k: empty_meta(tuple(self.shape), self.dtype))
    rwn_.meta(lambda self, noise, *a, **k: self)

    @bwd.explicit
    def _(grad_output, self, noise, lower, upper, training, self_is_result):
        if training and float(upper) - float(lower) > 1e-6:
            return aten.mul.Tensor(grad_output, noise)
        mid = (float(lower) + float(upper)) / 2
        return aten.leaky_relu_backward.default(grad_output, self, mid, self_is_result)

    bwd.meta(lambda grad_output, self, *args: empty_meta(
        tuple(np.broadcast_shapes(tuple(grad_output.shape), tuple(self.shape))), self.dtype))
    rwn.derivative(self="aten.rrelu_with_noise_backward.default(grad, self, noise, lower, "
                        "upper, training, False)", result="auto_element_wise")
    rwn_.derivative(
        "RreluWithNoiseBackward1",
        self="aten.rrelu_with_noise_backward.default(grad, result, noise, lower, upper, "
             "training, True)",
        result="self_t.copy_(aten.rrelu_with_noise_backward.default(self_t.conj(), "
               "original_self_p, noise, lower, upper, training, True))")
    bwd.derivative(grad_output="aten.rrelu_with_noise_backward.default(grad, self, noise, "
                               "lower, upper, training, False)",
                   self="zeros_like(grad)",
                   result="aten.rrelu_with_noise_backward.default(grad_output_t, self_p, noise, "
                          "lower, upper, training, False)")

    copy_out_variant(rwn, f"rrelu_with_noise.out(Tensor self, Tensor(b!) noise, {_RRELU_ARGS}, "
                          "*, Tensor(a!) out) -> Tensor(a!)", tags=SEEDED)
    copy_out_variant(bwd, "rrelu_with_noise_backward.out(Tensor grad_output, Tensor self, "
                          "Tensor noise, Scalar lower, Scalar upper, bool training, "
                          "bool self_is_result, *, Tensor(a!) out) -> Tensor(a!)")

    rrelu = defop(f"rrelu(Tensor self, {_RRELU_ARGS}) -> Tensor",
                  tags=("pointwise",) + SEEDED)
    rrelu_ = defop(f"rrelu_(Tensor(a!) self, {_RRELU_ARGS}) -> Tensor(a!)",
                   tags=("inplace",) + SEEDED)

    @rrelu.composite
    def _(self, lower=0.125, upper=1 / 3, training=False, generator=None):
        _check_bounds(lower, upper)
        noise = aten.empty_like.default(self, memory_format=_contiguous())
        return aten.rrelu_with_noise.default(self, noise, lower, upper, training, generator)

    @rrelu_.composite
    def _(self, lower=0.125, upper=1 / 3, training=False, generator=None):
        _check_bounds(lower, upper)
        noise = aten.empty_like.default(self, memory_format=_contiguous())
        return aten.rrelu_with_noise_.default(self, noise, lower, upper, training, generator)

    public("rrelu", rrelu, method=False)
    public("rrelu_", rrelu_, method=False)


def _contiguous():
    from .. import contiguous_format
    return contiguous_format


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    _install_dropouts()
    _install_rrelu()
