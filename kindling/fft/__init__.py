"""``torch.fft``: discrete Fourier transforms.

Each function is an aten op (``aten.fft_fft``, ``aten.fft_rfftn``...) that decomposes into
PyTorch's three transform ops ``_fft_c2c``, ``_fft_r2c`` and ``_fft_c2r`` (NumPy's pocketfft
kernels, PyTorch's derivatives and output strides); see ``kindling/_aten/fft.py``.  The ops are
defined at the first call.
"""
from __future__ import annotations

from .._aten._api import _hook, make_function
from .._dispatcher import operator as _opreg

# (PyTorch's ``__all__`` leaves out the 2-D and N-D Hermitian transforms, which it has)
__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
           "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]
_FUNCTIONS = __all__ + ["hfft2", "ihfft2", "hfftn", "ihfftn"]

_DOCS = {
    "fft": "The 1-D discrete Fourier transform of ``input`` along ``dim``.",
    "ifft": "The 1-D inverse discrete Fourier transform of ``input`` along ``dim``.",
    "fft2": "The 2-D discrete Fourier transform over ``dim`` (the last two by default).",
    "ifft2": "The 2-D inverse discrete Fourier transform over ``dim``.",
    "fftn": "The N-D discrete Fourier transform over ``dim`` (all dims by default).",
    "ifftn": "The N-D inverse discrete Fourier transform over ``dim``.",
    "rfft": "The 1-D transform of a real ``input``: the non-negative frequencies only.",
    "irfft": "The inverse of ``rfft``: a real signal of ``n`` points from a one-sided spectrum.",
    "rfft2": "The 2-D transform of a real ``input``, one-sided in the last dim.",
    "irfft2": "The inverse of ``rfft2``.",
    "rfftn": "The N-D transform of a real ``input``, one-sided in the last dim.",
    "irfftn": "The inverse of ``rfftn``.",
    "hfft": "The 1-D transform of a Hermitian-symmetric signal given by its one-sided half: real.",
    "ihfft": "The inverse of ``hfft``: the one-sided half of the inverse transform of a real "
             "``input``.",
    "hfft2": "The 2-D ``hfft``.",
    "ihfft2": "The 2-D ``ihfft``.",
    "hfftn": "The N-D ``hfft`` (Hermitian in the last dim).",
    "ihfftn": "The N-D ``ihfft``.",
    "fftshift": "Reorders a spectrum so that the zero frequency is in the middle of ``dim``.",
    "ifftshift": "The inverse of ``fftshift``.",
}


_MODULE = "kindling._C._fft"


def _overloads(name, with_out=True):
    def get():
        _opreg.ensure_defined("aten::_fft_c2c")
        from .._aten.fft import OPS
        return [OPS[name].op] + ([OPS[name + ".out"].op] if with_out else [])
    return get


def _api(name, with_out=True):
    # (named as PyTorch's bindings: ``torch.fft.fft.__name__`` is "fft_fft")
    f = make_function("fft_" + name, _overloads("fft_" + name, with_out))
    f.__module__ = _MODULE
    f._tf_name = f"torch.fft.{name}"
    f.__doc__ = _DOCS.get(name)
    return f


for _n in _FUNCTIONS:
    if _n not in ("fftfreq", "rfftfreq"):
        globals()[_n] = _api(_n, with_out=not _n.endswith("shift"))


def _freq_function(name, doc):
    from .._aten import factories as _f

    def freq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
        _opreg.ensure_defined("aten::_fft_c2c")
        from .._aten.fft import OPS
        if out is not None:
            _f.check_out("fft_" + name, out, dtype, layout, device)
            return _f.finish_out(OPS["fft_" + name + ".out"].op(n, d, out=out), requires_grad)
        kw = _f._factory_kwargs(dtype, layout, device, pin_memory)
        return _f._finish(OPS["fft_" + name].op(n, d, **kw), requires_grad)
    freq.__doc__ = doc
    freq.__module__ = _MODULE
    return _hook(freq, "fft_" + name, f"torch.fft.{name}")


fftfreq = _freq_function(
    "fftfreq", "The sample frequencies of an ``n``-point transform with spacing ``d``: "
               "``[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n)``.")
rfftfreq = _freq_function(
    "rfftfreq", "The sample frequencies of an ``n``-point ``rfft`` with spacing ``d``: "
                "``[0, 1, ..., n // 2] / (d * n)``.")
