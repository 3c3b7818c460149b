"""Regressions for what running PyTorch's own test_autograd.py against kindling found
(tools/run_pytorch_suite.py): saved-value names of nodes, the in-place-on-view saved result,
pickling leaves, lobpcg's backward, and the torch.testing._internal helpers. Each is checked
against PyTorch."""
import copy
import gc
import io

import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")


def _both(fn):
    return fn(torch), fn(kindling)


# ---- saved-value names and types (torchgen's) ------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
def test_convolution_saved_bias_sym_sizes_opt(bias):
    def run(lib):
        a = lib.ones(1, 1, 3, 3, requires_grad=True)
        w = lib.ones(1, 1, 3, 3)
        b = lib.ones(1) if bias else None
        fn = lib.nn.functional.conv2d(a, w, b).grad_fn
        return type(fn).__name__, tuple(fn._saved_bias_sym_sizes_opt)
    assert run(torch) == run(kindling)


def test_addbmm_and_im2col_saved_argsizes():
    def run(lib):
        a = lib.ones(2, 3, 4, requires_grad=True)
        b = lib.ones(2, 4, 5, requires_grad=True)
        fn = lib.addbmm(lib.ones(3, 5), a, b).grad_fn
        got = (fn._saved_batch1_sym_argsize_0, fn._saved_batch1_sym_argsize_1,
               fn._saved_batch2_sym_argsize_2)
        x = lib.ones(1, 1, 4, 5, requires_grad=True)
        fn2 = lib.nn.functional.unfold(x, 3).grad_fn
        got += (fn2._saved_self_sym_argsize_minus_2, fn2._saved_self_sym_argsize_minus_1)
        (lib.addbmm(lib.ones(3, 5), a, b).sum() + lib.nn.functional.unfold(x, 3).sum()) \
            .backward()
        return got, a.grad.numpy().copy(), x.grad.numpy().copy()
    t, k = _both(run)
    assert t[0] == k[0]
    np.testing.assert_allclose(k[1], t[1])
    np.testing.assert_allclose(k[2], t[2])


def test_float_argument_reads_back_as_float():
    def run(lib):
        fn = lib.pdist(lib.ones(2, 2, requires_grad=True), p=1).grad_fn
        return type(fn._saved_p), fn._saved_p
    assert run(torch) == run(kindling)


@pytest.mark.parametrize("scalars", [[0.0, 0.5, 1.0], 0.5])
def test_foreach_maximum_saved_values(scalars):
    def run(lib):
        ts = [lib.ones(2, 2, requires_grad=True) for _ in range(3)]
        fn = lib._foreach_maximum(ts, scalars)[0].grad_fn
        name = "_saved_scalars" if isinstance(scalars, list) else "_saved_scalar"
        got = getattr(fn, name)
        return type(fn).__name__, tuple(got) if isinstance(got, tuple) else got, \
            len(fn._saved_self)
    assert run(torch) == run(kindling)


def test_c_build_flags():
    assert kindling._C.has_lapack == torch._C.has_lapack
    assert kindling._C.has_spectral == torch._C.has_spectral


def test_sparse_layout_names():
    for name in ("sparse_csc", "sparse_bsr", "sparse_bsc"):
        assert repr(getattr(kindling, name)) == repr(getattr(torch, name))


# ---- the result of an in-place op on a view ------------------------------------------------
def test_inplace_on_view_saved_result_is_freed_without_gc():
    def run(lib):
        dealloc = [0]

        class OnDelete:
            def __del__(self):
                dealloc[0] += 1

        def scope():
            root = lib.randn(3, 3, requires_grad=True)
            c = root.clone()
            c.grad_fn.register_hook(OnDelete())
            v = c.view(9)
            lib.nn.functional.relu(v, inplace=True)

        was = gc.isenabled()
        gc.disable()
        try:
            scope()
            return dealloc[0]
        finally:
            if was:
                gc.enable()
    assert run(torch) == run(kindling) == 1


def test_inplace_on_view_saved_result_double_backward():
    x0 = np.random.default_rng(0).standard_normal((3, 3))

    def run(lib):
        root = lib.tensor(x0, requires_grad=True)
        c = root.clone()
        v = c.view(9)
        v.exp_()
        (g,) = lib.autograd.grad((c * c).sum(), root, create_graph=True)
        (g2,) = lib.autograd.grad(g.sum(), root)
        return type(c.grad_fn).__name__, type(v.grad_fn).__name__, g.detach().numpy(), \
            g2.numpy()
    t, k = _both(run)
    assert t[:2] == k[:2]
    np.testing.assert_allclose(k[2], t[2])
    np.testing.assert_allclose(k[3], t[3])


# ---- pickling a leaf whose gradient accumulator exists -----------------------------------
def test_save_leaf_with_grad_accumulator_in_pack_hook():
    def run(lib):
        store = {}

        def pack(x):
            buf = io.BytesIO()
            lib.save(x, buf)
            store[id(buf)] = buf
            return buf

        def unpack(buf):
            buf.seek(0)
            return lib.load(buf)

        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            a = lib.ones(5, requires_grad=True)
            y = a * a
            saved = y.grad_fn._saved_self
            y.sum().backward()
        b = copy.deepcopy(a)
        return saved.detach().numpy(), a.grad.numpy(), b.grad.numpy(), b.requires_grad
    t, k = _both(run)
    for x, y in zip(t[:3], k[:3]):
        np.testing.assert_allclose(y, x)
    assert t[3] == k[3]


# ---- lobpcg backward -------------------------------------------------------------------
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("batch", [(), (2,)])
def test_lobpcg_backward_matches_torch(largest, batch):
    rng = np.random.default_rng(1)
    a0 = rng.random(batch + (6, 6))
    a0 = a0 @ np.swapaxes(a0, -1, -2) / 10
    ge, gu = rng.random(batch + (2,)), rng.random(batch + (6, 2))

    def run(lib):
        A = lib.tensor(a0, requires_grad=True)
        X = lib.eye(6, 2, dtype=A.dtype)
        if batch:
            X = X.expand(batch + (6, 2))
        D, U = lib.lobpcg(A=A, k=2, X=X, largest=largest)
        _, idx = U.abs().max(-2, keepdim=True)
        U = U * U.gather(-2, idx).sign()
        ((D * lib.tensor(ge)).sum() + (U * lib.tensor(gu)).sum()).backward()
        return D.detach().numpy(), U.detach().numpy(), A.grad.numpy()
    t, k = _both(run)
    for x, y in zip(t, k):
        np.testing.assert_allclose(y, x, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(k[2], np.swapaxes(k[2], -1, -2), atol=1e-12)


def test_lobpcg_double_backward_runs_like_torch():
    a0 = np.random.default_rng(2).random((6, 6))
    a0 = a0 @ a0.T / 10

    def run(lib):
        A = lib.tensor(a0, requires_grad=True)
        D, U = lib.lobpcg(A=A, k=1, X=lib.eye(6, 1, dtype=A.dtype))
        (g,) = lib.autograd.grad(D.sum(), A, create_graph=True)
        (g2,) = lib.autograd.grad((g * g).sum(), A)
        return g.detach().numpy(), g2.numpy()
    t, k = _both(run)
    np.testing.assert_allclose(k[0], t[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(k[1], t[1], rtol=1e-5, atol=1e-7)


# ---- profiler names PyTorch test files import ----------------------------------------------
def test_emit_nvtx_and_itt():
    for lib in (torch, kindling):
        with lib.autograd.profiler.emit_nvtx(enabled=False):
            pass
        with lib.autograd.profiler.emit_itt(enabled=False):
            pass
    with pytest.raises(AssertionError) as et:
        with torch.autograd.profiler.emit_nvtx():
            pass
    with pytest.raises(AssertionError) as ek:
        with kindling.autograd.profiler.emit_nvtx():
            pass
    assert str(ek.value) == str(et.value)
    with pytest.raises(NotImplementedError, match="ITT"):
        with kindling.autograd.profiler.emit_itt():
            pass
    assert kindling.profiler.itt.is_available() is False


# ---- torch.testing._internal helpers -------------------------------------------------------
def _generated_names(lib_utils, lib_device):
    class TestThing(lib_utils.TestCase):
        @lib_utils.parametrize("x", [1, 2])
        @lib_utils.parametrize("flag", [True, False])
        def test_p(self, x, flag):
            pass

        def test_plain(self):
            pass

    lib_utils.instantiate_parametrized_tests(TestThing)

    class TestDev(lib_utils.TestCase):
        def test_a(self, device):
            pass

        @lib_device.dtypes(lib_device.torch.float32, lib_device.torch.float64)
        def test_b(self, device, dtype):
            pass

    scope = {"TestDev": TestDev}
    lib_device.instantiate_device_type_tests(TestDev, scope, only_for=("cpu",))
    dev_cls = scope["TestDevCPU"]
    return (sorted(n for n in dir(TestThing) if n.startswith("test")),
            sorted(n for n in dir(dev_cls) if n.startswith("test") and n != "test_exclusions"),
            "TestDev" in scope)


def test_testing_internal_generated_test_names():
    from torch.testing._internal import common_device_type as tdev, common_utils as tutils
    from kindling.testing._internal import common_device_type as kdev, common_utils as kutils
    assert _generated_names(kutils, kdev) == _generated_names(tutils, tdev)


def test_testing_internal_assert_equal():
    from torch.testing._internal.common_utils import TestCase as TTC
    from kindling.testing._internal.common_utils import TestCase as KTC
    cases = [
        (lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0 + 1e-7])), {}),
        (lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.1])), {}),
        (lambda lib: (lib.tensor([1.0]), lib.tensor([1.0], dtype=lib.float64)), {}),
        (lambda lib: (lib.tensor([1.0]), lib.tensor([1.0], dtype=lib.float64)),
         {"exact_dtype": False}),
        (lambda lib: (lib.tensor(3.0), 3.0), {}),
        (lambda lib: ([lib.tensor([1.0]), 2], [lib.tensor([1.0]), 2]), {}),
        (lambda lib: (1234567890123456789, 1234567890123456768), {}),
        (lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.1, 2.0])),
         {"atol": 0.2, "rtol": 0}),
        (lambda lib: (lib.Size([2, 3]), (2, 3)), {}),
    ]

    def outcome(tc, lib, make, kw):
        x, y = make(lib)
        try:
            tc("run").assertEqual(x, y, **kw)
            return True
        except AssertionError:
            return False

    for make, kw in cases:
        t = outcome(type("A", (TTC,), {"run": lambda self: None}), torch, make, kw)
        k = outcome(type("B", (KTC,), {"run": lambda self: None}), kindling, make, kw)
        assert k == t, (make, kw)


def test_profiler_records_composite_ops_with_shapes():
    def run(lib):
        l1, l2 = lib.nn.Linear(20, 30), lib.nn.Linear(30, 40)
        x = lib.randn(8, 20)
        with lib.autograd.profiler.profile(record_shapes=True) as prof:
            l2(l1(x))
        return [(e.name, e.input_shapes) for e in prof.function_events
                if e.name in ("aten::linear", "aten::addmm", "aten::t")]
    t, k = _both(run)
    # (PyTorch lists every schema argument - [] for scalars - and the ops a kernel calls
    # inside (t's transpose); compare the tensor shapes of the events both have)
    strip = [(n, [s for s in shapes if s]) for n, shapes in t]
    assert [(n, [s for s in shapes if s]) for n, shapes in k] == strip


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("th,val", [(1 + 0j, 2 + 0j), (1 + 1j, 2.0), (1.0, 2 + 1j), (1, 2)])
def test_threshold_complex_scalars_on_real_tensor(dtype, th, val):
    def run(lib):
        x = lib.tensor([0.5, 1.0, 3.0], dtype=getattr(lib, dtype), requires_grad=True)
        try:
            out = lib.threshold(x, threshold=th, value=val)
        except RuntimeError as e:
            return "error", str(e)
        return out.detach().numpy().tolist(), type(out.grad_fn._saved_threshold).__name__
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run(kindling) == run(torch)


def test_pickled_tensor_keeps_user_attributes():
    import pickle
    got = []
    for T in (kindling, torch):
        t = T.ones(2, requires_grad=True)
        t.foo = [3]
        (t * 2).sum().backward()  # (a gradient accumulator and .grad are not user state)
        for proto in (2, 5):
            u = pickle.loads(pickle.dumps(t, protocol=proto))
            got.append((type(u).__name__, u.foo, u.requires_grad, u.grad, u.tolist(),
                        sorted(k for k in vars(u) if not k.startswith("_"))))
        got.append(copy.copy(t).foo)
    half = len(got) // 2
    assert got[:half] == got[half:]


def test_version_error_names_the_saving_node_once_the_views_old_history_is_gone():
    # (a view modified in place twice: its first regenerated grad_fn ends with the node
    # that used it, so the error names the node the saved output belongs to, Exp)
    msgs = []
    for T in (kindling, torch):
        a = T.randn(3, 4, requires_grad=True)
        b = a.clone()
        v = b[0]
        v.exp_()
        v.mul_(2)
        with pytest.raises(RuntimeError) as e:
            b.sum().backward()
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
    assert "output 0 of Exp" in msgs[0]
