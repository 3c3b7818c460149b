"""View replay: how a view is made again from its base (PyTorch's ViewFunc).

With view replay on (``torch.autograd._force_original_view_tracking(True)``), each view op's
Autograd kernel records on its outputs the op and its arguments, chained after the recorded
function of its input when that is itself a view (``t._view_fn``).  Then

* an in-place change of the view, or of its base, gives the view the history of the replayed
  ops (``ViewBackward0``...) instead of ``AsStridedBackward0`` (``view_grad_fn``), and
  ``CopySlices`` takes the gradient's slice by replaying them;
* ``Tensor._view_func(new_base)`` makes the same view of another base, and
  ``_rev_view_func_unsafe(new_view)`` a base-shaped view of a view.

Views made with replay off have no function; a chain then covers the gap with ``as_strided``
(as PyTorch does).  Integer arguments typed ``SymInt`` and tensor arguments are the function's
state, which ``_view_func``'s visitors may replace for one replay.
"""
from __future__ import annotations


class ViewFunc:
    """Make a view of ``base``: ``fn(base)``; ``get_symints``/``get_tensors`` give its state,
    ``clone_and_set`` a copy with other state."""

    __slots__ = ()

    def get_symints(self):
        return []

    def get_tensors(self):
        return []

    def clone_and_set(self, symints=None, tensors=None):
        return self


class OpViewFunc(ViewFunc):
    """One view op with its arguments (after ``self``); ``index`` picks one output of a view
    op that returns several (split, unbind)."""

    __slots__ = ("op", "args", "kwargs", "index")

    def __init__(self, op, args, kwargs, index=None):
        self.op, self.args, self.kwargs, self.index = op, tuple(args), dict(kwargs or {}), index

    def __call__(self, base):
        out = self.op(base, *self.args, **self.kwargs)
        return out if self.index is None else out[self.index]

    def _slots(self, want):
        """(position or name, is_list) of the arguments whose schema type is ``want``."""
        out = []
        for i, a in enumerate(self.op._schema.arguments[1:]):
            if a.type.base != want:
                continue
            if not a.kwarg_only and i < len(self.args):
                if self.args[i] is not None:
                    out.append((i, a.type.is_list))
            elif a.name in self.kwargs and self.kwargs[a.name] is not None:
                out.append((a.name, a.type.is_list))
        return out

    def _get(self, want):
        vals = []
        for k, is_list in self._slots(want):
            v = self.args[k] if type(k) is int else self.kwargs[k]
            vals.extend(v if is_list else [v])
        return vals

    def get_symints(self):
        return self._get("SymInt")

    def get_tensors(self):
        return self._get("Tensor")

    def clone_and_set(self, symints=None, tensors=None):
        args, kwargs = list(self.args), dict(self.kwargs)
        for want, new in (("SymInt", symints), ("Tensor", tensors)):
            if new is None:
                continue
            new = list(new)
            for k, is_list in self._slots(want):
                old = args[k] if type(k) is int else kwargs[k]
                n = len(old) if is_list else 1
                v, new = (new[:n] if is_list else new[0]), new[n:]
                if type(k) is int:
                    args[k] = v
                else:
                    kwargs[k] = v
        return OpViewFunc(self.op, args, kwargs, self.index)


class AsStridedViewFunc(ViewFunc):
    """``as_strided`` to a fixed geometry; the offset is kept relative to the base's, so the
    replay is right on a new base with another offset (CopySlices' gradient buffer)."""

    __slots__ = ("size", "stride", "rel_offset")

    def __init__(self, size, stride, rel_offset):
        self.size, self.stride, self.rel_offset = tuple(size), tuple(stride), rel_offset

    def __call__(self, base):
        from .._aten._ops_registry import aten
        return aten.as_strided.default(base, list(self.size), list(self.stride),
                                       base._offset + self.rel_offset)

    def get_symints(self):
        return list(self.size) + list(self.stride) + [self.rel_offset]

    def clone_and_set(self, symints=None, tensors=None):
        if symints is None:
            return self
        n = len(self.size)
        s = list(symints)
        return AsStridedViewFunc(s[:n], s[n:2 * n], s[2 * n])


class ChainedViewFunc(ViewFunc):
    """``second(first(base))``."""

    __slots__ = ("first", "second")

    def __init__(self, first, second):
        self.first, self.second = first, second

    def __call__(self, base):
        return self.second(self.first(base))

    def get_symints(self):
        return self.first.get_symints() + self.second.get_symints()

    def get_tensors(self):
        return self.first.get_tensors() + self.second.get_tensors()

    def clone_and_set(self, symints=None, tensors=None):
        n_s = len(self.first.get_symints())
        n_t = len(self.first.get_tensors())
        return ChainedViewFunc(
            self.first.clone_and_set(None if symints is None else symints[:n_s],
                                     None if tensors is None else tensors[:n_t]),
            self.second.clone_and_set(None if symints is None else symints[n_s:],
                                      None if tensors is None else tensors[n_t:]))


def _as_strided_from_root(view):
    """The function making ``view`` from its root base with ``as_strided`` (None across
    dtypes: ``as_strided`` cannot change the dtype)."""
    base = view._base
    if view.dtype is not base.dtype:
        return None
    return AsStridedViewFunc(view._size, view.stride(), view._offset - base._offset)


def record(op, args, kwargs, outs, multi):
    """Give each view among ``outs`` (made by ``op(*args, **kwargs)``) its view function,
    chained after its input's when the input is itself a view."""
    src = args[0] if args else None
    first = None
    if src is not None and src._base is not None:
        first = src._view_fn or _as_strided_from_root(src)
        if first is None:
            return  # (a gap across dtypes: the view keeps the as_strided replay)
    for i, o in enumerate(outs):
        if o is None or o._base is None:
            continue
        fn = OpViewFunc(op, args[1:], kwargs, i if multi else None)
        o._view_fn = fn if first is None else ChainedViewFunc(first, fn)


def view_func_of(view):
    """The function that remakes ``view`` from its root base: the recorded one, else
    ``as_strided`` to its geometry (None when that cannot be)."""
    return view._view_fn or _as_strided_from_root(view)


def has_same_meta(a, b):
    return (tuple(a._size) == tuple(b._size) and tuple(a.stride()) == tuple(b.stride())
            and a._offset == b._offset and a.dtype is b.dtype)


def replay(view, new_base, symint_visitor_fn=None, tensor_visitor_fn=None, check_meta=True):
    """``Tensor._view_func``: ``view`` made again from ``new_base`` (None when ``view`` is not
    a differentiable view, or, with ``check_meta``, ``new_base`` is not like its base)."""
    base = view._base
    if base is None or view._view_meta is None:
        return None
    if check_meta and not has_same_meta(new_base, base):
        return None
    fn = view._view_fn
    if fn is None:
        from .._aten._ops_registry import aten
        return aten.as_strided.default(new_base, list(view._size), list(view.stride()),
                                       view._offset)
    symints = tensors = None
    if symint_visitor_fn is not None:
        symints = [symint_visitor_fn(s) for s in fn.get_symints()]
    if tensor_visitor_fn is not None:
        tensors = [tensor_visitor_fn(t) for t in fn.get_tensors()]
    if symints is not None or tensors is not None:
        fn = fn.clone_and_set(symints, tensors)
    return fn(new_base)


def reverse(view, new_view):
    """``Tensor._rev_view_func_unsafe``: a view of ``new_view`` with the geometry ``view``'s
    base has relative to ``view`` (in the base's dtype)."""
    base = view._base
    if base is None or view._view_meta is None:
        return None
    from .._aten._ops_registry import aten
    rel = base._offset - view._offset  # (in the base's units when the dtypes agree)
    if base.dtype is view.dtype:
        return aten.as_strided.default(new_view, list(base._size), list(base.stride()),
                                       new_view._offset + rel)
    from .derivatives import _cross_dtype_view
    if base.dtype.is_complex:  # a real view of a complex base: offsets in real units
        off = (new_view._offset + base._offset * 2 - view._offset) // 2
    else:
        off = new_view._offset * 2 + base._offset - view._offset * 2
    return _cross_dtype_view(new_view, base.dtype, base._size, base.stride(), off)
