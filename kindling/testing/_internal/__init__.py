"""``torch.testing._internal``: tensor subclasses and helpers PyTorch's own tests use."""
