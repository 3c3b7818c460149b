"""Norms: ``linalg_vector_norm`` (a kernel with its derivative, LinalgVectorNormBackward0),
and the decompositions ``linalg_matrix_norm`` (number and string orders) and ``linalg_norm``,
written as PyTorch's: Frobenius through ``linalg_vector_norm``, 1/inf norms through
``linalg_vector_norm`` and ``amax``/``amin``, 2 and nuclear norms through ``linalg_svdvals``.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._pointwise_util import not_implemented
from ._util import dtype_of, wrap_dim
from .reductions import _dims
from ._variants import same_dtype_out_variant
from .linalg_common import check_float, real_dtype
from .linalg_solvers import OPS


def _fmt(ord):  # noqa: A002 (PyTorch's name)
    """A Scalar as c10 prints it (``-1``, ``0.5``, ``inf``)."""
    if isinstance(ord, bool) or isinstance(ord, int):
        return str(int(ord))
    return "%g" % float(ord)


def _vn_plan(self, ord, dim, keepdim, dtype):
    in_dt = dtype_of(self)
    name = "linalg.vector_norm"
    if not (in_dt.is_floating_point or in_dt.is_complex):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {in_dt._scalar_name}")
    if dtype is not None:
        if not (dtype.is_floating_point or dtype.is_complex):
            raise RuntimeError(f"{name}: dtype should be floating point or complex, but got "
                               f"{dtype._scalar_name}")
        if in_dt.is_complex != dtype.is_complex:
            kind = "complex" if in_dt.is_complex else "real"
            raise RuntimeError(f"{name}: dtype should be {kind} for {kind} inputs, but got "
                               f"{dtype._scalar_name}")
        if _dtype.promote_types(in_dt, dtype) is not dtype:
            raise RuntimeError(f"{name}: the dtype of the input ({in_dt._scalar_name}) should be "
                               f"convertible without narrowing to the specified dtype "
                               f"({dtype._scalar_name})")
    if isinstance(ord, complex):
        raise RuntimeError(f"{name}: Expected a non-complex scalar as the order of norm.")
    nd = self.ndim
    dims = list(range(nd)) if dim is None or (isinstance(dim, (list, tuple)) and not dim) \
        else [wrap_dim(d, max(nd, 1)) for d in ([dim] if isinstance(dim, int) else dim)]
    if nd == 0:
        dims = []
    o = float(ord)
    if o < 0 or math.isinf(o):
        empty = self.size == 0 if dim is None else any(self.shape[d] == 0 for d in dims)
        if (dim is None and (self.size if hasattr(self, "size") and not callable(self.size)
                             else self.numel()) == 0) or (dim is not None and empty):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_fmt(ord)} norm on an "
                               "empty tensor because the operation does not have an identity")
    shape = [1 if i in dims else s for i, s in enumerate(self.shape)] if keepdim else \
        [s for i, s in enumerate(self.shape) if i not in dims]
    return dims, tuple(shape), real_dtype(dtype or in_dt)


def _vector_norm(self, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    dims, shape, out_dt = _vn_plan(self, ord, dim, keepdim, dtype)
    x = self.astype(dtype._np) if dtype is not None else self
    a = np.abs(x)
    ax = tuple(dims)
    o = float(ord)
    with np.errstate(all="ignore"):
        if o == math.inf:
            r = np.max(a, axis=ax, keepdims=keepdim) if a.size else np.zeros(shape)
        elif o == -math.inf:
            r = np.min(a, axis=ax, keepdims=keepdim)
        elif o == 0:
            r = np.sum(a != 0, axis=ax, keepdims=keepdim)
        elif o == 1:
            r = np.sum(a, axis=ax, keepdims=keepdim)
        elif o == 2:
            r = np.sqrt(np.sum(a * a, axis=ax, keepdims=keepdim))
        else:
            r = np.sum(a ** o, axis=ax, keepdims=keepdim) ** (1.0 / o)
    return np.asarray(r).astype(out_dt._np, copy=False).reshape(shape)


linalg_vector_norm = defop("linalg_vector_norm(Tensor self, Scalar ord=2, int[1]? dim=None, "
                           "bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
                           tags=("reduction",))
linalg_vector_norm.cpu(_vector_norm)


@linalg_vector_norm.meta
def _(self, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    _, shape, dt = _vn_plan(self, ord, dim, keepdim, dtype)
    return empty_meta(shape, dt)


linalg_vector_norm.derivative(
    self="norm_backward(grad, self, ord, result, dim, keepdim)",
    result="norm_jvp(self_p, self_t, ord, result, dim, keepdim)")
linalg_vector_norm.complex_autograd = True
OPS["linalg_vector_norm.default"] = linalg_vector_norm
OPS["linalg_vector_norm.out"] = same_dtype_out_variant(
    linalg_vector_norm, "linalg_vector_norm.out(Tensor self, Scalar ord=2, int[1]? dim=None, "
    "bool keepdim=False, *, ScalarType? dtype=None, Tensor(a!) out) -> Tensor(a!)",
    of_result=True)


# ---- linalg__powsum: sum(|x| ** ord), the norm without its root --------------------------------
def _powsum_plan(self, ord, dim, keepdim, dtype):  # noqa: A002
    if isinstance(ord, complex):
        raise RuntimeError("value cannot be converted to type double without overflow")
    nd = len(self.shape)
    dims = _dims(dim, nd)
    shape = [1 if i in dims else s for i, s in enumerate(self.shape)] if keepdim else \
        [s for i, s in enumerate(self.shape) if i not in dims]
    return dims, tuple(shape), (dtype or dtype_of(self))


def _powsum(self, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    dims, shape, dt = _powsum_plan(self, ord, dim, keepdim, dtype)
    if not (dt.is_floating_point or dt.is_complex):  # (no kernel for integral dtypes)
        raise not_implemented("powsum_cpu", dt)
    rdt = real_dtype(dt)
    # (|x| in the real compute dtype - float32 for half types - powered there, summed in
    # double; a complex input is cast to the complex type of a real ``dtype`` first)
    cdt = np.float64 if rdt is _dtype.float64 else np.float32
    x = self.astype(np.result_type(rdt._np, np.complex64) if self.dtype.kind == "c" else
                    dt._np)
    with np.errstate(all="ignore"):  # (IEEE powers: 0 ** 0 is 1, 0 ** -1 is inf)
        a = np.abs(x).astype(rdt._np).astype(cdt)
        p = a * a if ord == 2 else np.power(a, cdt(float(ord)))
        r = np.sum(p.astype(np.float64), axis=dims)
    return np.asarray(r).astype(rdt._np).reshape(shape)


linalg__powsum = defop("linalg__powsum(Tensor self, Scalar ord=2, int[1]? dim=None, "
                       "bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
                       tags=("reduction",))
linalg__powsum.cpu(_powsum)


@linalg__powsum.explicit
def _(self, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    # (PyTorch's kernel for every other backend, Meta included: the CPU kernel is its own)
    _, shape, dt = _powsum_plan(self, ord, dim, keepdim, dtype)
    return aten.empty.memory_format(list(shape), dtype=real_dtype(dt), device=self.device)


# (PyTorch gives it no derivative: its node raises in backward)
OPS["linalg__powsum.default"] = linalg__powsum


# ---- matrix norms -------------------------------------------------------------------------------
def _mn_checks(A, dim):
    name = "linalg.matrix_norm"
    if A.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    dim = list(dim)
    if len(dim) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    d0, d1 = wrap_dim(dim[0], A.dim()), wrap_dim(dim[1], A.dim())
    if d0 == d1:
        raise RuntimeError(f"{name}: dims must be different. Got ({d0}, {d1})")
    check_float(name, A)
    return d0, d1


def _backshift(A, d0, d1):
    perm = [i for i in range(A.dim()) if i not in (d0, d1)] + [d0, d1]
    return aten.permute.default(A, perm), perm


def _restore(r, perm, keepdim):
    if not keepdim:
        return r
    r = r.unsqueeze(-1).unsqueeze(-1)
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return aten.permute.default(r, inv)


def _svdvals_of(A, d0, d1, dtype):
    x = A if dtype is None else A.to(dtype)
    B, perm = _backshift(x, d0, d1)
    return aten.linalg_svdvals.default(B), perm


def _matrix_norm(A, ord, dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    if isinstance(ord, complex):
        raise RuntimeError("linalg.matrix_norm: Expected a non-complex scalar as the order of "
                           "norm.")
    d0, d1 = _mn_checks(A, dim)
    o = float(ord)
    ao = abs(o)
    if ao not in (1.0, 2.0, math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {_fmt(ord)} not supported.")
    mx = aten.amax.default if o > 0 else aten.amin.default
    if ao == 2.0:
        S, perm = _svdvals_of(A, d0, d1, dtype)
        return _restore(mx(S, [-1]), perm, keepdim)
    if ao == math.inf:
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    return mx(aten.linalg_vector_norm.default(A, 1.0, [d0], keepdim, dtype=dtype), [d1], keepdim)


def _matrix_norm_str(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    d0, d1 = _mn_checks(A, dim)
    if ord == "fro":
        return aten.linalg_vector_norm.default(A, 2, [d0, d1], keepdim, dtype=dtype)
    if ord == "nuc":
        S, perm = _svdvals_of(A, d0, d1, dtype)
        return _restore(aten.sum.dim_IntList(S, [-1]), perm, keepdim)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def _composite(schema, fn):
    d = defop(schema)
    d.composite(fn)
    OPS[str(d.op)[len("aten."):]] = d
    return d


linalg_matrix_norm = _composite(
    "linalg_matrix_norm(Tensor self, Scalar ord, int[] dim=[-2,-1], bool keepdim=False, *, "
    "ScalarType? dtype=None) -> Tensor", _matrix_norm)
linalg_matrix_norm_str = _composite(
    "linalg_matrix_norm.str_ord(Tensor self, str ord='fro', int[] dim=[-2,-1], "
    "bool keepdim=False, *, ScalarType? dtype=None) -> Tensor", _matrix_norm_str)


def _norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    if dim is not None:
        dim = [dim] if isinstance(dim, int) else list(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got [{', '.join(map(str, dim))}]")
    elif ord is not None and A.dim() not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.dim()}D.")
    if ord is not None and ((dim is not None and len(dim) == 2) or
                            (dim is None and A.dim() == 2)):
        return aten.linalg_matrix_norm.default(A, ord, dim if dim is not None else [0, 1],
                                               keepdim, dtype=dtype)
    return aten.linalg_vector_norm.default(A, 2 if ord is None else ord, dim, keepdim,
                                           dtype=dtype)


def _norm_str(A, ord, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    if dim is not None:
        dim = [dim] if isinstance(dim, int) else list(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it mut be of length 2. Got "
                               f"[{', '.join(map(str, dim))}]")
    elif A.dim() != 2:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"2D. Got {A.dim()}D.")
    return aten.linalg_matrix_norm.str_ord(A, ord, dim if dim is not None else [0, 1], keepdim,
                                           dtype=dtype)


linalg_norm = _composite("linalg_norm(Tensor self, Scalar? ord=None, int[1]? dim=None, "
                         "bool keepdim=False, *, ScalarType? dtype=None) -> Tensor", _norm)
linalg_norm_str = _composite("linalg_norm.ord_str(Tensor self, str ord, int[1]? dim=None, "
                             "bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
                             _norm_str)
_ = _dtype
