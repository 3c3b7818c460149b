"""Functions PyTorch removed in 1.9 but still names: ``torch.solve``, ``eig``, ``lstsq``,
``matrix_rank``, ``symeig`` (and the Tensor methods ``solve``, ``eig``, ``lstsq``,
``symeig``) raise RuntimeError pointing at their ``torch.linalg`` replacements."""
from __future__ import annotations

from ._api import function, method

_GONE = "This function was deprecated since version 1.9 and is now removed. "

_MATRIX_RANK = (
    "This function was deprecated since version 1.9 and is now removed.\nPlease use the "
    "`torch.linalg.matrix_rank` function instead. The parameter 'symmetric' was renamed in "
    "`torch.linalg.matrix_rank()` to 'hermitian'.")
_SOLVE = (
    _GONE + "`torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` "
    "has its arguments reversed and does not return the LU factorization.\n\nTo get the LU "
    "factorization see `torch.lu`, which can be used with `torch.lu_solve` or "
    "`torch.lu_unpack`.\nX = torch.solve(B, A).solution should be replaced with:\n"
    "X = torch.linalg.solve(A, B)")
_LSTSQ = (
    _GONE + "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` "
    "has reversed arguments and does not return the QR decomposition in the returned tuple "
    "(although it returns other information about the problem).\n\nTo get the QR "
    "decomposition consider using `torch.linalg.qr`.\n\nThe returned solution in `torch.lstsq` "
    "stored the residuals of the solution in the last m - n columns of the returned value "
    "whenever m > n. In torch.linalg.lstsq, the residuals are in the field 'residuals' of the "
    "returned named tuple.\n\nThe unpacking of the solution, as in\n"
    "X, _ = torch.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\n"
    "X = torch.linalg.lstsq(A, B).solution")
_SYMEIG = (
    _GONE + "The default behavior has changed from using the upper triangular portion of the "
    "matrix by default to using the lower triangular portion.\n\nL, _ = torch.symeig(A, "
    "upper=upper) should be replaced with:\nL = torch.linalg.eigvalsh(A, UPLO='U' if upper "
    "else 'L')\n\nand\n\nL, V = torch.symeig(A, eigenvectors=True) should be replaced with:\n"
    "L, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')")
_EIG = (
    _GONE + "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather "
    "than real tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be replaced "
    "with:\nL_complex = torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, "
    "eigenvectors=True) should be replaced with:\nL_complex, V_complex = torch.linalg.eig(A)")


@function("matrix_rank")
def matrix_rank(input, tol=None, symmetric=False, *, out=None):
    """Removed: use ``torch.linalg.matrix_rank``."""
    raise RuntimeError(_MATRIX_RANK)


@function("solve")
def solve(input, A, *, out=None):
    """Removed: use ``torch.linalg.solve`` (arguments reversed)."""
    raise RuntimeError(_SOLVE)


@function("lstsq")
def lstsq(input, A, *, out=None):
    """Removed: use ``torch.linalg.lstsq`` (arguments reversed)."""
    raise RuntimeError(_LSTSQ)


@function("symeig")
def symeig(input, eigenvectors=False, upper=True, *, out=None):
    """Removed: use ``torch.linalg.eigvalsh`` / ``eigh``."""
    raise RuntimeError(_SYMEIG)


@function("eig")
def eig(self, eigenvectors=False, *, e=None, v=None):
    """Removed: use ``torch.linalg.eigvals`` / ``eig``."""
    raise RuntimeError(_EIG)


method("solve")(solve)
method("lstsq")(lstsq)
method("symeig")(symeig)
method("eig")(eig)


@function("is_vulkan_available")
def is_vulkan_available():
    """Whether the Vulkan backend is available: never in kindling."""
    return False


@function("is_distributed")
def is_distributed(input):
    """Whether ``input`` is a distributed tensor: never in kindling."""
    return False
