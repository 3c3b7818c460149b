"""``torch.autograd._functions``: autograd Functions behind a few deprecated Tensor methods."""
from .tensor import Resize  # noqa: F401
