"""The fake-impl context (``torch.library.get_ctx``)."""
from __future__ import annotations

import contextlib


def get_none():
    return None


global_ctx_getter = get_none


@contextlib.contextmanager
def set_ctx_getter(ctx_getter):
    global global_ctx_getter
    prev = global_ctx_getter
    try:
        global_ctx_getter = ctx_getter
        yield
    finally:
        global_ctx_getter = prev
