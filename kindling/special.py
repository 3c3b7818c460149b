"""``kindling.special``: PyTorch's ``torch.special`` functions.

Each calls its ``aten::special_*`` op (``psi`` calls ``aten::special_psi``, a decomposition
into ``digamma``), with PyTorch's signatures and argument errors (``special_psi(): argument
'input' (position 1) must be Tensor, not str``).  The functions are built at import, bound to
the op library's declarations (``kindling/_aten/special.py``) at their first call, so this
module stays thin.
"""
from __future__ import annotations

from ._aten._api import make_function
from ._ops import ops as _ops

__all__ = [
    "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
    "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma",
    "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc",
    "gammaln", "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e",
    "laguerre_polynomial_l", "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit",
    "logsumexp", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
    "modified_bessel_k1", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round",
    "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w",
    "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "sinc", "softmax",
    "spherical_bessel_j0", "xlog1py", "xlogy", "zeta",
]

# name -> the overloads of aten::special_<name> its Python signatures bind to
_OVERLOADS = {
    "xlog1py": ("default", "other_scalar", "self_scalar", "out", "other_scalar_out",
                "self_scalar_out"),
    "xlogy": ("default", "other_scalar", "self_scalar", "out", "other_scalar_out",
              "self_scalar_out"),
    "zeta": ("default", "other_scalar", "self_scalar", "out", "other_scalar_out",
             "self_scalar_out"),
    "softmax": ("default",), "log_softmax": ("default",),
    **{name: ("default", "x_scalar", "n_scalar", "out", "x_scalar_out", "n_scalar_out")
       for name in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
                    "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
                    "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
                    "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
                    "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p")},
}


def _function(name):
    def overloads():  # (looked up at the first call: some ops are defined at their first use)
        packet = getattr(_ops.aten, "special_" + name)
        return [getattr(packet, o) for o in _OVERLOADS.get(name, ("default", "out"))]
    fn = make_function("special_" + name, overloads)
    fn.__module__ = __name__
    fn._tf_name = f"torch.special.{name}"
    fn.__doc__ = f"``torch.special.{name}`` (``aten::special_{name}``)."
    return fn


globals().update({n: _function(n) for n in __all__})
