"""Sweep kindling against PyTorch over PyTorch's own OpInfo database (``op_db``).

For every OpInfo with ``supports_autograd`` whose op kindling has, and every sample of
``op.sample_inputs("cpu", dtype, requires_grad=True)``: the sample is copied into kindling
(same values, sizes, strides and storage offset; ``requires_grad`` kept), the op runs in both
libraries, and the outputs are compared (values, dtype, shape, requires_grad), or the errors
(type and message) when PyTorch raises. Then ``autograd.grad`` of every differentiable output
with respect to every input requiring grad, with the same random output gradients, is
compared (values, None-ness, dtype, shape).

Run from the repository root::

    PYTHONPATH=. python tests/_torch_opdb_sweep.py [name-substrings] [--complex] [--max N]
        [--fwad | --gradgrad] [--strides]

``--fwad`` compares forward-mode tangents instead (ops with ``supports_forward_ad``),
``--gradgrad`` second gradients (``supports_gradgrad``); ``--strides`` also compares the
outputs' strides. It writes per-op results to /tmp/opdb_sweep[_complex][_mode].json and
prints a summary. The test
``tests/test_torch_opdb_gradients.py`` reuses ``resolve`` and ``run_op`` from here.
"""
from __future__ import annotations

import json
import signal
import sys
import types

import numpy as np

import kindling

# OpInfo families kindling does not model (counted as missing, never run)
SKIPPED_PREFIXES = (("sparse.", "sparse"), ("to_sparse", "sparse"), ("nested", "nested"))

RTOL, ATOL = 1e-6, 1e-7
STRIDES = False  # (--strides: outputs' strides must agree too)

# Outputs defined only up to a gauge (signs/phases of singular vectors and eigenvectors):
# PyTorch's LAPACK (MKL) and NumPy's pick differently for some matrices, so where the raw
# outputs differ the OpInfo's own gauge-invariant ``output_process_fn_grad`` is compared.
GAUGE_OPS = {"svd", "linalg.svd", "linalg.eig", "linalg.eigh", "svd_lowrank", "pca_lowrank"}


class SampleTimeout(Exception):
    pass


def load_op_db():
    """(torch, the OpInfos with supports_autograd). Needs torch and expecttest."""
    import torch
    from torch.testing._internal.common_methods_invocations import op_db
    return torch, [op for op in op_db if op.supports_autograd]


def op_id(op):
    return op.name + ("." + op.variant_test_name if op.variant_test_name else "")


# ---------------------------------------------------------------------------------------------
# finding kindling's counterpart of an OpInfo's callable

_REVERSE = {}


def _reverse_map(torch):
    """id(torch object) -> (namespace path, attribute) over torch's public namespaces."""
    if _REVERSE:
        return _REVERSE
    spaces = [("", torch), ("linalg.", torch.linalg), ("special.", torch.special),
              ("fft.", torch.fft), ("nn.functional.", torch.nn.functional),
              ("Tensor.", torch.Tensor), ("sparse.", torch.sparse), ("masked.", torch.masked)]
    for prefix, ns in reversed(spaces):  # the torch namespace wins over the others
        for name in dir(ns):
            try:
                obj = getattr(ns, name)
            except Exception:  # noqa: BLE001
                continue
            if callable(obj):
                _REVERSE[id(obj)] = prefix + name
    return _REVERSE


def _kindling_attr(path):
    obj = kindling
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _is_testing_function(fn):
    return isinstance(fn, types.FunctionType) and fn.__module__.startswith("torch.testing")


def _kindling_wrapper_set_seed(op, *args, **kwargs):
    """The OpInfo helper ``wrapper_set_seed`` for kindling: the op runs seeded with 42, the
    global generator's state restored afterwards."""
    state = kindling.get_rng_state()
    try:
        kindling.manual_seed(42)
        return op(*args, **kwargs)
    finally:
        kindling.set_rng_state(state)


def _rebind(fn, torch):
    """A copy of a Python function written against ``torch`` (OpInfo lambdas, output
    processing functions) whose global ``torch`` is kindling."""
    g = dict(fn.__globals__)
    g["torch"] = kindling
    if "wrapper_set_seed" in g:
        g["wrapper_set_seed"] = _kindling_wrapper_set_seed
    closure = fn.__closure__
    if closure:
        closure = tuple(types.CellType(_to_kindling_obj(c.cell_contents, torch))
                        for c in closure)
    new = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = fn.__kwdefaults__
    return new


def missing_category(path):
    """The category an op kindling lacks is counted under."""
    for prefix, cat in (("linalg.", "linalg"), ("special.", "special"), ("fft.", "fft"),
                        ("nn.", "nn"), ("sparse.", "sparse"), ("Tensor.", "Tensor method"),
                        ("aten.", "aten op")):
        if path.startswith(prefix):
            return cat
    return "torch function"


def resolve(op, torch):
    """``(kindling callable, None)`` or ``(None, (category, what is missing))``."""
    name = op.name
    for prefix, cat in SKIPPED_PREFIXES:
        if name.startswith(prefix):
            return None, (cat, name)
    fn = op.op
    if isinstance(fn, (torch._ops.OpOverload, torch._ops.OpOverloadPacket)):
        path = str(fn) if isinstance(fn, torch._ops.OpOverload) else "aten." + fn.__name__
        target = _kindling_attr("ops." + path)
        return (target, None) if target is not None else (None, ("aten op", path))
    if _is_testing_function(fn):
        return _rebind(fn, torch), None
    path = _reverse_map(torch).get(id(fn))
    if path is None:
        return None, ("unresolved", f"{name}: {fn!r}")
    target = _kindling_attr(path)
    return (target, None) if target is not None else (None, (missing_category(path), path))


# ---------------------------------------------------------------------------------------------
# converting arguments

def _kdtype(torch_dtype):
    return getattr(kindling, str(torch_dtype).split(".")[1])


def _to_kindling_tensor(t, torch):
    if t.is_conj():
        base = _to_kindling_tensor(t.conj().detach(), torch)
        with kindling.no_grad():
            r = base.conj()
        return r.requires_grad_(t.requires_grad) if t.requires_grad else r
    if t.is_neg():
        raise NotImplementedError("sample tensor with the negative bit")
    d = t.detach()
    numel = d.untyped_storage().nbytes() // max(d.element_size(), 1)
    flat = torch.as_strided(d, (numel,), (1,), 0)
    if d.dtype in (torch.bfloat16, torch.complex32):
        wide = torch.float32 if d.dtype == torch.bfloat16 else torch.complex64
        base = kindling.from_numpy(flat.to(wide).numpy().copy()).to(_kdtype(d.dtype))
    else:
        base = kindling.from_numpy(flat.numpy().copy())
    with kindling.no_grad():
        r = base.as_strided(tuple(d.shape), d.stride(), d.storage_offset())
    if t.requires_grad:
        r.requires_grad_(True)
    return r


def _to_kindling_obj(x, torch, memo=None):
    """A kindling counterpart of a sample argument (tensors keep their identity mapping
    through ``memo`` so the same tensor passed twice stays one tensor)."""
    if memo is None:
        memo = {}
    if isinstance(x, torch.Tensor):
        if id(x) not in memo:
            memo[id(x)] = (x, _to_kindling_tensor(x, torch))
        return memo[id(x)][1]
    if isinstance(x, torch.dtype):
        return _kdtype(x)
    if isinstance(x, torch.device):
        return kindling.device(str(x))
    if isinstance(x, torch.memory_format) or isinstance(x, torch.layout):
        return getattr(kindling, str(x).split(".")[1])
    if isinstance(x, torch.Size):
        return kindling.Size(tuple(x))
    if isinstance(x, slice):
        return slice(*(_to_kindling_obj(v, torch, memo) for v in (x.start, x.stop, x.step)))
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(_to_kindling_obj(v, torch, memo) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(_to_kindling_obj(v, torch, memo) for v in x)
    if isinstance(x, dict):
        return {k: _to_kindling_obj(v, torch, memo) for k, v in x.items()}
    if isinstance(x, types.FunctionType) and x.__module__.startswith("torch"):
        return _rebind(x, torch)
    if isinstance(x, (torch.Generator,)):
        raise NotImplementedError("sample with a torch.Generator")
    if isinstance(x, torch.nn.Module) and not any(True for _ in x.parameters()) and \
            not any(True for _ in x.buffers()):
        # (a module without state used as a function, as ``nn.PairwiseDistance()`` for
        # triplet_margin_with_distance_loss: its forward, run with kindling's
        # ``torch.nn.functional``; kindling has no nn modules)
        fwd = _rebind(type(x).forward, torch)
        fwd.__globals__["F"] = kindling.nn.functional
        return lambda *a, **k: fwd(x, *a, **k)
    return x


def _leaves(x, is_tensor):
    """Tensors in a nested structure, in order."""
    if is_tensor(x):
        return [x]
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _leaves(v, is_tensor)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _leaves(v, is_tensor)]
    if isinstance(x, slice):
        return [t for v in (x.start, x.stop, x.step) for t in _leaves(v, is_tensor)]
    return []


# ---------------------------------------------------------------------------------------------
# comparing

def _np(t, lib):
    if t._is_zerotensor():
        return np.zeros(tuple(t.shape), _np(lib.zeros((), dtype=t.dtype), lib).dtype)
    t = t.detach()
    if t.is_conj():
        t = t.resolve_conj()
    if t.is_neg():
        t = t.resolve_neg()
    name = str(t.dtype).split(".")[1]
    if name in ("bfloat16", "float16"):
        t = t.to(lib.float64)
    elif name in ("complex32",):
        t = t.to(lib.complex128)
    return np.asarray(t.numpy())


def _close(a, b):
    if a.shape != b.shape:
        return False, "shape"
    if a.dtype.kind in "biu" or a.dtype == bool:
        return bool(np.array_equal(a, b)), "exact"
    rtol, atol = (RTOL, ATOL) if a.dtype in (np.float64, np.complex128) else (1e-5, 1e-5)
    if np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
        return True, ""
    with np.errstate(all="ignore"):
        diff = np.abs(a - b)
        diff = np.where(np.isnan(diff), np.inf, diff)
    return False, f"max abs diff {float(np.max(diff)) if diff.size else 0:.3g}"


def _compare_tensor(tt, kt, what):
    """None when equal, else (kind, detail)."""
    if str(tt.dtype) != str(kt.dtype):
        return "meta", f"{what}: dtype {tt.dtype} vs {kt.dtype}"
    if tuple(tt.shape) != tuple(kt.shape):
        return "meta", f"{what}: shape {tuple(tt.shape)} vs {tuple(kt.shape)}"
    if tt.requires_grad != kt.requires_grad:
        return "meta", f"{what}: requires_grad {tt.requires_grad} vs {kt.requires_grad}"
    tn = tt.grad_fn.name() if tt.grad_fn is not None else None
    kn = kt.grad_fn.name() if kt.grad_fn is not None else None
    if tn != kn:
        return "node", f"{what}: grad_fn {tn} vs {kn}"
    ok, detail = _close(_np(tt, sys.modules["torch"]), _np(kt, kindling))
    if not ok:
        return "value", f"{what}: {detail}"
    if STRIDES and tt.stride() != kt.stride() and tt.numel() > 1:
        return "stride", f"{what}: strides {tt.stride()} vs {kt.stride()}"
    return None


def _compare_out(to, ko, torch, what="out"):
    if isinstance(to, torch.Tensor):
        if not isinstance(ko, kindling.Tensor):
            return "meta", f"{what}: Tensor vs {type(ko).__name__}"
        return _compare_tensor(to, ko, what)
    if isinstance(to, (list, tuple)):
        if not isinstance(ko, (list, tuple)) or len(to) != len(ko):
            return "meta", f"{what}: {type(to).__name__}[{len(to)}] vs {type(ko).__name__}"
        for i, (a, b) in enumerate(zip(to, ko)):
            r = _compare_out(a, b, torch, f"{what}[{i}]")
            if r:
                return r
        return None
    if isinstance(ko, kindling.Tensor):
        return "meta", f"{what}: {type(to).__name__} vs Tensor"
    if isinstance(to, float) and isinstance(ko, float) and np.isclose(to, ko, RTOL, ATOL,
                                                                      equal_nan=True):
        return None
    if isinstance(to, (torch.dtype, torch.device)):
        return None if str(to) == str(ko) else ("value", f"{what}: {to} vs {ko}")
    return None if to == ko else ("value", f"{what}: {to!r} vs {ko!r}")


def _err(e):
    return type(e).__name__, str(e).split("\n")[0][:300]


def _alarm(signum, frame):
    raise SampleTimeout()


def _call(fn, inp, args, kwargs, timeout):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        return fn(inp, *args, **kwargs)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _grad(lib, outs, inputs, gouts, timeout):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        return lib.autograd.grad(outs, inputs, gouts, allow_unused=True)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _differentiable(outs, lib):
    return [o for o in outs
            if o.requires_grad and (o.dtype.is_floating_point or o.dtype.is_complex)]


def run_sample(op, kfn, sample, torch, seed=0, timeout=20):
    """One sample in both libraries: ``("ok", "")`` or ``(kind, detail)``."""
    try:
        memo = {}
        k_inp = _to_kindling_obj(sample.input, torch, memo)
        k_args = _to_kindling_obj(tuple(sample.args), torch, memo)
        k_kwargs = _to_kindling_obj(dict(sample.kwargs), torch, memo)
        k_post = _to_kindling_obj(sample.output_process_fn_grad, torch)
    except Exception as e:  # noqa: BLE001
        return "convert", "%s: %s" % _err(e)
    t_inputs = [t for t, _ in memo.values() if t.requires_grad]
    k_inputs = [k for t, k in memo.values() if t.requires_grad]

    torch.manual_seed(seed)
    t_out, t_exc = _attempt(_call, op.op, sample.input, sample.args, sample.kwargs, timeout)
    if t_exc is _TIMED_OUT:
        return "timeout", "torch"
    kindling.manual_seed(seed)
    k_out, k_exc = _attempt(_call, kfn, k_inp, k_args, k_kwargs, timeout)
    if k_exc is _TIMED_OUT:
        return "timeout", "kindling forward"
    if t_exc is not None or k_exc is not None:
        return _compare_errors(t_exc, k_exc, "")
    diff = _compare_out(t_out, k_out, torch)
    gauge = ""
    if diff and diff[0] == "value" and op.name in GAUGE_OPS:
        gauge = "gauge: " + diff[1]
        diff = _compare_out(sample.output_process_fn_grad(t_out), k_post(k_out), torch,
                            "processed out")
    if diff:
        return diff

    try:
        t_outs = _differentiable(_leaves(sample.output_process_fn_grad(t_out),
                                         lambda x: isinstance(x, torch.Tensor)), torch)
        k_outs = _differentiable(_leaves(k_post(k_out),
                                         lambda x: isinstance(x, kindling.Tensor)), kindling)
    except Exception as e:  # noqa: BLE001
        return "kerror", "output_process_fn_grad: %s: %s" % _err(e)
    if len(t_outs) != len(k_outs):
        return "meta", f"differentiable outputs: {len(t_outs)} vs {len(k_outs)}"
    if not t_outs or not t_inputs:
        return "ok", gauge
    g = torch.Generator().manual_seed(seed + 1)
    t_gouts = [torch.randn(o.shape, dtype=o.dtype, generator=g) for o in t_outs]
    k_gouts = [_to_kindling_tensor(o, torch) for o in t_gouts]
    t_grads, t_exc = _attempt(_grad, torch, t_outs, t_inputs, t_gouts, timeout)
    if t_exc is _TIMED_OUT:
        return "timeout", "torch backward"
    k_grads, k_exc = _attempt(_grad, kindling, k_outs, k_inputs, k_gouts, timeout)
    if k_exc is _TIMED_OUT:
        return "timeout", "kindling backward"
    if t_exc is not None or k_exc is not None:
        return _compare_errors(t_exc, k_exc, "grad_")
    return _compare_grads(t_grads, k_grads, "grad_", zerotensors=True) or ("ok", gauge)


_TIMED_OUT = SampleTimeout()  # (what ``_attempt`` gives for a call that ran out of time)


def _attempt(fn, *args):
    """``(fn(*args), None)``, or ``(None, the exception it raised)`` (``_TIMED_OUT`` for a
    timeout)."""
    try:
        return fn(*args), None
    except SampleTimeout:
        return None, _TIMED_OUT
    except Exception as e:  # noqa: BLE001
        return None, e


def _swap_tensors(x, mapping):
    """``x`` with each tensor whose id is in ``mapping`` replaced by its value there."""
    if id(x) in mapping:
        return mapping[id(x)]
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(_swap_tensors(v, mapping) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(_swap_tensors(v, mapping) for v in x)
    if isinstance(x, dict):
        return {k: _swap_tensors(v, mapping) for k, v in x.items()}
    return x


def _compare_errors(t_exc, k_exc, prefix):
    if t_exc is None:
        return prefix + "kerror", "%s: %s" % _err(k_exc)
    if k_exc is None:
        return prefix + "no_error", "torch raised %s: %s" % _err(t_exc)
    if _err(t_exc) != _err(k_exc):
        return prefix + "error_mismatch", "torch %s: %s | kindling %s: %s" % (
            _err(t_exc) + _err(k_exc))
    return "ok", ""


def _compare_grads(t_grads, k_grads, prefix, what="grad", zerotensors=False):
    """The first difference between two lists of gradients (``zerotensors``: whether each is
    a ZeroTensor counts too), or None."""
    for i, (tg, kg) in enumerate(zip(t_grads, k_grads)):
        if (tg is None) != (kg is None):
            return prefix + "missing", f"{what}[{i}]: torch " \
                f"{'None' if tg is None else 'tensor'} vs kindling " \
                f"{'None' if kg is None else 'tensor'}"
        if tg is None:
            continue
        tz, kz = (tg._is_zerotensor(), kg._is_zerotensor()) if zerotensors else (False, False)
        if str(tg.dtype) != str(kg.dtype) or tuple(tg.shape) != tuple(kg.shape) or tz != kz:
            return prefix + "meta", f"{what}[{i}]: {tg.dtype}{tuple(tg.shape)}" \
                f"{' zerotensor' * tz} vs {kg.dtype}{tuple(kg.shape)}{' zerotensor' * kz}"
        ok, detail = _close(_np(tg, sys.modules["torch"]), _np(kg, kindling))
        if not ok:
            return prefix + "value", f"{what}[{i}]: {detail}"
    return None


def run_sample_fwad(op, kfn, sample, torch, seed=0, timeout=20):
    """Forward AD: every input requiring grad made dual with the same random tangent in both
    libraries; the outputs' tangents compared (after ``output_process_fn_grad``)."""
    import importlib
    memo = {}
    k_inp = _to_kindling_obj(sample.input, torch, memo)
    k_args = _to_kindling_obj(tuple(sample.args), torch, memo)
    k_kwargs = _to_kindling_obj(dict(sample.kwargs), torch, memo)
    k_post = _to_kindling_obj(sample.output_process_fn_grad, torch)
    pairs = [(t, k) for t, k in memo.values()
             if t.requires_grad and (t.dtype.is_floating_point or t.dtype.is_complex)]
    if not pairs:
        return "ok", ""
    g = torch.Generator().manual_seed(seed + 2)
    tangents = [torch.randn(t.shape, dtype=t.dtype, generator=g) for t, _ in pairs]
    results = []
    for lib, fn, (inp, args, kwargs), post in (
            (torch, op.op, (sample.input, tuple(sample.args), dict(sample.kwargs)),
             sample.output_process_fn_grad),
            (kindling, kfn, (k_inp, k_args, k_kwargs), k_post)):
        fa = importlib.import_module(lib.__name__ + ".autograd.forward_ad")
        lib.manual_seed(seed)
        try:
            with fa.dual_level():
                mapping = {}
                for (t, k), tan in zip(pairs, tangents):
                    x = t if lib is torch else k
                    tan = tan if lib is torch else _to_kindling_tensor(tan, torch)
                    mapping[id(x)] = fa.make_dual(x.detach(), tan)
                out = _call(fn, _swap_tensors(inp, mapping), _swap_tensors(args, mapping),
                            _swap_tensors(kwargs, mapping), timeout)
                outs = _leaves(post(out), lambda v: isinstance(v, lib.Tensor))
                tans = [fa.unpack_dual(o).tangent for o in outs]
                results.append((None, [o.detach() for o in outs], tans))
        except SampleTimeout:
            return "timeout", lib.__name__
        except Exception as e:  # noqa: BLE001
            results.append((e, None, None))
    (t_exc, t_outs, t_tans), (k_exc, k_outs, k_tans) = results
    if t_exc is not None or k_exc is not None:
        return _compare_errors(t_exc, k_exc, "fw_")
    if len(t_outs) != len(k_outs):
        return "fw_meta", f"outputs: {len(t_outs)} vs {len(k_outs)}"
    diff = _compare_out(t_outs, k_outs, torch)
    if diff and not (diff[0] == "value" and op.name in GAUGE_OPS):
        return "fw_" + diff[0], diff[1]
    return _compare_grads(t_tans, k_tans, "fw_", "tangent") or ("ok", "")


def run_sample_gradgrad(op, kfn, sample, torch, seed=0, timeout=20):
    """Double backward: the first gradients (``create_graph=True``) differentiated again with
    the same random vectors; the second gradients compared."""
    memo = {}
    k_inp = _to_kindling_obj(sample.input, torch, memo)
    k_args = _to_kindling_obj(tuple(sample.args), torch, memo)
    k_kwargs = _to_kindling_obj(dict(sample.kwargs), torch, memo)
    k_post = _to_kindling_obj(sample.output_process_fn_grad, torch)
    t_inputs = [t for t, _ in memo.values() if t.requires_grad]
    k_inputs = [k for t, k in memo.values() if t.requires_grad]
    if not t_inputs:
        return "ok", ""
    g = torch.Generator().manual_seed(seed + 1)
    results = []
    for lib, fn, (inp, args, kwargs), post, inputs in (
            (torch, op.op, (sample.input, tuple(sample.args), dict(sample.kwargs)),
             sample.output_process_fn_grad, t_inputs),
            (kindling, kfn, (k_inp, k_args, k_kwargs), k_post, k_inputs)):
        lib.manual_seed(seed)
        try:
            out = _call(fn, inp, args, kwargs, timeout)
            outs = _differentiable(_leaves(post(out), lambda v: isinstance(v, lib.Tensor)), lib)
            if lib is torch:
                vs = t_vs = [torch.randn(o.shape, dtype=o.dtype, generator=g) for o in outs]
            else:
                vs = [_to_kindling_tensor(v, torch) for v in t_vs]
            if not outs:
                results.append((None, []))
                continue
            grads = lib.autograd.grad(outs, inputs, vs, allow_unused=True, create_graph=True)
            diff = [(gr, x) for gr, x in zip(grads, inputs) if gr is not None and
                    gr.requires_grad]
            if lib is torch:
                ws = t_ws = [torch.randn(gr.shape, dtype=gr.dtype, generator=g)
                             for gr, _ in diff]
            else:
                ws = [_to_kindling_tensor(w, torch) for w in t_ws]
            if not diff:
                results.append((None, []))
                continue
            gg = _grad(lib, [gr for gr, _ in diff], inputs, ws, timeout)
            results.append((None, list(gg)))
        except SampleTimeout:
            return "timeout", lib.__name__
        except Exception as e:  # noqa: BLE001
            results.append((e, None))
    (t_exc, t_gg), (k_exc, k_gg) = results
    if t_exc is not None or k_exc is not None:
        return _compare_errors(t_exc, k_exc, "gg_")
    if len(t_gg) != len(k_gg):
        return "gg_meta", f"differentiable first gradients: {len(t_gg)} vs {len(k_gg)}"
    return _compare_grads(t_gg, k_gg, "gg_") or ("ok", "")


MODES = {"grad": run_sample, "fwad": run_sample_fwad, "gradgrad": run_sample_gradgrad}


def samples_of(op, torch, dtype, seed=0):
    torch.manual_seed(seed)
    return op.sample_inputs("cpu", dtype, requires_grad=True)


def run_op(op, kfn, torch, dtype, max_samples=None, seed=0, timeout=20, mode="grad"):
    """``[(sample index, kind, detail, sample summary)]`` for one op and dtype (``mode``:
    "grad" (outputs, errors, gradients), "fwad" (forward-mode tangents) or "gradgrad")."""
    run = MODES[mode]
    res = []
    try:
        it = iter(samples_of(op, torch, dtype, seed))
        i = 0
        while max_samples is None or i < max_samples:
            try:
                s = next(it)
            except StopIteration:
                break
            try:
                kind, detail = run(op, kfn, s, torch, seed=seed + i, timeout=timeout)
            except Exception as e:  # noqa: BLE001  (the comparison itself failed)
                kind, detail = "sweep_error", "%s: %s" % _err(e)
            res.append((i, kind, detail, s.summary() if hasattr(s, "summary") else repr(s)))
            if i == 0 and lambda_missing(res):
                break  # (the OpInfo's lambda needs what kindling lacks: no use going on)
            i += 1
    except Exception as e:  # noqa: BLE001  (sample generation failed: not a kindling issue)
        res.append((-1, "samples_error", "%s: %s" % _err(e), ""))
    return res


def lambda_missing(res):
    """What kindling lacks when the samples failed only because an OpInfo lambda reached for
    it (``torch.svd_lowrank``, ``x.chalf``, ``torch.nn``...), else None."""
    import re
    found = set()
    for _, kind, detail, _ in res:
        m = re.match(r"AttributeError: (module 'kindling[.\w]*'|'Tensor' object) has no "
                     r"attribute '(\w+)'", detail) if kind.endswith("kerror") else None
        if m is None:
            return None
        found.add(m.group(2))
    return ", ".join(sorted(found)) or None


def main(argv):
    import warnings
    warnings.filterwarnings("ignore")
    complex_pass = "--complex" in argv
    global STRIDES
    STRIDES = "--strides" in argv
    max_samples = None
    if "--max" in argv:
        max_samples = int(argv[argv.index("--max") + 1])
        argv = argv[:argv.index("--max")] + argv[argv.index("--max") + 2:]
    mode = "fwad" if "--fwad" in argv else "gradgrad" if "--gradgrad" in argv else "grad"
    filters = [a for a in argv if not a.startswith("--")]
    torch, ops = load_op_db()
    torch.set_default_dtype(torch.float32)
    dtype = torch.complex128 if complex_pass else torch.float64
    results, missing = {}, {}
    for op in ops:
        oid = op_id(op)
        if filters and not any(f in oid for f in filters):
            continue
        if complex_pass and dtype not in op.supported_backward_dtypes("cpu"):
            continue
        if (mode == "fwad" and not op.supports_forward_ad) or \
                (mode == "gradgrad" and not op.supports_gradgrad):
            continue
        kfn, miss = resolve(op, torch)
        if kfn is None:
            missing.setdefault(miss[0], []).append(oid)
            continue
        res = run_op(op, kfn, torch, dtype, max_samples, mode=mode)
        lacking = lambda_missing(res)
        if lacking:
            missing.setdefault("used by the OpInfo's lambda", []).append(f"{oid} ({lacking})")
            continue
        results[oid] = [list(r) for r in res]
        bad = [r for r in res if r[1] != "ok"]
        print(f"{oid}: {len(res) - len(bad)}/{len(res)} ok"
              + (f"  first: {bad[0][1]} {bad[0][2][:150]}" if bad else ""), flush=True)
    out = "/tmp/opdb_sweep%s%s.json" % ("_complex" if complex_pass else "",
                                        "" if mode == "grad" else "_" + mode)
    with open(out, "w") as f:
        json.dump({"results": results, "missing": missing}, f, indent=1)
    _summary(results, missing)
    print("written", out)


def _summary(results, missing):
    equal = sorted(o for o, r in results.items() if all(x[1] == "ok" for x in r))
    by_kind = {}
    for o, r in results.items():
        for kind in sorted({x[1] for x in r if x[1] != "ok"}):
            by_kind.setdefault(kind, []).append(o)
    print(f"\nresolvable ops: {len(results)}, all samples equal: {len(equal)}, "
          f"differing: {len(results) - len(equal)}")
    for kind, ops in sorted(by_kind.items()):
        print(f"  {kind} ({len(ops)}): {' '.join(sorted(ops))}")
    print(f"missing: {sum(map(len, missing.values()))}")
    for cat, ops in sorted(missing.items()):
        print(f"  {cat} ({len(ops)}): {' '.join(sorted(ops))}")


if __name__ == "__main__":
    main(sys.argv[1:])
