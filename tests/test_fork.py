"""torch.jit.fork / wait: asynchronous tasks, thread-local state, errors, modules (spec A.4, B.10).

PyTorch's eager fork runs the call inline; kindling's runs it on the inter-op pool.  Where
PyTorch has the behaviour (results, messages, warnings, grad mode seen by the task) the two are
compared.
"""
import contextlib
import itertools
import subprocess
import sys
import textwrap
import threading
import time
import traceback
import warnings

import numpy as np
import pytest

import kindling
from kindling import _C
from kindling._dispatcher import tls
from kindling.futures import ThreadExecutor, set_executor
from kindling.futures._future import Future as BaseFuture

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.(fork|wait)` is deprecated")

TIMEOUT = 20


# ---- helpers -----------------------------------------------------------------------------------
@contextlib.contextmanager
def grad_mode(mod, enabled):
    """``set_grad_enabled`` where the module has it, else kindling's TLS field directly."""
    if hasattr(mod, "set_grad_enabled"):
        with mod.set_grad_enabled(enabled):
            yield
        return
    prev = tls.state.grad_enabled
    tls.state.grad_enabled = enabled
    try:
        yield
    finally:
        tls.state.grad_enabled = prev


def is_grad_enabled(mod=kindling):
    return mod.is_grad_enabled() if hasattr(mod, "is_grad_enabled") else tls.state.grad_enabled


def has_autograd():
    x = kindling.ones(2).requires_grad_()
    return (x * 2).requires_grad


def arr(t):
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t.numpy())


def both(fn):
    """Run ``fn(module)`` with kindling and with the PyTorch oracle (when present)."""
    torch = pytest.importorskip("torch")
    return fn(kindling), fn(torch)


def run_with_timeout(fn, timeout=TIMEOUT):
    """Run ``fn`` in a thread; fail (instead of hanging the suite) if it deadlocks."""
    out = []
    t = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "deadlock: the call did not finish"
    return out[0]


# ---- basics ------------------------------------------------------------------------------------
def test_fork_returns_at_once_and_runs_elsewhere():
    gate, started = threading.Event(), threading.Event()
    main = threading.get_ident()

    def task(x):
        started.set()
        assert gate.wait(TIMEOUT)
        return x * 2, threading.get_ident()
    fut = kindling.jit.fork(task, kindling.ones(2))
    assert isinstance(fut, BaseFuture) and not fut.done()
    assert started.wait(TIMEOUT)     # a pool thread picked it up on its own
    gate.set()
    y, ident = kindling.jit.wait(fut)
    assert ident != main and arr(y).tolist() == [2.0, 2.0] and fut.done()


def test_fork_result_type_matches_torch(torch):
    k, t = both(lambda m: m.jit.fork(lambda: 1))
    assert type(k) is BaseFuture and type(t) is torch._C.Future
    assert not isinstance(k, kindling.jit.Future) and not isinstance(t, torch.jit.Future)


def test_async_python(torch):
    """Eager fork of a function, then wait (A.4 test_async_python)."""
    x = np.random.default_rng(0).standard_normal((2, 2)).astype(np.float32)

    def run(m):
        def foo(a):
            return m.neg(a)
        fut = m.jit.fork(foo, m.from_numpy(x.copy()))
        return arr(m.jit.wait(fut))
    k, t = both(run)
    np.testing.assert_array_equal(k, t)


def test_deprecation_warnings_match_torch(torch):
    def record(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.jit.wait(m.jit.fork(lambda: 1))
            m.jit._wait(m.jit._fork(lambda: 2))
        return [(x.category, str(x.message)) for x in w]
    k, t = both(record)
    assert k == t
    assert k[0] == (DeprecationWarning,
                    "`torch.jit.fork` is deprecated. Please use `torch.compile` instead.")
    assert kindling.jit._fork is kindling.jit.fork and kindling.jit._wait is kindling.jit.wait


def test_argument_errors_match_torch(torch):
    for call in (lambda m: m.jit.fork(5), lambda m: m.jit.wait(5)):
        errs = []
        for m in (kindling, torch):
            with pytest.raises(TypeError) as info:
                call(m)
            errs.append(str(info.value))
        assert errs[0] == errs[1]


def test_future_type_annotations(torch):
    """A.4 test_async_future_type_python: annotate a list of futures, fork five lambdas."""
    from typing import List

    def run(m):
        futs = m.jit.annotate(List[m.jit.Future[m.Tensor]], [])
        for i in range(5):
            futs.append(m.jit.fork(lambda x, i=i: x + i, m.ones(2)))
        return [arr(m.jit.wait(f)).tolist() for f in futs]
    k, t = both(run)
    assert k == t == [[1.0 + i] * 2 for i in range(5)]


def test_kwargs_in_any_order(torch):
    """A.4 test_async_kwargs: any mix of positional and keyword arguments."""
    x, y = np.float32([1, 2]), np.float32([10, 20])

    def run(m):
        def add(a, b, *, scale=1.0, shift=0.0):
            return (a + b) * scale + shift
        a, b = m.from_numpy(x.copy()), m.from_numpy(y.copy())
        calls = [((a, b), {}), ((a,), {"b": b}), ((), {"a": a, "b": b}),
                 ((), {"b": b, "a": a}), ((a, b), {"shift": 1.0, "scale": 2.0}),
                 ((a,), {"scale": 3.0, "b": b, "shift": -1.0})]
        futs = [m.jit.fork(add, *args, **kw) for args, kw in calls]
        return [arr(m.jit.wait(f)).tolist() for f in futs]
    k, t = both(run)
    assert k == t

    # every permutation of keyword order
    a, b = kindling.from_numpy(x.copy()), kindling.from_numpy(y.copy())
    names = {"a": a, "b": b, "scale": 2.0, "shift": 1.0}
    for perm in itertools.permutations(names):
        fut = kindling.jit.fork(lambda a, b, *, scale, shift: (a + b) * scale + shift,
                                **{n: names[n] for n in perm})
        assert arr(kindling.jit.wait(fut)).tolist() == [23.0, 45.0]


def test_multiple_waits_return_the_same_value():
    fut = kindling.jit.fork(lambda: kindling.ones(3))
    first = kindling.jit.wait(fut)
    assert kindling.jit.wait(fut) is first and fut.wait() is first and fut.value() is first


def test_unwaited_forks_are_harmless():
    """A.4 test_async_script_multi_forks: five forks, three waited."""
    x = kindling.ones(2)
    futs = [kindling.jit.fork(lambda x, i=i: x * i, x) for i in range(5)]
    assert [arr(kindling.jit.wait(futs[i])).tolist() for i in (0, 2, 4)] == \
        [[0.0, 0.0], [2.0, 2.0], [4.0, 4.0]]
    # an un-waited failing task does not disturb anything either
    kindling.jit.fork(lambda: x + kindling.ones(3))
    assert arr(kindling.jit.wait(kindling.jit.fork(lambda: x + 1))).tolist() == [2.0, 2.0]


def test_nested_forks(torch):
    """A.4 test_async_script_nested: a forked function that forks and waits."""
    def run(m):
        def inner(a):
            return a * 2

        def outer(a):
            f1 = m.jit.fork(inner, a)
            f2 = m.jit.fork(inner, a + 1)
            return m.jit.wait(f1) + m.jit.wait(f2)
        return arr(m.jit.wait(m.jit.fork(outer, m.ones(2))))
    k, t = both(run)
    np.testing.assert_array_equal(k, t)


def test_tasks_run_concurrently():
    """Two tasks that each wait until the other has started: only possible in parallel."""
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def task(i):
        barrier.wait()
        return i
    futs = [kindling.jit.fork(task, i) for i in range(2)]
    assert kindling.futures.wait_all(futs) == [0, 1]


def test_fork_futures_compose_with_then_and_collect_all():
    futs = [kindling.jit.fork(lambda i=i: i * i) for i in range(6)]
    assert kindling.futures.wait_all(futs) == [0, 1, 4, 9, 16, 25]
    assert futs[3].then(lambda f: f.value() + 1).wait() == 10
    got = kindling.futures.collect_all(futs).wait()
    assert [f.value() for f in got] == [0, 1, 4, 9, 16, 25]


# ---- errors ------------------------------------------------------------------------------------
def _direct_error(m, fn, *args):
    with pytest.raises(Exception) as info:
        fn(m, *args)
    return info.value


def _broadcast(m, x):
    return x + m.ones(4)


def _transpose(m, x):
    return x.t()


@pytest.mark.parametrize("bad, shape, pattern", [
    (_broadcast, (3,), r"The size.*must match the size of tensor"),
    (_transpose, (2, 2, 2), r"expects a tensor with <= 2 dimensions"),
])
def test_errors_propagate_through_every_wait(torch, bad, shape, pattern):
    """A.4 test_async_script_error: the direct call, one future and a nested future all raise
    the same error with PyTorch's message."""
    expected = str(_direct_error(torch, bad, torch.ones(*shape)))
    assert str(_direct_error(kindling, bad, kindling.ones(*shape))) == expected

    def once(x):
        return kindling.jit.wait(kindling.jit.fork(bad, kindling, x))

    def nested(x):
        return kindling.jit.wait(kindling.jit.fork(once, x))
    for level, fn in ((1, once), (2, nested)):
        with pytest.raises(RuntimeError, match=pattern) as info:
            fn(kindling.ones(*shape))
        e = info.value
        assert str(e) == expected
        notes = [n for n in getattr(e, "__notes__", []) if "forked at" in n]
        assert len(notes) == level
        assert all(__file__ in n for n in notes)
        # the task's own frames are in the traceback
        text = "".join(traceback.format_exception(e))
        assert f"in {bad.__name__}" in text


def test_error_keeps_type_message_and_call_site():
    class MyError(Exception):
        pass

    def task():
        raise MyError("custom", 42)
    fut = kindling.jit.fork(task); line = sys._getframe().f_lineno  # noqa: E702
    with pytest.raises(MyError) as info:
        kindling.jit.wait(fut)
    assert info.value.args == ("custom", 42)
    assert info.value.__notes__ == [
        f'The error above was raised in a task forked at "{__file__}", line {line}, '
        "in test_error_keeps_type_message_and_call_site"]
    # waiting again raises the same exception, without adding notes
    with pytest.raises(MyError) as again:
        fut.wait()
    assert again.value is info.value and len(again.value.__notes__) == 1


def test_innermost_error_through_three_levels():
    def level(n):
        if n == 0:
            raise KeyError("innermost")
        return kindling.jit.wait(kindling.jit.fork(level, n - 1))
    with pytest.raises(KeyError, match="innermost") as info:
        kindling.jit.wait(kindling.jit.fork(level, 3))
    assert len(info.value.__notes__) == 4


# ---- thread-local state ------------------------------------------------------------------------
@pytest.mark.parametrize("enabled", [True, False])
def test_grad_mode_inherited(torch, enabled):
    """A.4 test_async_grad_guard_with_grad / _no_grad: the task sees the forking thread's grad
    mode, even when the worker thread's own mode differs."""
    def run(m):
        with grad_mode(m, enabled):
            fut = m.jit.fork(lambda: is_grad_enabled(m))
        with grad_mode(m, not enabled):
            return m.jit.wait(fut)
    k, t = both(run)
    assert k == t == enabled
    assert is_grad_enabled() is True


@pytest.mark.parametrize("enabled", [True, False])
def test_requires_grad_follows_inherited_grad_mode(torch, enabled):
    if not has_autograd():
        pytest.skip("kindling's autograd does not record operations yet")

    def run(m):
        x = m.ones(2).requires_grad_()
        with grad_mode(m, enabled):
            fut = m.jit.fork(lambda a: a * 2, x)
        return m.jit.wait(fut).requires_grad
    k, t = both(run)
    assert k == t == enabled


def test_public_thread_local_modes_inherited(torch):
    """inference_mode, no_grad, autocast and saved-tensor hooks active at the fork apply in
    the task, as they do in PyTorch (where the eager task runs inline)."""
    for name in ("inference_mode", "autocast", "is_autocast_enabled"):
        if not hasattr(kindling, name):
            pytest.skip(f"kindling.{name} is not built yet")

    def run(m):
        out = {}
        with m.inference_mode():
            out["inference"] = m.jit.wait(m.jit.fork(m.is_inference_mode_enabled))
        with m.no_grad():
            out["no_grad"] = m.jit.wait(m.jit.fork(m.is_grad_enabled))
        with m.autocast("cpu"):
            out["autocast"] = m.jit.wait(m.jit.fork(m.is_autocast_enabled, "cpu"))
        packed = []
        x = m.ones(2).requires_grad_()
        with m.autograd.graph.saved_tensors_hooks(lambda t: packed.append(1) or t, lambda t: t):
            m.jit.wait(m.jit.fork(lambda: x * x))
        out["packed"] = len(packed)
        out["after"] = (m.is_inference_mode_enabled(), m.is_grad_enabled(),
                        m.is_autocast_enabled("cpu"))
        return out
    k, t = both(run)
    assert k == t
    assert k["inference"] and not k["no_grad"] and k["autocast"] and k["packed"] == 2


def test_dispatch_key_sets_inherited(torch):
    def run(m):
        keys = m._C.DispatchKeySet(m._C.DispatchKey.AutogradCPU)
        with m._C._ExcludeDispatchKeyGuard(keys):
            fut = m.jit.fork(lambda: (str(m._C._dispatch_tls_local_exclude_set()),
                                      str(m._C._dispatch_tls_local_include_set())))
        return m.jit.wait(fut), str(m._C._dispatch_tls_local_exclude_set())
    (k_inside, k_after), (t_inside, t_after) = both(run)
    assert k_inside == t_inside and k_after == t_after
    assert "AutogradCPU" in k_inside[0] and "AutogradCPU" not in k_after


def test_whole_thread_local_state_is_snapshotted_and_restored():
    mode, fmode, hooks = object(), object(), (lambda t: t, lambda t: t)
    s = tls.state
    saved = tls.snapshot()
    try:
        s.grad_enabled = False
        s.inference_mode = True
        s.dispatch_modes.append(mode)
        s.function_modes.append(fmode)
        s.saved_tensors_hooks.append(hooks)
        s.autocast["cpu"] = (True, kindling.bfloat16)
        s.extra["python_dispatcher"] = True
        expected = tls.snapshot()
        fut = kindling.jit.fork(tls.snapshot)
    finally:
        tls.restore(saved)
    assert kindling.jit.wait(fut) == expected
    assert tls.snapshot() == saved
    # the worker went back to its own (default) state: a new task forked from a default
    # state sees the defaults, not the previous task's
    assert kindling.jit.wait(kindling.jit.fork(tls.snapshot)) == saved


def test_state_changes_inside_a_task_stay_inside():
    def task():
        tls.state.grad_enabled = False
        tls.state.dispatch_modes.append("leak")
        return kindling.jit.wait(kindling.jit.fork(lambda: tls.state.grad_enabled))
    assert kindling.jit.wait(kindling.jit.fork(task)) is False    # nested fork inherits
    assert tls.state.grad_enabled is True and tls.state.dispatch_modes == []
    for _ in range(4):     # the pool threads all came back to their own state
        assert kindling.jit.wait(kindling.jit.fork(lambda: (tls.state.grad_enabled,
                                                           list(tls.state.dispatch_modes)))) \
            == (True, [])


# ---- never deadlock ----------------------------------------------------------------------------
def test_waiting_on_a_queued_task_runs_it_inline():
    """With the single pool thread busy, the waiting thread runs the awaited task itself,
    under the task's forked state, and keeps its own state."""
    gate = threading.Event()
    with set_executor(ThreadExecutor(1)) as ex:
        busy = kindling.jit.fork(gate.wait, TIMEOUT)
        with grad_mode(kindling, False):
            fut = kindling.jit.fork(lambda: (threading.get_ident(), is_grad_enabled()))
        helper, (ident, enabled) = run_with_timeout(lambda: (threading.get_ident(), fut.wait()))
        gate.set()
        busy.wait()
    ex.shutdown()
    assert enabled is False and is_grad_enabled() is True
    assert ident == helper            # the waiting thread ran it, not the (busy) pool thread


def test_task_waiting_on_its_own_pool_does_not_deadlock():
    def parent(depth):
        if depth == 0:
            return 0
        futs = [kindling.jit.fork(parent, depth - 1) for _ in range(2)]
        return sum(kindling.jit.wait(f) for f in futs) + 1
    with set_executor(ThreadExecutor(1)) as ex:
        assert run_with_timeout(lambda: kindling.jit.wait(kindling.jit.fork(parent, 4))) == 15
    ex.shutdown()


def test_blocked_pool_thread_gets_a_stand_in():
    """A task blocking on a plain Future that a *queued* task completes: the pool starts a
    stand-in thread so the queued task can run."""
    plain = kindling.futures.Future()
    started = threading.Event()

    def wait_plain():
        started.set()
        return plain.wait()
    with set_executor(ThreadExecutor(1)) as ex:
        waiter = kindling.jit.fork(wait_plain)
        assert started.wait(TIMEOUT)     # the only pool thread now blocks in plain.wait()
        kindling.jit.fork(lambda: plain.set_result("ok"))
        got = run_with_timeout(waiter.wait)
    ex.shutdown()
    assert got == "ok"
    assert ex.pool._live <= 2


# ---- modules, bound methods, outputs ----------------------------------------------------------
class Affine:
    """A stand-in for an nn.Module: a callable object with parameters."""

    def __init__(self, m, w, b):
        self.m, self.w, self.b = m, m.from_numpy(w.copy()), m.from_numpy(b.copy())

    def __call__(self, x, *, scale=1.0):
        return self.forward(x, scale=scale)

    def forward(self, x, scale=1.0):
        return self.m.matmul(x, self.w) * scale + self.b


class ListOfFutures:
    def __init__(self, m, sub):
        self.m, self.sub = m, sub

    def __call__(self, x):
        return [self.m.jit.fork(self.sub, x, scale=float(i)) for i in range(3)]


class TensorAndFuture:
    def __init__(self, m, sub):
        self.m, self.sub = m, sub

    def __call__(self, x):
        return self.m.neg(x), self.m.jit.fork(self.sub.forward, x, 2.0)


def _weights():
    rng = np.random.default_rng(1)
    return (rng.standard_normal((3, 4)).astype(np.float32),
            rng.standard_normal(4).astype(np.float32),
            rng.standard_normal((2, 3)).astype(np.float32))


def test_fork_module_calls_and_bound_methods(torch):
    w, b, x = _weights()

    def run(m):
        mod = Affine(m, w, b)
        xt = m.from_numpy(x.copy())
        futs = [m.jit.fork(mod, xt), m.jit.fork(mod, xt, scale=2.0),
                m.jit.fork(mod.forward, xt, 0.5), m.jit.fork(mod.forward, scale=3.0, x=xt)]
        return [arr(m.jit.wait(f)) for f in futs]
    for k, t in zip(*both(run)):
        np.testing.assert_allclose(k, t, rtol=1e-6, atol=1e-6)


def test_module_returning_a_list_of_futures(torch):
    """A.4 test_trace_fork_wait_list_modulecalls: the caller waits each future."""
    w, b, x = _weights()

    def run(m):
        outer = ListOfFutures(m, Affine(m, w, b))
        futs = outer(m.from_numpy(x.copy()))
        return [arr(m.jit.wait(f)) for f in futs]
    for k, t in zip(*both(run)):
        np.testing.assert_allclose(k, t, rtol=1e-6, atol=1e-6)


def test_module_returning_tensor_and_future(torch):
    """A.4 test_trace_modulecalls_with_different_output_types."""
    w, b, x = _weights()

    def run(m):
        mod = TensorAndFuture(m, Affine(m, w, b))
        y, fut = mod(m.from_numpy(x.copy()))
        return arr(y), arr(m.jit.wait(fut))
    (ky, kf), (ty, tf) = both(run)
    np.testing.assert_array_equal(ky, ty)
    np.testing.assert_allclose(kf, tf, rtol=1e-6, atol=1e-6)


# ---- autograd across the fork -----------------------------------------------------------------
def test_backward_through_forked_computation(torch):
    if not hasattr(kindling.Tensor, "backward") or not has_autograd():
        pytest.skip("kindling autograd (Tensor.backward) is not built yet")
    w, b, x = _weights()

    def run(m):
        wt = m.from_numpy(w.copy()).requires_grad_()
        xt = m.from_numpy(x.copy())
        futs = [m.jit.fork(lambda s: (m.matmul(xt, wt) * s).sum(), s) for s in (1.0, 2.0)]
        loss = m.jit.wait(futs[0]) + m.jit.wait(futs[1])
        loss.backward()
        return arr(wt.grad)
    k, t = both(run)
    np.testing.assert_allclose(k, t, rtol=1e-5)


# ---- interop threads ---------------------------------------------------------------------------
_INTEROP_SCRIPT = textwrap.dedent("""
    import {mod} as torch
    out = [torch.get_num_interop_threads() >= 1]
    for bad in (0, -1, "a"):
        try:
            torch.set_num_interop_threads(bad)
        except Exception as e:
            out.append((type(e).__name__, str(e)))
    torch.set_num_interop_threads(3)
    out.append(torch.get_num_interop_threads())
    try:
        torch.set_num_interop_threads(2)
    except Exception as e:
        out.append((type(e).__name__, str(e)))
    print(repr(out))
""")


def test_set_num_interop_threads_matches_torch(torch):
    procs = [subprocess.Popen([sys.executable, "-c", _INTEROP_SCRIPT.format(mod=mod)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for mod in ("kindling", "torch")]      # fresh interpreters, side by side
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outs.append(out)
    assert outs[0] == outs[1]


def test_set_num_interop_threads_refused_after_a_fork():
    script = textwrap.dedent("""
        import kindling as torch
        torch.jit.wait(torch.jit.fork(lambda: 1))
        try:
            torch.set_num_interop_threads(4)
        except RuntimeError as e:
            print(e)
    """)
    proc = subprocess.run([sys.executable, "-W", "ignore", "-c", script],
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == ("Error: cannot set number of interop threads after parallel "
                                   "work has started or set_num_interop_threads called")


def test_executor_selection():
    default = kindling.futures.get_executor()
    with set_executor(ThreadExecutor(2)) as ex:
        assert kindling.futures.get_executor() is ex
        fut = kindling.jit.fork(threading.current_thread)
        deadline = time.monotonic() + TIMEOUT
        while not fut.done() and time.monotonic() < deadline:    # no wait(): no inline help
            time.sleep(0.001)
        assert fut.value().name.startswith("kindling-fork")
    assert kindling.futures.get_executor() is default
    ex.shutdown()
    with pytest.raises(TypeError, match="set_executor"):
        set_executor(42)
    # a concurrent.futures thread pool works as well, with the same thread-local snapshot
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(2) as pool, set_executor(pool) as ex:
        assert isinstance(ex, ThreadExecutor)
        with grad_mode(kindling, False):
            fut = kindling.jit.fork(is_grad_enabled)
        assert fut.wait() is False
    assert kindling.futures.get_executor() is default


# ---- the dispatcher under threads --------------------------------------------------------------
def test_dispatcher_is_thread_safe_under_eight_threads():
    """Eight threads dispatch ops concurrently, each under its own thread-local state."""
    rng = np.random.default_rng(2)
    data = [rng.standard_normal((16, 16)).astype(np.float32) for _ in range(8)]
    barrier = threading.Barrier(8, timeout=TIMEOUT)
    errors = []

    def worker(i):
        try:
            a = kindling.from_numpy(data[i].copy())
            keys = _C.DispatchKeySet(_C.DispatchKey.AutogradCPU)
            barrier.wait()
            for step in range(200):
                if i % 2:
                    with _C._ExcludeDispatchKeyGuard(keys):
                        assert "AutogradCPU" in str(_C._dispatch_tls_local_exclude_set())
                        r = kindling.matmul(a, a).sum(0)
                else:
                    with grad_mode(kindling, step % 2 == 0):
                        r = kindling.relu(a * 2 + 1).sum(0)
                        assert is_grad_enabled() == (step % 2 == 0)
                    assert "AutogradCPU" not in str(_C._dispatch_tls_local_exclude_set())
                expect = ((data[i] @ data[i]).sum(0) if i % 2
                          else np.maximum(data[i] * 2 + 1, 0).sum(0))
                np.testing.assert_allclose(arr(r), expect, rtol=1e-4, atol=1e-4)
                v = a[1:3].view(2, 4, 4)
                assert v.shape == (2, 4, 4)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 3)
    assert not errors, errors[0]


def test_fork_from_eight_threads():
    results = {}

    def worker(i):
        futs = [kindling.jit.fork(lambda j: kindling.ones(4) * (i * 100 + j), j)
                for j in range(20)]
        results[i] = [arr(kindling.jit.wait(f))[0] for f in futs]
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 3)
    assert results == {i: [float(i * 100 + j) for j in range(20)] for i in range(8)}
