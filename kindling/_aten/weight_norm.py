"""The weight-normalisation ops behind ``nn.utils.weight_norm`` and
``nn.utils.parametrizations.weight_norm`` (defined at first use: see ``_aten/_lazy.py``).

``w = v * (g / ||v||)``, the norm taken over every dim but ``dim`` (``dim=-1``: over all).

* ``_weight_norm``: CompositeImplicitAutograd, as in PyTorch: the fused op when ``dim`` is the
  first or last dim, else ``v * (g / norm_except_dim(v, 2, dim))``.
* ``_weight_norm_interface``: the fused op, ``(w, norms)``; its derivative is
  ``_weight_norm_interface_backward``.
* ``_weight_norm_interface_backward``: ``(grad_v, grad_g)`` from ``grad_w`` and the saved
  ``v``, ``g`` and norms; written with other ops, so it is differentiable itself.
"""
from __future__ import annotations

from .. import _dtype
from .._dispatcher.keys import K
from ..autograd.grad_mode import is_grad_enabled
from ._api import public
from ._copy_out import out_overload
from ._defop import defop
from ._ops_registry import aten
from ._registration_keys import _move


def _other_dims(v, dim):
    return [d for d in range(v.dim()) if d != dim]


def _norms(v, dim):
    """The 2-norm of ``v`` over every dim but ``dim``, kept as size-1 dims."""
    if dim == -1:
        return aten.linalg_vector_norm.default(v, 2)
    return aten.linalg_vector_norm.default(v, 2, _other_dims(v, dim), True)


def _check_dim(v, dim):
    if dim != -1 and not 0 <= dim < v.dim():
        raise RuntimeError("fused kernels can only be applied for first or last dim")


def _opmath(t):
    """``t`` in the type PyTorch's kernel computes in: float32 for half and bfloat16."""
    if t.dtype in (_dtype.float16, _dtype.bfloat16):
        return aten._to_copy.default(t, dtype=_dtype.float32)
    return t


def _cast(t, like):
    return t if t.dtype == like.dtype else aten._to_copy.default(t, dtype=like.dtype)


def _interface(v, g, dim=0):
    _check_dim(v, dim)
    v32, g32 = _opmath(v), _opmath(g)
    norms = _norms(v32, dim)   # (kept in float32 for half and bfloat16, as PyTorch's)
    return _cast(aten.mul.Tensor(v32, aten.div.Tensor(g32, norms)), v), norms


def _interface_backward(grad_w, saved_v, saved_g, saved_norms, dim):
    _check_dim(saved_v, dim)
    grad, v, g, norms = (_opmath(t) for t in (grad_w, saved_v, saved_g, saved_norms))
    gv = aten.mul.Tensor(grad, v)
    if dim == -1:
        per_slice = aten.sum.default(gv)
    else:
        per_slice = aten.sum.dim_IntList(gv, _other_dims(v, dim), True)
    grad_g = aten.div.Tensor(per_slice, norms)
    # grad_v = g/n * grad_w - g * <grad_w, v> / n^3 * v
    scale = aten.div.Tensor(g, norms)
    correction = aten.mul.Tensor(v, aten.div.Tensor(
        aten.mul.Tensor(scale, per_slice), aten.mul.Tensor(norms, norms)))
    grad_v = aten.sub.Tensor(aten.mul.Tensor(grad, scale), correction)
    return (_cast(grad_v, saved_v),
            _cast(aten.reshape.default(grad_g, list(saved_g.shape)), saved_g))


def _weight_norm(v, g, dim=0):
    if v.device != g.device:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           f"two devices, {v.device} and {g.device}!")
    v, g = v.contiguous(), g.contiguous()
    if dim == 0 or dim == v.dim() - 1:
        return aten._weight_norm_interface.default(v, g, dim)[0]
    return aten.mul.Tensor(v, aten.div.Tensor(g, aten.norm_except_dim.default(v, 2, dim)))


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    wn = defop("_weight_norm(Tensor v, Tensor g, int dim=0) -> Tensor")
    wn.composite(_weight_norm)

    wni = defop("_weight_norm_interface(Tensor v, Tensor g, int dim=0) -> (Tensor, Tensor)")
    # (CPU and Meta kernels, as PyTorch's: written with other ops, below autograd)
    wni.impl(K.CPU)(_interface)
    wni.impl(K.Meta)(_interface)

    def wni_formula(grad, v, g, result1, dim):
        if grad is None:
            return None, None
        if is_grad_enabled():  # (create_graph: the backward written with differentiable ops)
            return _interface_backward(grad.contiguous(), v, g, result1, dim)
        return aten._weight_norm_interface_backward.default(grad.contiguous(), v, g, result1,
                                                            dim)
    wni.derivative(**{"v, g": wni_formula})

    wnb = defop("_weight_norm_interface_backward(Tensor grad_w, Tensor saved_v, "
                "Tensor saved_g, Tensor saved_norms, int dim) -> (Tensor, Tensor)")
    wnb.impl(K.CPU)(_interface_backward)
    wnb.impl(K.Meta)(_interface_backward)
    wni_out = out_overload(wni, out_names=("out0", "out1"))
    # (PyTorch has a Meta kernel for this out= form too: a Python meta registration)
    _move(wni_out.entry, K.CompositeExplicitAutograd, (K.CompositeExplicitAutograd, K.Meta))
    out_overload(wnb, out_names=("out0", "out1"))
    public("_weight_norm", wn, method=False)
    public("_weight_norm_interface", wni, method=False)
