"""What a dispatch mode sees around conjugate/negative views and in backward formulas,
compared with PyTorch: ``clone``/``copy_`` of a marked tensor reach the mode with the bit set
(their kernels materialise it), ``real``/``imag`` select a wrapped dim, and a formula's
CompositeImplicitAutograd op (``reshape`` in ViewBackward0) reaches the mode decomposed."""
import pytest

import kindling

torch = pytest.importorskip("torch")


def _logged(T, fn):
    from importlib import import_module
    pd = import_module(T.__name__ + ".utils._python_dispatch")
    log = []

    class Log(pd.TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            r = func(*args, **(kwargs or {}))
            log.append((str(func), [(x.is_conj(), x.is_neg(), tuple(x.shape))
                                    if isinstance(x, T.Tensor) else repr(x) for x in args]))
            return r
    with Log():
        r = fn(T)
    return log, repr(r.tolist()) if isinstance(r, T.Tensor) else None


CASES = {
    "clone conj": lambda T: T.tensor([1 + 2j, 3j]).conj().clone(),
    "clone neg": lambda T: T.tensor([1 + 2j, 3j])._neg_view().clone(),
    "copy_ from conj": lambda T: T.zeros(2, dtype=T.complex64).copy_(T.tensor([1 + 2j, 3j]).conj()),
    "copy_ into conj": lambda T: T.tensor([1 + 2j, 3j]).conj().copy_(T.tensor([5j, 1.])),
    "copy_ into neg from conj": lambda T: T.tensor([1 + 2j, 3j])._neg_view().copy_(
        T.tensor([5j, 1 - 1j]).conj()),
    "exp of conj": lambda T: T.tensor([1 + 2j, 3j]).conj().exp(),
    "resolve_conj": lambda T: T.tensor([1 + 2j, 3j]).conj().resolve_conj(),
    "mul of conj": lambda T: T.tensor([1 + 2j, 3j]).conj() * T.tensor([1j, 2.]).conj(),
    "real and imag": lambda T: T.real(T.tensor([1 + 2j, 3j])) + T.tensor([1 + 2j, 3j]).imag,
    "real of conj": lambda T: T.tensor([[1 + 2j, 3j]]).conj().real,
    "reshape": lambda T: T.ones(2, 3).t().reshape(6),
    "view of conj": lambda T: T.tensor([[1 + 2j, 3j], [1., 2j]]).conj().view(4),
    "t and select of conj": lambda T: T.tensor([[1 + 2j, 3j], [1., 2j]]).conj().t()[0],
    "mH of neg": lambda T: T.tensor([[1 + 2j, 3j], [1., 2j]])._neg_view().mH,
    "unfold of conj (a view)": lambda T: T.tensor([1 + 2j, 3j, 4.]).conj().unfold(0, 2, 1),
    "mm of conj": lambda T: T.tensor([[1 + 2j, 3j], [1., 2j]]).conj() @ T.eye(
        2, dtype=T.complex64),
    "dot of conj": lambda T: T.dot(T.tensor([1 + 2j, 3j]).conj(), T.tensor([1j, 2.])),
    "addmm of conj": lambda T: T.addmm(T.ones(2, 2, dtype=T.complex64),
                                       T.tensor([[1 + 2j, 3j], [1., 2j]]).conj(),
                                       T.eye(2, dtype=T.complex64)),
    "bmm of conj": lambda T: T.bmm(T.tensor([[[1 + 2j, 3j], [1., 2j]]]).conj(),
                                   T.ones(1, 2, 2, dtype=T.complex64)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_mode_log_and_values_match_torch(name):
    assert _logged(kindling, CASES[name]) == _logged(torch, CASES[name])


def _backward(T, make):
    x = T.tensor([1., 2., 3.], dtype=T.float64, requires_grad=True)
    y = make(T, x)
    log, _ = _logged(T, lambda T: y.backward(T.ones_like(y)))
    return log, [round(v, 12) for v in x.grad.tolist()]


BACKWARD = {
    "view's reshape decomposes": lambda T, x: x.clone().view(3, 1),
    "polar (conj and real in formulas)": lambda T, x: T.polar(x, x).abs(),
    "block_diag of a 1-D input": lambda T, x: T.block_diag(x, x.view(3, 1)),
    "flatten": lambda T, x: (x * 2).view(1, 3).flatten(),
}


@pytest.mark.parametrize("name", sorted(BACKWARD))
def test_backward_formula_ops_match_torch(name):
    assert _backward(kindling, BACKWARD[name]) == _backward(torch, BACKWARD[name])


MM_LAYOUTS = {"row-major": ((3, 4), False, (4, 2), False),
              "column-major both": ((4, 3), True, (2, 4), True),
              "column-major mat2": ((3, 4), False, (3, 4), True)}


@pytest.mark.parametrize("name", sorted(MM_LAYOUTS))
def test_mm_backward_keeps_column_major_layouts_as_torch(name):
    """MmBackward0 computes a column-major input's gradient transposed (so it comes out
    column-major and AccumulateGrad takes it as is), as PyTorch's mm_mat*_backward do."""
    sa, ta, sb, tb = MM_LAYOUTS[name]

    def run(T):
        a = T.ones(*sa, dtype=T.float64)
        b = T.arange(float(sb[0] * sb[1]), dtype=T.float64).reshape(sb)
        a = (a.t() if ta else a).requires_grad_()
        b = (b.t() if tb else b).requires_grad_()
        y = T.mm(a, b)
        log, _ = _logged(T, lambda T: y.backward(T.ones(y.shape, dtype=T.float64)))
        return log, a.grad.tolist(), a.grad.stride(), b.grad.tolist(), b.grad.stride()
    assert run(kindling) == run(torch)


NORMS = {"2": lambda T, x: x.norm(), "1": lambda T, x: x.norm(1),
         "3 over a dim": lambda T, x: x.norm(3, dim=1), "inf": lambda T, x: x.norm(float("inf")),
         "0.5 over a dim": lambda T, x: T.linalg.vector_norm(x, 0.5, dim=1),
         "1.5": lambda T, x: T.linalg.vector_norm(x, 1.5),
         "vector_norm 2 over dim 0": lambda T, x: T.linalg.vector_norm(x, 2, dim=0),
         "0": lambda T, x: x.norm(0),
         "dist": lambda T, x: T.dist(x, T.zeros(2, 3, dtype=T.float64))}


@pytest.mark.parametrize("name", sorted(NORMS))
def test_norm_backward_ops_and_gradients_match_torch(name):
    """norm_backward as PyTorch writes it (masked_fill_, in-place pow_, a full reduction's
    0-d gradient broadcast; p = 0 leaves no gradient)."""
    def run(T):
        x = T.tensor([[1., -2., 0.], [3., 0.5, -1.]], dtype=T.float64, requires_grad=True)
        y = NORMS[name](T, x)
        log, _ = _logged(T, lambda T: y.backward(T.ones(y.shape, dtype=T.float64)))
        return log, None if x.grad is None else [round(v, 12) for v in x.grad.flatten().tolist()]
    assert run(kindling) == run(torch)


def test_cov_dist_renorm_backward_ops_match_torch():
    def run(T):
        out = []
        for fn in (lambda x: T.cov(x), lambda x: T.dist(x, T.zeros(2, 3, dtype=T.float64)),
                   lambda x: x.renorm(2, 0, 1.0)):
            x = T.tensor([[1., 2., 4.], [3., 1., 0.5]], dtype=T.float64, requires_grad=True)
            y = fn(x)
            log, _ = _logged(T, lambda T: y.backward(T.ones(y.shape, dtype=T.float64)))
            out.append((log, [round(v, 12) for v in x.grad.flatten().tolist()]))
        return out
    assert run(kindling) == run(torch)


REDUCTION_BACKWARDS = {
    "mean.dim": lambda T, x: x.mean(1), "var": lambda T, x: x.var(1),
    "std": lambda T, x: x.std(), "std dim": lambda T, x: x.std(1),
    "amax": lambda T, x: x.amax(1), "clamp": lambda T, x: x.clamp(0, 2),
    "clamp_min": lambda T, x: x.clamp_min(1.5),
    "clamp_max tensor": lambda T, x: x.clamp_max(T.full((2, 3), 1.5, dtype=T.float64)),
    "index": lambda T, x: x[T.tensor([0, 1])], "cumsum": lambda T, x: x.cumsum(1),
    "max.dim": lambda T, x: x.max(1)[0], "sigmoid": lambda T, x: x.sigmoid(),
    "mv": lambda T, x: T.mv(x, T.ones(3, dtype=T.float64)),
    "index_put": lambda T, x: x.index_put((T.tensor([0]),), T.tensor([9.], dtype=T.float64)),
}


@pytest.mark.parametrize("name", sorted(REDUCTION_BACKWARDS))
def test_formula_op_sequences_match_torch(name):
    """var/std/mean/amax/clamp/index backward formulas op for op as FunctionsManual's (their
    C++ argument order included)."""
    def run(T):
        x = T.tensor([[1., 2., 4.], [3., 1., 0.5]], dtype=T.float64, requires_grad=True)
        y = REDUCTION_BACKWARDS[name](T, x)
        log, _ = _logged(T, lambda T: y.backward(T.ones(y.shape, dtype=T.float64)))
        return log, [round(v, 12) for v in x.grad.flatten().tolist()]
    assert run(kindling) == run(torch)


@pytest.mark.parametrize("fn", ["maximum", "minimum", "fmax", "fmin"])
def test_maximum_minimum_backward_match_torch_nans_included(fn):
    def run(T):
        x = T.tensor([1., 2., 3., float("nan")], requires_grad=True)
        o = T.tensor([2., 2., 1., 1.], requires_grad=True)
        y = getattr(T, fn)(x, o)
        log, _ = _logged(T, lambda T: y.backward(T.ones(4)))
        return log, repr(x.grad.tolist()), repr(o.grad.tolist())
    assert run(kindling) == run(torch)


@pytest.mark.parametrize("fn", ["max", "min", "median", "nanmedian"])
@pytest.mark.parametrize("vals", [[[1., 4., 4.], [3., 1., 0.5]],
                                  [[1., float("nan"), 4.], [3., float("nan"), 0.5]]])
def test_full_reduction_value_backward_matches_torch(fn, vals):
    """evenly_distribute_backward as PyTorch runs it under a mode (ties and NaNs share)."""
    def run(T):
        x = T.tensor(vals, requires_grad=True)
        y = getattr(x, fn)()
        log, _ = _logged(T, lambda T: y.backward())
        return log, repr(x.grad.tolist())
    assert run(kindling) == run(torch)


PRODS = {"prod": lambda x: x.prod(), "prod dim": lambda x: x.prod(1),
         "prod dim keepdim": lambda x: x.prod(0, keepdim=True),
         "prod of a 1-wide dim": lambda x: x[:, :1].prod(1)}


@pytest.mark.parametrize("name", sorted(PRODS))
@pytest.mark.parametrize("vals", [[[1., 2., 4.], [3., 1., 0.5]], [[1., 0., 4.], [0., 0., 0.5]]])
def test_prod_backward_under_a_mode_matches_torch(name, vals):
    """Under a mode PyTorch's prod backward takes the zero-safe path (exclusive cumulative
    products from both ends), never the data-dependent one."""
    def run(T):
        x = T.tensor(vals, dtype=T.float64, requires_grad=True)
        y = PRODS[name](x)
        log, _ = _logged(T, lambda T: y.backward(T.ones(y.shape, dtype=T.float64)))
        # (op names only: a formula's view of a leaf reprs with requires_grad=True in
        # PyTorch's mode log, not in kindling's: see the note on views in formula mode)
        return [op for op, _ in log], repr(x.grad.tolist())
    assert run(kindling) == run(torch)
