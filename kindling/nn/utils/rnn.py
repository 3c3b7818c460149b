"""``torch.nn.utils.rnn``: packed and padded batches of variable-length sequences.

PyTorch computes the packing in C++ ops (``_pack_padded_sequence``, ``_pad_packed_sequence``,
``pad_sequence``); here the same steps are written with kindling ops (slices, ``cat``,
``full`` and ``copy_`` into slices), so autograd records those pieces instead of one node.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import kindling as torch
from kindling import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


def bind(optional, fn):
    """``fn(optional)``, or None when ``optional`` is None."""
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    """A batch of variable-length sequences packed time step by time step: ``data`` holds
    the elements of step 0 of every sequence, then of step 1..., ``batch_sizes[t]`` how many
    sequences reach step ``t``; ``sorted_indices`` orders the batch by decreasing length and
    ``unsorted_indices`` undoes it. Made by ``pack_padded_sequence``/``pack_sequence``."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        return super().__new__(cls, *_packed_sequence_init_args(
            data, batch_sizes, sorted_indices, unsorted_indices))

    def pin_memory(self):
        raise NotImplementedError("PackedSequence.pin_memory: kindling has no pinned memory")

    def to(self, *args, **kwargs):
        """The sequence with ``data`` converted by ``Tensor.to(*args, **kwargs)`` and the
        indices moved to its device (``self`` when ``data`` is unchanged)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        non_blocking = kwargs.get("non_blocking", False)

        def call_to(t):
            return t.to(data.device, non_blocking=non_blocking)
        return type(self)(data, self.batch_sizes, bind(self.sorted_indices, call_to),
                          bind(self.unsorted_indices, call_to))

    def cuda(self, *args, **kwargs):
        ex = torch.tensor((), dtype=self.data.dtype, device=self.data.device).to(*args, **kwargs)
        if ex.is_cuda:
            return self.to(*args, **kwargs)
        kwargs["device"] = "cuda"
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        ex = torch.tensor((), dtype=self.data.dtype, device=self.data.device).to(*args, **kwargs)
        if ex.device.type == "cpu":
            return self.to(*args, **kwargs)
        kwargs["device"] = "cpu"
        return self.to(*args, **kwargs)

    def double(self):
        return self.to(dtype=torch.double)

    def float(self):
        return self.to(dtype=torch.float)

    def half(self):
        return self.to(dtype=torch.half)

    def long(self):
        return self.to(dtype=torch.long)

    def int(self):
        return self.to(dtype=torch.int)

    def short(self):
        return self.to(dtype=torch.short)

    def char(self):
        return self.to(dtype=torch.int8)

    def byte(self):
        return self.to(dtype=torch.uint8)

    @property
    def is_cuda(self):
        """Whether ``data`` is on a CUDA device."""
        return self.data.is_cuda

    def is_pinned(self):
        """Whether ``data`` is in pinned memory (never, in kindling)."""
        return False


def _packed_sequence_init_args(data, batch_sizes=None, sorted_indices=None,
                               unsorted_indices=None):
    if unsorted_indices is None:
        unsorted_indices = invert_permutation(sorted_indices)
    if batch_sizes is not None:
        if batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never "
                "be created manually. They should be instantiated by functions like "
                "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return data, batch_sizes, sorted_indices, unsorted_indices
    if not (isinstance(data, (list, tuple)) and len(data) == 2):
        raise AssertionError("Expected data to be a list or tuple of length 2")
    return data[0], data[1], sorted_indices, unsorted_indices


def _packed_sequence_init(data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
    return PackedSequence(*_packed_sequence_init_args(data, batch_sizes, sorted_indices,
                                                      unsorted_indices))


def invert_permutation(permutation):
    """The inverse of a permutation given as an index tensor (None stays None)."""
    if permutation is None:
        return None
    output = torch.empty_like(permutation, memory_format=torch.contiguous_format)
    output.scatter_(0, permutation,
                    torch.arange(0, permutation.numel(), device=permutation.device))
    return output


def _check_long_tensor(t):
    if not (t.dim() == 1 and t.device.type == "cpu" and t.dtype == torch.int64):
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{t.dim()}D {t.device} {_scalar_type_name(t.dtype)} tensor")


def _scalar_type_name(dtype):
    return {torch.int64: "Long", torch.int32: "Int", torch.float32: "Float",
            torch.float64: "Double", torch.int16: "Short", torch.int8: "Char",
            torch.uint8: "Byte", torch.bool: "Bool", torch.float16: "Half"}.get(dtype, str(dtype))


def _pack_padded(input, lengths, batch_first):
    """PyTorch's ``_pack_padded_sequence``: (data, batch_sizes) of a time-major padded batch
    whose lengths decrease."""
    if batch_first:
        input = input.transpose(0, 1)
    lengths = lengths.contiguous()
    _check_long_tensor(lengths)
    batch_size = input.size(1)
    ls = lengths.tolist()
    if input.numel() <= 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if len(ls) != batch_size:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(ls)} (batch_size={batch_size})")
    if ls[batch_size - 1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    for i in range(batch_size - 1):
        if ls[batch_size - 1 - i] > ls[batch_size - 2 - i]:
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
    steps, batch_sizes = [], []
    step_shape = [-1] + list(input.shape[2:])
    prev = 0
    # walk the lengths from the shortest: each new length adds the time steps up to it, for
    # the sequences that long
    for i in range(batch_size):
        length = ls[batch_size - 1 - i]
        if length > prev:
            n = batch_size - i
            steps.append(input[prev:length, :n].contiguous().view(step_shape))
            batch_sizes += [n] * (length - prev)
            prev = length
    return torch.cat(steps), torch.tensor(batch_sizes, dtype=torch.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (``T x B x *``, or ``B x T x *`` with ``batch_first``) of
    sequences of the given ``lengths`` into a ``PackedSequence``. With ``enforce_sorted``
    the lengths must decrease; otherwise the batch is sorted here (and unsorted by
    ``pad_packed_sequence``)."""
    if not isinstance(lengths, torch.Tensor):
        lengths = torch.as_tensor(lengths, dtype=torch.int64, device="cpu")
    else:
        lengths = lengths.to(dtype=torch.int64)
    if enforce_sorted:
        sorted_indices = None
    else:
        lengths, sorted_indices = torch.sort(lengths, descending=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    data, batch_sizes = _pack_padded(input, lengths, batch_first)
    return _packed_sequence_init(data, batch_sizes, sorted_indices, None)


def _pad_packed(data, batch_sizes, batch_first, padding_value, total_length):
    """PyTorch's ``_pad_packed_sequence``: (padded batch, lengths)."""
    batch_sizes = batch_sizes.contiguous()
    _check_long_tensor(batch_sizes)
    bs = batch_sizes.tolist()
    max_batch = bs[0]
    steps = len(bs)
    if total_length > 0:
        if total_length < steps:
            raise RuntimeError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}")
        steps = total_length
    output = torch.full([steps, max_batch] + list(data.shape[1:]), padding_value,
                        dtype=data.dtype, device=data.device)
    lengths = [0] * max_batch
    offset, prev_i, prev_batch = 0, 0, max_batch
    for i in range(len(bs) + 1):
        b = bs[i] if i != len(bs) else 0
        if b != prev_batch:
            n = prev_batch * (i - prev_i)
            block = data[offset:offset + n].view([i - prev_i, prev_batch] +
                                                 list(data.shape[1:]))
            output[prev_i:i, :prev_batch].copy_(block)
            offset += n
            prev_i = i
        for j in range(b, prev_batch):  # (the sequences that end at step i)
            lengths[j] = i
        prev_batch = b
    if batch_first:
        output = output.transpose(0, 1)
    return output, torch.tensor(lengths, dtype=torch.int64)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: (the padded batch, each sequence's length), the batch
    in its original order; ``total_length`` pads the time dimension to that length."""
    max_seq_length = sequence.batch_sizes.size(0)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{max_seq_length}")
        max_seq_length = total_length
    padded, lengths = _pad_packed(sequence.data, sequence.batch_sizes, batch_first,
                                  padding_value, max_seq_length)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        return padded.index_select(0 if batch_first else 1, unsorted), lengths[unsorted.cpu()]
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of different lengths (along dim 0) into one padded batch:
    ``T x B x *`` (``B x T x *`` with ``batch_first``), padded with ``padding_value`` on the
    ``padding_side`` ("right" or "left")."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    sequences = tuple(sequences)
    if len(sequences) == 0:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    first = sequences[0]
    max_len = max(s.size(0) for s in sequences)
    trailing = list(first.shape[1:])
    shape = [len(sequences), max_len] + trailing if batch_first else \
        [max_len, len(sequences)] + trailing
    out = torch.full(shape, padding_value, dtype=first.dtype, device=first.device)
    for i, seq in enumerate(sequences):
        n = seq.size(0)
        start = max_len - n if padding_side == "left" else 0
        if batch_first:
            out.select(0, i).narrow(0, start, n).copy_(seq)
        else:
            out.narrow(0, start, n).select(1, i).copy_(seq)
    return out


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into its sequences (a list of tensors, each cut to its
    length). Without ``batch_first`` it transposes ``padded_sequences`` in place, as
    PyTorch's does."""
    out = []
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    idx = torch.arange(padded_sequences.shape[1], device=lengths.device)
    for seq, length in zip(padded_sequences, lengths, strict=True):
        out.append(seq[idx < length])
    return out


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors of different lengths: ``pad_sequence`` then
    ``pack_padded_sequence``."""
    lengths = torch.as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of tensors a ``PackedSequence`` holds (``pack_sequence`` undone)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
