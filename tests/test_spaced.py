"""linspace / logspace against PyTorch: real values bit for bit (PyTorch's two-ended fill,
its fused multiply-add, double steps for integers; complex ones to 13 digits), dtypes, the Tensor overloads, out=, errors,
meta, and what a dispatch mode sees."""
import numpy as np
import pytest

import kindling
from _parity import outcome

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int8", "uint8",
          "complex64", "complex128"]


def _bits(T, r):
    """dtype, shape and values; complex values separately, compared by ``_same`` to a relative
    1e-5 (complex64) or 1e-13: PyTorch's complex kernels round differently from its real
    ones, and kindling does not copy that."""
    if isinstance(r, tuple):
        return r
    if r.dtype.is_complex:
        return (str(r.dtype), tuple(r.shape), "complex", r.to(T.complex128).tolist())
    return (str(r.dtype), tuple(r.shape), r.to(T.float64).tolist())


def _same(k, t):
    if len(k) == 4 and k[2] == "complex" and len(t) == 4:
        assert k[:3] == t[:3]
        rtol = 1e-5 if k[0].endswith("complex64") else 1e-13
        np.testing.assert_allclose(np.array(k[3]), np.array(t[3]), rtol=rtol, atol=1e-30)
    else:
        assert k == t


def _cases():
    rng = np.random.default_rng(0)
    out = []
    for k in range(120):
        lo, hi = sorted(rng.uniform(-50, 50, 2).round(int(rng.integers(0, 4))))
        if k % 3 == 0:
            lo, hi = hi, lo  # descending
        steps = int(rng.choice([0, 1, 2, 3, 7, 16, 33, 100, 257, 1000]))
        out.append((float(lo), float(hi), steps, DTYPES[k % len(DTYPES)]))
    return out


@pytest.mark.parametrize("start,end,steps,dt", _cases())
def test_linspace_values_match_bitwise(start, end, steps, dt):
    if dt == "uint8":
        start, end = abs(start), abs(end)
    def case(T):
        return _bits(T, T.linspace(start, end, steps, dtype=getattr(T, dt)))
    _same(outcome(kindling, case), outcome(torch, case))


@pytest.mark.parametrize("start,end,steps,dt", _cases()[::2])
def test_logspace_values_match_bitwise(start, end, steps, dt):
    start, end = start / 10, end / 10
    if dt in ("uint8", "int8"):
        start, end = abs(start) / 3, abs(end) / 3
    for base in (10.0, 2.0, 0.5):
        def case(T):
            return _bits(T, T.logspace(start, end, steps, base=base, dtype=getattr(T, dt)))
        _same(outcome(kindling, case), outcome(torch, case))


CASES = {
    "default_dtype": lambda T: T.linspace(0, 1, 5),
    "int_args_float_result": lambda T: T.linspace(3, 10, steps=5),
    "complex_end": lambda T: T.linspace(0, 1j, 3),
    "steps_0": lambda T: T.linspace(2, 5, 0),
    "steps_1": lambda T: T.linspace(2.5, 5, 1),
    "negative_steps": lambda T: T.linspace(0, 1, -1),
    "tensor_tensor": lambda T: T.linspace(T.tensor(0.0), T.tensor(1.0), 3),
    "tensor_scalar_int": lambda T: T.linspace(T.tensor(0, dtype=T.int32), 5, 3),
    "scalar_tensor": lambda T: T.linspace(0, T.tensor(2.0), 5),
    "tensor_not_0d": lambda T: T.linspace(T.ones(2), 1, 3),
    "end_not_0d": lambda T: T.linspace(0, T.ones(2), 3),
    "out": lambda T: T.linspace(0, 1, 5, out=T.empty(2)),
    "out_int": lambda T: T.linspace(0, 10, 4, out=T.empty(2, dtype=T.int64)),
    "out_tensor_overload": lambda T: T.linspace(T.tensor(1.0), 3.0, 3, out=T.empty(0)),
    "requires_grad": lambda T: T.linspace(0, 1, 3, requires_grad=True).requires_grad,
    "logspace_default": lambda T: T.logspace(0, 2, 3),
    "logspace_base2_int": lambda T: T.logspace(0, 3, 4, base=2, dtype=T.int32),
    "logspace_steps_1": lambda T: T.logspace(1.5, 9, 1),
    "logspace_tensor": lambda T: T.logspace(T.tensor(-1.0), T.tensor(1.0), 5),
    "logspace_out": lambda T: T.logspace(-1, 1, 4, 3.0, out=T.empty(1, dtype=T.float64)),
    "logspace_complex": lambda T: T.logspace(0, 1j, 3),
    "logspace_not_0d": lambda T: T.logspace(T.ones(3), 1, 3),
    "meta": lambda T: T.linspace(0, 1, 7, device="meta").shape,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_linspace_logspace_match_pytorch(name):
    assert outcome(kindling, CASES[name]) == outcome(torch, CASES[name])


def _mode_log(T):
    from_ = kindling.utils._python_dispatch if T is kindling else torch.utils._python_dispatch
    seen = []

    class Log(from_.TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            seen.append(str(func))
            return func(*args, **(kwargs or {}))
    with Log():
        T.linspace(0, 1, 3)
        T.logspace(0, 1, 3, base=2)
        T.linspace(0, 1, 3, out=T.empty(3))
    return seen


def test_dispatch_mode_sees_the_ops():
    assert _mode_log(kindling) == _mode_log(torch)
