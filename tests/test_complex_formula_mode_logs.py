"""Complex backward formulas as a mode sees them: PyTorch's engine runs formulas with autograd
on (grad mode off), so an op with a CompositeImplicitAutograd kernel (``outer``, ``ger``)
decomposes before the Conjugate fallback materialises its arguments - kindling runs formulas
below autograd and must decompose at the math-bit keys too."""
import importlib

import pytest

import kindling

torch = pytest.importorskip("torch")


def _logs(T, fn, shapes, create_graph):
    lt = importlib.import_module(f"{T.__name__}.testing._internal.logging_tensor")
    T.manual_seed(0)
    xs = [T.randn(*s, dtype=T.complex64, requires_grad=True) for s in shapes]
    y = fn(*xs)
    g = T.randn(y.shape, dtype=y.dtype)
    with lt.capture_logs(is_mode=True) as logs, lt.LoggingTensorMode():
        grads = T.autograd.grad(y, xs, g, create_graph=create_graph)
    return logs, [x.detach().resolve_conj().numpy() for x in grads]


CASES = {
    "mv": (lambda a, b: a @ b, [(2, 3), (3,)]),
    "addmv": (lambda c, a, b: kindling_or_torch_addmv(c, a, b), [(2,), (2, 3), (3,)]),
    "outer": (lambda a, b: a.outer(b), [(2,), (3,)]),
    "conj@": (lambda a, b: a.conj() @ b, [(2, 3), (3, 2)]),
    "dot": (lambda a, b: a @ b, [(3,), (3,)]),
    "bmm": (lambda a, b: a @ b, [(2, 2, 3), (2, 3, 2)]),
}


def kindling_or_torch_addmv(c, a, b):
    return c.addmv(a, b)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", sorted(CASES))
def test_complex_backward_logs_are_pytorchs(name, create_graph):
    import numpy as np
    fn, shapes = CASES[name]
    k_logs, k_grads = _logs(kindling, fn, shapes, create_graph)
    t_logs, t_grads = _logs(torch, fn, shapes, create_graph)
    assert k_logs == t_logs
    for a, b in zip(k_grads, t_grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
