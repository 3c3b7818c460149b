"""Backward ops of views: ``select_backward``, ``slice_backward``, ``diagonal_backward``.

Each returns zeros of the viewed input's sizes with the gradient written into the region the
view covers (PyTorch: ``zeros(input_sizes).select(dim, index).copy_(grad)``).  They are aten ops
of their own, as in PyTorch, so a dispatch mode sees one ``select_backward`` during a
``select``'s backward rather than the pieces, and their own derivatives (the view again) make
double backward work.

One function per op places the region on an ndarray (a writable view of it); the CPU kernel
writes the gradient through it, and the meta function applies it to a zero-stride stand-in to
learn the region's shape, so both check arguments the same way and raise PyTorch's errors.
"""
from __future__ import annotations

import numpy as np

from ..testing import samples as S
from ._defop import defop
from ._meta_util import empty_meta
from ._util import broadcast_shapes, wrap_dim

INT64_MAX = 2 ** 63 - 1
_ALL = slice(None)


def _sizes_str(sizes):
    return "[" + ", ".join(map(str, sizes)) + "]"


# ---- regions ------------------------------------------------------------------------------------
def _select_region(a, dim, index):
    """``a.select(dim, index)`` as an ndarray view, with select's checks."""
    if a.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, a.ndim)
    size = a.shape[d]
    index = int(index)
    if index < -size or index >= size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{_sizes_str(a.shape)} at dimension {dim}")
    return a[(_ALL,) * d + (index, Ellipsis)]


def _slice_region(a, dim, start, end, step):
    """``a.slice(dim, start, end, step)`` (NumPy's clamping of bounds is PyTorch's for step > 0)."""
    if a.ndim == 0:
        raise RuntimeError("slice() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, a.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    return a[(_ALL,) * d + (slice(int(start), int(end), int(step)),)]


def _diagonal_region(a, offset, dim1, dim2):
    """``a.diagonal(offset, dim1, dim2)``: the other dims first, then the diagonal."""
    d1, d2 = wrap_dim(dim1, a.ndim), wrap_dim(dim2, a.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    m = np.moveaxis(a, (d1, d2), (-2, -1))
    rows, cols = m.shape[-2:]
    if offset >= 0:
        n = max(min(rows, cols - offset), 0)
        m = m[..., :, min(offset, cols):]
    else:
        n = max(min(rows + offset, cols), 0)
        m = m[..., min(-offset, rows):, :]
    return np.lib.stride_tricks.as_strided(m, m.shape[:-2] + (n,),
                                           m.strides[:-2] + (m.strides[-2] + m.strides[-1],))


def _check_copy(region_shape, grad_shape):
    """``copy_``'s check that the gradient broadcasts to the region (PyTorch's texts)."""
    if tuple(grad_shape) == tuple(region_shape):
        return
    b = broadcast_shapes(tuple(region_shape), tuple(grad_shape))
    if b != tuple(region_shape):
        raise RuntimeError(f"output with shape {_sizes_str(region_shape)} doesn't match the "
                           f"broadcast shape {_sizes_str(b)}")


def _declare(schema, region):
    """A ``*_backward(Tensor grad_output, SymInt[] input_sizes, ...)`` op over ``region``."""
    d = defop(schema)

    @d.cpu
    def _(grad_output, input_sizes, *args):
        out = np.zeros(tuple(input_sizes), dtype=grad_output.dtype)
        view = region(out, *args)
        _check_copy(view.shape, grad_output.shape)
        view[...] = grad_output
        return out

    @d.meta
    def _(grad_output, input_sizes, *args):
        stand_in = np.broadcast_to(np.empty((), np.int8), tuple(input_sizes))
        _check_copy(region(stand_in, *args).shape, grad_output.shape)
        return empty_meta(input_sizes, grad_output.dtype)
    return d


select_backward = _declare(
    "select_backward(Tensor grad_output, SymInt[] input_sizes, int dim, SymInt index) -> Tensor",
    _select_region)
select_backward.derivative(grad_output="grad.select(dim, index)", result="auto_linear")

slice_backward = _declare(
    "slice_backward(Tensor grad_output, SymInt[] input_sizes, int dim, SymInt start, SymInt end, "
    "SymInt step) -> Tensor", _slice_region)
slice_backward.derivative(grad_output="aten.slice.Tensor(grad, dim, start, end, step)",
                          result="auto_linear")

diagonal_backward = _declare(
    "diagonal_backward(Tensor grad_output, SymInt[] input_sizes, int offset, int dim1, int dim2) "
    "-> Tensor", _diagonal_region)
diagonal_backward.derivative(grad_output="grad.diagonal(offset, dim1, dim2)",
                             result="auto_linear")


# ---- samples ------------------------------------------------------------------------------------
def _samples(region, cases):
    """Sample inputs from ``(input_sizes, args)`` cases: a gradient of the region's shape."""
    def gen(dtype):
        for i, (sizes, args) in enumerate(cases):
            stand_in = np.broadcast_to(np.empty((), np.int8), sizes)
            shape = region(stand_in, *args).shape
            yield S.SampleInput(S.make_arr(shape, dtype, seed=i), list(sizes), *args)
    return gen


select_backward.samples(_samples(_select_region, [
    ((2, 3), (1, -1)), ((3, 4), (0, 2)), ((4,), (0, -4)), ((2, 0, 3), (2, 1))]))
slice_backward.samples(_samples(_slice_region, [
    ((5, 3), (0, 1, 4, 2)), ((3, 4), (1, -2, INT64_MAX, 1)), ((3, 4), (-1, 0, 10, 3)),
    ((4,), (0, 3, 1, 1))]))
diagonal_backward.samples(_samples(_diagonal_region, [
    ((3, 4), (1, 0, 1)), ((2, 3, 3), (0, 1, 2)), ((3, 4), (-2, 1, 0)), ((2, 2), (5, 0, 1))]))
