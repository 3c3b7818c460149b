"""torch.nn.functional's normalization (batch_norm, instance_norm, layer_norm, group_norm,
rms_norm) and their aten ops against PyTorch: values, gradients (first and second order),
forward-mode tangents, running statistics, backward node names, errors and what a dispatch
mode sees."""
import numpy as np
import pytest

import kindling
from _parity import call_outcome, dispatch_log

torch = pytest.importorskip("torch")

LIBS = (kindling, torch)


def _data(shape, seed, dtype="float64"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _t(T, a, requires_grad=False):
    return T.tensor(a, requires_grad=requires_grad)


def _np(t):
    return t.detach().numpy() if t is not None else None


def _close(a, b, tol=1e-9):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


# ---- F.* in both libraries: outputs, grads, running statistics, node names --------------------
def _bn(T, training, with_stats=True, affine=True, shape=(4, 3, 5)):
    F = T.nn.functional
    x = _t(T, _data(shape, 0), True)
    c = shape[1]
    w = _t(T, _data((c,), 1), True) if affine else None
    b = _t(T, _data((c,), 2), True) if affine else None
    rm = _t(T, _data((c,), 3)) if with_stats else None
    rv = _t(T, np.abs(_data((c,), 4)) + 0.5) if with_stats else None
    y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3, eps=1e-3)
    return y, [x, w, b], [rm, rv]


def _in(T, use_input_stats, with_stats=True):
    F = T.nn.functional
    x = _t(T, _data((2, 3, 6), 0), True)
    w, b = _t(T, _data((3,), 1), True), _t(T, _data((3,), 2), True)
    rm = _t(T, _data((3,), 3)) if with_stats else None
    rv = _t(T, np.abs(_data((3,), 4)) + 0.5) if with_stats else None
    y = F.instance_norm(x, rm, rv, w, b, use_input_stats=use_input_stats, momentum=0.2)
    return y, [x, w, b], [rm, rv]


def _ln(T, affine=True):
    F = T.nn.functional
    x = _t(T, _data((2, 3, 4, 5), 0), True)
    w = _t(T, _data((4, 5), 1), True) if affine else None
    b = _t(T, _data((4, 5), 2), True) if affine else None
    return F.layer_norm(x, (4, 5), w, b, eps=1e-4), [x, w, b], []


def _gn(T, affine=True):
    F = T.nn.functional
    x = _t(T, _data((3, 6, 2, 2), 0), True)
    w = _t(T, _data((6,), 1), True) if affine else None
    b = _t(T, _data((6,), 2), True) if affine else None
    return F.group_norm(x, 3, w, b, eps=1e-4), [x, w, b], []


def _rms(T, affine=True, eps=None):
    F = T.nn.functional
    x = _t(T, _data((3, 4, 5), 0), True)
    w = _t(T, _data((5,), 1), True) if affine else None
    return F.rms_norm(x, [5], w, eps=eps), [x, w], []


CASES = {
    "bn_train": lambda T: _bn(T, True), "bn_eval": lambda T: _bn(T, False),
    "bn_nostats": lambda T: _bn(T, True, with_stats=False),
    "bn_plain": lambda T: _bn(T, True, affine=False),
    "bn_2d": lambda T: _bn(T, True, shape=(5, 3)),
    "bn_4d": lambda T: _bn(T, True, shape=(2, 3, 2, 3)),
    "in_stats": lambda T: _in(T, True), "in_eval": lambda T: _in(T, False),
    "in_nostats": lambda T: _in(T, True, with_stats=False),
    "ln": _ln, "ln_plain": lambda T: _ln(T, False),
    "gn": _gn, "gn_plain": lambda T: _gn(T, False),
    "rms": _rms, "rms_plain": lambda T: _rms(T, False), "rms_eps": lambda T: _rms(T, eps=0.1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_grads_running_stats(case):
    res = {}
    for T in LIBS:
        y, inputs, stats = CASES[case](T)
        go = _t(T, _data(tuple(y.shape), 9))
        diff = [t for t in inputs if t is not None]
        grads = T.autograd.grad(y, diff, go)
        res[T] = (y, [_np(g) for g in grads], [_np(s) for s in stats], type(y.grad_fn).__name__)
    (ky, kg, ks, kn), (ty, tg, ts, tn) = res[kindling], res[torch]
    assert kn == tn and repr(ky.dtype) == repr(ty.dtype) and tuple(ky.shape) == tuple(ty.shape)
    _close(_np(ky), _np(ty))
    for a, b in zip(kg, tg):
        _close(a, b)
    for a, b in zip(ks, ts):
        if b is None:
            assert a is None
        else:
            _close(a, b)


@pytest.mark.parametrize("case", ["bn_train", "bn_eval", "in_stats", "ln", "ln_plain", "gn",
                                  "gn_plain", "rms"])
def test_second_order(case):
    """Gradients of the input gradient (batchnorm_double_backward, layer_norm_double_backward,
    group norm's differentiable backward)."""
    res = {}
    for T in LIBS:
        y, inputs, _ = CASES[case](T)
        diff = [t for t in inputs if t is not None]
        go = _t(T, _data(tuple(y.shape), 9), True)
        g = T.autograd.grad(y, diff, go, create_graph=True)
        s = sum((gi * _t(T, _data(tuple(gi.shape), 20 + k))).sum() for k, gi in enumerate(g))
        gg = T.autograd.grad(s, diff + [go], allow_unused=True)
        res[T] = [_np(v) for v in gg]
    for a, b in zip(res[kindling], res[torch]):
        if b is None:
            assert a is None
        else:
            _close(a, b, 1e-8)


@pytest.mark.parametrize("case", ["bn_train", "bn_eval", "in_stats", "ln", "gn", "rms"])
def test_forward_ad(case):
    res = {}
    for T in LIBS:
        fwAD = T.autograd.forward_ad
        with fwAD.dual_level():
            y, inputs, stats = CASES[case](T)
            # the same call again, on dual inputs
            duals = []
            for k, t in enumerate(inputs):
                duals.append(None if t is None else fwAD.make_dual(
                    t.detach(), _t(T, _data(tuple(t.shape), 30 + k))))
            F = T.nn.functional
            x, w, b = (duals + [None, None])[:3]
            if case.startswith("bn"):
                out = F.batch_norm(x, stats[0], stats[1], w, b, training=case == "bn_train")
            elif case == "in_stats":
                out = F.instance_norm(x, stats[0], stats[1], w, b)
            elif case == "ln":
                out = F.layer_norm(x, (4, 5), w, b)
            elif case == "gn":
                out = F.group_norm(x, 3, w, b)
            else:
                out = F.rms_norm(x, [5], w)
            res[T] = _np(fwAD.unpack_dual(out).tangent)
    _close(res[kindling], res[torch])


def test_native_ops_outputs_and_nodes():
    """The aten ops' three outputs (statistics included) and which of them require grad."""
    def run(T):
        x = _t(T, _data((3, 4, 5), 0), True)
        rm, rv = _t(T, np.zeros(4)), _t(T, np.ones(4))
        outs = {
            "nbn": T.native_batch_norm(x, None, None, rm, rv, True, 0.1, 1e-5),
            "nbn_eval": T.native_batch_norm(x, None, None, rm, rv, False, 0.1, 1e-5),
            "legit": T._native_batch_norm_legit(x, None, None, rm, rv, True, 0.1, 1e-5),
            "legit_nostats": T._native_batch_norm_legit(x, None, None, True, 0.1, 1e-5),
            "no_training": T._native_batch_norm_legit_no_training(x, None, None, rm, rv, 0.1,
                                                                  1e-5),
            "with_update": T.ops.aten._batch_norm_with_update(x, None, None, rm, rv, 0.1, 1e-5),
            "no_update": T.ops.aten._batch_norm_no_update(x, None, None, rm, rv, 0.1, 1e-5),
            "nln": T.native_layer_norm(x, [5], None, None, 1e-5),
            "ngn": T.native_group_norm(x, None, None, 3, 4, 5, 2, 1e-5),
        }
        r = {k: [(str(o.dtype), tuple(o.shape), o.requires_grad, _np(o).round(10).tolist())
                 for o in v] + [type(v[0].grad_fn).__name__] for k, v in outs.items()}
        r["versions"] = (rm._version, rv._version)
        r["stats"] = (_np(rm).round(10).tolist(), _np(rv).round(10).tolist())
        r["impl_index"] = T._batch_norm_impl_index(x, None, None, None, None, True, 0.1, 1e-5,
                                                   True)[4]
        return r
    assert run(kindling) == run(torch)


def _errors():
    x = _data((3, 4, 5), 0)
    f64 = "float64"
    return {
        "bn_w": lambda T, F: F.batch_norm(_t(T, x), None, None, _t(T, np.ones(3)),
                                          training=True),
        "bn_b": lambda T, F: F.batch_norm(_t(T, x), None, None, None, _t(T, np.ones(3)),
                                          training=True),
        "bn_rm": lambda T, F: F.batch_norm(_t(T, x), _t(T, np.zeros(3)), _t(T, np.ones(4)),
                                           training=True),
        "bn_rv": lambda T, F: F.batch_norm(_t(T, x), _t(T, np.zeros(4)), _t(T, np.ones(3)),
                                           training=True),
        "bn_eval_nostats": lambda T, F: F.batch_norm(_t(T, x), None, None),
        "bn_one_value": lambda T, F: F.batch_norm(_t(T, _data((1, 4), 1)), None, None,
                                                  training=True),
        "bn_eps": lambda T, F: F.batch_norm(_t(T, x), None, None, training=True, eps=0.0),
        "bn_eps_eval": lambda T, F: F.batch_norm(_t(T, x), _t(T, np.zeros(4)),
                                                 _t(T, np.ones(4)), eps=-1.0),
        "bn_1d": lambda T, F: F.batch_norm(_t(T, _data((4,), 1)), None, None, training=True),
        "bn_empty": lambda T, F: F.batch_norm(_t(T, _data((0, 4), 1)), None, None,
                                              training=True).shape,
        "bn_int": lambda T, F: F.batch_norm(T.ones(3, 4, dtype=T.int64), None, None,
                                            training=True),
        "bn_mixed": lambda T, F: F.batch_norm(_t(T, x), T.zeros(4), T.ones(4), training=True),
        "in_spatial": lambda T, F: F.instance_norm(_t(T, _data((3, 4, 1), 1))),
        "in_nostats": lambda T, F: F.instance_norm(_t(T, x), use_input_stats=False),
        "ln_shape": lambda T, F: F.layer_norm(_t(T, x), (4,)),
        "ln_long": lambda T, F: F.layer_norm(_t(T, x), (2, 3, 4, 5)),
        "ln_empty": lambda T, F: F.layer_norm(_t(T, x), ()),
        "ln_w": lambda T, F: F.layer_norm(_t(T, x), (5,), _t(T, np.ones(4))),
        "ln_b": lambda T, F: F.layer_norm(_t(T, x), (5,), None, _t(T, np.ones(4))),
        "ln_int": lambda T, F: F.layer_norm(T.ones(3, 4, dtype=T.int64), (4,)),
        "ln_complex": lambda T, F: F.layer_norm(T.ones(3, 4, dtype=T.complex128), (4,)),
        "gn_groups": lambda T, F: F.group_norm(_t(T, x), 3),
        "gn_w": lambda T, F: F.group_norm(_t(T, x), 2, _t(T, np.ones(3))),
        "gn_b": lambda T, F: F.group_norm(_t(T, x), 2, _t(T, np.ones(4)), _t(T, np.ones(3))),
        "gn_b_only": lambda T, F: F.group_norm(_t(T, x), 2, None, _t(T, np.ones(3))),
        "gn_1d": lambda T, F: F.group_norm(_t(T, _data((4,), 1)), 2),
        "gn_one": lambda T, F: F.group_norm(_t(T, _data((1, 2), 1)), 2),
        "gn_int": lambda T, F: F.group_norm(T.ones(3, 4, dtype=T.int64), 2),
        "gn_hxw": lambda T, F: T.native_group_norm(_t(T, x), None, None, 3, 4, 6, 2, 1e-5),
        "rms_shape": lambda T, F: F.rms_norm(_t(T, x), (3, 5)),
        "rms_w": lambda T, F: F.rms_norm(_t(T, x), (5,), _t(T, np.ones(4))),
        "rms_int": lambda T, F: F.rms_norm(T.ones(3, 4, dtype=T.int64), (4,)),
        "nbn_int": lambda T, F: T.native_batch_norm(T.ones(3, 4, dtype=T.int64), None, None,
                                                    None, None, True, 0.1, 1e-5),
        "nbn_empty": lambda T, F: T.native_batch_norm(_t(T, _data((0, 4), 1)), None, None, None,
                                                      None, True, 0.1, 1e-5),
        "dtype_" + f64: lambda T, F: str(F.layer_norm(_t(T, x), (5,)).dtype),
    }


@pytest.mark.parametrize("name", sorted(_errors()))
def test_errors(name):
    case = _errors()[name]
    k = call_outcome(lambda: case(kindling, kindling.nn.functional), repr)
    t = call_outcome(lambda: case(torch, torch.nn.functional), repr)
    assert k == t


def test_failed_call_keeps_running_stats():
    rm, rv = kindling.zeros(4, dtype=kindling.float64), kindling.ones(4, dtype=kindling.float64)
    with pytest.raises(RuntimeError):
        kindling.nn.functional.batch_norm(kindling.ones(3, 4, dtype=kindling.float64), rm, rv,
                                          kindling.ones(3, dtype=kindling.float64),
                                          training=True)
    assert rm.tolist() == [0.0] * 4 and rv.tolist() == [1.0] * 4 and rm._version == 0


@pytest.mark.parametrize("case", ["bn_train", "bn_eval", "bn_nostats", "in_stats",
                                  "in_nostats", "ln", "gn", "rms", "rms_plain"])
def test_dispatch_mode_logs(case):
    """What a TorchDispatchMode sees, forward and backward, as in PyTorch."""
    logs = {}
    for T in LIBS:
        _, ins, _ = CASES[case](T)   # (inputs made outside the mode: only the op's calls log)
        log, mode = dispatch_log(T)
        with mode:
            y, ins, _ = _rerun(T, case, ins)
        fwd = list(log)
        del log[:]
        with mode:
            y.sum().backward()
        logs[T] = (fwd, list(log))
    assert logs[kindling] == logs[torch]


def _rerun(T, case, ins):
    """The case's F.* call again on the same inputs (no tensors made inside the mode)."""
    F = T.nn.functional
    x, w, b = (ins + [None, None])[:3]
    c = x.shape[1]
    if case.startswith("bn"):
        stats = (T.zeros(c, dtype=T.float64), T.ones(c, dtype=T.float64)) \
            if case != "bn_nostats" else (None, None)
        return F.batch_norm(x, *stats, w, b, training=case != "bn_eval"), ins, None
    if case.startswith("in"):
        stats = (T.zeros(c, dtype=T.float64), T.ones(c, dtype=T.float64)) \
            if case == "in_stats" else (None, None)
        return F.instance_norm(x, *stats, w, b), ins, None
    if case == "ln":
        return F.layer_norm(x, (4, 5), w, b), ins, None
    if case == "gn":
        return F.group_norm(x, 3, w, b), ins, None
    return F.rms_norm(x, [5], w), ins, None


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_lower_precision(dtype):
    res = {}
    for T in LIBS:
        F = T.nn.functional
        x = _t(T, _data((4, 3, 5), 0, "float32")).to(getattr(T, dtype))
        rm, rv = T.zeros(3), T.ones(3)
        outs = [F.batch_norm(x, rm, rv, training=True), F.layer_norm(x, (5,)),
                F.group_norm(x, 3), F.rms_norm(x, (5,)),
                T.native_layer_norm(x, [5], None, None, 1e-5)[1]]
        res[T] = ([str(o.dtype) for o in outs], [o.float().numpy() for o in outs],
                  [rm.numpy(), rv.numpy()])
    assert res[kindling][0] == res[torch][0]
    tol = 1e-5 if dtype == "float32" else 2e-2
    for a, b in zip(res[kindling][1] + res[kindling][2], res[torch][1] + res[torch][2]):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_functions_exist_as_in_pytorch():
    for name in ("batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
                 "native_batch_norm", "native_layer_norm", "native_group_norm",
                 "_native_batch_norm_legit", "_native_batch_norm_legit_no_training",
                 "_batch_norm_impl_index"):
        assert hasattr(kindling, name) == hasattr(torch, name), name
    for name in ("_batch_norm_with_update", "_batch_norm_no_update"):
        assert hasattr(kindling, name) == hasattr(torch, name), name


@pytest.mark.parametrize("p, dim", [(2.0, 1), (1, -1), (float("inf"), 0), (3, 1)])
def test_normalize(p, dim):
    res = {}
    for T in LIBS:
        x = _t(T, _data((3, 4, 5), 0), True)
        x0 = _t(T, np.zeros((2, 3)), True)
        y = T.nn.functional.normalize(x, p, dim)
        z = T.nn.functional.normalize(x0, p, dim % 2 if dim >= 0 else dim)
        g = T.autograd.grad((y * _t(T, _data((3, 4, 5), 9))).sum() + z.sum(), [x, x0])
        out = T.empty(0, dtype=T.float64)
        T.nn.functional.normalize(x.detach(), p, dim, out=out)
        res[T] = [_np(y), _np(z), _np(g[0]), _np(g[1]), _np(out), type(y.grad_fn).__name__]
    for a, b in zip(res[kindling][:-1], res[torch][:-1]):
        _close(a, b)
    assert res[kindling][-1] == res[torch][-1]
