"""The orthogonal polynomials of ``torch.special`` (Chebyshev T/U/V/W and their shifted forms
on [0, 1], Hermite H/He, Laguerre L, Legendre P), vectorised with NumPy as PyTorch's CPU kernels
compute them (ATen's Math.h ``*_forward``):

* the degree is ``n`` truncated to an integer (a NaN, infinite or out-of-range float becomes
  the smallest int64, as the x86 conversion gives it); a negative degree gives 0;
* the endpoints (x = +-1, or 1 and 0 for the shifted forms) give their closed values, and
  for a high degree inside (-1, 1) the trigonometric forms (T_n = cos(n acos x)...);
* otherwise the three-term recurrence, which stops early where a value turns NaN (overflow
  beyond |x| > 1); Hermite's degree is capped (NaN above 512, 128 in float32).

Where PyTorch reads an uninitialised value (a NaN x with the recurrence never running) the
result here is NaN.  float32 arrays compute in float32.  Loaded at the first call.
"""
from __future__ import annotations

import numpy as np

from ._libm import fma_like, libm

_INT64_MIN = np.iinfo(np.int64).min


def degree(n):
    """``static_cast<int64_t>(n)`` of a float array."""
    with np.errstate(all="ignore"):
        ok = np.isfinite(n) & (np.abs(n) < 2.0 ** 63)
        return np.where(ok, np.trunc(np.where(ok, n, 0)), _INT64_MIN).astype(np.int64)


def _as(v, dt):
    """An int64 quantity (n + 1, 2n + 1...) converted to the float type."""
    return np.asarray(v).astype(dt)


def _recurrence(step, x, q, n, k0, last, stop_nan=True):
    """Run ``r = step(k, x, p, q)`` for k = k0, k0 + 1... up to ``last(n)`` (inclusive) per
    element, from p = 1 and the given q, stopping where q is NaN (``stop_nan``); the last r
    (NaN where the loop never ran)."""
    out = np.full(x.shape, np.nan, dtype=x.dtype)
    idx = np.arange(x.size)
    p = np.ones_like(x)
    r = np.full_like(x, np.nan)
    end = last(n)
    k = k0
    while idx.size:
        going = k <= end
        if stop_nan:
            going &= ~np.isnan(q)
        if not going.all():
            done = ~going
            out[idx[done]] = r[done]
            idx, x, p, q, r, end = (a[going] for a in (idx, x, p, q, r, end))
            if not idx.size:
                break
        r = step(k, x, p, q)
        p, q = q, r
        k += 1
    return out


def _select(shape, dt, cases, fallback):
    """``cases``: (mask, value or callable(mask) -> values) in order; the first match wins;
    ``fallback(mask)`` for the rest."""
    out = np.empty(shape, dtype=dt)
    left = np.ones(shape, dtype=bool)
    for mask, value in cases:
        m = mask & left
        if m.any():
            out[m] = value(m) if callable(value) else (value[m] if np.ndim(value) else value)
        left &= ~m
    if left.any():
        out[left] = fallback(left)
    return out


def _chebyshev_family(x, n, kind, shifted):
    """T/U/V/W (``kind``), of x or, ``shifted``, of 2x - 1 (computed as PyTorch does)."""
    dt = x.dtype
    L = libm(dt, exact=True)
    n = degree(n)
    x, n = np.broadcast_arrays(x, n)
    x, n = x.ravel(), n.ravel()
    with np.errstate(all="ignore"):
        y = x + x - 1.0 if shifted else x
        odd = n % 2 != 0
        n1, n21 = _as(n + 1, dt), _as(n + n + 1, dt)
        if shifted:
            top, bottom = x == 1.0, x == 0.0
        else:
            top, bottom = (np.abs(x) == 1.0) & (x > 0), (np.abs(x) == 1.0) & ~(x > 0)
        sign = np.where(odd, -1.0, 1.0).astype(dt)
        ends = {"t": (1.0, sign), "u": (n1, sign * n1), "v": (1.0, sign * n21),
                "w": (n21, sign)}[kind]
        high = {"t": 6, "u": 6 if shifted else 8, "v": 6 if shifted else 8,
                "w": 4 if shifted else 8}[kind]
        inside = (n > high) & (np.abs(y) < 1.0)

        def trig(m):
            ym, nm = y[m], n[m]
            t = L.arccos(ym)
            if kind == "t":
                return L.cos(_as(nm, dt) * t)
            if kind == "u":
                s = L.sin(t)
                return np.where(s != 0, L.sin(n1[m] * t) / s, n1[m] * L.cos(n1[m] * t) / ym)
            h = _as(nm, dt) + 0.5
            if kind == "v":
                return np.where(L.sin(t / 2.0) != 1.0, L.cos(h * t) / L.cos(t / 2.0),
                                sign[m] * n21[m])
            alt = np.where(ym > 0, n21[m], sign[m]) if not shifted else sign[m]
            return np.where(L.cos(t / 2.0) != 1.0, L.sin(h * t) / L.sin(t / 2.0), alt)

        two_y = y + y
        first = {"t": y, "u": two_y, "v": two_y - 1.0, "w": two_y + 1.0}[kind]

        def loop(m):
            ym = y[m]
            return _recurrence(lambda k, yy, p, q: fma_like(yy + yy, q, -p), ym, first[m], n[m], 2,
                               lambda e: e)

        r = _select(x.shape, dt, [
            (n < 0, 0.0),
            (top, ends[0]),
            (bottom, ends[1]),
            (inside, trig),
            (n == 0, 1.0),
            (n == 1, first)], loop)
    return r


def _shape_back(fn):
    def f(x, n):
        shape = np.broadcast_shapes(np.shape(x), np.shape(n))
        return fn(np.asarray(x), np.asarray(n)).reshape(shape)
    f.__name__ = fn.__name__
    return f


def _chebyshev(kind, shifted):
    def fn(x, n):
        return _chebyshev_family(x, n, kind, shifted)
    fn.__name__ = ("shifted_" if shifted else "") + f"chebyshev_polynomial_{kind}"
    return _shape_back(fn)


chebyshev_polynomial_t = _chebyshev("t", False)
chebyshev_polynomial_u = _chebyshev("u", False)
chebyshev_polynomial_v = _chebyshev("v", False)
chebyshev_polynomial_w = _chebyshev("w", False)
shifted_chebyshev_polynomial_t = _chebyshev("t", True)
shifted_chebyshev_polynomial_u = _chebyshev("u", True)
shifted_chebyshev_polynomial_v = _chebyshev("v", True)
shifted_chebyshev_polynomial_w = _chebyshev("w", True)


def _flat(x, n):
    n = degree(n)
    x, n = np.broadcast_arrays(x, n)
    return x.ravel(), n.ravel()


def _hermite(x, n, physicists):
    dt = x.dtype
    x, n = _flat(x, n)
    limit = 128 if dt == np.float32 else 512
    with np.errstate(all="ignore"):
        first = x + x if physicists else x
        if physicists:   # k = 2, 4, ... below 2n: r = 2x q - k p
            step, k0 = (lambda k, xx, p, q: fma_like(xx + xx, q, -((2 * k) * p))), 1
        else:            # k = 1 ... n - 1: r = x q - k p
            step, k0 = (lambda k, xx, p, q: fma_like(xx, q, -(k * p))), 1
        return _select(x.shape, dt, [
            (n < 0, 0.0),
            (n == 0, 1.0),
            (n == 1, first),
            (n > limit, np.nan)],
            lambda m: _recurrence(step, x[m], first[m], n[m], k0, lambda e: e - 1,
                                  stop_nan=False))


@_shape_back
def hermite_polynomial_h(x, n):
    return _hermite(x, n, True)


@_shape_back
def hermite_polynomial_he(x, n):
    return _hermite(x, n, False)


@_shape_back
def laguerre_polynomial_l(x, n):
    dt = x.dtype
    x, n = _flat(x, n)
    with np.errstate(all="ignore"):
        first = 1.0 - x
        return _select(x.shape, dt, [
            (n < 0, 0.0),
            (np.abs(x) == 0.0, 1.0),
            (n == 0, 1.0),
            (n == 1, first)],
            lambda m: _recurrence(
                lambda k, xx, p, q: fma_like((k + k) + (1.0 - xx), q, -(k * p)) / (k + 1),
                x[m], first[m], n[m], 1, lambda e: e - 1))


@_shape_back
def legendre_polynomial_p(x, n):
    dt = x.dtype
    x, n = _flat(x, n)
    with np.errstate(all="ignore"):
        odd = n % 2 != 0
        one = np.abs(x) == 1.0
        return _select(x.shape, dt, [
            (n < 0, 0.0),
            (one & ((x > 0) | ~odd), 1.0),
            (one, -1.0),
            (n == 0, 1.0),
            (n == 1, x)],
            lambda m: _recurrence(
                lambda k, xx, p, q: fma_like((k + k + 1) * xx, q, -(k * p)) / (k + 1),
                x[m], x[m], n[m], 1, lambda e: e - 1))
