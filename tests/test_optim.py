"""kindling.optim against torch.optim: parameter and state values after several steps, state
dicts (structure and round trips), hooks, errors, reprs, and learning-rate schedules."""

import copy
import math
import pickle
import warnings

import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")

LIBS = {"kindling": kindling, "torch": torch}
SHAPES = [(3, 4), (5,), ()]
N_STEPS = 6
ALL_OPTIMIZERS = [
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "Rprop",
    "ASGD",
]


# ---- helpers ---------------------------------------------------------------------------------
def _arrays(dtype, seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(2 * N_STEPS)]
    return params, grads


def _make_params(T, arrays, parameter=True):
    if parameter:
        return [T.nn.Parameter(T.tensor(a.copy())) for a in arrays]
    return [T.tensor(a.copy(), requires_grad=True) for a in arrays]


def _set_grads(T, params, grads):
    for p, g in zip(params, grads):
        p.grad = T.tensor(g.copy())


def _np(t):
    return t.detach().numpy()


def _assert_same(mine, theirs, path="", rtol=1e-5, atol=1e-6):
    """Structural equality with tensors compared by dtype, shape and value."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, kindling.Tensor), path
        assert str(mine.dtype) == str(theirs.dtype), path
        assert tuple(mine.shape) == tuple(theirs.shape), path
        np.testing.assert_allclose(
            _np(mine), theirs.detach().numpy(), rtol=rtol, atol=atol, err_msg=path
        )
    elif isinstance(theirs, dict):
        assert isinstance(mine, dict), path
        assert list(mine.keys()) == list(theirs.keys()), path
        for k in theirs:
            _assert_same(mine[k], theirs[k], f"{path}/{k}", rtol, atol)
    elif isinstance(theirs, (list, tuple)):
        assert type(mine) is type(theirs) and len(mine) == len(theirs), path
        for i, (a, b) in enumerate(zip(mine, theirs)):
            _assert_same(a, b, f"{path}[{i}]", rtol, atol)
    else:
        assert type(mine) is type(theirs) and mine == theirs, (path, mine, theirs)


def _run(T, cls_name, kwargs, params_np, grads_np, steps=N_STEPS, parameter=True):
    params = _make_params(T, params_np, parameter)
    opt = getattr(T.optim, cls_name)(params, **kwargs)
    for g in grads_np[:steps]:
        _set_grads(T, params, g)
        opt.step()
    return params, opt


def _outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - the type and message are what is compared
        return (type(e).__name__, str(e))


# ---- optimizer configurations -------------------------------------------------------------------
CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, nesterov=True, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1, maximize=True, foreach=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, foreach=True)),
    ("SGD", dict(lr=0.05, foreach=False)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, maximize=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True, maximize=True, foreach=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, foreach=True)),
    ("Adam", dict(lr=0.05, decoupled_weight_decay=True, weight_decay=0.1)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.05, amsgrad=True, weight_decay=0.2)),
    ("AdamW", dict(lr=0.05, maximize=True, foreach=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.3, maximize=True, foreach=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.1, eps=1e-5, maximize=True, foreach=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, foreach=True)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1, foreach=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.5), weight_decay=0.1, maximize=True)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=2, weight_decay=0.1, maximize=True)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1, foreach=True)),
    ("Adadelta", dict(lr=0.5, maximize=True, foreach=True)),
    ("Adamax", dict(lr=0.05, foreach=True)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1, maximize=True, foreach=True)),
    ("Rprop", dict(lr=0.05, foreach=True)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), maximize=True, foreach=True)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, foreach=True)),
    (
        "NAdam",
        dict(lr=0.05, decoupled_weight_decay=True, weight_decay=0.1, maximize=True, foreach=True),
    ),
    ("RAdam", dict(lr=0.05, foreach=True)),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.5), weight_decay=0.1, maximize=True, foreach=True)),
    ("RAdam", dict(lr=0.05, decoupled_weight_decay=True, weight_decay=0.1, foreach=True)),
    ("ASGD", dict(lr=0.05, t0=2, foreach=True)),
    ("ASGD", dict(lr=0.05, lambd=0.01, t0=2, weight_decay=0.1, maximize=True, foreach=True)),
]


def _config_id(c):
    return c[0] + "-" + "-".join(f"{k}={v}" for k, v in c[1].items())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", CONFIGS, ids=[_config_id(c) for c in CONFIGS])
def test_steps_match_torch(config, dtype):
    cls_name, kwargs = config
    params_np, grads_np = _arrays(dtype)
    mine, mopt = _run(kindling, cls_name, kwargs, params_np, grads_np)
    theirs, topt = _run(torch, cls_name, kwargs, params_np, grads_np)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    if cls_name == "ASGD" and kwargs.get("foreach"):
        # the multi-tensor ASGD computes its float32 eta with a float32 pow, whose last bit
        # can differ between NumPy and PyTorch
        tol = dict(rtol=1e-6, atol=1e-7)
    for a, b in zip(mine, theirs):
        assert str(a.dtype) == str(b.dtype)
        assert a.requires_grad and a.grad_fn is None and a.is_leaf
        np.testing.assert_allclose(_np(a), b.detach().numpy(), **tol)
    # every state tensor, and the state dict's whole structure
    _assert_same(mopt.state_dict(), topt.state_dict(), **tol)


@pytest.mark.parametrize("cls_name", ALL_OPTIMIZERS)
def test_plain_leaf_tensors_and_missing_grads(cls_name):
    params_np, grads_np = _arrays(np.float32, seed=1)

    def run(T):
        params = _make_params(T, params_np, parameter=False)
        opt = getattr(T.optim, cls_name)(params, lr=0.1)
        for g in grads_np[:3]:
            # the middle parameter never gets a gradient: it is skipped and has no state
            params[0].grad = T.tensor(g[0])
            params[2].grad = T.tensor(g[2])
            opt.step()
        return params, opt

    (mine, mopt), (theirs, topt) = run(kindling), run(torch)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(_np(a), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    _assert_same(mopt.state_dict(), topt.state_dict())


def test_default_float64_step_dtype():
    params_np, grads_np = _arrays(np.float64)
    prev_k, prev_t = kindling.get_default_dtype(), torch.get_default_dtype()
    kindling.set_default_dtype(kindling.float64)
    torch.set_default_dtype(torch.float64)
    try:
        _, mopt = _run(kindling, "Adam", {}, params_np, grads_np, steps=2)
        _, topt = _run(torch, "Adam", {}, params_np, grads_np, steps=2)
    finally:
        kindling.set_default_dtype(prev_k)
        torch.set_default_dtype(prev_t)
    _assert_same(mopt.state_dict(), topt.state_dict())
    assert str(mopt.state_dict()["state"][0]["step"].dtype) == "torch.float64"


def test_param_groups_with_own_options():
    params_np, grads_np = _arrays(np.float32, seed=2)

    def run(T):
        ps = _make_params(T, params_np)
        opt = T.optim.SGD(
            [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.5, "momentum": 0.8}], lr=0.1
        )
        for g in grads_np[:4]:
            _set_grads(T, ps, g)
            opt.step()
        return ps, opt

    (mine, mopt), (theirs, topt) = run(kindling), run(torch)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(_np(a), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    _assert_same(mopt.state_dict(), topt.state_dict())
    assert repr(mopt) == repr(topt)


def test_named_parameters_state_dict():
    params_np, grads_np = _arrays(np.float32)

    def run(T):
        ps = _make_params(T, params_np)
        opt = T.optim.Adam([(f"w{i}", p) for i, p in enumerate(ps)], lr=0.1)
        _set_grads(T, ps, grads_np[0])
        opt.step()
        return opt.state_dict()

    _assert_same(run(kindling), run(torch))


RESUME_CONFIGS = [
    c for c in CONFIGS if c[1].get("weight_decay") or c[0] in ("NAdam", "ASGD", "Rprop")
]


@pytest.mark.parametrize("config", RESUME_CONFIGS, ids=_config_id)
def test_load_state_dict_then_continue(config):
    """Save after a few steps, load into a fresh optimizer, continue: same as not stopping."""
    cls_name, kwargs = config
    params_np, grads_np = _arrays(np.float32, seed=3)
    theirs, _ = _run(torch, cls_name, kwargs, params_np, grads_np, steps=2 * N_STEPS)
    _, torch_half = _run(torch, cls_name, kwargs, params_np, grads_np, steps=N_STEPS)

    first, opt = _run(kindling, cls_name, kwargs, params_np, grads_np, steps=N_STEPS)
    saved = copy.deepcopy(opt.state_dict())
    _assert_same(saved, torch_half.state_dict())
    resumed = [kindling.nn.Parameter(p.detach().clone()) for p in first]
    opt2 = getattr(kindling.optim, cls_name)(resumed, **kwargs)
    opt2.load_state_dict(saved)
    for g in grads_np[N_STEPS:]:
        _set_grads(kindling, resumed, g)
        opt2.step()
    for a, b in zip(resumed, theirs):
        np.testing.assert_allclose(_np(a), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_load_state_dict_casts_state_to_param_dtype():
    params_np, grads_np = _arrays(np.float32)

    def run(T):
        _, opt = _run(T, "Adam", {}, params_np, grads_np, steps=2)
        ps64 = [T.nn.Parameter(T.tensor(a.astype(np.float64))) for a in params_np]
        opt2 = T.optim.Adam(ps64)
        opt2.load_state_dict(opt.state_dict())
        return opt2.state_dict()

    _assert_same(run(kindling), run(torch))


LOAD_ERRORS = {
    "groups": lambda T, ps: T.optim.SGD([{"params": ps[:1]}, {"params": ps[1:]}]).load_state_dict(
        T.optim.SGD(ps).state_dict()
    ),
    "sizes": lambda T, ps: T.optim.SGD(ps[:2]).load_state_dict(T.optim.SGD(ps).state_dict()),
}


@pytest.mark.parametrize("case", list(LOAD_ERRORS))
def test_load_state_dict_errors(case):
    params_np, _ = _arrays(np.float32)
    mine = _outcome(lambda: LOAD_ERRORS[case](kindling, _make_params(kindling, params_np)))
    theirs = _outcome(lambda: LOAD_ERRORS[case](torch, _make_params(torch, params_np)))
    assert mine == theirs and mine[0] != "ok"


# ---- construction errors -------------------------------------------------------------------------
BAD_ARGS = [
    ("SGD", dict(lr=-1.0)),
    ("SGD", dict(momentum=-0.5)),
    ("SGD", dict(weight_decay=-1e-3)),
    ("SGD", dict(nesterov=True)),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("Adam", dict(lr=-1.0)),
    ("Adam", dict(eps=-1.0)),
    ("Adam", dict(betas=(1.0, 0.999))),
    ("Adam", dict(betas=(0.9, -0.1))),
    ("Adam", dict(weight_decay=-1.0)),
    ("Adam", dict(betas=(0.9, 1))),
    ("AdamW", dict(lr=-0.5)),
    ("AdamW", dict(betas=(0.9, 1.5))),
    ("RMSprop", dict(lr=-1.0)),
    ("RMSprop", dict(eps=-1.0)),
    ("RMSprop", dict(momentum=-1.0)),
    ("RMSprop", dict(weight_decay=-1.0)),
    ("RMSprop", dict(alpha=-1.0)),
    ("Adagrad", dict(lr=-1.0)),
    ("Adagrad", dict(lr_decay=-1.0)),
    ("Adagrad", dict(weight_decay=-1.0)),
    ("Adagrad", dict(initial_accumulator_value=-1.0)),
    ("Adagrad", dict(eps=-1.0)),
    ("Adadelta", dict(rho=1.5)),
    ("Adadelta", dict(eps=-1.0)),
    ("Adamax", dict(betas=(0.9, 1.0))),
    ("NAdam", dict(momentum_decay=-1.0)),
    ("NAdam", dict(lr=-0.1)),
    ("RAdam", dict(weight_decay=-0.1)),
    ("Rprop", dict(etas=(1.2, 0.5))),
    ("Rprop", dict(lr=-0.1)),
    ("ASGD", dict(weight_decay=-1.0)),
    ("SGD", dict(fused=True, foreach=True)),
    ("Adam", dict(fused=True, differentiable=True)),
]


@pytest.mark.parametrize("config", BAD_ARGS, ids=[_config_id(c) for c in BAD_ARGS])
def test_bad_arguments(config):
    cls_name, kwargs = config
    params_np, _ = _arrays(np.float32)
    mine = _outcome(
        lambda: getattr(kindling.optim, cls_name)(_make_params(kindling, params_np), **kwargs)
    )
    theirs = _outcome(
        lambda: getattr(torch.optim, cls_name)(_make_params(torch, params_np), **kwargs)
    )
    assert theirs[0] != "ok"
    assert mine == theirs


def test_lr_message_text():
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -1.0$"):
        kindling.optim.SGD([kindling.nn.Parameter(kindling.zeros(2))], lr=-1.0)


PARAM_ERRORS = {
    "empty": lambda T: T.optim.SGD([], lr=0.1),
    "tensor": lambda T: T.optim.SGD(T.zeros(2, requires_grad=True), lr=0.1),
    "non_leaf": lambda T: T.optim.SGD([T.zeros(2, requires_grad=True) * 2], lr=0.1),
    "not_tensor": lambda T: T.optim.SGD([T.nn.Parameter(T.zeros(2)), 3.0], lr=0.1),
    "not_tensor_list": lambda T: T.optim.Adam([[1, 2]]),
    "set": lambda T: T.optim.SGD([{"params": {T.nn.Parameter(T.zeros(2))}}], lr=0.1),
    "group_not_dict": lambda T: T.optim.SGD([T.nn.Parameter(T.zeros(2))]).add_param_group([1]),
    "repeated_across_groups": lambda T: (lambda p: T.optim.SGD([{"params": [p]}, {"params": [p]}]))(
        T.nn.Parameter(T.zeros(2))
    ),
    "add_repeated": lambda T: (lambda p: T.optim.SGD([p]).add_param_group({"params": p}))(
        T.nn.Parameter(T.zeros(2))
    ),
    "names_mixed": lambda T: T.optim.SGD(
        [("a", T.nn.Parameter(T.zeros(2))), T.nn.Parameter(T.zeros(2))]
    ),
    "adam_tensor_lr_foreach": lambda T: T.optim.Adam(
        [T.nn.Parameter(T.zeros(2))], lr=T.tensor(0.1), foreach=True
    ),
    "sgd_tensor_lr_two_elements": lambda T: T.optim.SGD(
        [T.nn.Parameter(T.zeros(2))], lr=T.tensor([0.1, 0.2])
    ),
    "adam_betas_mixed": lambda T: T.optim.Adam(
        [T.nn.Parameter(T.zeros(2))], betas=(T.tensor(0.9), 0.99)
    ),
    "adam_beta_tensor_foreach": lambda T: T.optim.Adam(
        [T.nn.Parameter(T.zeros(2))], betas=(T.tensor(0.9), T.tensor(0.99)), foreach=True
    ),
    "names_groups": lambda T: T.optim.SGD(
        [{"params": [("a", T.nn.Parameter(T.zeros(2)))]}, {"params": [T.nn.Parameter(T.zeros(2))]}]
    ),
}


@pytest.mark.parametrize("case", list(PARAM_ERRORS))
def test_param_errors(case):
    mine, theirs = _outcome(lambda: PARAM_ERRORS[case](kindling)), _outcome(
        lambda: PARAM_ERRORS[case](torch)
    )
    assert theirs[0] != "ok"
    assert mine == theirs


def test_duplicate_params_warn():
    def run(T):
        p = T.nn.Parameter(T.zeros(2))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            T.optim.SGD([p, p])
        return [(type(x.message).__name__, str(x.message)) for x in w]

    assert run(kindling) == run(torch) != []


def test_add_param_group_fills_defaults():
    def run(T):
        opt = T.optim.Adam([T.nn.Parameter(T.zeros(2))], lr=0.3)
        opt.add_param_group({"params": [T.nn.Parameter(T.zeros(3))], "betas": (0.5, 0.6)})
        return repr(opt), [sorted(g) for g in opt.param_groups]

    assert run(kindling) == run(torch)


@pytest.mark.parametrize("cls_name", ["SGD", "Adam", "AdamW", "Adagrad"])
def test_fused_not_implemented(cls_name):
    p = kindling.nn.Parameter(kindling.zeros(2))
    with pytest.raises(NotImplementedError, match="fused"):
        getattr(kindling.optim, cls_name)([p], fused=True)


# (optimizer, options, steps): two steps only where PyTorch's own graph survives them (elsewhere
# the second step writes in place into state that the first step's graph saved)
DIFFERENTIABLE_CONFIGS = [
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1), 1),
    ("SGD", dict(lr=0.1, weight_decay=0.1), 2),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True), 2),
    ("Adam", dict(lr=0.1, weight_decay=0.1), 2),
    ("Adam", dict(lr=0.1, amsgrad=True, maximize=True), 1),
    ("AdamW", dict(lr=0.1, amsgrad=True), 1),
    ("AdamW", dict(lr=0.1), 2),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1), 1),
    ("RMSprop", dict(lr=0.01), 2),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1), 2),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1), 2),
    ("Adamax", dict(lr=0.1, weight_decay=0.1), 1),
    ("NAdam", dict(lr=0.1, weight_decay=0.1), 2),
    ("RAdam", dict(lr=0.1, betas=(0.9, 0.5)), 2),
    ("Rprop", dict(lr=0.1), 1),
    ("ASGD", dict(lr=0.1, t0=1), 2),
]


@pytest.mark.parametrize(
    "config", DIFFERENTIABLE_CONFIGS, ids=lambda c: f"{_config_id(c[:2])}-{c[2]}steps"
)
def test_differentiable_step(config):
    """With differentiable=True the update is recorded: gradients flow to the old parameter
    and to the gradients given to ``step``."""
    cls_name, kwargs, steps = config
    rng = np.random.default_rng(9)
    p_np = rng.standard_normal(5)
    g_np = [rng.standard_normal(5) for _ in range(steps)]

    def run(T):
        p0 = T.tensor(p_np, requires_grad=True)
        gs = [T.tensor(g, requires_grad=True) for g in g_np]
        p = p0.clone()
        opt = getattr(T.optim, cls_name)([p], differentiable=True, **kwargs)
        for g in gs:
            p.grad = g
            opt.step()
        (p * p).sum().backward()
        state = {k: v.detach().numpy() for k, v in opt.state[p].items() if isinstance(v, T.Tensor)}
        grads = [None if g.grad is None else g.grad.numpy() for g in gs]
        return p.detach().numpy(), p0.grad.numpy(), grads, state

    mine, theirs = run(kindling), run(torch)
    for a, b in zip(mine[:2], theirs[:2]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert [g is None for g in mine[2]] == [g is None for g in theirs[2]]
    for a, b in zip(mine[2], theirs[2]):
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert sorted(mine[3]) == sorted(theirs[3])
    for k in theirs[3]:
        np.testing.assert_allclose(mine[3][k], theirs[3][k], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cls_name", ["SGD", "Adam", "RMSprop", "Adamax"])
def test_differentiable_errors(cls_name):
    def run(T):
        leaf = T.nn.Parameter(T.ones(2))
        opt = getattr(T.optim, cls_name)([leaf], differentiable=True)
        leaf.grad = T.ones(2)
        # in-place updates of a leaf that requires grad are refused once grad mode is on
        in_place = _outcome(opt.step)
        p = T.ones(2, requires_grad=True).clone()
        p.grad = T.ones(2)
        foreach = _outcome(
            lambda: getattr(T.optim, cls_name)([p], differentiable=True, foreach=True).step()
        )
        return in_place, foreach

    assert run(kindling) == run(torch)


@pytest.mark.parametrize("cls_name", [c for c in ALL_OPTIMIZERS if c not in ("SGD", "Adagrad")])
def test_capturable_on_cpu_fails_as_torch(cls_name):
    def run(T):
        p = T.nn.Parameter(T.zeros(2))
        opt = getattr(T.optim, cls_name)([p], capturable=True)
        p.grad = T.ones(2)
        return _outcome(opt.step)

    assert run(kindling) == run(torch)


# ---- repr ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "config",
    [CONFIGS[3], CONFIGS[10], CONFIGS[15], CONFIGS[20], CONFIGS[23], ("SGD", {})],
    ids=_config_id,
)
def test_repr(config):
    cls_name, kwargs = config

    def run(T):
        ps = [T.nn.Parameter(T.zeros(2)), T.nn.Parameter(T.zeros(3))]
        opt = getattr(T.optim, cls_name)(
            [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.25}], **kwargs
        )
        return repr(opt)

    assert run(kindling) == run(torch)


# ---- zero_grad, closure --------------------------------------------------------------------------
@pytest.mark.parametrize("set_to_none", [True, False])
@pytest.mark.parametrize("foreach", [None, True])
def test_zero_grad(set_to_none, foreach):
    def run(T):
        ps = [T.nn.Parameter(T.ones(2)), T.nn.Parameter(T.ones(3))]
        (ps[0] * 3).sum().backward()
        opt = T.optim.SGD(ps, lr=0.1, foreach=foreach)
        opt.zero_grad(set_to_none=set_to_none)
        return [None if p.grad is None else (p.grad.tolist(), p.grad.requires_grad) for p in ps]

    assert run(kindling) == run(torch)


def test_step_closure_runs_with_grad_and_returns_loss():
    def run(T):
        p = T.nn.Parameter(T.tensor([1.0, -2.0]))
        opt = T.optim.SGD([p], lr=0.1)
        seen = []

        def closure():
            opt.zero_grad()
            seen.append(T.is_grad_enabled())
            loss = (p * p).sum()
            loss.backward()
            return loss

        loss = opt.step(closure)
        return seen, loss.item(), p.tolist(), p.grad_fn is None

    assert run(kindling) == run(torch)


def test_step_runs_without_grad_mode():
    """In-place updates of leaves that require grad only work with grad mode off inside ``step``."""

    def run(T):
        p = T.nn.Parameter(T.tensor([1.0, 2.0]))
        opt = T.optim.Adam([p], lr=0.1)
        p.grad = T.ones(2)
        with T.enable_grad():
            opt.step()
        return p.requires_grad, p.grad_fn is None, T.is_grad_enabled(), p._version

    assert run(kindling) == run(torch)


# ---- hooks ---------------------------------------------------------------------------------------
def _hook_trace(T):
    from importlib import import_module

    optimizer_mod = import_module(T.__name__ + ".optim.optimizer")
    log = []
    p = T.nn.Parameter(T.ones(2))
    opt = T.optim.SGD([p], lr=0.1)
    handles = [
        optimizer_mod.register_optimizer_step_pre_hook(lambda o, a, k: log.append("global_pre")),
        optimizer_mod.register_optimizer_step_post_hook(lambda o, a, k: log.append("global_post")),
        opt.register_step_pre_hook(lambda o, a, k: log.append(("pre1", len(a), sorted(k)))),
        opt.register_step_pre_hook(lambda o, a, k: log.append("pre2")),
        opt.register_step_post_hook(lambda o, a, k: log.append("post1")),
        opt.register_step_post_hook(lambda o, a, k: log.append("post2")),
        opt.register_state_dict_pre_hook(lambda o: log.append("sd_pre")),
        opt.register_state_dict_pre_hook(lambda o: log.append("sd_pre_first"), prepend=True),
        opt.register_state_dict_post_hook(lambda o, sd: log.append(("sd_post", sorted(sd)))),
        opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1}),
        opt.register_load_state_dict_pre_hook(lambda o, sd: log.append(("load_pre", sorted(sd)))),
        opt.register_load_state_dict_pre_hook(
            lambda o, sd: {k: v for k, v in sd.items() if k != "extra"}
        ),
        opt.register_load_state_dict_post_hook(lambda o: log.append("load_post")),
        opt.register_load_state_dict_post_hook(
            lambda o: log.append("load_post_first"), prepend=True
        ),
    ]
    try:
        p.grad = T.ones(2)
        opt.step()
        opt.step(closure=None)
        sd = opt.state_dict()
        log.append(("sd_keys", sorted(sd)))
        opt.load_state_dict(sd)
        handles[3].remove()
        handles[0].remove()
        opt.step()
        # a pre hook may replace the arguments
        opt.register_step_pre_hook(lambda o, a, k: (a, {"closure": lambda: 7.0}))
        log.append(("closure_result", opt.step()))
        opt.register_step_pre_hook(lambda o, a, k: "bad")
        log.append(_outcome(opt.step)[0])
    finally:
        for h in handles:
            h.remove()
    return log


def test_hook_order_and_results():
    assert _hook_trace(kindling) == _hook_trace(torch)


# ---- pickling ------------------------------------------------------------------------------------
def test_getstate_and_deepcopy():
    params_np, grads_np = _arrays(np.float32)
    ps, opt = _run(kindling, "Adam", dict(lr=0.1), params_np, grads_np, steps=2)
    assert sorted(opt.__getstate__()) == ["defaults", "param_groups", "state"]
    clone = copy.deepcopy(opt)
    assert clone.param_groups[0]["params"][0] is not ps[0]
    for a, b in zip(clone.state_dict()["state"][0].values(), opt.state_dict()["state"][0].values()):
        np.testing.assert_array_equal(_np(a), _np(b))
    restored = pickle.loads(pickle.dumps(opt))
    assert repr(restored) == repr(opt)
    assert len(restored._optimizer_step_pre_hooks) == 0


def test_missing_optimizers_say_so():
    assert hasattr(kindling.optim, "SparseAdam") and hasattr(torch.optim, "SparseAdam")
    with pytest.raises(NotImplementedError, match="SparseAdam"):
        kindling.optim.SparseAdam([kindling.ones(1, requires_grad=True)])
    with pytest.raises(AttributeError):
        kindling.optim.NoSuchOptimizer


def test_import_is_lazy():
    import subprocess
    import sys

    code = (
        "import sys, kindling; print('kindling.optim' in sys.modules); kindling.optim.SGD; "
        "print('kindling.optim' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=__file__.rsplit("/tests/", 1)[0],
    )
    assert out.stdout.split() == ["False", "True"]


# ---- schedulers ----------------------------------------------------------------------------------
class _Half:
    """A callable object: LambdaLR saves its __dict__ in the state dict."""

    def __init__(self):
        self.scale = 0.5

    def __call__(self, epoch):
        return self.scale ** (epoch // 3)


SCHEDULERS = {
    "StepLR": lambda T, o: T.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda T, o: T.optim.lr_scheduler.MultiStepLR(
        o, milestones=[2, 5, 5, 11], gamma=0.3
    ),
    "ExponentialLR": lambda T, o: T.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda T, o: T.optim.lr_scheduler.CosineAnnealingLR(
        o, T_max=7, eta_min=0.001
    ),
    "LambdaLR": lambda T, o: T.optim.lr_scheduler.LambdaLR(o, lr_lambda=lambda e: 1.0 / (e + 1)),
    "LambdaLR_obj": lambda T, o: T.optim.lr_scheduler.LambdaLR(o, lr_lambda=_Half()),
    "MultiplicativeLR": lambda T, o: T.optim.lr_scheduler.MultiplicativeLR(
        o, lr_lambda=lambda e: 0.95
    ),
    "LinearLR": lambda T, o: T.optim.lr_scheduler.LinearLR(
        o, start_factor=0.25, end_factor=0.9, total_iters=8
    ),
    "ConstantLR": lambda T, o: T.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=4),
    "PolynomialLR": lambda T, o: T.optim.lr_scheduler.PolynomialLR(o, total_iters=12, power=2.0),
    "CosineAnnealingWarmRestarts": lambda T, o: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.01
    ),
    "CyclicLR": lambda T, o: T.optim.lr_scheduler.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=4, mode="triangular2"
    ),
    "CyclicLR_exp": lambda T, o: T.optim.lr_scheduler.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5, mode="exp_range", gamma=0.9
    ),
    "OneCycleLR": lambda T, o: T.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=25),
    "OneCycleLR_3": lambda T, o: T.optim.lr_scheduler.OneCycleLR(
        o, max_lr=[1.0, 0.5], total_steps=25, three_phase=True, anneal_strategy="linear"
    ),
    "SequentialLR": lambda T, o: T.optim.lr_scheduler.SequentialLR(
        o,
        [
            T.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=4),
            T.optim.lr_scheduler.ExponentialLR(o, gamma=0.8),
        ],
        milestones=[5],
    ),
    "SWALR": lambda T, o: T.optim.swa_utils.SWALR(o, swa_lr=0.05, anneal_epochs=6),
    "SWALR_linear": lambda T, o: T.optim.swa_utils.SWALR(
        o, swa_lr=[0.5, 0.01], anneal_epochs=4, anneal_strategy="linear"
    ),
    "SWALR_no_anneal": lambda T, o: T.optim.swa_utils.SWALR(o, swa_lr=0.02, anneal_epochs=0),
    "ChainedScheduler": lambda T, o: T.optim.lr_scheduler.ChainedScheduler(
        [
            T.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=6),
            T.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
        ]
    ),
}


def _two_group_sgd(T, momentum=0.9):
    ps = [T.nn.Parameter(T.ones(2)), T.nn.Parameter(T.ones(3))]
    opt = T.optim.SGD(
        [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.3}], lr=0.1, momentum=momentum
    )
    return ps, opt


def _schedule(T, name, epochs=20):
    ps, opt = _two_group_sgd(T)
    sched = SCHEDULERS[name](T, opt)
    lrs = [sched.get_last_lr()]
    momenta = [[g["momentum"] for g in opt.param_groups]]
    for _ in range(epochs):
        for p in ps:
            p.grad = T.ones_like(p)
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        momenta.append([g["momentum"] for g in opt.param_groups])
    return lrs, momenta, sched, opt


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_sequences(name):
    mlrs, mmom, msched, mopt = _schedule(kindling, name)
    tlrs, tmom, tsched, topt = _schedule(torch, name)
    np.testing.assert_allclose(np.array(mlrs), np.array(tlrs), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.array(mmom), np.array(tmom), rtol=1e-12)
    msd, tsd = msched.state_dict(), tsched.state_dict()
    assert sorted(msd) == sorted(tsd)
    # float values compared with a tolerance, the rest exactly
    for k in tsd:
        if k in ("_scale_fn_ref",):
            continue
        if isinstance(tsd[k], float):
            assert math.isclose(msd[k], tsd[k], rel_tol=1e-12), k
        elif k not in ("_schedulers",):
            assert type(msd[k]) is type(tsd[k]), k
    _assert_same(mopt.state_dict(), topt.state_dict())


@pytest.mark.parametrize(
    "name",
    [
        "StepLR",
        "CosineAnnealingLR",
        "LambdaLR_obj",
        "SequentialLR",
        "CyclicLR",
        "OneCycleLR",
        "CosineAnnealingWarmRestarts",
        "ChainedScheduler",
    ],
)
def test_scheduler_state_dict_round_trip(name):
    """Stop after 7 epochs, load the scheduler state into a fresh one, go on: same lrs as torch."""

    def run(T):
        ps, opt = _two_group_sgd(T)
        sched = SCHEDULERS[name](T, opt)
        for _ in range(7):
            opt.step()
            sched.step()
        saved = copy.deepcopy(sched.state_dict())
        ps2, opt2 = _two_group_sgd(T)
        sched2 = SCHEDULERS[name](T, opt2)
        opt2.load_state_dict(opt.state_dict())
        sched2.load_state_dict(saved)
        lrs = []
        for _ in range(8):
            opt2.step()
            sched2.step()
            lrs.append(sched2.get_last_lr())
        return lrs

    np.testing.assert_allclose(np.array(run(kindling)), np.array(run(torch)), rtol=1e-12)


@pytest.mark.parametrize("mode,threshold_mode", [("min", "rel"), ("max", "abs")])
def test_reduce_lr_on_plateau(mode, threshold_mode):
    metrics = [
        1.0,
        0.9,
        0.95,
        0.95,
        0.95,
        0.96,
        0.8,
        0.8,
        0.8,
        0.8,
        0.8,
        0.85,
        0.7,
        0.7,
        0.7,
        0.7,
        0.7,
        0.7,
    ]

    def run(T):
        _, opt = _two_group_sgd(T)
        sched = T.optim.lr_scheduler.ReduceLROnPlateau(
            opt,
            mode=mode,
            factor=0.5,
            patience=2,
            cooldown=1,
            threshold_mode=threshold_mode,
            min_lr=[0.0, 0.05],
        )
        out = []
        for m in metrics:
            opt.step()
            sched.step(m)
            out.append(
                (sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter, sched.best)
            )
        sd = sched.state_dict()
        return out, sorted(sd)

    assert run(kindling) == run(torch)


def test_scheduler_epoch_argument_closed_form():
    def run(T):
        _, opt = _two_group_sgd(T)
        sched = T.optim.lr_scheduler.MultiStepLR(opt, milestones=[3, 6], gamma=0.5)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            opt.step()
            sched.step(7)
        return sched.get_last_lr(), [str(x.message)[:40] for x in w]

    assert run(kindling) == run(torch)


def test_scheduler_warns_when_stepped_before_optimizer():
    def run(T):
        _, opt = _two_group_sgd(T)
        sched = T.optim.lr_scheduler.StepLR(opt, step_size=2)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            sched.step()
        return [(type(x.message).__name__, str(x.message)) for x in w]

    out = run(kindling)
    assert out == run(torch) and out


SCHED_ERRORS = {
    "not_optimizer": lambda T, o: T.optim.lr_scheduler.StepLR(object(), 3),
    "resume_without_initial_lr": lambda T, o: T.optim.lr_scheduler.StepLR(o, 3, last_epoch=4),
    "constant_factor": lambda T, o: T.optim.lr_scheduler.ConstantLR(o, factor=2.0),
    "linear_start": lambda T, o: T.optim.lr_scheduler.LinearLR(o, start_factor=0.0),
    "linear_end": lambda T, o: T.optim.lr_scheduler.LinearLR(o, end_factor=1.5),
    "lambdas": lambda T, o: T.optim.lr_scheduler.LambdaLR(o, [lambda e: 1.0]),
    "plateau_factor": lambda T, o: T.optim.lr_scheduler.ReduceLROnPlateau(o, factor=1.0),
    "plateau_mode": lambda T, o: T.optim.lr_scheduler.ReduceLROnPlateau(o, mode="mid"),
    "plateau_min_lrs": lambda T, o: T.optim.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]),
    "sequential_milestones": lambda T, o: T.optim.lr_scheduler.SequentialLR(
        o, [T.optim.lr_scheduler.StepLR(o, 2)], milestones=[3]
    ),
    "warm_restarts": lambda T, o: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0),
    "onecycle": lambda T, o: T.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1),
    "onecycle_too_far": lambda T, o: [
        s.step() for s in [T.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=2)] for _ in range(3)
    ],
    "swalr_strategy": lambda T, o: T.optim.swa_utils.SWALR(o, 0.1, anneal_strategy="step"),
    "swalr_epochs": lambda T, o: T.optim.swa_utils.SWALR(o, 0.1, anneal_epochs=-1),
    "swalr_lengths": lambda T, o: T.optim.swa_utils.SWALR(o, [0.1, 0.2, 0.3]),
    "ema_decay": lambda T, o: T.optim.swa_utils.get_ema_avg_fn(1.5),
    "ema_multi_decay": lambda T, o: T.optim.swa_utils.get_ema_multi_avg_fn(-0.1),
    "cyclic_mode": lambda T, o: T.optim.lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="zigzag"),
    "cyclic_no_momentum": lambda T, o: T.optim.lr_scheduler.CyclicLR(
        T.optim.Adagrad([T.nn.Parameter(T.ones(1))]), 0.1, 1.0
    ),
}


@pytest.mark.parametrize("case", list(SCHED_ERRORS))
def test_scheduler_errors(case):
    def run(T):
        _, opt = _two_group_sgd(T)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _outcome(lambda: SCHED_ERRORS[case](T, opt))

    mine, theirs = run(kindling), run(torch)
    assert theirs[0] != "ok"
    assert mine == theirs


def test_adam_scheduler_cycles_betas():
    def run(T):
        p = T.nn.Parameter(T.ones(2))
        opt = T.optim.Adam([p], lr=0.1)
        sched = T.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10)
        out = []
        for _ in range(9):
            p.grad = T.ones(2)
            opt.step()
            sched.step()
            out.append((sched.get_last_lr(), opt.param_groups[0]["betas"]))
        return out, p.tolist()

    (mo, mp), (to, tp) = run(kindling), run(torch)
    np.testing.assert_allclose(
        np.array([[*a, *b] for a, b in mo]), np.array([[*a, *b] for a, b in to]), rtol=1e-12
    )
    np.testing.assert_allclose(mp, tp, rtol=1e-5)


@pytest.mark.parametrize("cls_name", ALL_OPTIMIZERS)
@pytest.mark.parametrize("variant", ["complex", "complex_foreach", "tensor_lr"])
def test_complex_params_and_tensor_lr(cls_name, variant):
    """Complex parameters (updated through view_as_real); a 0-d tensor lr a scheduler fills in."""
    kwargs = {"SGD": dict(momentum=0.9), "RMSprop": dict(momentum=0.5, centered=True)}.get(
        cls_name, {}
    )

    def run(T):
        rng = np.random.default_rng(5)
        dtype = np.complex64 if variant.startswith("complex") else np.float32

        def draw():
            x = rng.standard_normal(4)
            if variant.startswith("complex"):
                x = x + 1j * rng.standard_normal(4)
            return x.astype(dtype)

        p = T.nn.Parameter(T.tensor(draw()))
        kw = dict(kwargs, lr=T.tensor(0.1)) if variant == "tensor_lr" else dict(kwargs)
        if variant == "complex_foreach":
            kw["foreach"] = True
        opt = getattr(T.optim, cls_name)([p], **kw)
        sched = T.optim.lr_scheduler.StepLR(opt, 2) if variant == "tensor_lr" else None
        for _ in range(4):
            p.grad = T.tensor(draw())
            opt.step()
            if sched is not None:
                sched.step()
        lrs = [float(x) for x in sched.get_last_lr()] if sched is not None else None
        return p.detach().numpy(), lrs, opt.state_dict()

    (mp, ml, msd), (tp, tl, tsd) = run(kindling), run(torch)
    np.testing.assert_allclose(mp, tp, rtol=1e-5, atol=1e-6)
    assert ml == pytest.approx(tl) if tl is not None else ml is None
    _assert_same(msd, tsd)


# ---- end to end ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cls_name,kwargs",
    [
        ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
        ("AdamW", dict(lr=0.05, amsgrad=True)),
        ("RMSprop", dict(lr=0.01, centered=True)),
    ],
)
def test_training_loop_with_backward_and_scheduler(cls_name, kwargs):
    rng = np.random.default_rng(7)
    x_np = rng.standard_normal((16, 3)).astype(np.float32)
    y_np = rng.standard_normal((16, 2)).astype(np.float32)
    w_np = rng.standard_normal((2, 3)).astype(np.float32)

    def run(T):
        w = T.nn.Parameter(T.tensor(w_np))
        b = T.nn.Parameter(T.zeros(2))
        opt = getattr(T.optim, cls_name)(
            [{"params": [w]}, {"params": [b], "weight_decay": 0.0}], **kwargs
        )
        sched = T.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
        x, y = T.tensor(x_np), T.tensor(y_np)
        losses = []
        for _ in range(12):
            opt.zero_grad()
            loss = T.nn.functional.mse_loss(x @ w.T + b, y)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        return losses, w.detach().numpy(), b.detach().numpy()

    mine, theirs = run(kindling), run(torch)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_user_defined_optimizer():
    def run(T):
        from importlib import import_module

        base = import_module(T.__name__ + ".optim.optimizer")

        class SignSGD(base.Optimizer):
            def __init__(self, params, lr=base.required):
                super().__init__(params, {"lr": lr})

            @T.no_grad()
            def step(self, closure=None):
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            p.add_(p.grad.sign(), alpha=-group["lr"])
                            self.state[p]["count"] = self.state[p].get("count", 0) + 1

        p = T.nn.Parameter(T.tensor([1.0, -2.0, 0.5]))
        missing = _outcome(lambda: SignSGD([p]))
        opt = SignSGD([p], lr=0.25)
        calls = []
        opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
        p.grad = T.tensor([0.3, -0.1, 0.0])
        opt.step()
        opt.step()
        return missing, p.tolist(), opt.state_dict(), calls, repr(opt)

    assert run(kindling) == run(torch)


# ---- LBFGS ---------------------------------------------------------------------------------------
# float64 and a few iterations per step: L-BFGS stops on tolerances, so where float32 round-off
# in a sum differs from PyTorch's the count of evaluations could differ; here it cannot.
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(max_iter=6),
        dict(lr=0.5, max_iter=7, history_size=3),
        dict(line_search_fn="strong_wolfe", max_iter=5),
        dict(line_search_fn="strong_wolfe", max_iter=8, history_size=2, max_eval=9),
    ],
    ids=["plain", "short_history", "strong_wolfe", "strong_wolfe_max_eval"],
)
def test_lbfgs_matches_torch(kwargs):
    dtype = np.float64
    rng = np.random.default_rng(11)
    a_np = rng.standard_normal((8, 4)).astype(dtype)
    b_np = rng.standard_normal(8).astype(dtype)
    start = rng.standard_normal(4).astype(dtype)
    other = np.array([[0.3, -0.7, 1.1]], dtype=dtype)

    def run(T):
        x = T.nn.Parameter(T.tensor(start))
        w = T.nn.Parameter(T.tensor(other))
        a, b = T.tensor(a_np), T.tensor(b_np)
        opt = T.optim.LBFGS([x, w], **kwargs)
        evals = []

        def closure():
            # least squares plus a quartic term: smooth, convex, not quadratic
            opt.zero_grad()
            loss = ((a @ x - b) ** 2).sum() + 0.1 * (x**4).sum() + ((w - 0.5) ** 4).sum()
            loss.backward()
            evals.append(loss.item())
            return loss

        returned = [opt.step(closure).item() for _ in range(3)]
        return returned, evals, x.detach().numpy(), w.detach().numpy(), opt.state_dict()

    mine, theirs = run(kindling), run(torch)
    tol = dict(rtol=1e-9, atol=1e-12)
    assert len(mine[1]) == len(theirs[1])
    for a, b in zip(mine[:4], theirs[:4]):
        np.testing.assert_allclose(np.array(a), np.array(b), **tol)
    msd, tsd = mine[4], theirs[4]
    assert msd["param_groups"] == tsd["param_groups"]
    mstate, tstate = msd["state"][0], tsd["state"][0]
    assert sorted(mstate) == sorted(tstate)
    assert mstate["func_evals"] == tstate["func_evals"] and mstate["n_iter"] == tstate["n_iter"]
    for key in ("d", "prev_flat_grad"):
        np.testing.assert_allclose(_np(mstate[key]), tstate[key].numpy(), **tol)
    assert len(mstate["old_dirs"]) == len(tstate["old_dirs"])


def test_lbfgs_errors():
    def run(T):
        ps = [T.nn.Parameter(T.ones(2)), T.nn.Parameter(T.ones(1))]
        groups = _outcome(lambda: T.optim.LBFGS([{"params": ps[:1]}, {"params": ps[1:]}]))
        opt = T.optim.LBFGS(ps, line_search_fn="armijo")

        def closure():
            opt.zero_grad()
            loss = (ps[0] ** 2).sum() + ps[1].sum()
            loss.backward()
            return loss

        return groups, _outcome(lambda: opt.step(closure)), repr(opt)

    assert run(kindling) == run(torch)


def test_profiler_ranges():
    def run(T):
        p = T.nn.Parameter(T.ones(2))
        opt = T.optim.Adam([p], lr=0.1)
        with T.profiler.profile() as prof:
            p.grad = T.ones(2)
            opt.step()
            opt.zero_grad()
        return sorted({e.key for e in prof.key_averages() if e.key.startswith("Optimizer.")})

    assert run(kindling) == run(torch) != []


@pytest.mark.parametrize("cls_name", ["SGD", "Adam", "AdamW"])
def test_hypergradient_of_tensor_lr_and_weight_decay(cls_name):
    """differentiable=True with hyperparameter tensors that require grad (lr, weight_decay)."""

    def run(T):
        lr = T.tensor(0.1, dtype=T.float64, requires_grad=True)
        wd = T.tensor(0.05, dtype=T.float64, requires_grad=True)
        p = T.tensor([1.0, -2.0, 0.5], dtype=T.float64, requires_grad=True).clone()
        opt = getattr(T.optim, cls_name)([p], lr=lr, weight_decay=wd, differentiable=True)
        p.grad = T.tensor([0.3, 0.1, -0.4], dtype=T.float64)
        opt.step()
        (p * p).sum().backward()
        return p.tolist(), lr.grad.item(), None if wd.grad is None else wd.grad.item()

    mine, theirs = run(kindling), run(torch)
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-9)  # nan where PyTorch gives nan
    assert (mine[2] is None) == (theirs[2] is None)
    if theirs[2] is not None:
        np.testing.assert_allclose(mine[2], theirs[2], rtol=1e-9)


def test_checkpoint_through_save_and_load():
    """A checkpoint (optimizer and scheduler state dicts) written with save/load, then resumed."""
    import io

    params_np, grads_np = _arrays(np.float32, seed=4)

    def run(T, checkpoint):
        ps = _make_params(T, params_np)
        opt = T.optim.AdamW(ps, lr=0.1, amsgrad=True)
        sched = T.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        for i, g in enumerate(grads_np[: 2 * N_STEPS]):
            if checkpoint and i == N_STEPS:
                buf = io.BytesIO()
                T.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, buf)
                buf.seek(0)
                saved = T.load(buf)
                ps = [T.nn.Parameter(p.detach().clone()) for p in ps]
                opt = T.optim.AdamW(ps, lr=0.1, amsgrad=True)
                sched = T.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
                opt.load_state_dict(saved["opt"])
                sched.load_state_dict(saved["sched"])
            _set_grads(T, ps, g)
            opt.step()
            sched.step()
        return [p.detach().numpy() for p in ps], sched.get_last_lr()

    mine, theirs = run(kindling, True), run(torch, False)
    for a, b in zip(mine[0], theirs[0]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert mine[1] == pytest.approx(theirs[1])


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_swa_averaging_functions(dtype):
    rng = np.random.default_rng(12)
    start = [
        (rng.standard_normal((2, 3)) * 10).astype(dtype),
        (rng.standard_normal(4) * 10).astype(dtype),
    ]
    updates = [[(rng.standard_normal(a.shape) * 10).astype(dtype) for a in start] for _ in range(4)]

    def run(T):
        swa = T.optim.swa_utils
        out = {}
        multi = {
            "ema_multi": swa.get_ema_multi_avg_fn(0.9),
            "swa_multi": swa.get_swa_multi_avg_fn(),
        }
        single = {"ema": swa.get_ema_avg_fn(0.8), "swa": swa.get_swa_avg_fn()}
        for name, fn in multi.items():
            for count in (int, T.tensor):
                avg = [T.tensor(a) for a in start]

                def go():
                    for n, u in enumerate(updates, 1):
                        fn(avg, [T.tensor(x) for x in u], count(n))
                    return [(str(a.dtype), a.tolist()) for a in avg]

                # integer tensors with a tensor count fail in PyTorch (addcdiv): compared too
                out[name, count is int] = _outcome(go)
        for name, fn in single.items():
            avg = T.tensor(start[0]).double()
            for n, u in enumerate(updates, 1):
                avg = fn(avg, T.tensor(u[0]).double(), n)
            out[name] = avg.tolist()
        return out

    mine, theirs = run(kindling), run(torch)
    assert sorted(mine, key=str) == sorted(theirs, key=str)
    for k in theirs:
        if k in ("ema", "swa"):
            np.testing.assert_allclose(mine[k], theirs[k], rtol=1e-12)
        elif theirs[k][0] != "ok":
            assert mine[k] == theirs[k]
        else:
            assert mine[k][0] == "ok", (k, mine[k])
            for (md, mv), (td, tv) in zip(mine[k][1], theirs[k][1]):
                assert md == td
                np.testing.assert_allclose(mv, tv, rtol=1e-6, atol=1e-6)


def test_group_tensors_by_device_and_dtype():
    def run(T):
        a = [T.ones(2), T.ones(2, dtype=T.float64), T.zeros(3)]
        b = [T.ones(2) * 2, T.ones(2, dtype=T.float64) * 2, None]
        out = []
        for lists, with_indices in (([a, b], True), ([a, []], False)):
            grouped = T.optim.Optimizer._group_tensors_by_device_and_dtype(lists, with_indices)
            out.append(
                sorted(
                    (
                        str(dtype),
                        [[None if t is None else t.tolist() for t in lst] for lst in tl],
                        idx,
                    )
                    for (_, dtype), (tl, idx) in grouped.items()
                )
            )
        return out

    assert run(kindling) == run(torch)


@pytest.mark.parametrize("cls_name", ALL_OPTIMIZERS)
def test_foreach_with_mixed_dtypes(cls_name):
    """One group holding float32 and float64 parameters: the multi-tensor path groups by dtype."""
    rng = np.random.default_rng(13)
    arrays = [rng.standard_normal(3).astype(np.float32), rng.standard_normal(2)]
    grads = [[rng.standard_normal(a.shape).astype(a.dtype) for a in arrays] for _ in range(3)]

    def run(T):
        ps = [T.nn.Parameter(T.tensor(a)) for a in arrays]
        extra = {} if cls_name == "Rprop" else dict(weight_decay=0.1)
        opt = getattr(T.optim, cls_name)(ps, lr=0.1, foreach=True, **extra)
        for g in grads:
            _set_grads(T, ps, g)
            opt.step()
        return ps, opt

    (mine, mopt), (theirs, topt) = run(kindling), run(torch)
    for a, b in zip(mine, theirs):
        assert str(a.dtype) == str(b.dtype)
        np.testing.assert_allclose(_np(a), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    _assert_same(mopt.state_dict(), topt.state_dict())


# ---- with nn modules -----------------------------------------------------------------------------
def _mlp(T, seed=21, batch_norm=True):
    rng = np.random.default_rng(seed)
    # (Adam on a bias right before batch norm would amplify round-off: its gradient is ~0)
    norm = T.nn.BatchNorm1d(6) if batch_norm else T.nn.Identity()
    model = T.nn.Sequential(T.nn.Linear(4, 6), norm, T.nn.ReLU(), T.nn.Linear(6, 2))
    with T.no_grad():
        for p in model.parameters():
            p.copy_(T.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
    return model


def _batches(n=5, seed=22):
    rng = np.random.default_rng(seed)
    return [
        (
            rng.standard_normal((8, 4)).astype(np.float32),
            rng.standard_normal((8, 2)).astype(np.float32),
        )
        for _ in range(n)
    ]


@pytest.mark.parametrize(
    "cls_name,kwargs", [("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=0.01))]
)
def test_module_training_loop(cls_name, kwargs):
    def run(T):
        model = _mlp(T, batch_norm=False)
        opt = getattr(T.optim, cls_name)(model.parameters(), **kwargs)
        sched = T.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
        losses = []
        for x, y in _batches():
            opt.zero_grad()
            loss = T.nn.functional.mse_loss(model(T.tensor(x)), T.tensor(y))
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        return losses, [p.detach().numpy() for p in model.parameters()], opt.state_dict()

    mine, theirs = run(kindling), run(torch)
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-5, atol=1e-6)
    for a, b in zip(mine[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    _assert_same(mine[2], theirs[2], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("how", ["swa", "ema", "ema_multi", "swa_buffers"])
def test_averaged_model(how):
    def run(T):
        swa = T.optim.swa_utils
        model = _mlp(T)
        kwargs = {
            "swa": {},
            "ema": dict(avg_fn=swa.get_ema_avg_fn(0.7)),
            "ema_multi": dict(multi_avg_fn=swa.get_ema_multi_avg_fn(0.7)),
            "swa_buffers": dict(use_buffers=True),
        }[how]
        averaged = swa.AveragedModel(model, **kwargs)
        opt = T.optim.SGD(model.parameters(), lr=0.1)
        for x, y in _batches():
            opt.zero_grad()
            T.nn.functional.mse_loss(model(T.tensor(x)), T.tensor(y)).backward()
            opt.step()
            averaged.update_parameters(model)
        x = T.tensor(_batches(1, seed=23)[0][0])
        averaged.eval()
        return (
            averaged.n_averaged.item(),
            [t.detach().numpy() for t in averaged.state_dict().values()],
            averaged(x).detach().numpy(),
        )

    mine, theirs = run(kindling), run(torch)
    assert mine[0] == theirs[0]
    for a, b in zip(mine[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mine[2], theirs[2], rtol=1e-5, atol=1e-5)


def test_update_bn():
    def run(T):
        model = _mlp(T)
        loader = [(T.tensor(x), T.tensor(y)) for x, y in _batches()]
        model.eval()
        T.optim.swa_utils.update_bn(loader, model)
        bn = model[1]
        return model.training, bn.momentum, bn.running_mean.numpy(), bn.running_var.numpy()

    mine, theirs = run(kindling), run(torch)
    assert mine[:2] == theirs[:2]
    np.testing.assert_allclose(mine[2], theirs[2], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mine[3], theirs[3], rtol=1e-5, atol=1e-6)


def test_functional_interface():
    """``optim._functional``: the update functions called directly on lists of tensors."""
    params_np, grads_np = _arrays(np.float64, seed=14)

    def run(T):
        from importlib import import_module

        F = import_module(T.__name__ + ".optim._functional")
        ps = [T.tensor(a) for a in params_np]
        bufs = [None] * len(ps)
        avgs = [T.zeros_like(p) for p in ps]
        sqs = [T.zeros_like(p) for p in ps]
        steps = [T.tensor(0.0) for _ in ps]
        for g in grads_np[:3]:
            gs = [T.tensor(x) for x in g]
            F.sgd(
                ps,
                gs,
                bufs,
                weight_decay=0.1,
                momentum=0.9,
                lr=0.1,
                dampening=0.0,
                nesterov=True,
                maximize=False,
            )
            F.adam(
                ps,
                gs,
                avgs,
                sqs,
                [],
                steps,
                amsgrad=False,
                beta1=0.9,
                beta2=0.99,
                lr=0.01,
                weight_decay=0.0,
                eps=1e-8,
                maximize=True,
            )
        return [p.numpy() for p in ps + bufs + avgs + sqs + steps]

    for a, b in zip(run(kindling), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
