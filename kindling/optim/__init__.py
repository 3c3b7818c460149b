"""``torch.optim``: optimizers and learning-rate schedulers, written over kindling's tensor ops."""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "ASGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "LBFGS",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "SGD",
    "lr_scheduler",
]


_NOT_BUILT = ("SparseAdam", "Adafactor", "Muon")


def _not_built(name):
    """An optimizer class kindling does not have: it exists (``hasattr`` holds, as in
    PyTorch), and making one raises NotImplementedError naming it."""
    from .optimizer import Optimizer

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(f"kindling.optim.{name} is not implemented")

    cls = type(name, (Optimizer,), {"__init__": __init__, "__module__": __name__})
    globals()[name] = cls
    return cls


def __getattr__(name):
    if name == "swa_utils":
        # loaded at first use: it imports kindling.nn
        import importlib

        return importlib.import_module(f"{__name__}.swa_utils")
    if name in _NOT_BUILT:
        return _not_built(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
