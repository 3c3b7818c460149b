"""Embedding lookups: ``embedding`` (rows of ``weight`` picked by ``indices``, through
``index_select``), its backward (``embedding_backward`` choosing the dense
``embedding_dense_backward``: per-index accumulation, ``padding_idx`` rows left out, optional
``1 / count`` scaling) and ``embedding_renorm_`` (rows whose norm exceeds ``max_norm`` scaled
down in place).  Sparse gradients are not modelled.  Defined at first use
(``_aten/_lazy.py``).
"""
from __future__ import annotations

import numpy as np

from ._api import public
from ._copy_out import copy_out_variant
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten


def _check_indices(indices, fname, pos):
    if indices.dtype._name not in ("int64", "int32"):
        raise RuntimeError(
            f"Expected tensor for argument #{pos} 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {indices._typed_legacy_name()} instead "
            f"(while checking arguments for {fname})")


def _install_embedding():
    emb = defop("embedding(Tensor weight, Tensor indices, SymInt padding_idx=-1, "
                "bool scale_grad_by_freq=False, bool sparse=False) -> Tensor", tags=("core",))

    @emb.explicit
    def _(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
        if weight.dim() != 2:
            raise RuntimeError("'weight' must be 2-D")
        _check_indices(indices, "embedding", 1)
        if indices.dim() == 1:
            return aten.index_select.default(weight, 0, indices)
        size = list(indices.shape) + list(weight.shape[1:])
        rows = aten.index_select.default(weight, 0, aten.reshape.default(indices, [-1]))
        return aten.view.default(rows, size)

    @emb.meta
    def _(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
        if weight.dim() != 2:
            raise RuntimeError("'weight' must be 2-D")
        _check_indices(indices, "embedding", 1)
        return empty_meta(tuple(indices.shape) + tuple(weight.shape[1:]), weight.dtype)

    def weight_formula(grad, indices, weight_sym_sizes, padding_idx, scale_grad_by_freq,
                       sparse):
        return aten.embedding_backward.default(grad, indices, weight_sym_sizes[0],
                                               padding_idx, scale_grad_by_freq, sparse)
    emb.derivative(weight=weight_formula, result="auto_linear")

    bwd = defop("embedding_backward(Tensor grad, Tensor indices, SymInt num_weights, "
                "SymInt padding_idx, bool scale_grad_by_freq, bool sparse) -> Tensor")

    @bwd.composite
    def _(grad, indices, num_weights, padding_idx, scale_grad_by_freq, sparse):
        if sparse:
            raise NotImplementedError(
                "embedding_backward: sparse gradients (sparse=True) are not supported: "
                "kindling has no sparse tensors")
        return aten.embedding_dense_backward.default(grad, indices, num_weights, padding_idx,
                                                     scale_grad_by_freq)

    dense = defop("embedding_dense_backward(Tensor grad_output, Tensor indices, "
                  "SymInt num_weights, SymInt padding_idx, bool scale_grad_by_freq) -> Tensor",
                  tags=("core",))

    @dense.cpu_ks
    def _(ks, grad_output, indices, num_weights, padding_idx, scale_grad_by_freq):
        _check_indices(indices, "embedding_backward", 2)
        g = grad_output._np
        d = g.shape[-1] if g.ndim else 1
        idx = np.ascontiguousarray(indices._np).ravel().astype(np.int64)
        rows = np.ascontiguousarray(g).reshape(idx.size, d)
        keep = idx != padding_idx
        idx, rows = idx[keep], rows[keep]
        if scale_grad_by_freq:
            counts = np.bincount(np.ascontiguousarray(indices._np).ravel().astype(np.int64),
                                 minlength=num_weights)
            rows = rows * (1.0 / counts[idx]).astype(rows.dtype)[:, None]
        out = np.zeros((num_weights, d), g.dtype)
        np.add.at(out, idx, rows)  # (in index order, as the CPU kernel adds)
        from .._tensor import from_array
        return from_array(out)

    dense.meta(lambda grad_output, indices, num_weights, padding_idx, scale_grad_by_freq:
               empty_meta((num_weights, grad_output.shape[-1]), grad_output.dtype))

    def dense_double_backward(grad, indices, padding_idx):
        gg = aten.index_select.default(grad, 0, aten.reshape.default(indices, [-1]))
        if padding_idx >= 0:
            mask = aten.reshape.default(aten.eq.Scalar(indices, padding_idx), [-1, 1])
            gg = aten.masked_fill_.Scalar(gg, mask, 0)
        return aten.view.default(gg, list(indices.shape) + [-1])
    dense.derivative(grad_output=dense_double_backward, result="auto_linear")

    copy_out_variant(emb, "embedding.out(Tensor weight, Tensor indices, SymInt padding_idx=-1, "
                          "bool scale_grad_by_freq=False, bool sparse=False, *, "
                          "Tensor(a!) out) -> Tensor(a!)")
    copy_out_variant(dense, "embedding_dense_backward.out(Tensor grad_output, Tensor indices, "
                            "SymInt num_weights, SymInt padding_idx, bool scale_grad_by_freq, "
                            "*, Tensor(a!) out) -> Tensor(a!)")

    renorm = defop("embedding_renorm_(Tensor(a!) self, Tensor indices, float max_norm, "
                   "float norm_type) -> Tensor(a!)", tags=("inplace",))

    @renorm.cpu_ks
    def _(ks, self, indices, max_norm, norm_type):
        if self.dim() != 2:
            raise RuntimeError(f"Expected 2-dimensional tensor, but got {self.dim()}-dimensional "
                               "tensor for argument #1 'self' (while checking arguments for "
                               "embedding_renorm_)")
        _check_indices(indices, "embedding_renorm_", 2)
        n = self.shape[0]
        w = self._np
        for k in sorted(set(np.ascontiguousarray(indices._np).ravel().tolist())):
            if not -n <= k < n:
                raise IndexError(f"select(): index {k} out of range for tensor of size "
                                 f"{list(self.shape)} at dimension 0")
            norm = float(aten.linalg_vector_norm.default(self[k], norm_type).item())
            if norm > max_norm:
                w[k] *= w.dtype.type(max_norm / (norm + 1e-7))
        return self

    renorm.meta(lambda self, indices, max_norm, norm_type: self)

    def renorm_not_implemented(grad):
        raise RuntimeError("the derivative for 'embedding_renorm' is not implemented.")
    renorm.derivative(self=renorm_not_implemented)

    public("embedding", emb, method=False)
    public("embedding_renorm_", renorm, method=False)


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    _install_embedding()
