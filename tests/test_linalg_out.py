"""``out=`` for the linalg functions returning several tensors (``linalg.qr``, ``svd``,
``eigh``, ``lu``...): one tuple of tensors, each checked (exact dtype, or "safely castable" for
``eig``/``lstsq``), resized with the result's strides, and ``torch.return_types.<op>_out``
returned - compared with PyTorch (values up to sign, dtypes, shapes, strides, warnings,
errors)."""
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402
from _parity import call_outcome  # noqa: E402

CASES = {
    "inv_ex": lambda T, A, B, e: T.linalg.inv_ex(A, out=(e(), e(T.int32))),
    "inv_ex bad": lambda T, A, B, e: T.linalg.inv_ex(A, out=(e(T.float64), e(T.int32))),
    "slogdet": lambda T, A, B, e: T.linalg.slogdet(A, out=(e(), e())),
    "slogdet bad": lambda T, A, B, e: T.linalg.slogdet(A, out=(e(), e(T.float64))),
    "solve_ex": lambda T, A, B, e: T.linalg.solve_ex(A, B, out=(e(), e(T.int32))),
    "solve_ex bad": lambda T, A, B, e: T.linalg.solve_ex(A, B, out=(e(), e(T.float64))),
    "cholesky_ex": lambda T, A, B, e: T.linalg.cholesky_ex(A, out=(e(), e(T.int32))),
    "qr": lambda T, A, B, e: T.linalg.qr(A, out=(e(), e())),
    "qr complete": lambda T, A, B, e: T.linalg.qr(A, "complete", out=(e(), e())),
    "svd": lambda T, A, B, e: T.linalg.svd(A, out=(e(), e(), e())),
    "svd bad": lambda T, A, B, e: T.linalg.svd(A, False, out=(e(), e(T.float64), e())),
    "eigh": lambda T, A, B, e: T.linalg.eigh(A, out=(e(), e())),
    "eigh U": lambda T, A, B, e: T.linalg.eigh(A, "U", out=(e(), e())),
    "eig": lambda T, A, B, e: T.linalg.eig(A, out=(e(T.complex64), e(T.complex64))),
    "eig upcast": lambda T, A, B, e: T.linalg.eig(A, out=(e(T.complex128), e(T.complex64))),
    "eig bad": lambda T, A, B, e: T.linalg.eig(A, out=(e(), e(T.complex64))),
    "lstsq": lambda T, A, B, e: T.linalg.lstsq(A, B, out=(e(), e(), e(T.int64), e())),
    "lstsq bad": lambda T, A, B, e: T.linalg.lstsq(A, B, out=(e(T.int64), e(), e(T.int64), e())),
    "lu_factor": lambda T, A, B, e: T.linalg.lu_factor(A, out=(e(), e(T.int32))),
    "lu_factor bad": lambda T, A, B, e: T.linalg.lu_factor(A, out=(e(), e(T.float64))),
    "lu_factor singular": lambda T, A, B, e: T.linalg.lu_factor(T.zeros(3, 3), out=(e(), e(T.int32))),
    "lu_factor_ex": lambda T, A, B, e: T.linalg.lu_factor_ex(A, out=(e(), e(T.int32), e(T.int32))),
    "lu": lambda T, A, B, e: T.linalg.lu(A, out=(e(), e(), e())),
    "lu bad": lambda T, A, B, e: T.linalg.lu(A, out=(e(T.float64), e(), e())),
    "lu_unpack": lambda T, A, B, e: T.lu_unpack(*T.linalg.lu_factor(A), out=(e(), e(), e())),
    "ldl_factor": lambda T, A, B, e: T.linalg.ldl_factor(A, out=(e(), e(T.int32))),
    "geqrf": lambda T, A, B, e: T.geqrf(A, out=(e(), e())),
    "slogdet size": lambda T, A, B, e: T.linalg.slogdet(A, out=(e(),)),
    "svd not tuple": lambda T, A, B, e: T.linalg.svd(A, out=e()),
    "resized": lambda T, A, B, e: T.linalg.qr(A, out=(T.zeros(2, 2), e())),
    "grad": lambda T, A, B, e: T.linalg.slogdet(A.clone().requires_grad_(), out=(e(), e())),
    "inv_ex bad kw": lambda T, A, B, e: T.linalg.inv_ex(A, inverse=e()),
}


def _plain(r):
    # (absolute values: factorizations are defined up to signs, which LAPACKs pick apart)
    return type(r).__name__, [(str(t.dtype), tuple(t.shape), t.stride(),
                               [round(v, 4) for v in t.abs().double().flatten().tolist()])
                              for t in r]


@pytest.mark.parametrize("name", sorted(CASES))
def test_linalg_tuple_out_matches_pytorch(name):
    def run(T):
        A = T.tensor([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
        B = T.tensor([[1.0, 2.0], [0.0, 1.0], [3.0, -1.0]])

        def e(dt=None):
            return T.empty(0, dtype=dt or T.float32)
        return call_outcome(lambda: CASES[name](T, A, B, e), _plain)
    k, t = run(kindling), run(torch)
    if k[0] == "returned":  # (PyTorch's C++ warnings end with "(Triggered internally...)")
        t = t[:2] + ([(c, m.split(" (Triggered internally")[0]) for c, m in t[2]],)
    assert k == t
