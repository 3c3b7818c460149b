"""``linalg.matrix_rank`` (all four overloads) against PyTorch: values, the ops a mode sees
(PyTorch's composite, tolerance tensors made in its order), errors and ``out=``."""
import pytest

import kindling
from _parity import dispatch_log

torch = pytest.importorskip("torch")

CALLS = [
    "T.linalg.matrix_rank(A)", "T.linalg.matrix_rank(A, hermitian=True)",
    "T.linalg.matrix_rank(A, atol=0.5)", "T.linalg.matrix_rank(A, 0.5)",
    "T.linalg.matrix_rank(A, atol=T.tensor(0.5, dtype=T.float64))",
    "T.linalg.matrix_rank(A, T.tensor(0.5, dtype=T.float64))",
    "T.linalg.matrix_rank(B)", "T.linalg.matrix_rank(B, rtol=1e-6)",
    "T.linalg.matrix_rank(B, atol=1e-12, rtol=0.0)", "T.linalg.matrix_rank(B.to(T.complex128))",
    "T.linalg.matrix_rank(B, hermitian=True, atol=0.1)",
    "T.linalg.matrix_rank(T.ones(3))", "T.linalg.matrix_rank(T.ones(2, 2, dtype=T.long))",
    "T.linalg.matrix_rank(T.zeros(0, 3))", "T.linalg.matrix_rank(T.zeros(4, 0, 3))",
    "T.linalg.matrix_rank(A, atol=T.tensor(1j))", "T.linalg.matrix_rank(T.ones(2, 3, 3))",
]


@pytest.mark.parametrize("call", CALLS)
def test_matrix_rank_matches_torch(call):
    def run(T):
        A = T.tensor([[1., 2.], [2., 4.]])
        B = T.tensor([[[1., 2., 3.], [2., 4., 6.5], [0., 1., 0.]],
                      [[1., 0., 0.], [0., 1e-9, 0.], [0., 0., 1.]]], dtype=T.float64)
        log, mode = dispatch_log(T)
        try:
            with mode:
                r = eval(call)
        except RuntimeError as e:
            return "RuntimeError", str(e)
        return r.tolist(), str(r.dtype).split(".")[-1], log
    assert run(kindling) == run(torch)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
def test_matrix_rank_out_matches_torch(dtype):
    """(no mode around it: PyTorch 2.13 under a mode leaves an int32 ``out`` unwritten)"""
    def run(T):
        out = T.empty(0, dtype=getattr(T, dtype))
        try:
            r = T.linalg.matrix_rank(T.tensor([[1., 2.], [2., 4.]]), out=out)
        except RuntimeError as e:
            return "RuntimeError", str(e)
        return r is out, r.tolist(), str(r.dtype).split(".")[-1]
    assert run(kindling) == run(torch)
