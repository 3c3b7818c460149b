"""Where PyTorch registers the kernels of some aten ops, where it is not where kindling's
declaration helpers put them (``torch._C._dispatch_has_kernel_for_dispatch_key``,
``_dispatch_dump`` and kernel resolution by the Python dispatcher see the keys).

Applied once every op module is loaded (``apply``).  Each move keeps what runs for CPU and
Meta tensors: a kernel moved to an alias key still serves them, and a key gaining a kernel
gets the one that served it before.
"""
from __future__ import annotations

from .._dispatcher.keys import K

# A NumPy kernel at CPU (and a Meta function at Meta), where PyTorch has a
# CompositeExplicitAutograd kernel: the kernel moves to that alias, which serves CPU.
DEFAULT_BACKEND = (
    "abs", "abs_", "add.Scalar", "add.Scalar_out", "add_.Scalar", "arange.start_step",
    "bitwise_and.Scalar", "bitwise_and.Scalar_Tensor", "bitwise_and.Scalar_Tensor_out",
    "bitwise_and.Scalar_out", "bitwise_and_.Scalar", "bitwise_left_shift.Scalar_Tensor",
    "bitwise_left_shift.Scalar_Tensor_out", "bitwise_left_shift.Tensor_Scalar",
    "bitwise_left_shift.Tensor_Scalar_out", "bitwise_left_shift_.Tensor_Scalar",
    "bitwise_or.Scalar", "bitwise_or.Scalar_Tensor", "bitwise_or.Scalar_Tensor_out",
    "bitwise_or.Scalar_out", "bitwise_or_.Scalar", "bitwise_right_shift.Scalar_Tensor",
    "bitwise_right_shift.Scalar_Tensor_out", "bitwise_right_shift.Tensor_Scalar",
    "bitwise_right_shift.Tensor_Scalar_out", "bitwise_right_shift_.Tensor_Scalar",
    "bitwise_xor.Scalar", "bitwise_xor.Scalar_Tensor", "bitwise_xor.Scalar_Tensor_out",
    "bitwise_xor.Scalar_out", "bitwise_xor_.Scalar", "block_diag", "cholesky_solve", "complex",
    "conj_physical_", "copysign.Scalar", "copysign.Scalar_out", "copysign_.Scalar",
    "count_nonzero", "count_nonzero.dim_IntList_out", "count_nonzero.out", "cummax", "cummin",
    "deg2rad", "deg2rad.out", "deg2rad_", "diagonal_backward", "div.Scalar", "div.Scalar_mode",
    "div.Scalar_mode_out", "div.Scalar_out", "div_.Scalar", "div_.Scalar_mode", "eye", "eye.m",
    "floor_divide.Scalar", "floor_divide.Scalar_out", "floor_divide_.Scalar", "fmod.Scalar",
    "fmod.Scalar_out", "fmod_.Scalar", "frexp.Tensor", "full", "index_fill.int_Scalar",
    "index_fill.int_Tensor", "index_put_", "isinf", "isinf.out", "isnan.out", "kthvalue",
    "ldexp.Tensor", "ldexp.out", "ldexp_", "linspace", "logcumsumexp", "logical_and",
    "logical_and_", "logical_not", "logical_not_", "logical_or", "logical_or_", "logical_xor",
    "logical_xor_", "logspace", "logsumexp", "masked_fill.Scalar", "masked_fill.Tensor",
    "masked_scatter", "mean", "mean.dtype_out", "median.dim", "mul.Scalar", "mul.Scalar_out",
    "mul_.Scalar", "mv", "mv.out", "mvlgamma", "mvlgamma_", "nan_to_num", "nan_to_num_",
    "nanmedian.dim", "norm.Scalar", "norm.Scalar_out", "ones", "polar", "prod.out", "rad2deg",
    "rad2deg.out", "rad2deg_", "relu.out", "remainder.Scalar", "remainder.Scalar_Tensor_out",
    "remainder.Scalar_out", "remainder_.Scalar", "repeat", "rsub.Scalar", "rsub.Scalar_out",
    "rsub.Tensor_out", "scalar_tensor", "slice_backward", "sort",
    "special_chebyshev_polynomial_t.n_scalar", "special_chebyshev_polynomial_t.n_scalar_out",
    "special_chebyshev_polynomial_t.x_scalar", "special_chebyshev_polynomial_t.x_scalar_out",
    "special_chebyshev_polynomial_u.n_scalar", "special_chebyshev_polynomial_u.n_scalar_out",
    "special_chebyshev_polynomial_u.x_scalar", "special_chebyshev_polynomial_u.x_scalar_out",
    "special_chebyshev_polynomial_v.n_scalar", "special_chebyshev_polynomial_v.n_scalar_out",
    "special_chebyshev_polynomial_v.x_scalar", "special_chebyshev_polynomial_v.x_scalar_out",
    "special_chebyshev_polynomial_w.n_scalar", "special_chebyshev_polynomial_w.n_scalar_out",
    "special_chebyshev_polynomial_w.x_scalar", "special_chebyshev_polynomial_w.x_scalar_out",
    "special_hermite_polynomial_h.n_scalar", "special_hermite_polynomial_h.n_scalar_out",
    "special_hermite_polynomial_h.x_scalar", "special_hermite_polynomial_h.x_scalar_out",
    "special_hermite_polynomial_he.n_scalar", "special_hermite_polynomial_he.n_scalar_out",
    "special_hermite_polynomial_he.x_scalar", "special_hermite_polynomial_he.x_scalar_out",
    "special_laguerre_polynomial_l.n_scalar", "special_laguerre_polynomial_l.n_scalar_out",
    "special_laguerre_polynomial_l.x_scalar", "special_laguerre_polynomial_l.x_scalar_out",
    "special_legendre_polynomial_p.n_scalar", "special_legendre_polynomial_p.n_scalar_out",
    "special_legendre_polynomial_p.x_scalar", "special_legendre_polynomial_p.x_scalar_out",
    "special_shifted_chebyshev_polynomial_t.n_scalar",
    "special_shifted_chebyshev_polynomial_t.n_scalar_out",
    "special_shifted_chebyshev_polynomial_t.x_scalar",
    "special_shifted_chebyshev_polynomial_t.x_scalar_out",
    "special_shifted_chebyshev_polynomial_u.n_scalar",
    "special_shifted_chebyshev_polynomial_u.n_scalar_out",
    "special_shifted_chebyshev_polynomial_u.x_scalar",
    "special_shifted_chebyshev_polynomial_u.x_scalar_out",
    "special_shifted_chebyshev_polynomial_v.n_scalar",
    "special_shifted_chebyshev_polynomial_v.n_scalar_out",
    "special_shifted_chebyshev_polynomial_v.x_scalar",
    "special_shifted_chebyshev_polynomial_v.x_scalar_out",
    "special_shifted_chebyshev_polynomial_w.n_scalar",
    "special_shifted_chebyshev_polynomial_w.n_scalar_out",
    "special_shifted_chebyshev_polynomial_w.x_scalar",
    "special_shifted_chebyshev_polynomial_w.x_scalar_out", "special_xlog1py.other_scalar",
    "special_xlog1py.other_scalar_out", "special_xlog1py.self_scalar",
    "special_xlog1py.self_scalar_out", "special_zeta.other_scalar",
    "special_zeta.other_scalar_out", "special_zeta.self_scalar",
    "special_zeta.self_scalar_out", "stack", "stack.out", "sub.Scalar", "sub.Scalar_out",
    "sub_.Scalar", "sum", "sum.out", "xlogy.OutScalar_Other", "xlogy.OutScalar_Self",
    "xlogy.Scalar_Other", "xlogy.Scalar_Self", "xlogy_.Scalar_Other", "zeros",
)

# A CompositeExplicitAutograd kernel to which PyTorch adds a Meta kernel (its Python meta
# registrations): the same kernel is registered at Meta too.
META_TOO = (
    "_cdist_backward.out", "_euclidean_dist", "_euclidean_dist.out", "_foreach_norm.Scalar",
    "_pdist_backward.out", "_pdist_forward.out", "_standard_gamma.out", "_unsafe_view",
    "arange", "arange.out", "arange.start", "as_strided_scatter.out", "bernoulli",
    "block_diag.out", "bucketize.Scalar_out", "cummax.out", "cummin.out", "diag_embed.out",
    "diagonal_copy.out", "diagonal_scatter.out", "dist", "dist.out", "dot.out", "empty_like",
    "empty_like.out", "empty_strided.out", "fill.Scalar", "fill.Tensor", "full.out",
    "index_fill.int_Scalar_out", "index_fill.int_Tensor_out", "index_put", "is_same_size",
    "logcumsumexp.out", "masked_scatter.out", "new_empty", "new_full", "new_ones", "new_zeros",
    "normal.float_float", "normal.float_float_out", "ones.out", "ones_like", "ones_like.out",
    "rand", "rand.out", "randint", "randint.low", "randint.low_out", "randint.out", "randn",
    "randperm", "rot90.out", "select_scatter.out", "slice_scatter.out", "sort.values", "t_",
    "transpose_", "tril_indices.out", "triu_indices.out", "unfold_backward.out",
    "unsafe_split.Tensor", "unsafe_split_with_sizes", "unsqueeze_", "vdot.out", "zeros.out",
    "zeros_like", "zeros_like.out",
)

# A CompositeExplicitAutograd kernel where PyTorch registers CPU and Meta kernels.
BACKEND_ONLY = (
    "_efficientzerotensor", "_linalg_eigh.eigenvalues", "_linalg_slogdet.sign",
    "_linalg_solve_ex.result", "_linalg_svd.U", "_reshape_alias", "aminmax.out",
    "arange.start_out", "as_strided", "eye.m_out", "eye.out", "frexp.Tensor_out", "histc.out",
    "index_copy.out", "kthvalue.values", "linalg_cholesky_ex.L", "linalg_eig.out",
    "linalg_householder_product.out", "linalg_inv_ex.inverse", "linalg_ldl_factor_ex.out",
    "linalg_ldl_solve.out", "linalg_lu.out", "linalg_lu_factor_ex.out", "linalg_qr.out",
    "linspace.out", "logspace.out", "lu_unpack.out", "narrow_copy.out", "native_dropout",
    "native_dropout_backward", "nonzero.out", "normal.Tensor_Tensor", "normal.Tensor_Tensor_out",
    "normal.Tensor_float", "normal.Tensor_float_out", "normal.float_Tensor",
    "normal.float_Tensor_out", "ormqr.out", "polar.out", "randperm.generator_out", "resize_",
    "set_", "set_.source_Storage", "set_.source_Storage_storage_offset", "set_.source_Tensor",
    "sort.values_stable", "take.out", "topk.values", "unfold", "view", "view_as_complex",
    "view_as_real",
)

# CompositeExplicitAutogradNonFunctional in PyTorch (with a Meta kernel): kindling's
# CompositeExplicitAutograd kernel (also registered at Meta), or its CPU kernel (its Meta
# function stays).
NON_FUNCTIONAL_FROM_EXPLICIT = ('bernoulli.p', 'diagonal_copy', 'new_empty_strided')
# the view ops' functional copies (view_copy...), and their out= forms with a Meta kernel too
VIEW_COPIES = (
    'alias_copy',
    'as_strided_copy',
    'expand_copy',
    'permute_copy',
    'split_with_sizes_copy',
    'squeeze_copy',
    'squeeze_copy.dim',
    'squeeze_copy.dims',
    't_copy',
    'transpose_copy.int',
    'unbind_copy.int',
    'unfold_copy',
    'unsqueeze_copy',
    'view_copy',
    'view_copy.dtype',
)
VIEW_COPY_OUTS = (
    'alias_copy.out',
    'as_strided_copy.out',
    'expand_copy.out',
    'permute_copy.out',
    'split_with_sizes_copy.out',
    'squeeze_copy.dim_out',
    'squeeze_copy.dims_out',
    'squeeze_copy.out',
    't_copy.out',
    'transpose_copy.int_out',
    'unbind_copy.int_out',
    'unfold_copy.out',
    'unsqueeze_copy.out',
    'view_copy.dtype_out',
    'view_copy.out',
)
NON_FUNCTIONAL_FROM_CPU = ('diag_embed', 'diagonal_scatter', 'logsumexp.out', 'select_backward', 'select_scatter', 'slice_scatter')

# CompositeExplicitAutogradNonFunctional alone in PyTorch.
NON_FUNCTIONAL_ONLY = ("as_strided_",
                       # view copies without a Python meta registration in PyTorch
                       "select_copy.int", "slice_copy.Tensor", "split_copy.Tensor",
                       "detach_copy", "view_as_real_copy", "view_as_complex_copy")

# CPU-only kernels in PyTorch (no Meta).
CPU_ONLY = ('_foobar', 'geqrf.a', 'linalg_lstsq.out', 'masked_select.out')

# CompositeImplicitAutograd ops PyTorch also gives an Autograd kernel (for nested tensors:
# dense ones still decompose, the implicit kernel taking precedence).
AUTOGRAD_TOO = ('chunk', 'matmul', 'matmul.out', 'narrow')


def _move(entry, src, dst):
    """Register ``entry``'s kernels at ``src`` (the whole stack, in order) at each key of
    ``dst`` instead."""
    stack = list(entry.kernels.get(src, ()))
    if not stack:
        raise RuntimeError(f"{entry.qualified}: no {src.name} kernel to move")
    for ke in stack:
        entry.deregister(src, ke)
    for key in dst:
        for ke in stack:
            entry.register(key, ke)


def _also(entry, src, dst):
    entry.register(dst, entry._top(src))


def apply(opdefs=None):
    """Move the kernels of the ops defined so far (at import), or of ``opdefs`` (an op family
    defined at its first use: ``_aten/_lazy.py``, through ``_defop.family_hooks``)."""
    from .._dispatcher import operator as _opreg
    from . import _defop
    if opdefs is None:
        _defop.family_hooks.append(apply)
        defined = _defop._ALL_OPS
    else:
        defined = {f"{d.schema.name[6:]}.{d.schema.overload_name or 'default'}": d
                   for d in opdefs}

    def entries(names):
        """The dispatcher entries of ``names`` defined now (a name not yet defined belongs to
        a later family: moved when that is defined)."""
        for n in names:
            d = defined.get(n if "." in n else n + ".default")
            if d is not None:
                yield d.entry
            elif opdefs is None and "aten::" + n.partition(".")[0] not in _opreg._lazy:
                raise KeyError(n)
    CEA, CEANF, CIA = (K.CompositeExplicitAutograd, K.CompositeExplicitAutogradNonFunctional,
                       K.CompositeImplicitAutograd)
    for names, src, dst in ((DEFAULT_BACKEND, K.CPU, (CEA,)),
                            (BACKEND_ONLY, CEA, (K.CPU, K.Meta)),
                            (NON_FUNCTIONAL_FROM_EXPLICIT + VIEW_COPIES, CEA, (CEANF, K.Meta)),
                            (NON_FUNCTIONAL_FROM_CPU, K.CPU, (CEANF,)),
                            (NON_FUNCTIONAL_ONLY, CEA, (CEANF,)),
                            (CPU_ONLY, CEA, (K.CPU,))):
        for e in entries(names):
            _move(e, src, dst)
    for e in entries(META_TOO + VIEW_COPY_OUTS):
        _also(e, CEA, K.Meta)
    for e in entries(AUTOGRAD_TOO):
        _also(e, CIA, K.Autograd)
    if opdefs is None:
        # (promote_types takes no tensor: a CompositeImplicitAutograd kernel in PyTorch)
        e = defined["promote_types.default"].entry
        _move(e, CEA, (CIA,))
        for ke in list(e.kernels.get(K.Autograd, ())):
            e.deregister(K.Autograd, ke)
