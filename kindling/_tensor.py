"""``kindling.Tensor``: metadata over a shared storage. Nothing computes here.

A tensor is sizes, strides and an element offset into an ``UntypedStorage``, plus a dtype,
device, dispatch-key bits and a version counter shared with its views.  CPU tensors also keep a
NumPy view of exactly their elements (``_np``) that kernels read and write.  Every operation a
method performs is an op call that goes through the dispatcher; methods and Python operators
are attached by the op library (``kindling._aten``).
"""
from __future__ import annotations

from bisect import bisect_right as _bisect_right

import numpy as np

from . import _device, _dtype, _layout
from ._dispatcher.keys import AUTOGRAD_BITS, K, bit
from ._dispatcher.tls import INFERENCE_THREADS as _INF, TF_LIVE_MODES as _TF_LIVE, state as _tls
from ._storage import UntypedStorage, storage_for_array

CPU_KEYS = bit(K.CPU) | bit(K.ADInplaceOrView) | bit(K.AutogradCPU) | bit(K.AutocastCPU)
META_KEYS = bit(K.Meta) | bit(K.ADInplaceOrView) | bit(K.AutogradMeta)
_DEVICE_KEYS = {"cpu": CPU_KEYS, "meta": META_KEYS}

# ---- inference tensors (c10's InferenceMode, RFC pytorch/rfcs#17) ------------------------------
# A tensor allocated while inference mode is on lacks the ADInplaceOrView and Autograd keys
# (``is_inference()`` tests that bit, as TensorImpl::is_inference does) and has no version
# counter: its ``_vc`` is NO_VERSION.  Views of it are inference tensors too; views of normal
# tensors made in inference mode are normal views whose creation_meta is INFERENCE_MODE.
ADIOV_BIT = bit(K.ADInplaceOrView)
INFERENCE_STRIP = AUTOGRAD_BITS | ADIOV_BIT   # c10::autograd_dispatch_keyset_with_ADInplaceOrView
_CPU_INFERENCE_KEYS = CPU_KEYS & ~INFERENCE_STRIP
INFERENCE_VIEW_CREATION = 4  # autograd's CreationMeta INFERENCE_MODE (derivatives.py checks it)
INPLACE_INFERENCE_ERROR = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
    "clone to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details.")


class _NoVersionCounter:
    """The version counter of an inference tensor: there is none.  Reading gives 0; a bump
    (``vc[0] += 1``, what every version bump does) raises outside inference mode and does
    nothing inside it (c10::VariableVersion::bump)."""

    __slots__ = ()

    def __getitem__(self, i):
        return 0

    def __setitem__(self, i, value):
        if not _tls.inference_mode:
            raise RuntimeError(INPLACE_INFERENCE_ERROR)

    def __repr__(self):
        return "<no version counter>"

    def __reduce__(self):
        return "NO_VERSION"


NO_VERSION = _NoVersionCounter()


# A version counter is a list, ``[n]``.  ``detach_()`` of a tensor with history moves ``n`` too
# (so a saved tensor's inlined unpack, which only compares versions, takes the full unpack,
# where the detach is reported) and records each such move after ``n``: the version users see
# does not count them (PyTorch's detach_ leaves it alone).
def user_version(vc, n):
    """The version users see for raw count ``n`` of version counter ``vc``."""
    return n - (_bisect_right(vc, n, 1) - 1)


_NP_TO = _dtype._NP_TO_DTYPE


class Size(tuple):
    """``torch.Size``: a tuple of ints with PyTorch's repr."""

    def __new__(cls, sizes=()):
        return tuple.__new__(cls, (_as_int(s) for s in sizes))

    def __repr__(self):
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, o):
        return Size(tuple(self) + tuple(o))

    def __radd__(self, o):
        return Size(tuple(o) + tuple(self))

    def __reduce__(self):
        return (Size, (tuple(self),))


_tuple_new = tuple.__new__  # Size from ``_size``, which always holds Python ints


def _as_int(s):
    if isinstance(s, int):
        return s
    if hasattr(s, "__index__"):
        return s.__index__()
    raise TypeError(f"torch.Size() takes an iterable of 'int' (item 0 is '{type(s).__name__}')")


def contiguous_strides(size):
    strides = []
    acc = 1
    for s in reversed(size):
        strides.append(acc)
        if s > 1:  # size 0 and 1 dims do not scale the strides (``max(s, 1)``, without a call)
            acc *= s
    strides.reverse()
    return tuple(strides)


_CONTIG_STRIDES: dict = {}  # shape -> contiguous strides (bounded: cleared past 1024 shapes)


def cached_contiguous_strides(shape):
    """``contiguous_strides`` of a shape tuple, remembered (callers read ``_CONTIG_STRIDES``
    inline first)."""
    st = _CONTIG_STRIDES.get(shape)
    if st is None:
        if len(_CONTIG_STRIDES) > 1024:
            _CONTIG_STRIDES.clear()
        st = _CONTIG_STRIDES[shape] = contiguous_strides(shape)
    return st


# A ``Tensor._meta_slow`` bit: the instance's class has a ``__torch_function__`` of its own, so
# its metadata methods take the protocol (set by ``overrides``' ``__init_subclass__``).
META_TORCH_FUNCTION = 16


def _meta_call(api, impl, self, *args, **kwargs):
    """A metadata method's slow path (``Tensor.size``...): the ``__torch_function__`` protocol
    where a function mode is on or ``self``'s class overrides it, as PyTorch's TensorBase
    methods check it; then ``impl`` (which applies a subclass's metadata policies)."""
    if _TF_LIVE[0] or self._meta_slow & META_TORCH_FUNCTION:
        from .overrides import torch_function_dispatch
        return torch_function_dispatch(api, impl, (self,) + args, kwargs or None, (self,))
    return impl(self, *args, **kwargs)


def _protocol(fn):
    """``fn`` as a Tensor method under the ``__torch_function__`` protocol: handlers get the
    method itself as ``func``.  Exact Tensors pay one check while no function mode is on."""
    def method(self, *args, **kwargs):
        if _TF_LIVE[0] or self._meta_slow & META_TORCH_FUNCTION:
            from .overrides import torch_function_dispatch
            return torch_function_dispatch(method, fn, (self,) + args, kwargs, (self,))
        return fn(self, *args, **kwargs)
    method.__name__, method.__qualname__, method.__doc__ = fn.__name__, fn.__qualname__, \
        fn.__doc__
    method.__wrapped__ = fn
    return method


def _dim_arg(name, args, kwargs):
    """The optional ``dim`` of ``size``/``stride`` from how it was passed, with the
    TypeErrors PyTorch's argument parser raises."""
    if len(args) > 1:
        raise TypeError(f"{name}() takes from 0 to 1 positional arguments but {len(args)} were "
                        "given")
    for k in kwargs:
        if k != "dim":
            raise TypeError(f"{name}() got an unexpected keyword argument '{k}'")
        if args:
            raise TypeError(f"{name}() got multiple values for argument 'dim'")
    dim = args[0] if args else kwargs["dim"]
    if dim is None or type(dim) is int:
        return dim
    if isinstance(dim, bool) or not hasattr(dim, "__index__"):
        where = " (position 1)" if args else ""
        raise TypeError(f"{name}(): argument 'dim'{where} must be int, not "
                        f"{type(dim).__name__}")
    return dim.__index__()


class Tensor:
    """A multi-dimensional array on a device, as ``torch.Tensor``."""

    __slots__ = ("_np", "_size", "_stride_", "_offset", "dtype", "_device", "_ks", "_vc",
                 "_storage", "__weakref__", "__dict__")

    # Rarely-set fields live in the instance __dict__ only once set; these class-level
    # defaults keep tensor creation (the hot path of every op) to the nine slots above.
    _base = None
    _requires_grad = False
    _hooks = None
    _retains_grad = False
    _view_meta = None
    _xview = False  # (a view_as_real/view_as_complex output: see autograd's view replay)
    _view_fn = None  # (how to remake this view from its base: autograd._view_func)
    # Autograd fields (``grad``, ``grad_fn``, ``is_leaf``, ``backward``, hooks... are attached
    # by ``kindling.autograd._tensor_methods``, which owns their behaviour).
    _grad = None
    _grad_node = None  # (``_grad_fn`` is the public property: autograd._tensor_methods)
    _output_nr = 0
    _fw_grads = None   # level -> tangent (forward AD)
    _fw_view = None    # a view's forward base when not ``_base`` (autograd/_fw_grad.py)
    # Subclass instances made with a metadata slow path (``dispatch_sizes_strides_policy``,
    # ``dispatch_device``, ``dispatch_layout``) ask ``__torch_dispatch__`` (kindling._tensor_subclass).
    _meta_slow = 0

    # Tensor() with no arguments is an empty float tensor, as in PyTorch.
    def __new__(cls, *args, **kwargs):
        from ._aten import factories
        return factories.legacy_new(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        pass

    # ---- identity / metadata ----------------------------------------------------------------
    @property
    def shape(self):
        if self._meta_slow:
            return _sub().slow_size(self)
        return _tuple_new(Size, self._size)

    def size(self, *args, **kwargs):
        if self._meta_slow or _TF_LIVE[0]:
            return _meta_call(Tensor.size, _sub().slow_size, self, *args, **kwargs)
        if not args and not kwargs:
            return _tuple_new(Size, self._size)
        dim = _dim_arg("size", args, kwargs)
        if dim is None:
            return _tuple_new(Size, self._size)
        return self._size[_wrap_dim(dim, len(self._size))]

    def dim(self):
        if self._meta_slow or _TF_LIVE[0]:
            return _meta_call(Tensor.dim, _sub().slow_dim, self)
        return len(self._size)

    ndimension = dim

    @property
    def ndim(self):
        if self._meta_slow:
            return _sub().slow_dim(self)
        return len(self._size)

    def numel(self):
        if self._meta_slow or _TF_LIVE[0]:
            return _meta_call(Tensor.numel, _sub().slow_numel, self)
        n = 1
        for s in self._size:
            n *= s
        return n

    nelement = numel

    def _stride(self):
        st = self._stride_
        if st is None:
            a = self._np
            if a.flags.c_contiguous:
                # (a kernel's result, nearly always: its shape's contiguous strides, cached -
                # also what PyTorch reports for empty arrays and for size-1 dims)
                shape = a.shape
                st = _CONTIG_STRIDES.get(shape) or cached_contiguous_strides(shape)
                self._stride_ = st
            elif a.size == 0:  # NumPy gives empty arrays zero strides; PyTorch contiguous ones
                st = self._stride_ = contiguous_strides(a.shape)
            else:
                isz = self.dtype.itemsize
                st = self._stride_ = tuple([s // isz for s in a.strides])
        return st

    def stride(self, *args, **kwargs):
        if self._meta_slow or _TF_LIVE[0]:
            return _meta_call(Tensor.stride, _sub().slow_stride, self, *args, **kwargs)
        st = self._stride_
        if st is None:  # (computed once, by _stride; the cached value is read inline)
            st = self._stride()
        if not args and not kwargs:
            return st
        dim = _dim_arg("stride", args, kwargs)
        if dim is None:
            return st
        return st[_wrap_dim(dim, len(st))]

    def storage_offset(self):
        if self._meta_slow or _TF_LIVE[0]:
            return _meta_call(Tensor.storage_offset, _sub().slow_storage_offset, self)
        return self._offset

    @property
    def device(self):
        if self._meta_slow:
            return _sub().slow_device(self)
        return self._device

    @property
    def layout(self):
        if self._meta_slow or self._np is None:
            return _sub().slow_layout(self)
        return _layout.strided

    @property
    def is_meta(self):
        return self._device.type == "meta"

    @property
    def is_cpu(self):
        return self._device.type == "cpu"

    @property
    def is_cuda(self):
        return False

    @property
    def is_sparse(self):
        return False

    @property
    def is_quantized(self):
        return False

    @property
    def is_mkldnn(self):
        return False

    @property
    def is_nested(self):
        return False

    @_protocol
    def get_device(self):
        return -1 if self._device.type == "cpu" else (self._device.index or 0)

    @_protocol
    def element_size(self):
        return self.dtype.itemsize

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.numel() * self.dtype.itemsize

    @_protocol
    def is_floating_point(self):
        return self.dtype.is_floating_point

    @_protocol
    def is_complex(self):
        return self.dtype.is_complex

    @_protocol
    def is_signed(self):
        return self.dtype.is_signed

    def is_contiguous(self, memory_format=_layout.contiguous_format):
        if self._meta_slow or _TF_LIVE[0]:
            if memory_format is _layout.contiguous_format:
                return _meta_call(Tensor.is_contiguous, Tensor._is_contiguous, self)
            return _meta_call(Tensor.is_contiguous, Tensor._is_contiguous, self, memory_format)
        if memory_format is _layout.contiguous_format and self._np is not None:
            # The array addresses exactly this tensor's elements with its strides, and NumPy's
            # C-contiguity is PyTorch's rule (size-1 dims ignored, empty arrays contiguous)
            return self._np.flags.c_contiguous
        return self._is_contiguous(memory_format)

    def _is_contiguous(self, memory_format=_layout.contiguous_format):
        if self._meta_slow:
            r = _sub().slow_is_contiguous(self, memory_format)
            if r is not None:
                return r
        if memory_format is _layout.contiguous_format:
            if self._np is not None:
                return self._np.flags.c_contiguous  # (as in is_contiguous)
            return _is_contig(self._size, self._stride_)
        size, st = self._size, self._stride()
        if memory_format is _layout.channels_last:
            if len(size) != 4:
                return False
            n, c, h, w = size
            p = (size[0], size[2], size[3], size[1])
            ps = (st[0], st[2], st[3], st[1])
            return _is_contig(p, ps)
        if memory_format is _layout.preserve_format:
            raise RuntimeError("is_contiguous(): preserve_memory_format is not supported")
        return False

    def is_non_overlapping_and_dense(self):
        if self._meta_slow:
            r = _sub().slow_is_non_overlapping_and_dense(self)
            if r is not None:
                return r
        return non_overlapping_and_dense(self._size, self._stride())

    @_protocol
    def untyped_storage(self):
        s = self._storage
        if s is None:
            s = self._materialize_storage()
        return s

    def _untyped_storage(self):
        """``untyped_storage()`` without the protocol (kindling's own callers)."""
        s = self._storage
        if s is None:
            s = self._materialize_storage()
        return s

    def storage(self):
        """The deprecated ``TypedStorage`` view of ``untyped_storage()`` (warns once)."""
        from .storage import _warn_typed_storage_removal
        # (3: the warning points at the caller, past the __torch_function__ wrapper)
        _warn_typed_storage_removal(stacklevel=3)
        return self._typed_storage()

    def _typed_storage(self):
        from .storage import TypedStorage
        return TypedStorage(wrap_storage=self._untyped_storage(), dtype=self.dtype,
                            _internal=True)

    def _materialize_storage(self):
        arr = self._np
        if arr is None and self._device.type != "meta":  # a wrapper subclass: no memory
            return _sub().wrapper_storage(self)
        storage, _ = storage_for_array(arr)
        self._storage = storage
        return storage

    def data_ptr(self):
        if self._meta_slow or _TF_LIVE[0]:
            return _meta_call(Tensor.data_ptr, _sub().slow_data_ptr, self)
        if self._np is None:
            return 0
        return self._np.__array_interface__["data"][0]

    def _is_view(self):
        return self._base is not None

    @property
    def _version(self):
        vc = self._vc
        if vc is NO_VERSION:
            raise RuntimeError("Inference tensors do not track version counter.")
        return vc[0] if len(vc) == 1 else user_version(vc, vc[0])

    def is_inference(self):
        """Whether this tensor was allocated in inference mode (or is a view of one)."""
        return not self._ks & ADIOV_BIT

    def _bump_version(self):
        self._vc[0] += 1

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(bool(value))

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place on a leaf; only floating and complex tensors can."""
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if requires_grad and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def retains_grad(self):
        return self._retains_grad

    # ---- Python numbers ----------------------------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number."""
        from ._aten import _defop
        return _defop.call_item(self)

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous"
                if self.numel() > 1 else
                "Boolean value of Tensor with no values is ambiguous")
        return bool(self.item())

    def __int__(self):
        return int(self._scalar_for("int"))

    def __float__(self):
        return float(self._scalar_for("float"))

    def __complex__(self):
        return complex(self._scalar_for("complex"))

    def _scalar_for(self, what):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        v = self.item()
        if what != "complex" and isinstance(v, complex):
            if v.imag != 0:
                ctype = "int64_t" if what == "int" else "double"
                raise RuntimeError(f"value cannot be converted to type {ctype} without overflow")
            v = v.real
        return v

    def __index__(self):
        if self.dtype.is_floating_point or self.dtype.is_complex or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __format__(self, spec):
        if self.dim() == 0 and not self.is_meta:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __len__(self):
        if not self._size:
            raise TypeError("len() of a 0-d tensor")
        return self._size[0]

    def __iter__(self):
        if self.dim() == 0:  # (a method call, as PyTorch's: function modes see it)
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __contains__(self, element):
        if isinstance(element, (Tensor, int, float, bool, complex)):
            return bool((element == self).any().item())
        raise RuntimeError(
            "Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
            f"{type(element)}.")

    def __reversed__(self):
        if self.dim() == 0:
            return self
        return self.flip(0)

    # ---- NumPy / lists / DLPack --------------------------------------------------------------
    def tolist(self):
        if self._ks & _PY_KEYS:
            raise RuntimeError(".tolist() is not supported for tensor subclasses, got "
                               f"{type(self).__name__}")
        if self._ks & _ZT_BIT:  # (PyTorch's zero tensors have no storage)
            raise RuntimeError("tolist() shouldn't be called on a tensor with unallocated "
                               "storage")
        from ._aten import _defop
        return _defop.call_tolist(self)

    def numpy(self, *, force=False):
        """A NumPy array sharing this tensor's memory (CPU tensors that don't require grad)."""
        if self._ks & _PY_KEYS:
            raise RuntimeError(".numpy() is not supported for tensor subclasses.")
        if self._device.type != "cpu":
            raise TypeError(
                f"can't convert {self._device.type} device type tensor to numpy. Use "
                "Tensor.cpu() to copy the tensor to host memory first.")
        if self._ks & _ZT_BIT and not force:
            raise RuntimeError(" Cannot convert a ZeroTensor to numpy. Set force=True if you "
                               "need the zero array.")
        if self._ks & _CONJ_BIT:
            raise RuntimeError("Can't call numpy() on Tensor that has conjugate bit set. Use "
                               "tensor.resolve_conj().numpy() instead.")
        if self._ks & _NEG_BIT:
            raise RuntimeError("Can't call numpy() on Tensor that has negative bit set. Use "
                               "tensor.resolve_neg().numpy() instead.")
        if not force and _tls.grad_enabled and (
                self._requires_grad or self._base is not None and
                type(self).requires_grad.fget(self)):
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self.dtype is _dtype.bfloat16 and not force:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._np

    @_protocol
    def __array__(self, dtype=None, copy=None):
        a = self.numpy(force=False) if not self._requires_grad else self.detach().numpy()
        if dtype is not None:
            return a.astype(dtype, copy=False)
        return a

    @_protocol
    def __dlpack__(self, stream=None, **kwargs):
        if self._requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return self._np.__dlpack__(**{k: v for k, v in kwargs.items()
                                      if k in ("max_version", "dl_device", "copy")})

    def __dlpack_device__(self):
        return (1, 0)

    # ---- subclasses (kindling._tensor_subclass) ------------------------------------------------
    @staticmethod
    def _make_subclass(cls, data, require_grad=False, **kwargs):
        """A ``cls`` instance sharing ``data``'s storage, detached from its graph."""
        return _sub().make_subclass(cls, data, require_grad, **kwargs)

    @staticmethod
    def _make_wrapper_subclass(cls, size, *args, **kwargs):
        """A ``cls`` instance with the given metadata and no memory of its own."""
        return _sub().make_wrapper_subclass(cls, size, *args, **kwargs)

    def as_subclass(self, cls):
        """A ``cls`` instance aliasing this tensor (it stays in the autograd graph)."""
        return _sub().as_subclass(self, cls)

    # ---- printing ----------------------------------------------------------------------------
    def __repr__(self, *, tensor_contents=None):
        from . import _tensor_str
        return _tensor_str._str(self, tensor_contents=tensor_contents)

    def __str__(self):
        return self.__repr__()

    # ---- misc --------------------------------------------------------------------------------
    def _typed_legacy_name(self):
        return f"torch.{self.dtype._legacy}Tensor"

    @_protocol
    def type(self, dtype=None, non_blocking=False, **kwargs):
        """Without ``dtype``: the legacy type name (``'torch.FloatTensor'``).  With a dtype, a
        legacy type (``torch.DoubleTensor``) or its name: this tensor converted to it, or
        itself when it already is one."""
        if kwargs:
            raise TypeError(f"type() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if dtype is None:
            if self._device.type == "cpu":
                return self._typed_legacy_name()
            return f"torch.{self._device.type}.{self.dtype._legacy}Tensor"
        device = "cpu"
        if isinstance(dtype, str):
            name = dtype
            if name.startswith("torch.cuda."):
                device, name = "cuda", "torch." + name[len("torch.cuda."):]
            if name == "torch.Tensor":
                dtype = _dtype.get_default_dtype()
            elif name in _LEGACY_NAMES:
                dtype = _LEGACY_NAMES[name]
            else:
                raise ValueError(f"invalid type: '{dtype}'")
        elif dtype is Tensor:
            dtype = _dtype.get_default_dtype()
        elif isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), _dtype.dtype):
            device = "cuda" if getattr(dtype, "is_cuda", False) else "cpu"
            dtype = dtype.dtype  # (a legacy type: torch.DoubleTensor...)
        elif isinstance(dtype, _dtype.dtype):
            device = self._device.type
        else:
            raise TypeError("dtype must be a type, str, or dtype object")
        if dtype is self.dtype and device == self._device.type:
            return self
        return self.to(device=device, dtype=dtype, non_blocking=non_blocking)

    @_protocol
    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment.  If you were attempting to deepcopy a "
                "module, this may be because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001")
        if type(self) is not Tensor:
            return _sub().deepcopy_subclass(self, memo)
        new = self.clone() if self._np is None else self.detach().clone()
        new._requires_grad = self._requires_grad
        memo[id(self)] = new
        # (as PyTorch's: the gradient and the user's attributes are deep-copied too; kindling's
        # own fields in ``__dict__`` all start with an underscore)
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        if self.__dict__:
            import copy
            for k, v in self.__dict__.items():
                if not k.startswith("_"):
                    new.__dict__[k] = copy.deepcopy(v, memo)
        return new

    def __reduce_ex__(self, proto):
        if type(self) is not Tensor:
            return _sub().reduce_subclass(self, proto)
        # The elements travel as one NumPy buffer.  Under protocol 5 (Dask, multiprocessing)
        # a contiguous tensor's buffer goes out of band without a copy; older protocols (and
        # copy.copy) get a private copy.
        arr = self._np
        if arr is not None:
            arr = np.ascontiguousarray(arr) if proto >= 5 else np.array(arr)
        args = (arr, tuple(self._size), str(self._device), self.dtype._name,
                self._requires_grad)
        state = _sub()._user_state(self) if self.__dict__ else None
        if state:  # (attributes users set travel too, as PyTorch's _rebuild_from_type_v2)
            from ._utils import _rebuild_from_type_v2
            return (_rebuild_from_type_v2, (_rebuild_tensor, Tensor, args, state))
        return (_rebuild_tensor, args)

    def __setstate__(self, state):
        pass


_PY_KEYS = bit(K.Python)


_SUB = []


def _sub():
    """``kindling._tensor_subclass`` (imported on first use: it builds on this module)."""
    if not _SUB:
        from . import _tensor_subclass
        _SUB.append(_tensor_subclass)
    return _SUB[0]


def _rebuild_tensor(arr, size, device, dtype_name, requires_grad):
    dt = _dtype._ALL[dtype_name]
    if arr is None:
        from ._aten import factories
        t = factories.empty_meta(size, dt)
    else:
        # Out-of-band buffers may arrive read-only (bytes received from a socket).
        # (ascontiguousarray makes a 0-dim array 1-d: the size restores it)
        t = from_array((np.array(arr) if not arr.flags.writeable
                        else np.ascontiguousarray(arr)).reshape(size))
    t._requires_grad = requires_grad
    return t


_LEGACY_NAMES = {f"torch.{d._legacy}Tensor": d for d in _dtype._ALL.values()}


def non_overlapping_and_dense(size, stride):
    """Whether the geometry covers a dense block with no element seen twice (any dim order)."""
    pairs = sorted((st, sz) for sz, st in zip(size, stride) if sz != 1)
    expect = 1
    for st, sz in pairs:
        if sz == 0:
            return True
        if st != expect:
            return False
        expect *= sz
    return True


def _is_contig(size, stride):
    expect = 1
    for sz, st in zip(reversed(size), reversed(stride)):
        if sz == 1:
            continue
        if sz == 0:
            return True
        if st != expect:
            return 0 in size  # (an empty tensor is contiguous, whatever its strides)
        expect *= sz
    return True


def _wrap_dim(dim, ndim):
    from ._aten._util import wrap_dim
    return wrap_dim(dim, ndim)


# ---- constructors (used by kernels; they bypass Tensor.__new__) --------------------------------
_new = object.__new__


_CPU = _device.CPU


_CONJ_BIT, _NEG_BIT, _ZT_BIT = bit(K.Conjugate), bit(K.Negative), bit(K.ZeroTensor)
_MATH_BITS = _CONJ_BIT | _NEG_BIT | _ZT_BIT


def logical_values(t):
    """The values a tensor stands for: its NumPy view with a conjugate or negative bit applied
    (those views share memory with the unconjugated / un-negated data)."""
    a = t._np
    if t._ks & (_CONJ_BIT | _NEG_BIT):
        if t._ks & _CONJ_BIT:
            a = np.conj(a)
        if t._ks & _NEG_BIT:
            a = np.negative(a)
    return a


def from_array(arr: np.ndarray, cls=Tensor, dtype=None) -> Tensor:
    """A fresh CPU tensor owning ``arr`` (a kernel's result). ``arr`` must not alias an input.
    ``dtype``: the kindling dtype of ``arr``, when the caller knows it."""
    t = _new(cls)
    t._np = arr
    t._size = arr.shape
    # (strides computed on first use by _stride: NumPy flags every empty array C-contiguous,
    # so those get the contiguous strides PyTorch gives them, whatever NumPy's own)
    t._stride_ = None
    t._offset = 0
    t.dtype = dtype or _NP_TO[arr.dtype]
    t._device = _CPU
    if _INF[0] and _tls.inference_mode:  # (c10::TensorImpl's constructor: an inference tensor)
        t._ks = _CPU_INFERENCE_KEYS
        t._vc = NO_VERSION
    else:
        t._ks = CPU_KEYS
        t._vc = [0]
    t._storage = None
    return t


def make_tensor(storage, size, stride, offset, dtype, device, cls=Tensor, vc=None, base=None,
                arr=None):
    """A tensor over ``storage`` with the given geometry (views, meta tensors, from_numpy).

    ``arr``: the tensor's ndarray when the caller already has it, addressing exactly these
    elements (view kernels slice or reshape the base's array: several times cheaper than an
    ndarray built over the storage)."""
    t = _new(cls)
    size = tuple(size)
    stride = tuple(stride)
    if arr is not None:
        t._np = arr
    elif storage._data is not None:
        isz = dtype.itemsize
        t._np = np.ndarray(size, dtype=dtype._np, buffer=storage._data,
                           offset=offset * isz if all(size) else 0,
                           strides=tuple(s * isz for s in stride))
    else:
        t._np = None
    t._size = size
    t._stride_ = stride
    t._offset = offset
    t.dtype = dtype
    t._device = storage.device
    ks = _DEVICE_KEYS[storage.device.type]
    if vc is None:  # a new tensor: an inference tensor when made in inference mode
        if _INF[0] and _tls.inference_mode:
            ks &= ~INFERENCE_STRIP
            vc = NO_VERSION
        else:
            vc = [0]
    elif vc is NO_VERSION:  # an alias of an inference tensor
        ks &= ~INFERENCE_STRIP
    t._ks = ks
    t._vc = vc
    t._storage = storage
    if base is not None:
        t._base = base
    return t


def check_storage_bounds(storage, size, stride, offset, dtype):
    """PyTorch's out-of-bounds check for a geometry over a storage."""
    if any(s < 0 for s in size):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    if any(s == 0 for s in size):
        return
    need = (offset + 1 + sum((n - 1) * st for n, st in zip(size, stride))) * dtype.itemsize
    if need > storage.nbytes():
        raise RuntimeError(
            f"setStorage: sizes [{', '.join(map(str, size))}], strides "
            f"[{', '.join(map(str, stride))}], storage offset {offset}, and itemsize "
            f"{dtype.itemsize} requiring a storage size of {need} are out of bounds for storage "
            f"of size {storage.nbytes()}")


def make_view(base: Tensor, size, stride, offset, cls=None, arr=None, dtype=None) -> Tensor:
    """A view of ``base`` sharing its storage and version counter (``_base`` set); ``arr`` as
    for ``make_tensor``; ``dtype`` for views that reinterpret it (``view_as_real``).  A view of an inference tensor is an inference tensor and not a
    tracked view (no ``_base``); a view of a normal tensor made in inference mode gets the
    INFERENCE_MODE creation_meta (what PyTorch's ADInplaceOrView kernel records)."""
    bks = base._ks
    if arr is not None and bks & ADIOV_BIT and cls is None and dtype is None and \
            not (_INF[0] and _tls.inference_mode):
        # The common view (a kernel's NumPy view of a normal tensor's array), made here in one
        # frame
        root = base._base
        if root is None:
            root = base
        storage = root._storage
        if storage is None:  # (a kernel's fresh result: _materialize_storage's work)
            storage = root._storage = storage_for_array(root._np)[0] \
                if root._np is not None else root._untyped_storage()
        t = _new(Tensor)
        t._np = arr
        t._size = size if type(size) is tuple else tuple(size)
        t._stride_ = stride if type(stride) is tuple else tuple(stride)
        t._offset = offset
        t.dtype = base.dtype
        dev = t._device = base._device
        t._ks = _DEVICE_KEYS[dev.type] | (bks & _MATH_BITS)
        t._vc = base._vc
        t._storage = storage
        t._base = root
        return t
    storage = base._untyped_storage()
    dt = base.dtype if dtype is None else dtype
    if not bks & ADIOV_BIT:
        t = make_tensor(storage, size, stride, offset, dt, base._device,
                        cls or Tensor, vc=NO_VERSION, arr=arr)
    else:
        root = base._base if base._base is not None else base
        t = make_tensor(storage, size, stride, offset, dt, base._device,
                        cls or Tensor, vc=base._vc, base=root, arr=arr)
        if _INF[0] and _tls.inference_mode:
            t._view_meta = (t._vc[0], INFERENCE_VIEW_CREATION)
    if base._ks & _MATH_BITS:  # (a view keeps its base's conjugate/negative/zero bits)
        t._ks |= base._ks & _MATH_BITS
    return t


def from_numpy_shared(arr: np.ndarray) -> Tensor:
    """``torch.from_numpy``: a CPU tensor sharing ``arr``'s memory."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    dt = _dtype.from_numpy_dtype(arr.dtype)
    if any(s < 0 for s in arr.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with negative "
            "strides are not currently supported. (You can probably work around this by making "
            "a copy of your array  with array.copy().) ")
    if any(s % arr.itemsize for s in arr.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. "
                         "Copy the numpy array to reallocate the memory.")
    storage, off = storage_for_array(arr)
    stride = tuple(s // arr.itemsize for s in arr.strides)
    return make_tensor(storage, arr.shape, stride, off, dt, _device.CPU)
