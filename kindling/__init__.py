"""kindling: PyTorch's eager core in readable Python on NumPy.

``import kindling as torch`` and write PyTorch: tensors, dtypes, views, ``torch.ops``, and a
dispatcher with PyTorch's dispatch keys, all in plain Python you can step through.
"""
from __future__ import annotations

__version__ = "0.1.0"

# Importing the op library and the layers builds ~10^5 long-lived objects; a garbage
# collection part-way through only walks them (10+ ms, 7% of the import), so collections wait
# until the import is done - and then skip them: they go straight to the oldest generation
# (below), else the first young collection after the import would walk them all (~20 ms).
import gc as _gc  # noqa: E402
_gc_enabled = _gc.isenabled()
_gc.disable()
try:
    from ._dispatcher import operator as _opreg

    # Registrations during import build each op's dispatch table once, at the end (flush below).
    _opreg.defer_tables()

    from . import _dtype
    from ._dtype import (  # noqa: F401
        bfloat16, bool, cdouble, cfloat, complex64, complex128, double, dtype, float, float8_e4m3fn,
        float8_e5m2, float16, float32, float64, half, int, int8, int16, int32, int64, long, short,
        uint8, uint16, uint32, uint64, promote_types, can_cast, get_default_dtype, set_default_dtype,
    )
    from ._device import device  # noqa: F401
    from ._finfo import finfo, iinfo  # noqa: F401
    from ._layout import (  # noqa: F401
        channels_last, channels_last_3d, contiguous_format, layout, memory_format, preserve_format,
        sparse_bsc, sparse_bsr, sparse_coo, sparse_csc, sparse_csr, strided,
    )
    from ._tensor import Size, Tensor  # noqa: F401
    from ._storage import UntypedStorage  # noqa: F401
    from . import storage  # noqa: E402,F401  (torch.storage)
    from .storage import TypedStorage  # noqa: E402,F401
    from . import _ops as _ops_module
    from ._ops import ops  # noqa: F401

    _ops_module._set_tensor_class(Tensor)

    from . import _aten  # noqa: E402  (registers every op)
    from . import autograd  # noqa: E402  (the Autograd layer: kernels, engine, Function)
    from .overrides import tf_properties as _tf_properties  # noqa: E402

    # Tensor properties run __torch_function__ as PyTorch's getset descriptors do.
    _tf_properties(Tensor, ("grad", "grad_fn", "_grad_fn", "grad_dtype", "requires_grad", "is_leaf",
                            "retains_grad", "data", "output_nr", "_version", "T", "mT", "H", "mH",
                            "shape", "device", "ndim", "layout", "is_cpu", "is_cuda", "is_meta",
                            "is_mkldnn", "is_nested", "is_quantized", "is_sparse", "itemsize",
                            "nbytes", "_backward_hooks", "real", "imag", "volatile"),
                   nowrap=("grad",))
    # The autograd methods attached after the op library's hooking get it too; kindling's own code
    # calls the raw ones (PyTorch's C++ sets these flags without the protocol).
    Tensor._requires_grad_ = Tensor.requires_grad_
    Tensor._retain_grad = Tensor.retain_grad
    for _name in ("requires_grad_", "retain_grad", "register_hook",
                  "register_post_accumulate_grad_hook", "detach_", "is_inference"):
        setattr(Tensor, _name, _aten._api._hook(getattr(Tensor, _name), _name,
                                                f"torch.Tensor.{_name}"))
    del _name
    from .autograd.grad_mode import (  # noqa: E402,F401
        enable_grad, inference_mode, is_grad_enabled, is_inference, is_inference_mode_enabled,
        no_grad, set_grad_enabled,
    )
    from .autograd.anomaly_mode import (  # noqa: E402,F401
        is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled,
    )
    from ._aten._api import PUBLIC as _PUBLIC  # noqa: E402

    globals().update(_PUBLIC)
    from ._aten.factories import LEGACY_TENSOR_TYPES as _LEGACY  # noqa: E402  (torch.FloatTensor...)
    globals().update(_LEGACY)

    # torch's numeric constants (plain Python floats, as in PyTorch; ``float`` is a dtype here)
    from math import e, inf, nan, pi  # noqa: E402,F401
    newaxis = None

    from . import _C  # noqa: E402,F401
    from . import _VF  # noqa: E402,F401  (torch._VF)
    from . import library  # noqa: E402,F401
    from ._dispatcher.tags import Tag  # noqa: E402,F401
    from ._higher_order_ops import cond  # noqa: E402,F401
    from . import amp  # noqa: E402,F401
    from .amp.autocast_mode import autocast, is_autocast_enabled, set_autocast_enabled, get_autocast_dtype, set_autocast_dtype, is_autocast_cpu_enabled, get_autocast_cpu_dtype, get_autocast_gpu_dtype, is_autocast_cache_enabled, set_autocast_cache_enabled, clear_autocast_cache, autocast_increment_nesting, autocast_decrement_nesting  # noqa: E402,F401,E501
    from . import futures, jit  # noqa: E402,F401
    from .futures._threads import get_num_interop_threads, set_num_interop_threads  # noqa: E402,F401
    from ._tensor_str import set_printoptions, get_printoptions  # noqa: E402,F401
    from ._aten.promotion import result_type, is_tensor, is_floating_point, is_complex, numel, typename  # noqa: E402,F401,E501
    from . import overrides, utils, serialization, profiler  # noqa: E402,F401  (Python dispatch, save/load)
    from . import special  # noqa: E402,F401  (torch.special, eagerly imported as in PyTorch)
    from .serialization import save, load  # noqa: E402,F401
    from ._generator import Generator, default_generator  # noqa: E402,F401
    from . import random  # noqa: E402,F401  (torch.random)
    from .random import (  # noqa: E402,F401
        get_rng_state, initial_seed, manual_seed, seed, set_rng_state,
    )
    from . import linalg  # noqa: E402,F401  (torch.linalg)
    from ._settings import (  # noqa: E402,F401
        get_num_threads, set_num_threads, init_num_threads, use_deterministic_algorithms,
        are_deterministic_algorithms_enabled, is_deterministic_algorithms_warn_only_enabled,
        set_deterministic_debug_mode, get_deterministic_debug_mode, get_float32_matmul_precision,
        set_float32_matmul_precision, set_warn_always, is_warn_always_enabled,
        set_flush_denormal, set_default_device, get_default_device, set_default_tensor_type,
        is_storage, compiled_with_cxx11_abi, classproperty,
    )
    from .overrides import DisableTorchFunction, DisableTorchFunctionSubclass  # noqa: E402,F401

    del _PUBLIC

    # torch.nn, torch.fft and torch.masked load at their first use (PyTorch imports them with
    # torch; here they would add to the import time of programs that never touch them)
    _LAZY_SUBMODULES = frozenset({"nn", "fft", "masked", "optim", "cuda", "backends", "mps", "xpu",
                                  "mtia", "accelerator", "cpu", "version", "multiprocessing",
                                  "func", "__future__", "distributions", "_logging"})
    # functions written in Python over the ops, in modules loaded at their first use
    _LAZY_FUNCTIONS = {"svd_lowrank": "_lowrank", "pca_lowrank": "_lowrank", "lobpcg": "_lobpcg",
                       # (torch.OutOfMemoryError is torch.cuda.OutOfMemoryError)
                       "OutOfMemoryError": "cuda", "AcceleratorError": "cuda"}

    def __getattr__(name):
        if name in _LAZY_SUBMODULES:
            import importlib
            return importlib.import_module(f"{__name__}.{name}")
        if name in _LAZY_FUNCTIONS:
            import importlib
            return getattr(importlib.import_module(f"{__name__}.{_LAZY_FUNCTIONS[name]}"), name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    from .futures._future import Future  # noqa: E402,F401  (torch.Future is torch._C.Future)

    import os as _os
    if _os.environ.get("TORCH_LOGS") is not None:  # (PyTorch reads TORCH_LOGS at import)
        from ._logging import _init_logs as _init_torch_logs
        _init_torch_logs()

    # Keep this last: build every dispatch table deferred during import.
    _opreg.end_deferral()  # (each op's table is built at its first call)
finally:
    if _gc.get_freeze_count() == 0:  # (freeze + unfreeze: every object into the oldest
        _gc.freeze()                 # generation, unexamined; not if the program froze some)
        _gc.unfreeze()
    if _gc_enabled:
        _gc.enable()
    del _gc_enabled
