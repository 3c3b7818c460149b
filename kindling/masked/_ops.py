"""``torch.masked._ops``: reductions and normalizations that ignore masked-out elements.

Each function takes a strided ``input`` and an optional boolean ``mask`` broadcastable to it
(``True`` marks the elements that take part). Masked-out elements are replaced by the
operation's identity (0 for ``sum``, 1 for ``prod``, -inf for ``amax``...) and the ordinary
op runs on the result, so the autograd graph is made of the ordinary ops' nodes, as PyTorch's.

``MaskedTensor`` inputs and sparse layouts are not modelled.
"""
from __future__ import annotations

import kindling as torch

__all__: list = []

# integer and bool inputs of sum/prod accumulate in int64 unless a dtype is given
_PROMOTED_TO_INT64 = frozenset({torch.uint8, torch.bool, torch.int8, torch.int16, torch.int32})


def _strided_only(what, *tensors):
    for t in tensors:
        if t is not None and t.layout != torch.strided:
            raise NotImplementedError(
                f"torch.masked.{what}: {t.layout} tensors are not supported by kindling "
                "(only strided tensors and masks; sparse layouts and MaskedTensor are not "
                "modelled)")


def _reduction_identity(op_name, input, *args):
    """The identity of reduction ``op_name`` as a 0-d tensor of ``input``'s dtype, or None
    where it is not uniquely defined (mean, var, std)."""
    dtype, device = input.dtype, input.device
    op_name = op_name.rsplit(".", 1)[-1]

    def const(value, dt=dtype):
        return torch.tensor(value, dtype=dt, device=device)

    def int_bound(use_min):
        if input.is_signed() or dtype == torch.uint8:
            info = torch.iinfo(dtype)
            return const(info.min if use_min else info.max)
        return None

    if op_name in ("sum", "cumsum"):
        return const(0)
    if op_name in ("prod", "cumprod"):
        return const(1)
    if op_name in ("amax", "argmax", "logaddexp"):
        if input.is_floating_point():
            return const(float("-inf"))
        found = int_bound(True)
        if found is not None:
            return found
    elif op_name == "logsumexp":
        if input.is_floating_point():
            return const(float("-inf"))
        if input.is_complex():
            return const(complex(float("-inf"), 0))
        found = int_bound(True)
        if found is not None:
            return found
    elif op_name in ("amin", "argmin"):
        if input.is_floating_point():
            return const(float("inf"))
        found = int_bound(False)
        if found is not None:
            return found
    elif op_name in ("mean", "var", "std"):
        return None  # (the mean of the unmasked elements: depends on dim, undefined if none)
    elif op_name == "norm":
        ord = args[0] if args else 2
        if ord == float("-inf"):
            if not input.is_floating_point():
                raise AssertionError(f"input must be floating point, got {input.dtype}")
            return const(float("inf"))
        return const(0)
    elif op_name == "median":
        # NaN: median runs as nanmedian, which skips NaNs
        return const(float("nan"), dtype if input.is_floating_point() else torch.float)
    raise NotImplementedError(f"identity of {op_name} on {dtype} input")


def _canonical_dim(dim, ndim):
    """``dim`` as a sorted tuple of non-negative dims (None and ``()`` mean all)."""
    if dim == ():
        dim = None  # (``dim=()`` reduces everything, as the plain reductions do today)
    if dim is None:
        return tuple(range(ndim))
    ndim = max(ndim, 1)
    dims = []
    for d in ((dim,) if isinstance(dim, int) else dim):
        if d in dims:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        if d >= ndim or d < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-ndim}, {ndim - 1}], but got {d})")
        dims.append(d % ndim)
    return tuple(sorted(dims))


def _any(input, dim, keepdim):
    """``input.any`` over a tuple of dims."""
    for d in reversed(dim):
        input = input.any(dim=d, keepdim=keepdim)
    return input


def _where(mask, input, fill_value):
    """``torch.where`` (strided masks only)."""
    _strided_only("_where", mask)
    return torch.where(mask, input, fill_value)


def _input_mask(input, *args, **kwargs):
    """The mask of ``kwargs["mask"]`` broadcast to ``input``'s shape, as bools."""
    _strided_only("_input_mask", input)
    mask = kwargs.get("mask")
    if mask is None:
        raise ValueError("_input_mask requires explicit mask")
    _strided_only("_input_mask", mask)
    if mask.shape != input.shape:
        if mask.ndim > input.ndim:
            raise IndexError("_input_mask expected broadcastable mask (got mask "
                             "dimensionality higher than of the input)")
        mask = torch.broadcast_to(mask.clone(), input.shape)
    return mask.to(dtype=torch.bool)


_REDUCTIONS = frozenset({"sum", "prod", "amax", "amin", "argmax", "argmin", "mean", "median",
                         "norm", "var", "std", "logsumexp"})
_NORMALIZATIONS = frozenset({"softmax", "log_softmax", "softmin", "normalize", "cumsum",
                             "cumprod"})


def _output_mask(op, input, *args, **kwargs):
    """Which elements of ``op(input, *args, **kwargs)`` have at least one unmasked input."""
    if not callable(op):
        raise ValueError(f"_output_mask expected masked operation (got {type(op).__name__} "
                         "object)")
    if op.__name__ in _REDUCTIONS:
        if op.__name__ == "norm" and args:
            args = args[1:]  # (``ord`` comes before ``dim``)
        dim = args[0] if args else kwargs.get("dim")
        outmask = _input_mask(input, *args, **kwargs)
        return _any(outmask, _canonical_dim(dim, input.ndim), bool(kwargs.get("keepdim", False)))
    if op.__name__ in _NORMALIZATIONS:
        return _input_mask(input, *args, **kwargs)
    raise ValueError(f"_output_mask expected masked operation (got callable "
                     f"{op.__module__}.{op.__name__})")


def _combine_input_and_mask(op, input, mask, *args):
    """``input`` with its masked-out elements replaced by ``op``'s identity."""
    _strided_only(op.__name__ if callable(op) else "_combine_input_and_mask", input, mask)
    if mask is None:
        return input
    canonical_mask = _input_mask(input, mask=mask)
    if not callable(op):
        raise ValueError("_combine_input_and_mask expected masked operation (got "
                         f"{type(op).__name__} object)")
    return _where(canonical_mask, input, _reduction_identity(op.__name__, input, *args))


def _sum_dtype(input, dtype):
    if dtype is not None:
        return dtype
    return torch.int64 if input.dtype in _PROMOTED_TO_INT64 else input.dtype


# ---------------------------------------------------------------------------------------------
# reductions

def sum(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Sum of the unmasked elements of ``input`` over ``dim`` (all dims by default); 0 where
    every element is masked out. Integer and bool inputs sum in int64 unless ``dtype`` is
    given."""
    dtype = _sum_dtype(input, dtype)
    dim_ = _canonical_dim(dim, input.ndim)
    mask_input = _combine_input_and_mask(sum, input, mask)
    return torch.sum(mask_input, dim_, bool(keepdim), dtype=dtype)


def prod(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Product of the unmasked elements of ``input`` over ``dim``; 1 where every element is
    masked out. Integer and bool inputs multiply in int64 unless ``dtype`` is given."""
    dtype = _sum_dtype(input, dtype)
    dim_ = _canonical_dim(dim, input.ndim)
    result = _combine_input_and_mask(prod, input, mask).to(dtype=dtype)
    for d in reversed(dim_):
        result = result.prod(dim=d, keepdim=bool(keepdim))
    return result


def amax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Maximum of the unmasked elements over ``dim``; the dtype's lowest value (-inf for
    floats) where every element is masked out."""
    if dtype is None:
        dtype = input.dtype
    mask_input = _combine_input_and_mask(amax, input, mask)
    dim_ = _canonical_dim(dim, mask_input.ndim)
    return torch.amax(mask_input, dim_, bool(keepdim)).to(dtype=dtype)


def amin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Minimum of the unmasked elements over ``dim``; the dtype's highest value (inf for
    floats) where every element is masked out."""
    if dtype is None:
        dtype = input.dtype
    mask_input = _combine_input_and_mask(amin, input, mask)
    dim_ = _canonical_dim(dim, mask_input.ndim)
    return torch.amin(mask_input, dim_, bool(keepdim)).to(dtype=dtype)


def argmax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Index of the largest unmasked element along ``dim`` (of the flattened input when
    ``dim`` is None), converted to ``dtype`` (the input's by default)."""
    if dtype is None:
        dtype = input.dtype
    mask_input = _combine_input_and_mask(argmax, input, mask)
    return torch.argmax(mask_input, dim, bool(keepdim)).to(dtype=dtype)


def argmin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Index of the smallest unmasked element along ``dim`` (of the flattened input when
    ``dim`` is None), converted to ``dtype`` (the input's by default)."""
    if dtype is None:
        dtype = input.dtype
    mask_input = _combine_input_and_mask(argmin, input, mask)
    return torch.argmin(mask_input, dim, bool(keepdim)).to(dtype=dtype)


def _count(input, dim, keepdim, mask):
    """(how many elements take part per output element, the canonical mask or None)."""
    if mask is None:
        ones = torch.ones(input.shape, dtype=torch.int64, device=input.device)
        return sum(ones, dim, keepdim=keepdim), None
    inmask = _input_mask(input, mask=mask)
    return inmask.sum(dim=dim, keepdim=bool(keepdim)), inmask


def mean(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Mean of the unmasked elements over ``dim``; nan where every element is masked out.
    The dtype (given or the input's) must be floating point or complex."""
    dtype_source = "Optional"
    if dtype is None:
        dtype, dtype_source = input.dtype, "Input"
    if not (dtype.is_floating_point or dtype.is_complex):
        raise ValueError(f"mean(): Could not infer output dtype. {dtype_source} dtype must be "
                         f"either a floating point or complex dtype. Got: {dtype}")
    _strided_only("mean", input)
    count, inmask = _count(input, dim, keepdim, mask)
    total = sum(input, dim, keepdim=keepdim, dtype=dtype, mask=inmask)
    return total / count


def median(input, dim=-1, *, keepdim=False, dtype=None, mask=None):
    """Median of the unmasked elements along one ``dim`` (the lower of the two middle values
    for an even count); nan where every element is masked out, which non-float inputs
    refuse."""
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    is_float = input.is_floating_point()
    if not is_float:
        input = input.to(dtype=torch.float)
    mask_input = _combine_input_and_mask(median, input, mask)
    output = torch.nanmedian(mask_input, dim_, keepdim).values
    if is_float:
        return output
    if torch.isnan(output).any():
        raise ValueError("masked median expects no fully masked out rows if dtype is not "
                         "floating point")
    return output.to(dtype=dtype)


def logsumexp(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """``log(sum(exp(x)))`` over the unmasked elements; -inf where every element is masked
    out."""
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)
    mask_input = _combine_input_and_mask(logsumexp, input, mask)
    return torch.logsumexp(mask_input, dim_, keepdim=keepdim).to(dtype=dtype)


def logaddexp(input, other, *, dtype=None, input_mask=None, other_mask=None):
    """``log(exp(input) + exp(other))`` elementwise, masked-out elements of either operand
    counting as -inf (``input_mask`` / ``other_mask``)."""
    if dtype is None:
        dtype = input.dtype
    mask_input = _combine_input_and_mask(logaddexp, input, input_mask)
    mask_other = _combine_input_and_mask(logaddexp, other, other_mask)
    return torch.logaddexp(mask_input, mask_other).to(dtype=dtype)


def norm(input, ord=2.0, dim=None, *, keepdim=False, dtype=None, mask=None):
    """Vector ``ord``-norm of the unmasked elements over ``dim`` (masked-out elements count as
    0, or as inf for ``ord=-inf``)."""
    if dtype is None:
        dtype = input.dtype
    mask_input = _combine_input_and_mask(norm, input, mask, ord)
    dim_ = _canonical_dim(dim, input.ndim)
    return torch.linalg.vector_norm(mask_input, ord, dim_, bool(keepdim), dtype=dtype)


def _real_dtype(dtype):
    return dtype.to_real() if dtype.is_complex else dtype


def _std_var(input, dim, unbiased, *, correction_opt, keepdim, dtype, mask, take_sqrt):
    if unbiased is not None and correction_opt is not None:
        raise AssertionError("Only one of unbiased and correction may be given")
    correction = 1.0
    if unbiased is not None:
        correction = 1.0 if unbiased else 0.0
    if correction_opt is not None:
        correction = float(correction_opt)
    if dtype is None:
        dtype = input.dtype
        if not (dtype.is_floating_point or dtype.is_complex):
            dtype = torch.float32
    compute_dtype = dtype
    if not (compute_dtype.is_floating_point or compute_dtype.is_complex):
        compute_dtype = torch.float32
    _strided_only("std/var", input)
    count, inmask = _count(input, dim, True, mask)
    sample_mean = torch.divide(sum(input, dim, keepdim=True, dtype=dtype, mask=inmask), count)
    x = torch.subtract(input, sample_mean)
    total = sum(x * x.conj(), dim, keepdim=keepdim, dtype=compute_dtype, mask=inmask)
    if not keepdim:
        count = count.reshape(total.shape)
    if correction != 0:
        count = count.to(_real_dtype(compute_dtype))
        count = torch.subtract(count, correction)
        count = torch.maximum(count, count.new_zeros([]))
    output = torch.divide(total, count).to(dtype=dtype)
    return torch.sqrt(output) if take_sqrt else output


def var(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None,
        mask=None):
    """Variance of the unmasked elements over ``dim`` (``correction`` 1 by default: the
    sample variance); nan where no element is left."""
    return _std_var(input, dim, unbiased, correction_opt=correction, keepdim=keepdim,
                    dtype=dtype, mask=mask, take_sqrt=False)


def std(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None,
        mask=None):
    """Standard deviation of the unmasked elements over ``dim`` (the square root of
    ``var``)."""
    return _std_var(input, dim, unbiased, correction_opt=correction, keepdim=keepdim,
                    dtype=dtype, mask=mask, take_sqrt=True)


# ---------------------------------------------------------------------------------------------
# normalizations (outputs of input's shape)

def cumsum(input, dim, *, dtype=None, mask=None):
    """Cumulative sum along ``dim``, masked-out elements counting as 0."""
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    mask_input = _combine_input_and_mask(sum, input, mask)
    return torch.cumsum(mask_input, dim_, dtype=dtype).to(dtype=dtype)


def cumprod(input, dim, *, dtype=None, mask=None):
    """Cumulative product along ``dim``, masked-out elements counting as 1."""
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    mask_input = _combine_input_and_mask(prod, input, mask)
    return torch.cumprod(mask_input, dim_, dtype=dtype).to(dtype=dtype)


def softmax(input, dim, *, dtype=None, mask=None):
    """Softmax along ``dim`` over the unmasked elements (masked-out ones get 0; a fully
    masked-out slice gives nan)."""
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    mask_input = _combine_input_and_mask(amax, input, mask)
    return torch.softmax(mask_input, dim_, dtype=dtype)


def log_softmax(input, dim, *, dtype=None, mask=None):
    """Log-softmax along ``dim`` over the unmasked elements (masked-out ones get -inf)."""
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    mask_input = _combine_input_and_mask(amax, input, mask)
    return torch.log_softmax(mask_input, dim_, dtype=dtype)


def softmin(input, dim, *, dtype=None, mask=None):
    """Softmin (softmax of ``-input``) along ``dim`` over the unmasked elements."""
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    mask_input = _combine_input_and_mask(amin, input, mask)
    return torch.softmax(-mask_input, dim_, dtype=dtype)


def normalize(input, ord, dim, *, eps=1e-12, dtype=None, mask=None):
    """``input`` divided by the masked ``ord``-norm over ``dim`` (at least ``eps``);
    masked-out elements become 0."""
    if dtype is None:
        dtype = input.dtype
    mask_input = _combine_input_and_mask(sum, input, mask)
    nrm_ = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    denom = torch.maximum(nrm_, nrm_.new_full([], eps))
    return torch.divide(mask_input, denom)
