"""PyTorch's alias ops and the inverse hyperbolic functions.

An alias (``absolute`` for ``abs``, ``arctan2`` for ``atan2``, ``divide_`` for ``div_``...) is
a CompositeImplicitAutograd op of its own, with the schema of the op it names (as
``torch.ops.aten.absolute.default`` has), whose decomposition calls that op: a dispatch mode
sees ``abs``, autograd records ``AbsBackward0``.  ``positive`` returns its input itself, and
``fix`` is ``trunc``.

``acosh``, ``asinh`` and ``atanh`` are real pointwise ops (integers compute in the default
float dtype); their in-place forms record a node whose backward is not implemented, as in
PyTorch (``AcoshBackward1``).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ..testing import samples as S
from ._api import public
from ._defop import defop, get_opdef
from ._ops_registry import aten
from .pointwise import CORE_PW, unary_op

OPS = {}


# ---- inverse hyperbolic functions ----------------------------------------------------------------
def _not_implemented(what):
    """A backward formula that refuses, as derivatives.yaml's ``not_implemented(what)``."""
    def formula(grad):
        raise NotImplementedError(f"the derivative for '{what}' is not implemented.")
    formula.__name__ = f"not_implemented_{what.split()[-1]}"
    return formula


def _domain_samples(low, high):
    """Unary samples inside a function's domain (and one outside it, for its NaNs)."""
    def samples(dtype):
        r = dict(low=low, high=high) if dtype in S.FLOATS else {}
        for i, shape in enumerate([(), (5,), (2, 3), (0, 2)]):
            yield S.SampleInput(S.make_arr(shape, dtype, seed=i, **r))
        yield S.SampleInput(S.make_arr((3, 4), dtype, noncontig=True, **r))
        yield S.SampleInput(S.make_arr((4,), dtype, seed=9))
    return samples


acosh = unary_op("acosh", np.arccosh, int_to_float=True, samples=_domain_samples(1.1, 5),
                 tags=CORE_PW)
asinh = unary_op("asinh", np.arcsinh, int_to_float=True, tags=CORE_PW)
atanh = unary_op("atanh", np.arctanh, int_to_float=True, samples=_domain_samples(-0.9, 0.9),
                 tags=CORE_PW)
# (sqrt(x * y) = sqrt(x) * sqrt(y) holds for the real case only, as PyTorch's formula notes)
acosh.derivative(self="grad * ((self + 1).rsqrt() * (self - 1).rsqrt()).conj() "
                      "if self.is_complex() else grad * (self * self - 1).rsqrt()",
                 result="auto_element_wise")
asinh.derivative(self="grad * (self.pow(2) + 1).rsqrt().conj()", result="auto_element_wise")
atanh.derivative(self="grad * 1 / (1 - self.pow(2)).conj()", result="auto_element_wise")
for _f, _n in ((acosh, "acosh"), (asinh, "asinh"), (atanh, "atanh")):
    _f.inplace.derivative(f"{_n.title()}Backward1",
                          self=_not_implemented(f"inplace version of {_n}"))
    OPS[_n] = _f


# ---- aliases -------------------------------------------------------------------------------------
def _alias_schema(target, name):
    """``target``'s schema text under the alias ``name`` (``abs.out(...)`` -> ``absolute.out``)."""
    text = str(target._schema)[len("aten::"):]
    return name + text[len(target._schema.name) - len("aten::"):]


def alias_op(name, target):
    """Declare ``aten::<name>.<overload>``, an alias of the OpOverload ``target``."""
    d = defop(_alias_schema(target, name))  # (an alias's yaml entry lists no tags)

    def decomposition(*args, **kwargs):
        return target(*args, **kwargs)
    decomposition.__name__ = name
    d.composite(decomposition)
    source = get_opdef(str(target)[len("aten."):])
    if source is not None and source.sample_fn is not None and not d.schema.is_mutable:
        d.samples(source.sample_fn)
    OPS[str(d.op)[len("aten."):]] = d
    return d


def _overloads(packet_name, names):
    packet = getattr(aten, packet_name)
    return [getattr(packet, n) for n in names]


def alias_family(alias, target, functional=("default",), out=("out",), inplace=("default",),
                 function_inplace=False):
    """The alias ops of ``target``'s functional, ``out=`` and in-place overloads, exposed as
    ``kindling.<alias>`` / ``Tensor.<alias>`` and ``Tensor.<alias>_`` (also
    ``kindling.<alias>_`` where ``function_inplace``)."""
    fns = [alias_op(alias, o) for o in _overloads(target, functional + out)]
    if fns:
        public(alias, *fns)
    ins = [alias_op(alias + "_", o) for o in _overloads(target + "_", inplace)]
    if ins:
        public(alias + "_", *ins, function=function_inplace)


alias_family("absolute", "abs")
for _alias, _target in (("arccos", "acos"), ("arcsin", "asin"), ("arctan", "atan"),
                        ("arccosh", "acosh"), ("arcsinh", "asinh"), ("arctanh", "atanh"),
                        ("negative", "neg"), ("fix", "trunc")):
    alias_family(_alias, _target, function_inplace=True)
alias_family("arctan2", "atan2")
alias_family("divide", "div", functional=(), out=(),
             inplace=("Tensor", "Scalar", "Tensor_mode", "Scalar_mode"))
alias_family("multiply", "mul", functional=(), out=(), inplace=("Tensor", "Scalar"))
alias_family("subtract", "sub", functional=(), out=(), inplace=("Tensor", "Scalar"))
for _alias, _target in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
                        ("less_equal", "le"), ("not_equal", "ne")):
    alias_family(_alias, _target, functional=(), out=(), inplace=("Scalar", "Tensor"))
# the in-place function forms of the inverse hyperbolic functions
public("acosh_", acosh.inplace, method=False)
public("asinh_", asinh.inplace, method=False)
public("atanh_", atanh.inplace, method=False)


# ---- positive -----------------------------------------------------------------------------------
positive = defop("positive(Tensor(a) self) -> Tensor(a)", tags=("pointwise",))
OPS["positive"] = positive


@positive.composite
def _(self):
    if self.dtype is _dtype.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


public("positive", positive)
