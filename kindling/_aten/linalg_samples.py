"""OpInfo samples of the linalg ops: well-conditioned inputs (``X + 3n I``; ``X X^H + n I``
for Cholesky and eigh; distinct singular values for random ``X``), batched, non-contiguous.

Singular vectors and eigenvectors are unique only up to sign (phase), so those ops'
``output_process`` compares gauge-invariant values (``|U|``, ``|V|``) in the generic tests, as
PyTorch's OpInfos do.
"""
from __future__ import annotations

import numpy as np

from ..testing import samples as S
from .linalg_solvers import OPS

SI = S.SampleInput


def _cast(v, dtype):
    return S.Arr(np.asarray(v).astype(dtype))


def sq(shape, dtype, seed=0, noncontig=False):
    v = S.make_arr(shape, dtype, seed=seed).value
    n = shape[-1]
    r = _cast(v.astype(np.complex128 if "complex" in dtype else np.float64)
              + 3 * n * np.eye(n), dtype)
    r.noncontig = noncontig
    return r


def spd(shape, dtype, seed=0):
    v = S.make_arr(shape, dtype, seed=seed).value.astype(
        np.complex128 if "complex" in dtype else np.float64)
    n = shape[-1]
    return _cast(v @ np.conj(np.swapaxes(v, -1, -2)) + n * np.eye(n), dtype)


def tri(shape, dtype, upper, seed=0):
    v = sq(shape, dtype, seed).value
    if v.dtype.kind == "c":  # (a real diagonal, as a Cholesky factor has)
        n = shape[-1]
        v[..., np.arange(n), np.arange(n)] = v[..., np.arange(n), np.arange(n)].real
    return S.Arr(np.triu(v) if upper else np.tril(v))


def mat(shape, dtype, seed=0, noncontig=False):
    return S.make_arr(shape, dtype, seed=seed, noncontig=noncontig)


def _gen(fn):
    def samples(dtype):
        return list(fn(dtype))
    return samples


def _s(name, fn, process=None):
    d = OPS[name]
    d.samples(_gen(fn))
    if process is not None:
        d.output_process = process


_s("linalg_vector_norm.default", lambda dt: [
    SI(mat((3, 4), dt)), SI(mat((3, 4), dt), 1), SI(mat((2, 3, 4), dt), float("inf"), [1, 2]),
    SI(mat((2, 3), dt), 3, [0], True), SI(mat((2, 3), dt), 0.5, -1),
    SI(mat((2, 3), dt, noncontig=True), -2, [1])])
_s("linalg_matrix_norm.default", lambda dt: [
    SI(sq((3, 3), dt), 1), SI(sq((2, 3, 3), dt), -1, [-1, -2], True),
    SI(mat((3, 4), dt), float("inf")), SI(mat((3, 4), dt), 2), SI(mat((2, 4, 3), dt), -2)])
_s("linalg_matrix_norm.str_ord", lambda dt: [
    SI(mat((3, 4), dt)), SI(mat((2, 3, 4), dt), "nuc"), SI(mat((3, 4, 2), dt), "fro", [0, 2], True)])
_s("linalg_norm.default", lambda dt: [
    SI(mat((3, 4), dt)), SI(mat((4,), dt), 3), SI(mat((3, 4), dt), 1),
    SI(mat((2, 3, 4), dt), None, [0, 2])])
_s("linalg_norm.ord_str", lambda dt: [SI(mat((3, 4), dt), "fro"), SI(mat((2, 3, 4), dt), "nuc",
                                                                     [1, 2])])
_square = lambda dt: [SI(sq((3, 3), dt)), SI(sq((2, 4, 4), dt, seed=1)),  # noqa: E731
                      SI(sq((4, 4), dt, seed=2, noncontig=True))]
for _n in ("linalg_inv_ex.default", "linalg_inv.default", "inverse.default",
           "_linalg_det.default", "linalg_det.default", "det.default",
           "_linalg_slogdet.default", "linalg_slogdet.default", "slogdet.default"):
    _s(_n, _square)


def _scaled(shape, dtype, norm, seed=0):
    """A matrix (batch) with 1-norm about ``norm``: matrix_exp picks its Taylor degree by it."""
    v = S.make_arr(shape, dtype, seed=seed).value
    v = v * (norm / max(float(np.abs(v).sum(-2).max()), 1e-30))
    return _cast(v, dtype)


# (single matrices reach each Taylor degree; a batch takes degree 18 with squaring)
_s("linalg_matrix_exp.default", lambda dt: [
    SI(_scaled((3, 3), dt, c, seed=i)) for i, c in enumerate((1e-9, 1e-4, 0.03, 0.4, 1.2, 2.5))
] + [SI(_scaled((2, 4, 4), dt, 2.0, seed=7)), SI(_scaled((3, 3), dt, 9.0, seed=8)),
     SI(mat((1, 1), dt))])
_s("logdet.default", lambda dt: [SI(spd((3, 3), dt)), SI(spd((2, 3, 3), dt, seed=1))])
_solve = lambda dt: [SI(sq((3, 3), dt), mat((3, 2), dt, seed=5)),  # noqa: E731
                     SI(sq((2, 3, 3), dt), mat((2, 3, 4), dt, seed=5)),
                     SI(sq((3, 3), dt), mat((3,), dt, seed=5)),
                     SI(sq((3, 3), dt), mat((2, 3, 2), dt, seed=5)),
                     SI(sq((3, 3), dt), mat((2, 3), dt, seed=5), left=False)]
for _n in ("_linalg_solve_ex.default", "linalg_solve_ex.default", "linalg_solve.default"):
    _s(_n, _solve)
_chol = lambda dt: [SI(spd((3, 3), dt)), SI(spd((2, 4, 4), dt, seed=1)),  # noqa: E731
                    SI(spd((3, 3), dt), upper=True)]
_s("linalg_cholesky_ex.default", _chol)
_s("linalg_cholesky.default", _chol)
_s("cholesky.default", lambda dt: [SI(spd((3, 3), dt)), SI(spd((2, 3, 3), dt, seed=1), True)])
_s("linalg_qr.default", lambda dt: [SI(mat((4, 3), dt)), SI(mat((2, 3, 3), dt, seed=1)),
                                    SI(mat((3, 5), dt, seed=2)),
                                    SI(mat((3, 4), dt, seed=3), "complete"),
                                    SI(mat((4, 3), dt, seed=4), "r")])


def _abs_process(idx):
    def process(out):
        return tuple(o.abs() if i in idx else o for i, o in enumerate(out))
    return process


_svd_abs = _abs_process((0, 2))
_s("_linalg_svd.default", lambda dt: [SI(mat((4, 3), dt)), SI(mat((2, 3, 5), dt, seed=1)),
                                      SI(mat((3, 3), dt, seed=2), True),
                                      SI(mat((4, 3), dt, seed=3), False, False)], _svd_abs)
_s("linalg_svd.default", lambda dt: [SI(mat((4, 3), dt), False), SI(mat((3, 3), dt, seed=2)),
                                     SI(mat((2, 3, 5), dt, seed=1), False)], _svd_abs)
_s("svd.default", lambda dt: [SI(mat((4, 3), dt)), SI(mat((3, 3), dt, seed=2), False)],
   _svd_abs)
_s("linalg_svdvals.default", lambda dt: [SI(mat((4, 3), dt)), SI(mat((2, 3, 5), dt, seed=1))])
_eigh_abs = _abs_process((1,))
_herm = lambda dt: [SI(spd((3, 3), dt)), SI(spd((2, 4, 4), dt, seed=1), "U")]  # noqa: E731
_s("_linalg_eigh.default", _herm, _eigh_abs)
_s("linalg_eigh.default", _herm, _eigh_abs)
_s("linalg_eigvalsh.default", _herm)
_s("linalg_pinv.atol_rtol_tensor", lambda dt: [
    SI(mat((4, 3), dt)), SI(mat((2, 3, 5), dt, seed=1)), SI(spd((3, 3), dt), hermitian=True)])
_s("linalg_pinv.default", lambda dt: [SI(mat((4, 3), dt), 1e-10)])
_s("pinverse.default", lambda dt: [SI(mat((3, 4), dt))])
_s("linalg_matrix_power.default", lambda dt: [
    SI(sq((3, 3), dt), 0), SI(sq((3, 3), dt), 1), SI(sq((2, 3, 3), dt), 2), SI(sq((3, 3), dt), 5),
    SI(sq((3, 3), dt), -2)])
_s("matrix_power.default", lambda dt: [SI(sq((3, 3), dt), 3)])
_s("linalg_cross.default", lambda dt: [SI(mat((4, 3), dt), mat((4, 3), dt, seed=1)),
                                       SI(mat((3, 2), dt), mat((3, 1), dt, seed=1), dim=0)])
_s("cross.default", lambda dt: [SI(mat((3, 2), dt), mat((3, 2), dt, seed=1), 0)])
_s("linalg_multi_dot.default", lambda dt: [
    SI([mat((2, 3), dt), mat((3, 4), dt, seed=1)]),
    SI([mat((3,), dt), mat((3, 5), dt, seed=1), mat((5, 2), dt, seed=2), mat((2,), dt, seed=3)])])
_s("linalg_solve_triangular.default", lambda dt: [
    SI(tri((3, 3), dt, True), mat((3, 2), dt, seed=1), upper=True),
    SI(tri((2, 3, 3), dt, False), mat((2, 3, 2), dt, seed=1), upper=False,
       unitriangular=True),
    SI(tri((3, 3), dt, True), mat((2, 3), dt, seed=1), upper=True, left=False)])
_s("triangular_solve.default", lambda dt: [
    SI(mat((3, 2), dt, seed=1), tri((3, 3), dt, True)),
    SI(mat((2, 3, 2), dt, seed=1), tri((2, 3, 3), dt, False), False, True)])
_s("cholesky_solve.default", lambda dt: [
    SI(mat((3, 2), dt, seed=1), tri((3, 3), dt, False)),
    SI(mat((2, 3, 2), dt, seed=1), tri((3, 3), dt, True), True)])
_s("cholesky_inverse.default", lambda dt: [SI(tri((3, 3), dt, False)),
                                           SI(tri((2, 3, 3), dt, True), True)])
