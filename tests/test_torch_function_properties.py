"""``__torch_function__`` on tensor properties and autograd entry points, compared with
PyTorch: a function mode or an overriding subclass sees ``Tensor.<name>.__get__`` /
``__set__`` for property reads and writes, the autograd methods, and ``autograd.grad`` /
``autograd.backward``; the default handler keeps ``.grad`` unwrapped."""
import warnings

import pytest

import kindling

torch = pytest.importorskip("torch")


def _overrides(T):
    return kindling.overrides if T is kindling else torch.overrides


def _label(T, func):
    """A comparable name for what a handler received."""
    owner = getattr(func, "__self__", None)
    name = getattr(func, "__name__", repr(func))
    if name in ("__get__", "__set__", "__delete__"):
        for cls in T.Tensor.__mro__:
            for k, v in vars(cls).items():
                if v is owner:
                    return f"{k}.{name}"
    return name


def _mode(T, log):
    class Log(_overrides(T).TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            log.append(_label(T, func))
            return func(*args, **(kwargs or {}))
    return Log()


def _props_scenario(T):
    x = T.ones(2, 2, requires_grad=True)
    log = []
    with _mode(T, log):
        x.requires_grad, x.is_leaf, x.grad_fn, x.data, x.T, x.mT, x._version, x.output_nr
        x.retains_grad, x.shape, x.device, x.ndim, x.layout, x.is_cpu, x.is_cuda, x.is_meta
        x.itemsize, x.nbytes, x.grad
        x.grad = None
        x.requires_grad = True
        x.data = T.zeros(2, 2)
        x.requires_grad_()
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: None)
        x.register_post_accumulate_grad_hook(lambda t: None)
        y.sum().backward()
        x.grad
        T.autograd.grad((x * 3).sum(), x)
        T.autograd.grad((x * 3).sum(), [x])
        T.autograd.backward([(x * 3).sum()])
        x.detach().detach_()
    return log


def test_mode_sees_property_accesses_and_autograd_calls_as_pytorch():
    k, t = _props_scenario(kindling), _props_scenario(torch)
    # kindling's methods are not on a C base class: compare names, not qualnames
    assert k == t


class _SubK(kindling.Tensor):
    log = []

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        cls.log.append(_label(kindling, func))
        return super().__torch_function__(func, types, args, kwargs or {})


class _SubT(torch.Tensor):
    log = []

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        cls.log.append(_label(torch, func))
        return super().__torch_function__(func, types, args, kwargs or {})


def _subclass_scenario(T, S):
    S.log.clear()
    s = T.ones(3).as_subclass(S).requires_grad_()
    (s * 2).sum().backward()
    out = {
        "grad": type(s.grad).__name__, "data": type(s.data).__name__,
        "T": type(T.ones(2, 2).as_subclass(S).T).__name__,
        "mT": type(T.ones(2, 2).as_subclass(S).mT).__name__,
        "shape": tuple(s.shape), "requires_grad": s.requires_grad, "is_leaf": s.is_leaf,
    }
    s.grad = None
    s.requires_grad = True
    return out, list(S.log)


def test_subclass_handler_sees_properties_and_grad_stays_unwrapped():
    (ko, klog), (to, tlog) = (_subclass_scenario(kindling, _SubK),
                              _subclass_scenario(torch, _SubT))
    to = {k: (v.replace("_SubT", "_SubK") if isinstance(v, str) else v) for k, v in to.items()}
    assert ko == to
    assert ko["grad"] == "Tensor" and ko["data"] == "_SubK"
    assert klog == tlog


def test_no_handler_inside_own_handler():
    # the default handler disables subclass handling while it runs: one entry per access
    _SubK.log.clear()
    s = kindling.ones(2).as_subclass(_SubK).requires_grad_()
    _SubK.log.clear()
    s.grad_fn
    assert _SubK.log == ["grad_fn.__get__"]


@pytest.mark.parametrize("as_dict", [False, True])
def test_grad_and_backward_take_dict_inputs(as_dict):
    def run(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = T.tensor([3.0, 4.0], requires_grad=True)
        loss = (a * b).sum()
        inputs = {"a": a, "b": b} if as_dict else [a, b]
        g = T.autograd.grad(loss, inputs, retain_graph=True)
        T.autograd.backward(loss, inputs={"b": b} if as_dict else [b])
        if as_dict:
            g = {k: v.tolist() for k, v in g.items()}
        else:
            g = [v.tolist() for v in g]
        return g, b.grad.tolist(), a.grad
    k, t = run(kindling), run(torch)
    assert k == t


@pytest.mark.parametrize("call", ["grad", "backward", "grad_mapping", "materialize_edge"])
def test_grad_and_backward_input_errors_match(call):
    from collections import UserDict

    def run(T):
        a = T.tensor([1.0], requires_grad=True)
        loss = (a * 2).sum()
        try:
            if call == "grad":
                T.autograd.grad(loss, [])
            elif call == "backward":
                T.autograd.backward(loss, inputs=[])
            elif call == "grad_mapping":
                T.autograd.grad(loss, UserDict(a=a))
            else:
                b = T.tensor([1.0], requires_grad=True)
                edge = T.autograd.graph.get_gradient_edge(b)
                T.autograd.grad(loss, [edge], materialize_grads=True)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
        return None
    assert run(kindling) == run(torch) is not None


def test_materialize_grads_under_create_graph_require_grad():
    def run(T):
        a = T.tensor([1.0], requires_grad=True)
        b = T.tensor([1.0], requires_grad=True)
        g = T.autograd.grad((a * 2).sum(), [a, b], create_graph=True, materialize_grads=True)
        return [(x.tolist(), x.requires_grad) for x in g]
    assert run(kindling) == run(torch)


def _t_warnings(T, dims):
    out = []
    for n in dims:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            T.ones((2,) * n).T
        out.append([str(x.message).split(" (Triggered internally")[0] for x in w])
    return out


def test_T_warns_once_per_kind_as_pytorch():
    # PyTorch warns once per process; run in a fresh one for each so the state is clean
    import subprocess
    import sys
    code = ("import warnings, {m} as T\n"
            "out = []\n"
            "for n in (3, 1, 0, 0, 2):\n"
            "    with warnings.catch_warnings(record=True) as w:\n"
            "        warnings.simplefilter('always')\n"
            "        T.ones((2,) * n).T\n"
            "    out.append([str(x.message).split(' (Triggered internally')[0] for x in w])\n"
            "print(out)\n")
    res = [subprocess.run([sys.executable, "-c", code.format(m=m)], capture_output=True,
                          text=True, check=True).stdout for m in ("kindling", "torch")]
    assert res[0] == res[1]
    assert "0-D" in res[0]


def test_T_warning_points_at_user_code():
    kindling._aten._util._warned.clear()  # (the once-per-process warnings given so far)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        kindling.ones(3).T  # this line
    assert w and w[0].filename == __file__
