"""How the Autograd kernel of an ``out=`` overload treats inputs that require grad.

PyTorch's codegen gives ``out=`` overloads one of three behaviours, by what derivatives.yaml
says about the functional form (the overload with the same arguments, less the outputs):

* listed with formulas (``add.out``, ``mm.out``): any differentiable input or output that
  requires grad is refused, "add(): functions with out=... arguments don't support automatic
  differentiation...";
* listed as not differentiable (``eq.Tensor_out``, ``argmax.out``): the op just runs;
* not listed (``diag_embed.out``, the factories' ``zeros.out``): autogradNotImplementedFallback.
  The op runs and its outputs get a ``NotImplemented`` node whose edges are the tensors that
  require grad (outputs included); only an output that could not be modified in place (a leaf
  that requires grad, a view of one, a view made in no_grad mode) is refused, naming the op
  ``aten::diag_embed``.  Forward AD is refused before the op runs.
"""
from __future__ import annotations

from .._dispatcher import operator as _opreg
from .._dispatcher.tags import Tag
from .._dispatcher.tls import state as _tls
from .._tensor import Tensor


# (PyTorch's DONT_REQUIRE_DERIVATIVE names among ops with ``out=`` forms: their generated
# kernels only redispatch, whatever derivatives.yaml says)
DONT_REQUIRE_DERIVATIVE = frozenset({
    "empty_like", "ones_like", "full_like", "zeros_like", "rand_like", "randn_like",
    "__lshift__", "__rshift__", "argmax", "argmin", "argsort", "searchsorted", "bucketize",
    "isnan", "isposinf", "isneginf", "isinf", "signbit", "isin", "logical_and", "logical_xor",
    "logical_not", "logical_or"})

# Functional forms derivatives.yaml lists with ``output_differentiability: [False]`` that the
# op library declares without a derivative (their functional kernels behave the same).
_OUTPUTS_NOT_DIFFERENTIABLE = frozenset({"all", "any", "eq", "ne", "lt", "le", "gt", "ge"})

# Functional forms whose every input derivatives.yaml marks ``non_differentiable``: forward AD
# through their out= form only refuses a tangent on the output.
_INPUTS_NOT_DIFFERENTIABLE = frozenset("special_" + n for n in (
    "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "spherical_bessel_j0",
    "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
    "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
    "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
    "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
    "laguerre_polynomial_l", "legendre_polynomial_p"))


def out_autograd_kind(opdef):
    """How the Autograd kernel of the ``out=`` overload ``opdef`` treats tensors that require
    grad: ``"formula"`` (refused), ``"nondiff"`` (ignored), ``"inputs_nondiff"`` (ignored, and
    forward AD looks at the outputs only) or ``"not_implemented"`` (the fallback's way)."""
    base = opdef.schema.name.split("::")[-1]
    if base in DONT_REQUIRE_DERIVATIVE:
        return "nondiff"
    if getattr(opdef, "out_error_name", None) or Tag.generated in opdef.entry.tags:
        # (the codegen pairs no derivatives.yaml entry with ``autogen`` out= overloads)
        return "not_implemented"
    if base in _INPUTS_NOT_DIFFERENTIABLE:
        return "inputs_nondiff"
    if base in _OUTPUTS_NOT_DIFFERENTIABLE:
        return "nondiff"
    f = getattr(opdef, "functional", None) or _functional_of(opdef)
    if f is None:
        return "formula"
    if f.derivatives is not None:
        diff = getattr(f, "output_differentiability", None)
        return "nondiff" if diff is not None and not any(diff) else "formula"
    return "nondiff" if f.nondiff else "not_implemented"


def outputs_fw_grad(opdef):
    """``(args, kwargs) -> bool``: whether an output of ``opdef`` has a tangent."""
    from .derivatives import _any_fw_grad
    names = frozenset(a.name for a in opdef.schema.arguments if a.is_out)

    def any_output_fw_grad(args, kwargs):
        return _any_fw_grad((), {k: v for k, v in kwargs.items() if k in names})
    return any_output_fw_grad


def _signature(d):
    return [(a.name, str(a.type)) for a in d.schema.arguments if not a.is_out]


def _functional_of(opdef):
    """The overload PyTorch's codegen pairs with ``opdef``: same name, same arguments less the
    outputs, no outputs itself, mutating nothing."""
    from .._aten._defop import get_opdef
    base = opdef.schema.name
    sig = _signature(opdef)
    for overload in _opreg.overloads_of(base):
        d = get_opdef(f"{base[6:]}.{overload or 'default'}")
        if d is not None and d is not opdef and not d.schema.is_mutable and \
                _signature(d) == sig:
            return d
    return None


def not_implemented_out_kernel(opdef):
    """The Autograd kernel of an ``out=`` overload PyTorch's derivatives.yaml does not list
    (autogradNotImplementedFallback's behaviour, see the module docstring)."""
    from .derivatives import (BELOW_AUTOGRAD, DEFAULT, FW, NotImplementedNode, _any_fw_grad,
                              _edge, _out_error, _run_below, grad_fn_of, is_differentiable_dtype,
                              next_seq, rebase_history, requires_grad)
    table = opdef.entry.table
    name = opdef.schema.name  # ("aten::diag_embed")
    mutable = [i for i, a in enumerate(opdef.schema.arguments) if a.is_write]
    mutable_names = {opdef.schema.arguments[i].name for i in mutable}

    def can_mutate(t):
        # (PyTorch's can_mutate_inplace, when something requires grad)
        base, vm = t._base, t._view_meta
        if base is not None and vm is not None and is_differentiable_dtype(t.dtype):
            return vm[1] == DEFAULT and not (requires_grad(t) and grad_fn_of(base) is None)
        return not (t._requires_grad and grad_fn_of(t) is None)

    def kernel(ks, *args, **kwargs):
        if FW.active and _any_fw_grad(args, kwargs):
            raise NotImplementedError(f"Trying to use forward AD with {name} that does not "
                                      "support it.")
        needing = []
        if _tls.grad_enabled:
            for v in _tensors(args, kwargs):
                if requires_grad(v):
                    needing.append(v)
        ks2 = ks & BELOW_AUTOGRAD
        if not needing:
            return _run_below(table, ks2, args, kwargs)
        written = [a for i, a in enumerate(args) if i in mutable]
        written += [v for k, v in kwargs.items() if k in mutable_names]
        for t in _tensors(written, None):
            if not can_mutate(t):
                _out_error(name)
        node = NotImplementedNode.__new__(NotImplementedNode)
        node._next = tuple(_edge(t) for t in needing)
        node._seq = next_seq()
        node._hk = None
        node._opname = name
        out = _run_below(table, ks2, args, kwargs)
        outs = [o for o in (out if isinstance(out, (tuple, list)) else (out,))
                if isinstance(o, Tensor) and is_differentiable_dtype(o.dtype)]
        node._meta = [(o._size, o.dtype, o._device) for o in outs]
        for i, o in enumerate(outs):
            rebase_history(o, node, i)
        return out
    kernel.__name__ = f"autograd_not_implemented_{name.split('::')[-1]}_out"
    return kernel


def _tensors(args, kwargs):
    for a in list(args) + (list(kwargs.values()) if kwargs else []):
        if isinstance(a, Tensor):
            yield a
        elif type(a) in (list, tuple):
            for t in a:
                if isinstance(t, Tensor):
                    yield t
