"""``torch.utils._pytree``: flatten nested containers to leaves and rebuild them.

Containers are tuples, lists, dicts (plain, ordered, default), namedtuples and any type given
to ``register_pytree_node``; everything else is a leaf.  Types match exactly (a ``Size`` is a
leaf, as in PyTorch).
"""
from __future__ import annotations

import collections
import dataclasses
from typing import Callable

__all__ = ["TreeSpec", "LeafSpec", "register_pytree_node", "tree_flatten", "tree_unflatten",
           "tree_leaves", "tree_structure", "tree_map", "tree_map_", "tree_map_only",
           "tree_map_only_", "tree_all", "tree_any", "tree_all_only", "tree_any_only",
           "arg_tree_leaves", "tree_iter", "treespec_pprint"]


@dataclasses.dataclass
class NodeDef:
    type: type
    flatten_fn: Callable
    unflatten_fn: Callable


SUPPORTED_NODES: dict = {}


def register_pytree_node(cls, flatten_fn, unflatten_fn, *, serialized_type_name=None,
                         to_dumpable_context=None, from_dumpable_context=None,
                         flatten_with_keys_fn=None):
    """Make ``cls`` a container: ``flatten_fn(x) -> (children, context)``,
    ``unflatten_fn(children, context) -> x``."""
    if cls in SUPPORTED_NODES:
        raise ValueError(f"{cls} is already registered as pytree node.")
    SUPPORTED_NODES[cls] = NodeDef(cls, flatten_fn, unflatten_fn)


_register_pytree_node = register_pytree_node


def _tuple_flatten(d):
    return list(d), None


def _list_flatten(d):
    return d, None


def _dict_flatten(d):
    return list(d.values()), list(d.keys())


def _dict_unflatten(values, context):
    return dict(zip(context, values))


def _ordereddict_unflatten(values, context):
    return collections.OrderedDict(zip(context, values))


def _defaultdict_flatten(d):
    return list(d.values()), (d.default_factory, list(d.keys()))


def _defaultdict_unflatten(values, context):
    factory, keys = context
    return collections.defaultdict(factory, zip(keys, values))


def _namedtuple_flatten(d):
    return list(d), type(d)


def _namedtuple_unflatten(values, context):
    return context(*values)


register_pytree_node(tuple, _tuple_flatten, lambda v, c: tuple(v))
register_pytree_node(list, _list_flatten, lambda v, c: list(v))
register_pytree_node(dict, _dict_flatten, _dict_unflatten)
register_pytree_node(collections.OrderedDict, _dict_flatten, _ordereddict_unflatten)
register_pytree_node(collections.defaultdict, _defaultdict_flatten, _defaultdict_unflatten)
register_pytree_node(collections.deque, lambda d: (list(d), d.maxlen),
                     lambda v, c: collections.deque(v, maxlen=c))

_NAMEDTUPLE = object()  # node key for namedtuples


def _is_namedtuple_instance(x) -> bool:
    t = type(x)
    return issubclass(t, tuple) and hasattr(t, "_fields") and t is not tuple


def _node_type(x):
    t = type(x)
    if t in SUPPORTED_NODES:
        return t
    if _is_namedtuple_instance(x):
        return _NAMEDTUPLE
    return None


def _get_node(t):
    if t is _NAMEDTUPLE:
        return NodeDef(tuple, _namedtuple_flatten, _namedtuple_unflatten)
    return SUPPORTED_NODES[t]


class TreeSpec:
    """The shape of a pytree: node type, its context, the children's specs."""

    def __init__(self, type, context, children_specs):
        self.type = type
        self.context = context
        self.children_specs = list(children_specs)
        self.num_leaves = sum(c.num_leaves for c in self.children_specs)
        self.num_nodes = 1 + sum(c.num_nodes for c in self.children_specs)
        self.num_children = len(self.children_specs)

    def is_leaf(self):
        return False

    def __eq__(self, other):
        return isinstance(other, TreeSpec) and not other.is_leaf() and \
            self.type == other.type and self.context == other.context and \
            self.children_specs == other.children_specs

    def __hash__(self):
        return id(self)

    def __repr__(self, indent=0):
        name = "namedtuple" if self.type is _NAMEDTUPLE else getattr(self.type, "__name__",
                                                                      str(self.type))
        children = ", ".join(c.__repr__() for c in self.children_specs)
        return f"TreeSpec({name}, {self.context}, [{children}])"

    def flatten_up_to(self, tree):
        leaves = []
        _flatten_up_to(self, tree, leaves)
        return leaves

    def unflatten(self, leaves):
        return tree_unflatten(leaves, self)


class LeafSpec(TreeSpec):
    def __init__(self):
        self.type = None
        self.context = None
        self.children_specs = []
        self.num_leaves = 1
        self.num_nodes = 1
        self.num_children = 0

    def is_leaf(self):
        return True

    def __eq__(self, other):
        return isinstance(other, LeafSpec)

    def __hash__(self):
        return 0

    def __repr__(self, indent=0):
        return "*"


_LEAF = LeafSpec()


def _is_leaf(tree, is_leaf=None):
    return (is_leaf is not None and is_leaf(tree)) or _node_type(tree) is None


def _flatten(tree, leaves, is_leaf):
    if _is_leaf(tree, is_leaf):
        leaves.append(tree)
        return _LEAF
    nt = _node_type(tree)
    node = _get_node(nt)
    children, context = node.flatten_fn(tree)
    specs = [_flatten(c, leaves, is_leaf) for c in children]
    return TreeSpec(nt, context, specs)


def _flatten_up_to(spec, tree, leaves):
    if spec.is_leaf():
        leaves.append(tree)
        return
    children, _ = _get_node(spec.type).flatten_fn(tree)
    for s, c in zip(spec.children_specs, children):
        _flatten_up_to(s, c, leaves)


def tree_flatten(tree, is_leaf=None):
    """``(leaves, spec)`` for ``tree``."""
    leaves: list = []
    spec = _flatten(tree, leaves, is_leaf)
    return leaves, spec


def tree_unflatten(leaves, treespec):
    """Rebuild the tree ``treespec`` describes from ``leaves``."""
    leaves = list(leaves)
    if len(leaves) != treespec.num_leaves:
        raise ValueError(f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but "
                         f"the spec refers to a pytree that holds {treespec.num_leaves} items "
                         f"({treespec}).")
    it = iter(leaves)
    return _unflatten(treespec, it)


def _unflatten(spec, it):
    if spec.is_leaf():
        return next(it)
    children = [_unflatten(c, it) for c in spec.children_specs]
    return _get_node(spec.type).unflatten_fn(children, spec.context)


def tree_iter(tree, is_leaf=None):
    if _is_leaf(tree, is_leaf):
        yield tree
        return
    children, _ = _get_node(_node_type(tree)).flatten_fn(tree)
    for c in children:
        yield from tree_iter(c, is_leaf)


def tree_leaves(tree, is_leaf=None):
    return list(tree_iter(tree, is_leaf))


def tree_structure(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[1]


def tree_map(func, tree, *rests, is_leaf=None):
    """Apply ``func`` to every leaf (with the matching leaves of ``rests``), same structure."""
    leaves, spec = tree_flatten(tree, is_leaf)
    flat_args = [leaves] + [spec.flatten_up_to(r) for r in rests]
    return tree_unflatten([func(*xs) for xs in zip(*flat_args)], spec)


def tree_map_(func, tree, *rests, is_leaf=None):
    leaves, spec = tree_flatten(tree, is_leaf)
    flat_args = [leaves] + [spec.flatten_up_to(r) for r in rests]
    for xs in zip(*flat_args):
        func(*xs)
    return tree


def _only(type_or_types, func):
    def wrapped(x):
        return func(x) if isinstance(x, type_or_types) else x
    return wrapped


def tree_map_only(type_or_types, func, tree, is_leaf=None):
    """``tree_map`` that only touches leaves of the given type(s)."""
    return tree_map(_only(type_or_types, func), tree, is_leaf=is_leaf)


def tree_map_only_(type_or_types, func, tree, is_leaf=None):
    return tree_map_(_only(type_or_types, func), tree, is_leaf=is_leaf)


def tree_all(pred, tree, is_leaf=None):
    return all(map(pred, tree_iter(tree, is_leaf)))


def tree_any(pred, tree, is_leaf=None):
    return any(map(pred, tree_iter(tree, is_leaf)))


def tree_all_only(type_or_types, pred, tree, is_leaf=None):
    return all(pred(x) for x in tree_iter(tree, is_leaf) if isinstance(x, type_or_types))


def tree_any_only(type_or_types, pred, tree, is_leaf=None):
    return any(pred(x) for x in tree_iter(tree, is_leaf) if isinstance(x, type_or_types))


def arg_tree_leaves(*args, **kwargs):
    """The leaves of ``(args, kwargs)`` (args first, then kwargs values)."""
    leaves: list = []
    for a in args:
        leaves.extend(tree_iter(a))
    for a in kwargs.values():
        leaves.extend(tree_iter(a))
    return leaves


def treespec_pprint(treespec):
    return repr(treespec)

