"""Ops that tensor subclasses and their handlers see: metadata queries (``sym_size``,
``sym_stride``, ``dim``, ``numel``, ``is_contiguous``, ``prim::device``, ``prim::layout``...),
``set_``, the ``new_*`` factories (which take ``self``, so subclass handlers see them) and the
testing op ``_foobar``.

Metadata kernels read the stored fields, never the Tensor methods: the methods route to
``__torch_dispatch__`` for instances with a metadata slow path, and a handler that calls
``func`` on itself under ``no_dispatch()`` must get the stored answer.
"""
from __future__ import annotations

from .. import _device, _dtype, _layout
from .._dispatcher import operator as _opreg
from .._dispatcher.keys import K
from .._dispatcher.operator import KernelEntry, caller_site
from .._storage import UntypedStorage
from .._tensor import (INFERENCE_STRIP, Size, Tensor, _is_contig, contiguous_strides,
                       make_tensor)
from .._tensor_subclass import shallow_copy_from
from . import _parser_errors as PE
from ._api import public
from ._defop import defop

_MF = {"contiguous_format": _layout.contiguous_format, "channels_last": _layout.channels_last,
       "preserve_format": _layout.preserve_format}


def _mf(memory_format):
    return _MF.get(memory_format, memory_format) if isinstance(memory_format, str) \
        else memory_format


def _contig(t, memory_format=_layout.contiguous_format):
    memory_format = _mf(memory_format)
    size, st = t._size, t._stride()
    if memory_format is _layout.contiguous_format:
        return _is_contig(size, st)
    if memory_format is _layout.channels_last:
        if len(size) != 4:
            return False
        return _is_contig((size[0], size[2], size[3], size[1]), (st[0], st[2], st[3], st[1]))
    if memory_format is _layout.channels_last_3d:
        if len(size) != 5:
            return False
        return _is_contig((size[0], size[2], size[3], size[4], size[1]),
                          (st[0], st[2], st[3], st[4], st[1]))
    return False


def _non_overlapping_and_dense(t):
    from .._tensor import non_overlapping_and_dense
    return non_overlapping_and_dense(t._size, t._stride())


def _numel(t):
    n = 1
    for s in t._size:
        n *= s
    return n


def _meta_op(schema, fn, tags=()):
    """A metadata query: a composite that asks the tensor (so instances with a metadata slow
    path answer through ``__torch_dispatch__``, once)."""
    d = defop(schema, tags=tags)
    d.composite(fn)
    return d


def _sub():
    from .. import _tensor_subclass
    return _tensor_subclass


sym_size = _meta_op("sym_size(Tensor self) -> SymInt[]", lambda self: list(self.size()))
sym_size_int = _meta_op("sym_size.int(Tensor self, int dim) -> SymInt",
                        lambda self, dim: self.size(dim), tags=("core",))
sym_stride = _meta_op("sym_stride(Tensor self) -> SymInt[]", lambda self: list(self.stride()))
sym_stride_int = _meta_op("sym_stride.int(Tensor self, int dim) -> SymInt",
                          lambda self, dim: self.stride(dim), tags=("core",))
sym_numel = _meta_op("sym_numel(Tensor self) -> SymInt", lambda self: self.numel(), tags=("core",))
sym_storage_offset = _meta_op("sym_storage_offset(Tensor self) -> SymInt",
                              lambda self: self.storage_offset(), tags=("core",))
dim_op = _meta_op("dim(Tensor self) -> int", lambda self: self.dim())
numel_op = _meta_op("numel(Tensor self) -> int", lambda self: self.numel())
is_contiguous = _meta_op("is_contiguous(Tensor self) -> bool",
                         lambda self: self.is_contiguous())
is_contiguous_mf = _meta_op("is_contiguous.memory_format(Tensor self, MemoryFormat memory_format)"
                            " -> bool", lambda self, memory_format: self.is_contiguous(
                                _mf(memory_format)))
sym_is_contiguous = _meta_op("sym_is_contiguous(Tensor self, MemoryFormat "
                             "memory_format=contiguous_format) -> SymBool",
                             lambda self, memory_format=_layout.contiguous_format:
                             self.is_contiguous(_mf(memory_format)), tags=("core",))


def _strides_like(self, memory_format):
    memory_format = _mf(memory_format)
    if self._meta_slow:
        r = _sub().slow_is_strides_like_format(self, memory_format)
        if r is not None:
            return r
    if memory_format is _layout.channels_last:
        return len(self._size) == 4 and _contig(self, memory_format) and not _contig(self)
    return False


is_strides_like_format = _meta_op("is_strides_like_format(Tensor self, MemoryFormat "
                                  "memory_format) -> bool", _strides_like)
is_non_overlapping_and_dense = _meta_op("is_non_overlapping_and_dense(Tensor self) -> bool",
                                        lambda self: self.is_non_overlapping_and_dense())


def _prim(schema, fn):
    site = caller_site()
    entry = _opreg.define("prim::" + schema, site=site)
    entry.register(K.CompositeImplicitAutograd,
                   KernelEntry(lambda ks, *a, **k: fn(*a, **k), site, raw=fn))
    return entry


_prim("device(Tensor a) -> Device", lambda a: a.device)
_prim("layout(Tensor a) -> Layout", lambda a: a.layout)


# ---- set_ ---------------------------------------------------------------------------------------
def _set_geometry(self, storage, offset, size, stride):
    dt = self.dtype
    if storage.device.type == "meta" or storage._data is None:
        t = make_tensor(UntypedStorage(storage.nbytes(), device="meta"), size, stride, offset,
                        dt, _device.META)
        t._storage = storage
        t._device = storage.device
    else:
        t = make_tensor(storage, size, stride, offset, dt, storage.device)
    _shallow_copy_keep_keys(self, t)
    return self


def _shallow_copy_keep_keys(self, new):
    """set_'s shallow copy: ``self`` stays what it was, an inference tensor or a normal one."""
    ks = self._ks
    shallow_copy_from(self, new)
    self._ks = self._ks & ~INFERENCE_STRIP | ks & INFERENCE_STRIP


set_storage = defop("set_.source_Storage(Tensor(a!) self, Storage source) -> Tensor(a!)",
                    tags=("inplace_view",))


@set_storage.explicit
def _(self, source):
    n = source.nbytes() // self.dtype.itemsize
    return _set_geometry(self, source, 0, (n,), (1,))


set_storage_offset = defop(
    "set_.source_Storage_storage_offset(Tensor(a!) self, Storage source, SymInt storage_offset, "
    "SymInt[] size, SymInt[] stride=[]) -> Tensor(a!)", tags=("inplace_view",))


@set_storage_offset.explicit
def _(self, source, storage_offset, size, stride=()):
    size = tuple(size)
    stride = tuple(stride) if stride else contiguous_strides(size)
    return _set_geometry(self, source, storage_offset, size, stride)


set_tensor = defop("set_.source_Tensor(Tensor(a!) self, Tensor source) -> Tensor(a!)",
                   tags=("inplace_view",))


@set_tensor.explicit
def _(self, source):
    _shallow_copy_keep_keys(self, source)
    return self


set_empty = defop("set_(Tensor(a!) self) -> Tensor(a!)", tags=("inplace_view",))


@set_empty.explicit
def _(self):
    return _set_geometry(self, UntypedStorage(0, device=self.device), 0, (0,), (1,))


public("set_", set_tensor, set_storage, set_storage_offset, set_empty, function=False)

# ---- _foobar (PyTorch's op for testing argument normalisation) --------------------------------
foobar = defop("_foobar(Tensor self, bool arg1=True, bool arg2=True, *, bool arg3=True) -> "
               "Tensor")


@foobar.explicit
def _(self, arg1=True, arg2=True, *, arg3=True):
    from ._ops_registry import aten
    return aten.clone.default(self)


# ---- new_* : factories that take self ---------------------------------------------------------
_FKW = "*, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None"


def _new_op(name, maker, fill=False):
    d = defop(f"{name}(Tensor self, SymInt[] size, {'Scalar fill_value, ' if fill else ''}"
              f"{_FKW}) -> Tensor")

    @d.explicit
    def _(self, size, *args, dtype=None, layout=None, device=None, pin_memory=None):
        from ._ops_registry import aten
        return maker(aten)(list(size), *args, dtype=dtype if dtype is not None else self.dtype,
                           device=device if device is not None else self.device,
                           pin_memory=pin_memory)
    d.nondifferentiable()  # (a factory: its output never requires grad, as in PyTorch)
    return d


new_empty = _new_op("new_empty", lambda aten: aten.empty.memory_format)
new_zeros = _new_op("new_zeros", lambda aten: aten.zeros.default)
new_ones = _new_op("new_ones", lambda aten: aten.ones.default)
new_full = _new_op("new_full", lambda aten: aten.full.default, fill=True)


def _sizes(size, name):
    from .factories import _sizes as sizes
    if len(size) == 1 and isinstance(size[0], Size):
        size = (tuple(size[0]),)
    return sizes(size, name)


def _finish(t, requires_grad):
    if requires_grad:
        t._requires_grad_(True)
    return t


def _new_method(name, d):
    def fn(self, *sizes, size=None, dtype=None, layout=None, device=None, requires_grad=False,
           pin_memory=False):
        if size is not None:
            if sizes:
                raise TypeError(f"{name}() got multiple values for argument 'size'")
            sizes = (size,)
        elif not sizes:
            raise PE.missing(name, size=PE.MISSING)
        size = sizes
        if dtype is not None and not isinstance(dtype, _dtype.dtype):
            raise TypeError(f"{name}(): argument 'dtype' must be torch.dtype, not "
                            f"{type(dtype).__name__}")
        return _finish(d.op(self, _sizes(size, name), dtype=dtype, layout=layout,
                            device=_device.canonical(device) if device is not None else None,
                            pin_memory=pin_memory), requires_grad)
    fn.__name__ = fn.__qualname__ = name
    return fn


def _new_full(self, size=PE.MISSING, fill_value=PE.MISSING, *, dtype=None, layout=None,
              device=None, requires_grad=False, pin_memory=False):
    if size is PE.MISSING or fill_value is PE.MISSING:
        raise PE.missing("new_full", size=size, fill_value=fill_value)
    return _finish(new_full.op(self, _sizes((size,), "new_full"), fill_value, dtype=dtype,
                               layout=layout,
                               device=_device.canonical(device) if device is not None else None,
                               pin_memory=pin_memory), requires_grad)


_new_full.__name__ = _new_full.__qualname__ = "new_full"

NEW_METHODS = {
    "new_empty": _new_method("new_empty", new_empty),
    "new_zeros": _new_method("new_zeros", new_zeros),
    "new_ones": _new_method("new_ones", new_ones),
    "new_full": _new_full,
}
_ = Tensor
