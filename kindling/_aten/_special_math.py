"""Special functions on float64 ndarrays, vectorised with NumPy (SciPy is not a dependency).

Each follows the algorithm PyTorch's CPU kernels use (ATen's Math.h, mostly from Cephes), so
results agree with PyTorch's to a few ulps in double, special points included (poles,
negative integers, infinities, NaN):

* ``lgamma``: the C library's ``lgamma`` elementwise, as ``std::lgamma`` (poles give +inf);
* ``digamma``: reflection for negative x, the recurrence psi(x) = psi(x + 1) - 1/x up to
  x >= 10, then the asymptotic series in 1/x^2 (Bernoulli numbers);
* ``trigamma``: reflection below 1/2, six recurrence steps, then a short asymptotic series
  (as PyTorch's: it is accurate to ~1e-8 only, and PyTorch's values are what we match);
* ``zeta`` (Hurwitz): direct summation, then the Euler-Maclaurin tail with coefficients
  (2k)!/B_2k; ``polygamma(n >= 2)`` is (-1)^(n+1) n! zeta(n + 1, x);
* ``i0``/``i0e``/``i1``/``i1e``: Cephes' Chebyshev expansions on [0, 8] and (8, inf);
* ``erfcx``: exp(x^2) erfc(x) with x^2 split exactly (so the exponential adds no error),
  a continued fraction for large x, the reflection 2 exp(x^2) - erfcx(-x) for negative x
  (there with x^2 rounded, as PyTorch's);
* ``ndtri``: Newton's method from the Abramowitz-Stegun 26.2.23 estimate: on erf near the
  centre (p - 1/2 is exact there), on log(ndtr) in the tails (no underflow down to the
  smallest subnormal p).
"""
from __future__ import annotations

import math

import numpy as np

_lgamma_scalar = None
_erfc_scalar = np.frompyfunc(math.erfc, 1, 1)
_erf_scalar = np.frompyfunc(math.erf, 1, 1)
PI = math.pi
SQRT1_2 = math.sqrt(0.5)
_F64 = np.float64


def _f64(a):
    return np.asarray(a, dtype=_F64)


def erfc(x):
    return _f64(_erfc_scalar(x)) if np.ndim(x) else _F64(math.erfc(float(x)))


def erf(x):
    return _f64(_erf_scalar(x)) if np.ndim(x) else _F64(math.erf(float(x)))


# ---- gamma family -------------------------------------------------------------------------------
def _c_lgamma():
    """The C library's ``lgamma`` (PyTorch calls ``std::lgamma``; CPython's ``math.lgamma`` is
    its own, less accurate near its zeros at 1 and 2), else ``math.lgamma``."""
    try:
        import ctypes
        fn = ctypes.CDLL(None).lgamma
        fn.restype, fn.argtypes = ctypes.c_double, (ctypes.c_double,)
        fn(0.5)
    except (OSError, AttributeError, TypeError):
        fn = math.lgamma
    return np.frompyfunc(fn, 1, 1)


def lgamma(x):
    global _lgamma_scalar
    if _lgamma_scalar is None:
        _lgamma_scalar = _c_lgamma()
    x = _f64(x)
    pole = (x <= 0) & (x == np.floor(x))
    r = _f64(_lgamma_scalar(np.where(pole, 1.0, x)))
    return np.where(pole, np.inf, r)


# psi(10), and the coefficients of the asymptotic series psi(x) ~ log x - 1/2x - sum z^k B_2k/2k
_PSI_10 = 2.25175258906672110764
_DIGAMMA_SERIES = (8.33333333333333333333E-2, -2.10927960927960927961E-2,
                   7.57575757575757575758E-3, -4.16666666666666666667E-3,
                   3.96825396825396825397E-3, -8.33333333333333333333E-3,
                   8.33333333333333333333E-2)


def _polevl(x, coefs):
    r = np.full_like(x, coefs[0])
    for c in coefs[1:]:
        r = r * x + c
    return r


def _float(x):
    """``x`` as a float32 or float64 array (float32 computes in float32, as PyTorch's float
    kernels do: its rounding near poles is then PyTorch's)."""
    x = np.asarray(x)
    return x if x.dtype in (np.float32, np.float64) else x.astype(_F64)


def _digamma_nonneg(x):
    """psi(x) for x > 0 (inf and NaN pass through)."""
    acc = np.zeros_like(x)
    x = x.copy()
    low = x < 10
    while low.any():
        acc = np.where(low, acc - 1 / x, acc)
        x = np.where(low, x + 1, x)
        low = x < 10
    with np.errstate(all="ignore"):
        z = 1 / (x * x)
        series = np.where(x < 1e17, z * _polevl(z, _DIGAMMA_SERIES), 0)
        r = acc + np.log(x) - 0.5 / x - series
    return np.where(x == 10, acc + x.dtype.type(_PSI_10), r)


def digamma(x):
    x = _float(x)
    with np.errstate(all="ignore"):
        neg = x < 0
        # reflection: psi(x) = psi(1 - x) - pi / tan(pi x), with x's fractional part in the
        # tangent (pi * x itself loses precision for |x| > 1), in double
        frac = np.where(neg, x - np.trunc(x), 0).astype(_F64)
        base = _digamma_nonneg(np.where(neg, 1 - x, np.where(x == 0, 1, x)))
        r = np.where(neg, base - (PI / np.tan(PI * frac)).astype(x.dtype), base)
        r = np.where(neg & (x == np.trunc(x)), np.nan, r)   # negative integers (and -inf)
        return np.where(x == 0, np.copysign(np.inf, -x), r).astype(x.dtype)


def trigamma(x):
    x = _float(x)
    pi = x.dtype.type(PI)
    with np.errstate(all="ignore"):
        refl = x < 0.5
        s = np.sin(pi * x)
        acc = np.where(refl, -(pi * pi) / (s * s), 0).astype(x.dtype)
        x = np.where(refl, 1 - x, x)
        for _ in range(6):
            acc = acc + 1 / (x * x)
            x = x + 1
        ixx = 1 / (x * x)
        acc = acc + (1 + 1 / (2 * x) + ixx * (1. / 6 - ixx * (1. / 30 - ixx * (1. / 42)))) / x
        return np.where(refl, -acc, acc)


_MACHEP = 1.11022302462515654042E-16
# (2k)! / B_2k for k = 1..12: the Euler-Maclaurin correction terms
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)


def zeta(x, q):
    """The Hurwitz zeta function sum_k (k + q)^-x (Cephes' algorithm, as PyTorch's)."""
    x, q = np.broadcast_arrays(_f64(x), _f64(q))
    shape = x.shape
    x, q = x.ravel(), q.ravel()
    out = np.full(x.shape, np.nan)
    with np.errstate(all="ignore"):
        out[x == 1] = np.inf
        decided = (x == 1) | (x < 1)                    # (x < 1: NaN)
        pole = ~decided & (q <= 0) & (q == np.floor(q))
        out[pole] = np.inf
        decided |= pole | ((q <= 0) & (x != np.floor(x)))
        idx = np.flatnonzero(~decided)
        if idx.size:
            out[idx] = _zeta_sum(x[idx], q[idx])
    return out.reshape(shape)


def _zeta_sum(x, q):
    n = x.size
    res = np.empty(n)
    active = np.arange(n)
    s = np.power(q, -x)
    a = q.copy()
    b = np.zeros(n)
    i = 0
    # direct summation until the terms are negligible (at least 9 terms, and a > 9)
    while active.size:
        i += 1
        a = a + 1
        b = np.power(a, -x)
        s = s + b
        done = (-_MACHEP * s < b) & (b < _MACHEP * s)
        if done.any():
            res[active[done]] = s[done]
            keep = ~done
            active, x, a, b, s = active[keep], x[keep], a[keep], b[keep], s[keep]
        if i >= 9:
            more = a <= 9.0
            if not more.all():
                tail = ~more
                res[active[tail]] = _zeta_tail(x[tail], a[tail], b[tail], s[tail])
                active, x, a, b, s = active[more], x[more], a[more], b[more], s[more]
    return res


def _zeta_tail(x, w, b, s):
    """The Euler-Maclaurin remainder after the direct sum ``s`` (last term ``b`` at ``w``)."""
    s = s + b * w / (x - 1) - 0.5 * b
    a = np.ones_like(x)
    k = np.zeros_like(x)
    done = np.zeros(x.shape, dtype=bool)
    for coef in _ZETA_A:
        a = a * (x + k)
        b = b / w
        t = a * b / coef
        s = np.where(done, s, s + t)
        done |= np.abs(t / s) < _MACHEP
        k = k + 1
        a = a * (x + k)
        b = b / w
        k = k + 1
    return s


def polygamma(n, x):
    if n == 0:
        return digamma(x)
    if n == 1:
        return trigamma(x)
    sign = 1.0 if n % 2 else -1.0
    with np.errstate(all="ignore"):
        return sign * math.exp(math.lgamma(n + 1.0)) * zeta(_F64(n + 1), x)


# ---- modified Bessel functions of the first kind ---------------------------------------------
# Chebyshev coefficients (Cephes): exp(-x) I0(x) on [0, 8] and exp(-x) sqrt(x) I0(x) on (8, inf)
_I0_A = (-4.41534164647933937950E-18, 3.33079451882223809783E-17,
         -2.43127984654795469359E-16, 1.71539128555513303061E-15,
         -1.16853328779934516808E-14, 7.67618549860493561688E-14,
         -4.85644678311192946090E-13, 2.95505266312963983461E-12,
         -1.72682629144155570723E-11, 9.67580903537323691224E-11,
         -5.18979560163526290666E-10, 2.65982372468238665035E-9,
         -1.30002500998624804212E-8, 6.04699502254191894932E-8,
         -2.67079385394061173391E-7, 1.11738753912010371815E-6,
         -4.41673835845875056359E-6, 1.64484480707288970893E-5,
         -5.75419501008210370398E-5, 1.88502885095841655729E-4,
         -5.76375574538582365885E-4, 1.63947561694133579842E-3,
         -4.32430999505057594430E-3, 1.05464603945949983183E-2,
         -2.37374148058994688156E-2, 4.93052842396707084878E-2,
         -9.49010970480476444210E-2, 1.71620901522208775349E-1,
         -3.04682672343198398683E-1, 6.76795274409476084995E-1)
_I0_B = (-7.23318048787475395456E-18, -4.83050448594418207126E-18,
         4.46562142029675999901E-17, 3.46122286769746109310E-17,
         -2.82762398051658348494E-16, -3.42548561967721913462E-16,
         1.77256013305652638360E-15, 3.81168066935262242075E-15,
         -9.55484669882830764870E-15, -4.15056934728722208663E-14,
         1.54008621752140982691E-14, 3.85277838274214270114E-13,
         7.18012445138366623367E-13, -1.79417853150680611778E-12,
         -1.32158118404477131188E-11, -3.14991652796324136454E-11,
         1.18891471078464383424E-11, 4.94060238822496958910E-10,
         3.39623202570838634515E-9, 2.26666899049817806459E-8,
         2.04891858946906374183E-7, 2.89137052083475648297E-6,
         6.88975834691682398426E-5, 3.36911647825569408990E-3,
         8.04490411014108831608E-1)
# exp(-x) I1(x) / x on [0, 8] and exp(-x) sqrt(x) I1(x) on (8, inf)
_I1_A = (2.77791411276104639959E-18, -2.11142121435816608115E-17,
         1.55363195773620046921E-16, -1.10559694773538630805E-15,
         7.60068429473540693410E-15, -5.04218550472791168711E-14,
         3.22379336594557470981E-13, -1.98397439776494371520E-12,
         1.17361862988909016308E-11, -6.66348972350202774223E-11,
         3.62559028155211703701E-10, -1.88724975172282928790E-9,
         9.38153738649577178388E-9, -4.44505912879632808065E-8,
         2.00329475355213526229E-7, -8.56872026469545474066E-7,
         3.47025130813767847674E-6, -1.32731636560394358279E-5,
         4.78156510755005422638E-5, -1.61760815825896745588E-4,
         5.12285956168575772895E-4, -1.51357245063125314899E-3,
         4.15642294431288815669E-3, -1.05640848946261981558E-2,
         2.47264490306265168283E-2, -5.29459812080949914269E-2,
         1.02643658689847095384E-1, -1.76416518357834055153E-1,
         2.52587186443633654823E-1)
_I1_B = (7.51729631084210481353E-18, 4.41434832307170791151E-18,
         -4.65030536848935832153E-17, -3.20952592199342395980E-17,
         2.96262899764595013876E-16, 3.30820231092092828324E-16,
         -1.88035477551078244854E-15, -3.81440307243700780478E-15,
         1.04202769841288027642E-14, 4.27244001671195135429E-14,
         -2.10154184277266431302E-14, -4.08355111109219731823E-13,
         -7.19855177624590851209E-13, 2.03562854414708950722E-12,
         1.41258074366137813316E-11, 3.25260358301548823856E-11,
         -1.89749581235054123450E-11, -5.58974346219658380687E-10,
         -3.83538038596423702205E-9, -2.63146884688951950684E-8,
         -2.51223623787020892529E-7, -3.88256480887769039346E-6,
         -1.10588938762623716291E-4, -9.76109749136146840777E-3,
         7.78576235018280120474E-1)


def _chbevl(y, coefs):
    """Clenshaw's recurrence for a Chebyshev series (Cephes' ``chbevl``)."""
    b0 = np.full_like(y, coefs[0])
    b1 = np.zeros_like(y)
    b2 = b1
    for c in coefs[1:]:
        b2 = b1
        b1 = b0
        b0 = y * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _bessel(x, coef_a, coef_b, *, order1, scaled):
    x = _f64(x)
    ax = np.abs(x)
    with np.errstate(all="ignore"):
        small = ax <= 8
        ca = _chbevl(ax / 2 - 2, coef_a)
        cb = _chbevl(32.0 / ax - 2, coef_b)
        if scaled:
            r = np.where(small, ca * ax if order1 else ca, cb / np.sqrt(ax))
        else:
            e = np.exp(ax)
            r = np.where(small, e * ax * ca if order1 else e * ca, e * cb / np.sqrt(ax))
    return np.where(x < 0, -r, r) if order1 else r


def i0(x):
    return _bessel(x, _I0_A, _I0_B, order1=False, scaled=False)


def i0e(x):
    return _bessel(x, _I0_A, _I0_B, order1=False, scaled=True)


def i1(x):
    return _bessel(x, _I1_A, _I1_B, order1=True, scaled=False)


def i1e(x):
    return _bessel(x, _I1_A, _I1_B, order1=True, scaled=True)


# ---- the normal distribution and erfcx ----------------------------------------------------------
_SPLIT = 134217729.0  # 2^27 + 1 (Dekker's split: x = hi + lo with hi * hi exact)


def _exp_square(x):
    """exp(x^2) without the rounding error of x^2 (amplified by exp for large |x|)."""
    t = x * _SPLIT
    hi = t - (t - x)
    lo = x - hi
    return np.exp(hi * hi) * np.exp(lo * (x + hi))


_ISQRT_PI = 1 / math.sqrt(PI)


def _erfcx_nonneg(x):
    with np.errstate(all="ignore"):
        mid = x < 26.0
        direct = _exp_square(np.where(mid, x, 0.0)) * erfc(np.where(mid, x, 0.0))
        # continued fraction of erfc for large x (tends to 1 / (sqrt(pi) x))
        cf = _ISQRT_PI / (x + 0.5 / (x + 1 / (x + 1.5 / (x + 2 / (x + 2.5 / (
            x + 3 / (x + 3.5 / (x + 4 / x))))))))
        big = np.where(x < 5e7, cf, _ISQRT_PI / x)
        return np.where(mid, direct, big)


def erfcx(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        pos = _erfcx_nonneg(np.abs(x))
        xn = np.where(x < -26.7, 0.0, x)   # (exp(x*x) rounded as PyTorch's: its values)
        neg = np.where(x < -26.7, np.inf, 2 * np.exp(xn * xn) - pos)
        return np.where(x < 0, neg, pos)


def log_ndtr(x):
    x = _f64(x)
    t = x * SQRT1_2
    with np.errstate(all="ignore"):
        low = x < -1
        left = np.log(erfcx(np.where(low, -t, 0.0)) / 2) - t * t
        right = np.log1p(-erfc(np.where(low, 0.0, t)) / 2)
        return np.where(low, left, right)


_SQRT_PI_2 = math.sqrt(PI / 2)
_SQRT_2PI = math.sqrt(2 * PI)


def ndtri(p):
    p = _f64(p)
    with np.errstate(all="ignore"):
        upper = p > 0.5
        q = np.where(upper, 1 - p, p)                   # the lower tail, exact for p >= 1/2
        qs = np.where((q > 0) & (q <= 0.5), q, 0.25)
        t = np.sqrt(-2 * np.log(qs))                    # Abramowitz & Stegun 26.2.23
        x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
              (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))))
        centre = qs > 0.25
        dq = qs - 0.5                                   # exact in the centre (Sterbenz)
        logq = np.log(qs)
        for _ in range(5):
            # centre: ndtr(x) - 1/2 = erf(x / sqrt 2) / 2; tails: log ndtr(x) (x < 0 there)
            xc = np.where(centre, x, 0.0)
            fc = erf(xc * SQRT1_2) / 2 - dq
            step_c = fc * _SQRT_2PI * np.exp(xc * xc / 2)
            xt = np.where(centre, -1.0, x)
            tt = -xt * SQRT1_2
            ex = erfcx(tt)
            lt = np.log(ex / 2) - tt * tt
            step_t = (lt - logq) * _SQRT_PI_2 * ex      # (ndtr / ndtr' = sqrt(pi/2) erfcx)
            x = x - np.where(centre, step_c, step_t)
        x = np.where(upper, -x, x)
        x = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, x))
        return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, x)


def entr(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        r = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)),
                     np.where(x == 0, 0.0, -np.inf))
        return np.where(np.isnan(x), x, r)


def xlog1py(x, y):
    x, y = _f64(x), _f64(y)
    with np.errstate(all="ignore"):
        r = np.where(x == 0, 0.0, x * np.log1p(y))
        return np.where(np.isnan(y), np.nan, r)
