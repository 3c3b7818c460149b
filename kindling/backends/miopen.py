"""``torch.backends.miopen``: ROCm's MIOpen flags (stored; no ROCm here)."""
import types

from . import _install, _prop

_state = {"immediate": False}


class _MiopenModule(types.ModuleType):
    immediate = _prop(_state, "immediate", "set_immediate_miopen")


_install(__name__, _MiopenModule)
