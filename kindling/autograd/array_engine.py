"""The engine's array mode: a backward run node after node on NumPy arrays.

When lanes may run (see ``array_lane``: formula mode below autograd, the thread's keys at
their defaults, the op library's kernels in the tables) and the engine runs a plain backward
(every reachable node, no profiler, no anomaly mode), the gradients flowing between nodes
need not be tensors at all: nothing can see them.  Each node's array lane takes its
gradient's array and gives its inputs' arrays; the engine's own work - summing a gradient
back to a broadcast input's shape, adding two gradients for one input - is done on the
arrays with the NumPy calls its kernels would make.  A tensor is made only where one is
kept: a leaf's ``.grad``.

The loop below is the engine's (``engine.run_backward``) for those nodes, with the same
order, the same buffers and the same results bit for bit.  At the first node it cannot run
on arrays - no lane, a lane that declines, hooks, a custom Function, several forward outputs,
a gradient that needs a cast - it turns every array waiting in an input buffer into the
tensor the tensor engine would have there (a view stays a view of the same tensor) and
hands that node to the tensor engine, which goes on from there.
"""
from __future__ import annotations

import sys
from heapq import heappop as _heappop, heappush as _heappush

import numpy as np

from .. import _dtype
from .._aten._util import is_expandable_to, sum_to_dims
from .._aten.reductions import sum_axes as _sum_axes
from .._aten._tensor_iterator import may_share
from .._tensor import Tensor, _CPU, from_array
from .._dispatcher.tls import state as _tls
from . import array_lane as _lane, engine as _engine
from .graph import AccumulateGrad

_ndarray = np.ndarray
_getrefcount = sys.getrefcount
# the kindling dtype of a lane's array (lanes take float32 and float64 only)
_DTYPE_OF = {dt: _dtype._NP_TO_DTYPE[dt] for dt in _lane.FLOATS}


def run(pending, heap, counter, keep_graph):
    """Run the graph task's ready nodes on arrays, from ``heap``, while they can be; return
    None when the backward is done, or the node the tensor engine must run next (its input
    buffers, and all others, then hold tensors)."""
    accumulate_grad = _engine.accumulate_grad
    push, pop = _heappush, _heappop
    # Arrays taken from tensors (root gradients, a buffer sum made by a kernel), by id: so
    # that a tensor made back for one is that tensor, or a view of it.
    memo = {}
    ready = None
    while True:
        node = ready
        if node is None:
            if not heap:
                return None
            node = pop(heap)[2]
        else:
            ready = None
        # (a node of several forward outputs has no lane: it is handed over below)
        grads = pending.pop(node)
        if type(node) is AccumulateGrad:
            # drop the last node's references first: a leaf may take a gradient's array only
            # when no one else holds it
            outputs = g = x = a = old = None
            var = node.variable
            d = var.__dict__
            if node._hk is not None or d and ("_hooks" in d or "_post_acc_hooks" in d):
                return _hand_over(node, grads, pending, memo)
            if type(grads[1]) is _ndarray:
                _accumulate(var, grads, memo)
            else:  # (a tensor or None: the tensor engine's call)
                del grads[0]
                accumulate_grad(var, grads[0])
            grads = None
            continue
        lane = node._array
        if lane is None or node._hk is not None:
            return _hand_over(node, grads, pending, memo)
        nexts = node._next
        x = grads[1]
        if x is None:  # no gradient flows in: none flows out (FormulaNode._run)
            outputs = [None] * len(nexts)
        else:
            if type(x) is _ndarray:
                a = x
            else:
                a = _array_of(x, memo)
                if a is None:
                    return _hand_over(node, grads, pending, memo)
            # (validated against the edges before any gradient is handed on, so that the
            # tensor engine can still run this node from its buffer instead)
            outputs = lane(a, None)
            if outputs is None:  # (the lane declines: the formulas run)
                return _hand_over(node, grads, pending, memo)
        for (nxt, nr), g in zip(nexts, outputs):
            if nxt is None:
                continue
            buf = pending[nxt]
            d = buf[0] - 1
            buf[0] = d
            if g is not None:
                old = buf[nr + 1]
                buf[nr + 1] = g if old is None else _add(old, g, memo)
            if d == 0:  # (scheduled as engine.run_backward does: inline in both hot loops)
                if ready is None and not heap:
                    ready = nxt
                else:
                    if ready is not None:
                        push(heap, (-ready._seq, next(counter), ready))
                        ready = None
                    push(heap, (-nxt._seq, next(counter), nxt))
        if not keep_graph:
            node.release_variables()


def _array_of(t, memo):
    """The array of a plain float tensor ``t`` from a buffer (remembered in ``memo``), or
    None."""
    if type(t) is not Tensor or t._ks != _lane.PLAIN_KS:
        return None
    a = t._np
    if a is None or a.dtype not in _lane.FLOATS:
        return None
    memo[id(a)] = t
    b = a.base
    if b is not None and id(b) not in memo:  # (views of its storage are views of it)
        memo[id(b)] = t
    return a


def _sum_to(g, meta):
    """``sum_to(g, shape)`` on the array of a gradient of the edge's dtype and device (the
    NumPy calls of ``sum(dims, keepdim=True)``'s kernel and a view), or None."""
    shape, dtype, device = meta
    size = g.shape
    if not shape or device is not _CPU and device != _CPU or \
            _DTYPE_OF.get(g.dtype) is not dtype or not _lane.SUM_TO[0]:
        # (a 0-d shape: the full sum's lane is the tensor engine's)
        return None
    lead = len(size) - len(shape)
    if lead >= 0 and size[lead:] == shape:
        # only leading dims to sum (a bias's gradient), without the general steps below: the
        # sum without kept dims, so no view of it (a view would become, in .grad, the alias
        # that is no view anyway)
        return _sum_axes(g, tuple(range(lead)), False) if lead else g
    if not is_expandable_to(shape, size):
        return None  # (the tensor engine raises PyTorch's error)
    dims = sum_to_dims(size, shape)
    g = _sum_axes(g, tuple(dims), True)
    if g.shape != shape:
        g = g.reshape(shape)  # (what ``view`` gives: a view of the sum)
    return g


def _add(old, new, memo):
    """The input buffer's ``old + new``: for two arrays of one shape and dtype whose layout
    NumPy gives as TensorIterator does, ``np.add``; else the tensor engine's add, kept as a
    tensor in the buffer."""
    if type(old) is _ndarray and type(new) is _ndarray and _lane.ADD[0] \
            and old.dtype is new.dtype and old.shape == new.shape and \
            (old.ndim <= 1 or 1 not in old.shape and old.flags.c_contiguous and
             new.flags.c_contiguous):
        r = np.add(old, new)
        return r if type(r) is _ndarray else np.asarray(r)  # (0-d: NumPy gives a scalar)
    return _lane.add_lane(_tensor(old, memo), _tensor(new, memo), _engine._add_formula_mode)


def _accumulate(var, grads, memo):
    """AccumulateGrad for the array ``grads[1]``: ``var.grad`` becomes a tensor of the array
    itself when no one else holds it (as accumulate_grad steals a tensor), else a copy, or it
    is added into the existing ``.grad``."""
    x = grads[1]
    old = var._grad
    if old is not None:
        o = old._np
        v = var._np
        if type(old) is Tensor and old._ks == _lane.PLAIN_KS and o is not None and \
                o.dtype is x.dtype and o.shape == x.shape and v is not None and \
                not var._meta_slow and \
                o.flags.c_contiguous and v.flags.c_contiguous and \
                (1 not in o.shape or _engine._obeys_layout(old, var)) and \
                not may_share(o, x):
            # ``.grad += x`` (add_ below autograd, as accumulate_grad calls it) on the arrays,
            # for a .grad that obeys the layout contract: the sum written into its memory,
            # its version bumped (an overlap of the two is add_'s error: the tensor engine's)
            np.add(o, x, out=o)
            old._vc[0] += 1
            return
        t = _tensor(x, memo)
        grads = x = None
        _engine.accumulate_grad(var, t)
        return
    # held by the buffer, ``x`` and the call's argument only: and a view's base by the view
    steal = _getrefcount(x) <= 3
    if steal:
        b = x.base
        if b is None:
            t = from_array(x)
            v = var._np
            if v is not None and x.flags.c_contiguous and v.flags.c_contiguous and x.size and \
                    x.shape == v.shape and not var._meta_slow:
                var._grad = t  # (_obeys_layout's common case, read inline)
                return
        elif b.base is None and _getrefcount(b) <= 3:
            # (a view of an array no one else holds: what accumulate_grad stores for a view,
            # an alias that is no view - of all of it, for sum_to's view of its sum)
            t = from_array(x) if x.flags.c_contiguous and x.nbytes == b.nbytes else \
                _engine.non_view_alias(_tensor(x, {}))
        else:
            steal = False
        b = None
    if not steal:
        v = var._np
        if v is not None and v.flags.c_contiguous and x.shape == v.shape and \
                x.dtype is v.dtype and not var._meta_slow:
            # clone_obey_contract for a contiguous leaf (a broadcast gradient, sum's or one
            # an add passed on to two leaves): new_empty_strided + copy_ on arrays, as nothing
            # can observe them in array mode (copy_ bumped the version)
            t = from_array(np.array(x, order="C"))
            t._vc[0] = 1
            var._grad = t
            return
        t = _tensor(x, memo)
    if steal and (_engine._obeys_layout(t, var) or not _tls.grad_layout_enforced):
        var._grad = t
    else:
        var._grad = _engine._clone_obey_contract(t, var)


def _tensor(r, memo):
    """The tensor the tensor engine would hold for the array ``r``: a tensor ``r`` came from,
    a fresh tensor of a fresh array, or a view (of that tensor) for a view of one."""
    t = memo.get(id(r))
    if t is not None and t._np is r:
        return t
    if type(r) is not _ndarray:
        r = np.asarray(r)
    b = r.base
    if b is None:
        t = from_array(r)
    else:
        bt = memo.get(id(b))
        if bt is None:
            bt = _tensor(b, memo)
        t = _lane.view_of(bt, bt._np, r)
        if t._base is not None and t._view_meta is None:
            _engine._mark_no_grad_view(t)  # (as the engine marks a view a formula made)
    memo[id(r)] = t
    return t


def _hand_over(node, grads, pending, memo):
    """Put ``node``'s buffer back, turn every array in the input buffers into a tensor, and
    give ``node`` to the tensor engine to run next."""
    pending[node] = grads
    for buf in pending.values():
        for i in range(1, len(buf)):
            v = buf[i]
            if v is not None and not isinstance(v, Tensor):
                buf[i] = _tensor(v, memo)
    return node
