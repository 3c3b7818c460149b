"""``torch.nn.utils.init``: ``skip_init``, a module built without running its
initialisation."""
from __future__ import annotations

import inspect

import kindling as torch

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """Build ``module_cls(*args, **kwargs)`` on the meta device and give it uninitialised
    storage on ``device`` (default CPU): the parameters hold whatever memory held. The class
    must take a ``device`` argument."""
    if not issubclass(module_cls, torch.nn.Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    kwargs["device"] = "meta"
    return module_cls(*args, **kwargs).to_empty(device=final_device)
