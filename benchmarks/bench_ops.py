"""Per-op time on tiny float32 tensors: raw NumPy, kindling, PyTorch eager (issue 2 targets:
kindling within 2.5x of PyTorch eager)."""
from __future__ import annotations

import numpy as np

from ._timing import fmt_row, per_call_us


def cases(kt, torch):
    na, nb = np.ones(8, np.float32), np.full(8, 2, np.float32)
    nm = np.ones((4, 4), np.float32)
    ka, kb, km = kt.from_numpy(na.copy()), kt.from_numpy(nb.copy()), kt.from_numpy(nm.copy())
    out = [
        ("a + b", lambda: na + nb, lambda: ka + kb),
        ("a * b", lambda: na * nb, lambda: ka * kb),
        ("a @ b (4x4)", lambda: nm @ nm, lambda: km @ km),
        ("sum", lambda: na.sum(), lambda: ka.sum()),
        ("relu", lambda: np.maximum(na, 0), lambda: kt.relu(ka)),
        ("view(2, 4)", lambda: na.reshape(2, 4), lambda: ka.view(2, 4)),
        ("a[1:3]", lambda: na[1:3], lambda: ka[1:3]),
        ("torch.add(a, b)", lambda: np.add(na, nb), lambda: kt.add(ka, kb)),
    ]
    if torch is not None:
        ta, tb = torch.from_numpy(na.copy()), torch.from_numpy(nb.copy())
        tm = torch.from_numpy(nm.copy())
        tfns = [lambda: ta + tb, lambda: ta * tb, lambda: tm @ tm, lambda: ta.sum(),
                lambda: torch.relu(ta), lambda: ta.view(2, 4), lambda: ta[1:3],
                lambda: torch.add(ta, tb)]
    else:
        tfns = [None] * len(out)
    return [(n, f_np, f_k, f_t) for (n, f_np, f_k), f_t in zip(out, tfns)]


def run(torch=None):
    import kindling
    rows = []
    print("\n== per-op time, tiny float32 tensors (us per call, medians) ==")
    print(fmt_row("op", ["numpy", "kindling", "torch", "k/torch", "k/numpy"]))
    for name, f_np, f_k, f_t in cases(kindling, torch):
        try:
            tk = per_call_us(f_k)
        except Exception as e:  # an op not built yet shows up as missing, not a crash
            print(fmt_row(name, ["-", f"error: {type(e).__name__}"]))
            continue
        tn = per_call_us(f_np)
        tt = per_call_us(f_t) if f_t is not None else float("nan")
        rows.append((name, tn, tk, tt))
        print(fmt_row(name, [tn, tk, tt, tk / tt, tk / tn]))
    return rows
