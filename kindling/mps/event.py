"""``torch.mps.event``: Metal events (none without MPS)."""


class Event:
    """An MPS event: raises without MPS."""

    def __init__(self, enable_timing=False):
        raise RuntimeError("Cannot execute acquireEvent() without MPS backend.")
