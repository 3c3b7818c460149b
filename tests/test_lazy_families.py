"""Op families defined at their first use (``kindling/_aten/_lazy.py``: the ``_foreach_*`` ops,
``torch.special``'s Bessel functions and polynomials, PyTorch's test-only ops).

``import kindling`` must not define them, and however a program first reaches one - its API
function, ``torch.ops``, the ``torch._C._dispatch_*`` functions, ``torch.library``, a listing,
under a dispatch mode or a backend fallback, from several threads at once - the family must
then be exactly what it would have been if defined at import: the same schemas and tags,
kernels (``_dispatch_dump``), layer kernels (math bits, ADInplaceOrView, Autograd), values,
gradients and what a mode sees.  Each first touch runs in a fresh interpreter, and its
description of the three families is compared with the one after ``define_all_pending`` (all of
them defined at once, right after import), and with PyTorch where it is observable.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAZY_MODULES = ("kindling._aten.foreach", "kindling._aten.special_extra",
                "kindling._aten.test_ops", "kindling.autograd.foreach")

# Describes the families (``m``: kindling or torch).  ``comparable``: what PyTorch must show
# too; ``kindling_only``: the dispatcher's registrations, which only need to be the same
# whichever way the families were first reached.
PROBE = r'''
import importlib


def _r(x):
    if isinstance(x, float):
        return round(x, 5)
    if isinstance(x, (list, tuple)):
        return [_r(v) for v in x]
    return x


def _vals(ts):
    return [_r(t.tolist()) for t in ts]


def _schemas(m, names):
    out = {}
    for n in names:
        p = getattr(m.ops.aten, n)
        out[n] = [(ov, str(getattr(p, ov)._schema), [str(t) for t in getattr(p, ov).tags])
                  for ov in p.overloads()]
    return out


def comparable(m, names):
    pd = importlib.import_module(m.__name__ + ".utils._python_dispatch")
    out = {"schemas": _schemas(m, names)}
    xs = [m.tensor([1.0, 2.0]), m.tensor([[3.0]])]
    ys = [m.tensor([0.5, -1.0]), m.tensor([[2.0]])]
    out["add"] = _vals(m._foreach_add(xs, ys, alpha=2))
    zs = [x.clone() for x in xs]
    out["mul_"] = [m._foreach_mul_(zs, 3.0) is zs, _vals(zs), [z._version for z in zs]]
    out["norm"] = _vals(m._foreach_norm(xs))
    try:
        m._foreach_add([], [])
    except Exception as e:  # noqa: BLE001 (the error is compared)
        out["empty"] = [type(e).__name__, str(e)]
    a = m.tensor([1.0, 2.0], requires_grad=True)
    b = m.tensor([3.0], requires_grad=True)
    r = m._foreach_mul([a, b], [a, b])
    (r[0].sum() + r[1].sum()).backward()
    out["grad"] = [r[0].grad_fn.name(), _r(a.grad.tolist()), _r(b.grad.tolist())]

    log = []

    class Log(pd.TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            log.append(str(func))
            return func(*args, **(kwargs or {}))
    with Log():
        m._foreach_exp(xs)
        m._foreach_add_([x.clone() for x in xs], ys)
        m.special.bessel_j0(xs[0])
        m._test_autograd_multiple_dispatch_view(xs[0])
    out["log"] = log

    out["bessel"] = _r(m.special.bessel_j0(m.tensor([0.5, 1.5])).tolist())
    out["chebyshev"] = _r(m.special.chebyshev_polynomial_t(m.tensor([0.3, -0.7]), 3).tolist())
    o = m.empty(2)
    out["bessel_out"] = _r(m.ops.aten.special_bessel_j1.out(m.tensor([0.5, 2.0]), out=o).tolist())

    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = m._test_autograd_multiple_dispatch(x)
    y.sum().backward()
    v = m._test_autograd_multiple_dispatch_view(x)
    w = m._C._nn._test_warn_in_autograd(x)
    z = m.tensor([1 + 2j, 3 - 1j]).conj()
    zv = m._test_autograd_multiple_dispatch_view(z)
    out["test_ops"] = [y.grad_fn.name(), _r(x.grad.tolist()), v._base is x, v.grad_fn.name(),
                       w.grad_fn.name(), zv.is_conj(),
                       hasattr(m._C._functions, "TestAutogradMultipleDispatchViewBackward0")]
    return out


def kindling_only(m, names):
    C = m._C
    out = {}
    for n in names:
        for ov in getattr(m.ops.aten, n).overloads():
            qual = f"aten::{n}" + ("" if ov == "default" else f".{ov}")
            out[qual] = [C._dispatch_dump(qual), C._dispatch_dump_table(qual)]
    aten = m.ops.aten
    out["dir"] = sorted(n for n in dir(aten) if n.startswith(("_foreach", "special_", "_test")))
    out["funcs"] = [f.__name__ for f in (m._foreach_add, m._foreach_add_, m._VF._foreach_exp,
                                         m._test_autograd_multiple_dispatch)]
    return out
'''

NAMES_CODE = "from kindling._aten._lazy import FAMILIES\n" \
             "NAMES = [n for names in FAMILIES.values() for n in names]\n"


# Defines the families while kindling is imported, where the op library used to (right after
# ``_lazy.install()`` has registered them): the reference for what defining them later gives.
AT_IMPORT = '''
import importlib.abc, importlib.util


class _DefineAtImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "kindling._aten._lazy":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        exec_module = spec.loader.exec_module

        def exec_then_patch(module):
            exec_module(module)
            install = module.install

            def install_then_define():
                install()
                module._opreg.define_all_pending()
            module.install = install_then_define
        spec.loader.exec_module = exec_then_patch
        return spec


sys.meta_path.insert(0, _DefineAtImport())
'''


def _run(touch, extra="None", at_import=False):
    """In a fresh interpreter: import kindling, check nothing lazy is loaded, run ``touch``
    (its first use), note which lazy modules it loaded, then describe the families
    (``at_import``: defining them while kindling is imported instead)."""
    code = textwrap.dedent('''
        import json, sys
        {at_import}
        import kindling as torch
        import kindling
        LAZY = {lazy!r}
        assert {at_import_check} not [n for n in LAZY if n in sys.modules], "loaded at import"
        functions = (torch._foreach_add, torch._foreach_add_, torch.special.bessel_j0)
        {names}
        {touch}
        loaded = sorted(n for n in LAZY if n in sys.modules)
        extra = {extra}
        same = functions == (torch._foreach_add, torch._foreach_add_, torch.special.bessel_j0)
        {probe}
        print(json.dumps({{"loaded": loaded, "extra": extra, "same_functions": same,
                          "comparable": comparable(torch, NAMES),
                          "kindling_only": kindling_only(torch, NAMES)}}))
        ''').format(lazy=LAZY_MODULES, names=NAMES_CODE, touch=textwrap.dedent(touch),
                    extra=extra, probe=PROBE, at_import=AT_IMPORT if at_import else "",
                    at_import_check="True or" if at_import else "")
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def baseline():
    """Everything defined at once, right after import."""
    return _run("kindling._dispatcher.operator.define_all_pending()")


def test_defined_later_as_at_import(baseline):
    """The families defined after import (``baseline``) are what they are when defined while
    kindling is imported, where the op library defined them before they were lazy."""
    r = _run("pass", at_import=True)
    assert r["loaded"] == sorted(FOREACH + SPECIAL + TEST_OPS)
    assert r["comparable"] == baseline["comparable"]
    assert r["kindling_only"] == baseline["kindling_only"]


def _check(result, baseline, loads):
    assert result["comparable"] == baseline["comparable"]
    assert result["kindling_only"] == baseline["kindling_only"]
    assert result["same_functions"] is True
    assert result["loaded"] == sorted(loads)


FOREACH, SPECIAL, TEST_OPS = ("kindling._aten.foreach",), ("kindling._aten.special_extra",), \
    ("kindling._aten.test_ops",)
AG_FOREACH = ("kindling.autograd.foreach",)   # (the Autograd kernels, built at the first call)

# first touches: (code, the lazy modules it loads)
TOUCHES = {
    "api_call": ("torch._foreach_add([torch.ones(2)], [torch.ones(2)])", FOREACH + AG_FOREACH),
    "api_inplace": ("torch._foreach_zero_([torch.ones(2)])", FOREACH + AG_FOREACH),
    "vf": ("torch._VF._foreach_exp([torch.ones(2)])", FOREACH + AG_FOREACH),
    "ops_overload": ("torch.ops.aten._foreach_add.List", FOREACH),
    "ops_packet_call": ("torch.ops.aten._foreach_sqrt([torch.ones(2)])", FOREACH + AG_FOREACH),
    "ops_hasattr": ("assert hasattr(torch.ops.aten, '_foreach_add_')", FOREACH),
    "ops_dir": ("assert '_foreach_mul' in dir(torch.ops.aten)", FOREACH + SPECIAL + TEST_OPS),
    "ops_iter": ("assert '_foreach_mul' in list(torch.ops.aten)", FOREACH + SPECIAL + TEST_OPS),
    "find_schema": ("h = torch._C._dispatch_find_schema_or_throw('aten::_foreach_add', 'List')\n"
                    "assert str(h.schema()).startswith('aten::_foreach_add.List(')", FOREACH),
    "has_kernel": ("assert torch._C._dispatch_has_kernel_for_dispatch_key("
                   "'aten::_foreach_add.List', 'CompositeExplicitAutograd')", FOREACH),
    "has_computed_kernel": ("assert torch._C._dispatch_has_computed_kernel_for_dispatch_key("
                            "'aten::special_bessel_j0', 'CPU')", SPECIAL),
    "dispatch_has_kernel": ("assert torch._C._dispatch_has_kernel('aten::_test_warn_in_autograd')",
                            TEST_OPS),
    "all_ops": ("assert 'special_airy_ai.default' in kindling._aten._defop.all_ops()",
                FOREACH + SPECIAL + TEST_OPS),
    "opinfo": ("from kindling.testing.opinfo import op_db\n"
               "assert 'aten.special_bessel_j0.default' in [o.name for o in op_db()]",
               FOREACH + SPECIAL + TEST_OPS),
    "special_fn": ("torch.special.chebyshev_polynomial_u(torch.ones(2), 2)", SPECIAL),
    "special_ops": ("torch.ops.aten.special_airy_ai.out", SPECIAL),
    "test_ops_fn": ("torch._test_autograd_multiple_dispatch(torch.ones(2), True)", TEST_OPS),
    "nn_fn": ("torch._C._nn._test_warn_in_autograd(torch.ones(2))", TEST_OPS),
    "node_class": ("torch._C._functions.TestAutogradMultipleDispatchBackward0",
                   FOREACH + SPECIAL + TEST_OPS + AG_FOREACH),
    "under_grad": ("a = torch.ones(2, requires_grad=True)\n"
                   "torch._foreach_mul([a], 2.0)[0].sum().backward()\n"
                   "assert a.grad.tolist() == [2.0, 2.0]", FOREACH + AG_FOREACH),
    "grad_disabled": ("with torch.no_grad():\n"
                      "    torch._foreach_neg([torch.ones(2, requires_grad=True)])",
                      FOREACH + AG_FOREACH),
    "meta": ("r = torch._foreach_abs([torch.empty(2, 3, device='meta')])\n"
             "assert r[0].device.type == 'meta' and r[0].shape == (2, 3)", FOREACH + AG_FOREACH),
}


@pytest.mark.parametrize("name", sorted(TOUCHES))
def test_first_touch_defines_the_family_as_at_import(name, baseline):
    touch, loads = TOUCHES[name]
    _check(_run(touch), baseline, loads)


def test_baseline_matches_pytorch(baseline, torch):
    """What a program can observe of the families, against PyTorch."""
    ns = {}
    exec(NAMES_CODE + PROBE, ns)
    theirs = json.loads(json.dumps(ns["comparable"](torch, ns["NAMES"])))
    mine = baseline["comparable"]
    assert mine["schemas"] == theirs["schemas"]
    for key in theirs:
        assert mine[key] == theirs[key], key


def test_import_defines_none_of_them():
    code = textwrap.dedent(f'''
        import sys
        import kindling
        from kindling._dispatcher import operator as opreg
        from kindling._aten._defop import _ALL_OPS
        from kindling._aten._lazy import FAMILIES
        loaded = [n for n in {LAZY_MODULES!r} if n in sys.modules]
        names = [n for names in FAMILIES.values() for n in names]
        defined = [n for n in names if "aten::" + n in opreg._operators]
        pending = [n for n in names if "aten::" + n not in opreg._lazy]
        mine = [k for k in _ALL_OPS if k.split(".")[0] in names]
        print(loaded, defined, pending, mine)
        ''')
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "[] [] [] []"


def test_library_registrations_on_a_pending_op(baseline):
    """``torch.library`` reaching a pending op defines its family first: the registration
    lands on top of the family's kernels and goes when the library does."""
    touch = '''
        from kindling.library import _scoped_library
        calls = []
        with _scoped_library("aten", "IMPL") as lib:
            lib.impl("_foreach_add.List", lambda self, other, alpha=1: calls.append("impl")
                     or [s.clone() for s in self], "CPU")
            torch._foreach_add([torch.ones(2)], [torch.ones(2)])
            torch.library.impl("aten::_foreach_sub.List", "CPU", lib=lib)(
                lambda self, other, alpha=1: calls.append("library.impl") or list(self))
            torch._foreach_sub([torch.ones(2)], [torch.ones(2)])
            torch.library.register_fake("aten::special_bessel_y0", lambda x: calls.append(
                "fake") or torch.empty_like(x), lib=lib)
            torch.special.bessel_y0(torch.empty(2, device="meta"))
        op = torch.ops.aten._foreach_exp.default
        op.py_impl(torch._C.DispatchKey.CPU)(lambda *a: None)
        op.py_kernels.clear()
        op._dispatch_cache.clear()
    '''
    r = _run(touch, extra="calls")
    assert r["extra"] == ["impl", "library.impl", "fake"]
    _check(r, baseline, FOREACH + SPECIAL + AG_FOREACH)


def test_defining_an_overload_of_a_pending_op(baseline):
    """A definition under a pending op's name comes after the family's own overloads, and a
    duplicate one is refused, as when the family was defined at import."""
    touch = '''
        from kindling.library import _scoped_library
        with _scoped_library("aten", "FRAGMENT") as lib:
            try:
                lib.define("_foreach_add.List(Tensor[] self, Tensor[] other, *, Scalar alpha=1)"
                           " -> Tensor[]")
            except RuntimeError as e:
                dup = str(e).split(" Duplicate")[0]
            lib.define("_foreach_clone.mine(Tensor[] self, int n) -> Tensor[]")
            order = torch.ops.aten._foreach_clone.overloads()
    '''
    r = _run(touch, extra="[dup, order]")
    dup, order = r["extra"]
    assert dup == ("Tried to register an operator (aten::_foreach_add.List(Tensor[] self, "
                   "Tensor[] other, *, Scalar alpha=1) -> Tensor[]) with the same name and "
                   "overload name multiple times. Each overload's schema should only be "
                   "registered with a single call to def().")
    assert order == ["default", "out", "mine"]
    _check(r, baseline, FOREACH)


def test_fallback_registered_before_the_family(baseline, torch):
    """A backend fallback registered before a family is defined serves its ops as it serves
    the ops defined at import (and PyTorch's)."""
    case = '''
        def fallback_case(m):
            key = "TESTING_ONLY_GenericMode"
            ks = m._C.DispatchKeySet(key)
            include = m._C._dispatch_tls_local_include_set() | ks
            exclude = m._C._dispatch_tls_local_exclude_set()
            seen = []

            def fb(keyset, op, *args, **kwargs):
                seen.append(str(op))
                return op.redispatch(keyset.remove(key), *args, **kwargs)
            a, b = m.ones(2), m.ones(1)
            with m.library._scoped_library("_", "IMPL") as lib:
                lib.fallback(fb, key, with_keyset=True)
                before = m._C._dispatch_has_computed_kernel_for_dispatch_key(
                    "aten::_foreach_add.List", key)
                with m._C._ForceDispatchKeyGuard(include, exclude):
                    r = m._foreach_add([a], [a])
                    m.special.bessel_j0(b)
                    m.add(b, b)
            after = m._C._dispatch_has_computed_kernel_for_dispatch_key(
                "aten::_foreach_add.List", key)
            return [before, after, r[0].tolist(), seen]
    '''
    r = _run(textwrap.dedent(case) + "\nresult = fallback_case(torch)\n", extra="result")
    _check(r, baseline, FOREACH + SPECIAL + AG_FOREACH)
    ns = {}
    exec(textwrap.dedent(case), ns)
    assert r["extra"] == ns["fallback_case"](torch)
    assert r["extra"][3][0] == "aten._foreach_add.List"


def test_first_touch_under_a_dispatch_mode(baseline, torch):
    """What a mode sees of a family's first calls is what it sees later (and in PyTorch)."""
    case = '''
        def mode_case(m):
            import importlib
            pd = importlib.import_module(m.__name__ + ".utils._python_dispatch")
            log = []

            class Log(pd.TorchDispatchMode):
                def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                    log.append(str(func))
                    return func(*args, **(kwargs or {}))
            a = m.tensor([1.0, -2.0], requires_grad=True)
            with Log():
                r = m._foreach_abs([a])
                m._foreach_add_([a.detach().clone()], 1.0)
                m.special.modified_bessel_k0(m.tensor([1.0]))
                m._test_autograd_multiple_dispatch(a).sum().backward()
            return [log, a.grad.tolist(), r[0].grad_fn.name()]
    '''
    r = _run(textwrap.dedent(case) + "\nresult = mode_case(torch)\n", extra="result")
    _check(r, baseline, FOREACH + SPECIAL + TEST_OPS + AG_FOREACH)
    ns = {}
    exec(textwrap.dedent(case), ns)
    assert r["extra"] == ns["mode_case"](torch)


def test_threads_first_touching_at_once(baseline):
    """Threads reaching a family together all wait for the one definition of all of it."""
    touch = '''
        import threading
        sys.setswitchinterval(1e-6)
        barrier = threading.Barrier(8)
        results, errors = [], []

        def work(i):
            barrier.wait()
            try:
                xs = [torch.full((2,), float(i))]
                if i % 4 == 0:
                    r = torch._foreach_add(xs, xs)[0].tolist()
                elif i % 4 == 1:
                    r = torch.ops.aten._foreach_add.List(xs, xs)[0].tolist()
                elif i % 4 == 2:
                    torch._C._dispatch_find_schema_or_throw("aten::_foreach_add", "Scalar")
                    r = torch.ops.aten._foreach_add.Scalar(xs, float(i))[0].tolist()
                else:
                    r = torch.special.bessel_j0(torch.zeros(2)).tolist()
                    r = [2.0 * i * v for v in r]
                results.append((i, r))
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert sorted(results) == [(i, [2.0 * i] * 2) for i in range(8)], results
    '''
    _check(_run(touch), baseline, FOREACH + SPECIAL + AG_FOREACH)
