"""In-place view ops (``t_``, ``transpose_``, ``swapdims_``/``swapaxes_``, ``unsqueeze_``,
``squeeze_``, ``as_strided_``): each scenario runs on kindling and on PyTorch and the outcomes
(geometry, values, versions, graphs, gradients, exception texts) must be equal."""
import pytest

import kindling

from test_autograd_pytorch_parity import _graph_desc, _outcome, _same

torch = pytest.importorskip("torch")

# (label, shape the op applies to, the op)
OPS = [
    ("t_", (2, 3), lambda v: v.t_()),
    ("t_1d", (3,), lambda v: v.t_()),
    ("transpose_", (2, 3, 4), lambda v: v.transpose_(0, 2)),
    ("transpose_neg", (2, 3, 4), lambda v: v.transpose_(-1, 1)),
    ("transpose_kw", (2, 3), lambda v: v.transpose_(dim0=1, dim1=0)),
    ("swapdims_", (2, 3, 4), lambda v: v.swapdims_(0, 1)),
    ("swapaxes_", (2, 3, 4), lambda v: v.swapaxes_(2, 0)),
    ("unsqueeze_0", (2, 3), lambda v: v.unsqueeze_(0)),
    ("unsqueeze_mid", (2, 3), lambda v: v.unsqueeze_(1)),
    ("unsqueeze_neg", (2, 3), lambda v: v.unsqueeze_(-1)),
    ("squeeze_", (2, 1, 3, 1), lambda v: v.squeeze_()),
    ("squeeze_dim", (2, 1, 3, 1), lambda v: v.squeeze_(1)),
    ("squeeze_dim_kw", (2, 1, 3, 1), lambda v: v.squeeze_(dim=-1)),
    ("squeeze_dim_noop", (2, 1, 3, 1), lambda v: v.squeeze_(0)),
    ("squeeze_dims", (2, 1, 3, 1), lambda v: v.squeeze_((1, 3))),
    ("as_strided_", (2, 3), lambda v: v.as_strided_((2, 2), (1, 2))),
    ("as_strided_off", (2, 3), lambda v: v.as_strided_((2,), (2,), 1)),
]
IDS = [o[0] for o in OPS]


def _src(T, shape, requires_grad=False):
    n = 1
    for s in shape:
        n *= s
    return T.arange(1, n + 1, dtype=T.float64).reshape(shape).requires_grad_(requires_grad)


def _geom(t):
    return (tuple(t.shape), t.stride(), t.storage_offset(), t._version, t.tolist())


def _signed(v):
    if isinstance(v, tuple):
        return tuple(_signed(x) for x in v)
    return v - (1 << 64) if isinstance(v, int) and v >= 1 << 63 else v


def _weights(T, t):
    """A gradient as distinct as possible for ``t``'s shape."""
    return T.arange(1, t.numel() + 1, dtype=t.dtype).reshape(t.shape)


@pytest.mark.parametrize("label,shape,op", OPS, ids=IDS)
def test_plain_tensor_changes_geometry_in_place(label, shape, op):
    def scenario(T):
        def run():
            base = T.arange(100, dtype=T.float64)
            x = base[10:10 + len(_src(T, shape).flatten())].view(shape)
            r = op(x)
            out = [r is x, _geom(x), x._is_view(), x._base is base, x.is_contiguous()]
            x.mul_(-1)  # still the same storage as base
            out.append((base.sum().item(), x._version, base._version))
            return out
        return _outcome(run)
    _same(scenario)


@pytest.mark.parametrize("label,shape,op", OPS, ids=IDS)
def test_leaf_requiring_grad_is_refused(label, shape, op):
    def scenario(T):
        x = _src(T, shape, True)
        return _outcome(lambda: op(x)), _geom(x.detach())
    _same(scenario)


@pytest.mark.parametrize("label,shape,op", OPS, ids=IDS)
def test_non_leaf_gets_backward1_node_and_gradient(label, shape, op):
    def scenario(T):
        def run():
            x = _src(T, shape, True)
            y = x * 2
            op(y)
            fn = y.grad_fn
            saved = sorted(a for a in dir(fn) if a.startswith("_saved_"))
            vals = [getattr(fn, a) for a in saved]
            # (PyTorch shows negative int64 dims saved on nodes as unsigned: not compared)
            vals = [_signed(tuple(v) if isinstance(v, (list, tuple)) else v) for v in vals]
            (y * _weights(T, y)).sum().backward()
            return (type(fn).__name__, fn.name(), _graph_desc(fn), saved, vals, y.is_leaf,
                    y.requires_grad, _geom(y.detach()), x.grad.tolist())
        return _outcome(run)
    _same(scenario)


@pytest.mark.parametrize("label,shape,op", OPS, ids=IDS)
def test_view_of_non_leaf(label, shape, op):
    """The view's own grad_fn is set (its base's history is not rebased)."""
    def scenario(T):
        def run():
            n = _src(T, shape).numel()
            x = T.arange(1, 2 * n + 1, dtype=T.float64).requires_grad_()
            b = x * 1
            v = b[n:].view(shape)
            op(v)
            out = [_graph_desc(v.grad_fn), _graph_desc(b.grad_fn), v._base is b,
                   _geom(v.detach())]
            (v * _weights(T, v)).sum().backward(retain_graph=True)
            out.append(x.grad.tolist())
            # a later in-place op on the view goes through CopySlices of the base
            v.mul_(3)
            out.append((_graph_desc(v.grad_fn), _graph_desc(b.grad_fn)))
            x.grad = None
            (b * _weights(T, b)).sum().backward(retain_graph=True)
            out.append(x.grad.tolist())
            return out
        return _outcome(run)
    _same(scenario)


@pytest.mark.parametrize("label,shape,op", OPS, ids=IDS)
def test_view_history_regenerated_after_base_changes(label, shape, op):
    def scenario(T):
        def run():
            x = _src(T, shape, True)
            b = x.clone()
            v = b.view(shape)
            op(v)
            b.add_(1)
            fn = v.grad_fn
            (v * _weights(T, v)).sum().backward()
            return _graph_desc(fn), x.grad.tolist()
        return _outcome(run)
    _same(scenario)


@pytest.mark.parametrize("label,shape,op", OPS, ids=IDS)
def test_view_of_leaf_is_refused(label, shape, op):
    def scenario(T):
        x = _src(T, shape, True)
        v = x.view(shape)
        return _outcome(lambda: op(v)), _geom(v.detach())
    _same(scenario)


@pytest.mark.parametrize("label,shape,op", OPS, ids=IDS)
def test_under_no_grad(label, shape, op):
    def scenario(T):
        def run():
            x = _src(T, shape, True)
            with T.no_grad():
                op(x)
            out = [x.grad_fn, x.requires_grad, x.is_leaf, _geom(x.detach())]
            # a view made in no_grad mode, changed by the op in grad mode: refused
            y = x * 1
            with T.no_grad():
                v = y.view(y.shape)
            out.append(_outcome(lambda: op(v)))
            # ... and made and changed in no_grad mode: the view still cannot be modified
            with T.no_grad():
                w = y.view(y.shape)
                op(w)
            out.append(_outcome(lambda: w.add_(1)))
            return out
        return _outcome(run)
    _same(scenario)


@pytest.mark.parametrize("label,shape,op", OPS[:3] + OPS[7:8] + OPS[10:11], ids=IDS[:3] + IDS[7:8] + IDS[10:11])
def test_multi_output_view_is_refused(label, shape, op):
    def scenario(T):
        x = _src(T, (2,) + shape, True) * 1
        v = x.unbind(0)[0]
        return _outcome(lambda: op(v))
    _same(scenario)


@pytest.mark.parametrize("label,shape,op", OPS, ids=IDS)
def test_retain_grad_follows_the_new_node(label, shape, op):
    def scenario(T):
        def run():
            x = _src(T, shape, True)
            y = x * 2
            y.retain_grad()
            op(y)
            (y * _weights(T, y)).sum().backward()
            return y.grad, x.grad
        return _outcome(run)
    _same(scenario)


@pytest.mark.parametrize("label,shape,op", OPS, ids=IDS)
def test_meta_tensor(label, shape, op):
    def scenario(T):
        def run():
            x = T.empty(shape, device="meta")
            op(x)
            return tuple(x.shape), x.stride(), x.storage_offset(), x._version
        return _outcome(run)
    _same(scenario)


@pytest.mark.parametrize("label,shape,op", OPS, ids=IDS)
def test_forward_ad_tangent_follows(label, shape, op):
    def scenario(T):
        fwAD = T.autograd.forward_ad

        def run():
            with fwAD.dual_level():
                p = _src(T, shape)
                x = fwAD.make_dual(p * 1, _src(T, shape) * 10)
                op(x)
                pr, tg = fwAD.unpack_dual(x)
                return _geom(pr), tg.tolist(), tuple(tg.shape)
        return _outcome(run)[:2]  # (PyTorch's first forward AD use warns about torch.jit)
    _same(scenario)


@pytest.mark.parametrize("label,shape,op", OPS, ids=IDS)
def test_inference_mode(label, shape, op):
    def scenario(T):
        def run():
            with T.inference_mode():
                c = _src(T, shape)
                op(c)
                inside = (T.is_inference(c), tuple(c.shape))
            with T.inference_mode():
                d = _src(T, shape)
            out = [inside, _outcome(lambda: op(d))]
            # a normal tensor changed in inference mode stays normal
            s = _src(T, shape, True)
            a = s.clone()
            with T.inference_mode():
                op(a)
            out += [T.is_inference(a), a.requires_grad, _graph_desc(a.grad_fn)]
            return out
        return _outcome(run)
    _same(scenario)


@pytest.mark.parametrize("call", [
    lambda T: _src(T, (2, 3, 4)).t_(),
    lambda T: _src(T, (2, 3)).transpose_(0, 2),
    lambda T: _src(T, (2, 3)).transpose_(-3, 0),
    lambda T: _src(T, (2, 3)).unsqueeze_(3),
    lambda T: _src(T, (2, 3)).unsqueeze_(-4),
    lambda T: _src(T, (2, 3)).squeeze_(2),
    lambda T: _src(T, (2, 3)).squeeze_((0, 5)),
    lambda T: _src(T, (2, 3)).as_strided_((3, 3), (3, 1)),
    lambda T: _src(T, (2, 3)).as_strided_((2, 2), (1,)),
    lambda T: _src(T, (2, 3)).as_strided_((2,), (1,), -1),
    lambda T: _src(T, (2, 3)).swapdims_(0, 7),
    lambda T: T.t_(_src(T, (2, 3))) if hasattr(T, "t_") else "absent",
], ids=["t_3d", "transpose_dim", "transpose_neg_dim", "unsqueeze_dim", "unsqueeze_neg",
        "squeeze_dim", "squeeze_dims", "as_strided_oob", "as_strided_len", "as_strided_off",
        "swapdims_dim", "torch_t_"])
def test_errors_change_nothing(call):
    def scenario(T):
        holder = {}

        def run():
            r = call(T)
            holder["r"] = r
            return _geom(r) if not isinstance(r, str) else r
        return _outcome(run)
    _same(scenario)


def test_schemas_and_tags():
    for name, overloads in [("t_", ["default"]), ("transpose_", ["default"]),
                            ("unsqueeze_", ["default"]),
                            ("squeeze_", ["default", "dim", "dims"]),
                            ("swapdims_", ["default"]), ("swapaxes_", ["default"]),
                            ("as_strided_", ["default"])]:
        for o in overloads:
            k = getattr(getattr(kindling.ops.aten, name), o)
            t = getattr(getattr(torch.ops.aten, name), o)
            assert str(k._schema) == str(t._schema)
            assert "inplace_view" in [str(x).split(".")[-1] for x in k.tags]
            assert k.is_view is False


def test_cross_dtype_view_transposed_in_place_matches_pytorch():
    """PyTorch's test_autograd_inplace_views_cross_dtype: the gradient comes out transposed
    (a known PyTorch bug that test pins), and kindling's the same."""
    def scenario(T):
        def run():
            vals = T.arange(9, dtype=T.float32) + 1j * T.arange(9, 18, dtype=T.float32)
            a_orig = vals.reshape(3, 3).clone().requires_grad_()
            a = a_orig.clone()
            b = T.view_as_real(a)
            b.transpose_(0, 1)
            b += 1
            b.backward(T.arange(0, 18, dtype=T.float).view(3, 3, 2))
            return T.view_as_real(a_orig.grad)
        return _outcome(run)
    _same(scenario)


def test_hooks_on_the_tensor_survive():
    def scenario(T):
        def run():
            seen = []
            x = _src(T, (2, 3), True)
            y = x * 1
            y.register_hook(lambda g: seen.append(tuple(g.shape)))
            y.t_()
            (y * _weights(T, y)).sum().backward()
            return seen, x.grad
        return _outcome(run)
    _same(scenario)


def test_saved_input_then_transposed_in_place_errors_at_backward():
    def scenario(T):
        def run():
            x = _src(T, (2, 3), True)
            y = x * 1
            z = y * y
            y.t_()
            return _outcome(lambda: z.sum().backward())
        return _outcome(run)
    _same(scenario)
