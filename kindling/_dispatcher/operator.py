"""Operator entries, kernel tables and the call path.

An ``OperatorEntry`` holds one overload's schema and the kernels registered for it, keyed by
dispatch key (runtime or alias).  Whenever a registration changes, ``_recompute`` rebuilds the
entry's *dispatch table*: one callable per runtime key, chosen with PyTorch's resolution order
(direct kernel, composite aliases, Autograd alias, backend fallback, missing).  A call then only
ORs key bits, masks, takes the highest bit and indexes the table.

Every table callable has the signature ``kernel(keyset_bits, *args, **kwargs)``: kernels that
redispatch need the key set they were reached with.
"""
from __future__ import annotations

import os
import sys
import threading

from . import keys as _k
from .keys import ALIAS_COVER, AUTOGRAD_BITS, BACKEND_BITS, FULL, RANK, RUNTIME_KEYS, K
from .schema import _NO_DEFAULT, FunctionSchema, is_view_schema, parse_schema
from .tags import BY_NAME
from .tls import state as _tls

_lock = threading.RLock()

_KINDLING_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INTERNAL = (os.path.join(_KINDLING_DIR, "_dispatcher"), os.path.join(_KINDLING_DIR, "library.py"),
             os.path.join(_KINDLING_DIR, "_aten", "_defop.py"))


def caller_site() -> str:
    """``file:line`` of the first frame outside the registration machinery."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_INTERNAL):
        f = f.f_back
    if f is None:
        return "<unknown>"
    return f"{f.f_code.co_filename}:{f.f_lineno}"


class KernelEntry:
    """A registered kernel: the table callable, whether it is a fallthrough, where it came from."""

    __slots__ = ("fn", "fallthrough", "site", "owner", "raw", "boxed", "bind")

    def __init__(self, fn, site, fallthrough=False, owner=None, raw=None, boxed=False,
                 bind=None):
        self.fn, self.site, self.fallthrough, self.owner = fn, site, fallthrough, owner
        self.raw = raw if raw is not None else fn
        # A boxed kernel (a backend fallback) also receives the OpOverload: fn(ks, op, ...).
        self.boxed = boxed
        # ``bind(entry)``: a boxed kernel's table callable for one operator, ``(ks, *args,
        # **kwargs)``, doing fn's work itself (the hot fallbacks save ``_bind_boxed``'s call).
        self.bind = bind


def _fallthrough_marker(ks, *args, **kwargs):
    """The kernel of a fallthrough registration (its table slot is masked out, never called)."""
    raise AssertionError("fallthrough kernel called")


# Called with each entry after its table is rebuilt (the dispatch tracer wraps kernels here).
table_hooks: list = []

# Backend fallbacks: runtime key -> stack of KernelEntry (most recent last).
_fallbacks: dict = {}
# The current fallback per runtime key (by rank), None where there is none.
_fallback_top: list = [None] * _k.NUM_RUNTIME

# Bulk registration (importing the op library) defers table building until first use.
_deferred = False
_dirty: set = set()


def defer_tables():
    """Start deferring table rebuilds (until ``flush_deferred``)."""
    global _deferred
    _deferred = True


def end_deferral():
    """Stop deferring: later registrations rebuild their op's table at once.  Tables still
    pending from the bulk registration are built when first needed: at their op's first call
    (the table's slots are ``_lazy_call``) or inspection (``ensure_table``).  Importing
    kindling defines ~800 operators, most of which a program never calls."""
    global _deferred
    with _lock:
        _deferred = False


def flush_deferred():
    """Build every table whose rebuild was deferred, and stop deferring."""
    global _deferred
    with _lock:
        _deferred = False
        dirty = list(_dirty)
        _dirty.clear()
        for e in dirty:
            e._recompute()
# Operators whose Tensor arguments also take Python numbers (PyTorch's
# ``should_allow_numbers_as_tensors``); elsewhere a number needs a Scalar overload.
NUMBERS_AS_TENSORS = frozenset({
    "add", "add_", "div", "div_", "divide", "divide_", "mul", "mul_", "multiply", "multiply_",
    "sub", "sub_", "subtract", "subtract_", "true_divide", "true_divide_", "to", "_to_copy",
    "copy_", "copy", "floor_divide", "floor_divide_", "_conj"})

_LAZY_ATTRS = frozenset({"scan_lists", "max_pos", "min_pos", "arg_names", "binary", "pos_chk",
                         "kw_tensor", "kw_scalar", "b_t0", "b_t1", "b_s1", "chk"})

# Every operator entry, by "ns::name" -> {overload: entry}.
_operators: dict = {}

# Kernels the Autograd layer may call without c10's AutoDispatchBelowADInplaceOrView guard
# (excluding the autograd and ADInplaceOrView keys for the calls they make): kernels that only
# compute with NumPy and dispatch nothing (the op library adds them), and the Python key's,
# whose handlers run with every key above Python excluded anyway.
LEAF_KERNELS: set = set()


class OperatorEntry:
    """One operator overload: schema, registered kernels, computed dispatch table."""

    def __init__(self, schema: FunctionSchema, site: str, owner=None, tags=()):
        self.schema = schema
        self.name = schema.name                  # 'aten::add'
        self.overload_name = schema.overload_name
        self.qualified = self.name + (f".{self.overload_name}" if self.overload_name else "")
        self.def_site = site
        self.def_owner = owner
        # (``torch.Tag`` members; kindling's own definitions may name them as strings)
        self.tags = tuple([BY_NAME[t] if type(t) is str else t for t in tags]) if tags else ()
        self.is_view = is_view_schema(schema)
        self.kernels: dict = {}                  # DispatchKey -> [KernelEntry]
        self.table = [None] * _k.NUM_RUNTIME
        self.sources = [None] * _k.NUM_RUNTIME  # (KernelEntry, tag) per runtime key, for errors
        self.mask = FULL
        self.py_kernels: dict = {}
        # torch_dispatch rules (torch.library register_torch_dispatch): mode or subclass type
        # -> handler, consulted by the Python key instead of that type's __torch_dispatch__.
        self.torch_dispatch_rules: dict = {}
        self.python_key_table: dict = {}         # py_impl(ModeClass / subclass) handlers
        self.listeners = []                      # callbacks when the table changes (caches)
        self._recompute()

    def __getattr__(self, name):
        """``scan_lists`` (a tensor-list argument), ``max_pos``/``min_pos`` (positional
        arguments, all / without defaults), ``arg_names``, ``binary`` and the argument-type
        checks (``chk``, ``pos_chk``, ``kw_tensor``, ``kw_scalar``, ``b_t0``, ``b_t1``, ``b_s1``): worked
        out from the schema at first use and then plain attributes (most of the ~1300 entries
        made at import are never called)."""
        if name not in _LAZY_ATTRS:
            raise AttributeError(f"'OperatorEntry' object has no attribute '{name}'")
        scan_lists = False
        max_pos = min_pos = 0
        names = []
        # Which arguments must be tensors and which must not (``Scalar``): the call checks
        # these few positions on every call, everything else only after a failure.
        nums = self.name.split("::")[-1] in NUMBERS_AS_TENSORS
        pos_chk, kw_tensor, kw_scalar = [], set(), set()
        for a in self.schema.arguments:
            names.append(a.name)
            t = a.type
            if t.is_list and t.base == "Tensor":
                scan_lists = True
            want = None
            if not t.is_list:
                if t.base == "Tensor" and not nums:
                    want = True
                    kw_tensor.add(a.name)
                elif t.base == "Scalar":
                    want = False
                    kw_scalar.add(a.name)
            if not a.kwarg_only:
                if want is not None:
                    pos_chk.append((max_pos, want))
                max_pos += 1
                if a._default is _NO_DEFAULT:
                    min_pos += 1
        self.scan_lists = scan_lists
        self.max_pos, self.min_pos = max_pos, min_pos
        self.arg_names = frozenset(names)
        self.pos_chk = tuple(pos_chk)
        # (0: nothing to check; 1 to 3: only the first 1 to 3 arguments, required, must be
        # tensors - nearly every op - tested inline; -1: walk ``pos_chk``)
        k = len(pos_chk)
        self.chk = k if 0 < k <= 3 and k <= min_pos and \
            pos_chk == [(i, True) for i in range(k)] else -1 if pos_chk else 0
        self.kw_tensor, self.kw_scalar = frozenset(kw_tensor), frozenset(kw_scalar)
        wants = dict(pos_chk)
        self.b_t0, self.b_t1 = wants.get(0) is True, wants.get(1) is True
        self.b_s1 = wants.get(1) is False
        # (two positional arguments bind, and no tensor list to scan: OpOverload.__call__'s
        # unrolled case; not for the few ops whose first argument is a Scalar)
        self.binary = (not scan_lists and min_pos <= 2 <= max_pos
                       and wants.get(0) is not False)
        return getattr(self, name)

    # ---- registration ------------------------------------------------------------------------
    def register(self, key, kentry: KernelEntry):
        with _lock:
            self.kernels.setdefault(key, []).append(kentry)
            if not (_deferred and self in _dirty):  # (importing: the table is built later)
                self._recompute()

    def deregister(self, key, kentry: KernelEntry):
        with _lock:
            stack = self.kernels.get(key, [])
            if kentry in stack:
                stack.remove(kentry)
            if not stack:
                self.kernels.pop(key, None)
            self._recompute()

    def has_kernel_for(self, key) -> bool:
        """Whether a kernel is registered at exactly ``key`` (alias keys included)."""
        return bool(self.kernels.get(key))

    # ---- table computation (PyTorch's computeDispatchTableEntry) -----------------------------
    def _top(self, key):
        s = self.kernels.get(key)
        return s[-1] if s else None

    def _resolve(self, key):
        """``(kernel entry, how it was found)`` for runtime ``key``, or ``(None, None)``."""
        present = frozenset(k for k, s in self.kernels.items() if s)
        src, tag = _resolve_key(present, key)
        if src is _FALLBACK:
            return _fallback_top[RANK[key]], tag
        return (self._top(src), tag) if src is not None else (None, None)

    def _recompute(self, now=False):
        """Rebuild the dispatch table (``now``: even while tables are deferred).  Which
        registered key serves each runtime key depends only on which keys have kernels, so
        that plan is computed once per set of keys (``_plan``) and each op fills its table
        from it."""
        if _deferred and not now:
            if self not in _dirty:
                _dirty.add(self)
                lazy = self._lazy_call
                self.table[:] = [lazy] * len(self.table)
                self.mask = FULL
            return
        kernels = self.kernels
        plan = _plan(frozenset(k for k, s in kernels.items() if s))
        mask = FULL
        table, sources, fbs = self.table, self.sources, _fallback_top
        lazy = self._lazy_call
        for i in range(len(table)):
            src, tag = plan[i]
            if src is _FALLBACK:
                e = fbs[i]
            elif src is None:
                e = None
            else:
                e = kernels[src][-1]
            if e is None:
                sources[i] = None
                table[i] = self._missing_call
                continue
            sources[i] = (e, tag)
            if e.fallthrough:
                # Masked out, so never reached - except by a thread that read the mask of the
                # still-deferred table just before this build: _lazy_call masks its keys again
                table[i] = lazy
                mask &= ~(1 << i)
            elif e.boxed:
                table[i] = e.bind(self) if e.bind is not None else _bind_boxed(e.fn, self)
            else:
                table[i] = e.fn
        self.mask = mask
        # (only now: a thread calling in meanwhile finds the op still dirty and waits on the
        # lock in ensure_table, instead of reading a half-built table of _lazy_call slots)
        _dirty.discard(self)
        for hook in table_hooks:
            hook(self)
        for cb in list(self.listeners):
            cb()

    def _missing_call(self, ks, *args, **kwargs):
        """The table slot of a key with no kernel: PyTorch's "Could not run" error."""
        raise missing_kernel_error(self, RUNTIME_KEYS[ks.bit_length() - 1])

    def ensure_table(self):
        """Build the table now if its build is still deferred (before reading ``table`` or
        ``sources`` by key)."""
        if self in _dirty:
            with _lock:
                if self in _dirty:
                    self._recompute(now=True)

    def _lazy_call(self, ks, *args, **kwargs):
        """Table slot while the table's build is deferred: build it, then dispatch."""
        self.ensure_table()
        ks &= self.mask
        if not ks:  # (every key left falls through: as a call with no keys at all)
            return call_undefined(self, args, kwargs)
        return self.table[ks.bit_length() - 1](ks, *args, **kwargs)

    def available_keys(self):
        self.ensure_table()
        dense = [k for k in RUNTIME_KEYS if BACKEND_BITS & (1 << RANK[k])]
        order = dense + [k for k in RUNTIME_KEYS if not BACKEND_BITS & (1 << RANK[k])]
        return [k for k in order if self.sources[RANK[k]] is not None]

    def _available_text(self):
        keys = self.available_keys()
        lines = []
        for k in keys:
            e, tag = self.sources[RANK[k]]
            ft = "fallthrough " if e.fallthrough else ""
            lines.append(f"{k.name}: {ft}registered at {e.site} [{tag}]")
        return "[" + ", ".join(k.name for k in keys) + "].\n\n" + "\n".join(lines) + "\n"

    def __repr__(self):
        return f"OperatorEntry({self.qualified})"


# ---- dispatch table plans (PyTorch's computeDispatchTableEntry, per set of registered keys) ----
_FALLBACK = object()  # a plan slot served by the key's backend fallback (whatever it is then)
_PLANS: dict = {}     # frozenset of keys with kernels -> [(source key | _FALLBACK | None, tag)]


def _plan(present):
    """For each runtime key, which of the ``present`` keys serves it (or the backend fallback,
    or nothing).  Many ops register kernels at the same keys: one plan serves them all."""
    plan = _PLANS.get(present)
    if plan is None:
        affected = 0
        for key in present:
            cover = ALIAS_COVER.get(key)
            affected |= cover if cover is not None else (1 << RANK[key]) if key in RANK else 0
        plan = [_resolve_key(present, key) if (affected >> i) & 1 else
                (_FALLBACK, "backend fallback") for i, key in enumerate(RUNTIME_KEYS)]
        _PLANS[present] = plan
    return plan


def _resolve_key(present, key):
    """The key whose kernel serves runtime ``key`` when kernels are registered at ``present``:
    a direct kernel, the CompositeExplicit aliases, CompositeImplicit (unless a backend kernel
    exists for an autograd key's backend), the Autograd alias, then the backend fallback."""
    b = 1 << RANK[key]
    if key in present:
        return key, "kernel"
    for alias in (K.CompositeExplicitAutogradNonFunctional, K.CompositeExplicitAutograd):
        if alias in present and ALIAS_COVER[alias] & b:
            return alias, "default backend kernel"
    cia = K.CompositeImplicitAutograd
    if cia in present and ALIAS_COVER[cia] & b:
        if b & AUTOGRAD_BITS:
            backend = _k.backend_of(key)
            has_backend = backend is not None and (
                K[backend] in present or K.CompositeExplicitAutograd in present
                or K.CompositeExplicitAutogradNonFunctional in present)
            if not has_backend:
                return cia, "math kernel"
        else:
            return cia, "math kernel"
    if b & AUTOGRAD_BITS and K.Autograd in present:
        return K.Autograd, "autograd kernel"
    return _FALLBACK, "backend fallback"


# Set by kindling._ops: entry -> its OpOverload (boxed kernels receive it).
overload_of = None


def _bind_boxed(fn, entry):
    op = None

    def boxed(ks, *args, **kwargs):
        nonlocal op
        if op is None:
            op = overload_of(entry)
        return fn(ks, op, *args, **kwargs)
    return boxed


def missing_kernel_error(entry, key):
    if key is K.Meta and entry.def_owner is not None:
        # Python-defined ops (torch.library) have PyTorch's Meta backend fallback.
        return NotImplementedError(
            f"{entry.qualified}: attempted to run this operator with Meta tensors, but there was "
            "no fake impl or Meta kernel registered. You may have run into this message while "
            "using an operator with PT2 compilation APIs (torch.compile/torch.export); in order "
            "to use this operator with those APIs you'll need to add a fake impl. Please see the "
            "following for next steps:  "
            "https://pytorch.org/tutorials/advanced/custom_ops_landing_page.html")
    return NotImplementedError(
        f"Could not run '{entry.qualified}' with arguments from the '{key.name}' backend. "
        "This could be because the operator doesn't exist for this backend, or was omitted "
        "during the selective/custom build process (if using custom build). If you are a "
        "Facebook employee using PyTorch on mobile, please visit https://fburl.com/ptmfixes "
        f"for possible resolutions. '{entry.qualified}' is only available for these backends: "
        + entry._available_text())


# Set by kindling._ops: ``(entry, args, kwargs)`` -> the result of a call whose Python
# numbers PyTorch would wrap as tensors, or NotImplemented.
wrap_numbers = None


def call_undefined(entry, args, kwargs):
    """A call with no dispatch key at all (no tensor arguments): like PyTorch's Undefined
    table entry, run the op's composite kernel if it has one, else the no-tensor error
    (numbers given for Tensor arguments of the ops that take them are wrapped first)."""
    if wrap_numbers is not None:
        r = wrap_numbers(entry, args, kwargs)
        if r is not NotImplemented:
            return r
    for alias in (K.CompositeExplicitAutogradNonFunctional, K.CompositeExplicitAutograd,
                  K.CompositeImplicitAutograd):
        e = entry._top(alias)
        if e is not None and not e.fallthrough:
            return e.fn(0, *args, **kwargs)
    raise no_tensor_error(entry)


def no_tensor_error(entry):
    return NotImplementedError(
        "There were no tensor arguments to this function (e.g., you passed an empty list of "
        "Tensors), but no fallback function is registered for schema "
        f"{entry.qualified}.  This usually means that this function requires a non-empty list "
        "of Tensors, or that you (the operator writer) forgot to register a fallback function."
        "  Available functions are " + entry._available_text())


# ---- registry ---------------------------------------------------------------------------------
def define(schema, site=None, owner=None, tags=()) -> OperatorEntry:
    """Create the entry for a schema (``ns::name.overload(...) -> ...``)."""
    if isinstance(schema, str):
        schema = parse_schema(schema)
    if schema.name in _lazy:  # (its family's overloads come first, as when defined at import)
        ensure_defined(schema.name)
    with _lock:
        byname = _operators.setdefault(schema.name, {})
        if schema.overload_name in byname:
            old = byname[schema.overload_name]
            raise RuntimeError(
                f"Tried to register an operator ({schema}) with the same name and overload name "
                "multiple times. Each overload's schema should only be registered with a single "
                "call to def(). Duplicate registration: "
                f"registered at {site or caller_site()}. Original registration: "
                f"registered at {old.def_site}")
        e = OperatorEntry(schema, site or caller_site(), owner, tags)
        byname[schema.overload_name] = e
        return e


def undefine(entry):
    with _lock:
        byname = _operators.get(entry.name, {})
        if byname.get(entry.overload_name) is entry:
            del byname[entry.overload_name]
        if not byname:
            _operators.pop(entry.name, None)


def find(name: str, overload: str = ""):
    """The entry for ``ns::name`` and overload, or None."""
    if name in _lazy:
        ensure_defined(name)
    return _operators.get(name, {}).get(overload)


def list_first(name: str, overload: str):
    """List ``overload`` first among ``name``'s overloads (the order ``overloads()`` gives):
    where PyTorch registers an op's overloads in another order than kindling defines them."""
    with _lock:
        ovs = _operators[name]
        entry = ovs.pop(overload)
        rest = dict(ovs)
        ovs.clear()
        ovs[overload] = entry
        ovs.update(rest)


def overloads_of(name: str):
    if name in _lazy:
        ensure_defined(name)
    return dict(_operators.get(name, {}))


# ---- operators defined at first use ------------------------------------------------------------
# Op families most programs never call (the ``_foreach_*`` ops...) are defined when one of their
# operators is first looked up by name - ``find``/``overloads_of``/``define``, which
# ``torch.ops``, ``torch.library`` and the ``torch._C._dispatch_*`` functions go through - or
# when everything is listed (``define_all_pending``).  "ns::name" -> its LazyFamily.
_lazy: dict = {}


class LazyFamily:
    """Operators ``names`` ("ns::name"), which ``load()`` defines with all their kernels."""

    def __init__(self, names, load):
        self.names, self.load, self.loading = tuple(names), load, False

    def __repr__(self):
        return f"LazyFamily({self.names[0]}, ... {len(self.names)} names)"


def define_lazily(names, load) -> LazyFamily:
    """Have ``load()`` define the operators ``names`` when one of them is first needed."""
    fam = LazyFamily(names, load)
    with _lock:
        for n in fam.names:
            _lazy[n] = fam
    return fam


def ensure_defined(name):
    """Define operator ``name``'s family now if it is still pending.  Under the registration
    lock: another thread looking the family up meanwhile waits until all of it is defined (the
    defining thread itself, looking up its own operators, goes on)."""
    global _deferred
    fam = _lazy.get(name)
    if fam is None:
        return
    with _lock:
        if fam.loading or _lazy.get(name) is not fam:
            return
        fam.loading = True
        was_deferred = _deferred
        _deferred = True  # (as at import: each table is built at its op's first call)
        try:
            fam.load()
        finally:
            _deferred = was_deferred
            for n in fam.names:
                if _lazy.get(n) is fam:
                    del _lazy[n]
            fam.loading = False


def define_all_pending(namespace=None):
    """Define every family still pending (before listing all operators, or all those of
    ``namespace``)."""
    prefix = None if namespace is None else namespace + "::"
    for fam in list(dict.fromkeys(_lazy.values())):
        if prefix is None or any(n.startswith(prefix) for n in fam.names):
            ensure_defined(fam.names[0])


def register_fallback(key, kentry):
    with _lock:
        _fallbacks.setdefault(key, []).append(kentry)
        _recompute_all(key)


def deregister_fallback(key, kentry):
    with _lock:
        s = _fallbacks.get(key, [])
        if kentry in s:
            s.remove(kentry)
        if not s:
            _fallbacks.pop(key, None)
        _recompute_all(key)


def _recompute_all(changed=None):
    """After a fallback change (at key ``changed``, or anywhere): every table (deferred ones
    just stay marked dirty)."""
    for i, key in enumerate(RUNTIME_KEYS) if changed is None else [(RANK.get(changed), changed)]:
        if i is not None:
            fb = _fallbacks.get(key)
            _fallback_top[i] = fb[-1] if fb else None
    if _deferred and len(_dirty) == sum(map(len, _operators.values())):
        return  # (every table is still to be built: importing the op library)
    for byname in list(_operators.values()):
        for e in list(byname.values()):
            e._recompute()


# ---- the call path ----------------------------------------------------------------------------
def compute_keyset(entry, args, kwargs, Tensor):
    """Effective key bits of a call (tensor keys | TLS include) & ~TLS exclude & op mask."""
    ks = 0
    for a in args:
        if isinstance(a, Tensor):
            ks |= a._ks
        elif entry.scan_lists and type(a) in (list, tuple):
            for t in a:
                if isinstance(t, Tensor):
                    ks |= t._ks
    if kwargs:
        for a in kwargs.values():
            if isinstance(a, Tensor):
                ks |= a._ks
    st = _tls
    return (ks | st.included) & ~st.excluded & entry.mask


def dispatch_bits(entry, ks, args, kwargs):
    """Run the kernel of the highest key in ``ks`` (already masked)."""
    if not ks:
        raise no_tensor_error(entry)
    return entry.table[ks.bit_length() - 1](ks, *args, **kwargs)
