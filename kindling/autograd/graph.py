"""The autograd graph: nodes, edges, saved tensors and hooks (``torch.autograd.graph``).

A backward graph is made of *nodes*.  Each node stands for one recorded forward op: it holds
``next_functions`` (one edge ``(node, input_nr)`` per differentiable forward input, ``(None, 0)``
where that input needs no gradient), the metadata of the forward outputs (shape, dtype,
device: what the incoming gradients must look like), saved values, and hooks.  Leaves that
require grad end in an ``AccumulateGrad`` node that writes ``.grad``.

Node classes are generated per op (``MulBackward0``...) by ``kindling.autograd.derivatives``;
custom ``Function`` nodes by ``kindling.autograd.function``.  All derive from ``_Node`` and are
instances of the abstract ``Node`` below.
"""
from __future__ import annotations

import abc
import itertools
import re
import sys
import threading
import weakref
from collections import OrderedDict

from .._dispatcher.keys import PYTHON_BITS as _PYTHON_BITS
from .._dispatcher.tls import state as _tls
from .._aten._pointwise_util import FP_STATE as _FP_STATE
from .._tensor import ADIOV_BIT as _ADIOV_BIT, Tensor as _Tensor, user_version

__all__ = ["Node", "GradientEdge", "get_gradient_edge", "saved_tensors_hooks", "save_on_cpu",
           "disable_saved_tensors_hooks", "register_multi_grad_hook", "increment_version",
           "allow_mutation_on_saved_tensors"]

ERR_BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed when "
    "you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")

ERR_SAVE_INFERENCE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead "
    "of `torch.inference_mode()`.")

# Sequence numbers order nodes: a node created later runs earlier in backward.
_seq_counter = itertools.count()
_MAX_SEQ = (1 << 64) - 1


def next_seq():
    return next(_seq_counter)


# ---- removable hook handles ------------------------------------------------------------------
from ..utils.hooks import RemovableHandle  # noqa: E402  (torch.utils.hooks's, as in PyTorch)


class _HookDict(dict):
    """A dict that can be weakly referenced (plain dicts cannot)."""

    __slots__ = ("__weakref__",)


def _add_hook(d, fn):
    h = RemovableHandle(d)
    d[h.id] = fn
    return h


# ---- the abstract Node --------------------------------------------------------------------------
class Node(abc.ABC):
    """``torch.autograd.graph.Node``: every backward node is an instance of this class."""

    @abc.abstractmethod
    def name(self) -> str: ...

    @property
    @abc.abstractmethod
    def next_functions(self): ...

    @abc.abstractmethod
    def metadata(self) -> dict: ...

    @abc.abstractmethod
    def register_hook(self, fn): ...

    @abc.abstractmethod
    def register_prehook(self, fn): ...

    @classmethod
    def __subclasshook__(cls, C):
        if cls is Node and issubclass(C, _Node):
            return True
        return NotImplemented


class _Hooks:
    """The rarely used per-node state, created on first use."""

    __slots__ = ("pre", "post", "tensor_pre", "retains_grad", "metadata")

    def __init__(self):
        self.pre = _HookDict()           # node pre-hooks fn(grad_outputs)
        self.post = _HookDict()          # node hooks fn(grad_inputs, grad_outputs)
        self.tensor_pre = {}             # output_nr -> OrderedDict of tensor hooks fn(grad)
        self.retains_grad = {}           # output_nr -> weakref of the tensor retaining grad
        self.metadata = None  # (anomaly mode keeps "traceback_" and "parent_" in it)


class _Node:
    """Base class of every backward node.

    ``_next``: tuple of edges ``(node or None, input_nr)``; ``_seq``: sequence number;
    ``_meta``: per forward output ``(shape, dtype, device)`` or None (non-tensor output);
    ``_hk``: hooks and metadata, or None.
    """

    __slots__ = ("_next", "_seq", "_meta", "_hk", "__weakref__")

    _name = None  # class attribute: what name() returns
    _formula = False  # whether backward only evaluates aten formulas (engine: runs them
    #                   below autograd when no graph is being created)
    _fast_run = False  # whether ``_run`` takes the task's exec_info (generated node classes)
    _array = None  # the node's array lane as array_engine calls it (see array_lane)

    # ---- introspection ----------------------------------------------------------------------
    def name(self):
        return self._name or type(self).__name__

    @property
    def next_functions(self):
        return tuple(self._next)

    @property
    def metadata(self):
        hk = self._hooks()
        if hk.metadata is None:
            hk.metadata = {}
        return hk.metadata

    def _sequence_nr(self):
        return self._seq

    def _set_sequence_nr(self, n):
        self._seq = n

    @property
    def _input_metadata(self):
        return tuple(_InputMetadata(m) for m in self._meta)

    def _hooks(self):
        hk = self._hk
        if hk is None:
            hk = self._hk = _Hooks()
        return hk

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    # ---- hooks --------------------------------------------------------------------------------
    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` after the node ran; may return new grad_inputs."""
        return _add_hook(self._hooks().post, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` before the node runs; may return new grad_outputs."""
        return _add_hook(self._hooks().pre, fn)

    def _register_hook_dict(self, tensor):
        pass

    def _add_tensor_pre_hook(self, output_nr, fn):
        tp = self._hooks().tensor_pre
        d = tp.get(output_nr)
        if d is None:  # (an OrderedDict, as the ``_backward_hooks`` PyTorch shows)
            d = tp[output_nr] = OrderedDict()
        return _add_hook(d, fn)

    def _set_retains_grad(self, output_nr, tensor):
        self._hooks().retains_grad[output_nr] = weakref.ref(tensor)

    # ---- running ------------------------------------------------------------------------------
    def _run(self, grads, needed=None):
        raise NotImplementedError

    def __call__(self, *grads, **kwargs):
        """Run the node on ``grads`` (one per forward output; no hooks), as PyTorch's C++
        nodes are called from Python."""
        if kwargs:
            raise TypeError("keyword arguments are not supported")
        n = len(self._meta)
        if len(grads) != n:
            raise TypeError(f"expected {n} arguments, got {len(grads)} instead")
        for i, g in enumerate(grads):
            if g is not None and not isinstance(g, _Tensor):
                raise TypeError(f"argument {i} is not a Variable")
        r = self._run(list(grads))
        return tuple(r) if len(r) != 1 else r[0]

    def release_variables(self):
        pass

    def _should_compute(self, i):
        """Whether the gradient of forward input ``i`` is needed by the running backward."""
        nxt = self._next[i][0]
        if nxt is None:
            return False
        task = _engine_state.task
        if task is None or task.exec_info is None:
            return True
        return nxt in task.exec_info


class _InputMetadata:
    def __init__(self, m):
        self._m = m

    @property
    def shape(self):
        from .._tensor import Size
        return Size(self._m[0]) if self._m else None

    @property
    def dtype(self):
        return self._m[1] if self._m else None

    @property
    def device(self):
        return self._m[2] if self._m else None

    def __repr__(self):
        return f"_InputMetadata(shape={self.shape}, dtype={self.dtype}, device={self.device})"


class _EngineState(threading.local):
    def __init__(self):
        self.task = None
        # while the engine runs: the caller's (excluded keys, torch-function state), which
        # user code called from inside a formula (unpack hooks) runs in
        self.outer = None
        self.node = None  # the node the engine is running (torch._C._current_autograd_node)


_engine_state = _EngineState()


def node_display_name(node):
    """``AddBackward0`` -> ``Add``, ``SumBackward1`` -> ``Sum1``: how error messages name a
    producing node."""
    # (C++ nodes keep their namespace: "output 0 of torch::autograd::CopySlices")
    return re.sub(r"Backward(\d*)$", lambda m: m.group(1).lstrip("0"), node.name())


# ---- AccumulateGrad ---------------------------------------------------------------------------
class AccumulateGrad(_Node):
    """The node at a leaf that requires grad: accumulates the incoming gradient into ``.grad``."""

    __slots__ = ("variable",)
    _name = "torch::autograd::AccumulateGrad"

    def __init__(self, variable):
        self.variable = variable
        self._next = ()
        self._seq = _MAX_SEQ
        self._meta = [accumulator_meta(variable)]
        self._hk = None

    def _run(self, grads, needed=None):
        from .engine import accumulate_grad
        accumulate_grad(self.variable, grads[0])
        return []


def accumulator_meta(variable):
    """What gradients reaching a leaf must look like: its shape and device, and its
    ``grad_dtype`` (its dtype unless set; with grad_dtype None any dtype passes, see
    engine._validate_one)."""
    gd = variable.__dict__.get("_grad_dtype", variable.dtype)
    return (variable._size, gd or variable.dtype, variable._device)


def grad_accumulator(t):
    """The AccumulateGrad node of leaf ``t`` (the same one while it is alive)."""
    ref = t.__dict__.get("_grad_acc")
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._grad_acc = weakref.ref(acc)
    return acc


def _grad_fn_of(t):
    """``t.grad_fn`` without ``__torch_function__`` (derivatives.grad_fn_of; imported late:
    derivatives imports this module)."""
    from .derivatives import grad_fn_of
    return grad_fn_of(t)


def gradient_edge(t):
    """``(node, input_nr)`` through which gradient reaches tensor ``t``."""
    fn = t._grad_node if t._base is None else _grad_fn_of(t)
    if fn is not None:
        return (fn, t._output_nr)
    if t._requires_grad:
        return (grad_accumulator(t), 0)
    return (None, 0)


class GradientEdge(tuple):
    """``(node, output_nr)`` naming where a tensor's gradient flows (``get_gradient_edge``)."""

    def __new__(cls, node, output_nr):
        return tuple.__new__(cls, (node, output_nr))

    @property
    def node(self):
        return self[0]

    @property
    def output_nr(self):
        return self[1]


def get_gradient_edge(tensor):
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does "
                           "not require gradients")
    node, nr = gradient_edge(tensor)
    return GradientEdge(node, nr)


def increment_version(tensor):
    tensors = tensor if isinstance(tensor, (list, tuple)) else (tensor,)
    for t in tensors:
        if not t.is_inference():  # (inference tensors have no version counter to bump)
            t._vc[0] += 1


# ---- saved tensors ----------------------------------------------------------------------------
def _legacy_type(t):
    return f"torch.{t.dtype._legacy}Tensor" if t.device.type == "cpu" else \
        f"torch.{t.device.type}.{t.dtype._legacy}Tensor"


class SavedVariable:
    """A tensor saved for backward, with the version it had when saved.

    Inputs are kept as the tensor object itself; a node's own outputs are kept as a shallow
    copy without history (no reference cycle) and get the node back as ``grad_fn`` when
    unpacked.  With ``saved_tensors_hooks`` active, only what ``pack_hook`` returned is kept.
    """

    __slots__ = ("_data", "_version", "_vc", "_output_nr", "_is_output", "_hooks", "_packed",
                 "_freed", "_edge", "_nonleaf")

    def __init__(self, tensor, is_output=False, owner=None):
        self._freed = False
        self._is_output = is_output
        self._hooks = None
        if tensor is None:
            self._data = None
            return
        if not tensor._ks & _ADIOV_BIT:  # (SavedVariable's constructor refuses them too)
            raise RuntimeError(ERR_SAVE_INFERENCE)
        self._vc = vc = tensor._vc
        self._version = vc[0]
        self._output_nr = tensor._output_nr if is_output else 0
        # (an input with history: a later detach_() makes its backward use an error)
        self._nonleaf = not is_output and tensor._grad_node is not None
        if _tls.saved_tensors_hooks and _tls.saved_hooks_disabled is None:
            self._pack_with_hooks(tensor, *_tls.saved_tensors_hooks[-1])
            return
        # an output is kept as an alias without history (``tensor_data()`` in PyTorch, which
        # dispatches a detach through the Python key, as _alias_with_history says)
        self._data = _detached_alias(tensor) if is_output else tensor

    @staticmethod
    def of_input(v):
        """What a generated Autograd kernel saves for the input argument ``v``: a
        ``SavedVariable(v)`` for a tensor (built here without ``__init__``'s branches when no
        saved-tensor hooks are active), ``v`` itself otherwise."""
        if not isinstance(v, _Tensor):
            return v
        st = _tls
        if st.saved_tensors_hooks or not v._ks & _ADIOV_BIT:
            return SavedVariable(v)
        s = _new(SavedVariable)
        s._freed = s._is_output = False
        s._hooks = None
        s._vc = vc = v._vc
        s._version = vc[0]
        s._output_nr = 0
        s._nonleaf = v._grad_node is not None
        s._data = v
        return s

    @classmethod
    def of_inplace_view(cls, view, node):
        """The result of an in-place op on a view, saved by its node: kept without history
        (no cycle view -> base -> CopySlices -> node -> saved view), with the view's new
        grad_fn held weakly and given back on unpack (PyTorch's ``is_inplace_on_view``
        SavedVariable and its ``weak_grad_fn_``). ``_is_output`` holds that weak reference."""
        sv = cls(view, True, node)
        data = sv._data
        if data is not None:  # (tensor_data() is no view: it does not keep the base alive)
            data.__dict__.pop("_base", None)
            data.__dict__.pop("_view_meta", None)
        fn = _grad_fn_of(view)
        if fn is not None:
            sv._is_output = weakref.ref(fn)
        return sv

    def _history_node(self, node):
        """The node an unpacked saved output gets as grad_fn (``node``, or for an in-place
        result on a view that view's grad_fn while it lives)."""
        io = self._is_output
        if io is not True:
            return io() or node
        return node

    def _pack_with_hooks(self, tensor, pack, unpack, arg=None):
        """PyTorch's set_hooks_and_pack_data: the pack hook runs under no_grad and must not
        modify its input in place; where the tensor's gradient went is kept for unpack."""
        self._data = None
        before = self._vc[0]
        prev = _tls.grad_enabled
        _tls.grad_enabled = False
        try:
            self._packed = pack(tensor if arg is None else arg)
        finally:
            _tls.grad_enabled = prev
        if self._vc[0] != before:
            raise RuntimeError(
                "A saved tensor pack hook is modifying its input in place. Tensors provided as "
                "input to pack hook cannot be modified by in-place operations as this can lead "
                "to unexpected side-effects. Please open an issue if you need to perform "
                "in-place operations on the input to a pack hook.")
        self._hooks = unpack
        # where the tensor's gradient went, for unpack to reconnect what the hook returns
        self._edge = None if self._is_output else _saved_edge(tensor)

    def register_hooks(self, *args, **kwargs):
        """Pack the saved tensor now with ``pack_hook``; ``unpack_hook`` gives it back when
        backward uses it (``torch._C._autograd.SavedTensor.register_hooks``)."""
        if kwargs or len(args) != 2 or not all(callable(a) for a in args):
            shown = ", ".join([repr(self)] + [repr(a) for a in args])
            if kwargs:
                shown += "; kwargs: " + ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
            raise TypeError(
                "register_hooks(): incompatible function arguments. The following argument "
                "types are supported:\n    1. (self: torch._C._autograd.SavedTensor, arg0: "
                "collections.abc.Callable, arg1: collections.abc.Callable) -> None\n\n"
                f"Invoked with: {shown}")
        pack_hook, unpack_hook = args
        if self._freed:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor after it has been freed. Saved "
                "intermediate values of the graph are freed when you call .backward() or "
                "autograd.grad(). Specify retain_graph=True if you need to backward through "
                "the graph a second time or if you need to access saved variables after "
                "calling backward.")
        if self._hooks is not None:
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have "
                               "already been set. Hint: only one pair of hooks is allowed at "
                               "a time.")
        data = self._data
        if data is None:
            raise RuntimeError("Calling register_hooks on a saved tensor with value None is "
                               "forbidden")
        # (PyTorch packs a detached alias of a tensor saved as itself)
        self._pack_with_hooks(data, pack_hook, unpack_hook,
                              None if self._is_output else _detached_alias(data))

    @property
    def data(self):
        """What is stored: the packed object when hooks are set, else the saved tensor (an
        alias without history for a node's output); None once freed."""
        if self._hooks is not None:
            return self._packed
        return self._data

    @property
    def unpack_hook(self):
        return self._hooks

    def unpack(self, node=None, formula=False):
        """The saved tensor.  ``formula``: for a backward formula (PyTorch's generated nodes
        unpack inputs without ``saved_for``: a saved input detached in place is an error)."""
        if self._freed:
            raise RuntimeError(ERR_BACKWARD_TWICE)
        if self._hooks is not None:
            outer = _engine_state.outer
            if outer is None:
                t = self._hooks(self._packed)
            else:  # user code: in the caller's state, not the engine's formula mode
                st = _tls
                cur = st.excluded, st.torch_function_disabled
                st.excluded, st.torch_function_disabled, fp = outer
                fp_token = _FP_STATE.set(fp)
                try:
                    t = self._hooks(self._packed)
                finally:
                    st.excluded, st.torch_function_disabled = cur
                    _FP_STATE.reset(fp_token)
            from .._tensor import Tensor
            if not isinstance(t, Tensor):
                raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but "
                                f"got result of type {type(t).__name__}")
            if self._is_output:
                if node is not None and _grad_fn_of(t) is None:
                    t = _alias_with_history(t, self._history_node(node), self._output_nr)
                return t
            return _alias_with_edge(t, self._edge)
        data = self._data
        if data is None:
            return None
        if formula and self._nonleaf and data._grad_node is None:
            raise RuntimeError(
                "Trying to use a saved tensor that has been detached in-place, i.e. with "
                ".detach_().This is not supported, please use out-of-place `.detach()` "
                "instead")
        vc = self._vc
        if vc[0] != self._version and (
                len(vc) == 1 or user_version(vc, vc[0]) != user_version(vc, self._version)):
            raise RuntimeError(self._version_message(data, node))
        if self._is_output and node is not None:
            if self._is_output is not True:  # (an in-place result on a view: rare)
                node = self._history_node(node)
            return _alias_with_history(data, node, self._output_nr)
        return data

    def _version_message(self, data, node):
        from .anomaly_mode import is_anomaly_enabled
        sizes = ", ".join(map(str, data._size))
        where = ""
        if self._is_output:
            if node is not None:
                node = self._history_node(node)
                where = f", which is output {self._output_nr} of {node_display_name(node)},"
        else:
            fn = _grad_fn_of(data)
            if fn is not None:
                where = f", which is output {data._output_nr} of {node_display_name(fn)},"
        hint = ("Hint: the backtrace further above shows the operation that failed to compute "
                "its gradient. The variable in question was changed in there or anywhere later. "
                "Good luck!" if is_anomaly_enabled() else
                "Hint: enable anomaly detection to find the operation that failed to compute "
                "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
        return ("one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{_legacy_type(data)} [{sizes}]]{where} is at version "
                f"{user_version(self._vc, self._vc[0])}; expected version "
                f"{user_version(self._vc, self._version)} instead. {hint}")

    def release(self):
        self._freed = True
        self._data = None
        self._packed = None
        self._hooks = None

    def __repr__(self):
        return f"<torch._C._autograd.SavedTensor object at {hex(id(self))}>"


class SavedTensor(abc.ABC):
    """``torch._C._autograd.SavedTensor``: the type of ``grad_fn._raw_saved_<name>`` (every
    ``SavedVariable`` is one).  Only autograd makes them."""

    def __new__(cls, *args, **kwargs):
        raise RuntimeError("Trying to create a SavedTensor object from Python is forbidden.")


SavedTensor.register(SavedVariable)
SavedTensor.__module__ = "torch._C._autograd"


def _make_saved_tensor(tensor, is_output, is_inplace_on_view=False):
    """``torch._C._autograd._make_saved_tensor``: save ``tensor`` as backward would (the
    saved-tensor hooks in effect pack it)."""
    return SavedVariable(tensor, is_output)


_new = object.__new__
_AUTOGRAD_FIELDS = frozenset({"_grad_node", "_output_nr", "_requires_grad", "_grad", "_hooks",
                              "_grad_acc", "_retains_grad", "_post_acc_hooks", "_fw_grads",
                              "_fw_view", "_view_meta", "_view_fn"})


def shallow_copy(t):
    """A new tensor object over the same memory, version counter and metadata, no history."""
    a = _new(type(t))
    a._np = t._np
    a._size = t._size
    a._stride_ = t._stride_
    a._offset = t._offset
    a.dtype = t.dtype
    a._device = t._device
    a._ks = t._ks
    a._vc = t._vc
    a._storage = t._storage
    d = t.__dict__
    if d and not d.keys() <= _AUTOGRAD_FIELDS:  # (usually only autograd's own fields)
        for k, v in d.items():
            if k not in _AUTOGRAD_FIELDS:
                a.__dict__[k] = v
    cls = type(t)
    if cls is not _Tensor:  # a subclass's own __slots__ (LoggingTensor's ``elem``)
        slots = _subclass_slots.get(cls)
        if slots is None:
            slots = _subclass_slots[cls] = _own_slots(cls)
        for name in slots:
            try:
                setattr(a, name, getattr(t, name))
            except AttributeError:  # (a slot never assigned)
                pass
    return a


_subclass_slots: dict = {}


def _own_slots(cls):
    """The ``__slots__`` names subclasses of Tensor add (not Tensor's own)."""
    names = []
    for c in cls.__mro__:
        if c is _Tensor:
            break
        s = c.__dict__.get("__slots__", ())
        for n in ([s] if isinstance(s, str) else s):
            if n not in ("__dict__", "__weakref__") and n not in names:
                names.append(n)
    return tuple(names)


def _alias_without_history(t):
    return shallow_copy(t)


def _detached_alias(t):
    """An alias of ``t`` without history.  PyTorch makes it with ``shallow_copy_and_detach``,
    which dispatches ``aten.detach`` through the Python key when the tensor has it or a
    dispatch mode is active: modes and subclasses see that detach here too."""
    if t._ks & _PYTHON_BITS or _tls.dispatch_modes:
        from .._aten._ops_registry import aten
        return aten.detach.default(t)
    return shallow_copy(t)


def _saved_edge(t):
    """What a tensor saved through hooks is reconnected to when unpacked (PyTorch's
    ``SavedVariable::save_metadata``): ``(grad_fn, output_nr)``, ``(None, weakref of the
    leaf's AccumulateGrad)``, or None when it does not require grad."""
    fn = _grad_fn_of(t)
    if fn is not None:
        return (fn, t._output_nr)
    if t._requires_grad:
        return (None, weakref.ref(grad_accumulator(t)))
    return None


def _alias_with_edge(t, edge):
    """The tensor an unpack hook returned, as PyTorch's unpack makes it: returned as is when
    neither it nor the saved tensor needs grad, else an alias without history reconnected to
    the saved tensor's place in the graph (so double backward through recomputed or
    offloaded values reaches the original graph)."""
    if edge is None:
        return _detached_alias(t) if t._requires_grad or _grad_fn_of(t) is not None else t
    a = _detached_alias(t)
    fn, nr = edge
    if fn is not None:
        a._grad_node = fn
        a._output_nr = nr
    else:  # a leaf: its AccumulateGrad (a fresh one, as in PyTorch, if that one is gone)
        a._grad_acc = nr
    a._requires_grad = True
    return a


def _alias_with_history(t, node, output_nr):
    """A node's saved output, unpacked: an alias of it with the node as ``grad_fn``."""
    a = _detached_alias(t)
    a._grad_node = node
    a._output_nr = output_nr
    a._requires_grad = True
    return a


# ---- saved tensor hooks --------------------------------------------------------------------------
def _push_saved_tensors_default_hooks(pack_hook, unpack_hook):
    """Push a (pack, unpack) pair on this thread's saved-tensor hooks stack."""
    _assert_hooks_not_disabled()
    _tls.saved_tensors_hooks.append((pack_hook, unpack_hook))


def _pop_saved_tensors_default_hooks():
    stack = _tls.saved_tensors_hooks
    if not stack:  # (an exit without its enter: PyTorch's internal assert)
        raise RuntimeError(
            "is_initialized && !tls.stack.empty() INTERNAL ASSERT FAILED at "
            "\"/__w/pytorch/pytorch/aten/src/ATen/SavedTensorHooks.cpp\":69, please report a "
            "bug to PyTorch. ")
    stack.pop()


def _top_saved_tensors_default_hooks(ignore_is_tracing=False):
    """The innermost (pack, unpack) pair, or None."""
    stack = _tls.saved_tensors_hooks
    return stack[-1] if stack else None


def _assert_hooks_not_disabled():
    msg = _tls.saved_hooks_disabled
    if msg is not None:
        raise RuntimeError(msg)


def _saved_tensors_hooks_is_enabled():
    """Whether saved-tensor hooks may be registered (no ``disable_saved_tensors_hooks``)."""
    return _tls.saved_hooks_disabled is None


def _saved_tensors_hooks_get_disabled_error_message():
    return _tls.saved_hooks_disabled


def _saved_tensors_hooks_disable(error_message, fail_if_non_empty=True):
    """Forbid registering hooks (with ``error_message``); as PyTorch, the message is set
    first, then an error is raised if hooks are already registered."""
    _tls.saved_hooks_disabled = error_message
    if fail_if_non_empty and _tls.saved_tensors_hooks:
        raise RuntimeError(error_message)


def _saved_tensors_hooks_enable():
    _tls.saved_hooks_disabled = None


class saved_tensors_hooks:
    """Within the block, tensors saved for backward go through ``pack_hook`` when saved and
    ``unpack_hook`` when used."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        _push_saved_tensors_default_hooks(self.pack_hook, self.unpack_hook)

    def __exit__(self, *args):
        _pop_saved_tensors_default_hooks()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU (they already are, here): a pass-through pair."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        super().__init__(lambda t: (t.device, t), lambda p: p[1])


class disable_saved_tensors_hooks:
    """Within the block (or the decorated function), registering saved-tensor hooks raises
    ``RuntimeError(error_message)``; entering it while hooks are registered raises too."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        self.prev = _tls.saved_hooks_disabled
        try:
            _saved_tensors_hooks_disable(self.error_message)
        except BaseException:
            self._restore()
            raise

    def __exit__(self, *args):
        self._restore()

    def _restore(self):
        if self.prev is None:
            _saved_tensors_hooks_enable()
        else:
            _saved_tensors_hooks_disable(self.prev)

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with self.__class__(self.error_message):
                return fn(*a, **k)
        return wrapper


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """Call ``fn(grads)`` once the gradients of all ``tensors`` (mode "all"), or of the first
    one (mode "any"), are computed in a backward pass."""
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    handles = []
    if mode == "any":
        fired = [None]

        def any_hook(grad):
            from .engine import _current_task_id
            tid = _current_task_id()
            if fired[0] != tid:
                fired[0] = tid
                fn(grad)
        for t in tensors:
            if t.requires_grad:
                handles.append(t.register_hook(any_hook))
        return _MultiHandle(handles)
    state = {"count": {}, "grads": {}}

    def make(i):
        def hook(grad):
            from .engine import _current_task_id, _task_will_reach
            tid = _current_task_id()
            grads = state["grads"].setdefault(tid, [None] * len(tensors))
            grads[i] = grad
            cnt = state["count"].get(tid)
            if cnt is None:
                cnt = sum(1 for t in tensors if t.requires_grad and _task_will_reach(t))
            cnt -= 1
            state["count"][tid] = cnt
            if cnt == 0:
                state["count"].pop(tid, None)
                fn(tuple(state["grads"].pop(tid)))
        return hook
    for i, t in enumerate(tensors):
        if t.requires_grad:
            handles.append(t.register_hook(make(i)))
    return _MultiHandle(handles)


class _MultiHandle(RemovableHandle):
    def __init__(self, handles):
        self.handles = handles

    def remove(self):
        for h in self.handles:
            h.remove()


def allow_mutation_on_saved_tensors():
    """Context manager: tensors saved for backward may be modified in place inside it (they
    are cloned first); see ``_mutation_on_saved``."""
    from ._mutation_on_saved import allow_mutation_on_saved_tensors as impl
    return impl()


# The "autograd" log (PyTorch's torch.autograd logger): at DEBUG, every backward pass logs
# each node it runs, with the shapes of the gradients the node receives.
_LOG_NAME = "kindling.autograd.graph"
_LOGGER = [None]  # (that logger, once ``logging`` is imported)


def _log_prehook(log):
    """The node pre-hook that logs "Executing: <node> with grad_outputs: [f32[10]]"."""
    from ..utils._dtype_abbrs import dtype_abbrs
    from .engine import _current_autograd_node

    def fmt(t):
        return "None" if t is None else f"{dtype_abbrs[t.dtype]}[{', '.join(map(str, t.shape))}]"

    def prehook(grad_outputs):
        node = _current_autograd_node()
        log.debug(f"Executing: {node} with grad_outputs: [{','.join(map(fmt, grad_outputs))}]")
    return prehook


def _logging_hooks_for(roots, tensors):
    """When the autograd log is at DEBUG: a pre-hook on every node reachable from the root
    edges ``roots`` (of ``tensors``) that logs the node as it runs; returns the function that
    removes them (None when the log is quieter, or when nothing has imported ``logging``)."""
    log = _LOGGER[0]
    if log is None:
        logging = sys.modules.get("logging")
        if logging is None:  # (no logger can have been configured)
            return None
        log = _LOGGER[0] = logging.getLogger(_LOG_NAME)
    if not log.isEnabledFor(10):  # (DEBUG; the logger caches its answer until levels change)
        return None
    # (PyTorch hooks a leaf root's grad accumulator through a reference it drops at once, so
    # the engine runs a fresh accumulator without the hook: nothing is logged for it)
    return _hook_whole_graph(node for (node, _), t in zip(roots, tensors)
                             if not (isinstance(t, _Tensor) and t.grad_fn is None))


def _hook_whole_graph(roots):
    """The logging pre-hook on every node reachable from the nodes ``roots``, breadth first;
    returns the function removing them."""
    import logging
    prehook = _log_prehook(logging.getLogger(_LOG_NAME))
    seen, queue = set(), []
    for node in roots:
        if node is not None and node not in seen:
            seen.add(node)
            queue.append(node)
    for node in queue:  # (the queue grows as it is walked)
        for nxt, _ in node.next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    handles = [node.register_prehook(prehook) for node in queue]

    def unregister_hooks():
        for h in handles:
            h.remove()
    return unregister_hooks


def _get_grad_fn_or_grad_acc(t):
    """The node a gradient for ``t`` (a tensor or a GradientEdge) flows into: its ``grad_fn``,
    or, for a leaf that requires grad, its grad accumulator."""
    if isinstance(t, GradientEdge):
        return t.node
    if t.requires_grad and t.grad_fn is None:
        node = grad_accumulator(t)
    else:
        node = t.grad_fn
    if node is None:
        raise AssertionError("Expected gradient function to be set")
    return node


def _register_logging_hooks_on_whole_graph(t_outputs):
    """Pre-hooks on every node reachable from ``t_outputs`` that log each node as it runs to
    the autograd log at DEBUG (whatever its level now); returns the function removing them."""
    return _hook_whole_graph(map(_get_grad_fn_or_grad_acc, t_outputs))
