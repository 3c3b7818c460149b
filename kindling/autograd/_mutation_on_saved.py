"""``torch.autograd.graph.allow_mutation_on_saved_tensors`` (re-exported by ``graph``).

Inside the context, a tensor saved for backward may be modified in place: the in-place op
first clones the saved value, and backward uses the clone.

* a ``saved_tensors_hooks`` pair keeps, per saved tensor, a *handle*; the handle maps to the
  original tensor, keyed by ``(id, data_ptr, version)`` (its *tid*); aliases are found through
  ``(data_ptr, version)`` (its *sid*: views of the same memory at the same version);
* a ``TorchDispatchMode`` looks at every op's schema: before an op writes to an argument
  (``Tensor(a!)``, ``out=``, lists of them), every saved tensor with that argument's sid is
  cloned (once) and the original dropped;
* unpack returns the clone if there is one, else the original.

Handles are weakly referenced from the maps, so entries go away with the graph that saved
them.  Backward must run inside the same context (else an ``AssertionError``), and the
contexts cannot be nested.
"""
from __future__ import annotations

import contextlib
from collections import defaultdict
from weakref import WeakKeyDictionary, WeakValueDictionary

from .graph import saved_tensors_hooks

_enabled = False


def _get_tid(t):
    return (id(t), t.data_ptr(), t._version)


def _get_sid(t):
    return (t.data_ptr(), t._version)


class _Handle:
    pass


class _AllowMutationOnSavedContext:
    """The state of one ``allow_mutation_on_saved_tensors`` block (what it yields)."""

    def __init__(self):
        self.cloned = WeakKeyDictionary()          # handle -> clone made before a mutation
        self.original = WeakKeyDictionary()        # handle -> the saved tensor
        self.tid_to_weakhandle = WeakValueDictionary()
        self.sid_to_tid = defaultdict(set)

    def clear(self):
        self.cloned.clear()
        self.original.clear()
        self.tid_to_weakhandle.clear()
        self.sid_to_tid.clear()


_ERR_OUTSIDE = ("Trying to backward outside of the 'allow_mutation_on_saved_tensors' context"
                "in which the graph was originally recorded.")


class _swap_with_cloned(saved_tensors_hooks):
    def __init__(self, ctx):
        def pack_hook(t):
            tid, sid = _get_tid(t), _get_sid(t)
            ctx.sid_to_tid[sid].add(tid)
            handle = ctx.tid_to_weakhandle.get(tid)
            if handle is None:  # (the same tensor at the same version shares one handle)
                handle = _Handle()
                ctx.tid_to_weakhandle[tid] = handle
                ctx.original[handle] = t
            return handle

        def unpack_hook(handle):
            if not _enabled:
                raise AssertionError(_ERR_OUTSIDE)
            if handle in ctx.cloned:
                return ctx.cloned[handle]
            if handle not in ctx.original:
                raise AssertionError(_ERR_OUTSIDE)
            return ctx.original[handle]

        super().__init__(pack_hook, unpack_hook)


def _mode_class():
    from ..utils._python_dispatch import TorchDispatchMode

    class _CloneArgBeforeMutateMode(TorchDispatchMode):
        def __init__(self, ctx):
            super().__init__()
            self.ctx = ctx

        def _maybe_clone(self, t):
            ctx = self.ctx
            tids = ctx.sid_to_tid.get(_get_sid(t))
            if not tids:
                return
            for tid in tids:
                handle = ctx.tid_to_weakhandle.get(tid)
                if handle is None:  # saved once, but its graph is gone
                    continue
                if handle in ctx.cloned:
                    continue
                ctx.cloned[handle] = ctx.original[handle].clone()
                del ctx.original[handle]

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            for idx, arg in enumerate(func._schema.arguments):
                ai = arg.alias_info  # (``Tensor(a!)[]``'s too, as c10 gives it: _foreach_add_)
                if ai is None or not ai.is_write:
                    continue
                if arg.is_out or arg.kwarg_only:
                    val = kwargs.get(arg.name)
                else:
                    val = args[idx] if idx < len(args) else kwargs.get(arg.name)
                if isinstance(val, (list, tuple)):
                    for t in val:
                        self._maybe_clone(t)
                elif val is not None:
                    self._maybe_clone(val)
            return func(*args, **kwargs)

    return _CloneArgBeforeMutateMode


@contextlib.contextmanager
def allow_mutation_on_saved_tensors():
    """Within the block, tensors saved for backward may be modified in place: they are cloned
    before the first mutation and backward uses the clone.  Run forward and backward in the
    same block.  Yields the ``_AllowMutationOnSavedContext`` (cleared on exit)."""
    global _enabled
    ctx = _AllowMutationOnSavedContext()
    with _swap_with_cloned(ctx), _mode_class()(ctx):
        try:
            if _enabled:
                raise RuntimeError("allow_mutation_on_saved_tensors contexts cannot be nested")
            _enabled = True
            yield ctx
        finally:
            ctx.clear()
            _enabled = False
