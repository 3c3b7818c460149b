"""The registry of named logs, their requested levels, and the handlers put on them."""
from __future__ import annotations

import importlib.util
import logging
import os
import pkgutil
import re
import weakref

LOG_ENV_VAR = "TORCH_LOGS"
LOG_OUT_ENV_VAR = "TORCH_LOGS_OUT"
_INCR, _DECR = "+", "-"


class LogRegistry:
    """Log aliases (``autograd``) -> the logger names they set, plus child logs."""

    def __init__(self):
        self.log_alias_to_log_qnames = {}
        self.child_log_qnames = set()
        self.artifact_names = set()

    def is_artifact(self, name):
        return name in self.artifact_names

    def is_log(self, alias):
        return alias in self.log_alias_to_log_qnames

    def register_log(self, alias, log_qnames):
        if isinstance(log_qnames, str):
            log_qnames = [log_qnames]
        self.log_alias_to_log_qnames[alias] = log_qnames

    def register_child_log(self, log_qname):
        self.child_log_qnames.add(log_qname)

    def get_log_qnames(self):
        return {q for qnames in self.log_alias_to_log_qnames.values() for q in qnames}

    def get_child_log_qnames(self):
        return self.child_log_qnames


class LogState:
    """The levels a user asked for, by logger name."""

    def __init__(self):
        self.log_qname_to_level = {}
        self.artifact_names = set()

    def enable_log(self, log_qnames, log_level):
        if isinstance(log_qnames, str):
            log_qnames = [log_qnames]
        for qname in log_qnames:
            self.log_qname_to_level[qname] = log_level

    def enable_artifact(self, artifact_name):
        self.artifact_names.add(artifact_name)

    def is_artifact_enabled(self, name):
        return name in self.artifact_names

    def get_log_level_pairs(self):
        return self.log_qname_to_level.items()

    def clear(self):
        self.log_qname_to_level.clear()
        self.artifact_names.clear()


log_registry = LogRegistry()
log_state = LogState()

# ``all`` sets the top logger; ``autograd`` is kindling's only component log (PyTorch's
# torch.autograd). The other names PyTorch's set_logs takes belong to torch.compile,
# distributed and export, which kindling does not have.
log_registry.register_log("torch", "kindling")
log_registry.register_log("autograd", "kindling.autograd")


def _is_valid_module(qname):
    try:
        return importlib.util.find_spec(qname) is not None
    except (ImportError, ValueError):
        return False


def _has_registered_parent(log_qname):
    registered = log_registry.get_log_qnames()
    log = logging.getLogger(log_qname)
    while log.parent:
        if log.name in registered:
            return True
        log = log.parent
    return False


def _module_and_submodules(qname):
    """``qname`` and, for a package, the names of all its submodules."""
    spec = importlib.util.find_spec(qname)
    names = [qname]
    if spec is not None and spec.submodule_search_locations is not None:
        package = importlib.import_module(qname)
        for info in pkgutil.walk_packages(getattr(package, "__path__", []), qname + ".",
                                          onerror=lambda name: None):
            names.append(info.name)
    return names


def _enable_module(state, qname, level):
    for name in _module_and_submodules(qname):
        if not _has_registered_parent(name):
            log_registry.register_log(name, name)
        else:
            log_registry.register_child_log(name)
        state.enable_log(log_registry.log_alias_to_log_qnames.get(name, name), level)


def set_logs(*, all=None, autograd=None, modules=None, **others):
    """Set the level of kindling's named logs (``logging.DEBUG`` etc.); ``all`` sets every
    log, ``modules`` maps module names to levels. Logs not named return to WARNING; the
    ``TORCH_LOGS`` environment variable, when set, takes precedence (as in PyTorch)."""
    if LOG_ENV_VAR in os.environ:
        log = logging.getLogger(__name__)
        log.warning("Using TORCH_LOGS environment variable for log settings, ignoring call "
                    "to set_logs")
        return
    for name, value in others.items():
        if value is not None:
            raise NotImplementedError(
                f"torch._logging.set_logs({name}=...): kindling has no '{name}' log "
                "(torch.compile, distributed and export are out of scope)")
    log_state.clear()
    requested = [("torch", all), ("autograd", autograd), *(modules or {}).items()]
    for alias, value in requested:
        if value is None:
            continue
        if log_registry.is_log(alias) or alias in log_registry.child_log_qnames:
            if value not in logging._levelToName:
                raise ValueError(
                    f"Unrecognized log level for log {alias}: {value}, valid level values "
                    f"are: {','.join([str(k) for k in logging._levelToName])}")
            log_state.enable_log(log_registry.log_alias_to_log_qnames.get(alias, alias), value)
        elif _is_valid_module(alias):
            _enable_module(log_state, alias, value)
        else:
            raise ValueError(f"Unrecognized log or artifact name passed to set_logs: {alias}")
    _init_logs()


def _invalid_settings_err_msg(settings):
    valid = ", ".join(sorted(["all", *log_registry.log_alias_to_log_qnames]))
    return f"""
Invalid log settings: {settings}, must be a comma separated list of fully
qualified module names, registered log names or registered artifact names.
For more info on various settings, try TORCH_LOGS="help"
Valid settings:
{valid}
"""


def _parse_log_settings(settings):
    """A ``LogState`` from a ``TORCH_LOGS`` string such as ``"+autograd,kindling.nn"``
    (``+`` is DEBUG, ``-`` is ERROR, a bare name INFO)."""
    state = LogState()
    if settings == "":
        return state
    if re.fullmatch(r"((\+|-)?[\w\.]+,\s*)*(\+|-)?[\w\.]+?", settings) is None:
        raise ValueError(_invalid_settings_err_msg(settings))
    for item in re.sub(r"\s+", "", settings).split(","):
        level = {_INCR: logging.DEBUG, _DECR: logging.ERROR}.get(item[0], logging.INFO)
        name = item.replace(_INCR, "").replace(_DECR, "")
        if name == "all":
            name = "torch"
        if log_registry.is_log(name):
            state.enable_log(log_registry.log_alias_to_log_qnames[name], level)
        elif _is_valid_module(name):
            _enable_module(state, name, level)
        else:
            raise ValueError(_invalid_settings_err_msg(settings))
    return state


_handlers = weakref.WeakSet()  # the handlers this module made (users' are left alone)


class TorchLogsFormatter(logging.Formatter):
    """glog-style lines, as PyTorch prints them:
    ``V1123 06:27:34.997000 5958 kindling/autograd/graph.py:865] message``
    (V is DEBUG, then I, W, E, C; the path is relative to its ``sys.path`` entry)."""

    _LEVEL_ABBR = {"DEBUG": "V", "INFO": "I", "WARNING": "W", "ERROR": "E", "CRITICAL": "C"}

    def format(self, record):
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            text = text.rstrip("\n") + "\n" + record.exc_text
        if record.stack_info:
            text = text.rstrip("\n") + "\n" + self.formatStack(record.stack_info)
        level = self._LEVEL_ABBR.get(record.levelname, record.levelname)
        stamp = self.formatTime(record, "%m%d %H:%M:%S")
        prefix = (f"{level}{stamp}.{int(record.msecs * 1000):06d} {record.process} "
                  f"{_relative_path(record.pathname)}:{record.lineno}]")
        return "\n".join(f"{prefix} {line}" for line in text.split("\n"))


def _relative_path(path):
    """``path`` relative to the longest ``sys.path`` entry holding it (else unchanged)."""
    import sys
    best = None
    for entry in sys.path:
        entry = os.path.abspath(entry or ".")
        if path.startswith(entry + os.sep) and (best is None or len(entry) > len(best)):
            best = entry
    return path if best is None else os.path.relpath(path, best)


_FORMATTER = TorchLogsFormatter()


def _setup_handlers(create_handler, log):
    handler = create_handler()
    _handlers.add(handler)
    handler.setFormatter(_FORMATTER)
    handler.setLevel(logging.DEBUG)
    log.addHandler(handler)


def _clear_handlers(log):
    for handler in [h for h in log.handlers if h in _handlers]:
        log.removeHandler(handler)


def _reset_logs():
    for qname in log_registry.get_log_qnames():
        log = logging.getLogger(qname)
        log.setLevel(logging.WARNING)
        log.propagate = False
        _clear_handlers(log)
    for qname in log_registry.get_child_log_qnames():
        log = logging.getLogger(qname)
        log.setLevel(logging.NOTSET)
        log.propagate = True


def _get_log_state():
    return log_state


def _set_log_state(state):
    global log_state
    log_state = state


def _update_log_state_from_env():
    global log_state
    settings = os.environ.get(LOG_ENV_VAR)
    if settings is not None:
        log_state = _parse_log_settings(settings)


def _init_logs(log_file_name=None):
    """Apply the requested levels (``TORCH_LOGS`` first) and give every registered log a
    console handler (and a file handler with ``TORCH_LOGS_OUT``)."""
    _reset_logs()
    _update_log_state_from_env()
    log_file_name = os.environ.get(LOG_OUT_ENV_VAR, log_file_name)
    for qname in log_registry.get_log_qnames():
        if qname != "kindling":  # (the top logger keeps WARNING; the rest follow it)
            logging.getLogger(qname).setLevel(logging.NOTSET)
    for qname, level in log_state.get_log_level_pairs():
        logging.getLogger(qname).setLevel(level)
    for qname in log_registry.get_log_qnames():
        log = logging.getLogger(qname)
        _setup_handlers(logging.StreamHandler, log)
        if log_file_name is not None:
            _setup_handlers(lambda: logging.FileHandler(log_file_name), log)


def get_loggers():
    """The loggers of all registered logs."""
    return [logging.getLogger(q) for q in sorted(log_registry.get_log_qnames())]


class LazyString:
    """A string computed only when formatted (for log messages that cost to build)."""

    def __init__(self, func, *args, **kwargs):
        self.func, self.args, self.kwargs = func, args, kwargs

    def __str__(self):
        return self.func(*self.args, **self.kwargs)


_warned = set()


def warning_once(logger_obj, *args, **kwargs):
    """``logger_obj.warning(*args)`` the first time these arguments are seen."""
    key = (id(logger_obj), args)
    if key not in _warned:
        _warned.add(key)
        logger_obj.warning(*args, **kwargs)
