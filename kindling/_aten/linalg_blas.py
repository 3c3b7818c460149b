"""BLAS-style products with an added term: ``addr`` (``beta self + alpha vec1 vec2^T``),
``baddbmm`` (``beta self + alpha batch1 @ batch2``, batched) and ``addbmm`` (the batch of
products summed), with their in-place and ``out=`` forms.

Each op has one *plan* function working on tensors (CPU or meta) that makes PyTorch's checks
in its order and returns the result's shape, dtype and layout; the CPU kernel then computes
with NumPy, the meta kernel only allocates.  The arithmetic is PyTorch's: ``addr`` runs in the
inputs' promoted dtype (a TensorIterator op), the products accumulate in float32 for half
types, ``beta == 0`` ignores ``self`` (its NaNs do not propagate), integer scalars convert as
C++ does.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dispatcher.keys import K
from .._tensor import from_array
from ..testing import samples as S
from ._api import public
from ._defop import defop
from ._meta_util import empty_meta
from ._util import np_scalar, wrap_dim
from ._variants import resize_out
from .linalg import _compute, _cpp, addmm_dtype_check
from .views import infer_expand_geometry

OPS = {}
_F_LIKE = ("float16", "bfloat16", "float32")
# (C++ names of the types Scalar::to converts to, as its overflow message prints them)
_CONVERT_NAMES = {"int64": "int64_t", "int32": "int", "int16": "int16_t", "int8": "int8_t",
                  "uint8": "uint8_t", "float64": "double", "bool": "bool"}


# ---- shared checks -------------------------------------------------------------------------------
def _size(t, i):
    """``t.size(i)`` with c10's errors."""
    if t.dim() == 0:
        raise IndexError(f"Dimension specified as {i} but tensor has no dimensions")
    return t._size[wrap_dim(i, t.dim())]


def _expand_size(t, shape):
    """PyTorch's ``expand_size``: ``t`` itself when it has ``shape``, else ``expand``'s checks."""
    if tuple(t._size) != tuple(shape):
        infer_expand_geometry(t, shape)


def _sizes(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _convertible(value, dt):
    """``Scalar::to<T>()``: a complex value with an imaginary part has no real ``T``."""
    if isinstance(value, complex) and value.imag != 0 and not dt.is_complex:
        name = "float" if dt._name in _F_LIKE else _CONVERT_NAMES.get(dt._name, dt._name)
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def _mul_check(dt, scalar):
    """``t.mul_(scalar)``'s cast check (what PyTorch runs when there is nothing to multiply)."""
    r = _dtype.result_type_from([dt], [], [scalar])
    if not _dtype.can_cast(r, dt):
        raise RuntimeError(f"result type {r._scalar_name} can't be cast to the desired output "
                           f"type {dt._scalar_name}")


def _scalar(value, dt):
    """A Scalar argument as the value the kernel computes with (float for half types)."""
    if dt._name in ("float16", "bfloat16"):
        return np.float32(value.real if isinstance(value, complex) else value)
    return np_scalar(value, dt)


def _scaled_sum(prod, self_b, beta, alpha, dt):
    """``beta * self + alpha * prod`` in the compute dtype, ``self`` ignored when beta is 0,
    rounded to ``dt`` once."""
    a = _scalar(alpha, dt)
    r = prod if a == 1 else prod * a
    b = _scalar(beta, dt)
    if b != 0:
        s = _compute(np.asarray(self_b)).astype(r.dtype, copy=False)
        r = r + (s if b == 1 else s * b)
    return np.asarray(np.broadcast_to(r, prod.shape)).astype(dt._np, copy=False)


def _times_beta(self_b, beta, dt):
    """``result.mul_(beta)`` on a copy of ``self``, or ``zero_()`` when beta is 0: what PyTorch
    does where there is nothing to multiply (``k == 0``, no batches)."""
    if beta == 0:
        return np.zeros(np.shape(self_b), dt._np)
    _mul_check(dt, beta)
    with np.errstate(all="ignore"):
        return np.asarray(np.asarray(self_b).astype(dt._np) * np_scalar(beta, dt), dt._np)


# ---- addr ----------------------------------------------------------------------------------------
def _check_1d(t, arg):
    if t.dim() != 1:
        raise RuntimeError(f"addr: Expected 1-D argument {arg}, but got {t.dim()}-D")


def _addr_scalar(dt, value, name):
    if isinstance(value, bool) and dt is not _dtype.bool:
        raise RuntimeError(f"Boolean {name} only supported for Boolean results.")
    if not (dt.is_floating_point or dt.is_complex) and not isinstance(value, (bool, int)):
        raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating "
                           "point number.")
    _convertible(value, dt)


def _addr_plan(self, vec1, vec2, beta, alpha, out_dtype=None, inplace=False):
    """(shape, compute dtype, F-ordered?) of ``addr``, after PyTorch's checks (its
    ``build_addr_iter``: in place, ``self`` must already be the 2-D result)."""
    _check_1d(vec1, "vec1")
    _check_1d(vec2, "vec2")
    shape = (vec1._size[0], vec2._size[0])
    if inplace:
        if self.dim() != 2:
            raise RuntimeError(f"2D tensor expected, got {self.dim()}D tensor for input")
        if tuple(self._size) != shape:
            raise RuntimeError(f"size mismatch, input: {_sizes(self._size)}, v1: "
                               f"{_sizes(vec1._size)}, v2: {_sizes(vec2._size)}")
    else:
        _expand_size(self, shape)
    dt = _dtype.promote_types(_dtype.promote_types(self.dtype, vec1.dtype), vec2.dtype)
    if out_dtype is not None and not _dtype.can_cast(dt, out_dtype):
        raise RuntimeError(f"result type {dt._scalar_name} can't be cast to the desired output "
                           f"type {out_dtype._scalar_name}")
    _addr_scalar(dt, beta, "beta")
    _addr_scalar(dt, alpha, "alpha")
    # (TensorIterator lays the result out as a non-broadcast self is)
    st = self.stride() if self.dim() == 2 else (0, 0)
    return shape, dt, st[0] != 0 and st[1] != 0 and st[0] < st[1] and 1 not in shape


def _addr_np(self, vec1, vec2, beta, alpha, dt, fortran):
    n1, n2 = vec1.shape[0], vec2.shape[0]
    s = np.broadcast_to(self, (n1, n2))
    v1, v2 = vec1.astype(dt._np, copy=False), vec2.astype(dt._np, copy=False)
    out = np.empty((n1, n2), dt._np, order="F" if fortran else "C")
    with np.errstate(all="ignore"):
        if dt is _dtype.bool:
            prod = bool(alpha) & v1[:, None] & v2
            out[...] = (s.astype(bool) & bool(beta)) | prod if bool(beta) else prod
            return out
        a, b = np_scalar(alpha, dt), np_scalar(beta, dt)
        prod = (a * v1)[:, None] * v2
        out[...] = prod if b == 0 else b * s.astype(dt._np, copy=False) + prod
    return out


addr = defop("addr(Tensor self, Tensor vec1, Tensor vec2, *, Scalar beta=1, Scalar alpha=1) "
             "-> Tensor")


@addr.cpu_ks
def _(ks, self, vec1, vec2, *, beta=1, alpha=1):
    shape, dt, fortran = _addr_plan(self, vec1, vec2, beta, alpha)
    return from_array(_addr_np(self._np, vec1._np, vec2._np, beta, alpha, dt, fortran))


def _f_strides(shape):
    return (1, max(shape[0], 1))


@addr.meta
def _(self, vec1, vec2, *, beta=1, alpha=1):
    shape, dt, fortran = _addr_plan(self, vec1, vec2, beta, alpha)
    return empty_meta(shape, dt, _f_strides(shape) if fortran else None)


addr_ = defop("addr_(Tensor(a!) self, Tensor vec1, Tensor vec2, *, Scalar beta=1, "
              "Scalar alpha=1) -> Tensor(a!)")


@addr_.cpu_ks
def _(ks, self, vec1, vec2, *, beta=1, alpha=1):
    _, dt, _ = _addr_plan(self, vec1, vec2, beta, alpha, self.dtype, inplace=True)
    r = _addr_np(self._np, vec1._np, vec2._np, beta, alpha, dt, False)
    np.copyto(self._np, r, casting="unsafe")
    return self


@addr_.meta
def _(self, vec1, vec2, *, beta=1, alpha=1):
    _addr_plan(self, vec1, vec2, beta, alpha, self.dtype, inplace=True)
    return self


addr_out = defop("addr.out(Tensor self, Tensor vec1, Tensor vec2, *, Scalar beta=1, "
                 "Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)")


@addr_out.cpu_ks
def _(ks, self, vec1, vec2, *, beta=1, alpha=1, out):
    shape, dt, fortran = _addr_plan(self, vec1, vec2, beta, alpha, out.dtype)
    r = _addr_np(self._np, vec1._np, vec2._np, beta, alpha, dt, fortran)
    resize_out(out, shape)
    np.copyto(out._np, r, casting="unsafe")
    return out


@addr_out.meta
def _(self, vec1, vec2, *, beta=1, alpha=1, out):
    shape, _, _ = _addr_plan(self, vec1, vec2, beta, alpha, out.dtype)
    resize_out(out, shape)
    return out


addr.derivative(
    self="maybe_multiply(grad, conj(beta))",
    vec1="maybe_multiply(grad.mv(conj(vec2)), conj(alpha))",
    vec2="maybe_multiply(grad.t().mv(conj(vec1)), conj(alpha))",
    result="maybe_multiply(self_t, beta) + maybe_multiply(vec1_t.outer(vec2_p), alpha) + "
           "maybe_multiply(vec1_p.outer(vec2_t), alpha)")


# ---- baddbmm -------------------------------------------------------------------------------------
def _baddbmm_plan(self, batch1, batch2, beta, alpha, inplace=False):
    """(shape, dtype) of ``baddbmm`` after its structured meta function's checks (the result
    has ``batch2``'s dtype; in place, ``self`` must be the result)."""
    shape = (_size(batch1, 0), _size(batch1, 1), _size(batch2, 2))
    _expand_size(self, shape)
    if self.dtype is not batch1.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {_cpp(self.dtype)}, "
                           f"batch1: {_cpp(batch1.dtype)}, batch2: {_cpp(batch2.dtype)}")
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t.dim() != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    bs, _, k = batch1._size
    if tuple(batch2._size[:2]) != (bs, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{bs}, {k}] but got: [{batch2._size[0]}, {batch2._size[1]}].")
    dt = batch2.dtype
    if inplace:
        if tuple(self._size) != shape:
            raise RuntimeError(f"Bad in-place call: input tensor size {_sizes(self._size)} and "
                               f"output tensor size {_sizes(shape)} should match")
        if self.dtype is not dt:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {_cpp(self.dtype)} and "
                               f"output tensor dtype {_cpp(dt)} should match")
    return shape, dt


def _baddbmm_np(self, b1, b2, beta, alpha, shape, dt):
    bs, n, k = b1.shape
    p = b2.shape[2]
    if 0 in shape:
        return np.zeros(shape, dt._np)
    self_b = np.broadcast_to(self, shape)
    if k == 0:
        return _times_beta(self_b, beta, dt)
    if b1.dtype == np.bool_:
        raise NotImplementedError("\"baddbmm\" not implemented for 'Bool'")
    _convertible(alpha, dt)
    _convertible(beta, dt)
    if b1.dtype != b2.dtype:  # (the kernel reads both as one type)
        d1 = _dtype._NP_TO_DTYPE[b1.dtype]
        exp, found = (d1, dt) if k * n * p < 400 else (dt, d1)
        raise RuntimeError(f"expected scalar type {exp._scalar_name} but found "
                           f"{found._scalar_name}")
    with np.errstate(all="ignore"):
        prod = np.matmul(_compute(b1), _compute(b2))
        return _scaled_sum(prod, self_b, beta, alpha, dt)


def _baddbmm_decl(schema, inplace):
    d = defop(schema)

    @d.cpu_ks
    def _(ks, self, batch1, batch2, *, beta=1, alpha=1):
        shape, dt = _baddbmm_plan(self, batch1, batch2, beta, alpha, inplace)
        r = _baddbmm_np(self._np, batch1._np, batch2._np, beta, alpha, shape, dt)
        if inplace:
            np.copyto(self._np, r, casting="unsafe")
            return self
        return from_array(np.ascontiguousarray(r))

    @d.meta
    def _(self, batch1, batch2, *, beta=1, alpha=1):
        shape, dt = _baddbmm_plan(self, batch1, batch2, beta, alpha, inplace)
        return self if inplace else empty_meta(shape, dt)
    return d


baddbmm = _baddbmm_decl("baddbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, "
                        "Scalar alpha=1) -> Tensor", False)
baddbmm_ = _baddbmm_decl("baddbmm_(Tensor(a!) self, Tensor batch1, Tensor batch2, *, "
                         "Scalar beta=1, Scalar alpha=1) -> Tensor(a!)", True)
baddbmm_out = defop("baddbmm.out(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, "
                    "Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)")


def _same_dtype_out(out, dt):
    if out.dtype is not dt:
        raise RuntimeError(f"Expected out tensor to have dtype {_cpp(dt)}, but got "
                           f"{_cpp(out.dtype)} instead")


@baddbmm_out.cpu_ks
def _(ks, self, batch1, batch2, *, beta=1, alpha=1, out):
    shape, dt = _baddbmm_plan(self, batch1, batch2, beta, alpha)
    _same_dtype_out(out, dt)
    r = _baddbmm_np(self._np, batch1._np, batch2._np, beta, alpha, shape, dt)
    resize_out(out, shape)
    np.copyto(out._np, r)
    return out


@baddbmm_out.meta
def _(self, batch1, batch2, *, beta=1, alpha=1, out):
    shape, dt = _baddbmm_plan(self, batch1, batch2, beta, alpha)
    _same_dtype_out(out, dt)
    resize_out(out, shape)
    return out


# (the out_dtype overloads have CUDA kernels only: on CPU, PyTorch's "Could not run")
baddbmm_dtype = defop("baddbmm.dtype(Tensor self, Tensor batch1, Tensor batch2, "
                      "ScalarType out_dtype, *, Scalar beta=1, Scalar alpha=1) -> Tensor")
baddbmm_dtype_out = defop("baddbmm.dtype_out(Tensor self, Tensor batch1, Tensor batch2, "
                          "ScalarType out_dtype, *, Scalar beta=1, Scalar alpha=1, "
                          "Tensor(a!) out) -> Tensor(a!)")


@baddbmm_dtype.meta
def _(self, batch1, batch2, out_dtype, *, beta=1, alpha=1):
    shape, _ = _baddbmm_plan(self, batch1, batch2, beta, alpha)
    return empty_meta(shape, out_dtype)


@baddbmm_dtype_out.meta
def _(self, batch1, batch2, out_dtype, *, beta=1, alpha=1, out):
    resize_out(out, _baddbmm_plan(self, batch1, batch2, beta, alpha)[0])
    return out


baddbmm.derivative(
    self="maybe_multiply(grad, conj(beta))",
    batch1="maybe_multiply(grad.bmm(conj(batch2.transpose(1, 2))), conj(alpha))",
    batch2="maybe_multiply(conj(batch1.transpose(1, 2)).bmm(grad), conj(alpha))",
    result="maybe_multiply(self_t, beta) + maybe_multiply(batch1_t.bmm(batch2_p), alpha) + "
           "maybe_multiply(batch1_p.bmm(batch2_t), alpha)")


# ---- addbmm --------------------------------------------------------------------------------------
def _addbmm_plan(self, batch1, batch2, out_dtype):
    """(shape, number of batches) of ``addbmm`` into a result of ``out_dtype``, after
    PyTorch's checks (``addbmm_impl_``, then each batch's ``addmm_`` on the result)."""
    shape = (_size(batch1, 1), _size(batch2, 2))
    _expand_size(self, shape)
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t.dim() != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    b1, b2 = batch1._size, batch2._size
    if b1[0] != b2[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {b1[0]} "
                           f"and {b2[0]}")
    if b1[2] != b2[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({b1[1]}x{b1[2]} and "
                           f"{b2[1]}x{b2[2]})")
    if b1[0]:
        addmm_dtype_check(out_dtype, batch1.dtype, batch2.dtype)
    return shape, b1[0]


def _addbmm_np(self, b1, b2, beta, alpha, shape, dt):
    """One ``addmm_`` per batch on a copy of ``self``: beta on the first, each product added in
    order (PyTorch's ``addbmm_impl_``)."""
    self_b = np.broadcast_to(self, shape)
    nb, _, k = b1.shape
    if nb == 0:
        return _times_beta(self_b, beta, dt)
    if 0 in shape:
        return np.zeros(shape, dt._np)
    if k == 0:  # (each addmm_ multiplies the result: by beta, then by 1)
        r = _times_beta(self_b, beta, dt)
        if nb > 1:
            _mul_check(dt, 1)
        return r
    if dt is _dtype.bool:
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    _convertible(alpha, dt)
    _convertible(beta, dt)
    with np.errstate(all="ignore"):
        r = _scaled_sum(np.matmul(_compute(b1[0]), _compute(b2[0])), self_b, beta, alpha, dt)
        for i in range(1, nb):
            r = _scaled_sum(np.matmul(_compute(b1[i]), _compute(b2[i])), r, 1, alpha, dt)
    return r


addbmm = defop("addbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, "
               "Scalar alpha=1) -> Tensor")


def _addbmm_into(dest, self, batch1, batch2, beta, alpha, resize):
    """addbmm's result written into ``dest`` (given the result's shape by ``resize``)."""
    shape, _ = _addbmm_plan(self, batch1, batch2, dest.dtype)
    if dest._np is not None:
        r = _addbmm_np(self._np, batch1._np, batch2._np, beta, alpha, shape, dest.dtype)
    resize(dest, shape)
    if dest._np is not None:
        np.copyto(dest._np, r, casting="unsafe")
    return dest


@addbmm.cpu_ks
def _(ks, self, batch1, batch2, *, beta=1, alpha=1):
    shape, _ = _addbmm_plan(self, batch1, batch2, self.dtype)
    r = _addbmm_np(self._np, batch1._np, batch2._np, beta, alpha, shape, self.dtype)
    return from_array(np.ascontiguousarray(r))


@addbmm.meta
def _(self, batch1, batch2, *, beta=1, alpha=1):
    shape, _ = _addbmm_plan(self, batch1, batch2, self.dtype)
    return empty_meta(shape, self.dtype)


addbmm_ = defop("addbmm_(Tensor(a!) self, Tensor batch1, Tensor batch2, *, Scalar beta=1, "
                "Scalar alpha=1) -> Tensor(a!)")


def _resize_self(self, shape):
    """``result.resize_as_(expanded self)`` on ``self`` itself: PyTorch's addbmm_ gives a
    broadcastable ``self`` the result's shape."""
    if tuple(self._size) != tuple(shape):
        # (at the backend key: the in-place op bumps the version once, as PyTorch's)
        from .._dispatcher.keys import bit
        from ._ops_registry import aten
        key = K.Meta if self._np is None else K.CPU
        aten.resize_.default.redispatch(bit(key), self, list(shape))


addbmm_out = defop("addbmm.out(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, "
                   "Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)")
for _key in (K.CPU, K.Meta):
    addbmm_.impl(_key)(lambda self, batch1, batch2, *, beta=1, alpha=1: _addbmm_into(
        self, self, batch1, batch2, beta, alpha, _resize_self))
    addbmm_out.impl(_key)(lambda self, batch1, batch2, *, beta=1, alpha=1, out: _addbmm_into(
        out, self, batch1, batch2, beta, alpha, resize_out))


addbmm.derivative(
    self="maybe_multiply(grad, conj(beta))",
    batch1="maybe_multiply(grad.unsqueeze(0).expand([batch1_sym_argsize_0, batch1_sym_argsize_1, "
           "batch2_sym_argsize_2]).bmm(conj(batch2.transpose(1, 2))), conj(alpha))",
    batch2="maybe_multiply(conj(batch1.transpose(1, 2)).bmm(grad.unsqueeze(0).expand("
           "[batch1_sym_argsize_0, batch1_sym_argsize_1, batch2_sym_argsize_2])), conj(alpha))",
    result="maybe_multiply(self_t, beta) + maybe_multiply(batch1_t.bmm(batch2_p).sum(0), alpha) "
           "+ maybe_multiply(batch1_p.bmm(batch2_t).sum(0), alpha)")

for _f, _inplace, _out in ((addr, addr_, addr_out), (baddbmm, baddbmm_, baddbmm_out),
                           (addbmm, addbmm_, addbmm_out)):
    _f.complex_autograd = True
    _inplace.functional = _f  # (its derivative: the functional op's node, AddrBackward0...)
    for _d in (_f, _inplace, _out):
        OPS[str(_d.op)[len("aten."):]] = _d

public("addr", addr, addr_out)
public("addr_", addr_, function=False)
public("baddbmm", baddbmm, baddbmm_out, baddbmm_dtype, baddbmm_dtype_out, method=False)
public("baddbmm", baddbmm, baddbmm_out, function=False)  # (no out_dtype for the method)
public("baddbmm_", baddbmm_, function=False)
public("addbmm", addbmm, addbmm_out)
public("addbmm_", addbmm_, function=False)


# ---- samples -------------------------------------------------------------------------------------
def _A(shape, dtype, seed=0, noncontig=False):
    return S.make_arr(shape, dtype, seed=seed, noncontig=noncontig)


def _scalars(dtype):
    """(beta, alpha) pairs a dtype accepts: floats for floating types, ints otherwise."""
    if dtype == "bool":
        return [(True, True), (False, True)]
    if dtype.startswith(("float", "complex")):
        return [(0.5, -1.5), (0, 2)]
    return [(2, 3), (0, -1)]


def _addr_samples(dtype):
    A = _A
    yield S.SampleInput(A((3, 4), dtype), A((3,), dtype, 1), A((4,), dtype, 2))
    yield S.SampleInput(A((4,), dtype), A((3,), dtype, 1), A((4,), dtype, 2))
    yield S.SampleInput(A((), dtype), A((2,), dtype, 1), A((5,), dtype, 2))
    yield S.SampleInput(A((0, 4), dtype), A((0,), dtype, 1), A((4,), dtype, 2))
    yield S.SampleInput(A((4, 3), dtype, noncontig=True), A((4,), dtype, 1),
                        A((3,), dtype, 2, noncontig=True))
    for i, (beta, alpha) in enumerate(_scalars(dtype)):
        yield S.SampleInput(A((2, 3), dtype, 3 + i), A((2,), dtype, 5), A((3,), dtype, 6),
                            beta=beta, alpha=alpha)
    if dtype.startswith("complex"):
        yield S.SampleInput(A((2, 3), dtype), A((2,), dtype, 1), A((3,), dtype, 2),
                            beta=0.5 - 1j, alpha=2j)


def _baddbmm_samples(dtype):
    A = _A
    yield S.SampleInput(A((2, 3, 5), dtype), A((2, 3, 4), dtype, 1), A((2, 4, 5), dtype, 2))
    yield S.SampleInput(A((5,), dtype), A((2, 3, 4), dtype, 1), A((2, 4, 5), dtype, 2))
    yield S.SampleInput(A((1, 3, 1), dtype), A((2, 3, 4), dtype, 1), A((2, 4, 1), dtype, 2))
    yield S.SampleInput(A((), dtype), A((0, 3, 4), dtype, 1), A((0, 4, 2), dtype, 2))
    yield S.SampleInput(A((2, 3, 2), dtype), A((2, 3, 0), dtype, 1), A((2, 0, 2), dtype, 2))
    yield S.SampleInput(A((2, 3, 3), dtype, noncontig=True), A((2, 3, 2), dtype, 1),
                        A((2, 2, 3), dtype, 2, noncontig=True))
    for i, (beta, alpha) in enumerate(_scalars(dtype)):
        yield S.SampleInput(A((2, 2, 3), dtype, 3 + i), A((2, 2, 4), dtype, 5),
                            A((2, 4, 3), dtype, 6), beta=beta, alpha=alpha)
    if dtype.startswith("complex"):
        yield S.SampleInput(A((2, 2, 3), dtype), A((2, 2, 4), dtype, 5), A((2, 4, 3), dtype, 6),
                            beta=1j, alpha=0.5 + 1j)


def _addbmm_samples(dtype):
    A = _A
    yield S.SampleInput(A((3, 5), dtype), A((2, 3, 4), dtype, 1), A((2, 4, 5), dtype, 2))
    yield S.SampleInput(A((5,), dtype), A((3, 3, 4), dtype, 1), A((3, 4, 5), dtype, 2))
    yield S.SampleInput(A((), dtype), A((1, 2, 4), dtype, 1), A((1, 4, 3), dtype, 2))
    yield S.SampleInput(A((3, 2), dtype), A((0, 3, 4), dtype, 1), A((0, 4, 2), dtype, 2))
    yield S.SampleInput(A((3, 3), dtype, noncontig=True), A((2, 3, 2), dtype, 1),
                        A((2, 2, 3), dtype, 2, noncontig=True))
    for i, (beta, alpha) in enumerate(_scalars(dtype)):
        yield S.SampleInput(A((2, 3), dtype, 3 + i), A((2, 2, 4), dtype, 5),
                            A((2, 4, 3), dtype, 6), beta=beta, alpha=alpha)


addr.samples(_addr_samples)
baddbmm.samples(_baddbmm_samples)
addbmm.samples(_addbmm_samples)
