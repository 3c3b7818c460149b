"""Indexed and masked reads and writes: ``take``/``put``, ``take_along_dim``,
``masked_select``/``masked_scatter`` (with their backward ops), ``nonzero`` (and
``as_tuple``), ``argwhere``, ``index_fill`` and ``index_copy``, with in-place and ``out=``
forms.

``take``/``put`` address the input as if flattened (row-major), negative indices from the
end.  ``nonzero`` returns its (N, ndim) result column-major, as PyTorch does (strides
``(1, N)``), so ``as_tuple``'s columns are contiguous views.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..testing import samples as S
from ._api import function, method, public
from ._copy_out import copy_out_variant
from ._defop import defop
from ._meta_util import empty_meta, no_meta
from ._ops_registry import aten
from ._util import broadcast_error, broadcast_shapes, dtype_of, np_scalar, wrap_dim
from ._variants import inplace_variant, resize_out
from .views import infer_expand_geometry

OPS = {}


def _declared(d):
    OPS[str(d.op)[len("aten."):]] = d
    return d


# ---- take / put ---------------------------------------------------------------------------------
def _check_flat_index(index, numel, name):
    if dtype_of(index) is not _dtype.int64:
        raise RuntimeError(f"{name}: Expected a long tensor for index, but got "
                           f"{dtype_of(index)._scalar_name}")
    if isinstance(index, np.ndarray) and index.size:
        if numel == 0:
            raise IndexError("take(): tried to take from an empty tensor")
        bad = (index < -numel) | (index >= numel)
        if bad.any():
            raise IndexError(f"out of range: tried to access index {int(index[bad].flat[0])} on "
                             f"a tensor of {numel} elements.")


take = _declared(defop("take(Tensor self, Tensor index) -> Tensor"))


@take.cpu
def _(self, index):
    _check_flat_index(index, self.size, "take()")
    return self.reshape(-1)[index.astype(np.intp)] if index.size else \
        np.empty(index.shape, self.dtype)


@take.meta
def _(self, index):
    _check_flat_index(index, self.numel(), "take()")
    return empty_meta(index._size, self.dtype)


take.out = _declared(defop("take.out(Tensor self, Tensor index, *, Tensor(a!) out) -> "
                           "Tensor(a!)"))


@take.out.explicit
def _(self, index, *, out):
    if out.dtype is not self.dtype:
        raise RuntimeError(f"take(): self and out expected to have the same dtype, but got "
                           f"self.dtype = {self.dtype._scalar_name} and out.dtype = "
                           f"{out.dtype._scalar_name}")
    r = take.op(self, index)
    resize_out(out, r._size)
    return aten.copy_.default(out, r)


def _put_checks(self, index, source):
    name = "put_()"
    if dtype_of(index) is not _dtype.int64:
        raise RuntimeError(f"{name}: Expected a long tensor for index, but got "
                           f"{dtype_of(index)._scalar_name}")
    if dtype_of(self) is not dtype_of(source):
        raise RuntimeError(f"{name}: self and source expected to have the same dtype, but got "
                           f"self.dtype = {dtype_of(self)._scalar_name} and source.dtype = "
                           f"{dtype_of(source)._scalar_name}")
    n_src, n_idx = int(np.prod(source.shape)), int(np.prod(index.shape))
    if n_src != n_idx:
        raise IndexError(f"{name}: Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {n_src}, index.numel() = {n_idx}")


put = _declared(defop("put(Tensor self, Tensor index, Tensor source, bool accumulate=False) -> "
                      "Tensor"))


@put.cpu
def _(self, index, source, accumulate=False):
    _put_checks(self, index, source)
    out = self.copy()
    if index.size:
        _check_flat_index(index, self.size, "put_()")
        flat = out.reshape(-1)  # (a view: ``out`` is C-ordered)
        idx = index.reshape(-1).astype(np.intp)
        if accumulate:
            np.add.at(flat, idx, source.reshape(-1))
        else:
            flat[idx] = source.reshape(-1)
    return out


@put.meta
def _(self, index, source, accumulate=False):
    _put_checks(self, index, source)
    return empty_meta(self._size, self.dtype)


put.inplace = _declared(inplace_variant(put, "put_(Tensor(a!) self, Tensor index, Tensor source, "
                                             "bool accumulate=False) -> Tensor(a!)"))
put.out = _declared(copy_out_variant(put, "put.out(Tensor self, Tensor index, Tensor source, "
                                          "bool accumulate=False, *, Tensor(a!) out) -> "
                                          "Tensor(a!)"))

take.derivative(self="take_backward(grad, self, index)", result="auto_linear")
put.derivative(self="grad if accumulate else grad.put(index, info_zeros(source_info), False)",
               source="aten.view.default(grad.take(index), list(source_sym_sizes))",
               result="self_t.put(index, source_t, accumulate)")
public("take", take, take.out)
public("put", put)
public("put_", put.inplace, function=False)


# ---- take_along_dim ------------------------------------------------------------------------------
def _gather_args(self, indices, dim):
    """The ``(self, dim, index)`` that ``take_along_dim`` gathers with."""
    if dim is None:
        return aten.view.default(self, [-1]), 0, aten.view.default(indices, [-1])
    if self.dim() != indices.dim():
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {self.dim()} dimensions for input, "
                           f"and {indices.dim()} dimensions for indices")
    if indices.dtype is not _dtype.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{indices.dtype._scalar_name}")
    d = wrap_dim(dim, self.dim())
    self_sizes = list(self._size)
    self_sizes[d] = indices._size[d]
    indices = aten.expand.default(indices, list(broadcast_shapes(tuple(self_sizes),
                                                                 tuple(indices._size))))
    index_sizes = list(indices._size)
    index_sizes[d] = self._size[d]
    self = aten.expand.default(self, list(broadcast_shapes(tuple(index_sizes),
                                                           tuple(self._size))))
    # (indices wrap around the dim, negative ones included)
    return self, d, aten.remainder.Scalar(indices, self._size[d])


def _take_along_dim(self, indices, dim=None):
    return aten.gather.default(*_gather_args(self, indices, dim))


def _take_along_dim_out(self, indices, dim=None, *, out):
    return aten.gather.out(*_gather_args(self, indices, dim), out=out)


take_along_dim = _declared(defop("take_along_dim(Tensor self, Tensor indices, int? dim=None) -> "
                                 "Tensor"))
take_along_dim.composite(_take_along_dim)
take_along_dim.out = _declared(defop("take_along_dim.out(Tensor self, Tensor indices, "
                                     "int? dim=None, *, Tensor(a!) out) -> Tensor(a!)"))
take_along_dim.out.composite(_take_along_dim_out)
public("take_along_dim", take_along_dim, take_along_dim.out)


# ---- masked_select ------------------------------------------------------------------------------
def _bool_mask(mask, name):
    if dtype_of(mask) is not _dtype.bool:
        raise RuntimeError(f"{name}: expected BoolTensor for mask")


masked_select = _declared(defop("masked_select(Tensor self, Tensor mask) -> Tensor",
                                tags=("dynamic_output_shape",)))


def _mask_broadcast(self_shape, mask_shape):
    """The shape ``self`` and ``mask`` broadcast to (PyTorch's ``infer_size(mask, self)``:
    its error names the mask's size first)."""
    try:
        return broadcast_shapes(tuple(mask_shape), tuple(self_shape))
    except RuntimeError:
        raise broadcast_error((tuple(mask_shape), tuple(self_shape))) from None


@masked_select.cpu
def _(self, mask):
    _bool_mask(mask, "masked_select")
    shape = _mask_broadcast(self.shape, mask.shape)
    return np.broadcast_to(self, shape)[np.broadcast_to(mask, shape)]


masked_select.meta(no_meta("masked_select"))
masked_select.derivative(self="masked_select_backward(grad, self, mask)", result="auto_linear")
masked_select.out = _declared(defop("masked_select.out(Tensor self, Tensor mask, *, "
                                    "Tensor(a!) out) -> Tensor(a!)",
                                    tags=("dynamic_output_shape",)))


@masked_select.out.explicit
def _(self, mask, *, out):
    if out.dtype is not self.dtype:
        raise RuntimeError("masked_select(): self and result must have the same scalar type")
    r = masked_select.op(self, mask)
    resize_out(out, r._size)
    return aten.copy_.default(out, r)


public("masked_select", masked_select, masked_select.out)

masked_select_backward = _declared(defop("masked_select_backward(Tensor grad, Tensor input, "
                                         "Tensor mask) -> Tensor"))


@masked_select_backward.composite
def _(grad, input, mask):  # noqa: A002 (schema names)
    from ..autograd._formulas import masked_select_backward as decomposition
    return decomposition(grad, input, mask)


# ---- masked_scatter -----------------------------------------------------------------------------
def _masked_scatter_checks(self, mask, source, name):
    if dtype_of(mask) is not _dtype.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {dtype_of(mask)._scalar_name}")
    if dtype_of(self) is not dtype_of(source):
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{dtype_of(self)._scalar_name} and {dtype_of(source)._scalar_name}")


def _masked_scatter_into(out, mask, source):
    """Write ``source``'s leading elements (row-major) where ``mask`` (broadcast to ``out``)
    holds."""
    m = np.broadcast_to(mask, out.shape)
    n = int(m.sum())
    src = source.reshape(-1)
    if src.size < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    out[m] = src[:n]
    return out


masked_scatter = _declared(defop("masked_scatter(Tensor self, Tensor mask, Tensor source) -> "
                                 "Tensor", tags=("core",)))


@masked_scatter.cpu
def _(self, mask, source):
    _masked_scatter_checks(self, mask, source, "masked_scatter")
    shape = _mask_broadcast(self.shape, mask.shape)
    return _masked_scatter_into(np.broadcast_to(self, shape).copy(), mask, source)


@masked_scatter.meta
def _(self, mask, source):
    _masked_scatter_checks(self, mask, source, "masked_scatter")
    return empty_meta(_mask_broadcast(self._size, mask._size), self.dtype)


masked_scatter.inplace = _declared(defop("masked_scatter_(Tensor(a!) self, Tensor mask, "
                                         "Tensor source) -> Tensor(a!)"))


def _expand_mask(mask, self):
    """In place, the mask must broadcast to ``self`` (``expand``'s errors, as C++ words them)."""
    if mask.dim() > self.dim():
        raise RuntimeError(
            f"expand(CPU{mask.dtype._scalar_name}Type{{[{', '.join(map(str, mask._size))}]}}, "
            f"size=[{', '.join(map(str, self._size))}]): the number of sizes provided "
            f"({self.dim()}) must be greater or equal to the number of dimensions in the tensor "
            f"({mask.dim()})")
    infer_expand_geometry(mask, self._size)


@masked_scatter.inplace.cpu_ks
def _(ks, self, mask, source):
    _masked_scatter_checks(self._np, mask._np, source._np, "masked_scatter_")
    _expand_mask(mask, self)
    out = self._np.copy()
    np.copyto(self._np, _masked_scatter_into(out, mask._np, source._np))
    return self


@masked_scatter.inplace.meta
def _(self, mask, source):
    _masked_scatter_checks(self, mask, source, "masked_scatter_")
    _expand_mask(mask, self)
    return self


masked_scatter.inplace.functional = masked_scatter  # (its formula: MaskedScatterBackward0)
masked_scatter.derivative(
    self="grad.masked_fill(mask, 0)",
    source="aten.masked_scatter_backward.default(grad, mask, source_sym_sizes)",
    result="self_t.masked_scatter(mask, source_t)")
masked_scatter.out = _declared(copy_out_variant(
    masked_scatter, "masked_scatter.out(Tensor self, Tensor mask, Tensor source, *, "
                    "Tensor(a!) out) -> Tensor(a!)"))
public("masked_scatter", masked_scatter)
public("masked_scatter_", masked_scatter.inplace, function=False)

masked_scatter_backward = _declared(defop("masked_scatter_backward(Tensor grad_output, "
                                          "Tensor mask, SymInt[] sizes) -> Tensor"))


@masked_scatter_backward.explicit
def _(grad_output, mask, sizes):
    numel = int(np.prod(list(sizes), dtype=np.int64))
    selected = aten.masked_select.default(grad_output, mask)
    missing = numel - selected.numel()
    if missing > 0:  # (zeros for the source elements no mask position took)
        zeros = aten.zeros.default([missing], dtype=grad_output.dtype, device=grad_output.device)
        selected = aten.cat.default([selected, zeros], 0)
    return aten.view.default(selected, list(sizes))


@masked_scatter_backward.meta
def _(grad_output, mask, sizes):
    return empty_meta(sizes, grad_output.dtype)


# (PyTorch's jvp passes grad_output_t's sizes instead of ``sizes`` and fails whenever they
# differ; the op is linear, and kindling's jvp is that)
masked_scatter_backward.derivative(
    grad_output="aten.zeros.default(list(grad_output.shape), dtype=grad.dtype, "
                "device=grad.device).masked_scatter(mask, grad)",
    result="aten.masked_scatter_backward.default(grad_output_t, mask, sizes)")


# ---- nonzero / argwhere -------------------------------------------------------------------------
nonzero = _declared(defop("nonzero(Tensor self) -> Tensor", tags=("core", "dynamic_output_shape")))


def _nonzero_np(a):
    """(N, ndim) int64 indices of the non-zero elements, in row-major order."""
    x = a.astype(np.float32) if a.dtype.kind == "V" else a
    if x.ndim == 0:
        return np.zeros((int(x != 0), 0), np.int64)
    return np.stack(np.nonzero(x != 0), axis=1).astype(np.int64)


@nonzero.cpu_ks
def _(ks, self):
    return _fortran(_nonzero_np(self._np))


def _fortran(idx):
    """An (N, ndim) int64 tensor laid out column-major (strides ``(1, N)``)."""
    from .._storage import UntypedStorage
    from .._tensor import make_tensor
    n, ndim = idx.shape
    data = np.ascontiguousarray(idx.T).reshape(-1).view(np.uint8).copy()
    storage = UntypedStorage(_data=data)
    return make_tensor(storage, (n, ndim), (1, n), 0, _dtype.int64, storage.device)


@nonzero.meta
def _(self):
    raise NotImplementedError(
        "The register_meta function for torch.nonzero() raises unimplemented by default, as a "
        "correct data-independent implementation does not exist. This implementation returns a "
        "fake value, assuming all elements of the tensor are non-zero. To enable this "
        "registration, please set 'torch.fx.experimental._config.meta_nonzero_assume_all_nonzero'"
        " to True.")


nonzero.nondifferentiable()
nonzero.out = _declared(defop("nonzero.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)",
                              tags=("dynamic_output_shape",)))


@nonzero.out.explicit
def _(self, *, out):
    if out.dtype is not _dtype.int64:
        raise RuntimeError(f"nonzero: Expected out tensor to have scalar type Long but got "
                           f"scalar type{out.dtype._scalar_name}")
    r = nonzero.op(self)
    n, ndim = r._size
    if tuple(out._size) != (n, ndim):
        resize_out(out, (n, ndim))
        aten.as_strided_.default(out, [n, ndim], [1, n])  # (column-major, as PyTorch)
    return aten.copy_.default(out, r)


argwhere = _declared(defop("argwhere(Tensor self) -> Tensor", tags=("dynamic_output_shape",)))
argwhere.composite(lambda self: aten.nonzero.default(self))
public("argwhere", argwhere)


def _nonzero_fn(input, *, out=None, as_tuple=False):  # noqa: A002 (PyTorch's name)
    if as_tuple:
        if out is not None:
            raise RuntimeError("nonzero with as_tuple=True does not support out=")
        if input.dim() == 0:
            return tuple(aten.unbind.int(aten.nonzero.default(aten.unsqueeze.default(input, 0)),
                                         1))
        return tuple(aten.unbind.int(aten.nonzero.default(input), 1))
    if out is not None:
        return nonzero.out.op(input, out=out)
    return nonzero.op(input)


@function("nonzero")
def nonzero_fn(input, *, out=None, as_tuple=False):  # noqa: A002
    """The indices of ``input``'s non-zero elements: an (N, ndim) tensor, or with
    ``as_tuple=True`` one 1-D tensor per dim."""
    return _nonzero_fn(input, out=out, as_tuple=as_tuple)


@method("nonzero")
def _nonzero_method(self, *, as_tuple=False):
    return _nonzero_fn(self, as_tuple=as_tuple)


# ---- index_fill ---------------------------------------------------------------------------------
def _index_fill_checks(self, dim, index, value=None):
    if value is not None and len(value.shape) != 0:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {len(value.shape)} dimension(s).")
    if dtype_of(index) is not _dtype.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    d = wrap_dim(dim, max(len(self.shape), 1))
    if len(index.shape) > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    return d


def _index_fill(self, dim, index, value):
    is_tensor = isinstance(value, np.ndarray)
    d = _index_fill_checks(self, dim, index, value if is_tensor else None)
    dt = dtype_of(self)
    if isinstance(value, complex) and dt._cat != _dtype.COMPLEX:
        raise RuntimeError("index_fill_(): Converting complex Scalar to non-complex type is not "
                           "supported")
    out = self.copy()
    flat = out.reshape(out.shape or (1,))
    size = flat.shape[d]
    idx = index.reshape(-1)
    bad = (idx < -size) | (idx >= size)
    if bad.any():
        raise IndexError(f"index {int(idx[bad][0])} is out of bounds for dimension {d} with "
                         f"size {size}")
    v = value.astype(self.dtype) if is_tensor else np_scalar(value, dt)
    flat[(slice(None),) * d + (idx.astype(np.intp),)] = v
    return out


def _index_fill_meta(self, dim, index, value):
    _index_fill_checks(self, dim, index, value if isinstance(value, Tensor) else None)
    return empty_meta(self._size, self.dtype)


index_fill_scalar = _declared(defop("index_fill.int_Scalar(Tensor self, int dim, Tensor index, "
                                    "Scalar value) -> Tensor"))
index_fill_tensor = _declared(defop("index_fill.int_Tensor(Tensor self, int dim, Tensor index, "
                                    "Tensor value) -> Tensor"))
for _d, _kind in ((index_fill_scalar, "Scalar"), (index_fill_tensor, "Tensor")):
    _d.cpu(_index_fill)
    _d.meta(_index_fill_meta)
    _d.inplace = _declared(inplace_variant(
        _d, f"index_fill_.int_{_kind}(Tensor(a!) self, int dim, Tensor index, {_kind} value) "
            "-> Tensor(a!)"))
    _d.out = _declared(copy_out_variant(
        _d, f"index_fill.int_{_kind}_out(Tensor self, int dim, Tensor index, {_kind} value, *, "
            "Tensor(a!) out) -> Tensor(a!)"))
index_fill_scalar.derivative(self="grad.index_fill(dim, index, 0)",
                             result="self_t.index_fill(dim, index, 0)")
index_fill_tensor.derivative("IndexFillBackward1", self="grad.index_fill(dim, index, 0)",
                             value="index_fill_value_backward(grad, dim, index)",
                             result="self_t.index_fill(dim, index, value_t)")
public("index_fill", index_fill_tensor, index_fill_scalar)
public("index_fill_", index_fill_tensor.inplace, index_fill_scalar.inplace, function=False)


# ---- index_copy ---------------------------------------------------------------------------------
def _index_copy_checks(self, dim, index, source):
    d = wrap_dim(dim, len(self.shape))
    n_idx = int(np.prod(index.shape))
    if len(index.shape) >= 2:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got "
                         f"{len(index.shape)})")
    if len(source.shape) == 0 and n_idx != 1:
        raise IndexError(f"index_copy_(): When source is scalar, index should have one element "
                         f"(got {n_idx})")
    if len(source.shape) != len(self.shape) and len(source.shape) and len(self.shape):
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality "
                         f"({len(source.shape)}), destination dimensionality "
                         f"({len(self.shape)})")
    if dtype_of(index) is not _dtype.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got "
                           f"{dtype_of(index)._scalar_name}")
    if dtype_of(self) is not dtype_of(source):
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {dtype_of(self)._scalar_name} and (source) "
                           f"{dtype_of(source)._scalar_name}")
    dst = [s for k, s in enumerate(self.shape) if k != d]
    src = [s for k, s in enumerate(source.shape) if k != d]
    if dst != src:
        raise RuntimeError(
            f"index_copy_(): Source/destination tensor must have same slice shapes. Destination "
            f"slice shape: {' '.join(map(str, dst))} at dimension {d} and source slice shape: "
            f"{' '.join(map(str, src))} at dimension 0.")
    if len(source.shape) and n_idx != source.shape[d]:
        raise IndexError(f"index_copy_(): Number of indices ({n_idx}) should be equal to "
                         f"source.size(dim) ({source.shape[d]})")
    return d


index_copy = _declared(defop("index_copy(Tensor self, int dim, Tensor index, Tensor source) -> "
                             "Tensor"))


@index_copy.cpu
def _(self, dim, index, source):
    d = _index_copy_checks(self, dim, index, source)
    out = self.copy()
    flat = out.reshape(out.shape or (1,))
    size = flat.shape[d]
    idx = index.reshape(-1)
    bad = (idx < 0) | (idx >= size)
    if bad.any():
        raise IndexError(f"index_copy_(): index {int(idx[bad][0])} is out of bounds for "
                         f"dimension {d} with size {size}")
    flat[(slice(None),) * d + (idx.astype(np.intp),)] = source.reshape(
        source.shape or (1,) * flat.ndim)
    return out


@index_copy.meta
def _(self, dim, index, source):
    _index_copy_checks(self, dim, index, source)
    return empty_meta(self._size, self.dtype)


index_copy.derivative(self="grad.index_fill(dim, index, 0)",
                      source="index_copy_source_backward(grad, source, dim, index)",
                      result="self_t.index_copy(dim, index, source_t)")
index_copy.inplace = _declared(inplace_variant(index_copy, "index_copy_(Tensor(a!) self, int dim, "
                                                           "Tensor index, Tensor source) -> "
                                                           "Tensor(a!)"))
index_copy.out = _declared(copy_out_variant(index_copy, "index_copy.out(Tensor self, int dim, "
                                                        "Tensor index, Tensor source, *, "
                                                        "Tensor(a!) out) -> Tensor(a!)",
                                            tags=()))  # (listed in the yaml, not generated)
public("index_copy", index_copy, index_copy.out)
public("index_copy_", index_copy.inplace, function=False)


# ---- samples ------------------------------------------------------------------------------------
def _idx(values):
    return S.Arr(np.asarray(values, dtype=np.int64))


def _mask(values):
    return S.Arr(np.asarray(values, dtype=bool))


def _take_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), _idx([[0, 11], [-1, -12]]))
    yield S.SampleInput(A((3, 4), dtype, noncontig=True), _idx([1, 2, 1]))
    yield S.SampleInput(A((), dtype), _idx(0))
    yield S.SampleInput(A((3,), dtype), _idx([]))


def _put_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), _idx([0, -1, 5]), A((3,), dtype, seed=1))
    yield S.SampleInput(A((3, 4), dtype), _idx([[0, 0], [1, 0]]), A((2, 2), dtype, seed=2),
                        True)
    yield S.SampleInput(A((4,), dtype, noncontig=True), _idx([2]), A((1,), dtype, seed=3))


def _take_along_dim_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), _idx([[0, 3], [1, 1], [2, 0]]), 1)
    yield S.SampleInput(A((3, 4), dtype), _idx([[0, -1, 5, 1]]), 0)
    yield S.SampleInput(A((3, 4), dtype, seed=1), _idx([5, 0, 11]))
    yield S.SampleInput(A((2, 1, 3), dtype, seed=2), _idx([[[0], [1]]]), -1)


def _masked_select_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), S.make_arr((3, 4), "bool", seed=1))
    yield S.SampleInput(A((3, 4), dtype, noncontig=True), S.make_arr((4,), "bool", seed=2))
    yield S.SampleInput(A((4,), dtype), S.make_arr((3, 4), "bool", seed=3))
    yield S.SampleInput(A((), dtype), _mask(True))


def _masked_scatter_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), S.make_arr((3, 4), "bool", seed=1),
                        A((12,), dtype, seed=2))
    yield S.SampleInput(A((4,), dtype), S.make_arr((3, 4), "bool", seed=3),
                        A((3, 5), dtype, seed=4))
    yield S.SampleInput(A((3, 4), dtype, noncontig=True), S.make_arr((4,), "bool", seed=5),
                        A((14,), dtype, seed=6))


def _masked_scatter_backward_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), S.make_arr((3, 4), "bool", seed=1), [12])
    yield S.SampleInput(A((3, 4), dtype), S.make_arr((4,), "bool", seed=2), [2, 7])


def _nonzero_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype, low=-1, high=2))
    yield S.SampleInput(A((2, 3, 2), dtype, low=-1, high=2, noncontig=True))
    yield S.SampleInput(A((), dtype, seed=1))
    yield S.SampleInput(A((0, 2), dtype))


def _index_fill_samples(kind):
    def gen(dtype):
        A = S.make_arr
        val = (lambda i: A((), dtype, seed=i)) if kind == "Tensor" else \
            (lambda i: True if dtype == "bool" else 2)
        # (a negative index only with a number: PyTorch's gradient of a tensor value
        # index_selects the indices, which refuses negative ones)
        yield S.SampleInput(A((3, 4), dtype), 1, _idx([0, -1] if kind == "Scalar" else [0, 3]),
                            val(1))
        yield S.SampleInput(A((3, 4), dtype, noncontig=True), 0, _idx(2), val(2))
        yield S.SampleInput(A((), dtype), 0, _idx([0]), val(3))
        yield S.SampleInput(A((2, 3), dtype), -1, _idx([]), val(4))
    return gen


def _index_copy_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), 0, _idx([2, 0]), A((2, 4), dtype, seed=1))
    yield S.SampleInput(A((3, 4), dtype, noncontig=True), -1, _idx([3]), A((3, 1), dtype, seed=2))
    yield S.SampleInput(A((), dtype), 0, _idx([0]), A((), dtype, seed=3))
    yield S.SampleInput(A((3, 4), dtype), 1, _idx([]), A((3, 0), dtype, seed=4))


take.samples(_take_samples)
put.samples(_put_samples)
take_along_dim.samples(_take_along_dim_samples)
masked_select.samples(_masked_select_samples)
masked_scatter.samples(_masked_scatter_samples)
masked_scatter_backward.samples(_masked_scatter_backward_samples)
nonzero.samples(_nonzero_samples)
argwhere.samples(_nonzero_samples)
index_fill_scalar.samples(_index_fill_samples("Scalar"))
index_fill_tensor.samples(_index_fill_samples("Tensor"))
index_copy.samples(_index_copy_samples)
