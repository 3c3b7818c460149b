"""``torch.testing._internal.common_device_type``: device-generic tests instantiated for the
one device kindling runs on, CPU (``TestFooCPU`` with ``test_bar_cpu[_<dtype>]``), with
PyTorch's device and dtype decorators. Decorators that only select other devices
(``onlyCUDA``, ``dtypesIfCUDA``, ``deviceCountAtLeast(n > 1)``, ...) skip or do nothing here.
"""
from __future__ import annotations

import functools
import inspect
import unittest

import kindling as torch  # noqa: F401  (torch.testing._internal modules expose it)

from .common_utils import TestCase, _parametrized_variants, dtype_name  # noqa: F401

__all__ = [
    "instantiate_device_type_tests", "dtypes", "dtypesIfCUDA", "dtypesIfCPU", "dtypesIfMPS",
    "onlyCPU", "onlyCUDA", "onlyNativeDeviceTypes", "skipMeta", "skipCPUIf", "skipCUDAIf",
    "deviceCountAtLeast", "expectedFailureMPS", "largeTensorTest", "precisionOverride",
]


class dtypes:
    """``@dtypes(torch.float, torch.double)``: one test per dtype (``test_x_cpu_float32``)."""

    def __init__(self, *args, device_type="all"):
        self.args = args
        self.device_type = device_type

    def __call__(self, fn):
        if self.device_type in ("all", "cpu"):
            fn._kindling_dtypes = self.args
        return fn


def dtypesIfCPU(*args):
    return dtypes(*args, device_type="cpu")


def dtypesIfCUDA(*args):
    """Only CUDA uses these dtypes: nothing changes on CPU."""
    return lambda fn: fn


def dtypesIfMPS(*args):
    """Only MPS uses these dtypes: nothing changes on CPU."""
    return lambda fn: fn


def _skip_on_cpu(reason):
    def dec(fn):
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            raise unittest.SkipTest(reason)
        return wrapper
    return dec


def onlyCUDA(fn):
    """Runs only on CUDA, which kindling does not have: skipped."""
    return _skip_on_cpu("Only runs on cuda")(fn)


def onlyCPU(fn):
    return fn


def onlyNativeDeviceTypes(fn):
    return fn


def skipMeta(fn):
    """Skips the meta device only; CPU runs it."""
    return fn


def expectedFailureMPS(fn):
    return fn


def skipCPUIf(condition, reason):
    return unittest.skipIf(condition, reason)


def skipCUDAIf(condition, reason):
    return lambda fn: fn


def largeTensorTest(size, device=None):
    return lambda fn: fn


def precisionOverride(d):
    return lambda fn: fn


class deviceCountAtLeast:
    """The test takes ``devices`` (a list of device strings); kindling has one CPU device."""

    def __init__(self, num_required_devices):
        self.num_required_devices = num_required_devices

    def __call__(self, fn):
        if self.num_required_devices > 1:
            return _skip_on_cpu(
                f"fewer than {self.num_required_devices} devices detected")(fn)
        fn._kindling_multi_device = True
        return fn


def _wrap(test, extra):
    @functools.wraps(test)
    def instantiated(self):
        return test(self, **extra)
    return instantiated


def instantiate_device_type_tests(generic_test_class, scope, except_for=None, only_for=None,
                                  include_lazy=False, allow_mps=False, allow_xpu=False):
    """Add ``<Class>CPU`` to ``scope`` (and drop the generic class), its tests taking
    ``device`` (or ``devices``) and, under ``@dtypes``, ``dtype``."""
    if only_for is not None and "cpu" not in (
            [only_for] if isinstance(only_for, str) else list(only_for)):
        scope.pop(generic_test_class.__name__, None)
        return
    if except_for is not None and "cpu" in (
            [except_for] if isinstance(except_for, str) else list(except_for)):
        scope.pop(generic_test_class.__name__, None)
        return
    name = generic_test_class.__name__ + "CPU"
    members = {"device_type": "cpu"}
    for attr, value in list(vars(generic_test_class).items()):
        if not (attr.startswith("test") and callable(value)):
            if attr not in ("__dict__", "__weakref__"):
                members[attr] = value
            continue
        takes = inspect.signature(value).parameters
        dev_arg = {}
        if "devices" in takes:
            dev_arg["devices"] = ["cpu"]
        elif "device" in takes:
            dev_arg["device"] = "cpu"
        variants = _parametrized_variants(value) or [("", {}, [])]
        dtype_list = getattr(value, "_kindling_dtypes", None)
        for suffix, kwargs, decs in variants:
            base = f"{attr}_{suffix}" if suffix else attr
            if dtype_list:
                for dt in dtype_list:
                    test_name = f"{base}_cpu_{dtype_name(dt)}"
                    fn = _wrap(value, {**dev_arg, **kwargs, "dtype": dt})
                    for d in decs:
                        fn = d(fn)
                    fn.__name__ = test_name
                    members[test_name] = fn
            else:
                test_name = f"{base}_cpu"
                fn = _wrap(value, {**dev_arg, **kwargs})
                for d in decs:
                    fn = d(fn)
                fn.__name__ = test_name
                members[test_name] = fn
    bases = tuple(b for b in generic_test_class.__bases__) or (TestCase,)
    cls = type(name, bases, members)
    cls.__module__ = generic_test_class.__module__
    scope[name] = cls
    scope.pop(generic_test_class.__name__, None)
