"""``torch.utils``: helpers built on the core (Python dispatch utilities, pytrees)."""


def __getattr__(name):  # submodules imported on first use (``kindling.utils.checkpoint``)
    if name in ("checkpoint", "data"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    if name == "swap_tensors":
        from ._swap import swap_tensors
        return swap_tensors
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
