"""``torch.gradient``: derivatives estimated by finite differences (defined at first use: see
``_aten/_lazy.py``).

PyTorch's seven CompositeImplicitAutograd overloads, op for op: second-order central
differences inside, one-sided differences of order ``edge_order`` (1 or 2) at the two ends,
joined with ``cat``.  ``spacing`` is one number for every dim, one number per dim, or one
coordinate tensor per dim (uneven steps: the three-point formulas weighted by the step sizes).
Gradients are those of the pieces.
"""
from __future__ import annotations

from ._api import PUBLIC, make_function
from ._defop import defop
from ._ops_registry import aten
from ._util import wrap_dim

_OVERLOADS: list = []


def _pre_check(self, spacing_size, dim, edge_order):
    """PyTorch's ``pre_check_gradient`` (``dim``: the dims asked for, or None)."""
    from .. import _dtype
    if self.dtype is _dtype.uint8:
        raise RuntimeError("torch.gradient does not support uint8 input.")
    if spacing_size is not None and dim is None and spacing_size != self.dim():
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
            f"equal to 'self.dim() = {self.dim()}', since dim argument was not given, but got "
            f"a list of length {spacing_size}")
    if spacing_size is not None and dim is not None and spacing_size != len(dim):
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and "
            "dim arguments to have the same length, but got a spacing argument of length "
            f"{spacing_size} and a dim argument of length {len(dim)}.")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = range(self.dim()) if dim is None else dim
    if dim is not None:
        seen = set()
        for d in dim:
            w = wrap_dim(d, self.dim())
            if w in seen:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            seen.add(w)
    for d in dims:
        if self.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")


def _slice(t, dim, start, end=None):
    return aten.slice.Tensor(t, dim, start, end)


def _join(center, prepend, append, dim):
    return aten.cat.default([prepend, center, append], dim)


# (the terms of each formula are computed right to left, in the order PyTorch's compiled C++
# evaluates them, so that a dispatch mode sees its ops in its order)

def _with_steps(self, spacing, dims, edge_order):
    """Even steps: ``spacing[i]`` along ``dims[i]``."""
    mul, add, sub = aten.mul.Scalar, aten.add.Tensor, aten.sub.Tensor
    result = []
    for step, d in zip(spacing, dims):
        d = wrap_dim(d, self.dim())

        def diff(start, stop, start2, stop2):  # (self[start:stop] - self[start2:stop2])
            right = _slice(self, d, start2, stop2)
            return sub(_slice(self, d, start, stop), right)
        center = aten.div.Scalar(diff(2, None, 0, -2), step)
        if edge_order == 1:
            prepend = aten.div.Scalar(diff(1, 2, 0, 1), step)
            append = aten.div.Scalar(diff(-1, None, -2, -1), step)
        else:
            # (-1.5 x0 + 2 x1 - 0.5 x2) / step and (0.5 x-3 - 2 x-2 + 1.5 x-1) / step
            third = mul(_slice(self, d, 2, 3), 0.5)
            second = mul(_slice(self, d, 1, 2), 2)
            prepend = sub(add(mul(_slice(self, d, 0, 1), -1.5), second), third)
            prepend = aten.div.Scalar(prepend, step)
            third = mul(_slice(self, d, -1), 1.5)
            second = mul(_slice(self, d, -2, -1), 2)
            append = add(sub(mul(_slice(self, d, -3, -2), 0.5), second), third)
            append = aten.div.Scalar(append, step)
        result.append(_join(aten.div.Scalar(center, 2), prepend, append, d))
    return result


def _weighted(self, d, weights, starts_stops):
    """``w0 * self[s0] + w1 * self[s1] + w2 * self[s2]`` along ``d``."""
    terms = [None] * 3
    for i in (2, 1, 0):
        start, stop = starts_stops[i]
        terms[i] = aten.mul.Tensor(weights[i], _slice(self, d, start, stop))
    return aten.add.Tensor(aten.add.Tensor(terms[0], terms[1]), terms[2])


def _with_coordinates(self, coordinates, dims, edge_order):
    """Uneven steps: the differences of the coordinate tensor ``coordinates[i]`` along
    ``dims[i]``."""
    mul, add, sub, div = aten.mul.Tensor, aten.add.Tensor, aten.sub.Tensor, aten.div.Tensor
    neg = aten.neg.default
    result = []
    for coords, d in zip(coordinates, dims):
        if coords.dim() != 1:
            raise RuntimeError("torch.gradient expected each element of spacing to have one "
                               f"dimension, but got an element with {coords.dim()} dimensions!")
        d = wrap_dim(d, self.dim())
        shape = [1] * self.dim()
        shape[d] = -1
        dx = aten.diff.default(coords, 1, 0)
        dx1, dx2 = _slice(dx, 0, 0, -1), _slice(dx, 0, 1)

        # the three-point weights (each denominator computed before its numerator)
        den = mul(dx1, add(dx1, dx2))
        a = aten.reshape.default(div(neg(dx2), den), shape)
        den = mul(dx1, dx2)
        b = aten.reshape.default(div(sub(dx2, dx1), den), shape)
        den = mul(dx2, add(dx1, dx2))
        c = aten.reshape.default(div(dx1, den), shape)
        center = _weighted(self, d, (a, b, c), ((0, -2), (1, -1), (2, None)))

        def h(i):  # (a step: each use selects it again, as ``ax_dx[i]`` does)
            return aten.select.int(dx, 0, i)

        if edge_order == 1:
            first = h(0)
            right = _slice(self, d, 0, 1)
            prepend = div(sub(_slice(self, d, 1, 2), right), first)
            last = h(-1)
            right = _slice(self, d, -2, -1)
            append = div(sub(_slice(self, d, -1), right), last)
        else:
            # a = -(2 h0 + h1) / (h0 (h0 + h1)), b = (h0 + h1) / (h0 h1),
            # c = -h0 / (h1 (h0 + h1))
            den = _mul_rl(lambda: h(0), lambda: _add_rl(lambda: h(0), lambda: h(1)))
            a = div(neg(_add_rl(lambda: aten.mul.Scalar(h(0), 2.0), lambda: h(1))), den)
            den = _mul_rl(lambda: h(0), lambda: h(1))
            b = div(_add_rl(lambda: h(0), lambda: h(1)), den)
            den = _mul_rl(lambda: h(1), lambda: _add_rl(lambda: h(0), lambda: h(1)))
            c = div(neg(h(0)), den)
            prepend = _weighted(self, d, (a, b, c), ((0, 1), (1, 2), (2, 3)))
            # a = h-1 / (h-2 (h-1 + h-2)), b = -(h-1 + h-2) / (h-1 h-2),
            # c = (2 h-1 + h-2) / (h-1 (h-1 + h-2))
            den = _mul_rl(lambda: h(-2), lambda: _add_rl(lambda: h(-1), lambda: h(-2)))
            a = div(h(-1), den)
            den = _mul_rl(lambda: h(-1), lambda: h(-2))
            b = div(neg(_add_rl(lambda: h(-1), lambda: h(-2))), den)
            den = _mul_rl(lambda: h(-1), lambda: _add_rl(lambda: h(-1), lambda: h(-2)))
            c = div(_add_rl(lambda: aten.mul.Scalar(h(-1), 2), lambda: h(-2)), den)
            append = _weighted(self, d, (a, b, c), ((-3, -2), (-2, -1), (-1, None)))
        result.append(_join(center, prepend, append, d))
    return result


def _add_rl(left, right):
    """``left() + right()``, the right operand computed first."""
    r = right()
    return aten.add.Tensor(left(), r)


def _mul_rl(left, right):
    """``left() * right()``, the right operand computed first."""
    r = right()
    return aten.mul.Tensor(left(), r)


def _all_dims(self, dim):
    return list(range(self.dim())) if dim is None else [dim]


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    tail = "int edge_order=1) -> Tensor[]"
    scalarint = defop("gradient.scalarint(Tensor self, *, Scalar? spacing=None, int? dim=None, "
                      + tail)
    scalararray = defop("gradient.scalararray(Tensor self, *, Scalar spacing, int[] dim, " + tail)
    array = defop("gradient.array(Tensor self, *, int[] dim, " + tail)
    scalarrayint = defop("gradient.scalarrayint(Tensor self, *, Scalar[] spacing, "
                         "int? dim=None, " + tail)
    scalarrayarray = defop("gradient.scalarrayarray(Tensor self, *, Scalar[] spacing, "
                           "int[] dim, " + tail)
    tensorarrayint = defop("gradient.tensorarrayint(Tensor self, *, Tensor[] spacing, "
                           "int? dim=None, " + tail)
    tensorarray = defop("gradient.tensorarray(Tensor self, *, Tensor[] spacing, int[] dim, "
                        + tail)

    @scalarint.composite
    def _(self, *, spacing=None, dim=None, edge_order=1):
        dims = _all_dims(self, dim)
        steps = [1.0 if spacing is None else spacing] * (1 if dim is not None else self.dim())
        _pre_check(self, None if spacing is None else len(steps),
                   None if dim is None else dims, edge_order)
        return _with_steps(self, steps, dims, edge_order)

    @scalararray.composite
    def _(self, *, spacing, dim, edge_order=1):
        steps = [spacing] * len(dim)
        _pre_check(self, len(steps), list(dim), edge_order)
        return _with_steps(self, steps, list(dim), edge_order)

    @array.composite
    def _(self, *, dim, edge_order=1):
        _pre_check(self, len(dim), list(dim), edge_order)
        return _with_steps(self, [1.0] * len(dim), list(dim), edge_order)

    @scalarrayint.composite
    def _(self, *, spacing, dim=None, edge_order=1):
        dims = _all_dims(self, dim)
        _pre_check(self, len(spacing), None if dim is None else dims, edge_order)
        return _with_steps(self, list(spacing), dims, edge_order)

    @scalarrayarray.composite
    def _(self, *, spacing, dim, edge_order=1):
        _pre_check(self, len(spacing), list(dim), edge_order)
        return _with_steps(self, list(spacing), list(dim), edge_order)

    @tensorarrayint.composite
    def _(self, *, spacing, dim=None, edge_order=1):
        dims = _all_dims(self, dim)
        _pre_check(self, len(spacing), None if dim is None else dims, edge_order)
        return _with_coordinates(self, list(spacing), dims, edge_order)

    @tensorarray.composite
    def _(self, *, spacing, dim, edge_order=1):
        _pre_check(self, len(spacing), list(dim), edge_order)
        return _with_coordinates(self, list(spacing), list(dim), edge_order)

    _OVERLOADS[:] = [d.op for d in (scalarint, scalararray, array, scalarrayint,
                                    scalarrayarray, tensorarrayint, tensorarray)]


def api(define):
    """``torch.gradient`` (a tuple of tensors, as PyTorch's binding returns), bound to the ops
    when first called (``define()`` defines them)."""
    def overloads():
        define()
        return _OVERLOADS
    plain = make_function("gradient", overloads)

    def gradient(*args, **kwargs):
        return tuple(plain(*args, **kwargs))
    gradient.__name__ = gradient.__qualname__ = "gradient"
    gradient.__module__ = "kindling"
    PUBLIC["gradient"] = gradient
