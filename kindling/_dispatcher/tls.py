"""Per-thread dispatcher state: included/excluded key bits, grad mode, mode stacks.

Everything a call consults lives on one ``threading.local`` (``state``); ``snapshot()`` and
``restore()`` copy it whole, which is what ``fork`` and the guards use.
"""
from __future__ import annotations

import threading

from .keys import AUTOCAST_BITS, K, bit

# PyTorch's defaults: BackendSelect and ADInplaceOrView are always included, autocast keys
# are excluded until ``torch.autocast`` removes them.
DEFAULT_INCLUDED = bit(K.BackendSelect) | bit(K.ADInplaceOrView)
DEFAULT_EXCLUDED = AUTOCAST_BITS


# How many threads are in inference mode now (at least: a thread that ends inside an
# inference_mode block leaves it counted).  Tensor creation reads ``INFERENCE_THREADS[0]``
# first and this thread's flag only when it is not zero, so tensors are made at no cost
# while no thread uses inference mode.
INFERENCE_THREADS = [0]
_count_lock = threading.Lock()

# How many TorchFunctionModes are pushed, on all threads together (kept by
# ``kindling.overrides``): the API layer and Tensor's metadata methods look at the thread's
# function-mode stack only while it is not zero.
TF_LIVE_MODES = [0]


class _State(threading.local):
    def __init__(self):
        self.included = DEFAULT_INCLUDED
        self.excluded = DEFAULT_EXCLUDED
        self.grad_enabled = True
        self._inference_mode = False
        self.fw_grad_enabled = True
        self.grad_layout_enforced = True  # AccumulateGrad's layout contract (see grad_mode)
        # the rest of c10::AutogradState and SavedTensorDefaultHooksTLS
        self.multithreading_enabled = True
        self.view_replay_enabled = False
        self.saved_hooks_disabled = None  # disable_saved_tensors_hooks' error message
        self.dispatch_modes = []        # TorchDispatchMode stack, top last
        self.function_modes = []        # TorchFunctionMode stack, top last
        self.torch_function_disabled = 0  # 0 on, 1 subclasses off, 2 all off
        self.saved_tensors_hooks = []
        self.autocast = {}              # device_type -> (enabled, dtype)
        self.extra = {}                 # other subsystems' per-thread values

    # c10::InferenceMode's flag; every write keeps INFERENCE_THREADS up to date
    @property
    def inference_mode(self):
        return self._inference_mode

    @inference_mode.setter
    def inference_mode(self, value):
        value = bool(value)
        if value is not self._inference_mode:
            with _count_lock:
                INFERENCE_THREADS[0] += 1 if value else -1
            self._inference_mode = value


state = _State()

_FIELDS = ("included", "excluded", "grad_enabled", "inference_mode", "fw_grad_enabled",
           "torch_function_disabled", "grad_layout_enforced", "multithreading_enabled",
           "view_replay_enabled", "saved_hooks_disabled")
_LIST_FIELDS = ("dispatch_modes", "function_modes", "saved_tensors_hooks")
_DICT_FIELDS = ("autocast", "extra")


def snapshot():
    """A copy of this thread's dispatcher state (for fork tasks and guards)."""
    s = state
    snap = {f: getattr(s, f) for f in _FIELDS}
    for f in _LIST_FIELDS:
        snap[f] = list(getattr(s, f))
    for f in _DICT_FIELDS:
        snap[f] = dict(getattr(s, f))
    return snap


def restore(snap):
    """Make this thread's state equal to ``snap`` (as returned by ``snapshot``)."""
    s = state
    for f in _FIELDS:
        setattr(s, f, snap[f])
    for f in _LIST_FIELDS:
        setattr(s, f, list(snap[f]))
    for f in _DICT_FIELDS:
        setattr(s, f, dict(snap[f]))
