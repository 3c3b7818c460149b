"""Forward-mode AD: dual tensors carry a tangent; every op also computes its output tangent.

    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)
        y = f(x)
        jvp = fwAD.unpack_dual(y).tangent

Where tangents live and how views and in-place ops share them is ``_fw_grad``'s business.
While a level is open the Autograd kernels take their slow path (``run_with_jvp``,
``run_inplace_with_jvp``), which evaluates the op's forward formula (``result=`` in its
``derivative`` declaration) over primals ``<arg>_p`` and tangents ``<arg>_t``.
``auto_element_wise`` reuses the backward formula with ``grad`` set to the (conjugated)
tangent; ``auto_linear`` applies the op itself to the tangents.  An in-place op's own formula
(``fill_``: ``self_t.fill_(0)``) changes ``self_t`` in place; one borrowed from the functional
form is computed from the value before the op and copied into the existing tangent.
"""
from __future__ import annotations

from collections import namedtuple

from .._tensor import Tensor
from . import _formulas, _fw_grad
from ._fw_grad import fw_grad, set_fw_grad
from .derivatives import FW, compile_expression
from .grad_mode import _DecoratorContextManager

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual",
           "unpack_dual", "dual_level"]

_current_level = -1


def enter_dual_level():
    """Enter a new forward grad level (only one can be open at a time, as in PyTorch); the
    level's tangents are dropped when it is exited."""
    global _current_level
    new_level = _fw_grad.enter_level()
    if new_level != _current_level + 1:
        raise RuntimeError("Entering a new forward AD level but the current level is not "
                           "valid. Make sure you did not modify it directly.")
    _current_level = new_level
    return new_level


def exit_dual_level(*, level=None):
    """Exit the forward grad level ``level`` (the current one): every tangent set at it is
    dropped."""
    global _current_level
    if level is None:
        level = _current_level
    if level != _current_level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    _fw_grad.exit_level(level=level)
    _current_level = level - 1


def get_tangent(t, level=0):
    """``t``'s tangent at ``level`` (None when it has none)."""
    return fw_grad(t, level)


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` carrying ``tangent`` (as-is when it has the primal's layout,
    else a copy with it) for forward-mode AD, inside ``dual_level``."""
    from .._aten._ops_registry import aten
    if level is None:
        level = _current_level
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    if not (tensor.dtype.is_floating_point or tensor.dtype.is_complex):
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not (tangent.dtype.is_floating_point or tangent.dtype.is_complex):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    return aten._make_dual.default(tensor, tangent, level)


UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = ("Namedtuple returned by :func:`unpack_dual` containing the "
                              "primal and tangent components of the dual tensor.")


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)``: a view of ``tensor``'s primal and its tangent as-is (None when
    it has none)."""
    from .._aten._ops_registry import aten
    if level is None:
        level = _current_level
    if level < 0:
        return UnpackedDualTensor(tensor, None)
    primal, tangent = aten._unpack_dual.default(tensor, level)
    return UnpackedDualTensor(primal, tangent)


class dual_level(_DecoratorContextManager):
    """Context manager (and decorator) opening and closing a forward AD level."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()


_is_fwd_grad_enabled = _fw_grad.is_fwd_grad_enabled


class _set_fwd_grad_enabled(_DecoratorContextManager):
    """Set this thread's forward grad mode, restoring the previous one on exit."""

    def __init__(self, mode):
        self.prev = _is_fwd_grad_enabled()
        _fw_grad.set_fwd_grad_enabled(mode)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _fw_grad.set_fwd_grad_enabled(self.prev)


# ---- jvp formulas -----------------------------------------------------------------------------
class JvpFormula:
    """An op's compiled forward formula.  ``tangent_inputs``: the inputs whose tangents it
    reads (PyTorch's required_inputs_fw_grad): it runs only when one of them has a tangent."""

    def __init__(self, spec, src):
        self.spec = spec
        self.kind = src if src in ("auto_element_wise", "auto_linear") else "formula"
        if self.kind != "formula":
            self.tangent_inputs = None  # (all differentiable inputs)
            return
        if callable(src):
            import inspect
            self.fn = src
            self.params = tuple(inspect.signature(src).parameters)
        else:
            known = set(spec.out_names) | {"result", "self_t_raw", "original_self_p"}
            for n in spec.arg_types:
                known |= {n, n + "_p", n + "_t"}
            self.fn, self.params = compile_expression(src, known, "<jvp formula>")
        used = {p[:-2] for p in self.params if p.endswith("_t") and p[:-2] in spec.arg_types}
        if "self_t_raw" in self.params:  # (an in-place formula reading self's own tangent)
            used.add("self")
        self.tangent_inputs = frozenset(used)


def compile_jvp(spec, src):
    return JvpFormula(spec, src)


def _zeros_like(t):
    from .._aten._ops_registry import aten
    return aten.zeros_like.default(t)


def _cpp_name(spec):
    """The op's C++ function name (``add`` for aten::add.Tensor, ``add_`` for add_.Tensor)."""
    return spec.opname


def not_implemented_error(spec):
    """The error for an op without a forward formula, in PyTorch's two wordings: a functional
    op first looks for a decomposition (and asks for a PR to derivatives.yaml), an op that
    modifies its arguments (``acosh_``, whose own formula is ``not_implemented``) refuses
    forward AD outright."""
    end = "." if spec.schema.is_mutable else (
        " or submit a PR adding the implementation to derivatives.yaml")
    return NotImplementedError(
        f"Trying to use forward AD with {_cpp_name(spec)} that does not support it because it "
        "has not been implemented yet.\nPlease file an issue to PyTorch at "
        "https://github.com/pytorch/pytorch/issues/new?template=feature-request.yml so that we "
        f"can prioritize its implementation{end}")


def input_tangents(spec, vals, level):
    """Tangents of the op's differentiable inputs that have one: name -> tangent (a list,
    with None holes, for a tensor-list input)."""
    tangents = {}
    for s in spec.slots:
        v = vals.get(s.name)
        if s.is_list:
            ts = [fw_grad(x, level) if isinstance(x, Tensor) else None for x in (v or ())]
            if any(t is not None for t in ts):
                tangents[s.name] = ts
        elif isinstance(v, Tensor):
            t = fw_grad(v, level)
            if t is not None:
                tangents[s.name] = t
    return tangents


def _formula_applies(spec, tangents):
    """Whether the op's forward formula runs: one of the inputs it reads has a tangent."""
    used = spec.jvp.tangent_inputs
    return used is None or any(n in tangents for n in used)


def run_with_jvp(spec, vals, ks2, args, kwargs, run):
    """Run the op (``run()`` or a plain redispatch) and set its outputs' tangents."""
    level = _current_level
    spec.compile()
    tangents = input_tangents(spec, vals, level) if level >= 0 else {}
    if tangents and spec.mode != "nondiff" and (spec.mode != "formula" or spec.jvp is None) \
            and not spec.schema.is_mutable:
        # (a functional op without a formula fails before it runs: PyTorch looks for a jvp
        # decomposition instead of calling the kernel; mutating ops fail after, as there)
        raise not_implemented_error(spec)
    if run is None:
        from .derivatives import _run_below
        out = _run_below(spec.entry.table, ks2, args, kwargs)
    else:
        out = run()
    outs = list(out) if spec.multi else [out]
    if spec.is_view and level >= 0 and args and isinstance(args[0], Tensor):
        _fw_grad.mark_views(args[0], [o for o in outs if isinstance(o, Tensor)])
    if not tangents:
        return out
    if spec.mode != "formula" or spec.jvp is None:
        if spec.mode == "nondiff":
            return out
        raise not_implemented_error(spec)
    if not _formula_applies(spec, tangents):
        return out
    res = _eval_jvp(spec, vals, tangents, outs)
    if not isinstance(res, (list, tuple)):
        res = [res]
    for o, t in zip(outs, res):
        if isinstance(o, Tensor) and t is not None and (o.dtype.is_floating_point or
                                                         o.dtype.is_complex):
            set_fw_grad(o, _fit(t, o), level, False)
    return out


def aten_clone(t):
    from .._aten._ops_registry import aten
    from .grad_mode import no_grad
    with no_grad():
        return aten.clone.default(t)


def _without_fw(fn):
    prev = FW.active
    FW.active = False
    try:
        return fn()
    finally:
        FW.active = prev


def _fit(t, o):
    """A formula's tangent for output ``o``, brought to its size and dtype (a complex tangent
    of a real output is its real part, PyTorch's handle_r_to_c)."""
    prev = FW.active
    FW.active = False
    try:
        if tuple(t._size) != tuple(o._size):
            t = t.expand(list(o._size))
        if t.dtype is not o.dtype:
            if t.dtype.is_complex and not o.dtype.is_complex:
                t = t.real
            if t.dtype is not o.dtype:
                t = t.to(o.dtype)
        return t
    finally:
        FW.active = prev


def run_inplace_with_jvp(spec, fspec, vals, self_t, run):
    """Forward AD through an in-place op (``run()`` runs it, with its backward recording).

    With the op's own formula (``fill_``: ``self_t.fill_(0)``) ``self_t`` is the tangent of
    the modified tensor, or zeros, and the formula changes it in place; with the functional
    form's formula, ``self_p`` is the value before the op and the result is copied into the
    existing tangent (PyTorch's ``self_t_raw.copy_(formula)``), else becomes the tangent."""
    level = _current_level
    fspec.compile()
    tangents = input_tangents(fspec, vals, level)
    if not tangents:
        return run()
    if fspec.mode != "formula" or fspec.jvp is None:
        out = run()
        if fspec.mode == "nondiff":
            return out
        raise not_implemented_error(spec)
    if not _formula_applies(fspec, tangents):
        return run()
    exact = fspec is spec
    fvals = dict(vals)
    name = spec.self_name
    raw = fw_grad(self_t, level)
    if not exact:
        from .._aten._ops_registry import aten
        from .grad_mode import no_grad
        prev = FW.active
        FW.active = False
        try:
            with no_grad():
                fvals[name] = aten.clone.default(self_t)   # original_self_p
        finally:
            FW.active = prev
    if exact and "original_self_p" in getattr(fspec.jvp, "params", ()):
        # (an in-place formula reading self's value before the op: polygamma_)
        fvals["original_self_p"] = _without_fw(lambda: aten_clone(self_t))
    out = run()
    if exact:
        fvals[name] = self_t
    t = _eval_jvp(fspec, fvals, tangents, [self_t])
    if isinstance(t, (list, tuple)):
        t = t[0]
    if t is None:
        if raw is not None and not exact:
            # (PyTorch copies the functional formula's undefined result into the tangent)
            raise RuntimeError("Expected a proper Tensor but got None (or an undefined Tensor "
                               "in C++) for argument #1 'src'")
        return out
    if raw is not None:
        if t is not raw:
            prev = FW.active
            FW.active = False
            try:
                raw.copy_(t)
            finally:
                FW.active = prev
    elif self_t.dtype.is_floating_point or self_t.dtype.is_complex:
        # (kept in its own dtype, as PyTorch keeps it: copy_ from a double tangent gives a
        # float tensor a double tangent)
        if tuple(t._size) != tuple(self_t._size):
            t = _without_fw(lambda: t.expand(list(self_t._size)))
        set_fw_grad(self_t, t, level, True)
    return out


def _eval_jvp(spec, vals, tangents, outs):
    j = spec.jvp
    prev = FW.active
    FW.active = False   # tangent computations carry no tangents themselves
    try:
        if j.kind == "auto_linear":
            return _auto_linear(spec, vals, tangents)
        if j.kind == "auto_element_wise":
            # the backward formula applied to the conjugate tangent, then conjugated (the
            # Jacobian of an element-wise op is diagonal: J t = conj(conj(t) J))
            total = None
            for s in spec.slots:
                if s.name not in tangents:
                    continue
                t = _formulas.conj(tangents[s.name])
                env = {"grad": t, "grads": [t]}
                for i, n in enumerate(spec.out_names):
                    env[n] = outs[i] if i < len(outs) else None
                r = s.formula.fn(*[env[p] if p in env else vals.get(p) if p in vals
                                   else spec.derived(p, vals) for p in s.formula.params])
                if s.formula.r_to_c:
                    r = _formulas.handle_r_to_c(vals.get(s.name), r)
                r = _formulas.conj(r)
                total = r if total is None else total + r
            return total
        env = {}
        for p in j.params:
            if p == "self_t_raw":   # self's tangent as it is (None when it has none)
                env[p] = tangents.get("self")
            elif p.endswith("_t") and p[:-2] in spec.arg_types:
                n = p[:-2]
                t = tangents.get(n)
                if t is None:
                    v = vals.get(n)
                    if isinstance(v, Tensor):
                        t = _zeros_like(v)
                    elif isinstance(v, (list, tuple)):
                        t = [_zeros_like(x) for x in v]
                    else:
                        t = 0  # a Python number has no tangent
                elif isinstance(t, list):
                    t = [x if x is not None else _zeros_like(v) for x, v in zip(t, vals.get(n))]
                env[p] = t
            elif p.endswith("_p") and p[:-2] in spec.arg_types:
                env[p] = vals.get(p[:-2])
            elif p in spec.out_names or p == "result":
                env[p] = outs[spec.out_names.index(p)] if p in spec.out_names else outs[0]
            else:
                env[p] = vals.get(p)
        return j.fn(*[env[p] for p in j.params])
    finally:
        FW.active = prev


def _auto_linear(spec, vals, tangents):
    call = {}
    for n in spec.pos_names + [a.name for a in spec.schema.arguments if a.kwarg_only]:
        if n not in vals:
            continue
        v = vals[n]
        if n in tangents:
            t = tangents[n]
            if isinstance(t, list):
                t = [x if x is not None else _zeros_like(p) for x, p in zip(t, v)]
            call[n] = t
        elif any(s.name == n for s in spec.slots):
            call[n] = [_zeros_like(x) for x in v] if isinstance(v, (list, tuple)) else \
                _zeros_like(v) if isinstance(v, Tensor) else v
        else:
            call[n] = v
    pos = [call[n] for n in spec.pos_names if n in call]
    kw = {a.name: call[a.name] for a in spec.schema.arguments
          if a.kwarg_only and a.name in call}
    return spec.op(*pos, **kw)
