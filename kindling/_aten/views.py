"""View ops: outputs share the input's storage and version counter.

Every view is declared by its *geometry* function, ``(self, *args) -> (size, stride, offset)``,
computed from the input's metadata alone.  The same function serves CPU and Meta (a
CompositeExplicitAutograd kernel builds the view over the input's storage), exactly as
``as_strided`` would.
"""
from __future__ import annotations

from .._tensor import Tensor, check_storage_bounds, contiguous_strides, make_view
from ._api import public
from ._defop import defop
from ._util import wrap_dim

OPS = {}


def view_op(schema, geometry, *, tags=("view",)):
    """Declare a single-output view op from its geometry function."""
    d = defop(schema, tags=tags)

    @d.explicit
    def _(self, *args, **kwargs):
        size, stride, offset = geometry(self, *args, **kwargs)
        return make_view(self, size, stride, offset)
    OPS[d.entry.qualified] = d
    return d


def multi_view_op(schema, geometries, *, tags=("view",)):
    """Declare a view op returning a list of views (split, chunk, unbind)."""
    d = defop(schema, tags=tags)

    @d.explicit
    def _(self, *args, **kwargs):
        return [make_view(self, s, st, o) for s, st, o in geometries(self, *args, **kwargs)]
    OPS[d.entry.qualified] = d
    return d


# ---- as_strided ---------------------------------------------------------------------------------
def _as_strided_geom(self, size, stride, storage_offset=None):
    off = self._offset if storage_offset is None else storage_offset
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    check_storage_bounds(self.untyped_storage(), size, stride, off, self.dtype)
    return size, stride, off


as_strided = view_op("as_strided(Tensor(a) self, SymInt[] size, SymInt[] stride, "
                     "SymInt? storage_offset=None) -> Tensor(a)", _as_strided_geom)
public("as_strided", as_strided)


# ---- view ---------------------------------------------------------------------------------------
def infer_size(shape, numel):
    """Resolve a single -1 in ``shape`` (PyTorch's ``infer_size``)."""
    shape = [int(s) for s in shape]
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    prod = 1
    for s in shape:
        if s != -1:
            prod *= s
    if neg:
        if prod == 0 or numel % prod != 0:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of "
                               f"size {numel}")
        shape[neg[0]] = numel // prod
    elif prod != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of "
                           f"size {numel}")
    return tuple(shape)


def compute_stride(oldshape, oldstride, newshape):
    """Strides for viewing (oldshape, oldstride) as newshape, or None if impossible
    (PyTorch's ``computeStride``)."""
    numel = 1
    for s in oldshape:
        numel *= s
    if numel == 0:
        if tuple(oldshape) == tuple(newshape):
            return tuple(oldstride)
        return contiguous_strides(newshape)
    newstride = [0] * len(newshape)
    view_d = len(newshape) - 1
    chunk_base_stride = oldstride[-1] if oldstride else 1
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (oldshape[tensor_d - 1] != 1 and
                             oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)


def _view_geom(self, size):
    shape = infer_size(size, self.numel())
    stride = compute_stride(self._size, self.stride(), shape)
    if stride is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return shape, stride, self._offset


view = view_op("view(Tensor(a) self, SymInt[] size) -> Tensor(a)", _view_geom)


def _sizes_arg(size, name="view"):
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        return list(size[0])
    return list(size)


def _view_method(self, *size, dtype=None):
    from ._ops_registry import aten
    if dtype is not None or (len(size) == 1 and not isinstance(size[0], (int, list, tuple))
                             and hasattr(size[0], "itemsize")):
        raise NotImplementedError("kindling: Tensor.view(dtype) is not implemented yet")
    return aten.view.default(self, _sizes_arg(size))


Tensor.view = _view_method


# ---- transpose / t / permute ------------------------------------------------------------------
def _transpose_geom(self, dim0, dim1):
    n = self.dim()
    d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
    size, stride = list(self._size), list(self.stride())
    size[d0], size[d1] = size[d1], size[d0]
    stride[d0], stride[d1] = stride[d1], stride[d0]
    return size, stride, self._offset


transpose = view_op("transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)",
                    _transpose_geom)
public("transpose", transpose)
