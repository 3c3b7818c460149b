"""Collation: turning a list of samples into a batch (``default_collate``), and
converting NumPy leaves to tensors without batching (``default_convert``)."""

import collections.abc
import copy
import re
from collections.abc import Callable

import numpy as np

import kindling

# dtype.str kinds that cannot become tensors: bytes, str, unicode, object
np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, "
    "dicts or lists; found {}"
)


def _rebuild_mapping(template, items, leaf_fn):
    """A mapping like ``template`` whose values are ``leaf_fn(key)``.

    Mutable mappings are copied and updated (keeping extra attributes of the type);
    others are rebuilt through their constructor; types that support neither give a dict.
    """
    try:
        if isinstance(template, collections.abc.MutableMapping):
            clone = copy.copy(template)
            clone.update({key: leaf_fn(key) for key in items})
            return clone
        return type(template)({key: leaf_fn(key) for key in items})
    except TypeError:
        return {key: leaf_fn(key) for key in items}


def _rebuild_sequence(template, parts, leaf_fn):
    """A sequence like ``template`` holding ``leaf_fn(part)`` for each part (as for mappings)."""
    try:
        if isinstance(template, collections.abc.MutableSequence):
            clone = copy.copy(template)
            for i, part in enumerate(parts):
                clone[i] = leaf_fn(part)
            return clone
        return type(template)([leaf_fn(part) for part in parts])
    except TypeError:
        return [leaf_fn(part) for part in parts]


def default_convert(data):
    """Convert NumPy arrays and scalars inside ``data`` to tensors, keeping the structure.

    Tensors and non-NumPy leaves are returned as they are; NumPy arrays of strings
    or objects too. Mappings, namedtuples and sequences are converted element-wise
    (plain tuples become lists). Used by DataLoader when automatic batching is off.
    """
    elem_type = type(data)
    if isinstance(data, kindling.Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if (elem_type.__name__ == "ndarray"
                and np_str_obj_array_pattern.search(data.dtype.str) is not None):
            return data
        return kindling.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, data, lambda key: default_convert(data[key]))
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, data, default_convert)
    return data


def collate(batch, *, collate_fn_map: dict[type | tuple[type, ...], Callable] | None = None):
    """Collate ``batch`` (a list of samples) by the type of its first element.

    ``collate_fn_map`` maps element types to functions ``fn(batch, *, collate_fn_map)``:
    an exact type match wins, otherwise the first key ``isinstance`` accepts, in
    insertion order. Otherwise mappings, namedtuples and sequences are collated
    field by field, recursively; anything else raises ``TypeError``.
    """
    elem = batch[0]
    elem_type = type(elem)

    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)

    def recurse(samples):
        return collate(samples, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_mapping(elem, elem, lambda key: recurse([d[key] for d in batch]))
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(recurse(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        rest = iter(batch)
        elem_size = len(next(rest))
        if not all(len(e) == elem_size for e in rest):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))  # tuples, as PyTorch hands them to collate functions
        if isinstance(elem, tuple):
            return [recurse(samples) for samples in transposed]
        return _rebuild_sequence(elem, transposed, recurse)

    raise TypeError(default_collate_err_msg_format.format(elem_type))


def _sparse_layouts():
    names = ("sparse_coo", "sparse_csr", "sparse_bsr", "sparse_csc", "sparse_bsc")
    return {getattr(kindling, name) for name in names if hasattr(kindling, name)}


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Stack tensors along a new dimension 0."""
    elem = batch[0]
    if elem.is_nested:
        raise RuntimeError(
            "Batches of nested tensors are not currently supported by the default collate_fn; "
            "please provide a custom collate_fn to handle them appropriately.")
    if elem.layout is not kindling.strided and elem.layout in _sparse_layouts():
        raise RuntimeError(
            "Batches of sparse tensors are not currently supported by the default collate_fn; "
            "please provide a custom collate_fn to handle them appropriately.")
    return kindling.stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    """Convert NumPy arrays to tensors, then collate those (string/object arrays are refused)."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([kindling.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    """NumPy scalars become one 1-d tensor of their dtype."""
    return kindling.as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    """Python floats become a float64 tensor."""
    return kindling.tensor(batch, dtype=kindling.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    """Python ints (and bools) become an int64 tensor."""
    return kindling.tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    """Strings and bytes stay a list."""
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    kindling.Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,  # memmap too, as a subclass
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Collate a list of samples into a batch, PyTorch's default ``collate_fn``.

    Tensors are stacked (new dimension 0); NumPy arrays and scalars become tensors
    and are stacked; floats give a float64 tensor, ints an int64 tensor; str and
    bytes stay lists; mappings, namedtuples and sequences are collated per field
    (tuples come back as lists).
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
