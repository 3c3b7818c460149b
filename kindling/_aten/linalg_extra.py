"""More products: ``addmm_``/``addmv_`` (in place), ``vdot``, and the decompositions
``tensordot``, ``inner`` and ``kron`` (CompositeImplicitAutograd in PyTorch: a dispatch mode
sees ``permute``, ``view``, ``mm``/``dot``, ``mul``...), with ``torch.tensordot``'s ``dims``
forms (an int, two lists, or a tensor).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..testing import samples as S
from ._api import function, public
from ._defop import defop, get_opdef
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import wrap_dim
from ._variants import _raw, resize_out
from .._dispatcher.keys import K
from .linalg import _dot_check, _matmul_np

OPS = {}


# ---- addmm_ / addmv_ ----------------------------------------------------------------------------
def _sizes(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _addm_inplace(functional, schema):
    """``addmm_``/``addmv_``: the functional op's checks and kernel, the result written into
    ``self``, which must already have the result's shape (no broadcasting in place)."""
    d = defop(schema)
    kernel, meta = _raw(functional, K.CPU), _raw(functional, K.Meta)

    def check_size(self, shape):
        if tuple(self._size) != tuple(shape):
            raise RuntimeError(f"Bad in-place call: input tensor size {_sizes(self._size)} and "
                               f"output tensor size {_sizes(shape)} should match")

    @d.cpu_ks
    def _(ks, self, a, b, *, beta=1, alpha=1):
        r = kernel(self._np, a._np, b._np, beta=beta, alpha=alpha)
        check_size(self, r.shape)
        np.copyto(self._np, r)
        return self

    @d.meta
    def _(self, a, b, *, beta=1, alpha=1):
        check_size(self, meta(self, a, b, beta=beta, alpha=alpha)._size)
        return self

    d.functional = functional  # (its formula: AddmmBackward0 / AddmvBackward0)
    OPS[str(d.op)[len("aten."):]] = d
    return d


addmm_ = _addm_inplace(get_opdef("addmm.default"),
                       "addmm_(Tensor(a!) self, Tensor mat1, Tensor mat2, *, Scalar beta=1, "
                       "Scalar alpha=1) -> Tensor(a!)")
addmv_ = _addm_inplace(get_opdef("addmv.default"),
                       "addmv_(Tensor(a!) self, Tensor mat, Tensor vec, *, Scalar beta=1, "
                       "Scalar alpha=1) -> Tensor(a!)")
public("addmm_", addmm_, function=False)
public("addmv_", addmv_)


# ---- vdot ---------------------------------------------------------------------------------------
vdot = defop("vdot(Tensor self, Tensor other) -> Tensor")
OPS["vdot"] = vdot


@vdot.cpu
def _(self, other):
    _, dt = _dot_check(self, other)
    a = np.conj(self) if self.dtype.kind == "c" else self
    return _matmul_np(a, other, dt)


@vdot.meta
def _(self, other):
    shape, dt = _dot_check(self, other)
    return empty_meta(shape, dt)


def _vdot_self_backward(grad, other):
    """``grad.conj() * other`` (``conj`` is a no-op, not an op call, for real tensors)."""
    return (grad.conj() if grad.dtype.is_complex else grad) * other


vdot.derivative(self=_vdot_self_backward, other="grad * self",
                result="aten.vdot.default(self_t, other_p) + aten.vdot.default(self_p, other_t)")
vdot.out = defop("vdot.out(Tensor self, Tensor other, *, Tensor(a!) out) -> Tensor(a!)")


@vdot.out.explicit
def _(self, other, *, out):
    resize_out(out, [])
    if out.dtype is not self.dtype:
        raise RuntimeError(f"result dtype {out.dtype._scalar_name} does not match input dtype "
                           f"{self.dtype._scalar_name}")
    return aten.fill_.Tensor(out, vdot.op(self, other))


public("vdot", vdot, vdot.out)


# ---- tensordot ----------------------------------------------------------------------------------
def _tensordot(self, other, dims_self, dims_other):
    if len(dims_self) != len(dims_other):
        raise RuntimeError("both dimension lists should have same length")
    if self.dtype is not other.dtype:
        raise RuntimeError("both inputs should have same dtype")
    csize = 1
    t1, t2 = self, other
    for d1, d2 in zip(dims_self, dims_other):
        s1, s2 = self._size[wrap_dim(d1, self.dim())], other._size[wrap_dim(d2, other.dim())]
        if s2 == 1:  # (a broadcast dim: summed at once)
            t1 = aten.sum.dim_IntList(t1, [d1], True, dtype=t1.dtype)
        elif s1 == 1:
            t2 = aten.sum.dim_IntList(t2, [d2], True, dtype=t2.dtype)
        else:
            if s1 != s2:
                raise RuntimeError(f"contracted dimensions need to match, but first has size "
                                   f"{s1} in dim {d1} and second has size {s2} in dim {d2}")
            csize *= s1
    c1 = {wrap_dim(d, self.dim()) for d in dims_self}
    c2 = {wrap_dim(d, other.dim()) for d in dims_other}
    p1 = [i for i in range(self.dim()) if i not in c1]
    p2 = [i for i in range(other.dim()) if i not in c2]
    rsizes = [t1._size[i] for i in p1] + [t2._size[i] for i in p2]
    size1 = int(np.prod([t1._size[i] for i in p1], dtype=np.int64))
    size2 = int(np.prod([t2._size[i] for i in p2], dtype=np.int64))
    p1 += list(dims_self)
    p2 = list(dims_other) + p2
    if size1 != 1 or size2 != 1:
        t1 = aten.reshape.default(aten.permute.default(t1, p1), [size1, csize])
        t2 = aten.reshape.default(aten.permute.default(t2, p2), [csize, size2])
        return aten.reshape.default(aten.mm.default(t1, t2), rsizes)
    # a full contraction: dot of the flattened operands (contiguous), or multiply and sum
    t1, t2 = aten.permute.default(t1, p1), aten.permute.default(t2, p2)
    if t1.is_contiguous() and t2.is_contiguous():
        flat = [aten.flatten.using_ints(t) for t in (t1, t2)]
        return aten.reshape.default(aten.dot.default(*flat), rsizes)
    prod = aten.mul.Tensor(aten.squeeze.default(t1), aten.squeeze.default(t2))
    return aten.reshape.default(aten.sum.default(prod, dtype=t1.dtype), rsizes)


def _tensordot_out(self, other, dims_self, dims_other, *, out):
    r = _tensordot(self, other, dims_self, dims_other)
    if r.dtype is not out.dtype:
        raise RuntimeError(f"tensordot: Expected the output tensor to have dtype "
                           f"{r.dtype._scalar_name}, but got an output tensor with dtype "
                           f"{out.dtype._scalar_name}")
    resize_out(out, r._size)
    return aten.copy_.default(out, r)


def _composite_with_out(schema, fn, out_schema, out_fn):
    """A CompositeImplicitAutograd op and its ``out=`` overload (``.out``)."""
    d = defop(schema)
    d.composite(fn)
    d.out = defop(out_schema)
    d.out.composite(out_fn)
    OPS[d.schema.name[len("aten::"):]] = d
    return d


tensordot = _composite_with_out(
    "tensordot(Tensor self, Tensor other, int[] dims_self, int[] dims_other) -> Tensor",
    _tensordot, "tensordot.out(Tensor self, Tensor other, int[] dims_self, int[] dims_other, "
                "*, Tensor(a!) out) -> Tensor(a!)", _tensordot_out)


@function("tensordot")
def tensordot_fn(a, b, dims=2, out=None):
    """Contract ``a`` and ``b`` over ``dims``: the last ``dims`` dims of ``a`` with the first
    of ``b`` (an int), or the dims listed (``([dims of a], [dims of b])``, also as a tensor)."""
    if not isinstance(dims, (tuple, list, Tensor, int)):
        raise RuntimeError("tensordot expects dims to be int or tuple[list[int], list[int]] or "
                           f"list[list[int]] containing two lists, but got dims={dims}")
    dims_a, dims_b = [], []
    if isinstance(dims, (tuple, list)):
        dims_a, dims_b = dims
    if isinstance(dims, Tensor):
        if dims.numel() > 1:
            assert dims.size()[0] == 2
            dims_a, dims_b = dims[0].tolist(), dims[1].tolist()
        else:
            n = int(dims.item())
            if n < 0:
                raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
            dims_a, dims_b = list(range(-n, 0)), list(range(n))
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.dim(), b.dim()):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    for pos, (name, d) in enumerate((("dims_self", dims_a), ("dims_other", dims_b))):
        if not isinstance(d, (list, tuple)):  # (what _VF.tensordot's parser says)
            raise TypeError(f"tensordot(): argument '{name}' (position {pos + 3}) must be tuple "
                            f"of ints, not {type(d).__name__}")
    if out is None:
        return tensordot.op(a, b, list(dims_a), list(dims_b))
    return tensordot.out.op(a, b, list(dims_a), list(dims_b), out=out)


# ---- inner --------------------------------------------------------------------------------------
def _inner_check(self, other):
    if self._size[-1] != other._size[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {_sizes(self._size)} and {_sizes(other._size)}")


def _inner(self, other):
    if self.dim() == 0 or other.dim() == 0:
        return aten.mul.Tensor(self, other)
    _inner_check(self, other)
    return aten.tensordot.default(self, other, [-1], [-1])


def _inner_out(self, other, *, out):
    if self.dim() == 0 or other.dim() == 0:
        return aten.mul.out(self, other, out=out)
    _inner_check(self, other)
    return aten.tensordot.out(self, other, [-1], [-1], out=out)


inner = _composite_with_out(
    "inner(Tensor self, Tensor other) -> Tensor", _inner,
    "inner.out(Tensor self, Tensor other, *, Tensor(a!) out) -> Tensor(a!)", _inner_out)
public("inner", inner, inner.out)


# ---- kron ---------------------------------------------------------------------------------------
def _kron_shapes(self, other):
    """(self's interleaved shape, other's, the product's, the result's): each dim of the
    result is a (self dim, other dim) pair, shorter shapes padded with leading 1s."""
    n = max(self.dim(), other.dim())
    a = [1] * (n - self.dim()) + list(self._size)
    b = [1] * (n - other.dim()) + list(other._size)
    a_shape, b_shape, mul_shape = [], [], []
    for x, y in zip(a, b):
        a_shape += [x, 1]
        b_shape += [1, y]
        mul_shape += [x, y]
    return a_shape, b_shape, mul_shape, [x * y for x, y in zip(a, b)]


def _kron(self, other):
    a_shape, b_shape, _, result = _kron_shapes(self, other)
    prod = aten.mul.Tensor(aten._unsafe_view.default(self, a_shape),
                           aten._unsafe_view.default(other, b_shape))
    return aten._unsafe_view.default(prod, result)


def _kron_out(self, other, *, out):
    a_shape, b_shape, mul_shape, result = _kron_shapes(self, other)
    a = aten._unsafe_view.default(self, a_shape)
    b = aten._unsafe_view.default(other, b_shape)
    resize_out(out, result)
    aten.mul.out(a, b, out=aten._unsafe_view.default(out, mul_shape))
    return out


kron = _composite_with_out(
    "kron(Tensor self, Tensor other) -> Tensor", _kron,
    "kron.out(Tensor self, Tensor other, *, Tensor(a!) out) -> Tensor(a!)", _kron_out)
public("kron", kron, kron.out)


# ---- samples ------------------------------------------------------------------------------------
def _vdot_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((4,), dtype), A((4,), dtype, seed=1))
    yield S.SampleInput(A((0,), dtype), A((0,), dtype, seed=1))
    yield S.SampleInput(A((3,), dtype, noncontig=True), A((3,), dtype, seed=2))


def _pair_samples(cases):
    def gen(dtype):
        for i, (s1, s2, args) in enumerate(cases):
            yield S.SampleInput(S.make_arr(s1, dtype, seed=i), S.make_arr(s2, dtype, seed=i + 9),
                                *args)
    return gen


vdot.samples(_vdot_samples)
tensordot.samples(_pair_samples([((3, 4), (4, 2), ([1], [0])),
                                 ((2, 3, 4), (4, 3), ([1, 2], [1, 0])),
                                 ((3,), (3,), ([0], [0])), ((2, 1), (3, 2), ([0, 1], [1, 0]))]))
inner.samples(_pair_samples([((3, 4), (2, 4), ()), ((4,), (4,), ()), ((2, 3), (), ()),
                             ((2, 1, 3), (3,), ())]))
kron.samples(_pair_samples([((2, 3), (3, 2), ()), ((3,), (2, 2), ()), ((2, 2), (), ()),
                            ((0, 2), (2,), ())]))
