"""``torch.utils._mode_utils``: ``no_dispatch`` and ``all_same_mode``."""
from __future__ import annotations

from .._dispatcher.python_fallback import _DisableTorchDispatch


def all_same_mode(modes):
    """True when every mode in ``modes`` equals the first."""
    return all(tuple(mode == modes[0] for mode in modes))


no_dispatch = _DisableTorchDispatch
