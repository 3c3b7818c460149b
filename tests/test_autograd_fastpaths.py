"""The engine's and the Autograd kernels' fast paths must not change what anyone can observe.

Backward formulas run like PyTorch's C++ nodes: no ``__torch_function__`` for their ops, and
(without ``create_graph``) below autograd; each differentiable op gets a generated Autograd
kernel at its first recording (an op with an inlined CPU front at its first dispatch).  The
same scripts run on kindling and PyTorch (``T``) and must give the same logs, types,
gradients and errors.
"""
import importlib

import numpy as np
import pytest

import kindling
from benchmarks.bench_autograd import mlp_loss, small_graph_loss


def _small_graph(T, a, b):
    return small_graph_loss(a, b)


def _mlp_loss(T, x, y, ps):
    return mlp_loss(x, y, *ps)


def _inputs(T):
    rng = np.random.default_rng(0)
    a = T.tensor(rng.uniform(0.5, 1.5, 8), dtype=T.float32, requires_grad=True)
    b = T.tensor(rng.uniform(0.5, 1.5, 8), dtype=T.float32, requires_grad=True)
    return a, b


def _mlp_inputs(T):
    rng = np.random.default_rng(1)
    x = T.tensor(rng.standard_normal((4, 6)), dtype=T.float32)
    y = T.tensor(rng.standard_normal((4, 3)), dtype=T.float32)
    shapes = [(6, 5), (5,), (5, 5), (5,), (5, 3), (3,)]
    ps = [T.tensor(rng.standard_normal(s) * 0.3, dtype=T.float32, requires_grad=True)
          for s in shapes]
    return x, y, ps


@pytest.mark.parametrize("repeat", [1, 3])  # the 2nd call onwards runs the generated kernels
def test_small_graph_and_mlp_gradients_match(torch, repeat):
    for _ in range(repeat):
        got, want = [], []
        for T, out in ((kindling, got), (torch, want)):
            a, b = _inputs(T)
            _small_graph(T, a, b).backward()
            x, y, ps = _mlp_inputs(T)
            _mlp_loss(T, x, y, ps).backward()
            out.extend(t.grad.detach().numpy() for t in [a, b] + ps)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=1e-6)


def test_dispatch_mode_sees_every_backward_op():
    """Formulas run below autograd, but a dispatch mode (at the Python key) still sees each
    of their ops: the same ops, in the same order, as with a graph being created (where
    every op also passes through its Autograd kernel)."""
    from kindling.utils._python_dispatch import TorchDispatchMode

    def run(create_graph):
        seen = []

        class Log(TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                seen.append(str(func))
                return func(*args, **(kwargs or {}))

        a, b = _inputs(kindling)
        loss = _small_graph(kindling, a, b)
        x, y, ps = _mlp_inputs(kindling)
        loss2 = _mlp_loss(kindling, x, y, ps)
        with Log():
            kindling.autograd.grad(loss, (a, b), create_graph=create_graph)
            kindling.autograd.grad(loss2, ps, create_graph=create_graph)
        return seen
    fast = run(False)
    assert fast == run(True)
    assert fast.count("aten.mm.default") == 5 and "aten.threshold_backward.default" in fast


def test_logging_tensor_logs_match_torch(torch):
    """LoggingTensor (a Python-key subclass) through the 20-op graph and the MLP, forward
    and backward: the same log lines as PyTorch - every formula op in PyTorch's order, the
    detaches of saved outputs, AccumulateGrad's detach, sum_to's view."""
    def script(T):
        lt = importlib.import_module(f"{T.__name__}.testing._internal.logging_tensor")
        a, b = _inputs(T)
        x, y, ps = _mlp_inputs(T)
        with lt.capture_logs() as logs:
            la = lt.LoggingTensor(a.detach(), requires_grad=True)
            lb = lt.LoggingTensor(b.detach(), requires_grad=True)
            lt.log_input("a", la)
            lt.log_input("b", lb)
            _small_graph(T, la, lb).backward()
            lps = [lt.LoggingTensor(p.detach(), requires_grad=True) for p in ps]
            _mlp_loss(T, lt.LoggingTensor(x), lt.LoggingTensor(y), lps).backward()
        return logs, la.grad.elem.numpy(), lps[0].grad.elem.numpy()
    import logging
    lg = logging.getLogger("LoggingTensor")
    propagate, level = lg.propagate, lg.level
    try:
        ours, theirs = script(kindling), script(torch)
    finally:
        lg.propagate, lg.level = propagate, level
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=2e-5)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=2e-5, atol=1e-6)


def test_dispatch_mode_sees_torchs_backward_ops(torch):
    """A TorchDispatchMode during backward sees PyTorch's ops in PyTorch's order (each node
    computes its inputs' gradients in the alphabetical order of their names, number operands
    select .Scalar overloads, saved outputs and stolen gradients are detached)."""
    def script(T):
        TorchDispatchMode = importlib.import_module(
            f"{T.__name__}.utils._python_dispatch").TorchDispatchMode
        seen = []

        class Log(TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                seen.append(str(func))
                return func(*args, **(kwargs or {}))

        a, b = _inputs(T)
        loss = _small_graph(T, a, b)
        x, y, ps = _mlp_inputs(T)
        loss2 = _mlp_loss(T, x, y, ps)
        w = T.ones(2, 1, requires_grad=True)
        v = T.ones(1, 3, requires_grad=True)
        c = T.ones(3, requires_grad=True)
        losses = [(w * v).sum(), (w / v).sum(), (w - v).sum(), T.addmm(c, w, v).sum()]
        with Log():
            loss.backward()
            loss2.backward()
            for lo in losses:
                lo.backward()
        return seen
    assert script(kindling) == script(torch)


def test_backward_formulas_do_not_call_torch_function(torch):
    """PyTorch's formulas are C++: a subclass's __torch_function__ sees ``backward`` only,
    and gradients computed from subclass tensors are plain tensors."""
    def script(T):
        log = []

        class Sub(T.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                log.append(getattr(func, "__name__", str(func)))
                return super().__torch_function__(func, types, args, kwargs or {})

        z = T.ones(3).as_subclass(Sub).requires_grad_()
        w = T.ones(3, requires_grad=True)
        loss = (z * w).exp().sum()
        del log[:]
        loss.backward()
        during = list(log)
        return during, type(z.grad).__name__, type(w.grad).__name__
    assert script(kindling) == script(torch)


def test_torch_function_mode_sees_backward_only(torch):
    def script(T):
        TorchFunctionMode = importlib.import_module(f"{T.__name__}.overrides").TorchFunctionMode
        log = []

        class Log(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                log.append(getattr(func, "__name__", str(func)))
                return func(*args, **(kwargs or {}))

        a, b = _inputs(T)
        loss = (a * b).sin().sum()
        with Log():
            loss.backward()
        return log
    assert script(kindling) == script(torch)


def test_gradient_view_made_in_backward_is_a_no_grad_view(torch):
    def script(T):
        x = T.ones(3, requires_grad=True)
        (g,) = T.autograd.grad(x.sum(), x)   # SumBackward0 returns an expanded view
        y = T.ones(3, requires_grad=True)
        try:
            g.mul_(y)
        except RuntimeError as e:
            return g._is_view(), g.requires_grad, str(e)
        return g._is_view(), g.requires_grad, None
    ours, theirs = script(kindling), script(torch)
    assert ours == theirs
    assert theirs[2] is not None and "no_grad mode" in theirs[2]


def test_keyword_calls_record_the_same_nodes(torch):
    """Keyword and defaulted calls take the generic kernel; positional ones the generated
    one: both record the same node with the same saved values."""
    for T in (kindling, torch):
        a, b = _inputs(T)
        (a * b).sum().backward()  # generated kernels for mul and sum in kindling
    out = {}
    for T in (kindling, torch):
        a, b = _inputs(T)
        r1 = T.mul(a, other=b)
        r2 = T.add(a, b, alpha=3)
        r3 = T.sub(input=a, other=b)
        r4 = a.sum(0, keepdim=True)
        names = [r.grad_fn.name() for r in (r1, r2, r3, r4)]
        saved = r2.grad_fn._saved_alpha
        (r1 + r2 + r3).sum().add(r4.sum()).backward()
        out[T.__name__] = (names, saved, a.grad.numpy().tolist(), b.grad.numpy().tolist())
    assert out["kindling"] == out["torch"]


def test_generated_kernel_is_inspectable():
    a = kindling.ones(2, requires_grad=True)
    a.mul(a)  # first recording of mul.Tensor
    spec = kindling.ops.aten.mul.Tensor._entry.autograd_spec
    assert spec.kernel is not spec.generic_kernel
    assert "def autograd_mul(ks, *args, **kwargs)" in spec.kernel.__doc__
    node_cls = type((a * a).grad_fn)
    assert "def _run(self, grads, needed=None" in node_cls._run.__doc__


def test_create_graph_runs_formulas_through_autograd(torch):
    out = {}
    for T in (kindling, torch):
        a, b = _inputs(T)
        loss = _small_graph(T, a, b)
        (ga,) = T.autograd.grad(loss, a, create_graph=True)
        (gga,) = T.autograd.grad(ga.sum(), a)
        out[T.__name__] = (ga.grad_fn.name(), gga.detach().numpy())
    assert out["kindling"][0] == out["torch"][0]
    np.testing.assert_allclose(out["kindling"][1], out["torch"][1], rtol=1e-4, atol=1e-5)


def test_inplace_accumulation_casts_and_bumps_versions(torch):
    for T in (kindling, torch):
        x = T.ones(3, dtype=T.float32)
        v = x._version
        x.add_(T.tensor([0.5, 1.5, 2.5], dtype=T.float64))
        assert x._version == v + 1
        assert x.dtype == T.float32 and x.tolist() == [1.5, 2.5, 3.5]


def test_ones_like_fast_path_keeps_strides_dtype_and_device(torch):
    for fn in ("ones_like", "zeros_like"):
        res = []
        for T in (kindling, torch):
            base = T.arange(12, dtype=T.float64).reshape(3, 4)
            outs = [getattr(T, fn)(base), getattr(T, fn)(base.t()),
                    getattr(T, fn)(base, dtype=T.int32),
                    getattr(T, fn)(base.t(), memory_format=T.contiguous_format),
                    getattr(T, fn)(base[:, ::2]), getattr(T, fn)(base, device="meta")]
            res.append([(tuple(o.shape), o.stride(), str(o.dtype), str(o.device),
                         o.tolist() if o.device.type == "cpu" else None) for o in outs])
        assert res[0] == res[1]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_same_float_fast_path_matches_torch(torch, op):
    import warnings
    for dt in ("float32", "float64"):
        res = []
        for T in (kindling, torch):
            f = getattr(T, op)
            a = T.tensor(np.arange(12.).reshape(3, 4) - 5, dtype=getattr(T, dt))
            b = T.tensor(np.linspace(-2, 2, 12).reshape(3, 4), dtype=getattr(T, dt))
            z = T.tensor(0.0, dtype=getattr(T, dt))
            fs = getattr(T.ops.aten, op).Scalar
            outs = [f(a, b), f(a.t(), b.t()), f(z, z), f(a, z), f(a[:, :1], b),
                    f(a, 0.5), f(a, 3), f(a, -1e300), f(z, 1e-300), fs(a, 0.5), fs(a.t(), 2),
                    fs(z, 1e-300)]
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                outs.append(f(a, T.zeros_like(a)))  # inf/nan: no warning, PyTorch's values
            try:
                f(a, b[:2])
                err = None
            except RuntimeError as e:
                err = str(e)
            res.append([(repr(o.tolist()), o.stride(), str(o.dtype)) for o in outs] + [err])
        assert res[0] == res[1]


def test_user_code_in_backward_runs_in_the_callers_state(torch):
    """Hooks, unpack hooks and custom Function backward see the thread state the caller had,
    not the engine's formula mode."""
    def script(T):
        C = T._C
        seen = []

        def state(tag):
            seen.append((tag, C._is_torch_function_enabled(),
                         C._dispatch_tls_is_dispatch_key_excluded(C.DispatchKey.AutogradCPU)))

        class Twice(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                state("function")
                return g * 2

        def pack(t):
            return t

        def unpack(t):
            state("unpack")
            return t

        x = T.ones(3, requires_grad=True)
        x.register_hook(lambda g: state("leaf hook"))
        with T.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = Twice.apply(x).sin()
        y.register_hook(lambda g: state("tensor hook"))
        y.grad_fn.register_hook(lambda gi, go: state("post hook"))
        y.sum().backward()
        (gx,) = T.autograd.grad(Twice.apply(x).exp().sum(), x)
        state("after")
        return seen
    assert script(kindling) == script(torch)


@pytest.mark.parametrize("op", ["exp", "neg", "sin", "cos", "tanh", "log1p", "sqrt", "log"])
def test_unary_float_fast_path_matches_torch(torch, op):
    """Same values as the generic kernel (exactly) and as PyTorch (to float rounding: NumPy's
    and PyTorch's float32 transcendental functions differ in the last ulp), same strides."""
    import warnings
    from kindling._dispatcher.keys import K as DK
    generic = getattr(kindling.ops.aten, op).default._entry._top(DK.CPU).fn.__wrapped__
    for dt in ("float32", "float64"):
        res = []
        for T in (kindling, torch):
            f = getattr(T, op)
            a = T.tensor(np.linspace(-3, 90, 12).reshape(3, 4), dtype=getattr(T, dt))
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # nan/inf results: no warning
                inputs = [a, a.t(), a[0, 0], a[:, ::2]]
                outs = [f(x) for x in inputs]
            if T is kindling:
                for x, o in zip(inputs, outs):
                    np.testing.assert_array_equal(o.numpy(), generic(0, x).numpy())
            res.append(outs)
        for k, t in zip(*res):
            assert (k.stride(), str(k.dtype)) == (t.stride(), str(t.dtype))
            np.testing.assert_allclose(k.numpy(), t.numpy(), rtol=2e-6)


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_"])
def test_inplace_float_fast_path_matches_torch(torch, op):
    res = []
    for T in (kindling, torch):
        a = T.tensor(np.arange(6.).reshape(2, 3) - 2, dtype=T.float32)
        b = T.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=T.float32)
        v0 = a._version
        r = getattr(a, op)(b)
        at = a.t().contiguous()
        getattr(at.t(), op)(b)            # a non-contiguous self
        getattr(a, op)(a)                 # self as the other operand
        res.append((r is a, a._version - v0, repr(a.tolist()), repr(at.tolist()), a.stride()))
    assert res[0] == res[1]


@pytest.mark.parametrize("n", [6, 4096])  # np.where below 256 elements, the bit select above
@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16"])
def test_threshold_backward_matches_torch(torch, n, dt):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(n)
    g = rng.standard_normal(n)
    x[:3] = [np.nan, 0.25, -np.inf]
    g[3:6] = [np.nan, np.inf, -np.inf]
    out = []
    for T in (kindling, torch):
        r = T.ops.aten.threshold_backward.default(T.tensor(g, dtype=getattr(T, dt)),
                                                  T.tensor(x, dtype=getattr(T, dt)), 0.25)
        out.append((str(r.dtype), r.float().numpy()))
    assert out[0][0] == out[1][0]
    np.testing.assert_array_equal(out[0][1], out[1][1])


def test_mm_front_matches_torch(torch):
    res = []
    for T in (kindling, torch):
        rng = np.random.default_rng(5)
        a = T.tensor(rng.standard_normal((6, 70)), dtype=T.float32)
        b = T.tensor(rng.standard_normal((70, 40)), dtype=T.float32)
        outs = [T.mm(a, b), T.mm(b.t(), a.t()), T.mm(a[:, ::2], b[::2]),
                T.mm(a[:0], b), T.mm(a[:, :0], b[:0]), a.double() @ b.double()]
        errs = []
        for x, y in ((a, a), (a, b.double()), (a[0], b)):
            try:
                T.mm(x, y)
            except RuntimeError as e:
                errs.append(str(e))
        res.append(([(tuple(o.shape), o.stride(), str(o.dtype)) for o in outs], errs,
                    [o.numpy() for o in outs]))
    assert res[0][:2] == res[1][:2]
    for k, t in zip(res[0][2], res[1][2]):
        np.testing.assert_allclose(k, t, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_mm_and_its_backward_give_numpy_matmuls_bits(dt):
    # (the front and MmBackward0's lane multiply with ndarray.dot, the BLAS call np.matmul
    # makes for two matrices: the same bits and layout, checked here over shapes and layouts)
    from kindling._aten.linalg import column_major
    rng = np.random.default_rng(6)
    shapes = [(1, 1, 1), (4, 4, 4), (5, 7, 3), (32, 64, 128), (0, 3, 4), (3, 0, 4), (2, 90, 3)]
    for m, k, n in shapes:
        x0, y0 = rng.standard_normal((m, k)).astype(dt), rng.standard_normal((k, n)).astype(dt)
        for x, y in ((x0, y0), (np.asfortranarray(x0), y0), (x0, np.asfortranarray(y0))):
            a = kindling.from_numpy(x).requires_grad_()
            b = kindling.from_numpy(y).requires_grad_()
            out = a @ b
            ref = np.matmul(x, y)
            got = out.detach().numpy()
            assert got.strides == ref.strides
            np.testing.assert_array_equal(got, ref)
            g = rng.standard_normal((m, n)).astype(dt)
            out.backward(kindling.from_numpy(g))
            # (mm_mat1/mat2_backward compute a column-major input's gradient transposed)
            col = [column_major(t.shape, t.stride()) for t in (a, b)]
            np.testing.assert_array_equal(
                a.grad.numpy(), np.matmul(y, g.T).T if col[0] else np.matmul(g, y.T))
            np.testing.assert_array_equal(
                b.grad.numpy(), np.matmul(g.T, x).T if col[1] else np.matmul(x.T, g))

def test_benchmark_mlp_references_compute_the_same_step():
    """``bench_autograd``'s two reference points for the MLP step (NumPy by hand, a minimal
    Python tape) must do the same work as kindling's step: same loss, same six gradients."""
    from benchmarks import _mlp_floor
    rng = np.random.default_rng(0)
    x, y, arrays = _mlp_floor._params(rng)
    kx, ky = kindling.from_numpy(x), kindling.from_numpy(y)
    kps = [kindling.from_numpy(a.copy()).requires_grad_() for a in arrays]
    loss = mlp_loss(kx, ky, *kps)
    loss.backward()
    for make in (_mlp_floor.numpy_by_hand, _mlp_floor.minimal_tape):
        ref_loss, grads = make(np.random.default_rng(0))()
        np.testing.assert_allclose(ref_loss, loss.item(), rtol=1e-5)
        for g, p in zip(grads, kps):
            np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_generated_kernel_after_an_inplace_first_recording():
    """An op whose formulas were first compiled for its in-place form (``d.mul_(a)`` before
    any ``mul``) still gets its generated kernel at its own first recording."""
    import subprocess
    import sys
    code = ("import kindling as T\n"
            "a = T.randn(2, requires_grad=True)\n"
            "T.zeros(2).mul_(a)\n"
            "a * a\n"
            "spec = T.ops.aten.mul.Tensor._entry.autograd_spec\n"
            "print(spec.kernel is not spec.generic_kernel)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "True"


# ---- CPU fronts inlined in the generated Autograd kernels (``_defop.InlineFront``) ---------------
_INLINED = ("mm.default", "add.Tensor", "sub.Tensor", "mul.Tensor", "div.Tensor", "relu.default",
            "exp.default")


def _autograd_kernel(name):
    packet, _, overload = name.partition(".")
    return getattr(getattr(kindling.ops.aten, packet), overload)._entry.autograd_spec.kernel


def test_hot_ops_run_their_cpu_front_in_the_autograd_kernel():
    a = kindling.ones(2, 2, requires_grad=True)
    for r in (a @ a, a + a, a - a, a * a, a / a, a.relu(), a.exp()):  # first recordings
        r.sum()
    for name in _INLINED:
        src = _autograd_kernel(name).__doc__
        assert "if k is FRONT" in src and ("UFUNC" in src or "MM_ARRAYS" in src), name


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_inlined_fronts_record_what_pytorch_records(torch, dt):
    """The inlined fronts take plain same-dtype float tensors (or a Python number); the
    other calls fall through to the front and the generic kernel.  Either way: PyTorch's
    values, strides, dtypes, nodes, saved values, gradients and errors."""
    def script(T):
        rng = np.random.default_rng(4)
        D = getattr(T, dt)
        a = T.tensor(rng.standard_normal((3, 4)), dtype=D, requires_grad=True)
        b = T.tensor(rng.standard_normal((3, 4)), dtype=D, requires_grad=True)
        m = T.tensor(rng.standard_normal((4, 5)), dtype=D, requires_grad=True)
        bias = T.tensor(rng.standard_normal(4), dtype=D, requires_grad=True)
        other = T.tensor(rng.standard_normal((3, 4)), dtype=T.float32 if dt == "float64"
                         else T.float64, requires_grad=True)
        i = T.arange(12).reshape(3, 4)
        outs = [a + b, a - b, a * b, a / b, a + bias, a.t() * b.t(), a[:, ::2] - b[:, 1::2],
                a + 2, a * 0.5, a + True, a + other, a * i, a.relu(), a.t().relu(), a.exp(),
                a[0].relu(), a @ m, a.t().t() @ m, a[:, :2] @ m[:2],
                a[:0] @ m, T.relu(a[0, 0])]
        rows = [(tuple(o.shape), o.stride(), str(o.dtype), o.grad_fn.name(),
                 [n[0].name() if n[0] is not None else None
                  for n in o.grad_fn.next_functions]) for o in outs]
        mm = outs[16].grad_fn
        rows.append((mm._saved_self_sym_sizes, mm._saved_self_sym_strides,
                     mm._saved_mat2_sym_strides, outs[12].grad_fn._saved_result.stride()))
        sum(o.double().sum() for o in outs).backward()
        errs = []
        for f in (lambda: a + b[:2], lambda: a @ b, lambda: a @ m[0:3],
                  lambda: a @ m.double()):
            try:
                f()
            except RuntimeError as e:
                errs.append(str(e))
        grads = [t.grad.numpy() for t in (a, b, m, bias, other)]
        return rows, errs, [o.detach().double().numpy() for o in outs], grads
    k, t = script(kindling), script(torch)
    assert k[:2] == t[:2]
    for x, y in zip(k[2] + k[3], t[2] + t[3]):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_a_kernel_registered_over_an_inlined_front_is_called():
    calls = []

    def relu(x):
        calls.append(x.shape)
        return kindling.full_like(x, 3.0)

    a = kindling.ones(2, 3, requires_grad=True)
    a.relu()  # (the generated kernel, with the front inlined)
    lib = kindling.library.Library("aten", "IMPL")
    try:
        lib.impl("relu", relu, "CPU")
        r = a.relu()
        assert calls == [(2, 3)] and r.tolist() == [[3.0] * 3] * 2
        assert r.grad_fn.name() == "ReluBackward0"
    finally:
        lib._destroy()
    assert a.relu().tolist() == [[1.0] * 3] * 2 and calls == [(2, 3)]


def test_plain_calls_of_inlined_ops_run_the_generated_kernel_from_the_first_call():
    # (a fresh interpreter: the op's first dispatch builds its kernel, not its first
    # recording; the node class waits for the first recording)
    import subprocess
    import sys
    code = """
import kindling as K
from kindling._dispatcher.keys import K as Keys
a, b = K.ones(3), K.full((3,), 2.0)
entry = K.ops.aten.add.Tensor._entry
r = a + b
spec = entry.autograd_spec
print(entry._top(Keys.Autograd).fn.__name__, spec._cls is None, r.tolist(), r.grad_fn)
with K.no_grad():
    print((a * b).tolist(), K.ops.aten.mul.Tensor._entry._top(Keys.Autograd).fn.__name__)
g = K.ones(3, requires_grad=True)
s = g + b
s.sum().backward()
print(type(s.grad_fn).__name__, spec._cls is not None, g.grad.tolist())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "autograd_add True [3.0, 3.0, 3.0] None"
    assert out[1] == "[2.0, 2.0, 2.0] autograd_mul"
    assert out[2] == "AddBackward0 True [1.0, 1.0, 1.0]"


def test_kernel_locals_cover_every_generated_kernel():
    # (an InlineFront is inlined unless its locals meet ``kernel_locals``: that set must
    # hold every local the generator writes, for every op it writes a kernel for)
    from kindling._dispatcher import operator as _op
    from kindling.autograd import derivatives as D
    D.materialize_all()
    checked = 0
    for entry in [e for d in _op._operators.values() for e in d.values()]:
        spec = entry.__dict__.get("_autograd_spec")
        if spec is None or spec.mode != "formula":
            continue
        try:
            spec.compile()
        except Exception:  # noqa: BLE001  (an op whose formulas PyTorch does not have)
            continue
        if spec.has_lists or spec.multi or spec.is_view or entry.scan_lists or \
                not spec.slots or any(spec.arg_types[p].is_list for p in spec.tensor_inputs):
            continue
        names = D._local_names(D._fast_kernel_source(spec), f"autograd_{spec.opname}")
        assert names <= D.kernel_locals(spec), (entry.qualified, names - D.kernel_locals(spec))
        checked += 1
    assert checked > 300
