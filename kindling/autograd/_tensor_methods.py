"""The autograd side of ``Tensor``: ``grad``, ``grad_fn``, ``requires_grad``, ``is_leaf``,
``backward``, ``register_hook``, ``retain_grad``, ``detach_``, ``data``...

Attached to ``kindling.Tensor`` when ``kindling.autograd`` is imported (the tensor layer does
not import autograd; it only keeps the fields ``_grad``, ``_grad_node``, ``_output_nr``).
"""
from __future__ import annotations

import warnings
from collections import OrderedDict

from .._tensor import ADIOV_BIT, Tensor, make_tensor
from .derivatives import requires_grad as _requires_grad_of, view_grad_fn, \
    is_differentiable_dtype
from . import _view_func as _vf
from .graph import _add_hook, _HookDict, accumulator_meta

_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information.")


def _grad_fn(self):
    if self._base is None:
        return self._grad_node
    return view_grad_fn(self)


def _set_grad_fn(self, node):
    # PyTorch refuses this; kindling allows it for tests that fake a history.
    self._grad_node = node


def _set_grad_fn_field(self, value):
    """``t._grad_fn = None`` detaches ``t`` in place; nothing else may be assigned."""
    if value is not None:
        raise RuntimeError("_grad_fn can be only set to None")
    Tensor.detach_(self)


def _del_grad_fn(self):
    raise RuntimeError("Deletion of _grad_fn not allowed. Detach tensor instead!")


def _get_grad(self):
    g = self._grad
    if g is None and not self._retains_grad and _grad_fn(self) is not None:
        warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
    return g


_DT_NAMES = {"float64": "double", "float32": "float", "float16": "c10::Half",
             "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int"}


def _set_grad(self, value):
    if value is not None:
        if not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                            f"{type(value).__name__}")
        if value is self:
            raise RuntimeError("can't assign Variable as its own grad")
        gd = self.__dict__.get("_grad_dtype", self.dtype)
        if gd is not None and value.dtype is not gd:
            raise RuntimeError(
                f"attempting to assign a gradient with dtype '{_DT_NAMES.get(value.dtype._name, value.dtype._name)}' "
                f"to a tensor with grad_dtype '{gd._legacy}'. The gradient must match the "
                "tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
                "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
                "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may "
                "break downstream systems that assume they match.")
        if value._device.type != self._device.type:
            raise RuntimeError(
                f"attempting to assign a gradient with device type '{value._device.type}' to a "
                f"tensor with device type '{self._device.type}'. Please ensure that the gradient "
                "and the tensor are on the same device")
        if tuple(value._size) != tuple(self._size):
            raise RuntimeError(
                f"attempting to assign a gradient of size '[{', '.join(map(str, value._size))}]' "
                f"to a tensor of size '[{', '.join(map(str, self._size))}]'. Please ensure that "
                "the gradient and the tensor are the same size")
    self._grad = value


def _del_grad(self):
    self._grad = None


def _get_grad_dtype(self):
    if _grad_fn(self) is not None:
        raise RuntimeError("grad_dtype can only be accessed on leaf tensors.")
    return self.__dict__.get("_grad_dtype", self.dtype)


def _set_grad_dtype(self, dt):
    if _grad_fn(self) is not None:
        raise RuntimeError("grad_dtype can only be set on leaf tensors.")
    g = self._grad
    if dt is not None and g is not None and g.dtype is not dt:
        raise RuntimeError(
            f"Cannot set grad_dtype to '{dt._legacy}' because there is already a gradient with "
            f"dtype '{_DT_NAMES.get(g.dtype._name, g.dtype._name)}'. Please clear the gradient "
            "(.grad = None) before changing grad_dtype, or ensure the new grad_dtype matches "
            "the existing gradient's dtype.")
    self._grad_dtype = dt
    ref = self.__dict__.get("_grad_acc")
    acc = ref() if ref is not None else None
    if acc is not None:  # (the leaf's accumulator validates incoming gradients with it)
        acc._meta = [accumulator_meta(self)]


def _get_requires_grad(self):
    return self._requires_grad or (self._base is not None and _requires_grad_of(self))


def _set_requires_grad(self, value):
    # (PyTorch's setter: stricter than requires_grad_(), and ``del`` gets the first error)
    if not isinstance(value, bool):
        raise RuntimeError("requires_grad must be a bool")
    if _grad_fn(self) is not None:
        raise RuntimeError(
            "you can only change requires_grad flags of leaf variables." if value else
            "you can only change requires_grad flags of leaf variables. If you want to use a "
            "computed variable in a subgraph that doesn't require differentiation use "
            "var_no_grad = var.detach().")
    if value and not is_differentiable_dtype(self.dtype):
        raise RuntimeError("only Tensors of floating point and complex dtype can require "
                           "gradients")
    _check_not_inference(self, value)
    self._requires_grad = value


def _check_not_inference(self, requires_grad):
    """TensorImpl::set_requires_grad's check: inference tensors only require grad inside
    inference mode."""
    if requires_grad and not self._ks & ADIOV_BIT and not _dispatch_state.inference_mode:
        raise RuntimeError("Setting requires_grad=True on inference tensor outside "
                           "InferenceMode is not allowed.")


def _del_requires_grad(self):
    raise RuntimeError("requires_grad must be a bool")


def requires_grad_(self, requires_grad=True):
    """Set ``requires_grad`` in place on a leaf; only floating and complex tensors can."""
    if _grad_fn(self) is not None:
        if not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        return self
    if requires_grad and not is_differentiable_dtype(self.dtype):
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    _check_not_inference(self, requires_grad)
    self._requires_grad = bool(requires_grad)
    return self


def _is_leaf(self):
    return _grad_fn(self) is None


def _retains_grad(self):
    return bool(self._retains_grad) and _grad_fn(self) is not None


def retain_grad(self):
    """Populate ``.grad`` for this non-leaf tensor during backward."""
    if not _get_requires_grad(self):
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    fn = _grad_fn(self)
    if fn is None or self._retains_grad:
        return
    self._retains_grad = True
    fn._set_retains_grad(self._output_nr, self)


def register_hook(self, hook):
    """``hook(grad)`` runs when this tensor's gradient is computed; may return a new one."""
    if not _get_requires_grad(self):
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    fn = _grad_fn(self)
    if fn is None:
        d = self.__dict__.get("_hooks")
        if d is None:
            d = self._hooks = OrderedDict()  # (PyTorch's ``_backward_hooks``)
        return _add_hook(d, hook)
    return fn._add_tensor_pre_hook(self._output_nr, hook)


def _get_backward_hooks(self):
    """PyTorch's ``_backward_hooks``: the dict of this tensor's ``register_hook`` hooks (id ->
    hook), or None.  A leaf keeps it itself; a non-leaf's are its grad_fn's tensor pre-hooks
    for its output, so after an in-place op (a new grad_fn) it starts again from None."""
    fn = _grad_fn(self)
    if fn is None:
        return self.__dict__.get("_hooks")
    hk = fn._hk
    return hk.tensor_pre.get(self._output_nr) if hk is not None else None


def _set_backward_hooks(self, hooks):
    """Replace this tensor's hooks with the dict ``hooks`` (None: no hooks)."""
    fn = _grad_fn(self)
    if fn is None:
        if hooks is None:
            self.__dict__.pop("_hooks", None)
        else:
            self._hooks = hooks
    elif hooks is None:
        if fn._hk is not None:
            fn._hk.tensor_pre.pop(self._output_nr, None)
    else:
        fn._hooks().tensor_pre[self._output_nr] = hooks


def _del_backward_hooks(self):
    raise RuntimeError("Deletion of _backwards_hooks not allowed!")


def register_post_accumulate_grad_hook(self, hook):
    """``hook(tensor)`` runs after the gradient was accumulated into this leaf's ``.grad``."""
    if not _get_requires_grad(self):
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if _grad_fn(self) is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    d = self.__dict__.get("_post_acc_hooks")
    if d is None:
        d = self._post_acc_hooks = _HookDict()
    return _add_hook(d, hook)


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on."""
    if type(self) is not Tensor or _dispatch_state.function_modes:
        from ..overrides import handle_torch_function, has_torch_function_unary
        if has_torch_function_unary(self):
            return handle_torch_function(backward, (self,), self, gradient=gradient,
                                         retain_graph=retain_graph, create_graph=create_graph,
                                         inputs=inputs)
    (_backward or _load_backward())(self, gradient, retain_graph, create_graph, inputs=inputs)


_backward = None  # kindling.autograd.backward (the package imports this module first)


def _load_backward():
    global _backward
    from . import backward
    _backward = backward
    return backward


def detach_(self):
    """Detach in place: no history, no longer requires grad."""
    if self._base is not None and self._view_meta is not None:
        raise RuntimeError(
            "Can't detach views in-place. Use detach() instead. If you are using "
            "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as "
            "True, gradients are views of DDP buckets, and hence detach_() cannot be called on "
            "these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
            "function in torch/optim/optimizer.py as the solution.")
    vc = self._vc
    if self._grad_node is not None and type(vc) is list:
        # tensors saved from it (while it had history) must see the detach when unpacked by
        # a backward formula: the counter moves without moving the version users see
        vc[0] += 1
        vc.append(vc[0])
    self._grad_node = None
    self._output_nr = 0
    self._requires_grad = False
    if self._fw_grads is not None:
        self._fw_grads = None  # (forward gradients go too: PyTorch resets fw_grad_)
    return self


from .._dispatcher.keys import PYTHON_BITS as _PYTHON_BITS  # noqa: E402
from .._dispatcher.tls import state as _dispatch_state  # noqa: E402


def _get_data(self):
    """An alias of this tensor's memory with no history and a fresh version counter."""
    if self._ks & _PYTHON_BITS or _dispatch_state.dispatch_modes:
        # Subclasses with handlers (and active modes) see the ``detach`` PyTorch dispatches.
        from .._tensor_subclass import get_data
        return get_data(self)
    if self._np is None and self._storage is None:
        # (a plain Tensor, as PyTorch's getter: ``__torch_function__`` makes it a subclass)
        t = make_tensor.__globals__["_new"](Tensor)
        for s in ("_np", "_size", "_stride_", "_offset", "dtype", "_device", "_ks", "_storage"):
            setattr(t, s, getattr(self, s))
        t._vc = [0]
        return t
    # (a fresh version counter, even for an inference tensor, whose keys it keeps)
    t = make_tensor(self._untyped_storage(), self._size, self.stride(), self._offset, self.dtype,
                    self._device, vc=[0])
    if t._ks != self._ks:
        t._ks = self._ks
    return t


def _set_data(self, new):
    if not isinstance(new, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(new).__name__}")
    if self._requires_grad and not is_differentiable_dtype(new.dtype):
        raise RuntimeError("data set to a tensor that requires gradients must be floating point "
                           "or complex dtype")
    if self._ks & _PYTHON_BITS:  # a subclass keeps its Python keys (nothing is dispatched)
        from .._tensor_subclass import set_data
        return set_data(self, new)
    for s in ("_np", "_size", "_stride_", "_offset", "dtype", "_device", "_ks", "_storage"):
        setattr(self, s, getattr(new, s))


def _del_data(self):
    raise RuntimeError("Deleting tensor data is not allowed. Delete tensor instead!")


def _output_nr(self):
    return self._output_nr if _grad_fn(self) is not None else 0


def _view_func(self, new_base, symint_visitor_fn=None, tensor_visitor_fn=None):
    """This view made again from ``new_base`` (which must look like this view's base), its
    SymInt and tensor arguments passed through the visitors first; None if not a view."""
    return _vf.replay(self, new_base, symint_visitor_fn, tensor_visitor_fn)


def _view_func_unsafe(self, new_base, symint_visitor_fn=None, tensor_visitor_fn=None):
    """``_view_func`` without checking that ``new_base`` looks like the base."""
    return _vf.replay(self, new_base, symint_visitor_fn, tensor_visitor_fn, check_meta=False)


def _rev_view_func_unsafe(self, new_view):
    """A view of ``new_view`` shaped as this view's base is, relative to this view."""
    return _vf.reverse(self, new_view)


def _use_count(self):
    """PyTorch's reference count of the tensor's C++ impl: one for the Python handle, plus one
    per internal owner that keeps it alive (its AccumulateGrad node, a saved input in a graph,
    a view's ``_base``).  kindling has no impl apart from the Python object, so the owners are
    found among the objects referring to it (slow: a debugging aid, as in PyTorch)."""
    import gc
    from .graph import AccumulateGrad, SavedVariable
    count = 1
    for r in gc.get_referrers(self):
        if type(r) is AccumulateGrad and r.variable is self:
            count += 1
        elif type(r) is SavedVariable and r._data is self:
            count += 1
        elif isinstance(r, Tensor) and r._base is self:
            count += 1
        elif type(r) is dict and r.get("_base") is self:  # (a view's materialized __dict__)
            count += 1
    return count


def attach():
    T = Tensor
    T._use_count = _use_count
    T._view_func = _view_func
    T._view_func_unsafe = _view_func_unsafe
    T._rev_view_func_unsafe = _rev_view_func_unsafe
    T.grad_fn = property(_grad_fn, _set_grad_fn)
    # (kindling keeps the node in ``_grad_node``; ``_grad_fn`` is PyTorch's getset)
    T._grad_fn = property(_grad_fn, _set_grad_fn_field, _del_grad_fn)
    T.grad = property(_get_grad, _set_grad, _del_grad)
    T.grad_dtype = property(_get_grad_dtype, _set_grad_dtype)
    T.requires_grad = property(_get_requires_grad, _set_requires_grad, _del_requires_grad)
    T.requires_grad_ = requires_grad_
    T.is_leaf = property(_is_leaf)
    T.retains_grad = property(_retains_grad)
    T.retain_grad = retain_grad
    T.register_hook = register_hook
    T.register_post_accumulate_grad_hook = register_post_accumulate_grad_hook
    T.backward = backward
    T.detach_ = detach_
    T.data = property(_get_data, _set_data, _del_data)
    T._backward_hooks = property(_get_backward_hooks, _set_backward_hooks, _del_backward_hooks)
    T.output_nr = property(_output_nr)
