"""The factories' ``out=`` overloads (``zeros.out``, ``rand.out``, ``randint.low_out``,
``normal.Tensor_float_out``...), as PyTorch 2.13 declares and dispatches them.

Most are CompositeExplicitAutograd kernels that resize ``out`` (``resize_``, which keeps its
strides when the size is already right, and warns about nothing) and fill it: a mode sees the
one op, and ``out`` counts one version.  ``empty.out``, ``randn.out`` and the ``generator_out``
of ``rand``/``randn`` are CompositeImplicitAutograd, so a mode sees their ``resize_`` and the
fill.  The ``normal`` overloads with tensor arguments broadcast like their functional forms
(``resize_output``, with its warning), ``arange`` and ``linspace`` resize only a tensor with
the wrong number of elements.  PyTorch's derivatives.yaml lists none of the factories, so
their refusal of an ``out`` that requires grad names ``aten::<op>``; the ``normal`` ones with
tensor arguments have formulas and name ``normal``.

``scalar_tensor.out``, ``empty_strided.out`` and the ``*_like`` ``out=`` overloads are ones
PyTorch generates (``_copy_out``): the functional op's result, ``out`` resized to it, its
dtype checked, then copied in; a mode sees the one ``.out`` op.
"""
from __future__ import annotations

import numpy as np

from ._copy_out import copy_out_variant
from ._defop import defop
from ._ops_registry import aten
from ._util import broadcast_error, warn_user
from ._variants import resize_out
from . import factories as _f, random as _r
from .factories import _arange_size, _arange_values, _check_size, _eye_check
from .random import SEEDED, _check_std_tensor, _g, randperm_into

_GEN = "Generator? generator, "


def _out_op(schema, tags=(), listed=False):
    """Declare an ``out=`` overload (``listed``: its functional form has a derivatives.yaml
    entry, so the Autograd kernel's message names the op without ``aten::``)."""
    d = defop(schema, tags=tags)
    if not listed:
        d.out_error_name = d.schema.name  # ("aten::zeros")
    return d


def _explicit(d, fn):
    d.explicit(fn)
    return d


def _resize(out, size):
    return aten.resize_.default(out, list(size))


# ---- empty, zeros, ones, full -------------------------------------------------------------------
empty_out = _out_op("empty.out(SymInt[] size, *, MemoryFormat? memory_format=None, "
                    "Tensor(a!) out) -> Tensor(a!)")


@empty_out.composite
def _(size, *, memory_format=None, out):
    if memory_format is not None:
        raise RuntimeError("'memory_format' argument is incompatible with 'out' tensor argument")
    _check_size(size)
    return _resize(out, size)


zeros_out = _explicit(_out_op("zeros.out(SymInt[] size, *, Tensor(a!) out) -> Tensor(a!)"),
                      lambda size, *, out: aten.zero_.default(_resize(out, size)))
ones_out = _explicit(_out_op("ones.out(SymInt[] size, *, Tensor(a!) out) -> Tensor(a!)"),
                     lambda size, *, out: aten.fill_.Scalar(_resize(out, size), 1))
full_out = _explicit(_out_op("full.out(SymInt[] size, Scalar fill_value, *, Tensor(a!) out) "
                             "-> Tensor(a!)"),
                     lambda size, fill_value, *, out: aten.fill_.Scalar(_resize(out, size),
                                                                         fill_value))


# ---- eye ----------------------------------------------------------------------------------------
def _eye_into(out, n, m):
    _eye_check(n, m)
    aten.zero_.default(_resize(out, (n, m)))
    if out._np is not None:
        i = np.arange(min(n, m))
        out._np[i, i] = 1
    return out


eye_out = _explicit(_out_op("eye.out(SymInt n, *, Tensor(a!) out) -> Tensor(a!)"),
                    lambda n, *, out: _eye_into(out, n, n))
eye_m_out = _explicit(_out_op("eye.m_out(SymInt n, SymInt m, *, Tensor(a!) out) -> Tensor(a!)"),
                      lambda n, m, *, out: _eye_into(out, n, m))


# ---- arange -------------------------------------------------------------------------------------
arange_start_out = _out_op("arange.start_out(Scalar start, Scalar end, Scalar step=1, *, "
                           "Tensor(a!) out) -> Tensor(a!)")


@arange_start_out.explicit
def _(start, end, step=1, *, out):
    size = _arange_size(start, end, step, out.dtype)
    numel = out.numel()
    if numel != size:
        if numel > 0:
            warn_user(f"The number of elements in the out tensor of shape "
                      f"[{', '.join(map(str, out.shape))}] is {numel} which does not match the "
                      f"computed number of elements {size}. Note that this may occur as a "
                      "result of rounding error. The out tensor will be resized to a tensor of "
                      f"shape ({size},).")
        _resize(out, [size])
    if out._np is not None:
        # (in the logical order of ``out``, whatever its shape and strides)
        out._np[...] = _arange_values(start, step, size, out.dtype).reshape(out._np.shape)
    return out


arange_out = _explicit(_out_op("arange.out(Scalar end, *, Tensor(a!) out) -> Tensor(a!)"),
                       lambda end, *, out: aten.arange.start_out(0, end, 1, out=out))


# ---- rand, randn: resize_ then uniform_ / normal_ ------------------------------------------------
def _sampler_out(name, fill, explicit_plain):
    """``<name>.out`` and ``<name>.generator_out`` (``explicit_plain``: the first is a
    CompositeExplicitAutograd kernel; the rest are decompositions a mode sees through)."""
    ops = []
    for ov, gen in (("out", ""), ("generator_out", _GEN)):
        d = _out_op(f"{name}.{ov}(SymInt[] size, *, {gen}Tensor(a!) out) -> Tensor(a!)", SEEDED)

        def kernel(size, *, generator=None, out):
            return fill(_resize(out, size), generator)
        (d.explicit if explicit_plain and not gen else d.composite)(kernel)
        ops.append(d)
    return ops


rand_out, rand_generator_out = _sampler_out(
    "rand", lambda t, g: aten.uniform_.default(t, 0.0, 1.0, generator=g), True)
randn_out, randn_generator_out = _sampler_out(
    "randn", lambda t, g: aten.normal_.default(t, 0.0, 1.0, generator=g), False)


# ---- randint: resize_ then random_(low, high) ----------------------------------------------------
def _randint_out(ov, low, gen):
    d = _out_op(f"randint.{ov}({'SymInt low, ' if low else ''}SymInt high, SymInt[] size, *, "
                f"{_GEN if gen else ''}Tensor(a!) out) -> Tensor(a!)", SEEDED)

    @d.explicit
    def _(*args, generator=None, out):
        lo, hi, size = args if low else (0,) + args
        return aten.random_.__getattr__("from")(_resize(out, size), lo, hi, generator=generator)
    return d


RANDINT_OUT = {(low, gen): _randint_out(ov, low, gen) for ov, low, gen in (
    ("out", False, False), ("generator_out", False, True), ("low_out", True, False),
    ("low_generator_out", True, True))}


# ---- randperm ------------------------------------------------------------------------------------
randperm_generator_out = _explicit(
    _out_op(f"randperm.generator_out(SymInt n, *, {_GEN}Tensor(a!) out) -> Tensor(a!)", SEEDED),
    lambda n, *, generator=None, out: randperm_into(out, n, generator))
randperm_out = _explicit(
    _out_op("randperm.out(SymInt n, *, Tensor(a!) out) -> Tensor(a!)", SEEDED),
    lambda n, *, out: aten.randperm.generator_out(n, generator=None, out=out))


# ---- normal --------------------------------------------------------------------------------------
_NORMAL_KW = "*, Generator? generator=None, Tensor(a!) out) -> Tensor(a!)"
normal_float_float_out = _out_op(
    f"normal.float_float_out(float mean, float std, SymInt[] size, {_NORMAL_KW}", SEEDED)
normal_tensor_float_out = _out_op(
    f"normal.Tensor_float_out(Tensor mean, float std=1., {_NORMAL_KW}", SEEDED, listed=True)
normal_float_tensor_out = _out_op(
    f"normal.float_Tensor_out(float mean, Tensor std, {_NORMAL_KW}", SEEDED, listed=True)
normal_tensor_tensor_out = _out_op(
    f"normal.Tensor_Tensor_out(Tensor mean, Tensor std, {_NORMAL_KW}", SEEDED, listed=True)


@normal_float_float_out.explicit
def _(mean, std, size, *, generator=None, out):
    return aten.normal_.default(_resize(out, size), mean, std, generator=generator)


def _infer_size(a, b):
    try:
        return np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        raise broadcast_error((tuple(a), tuple(b))) from None


def _check_std(std):
    if std.dtype.is_complex:
        raise RuntimeError("normal expects standard deviation to be non-complex")
    _check_std_tensor(std)


# (PyTorch's normal_out_impl: ``out`` sized by broadcasting, standard draws in it, then scaled
# and shifted in place; a float ``std`` scales the draws, a float ``mean`` is a 0-d tensor)
@normal_tensor_float_out.explicit
def _(mean, std=1.0, *, generator=None, out):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    resize_out(out, _infer_size(mean.shape, out.shape))
    aten.normal_.default(out, 0.0, std, generator=generator)
    return aten.add_.Tensor(out, mean)


@normal_float_tensor_out.explicit
def _(mean, std, *, generator=None, out):
    _check_std(std)
    resize_out(out, _infer_size((), std.shape))
    aten.normal_.default(out, 0.0, 1.0, generator=generator)
    return aten.add_.Tensor(aten.mul_.Tensor(out, std),
                            aten.full.default([], mean, dtype=out.dtype, device=out.device))


@normal_tensor_tensor_out.explicit
def _(mean, std, *, generator=None, out):
    _check_std(std)
    resize_out(out, _infer_size(mean.shape, std.shape))
    aten.normal_.default(out, 0.0, 1.0, generator=generator)
    return aten.add_.Tensor(aten.mul_.Tensor(out, std), mean)


# ---- generated out= forms: scalar_tensor, empty_strided, the *_like factories -------------------
_MF_OUT = "MemoryFormat? memory_format=None, Tensor(a!) out) -> Tensor(a!)"
scalar_tensor_out = copy_out_variant(
    _f.scalar_tensor, "scalar_tensor.out(Scalar s, *, Tensor(a!) out) -> Tensor(a!)")
empty_strided_out = copy_out_variant(
    _f.empty_strided, "empty_strided.out(SymInt[] size, SymInt[] stride, *, Tensor(a!) out) "
                      "-> Tensor(a!)")
LIKE_OUT = {name: copy_out_variant(d, f"{name}.out(Tensor self, {extra}*, {_MF_OUT}")
            for name, d, extra in (("empty_like", _f.empty_like, ""),
                                   ("zeros_like", _f.zeros_like, ""),
                                   ("ones_like", _f.ones_like, ""),
                                   ("full_like", _f.full_like, "Scalar fill_value, "))}
for _name, (_plain, _with_gen), _extra in (("rand_like", _r.rand_like, ""),
                                           ("randn_like", _r.randn_like, ""),
                                           ("randint_like", _r.randint_like, "SymInt high, ")):
    LIKE_OUT[_name] = copy_out_variant(_plain, f"{_name}.out(Tensor self, {_extra}*, {_MF_OUT}")
    LIKE_OUT[_name + ".generator"] = copy_out_variant(
        _with_gen, f"{_name}.generator_out(Tensor self, {_extra}*, Generator? generator, "
                   f"{_MF_OUT}")
