"""``torch.cuda.random``: the same functions as ``torch.cuda`` (PyTorch's module path)."""
from . import (  # noqa: F401
    manual_seed, manual_seed_all, seed, seed_all, initial_seed, get_rng_state,
    get_rng_state_all, set_rng_state, set_rng_state_all,
)

__all__ = [
    "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state",
    "get_rng_state_all", "set_rng_state", "set_rng_state_all",
]
