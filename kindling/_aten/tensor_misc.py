"""Small ops defined at first use (see ``_aten/_lazy.py``): ``isreal``, ``nonzero_static``,
``fill_diagonal_``, ``is_set_to`` and the older norms ``norm_except_dim``,
``frobenius_norm``, ``nuclear_norm`` (decompositions over ``norm`` and
``linalg_matrix_norm``, so their gradients are those of the pieces) and ``native_norm``
(which PyTorch only implements for sparse tensors: declared, with no dense kernel).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dispatcher.keys import K
from ._api import public
from ._copy_out import copy_out_variant
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._registration_keys import _move


def _isreal():
    d = defop("isreal(Tensor self) -> Tensor")

    @d.composite
    def _(self):
        if not self.dtype.is_complex:
            return aten.ones_like.default(self, dtype=_dtype.bool)
        return aten.eq.Scalar(aten.imag.default(self), 0)
    public("isreal", d, method=False)


def _nonzero_static():
    d = defop("nonzero_static(Tensor self, *, SymInt size, int fill_value=-1) -> Tensor")

    def check(size):
        if size < 0:
            raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")

    @d.cpu
    def _(self, *, size, fill_value=-1):
        check(size)
        found = np.argwhere(self).astype(np.int64)[:size]
        out = np.full((size, self.ndim), fill_value, dtype=np.int64)
        out[:found.shape[0]] = found
        return out

    @d.meta
    def _(self, *, size, fill_value=-1):
        check(size)
        return empty_meta((size, self.dim()), _dtype.int64)
    d.nondifferentiable()
    out = copy_out_variant(d, "nonzero_static.out(Tensor self, *, SymInt size, "
                              "int fill_value=-1, Tensor(a!) out) -> Tensor(a!)", tags=("out",))
    _move(out.entry, K.CompositeExplicitAutograd, (K.CPU, K.Meta))  # (PyTorch's: CPU, Meta)
    public("nonzero_static", d, out, method=False)


def _fill_diagonal():
    d = defop("fill_diagonal_(Tensor(a!) self, Scalar fill_value, bool wrap=False) -> "
              "Tensor(a!)")

    @d.composite
    def _(self, fill_value, wrap=False):
        n = self.dim()
        if n < 2:
            raise RuntimeError("dimensions must larger than 1")
        height, width = self.shape[0], self.shape[1]
        if n > 2 and any(s != height for s in self.shape):
            raise RuntimeError("all dimensions of input must be of equal length")
        offset = self.storage_offset()
        length = min(height, width)
        step = sum(self.stride())
        aten.fill_.Scalar(aten.as_strided.default(self, [length], [step], offset), fill_value)
        if wrap and n == 2 and height > width + 1:
            # (the diagonal starts again every width + 1 rows, as NumPy's fill_diagonal)
            rest = (self.numel() + width) // (width + 1) - length
            start = offset + self.stride(0) * (width + 1)
            aten.fill_.Scalar(aten.as_strided.default(self, [rest], [step], start), fill_value)
        return self


def _is_set_to():
    d = defop("is_set_to(Tensor self, Tensor tensor) -> bool")

    @d.impl(K.CPU)  # (a CPU kernel in PyTorch)
    def _(self, tensor):
        return (self.untyped_storage().data_ptr() == tensor.untyped_storage().data_ptr()
                and self.device == tensor.device
                and self.storage_offset() == tensor.storage_offset()
                and tuple(self.shape) == tuple(tensor.shape)
                and self.stride() == tensor.stride())


def _norms():
    ned = defop("norm_except_dim(Tensor v, int pow=2, int dim=0) -> Tensor")

    @ned.composite
    def _(v, pow=2, dim=0):
        if dim == -1:
            return aten.norm.Scalar(v, pow)
        last = v.dim() - 1
        if dim == 0:
            shape = [v.shape[0]] + [1] * last
            flat = aten.view.default(v.contiguous(), [v.shape[0], -1])
            return aten.view.default(aten.norm.ScalarOpt_dim(flat, pow, [1]), shape)
        if dim == last:
            shape = [1] * last + [v.shape[-1]]
            flat = aten.view.default(v.contiguous(), [-1, v.shape[dim]])
            return aten.view.default(aten.norm.ScalarOpt_dim(flat, pow, [0]), shape)
        moved = aten.transpose.int(v, 0, dim)
        return aten.transpose.int(aten.norm_except_dim.default(moved, pow, 0), 0, dim)
    public("norm_except_dim", ned, method=False)

    def frob_check(dim):
        if len(dim) > 2:
            raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dim)} dimensions "
                               "instead.")

    frob = defop("frobenius_norm.dim(Tensor self, int[1] dim, bool keepdim=False) -> Tensor")

    @frob.composite
    def _(self, dim, keepdim=False):
        frob_check(dim)
        return aten.norm.ScalarOpt_dim(self, 2, dim, keepdim)
    frob_out = defop("frobenius_norm.out(Tensor self, int[1] dim, bool keepdim=False, *, "
                     "Tensor(a!) out) -> Tensor(a!)")

    @frob_out.composite
    def _(self, dim, keepdim=False, *, out):
        frob_check(dim)
        return aten.norm.out(self, 2, dim, keepdim, out=out)
    public("frobenius_norm", frob, frob_out, method=False)

    nuc = defop("nuclear_norm(Tensor self, bool keepdim=False) -> Tensor")
    nuc.composite(lambda self, keepdim=False: aten.linalg_matrix_norm.str_ord(
        self, "nuc", [-2, -1], keepdim))
    nuc_dim = defop("nuclear_norm.dim(Tensor self, int[2] dim, bool keepdim=False) -> Tensor")
    nuc_dim.composite(lambda self, dim, keepdim=False: aten.linalg_matrix_norm.str_ord(
        self, "nuc", dim, keepdim))

    def into(out, r):
        if tuple(out.shape) != tuple(r.shape):
            aten.resize_.default(out, list(r.shape))
        return aten.copy_.default(out, r)
    nuc_out = defop("nuclear_norm.out(Tensor self, bool keepdim=False, *, Tensor(a!) out) -> "
                    "Tensor(a!)")
    nuc_out.composite(lambda self, keepdim=False, *, out: into(
        out, aten.linalg_matrix_norm.str_ord(self, "nuc", [-2, -1], keepdim)))
    nuc_dim_out = defop("nuclear_norm.dim_out(Tensor self, int[2] dim, bool keepdim=False, *, "
                        "Tensor(a!) out) -> Tensor(a!)")
    nuc_dim_out.composite(lambda self, dim, keepdim=False, *, out: into(
        out, aten.linalg_matrix_norm.str_ord(self, "nuc", dim, keepdim)))
    public("nuclear_norm", nuc, nuc_dim, nuc_out, nuc_dim_out, method=False)

    # (sparse only in PyTorch: a dense tensor gets the dispatcher's "Could not run" error)
    # (PyTorch lists the generated out= overloads first)
    nn_out = defop("native_norm.out(Tensor self, Scalar p=2, *, Tensor(a!) out) -> Tensor(a!)",
                   tags=("generated",))
    nn_dim_out = defop("native_norm.ScalarOpt_dim_dtype_out(Tensor self, Scalar? p, "
                       "int[1] dim, bool keepdim, ScalarType? dtype, *, Tensor(a!) out) -> "
                       "Tensor(a!)", tags=("generated",))
    nn = defop("native_norm(Tensor self, Scalar p=2) -> Tensor")
    nn_dim = defop("native_norm.ScalarOpt_dim_dtype(Tensor self, Scalar? p, int[1] dim, "
                   "bool keepdim, ScalarType? dtype) -> Tensor")
    f, g = nn.op, nn_dim.op
    nn_out.explicit(lambda self, p=2, *, out: into(out, f(self, p)))
    nn_dim_out.explicit(lambda self, p, dim, keepdim, dtype, *, out: into(
        out, g(self, p, dim, keepdim, dtype)))
    public("native_norm", nn, nn_dim, method=False)


def install():
    _isreal()
    _nonzero_static()
    _fill_diagonal()
    _is_set_to()
    _norms()
