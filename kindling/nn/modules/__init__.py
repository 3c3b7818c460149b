"""``torch.nn.modules``: ``Module`` and the layers built on it, one file per family as in
PyTorch (``linear.py``, ``activation.py``, ``conv.py``...)."""
from .module import Module  # noqa: F401
from .container import (  # noqa: F401
    ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential,
)
# ---- linear, activations, losses, dropout, flatten, embedding, distance (modules-a) ----------
# ---- conv, pooling, padding, normalization, upsampling, pixel shuffle, fold (modules-b) -------
# ---- rnn (rnn) ----
from .rnn import (  # noqa: F401
    GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase,
)

# (``from kindling.nn.modules import *``, as torch.nn: every Module class defined above)
__all__ = sorted(n for n, v in list(globals().items())
                 if isinstance(v, type) and issubclass(v, Module))
