"""``kindling._C``: the names PyTorch's C extension exposes, over the Python dispatcher.

Only re-exports and thin adapters live here; the logic is in ``kindling._dispatcher``.
"""
from __future__ import annotations

from .._dispatcher.keys import DispatchKey, DispatchKeySet, parse_key  # noqa: F401
from .._dispatcher import guards as _guards
from .._dispatcher.guards import (  # noqa: F401
    _AutoDispatchBelowAutograd, _AutoDispatchBelowADInplaceOrView, _ExcludeDispatchKeyGuard,
    _ForceDispatchKeyGuard, _IncludeDispatchKeyGuard, _dispatch_tls_is_dispatch_key_excluded,
    _dispatch_tls_is_dispatch_key_included, _dispatch_tls_local_exclude_set,
    _dispatch_tls_local_include_set, _dispatch_tls_set_dispatch_key_excluded,
    _dispatch_tls_set_dispatch_key_included,
)
from .._dispatcher.introspect import (  # noqa: F401
    _dispatch_call_boxed, _dispatch_dump, _dispatch_dump_table, _dispatch_find_schema_or_throw,
    _dispatch_has_computed_kernel_for_dispatch_key, _dispatch_has_kernel,
    _dispatch_has_kernel_for_any_dispatch_key,
    _dispatch_has_kernel_for_dispatch_key, _dispatch_key_for_device, _dispatch_keys,
    _dispatch_keyset_full, _dispatch_keyset_full_after, _dispatch_keyset_to_string,
    _dispatch_isTensorSubclassLike, parse_schema, FunctionSchema, Argument,
)
from .._tensor import Tensor as TensorBase  # noqa: F401
from .._ops import OpOverload as _OpOverload  # noqa: F401
from .._dispatch.python import (  # noqa: F401
    _DisablePythonDispatcher, _EnablePreDispatch, _EnablePythonDispatcher,
    _dispatch_has_backend_fallback, _dispatch_is_alias_key, _dispatch_is_included_in_alias,
    _parse_dispatch_key, _is_autocast_available,
)
from .._dispatcher.tags import Tag  # noqa: F401
from ._python_dispatch import *  # noqa: F401,F403  (modes, __torch_function__ / __torch_dispatch__)

_ = _guards
from ..futures._future import Future  # noqa: E402,F401  (torch._C.Future)
from ..autograd.engine import (  # noqa: E402,F401
    _current_autograd_node, _current_graph_task_execution_order, _current_graph_task_id,
    _will_engine_execute_node,
)
from ..autograd.grad_mode import (  # noqa: E402,F401
    _is_grad_layout_enforcement_enabled, _set_grad_layout_enforcement_enabled,
    _is_multithreading_enabled, _set_grad_enabled, _set_multithreading_enabled,
    _is_view_replay_enabled, _set_view_replay_enabled, is_grad_enabled,
)
from .._tensor_refs import (  # noqa: E402,F401
    _WeakTensorRef, _add_cached_tensor, _is_cached_tensor, _remove_cached_tensor,
    _set_cached_tensors_enabled,
)
from ..autograd._fw_grad import (  # noqa: E402,F401
    enter_level as _enter_dual_level, exit_level as _exit_dual_level,
    is_fwd_grad_enabled as _is_fwd_grad_enabled, set_fwd_grad_enabled as _set_fwd_grad_enabled,
)
from ..autograd.derivatives import (  # noqa: E402,F401
    _get_autograd_fallback_mode, _set_autograd_fallback_mode,
)
from . import _autograd, _functions  # noqa: E402,F401  (autograd node classes)
from . import _nn  # noqa: E402,F401
from .._generator import Generator, default_generator  # noqa: E402,F401
from .._aten.linalg_common import LinAlgError as _LinAlgError  # noqa: E402,F401
from .._settings import (  # noqa: E402,F401  (process settings: torch.use_deterministic_algorithms...)
    get_num_threads, set_num_threads, init_num_threads, set_flush_denormal,
    use_deterministic_algorithms as _set_deterministic_algorithms,
    are_deterministic_algorithms_enabled as _get_deterministic_algorithms,
    is_deterministic_algorithms_warn_only_enabled as _get_deterministic_algorithms_warn_only,
    set_float32_matmul_precision as _set_float32_matmul_precision,
    get_float32_matmul_precision as _get_float32_matmul_precision,
    set_warn_always as _set_warnAlways, is_warn_always_enabled as _get_warnAlways,
)

# build capabilities (torch._C.has_*): linear algebra and FFTs come from NumPy; there is no MKL
# or OpenMP build of kindling
has_lapack = True
has_spectral = True
has_mkl = False
has_openmp = False
