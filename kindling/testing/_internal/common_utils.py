"""``torch.testing._internal.common_utils``: the pieces of PyTorch's test utilities that test
files written for PyTorch import (``TestCase`` with its tensor-aware ``assertEqual``,
``parametrize``, ``run_tests``, skip decorators, the ``gradcheck`` wrappers).

Differences from PyTorch's module, on purpose: there is no CUDA, TorchDynamo, slow-test or
sharding machinery (the flags are ``False`` and the decorators that only matter there do
nothing); ``gradcheck``/``gradgradcheck`` default ``check_batched_grad`` to ``False`` because
batched checks need ``vmap``, which kindling does not build; ``assertExpected`` (expect files)
and ``runWithPytorchAPIUsageStderr`` skip the test that calls them.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import os
import random
import re
import sys
import unittest
import warnings
from collections.abc import Mapping, Sequence

import numpy as np

import kindling as torch

IS_WINDOWS = sys.platform == "win32"
IS_MACOS = sys.platform == "darwin"
IS_LINUX = sys.platform.startswith("linux")
IS_FBCODE = False
IS_SANDCASTLE = False
IS_CI = False
TEST_WITH_TORCHDYNAMO = False
TEST_WITH_TORCHINDUCTOR = False
TEST_WITH_CROSSREF = False
TEST_WITH_ROCM = False
TEST_WITH_ASAN = False
TEST_WITH_TSAN = False
TEST_WITH_UBSAN = False
TEST_WITH_SLOW = os.getenv("PYTORCH_TEST_WITH_SLOW", "0") == "1"
TEST_WITH_SLOW_GRADCHECK = os.getenv("PYTORCH_TEST_WITH_SLOW_GRADCHECK", "0") == "1"
TEST_CUDA = False
TEST_MPS = False
TEST_XPU = False
TEST_NUMPY = True
TEST_SCIPY = False
TEST_MKL = False
TEST_SKIP_FAST = False
SEED = 1234
GRADCHECK_NONDET_TOL = 1e-12

__all__ = [
    "TestCase", "run_tests", "parametrize", "instantiate_parametrized_tests", "subtest",
    "gradcheck", "gradgradcheck", "disable_gc", "set_warn_always_context", "freeze_rng_state",
    "skipIfTorchDynamo", "skipIfNoLapack", "skipIfSlowGradcheckEnv", "skipIfWindows",
    "skipIfXpu", "skipIfMPS", "skipIfRocm", "skipCUDANonDefaultStreamIf", "slowTest",
    "scoped_load_inline", "dtype_name",
]


def dtype_name(dtype):
    """``torch.int64`` -> ``"int64"``."""
    return str(dtype).split(".")[1]


# ---- decorators -------------------------------------------------------------------------

def _passthrough_or_factory(arg):
    """Support ``@dec`` and ``@dec("msg")`` for decorators that change nothing here."""
    if callable(arg) and not isinstance(arg, str):
        return arg
    return lambda fn: fn


def skipIfTorchDynamo(msg="test doesn't currently work with dynamo"):
    """TorchDynamo is never the test runner here, so nothing is skipped."""
    return _passthrough_or_factory(msg)


def skipIfSlowGradcheckEnv(fn):
    """Skip only when ``PYTORCH_TEST_WITH_SLOW_GRADCHECK=1``."""
    if TEST_WITH_SLOW_GRADCHECK:
        return unittest.skip("Tests that don't use gradcheck don't need to run on "
                             "slow_gradcheck CI")(fn)
    return fn


def skipIfNoLapack(fn):
    """kindling's linear algebra always exists (NumPy), so nothing is skipped."""
    return fn


def skipIfWindows(func=None, *, msg="test doesn't currently work on the Windows stack"):
    """Skip on Windows."""
    def dec(fn):
        return unittest.skipIf(IS_WINDOWS, msg)(fn)
    return dec(func) if func is not None else dec


def skipIfXpu(func=None, *, msg="test doesn't currently work on the XPU stack"):
    """No XPU here: nothing is skipped."""
    return func if func is not None else (lambda fn: fn)


def skipIfMPS(fn):
    """No MPS here: nothing is skipped."""
    return fn


def skipIfRocm(func=None, *, msg="test doesn't currently work on the ROCm stack"):
    """No ROCm here: nothing is skipped."""
    return func if func is not None else (lambda fn: fn)


def skipCUDANonDefaultStreamIf(condition):
    """CUDA streams do not exist here: nothing changes."""
    return lambda fn: fn


def slowTest(fn):
    """Skip unless ``PYTORCH_TEST_WITH_SLOW=1``, as PyTorch's runner does."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not TEST_WITH_SLOW:
            raise unittest.SkipTest("test is slow; run with PYTORCH_TEST_WITH_SLOW to enable test")
        return fn(*args, **kwargs)
    wrapper.__dict__["slow_test"] = True
    return wrapper


def scoped_load_inline(fn):
    """Tests built on C++ extensions (``load_inline``) cannot run on kindling."""
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        raise unittest.SkipTest("C++ extensions (torch.utils.cpp_extension.load_inline) are "
                                "not supported by kindling")
    return wrapper


# ---- parametrize ------------------------------------------------------------------------

class subtest:
    """One explicitly named value (or tuple of values) of a ``parametrize``."""

    def __init__(self, arg_values, name=None, decorators=None):
        self.arg_values = arg_values
        self.name = name
        self.decorators = decorators or []


def _value_name(value):
    if isinstance(value, torch.dtype):
        return dtype_name(value)
    if isinstance(value, torch.layout):
        return str(value).replace(".", "_")
    if isinstance(value, (bool, int, float, str)) or value is None:
        return str(value)
    name = getattr(value, "__name__", None)
    return name if name is not None else str(value)


class parametrize:
    """``@parametrize("x", [1, 2])`` (or ``"x,y"`` with tuples): one generated test per value,
    named ``<test>_<x>_<value>`` as PyTorch names them."""

    def __init__(self, arg_str, arg_values, name_fn=None):
        self.arg_names = [s.strip() for s in arg_str.split(",") if s.strip()]
        self.arg_values = list(arg_values)
        self.name_fn = name_fn

    def _cases(self):
        for value in self.arg_values:
            decorators = []
            explicit = None
            if isinstance(value, subtest):
                explicit, decorators, value = value.name, value.decorators, value.arg_values
            values = tuple(value) if len(self.arg_names) > 1 else (value,)
            kwargs = dict(zip(self.arg_names, values))
            if explicit is not None:
                suffix = explicit
            elif self.name_fn is not None:
                suffix = self.name_fn(*values)
            else:
                suffix = "_".join(f"{n}_{_value_name(v)}" for n, v in kwargs.items())
            yield suffix, kwargs, decorators

    def __call__(self, fn):
        outer = getattr(fn, "_kindling_parametrize", [])
        fn._kindling_parametrize = [self] + outer
        return fn


def _parametrized_variants(fn):
    """(suffix, kwargs, decorators) for every combination of a test's ``parametrize``s."""
    layers = getattr(fn, "_kindling_parametrize", None)
    if not layers:
        return None
    out = []
    for combo in itertools.product(*(list(p._cases()) for p in layers)):
        suffix = "_".join(c[0] for c in combo if c[0])
        kwargs = {}
        decs = []
        for _, kw, d in combo:
            kwargs.update(kw)
            decs.extend(d)
        out.append((suffix, kwargs, decs))
    return out


def _make_instance(test, kwargs, decorators, extra=None):
    @functools.wraps(test)
    def instantiated(self):
        return test(self, **kwargs, **(extra or {}))
    for dec in decorators:
        instantiated = dec(instantiated)
    return instantiated


def instantiate_parametrized_tests(generic_cls):
    """Replace every ``parametrize``d test of ``generic_cls`` by its named variants."""
    for attr in tuple(vars(generic_cls)):
        fn = vars(generic_cls)[attr]
        variants = _parametrized_variants(fn) if callable(fn) else None
        if variants is None:
            continue
        delattr(generic_cls, attr)
        for suffix, kwargs, decs in variants:
            name = f"{fn.__name__}_{suffix}" if suffix else fn.__name__
            if hasattr(generic_cls, name):
                raise AssertionError(f"Redefinition of test {name}")
            inst = _make_instance(fn, kwargs, decs)
            inst.__name__ = name
            setattr(generic_cls, name, inst)
    return generic_cls


# ---- context managers -------------------------------------------------------------------

@contextlib.contextmanager
def disable_gc():
    """Turn Python's cyclic garbage collector off inside the block."""
    if gc.isenabled():
        try:
            gc.disable()
            yield
        finally:
            gc.enable()
    else:
        yield


@contextlib.contextmanager
def set_warn_always_context(new_val: bool):
    """``torch.set_warn_always(new_val)`` inside the block, the old value after it."""
    old = torch.is_warn_always_enabled()
    torch.set_warn_always(new_val)
    try:
        yield
    finally:
        torch.set_warn_always(old)


@contextlib.contextmanager
def freeze_rng_state():
    """Restore kindling's and Python's RNG states when the block ends."""
    state = torch.get_rng_state()
    py_state = random.getstate()
    try:
        yield
    finally:
        torch.set_rng_state(state)
        random.setstate(py_state)


# ---- gradcheck wrappers ------------------------------------------------------------------

def _with_defaults(kwargs):
    defaults = {"check_batched_grad": False, "fast_mode": not TEST_WITH_SLOW_GRADCHECK}
    for key, value in defaults.items():
        if kwargs.get(key) is None:
            kwargs[key] = value
    return kwargs


def gradcheck(fn, inputs, **kwargs):
    """``torch.autograd.gradcheck`` with fast mode on by default (batched checks off: no
    ``vmap`` in kindling)."""
    return torch.autograd.gradcheck(fn, inputs, **_with_defaults(kwargs))


def gradgradcheck(fn, inputs, grad_outputs=None, **kwargs):
    """``torch.autograd.gradgradcheck`` with the same defaults as ``gradcheck`` here."""
    return torch.autograd.gradgradcheck(fn, inputs, grad_outputs, **_with_defaults(kwargs))


# ---- comparisons -------------------------------------------------------------------------

def _dtype_tolerances():
    return {
        torch.float16: (1e-3, 1e-5), torch.bfloat16: (1.6e-2, 1e-5),
        torch.float32: (1.3e-6, 1e-5), torch.float64: (1e-7, 1e-7),
        getattr(torch, "complex32", None): (1e-3, 1e-5), torch.complex64: (1.3e-6, 1e-5),
        torch.complex128: (1e-7, 1e-7),
    }


def _as_array(t):
    """A NumPy copy of a tensor's values (float types widened; conj/neg bits resolved)."""
    t = t.detach()
    if t.layout != torch.strided:
        t = t.to_dense()
    t = t.resolve_conj().resolve_neg()
    if t.is_complex():
        t = t.to(torch.complex128)
    elif t.is_floating_point():
        t = t.to(torch.float64)
    if getattr(type(t), "__torch_dispatch__", None) is not torch.Tensor.__torch_dispatch__:
        return _subclass_values(t)
    return np.asarray(t.cpu().numpy())


def _subclass_values(t):
    """The values of a ``__torch_dispatch__`` subclass (``.numpy()`` refuses those, as in
    PyTorch): read element by element through ``item()``, which the subclass dispatches."""
    if t.is_complex():
        np_dtype = np.complex128
    elif t.is_floating_point():
        np_dtype = np.float64
    elif t.dtype == torch.bool:
        np_dtype = np.bool_
    else:
        np_dtype = np.int64
    values = [e.item() for e in t.reshape(-1)]
    return np.array(values, dtype=np_dtype).reshape(tuple(t.shape))


def _is_number(x):
    return isinstance(x, (bool, int, float, complex)) or isinstance(x, np.number)


class TestCase(unittest.TestCase):
    """``unittest.TestCase`` whose ``assertEqual`` compares tensors, numbers and (nested)
    sequences of them with dtype-based tolerances, as PyTorch's does."""

    precision = 1e-5
    rel_tol = 0
    _do_cuda_memory_leak_check = False
    _do_cuda_non_default_stream = False

    def setUp(self):
        super().setUp()
        torch.manual_seed(SEED)
        random.seed(SEED)
        np.random.seed(SEED)

    # -- comparison core --
    def _compare(self, x, y, *, atol, rtol, equal_nan, exact_dtype, path):
        """None when equal, else a message."""
        if isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor):
            return self._compare_tensor_like(x, y, atol=atol, rtol=rtol, equal_nan=equal_nan,
                                             exact_dtype=exact_dtype, path=path)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            xa, ya = np.asarray(x), np.asarray(y)
            if xa.shape != ya.shape:
                return f"{path}shapes differ: {xa.shape} vs {ya.shape}"
            return self._compare_arrays(xa, ya, atol if atol is not None else 1e-7,
                                        rtol if rtol is not None else 1e-7, equal_nan, path)
        if _is_number(x) and _is_number(y):
            if isinstance(x, (bool, int)) and isinstance(y, (bool, int)):
                return None if x == y else f"{path}{x!r} != {y!r}"
            a = 1e-7 if atol is None else atol
            r = 1e-7 if rtol is None else rtol
            if x == y:
                return None
            if equal_nan and x != x and y != y:
                return None
            try:
                if abs(x - y) <= a + r * abs(y):
                    return None
            except OverflowError:
                pass
            return f"{path}{x!r} != {y!r}"
        if isinstance(x, str) or isinstance(y, str):
            return None if x == y else f"{path}{x!r} != {y!r}"
        if isinstance(x, Mapping) and isinstance(y, Mapping):
            if set(x) != set(y):
                return f"{path}keys differ: {sorted(map(str, x))} vs {sorted(map(str, y))}"
            for k in x:
                msg = self._compare(x[k], y[k], atol=atol, rtol=rtol, equal_nan=equal_nan,
                                    exact_dtype=exact_dtype, path=f"{path}[{k!r}] ")
                if msg:
                    return msg
            return None
        if isinstance(x, Sequence) and isinstance(y, Sequence):
            if len(x) != len(y):
                return f"{path}lengths differ: {len(x)} vs {len(y)}"
            for i, (a, b) in enumerate(zip(x, y)):
                msg = self._compare(a, b, atol=atol, rtol=rtol, equal_nan=equal_nan,
                                    exact_dtype=exact_dtype, path=f"{path}[{i}] ")
                if msg:
                    return msg
            return None
        return None if x == y else f"{path}{x!r} != {y!r}"

    def _compare_tensor_like(self, x, y, *, atol, rtol, equal_nan, exact_dtype, path):
        if x is None or y is None:
            return f"{path}{x!r} != {y!r}"
        tx, ty = isinstance(x, torch.Tensor), isinstance(y, torch.Tensor)
        dtypes = []
        if tx:
            dtypes.append(x.dtype)
        if ty:
            dtypes.append(y.dtype)
        if tx and ty:
            if exact_dtype and x.dtype != y.dtype:
                return f"{path}dtypes differ: {x.dtype} vs {y.dtype}"
            xa, ya = _as_array(x), _as_array(y)
            if xa.shape != ya.shape:
                return f"{path}shapes differ: {tuple(x.shape)} vs {tuple(y.shape)}"
        else:
            t, other = (x, y) if tx else (y, x)
            ta = _as_array(t)
            oa = np.asarray(other)
            if oa.dtype == object:
                return f"{path}cannot compare a tensor with {type(other).__name__}"
            if not _is_number(other) and oa.shape != ta.shape:
                return f"{path}shapes differ: {ta.shape} vs {oa.shape}"
            xa, ya = (ta, oa) if tx else (oa, ta)
        tol = _dtype_tolerances()
        r_def = max((tol.get(d, (0.0, 0.0))[0] for d in dtypes), default=0.0)
        a_def = max((tol.get(d, (0.0, 0.0))[1] for d in dtypes), default=0.0)
        return self._compare_arrays(xa, ya, a_def if atol is None else atol,
                                    r_def if rtol is None else rtol, equal_nan, path)

    @staticmethod
    def _compare_arrays(xa, ya, atol, rtol, equal_nan, path):
        try:
            xb, yb = np.broadcast_arrays(xa, ya)
        except ValueError:
            return f"{path}shapes differ: {xa.shape} vs {ya.shape}"
        if xb.size == 0:
            return None
        if xb.dtype == bool or yb.dtype == bool:
            ok = np.array_equal(xb.astype(bool), yb.astype(bool)) if xb.dtype == yb.dtype \
                else np.array_equal(xb, yb)
            return None if ok else f"{path}values differ:\n{xa}\nvs\n{ya}"
        with np.errstate(all="ignore"):
            close = np.isclose(xb, yb, rtol=rtol, atol=atol, equal_nan=equal_nan)
            # isclose is asymmetric in the infinities it accepts only when both are equal
        if close.all():
            return None
        bad = int((~close).sum())
        return (f"{path}Tensor-likes are not close!\n\nMismatched elements: {bad} / "
                f"{close.size}\n{xa}\nvs\n{ya}")

    def assertEqual(self, x, y, msg=None, *, atol=None, rtol=None, equal_nan=True,
                    exact_dtype=True, exact_device=False, exact_layout=False,
                    exact_stride=False, exact_is_coalesced=False):
        """Tensors, numbers and sequences compared with PyTorch's default tolerances."""
        if (atol is None) != (rtol is None):
            raise ValueError("If one of atol or rtol is specified, then the other must be too")
        failure = self._compare(x, y, atol=atol, rtol=rtol, equal_nan=equal_nan,
                                exact_dtype=exact_dtype, path="")
        if failure is not None:
            if callable(msg):
                msg = msg(failure)
            raise self.failureException(failure if msg is None else f"{failure}\n{msg}")

    def assertNotEqual(self, x, y, msg=None, *, atol=None, rtol=None, **kwargs):
        """The opposite of ``assertEqual``."""
        try:
            self.assertEqual(x, y, msg, atol=atol, rtol=rtol, **kwargs)
        except AssertionError:
            return
        raise self.failureException(msg or f"{x!r} == {y!r}")

    def assertEqualIgnoreType(self, *args, **kwargs):
        return self.assertEqual(*args, exact_dtype=False, **kwargs)

    def assertExpected(self, s, subname=None):
        raise unittest.SkipTest("assertExpected needs PyTorch's expect files, which are not "
                                "part of this run")

    def assertExpectedInline(self, actual, expect, skip=0):
        """``actual`` must equal the inline ``expect`` string."""
        self.assertMultiLineEqual(expect, actual)

    def assertExpectedRaisesInline(self, exc_type, callable, expect, *args, **kwargs):
        try:
            callable(*args, **kwargs)
        except exc_type as e:
            self.assertExpectedInline(str(e), expect)
            return
        self.fail(msg="Did not raise when expected to")

    def assertNotWarn(self, callable, msg=""):
        """``callable()`` emits no warning."""
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            with set_warn_always_context(True):
                callable()
            self.assertTrue(len(ws) == 0, msg)

    @contextlib.contextmanager
    def assertWarnsOnceRegex(self, category, regex=""):
        """The block warns (``category``, matching ``regex``) even with warn-once warnings."""
        pattern = re.compile(regex)
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            with set_warn_always_context(True):
                yield
        if not any(issubclass(w.category, category) and pattern.search(str(w.message))
                   for w in ws):
            self.fail(f"{category.__name__} not triggered for {regex!r}")

    def assertLeaksNoCudaTensors(self, name=None):
        return contextlib.nullcontext()

    def runWithPytorchAPIUsageStderr(self, code):
        raise unittest.SkipTest("PYTORCH_API_USAGE logging is not reproduced by kindling")

    def genSparseTensor(self, *args, **kwargs):
        raise unittest.SkipTest("sparse tensors are not supported by kindling")


def run_tests(argv=None):
    """Run the calling module's tests with unittest."""
    unittest.main(argv=argv if argv is not None else sys.argv)
