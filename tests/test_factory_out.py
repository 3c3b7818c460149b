"""The factories' ``out=`` forms against PyTorch: ``torch.zeros(3, out=o)``,
``torch.rand(..., out=o)``, ``torch.normal(mean, std, out=o)``... call the aten ``.out``
overloads PyTorch has, so a TorchDispatchMode sees the same ops (one ``rand.out``; ``randn``'s
``resize_`` and ``normal_``), ``out`` ends with the same values (the random ones bit for bit,
drawn in ``out``'s memory order), shape, strides and version, the call returns ``out`` itself,
and the same errors and warnings come out of the same mistakes."""
import warnings

import pytest

import kindling
from tests._parity import dispatch_log

torch = pytest.importorskip("torch")


def _gen(T):
    return T.Generator().manual_seed(3)


def _grid(T):
    return T.arange(12.).reshape(3, 4)


# each case: a call writing into ``o``; its result has 3 x 4 or 12 elements
CASES = {
    "empty": lambda T, o: T.empty(3, 4, out=o),
    "zeros": lambda T, o: T.zeros(3, 4, out=o),
    "ones": lambda T, o: T.ones((3, 4), out=o),
    "full": lambda T, o: T.full((3, 4), 2.5, out=o),
    "eye(n, m)": lambda T, o: T.eye(3, 4, out=o),
    "eye(n)": lambda T, o: T.eye(3, out=o),
    "arange(end)": lambda T, o: T.arange(12, out=o),
    "arange(start, end)": lambda T, o: T.arange(0, 12, out=o),
    "arange(start, end, step)": lambda T, o: T.arange(0, 12, 1, out=o),
    "arange(float step)": lambda T, o: T.arange(0.5, 6, 0.5, out=o),
    "linspace": lambda T, o: T.linspace(0, 1, 12, out=o),
    "logspace": lambda T, o: T.logspace(0, 1, 12, out=o),
    "rand": lambda T, o: T.rand(3, 4, out=o),
    "rand(generator)": lambda T, o: T.rand(3, 4, out=o, generator=_gen(T)),
    "randn": lambda T, o: T.randn(3, 4, out=o),
    "randn(generator)": lambda T, o: T.randn(3, 4, out=o, generator=_gen(T)),
    "randint(high)": lambda T, o: T.randint(10, (3, 4), out=o),
    "randint(low, high)": lambda T, o: T.randint(2, 10, (3, 4), out=o),
    "randint(high, generator)": lambda T, o: T.randint(10, (3, 4), out=o, generator=_gen(T)),
    "randint(low, high, generator)":
        lambda T, o: T.randint(2, 10, (3, 4), out=o, generator=_gen(T)),
    "randperm": lambda T, o: T.randperm(12, out=o),
    "randperm(generator)": lambda T, o: T.randperm(12, out=o, generator=_gen(T)),
    "normal(float, float, size)": lambda T, o: T.normal(1.0, 2.0, (3, 4), out=o),
    "normal(float, float, size, generator)":
        lambda T, o: T.normal(1.0, 2.0, (3, 4), out=o, generator=_gen(T)),
    "normal(Tensor, float)": lambda T, o: T.normal(_grid(T), 2.0, out=o),
    "normal(float, Tensor)": lambda T, o: T.normal(1.0, _grid(T), out=o),
    "normal(Tensor, Tensor)": lambda T, o: T.normal(_grid(T), _grid(T), out=o),
    "normal(Tensor, Tensor) broadcast":
        lambda T, o: T.normal(T.arange(4.), T.arange(3.).reshape(3, 1), out=o),
}

# the ``out`` tensors: the right shape, a different size, the right shape but transposed
# (non-contiguous: drawn in its memory order), and empty
OUTS = {
    "same": lambda T, dt: T.empty(3, 4, dtype=dt),
    "resized": lambda T, dt: T.empty(2, dtype=dt),
    "transposed": lambda T, dt: T.empty(4, 3, dtype=dt).t(),
    "empty": lambda T, dt: T.empty(0, dtype=dt),
}


def _messages(ws):
    return [(w.category.__name__, str(w.message).split(" (Triggered internally")[0]) for w in ws]


def _run(T, case, make_out, dtype_name="float32"):
    """What writing ``case`` into a fresh ``out`` did: the ops a mode saw, then the version
    ``out`` gained, its shape, strides and values, whether the call returned it, warnings;
    or the error."""
    T.manual_seed(0)
    o = make_out(T, getattr(T, dtype_name))
    v0 = o._version
    log, mode = dispatch_log(T)
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        try:
            with mode:
                r = case(T, o)
        except Exception as e:  # noqa: BLE001 (the error is what is compared)
            return log, ("raised", type(e).__name__, str(e))
    values = None if case is CASES["empty"] else o.tolist()  # (empty leaves memory as it was)
    return log, (o._version - v0, tuple(o.shape), o.stride(), str(o.dtype), r is o, values,
                 _messages(ws))


def _dtype_for(name):
    return "int64" if name.startswith(("randint", "randperm")) else "float32"


@pytest.mark.parametrize("out_kind", list(OUTS))
@pytest.mark.parametrize("name", list(CASES))
def test_out_form_matches_pytorch(name, out_kind):
    dt = _dtype_for(name)
    assert _run(kindling, CASES[name], OUTS[out_kind], dt) == \
        _run(torch, CASES[name], OUTS[out_kind], dt)


def test_a_mode_sees_the_out_overload():
    """The overloads by name, as a check on the comparison above (and on PyTorch's)."""
    log, _ = _run(kindling, CASES["rand"], OUTS["resized"])
    assert log == ["aten.rand.out"]
    log, _ = _run(kindling, CASES["randn"], OUTS["resized"])
    assert log == ["aten.resize_.default", "aten.normal_.default"]
    log, _ = _run(kindling, CASES["randint(low, high, generator)"], OUTS["same"], "int64")
    assert log == ["aten.randint.low_generator_out"]


# ---- dtypes: what each fill does with an ``out`` of another dtype ------------------------------
DTYPE_CASES = {
    "rand float64": ("rand", "float64"), "rand float16": ("rand", "float16"),
    "rand complex64": ("rand", "complex64"), "rand int64": ("rand", "int64"),
    "randn complex64": ("randn", "complex64"), "randn int64": ("randn", "int64"),
    "normal(size) complex64": ("normal(float, float, size)", "complex64"),
    "normal(size) int64": ("normal(float, float, size)", "int64"),
    "normal(Tensor, Tensor) int64": ("normal(Tensor, Tensor)", "int64"),
    "normal(Tensor, float) float64": ("normal(Tensor, float)", "float64"),
    "randint float32": ("randint(high)", "float32"), "randint bool": ("randint(high)", "bool"),
    "randperm float32": ("randperm", "float32"), "randperm float16": ("randperm", "float16"),
    "randperm bool": ("randperm", "bool"), "randperm int8": ("randperm", "int8"),
    "zeros int32": ("zeros", "int32"), "full int32": ("full", "int32"),
    "full bool": ("full", "bool"), "eye bool": ("eye(n, m)", "bool"),
    "arange int64": ("arange(start, end)", "int64"),
    "arange(float step) int64": ("arange(float step)", "int64"),
    "arange int32": ("arange(float step)", "int32"), "arange bool": ("arange(end)", "bool"),
    "arange complex64": ("arange(end)", "complex64"),
    "linspace int64": ("linspace", "int64"),
}


@pytest.mark.parametrize("name", list(DTYPE_CASES))
def test_out_dtype_matches_pytorch(name):
    case, dt = DTYPE_CASES[name]
    for kind in ("same", "transposed"):
        assert _run(kindling, CASES[case], OUTS[kind], dt) == \
            _run(torch, CASES[case], OUTS[kind], dt)


# ---- errors -------------------------------------------------------------------------------------
def _no_grad(T, fn):
    with T.no_grad():
        return fn()


def _e(T, *size, dt=None, rg=False):
    return T.empty(*size, dtype=dt or T.float32, requires_grad=rg)


ERRORS = {
    # an ``out`` that requires grad: the out= kernel refuses it (naming ``aten::<op>`` for the
    # ops without derivatives), the decompositions' resize_ does
    "rand, out requires grad": lambda T: T.rand(3, out=_e(T, 3, rg=True)),
    "randn, out requires grad": lambda T: T.randn(3, out=_e(T, 3, rg=True)),
    "randn(generator), out requires grad":
        lambda T: T.randn(3, out=_e(T, 3, rg=True), generator=T.Generator()),
    "empty, out requires grad": lambda T: T.empty(3, out=_e(T, 3, rg=True)),
    "zeros, out requires grad": lambda T: T.zeros(3, out=_e(T, 3, rg=True)),
    "full, out requires grad": lambda T: T.full((3,), 1.0, out=_e(T, 3, rg=True)),
    "eye, out requires grad": lambda T: T.eye(3, out=_e(T, 3, rg=True)),
    "arange, out requires grad": lambda T: T.arange(3, out=_e(T, 3, rg=True)),
    "randperm, out requires grad": lambda T: T.randperm(3, out=_e(T, 3, rg=True)),
    "randint, out requires grad": lambda T: T.randint(3, (3,), out=_e(T, 3, rg=True)),
    "linspace, out requires grad": lambda T: T.linspace(0, 1, 3, out=_e(T, 3, rg=True)),
    "normal(size), out requires grad":
        lambda T: T.normal(0., 1., (3,), out=_e(T, 3, rg=True)),
    "normal(Tensor, float), out requires grad":
        lambda T: T.normal(T.zeros(3), 1., out=_e(T, 3, rg=True)),
    "normal(Tensor, float), mean requires grad":
        lambda T: T.normal(T.zeros(3, requires_grad=True), 1., out=_e(T, 3)),
    # (with grad mode off nothing refuses it, and ``requires_grad=False`` clears a leaf's flag)
    "out requires grad, no grad mode":
        lambda T: _no_grad(T, lambda: T.zeros(3, out=_e(T, 3, rg=True)).requires_grad),
    "out requires grad, no grad mode, rand":
        lambda T: _no_grad(T, lambda: T.rand(3, out=_e(T, 3, rg=True)).requires_grad),
    "non-leaf out requires grad, no grad mode": lambda T: _no_grad(
        T, lambda: T.arange(3, out=T.ones(3, requires_grad=True) * 2).requires_grad),
    "out requires grad, no grad mode, normal(Tensor, float)": lambda T: _no_grad(
        T, lambda: T.normal(T.zeros(3), 1., out=_e(T, 3, rg=True)).requires_grad),
    "out requires grad, no grad mode, randn":
        lambda T: _no_grad(T, lambda: T.randn(3, out=_e(T, 3, rg=True))),
    # the binding's checks of the options given beside ``out``
    "zeros, dtype": lambda T: T.zeros(3, out=_e(T, 3), dtype=T.float64),
    "zeros, the same dtype": lambda T: T.zeros(3, out=_e(T, 3), dtype=T.float32).dtype,
    "rand, dtype": lambda T: T.rand(3, out=_e(T, 3), dtype=T.float64),
    "randn(generator), dtype":
        lambda T: T.randn(3, out=_e(T, 3), dtype=T.float64, generator=T.Generator()),
    "randint, dtype": lambda T: T.randint(3, (3,), out=_e(T, 3), dtype=T.int64),
    "arange, dtype": lambda T: T.arange(3, out=_e(T, 3), dtype=T.int64),
    "eye, dtype": lambda T: T.eye(3, out=_e(T, 3), dtype=T.int64),
    "linspace, dtype": lambda T: T.linspace(0, 10, 4, out=_e(T, 3), dtype=T.float64),
    "normal(size), dtype": lambda T: T.normal(0., 1., (3,), out=_e(T, 3), dtype=T.float64),
    "zeros, device": lambda T: T.zeros(3, out=_e(T, 3), device="meta"),
    "zeros, layout": lambda T: T.zeros(3, out=_e(T, 3), layout=T.sparse_coo),
    "rand, the same options": lambda T: T.rand(3, out=_e(T, 3), dtype=T.float32, device="cpu",
                                               layout=T.strided).shape,
    "zeros, requires_grad=True": lambda T: T.zeros(3, out=_e(T, 3), requires_grad=True)
        .requires_grad,
    "zeros, no size": lambda T: T.zeros(out=_e(T, 3)),
    "scalar_tensor has no out": lambda T: T.scalar_tensor(1, out=_e(T, 3)),
    # the ops' own checks
    "zeros, negative size": lambda T: T.zeros(-1, out=_e(T, 3)),
    "full, negative size": lambda T: T.full((2, -1), 1., out=_e(T, 3)),
    "rand, negative size": lambda T: T.rand(-1, out=_e(T, 3)),
    "randn, negative size": lambda T: T.randn(-1, out=_e(T, 3)),
    "empty, negative size": lambda T: T.empty(-1, out=_e(T, 3)),
    "empty, memory_format": lambda T: T.empty(3, out=_e(T, 3),
                                              memory_format=T.contiguous_format),
    "eye, negative n": lambda T: T.eye(-1, out=_e(T, 3)),
    "eye, negative m": lambda T: T.eye(2, -1, out=_e(T, 3)),
    "arange, wrong sign": lambda T: T.arange(0, 5, -1, out=_e(T, 3)),
    "arange, zero step": lambda T: T.arange(0, 5, 0, out=_e(T, 3)),
    "arange, step truncated to 0": lambda T: T.arange(0, 2.5, 0.5, out=_e(T, 3, dt=T.int64)),
    "arange, infinite end": lambda T: T.arange(0, float("inf"), out=_e(T, 3)),
    "arange, 5 into 3 elements": lambda T: T.arange(5, out=_e(T, 3)).tolist(),
    "arange, 12 into 3 x 4": lambda T: T.arange(12, out=_e(T, 3, 4)).shape,
    "randint, low >= high": lambda T: T.randint(5, 2, (3,), out=_e(T, 3, dt=T.int64)),
    "randperm, negative n": lambda T: T.randperm(-1, out=_e(T, 3, dt=T.int64)),
    "randperm, n too large for int8": lambda T: T.randperm(300, out=_e(T, 3, dt=T.int8)),
    "randperm, n too large for half": lambda T: T.randperm(3000, out=_e(T, 3, dt=T.float16)),
    "randperm, uint16": lambda T: T.randperm(3, out=_e(T, 3, dt=T.uint16)),
    "normal(size), negative std": lambda T: T.normal(0., -1., (3,), out=_e(T, 3)),
    "normal(Tensor, float), negative std": lambda T: T.normal(T.zeros(3), -1., out=_e(T, 3)),
    "normal(float, Tensor), negative std": lambda T: T.normal(0., -T.ones(3), out=_e(T, 3)),
    "normal(float, Tensor), complex std":
        lambda T: T.normal(0., T.ones(3, dtype=T.complex64), out=_e(T, 3)),
    "normal(Tensor, Tensor), shapes": lambda T: T.normal(T.zeros(3), T.ones(2), out=_e(T, 3)),
    "normal(Tensor, float), out broadcasts with mean":
        lambda T: T.normal(T.zeros(3), 1., out=_e(T, 2, 3)).shape,
    "normal(Tensor, float), out does not broadcast":
        lambda T: T.normal(T.zeros(3), 1., out=_e(T, 2)),
    "normal(float, Tensor), out resized":
        lambda T: T.normal(0., T.ones(3), out=_e(T, 2, 3)).shape,
    "zeros into a row of a matrix": lambda T: (lambda b: (T.zeros(2, out=b[1]), b.tolist())[1])(
        T.ones(3, 2)),
    "out is not a tensor": lambda T: T.zeros(3, out=5),
}


def _outcome(T, name):
    T.manual_seed(0)
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        try:
            r = ERRORS[name](T)
        except Exception as e:  # noqa: BLE001 (the error is what is compared)
            return ("raised", type(e).__name__, str(e).split("\n")[0], _messages(ws))
    if isinstance(r, T.Tensor):
        r = r.tolist()
    elif isinstance(r, T.dtype):
        r = str(r)
    elif isinstance(r, T.Size):
        r = tuple(r)
    return ("returned", r, _messages(ws))


@pytest.mark.parametrize("name", list(ERRORS))
def test_out_errors_match_pytorch(name):
    assert _outcome(kindling, name) == _outcome(torch, name)


# ---- resize_, which the out= forms build on ------------------------------------------------------
RESIZES = {
    "same size keeps the strides": lambda T: T.empty(4, 3).t().resize_(3, 4).stride(),
    "another size is contiguous": lambda T: T.empty(4, 3).t().resize_(2, 4).stride(),
    "negative size": lambda T: T.empty(3).resize_(-2),
    "requires grad": lambda T: T.empty(3, requires_grad=True).resize_(2),
    "requires grad, same size": lambda T: T.empty(3, requires_grad=True).resize_(3),
    "requires grad, no grad mode":
        lambda T: _no_grad(T, lambda: T.empty(3, requires_grad=True).resize_(2)).shape,
    "a non-leaf that requires grad": lambda T: (T.ones(3, requires_grad=True) * 2).resize_(2),
}


@pytest.mark.parametrize("name", list(RESIZES))
def test_resize_matches_pytorch(name):
    def run(T):
        try:
            r = RESIZES[name](T)
        except Exception as e:  # noqa: BLE001 (the error is what is compared)
            return type(e).__name__, str(e)
        return tuple(r)
    assert run(kindling) == run(torch)


def test_functional_randperm_and_arange_checks_match_pytorch():
    """The functional forms share the out= kernels' checks (PyTorch makes them with the
    out= kernel)."""
    cases = [lambda T: T.randperm(300, dtype=T.uint8), lambda T: T.randperm(3, dtype=T.bool),
             lambda T: T.randperm(3000, dtype=T.float16),
             lambda T: T.arange(0, 2.5, 0.5, dtype=T.int64),
             lambda T: T.arange(0.5, 3.7, 1.5, dtype=T.int64),
             lambda T: T.arange(0, float("nan")), lambda T: T.arange(5, dtype=T.bool)]

    def run(T, case):
        T.manual_seed(0)
        try:
            return case(T).tolist()
        except Exception as e:  # noqa: BLE001 (the error is what is compared)
            return type(e).__name__, str(e)
    for case in cases:
        assert run(kindling, case) == run(torch, case)


def test_size_is_required_but_may_be_empty():
    """``torch.zeros()`` has no size (an error), ``torch.zeros(())`` and the legacy
    ``x.new(torch.Size([]))`` a 0-d one."""
    cases = [lambda T: T.zeros(), lambda T: T.ones(), lambda T: T.empty(),
             lambda T: T.zeros(()).shape, lambda T: T.empty([]).shape,
             lambda T: T.zeros(5).new(T.Size([])).fill_(7).tolist(),
             lambda T: T.Tensor(T.Size([])).shape]

    def run(T, case):
        try:
            r = case(T)
        except Exception as e:  # noqa: BLE001 (the error is what is compared)
            return type(e).__name__, str(e)
        return tuple(r) if isinstance(r, tuple) else r
    for case in cases:
        assert run(kindling, case) == run(torch, case)
