"""``torch._dispatch``: the Python dispatcher (see ``python.py``)."""
