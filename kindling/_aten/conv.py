"""Convolutions, as PyTorch layers them (defined at first use: see ``_aten/_lazy.py``):

- ``convolution`` (ConvolutionBackward0) and ``_convolution`` (ConvolutionBackward1): the
  N-d (1-3 spatial dims) convolution and transposed convolution, with PyTorch's shape checks;
- ``convolution_backward`` (its derivative, ConvolutionBackwardBackward0) and
  ``_convolution_double_backward`` (the composite that derivative calls);
- the CompositeImplicitAutograd front ends ``conv1d/2d/3d`` (``.padding``: 'same'/'valid'
  through ``_convolution_mode``) and ``conv_transpose1d/2d/3d``, which add a batch dimension
  to an unbatched input and take it off the result.

The NumPy kernels are in ``_conv_np``.
"""
from __future__ import annotations

import numpy as np

from . import _conv_np as C
from ._api import public
from ._copy_out import out_overload
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import warn_once


def _sizes(s):
    return "[" + ", ".join(str(int(v)) for v in s) + "]"


def _expand(name, v, nd):
    v = [int(x) for x in v]
    if len(v) == 1 and nd != 1:
        return v * nd
    if len(v) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={_sizes(v)}")
    return v


def _dtype_name(dt):
    """c10's TypeMeta name of a dtype (the bias check's wording)."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}.get(dt._name, dt._name)


def _type_string(t):
    return f"CPU{t.dtype._scalar_name}Type"


def _front_bias_check(input, bias):
    """``conv1d/2d/3d``'s own check, before any other."""
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"Input type ({_dtype_name(input.dtype)}) and bias type "
                           f"({_dtype_name(bias.dtype)}) should be the same")


def _legacy_type(t):
    return f"torch.{t.dtype._scalar_name}Tensor"


def _output_sizes(input, weight, stride, padding, dilation, transposed, output_padding,
                  groups):
    nd = weight.dim() - 2
    ks = weight.shape[2:]
    if transposed:
        return [(input.shape[2 + i] - 1) * stride[i] - 2 * padding[i] +
                dilation[i] * (ks[i] - 1) + output_padding[i] + 1 for i in range(nd)]
    return [C.out_size(input.shape[2 + i], ks[i], stride[i], padding[i], dilation[i])
            for i in range(nd)]


_AXES = {1: ("height", "width"), 2: ("height", "width"), 3: ("depth", "height", "width")}


def _check(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """PyTorch's ``_convolution`` checks (``check_shape_forward`` and the kernels'); returns
    the expanded (stride, padding, dilation, output_padding) and the output's sizes."""
    if weight.dim() < 3:
        raise RuntimeError("weight should have at least three dimensions")
    nd = weight.dim() - 2
    stride = _expand("stride", stride, nd)
    padding = _expand("padding", padding, nd)
    dilation = _expand("dilation", dilation, nd)
    output_padding = _expand("output_padding", output_padding, nd)
    groups = int(groups)
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    ws = tuple(weight.shape)
    if input.dim() != weight.dim():
        raise RuntimeError(f"Expected {weight.dim()}-dimensional input for {weight.dim()}-"
                           f"dimensional weight {_sizes(ws)}, but got {input.dim()}-dimensional "
                           f"input of size {_sizes(input.shape)} instead")
    if ws[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {_sizes(ws)} instead")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{_sizes(ws)}] instead")
    if not transposed:
        if input.shape[1] != ws[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {_sizes(ws)}, expected "
                               f"input{_sizes(input.shape)} to have {ws[1] * groups} channels, "
                               f"but got {input.shape[1]} channels instead")
        if bias is not None and (bias.dim() != 1 or bias.shape[0] != ws[0]):
            raise RuntimeError(f"Given weight of size {_sizes(ws)}, expected bias to be "
                               f"1-dimensional with {ws[0]} elements, but got bias of size "
                               f"{_sizes(bias.shape)} instead")
        padded = [input.shape[2 + i] + 2 * padding[i] for i in range(nd)]
        kernel = [dilation[i] * (ws[2 + i] - 1) + 1 for i in range(nd)]
        if any(p < k for p, k in zip(padded, kernel)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater "
                "than actual input size")
    else:
        if input.shape[1] != ws[0]:
            raise RuntimeError(f"Given transposed=1, weight of size {_sizes(ws)}, expected "
                               f"input{_sizes(input.shape)} to have {ws[0]} channels, but got "
                               f"{input.shape[1]} channels instead")
        if bias is not None and (bias.dim() != 1 or bias.shape[0] != ws[1] * groups):
            raise RuntimeError(f"Given transposed=1, weight of size {_sizes(ws)}, expected bias "
                               f"to be 1-dimensional with {ws[1] * groups} elements, but got "
                               f"bias of size {_sizes(bias.shape)} instead")
    _check_types(input, weight, bias, transposed)
    if transposed:
        _check_output_padding(nd, output_padding, stride, dilation)
    out = _output_sizes(input, weight, stride, padding, dilation, transposed, output_padding,
                        groups)
    if transposed and any(o <= 0 for o in out):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(str(s) for s in input.shape[2:])}). "
            f"Calculated output size per channel: ({' x '.join(map(str, out))}). Output size is "
            "too small")
    return stride, padding, dilation, output_padding, groups, out


def _check_types(input, weight, bias, transposed):
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"Input type ({_legacy_type(input)}) and bias type "
                           f"({_legacy_type(bias)}) should be the same or input should be a "
                           "MKLDNN tensor and bias is a dense tensor")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._scalar_name} but found "
                           f"{weight.dtype._scalar_name}")
    if input.dtype._name == "bool" or input.dtype.is_complex:
        # (complex inputs are convolved through real ones by the front ends: ``conv2d``...)
        nd = weight.dim() - 2
        kernel = (f"slow_conv_transpose{max(nd, 2)}d_out_cpu" if transposed else
                  "compute_columns3d" if nd == 3 else "slow_conv2d_cpu")
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{input.dtype._scalar_name}'")


def _check_output_padding(nd, output_padding, stride, dilation):
    if all(o < s or o < d for o, s, d in zip(output_padding, stride, dilation)):
        return
    names = _AXES[nd]
    # (a 1-d convolution runs as a 2-d one of height 1)
    vals = [(0, 1, 1)] * (nd == 1) + list(zip(output_padding, stride, dilation))
    parts = [f"output_padding_{n}: {v[0]}" for n, v in zip(names, vals)] + \
        [f"stride_{n}: {v[1]}" for n, v in zip(names, vals)] + \
        [f"dilation_{n}: {v[2]}" for n, v in zip(names, vals)]
    raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                       "got " + " ".join(parts))


# ---- the kernels ---------------------------------------------------------------------------------
def _np_dtype(t):
    return t._np.dtype


def _forward_np(x, w, b, stride, padding, dilation, transposed, output_padding, groups, out):
    if transposed:
        y = C.conv_input_grad(x, w, out, stride, padding, dilation, groups)
    else:
        y = C.conv_forward(x, w, stride, padding, dilation, groups)
    if b is not None:
        y += b.reshape((1, -1) + (1,) * (y.ndim - 2)).astype(y.dtype, copy=False)
    return y


def _convolution_cpu(ks, input, weight, bias, stride, padding, dilation, transposed,
                     output_padding, groups, *_flags):
    from .._tensor import from_array
    stride, padding, dilation, output_padding, groups, out = _check(
        input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)
    y = _forward_np(input._np, weight._np, None if bias is None else bias._np, stride, padding,
                    dilation, transposed, output_padding, groups, out)
    return from_array(np.ascontiguousarray(y.astype(_np_dtype(input), copy=False)))


def _convolution_meta(input, weight, bias, stride, padding, dilation, transposed,
                      output_padding, groups, *_flags):
    out = _check(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                 groups)[-1]
    return empty_meta([input.shape[0], weight.shape[1] * int(groups) if transposed else
                       weight.shape[0]] + out, input.dtype)


def _conj(a):
    return a.conj() if a.dtype.kind == "c" else a


def _backward_np(gy, x, w, stride, padding, dilation, transposed, groups, mask):
    """(grad_input, grad_weight, grad_bias) as ndarrays (None where ``mask`` says so)."""
    in_sp, nd = x.shape[2:], x.ndim - 2
    gx = gw = gb = None
    if transposed:   # y = conv_input_grad(x, w): its input grad is the plain convolution
        if mask[0]:
            gx = C.conv_forward(gy, _conj(w), stride, padding, dilation, groups, out=in_sp)
        if mask[1]:
            gw = C.conv_weight_grad(_conj(x), gy, w.shape, stride, padding, dilation, groups)
    else:
        if mask[0]:
            gx = C.conv_input_grad(gy, _conj(w), in_sp, stride, padding, dilation, groups)
        if mask[1]:
            gw = C.conv_weight_grad(gy, _conj(x), w.shape, stride, padding, dilation, groups)
    if mask[2]:
        gb = gy.sum(axis=(0,) + tuple(range(2, 2 + nd)))
    return gx, gw, gb


def _convolution_backward_cpu(ks, grad_output, input, weight, bias_sizes, stride, padding,
                              dilation, transposed, output_padding, groups, output_mask):
    from .._tensor import from_array
    stride, padding, dilation, output_padding, groups, _ = _check(
        input, weight, None, stride, padding, dilation, transposed, output_padding, groups)
    res = _backward_np(grad_output._np, input._np, weight._np, stride, padding, dilation,
                       transposed, groups, output_mask)
    dts = (input, weight, grad_output)
    return tuple(None if r is None else
                 from_array(np.ascontiguousarray(np.asarray(r).astype(_np_dtype(t), copy=False)))
                 for r, t in zip(res, dts))


def _convolution_backward_meta(grad_output, input, weight, bias_sizes, stride, padding,
                               dilation, transposed, output_padding, groups, output_mask):
    _check(input, weight, None, stride, padding, dilation, transposed, output_padding, groups)
    sizes = (input.shape, weight.shape, list(bias_sizes or [0]))
    return tuple(empty_meta(s, input.dtype) if m else None for s, m in zip(sizes, output_mask))


# ---- derivatives ---------------------------------------------------------------------------------
def convolution_backward_formula(grad, input, weight, bias_sym_sizes_opt, stride, padding,
                                 dilation, transposed, output_padding, groups, grad_input_mask):
    if grad is None:
        return None, None, None
    return aten.convolution_backward.default(
        grad, input, weight, list(bias_sym_sizes_opt),
        list(stride), list(padding), list(dilation), transposed, list(output_padding), groups,
        list(grad_input_mask))


def convolution_jvp(input_p, input_t_raw, weight_p, weight_t_raw, bias_t_raw, stride, padding,
                    dilation, transposed, output_padding, groups):
    """``conv(dx, w) + conv(x, dw) + db`` (PyTorch's ``convolution_jvp``)."""
    args = (list(stride), list(padding), list(dilation), transposed, list(output_padding),
            groups)
    r = None
    if input_t_raw is not None:
        r = aten.convolution.default(input_t_raw, weight_p, None, *args)
    if weight_t_raw is not None or bias_t_raw is not None:
        w = weight_t_raw if weight_t_raw is not None else aten.zeros_like.default(weight_p)
        r2 = aten.convolution.default(input_p, w, bias_t_raw, *args)
        r = r2 if r is None else r + r2
    return r


def convolution_backward_jvp(grad_output_p, grad_output_t_raw, input_p, input_t_raw, weight_p,
                             weight_t_raw, bias_sizes, stride, padding, dilation, transposed,
                             output_padding, groups, output_mask):
    """The tangents of (grad_input, grad_weight, grad_bias): each is bilinear in
    ``grad_output`` and the other input."""
    args = (list(stride), list(padding), list(dilation), transposed, list(output_padding),
            groups)
    bw = aten.convolution_backward.default

    def total(i, pairs):
        r = None
        for g, x, w in pairs:
            if g is None or x is None or w is None:
                continue
            mask = [k == i for k in range(3)]
            t = bw(g, x, w, bias_sizes, *args, mask)[i]
            r = t if r is None else r + t
        return r
    gx = total(0, [(grad_output_p, input_p, weight_t_raw), (grad_output_t_raw, input_p,
                                                               weight_p)]) \
        if output_mask[0] else None
    gw = total(1, [(grad_output_p, input_t_raw, weight_p), (grad_output_t_raw, input_p,
                                                               weight_p)]) \
        if output_mask[1] else None
    gb = None
    if output_mask[2] and grad_output_t_raw is not None:
        gb = grad_output_t_raw.sum([0] + list(range(2, grad_output_t_raw.dim())))
    return gx, gw, gb


def _convolution_double_backward(ggI, ggW, ggb, gO, weight, self, stride, padding, dilation,
                                 transposed, output_padding, groups, output_mask):
    """The second-order terms of ``convolution_backward``: the gradient for ``grad_output``
    is the convolution's own differential applied to (ggI, ggW, ggb); those for the input and
    the weight are ``convolution_backward`` of ``grad_output`` against ggW and ggI."""
    args = (list(stride), list(padding), list(dilation), transposed, list(output_padding),
            groups)
    ggO = gI = gW = None
    if output_mask[0]:
        if ggI is not None:
            ggO = aten.convolution.default(ggI, weight, None, *args)
        if ggW is not None:
            t = aten.convolution.default(self, ggW, None, *args)
            ggO = t if ggO is None else ggO + t
        if ggb is not None:
            shape = [1, ggb.shape[0]] + [1] * (gO.dim() - 2)
            t = ggb.reshape(shape).expand(list(gO.shape))
            ggO = t if ggO is None else ggO + t
    if output_mask[1] and ggW is not None:
        gI = aten.convolution_backward.default(gO, self, _conj_t(ggW), None, *args,
                                               [True, False, False])[0]
        gI = _conj_t(gI)
    if output_mask[2] and ggI is not None:
        gW = aten.convolution_backward.default(gO, _conj_t(ggI), weight, None, *args,
                                               [False, True, False])[1]
        gW = _conj_t(gW)
    return ggO, gI, gW


def _conj_t(t):
    return t.conj() if t.dtype.is_complex else t


def _double_backward_formula(grads, grad_output, weight, input, stride, padding, dilation,
                             transposed, output_padding, groups, grad_input_mask):
    ggI, ggW, ggb = grads[0], grads[1], grads[2]
    if ggI is None and ggW is None and ggb is None:
        return None, None, None
    return aten._convolution_double_backward.default(
        ggI, ggW, ggb, grad_output, weight, input, list(stride), list(padding), list(dilation),
        transposed, list(output_padding), groups, list(grad_input_mask))


# ---- the front ends ------------------------------------------------------------------------------
def _ilist(v, nd):
    """An ``int[nd]`` argument as a list (a single int stands for all dims)."""
    if isinstance(v, (list, tuple)):
        return [int(x) for x in v]
    return [int(v)] * nd


def _batchify(input, nd, name):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {_sizes(input.shape)}")
    batched = input.dim() == nd + 2
    return (input if batched else aten.unsqueeze.default(input, 0)), batched


def _unbatch(out, batched):
    return out if batched else aten.squeeze.dim(out, 0)


def _convolution_mode(input, weight, bias, stride, padding, dilation, groups):
    nd = weight.dim() - 2
    if padding == "same":
        stride_e = _expand("stride", stride, nd) if nd > 0 else _ilist(stride, nd)
        if any(s != 1 for s in stride_e):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        dil = _expand("dilation", dilation, nd)
        left, extra = [], []
        for i in range(nd):
            total = dil[i] * (weight.shape[2 + i] - 1)
            left.append(total // 2)
            extra.append(total - 2 * (total // 2))
        if any(extra):
            warn_once("Using padding='same' with even kernel lengths and odd dilation may "
                      "require a zero-padded copy of the input be created")
            pad_nd = []
            for i in reversed(range(nd)):
                pad_nd += [0, extra[i]]
            input = aten.constant_pad_nd.default(input, pad_nd)
        return aten.convolution.default(input, weight, bias, _ilist(stride, nd), left, _ilist(dilation, nd),
                                        False, [0] * nd, groups)
    if padding == "valid":
        return aten.convolution.default(input, weight, bias, _ilist(stride, nd), [0] * nd,
                                        _ilist(dilation, nd), False, [0] * nd, groups)
    raise RuntimeError(f"Invalid padding string: '{padding}'")


def _complex_to_real(t):
    r = aten.view_as_real.default(aten.resolve_conj.default(t))
    return aten.select.int(r, -1, 0), aten.select.int(r, -1, 1)


def _complex_convolution(conv, input, weight, bias):
    """A complex convolution as three real ones (Gauss's trick, as PyTorch's
    ``complex_convolution``): with ``a = conv(xr, wr, br)``, ``b = conv(xi, wi)`` and
    ``c = conv(xr + xi, wr + wi, br + bi)``, the result is ``a - b + i (c - a - b)``."""
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({_type_string(input)}) and weight type "
                           f"({_legacy_type(weight)}) should be the same")
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"Input type ({_type_string(input)}) and bias type "
                           f"({_legacy_type(bias)}) should be the same")
    x_r, x_i = _complex_to_real(input)
    w_r, w_i = _complex_to_real(weight)
    if bias is None:
        a = conv(x_r, w_r, None)
        b = conv(x_i, w_i, None)
        c = conv(x_r + x_i, w_r + w_i, None)
    else:
        b_r, b_i = _complex_to_real(bias)
        a = conv(x_r, w_r, b_r)
        b = conv(x_i, w_i, None)
        c = conv(x_r + x_i, w_r + w_i, b_r + b_i)
    # (C++ evaluates the sum's right operand first)
    imag = aten.mul.Scalar(c - a - b, 1j)
    return (a - b) + imag


def _conv_fronts(nd):
    name = f"conv{nd}d"

    def run(x, weight, bias, real_conv):
        if x.dtype.is_complex:
            return _complex_convolution(real_conv, x, weight, bias)
        return real_conv(x, weight, bias)

    def conv(input, weight, bias=None, stride=(1,) * nd, padding=(0,) * nd,
             dilation=(1,) * nd, groups=1):
        _front_bias_check(input, bias)
        x, batched = _batchify(input, nd, name)
        args = (_ilist(stride, nd), _ilist(padding, nd), _ilist(dilation, nd), False, [0] * nd,
                groups)
        return _unbatch(run(x, weight, bias, lambda i, w, b: aten.convolution.default(
            i, w, b, *args)), batched)

    def conv_padding(input, weight, bias=None, stride=(1,) * nd, padding="valid",
                     dilation=(1,) * nd, groups=1):
        _front_bias_check(input, bias)
        x, batched = _batchify(input, nd, name)
        st, dil = _ilist(stride, nd), _ilist(dilation, nd)
        return _unbatch(run(x, weight, bias, lambda i, w, b: aten._convolution_mode.default(
            i, w, b, st, padding, dil, groups)), batched)

    def conv_transpose(input, weight, bias=None, stride=(1,) * nd, padding=(0,) * nd,
                       output_padding=(0,) * nd, groups=1, dilation=(1,) * nd):
        x, batched = _batchify(input, nd, f"conv_transpose{nd}d")
        args = (_ilist(stride, nd), _ilist(padding, nd), _ilist(dilation, nd), True,
                _ilist(output_padding, nd), groups)
        return _unbatch(run(x, weight, bias, lambda i, w, b: aten.convolution.default(
            i, w, b, *args)), batched)
    return conv, conv_padding, conv_transpose


_CONV_ARGS = ("Tensor input, Tensor weight, Tensor? bias, SymInt[] stride, SymInt[] padding, "
              "SymInt[] dilation, bool transposed, SymInt[] output_padding, SymInt groups")
_BW_ARGS = ("Tensor grad_output, Tensor input, Tensor weight, SymInt[]? bias_sizes, "
            "SymInt[] stride, SymInt[] padding, SymInt[] dilation, bool transposed, "
            "SymInt[] output_padding, SymInt groups, bool[3] output_mask")

def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    convolution = defop(f"convolution({_CONV_ARGS}) -> Tensor", tags=("core",))
    convolution.cpu_ks(_convolution_cpu)
    convolution.meta(_convolution_meta)
    convolution.complex_autograd = True
    convolution.derivative(**{"input, weight, bias": convolution_backward_formula},
                           result=convolution_jvp)

    dep_args = _CONV_ARGS.replace("SymInt[] output", "int[] output")
    _conv_dep = defop(f"_convolution.deprecated({dep_args}, bool benchmark, "
                      "bool deterministic, bool cudnn_enabled) -> Tensor")
    _conv = defop(f"_convolution({_CONV_ARGS}, bool benchmark, bool deterministic, "
                  "bool cudnn_enabled, bool allow_tf32) -> Tensor")
    for d in (_conv, _conv_dep):
        d.cpu_ks(_convolution_cpu)
        d.meta(_convolution_meta)
        d.complex_autograd = True
    _conv.derivative("ConvolutionBackward1",
                     **{"input, weight, bias": convolution_backward_formula},
                     result=convolution_jvp)
    _conv_dep.derivative("ConvolutionBackward1",
                         **{"input, weight, bias": convolution_backward_formula},
                         result=convolution_jvp)

    bw = defop(f"convolution_backward({_BW_ARGS}) -> (Tensor, Tensor, Tensor)", tags=("core",))
    bw.cpu_ks(_convolution_backward_cpu)
    bw.meta(_convolution_backward_meta)
    bw.complex_autograd = True
    bw.derivative(**{"grad_output, input, weight": _double_backward_formula},
                  result=convolution_backward_jvp)

    dbw = defop("_convolution_double_backward(Tensor? ggI, Tensor? ggW, Tensor? ggb, Tensor gO, "
                "Tensor weight, Tensor self, SymInt[] stride, SymInt[] padding, "
                "SymInt[] dilation, bool transposed, SymInt[] output_padding, SymInt groups, "
                "bool[3] output_mask) -> (Tensor, Tensor, Tensor)")
    dbw.composite(_convolution_double_backward)

    mode = defop("_convolution_mode(Tensor input, Tensor weight, Tensor? bias, SymInt[] stride, "
                 "str padding, SymInt[] dilation, SymInt groups) -> Tensor")
    mode.composite(_convolution_mode)

    out_overload(convolution)
    out_overload(_conv)
    out_overload(bw, out_names=("out0", "out1", "out2"))
    public("convolution", convolution, method=False)
    public("_convolution", _conv, _conv_dep, method=False)
    public("_convolution_mode", mode, method=False)
    for nd in (1, 2, 3):
        conv, conv_padding, conv_transpose = _conv_fronts(nd)
        ints = lambda v: "[" + ", ".join([str(v)] * nd) + "]"  # noqa: E731
        common = (f"Tensor input, Tensor weight, Tensor? bias=None, SymInt[{nd}] stride="
                  f"{ints(1)}")
        plain = defop(f"conv{nd}d({common}, SymInt[{nd}] padding={ints(0)}, SymInt[{nd}] "
                      f"dilation={ints(1)}, SymInt groups=1) -> Tensor")
        plain.composite(conv)
        padded = defop(f"conv{nd}d.padding({common}, str padding=\"valid\", SymInt[{nd}] "
                       f"dilation={ints(1)}, SymInt groups=1) -> Tensor")
        padded.composite(conv_padding)
        overload = "" if nd == 1 else ".input"
        tr = defop(f"conv_transpose{nd}d{overload}({common}, SymInt[{nd}] padding={ints(0)}, "
                   f"SymInt[{nd}] output_padding={ints(0)}, SymInt groups=1, SymInt[{nd}] "
                   f"dilation={ints(1)}) -> Tensor")
        tr.composite(conv_transpose)
        public(f"conv{nd}d", plain, padded, method=False)
        public(f"conv_transpose{nd}d", tr, method=False)
