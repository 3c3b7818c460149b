"""Matrix products: ``mm``, ``bmm``, ``mv``, ``dot``, ``addmm``, ``addmv``, ``outer`` and
``matmul`` (with ``Tensor.__matmul__``).

Each product has one *check* function ``(operands...) -> (out_shape, out_dtype)`` that works on
ndarrays and meta tensors alike and raises PyTorch's errors (products never promote: mixed
dtypes are errors).  The NumPy kernel then only computes; the meta function is
``empty_meta(*check(...))``.  ``matmul`` is a CompositeImplicitAutograd decomposition into
``dot``/``mv``/``mm``/``bmm`` and views, written the way ATen's ``_matmul_impl`` is, so a
dispatch mode sees the same pieces as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dispatcher.keys import K, bit
from .._ops import binary_caller
from .._tensor import Tensor, from_array
from ._api import public
from ._defop import InlineFront, defop, install_cpu_front, install_inline_front
from ._meta_util import empty_meta
from ._pointwise_util import fp_silent, unit_scale
from ._ops_registry import aten
from ._util import broadcast_shapes, dtype_of, is_tensor_subclass_like, np_scalar
from ._variants import cpp_name, out_precheck, resize_out, same_dtype_out_variant
from ..overrides import _live_modes
from ..testing import samples as S

OPS = {}

_cpp = cpp_name  # (as ``expected m1 and m2 to have the same dtype`` prints them)


def _not_impl_bool(name, dt):
    if dt is _dtype.bool:
        raise NotImplementedError(f'"{name}" not implemented for \'Bool\'')


def _expand_check(shape, target):
    """PyTorch's ``expand`` error when ``shape`` cannot be expanded to ``target``."""
    shape, target = tuple(shape), tuple(target)
    if len(shape) > len(target):
        sizes = ", ".join(map(str, shape))
        raise RuntimeError(
            f"expand(torch.FloatTensor{{[{sizes}]}}, size=[{', '.join(map(str, target))}]): "
            "the number of sizes provided must be greater or equal to the number of dimensions "
            "in the tensor")
    pad = (1,) * (len(target) - len(shape)) + shape
    for i, (s, t) in enumerate(zip(pad, target)):
        if s != t and s != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({t}) must match the existing size ({s}) at "
                f"non-singleton dimension {i}.  Target sizes: [{', '.join(map(str, target))}].  "
                f"Tensor sizes: [{', '.join(map(str, shape))}]")


def _compute(a):
    """Half/bfloat16 products accumulate in float32."""
    if a.dtype.itemsize >= 4 and a.dtype.kind in "fc":
        return a
    if a.dtype == np.float16 or a.dtype.kind == "V" or "bfloat16" in str(a.dtype):
        return a.astype(np.float32)
    return a


def _matmul_np(a, b, dt):
    # Transposed operands (``grad @ weight.T``, ``input.T @ grad`` in backward) go to BLAS as
    # they are: a C-contiguous copy of a transposed matrix is a strided gather that costs more
    # than the product itself (1024x1024 float32: 6.8 ms to copy, 0.57 ms to multiply as is).
    # Operands BLAS cannot take at all (neither C- nor F-contiguous) would run NumPy's naive
    # loop: copy them.
    if a.size > 2048 and not (a.flags.c_contiguous or a.flags.f_contiguous):
        a = np.ascontiguousarray(a)
    if b.size > 2048 and not (b.flags.c_contiguous or b.flags.f_contiguous):
        b = np.ascontiguousarray(b)
    r = np.matmul(_compute(a), _compute(b))
    if type(r) is np.ndarray and r.dtype == dt._np:
        return r  # (the common case: float32/float64 operands, nothing to convert)
    return np.asarray(r).astype(dt._np, copy=False)


# ---- checks (ndarray or meta tensor operands) --------------------------------------------------
def _mm_check(self, mat2):
    if self.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if self.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({self.shape[0]}x"
                           f"{self.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    d1, d2 = dtype_of(self), dtype_of(mat2)
    if d1 is not d2:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cpp(d1)} != "
                           f"{_cpp(d2)}")
    return (self.shape[0], mat2.shape[1]), d1


def _bmm_check(self, mat2):
    if self.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    b, n, m = self.shape
    if tuple(mat2.shape[:2]) != (b, m):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {m}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    d1, d2 = dtype_of(self), dtype_of(mat2)
    if d1 is not d2:
        raise RuntimeError(f"expected scalar type {d1._scalar_name} but found {d2._scalar_name}")
    return (b, n, mat2.shape[2]), d1


def _addmv_check(self_dim, self_shape, self_dt, mat, vec):
    if not (mat.ndim == 2 and vec.ndim == 1 and self_dim <= 1):
        raise RuntimeError(f"vector + matrix @ vector expected, got {self_dim}, {mat.ndim}, "
                           f"{vec.ndim}")
    ins = self_shape[0] if self_dim == 1 else 1
    if mat.shape[1] != vec.shape[0] or (ins != mat.shape[0] and ins != 1):
        inp = f"({self_shape[0]})" if self_dim == 1 else "()"
        raise RuntimeError(f"size mismatch, got input {inp}, mat ({mat.shape[0]}x{mat.shape[1]}),"
                           f" vec ({vec.shape[0]})")
    dm, dv = dtype_of(mat), dtype_of(vec)
    if not (self_dt is dm is dv):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{self_dt._scalar_name}, {dm._scalar_name}, and {dv._scalar_name}")
    return (mat.shape[0],), dm


def _mv_check(self, vec):
    dv = dtype_of(vec)
    dim = 1
    shape = (self.shape[0],) if self.ndim >= 1 else (0,)
    return _addmv_check(dim, shape, dv, self, vec)


def _dot_check(self, other):
    if self.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {other.ndim}D tensors")
    d1, d2 = dtype_of(self), dtype_of(other)
    if d1 is not d2:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{d1._scalar_name} and {d2._scalar_name}")
    n1, n2 = self.shape[0], other.shape[0]
    if n1 != n2:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n1}] and src [{n2}] to "
                           f"have the same number of elements, but got {n1} and {n2} elements "
                           "respectively")
    _not_impl_bool("dot", d1)
    return (), d1


def addmm_dtype_check(d0, d1, d2):
    """addmm's dtype rules for (self, mat1, mat2): one dtype for all (its result's)."""
    if d0 is not d2:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {d0._scalar_name} "
                           f"and {d2._scalar_name}")
    if d1 is not d2:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {d1._scalar_name} "
                           f"and {d2._scalar_name}")
    return d1


def _addmm_check(self, mat1, mat2):
    if mat1.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1.ndim}-D tensor")
    if mat2.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x"
                           f"{mat1.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    d1 = addmm_dtype_check(dtype_of(self), dtype_of(mat1), dtype_of(mat2))
    shape = (mat1.shape[0], mat2.shape[1])
    _expand_check(self.shape, shape)
    return shape, d1


_mm_check.bool_kernel = _addmm_check.bool_kernel = "addmm_impl_cpu_"
_mv_check.bool_kernel = "addmv_impl_cpu"
_bmm_check.bool_kernel = "bmm"
_dot_check.bool_kernel = "dot"


# ---- declarations ------------------------------------------------------------------------------
def _declare(schema, check, kernel, samples, out_schema, tags=()):
    d = defop(schema, tags=tags)

    @d.cpu
    def _(*args, **kwargs):
        return kernel(check, *args, **kwargs)

    @d.meta
    def _(*args, **kwargs):
        return empty_meta(*check(*args))
    d.samples(samples)
    # (structured out= kernels: ``out`` must have the result's dtype; dot's checks its own way)
    o = _dot_out(d, out_schema) if check is _dot_check else same_dtype_out_variant(d, out_schema)
    OPS[d.entry.qualified] = d
    return d, o


def _dot_out(dot_op, out_schema):
    """PyTorch's ``dot_out``: ``out`` resized to 0-d, its dtype checked, then filled."""
    o = defop(out_schema)

    @o.explicit
    def _(self, tensor, *, out):
        resize_out(out, [])
        if out.dtype is not self.dtype:
            raise RuntimeError(f"result dtype {out.dtype._scalar_name} does not match input dtype "
                               f"{self.dtype._scalar_name}")
        return aten.fill_.Tensor(out, dot_op.op(self, tensor))
    o.functional = dot_op
    return o


def _bool_check(check, shape, dt, inner):
    """The CPU kernels have no bool instantiation; PyTorch only reaches it for non-empty work
    (``dot`` always)."""
    if dt is not _dtype.bool:
        return
    if check is _dot_check or (inner != 0 and 0 not in shape):
        _not_impl_bool(check.bool_kernel, dt)
    if check is _addmm_check and inner == 0:  # beta * self in int64 arithmetic
        raise RuntimeError("result type Long can't be cast to the desired output type Bool")


_FAST_MM_DTYPES = frozenset({np.dtype(np.float32), np.dtype(np.float64)})


def _binary_kernel(check, a, b):
    shape, dt = check(a, b)
    _bool_check(check, shape, dt, a.shape[-1] if a.ndim else 0)
    return _matmul_np(a, b, dt)


def _mm_samples(dtype):
    yield S.SampleInput(S.make_arr((2, 3), dtype), S.make_arr((3, 4), dtype, seed=1))
    yield S.SampleInput(S.make_arr((1, 1), dtype), S.make_arr((1, 5), dtype, seed=1))
    yield S.SampleInput(S.make_arr((0, 3), dtype), S.make_arr((3, 4), dtype, seed=1))
    yield S.SampleInput(S.make_arr((2, 0), dtype), S.make_arr((0, 4), dtype, seed=1))
    yield S.SampleInput(S.make_arr((3, 3), dtype, noncontig=True),
                        S.make_arr((3, 2), dtype, seed=2, noncontig=True))


def _bmm_samples(dtype):
    yield S.SampleInput(S.make_arr((2, 2, 3), dtype), S.make_arr((2, 3, 4), dtype, seed=1))
    yield S.SampleInput(S.make_arr((0, 2, 3), dtype), S.make_arr((0, 3, 4), dtype, seed=1))
    yield S.SampleInput(S.make_arr((3, 1, 0), dtype), S.make_arr((3, 0, 2), dtype, seed=1))
    yield S.SampleInput(S.make_arr((2, 3, 3), dtype, noncontig=True),
                        S.make_arr((2, 3, 2), dtype, seed=2, noncontig=True))


def _mv_samples(dtype):
    yield S.SampleInput(S.make_arr((2, 3), dtype), S.make_arr((3,), dtype, seed=1))
    yield S.SampleInput(S.make_arr((0, 3), dtype), S.make_arr((3,), dtype, seed=1))
    yield S.SampleInput(S.make_arr((2, 0), dtype), S.make_arr((0,), dtype, seed=1))
    yield S.SampleInput(S.make_arr((4, 3), dtype, noncontig=True),
                        S.make_arr((3,), dtype, seed=2))


def _dot_samples(dtype):
    yield S.SampleInput(S.make_arr((5,), dtype), S.make_arr((5,), dtype, seed=1))
    yield S.SampleInput(S.make_arr((0,), dtype), S.make_arr((0,), dtype, seed=1))
    yield S.SampleInput(S.make_arr((4,), dtype, noncontig=True),
                        S.make_arr((4,), dtype, seed=2, noncontig=True))


mm, mm_out = _declare("mm(Tensor self, Tensor mat2) -> Tensor", _mm_check, _binary_kernel,
                      _mm_samples, "mm.out(Tensor self, Tensor mat2, *, Tensor(a!) out) -> "
                                   "Tensor(a!)", tags=("core",))
bmm, bmm_out = _declare("bmm(Tensor self, Tensor mat2) -> Tensor", _bmm_check, _binary_kernel,
                        _bmm_samples, "bmm.out(Tensor self, Tensor mat2, *, Tensor(a!) out) -> "
                                      "Tensor(a!)", tags=("core",))
mv, mv_out = _declare("mv(Tensor self, Tensor vec) -> Tensor", _mv_check, _binary_kernel,
                      _mv_samples, "mv.out(Tensor self, Tensor vec, *, Tensor(a!) out) -> "
                                   "Tensor(a!)")
dot, dot_out = _declare("dot(Tensor self, Tensor tensor) -> Tensor", _dot_check, _binary_kernel,
                        _dot_samples, "dot.out(Tensor self, Tensor tensor, *, Tensor(a!) out) -> "
                                      "Tensor(a!)")
public("mm", mm, mm_out)


_CONJ_BIT = bit(K.Conjugate)


def mm_arrays(x, y):
    """``mm`` of two float32/float64 matrices of one dtype whose shapes fit (the front's
    arithmetic: _matmul_np's work, with nothing to convert).  ``ndarray.dot`` makes the same
    BLAS call as ``np.matmul`` for two matrices (the same bits and result layout), without
    the generalized ufunc's set-up: 0.3 against 0.8 µs on 4x4."""
    if x.size > 2048 and not (x.flags.c_contiguous or x.flags.f_contiguous) or \
            y.size > 2048 and not (y.flags.c_contiguous or y.flags.f_contiguous):
        return _matmul_np(x, y, _dtype._NP_TO_DTYPE[x.dtype])
    return x.dot(y)


# ``mm``'s CPU front for its common call: two plain float32/float64 matrices of the same dtype
# whose shapes fit, where every check passes - straight to BLAS and wrapped (matmuls of small
# matrices are dispatch-bound).  Everything else goes to the generic kernel.  (An InlineFront:
# the generated Autograd kernel runs these lines in its own frame.)
_MM_FRONT = InlineFront(("a", "b"), [
    "if isinstance(a, Tensor) and isinstance(b, Tensor) and not (a._ks | b._ks) & CONJ_BIT:",
    "    x, y = a._np, b._np",
    "    if x is not None and y is not None and x.ndim == 2 and y.ndim == 2 and \\",
    "            x.shape[1] == y.shape[0] and x.dtype is y.dtype and x.dtype in MM_DTYPES:",
    "        out = FROM_ARRAY(MM_ARRAYS(x, y), Tensor, a.dtype)",
], {"Tensor": Tensor, "CONJ_BIT": _CONJ_BIT, "MM_DTYPES": _FAST_MM_DTYPES,
    "FROM_ARRAY": from_array, "MM_ARRAYS": mm_arrays})


def _addmm_front(generic):
    """``addmm``'s CPU kernel for ``nn.Linear``'s call, ``addmm(bias, input, weight.t())``:
    plain float32/float64 tensors of one dtype, shapes that fit, ``beta = alpha = 1`` - the
    generic kernel's ``matmul`` then ``+ self``, added in place into the product."""
    def kernel(ks, *args, **kwargs):
        if len(args) == 3 and not kwargs:
            c, a, b = args
            if isinstance(a, Tensor) and isinstance(b, Tensor) and isinstance(c, Tensor) and \
                    not (a._ks | b._ks | c._ks) & _CONJ_BIT:
                x, y, z = a._np, b._np, c._np
                if x is not None and y is not None and z is not None and x.ndim == 2 and \
                        y.ndim == 2 and x.shape[1] == y.shape[0] and x.dtype is y.dtype and \
                        z.dtype is x.dtype and x.dtype in _FAST_MM_DTYPES and \
                        (z.shape == (y.shape[1],) or z.shape == (x.shape[0], y.shape[1])):
                    prod = x.dot(y)  # (np.matmul's BLAS call: see mm_arrays)
                    fp_silent(np.add, prod, z, prod)  # (``prod + self``: warnings off)
                    return from_array(prod, Tensor, a.dtype)
        return generic(ks, *args, **kwargs)
    return kernel


def install_late():
    """``mm``'s front goes outside the Conjugate front conj_neg puts on the matrix products
    (it passes conjugate views on to ``generic``): one frame fewer for plain matrices."""
    install_inline_front(mm, _MM_FRONT)
    install_cpu_front(addmm, _addmm_front)
public("bmm", bmm, bmm_out)
public("mv", mv, mv_out)


def _mv_out_check(self, vec, *, out):
    """PyTorch's mv_out adds into ``out`` itself (beta 0) when its size fits addmv's input, so
    addmv's checks then see ``out``'s size and dtype."""
    if out.dim() <= 1 and self.dim() >= 1 and out.numel() in (self.shape[0], 1):
        _addmv_check(out.dim(), tuple(out.shape), out.dtype, self, vec)


out_precheck(mv_out, _mv_out_check)
public("dot", dot, dot_out)
mm.derivative(self="mm_mat1_backward(grad, mat2, self_sym_sizes, self_sym_strides, 1)",
              mat2="mm_mat2_backward(grad, self, mat2_sym_sizes, mat2_sym_strides, 1)",
              result="self_t.mm(mat2_p) + self_p.mm(mat2_t)")


def column_major(sizes, strides):
    """Whether mm_mat1_backward / mm_mat2_backward compute the gradient of an input of these
    sizes and strides transposed (so that it comes out column-major too)."""
    return strides[0] == 1 and strides[1] == sizes[0]


@mm.array_backward("mm.default", "t.default")
def _mm_lane(grad, self, mat2, self_sym_sizes, self_sym_strides, mat2_sym_sizes,
             mat2_sym_strides, grad_input_mask):
    """MmBackward0 on arrays (the formulas' ``t`` is NumPy's ``.T`` view):
    mm_mat1_backward's and mm_mat2_backward's arithmetic (alpha 1), ``grad @ mat2.T`` and
    ``self.T @ grad``, each computed transposed for a column-major input."""
    want_self, want_mat2 = grad_input_mask
    g_self = g_mat2 = None
    if want_self:
        g_self = mm_arrays(mat2, grad.T).T if column_major(self_sym_sizes, self_sym_strides) \
            else mm_arrays(grad, mat2.T)
    if want_mat2:
        g_mat2 = mm_arrays(grad.T, self).T if column_major(mat2_sym_sizes, mat2_sym_strides) \
            else mm_arrays(self.T, grad)
    return g_self, g_mat2


bmm.derivative(self="grad.bmm(conj(mat2.transpose(1, 2)))",
               mat2="conj(self.transpose(1, 2)).bmm(grad)",
               result="self_t.bmm(mat2_p) + self_p.bmm(mat2_t)")
mv.derivative(self="grad.outer(conj(vec))", vec="conj(self).t().mv(grad)",
              result="self_t.mv(vec_p) + self_p.mv(vec_t)")
dot.derivative(self="grad * conj(tensor)", tensor="grad * conj(self)",
               result="self_t.dot(tensor_p) + self_p.dot(tensor_t)")


def _add_scaled(prod, self, beta, alpha, dt):
    """``beta * self + alpha * prod`` in ``dt`` (scalars converted to ``dt`` as PyTorch does);
    ``beta == 0`` ignores ``self`` (NaN/inf in it do not propagate)."""
    cd = prod.dtype
    a = np_scalar(alpha, dt)
    r = prod if alpha == 1 else prod * np.asarray(a).astype(cd)
    if beta != 0:
        s = _compute(self)
        b = np_scalar(beta, dt)
        r = r + (s if beta == 1 else s * np.asarray(b).astype(cd))
    return np.asarray(np.broadcast_to(r, prod.shape)).astype(dt._np, copy=False)


def _addmm_kernel(check, self, mat1, mat2, *, beta=1, alpha=1):
    shape, dt = check(self, mat1, mat2)
    _bool_check(check, shape, dt, mat1.shape[1])
    with np.errstate(all="ignore"):
        prod = np.matmul(_compute(mat1), _compute(mat2))
        return _add_scaled(prod, self, beta, alpha, dt)


def _addmv_check_full(self, mat, vec):
    return _addmv_check(self.ndim, tuple(self.shape), dtype_of(self), mat, vec)


_addmv_check_full.bool_kernel = "addmv_impl_cpu"


def _addmv_kernel(check, self, mat, vec, *, beta=1, alpha=1):
    shape, dt = check(self, mat, vec)
    _bool_check(check, shape, dt, mat.shape[1])
    with np.errstate(all="ignore"):
        prod = np.matmul(_compute(mat), _compute(vec))
        return _add_scaled(prod, self, beta, alpha, dt)


def _addmm_samples(dtype):
    yield S.SampleInput(S.make_arr((2, 4), dtype), S.make_arr((2, 3), dtype, seed=1),
                        S.make_arr((3, 4), dtype, seed=2))
    yield S.SampleInput(S.make_arr((4,), dtype), S.make_arr((2, 3), dtype, seed=1),
                        S.make_arr((3, 4), dtype, seed=2), beta=2, alpha=3)
    yield S.SampleInput(S.make_arr((), dtype), S.make_arr((2, 3), dtype, seed=1),
                        S.make_arr((3, 4), dtype, seed=2), beta=0)
    yield S.SampleInput(S.make_arr((2, 1), dtype), S.make_arr((2, 0), dtype, seed=1),
                        S.make_arr((0, 4), dtype, seed=2), alpha=2)
    if dtype.startswith("float"):
        yield S.SampleInput(S.make_arr((2, 4), dtype), S.make_arr((2, 3), dtype, seed=1),
                            S.make_arr((3, 4), dtype, seed=2), beta=0.5, alpha=-1.5)


def _addmv_samples(dtype):
    yield S.SampleInput(S.make_arr((2,), dtype), S.make_arr((2, 3), dtype, seed=1),
                        S.make_arr((3,), dtype, seed=2))
    yield S.SampleInput(S.make_arr((1,), dtype), S.make_arr((2, 3), dtype, seed=1),
                        S.make_arr((3,), dtype, seed=2), beta=2, alpha=3)
    yield S.SampleInput(S.make_arr((), dtype), S.make_arr((2, 3), dtype, seed=1),
                        S.make_arr((3,), dtype, seed=2), beta=0)
    yield S.SampleInput(S.make_arr((2,), dtype), S.make_arr((2, 0), dtype, seed=1),
                        S.make_arr((0,), dtype, seed=2))


addmm, addmm_out = _declare(
    "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor",
    _addmm_check, _addmm_kernel, _addmm_samples,
    "addmm.out(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1, "
    "Tensor(a!) out) -> Tensor(a!)", tags=("core",))
addmv, addmv_out = _declare(
    "addmv(Tensor self, Tensor mat, Tensor vec, *, Scalar beta=1, Scalar alpha=1) -> Tensor",
    _addmv_check_full, _addmv_kernel, _addmv_samples,
    "addmv.out(Tensor self, Tensor mat, Tensor vec, *, Scalar beta=1, Scalar alpha=1, "
    "Tensor(a!) out) -> Tensor(a!)")
public("addmm", addmm, addmm_out)
public("addmv", addmv, addmv_out)
addmm.derivative(
    self="maybe_multiply(grad, conj(beta))",
    mat1="mm_mat1_backward(grad, mat2, mat1_sym_sizes, mat1_sym_strides, alpha)",
    mat2="mm_mat2_backward(grad, mat1, mat2_sym_sizes, mat2_sym_strides, alpha)",
    result="maybe_multiply(self_t, beta) + maybe_multiply(mat1_t.mm(mat2_p), alpha) + "
           "maybe_multiply(mat1_p.mm(mat2_t), alpha)")


@addmm.array_backward("mm.default", "t.default")
def _addmm_lane(grad, mat1, mat2, mat1_sym_sizes, mat1_sym_strides, mat2_sym_sizes,
                mat2_sym_strides, beta, alpha, grad_input_mask):
    """AddmmBackward0 on arrays, for ``beta = alpha = 1`` (``nn.Linear``'s call): ``self``
    gets ``grad`` itself, ``mat1`` and ``mat2`` MmBackward0's gradients."""
    if not (unit_scale(beta) and unit_scale(alpha)):
        return NotImplemented
    g_mat1, g_mat2 = _mm_lane(grad, mat1, mat2, mat1_sym_sizes, mat1_sym_strides,
                              mat2_sym_sizes, mat2_sym_strides, grad_input_mask[1:])
    return grad, g_mat1, g_mat2


addmv.derivative(
    self="maybe_multiply(grad, conj(beta))",
    mat="maybe_multiply(grad.outer(conj(vec)), conj(alpha))",
    vec="maybe_multiply(conj(mat.t()).mv(grad), conj(alpha))",
    result="maybe_multiply(self_t, beta) + maybe_multiply(mat_t.mv(vec_p), alpha) + "
           "maybe_multiply(mat_p.mv(vec_t), alpha)")


# ---- view helpers for the decompositions (use the view ops when they are registered) ---------
def _has(name, overload="default"):
    try:
        return getattr(getattr(aten, name), overload)
    except AttributeError:
        return None


def _reshape(t, shape):
    shape = [int(s) for s in shape]
    op = _has("reshape")
    if op is not None:
        return op(t, shape)
    from .views import compute_stride
    if compute_stride(t._size, t.stride(), tuple(shape)) is None:
        t = aten.clone.default(t)
        t = t if t.is_contiguous() else aten.clone.default(
            t, memory_format=__import__("kindling").contiguous_format)
    return aten.view.default(t, shape)


def _unsafe_view(t, shape):
    op = _has("_unsafe_view")
    return op(t, list(shape)) if op is not None else _reshape(t, shape)


def _expand(t, shape):
    op = _has("expand")
    if op is not None:
        return op(t, list(shape))
    _expand_check(t._size, shape)
    nd = len(shape)
    pad = nd - t.dim()
    size, stride = list(t._size), list(t.stride())
    new_stride = [0] * nd
    for i in range(nd):
        j = i - pad
        if j >= 0 and size[j] == shape[i]:
            new_stride[i] = stride[j]
    return aten.as_strided.default(t, list(shape), new_stride, t.storage_offset())


def _unsqueeze(t, d):
    op = _has("unsqueeze")
    if op is not None:
        return op(t, d)
    s = list(t._size)
    s.insert(d if d >= 0 else len(s) + 1 + d, 1)
    return _reshape(t, s)


def _squeeze0(t):
    op = _has("squeeze_", "dim")
    if op is not None:
        return op(t, 0)
    op = _has("squeeze", "dim")
    if op is not None:
        return op(t, 0)
    return _reshape(t, list(t._size[1:]))


def _mT(t):
    return aten.transpose.int(t, -2, -1)


# ---- outer (CompositeImplicitAutograd: a broadcast multiply) ----------------------------------
outer = defop("outer(Tensor self, Tensor vec2) -> Tensor")
outer_out = defop("outer.out(Tensor self, Tensor vec2, *, Tensor(a!) out) -> Tensor(a!)")


def _outer_check(self, vec2):
    for name, v in (("self", self), ("vec2", vec2)):
        if v.dim() != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.dim()}-D")


@outer.composite
def _(self, vec2):
    _outer_check(self, vec2)
    return aten.mul.Tensor(_reshape(self, [self.numel(), 1]), vec2)


@outer_out.composite
def _(self, vec2, *, out):
    _outer_check(self, vec2)
    return aten.mul.out(_reshape(self, [self.numel(), 1]), vec2, out=out)


def _outer_samples(dtype):
    yield S.SampleInput(S.make_arr((3,), dtype), S.make_arr((4,), dtype, seed=1))
    yield S.SampleInput(S.make_arr((0,), dtype), S.make_arr((4,), dtype, seed=1))
    yield S.SampleInput(S.make_arr((3,), dtype, noncontig=True), S.make_arr((1,), dtype, seed=1))


outer.samples(_outer_samples)
OPS["aten::outer"] = outer
public("outer", outer, outer_out)
public("ger", outer, outer_out)


# ---- matmul (ATen's _matmul_impl) -------------------------------------------------------------
matmul = defop("matmul(Tensor self, Tensor other) -> Tensor")
matmul_out = defop("matmul.out(Tensor self, Tensor other, *, Tensor(a!) out) -> Tensor(a!)")


def _should_fold(tensor1, tensor2, has_out=False, requires_grad=None):
    """Whether ``tensor1 @ tensor2`` can fold the larger operand into a matrix (no copy).
    ``requires_grad``: the operands' flags where they are views that PyTorch would mark
    requiring grad but kindling made below autograd (the engine's formulas)."""
    larger = tensor1.dim() >= tensor2.dim()
    t1 = tensor1 if larger else _mT(tensor2)
    dim_t1 = t1.dim()
    dim_t2 = tensor2.dim() if larger else tensor1.dim()
    if not (dim_t1 >= 3 and dim_t2 <= 2):
        return False, t1
    t2 = tensor2 if larger else tensor1
    if requires_grad is None:
        t2_requires_grad = getattr(t2, "requires_grad", False)
    else:
        t2_requires_grad = requires_grad[1] if larger else requires_grad[0]
    if t2_requires_grad and not has_out:
        return True, t1
    if tensor1.dim() == 2:
        return False, t1
    if t1.numel() == 0:
        return True, t1
    shape, strides = t1._size, t1.stride()
    for i in range(dim_t1 - 2):
        if strides[i] != strides[i + 1] * shape[i + 1]:
            return False, t1
    return True, t1


def _squeeze_broadcast_batch(tensor1, tensor2):
    """3-D @ 3-D with one batch of 1 to broadcast: PyTorch drops that batch dim (then the fold
    applies) when the operand requires grad or is subclass-like (a dispatch mode is on), so
    that backward does not make the expanded gradient."""
    if tensor1.dim() != 3 or tensor2.dim() != 3 or tensor1._size[0] == tensor2._size[0]:
        return None
    if tensor1._size[0] == 1 and (tensor1.requires_grad or is_tensor_subclass_like(tensor1)):
        return aten.squeeze.dim(tensor1, 0), tensor2
    if tensor2._size[0] == 1 and (tensor2.requires_grad or is_tensor_subclass_like(tensor2)):
        return tensor1, aten.squeeze.dim(tensor2, 0)
    return None


def _matmul_impl(tensor1, tensor2, requires_grad=None):
    dim1, dim2 = tensor1.dim(), tensor2.dim()
    if dim1 == 0 or dim2 == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{dim1}D and {dim2}D")
    if dim1 == 1 and dim2 == 1:
        return aten.dot.default(tensor1, tensor2)
    if dim1 == 2 and dim2 == 1:
        return aten.mv.default(tensor1, tensor2)
    if dim1 == 1 and dim2 == 2:
        return _squeeze0(aten.mm.default(_unsqueeze(tensor1, 0), tensor2))
    if dim1 == 2 and dim2 == 2:
        return _mm_call(tensor1, tensor2)
    fold, _ = _should_fold(tensor1, tensor2, False, requires_grad)
    if fold:
        t1_folded, t2, output_shape, _, transpose = _folded_operands(tensor1, tensor2)
        if t2.dim() == 2:
            out = _unsafe_view(aten.mm.default(t1_folded, t2), output_shape)
            return _mT(out).contiguous() if transpose else out
        return _unsafe_view(aten.mv.default(t1_folded, t2), output_shape)
    # Batched: broadcast the batch dims, then one bmm.
    squeezed = _squeeze_broadcast_batch(tensor1, tensor2)
    if squeezed is not None:
        # (a view of a tensor requiring grad requires grad, in no_grad too: PyTorch's fold
        # then sees the squeezed operand's flag, which kindling's engine, running formulas
        # below autograd, does not set)
        return _matmul_impl(*squeezed, (tensor1.requires_grad, tensor2.requires_grad))
    t1e, t2e, output_shape, _ = _batched_operands(tensor1, tensor2)
    return _unsafe_view(aten.bmm.default(t1e, t2e), output_shape)


def _folded_operands(tensor1, tensor2):
    """The fold case: (the larger operand folded to a matrix, the other, the result's shape,
    its folded rows, whether the product is transposed)."""
    transpose = tensor2.dim() > tensor1.dim()
    t1 = _mT(tensor2) if transpose else tensor1
    t2 = tensor2 if not transpose else (aten.t.default(tensor1) if tensor1.dim() == 2
                                        else tensor1)
    sizes_1 = list(t1._size)
    output_shape = sizes_1[:-1]
    folded = 1
    for s in output_shape:
        folded *= s
    if t2.dim() == 2:
        output_shape.append(t2._size[1])
    return _reshape(t1, [folded, sizes_1[-1]]), t2, output_shape, folded, transpose


def _batched_operands(tensor1, tensor2):
    """The batched case: both operands expanded to the broadcast batch and flattened to one
    batch dim (a vector as a column), the result's shape, (rows, columns) of each product."""
    dim1, dim2 = tensor1.dim(), tensor2.dim()
    s1, s2 = list(tensor1._size), list(tensor2._size)
    n = s1[-2] if dim1 > 1 else 1
    m1 = s1[-1]
    m2 = s2[-2] if dim2 > 1 else s2[0]
    p = s2[-1] if dim2 > 1 else 1
    output_shape = list(broadcast_shapes(tuple(s1[:max(dim1 - 2, 0)]),
                                         tuple(s2[:max(dim2 - 2, 0)])))
    ebp = 1
    for s in output_shape:
        ebp *= s
    t1e = _reshape(_expand(tensor1, output_shape + [n, m1]), [ebp, n, m1])
    if dim2 == 1:
        t2e = _unsqueeze(_reshape(_expand(tensor2, output_shape + [m2]), [ebp, m2]), 2)
    else:
        t2e = _reshape(_expand(tensor2, output_shape + [m2, p]), [ebp, m2, p])
    batch_shape = [ebp, n, p]
    if dim1 > 1:
        output_shape.append(n)
    if dim2 > 1:
        output_shape.append(p)
    return t1e, t2e, output_shape, batch_shape


@matmul.impl(K.CompositeImplicitAutograd, with_keyset=True)  # (a frame fewer than .composite)
def _(ks, self, other):
    # (the common case, two plain matrices, without _matmul_impl's frame: one mm)
    if not (self._meta_slow or other._meta_slow or _live_modes[0]) and \
            len(self._size) == 2 and len(other._size) == 2:
        return _mm_call(self, other)
    return _matmul_impl(self, other)


def _aliases(a, b):
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def _matmul_out_impl(tensor1, tensor2, out):
    """``_matmul_impl`` with ``out``: the same cases, each through the ``out=`` form of its
    product (``out`` reshaped to the folded or batched result where that is a view)."""
    dim1, dim2 = tensor1.dim(), tensor2.dim()
    if dim1 == 0 or dim2 == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{dim1}D and {dim2}D")
    from ..autograd.grad_mode import is_grad_enabled
    if (tensor1.requires_grad or tensor2.requires_grad or out.requires_grad) and \
            is_grad_enabled():
        raise RuntimeError("matmul(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if dim1 == 1 and dim2 == 1:
        return aten.dot.out(tensor1, tensor2, out=out)
    if dim1 == 2 and dim2 == 1:
        return aten.mv.out(tensor1, tensor2, out=out)
    if dim1 == 1 and dim2 == 2:
        return aten.squeeze_.dim(aten.mm.out(_unsqueeze(tensor1, 0), tensor2, out=out), 0)
    if dim1 == 2 and dim2 == 2:
        return aten.mm.out(tensor1, tensor2, out=out)
    fold, _ = _should_fold(tensor1, tensor2, has_out=True)
    if fold:
        t1_folded, t2, output_shape, folded, _ = _folded_operands(tensor1, tensor2)
        resize_out(out, output_shape)
        if t2.dim() == 2:
            reshaped = _reshape(out, [folded, t2._size[-1]])
            aten.mm.out(t1_folded, t2, out=reshaped)
        else:
            reshaped = _reshape(out, [folded])
            aten.mv.out(t1_folded, t2, out=reshaped)
        if not _aliases(reshaped, out):
            aten.copy_.default(out, reshaped)
        return out
    squeezed = _squeeze_broadcast_batch(tensor1, tensor2)
    if squeezed is not None:
        return _matmul_out_impl(*squeezed, out)
    t1e, t2e, output_shape, batch_shape = _batched_operands(tensor1, tensor2)
    resize_out(out, output_shape)
    reshaped = _reshape(out, batch_shape)
    aten.bmm.out(t1e, t2e, out=reshaped)
    if dim2 == 1:
        reshaped = aten.squeeze.dim(reshaped, -1)
    if not _aliases(reshaped, out):
        aten.copy_.default(out, aten.view_as.default(reshaped, out))
    return out


@matmul_out.composite
def _(self, other, *, out):
    return _matmul_out_impl(self, other, out)


_MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                  ((2, 3, 4), (4,)), ((2, 3, 4), (4, 5)), ((3,), (2, 3, 4)),
                  ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (3, 4, 5)), ((2, 3, 4), (2, 4, 5)),
                  ((0, 3), (3, 2)), ((2, 0, 3), (3,))]


def _matmul_samples(dtype):
    for i, (a, b) in enumerate(_MATMUL_SHAPES):
        yield S.SampleInput(S.make_arr(a, dtype, seed=i), S.make_arr(b, dtype, seed=i + 20))
    yield S.SampleInput(S.make_arr((2, 3, 4), dtype, noncontig=True),
                        S.make_arr((4, 3), dtype, noncontig=True))


matmul.samples(_matmul_samples)
OPS["aten::matmul"] = matmul
public("matmul", matmul, matmul_out)

# ``matmul(a, b)`` / ``mm(a, b)`` with two tensors: dispatch without the generic scan
_matmul_op = binary_caller(matmul.op)
_mm_call = binary_caller(aten.mm.default)


def __matmul__(self, other):
    if isinstance(other, Tensor):
        return _matmul_op(self, other)
    return NotImplemented


__matmul__._tensor_call = _matmul_op  # (what ``a @ b`` of two exact Tensors calls at once)


def __rmatmul__(self, other):
    if isinstance(other, Tensor):
        return _matmul_op(other, self)
    return NotImplemented


Tensor.__matmul__ = __matmul__
Tensor.__rmatmul__ = __rmatmul__
