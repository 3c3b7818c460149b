"""Bessel functions J0, J1, Y0, Y1, the modified I0, I1, K0, K1 (and exp(x) K0, exp(x) K1),
the spherical j0 and Airy's Ai, vectorised with NumPy as PyTorch's CPU kernels compute them
(ATen's Math.h ``*_forward`` functions, ported from Cephes).

The rational approximations and Chebyshev series are Cephes', evaluated as PyTorch evaluates
them: its polynomial loops start from zero over the listed coefficients, so the denominators
that Cephes evaluates with an implicit leading 1 (``p1evl``) lack that term here too, and the
values are PyTorch's (a few 1e-8 off the true J0 near x = 5, for instance).  float32 arrays
compute in float32 (``_libm``), as PyTorch's ``float`` instantiation does.  Loaded at the
first call.
"""
from __future__ import annotations

import math

import numpy as np

from ._libm import libm
from ._special_math import _I0_A, _I0_B, _I1_A, _I1_B, _chbevl

_PI_4 = 0.785398163397448309615660845819875721
_3PI_4 = 2.356194490192344928846982537459627163
_SQRT_2_PI = 0.797884560802865355879892119868763737   # sqrt(2 / pi)
_TWO_PI = 0.636619772367581343075535053490057448      # 2 / pi
_J0_Z1, _J0_Z2 = 5.78318596294678452118e+00, 3.04712623436620863991e+01   # squared zeros
_J1_Z1, _J1_Z2 = 1.46819706421238932572e+01, 4.92184563216946036703e+01
_AI_C1, _AI_C2 = 0.355028053887817239260, 0.258819403792806798405
_ISQRT_PI = 5.64189583547756286948e-01


def _poly(z, coefs):
    """PyTorch's loop ``r = 0; r = r * z + c`` over the coefficients (highest power first)."""
    r = np.zeros_like(z)
    for c in coefs:
        r = r * z + c
    return r


def _float(x):
    return np.asarray(x)


def _asymptotic(x, z, pp, pq, qp, qq, phase, sine, L):
    """J/Y for x > 5: sqrt(2 / (pi x)) (P cos(x - phase) - (5/x) Q sin(x - phase)), with sin
    and cos exchanged (and the sign of the Q term) for Y."""
    p = _poly(z, pp) / _poly(z, pq)
    q = _poly(z, qp) / _poly(z, qq)
    xn = x - phase
    if sine:
        r = p * L.sin(xn) + 5.0 / x * q * L.cos(xn)
    else:
        r = p * L.cos(xn) - 5.0 / x * q * L.sin(xn)
    return r * _SQRT_2_PI / L.sqrt(x)


def bessel_j0(x):
    x = np.abs(_float(x))
    L = libm(x.dtype)
    with np.errstate(all="ignore"):
        z = x * x
        small = (z - _J0_Z1) * (z - _J0_Z2) * _poly(z, _J0_RP) / _poly(z, _J0_RQ)
        small = np.where(x < 0.00001, 1.0 - z / 4.0, small)
        big = _asymptotic(x, 25.0 / z, _J0_PP, _J0_PQ, _J0_QP, _J0_QQ, _PI_4, False, L)
        return np.where(x <= 5.0, small, big).astype(x.dtype, copy=False)


def bessel_j1(x):
    x = _float(x)
    L = libm(x.dtype)
    ax = np.abs(x)
    with np.errstate(all="ignore"):
        z = ax * ax
        small = _poly(z, _J1_RP) / _poly(z, _J1_RQ) * ax * (z - _J1_Z1) * (z - _J1_Z2)
        w = 5.0 / ax
        big = _asymptotic(ax, w * w, _J1_PP, _J1_PQ, _J1_QP, _J1_QQ, _3PI_4, False, L)
        r = np.where(ax <= 5.0, small, big)
        return np.where(x < 0, -r, r).astype(x.dtype, copy=False)


def bessel_y0(x):
    x = _float(x)
    L = libm(x.dtype)
    with np.errstate(all="ignore"):
        z = x * x
        small = _poly(z, _Y0_YP) / _poly(z, _Y0_YQ) + _TWO_PI * L.log(x) * bessel_j0(x)
        small = np.where(x == 0, -np.inf, np.where(x < 0, np.nan, small))
        big = _asymptotic(x, 25.0 / z, _J0_PP, _J0_PQ, _J0_QP, _J0_QQ, _PI_4, True, L)
        return np.where(x <= 5.0, small, big).astype(x.dtype, copy=False)


def bessel_y1(x):
    x = _float(x)
    L = libm(x.dtype)
    with np.errstate(all="ignore"):
        z = x * x
        small = x * (_poly(z, _Y1_YP) / _poly(z, _Y1_YQ)) + \
            _TWO_PI * (bessel_j1(x) * L.log(x) - 1.0 / x)
        small = np.where(x == 0, -np.inf, np.where(x < 0, np.nan, small))
        w = 5.0 / x
        big = _asymptotic(x, w * w, _J1_PP, _J1_PQ, _J1_QP, _J1_QQ, _3PI_4, True, L)
        return np.where(x <= 5.0, small, big).astype(x.dtype, copy=False)


def _cheb(y, coefs):
    """Clenshaw's sum as PyTorch writes it: (a, p) with the series 0.5 * (a - p)."""
    return _chbevl(y, coefs)


def modified_bessel_i0(x):
    x = _float(x)
    L = libm(x.dtype)
    ax = np.abs(x)
    with np.errstate(all="ignore"):
        e = L.exp(ax)
        small = e * _cheb(ax / 2.0 - 2.0, _I0_A)
        big = e * _cheb(32.0 / ax - 2.0, _I0_B) / L.sqrt(ax)
        return np.where(ax <= 8.0, small, big).astype(x.dtype, copy=False)


def modified_bessel_i1(x):
    x = _float(x)
    L = libm(x.dtype)
    ax = np.abs(x)
    with np.errstate(all="ignore"):
        e = L.exp(ax)
        small = _cheb(ax / 2.0 - 2.0, _I1_A) * ax * e
        big = e * _cheb(32.0 / ax - 2.0, _I1_B) / L.sqrt(ax)
        r = np.where(ax <= 8.0, small, big)
        return np.where(x < 0, -r, r).astype(x.dtype, copy=False)


def _k(x, a, b, order1, scaled):
    L = libm(x.dtype)
    with np.errstate(all="ignore"):
        series = _cheb(x * x - 2.0, a)
        if order1:
            small = L.log(0.5 * x) * modified_bessel_i1(x) + series / x
        elif x.dtype == np.float32 and not scaled:
            # (``std::log(0.5 * x)``: a double argument, so a double logarithm and sum)
            x64 = x.astype(np.float64)
            small = series - np.log(0.5 * x64) * modified_bessel_i0(x)
        else:
            small = series - L.log(0.5 * x) * modified_bessel_i0(x)
        tail = _cheb(8.0 / x - 2.0, b)
        if scaled:
            small = small * L.exp(x)
            big = tail / L.sqrt(x)
        else:
            big = L.exp(-x) * tail / L.sqrt(x)
        r = np.where(x <= 2.0, small, big)
        r = np.where(x == 0, np.inf, np.where(x < 0, np.nan, r))
        return r.astype(x.dtype, copy=False)


def modified_bessel_k0(x):
    return _k(_float(x), _K0_A, _K0_B, False, False)


def modified_bessel_k1(x):
    return _k(_float(x), _K1_A, _K1_B, True, False)


def scaled_modified_bessel_k0(x):
    return _k(_float(x), _K0_A, _K0_B, False, True)


def scaled_modified_bessel_k1(x):
    return _k(_float(x), _K1_A, _K1_B, True, True)


def spherical_bessel_j0(x):
    x = _float(x)
    L = libm(x.dtype)
    t = x.dtype.type
    with np.errstate(all="ignore"):
        z = x * x
        c = [t(-1.0) / t(6.0), t(1.0) / t(120.0), t(-1.0) / t(5040.0), t(1.0) / t(362880.0),
             t(-1.0) / t(39916800.0), t(1.0) / t(6227020800.0)]
        s = z * c[5]
        for k in range(4, -1, -1):
            s = z * (c[k] + s)
        series = 1.0 + s
        r = np.where(np.abs(x) < 0.5, series, L.sin(x) / x)
        return np.where(np.isinf(x), 0, r).astype(x.dtype, copy=False)


def airy_ai(x):
    x = _float(x)
    L = libm(x.dtype)
    eps = np.finfo(x.dtype).eps
    with np.errstate(all="ignore"):
        # x < -2.09: the oscillating asymptotic form
        zeta = -2.0 * x * L.sqrt(-x) / 3.0
        z = 1.0 / zeta
        zz = z * z
        t = zeta + 0.25 * x.dtype.type(math.pi)
        neg = _ISQRT_PI / L.sqrt(L.sqrt(-x)) * (
            L.sin(t) * (1.0 + zz * _poly(zz, _AI_AFN) / _poly(zz, _AI_AFD)) -
            L.cos(t) * (z * _poly(zz, _AI_AGN) / _poly(zz, _AI_AGD)))
        # x >= 2.09: the decaying asymptotic form
        zeta = 2.0 * x * L.sqrt(x) / 3.0
        iz = 1.0 / zeta
        pos = _ISQRT_PI * (_poly(iz, _AI_AN) / _poly(iz, _AI_AD)) / \
            (2.0 * L.sqrt(L.sqrt(x)) * L.exp(zeta))
        mid = _airy_series(np.where((x >= -2.09) & (x < 2.09), x, 0), eps)
        r = np.where(x < -2.09, neg, np.where(x >= 2.09, pos, mid))
        r = np.where(x > 103.892, 0, r)
        return np.where(np.isinf(x) | np.isnan(x), np.nan, r).astype(x.dtype, copy=False)


def _airy_series(x, eps):
    """Ai(x) = c1 f(x) - c2 g(x) by the Maclaurin series of f and g (|x| < 2.09), each element
    summed until its term m / f falls below eps (PyTorch's loop)."""
    f = np.ones_like(x)
    g = x.copy()
    k = np.ones_like(x)
    m = np.ones_like(x)
    n = x.copy()
    t = np.ones_like(x)
    z = x * x * x
    going = t > eps
    while going.any():
        m2 = m * z
        k2 = k + 1.0
        m2 = m2 / k2
        n2 = n * z
        k2 = k2 + 1.0
        n2 = n2 / k2
        m2 = m2 / k2
        f2 = f + m2
        k2 = k2 + 1.0
        n2 = n2 / k2
        g2 = g + n2
        f, g, k, m, n = (np.where(going, new, old) for new, old in
                         ((f2, f), (g2, g), (k2, k), (m2, m), (n2, n)))
        t = np.where(going, np.abs(m / f), t)
        going &= t > eps
    return _AI_C1 * f - _AI_C2 * g


# ---- Cephes' coefficients (highest power first), as PyTorch lists them -------------------------
_J0_PP = (0.0007969367292973471, 0.08283523921074408, 1.239533716464143, 5.447250030587687,
          8.74716500199817, 5.303240382353949, 1.0)
_J0_PQ = (0.0009244088105588637, 0.08562884743544745, 1.2535274390105895, 5.470977403304171,
          8.761908832370695, 5.306052882353947, 1.0)
_J0_QP = (-0.011366383889846916, -1.2825271867050931, -19.553954425773597, -93.20601521237683,
          -177.68116798048806, -147.07750515495118, -51.41053267665993, -6.050143506007285)
_J0_QQ = (64.3178256118178, 856.4300259769806, 3882.4018360540163, 7240.467741956525,
          5930.727011873169, 2062.0933166032783, 242.0057402402914)
_J0_RP = (-4794432209.782018, 1956174919465.5657, -249248344360967.72, 9708622510473064.0)
_J0_RQ = (499.563147152651, 173785.4016763747, 48440965.83399621, 11185553704.535683,
          2112775201154.892, 310518229857422.56, 3.1812195594320496e+16, 1.7108629408104315e+18)
_Y0_YP = (15592.436785523574, -14663929.59039716, 5435264770.518765, -982136065717.9115,
          87590639439536.7, -3466283033847297.0, 4.4273326857256984e+16, -1.8495080043698668e+16)
_Y0_YQ = (1041.2835366425984, 626107.330137135, 268919633.39381415, 86400248710.3935,
          20297961275010.555, 3171577528429750.5, 2.5059625617265306e+17)
_J1_PP = (0.0007621256162081731, 0.07313970569409176, 1.1271960812968493, 5.112079511468076,
          8.424045901417724, 5.214515986823615, 1.0)
_J1_PQ = (0.0005713231280725487, 0.06884559087544954, 1.105142326340617, 5.073863861286015,
          8.399855543276042, 5.209828486823619, 1.0)
_J1_QP = (0.05108625947501766, 4.982138729512334, 75.82382841325453, 366.7796093601508,
          710.8563049989261, 597.4896124006136, 211.68875710057213, 25.207020585802372)
_J1_QQ = (74.23732770356752, 1056.4488603826283, 4986.410583376536, 9562.318924047562,
          7997.041604473507, 2826.1927851763908, 336.0936078106983)
_J1_RP = (-899971225.7055594, 452228297998.19403, -72749424522181.83, 3682957328638529.0)
_J1_RQ = (620.8364781180543, 256987.25675774884, 83514679.14319493, 22151159547.97925,
          4749141220799.914, 784369607876235.9, 8.952223361846274e+16, 5.322786203326801e+18)
_Y1_YP = (1263204747.9017804, -647355876379.1603, 114509511541823.73, -8127702555013251.0,
          2.024394757135949e+17, -7.788771962659501e+17)
_Y1_YQ = (594.3015923461282, 235564.09294306856, 73481194.44597217, 18760131610.870617,
          3882312774962.3857, 620557727146953.8, 6.871410873553005e+16, 3.9727060811656064e+18)
_K0_A = (1.374465435613523e-16, 4.25981614279661e-14, 1.0349695257633842e-11,
         1.904516377220209e-09, 2.5347910790261494e-07, 2.286212103119452e-05,
         0.001264615411446926, 0.0359799365153615, 0.3442898999246285, -0.5353273932339028)
_K0_B = (5.300433772686263e-18, -1.6475804301524212e-17, 5.2103915050390274e-17,
         -1.678231096805412e-16, 5.512055978524319e-16, -1.848593377343779e-15,
         6.3400764774050706e-15, -2.2275133269916698e-14, 8.032890775363575e-14,
         -2.9800969231727303e-13, 1.140340588208475e-12, -4.514597883373944e-12,
         1.8559491149547177e-11, -7.957489244477107e-11, 3.577397281400301e-10,
         -1.69753450938906e-09, 8.574034017414225e-09, -4.660489897687948e-08,
         2.766813639445015e-07, -1.8317555227191195e-06, 1.39498137188765e-05,
         -0.00012849549581627802, 0.0015698838857300533, -0.0314481013119645, 2.4403030820659555)
_K1_A = (-7.023863479386288e-18, -2.427449850519366e-15, -6.666901694199329e-13,
         -1.4114883926335278e-10, -2.213387630734726e-08, -2.4334061415659684e-06,
         -0.0001730288957513052, -0.006975723859639864, -0.12261118082265715, -0.3531559607765449,
         1.5253002273389478)
_K1_B = (-5.756744483665017e-18, 1.7940508731475592e-17, -5.689462558442859e-17,
         1.838093544366639e-16, -6.057047248373319e-16, 2.038703165624334e-15,
         -7.019837090418314e-15, 2.4771544244813043e-14, -8.976705182324994e-14,
         3.3484196660784293e-13, -1.2891739609510289e-12, 5.13963967348173e-12,
         -2.1299678384275683e-11, 9.218315187605006e-11, -4.1903547593418965e-10,
         2.015049755197033e-09, -1.0345762465678097e-08, 5.7410841254500495e-08,
         -3.5019606030878126e-07, 2.406484947837217e-06, -1.936197974166083e-05,
         0.00019521551847135162, -0.002857816859622779, 0.10392373657681724, 2.7206261904844427)
_AI_AN = (0.346538101525629, 12.007595273964581, 76.27960536152345, 168.08922493463058,
          159.75639135016442, 70.53609068404442, 14.026469116338967, 1.0)
_AI_AD = (0.5675945326387702, 14.75625625848472, 84.51389701414746, 177.31808814540045,
          164.2346928715297, 71.47784008255756, 14.095913560783403, 1.0)
_AI_AFN = (-0.1316963234183318, -0.6264565444319123, -0.6931580360369335, -0.2797799815451191,
           -0.04919001326095003, -0.004062659235948854, -0.0001592764962392621,
           -2.776491081552329e-06, -1.6778769848911465e-08)
_AI_AFD = (13.356042070655324, 32.682503279522464, 26.736704094149957, 9.187074029072596,
           1.4752914677166642, 0.11568717379518804, 0.004402916416152112, 7.547203482874142e-05,
           4.5185009297058035e-07)
_AI_AGN = (0.01973399320916857, 0.39110302961568827, 1.0657989759959559, 0.9391692298166502,
           0.35146565610554764, 0.06338889196289255, 0.005858041130483885, 0.000282851600836737,
           6.98793669997261e-06, 8.117892395543892e-08, 3.415517847659236e-10)
_AI_AGD = (9.30892908077442, 19.835292871831214, 15.564662893286462, 5.476860694229755,
           0.9542936116189619, 0.08645808263523921, 0.004126565238242226, 0.00010125908511650914,
           1.1716673321441352e-06, 4.9183457006293e-09)
