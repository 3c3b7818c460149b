"""Python dispatch overhead: ``a + b`` on tiny float32 tensors under a no-op TorchDispatchMode,
with a pass-through wrapper subclass, and with TwoTensor — kindling beside PyTorch in one run.

Issue 4 targets: the mode path within 2x of PyTorch's; the wrapper subclass and TwoTensor
faster than PyTorch's.
"""
from __future__ import annotations

import importlib

from ._timing import fmt_row, per_call_us, torch_or_none


def _cases(T):
    """(name, fn) for library ``T`` (kindling or torch), written the same way for both."""
    pd = importlib.import_module(f"{T.__name__}.utils._python_dispatch")
    two = importlib.import_module(f"{T.__name__}.testing._internal.two_tensor")

    class NoOpMode(pd.TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    class PassThrough(T.Tensor):
        @staticmethod
        def __new__(cls, elem):
            r = T.Tensor._make_wrapper_subclass(cls, elem.shape, strides=elem.stride(),
                                                dtype=elem.dtype, device=elem.device)
            r.elem = elem
            return r

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            def unwrap(x):
                return x.elem if isinstance(x, PassThrough) else x
            out = func(*[unwrap(a) for a in args],
                       **{k: unwrap(v) for k, v in (kwargs or {}).items()})
            return PassThrough(out) if isinstance(out, T.Tensor) else out

    a, b = T.ones(8), T.full((8,), 2.0)
    mode = NoOpMode()

    def under_mode():
        with mode:
            for _ in range(10):
                a + b

    wa, wb = PassThrough(a), PassThrough(b)
    ta, tb = two.TwoTensor(a, a.clone()), two.TwoTensor(b, b.clone())
    return [
        ("plain a + b", lambda: a + b, 1),
        ("no-op mode a + b", under_mode, 10),
        ("wrapper subclass a + b", lambda: wa + wb, 1),
        ("TwoTensor a + b", lambda: ta + tb, 1),
    ]


def run(torch=None, rounds=7):
    """Print per-call medians and the median of per-round ratios (rounds alternate kindling
    and PyTorch, so machine load affects both sides alike)."""
    import statistics

    import kindling
    print("\n== Python dispatch: a + b on float32[8] (us per call, medians) ==")
    print(fmt_row("case", ["kindling", "torch", "k/torch"]))
    rows = []
    kcases = _cases(kindling)
    tcases = _cases(torch) if torch is not None else [None] * len(kcases)
    for (name, fk, n), tc in zip(kcases, tcases):
        ks, ts, ratios = [], [], []
        for _ in range(rounds if tc is not None else 1):
            tk = per_call_us(fk, repeat=3, budget_s=0.05) / n
            ks.append(tk)
            if tc is not None:
                tt = per_call_us(tc[1], repeat=3, budget_s=0.05) / n
                ts.append(tt)
                ratios.append(tk / tt)
        tk = statistics.median(ks)
        tt = statistics.median(ts) if ts else float("nan")
        ratio = statistics.median(ratios) if ratios else float("nan")
        rows.append((name, tk, tt, ratio))
        print(fmt_row(name, [tk, tt, ratio]))
    return rows


if __name__ == "__main__":
    run(torch_or_none())
