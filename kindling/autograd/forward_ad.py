"""Forward-mode AD: dual tensors carry a tangent; every op also computes its output tangent.

    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)
        y = f(x)
        jvp = fwAD.unpack_dual(y).tangent

Tangents live on tensors (``_fw_grads``: level -> tangent).  While a level is open the Autograd
kernels take their slow path (``run_with_jvp``), which evaluates the op's forward formula
(``result=`` in its ``derivative`` declaration) over primals ``<arg>_p`` and tangents
``<arg>_t``.  ``auto_element_wise`` reuses the backward formulas with ``grad`` set to the
tangent; ``auto_linear`` applies the op itself to the tangents.
"""
from __future__ import annotations

import ast
import weakref
from collections import namedtuple

from .._tensor import Tensor
from . import _formulas
from .derivatives import FW

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual",
           "unpack_dual", "dual_level"]

_current_level = -1
_dual_tensors: list = []   # weakrefs to tensors holding a tangent at the current level


def enter_dual_level():
    """Open a new forward AD level (only one at a time, as in PyTorch)."""
    global _current_level
    if _current_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _current_level = 0
    FW.active = True
    return _current_level


def exit_dual_level(*, level=None):
    """Close the level: every tangent set at it is dropped."""
    global _current_level
    if level is None:
        level = _current_level
    if level != _current_level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    for ref in _dual_tensors:
        t = ref()
        if t is not None and t._fw_grads is not None:
            t._fw_grads.pop(level, None)
            if not t._fw_grads:
                t._fw_grads = None
    _dual_tensors.clear()
    _current_level = -1
    FW.active = False


def get_tangent(t, level=0):
    d = t._fw_grads
    if d is None:
        return None
    return d.get(level)


def set_tangent(t, tangent, level=0):
    d = t._fw_grads
    if d is None:
        d = t._fw_grads = {}
    d[level] = tangent
    _dual_tensors.append(weakref.ref(t))


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` whose tangent is ``tangent`` (inside ``dual_level``)."""
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
    if tuple(tangent._size) != tuple(tensor._size):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            "original Tensor, this is not supported. Tensor is of size "
            f"[{', '.join(map(str, tensor._size))}] while the given forward gradient is of size "
            f"[{', '.join(map(str, tangent._size))}].")
    prev = FW.active
    FW.active = False
    try:
        dual = aten.alias.default(tensor)
    finally:
        FW.active = prev
    set_tangent(dual, tangent, level)
    return dual


UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)``: a view of ``tensor`` without tangent, and its tangent (or None)."""
    from .._aten._ops_registry import aten
    if level is None:
        level = _current_level
    if level < 0:
        return UnpackedDualTensor(tensor, None)
    prev = FW.active
    FW.active = False
    try:
        primal = aten.alias.default(tensor)
    finally:
        FW.active = prev
    return UnpackedDualTensor(primal, get_tangent(tensor, level))


class dual_level:
    """Context manager opening (and closing) a forward AD level."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()


# ---- jvp formulas -----------------------------------------------------------------------------
_HELPERS = {k: v for k, v in vars(_formulas).items() if not k.startswith("__")}


class JvpFormula:
    def __init__(self, spec, src):
        self.spec = spec
        self.kind = src if src in ("auto_element_wise", "auto_linear") else "formula"
        if self.kind != "formula":
            return
        if callable(src):
            import inspect
            self.fn = src
            self.params = tuple(inspect.signature(src).parameters)
            return
        known = set(spec.out_names) | {"result"}
        for n in spec.arg_types:
            known |= {n, n + "_p", n + "_t"}
        tree = ast.parse(src.strip(), mode="eval")
        params = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in known and node.id not in params:
                params.append(node.id)
        ns = dict(_HELPERS)
        exec(compile(f"def _jvp({', '.join(params)}):\n    return {src.strip()}\n",
                     "<jvp formula>", "exec"), ns)
        self.fn = ns["_jvp"]
        self.params = tuple(params)


def compile_jvp(spec, src):
    return JvpFormula(spec, src)


def _zeros_like(t):
    from .._aten._ops_registry import aten
    return aten.zeros_like.default(t)


def run_with_jvp(spec, vals, ks2, args, kwargs, run):
    """Run the op (``run()`` or a plain redispatch) and set its outputs' tangents."""
    level = _current_level
    tangents = {}
    for s in getattr(spec, "slots", ()):
        v = vals.get(s.name)
        if s.is_list:
            ts = [get_tangent(x, level) if isinstance(x, Tensor) else None for x in (v or ())]
            if any(t is not None for t in ts):
                tangents[s.name] = ts
        elif isinstance(v, Tensor):
            t = get_tangent(v, level)
            if t is not None:
                tangents[s.name] = t
    if run is None:
        from .derivatives import _run_below
        out = _run_below(spec.entry.table, ks2, args, kwargs)
    else:
        out = run()
    if not tangents or level < 0:
        return out
    if spec.mode != "formula" or spec.jvp is None:
        if spec.mode == "nondiff":
            return out
        raise NotImplementedError(f"Trying to use forward AD with {spec.entry.name} that does "
                                  "not support it.")
    outs = list(out) if spec.multi else [out]
    res = _eval_jvp(spec, vals, tangents, outs)
    if not isinstance(res, (list, tuple)):
        res = [res]
    for o, t in zip(outs, res):
        if isinstance(o, Tensor) and t is not None and (o.dtype.is_floating_point or
                                                         o.dtype.is_complex):
            if tuple(t._size) != tuple(o._size):
                t = t.expand(list(o._size))
            if t.dtype is not o.dtype:
                t = t.to(o.dtype)
            set_tangent(o, t, level)
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
            if p.endswith("_t") and p[:-2] in spec.arg_types:
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
