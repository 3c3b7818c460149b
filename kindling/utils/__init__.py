"""``torch.utils``: helpers built on the core (Python dispatch utilities, pytrees)."""
