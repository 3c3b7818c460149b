"""``torch.testing._internal.two_tensor``: a wrapper subclass that runs every op twice.

``TwoTensor(a, b)`` holds two tensors of identical metadata; each op runs on ``a`` and on
``b`` and tensor results are paired again.  Aliasing follows the op's schema
(``return_and_correct_aliasing``): views share storage, in-place and ``out=`` ops return the
input object.
"""
from __future__ import annotations

import kindling as torch
from kindling.utils import _pytree as pytree
from kindling.utils._python_dispatch import TorchDispatchMode, return_and_correct_aliasing


class TwoTensor(torch.Tensor):
    @staticmethod
    def __new__(cls, a, b, outer_size=None, outer_stride=None, *, requires_grad=None):
        if outer_size is None:
            outer_size = a.size()
        if outer_stride is None:
            outer_stride = a.stride()
        if not (a.device == b.device and a.layout == b.layout
                and a.requires_grad == b.requires_grad and a.dtype == b.dtype):
            raise AssertionError(
                "Expected a and b to have same device, layout, requires_grad, and dtype")
        out = torch.Tensor._make_wrapper_subclass(
            cls, outer_size, strides=outer_stride, storage_offset=a.storage_offset(),
            device=a.device, layout=a.layout, requires_grad=requires_grad or a.requires_grad,
            dtype=a.dtype)
        if a.shape != b.shape:
            raise AssertionError(f"Expected a.shape == b.shape, got {a.shape} != {b.shape}")
        if a.stride() != b.stride():
            raise AssertionError(
                f"Expected a.stride() == b.stride(), got {a.stride()} != {b.stride()}")
        if a.storage_offset() != b.storage_offset():
            raise AssertionError(
                f"Expected a.storage_offset() == b.storage_offset(), got "
                f"{a.storage_offset()} != {b.storage_offset()}")
        return out

    def __init__(self, a, b, outer_size=None, outer_stride=None, *, requires_grad=None):
        self.a = a
        self.b = b

    def __repr__(self):
        return f"TwoTensor({self.a!r}, {self.b!r})"

    def __tensor_flatten__(self):
        return ["a", "b"], None

    @staticmethod
    def __tensor_unflatten__(inner_tensors, meta, outer_size, outer_stride):
        if meta is not None:
            raise AssertionError("Expected meta to be None")
        a, b = inner_tensors["a"], inner_tensors["b"]
        if type(a) is torch.Tensor:
            if outer_size is None:
                raise AssertionError("Expected outer_size to not be None")
            if outer_stride is None:
                raise AssertionError("Expected outer_stride to not be None")
        return TwoTensor(a, b, outer_size, outer_stride)

    @classmethod
    def __torch_dispatch__(cls, func, types, args, kwargs):
        if kwargs is None:
            kwargs = {}
        args_a = pytree.tree_map_only(TwoTensor, lambda x: x.a, args)
        args_b = pytree.tree_map_only(TwoTensor, lambda x: x.b, args)
        kwargs_a = pytree.tree_map_only(TwoTensor, lambda x: x.a, kwargs)
        kwargs_b = pytree.tree_map_only(TwoTensor, lambda x: x.b, kwargs)
        out_a = func(*args_a, **kwargs_a)
        out_b = func(*args_b, **kwargs_b)
        out_a_flat, spec = pytree.tree_flatten(out_a)
        out_b_flat = pytree.tree_leaves(out_b)
        # Ops returning non-tensors: assume both halves agree and use a's.
        out_flat = [cls(o_a, o_b) if isinstance(o_a, torch.Tensor) else o_a
                    for o_a, o_b in zip(out_a_flat, out_b_flat)]
        out = pytree.tree_unflatten(out_flat, spec)
        return return_and_correct_aliasing(func, args, kwargs, out)

    def get_elem_a(self):
        return self.a


def _is_tensor_constructor(func):
    schema = func._schema
    if any(a.type.base == "Tensor" for a in schema.arguments):
        return False
    return len(schema.returns) == 1 and schema.returns[0].type.base == "Tensor" and \
        not schema.returns[0].type.is_list


class TwoTensorMode(TorchDispatchMode):
    """Factory results become ``TwoTensor(out, out.clone())``."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if _is_tensor_constructor(func):
            out = TwoTensor(out, out.clone())
        return out
