"""logaddexp/logaddexp2/hypot/copysign/xlogy/fmax/fmin/heaviside/float_power, sinc/deg2rad/
rad2deg/logit/nan_to_num/signbit/isposinf/isneginf and nansum/nanmean against PyTorch:
promotion, integer inputs, special values, out=/in-place forms, errors and gradients."""
import math

import pytest

import kindling
from _parity import dispatch_log, outcome

torch = pytest.importorskip("torch")

NAN, INF = math.nan, math.inf


def _f(T):
    return T.tensor([1.0, -2.0, 0.5, 0.0])


def _g(T):
    return T.tensor([0.5, 3.0, -1.0, -0.0])


def _i(T):
    return T.tensor([1, 2, -3, 0])


def _b(T):
    return T.tensor([True, False, True, False])


def _special(T):
    return T.tensor([NAN, INF, -INF, -0.0, 0.0, 1.5, -2.0])


def _probs(T):
    return T.tensor([0.0, 0.1, 0.5, 0.9, 1.0, NAN])


CASES = {
    # ---- logaddexp / logaddexp2 / hypot: float only, no Python numbers
    "logaddexp": lambda T: T.logaddexp(_f(T), _g(T)),
    "logaddexp_inf": lambda T: T.logaddexp(T.tensor([INF, -INF, INF, NAN]),
                                           T.tensor([INF, -INF, -INF, 1.0])),
    "logaddexp_int": lambda T: T.logaddexp(_i(T), _i(T)),
    "logaddexp_bool": lambda T: T.logaddexp(_b(T), _b(T)),
    "logaddexp_int_float": lambda T: T.logaddexp(_i(T), _f(T)),
    "logaddexp_float_double": lambda T: T.logaddexp(_f(T), _g(T).double()),
    "logaddexp_half": lambda T: T.logaddexp(_f(T).half(), _g(T).half()),
    "logaddexp_number": lambda T: T.logaddexp(_f(T), 2),
    "logaddexp_method_out": lambda T: T.logaddexp(_f(T), _g(T), out=T.empty(4)),
    "logaddexp_out_cast": lambda T: T.logaddexp(_f(T), _g(T), out=T.empty(4, dtype=T.int64)),
    "logaddexp_broadcast_error": lambda T: T.logaddexp(T.ones(2, 3), T.ones(4)),
    "logaddexp2": lambda T: _f(T).logaddexp2(_g(T)),
    "logaddexp2_int": lambda T: T.logaddexp2(_i(T), _i(T)),
    "hypot": lambda T: T.hypot(_f(T), _g(T)),
    "hypot_broadcast": lambda T: T.hypot(T.ones(2, 1), T.tensor([3.0, 4.0])),
    "hypot_int": lambda T: T.hypot(_i(T), _i(T)),
    "hypot_inplace": lambda T: _f(T).hypot_(_g(T)),
    "hypot_inplace_int_self": lambda T: _i(T).hypot_(_f(T)),
    "hypot_inplace_broadcast": lambda T: T.ones(3).hypot_(T.ones(2, 3)),
    # ---- copysign: integers compute in the default float dtype
    "copysign": lambda T: T.copysign(_f(T), _g(T)),
    "copysign_int": lambda T: T.copysign(_i(T), _i(T)),
    "copysign_bool": lambda T: T.copysign(_b(T), _b(T)),
    "copysign_int_scalar": lambda T: T.copysign(_i(T), -2),
    "copysign_uint8_neg_scalar": lambda T: T.copysign(_i(T).to(T.uint8), -2),
    "copysign_float_scalar": lambda T: T.copysign(_f(T), -0.0),
    "copysign_half": lambda T: T.copysign(_f(T).half(), -1.5),
    "copysign_inplace": lambda T: _f(T).copysign_(_g(T)),
    "copysign_inplace_scalar": lambda T: _f(T).copysign_(-1),
    "copysign_inplace_int": lambda T: _i(T).copysign_(_i(T)),
    "copysign_out": lambda T: T.copysign(_f(T), -1, out=T.empty(0, dtype=T.float64)),
    # ---- xlogy
    "xlogy": lambda T: T.xlogy(_f(T), _g(T)),
    "xlogy_special": lambda T: T.xlogy(T.tensor([0.0, 0.0, NAN, 1.0, 2.0]),
                                       T.tensor([NAN, 0.0, 1.0, INF, 0.0])),
    "xlogy_int": lambda T: T.xlogy(_i(T), _i(T)),
    "xlogy_bool": lambda T: T.xlogy(_b(T), _b(T)),
    "xlogy_scalar_other": lambda T: T.xlogy(_i(T), 2.5),
    "xlogy_scalar_other_uint8": lambda T: T.xlogy(_i(T).to(T.uint8), -2),
    "xlogy_scalar_self": lambda T: T.xlogy(2, _f(T)),
    "xlogy_scalar_self_int": lambda T: T.xlogy(0, _i(T)),
    "xlogy_function_inplace": lambda T: T.xlogy_(_f(T).abs(), 3),
    "xlogy_inplace_tensor": lambda T: _g(T).xlogy_(_f(T)),
    "xlogy_inplace_int": lambda T: _i(T).xlogy_(2),
    "xlogy_out_scalar_self": lambda T: T.xlogy(3, _f(T), out=T.empty(4, dtype=T.float64)),
    # ---- fmax / fmin: NaN-ignoring; integers use maximum/minimum
    "fmax": lambda T: T.fmax(T.tensor([NAN, 1.0, NAN, -0.0]), T.tensor([2.0, NAN, NAN, 0.0])),
    "fmax_zeros": lambda T: T.fmax(T.tensor([0.0, -0.0] * 20), T.tensor([-0.0, 0.0] * 20)),
    "fmin_zeros": lambda T: T.fmin(T.tensor([0.0, -0.0] * 20), T.tensor([-0.0, 0.0] * 20)),
    "fmin": lambda T: T.fmin(T.tensor([NAN, 1.0, NAN, 3.0]), T.tensor([2.0, NAN, NAN, 0.0])),
    "fmax_int": lambda T: T.fmax(_i(T), T.tensor([0, 5, -4, 0])),
    "fmin_bool": lambda T: T.fmin(_b(T), T.tensor([True, True, False, False])),
    "fmax_int_float": lambda T: T.fmax(_i(T), _f(T)),
    "fmin_half": lambda T: _f(T).half().fmin(_g(T).half()),
    "fmax_number": lambda T: T.fmax(_f(T), 0),
    "fmax_out_cast": lambda T: T.fmax(_f(T), _g(T), out=T.empty(4, dtype=T.int32)),
    # ---- heaviside: same dtypes only
    "heaviside": lambda T: T.heaviside(T.tensor([NAN, 0.0, -0.0, 1.0, -3.0]),
                                       T.tensor([7.0, 7.0, -7.0, 7.0, 7.0])),
    "heaviside_int": lambda T: T.heaviside(_i(T), T.tensor([5, 5, 5, 5])),
    "heaviside_bool": lambda T: T.heaviside(_b(T), T.tensor([True, True, False, True])),
    "heaviside_dtypes": lambda T: T.heaviside(_f(T), _f(T).double()),
    "heaviside_int_float": lambda T: T.heaviside(_i(T), _f(T)),
    "heaviside_out_dtype": lambda T: T.heaviside(_f(T), _g(T), out=T.empty(4, dtype=T.float64)),
    "heaviside_out": lambda T: T.heaviside(_f(T), _g(T), out=T.empty(4)),
    "heaviside_inplace": lambda T: _f(T).heaviside_(T.tensor(0.25)),
    "heaviside_inplace_dtypes": lambda T: _f(T).heaviside_(_i(T)),
    "heaviside_meta_dtypes": lambda T: str(T.heaviside(
        T.ones(2, device="meta"), T.ones(2, dtype=T.float64, device="meta")).dtype),
    # ---- float_power: always double
    "float_power": lambda T: T.float_power(_f(T), _g(T)),
    "float_power_int": lambda T: T.float_power(_i(T), T.tensor([2, 1, 3, 0])),
    "float_power_int_negative": lambda T: T.float_power(_i(T), -1),
    "float_power_bool": lambda T: T.float_power(_b(T), _b(T)),
    "float_power_scalar": lambda T: T.float_power(_f(T), 2),
    "float_power_scalar_half": lambda T: T.float_power(_i(T), 2.5),
    "float_power_scalar_base": lambda T: T.float_power(2, _f(T)),
    "float_power_method": lambda T: _f(T).half().float_power(_g(T)),
    "float_power_out": lambda T: T.float_power(_f(T), 2, out=T.empty(4, dtype=T.float64)),
    "float_power_out_float": lambda T: T.float_power(_f(T), 2, out=T.empty(4)),
    "float_power_out_tensor_float": lambda T: T.float_power(_f(T), _f(T), out=T.empty(4)),
    "float_power_out_scalar_base_float": lambda T: T.float_power(2, _f(T), out=T.empty(4)),
    "float_power_inplace_float": lambda T: _f(T).float_power_(2),
    "float_power_inplace_int": lambda T: _i(T).float_power_(_f(T)),
    "float_power_inplace_double": lambda T: _f(T).double().float_power_(_g(T)),
    "float_power_inplace_double_scalar": lambda T: _f(T).double().float_power_(3),
    # ---- sinc / deg2rad / rad2deg
    "sinc": lambda T: T.sinc(T.tensor([0.0, 0.5, -1.5, 2.0, INF, NAN])),
    "sinc_int": lambda T: T.sinc(_i(T)),
    "sinc_bool": lambda T: T.sinc(_b(T)),
    "sinc_half": lambda T: T.sinc(_f(T).half()),
    "sinc_double": lambda T: T.sinc(_f(T).double()),
    "sinc_inplace_int": lambda T: _i(T).sinc_(),
    "sinc_function_inplace": lambda T: T.sinc_(_f(T)),
    "deg2rad": lambda T: T.deg2rad(T.tensor([180.0, -90.0, 45.0])),
    "deg2rad_int": lambda T: T.deg2rad(_i(T)),
    "deg2rad_uint8": lambda T: T.deg2rad(_i(T).to(T.uint8)),
    "deg2rad_half": lambda T: T.deg2rad(_f(T).half()),
    "deg2rad_inplace": lambda T: _f(T).deg2rad_(),
    "deg2rad_function_inplace_int": lambda T: T.deg2rad_(_i(T)),
    "rad2deg": lambda T: _f(T).rad2deg(),
    "rad2deg_bool": lambda T: T.rad2deg(_b(T)),
    "rad2deg_out": lambda T: T.rad2deg(_i(T), out=T.empty(4, dtype=T.float64)),
    "rad2deg_out_int": lambda T: T.rad2deg(_i(T), out=T.empty(4, dtype=T.int64)),
    # ---- logit
    "logit": lambda T: T.logit(_probs(T)),
    "logit_eps": lambda T: T.logit(_probs(T), eps=0.2),
    "logit_eps_positional": lambda T: T.logit(_probs(T), 1e-6),
    "logit_negative_eps": lambda T: T.logit(_probs(T), -0.2),
    "logit_half_eps": lambda T: T.logit(_probs(T).half(), eps=0.1),
    "logit_half": lambda T: T.logit((T.arange(37) / 36).half()),
    "logit_bfloat16": lambda T: T.logit((T.arange(37) / 36).bfloat16(), 0.05),
    "logit_int": lambda T: T.logit(_i(T)),
    "logit_bool": lambda T: T.logit(_b(T)),
    "logit_inplace": lambda T: _probs(T).logit_(0.25),
    "logit_function_inplace": lambda T: T.logit_(_probs(T)),
    "logit_inplace_int": lambda T: _i(T).logit_(),
    # ---- nan_to_num
    "nan_to_num": lambda T: T.nan_to_num(_special(T)),
    "nan_to_num_values": lambda T: T.nan_to_num(_special(T), 0.5, 100.0, -100.0),
    "nan_to_num_overflow": lambda T: T.nan_to_num(_special(T), posinf=1e300, neginf=-2.5),
    "nan_to_num_half": lambda T: T.nan_to_num(_special(T).half()),
    "nan_to_num_double": lambda T: _special(T).double().nan_to_num(nan=-1.0),
    "nan_to_num_bfloat16": lambda T: T.nan_to_num(_special(T).bfloat16()),
    "nan_to_num_int": lambda T: T.nan_to_num(_i(T), nan=3.0),
    "nan_to_num_uint8": lambda T: T.nan_to_num(_i(T).to(T.uint8)),
    "nan_to_num_inplace": lambda T: _special(T).nan_to_num_(posinf=9.0),
    "nan_to_num_function_inplace": lambda T: T.nan_to_num_(_special(T)),
    "nan_to_num_out": lambda T: T.nan_to_num(_special(T), out=T.empty(7)),
    "nan_to_num_out_dtype": lambda T: T.nan_to_num(_special(T), out=T.empty(7, dtype=T.float64)),
    "nan_to_num_out_dtype_int": lambda T: T.nan_to_num(_i(T), out=T.empty(4)),
    # ---- signbit / isposinf / isneginf
    "signbit": lambda T: T.signbit(_special(T)),
    "signbit_int": lambda T: T.signbit(_i(T)),
    "signbit_uint8": lambda T: T.signbit(_i(T).to(T.uint8)),
    "signbit_bool": lambda T: _b(T).signbit(),
    "signbit_half": lambda T: T.signbit(_special(T).half()),
    "signbit_out": lambda T: T.signbit(_special(T), out=T.empty(7, dtype=T.bool)),
    "signbit_out_float": lambda T: T.signbit(_special(T), out=T.empty(7)),
    "isposinf": lambda T: T.isposinf(_special(T)),
    "isneginf": lambda T: _special(T).isneginf(),
    "isposinf_int": lambda T: T.isposinf(_i(T)),
    "isneginf_bool": lambda T: T.isneginf(_b(T)),
    "isposinf_out_int": lambda T: T.isposinf(_special(T), out=T.empty(7, dtype=T.int64)),
    "isneginf_out": lambda T: T.isneginf(_special(T), out=T.empty(0, dtype=T.bool)),
    # ---- nansum / nanmean
    "nansum": lambda T: T.nansum(T.tensor([[NAN, 1.0], [2.0, 3.0]])),
    "nansum_dim": lambda T: T.nansum(T.tensor([[NAN, 1.0], [2.0, 3.0]]), 0),
    "nansum_dims_keepdim": lambda T: T.tensor([[NAN, 1.0], [2.0, 3.0]]).nansum([0, 1], True),
    "nansum_dtype": lambda T: T.nansum(T.tensor([[NAN, 1.0], [2.0, 3.0]]), 1,
                                       dtype=T.float64),
    "nansum_all_nan": lambda T: T.nansum(T.tensor([NAN, NAN])),
    "nansum_int": lambda T: T.nansum(_i(T)),
    "nansum_bool": lambda T: T.nansum(_b(T)),
    "nansum_uint8": lambda T: T.nansum(T.tensor([200, 100], dtype=T.uint8)),
    "nansum_int_dtype": lambda T: T.nansum(_i(T), dtype=T.float32),
    "nansum_half": lambda T: T.nansum(_special(T)[3:].half()),
    "nansum_empty": lambda T: T.nansum(T.ones(0, 3), 0),
    "nansum_bad_dim": lambda T: T.nansum(_f(T), 2),
    "nansum_out": lambda T: T.nansum(_special(T)[3:], out=T.empty((), dtype=T.float64)),
    "nanmean": lambda T: T.nanmean(T.tensor([[NAN, NAN], [2.0, 3.0]])),
    "nanmean_dim": lambda T: T.nanmean(T.tensor([[NAN, NAN], [2.0, 3.0]]), 1),
    "nanmean_keepdim": lambda T: T.tensor([[NAN, 1.0], [2.0, 3.0]]).nanmean(0, keepdim=True),
    "nanmean_dtype": lambda T: T.nanmean(T.tensor([NAN, 1.0, 2.0]), dtype=T.float64),
    "nanmean_int": lambda T: T.nanmean(_i(T)),
    "nanmean_int_dtype": lambda T: T.nanmean(_f(T), dtype=T.int64),
    "nanmean_half": lambda T: T.nanmean(_special(T)[3:].half()),
    "nanmean_out": lambda T: T.nanmean(T.tensor([NAN, 1.0, 2.0]), out=T.empty(())),
    "nanmean_out_int": lambda T: T.nanmean(_i(T), out=T.empty(())),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    assert outcome(kindling, CASES[name]) == outcome(torch, CASES[name])


def test_inplace_returns_self_and_out_returns_out():
    for T in (kindling, torch):
        x = _f(T)
        assert x.hypot_(_g(T)) is x
        o = T.empty(4)
        assert T.copysign(_f(T), _g(T), out=o) is o


def _grad_case(which, T):
    x = T.tensor([0.5, -1.0, 0.0, 2.0], dtype=T.float64, requires_grad=True)
    y = T.tensor([1.5, 2.0, 0.0, -3.0], dtype=T.float64, requires_grad=True)
    p = T.tensor([0.2, 0.5, 0.0, 1.0], dtype=T.float64, requires_grad=True)
    xf = T.tensor([0.5, -1.0, 0.0, 2.0], requires_grad=True)
    m = T.tensor([[NAN, 1.0], [2.0, 3.0]], dtype=T.float64, requires_grad=True)
    out = {
        "logaddexp": lambda: T.logaddexp(x, y),
        "logaddexp2": lambda: T.logaddexp2(x, y),
        "hypot": lambda: T.hypot(x, y),
        "hypot_broadcast": lambda: T.hypot(x.unsqueeze(1), y),
        "copysign": lambda: T.copysign(x, y),
        "copysign_scalar": lambda: T.copysign(x, -1.0),
        "xlogy": lambda: T.xlogy(x, y),
        "xlogy_scalar_self": lambda: T.xlogy(2, y),
        "xlogy_scalar_other": lambda: T.xlogy(x, 3.0),
        "xlogy_scalar_other_negative": lambda: T.xlogy(x, -3.0),
        "fmax": lambda: T.fmax(x, y),
        "fmin": lambda: T.fmin(x, y),
        "fmax_nan": lambda: T.fmax(x, y / (y != 0)),
        "fmin_broadcast": lambda: T.fmin(x.unsqueeze(1), y),
        "sinc": lambda: T.sinc(x),
        "deg2rad": lambda: T.deg2rad(x),
        "rad2deg": lambda: T.rad2deg(x),
        "logit": lambda: T.logit(p),
        "logit_eps": lambda: T.logit(p, 0.25),
        "nan_to_num": lambda: T.nan_to_num(x / 0, posinf=3.0, neginf=-3.0),
        "nansum": lambda: T.nansum(m),
        "nansum_dim": lambda: T.nansum(m, 1, dtype=T.float32),
        "nanmean": lambda: T.nanmean(m),
        "nanmean_dim": lambda: T.nanmean(m, 0, True),
        "float_power": lambda: T.float_power(xf, 2),
        "float_power_tensor": lambda: T.float_power(x, y),
        "float_power_scalar_base": lambda: T.float_power(2, y),
    }[which]()
    leaves = [x, y, p, xf, m]
    gs = T.autograd.grad(out.sum(), leaves, allow_unused=True)
    nexts = [type(n).__name__ if n is not None else None for n, _ in out.grad_fn.next_functions]
    return (type(out.grad_fn).__name__, nexts, str(out.dtype),
            [None if g is None else repr(g.tolist()) for g in gs])


@pytest.mark.parametrize("which", [
    "logaddexp", "logaddexp2", "hypot", "hypot_broadcast", "copysign", "copysign_scalar",
    "xlogy", "xlogy_scalar_self", "xlogy_scalar_other", "xlogy_scalar_other_negative", "fmax",
    "fmin", "fmax_nan", "fmin_broadcast", "sinc", "deg2rad", "rad2deg", "logit", "logit_eps",
    "nan_to_num",
    "nansum", "nansum_dim", "nanmean", "nanmean_dim", "float_power", "float_power_tensor",
    "float_power_scalar_base"])
def test_gradients_and_node_names(which):
    k, t = _grad_case(which, kindling), _grad_case(which, torch)
    assert k[:3] == t[:3]
    for a, b in zip(k[3], t[3]):
        if a is None or b is None:
            assert a == b
        else:
            assert _flat(a) == pytest.approx(_flat(b), rel=1e-12, abs=1e-15, nan_ok=True)


def _flat(text):
    v = eval(text, {"nan": NAN, "inf": INF})
    while v and isinstance(v[0], list):
        v = [e for row in v for e in row]
    return v


def test_heaviside_has_no_derivative():
    def run(T):
        x = T.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        y = T.heaviside(x, T.tensor([0.5, 0.5, 0.5]))
        try:
            y.sum().backward()
        except RuntimeError as e:
            return y.requires_grad, str(e)
    assert run(kindling) == run(torch)


def test_bool_results_do_not_require_grad():
    for T in (kindling, torch):
        x = T.tensor([-1.0, INF], requires_grad=True)
        assert not any(f(x).requires_grad for f in (T.signbit, T.isposinf, T.isneginf))


def test_forward_ad():
    import kindling.autograd.forward_ad as kfwd
    import torch.autograd.forward_ad as tfwd

    def run(T, fwd):
        res = []
        for f in (lambda a, b: T.logaddexp(a, b), lambda a, b: T.hypot(a, b),
                  lambda a, b: T.xlogy(a, b), lambda a, b: T.fmax(a, b),
                  lambda a, b: T.copysign(a, b), lambda a, b: T.sinc(a) + T.logit(b.sigmoid()),
                  lambda a, b: T.nansum(a * b)):
            with fwd.dual_level():
                a = fwd.make_dual(T.tensor([0.5, -1.0, 2.0], dtype=T.float64),
                                  T.tensor([1.0, 2.0, -1.0], dtype=T.float64))
                b = fwd.make_dual(T.tensor([1.5, 2.0, 0.25], dtype=T.float64),
                                  T.tensor([0.5, -1.0, 3.0], dtype=T.float64))
                res.append(fwd.unpack_dual(f(a, b)).tangent.tolist())
        return res
    k, t = run(kindling, kfwd), run(torch, tfwd)
    for a, b in zip(k, t):
        assert a == pytest.approx(b, rel=1e-12)


# ---- nextafter -------------------------------------------------------------------------------
_NA_A = [1., 2., 3., 0., -0., NAN, 1e-30, -5., 65504., -1e-40]
_NA_B = [2., 2., 0., -1., 1., 1., 0., INF, INF, -INF]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_nextafter_values_match_torch(dtype):
    def run(T):
        dt = getattr(T, dtype)
        return T.nextafter(T.tensor(_NA_A, dtype=dt), T.tensor(_NA_B, dtype=dt)).to(
            T.float64).tolist()
    got, want = run(kindling), run(torch)
    assert [repr(x) for x in got] == [repr(x) for x in want]


@pytest.mark.parametrize("call", [
    "T.nextafter(T.tensor([1, 2]), T.tensor([2, 0]))",
    "T.nextafter(T.tensor([True]), T.tensor([False]))",
    "T.nextafter(T.tensor([1j]), T.tensor([2j]))",
    "T.nextafter(T.tensor([1.0]), 1.0)",
    "T.nextafter(T.tensor([1.0], dtype=T.float64), T.tensor([2.0])).dtype",
    "T.nextafter(T.tensor([1.0]), T.tensor([2.0], dtype=T.float64), "
    "out=T.empty(1, dtype=T.float32)).dtype"])
def test_nextafter_dtypes_and_errors_match_torch(call):
    def run(T):
        r = eval(call)
        return r if isinstance(r, T.Tensor) else str(r)  # (a dtype: by name)
    assert outcome(kindling, run) == outcome(torch, run)


def test_nextafter_gradients_forward_ad_and_ops_match_torch():
    def run(T):
        from importlib import import_module
        fwad = import_module(T.__name__ + ".autograd.forward_ad")
        log, mode = dispatch_log(T)
        a = T.tensor([1., 2., 3.], requires_grad=True)
        b = T.tensor([2., 2., 0.], requires_grad=True)  # (a tie in the middle)
        y = T.nextafter(a, b)
        saved = sorted(n for n in dir(y.grad_fn) if n.startswith("_saved"))
        g = T.tensor([5., 6., 7.])
        with mode:
            y.backward(g)
        with fwad.dual_level():  # (the tangent; forward AD's own bookkeeping ops differ)
            d = fwad.make_dual(a.detach(), T.ones(3))
            t = fwad.unpack_dual(T.nextafter(d, b.detach())).tangent
        return y.grad_fn.name(), saved, a.grad.tolist(), b.grad.tolist(), t.tolist(), log
    assert run(kindling) == run(torch)


def test_copysign_backward_ops_and_saved_match_torch():
    """CopysignBackward0 saves ``other``'s type and size only (``_saved_other`` is no
    attribute), makes ``other``'s zeros with ``aten.zeros``, and unpacks its saved output
    before any formula runs (the detach a mode sees comes first), as PyTorch's node does."""
    def run(T):
        log, mode = dispatch_log(T)
        a = T.tensor([1., 2., 3.], requires_grad=True)
        b = T.tensor([2., -2., 0.], requires_grad=True)
        y = T.copysign(a, b)
        saved = sorted(n for n in dir(y.grad_fn) if n.startswith("_saved"))
        g = T.tensor([5., 6., 7.])
        with mode:
            y.backward(g)
        return saved, a.grad.tolist(), b.grad.tolist(), log
    assert run(kindling) == run(torch)
