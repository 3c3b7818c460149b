"""fork/wait parallelism: four independent tasks, each 10 chained 512x512 float32 matmuls.

Columns: sequential (kindling), kindling fork+wait, PyTorch eager ``jit.fork`` (runs inline),
TorchScript fork (a scripted function that forks), each with BLAS limited to 1 thread and at
its default.  Issue 5 targets, with BLAS at 1 thread on the 2-core machine: kindling's fork at
least 1.7x faster than sequential, and no slower than TorchScript's fork.

Run alone with ``python -m benchmarks.bench_fork``.
"""
from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

N, CHAIN, TASKS, REPEAT = 512, 10, 4, 7


def _inputs():
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((N, N)).astype(np.float32) for _ in range(TASKS)]
    w = (rng.standard_normal((N, N)) / np.sqrt(N)).astype(np.float32)   # keeps values bounded
    return xs, w


def _median_ms(fn, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _kindling_cases():
    import kindling
    xs, w = _inputs()
    kx = [kindling.from_numpy(x) for x in xs]
    kw = kindling.from_numpy(w)

    def chain(x, w):
        for _ in range(CHAIN):
            x = kindling.matmul(x, w)
        return x

    def sequential():
        return [chain(x, kw) for x in kx]

    def forked():
        futs = [kindling.jit.fork(chain, x, kw) for x in kx]
        return [kindling.jit.wait(f) for f in futs]
    return {"sequential": sequential, "kindling fork": forked}


def _torch_cases(torch):
    xs, w = _inputs()
    tx = [torch.from_numpy(x) for x in xs]
    tw = torch.from_numpy(w)

    def chain(x, w):
        for _ in range(CHAIN):
            x = torch.mm(x, w)
        return x

    def eager_fork():
        futs = [torch.jit.fork(chain, x, tw) for x in tx]
        return [torch.jit.wait(f) for f in futs]
    return {"torch eager fork": eager_fork}


def _torchscript_case(torch):
    from typing import List
    xs, w = _inputs()
    tx = [torch.from_numpy(x) for x in xs]
    tw = torch.from_numpy(w)

    def chain(x, w):
        for _ in range(10):
            x = torch.mm(x, w)
        return x

    def forks(xs: List[torch.Tensor], w: torch.Tensor) -> List[torch.Tensor]:
        futs = torch.jit.annotate(List[torch.jit.Future[torch.Tensor]], [])
        for x in xs:
            futs.append(torch.jit.fork(script_chain, x, w))
        return [torch.jit.wait(f) for f in futs]
    script_chain = torch.jit.script(chain)
    script_forks = torch.jit.script(forks)
    return lambda: script_forks(tx, tw)


def _torchscript_child(blas):
    """In a fresh process: PyTorch 2.13 sometimes aborts at exit ("terminate called without
    an active exception") after TorchScript forks, so that column is measured apart."""
    import torch
    torch.set_num_threads(blas or os.cpu_count() or 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print(json.dumps({"torchscript fork": _median_ms(_torchscript_case(torch), warmup=3)}),
              flush=True)
    os._exit(0)


def _blas_env(blas):
    env = dict(os.environ)
    if blas is not None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(blas)
    return env


def _in_subprocess(code, blas):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-c", code], env=_blas_env(blas), cwd=root,
                          capture_output=True, text=True)
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"benchmark subprocess failed:\n{proc.stderr}")
    return json.loads(lines[-1])


@contextlib.contextmanager
def _blas_threads(n, torch):
    """Limit NumPy's and PyTorch's BLAS/OpenMP pools to ``n`` threads (None: defaults)."""
    from threadpoolctl import threadpool_limits
    old = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n or os.cpu_count() or 1)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(old)


def _sgemm_cases(torch):
    """One raw 512x512 product, NumPy's BLAS and PyTorch's: the floor under every column."""
    xs, w = _inputs()
    out = {"numpy sgemm": lambda: np.matmul(xs[0], w)}
    if torch is not None:
        tx, tw = torch.from_numpy(xs[0]), torch.from_numpy(w)
        out["torch sgemm"] = lambda: torch.mm(tx, tw)
    return out


def measure(torch, blas):
    """Median milliseconds per case, with BLAS threads ``blas`` (None = default)."""
    cases = _kindling_cases()
    if torch is not None:
        cases.update(_torch_cases(torch))
    if blas == 1:      # with BLAS pools at their defaults, their idle spinning skews this
        cases.update(_sgemm_cases(torch))
    with warnings.catch_warnings(), _blas_threads(blas, torch):
        warnings.simplefilter("ignore", DeprecationWarning)
        out = {name: _median_ms(fn) for name, fn in cases.items()}
    if torch is not None:
        code = f"import benchmarks.bench_fork as b; b._torchscript_child({blas})"
        out.update(_in_subprocess(code, blas))
    return out


def _measure_in_subprocess(blas):
    """Without threadpoolctl: a fresh process with the thread counts set by env vars."""
    code = ("import json, benchmarks.bench_fork as b\n"
            "try:\n    import torch\nexcept ImportError:\n    torch = None\n"
            "b._blas_threads = lambda n, t: __import__('contextlib').nullcontext()\n"
            f"print(json.dumps(b.measure(torch, {blas})))")
    return _in_subprocess(code, blas)


def run(torch=None):
    print(f"\n== fork/wait: {TASKS} tasks x {CHAIN} chained {N}x{N} float32 matmuls "
          f"(ms, medians of {REPEAT}) ==")
    try:
        import threadpoolctl  # noqa: F401
        how = measure
    except ImportError:
        how = lambda torch, blas: _measure_in_subprocess(blas)  # noqa: E731
    names = ["sequential", "kindling fork", "torch eager fork", "torchscript fork"]
    print("BLAS threads".ljust(14) + "".join(n.rjust(18) for n in names)
          + "seq/fork".rjust(10) + "fork/TS".rjust(10))
    results = {}
    for blas in (1, None):
        r = how(torch, blas)
        results[blas] = r
        cells = "".join((f"{r[n]:.1f}" if n in r else "-").rjust(18) for n in names)
        speedup = r["sequential"] / r["kindling fork"]
        vs_ts = (f"{r['kindling fork'] / r['torchscript fork']:.2f}"
                 if "torchscript fork" in r else "-")
        print(("1" if blas else "default").ljust(14) + cells + f"{speedup:.2f}".rjust(10)
              + vs_ts.rjust(10))
    r = results[1]
    floor = "  ".join(f"{n} {r[n]:.2f}" for n in ("numpy sgemm", "torch sgemm") if n in r)
    print(f"one product, BLAS threads 1: {floor} ms (x{TASKS * CHAIN} / 2 cores: the floor "
          "under the fork columns)")
    return results


if __name__ == "__main__":
    try:
        import torch as _torch
    except ImportError:
        _torch = None
    run(_torch)
