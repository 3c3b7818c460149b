"""Anomaly detection: forward tracebacks on nodes, nan checks on backward results.

``detect_anomaly`` (context manager / decorator) and ``set_detect_anomaly`` (sets now, restores
as a context manager), as ``torch.autograd.anomaly_mode``.  The mode is process-wide, as in
PyTorch.
"""
from __future__ import annotations

import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


class _AnomalyState:
    enabled = False
    check_nan = True


_anomaly = _AnomalyState()


def is_anomaly_enabled() -> bool:
    return _anomaly.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return _anomaly.check_nan


def set_anomaly_enabled(mode, check_nan=True):
    _set(mode, check_nan)


def _set(mode, check_nan):
    _anomaly.enabled = bool(mode)
    _anomaly.check_nan = bool(check_nan)


class detect_anomaly:
    """Enable anomaly detection inside the block (warns that it slows things down)."""

    def __init__(self, check_nan=True) -> None:
        self.prev = _anomaly.enabled
        self.check_nan = check_nan
        self.prev_check_nan = _anomaly.check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self) -> None:
        _set(True, self.check_nan)

    def __exit__(self, *args) -> None:
        _set(self.prev, self.prev_check_nan)

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with self.__class__(self.check_nan):
                return fn(*a, **k)
        return wrapper


class set_detect_anomaly:
    """Set anomaly detection on or off now; as a context manager, restore it on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = _anomaly.enabled
        self.prev_check_nan = _anomaly.check_nan
        _set(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *args) -> None:
        _set(self.prev, self.prev_check_nan)
