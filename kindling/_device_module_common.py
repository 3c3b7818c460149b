"""Pieces shared by the device modules of a build without that device (``torch.cuda``,
``torch.xpu``, ``torch.mtia``, ``torch.mps``).

Each factory returns a dict of functions that the backend module puts into its namespace with
``globals().update(...)``; the functions carry the backend module's ``__module__`` and their own
names and docstrings, so they look as if they were written there.
"""
from __future__ import annotations

import collections


def _named(module, name, doc, fn):
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = module
    fn.__doc__ = doc
    return fn


def no_device_functions(module, label, lazy_init):
    """``is_available``, ``device_count``, ``is_initialized`` and ``init`` for a build without
    ``label`` devices: nothing available, nothing initialised, and ``init`` calls ``lazy_init``
    (which raises the backend's "not compiled" error)."""
    def is_available() -> bool:
        return False

    def device_count() -> int:
        return 0

    def is_initialized():
        return False

    def init():
        lazy_init()

    return {
        "is_available": _named(module, "is_available", f"Whether {label} can be used: never, "
                               "in kindling.", is_available),
        "device_count": _named(module, "device_count", f"The number of {label} devices: 0.",
                               device_count),
        "is_initialized": _named(module, "is_initialized", f"Whether {label} has been "
                                 "initialised: never.", is_initialized),
        "init": _named(module, "init", f"Initialise {label}: raises, as in a build without it.",
                       init),
    }


def build_info_functions(module, label):
    """``is_tf32_supported``, ``get_arch_list`` and ``get_gencode_flags``: nothing supported,
    nothing targeted."""
    def is_tf32_supported() -> bool:
        return False

    def get_arch_list() -> list:
        return []

    def get_gencode_flags() -> str:
        return ""

    return {
        "is_tf32_supported": _named(module, "is_tf32_supported", f"Whether TF32 runs on the "
                                    f"current {label} device: False.", is_tf32_supported),
        "get_arch_list": _named(module, "get_arch_list", f"The {label} architectures this "
                                "build targets: none.", get_arch_list),
        "get_gencode_flags": _named(module, "get_gencode_flags", f"The {label} code generation "
                                    "flags this build used: none.", get_gencode_flags),
    }


_MONITORING = {
    "device_memory_used": "Memory in use on a device",
    "memory_usage": "Memory read/write utilisation",
    "utilization": "Device utilisation",
    "temperature": "Device temperature",
    "power_draw": "Device power draw",
    "clock_rate": "Device clock rate",
}


def monitoring_functions(module, library, missing):
    """The device-monitoring readers (``device_memory_used``, ``utilization``, ...): each calls
    ``missing(device)``, which raises because the monitoring ``library`` is not installed."""
    def make(name, what):
        def reader(device=None):
            missing(device)
        return _named(module, name, f"{what}, from {library}: raises ({library} missing).",
                      reader)

    return {name: make(name, what) for name, what in _MONITORING.items()}


def set_rng_state_all_function(module, label, set_rng_state):
    """``set_rng_state_all``: sets each generator's state in turn through ``set_rng_state``."""
    def set_rng_state_all(new_states) -> None:
        for i, state in enumerate(new_states):
            set_rng_state(state, i)

    return _named(module, "set_rng_state_all", f"Set every {label} generator's state from a "
                  "sequence, one per device (none here).", set_rng_state_all)


def dummy_class(module, name, doc):
    """A class that cannot be instantiated, as the CPU build's placeholder device classes:
    ``RuntimeError("Tried to instantiate dummy base class <name>")``."""
    def __new__(cls, *args, **kwargs):
        raise RuntimeError(f"Tried to instantiate dummy base class {name}")

    return type(name, (), {"__new__": __new__, "__doc__": doc, "__module__": module})


def queued_seed_functions(module, label):
    """``manual_seed``, ``manual_seed_all``, ``seed`` and ``seed_all``: PyTorch queues them until
    the device initialises, which never happens here, so they only check the seed is an int."""
    def manual_seed(seed) -> None:
        int(seed)

    def manual_seed_all(seed) -> None:
        int(seed)

    def seed() -> None:
        pass

    def seed_all() -> None:
        pass

    return {
        "manual_seed": _named(module, "manual_seed", f"Seed the current {label} generator: "
                              "queued, a no-op here.", manual_seed),
        "manual_seed_all": _named(module, "manual_seed_all", f"Seed every {label} generator: "
                                  "queued, a no-op here.", manual_seed_all),
        "seed": _named(module, "seed", f"Seed the current {label} generator randomly: queued, "
                       "a no-op here.", seed),
        "seed_all": _named(module, "seed_all", f"Seed every {label} generator randomly: queued, "
                           "a no-op here.", seed_all),
    }


def empty_allocator_functions(module, label):
    """``empty_cache``, ``memory_stats`` and ``memory_stats_as_nested_dict`` for an allocator
    that never ran: nothing to release, no statistics."""
    def empty_cache() -> None:
        pass

    def memory_stats(device=None):
        return collections.OrderedDict()

    def memory_stats_as_nested_dict(device=None):
        return {}

    return {
        "empty_cache": _named(module, "empty_cache", f"Release cached {label} memory: nothing "
                              "to release.", empty_cache),
        "memory_stats": _named(module, "memory_stats", f"The {label} allocator's statistics: "
                               "empty, as it never ran.", memory_stats),
        "memory_stats_as_nested_dict": _named(module, "memory_stats_as_nested_dict", f"The "
                                              f"{label} allocator's statistics as nested "
                                              "dicts: empty.", memory_stats_as_nested_dict),
    }
