"""Ops that combine or arrange tensors: ``atleast_1d``/``2d``/``3d``, ``hstack``/``vstack``/
``row_stack``/``dstack``/``column_stack``, ``broadcast_tensors``, ``meshgrid``, ``block_diag``,
``cartesian_prod``, ``combinations``, ``tril_indices``/``triu_indices``, ``vander`` and
``chain_matmul``.

All but ``block_diag`` and the index factories are CompositeImplicitAutograd in PyTorch, and
here: their pieces (``view``, ``unsqueeze``, ``cat``, ``expand``, ``masked_select``,
``stack``...) reach dispatch modes in PyTorch's order and autograd records their nodes.
``torch.functional``'s Python wrappers (``atleast_1d(*tensors)``, ``meshgrid(*tensors,
indexing=None)``, ``block_diag(*tensors)``...) are the public functions.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ..testing import samples as S
from ._api import function, public
from ._copy_out import copy_out_variant
from ._defop import defop
from .factories import backend_select
from ._meta_util import empty_meta
from ._ops_registry import aten
from ._util import broadcast_error, result_type, warn_once
from ._variants import cpp_name, resize_out

OPS = {}


def _composite(schema, fn, ops=OPS, tags=()):
    """A CompositeImplicitAutograd op (recorded in the declaring module's ``ops``)."""
    d = defop(schema, tags=tags)
    d.composite(fn)
    ops[str(d.op)[len("aten."):]] = d
    return d


def _sizes(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


# ---- atleast_1d / atleast_2d / atleast_3d --------------------------------------------------------
def _atleast_1d(self):
    return aten.reshape.default(self, [1]) if self.dim() == 0 else self


def _atleast_2d(self):
    n = self.dim()
    if n == 0:
        return aten.reshape.default(self, [1, 1])
    if n == 1:
        return aten.unsqueeze.default(self, 0)
    return self


def _atleast_3d(self):
    n = self.dim()
    if n == 0:
        return aten.reshape.default(self, [1, 1, 1])
    if n == 1:
        return aten.unsqueeze.default(aten.unsqueeze.default(self, 0), -1)
    if n == 2:
        return aten.unsqueeze.default(self, -1)
    return self


_ATLEAST = {}
for _k, _fn in ((1, _atleast_1d), (2, _atleast_2d), (3, _atleast_3d)):
    _one = _composite(f"atleast_{_k}d(Tensor self) -> Tensor", _fn,
                      tags=("maybe_aliasing_or_mutating",))
    _seq = _composite(f"atleast_{_k}d.Sequence(Tensor[] tensors) -> Tensor[]",
                      lambda tensors, _op=_one.op: [_op(t) for t in tensors])
    _ATLEAST[_k] = (_one, _seq)
    public(f"_atleast_{_k}d", _one, _seq, method=False)


def _atleast_api(k):
    one, seq = _ATLEAST[k]

    def api(*tensors):
        if len(tensors) == 1:
            tensors = tensors[0]
        if isinstance(tensors, (list, tuple)):
            return tuple(seq.op(list(tensors)))
        return one.op(tensors)
    api.__name__ = api.__qualname__ = f"atleast_{k}d"
    api.__doc__ = (f"The tensor (or each of the tensors) viewed with at least {k} "
                   "dimension(s).")
    function(f"atleast_{k}d")(api)
    return api


atleast_1d, atleast_2d, atleast_3d = (_atleast_api(k) for k in (1, 2, 3))


# ---- hstack / vstack / row_stack / dstack / column_stack -----------------------------------------
def _stacker(name, prepare, dim_of):
    def check(tensors):
        if len(tensors) == 0:
            raise RuntimeError(f"{name} expects a non-empty TensorList")
        rep = prepare(list(tensors))
        return rep, dim_of(rep)

    def fn(tensors):
        rep, d = check(tensors)
        return aten.cat.default(rep, d)

    def fn_out(tensors, *, out):
        rep, d = check(tensors)
        return aten.cat.out(rep, d, out=out)
    f = _composite(f"{name}(Tensor[] tensors) -> Tensor", fn)
    f.out = _composite(f"{name}.out(Tensor[] tensors, *, Tensor(a!) out) -> Tensor(a!)", fn_out)
    public(name, f, f.out, method=False)
    return f


def _atleast_seq(k):
    return lambda ts: _ATLEAST[k][1].op(ts)


def _column_inputs(ts):
    return [aten.reshape.default(t, [t.numel(), 1]) if t.dim() <= 1 else t for t in ts]


hstack = _stacker("hstack", _atleast_seq(1), lambda rep: 0 if rep[0].dim() == 1 else 1)
vstack = _stacker("vstack", _atleast_seq(2), lambda rep: 0)
dstack = _stacker("dstack", _atleast_seq(3), lambda rep: 2)
# (row_stack and column_stack call the dispatched vstack/hstack, as PyTorch's)
row_stack = _composite("row_stack(Tensor[] tensors) -> Tensor",
                       lambda tensors: aten.vstack.default(tensors))
row_stack.out = _composite("row_stack.out(Tensor[] tensors, *, Tensor(a!) out) -> Tensor(a!)",
                           lambda tensors, *, out: aten.vstack.out(tensors, out=out))
public("row_stack", row_stack, row_stack.out, method=False)


def _column_check(tensors):
    if len(tensors) == 0:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    return _column_inputs(list(tensors))


column_stack = _composite("column_stack(Tensor[] tensors) -> Tensor",
                          lambda tensors: aten.hstack.default(_column_check(tensors)))
column_stack.out = _composite(
    "column_stack.out(Tensor[] tensors, *, Tensor(a!) out) -> Tensor(a!)",
    lambda tensors, *, out: aten.hstack.out(_column_check(tensors), out=out))
public("column_stack", column_stack, column_stack.out, method=False)


# ---- broadcast_tensors --------------------------------------------------------------------------
def _infer_size(a, b):
    """PyTorch's ``infer_size``: the broadcast of two shapes, or its error."""
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + tuple(a)
    pb = (1,) * (n - len(b)) + tuple(b)
    out = []
    for x, y in zip(pa, pb):
        if x != y and x != 1 and y != 1:
            raise broadcast_error((a, b))
        out.append(y if x == 1 else x)
    return out


def _broadcast_tensors(tensors):
    shape = None
    for t in tensors:
        shape = list(t._size) if shape is None else _infer_size(shape, t._size)
    return [t if list(t._size) == shape else aten.expand.default(t, shape) for t in tensors]


broadcast_tensors_op = _composite("broadcast_tensors(Tensor[] tensors) -> Tensor[]",
                                  _broadcast_tensors)


@function("broadcast_tensors")
def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views)."""
    return tuple(broadcast_tensors_op.op(list(tensors)))


# ---- meshgrid -----------------------------------------------------------------------------------
def _cpp_tensor_text(t):
    """How C++'s ``operator<<`` names a tensor in error texts (values elided)."""
    return f"[ {t.dtype._legacy_name if hasattr(t.dtype, '_legacy_name') else 'Tensor'}" \
           f"{{{','.join(map(str, t._size))}}} ]"


def _meshgrid(tensors, *, indexing="ij"):
    n = len(tensors)
    if n == 0:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for i in range(n - 1):
        if tensors[i].dtype is not tensors[i + 1].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if tensors[i].device != tensors[i + 1].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    refs = list(tensors)
    swap = False
    if indexing == "xy":
        swap = n >= 2
        if swap:
            refs[0], refs[1] = refs[1], refs[0]
    elif indexing != "ij":
        raise RuntimeError('torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    for t in refs:
        if t.dim() > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {_cpp_tensor_text(t)}")
    shape = [t.numel() for t in refs]
    grids = []
    view_shape = [1] * n
    for i, t in enumerate(refs):
        view_shape[i] = -1
        grids.append(aten.expand.default(aten.view.default(t, list(view_shape)), shape))
        view_shape[i] = 1
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return grids


def _meshgrid_default(tensors):
    warn_once("torch.meshgrid: in an upcoming release, it will be required to pass the "
              "indexing argument.")
    return aten.meshgrid.indexing(tensors, indexing="ij")


meshgrid_default = _composite("meshgrid(Tensor[] tensors) -> Tensor[]", _meshgrid_default)
meshgrid_indexing = _composite("meshgrid.indexing(Tensor[] tensors, *, str indexing) -> Tensor[]",
                               _meshgrid)


@function("meshgrid")
def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 1-D tensors (``indexing`` "ij": matrix, "xy": Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    if indexing is None:
        return tuple(meshgrid_default.op(list(tensors)))
    return tuple(meshgrid_indexing.op(list(tensors), indexing=indexing))


# ---- block_diag ---------------------------------------------------------------------------------
def _block_diag_geometry(tensors):
    if not tensors:
        return (1, 0), _dtype.get_default_dtype(), []
    dev = tensors[0].device
    for i, t in enumerate(tensors):
        if t.device != dev:
            raise RuntimeError(f"torch.block_diag: input tensors must all be on the same device. "
                               f"Input 0 is on device {dev} and input {i} is on device "
                               f"{t.device}")
    dt = result_type(*tensors)
    rows = cols = 0
    blocks = []
    for i, t in enumerate(tensors):
        n = t.ndim
        if n > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {n} dimensions")
        r, c = (t.shape[0], t.shape[1]) if n == 2 else (1, t.shape[0] if n == 1 else 1)
        blocks.append((rows, cols, r, c))
        rows += r
        cols += c
    return (rows, cols), dt, blocks


block_diag = defop("block_diag(Tensor[] tensors) -> Tensor")
OPS["block_diag"] = block_diag


@block_diag.cpu
def _(tensors):
    shape, dt, blocks = _block_diag_geometry(list(tensors))
    out = np.zeros(shape, dt._np)
    for t, (r0, c0, r, c) in zip(tensors, blocks):
        out[r0:r0 + r, c0:c0 + c] = np.asarray(t).reshape(r, c)
    return out


@block_diag.meta
def _(tensors):
    shape, dt, _ = _block_diag_geometry(list(tensors))
    return empty_meta(shape, dt)


def block_diag_backward(grad, sizes, dtypes):
    """PyTorch's ``block_diag_backward``: each input's block of ``grad``, in its shape (real
    inputs of a complex result take the real part)."""
    real = aten.real.default(grad) if grad.dtype.is_complex else None
    out = []
    r0 = c0 = 0
    for shape, dt in zip(sizes, dtypes):
        g = real if real is not None and not dt.is_complex else grad
        if len(shape) == 1 and shape[0] == 0:
            out.append(aten.zeros.default([0], dtype=g.dtype, device=g.device))
            continue
        r, c = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0] if shape else 1)
        piece = aten.slice.Tensor(aten.slice.Tensor(g, 0, r0, r0 + r), 1, c0, c0 + c)
        for _ in range(2 - len(shape)):
            # (PyTorch squeezes the last dim: a 1-D input's (1, n) block keeps its leading 1,
            # and the engine's validate_outputs sums it away)
            piece = aten.squeeze.dim(piece, -1)
        out.append(piece)
        r0 += r
        c0 += c
    return out


block_diag.derivative(
    tensors=lambda grad, tensors_args_sizes, tensors_args_scalartypes:
    block_diag_backward(grad, tensors_args_sizes, tensors_args_scalartypes),
    result="auto_linear")
block_diag.out = copy_out_variant(
    block_diag, "block_diag.out(Tensor[] tensors, *, Tensor(a!) out) -> Tensor(a!)")
OPS["block_diag.out"] = block_diag.out


@function("block_diag")
def block_diag_api(*tensors):
    """A block diagonal matrix of the given (at most 2-D) tensors."""
    if not tensors:  # (no tensor to dispatch on: PyTorch's empty 1x0 result)
        return aten.empty.memory_format([1, 0])
    return block_diag.op(list(tensors))


# ---- cartesian_prod / combinations --------------------------------------------------------------
def _check_1d(t):
    if t.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {_sizes(t._size)}")


def _cartesian_prod(tensors):
    for t in tensors:
        _check_1d(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = aten.meshgrid.indexing(list(tensors), indexing="ij")
    return aten.stack.default([aten.flatten.using_ints(g) for g in grids], 1)


cartesian_prod = _composite("cartesian_prod(Tensor[] tensors) -> Tensor", _cartesian_prod,
                            tags=("maybe_aliasing_or_mutating",))


@function("cartesian_prod")
def cartesian_prod_api(*tensors):
    """The Cartesian product of 1-D tensors, one row per combination."""
    return cartesian_prod.op(list(tensors))


def _triu_mask(n, dims, diagonal, device):
    rng = aten.arange.start_step(0, n, 1, dtype=_dtype.int64, device=device)
    grids = aten.meshgrid.indexing([rng] * dims, indexing="ij")
    mask = aten.full.default(list(grids[0]._size), True, dtype=_dtype.bool, device=device)
    cmp = aten.le.Tensor if diagonal else aten.lt.Tensor
    for i in range(dims - 1):
        aten.mul_.Tensor(mask, cmp(grids[i], grids[i + 1]))
    return mask


def _combinations(self, r=2, with_replacement=False):
    _check_1d(self)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return aten.empty.memory_format([0], dtype=self.dtype, device=self.device)
    grids = aten.meshgrid.indexing([self] * r, indexing="ij")
    mask = _triu_mask(self.numel(), r, with_replacement, self.device)
    return aten.stack.default([aten.masked_select.default(g, mask) for g in grids], 1)


combinations = _composite("combinations(Tensor self, int r=2, bool with_replacement=False) -> "
                          "Tensor", _combinations)
public("combinations", combinations, method=False)


# ---- tril_indices / triu_indices ----------------------------------------------------------------
def _tri_check(row, col, dtype):
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    dt = _dtype.int64 if dtype is None else dtype
    if dt not in (_dtype.int64, _dtype.int32, _dtype.int16, _dtype.int8, _dtype.uint8):
        raise NotImplementedError(f"\"{{}}\" not implemented for '{dt._scalar_name}'")
    return dt


def _tril_indices_np(row, col, offset):
    r, c = np.tril_indices(row, offset, col) if row and col else (np.zeros(0, int),) * 2
    return np.stack([r, c]).astype(np.int64)


def _triu_indices_np(row, col, offset):
    r, c = np.triu_indices(row, offset, col) if row and col else (np.zeros(0, int),) * 2
    return np.stack([r, c]).astype(np.int64)


def _index_factory(name, compute):
    d = backend_select(defop(f"{name}(int row, int col, int offset=0, *, ScalarType? dtype=4, "
                             "Layout? layout=None, Device? device=None, bool? pin_memory=None) "
                             "-> Tensor"))
    OPS[name] = d

    def check(row, col, dtype):
        if isinstance(dtype, int):  # (the schema's default, ScalarType 4: Long)
            dtype = _dtype.int64
        try:
            return _tri_check(row, col, dtype)
        except NotImplementedError as e:
            raise NotImplementedError(str(e).replace("{}", name)) from None

    @d.cpu
    def _(row, col, offset=0, *, dtype=None, layout=None, device=None, pin_memory=None):
        dt = check(row, col, dtype)
        return np.ascontiguousarray(compute(row, col, offset).astype(dt._np))

    @d.meta
    def _(row, col, offset=0, *, dtype=None, layout=None, device=None, pin_memory=None):
        dt = check(row, col, dtype)
        return empty_meta((2, compute(row, col, offset).shape[1]), dt)
    d.nondifferentiable()
    d.out = copy_out_variant(d, f"{name}.out(int row, int col, int offset=0, *, "
                                "Tensor(a!) out) -> Tensor(a!)")
    OPS[f"{name}.out"] = d.out
    public(name, d, method=False)
    return d


tril_indices = _index_factory("tril_indices", _tril_indices_np)
triu_indices = _index_factory("triu_indices", _triu_indices_np)


# ---- vander -------------------------------------------------------------------------------------
promote_types = defop("promote_types(ScalarType type1, ScalarType type2) -> ScalarType")


@promote_types.explicit
def _(type1, type2):
    return _dtype.promote_types(type1, type2)


def _vander(x, N=None, increasing=False):
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._size[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dt = aten.promote_types.default(x.dtype, _dtype.int64)
    result = aten.empty.memory_format([x._size[0], n], dtype=dt, device=x.device)
    if n > 0:
        aten.fill_.Scalar(aten.select.int(result, 1, 0), 1)
    if n > 1:
        aten.copy_.default(aten.slice.Tensor(result, 1, 1), aten.unsqueeze.default(x, 1))
        target = aten.slice.Tensor(result, 1, 1)
        aten.copy_.default(target, aten.cumprod.default(aten.slice.Tensor(result, 1, 1), 1))
    if not increasing:
        return aten.flip.default(result, [1])
    return result


vander = _composite("vander(Tensor x, int? N=None, bool increasing=False) -> Tensor", _vander)
public("vander", vander, method=False)


# ---- chain_matmul -------------------------------------------------------------------------------
def _multi_dot_order(shapes):
    """The cheapest parenthesisation (matrix-chain DP), as PyTorch's ``matrix_chain_order``."""
    n = len(shapes)
    p = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    order = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] is None or q < cost[i][j]:
                    cost[i][j] = q
                    order[i][j] = k
    return order


def _multi_dot_chain(tensors, order, i, j):
    if i == j:
        return tensors[i]
    k = order[i][j]
    return aten.mm.default(_multi_dot_chain(tensors, order, i, k),
                           _multi_dot_chain(tensors, order, k + 1, j))


def _multi_dot(tensors, out=None):
    """``linalg_multi_dot`` for 2-D matrices (what chain_matmul calls natively; ``out``: the
    out= tensor whose dtype is checked after the inputs')."""
    n = len(tensors)
    dt = tensors[0].dtype
    for i in range(1, n):
        if tensors[i].dtype is not dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {cpp_name(dt)} and tensor {i} "
                               f"{cpp_name(tensors[i].dtype)}")
        if tensors[i - 1]._size[1] != tensors[i]._size[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{_sizes(tensors[i - 1]._size)} and {_sizes(tensors[i]._size)} "
                               f"cannot be multiplied")
    if out is not None and out.dtype is not dt:
        raise RuntimeError(f"multi_dot(): expected out tensor to have dtype {cpp_name(dt)} but "
                           f"got {cpp_name(out.dtype)}")
    out_shape = [tensors[0]._size[0], tensors[-1]._size[1]]
    if n == 2:
        r = aten.mm.default(tensors[0], tensors[1])
    elif n == 3:
        a, b = tensors[0]._size[0], tensors[1]._size[0]
        c, d = tensors[2]._size[0], tensors[2]._size[1]
        cost_1 = (a * c) * (b + d)  # (AB)C
        cost_2 = (b * d) * (a + c)  # A(BC)
        if cost_1 > cost_2:
            r = aten.mm.default(tensors[0], aten.mm.default(tensors[1], tensors[2]))
        else:
            r = aten.mm.default(aten.mm.default(tensors[0], tensors[1]), tensors[2])
    else:
        order = _multi_dot_order([t._size for t in tensors])
        r = _multi_dot_chain(tensors, order, 0, n - 1)
    return aten.view.default(r, out_shape)


def _chain_check(matrices):
    warn_once("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
              "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
              "more tensors rather than multiple parameters.")
    for t in matrices:
        if t.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {t.dim()}, expected 2 instead.")
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")


def _chain_matmul(matrices):
    _chain_check(matrices)
    if len(matrices) == 1:
        return aten.clone.default(matrices[0])
    return _multi_dot(list(matrices))


def _chain_matmul_out(matrices, *, out):
    _chain_check(matrices)
    # (one matrix is copied into ``out``, cast; more go through multi_dot's out= checks)
    r = matrices[0] if len(matrices) == 1 else _multi_dot(list(matrices), out)
    resize_out(out, r._size)
    return aten.copy_.default(out, r)


chain_matmul = _composite("chain_matmul(Tensor[] matrices) -> Tensor", _chain_matmul)
chain_matmul.out = _composite("chain_matmul.out(Tensor[] matrices, *, Tensor(a!) out) -> "
                              "Tensor(a!)", _chain_matmul_out)


@function("chain_matmul")
def chain_matmul_api(*matrices, out=None):
    """The product of the matrices, in the cheapest order (deprecated in PyTorch)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = matrices[0]
    if out is None:
        return chain_matmul.op(list(matrices))
    return chain_matmul.out.op(list(matrices), out=out)


# ---- samples ------------------------------------------------------------------------------------
def _one(shapes):
    def gen(dtype):
        for i, (shape, nc) in enumerate(shapes):
            yield S.SampleInput(S.make_arr(shape, dtype, seed=i, noncontig=nc))
    return gen


def _lists(cases, **kw):
    def gen(dtype):
        for i, shapes in enumerate(cases):
            yield S.SampleInput([S.make_arr(s, dtype, seed=10 * i + j) for j, s in
                                 enumerate(shapes)], **kw)
    return gen


for _k in (1, 2, 3):
    _ATLEAST[_k][0].samples(_one([((), False), ((3,), False), ((2, 3), True), ((2, 1, 3), False)]))
    _ATLEAST[_k][1].samples(_lists([[(), (3,), (2, 3)], [(2, 2, 1)]]))
hstack.samples(_lists([[(3,), (2,)], [(2, 3), (2, 1)], [(), ()]]))
vstack.samples(_lists([[(3,), (2, 3)], [(), ()], [(2, 2, 1), (1, 2, 1)]]))
row_stack.samples(_lists([[(3,), (1, 3)]]))
dstack.samples(_lists([[(3,), (3,)], [(2, 3), (2, 3, 2)], [(), ()]]))
column_stack.samples(_lists([[(3,), (3, 2)], [(), ()], [(2, 3, 1), (2, 1, 1)]]))
broadcast_tensors_op.samples(_lists([[(3,), (2, 3), ()], [(2, 1), (1, 4)]]))
meshgrid_indexing.samples(_lists([[(3,), (2,)], [(3,), (), (2,)]], indexing="ij"))
block_diag.samples(_lists([[(2,), (2, 3), ()], [(0,), (1, 2)], [(2, 2)]]))
cartesian_prod.samples(_lists([[(3,), (2,)], [(2,), (2,), (3,)], [(3,)]]))


def _combinations_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((4,), dtype))
    yield S.SampleInput(A((3,), dtype, seed=1), 3, True)
    yield S.SampleInput(A((4,), dtype, seed=2), 1)
    yield S.SampleInput(A((3,), dtype, seed=3), 0)


def _vander_samples(dtype):
    A = S.make_arr
    yield S.SampleInput(A((3,), dtype))
    yield S.SampleInput(A((4,), dtype, seed=1, noncontig=True), 2, True)
    yield S.SampleInput(A((3,), dtype, seed=2), 5)
    yield S.SampleInput(A((3,), dtype, seed=3), 1)
    yield S.SampleInput(A((0,), dtype, seed=4), 0)


def _chain_samples(dtype):
    A = S.make_arr
    yield S.SampleInput([A((2, 3), dtype), A((3, 4), dtype, seed=1), A((4, 2), dtype, seed=2)])
    yield S.SampleInput([A((5, 1), dtype), A((1, 5), dtype, seed=1), A((5, 2), dtype, seed=2)])
    yield S.SampleInput([A((2, 3), dtype), A((3, 1), dtype, seed=1), A((1, 4), dtype, seed=2),
                         A((4, 2), dtype, seed=3)])
    yield S.SampleInput([A((2, 3), dtype)])


combinations.samples(_combinations_samples)
vander.samples(_vander_samples)
chain_matmul.samples(_chain_samples)
