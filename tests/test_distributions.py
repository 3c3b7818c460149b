"""kindling.distributions against torch.distributions: same-seed samples, rsample gradients,
log_prob/cdf/icdf/entropy/moments, shapes, expand, argument/sample validation errors, reprs and
KL divergences."""

import warnings

import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")

LIBS = {"kindling": kindling, "torch": torch}


def _np(x):
    if isinstance(x, (kindling.Tensor, torch.Tensor)):
        return x.detach().numpy()
    return np.asarray(x)


def assert_same(a, b, rtol=1e-5, atol=1e-6):
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y, rtol, atol)
        return
    if isinstance(b, torch.Tensor):
        assert isinstance(a, kindling.Tensor), type(a)
        assert str(a.dtype) == str(b.dtype)
        assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol, equal_nan=True)


# Each case builds a distribution from plain data with the library `t` given.
CASES = {
    "Normal": lambda t: t.distributions.Normal(t.tensor([0.0, 1.5, -2.0]), t.tensor([1.0, 0.5, 3.0])),
    "Normal_scalar": lambda t: t.distributions.Normal(0.5, 2.0),
    "Normal_bcast": lambda t: t.distributions.Normal(t.tensor([[0.0], [1.0]]), t.tensor([1.0, 2.0, 0.5])),
    "Bernoulli_probs": lambda t: t.distributions.Bernoulli(t.tensor([0.1, 0.5, 0.9])),
    "Bernoulli_logits": lambda t: t.distributions.Bernoulli(logits=t.tensor([-1.0, 0.0, 2.0])),
    "Categorical_probs": lambda t: t.distributions.Categorical(t.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
    "Categorical_logits": lambda t: t.distributions.Categorical(logits=t.tensor([0.5, -1.0, 2.0, 0.0])),
    "Uniform": lambda t: t.distributions.Uniform(t.tensor([0.0, -1.0]), t.tensor([2.0, 3.0])),
    "OneHotCategorical": lambda t: t.distributions.OneHotCategorical(t.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
    "Exponential": lambda t: t.distributions.Exponential(t.tensor([0.5, 1.0, 4.0])),
    "Laplace": lambda t: t.distributions.Laplace(t.tensor([0.0, 2.0]), t.tensor([1.0, 0.3])),
    "Independent": lambda t: t.distributions.Independent(
        t.distributions.Normal(t.tensor([[0.0, 1.0], [2.0, 3.0]]), t.tensor([[1.0, 2.0], [0.5, 1.5]])), 1),
    "MVN_cov": lambda t: t.distributions.MultivariateNormal(
        t.tensor([1.0, -1.0]), t.tensor([[2.0, 0.3], [0.3, 1.0]])),
    "MVN_tril_batched": lambda t: t.distributions.MultivariateNormal(
        t.tensor([[1.0, -1.0, 0.0], [0.0, 2.0, 1.0]]),
        scale_tril=t.tensor([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]])),
    "MVN_precision": lambda t: t.distributions.MultivariateNormal(
        t.zeros(2), precision_matrix=t.tensor([[2.0, 0.5], [0.5, 1.0]])),
    "Gamma": lambda t: t.distributions.Gamma(t.tensor([0.5, 2.0, 5.0]), t.tensor([1.0, 0.5, 3.0])),
    "Poisson": lambda t: t.distributions.Poisson(t.tensor([0.5, 3.0, 20.0])),
    "Dirichlet": lambda t: t.distributions.Dirichlet(t.tensor([[0.5, 2.0, 3.0], [1.0, 1.0, 4.0]])),
    "Beta": lambda t: t.distributions.Beta(t.tensor([0.5, 2.0]), t.tensor([1.5, 3.0])),
    "Beta_scalar": lambda t: t.distributions.Beta(2.0, 3.0),
    "Chi2": lambda t: t.distributions.Chi2(t.tensor([1.0, 3.0, 7.5])),
    "StudentT": lambda t: t.distributions.StudentT(t.tensor([0.5, 1.5, 2.0, 5.0]), 1.0, t.tensor([1.0, 2.0, 0.5, 3.0])),
    "Cauchy": lambda t: t.distributions.Cauchy(t.tensor([0.0, 2.0]), t.tensor([1.0, 0.3])),
    "Geometric": lambda t: t.distributions.Geometric(t.tensor([0.2, 0.5, 1.0])),
    "Geometric_logits": lambda t: t.distributions.Geometric(logits=t.tensor([-1.0, 0.5])),
    "Binomial": lambda t: t.distributions.Binomial(10, t.tensor([0.1, 0.5, 0.95])),
    "Binomial_logits": lambda t: t.distributions.Binomial(t.tensor([[3.0], [3.0]]), logits=t.tensor([-1.0, 2.0])),
    "Multinomial": lambda t: t.distributions.Multinomial(6, t.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
    "LogNormal": lambda t: t.distributions.LogNormal(t.tensor([0.0, 1.0]), t.tensor([0.5, 2.0])),
    "HalfNormal": lambda t: t.distributions.HalfNormal(t.tensor([0.5, 2.0, 1.0])),
    "Gumbel": lambda t: t.distributions.Gumbel(t.tensor([0.0, 2.0]), t.tensor([1.0, 0.3])),
    "Gumbel_scalar": lambda t: t.distributions.Gumbel(1.0, 2.0),
    "Pareto": lambda t: t.distributions.Pareto(t.tensor([1.0, 2.0, 0.5]), t.tensor([0.8, 2.5, 4.0])),
    "HalfCauchy": lambda t: t.distributions.HalfCauchy(t.tensor([0.5, 2.0])),
    "Weibull": lambda t: t.distributions.Weibull(t.tensor([1.0, 2.0]), t.tensor([0.7, 3.0])),
    "NegativeBinomial": lambda t: t.distributions.NegativeBinomial(t.tensor([3.0, 10.0]), t.tensor([0.2, 0.7])),
    "NegativeBinomial_logits": lambda t: t.distributions.NegativeBinomial(4.0, logits=t.tensor([-1.0, 0.5])),
    "Mixture": lambda t: t.distributions.MixtureSameFamily(
        t.distributions.Categorical(t.tensor([0.2, 0.5, 0.3])),
        t.distributions.Normal(t.tensor([-1.0, 0.0, 2.0]), t.tensor([0.5, 1.0, 0.3]))),
    "Mixture_mvn": lambda t: t.distributions.MixtureSameFamily(
        t.distributions.Categorical(t.tensor([[0.2, 0.8], [0.6, 0.4]])),
        t.distributions.Independent(t.distributions.Normal(
            t.tensor([[[0.0, 1.0], [2.0, -1.0]], [[1.0, 1.0], [0.0, 0.0]]]), 1.0), 1)),
    "InverseGamma": lambda t: t.distributions.InverseGamma(t.tensor([0.5, 2.5, 4.0]), t.tensor([1.0, 2.0, 0.5])),
    "Kumaraswamy": lambda t: t.distributions.Kumaraswamy(t.tensor([0.5, 2.0, 3.0]), t.tensor([0.8, 1.5, 4.0])),
    "RelaxedBernoulli": lambda t: t.distributions.RelaxedBernoulli(t.tensor(0.5), t.tensor([0.1, 0.6])),
    "RelaxedBernoulli_logits": lambda t: t.distributions.RelaxedBernoulli(t.tensor([0.3, 2.0]), logits=t.tensor([-1.0, 1.0])),
    "RelaxedOneHotCategorical": lambda t: t.distributions.RelaxedOneHotCategorical(
        t.tensor(0.7), t.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
    "FisherSnedecor": lambda t: t.distributions.FisherSnedecor(t.tensor([1.0, 3.0, 6.0]), t.tensor([2.0, 5.0, 10.0])),
    "LowRankMVN": lambda t: t.distributions.LowRankMultivariateNormal(
        t.tensor([[1.0, -1.0, 0.0], [0.0, 2.0, 1.0]]), t.tensor([[1.0, 0.5], [0.2, -0.3], [0.0, 1.0]]),
        t.tensor([0.5, 1.0, 2.0])),
    "GeneralizedPareto": lambda t: t.distributions.GeneralizedPareto(
        t.tensor([0.0, 1.0, -1.0, 0.5]), t.tensor([1.0, 2.0, 0.5, 1.5]), t.tensor([0.0, 0.3, -0.4, 0.7])),
    "ContinuousBernoulli": lambda t: t.distributions.ContinuousBernoulli(t.tensor([0.1, 0.4995, 0.7, 0.99])),
    "ContinuousBernoulli_logits": lambda t: t.distributions.ContinuousBernoulli(logits=t.tensor([-2.0, 0.001, 1.5, 3.0])),
    "VonMises": lambda t: t.distributions.VonMises(t.tensor([0.0, 1.0, -2.0]), t.tensor([0.5, 4.0, 1e-6])),
    "LogisticNormal": lambda t: t.distributions.LogisticNormal(t.tensor([[0.0, 1.0, -0.5], [1.0, 0.0, 2.0]]), 0.7),
    "LKJCholesky": lambda t: t.distributions.LKJCholesky(3, t.tensor([0.5, 2.0])),
    "LKJCholesky_scalar": lambda t: t.distributions.LKJCholesky(4, 1.5),
    "Wishart": lambda t: t.distributions.Wishart(t.tensor([4.0, 5.0]), covariance_matrix=t.tensor([[2.0, 0.3], [0.3, 1.0]])),
    "Wishart_precision": lambda t: t.distributions.Wishart(3.5, precision_matrix=t.tensor([[2.0, 0.3], [0.3, 1.0]])),
    "Wishart_tril": lambda t: t.distributions.Wishart(t.tensor(6.0), scale_tril=t.tensor(
        [[[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]]])),
    "Transformed": lambda t: t.distributions.TransformedDistribution(
        t.distributions.Normal(t.tensor([0.0, 1.0]), t.tensor([1.0, 0.5])),
        [t.distributions.transforms.AffineTransform(1.0, t.tensor([2.0, -0.5])),
         t.distributions.transforms.SigmoidTransform()]),
}
CONTINUOUS = ["Normal", "Normal_scalar", "Normal_bcast", "Uniform", "Exponential", "Laplace",
              "Independent", "MVN_cov", "MVN_tril_batched", "MVN_precision", "Gamma", "Dirichlet", "Beta",
              "Chi2", "StudentT", "Cauchy", "LogNormal", "HalfNormal", "HalfCauchy",
              "InverseGamma", "Kumaraswamy", "RelaxedBernoulli", "RelaxedOneHotCategorical",
              "FisherSnedecor", "LowRankMVN", "GeneralizedPareto", "ContinuousBernoulli"]


def both(name):
    return CASES[name](kindling), CASES[name](torch)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("sample_shape", [(), (4,), (2, 3)])
def test_sample_same_seed(name, sample_shape):
    out = {}
    for lib, t in LIBS.items():
        d = CASES[name](t)
        t.manual_seed(1234)
        out[lib] = (d.sample(sample_shape), d.sample())
    assert_same(out["kindling"], out["torch"])


@pytest.mark.parametrize("name", CONTINUOUS)
def test_rsample_same_seed_and_gradients(name):
    out = {}
    for lib, t in LIBS.items():
        d = CASES[name](t)
        params = [v for v in vars(d).values() if isinstance(v, t.Tensor)]
        if name == "Independent":
            params = [d.base_dist.loc, d.base_dist.scale]
        leaves = []
        # rebuild from leaf copies so gradients reach them
        if name.startswith("MVN"):
            loc = d.loc.detach().clone().requires_grad_()
            L = d._unbroadcasted_scale_tril.detach().clone().requires_grad_()
            d = t.distributions.MultivariateNormal(loc, scale_tril=L)
            leaves = [loc, L]
        elif name == "Independent":
            loc, scale = (p.detach().clone().requires_grad_() for p in params)
            d = t.distributions.Independent(t.distributions.Normal(loc, scale), 1)
            leaves = [loc, scale]
        elif name in ("LogNormal", "HalfNormal", "HalfCauchy"):
            leaves = [v.detach().clone().requires_grad_() for v in (
                [d.loc, d.scale] if name == "LogNormal" else [d.scale])]
            d = type(d)(*leaves)
        elif name in ("InverseGamma", "Kumaraswamy"):
            a, b = ((d.concentration, d.rate) if name == "InverseGamma" else (d.concentration1, d.concentration0))
            leaves = [a.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()]
            d = type(d)(*leaves)
        elif name.startswith("Relaxed"):
            leaves = [d.temperature.detach().clone().requires_grad_(), d.probs.detach().clone().requires_grad_()]
            d = type(d)(*leaves)
        elif name == "ContinuousBernoulli":
            leaves = [d.probs.detach().clone().requires_grad_()]
            d = type(d)(*leaves)
        elif name == "GeneralizedPareto":
            leaves = [v.detach().clone().requires_grad_() for v in (d.loc, d.scale, d.concentration)]
            d = type(d)(*leaves)
        elif name == "FisherSnedecor":
            leaves = [d.df1.detach().clone().requires_grad_(), d.df2.detach().clone().requires_grad_()]
            d = type(d)(*leaves)
        elif name == "LowRankMVN":
            leaves = [v.detach().clone().requires_grad_() for v in
                      (d.loc, d._unbroadcasted_cov_factor, d._unbroadcasted_cov_diag)]
            d = type(d)(*leaves)
        elif name == "Chi2":
            leaves = [d.df.detach().clone().requires_grad_()]
            d = type(d)(*leaves)
        elif name == "StudentT":
            leaves = [d.df.detach().clone().requires_grad_(), d.loc.detach().clone().requires_grad_(),
                      d.scale.detach().clone().requires_grad_()]
            d = type(d)(*leaves)
        elif name == "Beta":
            leaves = [d.concentration1.detach().clone().requires_grad_(),
                      d.concentration0.detach().clone().requires_grad_()]
            d = type(d)(*leaves)
        else:
            leaves = [p.detach().clone().requires_grad_() for p in params]
            d = type(d)(*leaves)
        t.manual_seed(7)
        x = d.rsample((5,))
        (x * x).sum().backward()
        out[lib] = (x, [p.grad for p in leaves])
    assert_same(out["kindling"][0], out["torch"][0])
    assert_same(out["kindling"][1], out["torch"][1], rtol=1e-4, atol=1e-5)


def _values(name, t):
    """Points inside the support, shaped to broadcast against the distribution."""
    t.manual_seed(99)
    d = CASES[name](t)
    return d.sample((3,))


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_prob_entropy_moments(name):
    out = {}
    for lib, t in LIBS.items():
        d = CASES[name](t)
        res = {"log_prob": d.log_prob(_values(name, t)),
               "shapes": (tuple(d.batch_shape), tuple(d.event_shape)),
               "ext": tuple(d._extended_shape((2,)))}
        for key in ("entropy", "mean", "variance", "stddev", "mode"):
            try:
                res[key] = d.entropy() if key == "entropy" else getattr(d, key)
            except NotImplementedError as e:  # where PyTorch has no closed form either
                res[key] = ("NotImplementedError", str(e).replace("kindling.", "torch."))
        out[lib] = res
    k, r = out["kindling"], out["torch"]
    assert k["shapes"] == r["shapes"] and k["ext"] == r["ext"]
    for key in ("log_prob", "entropy", "mean", "variance", "stddev", "mode"):
        if isinstance(r[key], (str, tuple)) and not isinstance(r[key][0], torch.Tensor):
            assert k[key] == r[key]
        else:
            assert_same(k[key], r[key], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["Normal", "Uniform", "Exponential", "Laplace", "Cauchy", "LogNormal",
                                  "HalfNormal", "HalfCauchy", "Gumbel", "Pareto", "Transformed", "Weibull",
                                  "GeneralizedPareto", "ContinuousBernoulli"])
def test_cdf_icdf(name):
    out = {}
    for lib, t in LIBS.items():
        d = CASES[name](t)
        q = t.tensor([0.1, 0.4, 0.9, 0.6][: d.batch_shape[0]] if d.batch_shape else 0.3)
        out[lib] = (d.cdf(_values(name, t)), d.icdf(q))
    assert_same(out["kindling"], out["torch"], rtol=1e-5, atol=1e-5)


def test_log_prob_gradients():
    out = {}
    for lib, t in LIBS.items():
        loc = t.tensor([0.5, -1.0], requires_grad=True)
        scale = t.tensor([1.5, 0.7], requires_grad=True)
        logits = t.tensor([0.2, -0.4, 1.0], requires_grad=True)
        lp = (t.distributions.Normal(loc, scale).log_prob(t.tensor([1.0, 0.0])).sum()
              + t.distributions.Categorical(logits=logits).log_prob(t.tensor([2, 0])).sum()
              + t.distributions.Laplace(loc, scale).entropy().sum())
        lp.backward()
        out[lib] = (lp, loc.grad, scale.grad, logits.grad)
    assert_same(out["kindling"], out["torch"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_expand(name):
    out = {}
    for lib, t in LIBS.items():
        d = CASES[name](t)
        new = d.expand((4,) + tuple(d.batch_shape))
        t.manual_seed(3)
        s = new.sample()
        out[lib] = (tuple(new.batch_shape), tuple(new.event_shape), s, new.log_prob(s), new._validate_args)
    k, r = out["kindling"], out["torch"]
    assert k[0] == r[0] and k[1] == r[1] and k[4] == r[4]
    assert_same(k[2:4], r[2:4], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(CASES))
def test_repr(name):
    assert repr(CASES[name](kindling)) == repr(CASES[name](torch))


def test_enumerate_support():
    for name in ["Bernoulli_probs", "Categorical_probs", "OneHotCategorical", "Binomial", "Binomial_logits"]:
        for expand in (True, False):
            k, r = (d.enumerate_support(expand) for d in both(name))
            assert_same(k, r)


def _error(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - the type and message are compared
            # class reprs in messages name their module: kindling.x for torch.x
            return type(e).__name__, str(e).replace("kindling.", "torch.")
    return None


BAD_ARGS = [
    lambda t: t.distributions.Normal(t.tensor([0.0, 1.0]), t.tensor([1.0, -1.0])),
    lambda t: t.distributions.Normal(0.0, 0.0),
    lambda t: t.distributions.Bernoulli(t.tensor([0.5, 1.5])),
    lambda t: t.distributions.Bernoulli(),
    lambda t: t.distributions.Bernoulli(0.5, 0.0),
    lambda t: t.distributions.Categorical(t.tensor(0.5)),
    lambda t: t.distributions.Categorical(logits=t.tensor(0.5)),
    lambda t: t.distributions.Categorical(t.tensor([0.5, -0.1])),
    lambda t: t.distributions.Uniform(t.tensor([1.0]), t.tensor([0.0])),
    lambda t: t.distributions.Exponential(t.tensor([-1.0])),
    lambda t: t.distributions.Laplace(0.0, -2.0),
    lambda t: t.distributions.MultivariateNormal(t.tensor(0.0), t.eye(2)),
    lambda t: t.distributions.MultivariateNormal(t.zeros(2), t.eye(2), scale_tril=t.eye(2)),
    lambda t: t.distributions.MultivariateNormal(t.zeros(2), t.tensor([1.0, 2.0])),
    lambda t: t.distributions.MultivariateNormal(t.zeros(2), scale_tril=t.tensor([[1.0, 1.0], [0.0, 1.0]])),
    lambda t: t.distributions.MultivariateNormal(t.zeros(2), t.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda t: t.distributions.Independent(t.distributions.Normal(0.0, 1.0), 1),
    lambda t: t.distributions.Normal(t.tensor([0.0]), t.tensor([1.0])).log_prob([0.0]),
    lambda t: t.distributions.Normal(t.zeros(3), t.ones(3)).log_prob(t.zeros(2)),
    lambda t: t.distributions.MultivariateNormal(t.zeros(2), t.eye(2)).log_prob(t.zeros(3)),
    lambda t: t.distributions.Exponential(t.tensor([1.0, 2.0])).log_prob(t.tensor([1.0, -1.0])),
    lambda t: t.distributions.Bernoulli(t.tensor([0.3])).log_prob(t.tensor([0.5])),
    lambda t: t.distributions.Categorical(t.tensor([0.3, 0.7])).log_prob(t.tensor([2])),
    lambda t: t.distributions.Uniform(0.0, 1.0).log_prob(t.tensor(2.0)),
    lambda t: t.distributions.Uniform(0.0, 1.0).mode.sum() + t.distributions.Laplace(0.0, 1.0).enumerate_support(),
    lambda t: t.distributions.Distribution().mode,
    lambda t: t.distributions.Distribution.set_default_validate_args(3),
    lambda t: t.distributions.utils.broadcast_all("a", 1.0),
    lambda t: t.distributions.kl_divergence(t.distributions.Categorical(t.ones(2)), t.distributions.Normal(0.0, 1.0)),
    lambda t: t.distributions.kl_divergence(t.distributions.Bernoulli(0.5), t.distributions.Normal(0.0, 1.0)),
    lambda t: t.distributions.Gamma(t.tensor([1.0]), t.tensor([0.0])),
    lambda t: t.distributions.Gamma(1.0, 1.0).log_prob(t.tensor(-1.0)),
    lambda t: t.distributions.Poisson(t.tensor([-1.0])),
    lambda t: t.distributions.Poisson(2.0).log_prob(t.tensor(0.5)),
    lambda t: t.distributions.Dirichlet(t.tensor(1.0)),
    lambda t: t.distributions.Dirichlet(t.tensor([1.0, -1.0])),
    lambda t: t.distributions.Dirichlet(t.tensor([1.0, 1.0])).log_prob(t.tensor([0.5, 0.6])),
    lambda t: t.distributions.Beta(t.tensor([1.0]), t.tensor([-1.0])),
    lambda t: t.distributions.Beta(1.0, 1.0).log_prob(t.tensor(1.5)),
    lambda t: t.distributions.Geometric(t.tensor([0.5, 0.0])),
    lambda t: t.distributions.Geometric(t.tensor([0.5, 1.5])),
    lambda t: t.distributions.Chi2(t.tensor([-1.0])),
    lambda t: t.distributions.StudentT(t.tensor([1.0]), 0.0, -1.0),
    lambda t: t.distributions.Cauchy(0.0, -1.0),
    lambda t: t.distributions.LogNormal(0.0, -1.0),
    lambda t: t.distributions.Gumbel(0.0, -1.0),
    lambda t: t.distributions.Pareto(t.tensor([1.0]), t.tensor([-1.0])),
    lambda t: t.distributions.Pareto(t.tensor([1.0]), t.tensor([1.0])).log_prob(t.tensor([0.5])),
    lambda t: t.distributions.HalfCauchy(-1.0),
    lambda t: t.distributions.FisherSnedecor(t.tensor([1.0]), t.tensor([-1.0])),
    lambda t: t.distributions.GeneralizedPareto(0.0, -1.0, 0.5),
    lambda t: t.distributions.ContinuousBernoulli(t.tensor([1.5]), validate_args=True),
    lambda t: t.distributions.VonMises(t.tensor([0.0]), t.tensor([-1.0])),
    lambda t: t.distributions.LKJCholesky(1, 1.0),
    lambda t: t.distributions.Wishart(1.5, covariance_matrix=t.eye(3)),
    lambda t: t.distributions.Wishart(4.0, t.eye(2), scale_tril=t.eye(2)),
    lambda t: t.distributions.Wishart(4.0, t.ones(2)),
    lambda t: t.distributions.Wishart(4.0, t.eye(2)).log_prob(t.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda t: t.distributions.LKJCholesky(2, -1.0),
    lambda t: t.distributions.LKJCholesky(2, 1.0).log_prob(t.tensor([[1.0, 0.0], [0.5, 0.5]])),
    lambda t: t.distributions.ContinuousBernoulli(t.tensor([0.5])).log_prob(t.tensor([1.5])),
    lambda t: t.distributions.GeneralizedPareto(0.0, 1.0, -0.5).log_prob(t.tensor(3.0)),
    lambda t: t.distributions.LowRankMultivariateNormal(t.tensor(0.0), t.ones(2, 1), t.ones(2)),
    lambda t: t.distributions.LowRankMultivariateNormal(t.zeros(2), t.ones(2), t.ones(2)),
    lambda t: t.distributions.LowRankMultivariateNormal(t.zeros(2), t.ones(3, 1), t.ones(2)),
    lambda t: t.distributions.LowRankMultivariateNormal(t.zeros(2), t.ones(2, 1), t.ones(3)),
    lambda t: t.distributions.LowRankMultivariateNormal(t.zeros(3, 2), t.ones(4, 2, 1), t.ones(2)),
    lambda t: t.distributions.LowRankMultivariateNormal(t.zeros(2), t.ones(2, 1), t.tensor([1.0, -1.0])),
    lambda t: t.distributions.kl_divergence(
        t.distributions.LowRankMultivariateNormal(t.zeros(2), t.ones(2, 1), t.ones(2)),
        t.distributions.LowRankMultivariateNormal(t.zeros(3), t.ones(3, 1), t.ones(3))),
    lambda t: t.distributions.kl_divergence(
        t.distributions.MultivariateNormal(t.zeros(2), t.eye(2)),
        t.distributions.LowRankMultivariateNormal(t.zeros(3), t.ones(3, 1), t.ones(3))),
    lambda t: t.distributions.InverseGamma(t.tensor([1.0]), t.tensor([-1.0])),
    lambda t: t.distributions.Kumaraswamy(t.tensor([1.0]), t.tensor([-1.0])),
    lambda t: t.distributions.Kumaraswamy(1.0, 2.0).log_prob(t.tensor(1.5)),
    lambda t: t.distributions.RelaxedBernoulli(t.tensor(0.5), t.tensor([1.5])),
    lambda t: t.distributions.RelaxedBernoulli(t.tensor(0.5)),
    lambda t: t.distributions.RelaxedOneHotCategorical(t.tensor(0.5), t.tensor([0.5, -0.5])),
    lambda t: t.distributions.RelaxedOneHotCategorical(t.tensor(0.5), t.tensor([0.5, 0.5])).log_prob(
        t.tensor([0.2, 0.2])),
    lambda t: t.distributions.Weibull(t.tensor([1.0]), t.tensor([-1.0])),
    lambda t: t.distributions.NegativeBinomial(t.tensor([-1.0]), t.tensor([0.5])),
    lambda t: t.distributions.NegativeBinomial(t.tensor([1.0]), t.tensor([1.0])),
    lambda t: t.distributions.MixtureSameFamily(t.distributions.Normal(0.0, 1.0), t.distributions.Normal(0.0, 1.0)),
    lambda t: t.distributions.MixtureSameFamily(t.distributions.Categorical(t.ones(2)), 3),
    lambda t: t.distributions.MixtureSameFamily(t.distributions.Categorical(t.ones(2)),
                                                t.distributions.Normal(t.zeros(3), 1.0)),
    lambda t: t.distributions.MixtureSameFamily(t.distributions.Categorical(t.ones(4, 2)),
                                                t.distributions.Normal(t.zeros(3, 2), 1.0)),
    lambda t: t.distributions.MixtureSameFamily(t.distributions.Categorical(t.ones(2)),
                                                t.distributions.Exponential(t.ones(2))).log_prob(t.tensor(-1.0)),
    lambda t: t.distributions.LogNormal(0.0, 1.0).log_prob(t.tensor(-1.0)),
    lambda t: t.distributions.HalfNormal(t.tensor([-1.0])),
    lambda t: t.distributions.HalfNormal(1.0).log_prob(t.tensor(-1.0)),
    lambda t: t.distributions.TransformedDistribution(t.distributions.Normal(0.0, 1.0), 3),
    lambda t: t.distributions.TransformedDistribution(t.distributions.Normal(0.0, 1.0), [3]),
    lambda t: t.distributions.transforms.ExpTransform(cache_size=2),
    lambda t: t.distributions.kl_divergence(
        t.distributions.TransformedDistribution(t.distributions.Normal(0.0, 1.0), t.distributions.transforms.ExpTransform()),
        t.distributions.TransformedDistribution(t.distributions.Normal(0.0, 1.0), t.distributions.transforms.TanhTransform())),
    lambda t: t.distributions.Binomial(t.tensor([2.5]), t.tensor([0.5])),
    lambda t: t.distributions.Binomial(5, t.tensor([0.5])).log_prob(t.tensor([6.0])),
    lambda t: t.distributions.Binomial(t.tensor([2.0, 3.0]), t.tensor([0.5, 0.5])).entropy(),
    lambda t: t.distributions.Multinomial(t.tensor(3), t.tensor([0.5, 0.5])),
    lambda t: t.distributions.Multinomial(3, t.tensor([0.5, 0.5])).log_prob(t.tensor([3.0, 1.0])),
    lambda t: t.distributions.kl_divergence(t.distributions.Binomial(2, t.tensor([0.5])),
                                            t.distributions.Binomial(3, t.tensor([0.5]))),
    lambda t: t.distributions.kl_divergence(t.distributions.MultivariateNormal(t.zeros(2), t.eye(2)),
                                            t.distributions.MultivariateNormal(t.zeros(3), t.eye(3))),
]


@pytest.mark.parametrize("i", range(len(BAD_ARGS)))
def test_validation_errors(i):
    k, r = _error(lambda: BAD_ARGS[i](kindling)), _error(lambda: BAD_ARGS[i](torch))
    assert r is not None
    assert k == r


def test_validate_args_off():
    for t in (kindling, torch):
        Normal = t.distributions.Normal
        assert Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
        t.distributions.Distribution.set_default_validate_args(False)
        try:
            d = Normal(0.0, -1.0)
            assert not d._validate_args
            d.log_prob(t.tensor([1.0, 2.0, 3.0]))
        finally:
            t.distributions.Distribution.set_default_validate_args(True)
        assert Normal(0.0, 1.0)._validate_args


def test_sample_n_warns_and_matches():
    out = {}
    for lib, t in LIBS.items():
        t.manual_seed(5)
        with pytest.warns(FutureWarning, match="will be deprecated"):
            out[lib] = t.distributions.Normal(t.zeros(2), t.ones(2)).sample_n(3)
    assert_same(out["kindling"], out["torch"])


def test_utils():
    for t_fn in ("probs_to_logits", "logits_to_probs"):
        for binary in (False, True):
            k = getattr(kindling.distributions.utils, t_fn)(kindling.tensor([0.0, 0.3, 0.7, 1.0]), binary)
            r = getattr(torch.distributions.utils, t_fn)(torch.tensor([0.0, 0.3, 0.7, 1.0]), binary)
            assert_same(k, r)
    k = kindling.distributions.utils.broadcast_all(kindling.tensor([1.0, 2.0], dtype=kindling.float64), 3)
    r = torch.distributions.utils.broadcast_all(torch.tensor([1.0, 2.0], dtype=torch.float64), 3)
    assert_same(k, r)
    assert_same(kindling.distributions.utils.broadcast_all(1, 2.5), torch.distributions.utils.broadcast_all(1, 2.5))

    class C:
        calls = 0

        @kindling.distributions.utils.lazy_property
        def x(self):
            C.calls += 1
            return 5

    c = C()
    assert (c.x, c.x, C.calls) == (5, 5, 1)


CONSTRAINTS = ["real", "positive", "nonnegative", "unit_interval", "boolean", "simplex", "one_hot",
               "nonnegative_integer", "positive_integer", "lower_cholesky", "lower_triangular",
               "positive_definite", "positive_semidefinite", "symmetric", "square", "real_vector", "corr_cholesky"]
FACTORIES = [("interval", (0.0, 1.0)), ("half_open_interval", (0.0, 1.0)), ("greater_than", (0.5,)),
             ("greater_than_eq", (0.5,)), ("less_than", (1.0,)), ("integer_interval", (0, 1)),
             ("multinomial", (1,))]


@pytest.mark.parametrize("name", CONSTRAINTS)
def test_constraints(name):
    data = [[[1.0, 0.0], [0.5, 2.0]], [[0.0, 1.0], [1.0, 0.0]], [[0.3, 0.7], [0.7, 0.3]],
            [[-1.0, 0.0], [0.0, float("nan")]]]
    k = getattr(kindling.distributions.constraints, name)
    r = getattr(torch.distributions.constraints, name)
    assert repr(k) == repr(r)
    assert (k.event_dim, k.is_discrete) == (r.event_dim, r.is_discrete)
    assert_same(k.check(kindling.tensor(data)), r.check(torch.tensor(data)))


def test_constraint_factories():
    C, R = kindling.distributions.constraints, torch.distributions.constraints
    x = [-1.0, 0.0, 0.5, 1.0, 2.0]
    for f, args in FACTORIES:
        k, r = getattr(C, f)(*args), getattr(R, f)(*args)
        assert repr(k) == repr(r)
        assert (k.event_dim, k.is_discrete) == (r.event_dim, r.is_discrete)
        assert_same(k.check(kindling.tensor(x)), r.check(torch.tensor(x)))
    k, r = C.independent(C.real, 1), R.independent(R.real, 1)
    assert repr(k) == repr(r) and k.event_dim == r.event_dim
    assert_same(k.check(kindling.tensor([[1.0, float("nan")], [1.0, 2.0]])),
                r.check(torch.tensor([[1.0, float("nan")], [1.0, 2.0]])))
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
    assert repr(CASES["Uniform"](kindling).support) == repr(CASES["Uniform"](torch).support)
    assert repr(CASES["Categorical_probs"](kindling).support) == repr(CASES["Categorical_probs"](torch).support)
    assert repr(CASES["Independent"](kindling).support) == repr(CASES["Independent"](torch).support)


KL_PAIRS = [
    ("Normal", "Normal_bcast"), ("Bernoulli_probs", "Bernoulli_logits"),
    ("Categorical_probs", "Categorical_probs"), ("OneHotCategorical", "OneHotCategorical"),
    ("Uniform", "Uniform"), ("Exponential", "Exponential"), ("Laplace", "Laplace"),
    ("Independent", "Independent"), ("MVN_cov", "MVN_precision"), ("MVN_tril_batched", "MVN_tril_batched"),
    ("Gamma", "Gamma"), ("Poisson", "Poisson"), ("Dirichlet", "Dirichlet"), ("Beta", "Beta"),
    ("Chi2", "Gamma"), ("Cauchy", "Cauchy"), ("Geometric", "Geometric"), ("Binomial", "Binomial"),
    ("LogNormal", "LogNormal"), ("HalfNormal", "HalfNormal"), ("Gumbel", "Gumbel"), ("Pareto", "Pareto"),
    ("ContinuousBernoulli", "ContinuousBernoulli_logits"),
]
CROSS = [
    lambda t: (t.distributions.Normal(t.tensor([0.0, 1.0]), 2.0), t.distributions.Laplace(1.0, t.tensor([0.5, 3.0]))),
    lambda t: (t.distributions.Laplace(t.tensor([0.0, 1.0]), 2.0), t.distributions.Normal(1.0, t.tensor([0.5, 3.0]))),
    lambda t: (t.distributions.Exponential(t.tensor([0.5, 2.0])), t.distributions.Normal(1.0, 2.0)),
    lambda t: (t.distributions.Uniform(t.tensor([0.0, 1.0]), 3.0), t.distributions.Normal(1.0, 2.0)),
    lambda t: (t.distributions.Uniform(t.tensor([-1.0, 1.0]), 3.0), t.distributions.Exponential(2.0)),
    lambda t: (t.distributions.Uniform(t.tensor([0.0, 1.0]), 3.0), t.distributions.Uniform(t.tensor([-1.0, 1.5]), 4.0)),
    lambda t: (t.distributions.Normal(0.0, 1.0), t.distributions.Uniform(0.0, 1.0)),
    lambda t: (t.distributions.Normal(0.0, 1.0), t.distributions.Exponential(1.0)),
    lambda t: (t.distributions.Laplace(0.0, 1.0), t.distributions.Uniform(0.0, 1.0)),
    lambda t: (t.distributions.Laplace(0.0, 1.0), t.distributions.Exponential(1.0)),
    lambda t: (t.distributions.Exponential(1.0), t.distributions.Uniform(0.0, 1.0)),
    lambda t: (t.distributions.Bernoulli(t.tensor([0.0, 0.4, 1.0])), t.distributions.Bernoulli(t.tensor([0.3, 0.0, 1.0]))),
    lambda t: (t.distributions.Categorical(t.tensor([0.0, 0.4, 0.6])), t.distributions.Categorical(t.tensor([0.3, 0.0, 0.7]))),
    lambda t: (t.distributions.Bernoulli(t.tensor([0.2, 0.7])), t.distributions.Poisson(t.tensor([0.5, 2.0]))),
    lambda t: (t.distributions.Beta(t.tensor([0.5, 2.0]), 3.0), t.distributions.Exponential(t.tensor([0.5, 2.0]))),
    lambda t: (t.distributions.Beta(t.tensor([0.5, 2.0]), 3.0), t.distributions.Gamma(t.tensor([0.5, 2.0]), 1.5)),
    lambda t: (t.distributions.Beta(t.tensor([0.5, 2.0]), 3.0), t.distributions.Normal(t.tensor([0.5, 2.0]), 1.5)),
    lambda t: (t.distributions.Beta(t.tensor([0.5, 2.0]), 3.0), t.distributions.Uniform(t.tensor([0.0, 0.1]), 1.0)),
    lambda t: (t.distributions.Exponential(t.tensor([0.5, 2.0])), t.distributions.Gamma(t.tensor([0.5, 2.0]), 1.5)),
    lambda t: (t.distributions.Gamma(t.tensor([0.5, 2.0]), 1.5), t.distributions.Exponential(t.tensor([0.5, 2.0]))),
    lambda t: (t.distributions.Gamma(t.tensor([0.5, 2.0]), 1.5), t.distributions.Normal(t.tensor([0.5, 2.0]), 1.5)),
    lambda t: (t.distributions.Gamma(t.tensor([0.5, 2.0]), 1.5), t.distributions.Uniform(0.0, 1.0)),
    lambda t: (t.distributions.Gamma(t.tensor([0.5, 2.0]), 1.5), t.distributions.Beta(1.0, 1.0)),
    lambda t: (t.distributions.Uniform(t.tensor([0.1, -0.5]), 0.8), t.distributions.Beta(t.tensor([0.5, 2.0]), 3.0)),
    lambda t: (t.distributions.Uniform(t.tensor([0.1, -0.5]), 0.8), t.distributions.Gamma(t.tensor([0.5, 2.0]), 3.0)),
    lambda t: (t.distributions.Normal(0.0, 1.0), t.distributions.Gamma(1.0, 1.0)),
    lambda t: (t.distributions.Normal(0.0, 1.0), t.distributions.Beta(1.0, 1.0)),
    lambda t: (t.distributions.Laplace(0.0, 1.0), t.distributions.Gamma(1.0, 1.0)),
    lambda t: (t.distributions.Laplace(0.0, 1.0), t.distributions.Beta(1.0, 1.0)),
    lambda t: (t.distributions.Exponential(1.0), t.distributions.Beta(1.0, 1.0)),
    lambda t: (t.distributions.Exponential(t.tensor([0.5, 2.0])), t.distributions.Gumbel(t.tensor([0.5, -1.0]), 2.0)),
    lambda t: (t.distributions.Gamma(t.tensor([0.5, 2.0]), 1.5), t.distributions.Gumbel(t.tensor([0.5, -1.0]), 2.0)),
    lambda t: (t.distributions.Gumbel(t.tensor([0.5, -1.0]), 2.0), t.distributions.Normal(t.tensor([0.5, 2.0]), 1.5)),
    lambda t: (t.distributions.Normal(t.tensor([0.5, 2.0]), 1.5), t.distributions.Gumbel(t.tensor([0.5, -1.0]), 2.0)),
    lambda t: (t.distributions.Uniform(t.tensor([0.1, -0.5]), 0.8), t.distributions.Gumbel(t.tensor([0.5, -1.0]), 2.0)),
    lambda t: (t.distributions.Uniform(t.tensor([0.1, 1.5]), 2.8), t.distributions.Pareto(1.0, t.tensor([0.5, 3.0]))),
    lambda t: (t.distributions.Pareto(1.0, t.tensor([0.5, 3.0])), t.distributions.Exponential(t.tensor([0.5, 2.0]))),
    lambda t: (t.distributions.Pareto(1.0, t.tensor([0.5, 3.0])), t.distributions.Gamma(t.tensor([0.5, 2.0]), 1.5)),
    lambda t: (t.distributions.Pareto(1.0, t.tensor([1.5, 3.0])), t.distributions.Normal(t.tensor([0.5, 2.0]), 1.5)),
    lambda t: (t.distributions.Pareto(1.0, t.tensor([1.5, 3.0])), t.distributions.Uniform(0.0, 1.0)),
    lambda t: (t.distributions.Gumbel(0.0, 1.0), t.distributions.Uniform(0.0, 1.0)),
    lambda t: (t.distributions.Normal(0.0, 1.0), t.distributions.Pareto(1.0, 1.0)),
    lambda t: (t.distributions.Exponential(1.0), t.distributions.Pareto(1.0, 1.0)),
    lambda t: (t.distributions.Laplace(0.0, 1.0), t.distributions.Pareto(1.0, 1.0)),
    lambda t: (t.distributions.Gamma(1.0, 1.0), t.distributions.Pareto(1.0, 1.0)),
    lambda t: (t.distributions.Beta(1.0, 1.0), t.distributions.Pareto(1.0, 1.0)),
    lambda t: (t.distributions.Poisson(t.tensor([1.0])), t.distributions.Bernoulli(t.tensor([0.5]))),
    lambda t: (t.distributions.Poisson(t.tensor([1.0])), t.distributions.Binomial(3, t.tensor([0.5]))),
    lambda t: (CASES["LowRankMVN"](t), t.distributions.LowRankMultivariateNormal(
        t.tensor([0.5, 0.0, -1.0]), t.tensor([[0.3], [1.0], [-0.5]]), t.tensor([[1.0, 2.0, 0.5], [0.7, 0.7, 0.7]]))),
    lambda t: (CASES["MVN_tril_batched"](t), CASES["LowRankMVN"](t)),
    lambda t: (CASES["LowRankMVN"](t), CASES["MVN_tril_batched"](t)),
    lambda t: (t.distributions.ContinuousBernoulli(t.tensor([0.2, 0.7])), t.distributions.Normal(0.5, 2.0)),
    lambda t: (t.distributions.ContinuousBernoulli(t.tensor([0.2, 0.7])), t.distributions.Exponential(2.0)),
    lambda t: (t.distributions.ContinuousBernoulli(t.tensor([0.2, 0.7])), t.distributions.Uniform(t.tensor([-0.5, 0.1]), 2.0)),
    lambda t: (t.distributions.ContinuousBernoulli(t.tensor([0.2, 0.7])), t.distributions.Pareto(1.0, 2.0)),
    lambda t: (t.distributions.Uniform(t.tensor([0.1, -0.5]), 0.8), t.distributions.ContinuousBernoulli(t.tensor([0.2, 0.7]))),
    lambda t: (t.distributions.Beta(t.tensor([0.5, 2.0]), 3.0), t.distributions.ContinuousBernoulli(t.tensor([0.2, 0.7]))),
    lambda t: (t.distributions.Normal(0.0, 1.0), t.distributions.ContinuousBernoulli(t.tensor(0.3))),
    lambda t: (t.distributions.Gamma(1.0, 1.0), t.distributions.ContinuousBernoulli(t.tensor(0.3))),
    lambda t: (t.distributions.Binomial(t.tensor([5.0, 7.0]), t.tensor([0.3, 0.6])),
               t.distributions.Binomial(5, t.tensor([0.5, 0.2]))),
]


@pytest.mark.parametrize("pair", KL_PAIRS)
def test_kl_same_family(pair):
    out = {}
    for lib, t in LIBS.items():
        p = CASES[pair[0]](t)
        # a second, different parameterization of the same family
        q = CASES[pair[1]](t).expand(p.batch_shape) if pair[0] == pair[1] else CASES[pair[1]](t)
        if pair[0] == pair[1]:
            t.manual_seed(11)
            shift = {"Categorical_probs": None, "OneHotCategorical": None}
            if pair[0] in shift:
                q = type(p)(t.softmax(t.randn(p.probs.shape), -1))
            elif pair[0] == "Uniform":
                q = type(p)(p.low - 0.5, p.high + 1.0)
            elif pair[0] == "Gamma":
                q = type(p)(p.concentration * 1.7, p.rate + 0.5)
            elif pair[0] == "Cauchy":
                q = type(p)(p.loc - 1.0, p.scale * 3.0)
            elif pair[0] == "Gumbel":
                q = type(p)(p.loc + 1.0, p.scale * 2.0)
            elif pair[0] == "Pareto":
                q = type(p)(p.scale * t.tensor([0.5, 1.5, 0.9]), p.alpha + 1.0)
            elif pair[0] == "LogNormal":
                q = type(p)(p.loc + 1.0, p.scale * 2.0)
            elif pair[0] == "HalfNormal":
                q = type(p)(p.scale * 2.0 + 0.1)
            elif pair[0] == "Binomial":
                q = type(p)(p.total_count, p.probs * 0.5 + 0.1)
            elif pair[0] == "Geometric":
                q = type(p)(p.probs * 0.5 + 0.1)
            elif pair[0] == "Poisson":
                q = type(p)(p.rate * 0.6)
            elif pair[0] == "Dirichlet":
                q = type(p)(p.concentration.flip(-1) + 0.3)
            elif pair[0] == "Beta":
                q = type(p)(p.concentration0 + 1.0, p.concentration1)
            elif pair[0] == "Exponential":
                q = type(p)(p.rate * 2.5)
            elif pair[0] == "Laplace":
                q = type(p)(p.loc + 1.0, p.scale * 2.0)
            elif pair[0] == "Independent":
                q = t.distributions.Independent(t.distributions.Normal(p.base_dist.loc - 1, p.base_dist.scale * 3), 1)
            else:
                q = t.distributions.MultivariateNormal(p.loc + 0.5, scale_tril=p._unbroadcasted_scale_tril * 1.5)
        out[lib] = t.distributions.kl_divergence(p, q)
    assert_same(out["kindling"], out["torch"], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("i", range(len(CROSS)))
def test_kl_cross(i):
    k = kindling.distributions.kl_divergence(*CROSS[i](kindling))
    r = torch.distributions.kl_divergence(*CROSS[i](torch))
    assert_same(k, r, rtol=1e-5, atol=1e-5)


def test_register_kl_dispatch():
    K = kindling.distributions

    class MyNormal(K.Normal):
        pass

    # a subclass falls back to its base's KL, then to its own once registered
    p, q = MyNormal(0.0, 1.0), K.Normal(1.0, 2.0)
    assert_same(K.kl_divergence(p, q), torch.distributions.kl_divergence(
        torch.distributions.Normal(0.0, 1.0), torch.distributions.Normal(1.0, 2.0)))

    @K.register_kl(MyNormal, K.Normal)
    def _kl(p, q):
        return kindling.tensor(42.0)

    try:
        assert K.kl_divergence(p, q).item() == 42.0
        assert K.kl_divergence(q, p).item() != 42.0
    finally:  # leave the global registry as it was
        del K.kl._KL_REGISTRY[MyNormal, K.Normal]
        K.kl._KL_MEMOIZE.clear()


def test_gradients_through_kl_and_entropy():
    out = {}
    for lib, t in LIBS.items():
        loc = t.tensor([[0.5, -1.0]], requires_grad=True)
        L = t.tensor([[1.0, 0.0], [0.3, 0.8]], requires_grad=True)
        p = t.distributions.MultivariateNormal(loc, scale_tril=L)
        q = t.distributions.MultivariateNormal(t.zeros(2), t.tensor([[2.0, 0.4], [0.4, 1.0]]))
        v = t.distributions.kl_divergence(p, q).sum() + p.entropy().sum() + p.log_prob(t.ones(3, 1, 2)).sum()
        v.backward()
        out[lib] = (v, loc.grad, L.grad, p.covariance_matrix, p.precision_matrix, p.scale_tril)
    assert_same(out["kindling"], out["torch"], rtol=1e-4, atol=1e-5)


def test_lazy_submodule_and_names():
    import kindling.distributions as D
    assert kindling.distributions is D
    assert set(torch.distributions.__all__) <= set(D.__all__)
    with pytest.raises(AttributeError):
        D.NoSuchThing


@pytest.mark.parametrize("name", ["Normal", "Bernoulli_probs", "Exponential", "Gamma", "Poisson", "Dirichlet", "Beta",
                                  "ContinuousBernoulli", "Wishart"])
def test_exponential_family_bregman(name):
    """The generic Bregman entropy and same-family KL (registered on ExponentialFamily)."""
    out = {}
    for lib, t in LIBS.items():
        D = t.distributions
        p = CASES[name](t)
        try:
            ent = D.ExponentialFamily.entropy(p)
        except NotImplementedError as e:  # no _mean_carrier_measure (Beta, Dirichlet, Poisson)
            ent = ("NotImplementedError", str(e))
        kl = D.kl._kl_expfamily_expfamily(p, CASES[name](t))
        out[lib] = (ent, kl, isinstance(p, D.ExponentialFamily))
    k, r = out["kindling"], out["torch"]
    assert k[2] and r[2]
    if isinstance(r[0], tuple):
        assert k[0] == r[0]
    else:
        assert_same(k[0], r[0], rtol=1e-4, atol=1e-5)
    assert_same(k[1], r[1], rtol=1e-4, atol=1e-5)


def _transforms(t):
    T = t.distributions.transforms
    return [T.ExpTransform(), T.ExpTransform().inv, T.SigmoidTransform(), T.TanhTransform(), T.AbsTransform(),
            T.PowerTransform(t.tensor([2.0, 0.5, 3.0])), T.AffineTransform(1.0, -2.0),
            T.AffineTransform(t.tensor([0.5, 1.0, 2.0]), t.tensor([2.0, 3.0, 0.5]), event_dim=1),
            T.ComposeTransform([T.AffineTransform(0.5, 2.0), T.ExpTransform(), T.PowerTransform(t.tensor(2.0))]),
            T.IndependentTransform(T.SigmoidTransform(), 1), T.identity_transform,
            T.SoftplusTransform(), T.SoftmaxTransform(), T.StickBreakingTransform(),
            T.ReshapeTransform((2, 3), (3, 2)), T.CumulativeDistributionTransform(t.distributions.Normal(0.5, 2.0))]


@pytest.mark.parametrize("i", range(16))
def test_transforms(i):
    out = {}
    for lib, t in LIBS.items():
        tr = _transforms(t)[i]
        x = t.tensor([[0.3, 1.2, 0.8], [0.1, 0.7, 0.4]], requires_grad=True)
        if isinstance(tr, t.distributions.transforms._InverseTransform):
            x = t.tensor([[0.3, 1.2, 0.8], [0.1, 0.7, 0.4]], requires_grad=True)
        y = tr(x)
        try:
            ladj = tr.log_abs_det_jacobian(x, y)
        except NotImplementedError:  # AbsTransform, SoftmaxTransform have none
            ladj = t.zeros(())
        back = tr.inv(y)
        (y.sum() + ladj.sum()).backward()
        try:
            sign = tr.sign
        except NotImplementedError:
            sign = "none"
        out[lib] = (y, ladj, back, x.grad, repr(tr), tr.domain.event_dim, tr.codomain.event_dim, tr.bijective,
                    sign if isinstance(sign, (int, str)) else sign.tolist(), tuple(tr.forward_shape((2, 3))),
                    tuple(tr.inverse_shape(tr.forward_shape((2, 3)))))
    k, r = out["kindling"], out["torch"]
    assert_same(k[:4], r[:4], rtol=1e-5, atol=1e-6)
    assert k[4:] == r[4:]


def test_transform_cache_and_identity():
    for t in (kindling, torch):
        T = t.distributions.transforms
        e = T.ExpTransform(cache_size=1)
        x = t.tensor([1.0, 2.0])
        y = e(x)
        assert e.inv(y) is x and e(x) is y
        assert e.inv.inv is e and T.ExpTransform() == T.ExpTransform() and e != T.SigmoidTransform()
        assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0)
        assert T.AffineTransform(1.0, 2.0) != T.AffineTransform(1.0, 3.0)


def test_lowrank_matrices():
    out = {}
    for lib, t in LIBS.items():
        d = CASES["LowRankMVN"](t)
        out[lib] = (d.covariance_matrix, d.precision_matrix, d.scale_tril, d.variance)
    assert_same(out["kindling"], out["torch"], rtol=1e-5, atol=1e-5)


def _double(t, name):
    """CASES[name] with every float parameter tensor turned to float64."""
    orig = t.tensor

    def tensor(data, *args, **kwargs):
        x = orig(data, *args, **kwargs)
        return x.double() if x.is_floating_point() and "dtype" not in kwargs else x

    t.tensor = tensor
    try:
        return CASES[name](t)
    finally:
        t.tensor = orig


@pytest.mark.parametrize("name", [n for n in sorted(CASES) if not n.endswith("scalar")])
def test_float64_samples_and_log_prob(name):
    out = {}
    for lib, t in LIBS.items():
        d = _double(t, name)
        t.manual_seed(21)
        try:
            x = d.sample((2,))
            out[lib] = (x, d.log_prob(x))
        except RuntimeError as e:  # mixed float32/float64 parameters (MVN_precision's zeros loc)
            out[lib] = str(e)
    if isinstance(out["torch"], str):
        assert out["kindling"] == out["torch"]
    else:
        assert_same(out["kindling"], out["torch"], rtol=1e-7, atol=1e-9)


def test_matrix_transforms():
    out = {}
    for lib, t in LIBS.items():
        T = t.distributions.transforms
        x = t.tensor([[[0.3, 1.2], [0.8, -0.5]], [[0.1, 0.7], [0.4, 2.0]]], requires_grad=True)
        lc, pd = T.LowerCholeskyTransform(), T.PositiveDefiniteTransform()
        y1, y2 = lc(x), pd(x)
        (y1.sum() + y2.sum()).backward()
        out[lib] = (y1, y2, lc.inv(y1), pd.inv(y2), x.grad, repr(lc), lc.codomain.event_dim)
    k, r = out["kindling"], out["torch"]
    assert_same(k[:5], r[:5], rtol=1e-5, atol=1e-5)
    assert k[5:] == r[5:]


REGISTRY_CONSTRAINTS = [
    lambda C: C.real, lambda C: C.positive, lambda C: C.nonnegative, lambda C: C.unit_interval,
    lambda C: C.interval(-1.0, 2.0), lambda C: C.half_open_interval(0.0, 3.0), lambda C: C.greater_than(1.5),
    lambda C: C.greater_than_eq(-1.0), lambda C: C.less_than(2.0), lambda C: C.simplex,
    lambda C: C.real_vector, lambda C: C.independent(C.positive, 1), lambda C: C.lower_cholesky,
    lambda C: C.positive_definite, lambda C: C.positive_semidefinite, lambda C: C.boolean,
    lambda C: C.corr_cholesky, lambda C: C.cat([C.real, C.positive], dim=-1, lengths=[1, 1]),
    lambda C: C.stack([C.unit_interval, C.positive], dim=-1),
]


@pytest.mark.parametrize("which", ["biject_to", "transform_to"])
@pytest.mark.parametrize("i", range(len(REGISTRY_CONSTRAINTS)))
def test_constraint_registry(which, i):
    out = {}
    for lib, t in LIBS.items():
        D = t.distributions
        c = REGISTRY_CONSTRAINTS[i](D.constraints)
        try:
            tr = getattr(D, which)(c)
        except NotImplementedError as e:
            out[lib] = str(e)
            continue
        x = t.tensor([[0.3, -1.2, 0.4], [0.8, 0.5, -0.1]]) if i == 16 else t.tensor([[0.3, -1.2], [0.8, 0.5]])
        y = tr(x)
        out[lib] = (repr(tr), y, c.check(y), tr.inv(y), tr.log_abs_det_jacobian(x, y) if tr.bijective else y)
    if isinstance(out["torch"], str):
        assert out["kindling"] == out["torch"]
    else:
        assert out["kindling"][0] == out["torch"][0]
        assert_same(out["kindling"][1:], out["torch"][1:], rtol=1e-5, atol=1e-6)


def test_constraint_registry_register():
    for t in (kindling, torch):
        D = t.distributions
        reg = D.constraint_registry.ConstraintRegistry()
        reg.register(D.constraints.real, lambda c: D.transforms.ExpTransform())
        assert isinstance(reg(D.constraints.real), D.transforms.ExpTransform)
        with pytest.raises(TypeError, match="Expected constraint to be either"):
            reg.register(3, lambda c: None)


def test_kl_registry_matches_torch():
    names = lambda reg: {(a.__name__, b.__name__) for a, b in reg}  # noqa: E731
    assert names(kindling.distributions.kl._KL_REGISTRY) == names(torch.distributions.kl._KL_REGISTRY)
