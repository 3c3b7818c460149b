"""The differences from PyTorch that sweeping PyTorch's own OpInfo database found
(``tests/_torch_opdb_sweep.py``), each checked on its own against PyTorch: values, dtypes,
shapes, backward nodes, gradients, errors and their messages, warnings."""
import pickle
import warnings

import numpy as np
import pytest

import kindling
from _parity import call_outcome, dispatch_log, outcome

torch = pytest.importorskip("torch")


def _both(case):
    """``case(T)`` for kindling and PyTorch, as comparable values."""
    return outcome(kindling, case), outcome(torch, case)


def _same(case):
    k, t = _both(case)
    assert k == t


def _leaf(T, *shape, dtype="float64", seed=0):
    g = np.random.default_rng(seed)
    a = g.standard_normal(shape)
    if dtype.startswith("complex"):
        a = a + 1j * g.standard_normal(shape)
    return T.tensor(a, dtype=getattr(T, dtype)).requires_grad_()


def _grads(T, out, inputs):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    outs = [o for o in outs if o.requires_grad]
    gouts = [T.ones_like(o) * (i + 1) for i, o in enumerate(outs)]
    return [None if g is None else (str(g.dtype), tuple(g.shape), np.round(g.tolist(), 10)
                                    .tolist())
            for g in T.autograd.grad(outs, inputs, gouts, allow_unused=True)]


def _result(T, out, inputs):
    """Values, dtypes, shapes, backward node names and gradients of ``out``."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return ([(str(o.dtype), tuple(o.shape), np.round(o.tolist(), 10).tolist(),
              o.grad_fn.name() if o.grad_fn is not None else None) for o in outs],
            _grads(T, out, inputs))


# ---- reflected operators with a Tensor on the other side ---------------------------------------
@pytest.mark.parametrize("dunder", ["__rsub__", "__rpow__", "__rmod__", "__rfloordiv__"])
@pytest.mark.parametrize("other", ["tensor", "number"])
def test_reflected_dunder_with_tensor_other(dunder, other):
    """``a.__rsub__(b)`` with a Tensor ``b`` is ``rsub.Tensor``, ``__rpow__`` is
    ``pow(b, a)`` (pow.Tensor_Tensor): both inputs get gradients."""
    def case(T):
        a = T.tensor([1.5, 2.5], dtype=T.float64, requires_grad=True)
        b = T.tensor([3.0, 0.5], dtype=T.float64, requires_grad=True) if other == "tensor" \
            else 2.0
        inputs = (a, b) if other == "tensor" else (a,)
        try:
            r = getattr(a, dunder)(b)
            return _result(T, r, inputs)
        except RuntimeError as e:
            return "raised", str(e)
    k, t = case(kindling), case(torch)
    assert k == t


def test_reflected_dunder_dispatches_the_tensor_overload():
    def case(T):
        log, mode = dispatch_log(T)
        a, b = T.ones(2), T.ones(2)
        with mode:
            a.__rsub__(b), a.__rpow__(b), a.__rmod__(b), 2 - a, 2 ** a, 2 % a
        return log
    k, t = case(kindling), case(torch)
    assert k == t


# ---- 0-d tensors: repeat / tile / roll / transpose ---------------------------------------------
@pytest.mark.parametrize("call", [
    lambda T, x: x.repeat(()), lambda T, x: T.tile(x, ()), lambda T, x: T.roll(x, 10),
    lambda T, x: x.transpose(0, 0), lambda T, x: x.transpose(0, -1), lambda T, x: x.repeat(2, 1),
    lambda T, x: T.roll(x, [1], [0]), lambda T, x: T.roll(x, 1, -1),
])
def test_zero_dim_shape_ops(call):
    def case(T):
        x = T.tensor(2.5, dtype=T.float64, requires_grad=True)
        r = call(T, x)
        return _result(T, r, (x,)), r.stride()
    _same(case)


def test_transpose_of_a_dim_with_itself_is_an_alias():
    def case(T):
        x = _leaf(T, 2, 3)
        r = x.transpose(1, 1)
        return r.shape, r.stride(), r._base is x, r.grad_fn.name(), _grads(T, r, (x,))
    assert case(kindling) == case(torch)


# ---- narrow with a Tensor start -----------------------------------------------------------------
@pytest.mark.parametrize("start", ["T.tensor(1)", "T.tensor(-2)", "T.tensor(1, dtype=T.int32)",
                                   "T.tensor([1])", "T.tensor(1.0)", "T.tensor(True)", "'x'",
                                   "1.5"])
def test_narrow_tensor_start(start):
    def case(T):
        x = _leaf(T, 5, 4)
        return _result(T, T.narrow(x, 0, eval(start), 2), (x,)), \
            _result(T, x.narrow(-1, eval(start), 2), (x,))
    _same(case)


def test_narrow_tensor_start_reads_it_through_the_dispatcher():
    def case(T):
        log, mode = dispatch_log(T)
        x = T.ones(5, 5)
        with mode:
            T.narrow(x, 0, T.tensor(1), 2)
        return log
    assert case(kindling) == case(torch)


# ---- gather / scatter: an empty index of any dtype ---------------------------------------------
@pytest.mark.parametrize("call", [
    "T.gather(x, 0, i)", "x.scatter(0, i, 1.0)", "x.scatter(0, i, src)",
    "x.scatter_add(0, i, src)", "T.take_along_dim(x, i)", "T.gather(x, 3, i)",
    "x.scatter(3, i, 1.0)", "x.scatter(0, i, src.float())",
])
@pytest.mark.parametrize("index", ["T.zeros(0, dtype=T.uint8)", "T.zeros(2, dtype=T.uint8)",
                                   "T.zeros(0, dtype=T.int16)", "T.zeros(2, dtype=T.int32)"])
def test_gather_scatter_index_dtype_checks(call, index):
    def case(T):
        x = _leaf(T, 5)
        i = eval(index)
        src = T.ones(i.shape, dtype=T.float64)
        r = eval(call)
        return _result(T, r, (x,))
    _same(case)


# ---- empty matrices in the LU-based linalg ops -------------------------------------------------
@pytest.mark.parametrize("shape", [(0, 0), (3, 0, 0), (0, 2, 2), (0, 1, 1)])
@pytest.mark.parametrize("fn", [
    lambda T, A: T.linalg.det(A), lambda T, A: T.linalg.slogdet(A), lambda T, A: T.logdet(A),
    lambda T, A: T.linalg.solve(A, T.ones(A.shape[:-1], dtype=A.dtype)),
    lambda T, A: T.linalg.solve_ex(A, T.ones(A.shape[:-1] + (3,), dtype=A.dtype)),
    lambda T, A: T.linalg.inv(A), lambda T, A: T.linalg.eigvals(A),
    lambda T, A: T.linalg.eig(A)[0], lambda T, A: T.matrix_exp(A),
    lambda T, A: T.linalg.lu_factor(A), lambda T, A: T.det(A),
])
def test_empty_matrices(shape, fn):
    def case(T):
        A = T.ones(shape, dtype=T.float64, requires_grad=True)
        return _result(T, fn(T, A), (A,))
    _same(case)


def test_det_backward_of_an_empty_matrix_is_an_empty_gradient():
    def case(T):
        A = T.ones(0, 0, dtype=T.float64, requires_grad=True)
        g = T.autograd.grad(T.linalg.det(A), A)[0]
        return tuple(g.shape), str(g.dtype)
    assert case(kindling) == case(torch)


# ---- torch.norm follows torch.functional.norm ----------------------------------------------------
NORM_CALLS = [
    "T.norm(x)", "T.norm(x, 3)", "T.norm(x, dim=1)", "x.norm(p=1, dim=(0, 1))", "T.norm(xr, 'nuc')",
    "T.norm(x, 'fro', dim=(0, 1), keepdim=True)", "T.norm(x, 'bad')",
    "T.norm(x.reshape(1, 3, 4), 'fro', dim=(0, 1, 2))", "T.norm(x, float('inf'), dtype=T.float32)",
    "T.norm(T.arange(3))", "T.norm(x, None)", "T.norm(x, dim=5)",
    "T.norm(x, 0)", "T.norm(x, p=2, out=T.empty(()))", "T.norm(xr, 'nuc', keepdim=True)",
    "T.norm(x.detach(), p=2, out=T.empty((), dtype=T.float64))",
    "T.norm(xc)", "T.norm(xc, 'nuc')", "T.norm(xc, 1, dim=0)", "T.norm(xr, 'nuc', dim=(1, 0))",
]


@pytest.mark.parametrize("call", NORM_CALLS)
def test_torch_norm(call):
    def case(T):
        x = T.arange(12, dtype=T.float64).reshape(3, 4).requires_grad_()
        xc = _leaf(T, 3, 4, dtype="complex128")
        xr = _leaf(T, 3, 4)  # (full rank: the nuclear norm's gradient is unique)
        r = eval(call)
        return _result(T, r, (xc,) if "xc" in call else (xr,) if "xr" in call else (x,))
    _same(case)


def test_torch_norm_dispatches_linalg_vector_norm():
    def case(T):
        log, mode = dispatch_log(T)
        x = T.ones(3, 3)
        with mode:
            T.norm(x), T.norm(x, 1, 0), x.norm(p="fro")
        return log
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("pair", [
    ("float64", "float32"), ("float32", "float64"), ("complex64", "float64"),
    ("float64", "complex64"), ("float32", "int64"), ("int64", "float32"),
    ("bfloat16", "float16"), ("int64", "int64"), ("complex128", "complex64"),
    ("float64", "bool"), ("complex64", "complex128")])
def test_vector_norm_dtype_checks(pair):
    a, b = pair
    _same(lambda T: T.linalg.vector_norm(T.ones(2, dtype=getattr(T, a)),
                                         dtype=getattr(T, b)))


@pytest.mark.parametrize("out_dtype", ["float64", "float32", "int64", "complex128", "complex64",
                                       "bfloat16", "float16", "uint16", "bool"])
def test_vector_norm_out(out_dtype):
    def case(T):
        out = T.empty(0, dtype=getattr(T, out_dtype))
        r = T.linalg.vector_norm(T.arange(6, dtype=T.float64).reshape(2, 3), 1, 1, out=out)
        return r is out, r.tolist(), out.shape
    _same(case)


def test_vector_norm_out_refuses_autograd():
    _same(lambda T: T.linalg.vector_norm(T.ones(2, 3, requires_grad=True), out=T.empty(0)))


# ---- complex renorm is differentiable ----------------------------------------------------------
def test_complex_renorm_gradients():
    def case(T):
        x = _leaf(T, 3, 4, dtype="complex128")
        y = x.clone()
        y.renorm_(2, 1, 1.0)
        return _result(T, T.renorm(x, 2, 1, 1.0), (x,)), _result(T, y, (x,))
    assert case(kindling) == case(torch)


def test_complex_renorm_forward_ad():
    def case(T):
        from importlib import import_module
        fa = import_module(T.__name__ + ".autograd.forward_ad")
        x = _leaf(T, 3, 4, dtype="complex128").detach()
        t = _leaf(T, 3, 4, dtype="complex128", seed=1).detach()
        with fa.dual_level():
            out = T.renorm(fa.make_dual(x, t), 2, 0, 0.5)
            return np.round(fa.unpack_dual(out).tangent.tolist(), 10).tolist()
    assert case(kindling) == case(torch)


# ---- small missing functions: torch.zero_, torch.fill, torch.qr --------------------------------
@pytest.mark.parametrize("call", [
    "T.zero_(x.clone())", "T.fill(x, 2.0)", "T.fill(x, 3)", "T.fill(x, v)",
    "T.fill(x, T.ones(2))", "T.fill(x, 'a')", "T.fill(1, 2)", "T.zero_(1)",
])
def test_zero_and_fill_functions(call):
    def case(T):
        x = _leaf(T, 3)
        v = T.tensor(2.0, dtype=T.float64, requires_grad=True)
        return _result(T, eval(call), (x, v))
    _same(case)


def test_fill_dispatches_fill_scalar():
    def case(T):
        log, mode = dispatch_log(T)
        with mode:
            T.fill(T.ones(2), 2.0), T.fill(T.ones(2), T.tensor(1.0))
        return log
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("call", ["T.qr(x)", "T.qr(x, some=False)", "x.qr()", "x.qr(False)",
                                  "T.qr(T.ones(3))", "T.qr(x, 'reduced')", "T.qr(xc)"])
def test_deprecated_qr(call):
    def case(T):
        x = _leaf(T, 4, 3)
        xc = _leaf(T, 3, 3, dtype="complex128")
        r = eval(call)
        return type(r).__name__, _result(T, tuple(r), (xc,) if "xc" in call else (x,))
    _same(case)


def test_deprecated_qr_warns_and_decomposes_to_linalg_qr():
    def case(T):
        log, mode = dispatch_log(T)
        with mode:
            r = call_outcome(lambda: T.qr(T.ones(3, 2)), plain=lambda r: None)
        return log, r
    k, t = case(kindling), case(torch)
    assert k[0] == t[0]
    # (a warning once per process, as TORCH_WARN_ONCE: compare its text when both warn)
    kw, tw = k[1][2], t[1][2]
    if kw and tw:
        assert kw == tw


# ---- the *_copy forms of view ops ----------------------------------------------------------------
COPY_CALLS = [
    "T.view_copy(x, (6,))", "T.view_copy(x, [3, 2])", "T.t_copy(x)", "T.alias_copy(x)",
    "T.unbind_copy(x)", "T.unbind_copy(x, 1)", "T.split_with_sizes_copy(x, [1, 2], 1)",
    "T.expand_copy(x, (2, 2, 3))", "T.unfold_copy(x, 1, 2, 1)", "T.squeeze_copy(y)",
    "T.squeeze_copy(y, 1)", "T.squeeze_copy(y, [0, 1])", "T.as_strided_copy(x, (2,), (2,), 1)",
    "T.permute_copy(x, (1, 0))", "T.transpose_copy(x, 0, 1)", "T.unsqueeze_copy(x, -1)",
    "T.view_copy(x.detach(), T.int64)", "T.view_copy(x, (5,))", "T.view_copy(x, 'a')",
    "T.t_copy(xc)", "T.unbind_copy(xc)",
]


@pytest.mark.parametrize("call", COPY_CALLS)
def test_view_copies(call):
    def case(T):
        x, xc = _leaf(T, 2, 3), _leaf(T, 2, 3, dtype="complex128")
        y = _leaf(T, 2, 1, 3)
        r = eval(call)
        rs = list(r) if isinstance(r, tuple) else [r]
        layout = [(t.stride(), t.is_contiguous(), t._base is None) for t in rs]
        inputs = (xc,) if "xc" in call else (y,) if "(y" in call else (x,)
        res = _result(T, rs, inputs) if rs[0].requires_grad else \
            [t.tolist() for t in rs]
        return type(r).__name__, layout, res
    _same(case)


@pytest.mark.parametrize("call", [
    "T.t_copy(x, out=T.empty(0, dtype=T.float64))", "T.t_copy(x, out=T.empty(0))",
    "T.unbind_copy(x, out=[T.empty(0, dtype=T.float64), T.empty(0, dtype=T.float64)])",
    "T.unbind_copy(x, out=[T.empty(0, dtype=T.float64)])",
    "T.split_with_sizes_copy(x, [1, 1], out=[T.empty(0)])",
    "T.unbind_copy(x, out=[T.empty(0, dtype=T.float64), T.empty(0, dtype=T.int64)])",
    "T.view_copy(x, (3, 2), out=T.empty(6, dtype=T.float64))",
])
def test_view_copy_out(call):
    def case(T):
        x = _leaf(T, 2, 3).detach()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = eval(call)
        return r if r is None else [t.tolist() for t in (r if isinstance(r, list) else [r])]
    _same(case)


def test_view_copy_tags():
    def case(T):
        return {n: {o: sorted(str(t) for t in getattr(getattr(T.ops.aten, n), o).tags)
                    for o in getattr(T.ops.aten, n).overloads()}
                for n in ("view_copy", "unbind_copy", "split_with_sizes_copy", "squeeze_copy")}
    assert case(kindling) == case(torch)


# ---- overload errors: each argument marked on its own ------------------------------------------
@pytest.mark.parametrize("call", [
    "T.narrow(a, 'x', 0, 2)", "T.narrow(a, 0, 1.5, 2)", "a.narrow('x', 1, 2)",
    "T.narrow(a, 0, 'x', 2)", "T.narrow(a, 0, start='x', length=2)", "T.narrow(a, 0, 1, 2, 3)",
])
def test_overload_hints_mark_each_argument(call):
    def case(T):
        a = T.ones(5, 5)
        try:
            eval(call)
        except TypeError as e:
            return str(e)
        return None
    assert case(kindling) == case(torch)


# ---- pickling keeps 0-d tensors 0-d -------------------------------------------------------------
@pytest.mark.parametrize("protocol", [2, 5])
def test_pickled_zero_dim_tensor(protocol):
    def case(T):
        t = T.tensor(3.5, dtype=T.float64)
        r = pickle.loads(pickle.dumps(t, protocol=protocol))
        return tuple(r.shape), r.item(), tuple(pickle.loads(pickle.dumps(
            T.ones(2, 3)[:, ::2], protocol=protocol)).shape)
    assert case(kindling) == case(torch)


# ---- backward node names -------------------------------------------------------------------------
def test_copy_backwards_keeps_its_cpp_namespace():
    def case(T):
        y = T.zeros(2)
        y.copy_(T.ones(2, requires_grad=True))
        return y.grad_fn.name(), type(y.grad_fn).__name__, repr(y)
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("call", [
    "x.random_(0, 5)", "x.random_(5)", "x.random_()", "x.uniform_()", "x.normal_()",
    "x.bernoulli_(0.5)", "x.bernoulli_(T.full((3,), 0.5))", "T.bernoulli(p)",
    "T.bernoulli(p, 0.3)", "T.normal(p, 1.0)", "T.normal(1.0, p)", "T.normal(p, p)",
])
def test_sampler_node_names(call):
    """derivatives.yaml numbers the nodes of one name in its order (NormalBackward1 for
    normal.Tensor_float...); bernoulli.p has no entry (PyTorch's NotImplemented node)."""
    def case(T):
        x = T.ones(3, requires_grad=True).clone()
        p = T.full((3,), 0.5, requires_grad=True)
        r = eval(call)
        try:
            T.autograd.grad(r.sum(), p if "p" in call.split("(", 1)[1] else x)
            backward = "ok"
        except RuntimeError as e:
            backward = str(e)
        return r.grad_fn.name(), backward
    assert case(kindling) == case(torch)


# ---- dtype conversions honour memory_format ------------------------------------------------------
@pytest.mark.parametrize("call", [
    "x.double(memory_format=T.channels_last)", "x.double()",
    "x.float(memory_format=T.channels_last)",
    "x.cpu(memory_format=T.channels_last)", "x.long(memory_format=T.channels_last)",
    "x.double(memory_format=T.channels_last_3d)", "x.half(memory_format=T.contiguous_format)",
])
def test_conversion_methods_memory_format(call):
    def case(T):
        x = T.ones(2, 3, 2, 3, dtype=T.float64, requires_grad=True)
        r = eval(call)
        return (r.grad_fn.name() if r.grad_fn else None, r is x, r.stride(), str(r.dtype))
    _same(case)


# ---- view strides of size-1 dims -----------------------------------------------------------------
@pytest.mark.parametrize("call", [
    "T.ones(1, 1, 3).permute(2, 0, 1).view(3, 1)", "T.ones(1, 3).permute(1, 0).view(3, 1)",
    "T.ones(1, 3).t().view(3, 1, 1)", "T.ones(3, 1).view(3, 1)", "T.ones(2, 1, 3).view(2, 3)",
])
def test_view_strides_of_size_one_dims(call):
    _same(lambda T: eval(call).stride())


# ---- einsum, op for op ---------------------------------------------------------------------------
EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk->ki", [(2, 3), (3, 4)]),
    ("de,ceb", [(3, 2), (2, 2, 3)]),
    ("de,,ceb", [(3, 2), (), (2, 2, 3)]), ("zce,zae->acz", [(7, 3, 5), (7, 2, 5)]),
    ("bde,ace->abcd", [(4, 5, 6), (2, 3, 6)]), ("ce,abe->acb", [(4, 5), (2, 3, 5)]),
    ("i->", [(3,)]), ("ii->i", [(3, 3)]), ("iij->j", [(2, 2, 3)]), ("aB,Ba->", [(2, 3), (3, 2)]),
    ("...i,...i", [(2, 3), (4, 3)]), ("i...,i...->", [(2, 3), (2, 4)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 4), (4, 2), (2, 2)]), ("a,e,ad", [(1,), (1,), (1, 3)]),
    ("ii->i", [(3, 2)]), ("...i,...i", [(2, 3), (3, 3)]), ("a,b,c,d", [(2,), (3,), (4,), (5,)]),
]


@pytest.mark.parametrize("eq, shapes", EINSUM_CASES, ids=[e for e, _ in EINSUM_CASES])
def test_einsum_decomposes_as_pytorch(eq, shapes):
    def case(T):
        log, mode = dispatch_log(T)
        ops = [_leaf(T, *s, seed=i) for i, s in enumerate(shapes)]
        with mode:
            r = T.einsum(eq, *ops)
        return log, r.stride(), _result(T, r, ops)
    k, t = outcome(kindling, case), outcome(torch, case)
    assert k == t


@pytest.mark.parametrize("path", [[0, 1, 0, 1], [1, 2, 0, 1], [2, 0, 1, 0], [0, 0, 0, 1],
                                  [0, 5, 0, 1], [1, 0]])
def test_einsum_contraction_path(path):
    def case(T):
        log, mode = dispatch_log(T)
        ops = [_leaf(T, 2, 3), _leaf(T, 3, 4, seed=1), _leaf(T, 4, 5, seed=2)]
        with mode:
            r = T.ops.aten.einsum.default("ij,jk,kl->il", ops, path=path)
        return log, _result(T, r, ops)
    k, t = outcome(kindling, case), outcome(torch, case)
    assert k == t


# ---- det's backward as PyTorch 2.13's: 1x1 matrices directly, masked_fmap ------------------------
@pytest.mark.parametrize("mats", [
    [[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [0.0, 3.0]],
    [[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [0.0, 3.0]]],
    [[[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]]], [[3.0]], [[[3.0]], [[-2.0]]],
])
@pytest.mark.parametrize("under_mode", [False, True])
def test_det_double_backward(mats, under_mode):
    def case(T):
        log, mode = dispatch_log(T)
        A = T.tensor(mats, dtype=T.float64, requires_grad=True)
        d = T.linalg.det(A)
        if under_mode:
            with mode:
                g, = T.autograd.grad(d, A, T.ones_like(d), create_graph=True)
        else:
            g, = T.autograd.grad(d, A, T.ones_like(d), create_graph=True)
        gg = T.autograd.grad(g.sum(), A, allow_unused=True)[0] if g.requires_grad else None
        return (log, np.round(g.tolist(), 8).tolist(), g.requires_grad,  # (repr: NaN-safe)
                None if gg is None else repr(np.round(gg.tolist(), 6).tolist()))
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("call", ["x.prod(0)", "x.prod()", "x.prod(0, keepdim=True)",
                                  "z.prod(0)", "z.prod()", "w.prod(1)", "w.prod(0, True)"])
@pytest.mark.parametrize("under_mode", [False, True])
def test_prod_of_one_element_backward(call, under_mode):
    """The one-element shortcut is prod_safe_zeros_backward's (zeros, modes, subclasses);
    otherwise grad * result / input, which double backward differentiates."""
    def case(T):
        log, mode = dispatch_log(T)
        x = T.tensor([3.0], dtype=T.float64, requires_grad=True)
        z = T.tensor([0.0], dtype=T.float64, requires_grad=True)
        w = T.tensor([[2.0, 0.0]], dtype=T.float64, requires_grad=True)
        o = eval(call)
        leaf = z if "z" in call else w if "w" in call else x
        if under_mode:
            with mode:
                g, = T.autograd.grad(o, leaf, T.ones_like(o), create_graph=True)
        else:
            g, = T.autograd.grad(o, leaf, T.ones_like(o), create_graph=True)
        return log, g.tolist(), g.requires_grad, g.grad_fn.name() if g.grad_fn else None
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("call", [
    "x[T.tensor(True)]", "x[T.tensor(False)]", "x[True]", "x[..., T.tensor(True)]",
    "x.index_put((T.tensor(True),), T.tensor(9.))", "x.index_put((T.tensor(False),), T.tensor(9.))",
])
def test_zero_dim_bool_masks(call):
    def case(T):
        log, mode = dispatch_log(T)
        x = T.arange(6.).reshape(2, 3)
        with mode:
            r = eval(call)
        return log, tuple(r.shape), r.tolist()
    assert case(kindling) == case(torch)
