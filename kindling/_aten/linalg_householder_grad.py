"""Derivatives of ``linalg_householder_product`` and ``ormqr`` (FunctionsManual.cpp's
``householder_product_backward``, ``householder_product_jvp`` and ``ormqr_backward``).

``Q = H_1 ... H_k`` with ``H_i = I - tau_i v_i v_i^H``.  Backward walks the reflectors once,
updating ``K_i = H_i_plus Q_grad^H H_i_minus`` by one reflector on each side; the inverse of a
reflector is another one, ``H(sigma)`` with ``sigma = tau / (tau |v|^2 - 1)``.  As in PyTorch,
``K`` is updated in place when no graph is being built (``create_graph=False``) and out of place
otherwise; the ops are dispatched in the order C++ evaluates PyTorch's expressions (the right
operand of a binary operator, and the last argument of a call, first), so a dispatch mode sees
PyTorch's sequence.
"""
from __future__ import annotations

from .. import _layout
from ._ops_registry import aten
from ._util import is_tensor_subclass_like


def _grad_enabled():
    from ..autograd.grad_mode import is_grad_enabled
    return is_grad_enabled()


def _apply(m, k, u_full, v_full, t, K, in_place=True, with_identity=True, left=True):
    """``(I - t u v^H) K`` (``K (I - t u v^H)`` when not ``left``), or only the ``-t u v^H``
    term without ``with_identity``.  In place, the first ``k`` rows (columns) of ``u``, ``v`` are
    zero and only the rest of ``K`` changes."""
    if left:
        if in_place:
            v = u_full.narrow(-2, k, m - k)
            u = v_full.narrow(-2, k, m - k).mH.matmul(K.narrow(-2, k, m - k))
            K.narrow(-2, k, m - k).sub_((t.unsqueeze(-1) * v) * u)
            return K
        right = v_full.mH.matmul(K)
        transformation = (t.unsqueeze(-1) * u_full) * right
    else:
        if in_place:
            v = u_full.narrow(-2, k, m - k)
            cols = K.narrow(-1, k, m - k)
            vk = v_full.narrow(-2, k, m - k)
            u = cols.matmul(t.unsqueeze(-1) * vk)
            target = K.narrow(-1, k, m - k)
            target.sub_(u * v.mH)
            return K
        right = v_full.mH
        transformation = K.matmul(t.unsqueeze(-1) * u_full) * right
    return K - transformation if with_identity else -transformation


def _update_grad(m, k, v_full, t, K):
    """The gradients of ``v_k`` and ``tau_k`` from ``K_k``."""
    v = v_full.narrow(-2, k, m - k)
    vHK = v.mH.matmul(K.narrow(-2, k, m - k))
    Kv = K.narrow(-1, k, m - k).matmul(v)
    t_unsqueezed = t.unsqueeze(-1)
    rhs = (t_unsqueezed * Kv).squeeze(-1)
    v_grad = (-t_unsqueezed * vHK).conj().squeeze(-2) - rhs
    tau_grad = -(vHK.narrow(-1, k, m - k).matmul(v)).conj()
    tau_grad = tau_grad.squeeze(-1)
    return v_grad.unsqueeze(-1), tau_grad


def _unit_lower(input_):
    """The reflectors' vectors: ``input``'s strictly lower triangle with ones on the diagonal."""
    V = input_.tril(-1)
    V.diagonal(0, -2, -1).fill_(1.0)
    return V


def _sigma(V, tau, k):
    first = V.narrow(-1, 0, k)
    norm_sq = (first * first.conj()).sum(-2)
    return tau / aten.sub.Scalar(tau * norm_sq, 1.0)


def householder_product_backward(grad, result, input_, tau, flip_order=False):
    """(input_grad, tau_grad); ``flip_order`` walks the reflectors from the last, multiplying
    ``K`` from the other side (``ormqr``'s cases)."""
    if grad is None or input_.numel() == 0 or tau.numel() == 0:
        return None, None
    m, k = input_.shape[-2], tau.shape[-1]
    V = _unit_lower(input_)
    sigma = _sigma(V, tau, k)
    K = result.matmul(grad.mH)
    in_place = not _grad_enabled()

    def flip_i(i):
        return k - i - 1 if flip_order else i

    def next_i(i):
        return i - 1 if flip_order else i + 1

    apply_left = not flip_order
    zero = flip_i(0)
    s0 = sigma.narrow(-1, zero, 1)
    v0 = V.narrow(-1, zero, 1)
    K = _apply(m, zero, v0, v0, s0, K, in_place, left=apply_left)
    # (subclass-like tensors - or a dispatch mode - get the gradients concatenated, the others
    # have them written into zeros, as PyTorch's)
    subclass = any(is_tensor_subclass_like(t) for t in (V, tau, K))
    if subclass:
        n = input_.shape[-1]
        input_grads, tau_grads = [None] * (k + 1 if k < n else k), [None] * k
    else:
        input_grad = aten.zeros_like.default(input_)
        tau_grad = aten.zeros_like.default(tau)
    for idx in range(k):
        i = flip_i(idx)
        v_i = V.narrow(-1, i, 1)
        t_i = tau.narrow(-1, i, 1)
        v_i_grad, tau_i_grad = _update_grad(m, i, v_i, t_i, K)
        if subclass:
            input_grads[i], tau_grads[i] = v_i_grad, tau_i_grad
        else:
            input_grad.select(-1, i).copy_(v_i_grad.squeeze(-1))
            tau_grad.select(-1, i).copy_(tau_i_grad.squeeze(-1))
        if i != flip_i(k - 1):  # K <- H_{i+1}^{-1} K H_i
            j = next_i(i)
            v_j, s_j = V.narrow(-1, j, 1), sigma.narrow(-1, j, 1)
            K = _apply(m, j, v_j, v_j, s_j, K, in_place, left=apply_left)
            K = _apply(m, i, v_i, v_i, t_i, K, in_place, left=not apply_left)
    if subclass:
        if k < n:  # (the columns the forward does not read)
            input_grads[k] = aten.zeros.default(list(input_.shape[:-1]) + [n - k],
                                                dtype=input_.dtype, layout=_layout.strided,
                                                device=input_.device)
        input_grad = aten.cat.default(input_grads, -1)
        tau_grad = aten.cat.default(tau_grads, -1)
    # (the forward reads only the strict lower triangle)
    input_grad.tril_(-1)
    return input_grad, tau_grad


def householder_product_jvp(input_t, tau_t, result, input_p, tau_p):
    """dQ = sum_i H_1 ... H_{i-1} dH_i H_{i+1} ... H_k."""
    m, k = input_p.shape[-2], tau_p.shape[-1]
    V = _unit_lower(input_p)
    dV = input_t.tril(-1)
    sigma = _sigma(V, tau_p, k)
    H_plus = aten.clone.default(result.detach())
    eye = aten.ones.default([1], dtype=V.dtype, device=V.device)
    H_minus = aten.diag_embed.default(eye.expand(list(V.shape[:-1])))
    dprod = aten.zeros_like.default(result)
    for i in range(k):
        v_i = V.narrow(-1, i, 1)
        dv_i = dV.narrow(-1, i, 1)
        t_i = tau_p.narrow(-1, i, 1)
        dt_i = tau_t.narrow(-1, i, 1)
        s_i = sigma.narrow(-1, i, 1)
        H_plus = _apply(m, 0, v_i, v_i, s_i, H_plus, False)
        c = _apply(m, 0, v_i, dv_i, t_i, H_plus, False, False)
        b = _apply(m, 0, dv_i, v_i, t_i, H_plus, False, False)
        a = _apply(m, 0, v_i, v_i, dt_i, H_plus, False, False)
        term = H_minus.matmul((a + b) + c)
        # (out of place for subclass-like tensors - or under a dispatch mode -, as PyTorch's)
        dprod = dprod.add(term) if is_tensor_subclass_like(term) else dprod.add_(term)
        H_minus = _apply(m, 0, v_i, v_i, t_i, H_minus, False, left=False)
    return dprod


def ormqr_backward(grad, result, self, input2, input3, left, transpose, grad_input_mask):
    """(self, tau, other) gradients of ``ormqr``: ``other``'s is ``ormqr`` with the other
    transposition; ``self``'s and ``tau``'s are householder_product_backward's with ``result``
    and ``grad`` (conjugate-transposed) in the roles the side and transposition give them."""
    if grad is None:
        return None, None, None
    self_grad = tau_grad = other_grad = None
    if grad_input_mask[2]:
        other_grad = aten.ormqr.default(self, input2, grad, left, not transpose)
    if grad_input_mask[0] or grad_input_mask[1]:
        if left != transpose:
            g = grad if not transpose else grad.mH
            r = result if not transpose else result.mH
            self_grad, tau_grad = householder_product_backward(g, r, self, input2)
        else:
            g = result.mH if not transpose else result
            r = grad.mH if not transpose else grad
            self_grad, tau_grad = householder_product_backward(g, r, self, input2,
                                                               flip_order=True)
    return self_grad, tau_grad, other_grad
