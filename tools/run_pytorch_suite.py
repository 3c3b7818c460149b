"""Run a PyTorch test file (that you supply; none ships with kindling) against kindling.

    PYTHONPATH=. python tools/run_pytorch_suite.py /path/to/pytorch/test/test_autograd.py [pytest args]

``import torch`` (and every ``torch.*`` submodule) resolves to kindling's module of the same
path, module-level imports kindling does not provide get stand-ins that skip the tests using
them, and tests outside kindling's scope (CUDA and other accelerators, TorchScript,
torch.compile, vmap/functorch, sparse and nested tensors, C++ extensions, distributed) are
reported as skipped with the reason. The same hooks work as a pytest plugin
(``-p run_pytorch_suite`` with this folder on ``sys.path``).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import re
import sys
import types


class _TorchAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``torch[.x.y]`` -> the already-importable ``kindling[.x.y]`` module object."""

    def find_spec(self, name, path=None, target=None):
        if name != "torch" and not name.startswith("torch."):
            return None
        real = "kindling" + name[len("torch"):]
        try:
            if importlib.util.find_spec(real) is None:
                return None
        except ModuleNotFoundError:
            return None
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):
        module = importlib.import_module("kindling" + spec.name[len("torch"):])
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module):
        # the import system just set ``module.__spec__`` to this alias's spec; give the
        # kindling module its own back (relative imports inside it compare the two)
        real = module.__spec__.loader_state
        if real is not None:
            module.__spec__ = real


def register_shadowed_submodules():
    """Register ``torch.a.b`` for every loaded ``kindling.a.b`` whose name the package
    ``kindling.a`` binds to something else (``kindling.autograd.gradcheck`` is the function,
    as in PyTorch). Loading such a module through the alias would make the import system
    rebind the package attribute to the module; a ready ``sys.modules`` entry avoids that."""
    for name, mod in list(sys.modules.items()):
        if mod is None or not name.startswith("kindling."):
            continue
        parent_name, _, child = name.rpartition(".")
        parent = sys.modules.get(parent_name)
        if parent is not None and getattr(parent, child, mod) is not mod:
            sys.modules.setdefault("torch" + name[len("kindling"):], mod)


def install_alias():
    """Make ``import torch...`` import kindling (idempotent)."""
    if not any(isinstance(f, _TorchAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, _TorchAlias())
    import kindling
    sys.modules.setdefault("torch", kindling)
    register_shadowed_submodules()


def _stub(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    return mod


def install_stubs():
    """Stand-ins for modules a PyTorch test file imports at module level that kindling does
    not have; using them skips the test."""
    import unittest

    def _unavailable(what):
        class _Unavailable:
            def __init__(self, *a, **k):
                raise unittest.SkipTest(f"{what} is not available in kindling")
        _Unavailable.__name__ = what.rsplit(".", 1)[-1]
        return _Unavailable

    try:
        importlib.import_module("torch.utils.flop_counter")
    except ModuleNotFoundError:
        _stub("torch.utils.flop_counter",
              FlopCounterMode=_unavailable("torch.utils.flop_counter.FlopCounterMode"))
    # newer test files tag their classes with a hardware classification that 2.13's
    # test utilities do not have yet (only a label; nothing reads it on CPU)
    common_utils = importlib.import_module("torch.testing._internal.common_utils")
    if not hasattr(common_utils, "HardwareClassification"):
        import enum
        common_utils.HardwareClassification = enum.Enum(
            "HardwareClassification", {"GENERIC": "generic", "ACCELERATOR": "accelerator"})
    # test_autograd.py re-exports the test classes of its sibling files test/autograd/*.py;
    # run those files separately (they are not the file under test).
    for sub in ("test_complex", "test_functional", "test_logging"):
        name = f"autograd.{sub}"
        if name not in sys.modules:
            try:
                importlib.import_module(name)
            except ImportError:
                if "autograd" not in sys.modules:
                    _stub("autograd", __path__=[])
                _stub(name, TestAutogradComplex=None, TestAutogradFunctional=None,
                      TestAutogradLogging=None)


# Tests outside kindling's scope, by test name (regex, searched) -> reason.
OUT_OF_SCOPE = {
    r"sparse|to_sparse|_coo|_csr|_csc|_bsr|_bsc|sparse_mask": "sparse tensors (out of scope)",
    r"nested_tensor|_nt_|njt|jagged": "nested tensors (out of scope)",
    r"mkldnn": "MKL-DNN tensors (out of scope)",
    r"cuda|gpu|device_thread|cross_device|multidevice|stream|accelerator":
        "CUDA / accelerator devices (out of scope)",
    r"jit|script|fork_join|traced": "TorchScript / torch.jit (out of scope)",
    r"compile|dynamo": "torch.compile / dynamo (out of scope)",
    r"functorch|ForwardModeBatchedGrad": "vmap / batched gradients (out of scope)",
    r"dataparallel|DataParallel|unused_output_device|backward_device":
        "DataParallel / multiple devices (out of scope)",
    r"load_inline|cpp_extension": "C++ extensions (out of scope)",
    r"thread_shutdown|pynode_destruction_deadlock": "subprocess of the real torch runtime",
}

# Individual tests that exercise an out-of-scope feature though their names do not say so.
OUT_OF_SCOPE_TESTS = {
    "test_gradcheck_check_batched_grad": "batched gradcheck needs vmap (out of scope)",
    "test_gradcheck_forward_ad_batched_grad": "batched gradcheck needs vmap (out of scope)",
    "test_autograd_multiple_dispatch_registrations": "nested tensors (out of scope)",
    "test_autograd_composite_implicit_and_dispatch_registration":
        "nested tensors (out of scope)",
    "test_per_dispatch_key_input_saving": "nested tensors (out of scope)",
    "test_calculate_shape_util": "nested tensors (out of scope)",
    "test_grad_fn_input_metadata": "nested tensors (out of scope)",
    "test_view_func_replay": "nested tensors (out of scope)",
    "test_flops_and_mem": "CUDA (out of scope)",
    "test_accumulate_grad_tensor_reference": "sparse gradients (out of scope)",
    "test_gradcheck_backward_mul_by_grad_output": "sparse inputs (out of scope)",
    "test_gradcheck_test_outputs": "sparse and MKL-DNN outputs (out of scope)",
    "test_gradcheck_validates_inputs": "sparse inputs (out of scope)",
    "test_graph_save_on_cpu": "sparse tensors (out of scope)",
    "test_set_data_tensorimpl_type": "sparse tensors (out of scope)",
    "test_input_buffer_accum": "sparse gradients (gather sparse_grad=True, out of scope)",
    "test_gradcheck_forward_ad_respects_requires_grad":
        "batched forward gradcheck needs vmap (out of scope)",
    "test_gradcheck_forward_ad_runs_with_no_requires_grad":
        "batched forward gradcheck needs vmap (out of scope)",
    "test_gradcheck_check_forward_or_backward_only":
        "batched gradcheck needs vmap (out of scope)",
    "test_profiler_propagation": "TorchScript (torch.jit.trace, out of scope)",
    "test_named_tensor_for_complex_views": "named tensors (out of scope)",
}


# Tests of a PyTorch test file newer than 2.13 that fail on PyTorch 2.13 itself (kindling
# follows 2.13): checked by running the same file against the installed torch 2.13.
FAILS_ON_TORCH_2_13 = {
    "test_autograd_views_codegen": "expects the newer 'UnbindBackward0' wording",
    "test_autograd_multiple_views_python": "expects the newer '...Backward' wording",
    "test_autograd_simple_views_python": "expects newer wording and pure-view Functions",
    "test_grad_empty_inputs": "2.13 raises RuntimeError, the test expects ValueError",
    "test_naughty_anomaly_access": "expectedFailure that 2.13 passes",
    "test_naughty_autograd_function_attribute_access": "newer Function instance checks",
    "test_naughty_autograd_function_stashing_ctx": "newer freed-ctx check",
    "test_not_implemented_grad": "2.13 has nextafter's derivative",
    "test_function_with_more_than_one_output": "newer selective-checkpoint recompute policy",
    "test_policy_with_state": "newer selective-checkpoint recompute policy",
    # test/autograd/test_complex.py: backward() of a complex sum, which 2.13 refuses
    "test_view_func_for_complex_views": "2.13 refuses backward() of a complex scalar",
}


def skip_reason(nodeid):
    """Why ``nodeid`` is outside kindling's scope, or None."""
    name = nodeid.split("::")[-1]
    cls = nodeid.split("::")[-2] if nodeid.count("::") >= 2 else ""
    # (device-generic tests are named <test>_cpu[_<dtype>] in their <Class>CPU class)
    base = re.sub(r"_cpu(_\w+)?$", "", name) if cls.endswith("CPU") else name
    if base in OUT_OF_SCOPE_TESTS:
        return OUT_OF_SCOPE_TESTS[base]
    if base in FAILS_ON_TORCH_2_13:
        return f"fails on PyTorch 2.13 too: {FAILS_ON_TORCH_2_13[base]}"
    for pattern, reason in OUT_OF_SCOPE.items():
        if re.search(pattern, name, re.IGNORECASE) or re.search(pattern, cls):
            return reason
    return None


def pytest_collection_modifyitems(config, items):
    import pytest
    for item in items:
        reason = skip_reason(item.nodeid)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


TEST_TIMEOUT_S = int(os.environ.get("KINDLING_SUITE_TIMEOUT", "120"))


def _pytest_runtest_call(item):
    """Fail a test that runs longer than ``KINDLING_SUITE_TIMEOUT`` seconds (SIGALRM)."""
    import signal

    def _raise(signum, frame):
        raise TimeoutError(f"test exceeded {TEST_TIMEOUT_S}s (KINDLING_SUITE_TIMEOUT)")

    if not hasattr(signal, "SIGALRM") or TEST_TIMEOUT_S <= 0:
        yield
        return
    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(TEST_TIMEOUT_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _hookwrapper(fn):
    import pytest
    return pytest.hookimpl(hookwrapper=True)(fn)


try:
    pytest_runtest_call = _hookwrapper(_pytest_runtest_call)
except ImportError:  # pytest absent: the module is still importable for its helpers
    pass


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    install_alias()
    install_stubs()
    import pytest
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    target = os.path.abspath(argv[0])
    sys.path.insert(0, os.path.dirname(target))
    return pytest.main([target, "-p", "run_pytorch_suite", "-p", "no:cacheprovider",
                        "--rootdir", os.path.dirname(target), *argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
