"""``torch.utils.swap_tensors``: exchange the contents of two tensor objects in place."""
import copyreg
import gc
import weakref

_POISONED_MSG = (
    "Trying to execute AccumulateGrad node that was poisoned by swap_tensors "
    "this can happen when you try to run backward on a tensor that was swapped. "
    "For a module m with `torch.__future__.set_swap_module_params_on_conversion(True)` "
    "you should not change the device or dtype of the module (e.g. `m.cpu()` or `m.half()`) "
    "between running forward and backward. To resolve this, please only change the "
    "device/dtype before running forward (or after both forward and backward).")


def _poisoned(grad_outputs):
    raise RuntimeError(_POISONED_MSG)


def _live_accumulator(t):
    # kindling keeps a leaf's AccumulateGrad node behind a weak reference in its
    # ``__dict__``; one still alive means a graph built before the swap points at ``t``.
    ref = t.__dict__.get("_grad_acc")
    return ref() if ref is not None else None


def _saved_count(t):
    """How many live graph nodes saved ``t`` itself for backward (scanning referrers: done
    only for tensors that take part in a graph)."""
    from ..autograd.graph import SavedVariable
    return sum(1 for r in gc.get_referrers(t)
               if type(r) is SavedVariable and r._data is t and not r._freed)


def _check_use_count(t, name):
    """PyTorch's use-count check: besides ``t`` itself, only a leaf's gradient accumulator
    may hold it (returned, to be poisoned); being saved for backward is an error.  The
    accumulator and saved tensors are what count in kindling (other Python references do
    not, as they do not in PyTorch)."""
    acc = _live_accumulator(t)
    in_graph = acc is not None or t.__dict__.get("_grad_node") is not None
    use_count = 1 + (acc is not None) + (_saved_count(t) if in_graph else 0)
    if use_count == 1 or (use_count == 2 and acc is not None):
        return acc
    raise RuntimeError(
        f"Expected use_count of {name} to be 1 or 2 with an AccumulateGrad node but got "
        f"{use_count} make sure you are not holding references to the tensor in other places.")


def swap_tensors(t1, t2):
    """Swap the contents of tensors ``t1`` and ``t2`` (class, ``__dict__``, every slot and
    so data, metadata and autograd state) while each object keeps its identity.

    Raises ``RuntimeError`` if either tensor has weak references or the two classes have
    different slots.  A gradient accumulator of ``t1`` or ``t2`` already used by a graph
    is poisoned: running backward through it afterwards raises."""
    if weakref.getweakrefs(t1):
        raise RuntimeError("Cannot swap t1 because it has weakref associated with it")
    if weakref.getweakrefs(t2):
        raise RuntimeError("Cannot swap t2 because it has weakref associated with it")
    slots1 = set(copyreg._slotnames(t1.__class__))
    slots2 = set(copyreg._slotnames(t2.__class__))
    if slots1 != slots2:
        raise RuntimeError("Cannot swap t1 and t2 if they have different slots")

    accs = [_check_use_count(t1, "t1"), _check_use_count(t2, "t2")]
    for acc in accs:
        if acc is not None:
            acc.register_prehook(_poisoned)

    def swap_attr(name):
        tmp = getattr(t1, name)
        setattr(t1, name, getattr(t2, name))
        setattr(t2, name, tmp)

    swap_attr("__class__")
    swap_attr("__dict__")
    for slot in slots1:
        has1, has2 = hasattr(t1, slot), hasattr(t2, slot)
        if has1 and has2:
            swap_attr(slot)
        elif has1:
            setattr(t2, slot, getattr(t1, slot))
            delattr(t1, slot)
        elif has2:
            setattr(t1, slot, getattr(t2, slot))
            delattr(t2, slot)
    # the accumulators moved with the ``__dict__``s: they now serve the other object
    for acc, owner in zip(accs, (t2, t1)):
        if acc is not None:
            acc.variable = owner
