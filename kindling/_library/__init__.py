"""Internals of ``kindling.library``: argument normalisation, schema inference, ``custom_op``.

The public surface is ``kindling.library``; this package holds what it is built from, as
``torch._library`` does.
"""
