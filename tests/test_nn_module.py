"""nn.Module, Parameter, Buffer and the containers, compared with PyTorch: registration,
attribute rules and their errors, iteration order, state_dict / load_state_dict, conversions,
train/eval, hooks (forward, pre-forward, full backward, state-dict), repr."""
import copy
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")


def _arr(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _net_classes(T):
    nn = T.nn

    class Affine(nn.Module):
        def __init__(self, n_in, n_out, seed=0):
            super().__init__()
            self.weight = nn.Parameter(T.from_numpy(_arr(n_out, n_in, seed=seed)))
            self.bias = nn.Parameter(T.from_numpy(_arr(n_out, seed=seed + 1)))
            self.register_buffer("calls", T.zeros(()))
            self.register_buffer("scratch", T.ones(2), persistent=False)

        def forward(self, x):
            return x @ self.weight.t() + self.bias

        def extra_repr(self):
            return f"in={self.weight.shape[1]}, out={self.weight.shape[0]}"

    class Act(nn.Module):
        def forward(self, x):
            return x.relu()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = Affine(4, 3)
            self.act = Act()
            self.l2 = Affine(3, 2, seed=5)
            self.extra = None

        def forward(self, x):
            return self.l2(self.act(self.l1(x)))

    return Affine, Act, Net


def _both(fn):
    """``fn(T)`` on kindling and on torch: what each returned, or its error type and text."""
    out = []
    for T in (kindling, torch):
        try:
            out.append(("ok", fn(T)))
        except Exception as e:  # noqa: BLE001 (compared)
            out.append((type(e).__name__, str(e).replace("kindling", "torch")))
    return out


def _same(fn):
    k, t = _both(fn)
    assert k == t


def test_registration_and_iteration_order():
    def case(T):
        _, _, Net = _net_classes(T)
        n = Net()
        return ([k for k, _ in n.named_parameters()], [k for k, _ in n.named_buffers()],
                [k for k, _ in n.named_modules()], [k for k, _ in n.named_children()],
                list(n.state_dict().keys()), [type(m).__name__ for m in n.modules()],
                len(list(n.parameters())), n.training, sorted(n.l1._non_persistent_buffers_set))
    _same(case)


def test_repr():
    def case(T):
        _, _, Net = _net_classes(T)
        nn = T.nn
        n = Net()
        seq = nn.Sequential(Net(), nn.Sequential(), nn.ModuleList([Net(), Net(), Net()]))
        ml = nn.ModuleList([_net_classes(T)[1]() for _ in range(3)] + [Net()])
        return repr(n), repr(seq), repr(ml), repr(nn.Module()), repr(nn.ModuleDict({"a": Net()}))
    _same(case)


def test_parameter_semantics():
    def case(T):
        nn = T.nn
        p = nn.Parameter(T.from_numpy(_arr(2, 3)))
        q = p * 2
        d = copy.deepcopy(p)
        r = pickle.loads(pickle.dumps(p))
        return (repr(p), type(q).__name__, type(p.data).__name__, type(p.detach()).__name__,
                p.requires_grad, p.is_leaf, type(d).__name__, d.requires_grad,
                np.array_equal(d.detach().numpy(), p.detach().numpy()), type(r).__name__,
                nn.Parameter(T.ones(2), requires_grad=False).requires_grad,
                repr(nn.Parameter()), isinstance(p, T.Tensor), isinstance(q, nn.Parameter))
    _same(case)


def test_parameter_under_no_grad_requires_grad():
    def case(T):
        with T.no_grad():
            p = T.nn.Parameter(T.ones(2))
        return p.requires_grad
    _same(case)


def test_buffer_class():
    def case(T):
        nn = T.nn

        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Buffer(T.ones(2))
                self.b = nn.Buffer(T.zeros(1), persistent=False)

        m = M()
        m.a = T.full((2,), 3.0)  # (stays a buffer)
        return (list(m.state_dict().keys()), [k for k, _ in m.named_buffers()],
                m.a.tolist(), isinstance(m.a, nn.Buffer))
    _same(case)


@pytest.mark.parametrize("what", range(14))
def test_attribute_errors(what):
    def case(T):
        nn = T.nn
        _, _, Net = _net_classes(T)
        n = Net()
        if what == 0:
            n.l1.weight = T.ones(3, 4)
        elif what == 1:
            n.act = 3
        elif what == 2:
            n.register_buffer("l1", T.ones(1))
        elif what == 3:
            n.register_parameter("a.b", nn.Parameter(T.ones(1)))
        elif what == 4:
            n.register_parameter("", nn.Parameter(T.ones(1)))
        elif what == 5:
            n.register_parameter("x", T.ones(1))
        elif what == 6:
            n.add_module("x", 3)
        elif what == 7:
            n.add_module("a.b", nn.Module())
        elif what == 8:
            return n.nothing
        elif what == 9:
            n.register_buffer("buf", 3)
        elif what == 10:
            n.l1.calls = 5
        elif what == 11:
            class Bad(nn.Module):
                def __init__(self):
                    self.w = nn.Parameter(T.ones(1))
            Bad()
        elif what == 12:
            nn.Module()(T.ones(1))
        elif what == 13:
            w = nn.Parameter(T.ones(2))
            n.register_parameter("p", w * 2 if False else nn.Parameter(T.ones(2)))
            n.p = None
            return (list(dict(n.named_parameters()).keys()), n.p)
        return "no error"
    _same(case)


def test_setattr_moves_between_registries():
    def case(T):
        nn = T.nn
        _, Act, Net = _net_classes(T)
        n = Net()
        n.act = None
        n.x = nn.Parameter(T.ones(1))
        n.x2 = 5
        del n.l2
        n.l3 = Act()
        return ([k for k, _ in n.named_parameters()], list(n._modules.keys()), n.x2,
                list(n.state_dict().keys()), "l2" in dir(n), "l3" in dir(n))
    _same(case)


def test_forward_backward_and_grads():
    x = _arr(5, 4, seed=9)

    def case(T):
        _, _, Net = _net_classes(T)
        n = Net()
        out = n(T.from_numpy(x))
        out.sum().backward()
        grads = [p.grad.numpy().round(5).tolist() for p in n.parameters()]
        n.zero_grad()
        after = [p.grad for p in n.parameters()]
        out2 = n(T.from_numpy(x))
        out2.sum().backward()
        n.zero_grad(set_to_none=False)
        zeros = [p.grad.abs().sum().item() for p in n.parameters()]
        return out.detach().numpy().round(5).tolist(), grads, after, zeros
    _same(case)


def test_state_dict_roundtrip_and_errors():
    def case(T):
        _, _, Net = _net_classes(T)
        a, b = Net(), Net()
        with T.no_grad():
            for p in b.parameters():
                p.mul_(0)
        sd = a.state_dict()
        res = b.load_state_dict(sd)
        same = all(np.array_equal(p.detach().numpy(), q.detach().numpy())
                   for p, q in zip(a.parameters(), b.parameters()))
        errs = []
        bad = OrderedDict(sd)
        bad["l1.weight"] = T.ones(1, 1)
        del bad["l2.bias"]
        bad["zzz"] = T.ones(1)
        for d, strict in ((bad, True), ({"l1.weight": 3}, False), (3, True)):
            try:
                errs.append(repr(b.load_state_dict(d, strict=strict)))
            except (RuntimeError, TypeError) as e:
                errs.append((type(e).__name__, str(e)))
        lenient = b.load_state_dict({"l1.bias": T.zeros(3), "foo.bar": T.ones(1)}, strict=False)
        kv = a.state_dict(keep_vars=True)
        return (repr(res), same, errs, tuple(lenient), list(sd._metadata.keys()),
                dict(sd._metadata[""]), kv["l1.weight"].requires_grad,
                sd["l1.weight"].requires_grad)
    _same(case)


def test_load_state_dict_assign_and_zero_dim():
    def case(T):
        _, _, Net = _net_classes(T)
        n = Net()
        sd = {k: v.clone() for k, v in n.state_dict().items()}
        sd["l1.calls"] = T.ones(1)  # (a one-element tensor loads into a 0-d buffer)
        n.load_state_dict(sd)
        new = T.nn.Parameter(T.zeros(3, 4), requires_grad=False)
        sd2 = dict(sd)
        sd2["l1.weight"] = new
        n.load_state_dict(sd2, assign=True)
        return (n.l1.calls.item(), n.l1.weight is new, n.l1.weight.requires_grad)
    _same(case)


def test_conversions():
    def case(T):
        _, _, Net = _net_classes(T)
        n = Net()
        n(T.ones(2, 4)).sum().backward()
        w = n.l1.weight
        n.double()
        r1 = (n.l1.weight is w, str(w.dtype), str(w.grad.dtype), str(n.l1.calls.dtype))
        n.to(T.float32)
        r2 = (str(w.dtype), str(n.l1.calls.dtype))
        n.half()
        r3 = str(w.dtype)
        n.float()
        r = [r1, r2, r3, str(n.to("cpu").l1.weight.dtype), type(n.cpu()).__name__]
        for bad in (lambda: n.to(T.int64),):
            try:
                bad()
            except TypeError as e:
                r.append(str(e))
        n.l1.register_buffer("idx", T.ones(2, dtype=T.int64))
        n.double()
        r.append(str(n.l1.idx.dtype))
        return r
    _same(case)


def test_train_eval_apply_requires_grad():
    def case(T):
        _, _, Net = _net_classes(T)
        n = Net()
        n.eval()
        modes = [m.training for m in n.modules()]
        n.train()
        names = []
        n.apply(lambda m: names.append(type(m).__name__))
        n.requires_grad_(False)
        rg = [p.requires_grad for p in n.parameters()]
        try:
            n.train("yes")
        except ValueError as e:
            err = str(e)
        return modes, names, rg, err
    _same(case)


def test_get_submodule_parameter_buffer():
    def case(T):
        nn = T.nn
        _, _, Net = _net_classes(T)
        n = nn.Sequential(Net())
        out = [type(n.get_submodule("0.l1")).__name__, tuple(n.get_parameter("0.l2.bias").shape),
               tuple(n.get_buffer("0.l1.calls").shape)]
        for f in (lambda: n.get_submodule("0.nope"), lambda: n.get_parameter("0.l1.calls"),
                  lambda: n.get_buffer("0.l1.weight"), lambda: n.get_submodule("0.l1.weight")):
            try:
                f()
            except AttributeError as e:
                out.append(str(e))
        n.set_submodule("0.act", nn.Identity() if hasattr(nn, "Identity") else nn.Module())
        out.append(list(n[0]._modules))
        return out
    _same(case)


def test_forward_hooks():
    def case(T):
        _, _, Net = _net_classes(T)
        n = Net()
        log = []
        h1 = n.l1.register_forward_pre_hook(lambda m, a: log.append(("pre", len(a))))
        h2 = n.l1.register_forward_hook(lambda m, a, o: o * 2)
        h3 = n.register_forward_pre_hook(
            lambda m, a, k: ((a[0] + 1,), k), with_kwargs=True)
        h4 = n.register_forward_hook(lambda m, a, k, o: log.append(("post", sorted(k))),
                                     with_kwargs=True, prepend=True)
        out = n(T.ones(1, 4))
        for h in (h1, h2, h3, h4):
            h.remove()
        out2 = n(T.ones(1, 4))
        return log, out.detach().numpy().round(5).tolist(), out2.detach().numpy().round(5).tolist()
    _same(case)


def test_forward_hook_always_call():
    def case(T):
        nn = T.nn

        class Boom(nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        m = Boom()
        seen = []
        m.register_forward_hook(lambda mod, a, o: seen.append(o), always_call=True)
        try:
            m(T.ones(1))
        except ValueError as e:
            return seen, str(e)
    _same(case)


def test_full_backward_hooks():
    x = _arr(3, 4, seed=2)

    def case(T):
        _, _, Net = _net_classes(T)
        n = Net()
        log = []

        def bh(m, gin, gout):
            log.append(("bw", [None if g is None else tuple(g.shape) for g in gin],
                        [tuple(g.shape) for g in gout]))

        def pre(m, gout):
            log.append(("pre", [tuple(g.shape) for g in gout]))
            return (gout[0] * 3,)

        n.l2.register_full_backward_hook(bh)
        n.l2.register_full_backward_pre_hook(pre)
        inp = T.from_numpy(x).requires_grad_()
        n(inp).sum().backward()
        try:
            n.l2.register_backward_hook(bh)
        except RuntimeError as e:
            log.append(str(e))
        return log, inp.grad.numpy().round(4).tolist()
    _same(case)


def test_state_dict_hooks():
    def case(T):
        _, _, Net = _net_classes(T)
        n = Net()
        log = []
        n.register_state_dict_pre_hook(lambda m, prefix, kv: log.append(("pre", prefix)))
        n.l1.register_state_dict_post_hook(
            lambda m, sd, prefix, meta: log.append(("post", prefix, len(sd))))
        n.register_load_state_dict_pre_hook(
            lambda m, sd, prefix, *rest: log.append(("lpre", prefix)))
        n.register_load_state_dict_post_hook(
            lambda m, keys: log.append(("lpost", list(keys.missing_keys))))
        sd = n.state_dict()
        n.load_state_dict(sd)
        return log
    _same(case)


def test_extra_state():
    def case(T):
        nn = T.nn

        class S(nn.Module):
            def __init__(self):
                super().__init__()
                self.v = 1

            def get_extra_state(self):
                return {"v": self.v}

            def set_extra_state(self, st):
                self.v = st["v"]

        a, b = S(), S()
        a.v = 7
        sd = a.state_dict()
        b.load_state_dict(sd)
        try:
            b.load_state_dict({})
        except RuntimeError as e:
            return list(sd.keys()), b.v, str(e)
    _same(case)


def test_global_hooks():
    def case(T):
        _, _, Net = _net_classes(T)
        mod = T.nn.modules.module
        log = []
        h = mod.register_module_forward_hook(lambda m, a, o: log.append(type(m).__name__))
        h2 = mod.register_module_forward_pre_hook(lambda m, a: log.append("pre"))
        try:
            Net()(T.ones(1, 4))
        finally:
            h.remove()
            h2.remove()
        Net()(T.ones(1, 4))
        return log
    _same(case)


def test_sequential():
    def case(T):
        nn = T.nn
        _, Act, Net = _net_classes(T)
        a, b, c = Net(), Act(), Net()
        s = nn.Sequential(a, b)
        s2 = nn.Sequential(OrderedDict([("x", c), ("y", Act())]))
        out = [len(s), s[0] is a, s[-1] is b, type(s[0:1]).__name__, list(s2._modules)]
        s.append(c)
        s.insert(0, Act())
        out.append(list(s._modules))
        del s[1]
        out.append([type(m).__name__ for m in s])
        out.append(list(s._modules))
        out.append(len(s + s2))
        s += s2
        out.append(len(s))
        out.append(len(s * 2))
        out.append(type(s.pop(0)).__name__)
        y = nn.Sequential(Net(), Act())(T.ones(2, 4))
        out.append(y.detach().numpy().round(5).tolist())
        for f in (lambda: s[10], lambda: s + 3, lambda: s * 0, lambda: s * "a"):
            try:
                f()
            except (IndexError, ValueError, TypeError) as e:
                out.append((type(e).__name__, str(e).replace("kindling", "torch")))
        return out
    k, t = _both(case)
    assert k[0] == t[0] == "ok"
    # (the type names in the error messages name each library's own module path)
    assert [x if not isinstance(x, tuple) else x[0] for x in k[1]] == \
        [x if not isinstance(x, tuple) else x[0] for x in t[1]]


def test_module_list_and_dict():
    def case(T):
        nn = T.nn
        _, Act, Net = _net_classes(T)
        ml = nn.ModuleList([Act(), Net()])
        ml.append(Act())
        ml.extend([Net()])
        ml.insert(1, Net())
        out = [len(ml), [type(m).__name__ for m in ml], list(ml._modules),
               type(ml[1:]).__name__, len(list(ml.parameters()))]
        del ml[0]
        out.append(list(ml._modules))
        ml[0] = Act()
        out.append(type(ml[-1]).__name__)
        md = nn.ModuleDict({"b": Act(), "a": Net()})
        md.update([("c", Act())])
        md["d"] = Net()
        out += [list(md.keys()), "a" in md, type(md.pop("a")).__name__, len(md)]
        for f in (lambda: ml[10], lambda: ml.extend(3), lambda: md.update(3),
                  lambda: md.update([(1, 2, 3)]), lambda: ml(1)):
            try:
                f()
            except (IndexError, TypeError, ValueError, NotImplementedError) as e:
                out.append((type(e).__name__, str(e)))
        return out
    _same(case)


def test_parameter_list_and_dict():
    def case(T):
        nn = T.nn
        pl = nn.ParameterList([T.ones(2), nn.Parameter(T.zeros(3, 2))])
        pl.append(T.ones(1, dtype=T.float64))
        pl.extend([3])
        out = [len(pl), [type(p).__name__ for p in pl], repr(pl), len(list(pl.parameters())),
               type(pl[0:2]).__name__]
        pd = nn.ParameterDict({"b": T.ones(2), "a": nn.Parameter(T.zeros(1))})
        pd["c"] = T.ones(3)
        out += [list(pd.keys()), repr(pd), "a" in pd, len(pd), type(pd.get("zz")).__name__,
                list(pd.popitem()[0]), list((pd | nn.ParameterDict({"q": T.ones(1)})).keys())]
        for f in (lambda: pl(1), lambda: pd(1), lambda: pd[3], lambda: pl.extend(T.ones(2))):
            try:
                f()
            except (RuntimeError, TypeError) as e:
                out.append((type(e).__name__, str(e)))
        return out
    _same(case)


def test_deepcopy_and_pickle_module():
    def case(T):
        _, _, Net = _net_classes(T)
        n = Net()
        d = copy.deepcopy(n)
        # (importable classes only: pickle finds classes by name)
        s = T.nn.Sequential(T.nn.ParameterList([T.ones(2)]), T.nn.ModuleDict())
        p = pickle.loads(pickle.dumps(s))
        return (d.l1.weight is not n.l1.weight, type(d.l1.weight).__name__,
                np.array_equal(d.l1.weight.detach().numpy(), n.l1.weight.detach().numpy()),
                list(p.state_dict().keys()), repr(p), type(p[0][0]).__name__)
    _same(case)


def test_typename():
    assert kindling.typename(kindling.ones(2)) == torch.typename(torch.ones(2))
    assert kindling.typename(kindling.ones(2, dtype=kindling.int64)) == \
        torch.typename(torch.ones(2, dtype=torch.int64))
    assert kindling.typename(3) == torch.typename(3)


def test_deprecated_positional_state_dict_warns():
    def case(T):
        _, _, Net = _net_classes(T)
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            sd = Net().state_dict(None, "p.")
        return list(sd.keys()), [w.category.__name__ for w in ws]
    _same(case)
