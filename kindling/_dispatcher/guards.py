"""The thread-local include/exclude guards of ``torch._C`` (context managers)."""
from __future__ import annotations

from .keys import AUTOGRAD_BITS, DispatchKeySet, K, above, bit, key_to_bits, parse_key
from .tls import state


def _bits(x):
    if isinstance(x, DispatchKeySet):
        return x._bits
    return key_to_bits(parse_key(x))


class _IncludeDispatchKeyGuard:
    """Add a key to this thread's include set for the duration of a ``with`` block."""

    def __init__(self, key):
        self._add = _bits(key)
        self._added = 0

    def __enter__(self):
        self._added = self._add & ~state.included
        state.included |= self._added
        return self

    def __exit__(self, *exc):
        state.included &= ~self._added
        return False


class _ExcludeDispatchKeyGuard:
    """Add keys to this thread's exclude set for the duration of a ``with`` block."""

    def __init__(self, keyset):
        self._add = _bits(keyset)
        self._added = 0

    def __enter__(self):
        self._added = self._add & ~state.excluded
        state.excluded |= self._added
        return self

    def __exit__(self, *exc):
        state.excluded &= ~self._added
        return False


class _ForceDispatchKeyGuard:
    """Replace both sets (or, with no arguments, just restore them on exit)."""

    def __init__(self, include=None, exclude=None):
        self._inc = None if include is None else _bits(include)
        self._exc = None if exclude is None else _bits(exclude)

    def __enter__(self):
        self._saved = (state.included, state.excluded)
        if self._inc is not None:
            state.included = self._inc
        if self._exc is not None:
            state.excluded = self._exc
        return self

    def __exit__(self, *exc):
        state.included, state.excluded = self._saved
        return False


class _AutoDispatchBelowAutograd(_ExcludeDispatchKeyGuard):
    """Exclude every Autograd key (run below autograd)."""

    def __init__(self):
        super().__init__(DispatchKeySet._from_bits(AUTOGRAD_BITS))


class _AutoDispatchBelowADInplaceOrView(_ExcludeDispatchKeyGuard):
    """Exclude Autograd and ADInplaceOrView (run at the backend)."""

    def __init__(self):
        super().__init__(DispatchKeySet._from_bits(
            AUTOGRAD_BITS | bit(K.ADInplaceOrView) | above(K.ADInplaceOrView) & AUTOGRAD_BITS))


def _dispatch_tls_local_include_set():
    return DispatchKeySet._from_bits(state.included)


def _dispatch_tls_local_exclude_set():
    return DispatchKeySet._from_bits(state.excluded)


def _dispatch_tls_is_dispatch_key_included(key):
    return bool(state.included & _bits(key))


def _dispatch_tls_is_dispatch_key_excluded(key):
    return bool(state.excluded & _bits(key))


def _dispatch_tls_set_dispatch_key_included(key, value):
    b = _bits(key)
    state.included = (state.included | b) if value else (state.included & ~b)


def _dispatch_tls_set_dispatch_key_excluded(key, value):
    b = _bits(key)
    state.excluded = (state.excluded | b) if value else (state.excluded & ~b)
