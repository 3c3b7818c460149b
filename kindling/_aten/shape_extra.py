"""More shape ops: ``broadcast_to``, ``ravel``, ``sum_to_size``, ``tensor_split`` and
``hsplit``/``vsplit``/``dsplit``, ``rot90``, ``unfold`` (a view, with ``unfold_backward``),
``diff``, ``diag_embed``, ``diagonal_copy``, ``diag``, ``diagflat``, ``narrow_copy`` and
``repeat_interleave``.

Where PyTorch writes an op as a CompositeImplicitAutograd decomposition (``broadcast_to``,
``ravel``, ``sum_to_size``, the splits, ``diff``, ``diag``, ``diagflat``,
``repeat_interleave`` with ``self``), so does kindling, with the same pieces: a dispatch mode
sees ``expand``, ``slice``, ``sub``, ``index_select``... and autograd records their nodes.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype, _layout
from ..testing import samples as S
from ._api import method, public
from ._copy_out import copy_out_variant
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import dtype_of, is_expandable_to, sum_to_dims, varargs_list, wrap_dim
from ._variants import resize_out
from .view_backward import _diagonal_region
from .views import _tuple_results, view_op

OPS = {}


def _sizes(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _composite(schema, fn, tags=()):
    d = defop(schema, tags=tags)
    d.composite(fn)
    OPS[str(d.op)[len("aten."):]] = d
    return d


def _contiguous(t):
    """``t.contiguous()``: ``t`` itself when it already is."""
    if t.is_contiguous():
        return t
    return aten.clone.default(t, memory_format=_layout.contiguous_format)


# ---- broadcast_to / ravel -----------------------------------------------------------------------
broadcast_to = _composite("broadcast_to(Tensor(a) self, SymInt[] size) -> Tensor(a)",
                          lambda self, size: aten.expand.default(self, list(size)))
ravel = _composite("ravel(Tensor(a) self) -> Tensor(a)",
                   lambda self: aten.view.default(_contiguous(self), [-1]))
public("broadcast_to", broadcast_to)
public("ravel", ravel)


@method("broadcast_to")
def _broadcast_to_method(self, *size):
    """``self`` expanded to ``size`` (a view)."""
    return broadcast_to.op(self, varargs_list(size))


# ---- sum_to_size --------------------------------------------------------------------------------
def sum_to(t, shape):
    """``t`` summed down to ``shape`` (leading dims and dims of size 1 in ``shape``);
    ``t`` itself when nothing is summed (PyTorch's ``at::sum_to``)."""
    shape = list(shape)
    if not shape:
        return aten.sum.default(t)
    lead = len(t._size) - len(shape)
    dims = sum_to_dims(t._size, shape)
    if dims:
        t = aten.sum.dim_IntList(t, dims, True)
    return aten.view.default(t, shape) if lead > 0 else t


def _sum_to_size(self, size):
    if not is_expandable_to(list(size), list(self._size)):
        raise RuntimeError(f"size {{{_sizes(size)}}} is not expandable to size "
                           f"{{{_sizes(self._size)}}}.")
    return sum_to(self, size)


sum_to_size = _composite("sum_to_size(Tensor self, SymInt[] size) -> Tensor", _sum_to_size)


@method("sum_to_size")
def _sum_to_size_method(self, *size):
    """``self`` summed to ``size``, a shape ``self`` broadcasts to."""
    if not size:
        raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
    return sum_to_size.op(self, varargs_list(size))


# ---- tensor_split / hsplit / vsplit / dsplit -----------------------------------------------------
def _split_dim(self, dim):
    if self.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    return wrap_dim(dim, self.dim())


def _tensor_split_sections(self, sections, dim=0):
    d = _split_dim(self, dim)
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    size = self._size[d]
    small, extra = divmod(size, sections)
    out, start = [], 0
    for i in range(sections):
        n = small + 1 if i < extra else small
        out.append(aten.slice.Tensor(self, d, start, start + n))
        start += n
    return out


def _tensor_split_indices(self, indices, dim=0):
    d = _split_dim(self, dim)
    out, start = [], 0
    for end in indices:  # (slice wraps and clamps the bounds)
        out.append(aten.slice.Tensor(self, d, start, end))
        start = end
    out.append(aten.slice.Tensor(self, d, start, self._size[d]))
    return out


def _tensor_split_tensor(self, tensor_indices_or_sections, dim=0):
    _split_dim(self, dim)
    t = tensor_indices_or_sections
    if t.dtype is not _dtype.int64:
        raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype of "
                           f"long, but got {t.dtype._scalar_name}")
    if t.dim() > 1:
        raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                           f"zero-dimensional or one-dimensional tensor, but got a tensor with "
                           f"{t.dim()} dims")
    if t.dim() == 0:
        return aten.tensor_split.sections(self, aten._local_scalar_dense.default(t), dim)
    return aten.tensor_split.indices(self, t.tolist(), dim)  # (read directly, as PyTorch does)


tensor_split_sections = _composite(
    "tensor_split.sections(Tensor(a -> *) self, SymInt sections, int dim=0) -> Tensor(a)[]",
    _tensor_split_sections)
tensor_split_indices = _composite(
    "tensor_split.indices(Tensor(a -> *) self, SymInt[] indices, int dim=0) -> Tensor(a)[]",
    _tensor_split_indices)
tensor_split_tensor = _composite(
    "tensor_split.tensor_indices_or_sections(Tensor(a -> *) self, "
    "Tensor tensor_indices_or_sections, int dim=0) -> Tensor(a)[]", _tensor_split_tensor)
public("tensor_split", tensor_split_sections, tensor_split_indices, tensor_split_tensor)


def _directional_split(name, min_dims, dim_of):
    """``hsplit``/``vsplit``/``dsplit``: ``tensor_split`` along one dim, sections dividing it."""
    def check(self):
        if self.dim() < min_dims:
            raise RuntimeError(
                f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a "
                f"tensor with {self.dim()} dimensions!")
        return dim_of(self)

    def by_sections(self, sections):
        d = check(self)
        size = self._size[d]
        if sections == 0 or size % sections:
            raise RuntimeError(
                f"torch.{name} attempted to split along dimension {d}, but the size of the "
                f"dimension {size} is not divisible by the split_size {sections}!")
        return aten.tensor_split.sections(self, sections, d)

    def by_indices(self, indices):
        return aten.tensor_split.indices(self, list(indices), check(self))

    ops = (_composite(f"{name}.int(Tensor(a -> *) self, int sections) -> Tensor(a)[]",
                      by_sections),
           _composite(f"{name}.array(Tensor(a -> *) self, int[] indices) -> Tensor(a)[]",
                      by_indices))
    public(name, *ops)
    return ops


hsplit = _directional_split("hsplit", 1, lambda t: 0 if t.dim() == 1 else 1)
vsplit = _directional_split("vsplit", 2, lambda t: 0)
dsplit = _directional_split("dsplit", 3, lambda t: 2)
for _n in ("tensor_split", "hsplit", "vsplit", "dsplit"):
    _tuple_results(_n)


# ---- rot90 --------------------------------------------------------------------------------------
rot90 = defop("rot90(Tensor self, int k=1, int[] dims=[0, 1]) -> Tensor")
OPS["rot90"] = rot90


@rot90.explicit
def _(self, k=1, dims=(0, 1)):
    n = self.dim()
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = wrap_dim(dims[0], n), wrap_dim(dims[1], n)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} "
                           f"and dim1 = {dims[1]}")
    k %= 4
    if k == 1:
        return aten.transpose_.default(aten.flip.default(self, [d1]), d0, d1)
    if k == 2:
        return aten.flip.default(self, [d0, d1])
    if k == 3:
        return aten.transpose_.default(aten.flip.default(self, [d0]), d0, d1)
    return aten.clone.default(self, memory_format=_layout.contiguous_format)


rot90.derivative(self="grad.rot90(-k, dims)", result="auto_linear")
rot90.out = copy_out_variant(rot90, "rot90.out(Tensor self, int k=1, int[] dims=[0, 1], *, "
                                    "Tensor(a!) out) -> Tensor(a!)")
public("rot90", rot90)  # (the out= overload: torch.ops only, as in PyTorch)


# ---- unfold / unfold_backward -------------------------------------------------------------------
def _unfold_geom(self, dimension, size, step):
    n = self.dim()
    d = wrap_dim(dimension, n)
    max_size = self._size[d] if n else 1
    if size > max_size:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {max_size} but size "
                           f"is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if n == 0:
        return (size,), (1,), self._offset
    sizes, strides = list(self._size), list(self.stride())
    sizes.append(size)
    strides.append(strides[d])
    sizes[d] = (sizes[d] - size) // step + 1
    strides[d] *= step
    return tuple(sizes), tuple(strides), self._offset


unfold = view_op("unfold(Tensor(a) self, int dimension, int size, int step) -> Tensor(a)",
                 _unfold_geom)
OPS["unfold"] = unfold
public("unfold", unfold, function=False)

unfold_backward = defop("unfold_backward(Tensor grad_in, SymInt[] input_sizes, int dim, "
                        "int size, int step) -> Tensor")
OPS["unfold_backward"] = unfold_backward


@unfold_backward.cpu
def _(grad_in, input_sizes, dim, size, step):
    out = np.zeros(tuple(input_sizes), grad_in.dtype)
    flat = out.reshape(tuple(input_sizes) or (1,))
    d = wrap_dim(dim, len(input_sizes))
    windows = grad_in.shape[d] if len(input_sizes) else 1
    g = grad_in.reshape(flat.shape[:d] + (windows,) + flat.shape[d + 1:] + (size,))
    starts = np.arange(windows) * step
    lead = (slice(None),) * d
    for j in range(size):  # (within one offset the windows' positions are distinct)
        flat[lead + (starts + j,)] += g[..., j]
    return out


@unfold_backward.meta
def _(grad_in, input_sizes, dim, size, step):
    wrap_dim(dim, len(input_sizes))
    return empty_meta(input_sizes, grad_in.dtype)


unfold.derivative(self="aten.unfold_backward.default(grad, self_sym_sizes, dimension, size, step)",
                  result="auto_linear")
unfold_backward.derivative(grad_in="grad.unfold(dim, size, step)", result="auto_linear")
unfold_backward.out = copy_out_variant(
    unfold_backward, "unfold_backward.out(Tensor grad_in, SymInt[] input_sizes, int dim, "
                     "int size, int step, *, Tensor(a!) out) -> Tensor(a!)")


# ---- diff ---------------------------------------------------------------------------------------
def _diff_check(self, n, dim, prepend, append):
    if self.dim() < 1:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    for other in (prepend, append):
        if other is None:
            continue
        d = wrap_dim(dim, self.dim(), wrap_scalar=False)
        if other.dim() != self.dim():
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for i in range(other.dim()):
            if i != d and other._size[i] != self._size[i]:
                raise RuntimeError(
                    "diff expects the shape of tensor to prepend or append to match that of "
                    f"input except along the differencing dimension; input.size({i}) = "
                    f"{self._size[i]}, but got tensor.size({i}) = {other._size[i]}")


def _diff_step(t, dim, out_len):
    """One difference along ``dim`` (``logical_xor`` for bools); C++'s argument order: the
    ``narrow`` starting at 0 is evaluated first."""
    before = aten.narrow.default(t, dim, 0, out_len)
    after = aten.narrow.default(t, dim, 1, out_len)
    if t.dtype is _dtype.bool:
        return aten.logical_xor.default(after, before)
    return aten.sub.Tensor(after, before)


def _diff_input(self, dim, prepend, append):
    parts = [p for p in (prepend, self, append) if p is not None]
    return aten.cat.default(parts, dim) if len(parts) > 1 else self


def _diff(self, n=1, dim=-1, prepend=None, append=None):
    _diff_check(self, n, dim, prepend, append)
    if n == 0:
        return aten.copy_.default(aten.zeros_like.default(self), self)
    t = _diff_input(self, dim, prepend, append)
    size = t._size[wrap_dim(dim, t.dim())]
    out_len = size - 1
    for _ in range(min(n, size)):
        t = _diff_step(t, dim, out_len)
        out_len -= 1
    return t


def _diff_out(self, n=1, dim=-1, prepend=None, append=None, *, out):
    _diff_check(self, n, dim, prepend, append)
    t = _diff_input(self, dim, prepend, append)
    if n == 0:
        resize_out(out, t._size)
        return aten.copy_.default(out, t)
    size = t._size[wrap_dim(dim, t.dim())]
    n = min(n, size)
    if n > 1:
        t = _diff(t, n - 1, dim)
    before = aten.narrow.default(t, dim, 0, size - n)
    after = aten.narrow.default(t, dim, 1, size - n)
    if t.dtype is _dtype.bool:
        return aten.logical_xor.out(after, before, out=out)
    return aten.sub.out(after, before, out=out)


diff = _composite("diff(Tensor self, int n=1, int dim=-1, Tensor? prepend=None, "
                  "Tensor? append=None) -> Tensor", _diff)
diff.out = _composite("diff.out(Tensor self, int n=1, int dim=-1, Tensor? prepend=None, "
                      "Tensor? append=None, *, Tensor(a!) out) -> Tensor(a!)", _diff_out)
public("diff", diff, diff.out)


# ---- diag_embed / diagonal_copy / diag / diagflat ------------------------------------------------
def _diag_embed_geom(self, offset, dim1, dim2):
    n = len(self.shape) + 1
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    last = self.shape[wrap_dim(-1, len(self.shape), wrap_scalar=False)]
    new_len = abs(offset) + last
    sizes = list(self.shape[:-1])
    lo, hi = min(d1, d2), max(d1, d2)
    sizes.insert(lo, new_len)
    sizes.insert(hi, new_len)
    return sizes, d1, d2


diag_embed = defop("diag_embed(Tensor self, int offset=0, int dim1=-2, int dim2=-1) -> Tensor")
OPS["diag_embed"] = diag_embed


@diag_embed.cpu
def _(self, offset=0, dim1=-2, dim2=-1):
    sizes, d1, d2 = _diag_embed_geom(self, offset, dim1, dim2)
    out = np.zeros(sizes, self.dtype)
    _diagonal_region(out, offset, d1, d2)[...] = self
    return out


@diag_embed.meta
def _(self, offset=0, dim1=-2, dim2=-1):
    return empty_meta(_diag_embed_geom(self, offset, dim1, dim2)[0], self.dtype)


diag_embed.derivative(self="grad.diagonal(offset, dim1, dim2)", result="auto_linear")
diag_embed.out = copy_out_variant(diag_embed, "diag_embed.out(Tensor self, int offset=0, "
                                         "int dim1=-2, int dim2=-1, *, Tensor(a!) out) -> "
                                         "Tensor(a!)")
public("diag_embed", diag_embed)  # (the out= overload: torch.ops only)

diagonal_copy = defop("diagonal_copy(Tensor self, int offset=0, int dim1=0, int dim2=1) -> "
                      "Tensor", tags=("view_copy",))
OPS["diagonal_copy"] = diagonal_copy


@diagonal_copy.explicit
def _(self, offset=0, dim1=0, dim2=1):
    return aten.clone.default(aten.diagonal.default(self, offset, dim1, dim2),
                              memory_format=_layout.contiguous_format)


diagonal_copy.derivative(
    "DiagonalBackward0_copy",
    self="aten.diagonal_backward.default(grad, self_sym_sizes, offset, dim1, dim2)",
    result="self_t.diagonal(offset, dim1, dim2)")   # (the view's formula, as PyTorch's)
diagonal_copy.out = copy_out_variant(
    diagonal_copy, "diagonal_copy.out(Tensor self, int offset=0, int dim1=0, int dim2=1, *, "
                   "Tensor(a!) out) -> Tensor(a!)")
public("diagonal_copy", diagonal_copy, diagonal_copy.out, method=False)


def _diag_check(self, prefix="diag(): "):
    if self.dim() not in (1, 2):
        raise RuntimeError(f"{prefix}Supports 1D or 2D tensors. Got {self.dim()}D")


def _diag(self, diagonal=0):
    _diag_check(self)
    if self.dim() == 1:
        return aten.diag_embed.default(self, diagonal)
    return aten.diagonal_copy.default(self, diagonal)


def _diag_out(self, diagonal=0, *, out):
    _diag_check(self, "")
    if self.dim() == 1:
        if not _dtype.can_cast(self.dtype, out.dtype):
            raise RuntimeError(f"diag: result type {self.dtype._scalar_name} can't be cast to "
                               f"the desired out= type {out.dtype._scalar_name}")
        return aten.diag_embed.out(self, diagonal, out=out)
    return aten.diagonal_copy.out(self, diagonal, out=out)


diag = _composite("diag(Tensor self, int diagonal=0) -> Tensor", _diag)
diag.out = _composite("diag.out(Tensor self, int diagonal=0, *, Tensor(a!) out) -> Tensor(a!)",
                      _diag_out)
public("diag", diag, diag.out)
diagflat = _composite(
    "diagflat(Tensor self, int offset=0) -> Tensor",
    lambda self, offset=0: aten.diag_embed.default(
        aten.view.default(_contiguous(self), [-1]), offset))
public("diagflat", diagflat)


# ---- narrow_copy --------------------------------------------------------------------------------
def _narrow_copy_region(a, dim, start, length):
    if a.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, a.ndim)
    size = a.shape[d]
    if start < -size or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if start + length > size or start + length < start:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return a[(slice(None),) * d + (slice(start, start + length),)]


narrow_copy = defop("narrow_copy(Tensor self, int dim, SymInt start, SymInt length) -> Tensor",
                    tags=("view_copy",))
OPS["narrow_copy"] = narrow_copy


@narrow_copy.cpu
def _(self, dim, start, length):
    return np.ascontiguousarray(_narrow_copy_region(self, dim, start, length))


@narrow_copy.meta
def _(self, dim, start, length):
    stand_in = np.broadcast_to(np.empty((), np.int8), tuple(self._size))
    return empty_meta(_narrow_copy_region(stand_in, dim, start, length).shape, self.dtype)


narrow_copy.derivative(
    self="aten.slice_backward.default(grad, self_sym_sizes, dim, start, start + length, 1)",
    result="auto_linear")
narrow_copy.out = defop("narrow_copy.out(Tensor self, int dim, SymInt start, SymInt length, *, "
                        "Tensor(a!) out) -> Tensor(a!)")


@narrow_copy.out.explicit
def _(self, dim, start, length, *, out):
    if self.dim() == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if self.dtype is not out.dtype:  # (no cast, unlike most out= forms)
        raise RuntimeError("Expected self.dtype() == output.dtype() to be true, but got false.  "
                           "(Could this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")
    r = narrow_copy.op(self, dim, start, length)
    resize_out(out, r._size)
    return aten.copy_.default(out, r)
public("narrow_copy", narrow_copy, narrow_copy.out)


# ---- repeat_interleave --------------------------------------------------------------------------
_INDEX_DTYPES = (_dtype.int64, _dtype.int32)


def _repeats_check(repeats):
    dt = dtype_of(repeats)
    if dt not in _INDEX_DTYPES:
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for "
                                  f"'{dt._scalar_name}'")
    if len(repeats.shape) != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")


repeat_interleave_tensor = defop("repeat_interleave.Tensor(Tensor repeats, *, "
                                 "SymInt? output_size=None) -> Tensor",
                                 tags=("dynamic_output_shape",))
OPS["repeat_interleave.Tensor"] = repeat_interleave_tensor


@repeat_interleave_tensor.cpu
def _(repeats, *, output_size=None):
    _repeats_check(repeats)
    if repeats.size == 0:
        return np.empty((0,), repeats.dtype)
    if output_size is None:
        if (repeats < 0).any():
            raise RuntimeError("repeats can not be negative")
        total = int(repeats.sum())
    else:
        total = output_size
        if int(repeats.sum()) != total:
            raise RuntimeError("allocated size does not match required size")
    return np.repeat(np.arange(repeats.size, dtype=repeats.dtype), repeats)


@repeat_interleave_tensor.meta
def _(repeats, *, output_size=None):
    _repeats_check(repeats)
    if output_size is None:
        raise RuntimeError("cannot repeat_interleave a meta tensor without output_size")
    return empty_meta((output_size,), repeats.dtype)


repeat_interleave_tensor.nondifferentiable()
repeat_interleave_tensor.out = copy_out_variant(
    repeat_interleave_tensor, "repeat_interleave.Tensor_out(Tensor repeats, *, "
                              "SymInt? output_size=None, Tensor(a!) out) -> Tensor(a!)")


def _repeat_interleave_self_tensor(self, repeats, dim=None, *, output_size=None):
    inp = self
    if dim is None:
        inp = aten.flatten.using_ints(self)
        dim = 0
    n = inp._size[wrap_dim(dim, inp.dim())]
    if repeats.dim() == 0 or (repeats.dim() == 1 and repeats._size[0] == 1):
        repeats = aten.expand.default(aten.reshape.default(repeats, [1]), [n])
    elif repeats.dim() == 1:
        if repeats._size[0] != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {repeats._size[0]} and input.size({dim}) = "
                               f"{n}")
    else:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    index = aten.repeat_interleave.Tensor(repeats, output_size=output_size)
    return aten.index_select.default(inp, dim, index)


def _repeat_interleave_self_int(self, repeats, dim=None, *, output_size=None):
    inp = self if dim is not None else aten.flatten.using_ints(self)
    d = wrap_dim(0 if dim is None else dim, self.dim())
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    unsqueezed = aten.unsqueeze.default(inp, d + 1)
    expanded = list(unsqueezed._size)
    expanded[d + 1] = repeats
    result = list(inp._size)
    result[d] *= repeats
    if output_size is not None and output_size != result[d]:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {result[d]} "
                           f"but got {output_size}")
    return aten.view.default(_contiguous(aten.expand.default(unsqueezed, expanded)), result)


repeat_interleave_self_tensor = _composite(
    "repeat_interleave.self_Tensor(Tensor self, Tensor repeats, int? dim=None, *, "
    "SymInt? output_size=None) -> Tensor", _repeat_interleave_self_tensor)
repeat_interleave_self_int = _composite(
    "repeat_interleave.self_int(Tensor self, SymInt repeats, int? dim=None, *, "
    "SymInt? output_size=None) -> Tensor", _repeat_interleave_self_int)
public("repeat_interleave", repeat_interleave_self_tensor, repeat_interleave_tensor,
       repeat_interleave_self_int, method=False)
public("repeat_interleave", repeat_interleave_self_tensor, repeat_interleave_self_int,
       function=False)


# ---- samples ------------------------------------------------------------------------------------
def _rot90_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype))
    yield S.SampleInput(A((3, 4), dtype, seed=1), 2)
    yield S.SampleInput(A((2, 3, 4), dtype, seed=2), -1, [2, 0])
    yield S.SampleInput(A((3, 4), dtype, seed=3, noncontig=True), 3, [1, 0])
    yield S.SampleInput(A((3, 4), dtype, seed=4), 4)


def _unfold_backward_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 3, 2), dtype), [3, 4], 1, 2, 1)
    yield S.SampleInput(A((1, 4, 2), dtype, seed=1), [3, 4], 0, 2, 2)
    yield S.SampleInput(A((2, 2, 2), dtype, seed=2), [2, 7], -1, 2, 3)
    yield S.SampleInput(A((1,), dtype, seed=3), [], 0, 1, 1)


def _diag_embed_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3,), dtype))
    yield S.SampleInput(A((2, 3), dtype, seed=1), 1)
    yield S.SampleInput(A((2, 3), dtype, seed=2), -2, 0, 2)
    yield S.SampleInput(A((3, 2), dtype, seed=3, noncontig=True), 0, -1, 0)
    yield S.SampleInput(A((0,), dtype))


def _diagonal_copy_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype))
    yield S.SampleInput(A((3, 4), dtype, seed=1, noncontig=True), 1)
    yield S.SampleInput(A((2, 3, 3), dtype, seed=2), -1, 1, 2)


def _narrow_copy_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype), 0, 1, 2)
    yield S.SampleInput(A((3, 4), dtype, seed=1, noncontig=True), -1, -3, 2)
    yield S.SampleInput(A((5,), dtype, seed=2), 0, 5, 0)


def _repeats_samples(dtype):
    if dtype not in ("int64", "int32"):
        return
    yield S.SampleInput(S.Arr(np.array([1, 0, 3, 2], dtype)))
    yield S.SampleInput(S.Arr(np.array([2, 2], dtype)), output_size=4)
    yield S.SampleInput(S.Arr(np.zeros((0,), dtype)))


def _composite_samples(cases):
    """Samples from ``(shape, noncontig, args, kwargs)`` cases (one input tensor)."""
    def gen(dtype):
        for i, (shape, nc, args, kwargs) in enumerate(cases):
            yield S.SampleInput(S.make_arr(shape, dtype, seed=i, noncontig=nc), *args, **kwargs)
    return gen


def _repeat_interleave_tensor_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 2), dtype), S.Arr(np.array([1, 0, 2])), 0)
    yield S.SampleInput(A((3, 2), dtype, seed=1), S.Arr(np.array(2)))
    yield S.SampleInput(A((3, 2), dtype, seed=2), S.Arr(np.array([3])), -1, output_size=6)


def _diff_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3, 4), dtype))
    yield S.SampleInput(A((3, 4), dtype, seed=1, noncontig=True), 2, 0)
    yield S.SampleInput(A((5,), dtype, seed=2), 9)
    yield S.SampleInput(A((3, 4), dtype, seed=3), 0)
    yield S.SampleInput(A((3, 2), dtype, seed=4), 1, 1, A((3, 1), dtype, seed=5),
                        A((3, 2), dtype, seed=6))


broadcast_to.samples(_composite_samples([((3,), False, ([2, 3],), {}),
                                         ((2, 1), True, ([-1, 4],), {}),
                                         ((), False, ([2],), {})]))
ravel.samples(_composite_samples([((3, 4), False, (), {}), ((3, 4), True, (), {}),
                                  ((), False, (), {})]))
sum_to_size.samples(_composite_samples([((3, 4), False, ([1, 4],), {}),
                                        ((2, 3, 4), True, ([3, 1],), {}),
                                        ((3, 4), False, ([],), {}),
                                        ((3, 4), False, ([3, 4],), {})]))
tensor_split_sections.samples(_composite_samples([((5, 2), False, (3,), {}),
                                                  ((3, 4), True, (2, 1), {})]))
tensor_split_indices.samples(_composite_samples([((5, 2), False, ([1, 3],), {}),
                                                 ((3, 4), False, ([3, 1], -1), {})]))
diag.samples(_composite_samples([((3,), False, (), {}), ((3, 4), True, (1,), {}),
                                 ((4,), False, (-2,), {})]))
diagflat.samples(_composite_samples([((2, 3), True, (), {}), ((3,), False, (1,), {})]))
repeat_interleave_self_int.samples(_composite_samples([((3, 2), False, (2,), {}),
                                                       ((3, 2), True, (3, 1), {}),
                                                       ((), False, (2,), {})]))
repeat_interleave_self_tensor.samples(_repeat_interleave_tensor_samples)
diff.samples(_diff_samples)
rot90.samples(_rot90_samples)
unfold_backward.samples(_unfold_backward_samples)
diag_embed.samples(_diag_embed_samples)
diagonal_copy.samples(_diagonal_copy_samples)
narrow_copy.samples(_narrow_copy_samples)
repeat_interleave_tensor.samples(_repeats_samples)
