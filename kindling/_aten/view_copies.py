"""The ``*_copy`` forms of view ops (``view_copy``, ``t_copy``, ``unbind_copy``...): the view's
result cloned into a fresh contiguous tensor, with the view's derivative formulas under the
node name ``<ViewNode>_copy``, as torchgen generates them (``diagonal_copy`` and
``narrow_copy`` live with their views' families).
"""
from __future__ import annotations

from .. import _layout
from ._api import PUBLIC, public
from ._copy_out import copy_out_variant, copy_results_out
from ._defop import _ALL_OPS, defop
from ._ops_registry import aten


def _camel(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _view_copy(schema, base):
    """The ``*_copy`` overload ``schema`` of the view overload ``base`` (``"view.default"``)."""
    d = defop(schema, tags=("view_copy",))
    view_def = _ALL_OPS[base]
    view = view_def.op

    @d.explicit
    def _(*args, **kwargs):
        r = view(*args, **kwargs)
        if isinstance(r, (list, tuple)):
            return [aten.clone.default(t, memory_format=_layout.contiguous_format) for t in r]
        return aten.clone.default(r, memory_format=_layout.contiguous_format)

    if getattr(view_def, "nondiff", False):
        d.nondifferentiable()
    elif view_def.derivatives is not None:
        node = view_def.derivative_name or _camel(base.split(".")[0]) + "Backward0"
        d.derivative(node + "_copy", result=view_def.jvp_formula, **view_def.derivatives)
        d.complex_autograd = True  # (every view here is in GRADIENT_IMPLEMENTED_FOR_COMPLEX)
    return d


def _list_out_variant(functional, schema, kernel_name):
    """The ``out=`` overload of a ``*_copy`` returning a tensor list (``Tensor(a!)[] out ->
    ()``): each result resized into and copied to its ``out`` tensor (``kernel_name``: the
    C++ function PyTorch's size message names)."""
    d = defop(schema)  # (hand-written in native_functions.yaml: no view_copy/generated tags)
    d.out_error_name = d.schema.name  # (no derivatives.yaml entry either)
    op = functional.op

    @d.explicit
    def _(*args, out, **kwargs):
        results = op(*args, **kwargs)
        if len(out) != len(results):
            raise RuntimeError(f"{kernel_name} expected an out= argument of size "
                               f"{len(results)}, got size {len(out)}")
        copy_results_out(out, results)
    return d


def _define(name, overloads):
    """``overloads``: (copy schema, view overload, out schema) triples of one function."""
    ops = []
    returns_list = False
    for schema, base, out_schema in overloads:
        d = _view_copy(schema, base)
        if "-> Tensor[]" in schema:
            returns_list = True
            overload = out_schema.split("(")[0].split(".")[1]
            out = _list_out_variant(d, out_schema, f"{name}_{overload}")
        else:
            out = copy_out_variant(d, out_schema)
        ops += [d, out]
    f = public(name, *ops, method=False)
    if returns_list:  # (PyTorch's binding returns a tuple; with out= nothing)
        def fn(*args, **kwargs):
            r = f(*args, **kwargs)
            return None if r is None else tuple(r)
        fn.__name__ = name
        fn.__module__ = "kindling"
        PUBLIC[name] = fn


_define("alias_copy", [("alias_copy(Tensor self) -> Tensor", "alias.default",
                        "alias_copy.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)")])
_define("as_strided_copy", [(
    "as_strided_copy(Tensor self, SymInt[] size, SymInt[] stride, SymInt? storage_offset=None) "
    "-> Tensor", "as_strided.default",
    "as_strided_copy.out(Tensor self, SymInt[] size, SymInt[] stride, SymInt? "
    "storage_offset=None, *, Tensor(a!) out) -> Tensor(a!)")])
_define("expand_copy", [(
    "expand_copy(Tensor self, SymInt[] size, *, bool implicit=False) -> Tensor", "expand.default",
    "expand_copy.out(Tensor self, SymInt[] size, *, bool implicit=False, Tensor(a!) out) -> "
    "Tensor(a!)")])
_define("permute_copy", [(
    "permute_copy(Tensor self, int[] dims) -> Tensor", "permute.default",
    "permute_copy.out(Tensor self, int[] dims, *, Tensor(a!) out) -> Tensor(a!)")])
_define("split_with_sizes_copy", [(
    "split_with_sizes_copy(Tensor self, SymInt[] split_sizes, int dim=0) -> Tensor[]",
    "split_with_sizes.default",
    "split_with_sizes_copy.out(Tensor self, SymInt[] split_sizes, int dim=0, *, "
    "Tensor(a!)[] out) -> ()")])
_define("squeeze_copy", [
    ("squeeze_copy(Tensor self) -> Tensor", "squeeze.default",
     "squeeze_copy.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)"),
    ("squeeze_copy.dim(Tensor self, int dim) -> Tensor", "squeeze.dim",
     "squeeze_copy.dim_out(Tensor self, int dim, *, Tensor(a!) out) -> Tensor(a!)"),
    ("squeeze_copy.dims(Tensor self, int[] dim) -> Tensor", "squeeze.dims",
     "squeeze_copy.dims_out(Tensor self, int[] dim, *, Tensor(a!) out) -> Tensor(a!)")])
_define("t_copy", [("t_copy(Tensor self) -> Tensor", "t.default",
                    "t_copy.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)")])
_define("transpose_copy", [(
    "transpose_copy.int(Tensor self, int dim0, int dim1) -> Tensor", "transpose.int",
    "transpose_copy.int_out(Tensor self, int dim0, int dim1, *, Tensor(a!) out) -> Tensor(a!)")])
_define("unbind_copy", [(
    "unbind_copy.int(Tensor self, int dim=0) -> Tensor[]", "unbind.int",
    "unbind_copy.int_out(Tensor self, int dim=0, *, Tensor(a!)[] out) -> ()")])
_define("unfold_copy", [(
    "unfold_copy(Tensor self, int dimension, int size, int step) -> Tensor", "unfold.default",
    "unfold_copy.out(Tensor self, int dimension, int size, int step, *, Tensor(a!) out) -> "
    "Tensor(a!)")])
_define("unsqueeze_copy", [(
    "unsqueeze_copy(Tensor self, int dim) -> Tensor", "unsqueeze.default",
    "unsqueeze_copy.out(Tensor self, int dim, *, Tensor(a!) out) -> Tensor(a!)")])
_define("view_copy", [
    ("view_copy(Tensor self, SymInt[] size) -> Tensor", "view.default",
     "view_copy.out(Tensor self, SymInt[] size, *, Tensor(a!) out) -> Tensor(a!)"),
    ("view_copy.dtype(Tensor self, ScalarType dtype) -> Tensor", "view.dtype",
     "view_copy.dtype_out(Tensor self, ScalarType dtype, *, Tensor(a!) out) -> Tensor(a!)")])
_define("select_copy", [(
    "select_copy.int(Tensor self, int dim, SymInt index) -> Tensor", "select.int",
    "select_copy.int_out(Tensor self, int dim, SymInt index, *, Tensor(a!) out) -> Tensor(a!)")])
_define("slice_copy", [(
    "slice_copy.Tensor(Tensor self, int dim=0, SymInt? start=None, SymInt? end=None, "
    "SymInt step=1) -> Tensor", "slice.Tensor",
    "slice_copy.Tensor_out(Tensor self, int dim=0, SymInt? start=None, SymInt? end=None, "
    "SymInt step=1, *, Tensor(a!) out) -> Tensor(a!)")])
_define("split_copy", [(
    "split_copy.Tensor(Tensor self, SymInt split_size, int dim=0) -> Tensor[]", "split.Tensor",
    "split_copy.Tensor_out(Tensor self, SymInt split_size, int dim=0, *, Tensor(a!)[] out) "
    "-> ()")])
_define("detach_copy", [("detach_copy(Tensor self) -> Tensor", "detach.default",
                         "detach_copy.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)")])
_define("view_as_real_copy", [(
    "view_as_real_copy(Tensor self) -> Tensor", "view_as_real.default",
    "view_as_real_copy.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)")])
_define("view_as_complex_copy", [(
    "view_as_complex_copy(Tensor self) -> Tensor", "view_as_complex.default",
    "view_as_complex_copy.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)")])
