"""``torch.autocast``: run chosen ops in lower precision inside a region.

Every CPU tensor carries the ``AutocastCPU`` key, and this thread's exclude set holds it until
an ``autocast("cpu")`` region removes it.  Inside the region, calls reach the AutocastCPU key,
where ops with a policy get a kernel (registered here) and every other op falls through:

* *lower precision* ops (``mm``, ``matmul``, ``addmm``, ``bmm``, ``linear`` ...) cast their
  floating inputs (float64 excepted) to the autocast dtype;
* *float32* ops (``prod``, ``trace``, losses ...) cast them to float32;
* *promote* ops (``cat``, ``stack``) cast them to the widest floating dtype among the inputs;

then call the op again with AutocastCPU excluded.  A fallthrough registered for an op at
AutocastCPU (``Library("aten", "IMPL").impl("mm", fallthrough_kernel, "AutocastCPU")``)
therefore turns autocast off for that op only.
"""
from __future__ import annotations

import functools
import warnings

from .. import _dtype
from .._dispatcher import operator as _opreg
from .._dispatcher.keys import K, bit
from .._dispatcher.operator import KernelEntry, caller_site
from .._dispatcher.tls import state as _tls

__all__ = ["autocast", "is_autocast_available"]

_AUTOCAST_KEY = {"cpu": K.AutocastCPU, "cuda": K.AutocastCUDA, "xpu": K.AutocastXPU,
                 "mps": K.AutocastMPS, "hpu": K.AutocastHPU, "xla": K.AutocastXLA,
                 "ipu": K.AutocastIPU, "mtia": K.AutocastMTIA, "maia": K.AutocastMAIA,
                 "privateuseone": K.AutocastPrivateUse1}
_DEFAULT_DTYPE = {"cpu": "bfloat16"}
_KNOWN_DEVICES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip",
                  "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                  "privateuseone")
_cache_enabled = [True]


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast exists for ``device_type`` (it has an Autocast dispatch key)."""
    return device_type in _AUTOCAST_KEY


def _check_device(device_type):
    if device_type not in _KNOWN_DEVICES:
        raise RuntimeError(
            "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, "
            "maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start "
            f"of device string: {device_type}")
    if device_type not in _AUTOCAST_KEY:
        raise RuntimeError("unsupported scalarType")


# ---- thread-local autocast state --------------------------------------------------------------
def _state(device_type):
    st = _tls.autocast.get(device_type)
    if st is None:
        return (False, getattr(_dtype, _DEFAULT_DTYPE.get(device_type, "float16")))
    return st


def is_autocast_enabled(device_type=None):
    """Whether autocast is on for ``device_type`` (``None``: CUDA, as in PyTorch)."""
    if device_type is None:
        device_type = "cuda"
    _check_device(device_type)
    return _state(device_type)[0]


def set_autocast_enabled(device_type, enabled=None):
    """``set_autocast_enabled(device_type, enabled)`` (or legacy ``set_autocast_enabled(flag)``
    for CUDA)."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _check_device(device_type)
    st = _state(device_type)
    _tls.autocast[device_type] = (bool(enabled), st[1])
    b = bit(_AUTOCAST_KEY[device_type])
    _tls.excluded = (_tls.excluded & ~b) if enabled else (_tls.excluded | b)


def get_autocast_dtype(device_type):
    _check_device(device_type)
    return _state(device_type)[1]


def set_autocast_dtype(device_type, dtype):
    _check_device(device_type)
    st = _state(device_type)
    _tls.autocast[device_type] = (st[0], dtype)


def is_autocast_cpu_enabled():
    warnings.warn("torch.is_autocast_cpu_enabled() is deprecated. Please use "
                  "torch.is_autocast_enabled('cpu') instead.", DeprecationWarning, stacklevel=2)
    return is_autocast_enabled("cpu")


def get_autocast_cpu_dtype():
    warnings.warn("torch.get_autocast_cpu_dtype() is deprecated. Please use "
                  "torch.get_autocast_dtype('cpu') instead.", DeprecationWarning, stacklevel=2)
    return get_autocast_dtype("cpu")


def get_autocast_gpu_dtype():
    warnings.warn("torch.get_autocast_gpu_dtype() is deprecated. Please use "
                  "torch.get_autocast_dtype('cuda') instead.", DeprecationWarning, stacklevel=2)
    return get_autocast_dtype("cuda")


def is_autocast_cache_enabled():
    return _cache_enabled[0]


def set_autocast_cache_enabled(enabled):
    _cache_enabled[0] = bool(enabled)


def clear_autocast_cache():
    """kindling keeps no cast cache; nothing to clear."""


def autocast_increment_nesting():
    n = _tls.extra.get("autocast_nesting", 0) + 1
    _tls.extra["autocast_nesting"] = n
    return n


def autocast_decrement_nesting():
    n = _tls.extra.get("autocast_nesting", 0) - 1
    _tls.extra["autocast_nesting"] = n
    return n


# ---- the context manager ---------------------------------------------------------------------
class autocast:
    """``with torch.autocast("cpu", dtype=torch.bfloat16): ...`` (also a decorator)."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(
                f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        _check_device(device_type)
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None \
            else cache_enabled
        if dtype is not None and not isinstance(dtype, _dtype.dtype):
            raise ValueError(f"Expected `dtype` of type `torch.dtype`, got: `{type(dtype)}`")
        if device_type == "cpu":
            if enabled and self.fast_dtype not in (_dtype.bfloat16, _dtype.float16):
                warnings.warn(
                    "In CPU autocast, but the target dtype is not supported. Disabling "
                    "autocast.\nCPU Autocast only supports dtypes of torch.bfloat16, "
                    "torch.float16 currently.", stacklevel=2)
                enabled = False
        elif enabled:
            warnings.warn(f"{'CUDA' if device_type == 'cuda' else device_type.upper()} is not "
                          f"available or torch_xla is imported. Disabling autocast."
                          if device_type == "cuda" else
                          f"User provided device_type of '{device_type}', but {device_type} is "
                          "not available. Disabling", stacklevel=2)
            enabled = False
        self._enabled = bool(enabled)

    def __enter__(self):
        self.prev_cache_enabled = is_autocast_cache_enabled()
        self.prev = is_autocast_enabled(self.device)
        self.prev_fastdtype = get_autocast_dtype(self.device)
        set_autocast_enabled(self.device, self._enabled)
        set_autocast_dtype(self.device, self.fast_dtype)
        autocast_increment_nesting()
        set_autocast_cache_enabled(self._cache_enabled)
        return None

    def __exit__(self, exc_type, exc_val, exc_tb):
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        set_autocast_enabled(self.device, self.prev)
        set_autocast_dtype(self.device, self.prev_fastdtype)
        set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        decorate_autocast.__script_unsupported = (
            "@autocast() decorator is not supported in script mode")
        return decorate_autocast


autocast.__module__ = "torch.amp.autocast_mode"


# ---- policies -----------------------------------------------------------------------------------
LOWER_PRECISION_FP = ("conv1d", "conv2d", "conv3d", "bmm", "mm", "linalg_vecdot", "baddbmm",
                      "addmm", "addbmm", "linear", "_convolution", "matmul", "conv_tbc",
                      "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu",
                      "scaled_dot_product_attention", "_native_multi_head_attention")
FP32 = ("avg_pool3d", "binary_cross_entropy", "grid_sampler", "polar", "prod", "quantile",
        "nanquantile", "stft", "cdist", "trace", "view_as_complex", "cholesky",
        "cholesky_inverse", "cholesky_solve", "inverse", "lu_solve", "orgqr", "ormqr",
        "pinverse", "max_pool3d", "max_unpool2d", "max_unpool3d", "adaptive_avg_pool3d",
        "reflection_pad1d", "reflection_pad2d", "replication_pad1d", "replication_pad2d",
        "replication_pad3d", "mse_loss", "cosine_embedding_loss", "nll_loss", "nll_loss2d",
        "hinge_embedding_loss", "poisson_nll_loss", "smooth_l1_loss", "cross_entropy_loss",
        "l1_loss", "huber_loss", "margin_ranking_loss", "soft_margin_loss",
        "triplet_margin_loss", "multi_margin_loss", "ctc_loss", "kl_div",
        "multilabel_margin_loss", "binary_cross_entropy_with_logits", "fft_fft", "fft_ifft",
        "fft_fft2", "fft_ifft2", "fft_fftn", "fft_ifftn", "fft_rfft", "fft_irfft", "fft_rfft2",
        "fft_irfft2", "fft_rfftn", "fft_irfftn", "fft_hfft", "fft_ihfft", "linalg_cond",
        "linalg_matrix_rank", "linalg_solve", "linalg_cholesky", "linalg_svdvals",
        "linalg_eigvals", "linalg_eigvalsh", "linalg_inv", "linalg_householder_product",
        "linalg_tensorinv", "linalg_tensorsolve", "fake_quantize_per_tensor_affine",
        "geqrf", "_lu_with_info", "qr", "svd", "triangular_solve",
        "fractional_max_pool2d", "fractional_max_pool3d", "adaptive_max_pool3d",
        "multilabel_margin_loss_forward", "linalg_qr", "linalg_cholesky_ex", "linalg_svd",
        "linalg_eig", "linalg_eigh", "linalg_lstsq", "linalg_inv_ex")
PROMOTE = ("stack", "cat", "index_copy")


def _eligible(t, device_type):
    from .._tensor import Tensor
    return isinstance(t, Tensor) and t.dtype.is_floating_point and \
        t._device.type == device_type and t.dtype is not _dtype.float64


def _cast(value, device_type, dtype):
    from .._tensor import Tensor
    if isinstance(value, Tensor):
        return value.to(dtype) if _eligible(value, device_type) and value.dtype is not dtype \
            else value
    if type(value) in (list, tuple):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    return value


def _widest(args, device_type):
    """PyTorch's ``promote_type``: float32 if any eligible input is float32, else the lower
    precision dtype (float64 inputs are ignored; another lower precision dtype is an error)."""
    from .._tensor import Tensor
    lp = get_autocast_dtype(device_type)
    current = lp

    def visit(v):
        nonlocal current
        if isinstance(v, Tensor):
            if v.dtype.is_floating_point and v._device.type == device_type:
                nxt = v.dtype
                if nxt is _dtype.float64:
                    return
                if current is _dtype.float32 or nxt is _dtype.float32:
                    current = _dtype.float32
                elif current is lp and nxt is lp:
                    current = lp
                else:
                    raise RuntimeError("Unexpected floating ScalarType in at::autocast::prioritize")
        elif type(v) in (list, tuple):
            for x in v:
                visit(x)
    for a in args:
        visit(a)
    return current


def _policy_kernel(op, device_type, policy):
    exclude = bit(_AUTOCAST_KEY[device_type])

    def kernel(ks, *args, **kwargs):
        if policy == "lower":
            dtype = get_autocast_dtype(device_type)
        elif policy == "fp32":
            dtype = _dtype.float32
        else:
            dtype = _widest(args, device_type)
        if dtype is not None:
            if policy == "fp32":
                args = tuple(_cast_fp32(a, device_type) for a in args)
            elif policy == "promote":
                args = tuple(_cast(a, device_type, dtype) for a in args)
            else:
                args = tuple(_cast(a, device_type, dtype) for a in args)
        old = _tls.excluded
        _tls.excluded = old | exclude
        try:
            return op(*args, **kwargs)
        finally:
            _tls.excluded = old
    kernel.__name__ = f"autocast_{policy}_{op.__name__}"
    return kernel


def _cast_fp32(value, device_type):
    from .._tensor import Tensor
    if isinstance(value, Tensor):
        if value.dtype.is_floating_point and value._device.type == device_type and \
                value.dtype is not _dtype.float32 and value.dtype is not _dtype.float64:
            return value.to(_dtype.float32)
        return value
    if type(value) in (list, tuple):
        return type(value)(_cast_fp32(v, device_type) for v in value)
    return value


def _install(device_type="cpu"):
    """Register the CPU autocast policy kernels for the ops kindling has (for an op defined at
    its first use, ``_aten/_lazy.py``, when its family is defined)."""
    key = _AUTOCAST_KEY[device_type]
    site = caller_site()
    later = {}
    for names, policy in ((LOWER_PRECISION_FP, "lower"), (FP32, "fp32"), (PROMOTE, "promote")):
        for name in names:
            if "aten::" + name in _opreg._lazy:
                later["aten::" + name] = policy
                continue
            for overload, entry in _opreg.overloads_of("aten::" + name).items():
                _register_policy(entry, overload, key, device_type, policy, site)
    if later:
        from .._aten import _defop

        def on_family(opdefs):
            for d in opdefs:
                policy = later.get(d.entry.name)
                if policy is not None:
                    _register_policy(d.entry, d.entry.overload_name, key, device_type, policy,
                                     site)
        _defop.family_hooks.append(on_family)


def _register_policy(entry, overload, key, device_type, policy, site):
    from .._ops import overload_for
    if entry.schema.is_mutable or "out" in overload or entry.has_kernel_for(key):
        return
    entry.register(key, KernelEntry(_policy_kernel(overload_for(entry), device_type, policy),
                                    site))


_install("cpu")
