"""The tape-based autograd example (examples/tape_autograd.py) against kindling's engine."""
import importlib.util
import pathlib

import numpy as np
import pytest

import kindling

_PATH = pathlib.Path(__file__).resolve().parent.parent / "examples" / "tape_autograd.py"


@pytest.fixture
def tape():
    spec = importlib.util.spec_from_file_location("tape_autograd", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.reset_tape()
    return mod


def _rand(seed):
    return kindling.tensor(np.random.default_rng(seed).uniform(-1, 1, 10))


def test_gradients_equal_engine(tape):
    for seed in (0, 1):
        av, bv = _rand(seed), _rand(seed + 10)
        tape.reset_tape()
        a, b = tape.Variable(av), tape.Variable(bv)
        loss = tape.simple(a, b).sum()
        da, db = tape.grad(loss, [a, b])
        ea, eb = av.clone().requires_grad_(), bv.clone().requires_grad_()
        ((ea + eb) * eb).sum().backward()
        np.testing.assert_allclose(da.value.numpy(), ea.grad.numpy(), rtol=1e-6)
        np.testing.assert_allclose(db.value.numpy(), eb.grad.numpy(), rtol=1e-6)
        # dL/da = b, dL/db = a + 2b
        np.testing.assert_allclose(da.value.numpy(), bv.numpy(), rtol=1e-6)
        np.testing.assert_allclose(db.value.numpy(), (av + 2 * bv).numpy(), rtol=1e-6)


def test_tape_structure(tape):
    a = tape.Variable.constant(_rand(0), name="a")
    b = tape.Variable.constant(_rand(1), name="b")
    loss = tape.simple(a, b).sum()
    assert [e.inputs for e in tape.gradient_tape] == [["a", "b"], ["v0", "b"], ["v1"]]
    assert [e.outputs for e in tape.gradient_tape] == [["v0"], ["v1"], ["v2"]]
    assert loss.name == "v2"
    assert a * 1.0 is a  # the peephole records nothing
    assert len(tape.gradient_tape) == 3
    n_before = len(tape.gradient_tape)
    tape.grad(loss, [a, b])
    # propagate appended (expand, mul, mul) entries while the tape was walked
    assert len(tape.gradient_tape) > n_before
    tape.reset_tape()
    assert tape.gradient_tape == [] and tape.fresh_name() == "v0"


def test_unreached_variable_is_none(tape):
    a, b, c = (tape.Variable(_rand(i)) for i in range(3))
    loss = (a * b).sum()
    assert tape.grad(loss, [c]) == [None]


def test_repr_is_tensor_repr(tape):
    t = kindling.tensor([1.0, 2.0])
    assert repr(tape.Variable(t)) == repr(t)
