"""View ops: outputs share the input's storage and version counter.

Every view is declared by its *geometry* function, ``(self, *args) -> (size, stride, offset)``,
computed from the input's metadata alone.  The same function serves CPU and Meta (a
CompositeExplicitAutograd kernel builds the view over the input's storage), exactly as
``as_strided`` would.  On CPU, the hot views (view, slice, select, transpose, t, permute,
unsqueeze) get their NumPy array from the input's by a reshape, slice or transpose that
addresses the same elements, rather than building one over the storage.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._ops import positional_caller
from .._tensor import (
    _CONTIG_STRIDES, Tensor, cached_contiguous_strides, check_storage_bounds, contiguous_strides,
    make_tensor, make_view,
)
from ._api import (
    METHODS, PUBLIC, function as function_export, method, public, self_hooked,
    torch_function_slow_path,
)
from ..overrides import _live_modes
from .._dispatcher.keys import K, bit
from ._defop import LEAF_KERNELS, defop
from ._ops_registry import aten
from ._util import int_varargs, is_tensor_subclass_like, varargs_list, warn_once, wrap_dim

OPS = {}


def view_op(schema, geometry, *, tags=(), array=None, kernel=None):
    """Declare a single-output view op from its geometry function.

    ``array(a, size, self, *args, **kwargs)``, where given, derives the view's ndarray from the
    input's (``a``) with a NumPy reshape, slice or transpose, or returns None where it cannot:
    several times cheaper than building an ndarray over the storage from the geometry.
    ``kernel(ks, self, *args, **kwargs)`` replaces the generic kernel below (slice's)."""
    d = defop(schema, tags=tags)

    def generic_kernel(ks, self, *args, **kwargs):  # CompositeExplicitAutograd, keyset-taking
        size, stride, offset = geometry(self, *args, **kwargs)
        a = self._np
        if array is not None and a is not None:
            arr = array(a, size, self, *args, **kwargs)
            if arr is not None:
                return make_view(self, size, stride, offset, arr=arr)
        return _view(self, size, stride, offset)
    kernel = kernel or generic_kernel
    d.impl(K.CompositeExplicitAutograd, with_keyset=True)(kernel)
    LEAF_KERNELS.add(kernel)  # (a view from its geometry: no op dispatched inside)
    OPS[d.entry.qualified] = d
    return d


def multi_view_op(schema, geometries, *, tags=()):
    """Declare a view op returning a list of views (split, chunk, unbind)."""
    d = defop(schema, tags=tags)

    @d.explicit
    def _(self, *args, **kwargs):
        return [_view(self, s, st, o) for s, st, o in geometries(self, *args, **kwargs)]
    OPS[d.entry.qualified] = d
    return d


def _view(self, size, stride, offset):
    """``make_view``, also for empty views whose offset lies past the end of the storage
    (PyTorch allows those; NumPy refuses a buffer offset beyond the buffer)."""
    if 0 in tuple(size) and self._np is not None and \
            offset * self.dtype.itemsize >= self._untyped_storage().nbytes():
        t = make_view(self, size, stride, 0)
        t._offset = offset
        return t
    return make_view(self, size, stride, offset)


# ---- as_strided ---------------------------------------------------------------------------------
def _as_strided_geom(self, size, stride, storage_offset=None):
    off = self._offset if storage_offset is None else storage_offset
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    check_storage_bounds(self._untyped_storage(), size, stride, off, self.dtype)
    return size, stride, off


_ALL = slice(None)  # ``:`` in the NumPy index expressions below


as_strided = view_op("as_strided(Tensor(a) self, SymInt[] size, SymInt[] stride, "
                     "SymInt? storage_offset=None) -> Tensor(a)", _as_strided_geom,
                     tags=("core",))
public("as_strided", as_strided)
as_strided.derivative(
    self="as_strided_backward(grad, self_geometry, size, stride, storage_offset)", result="auto_linear")


# ---- view ---------------------------------------------------------------------------------------
def infer_size(shape, numel):
    """Resolve a single -1 in ``shape`` (PyTorch's ``infer_size``)."""
    prod = 1
    for s in shape:  # fast path: non-negative Python ints, nothing to infer
        if type(s) is not int or s < 0:
            break
        prod *= s
    else:
        if prod == numel:
            return tuple(shape)
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
    if len(oldshape) == 0:  # a 0-d tensor views as any all-ones shape
        return tuple(1 for _ in newshape)
    # Fast path: exactly contiguous strides (size-1 dims included) make one chunk, and the
    # algorithm below then gives the new shape's contiguous strides.
    numel = 1
    i = len(oldshape)
    while i:  # (an index loop: cheaper than zip(reversed(...), reversed(...)))
        i -= 1
        if oldstride[i] != numel:
            break
        numel *= oldshape[i]
    else:
        if numel:
            return contiguous_strides(newshape)
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


def _view_array(a, size, self, _):
    # A C-contiguous array reshapes without copying, to the same elements as the geometry's.
    return a.reshape(size) if a.flags.c_contiguous else None


def _view_kernel(ks, self, size):
    """``view``: a contiguous input (NumPy's C-contiguity is PyTorch's rule) views as the new
    shape's contiguous strides - what ``compute_stride`` would find - without the general
    stride analysis."""
    a = self._np
    if a is not None and a.flags.c_contiguous and type(size) in (list, tuple) and (
            self._stride_ is None or self._stride_ == (
                _CONTIG_STRIDES.get(a.shape) or cached_contiguous_strides(a.shape))):
        # (NumPy's C-contiguity ignores size-1 dims; PyTorch's strides for them count: a
        # permuted (3, 1, 1) with strides (1, 1, 3) views as (3, 1) with strides (1, 3))
        shape = infer_size(size, a.size)
        st = _CONTIG_STRIDES.get(shape) or cached_contiguous_strides(shape)
        return make_view(self, shape, st, self._offset, arr=a.reshape(shape))
    size_, stride, offset = _view_geom(self, size)
    arr = _view_array(a, size_, self, size) if a is not None else None
    if arr is not None:
        return make_view(self, size_, stride, offset, arr=arr)
    return _view(self, size_, stride, offset)


view = view_op("view(Tensor(a) self, SymInt[] size) -> Tensor(a)", _view_geom,
               array=_view_array, kernel=_view_kernel, tags=("core",))
view.derivative(self="grad.reshape(self_sym_sizes)", result="auto_linear")


def _view_impl(self, *size, dtype=None, **kw):
    """``x.view(2, 3)``, ``x.view((2, 3))``, ``x.view(size=...)`` or ``x.view(dtype)``."""
    if dtype is None and len(size) == 1 and isinstance(size[0], _dtype.dtype):
        dtype = size[0]
        size = ()
    if dtype is not None:
        return aten.view.dtype(self, dtype)
    if "size" in kw:
        size = (kw.pop("size"),)
    if kw:
        raise TypeError(f"view() got an unexpected keyword argument '{next(iter(kw))}'")
    _check_view_args(size)
    if isinstance(self, Tensor):
        return _view_call(self, varargs_list(size))
    return aten.view.default(self, varargs_list(size))


def _check_view_args(size):
    """PyTorch's parser errors for ``view``'s two signatures (a dtype, or ints)."""
    from ._util import _intlike, _unpack_error

    def name(x):
        return "torch.dtype" if isinstance(x, _dtype.dtype) else type(x).__name__
    items = size[0] if len(size) == 1 and isinstance(size[0], (list, tuple)) else size
    if items is not size:
        inner = ", ".join(name(x) for x in items)
        got = f"list of [{inner}]" if type(size[0]) is list else \
            f"tuple of ({inner}{',' if len(items) == 1 else ''})"
    else:
        got = ", ".join(name(x) for x in size)
    if items and not _intlike(items[0]):  # (the first element decides the signature)
        hint = (f"\n      didn't match because some of the arguments have invalid types: "
                f"(!{got}!)") if len(size) == 1 else ""
        shown = name(size[0]) if len(size) == 1 else got
        raise TypeError(f"view() received an invalid combination of arguments - got ({shown}), "
                        f"but expected one of:\n * (torch.dtype dtype){hint}\n"
                        f" * (tuple of ints size){hint}\n")
    for i, x in enumerate(items):
        if not _intlike(x):
            raise _unpack_error("view", "size", i, x)


# aten.view.default(tensor, list) without OpOverload.__call__'s generic argument scan
_view_call = positional_caller(aten.view.default, (Tensor, list))
_LIVE = _live_modes


def _view_method(self, *size, **kw):
    """``Tensor.view``, checking for ``__torch_function__`` itself (no ``_hook`` wrapper, no
    ``has_overloaded`` scan): a plain tensor viewed with int sizes goes straight to the op."""
    if not kw and type(self) is Tensor and not _LIVE[0]:
        for s in size:
            if type(s) is not int:
                break
        else:
            return _view_call(self, list(size))
    return torch_function_slow_path(_view_method, _view_impl, (self,) + size, kw)


Tensor.view = self_hooked(_view_method, _view_impl, "view", "torch.Tensor.view")


# ---- transpose / t / permute ------------------------------------------------------------------
def _transpose_geom(self, dim0, dim1):
    n = self.dim()
    d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
    size, stride = list(self._size), list(self.stride())
    if d0 == d1:  # (a 0-d tensor's dims 0 and -1 both wrap to 0: an alias)
        return size, stride, self._offset
    size[d0], size[d1] = size[d1], size[d0]
    stride[d0], stride[d1] = stride[d1], stride[d0]
    return size, stride, self._offset


transpose = view_op("transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)",
                    _transpose_geom,
                    array=lambda a, size, self, dim0, dim1: a.swapaxes(dim0, dim1) if a.ndim
                    else None)
public("transpose", transpose)
transpose.derivative(self="grad.transpose(dim0, dim1)", result="auto_linear")

def _composite(schema, fn, tags=()):
    """A CompositeImplicitAutograd op: ``fn`` written with other aten ops."""
    d = defop(schema, tags=tags)
    d.composite(fn)
    OPS[d.entry.qualified] = d
    return d


swapaxes = _composite("swapaxes(Tensor(a) self, int axis0, int axis1) -> Tensor(a)",
                      lambda self, axis0, axis1: aten.transpose.int(self, axis0, axis1))
swapdims = _composite("swapdims(Tensor(a) self, int dim0, int dim1) -> Tensor(a)",
                      lambda self, dim0, dim1: aten.transpose.int(self, dim0, dim1))
public("swapaxes", swapaxes)
public("swapdims", swapdims)


def _t_geom(self, name="t"):
    size = self._size
    if len(size) == 2:  # (the common case, spelled out: formulas transpose every matrix)
        st = self.stride()
        return (size[1], size[0]), (st[1], st[0]), self._offset
    n = self.dim()
    if n > 2:
        raise RuntimeError(f"{name}() expects a tensor with <= 2 dimensions, but self is {n}D")
    if n < 2:
        return self._size, self.stride(), self._offset
    return _transpose_geom(self, 0, 1)


def _t_kernel(ks, self, *args, **kwargs):
    """``t`` of a matrix (backward formulas transpose every weight and gradient) in one frame;
    anything else through the geometry."""
    size = self._size
    a = self._np
    if len(size) == 2 and a is not None and not args and not kwargs:
        st = self._stride_
        if st is None:
            st = self._stride()
        return make_view(self, (size[1], size[0]), (st[1], st[0]), self._offset, arr=a.T)
    size, stride, offset = _t_geom(self, *args, **kwargs)
    if a is not None:
        return make_view(self, size, stride, offset, arr=a.T)
    return _view(self, size, stride, offset)


t = view_op("t(Tensor(a) self) -> Tensor(a)", _t_geom, array=lambda a, size, self: a.T,
            kernel=_t_kernel)
public("t", t)
t.derivative(self="grad.t()", result="auto_linear")


@t.array_backward("t.default")
def _t_lane(grad, grad_input_mask):
    """TBackward0: ``grad.t()``, NumPy's transposed view."""
    return grad.T if grad.ndim <= 2 else NotImplemented


def _adjoint(self):
    if self.dim() < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {self.dim()}-D tensor.")
    r = aten.transpose.int(self, -2, -1)
    if self.dtype.is_complex:
        return _conj(r)
    return r


def _conj(t):
    conj = getattr(aten, "conj", None)
    if conj is None:
        raise NotImplementedError("kindling: conjugate views are not implemented")
    return conj.default(t)


adjoint = _composite("adjoint(Tensor(a) self) -> Tensor(a)", _adjoint)
public("adjoint", adjoint)


def _numpy_T(self):
    n = self.dim()
    # (PyTorch warns once per process: 0-d tensors at one warning site, other dims at another)
    if n == 0:
        warn_once("Tensor.T is deprecated on 0-D tensors. This function is the identity in these "
                  "cases.")
    elif n != 2:
        warn_once(
            "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
            "deprecated and it will throw an error in a future release. Consider `x.mT` to "
            "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
            "reverse the dimensions of a tensor.")
    return aten.permute.default(self, list(range(n - 1, -1, -1)))


def _mT(self):
    if self.dim() < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self.dim()}-D tensor.")
    return aten.transpose.int(self, -2, -1)


def _mH(self):
    if self.dim() < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {self.dim()}-D tensor.")
    return aten.adjoint.default(self)


def _matrix_H(self):
    if self.dim() != 2:
        extra = ". For batches of matrices, consider using tensor.mH" if self.dim() > 2 else "."
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.dim()}-D tensor{extra}")
    return aten.adjoint.default(self)


numpy_T = _composite("numpy_T(Tensor(a) self) -> Tensor(a)", _numpy_T)
mT = _composite("mT(Tensor(a) self) -> Tensor(a)", _mT)
mH = _composite("mH(Tensor(a) self) -> Tensor(a)", _mH)
matrix_H = _composite("matrix_H(Tensor(a) self) -> Tensor(a)", _matrix_H)
Tensor.T = property(lambda self: aten.numpy_T.default(self))
Tensor.mT = property(lambda self: aten.mT.default(self))
Tensor.mH = property(lambda self: aten.mH.default(self))
Tensor.H = property(lambda self: aten.matrix_H.default(self))


def _permute_geom(self, dims):
    n = self.dim()
    dims = list(dims)
    if len(dims) != n:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal "
            f"to len(dims) = {len(dims)}")
    w = [wrap_dim(d, n) for d in dims]
    if len(set(w)) != len(w):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    st = self.stride()
    return [self._size[d] for d in w], [st[d] for d in w], self._offset


permute = view_op("permute(Tensor(a) self, int[] dims) -> Tensor(a)", _permute_geom,
                  array=lambda a, size, self, dims: a.transpose(dims) if a.ndim else None,
                  tags=("core",))
public("permute", permute, method=False)
permute.derivative(self="permute_backwards(grad, dims)", result="auto_linear")


@method("permute")
def _permute_method(self, *dims, **kw):
    if "dims" in kw:
        dims = (kw.pop("dims"),)
    return aten.permute.default(self, int_varargs(dims, "permute", "dims"))


def _movedim_list(self, source, destination):
    n = self.dim()
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    ws = [wrap_dim(d, n) for d in src]
    wd = [wrap_dim(d, n) for d in dst]
    if len(set(ws)) != len(ws):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(wd)) != len(wd):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    order = [-1] * n
    for s_, d_ in zip(ws, wd):
        order[d_] = s_
    rest = iter(d for d in range(n) if d not in ws)
    order = [o if o != -1 else next(rest) for o in order]
    return aten.permute.default(self, order)


movedim_int = _composite("movedim.int(Tensor(a) self, int source, int destination) -> Tensor(a)",
                         _movedim_list)
movedim_list = _composite("movedim.intlist(Tensor(a) self, int[] source, int[] destination) "
                          "-> Tensor(a)", _movedim_list)
moveaxis_int = _composite("moveaxis.int(Tensor(a) self, int source, int destination) "
                          "-> Tensor(a)", _movedim_list)
moveaxis_list = _composite("moveaxis.intlist(Tensor(a) self, int[] source, int[] destination) "
                           "-> Tensor(a)", _movedim_list)
public("movedim", movedim_int, movedim_list)
public("moveaxis", moveaxis_int, moveaxis_list)


# ---- _unsafe_view / reshape / view_as / reshape_as -------------------------------------------
_unsafe_view = defop("_unsafe_view(Tensor self, SymInt[] size) -> Tensor")
_unsafe_view.derivative(self="grad.reshape(self_sym_sizes)", result="auto_linear")


@_unsafe_view.explicit
def _(self, size):
    """A view without view tracking (its own version counter, no ``_base``): reshape's copy path."""
    shape = infer_size(size, self.numel())
    stride = compute_stride(self._size, self.stride(), shape)
    if stride is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return make_tensor(self._untyped_storage(), shape, stride, self._offset, self.dtype,
                       self.device)


def _reshape_alias_geom(self, size, stride):
    return tuple(size), tuple(stride), self._offset


_reshape_alias = view_op("_reshape_alias(Tensor(a) self, SymInt[] size, SymInt[] stride) -> "
                         "Tensor(a)", _reshape_alias_geom)
_reshape_alias.derivative(self="grad.reshape(self_sym_sizes)", result="auto_linear")


def _reshape(self, shape):
    """PyTorch's reshape: a view of a contiguous tensor; else ``_reshape_alias`` with the
    strides that view it (``view`` for a subclass or under a mode, which PyTorch treats as
    subclass-like); else a contiguous copy, viewed."""
    shape = infer_size(shape, self.numel())
    if self.is_contiguous():
        return aten.view.default(self, list(shape))
    stride = compute_stride(self._size, self.stride(), shape)
    if stride is not None:
        if is_tensor_subclass_like(self):
            return aten.view.default(self, list(shape))
        return aten._reshape_alias.default(self, list(shape), list(stride))
    return aten._unsafe_view.default(aten.clone.default(self, memory_format=_contig()),
                                     list(shape))


def _contig():
    from .. import _layout
    return _layout.contiguous_format


reshape = _composite("reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)", _reshape)
public("reshape", reshape, method=False)


@method("reshape")
def _reshape_method(self, *shape, **kw):
    keyword = "shape" in kw
    if keyword:
        shape = (kw.pop("shape"),)
    return aten.reshape.default(self, int_varargs(shape, "reshape", "shape", keyword))


view_as = _composite("view_as(Tensor(a) self, Tensor other) -> Tensor(a)",
                     lambda self, other: aten.view.default(self, list(other._size)))
reshape_as = _composite("reshape_as(Tensor(a) self, Tensor other) -> Tensor(a)",
                        lambda self, other: aten.reshape.default(self, list(other._size)))
public("view_as", view_as, function=False)
public("reshape_as", reshape_as, function=False)


# ---- view(dtype) --------------------------------------------------------------------------------
view_dtype = defop("view.dtype(Tensor(a) self, ScalarType dtype) -> Tensor(a)")


@view_dtype.explicit
def _(self, dtype):
    old, new = self.dtype.itemsize, dtype.itemsize
    size, stride, off = list(self._size), list(self.stride()), self._offset
    what = f"to view {self.dtype._scalar_name} as {dtype._scalar_name} (different element sizes)"
    if old != new:
        if self.dim() == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if stride[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {stride[-1]}")
    if new > old:
        r = new // old
        if size[-1] % r:
            raise RuntimeError(f"self.size(-1) must be divisible by {r} {what}, but got "
                               f"{size[-1]}")
        if off % r:
            raise RuntimeError(f"self.storage_offset() must be divisible by {r} {what}, but got "
                               f"{off}")
        for i in range(len(stride) - 1):
            if stride[i] % r:
                raise RuntimeError(f"self.stride({i}) must be divisible by {r} {what}, but got "
                                   f"{stride[i]}")
        size[-1] //= r
        stride = [s // r for s in stride[:-1]] + [1]
        off //= r
    elif new < old:
        r = old // new
        size[-1] *= r
        stride = [s * r for s in stride[:-1]] + [1]
        off *= r
    # Not differentiable, so not a tracked view (``_is_view()`` is False, as in PyTorch's
    # ``make_variable_non_differentiable_view``), but the version counter is shared.
    return make_tensor(self._untyped_storage(), size, stride, off, dtype, self.device,
                       vc=self._vc)


OPS["view.dtype"] = view_dtype
view_dtype.nondifferentiable()


# ---- view_as_real / view_as_complex, real / imag -------------------------------------------------
_CONJ_BIT = bit(K.Conjugate)


def _view_as_real_conj(ks, self):
    """At the Conjugate key (a conjugate bit is set): refused, not viewed through."""
    raise RuntimeError("view_as_real doesn't work on unresolved conjugated tensors.  To resolve "
                       "the conjugate tensor so you can view it as real, use "
                       "self.resolve_conj(); however, be warned that the resulting tensor will "
                       "NOT alias the original.")


def _view_as_real_kernel(ks, self):
    if not self.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    if self._ks & _CONJ_BIT:
        _view_as_real_conj(ks, self)
    # (the complex elements' two halves: twice the strides, a last dim of 2 at stride 1)
    return _mark_cross_dtype(self, make_view(
        self, list(self._size) + [2], [s * 2 for s in self.stride()] + [1], self._offset * 2,
        dtype=self.dtype.to_real()))


def _mark_cross_dtype(parent, t):
    """Mark ``t``, made by view_as_real/view_as_complex from ``parent``: autograd replays its
    view as PyTorch's view_fn does (``(as_strided to the parent's geometry,) view op``)."""
    if t._base is not None:
        t._xview = ((tuple(parent._size), tuple(parent.stride()), parent._offset)
                    if parent._base is not None else None)
    return t


def _view_as_complex_kernel(ks, self):
    dt = self.dtype
    if dt not in (_dtype.float32, _dtype.float64, _dtype.float16):
        raise RuntimeError("view_as_complex is only supported for half, float and double "
                           f"tensors, but got a tensor of scalar type: {dt._scalar_name}")
    if dt is _dtype.float16:
        raise NotImplementedError("view_as_complex of a float16 tensor: complex32 is not "
                                  "supported by kindling")
    size, stride = list(self._size), list(self.stride())
    if not size or size[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if stride[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in stride[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if self._offset % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return _mark_cross_dtype(self, make_view(
        self, size[:-1], [s // 2 for s in stride[:-1]], self._offset // 2,
        dtype=dt.to_complex()))


view_as_real = defop("view_as_real(Tensor(a) self) -> Tensor(a)")
view_as_real.impl(K.CompositeExplicitAutograd, with_keyset=True)(_view_as_real_kernel)
view_as_real.impl(K.Conjugate, with_keyset=True)(_view_as_real_conj)
view_as_complex = defop("view_as_complex(Tensor(a) self) -> Tensor(a)")
view_as_complex.impl(K.CompositeExplicitAutograd, with_keyset=True)(_view_as_complex_kernel)
OPS["view_as_real"], OPS["view_as_complex"] = view_as_real, view_as_complex
view_as_real.derivative(self="aten.view_as_complex.default(grad.contiguous())",
                        result="auto_linear")
view_as_complex.derivative(self="aten.view_as_real.default(grad.contiguous().resolve_conj())",
                           result="auto_linear")
public("view_as_real", view_as_real, method=False)
public("view_as_complex", view_as_complex, method=False)

def _real(self):
    if not self.dtype.is_complex:
        return self
    # (a conjugate view: the real part of the tensor it conjugates)
    src = aten._conj.default(self) if self.is_conj() else self
    pairs = aten.view_as_real.default(src)
    return aten.select.int(pairs, len(pairs._size) - 1, 0)  # (PyTorch passes the dim wrapped)


real = _composite("real(Tensor(a) self) -> Tensor(a)", _real)


def _imag(self):
    if not self.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    if self.is_conj():  # (the negated imaginary part of the tensor it conjugates)
        pairs = aten._neg_view.default(aten.view_as_real.default(aten._conj.default(self)))
    else:
        pairs = aten.view_as_real.default(self)
    return aten.select.int(pairs, len(pairs._size) - 1, 1)


imag = _composite("imag(Tensor(a) self) -> Tensor(a)", _imag)
public("real", real, method=False)
public("imag", imag, method=False)


def _set_part(part):
    def setter(self, value):
        target = getattr(aten, part).default(self)
        if not isinstance(value, Tensor):
            value = aten.scalar_tensor.default(value, dtype=target.dtype)
        target.copy_(value)
    return setter


Tensor.real = property(lambda self: aten.real.default(self), _set_part("real"))
Tensor.imag = property(lambda self: aten.imag.default(self), _set_part("imag"))


# ---- expand -------------------------------------------------------------------------------------
def infer_expand_geometry(self, size):
    """PyTorch's ``inferExpandGeometry``: (sizes, strides) of ``self`` expanded to ``size``."""
    size = [int(s) for s in size]
    ndim, tdim = len(size), self.dim()
    if ndim < tdim:
        raise RuntimeError(
            f"expand({self._typed_legacy_name() if self.is_cpu else 'torch.' + self.device.type + '.' + self.dtype._legacy + 'Tensor'}"
            f"{{[{', '.join(map(str, self._size))}]}}, size=[{', '.join(map(str, size))}]): the "
            f"number of sizes provided ({ndim}) must be greater or equal to the number of "
            f"dimensions in the tensor ({tdim})")
    if tdim == 0:  # (PyTorch: a 0-d tensor takes the sizes as given, every stride 0)
        if any(s < 0 for s in size):
            # (what PyTorch's numel check then says; it even makes a tensor of size [0, -1])
            raise RuntimeError("numel: integer multiplication overflow")
        return size, [0] * ndim
    st_in = self.stride()
    out_size, out_stride = [0] * ndim, [0] * ndim
    for i in range(ndim - 1, -1, -1):
        off = ndim - 1 - i
        dim = tdim - 1 - off
        sz = self._size[dim] if dim >= 0 else 1
        st = st_in[dim] if dim >= 0 else (out_size[i + 1] * out_stride[i + 1] if i < ndim - 1
                                          else 1)
        target = size[i]
        if target == -1:
            if dim < 0:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            target = sz
        if sz != target:
            if sz != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({target}) must match the existing size "
                    f"({sz}) at non-singleton dimension {i}.  Target sizes: "
                    f"[{', '.join(map(str, size))}].  Tensor sizes: "
                    f"[{', '.join(map(str, self._size))}]")
            st = 0
        out_size[i], out_stride[i] = target, st
    return out_size, out_stride


def _expand_geom(self, size, *, implicit=False):
    sz, st = infer_expand_geometry(self, size)
    return sz, st, self._offset


def _expand_array(a, size, self, *args, **kwargs):
    """The expanded ndarray over a C-contiguous array's own buffer (strides 0 where
    expanded), without going through the storage's bytes."""
    if not a.flags.c_contiguous:
        return None
    lead = len(size) - a.ndim  # (``size`` is the validated result size)
    strides = [0] * lead + [0 if n == 1 and m != 1 else b
                            for n, m, b in zip(a.shape, size[lead:], a.strides)]
    return np.ndarray(size, dtype=a.dtype, buffer=a, strides=strides)


def _expand_kernel(ks, self, size, *args, **kwargs):
    """``expand`` of a C-contiguous tensor to a list of plain sizes (``sum``'s backward expands
    every gradient) in one frame: inferExpandGeometry's loop and the strided array together.
    Anything else - ``-1`` sizes, errors, other layouts - through the geometry."""
    a = self._np
    if a is not None and not args and not kwargs and type(size) is list and \
            a.flags.c_contiguous:
        ssize = self._size
        n = len(size)
        lead = n - len(ssize)
        st_in = self._stride_
        if st_in is None:
            st_in = self._stride()
        out = [0] * n
        nxt = 1  # size * stride of the dim to the right (a new leading dim of size 1 takes it)
        i = n
        while i and lead >= 0:
            i -= 1
            target = size[i]
            if type(target) is not int or target < 0:
                break
            j = i - lead
            if not ssize:  # (a 0-d tensor: the sizes as given, every stride 0)
                st = 0
            elif j >= 0:
                st = st_in[j]
                if ssize[j] != target:
                    if ssize[j] != 1:
                        break
                    st = 0
            else:
                st = 0 if target != 1 else nxt
            out[i] = st
            nxt = target * st
        else:
            if lead >= 0:
                isz = a.itemsize
                arr = np.ndarray(size, dtype=a.dtype, buffer=a, strides=[s * isz for s in out])
                return make_view(self, tuple(size), tuple(out), self._offset, arr=arr)
    sz, st, off = _expand_geom(self, size, *args, **kwargs)
    arr = _expand_array(a, sz, self) if a is not None else None
    if arr is not None:
        return make_view(self, sz, st, off, arr=arr)
    return _view(self, sz, st, off)


expand = view_op("expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) -> Tensor(a)",
                 _expand_geom, array=_expand_array, kernel=_expand_kernel, tags=("core",))
expand.derivative(self="sum_to(grad, self_sym_sizes)", result="auto_linear")
expand_as = _composite("expand_as(Tensor(a) self, Tensor other) -> Tensor(a)",
                       lambda self, other: aten.expand.default(self, list(other._size)))
public("expand_as", expand_as, function=False)


@method("expand")
def _expand_method(self, *size, **kw):
    if "size" in kw:
        size = (kw.pop("size"),)
    return aten.expand.default(self, int_varargs(size, "expand", "size"), **kw)


# ---- squeeze / unsqueeze ------------------------------------------------------------------------
def _squeeze_dims_geom(self, dims):
    st = self.stride()
    keep = [i for i in range(self.dim()) if not (i in dims and self._size[i] == 1)]
    return [self._size[i] for i in keep], [st[i] for i in keep], self._offset


squeeze = view_op("squeeze(Tensor(a) self) -> Tensor(a)",
                  lambda self: _squeeze_dims_geom(self, set(range(self.dim()))))
squeeze_dim = view_op("squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)",
                      lambda self, dim: _squeeze_dims_geom(self, {wrap_dim(dim, self.dim())}),
                      tags=("core",))
squeeze_dims = view_op(
    "squeeze.dims(Tensor(a) self, int[] dim) -> Tensor(a)",
    lambda self, dim: _squeeze_dims_geom(
        self, {wrap_dim(d, self.dim()) for d in ([dim] if isinstance(dim, int) else dim)}),
    tags=("core",))
public("squeeze", squeeze, squeeze_dim, squeeze_dims)


def _unsqueeze_geom(self, dim):
    n = self.dim()
    d = wrap_dim(dim, n + 1)
    size, stride = list(self._size), list(self.stride())
    new_st = size[d] * stride[d] if d < n else 1
    size.insert(d, 1)
    stride.insert(d, new_st)
    return size, stride, self._offset


unsqueeze = view_op("unsqueeze(Tensor(a) self, int dim) -> Tensor(a)", _unsqueeze_geom,
                    array=lambda a, size, self, dim: a[(_ALL,) * wrap_dim(dim, a.ndim + 1) +
                                                       (None,)], tags=("core",))
squeeze.derivative(self="unsqueeze_to(grad, self_sym_sizes)", result="auto_linear")
squeeze_dim.derivative("SqueezeBackward1", self="unsqueeze_to(grad, self_sym_sizes, dim)", result="auto_linear")
squeeze_dims.derivative("SqueezeBackward2", self="unsqueeze_to(grad, self_sym_sizes, dim)",
                        result="auto_linear")
unsqueeze.derivative(self="grad.squeeze(dim)", result="auto_linear")
public("unsqueeze", unsqueeze)


# ---- in-place view ops: t_, transpose_, swapdims_/swapaxes_, unsqueeze_, squeeze_, as_strided_ --
# ``Tensor(a!) self -> Tensor(a!)``: the tensor itself takes the geometry its functional view
# would have (sizes, strides, offset; its ndarray follows), over the same storage.  The
# ADInplaceOrView kernel bumps its version; autograd records ``<Op>Backward1`` as its grad_fn
# (set, not rebased: no CopySlices, as PyTorch's codegen does for inplace_view ops).
def _restride_(self, size, stride, offset):
    """Give ``self`` the geometry (``size``, ``stride``, ``offset``) over its storage."""
    size, stride = tuple(size), tuple(stride)
    if self._np is not None:
        self._np = make_tensor(self._untyped_storage(), size, stride, offset, self.dtype,
                               self._device)._np
    self._size, self._stride_, self._offset = size, stride, offset
    if self._view_fn is not None:  # (no longer remade by its recorded view ops)
        self._view_fn = None
    return self


def inplace_view_op(schema, geometry):
    d = defop(schema, tags=("inplace_view",))

    @d.explicit
    def _(self, *args, **kwargs):
        return _restride_(self, *geometry(self, *args, **kwargs))
    OPS[d.entry.qualified] = d
    return d


t_ = inplace_view_op("t_(Tensor(a!) self) -> Tensor(a!)",
                     lambda self: _t_geom(self, "t_"))
transpose_ = inplace_view_op("transpose_(Tensor(a!) self, int dim0, int dim1) -> Tensor(a!)",
                             _transpose_geom)
unsqueeze_ = inplace_view_op("unsqueeze_(Tensor(a!) self, int dim) -> Tensor(a!)",
                             _unsqueeze_geom)
squeeze_ = inplace_view_op("squeeze_(Tensor(a!) self) -> Tensor(a!)",
                           lambda self: _squeeze_dims_geom(self, set(range(self.dim()))))
squeeze_dim_ = inplace_view_op(
    "squeeze_.dim(Tensor(a!) self, int dim) -> Tensor(a!)",
    lambda self, dim: _squeeze_dims_geom(self, {wrap_dim(dim, self.dim())}))
squeeze_dims_ = inplace_view_op(
    "squeeze_.dims(Tensor(a!) self, int[] dim) -> Tensor(a!)",
    lambda self, dim: _squeeze_dims_geom(
        self, {wrap_dim(d, self.dim()) for d in ([dim] if isinstance(dim, int) else dim)}))
as_strided_ = inplace_view_op("as_strided_(Tensor(a!) self, SymInt[] size, SymInt[] stride, "
                              "SymInt? storage_offset=None) -> Tensor(a!)", _as_strided_geom)
# (CompositeImplicitAutograd in PyTorch: their node is transpose_'s)
swapdims_ = defop("swapdims_(Tensor(a!) self, int dim0, int dim1) -> Tensor(a!)",
                  tags=("inplace_view",))
swapdims_.composite(lambda self, dim0, dim1: aten.transpose_.default(self, dim0, dim1))
swapaxes_ = defop("swapaxes_(Tensor(a!) self, int axis0, int axis1) -> Tensor(a!)",
                  tags=("inplace_view",))
swapaxes_.composite(lambda self, axis0, axis1: aten.transpose_.default(self, axis0, axis1))
OPS["swapdims_"], OPS["swapaxes_"] = swapdims_, swapaxes_

t_.derivative("TBackward1", self="grad.t()", result="auto_linear")
transpose_.derivative("TransposeBackward1", self="grad.transpose(dim0, dim1)",
                      result="auto_linear")
unsqueeze_.derivative("UnsqueezeBackward1", self="grad.squeeze(dim)", result="auto_linear")
squeeze_.derivative("SqueezeBackward3", self="unsqueeze_to(grad, self_sym_sizes)",
                    result="auto_linear")
squeeze_dim_.derivative("SqueezeBackward4", self="unsqueeze_to(grad, self_sym_sizes, dim)",
                        result="auto_linear")
squeeze_dims_.derivative("SqueezeBackward5", self="unsqueeze_to(grad, self_sym_sizes, dim)",
                         result="auto_linear")
as_strided_.derivative(
    "AsStridedBackward1",
    self="as_strided_backward(grad, self_geometry, size, stride, storage_offset)",
    result="auto_linear")
public("t_", t_, function=False)
public("transpose_", transpose_, function=False)
public("swapdims_", swapdims_, function=False)
public("swapaxes_", swapaxes_, function=False)
public("unsqueeze_", unsqueeze_, function=False)
public("squeeze_", squeeze_, squeeze_dim_, squeeze_dims_, function=False)
public("as_strided_", as_strided_, function=False)


# ---- flatten / unflatten ------------------------------------------------------------------------
def _flatten(self, start_dim=0, end_dim=-1):
    n = self.dim()
    s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if n == 0:
        return aten.reshape.default(self, [1])
    if s == e:
        return self
    m = 1
    for x in self._size[s:e + 1]:
        m *= x
    shape = list(self._size[:s]) + [m] + list(self._size[e + 1:])
    return aten.reshape.default(self, shape)


flatten = _composite("flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) "
                     "-> Tensor(a)", _flatten)
public("flatten", flatten)


def _unflatten(self, dim, sizes):
    n = self.dim()
    d = wrap_dim(dim, n)
    sizes = [int(x) for x in sizes]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for x in sizes:
        if x != -1:
            known *= x
    total = self._size[d]
    if -1 in sizes:
        if known == 0 or total % known:
            raise RuntimeError(
                f"unflatten: Provided sizes [{', '.join(map(str, sizes))}] don't multiply up to "
                f"the size of dim {dim} ({total}) in the input tensor")
        sizes[sizes.index(-1)] = total // known
    elif known != total:
        raise RuntimeError(
            f"unflatten: Provided sizes [{', '.join(map(str, sizes))}] don't multiply up to the "
            f"size of dim {dim} ({total}) in the input tensor")
    shape = list(self._size[:d]) + sizes + list(self._size[d + 1:])
    return aten.view.default(self, shape)


unflatten = _composite("unflatten.int(Tensor(a) self, int dim, SymInt[] sizes) -> Tensor(a)",
                       _unflatten)
public("unflatten", unflatten)


# ---- select / slice / narrow --------------------------------------------------------------------
def _select_geom(self, dim, index):
    n = self.dim()
    if n == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, n)
    size = self._size[d]
    index = int(index)
    if index < -size or index >= size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"[{', '.join(map(str, self._size))}] at dimension {dim}")
    if index < 0:
        index += size
    st = self.stride()
    return (self._size[:d] + self._size[d + 1:], st[:d] + st[d + 1:],
            self._offset + index * st[d])


select = view_op("select.int(Tensor(a) self, int dim, SymInt index) -> Tensor(a)", _select_geom,
                 array=lambda a, size, self, dim, index: a[
                     (_ALL,) * wrap_dim(dim, a.ndim) + (int(index), Ellipsis)], tags=("core",))
select.derivative(self="aten.select_backward.default(grad, self_sym_sizes, dim, index)",
                  result="auto_linear")
public("select", select)


def _slice_bounds(self, dim, start, end, step):
    """(dim, start, length) of a slice, wrapped and clamped as PyTorch does."""
    n = self.dim()
    if n == 0:
        raise RuntimeError("slice() cannot be applied to a 0-dim tensor.")
    d = dim if type(dim) is int and 0 <= dim < n else wrap_dim(dim, n)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    size = self._size[d]
    start = 0 if start is None else int(start)
    end = size if end is None else int(end)
    if start < 0:
        start += size
    if end < 0:
        end += size
    # clamp start to [0, size] and end to [start, size] (branches: cheaper than min/max calls)
    if start < 0:
        start = 0
    elif start > size:
        start = size
    if end < start:
        end = start
    elif end > size:
        end = size
    return d, start, (end - start + step - 1) // step


def _slice_geom(self, dim=0, start=None, end=None, step=1):
    d, start, length = _slice_bounds(self, dim, start, end, step)
    sizes, st = list(self._size), list(self.stride())
    off = self._offset + start * st[d]
    sizes[d] = length
    st[d] *= step
    return sizes, st, off


def _slice_kernel(ks, self, dim=0, start=None, end=None, step=1):
    """``_slice_geom``, and the view's ndarray by NumPy basic slicing (the same elements)."""
    d, start, length = _slice_bounds(self, dim, start, end, step)
    sizes, st = list(self._size), list(self.stride())
    off = self._offset + start * st[d]
    sizes[d] = length
    st[d] *= step
    a = self._np
    if a is None:
        return _view(self, sizes, st, off)
    sl = slice(start, start + length * step, step)
    return make_view(self, sizes, st, off, arr=a[sl] if d == 0 else a[(_ALL,) * d + (sl,)])


slice_ = view_op("slice.Tensor(Tensor(a) self, int dim=0, SymInt? start=None, SymInt? end=None, "
                 "SymInt step=1) -> Tensor(a)", _slice_geom, kernel=_slice_kernel,
                 tags=("core",))
slice_.derivative(self="slice_backward_wrapper(grad, self_sym_sizes, dim, start, end, step)",
                  result="auto_linear")


def _slice_inverse_geom(self, src, dim=0, start=None, end=None, step=1):
    """``self`` viewed with ``src``'s geometry (``src`` is what ``self`` was sliced from; the
    slice arguments only matter for the derivative)."""
    size, stride = tuple(src._size), tuple(src.stride())
    check_storage_bounds(self.untyped_storage(), size, stride, src._offset, self.dtype)
    return size, stride, src._offset


slice_inverse = view_op("slice_inverse(Tensor(a) self, Tensor src, int dim=0, SymInt? start=None, "
                        "SymInt? end=None, SymInt step=1) -> Tensor(a)", _slice_inverse_geom)
# (src: slice_scatter(grad, zeros_like(self), ...) in PyTorch, written without slice_scatter)
slice_inverse.derivative(
    self="aten.slice.Tensor(grad, dim, start, end, step)",
    src="grad - slice_backward_wrapper(aten.slice.Tensor(grad, dim, start, end, step), "
        "src_sym_sizes, dim, start, end, step)",
    result="auto_linear")
public("slice_inverse", slice_inverse)


def _narrow(self, dim, start, length):
    n = self.dim()
    if n == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = wrap_dim(dim, n)
    size = self._size[d]
    if start < -size or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return aten.slice.Tensor(self, dim, start, start + length, 1)  # (dim as given, as PyTorch)


narrow = _composite("narrow(Tensor(a) self, int dim, SymInt start, SymInt length) -> Tensor(a)",
                    _narrow)


def _narrow_tensor(self, dim, start, length):
    if start.dim() != 0 or start.dtype.is_floating_point or start.dtype.is_complex \
            or start.dtype._name == "bool":
        raise RuntimeError("start must be an 0-dim integral Tensor.")
    return _narrow(self, dim, start.item(), length)


narrow_tensor = _composite("narrow.Tensor(Tensor(a) self, int dim, Tensor start, SymInt length) "
                           "-> Tensor(a)", _narrow_tensor)
public("narrow", narrow_tensor, narrow)


# ---- split / chunk / unbind ---------------------------------------------------------------------
def _split_with_sizes_geoms(self, split_sizes, dim=0):
    n = self.dim()
    if n == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, n)
    size = self._size[d]
    split_sizes = [int(s) for s in split_sizes]
    if any(s < 0 for s in split_sizes) or sum(split_sizes) != size:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
            f"at dimension {dim}), but got split_sizes=[{', '.join(map(str, split_sizes))}]")
    out, start = [], 0
    for s in split_sizes:
        out.append(_slice_geom(self, d, start, start + s, 1))
        start += s
    return out


def _split_geoms(self, split_size, dim=0):
    n = self.dim()
    if n == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, n)
    size = self._size[d]
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size="
                           f"{split_size}")
    if split_size == 0 and size != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {size}")
    num = max((size + split_size - 1) // split_size, 1) if split_size else 1
    return [_slice_geom(self, d, i * split_size, min((i + 1) * split_size, size) if split_size
                        else size, 1) for i in range(num)]


split = multi_view_op("split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) "
                      "-> Tensor(a)[]", _split_geoms)
split_with_sizes = multi_view_op("split_with_sizes(Tensor(a -> *) self, SymInt[] split_sizes, "
                                 "int dim=0) -> Tensor(a)[]", _split_with_sizes_geoms,
                                 tags=("core",))
public("split_with_sizes", split_with_sizes)
split.derivative(
    self="split_backward(grads, split_sizes_of(self_sym_sizes, split_size, dim), dim, "
         "self_sym_sizes, self_scalar_type)", result="auto_linear")
split_with_sizes.derivative(
    self="split_backward(grads, split_sizes, dim, self_sym_sizes, self_scalar_type)", result="auto_linear")


@function_export("split")
def _split_fn(tensor, split_size_or_sections, dim=0):
    if isinstance(split_size_or_sections, (list, tuple)):
        return tuple(aten.split_with_sizes.default(tensor, list(split_size_or_sections), dim))
    return tuple(aten.split.Tensor(tensor, split_size_or_sections, dim))


@method("split")
def _split_method(self, split_size, dim=0):
    return _split_fn(self, split_size, dim)


def _chunking(self, chunks, dim, split, split_with_sizes):
    """chunk/unsafe_chunk: ``split`` into pieces of ``ceil(size / chunks)``; an empty dim
    into ``chunks`` empty pieces (``split_with_sizes``)."""
    if self.dim() == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, self.dim())
    size = self._size[d]
    split_size = (size + chunks - 1) // chunks
    if split_size == 0 and size == 0:
        sizes = [split_size] * chunks
        sizes[-1] = split_size - (split_size * chunks - size)
        return split_with_sizes(self, sizes, d)
    return split(self, split_size, d)


def _chunk(self, chunks, dim=0):
    return _chunking(self, chunks, dim, aten.split.Tensor, aten.split_with_sizes.default)


chunk = _composite("chunk(Tensor(a -> *) self, int chunks, int dim=0) -> Tensor(a)[]", _chunk)
public("chunk", chunk)


# unsafe_split / unsafe_split_with_sizes / unsafe_chunk: the pieces alias the input's memory,
# but autograd does not know them as views (no ``_base``, a version counter of their own), so
# in-place ops on them are allowed where split's pieces would refuse them.
def _untracked_pieces(self, geoms):
    pieces = []
    for size, stride, off in geoms:
        v = _view(self, size, stride, off)
        if v._base is not None:
            v._base = None
            v._vc = [0]
            v.__dict__.pop("_view_meta", None)
        pieces.append(v)
    return pieces


unsafe_split = defop("unsafe_split.Tensor(Tensor self, SymInt split_size, int dim=0) -> Tensor[]")
unsafe_split.explicit(lambda self, split_size, dim=0: _untracked_pieces(
    self, _split_geoms(self, split_size, dim)))
unsafe_split_with_sizes = defop(
    "unsafe_split_with_sizes(Tensor self, SymInt[] split_sizes, int dim=0) -> Tensor[]")
unsafe_split_with_sizes.explicit(lambda self, split_sizes, dim=0: _untracked_pieces(
    self, _split_with_sizes_geoms(self, split_sizes, dim)))
unsafe_split.derivative(
    self="split_backward(grads, split_sizes_of(self_sym_sizes, split_size, dim), dim, "
         "self_sym_sizes, self_scalar_type)", result="auto_linear")
unsafe_split_with_sizes.derivative(
    self="split_backward(grads, split_sizes, dim, self_sym_sizes, self_scalar_type)",
    result="auto_linear")


def _unsafe_chunk(self, chunks, dim=0):
    return _chunking(self, chunks, dim, aten.unsafe_split.Tensor,
                     aten.unsafe_split_with_sizes.default)


unsafe_chunk = _composite("unsafe_chunk(Tensor self, int chunks, int dim=0) -> Tensor[]",
                          _unsafe_chunk, tags=("maybe_aliasing_or_mutating",))
for _name, _op in (("unsafe_split", unsafe_split), ("unsafe_chunk", unsafe_chunk),
                   ("unsafe_split_with_sizes", unsafe_split_with_sizes)):
    public(_name, _op)


def _unsafe_split_samples(dtype):
    from ..testing.samples import SampleInput, make_arr
    yield SampleInput(make_arr((5, 4), dtype), 2)
    yield SampleInput(make_arr((5, 4), dtype, noncontig=True), 3, 1)
    yield SampleInput(make_arr((4, 3), dtype), 1, -1)
    yield SampleInput(make_arr((3,), dtype), 5)
    yield SampleInput(make_arr((0, 3), dtype), 0)


def _unsafe_split_with_sizes_samples(dtype):
    from ..testing.samples import SampleInput, make_arr
    yield SampleInput(make_arr((5, 4), dtype), [2, 3])
    yield SampleInput(make_arr((5, 4), dtype, noncontig=True), [1, 0, 3], 1)
    yield SampleInput(make_arr((3,), dtype), [3], -1)


def _unsafe_chunk_samples(dtype):
    from ..testing.samples import SampleInput, make_arr
    yield SampleInput(make_arr((5, 4), dtype), 2)
    yield SampleInput(make_arr((5, 4), dtype, noncontig=True), 3, 1)
    yield SampleInput(make_arr((2,), dtype), 4)
    yield SampleInput(make_arr((0, 3), dtype), 3)


unsafe_split.samples(_unsafe_split_samples)
unsafe_split_with_sizes.samples(_unsafe_split_with_sizes_samples)
unsafe_chunk.samples(_unsafe_chunk_samples)


def _unbind_geoms(self, dim=0):
    n = self.dim()
    if n == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, n)
    return [_select_geom(self, d, i) for i in range(self._size[d])]


unbind = multi_view_op("unbind.int(Tensor(a -> *) self, int dim=0) -> Tensor(a)[]",
                       _unbind_geoms)
public("unbind", unbind)
unbind.derivative(self="unbind_backward(grads, dim, self_sym_sizes, self_scalar_type)", result="auto_linear")


def _tuple_results(name):
    """PyTorch's Python bindings return tuples for ``Tensor[]`` results."""
    f, m = PUBLIC[name], METHODS[name]

    def fn(*args, **kwargs):
        return tuple(f(*args, **kwargs))

    def meth(self, *args, **kwargs):
        return tuple(m(self, *args, **kwargs))
    fn.__name__ = meth.__name__ = name
    fn.__module__ = "kindling"
    PUBLIC[name] = fn
    METHODS[name] = meth
    setattr(Tensor, name, meth)


for _n in ("unbind", "chunk", "split_with_sizes", "unsafe_split", "unsafe_chunk",
           "unsafe_split_with_sizes"):
    _tuple_results(_n)


# ---- diagonal / alias ---------------------------------------------------------------------------
def _diagonal_geom(self, offset=0, dim1=0, dim2=1):
    n = self.dim()
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    size, st = self._size, self.stride()
    off = self._offset
    if offset >= 0:
        diag = max(min(size[d1], size[d2] - offset), 0)
    else:
        diag = max(min(size[d1] + offset, size[d2]), 0)
    if diag > 0:
        off += offset * st[d2] if offset >= 0 else -offset * st[d1]
    keep = [i for i in range(n) if i not in (d1, d2)]
    return ([size[i] for i in keep] + [diag], [st[i] for i in keep] + [st[d1] + st[d2]], off)


diagonal = view_op("diagonal(Tensor(a) self, int offset=0, int dim1=0, int dim2=1) -> Tensor(a)",
                   _diagonal_geom, tags=("core",))
public("diagonal", diagonal)
diagonal.derivative(
    self="aten.diagonal_backward.default(grad, self_sym_sizes, offset, dim1, dim2)",
    result="auto_linear")

alias = view_op("alias(Tensor(a) self) -> Tensor(a)",
                lambda self: (self._size, self.stride(), self._offset), tags=("core",))
public("alias", alias, method=False)
alias.derivative(self="grad", result="self_t")


# ---- complex(real, imag) --------------------------------------------------------------------------
complex_ = defop("complex(Tensor real, Tensor imag) -> Tensor")
complex_.iterator = True   # (a TensorIterator op, though not tagged pointwise)
OPS["complex"] = complex_


def _complex_dtype(real, imag):
    dr, di = real.dtype, imag.dtype
    floats = (_dtype.float16, _dtype.float32, _dtype.float64)
    if dr not in floats or di not in floats:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{dr._scalar_name} and {di._scalar_name}")
    if dr is not di:
        raise RuntimeError(f"Expected object of scalar type {dr._scalar_name} but got scalar "
                           f"type {di._scalar_name} for second argument")
    if dr is _dtype.float16:
        raise NotImplementedError("complex() of float16 tensors: complex32 is not supported by "
                                  "kindling")
    return dr.to_complex()


@complex_.impl(K.CPU)
def _(real, imag):
    from ._tensor_iterator import pointwise_result
    from ._util import broadcast_error
    dt = _complex_dtype(real, imag)
    try:
        r, i = np.broadcast_arrays(real._np, imag._np)
    except ValueError:
        raise broadcast_error((tuple(real._size), tuple(imag._size))) from None
    out = np.empty(r.shape, dtype=dt._np)
    out.real, out.imag = r, i
    return pointwise_result(out, (real, imag), dt)   # (TensorIterator's layout)


@complex_.meta
def _(real, imag):
    from ._meta_util import empty_meta
    from ._util import broadcast_shapes
    return empty_meta(broadcast_shapes(tuple(real._size), tuple(imag._size)),
                      _complex_dtype(real, imag))




def _complex_real_grad(grad, real):
    """``real``'s gradient. ``real`` (and ``imag`` below) go unused but are saved, as in
    PyTorch, whose codegen reads ``at::real``/``at::imag`` in these formulas as the inputs'
    names: saved-tensor hooks see both inputs packed."""
    return aten.real.default(grad)


def _complex_imag_grad(grad, imag):
    return aten.imag.default(grad)


complex_.derivative(real=_complex_real_grad, imag=_complex_imag_grad,
                    result="aten.complex.default(real_t, imag_t)")
public("complex", complex_, method=False)
