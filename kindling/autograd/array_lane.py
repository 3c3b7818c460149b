"""The engine's array lane: backward nodes computed on NumPy arrays when nothing can observe
the ops their formulas dispatch.

A derivative formula is written with aten ops, and the engine dispatches each of them, as
PyTorch's engine does: a dispatch mode, a tensor subclass, the profiler or a kernel a user
registered sees every op of a backward.  When none of them is there, that dispatch decides
nothing: every op reaches the op library's own CPU kernel.  Its cost (an op frame, the
kernel's adapter, tensors wrapped between the ops of one formula) is then most of a small
backward's time.

So an op may declare, beside its formulas, its node's backward on arrays
(``OpDef.array_backward``): a function of the incoming gradient and the saved values, as
NumPy arrays, that makes the NumPy calls the formula's kernels would make and returns the
gradients' arrays (or NotImplemented for a case it leaves to the formulas).  The engine runs
it instead of the formulas only when all of this holds:

- the backward runs in formula mode below autograd (no ``create_graph``, no forward AD);
- the thread's dispatch keys are formula mode's defaults: no dispatch mode, Python
  dispatcher, functionalization, autocast or profiler (each adds or removes a key);
- the gradient and the saved tensors are CPU tensors with no Python, conjugate, negative or
  zero bit, of one dtype, float32 or float64, saved with no hooks and not modified since;
- the ops the formulas would dispatch still have the op library's kernels (a kernel
  registered over one of them turns the lane off until it is removed).

A lane must give exactly what its formulas give: the same bits, dtype, layout and aliasing
(``tests/test_array_lane.py`` runs every lane against its formulas).  The engine's own ops
(``sum_to``'s sum and view, the input buffer's ``old + new``) take a shorter lane under the
same conditions: their kernels are called straight from the table slots dispatch would
pick (``sum_to_lane``, ``add_lane``), and ``backward()``'s implicit gradient is made
directly (``ones_like_lane``).

Each lane is compiled twice per node class: ``_direct`` takes and gives tensors (the tensor
engine calls it node by node); ``_array`` takes and gives arrays, for the engine's array
mode (``array_engine``), which keeps every gradient between nodes an array while each ready
node has a lane.
"""
from __future__ import annotations

import threading

import numpy as np

from .._dispatcher import operator as _opreg
from .._dispatcher.keys import AUTOGRAD_BITS, FORMULA_MODE_BIT
from .._dispatcher.operator import LEAF_KERNELS
from .._dispatcher.tls import DEFAULT_EXCLUDED, DEFAULT_INCLUDED, state as _tls
from .._tensor import CPU_KEYS, Tensor, from_array, make_view

# The thread's keys while the engine runs formulas below autograd, with nothing else on.
PLAIN_INCLUDED = DEFAULT_INCLUDED
PLAIN_EXCLUDED = DEFAULT_EXCLUDED | AUTOGRAD_BITS | FORMULA_MODE_BIT
# What a lane takes: plain CPU tensors of these dtypes.
PLAIN_KS = CPU_KEYS
FLOATS = frozenset({np.dtype(np.float32), np.dtype(np.float64)})

_ndarray = np.ndarray
_lock = threading.RLock()  # (building a deferred table calls _on_table_change)


class _Lanes:
    """Every declared lane, and whether the dispatch tables were checked since they last
    changed (``verified``)."""

    def __init__(self):
        self.nodes = []          # (node class, glue, op entries the formulas dispatch)
        self.engine = {}         # name -> [enabled, op entries] for sum_to / add
        self.watched = set()     # the op entries every lane depends on
        self.verified = False


LANES = _Lanes()


def _plain_kernel(entry, outside=False):
    """``(keys, kernel)`` the dispatcher picks in ``entry``'s table for a plain CPU tensor in
    formula mode, or None unless that kernel is the op library's own (a NumPy kernel or its
    fast front: see LEAF_KERNELS).  ``outside``: the op is called outside formula mode too,
    where its Autograd kernel must be the library's as well."""
    if outside:  # (both slots the library's: its Autograd kernel, then its CPU kernel)
        for ks in ((PLAIN_KS | DEFAULT_INCLUDED) & ~DEFAULT_EXCLUDED & entry.mask,
                   (PLAIN_KS | PLAIN_INCLUDED) & ~PLAIN_EXCLUDED & entry.mask):
            src = entry.sources[ks.bit_length() - 1] if ks else None
            if not src or src[0] is None or src[0].owner is not None:
                return None
        return ks, entry.table[ks.bit_length() - 1]
    ks = (PLAIN_KS | PLAIN_INCLUDED) & ~PLAIN_EXCLUDED & entry.mask
    if not ks:
        return None
    k = entry.table[ks.bit_length() - 1]
    return (ks, k) if k in LEAF_KERNELS else None


def _verify():
    with _lock:
        for entry in list(LANES.watched):  # (deferred builds first: they report changes)
            entry.ensure_table()
        for cls, glue, entries in LANES.nodes:
            on = all(_plain_kernel(e) for e in entries)
            cls._direct = glue if on else None
            cls._array = cls._array_glue if on else None
        for name, lane in LANES.engine.items():
            kernels = [_plain_kernel(e, name in _OUTSIDE) for e in lane[1]]
            lane[0] = all(kernels)
            lane[2:] = kernels
        LANES.verified = True


def _on_table_change(entry):
    """A dispatch table changed: if a lane stands for that op, every lane is off until
    ``usable()`` checks the tables again (a kernel registered in a hook during a backward
    is seen by that backward's later nodes)."""
    if entry in LANES.watched:
        with _lock:
            LANES.verified = False
            for cls, _glue, _entries in LANES.nodes:
                cls._direct = cls._array = None
            for lane in LANES.engine.values():
                lane[0] = False


_opreg.table_hooks.append(_on_table_change)


def _plain_state():
    """Whether this thread's keys are formula mode's defaults and lanes are not disabled."""
    st = _tls
    return st.included == PLAIN_INCLUDED and st.excluded == PLAIN_EXCLUDED and \
        not st.extra.get(_OFF)


def usable():
    """Whether this thread's state lets lanes run now (and the tables were checked)."""
    if not _plain_state():
        return False
    if not LANES.verified:
        _verify()
    return True


_OFF = "array_lanes_off"  # (keys in the thread's dispatcher state: ``disabled()`` depths)
_ARRAYS_OFF = "array_mode_off"


def array_mode_off():
    """Whether ``disabled(array_mode_only=True)`` holds on this thread."""
    return bool(_tls.extra.get(_ARRAYS_OFF))


class disabled:
    """Within this block (on this thread, and in ``fork`` tasks it starts) backward runs every
    node's formulas: what a lane must reproduce, for tests and for comparing the two.  With
    ``array_mode_only``, lanes still run, but on tensors, one node at a time (the engine's
    array mode, ``array_engine``, is off)."""

    def __init__(self, array_mode_only=False):
        self._key = _ARRAYS_OFF if array_mode_only else _OFF

    def __enter__(self):
        extra = _tls.extra
        extra[self._key] = extra.get(self._key, 0) + 1
        return self

    def __exit__(self, *exc):
        extra = _tls.extra
        extra[self._key] -= 1
        return False


def _entries(ops):
    from .._aten._ops_registry import aten
    out = []
    for name in ops:
        packet, _, overload = name.partition(".")
        out.append(getattr(getattr(aten, packet), overload or "default")._entry)
    return out


def install_node_lane(cls, spec, fn, ops):
    """Give the generated node class ``cls`` (of ``spec``) the lane ``fn``, which stands for
    the formulas' dispatches of the aten overloads ``ops`` ("mm.default", ...)."""
    glue = _compile_glue(spec, fn)
    cls._array_glue = _compile_glue(spec, fn, arrays=True)
    entries = _entries(ops)
    with _lock:
        LANES.nodes.append((cls, glue, entries))
        LANES.watched.update(entries)
        LANES.verified = False
    cls._direct = cls._array = None  # (set by _verify, at the first backward that can use them)


def _engine_lane(name, ops):
    entries = _entries(ops)
    lane = [False, entries]  # (then each op's (keys, kernel), once verified)
    with _lock:
        LANES.engine[name] = lane
        LANES.watched.update(entries)
        LANES.verified = False
    return lane


# ---- the glue between a node and its lane --------------------------------------------------------
def _compile_glue(spec, fn, arrays=False):
    """``_direct(node, grads, ex)`` for one node class: the node's gradient and saved values as
    arrays in, ``fn`` called with them, its arrays wrapped; None (run the formulas) when a
    value is not plain or ``fn`` returns NotImplemented.  ``ex``: the task's exec_info.

    With ``arrays``: ``_array(node, a, ex)`` for array_engine, whose gradient ``a`` is an
    array of a float dtype already, returning its arrays validated against their edges."""
    import inspect
    params = list(inspect.signature(fn).parameters)
    n = len(spec.slots)
    tensors = set(spec.tensor_inputs) | set(spec.output_params)
    known = tensors | set(spec.other_params) | {"grad", "grad_input_mask"}
    unknown = [p for p in params if p not in known]
    if unknown or spec.has_lists or spec.diff_positions is not None or spec.multi:
        raise RuntimeError(f"array_backward of {spec.entry.qualified}: cannot bind {unknown} "
                           "(a lane takes grad, grad_input_mask and the values the formulas "
                           "save, for a node of one output without tensor lists)")
    name = "_array" if arrays else "_direct"
    if arrays:
        lines = [f"def {name}(self, a, ex):"]
    else:
        lines = [f"def {name}(self, grads, ex):",
                 "    g = grads[0]",
                 "    if g is None or g._ks != KS:",
                 "        return None",
                 "    a = g._np",
                 "    if a is None:",
                 "        return None"]
    lines += ["    dt = a.dtype"]
    if not arrays:
        lines += ["    if dt not in FLOATS:",
                  "        return None"]
    lines += ["    nxt = self._next"]
    for k in range(n):
        if arrays:  # (array mode runs every reachable node: no exec_info)
            lines += [f"    w{k} = nxt[{k}][0] is not None"]
        else:
            lines += [f"    f = nxt[{k}][0]",
                      f"    w{k} = f is not None and (ex is None or f in ex)"]
    lines += ["    if not (" + " or ".join(f"w{k}" for k in range(n)) + "):",
              f"        return [None] * {n}",
              "    sv = self._sv"]
    args = []
    for j, p in enumerate(params):
        if p == "grad":
            args.append("a")
        elif p == "grad_input_mask":
            args.append("(" + "".join(f"w{k}, " for k in range(n)) + ")")
        elif p in tensors:
            # (SavedVariable.unpack's checks, for a value it would hand back unchanged)
            # (a Python number given for a Tensor argument is saved as it is)
            lines += [f"    v = sv.get({p!r})",
                      "    if type(v) is SV:",
                      "        if v._hooks is not None or v._vc[0] != v._version:",
                      "            return None",
                      "        t = v._data",
                      "        if t is None or t._ks != KS:",
                      "            return None",
                      f"        x{j} = t._np",
                      f"        if x{j} is None or x{j}.dtype is not dt:",
                      "            return None",
                      "    elif v is None or type(v) is float or type(v) is int:",
                      f"        x{j} = v",
                      "    else:",
                      "        return None"]
            args.append(f"x{j}")
        else:
            args.append(f"sv.get({p!r})")
    lines += [f"    r = FN({', '.join(args)})",
              "    if r is NotImplemented:",
              "        return None"]
    if arrays:
        # the arrays as they are, checked against their edges as validate_outputs checks a
        # gradient (the same shape, dtype and device; else summed back to a broadcast input's
        # shape, or None: the tensor engine runs the node)
        for k in range(n):
            lines += [f"    g{k} = {'r' if n == 1 else f'r[{k}]'} if w{k} else None",
                      f"    if g{k} is not None:",
                      f"        if type(g{k}) is not ND:  # (a ufunc on 0-d arrays: a scalar)",
                      f"            g{k} = ASARRAY(g{k})",
                      f"        e = nxt[{k}]",
                      "        m = e[0]._meta[e[1]]",
                      f"        if m is not None and (g{k}.shape, DT(g{k}.dtype), CPU) != m:",
                      f"            g{k} = SUM_TO(g{k}, m)",
                      f"            if g{k} is None:",
                      "                return None"]
        lines += ["    return [" + ", ".join(f"g{k}" for k in range(n)) + "]"]
    else:
        res = ["WRAP(r, a, g)" if n == 1 else f"WRAP(r[{k}], a, g)" for k in range(n)]
        lines += ["    return [" + ", ".join(f"{x} if w{k} else None"
                                          for k, x in enumerate(res)) + "]"]
    src = "\n".join(lines) + "\n"
    from .graph import SavedVariable
    env = {"KS": PLAIN_KS, "FLOATS": FLOATS, "SV": SavedVariable, "FN": fn, "WRAP": _wrap}
    if arrays:
        from .array_engine import _DTYPE_OF, _sum_to
        from .._tensor import _CPU
        env.update(ND=_ndarray, ASARRAY=np.asarray, DT=_DTYPE_OF.get, CPU=_CPU, SUM_TO=_sum_to)
    exec(compile(src, f"<{spec.node_name}.{name}>", "exec"), env)
    glue = env[name]
    glue.__doc__ = src  # the generated source, for readers stepping through it
    return glue


def _wrap(r, a, g):
    """A lane's result as a gradient: the incoming gradient itself when the lane passed its
    array on (as a formula ``grad`` passes the tensor on); a view of it for a view of its
    array (``grad.t()``); a fresh tensor for a fresh array; a view of a fresh tensor for a
    view the lane made of its own fresh array (as a formula's ``t()`` of an op's result).
    A lane returns nothing else."""
    if r is a:
        return g
    if r is None:
        return None
    if type(r) is not _ndarray:  # (a ufunc on 0-d arrays returns a NumPy scalar)
        r = np.asarray(r)
    b = r.base
    if b is None:
        return from_array(r)
    if b is a or b is a.base:  # a view of the gradient (``t``, ``expand``): a view of ``g``
        return view_of(g, a, r)
    return view_of(from_array(b), b, r)  # a view of the lane's own fresh array


def view_of(base, start, r):
    """A view of the tensor ``base``, whose array is ``start``, with the geometry of ``r`` (an
    array over the same memory)."""
    isz = r.itemsize
    offset = base._offset + (r.__array_interface__["data"][0] -
                             start.__array_interface__["data"][0]) // isz
    return make_view(base, r.shape, tuple(s // isz for s in r.strides), offset, arr=r)


# ---- the engine's own lanes: sum_to and the input buffer's add ----------------------------------
SUM_TO = _engine_lane("sum_to", ("sum.dim_IntList", "view.default"))
ADD = _engine_lane("add", ("add.Tensor",))


def sum_to_lane(g, dims, shape):
    """``sum_to(g, shape)``, whose reduced ``dims`` are known, with the kernels of
    ``sum(dims, keepdim=True)`` and ``view(shape)`` called straight from their table slots
    (the dispatch that finds them decides nothing here), or None."""
    lane = SUM_TO
    if not lane[0] or g._ks != PLAIN_KS or not _plain_state():
        return None
    (ks, sum_kernel), (vks, view_kernel) = lane[2], lane[3]
    total = sum_kernel(ks, g, dims, True)
    if total._size == shape:
        return total
    return view_kernel(vks, total, list(shape))


# The engine's lanes whose ops are called outside formula mode (by ``backward()`` itself).
_OUTSIDE = {"ones_like"}
ONES_LIKE = _engine_lane("ones_like", ("ones_like.default",))
_ONE = {dt: np.ones((), dt) for dt in FLOATS}  # (copied: a C call, not np.ones' Python)


def ones_like_lane(out):
    """``backward()``'s implicit gradient, ``ones_like(out)``, for a plain float 0-d ``out``
    when nothing can observe the op (the thread's keys at their defaults, the library's
    kernels in its table); else None."""
    st = _tls
    if type(out) is not Tensor or out._ks != PLAIN_KS or st.included != DEFAULT_INCLUDED or \
            st.excluded != DEFAULT_EXCLUDED or st.extra.get(_OFF):
        return None
    if not LANES.verified:
        _verify()
    a = out._np
    if not ONES_LIKE[0] or a is None or a.ndim or a.dtype not in FLOATS:
        return None
    return from_array(_ONE[a.dtype].copy(), Tensor, out.dtype)


def add_lane(old, new, dispatched):
    """The input buffer's ``old + new`` (``add.Tensor``) while lanes run: for two plain
    tensors its kernel is called straight from its table slot, else ``dispatched(old,
    new)``, the engine's dispatched add."""
    lane = ADD
    if lane[0] and old._ks == PLAIN_KS and new._ks == PLAIN_KS:
        ks, kernel = lane[2]
        return kernel(ks, old, new)
    return dispatched(old, new)
