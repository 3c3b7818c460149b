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
    if device_mod is None and device_type != "cuda":  # (no kindling.cuda: no CUDA generators)
        raise RuntimeError(f"torch has no module of `{device_type}`, you should register a module "
                           "by `torch._register_device_module`.")
    if not enabled:
        yield
        return
    devices = [] if devices is None else list(devices)
    if devices:
        warnings.warn(f"kindling has no {device_type} generators; {_caller} forks the CPU one only")
    cpu_state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(cpu_state)
