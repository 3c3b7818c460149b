"""Complex-to-real copies (``to``, ``copy_``, ``type``): the values PyTorch gives, and its one
UserWarning per process (TORCH_WARN_ONCE in Copy.cpp), attributed to the user's line, with no
NumPy ComplexWarning beside it."""
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("torch")

SCRIPT = textwrap.dedent("""
    import importlib, sys, warnings
    T = importlib.import_module(sys.argv[1])
    x = T.tensor([1 + 2j, 3 - 1j])
    calls = [lambda: x.to(T.float32), lambda: x.double(), lambda: T.zeros(2).copy_(x),
             lambda: x.type(T.float64), lambda: x.to(T.int64),
             lambda: T.zeros(2, dtype=T.int32).copy_(x), lambda: x.conj().to(T.float32)]
    for f in calls:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = f()
        print(r.tolist(), str(r.dtype).split(".")[-1],
              [(c.category.__name__, str(c.message).split(" (Triggered")[0],
                c.filename == "<string>") for c in w])
""")


def _run(lib):
    out = subprocess.run([sys.executable, "-c", SCRIPT, lib], capture_output=True, text=True,
                         check=True)
    return out.stdout.splitlines()


def test_complex_to_real_copies_match_pytorch():
    k, t = _run("kindling"), _run("torch")
    assert k == t
    assert "UserWarning" in k[0] and all("Warning" not in line for line in k[1:])
