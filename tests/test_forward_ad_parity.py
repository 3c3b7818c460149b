"""Forward-mode AD against PyTorch: dual tensors' layout, views and in-place ops, the level
and mode API, printing, ``Tensor.storage()``, forward formulas, and gradcheck's
``check_forward_ad`` (the behaviour PyTorch's TestAutogradForwardMode checks)."""
import threading
import warnings

import numpy as np
import pytest

import kindling

pytestmark = pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")


def _plain(x, T):
    """``x`` made comparable across libraries (tensors as dtype, shape, strides, offset,
    conj/neg bits and values)."""
    if isinstance(x, T.Tensor):
        v = x.detach().resolve_conj().resolve_neg()
        # (strides of tensors without elements are left out: kindling's clone makes them
        # contiguous where PyTorch's keeps them)
        return ("tensor", str(x.dtype), tuple(x.shape), x.stride() if x.numel() else None,
                x.storage_offset(), x.is_conj(), x.is_neg(), np.asarray(v.tolist()))
    if isinstance(x, (tuple, list)):
        return tuple(_plain(y, T) for y in x)
    return x


def _run(T, case):
    try:
        return ("ok", _plain(case(T), T))
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return (type(e).__name__, str(e))


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        return
    if isinstance(a, tuple) and isinstance(b, tuple):
        assert len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            _same(x, y)
        return
    assert a == b


def check(torch, case):
    """``case(T)`` inside a dual level gives the same result (or error) on both."""
    def in_level(T):
        with T.autograd.forward_ad.dual_level():
            return case(T)
    k, t = _run(kindling, in_level), _run(torch, in_level)
    _same(k, t)
    return k


def fw(T):
    return T.autograd.forward_ad


def dual(T, p, t, dtype=None):
    dtype = dtype or T.float64
    return fw(T).make_dual(T.tensor(p, dtype=dtype), T.tensor(t, dtype=dtype))


def tangent(T, x):
    return fw(T).unpack_dual(x).tangent


# ---- make_dual / unpack_dual: errors and the tangent's identity -----------------------------
def test_make_dual_with_a_dual_tangent_or_primal(torch):
    check(torch, lambda T: fw(T).make_dual(T.zeros(2), dual(T, [1., 2.], [3., 4.],
                                                             T.float32)))
    check(torch, lambda T: fw(T).make_dual(dual(T, [1., 2.], [3., 4.]), T.zeros(2,
                                                                             dtype=T.float64)))


def test_unpack_dual_returns_the_tangent_as_is(torch):
    def case(T):
        p, t = T.ones(2, dtype=T.float64), T.arange(2.0, dtype=T.float64)
        d = fw(T).make_dual(p, t)
        u = fw(T).unpack_dual(d)
        r = T._unpack_dual(d, level=0)
        return (u.tangent is t, u.primal._base is p, d._base is p, type(r).__name__,
                r.tangent is t, type(d.grad_fn).__name__ if d.grad_fn else None)
    assert check(torch, case)[1][:5] == (True, True, True, "_unpack_dual", True)


def test_backward_through_make_dual_and_unpack_dual(torch):
    def case(T):
        x = T.ones(2, requires_grad=True)
        t = T.ones(2, requires_grad=True)
        d = fw(T).make_dual(x, t)
        p, tt = fw(T).unpack_dual(d)
        g = T.autograd.grad(p.sum(), (x, t), allow_unused=True, retain_graph=True)
        gt = T.autograd.grad(tt.sum(), (x, t), allow_unused=True)
        return (type(d.grad_fn).__name__, p.grad_fn.name(), g, gt)
    check(torch, case)


# ---- layout: a tangent has its primal's metadata --------------------------------------------

@pytest.mark.parametrize("make", [
    lambda T: (T.arange(5.0)[:4], T.ones(4)),                         # storage sizes differ
    lambda T: (T.zeros(3, 2).t(), T.ones(2, 3)),                     # strides differ
    lambda T: (T.ones(0).as_strided((0, 1), (1, 1), 0),
               T.ones(0).as_strided((0, 1), (1, 0), 0)),             # size 0: strides ignored
    lambda T: (T.tensor([1.0]).as_strided((0,), (1,), 1),
               T.tensor([1.0]).as_strided((0,), (1,), 2)),           # size 0: offset ignored
    lambda T: (T.ones(2, 2), T.ones(2, 2)),
])
def test_tangent_is_reused_or_copied_to_the_primal_layout(torch, make):
    def case(T):
        p, t = make(T)
        u = tangent(T, fw(T).make_dual(p, t))
        return (u is t, u.stride(), u.storage_offset(), len(u.untyped_storage()),
                u._base is None)
    check(torch, case)


def test_mutating_a_copied_tangent_leaves_the_given_one(torch):
    def case(T):
        primal, t = T.arange(5.0)[:4].detach(), T.ones(4)
        d = fw(T).make_dual(primal, t)
        u = tangent(T, d)
        u *= 2
        return (t, u, fw(T).unpack_dual(d.as_strided((5,), (1,), 0)))
    check(torch, case)


def test_conj_and_neg_bits_of_primal_and_tangent(torch):
    keys = {"plain": lambda x: x, "conj": lambda x: x.conj(), "neg": lambda x: x._neg_view()}
    for pk in keys:
        for tk in keys:
            def case(T, pk=pk, tk=tk):
                x = keys[pk](T.tensor([[1 + 2j, 3 - 1j]], dtype=T.complex128))
                t = keys[tk](T.tensor([[2 - 1j, -1 + 3j]], dtype=T.complex128))
                d = fw(T).make_dual(x, t)
                u = tangent(T, d)
                return (u is t, u, tangent(T, T.real(d)), tangent(T, T.imag(d)))
            check(torch, case)


def test_primal_with_neg_bit_from_imag_of_conj(torch):
    def case(T):
        a = T.tensor([[1 + 2j, 3 - 4j], [5j, 1.0]], dtype=T.complex128).conj().imag
        b = T.tensor([[2 - 1j, 1j], [2.0, 3 + 3j]], dtype=T.complex128).imag
        d = fw(T).make_dual(a, b)
        return (a.is_neg(), a, tangent(T, d), fw(T).unpack_dual(d[1:]))
    check(torch, case)


def test_real_and_imag_of_a_conjugate_tensor(torch):
    def case(T):
        a = T.tensor([1 + 2j, 3 - 4j]).conj()
        im = a.imag
        im.mul_(2)
        return (a.real, im, im.is_neg(), a.real._base is a._base, a)
    _same(_run(kindling, case), _run(torch, case))


# ---- views and in-place ops -----------------------------------------------------------------
def test_inplace_on_a_dual_updates_the_given_tangent(torch):
    def case(T):
        foo, bar = T.tensor([1., 2.], dtype=T.float64), T.ones(2, dtype=T.float64)
        d = fw(T).make_dual(foo, bar)
        d *= 2
        p, t = fw(T).unpack_dual(d)
        r = [bar, foo, tangent(T, foo), tangent(T, p), tangent(T, t)]
        p *= 2
        r.append(fw(T).unpack_dual(d))
        t *= 2
        r.append(fw(T).unpack_dual(d))
        return r
    check(torch, case)


def test_inplace_on_differentiable_views(torch):
    def case(T):
        foo, bar = T.tensor([0.5, 0.25]), T.ones(2)
        d = fw(T).make_dual(foo, bar)
        view = d.narrow(0, 0, 1)
        view *= 2
        r = [tangent(T, foo), tangent(T, d), tangent(T, view),
             tangent(T, view)._base is bar]
        baz = T.tensor([3., 4.])
        baz += d
        r.append(tangent(T, baz))
        baz = T.tensor([3., 4.])
        baz[0] = d[0]
        r.append(tangent(T, baz))
        baz = T.tensor([3., 4.])
        v = baz.detach()
        v += d
        r += [tangent(T, baz), tangent(T, v)]
        return r
    check(torch, case)


@pytest.mark.parametrize("op", ["add_", "mul_", "copy_"])
def test_inplace_on_a_view_gives_the_base_a_tangent(torch, op):
    def case(T):
        base = T.tensor([[1., 2.], [3., 4.]])
        view = base.transpose(0, 1)
        d = fw(T).make_dual(T.tensor([[5., 6.], [7., 8.]]), T.tensor([[.5, .25], [1., 2.]]))
        getattr(view, op)(d)
        bt = tangent(T, base)
        r = [bt, tangent(T, view), tangent(T, view)._base is bt]
        view *= 2
        r.append(fw(T).unpack_dual(base))
        return r
    check(torch, case)


def test_view_tangents_follow_their_base(torch):
    def case(T):
        base = T.zeros(2, 2)
        v = base[0]
        w = base.t()
        base.copy_(fw(T).make_dual(T.ones(2, 2), T.tensor([[1., 2.], [3., 4.]])))
        bt = tangent(T, base)
        return (tangent(T, v), tangent(T, v)._base is bt, tangent(T, w), bt)
    check(torch, case)


def test_views_of_unpacked_primal_are_not_forward_differentiable(torch):
    def case(T):
        d = dual(T, [1., 2., 3.], [1., 1., 1.])
        p = fw(T).unpack_dual(d).primal
        q = p[1:]
        q.add_(dual(T, [1., 1.], [5., 6.]))
        return (tangent(T, q), tangent(T, p), tangent(T, d))
    check(torch, case)


def test_detach_inplace_drops_the_tangent(torch):
    def case(T):
        d = dual(T, [1., 2.], [3., 4.]).clone()
        d.detach_()
        return (tangent(T, d), tangent(T, d * 2), tangent(T, dual(T, [1.], [2.]).detach()))
    check(torch, case)


def test_no_grad_keeps_tangents(torch):
    def case(T):
        x = T.ones(2, requires_grad=True)
        d = fw(T).make_dual(x, T.tensor([1., 2.]))
        with T.no_grad():
            out = d * 3
        t = tangent(T, out)
        return (out.requires_grad, t, t.requires_grad)
    check(torch, case)


# ---- ops with no (or zero) forward derivative, out=, copy_ ----------------------------------
def test_out_variant_with_a_dual_argument(torch):
    def case(T, which):
        foo, bar = dual(T, [1., 2.], [1., 1.], T.float32), T.tensor([3., 4.])
        try:
            if which == 0:
                T.add(bar, bar, out=foo)
            elif which == 1:
                T.add(foo, bar, out=bar)
            else:
                T.sum(foo, 0, out=T.empty(()))
        except NotImplementedError as e:
            return (str(e), foo, bar, foo._version, bar._version)
    for which in range(3):
        check(torch, lambda T, which=which: case(T, which))


def test_out_variant_under_no_grad(torch):
    def case(T):
        d = dual(T, [1., 2.], [1., 1.])
        with T.no_grad():
            return T.add(d, d, out=T.empty(2, dtype=T.float64))
    check(torch, case)


@pytest.mark.parametrize("fn", [
    lambda T, d: d == T.tensor([1., 0.], dtype=T.float64),
    lambda T, d: d.clone().eq_(T.tensor([1., 0.], dtype=T.float64)),
    lambda T, d: d.clone().lt_(1.5),
    lambda T, d: T.ones(2, dtype=T.float64).eq_(d),
    lambda T, d: d.clone().fill_(3.0),
    lambda T, d: d.clone().fill_(dual(T, 2.0, 5.0)),
    lambda T, d: T.ones(2, dtype=T.float64).fill_(dual(T, 2.0, 5.0)),
    lambda T, d: d.clone().zero_(),
    lambda T, d: T.floor(d),
    lambda T, d: d.argmax(),
    lambda T, d: T.ones_like(d),
    lambda T, d: d.to(T.int64),
    lambda T, d: T.floor_divide(d, 2.0),
])
def test_non_differentiable_and_zero_tangents(torch, fn):
    check(torch, lambda T: fw(T).unpack_dual(fn(T, dual(T, [1., 2.], [3., 4.]))))


@pytest.mark.parametrize("op", ["_softmax_backward_data", "_log_softmax_backward_data"])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_softmax_backward_data_forward_ad(torch, op, which):
    def case(T):
        g = T.tensor([[1., -2., 0.5]], dtype=T.float64)
        y = T.tensor([[.2, .3, .5]], dtype=T.float64)
        if which != 1:
            g = fw(T).make_dual(g, T.tensor([[0.5, 1., -1.]], dtype=T.float64))
        if which != 0:
            y = fw(T).make_dual(y, T.tensor([[0.1, -0.3, 0.2]], dtype=T.float64))
        return fw(T).unpack_dual(getattr(T.ops.aten, op)(g, y, 1, T.float64))
    check(torch, case)


@pytest.mark.parametrize("make", [
    lambda T, x: T.tensor([[1.0], [2.0]]),                    # same layout
    lambda T, x: T.ones(1, 2, 1),                             # broadcast
    lambda T, x: T.ones(2, 1, dtype=T.float32),               # the tangent keeps its dtype
])
def test_copy_forward_ad(torch, make):
    def case(T):
        t = T.tensor([[5.0], [6.0]], dtype=T.float64)
        x = fw(T).make_dual(T.tensor([[3.0], [4.0]], dtype=T.float64), t)
        dst = make(T, x)
        dst.copy_(x)
        u = tangent(T, dst)
        return (u is t, fw(T).unpack_dual(dst))
    check(torch, case)


def test_copy_into_a_dual_from_a_plain_tensor(torch):
    check(torch, lambda T: fw(T).unpack_dual(dual(T, [1., 2.], [3., 4.]).clone().copy_(
        T.tensor([7., 8.]))))


# ---- forward formulas -------------------------------------------------------------------------
_A = [[0.5, -1.5, 2.0], [0.0, 3.0, -2.0]]
_TA = [[1.0, 0.5, -1.0], [2.0, -0.25, 1.5]]
_B = [[1.5, -1.5, 0.5], [2.0, 1.0, 0.5]]
_TB = [[-0.5, 2.0, 1.0], [0.25, 1.0, -1.0]]


@pytest.mark.parametrize("fn", [
    lambda T, a, b: T.atan2(a, b),
    lambda T, a, b: T.maximum(a, b),
    lambda T, a, b: T.minimum(a, b),
    lambda T, a, b: T.clamp(a, min=b),
    lambda T, a, b: T.clamp(a, max=b),
    lambda T, a, b: T.clamp(a, b - 1, b),
    lambda T, a, b: T.clamp(a, b, b - 1),
    lambda T, a, b: T.clamp_min(a, b),
    lambda T, a, b: T.clamp_max(a, b),
    lambda T, a, b: T.complex(a, b),
    lambda T, a, b: T.cumprod(a, 1),
    lambda T, a, b: T.cumprod(a, 0, dtype=T.float32),
    lambda T, a, b: T.div(a, b, rounding_mode="floor"),
    lambda T, a, b: T.div(a, 2.0, rounding_mode="trunc"),
    lambda T, a, b: T.fmod(a, b),
    lambda T, a, b: T.remainder(a, b),
    lambda T, a, b: T.pow(b, a),
    lambda T, a, b: T.pow(2.0, a),
    lambda T, a, b: T.norm(a),
    lambda T, a, b: T.norm(a, 1),
    lambda T, a, b: T.norm(a, float("inf"), [1]),
    lambda T, a, b: T.norm(a, 3, [0], True),
    lambda T, a, b: T.sort(a, 1).values,
    lambda T, a, b: T.sort(a, dim=0, stable=True).values,
    lambda T, a, b: T.topk(b, 2).values,
    lambda T, a, b: T.var_mean(a, 1),
    lambda T, a, b: T.std_mean(a, [0, 1], keepdim=True),
    lambda T, a, b: a.index_put((T.tensor([1, 0]),), b[0]),
    lambda T, a, b: a.clone().index_put_((T.tensor([0]), T.tensor([2])), b[0, 0],
                                         accumulate=True),
    lambda T, a, b: a.clone().atan2_(b),
    lambda T, a, b: a.clone().pow_(b.abs()),
    lambda T, a, b: a.clone().clamp_(min=b),
    lambda T, a, b: a.clone().div_(b, rounding_mode="floor"),
])
def test_forward_formulas(torch, fn):
    def case(T):
        a = fw(T).make_dual(T.tensor(_A, dtype=T.float64), T.tensor(_TA, dtype=T.float64))
        b = fw(T).make_dual(T.tensor(_B, dtype=T.float64), T.tensor(_TB, dtype=T.float64))
        out = fn(T, a, b)
        outs = out if isinstance(out, tuple) else (out,)
        return tuple(fw(T).unpack_dual(o) for o in outs)
    check(torch, case)


@pytest.mark.parametrize("fn", [
    lambda T, c: c.abs(),
    lambda T, c: c.conj(),
    lambda T, c: c.conj().imag,
    lambda T, c: c._neg_view(),
    lambda T, c: c.conj_physical(),
    lambda T, c: T.view_as_real(c),
    lambda T, c: T.norm(c),
    lambda T, c: c.var(),
])
def test_complex_forward_formulas(torch, fn):
    def case(T):
        c = fw(T).make_dual(T.tensor([1 + 2j, -3 + 0.5j], dtype=T.complex128),
                            T.tensor([1j, 2 - 1j], dtype=T.complex128))
        return fw(T).unpack_dual(fn(T, c))
    check(torch, case)


# ---- printing and storage() --------------------------------------------------------------------
def test_printing_shows_the_tangent(torch):
    def case(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        a = T.tensor([1.0, 2.0])
        b = fw(T).make_dual(a, T.tensor([3.0, 4.0]))
        p, t = fw(T).unpack_dual(b)
        return (repr(a), repr(b), str(p), str(t), repr(fw(T).make_dual(x, T.ones(2)) * 2),
                repr(fw(T).make_dual(T.tensor(1.0), T.tensor(2.0))),
                repr(fw(T).make_dual(T.zeros(2, 3, dtype=T.float64),
                                     T.ones(2, 3, dtype=T.float64))))
    check(torch, case)
    assert repr(kindling.tensor([1.0])) == "tensor([1.])"   # (no level open)


def test_storage(torch):
    def case(T):
        a = T.arange(5.0)[:4]
        s = a.storage()
        d = fw(T).make_dual(a, T.ones(4))
        u = T.tensor([1, 2], dtype=T.int16).storage()
        return (len(s), s.size(), str(s.dtype), str(s.device), s.element_size(), s.nbytes(),
                s.data_ptr() == a.untyped_storage().data_ptr(),
                d.storage().data_ptr() == s.data_ptr(), s.tolist(), s[1], s[-1], repr(u),
                len(u), type(s).__name__, s.untyped() is a.untyped_storage())
    check(torch, case)
    for T in (kindling, torch):
        with pytest.raises(IndexError, match="index 5 out of range for storage of size 5"):
            T.arange(5.0).storage()[5]


def test_storage_warns_once(torch):
    def run(T):
        mod = T.storage
        mod._reset_warn_typed_storage_removal()
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            T.ones(2).storage()
            T.ones(2).storage()
        return [(w.category.__name__, str(w.message), w.filename) for w in ws]
    k, t = run(kindling), run(torch)
    assert [w[:2] for w in k] == [w[:2] for w in t] and len(k) == 1
    assert k[0][2] == __file__


# ---- layout ops -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda T: (T.zeros(5), T.zeros(2, 3, 4, dtype=T.float64)),
    lambda T: (T.zeros(2, 3, 4, dtype=T.float64), T.zeros(5)),
    lambda T: (T.zeros(2, 3, 4).transpose(0, 1).contiguous().transpose(0, 1),
               T.zeros(2, 3, 4)),
    lambda T: (T.zeros(2, 3, 4), T.zeros(2, 3, 4).transpose(0, 1).contiguous().transpose(0, 1)),
    lambda T: (T.zeros(5).narrow(0, 1, 2), T.zeros(2)),
    lambda T: (T.zeros(2), T.zeros(5).narrow(0, 1, 2)),
    lambda T: (T.zeros(5).resize_(4), T.zeros(4)),
    lambda T: (T.zeros(1, 0, 2), T.zeros(1, 2)),
    lambda T: (T.zeros(1, 2), T.zeros(1, 0, 2)),
    lambda T: (T.zeros(2, 2), T.tensor(1.0)),
])
def test_new_zeros_with_same_feature_meta(torch, make):
    def case(T):
        a, b = make(T)
        res = []
        for nb in range(a.dim() + 1):
            r = T.ops.aten._new_zeros_with_same_feature_meta(a, b, self_num_batch_dims=nb)
            res.append((r, len(r.untyped_storage()) // r.element_size(), r._base is None))
        return (res, T.ops.aten._has_same_storage_numel(a, b))
    _same(_run(kindling, case), _run(torch, case))


def test_has_same_storage_numel_ignores_conj_bits(torch):
    def case(T):
        a = T.tensor([[1 + 1j, 2j], [3.0, 1j]])
        return (T.ops.aten._has_same_storage_numel(a[1:].conj(), a),
                T.ops.aten._has_same_storage_numel(a[1:]._neg_view(), a[1:]))
    _same(_run(kindling, case), _run(torch, case))


# ---- forward grad mode -------------------------------------------------------------------------
def test_fwd_grad_enabled(torch):
    def case(T):
        r = [fw(T)._is_fwd_grad_enabled()]
        d = dual(T, [1., 2.], [3., 4.])
        try:
            T._C._set_fwd_grad_enabled(False)
            r += [fw(T)._is_fwd_grad_enabled(), fw(T).unpack_dual(d), tangent(T, d * 2),
                  repr(d)]
            with fw(T)._set_fwd_grad_enabled(True):
                r += [fw(T)._is_fwd_grad_enabled(), tangent(T, d * 2)]
            r.append(fw(T)._is_fwd_grad_enabled())
        finally:
            T._C._set_fwd_grad_enabled(True)
        r.append(T._C._is_fwd_grad_enabled())
        return r
    check(torch, case)


def test_fwd_grad_mode_is_thread_local():
    seen = []
    kindling._C._set_fwd_grad_enabled(False)
    try:
        th = threading.Thread(target=lambda: seen.append(kindling._C._is_fwd_grad_enabled()))
        th.start()
        th.join()
        assert seen == [True] and not kindling._C._is_fwd_grad_enabled()
    finally:
        kindling._C._set_fwd_grad_enabled(True)


def test_level_api(torch):
    def case(T):
        r = []
        for f in (lambda: T._make_dual(T.ones(2), T.ones(2), level=0),
                  lambda: T._unpack_dual(T.ones(2), level=0).tangent,
                  lambda: T._C._enter_dual_level(),
                  lambda: T._C._enter_dual_level(),
                  lambda: T.autograd.forward_ad.enter_dual_level(),
                  lambda: T._C._exit_dual_level(level=1),
                  lambda: T._C._exit_dual_level(level=0),
                  lambda: T._C._exit_dual_level(level=0),
                  lambda: T.autograd.forward_ad.exit_dual_level(level=1)):
            try:
                r.append(("ok", f()))
            except RuntimeError as e:
                r.append(("RuntimeError", str(e)))
        with T.autograd.forward_ad.dual_level():
            try:
                T._make_dual(T.ones(2), T.ones(2), level=1)
            except RuntimeError as e:
                r.append(str(e))
        return r
    _same(_run(kindling, case), _run(torch, case))


# ---- gradcheck(check_forward_ad=True) ---------------------------------------------------------
def _gradcheck_outcome(T, fn, inputs, **kw):
    try:
        return ("ok", T.autograd.gradcheck(fn, inputs, **kw))
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return (type(e).__name__, str(e).split("\n")[0])


@pytest.mark.parametrize("fast_mode", [False, True])
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("complex128", "float64"),
                                    ("complex128", "complex128")])
def test_gradcheck_forward_ad(torch, fast_mode, dtypes):
    def fn(x, y):
        return x + y, y

    def bad_fn(x, y):
        f = x.__class__.__module__.split(".")[0]
        fwAD = (kindling if f == "kindling" else torch).autograd.forward_ad
        if fwAD._current_level >= 0:
            y_p, y_d = fwAD.unpack_dual(y)
            y = fwAD.make_dual(y_p, y_d * 1.1)
        return x + y, y
    for f in (fn, bad_fn):
        res = []
        for T in (kindling, torch):
            x = T.tensor([0.5, 0.25], dtype=getattr(T, dtypes[0]), requires_grad=True)
            y = T.tensor([0.75, 1.5], dtype=getattr(T, dtypes[1]), requires_grad=True)
            res.append(_gradcheck_outcome(T, f, (x, y), check_forward_ad=True,
                                          fast_mode=fast_mode))
        assert res[0] == res[1]


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_forward_ad_view_as_real(torch, fast_mode):
    for T in (kindling, torch):
        x = T.tensor([0.5, 0.25], dtype=T.float64, requires_grad=True)
        assert T.autograd.gradcheck(lambda x: T.view_as_real(T.resolve_conj(x * 1j)), x,
                                    check_forward_ad=True, check_backward_ad=False,
                                    fast_mode=fast_mode)


def test_gradcheck_size_zero_complex_input(torch):
    for T in (kindling, torch):
        x = T.zeros(0, 1, dtype=T.complex128, requires_grad=True)
        assert T.autograd.gradcheck(lambda x: T.diagonal(x, offset=0), (x,),
                                    check_forward_ad=True)


def _user_fn(T, seen):
    class UserFn(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            if T.autograd.forward_ad._current_level >= 0:
                seen.append((x.requires_grad, y.requires_grad))
            return x.clone(), y.clone()

        @staticmethod
        def jvp(ctx, x_t, y_t):
            seen.append("jvp")
            return x_t, y_t
    return UserFn


@pytest.mark.parametrize("undefined", [False, True])
@pytest.mark.parametrize("y_requires_grad", [True, False])
def test_gradcheck_forward_ad_inputs_and_jvp_calls(torch, undefined, y_requires_grad):
    res = []
    for T in (kindling, torch):
        seen = []
        x = T.tensor([0.5], dtype=T.float64, requires_grad=True)
        y = T.tensor([0.25], dtype=T.float64, requires_grad=y_requires_grad)
        T.autograd.gradcheck(_user_fn(T, seen).apply, (x, y), check_forward_ad=True,
                             check_undefined_grad=undefined, check_backward_ad=False,
                             check_batched_grad=False, check_batched_forward_grad=False)
        res.append(seen)
    assert res[0] == res[1]


def test_gradcheck_forward_ad_grad_dtypes(torch):
    def fn(T):
        class Bad(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.clone()

            @staticmethod
            def jvp(ctx, t):
                return t * (1 + 0j)
        return Bad.apply
    res = []
    for T in (kindling, torch):
        x = T.tensor([0.5], dtype=T.float64, requires_grad=True)
        res.append(_gradcheck_outcome(T, fn(T), (x,), check_forward_ad=True,
                                      check_backward_ad=False, check_grad_dtypes=True,
                                      check_undefined_grad=False))
    assert res[0] == res[1]


# ---- every differentiable op of the OpInfo database, and the in-place forms -------------------
from test_autograd_opinfo import _DB, _leaves, _samples  # noqa: E402
from kindling.testing.harness import to_kindling, to_torch  # noqa: E402
from kindling.testing.opinfo import grad_op  # noqa: E402

# where PyTorch's own forward AD fails: aten.norm.Scalar's norm_jvp sums over no dims (torch.norm
# itself goes through linalg.vector_norm and works, kindling's through aten.norm.Scalar), a
# bool base of pow.Scalar hits an internal assert, and masked_scatter_backward's formula in
# derivatives.yaml passes grad_output_t.sizes() where the op's ``sizes`` belongs: its tangent
# has grad_output's shape, refused ("different size") whenever ``sizes`` differs (so torch's
# forward-over-reverse of masked_scatter fails for any source not shaped like self); the op is
# linear and kindling's tangent is the op over the tangent (samples of equal sizes compare)
_TORCH_FAILS = {("aten.norm.Scalar", "RuntimeError"), ("aten.pow.Scalar", "RuntimeError"),
                ("aten.masked_scatter_backward.default", "RuntimeError")}


# where PyTorch's forward formula gives wrong tangents (central differences of PyTorch's own op
# disagree with them): cholesky_inverse_jvp forms -X dF X F^H (+ its adjoint) where the
# differential of (F F^H)^-1 is -X (dF F^H + F dF^H) X; triangular_solve_jvp solves with dA X,
# ignoring the triangle A is read as, unitriangular's unit diagonal and transpose=True.
# kindling's tangents are checked against finite differences instead (gradcheck, forward mode).
_TORCH_WRONG_TANGENTS = {"aten.cholesky_inverse.default", "aten.triangular_solve.default"}


def _check_tangents_numerically(info, s):
    from kindling.autograd import gradcheck
    args = to_kindling([s.input, list(s.args), dict(s.kwargs)])
    leaves = _leaves(args, [])
    kop = grad_op(info, s)

    def rebuild(x, it):
        if isinstance(x, kindling.Tensor) and x.requires_grad:
            return next(it)
        if isinstance(x, (list, tuple)):
            return type(x)(rebuild(e, it) for e in x)
        if isinstance(x, dict):
            return {k: rebuild(v, it) for k, v in x.items()}
        return x

    def f(*ls):
        a = rebuild(args, iter(ls))
        out = kop(a[0], *a[1], **a[2])
        outs = out if isinstance(out, (list, tuple)) else [out]
        return tuple(o for o in outs if o.dtype.is_floating_point)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(f, tuple(leaves), check_forward_ad=True, check_backward_ad=False,
                         check_undefined_grad=False, check_batched_grad=False)


class _InplaceInfo:
    """The in-place form of a functional OpInfo entry, over its samples."""

    def __init__(self, info):
        self.info, self.op = info, info.opdef.inplace.op
        self.name = str(self.op)

    def sample_inputs(self, dtype):
        return self.info.sample_inputs(dtype)

    def torch_op(self, torch):
        ns, name, overload = self.name.split(".")
        return getattr(getattr(getattr(torch.ops, ns), name), overload)


_INPLACE = [_InplaceInfo(i) for i in _DB if getattr(i.opdef, "inplace", None) is not None]


def _jvp_outcome(T, info, s, tangents, inplace):
    data = [s.input, list(s.args), dict(s.kwargs)]
    args = to_kindling(data) if T is kindling else to_torch(data, T)
    leaves = _leaves(args, [])
    it = iter(leaves)
    try:
        with fw(T).dual_level():
            duals = [fw(T).make_dual(x.detach().clone(), T.from_numpy(t.copy()).to(x.dtype))
                     for x, t in zip(leaves, tangents)]
            dmap = {id(x): d for x, d in zip(leaves, duals)}

            def rebuild(x):
                if isinstance(x, T.Tensor) and id(x) in dmap:
                    next(it)
                    return dmap[id(x)]
                if isinstance(x, (list, tuple)):
                    return type(x)(rebuild(e) for e in x)
                if isinstance(x, dict):
                    return {k: rebuild(v) for k, v in x.items()}
                return x
            a = rebuild(args)
            if inplace:
                op = info.op if T is kindling else info.torch_op(T)
            else:  # (through the sample's gradcheck wrapper and output process)
                op = grad_op(info, s, None if T is kindling else T)
            out = op(a[0], *a[1], **a[2])
            if inplace:
                out = a[0]
            outs = out if isinstance(out, (list, tuple)) else [out]
            return ("ok", tuple(_plain(tangent(T, o), T) for o in outs
                                if isinstance(o, T.Tensor)))
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return (type(e).__name__, str(e))


def _sweep(torch, info, inplace):
    for si, s in enumerate(_samples(info)):
        leaves = _leaves(to_kindling([s.input, list(s.args), dict(s.kwargs)]), [])
        if not leaves:
            continue
        if info.name in _TORCH_WRONG_TANGENTS and not inplace:
            _check_tangents_numerically(info, s)
            continue
        rng = np.random.default_rng(si)
        tangents = [rng.uniform(-1, 1, size=tuple(x.shape)) for x in leaves]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            k = _jvp_outcome(kindling, info, s, tangents, inplace)
            t = _jvp_outcome(torch, info, s, tangents, inplace)
        if (info.name, t[0]) in _TORCH_FAILS and k[0] == "ok":
            continue
        _same(k, t)


@pytest.mark.parametrize("info", _DB, ids=[i.name for i in _DB])
def test_op_tangents_match_torch(torch, info):
    _sweep(torch, info, False)


@pytest.mark.parametrize("info", _INPLACE, ids=[i.name for i in _INPLACE])
def test_inplace_op_tangents_match_torch(torch, info):
    _sweep(torch, info, True)
