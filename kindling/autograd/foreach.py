"""Autograd for the ``_foreach_*`` ops, derived from the per-tensor op's formulas.

PyTorch's codegen (torchgen's ``gen_foreach_derivativeinfo``) gives a foreach op the
derivatives of its *reference*, the per-tensor op of the same name whose arguments match
element for element: ``_foreach_mul.Scalar`` takes ``mul.Scalar``'s.  Each formula is then
evaluated once per element (``grad`` is ``grads[i]``, a list argument ``self`` is
``self[i]``, ``result`` is ``result[i]``), and so here: the reference's compiled formulas
are called per element with the arguments renamed positionally, as the codegen renames them.

* functional ops record ONE node for all outputs, named ``Foreach<Ref node><overload>``
  (``ForeachMulBackward1Scalar``) - a ``CppFunction`` in PyTorch, with no ``_saved_``
  attributes - with an edge per element of each differentiable list;
* in-place ops record one node per modified tensor, the reference's own (``ExpBackward0``),
  made before the op runs once and attached after (``derivatives.inplace_node``);
* forward AD runs the reference's tangent formula per element.

derivatives.yaml spells out a few foreach entries itself (``_EXPLICIT``), and some have none
(``_NO_DERIVATIVE``: their nodes raise in backward).
"""
from __future__ import annotations

from .._aten._defop import get_opdef
from .._tensor import Tensor
from .._dispatcher.keys import AUTOGRAD_BITS
from . import derivatives as D
from .graph import SavedVariable, _Node, _engine_state, next_seq

# derivatives.yaml's own _foreach_ entries: node name (its codegen numbers them per op) and
# the per-tensor op whose formulas they repeat, or formulas of their own (over one element)
_EXPLICIT = {
    "_foreach_div.List": ("ForeachDivBackward0", "div.Tensor"),
    "_foreach_pow.List": ("ForeachPowBackward0", "pow.Tensor_Tensor"),
    "_foreach_pow.ScalarList": ("ForeachPowBackward1", "pow.Tensor_Scalar"),
    "_foreach_pow.ScalarAndTensor": ("ForeachPowBackward2", "pow.Scalar"),
    "_foreach_norm.Scalar": ("ForeachNormBackward0", "norm.Scalar"),
    "_foreach_mm": ("ForeachMmBackward0", "mm.default"),
    "_foreach_minimum.Scalar": ("ForeachMinimumBackward0", {
        "self": "where(self == scalar, grad / 2, grad).masked_fill_(self > scalar, 0)"}),
    "_foreach_minimum.ScalarList": ("ForeachMinimumBackward1", {
        "self": "where(self == scalars, grad / 2, grad).masked_fill_(self > scalars, 0)"}),
    "_foreach_maximum.Scalar": ("ForeachMaximumBackward0", {
        "self": "where(self == scalar, grad / 2, grad).masked_fill_(self < scalar, 0)"}),
    "_foreach_maximum.ScalarList": ("ForeachMaximumBackward1", {
        "self": "where(self == scalars, grad / 2, grad).masked_fill_(self < scalars, 0)"}),
}
# the reference where it is not the op the kernel calls per element
_REFERENCE = {"_foreach_maximum.List": "maximum.default",
              "_foreach_minimum.List": "minimum.default"}
_REFERENCE_INPLACE = {"_foreach_zero_": "zero_.default"}
# no reference: their nodes raise in backward (gen_variable_type's
# _foreach_ops_without_differentiability_info, and functional forms generated without one)
_NO_DERIVATIVE = frozenset({
    "_foreach_addcmul.Tensor", "_foreach_addcdiv.Tensor", "_foreach_copy", "_foreach_zero",
    "_foreach_powsum.Scalar", "_foreach_addcmul_.Tensor", "_foreach_addcdiv_.Tensor",
    "_foreach_copy_", "_foreach_maximum_.Scalar", "_foreach_maximum_.ScalarList",
    "_foreach_minimum_.Scalar", "_foreach_minimum_.ScalarList"})


def _short(d):
    """``"_foreach_add.List"`` for an OpDef (the in-place form: ``"_foreach_add_.List"``)."""
    return d.entry.qualified[6:]


def _op_key(name):
    return name if "." in name else name + ".default"


def _ref_spec(ref):
    spec = D.spec_for(get_opdef(_op_key(ref)))
    spec.compile()
    return spec


class ForeachDerivatives:
    """A foreach op's formulas: per differentiable argument, the per-element formula and how
    each of its parameters is read from the call (foreach argument, element or not)."""

    def __init__(self, d):
        self.opdef = d
        schema = d.schema
        self.arg_types = {a.name: a.type for a in schema.arguments}
        self.arg_index = {a.name: i for i, a in enumerate(schema.arguments)}
        self.defaults = [a.default_value if a.has_default() else None
                         for a in schema.arguments]
        name = _short(d)
        ov = name.partition(".")[2]
        explicit = _EXPLICIT.get(name)
        fname = _short(d.functional) if schema.is_mutable else name
        ref = _REFERENCE_INPLACE.get(name) or _REFERENCE.get(fname, d.foreach.per_tensor)
        self.ref_spec = None
        if explicit is not None and isinstance(explicit[1], dict):
            self.node_name = explicit[0]
            known = set(self.arg_types) | {"grad"}
            scalars = {n for n, t in self.arg_types.items() if t.base == "Scalar"}
            self.slots = [(n, D.Formula(src, known, scalars), None)
                          for n, src in explicit[1].items()]
            self.rename = {n: n for n in self.arg_types}
            self.ref_defaults = {}
            return
        if explicit is not None:
            self.node_name, ref = explicit
        spec = self.ref_spec = _ref_spec(ref)
        if explicit is None:
            self.node_name = f"Foreach{spec.node_name}{ov}"
        # (the codegen pairs the arguments by position: ``lerp``'s ``end`` is ``tensors1``)
        ref_args = [a for a in spec.schema.arguments if not a.is_out]
        mine = [a for a in schema.arguments if not a.is_out]
        self.rename = {r.name: m.name for r, m in zip(ref_args, mine)}
        self.ref_defaults = {a.name: a.default_value for a in ref_args
                             if a.has_default() and a.name not in self.rename}
        self.slots = [(self.rename[s.name], s.formula, s.group) for s in spec.slots]

    def is_list(self, name):
        return self.arg_types[name].is_list

    def value(self, vals, name):
        return vals[self.arg_index[name]]


def _param_source(fd, p):
    """How parameter ``p`` of a per-element formula is read: ("grad",), ("result",),
    ("arg", foreach name, derived suffix or None), ("const", value)."""
    if p == "grad":
        return ("grad",)
    if p == "result":
        return ("result",)
    for suf in D._DERIVED:
        if p.endswith(suf) and p[:-len(suf)] in fd.rename:
            return ("arg", fd.rename[p[:-len(suf)]], suf)
    if p in fd.rename:
        return ("arg", fd.rename[p], None)
    if p in fd.ref_defaults:
        return ("const", fd.ref_defaults[p])
    raise NotImplementedError(f"{fd.opdef.entry.qualified}: formula parameter {p!r}")


class ForeachNode(_Node):
    """The one node of a functional ``_foreach_`` op (``CppFunction`` in PyTorch)."""

    __slots__ = ("_sv", "_ranges", "_n")
    _fd = None
    # (its backward evaluates aten formulas only: the engine runs it in formula mode, NumPy's
    # floating-point warnings off, as PyTorch computes inf and nan silently)
    _formula = True

    def _run(self, grads, needed=None):
        fd = self._fd
        out = [None] * len(self._next)
        if all(g is None for g in grads):
            return out
        sv = self._sv
        ex = None
        if needed is None:
            task = _engine_state.task
            if task is not None:
                ex = task.exec_info
        # saved values unpacked once, before any formula runs (as the generated apply does)
        unpacked = {k: D._saved_value(sv, k, self) for k in sv}
        n = self._n
        # the arguments' gradients in the alphabetical order of their names, as PyTorch's
        # generated nodes compute them
        for name, formula, group in sorted(fd.slots, key=lambda s: s[0]):
            start, stop = self._ranges[name]
            if needed is not None:
                want = any(needed[start:stop])
            else:
                want = any(e[0] is not None and (ex is None or e[0] in ex)
                           for e in self._next[start:stop])
            if not want:
                continue
            results = []
            for i in range(n):
                g = grads[i]
                if g is None:
                    results.append(None)
                    continue
                args = []
                for p, src in zip(formula.params, fd.sources[id(formula)]):
                    kind = src[0]
                    if kind == "grad":
                        args.append(g)
                    elif kind == "result":
                        args.append(unpacked["result"][i])
                    elif kind == "const":
                        args.append(src[1])
                    elif kind == "mask":
                        args.append([True] * len(group))
                    else:
                        v = unpacked[src[1]]
                        args.append(v[i] if src[3] else v)
                r = formula.fn(*args)
                if group is not None:
                    r = r[group.index(name_in_ref(fd, name))]
                results.append(r)
            if stop - start == len(results):
                for k, r in enumerate(results):
                    if formula.r_to_c and r is not None:
                        r = D.real_for_real_input(self, start + k, r)
                    out[start + k] = r
            else:  # (one tensor argument, ``other`` of ``_foreach_mul.Tensor``, and n > 1)
                raise RuntimeError("inconsistent range for TensorList output")
        return out

    def release_variables(self):
        for v in self._sv.values():
            for x in (v if type(v) is list else (v,)):
                if type(x) is SavedVariable:
                    x.release()


def name_in_ref(fd, name):
    for r, m in fd.rename.items():
        if m == name:
            return r
    return name


def _compile_sources(fd):
    """Per formula, where each parameter comes from, and the names the node saves: for a
    parameter ``self_sym_sizes`` of element-wise ``self`` the saved name is the parameter,
    holding one value per element."""
    fd.sources = {}
    fd.saved = {}   # saved name -> (foreach arg, derived suffix or None, is list)
    for name, formula, group in fd.slots:
        srcs = []
        for p in formula.params:
            if p == "grad_input_mask":
                srcs.append(("mask",))
                continue
            src = _param_source(fd, p)
            if src[0] == "arg":
                arg, suf = src[1], src[2]
                key = arg + (suf or "")
                is_list = fd.is_list(arg)
                fd.saved[key] = (arg, suf, is_list)
                src = ("arg", key, suf, is_list)
            srcs.append(src)
        fd.sources[id(formula)] = srcs


def _saved_getattr(self, name):
    """``_saved_<arg>`` of an explicit entry's node (tensor lists read back as tuples)."""
    if name.startswith("_saved_"):
        sv = object.__getattribute__(self, "_sv")
        key = name[len("_saved_"):]
        if key in sv:
            v = D._saved_value(sv, key, self)
            return tuple(v) if isinstance(v, list) else v
    raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _node_class(fd):
    # (derivatives.yaml's own entries get a Python class of their name, with the codegen's
    # ``_saved_`` attributes; the generated ones are bare C++ nodes)
    explicit = _short(fd.opdef) in _EXPLICIT
    ns = {"__slots__": (), "_fd": fd, "_name": fd.node_name, "__module__": "builtins"}
    if explicit:
        ns["__getattr__"] = _saved_getattr
    return type(fd.node_name if explicit else "CppFunction", (ForeachNode,), ns)


def _record_functional(fd, ks, args, kwargs):
    vals = _values(fd, args, kwargs)
    edges = []
    ranges = {}
    diff_names = [a.name for a in fd.opdef.schema.arguments
                  if any(a.name == s[0] for s in fd.slots)]
    for name in diff_names:
        v = fd.value(vals, name)
        start = len(edges)
        for t in (v if fd.is_list(name) else (v,)):
            edges.append(D._edge(t))
        ranges[name] = (start, len(edges))
    table = fd.opdef.entry.table
    ks2 = ks & D.BELOW_AUTOGRAD
    if not D._tls.grad_enabled or not any(D.wants_grad(e) for e in edges):
        return _run_maybe_jvp(fd, vals, ks2, table, args, kwargs)
    node = fd.cls.__new__(fd.cls)
    node._next = tuple(edges)
    node._seq = next_seq()
    node._hk = None
    node._ranges = ranges
    sv = {}
    for key, (arg, suf, is_list) in fd.saved.items():
        v = fd.value(vals, arg)
        if suf is not None:
            derive = D._DERIVERS[suf]
            sv[key] = [derive(x) for x in v] if is_list else derive(v)
        elif is_list and fd.arg_types[arg].base == "Tensor":
            sv[key] = [SavedVariable(x) for x in v]
        elif isinstance(v, Tensor):
            sv[key] = SavedVariable(v)
        else:
            sv[key] = list(v) if is_list else v
    node._sv = sv
    out = _run_maybe_jvp(fd, vals, ks2, table, args, kwargs)
    node._n = len(out)
    meta = []
    for i, o in enumerate(out):
        if not D.is_differentiable_dtype(o.dtype):
            raise RuntimeError(f"Autograd not support dtype: {o.dtype._scalar_name}")
        o._grad_node = node
        o._output_nr = i
        o._requires_grad = True
        meta.append((o._size, o.dtype, o._device))
    node._meta = meta
    if fd.uses_result:
        sv["result"] = [SavedVariable(o, True, node) for o in out]
    if D._anomaly.enabled:
        D._anomaly_trace(node)
    return out


def _values(fd, args, kwargs):
    vals = list(args) + fd.defaults[len(args):]
    for k, v in kwargs.items():
        vals[fd.arg_index[k]] = v
    return vals


def _run_maybe_jvp(fd, vals, ks2, table, args, kwargs):
    """Run the op below autograd; under forward AD, give each output the tangent of the
    reference's formula for its element."""
    out = D._run_below(table, ks2, args, kwargs)
    if D.FW.active:
        _set_tangents(fd, vals, out)
    return out


def _set_tangents(fd, vals, out):
    from .forward_ad import run_with_jvp
    spec = fd.ref_spec
    tensor_names = [n for n, t in fd.arg_types.items() if t.base == "Tensor"]
    if not any(D._any_fw_grad([fd.value(vals, n)], None) for n in tensor_names):
        return
    special = _SPECIAL_JVP.get(_short(fd.opdef))
    if special is not None:
        return special(fd, vals, out)
    if spec is None or spec.jvp is None:
        raise NotImplementedError(f"Trying to use forward AD with {fd.opdef.entry.name} that "
                                  "does not support it.")
    for i, o in enumerate(out):
        ref_vals = dict(fd.ref_defaults)
        for r, m in fd.rename.items():
            v = fd.value(vals, m)
            ref_vals[r] = v[i] if fd.is_list(m) else v
        run_with_jvp(spec, ref_vals, None, None, None, lambda o=o: o)


def _bound_jvp(cmp):
    """derivatives.yaml's forward formula of ``_foreach_maximum.Scalar`` (``cmp`` "gt") and
    ``_foreach_minimum.Scalar`` ("lt"), as it is written there (the bound is added to the
    tangent)."""
    def jvp(fd, vals, out):
        from .._aten._ops_registry import aten
        from ._fw_grad import current_level, fw_grad, set_fw_grad
        level = current_level()
        name = "scalar" if "scalar" in fd.arg_index else "scalars"
        bound = fd.value(vals, name)
        for i, (x, o) in enumerate(zip(fd.value(vals, "self"), out)):
            t = fw_grad(x, level)
            if t is None:
                continue
            b = bound[i] if name == "scalars" else bound
            prev, D.FW.active = D.FW.active, False
            try:
                side = getattr(aten, cmp).Scalar(x, b)
                half = aten.scalar_tensor.default(0.5, dtype=o.dtype, device=o.device)
                factor = aten.where.self(aten.eq.Scalar(x, b), half,
                                         aten._to_copy.default(side, dtype=o.dtype))
                r = aten.add.Scalar(aten.mul.Tensor(factor, aten.sub.Scalar(t, b)), b)
            finally:
                D.FW.active = prev
            set_fw_grad(o, r, level, False)
    return jvp


def _norm_jvp(fd, vals, out):
    """PyTorch's ``_foreach_norm`` forward formula gives a tangent of ``self``'s rank, which
    it then refuses to set on the 0-dim norm: that error, for the first such element."""
    from ._fw_grad import current_level, fw_grad
    level = current_level()
    for x in fd.value(vals, "self"):
        if fw_grad(x, level) is not None and x.dim() > 0:
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the "
                "original Tensor, this is not supported. Tensor is of size [] while the given "
                f"forward gradient is of size [{', '.join(['1'] * x.dim())}].")
    fd_ref = fd.ref_spec
    from .forward_ad import run_with_jvp
    for i, o in enumerate(out):
        run_with_jvp(fd_ref, _ref_element(fd, vals, i), None, None, None, lambda o=o: o)


def _no_jvp(fd, vals, out):
    raise _fw_not_implemented(fd.opdef)


def _fw_not_implemented(d):
    from types import SimpleNamespace
    from .forward_ad import not_implemented_error
    return not_implemented_error(SimpleNamespace(schema=d.schema,
                                                 opname=_short(d).partition(".")[0]))


_SPECIAL_JVP = {"_foreach_maximum.Scalar": _bound_jvp("gt"),
                "_foreach_maximum.ScalarList": _bound_jvp("gt"),
                "_foreach_minimum.Scalar": _bound_jvp("lt"),
                "_foreach_minimum.ScalarList": _bound_jvp("lt"),
                "_foreach_norm.Scalar": _norm_jvp,
                "_foreach_pow.ScalarAndTensor": _no_jvp}


# ---- in-place forms ------------------------------------------------------------------------------
def _record_inplace(fd, ks, args, kwargs):
    """One node per modified tensor, the reference's (PyTorch's vector of grad_fns)."""
    vals = _values(fd, args, kwargs)
    table = fd.opdef.entry.table
    ks2 = ks & D.BELOW_AUTOGRAD
    if D.FW.active:
        return _inplace_with_jvp(fd, vals, ks, args, kwargs)
    if not D._tls.grad_enabled:
        return _run_below_autograd(table, ks2, args, kwargs)
    selfs = fd.value(vals, "self")
    made = []
    for i, t in enumerate(selfs):
        ref_vals = _ref_element(fd, vals, i)
        if fd.ref_spec is None:
            made.append(_not_implemented_node(fd, ref_vals, t))
        else:
            made.append(D.inplace_node(fd.ref_spec, ref_vals, "self"))
    out = _run_below_autograd(table, ks2, args, kwargs)
    for t, m in zip(selfs, made):
        if m is None:
            continue
        if fd.ref_spec is None:
            D.rebase_history(t, m, 0)
            m._meta = [(t._size, t.dtype, t._device)]
        else:
            D.finish_inplace_node(fd.ref_spec, m, t)
    return out


def _ref_element(fd, vals, i):
    ref_vals = dict(fd.ref_defaults)
    for r, m in fd.rename.items():
        v = fd.value(vals, m)
        ref_vals[r] = v[i] if fd.is_list(m) else v
    return ref_vals


def _not_implemented_node(fd, ref_vals, t):
    tensors = [v for v in ref_vals.values() if isinstance(v, Tensor)]
    if not any(D.requires_grad(x) for x in tensors):
        return None
    D.check_inplace(t)
    node = D.NotImplementedNode.__new__(D.NotImplementedNode)
    node._next = tuple(D._edge(x) for x in tensors)
    node._seq = next_seq()
    node._hk = None
    node._opname = fd.opdef.entry.name[6:]  # (VariableType's name for it: no namespace)
    return node


def _inplace_with_jvp(fd, vals, ks, args, kwargs):
    """Forward AD through an in-place foreach op: each element's tangent as the per-tensor
    in-place op computes it, the op itself run once (innermost)."""
    from .forward_ad import run_inplace_with_jvp
    selfs = fd.value(vals, "self")
    ip_spec = fd.inplace_spec

    def chain(i):
        if i == len(selfs):
            D.FW.active, prev = False, D.FW.active
            try:
                return _record_inplace(fd, ks, args, kwargs)
            finally:
                D.FW.active = prev
        ref_vals = _ref_element(fd, vals, i)
        if ip_spec is None:
            if any(D._any_fw_grad([v], None) for v in ref_vals.values()):
                raise _fw_not_implemented(fd.opdef)
            return chain(i + 1)
        return run_inplace_with_jvp(ip_spec, getattr(ip_spec, "base_spec", None) or ip_spec,
                                    ref_vals, selfs[i], lambda: chain(i + 1))
    return chain(0)


# ---- the Autograd kernel -------------------------------------------------------------------------
def _run_below_autograd(table, ks, args, kwargs):
    """Run a mutating foreach op below autograd with only the Autograd keys excluded (c10's
    AutoDispatchBelowAutograd, which VariableType takes for ops that modify arguments): with
    no ADInplaceOrView kernel of its own, its per-tensor in-place calls bump the versions."""
    st = D._tls
    prev = st.excluded
    st.excluded = prev | AUTOGRAD_BITS
    try:
        ks &= D.BELOW_AUTOGRAD
        return table[ks.bit_length() - 1](ks, *args, **kwargs)
    finally:
        st.excluded = prev


def foreach_kernel(d):
    """The Autograd kernel of the foreach op ``d`` (built at its first Autograd dispatch)."""
    name = _short(d)
    mutable = d.schema.is_mutable
    table = d.entry.table
    if any(a.is_out for a in d.schema.arguments):
        # (generated out= forms: no derivative, no check either - they just redispatch)
        def out_kernel(ks, *args, **kwargs):
            return _run_below_autograd(table, ks, args, kwargs)
        out_kernel.__name__ = f"autograd_{name}"
        return out_kernel
    fd = ForeachDerivatives.__new__(ForeachDerivatives)
    if name in _NO_DERIVATIVE:
        _no_reference(fd, d)
    else:
        ForeachDerivatives.__init__(fd, d)
        _compile_sources(fd)
        fd.uses_result = any("result" in f.params for _, f, _g in fd.slots)
    if mutable:
        fd.inplace_spec = _inplace_spec(d) if fd.ref_spec is not None else None
        record = _record_inplace
    elif fd.ref_spec is None and not getattr(fd, "slots", None):
        record = _record_not_implemented
    else:
        fd.cls = _node_class(fd)
        record = _record_functional
    below = _run_below_autograd if mutable else D._run_below

    def kernel(ks, *args, **kwargs):
        if (D._tls.grad_enabled or D.FW.active) and (
                any(D._any_requires_grad(a) for a in args) or
                any(D._any_requires_grad(a) for a in kwargs.values()) or D.FW.active):
            return record(fd, ks, args, kwargs)
        return below(table, ks & D.BELOW_AUTOGRAD, args, kwargs)
    kernel.__name__ = f"autograd_{name}"
    return kernel


def _no_reference(fd, d):
    fd.opdef = d
    schema = d.schema
    fd.arg_types = {a.name: a.type for a in schema.arguments}
    fd.arg_index = {a.name: i for i, a in enumerate(schema.arguments)}
    fd.defaults = [a.default_value if a.has_default() else None for a in schema.arguments]
    fd.ref_spec = None
    fd.slots = []
    fd.rename = {a.name: a.name for a in schema.arguments if not a.is_out}
    fd.ref_defaults = {}


def _inplace_spec(d):
    """The per-tensor in-place op's spec (``exp_``'s), for forward AD; None when the kernel's
    per-element call is no aten op."""
    per = d.foreach.inplace_per_tensor
    if callable(per):
        # (``maximum_`` is no aten op: ``maximum``'s formula, rewritten for in-place use)
        from types import SimpleNamespace
        base = _ref_spec(_REFERENCE[_short(d.functional)])
        return SimpleNamespace(self_name="self", schema=d.schema, base_spec=base,
                               opname=_short(d).partition(".")[0])
    spec = D.spec_for(get_opdef(_op_key(per)))
    if spec is not None:
        spec.compile()
        if spec.base_spec is not None:
            spec.base_spec.compile()
    return spec


def _record_not_implemented(fd, ks, args, kwargs):
    """A functional foreach op without derivatives: its node raises in backward."""
    vals = _values(fd, args, kwargs)
    table = fd.opdef.entry.table
    ks2 = ks & D.BELOW_AUTOGRAD
    if D.FW.active and any(D._any_fw_grad([v], None) for v in vals):
        raise NotImplementedError(f"Trying to use forward AD with {fd.opdef.entry.name} that "
                                  "does not support it.")
    edges = []
    for a in fd.opdef.schema.arguments:
        if a.type.base == "Tensor" and not a.is_out:
            v = fd.value(vals, a.name)
            edges.extend(D._edge(t) for t in (v if a.type.is_list else (v,)))
    if not D._tls.grad_enabled or not any(D.wants_grad(e) for e in edges):
        return D._run_below(table, ks2, args, kwargs)
    out = D._run_below(table, ks2, args, kwargs)
    node = D.NotImplementedNode.__new__(D.NotImplementedNode)
    node._next = tuple(edges)
    node._seq = next_seq()
    node._hk = None
    node._opname = fd.opdef.entry.name
    D._set_history(node, list(out))
    return out
