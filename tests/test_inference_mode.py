"""Inference mode and inference tensors (c10::InferenceMode, RFC pytorch/rfcs#17), kindling
beside PyTorch: flags, values, exception types and messages.

Each scenario runs with both modules and records what it observes; the two records must be
equal, and a few key observations are also checked outright (so that two equal wrong answers
fail too).
"""
import numpy as np
import pytest

import kindling
from kindling._dispatcher import tls

torch = pytest.importorskip("torch")

SAVE_ERR = ("Inference tensors cannot be saved for backward. Please do not use Tensors created "
            "in inference mode in computation tracked by autograd.")
INPLACE_ERR = "Inplace update to inference tensor outside InferenceMode is not allowed."
REQ_ERR = "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
VERSION_ERR = "Inference tensors do not track version counter."
VIEW_ERR = ("A view was created in inference mode and is being modified inplace in normal "
            "mode. Given that this use case is ambiguous and error-prone, it is forbidden. You "
            "can clarify your code by moving both the view and the inplace either both inside "
            "the inference_mode block (if you don't want the inplace to be tracked) or both "
            "outside (if you want the inplace to be tracked).")


def outcome(fn):
    """``("ok", value)`` or ``(exception type name, message)``; tensors become lists (rounded:
    NumPy and PyTorch may differ in the last bit of a transcendental function)."""
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - the type and text are what is compared
        return (type(e).__name__, str(e))
    return ("ok", plain(r))


def plain(r):
    if isinstance(r, (kindling.Tensor, torch.Tensor)):
        return ("tensor", np.round(np.asarray(r.detach().numpy()), 5).tolist())
    if isinstance(r, (tuple, list)):
        return tuple(plain(x) for x in r)
    return r


def both(scenario):
    """Run ``scenario(T, rec)`` with kindling and torch; return their records, checked equal."""
    records = []
    for T in (kindling, torch):
        rec = []
        scenario(T, lambda label, fn: rec.append((label, outcome(fn))))
        records.append(rec)
    k, t = records
    for a, b in zip(k, t):
        assert a == b, f"kindling {a} != torch {b}"
    assert len(k) == len(t)
    return dict(k)


def test_tensors_made_in_inference_mode_are_inference_tensors():
    def scenario(T, rec):
        b = T.ones(3, requires_grad=True)
        with T.inference_mode():
            rec("modes", lambda: (T.is_grad_enabled(), T.is_inference_mode_enabled()))
            made = {"ones": T.ones(3), "zeros": T.zeros(2, 2), "empty": T.empty(2),
                    "arange": T.arange(3), "tensor": T.tensor([1.0, 2.0]),
                    "from_numpy": T.from_numpy(np.ones(2)), "full": T.full((2,), 3.0),
                    "ones_like": T.ones_like(T.ones(2)), "rg": T.ones(2, requires_grad=True)}
            made["op on normal"] = b * 2
            made["clone of normal"] = b.clone()
            made["reduction"] = b.sum()
            for name, t in made.items():
                rec(name, lambda t=t: (t.is_inference(), T.is_inference(t), t.requires_grad,
                                       t.grad_fn is None))
        rec("modes after", lambda: (T.is_grad_enabled(), T.is_inference_mode_enabled()))
        rec("normal", lambda: (T.ones(2).is_inference(), b.is_inference()))
        rec("op outside", lambda: ((made["ones"] * 2).is_inference(),
                                   made["ones"].clone().is_inference()))
        rec("not a tensor", lambda: T.is_inference(3))
        rec("keys", lambda: (str(T._C._dispatch_keys(made["ones"])),
                             str(T._C._dispatch_keys(b))))
    r = both(scenario)
    assert r["ones"] == ("ok", (True, True, False, True))
    assert r["rg"] == ("ok", (True, True, True, True))
    assert r["normal"] == ("ok", (False, False))
    assert r["not a tensor"][0] == "TypeError"
    assert "Autograd" not in r["keys"][1][0] and "AutogradCPU" in r["keys"][1][1]


def test_inference_tensors_cannot_be_saved_for_backward():
    class SaveInput:
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y, g * x

    class SaveOutput:
        @staticmethod
        def forward(ctx, x, y):
            out = x + y
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g, g

    def scenario(T, rec):
        fns = {name: type(name, (T.autograd.Function,), dict(vars(cls)))
               for name, cls in (("SaveInput", SaveInput), ("SaveOutput", SaveOutput))}
        with T.inference_mode():
            a = T.ones(3) * 2
        b = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        rec("a*b", lambda: a * b)
        rec("mul(b, a)", lambda: T.mul(b, a))
        rec("a.exp()*b", lambda: a.exp() * b)
        rec("a.view(3)*b", lambda: a.view(3) * b)
        rec("a.detach()*b", lambda: a.detach() * b)

        def add_then_backward():  # add saves nothing: allowed
            (b.exp() + a).sum().backward()
            return b.grad
        rec("add", add_then_backward)
        rec("clone*b", lambda: (a.clone() * b).requires_grad)
        rec("no_grad", lambda: (T.set_grad_enabled(False), (a * b).requires_grad)[1])
        T.set_grad_enabled(True)
        rec("function saves input", lambda: fns["SaveInput"].apply(a, b))
        rec("function saves output", lambda: fns["SaveOutput"].apply(a, b).is_inference())
        rec("function, nothing requires grad", lambda: fns["SaveInput"].apply(a, a))
        with T.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            rec("with hooks", lambda: a * b)
        with T.inference_mode():
            rec("in mode", lambda: ((a * b).requires_grad, fns["SaveInput"].apply(a, b)))
    r = both(scenario)
    assert r["a*b"][0] == "RuntimeError" and r["a*b"][1].startswith(SAVE_ERR)
    assert r["function saves input"][1].startswith(SAVE_ERR)
    assert r["with hooks"][1].startswith(SAVE_ERR)
    assert r["add"][0] == "ok" and r["function saves output"] == ("ok", False)


def test_inplace_on_inference_tensor_outside_inference_mode():
    def scenario(T, rec):
        with T.inference_mode():
            a = T.ones(3)
            rec("in mode", lambda: (a.add_(1), a[0].fill_(5), a))
        b = T.ones(3, requires_grad=True)
        c = T.ones(3)
        rec("add_", lambda: a.add_(1))
        rec("value after add_", lambda: a)  # (PyTorch checks after the kernel ran)
        rec("setitem", lambda: a.__setitem__(0, 9.0))
        rec("zero_", lambda: a.zero_())
        rec("copy_", lambda: a.copy_(c))
        rec("view add_", lambda: a[1:].add_(1))
        rec("mul_ by grad", lambda: a.mul_(b))
        rec("out=", lambda: T.add(c, 1, out=a))
        rec("normal.add_(inference)", lambda: (c.add_(a).is_inference(), c._version))
        rec("value", lambda: a)
        with T.inference_mode():
            rec("in mode again", lambda: (a.mul_(2), a.mul_(b), a))
    r = both(scenario)
    assert r["add_"] == ("RuntimeError", INPLACE_ERR + "You can make a clone to get a normal "
                         "tensor before doing inplace update.See "
                         "https://github.com/pytorch/rfcs/pull/17 for more details.")
    for k in ("setitem", "zero_", "copy_", "view add_", "mul_ by grad", "out="):
        assert r[k][1].startswith(INPLACE_ERR), k


def test_requires_grad_on_inference_tensors():
    def scenario(T, rec):
        with T.inference_mode():
            a = T.ones(3)
            i = T.arange(3)
            r = T.ones(3, requires_grad=True)
            w = T.ones(2)
            rec("requires_grad_ in mode", lambda: (w.requires_grad_().requires_grad,
                                                   w.is_inference()))
        rec("requires_grad_()", lambda: a.requires_grad_())
        rec("requires_grad = True", lambda: setattr(a, "requires_grad", True))
        rec("requires_grad_(False)", lambda: a.requires_grad_(False).requires_grad)
        rec("int dtype", lambda: i.requires_grad_())
        rec("made with requires_grad", lambda: (r.requires_grad, r.is_leaf, r.is_inference()))
        rec("its op", lambda: r.exp().requires_grad)
        rec("back off", lambda: r.requires_grad_(False).requires_grad)
    r = both(scenario)
    assert r["requires_grad_()"] == ("RuntimeError", REQ_ERR)
    assert r["requires_grad = True"] == ("RuntimeError", REQ_ERR)
    assert r["requires_grad_ in mode"] == ("ok", (True, True))


def test_version_counters():
    def scenario(T, rec):
        with T.inference_mode():
            a = T.ones(3)
            rec("_version in mode", lambda: a._version)
            n0 = T.zeros(3)
        n = T.zeros(3)
        with T.inference_mode():
            n.add_(1)               # a normal tensor still counts its versions
            nv = n[0:2]
            nv.add_(1)
            rec("normal in mode", lambda: (n._version, nv._version, nv.is_inference()))
        rec("_version", lambda: a._version)
        rec("view _version", lambda: a[0:2]._version)
        rec("data", lambda: (a.data.is_inference(), a.data._version))
        d = a.detach()
        rec("detach", lambda: (d.is_inference(), d._version, d.add_(1), d._version))
        rec("detach of normal made in mode", lambda: n0.detach()._version)
        # the checks on normal tensors still work, also across inference mode
        b = T.tensor([1.0, 2.0], requires_grad=True)
        y = b.exp()
        z = y * y
        with T.inference_mode():
            y.add_(1)
        rec("saved normal tensor modified in inference mode", lambda: z.sum().backward())
        rec("versions", lambda: (y._version, b._version))
    r = both(scenario)
    assert r["_version"] == ("RuntimeError", VERSION_ERR)
    assert r["_version in mode"] == ("RuntimeError", VERSION_ERR)
    assert r["normal in mode"] == ("ok", (2, 2, False))
    assert "modified by an inplace operation" in \
        r["saved normal tensor modified in inference mode"][1]


def test_views():
    def scenario(T, rec):
        b = T.ones(4, requires_grad=True)
        b2 = T.ones(4, requires_grad=True).clone()
        n = T.ones(4)
        with T.inference_mode():
            a = T.ones(4)
            av = a[1:]
            v = b.view(4)
            v2 = b[1:]
            u = b2[:2]
            nv = n[1:]
            s = b.unbind()
            rec("view of normal in mode", lambda: (
                v.is_inference(), v._is_view(), v._base is b, v.requires_grad, v.grad_fn,
                v.is_leaf, v._version))
        rec("view of inference", lambda: (av.is_inference(), av._is_view(), av._base is None,
                                          a.view(2, 2).is_inference()))
        rec("outside", lambda: (v.requires_grad, v.grad_fn, v.is_leaf, v.is_inference()))
        rec("v.mul_", lambda: v.mul_(2))
        rec("u.mul_ (base is no leaf)", lambda: u.mul_(2))
        rec("unbind mul_", lambda: s[0].mul_(2))
        rec("view of a non-requires-grad tensor", lambda: nv.mul_(2))
        rec("view of the view", lambda: v2.view(3).grad_fn.name())
        rec("view of the view mul_", lambda: v2.view(3).mul_(2))
        rec("unbind of the view mul_", lambda: v2.unbind()[0].mul_(2))
        rec("retain_grad", lambda: v2.retain_grad())
        rec("detach_", lambda: v2.detach_())
        with T.inference_mode():
            rec("in-place in mode", lambda: (v.mul_(1), b._version))
        rec("repr", lambda: repr(v))
        rec("grad_fn after", lambda: v.grad_fn)
    r = both(scenario)
    assert r["view of normal in mode"] == ("ok", (False, True, True, True, None, True, 0))
    assert r["view of inference"] == ("ok", (True, False, True, True))
    assert r["v.mul_"] == ("RuntimeError", VIEW_ERR)
    assert r["u.mul_ (base is no leaf)"] == ("RuntimeError", VIEW_ERR)
    assert r["view of the view mul_"][1].startswith(
        "Output 0 of View is a view of a view which was created in inference mode")
    assert r["repr"][1].endswith("grad_fn=<Invalid>)")
    assert "its base or another view of its base has been modified inplace in normal mode" \
        in r["grad_fn after"][1]


def test_creation_meta_of_views_of_views_across_modes():
    def scenario(T, rec):
        b = T.ones(5, requires_grad=True)
        with T.no_grad():
            q = b[1:]
        with T.inference_mode():
            qq = q[1:]
            p = b[1:]
        with T.no_grad():
            pp = p[1:]
        rec("no_grad then inference", lambda: qq.mul_(2))
        rec("inference then no_grad", lambda: pp.mul_(2))
        rec("no_grad view of view", lambda: q.view(4).mul_(2))
    r = both(scenario)
    assert r["no_grad then inference"] == ("RuntimeError", VIEW_ERR)
    assert r["inference then no_grad"] == ("RuntimeError", VIEW_ERR)
    assert r["no_grad view of view"][1].startswith(
        "Output 0 of View is a view of a view which was created in no_grad mode")


def test_mode_nesting_and_decorators():
    def scenario(T, rec):
        b = T.ones(2, requires_grad=True)
        state = lambda: (T.is_grad_enabled(), T.is_inference_mode_enabled())  # noqa: E731
        with T.inference_mode():
            with T.enable_grad():
                x = b * 2
                rec("enable_grad inside", lambda: (state(), x.requires_grad, x.is_inference()))
            with T.no_grad():
                rec("no_grad inside", state)
            with T.inference_mode(False):
                y = b * 2
                rec("inference_mode(False) inside", lambda: (
                    state(), y.requires_grad, y.is_inference(), T.ones(1).is_inference()))
            with T.inference_mode(mode=False):
                rec("mode=False", state)
            rec("back", state)
        with T.inference_mode(False):
            rec("False outside", state)
        with T.no_grad():
            with T.inference_mode(False):
                rec("False inside no_grad", state)
            with T.inference_mode():
                pass
            rec("after, in no_grad", state)

        @T.inference_mode
        def f(t):
            return t * 2, T.is_inference_mode_enabled()

        @T.inference_mode()
        def g(t):
            return (t * 2).is_inference()

        @T.inference_mode(mode=False)
        def h(t):
            return (t * 2).is_inference(), (t * 2).requires_grad

        @T.inference_mode()
        def gen():
            yield T.is_inference_mode_enabled()
            yield T.ones(1).is_inference()

        rec("@inference_mode", lambda: (f(b)[0].is_inference(), f(b)[1]))
        rec("@inference_mode()", lambda: g(b))
        rec("@inference_mode(mode=False)", lambda: h(b))
        with T.inference_mode():
            rec("@inference_mode(mode=False) in mode", lambda: h(b))
        rec("generator", lambda: list(gen()))

        def raises():
            with T.inference_mode():
                raise ValueError("inside")
        rec("exception", raises)
        rec("after exception", state)
    r = both(scenario)
    assert r["enable_grad inside"] == ("ok", ((True, True), False, True))
    assert r["inference_mode(False) inside"] == ("ok", ((True, False), True, False, False))
    assert r["generator"] == ("ok", (True, True))
    assert tls.INFERENCE_THREADS[0] == 0


def test_data_and_set_():
    def scenario(T, rec):
        with T.inference_mode():
            a = T.ones(3)
            a2 = T.ones(3)
        c = T.zeros(3)
        c.add_(1)
        rec("c.set_(a)", lambda: (c.set_(a).is_inference(), c._version))
        rec("a.set_(c)", lambda: a.set_(c))
        d = T.zeros(3)
        d.data = a
        rec("normal.data = inference", lambda: (d.is_inference(), d._version))
        a2.data = T.zeros(3)
        rec("inference.data = normal", lambda: a2.is_inference())
        rec("its _version", lambda: a2._version)
        rec("its add_", lambda: a2.add_(1))
        dd = a.data
        rec("data add_", lambda: (dd.add_(1), dd._version, a))
    r = both(scenario)
    assert r["a.set_(c)"][1].startswith(INPLACE_ERR)
    assert r["normal.data = inference"] == ("ok", (True, 0))
    assert r["its _version"] == ("RuntimeError", VERSION_ERR)


def test_backward_inside_inference_mode():
    def scenario(T, rec):
        c = T.tensor([1.0, 2.0], requires_grad=True)
        loss = (c * c).sum()
        with T.inference_mode():
            rec("backward", lambda: (loss.backward(), c.grad, c.grad.is_inference()))
            rec("no graph in mode", lambda: T.autograd.grad((c * c).sum(), c))
        loss = (c * c).sum()
        with T.inference_mode():
            rec("accumulate", lambda: (loss.backward(), c.grad, c.grad.is_inference()))
    r = both(scenario)
    assert r["accumulate"][0] == "ok"


def test_custom_function_outputs():
    class Id:
        @staticmethod
        def forward(ctx, x, y):
            return x

        @staticmethod
        def backward(ctx, g):
            return g, g

    class Dirty:
        @staticmethod
        def forward(ctx, x, y):
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g, g

    def scenario(T, rec):
        fns = {name: type(name, (T.autograd.Function,), dict(vars(cls)))
               for name, cls in (("Id", Id), ("Dirty", Dirty))}
        with T.inference_mode():
            a = T.ones(3)
        b = T.ones(3, requires_grad=True)
        rec("input returned", lambda: (lambda o: (o.is_inference(), o.requires_grad,
                                                  o.grad_fn is not None))(fns["Id"].apply(a, b)))
        rec("dirty input", lambda: fns["Dirty"].apply(a, b))
    r = both(scenario)
    assert r["dirty input"][1].startswith(INPLACE_ERR)


def test_fork_tasks_see_inference_mode():
    def scenario(T, rec):
        def task():
            t = T.ones(2)
            return T.is_inference_mode_enabled(), t.is_inference(), t.requires_grad
        with T.inference_mode():
            fut = T.jit.fork(task)
            rec("in mode", lambda: T.jit.wait(fut))
        fut = T.jit.fork(task)
        rec("outside", lambda: T.jit.wait(fut))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = both(scenario)
    assert r["in mode"] == ("ok", (True, True, False))
    assert r["outside"] == ("ok", (False, False, False))
    assert tls.INFERENCE_THREADS[0] == 0


def test_inference_thread_count_follows_every_write():
    """Tensor creation reads this thread's flag only while some thread is in inference mode:
    writes to the flag made any way (restore of a snapshot, a direct field write) keep the
    count right."""
    s = tls.state
    saved = tls.snapshot()
    assert tls.INFERENCE_THREADS[0] == 0 and not saved["inference_mode"]
    s.inference_mode = True
    try:
        assert tls.INFERENCE_THREADS[0] == 1
        assert kindling.ones(1).is_inference()
        snap = tls.snapshot()
        tls.restore(saved)
        assert tls.INFERENCE_THREADS[0] == 0 and not kindling.ones(1).is_inference()
        tls.restore(snap)
        tls.restore(snap)
        assert tls.INFERENCE_THREADS[0] == 1
    finally:
        tls.restore(saved)
    assert tls.INFERENCE_THREADS[0] == 0
