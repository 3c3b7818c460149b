"""On complex inputs too, the ops a dispatch mode sees are PyTorch's: same ops, overloads, order.

For every differentiable op of tests/test_complex_autograd.py's database and each of its
complex128 samples, ``autograd.grad`` of the op's outputs (complex output gradients) and a
forward-AD program (complex tangents for every input requiring grad) run under a recording
TorchDispatchMode in kindling and in PyTorch (tests/_mode_log_sweep.py with its complex
suite), and the op-name sequences are compared.  Complex numbers bring ops a float64 sweep
never sees: conjugate views (``_conj``) and their materialisation (``clone``) wherever C++
evaluates a ``.conj()``, ``view_as_real``/``select`` for ``at::real``/``at::imag``.
"""
import warnings

import pytest

pytest.importorskip("torch")

import _mode_log_sweep as sweep  # noqa: E402

# (triangular_solve: PyTorch's tangent formula is wrong for transpose=True and for a tangent
# off A's triangle; kindling computes the right one - as in the float64 sweep)
KNOWN_FW = {"aten.triangular_solve.default"}
SUITE = sweep.COMPLEX
NAMES = [i.name for i in SUITE.db]
_BY_NAME = {i.name: i for i in SUITE.db}


def _sweep_one(name, which):
    info = _BY_NAME[name]
    compared = differ = 0
    first = None
    for i, s in enumerate(SUITE.samples(info)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = sweep.compare(info, s, which, SUITE)
        if r is None:
            continue
        compared += 1
        if r[0] != r[1]:
            differ += 1
            first = first or (i, r)
    return compared, differ, first


@pytest.mark.parametrize("name", NAMES)
def test_complex_backward_ops_are_pytorchs(name):
    compared, differ, first = _sweep_one(name, "bw")
    if not compared:
        pytest.skip("no complex sample PyTorch differentiates")
    assert differ == 0, first


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=[pytest.mark.xfail(strict=True, reason="PyTorch's tangent is wrong")]
                 if n in KNOWN_FW else [])
    for n in NAMES if n not in sweep.TORCH_CRASHES_FW])
def test_complex_forward_ad_ops_are_pytorchs(name):
    compared, differ, first = _sweep_one(name, "fw")
    if not compared:
        pytest.skip("no complex sample PyTorch runs under forward AD")
    assert differ == 0, first
