"""``torch.testing._internal.logging_utils``: test cases that set ``torch._logging`` logs
(through ``TORCH_LOGS`` and through ``set_logs``) and collect the records they emit."""
from __future__ import annotations

import contextlib
import io
import logging
import os
import unittest.mock

import kindling as torch
import kindling._logging
import kindling._logging._internal as _internal
from kindling._logging._internal import LazyString
from kindling.testing._internal.common_utils import TestCase


@contextlib.contextmanager
def preserve_log_state():
    """Run the block on a fresh ``LogState``; restore the previous one (and the loggers)."""
    prev_state = _internal._get_log_state()
    _internal._set_log_state(_internal.LogState())
    try:
        yield
    finally:
        _internal._set_log_state(prev_state)
        _internal._init_logs()


def log_settings(settings):
    """An exit stack with ``TORCH_LOGS=settings`` applied."""
    stack = contextlib.ExitStack()
    patch = unittest.mock.patch.dict(os.environ, {"TORCH_LOGS": settings})
    stack.enter_context(preserve_log_state())
    stack.enter_context(patch)
    _internal._init_logs()
    return stack


def log_api(**kwargs):
    """An exit stack with ``torch._logging.set_logs(**kwargs)`` applied."""
    stack = contextlib.ExitStack()
    stack.enter_context(preserve_log_state())
    torch._logging.set_logs(**kwargs)
    return stack


def kwargs_to_settings(**kwargs):
    """The ``TORCH_LOGS`` string for ``set_logs`` keyword arguments."""
    prefix_for_level = {logging.DEBUG: "+", logging.INFO: "", logging.ERROR: "-"}
    settings = []

    def add(name, level):
        if not (isinstance(name, str) and isinstance(level, int)
                and level in prefix_for_level):
            raise ValueError("Invalid value for setting")
        settings.append(prefix_for_level[level] + name)

    for name, value in kwargs.items():
        if isinstance(value, bool):
            settings.append(name)
        elif isinstance(value, int):
            add(name, value)
        elif isinstance(value, dict) and name == "modules":
            for module_name, level in value.items():
                add(module_name, level)
        else:
            raise ValueError("Invalid value for setting")
    return ",".join(settings)


def make_logging_test(**kwargs):
    """Decorate ``test(self, records)``: it runs once with ``TORCH_LOGS`` set from
    ``kwargs`` and once with ``set_logs(**kwargs)``, getting the emitted records each time."""
    def wrapper(fn):
        def test_fn(self):
            records = []
            if not kwargs:
                with self._handler_watcher(records):
                    fn(self, records)
            else:
                with log_settings(kwargs_to_settings(**kwargs)), \
                        self._handler_watcher(records):
                    fn(self, records)
            records.clear()
            with log_api(**kwargs), self._handler_watcher(records):
                fn(self, records)
        test_fn.__name__ = fn.__name__
        test_fn.__qualname__ = fn.__qualname__
        return test_fn
    return wrapper


def make_settings_test(settings):
    """Decorate ``test(self, records)`` to run with ``TORCH_LOGS=settings``."""
    def wrapper(fn):
        def test_fn(self):
            records = []
            with log_settings(settings), self._handler_watcher(records):
                fn(self, records)
        test_fn.__name__ = fn.__name__
        test_fn.__qualname__ = fn.__qualname__
        return test_fn
    return wrapper


class LoggingTestCase(TestCase):
    """A ``TestCase`` whose tests see the records the registered logs' handlers emit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._exit_stack = contextlib.ExitStack()
        cls._exit_stack.enter_context(unittest.mock.patch.dict(os.environ, {"___LOG_TESTING": ""}))

    @classmethod
    def tearDownClass(cls):
        cls._exit_stack.close()
        _internal.log_state.clear()
        _internal._init_logs()
        super().tearDownClass()

    def hasRecord(self, records, m):
        return any(m in r.getMessage() for r in records)

    def getRecord(self, records, m):
        found = None
        for r in records:
            if m in r.getMessage():
                self.assertIsNone(
                    found, msg=LazyString(
                        lambda: f"multiple matching records: {found} and {r} among {records}"))
                found = r
        if found is None:
            self.fail(f"did not find record with {m} among {records}")
        return found

    def _handler_watcher(self, record_list):
        """Patch ``emit`` of every handler on the registered logs to also collect records."""
        stack = contextlib.ExitStack()
        for qname in _internal.log_registry.get_log_qnames():
            logger = logging.getLogger(qname)
            count = len(logger.handlers)
            self.assertLessEqual(
                count, 2,
                "All pt2 loggers should only have at most two handlers (debug artifacts and "
                "messages above debug level).")
            self.assertGreater(count, 0, "All pt2 loggers should have more than zero handlers")
            for handler in logger.handlers:
                def new_emit(record, old_emit=handler.emit):
                    old_emit(record)
                    record_list.append(record)
                stack.enter_context(unittest.mock.patch.object(handler, "emit", new_emit))
        return stack


def logs_to_string(module, log_option):
    """``(StringIO, context manager)``: within the context, the log ``module`` set by
    ``TORCH_LOGS=log_option`` writes into the StringIO."""
    log_stream = io.StringIO()
    handler = logging.StreamHandler(stream=log_stream)

    @contextlib.contextmanager
    def redirect():
        logger = logging.getLogger(module)
        try:
            logger.addHandler(handler)
            yield
        finally:
            logger.removeHandler(handler)

    def ctx_manager():
        stack = log_settings(log_option)
        stack.enter_context(redirect())
        return stack

    return log_stream, ctx_manager
