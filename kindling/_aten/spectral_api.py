"""``torch.stft`` and ``torch.istft`` (and their Tensor methods): ``torch.functional.stft``'s
Python wrapper (the ``center`` padding, then ``aten::stft``) and the ``aten::istft`` binding.
The ops are defined at the first call (``_aten/fft.py``, a family of ``_aten/_lazy.py``)."""
from __future__ import annotations

from .._dispatcher import operator as _opreg
from ._api import function, make_function, method


def _ops():
    _opreg.ensure_defined("aten::stft")
    from .fft import OPS
    return OPS


@function("stft")
def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
         align_to_window=None):
    """The short-time Fourier transform: ``n_fft``-point transforms of windowed frames
    ``hop_length`` apart (the signal padded by ``n_fft // 2`` at both ends when ``center``)."""
    ops = _ops()
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if center:
        from .fft import center_pad
        input = center_pad(input, n_fft, pad_mode)
    return ops["stft"].op(input, n_fft, hop_length, win_length, window, normalized, onesided,
                          return_complex, align_to_window)


istft = function("istft")(make_function("istft", lambda: [_ops()["istft"].op]))
istft.__doc__ = "The inverse of ``stft``: the signal from its frames by overlap-add."


@method("stft")
def stft_method(self, n_fft, hop_length=None, win_length=None, window=None, center=True,
                 pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
                 align_to_window=None):
    """See ``torch.stft``."""
    return stft(self, n_fft, hop_length=hop_length, win_length=win_length, window=window,
                center=center, pad_mode=pad_mode, normalized=normalized, onesided=onesided,
                return_complex=return_complex, align_to_window=align_to_window)


@method("istft")
def istft_method(self, n_fft, hop_length=None, win_length=None, window=None, center=True,
                  normalized=False, onesided=None, length=None, return_complex=False):
    """See ``torch.istft``."""
    return istft(self, n_fft, hop_length=hop_length, win_length=win_length, window=window,
                 center=center, normalized=normalized, onesided=onesided, length=length,
                 return_complex=return_complex)
