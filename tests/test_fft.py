"""``torch.fft``, ``torch.stft`` and ``torch.istft`` against PyTorch: values, dtypes, shapes,
strides, errors and their messages, warnings, gradients (backward node names included),
forward-AD tangents, normalisation modes, ``out=``, meta tensors, and the aten ops a dispatch
mode sees."""
import numpy as np
import pytest

import kindling
from tests._parity import call_outcome, dispatch_log

torch = pytest.importorskip("torch")


def _data(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal(shape)
    if dtype.startswith("int"):
        a = np.round(a * 4)
    return a.astype(dtype)


def _t(T, shape, dtype="float64", seed=0, requires_grad=False, transpose=False):
    """The same data in both libraries (``transpose``: a non-contiguous view of it)."""
    a = _data(shape[::-1] if transpose else shape, dtype, seed)
    t = T.tensor(a.tolist(), dtype=getattr(T, dtype))
    if transpose:
        t = t.permute(*range(t.dim() - 1, -1, -1))
    return t.requires_grad_() if requires_grad else t


def _plain(T, r):
    if isinstance(r, T.Tensor):
        v = r.detach().resolve_conj()
        return ("T", str(r.dtype), tuple(r.shape), r.stride(), r.is_conj(),
                np.asarray(v.tolist(), dtype=complex))
    if isinstance(r, (tuple, list)):
        return tuple(_plain(T, x) for x in r)
    return r


def _same(a, b):
    if isinstance(a, tuple) and a and a[0] == "T":
        return isinstance(b, tuple) and a[:5] == b[:5] and a[5].shape == b[5].shape and \
            np.allclose(a[5], b[5], rtol=1e-5, atol=1e-6)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _check(case):
    k = call_outcome(lambda: case(kindling), lambda r: _plain(kindling, r))
    t = call_outcome(lambda: case(torch), lambda r: _plain(torch, r))
    assert k[0] == t[0], f"kindling: {k}\ntorch:    {t}"
    if k[0] == "raised":
        assert k == t
    else:
        assert _same(k[1], t[1]), f"kindling: {k[1]}\ntorch:    {t[1]}"
        assert _warnings(k[2]) == _warnings(t[2])


def _warnings(ws):
    """UserWarnings by text (PyTorch's C++ ones end with where they were raised)."""
    return [m.split(" (Triggered internally")[0] for c, m in ws if c == "UserWarning"]


ONE_DIM = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_DIM = ["fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2", "rfftn", "irfftn", "hfft2",
         "ihfft2", "hfftn", "ihfftn"]
REAL_ONLY = {"rfft", "ihfft", "rfft2", "ihfft2", "rfftn", "ihfftn"}

# ---- values, dtypes, shapes, strides (and conjugate bits) ----------------------------------------
VALUE_CASES = {}
for _name in ONE_DIM:
    for _dt in ("float32", "float64", "complex64", "complex128", "int64"):
        if _name in REAL_ONLY and _dt.startswith("complex"):
            continue
        for _kw in ({}, {"n": 5}, {"n": 12, "dim": 0}, {"dim": -2, "norm": "ortho"},
                    {"norm": "forward"}, {"norm": "backward", "n": 1}):
            VALUE_CASES[f"{_name}-{_dt}-{_kw}"] = (
                lambda T, n=_name, d=_dt, kw=_kw: getattr(T.fft, n)(_t(T, (6, 8), d), **kw))
        VALUE_CASES[f"{_name}-{_dt}-strided"] = (
            lambda T, n=_name, d=_dt: getattr(T.fft, n)(_t(T, (3, 4, 6), d, transpose=True), dim=1))
for _name in N_DIM:
    for _dt in ("float64", "complex128", "float32"):
        if _name in REAL_ONLY and _dt.startswith("complex"):
            continue
        for _kw in ({}, {"s": (4, 6)}, {"s": (-1, 9), "dim": (0, 2)}, {"dim": (2, 0)},
                    {"dim": 1}, {"norm": "ortho"}, {"norm": "forward", "s": (3, 3, 3)}):
            if _name.endswith("2") and "dim" in _kw and _kw["dim"] == 1:
                continue
            if _name.endswith("2") and len(_kw.get("s", ())) == 3:
                continue
            VALUE_CASES[f"{_name}-{_dt}-{_kw}"] = (
                lambda T, n=_name, d=_dt, kw=_kw: getattr(T.fft, n)(_t(T, (4, 5, 6), d), **kw))
        VALUE_CASES[f"{_name}-{_dt}-strided"] = (
            lambda T, n=_name, d=_dt: getattr(T.fft, n)(_t(T, (3, 4, 6), d, transpose=True)))
VALUE_CASES.update({
    "fftshift": lambda T: T.fft.fftshift(_t(T, (4, 5))),
    "fftshift-dim": lambda T: T.fft.fftshift(_t(T, (4, 5)), dim=-1),
    "fftshift-dims": lambda T: T.fft.ifftshift(_t(T, (4, 5, 3)), dim=(0, 2)),
    "ifftshift": lambda T: T.fft.ifftshift(_t(T, (4, 5), "complex128")),
    "fftfreq": lambda T: T.fft.fftfreq(7),
    "fftfreq-d": lambda T: T.fft.fftfreq(8, 0.3, dtype=T.float64),
    "fftfreq-0": lambda T: T.fft.fftfreq(0),
    "rfftfreq": lambda T: T.fft.rfftfreq(9, 2.5),
    "rfftfreq-even": lambda T: T.fft.rfftfreq(8, dtype=T.float64),
    "fftfreq-rg": lambda T: T.fft.fftfreq(5, requires_grad=True).requires_grad,
    "fftfreq-out": lambda T: T.fft.fftfreq(5, out=T.empty(0, dtype=T.float64)),
    "rfftfreq-out-resize": lambda T: T.fft.rfftfreq(5, out=T.empty(2)),
    "aten-c2c": lambda T: T.ops.aten._fft_c2c(_t(T, (3, 4, 5), "complex128"), [0, 2], 1, False),
    "aten-c2c-norm-5": lambda T: T.ops.aten._fft_c2c(_t(T, (3, 4), "complex128"), [1], 5, True),
    "aten-c2c-nodims": lambda T: T.ops.aten._fft_c2c(_t(T, (3, 4), "complex128"), [], 0, True),
    "aten-r2c": lambda T: T.ops.aten._fft_r2c(_t(T, (3, 4, 5), transpose=True), [2, 0], 2,
                                              True),
    "aten-r2c-full": lambda T: T.ops.aten._fft_r2c(_t(T, (3, 4, 5)), [1, 0], 0, False),
    "aten-c2r": lambda T: T.ops.aten._fft_c2r(_t(T, (3, 4, 5), "complex128"), [0, 2], 2, 8),
    **{f"aten-c2r-strided-{dims}": (lambda T, dims=dims, n=n: T.ops.aten._fft_c2r(
        _t(T, (3, 4, 5), "complex128", transpose=True), dims, 1, n))
       for dims, n in (([2, 1], 7), ([0, 1], 6), ([1], 6), ([2, 0], 5), ([0, 2], 8))},
})


@pytest.mark.parametrize("name", list(VALUE_CASES))
def test_values_match_torch(name):
    _check(VALUE_CASES[name])


# ---- errors ------------------------------------------------------------------------------------
ERROR_CASES = {
    "norm": lambda T: T.fft.fft(_t(T, (4,)), norm="bad"),
    "n0": lambda T: T.fft.fft(_t(T, (4,)), n=0),
    "n-3 c2r": lambda T: T.fft.irfft(_t(T, (4,), "complex128"), n=-3),
    "irfft size 1": lambda T: T.fft.irfft(_t(T, (3, 1), "complex128")),
    "dim": lambda T: T.fft.fft(_t(T, (4, 6)), dim=2),
    "0-d": lambda T: T.fft.fft(_t(T, ())),
    "rfft complex": lambda T: T.fft.rfft(_t(T, (4,), "complex64")),
    "ihfft complex": lambda T: T.fft.ihfft(_t(T, (4,), "complex64")),
    "rfftn complex": lambda T: T.fft.rfftn(_t(T, (4,), "complex64")),
    "ihfftn complex": lambda T: T.fft.ihfftn(_t(T, (4,), "complex64")),
    "half": lambda T: T.fft.fft(_t(T, (4,), "float16")),
    "bfloat16 c2r": lambda T: T.fft.irfft(_t(T, (4,)).to(T.bfloat16)),
    "unique dims": lambda T: T.fft.fftn(_t(T, (4, 6)), dim=(0, 0)),
    "s and dim": lambda T: T.fft.fftn(_t(T, (4, 6)), s=(2, 2), dim=(0,)),
    "s too long": lambda T: T.fft.fftn(_t(T, (4, 6)), s=(2, 2, 2)),
    "s zero": lambda T: T.fft.fftn(_t(T, (4, 6)), s=(0, 2)),
    "irfftn no dims": lambda T: T.fft.irfftn(_t(T, (4, 6), "complex128"), dim=()),
    "hfftn no dims": lambda T: T.fft.hfftn(_t(T, (4, 6), "complex128"), dim=()),
    "ihfftn no dims": lambda T: T.fft.ihfftn(_t(T, (4, 6)), dim=()),
    "rfftn no dims": lambda T: T.fft.rfftn(_t(T, (4, 6)), dim=()),
    "fft2 of 1-d": lambda T: T.fft.fft2(_t(T, (3,))),
    "fft2 of 0-d": lambda T: T.fft.fft2(_t(T, ())),
    "out dtype c2c": lambda T: T.fft.fft(_t(T, (4,), "complex64"), out=T.empty(0)),
    "out dtype r2c": lambda T: T.fft.rfft(_t(T, (4,)), out=T.empty(0)),
    "out dtype c2r": lambda T: T.fft.irfft(_t(T, (4,), "complex64"),
                                           out=T.empty(0, dtype=T.complex64)),
    "out dtype fftn": lambda T: T.fft.fft2(_t(T, (4, 4)), out=T.empty(0)),
    "out dtype hfftn": lambda T: T.fft.hfftn(_t(T, (4, 4), "complex128"),
                                             out=T.empty(0, dtype=T.complex128)),
    "fftfreq int": lambda T: T.fft.fftfreq(4, dtype=T.int64),
    "fftfreq negative": lambda T: T.fft.fftfreq(-1),
    "c2c of real": lambda T: T.ops.aten._fft_c2c(_t(T, (4,)), [0], 0, True),
    "r2c of complex": lambda T: T.ops.aten._fft_r2c(_t(T, (4,), "complex64"), [0], 0, True),
    "c2r of real": lambda T: T.ops.aten._fft_c2r(_t(T, (4,)), [0], 0, 4),
    "r2c no dims": lambda T: T.ops.aten._fft_r2c(_t(T, (4,)), [], 0, True),
    "fftshift dim": lambda T: T.fft.fftshift(_t(T, (4, 6)), dim=5),
    "bad n type": lambda T: T.fft.fft(_t(T, (4,)), n="a"),
    "not a tensor": lambda T: T.fft.fft(3),
}


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_match_torch(name):
    _check(ERROR_CASES[name])


# ---- out= --------------------------------------------------------------------------------------
OUT_CASES = {
    "fft": ("fft", (4, 6), "complex128", "complex128", {}),
    "fft real": ("fft", (4, 6), "float64", "complex128", {"n": 8}),
    "ifft real": ("ifft", (4, 6), "float64", "complex128", {}),
    "ihfft": ("ihfft", (4, 6), "float64", "complex128", {}),
    "hfft": ("hfft", (4, 6), "complex128", "float64", {}),
    "irfft into double": ("irfft", (4, 6), "complex64", "float64", {}),
    "rfftn": ("rfftn", (4, 6), "float64", "complex128", {}),
    "ihfftn": ("ihfftn", (4, 6), "float64", "complex128", {}),
    "hfftn": ("hfftn", (4, 6), "complex128", "float64", {}),
    "fft2": ("fft2", (4, 6), "float64", "complex128", {}),
    "irfft2": ("irfft2", (4, 6), "complex128", "float64", {"s": (4, 5)}),
}


@pytest.mark.parametrize("name", list(OUT_CASES))
@pytest.mark.parametrize("out_shape", [(0,), (24,), "right"])
def test_out_matches_torch(name, out_shape):
    fn, shape, dt, out_dt, kw = OUT_CASES[name]

    def case(T):
        x = _t(T, shape, dt)
        size = getattr(T.fft, fn)(x, **kw).shape if out_shape == "right" else out_shape
        out = T.empty(size, dtype=getattr(T, out_dt))
        r = getattr(T.fft, fn)(x, **kw, out=out)
        return r is out, r
    _check(case)


# ---- gradients and forward AD ------------------------------------------------------------------
GRAD_CASES = [(n, dt, kw) for n in ONE_DIM for dt in ("float64", "complex128")
              for kw in ({}, {"n": 5, "norm": "ortho"}, {"n": 9, "dim": 0, "norm": "forward"})
              if not (n in REAL_ONLY and dt == "complex128")] + \
             [(n, dt, kw) for n in N_DIM for dt in ("float64", "complex128")
              for kw in ({}, {"s": (3, 7), "dim": (2, 0), "norm": "ortho"})
              if not (n in REAL_ONLY and dt == "complex128")]


def _grads(T, name, dt, kw, create_graph=False):
    x = _t(T, (4, 5, 6), dt, requires_grad=True)
    y = getattr(T.fft, name)(x, **kw)
    gy = _t(T, tuple(y.shape), str(y.dtype).split(".")[1], seed=7)
    node = type(y.grad_fn).__name__
    (g,) = T.autograd.grad(y, x, gy, create_graph=create_graph)
    if not create_graph:
        return node, g
    if not g.requires_grad:
        return node, g, None
    (gg,) = T.autograd.grad(g, x, _t(T, tuple(g.shape), str(g.dtype).split(".")[1], seed=9),
                            allow_unused=True)
    return node, g, gg


@pytest.mark.parametrize("name, dt, kw", GRAD_CASES, ids=[f"{n}-{d}-{k}" for n, d, k in GRAD_CASES])
def test_gradients_match_torch(name, dt, kw):
    _check(lambda T: _grads(T, name, dt, kw))


@pytest.mark.parametrize("op, dt", [("_fft_c2c", "complex128"), ("_fft_r2c", "float64"),
                                    ("_fft_c2r", "complex128")])
def test_backward_node_names(op, dt):
    args = {"_fft_c2c": ([1], 0, True), "_fft_r2c": ([1], 0, True), "_fft_c2r": ([1], 2, 10)}
    names = []
    for T in (kindling, torch):
        x = _t(T, (3, 6), dt, requires_grad=True)
        names.append(getattr(T.ops.aten, op)(x, *args[op]).grad_fn.name())
    assert names[0] == names[1] == {"_fft_c2c": "FftC2CBackward0", "_fft_r2c": "FftR2CBackward0",
                                    "_fft_c2r": "FftC2RBackward0"}[op]


@pytest.mark.parametrize("name, dt", [("fft", "float64"), ("irfft", "complex128"),
                                      ("hfftn", "complex128"), ("ihfft2", "float64"),
                                      ("ifftn", "complex128")])
def test_double_backward_matches_torch(name, dt):
    _check(lambda T: _grads(T, name, dt, {"norm": "ortho"}, create_graph=True))


@pytest.mark.parametrize("name, dt", [("fft", "float64"), ("rfft", "float64"),
                                      ("irfftn", "complex128"), ("hfft", "complex128"),
                                      ("ihfftn", "float64")])
def test_forward_ad_matches_torch(name, dt):
    def case(T):
        fwAD = T.autograd.forward_ad
        with fwAD.dual_level():
            x = fwAD.make_dual(_t(T, (4, 6), dt), _t(T, (4, 6), dt, seed=3))
            return fwAD.unpack_dual(getattr(T.fft, name)(x, norm="forward")).tangent
    _check(case)


# ---- meta tensors --------------------------------------------------------------------------------
@pytest.mark.parametrize("op, dt, args", [
    ("_fft_c2c", "complex64", ([0, 2], 0, True)), ("_fft_r2c", "float32", ([2, 0], 1, True)),
    ("_fft_r2c", "float64", ([1], 0, False)), ("_fft_c2r", "complex128", ([0, 1], 2, 9))])
def test_meta_matches_cpu_and_torch(op, dt, args):
    def case(T, device):
        x = T.empty((3, 4, 5), dtype=getattr(T, dt), device=device).transpose(0, 1)
        r = getattr(T.ops.aten, op)(x, *args)
        return str(r.dtype), tuple(r.shape), r.stride(), r.device.type
    assert case(kindling, "meta") == case(torch, "meta")
    assert case(kindling, "meta")[:3] == case(kindling, "cpu")[:3]


# ---- the ops a dispatch mode sees --------------------------------------------------------------
LOG_CASES = {
    "fft real": lambda T: T.fft.fft(_t(T, (4, 6))),
    "ifft real ortho": lambda T: T.fft.ifft(_t(T, (4, 6)), norm="ortho"),
    "rfft sliced": lambda T: T.fft.rfft(_t(T, (4, 6)), n=4),
    "irfft": lambda T: T.fft.irfft(_t(T, (4, 6), "complex128")),
    "hfft": lambda T: T.fft.hfft(_t(T, (4, 6), "complex128"), n=7),
    "ihfft": lambda T: T.fft.ihfft(_t(T, (4, 6))),
    "fft2 int": lambda T: T.fft.fft2(_t(T, (4, 6), "int64")),
    "hfftn": lambda T: T.fft.hfftn(_t(T, (4, 6), "complex128")),
    "ihfftn": lambda T: T.fft.ihfftn(_t(T, (4, 6))),
    "fftshift": lambda T: T.fft.fftshift(_t(T, (4, 6))),
    "fftfreq": lambda T: T.fft.fftfreq(5, 0.5),
    "fft out": lambda T: T.fft.fft(_t(T, (4, 6), "complex128"),
                                   out=T.empty(0, dtype=T.complex128)),
    "ihfft out": lambda T: T.fft.ihfft(_t(T, (4, 6)), out=T.empty(0, dtype=T.complex128)),
    "ihfftn out": lambda T: T.fft.ihfftn(_t(T, (4, 6)), out=T.empty(0, dtype=T.complex128)),
    "rfft backward": lambda T: T.fft.rfft(_t(T, (4, 6), requires_grad=True)).abs().sum()
    .backward(),
    "irfft backward": lambda T: T.fft.irfft(_t(T, (4, 6), "complex128", requires_grad=True),
                                            n=7).sum().backward(),
    "ihfft backward": lambda T: T.fft.ihfft(_t(T, (4, 6), requires_grad=True)).abs().sum()
    .backward(),
    "stft no center": lambda T: T.stft(_t(T, (2, 40)), 8, hop_length=3, window=_t(T, (8,), seed=2),
                                       center=False, normalized=True, return_complex=True),
    "stft short window": lambda T: T.stft(_t(T, (40,)), 8, win_length=6, center=False,
                                          window=_t(T, (6,), seed=2), return_complex=True),
    "istft": lambda T: T.istft(_t(T, (5, 21), "complex128"), 8, window=_t(T, (8,), seed=2) + 3),
}


@pytest.mark.parametrize("name", list(LOG_CASES))
def test_dispatch_mode_sees_torchs_ops(name):
    logs = []
    for T in (kindling, torch):
        log, mode = dispatch_log(T)
        with mode:
            LOG_CASES[name](T)
        logs.append([op for op in log if "randn" not in op and not op.startswith("aten.lift")])
    assert logs[0] == logs[1]


# ---- stft / istft ------------------------------------------------------------------------------
def _window(T, n=8):
    return T.tensor((0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).tolist(),
                    dtype=T.float64)


STFT_CASES = {
    "center": lambda T: T.stft(_t(T, (40,)), 8, window=_window(T), return_complex=True),
    "center constant": lambda T: T.stft(_t(T, (2, 40)), 8, window=_window(T), pad_mode="constant",
                                        return_complex=True),
    "center circular": lambda T: T.stft(_t(T, (40,)), 8, window=_window(T), pad_mode="circular",
                                        return_complex=True),
    "center replicate": lambda T: T.stft(_t(T, (40,)), 8, window=_window(T),
                                         pad_mode="replicate", return_complex=True),
    "method": lambda T: _t(T, (40,)).stft(8, hop_length=5, window=_window(T), center=False,
                                          onesided=False, return_complex=True),
    "complex input": lambda T: T.stft(_t(T, (40,), "complex128"), 8, window=_window(T)),
    "complex window": lambda T: T.stft(_t(T, (40,)), 8, window=_window(T).to(T.complex128),
                                       center=False),
    "float32": lambda T: T.stft(_t(T, (40,), "float32"), 8, window=_window(T).float(),
                                return_complex=True, normalized=True),
    "align": lambda T: T.stft(_t(T, (40,)), 8, win_length=5, window=_window(T, 5),
                              center=False, return_complex=True, align_to_window=True),
    "real output": lambda T: T.stft(_t(T, (40,)), 8, window=_window(T), return_complex=False),
    "no return_complex": lambda T: T.stft(_t(T, (40,)), 8, window=_window(T)),
    "align with center": lambda T: T.stft(_t(T, (40,)), 8, window=_window(T),
                                          return_complex=True, align_to_window=True),
    "int": lambda T: T.stft(_t(T, (40,), "int64"), 8, window=_window(T), center=False,
                            return_complex=True),
    "3-d": lambda T: T.stft(_t(T, (2, 2, 40)), 8, window=_window(T), center=False,
                            return_complex=True),
    "n_fft too big": lambda T: T.stft(_t(T, (40,)), 50, center=False, return_complex=True),
    "hop 0": lambda T: T.stft(_t(T, (40,)), 8, hop_length=0, center=False, return_complex=True),
    "win too long": lambda T: T.stft(_t(T, (40,)), 8, win_length=9, center=False,
                                     return_complex=True),
    "window size": lambda T: T.stft(_t(T, (40,)), 8, window=_window(T, 5), center=False,
                                    return_complex=True),
    "onesided complex": lambda T: T.stft(_t(T, (40,), "complex128"), 8, onesided=True,
                                         center=False, return_complex=True),
    "half": lambda T: T.stft(_t(T, (40,), "float16"), 8, window=_window(T).half(),
                             center=False, return_complex=True),
    "reflect too short": lambda T: T.stft(_t(T, (3,)), 8, window=_window(T),
                                          return_complex=True),
}


def _S(T, **kw):
    return T.stft(_t(T, (40,)), 8, window=_window(T), return_complex=True, **kw)


ISTFT_CASES = {
    "basic": lambda T: T.istft(_S(T), 8, window=_window(T)),
    "method": lambda T: _S(T).istft(8, window=_window(T), length=45),
    "length short": lambda T: T.istft(_S(T), 8, window=_window(T), length=20),
    "two-sided": lambda T: T.istft(_S(T, onesided=False), 8, window=_window(T), onesided=False),
    "complex result": lambda T: T.istft(_S(T, onesided=False), 8, window=_window(T),
                                        onesided=False, return_complex=True),
    "batched no center": lambda T: T.istft(
        T.stft(_t(T, (3, 40)), 8, hop_length=4, window=_window(T), center=False,
               return_complex=True), 8, hop_length=4, window=_window(T), center=False),
    "short window": lambda T: T.istft(_t(T, (5, 12), "complex128"), 8, win_length=6,
                                      window=_window(T, 6) + 1),
    "real input": lambda T: T.istft(T.view_as_real(_S(T)), 8, window=_window(T)),
    "4-d": lambda T: T.istft(_S(T)[None, None], 8, window=_window(T)),
    "1-d": lambda T: T.istft(_S(T)[0], 8, window=_window(T)),
    "empty": lambda T: T.istft(_S(T)[:, :0], 8, window=_window(T)),
    "n_fft mismatch": lambda T: T.istft(_S(T), 10, window=_window(T, 10)),
    "two-sided mismatch": lambda T: T.istft(_S(T), 10, window=_window(T, 10), onesided=False),
    "win too long": lambda T: T.istft(_S(T), 8, win_length=9),
    "hop 0": lambda T: T.istft(_S(T), 8, hop_length=0, window=_window(T)),
    "window size": lambda T: T.istft(_S(T), 8, window=_window(T, 5)),
    "nola": lambda T: T.istft(_S(T), 8, window=T.zeros(8, dtype=T.float64)),
    "complex window": lambda T: T.istft(_S(T), 8, window=_window(T).to(T.complex128)),
    "onesided complex result": lambda T: T.istft(_S(T), 8, window=_window(T),
                                                 return_complex=True),
}


@pytest.mark.parametrize("name", list(STFT_CASES))
def test_stft_matches_torch(name):
    _check(STFT_CASES[name])


@pytest.mark.parametrize("name", list(ISTFT_CASES))
def test_istft_matches_torch(name):
    _check(ISTFT_CASES[name])


@pytest.mark.parametrize("center", [False, True])
def test_stft_istft_gradients_match_torch(center):
    def case(T):
        x = _t(T, (2, 40), requires_grad=True)
        w = (_window(T) + 0.5).requires_grad_()
        s = T.stft(x, 8, hop_length=2, window=w, center=center, return_complex=True)
        y = T.istft(s * (1 + 1j), 8, hop_length=2, window=w, center=center)
        return type(s.grad_fn).__name__, T.autograd.grad(y, [x, w], _t(T, tuple(y.shape), seed=5))
    _check(case)


@pytest.mark.parametrize("name", ["rfft", "fftfreq", "stft", "Tensor.stft", "istft", "fftshift"])
def test_function_mode_sees_the_call_alone(name):
    """A TorchFunctionMode sees the function (PyTorch's binding name), not what it runs."""
    calls = {
        "rfft": lambda T, x: T.fft.rfft(x), "fftfreq": lambda T, x: T.fft.fftfreq(4),
        "stft": lambda T, x: T.stft(x, 8, window=T.ones(8, dtype=T.float64),
                                    return_complex=True),
        "Tensor.stft": lambda T, x: x.stft(8, window=T.ones(8, dtype=T.float64), center=False,
                                           return_complex=True),
        "istft": lambda T, x: T.istft(x.to(T.complex128).view(8, 5), 8, center=False,
                                      window=T.ones(8, dtype=T.float64), onesided=False),
        "fftshift": lambda T, x: T.fft.fftshift(x)}
    seen = []
    for T in (kindling, torch):
        log = []
        x = _t(T, (40,))

        class Mode(T.overrides.TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                log.append(getattr(func, "__name__", str(func)))
                return func(*args, **(kwargs or {}))
        with Mode():
            calls[name](T, x)
        seen.append(log)
    assert seen[0] == seen[1]


def test_function_metadata():
    for name in ("fft", "rfftn", "fftfreq", "fftshift", "hfft2"):
        f, g = getattr(kindling.fft, name), getattr(torch.fft, name)
        assert (f.__name__, f.__module__) == (g.__name__, g.__module__.replace("torch", "kindling"))
        assert f.__doc__
    assert kindling.fft.__all__ == [n for n in torch.fft.__all__ if n != "Tensor"]
    public = {n for n in dir(torch.fft) if not n.startswith("_") and "args" not in n}
    assert public - {"Tensor", "torch"} <= set(dir(kindling.fft))
