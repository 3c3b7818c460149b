"""``torch.testing._internal.common_methods_invocations``: only the helpers PyTorch's
autograd tests import from it (kindling's own OpInfo database is
``kindling.testing.opinfo``)."""
import kindling as torch


def mask_not_all_zeros(shape):
    """A random boolean mask of ``shape`` with at least one ``True``."""
    if len(shape) <= 0:
        raise AssertionError(f"Expected len(shape) > 0, got {len(shape)}")
    while True:
        result = torch.randn(shape).gt(0)
        if result.sum() > 0:
            return result
