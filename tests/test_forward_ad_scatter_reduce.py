"""Forward-mode AD of scatter_reduce (PyTorch's scatter_reduce_jvp) and the errors of ops
without a forward formula, against PyTorch: ties and NaNs of amax/amin, the in-place form's
copy of prod's missing tangent, and the two wordings of the not-implemented error."""
import pytest

from test_forward_ad_parity import check, dual, fw, tangent

pytestmark = pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")

_SELF = [[1., 5., 2.], [3., float("nan"), 4.]]
_SRC = [[5., 5., 2.], [4., 4., 0.5]]
_INDEX = [[1, 1, 0], [2, 0, 2]]


def _inputs(T, self_tangent=True, src_tangent=True):
    def value(p, t, has):
        return dual(T, p, t) if has else T.tensor(p, dtype=T.float64)
    s = value(_SELF, [[.1, .2, .3], [.4, .5, .6]], self_tangent)
    src = value(_SRC, [[-1., 2., -3.], [.7, -.8, .9]], src_tangent)
    return s, T.tensor(_INDEX), src


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("which", [(True, True), (True, False), (False, True)])
def test_scatter_reduce_tangent(torch, reduce, include_self, which):
    def case(T):
        s, index, src = _inputs(T, *which)
        return tangent(T, s.scatter_reduce(1, index, src, reduce, include_self=include_self))
    check(torch, case)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("which", [(True, True), (False, True)])
def test_scatter_reduce_inplace_tangent(torch, reduce, which):
    """prod has no formula: copying its missing tangent into self's is an error (after self
    changed), while a self without a tangent simply gets none."""
    def case(T):
        s, index, src = _inputs(T, *which)
        try:
            s.scatter_reduce_(1, index, src, reduce)
        except RuntimeError as e:
            return str(e), fw(T).unpack_dual(s).primal
        return tangent(T, s)
    check(torch, case)


def test_not_implemented_wording_inplace_and_functional(torch):
    """An op that modifies its input refuses forward AD; a functional one asks for a PR."""
    check(torch, lambda T: dual(T, [1.5, 2.], [1., 1.]).acosh_())
    check(torch, lambda T: dual(T, [.5, .2], [1., 1.]).atanh_())
    index = [0, 0]
    check(torch, lambda T: T.ones(2, 2, dtype=T.float64).index_reduce_(
        0, T.tensor(index), dual(T, [[1., 2.], [3., 4.]], [[1., 1.], [1., 1.]]), "amax"))
    check(torch, lambda T: T.ones(2, 2, dtype=T.float64).index_reduce(
        0, T.tensor(index), dual(T, [[1., 2.], [3., 4.]], [[1., 1.], [1., 1.]]), "amax"))
