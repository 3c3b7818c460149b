"""Shape ops that copy: ``cat``, ``stack``, ``flip``, ``roll``, ``repeat``/``tile``."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ..testing import samples as S
from ._api import PUBLIC, method, public
from ._defop import defop
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import dtype_of, int_varargs, normalize_dims, varargs_list, wrap_dim
from ._variants import out_variant

OPS = {}


# ---- cat ----------------------------------------------------------------------------------------
def _cat_cast_error(result, out):
    return TypeError(f"torch.cat(): input types can't be cast to the desired output type "
                     f"{out._scalar_name}")


def _cat_geometry(tensors, dim):
    """(output shape, result dtype, wrapped dim, tensors that take part) with PyTorch's checks.

    Works on ndarrays and meta tensors alike (both have ``shape``, ``ndim`` and ``dtype``)."""
    if len(tensors) == 0:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    dts = [dtype_of(t) for t in tensors]
    out_dt = dts[0]
    for d in dts[1:]:
        out_dt = _dtype.promote_types(out_dt, d)
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    # Legacy behaviour: 1-D empty tensors are skipped whatever their shape.
    used = [(i, t) for i, t in enumerate(tensors) if not (t.ndim == 1 and t.shape[0] == 0)]
    if not used:
        return (0,), out_dt, 0, []
    ref_i, ref = used[0]
    d = wrap_dim(dim, ref.ndim)
    total = 0
    for i, t in used:
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} "
                               f"and {t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref.shape[k]} but got size {t.shape[k]} for tensor number {i} in the list.")
        total += t.shape[d]
    shape = list(ref.shape)
    shape[d] = total
    return tuple(shape), out_dt, d, [t for _, t in used]


cat = defop("cat(Tensor[] tensors, int dim=0) -> Tensor", tags=("core",))
OPS["cat"] = cat
cat.derivative(tensors="cat_tensors_backward(grad, tensors_args_sizes, tensors_args_scalartypes, "
                       "dim)", result="auto_linear")


cat.samples(lambda dt: iter([
    S.SampleInput([S.make_arr((2, 3), dt), S.make_arr((4, 3), dt, seed=1)]),
    S.SampleInput([S.make_arr((2, 3), dt, seed=2), S.make_arr((2, 1), dt, seed=3),
                   S.make_arr((2, 2), dt, seed=4, noncontig=True)], -1),
    S.SampleInput([S.make_arr((3,), dt, seed=5), S.make_arr((0,), dt)]),
    S.SampleInput([S.make_arr((2, 2), dt, seed=6)], 1),
]))


@cat.cpu
def _(tensors, dim=0):
    shape, dt, d, used = _cat_geometry(list(tensors), dim)
    if not used:
        return np.empty(shape, dtype=dt._np)
    with np.errstate(all="ignore"):
        return np.ascontiguousarray(
            np.concatenate([np.asarray(t).astype(dt._np, copy=False) for t in used], axis=d))


@cat.meta
def _(tensors, dim=0):
    shape, dt, _, _ = _cat_geometry(list(tensors), dim)
    return empty_meta(shape, dt)


cat_out = out_variant(cat, "cat.out(Tensor[] tensors, int dim=0, *, Tensor(a!) out) -> Tensor(a!)",
                      cast_error=_cat_cast_error)
OPS["cat.out"] = cat_out


def _nonempty_list(name, fn, empty_error):
    """The Python binding rejects an empty tensor list before dispatch (no tensor to dispatch on)."""
    def wrapper(tensors, *args, **kwargs):
        if isinstance(tensors, (list, tuple)) and len(tensors) == 0:
            raise empty_error()
        return fn(tensors, *args, **kwargs)
    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__module__ = "kindling"
    PUBLIC[name] = wrapper
    return wrapper


for _n in ("cat", "concat", "concatenate"):
    _nonempty_list(_n, public(_n, cat, cat_out, method=False),
                   lambda: ValueError("torch.cat(): expected a non-empty list of Tensors"))


# ---- stack --------------------------------------------------------------------------------------
def _stack_geometry(tensors, dim):
    """(output shape, result dtype, wrapped dim) with PyTorch's checks (ndarrays or meta
    tensors).  Like PyTorch's stack, which concatenates the inputs unsqueezed at ``dim``, the
    result has ``cat``'s dtype."""
    if len(tensors) == 0:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = tuple(tensors[0].shape)
    for i, t in enumerate(tensors[1:], 1):
        if tuple(t.shape) != s0:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got [{', '.join(map(str, s0))}]"
                f" at entry 0 and [{', '.join(map(str, t.shape))}] at entry {i}")
    d = wrap_dim(dim, len(s0) + 1)
    dt = dtype_of(tensors[0])
    for t in tensors[1:]:
        dt = _dtype.promote_types(dt, dtype_of(t))
    return s0[:d] + (len(tensors),) + s0[d:], dt, d


# A CompositeExplicitAutograd op in PyTorch: modes see ``aten.stack`` (its kernel concatenates
# the unsqueezed inputs inside), and autograd records StackBackward0.
stack = defop("stack(Tensor[] tensors, int dim=0) -> Tensor")
OPS["stack"] = stack
stack.derivative(tensors="handle_r_to_c(tensors_scalar_type, "
                         "stack_tensors_backward(grad, dim, tensors_args_sizes))",
                 result="auto_linear")


@stack.cpu
def _(tensors, dim=0):
    tensors = list(tensors)
    shape, dt, d = _stack_geometry(tensors, dim)
    with np.errstate(all="ignore"):
        return np.ascontiguousarray(
            np.stack([np.asarray(t).astype(dt._np, copy=False) for t in tensors], axis=d))


@stack.meta
def _(tensors, dim=0):
    shape, dt, _ = _stack_geometry(list(tensors), dim)
    return empty_meta(shape, dt)


stack.samples(lambda dt: iter([
    S.SampleInput([S.make_arr((2, 3), dt), S.make_arr((2, 3), dt, seed=1)]),
    S.SampleInput([S.make_arr((2, 3), dt, seed=2), S.make_arr((2, 3), dt, seed=3),
                   S.make_arr((2, 3), dt, seed=4, noncontig=True)], -1),
    S.SampleInput([S.make_arr((4,), dt, seed=5)], 1),
    S.SampleInput([S.make_arr((), dt, seed=6), S.make_arr((), dt, seed=7)]),
    S.SampleInput([S.make_arr((0, 2), dt), S.make_arr((0, 2), dt, seed=8)], 1),
]))
stack_out = out_variant(stack, "stack.out(Tensor[] tensors, int dim=0, *, Tensor(a!) out) -> "
                               "Tensor(a!)", cast_error=_cat_cast_error)
OPS["stack.out"] = stack_out


_nonempty_list("stack", public("stack", stack, stack_out, method=False),
               lambda: RuntimeError("stack expects a non-empty TensorList"))


# ---- flip ---------------------------------------------------------------------------------------
flip = defop("flip(Tensor self, int[] dims) -> Tensor", tags=("core",))
OPS["flip"] = flip
flip.derivative(self="grad.flip(dims)", result="auto_linear")


@flip.cpu
def _(self, dims):
    ax = normalize_dims(list(dims), self.ndim) if self.ndim else ()
    return _like_input(self, np.flip(self, ax) if ax else self)


def _like_input(a, values):
    """A fresh copy of ``values`` laid out like ``a`` (``empty_like`` preserve-format)."""
    out = np.empty_like(a, order="K") if _dense(a) else np.empty(a.shape, a.dtype)
    np.copyto(out, values)
    return out


def _dense(a):
    """Whether ndarray ``a`` is non-overlapping and dense (strides in elements, sign ignored)."""
    from .._tensor import non_overlapping_and_dense
    return non_overlapping_and_dense(a.shape, [abs(st) // a.itemsize for st in a.strides])


@flip.meta
def _(self, dims):
    if self.dim():
        normalize_dims(list(dims), self.dim())
    return _meta_like(self)


def _meta_like(self):
    if self.is_non_overlapping_and_dense():
        return empty_meta(self._size, self.dtype, self.stride())
    return empty_meta(self._size, self.dtype)


public("flip", flip, method=False)


@method("flip")
def _flip_method(self, *dims, **kw):
    if "dims" in kw:
        dims = (kw.pop("dims"),)
    return aten.flip.default(self, int_varargs(dims, "flip", "dims"))


fliplr = defop("fliplr(Tensor self) -> Tensor")
flipud = defop("flipud(Tensor self) -> Tensor")


@fliplr.composite
def _(self):
    if self.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return aten.flip.default(self, [1])


@flipud.composite
def _(self):
    if self.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return aten.flip.default(self, [0])


public("fliplr", fliplr)
public("flipud", flipud)


# ---- roll ---------------------------------------------------------------------------------------
roll = defop("roll(Tensor self, SymInt[1] shifts, int[1] dims=[]) -> Tensor")
OPS["roll"] = roll
roll.derivative(self="roll_backward(grad, shifts, dims)", result="auto_linear")


def _roll_check(ndim, shifts, dims):
    shifts = [shifts] if isinstance(shifts, int) else list(shifts)
    dims = [dims] if isinstance(dims, int) else list(dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:
        return shifts, None
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    return shifts, [wrap_dim(d, ndim, wrap_scalar=False) for d in dims]


@roll.cpu
def _(self, shifts, dims=()):
    sh, ax = _roll_check(self.ndim, shifts, dims)
    if ax is None:  # (np.ascontiguousarray makes 0-d arrays 1-d: reshape back)
        return np.ascontiguousarray(np.roll(self, sh[0])).reshape(self.shape)
    return np.ascontiguousarray(np.roll(self, sh, axis=ax))


@roll.meta
def _(self, shifts, dims=()):
    _, ax = _roll_check(self.dim(), shifts, dims)
    return empty_meta(self._size, self.dtype)


public("roll", roll)


# ---- repeat / tile ------------------------------------------------------------------------------
repeat = defop("repeat(Tensor self, SymInt[] repeats) -> Tensor", tags=("core",))
OPS["repeat"] = repeat
repeat.derivative(self="repeat_backward(grad, repeats, self_sym_sizes)", result="auto_linear")


def _repeat_shape(shape, repeats):
    """``repeat``'s result shape (``shape`` padded with leading 1s), with PyTorch's checks."""
    repeats = [int(r) for r in repeats]
    if len(repeats) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    out = [s * r for s, r in zip(padded, repeats)]
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{next(n for n in out if n < 0)}: [{', '.join(map(str, out))}]")
    return padded, out


@repeat.cpu
def _(self, repeats):
    padded, out = _repeat_shape(self.shape, repeats)
    # (np.ascontiguousarray makes 0-d arrays 1-d: a 0-d input repeated by [] stays 0-d)
    return np.ascontiguousarray(np.tile(self.reshape(padded), [int(r) for r in repeats])
                                ).reshape(out)


@repeat.meta
def _(self, repeats):
    _, out = _repeat_shape(self.shape, repeats)
    return empty_meta(out, self.dtype)


repeat.samples(lambda dt: iter([
    S.SampleInput(S.make_arr((2, 3), dt), [2, 1]),
    S.SampleInput(S.make_arr((2, 3), dt, seed=1), [1, 2, 2]),
    S.SampleInput(S.make_arr((2, 3), dt, seed=2, noncontig=True), [3, 2]),
    S.SampleInput(S.make_arr((), dt, seed=3), [3]),
    S.SampleInput(S.make_arr((2, 3), dt, seed=4), [0, 2]),
    S.SampleInput(S.make_arr((2, 3), dt, seed=5), [1, 1]),
]))

tile = defop("tile(Tensor self, SymInt[] dims) -> Tensor")
OPS["tile"] = tile


@tile.composite
def _(self, dims):
    # (PyTorch's decomposition: fewer dims than the tensor's are padded with leading 1s)
    dims = list(dims)
    if len(dims) < self.dim():
        dims = [1] * (self.dim() - len(dims)) + dims
    return aten.repeat.default(self, dims)


public("tile", tile, method=False)


def _int_list_arg(name, argname, values, kw):
    """``t.repeat(2, 3)``, ``t.repeat((2, 3))`` or ``t.repeat(repeats=...)``: the int list."""
    if argname in kw:
        values = (kw.pop(argname),)
    if kw:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kw))}'")
    if not values:
        raise TypeError(f'{name}() missing 1 required positional arguments: "{argname}"')
    return int_varargs(values, name, argname)


@method("repeat")
def _repeat_method(self, *repeats, **kw):
    """``Tensor.repeat(*repeats)``: the tensor tiled ``repeats[i]`` times along each dim."""
    return aten.repeat.default(self, _int_list_arg("repeat", "repeats", repeats, kw))


@method("tile")
def _tile_method(self, *dims, **kw):
    """``Tensor.tile(*dims)``: ``repeat`` with fewer dims padded with leading 1s."""
    return aten.tile.default(self, _int_list_arg("tile", "dims", dims, kw))
