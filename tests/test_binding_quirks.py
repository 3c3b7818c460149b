"""Argument binding compared with PyTorch: ``torch.ops.aten`` calls refuse a number for a
Tensor argument (except for the ops PyTorch lets take numbers) and a tensor for a Scalar one;
the loss bindings of ``torch.*``/``torch._C._nn`` read ``reduction=Mean`` as 0; the parser's
errors for ``int[]`` arguments holding something else than integers."""
import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")


def outcome(fn, T):
    """What ``fn(T)`` gives: its result's metadata and values, or its error's type and text."""
    try:
        r = fn(T)
    except Exception as e:  # noqa: BLE001  (the comparison is the point)
        return type(e).__name__, str(e)
    if isinstance(r, T.Tensor):
        return "ok", tuple(r.shape), str(r.dtype).split(".")[-1], r.detach().numpy().tolist()
    return "ok", r


def same(fn):
    got, want = outcome(fn, kindling), outcome(fn, torch)
    if got[0] == "ok" and want[0] == "ok" and len(want) == 4:
        assert got[1:3] == want[1:3]
        np.testing.assert_allclose(np.array(got[3]), np.array(want[3]), rtol=1e-6)
    else:
        assert got == want


def X(T):
    return T.arange(4.).reshape(2, 2)


# ---- a) torch.ops.aten: numbers and tensors where the schema says otherwise ---------------------
OPS_CASES = {
    # a 0-d tensor for a Scalar
    "mul_Scalar_tensor": lambda T: T.ops.aten.mul.Scalar(X(T), T.tensor(2.)),
    "add_Scalar_tensor": lambda T: T.ops.aten.add.Scalar(X(T), T.tensor(2)),
    "mul_Scalar_1d_tensor": lambda T: T.ops.aten.mul.Scalar(X(T), T.tensor([2.])),
    "mul_Scalar_kw_tensor": lambda T: T.ops.aten.mul.Scalar(X(T), other=T.tensor(2.)),
    "clamp_min_tensor": lambda T: T.ops.aten.clamp.default(X(T), T.tensor(0.)),
    "fill_Scalar_tensor": lambda T: T.ops.aten.fill.Scalar(X(T), T.tensor(2.)),
    "full_tensor": lambda T: T.ops.aten.full.default([2], T.tensor(2.)),
    "add_alpha_tensor": lambda T: T.ops.aten.add.Tensor(X(T), 2, alpha=T.tensor(2)),
    "pow_Scalar_self_tensor": lambda T: T.ops.aten.pow.Scalar(T.tensor(2.), X(T)),
    "packet_mul_tensor": lambda T: T.ops.aten.mul(X(T), T.tensor(2.)),
    # a number for a Tensor
    "mm_number": lambda T: T.ops.aten.mm.default(X(T), 2),
    "mm_kw_number": lambda T: T.ops.aten.mm.default(X(T), mat2=2),
    "pow_Tensor_Tensor_number": lambda T: T.ops.aten.pow.Tensor_Tensor(X(T), 2),
    "eq_Tensor_number": lambda T: T.ops.aten.eq.Tensor(X(T), 2),
    "maximum_number": lambda T: T.ops.aten.maximum.default(X(T), 2),
    "where_self_number": lambda T: T.ops.aten.where.self(X(T) > 1, X(T), 2),
    "neg_number": lambda T: T.ops.aten.neg.default(2),
    "clamp_Tensor_number": lambda T: T.ops.aten.clamp.Tensor(X(T), 0),
    "pow_Scalar_numbers": lambda T: T.ops.aten.pow.Scalar(2, 3),
    "index_put_number": lambda T: T.ops.aten.index_put.default(X(T), [T.tensor([0])], 1.),
    "packet_maximum_number": lambda T: T.ops.aten.maximum(X(T), 2),
    # what does bind
    "clamp_Tensor_none": lambda T: T.ops.aten.clamp.Tensor(X(T), None, T.tensor(1.)),
    "mul_Scalar_number": lambda T: T.ops.aten.mul.Scalar(X(T), 2.),
    "mul_Scalar_bool": lambda T: T.ops.aten.mul.Scalar(X(T), True),
    "mul_Scalar_np_float": lambda T: T.ops.aten.mul.Scalar(X(T), np.float64(2)),
    "mm_tensors": lambda T: T.ops.aten.mm.default(X(T), X(T)),
    "where_tensors": lambda T: T.ops.aten.where.self(X(T) > 1, X(T), X(T) * 2),
    "add_alpha_number": lambda T: T.ops.aten.add.Tensor(X(T), X(T), alpha=2),
    # other schema mismatches, in PyTorch's order
    "missing_before_unknown": lambda T: T.ops.aten.mul.Scalar(X(T), scalar=2.),
    "too_many_with_kwargs": lambda T: T.ops.aten.mul.Scalar(X(T), 2., bar=3),
    "kwarg_only_positionally": lambda T: T.ops.aten.add.Tensor(X(T), X(T), 2),
    "unknown_keyword": lambda T: T.ops.aten.add.Tensor(X(T), X(T), bar=3),
    "positional_and_keyword": lambda T: T.ops.aten.add.Tensor(X(T), X(T), self=X(T)),
    "positional_and_keyword_2": lambda T: T.ops.aten.sum.dim_IntList(X(T), [0], dim=[0]),
    "str_for_Scalar": lambda T: T.ops.aten.mul.Scalar(X(T), "a"),
    "float_for_int": lambda T: T.ops.aten.cat.default([X(T), X(T)], 0.5),
    "float_in_int_list": lambda T: T.ops.aten.sum.dim_IntList(X(T), [0.5]),
}


@pytest.mark.parametrize("name", sorted(OPS_CASES))
def test_ops_argument_types(name):
    same(OPS_CASES[name])


# the ops whose Tensor arguments PyTorch lets take Python numbers
NUMBER_OPS = {
    "add_Tensor": lambda T: T.ops.aten.add.Tensor(X(T), 2),
    "add_Tensor_complex": lambda T: T.ops.aten.add.Tensor(X(T), 2.5j),
    "add_Tensor_bool": lambda T: T.ops.aten.add.Tensor(X(T), True),
    "add_Tensor_np": lambda T: T.ops.aten.add.Tensor(X(T), np.float64(2)),
    "sub_Tensor": lambda T: T.ops.aten.sub.Tensor(X(T), 2),
    "mul_Tensor": lambda T: T.ops.aten.mul.Tensor(X(T), 2),
    "mul_Tensor_number_first": lambda T: T.ops.aten.mul.Tensor(2, X(T)),
    "mul_Tensor_kw": lambda T: T.ops.aten.mul.Tensor(X(T), other=2),
    "div_Tensor": lambda T: T.ops.aten.div.Tensor(X(T), 2),
    "floor_divide": lambda T: T.ops.aten.floor_divide.default(X(T), 2),
    "add__Tensor": lambda T: T.ops.aten.add_.Tensor(X(T), 2),
    "mul_Scalar_number_self": lambda T: T.ops.aten.mul.Scalar(2, 3),
    # numbers only: PyTorch wraps them as tensors
    "mul_Tensor_ints": lambda T: T.ops.aten.mul.Tensor(2, 3),
    "mul_Tensor_float_int": lambda T: T.ops.aten.mul.Tensor(2., 3),
    "add_Tensor_int_float_alpha": lambda T: T.ops.aten.add.Tensor(2, 3.5, alpha=2),
    "div_Tensor_ints": lambda T: T.ops.aten.div.Tensor(3, 2),
    "add_Tensor_bools": lambda T: T.ops.aten.add.Tensor(True, True),
    "mul_Tensor_complex": lambda T: T.ops.aten.mul.Tensor(1j, 2),
    "sub_Tensor_ints": lambda T: T.ops.aten.sub.Tensor(5, 3),
    "floor_divide_ints": lambda T: T.ops.aten.floor_divide.default(7, 2),
    "to_copy_int": lambda T: T.ops.aten._to_copy.default(2),
    "to_copy_float_dtype": lambda T: T.ops.aten._to_copy.default(2.5, dtype=T.float16),
    "packet_mul_ints": lambda T: T.ops.aten.mul(2, 3),
}


@pytest.mark.parametrize("name", sorted(NUMBER_OPS))
def test_ops_numbers_as_tensors(name):
    same(NUMBER_OPS[name])


def test_subclass_for_scalar_names_its_type():
    def fn(T):
        class S(T.Tensor):
            pass
        return T.ops.aten.mul.Scalar(X(T), T.tensor(2.).as_subclass(S))
    same(fn)


def test_specialised_callers_keep_python_operators_working():
    # (the operators bind numbers to the Tensor overloads, as PyTorch's do)
    for fn in (lambda T: X(T) + 2, lambda T: X(T) == 2, lambda T: 2 ** X(T),
               lambda T: X(T) * T.tensor(3.), lambda T: T.maximum(X(T), T.tensor(2.))):
        same(fn)


# ---- b) the loss bindings read reduction=Mean as 0 ---------------------------------------------
def _loss_inputs(T):
    g = np.random.default_rng(0)

    def t(*shape):
        return T.tensor(g.standard_normal(shape), dtype=T.float32)
    x, y = t(4, 3), t(4, 3)
    p = T.tensor(g.uniform(0.1, 0.9, (4, 3)), dtype=T.float32)
    q = T.tensor(g.uniform(0.1, 0.9, (4, 3)), dtype=T.float32)
    sign = T.tensor([1., -1., 1., -1.])
    cls = T.tensor([0, 2, 1, 0])
    lab = T.tensor([[0, 2, -1], [1, -1, 0], [2, 0, 1], [0, -1, -1]])
    logp = x.log_softmax(1)
    img = t(2, 3, 4, 4).log_softmax(1)
    imgt = T.tensor(g.integers(0, 3, (2, 4, 4)))
    lp = t(5, 2, 4).log_softmax(2)
    return {
        ("torch", "binary_cross_entropy_with_logits"): (x, q),
        ("torch", "cosine_embedding_loss"): (x, y, sign),
        ("torch", "ctc_loss"): (lp, T.tensor([[1, 2], [3, 1]]), T.tensor([5, 5]),
                                T.tensor([2, 2])),
        ("torch", "hinge_embedding_loss"): (x, T.sign(y)),
        ("torch", "kl_div"): (logp, p),
        ("torch", "margin_ranking_loss"): (x, y, T.sign(y)),
        ("torch", "triplet_margin_loss"): (x, y, p),
        ("_nn", "binary_cross_entropy"): (p, q),
        ("_nn", "cross_entropy_loss"): (x, cls),
        ("_nn", "huber_loss"): (x, y),
        ("_nn", "l1_loss"): (x, y),
        ("_nn", "mse_loss"): (x, y),
        ("_nn", "multi_margin_loss"): (x, cls),
        ("_nn", "multilabel_margin_loss"): (x, lab),
        ("_nn", "nll_loss"): (logp, cls),
        ("_nn", "nll_loss2d"): (img, imgt),
        ("_nn", "nll_loss_nd"): (logp, cls),
        ("_nn", "smooth_l1_loss"): (x, y),
        ("_nn", "soft_margin_loss"): (x, T.sign(y)),
    }


LOSSES = sorted(_loss_inputs(torch))


@pytest.mark.parametrize("where,name", LOSSES)
@pytest.mark.parametrize("how", ["binding", "binding_kw_mean", "aten"])
def test_loss_binding_default_reduction(where, name, how):
    def fn(T):
        args = _loss_inputs(T)[(where, name)]
        if how == "aten":  # (torch.ops reduces by mean)
            return getattr(T.ops.aten, name)(*args)
        f = getattr(T if where == "torch" else T._C._nn, name)
        return f(*args, reduction=1) if how == "binding_kw_mean" else f(*args)
    same(fn)


def test_loss_binding_default_reduction_positional_defaults():
    # (the arguments between the given ones and reduction take their own defaults)
    same(lambda T: T.cosine_embedding_loss(X(T), X(T).flip(0), T.tensor([1., -1.]), 0.5))
    same(lambda T: T.hinge_embedding_loss(X(T), T.tensor([[1., -1.], [-1., 1.]]), 2.0))


# ---- c) int[] arguments holding something else ---------------------------------------------------
def V(T):
    return T.arange(6.)


def M(T):
    return T.arange(6.).reshape(2, 3)


INT_LIST_CASES = {
    "view_tensor": lambda T: V(T).view(T.tensor([3, 2])),
    "view_float_tensor": lambda T: V(T).view(T.tensor(6.)),
    "view_int_tensor": lambda T: V(T).view(T.tensor(6)),
    "view_one_elem_tensor": lambda T: V(T).view(T.tensor([6])),
    "view_list_float_first": lambda T: V(T).view([3.0, 2]),
    "view_list_float_second": lambda T: V(T).view([3, 2.0]),
    "view_tuple_float_first": lambda T: V(T).view((3.5, 2)),
    "view_varargs_float_first": lambda T: V(T).view(3.0, 2),
    "view_varargs_float_second": lambda T: V(T).view(3, 2.0),
    "view_list_tensor_elems": lambda T: V(T).view([T.tensor(3), 2]),
    "view_list_float_tensor_elem": lambda T: V(T).view([3, T.tensor(2.)]),
    "view_list_none": lambda T: V(T).view([3, None]),
    "reshape_list_float_first": lambda T: V(T).reshape([3.0, 2]),
    "reshape_varargs_float_second": lambda T: V(T).reshape(3, 2.0),
    "reshape_tensor": lambda T: V(T).reshape(T.tensor([3, 2])),
    "reshape_kw_float_first": lambda T: V(T).reshape(shape=[3.0, 2]),
    "torch_reshape_float_first": lambda T: T.reshape(V(T), [3.0, 2]),
    "torch_reshape_float_second": lambda T: T.reshape(V(T), (3, 2.0)),
    "torch_reshape_kw_float_second": lambda T: T.reshape(V(T), shape=[3, 2.0]),
    "torch_reshape_tensor": lambda T: T.reshape(V(T), T.tensor([3, 2])),
    "torch_reshape_tensor_elem": lambda T: T.reshape(V(T), [T.tensor(3), 2]),
    "zeros_list_float_first": lambda T: T.zeros([2.0, 3]),
    "zeros_tuple_float_second": lambda T: T.zeros((2, 3.0)),
    "zeros_varargs_float_first": lambda T: T.zeros(2.0, 3),
    "zeros_varargs_float_second": lambda T: T.zeros(2, 3.0),
    "zeros_float": lambda T: T.zeros(2.0),
    "zeros_kw_float_first": lambda T: T.zeros(size=[2.0, 3]),
    "zeros_kw_float_second": lambda T: T.zeros(size=[2, 3.0]),
    "ones_str": lambda T: T.ones([2, "a"]),
    "empty_varargs_float_second": lambda T: T.empty(2, 3.0),
    "rand_varargs_float_second": lambda T: T.rand(2, 3.0),
    "randint_float_first": lambda T: T.randint(3, (2.0, 3)),
    "randint_float_second": lambda T: T.randint(3, (2, 3.0)),
    "full_float_second": lambda T: T.full((2, 3.0), 1.),
    "empty_strided_float_second": lambda T: T.empty_strided((2, 3.0), (3, 1)),
    "new_zeros_list_float_first": lambda T: V(T).new_zeros([2.0]),
    "new_zeros_varargs_float_second": lambda T: V(T).new_zeros(2, 3.0),
    "new_zeros_varargs_float_first": lambda T: V(T).new_zeros(2.0, 3),
    "new_full_float_second": lambda T: V(T).new_full((2, 3.0), 1.),
    "sum_dim_kw_float": lambda T: M(T).sum(dim=[0.5]),
    "sum_dim_float": lambda T: M(T).sum([0.5]),
    "sum_dim_float_second": lambda T: M(T).sum([0, 1.0]),
    "torch_sum_dim_kw_float": lambda T: T.sum(M(T), dim=[0.5]),
    "torch_sum_dim_float_second": lambda T: T.sum(M(T), (0, 1.0)),
    "permute_list_float_first": lambda T: M(T).permute([0.0, 1]),
    "permute_tuple_float_first": lambda T: M(T).permute((0.0, 1)),
    "torch_permute_float_first": lambda T: T.permute(M(T), [0.0, 1]),
    "torch_permute_float_second": lambda T: T.permute(M(T), (0, 1.0)),
    "flip_tuple_float_first": lambda T: M(T).flip((0.0,)),
    "flip_varargs_float_second": lambda T: M(T).flip(0, 1.0),
    "torch_flip_float_first": lambda T: T.flip(M(T), (0.0,)),
    "torch_flip_float_second": lambda T: T.flip(M(T), [0, 1.0]),
    "amax_float_first": lambda T: T.amax(M(T), [0.0]),
    "amax_float_second": lambda T: T.amax(M(T), [0, 1.0]),
    "expand_list_float_first": lambda T: M(T).expand([2.0, 3]),
    "repeat_list_float_first": lambda T: M(T).repeat([1.0, 2]),
    "resize_varargs_float_second": lambda T: M(T).clone().resize_(2, 3.0),
    "unflatten_float_first": lambda T: M(T).unflatten(1, [3.0, 1]),
    "pad_float_first": lambda T: T.nn.functional.pad(V(T), [1.0, 1]),
}


@pytest.mark.parametrize("name", sorted(INT_LIST_CASES))
def test_int_list_arguments(name):
    same(INT_LIST_CASES[name])
