"""Autograd engine and graph APIs, run on kindling and on PyTorch with outcomes compared:
deep reentrant backward, ``_grad_fn`` deletion, ``torch._C._WeakTensorRef``, saved-tensor
objects (``torch._C._autograd.SavedTensor``) and the hooks switches, engine introspection
(``_get_current_graph_task_keep_graph``, ``_current_graph_task_execution_order``), the
multithreading/view-replay/version-counter context managers, view replay itself, grad_dtype,
nested anomaly reports, ``Resize``, ``resize_`` versions and inference-mode views."""
import gc
import threading
import warnings

import pytest

import kindling
from _parity import call_outcome

torch = pytest.importorskip("torch")

LIBS = (kindling, torch)


def _plain(r):
    """Tensors as nested lists with dtype and shape; containers recursively."""
    if isinstance(r, (kindling.Tensor, torch.Tensor)):
        return ("tensor", str(r.dtype).split(".")[-1], tuple(r.shape), r.tolist())
    if isinstance(r, (tuple, list)):
        return type(r).__name__, [_plain(x) for x in r]
    if isinstance(r, dict):
        return {k: _plain(v) for k, v in r.items()}
    if isinstance(r, (kindling.dtype, torch.dtype)):
        return str(r).split(".")[-1]
    return r


def _outcome(fn):
    return call_outcome(fn, _plain)


def _same(scenario):
    k, t = scenario(kindling), scenario(torch)
    assert k == t
    return k


def _deep_fn(T, record=None):
    class Deep(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            with T.enable_grad():
                ctx.x = x.detach().requires_grad_(True) - 1
            return ctx.x.detach()

        @staticmethod
        def backward(ctx, g):
            if record is not None:
                record.append(T.is_grad_enabled())
            if ctx.x < 0:
                return g
            with T.enable_grad():
                Deep.apply(ctx.x).sum().backward()
            return g
    return Deep


# ---- deep reentrant backward -------------------------------------------------------------------
def test_deep_reentrant_backward_does_not_overflow_the_stack():
    def scenario(T):
        out = []
        for n in (2000.0, 200.0):  # (the second reuses the escape machinery)
            v = T.tensor(n, requires_grad=True)
            _deep_fn(T).apply(v).sum().backward()
            out.append(_plain(v.grad))
        return out
    _same(scenario)


def test_deep_reentrant_backward_keeps_the_callers_state_and_errors():
    def scenario(T):
        modes = []
        v = T.tensor(300.0, requires_grad=True)
        _deep_fn(T, modes).apply(v).sum().backward()

        class Fail(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                with T.enable_grad():
                    ctx.x = x.detach().requires_grad_(True) - 1
                return ctx.x.detach()

            @staticmethod
            def backward(ctx, g):
                if ctx.x < 0:
                    raise ValueError("deep failure")
                with T.enable_grad():
                    Fail.apply(ctx.x).sum().backward()
                return g
        w = T.tensor(300.0, requires_grad=True)
        err = _outcome(lambda: Fail.apply(w).sum().backward())
        # the deepest backward saw the grad mode its caller set, and the error came back
        return sorted(set(modes)), len(modes), err, T.is_grad_enabled()
    out = _same(scenario)
    assert out[2][:2] == ("raised", "ValueError")


def test_reentrant_backward_at_depth_runs_saved_tensor_hooks_of_its_caller():
    def scenario(T):
        seen = []

        class Deep(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                with T.enable_grad():
                    ctx.x = x.detach().requires_grad_(True) - 1
                return ctx.x.detach()

            @staticmethod
            def backward(ctx, g):
                if ctx.x < 0:
                    return g
                with T.enable_grad():
                    with T.autograd.graph.saved_tensors_hooks(
                            lambda t: (seen.append(1), t)[1], lambda t: t):
                        y = ctx.x * ctx.x
                    y.sum().backward()
                    Deep.apply(ctx.x).sum().backward()
                return g
        v = T.tensor(150.0, requires_grad=True)
        Deep.apply(v).sum().backward()
        return len(seen), _plain(v.grad)
    _same(scenario)


# ---- _grad_fn ----------------------------------------------------------------------------------
def test_grad_fn_attribute_deletion_and_assignment():
    def scenario(T):
        x = T.ones(2, 2, requires_grad=True)
        y = x * 2
        res = [_outcome(lambda: delattr(x, "_grad_fn")), _outcome(lambda: delattr(y, "_grad_fn")),
               _outcome(lambda: setattr(y, "_grad_fn", x.clone().grad_fn)),
               type(y._grad_fn).__name__, y._grad_fn is y.grad_fn,
               _outcome(lambda: delattr(x, "grad")), _outcome(lambda: delattr(x, "data")),
               _outcome(lambda: setattr(x, "data", None)),
               _outcome(lambda: delattr(x, "requires_grad")),
               _outcome(lambda: delattr(x, "_backward_hooks"))]
        y._grad_fn = None  # (detaches in place)
        res += [y.grad_fn, y.requires_grad, y.is_leaf]
        v = x.clone()[:1]
        res.append(_outcome(lambda: setattr(v, "_grad_fn", None)))
        return res
    out = _same(scenario)
    assert out[0][1] == "RuntimeError"


def test_grad_fn_attribute_reads_regenerated_view_history():
    def scenario(T):
        x = T.ones(3, requires_grad=True).clone()
        v = x[:2]
        x.mul_(2)
        return type(v._grad_fn).__name__, v._grad_fn is v.grad_fn
    _same(scenario)


# ---- _WeakTensorRef ----------------------------------------------------------------------------
def test_weak_tensor_ref_expires_with_the_tensor():
    def scenario(T):
        x = T.ones(5, 5, requires_grad=True)

        def run():
            y = x * 2
            y.retain_grad()
            return y / 2, T._C._WeakTensorRef(y)
        z, ref = run()
        res = [ref.expired()]
        z.sum().backward()

        class MyFn(T.autograd.Function):
            @staticmethod
            def forward(ctx, x, metadata):
                x = x.clone()
                ctx.meta = metadata
                ctx.save_for_backward(x)
                return x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * x, None

        def refs(with_backward):
            a = T.tensor(3.14, requires_grad=True)
            metadata = {}
            out = MyFn.apply(a, metadata)
            metadata["foo"] = out  # (a reference cycle through the node)
            if with_backward:
                out.sum().backward()
            return T._C._WeakTensorRef(out)
        for wb in (False, True):
            gc.disable()
            try:
                r = refs(wb)
                res.append(r.expired())
            finally:
                gc.enable()
            gc.collect()
            res.append(r.expired())
        return res
    assert _same(scenario) == [True, False, True, False, True]


# ---- saved tensors -----------------------------------------------------------------------------
def test_saved_tensor_objects():
    def scenario(T):
        a = T.ones(1, requires_grad=True)
        b = T.zeros(1, requires_grad=True)
        out2 = (a * 2) * b
        raw = out2.grad_fn._raw_saved_self
        res = [isinstance(raw, T._C._autograd.SavedTensor),
               T.autograd.SavedTensor is T._C._autograd.SavedTensor,
               _outcome(lambda: T.autograd.SavedTensor())]
        raw.register_hooks(lambda x: x, lambda x: x)
        res.append(_outcome(lambda: raw.register_hooks(lambda x: x, lambda x: x)))
        out2.sum().backward()
        res += [_outcome(lambda: out2.grad_fn._saved_self),
                _outcome(lambda: raw.register_hooks(lambda x: x, lambda x: x)),
                raw.data, raw.unpack_hook]
        m = T.ones(2, 2, requires_grad=True)
        picked = m[:, T.tensor([0, 1])]  # (kept alive: PyTorch's SavedTensors die with it)
        idx = picked.grad_fn._raw_saved_indices
        res += [[isinstance(s, T._C._autograd.SavedTensor) for s in idx],
                _outcome(lambda: idx[0].register_hooks(lambda x: x, lambda x: x)),
                _outcome(lambda: idx[1].register_hooks(lambda x: x, lambda x: x))]
        return res
    out = _same(scenario)
    assert out[2][1] == "RuntimeError"


def _strip_addresses(outcome):
    import re
    return re.sub(r"0x[0-9a-f]+", "0x", str(outcome))


def test_saved_tensor_register_hooks_type_errors_match():
    def scenario(T):
        a = T.ones(1, requires_grad=True)
        sq = a * a
        raw = sq.grad_fn._raw_saved_self
        return [_strip_addresses(_outcome(lambda: raw.register_hooks(lambda x: x))),
                _strip_addresses(_outcome(lambda: raw.register_hooks(1, 1)))]
    out = _same(scenario)
    assert "incompatible function arguments" in out[0]


def test_saved_tensor_data_and_unpack_hook():
    def scenario(T):
        def pack(t):
            return t

        def unpack(t):
            return t
        a = T.tensor(2.0, requires_grad=True)
        with T.autograd.graph.saved_tensors_hooks(pack, unpack):
            b = a ** 2
        c = b.exp()
        d = c ** 2
        pow_sv, exp_sv = b.grad_fn._raw_saved_self, c.grad_fn._raw_saved_result
        pow2_sv = d.grad_fn._raw_saved_self
        return [pow_sv.data is a, pow_sv.unpack_hook is unpack, exp_sv.data is c,
                _plain(exp_sv.data), exp_sv.unpack_hook, pow2_sv.data is c,
                pow2_sv.unpack_hook, _plain(pow_sv.unpack())]
    assert _same(scenario)[:3] == [True, True, False]


def test_custom_function_raw_saved_tensors():
    def scenario(T):
        class MyFn(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, None)
                return x

            @staticmethod
            def backward(ctx, g):
                return g
        a = T.ones(5, requires_grad=True)
        y = MyFn.apply(a)
        saved = y.grad_fn._raw_saved_tensors
        res = [[isinstance(s, T._C._autograd.SavedTensor) for s in saved],
               _outcome(lambda: saved[1].register_hooks(lambda x: x, lambda x: x)),
               saved[1].data, saved[1].unpack()]
        saved[0].register_hooks(lambda x: x, lambda x: x)
        y.sum().backward()
        res += [_outcome(lambda: y.grad_fn._raw_saved_tensors),
                _outcome(lambda: y.grad_fn.saved_tensors)]
        return res
    _same(scenario)


def test_make_saved_tensor_packs_once_and_unpacks_each_time():
    def scenario(T):
        counts = [0, 0]

        def pack(x):
            counts[0] += 1
            return x

        def unpack(x):
            counts[1] += 1
            return x
        a = T.ones(5, requires_grad=True)
        with T.autograd.graph.saved_tensors_hooks(pack, unpack):
            saved = T._C._autograd._make_saved_tensor(a, is_output=False)
            after_pack = list(counts)
            u1 = saved.unpack()
            u2 = saved.unpack()
        return after_pack, counts, _plain(u1), _plain(u2), u1.requires_grad, u1 is a
    _same(scenario)


def test_disabling_saved_tensor_hooks():
    def scenario(T):
        g = T.autograd.graph
        en = T._C._autograd._saved_tensors_hooks_is_enabled
        res = []
        with g.disable_saved_tensors_hooks("error message"):
            res.append(en())
            res.append(_outcome(lambda: g.saved_tensors_hooks(lambda x: x, lambda x: x)
                                .__enter__()))
        res.append(en())
        with g.saved_tensors_hooks(lambda x: x, lambda x: x):
            res.append(_outcome(lambda: g.disable_saved_tensors_hooks("msg2").__enter__()))
            res.append(en())
        res.append(en())
        with g.disable_saved_tensors_hooks("outer"):
            with g.disable_saved_tensors_hooks("inner"):
                res.append(T._C._autograd._saved_tensors_hooks_get_disabled_error_message())
            res.append(T._C._autograd._saved_tensors_hooks_get_disabled_error_message())
        res.append(T._C._autograd._saved_tensors_hooks_get_disabled_error_message())

        @g.disable_saved_tensors_hooks("in a function")
        def f():
            return en(), _outcome(lambda: g.saved_tensors_hooks(lambda x: x, lambda x: x)
                                  .__enter__())
        res += [f(), en()]
        return res
    out = _same(scenario)
    assert out[1] == ("raised", "RuntimeError", "error message")


def test_saved_tensor_hooks_switch_is_per_thread():
    def scenario(T):
        seen = []
        with T.autograd.graph.disable_saved_tensors_hooks("off here"):
            t = threading.Thread(
                target=lambda: seen.append(T._C._autograd._saved_tensors_hooks_is_enabled()))
            t.start()
            t.join()
        return seen
    assert _same(scenario) == [True]


# ---- grad mode, multithreading, view replay and version switches ------------------------------
def test_c_is_grad_enabled_in_reentrant_backward():
    def scenario(T):
        seen = []

        class F(T.autograd.Function):
            @staticmethod
            def forward(ctx, inp):
                return inp.clone()

            @staticmethod
            def backward(ctx, go):
                original = T._C.is_grad_enabled()
                with T.enable_grad():
                    foo = T.ones(go.shape, requires_grad=True)
                    (grad,) = T.autograd.grad(foo ** 3, foo, grad_outputs=go)
                    seen.append(T._C.is_grad_enabled())
                seen.append((original, T._C.is_grad_enabled()))
                return grad
        inp = T.ones(3, requires_grad=True)
        F.apply(inp).sum().backward()
        F.apply(inp).sum().backward(create_graph=True)
        return seen, _plain(inp.grad)
    _same(scenario)


def test_set_multithreading_enabled_as_context_manager_and_function():
    def scenario(T):
        ag = T.autograd
        res = []
        with ag.set_multithreading_enabled(False):
            res.append(ag.is_multithreading_enabled())
        res.append(ag.is_multithreading_enabled())
        with ag.set_multithreading_enabled(False):
            ag.set_multithreading_enabled(True)
            res.append(ag.is_multithreading_enabled())
        res.append(ag.is_multithreading_enabled())
        ag.set_multithreading_enabled(False)
        seen = []
        t = threading.Thread(target=lambda: seen.append(ag.is_multithreading_enabled()))
        t.start()
        t.join()
        res += [ag.is_multithreading_enabled(), seen]
        ag.set_multithreading_enabled(True)
        res.append(T._C._is_multithreading_enabled())
        return res
    _same(scenario)


def test_unsafe_preserve_version_counter():
    def scenario(T):
        x = T.ones(2, requires_grad=True).clone()
        x.add_(1)
        x.add_(2)
        res = [x._version]
        with T.autograd._unsafe_preserve_version_counter(x):
            x.mul_(2)
            x.mul_(3)
        res.append(x._version)
        T._C._autograd._unsafe_set_version_counter((x,), (0,))
        res.append(x._version)
        res.append(_outcome(lambda: T._C._autograd._unsafe_set_version_counter((x,), (-1,))))
        y = T.ones(2, requires_grad=True).clone()
        with T.autograd._unsafe_preserve_version_counter((x, y)):
            x.mul_(2)
            y.mul_(3)
        res += [x._version, y._version,
                _outcome(lambda: T.autograd._unsafe_preserve_version_counter([x]))]
        # a saved tensor changed inside the block: backward does not notice (hence "unsafe")
        a = T.ones(2, requires_grad=True)
        b = a.clone()
        c = b * b
        with T.autograd._unsafe_preserve_version_counter(b):
            b.add_(1)
        res.append(_outcome(lambda: T.autograd.grad(c.sum(), a)))
        return res
    _same(scenario)


def test_view_replay_switch_and_regenerated_history():
    def scenario(T):
        ag = T.autograd

        def f(x):
            out = x.clone().view(-1)
            out.add_(1)
            return type(out.grad_fn).__name__

        x = T.ones(2, 2, requires_grad=True)
        res = []
        with ag._force_original_view_tracking(False):
            res += [f(x), ag.is_view_replay_enabled()]
        with ag._force_original_view_tracking(True):
            res += [f(x), ag.is_view_replay_enabled()]
        res += [f(x), ag.is_view_replay_enabled()]
        with ag._force_original_view_tracking(False):
            ag._force_original_view_tracking(True)
            res += [f(x), ag.is_view_replay_enabled()]
        res.append(ag.is_view_replay_enabled())

        @ag._force_original_view_tracking(True)
        def g():
            return f(x), ag.is_view_replay_enabled()
        res += [ag.is_view_replay_enabled(), g(), ag.is_view_replay_enabled()]
        return res
    out = _same(scenario)
    assert out[0] == "AsStridedBackward0" and out[2] == "ViewBackward0"


def _graph_desc(fn):
    if fn is None:
        return "None"
    return type(fn).__name__ + "(" + ", ".join(_graph_desc(n) for n, _ in fn.next_functions) \
        + ")"


@pytest.mark.parametrize("case", ["select", "chain", "narrow", "real", "base_inplace"])
def test_view_replay_history_and_gradients(case):
    def scenario(T):
        with T.autograd._force_original_view_tracking(True):
            x = T.arange(24.0).reshape(2, 3, 4).requires_grad_()
            if case == "real":
                x = T.arange(12.0).reshape(2, 3, 2).requires_grad_()
                b = T.view_as_complex(x.clone())
                v = T.view_as_real(b).transpose(0, 1)
            else:
                b = x.clone()
                if case == "select":
                    v = b.select(1, 2)
                elif case == "chain":
                    v = b.unsqueeze(-1).transpose(-1, -2).squeeze(1)
                else:  # (views of multi-output views may not be modified in place)
                    v = b.narrow(-1, 1, 3).diagonal(0, 0, 1)
            if case == "base_inplace":
                v = b[:, 1:].permute(2, 0, 1)
                b.mul_(3)
            else:
                v.mul_(2)
            desc = _graph_desc(v.grad_fn)
            (v * v).sum().backward()
        return desc, _plain(x.grad)
    _same(scenario)


def test_view_func_replays_views_on_a_new_base():
    def meta(t):
        return None if t is None else (tuple(t.shape), t.stride(), t.storage_offset(),
                                       str(t.dtype).split(".")[-1])

    def scenario(T):
        res = []
        with T.autograd._force_original_view_tracking(True):
            cases = [(lambda x: T.ops.aten.alias.default(x), T.ones(2, 2)),
                     (lambda x: T.as_strided(x, (4,), (1,)), T.ones(2, 2)),
                     (lambda x: T.chunk(x, 2, -1), T.arange(8.0).reshape(2, 4)),
                     (lambda x: T.diagonal(x), T.arange(16.0).reshape(4, 4)),
                     (lambda x: T.narrow(x, 0, 1, 1), T.arange(4.0).reshape(2, 2)),
                     (lambda x: T.select(x, 0, 1), T.arange(4.0).reshape(2, 2)),
                     (lambda x: T.split(x, 1), T.arange(4.0).reshape(2, 2)),
                     (lambda x: T.squeeze(x, [1, 2]), T.ones(2, 1, 1, 4)),
                     (lambda x: T.unbind(x), T.arange(5.0).reshape(1, 5)),
                     (lambda x: T.view_as_complex(x), T.arange(4.0).reshape(2, 2)),
                     (lambda x: T.view_as_real(x), T.ones(2, 2, dtype=T.complex64)),
                     (lambda x: x.unsqueeze(-1).transpose(-1, -2).squeeze(1),
                      T.arange(8.0).reshape(2, 4)),
                     (lambda x: x.split_with_sizes([1, 3], -1)[0].chunk(2, 0),
                      T.arange(24.0).reshape(2, 3, 4))]
            for fn, inp in cases:
                inp = inp.clone()  # (its own base: not a view of an arange)
                outs = fn(inp)
                outs = [outs] if isinstance(outs, T.Tensor) else outs
                for out in outs:
                    for new_inp in (inp.clone() * 2, (inp.clone() * 2)[None][0]):
                        # (a base with the view's base's geometry replays it, a view included)
                        new_out = out._view_func(new_inp)
                        # a base of the same shape at another offset: only the unsafe replay
                        shifted = T.cat([T.zeros(1, dtype=inp.dtype),
                                         new_inp.reshape(-1)])[1:].view(inp.shape)
                        res.append((meta(new_out), _plain(new_out),
                                    out._view_func(shifted) is None,
                                    _outcome(lambda: meta(out._view_func_unsafe(shifted)))))
                    rev = out._rev_view_func_unsafe(out.detach())
                    res.append((meta(rev), rev._base is not None,
                                out._view_func(T.ones(7)) is None))
        # chains of views with and without recorded functions
        for first, second in ((True, False), (False, True)):
            x = T.arange(24.0).reshape(2, 3, 4)
            with T.autograd._force_original_view_tracking(first):
                y = x.split_with_sizes([1, 3], -1)[0]
            with T.autograd._force_original_view_tracking(second):
                z = y.chunk(2, 0)[1]
            new = z._view_func(x.clone() + 1)
            res.append((meta(new), _plain(new)))
        return res
    _same(scenario)


def test_view_func_visitors_replace_state_for_one_replay():
    def scenario(T):
        with T.autograd._force_original_view_tracking(True):
            base = T.arange(60.0).reshape(3, 4, 5)
            view = base.select(1, 2)
            new_base = base * 10
            a = view._view_func(new_base, symint_visitor_fn=lambda s: s + 1)
            b = view._view_func(new_base)
            src = T.arange(60.0).reshape(3, 4, 5)
            sliced = src[:, 2:3, :].detach()
            inv = T.ops.aten.slice_inverse(sliced, src, 1, 2, 3, 1)
            new_sliced = (T.ones(3, 4, 5) * 2)[:, 2:3, :].detach()
            c = inv._view_func(new_sliced, tensor_visitor_fn=lambda t: T.zeros(1, 2, 3))
            d = inv._view_func(sliced)
        return [_plain(a), _plain(b), tuple(c.shape), c.stride(), _plain(c), _plain(d)]
    _same(scenario)


def test_slice_inverse_op_and_derivatives():
    def scenario(T):
        src = T.ones(3, 4, 5, requires_grad=True)
        big = T.ones(3, 4, 5, requires_grad=True)
        sl = big.clone()[:, 2:3, :]
        v = T.ops.aten.slice_inverse(sl, src, 1, 2, 3, 1)
        v.backward(T.arange(60.0).reshape(3, 4, 5))
        small = T.ones(2)
        return [type(v.grad_fn).__name__, _plain(big.grad), _plain(src.grad),
                _outcome(lambda: T.ops.aten.slice_inverse(small, src, 0)),
                tuple(T.slice_inverse(sl.detach(), src, 1).shape)]
    _same(scenario)


# ---- engine introspection ----------------------------------------------------------------------
def test_current_graph_task_keep_graph():
    def scenario(T):
        seen = []

        class F(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                seen.append(T._C._autograd._get_current_graph_task_keep_graph())
                return g
        out = F.apply(T.ones(3, requires_grad=True))
        out.sum().backward(retain_graph=True)
        out.sum().backward(retain_graph=False)
        return seen, T._C._autograd._get_current_graph_task_keep_graph()
    assert _same(scenario) == ([True, False], True)


def test_current_graph_task_execution_order():
    def scenario(T):
        predicted = [None]

        def hook(_):
            predicted[0] = [n.name() for n in T._C._current_graph_task_execution_order()]

        def run(fn, root):
            root.register_hook(hook)
            with T.autograd.set_multithreading_enabled(False):
                fn()
            return predicted[0]
        res = []
        t = T.tensor(1.0, requires_grad=True).clone().sin().exp()
        res.append(run(t.backward, t))
        a, b = T.tensor(1.0, requires_grad=True), T.tensor(2.0, requires_grad=True)
        out = b.sin() * a.cos()
        res.append(run(out.backward, out))
        a = T.tensor(1.0, requires_grad=True)
        out = a.sin() * a.cos()
        res.append(run(out.backward, out))
        a = T.tensor(1.0, requires_grad=True)
        b = a * 2
        out, out2, out3 = b.sin(), b.cos(), b.cos()
        res.append(run(lambda: T.autograd.grad((out, out3, out2), inputs=(a,)), out3))
        a, b = T.tensor(1.0, requires_grad=True), T.tensor(1.0, requires_grad=True)
        out = (a * b).sin()
        res.append(run(lambda: T.autograd.grad((out,), inputs=(a,)), out))
        res.append(_outcome(T._C._current_graph_task_execution_order))
        t = T.tensor(1.0, requires_grad=True).clone().sin().exp()
        t.register_hook(hook)
        res.append(_outcome(t.backward))
        return res
    out = _same(scenario)
    assert out[0] == ["ExpBackward0", "SinBackward0", "CloneBackward0",
                      "torch::autograd::AccumulateGrad"]


def test_cached_tensor_registry():
    def scenario(T):
        C = T._C
        x = T.ones(4)
        res = [C._is_cached_tensor(x), _outcome(lambda: C._add_cached_tensor(x)),
               _outcome(lambda: C._remove_cached_tensor(x))]
        C._set_cached_tensors_enabled(True)
        try:
            res.append(C._is_cached_tensor(x))
            C._add_cached_tensor(x)
            res.append(C._is_cached_tensor(x))
            C._add_cached_tensor(x)
            C._remove_cached_tensor(x)
            res.append(C._is_cached_tensor(x))
            C._add_cached_tensor(x)
        finally:
            C._set_cached_tensors_enabled(False)
        res.append(C._is_cached_tensor(x))
        C._set_cached_tensors_enabled(True)
        try:
            res.append(C._is_cached_tensor(x))
            C._remove_cached_tensor(x)
        finally:
            C._set_cached_tensors_enabled(False)
        return res
    _same(scenario)


# ---- Resize, resize_ versions ------------------------------------------------------------------
def _resize_cls(T):
    import importlib
    return importlib.import_module(T.__name__ + ".autograd._functions.tensor").Resize


def test_autograd_resize_function():
    def scenario(T):
        R = _resize_cls(T)
        x = T.arange(6.0).reshape(2, 3).requires_grad_()
        y = R.apply(x, (3, 2))
        z = R.apply(x.t(), (6,))
        (y * 2).sum().backward()
        (z * 3).sum().backward()
        edge = T.autograd.graph.get_gradient_edge(y)
        ref = T.autograd.grad(y.clone().sum(), y)
        new = T.autograd.grad(y.clone().sum(), edge)
        return [_plain(y), _plain(z), y._base is not None, type(y.grad_fn).__name__,
                _plain(x.grad), _outcome(lambda: R.apply(x, (4,))), _plain(ref), _plain(new)]
    _same(scenario)


def test_resize_bumps_the_version_only_when_the_sizes_change():
    def scenario(T):
        x, y = T.ones(1), T.ones(3)
        out = []
        for step in (lambda: x.resize_((1, 2)), lambda: x.resize_as_(y),
                     lambda: x.resize_((3,)), lambda: x.resize_as_(y),
                     lambda: x.resize_((2,)), lambda: x.resize_(2),
                     lambda: x.resize_((-1,))):
            _outcome(step)
            out.append(x._version)
        return out
    assert _same(scenario) == [1, 2, 2, 2, 3, 3, 3]


# ---- grad_dtype ----------------------------------------------------------------------------------
def test_grad_dtype_casts_or_keeps_incoming_gradients():
    def scenario(T):
        class ToDouble(T.autograd.Function):
            @staticmethod
            def forward(ctx, inp):
                return inp * 2

            @staticmethod
            def backward(ctx, g):
                return g.to(T.float64)
        res = []
        for gd in ("unset", None, T.float16, T.float32):
            t = T.tensor([1.0, 2.0], requires_grad=True)
            if gd != "unset":
                t.grad_dtype = gd
            ToDouble.apply(t).sum().backward()
            res.append(_plain(t.grad))
        h = T.tensor([1.0, 2.0], requires_grad=True)
        _ = h.clone()  # (its accumulator exists before grad_dtype changes)
        h.grad_dtype = None
        ToDouble.apply(h).sum().backward()
        res.append(_plain(h.grad))
        g = T.tensor([1.0, 2.0], requires_grad=True)
        g.grad = T.tensor([1.0, 1.0])
        g.grad_dtype = T.float32
        res.append(_outcome(lambda: setattr(g, "grad_dtype", T.float16)))
        g.grad_dtype = None
        res.append(g.grad_dtype)
        g.grad = None
        g.grad_dtype = T.float16
        res.append(_plain(g.grad_dtype))
        k = T.tensor([3.0, 4.0], requires_grad=True, dtype=T.bfloat16)
        k.grad_dtype = None
        (k * 2).sum().backward()
        k.grad = k.grad.to(T.float32)
        (k * 3).sum().backward()
        res.append(_plain(k.grad))
        return res
    _same(scenario)


# ---- anomaly mode: the chain of backward calls ---------------------------------------------------
def _nested_nan_scenario(T, fail_0th, anomaly_in_forward):
    size = 4

    class MyFunc(T.autograd.Function):
        @staticmethod
        def forward(ctx, inp1, fail_0th):
            ctx.fail_0th = fail_0th
            ctx.save_for_backward(inp1)
            return inp1.sum(0, keepdim=True)

        @staticmethod
        def backward(ctx, gO):
            (inp,) = ctx.saved_tensors
            g = gO.clone().expand(size)
            return MyFunc2.apply(g * inp, g + inp, ctx.fail_0th), None

    class MyFunc2(T.autograd.Function):
        @staticmethod
        def forward(ctx, inp1, inp2, fail_0th):
            ctx.fail_0th = fail_0th
            return inp1 * 2.0 + inp2

        @staticmethod
        def backward(ctx, gO):
            g1, g2 = gO.clone(), gO.clone()
            g1[0] = 0
            g2[0] = 0
            if ctx.fail_0th:
                g1[0] /= 0
            else:
                g2[0] /= 0
            return g1, g2, None

    inp = T.ones(size, requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            if anomaly_in_forward:
                with T.autograd.detect_anomaly():
                    out = MyFunc.apply(inp, fail_0th)
                    (ginp,) = T.autograd.grad(out, (inp,), create_graph=True)
                    ginp.sum().backward()
            else:
                out = MyFunc.apply(inp, fail_0th)
                (ginp,) = T.autograd.grad(out, (inp,), create_graph=True)
                with T.autograd.detect_anomaly():
                    ginp.sum().backward()
            err = None
        except RuntimeError as e:
            err = str(e)
    # each warning: its first line (without PyTorch's C++ source location) and the lines of
    # its traceback that name the forward calls
    return err, [(str(x.message).strip().splitlines()[0].split(" (Triggered internally")[0],
                  [ln.strip() for ln in str(x.message).splitlines()
                   if ln.strip().startswith(("out =", "return MyFunc2"))])
                 for x in w]


@pytest.mark.parametrize("anomaly_in_forward", [True, False])
@pytest.mark.parametrize("fail_0th", [True, False])
def test_nested_anomaly_reports_the_chain_of_backward_calls(fail_0th, anomaly_in_forward):
    out = _same(lambda T: _nested_nan_scenario(T, fail_0th, anomaly_in_forward))
    assert out[0].startswith("Function 'MyFunc2Backward' returned nan values")


# ---- inference mode: ops on views made in it of tensors that require grad --------------------
@pytest.mark.parametrize("requires_grad", [True, False])
def test_ops_on_inference_mode_views_of_tensors_that_require_grad(requires_grad):
    def scenario(T):
        s = T.ones(1, 2, 3, requires_grad=requires_grad)
        a = s.clone()
        with T.inference_mode():
            out = a.view(-1)
        res = [out.requires_grad, out.is_leaf, out.grad_fn]
        tmp = out * out
        res += [tmp.requires_grad, T.is_inference(tmp), _graph_desc(tmp.grad_fn)]
        tmp2 = out.view(2, 3)
        res += [tmp2.requires_grad, _graph_desc(tmp2.grad_fn)]
        if requires_grad:
            res.append(_outcome(lambda: (tmp + tmp2.sum()).sum().backward()))
            res.append(s.grad)
        return res
    _same(scenario)
