"""Process-wide settings of the ``torch`` namespace: thread counts, deterministic algorithms,
float32 matmul precision, warn-always, the default device and legacy default tensor type.

kindling computes on NumPy in one thread and always deterministically, so most of these are
recorded and reported back as PyTorch does, without changing how kernels run.
"""
from __future__ import annotations

import builtins
import os
import threading

from . import _device, _dtype
from ._aten import _util
from ._aten._util import warn_user

_state = {"num_threads": os.cpu_count() or 1,
          "deterministic": False, "deterministic_warn_only": False,
          "matmul_precision": "highest", "warn_always": False}


def _check_bool(v, what):
    if type(v) is not builtins.bool:
        raise RuntimeError(f"{what} expects a bool, but got {type(v).__name__}")


# ---- threads ------------------------------------------------------------------------------
def get_num_threads() -> int:
    """The number of threads used for intra-op parallelism (kindling's kernels use one; this
    is the value set, as PyTorch reports it)."""
    return _state["num_threads"]


def set_num_threads(int) -> None:  # noqa: A002  (PyTorch's parameter name)
    """Set the number of threads used for intra-op parallelism."""
    if type(int) is not builtins.int:
        raise RuntimeError(f"set_num_threads expects an int, but got {type(int).__name__}")
    if int <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _state["num_threads"] = int


def init_num_threads() -> None:
    """Initialise the number of parallel threads (nothing to do in kindling)."""


# ---- deterministic algorithms -------------------------------------------------------------
def use_deterministic_algorithms(mode: builtins.bool, *, warn_only: builtins.bool = False) -> None:
    """Ask for deterministic algorithms (kindling's kernels all are: the flags are recorded)."""
    if type(mode) is not builtins.bool:
        raise TypeError("_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {type(mode).__name__}")
    if type(warn_only) is not builtins.bool:
        raise TypeError("_set_deterministic_algorithms(): argument 'warn_only' must be bool, "
                        f"not {type(warn_only).__name__}")
    _state["deterministic"] = mode
    _state["deterministic_warn_only"] = warn_only


def are_deterministic_algorithms_enabled() -> builtins.bool:
    """Whether deterministic algorithms were asked for."""
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> builtins.bool:
    """Whether deterministic algorithms were asked for with ``warn_only=True``."""
    return _state["deterministic_warn_only"]


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode) -> None:
    """``use_deterministic_algorithms`` by level: 0/"default" off, 1/"warn" warn only,
    2/"error" on."""
    if not isinstance(debug_mode, (builtins.int, str)):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, "
                               f"`warn`, `error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got "
                           f"{debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> builtins.int:
    """The level ``set_deterministic_debug_mode`` takes for the current flags."""
    if not _state["deterministic"]:
        return 0
    return 1 if _state["deterministic_warn_only"] else 2


# ---- matmul precision, warnings, denormals ------------------------------------------------
def get_float32_matmul_precision() -> str:
    """The float32 matmul precision set: ``"highest"`` (the default), ``"high"`` or
    ``"medium"`` (kindling always computes at full float32 precision)."""
    return _state["matmul_precision"]


def set_float32_matmul_precision(precision: str) -> None:
    """Record the float32 matmul precision; other values warn and change nothing."""
    if precision in ("highest", "high", "medium"):
        _state["matmul_precision"] = precision
    else:
        warn_user(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                  "setFloat32MatmulPrecision call has no effect.")


def set_warn_always(b: builtins.bool) -> None:
    """Make warnings given once per process (``TORCH_WARN_ONCE``) be given every time."""
    if type(b) is not builtins.bool:
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {type(b).__name__}")
    _state["warn_always"] = b
    _util.warn_always[0] = b


def is_warn_always_enabled() -> builtins.bool:
    """Whether ``set_warn_always(True)`` is in effect."""
    return _state["warn_always"]


def set_flush_denormal(mode: builtins.bool) -> builtins.bool:
    """Flushing denormal floats to zero: NumPy offers no control over it, so this returns
    False (not supported), as PyTorch does on CPUs without the feature."""
    _check_bool(mode, "flush_denormal")
    return False


# ---- default device and tensor type -------------------------------------------------------
_default_device = threading.local()


def set_default_device(device) -> None:
    """Make factory calls without ``device=`` allocate on ``device`` (``None`` undoes it)."""
    ctx = getattr(_default_device, "context", None)
    if ctx is not None:
        ctx.__exit__(None, None, None)
    if device is None:
        ctx = None
    else:
        if type(device) is builtins.int:
            raise RuntimeError("Cannot access accelerator device when none is available.")
        from .utils._device import DeviceContext
        ctx = DeviceContext(device)
        ctx.__enter__()
    _default_device.context = ctx


def get_default_device() -> _device.device:
    """The device factory calls without ``device=`` allocate on."""
    from .overrides import _get_current_function_mode_stack
    from .utils._device import DeviceContext
    for mode in reversed(_get_current_function_mode_stack()):
        if isinstance(mode, DeviceContext):
            return mode.device
    ctx = getattr(_default_device, "context", None)
    return ctx.device if ctx is not None else _device.CPU


def set_default_tensor_type(t, /) -> None:
    """Deprecated: set the default floating-point dtype from a tensor type
    (``torch.DoubleTensor`` or ``"torch.DoubleTensor"``)."""
    from ._aten._util import warn_once
    warn_once("set_default_tensor_type",
              "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
              "torch.set_default_dtype() and torch.set_default_device() as alternatives.")
    if isinstance(t, str):
        import kindling
        mod, _, name = t.rpartition(".")
        if mod not in ("torch", "kindling") or not hasattr(kindling, name):
            raise TypeError(f"invalid type: '{t}'")
        t = getattr(kindling, name)
    dt = getattr(t, "dtype", None) if isinstance(t, type) else None
    if not isinstance(dt, _dtype.dtype):
        raise TypeError("invalid type object: only floating-point types are supported as the "
                        "default type")
    if not dt.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(dt)


# ---- odds and ends ------------------------------------------------------------------------
def is_storage(obj) -> builtins.bool:
    """Whether ``obj`` is a storage (typed or untyped)."""
    from ._storage import UntypedStorage
    from .storage import TypedStorage
    return isinstance(obj, (UntypedStorage, TypedStorage))


def compiled_with_cxx11_abi() -> builtins.bool:
    """Whether PyTorch was built with the C++11 ABI: kindling answers as PyTorch 2.13's
    wheels do (True)."""
    return True


def classproperty(func):
    """A read-only property of a class (``@classproperty def name(cls): ...``)."""
    if not isinstance(func, (classmethod, staticmethod)):
        func = classmethod(func)
    return _ClassProperty(func)


class _ClassProperty:
    def __init__(self, fget):
        self.fget = fget

    def __get__(self, instance, owner=None):
        if owner is None:
            owner = type(instance)
        return self.fget.__get__(instance, owner)()
