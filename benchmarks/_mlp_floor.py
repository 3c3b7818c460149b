"""Two reference points for the MLP step of ``bench_autograd``, on raw NumPy arrays.

* ``numpy_by_hand``: the step's forward and backward written out by hand, no autograd at all:
  the arithmetic every implementation must do.

Each ``step()`` returns the loss and the six parameter gradients (a test checks them against
kindling's), so neither reference can skip work.
* ``minimal_tape``: the smallest reverse-mode autograd that can run the step - a value class
  with a backward closure per op, a dependency count and a heap - and nothing else: no
  dispatcher, no modes, no version counters, no hooks, no checks.

They bound what any eager autograd written in Python can reach on this step: the gap between
``minimal_tape`` and PyTorch is Python's own cost per op and per node, before any feature.
"""
from __future__ import annotations

import heapq
import itertools

import numpy as np


def _params(rng):
    def param(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)
    x = rng.standard_normal((32, 64)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 32)]
    return x, y, [param(64, 128), param(128), param(128, 128), param(128), param(128, 10),
                  param(10)]


def numpy_by_hand(rng):
    x, y, (w1, b1, w2, b2, w3, b3) = _params(rng)

    def step():
        z1 = x @ w1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ w2 + b2
        h2 = np.maximum(z2, 0)
        out = h2 @ w3 + b3
        d = out - y
        loss = (d * d).sum()
        g_out = 2 * d
        g_h2 = g_out @ w3.T
        g_z2 = g_h2 * (z2 > 0)
        g_h1 = g_z2 @ w2.T
        g_z1 = g_h1 * (z1 > 0)
        return loss, [x.T @ g_z1, g_z1.sum(0), h1.T @ g_z2, g_z2.sum(0), h2.T @ g_out,
                      g_out.sum(0)]
    return step


class _Value:
    """An array, whether it needs a gradient, its gradient, and how to send a gradient to
    its parents (``backward_fn`` returns one per parent, None for those that need none)."""

    __slots__ = ("data", "requires_grad", "grad", "parents", "backward_fn", "seq")
    _counter = itertools.count()

    def __init__(self, data, requires_grad=False, parents=(), backward_fn=None):
        self.data, self.requires_grad, self.grad = data, requires_grad, None
        self.parents, self.backward_fn = parents, backward_fn
        self.seq = next(self._counter)

    def _op(self, other, data, backward_fn):
        parents = (self, other)
        return _Value(data, self.requires_grad or other.requires_grad, parents, backward_fn)

    def __matmul__(self, other):
        a, b, ra, rb = self.data, other.data, self.requires_grad, other.requires_grad
        return self._op(other, a @ b, lambda g: (g @ b.T if ra else None,
                                                 a.T @ g if rb else None))

    def __add__(self, other):
        return self._op(other, self.data + other.data, lambda g: (g, g))

    def __sub__(self, other):
        return self._op(other, self.data - other.data, lambda g: (g, -g))

    def __mul__(self, other):
        a, b, ra, rb = self.data, other.data, self.requires_grad, other.requires_grad
        return self._op(other, a * b, lambda g: (g * b if ra else None,
                                                 g * a if rb else None))

    def relu(self):
        r = np.maximum(self.data, 0)
        return _Value(r, self.requires_grad, (self,), lambda g: (g * (r > 0),))

    def sum(self):
        shape = self.data.shape
        return _Value(self.data.sum(), self.requires_grad, (self,),
                      lambda g: (np.broadcast_to(g, shape),))

    def backward(self):
        deps, stack = {self: 0}, [self]
        while stack:  # count each node's consumers that need a gradient
            for p in stack.pop().parents:
                if p.requires_grad:
                    if p not in deps:
                        deps[p] = 0
                        stack.append(p)
                    deps[p] += 1
        pending = {self: np.ones((), self.data.dtype)}
        heap = [(-self.seq, self)]
        while heap:
            node = heapq.heappop(heap)[1]
            g = pending.pop(node)
            if node.backward_fn is None:  # a leaf
                node.grad = g if node.grad is None else node.grad + g
                continue
            for p, gp in zip(node.parents, node.backward_fn(g)):
                if not p.requires_grad:
                    continue
                if gp.shape != p.data.shape:  # undo broadcasting
                    gp = gp.sum(tuple(range(gp.ndim - p.data.ndim)))
                pending[p] = gp if p not in pending else pending[p] + gp
                deps[p] -= 1
                if deps[p] == 0:
                    heapq.heappush(heap, (-p.seq, p))

    def __lt__(self, other):  # (heap entries never tie: seq is unique)
        return self.seq < other.seq


def minimal_tape(rng):
    x, y, arrays = _params(rng)
    x, y = _Value(x), _Value(y)
    ps = [_Value(a, requires_grad=True) for a in arrays]
    w1, b1, w2, b2, w3, b3 = ps

    def step():
        h1 = (x @ w1 + b1).relu()
        h2 = (h1 @ w2 + b2).relu()
        out = h2 @ w3 + b3
        loss = ((out - y) * (out - y)).sum()
        loss.backward()
        grads = [p.grad for p in ps]
        for p in ps:
            p.grad = None
        return loss.data, grads
    return step
