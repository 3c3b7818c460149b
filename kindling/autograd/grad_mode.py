"""Thread-local grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each is a context manager and a decorator (``@no_grad`` and ``@no_grad()`` both work), as in
``torch.autograd.grad_mode``.  The state lives on the dispatcher's thread-local ``state``
(``grad_enabled``, ``inference_mode``), so it is per thread and part of every TLS snapshot.
"""
from __future__ import annotations

import functools
import inspect
import warnings

from .._dispatcher.keys import AUTOGRAD_BITS, K, bit
from .._dispatcher.tls import state as _tls

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "set_multithreading_enabled",
           "is_multithreading_enabled", "is_view_replay_enabled"]

_ADIOV = bit(K.ADInplaceOrView)


def is_grad_enabled() -> bool:
    """Whether gradient recording is on in this thread."""
    return _tls.grad_enabled


def _set_grad_enabled(mode: bool):
    _tls.grad_enabled = bool(mode)


def is_inference_mode_enabled() -> bool:
    """Whether inference mode is on in this thread."""
    return _tls.inference_mode


def is_inference(input) -> bool:
    """``torch.is_inference``: whether ``input`` is an inference tensor."""
    from .._tensor import Tensor
    if not isinstance(input, Tensor):
        raise TypeError("is_inference(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return input.is_inference()


class _DecoratorContextManager:
    """A context manager that also decorates functions and generators (a fresh instance per
    call, via ``clone``)."""

    def __call__(self, orig_func):
        if inspect.isclass(orig_func):
            # (PyTorch's torch.utils._contextlib: deprecated, and what is returned is a function
            # that creates the instance inside the context)
            warnings.warn(
                "Decorating classes is deprecated and will be disabled in future versions. You "
                "should only decorate functions or methods. To preserve the current behavior of "
                "class decoration, you can directly decorate the `__init__` method and nothing "
                "else.", FutureWarning, stacklevel=2)
            cls = orig_func
            orig_func = lambda *args, **kwargs: cls(*args, **kwargs)  # noqa: E731
        ctx_factory = self.clone
        if inspect.isgeneratorfunction(orig_func):
            @functools.wraps(orig_func)
            def gen(*args, **kwargs):
                g = orig_func(*args, **kwargs)
                try:
                    with ctx_factory():
                        response = g.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with ctx_factory():
                                g.close()
                            raise
                        except BaseException:
                            with ctx_factory():
                                response = g.throw(*__import__("sys").exc_info())
                        else:
                            with ctx_factory():
                                response = g.send(request)
                except StopIteration as e:
                    return e.value
            return gen

        @functools.wraps(orig_func)
        def decorate(*args, **kwargs):
            with ctx_factory():
                return orig_func(*args, **kwargs)
        return decorate

    def clone(self):
        return self.__class__()


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """``@no_grad`` without parentheses works as ``@no_grad()``."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    """Disable gradient recording in this thread (inside the block or decorated function)."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = _tls.grad_enabled
        _tls.grad_enabled = False

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        _tls.grad_enabled = self.prev


class enable_grad(_NoParamDecoratorContextManager):
    """Enable gradient recording in this thread (inside ``no_grad``, for instance)."""

    def __enter__(self) -> None:
        self.prev = _tls.grad_enabled
        _tls.grad_enabled = True

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        _tls.grad_enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):
    """Set grad mode now; as a context manager, restore the previous mode on exit."""

    def __init__(self, mode: bool) -> None:
        self.prev = _tls.grad_enabled
        self.mode = mode
        _tls.grad_enabled = bool(mode)

    def __call__(self, orig_func):
        _tls.grad_enabled = self.prev
        return super().__call__(orig_func)

    def __enter__(self) -> None:
        _tls.grad_enabled = bool(self.mode)

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        _tls.grad_enabled = self.prev

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """Like ``no_grad``, and more: the autograd layer is skipped, tensors allocated inside are
    *inference tensors* (``is_inference()``: no autograd keys, no version counter, never
    saved for backward, not modified in place outside inference mode), and views of normal
    tensors made inside may not be modified in place outside.  ``inference_mode(False)``
    turns it off again (grad mode on).  As c10::InferenceMode does: grad and forward-grad
    modes are set to ``not mode``, ADInplaceOrView leaves the included keys and the
    Autograd keys are excluded (normal tensors, which carry ADInplaceOrView, still get view
    and version-counter bookkeeping)."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def __new__(cls, mode=True):
        if mode is None or isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __enter__(self) -> None:
        self._inference_mode_context = _enter_inference_mode(self.mode)

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        _exit_inference_mode(self._inference_mode_context)

    def clone(self):
        return self.__class__(self.mode)


def _enter_inference_mode(mode):
    """Set this thread's state as c10::InferenceMode(mode) does; returns what
    ``_exit_inference_mode`` restores."""
    s = _tls
    prev = (s.grad_enabled, s.inference_mode, s.fw_grad_enabled, s.excluded, s.included)
    enabled = bool(mode)
    s.grad_enabled = not enabled
    s.fw_grad_enabled = not enabled
    s.inference_mode = enabled
    if enabled:
        s.included = s.included & ~_ADIOV
        s.excluded = s.excluded | AUTOGRAD_BITS
    else:
        s.included = s.included | _ADIOV
        s.excluded = s.excluded & ~AUTOGRAD_BITS
    return prev


def _exit_inference_mode(prev):
    s = _tls
    s.grad_enabled, s.inference_mode, s.fw_grad_enabled, s.excluded, s.included = prev


def is_multithreading_enabled() -> bool:
    """Whether backward may use device threads (``set_multithreading_enabled``).  kindling's
    engine runs a backward on the calling thread either way (a deep reentrant one aside); the
    flag is kept per thread, as PyTorch's, for the APIs that read it
    (``_current_graph_task_execution_order``)."""
    return _tls.multithreading_enabled


_is_multithreading_enabled = is_multithreading_enabled


def _set_multithreading_enabled(mode: bool) -> None:
    _tls.multithreading_enabled = bool(mode)


class set_multithreading_enabled(_DecoratorContextManager):
    """Set multithreaded backward on or off now; as a context manager, restore it on exit."""

    def __init__(self, mode: bool) -> None:
        self.prev = _tls.multithreading_enabled
        _set_multithreading_enabled(mode)
        self.mode = mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _set_multithreading_enabled(self.prev)

    def clone(self):
        return self.__class__(self.mode)


def is_view_replay_enabled() -> bool:
    """Whether views record how to replay themselves (``_force_original_view_tracking``)."""
    return _tls.view_replay_enabled


_is_view_replay_enabled = is_view_replay_enabled


def _set_view_replay_enabled(mode: bool) -> None:
    _tls.view_replay_enabled = bool(mode)


class _force_original_view_tracking(_DecoratorContextManager):
    """Set view replay on or off now; as a context manager, restore it on exit.  With it on,
    a view made by a view op records that op, so an in-place change of the view (or of its
    base) gives it the view op's node (``ViewBackward0``...) instead of ``AsStridedBackward0``,
    and ``Tensor._view_func`` replays the op itself."""

    def __init__(self, mode: bool) -> None:
        self.prev = _tls.view_replay_enabled
        self.mode = mode
        _set_view_replay_enabled(mode)

    def __call__(self, orig_func):
        _set_view_replay_enabled(self.prev)  # (as a decorator: only inside the calls)
        return super().__call__(orig_func)

    def __enter__(self) -> None:
        _set_view_replay_enabled(self.mode)

    def __exit__(self, *exc) -> None:
        _set_view_replay_enabled(self.prev)

    def clone(self):
        return self.__class__(self.mode)


def _unsafe_set_version_counter(tensors, versions):
    """``torch._C._autograd._unsafe_set_version_counter``: set each tensor's version."""
    for t, v in zip(tensors, versions):
        if v < 0:
            raise RuntimeError(f"Cannot set a version_counter to a value below 0: {v}")
        vc = t._vc
        del vc[1:]  # (detach_ moves recorded after the count: the new count is exact)
        vc[0] = v


class _unsafe_preserve_version_counter(_DecoratorContextManager):
    """Inside the block, in-place changes of ``tensors`` do not show in their versions: their
    version counters are set back on exit (saved tensors then do not see the changes)."""

    def __init__(self, tensors) -> None:
        from .._tensor import Tensor
        self.tensors = (tensors,) if isinstance(tensors, Tensor) else tensors
        if not isinstance(self.tensors, tuple):
            raise AssertionError("Expected tensors to be a tuple")
        self.prev_versions = tuple(t._version for t in self.tensors)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *args) -> None:
        _unsafe_set_version_counter(self.tensors, self.prev_versions)


def _is_grad_layout_enforcement_enabled() -> bool:
    """``torch._C._is_grad_layout_enforcement_enabled``: this thread's policy flag."""
    return _tls.grad_layout_enforced


def _set_grad_layout_enforcement_enabled(enabled: bool) -> None:
    _tls.grad_layout_enforced = bool(enabled)


class enforce_grad_layout_policy(_DecoratorContextManager):
    """Whether AccumulateGrad holds stolen gradients to the gradient layout contract (the
    parameter's strides when it is dense, else row-major).  With ``enable=False`` a gradient
    that can be stolen becomes ``.grad`` whatever its layout; gradients that must be copied
    are still copied into the contract's layout.  Set at construction (so it also works as a
    plain call), restored on exit; thread-local."""

    def __init__(self, enable: bool = True) -> None:
        self.prev = _tls.grad_layout_enforced
        _tls.grad_layout_enforced = bool(enable)
        self.mode = enable

    def __call__(self, orig_func):
        _tls.grad_layout_enforced = self.prev
        return super().__call__(orig_func)

    def __enter__(self) -> None:
        pass

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        _tls.grad_layout_enforced = self.prev

    def clone(self):
        return self.__class__(self.mode)
