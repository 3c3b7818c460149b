"""Regressions for what running PyTorch's test/autograd/test_functional.py, test_complex.py
and test_logging.py against kindling found (tools/run_pytorch_suite.py): the test
``assertEqual`` on ``__torch_dispatch__`` subclasses (LoggingTensor), and ``torch._logging``
(``set_logs``, ``TORCH_LOGS``) with ``testing._internal.logging_utils``. Each is checked
against PyTorch."""
import logging
import os
import re
import subprocess
import sys
import unittest

import pytest

import kindling

torch = pytest.importorskip("torch")

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---- assertEqual on a wrapper subclass (LoggingTensor) ----------------------------------
def _assert_equal_outcomes(T):
    from importlib import import_module
    TestCase = import_module(T.__name__ + ".testing._internal.common_utils").TestCase
    LoggingTensor = import_module(T.__name__ + ".testing._internal.logging_tensor").LoggingTensor
    case = TestCase()
    base = T.tensor([[1.0, 2.0], [3.0, 4.0]])
    pairs = {
        "same": (LoggingTensor(base.clone()), base.clone()),
        "both_wrapped": (LoggingTensor(base.clone()), LoggingTensor(base.clone())),
        "differs": (LoggingTensor(base.clone()), base + 1),
        "within_tol": (LoggingTensor(base.double()), base.double() + 1e-12),
        "int": (LoggingTensor(T.arange(4)), T.arange(4)),
        "int_differs": (LoggingTensor(T.arange(4)), T.arange(1, 5)),
        "bool": (LoggingTensor(T.tensor([True, False])), T.tensor([True, False])),
        "complex": (LoggingTensor(T.tensor([1 + 2j])), T.tensor([1 + 2j])),
        "scalar_0d": (LoggingTensor(T.tensor(3.0)), 3.0),
        "scalar_0d_differs": (LoggingTensor(T.tensor(3.0)), 4.0),
        "shape_differs": (LoggingTensor(T.zeros(2, 2)), T.zeros(4)),
    }
    out = {}
    for name, (a, b) in pairs.items():
        try:
            case.assertEqual(a, b)
            out[name] = "equal"
        except AssertionError:
            out[name] = "differ"
        try:
            case.assertNotEqual(a, b)
            out[name + "/not"] = "differ"
        except AssertionError:
            out[name + "/not"] = "equal"
    return out


def test_assert_equal_on_dispatch_subclass():
    assert _assert_equal_outcomes(kindling) == _assert_equal_outcomes(torch)


# ---- torch._logging --------------------------------------------------------------------
def _library_loggers():
    return {name: log for name, log in logging.root.manager.loggerDict.items()
            if isinstance(log, logging.Logger) and name.split(".")[0] in ("torch", "kindling")}


@pytest.fixture
def restore_logs():
    """Put every logger of both libraries (and both logging registries and states) back."""
    import kindling._logging._internal as kint
    saved = {name: (log.level, log.propagate, list(log.handlers))
             for name, log in _library_loggers().items()}
    registries = [(mod, dict(mod.log_registry.log_alias_to_log_qnames),
                   set(mod.log_registry.child_log_qnames), mod._get_log_state())
                  for mod in (kint, torch._logging._internal)]
    yield
    for mod, aliases, children, state in registries:
        mod.log_registry.log_alias_to_log_qnames.clear()
        mod.log_registry.log_alias_to_log_qnames.update(aliases)
        mod.log_registry.child_log_qnames.clear()
        mod.log_registry.child_log_qnames.update(children)
        mod._set_log_state(state)
    for name, log in _library_loggers().items():
        level, propagate, handlers = saved.get(name, (logging.NOTSET, True, []))
        log.setLevel(level)
        log.propagate = propagate
        for h in list(log.handlers):
            log.removeHandler(h)
        for h in handlers:
            log.addHandler(h)


from test_autograd_logging import _Collect  # noqa: E402


def _backward(T):
    a = T.rand(10, requires_grad=True)
    b = a.mul(2).div(3).sum()
    c = b.clone()
    T.autograd.backward((b, c))


def _set_logs_records(T, **kwargs):
    import importlib
    importlib.import_module(T.__name__ + "._logging")
    T._logging.set_logs(**kwargs)
    log = logging.getLogger(T.__name__ + ".autograd")
    collect = _Collect()
    log.addHandler(collect)
    try:
        _backward(T)
    finally:
        log.removeHandler(collect)
    # (not the handler count: under pytest, PyTorch's loggers gather extra handlers)
    return collect.messages, log.level, log.propagate


@pytest.mark.parametrize("kwargs", [dict(autograd=logging.DEBUG), dict(all=logging.DEBUG),
                                    dict(autograd=logging.INFO), dict()])
def test_set_logs_autograd(restore_logs, kwargs):
    assert _set_logs_records(kindling, **kwargs) == _set_logs_records(torch, **kwargs)


def test_set_logs_resets_to_default(restore_logs):
    def run(T):
        import importlib
        importlib.import_module(T.__name__ + "._logging")
        T._logging.set_logs(autograd=logging.DEBUG)
        T._logging.set_logs()
        log = logging.getLogger(T.__name__ + ".autograd")
        top = logging.getLogger(T.__name__)
        return log.level, top.level, log.propagate, top.propagate
    assert run(kindling) == run(torch)


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None


def test_set_logs_errors(restore_logs):
    import kindling._logging
    for kwargs in [dict(autograd=7), dict(modules={"no_such_module_xyz": logging.DEBUG})]:
        got = _error(lambda: kindling._logging.set_logs(**kwargs))
        assert got is not None and got == _error(lambda: torch._logging.set_logs(**kwargs))


def test_set_logs_out_of_scope_log():
    import kindling._logging
    with pytest.raises(NotImplementedError, match="dynamo"):
        kindling._logging.set_logs(dynamo=logging.DEBUG)


def test_set_logs_module(restore_logs):
    def run(T):
        return _set_logs_records(T, modules={T.__name__ + ".autograd": logging.DEBUG})
    assert run(kindling) == run(torch)


def _torch_logs_run(lib, settings):
    code = (f"import {lib} as T\n"
            "a = T.rand(3, requires_grad=True)\n"
            "a.mul(2).sum().backward()\n")
    env = dict(os.environ, TORCH_LOGS=settings, PYTHONPATH=_REPO)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)
    lines = [re.sub(r" at 0x[0-9a-f]+", "", line.split("] ", 1)[-1])
             for line in proc.stderr.splitlines() if "Executing:" in line]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ValueError")]
    return proc.returncode, lines, errors


@pytest.mark.parametrize("settings", ["+autograd", "autograd", "+all", "-autograd"])
def test_torch_logs_env_at_import(settings):
    assert _torch_logs_run("kindling", settings) == _torch_logs_run("torch", settings)


def test_torch_logs_env_invalid():
    k_rc, _, k_err = _torch_logs_run("kindling", "+no_such_log_xyz")
    t_rc, _, t_err = _torch_logs_run("torch", "+no_such_log_xyz")
    assert k_rc == t_rc != 0
    assert k_err == t_err


# ---- testing._internal.logging_utils ---------------------------------------------------
def test_kwargs_to_settings():
    from kindling.testing._internal import logging_utils as k
    t = pytest.importorskip("torch.testing._internal.logging_utils")
    cases = [dict(autograd=logging.DEBUG), dict(autograd=logging.INFO, all=logging.ERROR),
             dict(graph=True), dict(modules={"a.b": logging.DEBUG})]
    for kwargs in cases:
        assert k.kwargs_to_settings(**kwargs) == t.kwargs_to_settings(**kwargs)
    assert _error(lambda: k.kwargs_to_settings(autograd=5)) == \
        _error(lambda: t.kwargs_to_settings(autograd=5))


def _logging_test_outcome(T):
    """PyTorch's test_logging scenario written as a LoggingTestCase of library ``T``."""
    import importlib
    lu = importlib.import_module(T.__name__ + ".testing._internal.logging_utils")
    seen = []

    class Case(lu.LoggingTestCase):
        @lu.make_logging_test(autograd=logging.DEBUG)
        def test_logging(self, records):
            _backward(T)
            seen.append([re.search(r"<(\w+)", r.getMessage()).group(1) for r in records])

    # (pytest's logging plugin puts its handlers on PyTorch's loggers too; the test case
    # counts handlers, so leave each library only its own; restore_logs puts them back)
    internal = importlib.import_module(T.__name__ + "._logging._internal")
    own = getattr(internal, "_is_torch_handler", None) or internal._handlers.__contains__
    for qname in internal.log_registry.get_log_qnames():
        log = logging.getLogger(qname)
        for h in [h for h in log.handlers if not own(h)]:
            log.removeHandler(h)
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(Case).run(result)
    return [str(e[1]).splitlines()[-1] for e in result.errors + result.failures], seen


def test_logging_test_case(restore_logs):
    assert _logging_test_outcome(kindling) == _logging_test_outcome(torch)
