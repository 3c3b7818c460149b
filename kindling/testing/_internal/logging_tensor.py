"""``torch.testing._internal.logging_tensor``: log every op a tensor (or a mode) sees.

``LoggingTensor`` wraps a tensor and records each op at the dispatcher's Python key as
``$2: f32[1] = torch._ops.aten.mul.Tensor($0, $1)``; ``capture_logs()`` collects the lines.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import traceback
import weakref

import kindling as torch
from kindling.overrides import enable_reentrant_dispatch
from kindling.utils._dtype_abbrs import dtype_abbrs as _dtype_abbrs
from kindling.utils._mode_utils import no_dispatch  # noqa: F401  (re-exported, as in PyTorch)
from kindling.utils._python_dispatch import TorchDispatchMode
from kindling.utils._pytree import tree_map

logger = logging.getLogger("LoggingTensor")


class _LogRecord(logging.LogRecord):
    """Records carry ``(args, kwargs, result)`` as their args, which ``msg % args`` cannot
    format; other handlers (pytest's capture, say) get the message with the args appended."""

    def getMessage(self):
        try:
            return super().getMessage()
        except TypeError:
            return f"{self.msg} {self.args!r}"


def _make_record(name, level, fn, lno, msg, args, exc_info, func=None, extra=None,
                 sinfo=None):
    rv = _LogRecord(name, level, fn, lno, msg, args, exc_info, func, sinfo)
    if extra is not None:
        for key in extra:
            rv.__dict__[key] = extra[key]
    return rv


logger.makeRecord = _make_record


class LoggingTensor(torch.Tensor):
    """A wrapper subclass that runs every op on ``elem`` and logs it."""

    elem: torch.Tensor

    __slots__ = ["elem"]

    context = contextlib.nullcontext

    @staticmethod
    def __new__(cls, elem, *args, **kwargs):
        # The wrapper holds no memory of its own but advertises elem's metadata.
        r = torch.Tensor._make_wrapper_subclass(
            cls, elem.size(), strides=elem.stride(), storage_offset=elem.storage_offset(),
            dtype=elem.dtype, layout=elem.layout, device=elem.device,
            requires_grad=kwargs.get("requires_grad", False))
        r.elem = elem.detach() if r.requires_grad else elem
        return r

    def __repr__(self):
        return super().__repr__(tensor_contents=f"{self.elem}")

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        def unwrap(e):
            return e.elem if isinstance(e, cls) else e

        def wrap(e):
            return cls(e) if isinstance(e, torch.Tensor) else e

        with cls.context():
            rs = tree_map(wrap, func(*tree_map(unwrap, args), **tree_map(unwrap, kwargs)))
        logging.getLogger("LoggingTensor").info(f"{func.__module__}.{func.__name__}", args,
                                                kwargs, rs)
        return rs


class LoggingTensorMode(TorchDispatchMode):
    """Log every op (on any tensor) while the mode is active."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        rs = func(*args, **kwargs)
        logging.getLogger("LoggingTensor").info(f"{func.__module__}.{func.__name__}", args,
                                                kwargs, rs)
        return rs


class LoggingTensorReentrant(LoggingTensor):
    """A LoggingTensor whose inner ops run with the outer TLS (autograd records them)."""

    context = enable_reentrant_dispatch


class _ShortIds:
    """Tensor -> small int, in first-seen order, without keeping tensors alive (tensors compare
    elementwise, so identity is tracked by id plus a weak reference)."""

    def __init__(self):
        self._ids = {}
        self.next_id = 0

    def get(self, t):
        entry = self._ids.get(id(t))
        if entry is not None and entry[0]() is t:
            return entry[1]
        key = id(t)
        ids = self._ids

        def forget(_ref, key=key):
            cur = ids.get(key)
            if cur is not None and cur[0] is _ref:
                del ids[key]
        n = self.next_id
        ids[key] = (weakref.ref(t, forget), n)
        self.next_id += 1
        return n


class LoggingTensorHandler(logging.Handler):
    """Formats each record as one ``$<id>: <type> = <op>(<args>)`` line."""

    def __init__(self, log_list, use_shortid_for_all_tensors, with_type, tracebacks_list):
        logging.Handler.__init__(self)
        self.log_list = log_list
        self.use_shortid_for_all_tensors = use_shortid_for_all_tensors
        self.tracebacks_list = tracebacks_list
        self.memo = _ShortIds()
        self.with_type = with_type

    def _shortid(self, t):
        return self.memo.get(t)

    def _fmt(self, a, with_type=False):
        cond_cls = torch.Tensor if self.use_shortid_for_all_tensors else LoggingTensor
        if isinstance(a, cond_cls):
            maybe_type = ""
            if with_type and self.with_type:
                maybe_type = f": {_dtype_abbrs[a.dtype]}[{', '.join(map(str, a.shape))}]"
            return f"${self._shortid(a)}{maybe_type}"
        return repr(a)

    def emit(self, record):
        fmt_args = ", ".join(itertools.chain(
            (str(tree_map(self._fmt, a)) for a in record.args[0]),
            (f"{k}={str(tree_map(self._fmt, v))}" for k, v in record.args[1].items())))
        fmt_rets = tree_map(functools.partial(self._fmt, with_type=True), record.args[2])
        self.log_list.append(f"{fmt_rets} = {record.msg}({fmt_args})")
        if self.tracebacks_list is not None:
            self.tracebacks_list.append(getattr(record, "traceback", None))


def log_input(name, var):
    """Log ``var`` as an input named ``name`` (``$0: f32[1] = input('x')``)."""
    logger.info("input", (name,), {}, var)


class GatherTraceback(logging.Filter):
    def __init__(self, python=True, script=True, cpp=False):
        self.python = python
        self.script = script
        self.cpp = cpp

    def filter(self, record):
        record.traceback = traceback.format_stack() if self.python else []
        return True


@contextlib.contextmanager
def capture_logs(is_mode=False, python_tb=False, script_tb=False, cpp_tb=False):
    """Collect the log lines of the block; ``is_mode=True`` gives every tensor a short id."""
    collect_traceback = python_tb or script_tb or cpp_tb
    log_list = []
    tracebacks_list = []
    handler = LoggingTensorHandler(log_list, with_type=True,
                                   use_shortid_for_all_tensors=is_mode,
                                   tracebacks_list=tracebacks_list if collect_traceback else None)
    logger.addHandler(handler)
    old_level, old_propagate = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False
    flt = None
    if collect_traceback:
        flt = GatherTraceback(python=python_tb, script=script_tb, cpp=cpp_tb)
        logger.addFilter(flt)
    try:
        if collect_traceback:
            yield log_list, tracebacks_list
        else:
            yield log_list
    finally:
        logger.removeHandler(handler)
        # PyTorch leaves the logger at INFO and non-propagating; restoring both keeps records
        # logged outside ``capture_logs`` away from other handlers (pytest's among them).
        logger.setLevel(old_level)
        logger.propagate = old_propagate
        if flt is not None:
            logger.removeFilter(flt)


@contextlib.contextmanager
def capture_logs_with_logging_tensor_mode(python_tb=False, script_tb=False, cpp_tb=False):
    with LoggingTensorMode(), capture_logs(True, python_tb, script_tb, cpp_tb) as logs:
        yield logs
