"""Declaring aten ops: schema, kernels, meta function, derivative and samples in one place.

    add = defop("add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
                tags=("pointwise",))

    @add.cpu                      # receives ndarrays and Python scalars, returns ndarrays
    def _(self, other, alpha=1): ...

    add.meta(pointwise_meta)      # receives meta tensors, returns meta tensors
    add.samples(binary_samples)   # feeds the OpInfo database (kindling.testing)

``cpu`` kernels are wrapped by an adapter built once per op: tensor arguments become their
NumPy views, results become fresh tensors.  ``explicit`` registers a CompositeExplicitAutograd
kernel (tensors in, tensors out, for every backend: views and factories use it), ``composite``
a CompositeImplicitAutograd decomposition written with other ops.
"""
from __future__ import annotations

import numpy as np

from .. import _ops
from .._dispatcher import operator as _opreg
from .._dispatcher.keys import AUTOGRAD_BITS, K, RANK, above, bit
from .._dispatcher.operator import LEAF_KERNELS, KernelEntry, caller_site
from .._dispatcher.schema import parse_schema
from .._dispatcher.tls import state as _tls
from .._tensor import Tensor, from_array
from . import _tensor_iterator as _ti
from ._tags import aten_tags

_ALL_OPS: dict = {}  # "add.Tensor" -> OpDef

# Whether an op's result takes TensorIterator's layout is not quite PyTorch's ``pointwise``
# tag: these ops compute with a TensorIterator but are not tagged, and these are tagged but
# lay out their result themselves (``clone``: its memory_format; in-place ``conj_physical_``:
# the result is ``self``).
_ITERATOR_UNTAGGED = frozenset({"floor_divide.default", "floor_divide.Scalar", "rsub.Tensor",
                                "masked_fill.Tensor"})
_TAGGED_NOT_ITERATOR = frozenset({"clone.default", "conj_physical_.default"})


class OpDef:
    """Everything about one aten overload. ``op`` is its ``OpOverload``."""

    # (set on the instance by the registrations that give them)
    sample_fn = None
    derivatives = None
    derivative_name = None
    jvp_formula = None
    array_lane = None  # (fn, ops) from ``array_backward``
    nondiff = False
    out_error_name = None  # (an out= form's name in "functions with out=..." refusals)
    error_samples_fn = None
    ref = None  # a NumPy/Python reference for tests, when the kernel is not one

    def __init__(self, schema, tags=()):
        # (``schema``: text after ``aten::``, or a parsed FunctionSchema, as aliases reuse
        # their target's arguments without parsing them again)
        if isinstance(schema, str):
            schema = parse_schema("aten::" + schema)
        self.entry = _opreg.define(schema, site=caller_site(), tags=aten_tags(schema, tags))
        self.op = _ops.overload_for(self.entry)
        self.schema = schema = self.entry.schema
        # whether results get TensorIterator's layout (pointwise ops; set for others PyTorch
        # computes with one, as ``complex``, before their kernels are registered)
        name = f"{schema.name[6:]}.{schema.overload_name or 'default'}"  # (after ``aten::``)
        self.iterator = ("pointwise" in tags or name in _ITERATOR_UNTAGGED) and \
            name not in _TAGGED_NOT_ITERATOR
        _ALL_OPS[name] = self

    @property
    def name(self):
        return self.entry.qualified

    # ---- kernels ------------------------------------------------------------------------------
    def _register(self, key, fn, raw=None):
        self.entry.register(key, KernelEntry(fn, caller_site(), raw=raw))

    def cpu(self, fn):
        """Register a NumPy kernel (ndarrays in, ndarrays out) for the CPU key (a pointwise
        op's results get TensorIterator's layout: see ``_tensor_iterator``)."""
        adapter = pointwise_adapter if self.iterator else cpu_adapter
        kernel = adapter(fn, self.schema)
        self._register(K.CPU, kernel, raw=fn)
        LEAF_KERNELS.add(kernel)  # (NumPy in, NumPy out: it dispatches nothing)
        return fn

    def cpu_ks(self, fn):
        """Register a CPU kernel taking ``(keyset, *tensors_and_args)`` (no adaptation)."""
        self._register(K.CPU, fn)
        return fn

    def cpu_leaf(self, fn):
        """``cpu_ks`` for a kernel that computes with NumPy alone, dispatching no op itself
        (a leaf: see LEAF_KERNELS)."""
        self._register(K.CPU, fn)
        LEAF_KERNELS.add(fn)
        return fn

    def meta(self, fn):
        """Register the meta function (meta tensors in, meta tensors out; a pointwise op's
        result is restrided to TensorIterator's layout)."""
        kernel = pointwise_meta_adapter(fn, self.schema) if self.iterator else _drop_ks(fn)
        self._register(K.Meta, kernel, raw=fn)
        return fn

    def explicit(self, fn):
        """Register a CompositeExplicitAutograd kernel (tensors in/out, every backend)."""
        self._register(K.CompositeExplicitAutograd, _drop_ks(fn), raw=fn)
        return fn

    def composite(self, fn):
        """Register a CompositeImplicitAutograd decomposition written with other ops."""
        self._register(K.CompositeImplicitAutograd, _drop_ks(fn), raw=fn)
        return fn

    def impl(self, key, with_keyset=False):
        def deco(fn):
            self._register(key, fn if with_keyset else _drop_ks(fn), raw=fn)
            return fn
        return deco

    # ---- metadata for autograd and tests ------------------------------------------------------
    def samples(self, fn):
        """Register a sample-input generator ``fn(dtype) -> iterable[SampleInput]``."""
        self.sample_fn = fn
        return fn

    def error_samples(self, fn):
        self.error_samples_fn = fn
        return fn

    def derivative(opdef, name=None, *, result=None, **formulas):  # noqa: N805 (self= is a formula)
        """Declare derivative formulas, derivatives.yaml style (consumed by kindling.autograd).

        ``formulas`` maps each differentiable argument to an expression (or a function) of
        ``grad``, the op's arguments and outputs (``result``) and ``<arg>_sym_sizes``-style
        derived values, e.g. ``mul.derivative(self="grad * other", other="grad * self")``.
        ``name`` is the backward node's class name when it is not ``<Op>Backward0``;
        ``result`` is the forward-mode (jvp) formula over ``<arg>_t`` tangents / ``<arg>_p``
        primals (or "auto_element_wise" / "auto_linear").
        """
        opdef.derivatives = formulas
        opdef.derivative_name = name
        opdef.jvp_formula = result
        return opdef

    def array_backward(self, *ops):
        """Declare the op's backward node computed on NumPy arrays (see
        ``kindling.autograd.array_lane``): ``fn(grad, <saved values>, grad_input_mask)``
        returning the gradients' arrays, for the engine to run instead of the formulas when
        nothing can observe their ops.  ``ops``: the aten overloads those formulas dispatch
        ("mm.default", ...), whose kernels the arrays stand for."""
        def deco(fn):
            self.array_lane = (fn, ops)
            return fn
        return deco

    def retag(self, *tags):
        """Declare other tags than the family helper that made this op gave it (an entry
        whose yaml lists tags of its own)."""
        self.entry.tags = aten_tags(self.schema, tags)
        return self

    def nondifferentiable(self):
        """Outputs of this op never require grad (comparisons, ``detach``, ``*_like``...)."""
        self.nondiff = True
        return self

    def __repr__(self):
        return f"OpDef({self.name})"


class JvpDecomposition:
    """A ``derivative(result=...)`` that is no formula: under forward AD the op runs as this
    decomposition (written with other ops, each computing its own tangent), as PyTorch runs
    the JIT decompositions of ops that have a backward formula but no forward one
    (``_softmax_backward_data``...): a mode sees the decomposition's ops, not the op."""

    def __init__(self, fn):
        self.fn = fn


def defop(schema, tags=()):
    """Declare an aten overload from its schema (``name.overload(args) -> returns``, or a
    parsed ``FunctionSchema``) and the tags its native_functions.yaml entry lists (names;
    ``_tags.aten_tags`` adds the derived ones)."""
    return OpDef(schema, tags)


def all_ops():
    """Every aten op's OpDef by ``"name.overload"`` (ops defined at first use included)."""
    _opreg.define_all_pending()
    return dict(_ALL_OPS)


def get_opdef(name):
    """The OpDef of ``"name.overload"`` (``"exp.default"``), or None."""
    d = _ALL_OPS.get(name)
    if d is None and _opreg._lazy:
        _opreg.ensure_defined("aten::" + name.partition(".")[0])
        d = _ALL_OPS.get(name)
    return d


# Called with the OpDefs of an op family defined after import (``_aten/_lazy.py``), once the op
# library's own late registrations are done, by the layers that register something for every
# op when they are imported (the Autograd kernels).
family_hooks: list = []


def _drop_ks(fn):
    def kernel(ks, *args, **kwargs):
        if kwargs:
            return fn(*args, **kwargs)
        return fn(*args)  # (``**{}`` in a call is not free)
    kernel.__name__ = getattr(fn, "__name__", "kernel")
    kernel.__wrapped__ = fn
    return kernel


# (LEAF_KERNELS, the kernels the Autograd layer calls without c10's
# AutoDispatchBelowADInplaceOrView guard, lives with the dispatcher; the op library adds its
# NumPy kernels and fast fronts, which dispatch nothing.)


def install_cpu_front(opdef, make_front, leaf=True):
    """Put ``make_front(generic)`` in front of ``opdef``'s CPU kernel: a fast path for its most
    common call that hands everything else to ``generic`` (the kernel it replaces).  ``leaf``:
    the front and ``generic`` only compute with NumPy (see LEAF_KERNELS)."""
    entry = opdef.entry
    kentry = entry._top(K.CPU)
    generic = kentry.fn
    kernel = make_front(generic)
    kernel.__name__ = getattr(generic, "__name__", "kernel")
    kernel.__wrapped__ = generic
    kentry.fn = kernel
    entry._recompute()
    if leaf:
        LEAF_KERNELS.add(kernel)
    return kernel


class InlineFront:
    """A CPU front's fast path written once as source lines, so that the op's generated
    Autograd kernel can run it in its own frame (``derivatives._fast_kernel_source``): a
    small op, recorded or not, then costs one Python frame for the recording (if any) and the
    NumPy call, instead of the Autograd kernel, the front and its helpers each in their own.

    ``params``: the names the lines read the positional arguments by (the call is taken only
    with exactly that many, no keywords); ``lines``: statements, not indented, that set
    ``out`` to the result tensor, or leave it None for the generic kernel (which then does
    everything: the checks, errors and unusual cases); ``env``: the names the lines use
    besides the arguments and ``out`` (upper-case, so that they cannot shadow the Autograd
    kernel's own; its locals are checked against the lines' before they are inlined)."""

    def __init__(self, params, lines, env):
        self.params = tuple(params)
        self.lines = list(lines)
        self.env = dict(env)
        self.locals = None  # (the lines' local names, found when first inlined)

    def body(self, indent):
        """The lines at ``indent`` extra spaces."""
        pad = " " * indent
        return [pad + line for line in self.lines]


def install_inline_front(opdef, front: InlineFront):
    """``install_cpu_front`` for a front given as an ``InlineFront``: its kernel is compiled
    from the lines (``kernel.inline`` keeps them for the Autograd layer), everything the
    lines leave to the generic kernel goes there."""
    n = len(front.params)
    unpack = f"{front.params[0]}, = args" if n == 1 else f"{', '.join(front.params)} = args"
    src = "\n".join([
        "def make(generic):",
        "    def kernel(ks, *args, **kwargs):",
        f"        if len(args) == {n} and not kwargs:",
        f"            {unpack}",
        "            out = None",
        *front.body(12),
        "            if out is not None:",
        "                return out",
        "        return generic(ks, *args, **kwargs)",
        "    return kernel",
    ]) + "\n"
    env = dict(front.env)
    exec(compile(src, f"<CPU front {opdef.entry.qualified}>", "exec"), env)

    def make_front(generic):
        kernel = env["make"](generic)
        kernel.__doc__ = src  # the generated source, for readers stepping through it
        kernel.inline = front
        return kernel
    return install_cpu_front(opdef, make_front)


# ---- CPU adapter --------------------------------------------------------------------------------
def unwrap(x):
    if isinstance(x, Tensor):
        return x._np
    if type(x) in (list, tuple) and x and any(isinstance(t, Tensor) for t in x):
        return [t._np if isinstance(t, Tensor) else t for t in x]
    return x


def wrap(r):
    """A kernel result as tensors: fresh arrays become tensors, numbers stay numbers."""
    if type(r) is np.ndarray:
        if r.base is not None:
            r = r.copy()
        return from_array(r)
    if isinstance(r, np.generic):
        return from_array(np.asarray(r))
    if isinstance(r, tuple):
        return tuple(wrap(x) for x in r)
    if isinstance(r, list):
        return [wrap(x) for x in r]
    return r


_ndarray = np.ndarray


def cpu_adapter(fn, schema):
    """Turn a NumPy kernel into a table kernel ``(ks, *args, **kwargs)``."""
    scan_lists = any(a.type.is_list and a.type.base == "Tensor" for a in schema.arguments)

    if not scan_lists:
        def kernel(ks, *args, **kwargs):
            # The common unary and binary calls without keywords are unrolled (``**{}`` in a
            # call is not free either).
            if kwargs:
                kwargs = {k: (v._np if isinstance(v, Tensor) else v) for k, v in kwargs.items()}
                r = fn(*[x._np if isinstance(x, Tensor) else x for x in args], **kwargs)
            elif len(args) == 2:
                a, b = args
                r = fn(a._np if isinstance(a, Tensor) else a,
                       b._np if isinstance(b, Tensor) else b)
            elif len(args) == 1:
                a = args[0]
                r = fn(a._np if isinstance(a, Tensor) else a)
            elif len(args) == 3:  # (``sum(x, dims, keepdim)``, ``where(c, x, y)``...)
                a, b, c = args
                r = fn(a._np if isinstance(a, Tensor) else a,
                       b._np if isinstance(b, Tensor) else b,
                       c._np if isinstance(c, Tensor) else c)
            else:
                r = fn(*[x._np if isinstance(x, Tensor) else x for x in args])
            if type(r) is _ndarray and r.base is None:
                return from_array(r)
            return wrap(r)
    else:
        def kernel(ks, *args, **kwargs):
            a = [unwrap(x) for x in args]
            if kwargs:
                kwargs = {k: unwrap(v) for k, v in kwargs.items()}
            return wrap(fn(*a, **kwargs))
    kernel.__name__ = getattr(fn, "__name__", "kernel")
    kernel.__wrapped__ = fn
    return kernel


def iterator_operands(schema):
    """Where a pointwise op's TensorIterator operands are among its arguments: a tuple of
    ``(positional index or None, name)`` in TensorIterator's order - the Tensor arguments,
    and the Scalar ``self``/``other`` PyTorch wraps into 0-d tensors - and the positions (in
    that tuple) of operands it does not cast to the common dtype, and whether the op lays out
    its result as ``empty_like`` of its first argument instead."""
    pos, found = 0, {}
    for a in schema.arguments:
        idx = None if a.kwarg_only else pos
        if not a.kwarg_only:
            pos += 1
        t = a.type
        if (t.base == "Tensor" and not t.is_list) or \
                (t.base == "Scalar" and a.name in ("self", "other")):
            found[a.name] = (idx, a.name)
    name = schema.name.split("::")[-1]
    order, uncast = _ti.OPERAND_ORDER.get(
        f"{name}.{schema.overload_name}" if schema.overload_name else name, (None, ()))
    if order == "like":   # (the result is laid out as empty_like of the first argument)
        return (found[next(iter(found))],), (), True
    names = [n for n in order if n in found] if order is not None else list(found)
    return (tuple(found[n] for n in names),
            tuple(i for i, n in enumerate(names) if n in uncast), False)


def operand_values(spec, args, kwargs):
    """The operands a call passes, in ``spec``'s order (None for an absent optional one)."""
    return [args[i] if i is not None and i < len(args) else kwargs.get(n) for i, n in spec]


def pointwise_adapter(fn, schema):
    """``cpu_adapter`` for a pointwise op: the result is laid out as TensorIterator would
    (NumPy chooses differently when the inputs' layouts disagree)."""
    spec, uncast, like = iterator_operands(schema)
    nspec = len(spec)
    in_order = all(i == j for j, (i, _) in enumerate(spec))
    pointwise_result = _ti.pointwise_result

    def kernel(ks, *args, **kwargs):
        if kwargs:
            kw = {k: (v._np if isinstance(v, Tensor) else v) for k, v in kwargs.items()}
            r = fn(*[x._np if isinstance(x, Tensor) else x for x in args], **kw)
        elif len(args) == 2:  # (the common calls unrolled, as in cpu_adapter)
            a, b = args
            r = fn(a._np if isinstance(a, Tensor) else a, b._np if isinstance(b, Tensor) else b)
        elif len(args) == 1:
            a = args[0]
            r = fn(a._np if isinstance(a, Tensor) else a)
        else:
            r = fn(*[x._np if isinstance(x, Tensor) else x for x in args])
        if type(r) is _ndarray:
            if r.ndim == 1 and r.base is None and not like:
                return from_array(r)   # (one dim: every layout is the contiguous one)
        elif not isinstance(r, (np.generic, tuple)):
            return wrap(r)   # (a number: ``equal``)
        if in_order and len(args) >= nspec:   # (the operands lead the arguments)
            ops = args if len(args) == nspec else args[:nspec]
        else:
            ops = operand_values(spec, args, kwargs)
        if type(r) is tuple:
            return tuple(pointwise_result(x, ops, None, uncast, like)
                         if isinstance(x, (_ndarray, np.generic)) else wrap(x) for x in r)
        return pointwise_result(r, ops, None, uncast, like)
    kernel.__name__ = getattr(fn, "__name__", "kernel")
    kernel.__wrapped__ = fn
    return kernel


def pointwise_meta_adapter(fn, schema):
    """The Meta kernel of a pointwise op: ``fn``'s result in TensorIterator's layout."""
    spec, uncast, like = iterator_operands(schema)
    meta_result = _ti.meta_result

    def kernel(ks, *args, **kwargs):
        r = fn(*args, **kwargs)
        ops = operand_values(spec, args, kwargs)
        if type(r) is tuple:
            return tuple(meta_result(x, ops, uncast, like) for x in r)
        return meta_result(r, ops, uncast, like)
    kernel.__name__ = getattr(fn, "__name__", "kernel")
    kernel.__wrapped__ = fn
    return kernel


# ---- default kernels at the layers above the backends --------------------------------------
# Below autograd, but the PythonDispatcher key stays (as c10's after_autograd_keyset keeps
# it): with the Python dispatcher on, redispatches go back through its py_impl lookup.
_BELOW_AUTOGRAD = ~(AUTOGRAD_BITS | above(K.AutogradMeta)) | bit(K.PythonDispatcher)


def autograd_passthrough(ks, op, *args, **kwargs):
    """The Autograd keys' fallback until an op has a derivative: run below autograd."""
    return op.redispatch(ks & _BELOW_AUTOGRAD, *args, **kwargs)


def _install_fallbacks():
    site = caller_site()
    ft = dict(site=site, fallthrough=True)
    for key in (K.BackendSelect, K.ADInplaceOrView, K.PythonTLSSnapshot, K.PreDispatch,
                K.PythonDispatcher, K.VmapMode, K.FuncTorchVmapMode) + tuple(
            k for k in K if k.name.startswith("Autocast")):
        _opreg.register_fallback(key, KernelEntry(_opreg._fallthrough_marker, **ft))
    # Until an op has a derivative formula, autograd has nothing to record for it: its
    # Autograd keys fall through to the layers below (the autograd layer replaces this).
    for key in K:
        if RANK.get(key) is not None and bit(key) & AUTOGRAD_BITS:
            _opreg.register_fallback(key, KernelEntry(_opreg._fallthrough_marker, site,
                                                      fallthrough=True))


# ---- in-place / out= bookkeeping at ADInplaceOrView --------------------------------------------
# What c10's AutoDispatchBelowADInplaceOrView excludes while a kernel below the Autograd or
# ADInplaceOrView key runs (VariableType and ADInplaceOrView kernels set it, and torch::
# factory functions): the ops it calls itself neither record nor bump versions. ``out=``
# kernels resize and copy into ``out`` and the outer op bumps each mutated tensor once;
# ``rand_like`` fills its new tensor, which stays at version 0.
NESTED_EXCLUDED = AUTOGRAD_BITS | bit(K.ADInplaceOrView)


def inplace_or_view_kernel(op):
    """The ADInplaceOrView kernel of a mutating op: bump the mutated tensors' version counters."""
    schema = op._schema
    # (an op with results bumps the arguments they alias, as PyTorch's codegen bumps its
    # returns: ``rrelu_with_noise_`` leaves its ``noise`` at its version)
    bumped = [a for a in schema.arguments if a.is_write]
    if len(bumped) > 1 and schema.returns:
        returned = {str(r.alias_info) for r in schema.returns if r.alias_info is not None}
        bumped = [a for a in bumped if str(a.alias_info) in returned]
    mutated_pos = [i for i, a in enumerate(schema.arguments) if a in bumped and not a.kwarg_only]
    mutated_kw = [a.name for a in bumped if a.kwarg_only]
    below = ~(above(K.ADInplaceOrView) | bit(K.ADInplaceOrView)) | bit(K.PythonDispatcher)
    entry = op._entry
    table = entry.table
    # PyTorch's ADInplaceOrView kernels return the arguments their results alias (``self``,
    # ``out``), not what the kernels below returned: a subclass handler below that wraps its
    # results does not replace the caller's tensor
    returned = _aliased_arguments(schema)

    def kernel(ks, *args, **kwargs):
        ks &= below & entry.mask
        if not ks:
            return op.redispatch(ks, *args, **kwargs)  # (the "no kernel" error)
        k = table[ks.bit_length() - 1]
        if k in LEAF_KERNELS:  # (NumPy only: nothing nested to exclude from)
            r = k(ks, *args, **kwargs) if kwargs else k(ks, *args)
        else:
            st = _tls
            prev = st.excluded
            st.excluded = prev | NESTED_EXCLUDED
            try:
                r = k(ks, *args, **kwargs) if kwargs else k(ks, *args)
            finally:
                st.excluded = prev
        for i in mutated_pos:
            if i < len(args) and isinstance(args[i], Tensor):
                args[i]._vc[0] += 1
        for n in mutated_kw:
            t = kwargs.get(n)
            if isinstance(t, Tensor):
                t._vc[0] += 1
        if returned is None:
            return r
        if type(returned) is int:  # (the usual in-place op: ``self``)
            return args[returned] if returned < len(args) else r
        out = tuple(args[i] if type(i) is int and i < len(args) else kwargs.get(i)
                    for i in returned)
        if None in out:
            return r
        return out[0] if len(out) == 1 else out  # (one ``out=``, or several)

    def self_kernel(ks, self, *args, **kwargs):
        # (the usual in-place op - it writes and returns its first argument - written out)
        ks &= below & entry.mask
        if not ks:
            return op.redispatch(ks, self, *args, **kwargs)
        k = table[ks.bit_length() - 1]
        if k in LEAF_KERNELS:
            k(ks, self, *args, **kwargs) if kwargs else k(ks, self, *args)
        else:
            st = _tls
            prev = st.excluded
            st.excluded = prev | NESTED_EXCLUDED
            try:
                k(ks, self, *args, **kwargs) if kwargs else k(ks, self, *args)
            finally:
                st.excluded = prev
        if isinstance(self, Tensor):
            self._vc[0] += 1
        return self

    if mutated_pos == [0] and not mutated_kw and returned == 0:
        return self_kernel
    return kernel


def _aliased_arguments(schema):
    """Where each result of a mutating op comes from: the position (or keyword name) of the
    argument it aliases, as a tuple (a lone position for one positional result); None when a
    result aliases no argument (or there are none)."""
    rets = schema.returns
    if not rets:
        return None
    where = []
    for r in rets:
        if r.alias_info is None or not r.alias_info.is_write:
            return None
        key = str(r.alias_info)
        for i, a in enumerate(schema.arguments):
            if a.alias_info is not None and str(a.alias_info) == key:
                where.append(a.name if a.kwarg_only else i)
                break
        else:
            return None
    if len(where) == 1 and type(where[0]) is int:
        return where[0]
    return tuple(where)


def writes_but_returns_fresh(schema):
    """Whether an op writes an argument but returns new tensors (``rrelu_with_noise`` fills
    its ``noise``): PyTorch treats it as functional - no version bump, a functional
    Autograd kernel."""
    rets = schema.returns
    if not rets or (rets[0].alias_info is not None and rets[0].alias_info.is_write):
        return False  # (the usual in-place or out= op, or one returning nothing)
    return schema.is_mutable and not any(
        r.alias_info is not None and r.alias_info.is_write for r in rets)


def finalize_registrations(opdefs=None):
    """After all op modules loaded (or an op family defined later, ``opdefs``):
    ADInplaceOrView kernels for the mutating ops.  A CompositeImplicitAutograd op gets none
    (as in PyTorch): the ops it decomposes into bump the versions, and a kernel of its own would
    bump them twice below autograd."""
    for d in _ALL_OPS.values() if opdefs is None else opdefs:
        entry = d.entry
        if entry.schema.is_mutable and not entry.has_kernel_for(K.ADInplaceOrView) and \
                not entry.has_kernel_for(K.CompositeImplicitAutograd) and \
                not writes_but_returns_fresh(entry.schema):
            entry.register(K.ADInplaceOrView,
                           KernelEntry(inplace_or_view_kernel(d.op), entry.def_site))


# ---- Python scalars out of tensors ---------------------------------------------------------
def _py_scalar(v, dt):
    if dt.is_complex:
        return complex(v)
    if dt.is_floating_point:
        return float(v)
    if dt._name == "bool":
        return bool(v)
    return int(v)


def call_item(t):
    from . import _ops_registry
    return _ops_registry.aten._local_scalar_dense.default(t)


def call_tolist(t):
    if t._np is None:
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    from .._tensor import logical_values
    a = logical_values(t)
    if a.dtype.kind == "V" or t.dtype._name in ("bfloat16", "float8_e4m3fn", "float8_e5m2"):
        a = a.astype(np.float32)
    return a.tolist()
