"""``torch.nn.functional``: the functional neural-network ops. Each topic lives in its own
module under ``nn/_functional/``; this module gathers their public names, as PyTorch's one
file does."""
from __future__ import annotations

from ._functional.activation import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.margin_loss import *  # noqa: F401,F403
from ._functional.normalization import *  # noqa: F401,F403
from ._functional.dropout import *  # noqa: F401,F403
from ._functional.sparse import *  # noqa: F401,F403
from ._functional.distance import *  # noqa: F401,F403
from ._functional.padding import *  # noqa: F401,F403
from ._functional.linear import *  # noqa: F401,F403
from ._functional.conv import *  # noqa: F401,F403
from ._functional.pooling import *  # noqa: F401,F403
from ._functional.vision import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403

# Private helpers programs import from torch.nn.functional (nn.Transformer's own code does)
from ._functional.activation import _get_softmax_dim  # noqa: E402,F401
from ._functional.attention import (  # noqa: E402,F401
    _canonical_mask, _in_projection, _in_projection_packed, _mha_shape_check, _none_or_dtype,
)
from ._functional.normalization import _verify_batch_size, _verify_spatial_size  # noqa: E402,F401
from ._functional.pooling import _unpool_output_size  # noqa: E402,F401
from . import _reduction as _Reduction  # noqa: E402,F401
from ..overrides import (  # noqa: E402,F401
    handle_torch_function, has_torch_function, has_torch_function_unary,
    has_torch_function_variadic,
)
from .modules.utils import _list_with_default, _pair, _single, _triple  # noqa: E402,F401
