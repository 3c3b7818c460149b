"""Autograd behaviours found different from PyTorch by running PyTorch's test_autograd.py on
kindling; each scenario runs on both libraries and the outcomes (values, exception types and
texts, warnings, graph shapes) must be equal."""
import gc
import weakref
import warnings

import pytest

import kindling
from _parity import call_outcome

torch = pytest.importorskip("torch")

LIBS = (kindling, torch)


def _outcome(fn):
    """What calling ``fn`` did (``_parity.call_outcome`` with this file's ``_plain``)."""
    return call_outcome(fn, _plain)


def _plain(r):
    """Tensors as nested lists (library-independent), containers recursively."""
    if isinstance(r, (kindling.Tensor, torch.Tensor)):
        return ("tensor", r.tolist(), tuple(r.shape))
    if isinstance(r, (tuple, list)):
        return type(r).__name__, [_plain(x) for x in r]
    if isinstance(r, dict):
        return {k: _plain(v) for k, v in r.items()}
    return r


def _same(scenario):
    k, t = scenario(kindling), scenario(torch)
    assert k == t
    return k


def _graph_desc(fn):
    if fn is None:
        return "None"
    nf = fn.next_functions
    return type(fn).__name__ + "(" + ", ".join(_graph_desc(n) for n, _ in nf) + ")"


# ---- r02: grad-mode context managers decorating a class ---------------------------------------
@pytest.mark.parametrize("make", [
    lambda T: T.no_grad(), lambda T: T.enable_grad(), lambda T: T.set_grad_enabled(False),
    lambda T: T.inference_mode(), lambda T: T.no_grad])
def test_grad_mode_decorating_a_class_warns_and_still_works(make):
    def scenario(T):
        def deco():
            class Foo:
                def __init__(self, a, b=1):
                    self.state = (T.is_grad_enabled(), a, b)
            Foo = make(T)(Foo)
            with T.enable_grad():
                return Foo(3, b=4).state, T.is_grad_enabled()
        return _outcome(deco)
    out = _same(scenario)
    assert out[0] == "returned" and out[2] and out[2][0][0] == "FutureWarning"


def test_class_decoration_warning_points_at_the_decorating_line():
    for T in LIBS:
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")

            @T.no_grad()
            class Foo:
                pass
        assert ws[0].filename == __file__, T.__name__


# ---- r03: is_grads_batched with a wrongly shaped grad_output ----------------------------------
def test_batched_grad_output_shape_mismatch_message():
    def scenario(T):
        x = T.ones(2, 2, requires_grad=True)
        out = x.clone()
        x2 = T.ones(3, requires_grad=True)
        res = [_outcome(lambda: T.autograd.grad(out, (x,), (T.ones(2, 2),),
                                                is_grads_batched=True)),
               _outcome(lambda: T.autograd.grad(out, (x,), (T.ones(3, 2, 3),),
                                                is_grads_batched=True)),
               _outcome(lambda: T.autograd.grad(out, (x,), (T.ones(3),))),
               _outcome(lambda: T.autograd.grad(out, (x,), (T.ones(4, 2, 2),),
                                                is_grads_batched=True, retain_graph=True)),
               _outcome(lambda: T.autograd.grad((out, x2 * 2), (x, x2),
                                                (T.ones(5, 2, 2), T.ones(5, 2)),
                                                is_grads_batched=True))]
        edge = T.autograd.graph.get_gradient_edge(out)
        res.append(_outcome(lambda: T.autograd.grad(edge, (x,), (T.ones(3, 3),),
                                                    is_grads_batched=True)))
        res.append(_outcome(lambda: T.autograd.grad(edge, (x,), (T.ones(3, 3),))))
        return res
    out = _same(scenario)
    assert out[0][2].startswith("If `is_grads_batched=True`, we interpret the first dimension")


# ---- r04: calling a node with the wrong number of gradients -----------------------------------
def test_calling_a_node_checks_its_arguments():
    def scenario(T):
        class F(T.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * 2, b * 3

            @staticmethod
            def backward(ctx, g1, g2):
                return g1, g2
        x = T.ones(2, requires_grad=True)
        g = T.ones(2)
        y = x ** 2
        acc = (x * 1).grad_fn.next_functions[0][0]
        a, _ = x.unbind(0)
        f = F.apply(x, x)[0]
        v = x.clone()
        v[:1].mul_(2)  # (CopySlices)
        calls = [lambda: y.grad_fn(g, g), lambda: y.grad_fn(), lambda: y.grad_fn(g),
                 lambda: y.grad_fn(None), lambda: y.grad_fn(3), lambda: y.grad_fn(grad=g),
                 lambda: acc(), lambda: acc(g, g), lambda: acc(g),
                 lambda: a.grad_fn(), lambda: a.grad_fn(T.ones(())),
                 lambda: a.grad_fn(T.ones(()), T.ones(())),
                 lambda: f.grad_fn(), lambda: f.grad_fn(g, g),
                 lambda: v.grad_fn(), lambda: v.grad_fn(g, g), lambda: v.grad_fn(g)]
        return [_outcome(c) for c in calls] + [_plain(x.grad)]
    out = _same(scenario)
    assert out[0] == ("raised", "TypeError", "expected 1 arguments, got 2 instead")


# ---- r05: tensor hooks see None for an output that got no gradient ----------------------------
def test_tensor_hooks_are_called_with_none():
    def scenario(T):
        res = []
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        xs = x.unbind()
        calls = []
        xs[0].register_hook(lambda g: calls.append(_plain(g)))
        xs[0].backward()
        xs[1].backward()
        res += [calls, _plain(x.grad)]

        class F(T.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return g, None
        a = T.ones(2, requires_grad=True)
        b = T.ones(2, requires_grad=True)
        c = T.ones(2, requires_grad=True)
        bb = c * 1
        calls = []
        b.register_hook(lambda g: calls.append(_plain(g)))       # a leaf
        bb.register_hook(lambda g: calls.append(_plain(g)))      # a non-leaf
        F.apply(a, b).sum().backward()
        F.apply(a, bb).sum().backward()
        res += [calls, _plain(b.grad), _plain(c.grad)]
        # autograd.grad, captured and not
        for target in ("x", "xs1", "xs0"):
            x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
            xs = x.unbind()
            calls = []
            xs[0].register_hook(lambda g: calls.append(_plain(g)))
            inp = {"x": x, "xs1": xs[1], "xs0": xs[0]}[target]
            res += [_outcome(lambda: T.autograd.grad(xs[1], inp, allow_unused=True)), calls]
        # a hook may not replace a missing gradient; a non-tensor result is refused
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        xs = x.unbind()
        xs[0].register_hook(lambda g: T.ones(()))
        res.append(_outcome(lambda: xs[1].backward()))
        y = x * 2
        y.register_hook(lambda g: 3)
        res.append(_outcome(lambda: y.sum().backward()))
        x.register_hook(lambda g: "no")
        res.append(_outcome(lambda: (x * 2).sum().backward()))
        return res
    out = _same(scenario)
    assert out[0] == [("tensor", 1.0, ()), None]


# ---- r06: set_ gives a leaf a new AccumulateGrad -----------------------------------------------
def test_set_resets_the_grad_accumulator():
    def scenario(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        edge = T.autograd.graph.get_gradient_edge(x)
        out = x.clone()
        with T.no_grad():
            x.set_(T.tensor([5.0, 6.0]))
        res = [_outcome(lambda: T.autograd.grad(out.sum(), x, retain_graph=True)),
               _outcome(lambda: T.autograd.grad(out.sum(), edge, retain_graph=True)),
               T.autograd.graph.get_gradient_edge(x).node is edge.node,
               _outcome(lambda: T.autograd.grad((x * 2).sum(), x))]
        out.sum().backward()
        return res + [_plain(x.grad)]
    out = _same(scenario)
    assert "appears to not have been used in the graph" in out[0][2]


# ---- r07: GradientEdge as outputs of autograd.grad ---------------------------------------------
def test_gradient_edge_as_output():
    def scenario(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        tmp = x.sin().cos()
        edge = T.autograd.graph.get_gradient_edge(tmp)
        edge2 = T.autograd.graph.get_gradient_edge(x.sin().cos().sum())
        res = [_outcome(lambda: T.autograd.grad(edge, (x,))),
               _outcome(lambda: T.autograd.grad(edge2, (x,), retain_graph=True)),
               _outcome(lambda: T.autograd.grad(edge, (x,), T.tensor([1.0, 3.0]),
                                                retain_graph=True)),
               _outcome(lambda: T.autograd.grad(edge, (x,), T.ones(3))),
               _outcome(lambda: T.autograd.grad([edge2, tmp.sum()], (x,)))]
        return [(r[0], r[1] if r[0] == "raised" else _round(r[1]), r[2]) for r in res]
    out = _same(scenario)
    assert out[0] == ("raised", "RuntimeError",
                      "grad can be implicitly created only for scalar outputs")


def _round(p):
    tag, items = p
    return tag, [(t, [round(v, 5) for v in vals], s) for t, vals, s in items]


# ---- r08: create_graph through a once_differentiable backward ----------------------------------
def test_once_differentiable_graph():
    def scenario(T):
        class MyFunction(T.autograd.Function):
            @staticmethod
            def forward(ctx, t1, s, t2):
                ctx.s = s
                ctx.save_for_backward(t1, t2)
                return t1 + s * t2 + t1 * t2

            @staticmethod
            @T.autograd.function.once_differentiable
            def backward(ctx, g):
                t1, t2 = ctx.saved_tensors
                return g + g * t2, None, g * ctx.s + g * t1
        x = T.ones(2, 2, requires_grad=True)
        y = T.ones(2, 2, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            MyFunction.apply(x, 2, y).sum().backward(T.ones((), requires_grad=True),
                                                      create_graph=True)
        gx, gy = T.autograd.grad(MyFunction.apply(x, 2, y).sum(), (x, y),
                                 T.ones((), requires_grad=True), create_graph=True)
        fn = gx.grad_fn
        return [_graph_desc(x.grad.grad_fn), type(fn).__name__, fn.name(),
                gy.grad_fn is fn, gx.output_nr, gy.output_nr, gx.is_leaf,
                [m is None for m, _ in fn.next_functions],
                _outcome(lambda: gy.sum().backward())]
    out = _same(scenario)
    assert out[0] == "CopyBackwards(None, Error(AccumulateGrad(), None, AccumulateGrad()))"


# ---- r09: post-accumulate-grad hooks must return None ------------------------------------------
def test_post_accumulate_grad_hook_returning_a_value():
    def scenario(T):
        t = T.ones(2, 3, requires_grad=True)
        t.register_post_accumulate_grad_hook(lambda p: p.grad)
        u = T.ones(2, requires_grad=True)
        u.register_post_accumulate_grad_hook(lambda p: None)
        return [_outcome(lambda: t.sum().backward()), _outcome(lambda: u.sum().backward()),
                _plain(u.grad)]
    out = _same(scenario)
    assert out[0] == ("raised", "RuntimeError",
                      "Tensor post accumulate grad hooks should return None.")


# ---- r10: retain_grad survives the history rebase of an in-place op on a view ----------------
def test_retain_grad_moves_to_the_new_grad_fn():
    def scenario(T):
        res = []
        base = T.tensor([1.0], requires_grad=True).clone()
        view, view2 = base[:], base[:]
        view.retain_grad()
        view2.retain_grad()
        view.mul_(2)
        (view + view2).sum().backward()
        res += [_plain(view.grad), _plain(view2.grad), view.retains_grad, view2.retains_grad]
        # the base retains grad; a graph from before the in-place no longer fills it
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = a.clone()
        b.retain_grad()
        v = b[:1]
        y = b * 3
        v.mul_(2)
        y.sum().backward()
        res.append(_plain(b.grad))
        (b * 1).sum().backward()
        res.append(_plain(b.grad))
        # the view retains grad; same
        b = a.clone()
        v = b[:1]
        v.retain_grad()
        y = v * 3
        v.mul_(2)
        y.sum().backward()
        res.append(_plain(v.grad))
        (v * 1).sum().backward()
        res.append(_plain(v.grad))
        return res
    out = _same(scenario)
    assert out[:2] == [("tensor", [1.0], (1,))] * 2


# ---- r11/r12: saved_tensors_hooks entered or exited inside backward ----------------------------
def test_saved_tensors_hooks_extra_exit_during_backward():
    def scenario(T):
        def unpack(x):
            ctx_1.__exit__()
            return x
        ctx_1 = T.autograd.graph.saved_tensors_hooks(lambda x: x, unpack)
        ctx_2 = T.autograd.graph.saved_tensors_hooks(lambda x: x, lambda x: x)

        def run():
            for _ in range(3):
                with ctx_2:
                    ctx_1.__enter__()
                    x = T.ones(3, 3, requires_grad=True)
                    x.sin().sum().backward()
            for _ in range(3):
                ctx_1.__exit__()
            return "ok"
        return [_outcome(run), _outcome(ctx_1.__exit__)]
    out = _same(scenario)
    assert out[0][1] == "ok"


def test_saved_tensors_hooks_stack_is_restored_after_backward():
    def scenario(T):
        x = T.ones(2, requires_grad=True)
        calls = []
        outer = T.autograd.graph.saved_tensors_hooks(lambda t: (calls.append(1), t)[1],
                                                     lambda t: t)
        outer.__enter__()

        def unpack(t):
            outer.__exit__()
            return t
        with T.autograd.graph.saved_tensors_hooks(lambda t: t, unpack):
            y = x.sin()
        y.sum().backward()
        x.cos()
        outer.__exit__()
        x.cos()
        return calls
    assert _same(scenario) == [1]


def test_saved_tensors_hooks_unpack_hook_freed_after_scope():
    def scenario(T):
        def scope():
            def unpack(x):
                weak_ctx_1().__enter__()
                return x
            ctx_1 = T.autograd.graph.saved_tensors_hooks(lambda x: x, unpack)
            weak_ctx_1 = weakref.ref(ctx_1)
            x = T.ones(3, 3, requires_grad=True)
            with ctx_1:
                x.sin().sum().backward()
            return weakref.ref(unpack)
        was = gc.isenabled()
        gc.disable()
        try:
            return scope()() is None
        finally:
            if was:
                gc.enable()
    assert _same(scenario) is True


# ---- r13: deleting tensor attributes; _backward_hooks -----------------------------------------
def test_attribute_deletion():
    def scenario(T):
        x = T.ones(5, 5, requires_grad=True)
        y = x * 2
        i = T.ones(2, dtype=T.int64)
        return [_outcome(lambda: delattr(x, "grad")),
                _outcome(lambda: delattr(x, "data")),
                _outcome(lambda: setattr(x, "data", None)),
                _outcome(lambda: delattr(x, "requires_grad")),
                _outcome(lambda: setattr(x, "requires_grad", 1)),
                _outcome(lambda: setattr(y, "requires_grad", True)),
                _outcome(lambda: setattr(y, "requires_grad", False)),
                _outcome(lambda: setattr(i, "requires_grad", True)),
                _outcome(lambda: setattr(i, "requires_grad", False)),
                _outcome(lambda: delattr(x, "_backward_hooks")),
                x.requires_grad, _plain(x)]
    out = _same(scenario)
    assert out[1] == ("raised", "RuntimeError",
                      "Deleting tensor data is not allowed. Delete tensor instead!")


def test_backward_hooks_attribute():
    def scenario(T):
        x = T.ones(2, requires_grad=True)
        res = [x._backward_hooks]
        h = x.register_hook(lambda g: g * 2)
        d = x._backward_hooks
        res += [type(d).__name__, list(d.keys()) == [h.id]]
        y = x * 2
        res.append(y._backward_hooks)
        hy = y.register_hook(lambda g: g)
        res += [type(y._backward_hooks).__name__, list(y._backward_hooks) == [hy.id]]
        y.mul_(2)
        res.append(y._backward_hooks)  # (a new grad_fn)
        (x * 1).sum().backward()
        res.append(_plain(x.grad))
        x._backward_hooks = None
        x.grad = None
        (x * 1).sum().backward()
        res += [_plain(x.grad), x._backward_hooks]
        return res
    out = _same(scenario)
    assert out[:2] == [None, "OrderedDict"]


def test_backward_hooks_and_deleters_reach_torch_function():
    def scenario(T):
        log = []

        class Log(T.overrides.TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                owner = getattr(func, "__self__", None)
                name = [k for k, v in vars(T.Tensor).items() if v is owner] or \
                    [k for c in T.Tensor.__mro__ for k, v in vars(c).items() if v is owner]
                log.append((name[:1], getattr(func, "__name__", None)))
                return func(*args, **(kwargs or {}))
        x = T.ones(2, requires_grad=True)
        with Log():
            x._backward_hooks
            _outcome(lambda: delattr(x, "data"))
            _outcome(lambda: delattr(x, "_backward_hooks"))
        return log
    out = _same(scenario)
    assert out == [(["_backward_hooks"], "__get__"), (["data"], "__delete__"),
                   (["_backward_hooks"], "__delete__")]


# ---- r14: grad_dtype only on leaves -----------------------------------------------------------
def test_grad_dtype_only_on_leaves():
    def scenario(T):
        leaf = T.tensor([1.0, 2.0], requires_grad=True)
        non_leaf = leaf * 2

        def set_it():
            non_leaf.grad_dtype = T.float16
        return (_outcome(lambda: non_leaf.grad_dtype), _outcome(set_it),
                _outcome(lambda: str(leaf.grad_dtype)))
    _same(scenario)


# ---- r15: numpy() of a tensor that requires grad, under no_grad --------------------------------
def test_numpy_of_requires_grad_tensor_under_no_grad():
    def scenario(T):
        x = T.ones(2, requires_grad=True)

        def under_no_grad():
            with T.no_grad():
                return x.numpy().tolist(), x[1:].numpy().tolist()
        return _outcome(lambda: x.numpy()), _outcome(under_no_grad)
    _same(scenario)


# ---- r16: out= refused when the output requires grad -------------------------------------------
def test_out_variant_refused_when_out_requires_grad():
    def scenario(T):
        out = T.zeros(2, 2, requires_grad=True)

        def no_grad_ok():
            with T.no_grad():
                return T.mul(T.ones(2, 2), T.ones(2, 2), out=T.zeros(2, 2, requires_grad=True))
        return (_outcome(lambda: T.mul(T.ones(2, 2), T.ones(2, 2), out=out)),
                _outcome(lambda: T.sum(T.ones(2), 0, out=T.zeros((), requires_grad=True))),
                _outcome(no_grad_ok))
    _same(scenario)


# ---- r17/r18: anomaly mode reports every error out of a node -----------------------------------
def test_anomaly_warning_as_error_keeps_the_real_error():
    import contextlib
    import io

    def scenario(T):
        err = io.StringIO()
        with warnings.catch_warnings(record=True), contextlib.redirect_stderr(err):
            with T.autograd.detect_anomaly():
                warnings.simplefilter("error")
                a = T.ones(5, requires_grad=True)
                d1 = a + 1
                d2 = d1 ** 2
                d1 += 1
                try:
                    T.autograd.grad(d2.sum(), a)
                    r = None
                except Exception as e:  # noqa: BLE001
                    r = ("raised", type(e).__name__)
        return r, "UserWarning: Error detected in PowBackward0" in err.getvalue()
    assert _same(scenario) == (("raised", "RuntimeError"), True)


def test_anomaly_nan_check_is_reported_as_an_error_in_the_node():
    def scenario(T):
        class F(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2.0

            @staticmethod
            def backward(ctx, g):
                return g * float("nan")
        x = T.ones(3, requires_grad=True)
        y = F.apply(x).sum()  # (recorded outside anomaly mode: no forward trace)
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            with T.autograd.detect_anomaly():
                try:
                    y.backward()
                    r = None
                except RuntimeError as e:
                    r = str(e)
        return r, [str(w.message).splitlines()[0].split(" (Triggered internally")[0]
                   for w in ws]
    k = _same(scenario)
    assert any("Error detected in FBackward" in m for m in k[1])


def test_anomaly_trace_ends_at_the_users_call():
    def scenario(T):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with T.autograd.detect_anomaly():
                y = T.ones(2, requires_grad=True).exp()
        trace = y.grad_fn.metadata["traceback_"]
        return trace[-1].split(",")[0], "y = T.ones(2" in trace[-1]
    assert _same(scenario)[1]


# ---- r19: gradcheck's reentrancy check ---------------------------------------------------------
@pytest.mark.parametrize("fast_mode", [True, False])
@pytest.mark.parametrize("nondet_tol", [0.0, 1e-5])
def test_gradcheck_detects_a_backward_that_is_not_reentrant(fast_mode, nondet_tol):
    def scenario(T):
        calls = [0]

        class NonDet(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                calls[0] += 1
                return g * (1 + 1e-6 * calls[0])
        x = T.ones(3, dtype=T.float64, requires_grad=True)
        return _outcome(lambda: T.autograd.gradcheck(NonDet.apply, (x,), fast_mode=fast_mode,
                                                     nondet_tol=nondet_tol))
    _same(scenario)


# ---- NumPy's floating-point warnings --------------------------------------------------------
def test_inf_and_nan_under_warnings_as_errors():
    # (forward fast paths rely on kindling's warning filter; as errors, they recompute silently)
    def scenario(T):
        x = T.ones(3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            r = [(x / 0).tolist(), T.log(T.zeros(2)).tolist(),
                 ((x - float("inf")) - float("-inf")).tolist(),
                 (T.ones(2, dtype=T.float16) / 0).tolist(), T.exp(T.tensor([1000.0])).tolist()]
            y = x.clone()
            y[0] /= 0
            y.div_(0)
            r.append(y.tolist())
        return repr(r)  # (repr: nan != nan)
    _same(scenario)


def test_backward_is_silent_under_any_warnings_filter():
    def scenario(T):
        x = T.tensor([0.0, 1.0, -1.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # (the forward's own NumPy warnings)
                y = (x.log() + x.sqrt() + 1 / x).sum()
            y.backward()
        return repr(x.grad.tolist()), [str(w.message) for w in ws]
    assert _same(scenario)[1] == []


# ---- engine introspection and torch._C._functions ----------------------------------------------
def test_current_node_task_id_and_will_execute():
    def scenario(T):
        a = T.ones(2, requires_grad=True)
        b = T.ones(2, requires_grad=True)
        y, z = a * 2, b * 3
        out = (y + z).sum()
        seen = []

        def hook(g):
            seen.append((type(T._C._current_autograd_node()).__name__,
                         T._C._current_graph_task_id() >= 0,
                         T._C._will_engine_execute_node(y.grad_fn),
                         T._C._will_engine_execute_node(z.grad_fn),
                         _outcome(lambda: T._C._will_engine_execute_node(a.grad_fn))[:2]))
        y.register_hook(hook)
        T.autograd.grad(out, a)
        outside = (T._C._current_autograd_node(), T._C._current_graph_task_id(),
                   _outcome(lambda: T._C._will_engine_execute_node(y.grad_fn)))

        class F(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                seen.append(type(T._C._current_autograd_node()).__name__)
                return g
        F.apply(a).sum().backward()
        return seen, outside
    _same(scenario)


def test_undefined_grad_and_delayed_error():
    def scenario(T):
        F = T._C._functions
        a = T.ones(2, requires_grad=True)
        u = F.UndefinedGrad()(a * 1)
        u.sum().backward()
        d = F.DelayedError("Boom!", 1)(a)
        pair = F.DelayedError("Boom!", 2)(a, None)
        return (u.grad_fn.name(), type(u.grad_fn.next_functions[0][0]).__name__, a.grad,
                F.UndefinedGrad()(T.ones(2)).requires_grad, d.grad_fn.name(),
                pair[1], type(pair[0].grad_fn).__name__,
                _outcome(lambda: d.sum().backward())[:3],
                _outcome(lambda: F.DelayedError("Boom!", 2)(a))[:3],
                _outcome(lambda: F.UndefinedGrad()(3))[:3],
                type(a.sum().grad_fn.next_functions[0][0]) is F.AccumulateGrad,
                type(a.mul(2).grad_fn) is F.MulBackward0)
    _same(scenario)


def test_calculate_shape_and_legacy_profiler_names():
    def scenario(T):
        a = T.ones(2, 3, requires_grad=True)
        e = T.autograd.graph.get_gradient_edge(a * 2)
        from importlib import import_module
        prof = import_module(T.__name__ + ".autograd.profiler")
        with prof.profile() as p:
            with prof.record_function("blk"):
                T.ones(2) + 1
        names = {ev.name for ev in p.function_events}
        return (T.autograd._calculate_shape(T.ones(2, 3), T.ones(4, 3), True),
                T.autograd._calculate_shape(e, T.ones(2, 3), False), "blk" in names)
    _same(scenario)


# ---- the engine's final callbacks ---------------------------------------------------------------
@pytest.mark.parametrize("depths", [[0], [1], [0, 1]])
def test_queue_callback_runs_once_per_graph_task(depths):
    def scenario(T):
        E = T.autograd.Variable._execution_engine
        outside = _outcome(lambda: E.queue_callback(lambda: None))[:3]
        counter = {"inner": 0, "outer": 0, "chained": 0}

        class Inner(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                if 1 in depths:
                    E.queue_callback(lambda: counter.__setitem__("inner", counter["inner"] + 1))
                return g

        class Outer(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                if 0 in depths:
                    def cb():
                        counter["outer"] += 1
                        E.queue_callback(lambda: counter.__setitem__("chained", 1))
                    E.queue_callback(cb)
                x = g.detach().requires_grad_()
                with T.enable_grad():
                    Inner.apply(x).sum().backward()
                return g
        Outer.apply(T.ones(2, requires_grad=True)).sum().backward()
        return outside, counter, E.is_checkpoint_valid()
    _same(scenario)


# ---- in-place op with a requires-grad operand on a view of a base that does not require grad --
def test_inplace_on_view_of_no_grad_base_makes_base_require_grad():
    def scenario(T):
        a = T.tensor([2.0, 5.0, 7.0])
        b = T.tensor([3.0], requires_grad=True)
        v = a.narrow(0, 1, 1)
        res = v.mul_(b)
        flags = (res.requires_grad, a.requires_grad, type(a.grad_fn).__name__, a.is_leaf)
        (res.sum() + a.sum() * 2).backward()
        # a view of a view of such a base
        c = T.tensor([2.0, 5.0, 7.0])
        w = c[1:][:1]
        w.mul_(b)
        (c[1:].sum() * 2).backward()
        return flags, _plain(b.grad)

    _same(scenario)


def test_inplace_on_view_of_no_grad_base_gradcheck():
    def scenario(T):
        a = T.arange(16, dtype=T.double).reshape(4, 4) * 0.3 - 1
        b = (T.arange(8, dtype=T.double).reshape(4, 2) * 0.7 - 2).requires_grad_()

        def func(root, b):
            x = root.clone()
            x.narrow(1, 2, 2).mul_(b)
            return x
        go = (T.arange(16, dtype=T.double).reshape(4, 4) * 0.1).requires_grad_()
        return (T.autograd.gradcheck(func, [a, b]), T.autograd.gradgradcheck(func, (a, b), (go,)))

    assert _same(scenario) == (True, True)


def test_grad_assignment_checks():
    def scenario(T):
        x = T.ones(5, 5)
        return [_outcome(lambda g=g: setattr(x, "grad", g))[:3]
                for g in (0, T.ones(2, 2), T.ones(5, 5, dtype=T.long), x,
                          T.ones(5, 5, dtype=T.double))]

    _same(scenario)


# ---- r20: custom Function view/in-place checks -----------------------------------------------
def test_custom_function_view_and_mark_dirty_checks():
    def scenario(T):
        class ViewFn(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.view_as(x)

            @staticmethod
            def backward(ctx, g):
                return g

        class Dirty(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        def bad(make_out):
            class Bad(T.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    out = make_out(x)
                    ctx.mark_dirty(out)
                    return out

                @staticmethod
                def backward(ctx, g):
                    return g
            return Bad

        b = T.tensor([0.5], requires_grad=True)

        def inplace_on_view_out():
            v = ViewFn.apply(T.tensor([[0.3, 0.7]]))
            v += b

        def nograd_view_of_leaf():
            a = T.ones(2, requires_grad=True)
            with T.no_grad():
                v = a[:]
            return Dirty.apply(v)

        res = []
        for f in (inplace_on_view_out,
                  lambda: Dirty.apply(T.ones(2, requires_grad=True).view_as(T.ones(2))),
                  lambda: Dirty.apply(T.ones(2, requires_grad=True)[:].view(2)),
                  nograd_view_of_leaf,
                  lambda: Dirty.apply(T.ones(2, requires_grad=True).clone()[:]).grad_fn.name(),
                  lambda: bad(lambda x: x.clone().view_as(x)).apply(
                      T.ones(1, requires_grad=True).clone()),
                  lambda: bad(lambda x: x[:]).apply(T.ones(1, requires_grad=True).clone()),
                  lambda: bad(lambda x: x.clone()).apply(T.ones(1, requires_grad=True)).shape[0],
                  lambda: bad(lambda x: x.clone().view_as(x)).apply(T.ones(1)).requires_grad):
            o = _outcome(f)
            if o[0] == "returned":  # (PyTorch's warning texts add "Triggered internally at")
                o = o[:2] + ([(c, m.split(" (Triggered internally")[0]) for c, m in o[2]],)
            res.append(o)
        return res

    _same(scenario)


def test_custom_function_view_outputs_creation_meta():
    def scenario(T):
        class G(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x[:2]
                ctx.mark_non_differentiable(y)
                return y, x[1:], x[2:]

            @staticmethod
            def backward(ctx, g1, g2, g3):
                return None
        res = []
        for i in range(3):
            outs = G.apply(T.ones(3, requires_grad=True).clone())
            res.append(_outcome(lambda: outs[i].mul_(2))[:3])
        return res

    _same(scenario)


# ---- r21: custom Function jvp output checks --------------------------------------------------
def test_custom_function_jvp_checks():
    def scenario(T):
        fwAD = T.autograd.forward_ad

        def fn(forward, jvp, mark=None):
            class F(T.autograd.Function):
                @staticmethod
                def forward(ctx, *args):
                    return forward(ctx, *args)

                @staticmethod
                def jvp(ctx, *ts):
                    return jvp(ctx, *ts)

                @staticmethod
                def vjp(ctx, *gs):
                    return gs
            return F

        def dirty_fwd(ctx, x):
            ctx.mark_dirty(x)
            return x.mul_(2)

        def nondiff_fwd(ctx, x, y):
            out = y.clone()
            ctx.mark_non_differentiable(out)
            return x.clone(), out

        cases = [
            (fn(lambda ctx, x: x, lambda ctx, t: t * 2), 1),
            (fn(lambda ctx, x: x, lambda ctx, t: t.view_as(t)), 1),
            (fn(dirty_fwd, lambda ctx, t: 2 * t), 1),
            (fn(dirty_fwd, lambda ctx, t: t.mul_(2)), 1),
            (fn(dirty_fwd, lambda ctx, t: t.mul_(2).view_as(t)), 1),
            (fn(nondiff_fwd, lambda ctx, xt, yt: (xt, xt.clone())), 2),
            (fn(nondiff_fwd, lambda ctx, xt, yt: (xt, None)), 2),
            (fn(lambda ctx, x: x.narrow(0, 0, 1), lambda ctx, t: t.narrow(0, 0, 1).clone()), 1),
            (fn(lambda ctx, x: x.narrow(0, 0, 1),
                lambda ctx, t: t.narrow(0, 0, 1).clone().view_as(t[:1])), 1),
            (fn(lambda ctx, x: x.narrow(0, 0, 1), lambda ctx, t: t.narrow(0, 0, 1)), 1),
            (fn(lambda ctx, x: (x.clone(), object(), x.clone()),
                lambda ctx, t: (t, None, t)), 1),
        ]
        res = []
        for F, nargs in cases:
            with fwAD.dual_level():
                t = T.tensor([1.0, 1.0])
                d = fwAD.make_dual(T.tensor([1.0, 2.0]), t)
                args = (d,) if nargs == 1 else (d, T.tensor([3.0, 4.0]))

                def run():
                    out = F.apply(*args)
                    outs = out if isinstance(out, tuple) else (out,)
                    return [fwAD.unpack_dual(o).tangent if isinstance(o, (kindling.Tensor,
                            torch.Tensor)) else None for o in outs]
                res.append(_outcome(run)[:3])
        return res

    _same(scenario)


def test_custom_function_jvp_sees_only_tensors_saved_for_forward():
    def scenario(T):
        fwAD = T.autograd.forward_ad
        seen = []

        class F(T.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                ctx.save_for_backward(x)
                return x.clone()

            @staticmethod
            def jvp(ctx, xt, yt):
                seen.append((len(ctx.saved_tensors), yt))
                return xt

            @staticmethod
            def vjp(ctx, g):
                return g, None

        with fwAD.dual_level():
            F.apply(fwAD.make_dual(T.ones(2), T.ones(2)), T.tensor([3]))
        return seen

    _same(scenario)


# ---- r24: saved-tensor hooks -----------------------------------------------------------------
def test_pack_hook_modifying_its_input_in_place():
    def scenario(T):
        def inc(x):
            x += 1
            return x
        a = T.tensor([0.1, -0.4, 1.2], requires_grad=True)

        def under_hooks():
            with T.autograd.graph.saved_tensors_hooks(inc, lambda x: x):
                T.exp(a)
        y = T.exp(a)
        return (_outcome(under_hooks)[:3],
                _outcome(lambda: y.grad_fn._raw_saved_result.register_hooks(inc, lambda x: x))[:3],
                a.tolist())

    _same(scenario)


def test_saved_tensor_hooks_active_only_in_forward_double_backward():
    def scenario(T):
        with T.autograd.graph.saved_tensors_hooks(lambda x: 2 * x, lambda x: x):
            c = T.ones(3, requires_grad=True)
            s = (c ** 3).sum()
        (g,) = T.autograd.grad(s, (c,), create_graph=True)
        g.sum().backward()
        # non-leaf saved input, hooks registered on the raw saved tensor
        a = T.ones(3, requires_grad=True)
        b = a * 1
        y = b ** 3
        y.grad_fn._raw_saved_self.register_hooks(lambda x: 2 * x, lambda x: x)
        (g2,) = T.autograd.grad(y.sum(), (b,), create_graph=True)
        g2.sum().backward()
        return _plain([g, c.grad, g2, a.grad]), y.grad_fn._saved_self.grad_fn is b.grad_fn

    _same(scenario)


def test_custom_function_clear_saved_tensors_on_access_frees_input():
    def scenario(T):
        refs = []

        class MyFn(T.autograd.Function):
            clear_saved_tensors_on_access = True

            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                refs.append(weakref.ref(x))
                del x
                return g
        y = MyFn.apply(T.ones(3, requires_grad=True).clone())
        y.sum().backward()
        return refs[0]() is None, y.grad_fn.to_save

    assert _same(scenario) == (True, None)


def test_saved_input_detached_in_place():
    """A saved input that had history, detached in place: its backward use is refused
    (before the version check), a saved output or leaf is fine, the user-visible version does
    not move, and other readers (``_saved_self``, custom Functions, hooks) get the tensor."""
    def scenario(T):
        out = []

        def run(make, after=lambda a: None):
            a = T.tensor([1.0, 2.0], requires_grad=True).clone()
            b = make(a)
            a.detach_()
            after(a)
            return _outcome(lambda: b.sum().backward())[:2], a._version
        out.append(run(lambda a: a.sin()))
        out.append(run(lambda a: a.exp()))  # saved as output only
        out.append(run(lambda a: a.sin(), lambda a: a.add_(1)))  # detach reported first
        out.append(run(lambda a: a * a))
        # the error text and the property (PyTorch's getter passes the node: no error)
        a = T.tensor([1.0, 2.0], requires_grad=True).clone()
        b = a * a
        a.detach_()
        out.append((_outcome(lambda: b.grad_fn._saved_self), a._version))
        out.append(_outcome(lambda: b.sum().backward()))
        # a leaf detached in place after being saved
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x.sin()
        x.detach_()
        out.append(_outcome(lambda: y.sum().backward()))
        # leaf when saved, given history by an in-place op, then detached: a version error
        x = T.tensor([2.0])
        w = T.tensor([3.0], requires_grad=True)
        y = w * x
        x.add_(w)
        x.detach_()
        out.append((_outcome(lambda: y.backward()), x._version))
        # version counts after detach_ and later in-place ops; saved afterwards works
        a = T.tensor([1.0, 2.0], requires_grad=True).clone()
        v = a[0]
        b = v.sin()
        a.detach_()
        a.mul_(2)
        out.append((a._version, v._version, _outcome(lambda: b.backward())[:2]))

        class F(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * x
        w = T.tensor([1.0, 2.0], requires_grad=True)
        a = w.clone()
        b = F.apply(a)
        a.detach_()
        out.append((_outcome(lambda: b.sum().backward()), _plain(w.grad)))
        with T.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            a = w.clone()
            b = a.sin()
        a.detach_()
        out.append(_outcome(lambda: b.sum().backward())[:2])
        return _plain(out)

    _same(scenario)


# ---- r22: gradcheck's own checks -------------------------------------------------------------
@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_argument_output_and_undefined_grad_checks(fast_mode):
    def scenario(T):
        gc = T.autograd.gradcheck
        x = T.tensor([0.3, 0.6], dtype=T.double, requires_grad=True)
        a = T.ones(1, dtype=T.double, requires_grad=True)

        def undefined_fails(t):
            y = t.clone()

            def hook(g):
                if g is None:
                    raise RuntimeError("x is undefined")
            y.register_hook(hook)
            return y
        res = [_outcome(lambda: gc(lambda t: t * 2, (x,), check_forward_ad=False,
                                   check_backward_ad=False, fast_mode=fast_mode))[:3],
               _outcome(lambda: gc(lambda t: T.cat([t, t]) if bool((t >= 1).all()) else t,
                                   (a,), fast_mode=fast_mode))[:3],
               _outcome(lambda: gc(lambda t: t.to(T.float32) if bool((t >= 1).all()) else t,
                                   (a,), fast_mode=fast_mode))[:3]]
        r = _outcome(lambda: gc(undefined_fails, (a,), fast_mode=fast_mode))
        res.append((r[0], r[1]))
        r = _outcome(lambda: gc(undefined_fails, (a,), raise_exception=False,
                                fast_mode=fast_mode))
        res.append((r[1], [c for c, m in r[2]]))
        return res

    _same(scenario)


# ---- r26: in-place on a view whose dtype differs from its base's ------------------------------
def test_inplace_on_cross_dtype_view():
    def scenario(T):
        def run():
            a0 = T.tensor([[1 + 1j, 2 + 0j], [0 + 3j, 4 - 1j]], dtype=T.complex64,
                          requires_grad=True)
            a = a0.clone()
            b = T.view_as_real(a).transpose(0, 1)
            b += 1
            names = [type(b.grad_fn).__name__, b.grad_fn.next_functions[0][0].name()]
            b.backward(T.arange(0, 8, dtype=T.float).view(2, 2, 2))
            g1 = T.view_as_real(a0.grad)
            # real base, complex view (view_as_complex), and imag of a complex clone
            x = T.tensor([[0.3, -1.0, 2.0, 0.5], [1.0, 2.0, -3.0, 0.25]], dtype=T.float64,
                         requires_grad=True)
            c = T.view_as_complex(x.clone().view(2, 2, 2))
            c[1] *= 2
            c.abs().sum().backward()
            z = T.tensor([[1 + 2j, 3 - 1j], [2, -1 - 1j]], dtype=T.complex128,
                         requires_grad=True)
            w = z.clone()
            im = w.imag
            im.mul_(3)
            names.append(im.grad_fn.next_functions[0][0].name())
            T.view_as_real(w).pow(2).sum().backward()
            return (names, g1, [round(v, 9) for row in x.grad.tolist() for v in row],
                    T.view_as_real(z.grad))
        return _outcome(run)
    _same(scenario)


# ---- c? items of REPORT3 ----------------------------------------------------------------------
def test_delayed_error_and_undefined_grad_are_node_subclasses():
    def scenario(T):
        Node = T.autograd.graph.Node
        return (issubclass(T._C._functions.DelayedError, Node),
                issubclass(T._C._functions.UndefinedGrad, Node),
                isinstance(T._C._functions.DelayedError("x", 1), Node))
    _same(scenario)


def test_will_engine_execute_node_checks():
    def scenario(T):
        res = []
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = a * 2
        out = b.sum()
        leaf = b.grad_fn.next_functions[0][0]

        def hook(g):
            res.append(_outcome(lambda: T._C._will_engine_execute_node(b.grad_fn)))
            res.append(_outcome(lambda: T._C._will_engine_execute_node(leaf)))
        b.register_hook(hook)
        T.autograd.grad(out, (b,), retain_graph=True)
        T.autograd.grad(out, (a,), retain_graph=True)
        out.backward()
        for x in (out, out.grad_fn, 3):
            res.append(_outcome(lambda: T._C._will_engine_execute_node(x)))
        return res
    _same(scenario)


def test_post_hook_registered_during_unpack_hook_runs():
    def scenario(T):
        a = T.tensor([[1.0, 2, 3], [4, 5, 7], [0, 1, 1]], requires_grad=True)
        calls = []

        def unpack(t):
            def hook(outputs, inputs):
                calls.append(len(inputs))
                return tuple(o / 2.0 if o is not None else None for o in outputs)
            T._C._current_autograd_node().register_hook(hook)
            return t
        with T.autograd.graph.saved_tensors_hooks(lambda t: t, unpack):
            var, mean = T.var_mean(a, dim=0)
            (var + mean).sum().backward()
        return _plain((a.grad, calls))
    _same(scenario)


def test_increment_version_skips_inference_tensors():
    def scenario(T):
        with T.inference_mode():
            a = T.ones(2)
            T.autograd.graph.increment_version(a)
        b = T.ones(2)
        v = b._version
        T.autograd.graph.increment_version([a, b])
        return b._version - v
    _same(scenario)


def test_custom_function_input_returned_as_is_keeps_torch_function_subclass():
    def scenario(T):
        class Custom(T.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                out = super().__torch_function__(func, types, args, kwargs or {})
                return out

        class Fn(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g
        x = T.ones(2).as_subclass(Custom)
        y = Fn.apply(x)
        return type(y).__name__, y is x
    _same(scenario)


def test_custom_function_saving_mutated_view_makes_no_cycle():
    def scenario(T):
        class Test(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_dirty(x)
                ctx.save_for_backward(x)
                return x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 2

        def scope():
            x = T.tensor(1.0, requires_grad=True).clone().view_as(T.ones(()))
            Test.apply(x)
            return weakref.ref(x)
        gc.disable()
        try:
            ref = scope()
            alive = ref() is not None
        finally:
            gc.enable()
        a = T.tensor([1.0, 2.0], requires_grad=True)
        y = Test.apply(a.clone().view_as(a))
        (y * 3).sum().backward()
        return _plain((alive, a.grad, y._base.grad_fn.next_functions[0][0].name()))
    _same(scenario)


def test_mark_dirty_on_a_multi_output_view_reports_the_view_error_first():
    def scenario(T):
        class Func(T.autograd.Function):
            @staticmethod
            def forward(ctx, inp):
                inp.add_(1)
                ctx.mark_dirty(inp)
                return inp

            @staticmethod
            def backward(ctx, g):
                return g
        leaf = T.tensor([1.0, 2.0], requires_grad=True)
        nonleaf = T.tensor([1.0, 2.0], requires_grad=True).clone()
        return (_outcome(lambda: Func.apply(leaf.split_with_sizes([1, 1], dim=0)[0]))[:3],
                _outcome(lambda: Func.apply(leaf[:1]))[:3],
                _outcome(lambda: Func.apply(nonleaf.split_with_sizes([1, 1], dim=0)[0]))[:3])
    _same(scenario)



@pytest.mark.parametrize("which", ["self", "mat2", "both"])
@pytest.mark.parametrize("op", ["mm", "addmm"])
def test_saved_strides_only_for_inputs_that_need_a_gradient(which, op):
    """torchgen saves ``<arg>_sym_strides`` through ``strides_or_error``: ``()`` for an input
    that does not require grad; sizes are saved whatever."""
    def run(T):
        # (a column-major first matrix: its strides are not the contiguous ones)
        a = T.ones(4, 2).t().requires_grad_(which != "mat2")
        b = T.ones(4, 5).requires_grad_(which != "self")
        n = (T.mm(a, b) if op == "mm" else T.addmm(T.zeros(5), a, b)).grad_fn
        return {k: tuple(getattr(n, k)) for k in dir(n)
                if k.startswith("_saved_") and ("sizes" in k or "strides" in k)}
    assert run(kindling) == run(torch)
