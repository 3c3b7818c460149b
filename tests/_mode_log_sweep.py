"""Sweep: the ops a dispatch mode sees, kindling against PyTorch, over the OpInfo samples.

For every differentiable op of the autograd OpInfo database (tests/test_autograd_opinfo.py)
and each of its float64 samples - or, with ``--complex``, of tests/test_complex_autograd.py's
database and its complex128 samples (complex output gradients and tangents) - two programs run
under a recording TorchDispatchMode in both frameworks and the op-name sequences are compared:

* backward: ``autograd.grad`` of the op's outputs (only the backward is recorded);
* forward AD: inside ``dual_level``, ``make_dual`` of every floating tensor argument with a
  tangent, the op, and ``unpack_dual`` of its floating outputs (all recorded).

Run from the repository root (torch must be installed)::

    PYTHONPATH=. python tests/_mode_log_sweep.py [--bw|--fw] [--complex] [-v] [name-substring ...]

It prints, per mode of differentiation, the ops whose sequences differ (most differing samples
first) and, with ``-v``, the first differing sample's two sequences from where they part.
"""
import collections
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import kindling  # noqa: E402
from kindling.testing.harness import to_kindling, to_torch  # noqa: E402
from kindling.utils._python_dispatch import TorchDispatchMode as KMode  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode as TMode  # noqa: E402

import test_autograd_opinfo as T  # noqa: E402
import test_complex_autograd as C  # noqa: E402


def _uniform(rng, t):
    return rng.uniform(-1, 1, size=tuple(t.shape))


class Suite(collections.namedtuple("Suite", "name db samples leaves diff_outs random")):
    """Where the samples come from: the op database, its samples per op, the tensors that
    require grad, the outputs to differentiate and a random array like a tensor."""


REAL = Suite("float64", T._DB, T._samples, T._leaves, T._diff_outs, _uniform)
COMPLEX = Suite("complex128", C._DB, C._complex_samples, C._leaves, C._diff_outs,
                C._random_like)


def recorder(base):
    class Record(base):
        def __init__(self):
            super().__init__()
            self.ops = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.ops.append(str(func))
            return func(*args, **(kwargs or {}))
    return Record


RECORDERS = {kindling: recorder(KMode), torch: recorder(TMode)}
# samples that crash PyTorch 2.13 itself (a segmentation fault) under forward AD and a mode
TORCH_CRASHES_FW = {"aten.ldexp.Tensor"}


def _convert(fw, sample):
    data = [sample.input, list(sample.args), dict(sample.kwargs)]
    return to_kindling(data) if fw is kindling else to_torch(data, torch)


def _op(fw, info):
    return info.op if fw is kindling else info.torch_op(torch)


def backward_ops(fw, info, sample, grad_outputs=None, suite=REAL):
    """(ops seen by ``autograd.grad``, output gradients) or None when there is nothing to
    differentiate or the framework refuses the sample."""
    args = _convert(fw, sample)
    leaves = suite.leaves(args, [])
    if not leaves:
        return None
    try:
        out = _op(fw, info)(args[0], *args[1], **args[2])
    except Exception:
        return None
    outs = [o for o in suite.diff_outs(out) if o.requires_grad]
    if not outs:
        return None
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [suite.random(rng, o) for o in outs]
    gos = [fw.from_numpy(g.copy()) for g in grad_outputs]
    m = RECORDERS[fw]()
    try:
        with m:
            fw.autograd.grad(outs, leaves, gos, allow_unused=True)
    except Exception as e:
        return [f"<error {type(e).__name__}: {e}>"], grad_outputs
    return m.ops, grad_outputs


def _swap_leaves(x, new):
    """``x`` with its requires-grad tensors replaced, in order, by ``new``'s."""
    it = iter(new)

    def rec(v):
        if getattr(v, "requires_grad", False) and hasattr(v, "detach"):
            return next(it)
        if isinstance(v, (list, tuple)):
            return type(v)(rec(e) for e in v)
        if isinstance(v, dict):
            return {k: rec(e) for k, e in v.items()}
        return v
    return rec(x)


def forward_ad_ops(fw, info, sample, tangents=None, suite=REAL):
    """(ops seen from ``make_dual`` to ``unpack_dual``, tangents used, output tangents) or
    None."""
    args = _convert(fw, sample)
    leaves = suite.leaves(args, [])
    if not leaves:
        return None
    primals = [x.detach() for x in leaves]
    if tangents is None:
        rng = np.random.default_rng(1)
        tangents = [suite.random(rng, p) for p in primals]
    fwad = fw.autograd.forward_ad
    m = RECORDERS[fw]()
    try:
        with fwad.dual_level():
            ts = [fw.from_numpy(t.copy()) for t in tangents]
            with m:
                duals = [fwad.make_dual(p, t) for p, t in zip(primals, ts)]
                a = _swap_leaves(args, duals)
                out = _op(fw, info)(a[0], *a[1], **a[2])
                unpacked = [fwad.unpack_dual(o) for o in suite.diff_outs(out)]
            res = [None if u.tangent is None else u.tangent.detach().numpy().copy()
                   for u in unpacked]
            # (dual tensors must not outlive their level: PyTorch can crash freeing them later)
            del duals, a, out, unpacked
    except Exception as e:
        return [f"<error {type(e).__name__}: {str(e)[:80]}>"], tangents, None
    return m.ops, tangents, res


def compare(info, sample, which, suite=REAL):
    """(kindling's ops, PyTorch's ops) for one sample, or None when not comparable."""
    if which == "bw":
        r = backward_ops(torch, info, sample, suite=suite)
        if r is None or (r[0] and r[0][0].startswith("<error")):
            return None  # (PyTorch itself fails: pow.Scalar's internal assert on a bool base)
        k = backward_ops(kindling, info, sample, r[1], suite)
        return (k[0] if k else None), r[0]
    if info.name in TORCH_CRASHES_FW:
        return None
    r = forward_ad_ops(torch, info, sample, suite=suite)
    if r is None or (r[0] and r[0][0].startswith("<error")):
        return None
    k = forward_ad_ops(kindling, info, sample, r[1], suite)
    return (k[0] if k else None), r[0]


def _first_difference(a, b):
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return i


def sweep(which, only=(), verbose=False, out=sys.stdout, suite=REAL):
    bad = collections.OrderedDict()
    nsamples = 0
    for info in suite.db:
        if only and not any(o in info.name for o in only):
            continue
        for i, s in enumerate(suite.samples(info)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = compare(info, s, which, suite)
            if r is None:
                continue
            nsamples += 1
            if r[0] != r[1]:
                bad.setdefault(info.name, []).append((i,) + r)
    title = ("backward" if which == "bw" else "forward AD") + f" ({suite.name})"
    print(f"{title}: {nsamples} samples compared, {sum(map(len, bad.values()))} differ "
          f"({len(bad)} ops)", file=out)
    for name, lst in sorted(bad.items(), key=lambda kv: -len(kv[1])):
        i, k, t = lst[0]
        print(f"  {name}: {len(lst)} sample(s) (first #{i})", file=out)
        if verbose:
            j = _first_difference(k or [], t)
            print(f"      from op {j}:\n      kindling: {(k or [])[j:]}\n      torch:    {t[j:]}",
                  file=out)
    return bad


def main(argv):
    verbose = "-v" in argv
    which = ["bw", "fw"]
    if "--bw" in argv:
        which = ["bw"]
    elif "--fw" in argv:
        which = ["fw"]
    suite = COMPLEX if "--complex" in argv else REAL
    only = [a for a in argv if not a.startswith("-")]
    for w in which:
        sweep(w, only, verbose, suite=suite)


if __name__ == "__main__":
    main(sys.argv[1:])
