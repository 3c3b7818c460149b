"""``kindling.device``: where a tensor lives. ``cpu`` and ``meta`` run; ``cuda`` parses only."""
from __future__ import annotations

import re

__all__ = ["device"]

_KNOWN_TYPES = ("cpu", "cuda", "meta", "mps", "xpu", "xla", "hpu", "ipu", "lazy", "mtia",
                "privateuseone", "hip", "ve", "maia")

# "type" or "type:index"; the index has no sign and no leading zeros (PyTorch's parser).
_DEVICE_RE = re.compile(r"^([a-zA-Z_]+)(?::([1-9][0-9]*|0))?$")


class device:
    """A device: ``device('cpu')``, ``device('cuda', 0)``, ``device('cuda:1')``, ``device('meta')``."""

    __slots__ = ("type", "index")

    def __new__(cls, type_or_str, index=None):
        if isinstance(type_or_str, device):
            if index is not None:
                raise TypeError("device(): argument 'type' must be str, not torch.device")
            return type_or_str
        if isinstance(type_or_str, int) and not isinstance(type_or_str, bool):
            # PyTorch treats a bare ordinal as the current accelerator; we have none.
            raise RuntimeError(
                "Found no accelerator device; device(int) needs an accelerator such as cuda")
        if not isinstance(type_or_str, str):
            raise TypeError(
                f"device() received an invalid combination of arguments - got "
                f"({type(type_or_str).__name__}), but expected one of:\n"
                " * (torch.device device)\n * (str type, int index = -1)\n")
        s = type_or_str
        m = _DEVICE_RE.match(s)
        if m is None:
            raise RuntimeError(f"Invalid device string: '{s}'")
        t, idx = m.group(1), m.group(2)
        if t not in _KNOWN_TYPES:
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, "
                "fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type "
                f"at start of device string: {s}")
        if idx is not None:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {s}")
            index = int(idx)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                                f"{type(index).__name__}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
        self = object.__new__(cls)
        object.__setattr__(self, "type", t)
        object.__setattr__(self, "index", index)
        return self

    def __setattr__(self, k, v):
        raise AttributeError(f"attribute '{k}' of 'torch.device' objects is not writable")

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))

    def __enter__(self):
        """``with torch.device("meta"):``: factory calls inside default to this device (a
        ``torch.utils._device.DeviceContext`` pushed on the function-mode stack)."""
        from .overrides import _push_mode
        from .utils._device import DeviceContext
        _push_mode(DeviceContext(self))
        return self

    def __exit__(self, *a):
        from .overrides import _pop_mode
        _pop_mode()
        return False


CPU = device("cpu")
META = device("meta")


def canonical(d):
    """``device(x)`` for a str/device/None argument; None stays None."""
    if d is None or type(d) is device:
        return d
    return device(d)


# (device types whose lazy initialisation asserts in PyTorch's CPU build)
_NOT_COMPILED = {"cuda": "CUDA", "xpu": "XPU"}


def check_backend(d, *, copying):
    """Raise what PyTorch's CPU build raises for a tensor on device ``d`` (a ``device``) that
    kindling has no kernels for; ``copying``: for ``Tensor.to``, which names the missing
    backend differently from a factory.  CPU and meta pass."""
    t = d.type
    if t in ("cpu", "meta"):
        return
    if t in _NOT_COMPILED:
        raise AssertionError(f"Torch not compiled with {_NOT_COMPILED[t]} enabled")
    if copying:
        raise RuntimeError(f"PyTorch is not linked with support for {t} devices")
    raise RuntimeError(f"kindling has no kernels for device type '{t}'")
