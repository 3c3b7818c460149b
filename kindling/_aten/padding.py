"""The padding ops behind ``F.pad`` (defined at first use: see ``_aten/_lazy.py``).

* ``constant_pad_nd``: a tensor of ``value`` with ``self`` (cropped where a pad is negative)
  copied in; its derivative crops (pads by the negated amounts) again.
* ``reflection_pad1d/2d/3d`` and ``replication_pad1d/2d/3d`` with their ``_backward`` ops:
  each padded dim reads ``self`` at an index map (mirrored about the edges, or clamped to
  them), so the forward is a gather and the backward a scatter-add along the same maps;
  both are linear, each one's derivative is the other.
* ``pad`` -> ``_pad_enum`` -> one of the above or ``_pad_circular`` (slices and ``copy_``):
  CompositeImplicitAutograd, as in PyTorch, so modes see the op they pick.
* ``one_hot`` (composite: ``aminmax``, ``zeros``, ``scatter_``).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ._api import public
from ._copy_out import out_overload
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._pointwise_util import check_scalar_fits
from ._util import np_scalar
from .conv import _sizes

# at::padding_mode
REFLECT, REPLICATE, CIRCULAR, CONSTANT = range(4)
MODES = {"reflect": REFLECT, "replicate": REPLICATE, "circular": CIRCULAR,
         "constant": CONSTANT}
_MODE_NAMES = {v: k for k, v in MODES.items()}


def _dim_size(t, d):
    """``t.size(d)`` with PyTorch's IndexError for a dim out of range."""
    n = t.dim()
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {d})")
    return int(t.shape[d])


def _scalar_name(t):
    return t.dtype._scalar_name


# ---- constant_pad_nd ---------------------------------------------------------------------------
def _constant_plan(self, pad):
    """Output shape, the slices of ``self`` kept and where they go in the output, and whether
    any pad is positive (else PyTorch returns a clone of the cropped input)."""
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(pad)}")
    n, half = self.dim(), len(pad) // 2
    if half > n:
        raise RuntimeError("Length of pad should be no more than twice the number of dimensions "
                           f"of the input. Pad length is {len(pad)}while the input has "
                           f"{n}dimensions.")
    shape = [int(s) for s in self.shape]
    src, dst, positive = [slice(None)] * n, [slice(None)] * n, False
    out = list(shape)
    for d in range(n - half, n):
        lo, hi = pad[2 * (n - 1 - d)], pad[2 * (n - 1 - d) + 1]
        size = shape[d]
        for p in (lo, hi):   # (``narrow`` of what is left, as PyTorch crops)
            if p < 0:
                if size + p < 0:
                    raise RuntimeError("narrow(): length must be non-negative.")
                size += p
            elif p:
                positive = True
        src[d] = slice(max(-lo, 0), max(-lo, 0) + size)
        out[d] = shape[d] + lo + hi
        dst[d] = slice(max(lo, 0), max(lo, 0) + size)
    if positive:
        for d in range(n - half, n):
            if out[d] < 0:
                lo, hi = pad[2 * (n - 1 - d)], pad[2 * (n - 1 - d) + 1]
                raise RuntimeError(f"The input size {shape[d]}, plus negative padding {lo} and "
                                   f"{hi} resulted in a negative output size, which is invalid. "
                                   f"Check dimension {d} of your input.")
    return out, tuple(src), tuple(dst), positive


def _like_layout(arr, self):
    """``arr`` (C-contiguous) laid out in ``self``'s suggested memory format."""
    from .copy import suggest_memory_format
    from .. import _layout
    fmt = suggest_memory_format(self)
    if fmt is _layout.contiguous_format or arr.ndim not in (4, 5):
        return arr
    perm = (0,) + tuple(range(2, arr.ndim)) + (1,)
    back = np.argsort(perm)
    return np.ascontiguousarray(arr.transpose(perm)).transpose(back)


def _constant_pad_cpu(ks_, self, pad, value=0):
    from .._tensor import from_array
    out, src, dst, positive = _constant_plan(self, pad)
    if not positive:   # (a clone of the cropped input, as PyTorch's: its strides kept)
        cropped = self
        for d, sl in enumerate(src):
            if sl != slice(None):
                cropped = aten.slice.Tensor(cropped, d, sl.start, sl.stop)
        return aten.clone.default(cropped)
    x = self._np
    check_scalar_fits(value, self.dtype)
    r = np.full(out, np_scalar(value, self.dtype), dtype=x.dtype)
    r[dst] = x[src]
    return from_array(_like_layout(r, self), dtype=self.dtype)


def _constant_pad_meta(self, pad, value=0):
    out, _, _, positive = _constant_plan(self, pad)
    if positive:
        check_scalar_fits(value, self.dtype)
    return empty_meta(out, self.dtype)


# ---- reflection / replication ------------------------------------------------------------------
_AXES = {1: "W", 2: "HW", 3: "DHW"}
_WORDS = {"W": "width", "H": "height", "D": "depth"}


def _index_map(n_in, lo, hi, reflect):
    """For each output position along one dim, the input position it reads."""
    j = np.arange(n_in + lo + hi) - lo
    if reflect:
        j = np.abs(j)
        return np.where(j >= n_in, 2 * (n_in - 1) - j, j)
    return np.clip(j, 0, n_in - 1)


def _pairs(padding, nd):
    """``[(lo, hi)]`` for the padded dims, outermost first (padding lists the last dim first)."""
    p = [int(v) for v in padding]
    return [(p[2 * k], p[2 * k + 1]) for k in reversed(range(nd))]


def _check_input(nd, self):
    n = self.dim()
    batch = n == nd + 2
    dims = range(1, n) if batch else range(n)
    if n not in (nd + 1, nd + 2) or any(self.shape[d] == 0 for d in dims):
        raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with possibly 0 "
                           "batch size and other non-zero dimensions for input, but got: "
                           f"{_sizes(self.shape)}")


def _pad_plan(kind, nd, self, padding):
    """Checks (PyTorch's, in its order) and the output shape of ``<kind>_pad<nd>d``."""
    reflect = kind == "reflection"
    if len(padding) != 2 * nd:
        raise RuntimeError(f"padding size is expected to be {2 * nd}" +
                           (f", but got: {len(padding)}" if reflect else ""))
    _check_input(nd, self)
    pairs = _pairs(padding, nd)
    lead = list(self.shape[:-nd])
    ins = [int(s) for s in self.shape[-nd:]]
    outs = [s + lo + hi for s, (lo, hi) in zip(ins, pairs)]
    if reflect:   # (width first: Argument #4, #6, #8 are its pads, then height's, depth's)
        for k in range(nd):
            i = nd - 1 - k
            lo, hi = pairs[i]
            if lo >= ins[i] or hi >= ins[i]:
                raise RuntimeError(
                    f"Argument #{4 + 2 * k}: Padding size should be less than the corresponding "
                    f"input dimension, but got: padding ({lo}, {hi}) at dimension "
                    f"{self.dim() - 1 - k} of input {_sizes(self.shape)}")
    if all(o < 1 for o in outs):
        if nd == 1:
            text = f"input (W: {ins[0]}) is too small. Calculated output W: {outs[0]}"
        else:
            i_txt = " ".join(f"{c}: {s}" for c, s in zip(_AXES[nd][:-1], ins[:-1]))
            gap = " " if nd == 2 and not reflect else ""   # (replication_pad2d's message)
            o_txt = " ".join(f"{c}: {s}" for c, s in zip(_AXES[nd], outs))
            text = (f"input ({i_txt}, W: {ins[-1]}{gap}) is too small. Calculated output "
                    f"{o_txt}")
        raise RuntimeError(text)
    shape = lead + outs
    bad = next((s for s in shape if s < 0), None)
    if bad is not None:
        if reflect and nd == 2:
            raise RuntimeError("numel: integer multiplication overflow")
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: "
                           f"{_sizes(shape)}")
    return shape, pairs, ins


def _check_dtype(name, t, backward=False):
    dt = t.dtype
    if dt is _dtype.bool or (backward and not (dt.is_floating_point or dt.is_complex)):
        raise NotImplementedError(f"\"{name}\" not implemented for '{_scalar_name(t)}'")


def _pad_forward(kind, nd):
    name = f"{kind}_pad{nd}d"
    reflect = kind == "reflection"

    def cpu(ks_, self, padding):
        from .._tensor import from_array
        shape, pairs, ins = _pad_plan(kind, nd, self, padding)
        _check_dtype(name, self)
        x = self._np
        for i, ((lo, hi), n_in) in enumerate(zip(pairs, ins)):
            x = np.take(x, _index_map(n_in, lo, hi, reflect), axis=x.ndim - nd + i)
        x = np.ascontiguousarray(x)
        return from_array(_like_layout(x, self) if nd > 1 else x, dtype=self.dtype)

    def meta(self, padding):
        shape = _pad_plan(kind, nd, self, padding)[0]
        _check_dtype(name, self)
        return empty_meta(shape, self.dtype)
    return cpu, meta


def _backward_plan(kind, nd, grad_output, self, padding):
    """``<kind>_pad<nd>d_backward``'s checks (PyTorch's, in its order, each op its own)."""
    reflect = kind == "reflection"
    if not reflect or nd == 3:
        if len(padding) != 2 * nd:
            raise RuntimeError(f"padding size is expected to be {2 * nd}" +
                               (f", but got: {len(padding)}" if reflect else ""))
    p = [int(v) for v in padding]
    pairs = [(p[2 * k], p[2 * k + 1]) for k in reversed(range(nd))]
    batch = self.dim() == nd + 2
    first = 1 if batch else 0   # (the channel dim)
    ins = [int(s) for s in self.shape[first + 1:first + 1 + nd]]
    outs = [s + lo + hi for s, (lo, hi) in zip(ins, pairs)]
    if reflect and nd == 1 and (pairs[0][0] >= ins[0] or pairs[0][1] >= ins[0]):
        raise RuntimeError(
            "Argument #4: Padding size should be less than the corresponding input dimension, "
            f"but got: padding ({pairs[0][0]}, {pairs[0][1]}) at dimension {first + 1} of input "
            f"{_sizes(self.shape)}")
    if reflect and nd == 3 and grad_output.dim() != self.dim():
        raise RuntimeError("Expected grad_output.dim() == input.dim() to be true, but got false.  "
                           "(Could this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")
    word = "grad_output" if reflect and nd != 2 else "gradOutput"
    comma = "" if (not reflect and nd == 1) else ","
    if not reflect and nd == 3:
        got = _dim_size(grad_output, first)
        if got != int(self.shape[first]):
            raise RuntimeError(f"gradOutput channel unexpected. Expected: {self.shape[first]}, "
                               f"Got: {got}")
    names = _AXES[nd]
    for k in reversed(range(nd)):   # (width first)
        got = _dim_size(grad_output, first + 1 + k)
        if got != outs[k]:
            raise RuntimeError(f"{word} {_WORDS[names[k]]} unexpected. Expected: {outs[k]}"
                               f"{comma} Got: {got}")
    return pairs, ins


def _pad_backward(kind, nd):
    name = f"{kind}_pad{nd}d_backward"
    reflect = kind == "reflection"

    def cpu(ks_, grad_output, self, padding):
        from .._tensor import from_array
        pairs, ins = _backward_plan(kind, nd, grad_output, self, padding)
        _check_dtype(name, self, backward=True)
        lead = [int(s) for s in self.shape[:-nd]]
        outs = [n + lo + hi for n, (lo, hi) in zip(ins, pairs)]
        # (PyTorch reads grad_output's data as laid out for self's leading sizes: where only
        # those differ, the first elements in order)
        g = np.ascontiguousarray(grad_output._np).reshape(-1)
        rows = int(np.prod(lead))
        g = g[:rows * int(np.prod(outs))].reshape(rows, int(np.prod(outs)))
        # every output position's input position (row-major), so that each input element
        # sums its contributions in output order, as PyTorch's loop does
        flat = np.zeros(1, np.int64)
        for (lo, hi), n_in in zip(pairs, ins):
            flat = (flat[:, None] * n_in + _index_map(n_in, lo, hi, reflect)[None, :]).ravel()
        acc = np.zeros((rows, int(np.prod(ins))), g.dtype)
        np.add.at(acc, (slice(None), flat), g)
        g = acc.reshape(lead + ins)
        return from_array(_like_layout(g, self) if nd > 1 else g, dtype=self.dtype)

    def meta(grad_output, self, padding):
        _backward_plan(kind, nd, grad_output, self, padding)
        _check_dtype(name, self, backward=True)
        return empty_meta(self.shape, self.dtype)
    return cpu, meta


# ---- pad, _pad_enum, _pad_circular (CompositeImplicitAutograd) ---------------------------------
def _pad_circular(self, pad):
    """Wrap-around padding: ``self`` copied into the middle of a new tensor, then each padded
    dim's two ends copied from the opposite side of what is already there."""
    pad = [int(p) for p in pad]
    shape = [int(s) for s in self.shape]
    nd = len(pad) // 2
    if len(pad) % 2 or not 1 <= len(shape) - nd <= 2:
        raise RuntimeError("Invalid padding size, expected 1 or 2 non-padded dimensions, which "
                           "would be equivalent to padding of length "
                           f"{(len(shape) - 1) * 2} or {(len(shape) - 2) * 2} respectively but "
                           f"got {len(pad)}")
    lead = len(shape) - nd
    out = list(shape)
    for i in range(nd):
        lo, hi = pad[2 * (nd - 1 - i)], pad[2 * (nd - 1 - i) + 1]
        size = shape[lead + i]
        out[lead + i] = size + lo + hi
        if lo > size or hi > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if out[lead + i] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    result = aten.new_empty.default(self, out, dtype=self.dtype, layout=self.layout,
                                    device=self.device)
    dst, src = result, self
    for i in range(nd):   # (the last dim first)
        d = len(shape) - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        dst = aten.slice.Tensor(dst, d, max(lo, 0), out[d] - max(hi, 0))
        src = aten.slice.Tensor(src, d, max(-lo, 0), shape[d] - max(-hi, 0))
    aten.copy_.default(dst, src)
    for i in range(nd):
        d = len(shape) - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        if lo > 0:
            aten.copy_.default(aten.slice.Tensor(result, d, 0, lo),
                               aten.slice.Tensor(result, d, out[d] - lo - max(hi, 0),
                                                 out[d] - max(hi, 0)))
        if hi > 0:
            aten.copy_.default(aten.slice.Tensor(result, d, out[d] - hi, out[d]),
                               aten.slice.Tensor(result, d, max(lo, 0), max(lo, 0) + hi))
    return result


_UNSUPPORTED = ("Padding size {} is not supported for {}D input tensor.\n"
                "Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _pad_enum(self, pad, mode, value=None):
    n = self.dim()
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * n:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{n}")
    if mode == CONSTANT:
        return aten.constant_pad_nd.default(self, pad, 0.0 if value is None else value)
    if value is not None:
        raise RuntimeError(f"Padding mode \"{_MODE_NAMES.get(mode, mode)}\" doesn't take in "
                           "value argument")
    nd = len(pad) // 2
    if nd in (1, 2, 3) and n in (nd + 1, nd + 2):
        if mode == REFLECT:
            return getattr(aten, f"reflection_pad{nd}d").default(self, pad)
        if mode == REPLICATE:
            return getattr(aten, f"replication_pad{nd}d").default(self, pad)
        if mode == CIRCULAR:
            return aten._pad_circular.default(self, pad)
    raise NotImplementedError(_UNSUPPORTED.format(len(pad), n))


def _pad(self, pad, mode="constant", value=None):
    if mode not in MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    return aten._pad_enum.default(self, pad, MODES[mode], value)


# ---- one_hot -----------------------------------------------------------------------------------
def _one_hot(self, num_classes=-1):
    if self.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    shape = list(self.shape)
    if self.numel() == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return aten.empty.memory_format(shape + [num_classes], dtype=_dtype.int64,
                                        layout=self.layout, device=self.device)
    lo, hi = aten.aminmax.default(self)
    lo, hi = aten._local_scalar_dense.default(lo), aten._local_scalar_dense.default(hi)
    if lo < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = hi + 1
    elif hi >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    result = aten.zeros.default(shape + [num_classes], dtype=_dtype.int64, layout=self.layout,
                                device=self.device)
    aten.scatter_.value(result, -1, aten.unsqueeze.default(self, -1), 1)
    return result


# ---- definitions -------------------------------------------------------------------------------
def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    cp = defop("constant_pad_nd(Tensor self, SymInt[] pad, Scalar value=0) -> Tensor",
               tags=("core",))
    cp.cpu_ks(_constant_pad_cpu)
    cp.meta(_constant_pad_meta)
    cp.derivative(self=lambda grad, pad: aten.constant_pad_nd.default(grad, [-p for p in pad]),
                  result=lambda self_t, pad: aten.constant_pad_nd.default(self_t, pad, 0))
    cp.complex_autograd = True
    out_overload(cp)

    p = defop("pad(Tensor self, SymInt[] pad, str mode=\"constant\", float? value=None) -> "
              "Tensor")
    p.composite(_pad)
    e = defop("_pad_enum(Tensor self, SymInt[] pad, int mode, float? value=None) -> Tensor")
    e.composite(_pad_enum)
    c = defop("_pad_circular(Tensor self, SymInt[] pad) -> Tensor")
    c.composite(_pad_circular)

    for kind in ("reflection", "replication"):
        for nd in (1, 2, 3):
            name = f"{kind}_pad{nd}d"
            node = f"{kind.capitalize()}Pad{nd}D"
            tags = ("core",) if (kind, nd) != ("replication", 1) else ()
            fwd = defop(f"{name}(Tensor self, SymInt[{2 * nd}] padding) -> Tensor", tags=tags)
            fwd.cpu_ks(_pad_forward(kind, nd)[0])
            fwd.meta(_pad_forward(kind, nd)[1])
            fwd.derivative(f"{node}Backward0",
                           self=f"aten.{name}_backward.default(grad, self, padding)",
                           result="auto_linear")
            out_overload(fwd, generated=False)
            bwd = defop(f"{name}_backward(Tensor grad_output, Tensor self, "
                        f"SymInt[{2 * nd}] padding) -> Tensor")
            cpu, meta = _pad_backward(kind, nd)
            bwd.cpu_ks(cpu)
            bwd.meta(meta)
            bwd.derivative(f"{node}BackwardBackward0",
                           grad_output=f"aten.{name}.default(grad, padding)",
                           self="zeros_like(self)",
                           result=f"aten.{name}_backward.default(grad_output_t, self_p, padding)")
            out_overload(bwd, "grad_input", ("grad_input",), False)
            for d in (fwd, bwd):
                d.complex_autograd = True

    oh = defop("one_hot(Tensor self, int num_classes=-1) -> Tensor",
               tags=("dynamic_output_shape",))
    oh.composite(_one_hot)
    public("constant_pad_nd", cp, method=False)
