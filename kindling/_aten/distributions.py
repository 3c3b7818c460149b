"""More random ops: ``geometric_``, ``log_normal_``, ``cauchy_`` (in-place samplers),
``poisson`` and ``multinomial``, with PyTorch's CPU kernels' values for the same seed (the
draws themselves are in ``_rng_math``).

As in ``random``, kernels check their arguments before drawing: where PyTorch's kernel finds a
bad rate or probability only when it reaches it (``poisson``, ``multinomial`` with replacement
row by row), it has drawn for the elements before; kindling raises the same error having drawn
nothing.
"""
from __future__ import annotations

import math

import numpy as np

from .._generator import check_generator
from . import _rng_math as R
from ._api import public
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._variants import cpp_name as _cpp_name
from .random import SEEDED, _GEN, _g, _inplace, _write


def _not_implemented(kernel, t):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{t.dtype._scalar_name}'")


# ---- geometric_ / log_normal_ / cauchy_ ------------------------------------------------------------
geometric_ = _inplace(f"geometric_(Tensor(a!) self, float p, *, {_GEN}) -> Tensor(a!)")
log_normal_ = _inplace(f"log_normal_(Tensor(a!) self, float mean=1., float std=2., *, {_GEN}) "
                       "-> Tensor(a!)")
cauchy_ = _inplace(f"cauchy_(Tensor(a!) self, float median=0., float sigma=1., *, {_GEN}) "
                   "-> Tensor(a!)")


def _fill(self, generator, sample, *args):
    gen = check_generator(generator)
    with gen.mutex:
        vals = sample(gen, self.numel(), *args)
    return _write(self, R.to_dtype(vals, self.dtype))


@geometric_.cpu_ks
def _(ks, self, p, *, generator=None):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_g(p)}")
    if self.dtype.is_complex or self.dtype._name in ("bool", "uint16", "uint32", "uint64"):
        raise _not_implemented("geometric_cpu", self)
    return _fill(self, generator, R.geometric, p)


@log_normal_.cpu_ks
def _(ks, self, mean=1.0, std=2.0, *, generator=None):
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_g(std)}")
    if not self.dtype.is_floating_point:
        raise _not_implemented("log_normal_cpu", self)
    return _fill(self, generator, R.log_normal, mean, std)


@cauchy_.cpu_ks
def _(ks, self, median=0.0, sigma=1.0, *, generator=None):
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_g(sigma)}")
    if not self.dtype.is_floating_point:
        raise RuntimeError("Cauchy distribution is a continuous probability distribution. dtype "
                           "must be a floating point but you specified "
                           f"{_cpp_name(self.dtype)}")
    return _fill(self, generator, R.cauchy, median, sigma)


public("geometric_", geometric_, function=False)
public("log_normal_", log_normal_, function=False)
public("cauchy_", cauchy_, function=False)


# ---- poisson ---------------------------------------------------------------------------------------
poisson = defop(f"poisson(Tensor self, {_GEN}) -> Tensor", tags=SEEDED)


@poisson.cpu_ks
def _(ks, self, generator=None):
    if not self.dtype.is_floating_point:
        raise _not_implemented("poisson_cpu", self)
    from .factories import empty
    out = empty.op(list(self.shape), dtype=self.dtype)
    lam = np.asarray(self._np, np.float64)   # iteration order: the output's (contiguous)
    flat = lam.reshape(-1).tolist()
    if any(not x >= 0 for x in flat):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    gen = check_generator(generator)
    with gen.mutex:
        vals = R.poisson(gen, flat)
    return _write(out, R.to_dtype(vals, self.dtype))


@poisson.meta
def _(self, generator=None):
    return empty_meta(self.shape, self.dtype)


poisson.derivative(self="zeros_like(self)", result="auto_element_wise")
public("poisson", poisson, method=False)


# ---- multinomial -----------------------------------------------------------------------------------
multinomial = defop(f"multinomial(Tensor self, SymInt num_samples, bool replacement=False, *, "
                    f"{_GEN}) -> Tensor", tags=SEEDED)
multinomial.out = defop(f"multinomial.out(Tensor self, SymInt num_samples, bool replacement="
                        f"False, *, {_GEN}, Tensor(a!) out) -> Tensor(a!)", tags=SEEDED)
multinomial.nondifferentiable()
multinomial.out.nondifferentiable()


def _check_rows_with_replacement(p):
    """The with-replacement kernel's checks, in its order: each entry (row by row) >= 0 and
    finite, then each row's sum > 0."""
    acc = np.float64 if p.dtype == np.float64 else np.float32
    for row in p.astype(acc).reshape(-1, p.shape[-1]):
        bad = ~(row >= 0) | ~np.isfinite(row)
        if bad.any():
            v = row[int(np.argmax(bad))]
            raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                               + ("< 0)" if not v >= 0 else "= infinity or NaN)"))
        if not np.cumsum(row, dtype=acc)[-1:].sum() > 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    return acc


def _multinomial_into(self, n_sample, replacement, generator, out):
    if self.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not self.dtype.is_floating_point:
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{self.dtype._scalar_name}")
    if out.dtype._name != "int64":
        raise RuntimeError(f"multinomial expects Long tensor out, got: {out.dtype._scalar_name}")
    if n_sample <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n_cat = self.shape[-1]
    if not replacement and n_sample > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if n_cat > 1 << 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    shape = [n_sample] if self.ndim == 1 else [self.shape[0], n_sample]
    if math.prod(shape) == 0:
        _resize(out, shape)
        return out
    if not replacement or n_sample == 1:
        # Gumbel-max as exponentials: the top n_sample of p / q with q ~ Exp(1)
        lo, hi = aten.aminmax.default(self)
        if not (float(hi) < math.inf and float(lo) >= 0):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        sums = aten.sum.dim_IntList(self, [-1]) if self.ndim == 2 else aten.sum.default(self)
        if bool(aten.any.default(aten.eq.Scalar(sums, 0))):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        q = aten.exponential_.default(aten.empty_like.default(self), 1.0, generator=generator)
        q = aten.div.Tensor(self, q)
        idx = aten.argmax.default(q, -1, True) if n_sample == 1 else \
            aten.topk.default(q, n_sample)[1]
        _resize(out, shape)
        return aten.copy_.default(out, idx)
    p = np.asarray(self._np)
    acc = _check_rows_with_replacement(p)
    gen = check_generator(generator)
    with gen.mutex:
        vals = R.multinomial_rows(gen, p.reshape(-1, n_cat), n_sample, acc)
    _resize(out, shape)
    out._np[...] = vals.reshape(shape)
    return out


def _resize(out, shape):
    """``result.resize_`` as the kernel does it (no resized-output warning)."""
    if list(out.shape) != shape:
        aten.resize_.default(out, shape)


@multinomial.cpu_ks
def _(ks, self, num_samples, replacement=False, *, generator=None):
    out = aten.empty.memory_format([0], dtype=_long(), device=self.device)
    return _multinomial_into(self, num_samples, replacement, generator, out)


@multinomial.out.cpu_ks
def _(ks, self, num_samples, replacement=False, *, generator=None, out):
    return _multinomial_into(self, num_samples, replacement, generator, out)


def _long():
    from .. import _dtype
    return _dtype.int64


public("multinomial", multinomial, multinomial.out)
