"""Custom ``autograd.Function``: the ctx contract and its error texts, against PyTorch.

Each scenario is a function of the framework module ``T``; it runs on kindling and PyTorch and
the results (or the error type and message, or the warnings) must agree.
"""
import warnings

import numpy as np
import pytest

import kindling


def _np(t):
    return t.detach().numpy()


def run(T, fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            r = ("ok", fn(T))
        except Exception as e:  # noqa: BLE001
            r = (type(e).__name__, str(e))
    msgs = [(x.category.__name__, str(x.message).split(" (Triggered internally")[0])
            for x in w if "Triggered" in str(x.message) or x.filename.find("torch") < 0]
    return r, msgs


def agree(torch, fn, *, check_value=True):
    k, kw = run(kindling, fn)
    t, tw = run(torch, fn)
    if check_value or k[0] != "ok":
        assert k == t
    assert kw == tw
    return k


def fns(T):
    """The scenario Functions, defined per framework."""
    F = T.autograd.Function

    class Square(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    class SquareSetup(F):
        @staticmethod
        def forward(x, k=1.0):
            return x * x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.save_for_backward(x)
            ctx.k = k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x * ctx.k, None

    return dict(Square=Square, SquareSetup=SquareSetup, F=F)


def _x(T, n=3, rg=True):
    return T.tensor(np.arange(1.0, n + 1), requires_grad=rg)


# ---- basics -----------------------------------------------------------------------------------------
def test_square_and_node(torch):
    def f(T):
        S = fns(T)["Square"]
        x = _x(T)
        y = S.apply(x)
        g = y.grad_fn
        assert type(g).__name__ == "SquareBackward" and g.name() == "SquareBackward"
        assert type(g).__module__ == "torch.autograd.function"
        assert g.needs_input_grad == (True,)
        assert type(g.next_functions[0][0]).__name__ == "AccumulateGrad"
        assert g.metadata == {}
        assert g._forward_cls is S
        assert isinstance(S._backward_cls._autograd_function_id, int)
        y.sum().backward()
        return _np(x.grad).tolist()
    assert agree(torch, f) == ("ok", [2.0, 4.0, 6.0])


def test_setup_context_and_kwargs(torch):
    def f(T):
        S = fns(T)["SquareSetup"]
        x = _x(T)
        y = S.apply(x, k=3.0)
        y.sum().backward()
        return _np(x.grad).tolist()
    agree(torch, f)


@pytest.mark.parametrize("call", ["unexpected", "multiple", "ok", "kwonly"])
def test_apply_kwargs(torch, call):
    def f(T):
        class K(T.autograd.Function):
            @staticmethod
            def forward(ctx, x, y=2, *, z=3):
                return x * y

            @staticmethod
            def backward(ctx, g):
                return g, None
        x = T.ones(2)
        if call == "unexpected":
            return K.apply(x, w=1)
        if call == "multiple":
            return K.apply(x, x=x)
        if call == "kwonly":
            return K.apply(x, z=3)
        return _np(K.apply(x, y=3)).tolist()
    agree(torch, f)


def test_forward_runs_without_grad(torch):
    def f(T):
        seen = []

        class G(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                seen.append(T.is_grad_enabled())
                y = x * 2
                seen.append(y.requires_grad)
                return y

            @staticmethod
            def backward(ctx, g):
                return g * 2
        y = G.apply(_x(T))
        return seen + [y.requires_grad]
    assert agree(torch, f) == ("ok", [False, False, True])


def test_not_executable(torch):
    def f(T):
        S = fns(T)["Square"]
        y = S.apply(_x(T, rg=False))
        with T.no_grad():
            z = S.apply(_x(T))
        return y.requires_grad, y.grad_fn is None, z.requires_grad
    assert agree(torch, f) == ("ok", (False, True, False))


def test_instantiate_and_call(torch):
    def inst(T):
        S = fns(T)["Square"]
        S()
    agree(torch, inst)

    def call(T):
        S = fns(T)["Square"]
        s = S.__new__(S)
        s(T.ones(1))
    agree(torch, call)


# ---- gradient validation ------------------------------------------------------------------------------
def _bad(T, ret, n_args=1):
    class Bad(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, *rest):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return ret(T, g)
    return Bad


@pytest.mark.parametrize("case", ["count", "nontensor", "type", "shape", "extra_none",
                                  "dtype"])
def test_backward_result_validation(torch, case):
    def f(T):
        rets = {
            "count": lambda T, g: (g, g),
            "nontensor": lambda T, g: (g, g),
            "type": lambda T, g: 1,
            "shape": lambda T, g: T.ones(3),
            "extra_none": lambda T, g: (g, None, None),
            "dtype": lambda T, g: g.to(T.float64),
        }
        B = _bad(T, rets[case])
        x = T.ones(2, requires_grad=True)
        y = B.apply(x, 2) if case == "nontensor" else B.apply(x)
        y.sum().backward()
        return str(x.grad.dtype), _np(x.grad).tolist()
    agree(torch, f)


def test_backward_and_vjp(torch):
    def both(T):
        class B(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

            @staticmethod
            def vjp(ctx, g):
                return g
        B.apply(T.ones(2, requires_grad=True)).sum().backward()
    agree(torch, both)

    def neither(T):
        class N(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
        N.apply(T.ones(2, requires_grad=True)).sum().backward()
    agree(torch, neither)

    def vjp_only(T):
        class V(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def vjp(ctx, g):
                return g * 5
        x = T.ones(2, requires_grad=True)
        V.apply(x).sum().backward()
        return _np(x.grad).tolist()
    agree(torch, vjp_only)


# ---- ctx helpers ---------------------------------------------------------------------------------------
def test_save_for_backward_errors(torch):
    def f(T):
        class S(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(1)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g
        r = S.apply(T.ones(2))  # not executable: no check
        S.apply(T.ones(2, requires_grad=True))
        return r
    agree(torch, f)


def test_saved_tensors_none_and_outputs(torch):
    def f(T):
        class S(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(None, x, y)
                return y

            @staticmethod
            def backward(ctx, g):
                n, x, y = ctx.saved_tensors
                assert n is None
                return g * y
        x = _x(T)
        y = S.apply(x)
        y.sum().backward()
        return np.round(_np(x.grad), 6).tolist()
    agree(torch, f)


def test_saved_tensor_version_check(torch):
    def f(T):
        S = fns(T)["Square"]
        x = _x(T).clone()
        y = S.apply(x)
        x.add_(1)
        y.sum().backward()
    agree(torch, f)


def test_backward_twice_and_freed(torch):
    def f(T):
        S = fns(T)["Square"]
        y = S.apply(_x(T)).sum()
        y.backward()
        y.backward()
    agree(torch, f)

    def no_access(T):
        class N(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2
        x = _x(T)
        y = N.apply(x).sum()
        y.backward()
        y.backward()
        return _np(x.grad).tolist()
    agree(torch, no_access)


def test_clear_saved_tensors_on_access(torch):
    def f(T):
        class C(T.autograd.Function):
            clear_saved_tensors_on_access = True

            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                ctx.saved_tensors
                ctx.saved_tensors
                return g
        C.apply(T.ones(2, requires_grad=True)).sum().backward()
    agree(torch, f)

    def nonbool(T):
        class C(T.autograd.Function):
            clear_saved_tensors_on_access = 1

            @staticmethod
            def forward(ctx, x):
                return x * 2
        C.apply(T.ones(2, requires_grad=True))
    agree(torch, nonbool)


def test_saved_variables_deprecated(torch):
    def f(T):
        class S(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * ctx.saved_variables[0]
        x = T.ones(2, requires_grad=True)
        S.apply(x).sum().backward()
        return _np(x.grad).tolist()
    agree(torch, f)


@pytest.mark.parametrize("which", ["dirty", "nondiff"])
def test_mark_non_tensor_errors(torch, which):
    def f(T):
        class D(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                if which == "dirty":
                    ctx.mark_dirty(1)
                else:
                    ctx.mark_non_differentiable(1)
                return x * 2
        D.apply(T.ones(2, requires_grad=True))
    agree(torch, f)


def test_mark_dirty(torch):
    def ok(T):
        class D(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2
        a = _x(T)
        b = a.clone()
        v0 = b._version
        r = D.apply(b)
        r.sum().backward()
        return r is b, b._version - v0, type(b.grad_fn).__name__, _np(a.grad).tolist()
    assert agree(torch, ok)[1][:3] == (True, 2, "DBackward")

    def not_returned(T):
        class D(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x * 1
        D.apply(_x(T).clone())
    agree(torch, not_returned)

    def leaf(T):
        class D(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x
        D.apply(_x(T))
    agree(torch, leaf)

    def non_input(T):
        class D(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x * 2
                ctx.mark_dirty(y)
                return y
        return D.apply(_x(T)).requires_grad
    agree(torch, non_input)

    def view_multi(T):
        class D(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x, x * 2
        a = _x(T, 4).clone()
        D.apply(a[:2])
    agree(torch, view_multi)

    def view_single(T):
        class D(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2
        x = _x(T, 4)
        a = x.clone()
        v = a[:2]
        r = D.apply(v)
        (a * a).sum().backward()
        return r is v, type(a.grad_fn).__name__, type(v.grad_fn).__name__, \
            _np(x.grad).tolist()
    agree(torch, view_single)


def test_mark_non_differentiable(torch):
    def f(T):
        class M(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                a, b = x * 2, x.argmax()
                c = x * 3
                ctx.mark_non_differentiable(c)
                return a, b, c

            @staticmethod
            def backward(ctx, ga, gb, gc):
                return ga * 2 + (gc if gc is not None else 0)
        x = _x(T)
        a, b, c = M.apply(x)
        a.sum().backward()
        return a.requires_grad, b.requires_grad, c.requires_grad, _np(x.grad).tolist()
    agree(torch, f)


@pytest.mark.parametrize("mode", ["default", "off", "non_diff_off"])
def test_materialize_grads(torch, mode):
    def f(T):
        got = []

        class M(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                if mode == "off":
                    ctx.set_materialize_grads(False)
                if mode == "non_diff_off":
                    ctx._materialize_non_diff_grads = False
                c = x * 3
                ctx.mark_non_differentiable(c)
                return x * 2, x * 4, c

            @staticmethod
            def backward(ctx, g1, g2, g3):
                got.extend([g is None for g in (g1, g2, g3)])
                return g1
        x = _x(T)
        a, b, c = M.apply(x)
        a.sum().backward()
        return got
    agree(torch, f)

    def nonbool(T):
        class M(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(1)
                return x
        M.apply(T.ones(1))
    agree(torch, nonbool)


def test_needs_input_grad_and_non_tensor_io(torch):
    def f(T):
        seen = []

        class M(T.autograd.Function):
            @staticmethod
            def forward(ctx, x, n, y):
                seen.append(ctx.needs_input_grad)
                return x * n + y, "tag", n

            @staticmethod
            def backward(ctx, g, g_tag, g_n):
                seen.append((g_tag, g_n))
                return g * 2, None, g
        x = _x(T)
        y = _x(T, rg=False)
        out, tag, n = M.apply(x, 3, y)
        out.sum().backward()
        return seen, tag, n, _np(x.grad).tolist(), y.grad
    agree(torch, f)


def test_input_returned_as_is(torch):
    def f(T):
        class A(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 3
        x = _x(T)
        y = A.apply(x)
        res = [y is x, y._base is x, y._is_view(), type(y.grad_fn).__name__]
        y.sum().backward()
        res.append(_np(x.grad).tolist())
        return res
    agree(torch, f)

    def inplace_after(T):
        class AsIs(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g
        AsIs.apply(_x(T)).mul_(2)
    agree(torch, inplace_after)

    def saved_with_setup(T):
        class AsIs(T.autograd.Function):
            @staticmethod
            def forward(x):
                return x

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(output)

            @staticmethod
            def backward(ctx, g):
                return g
        AsIs.apply(_x(T))
    agree(torch, saved_with_setup)


def test_view_outputs_refuse_inplace(torch):
    def single(T):
        class V(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.view(-1)

            @staticmethod
            def backward(ctx, g):
                return g
        V.apply(_x(T)).add_(1)
    agree(torch, single)

    def multi(T):
        class V(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x[:1], x[1:]

            @staticmethod
            def backward(ctx, g1, g2):
                return T.cat([g1, g2])
        V.apply(_x(T))[0].add_(1)
    agree(torch, multi)

    def pure(T):
        class V(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx._is_pure_view = True
                return x.view(-1)

            @staticmethod
            def backward(ctx, g):
                return g
        y = V.apply(_x(T).clone())
        y.add_(1)
        return type(y.grad_fn).__name__
    agree(torch, pure, check_value=False)


def test_nested_functions_and_double_backward(torch):
    def f(T):
        S = fns(T)["Square"]

        class Outer(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return S.apply(x) * 2

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return S.apply(x) * g
        x = _x(T)
        y = Outer.apply(S.apply(x))
        (gx,) = T.autograd.grad(y.sum(), x, create_graph=True)
        (ggx,) = T.autograd.grad(gx.sum(), x)
        return _np(gx).tolist(), _np(ggx).tolist()
    agree(torch, f)


def test_once_differentiable(torch):
    def f(T):
        from importlib import import_module
        once = import_module(T.__name__ + ".autograd.function").once_differentiable

        class O(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 2

            @staticmethod
            @once
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 2 * x
        x = _x(T)
        y = O.apply(x).sum()
        (g,) = T.autograd.grad(y, x, create_graph=True)
        first = g.requires_grad
        go = T.ones(3, requires_grad=True)
        (g2,) = T.autograd.grad(O.apply(x), x, go, create_graph=True)
        name = g2.grad_fn.name()
        g2.sum().backward()
        return first, name
    agree(torch, f)


def test_function_hooks_and_metadata(torch):
    def f(T):
        S = fns(T)["Square"]
        log = []
        x = _x(T)
        y = S.apply(x)
        y.grad_fn.register_prehook(lambda go: log.append("pre"))
        y.grad_fn.register_hook(lambda gi, go: log.append(("post", len(gi), len(go))))
        y.grad_fn.metadata["k"] = 1
        y.sum().backward()
        return log, y.grad_fn.metadata
    agree(torch, f)


def test_function_jvp(torch):
    def f(T):
        fwAD = T.autograd.forward_ad

        class E(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_forward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                return g

            @staticmethod
            def jvp(ctx, t):
                (y,) = ctx.saved_tensors
                return t * y
        with fwAD.dual_level():
            x = fwAD.make_dual(T.tensor([0.0, 1.0], dtype=T.float64),
                               T.tensor([1.0, 2.0], dtype=T.float64))
            out = E.apply(x)
            return np.round(_np(fwAD.unpack_dual(out).tangent), 6).tolist()
    agree(torch, f)

    def bad_count(T):
        fwAD = T.autograd.forward_ad

        class E(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def jvp(ctx, t):
                return t, t
        with fwAD.dual_level():
            x = fwAD.make_dual(T.ones(2), T.ones(2))
            E.apply(x)
    agree(torch, bad_count)

    def save_fwd_bad(T):
        class E(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_forward(x, 1)
                return x
        E.apply(T.ones(2))
    agree(torch, save_fwd_bad)


def test_custom_function_logging_like_dispatch(torch):
    """Backward formulas of a custom Function run dispatched ops (observable by modes)."""
    def f(T):
        S = fns(T)["Square"]
        x = T.tensor([3.0], requires_grad=True)
        x.grad = T.tensor([1.0])
        g0 = x.grad
        S.apply(x).backward()
        return x.grad is g0, _np(x.grad).tolist()
    agree(torch, f)
