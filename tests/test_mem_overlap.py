"""TensorIterator's memory-overlap checks (ATen's MemoryOverlap.cpp), against PyTorch: an
in-place or ``out=`` pointwise op, or ``copy_``, refuses an output that writes one memory
location twice (an expanded tensor) or an input that partly overlaps the output, before it
computes anything; a full overlap (``x.add_(x)``) is fine, and ``fill_``, ``zero_`` and
``masked_fill_`` (a deprecation warning) accept an expanded output."""
import warnings

import numpy as np
import pytest

import kindling
from kindling._aten._defop import _ALL_OPS

torch = pytest.importorskip("torch")


def _outcome(T, code):
    """What running ``code`` (with ``x``, its result) does: the values it leaves in ``x`` or
    the error it raises, and the warnings it gives."""
    env = {"T": T}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(code, env)
            result = ("ok", env["x"].tolist())
        except Exception as e:  # noqa: BLE001  (the error is what is compared)
            result = (type(e).__name__, str(e).split(" (Triggered internally")[0])
    return result, [str(w.message).split(" (Triggered internally")[0] for w in caught]


CASES = [
    # partial overlap: an input partly over the output
    "x = T.arange(3.); x[0:2].add_(x[1:3])",
    "x = T.arange(4.); x[:2].mul_(x[1:3])",
    "x = T.arange(4.); x[:2].add_(x[1:3], alpha=2)",
    "x = T.arange(6.); x[:3].addcmul_(x[1:4], x[:3])",
    "x = T.arange(6.); x[:3].lerp_(x[1:4], 0.5)",
    "x = T.arange(4.); x[:2].clamp_(min=x[1:3])",
    "x = T.arange(4.); T.add(x[:2], x[1:3], out=x[2:4])",
    "x = T.arange(4.); T.exp(x[:2], out=x[1:3])",
    "x = T.arange(4.); x[:2].copy_(x[1:3])",
    "x = T.arange(4.); x.view(2, 2).t().copy_(x.view(2, 2))",  # (same memory, other strides)
    "x = T.arange(8.).view(2, 4); x[:, :2].add_(x[:, 1:3])",   # (non-contiguous views)
    # internal overlap: an expanded output
    "x = T.zeros(3); x.expand(3, 3).add_(1)",
    "x = T.zeros(3); x.expand(3, 3).exp_()",
    "x = T.zeros(3); x.expand(3, 3).copy_(T.ones(3, 3))",
    "x = T.zeros(3); T.add(T.ones(3, 3), 1, out=x.expand(3, 3))",
    # fine: a full overlap, no overlap, or an op that skips the checks
    "x = T.arange(4.); x.add_(x)",
    "x = T.arange(4.); x.copy_(x)",
    "x = T.arange(4.); x[:2].copy_(x[:2])",
    "x = T.arange(4.); x[:2].mul_(x[2:4])",
    "x = T.arange(4.); x.view(2, 2).add_(x.view(2, 2))",
    "x = T.arange(4.); x[:2].mul_(2)",
    "x = T.zeros(3); x.expand(3, 3).fill_(1)",
    "x = T.zeros(3); x.expand(3, 3).zero_()",
    "x = T.zeros(0); x.add_(x[:0])",
    # masked_fill_: an expanded self is deprecated, a mask over it refused, after its checks
    "x = T.zeros(3); x.expand(3, 3).masked_fill_(T.ones(3, 3, dtype=T.bool), 1)",
    "x = T.zeros(3, 1); x.expand(3, 3).masked_fill_(T.ones(3, 3, dtype=T.bool), T.tensor(2.))",
    "x = T.zeros(3); x.expand(3, 3).masked_fill_(T.ones(3, 3, dtype=T.bool), T.ones(2))",
    "x = T.zeros(3); x.expand(3, 3).masked_fill_(T.ones(3, 3), 1)",
    "x = T.zeros(4, dtype=T.bool); x[:2].masked_fill_(x[1:3], True)",
]


def _assert_same(code):
    """Both raise the same error and warn alike, or leave the same values (to float32's
    rounding: atan2(x, x) may differ by an ulp)."""
    (got, got_w), (want, want_w) = _outcome(kindling, code), _outcome(torch, code)
    assert got[0] == want[0] and got_w == want_w
    if got[0] == "ok":
        np.testing.assert_allclose(np.asarray(got[1], float), np.asarray(want[1], float),
                                   rtol=1e-6)
    else:
        assert got[1] == want[1]


@pytest.mark.parametrize("code", CASES)
def test_overlap_cases_match_pytorch(code):
    _assert_same(code)


def _inplace_methods():
    """The in-place methods of kindling's pointwise (TensorIterator) ops that PyTorch's
    Tensor has too."""
    names = set()
    for name, d in _ALL_OPS.items():
        fn = getattr(d, "functional", None)
        method = name.split(".")[0]
        if fn is not None and getattr(fn, "iterator", False) and method.endswith("_") and \
                not method.startswith("__") and hasattr(torch.Tensor, method) and \
                hasattr(kindling.Tensor, method):
            names.add(method)
    return sorted(names)


def _call_form(method):
    """The first of ``x.m_()``, ``x.m_(y)``, in float32 then int64, that PyTorch runs on
    tensors that do not overlap, or None."""
    for dtype in ("float32", "int64"):
        for nargs in (0, 1):
            x = torch.arange(1, 5, dtype=getattr(torch, dtype)) / (4 if dtype == "float32"
                                                                   else 1)
            try:
                getattr(x[:2], method)(*([x[2:4]] if nargs else []))
            except Exception:  # noqa: BLE001  (another form, or none)
                continue
            return dtype, nargs
    return None


@pytest.mark.parametrize("method", _inplace_methods())
def test_every_inplace_pointwise_method_checks_overlaps_as_pytorch(method):
    form = _call_form(method)
    if form is None:
        pytest.skip(f"{method} takes other arguments")
    dtype, nargs = form
    div = "/ 4" if dtype == "float32" else ""
    make = f"x = T.arange(1, 5, dtype=T.{dtype}) {div}; "
    internal = make + f"x[:1].expand(3).{method}({'x[1:4]' if nargs else ''})"
    _assert_same(internal)
    if nargs:
        _assert_same(make + f"x[:2].{method}(x[1:3])")  # (partial)
        _assert_same(make + f"x.{method}(x)")  # (full)


def test_a_failed_check_changes_nothing():
    x = kindling.arange(4.)
    before = x.clone()
    v = x._version
    with pytest.raises(RuntimeError, match="some elements of the input tensor"):
        x[:2].add_(x[1:3])
    assert kindling.equal(x, before) and x._version == v


def test_in_place_updates_of_separate_tensors_are_not_refused():
    # (the in-place fronts' quick test lets plain, non-overlapping float tensors through)
    rng = np.random.default_rng(0)
    p0, g0 = rng.standard_normal((2, 5, 3)).astype(np.float32)
    out = []
    for T in (kindling, torch):
        p, g = T.from_numpy(p0.copy()), T.from_numpy(g0.copy())
        p.add_(g, alpha=-0.1)
        p.mul_(0.9)
        p.addcmul_(g, g, value=0.5)
        p[1:].sub_(g[:-1])  # (views of two tensors: no overlap)
        out.append(p.numpy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6)


def test_ldexp_checks_only_self_against_the_output():
    # (PyTorch computes it as mul(self, pow(2, other)): ``other`` is a temporary's input)
    for code in ("x = T.arange(1., 5.); x[:2].ldexp_(x[1:3])",
                 "x = T.arange(1., 5.); T.ldexp(x[1:3], x[:2], out=x[:2])",
                 "x = T.arange(1., 5.); T.ldexp(x[:2], x[2:], out=x[1:3])"):
        _assert_same(code)
