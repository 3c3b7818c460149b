"""``kindling.nn.utils`` parametrizations and friends compared with PyTorch's: parametrize,
parametrizations (orthogonal, weight_norm, spectral_norm), the hook-based weight_norm and
spectral_norm, functional_call (``stateless``, ``torch.func``), fusion, skip_init and the
memory-format helpers. Each scenario runs once per library from the same seed; results
(values, gradients, state-dict keys, reprs, errors, warnings) must agree."""
import copy
import pickle
import warnings

import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")


def run(scenario):
    """``scenario(lib)`` for kindling and torch, each after ``manual_seed(0)``."""
    out = []
    for lib in (kindling, torch):
        lib.manual_seed(0)
        out.append(scenario(lib))
    return out


def same(k, t, rtol=1e-5, atol=1e-6):
    """Equal nested results: tensors by value/dtype/shape, the rest by ==."""
    if isinstance(k, (list, tuple)):
        assert isinstance(t, (list, tuple)) and len(k) == len(t), (k, t)
        for a, b in zip(k, t):
            same(a, b, rtol, atol)
    elif isinstance(k, dict):
        assert list(k) == list(t)
        for key in k:
            same(k[key], t[key], rtol, atol)
    elif isinstance(k, kindling.Tensor):
        assert isinstance(t, torch.Tensor)
        assert tuple(k.shape) == tuple(t.shape)
        assert str(k.dtype) == str(t.dtype)
        if str(k.dtype) in ("torch.bfloat16", "torch.float16"):
            k, t = k.float(), t.float()
        np.testing.assert_allclose(k.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
    else:
        assert k == t, (k, t)


def compare(scenario, **tol):
    k, t = run(scenario)
    same(k, t, **tol)


def error_of(lib, fn):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 (the error is the result)
        return type(e).__name__, str(e).replace("torch.nn.modules", "MOD").replace(
            "kindling.nn.modules", "MOD")
    return None


def same_error(fn):
    k, t = error_of(kindling, fn), error_of(torch, fn)
    assert t is not None
    assert k == t


def sd(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


class Symmetric:
    """Factories of test parametrizations for either library."""

    @staticmethod
    def sym(lib):
        class Sym(lib.nn.Module):
            def forward(self, X):
                return X.triu() + X.triu(1).mT
        return Sym()

    @staticmethod
    def scaled(lib, k=2.0):
        class Scale(lib.nn.Module):
            def forward(self, X):
                return X * k

            def right_inverse(self, X):
                return X / k
        return Scale()

    @staticmethod
    def split(lib):
        class Split(lib.nn.Module):
            def forward(self, A, B):
                return A + B

            def right_inverse(self, X):
                return X * 0.25, X * 0.75
        return Split()


# ---- parametrize ---------------------------------------------------------------------------
def test_register_class_repr_state_dict_and_gradients():
    def s(lib):
        P = lib.nn.utils.parametrize
        m = lib.nn.Linear(3, 3)
        before = m.weight.detach().clone()
        P.register_parametrization(m, "weight", Symmetric.sym(lib))
        x = lib.randn(4, 3)
        y = m(x)
        y.pow(2).sum().backward()
        return [type(m).__name__, P.type_before_parametrizations(m).__name__,
                P.is_parametrized(m), P.is_parametrized(m, "weight"),
                P.is_parametrized(m, "bias"), repr(m), list(m.state_dict()), sd(m), y,
                m.parametrizations.weight.original.grad, m.bias.grad, before,
                isinstance(m.parametrizations.weight.original, lib.nn.Parameter),
                [n for n, _ in m.named_parameters()], m.weight]
    compare(s)


def test_original_is_the_same_tensor_and_other_instances_untouched():
    def s(lib):
        P = lib.nn.utils.parametrize
        m, other = lib.nn.Linear(2, 2), lib.nn.Linear(2, 2)
        w = m.weight
        P.register_parametrization(m, "weight", Symmetric.scaled(lib))
        return [m.parametrizations.weight.original is w, type(other).__name__,
                type(m).__mro__[1].__name__, m.weight, hasattr(type(other), "weight")]
    compare(s)


def test_right_inverse_assignment_and_chained_parametrizations():
    def s(lib):
        P = lib.nn.utils.parametrize
        m = lib.nn.Linear(3, 3)
        P.register_parametrization(m, "weight", Symmetric.scaled(lib, 2.0))
        P.register_parametrization(m, "weight", Symmetric.scaled(lib, 3.0))
        first = m.weight.detach().clone()
        with lib.no_grad():
            m.weight = lib.ones(3, 3)
        x = lib.randn(2, 3)
        y = m(x)
        y.sum().backward()
        return [first, m.weight, m.parametrizations.weight.original, repr(m),
                len(m.parametrizations.weight), m.parametrizations.weight.original.grad]
    compare(s)


def test_sequence_right_inverse_gives_original0_original1():
    def s(lib):
        P = lib.nn.utils.parametrize
        m = lib.nn.Linear(3, 2)
        P.register_parametrization(m, "weight", Symmetric.split(lib))
        y = m(lib.randn(5, 3))
        y.sum().backward()
        pl = m.parametrizations.weight
        r = [list(m.state_dict()), sd(m), pl.original0.grad, pl.original1.grad, pl.is_tensor,
             pl.ntensors, hasattr(pl, "original"), m.weight]
        with lib.no_grad():
            m.weight = lib.full((2, 3), 4.0)
        r += [pl.original0, pl.original1]
        P.remove_parametrizations(m, "weight")
        r += [type(m).__name__, list(m.state_dict()), isinstance(m.weight, lib.nn.Parameter)]
        return r
    compare(s)


def test_cached():
    def s(lib):
        P = lib.nn.utils.parametrize
        m = lib.nn.Linear(3, 3)
        P.register_parametrization(m, "weight", Symmetric.sym(lib))
        with P.cached():
            a, b = m.weight, m.weight
            with P.cached():
                c = m.weight
            d = m.weight
        e, f = m.weight, m.weight
        return [a is b, a is c, a is d, e is f, e]
    compare(s)


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    def s(lib):
        P = lib.nn.utils.parametrize
        m = lib.nn.Linear(3, 3)
        P.register_parametrization(m, "weight", Symmetric.sym(lib))
        P.register_parametrization(m, "bias", Symmetric.scaled(lib))
        P.remove_parametrizations(m, "weight", leave_parametrized=leave)
        mid = [type(m).__name__, list(m.state_dict()), repr(m)]
        P.remove_parametrizations(m, "bias", leave_parametrized=leave)
        return mid + [type(m).__name__, list(m.state_dict()), sd(m), repr(m),
                      hasattr(m, "parametrizations"), isinstance(m.weight, lib.nn.Parameter),
                      P.is_parametrized(m)]
    compare(s)


def test_buffer_parametrization():
    def s(lib):
        P = lib.nn.utils.parametrize
        m = lib.nn.BatchNorm1d(3)
        P.register_parametrization(m, "running_var", Symmetric.scaled(lib))
        r = [list(m.state_dict()), sd(m), m.running_var,
             [n for n, _ in m.named_buffers()]]
        P.remove_parametrizations(m, "running_var")
        return r + [list(m.state_dict()), m.running_var]
    compare(s)


def test_transfer_parametrizations_and_params():
    def s(lib):
        P = lib.nn.utils.parametrize
        a, b = lib.nn.Linear(3, 3), lib.nn.Linear(3, 3)
        P.register_parametrization(a, "weight", Symmetric.sym(lib))
        P.transfer_parametrizations_and_params(a, b)
        return [type(b).__name__, list(b.state_dict()), b.weight,
                b.parametrizations.weight.original is a.parametrizations.weight.original]
    compare(s)


def test_deepcopy_and_pickle():
    def s(lib):
        P = lib.nn.utils.parametrize
        m = lib.nn.Linear(3, 3)
        P.register_parametrization(m, "weight", Symmetric.scaled(lib))
        c = copy.deepcopy(m)
        return [type(c).__name__, c.weight, list(c.state_dict()),
                c.parametrizations.weight.original is m.parametrizations.weight.original]
    compare(s)

    def pick(lib):
        m = lib.nn.Linear(3, 3)
        lib.nn.utils.parametrize.register_parametrization(m, "weight", Symmetric.scaled(lib))
        pickle.dumps(m)
    same_error(pick)


@pytest.mark.parametrize("case", ["missing", "shape", "dtype", "shape_second", "empty",
                                  "remove", "remove_seq", "no_inverse", "not_tensor"])
def test_parametrize_errors(case):
    def s(lib):
        P = lib.nn.utils.parametrize
        m = lib.nn.Linear(3, 2)

        class Shape(lib.nn.Module):
            def forward(self, X):
                return X[:1]

        class Dtype(lib.nn.Module):
            def forward(self, X):
                return X.double()

        class NotTensor(lib.nn.Module):
            def forward(self, X):
                return 1

        if case == "missing":
            P.register_parametrization(m, "nope", Symmetric.scaled(lib))
        elif case == "shape":
            P.register_parametrization(m, "weight", Shape())
        elif case == "dtype":
            P.register_parametrization(m, "weight", Dtype())
        elif case == "shape_second":
            P.register_parametrization(m, "weight", Symmetric.scaled(lib))
            P.register_parametrization(m, "weight", Shape())
        elif case == "empty":
            P.ParametrizationList([], m.weight)
        elif case == "remove":
            P.remove_parametrizations(m, "weight")
        elif case == "remove_seq":
            P.register_parametrization(m, "weight", Symmetric.split(lib))
            P.remove_parametrizations(m, "weight", leave_parametrized=False)
        elif case == "no_inverse":
            P.register_parametrization(m, "weight", Shape(), unsafe=True)
            with lib.no_grad():
                m.weight = lib.ones(1, 3)
        elif case == "not_tensor":
            P.register_parametrization(m, "weight", NotTensor())
    same_error(s)


def test_unsafe_allows_shape_change():
    def s(lib):
        P = lib.nn.utils.parametrize

        class Half(lib.nn.Module):
            def forward(self, X):
                return X[:1]
        m = lib.nn.Linear(3, 2)
        P.register_parametrization(m, "weight", Half(), unsafe=True)
        return [m.weight, m.parametrizations.weight.unsafe, repr(m)]
    compare(s)


# ---- parametrizations.orthogonal -----------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)])
@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
def test_orthogonal(shape, omap):
    def s(lib):
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.randn(*shape))
        lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map=omap)
        w = m.weight
        gram = w.mT @ w if shape[-2] >= shape[-1] else w @ w.mT
        (w * lib.arange(w.numel()).reshape(w.shape)).sum().backward()
        return [w, gram, list(m.state_dict()), m.parametrizations.weight.original.grad,
                repr(m)]
    compare(s, rtol=1e-4, atol=1e-5)


def test_orthogonal_without_trivialization_and_errors():
    def s(lib):
        m = lib.nn.Linear(3, 5)
        lib.nn.utils.parametrizations.orthogonal(m, use_trivialization=False)
        return [m.weight, list(m.state_dict())]
    compare(s, rtol=1e-4, atol=1e-5)
    same_error(lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3),
                                                                    orthogonal_map="qr"))
    same_error(lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3),
                                                                    "bias"))
    same_error(lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3),
                                                                    "nope"))

    def assign(lib):
        m = lib.nn.Linear(3, 3)
        lib.nn.utils.parametrizations.orthogonal(m, use_trivialization=False)
        m.weight = lib.eye(3)
    same_error(assign)


# ---- parametrizations.weight_norm / spectral_norm ------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, 2, -1, None])
def test_weight_norm_parametrization(dim):
    def s(lib):
        m = lib.nn.Conv2d(3, 4, 3)
        lib.nn.utils.parametrizations.weight_norm(m, dim=dim)
        y = m(lib.randn(2, 3, 5, 5))
        y.pow(2).sum().backward()
        pl = m.parametrizations.weight
        return [list(m.state_dict()), sd(m), y, m.weight, pl.original0.grad, pl.original1.grad,
                repr(m)]
    compare(s, rtol=1e-4, atol=1e-5)


def test_weight_norm_parametrization_loads_old_keys():
    def s(lib):
        old = lib.nn.Linear(4, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.nn.utils.weight_norm(old)
        with lib.no_grad():
            old.weight_g.mul_(3.0)
        new = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(4, 3))
        new.load_state_dict(old.state_dict())
        return [sd(new), new.weight]
    compare(s)


@pytest.mark.parametrize("make", ["linear", "conv", "convT", "vector"])
def test_spectral_norm_parametrization(make):
    def s(lib):
        m = {"linear": lambda: lib.nn.Linear(5, 4), "conv": lambda: lib.nn.Conv2d(2, 3, 3),
             "convT": lambda: lib.nn.ConvTranspose2d(2, 3, 3),
             "vector": lambda: lib.nn.Linear(5, 4)}[make]()
        name = "bias" if make == "vector" else "weight"
        lib.nn.utils.parametrizations.spectral_norm(m, name, n_power_iterations=2)
        r = [list(m.state_dict()), sd(m), repr(m)]
        x = lib.randn(2, 5) if make in ("linear", "vector") else lib.randn(1, 2, 6, 6)
        for _ in range(3):
            y = m(x)
        y.sum().backward()
        r += [y, sd(m), m.parametrizations[name].original.grad]
        m.eval()
        r += [m(x), sd(m)]
        return r
    compare(s, rtol=1e-4, atol=1e-5)


def test_spectral_norm_parametrization_errors():
    same_error(lambda lib: lib.nn.utils.parametrizations.spectral_norm(
        lib.nn.Linear(3, 3), n_power_iterations=0))
    same_error(lambda lib: lib.nn.utils.parametrizations.spectral_norm(
        lib.nn.Linear(3, 3), dim=2))
    same_error(lambda lib: lib.nn.utils.parametrizations.spectral_norm(
        lib.nn.Linear(3, 3), "nope"))


# ---- hook-based weight_norm / spectral_norm ------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, None])
def test_old_weight_norm(dim):
    def s(lib):
        m = lib.nn.Linear(4, 3)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.utils.weight_norm(m, dim=dim)
        r = [[(x.category, str(x.message)) for x in w], list(m.state_dict()), sd(m)]
        y = m(lib.randn(2, 4))
        y.sum().backward()
        r += [y, m.weight_g.grad, m.weight_v.grad, m.weight]
        lib.nn.utils.remove_weight_norm(m)
        return r + [list(m.state_dict()), sd(m), isinstance(m.weight, lib.nn.Parameter),
                    len(m._forward_pre_hooks)]
    compare(s)


def test_old_weight_norm_errors():
    def twice(lib):
        m = lib.nn.Linear(4, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.nn.utils.weight_norm(m)
            lib.nn.utils.weight_norm(m)
    same_error(twice)
    same_error(lambda lib: lib.nn.utils.remove_weight_norm(lib.nn.Linear(4, 3)))


def test_old_spectral_norm():
    def s(lib):
        m = lib.nn.Linear(5, 4)
        lib.nn.utils.spectral_norm(m, n_power_iterations=2)
        r = [list(m.state_dict()), sd(m), m.state_dict()._metadata[""].get("spectral_norm")]
        x = lib.randn(3, 5)
        for _ in range(3):
            y = m(x)
        y.sum().backward()
        r += [y, sd(m), m.weight_orig.grad, m.weight]
        m.eval()
        r += [m(x), sd(m)]
        lib.nn.utils.remove_spectral_norm(m)
        return r + [list(m.state_dict()), sd(m), len(m._forward_pre_hooks)]
    compare(s, rtol=1e-4, atol=1e-5)


def test_old_spectral_norm_conv_transpose_and_errors():
    def s(lib):
        m = lib.nn.ConvTranspose1d(2, 3, 3)
        lib.nn.utils.spectral_norm(m)
        return [sd(m), m(lib.randn(1, 2, 5))]
    compare(s, rtol=1e-4, atol=1e-5)

    def twice(lib):
        m = lib.nn.Linear(4, 3)
        lib.nn.utils.spectral_norm(m)
        lib.nn.utils.spectral_norm(m)
    same_error(twice)
    same_error(lambda lib: lib.nn.utils.remove_spectral_norm(lib.nn.Linear(4, 3)))
    same_error(lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(4, 3),
                                                      n_power_iterations=0))


# ---- functional_call -----------------------------------------------------------------------
def test_functional_call_parameters_and_buffers():
    def s(lib):
        m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4))
        x = lib.randn(5, 3)
        w = lib.randn(4, 3, requires_grad=True)
        rm = lib.zeros(4)
        d = {"0.weight": w, "1.running_mean": rm}
        y = lib.func.functional_call(m, d, (x,))
        y.sum().backward()
        return [y, w.grad, d["1.running_mean"], m[1].running_mean, m[0].weight, m(x)]
    compare(s)


def test_functional_call_dict_sequence_kwargs_and_errors():
    def s(lib):
        m = lib.nn.Linear(3, 2)
        x = lib.randn(2, 3)
        a = lib.func.functional_call(m, ({"weight": lib.ones(2, 3)}, {"bias": lib.zeros(2)}),
                                     x)
        b = lib.func.functional_call(m, {}, kwargs={"input": x})
        return [a, b]
    compare(s)
    same_error(lambda lib: lib.func.functional_call(
        lib.nn.Linear(3, 2), ({"weight": lib.ones(2, 3)}, {"weight": lib.ones(2, 3)}),
        lib.ones(1, 3)))
    same_error(lambda lib: lib.func.functional_call(lib.nn.Linear(3, 2), 3, lib.ones(1, 3)))
    same_error(lambda lib: lib.func.functional_call(lib.nn.Linear(3, 2), [3], lib.ones(1, 3)))
    same_error(lambda lib: lib.func.functional_call(
        lib.nn.Linear(3, 2), {"weight": lib.ones(2, 3), "extra": lib.ones(1)},
        lib.ones(1, 3), strict=True))
    same_error(lambda lib: lib.func.functional_call(
        lib.nn.Linear(3, 2), {"weight": 1}, lib.ones(1, 3)))


def test_functional_call_tie_weights():
    def tied(lib):
        class Tied(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = lib.nn.Linear(3, 3, bias=False)
                self.b = lib.nn.Linear(3, 3, bias=False)
                self.b.weight = self.a.weight

            def forward(self, x):
                return self.b(self.a(x))
        return Tied()

    def s(lib):
        m = tied(lib)
        x = lib.randn(2, 3)
        one = lib.func.functional_call(m, {"a.weight": lib.eye(3) * 2}, x)
        untied = lib.func.functional_call(m, {"a.weight": lib.eye(3) * 2}, x,
                                          tie_weights=False)
        return [one, untied, m(x)]
    compare(s)
    same_error(lambda lib: lib.func.functional_call(
        tied(lib), {"a.weight": lib.eye(3), "b.weight": lib.eye(3) * 2}, lib.ones(1, 3)))


def test_stateless_functional_call_warns():
    def s(lib):
        m = lib.nn.Linear(3, 2)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = lib.nn.utils.stateless.functional_call(m, {"bias": lib.ones(2)},
                                                       lib.zeros(1, 3))
        return [y, [(x.category, str(x.message)) for x in w]]
    compare(s)


def test_stack_module_state():
    def s(lib):
        models = [lib.nn.Linear(3, 2) for _ in range(3)]
        params, buffers = lib.func.stack_module_state(models)
        return [params, buffers, [p.requires_grad and p.is_leaf for p in params.values()]]
    compare(s)
    same_error(lambda lib: lib.func.stack_module_state([]))
    same_error(lambda lib: lib.func.stack_module_state([lib.nn.Linear(3, 2),
                                                        lib.nn.Linear(3, 2).eval()]))


def test_func_transforms_not_implemented():
    for name in ("grad", "vmap", "jacrev", "jacfwd", "hessian", "vjp", "jvp"):
        with pytest.raises(NotImplementedError, match=name):
            getattr(kindling.func, name)(lambda x: x)
        assert name in kindling.func.__all__


# ---- fusion, skip_init, memory format ------------------------------------------------------
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("affine", [True, False])
def test_fuse_conv_bn(transpose, affine):
    def s(lib):
        conv = (lib.nn.ConvTranspose2d(3, 4, 3) if transpose else lib.nn.Conv2d(3, 4, 3))
        bn = lib.nn.BatchNorm2d(4, affine=affine)
        x = lib.randn(2, 3, 6, 6)
        bn(conv(x))  # (running stats)
        conv.eval()
        bn.eval()
        fused = lib.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        return [fused(x), bn(conv(x)), type(fused.weight).__name__, fused.bias.requires_grad]
    compare(s, rtol=1e-4, atol=1e-5)


def test_fuse_linear_bn_and_errors():
    def s(lib):
        lin, bn = lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4)
        x = lib.randn(5, 3)
        bn(lin(x))
        lin.eval()
        bn.eval()
        fused = lib.nn.utils.fuse_linear_bn_eval(lin, bn)
        w, b = lib.nn.utils.fuse_linear_bn_weights(lin.weight, None, bn.running_mean,
                                                   bn.running_var, bn.eps, bn.weight, bn.bias)
        return [fused(x), bn(lin(x)), w, b]
    compare(s, rtol=1e-4, atol=1e-5)
    same_error(lambda lib: lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(3, 4),
                                                            lib.nn.BatchNorm1d(4)))
    same_error(lambda lib: lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(3, 4).eval(),
                                                            lib.nn.BatchNorm1d(3).eval()))


def test_skip_init():
    def s(lib):
        m = lib.nn.utils.skip_init(lib.nn.Linear, 3, 4, bias=False)
        return [type(m).__name__, tuple(m.weight.shape), str(m.weight.device), m.bias]
    compare(s)
    same_error(lambda lib: lib.nn.utils.skip_init(int))

    def no_device(lib):
        class M(lib.nn.Module):
            def __init__(self, n):
                super().__init__()
        lib.nn.utils.skip_init(M, 3)
    same_error(no_device)


def test_convert_weight_memory_format():
    def s(lib):
        m = lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.Sequential(
            lib.nn.ConvTranspose2d(4, 2, 2)), lib.nn.Conv3d(2, 2, 1))
        lib.nn.utils.convert_conv2d_weight_memory_format(m, lib.channels_last)
        r = [m[0].weight.stride(), m[1][0].weight.stride(), m[2].weight.stride(),
             m[0].weight.is_contiguous(memory_format=lib.channels_last)]
        lib.nn.utils.convert_conv3d_weight_memory_format(m, lib.channels_last_3d)
        return r + [m[2].weight.stride(), isinstance(m[0].weight, lib.nn.Parameter),
                    m[0].weight]
    compare(s)


def test_nn_utils_names():
    for name in torch.nn.utils.__all__:
        assert name in kindling.nn.utils.__all__, name
        assert hasattr(kindling.nn.utils, name), name
    for mod in ("parametrize", "parametrizations", "stateless"):
        for name in getattr(torch.nn.utils, mod).__all__:
            assert hasattr(getattr(kindling.nn.utils, mod), name), (mod, name)
    assert set(kindling.func.__all__) == set(torch.func.__all__)


# ---- the weight-norm ops -------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_weight_norm_ops(dim):
    def s(lib):
        v = lib.randn(4, 3, 5, requires_grad=True)
        gshape = [1, 1, 1] if dim == -1 else [v.shape[d] if d == dim else 1 for d in range(3)]
        g = lib.randn(*gshape, requires_grad=True)
        w = lib._weight_norm(v, g, dim)
        (w * lib.arange(60.0).reshape(4, 3, 5)).sum().backward()
        r = [w, v.grad, g.grad, type(w.grad_fn).__name__]
        if dim in (0, 2):
            out, norms = lib._weight_norm_interface(v.detach(), g.detach(), dim)
            r += [out, norms]
        return r
    compare(s, rtol=1e-4, atol=1e-5)


# ---- more: state dicts, parametrized modules under functional_call, complex orthogonal ----
def test_parametrized_state_dict_round_trip():
    def s(lib):
        P = lib.nn.utils.parametrize
        a, b = lib.nn.Linear(3, 3), lib.nn.Linear(3, 3)
        for m in (a, b):
            P.register_parametrization(m, "weight", Symmetric.scaled(lib))
            lib.nn.utils.parametrizations.spectral_norm(m, "weight")
        result = b.load_state_dict(a.state_dict())
        return [sd(b), b.weight, list(result.missing_keys), list(result.unexpected_keys)]
    compare(s, rtol=1e-4, atol=1e-5)


def test_old_spectral_norm_loads_version_0_state_dict():
    def s(lib):
        # (a tall weight: W^T W is invertible, so the solve for v is well conditioned)
        src = lib.nn.Linear(3, 4)
        lib.nn.utils.spectral_norm(src)
        src(lib.randn(2, 3))
        state = src.state_dict()
        old = {k: v for k, v in state.items() if k != "weight_v"}
        old["weight"] = src.weight.detach()  # (version 0 saved the normalized weight)
        dst = lib.nn.Linear(3, 4)
        lib.nn.utils.spectral_norm(dst)
        dst.load_state_dict(old)
        dst.eval()
        return [sd(dst), dst(lib.ones(1, 3))]
    compare(s, rtol=1e-4, atol=1e-5)


def test_functional_call_on_parametrized_module():
    def s(lib):
        m = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 2))
        x = lib.randn(4, 3)
        g = lib.ones(2, 1, requires_grad=True)
        y = lib.func.functional_call(m, {"parametrizations.weight.original0": g}, (x,))
        y.sum().backward()
        return [y, g.grad, m(x)]
    compare(s)


@pytest.mark.parametrize("omap", ["matrix_exp", "cayley"])
def test_orthogonal_complex(omap):
    def s(lib):
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.randn(3, 3, dtype=lib.complex64))
        lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map=omap)
        w = m.weight
        w.abs().sum().backward()
        return [w, w.mH @ w, m.parametrizations.weight.original.grad]
    compare(s, rtol=1e-4, atol=1e-5)
    same_error(lambda lib: lib.nn.utils.parametrizations.orthogonal(
        lib.nn.Linear(3, 3).to(lib.complex64), orthogonal_map="householder"))


@pytest.mark.parametrize("dtype", ["bfloat16", "float64"])
def test_weight_norm_ops_dtypes(dtype):
    def s(lib):
        dt = getattr(lib, dtype)
        v = lib.randn(3, 4, dtype=dt, requires_grad=True)
        g = lib.randn(3, 1, dtype=dt, requires_grad=True)
        w = lib._weight_norm(v, g, 0)
        w.sum().backward()
        return [w, v.grad, g.grad, w.grad_fn.name(),
                lib._weight_norm_interface(v.detach(), g.detach(), 0),
                lib.ops.aten._weight_norm_interface_backward(
                    lib.ones(3, 4, dtype=dt), v.detach(), g.detach(),
                    lib.ones(3, 1, dtype=lib.float32 if dtype == "bfloat16" else dt), 0)]
    compare(s, rtol=1e-2, atol=1e-2)


def test_recurrent_layers_under_functional_call_and_weight_norm():
    def s(lib):
        x = lib.randn(5, 2, 3)
        lstm = lib.nn.LSTM(3, 4)
        swapped = lib.func.functional_call(lstm, {"weight_hh_l0": lib.ones(16, 4) * 0.1}, x)
        gru = lib.nn.GRU(3, 4)
        lib.nn.utils.parametrizations.weight_norm(gru, "weight_ih_l0")
        y, h = gru(x)
        y.sum().backward()
        return [swapped[0], lstm(x)[0], y, h, list(gru.state_dict()),
                gru.parametrizations.weight_ih_l0.original0.grad]
    compare(s, rtol=1e-4, atol=1e-5)
