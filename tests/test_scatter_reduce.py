"""scatter_reduce and index_reduce against PyTorch: values for every reduction and dtype,
errors and messages, the in-place and out= forms, gradients (ties, zeros, include_self) and
the double-backward error of prod."""
import warnings

import pytest

import kindling
from _parity import outcome

torch = pytest.importorskip("torch")

NAN = float("nan")
REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _same(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (index_reduce's beta warning: once per process)
        assert outcome(kindling, case) == outcome(torch, case)


S = [[1.0, 2, 3], [4, 5, 6]]
IDX = [[0, 1, 0], [1, 1, 1]]
SRC = [[10.0, 20, 30], [40, -50, 60]]


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int8", "float16",
                                   "bfloat16", "bool", "complex64"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_reduce_values(reduce, include_self, dtype, dim):
    def case(T):
        dt = getattr(T, dtype)
        return T.tensor(S).to(dt).scatter_reduce(dim, T.tensor(IDX), T.tensor(SRC).to(dt),
                                                 reduce, include_self=include_self)
    _same(case)


@pytest.mark.parametrize("reduce", ("prod", "mean", "amax", "amin"))
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int8", "float16",
                                   "bfloat16", "bool", "complex64"])
@pytest.mark.parametrize("dim,index", [(0, [1, 1, 0]), (1, [2, 2, 0]), (-1, [0, 0, 0])])
def test_index_reduce_values(reduce, include_self, dtype, dim, index):
    def case(T):
        dt = getattr(T, dtype)
        self = T.tensor(S + [[7.0, -8, 9]]).to(dt)
        src = T.tensor([[10.0, 20, 30], [40, -50, 60], [-1, 0, 2]]).to(dt)
        return self.index_reduce(dim, T.tensor(index), src, reduce, include_self=include_self)
    _same(case)


CASES = [
    lambda T: T.tensor(S).scatter_reduce(0, T.tensor(IDX), T.tensor(SRC), "foo"),
    lambda T: T.tensor(S).index_reduce(0, T.tensor([0, 0]), T.tensor(SRC), "sum"),
    lambda T: T.tensor(S).index_reduce(0, T.tensor([[0]]), T.tensor(SRC), "foo"),
    lambda T: T.tensor(S).scatter_reduce(0, T.tensor([[0]]).float(), T.tensor(SRC), "foo"),
    lambda T: T.tensor(S).scatter_reduce(0, T.tensor(IDX).int(), T.tensor(SRC), "sum"),
    lambda T: T.tensor(S).scatter_reduce(0, T.tensor(IDX), T.tensor(SRC).double(), "sum"),
    lambda T: T.tensor(S).scatter_reduce(0, T.tensor(IDX).float(), T.tensor(SRC), "sum"),
    lambda T: T.tensor(S).scatter_reduce(0, T.tensor([[5]]), T.tensor(SRC), "sum"),
    lambda T: T.tensor(S).scatter_reduce(0, T.tensor([[-1]]), T.tensor(SRC), "prod"),
    lambda T: T.tensor(S).index_reduce(0, T.tensor([5, 0]), T.tensor(SRC), "prod"),
    lambda T: T.tensor(S).index_reduce(0, T.tensor([-1, 0]), T.tensor(SRC), "prod"),
    lambda T: T.tensor(S).index_reduce(0, T.tensor([[0]]), T.tensor(SRC), "prod"),
    lambda T: T.tensor(S).index_reduce(0, T.tensor([0, 0]).float(), T.tensor(SRC), "prod"),
    lambda T: T.tensor(S).index_reduce(0, T.tensor([0, 0]).int(), T.tensor(SRC), "mean"),
    lambda T: T.tensor(S).index_reduce(0, T.tensor([0, 0]), T.tensor(SRC).double(), "prod"),
    lambda T: T.tensor(S).index_reduce(0, T.tensor([0]), T.tensor(SRC), "prod"),
    lambda T: T.tensor(S).index_reduce(1, T.tensor([0, 0]), T.tensor(SRC), "prod"),
    lambda T: T.tensor(2.0).scatter_reduce(0, T.tensor(0), T.tensor(3.0), "sum"),
    lambda T: T.tensor(2.0).index_reduce(0, T.tensor([0]), T.tensor([3.0]), "prod"),
    lambda T: T.tensor(2.0).index_reduce(0, T.tensor([0]), T.tensor(3.0), "prod"),
    lambda T: T.tensor([2.0]).index_reduce(0, T.tensor([0]), T.tensor(3.0), "prod"),
    lambda T: T.tensor(2.0).index_add(0, T.tensor([0]), T.tensor([3.0])),
    lambda T: T.ones(2, 3).index_add(1, T.tensor([0]), T.ones(3, 1)),
    lambda T: T.tensor([2, 3]).scatter_reduce(0, T.tensor([0, 0]), T.tensor([3, 4]), "mean",
                                              include_self=False),
    lambda T: T.tensor([-7, 3]).scatter_reduce(0, T.tensor([0, 0]), T.tensor([0, 0]), "mean"),
    lambda T: T.tensor([-7, 2]).index_reduce(0, T.tensor([0, 0]), T.tensor([0, 0]), "mean"),
    lambda T: T.tensor([1.0, 2]).scatter_reduce(0, T.tensor([0, 0]), T.tensor([NAN, 1.0]),
                                                "amax"),
    lambda T: T.tensor([1.0, 2.0]).index_reduce(0, T.tensor([0, 0]), T.tensor([NAN, 5.0]),
                                                "amin"),
    lambda T: T.tensor([1.0, 2]).scatter_reduce(0, T.tensor([], dtype=T.long), T.tensor([]),
                                                "amax", include_self=False),
    lambda T: T.tensor([1.0, 2]).index_reduce(0, T.tensor([], dtype=T.long), T.tensor([]),
                                              "mean", include_self=False),
    lambda T: T.tensor([1.0, 2.0], dtype=T.float16).scatter_reduce(
        0, T.tensor([1, 1, 1]), T.tensor([0.1, 0.1, 0.1], dtype=T.float16), "sum"),
    lambda T: T.tensor([1, 2], dtype=T.int8).index_reduce(
        0, T.tensor([1, 1, 1]), T.tensor([100, 100, 3], dtype=T.int8), "prod"),
    lambda T: T.scatter_reduce(T.tensor(S), 0, T.tensor(IDX), T.tensor(SRC), reduce="sum",
                               include_self=False),
    lambda T: T.index_reduce(T.tensor(S), 0, T.tensor([0, 0]), T.tensor(SRC), "amax"),
    lambda T: T.tensor(S).scatter_reduce(0, T.tensor(IDX), T.tensor(SRC), "sum", out=T.empty(0)),
    lambda T: T.scatter_reduce(T.tensor(S), 0, T.tensor(IDX), T.tensor(SRC), "sum",
                               out=T.empty(0)),
    lambda T: T.scatter_reduce(T.tensor(S), 0, T.tensor(IDX), T.tensor(SRC), "mean",
                               out=T.empty(2, 3, dtype=T.float64)),
    lambda T: T.index_reduce(T.tensor(S), 0, T.tensor([1, 1]), T.tensor(SRC), "amin",
                             out=T.empty(0)),
]


@pytest.mark.parametrize("case", CASES)
def test_scatter_and_index_reduce_cases(case):
    _same(case)


@pytest.mark.parametrize("method", ["scatter_reduce_", "index_reduce_"])
def test_in_place_forms(method):
    def case(T):
        self = T.tensor(S + [[7.0, -8, 9]])
        index = T.tensor(IDX) if method == "scatter_reduce_" else T.tensor([2, 0])
        r = getattr(self, method)(0, index, T.tensor(SRC), "amax", include_self=False)
        bad = outcome(T, lambda T: getattr(T.tensor(S).long(), method)(0, index, T.tensor(SRC),
                                                                       "amax"))
        return r is self, self._version, self.tolist(), bad
    _same(case)


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("values", ["distinct", "ties", "zeros"])
def test_scatter_reduce_gradients(reduce, include_self, values):
    self_v = {"distinct": S, "ties": [[5.0, 2, 3], [4, 5, 60]], "zeros": [[0.0, 2, 3], [4, 0, 6]]}
    src_v = {"distinct": SRC, "ties": [[5.0, 20, 3], [60, 60, 60]],
             "zeros": [[0.0, 20, 30], [40, 0, 0]]}

    def case(T):
        self = T.tensor(self_v[values], dtype=T.float64, requires_grad=True)
        src = T.tensor(src_v[values], dtype=T.float64, requires_grad=True)
        out = self.scatter_reduce(0, T.tensor(IDX), src, reduce, include_self=include_self)
        gs, gsrc = T.autograd.grad(out, (self, src), T.arange(6.0).reshape(2, 3).double() + 1)
        return type(out.grad_fn).__name__, repr(gs.tolist()), repr(gsrc.tolist())
    _same(case)


@pytest.mark.parametrize("reduce", ("prod", "mean", "amax", "amin"))
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("values", ["distinct", "ties", "zeros"])
def test_index_reduce_gradients(reduce, include_self, values):
    self_v = {"distinct": S, "ties": [[20.0, 2, 60], [4, 5, 6]], "zeros": [[0.0, 2, 3], [4, 0, 6]]}
    src_v = {"distinct": SRC + [[1.0, 2, 3]], "ties": [[20.0, 20, 3], [7, 5, 60], [20, 1, 60]],
             "zeros": [[0.0, 20, 30], [40, 0, 0], [0, 0, 1]]}

    def case(T):
        self = T.tensor(self_v[values], dtype=T.float64, requires_grad=True)
        src = T.tensor(src_v[values], dtype=T.float64, requires_grad=True)
        out = self.index_reduce(0, T.tensor([0, 1, 0]), src, reduce, include_self=include_self)
        gs, gsrc = T.autograd.grad(out, (self, src), T.arange(6.0).reshape(2, 3).double() + 1)
        return type(out.grad_fn).__name__, repr(gs.tolist()), repr(gsrc.tolist())
    _same(case)


@pytest.mark.parametrize("fn", ["scatter_reduce", "index_reduce"])
def test_prod_double_backward_refused_when_zeros_meet(fn):
    # (PyTorch's test_scatter_index_reduce_prod_gradgrad_error)
    def case(T):
        inp = T.tensor([1.0], dtype=T.float64, requires_grad=True)
        src = T.tensor([0.0, 0.0], dtype=T.float64, requires_grad=True)
        out = getattr(T, fn)(inp, 0, T.tensor([0, 0]), src, "prod")
        g = T.autograd.grad(out, (inp, src), create_graph=True)
        first = [(repr(x.tolist()), type(x.grad_fn).__name__) for x in g]
        return first, outcome(T, lambda T: T.autograd.grad(g[1].sum(), src))
    _same(case)


@pytest.mark.parametrize("fn", ["scatter_reduce", "index_reduce"])
@pytest.mark.parametrize("reduce", ["amin", "amax"])
def test_equal_extremes_share_the_gradient(fn, reduce):
    # (PyTorch's test_scatter_index_reduce_amin_amax_backprops_to_all_values)
    def case(T):
        inp = T.tensor([[1.0, 2.0, 3.0], [4.0, 4.0, 4.0]], dtype=T.float64, requires_grad=True)
        src = inp.clone().detach().requires_grad_(True)
        idx = T.arange(2)
        if fn == "scatter_reduce":
            idx = idx.unsqueeze(-1).expand((2, 3))
        out = getattr(T, fn)(inp, 0, idx, src, reduce)
        return [repr(g.tolist()) for g in T.autograd.grad(out.sum(), (inp, src))]
    _same(case)


def test_index_reduce_warns_that_it_is_in_beta_once():
    # (a warning PyTorch gives once per process: each library runs in a fresh interpreter)
    import subprocess
    import sys
    code = ("import warnings, {T} as T\n"
            "with warnings.catch_warnings(record=True) as ws:\n"
            "    warnings.simplefilter('always')\n"
            "    for _ in range(2):\n"
            "        T.tensor([1.0]).index_reduce(0, T.tensor([0]), T.tensor([2.0]), 'prod')\n"
            "print([(w.category.__name__, str(w.message).split(' (Triggered')[0]) for w in ws])")
    runs = [subprocess.run([sys.executable, "-c", code.format(T=name)], capture_output=True,
                           text=True, check=True).stdout for name in ("kindling", "torch")]
    assert runs[0] == runs[1] and "beta" in runs[0]


def test_schemas_and_methods():
    def case(T):
        ops = [str(getattr(getattr(T.ops.aten, n), o)._schema)
               for n in ("scatter_reduce", "scatter_reduce_", "index_reduce", "index_reduce_")
               for o in getattr(T.ops.aten, n).overloads()]
        return sorted(ops), [hasattr(T.Tensor, n) for n in (
            "scatter_reduce", "scatter_reduce_", "index_reduce", "index_reduce_")]
    _same(case)
