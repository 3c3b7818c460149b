"""``bilinear`` (defined at first use: see ``_aten/_lazy.py``): a composite over ``_trilinear``,
the product of three tensors each unsqueezed at its ``expand`` dims, summed over ``sumdim``.
``_trilinear``'s derivative is ``_trilinear`` again with the roles of the operand and the
gradient swapped (PyTorch's ``_trilinear_backward``); its tangent is the sum of three.
"""
from __future__ import annotations

import numpy as np

from ._api import public
from ._copy_out import out_overload
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import normalize_dims, wrap_dim
from ._variants import cpp_name


def _trilinear_plan(i1, i2, i3, expand1, expand2, expand3, sumdim, unroll_dim):
    """The operands' labels (dims of the total space), the sum dims and the output shape."""
    total = i1.dim() + len(expand1)
    if not 0 <= unroll_dim < total:
        raise RuntimeError(f"unroll_dim must be in [0,{total - 1}]")
    expands = [set(normalize_dims(list(e), total)) for e in (expand1, expand2, expand3)]
    sums = set(normalize_dims(list(sumdim), total))
    ops = (i1, i2, i3)
    shapes = [[] for _ in ops]
    out = []
    for i in range(total):
        s = 0
        for k, t in enumerate(ops):
            if i in expands[k]:
                shapes[k].append(1)
            else:   # (the operand's own dim: its size, or PyTorch's IndexError)
                pos = len(shapes[k]) - sum(1 for d in range(i) if d in expands[k])
                wrap_dim(i, t.dim() + sum(1 for d in range(i) if d in expands[k]))
                s = t.shape[pos]
                shapes[k].append(s)
        if i not in sums:
            out.append(max(sh[i] for sh in shapes) if s else s)
    for i in sums:
        if len({sh[i] for sh in shapes if sh[i] != 1}) > 1:
            raise RuntimeError("non-broadcast dimensions must match")
    for t in ops[1:]:
        if t.dtype is not i1.dtype:
            raise RuntimeError(f"expected scalar type {i1.dtype._scalar_name} but found "
                               f"{t.dtype._scalar_name}")
    return total, expands, sums, out


def _trilinear_cpu(ks_, i1, i2, i3, expand1, expand2, expand3, sumdim, unroll_dim=1):
    from .._tensor import from_array
    total, expands, sums, out = _trilinear_plan(i1, i2, i3, expand1, expand2, expand3, sumdim,
                                                unroll_dim)
    args = []
    for t, e in zip((i1, i2, i3), expands):
        args += [t._np, [i for i in range(total) if i not in e]]
    keep = [i for i in range(total) if i not in sums]
    r = np.einsum(*args, keep) if all(t.numel() for t in (i1, i2, i3)) else \
        np.zeros(out, i1._np.dtype)
    return from_array(np.ascontiguousarray(np.asarray(r, i1._np.dtype).reshape(out)))


def _trilinear_meta(i1, i2, i3, expand1, expand2, expand3, sumdim, unroll_dim=1):
    out = _trilinear_plan(i1, i2, i3, expand1, expand2, expand3, sumdim, unroll_dim)[3]
    return empty_meta(out, i1.dtype)


def _trilinear_backward(grad, i1, i2, i3, expand1, expand2, expand3, sumdim, grad_input_mask):
    if grad is None:
        return None, None, None
    tri = aten._trilinear.default
    e1, e2, e3, s = list(expand1), list(expand2), list(expand3), list(sumdim)
    g1 = tri(grad, i2, i3, s, e2, e3, e1) if grad_input_mask[0] else None
    g2 = tri(i1, grad, i3, e1, s, e3, e2) if grad_input_mask[1] else None
    g3 = tri(i1, i2, grad, e1, e2, s, e3) if grad_input_mask[2] else None
    return g1, g2, g3


def _trilinear_jvp(i1_p, i1_t_raw, i2_p, i2_t_raw, i3_p, i3_t_raw, expand1, expand2, expand3,
                   sumdim, unroll_dim):
    args = (list(expand1), list(expand2), list(expand3), list(sumdim), unroll_dim)
    r = None
    for ops in ((i1_t_raw, i2_p, i3_p), (i1_p, i2_t_raw, i3_p), (i1_p, i2_p, i3_t_raw)):
        if any(t is None for t in ops):
            continue
        term = aten._trilinear.default(*ops, *args)
        r = term if r is None else r + term
    return r


def _bilinear(input1, input2, weight, bias=None):
    dts = [input1.dtype, input2.dtype, weight.dtype] + ([bias.dtype] if bias is not None else [])
    if any(d is not dts[0] for d in dts):
        names = ("input1", "input2", "weight", "bias")
        raise RuntimeError("All tensors must have the same dtype, got " + ", ".join(
            f"{n}: {cpp_name(d)}"
            for n, d in zip(names, dts)))
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and "
                           f"{input2.dim()}")
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                               f"{input1.shape[i]} and {input2.shape[i]}")
    wrap_dim(-1, input1.dim(), wrap_scalar=False)
    if input1.size(input1.dim() - 1) != weight.size(1):
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.size(-1)} but expected {weight.size(1)}")
    if input2.size(input2.dim() - 1) != weight.size(2):
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.size(-1)} but expected {weight.size(2)}")
    if bias is not None and bias.size(0) != weight.size(0):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.size(0)} but expected {weight.size(0)}")
    output_size = list(input1.shape[:-1]) + [weight.shape[0]]
    x1 = input1.reshape([-1, input1.shape[-1]])
    x2 = input2.reshape([-1, input2.shape[-1]])
    out = aten._trilinear.default(x1, weight, x2, [1, 3], [0], [1, 2], [2, 3]).reshape(
        output_size)
    if bias is not None:
        out = out + bias
    return out


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    bl = defop("bilinear(Tensor input1, Tensor input2, Tensor weight, Tensor? bias=None) -> "
               "Tensor")
    bl.composite(_bilinear)
    tri = defop("_trilinear(Tensor i1, Tensor i2, Tensor i3, int[] expand1, int[] expand2, "
                "int[] expand3, int[] sumdim, int unroll_dim=1) -> Tensor")
    tri.cpu_ks(_trilinear_cpu)
    tri.meta(_trilinear_meta)
    tri.derivative(**{"i1, i2, i3": _trilinear_backward}, result=_trilinear_jvp)
    out_overload(tri)
    public("bilinear", bl, method=False)
    public("_trilinear", tri, method=False)
