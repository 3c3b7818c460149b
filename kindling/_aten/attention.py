"""Scaled dot-product attention as PyTorch runs it on CPU.

``scaled_dot_product_attention`` (CompositeImplicitAutograd) checks its inputs, turns a
boolean mask into an additive one (``where(mask, 0, -inf)``) and picks a backend as ATen's
``select_sdp_backend_cpp`` does: the fused ``_scaled_dot_product_flash_attention_for_cpu``
(a NumPy kernel here, with its own backward op) for 4-D inputs without dropout whose shapes
it supports, else the composite ``_scaled_dot_product_attention_math`` (matmul, ``_safe_softmax``,
``dropout``, matmul), whose gradient comes from its pieces.

The CUDA-only kernels (``_efficient_attention_forward``, ``_flash_attention_forward`` and
their backwards) are declared with PyTorch's schemas and no CPU kernel, so a CPU call fails
with the dispatcher's "Could not run ... with arguments from the 'CPU' backend", as PyTorch's
does.  Defined at first use (``_aten/_lazy.py``).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._tensor import from_array
from ._api import public
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._variants import cpp_name as _cpp
from .random import SEEDED

_FLASH = "scaled_dot_product_attention_flash_attention: "
# sdp::SDPBackend
MATH, FLASH_ATTENTION = 0, 1


# ---- checks and mask handling -------------------------------------------------------------------
def _validate_sdpa_input(query, key, value, attn_mask):
    if not (query.dtype is key.dtype and query.dtype is value.dtype):
        raise RuntimeError(
            f"Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_cpp(query.dtype)} key.dtype: {_cpp(key.dtype)} and "
            f"value.dtype: {_cpp(value.dtype)} instead.")
    if not (query.device == key.device and query.device == value.device):
        raise RuntimeError(
            f"Expected query, key, and value to have the same device type, but got "
            f"query.device: {query.device} key.device: {key.device} and value.device: "
            f"{value.device} instead.")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(
            f"Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} "
            "instead.")
    if attn_mask is not None:
        mdt = attn_mask.dtype
        if mdt is not _dtype.bool and mdt is not _dtype.float32 and mdt is not query.dtype:
            raise RuntimeError(
                f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {_cpp(mdt)} and  query.dtype: "
                f"{_cpp(query.dtype)} instead.")


def _convert_boolean_attn_mask(attn_mask, dtype):
    """A boolean mask (True: take part) as an additive one: 0 where True, -inf where False."""
    if attn_mask is None or attn_mask.dtype is not _dtype.bool:
        return attn_mask
    neg_inf = aten.scalar_tensor.default(-math.inf, dtype=dtype, device=attn_mask.device)
    zero = aten.scalar_tensor.default(0.0, dtype=dtype, layout=_strided(),
                                      device=attn_mask.device)
    return aten.where.self(attn_mask, zero, neg_inf)


def _strided():
    from .. import strided
    return strided


def _use_flash_cpp(query, key, value, attn_mask, dropout_p, enable_gqa):
    """ATen's ``use_flash_attention_cpp`` constraints."""
    if query.dtype._name not in ("float32", "float64", "bfloat16", "float16"):
        return False
    if dropout_p > 0.0:
        return False
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        return False
    qs, ks, vs = query.shape, key.shape, value.shape
    if not (qs[0] == ks[0] == vs[0]):
        return False
    if not (qs[1] == ks[1] == vs[1]):
        if not (enable_gqa and ks[1] == vs[1] and ks[1] and qs[1] % ks[1] == 0):
            return False
    if attn_mask is not None:
        if attn_mask.requires_grad:
            return False
        ms = attn_mask.shape
        if attn_mask.dim() not in (2, 4) or ms[-2] not in (qs[2], 1) or ms[-1] not in (ks[2], 1):
            return False
        if attn_mask.dim() == 4 and (ms[0] not in (1, qs[0]) or ms[1] not in (1, qs[1])):
            return False
    if not (qs[3] == ks[3] == vs[3]):
        return False
    if qs[2] == 0 or ks[2] == 0:
        return False
    return query.stride(-1) == 1 and key.stride(-1) == 1 and value.stride(-1) == 1


def _sdp_choice(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    return FLASH_ATTENTION if _use_flash_cpp(query, key, value, attn_mask, dropout_p,
                                             enable_gqa) else MATH


def _safe_softmax(x, dim):
    """``_safe_softmax``: softmax with rows that are all ``-inf`` giving zeros."""
    op = getattr(aten, "_safe_softmax", None)
    if op is not None:
        return op.default(x, dim)
    # (until kindling has the op: its decomposition)
    out = aten._softmax.default(x, dim, False)
    masked_rows = aten.all.dim(aten.eq.Scalar(x, -math.inf), dim, True)
    return aten.where.self(masked_rows, aten.zeros_like.default(out), out)


# ---- the flash kernel (NumPy) ------------------------------------------------------------------
def _calc_scale(query, scale):
    return 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale


def _flash_check(query, key, value, dropout_p, attn_mask):
    if query.dtype._name not in ("float32", "float64", "bfloat16", "float16"):
        raise RuntimeError(f"{_FLASH}Expected data type in FP32, FP64, BF16, FP16, but got "
                           f"{query.dtype._scalar_name} instead.")
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        raise RuntimeError(f"{_FLASH}Accept only 4 dims inputs shape of {{B, H, T, K}}")
    if dropout_p != 0.0:
        raise RuntimeError(f"{_FLASH}Currently do not support dropout > 0")
    if not (query.shape[3] == key.shape[3] == value.shape[3]):
        raise RuntimeError(f"{_FLASH}Q/K/V should have the same head size")
    if attn_mask is not None:
        if attn_mask.dtype is _dtype.bool:
            raise RuntimeError(f"{_FLASH}Attention mask is the same data type as query")
        if attn_mask.dim() not in (2, 4):
            raise RuntimeError(f"{_FLASH}Attention mask dim in {{2, 4}}")


def _acc(t):
    a = t._np
    return a.astype(np.float32) if a.dtype != np.float64 else a


def _kv_heads(a, heads):
    """Key/value heads repeated for grouped-query attention."""
    return a if a.shape[1] == heads else np.repeat(a, heads // a.shape[1], axis=1)


def _scores(q, k, attn_mask, is_causal, scale):
    s = np.matmul(q, np.swapaxes(k, -1, -2)) * q.dtype.type(scale)
    if attn_mask is not None:
        s = s + _acc(attn_mask).astype(s.dtype)
    if is_causal:
        L, S = s.shape[-2:]
        s = np.where(np.tril(np.ones((L, S), bool)), s, -np.inf)
    return s


def _flash_forward(query, key, value, dropout_p=0.0, is_causal=False, *, attn_mask=None,
                   scale=None):
    _flash_check(query, key, value, dropout_p, attn_mask)
    q = _acc(query)
    heads = q.shape[1]
    k, v = _kv_heads(_acc(key), heads), _kv_heads(_acc(value), heads)
    with np.errstate(all="ignore"):
        s = _scores(q, k, attn_mask, is_causal, _calc_scale(query, scale))
        m = s.max(-1, keepdims=True)
        m = np.where(np.isneginf(m), 0, m)
        e = np.exp(s - m)
        denom = e.sum(-1, keepdims=True)
        p = np.where(denom > 0, e / np.where(denom > 0, denom, 1), 0)
        out = np.matmul(p, v)
        lse = np.where(denom[..., 0] > 0, (m + np.log(np.where(denom > 0, denom, 1)))[..., 0],
                       0)
    out = np.ascontiguousarray(out.astype(query._np.dtype))
    # logsumexp laid out as (B, L, H) transposed (ATen's layout)
    lse = np.ascontiguousarray(np.swapaxes(lse, 1, 2)).swapaxes(1, 2)
    return out, lse


def _flash_backward(grad_out, query, key, value, out, logsumexp, dropout_p, is_causal, *,
                    attn_mask=None, scale=None):
    q, k0, v0 = _acc(query), _acc(key), _acc(value)
    heads = q.shape[1]
    k, v = _kv_heads(k0, heads), _kv_heads(v0, heads)
    g, o = _acc(grad_out), _acc(out)
    sc = _calc_scale(query, scale)
    with np.errstate(all="ignore"):
        s = _scores(q, k, attn_mask, is_causal, sc)
        p = np.exp(s - logsumexp._np.astype(s.dtype)[..., None])
        p = np.where(np.isneginf(s), 0, p)
        dv = np.matmul(np.swapaxes(p, -1, -2), g)
        dp = np.matmul(g, np.swapaxes(v, -1, -2))
        delta = (g * o).sum(-1, keepdims=True)
        ds = p * (dp - delta)
        dq = np.matmul(ds, k) * q.dtype.type(sc)
        dk = np.matmul(np.swapaxes(ds, -1, -2), q) * q.dtype.type(sc)

    def fold(a, like):  # (grouped-query heads summed back onto their key/value head)
        hk = like.shape[1]
        if hk != heads:
            a = a.reshape(a.shape[0], hk, heads // hk, *a.shape[2:]).sum(2)
        return _permuted(a.astype(like._np.dtype))
    return fold(dq, query), fold(dk, key), fold(dv, value)


def _permuted(a):
    """``a`` laid out as (B, L, H, E) in memory (``empty_permuted(..., (0, 2, 1, 3))``)."""
    return np.ascontiguousarray(np.swapaxes(a, 1, 2)).swapaxes(1, 2)


# ---- the ops -------------------------------------------------------------------------------------
def _install_sdpa():
    flash = defop("_scaled_dot_product_flash_attention_for_cpu(Tensor query, Tensor key, "
                  "Tensor value, float dropout_p=0., bool is_causal=False, *, "
                  "Tensor? attn_mask=None, float? scale=None) -> (Tensor output, "
                  "Tensor logsumexp)", tags=SEEDED)
    flash.cpu_leaf(lambda ks, *args, **kwargs: tuple(
        from_array(a) for a in _flash_forward(*args, **kwargs)))

    @flash.meta
    def _(query, key, value, dropout_p=0.0, is_causal=False, *, attn_mask=None, scale=None):
        b, h, L = query.shape[:3]
        lse_dt = query.dtype if query.dtype is _dtype.float64 else _dtype.float32
        lse = empty_meta((b, L, h), lse_dt).transpose(1, 2)
        return empty_meta(tuple(query.shape[:3]) + (value.shape[3],), query.dtype), lse

    fb = defop("_scaled_dot_product_flash_attention_for_cpu_backward(Tensor grad_out, "
               "Tensor query, Tensor key, Tensor value, Tensor out, Tensor logsumexp, "
               "float dropout_p, bool is_causal, *, Tensor? attn_mask=None, "
               "float? scale=None) -> (Tensor grad_query, Tensor grad_key, Tensor grad_value)")
    fb.cpu_leaf(lambda ks, *args, **kwargs: tuple(
        from_array(a) for a in _flash_backward(*args, **kwargs)))

    @fb.meta
    def _(grad_out, query, key, value, *args, **kwargs):
        return tuple(empty_meta((t.shape[0], t.shape[2], t.shape[1], t.shape[3]),
                                t.dtype).transpose(1, 2) for t in (query, key, value))

    flash.output_differentiability = [True, False]

    def flash_grad(grad, query, key, value, output, logsumexp, dropout_p, is_causal,
                   attn_mask, scale):
        return aten._scaled_dot_product_flash_attention_for_cpu_backward.default(
            grad, query, key, value, output, logsumexp, dropout_p, is_causal,
            attn_mask=attn_mask, scale=scale)
    flash.derivative("ScaledDotProductFlashAttentionForCpuBackward0",
                     **{"query, key, value": flash_grad})

    def fb_not_implemented(grads):
        raise RuntimeError("derivative for aten::_scaled_dot_product_flash_attention_for_cpu_"
                           "backward is not implemented")
    fb.derivative(**{"grad_out, query, key, value": fb_not_implemented})

    math_op = defop("_scaled_dot_product_attention_math(Tensor query, Tensor key, Tensor value, "
                    "Tensor? attn_mask=None, float dropout_p=0., bool is_causal=False, "
                    "Tensor? dropout_mask=None, *, float? scale=None, bool enable_gqa=False) -> "
                    "(Tensor, Tensor)", tags=SEEDED)
    math_op.composite(_sdpa_math)

    choice = defop("_fused_sdp_choice(Tensor query, Tensor key, Tensor value, "
                   "Tensor? attn_mask=None, float dropout_p=0., bool is_causal=False, *, "
                   "float? scale=None, bool enable_gqa=False) -> int", tags=SEEDED)

    @choice.cpu_ks
    def _(ks, query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, *,
          scale=None, enable_gqa=False):
        return _sdp_choice(query, key, value, attn_mask, dropout_p, is_causal, scale,
                           enable_gqa)

    # (PyTorch's Meta kernel picks a CUDA backend only for CUDA tensors)
    choice.meta(lambda *args, **kwargs: MATH)

    sdpa = defop("scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, "
                 "Tensor? attn_mask=None, float dropout_p=0., bool is_causal=False, *, "
                 "float? scale=None, bool enable_gqa=False) -> Tensor", tags=SEEDED)

    @sdpa.composite
    def _(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, *, scale=None,
          enable_gqa=False):
        _validate_sdpa_input(query, key, value, attn_mask)
        backend = _sdp_choice(query, key, value, attn_mask, dropout_p, is_causal, scale,
                              enable_gqa)
        attn_mask = _convert_boolean_attn_mask(attn_mask, query.dtype)
        if backend == FLASH_ATTENTION:
            return aten._scaled_dot_product_flash_attention_for_cpu.default(
                query, key, value, dropout_p, is_causal, attn_mask=attn_mask, scale=scale)[0]
        return aten._scaled_dot_product_attention_math.default(
            query, key, value, attn_mask, dropout_p, is_causal, None, scale=scale,
            enable_gqa=enable_gqa)[0]

    public("_scaled_dot_product_flash_attention_for_cpu", flash, method=False)
    public("_scaled_dot_product_attention_math", math_op, method=False)
    public("_fused_sdp_choice", choice, method=False)


def _sdpa_math(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
               dropout_mask=None, *, scale=None, enable_gqa=False):
    """ATen's ``_scaled_dot_product_attention_math``: (output, attention weights)."""
    origin = query.dtype
    low = origin._name in ("float16", "bfloat16")
    if low:  # (computed in float32)
        query, key, value = (aten._to_copy.default(t, dtype=_dtype.float32)
                             for t in (query, key, value))
    elif not origin.is_floating_point:
        raise RuntimeError(f"expected scalar type Float but found {origin._scalar_name}")
    negative = scale is not None and scale < 0.0
    factor = math.sqrt(_calc_scale(query, abs(scale) if negative else scale))
    q = aten.mul.Scalar(query, -factor if negative else factor)
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        L, S = q.shape[-2], key.shape[-2]
        causal = aten.tril.default(aten.ones.default([L, S], dtype=_dtype.bool,
                                                     layout=_strided(), device=q.device))
        attn_mask = _convert_boolean_attn_mask(causal, q.dtype)
    key, value = _gqa_expand(q, key, value, enable_gqa)
    attn = aten.matmul.default(q, aten.mul.Scalar(aten.transpose.int(key, -2, -1), factor))
    if attn_mask is not None:
        attn = aten.add.Tensor(attn, attn_mask)
    attn = _safe_softmax(attn, -1)
    if dropout_p > 0.0:
        if dropout_mask is not None:
            attn = aten.masked_fill.Scalar(attn, aten.logical_not.default(dropout_mask), 0.0)
            out = aten.matmul.default(attn, aten.mul.Scalar(value, 1.0 / (1 - dropout_p)))
            return _back(out, origin), _back(attn, origin)
        attn = aten.dropout.default(attn, dropout_p, True)
    return _back(aten.matmul.default(attn, value), origin), _back(attn, origin)


def _back(t, dtype):
    return t if t.dtype is dtype else aten._to_copy.default(t, dtype=dtype)


def _gqa_expand(query, key, value, enable_gqa):
    """Key and value heads repeated to the query's for grouped-query attention."""
    if not enable_gqa:
        return key, value
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if not (hq == hk == hv or (hq % hk == 0 and hq % hv == 0)):
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    if hq == hk == hv:
        return key, value
    return (aten.repeat_interleave.self_int(key, hq // hk, -3),
            aten.repeat_interleave.self_int(value, hq // hv, -3))


def _install_cuda_only():
    """PyTorch's CUDA kernels: schemas only (a CPU call has no kernel to run)."""
    defop("_efficient_attention_forward(Tensor query, Tensor key, Tensor value, Tensor? bias, "
          "Tensor? cu_seqlens_q, Tensor? cu_seqlens_k, SymInt? max_seqlen_q, "
          "SymInt? max_seqlen_k, float dropout_p, int custom_mask_type, "
          "bool compute_log_sumexp=False, *, float? scale=None, Tensor? seqlen_k=None, "
          "int? window_size=None) -> (Tensor output, Tensor logsumexp, Tensor philox_seed, "
          "Tensor philox_offset, SymInt max_seqlen_batch_q, SymInt max_seqlen_batch_k)",
          tags=SEEDED)
    defop("_efficient_attention_backward(Tensor grad_out_, Tensor query, Tensor key, "
          "Tensor value, Tensor? bias, Tensor out, Tensor? cu_seqlens_q, Tensor? cu_seqlens_k, "
          "SymInt max_seqlen_q, SymInt max_seqlen_k, Tensor logsumexp, float dropout_p, "
          "Tensor philox_seed, Tensor philox_offset, int custom_mask_type, "
          "bool bias_requires_grad, *, float? scale=None, int? num_splits_key=None, "
          "int? window_size=None, bool shared_storage_dqdkdv=False) -> "
          "(Tensor, Tensor, Tensor, Tensor)")
    fwd_tail = ("SymInt max_q, SymInt max_k, float dropout_p, bool is_causal, "
                "bool return_debug_mask, ")
    rets = ("(Tensor output, Tensor softmax_logsumexp, Tensor rng_state, Tensor unused, "
            "Tensor debug_attn_mask)")
    defop("_flash_attention_forward(Tensor query, Tensor key, Tensor value, Tensor? cum_seq_q, "
          f"Tensor? cum_seq_k, {fwd_tail}*, float? scale=None, SymInt? window_size_left=None, "
          "SymInt? window_size_right=None, Tensor? seqused_k=None, Tensor? alibi_slopes=None, "
          f"Tensor? block_table=None, int? num_splits=None) -> {rets}", tags=SEEDED)
    defop("_flash_attention_forward.quantized(Tensor query, Tensor key, Tensor value, "
          f"Tensor? cum_seq_q, Tensor? cum_seq_k, {fwd_tail}Tensor? q_descale, "
          "Tensor? k_descale, Tensor? v_descale, *, float? scale=None, "
          "SymInt? window_size_left=None, SymInt? window_size_right=None, "
          f"Tensor? seqused_k=None, Tensor? alibi_slopes=None) -> {rets}", tags=SEEDED)
    defop("_flash_attention_backward(Tensor grad_out, Tensor query, Tensor key, Tensor value, "
          "Tensor out, Tensor logsumexp, Tensor cum_seq_q, Tensor cum_seq_k, SymInt max_q, "
          "SymInt max_k, float dropout_p, bool is_causal, Tensor rng_state, Tensor unused, *, "
          "float? scale=None, SymInt? window_size_left=None, SymInt? window_size_right=None) "
          "-> (Tensor, Tensor, Tensor)")


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    _install_sdpa()
    _install_cuda_only()
