"""``_unsafe_masked_index`` and its backward, ``_unsafe_masked_index_put_accumulate``
(defined at first use: see ``_aten/_lazy.py``).

``_unsafe_masked_index(self, mask, indices, fill)`` is ``where(mask, self[indices], fill)``
for compilers that skip the load where ``mask`` is false, so indices may be out of range
there.  As PyTorch's eager version, the indices are clamped into range, ``self`` indexed, and
the masked-out elements filled; the backward scatters the masked gradient back with an
accumulating ``index_put``.
"""
from __future__ import annotations

from .. import _dtype
from .._dispatcher.keys import K
from ._api import public
from ._defop import defop
from ._ops_registry import aten


def _clamped(self, indices):
    """Each index tensor clamped to ``[-size, size - 1]`` of its dim (ints only)."""
    out = []
    for index, size in zip(indices, self.shape):
        if index is None:
            out.append(None)
            continue
        if index.dtype not in (_dtype.int64, _dtype.int32):
            raise RuntimeError("_unsafe_masked_index found unexpected index type "
                               f"{index.dtype._scalar_name}")
        out.append(aten.clamp.default(index, -size, size - 1))
    return out


def _masked_index(self, mask, indices, fill):
    clamped = _clamped(self, indices)
    if self.numel() == 0:
        # (a tensor of ``fill`` indexed instead: each indexed dim of size 0 becomes 1; as in
        # PyTorch, dims past the indexed ones are 0)
        sizes = [1 if index is not None and size == 0 else size
                 for index, size in zip(indices, self.shape)]
        sizes += [0] * (self.dim() - len(sizes))
        filled = aten.new_full.default(self, sizes, fill)
        return aten.index.Tensor(filled, clamped)
    result = aten.index.Tensor(self, clamped)
    return aten.masked_fill.Scalar(result, aten.logical_not.default(mask), fill)


def _masked_index_put_accumulate(self, mask, indices, values):
    if self.numel() == 0:
        return aten.clone.default(self)
    clamped = _clamped(self, indices)
    masked = aten.masked_fill.Scalar(values, aten.logical_not.default(mask), 0)
    return aten.index_put.default(self, clamped, masked, True)


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    index = defop("_unsafe_masked_index(Tensor self, Tensor mask, Tensor?[] indices, "
                  "Scalar fill) -> Tensor")
    index.explicit(_masked_index)
    index.impl(K.Meta)(_masked_index)  # (PyTorch registers Meta kernels for both)
    put = defop("_unsafe_masked_index_put_accumulate(Tensor self, Tensor mask, "
                "Tensor?[] indices, Tensor values) -> Tensor")
    put.explicit(_masked_index_put_accumulate)
    put.impl(K.Meta)(_masked_index_put_accumulate)
    index.derivative(
        self="aten._unsafe_masked_index_put_accumulate.default("
             "grad.new_zeros(self_sym_sizes), mask, indices, grad)",
        result="aten._unsafe_masked_index.default(self_t, mask, indices, 0)")
    put.derivative(
        self="grad",
        values="aten._unsafe_masked_index.default(grad, mask, indices, 0)",
        result="aten._unsafe_masked_index_put_accumulate.default(self_t, mask, indices, "
               "values_t)")
    index.complex_autograd = put.complex_autograd = True  # (both in PyTorch's
    # GRADIENT_IMPLEMENTED_FOR_COMPLEX)
    public("_unsafe_masked_index", index, method=False)
    public("_unsafe_masked_index_put_accumulate", put, method=False)
