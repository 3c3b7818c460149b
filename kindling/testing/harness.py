"""Turning sample descriptions into kindling and PyTorch tensors, and comparing results.

Used by the test suite; PyTorch is passed in by the caller (kindling never imports it).
"""
from __future__ import annotations

import numpy as np

from .samples import Arr, SampleInput


def _noncontig(arr, make, framework_from_numpy):
    """The same values laid out with doubled last-dim stride (non-contiguous)."""
    if arr.ndim == 0 or arr.size == 0:
        return make(arr)
    shape = arr.shape[:-1] + (arr.shape[-1] * 2,)
    big = np.zeros(shape, dtype=arr.dtype)
    big[..., ::2] = arr
    return framework_from_numpy(big)[..., ::2]


def to_kindling(x):
    """Replace every ``Arr`` leaf with a kindling tensor (copy of the values)."""
    import kindling
    if isinstance(x, Arr):
        mk = lambda a: kindling.from_numpy(np.array(a))  # noqa: E731
        t = _noncontig(x.value, mk, mk) if x.noncontig else mk(x.value)
        if x.requires_grad:
            t.requires_grad_(True)
        return t
    if isinstance(x, (list, tuple)):
        return type(x)(to_kindling(e) for e in x)
    if isinstance(x, dict):
        return {k: to_kindling(v) for k, v in x.items()}
    return _map_special(x, "kindling")


def to_torch(x, torch):
    """Replace every ``Arr`` leaf with a PyTorch tensor with the same values and layout."""
    if isinstance(x, Arr):
        mk = lambda a: torch.from_numpy(np.array(a))  # noqa: E731
        t = _noncontig(x.value, mk, mk) if x.noncontig else mk(x.value)
        if x.requires_grad:
            t.requires_grad_(True)
        return t
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(e, torch) for e in x)
    if isinstance(x, dict):
        return {k: to_torch(v, torch) for k, v in x.items()}
    return _map_special(x, torch)


def _map_special(x, target):
    """dtypes/devices/layouts in arguments: map kindling objects to the target framework."""
    import kindling
    if target == "kindling":
        return x
    torch = target
    if isinstance(x, kindling.dtype):
        return getattr(torch, x._name)
    if isinstance(x, kindling.device):
        return torch.device(str(x))
    if isinstance(x, kindling.memory_format):
        return getattr(torch, x._name)
    if isinstance(x, kindling.layout):
        return getattr(torch, x._name)
    return x


def sample_args(sample: SampleInput, torch=None):
    """(input, args, kwargs) materialised for kindling (torch=None) or PyTorch."""
    conv = to_kindling if torch is None else (lambda v: to_torch(v, torch))
    return conv(sample.input), conv(list(sample.args)), conv(dict(sample.kwargs))


def to_numpy(t):
    """A kindling or PyTorch tensor's values as an ndarray (bfloat16 widened to float32)."""
    if hasattr(t, "detach") and type(t).__module__.startswith("torch"):
        t = t.detach().resolve_conj().resolve_neg()
        if str(t.dtype) == "torch.bfloat16":
            t = t.float()
        return t.numpy()
    from .._tensor import logical_values
    a = logical_values(t)
    if a.dtype.kind == "V" or "bfloat16" in str(a.dtype):
        a = a.astype(np.float32)
    return np.asarray(a)


def assert_same(k, t, *, check_stride=False, rtol=1.3e-6, atol=1e-5, equal_nan=True):
    """Compare a kindling result with PyTorch's: type structure, dtype, shape, values (strides)."""
    import kindling
    if isinstance(t, (list, tuple)):
        assert isinstance(k, (list, tuple)), f"expected a sequence, got {type(k)}"
        assert len(k) == len(t), f"length {len(k)} != {len(t)}"
        for a, b in zip(k, t):
            assert_same(a, b, check_stride=check_stride, rtol=rtol, atol=atol)
        return
    if type(t).__name__ == "Tensor" or hasattr(t, "dtype") and hasattr(t, "shape") and \
            type(t).__module__.startswith("torch"):
        assert isinstance(k, kindling.Tensor), f"expected a Tensor, got {type(k)}"
        assert str(k.dtype) == str(t.dtype), f"dtype {k.dtype} != {t.dtype}"
        assert tuple(k.shape) == tuple(t.shape), f"shape {tuple(k.shape)} != {tuple(t.shape)}"
        if check_stride:
            assert tuple(k.stride()) == tuple(t.stride()), f"stride {k.stride()} != {t.stride()}"
            assert k.storage_offset() == t.storage_offset(), "storage_offset differs"
        if str(t.device) == "meta":
            return
        assert k.is_conj() == t.is_conj(), f"is_conj {k.is_conj()} != {t.is_conj()}"
        ka, ta = to_numpy(k), to_numpy(t)
        if ka.dtype.kind in "fc":
            np.testing.assert_allclose(ka, ta, rtol=rtol, atol=atol, equal_nan=equal_nan)
        else:
            np.testing.assert_array_equal(ka, ta)
        return
    if isinstance(t, float) and isinstance(k, float):
        assert np.isclose(k, t, rtol=rtol, atol=atol, equal_nan=True), f"{k} != {t}"
        return
    assert k == t, f"{k!r} != {t!r}"
