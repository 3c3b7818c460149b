"""trapezoid/trapz/cumulative_trapezoid, cov, corrcoef, dist, renorm, cdist (with
_cdist_forward/_cdist_backward/_euclidean_dist) against PyTorch: values, dtypes, strides,
errors, warnings, the ops a dispatch mode sees (composites decompose as PyTorch's), node
names and gradients.

(The OpInfo sweeps - tests/test_opinfo.py, test_autograd_opinfo.py, test_forward_ad_parity.py -
run these ops' samples too.)
"""
import warnings

import numpy as np
import pytest

import kindling
from tests.test_backward_op_sequences import _recorder

torch = pytest.importorskip("torch")


def _res(T, r):
    """A result as (dtype, shape, strides, values) - values as an array, compared with a
    tolerance (the kernels sum in different orders)."""
    if isinstance(r, T.Tensor):
        return ("tensor", str(r.dtype).replace("kindling", "torch"), tuple(r.shape), r.stride(),
                np.array(r.detach().tolist()))
    if isinstance(r, (tuple, list)):
        return (type(r).__name__, [_res(T, x) for x in r])
    if isinstance(r, (T.Size, tuple)):
        return tuple(r)
    return r


def _same(a, b, rtol, atol):
    if isinstance(a, tuple) and a and a[0] == "tensor":
        assert a[:4] == b[:4]
        np.testing.assert_allclose(a[4], b[4], rtol=rtol, atol=atol, equal_nan=True)
    elif isinstance(a, tuple) and len(a) == 2 and isinstance(a[1], list):
        assert a[0] == b[0] and len(a[1]) == len(b[1])
        for x, y in zip(a[1], b[1]):
            _same(x, y, rtol, atol)
    else:
        assert a == b


def both(case):
    """``case(T)`` on kindling and PyTorch: the same results (to rounding) or the same error."""
    def run(T):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return _res(T, case(T))
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).split("\n")[0]
    k, t = run(kindling), run(torch)
    _same(k, t, 1e-5, 1e-7)


def _a(T, *shape, dtype=None):
    n = int(np.prod(shape)) if shape else 1
    return (T.arange(1, n + 1, dtype=dtype or T.float64).reshape(shape) / 3) ** 1.5 % 2


def _c(T, *shape):
    return T.complex(_a(T, *shape), _a(T, *shape) * 2 - 1)


INF = float("inf")
CASES = {
    # trapezoid family
    "trapezoid_x": lambda T: T.trapezoid(_a(T, 3, 4), _a(T, 4)),
    "trapezoid_x_2d": lambda T: T.trapezoid(_a(T, 3, 4), _a(T, 3, 1), dim=0),
    "trapezoid_x_lower_dim": lambda T: T.trapezoid(_a(T, 2, 3, 4), _a(T, 3, 4) * 2, dim=1),
    "trapezoid_dx": lambda T: T.trapezoid(_a(T, 3, 4), dx=0.5),
    "trapezoid_int": lambda T: [T.trapezoid(T.tensor([[1, 2, 3]]), dx=2),
                                T.trapezoid(T.tensor([[1, 2, 3]]), T.tensor([1, 3, 4]))],
    "trapezoid_default": lambda T: T.trapezoid(_a(T, 5)),
    "trapezoid_complex": lambda T: T.trapezoid(_c(T, 2, 3), dx=2),
    "trapezoid_bool": lambda T: T.trapezoid(T.ones(2, 3, dtype=T.bool)),
    "trapezoid_bool_x": lambda T: T.trapezoid(T.ones(2, 3), T.ones(3, dtype=T.bool)),
    "trapezoid_dx_bool": lambda T: T.trapezoid(T.ones(2, 3), dx=True),
    "trapezoid_dx_complex": lambda T: T.trapezoid(T.ones(2, 3), dx=1j),
    "trapezoid_positional_dx": lambda T: T.trapezoid(T.ones(2, 3), 2),
    "trapezoid_0d": lambda T: T.trapezoid(T.tensor(1.0)),
    "trapezoid_x_count": lambda T: T.trapezoid(T.ones(2, 3), T.ones(2)),
    "trapezoid_x_shape": lambda T: T.trapezoid(T.ones(2, 3), T.ones(2, 2)),
    "trapezoid_dim": lambda T: T.trapezoid(T.ones(2, 3), dim=3),
    "trapezoid_empty": lambda T: [T.trapezoid(T.ones(2, 0)), T.trapezoid(T.ones(2, 0), T.ones(0)),
                                  T.trapezoid(T.ones(0, 3), dim=0)],
    "trapz": lambda T: [T.trapz(_a(T, 3, 4), _a(T, 4)), T.trapz(_a(T, 3, 4), dx=3, dim=0)],
    "trapz_bool": lambda T: T.trapz(T.ones(2, dtype=T.bool), T.ones(2)),
    "cumulative_trapezoid": lambda T: [T.cumulative_trapezoid(_a(T, 3, 4), _a(T, 4)),
                                       T.cumulative_trapezoid(_a(T, 3, 4), dx=3, dim=0),
                                       T.cumulative_trapezoid(T.ones(2, 0)),
                                       T.cumulative_trapezoid(_a(T, 4))],
    "cumulative_trapezoid_int": lambda T: T.cumulative_trapezoid(T.tensor([[1, 2, 3]]),
                                                                 T.tensor([1, 2, 4])),
    "cumulative_trapezoid_errors": lambda T: T.cumulative_trapezoid(T.ones(3), T.ones(2)),
    "cumulative_trapezoid_bool": lambda T: T.cumulative_trapezoid(T.ones(3, dtype=T.bool)),
    # cov / corrcoef
    "cov": lambda T: T.cov(_a(T, 3, 5)),
    "cov_1d": lambda T: [T.cov(_a(T, 5)), _a(T, 5).cov(correction=0), T.cov(_a(T, 1, 5))],
    "cov_weights": lambda T: T.cov(_a(T, 3, 5), fweights=T.tensor([1, 2, 0, 1, 3]),
                                   aweights=_a(T, 5)),
    "cov_fweights": lambda T: T.cov(_a(T, 3, 5), correction=2,
                                    fweights=T.tensor([1, 2, 0, 1, 3])),
    "cov_aweights": lambda T: [T.cov(_a(T, 3, 5), aweights=_a(T, 5, dtype=T.float32)),
                               T.cov(_a(T, 3, 5), correction=0, aweights=_a(T, 5))],
    "cov_int": lambda T: T.cov(T.tensor([[1, 2, 4], [3, 1, 1]])),
    "cov_float32": lambda T: T.cov(_a(T, 3, 4, dtype=T.float32)),
    "cov_complex": lambda T: T.cov(_c(T, 2, 3)),
    "cov_one_observation": lambda T: [T.cov(T.tensor([[1.0], [2.0]]), fweights=T.tensor([2])),
                                      T.cov(T.tensor([[1], [2]]), aweights=T.tensor([2.0])),
                                      T.cov(T.tensor([[1.0], [2.0]]), aweights=T.tensor([2.0])),
                                      T.cov(T.tensor([[1.0], [2.0]]))],
    "cov_zeroes_its_input": lambda T: (lambda x: (T.cov(x, fweights=T.tensor([3])), x))(
        T.tensor([[1.0], [2.0]])),
    "cov_dof": lambda T: T.cov(T.ones(2, 3), correction=3),
    "cov_empty": lambda T: T.cov(T.ones(2, 0)),
    "cov_fweights_float": lambda T: T.cov(T.ones(2, 3), fweights=T.tensor([1.0, 2, 3])),
    "cov_aweights_int": lambda T: T.cov(T.ones(2, 3), aweights=T.tensor([1, 2, 3])),
    "cov_weights_sum_zero": lambda T: T.cov(T.ones(2, 3), aweights=T.tensor([0.0, 0, 0])),
    "cov_aweights_negative": lambda T: T.cov(T.ones(2, 3), aweights=T.tensor([-1.0, 0, 0])),
    "cov_fweights_negative": lambda T: T.cov(T.ones(2, 3), fweights=T.tensor([-1, 0, 0])),
    "cov_fweights_2d": lambda T: T.cov(T.ones(2, 3), fweights=T.ones(1, 3, dtype=T.int64)),
    "cov_aweights_numel": lambda T: T.cov(T.ones(2, 3), aweights=T.ones(2)),
    "cov_3d": lambda T: T.cov(T.ones(2, 3, 1)),
    "cov_bool": lambda T: T.cov(T.ones(2, 3, dtype=T.bool)),
    "corrcoef": lambda T: T.corrcoef(_a(T, 3, 5)),
    "corrcoef_1d": lambda T: [T.corrcoef(_a(T, 5)), _a(T, 1, 5).corrcoef(), T.corrcoef(T.ones(3))],
    "corrcoef_complex": lambda T: T.corrcoef(_c(T, 2, 3)),
    "corrcoef_int": lambda T: T.corrcoef(T.tensor([[1, 2, 4], [3, 1, 1]])),
    "corrcoef_3d": lambda T: T.corrcoef(T.ones(2, 2, 2)),
    # dist
    "dist": lambda T: [T.dist(_a(T, 3), _a(T, 2, 3) * 2), _a(T, 3).dist(_a(T, 3) * 0, 1),
                       T.dist(_a(T, 3), _a(T, 3) * 2, INF), T.dist(_a(T, 3), _a(T, 3) * 2, 0),
                       T.dist(_a(T, 3), _a(T, 3) * 2, 3.5), T.dist(_a(T, 3), _a(T, 3) * 2, -INF)],
    "dist_promotes": lambda T: [T.dist(T.tensor([1, 2]), T.tensor([1.5, 0.5])),
                                T.dist(_a(T, 2, dtype=T.float32), _a(T, 2))],
    "dist_complex": lambda T: T.dist(_c(T, 3), _a(T, 3)),
    "dist_int": lambda T: T.dist(T.tensor([1, 2]), T.tensor([1, 2])),
    "dist_broadcast": lambda T: T.dist(T.ones(2), T.ones(3)),
    "dist_out": lambda T: T.dist(T.ones(2), T.zeros(2), out=T.empty(3)),
    "dist_out_dtype": lambda T: T.dist(T.ones(2), T.zeros(2), out=T.empty(0, dtype=T.float64)),
    # renorm
    "renorm": lambda T: [T.renorm(_a(T, 3, 4), 2, 0, 1.0), _a(T, 3, 4).renorm(1, 1, 2),
                         T.renorm(_a(T, 2, 3, 2), INF, -1, 0.5), T.renorm(_a(T, 2, 3), 3, 0, 100)],
    "renorm_noncontiguous": lambda T: T.renorm(_a(T, 3, 2).t(), 2, 1, 1),
    "renorm_float32": lambda T: T.renorm(_a(T, 3, 2, dtype=T.float32), 2, 1, 1),
    "renorm_complex": lambda T: T.renorm(_c(T, 3, 2), 2, 0, 1),
    "renorm_": lambda T: _a(T, 3, 4).renorm_(2, 0, 1.0),
    "renorm_out": lambda T: T.renorm(_a(T, 3, 4), 2, 0, 1.0, out=T.empty(0, dtype=T.float64)),
    "renorm_out_dtype": lambda T: T.renorm(_a(T, 3, 4), 2, 0, 1.0, out=T.empty(0)),
    "renorm_int": lambda T: T.renorm(T.ones(2, 2, dtype=T.int64), 2, 0, 1),
    "renorm_1d": lambda T: T.renorm(T.ones(2), 2, 0, 1),
    "renorm_p0": lambda T: T.renorm(T.ones(2, 2), 0, 0, 1),
    "renorm_negative_maxnorm": lambda T: [T.renorm(T.ones(2, 2), 2, 0, -1)],
    "renorm_negative_maxnorm_float": lambda T: T.renorm(T.ones(2, 2), 2, 0, -1.5),
    "renorm_complex_p": lambda T: T.renorm(T.ones(2, 2), 2j, 0, 1),
    "renorm_complex_maxnorm": lambda T: T.renorm(T.ones(2, 2), 2, 0, 1j),
    "renorm_dim": lambda T: T.renorm(T.ones(2, 2), 2, 3, 1),
    "renorm_no_function_": lambda T: hasattr(T, "renorm_"),
    # cdist
    "cdist_p": lambda T: [T.cdist(_a(T, 3, 4), _a(T, 2, 4) * 2, p)
                          for p in (0, 0.5, 1, 1.5, 2, 3, INF)],
    "cdist_mm": lambda T: [T.cdist(_a(T, 3, 4), _a(T, 2, 4) * 2,
                                   compute_mode="use_mm_for_euclid_dist"),
                           T.cdist(_a(T, 30, 2), _a(T, 2, 2))],
    "cdist_no_mm": lambda T: T.cdist(_a(T, 30, 2), _a(T, 2, 2),
                                     compute_mode="donot_use_mm_for_euclid_dist"),
    "cdist_batch": lambda T: [T.cdist(_a(T, 2, 1, 3, 4), _a(T, 3, 5, 4)),
                              T.cdist(_a(T, 2, 1, 3, 4), _a(T, 3, 5, 4),
                                      compute_mode="use_mm_for_euclid_dist"),
                              T.cdist(_a(T, 2, 3, 4), _a(T, 5, 4), 1)],
    "cdist_float32": lambda T: T.cdist(_a(T, 3, 4, dtype=T.float32),
                                       _a(T, 2, 4, dtype=T.float32), 1.5),
    "cdist_int": lambda T: T.cdist(T.ones(2, 3, dtype=T.int64), T.ones(2, 3)),
    "cdist_int_x2": lambda T: T.cdist(T.ones(2, 3), T.ones(2, 3, dtype=T.int64)),
    "cdist_mixed": lambda T: T.cdist(T.ones(2, 3), T.ones(2, 3, dtype=T.float64)),
    "cdist_negative_p": lambda T: T.cdist(T.ones(2, 3), T.ones(2, 3), -1),
    "cdist_bad_mode": lambda T: T.cdist(T.ones(2, 3), T.ones(2, 3), 2, "x"),
    "cdist_aten_mode": lambda T: T.ops.aten.cdist(T.ones(2, 3), T.ones(2, 3), 2.0, 3),
    "cdist_1d": lambda T: T.cdist(T.ones(3), T.ones(2, 3)),
    "cdist_1d_x2": lambda T: T.cdist(T.ones(2, 3), T.ones(3)),
    "cdist_columns": lambda T: T.cdist(T.ones(2, 3), T.ones(2, 4)),
    "cdist_batch_mismatch": lambda T: T.cdist(T.ones(2, 2, 3), T.ones(3, 2, 3)),
    "cdist_empty": lambda T: [T.cdist(T.ones(0, 3), T.ones(2, 3)).shape,
                              T.cdist(T.ones(2, 0), T.ones(2, 0)),
                              T.cdist(T.ones(0, 2, 3), T.ones(2, 3)).shape],
    "_cdist_forward": lambda T: T.ops.aten._cdist_forward(_a(T, 3, 2), _a(T, 2, 2), 1.0, None),
    "_cdist_backward": lambda T: T.ops.aten._cdist_backward(
        _a(T, 3, 2), _a(T, 3, 4), _a(T, 2, 4), 2.0, _a(T, 3, 2) + 1),
    "_euclidean_dist": lambda T: T._euclidean_dist(_a(T, 3, 4), _a(T, 2, 4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_errors_match_torch(name):
    both(CASES[name])


def test_methods_and_functions():
    for name in ("cov", "corrcoef", "dist", "renorm", "renorm_"):
        assert hasattr(kindling.Tensor, name) == hasattr(torch.Tensor, name)
    for name in ("trapezoid", "trapz", "cumulative_trapezoid", "cdist", "_euclidean_dist"):
        assert hasattr(kindling.Tensor, name) == hasattr(torch.Tensor, name)
        assert hasattr(kindling, name)
    for name in ("trapezoid", "cumulative_trapezoid", "cov", "dist", "renorm", "cdist",
                 "_cdist_forward", "_cdist_backward", "_euclidean_dist"):
        kp, tp = getattr(kindling.ops.aten, name), getattr(torch.ops.aten, name)
        assert sorted(kp.overloads()) == sorted(tp.overloads())
        for o in tp.overloads():
            assert str(getattr(kp, o)._schema) == str(getattr(tp, o)._schema)


def test_cov_warns_like_torch():
    def warned(T):
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            T.cov(T.ones(2, 3), correction=3)
        return [(w.category.__name__, str(w.message).split(" (Triggered internally")[0])
                for w in ws]
    assert warned(kindling) == warned(torch)
    assert warned(kindling)


def test_meta_tensors():
    m = kindling.ones(3, 4, device="meta")
    assert kindling.renorm(m, 2, 0, 1.0).shape == (3, 4)
    assert kindling.cdist(m, kindling.ones(2, 1, 4, device="meta")).shape == (2, 3, 1)
    assert kindling.dist(m, m).shape == ()
    assert kindling.ops.aten._cdist_backward(
        kindling.ones(3, 2, device="meta"), m, kindling.ones(2, 4, device="meta"), 2.0,
        kindling.ones(3, 2, device="meta")).shape == (3, 4)


# ---- the ops a dispatch mode sees -------------------------------------------------------------
def _seen(T, fn, backward=False):
    from importlib import import_module
    Log = _recorder(import_module(T.__name__ + ".utils._python_dispatch").TorchDispatchMode)
    x = T.tensor([[1.0, 2.0, 3.5], [0.5, -1.0, 2.0]], dtype=T.float64, requires_grad=True)
    m = Log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if backward:
            r = fn(T, x)
            with m:
                r.sum().abs().backward()
        else:
            with m:
                fn(T, x)
    return m.ops


MODE_CASES = {
    "trapezoid": lambda T, x: (T.trapezoid(x, x[0] * 2), T.trapezoid(x, dx=2, dim=0),
                               T.trapz(x), T.trapezoid(x[0], x.t() * 2)),
    "cumulative_trapezoid": lambda T, x: (T.cumulative_trapezoid(x, x[0] * 2),
                                          T.cumulative_trapezoid(x, dx=2, dim=0)),
    "cov": lambda T, x: (T.cov(x), T.cov(x[0], correction=0)),
    "cov_weights": lambda T, x: (
        T.cov(x, fweights=T.tensor([1, 2, 1])),
        T.cov(x, aweights=T.tensor([1.0, 2, 1], dtype=T.float64)),
        T.cov(x, correction=0, fweights=T.tensor([1, 2, 1]),
              aweights=T.tensor([1.0, 2, 1], dtype=T.float64))),
    "cov_complex": lambda T, x: T.cov(T.complex(x, x * 2)),
    "cov_one_observation": lambda T, x: (
        T.cov(x[:, :1].detach().clone(), fweights=T.tensor([2])),
        T.cov(T.tensor([[1], [2]]), aweights=T.tensor([2.0]))),
    "cov_dof": lambda T, x: T.cov(x, correction=3),
    "corrcoef": lambda T, x: (T.corrcoef(x), T.corrcoef(x[0]),
                              T.corrcoef(T.complex(x, x * 2))),
    "dist": lambda T, x: T.dist(x, x[0], 3),
    "renorm": lambda T, x: (T.renorm(x, 2, 0, 1.0), x.detach().clone().renorm_(1, 1, 1.0)),
    "cdist": lambda T, x: (T.cdist(x, x * 2), T.cdist(x, x * 2, compute_mode="use_mm_for_euclid_dist"),
                           T.cdist(x.expand(2, 2, 3), x, compute_mode="use_mm_for_euclid_dist"),
                           T.cdist(x[:, :0], x[:, :0])),
}
BACKWARD_MODE_CASES = {
    "trapezoid": lambda T, x: T.trapezoid(x, x[0] * 2),
    "cdist": lambda T, x: T.cdist(x, x * 2 + 1, 1.5),
    "cdist_mm": lambda T, x: T.cdist(x, x * 2 + 1, compute_mode="use_mm_for_euclid_dist"),
}


@pytest.mark.parametrize("name", sorted(MODE_CASES))
def test_dispatch_mode_sees_pytorchs_ops(name):
    assert _seen(kindling, MODE_CASES[name]) == _seen(torch, MODE_CASES[name])


@pytest.mark.parametrize("name", sorted(BACKWARD_MODE_CASES))
def test_backward_ops_seen_by_a_mode(name):
    fn = BACKWARD_MODE_CASES[name]
    assert _seen(kindling, fn, True) == _seen(torch, fn, True)


# ---- gradients ----------------------------------------------------------------------------------
GRAD_CASES = {
    "trapezoid_x": lambda T, x, y: T.trapezoid(x.view(2, 3), y[:3].cumsum(0)),
    "trapezoid_dx": lambda T, x, y: T.trapezoid(x.view(2, 3), dx=0.5, dim=0) * y[0],
    "cumulative_trapezoid": lambda T, x, y: T.cumulative_trapezoid(x.view(2, 3), y.view(2, 3)),
    "cumulative_trapezoid_dx": lambda T, x, y: T.cumulative_trapezoid(x.view(2, 3) * y.view(2, 3), dx=3),
    "cov": lambda T, x, y: T.cov(x.view(2, 3) * y.view(2, 3)),
    "cov_weights": lambda T, x, y: T.cov(x.view(2, 3), fweights=T.tensor([1, 2, 1]),
                                         aweights=y[:3].abs() + 0.5),
    "corrcoef": lambda T, x, y: T.corrcoef(x.view(2, 3) + y[:3]),
    "dist": lambda T, x, y: T.dist(x.view(2, 3), y[:3]),
    "dist_p": lambda T, x, y: T.stack([T.dist(x[3:], y[:3], p) for p in (1, 3, INF, 0.5)]),
    "renorm": lambda T, x, y: T.renorm(x.view(2, 3) * 3, 2, 0, 1.0) * y.view(2, 3),
    "renorm_p": lambda T, x, y: T.renorm(x.view(2, 3) * 3, 3, 1, 1.5),
    "renorm_inplace": lambda T, x, y: (x.view(2, 3) * 3).renorm_(1, 0, 2.0) * y.view(2, 3),
    "cdist": lambda T, x, y: T.cdist(x.view(2, 3), y.view(2, 3)),
    "cdist_p": lambda T, x, y: T.stack([T.cdist(x.view(2, 3), y.view(2, 3) * 2, p)
                                        for p in (0, 0.5, 1, 1.5, 3, INF)]),
    "cdist_mm": lambda T, x, y: T.cdist(x.view(2, 3), y.view(2, 3),
                                        compute_mode="use_mm_for_euclid_dist"),
    "cdist_batch": lambda T, x, y: T.cdist(x.view(2, 1, 1, 3), y.view(2, 3)),
    "cdist_batch_mm": lambda T, x, y: T.cdist(x.view(2, 1, 1, 3), y.view(1, 2, 3),
                                              compute_mode="use_mm_for_euclid_dist"),
}


def _grads(T, fn):
    x = T.tensor([0.3, -1.2, 2.5, 0.7, 0.1, -0.4], dtype=T.float64, requires_grad=True)
    y = T.tensor([1.1, 0.4, -0.7, 0.2, 0.9, -1.3], dtype=T.float64, requires_grad=True)
    out = fn(T, x, y)
    g = T.ones_like(out) * T.arange(out.numel(), dtype=T.float64).view(out.shape)
    name = type(out.grad_fn).__name__
    gx, gy = T.autograd.grad(out, [x, y], g, allow_unused=True)
    return name, [None if v is None else v.tolist() for v in (gx, gy)]


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients_and_node_names(name):
    kn, kg = _grads(kindling, GRAD_CASES[name])
    tn, tg = _grads(torch, GRAD_CASES[name])
    assert kn == tn
    for a, b in zip(kg, tg):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("op", ["dist", "renorm", "_euclidean_dist", "_cdist_forward"])
def test_node_names(op):
    def name(T):
        x = T.tensor([[0.3, -1.2], [2.5, 0.7]], dtype=T.float64, requires_grad=True)
        r = {"dist": lambda: T.dist(x, x * 2), "renorm": lambda: T.renorm(x, 2, 0, 1.0),
             "_euclidean_dist": lambda: T._euclidean_dist(x, x * 2),
             "_cdist_forward": lambda: T.ops.aten._cdist_forward(x, x * 2, 2.0, None)}[op]()
        return type(r.grad_fn).__name__
    assert name(kindling) == name(torch)


def test_cdist_backward_is_not_differentiable_twice():
    for T in (kindling, torch):
        x = T.tensor([[0.3, -1.2], [2.5, 0.7]], dtype=T.float64, requires_grad=True)
        (g,) = T.autograd.grad(T.cdist(x, x * 2).sum(), [x], create_graph=True)
        assert type(g.grad_fn).__name__ in ("NotImplemented", "AddBackward0")


def _jvps(T, fn, primal, tangent):
    import importlib
    fwAD = importlib.import_module(T.__name__ + ".autograd.forward_ad")
    with fwAD.dual_level():
        d = fwAD.make_dual(T.tensor(primal, dtype=T.float64), T.tensor(tangent, dtype=T.float64))
        return fwAD.unpack_dual(fn(T, d)).tangent.tolist()


JVP_CASES = {
    "dist": lambda T, d: T.dist(d, T.tensor([[0.5, 0.1, 2.0]], dtype=T.float64), 3),
    "dist_2": lambda T, d: T.dist(T.ones(2, 3, dtype=T.float64), d),
    "renorm": lambda T, d: T.renorm(d * 3, 2, 0, 1.0),
    "renorm_inf": lambda T, d: T.renorm(d * 3, INF, 1, 1.0),
    "trapezoid": lambda T, d: T.trapezoid(d, d[0].cumsum(0)),
    "cov": lambda T, d: T.cov(d),
    "corrcoef": lambda T, d: T.corrcoef(d),
}


@pytest.mark.parametrize("name", sorted(JVP_CASES))
def test_forward_ad(name):
    p = [[0.3, -1.2, 2.5], [0.7, 0.1, -0.4]]
    t = [[1.0, 0.5, -0.3], [0.2, -0.8, 0.6]]
    np.testing.assert_allclose(_jvps(kindling, JVP_CASES[name], p, t),
                               _jvps(torch, JVP_CASES[name], p, t), rtol=1e-10, atol=1e-12)


def test_cdist_forward_ad_is_not_supported():
    def err(T):
        import importlib
        fwAD = importlib.import_module(T.__name__ + ".autograd.forward_ad")
        with fwAD.dual_level():
            d = fwAD.make_dual(T.ones(2, 3, dtype=T.float64), T.ones(2, 3, dtype=T.float64))
            try:
                T.cdist(d, T.zeros(2, 3, dtype=T.float64))
            except Exception as e:  # noqa: BLE001
                return type(e).__name__, str(e).split("\n")[0]
        return None
    assert err(kindling) == err(torch)
