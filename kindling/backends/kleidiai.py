"""``torch.backends.kleidiai``."""

__all__ = ["is_available"]


def is_available():
    """Whether PyTorch was built with KleidiAI (Arm kernels): False."""
    return False
