"""The engine's array lanes (kindling/autograd/array_lane.py) against the formulas they stand
for: every lane gives its formulas' exact bits, dtypes, shapes, strides and aliasing, on the
layouts it takes and on those it leaves to the formulas; anything that can observe the
formulas' ops (a dispatch mode, a user kernel, saved-tensor hooks, create_graph) gets the
formulas; and the gradients agree with PyTorch's."""
import numpy as np
import pytest

import kindling
from kindling.autograd import array_lane
from kindling.utils._python_dispatch import TorchDispatchMode

torch = pytest.importorskip("torch")

_DTYPES = ("float32", "float64")


def _arr(shape, dtype, seed, low=0.5, high=1.5, specials=False):
    rng = np.random.default_rng(seed)
    a = np.asarray(rng.uniform(low, high, shape))
    if rng.random() < 0.5:
        a = -a if not specials else a
    if specials and a.size >= 4:
        flat = a.reshape(-1)
        flat[:4] = [0.0, -0.0, np.nan, -1.0]
    return np.asarray(a.astype(dtype))


# Each case: (name, leaf makers, function of the leaves giving the loss).  A leaf maker is
# ``(shape, layout)`` (the shape used) with layout "c" (contiguous), "t" (a transposed view of
# a contiguous leaf) or "s" (every other column of a leaf twice as wide).
_CASES = {
    "neg": ([((3, 4), "c")], lambda a: (-a).sum()),
    "neg_1d": ([((8,), "c")], lambda a: (-a).sum()),
    "relu": ([((3, 4), "c")], lambda a: (a.relu() * a).sum()),
    "relu_size1": ([((4, 1), "c")], lambda a: (a.relu() * a).sum()),
    "relu_t": ([((4, 3), "t")], lambda a: (a.relu() * a).sum()),
    "exp": ([((3, 4), "c")], lambda a: (a.exp() * a).sum()),
    "sin": ([((3, 4), "c")], lambda a: (a.sin() * a).sum()),
    "log1p": ([((3, 4), "c")], lambda a: (a.log1p() * a).sum()),
    "tanh": ([((3, 4), "c")], lambda a: (a.tanh() * a).sum()),
    "sigmoid": ([((3, 4), "c")], lambda a: (a.sigmoid() * a).sum()),
    "add": ([((3, 4), "c"), ((3, 4), "c")], lambda a, b: ((a + b) * a).sum()),
    "add_alpha": ([((3, 4), "c"), ((3, 4), "c")],
                  lambda a, b: (a.add(b, alpha=2) * a).sum()),
    "add_broadcast": ([((3, 4), "c"), ((4,), "c")], lambda a, b: ((a + b) * a).sum()),
    "add_scalar": ([((3, 4), "c")], lambda a: ((a + 2) * a).sum()),
    "sub": ([((3, 4), "c"), ((3, 4), "c")], lambda a, b: ((a - b) * a).sum()),
    "sub_alpha": ([((3, 4), "c"), ((3, 4), "c")],
                  lambda a, b: (a.sub(b, alpha=3) * a).sum()),
    "mul": ([((3, 4), "c"), ((3, 4), "c")], lambda a, b: (a * b).sum()),
    "mul_expanded_grad": ([((3, 4), "c"), ((3, 4), "c")], lambda a, b: (a * b).sum()),
    "mul_number": ([((3, 4), "c")], lambda a: ((a * 0.1) * a).sum()),
    "mul_broadcast": ([((3, 4), "c"), ((3, 1), "c")], lambda a, b: ((a * b) * a).sum()),
    "mul_t": ([((3, 4), "t"), ((3, 4), "c")], lambda a, b: ((a * b) * b).sum()),
    "mul_0d": ([((), "c"), ((), "c")], lambda a, b: (a * b * a)),
    "div": ([((3, 4), "c"), ((3, 4), "c")], lambda a, b: ((a / b) * a).sum()),
    "div_number": ([((3, 4), "c")], lambda a: ((a / 3.0) * a).sum()),
    "mm": ([((5, 3), "c"), ((3, 4), "c")], lambda a, b: ((a @ b) * (a @ b)).sum()),
    "mm_t_self": ([((5, 3), "t"), ((3, 4), "c")], lambda a, b: ((a @ b) * (a @ b)).sum()),
    "mm_t_mat2": ([((5, 3), "c"), ((3, 4), "t")], lambda a, b: ((a @ b) * (a @ b)).sum()),
    "mm_big_t": ([((48, 64), "t"), ((64, 80), "c")], lambda a, b: ((a @ b).relu()).sum()),
    "mm_big_strided": ([((48, 64), "s"), ((64, 80), "c")],
                       lambda a, b: ((a @ b).relu()).sum()),
    "addmm": ([((5, 3), "c"), ((3, 4), "c"), ((4,), "c")],
              lambda a, b, c: (kindling_or_torch(a).addmm(c, a, b) ** 2).sum()),
    "linear": ([((5, 3), "c"), ((4, 3), "c"), ((4,), "c")],
               lambda x, w, b: (nn_functional(x).linear(x, w, b).relu() * 3).sum()),
    "linear_t_input": ([((5, 3), "t"), ((4, 3), "c"), ((4,), "c")],
                       lambda x, w, b: (nn_functional(x).linear(x, w, b).relu() * 3).sum()),
    "mse_loss": ([((3, 4), "c"), ((3, 4), "c")],
                 lambda a, b: nn_functional(a).mse_loss(a.relu(), b)),
    "mse_loss_none": ([((3, 4), "c"), ((3, 4), "c")],
                      lambda a, b: nn_functional(a).mse_loss(a, b * 2, reduction="none").sum()),
    "smooth_l1_loss": ([((3, 4), "c"), ((3, 4), "c")],
                       lambda a, b: nn_functional(a).smooth_l1_loss(a * 1.5, b, beta=0.5)),
    "huber_loss": ([((3, 4), "c"), ((3, 4), "c")],
                   lambda a, b: nn_functional(a).huber_loss(a * 1.5, b, delta=0.7,
                                                            reduction="sum")),
    "chain": ([((6,), "c"), ((6,), "c")],
              lambda a, b: ((a * b + a).exp().tanh().sigmoid() * (a / (b + 2)).log1p()
                            ).sin().neg().sum()),
}

def kindling_or_torch(t):
    return kindling if isinstance(t, kindling.Tensor) else torch


def nn_functional(t):
    return kindling_or_torch(t).nn.functional


# Cases whose every node is left to the formulas: size-1 dims, and non-contiguous operands of
# more than one dim.
_FORMULAS_ONLY = {"relu_size1", "relu_t", "mul_t"}


# Cases whose loss is no sum
_LOSSES = {"mse_loss", "smooth_l1_loss", "huber_loss"}
# Nodes with lanes in every case: the loss's sum, the "t" layout's transpose.
_PLUMBING = {"SumBackward0", "TBackward0"}


def _leaves(T, specs, dtype, seed, specials=False):
    leaves, used = [], []
    for i, (shape, layout) in enumerate(specs):
        base_shape = shape[::-1] if layout == "t" else \
            shape[:-1] + (2 * shape[-1],) if layout == "s" else shape
        x = T.from_numpy(_arr(base_shape, dtype, seed + i, specials=specials)).requires_grad_()
        leaves.append(x)
        used.append(x.t() if layout == "t" else x[:, ::2] if layout == "s" else x)
    return leaves, used


# How kindling runs a backward: in the engine's array mode (the default), with lanes on
# tensors one node at a time, or with every node's formulas.
_MODES = {"arrays": None, "tensors": lambda: array_lane.disabled(array_mode_only=True),
          "formulas": array_lane.disabled}


def _run_backward(loss, mode):
    if _MODES[mode] is None:
        loss.backward()
    else:
        with _MODES[mode]():
            loss.backward()


def _grads(T, name, dtype, mode, specials=False):
    specs, fn = _CASES[name]
    leaves, used = _leaves(T, specs, dtype, 0, specials)
    _run_backward(fn(*used), mode if T is kindling else "arrays")
    return leaves


def _bits(t):
    a = t.detach().numpy()
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64).copy()


@pytest.mark.parametrize("mode", ["arrays", "tensors"])
@pytest.mark.parametrize("dtype", _DTYPES)
@pytest.mark.parametrize("name", sorted(_CASES))
@pytest.mark.parametrize("specials", [False, True])
def test_lane_gives_the_formulas_bits(name, dtype, specials, mode, monkeypatch):
    _grads(kindling, name, dtype, mode, specials)  # (node classes made, lanes checked)
    ran = _count_lane_runs(monkeypatch)
    with_lanes = _grads(kindling, name, dtype, mode, specials)
    ops_ran = [n for n in ran if n not in _PLUMBING]
    assert bool(ops_ran) is (name not in _FORMULAS_ONLY), ran
    assert "SumBackward0" in ran or name == "mul_0d" or name in _LOSSES
    formulas = _grads(kindling, name, dtype, "formulas", specials)
    for x, y in zip(with_lanes, formulas):
        gx, gy = x.grad, y.grad
        assert gx.dtype == gy.dtype and gx.shape == gy.shape
        assert gx.stride() == gy.stride()
        assert (gx._base is None) == (gy._base is None)
        np.testing.assert_array_equal(_bits(gx), _bits(gy))
    if not specials:
        ref = _grads(torch, name, dtype, mode)
        for x, r in zip(with_lanes, ref):
            np.testing.assert_allclose(x.grad.numpy(), r.grad.numpy(),
                                       rtol=1e-5 if dtype == "float32" else 1e-12)
            assert x.grad.stride() == r.grad.stride()
            assert x.grad._is_view() == r.grad._is_view()


def _count_lane_runs(monkeypatch):
    """The node classes whose lanes give a result from now on, one entry per run."""
    ran = []
    if not array_lane.LANES.verified:  # (a table built since: checked now, not over the patch)
        array_lane._verify()
    for cls, _glue, _entries in array_lane.LANES.nodes:
        for attr in ("_direct", "_array"):  # (on tensors, and in the engine's array mode)
            glue = getattr(cls, attr)
            if glue is None:
                continue

            def counting(self, grad, ex, glue=glue):
                out = glue(self, grad, ex)
                if out is not None:
                    ran.append(type(self).__name__)
                return out
            monkeypatch.setattr(cls, attr, counting)
    return ran


def _lane_runs(node_name):
    """How many times ``node_name``'s lane ran during the block's backward (it returned a
    result, not a fallback)."""
    return [c for c, _g, _e in array_lane.LANES.nodes if c.__name__ == node_name]


def test_every_declared_lane_is_on_in_a_plain_backward():
    a = kindling.randn(3, 4, requires_grad=True)
    (a * 2).sum().backward()
    assert array_lane.LANES.verified
    assert array_lane.LANES.nodes
    for cls, _glue, entries in array_lane.LANES.nodes:
        assert cls._direct is not None, cls.__name__
    assert all(lane[0] for lane in array_lane.LANES.engine.values())


def test_a_dispatch_mode_sees_the_formulas_ops_as_in_pytorch():
    from torch.utils._python_dispatch import TorchDispatchMode as TorchMode

    from test_backward_op_sequences import _recorder
    logs = []
    for T, base in ((kindling, TorchDispatchMode), (torch, TorchMode)):
        specs, fn = _CASES["chain"]
        leaves, used = _leaves(T, specs, "float32", 0)
        loss = fn(*used)
        m = _recorder(base)()
        with m:
            loss.backward()
        logs.append(m.ops)
    assert logs[0] == logs[1]
    assert "aten.tanh_backward.default" in logs[0]


def test_a_kernel_registered_over_a_formula_op_turns_the_lane_off():
    calls = []

    def threshold_backward(grad_output, self, threshold):
        calls.append(threshold)
        return kindling.full_like(grad_output, 7.0)

    a = kindling.from_numpy(_arr((3, 4), "float32", 1)).requires_grad_()
    lib = kindling.library.Library("aten", "IMPL")
    try:
        lib.impl("threshold_backward", threshold_backward, "CPU")
        a.relu().sum().backward()
        assert calls == [0]
        assert (a.grad == 7).all()
    finally:
        lib._destroy()
    a.grad = None
    a.relu().sum().backward()
    assert calls == [0]
    np.testing.assert_array_equal(a.grad.numpy(), (a.detach().numpy() > 0).astype(np.float32))
    assert all(c._direct is not None for c in _lane_runs("ReluBackward0"))


def test_saved_tensor_hooks_still_unpack():
    unpacked = []
    a = kindling.from_numpy(_arr((3, 4), "float32", 2)).requires_grad_()
    b = kindling.from_numpy(_arr((3, 4), "float32", 3)).requires_grad_()
    with kindling.autograd.graph.saved_tensors_hooks(lambda t: t,
                                                     lambda t: unpacked.append(1) or t):
        loss = (a * b).sum()
    loss.backward()
    assert len(unpacked) == 2
    np.testing.assert_array_equal(a.grad.numpy(), b.detach().numpy())


def test_a_saved_tensor_modified_in_place_raises_pytorchs_error():
    msgs = []
    for T in (kindling, torch):
        a = T.from_numpy(_arr((3, 4), "float32", 4)).requires_grad_()
        b = T.from_numpy(_arr((3, 4), "float32", 5))
        c = a * 1
        loss = (c * b).sum()
        with T.no_grad():
            b.add_(1)
        with pytest.raises(RuntimeError) as e:
            loss.backward()
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_create_graph_and_partial_grads_match_pytorch():
    results = []
    for T in (kindling, torch):
        specs, fn = _CASES["chain"]
        leaves, used = _leaves(T, specs, "float64", 0)
        loss = fn(*used)
        (ga,) = T.autograd.grad(loss, [leaves[0]], create_graph=True)
        (gga,) = T.autograd.grad(ga.sum(), [leaves[1]])
        results.append((ga.detach().numpy(), gga.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


def test_autograd_grad_of_some_inputs_gives_the_formulas_bits():
    out = []
    for lanes in (True, False):
        specs, fn = _CASES["mm"]
        leaves, used = _leaves(kindling, specs, "float32", 0)
        if lanes:
            (g,) = kindling.autograd.grad(fn(*used), [leaves[1]])
        else:
            with array_lane.disabled():
                (g,) = kindling.autograd.grad(fn(*used), [leaves[1]])
        out.append(_bits(g))
    np.testing.assert_array_equal(out[0], out[1])


def test_disabled_is_per_thread(monkeypatch):
    import threading

    def mul_backward():
        a = kindling.from_numpy(_arr((3, 4), "float32", 6)).requires_grad_()
        (a * a).sum().backward()
        return _bits(a.grad)

    mul_backward()  # (MulBackward0's lane checked and on)
    ran = _count_lane_runs(monkeypatch)
    other = {}
    with array_lane.disabled():
        t = threading.Thread(target=lambda: other.setdefault("grad", mul_backward()))
        t.start()
        t.join()
        assert ran == ["SumBackward0", "MulBackward0"]  # (the other thread's lanes ran)
        mine = mul_backward()
        assert ran == ["SumBackward0", "MulBackward0"]  # (this thread's did not)
    np.testing.assert_array_equal(other["grad"], mine)


# ---- fuzzing: random graphs of the lane ops on random layouts ------------------------------
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_UNARY = {
    "neg": lambda x: -x, "relu": lambda x: x.relu(), "exp": lambda x: (x * 0.1).exp(),
    "sin": lambda x: x.sin(), "log1p": lambda x: x.abs().log1p(), "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    # without lanes (array mode hands over there), and a transpose (a view's lane)
    "cos": lambda x: x.cos(), "rowsum": lambda x: x * x.sum(-1, keepdim=True) if x.dim() else x,
    "t": lambda x: (x.t() * 1.5).t() if x.dim() <= 2 else x,
}
_BINARY = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (y.abs() + 1), "add_alpha": lambda x, y: x.add(y, alpha=2),
    "mul_number": lambda x, y: x * 0.5,
    "mm": lambda x, y: (x @ y.mT) @ x if x.dim() == 2 else x * y,
}


def _layout(T, arr, how):
    """A tensor holding ``arr``'s values (``arr`` of the used shape) in layout ``how``."""
    if how == "t" and arr.ndim == 2:
        return T.from_numpy(np.ascontiguousarray(arr.T)).requires_grad_(), lambda x: x.t()
    if how == "s" and arr.ndim >= 1:
        wide = np.repeat(arr, 2, axis=-1)
        return T.from_numpy(wide).requires_grad_(), lambda x: x[..., ::2]
    return T.from_numpy(np.ascontiguousarray(arr)).requires_grad_(), lambda x: x


def _fuzz_grads(T, shape, dtype, layouts, program, seed, mode):
    rng = np.random.default_rng(seed)
    leaves, xs = [], []
    for how in layouts:
        arr = rng.uniform(-1.5, 1.5, shape).astype(dtype)
        if arr.size:
            arr.reshape(-1)[0] = 0.0
        leaf, use = _layout(T, np.asarray(arr), how)
        leaves.append(leaf)
        xs.append(use(leaf))
    vals = list(xs)
    for kind, name, i, j in program:
        a, b = vals[i % len(vals)], vals[j % len(vals)]
        vals.append(_UNARY[name](a) if kind == "u" else _BINARY[name](a, b))
    loss = sum((v * (k + 1)).sum() for k, v in enumerate(vals[len(xs):])) if \
        len(vals) > len(xs) else vals[0].sum()
    _run_backward(loss, mode)
    return leaves


_steps = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(sorted(_UNARY)), st.integers(0, 9), st.just(0)),
    st.tuples(st.just("b"), st.sampled_from(sorted(_BINARY)), st.integers(0, 9),
              st.integers(0, 9)))


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(shape=st.sampled_from([(), (1,), (5,), (3, 4), (4, 1), (1, 4), (2, 3, 4)]),
       dtype=st.sampled_from(_DTYPES),
       layouts=st.lists(st.sampled_from("cts"), min_size=1, max_size=3),
       program=st.lists(_steps, min_size=1, max_size=6),
       seed=st.integers(0, 2 ** 16))
def test_fuzzed_graphs_give_the_formulas_bits(shape, dtype, layouts, program, seed):
    formulas = _fuzz_grads(kindling, shape, dtype, layouts, program, seed, "formulas")
    for mode in ("arrays", "tensors"):
        with_lanes = _fuzz_grads(kindling, shape, dtype, layouts, program, seed, mode)
        for x, y in zip(with_lanes, formulas):
            gx, gy = x.grad, y.grad
            assert (gx is None) == (gy is None)
            if gx is None:
                continue
            assert gx.dtype == gy.dtype and gx.shape == gy.shape and gx.stride() == gy.stride()
            assert (gx._base is None) == (gy._base is None)
            np.testing.assert_array_equal(_bits(gx), _bits(gy))
