"""``torch.backends.openmp``."""

__all__ = ["is_available"]


def is_available():
    """Whether PyTorch was built with OpenMP: True, as the CPU wheel is (kindling's NumPy
    kernels use whatever threading NumPy's BLAS has)."""
    return True
