"""``torch.library.opcheck``: check an operator's registrations against its behaviour.

* ``test_schema``: run the op on copies of the inputs; arguments it mutates must be declared
  mutable, and outputs may not alias inputs the schema does not say they alias;
* ``test_autograd_registration``: with inputs that require grad, the op must have a kernel at
  an Autograd key (or be CompositeImplicitAutograd) if its outputs require grad;
* ``test_faketensor``: the op runs on meta copies of the inputs and the outputs' metadata
  (sizes, dtype, significant strides) match the real outputs';
* ``test_aot_dispatch_static`` / ``test_aot_dispatch_dynamic``: kindling has no AOT autograd;
  as an eager analogue the op is run twice on fresh copies and must give the same result.
"""
from __future__ import annotations

import numpy as np

from .._dispatcher.keys import K
from .._tensor import Tensor


class OpCheckError(Exception):
    pass


def _map_tensors(x, fn):
    if isinstance(x, Tensor):
        return fn(x)
    if isinstance(x, (list, tuple)):
        return type(x)(_map_tensors(v, fn) for v in x)
    if isinstance(x, dict):
        return {k: _map_tensors(v, fn) for k, v in x.items()}
    return x


def _leaves(x):
    if isinstance(x, (list, tuple)):
        for v in x:
            yield from _leaves(v)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _leaves(v)
    else:
        yield x


def _clone(t):
    c = t.detach().clone()
    if t.requires_grad:
        c.requires_grad_(True)
    return c


def _copy_inputs(args, kwargs):
    return _map_tensors(args, _clone), _map_tensors(kwargs, _clone)


def _values(t):
    if t._np is None:
        return None
    return np.array(t.detach()._np, copy=True)


def _storage_id(t):
    if t._np is None:
        return None
    return id(t._untyped_storage())


def schema_check(op, args, kwargs, **_):
    args, kwargs = _copy_inputs(args, kwargs)
    schema = op._schema
    named = []
    pos = [a for a in schema.arguments if not a.kwarg_only]
    for a, v in zip(pos, args):
        named.append((a, v))
    for a in schema.arguments:
        if a.name in kwargs:
            named.append((a, kwargs[a.name]))
    before = []
    for a, v in named:
        for t in _leaves(v):
            if isinstance(t, Tensor):
                before.append((a, t, _values(t)))
    out = op(*args, **kwargs)
    for a, t, vals in before:
        if vals is None:
            continue
        now = _values(t)
        changed = now.shape != vals.shape or not np.array_equal(now, vals, equal_nan=True)
        if changed and not a.is_write:
            raise RuntimeError(
                f"Argument {a.name} is not defined as mutable but was mutated")
    outs = list(_leaves(out))
    rets = schema.returns
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor) or o._np is None:
            continue
        ret = rets[i] if i < len(rets) else (rets[-1] if rets else None)
        declared = ret is not None and (ret.alias_info or ret.elem_alias_info) is not None
        for a, t, _ in before:
            if t._np is None:
                continue
            if _storage_id(t) == _storage_id(o) and not declared:
                raise RuntimeError(
                    f"Argument {a.name} is not defined to alias output but was aliasing")
    return out


def autograd_registration_check(op, args, kwargs, **_):
    flat = list(_leaves(args)) + list(_leaves(kwargs))
    tensors = [t for t in flat if isinstance(t, Tensor)]
    if not any(t.requires_grad for t in tensors):
        return
    args, kwargs = _copy_inputs(args, kwargs)
    flat = list(_leaves(args)) + list(_leaves(kwargs))
    devices = {t.device.type for t in flat if isinstance(t, Tensor)}
    if not devices.issubset(["cpu", "cuda", "xpu"]):
        raise NotImplementedError(
            f"autograd_registration_check: NYI devices other than CPU/CUDA/XPU, got {devices}")
    key = "AutogradCUDA" if "cuda" in devices else "AutogradCPU"
    entry = op._entry
    if entry.has_kernel_for(K[key]) or entry.has_kernel_for(K.Autograd) or \
            entry.has_kernel_for(K.CompositeImplicitAutograd):
        return
    outs = op(*args, **kwargs)
    ids = {id(a) for a in flat}
    if any(isinstance(o, Tensor) and o.requires_grad and id(o) not in ids
           for o in _leaves(outs)):
        raise AssertionError(
            f"{op.name()}: at least one output of this operator has requires_grad=True but the "
            "operator does not have an autograd kernel defined at an autograd key (e.g. "
            "DispatchKey::Autograd). This could mean that you have incorrectly registered an "
            "autograd kernel to a non-Autograd DispatchKey, which may lead to silently "
            "incorrect results. If your operator consists of regular PyTorch operations, "
            "consider not using an operator at all or registering your operator as "
            "CompositeImplicitAutograd. If you have an autograd.Function registered to a "
            "backend (CPU/CUDA/XPU) key, the correct location for it is the Autograd key.")


def _to_meta(t):
    from .._aten._meta_util import empty_meta
    m = empty_meta(t.shape, t.dtype, stride=t.stride())
    return m


def fake_check(op, args, kwargs, **_):
    real_args, real_kwargs = _copy_inputs(args, kwargs)
    real = op(*real_args, **real_kwargs)
    meta_args = _map_tensors(args, _to_meta)
    meta_kwargs = _map_tensors(kwargs, _to_meta)
    fake = op(*meta_args, **meta_kwargs)
    from .._dispatch.python import check_metadata_matches
    check_metadata_matches(fake, real, lambda: f"{op}")


def aot_analogue_check(op, args, kwargs, rtol=None, atol=None, **_):
    a1, k1 = _copy_inputs(args, kwargs)
    a2, k2 = _copy_inputs(args, kwargs)
    r1, r2 = op(*a1, **k1), op(*a2, **k2)
    l1, l2 = list(_leaves(r1)), list(_leaves(r2))
    if len(l1) != len(l2):
        raise AssertionError(f"{len(l1)} != {len(l2)}")
    for x, y in zip(l1, l2):
        if isinstance(x, Tensor):
            if x._np is None:
                continue
            ok = np.allclose(_values(x), _values(y), rtol=rtol or 1e-5, atol=atol or 1e-8,
                             equal_nan=True)
            if not ok:
                raise AssertionError(f"{op}: outputs differ between two runs on the same "
                                     "inputs")
        elif x != y:
            raise AssertionError(f"{op}: outputs differ between two runs: {x} != {y}")


ALL_TEST_UTILS = {
    "test_schema": schema_check,
    "test_autograd_registration": autograd_registration_check,
    "test_faketensor": fake_check,
    "test_aot_dispatch_static": aot_analogue_check,
    "test_aot_dispatch_dynamic": aot_analogue_check,
}


def opcheck(op, args, kwargs=None, *, test_utils, raise_exception=True, rtol=None, atol=None):
    from .._ops import OpOverload, OpOverloadPacket
    from .custom_ops import CustomOpDef
    if (rtol is None) ^ (atol is None):
        raise ValueError(
            "opcheck(op, ...): if you specify one of rtol/atol, you must specify both")
    if kwargs is None:
        kwargs = {}
    if isinstance(op, CustomOpDef):
        op = op._opoverload
    if isinstance(op, OpOverloadPacket):
        names = op.overloads()
        if len(names) != 1:
            raise ValueError(
                f"opcheck(op, ...): op must be an OpOverload or an OpOverloadPacket with a "
                f"single overload, got {op} with overloads {names}")
        op = getattr(op, names[0])
    if not isinstance(op, OpOverload):
        raise ValueError(
            "opcheck(op, ...): op must be instance of torch._ops.OpOverload, e.g. "
            f"torch.ops.aten.sin.default, got {type(op)}")
    if test_utils == "ALL":
        test_utils = tuple(ALL_TEST_UTILS.keys())
    if isinstance(test_utils, str):
        test_utils = (test_utils,)
    if not isinstance(test_utils, (tuple, list)) or not set(test_utils).issubset(
            ALL_TEST_UTILS.keys()):
        raise ValueError(
            f"opcheck(op, ..., test_utils={test_utils}), expected test_utils to be subset of "
            f"{tuple(ALL_TEST_UTILS.keys())} but it was not")
    results = {}
    for name in test_utils:
        try:
            ALL_TEST_UTILS[name](op, args, kwargs, rtol=rtol, atol=atol)
            results[name] = "SUCCESS"
        except Exception as ex:  # noqa: BLE001  (reported per test)
            if raise_exception:
                raise OpCheckError(
                    f"opcheck(op, ...): {name} failed with {ex} (scroll up for stack trace)"
                ) from ex
            results[name] = ex
    return results
