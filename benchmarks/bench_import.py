"""Import time of kindling vs PyTorch, each in a fresh interpreter (median of several runs).

Both are measured as installed packages are used: from byte-compiled modules.  PyTorch's wheel
is compiled at install time; kindling (an editable install) is compiled here first, because
an environment with PYTHONDONTWRITEBYTECODE set would otherwise recompile it on every import.
"""
from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys


def _import_s(module, runs=5):
    code = ("import time; t=time.perf_counter(); import {m}; "
            "print(time.perf_counter()-t)").format(m=module)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for _ in range(runs):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            return None
        times.append(float(r.stdout.strip()))
    return statistics.median(times)


def run():
    import kindling
    compileall.compile_dir(os.path.dirname(kindling.__file__), quiet=1)
    print("\n== import time (s, median of 5 fresh interpreters, byte-compiled) ==")
    k = _import_s("kindling")
    t = _import_s("torch")
    n = _import_s("numpy")
    print(f"numpy {n:.3f}   kindling {k:.3f}   torch {t if t is None else round(t, 3)}")
    if t:
        print(f"kindling / torch = {k / t:.2f}  (target < 0.20)")
    return k, t, n
