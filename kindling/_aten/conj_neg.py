"""Math-bit tensors: conjugate views, negative views and zero tensors.

``x.conj()`` (complex ``x``) and ``x._neg_view()`` are views that share ``x``'s storage and
carry a ``Conjugate`` / ``Negative`` key: their *logical* values are the conjugated / negated
stored ones.  ``torch._efficientzerotensor(size)`` is an immutable all-zero tensor with the
``ZeroTensor`` key.  Kernels below these keys read stored values, so:

* each key's **fallback materialises** the marked arguments (a resolved copy) and redispatches
  below the key; a marked argument the op mutates is resolved, mutated, and copied back
  (zero tensors refuse mutation);
* **view ops keep the bits**: a view shares its base's key bits (``make_view`` copies them),
  as PyTorch's views share their base's key set; a mode sees the marked tensor;
* the **matrix products** (``mm``, ``dot``, ``addmm``...) pass the Conjugate key: their CPU
  kernels conjugate the values themselves, as BLAS does for PyTorch;
* ``clone`` and ``copy_`` fall through both keys: their kernels read the source's logical
  values (and ``copy_`` writes a marked destination's stored ones) - this is where
  materialisation happens;
* ``mul``/``add``/``sub``/``div`` have ZeroTensor kernels that keep zero results as zero
  tensors (zerotensor.py, with what PyTorch's show a mode).
"""
from __future__ import annotations

import numpy as np

from .._dispatcher import operator as _opreg
from .._dispatcher.keys import FORMULA_MODE_BIT, K, RANK, bit
from .._dispatcher.operator import KernelEntry, caller_site
from .._dispatcher.tls import state as _tls
from .._tensor import Tensor, make_view
from ._api import public
from ._defop import defop
from ._meta_util import empty_meta
from ._variants import out_variant
from ._ops_registry import aten

NEG, CONJ, ZT = bit(K.Negative), bit(K.Conjugate), bit(K.ZeroTensor)
MATH_BITS = NEG | CONJ | ZT


def _below(key):
    """Bits of the keys strictly below ``key``."""
    return (1 << RANK[key]) - 1


def _at_or_below(key):
    return (1 << (RANK[key] + 1)) - 1


def _raw(t, clear):
    """An alias of ``t`` (same storage, geometry, version counter) without the ``clear`` bits."""
    v = make_view(t, t._size, t.stride(), t._offset)
    v._ks = (v._ks & ~MATH_BITS) | (t._ks & MATH_BITS & ~clear)
    return v


def _keyset_of(args, kwargs):
    ks = 0
    for a in args:
        if isinstance(a, Tensor):
            ks |= a._ks
        elif type(a) in (list, tuple):
            for x in a:
                if isinstance(x, Tensor):
                    ks |= x._ks
    for a in kwargs.values():
        if isinstance(a, Tensor):
            ks |= a._ks
    return ks


def _call_at_or_below(op, key, *args, **kwargs):
    """Call ``op`` with the dispatch keys at or below ``key`` only (no autograd, no version
    bump: we are already below those layers)."""
    st = _tls
    ks = (_keyset_of(args, kwargs) | st.included) & ~st.excluded & _at_or_below(key)
    return op.redispatch(ks, *args, **kwargs)


# ---- the ops -------------------------------------------------------------------------------------
def _toggle_view(self, b):
    v = make_view(self, self._size, self.stride(), self._offset)
    v._ks = (v._ks & ~MATH_BITS) | ((self._ks & MATH_BITS) ^ b)
    return v


_neg_view = defop("_neg_view(Tensor(a) self) -> Tensor(a)")
_neg_view.explicit(lambda self: _toggle_view(self, NEG))
_neg_view.derivative(self="grad.neg()", result="self_t._neg_view()")

_conj = defop("_conj(Tensor(a) self) -> Tensor(a)")
_conj.explicit(lambda self: _toggle_view(self, CONJ) if self.dtype.is_complex
               else _toggle_view(self, 0))
_conj.derivative(self="grad.conj()", result="self_t.conj()")

conj = defop("conj(Tensor(a) self) -> Tensor(a)")
conj.composite(lambda self: aten._conj.default(self) if self.dtype.is_complex else self)

resolve_conj = defop("resolve_conj(Tensor(a) self) -> Tensor(a)")
resolve_conj.composite(lambda self: aten.clone.default(self) if self._ks & CONJ else self)

resolve_neg = defop("resolve_neg(Tensor(a) self) -> Tensor(a)")
resolve_neg.composite(lambda self: aten.clone.default(self) if self._ks & NEG else self)

_conj_physical = defop("_conj_physical(Tensor self) -> Tensor", tags=("pointwise",))
_conj_physical.iterator = True   # (a TensorIterator op: its result gets the iterator's layout)
_conj_physical.cpu(lambda self: np.conj(self) if np.iscomplexobj(self) else self.copy())
_conj_physical.meta(lambda self: empty_meta(self.shape, self.dtype))
_conj_physical.derivative(self="grad.conj_physical()", result="self_t.conj_physical()")

conj_physical = defop("conj_physical(Tensor self) -> Tensor",
                      tags=("maybe_aliasing_or_mutating", "pointwise"))
conj_physical.composite(
    lambda self: aten._conj_physical.default(self) if self.dtype.is_complex else self)

# (``out``: TensorIterator's unary op, which wants ``out`` of the input's dtype)
conj_physical.out = out_variant(_conj_physical,
                                "conj_physical.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)",
                                check_cast="same")

conj_physical_ = defop("conj_physical_(Tensor(a!) self) -> Tensor(a!)", tags=("pointwise",))


@conj_physical_.cpu_ks
def _(ks, self):
    a = self._np
    if np.iscomplexobj(a):
        np.conjugate(a, out=a)
    return self


conj_physical_.meta(lambda self: self)

is_conj = defop("is_conj(Tensor self) -> bool")
is_conj.composite(lambda self: bool(self._ks & CONJ))
is_neg = defop("is_neg(Tensor self) -> bool")
is_neg.composite(lambda self: bool(self._ks & NEG))
_is_zerotensor = defop("_is_zerotensor(Tensor self) -> bool")
_is_zerotensor.composite(lambda self: bool(self._ks & ZT))

for _name, _d in (("conj", conj), ("resolve_conj", resolve_conj), ("resolve_neg", resolve_neg),
                  ("conj_physical", conj_physical), ("_conj_physical", _conj_physical),
                  ("_neg_view", _neg_view), ("_conj", _conj)):
    public(_name, _d)
public("conj_physical", conj_physical, conj_physical.out, method=False)
public("conj_physical_", conj_physical_, function=True)


def _bit_method(b):
    def m(self):
        return bool(self._ks & b)
    return m


# Read the bit directly (as PyTorch's Tensor methods do; no dispatch).
for _name, _b in (("is_conj", CONJ), ("is_neg", NEG), ("_is_zerotensor", ZT)):
    _m = _bit_method(_b)
    _m.__name__ = _name
    setattr(Tensor, _name, _m)
    public(_name, {"is_conj": is_conj, "is_neg": is_neg, "_is_zerotensor": _is_zerotensor}[_name],
           method=False)


# ---- zero tensors ----------------------------------------------------------------------------
def _register_efficientzerotensor():
    from .factories import backend_select
    d = backend_select(defop(
        "_efficientzerotensor(SymInt[] size, *, ScalarType? dtype=None, Layout? layout=None, "
        "Device? device=None, bool? pin_memory=None) -> Tensor"))

    @d.explicit
    def _(size, *, dtype=None, layout=None, device=None, pin_memory=None):
        kw = {"device": device} if device is not None else {}
        if dtype is not None:
            kw["dtype"] = dtype
        t = aten.zeros.default(list(size), **kw)
        t._ks |= ZT
        return t
    return d


efficientzerotensor = _register_efficientzerotensor()


def _zt_fn(*size, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    kw = {"device": device} if device is not None else {}
    if dtype is not None:
        kw["dtype"] = dtype
    t = efficientzerotensor.op(list(size), **kw)
    if requires_grad:
        t._requires_grad_(True)
    return t


_zt_fn.__name__ = "_efficientzerotensor"
from ._api import PUBLIC  # noqa: E402
PUBLIC["_efficientzerotensor"] = _zt_fn


# ---- fallbacks -----------------------------------------------------------------------------------
def _materializing_fallback(key, b, resolve, mutable_error=None):
    below = _below(key)

    def fallback(ks, op, *args, **kwargs):
        if _tls.excluded & FORMULA_MODE_BIT:
            # The autograd engine's formulas run below autograd, but PyTorch's run with it
            # (grad mode off): an op with a CompositeImplicitAutograd kernel decomposes at the
            # Autograd key, so what is materialised is its parts' arguments (``outer``'s
            # ``mul`` after its ``view``), as the Python key's kernel does for a mode.
            cia = op._entry._top(K.CompositeImplicitAutograd)
            if cia is not None:
                return cia.fn(ks, *args, **kwargs)
        schema = op._schema
        write_pos, write_kw = _writes(schema)
        pairs = []

        def fix(v, mutable):
            if isinstance(v, Tensor) and v._ks & b:
                if mutable and mutable_error is not None:
                    raise RuntimeError(mutable_error)
                r = resolve(v)
                if mutable:
                    pairs.append((v, r))
                return r
            if type(v) in (list, tuple) and any(isinstance(x, Tensor) and x._ks & b for x in v):
                return type(v)(fix(x, mutable) for x in v)
            return v

        new_args = [fix(a, i in write_pos) for i, a in enumerate(args)]
        new_kwargs = {k: fix(v, k in write_kw) for k, v in kwargs.items()}
        out = op.redispatch(ks & below, *new_args, **new_kwargs)
        if not pairs:
            return out
        for orig, res in pairs:
            _call_at_or_below(aten.copy_.default, key, orig, res)
        return _replace(out, {id(r): o for o, r in pairs})
    fallback.__name__ = f"{key.name}_fallback"
    return fallback


_WRITES: dict = {}


def _writes(schema):
    w = _WRITES.get(schema)
    if w is None:
        pos = {i for i, a in enumerate(a for a in schema.arguments if not a.kwarg_only)
               if a.is_write}
        kw = {a.name for a in schema.arguments if a.is_write}
        w = _WRITES[schema] = (pos, kw)
    return w


def _replace(out, m):
    if isinstance(out, Tensor):
        return m.get(id(out), out)
    if type(out) in (list, tuple):
        return type(out)(_replace(x, m) for x in out)
    return out


def _resolve_neg(t):
    return _call_at_or_below(aten.clone.default, K.Negative, t)


def _resolve_conj(t):
    return _call_at_or_below(aten.clone.default, K.Conjugate, t)


def _materialize_zero(t):
    from .zerotensor import materialize
    return materialize(t)


_ZT_IMMUTABLE = ("ZeroTensors are immutable. Please use the materialized zero tensor obtained "
                 "using .clone() if you want a mutable tensor.")


# ---- view ops keep the bit -------------------------------------------------------------------
def _bound_view_kernel(op, key, b):
    """A view op at a math-bit key: the view is taken below the key of the marked tensor
    itself (so a mode below sees it marked, as PyTorch's fallthrough shows it), and the
    backend's view, built without the bit, gets it."""
    below = _below(key)

    def kernel(ks, *args, **kwargs):
        first = next((a for a in args if isinstance(a, Tensor)), None)
        out = op.redispatch(ks & below, *args, **kwargs)
        if first is not None and first._ks & b:
            _set_bit(out, b)
        return out
    kernel.__name__ = f"{key.name}_view_passthrough"
    return kernel


def _set_bit(out, b):
    if isinstance(out, Tensor):
        out._ks |= b
    elif type(out) in (list, tuple):
        for x in out:
            _set_bit(x, b)


# ---- zero-tensor arithmetic ------------------------------------------------------------------
def _zero_like_result(r):
    z = aten.zeros.default(list(r.shape), dtype=r.dtype, device=r.device)
    z._ks |= ZT
    return z


def _zt_binary(op, need_all):
    below = _below(K.ZeroTensor)

    def kernel(ks, self, other, *rest, **kwargs):
        zs = isinstance(self, Tensor) and bool(self._ks & ZT)
        zo = isinstance(other, Tensor) and bool(other._ks & ZT)
        a = _materialize_zero(self) if zs else self
        b = _materialize_zero(other) if zo else other
        r = op.redispatch(ks & below, a, b, *rest, **kwargs)
        if (zs and zo) if need_all else (zs or zo):
            return _zero_like_result(r)
        return r
    return kernel


def _install():
    site = caller_site()

    def reg(op, key, fn):
        op._entry.register(key, KernelEntry(fn, site))

    def fallthrough(op, key):
        op._entry.register(key, KernelEntry(_opreg._fallthrough_marker, site, fallthrough=True))

    _opreg.register_fallback(K.Negative, KernelEntry(
        _materializing_fallback(K.Negative, NEG, _resolve_neg), site, boxed=True))
    _opreg.register_fallback(K.Conjugate, KernelEntry(
        _materializing_fallback(K.Conjugate, CONJ, _resolve_conj), site, boxed=True))
    _opreg.register_fallback(K.ZeroTensor, KernelEntry(
        _materializing_fallback(K.ZeroTensor, ZT, _materialize_zero, _ZT_IMMUTABLE), site,
        boxed=True))

    # ``clone`` and ``copy_`` pass both keys, as in PyTorch: their kernels read and write
    # logical values (a mode sees ``clone`` of the conjugate view itself)
    for op in (aten.clone.default, aten.copy_.default):
        for key in (K.Negative, K.Conjugate):
            fallthrough(op, key)

    fallthrough(aten._neg_view.default, K.Negative)
    fallthrough(aten._conj.default, K.Conjugate)
    fallthrough(aten.conj.default, K.Conjugate)  # (conj of a conjugate view clears the bit)
    for op in (aten.is_conj.default, aten.is_neg.default, aten._is_zerotensor.default):
        for key in (K.Negative, K.Conjugate, K.ZeroTensor):
            fallthrough(op, key)

    # (``mul.Scalar`` keeps a zero result zero; add/sub/mul/div.Tensor: zerotensor.py)
    reg(aten.mul.Scalar, K.ZeroTensor, _zt_binary(aten.mul.Scalar, need_all=False))


_install()

# PyTorch's Conjugate fallback lets its matrix products through: BLAS applies the conjugation
# itself, so a mode sees ``mm`` of the conjugate view, with no ``clone`` before it.  (Their
# in-place and out= forms still materialise: a conjugate ``self`` is written.)
_CONJ_PASSTHROUGH = ("mm.default", "bmm.default", "dot.default", "vdot.default",
                     "addmm.default", "baddbmm.default", "linalg_solve_triangular.default")


def _conj_resolving_front(generic):
    """A CPU kernel that computes with the conjugated values of its conjugate-view arguments
    (what BLAS's conjugate-transpose flags do for PyTorch's kernels)."""
    def kernel(ks, *args, **kwargs):
        if len(args) == 2 and not kwargs:  # (the matrix products' common call, unrolled)
            a, b = args
            if not ((a._ks if isinstance(a, Tensor) else 0) |
                    (b._ks if isinstance(b, Tensor) else 0)) & CONJ:
                return generic(ks, a, b)
        if any(isinstance(a, Tensor) and a._ks & CONJ and a._np is not None for a in args):
            args = tuple(_resolved_copy(a) if isinstance(a, Tensor) and a._ks & CONJ and
                         a._np is not None else a for a in args)
        return generic(ks, *args, **kwargs)
    return kernel


def _resolved_copy(t):
    from .._tensor import from_array
    return from_array(np.conj(t._np), Tensor, t.dtype)


def install_late(entries=None):
    """What needs the whole op library registered: each view op keeps the bits of its input
    (a kernel at each math-bit key), and the matrix products pass the Conjugate key.
    (``entries``: the operators of an op family defined later, whose views get the same.)"""
    site = caller_site()
    from .._ops import overload_for
    from ._defop import _ALL_OPS, install_cpu_front
    everything = entries is None
    if everything:
        entries = [e for byname in list(_opreg._operators.values()) for e in byname.values()]
    for entry in entries:
        if not entry.name.startswith("aten::") or not entry.is_view or entry.schema.is_mutable:
            continue
        # (a decomposition into view ops that keep the bits themselves passes the keys,
        # as PyTorch's view functions do, and decomposes at the backend key)
        decomposes = entry.has_kernel_for(K.CompositeImplicitAutograd) and \
            not entry.has_kernel_for(K.CPU)
        op = overload_for(entry)
        for key, b in ((K.ZeroTensor, ZT), (K.Negative, NEG), (K.Conjugate, CONJ)):
            if not entry.has_kernel_for(key):
                fn = _opreg._fallthrough_marker if decomposes else \
                    _bound_view_kernel(op, key, b)
                op._entry.register(key, KernelEntry(fn, site, fallthrough=decomposes))
    for name in _CONJ_PASSTHROUGH if everything else ():
        opdef = _ALL_OPS.get(name)
        if opdef is None:
            continue
        opdef.entry.register(K.Conjugate, KernelEntry(_opreg._fallthrough_marker, site,
                                                      fallthrough=True))
        install_cpu_front(opdef, _conj_resolving_front)
