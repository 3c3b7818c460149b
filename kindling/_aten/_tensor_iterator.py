"""The memory layout PyTorch's TensorIterator gives the result of a pointwise op.

NumPy's ufuncs (``order='K'``) and PyTorch pick the output's memory order differently when
the inputs disagree: NumPy lets C order win every conflict, TensorIterator lets the first
input that orders two dims decide (``reorder_dimensions``), keeps one dense layout shared by
every input as it is (its "fast set-up", channels-last included), and treats size-1,
broadcast and empty dims its own way.  This module holds that one algorithm, shared by the
pointwise kernels (CPU and meta), resized ``out=`` tensors, ``empty_like``/``clone``/``to``
(``infer_dense_strides``) and the samplers of ``gamma_binomial``:

* ``reorder_dimensions`` - TensorIterator's insertion sort of the dims by the operands' strides;
* ``iterator_strides`` - the strides of the output TensorIterator allocates;
* ``memory_format_strides`` / ``infer_dense_strides`` - the layout of a copy or an
  ``empty_like`` in a memory format;
* ``unary_result`` / ``binary_result`` (the same-dtype fast kernels) and ``pointwise_result``
  (every other kernel) - a NumPy result as a tensor in TensorIterator's layout.  Each first
  tries a few cheap tests that prove NumPy's layout is already PyTorch's (every input laid
  out as the result, one dense input that orders every dim, contiguous inputs); only when
  those fail is the permutation computed, and the result copied into it if NumPy chose
  differently.
"""
from __future__ import annotations

import numpy as np

from .. import _layout
from .._tensor import Tensor, cached_contiguous_strides, from_array
from .._tensor import non_overlapping_and_dense as _nod

_ndarray = np.ndarray


# Pointwise ops whose TensorIterator is not built over their arguments in order:
# ``"name.overload"``: (argument names in TensorIterator's order - () for a contiguous result,
# "like" for ``empty_like(self)``'s layout - and the names of those it does not cast to the
# common dtype).
OPERAND_ORDER = {
    "rsub.Tensor": (("other", "self"), ()),   # (sub(other, self))
    "rsub.Scalar": (("other", "self"), ()),
    "threshold_backward": (("self", "grad_output"), ()),
    "masked_fill.Scalar": ((), ()),           # (a contiguous clone of self, filled)
    "masked_fill.Tensor": ((), ()),
    "pow.Scalar": ((), ()),                   # (its meta function asks for a contiguous output)
    "nan_to_num": ("like", ()),                # (empty_like(self), then the out= kernel)
    "_conj_physical": ("like", ()),            # (the same)
    "where.self": (("condition", "self", "other"), ("condition",)),
    "where.ScalarOther": (("condition", "self", "other"), ("condition",)),
    "where.ScalarSelf": (("condition", "self", "other"), ("condition",)),
    "where.Scalar": (("condition", "self", "other"), ("condition",)),
}


# ---- the algorithm -----------------------------------------------------------------------------
def reorder_dimensions(shape, operand_strides):
    """TensorIterator's order of the dims of ``shape``, innermost first.

    ``operand_strides``: one stride tuple per operand over ``shape``'s dims, 0 where the operand
    is broadcast.  Operands are asked in order; the first whose strides differ for two dims
    decides, a zero stride is ambiguous, and equal strides put the smaller dim inside (or ask
    the next operand).  As in PyTorch, an ambiguous comparison does not stop the scan, so the
    "insertion sort" may swap dims that are not neighbours."""
    n = len(shape)
    perm = list(range(n - 1, -1, -1))
    for i in range(1, n):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            d0, d1 = perm[dim0], perm[dim1]
            c = 0
            for st in operand_strides:
                s0, s1 = st[d0], st[d1]
                if s0 == 0 or s1 == 0:
                    continue
                if s0 != s1:
                    c = 1 if s0 > s1 else -1
                    break
                if shape[d0] > shape[d1]:
                    c = 1
                    break
            if c > 0:
                perm[dim0], perm[dim1] = d1, d0
                dim1 = dim0
            elif c < 0:
                break
    return perm


def broadcast_strides(shape, size, stride):
    """An operand's strides over the broadcast ``shape``: 0 for the dims it is broadcast in
    (TensorIterator's ``compute_strides``; a size-1 dim of a size-1 result keeps its stride)."""
    off = len(shape) - len(size)
    out = [0] * off
    for i, (sz, st) in enumerate(zip(size, stride)):
        out.append(0 if sz == 1 and shape[off + i] != 1 else st)
    return out


def infer_dense_strides(sizes, strides):
    """PyTorch's ``infer_dense_strides``: dense strides in the memory order of ``strides``
    (``empty_like``/``clone``/``to`` of a tensor that is not dense, with preserve_format)."""
    n = len(sizes)
    if n < 2:
        return (1,) * n
    out = [0] * n
    acc = 1
    for d in reorder_dimensions(sizes, (strides,)):
        out[d] = acc
        if sizes[d] > 1:   # (size 0 counts as 1 here)
            acc *= sizes[d]
    return tuple(out)


def _channels_last_contiguous(size, stride):
    expect = 1
    for d in (1, 3, 2, 0):
        if size[d] != 1:
            if stride[d] != expect:
                return False
            expect *= size[d]
    return True


def non_overlapping_and_dense(size, stride):
    """PyTorch's ``is_non_overlapping_and_dense`` (an empty tensor is contiguous, so dense)."""
    return 0 in size or _nod(size, stride)


def _is_contiguous(size, stride):
    if 0 in size:
        return True   # (PyTorch calls every empty tensor contiguous)
    expect = 1
    for sz, st in zip(reversed(size), reversed(stride)):
        if sz == 1:
            continue
        if st != expect:
            return False
        expect *= sz
    return True


def iterator_strides(shape, operands):
    """The strides of the output TensorIterator allocates for inputs ``operands`` (a list of
    ``(sizes, strides)`` in the op's operand order; Python numbers are 0-d operands) that
    broadcast to ``shape``."""
    shape = tuple(shape)
    n = len(shape)
    if n < 2:
        return (1,) * n
    # the fast set-up: every operand of the result's shape
    if all(tuple(sz) == shape for sz, _ in operands):
        if all(_is_contiguous(sz, st) for sz, st in operands):
            return cached_contiguous_strides(shape)
        if n == 4 and all(_channels_last_contiguous(sz, st) for sz, st in operands):
            c, h, w = shape[1], shape[2], shape[3]
            return (h * w * c, 1, w * c, c)
        first = tuple(operands[-1][1])
        if all(tuple(st) == first for _, st in operands) and \
                non_overlapping_and_dense(shape, first):
            return first
    return permuted_strides(shape, iteration_order(shape, operands))


def iteration_order(shape, operands):
    """TensorIterator's dims for ``operands`` (``(sizes, strides)``) broadcast to ``shape``,
    innermost first, when its fast set-up does not apply."""
    return reorder_dimensions(shape, [broadcast_strides(shape, sz, st) for sz, st in operands])


def permuted_strides(shape, perm):
    """The strides of the output TensorIterator allocates for dims ``perm`` (innermost first):
    contiguous ones when the order is C's, else dense in that order (``compatible_stride``:
    a size-0 dim zeroes the strides outside it)."""
    n = len(shape)
    if perm == list(range(n - 1, -1, -1)):
        return cached_contiguous_strides(tuple(shape))
    out = [0] * n
    acc = 1
    for d in perm:
        out[d] = acc
        acc *= shape[d]
    return tuple(out)


_CHANNELS_LAST_ORDER = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}   # innermost first


def memory_format_strides(size, stride, memory_format=None):
    """The strides PyTorch gives a copy (``clone``, ``to``) or an ``empty_like`` of a tensor of
    ``size``/``stride`` in ``memory_format`` (None: preserve_format - a dense layout is kept
    as it is, strides of size-1 dims included; another one is made dense in the same order)."""
    if memory_format is None or memory_format is _layout.preserve_format:
        if non_overlapping_and_dense(size, stride):
            return tuple(stride)
        return infer_dense_strides(size, stride)
    if memory_format is _layout.contiguous_format:
        return cached_contiguous_strides(tuple(size))
    rank = 4 if memory_format is _layout.channels_last else 5
    if len(size) != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {memory_format._name} format")
    out = [0] * rank
    acc = 1
    for d in _CHANNELS_LAST_ORDER[rank]:
        out[d] = acc
        acc *= size[d]
    return tuple(out)


def strided_copy(a, t, dt, memory_format=None):
    """A fresh tensor of dtype ``dt`` holding array ``a`` (the data of tensor ``t``), laid out
    as PyTorch lays out a copy of ``t`` in ``memory_format``."""
    shape = t._size
    st = t._stride_
    if memory_format is _layout.contiguous_format or (
            (memory_format is None or memory_format is _layout.preserve_format) and
            t._np.flags.c_contiguous and (st is None or st == cached_contiguous_strides(shape))):
        return from_array(np.array(a, dtype=dt._np, order="C", copy=True), Tensor, dt)
    strides = memory_format_strides(shape, t._stride(), memory_format)
    if strides == cached_contiguous_strides(shape):
        return from_array(np.array(a, dtype=dt._np, order="C", copy=True), Tensor, dt)
    out = _strided_empty(shape, strides, dt._np)
    out[...] = a  # (np.copyto(casting="unsafe"), without its Python dispatcher)
    r = from_array(out, Tensor, dt)
    r._stride_ = strides
    return r


# ---- results -----------------------------------------------------------------------------------
def _strided_empty(shape, strides, np_dtype):
    """An uninitialised array of ``shape`` addressed with element ``strides`` (a dense layout)."""
    n = 1 + sum((s - 1) * st for s, st in zip(shape, strides)) if all(shape) else 0
    isz = np_dtype.itemsize
    return np.ndarray(shape, np_dtype, buffer=np.empty(n, np_dtype),
                      strides=[st * isz for st in strides])


def _reported_strides(r):
    """The strides a tensor made by ``from_array(r)`` reports (see ``Tensor._stride``)."""
    if r.flags.c_contiguous or r.size == 0:
        return cached_contiguous_strides(r.shape)
    isz = r.itemsize
    return tuple([s // isz for s in r.strides])


def with_strides(r, strides, dt=None):
    """``r`` as a fresh tensor with ``strides``: ``r`` itself when it already has them, else a
    copy laid out so."""
    if r.base is None and _reported_strides(r) == strides:
        return from_array(r, Tensor, dt)
    out = _strided_empty(r.shape, strides, r.dtype)
    out[...] = r  # (np.copyto, without its Python dispatcher)
    t = from_array(out, Tensor, dt)
    t._stride_ = strides
    return t


def tensor_operand(t):
    """A tensor's ``(sizes, strides)``."""
    st = t._stride_
    return (t._size, st if st is not None else t._stride())


_SCALAR = ((), ())


def unary_result(r, a, dt):
    """The result ``r`` of a same-dtype unary ufunc on tensor ``a`` (NumPy scalar or n-d)."""
    if type(r) is not _ndarray:
        return from_array(np.asarray(r), Tensor, dt)
    if r.strides == a._np.strides and (r.ndim != 4 or 1 not in a._size):
        # (a dense input: TensorIterator's fast set-up keeps its layout, as NumPy did - but
        # for channels-last strides with size-1 dims, which it makes canonical)
        return from_array(r, Tensor, dt)
    return with_strides(r, iterator_strides(r.shape, (tensor_operand(a),)), dt)


def binary_result(r, a, b, dt):
    """The result ``r`` of a same-dtype binary ufunc on tensor ``a`` and a tensor or Python
    number ``b`` (NumPy scalar or n-d)."""
    if type(r) is not _ndarray:
        return from_array(np.asarray(r), Tensor, dt)
    rs = r.strides
    xs = a._np.strides
    if type(b) is Tensor:
        size = a._size
        if size == b._size:   # (no broadcasting)
            if xs == rs:
                # a dense a orders every dim but size-1 ones; b laid out as it too agrees on
                # those (but the fast set-up makes channels-last strides canonical)
                if 1 not in size or b._np.strides == rs and len(rs) != 4:
                    return from_array(r, Tensor, dt)
            elif 1 not in size and not any(xs) and b._np.strides == rs:
                return from_array(r, Tensor, dt)   # (a an expanded scalar: b alone orders)
        elif rs and rs[-1]:   # (broadcast, not empty)
            # one dense operand of the result's shape, without size-1 dims, orders every dim
            # (a broadcast scalar in front of it orders none)
            shape = r.shape
            if 1 not in shape:
                if xs == rs:
                    if a._np.shape == shape:
                        return from_array(r, Tensor, dt)
                elif not any(xs):
                    y = b._np
                    if y.strides == rs and y.shape == shape:
                        return from_array(r, Tensor, dt)
        return with_strides(r, iterator_strides(r.shape, (tensor_operand(a), tensor_operand(b))),
                            dt)
    if xs == rs and rs[-1]:
        # (a dense a with a number: NumPy and TensorIterator both follow a alone)
        return from_array(r, Tensor, dt)
    return with_strides(r, iterator_strides(r.shape, (tensor_operand(a), _SCALAR)), dt)


def _plain(t):
    """A non-empty tensor with contiguous strides (size-1 dims included): TensorIterator never
    reorders dims for it."""
    if not t._np.flags.c_contiguous:
        return False
    st = t._stride_
    return st is None or 1 not in t._size or st == cached_contiguous_strides(t._size)


def pointwise_result(r, operands, dt=None, no_convert=(), like=False):
    """A pointwise kernel's result ``r`` (ndarray or NumPy scalar) as a fresh tensor laid out
    as TensorIterator lays out its output for ``operands`` (tensors, Python numbers and None
    for absent optional tensors, in the op's operand order).  ``no_convert``: positions of
    operands TensorIterator does not cast to the common dtype (``where``'s condition).
    ``like``: the op writes into ``empty_like(operands[0])`` instead."""
    if type(r) is not _ndarray:
        r = np.asarray(r)
    if like:
        return with_strides(r, result_strides(r, operands, no_convert, like), dt)
    if r.ndim < 2:   # (one dim or none: every layout is the contiguous one)
        return from_array(r if r.base is None else r.copy(), Tensor, dt)
    if r.base is None:
        rs = r.strides
        shape = r.shape
        isz = r.itemsize
        if 1 not in shape:
            # the first operand that is not a broadcast scalar, dense in the result's layout,
            # orders every dim (no size-1 dims to tie)
            for t in operands:
                if isinstance(t, Tensor):
                    x = t._np
                    xs = x.strides
                    if any(xs):
                        if xs == rs and x.shape == shape and x.itemsize == isz:
                            return from_array(r, Tensor, dt)
                        break
        elif len(shape) != 4:
            # every operand laid out as the result and of its shape: the fast set-up keeps
            # that layout (but makes channels-last strides with size-1 dims canonical)
            seen = False
            for t in operands:
                if isinstance(t, Tensor):
                    x = t._np
                    if x.strides != rs or x.shape != shape or x.itemsize != isz:
                        break
                    seen = True
            else:
                if seen:
                    return from_array(r, Tensor, dt)
        if r.flags.c_contiguous and r.size:
            for t in operands:
                if isinstance(t, Tensor) and not _plain(t):
                    break
            else:   # (contiguous operands, not empty: no dims to reorder)
                return from_array(r, Tensor, dt)
    return with_strides(r, result_strides(r, operands, no_convert), dt)


def result_strides(r, operands, no_convert=(), like=False):
    """The strides of the output TensorIterator makes for ``operands`` (as in
    ``pointwise_result``), whose result has ``r``'s shape and dtype (``r``: an array or a meta
    tensor)."""
    if like:
        t = operands[0]
        return memory_format_strides(t._size, t._stride())
    return iterator_strides(tuple(r.shape), _iterator_operands(r, operands, no_convert))


def meta_result(r, operands, no_convert=(), like=False):
    """A pointwise meta function's (contiguous) result ``r`` restrided as TensorIterator lays
    out the output for ``operands``."""
    if type(r) is not Tensor or len(r._size) < 2 and not like:
        return r
    strides = result_strides(r, operands, no_convert, like)
    if strides == r._stride():
        return r
    from ._meta_util import empty_meta
    return empty_meta(r._size, r.dtype, strides, r._device)


def _iterator_operands(r, operands, no_convert):
    """``(sizes, strides)`` of the operands as TensorIterator sees them (inputs of another
    dtype than the common one are converted first, which densifies a layout that is not)."""
    common = None
    out = []
    for i, o in enumerate(operands):
        if o is None:
            continue
        if not isinstance(o, Tensor):
            out.append(_SCALAR)
            continue
        size, st = tensor_operand(o)
        if i not in no_convert and not non_overlapping_and_dense(size, st):
            if common is None:
                common = _common_dtype(r, operands, no_convert)
            if o.dtype is not common:
                st = infer_dense_strides(size, st)
        out.append((size, st))
    return out


def _common_dtype(r, operands, no_convert):
    from .. import _dtype
    from ._util import result_type
    common = result_type(*[o for i, o in enumerate(operands) if i not in no_convert])
    rd = r.dtype if isinstance(r.dtype, _dtype.dtype) else _dtype._NP_TO_DTYPE[r.dtype]
    if common._cat < _dtype.FLOAT <= rd._cat:   # (integer inputs of a float op)
        common = rd
    return common


# ---- memory overlap (ATen's MemoryOverlap.cpp) ---------------------------------------------------
# TensorIterator refuses, before anything is computed, an output that writes one memory location
# twice and an input that partly overlaps the output (a full overlap, ``x.add_(x)``, is fine).
_INTERNAL_OVERLAP = ("unsupported operation: more than one element of the written-to tensor "
                     "refers to a single memory location. Please clone() the tensor before "
                     "performing the operation.")
_PARTIAL_OVERLAP = ("unsupported operation: some elements of the input tensor and the "
                    "written-to tensor refer to a single memory location. Please clone() the "
                    "tensor before performing the operation.")
NO, FULL, PARTIAL, TOO_HARD = "no", "full", "partial", "too hard"
# (NumPy's C function itself: the public name first calls a Python dispatcher, a frame)
may_share = getattr(np.may_share_memory, "_implementation", np.may_share_memory)


def has_internal_overlap(t):
    """Whether tensor ``t`` surely has elements sharing memory (``MemOverlap::Yes``: a size > 1
    dim of stride 0; a layout too hard to tell counts as no, as in PyTorch)."""
    a = t._np
    if a is None or a.flags.c_contiguous or 0 not in a.strides:
        return False
    return any(st == 0 and n > 1 for n, st in zip(a.shape, a.strides))


def overlap_status(a, b):
    """``get_overlap_status(a, b)`` of two tensors: NO, FULL (the same elements in the same
    layout), PARTIAL, or TOO_HARD (one of them is not non-overlapping and dense)."""
    if a is b:
        return FULL
    x, y = a._np, b._np
    if x is None or y is None or not x.size or not y.size:
        return NO
    if not may_share(x, y):  # (disjoint address ranges: the common case, at C speed)
        return NO
    if not (x.flags.c_contiguous or a.is_non_overlapping_and_dense()) or \
            not (y.flags.c_contiguous or b.is_non_overlapping_and_dense()):
        return TOO_HARD
    xb, yb = x.__array_interface__["data"][0], y.__array_interface__["data"][0]
    # (dense: each covers exactly its elements' bytes from its first one)
    xe, ye = xb + x.size * x.itemsize, yb + y.size * y.itemsize
    if xb == yb and xe == ye:
        return FULL if a.stride() == b.stride() else PARTIAL
    return PARTIAL if xb < ye and yb < xe else NO


def check_mem_overlaps(out, inputs, internal=True):
    """TensorIterator's ``compute_mem_overlaps`` for the output ``out`` and the ``inputs``
    (tensors and anything else, ignored): PyTorch's errors for an output that overlaps itself
    (``internal``) or partly overlaps an input."""
    if internal and has_internal_overlap(out):
        raise RuntimeError(_INTERNAL_OVERLAP)
    for t in inputs:
        if isinstance(t, Tensor) and t is not out and overlap_status(out, t) == PARTIAL:
            raise RuntimeError(_PARTIAL_OVERLAP)


def surely_no_overlap(x, *ys):
    """Whether writing the array ``x`` from the arrays ``ys`` (None ignored) surely passes those
    checks - ``x`` has no zero stride and shares no memory with a ``y`` other than itself: the
    in-place fronts' test (anything else takes the generic kernel, which checks exactly)."""
    if not x.flags.c_contiguous and 0 in x.strides:
        return False
    for y in ys:
        if y is not None and y is not x and may_share(x, y):
            return False
    return True
