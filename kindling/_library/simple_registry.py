"""Per-operator Python-side registrations that are not dispatcher kernels (``torch._library``).

``singleton.find("ns::op")`` gives the operator's ``SimpleOperatorEntry``: its fake impl holder
(``register_fake``) and its torch_dispatch rules (``register_torch_dispatch``: a handler per
TorchDispatchMode or Tensor subclass type, consulted by the Python key before the generic
``__torch_dispatch__``).
"""
from __future__ import annotations

import threading

from .utils import RegistrationHandle

_lock = threading.RLock()


class Kernel:
    """A registered Python function and where it was registered."""

    def __init__(self, func, source):
        self.func = func
        self.source = source

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)


class FakeImplHolder:
    """The fake impls of one operator (most recent wins)."""

    def __init__(self, qualname):
        self.qualname = qualname
        self.kernels: list = []

    @property
    def kernel(self):
        return self.kernels[-1] if self.kernels else None


def _entries(qualname):
    """The dispatcher's entries for ``ns::name`` (every overload)."""
    from .._dispatcher import operator as _opreg
    return list(_opreg.overloads_of(qualname).values())


class GenericTorchDispatchRuleHolder:
    """torch_dispatch rules of one operator, by mode / subclass type."""

    def __init__(self, qualname):
        self.qualname = qualname
        self._data: dict = {}

    def register(self, torch_dispatch_class, func) -> RegistrationHandle:
        with _lock:
            if self.find(torch_dispatch_class) is not None:
                raise RuntimeError(
                    f"{torch_dispatch_class} already has a `__torch_dispatch__` rule registered "
                    f"for {self.qualname}")
            self._data[torch_dispatch_class] = func
            for entry in _entries(self.qualname):  # what the Python key consults
                entry.torch_dispatch_rules[torch_dispatch_class] = func

        def deregister():
            with _lock:
                self._data.pop(torch_dispatch_class, None)
                for entry in _entries(self.qualname):
                    entry.torch_dispatch_rules.pop(torch_dispatch_class, None)
        return RegistrationHandle(deregister)

    def find(self, torch_dispatch_class):
        return self._data.get(torch_dispatch_class, None)

    def __len__(self):
        return len(self._data)


class SimpleOperatorEntry:
    def __init__(self, qualname):
        self.qualname = qualname
        self.fake_impl = FakeImplHolder(qualname)
        self.torch_dispatch_rules = GenericTorchDispatchRuleHolder(qualname)

    @property
    def abstract_impl(self):
        return self.fake_impl


class SimpleLibraryRegistry:
    """``ns::op`` -> SimpleOperatorEntry."""

    def __init__(self):
        self._data: dict = {}

    def find(self, qualname) -> SimpleOperatorEntry:
        with _lock:
            e = self._data.get(qualname)
            if e is None:
                e = self._data[qualname] = SimpleOperatorEntry(qualname)
            return e


singleton = SimpleLibraryRegistry()


def find_torch_dispatch_rule(op, torch_dispatch_class):
    """The rule registered for ``op`` (an OpOverload) and a mode/subclass type, or None."""
    e = singleton._data.get(op.name())
    if e is None:
        return None
    return e.torch_dispatch_rules.find(torch_dispatch_class)
