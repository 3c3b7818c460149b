"""``out=`` forms made the way PyTorch generates them for CompositeExplicitAutograd ops: run
the functional op (a factory's with ``out``'s dtype, layout and device), resize ``out`` to the result (``resize_output``: a warning when a
non-empty ``out`` changes shape), check that ``out`` has the result's dtype (after the
resize, as PyTorch's ``copy_arg``), then ``out.copy_(result)``.

For ops whose kernels work on tensors rather than on ndarrays (``_variants.out_variant``
derives ``out=`` forms from NumPy kernels instead).
"""
from __future__ import annotations

from .._dispatcher.keys import K
from ._defop import defop
from ._ops_registry import aten
from ._tags import generated_tags
from ._variants import out_dtype_error, resize_out


def copy_out_variant(functional, schema, out_names=("out",), tags=None):
    """The ``out=`` overload ``schema`` of the OpDef ``functional`` (several outputs: one
    keyword each, in ``out_names`` order; ``tags``: its declared tags, by default those of a
    form PyTorch generates, ``generated_tags(functional)``)."""
    d = defop(schema, tags=generated_tags(functional) if tags is None else tags)
    op = functional.op
    # (a factory's dtype, layout and device come from ``out``, as torchgen's translation of
    # the out= arguments into the functional's fills them)
    own = {a.name for a in d.schema.arguments}
    options = [a.name for a in functional.schema.arguments
               if a.name in ("dtype", "layout", "device") and a.name not in own]

    def kernel(*args, **kwargs):
        outs = [kwargs.pop(n) for n in out_names]
        for n in options:
            kwargs[n] = getattr(outs[0], n)
        r = op(*args, **kwargs)
        copy_results_out(outs, r if isinstance(r, (tuple, list)) else (r,))
        return tuple(outs) if len(outs) > 1 else outs[0]
    kernel.__name__ = d.entry.qualified
    d.impl(K.CompositeExplicitAutograd)(kernel)
    d.functional = functional
    return d


def copy_results_out(outs, results):
    """A generated ``out=`` kernel's tail: each result resized into its ``out`` tensor, the
    dtype checked (after the resize, as ``copy_arg``), then copied in."""
    for o, t in zip(outs, results):
        resize_out(o, t._size)
        if o.dtype is not t.dtype:
            raise out_dtype_error(t.dtype, o.dtype)
        aten.copy_.default(o, t)


def out_overload(functional, overload="out", out_names=("out",), generated=True):
    """``copy_out_variant`` with the schema written from ``functional``'s: its arguments, then
    one ``Tensor(a!)`` keyword per name in ``out_names`` (``overload``: ``out``,
    ``grad_input``...; ``generated``: whether PyTorch generates it, else it is an
    ``out``-tagged kernel of its own)."""
    text = str(functional.schema)[len("aten::"):]
    name, _, rest = text.partition("(")
    args = rest.rpartition(") -> ")[0]
    base = name.partition(".")[0]
    if "." in name:   # (``upsample_nearest2d.vec`` -> ``upsample_nearest2d.vec_out``)
        overload = f"{name.partition('.')[2]}_{overload}"
    marks = "abcdefgh"
    outs = ", ".join(f"Tensor({m}!) {n}" for m, n in zip(marks, out_names))
    rets = [f"Tensor({m}!)" for m in marks[:len(out_names)]]
    ret = rets[0] if len(rets) == 1 else "(" + ", ".join(rets) + ")"
    return copy_out_variant(functional, f"{base}.{overload}({args}, *, {outs}) -> {ret}",
                            out_names, None if generated else ("out",))
