"""``torch.__future__``: opt-in switches for behaviour that will become the default."""

_overwrite_module_params_on_conversion = False
_swap_module_params_on_conversion = False


def set_overwrite_module_params_on_conversion(value):
    """Make ``nn.Module`` conversions (``module.to``, ``.cuda``, ``.float``, ...) give the
    module new Parameter objects instead of replacing the existing ones' ``.data``."""
    global _overwrite_module_params_on_conversion
    _overwrite_module_params_on_conversion = value


def get_overwrite_module_params_on_conversion():
    """Whether ``nn.Module`` conversions assign new Parameters (default ``False``)."""
    return _overwrite_module_params_on_conversion


def set_swap_module_params_on_conversion(value):
    """Make ``nn.Module`` conversions and ``load_state_dict`` use
    :func:`torch.utils.swap_tensors` on the existing parameters and buffers, keeping their
    identity (``load_state_dict`` swaps in ``param.module_load(state_dict[key])``).  Takes
    precedence over :func:`set_overwrite_module_params_on_conversion`."""
    global _swap_module_params_on_conversion
    _swap_module_params_on_conversion = value


def get_swap_module_params_on_conversion():
    """Whether ``nn.Module`` conversions swap tensors (default ``False``)."""
    return _swap_module_params_on_conversion
