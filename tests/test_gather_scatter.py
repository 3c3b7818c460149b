"""gather / scatter / scatter_add / index_select / index_add beyond the OpInfo samples:
PyTorch's error types and texts, larger ``src``/``self`` than ``index``, repeated indices,
in-place and ``out=`` forms, and gradients."""
import pytest

import kindling

torch = pytest.importorskip("torch")


def _run(T, case):
    try:
        r = case(T)
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return type(e).__name__, str(e).split(" (Triggered internally")[0]
    if isinstance(r, T.Tensor):
        return str(r.dtype).split(".")[-1], tuple(r.shape), r.tolist()
    return r


def _x(T):
    return T.arange(12.0).reshape(3, 4)


CASES = {
    "gather_float_index": lambda T: _x(T).gather(1, T.tensor([[0.0, 1.0]])),
    "gather_int32_index": lambda T: _x(T).gather(1, T.tensor([[0, 3]], dtype=T.int32)),
    "gather_int16_index": lambda T: _x(T).gather(1, T.tensor([[0]], dtype=T.int16)),
    "gather_ndim": lambda T: _x(T).gather(1, T.tensor([0, 1])),
    "gather_oob": lambda T: _x(T).gather(1, T.tensor([[0, 5]])),
    "gather_negative": lambda T: _x(T).gather(1, T.tensor([[0, -1]])),
    "gather_size": lambda T: _x(T).gather(0, T.zeros(4, 5, dtype=T.int64)),
    "gather_dim": lambda T: _x(T).gather(2, T.zeros(3, 4, dtype=T.int64)),
    "gather_long_along_dim": lambda T: _x(T).gather(1, T.zeros(2, 9, dtype=T.int64)),
    "gather_out": lambda T: T.gather(_x(T), 1, T.tensor([[1], [2]]), out=T.empty(0)),
    "scatter_oob": lambda T: _x(T).scatter(1, T.tensor([[0, 5]]), 1.0),
    "scatter_src_small": lambda T: _x(T).scatter(1, T.tensor([[0, 1]]), T.ones(1, 1)),
    "scatter_dtype": lambda T: _x(T).scatter(1, T.tensor([[0, 1]]), T.ones(2, 2,
                                                                          dtype=T.float64)),
    "scatter_float_index": lambda T: _x(T).scatter(1, T.tensor([[0.0]]), 1.0),
    "scatter_big_src": lambda T: _x(T).scatter(0, T.tensor([[2, 0, 1, 1]]),
                                               T.arange(10.0).reshape(2, 5)),
    "scatter_int_value": lambda T: _x(T).scatter(1, T.tensor([[0, 1]]), 2),
    "scatter_float_into_int": lambda T: T.ones(3, dtype=T.int64).scatter(0, T.tensor([0]), 2.5),
    "scatter_inplace": lambda T: _x(T).scatter_(1, T.tensor([[3], [0]]), -1.0),
    "scatter_0d": lambda T: T.tensor(5.0).scatter(0, T.tensor(0), 2.0),
    "scatter_add_dtype": lambda T: _x(T).scatter_add(1, T.tensor([[0, 1]]),
                                                     T.ones(2, 2, dtype=T.float64)),
    "scatter_add_repeats": lambda T: T.zeros(2, 3).scatter_add(
        1, T.tensor([[0, 0, 2, 0], [1, 1, 1, 1]]), T.arange(8.0).reshape(2, 4)),
    "scatter_add_inplace": lambda T: T.zeros(5).scatter_add_(0, T.tensor([4, 4, 0]),
                                                             T.ones(3)),
    "index_select_matrix": lambda T: _x(T).index_select(1, T.tensor([[0, 1]])),
    "index_select_oob": lambda T: _x(T).index_select(1, T.tensor([0, 7])),
    "index_select_negative": lambda T: _x(T).index_select(1, T.tensor([-1])),
    "index_select_float": lambda T: _x(T).index_select(1, T.tensor([0.0])),
    "index_select_int32": lambda T: _x(T).index_select(0, T.tensor([2, 0], dtype=T.int32)),
    "index_select_0d_self": lambda T: T.tensor(5.0).index_select(0, T.tensor(0)),
    "index_select_out": lambda T: T.index_select(_x(T), 0, T.tensor([1]), out=T.empty(2, 2)),
    "index_add_float_index": lambda T: _x(T).index_add(1, T.tensor([0.0, 1.0]),
                                                       T.ones(3, 2)),
    "index_add_dtype": lambda T: _x(T).index_add(1, T.tensor([0, 1]),
                                                 T.ones(3, 2, dtype=T.float64)),
    "index_add_matrix_index": lambda T: _x(T).index_add(1, T.tensor([[0, 1]]), T.ones(3, 2)),
    "index_add_count": lambda T: _x(T).index_add(1, T.tensor([0, 1]), T.ones(3, 3)),
    "index_add_shape": lambda T: _x(T).index_add(1, T.tensor([0, 1]), T.ones(2, 2)),
    "index_add_oob": lambda T: _x(T).index_add(1, T.tensor([0, 9]), T.ones(3, 2)),
    "index_add_repeats_alpha": lambda T: _x(T).index_add(0, T.tensor([0, 0]), T.ones(2, 4),
                                                         alpha=2),
    "index_add_inplace": lambda T: T.zeros(4).index_add_(0, T.tensor([3, 3]), T.ones(2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    assert _run(kindling, CASES[name]) == _run(torch, CASES[name])


GRAD_CASES = {
    "gather": lambda T, x: x.gather(1, T.tensor([[0, 3, 3], [1, 1, 0], [2, 0, 2]])),
    "scatter_src": lambda T, x: T.zeros(3, 4, dtype=T.float64).scatter(1, T.tensor([[3], [0], [1]]),
                                                      x[:, :1] * 2),
    "scatter_self": lambda T, x: x.scatter(1, T.tensor([[3], [0], [1]]), 0.5),
    "scatter_add": lambda T, x: x.scatter_add(0, T.tensor([[0, 0, 2, 1]]), x[:1] * 3),
    "index_select": lambda T, x: x.index_select(1, T.tensor([0, 0, 3])),
    "index_add": lambda T, x: x.index_add(1, T.tensor([2, 2]), x[:, :2] * x[:, :2], alpha=3),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients_and_node_names_match_pytorch(name):
    def run(T):
        x = T.arange(12.0, dtype=T.float64).reshape(3, 4).requires_grad_()
        y = GRAD_CASES[name](T, x)
        w = T.arange(float(y.numel()), dtype=T.float64).reshape(y.shape)
        (gx,) = T.autograd.grad((y * w).sum(), x)
        return type(y.grad_fn).__name__, gx.tolist()
    assert run(kindling) == run(torch)


def test_gather_sparse_grad_backward_not_implemented():
    x = kindling.ones(2, 2, requires_grad=True)
    y = x.gather(1, kindling.tensor([[0], [1]]), sparse_grad=True)
    with pytest.raises(NotImplementedError, match="sparse"):
        y.sum().backward()


# ---- scatter's deprecated reduce= overloads (scatter.reduce / scatter.value_reduce) -------------
_REDUCE_CASES = {
    "src add": lambda T, x, i, s: x.scatter(0, i, s, reduce="add"),
    "src multiply": lambda T, x, i, s: (x + 2).scatter(0, i, s, reduce="multiply"),
    "value add": lambda T, x, i, s: x.scatter(0, i, 2.0, reduce="add"),
    "value multiply int": lambda T, x, i, s: (x + 1).scatter(0, i, 3, reduce="multiply"),
    "inplace src": lambda T, x, i, s: x.clone().scatter_(0, i, s, reduce="add"),
    "inplace value": lambda T, x, i, s: x.clone().scatter_(0, i, 2.5, reduce="multiply"),
    "function": lambda T, x, i, s: T.scatter(x, 0, i, s, reduce="multiply"),
    "out": lambda T, x, i, s: T.scatter(x, 0, i, s, reduce="add", out=T.empty(3, 3)),
    "bad reduce": lambda T, x, i, s: x.scatter(0, i, s, reduce="mean"),
    "bad reduce value": lambda T, x, i, s: x.scatter(0, i, 1.0, reduce="mean"),
    "float index": lambda T, x, i, s: x.scatter(0, i.float(), s, reduce="mean"),
    "dtype mismatch": lambda T, x, i, s: x.scatter(0, i, s.double(), reduce="add"),
    "torch.ops": lambda T, x, i, s: T.ops.aten.scatter.reduce(x, 0, i, s, reduce="add"),
    "node": lambda T, x, i, s: x.requires_grad_().scatter(0, i, s, reduce="add").grad_fn.name(),
    "backward": lambda T, x, i, s: x.requires_grad_().scatter(0, i, s, reduce="add").sum()
    .backward(),
    "unknown kwarg": lambda T, x, i, s: T.scatter(x, 0, i, s, foo=1),
}


@pytest.mark.parametrize("name", sorted(_REDUCE_CASES))
def test_scatter_reduce_argument_matches_pytorch(name):
    from _parity import call_outcome

    def run(T):
        x = T.zeros(3, 3)
        i = T.tensor([[0, 1, 2], [0, 0, 0]])
        s = T.arange(1.0, 7.0).reshape(2, 3)
        return call_outcome(lambda: _REDUCE_CASES[name](T, x, i, s),
                            lambda r: r.tolist() if isinstance(r, T.Tensor) else r)
    k, t = run(kindling), run(torch)
    if k[0] == "returned":  # (the deprecation warning is given once per process)
        k, t = k[:2], t[:2]
    assert k == t


def test_scatter_reduce_deprecation_warned_once_per_process():
    import subprocess
    import sys
    prog = ("import warnings, {lib} as T\n"
            "warnings.simplefilter('always')\n"
            "x, i, s = T.zeros(3), T.tensor([0, 0]), T.ones(2)\n"
            "for _ in range(2):\n"
            "    with warnings.catch_warnings(record=True) as ws:\n"
            "        warnings.simplefilter('always')\n"
            "        x.scatter(0, i, s, reduce='add'); x.scatter(0, i, 1.0, reduce='add')\n"
            "    print([str(w.message).split(' (Triggered')[0] for w in ws])\n")

    def run(lib):
        return subprocess.run([sys.executable, "-c", prog.format(lib=lib)], capture_output=True,
                              text=True, check=True).stdout
    out = run("kindling")
    assert out == run("torch") and "deprecated" in out
