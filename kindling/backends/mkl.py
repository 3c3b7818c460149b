"""``torch.backends.mkl``: MKL availability and its verbose switch (no-op here)."""

__all__ = ["is_available", "VERBOSE_OFF", "VERBOSE_ON", "verbose"]

VERBOSE_OFF = 0
VERBOSE_ON = 1


def is_available():
    """Whether PyTorch was built with MKL: True, as the x86 CPU wheel is."""
    return True


class verbose:
    """``with torch.backends.mkl.verbose(level):`` MKL's logging level; kindling does not
    call MKL itself, so this changes nothing."""

    def __init__(self, enable):
        self.enable = enable

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        return False
