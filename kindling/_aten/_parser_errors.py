"""PyTorch's Python argument parser's errors, for functions written by hand (the factories).

PyTorch binds a call against each of a function's visible signatures; when none binds, it
counts the signatures that take as many arguments as were given (positional and keyword).
Exactly one such: the error of binding that one (``randn() missing 1 required positional
arguments: "size"`` - the parser's own plural - listing every required parameter from the
first missing one on).  Otherwise: ``received an invalid combination of arguments - got
(...), but expected one of:`` and the signatures.  Signatures are given here as the parser
prints them.
"""
from __future__ import annotations


def _params(sig):
    """``[(name, required)]`` of a printed signature ``(int n, *, Tensor out = None)``."""
    out = []
    for p in sig[1:-1].split(", "):
        if p != "*":
            decl, eq, _ = p.partition(" = ")
            out.append((decl.rpartition(" ")[2], not eq))
    return out


def _tname(v):
    from .._tensor import Tensor
    if isinstance(v, Tensor):
        return "Tensor"
    t = type(v)
    if t.__module__.startswith("kindling"):  # (torch.dtype, torch.device, torch._C.Generator)
        return ("torch._C." if t.__name__ == "Generator" else "torch.") + t.__name__
    return t.__name__


def got(args, kwargs):
    """The parser's ``(int, size=tuple)``: with no positional argument each keyword is
    followed by ``, `` (``(high=int, )``); keywords last given first."""
    parts = [_tname(a) + ", " for a in args] + \
        [f"{k}={_tname(v)}, " for k, v in reversed(list(kwargs.items()))]
    text = "".join(parts)
    return "(" + (text[:-2] if args else text) + ")"


def parser_error(fname, sigs, args=(), kwargs=None):
    """The TypeError PyTorch raises when ``fname(*args, **kwargs)`` binds to none of
    ``sigs``."""
    kwargs = kwargs or {}
    n = len(args) + len(kwargs)
    plausible = [s for s in sigs
                 if sum(r for _, r in _params(s)) <= n <= len(_params(s))]
    if len(plausible) == 1:
        params = _params(plausible[0])
        for i, (name, required) in enumerate(params):
            if i >= len(args) and required and name not in kwargs:
                missing = [f'"{p}"' for p, r in params[i:] if r]
                s = "s" if len(missing) == 1 else ""  # (sic)
                return TypeError(f"{fname}() missing {len(missing)} required positional "
                                 f"argument{s}: {', '.join(missing)}")
    return TypeError(f"{fname}() received an invalid combination of arguments - got "
                     f"{got(args, kwargs)}, but expected one of:\n"
                     + "".join(f" * {s}\n" for s in sigs))


MISSING = object()  # (a required parameter's default: not given)


def missing(fname, **params):
    """The parser's error for a function of one visible signature whose required parameters
    (``params``, in order, MISSING when not given) lack one, or None."""
    names = list(params)
    for i, n in enumerate(names):
        if params[n] is MISSING:
            shown = [f'"{m}"' for m in names[i:]]
            s = "s" if len(shown) == 1 else ""  # (sic)
            return TypeError(f"{fname}() missing {len(shown)} required positional argument{s}: "
                             f"{', '.join(shown)}")
    return None


def present(*values):
    """The values given (taken as positional: a message may then differ in how it shows a
    required argument given by keyword)."""
    return tuple(v for v in values if v is not MISSING)


def given(**kw):
    """The keyword arguments a call gave, told from its defaults (None/False)."""
    return {k: v for k, v in kw.items() if v is not None and v is not False}


_OPTS = ("torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
         "bool pin_memory = False, bool requires_grad = False")
SAMPLER = [f"(tuple of ints size, *, torch.Generator generator, Tensor out = None, {_OPTS})",
           f"(tuple of ints size, *, Tensor out = None, {_OPTS})"]
RANDINT = [f"(int high, tuple of ints size, *, torch.Generator generator, Tensor out = None, "
           f"{_OPTS})",
           f"(int high, tuple of ints size, *, Tensor out = None, {_OPTS})",
           f"(int low, int high, tuple of ints size, *, torch.Generator generator, "
           f"Tensor out = None, {_OPTS})",
           f"(int low, int high, tuple of ints size, *, Tensor out = None, {_OPTS})"]
RANDPERM = [f"(int n, *, torch.Generator generator, Tensor out = None, {_OPTS})",
            f"(int n, *, Tensor out = None, {_OPTS})"]
NORMAL = ["(Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)",
          "(Tensor mean, float std = 1, *, torch.Generator generator = None, "
          "Tensor out = None)",
          "(float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)",
          "(float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
          f"Tensor out = None, {_OPTS})"]
LIKE_SAMPLER = [
    "(Tensor input, *, torch.Generator generator, torch.memory_format memory_format = None, "
    f"{_OPTS})",
    f"(Tensor input, *, torch.memory_format memory_format = None, {_OPTS})"]
_LIKE_OPTS = f"torch.memory_format memory_format = None, {_OPTS}"
RANDINT_LIKE = [f"(Tensor input, {bounds}, *, {gen}{_LIKE_OPTS})"
                for bounds in ("int low, int high", "Tensor high", "int high")
                for gen in ("torch.Generator generator, ", "")]
EYE = [f"(int n, *, Tensor out = None, {_OPTS})",
       f"(int n, int m, *, Tensor out = None, {_OPTS})"]
ARANGE = [f"(Number end, *, Tensor out = None, {_OPTS})",
          f"(Number start, Number end, *, {_OPTS})",
          f"(Number start, Number end, Number step = 1, *, Tensor out = None, {_OPTS})"]


def _spaced(extra=""):
    return [f"({a} start, {b} end, int steps, {extra}*, Tensor out = None, {_OPTS})"
            for a, b in (("Tensor", "Tensor"), ("Number", "Tensor"), ("Tensor", "Number"),
                         ("Number", "Number"))]


LINSPACE = _spaced()
LOGSPACE = _spaced("float base = 10.0, ")
