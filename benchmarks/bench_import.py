"""Import time of kindling vs PyTorch, each in a fresh interpreter (median of several runs)."""
from __future__ import annotations

import statistics
import subprocess
import sys


def _import_s(module, runs=5):
    code = ("import time; t=time.perf_counter(); import {m}; "
            "print(time.perf_counter()-t)").format(m=module)
    times = []
    for _ in range(runs):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if r.returncode != 0:
            return None
        times.append(float(r.stdout.strip()))
    return statistics.median(times)


def run():
    print("\n== import time (s, median of 5 fresh interpreters) ==")
    k = _import_s("kindling")
    t = _import_s("torch")
    n = _import_s("numpy")
    print(f"numpy {n:.3f}   kindling {k:.3f}   torch {t if t is None else round(t, 3)}")
    if t:
        print(f"kindling / torch = {k / t:.2f}  (target < 0.20)")
    return k, t, n
