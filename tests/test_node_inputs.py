"""A multi-output op's node takes one gradient per *differentiable* output, as torchgen's
``gen_differentiable_outputs`` decides: derivatives.yaml's ``output_differentiability``, else
only the first output when the formula reads the single ``grad``. Hooks see that many
grad_outputs, and ``output_nr`` counts only those outputs (``linalg.lu``'s L is output 0)."""
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402


def _sym(T, x):
    return x + x.mT


CASES = {
    "max.dim": lambda T, x: T.max(x, 0),
    "min.dim": lambda T, x: T.min(x, 1),
    "sort": lambda T, x: T.sort(x),
    "topk": lambda T, x: T.topk(x, 2),
    "kthvalue": lambda T, x: T.kthvalue(x, 2),
    "median.dim": lambda T, x: T.median(x, 0),
    "nanmedian.dim": lambda T, x: T.nanmedian(x, 0),
    "cummax": lambda T, x: T.cummax(x, 0),
    "cummin": lambda T, x: T.cummin(x, 0),
    "frexp": lambda T, x: T.frexp(x),
    "aminmax": lambda T, x: T.aminmax(x, dim=0),
    "std_mean": lambda T, x: T.std_mean(x, 0),
    "var_mean": lambda T, x: T.var_mean(x, 0),
    "det": lambda T, x: (T.linalg.det(x),),
    "slogdet": lambda T, x: T.linalg.slogdet(x),
    "inv_ex": lambda T, x: T.linalg.inv_ex(x),
    "solve_ex": lambda T, x: T.linalg.solve_ex(x, x),
    "cholesky_ex": lambda T, x: T.linalg.cholesky_ex(x @ x.mT + T.eye(4, dtype=x.dtype)),
    "lu_factor_ex": lambda T, x: T.linalg.lu_factor_ex(x),
    "lu": lambda T, x: T.linalg.lu(x),
    "lu_unpack": lambda T, x: T.lu_unpack(*T.linalg.lu_factor(x)),
    "qr": lambda T, x: T.linalg.qr(x),
    "eigh": lambda T, x: T.linalg.eigh(_sym(T, x)),
    "svd": lambda T, x: T.linalg.svd(x),
    "lstsq": lambda T, x: T.linalg.lstsq(x, x),
}


def _run(T, name):
    gen = T.Generator().manual_seed(0)
    x = T.rand(4, 4, generator=gen, dtype=T.float64) + T.eye(4, dtype=T.float64)
    x.requires_grad_()
    outs = CASES[name](T, x)
    outs = [o for o in outs if isinstance(o, T.Tensor)]
    info = [(o.requires_grad, o.output_nr if o.requires_grad else None) for o in outs]
    diff = [o for o in outs if o.requires_grad]
    node = diff[0].grad_fn
    seen = []
    node.register_prehook(lambda go: seen.append([g is not None for g in go]))
    node.register_hook(lambda gi, go: seen.append(len(go)))
    # every differentiable output contributes (signs/phases do not matter for these inputs)
    loss = sum((o * o).sum() for o in diff)
    (grad,) = T.autograd.grad(loss, x)
    return node.name(), info, seen, grad.detach().numpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_node_inputs_match_pytorch(name):
    import numpy as np
    kname, kinfo, kseen, kgrad = _run(kindling, name)
    tname, tinfo, tseen, tgrad = _run(torch, name)
    assert (kname, kinfo, kseen) == (tname, tinfo, tseen)
    np.testing.assert_allclose(kgrad, tgrad, rtol=1e-6, atol=1e-8)


def test_torch_ops_call_missing_required_argument():
    """A keyword call that leaves out a required positional argument gets the schema error
    (the kernel would have run with its optional value)."""
    def call(T):
        x, o = T.ones(3), T.empty(())
        try:
            T.ops.aten.sum.IntList_out(x, out=o)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
        return None
    assert call(kindling) == call(torch) is not None
    # a required argument given by keyword binds
    x = kindling.ones(3)
    assert kindling.ops.aten.add.Tensor(x, other=x).tolist() == [2.0, 2.0, 2.0]


# ---- what saved-tensor pack hooks see: inputs then outputs, each in name order (torchgen's
# save_variables), and exactly the tensors PyTorch's node saves ---------------------------------
def _eye(T):
    return T.eye(3, dtype=T.float64)


PACK_CASES = {
    "mul": lambda T, x, y, v: x * y,
    "div": lambda T, x, y, v: x / y,
    "pow": lambda T, x, y, v: x ** y,
    "addmm": lambda T, x, y, v: T.addmm(v, x, y),
    "addcdiv": lambda T, x, y, v: T.addcdiv(v, x, y),
    "lerp": lambda T, x, y, v: T.lerp(x, y, v),
    "clamp": lambda T, x, y, v: x.clamp(v, y),
    "complex": lambda T, x, y, v: T.complex(x, y),
    "polar": lambda T, x, y, v: T.polar(x, y),
    "gather": lambda T, x, y, v: x.gather(0, T.tensor([[0, 1, 2]])),
    "scatter_add": lambda T, x, y, v: x.scatter_add(0, T.tensor([[0, 1, 2]]), y),
    "max.dim": lambda T, x, y, v: x.max(0),
    "sort": lambda T, x, y, v: x.sort(0),
    "var_mean": lambda T, x, y, v: T.var_mean(x, 0),
    "det": lambda T, x, y, v: T.linalg.det(x),
    "slogdet": lambda T, x, y, v: T.linalg.slogdet(x),
    "solve": lambda T, x, y, v: T.linalg.solve(y, x),
    "lu": lambda T, x, y, v: T.linalg.lu(x),
    "svd": lambda T, x, y, v: T.linalg.svd(x),
    "svdvals": lambda T, x, y, v: T.linalg.svdvals(x),
    "eig": lambda T, x, y, v: T.linalg.eig(x),
    "eigh": lambda T, x, y, v: T.linalg.eigh(x + x.mT),
    "cholesky": lambda T, x, y, v: T.linalg.cholesky(y @ y.mT + _eye(T)),
    "lstsq": lambda T, x, y, v: T.linalg.lstsq(x, y),
    "householder_product": lambda T, x, y, v: T.linalg.householder_product(x, v[:2]),
}


@pytest.mark.parametrize("name", sorted(PACK_CASES))
def test_saved_tensors_pack_order_matches_pytorch(name):
    def packed(T):
        gen = T.Generator().manual_seed(0)
        x = T.rand(3, 3, dtype=T.float64, generator=gen).requires_grad_()
        y = T.rand(3, 3, dtype=T.float64, generator=gen).add(1).requires_grad_()
        v = T.rand(3, dtype=T.float64, generator=gen).requires_grad_()
        seen = []

        def pack(t):
            seen.append((tuple(t.shape), str(t.dtype).split(".")[-1]))
            return t
        with T.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            PACK_CASES[name](T, x, y, v)
        return seen
    assert packed(kindling) == packed(torch)
