"""The Autograd fallback (ops registered without an autograd kernel) against PyTorch, in its
"nothing" and "warn" modes: for out-of-place, multi-output, list, in-place, out=, view and
pass-through kernels, with and without a graph inside the kernel, the outputs' requires_grad /
grad_fn / next_functions / version, the warnings in forward and backward, errors, and the
gradients; ``torch._C._set_autograd_fallback_mode``'s argument checks."""
import json
import warnings

import pytest

import kindling

torch = pytest.importorskip("torch")


def _name(fn):
    return None if fn is None else fn.name()


def _describe(T, t):
    if isinstance(t, T.Tensor):
        nxt = None if t.grad_fn is None else [(_name(f), i) for f, i in t.grad_fn.next_functions]
        return dict(requires_grad=t.requires_grad, is_leaf=t.is_leaf, grad_fn=_name(t.grad_fn),
                    next=nxt, version=t._version, dtype=str(t.dtype))
    if isinstance(t, (list, tuple)):
        return [_describe(T, x) for x in t]
    return repr(t)


def _text(w):
    """A warning's text without TORCH_WARN's "(Triggered internally at <file>)" suffix."""
    return str(w.message).split(" (Triggered internally")[0]


def _no_grad(T, f):
    def kernel(*args, **kwargs):
        with T.no_grad():
            return f(*args, **kwargs)
    return kernel


def _x(T, requires_grad=True):
    return T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=requires_grad)


# name: (schema, kernel(T) -> kernel, inputs(T) -> args, how the outputs are used)
CASES = {
    "no_graph": ("foo(Tensor x) -> Tensor", lambda T: _no_grad(T, lambda x: x * 2),
                 lambda T: (_x(T),), "sum0"),
    "graph": ("foo(Tensor x) -> Tensor", lambda T: lambda x: x * 2, lambda T: (_x(T),), "sum0"),
    "two_outputs_first": ("foo(Tensor x) -> (Tensor, Tensor)",
                          lambda T: _no_grad(T, lambda x: (x * 2, x * 3)), lambda T: (_x(T),),
                          "sum0"),
    "two_outputs_second": ("foo(Tensor x) -> (Tensor, Tensor)",
                           lambda T: _no_grad(T, lambda x: (x * 2, x * 3)), lambda T: (_x(T),),
                           "sum1"),
    "graph_and_detached_outputs": ("foo(Tensor x) -> (Tensor, Tensor)",
                                   lambda T: lambda x: (x * 2, (x * 3).detach()),
                                   lambda T: (_x(T),), "sum_all"),
    "one_input_requires_grad": ("foo(Tensor x, Tensor y) -> Tensor",
                                lambda T: _no_grad(T, lambda x, y: x * y),
                                lambda T: (_x(T), _x(T, False)), "sum0"),
    "both_inputs_graph": ("foo(Tensor x, Tensor y) -> Tensor", lambda T: lambda x, y: x * y,
                          lambda T: (_x(T), _x(T)), "sum0"),
    "tensor_list_input": ("foo(Tensor[] xs) -> Tensor",
                          lambda T: _no_grad(T, lambda xs: xs[0] + xs[1]),
                          lambda T: ([_x(T), _x(T, False)],), "sum0"),
    "tensor_list_output": ("foo(Tensor x) -> Tensor[]",
                           lambda T: _no_grad(T, lambda x: [x * 2, x * 3]), lambda T: (_x(T),),
                           "sum0"),
    "tensor_list_output_graph": ("foo(Tensor x) -> Tensor[]",
                                 lambda T: lambda x: [x * 2, x * 3], lambda T: (_x(T),), "sum0"),
    "inplace_no_graph": ("foo(Tensor(a!) x) -> Tensor(a!)",
                         lambda T: _no_grad(T, lambda x: x.mul_(2)),
                         lambda T: (_x(T).clone(),), "sum0"),
    "inplace_graph": ("foo(Tensor(a!) x) -> Tensor(a!)", lambda T: lambda x: x.mul_(2),
                      lambda T: (_x(T).clone(),), "sum0"),
    "inplace_returns_nothing": ("foo(Tensor(a!) x) -> ()",
                                lambda T: _no_grad(T, lambda x: (x.mul_(2), None)[1]),
                                lambda T: (_x(T).clone(),), "sum_arg0"),
    "out_argument": ("foo(Tensor x, *, Tensor(a!) out) -> Tensor(a!)",
                     lambda T: _no_grad(T, lambda x, out: out.copy_(x * 2)),
                     lambda T: (_x(T),), "out"),
    "view": ("foo(Tensor(a) x) -> Tensor(a)", lambda T: lambda x: x[1:], lambda T: (_x(T),),
             "sum0"),
    "view_no_graph": ("foo(Tensor(a) x) -> Tensor(a)", lambda T: _no_grad(T, lambda x: x[1:]),
                      lambda T: (_x(T),), "sum0"),
    "returns_its_input": ("foo(Tensor x) -> Tensor", lambda T: lambda x: x, lambda T: (_x(T),),
                          "sum0"),
    "integer_output": ("foo(Tensor x) -> Tensor", lambda T: _no_grad(T, lambda x: x.argmax()),
                       lambda T: (_x(T),), "none"),
    "optional_input_none": ("foo(Tensor x, Tensor? y) -> Tensor",
                            lambda T: _no_grad(T, lambda x, y: x * 2),
                            lambda T: (_x(T), None), "sum0"),
    "input_without_grad": ("foo(Tensor x) -> Tensor", lambda T: _no_grad(T, lambda x: x * 2),
                           lambda T: (_x(T, False),), "none"),
    "scalar_argument": ("foo(Tensor x, float s) -> Tensor",
                        lambda T: _no_grad(T, lambda x, s: x * s), lambda T: (_x(T), 2.5),
                        "sum0"),
    "no_tensor_arguments": ("foo(int n) -> Tensor", lambda T: lambda n: T.ones(n),
                            lambda T: (3,), "none"),
    "under_no_grad": ("foo(Tensor x) -> Tensor", lambda T: _no_grad(T, lambda x: x * 2),
                      lambda T: (_x(T),), "call_under_no_grad"),
    "autograd_grad": ("foo(Tensor x) -> Tensor", lambda T: _no_grad(T, lambda x: x * 2),
                      lambda T: (_x(T),), "autograd_grad"),
    "autograd_grad_graph": ("foo(Tensor x) -> Tensor", lambda T: lambda x: x * 2,
                            lambda T: (_x(T),), "autograd_grad"),
    "backward_twice": ("foo(Tensor x) -> Tensor", lambda T: _no_grad(T, lambda x: x * 2),
                       lambda T: (_x(T),), "twice"),
    "complex": ("foo(Tensor x) -> Tensor", lambda T: _no_grad(T, lambda x: x * 2),
                lambda T: (T.ones(2, dtype=T.complex128, requires_grad=True),), "abs"),
}


def _use(T, op, args, use, log):
    if use == "out":
        out = T.zeros(3, dtype=T.float64)
        r = op(args[0], out=out)
        log.append(("returns out", r is out))
    elif use == "call_under_no_grad":
        with T.no_grad():
            r = op(*args)
    else:
        r = op(*args)
    first = r[0] if isinstance(r, (list, tuple)) else r
    return r, {
        "sum0": lambda: first.sum().backward(),
        "sum1": lambda: r[1].sum().backward(),
        "sum_all": lambda: (r[0].sum() + r[1].sum()).backward(),
        "sum_arg0": lambda: args[0].sum().backward(),
        "out": lambda: r.sum().backward(),
        "autograd_grad": lambda: log.append(("grads", [
            None if g is None else g.tolist()
            for g in T.autograd.grad(r.sum(), args[0], allow_unused=True)])),
        "twice": lambda: (lambda s: (s.backward(retain_graph=True), s.backward()))(r.sum()),
        "abs": lambda: r.abs().sum().backward(),
        "none": lambda: None,
        "call_under_no_grad": lambda: None,
    }[use]


def _run(T, name, mode):
    schema, kernel, inputs, use = CASES[name]
    ns = "_kfallback_" + name
    lib = T.library.Library(ns, "FRAGMENT")
    prev = T._C._get_autograd_fallback_mode()
    log = []
    try:
        lib.define(schema)
        lib.impl("foo", kernel(T), "CPU")
        op = getattr(getattr(T.ops, ns), "foo").default
        T._C._set_autograd_fallback_mode(mode)
        args = inputs(T)
        try:
            with warnings.catch_warnings(record=True) as ws:
                warnings.simplefilter("always")
                r, backward = _use(T, op, args, use, log)
            log.append(("forward", _describe(T, r), [_text(w) for w in ws]))
            with warnings.catch_warnings(record=True) as ws:
                warnings.simplefilter("always")
                backward()
            log.append(("backward", [_text(w) for w in ws]))
        except Exception as e:  # noqa: BLE001 - the error is what is compared
            # (the dispatcher's table of registrations after "Available functions" is its own)
            log.append(("raised", type(e).__name__, str(e).split("  Available functions")[0]))
        leaves = [t for a in args for t in (a if isinstance(a, list) else [a])
                  if isinstance(t, T.Tensor) and t.is_leaf and t.requires_grad]
        log.append(("leaf grads", [None if t.grad is None else t.grad.tolist() for t in leaves]))
        log.append(("mode after", T._C._get_autograd_fallback_mode()))
    finally:
        T._C._set_autograd_fallback_mode(prev)
        lib._destroy()
    # (the namespaces' prefixes differ only by the library's name)
    return json.loads(json.dumps(log, default=str).replace("torch::autograd::", "::")
                      .replace("kindling::autograd::", "::"))


@pytest.mark.parametrize("mode", ["nothing", "warn"])
@pytest.mark.parametrize("name", list(CASES))
def test_fallback_matches_torch(name, mode):
    assert _run(kindling, name, mode) == _run(torch, name, mode)


def test_fallback_mode_node_names():
    """The fallback's nodes are named as PyTorch's (torch::autograd::...)."""
    for T in (kindling, torch):
        log = _run(T, "no_graph", "warn")
        assert log[0][1]["grad_fn"] == "::WarnNotImplemented"


@pytest.mark.parametrize("mode", ["error", "foo", "", "WARN", 1, None, b"nothing", ["warn"]])
def test_set_fallback_mode_arguments(mode):
    def run(T):
        prev = T._C._get_autograd_fallback_mode()
        try:
            T._C._set_autograd_fallback_mode(mode)
            return ("ok", T._C._get_autograd_fallback_mode())
        except Exception as e:  # noqa: BLE001 - the error is what is compared
            return (type(e).__name__, str(e), T._C._get_autograd_fallback_mode())
        finally:
            T._C._set_autograd_fallback_mode(prev)
    assert run(kindling) == run(torch)
