"""Smaller pieces of PyTorch's autograd API surface, each against PyTorch: ``torch.utils.hooks``
(``RemovableHandle``, ``BackwardHook``, ``unserializable_hook``, ``warn_if_has_hooks``),
``torch.autograd.graph``'s private helpers code imports (``_get_grad_fn_or_grad_acc``,
``_register_logging_hooks_on_whole_graph``, ``_engine_run_backward``), names reached through
``torch.autograd``, and the alias annotation of ``Tensor(a!)[]`` arguments that
``allow_mutation_on_saved_tensors`` relies on for the in-place ``_foreach_*`` ops."""
import logging
import pickle
import re
import warnings

import pytest

import kindling
from test_autograd_logging import _Collect

torch = pytest.importorskip("torch")

LIBS = [kindling, torch]


# ---- torch.utils.hooks ---------------------------------------------------------------------
def _fmt(gs):
    return tuple(None if g is None else g.tolist() for g in gs)


def _backward_hook_run(T, *, inputs_require_grad=True, pre_returns=None, hook_returns=None):
    from importlib import import_module
    BackwardHook = import_module(T.__name__ + ".utils.hooks").BackwardHook
    calls = []

    def pre(m, go):
        calls.append(("pre", m, _fmt(go)))
        return pre_returns(go) if pre_returns else None

    def hook(m, gi, go):
        calls.append(("hook", m, _fmt(gi), _fmt(go)))
        return hook_returns(gi) if hook_returns else None

    module = "the module"
    bh = BackwardHook(module, [hook], [pre])
    x = T.tensor([1., 2.], requires_grad=inputs_require_grad)
    w = T.tensor([3., 4.], requires_grad=inputs_require_grad)
    args = bh.setup_input_hook((x, 5, w))
    names = [a.grad_fn.name() if isinstance(a, T.Tensor) and a.grad_fn else None for a in args]
    p = T.tensor([2., 2.], requires_grad=True)
    out = (args[0] * args[2] + args[1]) * p
    out2 = out * 3
    outs = bh.setup_output_hook((out, 7, out2))
    with warnings.catch_warnings(record=True) as w_:
        warnings.simplefilter("always")
        (outs[0].sum() + outs[2].sum()).backward()
    return (calls, names, [str(m.message)[:60] for m in w_],
            None if x.grad is None else x.grad.tolist(),
            None if w.grad is None else w.grad.tolist(), p.grad.tolist())


@pytest.mark.parametrize("case", [
    {},
    {"pre_returns": lambda go: (go[0] * 2, None, go[2])},
    {"hook_returns": lambda gi: (gi[0] * 10, None, gi[2])},
    {"inputs_require_grad": False},
])
def test_backward_hook_matches_pytorch(case):
    assert _backward_hook_run(kindling, **case) == _backward_hook_run(torch, **case)


def test_backward_hook_wrong_counts_raise_as_pytorch():
    def outcome(T, **kw):
        try:
            _backward_hook_run(T, **kw)
        except RuntimeError as e:
            return str(e)
        return None
    for kw in ({"pre_returns": lambda go: (go[0],)}, {"hook_returns": lambda gi: (gi[0],)}):
        k, t = outcome(kindling, **kw), outcome(torch, **kw)
        assert t is not None and k == t


def test_removable_handle_dicts_and_pickling():
    for T in LIBS:
        from importlib import import_module
        H = import_module(T.__name__ + ".utils.hooks").RemovableHandle
        from collections import OrderedDict
        d, e1, e2 = OrderedDict(), OrderedDict(), OrderedDict()
        h = H(d, extra_dict=[e1, e2])
        d[h.id] = e1[h.id] = e2[h.id] = "f"
        h2 = pickle.loads(pickle.dumps((d, e1, h)))[2]
        assert h2.id == h.id and H.next_id > h.id
        with h:
            pass
        assert (len(d), len(e1), len(e2)) == (0, 0, 0), T
        h3 = H(d, extra_dict=e1)
        d[h3.id] = e1[h3.id] = 1
        h3.remove()
        assert (dict(d), dict(e1)) == ({}, {})


def test_unserializable_hook_and_warn_if_has_hooks():
    def warned(T):
        from importlib import import_module
        hooks = import_module(T.__name__ + ".utils.hooks")
        a = T.ones(2, requires_grad=True)

        def plain(g):
            return g
        a.register_hook(plain)
        a.register_hook(hooks.unserializable_hook(lambda g: g))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            hooks.warn_if_has_hooks(a)
        return [re.sub(r" at 0x[0-9a-f]+", "", str(m.message)) for m in w]
    assert warned(kindling) == warned(torch)
    assert len(warned(torch)) == 1


# ---- torch.autograd.graph's private helpers --------------------------------------------------
def test_get_grad_fn_or_grad_acc():
    for T in LIBS:
        a = T.ones(2, requires_grad=True)
        b = a * 2
        g = T.autograd.graph
        assert g._get_grad_fn_or_grad_acc(b) is b.grad_fn
        acc = g._get_grad_fn_or_grad_acc(a)
        assert type(acc).__name__ == "AccumulateGrad" and acc.variable is a
        assert b.grad_fn.next_functions[0][0] is acc  # (the same accumulator while alive)
        edge = g.get_gradient_edge(b)
        assert g._get_grad_fn_or_grad_acc(edge) is b.grad_fn
        with pytest.raises(AssertionError, match="Expected gradient function to be set"):
            g._get_grad_fn_or_grad_acc(T.ones(2))


def _whole_graph_log(T):
    log = logging.getLogger(T.__name__ + ".autograd")
    handler, prev = _Collect(), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    child = logging.getLogger(T.__name__ + ".autograd.graph")
    prev_child = child.level
    child.setLevel(logging.DEBUG)
    try:
        a = T.ones(3, requires_grad=True)
        w = T.ones(3, dtype=T.float64, requires_grad=True)
        out = ((a * 2).double() * w).sum()
        remove = T.autograd.graph._register_logging_hooks_on_whole_graph([out, a])
        out.backward(retain_graph=True)
        remove()
        out.backward()  # (nothing logged once removed)
    finally:
        log.removeHandler(handler)
        log.setLevel(prev)
        child.setLevel(prev_child)
    return handler.messages


def test_register_logging_hooks_on_whole_graph():
    k = _whole_graph_log(kindling)
    assert k == _whole_graph_log(torch)
    # (the child logger at DEBUG turns the engine's own per-backward logging on too: each of
    # the 6 nodes logs twice in the first backward, once in the second)
    assert len(k) == 18


def test_engine_run_backward_and_module_names():
    for T in LIBS:
        a = T.ones(2, requires_grad=True)
        out = (a * 3).sum()
        T.autograd.graph._engine_run_backward((out,), (T.tensor(1.),), False, False, (),
                                              False, True)
        assert a.grad.tolist() == [3., 3.]
        assert T.autograd.torch is T
        assert T.autograd.graph.Variable is T.autograd.Variable
        assert T.autograd.has_torch_function((a,)) is False
        assert T.autograd.is_tensor_like(a)


# ---- Tensor(a!)[] arguments and allow_mutation_on_saved_tensors ------------------------------
@pytest.mark.parametrize("name", ["_foreach_add_.Scalar", "_foreach_add.List_out",
                                  "unbind.int", "split.Tensor",
                                  "add_.Tensor", "chunk.default"])
def test_list_argument_alias_info(name):
    def info(T):
        op, ov = name.split(".")
        s = getattr(getattr(T.ops.aten, op), ov)._schema
        return str(s), [None if a.alias_info is None else
                        (a.alias_info.is_write, a.alias_info.before_set, a.alias_info.after_set)
                        for a in list(s.arguments) + list(s.returns)]
    assert info(kindling) == info(torch)


def test_allow_mutation_on_saved_tensors_with_inplace_foreach():
    def run(T):
        with T.autograd.graph.allow_mutation_on_saved_tensors() as ctx:
            a = [T.tensor(1.0, requires_grad=True), T.tensor(2.0, requires_grad=True)]
            b = T._foreach_exp(a)
            T._foreach_add_(b, 1)
            n_cloned = len(ctx.cloned)
            (b[0] + b[1]).backward()
        return n_cloned, [x.grad.item() for x in a], [x.item() for x in b]
    k, t = run(kindling), run(torch)
    assert k[0] == t[0] == 2
    assert k[1] == pytest.approx(t[1]) and k[2] == pytest.approx(t[2])
