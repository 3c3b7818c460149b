"""``torch.random``: the default CPU generator's seed and state, and ``fork_rng``."""
from __future__ import annotations

import contextlib
import warnings

from ._generator import default_generator

__all__ = ["set_rng_state", "get_rng_state", "manual_seed", "seed", "initial_seed", "fork_rng"]


def set_rng_state(new_state):
    """Set the default generator's state (a uint8 tensor from ``get_rng_state``)."""
    default_generator.set_state(new_state)


def get_rng_state():
    """The default generator's state as a uint8 tensor (PyTorch's layout)."""
    return default_generator.get_state()


def manual_seed(seed):
    """Seed the default generator; returns it.  (No CUDA generators to seed here.)"""
    return default_generator.manual_seed(int(seed))


def seed():
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The default generator's initial seed."""
    return default_generator.initial_seed()


_fork_rng_warned_already = False


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Restore the CPU generator's state (and the listed devices', when they have generators)
    on leaving the block."""
    if device_type == "meta":
        yield
        return
    import kindling
    from ._device import device as _dev
    device_type = _dev(device_type).type
    device_mod = getattr(kindling, device_type, None)
    if device_mod is None:
        raise RuntimeError(f"torch has no module of `{device_type}`, you should register a module "
                           "by `torch._register_device_module`.")
    if not enabled:
        yield
        return
    if devices is None:
        # (PyTorch forks every visible device, warning when there are several)
        num_devices = device_mod.device_count()
        if num_devices > 1:
            warnings.warn(f"{device_type.upper()} reports that you have {num_devices} available "
                          f"devices, and you have used {_caller} without explicitly specifying "
                          f"which devices are being used. For safety, we initialize *every* "
                          f"{device_type.upper()} device by default, which can be quite slow if "
                          f"you have a lot of {device_type.upper()}s. If you know that you are "
                          f"only making use of a few {device_type.upper()} devices, set the "
                          f"environment variable {device_type.upper()}_VISIBLE_DEVICES or the "
                          f"'{_devices_kw}' keyword argument of {_caller} with the set of "
                          "devices you are actually using.")
        devices = list(range(num_devices))
    else:
        devices = list(devices)
    # (kindling.cuda's, as PyTorch's CPU build: get_rng_state asserts CUDA is not compiled)
    device_states = [device_mod.get_rng_state(d) for d in devices]
    cpu_state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(cpu_state)
        for d, st in zip(devices, device_states):
            device_mod.set_rng_state(st, d)
