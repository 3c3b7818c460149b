"""``torch.backends.cuda``: CUDA's library switches, as PyTorch's CPU build has them.

``is_built()`` is False.  ``matmul`` (cuBLAS flags such as ``allow_tf32``), the
scaled-dot-product-attention switches and the preferred libraries are stored and validated as
in PyTorch, so programs that set them run; with no CUDA nothing reads them.
"""
from __future__ import annotations

import contextlib
import enum
import warnings

from . import _get_fp32_precision, _set_fp32_precision

__all__ = ["is_built", "cuFFTPlanCacheAttrContextProp", "cuFFTPlanCache",
           "cuFFTPlanCacheManager", "cuBLASModule", "preferred_linalg_library",
           "preferred_blas_library", "preferred_rocm_fa_library", "cufft_plan_cache", "matmul",
           "SDPAParams", "enable_cudnn_sdp", "cudnn_sdp_enabled", "is_flash_attention_available",
           "can_use_flash_attention", "can_use_efficient_attention", "can_use_cudnn_attention",
           "sdp_kernel"]


def is_built():
    """Whether PyTorch was built with CUDA: False (CUDA may still be unusable when True)."""
    return False


def _no_c_function(name):
    return AttributeError(f"module 'torch._C' has no attribute '{name}'")


# ---- cuBLAS flags (torch.backends.cuda.matmul) ---------------------------------------------------
_cublas = {"fp16_reduction": (True, True), "bf16_reduction": (True, True),
           "allow_fp16_accumulation": False}


class cuBLASModule:
    """``torch.backends.cuda.matmul``: cuBLAS's precision switches."""

    @staticmethod
    def _parse_reduction_setting(value, attr_name):
        def as_bool(obj, which):
            if isinstance(obj, bool):
                return obj
            raise TypeError(f"{attr_name} expects a bool for {which}, but got {type(obj)!r}")

        if isinstance(value, bool):
            return value, True
        if isinstance(value, (list, tuple)):
            if not value:
                raise TypeError(f"{attr_name} expects at least one boolean argument")
            if len(value) > 2:
                raise TypeError(f"{attr_name} expects at most two boolean arguments")
            reduced = as_bool(value[0], "allow_reduced_precision")
            splitk = as_bool(value[1], "allow_splitk") if len(value) == 2 else True
            return reduced, splitk
        raise TypeError(
            f"{attr_name} expects a bool or a tuple/list of bools, but got {type(value)!r}")

    def __getattr__(self, name):
        if name == "allow_tf32":
            return _get_fp32_precision("cuda", "matmul") == "tf32"
        if name == "allow_fp16_reduced_precision_reduction":
            return _cublas["fp16_reduction"][0]
        if name == "allow_fp16_reduced_precision_reduction_split_k":
            return _cublas["fp16_reduction"][1]
        if name == "allow_bf16_reduced_precision_reduction":
            return _cublas["bf16_reduction"][0]
        if name == "allow_bf16_reduced_precision_reduction_split_k":
            return _cublas["bf16_reduction"][1]
        if name == "allow_fp16_accumulation":
            return _cublas["allow_fp16_accumulation"]
        if name == "fp32_precision":
            return _get_fp32_precision("cuda", "matmul")
        raise AttributeError("Unknown attribute " + name)

    def __setattr__(self, name, value):
        if name == "allow_tf32":
            if not isinstance(value, bool):
                raise RuntimeError(
                    f"set_allow_tf32_cublas expects a bool, but got {type(value).__name__}")
            _set_fp32_precision("cuda", "matmul", "tf32" if value else "ieee")
        elif name in ("allow_fp16_reduced_precision_reduction",
                      "allow_bf16_reduced_precision_reduction"):
            _cublas[name[6:10] + "_reduction"] = self._parse_reduction_setting(value, name)
        elif name == "allow_fp16_accumulation":
            if not isinstance(value, bool):
                raise RuntimeError("set_allow_fp16_accumulation_cublas expects a bool, but got "
                                   f"{type(value).__name__}")
            _cublas[name] = value
        elif name == "fp32_precision":
            _set_fp32_precision("cuda", "matmul", value)
        else:
            raise AttributeError("Unknown attribute " + name)


matmul = cuBLASModule()


# ---- cuFFT plan caches: one per device, and there are none --------------------------------------
class cuFFTPlanCacheAttrContextProp:
    """An attribute of a device's cuFFT plan cache."""

    def __init__(self, getter, setter):
        self.getter = getter
        self.setter = setter

    def __get__(self, obj, objtype):
        return self.getter(obj.device_index)

    def __set__(self, obj, val):
        if isinstance(self.setter, str):
            raise RuntimeError(self.setter)
        self.setter(obj.device_index, val)


class cuFFTPlanCache:
    """The cuFFT plan cache of one CUDA device (never made here: no devices)."""

    def __init__(self, device_index):
        self.device_index = device_index


class cuFFTPlanCacheManager:
    """``torch.backends.cuda.cufft_plan_cache``: indexing by device gives that device's cache;
    attributes go to the current device's, which needs CUDA."""

    _initialized = False

    def __init__(self):
        self.caches = []
        self._initialized = True

    def __getitem__(self, device):
        from .. import cuda
        index = cuda._get_device_index(device)
        if index < 0 or index >= cuda.device_count():
            raise RuntimeError(f"cufft_plan_cache: expected 0 <= device index < "
                               f"{cuda.device_count()}, but got device with index {index}")
        return self.caches[index]

    def __getattr__(self, name):
        from .. import cuda
        return getattr(self[cuda.current_device()], name)

    def __setattr__(self, name, value):
        if self._initialized:
            from .. import cuda
            return setattr(self[cuda.current_device()], name, value)
        return super().__setattr__(name, value)


cufft_plan_cache = cuFFTPlanCacheManager()


# ---- preferred libraries -------------------------------------------------------------------------
class _LinalgBackend(enum.Enum):
    Default = 0
    Cusolver = 1
    Magma = 2


class _BlasBackend(enum.Enum):
    Default = 0
    Cublas = 1
    Cublaslt = 2
    Ck = 3


class _ROCmFABackend(enum.Enum):
    Default = 0
    AOTriton = 1
    Ck = 2


_LinalgBackends = {"default": _LinalgBackend.Default, "cusolver": _LinalgBackend.Cusolver,
                   "magma": _LinalgBackend.Magma}
_BlasBackends = {"default": _BlasBackend.Default, "cublas": _BlasBackend.Cublas,
                 "hipblas": _BlasBackend.Cublas, "cublaslt": _BlasBackend.Cublaslt,
                 "hipblaslt": _BlasBackend.Cublaslt, "ck": _BlasBackend.Ck}
_ROCmFABackends = {"default": _ROCmFABackend.Default, "aotriton": _ROCmFABackend.AOTriton,
                   "ck": _ROCmFABackend.Ck}
_preferred = {"linalg": _LinalgBackend.Default, "blas": _BlasBackend.Cublas,
              "rocm_fa": _ROCmFABackend.Default}
_NOT_COMPILED_WITH = {_LinalgBackend.Cusolver: "cuSOLVER", _LinalgBackend.Magma: "MAGMA",
                      _BlasBackend.Cublaslt: "cuBLASLt"}


def _choose(kind, backend, table, enum_type, bad_type=RuntimeError):
    if backend is None:
        return _preferred[kind]
    if isinstance(backend, str):
        if backend not in table:
            raise RuntimeError(f"Unknown input value. Choose from: {', '.join(table)}.")
        backend = table[backend]
    elif not isinstance(backend, enum_type):
        if bad_type is ValueError:
            raise ValueError(f"Unknown input value. Choose from: {', '.join(table)}.")
        raise RuntimeError("Unknown input value type.")
    if backend in _NOT_COMPILED_WITH:
        if kind == "linalg":  # (PyTorch records the linalg choice before refusing it)
            _preferred[kind] = backend
        lib = _NOT_COMPILED_WITH[backend]
        raise RuntimeError(f"Cannot set preferred backend to {lib} if PyTorch has not been "
                           f"compiled with {lib}.")
    if backend is _BlasBackend.Default:  # (the CPU build's default is cuBLAS)
        backend = _BlasBackend.Cublas
    _preferred[kind] = backend
    return backend


def preferred_linalg_library(backend=None):
    """Choose (or, without an argument, read) the CUDA linear algebra library; the CPU build
    has neither cuSOLVER nor MAGMA, so only ``"default"`` can be chosen."""
    return _choose("linalg", backend, _LinalgBackends, _LinalgBackend)


def preferred_blas_library(backend=None):
    """Choose (or read) the CUDA BLAS library (cuBLASLt cannot be chosen in the CPU build)."""
    return _choose("blas", backend, _BlasBackends, _BlasBackend)


def preferred_rocm_fa_library(backend=None):
    """Choose (or read) ROCm's flash-attention library."""
    return _choose("rocm_fa", backend, _ROCmFABackends, _ROCmFABackend, ValueError)


def cublas_workspace_size(size=None):
    """cuBLAS's workspace size: fails without CUDA, as in the CPU build."""
    raise _no_c_function("_cuda_setCublasWorkspaceSize" if size is not None
                         else "_cuda_getCublasWorkspaceSize")


def cublaslt_workspace_size(size=None):
    """cuBLASLt's workspace size: fails without CUDA, as in the CPU build."""
    raise _no_c_function("_cuda_setCublasLtWorkspaceSize" if size is not None
                         else "_cuda_getCublasLtWorkspaceSize")


def blas_workspace_size(size=None, backend=None):
    """The workspace size of a BLAS backend: fails without CUDA."""
    if backend is None:
        resolved = preferred_blas_library()
    elif isinstance(backend, str):
        if backend not in _BlasBackends:
            raise RuntimeError(
                f"Unknown backend string. Choose from: {', '.join(_BlasBackends)}.")
        resolved = _BlasBackends[backend]
    elif isinstance(backend, _BlasBackend):
        resolved = backend
    else:
        raise RuntimeError("Unknown backend type.")
    if resolved is _BlasBackend.Ck:
        raise RuntimeError("CK backend does not use a workspace.")
    if resolved is _BlasBackend.Cublaslt:
        return cublaslt_workspace_size(size)
    return cublas_workspace_size(size)


# ---- scaled dot product attention switches -------------------------------------------------------
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True,
        "fp16_bf16_reduction_math": False}


class SDPAParams:
    """The arguments of a scaled_dot_product_attention call, for the ``can_use_*`` checks."""

    def __init__(self, query, key, value, attn_mask, dropout, is_causal, enable_gqa=False):
        self.query, self.key, self.value = query, key, value
        self.attn_mask, self.dropout, self.is_causal = attn_mask, dropout, is_causal
        self.enable_gqa = enable_gqa


def flash_sdp_enabled():
    """Whether flash attention may be used by scaled_dot_product_attention."""
    return _sdp["flash"]


def enable_flash_sdp(enabled: bool):
    """Allow or forbid flash attention."""
    _sdp["flash"] = bool(enabled)


def mem_efficient_sdp_enabled():
    """Whether memory-efficient attention may be used."""
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool):
    """Allow or forbid memory-efficient attention."""
    _sdp["mem_efficient"] = bool(enabled)


def math_sdp_enabled():
    """Whether the math (composite) attention may be used."""
    return _sdp["math"]


def enable_math_sdp(enabled: bool):
    """Allow or forbid the math attention."""
    _sdp["math"] = bool(enabled)


def cudnn_sdp_enabled():
    """Whether cuDNN attention may be used."""
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled: bool):
    """Allow or forbid cuDNN attention."""
    _sdp["cudnn"] = bool(enabled)


def allow_fp16_bf16_reduction_math_sdp(enabled: bool):
    """Allow fp16/bf16 reductions in the math attention."""
    _sdp["fp16_bf16_reduction_math"] = bool(enabled)


def fp16_bf16_reduction_math_sdp_allowed():
    """Whether fp16/bf16 reductions are allowed in the math attention."""
    return _sdp["fp16_bf16_reduction_math"]


def is_flash_attention_available() -> bool:
    """Whether PyTorch was built with flash attention: False."""
    return False


def is_ck_sdpa_available() -> bool:
    """Whether composable_kernel attention exists: False."""
    return False


def can_use_flash_attention(params, debug: bool = False) -> bool:
    """Whether flash attention could run these arguments: never without CUDA."""
    return False


def can_use_efficient_attention(params, debug: bool = False) -> bool:
    """Whether memory-efficient attention could run these arguments: never without CUDA."""
    return False


def can_use_cudnn_attention(params, debug: bool = False) -> bool:
    """Whether cuDNN attention could run these arguments: never without CUDA."""
    return False


@contextlib.contextmanager
def _sdp_kernel(enable_flash, enable_math, enable_mem_efficient, enable_cudnn):
    saved = dict(_sdp)
    _sdp.update(flash=bool(enable_flash), math=bool(enable_math),
                mem_efficient=bool(enable_mem_efficient), cudnn=bool(enable_cudnn))
    try:
        yield None
    finally:
        _sdp.update(saved)


def sdp_kernel(enable_flash: bool = True, enable_math: bool = True,
               enable_mem_efficient: bool = True, enable_cudnn: bool = True):
    """Deprecated context manager setting the attention switches inside a ``with`` block."""
    warnings.warn("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context "
                  "manager will be removed. Please see `torch.nn.attention.sdpa_kernel()` for the "
                  "new context manager, with updated signature.", FutureWarning, stacklevel=2)
    return _sdp_kernel(enable_flash, enable_math, enable_mem_efficient, enable_cudnn)
