"""Looking into the dispatcher from Python: ``torch._C._dispatch_*`` functions."""
from __future__ import annotations

from . import operator as _opreg
from .keys import FULL, RANK, RUNTIME_KEYS, DispatchKeySet, K, parse_key
from .schema import Argument, FunctionSchema, parse_schema  # noqa: F401


def _split(name):
    if "." in name.split("::")[-1]:
        base, _, ov = name.rpartition(".")
        return base, ov
    return name, ""


def _entry(name, overload=None):
    if overload is None:
        name, overload = _split(name)
    e = _opreg.find(name, overload)
    if e is None:
        raise RuntimeError(f"Could not find schema for {name}.{overload}" if overload
                           else f"Could not find schema for {name}")
    return e


class _OperatorHandle:
    """What ``_dispatch_find_schema_or_throw`` returns: a handle to call boxed."""

    def __init__(self, entry):
        self._entry = entry

    def schema(self):
        """The FunctionSchema (a method, as on ``torch._C._DispatchOperatorHandle``)."""
        return self._entry.schema

    def debug(self):
        return self._entry.def_site

    def __repr__(self):
        return f"OperatorHandle({self._entry.qualified})"


def _dispatch_find_schema_or_throw(name, overload):
    return _OperatorHandle(_entry(name, overload))


def _dispatch_call_boxed(handle, *args, **kwargs):
    from .._ops import overload_for
    return overload_for(handle._entry)(*args, **kwargs)


def _dispatch_keys(tensor):
    return DispatchKeySet._from_bits(tensor._ks)


def _dispatch_has_kernel(name):
    """Whether the operator ``name`` (``ns::op.overload``) exists."""
    return _opreg.find(*_split(name)) is not None


def _existing(name):
    e = _opreg.find(*_split(name))
    if e is None:
        raise RuntimeError(f"operator {name} does not exist")
    return e


def _dispatch_has_kernel_for_dispatch_key(name, key):
    """Whether ``name`` has a kernel registered at exactly ``key`` (an alias key counts only
    for kernels registered at that alias; fallbacks don't count)."""
    key = parse_key(key)
    return _existing(name).has_kernel_for(key)


def _dispatch_has_computed_kernel_for_dispatch_key(name, key):
    """Whether ``name``'s dispatch table has an entry for runtime ``key`` (a kernel of its own,
    one an alias key provides, or a backend fallback)."""
    key = parse_key(key)
    e = _existing(name)
    r = RANK.get(key)
    if r is None:
        raise RuntimeError("Alias keys do not have runtime kernel registrations.")
    e.ensure_table()
    return e.sources[r] is not None


def _dispatch_has_kernel_for_any_dispatch_key(name, keyset):
    return any(_dispatch_has_kernel_for_dispatch_key(name, k) for k in keyset)


def _dispatch_key_for_device(device_type):
    return {"cpu": "CPU", "meta": "Meta", "cuda": "CUDA"}.get(device_type, device_type)


def _dispatch_keyset_full():
    return DispatchKeySet._from_bits(FULL)


def _dispatch_keyset_full_after(key):
    key = parse_key(key)
    return DispatchKeySet._from_bits(FULL & ((1 << RANK[key]) - 1))


def _dispatch_keyset_to_string(ks):
    return repr(ks)


def _dispatch_isTensorSubclassLike(t):
    from .._tensor import Tensor
    return type(t) is not Tensor and isinstance(t, Tensor)


def _dispatch_dump(name):
    """Registered kernels of an operator, one line per key (like PyTorch's dump)."""
    e = _entry(name)
    lines = [f"name: {e.qualified}", f"schema: {e.schema}", f"debug: registered at {e.def_site}",
             f"alias analysis kind: FROM_SCHEMA"]
    for key in sorted(e.kernels, key=lambda k: k.value):
        for k in reversed(e.kernels[key]):
            ft = "fallthrough " if k.fallthrough else ""
            lines.append(f"{key.name}: {ft}registered at {k.site}")
    return "\n".join(lines) + "\n"


def _dispatch_dump_table(name):
    """The computed dispatch table of an operator: one line per runtime key with an entry."""
    e = _entry(name)
    out = []
    for k in e.available_keys():
        src, tag = e.sources[RANK[k]]
        out.append(f"{k.name}: {'fallthrough ' if src.fallthrough else ''}registered at "
                   f"{src.site} [{tag}]")
    return "\n".join(out) + "\n"


_ = (RUNTIME_KEYS, K)
