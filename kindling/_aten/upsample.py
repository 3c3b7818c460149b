"""The upsample ops behind ``F.interpolate`` (defined at first use: see ``_aten/_lazy.py``):
``upsample_nearest1d/2d/3d``, ``_upsample_nearest_exact1d/2d/3d``, ``upsample_linear1d``,
``upsample_bilinear2d``, ``upsample_trilinear3d``, ``upsample_bicubic2d`` and the
antialiased ``_upsample_bilinear2d_aa``/``_upsample_bicubic2d_aa``, each with its
``.vec`` overload (output size or scale factors, CompositeImplicitAutograd) and its
``_backward`` op; both directions are linear, so each one's derivative is the other.

NumPy kernels in ``_upsample_np``.
"""
from __future__ import annotations

import math

from . import _upsample_np as U
from ._copy_out import out_overload
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from .conv import _sizes

# name -> (spatial dims, kernel mode, takes align_corners, node name stem)
OPS = {
    "upsample_nearest1d": (1, "nearest", False, "UpsampleNearest1D"),
    "upsample_nearest2d": (2, "nearest", False, "UpsampleNearest2D"),
    "upsample_nearest3d": (3, "nearest", False, "UpsampleNearest3D"),
    "_upsample_nearest_exact1d": (1, "nearest-exact", False, "UpsampleNearestExact1D"),
    "_upsample_nearest_exact2d": (2, "nearest-exact", False, "UpsampleNearestExact2D"),
    "_upsample_nearest_exact3d": (3, "nearest-exact", False, "UpsampleNearestExact3D"),
    "upsample_linear1d": (1, "linear", True, "UpsampleLinear1D"),
    "upsample_bilinear2d": (2, "linear", True, "UpsampleBilinear2D"),
    "upsample_trilinear3d": (3, "linear", True, "UpsampleTrilinear3D"),
    "upsample_bicubic2d": (2, "cubic", True, "UpsampleBicubic2D"),
    "_upsample_bilinear2d_aa": (2, "aa-linear", True, "UpsampleBilinear2DAa"),
    "_upsample_bicubic2d_aa": (2, "aa-cubic", True, "UpsampleBicubic2DAa"),
}
_SCALES = {1: ("scales",), 2: ("scales_h", "scales_w"), 3: ("scales_d", "scales_h", "scales_w")}
_DIMS = {1: "W", 2: "HW", 3: "DHW"}


def _as_list(v, nd):
    return [int(x) for x in v] if isinstance(v, (list, tuple)) else [int(v)] * nd


def _check(nd, input_size, output_size):
    output_size = _as_list(output_size, nd)
    input_size = [int(s) for s in input_size]
    if len(output_size) != nd:
        raise RuntimeError(f"It is expected output_size equals to {nd}, but got size "
                           f"{len(output_size)}")
    if len(input_size) != nd + 2:
        raise RuntimeError(f"It is expected input_size equals to {nd + 2}, but got size "
                           f"{len(input_size)}")
    ins = input_size[2:]
    if any(s <= 0 for s in ins + output_size):
        names = _DIMS[nd]
        i = ", ".join(f"{n}: {s}" for n, s in zip(names, ins))
        o = ", ".join(f"{n}: {s}" for n, s in zip(names, output_size))
        conj = "and " if nd == 1 else ""
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({i}) {conj}output ({o})")
    return output_size


def _check_input(nd, mode, self, output_size):
    out = _check(nd, self.shape, output_size)
    if self.numel() == 0 and math.prod(self.shape[1:]) == 0:
        raise RuntimeError(f"Non-empty {nd + 2}D data tensor expected but got a tensor with "
                           f"sizes {_sizes(self.shape)}")
    dt = self.dtype
    if not (dt.is_floating_point or (dt._name == "uint8" and mode.startswith("nearest"))):
        if dt._name == "uint8":
            raise NotImplementedError(f"kindling: {mode} interpolation of uint8 tensors")
        if mode.startswith("aa-"):
            kernel = "compute_index_ranges_weights"
        elif mode == "cubic":
            kernel = "compute_indices_weights_cubic"
        elif nd == 2:
            kernel = ("upsample_nearest2d_channels_last" if mode.startswith("nearest") else
                      "upsample_bilinear2d_channels_last")
        else:
            kernel = ("compute_indices_weights_nearest" if mode.startswith("nearest") else
                      "compute_indices_weights_linear")
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt._scalar_name}'")
    return out


def _make(name, nd, mode, align):
    tail = (("align_corners",) if align else ()) + _SCALES[nd]

    def options(rest, kwargs):
        """(align_corners, [scales...]) from the arguments after the sizes, given
        positionally or by keyword."""
        vals = list(rest) + [kwargs.get(n) for n in tail[len(rest):]]
        return (vals[0], vals[1:]) if align else (False, vals)

    def fwd_cpu(ks_, self, output_size, *rest, **kwargs):
        from .._tensor import from_array
        align_corners, scales = options(rest, kwargs)
        out = _check_input(nd, mode, self, output_size)
        return from_array(U.upsample(self._np, nd, out, mode, align_corners, scales))

    def fwd_meta(self, output_size, *rest, **kwargs):
        out = _check_input(nd, mode, self, output_size)
        return empty_meta(list(self.shape[:2]) + out, self.dtype)

    def bwd_cpu(ks_, grad_output, output_size, input_size, *rest, **kwargs):
        from .._tensor import from_array
        align_corners, scales = options(rest, kwargs)
        out = _check(nd, input_size, output_size)
        expected = [int(s) for s in input_size[:2]] + out
        if list(grad_output.shape) != expected:
            raise RuntimeError(f"Expected grad_output to have the same shape as output; output."
                               f"size({len(expected) - 1}) = {expected[-1]} but got grad_output_"
                               f"size({len(expected) - 1}) = {grad_output.shape[-1]}")
        return from_array(U.upsample_backward(grad_output._np, nd,
                                              [int(s) for s in input_size], mode,
                                              align_corners, scales))

    def bwd_meta(grad_output, output_size, input_size, *rest, **kwargs):
        _check(nd, input_size, output_size)
        return empty_meta([int(s) for s in input_size], grad_output.dtype)

    def resize(input, output_size, scale_factors, *align_corners):
        size = _vec_output_size(input, nd, output_size, scale_factors)
        scales = list(scale_factors) if scale_factors is not None else [None] * nd
        return getattr(aten, name).default(input, size, *align_corners, *scales)

    if align:
        def vec(input, output_size, align_corners, scale_factors):
            return resize(input, output_size, scale_factors, align_corners)
    else:
        def vec(input, output_size, scale_factors):
            return resize(input, output_size, scale_factors)
    return fwd_cpu, fwd_meta, bwd_cpu, bwd_meta, vec


def _vec_output_size(input, nd, output_size, scale_factors):
    """PyTorch's ``compute_output_size`` for the ``.vec`` overloads."""
    if output_size is not None:
        if scale_factors is not None:
            raise RuntimeError("Must specify exactly one of output_size and scale_factors")
        if len(output_size) != nd:
            raise RuntimeError("Expected static_cast<int64_t>(output_size->size()) == "
                               "spatial_dimensions to be true, but got false.  (Could this error "
                               "message be improved?  If so, please report an enhancement "
                               "request to PyTorch.)")
        return [int(s) for s in output_size]
    if scale_factors is not None:
        if len(scale_factors) != nd:
            raise RuntimeError("Expected static_cast<int64_t>(scale_factors->size()) == "
                               "spatial_dimensions to be true, but got false.  (Could this error "
                               "message be improved?  If so, please report an enhancement "
                               "request to PyTorch.)")
        return [int(input.shape[i + 2] * float(scale_factors[i])) for i in range(nd)]
    raise RuntimeError("Must specify exactly one of output_size and scale_factors")


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    for name, (nd, mode, align, node) in OPS.items():
        scales = _SCALES[nd]
        sargs = ", ".join(f"float? {s}=None" for s in scales)
        ac = "bool align_corners, " if align else ""
        ac_arg = "align_corners, " if align else ""
        s_call = ", ".join(scales)
        fwd_cpu, fwd_meta, bwd_cpu, bwd_meta, vec = _make(name, nd, mode, align)
        fwd = defop(f"{name}(Tensor self, SymInt[{nd}] output_size, {ac}{sargs}) -> Tensor")
        fwd.cpu_ks(fwd_cpu)
        fwd.meta(fwd_meta)
        fwd.derivative(f"{node}Backward0",
                       self=f"aten.{name}_backward.default(grad, output_size, self_sym_sizes, "
                            f"{ac_arg}{s_call})",
                       result="auto_linear")
        exact = name.startswith("_upsample_nearest_exact")
        if exact:   # (PyTorch lists these ops' overloads in this order)
            out_overload(fwd, generated=False)
        v = defop(f"{name}.vec(Tensor input, SymInt[]? output_size, {ac}float[]? "
                  "scale_factors) -> Tensor", tags=("core",) if name in (
                      "upsample_nearest2d", "upsample_bilinear2d") else ())
        v.composite(vec)
        bwd = defop(f"{name}_backward(Tensor grad_output, SymInt[{nd}] output_size, "
                    f"SymInt[{nd + 2}] input_size, {ac}{sargs}) -> Tensor")
        bwd.cpu_ks(bwd_cpu)
        bwd.meta(bwd_meta)
        if not exact:
            out_overload(fwd, generated=False)
        if name in ("upsample_nearest2d", "upsample_bilinear2d"):
            out_overload(v)
        out_overload(bwd, "grad_input", ("grad_input",), False)
        bwd.derivative(f"{node}BackwardBackward0",
                       grad_output=f"aten.{name}.default(grad, output_size, {ac_arg}{s_call})",
                       result="auto_linear")
