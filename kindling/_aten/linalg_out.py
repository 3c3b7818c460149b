"""The ``out=`` forms of the linalg ops that return several tensors (``linalg_qr.out``,
``_linalg_svd.U``, ``linalg_lu.out``...), and the helpers linalg ``out=`` kernels share.

PyTorch's structured kernels check each ``out`` tensor's dtype (exactly, or "safely castable"
for ``linalg_eig``/``linalg_lstsq``), resize it to the result's shape - an ``out`` that had to
be resized takes the result's strides, so an empty ``out`` of a LAPACK result comes back
column-major - and write it. Several public forms are composites over a private op, as in
PyTorch: ``linalg_slogdet.out`` writes through ``_linalg_slogdet.sign`` with a scratch ``LU``
and ``pivots``, ``linalg_svd.U`` through ``_linalg_svd.U``, ``linalg_eigh.eigvals`` through
``_linalg_eigh.eigenvalues``, ``linalg_solve_ex.out`` through ``_linalg_solve_ex.result``,
``linalg_lu_factor.out`` through ``linalg_lu_factor_ex.out`` and an error check.
"""
from __future__ import annotations

from .. import _dtype
from ._defop import defop, get_opdef
from ._ops_registry import aten
from ._tags import variant_tags
from ._variants import cpp_name, resize_out
from .linalg_solvers import OPS


# ---- helpers ------------------------------------------------------------------------------------
def check_out_dtype(out, result):
    """A structured kernel's check: ``out`` has exactly the result's dtype."""
    if out.dtype is not result.dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {cpp_name(result.dtype)}, but got "
                           f"{cpp_name(out.dtype)} instead")


def check_castable(api, arg, out, dt):
    """PyTorch's ``checkLinalgCompatibleDtype``: ``dt`` casts safely to ``out``'s dtype."""
    if not _dtype.can_cast(dt, out.dtype):
        raise RuntimeError(f"{api}: Expected {arg} to be safely castable from {dt._scalar_name} "
                           f"dtype, but got {arg} with dtype {out.dtype._scalar_name}")


def write_out(out, result):
    """``result`` into ``out``: resized (column-major, as LAPACK writes, when it was and the
    result is) and copied."""
    if tuple(out._size) != tuple(result._size):
        resize_out(out, result._size)
        if result.dim() >= 2 and out.numel() and _column_major(result):
            size = list(result._size)
            aten.as_strided_.default(out, size, _column_major_strides(size))
    return aten.copy_.default(out, result)


def _column_major_strides(size):
    strides = [1] * len(size)
    strides[-1] = max(size[-2], 1)
    step = max(size[-2], 1) * max(size[-1], 1)
    for i in range(len(size) - 3, -1, -1):
        strides[i] = step
        step *= max(size[i], 1)
    return strides


def _column_major(t):
    return t.stride() == tuple(_column_major_strides(list(t._size))) and not t.is_contiguous()


def _expected(f, args, kwargs, dtypes):
    """Stand-ins for the functional's results with their dtypes - what the out= form checks
    before computing, as a structured kernel's meta function does: the results on meta
    tensors, else ``dtypes(first argument)`` (where kindling's meta function already refuses
    the input's dtype and PyTorch's does not), else None."""
    from .._tensor import Tensor
    metas = [aten.empty.memory_format(list(a.shape), dtype=a.dtype, device="meta")
             if isinstance(a, Tensor) else a for a in args]
    try:
        return f.op(*metas, **kwargs)
    except Exception:  # noqa: BLE001 (the real call raises it, in its place)
        if dtypes is None:
            return None
        return [aten.empty.memory_format([0], dtype=dt, device="meta")
                for dt in dtypes(args[0].dtype)]


def _backend_out(schema, functional, castable_api=None, dtypes=None):
    """An out= op computing ``functional`` and writing each result into its ``out`` argument
    (dtype checked exactly, or as safely castable in ``castable_api``'s words; ``dtypes``: see
    ``_expected``)."""
    f = get_opdef(functional)
    d = defop(schema, tags=variant_tags(f))
    names = [a.name for a in d.schema.arguments if a.is_out]

    @d.explicit
    def _(*args, **kwargs):
        outs = [kwargs.pop(n) for n in names]

        def check(results):
            for n, o, r in zip(names, outs, results):
                if castable_api is None:
                    check_out_dtype(o, r)
                else:
                    check_castable(castable_api, n, o, r.dtype)
        expected = _expected(f, args, kwargs, dtypes)
        if expected is not None:  # (checked before computing, as PyTorch's meta function)
            check(expected)
        results = f.op(*args, **kwargs)
        if expected is None:
            check(results)
        for o, r in zip(outs, results):
            write_out(o, r)
        return tuple(outs)
    d.functional = f
    OPS[str(d.op)[len("aten."):]] = d
    return d


def _composite_out(schema, fn):
    d = defop(schema)
    d.composite(fn)
    OPS[str(d.op)[len("aten."):]] = d
    return d


def _scratch(A, dtype=None):
    return aten.empty.memory_format([0], dtype=dtype or A.dtype, device=A.device)


# ---- the backend out= forms ---------------------------------------------------------------------
_backend_out("linalg_inv_ex.inverse(Tensor A, *, bool check_errors=False, Tensor(a!) inverse, "
             "Tensor(b!) info) -> (Tensor(a!) inverse, Tensor(b!) info)", "linalg_inv_ex.default")
_backend_out("linalg_cholesky_ex.L(Tensor self, *, bool upper=False, bool check_errors=False, "
             "Tensor(a!) L, Tensor(b!) info) -> (Tensor(a!) L, Tensor(b!) info)",
             "linalg_cholesky_ex.default")
_backend_out("linalg_qr.out(Tensor A, str mode=\"reduced\", *, Tensor(a!) Q, Tensor(b!) R) -> "
             "(Tensor(a!) Q, Tensor(b!) R)", "linalg_qr.default")
_backend_out("linalg_eig.out(Tensor self, *, Tensor(a!) eigenvalues, Tensor(b!) eigenvectors) "
             "-> (Tensor(a!) eigenvalues, Tensor(b!) eigenvectors)", "linalg_eig.default",
             castable_api="torch.linalg.eig")
_backend_out("linalg_lstsq.out(Tensor self, Tensor b, float? rcond=None, *, str? driver=None, "
             "Tensor(a!) solution, Tensor(b!) residuals, Tensor(c!) rank, "
             "Tensor(d!) singular_values) -> (Tensor(a!) solution, Tensor(b!) residuals, "
             "Tensor(c!) rank, Tensor(d!) singular_values)", "linalg_lstsq.default",
             castable_api="torch.linalg.lstsq",
             dtypes=lambda dt: (dt, dt.to_real(), _dtype.int64, dt.to_real()))
_backend_out("linalg_lu_factor_ex.out(Tensor A, *, bool pivot=True, bool check_errors=False, "
             "Tensor(a!) LU, Tensor(b!) pivots, Tensor(c!) info) -> (Tensor(a!) LU, "
             "Tensor(b!) pivots, Tensor(c!) info)", "linalg_lu_factor_ex.default",
             dtypes=lambda dt: (dt, _dtype.int32, _dtype.int32))
_backend_out("linalg_lu.out(Tensor A, *, bool pivot=True, Tensor(a!) P, Tensor(b!) L, "
             "Tensor(c!) U) -> (Tensor(a!) P, Tensor(b!) L, Tensor(c!) U)", "linalg_lu.default",
             dtypes=lambda dt: (dt, dt, dt))
_backend_out("lu_unpack.out(Tensor LU_data, Tensor LU_pivots, bool unpack_data=True, "
             "bool unpack_pivots=True, *, Tensor(a!) P, Tensor(b!) L, Tensor(c!) U) -> "
             "(Tensor(a!) P, Tensor(b!) L, Tensor(c!) U)", "lu_unpack.default")
_backend_out("_linalg_svd.U(Tensor A, bool full_matrices=False, bool compute_uv=True, *, "
             "str? driver=None, Tensor(a!) U, Tensor(b!) S, Tensor(c!) Vh) -> (Tensor(a!) U, "
             "Tensor(b!) S, Tensor(c!) Vh)", "_linalg_svd.default")
_backend_out("_linalg_eigh.eigenvalues(Tensor A, str UPLO=\"L\", bool compute_v=True, *, "
             "Tensor(a!) eigenvalues, Tensor(b!) eigenvectors) -> (Tensor(a!) eigenvalues, "
             "Tensor(b!) eigenvectors)", "_linalg_eigh.default")
_backend_out("_linalg_slogdet.sign(Tensor A, *, Tensor(a!) sign, Tensor(b!) logabsdet, "
             "Tensor(c!) LU, Tensor(d!) pivots) -> (Tensor(a!) sign, Tensor(b!) logabsdet, "
             "Tensor(c!) LU, Tensor(d!) pivots)", "_linalg_slogdet.default")
_backend_out("_linalg_solve_ex.result(Tensor A, Tensor B, *, bool left=True, "
             "bool check_errors=False, Tensor(a!) result, Tensor(b!) LU, Tensor(c!) pivots, "
             "Tensor(d!) info) -> (Tensor(a!) result, Tensor(b!) LU, Tensor(c!) pivots, "
             "Tensor(d!) info)", "_linalg_solve_ex.default")


# ---- the composite ones -------------------------------------------------------------------------
def _slogdet_out(A, *, sign, logabsdet):
    aten._linalg_slogdet.sign(A, sign=sign, logabsdet=logabsdet, LU=_scratch(A),
                              pivots=_scratch(A, _dtype.int32))
    return sign, logabsdet


def _solve_ex_out(A, B, *, left=True, check_errors=False, result, info):
    aten._linalg_solve_ex.result(A, B, left=left, check_errors=check_errors, result=result,
                                 LU=_scratch(A), pivots=_scratch(A, _dtype.int32), info=info)
    return result, info


def _svd_out(A, full_matrices=True, *, driver=None, U, S, Vh):
    return aten._linalg_svd.U(A, full_matrices, True, driver=driver, U=U, S=S, Vh=Vh)


def _eigh_out(self, UPLO="L", *, eigvals, eigvecs):
    return aten._linalg_eigh.eigenvalues(self, UPLO, True, eigenvalues=eigvals,
                                         eigenvectors=eigvecs)


def _lu_factor_out(A, *, pivot=True, LU, pivots):
    info = _scratch(A, _dtype.int32)
    aten.linalg_lu_factor_ex.out(A, pivot=pivot, LU=LU, pivots=pivots, info=info)
    aten._linalg_check_errors.default(info, "torch.linalg.lu_factor", is_matrix=A.dim() == 2)
    return LU, pivots


_composite_out("linalg_slogdet.out(Tensor A, *, Tensor(a!) sign, Tensor(b!) logabsdet) -> "
               "(Tensor(a!) sign, Tensor(b!) logabsdet)", _slogdet_out)
_composite_out("linalg_solve_ex.out(Tensor A, Tensor B, *, bool left=True, "
               "bool check_errors=False, Tensor(a!) result, Tensor(b!) info) -> "
               "(Tensor(a!) result, Tensor(b!) info)", _solve_ex_out)
_composite_out("linalg_svd.U(Tensor A, bool full_matrices=True, *, str? driver=None, "
               "Tensor(a!) U, Tensor(b!) S, Tensor(c!) Vh) -> (Tensor(a!) U, Tensor(b!) S, "
               "Tensor(c!) Vh)", _svd_out)
_composite_out("linalg_eigh.eigvals(Tensor self, str UPLO=\"L\", *, Tensor(a!) eigvals, "
               "Tensor(b!) eigvecs) -> (Tensor(a!) eigenvalues, Tensor(b!) eigenvectors)",
               _eigh_out)
_composite_out("linalg_lu_factor.out(Tensor A, *, bool pivot=True, Tensor(a!) LU, "
               "Tensor(b!) pivots) -> (Tensor(a!) LU, Tensor(b!) pivots)", _lu_factor_out)
