"""``einsum``: Einstein summation, written with other aten ops (CompositeImplicitAutograd, as in
PyTorch, so its gradient comes from theirs and a dispatch mode sees the pieces).

The plan is PyTorch's, op for op: parse the equation (letters, one ``...`` per operand, an
explicit ``->`` output or the implicit one: the ellipsis dims, then each label used once, in
PyTorch's label order A-Z, a-z); line every operand up on one list of dims (output dims
first, then the contracted ones), a repeated label's diagonal moved to its first place,
missing dims unsqueezed, one permute; contract operands left to right (or in the order of
``path=``) with one ``bmm`` per pair (``_sumproduct_pair``), a dim summed as soon as no other
operand has it; the contracted size-1 dims viewed away at the end (a single operand: summed).
Not PyTorch's Python-level ``opt_einsum`` path search (off unless opt_einsum is installed).
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


def _label_key(c):
    """PyTorch's label order (its subscript index): A-Z, then a-z."""
    return ord(c) - ord("A") if c.isupper() else 26 + ord(c) - ord("a")


def _plan(inputs, output, operands, explicit):
    """Each label's place in the aligned shape (output dims first, then the contracted ones:
    the ellipsis dims if not in the output, then labels in PyTorch's label order), the
    number of ellipsis dims and where they start, the output's and the total dim count."""
    n_ell = max((t.dim() - (len(labels) - 1) for labels, t in zip(inputs, operands)
                 if _ELL in labels), default=0)
    counts = {}
    for labels in inputs:
        for c in labels:
            if c != _ELL:
                counts[c] = counts.get(c, 0) + 1
    place, n = {}, 0
    ell_at, ell_out = 0, False
    if not explicit:  # (implicit output: the ellipsis dims, then labels seen once)
        n, ell_out = n_ell, True
        for c in sorted(counts, key=_label_key):
            if counts[c] == 1:
                place[c] = n
                n += 1
    else:
        for c in output:
            if c == _ELL:
                ell_at, ell_out = n, True
                n += n_ell
            else:
                place[c] = n
                n += 1
    n_out = n
    if not ell_out:
        ell_at = n
        n += n_ell
    for c in sorted(counts, key=_label_key):
        if c not in place:
            place[c] = n
            n += 1
    return place, n_ell, ell_at, n_out, n


def _aligned(k, labels, op, plan, label_size, ell_size, counts):
    """Operand ``k`` on the plan's dims: diagonals for repeated labels (moved to the first
    occurrence's place), size-1 dims for missing ones, then one permute.  Records sizes and
    counts, per dim, the operands having it with a size other than 1."""
    place, n_ell, ell_at, _, n_dims = plan
    perm = [-1] * n_dims
    d = 0
    for c in labels:
        if c == _ELL:
            covered = op.dim() - (len(labels) - 1)
            for j in range(n_ell - covered, n_ell):
                s = op.shape[d]
                if s != 1:
                    if ell_size[j] != 1 and ell_size[j] != s:
                        raise RuntimeError(
                            f"einsum(): dimension {d} covered by ellipsis in operand {k}has "
                            f"size {s} which does not broadcast with previously seen ellipsis "
                            f"with size {ell_size[j]} for the respective dimension")
                    ell_size[j] = s
                    counts[ell_at + j] += 1
                perm[ell_at + j] = d
                d += 1
        elif perm[place[c]] == -1:
            s = op.shape[d]
            if s != 1:
                prev = label_size.get(c, 1)
                if prev != 1 and prev != s:
                    raise RuntimeError(f"einsum(): subscript {c} has size {s} for operand {k} "
                                       f"which does not broadcast with previously seen size "
                                       f"{prev}")
                label_size[c] = s
                counts[place[c]] += 1
            perm[place[c]] = d
            d += 1
        else:
            first = perm[place[c]]
            if op.shape[d] != op.shape[first]:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but "
                                   f"the sizes don't match, {op.shape[d]} != {op.shape[first]}")
            op = aten.movedim.int(aten.diagonal.default(op, 0, first, d), -1, first)
    for i in range(n_dims):
        if perm[i] == -1:
            op = aten.unsqueeze.default(op, d)
            perm[i] = d
            d += 1
    return aten.permute.default(op, perm)


def _check_path(path, n_ops):
    want = 1 if n_ops == 1 else (n_ops - 1) * 2
    if len(path) != want:
        raise RuntimeError(f"einsum(): expected contraction path given in path parameter to "
                           f"have size {want} but got {len(path)}")


@einsum.composite
def _einsum(equation, tensors, *, path=None):
    operands = list(tensors)
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    if path is not None:
        _check_path(path, len(operands))
    inputs, output = _parse(equation, operands)
    dt = operands[0].dtype
    for t in operands[1:]:
        if t.dtype is not dt:
            raise RuntimeError(f"expected scalar type {dt._legacy} but found {t.dtype._legacy}")
    plan = _plan(inputs, output, operands, "->" in equation)
    n_out, n_dims = plan[3], plan[4]
    label_size, ell_size, counts = {}, [1] * plan[1], [0] * n_dims
    ops = [_aligned(k, labels, op, plan, label_size, ell_size, counts)
           for k, (labels, op) in enumerate(zip(inputs, operands))]
    steps = list(path or [])
    while len(ops) > 1:
        i, j = 0, 1
        if path is not None:
            i, j = sorted(steps[:2])
            del steps[:2]
            if i == j or i < 0 or j >= len(ops):
                raise RuntimeError(f"einsum(): invalid contraction ({i}, {j}) " + (
                    "cannot contract an operand with itself" if i == j
                    else "operand index is out of bounds"))
        a, b = ops[i], ops[j]
        del ops[j], ops[i]
        # a contracted dim is summed as soon as no other operand has it: in the product
        # when both have it, else beforehand on the one side that has it
        sum_dims, a_sum, b_sum = [], [], []
        for dim in range(n_out, n_dims):
            if a.shape[dim] != 1 and b.shape[dim] != 1:
                counts[dim] -= 1
                if counts[dim] == 1:
                    sum_dims.append(dim)
                    counts[dim] = 0
            elif counts[dim] == 1:
                if a.shape[dim] != 1:
                    a_sum.append(dim)
                    counts[dim] = 0
                elif b.shape[dim] != 1:
                    b_sum.append(dim)
                    counts[dim] = 0
        if a_sum:
            a = aten.sum.dim_IntList(a, a_sum, True)
        if b_sum:
            b = aten.sum.dim_IntList(b, b_sum, True)
        r = _sumproduct_pair(a, b, sum_dims)
        if path is not None:
            ops.append(r)
        else:
            ops.insert(0, r)
    result = ops[0]
    if n_dims > n_out:
        if len(operands) > 1:  # (the contracted dims are all size 1 by now)
            return aten.view.default(result, list(result.shape[:n_out]))
        return aten.sum.dim_IntList(result, list(range(n_out, n_dims)))
    return result


def _sumproduct_pair(left, right, sum_dims):
    """``(left * right).sum(sum_dims, keepdim=True)`` of two aligned operands as one ``bmm``:
    dims both have (batch), dims one has, and the summed ones; a summed dim only one side
    has is summed on that side first."""
    if not sum_dims:
        return aten.mul.Tensor(left, right)
    lro, lo, ro = [], [], []
    lro_n = lo_n = ro_n = sum_n = 1
    for i in range(left.dim()):
        sl, sr = left.shape[i] != 1, right.shape[i] != 1
        if i in sum_dims:
            if sl and sr:
                if left.shape[i] != right.shape[i]:
                    raise RuntimeError("non-broadcast dimensions must match")
                sum_n *= left.shape[i]
            elif sl:
                left = aten.sum.dim_IntList(left, [i], True)
            elif sr:
                right = aten.sum.dim_IntList(right, [i], True)
        elif sl and sr:
            if left.shape[i] != right.shape[i]:
                raise RuntimeError("non-broadcast dimensions must match")
            lro.append(i)
            lro_n *= left.shape[i]
        elif sl:
            lo.append(i)
            lo_n *= left.shape[i]
        else:
            ro.append(i)
            ro_n *= right.shape[i]
    if lo and ro and ro[-1] < lo[0]:
        # (PyTorch puts the operand whose own dims all come first on the left, so that the
        # product needs no transpose back)
        left, right, lo, ro, lo_n, ro_n = right, left, ro, lo, ro_n, lo_n
    order = lro + lo + list(sum_dims) + ro
    out_shape = [left.shape[i] for i in lro] + [left.shape[i] for i in lo] + \
        [1] * len(sum_dims) + [right.shape[i] for i in ro]
    a = aten.reshape.default(aten.permute.default(left, order), [lro_n, lo_n, sum_n])
    b = aten.reshape.default(aten.permute.default(right, lro + list(sum_dims) + ro + lo),
                             [lro_n, sum_n, ro_n])
    r = aten.view.default(aten.bmm.default(a, b), out_shape)
    return aten.permute.default(r, [order.index(i) for i in range(len(order))])


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

