"""``torch.backends``: the switches of PyTorch's compute libraries, as its CPU-only build has
them.

kindling computes with NumPy whatever these say: the flags (``cudnn.benchmark``,
``cuda.matmul.allow_tf32``, ``mkldnn.enabled``, ``opt_einsum.strategy``...) are stored and read
back as PyTorch stores them, with its validation, so programs that set them run unchanged;
the availability queries answer what PyTorch's CPU wheel answers.
"""
from __future__ import annotations

import sys
import types
from contextlib import contextmanager

_mutation_allowed = [True]


def disable_global_flags():
    """Forbid bare assignment of backend flags (``flags()`` context managers still work)."""
    _mutation_allowed[0] = False


def flags_frozen():
    """Whether ``disable_global_flags()`` was called."""
    return not _mutation_allowed[0]


@contextmanager
def _allow_mutation():
    old = _mutation_allowed[0]
    _mutation_allowed[0] = True
    try:
        yield
    finally:
        _mutation_allowed[0] = old


class ContextProp:
    """A module attribute read and written through a getter and a setter."""

    def __init__(self, getter, setter):
        self.getter = getter
        self.setter = setter

    def __get__(self, obj, objtype):
        return self.getter()

    def __set__(self, obj, val):
        if flags_frozen():
            name = obj.__name__.replace("kindling", "torch", 1)
            raise RuntimeError(f"not allowed to set {name} flags after "
                               "disable_global_flags; please use flags() context manager instead")
        self.setter(val)


def _bool_setter(store, key, c_name):
    """A setter accepting only bools, with the message of PyTorch's bindings."""
    def setter(value):
        if not isinstance(value, bool):
            raise RuntimeError(f"{c_name} expects a bool, but got {type(value).__name__}")
        store[key] = value
    return setter


def _prop(store, key, c_name=None):
    setter = _bool_setter(store, key, c_name) if c_name else (
        lambda value: store.__setitem__(key, value))
    return ContextProp(lambda: store[key], setter)


# ---- fp32 precision (torch.backends.<x>.fp32_precision and the per-op ones) --------------------
_PRECISIONS = ("none", "ieee", "tf32", "bf16")
_fp32 = {("cuda", "conv"): "tf32", ("cuda", "rnn"): "tf32"}


def _get_fp32_precision(backend, op):
    return _fp32.get((backend, op), "none")


def _set_fp32_precision(backend, op, precision):
    if precision not in _PRECISIONS:
        raise RuntimeError(f"Unknown precision: {precision}")
    _fp32[(backend, op)] = precision


def _fp32_prop(backend, op):
    return ContextProp(lambda: _get_fp32_precision(backend, op),
                       lambda p: _set_fp32_precision(backend, op, p))


class _FP32Precision:
    """``torch.backends.cudnn.conv`` and kin: an object with one attribute, fp32_precision."""

    def __init__(self, backend, op):
        object.__setattr__(self, "backend", backend)
        object.__setattr__(self, "op", op)

    def __setattr__(self, name, value):
        if name == "fp32_precision":
            _set_fp32_precision(self.backend, self.op, value)
        elif name in ("backend", "op"):
            object.__setattr__(self, name, value)
        else:
            raise AttributeError("Unknown attribute " + name)

    def __getattr__(self, name):
        if name == "fp32_precision":
            return _get_fp32_precision(self.backend, self.op)
        raise AttributeError("Unknown attribute " + name)


_FP32Precision.__module__ = "torch.backends"


def set_flags(_fp32_precision="none"):
    """Set the generic fp32 precision; returns the previous flags."""
    orig = (_get_fp32_precision("generic", "all"),)
    if _fp32_precision is not None:
        _set_fp32_precision("generic", "all", _fp32_precision)
    return orig


@contextmanager
def flags(fp32_precision="none"):
    """Set the generic fp32 precision inside a ``with`` block."""
    with _allow_mutation():
        orig = set_flags(fp32_precision)
    try:
        yield
    finally:
        with _allow_mutation():
            set_flags(*orig)


def _install(module_name, cls):
    """Give a module properties: its flags become ``ContextProp`` attributes of its class."""
    sys.modules[module_name].__class__ = cls


class _GenericModule(types.ModuleType):
    fp32_precision = _fp32_prop("generic", "all")


_install(__name__, _GenericModule)

from . import (  # noqa: E402,F401
    cpu, cuda, cudnn, cusparselt, kleidiai, mha, miopen, mkl, mkldnn, mps, nnpack, openmp,
    opt_einsum, quantized,
)
