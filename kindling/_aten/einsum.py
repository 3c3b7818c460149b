"""``einsum``: Einstein summation, written with other aten ops (CompositeImplicitAutograd, as in
PyTorch, so its gradient comes from theirs and a dispatch mode sees the pieces).

The plan follows PyTorch's: parse the equation (letters, one ``...`` per operand, an explicit
``->`` output or the implicit one: the ellipsis dims, then each label used once, in
alphabetical order); line every operand up on one list of dims (output dims first, then the
contracted ones), taking diagonals for repeated labels and unsqueezing missing dims; sum a
dim out as soon as no later operand has it; contract operands left to right with one ``bmm``
per pair (``_sumproduct_pair``).  Not PyTorch's: its optional ``opt_einsum`` path search.
"""
from __future__ import annotations

from ._api import function
from ._defop import defop
from ._ops_registry import aten

einsum = defop("einsum(str equation, Tensor[] tensors, *, int[]? path=None) -> Tensor")
_ELL = "..."


def _parse_term(term, offset, k, equation):
    """A term's labels, ``...`` kept as one entry; errors name PyTorch's positions."""
    labels, i = [], 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if _ELL in labels:
                raise RuntimeError(f"einsum(): found '.' for operand {k} for which an "
                                   "ellipsis was already found")
            if term[i:i + 3] != _ELL:
                raise RuntimeError(f"einsum(): found '.' for operand {k} that is not part of "
                                   "any ellipsis")
            labels.append(_ELL)
            i += 3
            continue
        if c == " ":
            i += 1
            continue
        if not c.isascii() or not c.isalpha():
            raise RuntimeError(f"einsum(): invalid subscript given at index {offset + i} in the "
                               "equation string, subscripts must be in [a-zA-Z]")
        labels.append(c)
        i += 1
    return labels


def _parse(equation, operands):
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    inputs, offset = [], 0
    for k, (term, t) in enumerate(zip(terms, operands)):
        labels = _parse_term(term, offset, k, equation)
        offset += len(term) + 1
        n = len(labels) - (_ELL in labels)
        if _ELL not in labels and n != t.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) does "
                               f"not match the number of dimensions ({t.dim()}) for operand {k}"
                               " and no ellipsis was given")
        if _ELL in labels and n > t.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) is "
                               f"more than the number of dimensions ({t.dim()}) for operand {k}")
        inputs.append(labels)
    used = [c for labels in inputs for c in labels if c != _ELL]
    if arrow:
        output = _parse_term(rhs, len(lhs) + 2, -1, equation)
        for c in output:
            if c == _ELL:
                continue
            if output.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   "the output")
            if c not in used:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   "equation for any input operand")
    else:
        output = ([_ELL] if any(_ELL in labels for labels in inputs) else []) + \
            sorted(c for c in set(used) if used.count(c) == 1)
    return inputs, output


def _expand_ellipsis(labels, t, n_ell):
    """The operand's labels with ``...`` as ``n_ell`` right-aligned ellipsis dims."""
    if _ELL not in labels:
        return list(labels)
    i = labels.index(_ELL)
    mine = t.dim() - (len(labels) - 1)
    return labels[:i] + [(_ELL, j) for j in range(n_ell - mine, n_ell)] + labels[i + 1:]


@einsum.composite
def _einsum(equation, tensors, *, path=None):
    operands = list(tensors)
    inputs, output = _parse(equation, operands)
    dt = operands[0].dtype
    for t in operands[1:]:
        if t.dtype is not dt:
            raise RuntimeError(f"expected scalar type {dt._legacy} but found {t.dtype._legacy}")
    n_ell = max((t.dim() - (len(labels) - 1) for labels, t in zip(inputs, operands)
                 if _ELL in labels), default=0)
    out_dims = []
    for c in output:
        out_dims += [(_ELL, j) for j in range(n_ell)] if c == _ELL else [c]
    per_op = [_expand_ellipsis(labels, t, n_ell) for labels, t in zip(inputs, operands)]
    all_dims = out_dims + [d for d in dict.fromkeys(x for labels in per_op for x in labels)
                           if d not in out_dims]
    # sizes: each dim's size must agree across operands, size 1 broadcasting
    sizes = {}
    for k, (labels, t) in enumerate(zip(per_op, operands)):
        for d, s in zip(labels, t.shape):
            prev = sizes.get(d, 1)
            if s != 1 and prev != 1 and s != prev:
                name = d if isinstance(d, str) else "..."
                raise RuntimeError(f"einsum(): subscript {name} has size {s} for operand {k} "
                                   f"which does not broadcast with previously seen size {prev}")
            sizes[d] = max(prev, s) if prev == 1 or s == 1 else s
    aligned = [_align(t, labels, all_dims) for labels, t in zip(per_op, operands)]
    n_out = len(out_dims)
    last_use = {d: max([k for k, labels in enumerate(per_op) if d in labels], default=-1)
                for d in all_dims[n_out:]}
    result = None
    for k, t in enumerate(aligned):
        # contracted dims no later operand has are summed now (from the pair, or from a
        # lone operand)
        done = [i for i, d in enumerate(all_dims[n_out:], n_out) if last_use[d] == k]
        if result is None:
            only_here = [i for i in done if t.shape[i] != 1]
            result = t.sum(only_here, keepdim=True) if only_here else t
            continue
        result = _sumproduct_pair(result, t, done)
    # (the contracted dims are size 1 at the end now)
    shape = [result.shape[i] for i in range(n_out)]
    return aten.reshape.default(result, shape) if result.dim() != n_out else result


def _align(t, labels, all_dims):
    """``t`` with one dim per entry of ``all_dims``, in that order: diagonals for repeated
    labels, size 1 where it has no such dim."""
    labels = list(labels)
    seen = {}
    i = 0
    while i < len(labels):
        d = labels[i]
        j = seen.get(d)
        if j is None:
            seen[d] = i
            i += 1
            continue
        t = aten.diagonal.default(t, 0, j, i)   # (the diagonal goes last)
        labels = labels[:j] + labels[j + 1:i] + labels[i + 1:] + [d]
        seen, i = {}, 0
    have = [d for d in all_dims if d in labels]
    if have != labels:
        t = aten.permute.default(t, [labels.index(d) for d in have])
    for i, d in enumerate(all_dims):
        if d not in labels:
            t = aten.unsqueeze.default(t, i)
    return t


def _sumproduct_pair(left, right, sum_dims):
    """``(left * right).sum(sum_dims, keepdim=True)`` for two aligned operands, as one bmm:
    dims both have (batch), dims one has, and the summed ones."""
    if not sum_dims:
        return aten.mul.Tensor(left, right)
    lro, lo, ro, summed = [], [], [], []
    for i in range(left.dim()):
        sl, sr = left.shape[i] != 1, right.shape[i] != 1
        if i in sum_dims and sl and sr:
            summed.append(i)
        elif i in sum_dims:  # (summed on the one side that has it: size 1 on both after)
            if sl:
                left = left.sum([i], keepdim=True)
            elif sr:
                right = right.sum([i], keepdim=True)
            ro.append(i)
        elif sl and sr:
            lro.append(i)
        elif sl:
            lo.append(i)
        else:
            ro.append(i)
    size = _prod
    lro_n, lo_n = size(left, lro), size(left, lo)
    ro_n, sum_n = size(right, ro), size(left, summed)
    out_shape = [left.shape[i] for i in lro] + [left.shape[i] for i in lo] + \
        [1] * len(summed) + [right.shape[i] for i in ro]
    perm = lro + lo + summed + ro
    a = aten.reshape.default(aten.permute.default(left, perm), [lro_n, lo_n, sum_n])
    b = aten.reshape.default(aten.permute.default(right, lro + summed + ro + lo),
                             [lro_n, sum_n, ro_n])
    r = aten.view.default(aten.bmm.default(a, b), out_shape)
    inverse = [perm.index(i) for i in range(len(perm))]
    return aten.permute.default(r, inverse)


def _prod(t, dims):
    n = 1
    for i in dims:
        n *= t.shape[i]
    return n


def _sublist_equation(args):
    """``einsum(op1, [0, 1], op2, [1, 2], [0, 2])``: the operands and the equation."""
    def letters(sub):
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append(_ELL)
            elif isinstance(s, int) and 0 <= s < 52:
                out.append(chr(ord("A") + s) if s < 26 else chr(ord("a") + s - 26))
            else:
                raise ValueError("einsum(): subscript in subscript list is not within the "
                                 "valid range [0, 52)")
        return "".join(out)
    operands = list(args[0::2])
    subs = list(args[1::2])
    out = None
    if len(operands) > len(subs):
        out = operands.pop()
    eq = ",".join(letters(s) for s in subs)
    if out is not None:
        eq += "->" + letters(out)
    return eq, operands


@function("einsum")
def einsum_fn(*args):
    """``torch.einsum(equation, *operands)`` (or a list of operands, or PyTorch's sublist
    format: ``einsum(op1, [0, 1], op2, [1, 2], [0, 2])``)."""
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    return aten.einsum.default(equation, operands)

