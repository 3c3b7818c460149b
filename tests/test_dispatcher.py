"""Dispatch keys, key sets, TLS guards, kernel resolution and OpOverload naming vs PyTorch."""
import copy
import itertools
import pickle
import threading

import numpy as np
import pytest

import kindling
from kindling import _C
from kindling._dispatcher import operator as opreg
from kindling._dispatcher.keys import RUNTIME_KEYS, DispatchKey, DispatchKeySet
from kindling._dispatcher.operator import KernelEntry
from kindling._ops import overload_for


def _t(shape=(2, 3), device="cpu"):
    t = kindling.from_numpy(np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape))
    return t if device == "cpu" else t.to(device)


# ---- DispatchKey -----------------------------------------------------------------------------
def test_dispatch_key_names_and_values(torch):
    tk = torch._C.DispatchKey
    assert len(tk.__members__) > 100
    for name, member in tk.__members__.items():
        assert name in DispatchKey.__members__, name
        assert int(DispatchKey[name]) == int(member), name
        assert str(DispatchKey[name]) == str(member)
        assert repr(DispatchKey[name]) == repr(member)
    assert _C.DispatchKey is DispatchKey


def _torch_key(torch, k):
    return getattr(torch._C.DispatchKey, k.name, None)


def test_priority_order_matches_torch(torch):
    TS = torch._C.DispatchKeySet
    keys = [k for k in RUNTIME_KEYS if _torch_key(torch, k) is not None]
    checked = 0
    for a, b in itertools.combinations(keys, 2):
        ts = TS(_torch_key(torch, a)) | TS(_torch_key(torch, b))
        if repr(ts).count(",") != 1:
            continue  # torch's per-backend cross product adds keys: not comparable
        ks = DispatchKeySet(a) | DispatchKeySet(b)
        assert ks.highestPriorityTypeId().name == ts.highestPriorityTypeId().name, (a, b)
        assert repr(ks) == repr(ts), (a, b)
        checked += 1
    assert checked > 1000


def test_testing_only_keys_parse_as_strings(torch):
    for n in ("TESTING_ONLY_GenericMode", "TESTING_ONLY_GenericWrapper"):
        assert repr(DispatchKeySet(n)) == repr(torch._C.DispatchKeySet(n))


# ---- DispatchKeySet --------------------------------------------------------------------------
def test_keyset_api(torch):
    K, TK = DispatchKey, torch._C.DispatchKey
    S, TS = DispatchKeySet, torch._C.DispatchKeySet
    s = S(K.CPU) | S(K.AutogradCPU) | S("Python")
    ts = TS(TK.CPU) | TS(TK.AutogradCPU) | TS("Python")
    assert repr(s) == repr(ts)
    assert repr(s - S(K.CPU)) == repr(ts - TS(TK.CPU))
    assert repr(s & S(K.CPU)) == repr(ts & TS(TK.CPU))
    assert s.has(K.CPU) and ts.has(TK.CPU)
    assert s.has(K.Meta) == ts.has(TK.Meta)
    assert repr(s.add(K.PythonTLSSnapshot)) == repr(ts.add(TK.PythonTLSSnapshot))
    assert repr(s.remove(K.Python)) == repr(ts.remove(TK.Python))
    assert s.highestPriorityTypeId().name == ts.highestPriorityTypeId().name
    assert S().highestPriorityTypeId() is K.Undefined
    assert repr(S()) == repr(ts - ts) == "DispatchKeySet()"
    assert s == (S(K.AutogradCPU) | S(K.Python) | S(K.CPU))
    assert s != S(K.CPU)
    assert hash(s) == hash(S(K.AutogradCPU) | S(K.Python) | S(K.CPU))
    assert pickle.loads(pickle.dumps(s)) == s
    assert S("CPU") == S(K.CPU)
    assert repr(S("Dense")) == repr(TS("Dense"))  # functionality keys give an empty set
    with pytest.raises(RuntimeError, match="could not parse dispatch key: Foo"):
        S("Foo")
    with pytest.raises(RuntimeError, match="could not parse dispatch key: Foo"):
        TS("Foo")


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_tensor_dispatch_keys(torch, device):
    k = _C._dispatch_keys(_t(device=device))
    t = torch._C._dispatch_keys(torch.ones(2, 3, device=device))
    assert repr(k) == repr(t)


def test_tls_defaults(torch):
    assert repr(_C._dispatch_tls_local_include_set()) == \
        repr(torch._C._dispatch_tls_local_include_set())
    assert repr(_C._dispatch_tls_local_exclude_set()) == \
        repr(torch._C._dispatch_tls_local_exclude_set())


# ---- guards ----------------------------------------------------------------------------------
def _tls():
    return repr(_C._dispatch_tls_local_include_set()), repr(_C._dispatch_tls_local_exclude_set())


def _guards():
    K = DispatchKey
    return [
        lambda: _C._IncludeDispatchKeyGuard(K.Python),
        lambda: _C._ExcludeDispatchKeyGuard(DispatchKeySet(K.AutogradCPU) | DispatchKeySet(K.CPU)),
        lambda: _C._ForceDispatchKeyGuard(DispatchKeySet(K.Python), DispatchKeySet(K.CPU)),
        lambda: _C._AutoDispatchBelowAutograd(),
    ]


@pytest.mark.parametrize("i", range(4))
def test_guards_restore(torch, i):
    before = _tls()
    with _guards()[i]():
        assert _tls() != before
    assert _tls() == before
    with pytest.raises(ValueError):
        with _guards()[i]():
            raise ValueError("boom")
    assert _tls() == before


def test_guard_effects_match_torch(torch):
    K, TK = DispatchKey, torch._C.DispatchKey
    with _C._IncludeDispatchKeyGuard(K.Python), torch._C._IncludeDispatchKeyGuard(TK.Python):
        assert _tls() == (repr(torch._C._dispatch_tls_local_include_set()),
                          repr(torch._C._dispatch_tls_local_exclude_set()))
    ks = DispatchKeySet(K.AutogradCPU)
    with _C._ExcludeDispatchKeyGuard(ks), \
            torch._C._ExcludeDispatchKeyGuard(torch._C.DispatchKeySet(TK.AutogradCPU)):
        assert _tls()[1] == repr(torch._C._dispatch_tls_local_exclude_set())
    # nested include of an already-included key must not drop it on exit
    with _C._IncludeDispatchKeyGuard(K.Python):
        with _C._IncludeDispatchKeyGuard(K.Python):
            pass
        assert _C._dispatch_tls_is_dispatch_key_included(K.Python)
    assert not _C._dispatch_tls_is_dispatch_key_included(K.Python)


def test_guard_thread_isolation():
    barrier = threading.Barrier(2)
    seen = {}

    def inside():
        with _C._IncludeDispatchKeyGuard(DispatchKey.Python):
            barrier.wait()   # the other thread looks now
            barrier.wait()
            seen["inside"] = _C._dispatch_tls_is_dispatch_key_included(DispatchKey.Python)

    def outside():
        barrier.wait()
        seen["outside"] = _C._dispatch_tls_is_dispatch_key_included(DispatchKey.Python)
        barrier.wait()

    ths = [threading.Thread(target=inside), threading.Thread(target=outside)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    assert seen == {"inside": True, "outside": False}
    assert not _C._dispatch_tls_is_dispatch_key_included(DispatchKey.Python)


# ---- kernel resolution with a test op ----------------------------------------------------------
@pytest.fixture
def test_op():
    made = []

    def make(schema):
        e = opreg.define(schema)
        made.append(e)
        return e, overload_for(e)
    yield make
    for e in made:
        opreg.undefine(e)
        kindling.ops._drop_packet(e.name)


def _k(tag, redispatch_below=None):
    def fn(ks, *args, **kwargs):
        return tag
    return KernelEntry(fn, "test_dispatcher.py:0")


def test_kernel_resolution(test_op):
    K = DispatchKey
    entry, op = test_op("test_ns::foo(Tensor x) -> Tensor")
    cpu, meta = _t(), _t(device="meta")
    with pytest.raises(NotImplementedError, match="Could not run 'test_ns::foo' with arguments "
                                                  "from the 'CPU' backend"):
        op(cpu)
    k_cpu = _k("cpu")
    entry.register(K.CPU, k_cpu)
    assert op(cpu) == "cpu"
    with pytest.raises(NotImplementedError) as ei:
        op(meta)
    msg = str(ei.value)
    assert msg.startswith("Could not run 'test_ns::foo' with arguments from the 'Meta' backend.")
    assert "'test_ns::foo' is only available for these backends: [CPU" in msg
    assert "CPU: registered at test_dispatcher.py:0 [kernel]" in msg

    k_cea = _k("cea")
    entry.register(K.CompositeExplicitAutograd, k_cea)
    assert op(meta) == "cea" and op(cpu) == "cpu"
    assert _C._dispatch_has_kernel_for_dispatch_key("test_ns::foo", "CPU")
    # (exact keys only, as PyTorch: the CompositeExplicitAutograd kernel serves Meta but is
    # registered at its alias key)
    assert not _C._dispatch_has_kernel_for_dispatch_key("test_ns::foo", "Meta")
    assert _C._dispatch_has_kernel_for_dispatch_key("test_ns::foo", "CompositeExplicitAutograd")

    # CompositeImplicitAutograd is not used where a backend kernel exists
    entry.register(K.CompositeImplicitAutograd, _k("cia"))
    assert op(cpu) == "cpu" and op(meta) == "cea"

    # an Autograd kernel runs first
    k_ag = _k("autograd")
    entry.register(K.Autograd, k_ag)
    assert op(cpu) == "autograd" and op(meta) == "autograd"
    # a fallthrough at AutogradCPU makes that key invisible for CPU tensors only
    ft = KernelEntry(opreg._fallthrough_marker, "x:1", fallthrough=True)
    entry.register(K.AutogradCPU, ft)
    assert op(cpu) == "cpu" and op(meta) == "autograd"
    entry.deregister(K.AutogradCPU, ft)
    entry.deregister(K.Autograd, k_ag)
    assert op(cpu) == "cpu"

    # the most recent registration wins; deregistering restores the earlier one
    k_cpu2 = _k("cpu2")
    entry.register(K.CPU, k_cpu2)
    assert op(cpu) == "cpu2"
    entry.deregister(K.CPU, k_cpu2)
    assert op(cpu) == "cpu"
    entry.deregister(K.CPU, k_cpu)
    assert op(cpu) == "cea"


def test_composite_implicit_only(test_op):
    entry, op = test_op("test_ns::bar(Tensor x) -> Tensor")
    entry.register(DispatchKey.CompositeImplicitAutograd, _k("cia"))
    assert op(_t()) == "cia" and op(_t(device="meta")) == "cia"
    assert _C._dispatch_has_kernel_for_dispatch_key("test_ns::bar", "CompositeImplicitAutograd")
    assert not _C._dispatch_has_kernel_for_dispatch_key("test_ns::bar", "Python")


def test_could_not_run_text_matches_torch(torch, test_op):
    entry, op = test_op("test_ns::foo(Tensor x) -> Tensor")
    entry.register(DispatchKey.CPU, _k("cpu"))
    lib = torch.library.Library("test_ns_kindling_cmp", "DEF")
    try:
        lib.define("foo(Tensor x) -> Tensor")
        lib.impl("foo", lambda x: x, "CPU")
        with pytest.raises(NotImplementedError) as te:
            torch.ops.test_ns_kindling_cmp.foo(torch.ones(1, device="meta"))
    finally:
        lib._destroy()
    with pytest.raises(NotImplementedError) as ke:
        op(_t(device="meta"))
    tmsg = str(te.value).replace("test_ns_kindling_cmp", "test_ns")
    kmsg = str(ke.value)
    if "attempted to run this operator with Meta tensors" in tmsg:
        # torch.library's CPU-only python op gets a fake-impl message (errata F.15)
        assert kmsg.startswith("Could not run 'test_ns::foo' with arguments from the 'Meta'")
    else:
        head = tmsg.split(" is only available for these backends: [")[0]
        assert kmsg.startswith(head)


def test_no_tensor_arguments_error(test_op):
    entry, op = test_op("test_ns::mk(int n) -> Tensor")
    entry.register(DispatchKey.CPU, _k("cpu"))
    with pytest.raises(NotImplementedError) as ei:
        op(3)
    assert str(ei.value).startswith(
        "There were no tensor arguments to this function (e.g., you passed an empty list of "
        "Tensors), but no fallback function is registered for schema test_ns::mk.  This usually "
        "means that this function requires a non-empty list of Tensors, or that you (the "
        "operator writer) forgot to register a fallback function.  Available functions are [")


def test_find_schema_and_call_boxed(torch):
    h = _C._dispatch_find_schema_or_throw("aten::add", "Tensor")
    a, b = _t(), _t()
    r = _C._dispatch_call_boxed(h, a, b)
    np.testing.assert_array_equal(r.numpy(), a.numpy() * 2)
    assert str(h.schema()) == str(torch._C._dispatch_find_schema_or_throw("aten::add", "Tensor")
                                  .schema())
    with pytest.raises(RuntimeError):
        _C._dispatch_find_schema_or_throw("aten::definitely_not_an_op", "")
    with pytest.raises(RuntimeError):
        torch._C._dispatch_find_schema_or_throw("aten::definitely_not_an_op", "")


@pytest.mark.parametrize("name,key", [("aten::add.Tensor", "CPU"), ("aten::neg", "CPU"),
                                      ("aten::add.Tensor", "Meta"), ("aten::add.Tensor", "CUDA"),
                                      ("aten::add.Tensor", "Python")])
def test_has_kernel_for_dispatch_key(torch, name, key):
    assert _C._dispatch_has_kernel_for_dispatch_key(name, key) == \
        torch._C._dispatch_has_kernel_for_dispatch_key(name, key)


# ---- OpOverload / OpOverloadPacket naming --------------------------------------------------
NAMED = [("add", "Tensor"), ("sum", "default"), ("neg", "default"), ("transpose", "int"),
         ("sum", "dim_IntList")]


@pytest.mark.parametrize("name,ov", NAMED)
def test_overload_naming(torch, name, ov):
    kp, tp = getattr(kindling.ops.aten, name), getattr(torch.ops.aten, name)
    k, t = getattr(kp, ov), getattr(tp, ov)
    for attr in ("__name__", "__module__"):
        assert getattr(k, attr) == getattr(t, attr)
        assert getattr(kp, attr) == getattr(tp, attr)
    assert str(k) == str(t) and repr(k) == repr(t) and k.name() == t.name()
    assert str(kp) == str(tp) and repr(kp) == repr(tp)
    assert set(kp.overloads()) <= set(tp.overloads())
    assert ov in kp.overloads()
    assert copy.deepcopy(k) is k
    assert k.overloadpacket is kp and k.namespace == "aten"
    assert k.is_view == t.is_view
    assert str(k._schema) == str(t._schema)
    assert hash(k) == hash(getattr(kp, ov))
    assert ov in list(kp)  # iterating yields the overloads accessed so far
    assert f"{k.__module__}.{k.__name__}" == f"torch._ops.aten.{name}.{ov}"


def test_unknown_op_and_overload(torch):
    with pytest.raises(AttributeError) as te:
        torch.ops.aten.definitely_not_an_op
    with pytest.raises(AttributeError) as ke:
        kindling.ops.aten.definitely_not_an_op
    assert str(ke.value) == str(te.value)
    with pytest.raises(AttributeError) as te:
        torch.ops.aten.add.nope
    with pytest.raises(AttributeError) as ke:
        kindling.ops.aten.add.nope
    assert str(ke.value) == str(te.value)


def test_packet_call_resolves_overload():
    t = _t()
    assert tuple(kindling.ops.aten.sum(t).shape) == ()
    assert tuple(kindling.ops.aten.sum(t, [0]).shape) == (3,)
    np.testing.assert_array_equal(kindling.ops.aten.add(t, t).numpy(), t.numpy() * 2)


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return e
    return None


@pytest.mark.parametrize("case", ["missing", "too_many", "bad_type", "bad_kwarg", "kw_type"])
def test_bad_arguments(torch, case):
    def call(ns, T):
        x = T()
        return {
            "missing": lambda: ns.aten.add.Tensor(x),
            "too_many": lambda: ns.aten.add.Tensor(x, x, 1, 2),
            "bad_type": lambda: ns.aten.add.Tensor(x, "a"),
            "bad_kwarg": lambda: ns.aten.add.Tensor(x, x, foo=1),
            "kw_type": lambda: ns.aten.add.Tensor(x, x, alpha="a"),
        }[case]
    te = _err(call(torch.ops, lambda: torch.ones(2)))
    ke = _err(call(kindling.ops, _t))
    assert type(te) is RuntimeError
    assert type(ke) is RuntimeError, ke
    for needle in ("Expected a value of type", "missing value for argument",
                   "expected at most", "Unknown keyword argument"):
        assert (needle in str(te)) == (needle in str(ke)), (str(te), str(ke))
    assert str(ke).splitlines()[0] == str(te).splitlines()[0]


def test_concurrent_dispatch():
    rng = np.random.default_rng(0)
    data = [rng.standard_normal((4, 5)).astype(np.float64) for _ in range(8)]
    errors = []
    barrier = threading.Barrier(8)

    def work(i):
        try:
            a = kindling.from_numpy(data[i].copy())
            b = kindling.from_numpy(data[(i + 1) % 8].copy())
            barrier.wait()
            for _ in range(50):
                r1 = kindling.ops.aten.add.Tensor(a, b).numpy()
                r2 = kindling.ops.aten.mul.Tensor(a, b).numpy()
                r3 = kindling.ops.aten.sum.default(a).item()
                np.testing.assert_allclose(r1, data[i] + data[(i + 1) % 8])
                np.testing.assert_allclose(r2, data[i] * data[(i + 1) % 8])
                np.testing.assert_allclose(r3, data[i].sum())
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    ths = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    assert not errors, errors


def test_import_leaves_the_garbage_collector_as_it_was():
    # (collections pause while kindling imports; the caller's setting comes back)
    import subprocess
    import sys
    code = ("import gc, sys\n"
            "if sys.argv[1] == 'off': gc.disable()\n"
            "import kindling\n"
            "print(gc.isenabled())\n")
    out = [subprocess.run([sys.executable, "-c", code, state], capture_output=True, text=True,
                          check=True).stdout.strip() for state in ("on", "off")]
    assert out == ["True", "False"]


def test_tables_built_from_shared_plans_match_a_fresh_resolution():
    # every op's table equals what resolving each runtime key on its own gives
    from kindling._dispatcher import operator as O
    for byname in O._operators.values():
        for entry in byname.values():
            entry.ensure_table()  # (tables of ops not called yet are built at first use)
            for i, key in enumerate(O.RUNTIME_KEYS):
                e, tag = entry._resolve(key)
                src = entry.sources[i]
                assert (src is None and e is None) or (src is not None and src[0] is e and
                                                       src[1] == tag), (entry, key)


def test_tables_are_built_at_first_use_after_import():
    """Import leaves the tables of ops not yet called unbuilt (slots that build on first
    call); the first call, and any inspection by key, build that one table only."""
    import subprocess
    import sys
    code = (
        "import kindling as t\n"
        "from kindling._dispatcher import operator as O\n"
        "e = t.ops.aten.lerp.Scalar._entry\n"
        "assert e in O._dirty and O._dirty, 'lerp built at import'\n"
        "n = len(O._dirty)\n"
        "r = t.lerp(t.zeros(2), t.ones(2), 0.5)\n"
        "assert r.tolist() == [0.5, 0.5] and e not in O._dirty and len(O._dirty) >= n - 3\n"
        "f = t.ops.aten.hypot.default._entry\n"
        "assert f in O._dirty\n"
        "assert 'CPU: registered at' in t._C._dispatch_dump_table('aten::hypot')\n"
        "assert f not in O._dirty\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=__import__("os").path.dirname(__import__("os").path.dirname(
                             __file__)))
    assert out.stdout.strip() == "ok", out.stderr


_RACE = r'''
import sys, threading
import numpy as np
import kindling
sys.setswitchinterval(1e-6)
errors = []
for name in NAMES:
    barrier = threading.Barrier(8)
    def work():
        try:
            BODY
        except Exception as e:
            errors.append((name, repr(e)))
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
print(errors)
'''


def _race_in_a_fresh_process(names, body):
    """Eight threads run ``body`` (lines of code using ``name``) together, once for each op in
    ``names``, in a new interpreter where none of those ops has been called yet; the errors
    they raised."""
    import subprocess
    import sys
    indent = "\n" + " " * 12
    code = _RACE.replace("NAMES", repr(names)).replace("BODY", indent.join(body))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_first_calls_of_an_op_from_many_threads():
    """An op's dispatch table is built on its first call; threads calling it at that moment
    wait for the build (they once recursed through half-built tables of lazy slots)."""
    names = ["sin", "cos", "tan", "exp", "log1p", "sqrt", "abs", "neg", "tanh", "sigmoid",
             "expm1", "atan", "asinh", "erf", "floor", "ceil", "trunc", "frac", "reciprocal",
             "rsqrt", "sign", "square", "log2", "log10", "exp2", "sinh", "cosh", "erfc",
             "lgamma", "digamma"]
    assert _race_in_a_fresh_process(names, [
        "x = kindling.from_numpy(np.linspace(0.1, 0.9, 6))",
        "barrier.wait()",
        "getattr(kindling.ops.aten, name).default(x)"]) == "[]"


def test_first_records_of_an_op_from_many_threads():
    """An op's derivative formulas compile and its node class is made on its first record:
    threads recording it together share one node class (``type(y.grad_fn)``, as PyTorch's)."""
    names = ["sin", "cos", "exp", "log1p", "sqrt", "tanh", "sigmoid", "atan", "erf", "square"]
    assert _race_in_a_fresh_process(names, [
        "x = kindling.from_numpy(np.linspace(0.1, 0.9, 6)).requires_grad_()",
        "barrier.wait()",
        "y = getattr(kindling, name)(x)",
        "(g,) = kindling.autograd.grad(y.sum(), x)",
        "x2 = x.detach().clone().requires_grad_()",
        "y2 = getattr(kindling, name)(x2)",
        "y2.sum().backward()",
        "assert kindling.equal(g, x2.grad)",
        "assert type(y.grad_fn) is type(y2.grad_fn)"]) == "[]"
