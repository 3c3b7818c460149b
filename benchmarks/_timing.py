"""Timing helpers: per-call medians over repeated timeit runs."""
from __future__ import annotations

import statistics
import timeit


def per_call_us(fn, *, number=None, repeat=9, budget_s=0.15):
    """Median microseconds per call of ``fn`` over ``repeat`` runs."""
    if number is None:
        t = timeit.timeit(fn, number=100)
        number = max(100, int(budget_s / max(t / 100, 1e-9)))
    runs = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(runs) / number * 1e6


def fmt_row(name, cols, widths=(28, 12, 12, 12, 12, 12)):
    cells = [name.ljust(widths[0])] + [
        (f"{c:.2f}" if isinstance(c, float) else str(c)).rjust(w) for c, w in zip(cols, widths[1:])]
    return "".join(cells)


def one_blas_thread(fn, *args):
    """``fn(*args)`` with NumPy's BLAS limited to one thread (under load, a 2-thread OpenBLAS
    pool waiting on a busy core makes matmul timings vary wildly); as is without
    threadpoolctl (a test extra): the figures are then noisier."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return fn(*args)
    with threadpool_limits(limits=1):
        return fn(*args)


def side_by_side(title, kcases, tcases):
    """Time each kindling case beside its PyTorch twin (``tcases`` may be None) and print
    ``title`` and one row each: medians and their ratio.  Returns ``(name, k_us, torch_us)``
    rows."""
    print(title)
    print(fmt_row("case", ["kindling", "torch", "k/torch"]))
    rows = []
    tcases = tcases if tcases is not None else [(n, None) for n, _ in kcases]
    for (name, fk), (_, ft) in zip(kcases, tcases):
        tk = per_call_us(fk, repeat=7, budget_s=0.3)
        tt = per_call_us(ft, repeat=7, budget_s=0.3) if ft is not None else float("nan")
        rows.append((name, tk, tt))
        print(fmt_row(name, [tk, tt, tk / tt]))
    return rows


def torch_or_none(single_thread=True):
    """PyTorch for the comparison column (at one thread unless ``single_thread`` is False), or
    None when it is not installed: the benchmarks then run without that column."""
    try:
        import torch
    except ImportError:
        return None
    if single_thread:
        torch.set_num_threads(1)
    return torch
