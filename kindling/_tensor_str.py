"""Printing tensors the way PyTorch does (``tensor([1., 2.])``). Placeholder: replaced below."""


def _str(self, *, tensor_contents=None):
    import numpy as np
    if self._np is None:
        body = "..."
    else:
        body = np.array2string(np.asarray(self._np, dtype=object if self.dtype._np.kind == "V"
                                          else None), separator=", ")
    return f"tensor({body})"
