"""``HigherOrderOperator``: Python-only operators that take functions (``cond``, ...).

A HOP dispatches entirely in Python: it ORs the key sets of the tensors among its (nested)
arguments with the thread's include set, drops excluded keys and the keys it falls through
(``non_fallthrough_keys``), and runs the ``py_impl`` kernel for the highest key.  At the Python
key the top dispatch mode decides: a rule registered with ``py_impl(ModeClass)``, else the
mode's ``__torch_dispatch__`` if it sets ``supports_higher_order_operators``, else an error.
"""
from __future__ import annotations

import abc
import contextlib

from .. import _ops
from .._ops import OperatorBase as _OperatorBase
from .._dispatcher.keys import FULL, RANK, DispatchKey, DispatchKeySet, K, bit
from .._dispatcher.tls import state as _tls

_HIGHER_ORDER_OP_DEFAULT_FALLTHROUGH_DISPATCH_KEYS = [
    K.PythonDispatcher, K.PythonTLSSnapshot, K.ADInplaceOrView, K.BackendSelect,
    K.AutocastCPU, K.AutocastCUDA, K.AutocastXPU,
]


# ---- the dispatch-mode stack, through the Python dispatch layer when it is there --------------
def current_dispatch_mode():
    """The top TorchDispatchMode of this thread, or None."""
    try:
        from ..utils._python_dispatch import _get_current_dispatch_mode
    except ImportError:
        modes = _tls.dispatch_modes
        return modes[-1] if modes else None
    return _get_current_dispatch_mode()


@contextlib.contextmanager
def pop_mode_temporarily():
    """Pop the top dispatch mode for the block and yield it."""
    try:
        from ..utils._python_dispatch import _pop_mode_temporarily
    except ImportError:
        _pop_mode_temporarily = None
    if _pop_mode_temporarily is not None:
        with _pop_mode_temporarily() as m:
            yield m
        return
    modes = _tls.dispatch_modes
    m = modes.pop()
    try:
        yield m
    finally:
        modes.append(m)


class OperatorBase(_OperatorBase):
    """``OperatorBase`` (kindling._ops) plus the kernel queries HOPs answer from py_kernels."""

    def __call__(self, *args, **kwargs):
        raise NotImplementedError

    def has_kernel_for_dispatch_key(self, k):
        return k in self.py_kernels

    def has_kernel_for_any_dispatch_key(self, ks):
        for k in self.py_kernels:
            if isinstance(k, DispatchKey) and k in RANK and ks.has(k):
                return True
        return False

    def name(self):
        raise NotImplementedError


def _flat_tensors(args, kwargs):
    from .._tensor import Tensor
    out = []

    def walk(x):
        if isinstance(x, Tensor):
            out.append(x)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
    walk(args)
    walk(kwargs)
    return out


class HigherOrderOperator(OperatorBase, abc.ABC):
    """Base class of higher-order operators; subclass it (``class CondOp(HigherOrderOperator)``)
    and define ``__call__`` (usually ``return super().__call__(...)``)."""

    def __init__(self, name, *, cacheable=False, supports_training_input_mutation=False):
        super().__init__()
        if type(self) is HigherOrderOperator:
            raise RuntimeError(
                "Direct instantiation of HigherOrderOperator is not allowed. Please subclass it.")
        self._name = name
        self.__name__ = name
        _ops._higher_order_ops[name] = self
        self._ns = "higher_order"
        self.__module__ = "torch.ops.higher_order"
        self._cacheable = cacheable
        self._supports_training_input_mutation = supports_training_input_mutation
        self.non_fallthrough_keys = DispatchKeySet._from_bits(FULL)
        for dispatch_key in _HIGHER_ORDER_OP_DEFAULT_FALLTHROUGH_DISPATCH_KEYS:
            self.fallthrough(dispatch_key)

    def py_impl(self, k):
        if isinstance(k, DispatchKey) and k in RANK and not self.non_fallthrough_keys.has(k):
            self.non_fallthrough_keys = self.non_fallthrough_keys.add(k)
        return super().py_impl(k)

    def py_autograd_impl(self, fn):
        """Register ``fn`` at Autograd; calls that need no gradient skip it."""
        def maybe_run_autograd(*args, **kwargs):
            from .._dispatcher.guards import _AutoDispatchBelowAutograd
            if not _tls.grad_enabled or not any(
                    t.requires_grad for t in _flat_tensors(args, kwargs)):
                with _AutoDispatchBelowAutograd():
                    return self(*args, **kwargs)
            return fn(*args, **kwargs)
        self.py_impl(K.Autograd)(maybe_run_autograd)
        return fn

    @property
    def namespace(self):
        return self._ns

    def cacheable(self):
        return self._cacheable

    def fallthrough(self, dispatch_key):
        self.non_fallthrough_keys = self.non_fallthrough_keys.remove(dispatch_key)

    def _get_overloaded_args(self, args, kwargs):
        py = bit(K.Python)
        return tuple(t for t in _flat_tensors(args, kwargs) if t._ks & py)

    def dispatch(self, /, dispatch_key, *args, **kwargs):
        if dispatch_key in self._dispatch_cache:
            return self._dispatch_cache[dispatch_key](*args, **kwargs)
        if dispatch_key == K.Python:
            return self._dispatch_python(args, kwargs)
        from .._dispatch.python import resolve_key
        final_key = resolve_key(self, dispatch_key)
        if final_key not in self.py_kernels:
            raise NotImplementedError(
                f"could not find kernel for HigherOrderOperator {self._name} at dispatch key "
                f"{final_key} (resolved from {dispatch_key})")
        kernel = self.py_kernels[final_key]
        if dispatch_key != K.PreDispatch:
            self._dispatch_cache[dispatch_key] = kernel
        return kernel(*args, **kwargs)

    def _dispatch_python(self, args, kwargs):
        overloaded_args = self._get_overloaded_args(args, kwargs)
        curr_mode = current_dispatch_mode()
        if curr_mode is None and not overloaded_args:
            # Nothing at the Python key handles this call: continue below it.
            ks = 0
            for t in _flat_tensors(args, kwargs):
                ks |= t._ks
            st = _tls
            below = (1 << RANK[K.Python]) - 1
            ks = (ks | st.included) & ~st.excluded & self.non_fallthrough_keys._bits & below
            key = DispatchKeySet._from_bits(ks).highestPriorityTypeId()
            return self.dispatch(key, *args, **kwargs)
        if curr_mode is not None:
            if type(curr_mode) in self.python_key_table:
                handler = self.python_key_table[type(curr_mode)]
                with pop_mode_temporarily() as mode:
                    result = handler(mode, *args, **kwargs)
            elif getattr(curr_mode, "supports_higher_order_operators", False):
                with pop_mode_temporarily():
                    return curr_mode.__torch_dispatch__(self, [], args, kwargs)
            else:
                raise NotImplementedError(
                    f"There was no rule registered for HigherOrderOperator {self._name} and "
                    f"mode {curr_mode}.Hint: set {curr_mode}'s supports_higher_order_operators "
                    f"to True. This causes all higher order operators to pass through "
                    f"{curr_mode}'s __torch_dispatch__, so handle them accordingly by adding "
                    f"support for HigerOrderOperators (in this case, {self._name}) in "
                    f"{curr_mode}.__torch_dispatch__ or returning NotImplemented when not "
                    "supported.")
            if result is not NotImplemented:
                return result
        for arg in overloaded_args:
            subclass_type = type(arg)
            if subclass_type in self.python_key_table:
                result = self.python_key_table[subclass_type](*args, **kwargs)
            else:
                raise NotImplementedError(
                    f"There was no rule registered for HOP {self._name} and subclass "
                    f"{subclass_type}. We recommend filing an issue.")
            if result is not NotImplemented:
                return result
        raise TypeError(
            f"HigherOrderOperator '{self._name}' is not supported for the given input types. "
            "This typically happens when using custom tensor types or dispatch modes that don't "
            "have implementations for this operation.\n\n"
            f"Current mode: {curr_mode}\n"
            f"Input types: {[type(a).__name__ for a in overloaded_args]}\n\n"
            f"To fix this, can add support for '{self._name}' in {curr_mode}'s "
            "__torch_dispatch__\n")

    @abc.abstractmethod
    def __call__(self, /, *args, **kwargs):
        try:
            from ..overrides import handle_torch_function, has_torch_function
        except ImportError:
            has_torch_function = None
        if has_torch_function is not None:
            flat = tuple(_flat_tensors(args, kwargs))
            if flat and has_torch_function(flat):
                return handle_torch_function(self, flat, *args, **kwargs)
        ks = 0
        for t in _flat_tensors(args, kwargs):
            ks |= t._ks
        st = _tls
        ks = (ks | st.included) & ~st.excluded & self.non_fallthrough_keys._bits
        key = DispatchKeySet._from_bits(ks).highestPriorityTypeId()
        return self.dispatch(key, *args, **kwargs)

    def gen_schema(self, *args, **kwargs):
        raise NotImplementedError(
            f"HigherOrderOperator {self._name} does not implement a gen_schema. This is OK as "
            "long as the hop is functional. e.g. it should not mutate its inputs and there are "
            "no input, output aliasing via views or direct referencing.")

    def __str__(self):
        return f"{self.name()}"

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object at {hex(id(self))}>"

    def name(self):
        return self._name

    def __deepcopy__(self, memo=None):
        return self
