"""multinomial, poisson, geometric_, log_normal_, cauchy_: kindling against PyTorch, same seed,
same values (and the same errors)."""
import warnings

import numpy as np
import pytest

import kindling
from tests._parity import outcome

torch = pytest.importorskip("torch")

FLOATS = ["float32", "float64", "float16", "bfloat16"]


def same(case, seed=4321):
    got = []
    for lib in (kindling, torch):
        lib.manual_seed(seed)
        got.append(outcome(lib, lambda T: _plain(T, case(T))))
    assert got[0] == got[1]
    return got[0]


def _plain(T, r):
    """Tensors (also inside tuples) as comparable tuples, like ``outcome``'s."""
    if isinstance(r, tuple):
        return tuple(_plain(T, x) for x in r)
    return outcome(T, lambda T: r) if isinstance(r, T.Tensor) else r


def then_rand(case):
    """``case`` and the stream after it: the draws consumed are PyTorch's too."""
    return lambda T: (case(T), T.rand(3, dtype=T.float64), T.randn(1, dtype=T.float64))


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_samplers(dtype):
    def make(T):
        return T.empty(7, 9, dtype=getattr(T, dtype))
    same(then_rand(lambda T: make(T).geometric_(0.3)))
    same(then_rand(lambda T: make(T).geometric_(1e-3)))
    same(then_rand(lambda T: make(T).log_normal_()))
    same(then_rand(lambda T: make(T).log_normal_(0.5, 0.25)))
    same(then_rand(lambda T: make(T).t().log_normal_(-1.0, 3.0)))
    same(then_rand(lambda T: make(T).cauchy_()))
    same(then_rand(lambda T: make(T)[:, ::2].cauchy_(2.5, 0.75)))


def test_log_normal_uses_the_cached_normal():
    # an odd count leaves a cached second normal, which log_normal_ draws first
    same(lambda T: (T.randn(3, dtype=T.float64), T.empty(5, dtype=T.float64).log_normal_(),
                    T.randn(1, dtype=T.float64)))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
def test_geometric_integers(dtype):
    same(then_rand(lambda T: T.empty(40, dtype=getattr(T, dtype)).geometric_(0.2)))
    same(lambda T: T.empty(40, dtype=getattr(T, dtype)).geometric_(1e-4))  # wraps as C++ casts


def test_generator_argument():
    for name, args in (("geometric_", (0.4,)), ("log_normal_", ()), ("cauchy_", (1.0, 2.0))):
        k, t = kindling.Generator().manual_seed(11), torch.Generator().manual_seed(11)
        a = getattr(kindling.empty(6), name)(*args, generator=k)
        b = getattr(torch.empty(6), name)(*args, generator=t)
        assert a.tolist() == b.tolist()
        assert np.array_equal(k.get_state().numpy(), t.get_state().numpy())


@pytest.mark.parametrize("dtype", FLOATS)
def test_poisson(dtype):
    def rates(T):
        return T.tensor([[0.0, 0.5, 3.0, 9.99], [10.0, 25.5, 400.0, 1e6]],
                        dtype=getattr(T, dtype))
    same(then_rand(lambda T: T.poisson(rates(T))))
    same(then_rand(lambda T: T.poisson(rates(T).t())))
    same(then_rand(lambda T: T.poisson(T.full((300,), 12.0, dtype=getattr(T, dtype)))))
    same(then_rand(lambda T: T.poisson(T.full((300,), 4.0, dtype=getattr(T, dtype)))))
    same(lambda T: T.poisson(T.tensor([float("inf")], dtype=getattr(T, dtype))))


def test_poisson_generator_and_grad():
    k, t = kindling.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert kindling.poisson(kindling.full((20,), 30.0), k).tolist() == \
        torch.poisson(torch.full((20,), 30.0), t).tolist()

    def grad(T):
        x = T.full((4,), 2.0, requires_grad=True)
        y = T.poisson(x)
        (y * 3).sum().backward()
        return type(y.grad_fn).__name__, x.grad
    same(grad)


@pytest.mark.parametrize("dtype", FLOATS)
def test_multinomial(dtype):
    def p(T, *shape):
        w = T.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape) % 7
        return w.to(getattr(T, dtype))
    for repl in (True, False):
        same(then_rand(lambda T: T.multinomial(p(T, 12), 5, repl)))
        same(then_rand(lambda T: T.multinomial(p(T, 3, 10), 4, repl)))
        same(then_rand(lambda T: T.multinomial(p(T, 10, 3).t(), 2, repl)))
        same(then_rand(lambda T: T.multinomial(p(T, 4, 6), 1, repl)))
    same(then_rand(lambda T: T.multinomial(p(T, 5), 40, True)))
    same(then_rand(lambda T: p(T, 2, 9).multinomial(9)))
    same(then_rand(lambda T: T.multinomial(T.tensor([0.0, 1.0, 0.0, 2.0], dtype=getattr(T, dtype)),
                                           30, replacement=True)))


def test_multinomial_generator_and_out():
    k, t = kindling.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    kp, tp = kindling.rand(4, 30), torch.rand(4, 30)
    kp, tp = kindling.tensor(tp.numpy()), tp
    assert kindling.multinomial(kp, 7, generator=k).tolist() == \
        torch.multinomial(tp, 7, generator=t).tolist()
    assert kindling.multinomial(kp, 7, True, generator=k).tolist() == \
        torch.multinomial(tp, 7, True, generator=t).tolist()
    assert np.array_equal(k.get_state().numpy(), t.get_state().numpy())

    def out(T):
        o = T.full((2,), 9, dtype=T.int64)
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            r = T.multinomial(T.ones(3, 5), 4, True, out=o)
            T.multinomial(T.ones(3, 5), 1, out=o)
        return r is o, o, [str(w.message) for w in ws]
    same(out)
    same(lambda T: T.multinomial(T.zeros(0, 3), 2, True))
    same(lambda T: T.multinomial(T.ones(3), 2).requires_grad)
    same(lambda T: T.multinomial(T.ones(3, requires_grad=True), 2, True))


@pytest.mark.parametrize("case", [
    lambda T: T.empty(3).geometric_(0),
    lambda T: T.empty(3).geometric_(1.0),
    lambda T: T.empty(3).geometric_(float("nan")),
    lambda T: T.empty(3, dtype=T.bool).geometric_(0.5),
    lambda T: T.empty(3, dtype=T.complex64).geometric_(0.5),
    lambda T: T.empty(3).log_normal_(1, 0),
    lambda T: T.empty(3, dtype=T.int32).log_normal_(),
    lambda T: T.empty(3, dtype=T.bool).log_normal_(),
    lambda T: T.empty(3).cauchy_(0, -1),
    lambda T: T.empty(3, dtype=T.int64).cauchy_(),
    lambda T: T.empty(3, dtype=T.uint8).cauchy_(),
    lambda T: T.empty(3, dtype=T.bool).cauchy_(),
    lambda T: T.empty(3, dtype=T.complex128).cauchy_(),
    lambda T: T.empty(3, dtype=T.int16).exponential_(),
    lambda T: T.empty(3, dtype=T.complex64).exponential_(),
    lambda T: T.empty(3, dtype=T.bool).exponential_(),
    lambda T: T.poisson(T.tensor([1.0, -1.0])),
    lambda T: T.poisson(T.tensor([float("nan")])),
    lambda T: T.poisson(T.tensor([1, 2])),
    lambda T: T.multinomial(T.tensor([1, 2]), 1),
    lambda T: T.multinomial(T.tensor(1.0), 1),
    lambda T: T.multinomial(T.ones(2, 2, 2), 1),
    lambda T: T.multinomial(T.ones(2), 0),
    lambda T: T.multinomial(T.ones(2), 3),
    lambda T: T.multinomial(T.tensor([1.0, -1.0]), 1),
    lambda T: T.multinomial(T.tensor([1.0, -1.0]), 1, True),
    lambda T: T.multinomial(T.tensor([1.0, float("inf")]), 2),
    lambda T: T.multinomial(T.tensor([1.0, float("nan")]), 1),
    lambda T: T.multinomial(T.tensor([0.0, 0.0]), 1),
    lambda T: T.multinomial(T.tensor([[1.0, 1.0], [0.0, 0.0]]), 2),
    lambda T: T.multinomial(T.tensor([1.0, 1.0, -1.0]), 2, True),
    lambda T: T.multinomial(T.tensor([1.0, float("inf"), 1.0]), 2, True),
    lambda T: T.multinomial(T.tensor([1.0, float("nan"), 1.0]), 2, True),
    lambda T: T.multinomial(T.tensor([[1.0, 1.0], [0.0, 0.0]]), 2, True),
    lambda T: T.multinomial(T.zeros(2, 0), 1, True),
    lambda T: T.multinomial(T.ones(3), 2, out=T.empty(2)),
    lambda T: T.multinomial(T.ones(3), 2, out=T.empty(2, dtype=T.int32)),
])
def test_errors(case):
    same(case)
