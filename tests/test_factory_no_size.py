"""Factories called without their size (or other required arguments) raise PyTorch's
TypeError, with its argument parser's message: the one signature that could take as many
arguments as were given names what is missing, else every signature is listed."""
import pytest

import kindling

CALLS = {
    "randn()": lambda t: t.randn(),
    "rand()": lambda t: t.rand(),
    "randn(dtype)": lambda t: t.randn(dtype=t.float32),
    "rand(generator)": lambda t: t.rand(generator=t.Generator()),
    "randn(requires_grad)": lambda t: t.randn(requires_grad=True),
    "randn(dtype, device)": lambda t: t.randn(dtype=t.float32, device=t.device("cpu")),
    "randn(2, size=)": lambda t: t.randn(2, size=(3,)),
    "rand(generator=int)": lambda t: t.rand(2, 3, generator=1),
    "randint()": lambda t: t.randint(),
    "randint(5)": lambda t: t.randint(5),
    "randint(high=5)": lambda t: t.randint(high=5),
    "randint(low, high)": lambda t: t.randint(low=1, high=3),
    "randint(5, 3)": lambda t: t.randint(5, 3),
    "randint(0, 5, 3)": lambda t: t.randint(0, 5, 3),
    "randperm()": lambda t: t.randperm(),
    "randperm(dtype)": lambda t: t.randperm(dtype=t.int64),
    "normal()": lambda t: t.normal(),
    "normal(float, float)": lambda t: t.normal(0.0, 1.0),
    "empty()": lambda t: t.empty(),
    "zeros()": lambda t: t.zeros(),
    "ones(dtype)": lambda t: t.ones(dtype=t.float32),
    "zeros(2, size=)": lambda t: t.zeros(2, size=(3,)),
    "full()": lambda t: t.full(),
    "full(fill_value)": lambda t: t.full(fill_value=1.0),
    "full(size)": lambda t: t.full((2,)),
    "empty_strided()": lambda t: t.empty_strided(),
    "empty_strided(size)": lambda t: t.empty_strided((2,)),
    "eye()": lambda t: t.eye(),
    "eye(dtype)": lambda t: t.eye(dtype=t.float32),
    "arange()": lambda t: t.arange(),
    "arange(dtype)": lambda t: t.arange(dtype=t.float32),
    "linspace()": lambda t: t.linspace(),
    "linspace(0, 1)": lambda t: t.linspace(0, 1),
    "logspace(dtype)": lambda t: t.logspace(dtype=t.float32),
    "zeros_like()": lambda t: t.zeros_like(),
    "randn_like()": lambda t: t.randn_like(),
    "tensor()": lambda t: t.tensor(),
    "scalar_tensor()": lambda t: t.scalar_tensor(),
    "new_zeros()": lambda t: t.zeros(2).new_zeros(),
    "new_empty()": lambda t: t.zeros(2).new_empty(),
    "new_ones(2, size=)": lambda t: t.zeros(2).new_ones(2, size=(3,)),
    "new_full()": lambda t: t.zeros(2).new_full(),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_missing_arguments_raise_pytorchs_error(torch, name):
    with pytest.raises(Exception) as expected:
        CALLS[name](torch)
    with pytest.raises(type(expected.value)) as got:
        CALLS[name](kindling)
    assert str(got.value) == str(expected.value)


SIZED = {
    "randn(size=)": lambda t: t.randn(size=(2, 3)),
    "rand(size=, generator)": lambda t: t.rand(size=(2,), generator=t.Generator()),
    "zeros(size=, dtype)": lambda t: t.zeros(size=(2,), dtype=t.float64),
    "empty(size=)": lambda t: t.empty(size=[2, 3]),
    "ones(size=)": lambda t: t.ones(size=(4,)),
    "randint(high, size=)": lambda t: t.randint(5, size=(2,)),
    "randint(low=, high=, size=)": lambda t: t.randint(low=1, high=3, size=(2,)),
    "new_zeros(size=)": lambda t: t.zeros(2).new_zeros(size=(3,)),
    "randn(())": lambda t: t.randn(()),
    "arange(end=)": lambda t: t.arange(end=5),
}


@pytest.mark.parametrize("name", list(SIZED))
def test_size_keyword(torch, name):
    a, b = SIZED[name](kindling), SIZED[name](torch)
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype) == str(b.dtype)
