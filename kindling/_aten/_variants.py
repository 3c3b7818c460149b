"""In-place (``add_``) and ``out=`` (``add.out``) variants built from a functional op's kernels.

PyTorch generates these from one structured kernel; we derive them from the functional op's
NumPy kernel and meta function, so each family declares its math once.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dispatcher.operator import KernelEntry, caller_site
from .._dispatcher.keys import K
from .._tensor import Tensor, contiguous_strides
from ._defop import defop, iterator_operands, operand_values, unwrap
from ._meta_util import empty_meta
from ._pointwise_util import check_inplace_result, meta_view
from ._tags import variant_tags
from ._tensor_iterator import check_mem_overlaps, result_strides
from ._util import warn_user

_NP_TO = _dtype._NP_TO_DTYPE


def _raw(opdef, key):
    e = opdef.entry._top(key)
    return e.raw if e is not None else None


def resize_out(out, shape, op_name=""):
    """PyTorch's ``resize_output``: resize ``out`` when its shape differs (warning if non-empty)."""
    if tuple(out._size) == tuple(shape):
        return
    if out.numel() != 0:
        warn_user(
            f"An output with one or more elements was resized since it had shape "
            f"[{', '.join(map(str, out._size))}], which does not match the required output shape "
            f"[{', '.join(map(str, shape))}]. This behavior is deprecated, and in a future PyTorch "
            "release outputs will not be resized unless they have zero elements. You can "
            "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
            "t.resize_(0).")
    from ._ops_registry import aten
    aten.resize_.default(out, list(shape))


# how c10 prints an element type (its TypeMeta name) in dtype messages
_CPP_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
              "int16": "short int", "int32": "int", "int64": "long int",
              "uint16": "short unsigned int", "uint32": "unsigned int",
              "uint64": "long unsigned int", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
              "float32": "float", "float64": "double", "complex32": "c10::complex<c10::Half>",
              "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>", "float8_e4m3fn": "c10::Float8_e4m3fn",
              "float8_e5m2": "c10::Float8_e5m2"}


def cpp_name(dt):
    """A dtype's C++ type name as c10 prints it in dtype messages (``long int``...)."""
    name = dt._name
    if name.startswith("float8_"):
        return "c10::Float8_" + name[len("float8_"):]
    return _CPP_NAMES.get(name, name)


def inplace_variant(functional, schema, cpp_names=False, tags=None):
    """The in-place form of ``functional`` (``tags``: its declared tags, by default
    ``variant_tags(functional)``).  Like PyTorch's TensorIterator it checks the result
    shape and dtype (from the meta function) before running the kernel, so a refused cast or
    broadcast is reported ahead of kernel-specific dtype errors."""
    d = defop(schema, tags=variant_tags(functional) if tags is None else tags)
    np_fn, meta_fn = _raw(functional, K.CPU), _raw(functional, K.Meta)
    name = d.entry.qualified

    def meta(ks, self, *args, **kwargs):
        r = meta_fn(meta_view(self), *[meta_view(a) for a in args], **kwargs)
        if cpp_names and not _dtype.can_cast(r.dtype, self.dtype):
            raise RuntimeError(f"result type {r.dtype._scalar_name} can't be cast to the desired "
                               f"output type {cpp_name(self.dtype)}")
        check_inplace_result(name, self.dtype, r.dtype, self._size, r._size)
        return self

    def cpu(ks, self, *args, **kwargs):
        overlaps = d.check_overlaps  # (TensorIterator's first checks, before any computing)
        if overlaps is not None:
            overlaps(self, args)
            if kwargs:
                overlaps(self, kwargs.values())
        try:
            if kwargs:
                r = np_fn(self._np, *[unwrap(a) for a in args],
                          **{k: unwrap(v) for k, v in kwargs.items()})
            elif len(args) == 1:  # (``x.add_(y)``: the common call, unrolled)
                r = np_fn(self._np, unwrap(args[0]))
            else:
                r = np_fn(self._np, *[unwrap(a) for a in args])
            r = np.asarray(r)
        except Exception:
            meta(ks, self, *args, **kwargs)  # shape/cast errors are reported first
            raise
        a = self._np
        if r.shape != a.shape or r.dtype != a.dtype:
            rd = _dtype._NP_TO_DTYPE[r.dtype]
            if cpp_names and not _dtype.can_cast(rd, self.dtype):
                meta(ks, self, *args, **kwargs)
            check_inplace_result(name, self.dtype, rd, self._size, r.shape)
            with np.errstate(all="ignore"):
                a[...] = r  # (np.copyto(casting="unsafe"): no dispatcher frame)
        else:
            a[...] = r  # (same dtype: no cast, nothing to warn about)
        return self

    # ``check_overlaps(self, inputs)``: TensorIterator's memory-overlap checks, for a pointwise
    # op (an op whose TensorIterator skips them sets its own, or None)
    d.check_overlaps = check_mem_overlaps if functional.iterator else None
    site = caller_site()
    d.entry.register(K.CPU, KernelEntry(cpu, site))
    d.entry.register(K.Meta, KernelEntry(meta, site))
    d.functional = functional
    return d


def same_dtype_out_variant(functional, schema, tags=None, of_result=False):
    """The ``out=`` form of a structured op whose ``out`` must already have the input's dtype
    (``of_result``: the result's) (PyTorch's "Expected out tensor to have dtype" check, made
    after the op's own checks)."""
    d = out_variant(functional, schema, check_cast=False, tags=tags)
    meta_fn = _raw(functional, K.Meta)

    def checking(inner):
        def kernel(ks, self, *args, out, **kwargs):
            r = meta_fn(meta_view(self), *[meta_view(a) for a in args], **kwargs)
            want = r.dtype if of_result else self.dtype
            if out.dtype is not want:
                raise out_dtype_error(want, out.dtype)
            return inner(ks, self, *args, out=out, **kwargs)
        return kernel
    site = caller_site()
    for key in (K.CPU, K.Meta):
        d.entry.register(key, KernelEntry(checking(d.entry._top(key).fn), site))
    return d


def _result_cast_error(result, out):
    return RuntimeError(f"result type {result._scalar_name} can't be cast to the desired output "
                        f"type {out._scalar_name}")


def out_dtype_error(result, out):
    """PyTorch's check that an ``out=`` tensor has exactly the result's dtype (its structured
    kernels' ``set_output`` and generated ``out=`` wrappers)."""
    return RuntimeError(f"Expected out tensor to have dtype {cpp_name(result)}, but got "
                        f"{cpp_name(out)} instead")


def _same_dtype_error(result, out):
    # (TensorIterator::unary_op and other configs that check all operands have one dtype)
    return RuntimeError(f"Found dtype {out._scalar_name} but expected {result._scalar_name}")


def out_variant(functional, schema, *, check_cast=True, cast_error=_result_cast_error,
                tags=None):
    """The ``out=`` form of ``functional`` (``tags``: its declared tags, by default
    ``variant_tags(functional)``).

    ``check_cast`` says how ``out``'s dtype is checked against the result's: ``True``,
    TensorIterator's cast check before the kernel (``cast_error(result dtype, out dtype)``:
    the exception for a result ``out`` cannot hold); ``"same"``, a TensorIterator that wants
    every operand of one dtype ("Found dtype ..."); ``"exact"``, the structured kernel's
    ``set_output`` check ("Expected out tensor to have dtype ..."), made before the resize
    (after it in a form PyTorch generates, whose ``copy_arg`` checks it: those are
    ``"exact"`` whatever ``check_cast`` says); a function ``check(result dtype, out dtype,
    args)``, raising for an ``out`` refused; ``False``, none."""
    d = defop(schema, tags=variant_tags(functional) if tags is None else tags)
    np_fn, meta_fn = _raw(functional, K.CPU), _raw(functional, K.Meta)
    generated = "generated" in {t.name for t in d.entry.tags}
    if generated and not callable(check_cast):
        check_cast = "exact"
    if cast_error is _result_cast_error and check_cast in ("exact", "same"):
        cast_error = out_dtype_error if check_cast == "exact" else _same_dtype_error
    if callable(check_cast):
        check = check_cast
    elif check_cast and not generated:
        cast_ok = _dtype.can_cast if check_cast is True else (lambda r, o: r is o)

        def check(r, o, args):
            if not cast_ok(r, o):
                raise cast_error(r, o)
    else:
        check = None

    def _meta_args(args):
        return [meta_view(a) for a in args]

    def meta(ks, *args, out, **kwargs):
        r = meta_fn(*_meta_args(args), **kwargs)
        if check is not None:
            check(r.dtype, out.dtype, args)
        resize_out(out, r._size)
        if generated and r.dtype is not out.dtype:
            raise cast_error(r.dtype, out.dtype)
        return out

    def cpu(ks, *args, out, **kwargs):
        overlaps = d.check_overlaps  # (TensorIterator's first checks, before any computing)
        if overlaps is not None:
            overlaps(out, args)
            if kwargs:
                overlaps(out, kwargs.values())
        try:
            v = np.asarray(np_fn(*[unwrap(a) for a in args],
                                 **{k: unwrap(v) for k, v in kwargs.items()}))
        except Exception:
            if not generated:  # (a generated form runs the functional op first)
                meta(ks, *args, out=out.to("meta"), **kwargs)  # cast errors are reported first
            raise
        rd = _dtype._NP_TO_DTYPE[v.dtype]
        if check is not None:
            check(rd, out.dtype, args)
        if pointwise and tuple(out._size) != v.shape:
            _resize_strided(out, v, functional, args, kwargs)
        resize_out(out, v.shape)
        if generated and rd is not out.dtype:
            raise cast_error(rd, out.dtype)
        with np.errstate(all="ignore"):
            out._np[...] = v  # (np.copyto(casting="unsafe"): no dispatcher frame)
        return out

    # (a pointwise op's TensorIterator restrides an out= tensor it resizes to its layout)
    pointwise = functional.iterator
    d.check_overlaps = check_mem_overlaps if pointwise else None  # (as inplace_variant's)
    site = caller_site()
    d.entry.register(K.CPU, KernelEntry(cpu, site))
    d.entry.register(K.Meta, KernelEntry(meta, site))
    d.functional = functional
    return d


def _resize_strided(out, v, functional, args, kwargs):
    """Resize ``out`` to the shape of result ``v`` of ``functional`` in the layout its
    TensorIterator gives it."""
    spec, uncast, like = iterator_operands(functional.schema)
    strides = result_strides(v, operand_values(spec, args, kwargs), uncast, like)
    resize_out(out, v.shape)
    if strides != contiguous_strides(v.shape):
        from ._ops_registry import aten
        aten.as_strided_.default(out, list(v.shape), list(strides))


_ = (Tensor, empty_meta)


def out_precheck(opdef, check):
    """Run ``check(*args, **kwargs)`` (with ``out=``) before the CPU and Meta kernels of an
    out= form: PyTorch's meta functions that look at the given output's dtype."""
    entry = opdef.entry
    for key in (K.CPU, K.Meta):
        kentry = entry._top(key)
        generic = kentry.fn

        def kernel(ks, *args, _generic=generic, **kwargs):
            check(*args, **kwargs)
            return _generic(ks, *args, **kwargs)
        kernel.__name__ = getattr(generic, "__name__", "kernel")
        kernel.__wrapped__ = generic
        kentry.fn = kernel
    entry._recompute()
