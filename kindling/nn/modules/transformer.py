"""``torch.nn.modules.transformer``: ``Transformer`` and its encoder and decoder stacks and
layers (post- or pre-norm, ``Attention Is All You Need``).

PyTorch has an inference fast path (a fused encoder-layer kernel, and nested tensors for
padded batches in ``TransformerEncoder``). kindling has neither kernel nor nested tensors: it
always runs the regular layers, and where PyTorch would take the fast path it reproduces the
fast path's visible results (padded positions of a nested batch come back as zeros, the
``is_causal`` hint is ignored, a query whose keys are all masked gives NaN) and its warnings.
"""
from __future__ import annotations

import copy
import warnings

import kindling as torch
from .. import functional as F
from .._functional.attention import _canonical_mask, _none_or_dtype
from ..init import xavier_uniform_
from .activation import GELU, MultiheadAttention, ReLU
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder",
           "TransformerEncoderLayer", "TransformerDecoderLayer"]

_SUPPORTED_DEVICE_TYPES = ["cpu", "cuda", "xpu", "privateuseone"]


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    """``(sz, sz)`` float mask: ``-inf`` above the diagonal, 0 on and below it."""
    return torch.triu(torch.full((sz, sz), float("-inf"), dtype=dtype, device=device),
                      diagonal=1)


def _get_seq_len(src, batch_first):
    if getattr(src, "is_nested", False):
        return None
    sizes = src.size()
    if len(sizes) == 2:  # unbatched (S, E)
        return sizes[0]
    return sizes[1 if batch_first else 0]


def _get_clones(module, N):
    """``N`` independent deep copies of ``module`` in a ``ModuleList`` (same initial values)."""
    return ModuleList([copy.deepcopy(module) for _ in range(N)])


def _get_activation_fn(activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _add_feed_forward_and_norms(layer, blocks, d_model, dim_feedforward, dropout,
                                layer_norm_eps, norm_first, bias, factory_kwargs):
    """What the encoder and decoder layers build after their attention: ``linear1``,
    ``dropout``, ``linear2``, ``norm_first``, then ``norm1..normN`` and ``dropout1..dropoutN``
    for their ``blocks`` residual blocks, registered in PyTorch's order."""
    layer.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory_kwargs)
    layer.dropout = Dropout(dropout)
    layer.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory_kwargs)
    layer.norm_first = norm_first
    for i in range(1, blocks + 1):
        setattr(layer, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                             **factory_kwargs))
    for i in range(1, blocks + 1):
        setattr(layer, f"dropout{i}", Dropout(dropout))


def _detect_is_causal_mask(mask, is_causal=None, size=None):
    """``is_causal`` when given; otherwise whether ``mask`` equals the square causal mask of
    ``size`` (default: the mask's second-last size)."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.size(-2)
        causal = _generate_square_subsequent_mask(sz, device=mask.device, dtype=mask.dtype)
        if mask.size() == causal.size():
            make_causal = bool((mask == causal).all())
        else:
            make_causal = False
    return make_causal


def _fast_path_tensor_reason(tensor_args, what_device):
    """The part of PyTorch's fast-path checks that looks at the tensors themselves."""
    if torch.overrides.has_torch_function(tensor_args):
        return "some Tensor argument has_torch_function"
    bad_device = what_device(tensor_args)
    if bad_device:
        return bad_device
    if torch.is_grad_enabled() and any(x.requires_grad for x in tensor_args):
        return ("grad is enabled and at least one of query or the input/output projection "
                "weights or biases requires_grad")
    return ""


def _layer_tensor_args(layer, src):
    sa = layer.self_attn
    return (src, sa.in_proj_weight, sa.in_proj_bias, sa.out_proj.weight, sa.out_proj.bias,
            layer.norm1.weight, layer.norm1.bias, layer.norm2.weight, layer.norm2.bias,
            layer.linear1.weight, layer.linear1.bias, layer.linear2.weight,
            layer.linear2.bias)


class Transformer(Module):
    """An encoder-decoder transformer: ``TransformerEncoder`` of ``num_encoder_layers``
    layers and ``TransformerDecoder`` of ``num_decoder_layers`` layers, each stack ending in a
    ``LayerNorm``. Every parameter with more than one dimension is re-initialised with
    ``xavier_uniform_``. ``custom_encoder``/``custom_decoder`` replace either stack."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False,
                 norm_first=False, bias=True, device=None, dtype=None):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                      batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*layer_args, **factory_kwargs), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory_kwargs))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*layer_args, **factory_kwargs), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory_kwargs))
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """Encode ``src`` (with its masks), then decode ``tgt`` against that memory.
        Shapes: ``(S, N, E)``/``(T, N, E)`` (``(N, S, E)``/``(N, T, E)`` with
        ``batch_first``) or unbatched ``(S, E)``/``(T, E)``; returns ``tgt``'s shape."""
        is_batched = src.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if is_batched and src.size(batch_dim) != tgt.size(batch_dim):
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.size(-1) != self.d_model or tgt.size(-1) != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask for a sequence of length ``sz``: ``-inf`` above the diagonal,
        0 elsewhere (default float dtype)."""
        return _generate_square_subsequent_mask(sz, dtype=dtype, device=device)

    def _reset_parameters(self):
        for p in self.parameters():
            if p.dim() > 1:
                xavier_uniform_(p)


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` applied in turn, then ``norm`` if
    given. ``enable_nested_tensor`` asks for PyTorch's padded-batch fast path in inference
    (kindling emulates its results, see the module docstring); ``mask_check`` makes that path
    require left-aligned padding masks."""

    __constants__ = ["norm"]

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = self._why_not_nested(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn("enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {why_not}", stacklevel=2)
            self.use_nested_tensor = False

    @staticmethod
    def _why_not_nested(layer):
        name = "encoder_layer"
        if not isinstance(layer, TransformerEncoderLayer):
            return f"{name} was not TransformerEncoderLayer"
        if layer.norm_first:
            return f"{name}.norm_first was True"
        if not layer.self_attn.batch_first:
            return (f"{name}.self_attn.batch_first was not True"
                    "(use batch_first for better inference performance)")
        if not layer.self_attn._qkv_same_embed_dim:
            return f"{name}.self_attn._qkv_same_embed_dim was not True"
        if layer.self_attn.in_proj_bias is None:
            return f"{name}.self_attn was passed bias=False"
        if not layer.activation_relu_or_gelu:
            return f"{name}.activation_relu_or_gelu was not True"
        if layer.norm1.eps != layer.norm2.eps:
            return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
        if layer.self_attn.num_heads % 2 == 1:
            return f"{name}.self_attn.num_heads is odd"
        return ""

    def _why_not_sparsity_fast_path(self, src, mask, src_key_padding_mask):
        first = self.layers[0]
        if not torch.backends.mha.get_fastpath_enabled():
            return "torch.backends.mha.get_fastpath_enabled() was not True"
        if not hasattr(self, "use_nested_tensor"):
            return "use_nested_tensor attribute not present"
        if not self.use_nested_tensor:
            return "self.use_nested_tensor (set in init) was not True"
        if first.training:
            return "self.layers[0] was in training mode"
        if src.dim() != 3:
            return f"input not batched; expected src.dim() of 3 but got {src.dim()}"
        if src_key_padding_mask is None:
            return "src_key_padding_mask was None"
        if getattr(self, "mask_check", True) and not _left_aligned(src_key_padding_mask):
            return "mask_check enabled, and src and src_key_padding_mask was not left aligned"
        if mask is not None:
            return "src_key_padding_mask and mask were both supplied"
        if torch.is_autocast_enabled():
            return "autocast is enabled"

        def bad_device(args):
            if src.device.type not in _SUPPORTED_DEVICE_TYPES:
                return f"src device is neither one of {_SUPPORTED_DEVICE_TYPES}"
            return ""
        return _fast_path_tensor_reason(_layer_tensor_args(first, src), bad_device)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """Run ``src`` through every layer with the attention ``mask`` and
        ``src_key_padding_mask`` (True or ``-inf`` marks padding); ``is_causal=None`` detects
        whether ``mask`` is the causal mask."""
        src_key_padding_mask = _canonical_mask(
            mask=src_key_padding_mask, mask_name="src_key_padding_mask",
            other_type=_none_or_dtype(mask), other_name="mask", target_type=src.dtype)
        mask = _canonical_mask(mask=mask, mask_name="mask", other_type=None, other_name="",
                               target_type=src.dtype, check_other=False)
        output = src
        padding = None
        layer_padding_mask = src_key_padding_mask
        if not self._why_not_sparsity_fast_path(src, mask, src_key_padding_mask):
            # PyTorch packs the batch into a nested tensor, runs the layers on the real
            # positions only and pads the result with zeros.
            from ..._aten._util import warn_once
            warn_once("nested-tensor-prototype",
                      "The PyTorch API of nested tensors is in prototype stage and will change "
                      "in the near future. We recommend specifying layout=torch.jagged when "
                      "constructing a nested tensor, as this layout receives active "
                      "development, has better operator coverage, and works with "
                      "torch.compile.")
            # (the nested tensor keeps, per sequence, as many leading positions as the mask
            # has zeros: the same as the mask when it is left aligned)
            lengths = (src_key_padding_mask == 0).sum(-1, keepdim=True)
            padding = torch.arange(src.size(1), device=src.device) >= lengths
            layer_padding_mask = torch.zeros_like(src_key_padding_mask).masked_fill(
                padding, float("-inf"))
        seq_len = _get_seq_len(src, self.layers[0].self_attn.batch_first)
        is_causal = _detect_is_causal_mask(mask, is_causal, seq_len)
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal,
                         src_key_padding_mask=layer_padding_mask)
        if padding is not None:
            output = output.masked_fill(padding.unsqueeze(-1), 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output


def _left_aligned(padding_mask):
    """Whether every row's real positions (zero entries) all come before its padding."""
    keep = padding_mask.logical_not()
    if keep.size(-1) < 2:
        return True
    return not bool((keep[..., 1:] & keep[..., :-1].logical_not()).any())


class TransformerDecoder(Module):
    """``num_layers`` deep copies of ``decoder_layer`` applied in turn to ``tgt`` (each
    attending to ``memory``), then ``norm`` if given."""

    __constants__ = ["norm"]

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        """Decode ``tgt`` against ``memory``; ``tgt_is_causal=None`` detects whether
        ``tgt_mask`` is the causal mask."""
        output = tgt
        seq_len = _get_seq_len(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block (``linear1``, activation, ``linear2``), each
    with dropout, a residual connection and ``LayerNorm`` (after the block, or before it
    with ``norm_first``). ``activation``: ``"relu"``, ``"gelu"`` or a unary callable."""

    __constants__ = ["norm_first"]

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **factory_kwargs)
        _add_feed_forward_and_norms(self, 2, d_model, dim_feedforward, dropout, layer_norm_eps,
                                    norm_first, bias, factory_kwargs)
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        # 1: relu, 2: gelu, 0: anything else (PyTorch's fast path only knows the first two)
        if activation is F.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "activation"):
            self.activation = F.relu

    def _why_not_sparsity_fast_path(self, src, src_mask, src_key_padding_mask):
        if not torch.backends.mha.get_fastpath_enabled():
            return "torch.backends.mha.get_fastpath_enabled() was not True"
        if src.dim() != 3:
            return f"input not batched; expected src.dim() of 3 but got {src.dim()}"
        if self.training:
            return "training is enabled"
        if not self.self_attn.batch_first:
            return "self_attn.batch_first was not True"
        if self.self_attn.in_proj_bias is None:
            return "self_attn was passed bias=False"
        if not self.self_attn._qkv_same_embed_dim:
            return "self_attn._qkv_same_embed_dim was not True"
        if not self.activation_relu_or_gelu:
            return "activation_relu_or_gelu was not True"
        if self.norm1.eps != self.norm2.eps:
            return "norm1.eps is not equal to norm2.eps"
        if self.self_attn.num_heads % 2 == 1:
            return "num_head is odd"
        if torch.is_autocast_enabled():
            return "autocast is enabled"
        if any(len(getattr(m, "_forward_hooks", {})) + len(getattr(m, "_forward_pre_hooks", {}))
               for m in self.modules()):
            return "forward pre-/hooks are attached to the module"

        def bad_device(args):
            if not all(x.device.type in _SUPPORTED_DEVICE_TYPES for x in args):
                return ("some Tensor argument's device is neither one of "
                        f"{_SUPPORTED_DEVICE_TYPES}")
            return ""
        return _fast_path_tensor_reason(_layer_tensor_args(self, src), bad_device)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """One encoder layer over ``src`` with optional attention and key padding masks;
        ``is_causal`` says ``src_mask`` is the causal mask."""
        src_key_padding_mask = _canonical_mask(
            mask=src_key_padding_mask, mask_name="src_key_padding_mask",
            other_type=_none_or_dtype(src_mask), other_name="src_mask",
            target_type=src.dtype)
        src_mask = _canonical_mask(mask=src_mask, mask_name="src_mask", other_type=None,
                                   other_name="", target_type=src.dtype, check_other=False)
        if not self._why_not_sparsity_fast_path(src, src_mask, src_key_padding_mask):
            return self._fast_path_forward(src, src_mask, src_key_padding_mask)
        return self._blocks(src, src_mask, src_key_padding_mask, is_causal, self.activation)

    def _blocks(self, x, src_mask, src_key_padding_mask, is_causal, activation):
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask,
                                   is_causal=is_causal)
            x = x + self._ff_block(self.norm2(x), activation)
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask,
                                              is_causal=is_causal))
            x = self.norm2(x + self._ff_block(x, activation))
        return x

    def _fast_path_forward(self, src, src_mask, src_key_padding_mask):
        # What PyTorch's fused encoder layer returns: any nonzero mask entry masks (float
        # masks are not added), ``is_causal`` is not used, the activation is plain relu or
        # exact gelu, and a query that may attend to no key gives NaN.
        activation = F.gelu if self.activation_relu_or_gelu == 2 else F.relu
        src_mask, src_key_padding_mask = (
            None if m is None else torch.zeros_like(m).masked_fill(m != 0, float("-inf"))
            for m in (src_mask, src_key_padding_mask))
        out = self._blocks(src, src_mask, src_key_padding_mask, False, activation)
        merged, _ = self.self_attn.merge_masks(src_mask, src_key_padding_mask, src)
        if merged is None:
            return out
        batch, seq_len = src.size(0), src.size(1)
        if merged.dim() == 2:  # key padding only: (N, S)
            dead = (merged == float("-inf")).all(-1).view(batch, 1).expand(batch, seq_len)
        else:  # (N, H, L, S)
            dead = (merged == float("-inf")).all(-1).any(1)
        return out.masked_fill(dead.unsqueeze(-1), float("nan"))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x, activation=None):
        act = self.activation if activation is None else activation
        x = self.linear2(self.dropout(act(self.linear1(x))))
        return self.dropout2(x)


class TransformerDecoderLayer(Module):
    """Self-attention over ``tgt``, attention to ``memory``, then a feed-forward block, each
    with dropout, a residual connection and ``LayerNorm`` (before the block with
    ``norm_first``)."""

    __constants__ = ["norm_first"]

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                            batch_first=batch_first, bias=bias,
                                            **factory_kwargs)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                                 batch_first=batch_first, bias=bias,
                                                 **factory_kwargs)
        _add_feed_forward_and_norms(self, 3, d_model, dim_feedforward, dropout, layer_norm_eps,
                                    norm_first, bias, factory_kwargs)
        self.activation = _get_activation_fn(activation) if isinstance(activation, str) \
            else activation

    def __setstate__(self, state):
        state.setdefault("activation", F.relu)
        super().__setstate__(state)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        """One decoder layer: ``tgt`` attends to itself (``tgt_*`` masks), then to
        ``memory`` (``memory_*`` masks)."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                   tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask,
                                              tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask,
                                               memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)
