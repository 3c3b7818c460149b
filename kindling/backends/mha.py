"""``torch.backends.mha``: the fast-path switch of MultiheadAttention/TransformerEncoder."""

__all__ = ["get_fastpath_enabled", "set_fastpath_enabled"]

_is_fastpath_enabled = True


def get_fastpath_enabled() -> bool:
    """Whether the fused fast path may be used (kindling runs the composite path either
    way; the flag is stored)."""
    return _is_fastpath_enabled


def set_fastpath_enabled(value: bool) -> None:
    """Allow or forbid the fused fast path."""
    global _is_fastpath_enabled
    _is_fastpath_enabled = value
