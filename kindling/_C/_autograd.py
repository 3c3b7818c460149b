"""``torch._C._autograd``: the autograd engine's and saved tensors' low-level functions.

Re-exports of what ``kindling.autograd`` implements, under PyTorch's names.
"""
from __future__ import annotations

from ..autograd.engine import _get_current_graph_task_keep_graph  # noqa: F401
from ..autograd.graph import (  # noqa: F401
    SavedTensor, _make_saved_tensor, _pop_saved_tensors_default_hooks,
    _push_saved_tensors_default_hooks, _saved_tensors_hooks_disable,
    _saved_tensors_hooks_enable, _saved_tensors_hooks_get_disabled_error_message,
    _saved_tensors_hooks_is_enabled, _top_saved_tensors_default_hooks,
)
from ..autograd.graph import _InputMetadata  # noqa: F401
from ..autograd.grad_mode import _unsafe_set_version_counter  # noqa: F401
