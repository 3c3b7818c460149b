"""``torch.backends.cusparselt``: absent without CUDA."""

__all__ = ["version", "is_available", "get_max_alg_id"]


def version():
    """cuSPARSELt's version: None (not built)."""
    return None


def is_available() -> bool:
    """Whether cuSPARSELt can be used: False."""
    return False


def get_max_alg_id():
    """cuSPARSELt's largest algorithm id: None (not built)."""
    return None
