"""The tags of an aten op (``torch.ops.aten.<op>.<overload>.tags``).

Each op declares, beside its schema, the tags its native_functions.yaml entry lists:
``defop("abs(Tensor self) -> Tensor", tags=("core", "pointwise"))``.  The others PyTorch's
codegen derives, and ``aten_tags`` derives them here, in one place:

- every aten op is ``pt2_compliant_tag``;
- ``inplace`` and ``out`` come from the schema's kind (torchgen's ``SchemaKind``): in-place
  when the name ends in ``_`` or is an augmented assignment (``__iand__``), out= when some
  keyword-only argument is written to;
- the tags come in ``Tag`` order (codegen keeps a set; registration lists it sorted).

The in-place and out= forms that ``_variants``/``_copy_out`` build from a functional op take
``variant_tags(functional)`` unless they say otherwise, and a form PyTorch generates
(``autogen:`` in the yaml, the ``generated`` tag) takes ``generated_tags(functional)``.
"""
from __future__ import annotations

import re

from .._dispatcher.tags import BY_NAME

_AUGMENTED = re.compile(r"__i(add|sub|mul|div|mod|pow|lshift|rshift|and|xor|or)__\Z")
# What autogen copies from the op it generates a form of (torchgen's generate_function).
_KEPT_BY_AUTOGEN = ("nondeterministic_seeded", "view_copy")


_MADE: dict = {}  # (declared, kind) -> tags: few combinations, so made once each


def schema_kind_tag(schema):
    """``"inplace"``, ``"out"`` or None, as torchgen classifies ``schema``."""
    base = schema.name.partition("::")[2]
    if base.endswith("_") and (not base.endswith("__") or _AUGMENTED.match(base)):
        return "inplace"
    for a in schema.arguments:
        if a.is_out:  # (a keyword-only argument written to)
            return "out"
    return None


def aten_tags(schema, declared):
    """The tags of the aten op ``schema`` whose yaml entry lists ``declared`` (names)."""
    key = (tuple(declared), schema_kind_tag(schema))
    tags = _MADE.get(key)
    if tags is None:
        names = {*key[0], "pt2_compliant_tag"}
        if key[1] is not None:
            names.add(key[1])
        tags = _MADE[key] = tuple(sorted((BY_NAME[n] for n in names), key=int))
    return tags


def declared_tags(opdef):
    """The tags ``opdef``'s entry declares (what ``aten_tags`` did not derive)."""
    return tuple(t.name for t in opdef.entry.tags
                 if t.name not in ("pt2_compliant_tag", "inplace", "out"))


def variant_tags(functional):
    """An in-place or out= form's declared tags by default: those of its functional op but
    ``core`` (the Core ATen opset holds functional ops only)."""
    return tuple(t for t in declared_tags(functional) if t != "core")


def generated_tags(functional):
    """The declared tags of a form PyTorch generates from ``functional`` (``add.Scalar_out``
    from ``add.Scalar``): ``generated``, plus what autogen copies over."""
    return ("generated",) + tuple(t for t in declared_tags(functional)
                                  if t in _KEPT_BY_AUTOGEN)
