"""From derivative formulas to Autograd kernels (PyTorch's autograd codegen, done at import).

Op modules declare formulas beside each op, derivatives.yaml style::

    mul.derivative(self="grad * other", other="grad * self")
    sum_dim.derivative("SumBackward1", self="sum_backward(grad, self_sym_sizes, dim, keepdim)")

A formula is a Python expression (or a function) over these names: ``grad`` (the gradient of
the output; ``grads`` for all outputs), the op's arguments by schema name, its outputs
(``result``, or the schema's return names), derived values ``<arg>_sym_sizes``,
``<arg>_sym_strides``, ``<arg>_sym_numel``, ``<arg>_scalar_type``, ``<arg>_geometry``,
``<arg>_args_sizes`` (for tensor lists), and the helpers of ``_formulas``.  The names a formula
uses decide what the node saves, exactly as PyTorch's codegen does (``_saved_<name>``).

``install()`` turns every declaration into:

* a node class (``MulBackward0``...) whose ``apply`` evaluates the formulas;
* an Autograd-alias kernel for the op that redispatches below autograd at once when grad mode
  is off or no input requires grad, and otherwise records a node;
* kernels for the op's in-place form (history rebase, CopySlices for views, leaf checks) and
  ``out=`` form (refused when an input requires grad);

and replaces the Autograd fallthrough with a fallback for ops that have no formula.
"""
from __future__ import annotations

import ast
import inspect
import traceback
import warnings

from .. import _dtype
from .._dispatcher import operator as _opreg
from .._dispatcher.keys import AUTOGRAD_BITS, K, RANK, above, bit
from .._dispatcher.operator import KernelEntry
from .._dispatcher.tags import Tag
from .._dispatcher.tls import state as _tls
from .._aten._defop import LEAF_KERNELS, NESTED_EXCLUDED, writes_but_returns_fresh
from .._tensor import INFERENCE_VIEW_CREATION, Tensor
from . import _formulas
from ._cpp_order import cpp_order
from . import _view_func
from .anomaly_mode import _anomaly
from .graph import (ERR_BACKWARD_TWICE, SavedVariable, _Node, _engine_state, _seq_counter, grad_accumulator,
                    gradient_edge, next_seq, node_display_name)

# The PythonDispatcher key stays, as in c10's after_autograd_keyset (see _aten/_defop.py).
BELOW_AUTOGRAD = ~(AUTOGRAD_BITS | above(K.AutogradMeta)) | bit(K.PythonDispatcher)

# creation_meta of differentiable views (PyTorch's CreationMeta)
DEFAULT, IN_CUSTOM_FUNCTION, MULTI_OUTPUT_NODE, NO_GRAD_MODE, INFERENCE_MODE = range(5)
assert INFERENCE_MODE == INFERENCE_VIEW_CREATION  # (what the tensor layer marks views with)

# ``<arg>_sym_argsize_<k>`` / ``..._minus_<k>``: one size, ``<arg>.sym_size(k)`` (torchgen's names)
_ARGSIZE = tuple(f"_sym_argsize_{k}" for k in range(4)) + \
    tuple(f"_sym_argsize_minus_{k}" for k in range(1, 5))
_DERIVED = ("_sym_sizes", "_sym_sizes_opt", "_sym_strides", "_sym_numel", "_scalar_type",
            "_geometry", "_args_sizes", "_args_scalartypes", "_info") + _ARGSIZE
_HIDDEN = ("_scalar_type", "_geometry", "_args_sizes", "_args_scalartypes", "_info")
_NUMBER_TYPES = frozenset({"Scalar", "int", "float", "SymInt"})
_HELPERS = {k: v for k, v in vars(_formulas).items() if not k.startswith("__")}
_HELPER_NUMBERS = frozenset(k for k, v in _HELPERS.items() if type(v) in (int, float))


# Ops whose derivative formulas are right for complex numbers (PyTorch's
# GRADIENT_IMPLEMENTED_FOR_COMPLEX, for the ops kindling has).  A call of any other
# differentiable op that gives a complex output requiring grad raises PyTorch's "... does not
# support automatic differentiation for outputs with complex dtype." (their real outputs of
# complex inputs - abs, angle, var, norm, view_as_real - are fine).
COMPLEX_AUTOGRAD_OPS = frozenset("""
    _conj _conj_physical _neg_view _reshape_alias _to_copy _unsafe_view acos acosh add addcdiv
    addcmul addmm addmv alias as_strided as_strided_scatter asin asinh atan atanh block_diag bmm cat clone
    complex cos cosh cumprod cumsum diag_embed diagonal diagonal_backward diagonal_copy
    diagonal_scatter div dot eq_ exp exp2 expand expm1 fill fill_ flip gather index
    index_add index_add_ index_copy index_fill index_put index_select ldexp lerp log log10 log1p
    log2 logaddexp logcumsumexp logsumexp masked_fill masked_scatter masked_scatter_backward
    masked_select mean mm mul mv nansum narrow_copy ne_ neg nonzero permute pow prod put put_ reciprocal
    polar repeat resize roll rot90 rsqrt rsub scatter scatter_add select select_backward sgn
    sigmoid sigmoid_backward sin sinc sinh slice slice_backward split split_with_sizes sqrt
    squeeze stack std_mean sub sum t take tan tanh tanh_backward trace transpose tril triu unbind
    unfold unfold_backward unsafe_split unsqueeze var_mean vdot view view_as_complex where
    zero_""".split())


def complex_output_error(opname):
    return RuntimeError(f"{opname} does not support automatic differentiation for outputs "
                        "with complex dtype.")


def _check_complex_outputs(spec, outs):
    """PyTorch's throw_error_for_complex_autograd, for an op outside COMPLEX_AUTOGRAD_OPS
    (its outputs that are single tensors: a returned tensor list is not checked)."""
    if spec.list_return:
        return
    for o in outs:
        if isinstance(o, Tensor) and o.dtype.is_complex and o._requires_grad:
            raise complex_output_error(spec.opname)


class _FwState:
    """Whether any forward-AD dual level is open (checked once per op on the hot path)."""
    active = False


FW = _FwState()


def camel(opname: str) -> str:
    """``_to_copy`` -> ``ToCopy`` (how PyTorch names backward nodes)."""
    return "".join(p.title() for p in opname.split("_") if p)


def is_differentiable_dtype(dt):
    return dt.is_floating_point or dt.is_complex


# (the same test as a set lookup, for the generated kernels)
_DIFF_DTYPES = frozenset(d for d in _dtype._ALL.values() if is_differentiable_dtype(d))


def requires_grad(t):
    """``t.requires_grad`` (a view also requires grad when its base does)."""
    if t._requires_grad:
        return True
    b = t._base
    return b is not None and t._view_meta is not None and requires_grad(b) and \
        is_differentiable_dtype(t.dtype)


def grad_fn_of(t):
    """``t.grad_fn`` without ``__torch_function__`` (what kindling's own code reads)."""
    return t._grad_node if t._base is None else view_grad_fn(t)


# ---- formulas ---------------------------------------------------------------------------------
class Formula:
    """One compiled formula: ``fn(*params)`` with the names it uses as ``params``.

    ``apply(node, grads, saved)`` evaluates it in backward: ``fn`` called with ``grad`` (or
    ``grads``) and the node's saved values, each fetched by name - compiled once into a plain
    call, as PyTorch's codegen writes each node's ``apply``.
    """

    __slots__ = ("fn", "params", "text", "apply", "r_to_c")

    def __init__(self, src, known, scalars=(), inputs=()):
        self.r_to_c = False
        if callable(src):
            self.fn = src
            self.params = tuple(inspect.signature(src).parameters)
            self.text = getattr(src, "__name__", "<fn>")
        else:
            tree = ast.parse(src.strip(), mode="eval")
            tree.body, self.r_to_c = _strip_r_to_c(tree.body, inputs)
            self.fn, self.params = compile_expression(
                tree, known, f"<formula {src.strip()[:40]}>",
                lambda t: _ConjCalls(scalars).visit(
                    cpp_order(_ScalarOperands(scalars).visit(t), scalars)))
            self.text = src
        args = ", ".join("grads[0]" if p == "grad" else "grads" if p == "grads" else
                         f"_saved(saved, {p!r}, node)" for p in self.params)
        ns = {"_fn": self.fn, "_saved": _saved_value}
        exec(f"def apply(node, grads, saved):\n    return _fn({args})\n", ns)
        self.apply = ns["apply"]


def compile_expression(src, known, filename, transform=None):
    """``(fn, params)``: the expression ``src`` (text, or an ``ast.Expression``) as a function
    of the names in ``known`` it uses (in order of appearance), evaluated with the formula
    helpers in scope."""
    tree = src if isinstance(src, ast.AST) else ast.parse(src.strip(), mode="eval")
    params = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in known and node.id not in params:
            params.append(node.id)
    if transform is not None:
        body = ast.unparse(ast.fix_missing_locations(transform(tree)))
    else:
        body = ast.unparse(tree) if isinstance(src, ast.AST) else src.strip()
    ns = dict(_HELPERS)
    exec(compile(f"def _formula({', '.join(params)}):\n    return {body}\n", filename, "exec"),
         ns)
    return ns["_formula"], tuple(params)


class _ScalarOperands(ast.NodeTransformer):
    """``x + 1`` in a formula is ``add.Scalar`` (as ``x + 1`` is in PyTorch's C++ formulas,
    where a number operand selects the Scalar overload), not the Python operator's
    ``add.Tensor``: a number operand - a literal, or a name in ``scalars`` (the op's number
    arguments) - on the right of + - * /, or on the left of + and * (C++ computes ``2 * t`` as
    ``t.mul(2)``), calls ``_formulas``' *_scalar."""

    _CALLS = {ast.Add: "add_scalar", ast.Sub: "sub_scalar", ast.Mult: "mul_scalar",
              ast.Div: "div_scalar"}
    _COMMUTATIVE = (ast.Add, ast.Mult)

    def __init__(self, scalars=()):
        self.scalars = scalars

    def _is_number(self, e):
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "conj" \
                and len(e.args) == 1:  # (the conjugate of a number argument)
            e = e.args[0]
        return (isinstance(e, ast.Constant) and type(e.value) in (int, float)) or \
            (isinstance(e, ast.Name) and e.id in self.scalars)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        fn = self._CALLS.get(type(node.op))
        if fn is None:
            return node
        if self._is_number(node.right):
            return ast.Call(ast.Name(fn, ast.Load()), [node.left, node.right], [])
        if isinstance(node.op, self._COMMUTATIVE) and self._is_number(node.left):
            return ast.Call(ast.Name(fn, ast.Load()), [node.right, node.left], [])
        return node


def _strip_r_to_c(body, inputs):
    """``handle_r_to_c(<input>_scalar_type, expr)`` (or ``handle_r_to_c(<input>, expr)``) around
    a whole formula for ``<input>``: ``(expr, True)``.  The node then takes the real part of a
    complex result for a real input itself, reading the input's dtype from its gradient edge,
    so nothing is saved for it (PyTorch's formulas save ``self.scalar_type()``)."""
    if isinstance(body, ast.Call) and isinstance(body.func, ast.Name) and \
            body.func.id == "handle_r_to_c" and len(body.args) == 2 and not body.keywords:
        first = body.args[0]
        if isinstance(first, ast.Name) and any(
                first.id in (n, n + "_scalar_type") for n in inputs):
            return body.args[1], True
    return body, False


class _ConjCalls(ast.NodeTransformer):
    """``conj(x)`` in a formula (PyTorch's ``x.conj()``), written inline so that a real tensor
    costs a type and an attribute test, not a call: ``x if type(x) is Tensor and not
    x.dtype.is_complex else conj(x)`` (an expression is bound to a name first; a number
    argument is conjugated only when a Python complex)."""

    def __init__(self, scalars=()):
        self.scalars = scalars
        self.n = 0

    def visit_Call(self, node):
        self.generic_visit(node)
        if not (isinstance(node.func, ast.Name) and node.func.id == "conj" and
                len(node.args) == 1 and not node.keywords):
            return node
        arg = node.args[0]
        if isinstance(arg, ast.Name) and arg.id in self.scalars:
            x = arg.id
            return ast.parse(f"({x} if type({x}) is not complex else {x}.conjugate())",
                             mode="eval").body
        if isinstance(arg, ast.Name):
            x, first = arg.id, arg.id
        else:  # (the test evaluates first: it binds the expression's value)
            x = f"_conj{self.n}"
            self.n += 1
            first = f"({x} := {ast.unparse(arg)})"
        # (a Tensor argument may also be passed a Python number: conj() handles it)
        return ast.parse(f"({x} if type({first}) is Tensor and not {x}.dtype.is_complex "
                         f"else conj({x}))", mode="eval").body


def _saved_value(saved, name, node):
    """A node's saved value for a formula: saved tensors unpacked (outputs get ``node`` back as
    their ``grad_fn``), tensor lists element by element, anything else as is."""
    v = saved.get(name)
    tv = type(v)
    if tv is SavedVariable:
        return v.unpack(node, True)
    if tv is list:
        return [x.unpack(node, True) if type(x) is SavedVariable else x for x in v]
    return v


class Slot:
    """A differentiable input: its name, whether it is a tensor list, its formula.

    ``group`` is None, or - for a formula shared by several inputs (derivatives.yaml's
    ``self, other: atan2_backward(grad, self, other, grad_input_mask)``) - the names of those
    inputs in the order of the tuple the formula returns."""

    __slots__ = ("name", "is_list", "formula", "group")

    def __init__(self, name, is_list, formula, group=None):
        self.name, self.is_list, self.formula, self.group = name, is_list, formula, group


class DerivativeSpec:
    """Everything recorded about one op's derivatives, and the node class built from it."""

    def __init__(self, opdef, formulas, name=None, mode="formula", jvp=None, base_spec=None):
        self.opdef = opdef
        self.entry = opdef.entry
        self.op = opdef.op
        self.schema = schema = opdef.schema
        self.mode = mode                       # "formula" | "nondiff" | "not_implemented"
        args = schema.arguments
        self.pos_names = [a.name for a in args if not a.kwarg_only]
        self.defaults = [(a.name, a.default_value) for a in args if a.has_default()]
        self.arg_types = {a.name: a.type for a in args}
        self.tensor_args = [a.name for a in args if a.type.base == "Tensor" and not a.is_out]
        rets = schema.returns
        self.multi = len(rets) > 1 or (len(rets) == 1 and rets[0].type.is_list)
        self.list_return = len(rets) == 1 and rets[0].type.is_list
        if len(rets) == 1:
            self.out_names = [rets[0].name or "result"]
        else:
            self.out_names = [r.name or f"result{i}" for i, r in enumerate(rets)]
        self.is_view = opdef.entry.is_view
        self.opname = schema.name.split("::")[-1]
        self.node_name = name or (camel(self.opname.rstrip("_")) + "Backward0")
        # (a C++ node's name() keeps its namespace: "torch::autograd::CopyBackwards")
        self.qualified_name = None
        if "::" in self.node_name:
            self.qualified_name, self.node_name = self.node_name, self.node_name.split("::")[-1]
        self.raw_formulas = dict(formulas)
        self.jvp_src = jvp
        self.base_spec = base_spec
        self.inplace_view = Tag.inplace_view in opdef.entry.tags
        self.complex_ok = self.opname in COMPLEX_AUTOGRAD_OPS or \
            getattr(opdef, "complex_autograd", False)
        # derivatives.yaml's output_differentiability (None: every float output)
        self.output_diff = getattr(opdef, "output_differentiability", None)
        self._compiled = False
        self._cls = None
        self.fast_tried = False  # (record_functional tried to install the generated kernel)

    # Formulas are compiled on first use (keeps ``import kindling`` fast).
    def compile(self):
        if self._compiled:
            return
        with _opreg._lock:  # (threads making the op's first records compile it once)
            if not self._compiled:
                self._compile()

    def _compile(self):
        known = set(self.arg_types) | set(self.out_names) | {"grad", "grads"}
        for n, t in self.arg_types.items():
            for suf in _DERIVED:
                known.add(n + suf)
        # names bound to numbers: operands that select ``.Scalar`` overloads
        scalars = {n for n, t in self.arg_types.items()
                   if t.base in _NUMBER_TYPES and not t.is_list} | \
            {n + "_sym_numel" for n in self.arg_types} | _HELPER_NUMBERS
        # a key naming several inputs ("self, other") declares one formula for all of them,
        # returning a tuple, with ``grad_input_mask`` saying which are wanted
        by_name = {}
        for key, src in self.raw_formulas.items():
            group = tuple(n.strip() for n in key.split(","))
            f = Formula(src, known | {"grad_input_mask"}, scalars,
                        group if len(group) == 1 else ())
            for n in group:
                by_name[n] = (f, group if len(group) > 1 else None)
        slots = []
        for a in self.schema.arguments:
            if a.name in by_name:
                slots.append(Slot(a.name, a.type.is_list, *by_name[a.name]))
        if any(s.group for s in slots) and any(s.is_list for s in slots):
            raise NotImplementedError("a formula shared by tensor-list inputs")
        unknown = set(by_name) - {s.name for s in slots}
        if unknown:
            raise RuntimeError(f"derivative formulas for {self.entry.qualified} name unknown "
                               f"arguments: {sorted(unknown)}")
        self.slots = slots
        # names each slot needs, split by kind
        self.tensor_inputs = set()
        self.other_params = []     # non-tensor inputs and derived values (always saved)
        self.output_params = []
        seen = set()
        for s in slots:
            for p in s.formula.params:
                if p in ("grad", "grads", "grad_input_mask") or p in seen:
                    continue
                seen.add(p)
                if p in self.out_names:
                    self.output_params.append(p)
                elif p in self.arg_types and self.arg_types[p].base == "Tensor":
                    self.tensor_inputs.add(p)
                else:
                    self.other_params.append(p)
        self.jvp = None
        if self.jvp_src is not None:
            from .forward_ad import compile_jvp
            self.jvp = compile_jvp(self, self.jvp_src)
        # ---- the record plan, so that recording a call does no name lookups ----------------
        # ``values(args, kwargs)`` gives the call's arguments by schema position; a slot, a
        # saved tensor or a saved non-tensor is read at a precomputed index.
        arguments = self.schema.arguments
        self.arg_index = {a.name: i for i, a in enumerate(arguments)}
        self.arg_fill = tuple(a.default_value if a.has_default() else None for a in arguments)
        self.n_pos = len(self.pos_names)
        self.has_lists = any(s.is_list for s in slots)
        # (bit of the slot in the "needed" mask, position of its argument)
        self.slot_bits = tuple((1 << k, self.arg_index[s.name]) for k, s in enumerate(slots))
        self.slot_tensor_params = [tuple(p for p in s.formula.params if p in self.tensor_inputs)
                                   for s in slots]
        self.saves_for = {}        # needed mask -> ((name, position), ...) of tensors to save
        self.other_getters = [(p, self._getter(p)) for p in self.other_params]
        self.output_params.sort()  # (saved and unpacked in name order, as torchgen does)
        self.output_index = [(p, self.out_names.index(p)) for p in self.output_params]
        self.diff_positions = self._diff_positions()
        self._compiled = True

    def _diff_positions(self):
        """The forward outputs the node takes gradients for, in order (None: all of them),
        chosen as torchgen's ``gen_differentiable_outputs`` does: derivatives.yaml's
        ``output_differentiability``, else only the first output when a formula reads the
        single ``grad``.  Output ``k`` of this tuple is the node's input ``k`` (its tensor's
        ``output_nr``); the formulas still index ``grads`` by forward output."""
        n = len(self.out_names)
        if self.output_diff is not None:
            pos = tuple(i for i, d in enumerate(self.output_diff) if d)
        elif self.multi and not self.list_return and \
                any("grad" in s.formula.params for s in self.slots):
            pos = (0,)
        else:
            return None
        return None if pos == tuple(range(n)) else pos

    def forward_grads(self, grads):
        """The node's gradients (one per differentiable output) placed at their forward
        outputs' positions, None at the others."""
        full = [None] * len(self.out_names)
        for g, i in zip(grads, self.diff_positions):
            full[i] = g
        return full

    def values(self, args, kwargs):
        """The call's arguments in schema order, defaults filled in (None where absent)."""
        n = len(args)
        npos = self.n_pos
        if n > npos:  # more positionals than the schema has: the extra ones are ignored
            args, n = args[:npos], npos
        vals = args + self.arg_fill[n:] if n < len(self.arg_fill) else args
        if kwargs:
            vals = list(vals)
            index = self.arg_index
            for k, v in kwargs.items():
                i = index.get(k)
                if i is not None:
                    vals[i] = v
        return vals

    def tensor_saves(self, needed):
        """``((name, position), ...)``: the tensor inputs read by the formulas of the slots
        in the ``needed`` bit mask (computed once per mask)."""
        r = self.saves_for.get(needed)
        if r is None:
            names = []
            for k, params in enumerate(self.slot_tensor_params):
                if needed >> k & 1:
                    names.extend(p for p in params if p not in names)
            # (saved in name order, as torchgen's save_variables writes them: what
            # saved-tensor pack hooks see)
            r = self.saves_for[needed] = tuple((p, self.arg_index[p]) for p in sorted(names))
        return r

    def _getter(self, name):
        """A function ``vals -> value`` for a saved non-tensor or derived name (``vals`` as
        returned by ``values``)."""
        for suf in _DERIVED:
            if name.endswith(suf) and name[:-len(suf)] in self.arg_types:
                i = self.arg_index[name[:-len(suf)]]
                return lambda vals, i=i, derive=_DERIVERS[suf]: derive(vals[i])
        t = self.arg_types.get(name)
        i = self.arg_index[name]
        if t is not None and t.is_list and t.base != "Tensor":
            def get_list(vals, i=i):
                v = vals[i]
                if isinstance(v, int) and not isinstance(v, bool):
                    return (v,)
                return tuple(v) if isinstance(v, (list, tuple)) else v
            return get_list

        def get(vals, i=i):
            v = vals[i]
            return tuple(v) if isinstance(v, list) else v
        return get

    @property
    def cls(self):
        if self._cls is None:
            with _opreg._lock:  # (threads recording the op's first node get one class)
                if self._cls is None:
                    self.compile()
                    self._cls = _make_node_class(self)
        return self._cls

    def bind(self, args, kwargs):
        vals = dict(zip(self.pos_names, args))
        if kwargs:
            vals.update(kwargs)
        for n, d in self.defaults:
            if n not in vals:
                vals[n] = d
        return vals

    def derived(self, name, vals):
        for suf in _DERIVED:
            if name.endswith(suf):
                base = name[:-len(suf)]
                if base in self.arg_types:
                    return _derive(vals.get(base), suf)
        v = vals.get(name)
        t = self.arg_types.get(name)
        if t is not None and t.is_list and t.base != "Tensor":
            if isinstance(v, int) and not isinstance(v, bool):
                return (v,)
            if isinstance(v, (list, tuple)):
                return tuple(v)
        elif isinstance(v, list):
            return tuple(v)
        return v


def _derive(t, suf):
    return _DERIVERS[suf](t)


def _args_sizes(ts):
    return [tuple(x._size) for x in ts]


def _args_scalartypes(ts):
    return [x.dtype for x in ts]


def _sym_sizes(t):
    return tuple(t._size) if isinstance(t, Tensor) else None


def _sym_sizes_opt(t):
    """An optional tensor's sizes, as torchgen saves ``<arg>_sym_sizes_opt``: an absent
    tensor reads back as ``(0,)`` (PyTorch's getter turns the empty optional into that)."""
    return tuple(t._size) if isinstance(t, Tensor) else (0,)


def _sym_strides(t):
    # (torchgen saves ``strides_or_error(t)``: no strides for an input that needs no gradient)
    if not isinstance(t, Tensor):
        return None
    return tuple(t.stride()) if requires_grad(t) else ()


def _sym_numel(t):
    return t.numel() if isinstance(t, Tensor) else None


def _scalar_type(t):
    return t.dtype if isinstance(t, Tensor) else None


def _geometry(t):
    return (tuple(t._size), tuple(t.stride()), t._offset) if isinstance(t, Tensor) else None


def _info(t):
    """PyTorch's ``TypeAndSize``: what ``zeros_like(<arg>)`` in a formula needs, saved instead
    of the tensor (so a later in-place change of it does not matter)."""
    return (tuple(t._size), t.dtype, t.device) if isinstance(t, Tensor) else None


# ``<arg><suffix>`` -> its value, from the argument (None when the argument is no tensor)
def _argsize(dim):
    return lambda t: t._size[dim] if isinstance(t, Tensor) else None


_DERIVERS = {**{suf: _argsize(int(suf.rsplit("_", 1)[1]) * (-1 if "minus" in suf else 1))
                for suf in _ARGSIZE},
             "_sym_sizes": _sym_sizes, "_sym_sizes_opt": _sym_sizes_opt,
             "_sym_strides": _sym_strides, "_sym_numel": _sym_numel,
             "_scalar_type": _scalar_type, "_geometry": _geometry, "_args_sizes": _args_sizes,
             "_args_scalartypes": _args_scalartypes, "_info": _info}


# ---- node classes ------------------------------------------------------------------------------
class FormulaNode(_Node):
    """A node whose backward evaluates declared formulas over its saved values."""

    __slots__ = ("_sv", "_nlist")
    _spec = None
    _formula = True
    _direct = None  # the node's array lane, when its op declares one (see array_lane)

    def _run(self, grads, needed=None):
        spec = self._spec
        nxt = self._next
        out = [None] * len(nxt)
        for g in grads:
            if g is not None:
                break
        else:
            return out  # no gradient flows in: none flows out
        if spec.diff_positions is not None:
            grads = spec.forward_grads(grads)
        # Which inputs want a gradient: those with an edge, on a path the engine runs (or as
        # the caller says, for CopySlices).
        ex = None
        if needed is None:
            task = _engine_state.task
            if task is not None:
                ex = task.exec_info
        sv = self._sv
        i = 0
        for s in spec.slots:
            if s.is_list:
                n = self._nlist[s.name]
                if needed is not None:
                    want = any(needed[i:i + n])
                else:
                    want = any(e[0] is not None and (ex is None or e[0] in ex)
                               for e in nxt[i:i + n])
            else:
                n = 1
                if needed is not None:
                    want = needed[i]
                else:
                    fn = nxt[i][0]
                    want = fn is not None and (ex is None or fn in ex)
            if want:
                r = s.formula.apply(self, grads, sv)
                if s.is_list:
                    r = list(r)
                    if s.formula.r_to_c:
                        r = [real_for_real_input(self, i + j, g) for j, g in enumerate(r)]
                    out[i:i + n] = r
                else:
                    out[i] = real_for_real_input(self, i, r) if s.formula.r_to_c else r
            i += n
        return out

    def release_variables(self):
        for v in self._sv.values():
            if type(v) is SavedVariable:  # (SavedVariable.release, inlined)
                v._freed = True
                v._data = None
                v._packed = v._hooks = None
            elif type(v) is list:
                for x in v:
                    if type(x) is SavedVariable:
                        x.release()


_UNSET = object()


def real_for_real_input(node, i, g):
    """PyTorch's ``handle_r_to_c``: the real part of a complex gradient ``g`` for the node's
    input ``i`` when that input is real (a real input of an op with a complex result)."""
    if g is None or not g.dtype.is_complex:
        return g
    fn, nr = node._next[i]
    meta = fn._meta[nr] if fn is not None else None
    if meta is not None and not meta[1].is_complex:
        from .._aten._ops_registry import aten
        return aten.real.default(g)
    return g


def _compile_run(spec):
    """``FormulaNode._run`` written out for one node class whose inputs are no tensor lists:
    one line per differentiable input, its formula called with its saved values directly (what
    PyTorch's codegen writes into each node's ``apply``)."""
    n = len(spec.slots)
    lines = [
        # ``ex``: the running task's exec_info, when the engine passes it (else looked up)
        "def _run(self, grads, needed=None, ex=UNSET):",
        "    for g in grads:",
        "        if g is not None:",
        "            break",
        "    else:",
        f"        return [None] * {n}",
    ]
    if spec.diff_positions is not None:  # (formulas index ``grads`` by forward output)
        full = ["None"] * len(spec.out_names)
        for k, i in enumerate(spec.diff_positions):
            full[i] = f"grads[{k}]"
        lines += [f"    grads = [{', '.join(full)}]"]
    lines += [
        "    nxt = self._next",
        "    if needed is None:",
        "        if ex is UNSET:",
        "            task = _engine_state.task",
        "            ex = None if task is None else task.exec_info",
        "        if ex is None:",
    ]
    lines += [f"            w{k} = nxt[{k}][0] is not None" for k in range(n)]
    lines += ["        else:"]
    for k in range(n):
        lines += [f"            f = nxt[{k}][0]",
                  f"            w{k} = f is not None and f in ex"]
    lines += ["    else:"]
    lines += [f"        w{k} = needed[{k}]" for k in range(n)]
    lines += ["    sv = self._sv"]
    env = {"_engine_state": _engine_state, "_saved": _saved_value, "UNSET": _UNSET,
           "SV": SavedVariable, "R2C": real_for_real_input}
    saved_names = set(spec.tensor_inputs) | set(spec.output_params)
    # Saved outputs are unpacked first, whichever gradients are wanted, as PyTorch's generated
    # ``apply`` unpacks its saved variables before computing any: a mode sees the detach an
    # output's unpacking dispatches before the formulas' ops.
    unpacked = {}
    for j, p in enumerate(spec.output_params):
        unpacked[p] = f"o{j}"
        lines += [f"    o{j} = _saved(sv, {p!r}, self)"]
    # PyTorch's generated nodes compute their inputs' gradients in the alphabetical order of
    # the inputs' names (MulBackward0: other, then self; MmBackward0: mat2, then self): the
    # order a mode sees their ops in
    index = {s.name: k for k, s in enumerate(spec.slots)}
    done = set()
    for k, s in sorted(enumerate(spec.slots), key=lambda ks: ks[1].name):
        if k in done:
            continue
        env[f"F{k}"] = s.formula.fn
        args = []
        body = []
        for j, p in enumerate(s.formula.params):
            if p == "grad_input_mask":
                args.append("[" + ", ".join(f"w{index[n]}" for n in s.group) + "]")
            elif p == "grad":
                args.append("grads[0]")
            elif p == "grads":
                args.append("grads")
            elif p in spec.tensor_inputs:
                # SavedVariable.unpack inlined for its common case: an input saved as is, not
                # modified since (anything else takes the full unpack)
                body += [f"        v = sv.get({p!r})",
                         f"        x{j} = v._data if type(v) is SV and v._hooks is None and "
                         f"v._data is not None and v._vc[0] == v._version and "
                         f"not v._is_output else _saved(sv, {p!r}, self)"]
                args.append(f"x{j}")
            elif p in unpacked:
                args.append(unpacked[p])
            elif p in saved_names:
                args.append(f"_saved(sv, {p!r}, self)")
            else:
                args.append(f"sv.get({p!r})")
        if s.group is None:
            lines += [f"    if w{k}:"] + body + [f"        r{k} = F{k}({', '.join(args)})"]
            if s.formula.r_to_c:  # (handle_r_to_c: one dtype test for a real gradient)
                lines += [f"        if r{k} is not None and r{k}.dtype.is_complex:",
                          f"            r{k} = R2C(self, {k}, r{k})"]
            lines += ["    else:", f"        r{k} = None"]
            continue
        # a shared formula: called once when any of its inputs is wanted
        ks = [index[n] for n in s.group]
        done.update(ks)
        lines += [f"    if {' or '.join(f'w{m}' for m in ks)}:"] + body + [
            f"        rs = F{k}({', '.join(args)})"]
        lines += [f"        r{m} = rs[{i}] if w{m} else None" for i, m in enumerate(ks)]
        lines += ["    else:"] + [f"        r{m} = None" for m in ks]
    lines += ["    return [" + ", ".join(f"r{k}" for k in range(n)) + "]"]
    src = "\n".join(lines) + "\n"
    exec(compile(src, f"<{spec.node_name}._run>", "exec"), env)
    fn = env["_run"]
    fn.__doc__ = src  # the generated source, for readers stepping through it
    return fn


def _compile_release(spec):
    """``FormulaNode.release_variables`` written out for one node class without tensor lists:
    only the names that can hold a saved tensor are looked at."""
    names = []
    for params in spec.slot_tensor_params:
        names.extend(p for p in params if p not in names)
    names.extend(p for p in spec.output_params if p not in names)
    lines = ["def release_variables(self):", "    sv = self._sv"]
    for p in names:  # (SavedVariable.release, inlined)
        t = spec.arg_types.get(p)
        if t is not None and t.is_list:  # (a tensor list, e.g. index's ``indices``)
            lines += [f"    for v in sv.get({p!r}) or ():",
                      "        if type(v) is SV:",
                      "            v.release()"]
            continue
        lines += [f"    v = sv.get({p!r})",
                  "    if type(v) is SV:",
                  "        v._freed = True",
                  "        v._data = None",
                  "        v._packed = v._hooks = None"]
    if not names:
        lines.append("    return")
    env = {"SV": SavedVariable}
    src = "\n".join(lines) + "\n"
    exec(compile(src, f"<{spec.node_name}.release_variables>", "exec"), env)
    fn = env["release_variables"]
    fn.__doc__ = src
    return fn


def _saved_property(name, as_float=False):
    def get(self):
        v = self._sv.get(name)
        if type(v) is SavedVariable:
            return v.unpack(self)
        if type(v) is list:
            return tuple(x.unpack(self) if type(x) is SavedVariable else x for x in v)
        if as_float and type(v) is int:  # (a ``float`` argument given as an int reads
            return float(v)              # back as the double c10 stored)
        return v
    return property(get)


def _raw_saved_property(name):
    def get(self):
        v = self._sv.get(name)
        if type(v) is list:  # (an undefined tensor of a list is a SavedTensor of None too)
            return tuple(SavedVariable(None) if x is None else x for x in v)
        return v
    return property(get)


def _make_node_class(spec):
    ns = {"__slots__": (), "_spec": spec, "_name": spec.qualified_name,
          "__module__": "builtins"}
    if not spec.has_lists:
        ns["_run"] = _compile_run(spec)
        ns["_fast_run"] = True
        ns["release_variables"] = _compile_release(spec)
    names = list(spec.tensor_inputs) + spec.output_params + [
        p for p in spec.other_params if not p.endswith(_HIDDEN)]
    for n in names:
        t = spec.arg_types.get(n)
        ns["_saved_" + n] = _saved_property(
            n, as_float=t is not None and t.base == "float" and not t.is_list)
        if n in spec.tensor_inputs or n in spec.output_params:
            ns["_raw_saved_" + n] = _raw_saved_property(n)
    cls = type(spec.node_name, (FormulaNode,), ns)
    lane = getattr(spec.opdef, "array_lane", None)
    if lane is not None and spec.base_spec is None:
        from .array_lane import install_node_lane
        install_node_lane(cls, spec, *lane)
    return cls


class NotImplementedNode(_Node):
    """The node of an aten op without a derivative formula: backward through it raises."""

    __slots__ = ("_opname",)
    _name = "torch::autograd::NotImplemented"

    def _run(self, grads, needed=None):
        raise RuntimeError(f"derivative for {self._opname} is not implemented")


NotImplementedNode.__name__ = NotImplementedNode.__qualname__ = "NotImplemented"


class WarnNotImplemented(_Node):
    """The node the Autograd fallback attaches to outputs of an op without autograd support."""

    __slots__ = ("_opname",)
    _name = "torch::autograd::WarnNotImplemented"

    def _run(self, grads, needed=None):
        _warn_autograd_not_implemented(self._opname)
        return [None] * len(self._next)


WarnNotImplemented.__name__ = WarnNotImplemented.__qualname__ = "CppFunction"


class CopySlices(_Node):
    """In-place op on a view: the base's new history.  Backward copies the base's gradient,
    runs the in-place op's node on the view's slice of it, and writes the result back."""

    __slots__ = ("base_geom", "view_geom", "fn", "view_dtype", "view_fn")
    _name = "torch::autograd::CopySlices"
    _formula = True

    def _run(self, grads, needed=None):
        from .._aten._ops_registry import aten
        from .. import _layout
        if self.fn is None:  # (released by an earlier backward, as PyTorch's CopySlices)
            raise RuntimeError(ERR_BACKWARD_TWICE)
        n = len(self._next)
        out = [None] * n
        g = grads[0]
        if g is None:
            return out
        bsize, bstride, boff = self.base_geom
        vsize, vstride, voff = self.view_geom
        result = aten.new_empty_strided.default(g, list(bsize), list(bstride))
        aten.copy_.default(result, g)
        vdtype = self.view_dtype
        if self.view_fn is not None:  # (view replay: the view's own ops, on the gradient)
            grad_slice = self.view_fn(result)
        elif vdtype is None:
            grad_slice = aten.as_strided.default(result, list(vsize), list(vstride), voff - boff)
        else:  # (a view_as_real/view_as_complex chain: geometry in the view dtype's units)
            rel = voff - (boff * 2 if not vdtype.is_complex else boff // 2)
            grad_slice = _cross_dtype_view(result, vdtype, vsize, vstride, rel)
        fn_needed = [self._should_compute(i) for i in range(n)]
        res = self.fn._run([aten.clone.default(grad_slice,
                                                memory_format=_layout.contiguous_format)],
                            needed=fn_needed)
        res = list(res) + [None] * (n - len(res))
        for i in range(n):
            if needed is not None and not needed[i]:
                continue
            if needed is None and not self._should_compute(i):
                continue
            if res[i] is None:
                continue
            if i == 0:
                aten.copy_.default(grad_slice, res[0])
                out[0] = result
            else:
                out[i] = res[i]
        return out

    def release_variables(self):
        self.fn = None


# ---- recording ---------------------------------------------------------------------------------
def _edge(v):
    if isinstance(v, Tensor) and (v._requires_grad or (v._base is not None and
                                                       requires_grad(v))):
        e = gradient_edge(v)
        # (a view made in inference mode of a tensor that requires grad requires grad but has
        # no edge: PyTorch still records a node for ops on it, with an invalid edge)
        return e if e[0] is not None else _NO_EDGE_REQUIRES_GRAD
    return (None, 0)


def _run_below(table, ks2, args, kwargs):
    """Run the op below autograd (``ks2``), its nested calls below ADInplaceOrView."""
    k = table[ks2.bit_length() - 1]
    if k in LEAF_KERNELS:  # (NumPy only: nothing nested to exclude anything from)
        return k(ks2, *args, **kwargs) if kwargs else k(ks2, *args)
    st = _tls
    prev = st.excluded
    st.excluded = prev | NESTED_EXCLUDED
    try:
        return k(ks2, *args, **kwargs) if kwargs else k(ks2, *args)
    finally:
        st.excluded = prev


def _outputs(spec, out):
    if spec.multi:
        return list(out)
    return [out]


_PKG_DIR = __file__.rsplit("/", 2)[0] + "/"  # .../kindling/
_GENERATED = ("<autograd kernel ", "<formula ")  # (the file names of code generated here)


def _anomaly_trace(node):
    """The forward call's stack, up to where it entered kindling (PyTorch's trace stops where
    Python calls into C++)."""
    stack = traceback.extract_stack()
    while stack and (stack[-1].filename.startswith(_PKG_DIR) or
                     stack[-1].filename.startswith(_GENERATED)):
        stack.pop()
    node.metadata["traceback_"] = traceback.format_list(stack)
    # a node made while the engine runs another (double backward) names it as its parent:
    # anomaly reports then follow the chain of backward calls that led to it
    parent = _engine_state.node
    if parent is not None:
        node.metadata["parent_"] = parent


def _set_history(node, outs, creation=None, positions=None):
    """Attach ``node`` to differentiable tensor outputs (``positions``: the outputs that
    are the node's inputs, None for all; see ``DerivativeSpec._diff_positions``); sets the
    node's per-input metadata and says whether any output got the node."""
    meta = []
    any_diff = False
    if positions is not None:
        outs = [outs[i] for i in positions]
    for i, o in enumerate(outs):
        if isinstance(o, Tensor) and is_differentiable_dtype(o.dtype):
            o._grad_node = node
            o._output_nr = i
            o._requires_grad = True
            if creation is not None and o._base is not None:
                o._view_meta = (o._vc[0], creation)
            meta.append((o._size, o.dtype, o._device))
            any_diff = True
        else:
            meta.append(None)
    node._meta = meta
    return any_diff


def _edge_fast(v):
    """``gradient_edge`` of ``v`` if it requires grad, else ``(None, 0)`` (inlined common case)."""
    if isinstance(v, Tensor):
        if v._base is None:
            fn = v._grad_node
            if fn is not None:
                return (fn, v._output_nr)
            if v._requires_grad:
                return (grad_accumulator(v), 0)
            return _NO_EDGE
        return _edge(v)
    return _NO_EDGE


_NO_EDGE = (None, 0)
_NO_EDGE_REQUIRES_GRAD = tuple([None, 0])  # (the same value, told apart by identity: not a
#                                              constant the compiler could share)


def wants_grad(e):
    """An input edge (``_edge``) of a tensor that requires grad: a node is recorded for it,
    even when the edge is invalid (a view made under no_grad of a tensor that requires grad)."""
    return e[0] is not None or e is _NO_EDGE_REQUIRES_GRAD


def record_functional(spec, ks, args, kwargs):
    """The Autograd kernel's slow path: record a node for a functional op."""
    if spec.mode != "formula":
        return _record_special(spec, ks, args, kwargs)
    cls = spec._cls
    if cls is None or not spec.fast_tried:
        # the op's first recording: compile its formulas (unless an in-place op using them
        # was recorded first), then its fast kernel
        cls = spec.cls
        spec.fast_tried = True
        _install_fast_kernel(spec)
    if kwargs or len(args) > spec.n_pos:
        vals = spec.values(args, kwargs)
    else:  # (a positional call: its values are the arguments, then the remaining defaults)
        vals = args + spec.arg_fill[len(args):]
    ks2 = ks & BELOW_AUTOGRAD
    table = spec.entry.table
    # one edge per differentiable input (per tensor of a list slot); ``needed``: bit k set when
    # the gradient of slot k is wanted
    edges = []
    needed = 0
    nlist = None
    if _tls.grad_enabled:  # (else only forward AD is on: nothing to record)
        if not spec.has_lists:
            for bit_, i in spec.slot_bits:
                v = vals[i]
                # _edge_fast(v), inlined for the common case: a tensor that is not a view
                if isinstance(v, Tensor) and v._base is None:
                    fn = v._grad_node
                    if fn is not None:
                        edges.append((fn, v._output_nr))
                        needed |= bit_
                    elif v._requires_grad:
                        edges.append((grad_accumulator(v), 0))
                        needed |= bit_
                    else:
                        edges.append(_NO_EDGE)
                else:
                    e = _edge_fast(v)
                    edges.append(e)
                    if e[0] is not None or e is _NO_EDGE_REQUIRES_GRAD:
                        needed |= bit_
        else:
            nlist = {}
            for s, (bit_, i) in zip(spec.slots, spec.slot_bits):
                v = vals[i]
                if s.is_list:
                    v = v or ()
                    nlist[s.name] = len(v)
                    for t in v:
                        e = _edge_fast(t)
                        edges.append(e)
                        if e[0] is not None or e is _NO_EDGE_REQUIRES_GRAD:
                            needed |= bit_
                else:
                    e = _edge_fast(v)
                    edges.append(e)
                    if e[0] is not None or e is _NO_EDGE_REQUIRES_GRAD:
                        needed |= bit_
    if not needed:
        if FW.active:
            from .forward_ad import run_with_jvp
            return run_with_jvp(spec, spec.bind(args, kwargs), ks2, args, kwargs, None)
        if not spec.is_view or not _tls.grad_enabled:
            return _run_below(table, ks2, args, kwargs)
        # A view of a view that requires grad through its base but has no gradient edge (made
        # in no_grad or inference mode): PyTorch records the node all the same (its edge is
        # invalid), so the new view has a grad_fn and its creation_meta is propagated.
    return _record_node(spec, cls, ks, args, kwargs, vals, tuple(edges), needed, nlist)


def _record_node(spec, cls, ks, args, kwargs, vals, edges, needed, nlist):
    """Record a ``cls`` node with ``edges`` for a call whose inputs in the ``needed`` slots
    want a gradient: save what their formulas use, run the op below autograd, attach the
    node to the outputs."""
    ks2 = ks & BELOW_AUTOGRAD
    table = spec.entry.table
    node = _new_obj(cls)
    node._next = edges
    node._seq = next(_seq_counter)
    node._hk = None
    node._nlist = nlist
    sv = {}
    # tensor inputs are saved only for the slots whose gradient is needed (before the op runs)
    saves = spec.saves_for.get(needed)
    if saves is None:
        saves = spec.tensor_saves(needed)
    for p, i in saves:
        v = vals[i]
        if isinstance(v, Tensor):
            sv[p] = SavedVariable(v)
        elif type(v) in (list, tuple):
            sv[p] = [SavedVariable(x) if isinstance(x, Tensor) else x for x in v]
        else:
            sv[p] = v
    for p, get in spec.other_getters:
        sv[p] = get(vals)
    node._sv = sv
    if FW.active:
        from .forward_ad import run_with_jvp
        kwargs = kwargs or {}
        out = run_with_jvp(spec, spec.bind(args, kwargs), ks2, args, kwargs,
                           lambda: _run_below(table, ks2, args, kwargs))
    else:
        out = _run_below(table, ks2, args, kwargs)
    if not spec.multi and not spec.is_view:
        # the common case, one plain output: _set_history(node, [out]) inlined
        if isinstance(out, Tensor) and is_differentiable_dtype(out.dtype):
            out._grad_node = node
            out._output_nr = 0
            out._requires_grad = True
            node._meta = [(out._size, out.dtype, out._device)]
        else:
            node._meta = [None]
        outs = (out,)
    else:
        outs = list(out) if spec.multi else [out]
        if spec.is_view:
            outs = _unalias_outputs(outs, args, kwargs)
            out = outs if spec.multi else outs[0]
            creation = (MULTI_OUTPUT_NODE if len(outs) > 1 or spec.list_return else DEFAULT)
            src = args[0] if args else None
            if isinstance(src, Tensor) and src._view_meta is not None and \
                    src._base is not None:  # a view of a view
                creation = propagate_creation_meta(src._view_meta[1], creation)
        else:
            creation = None
        _set_history(node, outs, creation, spec.diff_positions)
        if spec.is_view and _tls.view_replay_enabled:
            _view_func.record(spec.op, args, kwargs, outs, spec.multi)
    if not spec.complex_ok:
        _check_complex_outputs(spec, outs)
    for p, idx in spec.output_index:
        if spec.list_return:
            sv[p] = [SavedVariable(x, True, node) for x in outs]
        else:
            o = outs[idx]
            if isinstance(o, Tensor):
                sv[p] = SavedVariable(o, o._grad_node is node, node)
    if _anomaly.enabled:
        _anomaly_trace(node)
    if spec.list_return and not isinstance(out, list):
        out = list(outs)
    return out


_new_obj = object.__new__


# ---- per-op Autograd kernels, generated once an op first records ------------------------------
# argument types whose saved value is the argument itself (what ``_getter``'s ``get`` returns
# for anything but a list)
_PLAIN_SCALAR_TYPES = frozenset({"Scalar", "int", "float", "bool", "SymInt", "ScalarType"})


# The generated kernels' redispatch when nothing is recorded: ``_run_below``, written out
_REDISPATCH_BELOW = (
    "        ks &= BELOW_AUTOGRAD",
    "        k = table[ks.bit_length() - 1]",
    "        if k in LEAF_KERNELS:",
    "            return k(ks, *args)",
    "        st = _tls",
    "        prev = st.excluded",
    "        st.excluded = prev | NESTED_EXCLUDED",
    "        try:",
    "            return k(ks, *args)",
    "        finally:",
    "            st.excluded = prev",
)


def _fast_kernel_source(spec, front=None):
    """The source of the op's own Autograd kernel (as PyTorch's codegen writes VariableType):
    for a positional call, each differentiable input's edge is computed inline; anything
    else (keywords, forward AD) takes the generic kernel.

    ``front``: the op's CPU front as an ``InlineFront``, whose lines run in this frame when the
    kernel below autograd is that front (``FRONT``: checked at each call, so a kernel
    registered over it is called instead) and the call has exactly its arguments - whether
    the call records or not (grad mode off, no input requiring grad), so that a plain op's
    call makes no second call; ``out`` left None, the front itself is called as usual."""
    nreq = spec.entry.min_pos
    npos = spec.n_pos
    nfull = len(spec.arg_fill)
    head = [
        f"def autograd_{spec.opname}(ks, *args, **kwargs):",
        f"    n = len(args)",
        (f"    if kwargs or n != {npos} or FW.active:" if nreq == npos else
         f"    if kwargs or n < {nreq} or n > {npos} or FW.active:"),
        "        return generic(ks, *args, **kwargs)",
    ]
    # the edges of the differentiable inputs and ``needed``, their bits that need a gradient
    edge_lines = [
        # (FILL_FROM[n]: the defaults after the n arguments given)
        ("    vals = args" if nreq == npos == nfull else
         f"    vals = args if n == {nfull} else args + FILL_FROM[n]"),
    ]
    for k, (bit_, i) in enumerate(spec.slot_bits):
        edge_lines += [
            f"    v = vals[{i}]  # {spec.slots[k].name}",
            "    if isinstance(v, Tensor):",
            "        if v._base is None:",
            "            fn = v._grad_node",
            "            if fn is not None:",
            f"                e{k} = (fn, v._output_nr)",
            f"                needed |= {bit_}",
            "            elif v._requires_grad:",
            f"                e{k} = (grad_accumulator(v), 0)",
            f"                needed |= {bit_}",
            "            else:",
            f"                e{k} = NO_EDGE",
            "        else:",
            f"            e{k} = edge(v)",
            f"            if e{k}[0] is not None or e{k} is NO_EDGE_RG:",
            f"                needed |= {bit_}",
            "    else:",
            f"        e{k} = NO_EDGE",
        ]
    edges = ", ".join(f"e{k}" for k in range(len(spec.slot_bits)))
    # _record_node, written out for this op (one plain output, no forward AD)
    node_lines = [
        "    node = new(cls or MAKE_CLS())",  # (a kernel built before its first recording)
        f"    node._next = ({edges},)",
        "    node._seq = next(seq)",
        "    node._hk = None",
        "    node._nlist = None",
        *_save_lines(spec),
        "    node._sv = sv",
    ]
    call_below = [
        "if k in LEAF_KERNELS:  # (NumPy only: nothing nested to exclude autograd from)",
        "    out = k(ks, *args)",
        "else:",
        "    st = _tls",
        "    prev = st.excluded",
        "    st.excluded = prev | NESTED_EXCLUDED",
        "    try:",
        "        out = k(ks, *args)",
        "    finally:",
        "        st.excluded = prev",
    ]
    below = ["    ks &= BELOW_AUTOGRAD",
             "    k = table[ks.bit_length() - 1]"]
    if front is None:
        lines = [*head,
                 "    if not _tls.grad_enabled:", *_REDISPATCH_BELOW,
                 "    needed = 0", *edge_lines,
                 "    if not needed:", *_REDISPATCH_BELOW,
                 *node_lines, *below, *["    " + line for line in call_below]]
    else:
        # one call path for recording and plain calls: the front's lines written once
        nf = len(front.params)
        unpack = f"{front.params[0]}, = args" if nf == 1 else f"{', '.join(front.params)} = args"
        lines = [*head,
                 "    needed = 0",
                 "    if _tls.grad_enabled:", *["    " + line for line in edge_lines],
                 "    if needed:", *["    " + line for line in node_lines],
                 *below,
                 "    out = None",
                 ("    if k is FRONT:" if nf == npos and nreq == npos else
                  f"    if k is FRONT and n == {nf}:"),
                 f"        {unpack}",
                 *front.body(8),
                 "    if out is None:",
                 *["        " + line for line in call_below],
                 "    if not needed:",
                 "        return out"]
    lines += [
        "    if isinstance(out, Tensor) and out.dtype in DIFF_DTYPES:",
        "        out._grad_node = node",
        "        out._output_nr = 0",
        "        out._requires_grad = True",
        "        node._meta = [(out._size, out.dtype, out._device)]",
    ]
    if not spec.complex_ok:
        lines += ["        if out.dtype.is_complex:",
                  f"            raise complex_output_error({spec.opname!r})"]
    lines += [
        "    else:",
        "        node._meta = [None]",
    ]
    for p, _ in spec.output_index:
        lines += ["    if isinstance(out, Tensor):",
                  f"        sv[{p!r}] = SavedVariable(out, out._grad_node is node, node)"]
    lines += [
        "    if anomaly.enabled:",
        "        anomaly_trace(node)",
        "    return out",
    ]
    return "\n".join(lines) + "\n"


# derived values the generated kernels compute inline (``v``: the argument, known to be a
# tensor), as _DERIVERS would
_INLINE_DERIVERS = {"_scalar_type": "{v}.dtype", "_sym_sizes": "tuple({v}._size)",
                    # (the strides as c10 reads them: no __torch_function__, a subclass's own
                    # strides policy kept)
                    "_sym_strides": "(({v}._stride_ or {v}._stride()) if not {v}._meta_slow "
                                    "else tuple({v}.stride()))"}


def _inline_derived(spec, name):
    """``(argument position, suffix)`` of a derived saved value the generated kernel writes
    out, or None."""
    for suf in _INLINE_DERIVERS:
        if name.endswith(suf) and name[:-len(suf)] in spec.arg_types:
            return spec.arg_index[name[:-len(suf)]], suf
    return None


def _save_lines(spec):
    """The generated kernel's ``sv = {...}``: one dict display per ``needed`` mask (up to three
    differentiable inputs; one display when no entry depends on the mask), else a loop.

    Tensor inputs are saved only for the inputs whose gradient is needed, and a
    ``<arg>_sym_strides`` is ``()`` when ``<arg>`` needs none (torchgen's ``strides_or_error``:
    strides are saved only for an input that requires grad).  An input whose bit is in the mask
    is known to be a tensor: its derived values skip the isinstance test."""
    n = len(spec.slot_bits)
    bit_of = {i: b for b, i in spec.slot_bits}   # argument position -> its bit

    def other_items(mask):
        items = []
        for k, (p, _) in enumerate(spec.other_getters):
            i = spec.arg_index.get(p)
            inline = _inline_derived(spec, p)
            if i is not None and spec.arg_types[p].base in _PLAIN_SCALAR_TYPES and \
                    not spec.arg_types[p].is_list:
                expr = f"vals[{i}]"  # (a number, saved as passed)
            elif inline is not None:
                pos, suf = inline
                b = bit_of.get(pos)
                expr = _INLINE_DERIVERS[suf].format(v=f"vals[{pos}]")
                if suf == "_sym_strides":
                    if b is None:  # (not a differentiable input: the generic deriver decides)
                        expr = f"G{k}(vals)"
                    elif not mask & b:
                        expr = "()"
                elif b is None or not mask & b:
                    expr = f"({expr} if isinstance(vals[{pos}], Tensor) else None)"
            else:
                expr = f"G{k}(vals)"
            items.append(f"{p!r}: {expr}")
        return items

    if n > 3:
        lines = [
            "    sv = {}",
            "    saves = SAVES.get(needed)",
            "    if saves is None:",
            "        saves = spec.tensor_saves(needed)",
            "    for p, i in saves:",
            "        v = vals[i]",
            "        sv[p] = SavedVariable(v) if isinstance(v, Tensor) else v",
        ]
        return lines + [f"    sv[{p!r}] = G{k}(vals)" for k, (p, _) in
                        enumerate(spec.other_getters)]
    displays = []
    for mask in range(1, 1 << n):
        items = [f"{p!r}: SAVE(vals[{i}])" for p, i in spec.tensor_saves(mask)]
        displays.append("{" + ", ".join(items + other_items(mask)) + "}")
    if len(set(displays)) == 1:
        return [f"    sv = {displays[0]}"]
    lines = []
    for mask, d in enumerate(displays[:-1], 1):
        lines += [f"    {'if' if mask == 1 else 'elif'} needed == {mask}:", f"        sv = {d}"]
    return lines + ["    else:", f"        sv = {displays[-1]}"]


def _inline_front(entry, spec, env):
    """The CPU kernel of ``entry`` when it is a front the op library compiled from an
    ``InlineFront`` (``_defop.install_inline_front``) whose lines' local and global names
    are not the generated kernel's own (``env``: its globals), else None (not inlined)."""
    top = entry._top(K.CPU)
    kernel = top.fn if top is not None else None
    front = getattr(kernel, "inline", None)
    if front is None or any(n in env and env[n] is not v for n, v in front.env.items()):
        return None
    theirs = front.locals
    if theirs is None:
        probe = "\n".join([f"def probe({', '.join(front.params)}):", "    out = None",
                           *front.body(4)]) + "\n"
        theirs = front.locals = _local_names(probe, "probe") - {"out"}
    return kernel if not kernel_locals(spec) & theirs else None


# The local names of a generated kernel without a front (tests/test_autograd_fastpaths.py
# checks every op's against its compiled source): a front using one of them is not inlined.
_KERNEL_LOCALS = frozenset({"ks", "args", "kwargs", "n", "needed", "vals", "v", "fn", "node",
                            "sv", "saves", "p", "i", "k", "out", "st", "prev"})


def kernel_locals(spec):
    """What ``_fast_kernel_source(spec)`` may name as locals (its edges ``e<k>`` included)."""
    return _KERNEL_LOCALS | {f"e{k}" for k in range(len(spec.slot_bits))}


def _local_names(src, name):
    code = compile(src, "<probe>", "exec")
    fn = next(c for c in code.co_consts if getattr(c, "co_name", None) == name)
    return set(fn.co_varnames)


def _make_cls(spec, env):
    """The node class of ``spec``, built at the first recording of a kernel generated before
    it (``_build_fast_early``) and kept in that kernel's globals."""
    env["cls"] = cls = spec.cls
    return cls


def _install_fast_kernel(spec):
    """Replace the generic Autograd kernel of a plain functional op (no tensor lists, one
    output, not a view) by its generated one, in place in the dispatch table."""
    entry = spec.entry
    old = getattr(spec, "generic_kernel", None)
    if old is None or spec.kernel is not old or spec.has_lists or spec.multi or \
            spec.is_view or entry.scan_lists or not spec.slots or \
            any(spec.arg_types[p].is_list for p in spec.tensor_inputs):  # (tensor-list saves)
        return
    env = {"FW": FW, "_tls": _tls, "BELOW_AUTOGRAD": BELOW_AUTOGRAD, "table": entry.table,
           "FILL": spec.arg_fill, "Tensor": Tensor, "grad_accumulator": grad_accumulator,
           "FILL_FROM": tuple(spec.arg_fill[i:] for i in range(len(spec.arg_fill) + 1)),
           "edge": _edge, "NO_EDGE": _NO_EDGE, "NO_EDGE_RG": _NO_EDGE_REQUIRES_GRAD,
           "spec": spec, "cls": spec._cls, "MAKE_CLS": lambda: _make_cls(spec, env),
           "generic": old, "new": _new_obj, "seq": _seq_counter, "SAVES": spec.saves_for,
           "SavedVariable": SavedVariable, "SAVE": SavedVariable.of_input,
           "NESTED_EXCLUDED": NESTED_EXCLUDED,
           "anomaly": _anomaly, "anomaly_trace": _anomaly_trace, "LEAF_KERNELS": LEAF_KERNELS,
           "complex_output_error": complex_output_error, "DIFF_DTYPES": _DIFF_DTYPES}
    for k, (_, get) in enumerate(spec.other_getters):
        env[f"G{k}"] = get
    front_kernel = _inline_front(entry, spec, env)
    front = None
    if front_kernel is not None:
        front = front_kernel.inline
        env.update(front.env)
        env["FRONT"] = front_kernel
    src = _fast_kernel_source(spec, front)
    exec(compile(src, f"<autograd kernel {entry.qualified}>", "exec"), env)
    fast = env[f"autograd_{spec.opname}"]
    fast.__doc__ = src  # the generated source, for readers stepping through it
    with _opreg._lock:
        if spec.kernel is not old:  # (another thread was first)
            return
        for kentry in entry.kernels.get(K.Autograd, ()):
            if kentry.fn is old:
                kentry.fn = kentry.raw = fast
        table = entry.table
        for i, fn in enumerate(table):
            if fn is old:
                table[i] = fast
        spec.kernel = fast


def _unalias_outputs(outs, args, kwargs):
    """A view op must return new tensors: an input returned as-is becomes an alias."""
    res = []
    for o in outs:
        if any(o is a for a in args) or (kwargs and any(o is a for a in kwargs.values())):
            from .graph import _alias_without_history
            a = _alias_without_history(o)
            a._base = o._base if o._base is not None else o
            o = a
        res.append(o)
    return res


def _record_special(spec, ks, args, kwargs):
    ks2 = ks & BELOW_AUTOGRAD
    table = spec.entry.table
    if FW.active and spec.mode == "not_implemented" and _any_fw_grad(args, kwargs):
        # PyTorch's autogradNotImplementedFallback refuses before the op runs (a random op
        # leaves the generator as it was); ops PyTorch declares with non-differentiable outputs
        # (comparisons) run, and only a differentiable result is refused
        if Tag.nondeterministic_seeded not in spec.entry.tags:
            out = _run_below(table, ks2, args, kwargs)
            if not any(isinstance(o, Tensor) and is_differentiable_dtype(o.dtype)
                       for o in _outputs(spec, out)):
                return out
        raise NotImplementedError(f"Trying to use forward AD with {spec.entry.name} that "
                                  "does not support it.")
    if spec.mode == "nondiff" or not _tls.grad_enabled:
        return _run_below(table, ks2, args, kwargs)
    # not implemented: record a node that raises in backward
    edges = _input_edges(args, kwargs)
    if not any(wants_grad(e) for e in edges):
        return _run_below(table, ks2, args, kwargs)
    out = _run_below(table, ks2, args, kwargs)
    node = NotImplementedNode.__new__(NotImplementedNode)
    node._next = tuple(edges)
    node._seq = next_seq()
    node._hk = None
    node._opname = spec.entry.name
    _set_history(node, _outputs(spec, out))
    return out


# ---- views: regenerated history after in-place changes -----------------------------------------
def view_grad_fn(t):
    """``t.grad_fn`` for a view: after its base (or another view) changed in place, the view's
    history is re-derived from the base's: ``AsStridedBackward0``."""
    vm = t._view_meta
    fn = t._grad_node
    if vm is None:
        return fn
    version, creation = vm
    cur = t._vc[0]
    if version == cur:
        return fn
    base = t._base
    if not requires_grad(base) or not is_differentiable_dtype(t.dtype):
        t._view_meta = (cur, creation)
        return fn
    if creation != DEFAULT:
        raise RuntimeError(_view_rebase_error(t, creation, fn, regenerate=True))
    if t._view_fn is not None or t.dtype is not base.dtype:
        # PyTorch replays the view's view_fn (the recorded view ops with view replay on, else
        # view_as_real/view_as_complex, then as_strided in the view dtype's units) on the base
        # with grad mode on
        prev = _tls.grad_enabled
        _tls.grad_enabled = True
        try:
            node = (t._view_fn(base) if t._view_fn is not None else
                    _replay_cross_dtype_view(base, t))._grad_node
        finally:
            _tls.grad_enabled = prev
    else:
        node = _as_strided_node(base, t)
    if t._retains_grad:
        _move_retains_grad(t, fn, node, 0)
    t._grad_node = node
    t._output_nr = 0
    t._requires_grad = True
    t._view_meta = (cur, creation)
    return node


def _replay_cross_dtype_view(base, t):
    """View ``t`` of ``base`` (another dtype) replayed on ``base``, as PyTorch's view_fn: a
    view_as_real/view_as_complex output is that op (on the parent's as_strided geometry when
    the parent was a view); a view of one is the op then ``as_strided``."""
    from .._aten._ops_registry import aten
    xv = t._xview
    if xv is False:
        return _cross_dtype_view(base, t.dtype, t._size, t.stride(), t._offset)
    src = base if xv is None else aten.as_strided.default(base, list(xv[0]), list(xv[1]), xv[2])
    return (aten.view_as_real.default(src) if base.dtype.is_complex
            else aten.view_as_complex.default(src))


def _cross_dtype_view(src, vdtype, vsize, vstride, voff):
    """The view of ``src``'s storage with geometry ``vsize``/``vstride``/``voff`` (absolute
    offset) in the units of ``vdtype`` (src complex and vdtype real, or the reverse): PyTorch's
    view_fn of a view_as_real/view_as_complex chain, view op then as_strided."""
    from .._aten._ops_registry import aten
    if src.dtype.is_complex:
        x = aten.view_as_real.default(src)
    else:
        m = voff + sum((n - 1) * st for n, st in zip(vsize, vstride)) + 1
        if any(n == 0 for n in vsize):
            m = max(voff, 0) + 1
        x = aten.view_as_complex.default(aten.as_strided.default(src, [m, 2], [2, 1], 0))
    return aten.as_strided.default(x, list(vsize), list(vstride), voff)


def _move_retains_grad(t, old_fn, new_fn, new_nr):
    """PyTorch's update_tensor_hooks_on_new_gradfn for a tensor that retains grad (call it
    before ``t._output_nr`` changes): its retains_grad hook moves to its new grad_fn."""
    hk = old_fn._hk if old_fn is not None else None
    if hk is not None and hk.retains_grad:
        hk.retains_grad.pop(t._output_nr, None)
    new_fn._set_retains_grad(new_nr, t)


def _as_strided_node(base, view):
    from .._aten._ops_registry import aten
    spec = aten.as_strided.default._entry.autograd_spec
    cls = spec.cls
    node = cls.__new__(cls)
    node._next = (gradient_edge(base),)
    node._seq = next_seq()
    node._hk = None
    node._nlist = None
    node._sv = {"self_geometry": (tuple(base._size), tuple(base.stride()), base._offset),
                "size": tuple(view._size), "stride": tuple(view.stride()),
                "storage_offset": view._offset}
    node._meta = [(view._size, view.dtype, view._device)]
    return node


def _view_rebase_error(t, creation, fn, regenerate=False):
    """PyTorch's handle_view_on_rebase message for view ``t`` (creation_meta ``creation``,
    ``grad_fn`` ``fn``), modified in place (``regenerate``: its base or another view was)."""
    modified = ("its base or another view of its base has been" if regenerate else "is being")
    if creation in (NO_GRAD_MODE, INFERENCE_MODE) or fn is None:
        prefix = (f"Output {t._output_nr} of {node_display_name(fn)} is a view of a view which "
                  "was created in" if fn is not None else "A view was created in")
        if creation == INFERENCE_MODE:
            msg = f"{prefix} inference mode and {modified} modified inplace in normal mode."
        else:
            msg = (f"{prefix} no_grad mode and {modified} modified inplace with grad mode "
                   "enabled.")
    else:
        msg = (f"Output {t._output_nr} of {node_display_name(fn)} is a view and {modified} "
               "modified inplace.")
    if creation == MULTI_OUTPUT_NODE:
        return (f"{msg} This view is the output of a function that returns multiple views. "
                "Such functions do not allow the output views to be modified inplace. You "
                "should replace the inplace operation by an out-of-place one.")
    if creation in (NO_GRAD_MODE, INFERENCE_MODE):
        block = "no_grad" if creation == NO_GRAD_MODE else "inference_mode"
        return (f"{msg} Given that this use case is ambiguous and error-prone, it is "
                "forbidden. You can clarify your code by moving both the view and the inplace "
                f"either both inside the {block} block (if you don't want the inplace to be "
                "tracked) or both outside (if you want the inplace to be tracked).")
    return (f"{msg} This view was created inside a custom Function (or because an input was "
            "returned as-is) and the autograd logic to handle view+inplace would override the "
            "custom backward associated with the custom Function, leading to incorrect "
            "gradients. This behavior is forbidden. You can fix this by cloning the output of "
            "the custom Function.")


def propagate_creation_meta(prev, new):
    """The creation_meta of a view of a view (PyTorch's propagate_creation_meta)."""
    if new == DEFAULT:
        return prev
    return prev if prev == INFERENCE_MODE else new


def check_inplace(t):
    """PyTorch's check_inplace: in-place on leaves (or their views) that require grad, and on
    views whose creation forbids it."""
    base = t._base
    vm = t._view_meta
    if base is not None and vm is not None and is_differentiable_dtype(t.dtype):
        if vm[1] != DEFAULT:
            raise RuntimeError(_view_rebase_error(t, vm[1], t._grad_node))
        if requires_grad(t) and grad_fn_of(base) is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")
        return True
    if t._requires_grad and grad_fn_of(t) is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    return False


def rebase_history(t, node, output_nr=0):
    """Make in-place-modified ``t`` the output ``output_nr`` of ``node``."""
    base = t._base
    if base is not None and t._view_meta is not None and is_differentiable_dtype(t.dtype):
        old = gradient_edge(base)
        cs = CopySlices.__new__(CopySlices)
        cs.base_geom = (tuple(base._size), tuple(base.stride()), base._offset)
        cs.view_geom = (tuple(t._size), tuple(t.stride()), t._offset)
        cs.view_dtype = t.dtype if t.dtype is not base.dtype else None
        cs.view_fn = t._view_fn
        cs.fn = node
        cs._next = (old,) + tuple(node._next[1:])
        cs._seq = next_seq()
        cs._hk = None
        cs._meta = [(base._size, base.dtype, base._device)]
        if base._retains_grad:
            _move_retains_grad(base, old[0], cs, 0)
        base._grad_node = cs
        base._output_nr = 0
        base._requires_grad = True
        # the view's own history is regenerated from the base on next access (at once when
        # it retains grad, as PyTorch does it, so the old node no longer fills its .grad);
        # the view lets go of its old grad_fn now, as PyTorch's regeneration does (a node
        # that saved the view's history weakly sees it end with the nodes that use it)
        t._view_meta = (-1, t._view_meta[1])
        if t._retains_grad:
            view_grad_fn(t)
        else:
            t._grad_node = None
        return cs
    old_fn = t._grad_node
    if old_fn is not None and old_fn._hk is not None and old_fn._hk.retains_grad:
        old_fn._hk.retains_grad.pop(t._output_nr, None)
    t._grad_node = node
    t._output_nr = output_nr
    t._requires_grad = True
    if t.__dict__.get("_retains_grad"):
        node._set_retains_grad(output_nr, t)
    return None


def set_inplace_view_history(t, node):
    """``t``, changed by an inplace_view op (``t_``, ``unsqueeze_``...), becomes ``node``'s
    output: PyTorch's codegen sets, not rebases, their history (a view keeps its base's
    history; its own grad_fn is ``node``, current at its new version)."""
    # (a retains_grad hook stays on the old node, as PyTorch's set_history leaves it: .grad
    # then has the geometry from before the op)
    t._grad_node = node
    t._output_nr = 0
    t._requires_grad = True
    vm = t._view_meta
    if vm is not None and t._base is not None:
        t._view_meta = (t._vc[0], vm[1])


def record_inplace(spec, ks, args, kwargs):
    """An in-place op with formulas (its own or its functional form's)."""
    if FW.active:
        return _inplace_with_jvp(spec, ks, args, kwargs)
    return _record_inplace(spec, ks, args, kwargs)


def _inplace_with_jvp(spec, ks, args, kwargs):
    """Forward AD through an in-place op: recorded as usual, the tangent of the modified
    tensor updated in place (autograd/forward_ad.py)."""
    from .forward_ad import run_inplace_with_jvp
    vals = spec.bind(args, kwargs)
    return run_inplace_with_jvp(spec, spec.base_spec or spec, vals, vals[spec.self_name],
                                lambda: _record_inplace(spec, ks, args, kwargs))


def _record_inplace(spec, ks, args, kwargs):
    fspec = spec.base_spec or spec
    vals = spec.bind(args, kwargs)
    self_t = vals[spec.self_name]
    ks2 = ks & BELOW_AUTOGRAD
    table = spec.entry.table
    if not _tls.grad_enabled:
        return _run_below(table, ks2, args, kwargs)
    made = inplace_node(fspec, vals, spec.self_name)
    if made is None:
        return _run_below(table, ks2, args, kwargs)
    out = _run_below(table, ks2, args, kwargs)
    finish_inplace_node(fspec, made, self_t, spec.inplace_view)
    return out


def inplace_node(fspec, vals, self_name):
    """The first half of recording an in-place op (``vals``: its arguments by name): check
    ``self`` may be modified and make the node of the functional form's formulas, with the
    inputs it saves (``self`` as it is before the op), and whether ``self`` is a view; None
    when no input requires grad.
    (``_foreach`` in-place ops make one per tensor, then run once.)"""
    cls = fspec.cls
    self_t = vals[self_name]
    if not any(_any_requires_grad(vals.get(s.name)) for s in fspec.slots):
        return None
    is_view = check_inplace(self_t)
    edges = []
    nlist = None
    for s in fspec.slots:
        v = vals.get(s.name)
        if s.is_list:
            v = v or ()
            nlist = nlist or {}
            nlist[s.name] = len(v)
            edges.extend(_edge(x) for x in v)
        else:
            edges.append(_edge(v))
    if not any(wants_grad(e) for e in edges):
        return None
    node = cls.__new__(cls)
    node._next = tuple(edges)
    node._seq = next_seq()
    node._hk = None
    node._nlist = nlist
    sv = {}
    need_names = set()
    i = 0
    for s in fspec.slots:
        n = nlist[s.name] if s.is_list else 1
        if any(wants_grad(edges[i + k]) for k in range(n)):
            need_names.update(s.formula.params)
        i += n
    from .._aten._ops_registry import aten
    for p in fspec.tensor_inputs:
        if p in need_names:
            v = vals.get(p)
            if p == self_name and v is self_t:
                v = aten.clone.default(self_t)  # original_self: the value before the op
            if isinstance(v, Tensor):
                sv[p] = SavedVariable(v)
            elif type(v) in (list, tuple):
                sv[p] = [SavedVariable(x) if isinstance(x, Tensor) else x for x in v]
            else:
                sv[p] = v
    for p in fspec.other_params:
        sv[p] = fspec.derived(p, vals)
    node._sv = sv
    return node, is_view


def finish_inplace_node(fspec, made, self_t, inplace_view=False):
    """The second half, once the op ran: ``self_t`` gets the node ``inplace_node`` made as its
    history."""
    node, is_view = made
    node._meta = [(self_t._size, self_t.dtype, self_t._device)]
    if inplace_view:
        set_inplace_view_history(self_t, node)
    else:
        rebase_history(self_t, node, 0)
    for p in fspec.output_params:
        node._sv[p] = (SavedVariable.of_inplace_view(self_t, node) if is_view
                       else SavedVariable(self_t, True, node))
    if _anomaly.enabled:
        _anomaly_trace(node)


def make_out_kernel(opdef):
    """``out=`` forms: refused when an input or output requires grad (PyTorch's message), run
    as they are when PyTorch declares them not differentiable, autogradNotImplementedFallback's
    way when it lists no derivative for them (autograd/_out_kernels.py)."""
    from ._out_kernels import not_implemented_out_kernel, out_autograd_kind, outputs_fw_grad
    kind = out_autograd_kind(opdef)
    if kind == "not_implemented":
        return not_implemented_out_kernel(opdef)
    check = kind == "formula"
    any_fw_grad = outputs_fw_grad(opdef) if kind == "inputs_nondiff" else _any_fw_grad
    entry = opdef.entry
    table = entry.table
    name = opdef.schema.name.split("::")[-1]
    cpp_name = name.split(".")[0] + "_out"

    def kernel(ks, *args, **kwargs):
        # (the inputs and the outputs alike, as VariableType's out= kernels check)
        if check and _tls.grad_enabled:
            for v in args:
                if _any_requires_grad(v):
                    _out_error(name)
            if kwargs:
                for v in kwargs.values():
                    if _any_requires_grad(v):
                        _out_error(name)
        ks2 = ks & BELOW_AUTOGRAD
        out = _run_below(table, ks2, args, kwargs)
        if FW.active and any_fw_grad(args, kwargs):
            # (checked after the call, as PyTorch's generated kernels do)
            raise NotImplementedError(f"Trying to use forward AD with {cpp_name} that does not "
                                      "support it because it is an out= function")
        return out
    return kernel


def _any_requires_grad(v):
    if isinstance(v, Tensor):
        return requires_grad(v)
    if type(v) in (list, tuple):
        return any(isinstance(t, Tensor) and requires_grad(t) for t in v)
    return False


def _out_error(name):
    raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                       "differentiation, but one of the arguments requires grad.")


# ---- kernels --------------------------------------------------------------------------------------
def make_kernel(spec, record):
    """The Autograd kernel: redispatch at once unless something must be recorded."""
    table = spec.entry.table
    scan_lists = spec.entry.scan_lists

    def kernel(ks, *args, **kwargs):
        if _tls.grad_enabled or FW.active:
            for a in args:
                if isinstance(a, Tensor):
                    if a._requires_grad or a._base is not None and requires_grad(a) or \
                            FW.active:
                        return record(spec, ks, args, kwargs)
                elif scan_lists and type(a) in (list, tuple):
                    for t in a:
                        if isinstance(t, Tensor) and (requires_grad(t) or FW.active):
                            return record(spec, ks, args, kwargs)
            if kwargs:
                for a in kwargs.values():
                    if isinstance(a, Tensor) and (requires_grad(a) or FW.active):
                        return record(spec, ks, args, kwargs)
        ks &= BELOW_AUTOGRAD
        k = table[ks.bit_length() - 1]
        if k in LEAF_KERNELS:
            return k(ks, *args, **kwargs) if kwargs else k(ks, *args)
        st = _tls  # (_run_below, written out: every call that records nothing comes here)
        prev = st.excluded
        st.excluded = prev | NESTED_EXCLUDED
        try:
            return k(ks, *args, **kwargs)
        finally:
            st.excluded = prev

    def view_kernel(ks, *args, **kwargs):
        if _tls.grad_enabled or FW.active:
            for a in args:
                if isinstance(a, Tensor):
                    if a._requires_grad or a._base is not None and requires_grad(a) or \
                            FW.active:
                        return record(spec, ks, args, kwargs)
            if kwargs:
                for a in kwargs.values():
                    if isinstance(a, Tensor) and (requires_grad(a) or FW.active):
                        return record(spec, ks, args, kwargs)
            creation = MULTI_OUTPUT_NODE if spec.multi else DEFAULT
        else:
            creation = INFERENCE_MODE if _tls.inference_mode else NO_GRAD_MODE
            src = args[0] if args else None
            if isinstance(src, Tensor) and src._view_meta is not None and \
                    src._base is not None:  # a view of a view
                creation = propagate_creation_meta(src._view_meta[1], creation)
        ks &= BELOW_AUTOGRAD
        k = table[ks.bit_length() - 1]
        if k in LEAF_KERNELS:
            out = k(ks, *args, **kwargs) if kwargs else k(ks, *args)
        else:
            out = _run_below(table, ks, args, kwargs)
        if spec.multi:
            for o in out:
                if o._base is not None:
                    o._view_meta = (o._vc[0], creation)
        elif isinstance(out, Tensor) and out._base is not None:
            out._view_meta = (out._vc[0], creation)
        if _tls.view_replay_enabled:
            _view_func.record(spec.op, args, kwargs, out if spec.multi else (out,), spec.multi)
        return out
    k = view_kernel if spec.is_view else kernel
    k.__name__ = f"autograd_{spec.opname}"
    spec.kernel = spec.generic_kernel = k
    return k


_ABOVE_AUTOGRAD = above(K.AutogradMeta) & ~AUTOGRAD_BITS


def call_no_grad(op, a, b):
    """``op(a, b)`` for two tensors and a non-view op with an autograd formula, while grad mode
    is off: what the engine's own additions use.

    The op's Autograd kernel would only redispatch below itself then; this computes the key
    set as the dispatcher does and calls the kernel below autograd directly.  Whenever more
    than that hop could happen - forward AD, a key above autograd, an Autograd kernel other
    than ours - it makes the ordinary call, so modes and subclasses see the same ops.
    """
    entry = op._entry
    st = _tls
    if st.grad_enabled or FW.active or not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        return op(a, b)
    ks = (a._ks | b._ks | st.included) & ~st.excluded & entry.mask
    if ks & _ABOVE_AUTOGRAD or not ks:
        return op(a, b)
    if ks & AUTOGRAD_BITS:
        spec = getattr(entry, "autograd_spec", None)
        if spec is None or entry.table[ks.bit_length() - 1] is not spec.kernel:
            return op(a, b)
        ks &= BELOW_AUTOGRAD
        if not ks:
            return op(a, b)
        k = entry.table[ks.bit_length() - 1]
        return k(ks, a, b) if k in LEAF_KERNELS else _run_below(entry.table, ks, (a, b), None)
    return entry.table[ks.bit_length() - 1](ks, a, b)


def _any_fw_grad(args, kwargs):
    """Whether a tensor argument (or one in a list) has a tangent at the open level."""
    from ._fw_grad import current_level, fw_grad
    level = current_level()
    if level < 0:
        return False
    for a in list(args) + (list(kwargs.values()) if kwargs else []):
        if isinstance(a, Tensor):
            if fw_grad(a, level) is not None:
                return True
        elif type(a) in (list, tuple):
            if any(isinstance(t, Tensor) and fw_grad(t, level) is not None for t in a):
                return True
    return False


def _input_edges(args, kwargs):
    """The gradient edge of every tensor argument (tensors in lists too), in argument order."""
    edges = []
    for a in list(args) + (list(kwargs.values()) if kwargs else []):
        if isinstance(a, Tensor):
            edges.append(_edge(a))
        elif type(a) in (list, tuple):
            edges.extend(_edge(t) for t in a if isinstance(t, Tensor))
    return edges


# PyTorch's AutogradFallbackMode: process-wide, as its kAutogradFallbackMode.
_fallback_mode = "warn"


def _get_autograd_fallback_mode():
    """``torch._C._get_autograd_fallback_mode()``: what the Autograd fallback does for ops
    without an autograd kernel ("warn", the default, or "nothing")."""
    return _fallback_mode


def _set_autograd_fallback_mode(mode):
    """``torch._C._set_autograd_fallback_mode(mode)``."""
    global _fallback_mode
    if isinstance(mode, bytes):
        mode = mode.decode()  # (pybind11 takes bytes for a str argument)
    if not isinstance(mode, str):
        raise TypeError("_set_autograd_fallback_mode(): incompatible function arguments. The "
                        "following argument types are supported:\n    1. (arg0: str) -> None\n"
                        f"\nInvoked with: {mode!r}")
    if mode == "error":
        raise RuntimeError("NYI: mode='error'")
    if mode not in ("nothing", "warn"):
        raise RuntimeError('false INTERNAL ASSERT FAILED at "/__w/pytorch/pytorch/torch/csrc/'
                           'autograd/init.cpp":653, please report a bug to PyTorch. '
                           f"Unsupported AutogradFallbackMode: {mode}")
    _fallback_mode = mode


def _warn_autograd_not_implemented(opname):
    warnings.warn(
        f"{opname}: an autograd kernel was not registered to the Autograd key(s) but we "
        "are trying to backprop through it. This may lead to silently incorrect behavior. "
        "This behavior is deprecated and will be removed in a future version of PyTorch. If "
        "your operator is differentiable, please ensure you have registered an autograd "
        "kernel to the correct Autograd key (e.g. DispatchKey::Autograd, "
        "DispatchKey::CompositeImplicitAutograd). If your operator is not differentiable, "
        "or to squash this warning and use the previous behavior, please register "
        "torch::CppFunction::makeFallthrough() to DispatchKey::Autograd.",
        UserWarning, stacklevel=3)


def _tensor_args(values):
    """The tensors among ``values`` (tensors in lists too), with the index of the value each
    comes from."""
    for i, a in enumerate(values):
        if isinstance(a, Tensor):
            yield i, a
        elif type(a) in (list, tuple):
            for t in a:
                if isinstance(t, Tensor):
                    yield i, t


def autograd_fallback(ks, op, *args, **kwargs):
    """Ops without an autograd kernel (PyTorch's basicAutogradNotImplementedFallback): the
    kernel runs below the Autograd key but with autograd on, so the ops it calls record as
    usual.  In "warn" mode, when an input requires grad, outputs that require grad get a hook
    that warns in backward, and the others a WarnNotImplemented node (warns, passes no
    gradient; not for outputs the schema marks as written in place)."""
    ks2 = ks & BELOW_AUTOGRAD
    if _fallback_mode == "nothing" or not _tls.grad_enabled:
        return op.redispatch(ks2, *args, **kwargs)
    values = list(args) + (list(kwargs.values()) if kwargs else [])
    inputs = [t for _, t in _tensor_args(values)]
    if not any(requires_grad(t) for t in inputs):
        return op.redispatch(ks2, *args, **kwargs)
    node = WarnNotImplemented.__new__(WarnNotImplemented)
    node._next = tuple(_edge(t) for t in inputs)
    node._hk = None
    node._opname = opname = op._schema.name
    node._meta = []
    node._seq = next_seq()
    out = op.redispatch(ks2, *args, **kwargs)
    returns = op._schema.returns
    outs = list(out) if isinstance(out, (tuple, list)) else [out]

    def warn_hook(grad):
        _warn_autograd_not_implemented(opname)

    for i, o in _tensor_args(outs):
        if not is_differentiable_dtype(o.dtype):
            continue
        ret = returns[i] if i < len(returns) else None
        mutable_out = ret is not None and ret.alias_info is not None and ret.alias_info.is_write
        if requires_grad(o):
            o.register_hook(warn_hook)
            # (an in-place op on a view may have rebased the history: warn on the base too)
            base = o._base
            if base is not None and mutable_out and requires_grad(base):
                base.register_hook(warn_hook)
        elif not mutable_out:
            o._grad_node = node
            o._output_nr = len(node._meta)
            o._requires_grad = True
            node._meta.append((o._size, o.dtype, o._device))
    return out


# ---- installation ---------------------------------------------------------------------------------
_specs: dict = {}


def spec_for(opdef):
    if opdef.entry.qualified in _pending:
        materialize(opdef.entry)
    return _specs.get(opdef.entry.qualified)


def install():
    """Register Autograd kernels for every aten op, and the fallback for all other ops."""
    from .._aten import _defop
    site = "kindling/autograd/derivatives.py"
    was_deferred = _opreg._deferred
    _opreg.defer_tables()
    try:
        # the Autograd fallback replaces the fallthrough the op library installed (one table
        # rebuild for all keys, not one per key)
        fb = KernelEntry(autograd_fallback, site, boxed=True)
        with _opreg._lock:
            for key in K:
                if RANK.get(key) is not None and bit(key) & AUTOGRAD_BITS:
                    stack = [e for e in _opreg._fallbacks.get(key, []) if not e.fallthrough]
                    _opreg._fallbacks[key] = stack + [fb]
            _opreg._recompute_all()
        for d in list(_defop._ALL_OPS.values()):
            _install_op(d, site)
        # (and those of the op families defined later, at their first use)
        _defop.family_hooks.append(lambda opdefs: [_install_op(d, site) for d in opdefs])
    finally:
        if not was_deferred:  # else the op library builds every table once, at its end
            _opreg.flush_deferred()


# Ops whose Autograd kernel is still to be built (qualified name -> (OpDef, its KernelEntry)):
# building ~1,300 derivative specs and kernels at import would cost ~8 ms, so each op's is
# built when the op first dispatches at the Autograd key, or when its spec is asked for.
_pending: dict = {}


def _install_op(d, site):
    """Register ``d``'s Autograd kernel: a stand-in that builds the real one (``_build_op``)
    on the op's first Autograd dispatch, then runs it."""
    entry = d.entry
    if entry.has_kernel_for(K.CompositeImplicitAutograd) or entry.has_kernel_for(K.Autograd):
        return
    kentry = KernelEntry(None, site)

    def build_then_run(ks, *args, **kwargs):
        return materialize(entry)(ks, *args, **kwargs)
    build_then_run.__name__ = f"autograd_{entry.qualified.split('::')[-1]}_unbuilt"
    kentry.fn = kentry.raw = build_then_run
    _pending[entry.qualified] = (d, kentry)
    entry.register(K.Autograd, kentry)


def materialize(entry):
    """Build ``entry``'s Autograd kernel now if it is still pending; the kernel (thread-safe:
    threads dispatching an op for the first time together build it once)."""
    with _opreg._lock:
        pending = _pending.pop(entry.qualified, None)
        if pending is None:
            return entry._top(K.Autograd).fn
        d, kentry = pending
        fn = _build_op(d)
        kentry.fn = kentry.raw = fn
        entry._recompute()
        _build_fast_early(entry)
        return kentry.fn  # (the generated kernel when _build_fast_early put it there)


def _build_fast_early(entry):
    """An op whose CPU kernel is an ``InlineFront`` gets its generated Autograd kernel at its
    first dispatch instead of its first recording (its formulas compiled then): its plain
    calls - no grad mode, no input requiring grad - run the front's lines in that kernel's
    frame too, one call fewer than the generic kernel's redispatch to the front."""
    top = entry._top(K.CPU)
    if getattr(top.fn if top is not None else None, "inline", None) is None:
        return
    spec = entry.__dict__.get("_autograd_spec")
    if spec is None or spec.mode != "formula" or spec.fast_tried:
        return
    spec.compile()  # (what the kernel saves; its node class waits for the first recording)
    spec.fast_tried = True
    _install_fast_kernel(spec)


def materialize_all():
    """Build every pending Autograd kernel (for callers that look through all specs)."""
    _opreg.define_all_pending()
    for d, _ in list(_pending.values()):
        materialize(d.entry)


def _autograd_spec_of(entry):
    spec = entry.__dict__.get("_autograd_spec")
    if spec is None and entry.qualified in _pending:
        materialize(entry)
        spec = entry.__dict__.get("_autograd_spec")
    return spec


def _set_autograd_spec(entry, spec):
    entry.__dict__["_autograd_spec"] = spec


# ``entry.autograd_spec``: the op's DerivativeSpec, built on demand (None for ops without one)
_opreg.OperatorEntry.autograd_spec = property(_autograd_spec_of, _set_autograd_spec)


def _build_op(d):
    """The Autograd kernel of ``d`` (a functional, mutating or ``out=`` op), its spec recorded."""
    entry = d.entry
    schema = d.schema
    is_out = any(a.is_out for a in schema.arguments)
    # (an op that writes an argument but returns fresh tensors - ``rrelu_with_noise`` fills
    # its ``noise``, ``_native_batch_norm_legit`` its running statistics - is recorded as a
    # functional one, and gets no ADInplaceOrView kernel: no version bump, as PyTorch's)
    mutable = schema.is_mutable and not writes_but_returns_fresh(schema)
    functional = getattr(d, "functional", None)
    if getattr(d, "foreach", None) is not None:  # (a _foreach_ op: derived per element)
        from .foreach import foreach_kernel
        return foreach_kernel(d)
    if is_out:
        return make_out_kernel(d)
    if mutable:
        fspec = None
        if d.derivatives is not None:
            spec = DerivativeSpec(d, d.derivatives, getattr(d, "derivative_name", None),
                                  jvp=getattr(d, "jvp_formula", None))
        elif functional is not None and functional.derivatives is not None:
            fspec = _specs.get(functional.entry.qualified) or _make_spec(functional)
            spec = DerivativeSpec(d, {}, fspec.node_name, base_spec=fspec)
        elif getattr(d, "nondiff", False):
            spec = DerivativeSpec(d, {}, mode="nondiff")
            return make_kernel(spec, _record_special)
        else:
            spec = DerivativeSpec(d, {}, mode="not_implemented")
            kernel = make_kernel(spec, _record_special)
            if schema.name.rsplit("::", 1)[-1] in _RESET_GRAD_ACCUMULATOR:
                kernel = spec.kernel = spec.generic_kernel = _resetting_grad_accumulator(kernel)
            return kernel
        spec.self_name = next(a.name for a in schema.arguments if a.is_write)
        _specs[entry.qualified] = spec
        entry.autograd_spec = spec
        return make_kernel(spec, record_inplace)
    spec = _make_spec(d)
    if spec.mode == "nondiff" and not spec.is_view:
        # nothing to record, whatever the inputs: the kernel only redispatches below autograd
        return _nondiff_kernel(spec)
    kernel = make_kernel(spec, record_functional)
    if getattr(d, "no_grad_args", None):
        kernel = spec.kernel = _checking_no_grad(spec, kernel, d.no_grad_args)
    return kernel


def _checking_no_grad(spec, kernel, names):
    """PyTorch's ``check_no_requires_grad`` before ``kernel``: the tensor inputs that
    derivatives.yaml gives no formula (``nll_loss_forward``'s ``weight``) must not require
    grad while grad mode is on.  (Its generated fast kernel is not installed.)"""
    positions = [(spec.pos_names.index(n), n) for n in names]

    def checking(ks, *args, **kwargs):
        if _tls.grad_enabled:
            for i, n in positions:
                v = args[i] if i < len(args) else kwargs.get(n)
                if isinstance(v, Tensor) and v.requires_grad:
                    raise RuntimeError(
                        f"The function '{spec.opname}' is not differentiable with respect to "
                        f"argument '{n}'. This input cannot have requires_grad True.")
        return kernel(ks, *args, **kwargs)
    return checking


# Ops after which a leaf gets a new AccumulateGrad node (PyTorch's codegen emits
# ``reset_grad_accumulator(self)`` in their Autograd kernels): a graph recorded before
# ``x.set_(...)`` no longer counts as using ``x``.
_RESET_GRAD_ACCUMULATOR = frozenset({"set_"})


def _resetting_grad_accumulator(kernel):
    def reset_kernel(ks, self, *args, **kwargs):
        out = kernel(ks, self, *args, **kwargs)
        self.__dict__.pop("_grad_acc", None)
        return out
    reset_kernel.__name__ = kernel.__name__
    return reset_kernel


def _nondiff_kernel(spec):
    """The Autograd kernel of a functional op that is not differentiable (``ones_like``,
    comparisons): its outputs never require grad, so it redispatches below autograd."""
    table = spec.entry.table

    def kernel(ks, *args, **kwargs):
        ks &= BELOW_AUTOGRAD
        k = table[ks.bit_length() - 1]
        if k in LEAF_KERNELS:
            return k(ks, *args, **kwargs) if kwargs else k(ks, *args)
        return _run_below(table, ks, args, kwargs)
    kernel.__name__ = f"autograd_{spec.opname}"
    spec.kernel = spec.generic_kernel = kernel
    return kernel


def _make_spec(d):
    entry = d.entry
    if entry.qualified in _specs:
        return _specs[entry.qualified]
    if d.derivatives is not None:
        spec = DerivativeSpec(d, d.derivatives, getattr(d, "derivative_name", None),
                              jvp=getattr(d, "jvp_formula", None))
    elif getattr(d, "nondiff", False):
        spec = DerivativeSpec(d, {}, mode="nondiff")
    else:
        spec = DerivativeSpec(d, {}, mode="not_implemented")
    _specs[entry.qualified] = spec
    entry.autograd_spec = spec
    return spec


def node_class(name):
    """The backward node class named ``name`` (``MulBackward0``), for ``torch._C._functions``;
    AttributeError if no op records one."""
    materialize_all()
    for spec in list(_specs.values()):
        if spec.mode == "formula" and spec.node_name == name:
            return spec.cls
    raise AttributeError(f"module 'torch._C._functions' has no attribute '{name}'")
