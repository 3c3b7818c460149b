"""The Python surface of the linalg ops: the functions of ``kindling.linalg`` (built here, so
``kindling/linalg`` only re-exports them), the top-level ``det``, ``inverse``, ``slogdet``,
``logdet``, ``svd``, ``cholesky``... and their Tensor methods, returning PyTorch's
``torch.return_types`` tuples where PyTorch does.
"""
from __future__ import annotations

from ._api import function, make_function, method, public
from .reductions import _structseq, return_types
from .linalg_solvers import OPS

LINALG: dict = {}   # kindling.linalg.<name>

_RETURN_TYPES = {
    "linalg_inv_ex": ("inverse", "info"), "linalg_cholesky_ex": ("L", "info"),
    "linalg_solve_ex": ("result", "info"), "linalg_slogdet": ("sign", "logabsdet"),
    "slogdet": ("sign", "logabsdet"), "linalg_qr": ("Q", "R"), "linalg_svd": ("U", "S", "Vh"),
    "svd": ("U", "S", "V"), "qr": ("Q", "R"), "linalg_eigh": ("eigenvalues", "eigenvectors"),
    "linalg_eig": ("eigenvalues", "eigenvectors"),
    "triangular_solve": ("solution", "cloned_coefficient"),
    "linalg_lstsq": ("solution", "residuals", "rank", "singular_values"),
    "linalg_lu_factor": ("LU", "pivots"), "linalg_lu_factor_ex": ("LU", "pivots", "info"),
    "linalg_lu": ("P", "L", "U"), "lu_unpack": ("P", "L", "U"),
    "_lu_with_info": ("LU", "pivots", "info"),
}
for _n, _f in _RETURN_TYPES.items():
    setattr(return_types, _n, _structseq(_n, _f))
    setattr(return_types, _n + "_out", _structseq(_n + "_out", _f))


def _ops(*names):
    return [(OPS.get(n) or OPS[n + ".default"]).op for n in names]


def _api(name, ops, rt=None, module="kindling.linalg", self_name="input", is_method=False):
    # (PyTorch's argument parser names torch.linalg functions after their ops: linalg_inv())
    in_linalg = module == "kindling.linalg"
    rts = None if rt is None else (getattr(return_types, rt), getattr(return_types, rt + "_out"))
    f = make_function("linalg_" + name if in_linalg else name, ops, self_name=self_name,
                      is_method=is_method, return_types=rts)
    if in_linalg:
        f._tf_name = f"torch.linalg.{name}"
    f.__name__ = f.__qualname__ = name
    f.__module__ = module
    return f


def _linalg(name, *opnames, rt=None, doc=None):
    f = _api(name, _ops(*opnames), rt)
    f.__doc__ = doc
    LINALG[name] = f
    return f


_linalg("vector_norm", "linalg_vector_norm", "linalg_vector_norm.out",
        doc="The vector ``ord``-norm over ``dim``.")
_linalg("_powsum", "linalg__powsum", doc="``sum(abs(x) ** ord)`` over ``dim``: the vector norm "
        "without its root.")
_linalg("matrix_norm", "linalg_matrix_norm.str_ord", "linalg_matrix_norm",
        doc="A matrix norm ('fro', 'nuc', 1, -1, 2, -2, inf, -inf) over the two ``dim``.")
_linalg("norm", "linalg_norm", "linalg_norm.ord_str",
        doc="A vector or matrix norm, as ``ord`` and ``dim`` select.")
_linalg("inv", "linalg_inv", doc="The inverse of square matrices; LinAlgError if singular.")
_linalg("inv_ex", "linalg_inv_ex", "linalg_inv_ex.inverse", rt="linalg_inv_ex",
        doc="The inverse and LAPACK's ``info`` (no error unless ``check_errors``).")
_linalg("det", "linalg_det", doc="The determinant of square matrices.")
_linalg("slogdet", "linalg_slogdet", "linalg_slogdet.out", rt="linalg_slogdet",
        doc="The sign (phase) and the log of the absolute value of the determinant.")
_linalg("solve", "linalg_solve", doc="The solution ``X`` of ``AX = B`` (``XA = B``: left=False).")
_linalg("solve_ex", "linalg_solve_ex", "linalg_solve_ex.out", rt="linalg_solve_ex",
        doc="``solve`` and LAPACK's ``info``.")
_linalg("cholesky", "linalg_cholesky", doc="The Cholesky factor of Hermitian positive-definite "
        "matrices.")
_linalg("cholesky_ex", "linalg_cholesky_ex", "linalg_cholesky_ex.L", rt="linalg_cholesky_ex",
        doc="The Cholesky factor and LAPACK's ``info``.")
_linalg("qr", "linalg_qr", "linalg_qr.out", rt="linalg_qr", doc="The QR decomposition ('reduced', 'complete', "
        "'r').")
_linalg("svd", "linalg_svd", "linalg_svd.U", rt="linalg_svd", doc="The singular value decomposition "
        "``A = U diag(S) Vh``.")
_linalg("svdvals", "linalg_svdvals", doc="The singular values, in descending order.")
_linalg("eigh", "linalg_eigh", "linalg_eigh.eigvals", rt="linalg_eigh", doc="Eigenvalues (ascending) and eigenvectors "
        "of Hermitian matrices.")
_linalg("eigvalsh", "linalg_eigvalsh", doc="Eigenvalues (ascending) of Hermitian matrices.")
_linalg("eig", "linalg_eig", "linalg_eig.out", rt="linalg_eig", doc="Eigenvalues and eigenvectors (complex).")
_linalg("eigvals", "linalg_eigvals", doc="Eigenvalues (complex).")
_linalg("pinv", "linalg_pinv.atol_rtol_tensor", "linalg_pinv.atol_rtol_float",
        "linalg_pinv", "linalg_pinv.rcond_tensor", doc="The Moore-Penrose pseudoinverse.")
_linalg("matrix_power", "linalg_matrix_power", doc="The ``n``-th power of square matrices.")
_linalg("cross", "linalg_cross", doc="The cross product of 3-vectors along ``dim``.")
_linalg("multi_dot", "linalg_multi_dot", doc="The product of a chain of matrices, in the "
        "cheapest order.")
_linalg("solve_triangular", "linalg_solve_triangular", doc="The solution of a triangular "
        "system.")
_linalg("matrix_exp", "linalg_matrix_exp", doc="The matrix exponential.")


_linalg("lstsq", "linalg_lstsq", "linalg_lstsq.out", rt="linalg_lstsq",
        doc="The least-squares solution of ``AX = B`` (residuals, rank and singular values "
        "as the LAPACK driver gives them).")
_linalg("lu_factor", "linalg_lu_factor", "linalg_lu_factor.out", rt="linalg_lu_factor",
        doc="The packed LU factors and pivots of ``A = P L U`` (LinAlgError if singular).")
_linalg("lu_factor_ex", "linalg_lu_factor_ex", "linalg_lu_factor_ex.out", rt="linalg_lu_factor_ex",
        doc="``lu_factor`` and LAPACK's ``info`` (no error unless ``check_errors``).")
_linalg("lu", "linalg_lu", "linalg_lu.out", rt="linalg_lu", doc="The LU decomposition ``A = P L U``.")
_linalg("lu_solve", "linalg_lu_solve", doc="The solution of ``AX = B`` from ``lu_factor``'s "
        "factors (``XA = B``: left=False; ``A^H``: adjoint=True).")


_linalg("vecdot", "linalg_vecdot", "linalg_vecdot.out",
        doc="The dot product ``x^H y`` of vectors along ``dim``.")
_linalg("vander", "linalg_vander", doc="The Vandermonde matrix of ``x``: its powers 0 to N - 1.")
_linalg("diagonal", "linalg_diagonal", doc="The diagonals of matrices (``diagonal`` with "
        "``dim1=-2, dim2=-1``).")
_linalg("matmul", "linalg_matmul", "linalg_matmul.out", doc="The matrix product (``matmul``).")
_linalg("cond", "linalg_cond", "linalg_cond.p_str", "linalg_cond.out", "linalg_cond.p_str_out",
        doc="The condition number in a matrix norm ``p`` (2 by default).")
_linalg("tensorinv", "linalg_tensorinv", "linalg_tensorinv.out",
        doc="The inverse of a tensor read as a square matrix of ``prod(shape[:ind])`` rows.")
_linalg("tensorsolve", "linalg_tensorsolve", "linalg_tensorsolve.out",
        doc="The solution ``X`` of ``tensordot(A, X, X.ndim) = B``.")

_linalg("householder_product", "linalg_householder_product", "linalg_householder_product.out",
        doc="The first columns of the product of Householder reflectors ``H_1 ... H_k`` "
        "(``geqrf``'s representation).")
_linalg("ldl_solve", "linalg_ldl_solve", "linalg_ldl_solve.out",
        doc="The solution of ``AX = B`` from ``ldl_factor``'s factors.")
public("orgqr", *_ops("orgqr", "orgqr.out"))
public("_linalg_check_errors", *_ops("_linalg_check_errors"), method=False)
public("ormqr", *_ops("ormqr", "ormqr.out"))


# ---- functions returning several tensors, with out=(...) ---------------------------------------
def _tuple_out(name, opname, out_opname, fields, module="kindling.linalg", doc=None):
    """``name(..., *, out=None)`` over ``opname`` and its out= form, returning
    ``torch.return_types.<opname>`` with ``fields`` (``<opname>_out`` when given ``out``)."""
    for rt in (opname, opname + "_out"):
        setattr(return_types, rt, _structseq(rt, fields))
    f = _api(name, _ops(opname, out_opname), opname, module=module)
    f.__doc__ = doc
    return f


LINALG["ldl_factor_ex"] = _tuple_out(
    "ldl_factor_ex", "linalg_ldl_factor_ex", "linalg_ldl_factor_ex.out", ("LD", "pivots", "info"),
    doc="The LDL factorization of symmetric (Hermitian) matrices (Bunch-Kaufman pivoting, "
    "LAPACK's layout) and ``info`` (no error unless ``check_errors``).")
LINALG["ldl_factor"] = _tuple_out(
    "ldl_factor", "linalg_ldl_factor", "linalg_ldl_factor.out", ("LD", "pivots"),
    doc="The LDL factorization (an error where it fails).")
function("geqrf")(_tuple_out("geqrf", "geqrf", "geqrf.a", ("a", "tau"), module="kindling",
                             doc="The QR factorization as LAPACK's geqrf stores it."))
method("geqrf")(_api("geqrf", _ops("geqrf"), rt="geqrf", module="kindling", self_name="self",
                     is_method=True))


_matrix_rank_fn = _api("matrix_rank", _ops("linalg_matrix_rank.atol_rtol_tensor",
                                          "linalg_matrix_rank.atol_rtol_float",
                                          "linalg_matrix_rank", "linalg_matrix_rank.tol_tensor"))


def _matrix_rank(*args, out=None, **kwargs):
    """The numerical rank: singular values (or |eigenvalues| with ``hermitian``) above
    ``max(atol, rtol * largest)``; ``out=`` of an integer dtype takes the counts."""
    r = _matrix_rank_fn(*args, **kwargs)
    if out is None:
        return r
    from .._dtype import can_cast
    if not can_cast(r.dtype, out.dtype):
        raise RuntimeError(f"torch.linalg.matrix_rank: Expected result to be safely castable "
                           f"from Long dtype, but got result with dtype "
                           f"{out.dtype._scalar_name}")
    out.resize_(r.shape)
    out.copy_(r)
    return out


_matrix_rank.__name__ = _matrix_rank.__qualname__ = "matrix_rank"
_matrix_rank.__module__ = "kindling.linalg"
LINALG["matrix_rank"] = _matrix_rank


# ---- top-level functions and Tensor methods -----------------------------------------------------
for _name, _opnames in (("det", ("det",)), ("logdet", ("logdet",)), ("inverse", ("inverse",)),
                        ("cholesky", ("cholesky",)), ("cholesky_solve", ("cholesky_solve",)),
                        ("cholesky_inverse", ("cholesky_inverse",)),
                        ("matrix_power", ("matrix_power",)), ("pinverse", ("pinverse",)),
                        ("cross", ("cross",)), ("matrix_exp", ("linalg_matrix_exp",))):
    public(_name, *_ops(*_opnames))

function("lu_unpack")(_api("lu_unpack", _ops("lu_unpack", "lu_unpack.out"), rt="lu_unpack",
                            module="kindling"))

for _name, _op in (("slogdet", "slogdet"), ("svd", "svd"), ("qr", "qr"),
                   ("triangular_solve", "triangular_solve")):
    function(_name)(_api(_name, _ops(_op), rt=_op, module="kindling"))
    method(_name)(_api(_name, _ops(_op), rt=_op, module="kindling", self_name="self",
                       is_method=True))

function("_lu_with_info")(_api("_lu_with_info", _ops("_lu_with_info"), rt="_lu_with_info",
                               module="kindling"))
public("lu_solve", *_ops("lu_solve"))


def _lu(A, pivot=True, get_infos=False, out=None):
    """``torch.lu`` (deprecated): ``(LU, pivots)``, or with ``get_infos`` also LAPACK's infos
    (then a singular matrix is no error)."""
    from .. import _lu_with_info as lu_with_info
    r = lu_with_info(A, pivot=pivot, check_errors=not get_infos)
    res = r if get_infos else (r[0], r[1])
    if out is not None:
        if len(out) != len(res):
            raise TypeError(f"expected tuple of {len(res)} elements but got {len(out)}")
        for o, v in zip(out, res):
            o.resize_as_(v).copy_(v)
        return tuple(out)
    return res


def _lu_method(self, pivot=True, get_infos=False):
    return _lu(self, pivot=pivot, get_infos=get_infos)


function("lu")(_lu)
method("lu")(_lu_method)
