"""Helpers shared by ``kindling.library`` and ``custom_op``.

``normalizer(schema)`` builds the function that turns a call's ``(args, kwargs)`` into the form
PyTorch hands to Python kernels, fallbacks and ``__torch_dispatch__``: every argument bound to
the schema and converted to its schema type (int lists become lists, ints given for floats
become floats, device strings become devices), positional arguments in ``args`` up to the last
one that differs from its default, and keyword-only arguments in ``kwargs`` only when they
differ from their default.
"""
from __future__ import annotations

import sys
import weakref

_MISSING = object()


class RegistrationHandle:
    """Runs ``on_destroy`` when ``destroy()`` is called (undoes one registration)."""

    def __init__(self, on_destroy):
        self._on_destroy = on_destroy

    def destroy(self):
        self._on_destroy()


def get_source(stacklevel: int) -> str:
    """``file:line`` of the caller ``stacklevel`` frames up."""
    f = sys._getframe(stacklevel)
    return f"{f.f_code.co_filename}:{f.f_lineno}"


def parse_namespace(qualname: str):
    splits = qualname.split("::")
    if len(splits) != 2:
        raise ValueError(
            f"Expected `qualname` to be of the form "
            f'"namespace::name", but got {qualname}. '
            f"The qualname passed to the torch.library APIs must consist "
            f"of a namespace and a name, e.g. aten::sin")
    return splits[0], splits[1]


def lookup_op(qualname: str):
    """The OpOverload for ``ns::name[.overload]``."""
    from .. import _ops
    namespace, name = parse_namespace(qualname)
    if "." in name:
        name, overload = name.split(".")
    else:
        overload = "default"
    return getattr(getattr(getattr(_ops.ops, namespace), name), overload)


# ---- argument normalisation --------------------------------------------------------------------
def _identity(v):
    return v


def _to_list(v):
    return list(v) if type(v) is tuple else v


def _int_list(size):
    def conv(v):
        if type(v) is tuple:
            return list(v)
        if isinstance(v, int) and not isinstance(v, bool):
            return [v] * size if size else [v]
        return v
    return conv


def _to_float(v):
    if type(v) is int:
        return float(v)
    return v


def _to_bool(v):
    if type(v) is int:
        return bool(v)
    return v


def _to_int(v):
    if type(v) is not int and not isinstance(v, bool) and hasattr(v, "__index__"):
        from .._tensor import Tensor
        if not isinstance(v, Tensor):
            return int(v)
    return v


def _to_device(v):
    if isinstance(v, (str, int)) and not isinstance(v, bool):
        from .. import _device
        return _device.device(v)
    return v


def _converter(t):
    if t.is_list:
        if t.base in ("int", "SymInt"):
            return _int_list(t.list_size)
        return _to_list
    b = t.base
    if b in ("float", "SymFloat"):
        return _to_float
    if b in ("bool", "SymBool"):
        return _to_bool
    if b in ("int", "SymInt"):
        return _to_int
    if b == "Device":
        return _to_device
    return _identity


_NUMBERS = (bool, int, float, complex)


def same_as_default(v, d) -> bool:
    """Whether a (converted) argument value equals its schema default, as IValues compare."""
    if v is d:
        return True
    if v is None or d is None:
        return False
    tv, td = type(v), type(d)
    if tv in _NUMBERS or td in _NUMBERS:
        return tv is td and v == d
    if tv is list and td is list:
        return len(v) == len(d) and all(same_as_default(a, b) for a, b in zip(v, d))
    from .._tensor import Tensor
    if isinstance(v, Tensor) or isinstance(d, Tensor):
        return False
    try:
        return bool(v == d)
    except Exception:  # noqa: BLE001  (incomparable values are not the default)
        return False


_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def normalizer(schema):
    """``norm(args, kwargs) -> (args, kwargs)`` for one schema (cached per schema)."""
    fn = _cache.get(schema)
    if fn is None:
        fn = _cache[schema] = _build(schema)
    return fn


def normalize(schema, args, kwargs):
    return normalizer(schema)(args, kwargs)


def _build(schema):
    specs = [(a.name, _converter(a.type), a.default_value if a.has_default() else _MISSING,
              a.kwarg_only) for a in schema.arguments]
    n_pos = sum(1 for s in specs if not s[3])
    index = {s[0]: i for i, s in enumerate(specs)}
    n_all = len(specs)

    def norm(args, kwargs):
        if len(args) > n_pos or schema.is_vararg:
            return args, kwargs
        vals = list(args)
        vals.extend([_MISSING] * (n_all - len(vals)))
        if kwargs:
            for k, v in kwargs.items():
                i = index.get(k)
                if i is None or vals[i] is not _MISSING:
                    return args, kwargs          # not bindable: hand over as given
                vals[i] = v
        for i in range(n_all):
            v = vals[i]
            name, conv, default, _ = specs[i]
            if v is _MISSING:
                if default is _MISSING:
                    return args, kwargs
                vals[i] = default
            else:
                vals[i] = conv(v)
        end = n_pos
        while end > 0:
            default = specs[end - 1][2]
            if default is _MISSING or not same_as_default(vals[end - 1], default):
                break
            end -= 1
        out_kw = {}
        for i in range(n_pos, n_all):
            if not same_as_default(vals[i], specs[i][2]):
                out_kw[specs[i][0]] = vals[i]
        return tuple(vals[:end]), out_kw
    return norm
