"""``softmax`` and ``log_softmax`` along one dim, as PyTorch layers them: the public ``.int``
overloads are decompositions (an optional ``dtype`` conversion, then ``_softmax`` /
``_log_softmax``), and the backward ops ``_softmax_backward_data`` /
``_log_softmax_backward_data`` are aten ops of their own, with their own derivatives (double
backward).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ..testing import samples as S
from ._api import public
from ._defop import JvpDecomposition, defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._pointwise_util import fp_silent
from ._util import dtype_of, wrap_dim
from .reductions import _numel

OPS = {}
_HALF = (np.float16,)


def _check(name, self, dim, half_to_float):
    """The kernels' checks (floating inputs only, PyTorch's kernel names); the wrapped dim."""
    d = wrap_dim(dim, self.ndim)
    dt = dtype_of(self)
    if (dt._cat < _dtype.FLOAT or dt.is_complex) and _numel(self.shape):  # (no kernel runs when empty)
        last = "lastdim_" if self.ndim == 0 or d == self.ndim - 1 else ""
        raise NotImplementedError(f'"{name}_{last}kernel_impl" not implemented for '
                                  f"'{dt._scalar_name}'")
    if half_to_float:
        raise RuntimeError(f"{name.replace('_', ' ')} with half to float conversion is not "
                           "supported on CPU")
    return d


def _softmax_np(x, d, log):
    """(log-)softmax of ``x`` along ``d``, shifted by the max for stability (a 0-dim input is
    a one-element vector)."""
    a = x.reshape(1) if x.ndim == 0 else x
    low = a.dtype.type in _HALF
    if low:
        a = a.astype(np.float32)

    def compute(a):
        shifted = a - np.max(a, axis=d, keepdims=True) if a.size else a
        if log:
            return shifted - np.log(np.sum(np.exp(shifted), axis=d, keepdims=True))
        e = np.exp(shifted)
        return e / np.sum(e, axis=d, keepdims=True)
    # (astype copies: a fresh C-ordered array, 0-dim kept - ascontiguousarray would make it 1-d)
    return fp_silent(compute, a).astype(x.dtype).reshape(x.shape)


def _declare(name, log):
    fwd = defop(f"_{name}(Tensor self, int dim, bool half_to_float) -> Tensor", tags=("core",))
    kernel_name = "log_softmax" if log else "softmax"

    @fwd.cpu
    def _(self, dim, half_to_float):
        return _softmax_np(self, _check(kernel_name, self, dim, half_to_float), log)

    @fwd.meta
    def _(self, dim, half_to_float):
        _check(kernel_name, self, dim, half_to_float)
        return empty_meta(self._size, self.dtype)

    bwd = defop(f"_{name}_backward_data(Tensor grad_output, Tensor output, int dim, "
                "ScalarType input_dtype) -> Tensor")

    @bwd.cpu
    def _(grad_output, output, dim, input_dtype):
        d = wrap_dim(dim, output.ndim)
        g = grad_output.reshape(1) if grad_output.ndim == 0 else grad_output
        o = output.reshape(1) if output.ndim == 0 else output

        def compute(g, o):
            if log:  # grad - exp(output) * sum(grad)
                return g - np.exp(o) * np.sum(g, axis=d, keepdims=True)
            return o * (g - np.sum(g * o, axis=d, keepdims=True))
        return fp_silent(compute, g, o).astype(output.dtype).reshape(output.shape)

    @bwd.meta
    def _(grad_output, output, dim, input_dtype):
        wrap_dim(dim, output.ndim)
        return empty_meta(output._size, output.dtype)

    public_op = defop(f"{name}.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor")

    @public_op.composite
    def _(self, dim, dtype=None):
        if dtype is not None and dtype is not self.dtype:  # (``toType``: no copy if same)
            self = aten._to_copy.default(self, dtype=dtype)
        return getattr(aten, f"_{name}").default(self, dim, False)

    OPS[f"_{name}"], OPS[f"_{name}_backward_data"], OPS[f"{name}.int"] = fwd, bwd, public_op
    public(name, public_op)
    return fwd, bwd


_softmax, _softmax_backward_data = _declare("softmax", False)
_log_softmax, _log_softmax_backward_data = _declare("log_softmax", True)

_softmax.derivative(self="aten._softmax_backward_data.default(grad, result, dim, "
                         "self_scalar_type)",
                    result="result * (self_t - logsumexp_jvp(self_p, self_t, [dim], True))")
# PyTorch has no forward formulas for these two: forward AD runs their decompositions
# (torch._decomp's), whose ops each compute their tangents
def _softmax_backward_decomposition(grad_output, output, dim, input_dtype):
    new_grad_output = grad_output * output
    grad_input = new_grad_output - output * aten.sum.dim_IntList(new_grad_output, [dim], True)
    return _cast_to_input_dtype(grad_output, grad_input, input_dtype)


def _log_softmax_backward_decomposition(grad_output, output, dim, input_dtype):
    grad_input = grad_output - aten.exp.default(output) * aten.sum.dim_IntList(
        grad_output, [dim], True)
    return _cast_to_input_dtype(grad_output, grad_input, input_dtype)


def _cast_to_input_dtype(grad_output, grad_input, input_dtype):
    if grad_output.dtype is not input_dtype:
        grad_input = grad_input.to(input_dtype)
    return grad_input


_softmax_backward_data.derivative(
    grad_output="aten._softmax_backward_data.default(grad, output, dim, input_dtype)",
    output="softmax_double_backward(grad, grad_output, dim, output)",
    result=JvpDecomposition(_softmax_backward_decomposition))
_log_softmax.derivative(
    self="aten._log_softmax_backward_data.default(grad, result, dim, self_scalar_type)",
    result="self_t - logsumexp_jvp(self_p, self_t, [dim], True)")
_log_softmax_backward_data.derivative(
    grad_output="grad - (grad * output.exp()).sum(dim, True)",
    output="-grad_output.sum(dim, True) * output.exp() * grad",
    result=JvpDecomposition(_log_softmax_backward_decomposition))


def _fwd_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), 1, False)
    yield S.SampleInput(A((3, 4), dtype, seed=1), 0, False)
    yield S.SampleInput(A((2, 3, 4), dtype, seed=2), -2, False)
    yield S.SampleInput(A((), dtype, seed=3), 0, False)
    yield S.SampleInput(A((0, 3), dtype), 1, False)
    yield S.SampleInput(A((3, 4), dtype, seed=4, noncontig=True), -1, False)


def _bwd_samples(log):
    def gen(dtype):
        if dtype not in ("float32", "float64"):
            return
        for i, (shape, dim) in enumerate([((3, 4), 1), ((2, 3, 4), 0), ((), 0)]):
            x = S.make_arr(shape, dtype, seed=i).value
            out = _softmax_np(x, wrap_dim(dim, x.ndim), log)
            yield S.SampleInput(S.make_arr(shape, dtype, seed=10 + i), S.Arr(out), dim,
                                getattr(_dtype, dtype))
    return gen


for _f in (_softmax, _log_softmax):
    _f.samples(_fwd_samples)
_softmax_backward_data.samples(_bwd_samples(False))
_log_softmax_backward_data.samples(_bwd_samples(True))
