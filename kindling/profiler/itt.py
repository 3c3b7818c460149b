"""``torch.profiler.itt``: Intel ITT (VTune) ranges, which kindling does not emit."""

__all__ = ["is_available", "range_push", "range_pop", "mark", "range"]


def is_available():
    """``False``: kindling has no ITT instrumentation."""
    return False


def _unavailable(name):
    raise NotImplementedError(f"torch.profiler.itt.{name}: kindling does not emit Intel ITT "
                              "(VTune) ranges")


def range_push(msg):
    _unavailable("range_push")


def range_pop():
    _unavailable("range_pop")


def mark(msg):
    _unavailable("mark")


def range(msg, *args, **kwargs):
    _unavailable("range")
