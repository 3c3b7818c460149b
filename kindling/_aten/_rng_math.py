"""PyTorch's CPU distributions over a ``Generator``'s draws, vectorised in NumPy.

Each function returns the values PyTorch's serial kernel writes, in its iteration order, for
``n`` elements (``DistributionsHelper.h``, ``TransformationHelper.h``, the CPU
``DistributionTemplates.h``).  Two details of PyTorch's build matter for equal bits:

* its CPU kernels are compiled with FMA contraction, so ``x * (to - from) + from`` and
  ``val * std + mean`` are fused multiply-adds: ``fma32``/``fma64`` compute them correctly
  rounded (through float64 with round-to-odd, and an error-free product for doubles);
* float32 ``normal_`` on 16+ contiguous elements runs the AVX2 Box-Muller of
  ``avx_mathfun.h`` (Cephes polynomials, contracted too): ``_log_ps``/``_sincos_ps`` redo it
  in float32.  Double precision paths call glibc's ``log``/``log1p`` (Python's ``math``),
  since NumPy's own SIMD versions differ in the last bit now and then.
"""
from __future__ import annotations

import math

import numpy as np

_f32, _f64 = np.float32, np.float64
DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


# ---- correctly rounded fused multiply-add ------------------------------------------------------
def _round_to_odd(s, err):
    """``s`` (= RN(x), with ``x - s == err`` exactly) moved to the odd neighbour when inexact."""
    bits = s.view(np.int64)
    fix = (err != 0) & ((bits & 1) == 0)
    if fix.any():
        s = np.where(fix, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
    return s


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def fma32(a, b, c):
    """float32 ``fma(a, b, c)``: the float64 product is exact, the sum rounded to odd then to
    float32 (so the result is rounded once)."""
    p = np.asarray(a, _f64) * np.asarray(b, _f64)
    s, e = _two_sum(p, np.broadcast_to(np.asarray(c, _f64), p.shape))
    return _round_to_odd(s, e).astype(_f32)


_SPLIT = _f64(134217729.0)  # 2**27 + 1 (Veltkamp)
_BIG = _f64(2.0 ** 960)  # (beyond it _SPLIT * b overflows)
_F64_SCALE_DOWN, _F64_SCALE_UP = _f64(2.0 ** -128), _f64(2.0 ** 128)


def fma64(a, b, c):
    """float64 ``fma(a, b, c)`` (Boldo-Melquiond: exact product, exact sum, rounding to odd)."""
    a = np.asarray(a, _f64)
    b = _f64(b)
    c = _f64(c)
    if b == 1.0 and c == 0.0:
        return a.copy()
    if max(abs(b), abs(c)) > _BIG:
        # (Veltkamp's split of b would overflow: a power of two scales b and c down and the
        # result back up, exactly - the rounding is the same at any scale above subnormals)
        return fma64(a, b * _F64_SCALE_DOWN, c * _F64_SCALE_DOWN) * _F64_SCALE_UP
    p = a * b
    ta = _SPLIT * a
    ah = ta - (ta - a)
    al = a - ah
    tb = _SPLIT * b
    bh = tb - (tb - b)
    bl = b - bh
    pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s, t = _two_sum(p, np.full_like(p, c))
    u, v = _two_sum(t, pe)
    return s + _round_to_odd(u, v)


def _libm(fn, x):
    """glibc's double ``fn`` elementwise (Python's math module calls it)."""
    x = np.asarray(x, _f64)
    return np.fromiter(map(fn, x.ravel().tolist()), _f64, x.size).reshape(x.shape)


# ---- uniform draws -----------------------------------------------------------------------------
def uniform01(gen, n, name):
    """``uniform_real_distribution<T>(0, 1)`` draws: ``digits`` random bits scaled to [0, 1)
    (float32 for the 16/32-bit types, float64 for double)."""
    d = DIGITS[name]
    if d == 53:
        return (gen.random64(n) & np.uint64((1 << 53) - 1)).astype(_f64) * _f64(2.0 ** -53)
    return (gen.random(n) & np.uint32((1 << d) - 1)).astype(_f32) * _f32(2.0 ** -d)


def uniform(gen, n, dt, lo, hi):
    """``uniform_(from, to)`` values in ``dt``: ``x * (to - from) + from`` (fused).  Half and
    BFloat16 compute in float32 and round; a value that rounds up to ``to`` becomes ``from``
    (PyTorch 2.13 keeps [from, to), measured)."""
    if dt._name == "float64":
        return fma64(uniform01(gen, n, "float64"), hi - lo, lo)
    lo32, hi32 = _f32(lo), _f32(hi)
    r = fma32(uniform01(gen, n, "float32"), _f32(hi32 - lo32), lo32).astype(dt._np)
    top = dt._np.type(hi)
    if (r == top).any():
        r[r == top] = dt._np.type(lo)
    return r


# ---- normal ------------------------------------------------------------------------------------
def normal_scalar(gen, n, mean, std):
    """``normal_distribution<double>`` draws (float64), Box-Muller with the generator's cached
    second value: each fresh pair gives ``r cos`` now and keeps ``r sin`` for the next draw."""
    out = np.empty(n, _f64)
    i = 0
    if n and gen.next_double_normal is not None:
        out[0] = gen.next_double_normal
        gen.next_double_normal = None
        i = 1
    m = n - i
    pairs = (m + 1) // 2
    if pairs:
        u = uniform01(gen, 2 * pairs, "float64")
        u1, u2 = u[0::2], u[1::2]
        r = np.sqrt(-2.0 * _libm(math.log1p, -u2))
        theta = 2.0 * math.pi * u1
        vals = np.empty(2 * pairs, _f64)
        vals[0::2] = r * np.cos(theta)
        vals[1::2] = r * np.sin(theta)
        out[i:] = vals[:m]
        if m % 2:
            gen.next_double_normal = float(vals[-1])
    return fma64(out, std, mean)


def normal_fill(gen, n, dt, mean, std):
    """``normal_fill`` for 16+ contiguous elements: uniforms, then Box-Muller per block of 16
    (the first 8 give ``u1``, the next 8 ``u2``); when ``n % 16``, 16 fresh uniforms replace
    the last 16 elements and are transformed the same way.  float32 draws all ``n`` uniforms
    first; Half and BFloat16 compute in float32 and draw only the full blocks' uniforms before
    the tail's (as PyTorch 2.13 does, measured), then round."""
    name = dt._name
    full = n // 16
    reduced = name in ("float16", "bfloat16")
    data = uniform01(gen, full * 16 if reduced else n, "float32" if reduced else name)
    tail = uniform01(gen, 16, "float32" if reduced else name) if n % 16 else None
    res = np.empty(n, _f64 if name == "float64" else _f32)
    block = _block_double if name == "float64" else _block_avx2
    if full:
        res[:full * 16] = block(data[:full * 16].reshape(full, 16), mean, std).ravel()
    if tail is not None:
        res[n - 16:] = block(tail.reshape(1, 16), mean, std).ravel()
    return res.astype(dt._np) if reduced else res


def _block_double(d, mean, std):
    """``normal_fill_16<double>`` on rows of 16 (glibc's log)."""
    u1, u2 = 1 - d[:, :8], d[:, 8:]
    radius = np.sqrt(-2 * _libm(math.log, u1))
    theta = 2.0 * math.pi * u2
    return np.concatenate([fma64(radius * np.cos(theta), std, mean),
                           fma64(radius * np.sin(theta), std, mean)], 1)


_LOG_P = tuple(_f32(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                                 -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                                 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1))


def _log_ps(x):
    """``log256_ps``: Cephes logf on 8 lanes, with the compiler's fused multiply-adds."""
    invalid = x <= 0
    x = np.maximum(x, np.array(0x00800000, np.int32).view(_f32))
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_f32) + _f32(1)
    x = ((bits & ~0x7F800000) | np.array(0.5, _f32).view(np.int32)).view(_f32)
    mask = x < _f32(0.707106781186547524)
    tmp = np.where(mask, x, _f32(0))
    x = x - _f32(1)
    e = e - np.where(mask, _f32(1), _f32(0))
    x = x + tmp
    z = x * x
    y = np.full_like(x, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = fma32(y, x, p)
    y = y * x
    y = fma32(y, z, e * _f32(-2.12194440e-4))
    y = fma32(-z, _f32(0.5), y)
    x = fma32(e, _f32(0.693359375), x + y)
    return np.where(invalid, _f32(np.nan), x)


_DP = (_f32(-0.78515625), _f32(-2.4187564849853515625e-4), _f32(-3.77489497744594108e-8))
_COS = (_f32(2.443315711809948E-005), _f32(-1.388731625493765E-003), _f32(4.166664568298827E-002))
_SIN = (_f32(-1.9515295891E-4), _f32(8.3321608736E-3), _f32(-1.6666654611E-1))


def _sincos_ps(x):
    """``sincos256_ps``: Cephes sinf/cosf on 8 lanes (with fused multiply-adds)."""
    sign_sin = np.signbit(x)
    x = np.abs(x)
    j = (x * _f32(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(_f32)
    sign_sin = sign_sin ^ ((j & 4) != 0)
    poly = (j & 2) == 0
    for d in _DP:
        x = fma32(y, d, x)
    sign_cos = (~(j - 2) & 4) != 0
    z = x * x
    yc = fma32(np.full_like(z, _COS[0]), z, _COS[1])
    yc = fma32(yc, z, _COS[2]) * z
    yc = fma32(yc, z, -(z * _f32(0.5))) + _f32(1)
    ys = fma32(np.full_like(z, _SIN[0]), z, _SIN[1])
    ys = fma32(ys, z, _SIN[2]) * z
    ys = fma32(ys, x, x)
    s = np.where(poly, ys, yc)
    c = np.where(poly, yc, ys)
    return np.where(sign_sin, -s, s), np.where(sign_cos, -c, c)


def _block_avx2(d, mean, std):
    """``normal_fill_16_AVX2`` on rows of 16 float32 uniforms."""
    sd, mn = _f32(std), _f32(mean)
    radius = np.sqrt(_f32(-2) * _log_ps(_f32(1) - d[:, :8]))
    s, c = _sincos_ps(_f32(2.0 * math.pi) * d[:, 8:])
    return np.concatenate([fma32(radius * c, sd, mn), fma32(radius * s, sd, mn)], 1)


def normal(gen, n, dt, mean, std, contiguous):
    """``normal_(mean, std)`` values for ``n`` elements of ``dt`` (the kernel's choice of path:
    ``normal_fill`` for 16+ contiguous elements, serial Box-Muller otherwise)."""
    if n >= 16 and contiguous:
        return normal_fill(gen, n, dt, mean, std)
    return normal_scalar(gen, n, mean, std).astype(dt._np)


# ---- integers ----------------------------------------------------------------------------------
_RANDOM64 = frozenset({"int64", "float64", "float32", "bfloat16"})


def random_from_to(gen, n, name, rng, base):
    """``uniform_int_from_to_distribution``: ``val % range + base`` (64-bit draws for ranges of
    2**32 or more on the types that take them)."""
    if name in _RANDOM64 and rng >= 1 << 32:
        v = gen.random64(n)
    else:
        v = gen.random(n).astype(np.uint64)
    return (v % np.uint64(rng) + np.uint64(base % (1 << 64))).view(np.int64)


def random_full_range(gen, n):
    return gen.random64(n).view(np.int64)


_INT_MOD = {"uint8": 1 << 8, "int8": 1 << 7, "int16": 1 << 15, "int32": 1 << 31,
            "int64": 1 << 63, "uint16": 1 << 16, "uint32": 1 << 32}


def random_default(gen, n, name):
    """``uniform_int_distribution``: ``random_()`` without bounds."""
    if name == "bool":
        return (gen.random(n) & np.uint32(1)).astype(np.bool_)
    if name in ("int64", "float64"):
        v = gen.random64(n)
    else:
        v = gen.random(n).astype(np.uint64)
    if name in DIGITS:
        return v % np.uint64((1 << DIGITS[name]) + 1)
    return v % np.uint64(_INT_MOD[name])


def exponential(gen, n, lambd):
    """``exponential_distribution<double>``: ``-1/lambda * log1p(-u)`` (float64)."""
    u = uniform01(gen, n, "float64")
    return (-1.0 / lambd) * _libm(math.log1p, -u)


def randperm(gen, n):
    """``randperm_cpu`` (n < 2**32 / 20): Fisher-Yates with ``random() % (n - i)``."""
    r = list(range(n))
    if n > 1:
        z = gen.random(n - 1).astype(np.int64) % np.arange(n, 1, -1, dtype=np.int64)
        for i, zi in enumerate(z.tolist()):
            j = zi + i
            r[i], r[j] = r[j], r[i]
    return np.array(r, np.int64)


# ---- geometric, log-normal, Cauchy, Poisson, multinomial ---------------------------------------
def to_dtype(vals, dt):
    """float64 kernel values as ``static_cast<scalar_t>`` stores them: Half and BFloat16 through
    float (their constructors take a float), integers as x86's truncating conversion does
    (to int32, or int64 for 64-bit types; out of range gives the minimum; narrower types keep
    the low bits)."""
    name = dt._name
    if name in ("float16", "bfloat16"):
        return vals.astype(_f32).astype(dt._np)
    if name in ("float32", "float64"):
        return vals.astype(dt._np)
    bits = 64 if name in ("int64", "uint64") else 32
    lim = float(1 << (bits - 1))
    ok = (vals > -lim - 1) & (vals < lim)   # NaN is not ok
    ints = np.where(ok, np.trunc(np.where(ok, vals, 0)), -lim).astype(f"int{bits}")
    return ints.astype(dt._np)


def geometric(gen, n, p):
    """``geometric_distribution<double>``: ``ceil(log(u) / log1p(-p))`` (float64)."""
    u = uniform01(gen, n, "float64")
    with np.errstate(divide="ignore"):
        return np.ceil(_libm(_log0, u) / math.log1p(-p))


def _log0(x):
    return math.log(x) if x > 0 else -math.inf


def log_normal(gen, n, mean, std):
    """``lognormal_distribution<double>``: ``exp`` of a ``normal_distribution<double>`` draw
    (which uses and refills the generator's cached second normal)."""
    return _libm(_exp, normal_scalar(gen, n, mean, std))


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def cauchy(gen, n, median, sigma):
    """``cauchy_distribution<double>``: ``median + sigma * tan(pi * (u - 0.5))`` (the sum fused)."""
    u = uniform01(gen, n, "float64")
    return fma64(_libm(math.tan, math.pi * (u - 0.5)), sigma, median)


class UniformStream:
    """``uniform_real_distribution<double>`` draws one at a time for samplers that take a
    varying number per element: drawn in chunks, then the generator is put back and advanced
    by exactly the number used.  ``normal()`` is a ``normal_distribution<double>`` draw from
    the same stream (Box-Muller with the generator's cached second value)."""

    def __init__(self, gen, chunk):
        self.gen, self.chunk = gen, max(chunk, 16)
        self.start = gen._engine().state
        self.buf, self.pos, self.used = [], 0, 0

    def __call__(self):
        if self.pos == len(self.buf):
            self.buf, self.pos = uniform01(self.gen, self.chunk, "float64").tolist(), 0
            self.chunk *= 2
        self.pos += 1
        self.used += 1
        return self.buf[self.pos - 1]

    def normal(self):
        gen = self.gen
        cached = gen.next_double_normal
        if cached is not None:
            gen.next_double_normal = None
            return cached
        u1 = self()
        r = math.sqrt(-2.0 * math.log1p(-self()))
        theta = 2.0 * math.pi * u1
        gen.next_double_normal = r * math.sin(theta)
        return r * math.cos(theta)

    def close(self):
        self.gen._engine().state = self.start
        if self.used:
            self.gen.random64(self.used)


_LIBM = {}


def libm(name, float32=False):
    """glibc's function ``name`` of one or two arguments (``double``, or ``float`` for the
    ``f``-suffixed ones when ``float32``), as PyTorch's scalar kernels call it; None where
    libm cannot be loaded.  (Python's ``math`` calls libm too, but raises where C returns
    inf or NaN, and has no float versions.)"""
    key = (name, float32)
    if key not in _LIBM:
        try:
            import ctypes
            import ctypes.util
            f = getattr(ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6"), name)
            t = ctypes.c_float if float32 else ctypes.c_double
            f.restype, f.argtypes = t, [t] * (2 if name.startswith("pow") else 1)
            _LIBM[key] = f
        except (OSError, AttributeError):
            _LIBM[key] = None
    return _LIBM[key]


def libm_or(fn, name):
    """``fn`` (a ``math`` function), or libm's ``name`` where ``math`` raises: there C
    returns inf or NaN."""
    def call(*args):
        try:
            return fn(*args)
        except (ValueError, OverflowError):
            return libm(name)(*args)
    return call


def _glibc_lgamma():
    """glibc's ``lgamma`` (Python's ``math.lgamma`` is CPython's own, not libm's)."""
    return libm("lgamma") or math.lgamma


_I64_MIN = -(1 << 63)


def _c_int64_floor(x):
    """``(int64_t)std::floor(x)`` on x86: out of range (or NaN) gives INT64_MIN."""
    return math.floor(x) if -9.223372036854775808e18 <= x < 9.223372036854775808e18 \
        else _I64_MIN


def poisson(gen, lambdas):
    """``sample_poisson`` for each rate (float64 list in iteration order): products of
    uniforms below 10, Hoermann's transformed rejection (PTRS) from 10 on."""
    lgamma = _glibc_lgamma()
    log, sqrt = math.log, math.sqrt
    stream = UniformStream(gen, int(sum(min(lam, 10.0) for lam in lambdas)) + 2 * len(lambdas))
    out = []
    try:
        for lam in lambdas:
            if lam >= 10:
                slam, loglam = sqrt(lam), log(lam)
                b = 0.931 + 2.53 * slam
                a = -0.059 + 0.02483 * b
                invalpha = 1.1239 + 1.1328 / (b - 3.4)
                vr = 0.9277 - 3.6224 / (b - 2)
                while True:
                    U = stream() - 0.5
                    V = stream()
                    us = 0.5 - abs(U)
                    k = _c_int64_floor((2 * a / us + b) * U + lam + 0.43)
                    if us >= 0.07 and V <= vr:
                        break
                    if k < 0 or (us < 0.013 and V > us):
                        continue
                    if (_log0(V) + log(invalpha) - log(a / (us * us) + b)
                            <= -lam + k * loglam - lgamma(float(k) + 1)):
                        break
                out.append(k)
            elif lam == 0:
                out.append(0)
            else:
                enlam, x, prod = math.exp(-lam), 0, 1.0
                while True:
                    prod *= stream()
                    if prod > enlam:
                        x += 1
                    else:
                        break
                out.append(x)
    finally:
        stream.close()
    return np.array(out, np.float64)


def multinomial_rows(gen, probs, n_sample, acc):
    """The with-replacement kernel over the rows of ``probs`` (2-D, already checked): each
    row's running sum in ``acc`` (the input's float type, float for Half/BFloat16), divided by
    the total, the last entry set to 1, then for each sample a double uniform and the first
    category whose cumulative value is not below it."""
    out = np.empty((probs.shape[0], n_sample), np.int64)
    for i, row in enumerate(probs.astype(acc)):
        cum = np.cumsum(row, dtype=acc)
        cum = cum / cum[-1]
        cum[-1] = 1
        u = uniform01(gen, n_sample, "float64")
        out[i] = np.searchsorted(cum.astype(_f64), u, side="left")
    return out
