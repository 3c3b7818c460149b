"""``torch.Tag``: the operator tags PyTorch knows.

Members are also strings equal to their names, so ``Tag.pointwise in op.tags`` holds for ops
whose tags were declared as plain strings (``defop(..., tags=("pointwise",))``).
"""
from __future__ import annotations

import enum

_NAMES = ("core", "cudagraph_unsafe", "data_dependent_output", "dynamic_output_shape",
          "flexible_layout", "generated", "inplace", "inplace_view",
          "maybe_aliasing_or_mutating", "needs_contiguous_strides", "needs_exact_strides",
          "needs_fixed_stride_order", "nondeterministic_bitwise", "nondeterministic_seeded",
          "out", "out_variant", "pointwise", "pt2_compliant_tag", "reduction", "view_copy")


class Tag(str, enum.Enum):
    """An operator tag (``torch.Tag.pt2_compliant_tag`` ...)."""

    locals().update({n: n for n in _NAMES})

    def __repr__(self):
        return f"<Tag.{self.name}: {_NAMES.index(self.name)}>"

    def __str__(self):
        return f"Tag.{self.name}"

    def __int__(self):
        return _NAMES.index(self.name)

    __hash__ = str.__hash__


Tag.__module__ = "torch"
