"""Read, set and swap a module's tensors by dotted name (``"layer.0.weight"``), as
``torch.nn.utils._named_member_accessor`` does; ``functional_call`` is built on it."""
from __future__ import annotations

import kindling as torch

_MISSING = object()  # (a name the module did not have)


def _check_name(name, what="tensor"):
    if "." in name:
        raise KeyError(f'{what} name can\'t contain "."')
    if name == "":
        raise KeyError(f'{what} name can\'t be empty string ""')


def swap_tensor(module, name, tensor, allow_missing=False):
    """Put ``tensor`` at ``module.<name>`` (a parameter, buffer or plain attribute slot:
    the slot's kind is kept) and return what was there (``_MISSING`` deletes the slot)."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"{module} is not an instance of torch.nn.Module")
    if tensor is not _MISSING and tensor is not None and not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{tensor} is not an instance of torch.Tensor")
    _check_name(name)
    for slots in (module._parameters, module._buffers):
        if name in slots:
            orig = slots[name]
            if tensor is not _MISSING:
                slots[name] = tensor
            else:
                del slots[name]
            return orig
    if hasattr(module, name):
        orig = getattr(module, name)
    else:
        if not allow_missing:
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        orig = _MISSING
    if orig is not _MISSING and orig is not None and not isinstance(orig, torch.Tensor):
        raise TypeError(f"attribute `{name}`: {orig} is not an instance of torch.Tensor")
    if tensor is not _MISSING:
        setattr(module, name, tensor)
    elif hasattr(module, name):
        delattr(module, name)
    return orig


class NamedMemberAccessor:
    """Tensors of ``module`` and its submodules addressed by dotted names."""

    def __init__(self, module):
        self.module = module
        self.memo = {}

    def get_submodule(self, name):
        if not name:
            return self.module
        if name in self.memo:
            return self.memo[name]
        prefix, dot, attr = name.rpartition(".")
        parent = self.get_submodule(prefix) if dot else self.module
        try:
            sub = getattr(parent, attr)
        except AttributeError as ex:
            raise AttributeError(f"{parent._get_name()} has no attribute `{attr}`") from ex
        if not isinstance(sub, torch.nn.Module):
            raise TypeError(f"submodule `{name}`: {sub} is not an instance of torch.nn.Module")
        self.memo[name] = sub
        return sub

    def get_tensor(self, name):
        prefix, _, attr = name.rpartition(".")
        sub = self.get_submodule(prefix)
        try:
            tensor = getattr(sub, attr)
        except AttributeError as ex:
            raise AttributeError(f"{sub._get_name()} has no attribute `{name}`") from ex
        if tensor is not None and not isinstance(tensor, torch.Tensor):
            raise TypeError(f"{tensor} is not an instance of torch.Tensor")
        return tensor

    def swap_tensor(self, name, value, allow_missing=False):
        prefix, _, attr = name.rpartition(".")
        return swap_tensor(self.get_submodule(prefix), attr, value, allow_missing=allow_missing)

    def swap_tensors_dict(self, named_tensors, allow_missing=False):
        """Swap every ``name: tensor``; returns the previous tensors and the names that were
        missing. On an error, what was swapped is swapped back."""
        orig, missing = {}, []
        try:
            for name, tensor in named_tensors.items():
                old = self.swap_tensor(name, tensor, allow_missing=True)
                if old is _MISSING:
                    missing.append(name)
                orig[name] = old
        except Exception:
            for name, old in orig.items():
                self.swap_tensor(name, old, allow_missing=True)
            raise
        if missing and not allow_missing:
            for name, old in orig.items():
                self.swap_tensor(name, old, allow_missing=True)
            raise RuntimeError(f"Missing key(s): {', '.join(map(repr, missing))}.")
        return orig, missing

    def check_keys(self, keys):
        """(missing, unexpected) names, sorted, against the module's parameters and
        buffers (tied names counted once each)."""
        keys = set(keys)
        valid = {n for n, _ in self.module.named_parameters(remove_duplicate=False)}
        valid |= {n for n, _ in self.module.named_buffers(remove_duplicate=False)}
        return sorted(valid - keys), sorted(keys - valid)
