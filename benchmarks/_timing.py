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
