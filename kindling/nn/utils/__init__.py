"""``torch.nn.utils``: helpers that work on parameters and tensors: gradient clipping
(``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm``, ``clip_grads_with_norm_``),
``parameters_to_vector``/``vector_to_parameters`` and the packed-sequence helpers of
``nn.utils.rnn``."""
from __future__ import annotations

from . import rnn  # noqa: F401
from .clip_grad import (  # noqa: F401
    _clip_grads_with_norm_ as clip_grads_with_norm_,
    _get_total_norm as get_total_norm,
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grads_with_norm_", "clip_grad_value_",
           "get_total_norm", "parameters_to_vector", "rnn", "vector_to_parameters"]
# ---- parametrize, weight/spectral norm, stateless, fusion, memory format (nnutils2) ----
from . import parametrizations, parametrize, stateless  # noqa: F401,E402
# (``prune`` is a submodule, left out of ``__all__`` as in PyTorch)
from . import prune  # noqa: F401,E402
from .fusion import (  # noqa: F401,E402
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
from .init import skip_init  # noqa: F401,E402
from .memory_format import (  # noqa: F401,E402
    convert_conv2d_weight_memory_format,
    convert_conv3d_weight_memory_format,
)
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401,E402
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401,E402

__all__ += ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format",
            "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
            "fuse_linear_bn_weights", "parametrizations", "parametrize", "remove_spectral_norm",
            "remove_weight_norm", "skip_init", "spectral_norm", "stateless", "weight_norm"]
