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

import ast
from collections import namedtuple

from .._aten._defop import JvpDecomposition
from .._tensor import Tensor
from . import _formulas, _fw_grad
from ._fw_grad import fw_grad, set_fw_grad
from ._cpp_order import cpp_order
from .derivatives import (FW, _DERIVED, _HELPER_NUMBERS, _NUMBER_TYPES, Formula,
                          _ScalarOperands, compile_expression)
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
        # (the order the outputs' tangents are set in, where it is not theirs: PyTorch's
        # codegen sorts per-output formulas by the outputs' names)
        self.set_order = getattr(src, "set_order", None)
        if isinstance(src, JvpDecomposition):
            self.kind, self.fn, self.tangent_inputs = "decomposition", src.fn, None
            return
        self.kind = src if src in ("auto_element_wise", "auto_linear") else "formula"
        if self.kind != "formula":
            self.tangent_inputs = None  # (all differentiable inputs)
            self.element_wise = {}      # (slot name -> its rewritten formula, compiled on use)
            return
        if callable(src):
            import inspect
            self.fn = src
            self.params = tuple(inspect.signature(src).parameters)
        else:
            known = set(spec.out_names) | {"result", "original_self_p"}
            for n in spec.arg_types:
                known |= {n, n + "_p", n + "_t", n + "_t_raw"}
            scalars = {n for n, t in spec.arg_types.items()
                       if t.base in _NUMBER_TYPES and not t.is_list} | _HELPER_NUMBERS
            self.fn, self.params = compile_expression(
                src, known, "<jvp formula>",
                lambda t: cpp_order(_ScalarOperands(scalars).visit(t), scalars))
        used = {p[:-2] for p in self.params if p.endswith("_t") and p[:-2] in spec.arg_types}
        # (``<arg>_t_raw``: the tangent as it is, None when missing - in-place formulas)
        used |= {p[:-6] for p in self.params if p.endswith("_t_raw")}
        self.tangent_inputs = frozenset(used)


def compile_jvp(spec, src):
    return JvpFormula(spec, src)


class _GradAsConjTangent(ast.NodeTransformer):
    def visit_Name(self, node):
        if node.id != "grad":
            return node
        return ast.Call(ast.Attribute(node, "conj", ast.Load()), [], [])


def _element_wise_formula(spec, slot):
    """``slot``'s backward formula as PyTorch's codegen makes an ``auto_element_wise`` forward
    formula of it: ``grad`` replaced by the conjugate tangent, ``grad.conj()``, so that the
    conjugation dispatches where C++ evaluates it among the operands (``grad * self.cos()``
    computes ``cos`` first).  None for a formula given as a function (its caller conjugates
    the tangent first)."""
    cache = spec.jvp.element_wise
    f = cache.get(slot.name, _UNREAD)
    if f is _UNREAD:
        f = None
        if slot.formula.fn.__name__ == "_formula":  # (compiled from text)
            tree = _GradAsConjTangent().visit(ast.parse(slot.formula.text.strip(), mode="eval"))
            scalars = {n for n, t in spec.arg_types.items()
                       if t.base in _NUMBER_TYPES and not t.is_list} | \
                {n + "_sym_numel" for n in spec.arg_types} | _HELPER_NUMBERS
            f = Formula(ast.unparse(tree), set(slot.formula.params) | {"grad"}, scalars,
                        () if slot.group else (slot.name,))
        cache[slot.name] = f
    return f



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
    if tangents and spec.jvp is not None and spec.jvp.kind == "decomposition":
        # (the decomposition's last op gave the output its tangent)
        from .grad_mode import no_grad
        with no_grad():
            return spec.jvp.fn(*args, **kwargs)
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
    pairs = zip(outs, res) if spec.jvp.set_order is None else \
        [(outs[i], res[i]) for i in spec.jvp.set_order]
    for o, t in pairs:
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
    the modified tensor, or zeros, and the formula changes it in place.  The functional form's
    formula is rewritten as PyTorch's codegen rewrites it: ``self`` before the op is
    ``original_self`` (a clone taken before the op, tangent included), ``result`` is the
    modified ``self``, and the result is copied into the existing tangent
    (``self_t_raw.copy_(formula)``), else becomes the tangent."""
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
    name = spec.self_name
    raw = fw_grad(self_t, level)
    if exact:
        fvals = dict(vals)
        if "original_self_p" in getattr(fspec.jvp, "params", ()):
            # (an in-place formula reading self's value before the op: polygamma_)
            fvals["original_self_p"] = _without_fw(lambda: aten_clone(self_t))
        out = run()
        fvals[name] = self_t
        t = _eval_jvp(fspec, fvals, tangents, [self_t], name)
    else:
        reads = _reads(fspec, name)
        original = None
        if reads.original:
            # PyTorch's ``original_self = self.clone()``: a dual clone, before the op
            from .._aten._ops_registry import aten
            original = aten.clone.default(self_t)
        out = run()
        t = _eval_outplace_formula_inplace(fspec, vals, tangents, self_t, name, reads,
                                           original)
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


class _Reads:
    """What a functional form's forward formula reads, as PyTorch's codegen records it:
    ``tangents`` (required_inputs_fw_grad), ``primals`` (required_inputs_primal, with
    ``self`` when the formula reads ``result``), ``original``: whether it reads ``self_p``
    (then ``self`` before the op is needed)."""

    __slots__ = ("tangents", "primals", "original", "result")


def _reads(fspec, name):
    r = _Reads()
    j = fspec.jvp
    slots = [s.name for s in fspec.slots]
    outs = set(fspec.out_names) | {"result"}
    if j.kind == "auto_linear":
        r.tangents, r.primals, r.result = set(slots), set(), False
    elif j.kind == "auto_element_wise":
        r.tangents = set(slots)
        r.primals = {s.name for s in fspec.slots if _reads_input(s)}
        r.result = any(p in outs for s in fspec.slots for p in s.formula.params)
    else:
        r.tangents = {n for n in slots if n + "_t" in j.params}
        r.primals = {n for n in slots if n + "_p" in j.params}
        r.result = any(p in outs for p in j.params)
    r.original = name in r.primals
    if r.result:
        r.primals = r.primals | {name}
    return r


def _eval_outplace_formula_inplace(fspec, vals, tangents, self_t, name, reads, original):
    """The functional form's formula for its in-place op, evaluated as PyTorch's rewritten
    one: inputs unpacked in schema order (self's tangent, or zeros), then ``original_self``'s
    tangent and primal; ``self_t``/``self_p`` read ``original_self``'s (or, without it, a
    clone of ``self_t`` when grad mode is on), ``result`` the modified ``self``."""
    from .grad_mode import is_grad_enabled
    j = fspec.jvp
    prev = FW.active
    FW.active = False
    try:
        env = {}
        for s in fspec.slots:
            n = s.name
            if n in reads.tangents:
                env[n + "_t"] = _input_tangent(vals.get(n), tangents.get(n), n == name)
            if n in reads.primals:
                env[n + "_p"] = _primal(vals.get(n))
        result = env.get(name + "_p")
        if original is not None:
            FW.active = prev
            ot = fw_grad(original, _current_level)
            FW.active = False
            env[name + "_t"] = ot if ot is not None else _zero_tangent(original)
            env[name + "_p"] = _primal(original)
        elif name + "_t" in env and is_grad_enabled():
            env[name + "_t"] = env[name + "_t"].clone()
        if j.kind == "auto_linear":
            return _auto_linear(fspec, vals, {n: env[n + "_t"] for n in reads.tangents})
        if j.kind == "auto_element_wise":
            return _element_wise_tangent(
                fspec, vals, [(s, env[s.name + "_t"], env.get(s.name + "_p"))
                              for s in fspec.slots], {n: result for n in fspec.out_names})
        args = []
        for p in j.params:
            if p in env:
                args.append(env[p])
            elif p in fspec.out_names or p == "result":
                args.append(result)
            elif p.endswith("_t") and p[:-2] in fspec.arg_types:
                args.append(_input_tangent(vals.get(p[:-2]), tangents.get(p[:-2])))
            else:
                args.append(vals.get(p))
        return j.fn(*args)
    finally:
        FW.active = prev


_UNREAD = object()


def _element_wise_tangent(spec, vals, items, outputs):
    """An ``auto_element_wise`` tangent: for each ``(slot, tangent, input)`` in ``items``, the
    slot's backward formula applied to the conjugate tangent, then conjugated (the Jacobian of
    an element-wise op is diagonal: J t = conj(conj(t) J)), summed. ``input`` is what the
    formula reads as the slot's input (``_UNREAD``: nothing); ``outputs`` names the results."""
    total = None
    for s, t, inp in items:
        f = _element_wise_formula(spec, s)
        if f is None:
            f, t = s.formula, _formulas.conj(t)
        env = {"grad": t, "grads": [t]}
        if inp is not _UNREAD:
            env[s.name] = inp
        env.update(outputs)
        r = f.fn(*[env[p] if p in env else vals.get(p) if p in vals
                   else spec.derived(p, vals) for p in f.params])
        if f.r_to_c:
            r = _formulas.handle_r_to_c(vals.get(s.name), r)
        r = _formulas.conj(r)
        total = r if total is None else total + r
    return total


def _eval_jvp(spec, vals, tangents, outs, inplace_self=None):
    j = spec.jvp
    prev = FW.active
    FW.active = False   # tangent computations carry no tangents themselves
    try:
        if j.kind == "auto_linear":
            return _auto_linear(spec, vals, tangents)
        if j.kind == "auto_element_wise":
            # (the input is read as its primal, as PyTorch rewrites ``self`` to ``self_p``)
            return _element_wise_tangent(
                spec, vals, [(s, tangents[s.name],
                              _primal(vals.get(s.name)) if _reads_input(s) else _UNREAD)
                             for s in spec.slots if s.name in tangents],
                {n: outs[i] if i < len(outs) else None for i, n in enumerate(spec.out_names)})
        env = {}
        params = set(j.params)
        # PyTorch's unpacking, input by input in schema order: the tangent (a zero tensor when
        # the input has none; zeros for an in-place op's own self), then the primal (an alias)
        for s in spec.slots:
            n = s.name
            if n + "_t" in params:
                env[n + "_t"] = _input_tangent(vals.get(n), tangents.get(n),
                                               n == inplace_self)
            if n + "_p" in params:
                env[n + "_p"] = _primal(vals.get(n))
        for p in j.params:
            if p in env:
                continue
            if p.endswith("_t_raw"):   # a tangent as it is (None when it has none)
                env[p] = tangents.get(p[:-6])
            elif p.endswith("_t") and p[:-2] in spec.arg_types:
                env[p] = _input_tangent(vals.get(p[:-2]), tangents.get(p[:-2]))
            elif p.endswith("_p") and p[:-2] in spec.arg_types:
                env[p] = vals.get(p[:-2])
            elif p in spec.out_names or p == "result":
                env[p] = outs[spec.out_names.index(p)] if p in spec.out_names else outs[0]
            else:
                env[p] = vals.get(p)
        return j.fn(*[env[p] for p in j.params])
    finally:
        FW.active = prev


_NUMBER_DTYPES = None


def _zero_tangent(v):
    """PyTorch's ``at::_efficientzerotensor(v.sizes(), v.options())`` for an input without a
    tangent (a Python number: the 0-d tensor it is wrapped in)."""
    from .._aten._ops_registry import aten
    from .._layout import strided
    if isinstance(v, Tensor):
        return aten._efficientzerotensor.default(list(v._size), dtype=v.dtype, layout=strided,
                                                 device=v.device)
    global _NUMBER_DTYPES
    if _NUMBER_DTYPES is None:
        from .. import _dtype
        _NUMBER_DTYPES = {bool: _dtype.bool, int: _dtype.int64, float: _dtype.float64,
                          complex: _dtype.complex128}
    from .._aten.zerotensor import mark_wrapped_number
    from .._device import device
    return mark_wrapped_number(aten._efficientzerotensor.default(
        [], dtype=_NUMBER_DTYPES[type(v)], layout=strided, device=device("cpu")))


def _input_tangent(v, t, inplace_self=False):
    """``<arg>_t`` for a formula: the input's tangent, else zeros of its size."""
    if isinstance(t, list):
        return [x if x is not None else _zero_tangent(e) for x, e in zip(t, v)]
    if t is not None:
        return t
    if isinstance(v, Tensor):
        if inplace_self:
            from .._aten._ops_registry import aten
            from .._layout import strided
            return aten.zeros.default(list(v._size), dtype=v.dtype, layout=strided,
                                      device=v.device)
        return _zero_tangent(v)
    if isinstance(v, (list, tuple)):
        return [_zero_tangent(x) for x in v]
    if type(v) in (bool, int, float, complex):
        return _zero_tangent(v)
    return 0


def _reads_input(slot):
    """Whether a backward formula reads its input (then the element-wise forward formula
    made from it unpacks the input's primal, as PyTorch's codegen finds ``self`` in it):
    the input itself, a value derived from it (``self_sym_sizes``...) or its dtype for
    ``handle_r_to_c``."""
    f = slot.formula
    if f.r_to_c:
        return True
    n = slot.name
    return any(p == n or (p.startswith(n + "_") and p[len(n):] in _DERIVED) for p in f.params)


def _primal(v):
    """PyTorch's ``toNonOptPrimal``: ``_fw_primal`` of a tensor, an alias without the tangent
    (a mode sees ``alias``); anything else as it is."""
    if isinstance(v, Tensor):
        from .._aten._ops_registry import aten
        return aten._fw_primal.default(v, 0)
    return v


def _auto_linear(spec, vals, tangents):
    call = {}
    for n in spec.pos_names + [a.name for a in spec.schema.arguments if a.kwarg_only]:
        if n not in vals:
            continue
        v = vals[n]
        if n in tangents:
            t = tangents[n]
            if isinstance(t, list):
                t = [x if x is not None else _zero_tangent(p) for x, p in zip(t, v)]
            call[n] = t
        elif any(s.name == n for s in spec.slots):
            call[n] = [_zero_tangent(x) for x in v] if isinstance(v, (list, tuple)) else \
                _zero_tangent(v) if isinstance(v, Tensor) else v
        else:
            call[n] = v
    pos = [call[n] for n in spec.pos_names if n in call]
    kw = {a.name: call[a.name] for a in spec.schema.arguments
          if a.kwarg_only and a.name in call}
    return spec.op(*pos, **kw)
