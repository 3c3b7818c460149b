"""The op library: every aten op, declared once per family module.

Importing this package registers all of them; ``finalize_registrations`` then adds the
layer kernels (ADInplaceOrView for mutating ops) that PyTorch generates.
"""
import warnings

from . import _defop

# PyTorch computes IEEE results silently (1/0 is inf, 0/0 is nan); NumPy warns.  Hot kernels
# call ufuncs without np.errstate (it costs ~1 us per call) and rely on this filter, which only
# covers NumPy's floating-point warnings raised from kindling's own modules.
warnings.filterwarnings(
    "ignore", message=r"(overflow|invalid value|divide by zero|underflow) encountered",
    category=RuntimeWarning, module=r"kindling\.")

_defop._install_fallbacks()

from . import factories, copy, pointwise, reductions, views, operators  # noqa: E402,F401
from . import view_backward  # noqa: E402,F401
from . import promotion  # noqa: E402,F401
from . import linalg  # noqa
from . import indexing, shape_ops, gather_scatter, closeness, softmax, sorting, ternary  # noqa: E402,F401,E501
from . import conj_neg  # noqa: E402,F401  (conjugate/negative views, zero tensors)
from . import dual  # noqa: E402,F401  (forward AD's dual-tensor ops)
from . import more_pointwise  # noqa: E402,F401  (logaddexp, hypot, xlogy, nansum, ...)
from . import searching  # noqa: E402,F401  (searchsorted, bucketize, isin)
from . import median  # noqa: E402,F401  (median, nanmedian)
from . import scatter_reduce  # noqa: E402,F401  (scatter_reduce, index_reduce)
from . import error_functions  # noqa: E402,F401  (erfc, erfinv)
from . import unique  # noqa: E402,F401  (unique, unique_consecutive...)
from . import einsum  # noqa: E402,F401  (einsum)
from . import spaced  # noqa: E402,F401  (linspace, logspace)
from . import aliases  # noqa: E402,F401  (absolute, arccos, divide_, ..., acosh/asinh/atanh)
from . import scatter_views  # noqa: E402,F401  (select_scatter, slice_scatter, ...)
from . import tensor_extra  # noqa: E402,F401  (new_empty_strided, equal, is_nonzero, resize...)
from . import shape_extra  # noqa: E402,F401  (tensor_split, rot90, unfold, diff, diag...)
from . import view_copies  # noqa: E402,F401  (view_copy, t_copy, unbind_copy... of the views)
from . import cumulative  # noqa: E402,F401  (cummax, logcumsumexp, aminmax, kthvalue...)
from . import linalg_extra  # noqa: E402,F401  (addmm_, vdot, tensordot, inner, kron)
from . import linalg_blas  # noqa: E402,F401  (addr, baddbmm, addbmm)
from . import index_extra  # noqa: E402,F401  (take, put, masked_*, nonzero, index_fill/copy)
from . import special  # noqa: E402,F401  (lgamma, digamma, polygamma, i0, special_*...)
from . import random  # noqa: E402,F401  (rand, randn, randint, normal_, bernoulli, dropout...)
from . import factory_out  # noqa: E402,F401  (zeros.out, rand.out, normal.float_float_out...)
from . import distributions  # noqa: E402,F401  (multinomial, poisson, geometric_, cauchy_...)
from . import gamma_binomial  # noqa: E402,F401  (binomial, _standard_gamma, _sample_dirichlet...)
from . import linalg_solvers, linalg_lu, linalg_decomps, linalg_lstsq, linalg_norms  # noqa: E402,F401,E501  (torch.linalg)
from . import linalg_more  # noqa: E402,F401  (vecdot, vander, cond, tensorinv, tensorsolve...)
from . import linalg_householder  # noqa: E402,F401  (geqrf, householder_product, orgqr, ormqr)
from . import linalg_ldl  # noqa: E402,F401  (ldl_factor, ldl_solve)
from . import linalg_out  # noqa: E402,F401  (the out= forms of the multi-output linalg ops)
from . import linalg_api  # noqa: E402,F401  (the torch.linalg functions)
from . import linear  # noqa: E402,F401  (linear: torch._C._nn.linear)
from . import combining  # noqa: E402,F401  (atleast_*d, hstack..., meshgrid, block_diag...)
from . import number_ops  # noqa: E402,F401  (gcd, lcm, shifts, frexp, ldexp, polar, bincount...)
from . import integration  # noqa: E402,F401  (trapezoid, cumulative_trapezoid, cov, corrcoef)
from . import distance  # noqa: E402,F401  (dist, renorm, cdist, _cdist_forward, _euclidean_dist)
from . import pdist  # noqa: E402,F401  (pdist, _pdist_forward, _pdist_backward)
from . import spectral_api  # noqa: E402,F401  (torch.stft, torch.istft; their ops: at first use)
from . import inplace_functions  # noqa: E402,F401  (torch.relu_, torch.clamp_, torch.fill_...)
from . import namespace_functions  # noqa: E402,F401  (get_device, broadcast_shapes, frombuffer...)
from . import tensor_methods_extra  # noqa: E402,F401  (apply_, map_, dim_order, share_memory_...)
from . import removed_functions  # noqa: E402,F401  (torch.solve, eig, lstsq...: raise)
from . import _lazy  # noqa: E402  (_foreach_*, special_extra's and test-only ops: at first use)
_lazy.install()

from . import zerotensor  # noqa: E402  (PyTorch's ZeroTensor kernels)
zerotensor.install()
conj_neg.install_late()  # (needs every op: view ops keep math bits, products pass Conjugate)
linalg.install_late()  # (mm's fast front, outside conj_neg's)
_defop.finalize_registrations()
from . import _registration_keys  # noqa: E402
_registration_keys.apply()  # (PyTorch's registration keys, where they differ from kindling's)

from ._api import install_torch_function  # noqa: E402
install_torch_function()  # __torch_function__ on every public function and Tensor method
namespace_functions.unhook()  # (torch.range, frombuffer, broadcast_shapes: not overridable)
