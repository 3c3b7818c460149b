"""Autograd overhead: forward + backward of a 20-op graph on 8-element tensors, and a 3-layer
MLP step (64-128-128-10, batch 32), kindling beside PyTorch (issue 3 targets: small graph
within 2x of PyTorch, MLP within 1.5x), and two reference points for the MLP on raw NumPy."""
from __future__ import annotations

import numpy as np

from . import _mlp_floor
from ._timing import fmt_row, one_blas_thread, per_call_us, side_by_side, torch_or_none


def small_graph_loss(a, b):
    """The 20-op graph on two tensors (the tests run it too)."""
    x = a * b
    y = x + a
    z = y.exp()
    w = z * 0.5
    v = w - b
    u = v.tanh()
    s = u.sigmoid()
    r = s * x
    q = r + y
    p = q.relu()
    o = p * p
    n = o / (b + 2)
    m = n.log1p()
    k = m + z
    j = k * a
    i = j.sin()
    h = i + w
    g = h * s
    f = g.neg()
    return f.sum()


def mlp_loss(x, y_onehot, w1, b1, w2, b2, w3, b3):
    """A 3-layer MLP's squared-error loss (the tests run it too)."""
    h1 = (x @ w1 + b1).relu()
    h2 = (h1 @ w2 + b2).relu()
    out = h2 @ w3 + b3
    return ((out - y_onehot) * (out - y_onehot)).sum()


def _small_graph(T, a, b):
    def step():
        small_graph_loss(a, b).backward()
    return step


def _mlp(T, x, y_onehot, w1, b1, w2, b2, w3, b3):
    def step():
        mlp_loss(x, y_onehot, w1, b1, w2, b2, w3, b3).backward()
        for p in (w1, b1, w2, b2, w3, b3):
            p.grad = None
    return step


def cases(T):
    rng = np.random.default_rng(0)
    a = T.from_numpy(rng.uniform(0.5, 1.5, 8).astype(np.float32)).requires_grad_()
    b = T.from_numpy(rng.uniform(0.5, 1.5, 8).astype(np.float32)).requires_grad_()

    def param(*shape):
        return T.from_numpy((rng.standard_normal(shape) * 0.1).astype(np.float32)) \
            .requires_grad_()
    x = T.from_numpy(rng.standard_normal((32, 64)).astype(np.float32))
    y = T.from_numpy(np.eye(10, dtype=np.float32)[rng.integers(0, 10, 32)])
    ps = [param(64, 128), param(128), param(128, 128), param(128), param(128, 10), param(10)]
    return [("20-op graph fwd+bwd (8 el)", _small_graph(T, a, b)),
            ("MLP 64-128-128-10 b32 step", _mlp(T, x, y, *ps))]


def run(torch=None):
    """Both libraries single-threaded: PyTorch at ``set_num_threads(1)`` (the caller's), NumPy's
    BLAS limited to one thread (under load, a 2-thread OpenBLAS pool waiting on a busy core
    made MLP steps vary from 0.36 to 16 ms)."""
    return one_blas_thread(_run, torch)


def _run(torch):
    import kindling
    rows = side_by_side(
        "\n== autograd: forward + backward (us per step, medians; BLAS at 1 thread) ==",
        cases(kindling), cases(torch) if torch is not None else None)
    # Reference points for the MLP step, on raw NumPy arrays (see _mlp_floor): what the
    # arithmetic alone costs, and what the smallest Python autograd costs.
    mlp_torch = rows[-1][2]
    for name, make in (("  MLP: NumPy by hand", _mlp_floor.numpy_by_hand),
                       ("  MLP: minimal Python tape", _mlp_floor.minimal_tape)):
        t = per_call_us(make(np.random.default_rng(0)), repeat=7, budget_s=0.3)
        rows.append((name.strip(), t, mlp_torch))
        print(fmt_row(name, [t, mlp_torch, t / mlp_torch]))
    return rows


if __name__ == "__main__":
    run(torch_or_none())
