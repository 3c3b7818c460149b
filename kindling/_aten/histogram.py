"""``torch.histogram`` and ``torch.histogramdd`` (defined at first use: see ``_aten/_lazy.py``).

An input of shape ``(..., D)`` is N points in D dimensions (``histogram``: a 1-d histogram of
every element).  Bin edges are given (a 1-d tensor per dimension) or made by ``linspace`` over
``range`` (else the data's min and max, widened by 0.5 either side when they are equal); a
point falls in the bin whose left edge is the last one not above it, the last bin also taking
its right edge, and points outside the edges (or NaN) count nowhere.  ``weight`` gives each
point's contribution; ``density`` divides by the total and by each bin's volume.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._dispatcher.keys import K
from ._api import PUBLIC, function, make_function, method
from ._copy_out import copy_out_variant, copy_results_out
from ._defop import defop
from ._ops_registry import aten

_OVERLOADS: dict = {}
_P = "torch.histogramdd: "

# c10's C++ type names, as the checks print dtypes
_CPP = {"float32": "float", "float64": "double", "float16": "c10::Half",
        "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
        "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _cpp(dt):
    n = str(dt).split(".")[-1]
    return _CPP.get(n, n)


def _g(v):
    """A double as C++'s ostream prints it."""
    return f"{v:g}"


def _check_inputs(self, bins, weight):
    """PyTorch's ``histogramdd_check_inputs`` (``bins``: the edge tensors, or None)."""
    if self.dim() < 2:
        raise RuntimeError(f"{_P}input tensor should have at least 2 dimensions")
    d = self.shape[-1]
    if bins is not None:
        if len(bins) != d:
            raise RuntimeError(
                f"{_P}expected {d} sequences of bin edges for each of the {d} dimensions of "
                f"the input's innermost dimension, but got {len(bins)} sequences of bin edges")
        for i, b in enumerate(bins):
            if b.dtype is not self.dtype:
                raise RuntimeError(
                    f"{_P}input tensor and bins tensors should have the same dtype, but got "
                    f"input with dtype {_cpp(self.dtype)} and bins for dimension {i} with dtype "
                    f"{_cpp(b.dtype)}")
            if b.dim() != 1:
                raise RuntimeError(
                    f"{_P}bins tensor should have one dimension, but got {b.dim()} dimensions "
                    f"in the bins tensor for dimension {i}")
            if b.numel() <= 0:
                raise RuntimeError(
                    f"{_P}bins tensor should have at least 1 element, but got {b.numel()} "
                    f"elements in the bins tensor for dimension {i}")
    if weight is not None:
        if weight.dtype is not self.dtype:
            raise RuntimeError(
                f"{_P}if weight tensor is provided, input tensor and weight tensor should have "
                f"the same dtype, but got input({_cpp(self.dtype)}), and "
                f"weight({_cpp(weight.dtype)})")
        if tuple(weight.shape) != tuple(self.shape[:-1]):
            raise RuntimeError(
                f"{_P}if weight tensor is provided it should have the same shape as the input "
                f"tensor excluding its innermost dimension, but got input with shape "
                f"{list(self.shape)} and weight with shape {list(weight.shape)}")


def _check_dtype(self):
    if not self.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogramdd\" not implemented for "
                                  f"'{self.dtype._scalar_name}'")


def _outer_edges(self, bin_ct, range):
    """The leftmost and rightmost edges of each dimension (``select_outer_bin_edges``)."""
    d = self.shape[-1]
    if range is not None:
        if len(range) != 2 * d:
            raise RuntimeError(f"{_P}for a {d}-dimensional histogram range should have {2 * d} "
                               f"elements, but got {len(range)}")
        pairs = [(float(range[2 * i]), float(range[2 * i + 1])) for i in builtins_range(d)]
    elif self.numel() > 0:
        flat = self.detach().reshape(-1, d)
        lo = aten.amin.default(flat, [0]).tolist()
        hi = aten.amax.default(flat, [0]).tolist()
        pairs = list(zip(lo, hi))
    else:
        pairs = [(0.0, 1.0)] * d
    out = []
    for i, (lo, hi) in enumerate(pairs):
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"{_P}dimension {i}'s range [{_g(lo)}, {_g(hi)}] is not finite")
        if lo > hi:
            raise RuntimeError(f"{_P}min should not exceed max, but got min {_g(lo)} max "
                               f"{_g(hi)} for dimension {i}")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        out.append((lo, hi))
    return out


builtins_range = range


def _bin_edges(self, bins, range=None, weight=None, density=False):
    """``_histogramdd_bin_edges``: the edge tensors, one per dimension."""
    _check_dtype(self)
    _check_inputs(self, None, weight)
    for i, b in enumerate(bins):
        if b <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {b} for "
                               f"dimension {i}")
    if len(bins) != self.shape[-1]:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                           "dimension of the input.")
    return [aten.linspace.default(lo, hi, b + 1, dtype=self.dtype, device=self.device)
            for (lo, hi), b in zip(_outer_edges(self, bins, range), bins)]


def _count(self, edges, weight, density):
    """The histogram of ``self`` (N points of D coordinates) over the edge tensors."""
    from .._tensor import Tensor, from_array
    d = self.shape[-1]
    pts = self.detach().reshape(-1, d).numpy() if self.numel() else \
        np.zeros((0, d), dtype=self.dtype._np)
    e = [t.detach().numpy() for t in edges]
    w = None if weight is None else weight.detach().reshape(-1).numpy()
    keep = np.ones(pts.shape[0], dtype=bool)
    idx = []
    for k in builtins_range(d):
        x, ek = pts[:, k], e[k]
        keep &= (x >= ek[0]) & (x <= ek[-1])
        pos = np.searchsorted(ek, x, side="right") - 1
        pos = np.where(pos == len(ek) - 1, pos - 1, pos)  # (the last edge closes the last bin)
        idx.append(pos)
    shape = tuple(max(len(ek) - 1, 0) for ek in e)
    acc = np.float64 if self.dtype is _dtype.float64 else np.float32
    hist = np.zeros(shape, dtype=acc)
    if keep.any() and all(s > 0 for s in shape):
        flat = np.ravel_multi_index(tuple(i[keep] for i in idx), shape)
        np.add.at(hist.reshape(-1), flat, 1 if w is None else w[keep].astype(acc))
    if density:
        hist = hist / hist.sum()
        for k in builtins_range(d):
            widths = np.diff(e[k]).astype(acc)
            hist = hist / widths.reshape([-1 if j == k else 1 for j in builtins_range(d)])
    return from_array(np.ascontiguousarray(hist.astype(self.dtype._np)), Tensor)


def _from_bin_tensors(self, bins, *, weight=None, density=False):
    _check_dtype(self)
    _check_inputs(self, bins, weight)
    return _count(self, bins, weight, density)


def _from_bin_cts(self, bins, *, range=None, weight=None, density=False):
    edges = _bin_edges(self, bins, range, weight, density)
    return _count(self, edges, weight, density)


def _as_points(self):
    return self.reshape(-1, 1)


def install():
    edges_op = defop("_histogramdd_bin_edges(Tensor self, int[] bins, *, float[]? range=None, "
                     "Tensor? weight=None, bool density=False) -> Tensor[]")
    edges_op.impl(K.CPU)(lambda self, bins, *, range=None, weight=None, density=False:
                         _bin_edges(self, bins, range, weight, density))
    cts = defop("_histogramdd_from_bin_cts(Tensor self, int[] bins, *, float[]? range=None, "
                "Tensor? weight=None, bool density=False) -> Tensor")
    cts.impl(K.CPU)(_from_bin_cts)
    tens = defop("_histogramdd_from_bin_tensors(Tensor self, Tensor[] bins, *, "
                 "Tensor? weight=None, bool density=False) -> Tensor")
    tens.impl(K.CPU)(_from_bin_tensors)
    for d in (edges_op, cts, tens):
        d.nondifferentiable()

    h_t = defop("histogram.bins_tensor(Tensor self, Tensor bins, *, Tensor? weight=None, "
                "bool density=False) -> (Tensor hist, Tensor bin_edges)")

    @h_t.impl(K.CPU)
    def _(self, bins, *, weight=None, density=False):
        w = None if weight is None else weight.reshape(-1)
        hist = _from_bin_tensors(_as_points(self), [bins], weight=w, density=density)
        return hist, aten.clone.default(bins)

    h_t_out = defop("histogram.bins_tensor_out(Tensor self, Tensor bins, *, Tensor? weight=None, "
                    "bool density=False, Tensor(a!) hist, Tensor(b!) bin_edges) -> "
                    "(Tensor(a!) hist, Tensor(b!) bin_edges)")
    h_t_fn = h_t.op

    @h_t_out.impl(K.CPU)
    def _(self, bins, *, weight=None, density=False, hist, bin_edges):
        copy_results_out([hist, bin_edges], list(h_t_fn(self, bins, weight=weight,
                                                        density=density)))
        return hist, bin_edges

    h_c = defop("histogram.bin_ct(Tensor self, int bins=100, *, float[]? range=None, "
                "Tensor? weight=None, bool density=False) -> (Tensor hist, Tensor bin_edges)")

    @h_c.impl(K.CPU)
    def _(self, bins=100, *, range=None, weight=None, density=False):
        pts = _as_points(self)
        w = None if weight is None else weight.reshape(-1)
        edges = _bin_edges(pts, [bins], range, w, density)
        return _count(pts, edges, w, density), edges[0]

    h_c_out = defop("histogram.bin_ct_out(Tensor self, int bins=100, *, float[]? range=None, "
                    "Tensor? weight=None, bool density=False, Tensor(a!) hist, "
                    "Tensor(b!) bin_edges) -> (Tensor(a!) hist, Tensor(b!) bin_edges)")
    h_c_fn = h_c.op

    @h_c_out.impl(K.CPU)
    def _(self, bins=100, *, range=None, weight=None, density=False, hist, bin_edges):
        copy_results_out([hist, bin_edges], list(h_c_fn(self, bins, range=range, weight=weight,
                                                        density=density)))
        return hist, bin_edges
    for d in (h_t, h_t_out, h_c, h_c_out):
        d.nondifferentiable()

    dd = defop("histogramdd(Tensor self, int[] bins, float[]? range=None, Tensor? weight=None, "
               "bool density=False) -> (Tensor hist, Tensor[] bin_edges)")

    @dd.composite
    def _(self, bins, range=None, weight=None, density=False):
        edges = aten._histogramdd_bin_edges.default(self, bins, range=range, weight=weight,
                                                    density=density)
        hist = aten._histogramdd_from_bin_tensors.default(self, edges, weight=weight,
                                                          density=density)
        return hist, edges

    dd_int = defop("histogramdd.int_bins(Tensor self, int bins, float[]? range=None, "
                   "Tensor? weight=None, bool density=False) -> (Tensor hist, Tensor[] bin_edges)")

    @dd_int.composite
    def _(self, bins, range=None, weight=None, density=False):
        n = self.shape[-1] if self.dim() else 1
        return aten.histogramdd.default(self, [bins] * n, range, weight, density)

    dd_t = defop("histogramdd.TensorList_bins(Tensor self, Tensor[] bins, float[]? range=None, "
                 "Tensor? weight=None, bool density=False) -> (Tensor hist, Tensor[] bin_edges)")

    @dd_t.composite
    def _(self, bins, range=None, weight=None, density=False):
        hist = aten._histogramdd_from_bin_tensors.default(self, bins, weight=weight,
                                                          density=density)
        return hist, [aten.clone.default(b) for b in bins]

    edges_out = defop("_histogramdd_bin_edges.out(Tensor self, int[] bins, *, "
                      "float[]? range=None, Tensor? weight=None, bool density=False, "
                      "Tensor(a!)[] out) -> ()", tags=("generated",))
    edges_fn = edges_op.op

    @edges_out.explicit
    def _(self, bins, *, range=None, weight=None, density=False, out):
        results = edges_fn(self, bins, range=range, weight=weight, density=density)
        if len(out) != len(results):
            raise RuntimeError(f"Expected an out= argument of size {len(results)}, got size "
                               f"{len(out)}")
        copy_results_out(out, results)
    copy_out_variant(cts, "_histogramdd_from_bin_cts.out(Tensor self, int[] bins, *, "
                     "float[]? range=None, Tensor? weight=None, bool density=False, "
                     "Tensor(a!) out) -> Tensor(a!)")
    copy_out_variant(tens, "_histogramdd_from_bin_tensors.out(Tensor self, Tensor[] bins, *, "
                     "Tensor? weight=None, bool density=False, Tensor(a!) out) -> Tensor(a!)")
    _OVERLOADS["histogram"] = [h_t.op, h_t_out.op, h_c.op, h_c_out.op]
    _OVERLOADS["histogramdd"] = [dd.op, dd_int.op, dd_t.op]


def api(define):
    """``torch.histogram``/``Tensor.histogram`` and ``torch.histogramdd``, returning
    ``torch.return_types.histogram(dd)`` (the edges of ``histogramdd`` as a tuple)."""
    from .reductions import _structseq, return_types
    for n in ("histogram", "histogramdd"):
        setattr(return_types, n, _structseq(n, ("hist", "bin_edges")))
        setattr(return_types, n + "_out", _structseq(n + "_out", ("hist", "bin_edges")))

    def overloads(name):
        def get():
            define()
            return _OVERLOADS[name]
        return get
    rts = (return_types.histogram, return_types.histogram_out)
    function("histogram")(make_function("histogram", overloads("histogram"), return_types=rts))
    method("histogram")(make_function("histogram", overloads("histogram"), self_name="self",
                                      is_method=True, return_types=rts))
    dd = make_function("histogramdd", overloads("histogramdd"))

    def histogramdd(*args, **kwargs):
        hist, edges = dd._tf_impl(*args, **kwargs)
        return return_types.histogramdd((hist, tuple(edges)))
    histogramdd.__name__ = histogramdd.__qualname__ = "histogramdd"
    histogramdd.__doc__ = ("``torch.histogramdd(input, bins, *, range=None, weight=None, "
                           "density=False)``: the D-dimensional histogram of N points "
                           "(``input`` of shape (..., D)) and the bin edges of each dimension.")
    PUBLIC["histogramdd"] = histogramdd
