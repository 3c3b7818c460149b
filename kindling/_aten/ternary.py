"""Pointwise ops of three operands - ``addcmul``, ``addcdiv``, ``lerp`` (a number or a tensor
weight) - and ``trace``.

The three tensors broadcast together and promote as PyTorch's TensorIterator does; the
Scalar ``value`` is converted to the result dtype first (``addcmul(ints, value=0.5)`` adds
nothing, as in PyTorch).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ..testing import samples as S
from ._api import public
from ._defop import defop
from ._meta_util import empty_meta
from ._pointwise_util import fp_silent, same_float_arrays
from ._util import broadcast_error, broadcast_shapes, dtype_of, np_scalar, result_type
from ._variants import cpp_name as _cpp, inplace_variant, out_variant

OPS = {}


def _shape(x):
    return tuple(getattr(x, "shape", ()))


def _broadcast(*operands):
    try:
        return broadcast_shapes(*[_shape(o) for o in operands])
    except (ValueError, RuntimeError):
        raise broadcast_error([_shape(o) for o in operands]) from None


def _declare(name, schema, kernel, result_dtype, derivative, samples, node_name=None):
    d = defop(schema, tags=("pointwise",))

    @d.cpu
    def _(*args, **kwargs):
        dt = result_dtype(*args, **kwargs)
        shape = _broadcast(*args[:3])
        r = np.asarray(fp_silent(lambda: kernel(dt, *args, **kwargs))).astype(dt._np,
                                                                            copy=False)
        # (an operand-free result, as lerp's with a number weight, is broadcast; the adapter
        # lays the result out as TensorIterator would)
        return r if r.shape == shape else np.array(np.broadcast_to(r, shape))

    @d.meta
    def _(*args, **kwargs):
        return empty_meta(_broadcast(*args[:3]), result_dtype(*args, **kwargs))

    d.derivative(node_name, **derivative)
    d.samples(samples)
    OPS[name] = d
    return d


# ---- addcmul / addcdiv ----------------------------------------------------------------------
def _addc_dtype(self, tensor1, tensor2, value=1):
    dt = result_type(self, tensor1, tensor2)
    if dt is _dtype.bool:
        raise NotImplementedError("\"addcmul_cpu_out\" not implemented for 'Bool'")
    return dt


def _addcmul(dt, self, tensor1, tensor2, value=1):
    a, b, c = (np.asarray(x).astype(dt._np, copy=False) for x in (self, tensor1, tensor2))
    return a + np_scalar(value, dt) * b * c


def _addcdiv_dtype(self, tensor1, tensor2, value=1):
    if dtype_of(tensor1)._cat <= _dtype.INT and dtype_of(tensor2)._cat <= _dtype.INT:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
            "for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    return result_type(self, tensor1, tensor2)


def _addcdiv(dt, self, tensor1, tensor2, value=1):
    a, b, c = (np.asarray(x).astype(dt._np, copy=False) for x in (self, tensor1, tensor2))
    return a + np_scalar(value, dt) * (b / c)


def _addc_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3,), dtype), A((3,), dtype, seed=1), A((3,), dtype, seed=2,
                                                                   exclude_zero=True))
    yield S.SampleInput(A((2, 3), dtype), A((3,), dtype, seed=1),
                        A((2, 1), dtype, seed=2, exclude_zero=True), value=2)
    yield S.SampleInput(A((), dtype), A((2,), dtype, seed=1), A((), dtype, seed=2,
                                                                 exclude_zero=True))


def _addcdiv_samples(dtype):
    if dtype in S.FLOATS + S.COMPLEX:
        yield from _addc_samples(dtype)


addcmul = _declare(
    "addcmul", "addcmul(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> "
               "Tensor", _addcmul, _addc_dtype,
    {"self": "handle_r_to_c(self_scalar_type, grad)",
     "tensor1": "handle_r_to_c(tensor1_scalar_type, grad * conj(tensor2 * value))",
     "tensor2": "handle_r_to_c(tensor2_scalar_type, grad * conj(tensor1 * value))",
     "result": "self_t + maybe_multiply(tensor1_t * tensor2_p, value) + "
               "maybe_multiply(tensor2_t * tensor1_p, value)"},
    _addc_samples)
addcdiv = _declare(
    "addcdiv", "addcdiv(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> "
               "Tensor", _addcdiv, _addcdiv_dtype,
    {"self": "handle_r_to_c(self_scalar_type, grad)",
     "tensor1": "handle_r_to_c(tensor1_scalar_type, grad * conj(value / tensor2))",
     "tensor2": "handle_r_to_c(tensor2_scalar_type, "
                "-grad * conj(value * tensor1 / (tensor2 * tensor2)))",
     "result": "self_t + maybe_multiply(tensor1_t / tensor2_p, value) - "
               "maybe_multiply(tensor2_t * (tensor1_p / tensor2_p) / tensor2_p, value)"},
    _addcdiv_samples)


# ---- lerp -----------------------------------------------------------------------------------
def _lerp_dtype(self, end, weight):
    ds, de = dtype_of(self), dtype_of(end)
    if de is not ds:
        raise RuntimeError(f"expected dtype {_cpp(ds)} for `end` but got dtype {_cpp(de)}")
    if hasattr(weight, "shape"):
        dw = dtype_of(weight)
        if dw is not ds:
            raise RuntimeError(f"expected dtype {_cpp(ds)} for `weight` but got dtype "
                               f"{_cpp(dw)}")
    if ds._cat < _dtype.FLOAT:
        kind = "lerp_kernel_tensor" if hasattr(weight, "shape") else "lerp_kernel_scalar"
        raise NotImplementedError(f'"{kind}" not implemented for \'{ds._scalar_name}\'')
    return ds


def _lerp(dt, self, end, weight):
    a, b = np.asarray(self), np.asarray(end)
    w = np.asarray(weight).astype(dt._np, copy=False) if hasattr(weight, "shape") else \
        np_scalar(weight, dt)
    # (PyTorch's formula: from the nearer end, for accuracy at both weight 0 and 1)
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def _lerp_samples(dtype):
    if dtype not in S.FLOATS + S.COMPLEX:
        return
    A = S.make_arr
    yield S.SampleInput(A((3,), dtype), A((3,), dtype, seed=1), 0.3)
    yield S.SampleInput(A((2, 3), dtype), A((3,), dtype, seed=1), 0.8)
    yield S.SampleInput(A((), dtype), A((2,), dtype, seed=1), -1.5)
    if dtype in S.COMPLEX:
        yield S.SampleInput(A((2, 2), dtype), A((2, 2), dtype, seed=1), 0.3 - 0.6j)


def _lerp_tensor_samples(dtype):
    if dtype not in S.FLOATS + S.COMPLEX:
        return
    A = S.make_arr
    yield S.SampleInput(A((3,), dtype), A((3,), dtype, seed=1), A((3,), dtype, seed=2))
    yield S.SampleInput(A((2, 3), dtype), A((3,), dtype, seed=1), A((2, 1), dtype, seed=2))


lerp_scalar = _declare(
    "lerp.Scalar", "lerp.Scalar(Tensor self, Tensor end, Scalar weight) -> Tensor", _lerp,
    _lerp_dtype,
    {"self": "aten.mul.Scalar(grad, 1 - conj(weight))", "end": "grad * conj(weight)",
     "result": "aten.lerp.Scalar(self_t, end_t, weight)"}, _lerp_samples)
lerp_tensor = _declare(
    "lerp.Tensor", "lerp.Tensor(Tensor self, Tensor end, Tensor weight) -> Tensor", _lerp,
    _lerp_dtype,
    {"self": "grad * conj(1 - weight)", "end": "grad * conj(weight)",
     "weight": "grad * conj(end - self)",
     "result": "aten.lerp.Tensor(self_t, end_t, weight_p) + weight_t * (end_p - self_p)"},
    _lerp_tensor_samples, "LerpBackward1")

for _d, _n in ((addcmul, "addcmul"), (addcdiv, "addcdiv")):
    _d.inplace = inplace_variant(_d, f"{_n}_(Tensor(a!) self, Tensor tensor1, Tensor tensor2, "
                                     "*, Scalar value=1) -> Tensor(a!)")
    _d.out = out_variant(_d, f"{_n}.out(Tensor self, Tensor tensor1, Tensor tensor2, *, "
                             "Scalar value=1, Tensor(a!) out) -> Tensor(a!)")
    public(_n, _d, _d.out)
    public(_n + "_", _d.inplace, function=False)
for _d, _ov in ((lerp_scalar, "Scalar"), (lerp_tensor, "Tensor")):
    _w = "Scalar" if _ov == "Scalar" else "Tensor"
    _d.inplace = inplace_variant(_d, f"lerp_.{_ov}(Tensor(a!) self, Tensor end, {_w} weight) "
                                     "-> Tensor(a!)")
    # (lerp.Tensor's TensorIterator wants every operand of one dtype; lerp.Scalar's casts)
    _d.out = out_variant(_d, f"lerp.{_ov}_out(Tensor self, Tensor end, {_w} weight, *, "
                             "Tensor(a!) out) -> Tensor(a!)",
                         check_cast="same" if _ov == "Tensor" else True)
public("lerp", lerp_scalar, lerp_tensor, lerp_scalar.out, lerp_tensor.out)
public("lerp_", lerp_scalar.inplace, lerp_tensor.inplace, function=False)


# ---- the optimizers' in-place calls, fused -----------------------------------------------------
# ``p.addcdiv_(m, d, value=-lr)``, ``m.lerp_(g, 1 - beta)``: three same-shape float32/float64
# tensors and a number.  The generic in-place kernels compute the functional result, check it
# against the meta function and copy it in; these fronts compute the same values with NumPy
# in-place ufuncs on one temporary (the same operations in the same order, so the same bits)
# and copy it in once, so a failed call still changes nothing.
def _fused_front(match, combine):
    """A front that, when ``match(args, kwargs)`` gives ``(self_array, array, array_or_None,
    number)``, computes ``combine`` of them into a temporary and copies it into ``self``."""
    def front(generic):
        def kernel(ks, *args, **kwargs):
            m = match(args, kwargs)
            if m is not None:  # (same_float_arrays tested the overlaps)
                try:  # (warnings off, as the generic kernels have them)
                    t = fp_silent(combine, *m)
                except (ValueError, RuntimeWarning, FloatingPointError):
                    return generic(ks, *args, **kwargs)
                m[0][...] = t  # (np.copyto, without its Python dispatcher)
                return args[0]
            return generic(ks, *args, **kwargs)
        return kernel
    return front


def _match_addc(args, kwargs):
    """``self.addc*_(tensor1, tensor2, value=n)``."""
    if len(args) == 3 and len(kwargs) <= 1 and kwargs.keys() <= {"value"}:
        value = kwargs.get("value", 1)
        if type(value) in (float, int):
            arrs = same_float_arrays(*args)
            if arrs is not None:
                return arrs + (arrs[0].dtype.type(value),)
    return None


def _match_lerp(args, kwargs):
    """``self.lerp_(end, n)``."""
    if len(args) == 3 and not kwargs and type(args[2]) in (float, int):
        arrs = same_float_arrays(args[0], args[1])
        if arrs is not None:
            return arrs[0], arrs[1], None, arrs[0].dtype.type(args[2])
    return None


def _addcmul_np(x, y, z, v):
    t = np.multiply(y, v)   # (value * tensor1) * tensor2 + self, as _addcmul
    np.multiply(t, z, out=t)
    return np.add(x, t, out=t)


def _addcdiv_np(x, y, z, v):
    t = np.divide(y, z)     # value * (tensor1 / tensor2) + self, as _addcdiv
    np.multiply(t, v, out=t)
    return np.add(x, t, out=t)


def _lerp_np(x, y, _, w):
    t = np.subtract(y, x)   # end - self, then from the nearer end (as _lerp)
    if abs(w) < 0.5:
        np.multiply(t, w, out=t)
        return np.add(x, t, out=t)
    np.multiply(t, x.dtype.type(1) - w, out=t)
    return np.subtract(y, t, out=t)


def _install_fronts():
    from ._defop import install_cpu_front
    install_cpu_front(addcmul.inplace, _fused_front(_match_addc, _addcmul_np), leaf=False)
    install_cpu_front(addcdiv.inplace, _fused_front(_match_addc, _addcdiv_np), leaf=False)
    install_cpu_front(lerp_scalar.inplace, _fused_front(_match_lerp, _lerp_np), leaf=False)


_install_fronts()


# ---- trace ----------------------------------------------------------------------------------
trace = defop("trace(Tensor self) -> Tensor")
OPS["trace"] = trace


def _trace_dtype(self):
    if len(self.shape) != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {len(self.shape)}")
    dt = dtype_of(self)
    if dt is _dtype.bool:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return _dtype.int64 if dt._cat <= _dtype.INT else dt


@trace.cpu
def _(self):
    dt = _trace_dtype(self)
    return np.asarray(np.trace(self, dtype=dt._np))


@trace.meta
def _(self):
    return empty_meta((), _trace_dtype(self))


trace.derivative(self="trace_backward(grad, self_sym_sizes)", result="self_t.trace()")
trace.samples(lambda dt: iter([S.SampleInput(S.make_arr((3, 3), dt)),
                               S.SampleInput(S.make_arr((2, 4), dt, seed=1)),
                               S.SampleInput(S.make_arr((4, 2), dt, seed=2, noncontig=True)),
                               S.SampleInput(S.make_arr((0, 3), dt))]))
public("trace", trace)
