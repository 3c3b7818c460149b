"""Complex-number autograd against PyTorch.

* every differentiable op of the OpInfo database, on its complex128 samples: gradients (and
  double-backward gradients) equal PyTorch's for the same random complex output gradients,
  forward-mode tangents equal PyTorch's, and ``gradcheck``/``gradgradcheck`` pass; where
  PyTorch refuses complex inputs, kindling raises the same exception type;
* real <-> complex mixing (real inputs of complex results get the real part of their
  gradient, PyTorch's ``handle_r_to_c``) and the cases PyTorch refuses;
* ``gradcheck`` on complex functions, its Wirtinger checks and its messages;
* forward mode on complex tangents.
"""
import numpy as np
import pytest

import kindling
from kindling.autograd import gradcheck, gradgradcheck
from kindling.autograd.derivatives import spec_for
from kindling.testing import samples as S
from kindling.testing.harness import to_kindling, to_torch
from kindling.testing.opinfo import grad_op, op_db
from _parity import ExtraOpInfo as _Extra
from kindling.testing.samples import Arr, SampleInput as SI
from test_forward_ad_parity import _TORCH_FAILS as _TORCH_FW_FAILS, _TORCH_WRONG_TANGENTS

C = "complex128"

# finite differences are unreliable near the samples' branch cuts / kinks, or PyTorch's own
# gradcheck fails (compared with PyTorch only)
NO_GRADCHECK = {
    "aten.abs.default": "|z| is not complex-differentiable at 0; samples are far from it, but "
                        "gradgradcheck's second derivative of abs is large near small |z|",
    "aten.as_strided_scatter.default": "PyTorch's formula for self keeps the gradient inside "
                                       "the scattered region (its own gradcheck fails too); "
                                       "kindling gives PyTorch's gradients",
}
# gradcheck on at most this many samples per op (the comparison with PyTorch runs on all)
GRADCHECK_SAMPLES = 2


def _differentiable(info):
    spec = spec_for(info.opdef)
    return spec is not None and spec.mode == "formula" and not info.is_inplace


def _c(*shape, seed=0, noncontig=False):
    return S.make_arr(shape, C, seed=seed, noncontig=noncontig)


def _idx(*v):
    return Arr(np.array(v, dtype=np.int64))


# Complex samples for differentiable ops without OpInfo samples (views, shape ops...), or
# in addition to theirs (real inputs of complex results).
EXTRA = {
    "aten.view.default": lambda: [SI(_c(2, 3), [3, 2]), SI(_c(), [1, 1])],
    "aten.transpose.int": lambda: [SI(_c(2, 3, 4), 0, 2)],
    "aten.t.default": lambda: [SI(_c(2, 3))],
    "aten.permute.default": lambda: [SI(_c(2, 3, 4), [2, 0, 1])],
    "aten.expand.default": lambda: [SI(_c(3, 1), [2, 3, 4])],
    "aten.squeeze.dim": lambda: [SI(_c(2, 1, 3), 1)],
    "aten.unsqueeze.default": lambda: [SI(_c(2, 3), -1)],
    "aten.select.int": lambda: [SI(_c(3, 4, noncontig=True), 0, 2)],
    "aten.slice.Tensor": lambda: [SI(_c(5, 3), 0, 1, 4, 2)],
    "aten.split.Tensor": lambda: [SI(_c(5, 2), 2)],
    "aten.unbind.int": lambda: [SI(_c(3, 2), 1)],
    "aten.diagonal.default": lambda: [SI(_c(3, 4), 1)],
    "aten.as_strided.default": lambda: [SI(_c(4), [2, 2], [1, 1])],
    "aten.clone.default": lambda: [SI(_c(2, 3, noncontig=True))],
    "aten._to_copy.default": lambda: [SI(_c(2, 3))],
    "aten.cat.default": lambda: [SI([_c(2, 3), _c(1, 3, seed=1)], 0)],
    "aten.index.Tensor": lambda: [SI(_c(4, 3), [_idx(0, 2, 0)])],
    "aten.index_put.default": lambda: [SI(_c(4, 3), [_idx(1, 1)], _c(3, seed=1), True)],
    "aten.flip.default": lambda: [SI(_c(2, 3), [0, 1])],
    "aten.roll.default": lambda: [SI(_c(2, 3), [1], [1])],
    "aten.view_as_real.default": lambda: [SI(_c(2, 3))],
    "aten.view_as_complex.default": lambda: [SI(S.make_arr((3, 2), "float64"))],
    "aten._conj.default": lambda: [SI(_c(2, 3))],
    "aten._conj_physical.default": lambda: [SI(_c(2, 3))],
    "aten._neg_view.default": lambda: [SI(_c(2, 3))],
    "aten.complex.default": lambda: [SI(S.make_arr((2, 3), "float64"),
                                        S.make_arr((3,), "float64", seed=1))],
}


def _db():
    from kindling._aten._defop import all_ops
    ops = {str(d.op): d for d in all_ops().values()}
    db = [i for i in op_db() if _differentiable(i)]
    have = {i.name for i in db}
    db += [_Extra(ops[n], f) for n, f in EXTRA.items() if n not in have]
    return sorted(db, key=lambda i: i.name)


_DB = _db()


def _mark(x):
    """Float and complex sample tensors require grad."""
    if isinstance(x, Arr):
        if x.value.dtype.kind in "fc":
            return Arr(x.value, x.noncontig, requires_grad=True)
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_mark(e) for e in x)
    if isinstance(x, dict):
        return {k: _mark(v) for k, v in x.items()}
    return x


def _leaves(x, out):
    if isinstance(x, kindling.Tensor) or type(x).__module__.startswith("torch"):
        if getattr(x, "requires_grad", False):
            out.append(x)
    elif isinstance(x, (list, tuple)):
        for e in x:
            _leaves(e, out)
    elif isinstance(x, dict):
        for e in x.values():
            _leaves(e, out)
    return out


def _rebuild(template, leaves):
    it = iter(leaves)

    def rec(x):
        if isinstance(x, kindling.Tensor) and x.requires_grad:
            return next(it)
        if isinstance(x, (list, tuple)):
            return type(x)(rec(e) for e in x)
        if isinstance(x, dict):
            return {k: rec(v) for k, v in x.items()}
        return x
    return rec(template)


def _diff_outs(out):
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [o for o in outs if hasattr(o, "dtype") and
            (o.dtype.is_floating_point or o.dtype.is_complex)]


def _random_like(rng, t):
    shape = tuple(t.shape)
    v = rng.uniform(-1, 1, size=shape)
    if t.dtype.is_complex:
        v = v + 1j * rng.uniform(-1, 1, size=shape)
    return np.asarray(v, dtype=str(t.dtype).split(".")[-1])  # (t's dtype)


def _np(t):
    if t is None:
        return None
    t = t.detach()
    if type(t).__module__.startswith("torch"):
        return t.resolve_conj().resolve_neg().numpy(force=True)
    return np.asarray(t.resolve_conj().resolve_neg().numpy())


def _assert_grads(gk, gt, what, rtol=1e-7, atol=1e-9):
    assert len(gk) == len(gt), what
    for a, b in zip(gk, gt):
        if b is None:
            assert a is None or not np.any(_np(a)), what
            continue
        assert a is not None, what
        assert str(a.dtype) == str(b.dtype), what
        assert tuple(a.shape) == tuple(b.shape), what
        np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol, err_msg=what)


def _finite(outs):
    return all(np.all(np.isfinite(_np(o))) for o in outs)


def _complex_samples(info, dtype=C):
    extra = EXTRA[info.name]() if info.name in EXTRA and not isinstance(info, _Extra) else []
    if dtype != C:
        extra = []
    for s in list(info.sample_inputs(dtype)) + extra:
        yield s.mapped(_mark)


def _call(fn, args):
    try:
        return fn(args[0], *args[1], **args[2]), None
    except Exception as e:  # noqa: BLE001 - the exception type is compared
        return None, e


def _has_complex(leaves):
    return any(t.dtype.is_complex for t in leaves)


# (complex64 within single precision of PyTorch's vectorised kernels)
_TOL = {C: dict(rtol=1e-7, atol=1e-9), "complex64": dict(rtol=2e-4, atol=2e-5)}


@pytest.mark.parametrize("dtype", [C, "complex64"])
@pytest.mark.parametrize("info", _DB, ids=[i.name for i in _DB])
def test_complex_gradients_match_torch(torch, info, dtype):
    """Backward, double backward and forward mode on complex samples equal PyTorch's; where
    PyTorch refuses complex inputs kindling raises the same exception type."""
    compared = 0
    spec = spec_for(info.opdef)
    tol = _TOL[dtype]
    for n, s in enumerate(_complex_samples(info, dtype)):
        kargs = to_kindling([s.input, list(s.args), dict(s.kwargs)])
        targs = to_torch([s.input, list(s.args), dict(s.kwargs)], torch)
        # (the op through the sample's gradcheck wrapper and output process)
        top, kop = grad_op(info, s, torch), grad_op(info, s)
        tout, terr = _call(top, targs)
        kout, kerr = _call(kop, kargs)
        where = f"{info.name} sample {n}: {s!r}"
        if terr is not None:
            assert kerr is not None, f"{where}: PyTorch raised {terr!r}, kindling did not"
            assert isinstance(kerr, type(terr)), f"{where}: {terr!r} vs {kerr!r}"
            continue
        assert kerr is None, f"{where}: kindling raised {kerr!r}"
        leaves, tleaves = _leaves(kargs, []), _leaves(targs, [])
        douts, tdouts = _diff_outs(kout), _diff_outs(tout)
        if not douts or not _finite(douts) or not (
                _has_complex(leaves) or _has_complex(douts)):
            continue
        pairs = [(k, t) for k, t in zip(douts, tdouts) if t.requires_grad]
        if not pairs:
            continue
        compared += 1
        rng = np.random.default_rng(n)
        gos = [_random_like(rng, t) for _, t in pairs]
        kg, kerr = _call(lambda *a: kindling.autograd.grad(*a, allow_unused=True,
                                                           create_graph=True),
                         ([k for k, _ in pairs], [leaves, [kindling.from_numpy(g.copy())
                                                           for g in gos]], {}))
        tg, terr = _call(lambda *a: torch.autograd.grad(*a, allow_unused=True,
                                                        create_graph=True),
                         ([t for _, t in pairs], [tleaves, [torch.from_numpy(g.copy())
                                                            for g in gos]], {}))
        if terr is not None:  # (e.g. a complex gradient for a real input)
            assert (type(kerr), str(kerr)) == (type(terr), str(terr)), where
            continue
        assert kerr is None, f"{where}: {kerr!r}"
        _assert_grads(kg, tg, f"{where} (backward)", **tol)
        # double backward: the gradients of <grads, random> with respect to the inputs
        second = [(a, b) for a, b in zip(kg, tg) if b is not None and b.requires_grad]
        if second:
            ggs = [_random_like(rng, b) for _, b in second]
            kgg = kindling.autograd.grad([a for a, _ in second], leaves,
                                         [kindling.from_numpy(g.copy()) for g in ggs],
                                         allow_unused=True)
            tgg = torch.autograd.grad([b for _, b in second], tleaves,
                                      [torch.from_numpy(g.copy()) for g in ggs],
                                      allow_unused=True)
            _assert_grads(kgg, tgg, f"{where} (double backward)", **tol)
        # (PyTorch's wrong tangents: test_complex_gradcheck checks kindling's numerically)
        if spec.jvp_src is not None and info.name not in _TORCH_WRONG_TANGENTS:
            _compare_jvps(torch, info.name, (kop, top), kargs, targs, leaves, tleaves, rng, where, tol)
    if not compared:
        pytest.skip("no complex sample PyTorch differentiates")


def _compare_jvps(torch, name, ops, kargs, targs, leaves, tleaves, rng, where, tol):
    kop, top = ops
    import torch.autograd.forward_ad as tfw
    kfw = kindling.autograd.forward_ad
    tangents = [_random_like(rng, t) for t in tleaves]
    with tfw.dual_level():
        tduals = [tfw.make_dual(t.detach(), torch.from_numpy(v.copy()))
                  for t, v in zip(tleaves, tangents)]
        tout, terr = _call(top, _rebuild_torch(targs, tduals))
        ttan = None if terr else [tfw.unpack_dual(o).tangent for o in _diff_outs(tout)]
    with kfw.dual_level():
        kduals = [kfw.make_dual(t.detach(), kindling.from_numpy(v.copy()))
                  for t, v in zip(leaves, tangents)]
        kout, kerr = _call(kop, _rebuild(kargs, kduals))
        ktan = None if kerr else [kfw.unpack_dual(o).tangent for o in _diff_outs(kout)]
    if terr is not None:
        if (name, type(terr).__name__) in _TORCH_FW_FAILS and kerr is None:
            return  # (a PyTorch forward-AD bug kindling does not copy: see the list)
        assert kerr is not None and isinstance(kerr, type(terr)), \
            f"{where} (forward AD): {terr!r} vs {kerr!r}"
        return
    assert kerr is None, f"{where} (forward AD): {kerr!r}"
    _assert_grads(ktan, ttan, f"{where} (forward AD)", **tol)


def _rebuild_torch(template, leaves):
    it = iter(leaves)

    def rec(x):
        if type(x).__module__.startswith("torch") and getattr(x, "requires_grad", False):
            return next(it)
        if isinstance(x, (list, tuple)):
            return type(x)(rec(e) for e in x)
        if isinstance(x, dict):
            return {k: rec(v) for k, v in x.items()}
        return x
    return rec(template)


@pytest.mark.parametrize("info", _DB, ids=[i.name for i in _DB])
def test_complex_gradcheck(torch, info):
    """gradcheck (backward and forward mode) and gradgradcheck on complex inputs, in fast
    mode, on the samples PyTorch differentiates."""
    if info.name in NO_GRADCHECK:
        pytest.skip(NO_GRADCHECK[info.name])
    checked = 0
    fwd = spec_for(info.opdef).jvp_src is not None
    for s in _complex_samples(info):
        if checked == GRADCHECK_SAMPLES:
            break
        targs = to_torch([s.input, list(s.args), dict(s.kwargs)], torch)
        kop = grad_op(info, s)
        tout, terr = _call(grad_op(info, s, torch), targs)
        if terr is not None or not _diff_outs(tout) or \
                not any(o.requires_grad for o in _diff_outs(tout)):
            continue
        args = to_kindling([s.input, list(s.args), dict(s.kwargs)])
        leaves = _leaves(args, [])
        out = kop(args[0], *args[1], **args[2])
        if not (_has_complex(leaves) or _has_complex(_diff_outs(out))) or \
                any(t.numel() == 0 for t in leaves) or not _finite(_diff_outs(out)):
            continue
        checked += 1

        def f(*ls, template=args):
            a = _rebuild(template, ls)
            return tuple(_diff_outs(kop(a[0], *a[1], **a[2])))
        assert gradcheck(f, tuple(leaves), fast_mode=True, atol=1e-5, rtol=1e-3,
                         check_forward_ad=fwd)
        assert gradgradcheck(f, tuple(leaves), fast_mode=True, atol=1e-4, rtol=1e-3)
    if not checked:
        pytest.skip("no complex sample to check")


# ---- real <-> complex mixing --------------------------------------------------------------------
def _r(T, *v):
    return T.tensor(list(v), dtype=T.float64, requires_grad=True)


def _z(T, *v):
    return T.tensor(list(v), dtype=T.complex128, requires_grad=True)


MIXED = {
    "mul": lambda T, x, z: x * z,
    "mul_scalar": lambda T, x, z: x * (1.5 - 2j) + z,
    "add_alpha": lambda T, x, z: T.add(z, x, alpha=2 - 1j),
    "sub": lambda T, x, z: T.sub(x, z, alpha=1j),
    "rsub": lambda T, x, z: T.rsub(x, z, alpha=0.5j),
    "rsub_scalar": lambda T, x, z: T.rsub(x, 1 + 2j) * z,
    "div": lambda T, x, z: x / z + z / x,
    "div_scalar": lambda T, x, z: x / (2 + 1j) + z,
    "pow_real_base": lambda T, x, z: x.abs() ** z,
    "pow_complex_exponent_scalar": lambda T, x, z: (x.abs() + 1) ** (0.5 - 1j) + z,
    "pow_scalar_base": lambda T, x, z: T.pow(-2, x) + T.pow(1 + 1j, x) * z,
    "complex": lambda T, x, z: T.complex(x, x * 2) * z,
    "to_complex": lambda T, x, z: x.to(T.complex128) * z,
    "cat": lambda T, x, z: T.cat([x, z]) * T.cat([z, z]),
    "stack": lambda T, x, z: T.stack([x, z]).sum(0) * z,
    "addcmul": lambda T, x, z: T.addcmul(x, z, x, value=2 - 1j) + T.addcmul(z, x, z),
    "addcdiv": lambda T, x, z: T.addcdiv(x, z, z + 3, value=0.5j),
    "exp_real_complex": lambda T, x, z: (x * 1j).exp() * z,
    "abs_of_complex": lambda T, x, z: (x + z).abs() * x,
    "real_imag": lambda T, x, z: (z * x).real + (z / x).imag,
    "angle": lambda T, x, z: T.angle(z * x) + T.angle(x),
    "sgn": lambda T, x, z: T.sgn(z * x) * x,
    "view_as_real": lambda T, x, z: T.view_as_real(z * x) * x.unsqueeze(-1),
    "mm": lambda T, x, z: (x.view(3, 1).to(T.complex128) @ z.view(1, 3)).sum(0) * x,
    "dot": lambda T, x, z: T.dot(z, x.to(T.complex128)) * z,
    "matmul_conj": lambda T, x, z: T.matmul(z.conj(), z * x),
    "copy_": lambda T, x, z: T.zeros(3, dtype=T.complex128).copy_(x) * z,
    "sum_mean_prod": lambda T, x, z: (z * x).sum() + (z * x).mean() + (z + x).prod(),
    "lerp": lambda T, x, z: T.lerp(z, x.to(T.complex128), 0.3 + 0.1j),
}


def _mixed_case(T, case):
    x, z = _r(T, 0.5, -1.25, 2.0), _z(T, 1 + 2j, -0.5 + 1j, 3 - 0.25j)
    out = MIXED[case](T, x, z)
    rng = np.random.default_rng(7)
    go = rng.uniform(-1, 1, size=tuple(out.shape))
    if out.dtype.is_complex:
        go = go + 1j * rng.uniform(-1, 1, size=tuple(out.shape))
    go = np.asarray(go)
    gx, gz = T.autograd.grad(out, (x, z), T.from_numpy(go), allow_unused=True)
    return out, gx, gz


@pytest.mark.parametrize("case", sorted(MIXED))
def test_real_complex_mixing(torch, case):
    """A real input of a complex computation gets the real part of its gradient, a complex
    one the conjugate Wirtinger derivative: as PyTorch."""
    k = _mixed_case(kindling, case)
    t = _mixed_case(torch, case)
    assert str(k[1].dtype) == "torch.float64"
    for a, b in zip(k, t):
        if b is None:
            assert a is None or not np.any(_np(a))
            continue
        assert str(a.dtype) == str(b.dtype)
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-12)


def test_the_briefs_example(torch):
    for T in (kindling, torch):
        a = T.tensor([1 + 2j], requires_grad=True)
        (a * 1j).real.sum().backward()
        assert a.grad.tolist() == [-1j]


REFUSED = {
    # PyTorch's formulas give a real input of these a complex gradient: the engine refuses it
    "where": lambda T, x, z: T.where(T.tensor([True, False, True]), x, z),
    "fill_": lambda T, x, z: T.zeros(3, dtype=T.complex128).fill_(x.sum()),
    "custom_function": lambda T, x, z: _Complexify[T].apply(x),
    # and ops that refuse complex inputs
    "clamp": lambda T, x, z: T.clamp(z, 0, 1),
    "max": lambda T, x, z: z.max(),
    "sort": lambda T, x, z: z.sort()[0],
    "atan2": lambda T, x, z: T.atan2(z, z),
    "erf": lambda T, x, z: T.erf(z),
    "sign": lambda T, x, z: T.sign(z),
    "relu": lambda T, x, z: T.relu(z),
    "lt": lambda T, x, z: z < z,
}


def _complexifier(T):
    class Complexify(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * (1 + 1j)
    return Complexify


class _Lazy(dict):
    def __missing__(self, T):
        self[T] = _complexifier(T)
        return self[T]


_Complexify = _Lazy()


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_like_pytorch(torch, case):
    def run(T):
        x, z = _r(T, 0.5, -1.25, 2.0), _z(T, 1 + 2j, -0.5 + 1j, 3 - 0.25j)
        try:
            out = REFUSED[case](T, x, z)
            out.abs().sum().backward()
        except Exception as e:  # noqa: BLE001 - compared
            return type(e).__name__, str(e)
        return "ok", x.grad.tolist()
    k, t = run(kindling), run(torch)
    assert k == t
    assert k[0] != "ok"


# ---- gradcheck on complex functions -----------------------------------------------------------
def test_gradcheck_complex_non_complex_outputs():
    def fn(x, y):
        return kindling.complex(x, y), x + 1

    a = kindling.ones(2, 2, dtype=kindling.float64, requires_grad=True)
    b = kindling.ones(2, 2, dtype=kindling.float64, requires_grad=True)
    assert gradcheck(fn, (a, b))
    c = kindling.ones(2, 2, dtype=kindling.complex128, requires_grad=True)
    assert gradcheck(lambda z: (z, kindling.real(z)), (c,))
    assert gradcheck(lambda z: (z, kindling.real(z)), (c,), fast_mode=True)


def _with_hook(fn):
    def f(x):
        y = fn(x)
        y.register_hook(lambda g: g + 1e-2)
        return y
    return f


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("case,prefix", [
    ("c2c", "While considering the imaginary part of complex outputs only, "),
    ("r2c", "While considering the imaginary part of complex outputs only, "),
    ("c2r", ""),
])
def test_gradcheck_mismatch_messages(torch, case, prefix, fast):
    """A wrong gradient is caught on the imaginary part of complex outputs first, and the
    message says so, as PyTorch's (the Jacobians printed alike in slow mode)."""
    def run(T):
        fns = {"c2c": lambda x: x.clone(), "r2c": lambda x: T.complex(x, x),
               "c2r": lambda x: T.real(x)}
        dt = T.float64 if case == "r2c" else T.complex128
        x = T.ones(2, 2, dtype=dt, requires_grad=True)
        try:
            T.autograd.gradcheck(_with_hook(fns[case]), (x,), fast_mode=fast)
        except RuntimeError as e:
            assert not T.autograd.gradcheck(_with_hook(fns[case]), (x,), fast_mode=fast,
                                            raise_exception=False)
            return str(e)
        return None
    k, t = run(kindling), run(torch)
    assert t is not None and k is not None
    assert t.startswith(prefix + "Jacobian mismatch for output 0 with respect to input 0,")
    assert k.startswith(prefix + "Jacobian mismatch for output 0 with respect to input 0,")
    if not fast:
        assert k == t


def test_gradcheck_forward_mode_names_the_input_part(torch):
    """Forward mode splits complex inputs: a wrong tangent is reported for the imaginary part
    of the complex inputs, as PyTorch reports it."""
    def run(T):
        class WrongJvp(T.autograd.Function):
            @staticmethod
            def forward(x):
                return x * 2

            @staticmethod
            def setup_context(ctx, inputs, output):
                pass

            @staticmethod
            def backward(ctx, g):
                return g * 2

            @staticmethod
            def jvp(ctx, t):
                return t.conj() * 2
        x = T.tensor([1 + 1j, 2 - 1j], dtype=T.complex128, requires_grad=True)
        with pytest.raises(RuntimeError) as e:
            T.autograd.gradcheck(WrongJvp.apply, (x,), check_forward_ad=True,
                                 check_backward_ad=False)
        return str(e.value)
    k, t = run(kindling), run(torch)
    prefix = "While considering the imaginary part of complex inputs only, Jacobian computed " \
             "with forward mode mismatch for output 0 with respect to input 0,"
    assert t.startswith(prefix) and k.startswith(prefix)
    assert k == t


def test_gradcheck_pow_real_negative_base_complex_exponent():
    """PyTorch's test_pow_real_negative_base_complex_exponent: a real negative base with a
    complex exponent takes the complex logarithm of the base."""
    base = -kindling.ones(2, dtype=kindling.float64)
    exponent = kindling.tensor([0.3 - 0.7j, -1.1 + 0.4j], dtype=kindling.complex128,
                               requires_grad=True)
    assert gradcheck(lambda e: kindling.pow(base, e), (exponent,))
    assert gradcheck(lambda e: kindling.pow(-1, e), (exponent,))
    assert gradgradcheck(lambda e: kindling.pow(base, e), (exponent,))


def test_gradcheck_finds_a_wrong_complex_formula():
    """A gradient off by a conjugation (the mistake complex formulas invite) fails."""
    class NoConj(kindling.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y, g * x  # should be g * y.conj(), g * x.conj()
    x = kindling.tensor([1 + 2j, 0.5 - 1j], dtype=kindling.complex128, requires_grad=True)
    y = kindling.tensor([2 - 1j, -1 + 0.5j], dtype=kindling.complex128, requires_grad=True)
    for fast in (False, True):
        assert not gradcheck(NoConj.apply, (x, y), raise_exception=False, fast_mode=fast)
    assert gradcheck(lambda a, b: a * b, (x, y))


def test_gradcheck_no_differentiable_outputs(torch):
    def run(T):
        x = T.ones(1, dtype=T.float64, requires_grad=True)
        with pytest.raises(RuntimeError, match="Numerical gradient for function expected to "
                                               "be zero") as e:
            T.autograd.gradcheck(lambda x: T.tensor([x.item()]), (x,))
        return str(e.value)
    assert run(kindling) == run(torch)


# ---- forward mode ------------------------------------------------------------------------------
JVP_CASES = {
    "exp": lambda T, x, z: (z.exp(), x.exp()),
    "abs": lambda T, x, z: (z.abs(), (x + 1j).abs()),
    "pow_scalar_r2c": lambda T, x, z: (x ** (1 + 1j), z ** 2.5),
    "mul_scalar": lambda T, x, z: (x * (1 + 2j), z * 3j),
    "add_complex_scalar": lambda T, x, z: (x + 1j, x - 1j),
    "div_scalar": lambda T, x, z: (x / (1 + 1j), z / (2 - 1j)),
    "sigmoid_tanh": lambda T, x, z: (z.sigmoid(), z.tanh()),
    "angle_sgn": lambda T, x, z: (T.angle(z), T.sgn(z)),
    "prod_var": lambda T, x, z: (z.prod(), z.var()),
    "conj_real_imag": lambda T, x, z: (z.conj() * z, z.real, z.imag),
}


@pytest.mark.parametrize("case", sorted(JVP_CASES))
def test_forward_ad_on_complex(torch, case):
    """Tangents of complex computations, PyTorch's auto_element_wise quirks included (a real
    input of ``pow`` with a complex exponent gets a real tangent)."""
    def run(T):
        fw = T.autograd.forward_ad
        with fw.dual_level():
            x = fw.make_dual(T.tensor([1.0, 2.0], dtype=T.float64),
                             T.tensor([1.0, -0.5], dtype=T.float64))
            z = fw.make_dual(T.tensor([1 + 1j, -2 + 0.5j], dtype=T.complex128),
                             T.tensor([0.5 - 1j, 1 + 2j], dtype=T.complex128))
            outs = JVP_CASES[case](T, x, z)
            return [(str(o.dtype).split(".")[1], _np(fw.unpack_dual(o).tangent))
                    for o in outs]
    for (kd, kt), (td, tt) in zip(run(kindling), run(torch)):
        assert kd == td
        np.testing.assert_allclose(kt, tt, rtol=1e-9, atol=1e-12)
