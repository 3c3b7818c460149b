"""``embedding_bag`` (defined at first use: see ``_aten/_lazy.py``): sums, means or maxima of
bags of embedding rows.  ``embedding_bag`` (CompositeImplicitAutograd) checks ``padding_idx``
and calls ``_embedding_bag`` when the weight needs a gradient, else
``_embedding_bag_forward_only``; both return (output, offset2bag, bag_size, max_indices), the
last three being what ``_embedding_bag_backward`` (EmbeddingBagBackward0's formula, with
``_embedding_bag_per_sample_weights_backward`` for the per-sample weights) needs.

As PyTorch's CPU kernels do, a float32/float16/bfloat16 ``sum`` without ``padding_idx`` takes
the fast path: it leaves ``offset2bag`` empty and ``bag_size``/``max_indices`` zero.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ._api import public
from ._copy_out import out_overload
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten

SUM, MEAN, MAX = 0, 1, 2
_FAST_DTYPES = ("float32", "float16", "bfloat16")
_IDX_TYPES = ("int64", "int32")


def _legacy(t):
    return f"torch.{t.dtype._scalar_name}Tensor"


def _check_types(name, t, allowed, shown):
    if t.dtype._name not in allowed:
        raise RuntimeError(f"Expected tensor for argument #1 '{name}' to have one of the "
                           f"following scalar types: {shown}; but got {_legacy(t)} instead "
                           "(while checking arguments for embedding_bag)")


def _assert(cond, text):
    if not cond:
        raise RuntimeError(f"Expected {text} to be true, but got false.  (Could this error "
                           "message be improved?  If so, please report an enhancement request "
                           "to PyTorch.)")


def _fast_path(weight, mode, per_sample_weights, padding_idx):
    return mode == SUM and padding_idx < 0 and weight.dtype._name in _FAST_DTYPES and \
        (weight.shape[1] <= 1 or weight.stride(1) == 1)


def _index_dtype(indices, offsets):
    """The indices' and offsets' common type (PyTorch's promoteIndicesAndOffsets)."""
    return _dtype.promote_types(indices.dtype, offsets.dtype)


def _check(weight, indices, offsets, mode, per_sample_weights, include_last_offset):
    """``_embedding_bag_cpu_impl``'s checks; the promoted index dtype."""
    if indices.dim() not in (1, 2):
        raise RuntimeError("input has to be a 1D or 2D Tensor, but got Tensor of dimension "
                           f"{indices.dim()}")
    if indices.dim() == 1 and offsets.dim() != 1:
        raise RuntimeError("offsets has to be a 1D Tensor, but got Tensor of dimension "
                           f"{offsets.dim()}")
    if weight.dim() != 2:
        raise RuntimeError("weight has to be a 2D Tensor, but got Tensor of dimension "
                           f"{weight.dim()}")
    idt = _index_dtype(indices, offsets)

    class _Promoted:   # (what the type checks see after promotion)
        def __init__(self, dt):
            self.dtype = dt
    _check_types("indices", _Promoted(idt), _IDX_TYPES, "Long, Int")
    _check_types("offsets", _Promoted(idt), _IDX_TYPES, "Long, Int")
    _check_types("weight", weight, ("float16", "bfloat16", "float32", "float64"),
                 "Half, BFloat16, Float, Double")
    off = offsets._np.reshape(-1) if offsets.device.type != "meta" else np.zeros(0)
    if off.size:
        if off[0] != 0:
            # (PyTorch's message ends with the printed tensor offsets[0]'s type)
            raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the "
                               "mini-batch has to start from position 0. However, got "
                               f"{int(off[0])}\n[ torch.{idt._scalar_name}Tensor{{}} ]")
        if off[-1] > indices.shape[0]:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length "
                               f"{indices.shape[0]} but got offsets[-1] of {int(off[-1])}")
    if per_sample_weights is not None:
        if mode != SUM:
            raise RuntimeError("embedding_bag: per_sample_weights only supported with "
                               "mode='sum'")
        if per_sample_weights.dtype is not weight.dtype:
            raise RuntimeError("Expected tensor for argument #1 'weight' to have the same type "
                               "as tensor for argument #1 'per_sample_weights'; but type "
                               f"{_legacy(weight)} does not equal {_legacy(per_sample_weights)}"
                               " (while checking arguments for embedding_bag)")
        _assert(per_sample_weights.dim() == 1, "per_sample_weights.value().dim() == 1")
        _assert(per_sample_weights.numel() == indices.numel(),
                "per_sample_weights.value().numel() == indices.numel()")
    if include_last_offset and offsets.shape[0] < 1:
        raise RuntimeError("include_last_offset: number of offset should be at least 1")
    return idt


def _offset2bag(offsets, n):
    """The bag of each of ``n`` indices (PyTorch's make_offset2bag)."""
    o2b = np.zeros(n + 1, np.int64)
    np.add.at(o2b, offsets, 1)
    o2b[0] -= 1
    return np.cumsum(o2b)[:n]


def _bags(indices, offsets, include_last_offset):
    """(flat indices, the offsets that start bags, number of bags, offset2bag)."""
    idx = indices._np.reshape(-1).astype(np.int64)
    off = offsets._np.reshape(-1).astype(np.int64)
    starts = off[:-1] if include_last_offset else off
    return idx, starts, len(starts), _offset2bag(starts, len(idx))


def _check_indices(idx, num_weights, fast):
    bad = (idx < 0) | (idx >= num_weights)
    if bad.any():
        pos = int(np.argmax(bad))
        if fast:
            raise RuntimeError(f"Index {pos} of input takes value {int(idx[pos])} which is not "
                               f"in the valid range [0, {num_weights})")
        raise RuntimeError("embedding_bag: Expected idx >= 0 && idx < num_embeddings but found "
                           f"idx to be {int(idx[pos])}")


def _embedding_bag_np(weight, indices, offsets, scale_grad_by_freq, mode, sparse,
                      per_sample_weights, include_last_offset, padding_idx, forward_only):
    """The four results as ndarrays."""
    idt = _check(weight, indices, offsets, mode, per_sample_weights, include_last_offset)
    idx_np = idt._np
    fast = _fast_path(weight, mode, per_sample_weights, padding_idx)
    idx, starts, nbags, o2b = _bags(indices, offsets, include_last_offset)
    w = weight._np
    _check_indices(idx, w.shape[0], fast)
    ct = np.float32 if w.dtype.itemsize < 4 else w.dtype
    out = np.zeros((nbags, w.shape[1]), ct)
    keep = idx != padding_idx
    ends = np.append(starts[1:], len(idx)) if nbags else starts
    counts = ends - starts
    if padding_idx >= 0:
        counts = counts - np.bincount(o2b[~keep], minlength=nbags)[:nbags] if nbags else counts
    rows = w[idx].astype(ct, copy=False)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights._np.reshape(-1, 1).astype(ct, copy=False)
    max_indices = None
    if mode in (SUM, MEAN) and nbags:
        if include_last_offset and _fast_path(weight, SUM, None, padding_idx):
            # (PyTorch's float kernel for sums and means ends the last bag at the last
            # offset; the others, and the bag sizes, run it to the end of the indices)
            keep = keep & (np.arange(len(idx)) < offsets._np.reshape(-1)[-1])
        np.add.at(out, o2b[keep], rows[keep])
        if mode == MEAN:
            out /= np.maximum(counts, 1)[:, None].astype(ct)
    elif mode == MAX:
        max_indices = np.zeros((nbags, w.shape[1]), np.int64)
        for b in range(nbags):
            sel = np.nonzero((o2b == b) & keep)[0]
            if len(sel):
                seg = rows[sel]
                best = np.argmax(seg, axis=0)     # (the first of equal maxima)
                out[b] = seg[best, np.arange(w.shape[1])]
                max_indices[b] = idx[sel][best]
    out = out.astype(w.dtype, copy=False)
    if mode == SUM:    # (sized by the offsets where no backward will read them)
        n_aux = offsets.shape[0] if forward_only else nbags
        bag_size = np.zeros(n_aux, idx_np)
        max_ind = np.zeros(n_aux, idx_np)
    else:
        bag_size = counts.astype(idx_np)
        max_ind = bag_size.copy() if mode == MEAN else max_indices.astype(idx_np)
    o2b_out = np.zeros(0, idx_np) if fast else o2b.astype(idx_np)
    return out, o2b_out, bag_size, max_ind


def _embedding_bag_kernels(forward_only):
    def cpu(ks_, weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
            per_sample_weights=None, include_last_offset=False, padding_idx=-1):
        from .._tensor import from_array
        return tuple(from_array(np.ascontiguousarray(r)) for r in _embedding_bag_np(
            weight, indices, offsets, scale_grad_by_freq, mode, sparse, per_sample_weights,
            include_last_offset, padding_idx, forward_only))

    def meta(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
             per_sample_weights=None, include_last_offset=False, padding_idx=-1):
        # (PyTorch's meta function for a tensor not on the CPU: no fast path)
        idt = _check(weight, indices, offsets, mode, per_sample_weights, include_last_offset)
        nbags = offsets.shape[0] - (1 if include_last_offset else 0)
        return (empty_meta([nbags, weight.shape[1]], weight.dtype),
                empty_meta([indices.shape[0]], idt),
                empty_meta(list(offsets.shape), idt),
                empty_meta([nbags, weight.shape[1]] if mode == MAX else [0], idt))
    return cpu, meta


# ---- backward ----------------------------------------------------------------------------------
def _dense_backward_np(grad, idx, o2b, bag_size, max_indices, num_weights, scale_grad_by_freq,
                       mode, psw, padding_idx):
    g = grad.reshape(grad.shape[0], -1)
    out = np.zeros((num_weights, g.shape[1]), np.float64)
    if mode == MAX:
        rows = np.nonzero(bag_size.reshape(-1) > 0)[0] if bag_size.size else \
            np.arange(g.shape[0])
        mi = max_indices.reshape(g.shape[0], -1)[rows]
        cols = np.broadcast_to(np.arange(g.shape[1]), mi.shape)
        np.add.at(out, (mi, cols), g[rows])
    else:
        keep = idx != padding_idx
        contrib = g[o2b].astype(np.float64)
        if mode == MEAN:
            contrib = contrib / np.maximum(bag_size.reshape(-1)[o2b], 1)[:, None]
        if psw is not None:
            contrib = contrib * psw.reshape(-1, 1)
        if scale_grad_by_freq:
            contrib = contrib / _freq_divisors(idx, num_weights)[idx][:, None]
        np.add.at(out, idx[keep], contrib[keep])
    if 0 <= padding_idx < num_weights:
        out[padding_idx] = 0
    return out.astype(grad.dtype)


def _freq_divisors(idx, num_weights):
    """Per embedding row, what PyTorch's CPU kernel divides its gradient by under
    scale_grad_by_freq: the k-th distinct index (in sorted order) takes the count of the k-th
    entry of the sorted indices, duplicates included (``counts[indices_data[i]]`` with i the
    group number) - its count only while no index repeats before it."""
    counts = np.bincount(idx, minlength=num_weights)
    srt = np.sort(idx, kind="stable")
    uniq = np.unique(srt)
    div = np.ones(num_weights, np.int64)
    div[uniq] = counts[srt[:len(uniq)]]
    return div


def _embedding_bag_backward_cpu(ks_, grad, indices, offsets, offset2bag, bag_size,
                                maximum_indices, num_weights, scale_grad_by_freq, mode, sparse,
                                per_sample_weights, padding_idx=-1):
    from .._tensor import from_array
    if sparse:
        raise NotImplementedError("kindling: embedding_bag(sparse=True) backward: sparse "
                                  "gradients (aten::_embedding_bag_sparse_backward) are not "
                                  "supported")
    idx = indices._np.reshape(-1).astype(np.int64)
    o2b = offset2bag._np.reshape(-1).astype(np.int64)
    if idx.size and not o2b.size:   # (the fast path left it out)
        o2b = _offset2bag(offsets._np.reshape(-1).astype(np.int64), idx.size)
    psw = None if per_sample_weights is None else per_sample_weights._np
    return from_array(_dense_backward_np(
        grad._np, idx, o2b, bag_size._np, maximum_indices._np, int(num_weights),
        scale_grad_by_freq, mode, psw, padding_idx))


def _embedding_bag_dense_backward_cpu(ks_, grad, indices, offset2bag, bag_size,
                                      maximum_indices, num_weights, scale_grad_by_freq, mode,
                                      per_sample_weights, padding_idx=-1):
    from .._tensor import from_array
    idx = indices._np.reshape(-1).astype(np.int64)
    psw = None if per_sample_weights is None else per_sample_weights._np
    return from_array(_dense_backward_np(
        grad._np, idx, offset2bag._np.reshape(-1).astype(np.int64), bag_size._np,
        maximum_indices._np, int(num_weights), scale_grad_by_freq, mode, psw, padding_idx))


def _per_sample_weights_backward_cpu(ks_, grad, weight, indices, offsets, offset2bag, mode,
                                     padding_idx=-1):
    from .._tensor import from_array
    if mode != SUM:
        raise RuntimeError("embedding_bag_backward: per_sample_weights only supported for "
                           "mode='sum'")
    idx = indices._np.reshape(-1).astype(np.int64)
    o2b = offset2bag._np.reshape(-1).astype(np.int64)
    if idx.size and not o2b.size:
        o2b = _offset2bag(offsets._np.reshape(-1).astype(np.int64), idx.size)
    g, w = grad._np, weight._np
    out = np.einsum("ij,ij->i", g[o2b], w[idx]) if idx.size else np.zeros(0, g.dtype)
    out = np.where(idx == padding_idx, 0, out)
    return from_array(np.ascontiguousarray(out.astype(g.dtype)))


def _embedding_bag_formula(grad, indices, offsets, result1, result2, result3,
                           weight_sym_sizes, scale_grad_by_freq, mode, sparse,
                           per_sample_weights, padding_idx):
    return aten._embedding_bag_backward.default(
        grad, indices, offsets, result1, result2, result3, weight_sym_sizes[0],
        scale_grad_by_freq, mode, sparse, per_sample_weights, padding_idx)


def _psw_formula(grad, weight, indices, offsets, result1, mode, padding_idx):
    return aten._embedding_bag_per_sample_weights_backward.default(
        grad, weight, indices, offsets, result1, mode, padding_idx)


def _refuse(what):
    def formula(grad):
        raise NotImplementedError(f"the derivative for '{what}' is not implemented.")
    return formula


# ---- the composites ----------------------------------------------------------------------------
def _embedding_bag_padding_idx(weight, indices, offsets, scale_grad_by_freq, mode, sparse,
                               per_sample_weights, include_last_offset, padding_idx):
    pidx = -1
    if padding_idx is not None:
        n = weight.size(0)
        if not -n <= padding_idx < n:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{n} "
                               f"through {n - 1}, but got {padding_idx}")
        pidx = padding_idx + n if padding_idx < 0 else padding_idx
    from ..autograd._fw_grad import fw_grad
    op = aten._embedding_bag.default if weight.requires_grad or \
        fw_grad(weight, 0) is not None else aten._embedding_bag_forward_only.default
    return op(weight, indices.contiguous(), offsets.contiguous(), scale_grad_by_freq, mode,
              sparse, per_sample_weights, include_last_offset, pidx)


def _embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
                   per_sample_weights=None, include_last_offset=False):
    return aten.embedding_bag.padding_idx(weight, indices, offsets, scale_grad_by_freq, mode,
                                          sparse, per_sample_weights, include_last_offset,
                                          None)


_EB_ARGS = ("Tensor weight, Tensor indices, Tensor offsets, bool scale_grad_by_freq=False, "
            "int mode=0, bool sparse=False, Tensor? per_sample_weights=None, "
            "bool include_last_offset=False")
_RET4 = "(Tensor, Tensor, Tensor, Tensor)"


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    eb = defop(f"embedding_bag({_EB_ARGS}) -> {_RET4}")
    eb.composite(_embedding_bag)
    ebp = defop("embedding_bag.padding_idx(Tensor weight, Tensor indices, Tensor offsets, "
                "bool scale_grad_by_freq, int mode, bool sparse, Tensor? per_sample_weights, "
                f"bool include_last_offset, int? padding_idx) -> {_RET4}")
    ebp.composite(_embedding_bag_padding_idx)
    main = defop(f"_embedding_bag({_EB_ARGS}, int padding_idx=-1) -> {_RET4}", tags=("core",))
    fwd_only = defop(f"_embedding_bag_forward_only({_EB_ARGS}, int padding_idx=-1) -> {_RET4}")
    for d, forward_only in ((main, False), (fwd_only, True)):
        cpu, meta = _embedding_bag_kernels(forward_only)
        d.cpu_ks(cpu)
        d.meta(meta)
    main.output_differentiability = (True, False, False, False)
    main.derivative("EmbeddingBagBackward0", per_sample_weights=_psw_formula,
                    weight=_embedding_bag_formula)
    bw = defop("_embedding_bag_backward(Tensor grad, Tensor indices, Tensor offsets, "
               "Tensor offset2bag, Tensor bag_size, Tensor maximum_indices, SymInt num_weights, "
               "bool scale_grad_by_freq, int mode, bool sparse, Tensor? per_sample_weights, "
               "int padding_idx=-1) -> Tensor")
    bw.cpu_ks(_embedding_bag_backward_cpu)
    bw.meta(lambda grad, *a, **k: empty_meta([int(a[5]), grad.shape[1]], grad.dtype))
    bw.derivative("EmbeddingBagBackwardBackward0", grad=_refuse("_embedding_bag_backward"))
    dense = defop("_embedding_bag_dense_backward(Tensor grad, Tensor indices, Tensor offset2bag, "
                  "Tensor bag_size, Tensor maximum_indices, SymInt num_weights, "
                  "bool scale_grad_by_freq, int mode, Tensor? per_sample_weights, "
                  "int padding_idx=-1) -> Tensor")
    dense.cpu_ks(_embedding_bag_dense_backward_cpu)
    dense.meta(lambda grad, *a, **k: empty_meta([int(a[4]), grad.shape[1]], grad.dtype))
    dense.derivative("EmbeddingBagDenseBackwardBackward0",
                     grad=_refuse("_embedding_bag_dense_backward"))
    psw = defop("_embedding_bag_per_sample_weights_backward(Tensor grad, Tensor weight, "
                "Tensor indices, Tensor offsets, Tensor offset2bag, int mode, "
                "int padding_idx=-1) -> Tensor")
    psw.cpu_ks(_per_sample_weights_backward_cpu)
    psw.meta(lambda grad, weight, indices, *a, **k: empty_meta([indices.numel()], grad.dtype))
    out_overload(main, out_names=("out0", "out1", "out2", "out3"))
    out_overload(fwd_only, out_names=("out0", "out1", "out2", "out3"))
    out_overload(dense)
    out_overload(psw)
    public("embedding_bag", eb, ebp, method=False)
    public("_embedding_bag", main, method=False)
    public("_embedding_bag_forward_only", fwd_only, method=False)
