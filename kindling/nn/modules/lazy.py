"""``torch.nn.modules.lazy``: ``LazyModuleMixin``, the base of the lazy modules
(``LazyLinear``, ``LazyConv2d``...), whose parameter shapes come from their first input.

Until its first forward a lazy module holds ``UninitializedParameter``s (and
``UninitializedBuffer``s); a forward pre-hook then calls ``initialize_parameters(*args,
**kwargs)``, which materializes and initializes them, removes itself and the
load-state-dict hook, and turns the module into its ``cls_to_become`` (``Linear``...)."""
from __future__ import annotations

import itertools

from ..parameter import is_lazy

__all__ = ["LazyModuleMixin"]


class LazyModuleMixin:
    """Mixin (listed before the module class it makes lazy) for modules that infer their
    parameter shapes from the first input.

    Convert the module's dtype and device before the first forward (the uninitialized
    parameters keep them); the first forward ("dry run") materializes the parameters,
    initializes them as the eager module would, and makes the module a ``cls_to_become``
    instance.  ``state_dict()`` before then holds the uninitialized parameters;
    ``load_state_dict`` of initialized values materializes them (and later forwards do
    not re-initialize them)."""

    # the class a module of this class becomes once all its parameters are initialized
    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        # (uninitialized entries go in as they are: detach() is not allowed on them)
        for name, param in self._parameters.items():
            if param is not None:
                if not (is_lazy(param) or keep_vars):
                    param = param.detach()
                destination[prefix + name] = param
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                if not (is_lazy(buf) or keep_vars):
                    buf = buf.detach()
                destination[prefix + name] = buf

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys,
                        unexpected_keys, error_msgs):
        """``load_state_dict`` pre-hook: an uninitialized parameter or buffer about to receive
        an initialized tensor is first materialized with that tensor's shape, so that
        both initialized and uninitialized state dicts load into a lazy module."""
        from ...autograd.grad_mode import no_grad
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None:
                input_param = state_dict[key]
                if is_lazy(param) and not is_lazy(input_param):
                    with no_grad():
                        param.materialize(input_param.shape)

    def initialize_parameters(self, *args, **kwargs):
        """Materialize and initialize the parameters from the forward arguments (each lazy
        module defines it)."""
        raise NotImplementedError(
            f"initialize_parameters is not implemented for {self.__class__.__name__}")

    def has_uninitialized_params(self):
        """Whether any parameter or buffer of this module (not its submodules) is still
        uninitialized."""
        for t in itertools.chain(self._parameters.values(), self._buffers.values()):
            if is_lazy(t):
                return True
        return False

    def _infer_parameters(self, module, args, kwargs=None):
        """The forward pre-hook: initialize the parameters from this first input, then
        drop the lazy hooks and become ``cls_to_become``."""
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _replicate_for_data_parallel(self):
        raise RuntimeError(
            "Modules with uninitialized parameters can't be used with `DataParallel`. "
            "Run a dummy forward pass to correctly initialize the modules")
