"""``torch.autograd._functions``: legacy autograd Functions kept for compatibility."""
from .tensor import Resize  # noqa: F401
