"""Shared by the tests that run one scenario on kindling and on PyTorch and compare."""


def outcome(T, case):
    """What ``case(T)`` did, comparable across libraries: a tensor as (dtype, shape, strides,
    offset, values by repr: nan-safe), or the exception's type and text."""
    assert hasattr(T, "Tensor") and callable(case), "outcome(T, case): T is kindling or torch"
    try:
        r = case(T)
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return type(e).__name__, str(e)
    if isinstance(r, T.Tensor):
        return (str(r.dtype), tuple(r.shape), r.stride(), r.storage_offset(),
                repr(r.tolist()))
    return r


def call_outcome(fn, plain=lambda r: r):
    """What calling ``fn`` did, warnings included: ``("returned", plain(result), [(category,
    message)...])`` or ``("raised", type name, message)``."""
    import warnings
    try:
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            r = fn()
    except Exception as e:  # noqa: BLE001 (the exception is what is compared)
        return ("raised", type(e).__name__, str(e))
    return ("returned", plain(r), [(w.category.__name__, str(w.message)) for w in ws])


def same_grads_to_second_order(torch, kindling, rt, rk, ts, ks, data, same, to_np,
                               gradgrad=True):
    """Gradients of ``rt``/``rk`` (a torch and a kindling result) with respect to ``ts``/``ks``
    for one cotangent (``data(shape, seed=...)``: a NumPy array), then, with ``gradgrad``, the
    gradients of each first-order gradient that requires grad: the same in both libraries
    (``same(torch_t, kindling_t)``; a None gradient and a zero one are the same)."""
    import numpy as np
    v = data(tuple(rt.shape), seed=7)
    gt = torch.autograd.grad(rt, ts, torch.tensor(v), create_graph=True, allow_unused=True)
    gk = kindling.autograd.grad(rk, ks, kindling.tensor(v), create_graph=True,
                                allow_unused=True)
    for a, b in zip(gt, gk):
        assert (a is None) == (b is None)
        if a is not None:
            same(a, b)
    if not gradgrad:
        return
    for i, (a, b) in enumerate(zip(gt, gk)):
        if a is None or not a.requires_grad:
            continue
        w = data(tuple(a.shape), seed=11 + i)
        ggt = torch.autograd.grad(a, ts, torch.tensor(w), allow_unused=True, retain_graph=True)
        ggk = kindling.autograd.grad(b, ks, kindling.tensor(w), allow_unused=True,
                                     retain_graph=True)
        for x, y in zip(ggt, ggk):
            if x is None or y is None:  # (None and zeros are the same gradient)
                z = x if x is not None else y
                assert z is None or not np.any(to_np(z))
            else:
                same(x, y)


def dispatch_log(T):
    """``(log, mode)``: a TorchDispatchMode of library ``T`` appending the name of each op it
    sees to ``log``."""
    from importlib import import_module
    pd = import_module(T.__name__ + ".utils._python_dispatch")
    log = []

    class Log(pd.TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            log.append(str(func))
            return func(*args, **(kwargs or {}))
    return log, Log()


class ExtraOpInfo:
    """An OpInfo-like entry for an op whose samples a test file defines itself."""

    def __init__(self, opdef, samples):
        self.opdef, self.op, self.name = opdef, opdef.op, str(opdef.op)
        self.is_inplace = False
        self._samples = samples

    def sample_inputs(self, dtype):
        return self._samples()

    def torch_op(self, torch):
        ns, name, overload = self.name.split(".")
        return getattr(getattr(getattr(torch.ops, ns), name), overload)
