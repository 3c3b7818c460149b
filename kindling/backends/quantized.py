"""``torch.backends.quantized``: the quantized engine setting (kindling has no quantized
kernels; the setting is stored and validated as in PyTorch's x86 CPU wheel)."""
import types

from . import _install

_SUPPORTED = ["qnnpack", "onednn", "x86", "fbgemm"]
_state = {"engine": "x86"}


def _set_engine(value):
    if value not in _SUPPORTED and value != "none":
        raise RuntimeError(f"{value} is not a valid value for quantized engine")
    _state["engine"] = value


class _QuantizedEngine(types.ModuleType):
    @property
    def engine(self):
        return _state["engine"]

    @engine.setter
    def engine(self, value):
        _set_engine(value)

    @property
    def supported_engines(self):
        return list(_SUPPORTED)


_install(__name__, _QuantizedEngine)
