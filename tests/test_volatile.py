"""The removed ``volatile`` flag: reading and setting it warn with PyTorch's texts at the
user's line and change nothing; ``Variable(..., volatile=True)`` warns too; a function mode
sees the property read."""
import warnings

import pytest

import kindling

torch = pytest.importorskip("torch")


def _scenario(T):
    x = T.ones(2)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        vals = [x.volatile]
        x.volatile = True
        vals.append(x.volatile)
        T.autograd.Variable(T.ones(2), volatile=True)
        T.autograd.Variable(T.ones(2), volatile=False)
    return vals, [(c.category, str(c.message), c.filename == __file__) for c in w]


def test_volatile_warnings_match_torch():
    assert _scenario(kindling) == _scenario(torch)


def _mode_sees(T):
    log = []
    ov = kindling.overrides if T is kindling else torch.overrides

    class Log(ov.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            log.append(getattr(func, "__name__", ""))
            return func(*args, **(kwargs or {}))
    x = T.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Log():
            x.volatile
    return log


def test_function_mode_sees_volatile():
    assert _mode_sees(kindling) == _mode_sees(torch)
