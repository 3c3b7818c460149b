"""The TypeErrors of overloaded functions and methods, compared with PyTorch's argument
parser: the one plausible signature's own complaint (by argument count), else every
signature in PyTorch's order (``Tensor`` overloads before ``Number`` ones), each functional
one offering its out= twin, methods without ``self`` and without out=."""
import pytest

import kindling

torch = pytest.importorskip("torch")

CALLS = [
    "T.xlogy('a', 1)", "T.add(T.ones(2), 'x')", "T.ones(2).add('x')", "T.sum(T.ones(2), 'x')",
    "T.clamp(T.ones(2), 'a')", "T.pow('a', 'b')", "T.where('a')", "T.ones(2).mul(1, 2)",
    "T.ones(2).clamp('a')", "T.ones(2).sum('x')", "T.ones(2).pow()",
    "T.sum(T.ones(2, 3), out=T.empty(()))", "T.prod(T.ones(2, 3), out=T.empty(()))",
    "T.count_nonzero(T.ones(2, 3), 0, out=T.empty(3, dtype=T.long))",
    "T.special.zeta('a', 1)", "T.cat([T.ones(2), 1])", "T.stack(T.ones(2))",
    "T.where('a', 1, 2)", "T.clamp(T.ones(2), 'a', 1)",
]


@pytest.mark.parametrize("call", CALLS)
def test_overload_errors_match_torch(call):
    def run(T):
        try:
            eval(call)
        except TypeError as e:
            return str(e)
        return None
    assert run(kindling) == run(torch)


def test_where_of_a_condition_alone_is_nonzero_as_tuple():
    def run(T):
        r = T.where(T.tensor([[True, False], [False, True]]))
        return type(r).__name__, [x.tolist() for x in r], [x.tolist() for x in T.where(
            T.tensor(3))]
    assert run(kindling) == run(torch)


SIZE_CALLS = [
    'x.view("a")', 'x.view(2, "a")', 'x.view([2, "a"])', 'x.view(2.0, 3)', 'x.view(T.float32, 2)',
    'x.view(None)', 'x.reshape("a")', 'x.reshape(2, "a")', 'x.expand(2, "a")',
    'x.reshape(2.0, 3)', 'x.reshape([2.0, 3])', 'x.reshape((2, 3.0))', 'x.permute(0, "a")',
    'x.permute("a")', 'x.expand(2.0)', 'x.view(np.int64(2), 3).shape',
    'x.view(T.tensor(2), 3).shape', 'x.reshape(T.tensor(6)).shape', 'x.view([2.0, 3])',
    'x.flip("a")', 'x.repeat("a")', 'x.repeat(2, "a")', 'x.view(True, 6)', 'x.view(2, 3).shape',
    'x.view((3, 2)).shape', 'x.view(-1).shape', 'x.permute(1, 0).shape',
    'x.expand(4, 2, 3).shape', 'x.view(T.int32).dtype',
]


@pytest.mark.parametrize("call", SIZE_CALLS)
def test_size_arguments_match_torch(call):
    """``*sizes`` methods: ints, a list or tuple of them, or PyTorch's parser errors."""
    import numpy as np

    def run(T):
        x = T.ones(2, 3)
        try:
            return str(eval(call, {"np": np, "T": T, "x": x}))
        except TypeError as e:
            return "TypeError", str(e)
    assert run(kindling) == run(torch)
