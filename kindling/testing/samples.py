"""Sample inputs for the OpInfo database, described once and built for any framework.

Samples hold NumPy arrays (``Arr``) plus plain Python arguments; the test harness turns each
``Arr`` into a kindling tensor and a PyTorch tensor with the same values *and layout*
(``noncontig=True`` gives a strided, non-contiguous view), so one description drives the
oracle comparison, the Meta-vs-CPU check and, later, gradcheck.
"""
from __future__ import annotations

import zlib

import numpy as np

FLOATS = ("float32", "float64")
COMPLEX = ("complex64", "complex128")
INTS = ("int64", "int32", "int16", "int8", "uint8")
ALL_REAL = FLOATS + INTS + ("bool",)


class Arr:
    """A tensor in a sample: values (an ndarray), and whether to lay it out non-contiguously."""

    __slots__ = ("value", "noncontig", "requires_grad")

    def __init__(self, value, noncontig=False, requires_grad=False):
        self.value = np.asarray(value)
        self.noncontig = noncontig
        self.requires_grad = requires_grad

    def __repr__(self):
        nc = ", noncontig" if self.noncontig else ""
        return f"Arr({self.value.dtype}{list(self.value.shape)}{nc})"


class SampleInput:
    """``op(input, *args, **kwargs)`` with ``Arr`` leaves anywhere in the arguments.

    Gradient tests (PyTorch's OpInfo names) may also use
    ``gradcheck_wrapper(op, input, *args, **kwargs)``, which calls the op on inputs it makes
    valid for every perturbation finite differences take (a Hermitian or triangular matrix
    built from an unconstrained one), and ``output_process_fn_grad(out)``, which keeps the
    outputs whose derivatives are well defined (invariant under the sign or phase of singular
    vectors...).
    """

    gradcheck_wrapper = None
    output_process_fn_grad = None

    def __init__(self, input, *args, **kwargs):
        self.input, self.args, self.kwargs = input, args, kwargs

    def for_grad(self, wrapper=None, process=None):
        """This sample with a gradcheck wrapper and/or an output process (returns self)."""
        self.gradcheck_wrapper, self.output_process_fn_grad = wrapper, process
        return self

    def mapped(self, fn):
        """A copy with ``fn`` applied to the input, each argument and each keyword value."""
        new = type(self)(fn(self.input), *[fn(a) for a in self.args],
                         **{k: fn(v) for k, v in self.kwargs.items()})
        return new.for_grad(self.gradcheck_wrapper, self.output_process_fn_grad)

    def __repr__(self):
        return f"SampleInput({self.input!r}, args={self.args!r}, kwargs={self.kwargs!r})"


# ---- gradcheck wrappers (work on kindling and PyTorch tensors alike) ----------------------------
def hermitian_input(op, input, *args, **kwargs):
    """``op(A + A^H)``: finite differences of one entry of ``A`` keep the argument Hermitian."""
    return op(input + input.mH, *args, **kwargs)


def triangular_input(idx=0, upper_at=None, real_positive_diagonal=False):
    """A wrapper passing the triangle that argument ``idx`` is read as (``upper`` from the
    keyword or from position ``upper_at``; lower by default); with ``real_positive_diagonal``
    its diagonal is replaced by ones (Cholesky factors)."""
    def wrapper(op, *args, **kwargs):
        args = list(args)
        upper = kwargs.get("upper", args[upper_at] if upper_at is not None and
                           len(args) > upper_at else False)
        a = args[idx]
        if real_positive_diagonal:
            d = a.diagonal(0, -2, -1)
            a = a - d.diag_embed() + d.new_ones(d.shape).diag_embed()
        args[idx] = a.triu() if upper else a.tril()
        return op(*args, **kwargs)
    return wrapper


def no_gradient(out):
    """An output process for samples whose gradients PyTorch refuses (no output is checked)."""
    return ()


class ErrorInput:
    """A sample that must raise ``error_type`` with a message matching ``error_regex``."""

    def __init__(self, sample, error_type=RuntimeError, error_regex=""):
        self.sample, self.error_type, self.error_regex = sample, error_type, error_regex


def make_arr(shape, dtype, *, low=None, high=None, seed=0, noncontig=False, exclude_zero=False):
    """Deterministic random values of a dtype (NumPy name) and shape."""
    # (crc32, not hash(): str hashes change from process to process, and samples must not)
    rng = np.random.default_rng(seed + zlib.crc32(repr((tuple(shape), dtype)).encode()) % 1000)
    if dtype == "bool":
        v = rng.integers(0, 2, size=shape).astype(bool)
    elif dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        lo = max(info.min, -9 if low is None else low)
        hi = min(info.max, 10 if high is None else high)
        v = rng.integers(lo, hi, size=shape, endpoint=False).astype(dtype)
        if exclude_zero:
            v[v == 0] = 1
    elif dtype.startswith("complex"):
        v = (rng.uniform(-5, 5, size=shape) + 1j * rng.uniform(-5, 5, size=shape)).astype(dtype)
    else:
        lo = -5.0 if low is None else low
        hi = 5.0 if high is None else high
        v = rng.uniform(lo, hi, size=shape).astype(dtype)
        if exclude_zero:
            v[np.abs(v) < 1e-3] = 1.0
    return Arr(v, noncontig=noncontig)


SHAPES_BINARY = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1, 4), (3, 1)), ((0, 3), (3,)),
                 ((4, 5), ())]


def binary_samples(dtype):
    """Broadcasting pairs, 0-d, empty, non-contiguous, and Python-scalar right operands."""
    for i, (sa, sb) in enumerate(SHAPES_BINARY):
        yield SampleInput(make_arr(sa, dtype, seed=i), make_arr(sb, dtype, seed=i + 50,
                                                                 exclude_zero=True))
    yield SampleInput(make_arr((3, 4), dtype, noncontig=True),
                      make_arr((3, 4), dtype, seed=7, noncontig=True, exclude_zero=True))
    if dtype != "bool":
        yield SampleInput(make_arr((2, 3), dtype), 2)
        yield SampleInput(make_arr((2, 3), dtype), 2.5)
    yield SampleInput(make_arr((2, 3), dtype), True)


def unary_samples(dtype):
    for i, s in enumerate([(), (5,), (2, 3), (0, 2), (2, 1, 3)]):
        yield SampleInput(make_arr(s, dtype, seed=i))
    yield SampleInput(make_arr((3, 4), dtype, noncontig=True))
