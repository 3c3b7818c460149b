"""Probability distributions (``torch.distributions``): parameterizable distributions with
sampling that follows PyTorch's random streams, ``log_prob``, moments, entropy and KL divergence.

Built so far: Distribution, Normal, Bernoulli, Categorical, Uniform, OneHotCategorical(StraightThrough),
Exponential, Laplace, Independent, MultivariateNormal, ExponentialFamily, Gamma, Poisson,
Dirichlet, Beta, Chi2, StudentT, Cauchy, Geometric, Binomial, Multinomial, constraints, utils, kl_divergence/register_kl.
The other PyTorch distributions and transforms raise NotImplementedError when looked up.
"""

from . import constraints, utils
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .studentT import StudentT
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Binomial", "Multinomial", "Categorical", "Cauchy", "Chi2", "Dirichlet", "Distribution", "Exponential",
           "ExponentialFamily", "Gamma", "Geometric", "Independent", "Laplace", "Poisson", "StudentT",
           "MultivariateNormal", "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough",
           "Uniform", "constraints", "kl_divergence", "register_kl", "utils"]

# PyTorch names not built yet: looking one up says so instead of AttributeError
_NOT_YET = frozenset({
    "ContinuousBernoulli",
    "FisherSnedecor", "GeneralizedPareto", "Gumbel", "HalfCauchy",
    "HalfNormal", "InverseGamma", "Kumaraswamy", "LKJCholesky", "LogNormal", "LogisticNormal",
    "LowRankMultivariateNormal", "MixtureSameFamily", "NegativeBinomial",
    "Pareto", "RelaxedBernoulli", "RelaxedOneHotCategorical",
    "TransformedDistribution", "VonMises", "Weibull", "Wishart", "transforms", "Transform",
    "biject_to", "transform_to", "constraint_registry",
})


def __getattr__(name):
    if name in _NOT_YET:
        raise NotImplementedError(f"kindling.distributions.{name} is not implemented yet")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
