"""The autograd log against PyTorch's: with the library's ``autograd`` logger at DEBUG
(``torch.autograd`` / ``kindling.autograd``), every backward pass logs each node it runs, in
order, with the shapes of the gradients it receives; the hooks that do it are gone afterwards,
and nothing is logged (or hooked) at a quieter level."""
import logging
import re

import pytest

import kindling

torch = pytest.importorskip("torch")


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(re.sub(r" at 0x[0-9a-f]+", "", record.getMessage()))


def _logged(T, scenario, level=logging.DEBUG):
    log = logging.getLogger(T.__name__ + ".autograd")
    handler, prev = _Collect(), log.level
    log.addHandler(handler)
    log.setLevel(level)
    try:
        extra = scenario(T)
    finally:
        log.removeHandler(handler)
        log.setLevel(prev)
    return handler.messages, extra


def _leaf_edge_root(T):
    a = T.ones(3, requires_grad=True)
    T.autograd.backward(T.autograd.graph.get_gradient_edge(a), T.ones(3))
    return a.grad.tolist()


def _two_roots(T):
    a = T.rand(10, requires_grad=True)
    b = a.mul(2).div(3).sum()
    T.autograd.backward((b, b.clone()))


def _grad_with_inputs(T):
    a = T.rand(2, 3, requires_grad=True)
    w = T.rand(3, dtype=T.float64, requires_grad=True)
    x, y = (a * 2).unbind(0)
    out = (x.double() * w + y.double()).sum()
    return [g.shape for g in T.autograd.grad(out, (a,))]


def _unused_output_and_none_grads(T):
    a = T.rand(3, requires_grad=True)
    x, y = a.unbind(0)[:2]
    (x * 3).backward()
    return a.grad.tolist()


def _retain_graph_twice(T):
    a = T.ones(2, 2, dtype=T.float64, requires_grad=True)
    s = (a @ a).exp().sum()
    s.backward(retain_graph=True)
    s.backward()
    return a.grad.tolist()


def _create_graph(T):
    a = T.tensor([1.5, -0.5], requires_grad=True)
    g, = T.autograd.grad((a ** 3).sum(), a, create_graph=True)
    g.sum().backward()
    return a.grad.tolist()


def _leaf_root(T):
    a = T.ones(3, dtype=T.int64).float().requires_grad_()
    a.backward(T.ones(3))


@pytest.mark.parametrize("scenario", [_two_roots, _grad_with_inputs,
                                      _unused_output_and_none_grads, _retain_graph_twice,
                                      _create_graph, _leaf_root, _leaf_edge_root])
def test_autograd_debug_log_matches_torch(scenario):
    assert _logged(kindling, scenario) == _logged(torch, scenario)


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING])
def test_nothing_logged_above_debug(level):
    assert _logged(kindling, _two_roots, level) == _logged(torch, _two_roots, level) == (
        [], None)


def test_hooks_removed_after_backward():
    for T in (kindling, torch):
        def scenario(T):
            a = T.rand(3, requires_grad=True)
            b = a.exp()
            c = b.sum()
            c.backward(retain_graph=True)
            return [len(fn._forward_pre_hooks) if hasattr(fn, "_forward_pre_hooks") else
                    None for fn in (b.grad_fn, c.grad_fn)], c, a
        msgs, (_, c, a) = _logged(T, scenario)
        assert len(msgs) == 3
        # with the log quiet again, a second backward logs nothing
        assert _logged(T, lambda T: c.backward(), logging.INFO)[0] == []
