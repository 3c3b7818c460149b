"""``torch._VF``: the op functions as PyTorch's C extension binds them, including those the
``torch`` namespace hides (``torch._VF.unique_dim``).  Names resolve on first use: a public
function where there is one, else a function over the aten op's overloads."""
from __future__ import annotations


def __getattr__(name):
    from ._aten._api import PUBLIC, make_function
    from ._ops import ops
    f = PUBLIC.get(name)
    if f is None:
        packet = getattr(ops.aten, name, None) if not name.startswith("__") else None
        if packet is None:
            raise AttributeError(f"module 'torch._VF' has no attribute '{name}'")
        f = make_function(name, [getattr(packet, o) for o in packet.overloads()
                                 if not o.endswith("out")])
    globals()[name] = f
    return f
