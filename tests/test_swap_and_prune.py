"""``torch.utils.swap_tensors``, ``torch.__future__``'s module-conversion flags (``Module._apply``
and ``load_state_dict`` swapping or overwriting parameters) and ``torch.nn.utils.prune``,
compared with PyTorch: each scenario runs once per library from the same seed and the
results (values, types, identities, state-dict keys, errors) must agree."""
import weakref

import numpy as np
import pytest

import kindling
import kindling.nn.utils.prune  # noqa: F401

torch = pytest.importorskip("torch")
import torch.nn.utils.prune  # noqa: E402,F401


def run(scenario):
    """``scenario(lib)`` for kindling and torch, each after ``manual_seed(0)``; the
    ``__future__`` flags are reset afterwards."""
    out = []
    for lib in (kindling, torch):
        lib.manual_seed(0)
        try:
            out.append(scenario(lib))
        finally:
            lib.__future__.set_swap_module_params_on_conversion(False)
            lib.__future__.set_overwrite_module_params_on_conversion(False)
    return out


def same(k, t):
    """Equal nested results: tensors by value/dtype/shape/type name, the rest by ==."""
    if isinstance(k, (list, tuple)):
        assert isinstance(t, (list, tuple)) and len(k) == len(t), (k, t)
        for a, b in zip(k, t):
            same(a, b)
    elif isinstance(k, kindling.Tensor):
        assert isinstance(t, torch.Tensor), (k, t)
        assert type(k).__name__ == type(t).__name__
        assert str(k.dtype) == str(t.dtype) and tuple(k.shape) == tuple(t.shape)
        np.testing.assert_allclose(k.detach().numpy(), t.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    else:
        assert k == t, (k, t)


def raises(lib_fn):
    """``(type name, message)`` of what ``lib_fn`` raises, and of its cause."""
    try:
        lib_fn()
    except Exception as e:  # noqa: BLE001
        cause = e.__cause__
        # (class reprs name the library's module)
        return (type(e).__name__, str(e).replace("kindling.", "torch."),
                None if cause is None else (type(cause).__name__, str(cause)))
    return None


# ---- swap_tensors ---------------------------------------------------------------------------

def test_swap_tensors_contents_types_and_dict():
    def scenario(lib):
        a = lib.randn(2, 3)
        b = lib.nn.Parameter(lib.arange(4.0, dtype=lib.float64))
        a.note = "from a"
        ia, ib = id(a), id(b)
        lib.utils.swap_tensors(a, b)
        return [id(a) == ia, id(b) == ib, a, b, type(a).__name__, type(b).__name__,
                a.requires_grad, b.requires_grad, getattr(b, "note", None),
                hasattr(a, "note"), a.is_leaf]
    same(*run(scenario))


def test_swap_tensors_carries_autograd_state():
    def scenario(lib):
        x = lib.randn(3, requires_grad=True)
        y = lib.randn(3, requires_grad=True)
        a, b = x * 2, y * 3
        lib.utils.swap_tensors(a, b)
        names = [type(a.grad_fn).__name__, type(b.grad_fn).__name__]
        a.sum().backward()
        return [names, x.grad, y.grad, a, b]
    same(*run(scenario))


def test_swap_tensors_errors():
    class Slotted:
        pass

    def scenario(lib):
        slotted = type("Slotted", (lib.Tensor,), {"__slots__": ["extra"]})
        out = []
        a, b = lib.randn(2), lib.randn(2)
        ref = weakref.ref(a)
        out.append(raises(lambda: lib.utils.swap_tensors(a, b)))
        out.append(raises(lambda: lib.utils.swap_tensors(b, a)))
        del ref
        s = lib.randn(2).as_subclass(slotted)
        out.append(raises(lambda: lib.utils.swap_tensors(s, b)))
        return out
    k, t = run(scenario)
    assert k == t and all(k)


def test_swap_poisons_a_used_gradient_accumulator():
    def scenario(lib):
        p = lib.nn.Parameter(lib.randn(3))
        loss = (p * 2).sum()
        lib.utils.swap_tensors(p, lib.nn.Parameter(lib.randn(3)))
        return raises(loss.backward)
    k, t = run(scenario)
    assert k == t and k is not None


# ---- torch.__future__ and Module._apply / load_state_dict -----------------------------------

def test_future_flags_default_and_set():
    def scenario(lib):
        f = lib.__future__
        out = [f.get_swap_module_params_on_conversion(),
               f.get_overwrite_module_params_on_conversion()]
        f.set_swap_module_params_on_conversion(True)
        f.set_overwrite_module_params_on_conversion(True)
        return out + [f.get_swap_module_params_on_conversion(),
                      f.get_overwrite_module_params_on_conversion()]
    same(*run(scenario))


@pytest.mark.parametrize("flag", ["none", "swap", "overwrite"])
def test_module_to_with_flags(flag):
    def scenario(lib):
        if flag == "swap":
            lib.__future__.set_swap_module_params_on_conversion(True)
        elif flag == "overwrite":
            lib.__future__.set_overwrite_module_params_on_conversion(True)
        m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))
        m[0](lib.randn(4, 3)).pow(2).sum().backward()
        w, g = m[0].weight, m[0].weight.grad
        m.to(lib.float64)
        return [m[0].weight is w, m[0].weight.grad is g, type(m[0].weight).__name__,
                m[0].weight, m[0].weight.grad, m[1].running_mean, w.dtype == lib.float64,
                m[0].weight.requires_grad, m(lib.randn(2, 3, dtype=lib.float64))]
    same(*run(scenario))


def test_swap_conversion_errors_and_backward_after_conversion():
    def scenario(lib):
        lib.__future__.set_swap_module_params_on_conversion(True)
        m = lib.nn.Linear(3, 2)
        ref = weakref.ref(m.weight)
        err = raises(lambda: m.double())
        del ref
        loss = m(lib.randn(1, 3)).sum()
        m.double()
        return [err, raises(loss.backward)]
    k, t = run(scenario)
    assert k == t and all(k)


@pytest.mark.parametrize("assign", [False, True])
def test_load_state_dict_with_swap(assign):
    def scenario(lib):
        lib.__future__.set_swap_module_params_on_conversion(True)
        m = lib.nn.Linear(3, 2)
        w = m.weight
        src = lib.nn.Linear(3, 2).double().state_dict()
        m.load_state_dict(src, assign=assign)
        bad = raises(lambda: m.load_state_dict({"weight": lib.zeros(2, 3), "bias": "no"}))
        return [m.weight is w, type(w).__name__, w.requires_grad, m.weight, m.bias, bad]
    same(*run(scenario))


# ---- prune ----------------------------------------------------------------------------------

def test_prune_methods_masks_weights_and_keys():
    def scenario(lib):
        p = lib.nn.utils.prune
        m = lib.nn.Sequential(lib.nn.Linear(6, 5), lib.nn.Conv2d(3, 4, 3))
        p.random_unstructured(m[0], "weight", amount=0.3)
        p.l1_unstructured(m[0], "weight", amount=3)
        p.random_structured(m[1], "weight", amount=0.5, dim=0)
        p.ln_structured(m[1], "weight", amount=1, n=2, dim=1)
        p.ln_structured(m[1], "weight", amount=0.34, n=float("inf"), dim=-1)
        hooks = [type(h).__name__ for h in m[1]._forward_pre_hooks.values()]
        kinds = [type(x).__name__ for x in next(iter(m[1]._forward_pre_hooks.values()))]
        out = [list(m.state_dict()), m[0].weight_mask, m[0].weight, m[1].weight_mask,
               m[1].weight, hooks, kinds, p.is_pruned(m), p.is_pruned(lib.nn.Linear(2, 2)),
               [n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()]]
        with lib.no_grad():
            m[0].weight_orig.add_(1.0)
        x = lib.randn(2, 6)
        out.append(m[0](x))  # (the pre-hook recomputes weight from weight_orig)
        p.remove(m[0], "weight")
        out += [list(m.state_dict()), type(m[0].weight).__name__, m[0].weight,
                m[0]._forward_pre_hooks == {} or len(m[0]._forward_pre_hooks)]
        return out
    same(*run(scenario))


def test_prune_importance_scores_custom_mask_identity_and_prune_method():
    def scenario(lib):
        p = lib.nn.utils.prune
        a, b = lib.nn.Linear(4, 3), lib.nn.Conv1d(2, 3, 2)
        scores = lib.randn(3, 4)
        p.l1_unstructured(a, "weight", amount=0.5, importance_scores=scores)
        p.custom_from_mask(a, "bias", mask=lib.tensor([1, 0, 1]))
        p.identity(b, "bias")
        p.ln_structured(b, "weight", amount=2, n=1, dim=0, importance_scores=lib.randn(3, 2, 2))
        t = lib.randn(5, 4)
        return [a.weight_mask, a.weight, a.bias_mask, a.bias, b.bias_mask, b.weight_mask,
                p.L1Unstructured(amount=0.25).prune(t),
                p.RandomStructured(amount=2, dim=1).prune(t),
                p.LnStructured(amount=1, n=2, dim=0).prune(t, importance_scores=t.abs()),
                list(a.state_dict()), list(b.state_dict())]
    same(*run(scenario))


def test_global_unstructured():
    def scenario(lib):
        p = lib.nn.utils.prune
        m = lib.nn.Sequential(lib.nn.Linear(5, 4), lib.nn.Linear(4, 3))
        p.l1_unstructured(m[1], "weight", amount=2)
        params = [(m[0], "weight"), (m[1], "weight"), (m[1], "bias")]
        p.global_unstructured(params, pruning_method=p.L1Unstructured, amount=0.5)
        p.global_unstructured(params[:2], pruning_method=p.RandomUnstructured, amount=3,
                              importance_scores={(m[0], "weight"): lib.randn(4, 5)})
        return [m[0].weight_mask, m[1].weight_mask, m[1].bias_mask, m[0].weight, m[1].bias,
                list(m.state_dict()),
                [(h._tensor_name, type(h).__name__, len(h) if hasattr(h, "__len__") else 0)
                 for h in m[1]._forward_pre_hooks.values()]]
    same(*run(scenario))


@pytest.mark.parametrize("case", range(9))
def test_prune_errors(case):
    def scenario(lib):
        p = lib.nn.utils.prune
        m = lib.nn.Linear(3, 2)
        calls = [
            lambda: p.l1_unstructured(m, "weight", amount=1.5),
            lambda: p.l1_unstructured(m, "weight", amount=-1),
            lambda: p.l1_unstructured(m, "weight", amount="a"),
            lambda: p.l1_unstructured(m, "weight", amount=7),
            lambda: p.random_structured(m, "bias", amount=1, dim=0),
            lambda: p.ln_structured(m, "weight", amount=1, n=2, dim=2),
            lambda: p.remove(m, "weight"),
            lambda: p.global_unstructured([(m, "weight")], p.RandomStructured, amount=1),
            lambda: p.global_unstructured(3, p.L1Unstructured, amount=1),
        ]
        err = raises(calls[case])
        return [err, [n for n, _ in m.named_parameters()], list(m.state_dict())]
    k, t = run(scenario)
    assert k[0] is not None
    assert k[0][:2] == t[0][:2]
    assert k[1:] == t[1:]


@pytest.mark.parametrize("which", ["leaf", "nonleaf", "unsaved_nonleaf"])
def test_swap_use_count_of_tensors_saved_for_backward(which):
    def scenario(lib):
        p = lib.nn.Parameter(lib.ones(2))
        x = lib.full((2,), 3.0, requires_grad=True)
        t = x if which == "leaf" else x * 2
        loss = (p * t).sum() if which != "unsaved_nonleaf" else (p + t).sum()
        err = raises(lambda: lib.utils.swap_tensors(t, lib.full((2,), 5.0)))
        after = raises(loss.backward)
        return [err, after, p.grad, t]
    same(*run(scenario))
