"""Helpers for op tests that run one expression on kindling and on PyTorch and compare.

An expression is Python source evaluated with ``torch`` bound to the library under test and a
few fixed inputs (``x`` a 3x4 float32 arange, ``v`` a float32 arange of 4, ``xg`` a float64
3x4 leaf requiring grad, ``idx`` = [0, 2], ``m`` = x > 4).  Statements before the last one can
be given separated by ``;;``.
"""
import importlib


def inputs(T):
    x = T.arange(12.0).view(3, 4)
    return {"torch": T, "x": x, "v": T.arange(4.0), "idx": T.tensor([0, 2]), "m": x > 4,
            "xg": T.arange(12.0, dtype=T.float64).view(3, 4).requires_grad_()}


def plain(T, r):
    """A result as comparable plain data: tensors as (dtype, shape, strides, offset, values)
    (meta tensors without values), sequences element-wise, other values as they are."""
    if isinstance(r, T.Tensor):
        head = (str(r.dtype), tuple(r.shape), r.stride(), r.storage_offset())
        if r.device.type == "meta":
            return head + ("meta",)
        return head + (repr(r.tolist()),)
    if isinstance(r, (list, tuple)):
        return type(r).__name__, [plain(T, e) for e in r]
    if type(r).__name__ in ("dtype", "device"):
        return str(r)
    return r


def call(T, fn, norm=plain):
    """What ``fn(T)`` did: ``norm(T, result)``, or the exception's type and text."""
    try:
        return norm(T, fn(T))
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return type(e).__name__, str(e)


def run(T, src):
    """What evaluating ``src`` did: its plain result, or the exception's type and text."""
    def evaluate(T):
        env = inputs(T)
        *stmts, expr = src.split(";;")
        for s in stmts:
            exec(s, env)
        return eval(expr, env)
    return call(T, evaluate)


def mode_ops(T, src):
    """The aten ops (with argument shapes) a dispatch mode sees while the last part of
    ``src`` runs."""
    mod = importlib.import_module(T.__name__ + ".utils._python_dispatch")
    seen = []

    def fmt(a):
        if isinstance(a, T.Tensor):
            return f"T{list(a.shape)}"
        if isinstance(a, (list, tuple)):
            return "[" + ", ".join(fmt(e) for e in a) + "]"
        return repr(a)

    class Mode(mod.TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            seen.append(f"{func}(" + ", ".join([fmt(a) for a in args] +
                                               [f"{k}={fmt(v)}" for k, v in kwargs.items()])
                        + ")")
            return func(*args, **kwargs)
    env = inputs(T)
    *stmts, expr = src.split(";;")
    for s in stmts:
        exec(s, env)
    with Mode():
        try:
            eval(expr, env)
        except Exception as e:  # noqa: BLE001 - recorded
            seen.append(f"raised {type(e).__name__}")
    return seen
