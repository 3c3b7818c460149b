"""The ``_foreach_*`` ops: one op over lists of tensors (``torch._foreach_add(xs, ys)``).

PyTorch's CPU kernels for them are its "slow path": a CompositeExplicitAutograd kernel that
checks the lists (``ForeachUtils.h``) and calls the per-tensor op on each element.  So a
dispatch mode sees the one ``_foreach_*`` op, dtypes and errors are the per-tensor op's, and
the in-place forms bump each modified tensor's version once.  Each family is declared here
with the per-tensor op it loops over (``ref``): autograd derives the foreach op's derivatives
from that op's formulas (``kindling/autograd/foreach.py``), as PyTorch's codegen does.  The
family is defined at its first use (``install``: see ``_aten/_lazy.py``).

Families and overloads (schemas as in native_functions.yaml)::

    _foreach_exp(Tensor[] self) -> Tensor[]                  (+ _foreach_exp_, .out)
    _foreach_add.Scalar / .List / .ScalarList / .Tensor       (+ in-place, *_out)
    _foreach_addcmul.Scalar / .ScalarList / .Tensor, _foreach_lerp.*, _foreach_pow.*,
    _foreach_norm.Scalar, _foreach_max, _foreach_mm, _foreach_copy_, _foreach_zero_ ...
"""
from __future__ import annotations

from .._dispatcher import operator as _opreg
from .._dispatcher.keys import K, bit
from .._dispatcher.tls import state as _tls
from .._dispatcher.operator import KernelEntry, caller_site
from ._api import public
from ._defop import defop
from ._lazy import FOREACH_UNARY as UNARY
from ._ops_registry import aten
from ._variants import cpp_name, resize_out

FOREACH = {}  # "_foreach_add.List" -> OpDef


# ---- ForeachUtils.h's checks -----------------------------------------------------------------
def check_tensor_lists(*lists):
    """The lists are non-empty and of one length."""
    if len(lists[0]) == 0:
        raise RuntimeError("Tensor list must have at least one tensor.")
    n = len(lists[0])
    for other in lists[1:]:
        if len(other) != n:
            raise RuntimeError(f"Tensor lists must have the same number of tensors, got {n} "
                               f"and {len(other)}")


def check_scalar_list(tensors, scalars):
    if len(tensors) != len(scalars):
        raise RuntimeError("Tensor list must have same number of elements as scalar list.")


def check_scalar_tensor(t):
    """``_foreach_add.Tensor``'s ``other``: one number in a 0-dim tensor."""
    if t.dim() != 0 or t.numel() != 1:
        raise RuntimeError(f"scalar tensor expected to be 0 dim but it has {t.dim()} "
                           f"dimensions and {t.numel()} elements.")


def scalars_of_tensor(scalars, n):
    """``addcmul.Tensor``'s packed scalars (a 1-d tensor of ``n`` numbers) as numbers."""
    if scalars.dim() != 1:
        raise RuntimeError("Expected packed scalar Tensor to be of dimension 1. Got "
                           f"{scalars.dim()} instead.")
    if scalars.numel() != n:
        raise RuntimeError(f"Expected length of scalars to match input of length {n} but got "
                           f"{scalars.numel()} instead.")
    return [aten._local_scalar_dense.default(s) for s in aten.unbind.int(scalars)]


# ---- declaring a family -------------------------------------------------------------------------
class Overload:
    """One foreach overload: its argument list, the per-tensor op its kernel calls on each
    element, and that op's argument for each foreach argument (``elementwise``)."""

    def __init__(self, name, args, per_tensor, per_args, lists, *, check=None, out=True,
                 inplace=True, returns="Tensor[]"):
        self.name, self.args, self.per_tensor = name, args, per_tensor
        self.per_args = per_args      # foreach argument name -> per-tensor argument name
        self.lists = lists            # foreach arguments that are lists (one per element)
        self.check = check
        self.out, self.inplace, self.returns = out, inplace, returns


def _split(name):
    base, _, ov = name.partition(".")
    return base, ov


def _element_calls(o, args, kwargs):
    """The per-tensor op's arguments for each element: a list of (args, kwargs)."""
    vals = dict(zip(o.arg_names, args))
    vals.update(kwargs)
    for n, d in o.defaults.items():
        vals.setdefault(n, d)
    lists = [vals[n] for n in o.lists]
    if o.check is not None:
        o.check(vals)
    else:
        _default_check(o, vals)
    scalars = vals.get("__scalars__")
    calls = []
    for i in range(len(lists[0])):
        pos, kw = [], {}
        for n, (pname, kw_only) in o.per_args.items():
            v = vals[n]
            if n in o.lists:
                v = v[i]
            elif n == "scalars" and scalars is not None:
                v = scalars[i]
            if kw_only:
                kw[pname] = v
            else:
                pos.append(v)
        calls.append((pos, kw))
    return calls


def _default_check(o, vals):
    tensor_lists = [vals[n] for n in o.lists if o.list_kinds[n] == "Tensor"]
    check_tensor_lists(*tensor_lists)
    for n in o.lists:
        if o.list_kinds[n] != "Tensor":
            check_scalar_list(tensor_lists[0], vals[n])


def _declare(o, public_overloads, public_inplace):
    base, ov = _split(o.name)
    suffix = f".{ov}" if ov else ""
    args = o.args
    parsed = []
    per_op = o.per_tensor

    fn = defop(f"{o.name}({args}) -> {o.returns}",
               tags=("generated",) if base == "_foreach_zero" else ())
    _bind_arguments(o, fn.schema)

    @fn.explicit
    def functional(*args, **kwargs):
        op = _resolve(per_op)
        return [op(*pos, **kw) for pos, kw in _element_calls(o, args, kwargs)]
    functional.__name__ = base
    fn.foreach = o
    FOREACH[o.name] = fn
    parsed.append(fn)

    if o.inplace:
        inplace_args = args.replace("Tensor[] self", "Tensor(a!)[] self", 1)
        ip = defop(f"{base}_{suffix}({inplace_args}) -> ()")
        _bind_arguments(o, ip.schema)
        ip_op = o.inplace_per_tensor

        @ip.explicit
        def inplace(*args, **kwargs):
            op = _resolve(ip_op)
            for pos, kw in _element_calls(o, args, kwargs):
                op(*pos, **kw)
        inplace.__name__ = base + "_"
        ip.foreach = o
        ip.functional = fn
        _no_inplace_or_view_kernel(ip)
        FOREACH[ip.entry.qualified[6:]] = ip
        public_inplace.append(ip)
    if o.out:
        star = "" if "*" in args else ", *"
        out_name = f"{base}.{ov}_out" if ov else f"{base}.out"
        od = defop(f"{out_name}({args}{star}, Tensor(a!)[] out) -> ()", tags=("generated",))

        @od.explicit
        def out_kernel(*args, out, **kwargs):
            # (PyTorch's generated out= kernel: the functional op, then resize and copy)
            results = fn.op(*args, **kwargs)
            for o_, r in zip(out, results):
                if o_.dtype is not r.dtype:
                    raise RuntimeError(f"Expected out tensor to have dtype {cpp_name(r.dtype)}, "
                                       f"but got {cpp_name(o_.dtype)} instead")
                _resize_unversioned(o_, r.shape)
            for o_, r in zip(out, results):
                aten.copy_.default(o_, r)
        od.functional = fn
        od.foreach = o
        _no_inplace_or_view_kernel(od)
        FOREACH[od.entry.qualified[6:]] = od
    public_overloads.append(fn)
    return fn


def _resize_unversioned(out, shape):
    """``resize_output`` as the generated out= kernel calls it: the resize counts no version
    (only the copy into ``out`` does)."""
    st = _tls
    prev = st.excluded
    st.excluded = prev | bit(K.ADInplaceOrView)
    try:
        resize_out(out, shape)
    finally:
        st.excluded = prev


def _no_inplace_or_view_kernel(d):
    """PyTorch has no ADInplaceOrView kernel for the mutating foreach ops: the per-tensor
    in-place calls of their kernels bump the versions (so under a dispatch mode, which runs
    the kernel below that key, nothing does)."""
    d.entry.register(K.ADInplaceOrView, KernelEntry(_opreg._fallthrough_marker, caller_site(),
                                                    fallthrough=True))


def _bind_arguments(o, schema):
    o.arg_names = [a.name for a in schema.arguments if not a.kwarg_only]
    o.defaults = {a.name: a.default_value for a in schema.arguments
                  if a.has_default() and not a.is_out}
    o.list_kinds = {a.name: a.type.base for a in schema.arguments if a.type.is_list}


def _resolve(path):
    """The per-tensor op ``"add.Tensor"`` (an OpOverload), or ``path`` itself if callable."""
    if callable(path):
        return path
    packet, _, ov = path.partition(".")
    return getattr(getattr(aten, packet), ov or "default")


# ---- the families (UNARY: the unary ones' names) ------------------------------------------------
_S = {"self": ("self", False)}


def _unary(name, per_tensor=None, **kw):
    o = Overload(f"_foreach_{name}", "Tensor[] self", per_tensor or name, dict(_S), ("self",),
                 **kw)
    o.inplace_per_tensor = f"{per_tensor or name}_"
    return o


def _binary(name, ov, per_tensor, other_arg, per_other="other", alpha=False,
            inplace_per_tensor=None, check=None):
    """``ov``: Scalar (``scalar``), List (``other``), ScalarList (``scalars``) or Tensor."""
    kind, arg = {"Scalar": ("Scalar", "scalar"), "List": ("Tensor[]", "other"),
                 "ScalarList": ("Scalar[]", "scalars"), "Tensor": ("Tensor", "other")}[ov]
    arg = other_arg or arg
    args = f"Tensor[] self, {kind} {arg}" + (", *, Scalar alpha=1" if alpha else "")
    per_args = {"self": ("self", False), arg: (per_other, False)}
    if alpha:
        per_args["alpha"] = ("alpha", True)
    lists = ("self", arg) if kind.endswith("[]") else ("self",)
    o = Overload(f"_foreach_{name}.{ov}", args, per_tensor, per_args, lists, check=check)
    base, _, pov = per_tensor.partition(".")
    o.inplace_per_tensor = inplace_per_tensor or f"{base}_.{pov or 'default'}"
    return o


def _check_tensor_overload(vals):
    check_tensor_lists(vals["self"])
    check_scalar_tensor(vals["other"])


_BINARY = {
    # name: {overload: per-tensor op}
    "add": {"Scalar": "add.Scalar", "List": "add.Tensor", "ScalarList": "add.Scalar",
            "Tensor": "add.Tensor"},
    "sub": {"Scalar": "sub.Scalar", "List": "sub.Tensor", "ScalarList": "sub.Scalar"},
    "mul": {"Scalar": "mul.Scalar", "List": "mul.Tensor", "ScalarList": "mul.Scalar",
            "Tensor": "mul.Tensor"},
    "div": {"Scalar": "div.Scalar", "List": "div.Tensor", "ScalarList": "div.Scalar",
            "Tensor": "div.Tensor"},
    "clamp_min": {"Scalar": "clamp_min.default", "List": "clamp_min.Tensor",
                  "ScalarList": "clamp_min.default"},
    "clamp_max": {"Scalar": "clamp_max.default", "List": "clamp_max.Tensor",
                  "ScalarList": "clamp_max.default"},
    # (a number bound is clamp_min/clamp_max, as PyTorch's slow kernels call them)
    "maximum": {"Scalar": "clamp_min.default", "List": "maximum.default",
                "ScalarList": "clamp_min.default"},
    "minimum": {"Scalar": "clamp_max.default", "List": "minimum.default",
                "ScalarList": "clamp_max.default"},
}


def _per_other_name(per_tensor):
    return {"clamp_min.default": "min", "clamp_max.default": "max",
            "clamp_min.Tensor": "min", "clamp_max.Tensor": "max"}.get(per_tensor, "other")


def _ternary(name, ov, per_tensor, last_kind, last_name, per_last):
    args = f"Tensor[] self, Tensor[] tensor1, Tensor[] tensor2, {last_kind} {last_name}"
    if ov == "Scalar":
        args += "=1"
    per_args = {"self": ("self", False), "tensor1": ("tensor1", False),
                "tensor2": ("tensor2", False), last_name: (per_last, True)}
    lists = ("self", "tensor1", "tensor2") + ((last_name,) if last_kind == "Scalar[]" else ())
    check = _check_packed_scalars if ov == "Tensor" else None
    o = Overload(f"_foreach_{name}.{ov}", args, per_tensor, per_args, lists, check=check)
    o.inplace_per_tensor = f"{name}_.default"
    return o


def _check_packed_scalars(vals):
    check_tensor_lists(vals["self"], vals["tensor1"], vals["tensor2"])
    vals["__scalars__"] = scalars_of_tensor(vals["scalars"], len(vals["self"]))


def _lerp(ov):
    kind, arg, per = {"List": ("Tensor[]", "weights", "lerp.Tensor"),
                      "Scalar": ("Scalar", "weight", "lerp.Scalar"),
                      "ScalarList": ("Scalar[]", "weight", "lerp.Scalar")}[ov]
    per_args = {"self": ("self", False), "tensors1": ("end", False), arg: ("weight", False)}
    lists = ("self", "tensors1") + ((arg,) if kind.endswith("[]") else ())
    o = Overload(f"_foreach_lerp.{ov}", f"Tensor[] self, Tensor[] tensors1, {kind} {arg}",
                 per, per_args, lists)
    o.inplace_per_tensor = per.replace("lerp.", "lerp_.")
    return o


def _pow(ov):
    kind, per = {"List": ("Tensor[]", "pow.Tensor_Tensor"),
                 "Scalar": ("Scalar", "pow.Tensor_Scalar"),
                 "ScalarList": ("Scalar[]", "pow.Tensor_Scalar")}[ov]
    per_args = {"self": ("self", False), "exponent": ("exponent", False)}
    lists = ("self", "exponent") if kind.endswith("[]") else ("self",)
    o = Overload(f"_foreach_pow.{ov}", f"Tensor[] self, {kind} exponent", per, per_args, lists)
    o.inplace_per_tensor = per.replace("pow.", "pow_.").replace("Tensor_Tensor", "Tensor") \
        .replace("Tensor_Scalar", "Scalar")
    return o


def _check_max(vals):
    check_tensor_lists(vals["self"])
    for t in vals["self"]:
        if t.numel() == 0:
            raise RuntimeError("_foreach_max cannot compute the maximum of an empty tensor; "
                               "max over zero elements is undefined.")


def _reduction(name, per_tensor):
    args = "Tensor[] self, Scalar ord=2, ScalarType? dtype=None"
    per_args = {"self": ("self", False), "ord": ("ord", False), "dtype": ("dtype", True)}
    return Overload(f"_foreach_{name}.Scalar", args, per_tensor, per_args, ("self",),
                    inplace=False)


def _families():
    fams = {}
    for n in UNARY:
        fams.setdefault(n, []).append(_unary(n))
    for n, ovs in _BINARY.items():
        for ov, per in ovs.items():
            other = "other" if ov == "Tensor" else None
            fams.setdefault(n, []).append(_binary(
                n, ov, per, other, _per_other_name(per), alpha=(n in ("add", "sub") and
                                                             ov in ("List", "Tensor")),
                check=_check_tensor_overload if ov == "Tensor" else None))
    for n in ("addcmul", "addcdiv"):
        per = f"{n}.default"
        fams[n] = [_ternary(n, "Scalar", per, "Scalar", "value", "value"),
                   _ternary(n, "ScalarList", per, "Scalar[]", "scalars", "value"),
                   _ternary(n, "Tensor", per, "Tensor", "scalars", "value")]
    fams["lerp"] = [_lerp(ov) for ov in ("List", "Scalar", "ScalarList")]
    fams["pow"] = [_pow(ov) for ov in ("List", "Scalar", "ScalarList")]
    sat = Overload("_foreach_pow.ScalarAndTensor", "Scalar self, Tensor[] exponent",
                   "pow.Scalar", {"self": ("self", False), "exponent": ("exponent", False)},
                   ("exponent",), out=False, inplace=False)
    fams["pow"].append(sat)
    fams["norm"] = [_reduction("norm", "linalg_vector_norm.default")]
    fams["powsum"] = [_reduction("powsum", "linalg__powsum.default")]
    fams["max"] = [Overload("_foreach_max", "Tensor[] self", "max.default", dict(_S),
                            ("self",), check=_check_max, inplace=False)]
    fams["mm"] = [Overload("_foreach_mm", "Tensor[] self, Tensor[] mat2", "mm.default",
                           {"self": ("self", False), "mat2": ("mat2", False)},
                           ("self", "mat2"), out=False, inplace=False)]
    fams["clone"] = [Overload("_foreach_clone", "Tensor[] self, *, MemoryFormat? "
                              "memory_format=None", "clone.default",
                              {"self": ("self", False), "memory_format": ("memory_format",
                                                                          True)},
                              ("self",), inplace=False)]
    copy = Overload("_foreach_copy", "Tensor[] self, Tensor[] src, bool non_blocking=False",
                    None, {"self": ("self", False), "src": ("src", False),
                           "non_blocking": ("non_blocking", False)}, ("self", "src"),
                    returns="Tensor[] self_out")
    copy.inplace_per_tensor = "copy_.default"
    fams["copy"] = [copy]
    zero = _unary("zero", returns="Tensor[] self_out")
    zero.inplace_per_tensor = "zero_.default"
    fams["zero"] = [zero]
    return fams


# ---- per-element calls that are no single aten op ------------------------------------------------
def _copy_one(t, src, non_blocking=False):
    # (the functional form PyTorch generates from ``_foreach_copy_``: a copy of ``self``
    # that then takes ``src``'s values)
    out = aten.clone.default(t)
    aten.copy_.default(out, src, non_blocking)
    return out


def _zero_one(t):
    out = aten.clone.default(t)
    aten.zero_.default(out)
    return out


def _maximum_(t, other):
    aten.copy_.default(t, aten.maximum.default(t, other))


def _minimum_(t, other):
    aten.copy_.default(t, aten.minimum.default(t, other))


_PER_ELEMENT = {"_foreach_copy": _copy_one, "_foreach_zero": _zero_one}
_PER_ELEMENT_INPLACE = {"_foreach_maximum.List": _maximum_, "_foreach_minimum.List": _minimum_}


def install():
    """Define the family (at its first use: see ``_aten/_lazy.py``, which also makes the
    ``torch._foreach_*`` functions that ``public`` gives their overloads here)."""
    for name, overloads in _families().items():
        funcs, inplaces = [], []
        for o in overloads:
            o.per_tensor = _PER_ELEMENT.get(o.name, o.per_tensor)
            if o.name in _PER_ELEMENT_INPLACE:
                o.inplace_per_tensor = _PER_ELEMENT_INPLACE[o.name]
            _declare(o, funcs, inplaces)
        public(f"_foreach_{name}", *funcs, method=False)
        if inplaces:
            public(f"_foreach_{name}_", *inplaces, method=False)
