"""``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``, ``ParameterDict``
(being written: the lead's work in progress)."""
from __future__ import annotations

from .module import Module


class Sequential(Module):
    pass


class ModuleList(Module):
    pass


class ModuleDict(Module):
    pass


class ParameterList(Module):
    pass


class ParameterDict(Module):
    pass
