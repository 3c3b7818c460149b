"""atleast_*d, the stacks, broadcast_tensors, meshgrid, block_diag, cartesian_prod,
combinations, tril/triu_indices, vander, chain_matmul, gcd/lcm, shifts, frexp, ldexp, polar,
bincount and histc against PyTorch: values, dtypes, strides, errors, warnings, the ops a
dispatch mode sees (composites decompose as PyTorch's), node names and gradients.

(The OpInfo sweeps - tests/test_opinfo.py, test_autograd_opinfo.py, test_complex_autograd.py,
test_forward_ad_parity.py - run these ops' samples too.)
"""
import warnings

import numpy as np
import pytest

import kindling
from tests._parity import outcome
from tests.test_backward_op_sequences import _recorder

torch = pytest.importorskip("torch")


def _res(T, r):
    """A result (tensor, tuple of tensors) as comparable values."""
    if isinstance(r, T.Tensor):
        return (str(r.dtype).replace("kindling", "torch"), tuple(r.shape), r.stride(),
                repr(r.detach().tolist()))
    if isinstance(r, (tuple, list)):
        return (type(r).__name__, [_res(T, x) for x in r])
    return r


def both(case):
    """``case(T, arange)`` on kindling and PyTorch: the same results or the same error."""
    def run(T):
        try:
            return _res(T, case(T))
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).split("\n")[0]
    k, t = run(kindling), run(torch)
    assert k == t


def _a(T, *shape, dtype=None):
    n = int(np.prod(shape)) if shape else 1
    return T.arange(1, n + 1, dtype=dtype or T.float64).reshape(shape) / 3


CASES = {
    "atleast_1d": lambda T: T.atleast_1d(_a(T)),
    "atleast_1d_seq": lambda T: T.atleast_1d([_a(T), _a(T, 2)]),
    "atleast_1d_args": lambda T: T.atleast_1d(_a(T), _a(T, 2, 2)),
    "atleast_1d_empty": lambda T: T.atleast_1d(),
    "atleast_2d": lambda T: T.atleast_2d(_a(T, 3)),
    "atleast_3d": lambda T: [T.atleast_3d(_a(T, *s)) for s in ((), (3,), (2, 3), (1, 2, 3, 1))],
    "hstack": lambda T: T.hstack([_a(T, 2), _a(T, 3, dtype=T.int64)]),
    "hstack2d": lambda T: T.hstack((_a(T, 2, 1), _a(T, 2, 3))),
    "hstack_empty": lambda T: T.hstack([]),
    "vstack": lambda T: T.vstack([_a(T, 3), _a(T, 2, 3)]),
    "row_stack": lambda T: T.row_stack([_a(T), _a(T)]),
    "dstack": lambda T: T.dstack([_a(T, 3), _a(T, 1, 3, 2)]),
    "column_stack": lambda T: T.column_stack([_a(T, 3), _a(T, 3, 2), _a(T, 3)]),
    "column_stack_bad": lambda T: T.column_stack([_a(T, 3), _a(T, 2)]),
    "vstack_out": lambda T: T.vstack([_a(T, 3), _a(T, 3)], out=T.empty(0, dtype=T.float64)),
    "broadcast_tensors": lambda T: T.broadcast_tensors(_a(T, 3), _a(T, 2, 1), _a(T)),
    "broadcast_tensors_bad": lambda T: T.broadcast_tensors(_a(T, 3), _a(T, 2)),
    "meshgrid_ij": lambda T: T.meshgrid(_a(T, 3), _a(T, 2), indexing="ij"),
    "meshgrid_xy": lambda T: T.meshgrid([_a(T, 3), _a(T, 2), _a(T)], indexing="xy"),
    "meshgrid_bad_indexing": lambda T: T.meshgrid(_a(T, 3), indexing="yx"),
    "meshgrid_dtypes": lambda T: T.meshgrid(_a(T, 3), _a(T, 2, dtype=T.float32),
                                            indexing="ij"),
    "meshgrid_empty": lambda T: T.meshgrid(indexing="ij"),
    "block_diag": lambda T: T.block_diag(_a(T, 2, dtype=T.int32), _a(T, 2, 3), _a(T), _a(T, 0)),
    "block_diag_none": lambda T: T.block_diag(),
    "block_diag_3d": lambda T: T.block_diag(_a(T, 2), _a(T, 1, 1, 1)),
    "cartesian_prod": lambda T: T.cartesian_prod(_a(T, 3), _a(T, 2)),
    "cartesian_prod_one": lambda T: T.cartesian_prod(_a(T, 3)),
    "cartesian_prod_2d": lambda T: T.cartesian_prod(_a(T, 3, 1)),
    "combinations": lambda T: T.combinations(_a(T, 4), 3),
    "combinations_rep": lambda T: T.combinations(_a(T, 3), with_replacement=True),
    "combinations_big_r": lambda T: T.combinations(_a(T, 3), 5),
    "combinations_neg": lambda T: T.combinations(_a(T, 3), -1),
    "tril_indices": lambda T: [T.tril_indices(4, 3, o) for o in (-5, -1, 0, 2, 9)],
    "triu_indices": lambda T: [T.triu_indices(3, 4, o, dtype=T.int32) for o in (-1, 0, 2)],
    "tril_indices_bad": lambda T: T.tril_indices(-1, 2),
    "tril_indices_float": lambda T: T.tril_indices(2, 2, dtype=T.float32),
    "vander": lambda T: T.vander(T.tensor([1, 2, 3])),
    "vander_float": lambda T: T.vander(_a(T, 3), 4, True),
    "vander_bool": lambda T: T.vander(T.tensor([True, False]), 3),
    "vander_2d": lambda T: T.vander(_a(T, 2, 2)),
    "vander_neg": lambda T: T.vander(_a(T, 2), -1),
    "gcd": lambda T: T.gcd(T.tensor([12, -18, 0, 7]), T.tensor([8, 12, 5, 0], dtype=T.int8)),
    "lcm": lambda T: T.lcm(T.tensor([12, -18, 0, 7]), T.tensor([8, 12, 5, 0])),
    "gcd_float": lambda T: T.gcd(T.tensor([1.0]), T.tensor([2])),
    "gcd_": lambda T: T.tensor([12, 9]).gcd_(T.tensor([8, 6])),
    "lcm_fn_": lambda T: T.lcm_(T.tensor([4, 9]), T.tensor([6, 6])),
    "lshift": lambda T: T.tensor([1, -8, 3], dtype=T.int8) << T.tensor([1, 2, 9], dtype=T.int8),
    "rshift": lambda T: T.tensor([-8, 64, 5], dtype=T.int8) >> T.tensor([1, 70, -1],
                                                                       dtype=T.int8),
    "shift_scalars": lambda T: [T.tensor([5, -5]) << 64, T.tensor([-5, 5]) >> 64,
                                2 << T.tensor([1, 3]), 64 >> T.tensor([1, 3]),
                                T.tensor([True]) << 1],
    "shift_uint8": lambda T: T.tensor([1, 200], dtype=T.uint8) >> T.tensor([-1, 3]),
    "shift_float": lambda T: T.tensor([1.0]) << 1,
    "bitwise_left_shift": lambda T: T.bitwise_left_shift(T.tensor([1, 2]), 3),
    "bitwise_right_shift_st": lambda T: T.bitwise_right_shift(100, T.tensor([1, 2])),
    "ilshift": lambda T: T.tensor([1, 2]).__ilshift__(2),
    "irshift_": lambda T: T.tensor([16, 32]).bitwise_right_shift_(T.tensor([2, 3])),
    "frexp": lambda T: T.frexp(T.tensor([1.5, -3, 0, float("inf"), 1e-40])),
    "frexp_int": lambda T: T.frexp(T.tensor([1, 2])),
    "frexp_out": lambda T: T.frexp(T.tensor([3.0]), out=(T.empty(1), T.empty(1, dtype=T.int32))),
    "frexp_out_bad": lambda T: T.frexp(T.tensor([3.0]),
                                       out=(T.empty(1), T.empty(1, dtype=T.int64))),
    "ldexp": lambda T: T.ldexp(T.tensor([1.5, 3.0], dtype=T.float64), T.tensor([10, -3])),
    "ldexp_ints": lambda T: T.ldexp(T.tensor([1, 2]), T.tensor([1, 2])),
    "ldexp_float_exp": lambda T: T.ldexp(T.tensor([1.5]), T.tensor([2.5], dtype=T.float64)),
    "ldexp_": lambda T: T.tensor([1.0, 2.0]).ldexp_(T.tensor([3, 1])),
    "ldexp_int_inplace": lambda T: T.tensor([1, 2]).ldexp_(T.tensor([3, 1])),
    "polar": lambda T: T.polar(T.tensor([1.0, 2.0]), T.tensor([0.5, -1.0])),
    "polar_broadcast": lambda T: T.polar(T.tensor(2.0), T.tensor([0.5, -1.0])),
    "polar_ints": lambda T: T.polar(T.tensor([1]), T.tensor([1])),
    "polar_mixed": lambda T: T.polar(T.tensor([1.0]), T.tensor([1.0], dtype=T.float64)),
    "bincount": lambda T: T.bincount(T.tensor([0, 2, 2, 5])),
    "bincount_w": lambda T: [T.bincount(T.tensor([0, 2, 2]), T.tensor([0.5, 1.0, 2.0]), 5),
                             T.bincount(T.tensor([1, 1]), T.tensor([2, 3])),
                             T.tensor([0, 1]).bincount(minlength=3)],
    "bincount_empty": lambda T: T.bincount(T.tensor([], dtype=T.int64), minlength=3),
    "bincount_neg": lambda T: T.bincount(T.tensor([-1, 2])),
    "bincount_float": lambda T: T.bincount(T.tensor([1.0])),
    "bincount_minlength": lambda T: T.bincount(T.tensor([1]), minlength=-1),
    "bincount_weights": lambda T: T.bincount(T.tensor([1, 2]), T.tensor([1.0])),
    "histc": lambda T: [T.histc(T.tensor([1.0, 2, 1, 4, 5]), 4),
                        T.histc(T.tensor([1.0, 2, 1, 4, 5]), 4, 0, 3),
                        T.tensor([2.0, 2.0], dtype=T.float64).histc(3),
                        T.histc(T.tensor([]), 2)],
    "histc_int": lambda T: T.histc(T.tensor([1, 2]), 4),
    "histc_bins": lambda T: T.histc(T.tensor([1.0]), -1),
    "histc_range": lambda T: T.histc(T.tensor([1.0]), 4, 3, 1),
    "histc_inf": lambda T: T.histc(T.tensor([1.0]), 4, float("inf"), 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_errors_match_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        both(CASES[name])


def test_return_types():
    assert type(kindling.frexp(kindling.tensor([1.0]))).__name__ == "frexp"
    assert type(kindling.atleast_1d(kindling.tensor(1.0), kindling.tensor(2.0))) is tuple
    assert type(kindling.meshgrid(kindling.ones(2), indexing="ij")) is tuple
    x = kindling.ones(3)
    assert kindling.atleast_1d(x) is x  # (returned as is, as PyTorch's)
    assert kindling.ops.aten.__lshift__.Scalar is not None


# ---- the ops a dispatch mode sees -------------------------------------------------------------
def _seen(T, fn):
    from importlib import import_module
    Log = _recorder(import_module(T.__name__ + ".utils._python_dispatch").TorchDispatchMode)
    x = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
    m = Log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with m:
            fn(T, x)
    return m.ops


MODE_CASES = {
    "atleast": lambda T, x: (T.atleast_1d(x[0]), T.atleast_2d(x), T.atleast_3d(x)),
    "stacks": lambda T, x: (T.hstack([x, x[0]]), T.vstack([x, x]), T.dstack([x]),
                            T.column_stack([x, x]), T.row_stack([x])),
    "broadcast_tensors": lambda T, x: T.broadcast_tensors(x, x[0], x.view(3, 1)),
    "meshgrid": lambda T, x: (T.meshgrid(x, x[:2], indexing="xy"), T.meshgrid(x, x)),
    "block_diag": lambda T, x: T.block_diag(x, x.view(3, 1)),
    "cartesian_prod": lambda T, x: T.cartesian_prod(x, x),
    "combinations": lambda T, x: (T.combinations(x), T.combinations(x, 3, True),
                                  T.combinations(x, 0), T.combinations(x, 1)),
    "vander": lambda T, x: (T.vander(x), T.vander(x, 4, True), T.vander(x, 1)),
    "chain_matmul": lambda T, x: (T.chain_matmul(x.view(3, 1), x.view(1, 3), x.view(3, 1)),
                                  T.chain_matmul(x.view(1, 3))),
    "number_ops": lambda T, x: (T.frexp(x), T.ldexp(x, T.tensor([1, 2, 3])),
                                T.polar(x, x)),
    "block_diag_backward": lambda T, x: T.block_diag(x, x.view(3, 1)).sum().backward(),
    "polar_backward": lambda T, x: T.polar(x, x).abs().sum().backward(),
}


@pytest.mark.parametrize("name", sorted(MODE_CASES))
def test_dispatch_mode_sees_pytorchs_ops(name):
    k = _seen(kindling, MODE_CASES[name])
    t = _seen(torch, MODE_CASES[name])
    if name == "combinations":  # (kindling has no ``arange.default``: torch.arange(n) is
        t = [o.replace("aten.arange.default", "aten.arange.start_step") for o in t]  # its start_step
    if name == "vander":  # (scalar-type ops only show as the aten op in PyTorch's mode)
        t = [o for o in t if o != "aten.promote_types.default"]
        k = [o for o in k if o != "aten.promote_types.default"]
    assert k == t


# ---- warnings ---------------------------------------------------------------------------------
def _warned(T, fn):
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        fn()
    return [(w.category.__name__, str(w.message).split(" (Triggered internally")[0]) for w in ws]


def test_meshgrid_and_chain_matmul_warn_once():
    kindling._aten._util._warned.clear()  # (the once-per-process warnings given so far)
    a = kindling.ones(2)
    w = _warned(kindling, lambda: kindling.meshgrid(a, a))
    assert w == [("UserWarning", "torch.meshgrid: in an upcoming release, it will be required "
                                 "to pass the indexing argument.")]
    assert _warned(kindling, lambda: kindling.meshgrid(a, a)) == []
    m = kindling.ones(2, 2)
    w = _warned(kindling, lambda: kindling.chain_matmul(m, m))
    assert w[0][1].startswith("torch.chain_matmul is deprecated")
    assert _warned(kindling, lambda: kindling.chain_matmul(m, m)) == []
    # PyTorch's texts (once per process there too: compare with whatever it still shows)
    tw = _warned(torch, lambda: torch.chain_matmul(torch.ones(2, 2), torch.ones(2, 2)))
    assert not tw or tw[0][1] == w[0][1]


# ---- gradients ----------------------------------------------------------------------------------
GRAD_CASES = {
    "stacks": lambda T, x, y: T.hstack([x, y]) * T.vstack([x, y]).sum(0).repeat(2),
    "column_stack": lambda T, x, y: T.column_stack([x, y[0], y]),
    "meshgrid": lambda T, x, y: T.meshgrid(x, y, indexing="xy")[0] * 2 +
    T.meshgrid(x, y, indexing="xy")[1],
    "cartesian_prod": lambda T, x, y: T.cartesian_prod(x, y) ** 2,
    "combinations": lambda T, x, y: T.combinations(x, 2) * T.combinations(y, 2, True)[:3],
    "block_diag": lambda T, x, y: T.block_diag(x, y.view(3, 1), x[0]),
    "vander": lambda T, x, y: T.vander(x) + T.vander(y, 3, True),
    "chain_matmul": lambda T, x, y: T.chain_matmul(x.view(3, 1), y.view(1, 3), x.view(3, 1)),
    "frexp": lambda T, x, y: T.frexp(x * 3)[0],
    "ldexp": lambda T, x, y: T.ldexp(x, y) + T.ldexp(x, T.tensor([2, -1, 0])),
    "polar": lambda T, x, y: T.view_as_real(T.polar(x.abs() + 0.5, y)),
    "broadcast_tensors": lambda T, x, y: T.broadcast_tensors(x.view(3, 1), y)[0] *
    T.broadcast_tensors(x.view(3, 1), y)[1],
}


def _grads(T, fn):
    x = T.tensor([0.3, -1.2, 2.5], dtype=T.float64, requires_grad=True)
    y = T.tensor([1.1, 0.4, -0.7], dtype=T.float64, requires_grad=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(T, x, y)
        g = T.ones_like(out) * T.arange(out.numel(), dtype=T.float64).view(out.shape)
        names = type(out.grad_fn).__name__
        gx, gy = T.autograd.grad(out, [x, y], g, allow_unused=True)
    except RuntimeError as e:  # (the error is what is compared)
        return "raised", str(e)[:60].lower()
    return names, [None if v is None else v.tolist() for v in (gx, gy)]


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients_and_node_names(name):
    kn, kg = _grads(kindling, GRAD_CASES[name])
    tn, tg = _grads(torch, GRAD_CASES[name])
    assert kn == tn
    if kn == "raised":
        assert kg == tg
        return
    for a, b in zip(kg, tg):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_bincount_weights_gradient_is_not_implemented():
    for T in (kindling, torch):
        w = T.tensor([0.5, 1.0], requires_grad=True)
        r = T.bincount(T.tensor([0, 2]), w)
        assert type(r.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::bincount is not "
                                               "implemented"):
            r.sum().backward()


def test_meta_tensors():
    m = kindling.ones(3, device="meta")
    assert kindling.block_diag(m, m).shape == (2, 6)
    assert kindling.tril_indices(3, 3, device="meta").shape == (2, 6)
    assert outcome(kindling, lambda T: T.histc(m, 7).shape) == (7,)
    mant, exp = kindling.frexp(m)
    assert mant.dtype == kindling.float32 and exp.dtype == kindling.int32
