"""The Python bindings' reading of 0-d tensors as numbers (PyTorch's arg parser): a 0-d tensor
that does not require grad is taken for a ``Scalar``/``float``/``complex`` argument, an
integral one for an ``int`` or ``int[]`` argument and for a factory's size; anything else is
refused with the parser's TypeError. Also ``add``/``sub``'s ``alpha_check``."""
import pytest

from _parity import outcome

torch = pytest.importorskip("torch")
import kindling  # noqa: E402


def _plain(r):
    return str(r.dtype), tuple(r.shape), r.flatten().tolist()


CASES = {
    "full_like_0d": lambda T: T.full_like(T.ones(2), T.tensor(0.5)),
    "full_like_1d": lambda T: T.full_like(T.ones(2), T.tensor([0.5])),
    "full_like_requires_grad": lambda T: T.full_like(T.ones(2), T.tensor(0.5, requires_grad=True)),
    "scalar_requires_grad": lambda T: T.add(T.ones(2), 1, alpha=T.tensor(2., requires_grad=True)),
    "scalar_1d": lambda T: T.add(T.ones(2), 1, alpha=T.tensor([2.])),
    "scalar_bool": lambda T: T.add(T.ones(2), 1, alpha=T.tensor(True)),
    "scalar_complex": lambda T: T.add(T.ones(2).to(T.complex64), 1, alpha=T.tensor(1 + 1j)),
    "scalar_int": lambda T: T.add(T.ones(2), T.ones(2), alpha=T.tensor(2)),
    "scalar_method": lambda T: T.ones(2).add(T.ones(2), alpha=T.tensor(2.)),
    "scalar_inplace": lambda T: T.ones(2).mul_(T.tensor(3.)),
    "scalar_kw": lambda T: T.addcmul(T.ones(2), T.ones(2), T.ones(2), value=T.tensor(2.)),
    "scalar_pos": lambda T: T.threshold(T.ones(2), T.tensor(2.), T.tensor(3)),
    "float_arg": lambda T: T.dropout(T.ones(2), T.tensor(0.), False),
    "float_arg_requires_grad": lambda T: T.dropout(T.ones(2), T.tensor(0., requires_grad=True),
                                                   False),
    "float_kw": lambda T: T.logit(T.full((2,), 0.5), eps=T.tensor(0.01)),
    "optional_float": lambda T: T.nan_to_num(T.tensor([float("nan")]), nan=T.tensor(2.)),
    "p_of_norm": lambda T: T.norm(T.ones(2), p=T.tensor(2.)),
    "int_dim": lambda T: T.ones(2, 3).sum(dim=T.tensor(1)),
    "int_dim_float": lambda T: T.ones(2, 3).sum(dim=T.tensor(1.)),
    "int_pos": lambda T: T.select(T.ones(2, 3), T.tensor(1), 0),
    "bool_arg": lambda T: T.ones(2, 3).sum(1, T.tensor(True)),
    "size_element": lambda T: T.ones(2, 3).view(T.tensor(3), 2),
    "factory_size": lambda T: T.zeros(T.tensor(2)),
    "factory_size_1d": lambda T: T.zeros(T.tensor([2])),
    "factory_size_float": lambda T: T.zeros(T.tensor(2.)),
    "factory_size_elements": lambda T: T.zeros((T.tensor([2]), 3)),
    "factory_size_float_element": lambda T: T.zeros((T.tensor(2.), 3)),
    "full_fill": lambda T: T.full((2,), T.tensor(3)),
    "full_fill_requires_grad": lambda T: T.full((2,), T.tensor(3., requires_grad=True)),
    # a lone int for an int list: varargs (the one positional parameter) or a sized list only
    "lone_int_function": lambda T: T.flip(T.arange(3.), 0),
    "lone_int_method": lambda T: T.arange(3.).flip(0),
    "lone_int_sized": lambda T: T.roll(T.arange(3.), 1, 0),
    "sections_not_indices": lambda T: T.arange(6.).tensor_split(3, 0)[1],
    "none_for_optional_list": lambda T: T._C._nn.upsample_nearest1d(T.ones(1, 1, 2), None, [2]),
    "size_for_int_list": lambda T: T.broadcast_to(T.ones(3), T.ones(2, 3).shape),
    "fill_tensor_overload": lambda T: T.ones(2).fill_(T.tensor(3.)),
    "clamp_no_bounds": lambda T: T.ones(2).clamp(),
    # alpha_check
    "alpha_bool_float": lambda T: T.add(T.ones(2), T.ones(2), alpha=True),
    "alpha_bool_bool": lambda T: T.add(T.ones(2) > 0, T.ones(2) > 0, alpha=True),
    "alpha_float_int": lambda T: T.add(T.ones(2).long(), T.ones(2).long(), alpha=0.5),
    "alpha_one_float_int": lambda T: T.add(T.ones(2).long(), 2, alpha=1.0),
    "alpha_int_scalar_float": lambda T: T.add(T.ones(2).long(), 2.5, alpha=3),
    "alpha_complex_real": lambda T: T.add(T.ones(2), T.ones(2), alpha=1j),
    "alpha_complex": lambda T: T.add(T.ones(2).to(T.complex64), T.ones(2), alpha=1j),
    "alpha_sub_inplace": lambda T: T.ones(2).sub_(1, alpha=True),
    "alpha_rsub": lambda T: T.rsub(T.ones(2).long(), 1, alpha=0.5),
}


@pytest.mark.parametrize("name", list(CASES))
def test_as_pytorch(name):
    def case(T):
        return _plain(CASES[name](T))
    k, t = outcome(kindling, case), outcome(torch, case)
    if t[0] == "TypeError":  # (the parser's list of signatures: compare its first line)
        k, t = (k[0], k[1].split("\n")[0]), (t[0], t[1].split("\n")[0])
    assert k == t
