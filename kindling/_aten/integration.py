"""Integration and correlation: ``trapezoid``/``trapz``/``cumulative_trapezoid`` (sample
points ``x`` or a constant spacing ``dx``), ``cov`` (``correction``, ``fweights``,
``aweights``) and ``corrcoef``.

All are CompositeImplicitAutograd in PyTorch, and here: they decompose into ``slice``,
``sub``, ``mul``, ``sum``/``cumsum``, ``mm``... in the order PyTorch's kernels call them, so a
dispatch mode sees the same ops and autograd records their nodes.  ``cov``'s checks of
weight values read a 0-dim bool with ``equal(t, t.new_ones([]))``, as PyTorch's
``is_scalar_tensor_true``.
"""
from __future__ import annotations

from functools import partial

from .. import _dtype
from ..testing import samples as S
from ._api import public
from .combining import _composite as combining_composite
from ._ops_registry import aten
from ._util import wrap_dim, warn_user

OPS = {}
_composite = partial(combining_composite, ops=OPS)


# ---- trapezoid / trapz / cumulative_trapezoid ---------------------------------------------------
def _zeros_except(y, dim):
    sizes = list(y._size)
    del sizes[wrap_dim(dim, y.dim())]
    return aten.zeros.default(sizes, dtype=y.dtype, device=y.device)


def _is_real_number(dx):
    return not isinstance(dx, (bool, complex))


def _x_spacing(name, y, x, dim):
    """``dx``: the differences of the sample points ``x`` along ``dim`` (``x`` viewed so that
    they broadcast against ``y``'s differences, as NumPy's)."""
    if y.dtype is _dtype.bool or x.dtype is _dtype.bool:
        raise RuntimeError(f"{name}: received a bool input for `x` or `y`, but bool is not "
                           "supported")
    if x.dim() == 1:
        if x._size[0] != y._size[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.dim()
        shape[dim] = x._size[0]
        x = aten.view.default(x, shape)
    elif x.dim() < y.dim():
        x = aten.view.default(x, [1] * (y.dim() - x.dim()) + list(x._size))
    left = aten.slice.Tensor(x, dim, 0, -1)
    return aten.sub.Tensor(aten.slice.Tensor(x, dim, 1), left)


def _halves(y, dim):
    """``y``'s neighbouring samples added (twice the trapezoids' mean heights)."""
    left = aten.slice.Tensor(y, dim, 0, -1)
    return aten.add.Tensor(left, aten.slice.Tensor(y, dim, 1))


def _trapezoid_x(y, x, *, dim=-1):
    dim = wrap_dim(dim, y.dim())
    if y._size[dim] == 0:  # (no samples: 0, as NumPy's)
        return _zeros_except(y, dim)
    dx = _x_spacing("trapezoid", y, x, dim)
    return aten.div.Scalar(aten.sum.dim_IntList(aten.mul.Tensor(_halves(y, dim), dx), [dim]),
                           2.0)


def _dx_check(name, y, dx):
    if y.dtype is _dtype.bool:
        raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")
    if not _is_real_number(dx):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")


def _trapezoid_dx(y, *, dx=1, dim=-1):
    if y.dim() == 0:  # (``y.size(dim)``'s error)
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if y._size[wrap_dim(dim, y.dim())] == 0:
        return _zeros_except(y, dim)
    _dx_check("trapezoid", y, dx)
    # (constant spacing: dx * (sum(y) - (y_first + y_last) / 2))
    ends = aten.mul.Scalar(aten.add.Tensor(aten.select.int(y, dim, 0),
                                           aten.select.int(y, dim, -1)), 0.5)
    return aten.mul.Scalar(aten.sub.Tensor(aten.sum.dim_IntList(y, [dim]), ends), float(dx))


def _cumulative_trapezoid_x(y, x, *, dim=-1):
    dim = wrap_dim(dim, y.dim())
    dx = _x_spacing("cumulative_trapezoid", y, x, dim)
    return aten.div.Scalar(aten.cumsum.default(aten.mul.Tensor(_halves(y, dim), dx), dim), 2.0)


def _cumulative_trapezoid_dx(y, *, dx=1, dim=-1):
    _dx_check("cumulative_trapezoid", y, dx)
    return aten.cumsum.default(aten.mul.Scalar(_halves(y, dim), float(dx) / 2.0), dim)


trapezoid_x = _composite("trapezoid.x(Tensor y, Tensor x, *, int dim=-1) -> Tensor", _trapezoid_x)
trapezoid_dx = _composite("trapezoid.dx(Tensor y, *, Scalar dx=1, int dim=-1) -> Tensor",
                          _trapezoid_dx)
trapz_x = _composite("trapz.x(Tensor y, Tensor x, *, int dim=-1) -> Tensor", _trapezoid_x)
trapz_dx = _composite("trapz.dx(Tensor y, *, float dx=1., int dim=-1) -> Tensor", _trapezoid_dx)
cumulative_trapezoid_x = _composite(
    "cumulative_trapezoid.x(Tensor y, Tensor x, *, int dim=-1) -> Tensor", _cumulative_trapezoid_x)
cumulative_trapezoid_dx = _composite(
    "cumulative_trapezoid.dx(Tensor y, *, Scalar dx=1, int dim=-1) -> Tensor",
    _cumulative_trapezoid_dx)
public("trapezoid", trapezoid_x, trapezoid_dx, method=False)
public("trapz", trapz_x, trapz_dx, method=False)
public("cumulative_trapezoid", cumulative_trapezoid_x, cumulative_trapezoid_dx, method=False)


# ---- cov / corrcoef -----------------------------------------------------------------------------
def _is_true(t):
    """PyTorch's ``is_scalar_tensor_true``: a 0-dim bool tensor's value, read with ``equal``."""
    return aten.equal.default(t, aten.new_ones.default(t, [], dtype=t.dtype, device=t.device))


def _weights_check(kind, w, n, integral):
    if w.dim() > 1:
        raise RuntimeError(f"cov(): expected {kind} to have one or fewer dimensions but got "
                           f"{kind} with {w.dim()} dimensions")
    ok = (w.dtype._cat == _dtype.INT and w.dtype is not _dtype.bool) if integral else \
        w.dtype.is_floating_point
    if not ok:
        want = "integral" if integral else "floating point"
        raise RuntimeError(f"cov(): expected {kind} to have {want} dtype but got {kind} with "
                           f"{w.dtype._scalar_name} dtype")
    if w.numel() != n:
        raise RuntimeError(f"cov(): expected {kind} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {n}")
    if n != 0 and not _is_true(aten.ge.Scalar(aten.min.default(w), 0)):
        raise RuntimeError(f"cov(): {kind} cannot be negative")


def _cov(self, *, correction=1, fweights=None, aweights=None):
    if self.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {self.dim()} dimensions")
    if self.dtype is _dtype.bool:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = aten.view.default(self, [1, -1]) if self.dim() < 2 else self
    n = x._size[1]  # (observations are columns)
    w = None
    if fweights is not None:
        _weights_check("fweights", fweights, n, True)
        w = fweights
    if aweights is not None:
        _weights_check("aweights", aweights, n, False)
        w = aweights if w is None else aten.mul.Tensor(w, aweights)
    long = dict(dtype=_dtype.int64, device=x.device)
    if w is None:
        w_sum = aten.scalar_tensor.default(n, **long)
    else:
        w_sum = aten.sum.default(w)
        if not _is_true(aten.ne.Scalar(w_sum, 0)):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    xw = x if w is None else aten.mul.Tensor(x, w)
    avg = aten.div.Tensor(aten.sum.dim_IntList(xw, [1]), w_sum)
    if w is None:
        norm_factor = aten.scalar_tensor.default(n - correction, **long)
    elif correction == 0:
        norm_factor = w_sum
    elif aweights is None:
        norm_factor = aten.sub.Scalar(w_sum, correction)
    elif fweights is None and n == 1 and correction == 1:
        # (PyTorch's special case: the formula below rounds away from NumPy's 0 here)
        norm_factor = aten.scalar_tensor.default(0, **long)
    else:
        wa = aten.sum.default(aten.mul.Tensor(w, aweights))
        norm_factor = aten.sub.Tensor(w_sum, aten.div.Tensor(aten.mul.Scalar(wa, correction),
                                                             w_sum))
    if _is_true(aten.le.Scalar(norm_factor, 0)):
        warn_user("cov(): degrees of freedom is <= 0. Correction should be strictly less than "
                  "the number of observations.")
        aten.zero_.default(norm_factor)
    if n == 1 and (fweights is None) != (aweights is None):
        # (PyTorch zeroes the input itself here - one observation with one kind of weight has
        # a weighted mean equal to it - and then reads it as float)
        aten.zero_.default(x)
        if x.dtype._cat == _dtype.INT:
            x = x.to(_dtype.float32)
    else:
        x = aten.sub.Tensor(x, aten.unsqueeze.default(avg, 1))
    other = aten.t.default(x if w is None else aten.mul.Tensor(x, w))
    if other.dtype.is_complex:
        other = other.conj()
    c = aten.mm.default(x, other)
    return aten.squeeze.default(aten.div.Tensor(c, norm_factor))


def _corrcoef(self):
    if self.dim() > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {self.dim()} dimensions")
    c = aten.cov.default(self)
    if c.dim() == 0:  # (one variable: nan for a nan, inf or 0 covariance, else 1)
        return aten.div.Tensor(c, c)
    d = aten.diagonal.default(c)
    stddev = aten.sqrt.default(aten.real.default(d) if d.dtype.is_complex else d)
    c = aten.div.Tensor(c, aten.view.default(stddev, [-1, 1]))
    c = aten.div.Tensor(c, aten.view.default(stddev, [1, -1]))
    # (clipped to [-1, 1] against rounding, as NumPy's)
    if c.dtype.is_complex:
        return aten.complex.default(aten.clamp.default(aten.real.default(c), -1, 1),
                                    aten.clamp.default(aten.imag.default(c), -1, 1))
    return aten.clamp.default(c, -1, 1)


cov = _composite("cov(Tensor self, *, int correction=1, Tensor? fweights=None, "
                 "Tensor? aweights=None) -> Tensor", _cov)
corrcoef = _composite("corrcoef(Tensor self) -> Tensor", _corrcoef)
public("cov", cov)
public("corrcoef", corrcoef)


# ---- samples ------------------------------------------------------------------------------------
def _float_only(dtype):
    return dtype in ("float32", "float64", "complex64", "complex128")


def _trapezoid_samples(x_form):
    def gen(dtype):
        if dtype == "bool":
            return
        A = S.make_arr
        if x_form:
            yield S.SampleInput(A((2, 4), dtype), A((4,), "float64", seed=1))
            yield S.SampleInput(A((3, 4), dtype, seed=2, noncontig=True), A((3, 1), dtype, seed=3),
                                dim=0)
            yield S.SampleInput(A((2, 3, 2), dtype, seed=4), A((3, 2), dtype, seed=5), dim=1)
        else:
            yield S.SampleInput(A((2, 4), dtype))
            yield S.SampleInput(A((3, 4), dtype, seed=2, noncontig=True), dx=0.5, dim=0)
            yield S.SampleInput(A((5,), dtype, seed=3), dx=2)
    return gen


for _d, _x in ((trapezoid_x, True), (trapezoid_dx, False), (trapz_x, True), (trapz_dx, False),
               (cumulative_trapezoid_x, True), (cumulative_trapezoid_dx, False)):
    _d.samples(_trapezoid_samples(_x))


def _cov_samples(dtype):
    if dtype == "bool":
        return
    A = S.make_arr
    yield S.SampleInput(A((3, 5), dtype))
    yield S.SampleInput(A((4,), dtype, seed=1), correction=0)
    yield S.SampleInput(A((2, 4), dtype, seed=2, noncontig=True),
                        fweights=A((4,), "int64", low=0, high=3, seed=3))
    yield S.SampleInput(A((2, 4), dtype, seed=4), correction=2,
                        fweights=A((4,), "int64", low=1, high=3, seed=5),
                        aweights=A((4,), "float64", low=0.1, high=1, seed=6))


def _corrcoef_samples(dtype):
    if not _float_only(dtype):
        return
    A = S.make_arr
    yield S.SampleInput(A((3, 5), dtype))
    yield S.SampleInput(A((2, 4), dtype, seed=1, noncontig=True))
    yield S.SampleInput(A((4,), dtype, seed=2))


cov.samples(_cov_samples)
corrcoef.samples(_corrcoef_samples)
