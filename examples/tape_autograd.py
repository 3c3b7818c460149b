"""A tape-based reverse-mode autograd in plain Python, on top of kindling tensors.

This is the reference implementation from PyTorch's ``test/dynamo/test_python_autograd.py``:
every operation on a ``Variable`` computes its value with kindling ops and appends a
``TapeEntry`` (input names, output names, and a ``propagate`` closure mapping output gradients
to input gradients) to a global tape.  ``grad(L, desired_results)`` walks the tape backwards,
accumulating gradients per variable name.

    a, b = Variable(kindling.randn(10)), Variable(kindling.randn(10))
    L = simple(a, b).sum()          # (a + b) * b, summed
    da, db = grad(L, [a, b])        # b and a + 2b

Run it: ``python examples/tape_autograd.py``.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import kindling as torch

_name = 0


def fresh_name() -> str:
    """``v0``, ``v1``, ... (a global counter)."""
    global _name
    r = f"v{_name}"
    _name += 1
    return r


class Variable:
    """A tensor value with a name the tape refers to."""

    def __init__(self, value: torch.Tensor, name: str | None = None):
        self.value = value
        self.name = name or fresh_name()

    # ``Variable.constant`` makes a leaf
    @staticmethod
    def constant(value: torch.Tensor, name: str | None = None):
        return Variable(value, name)

    def __repr__(self):
        return repr(self.value)

    def __mul__(self, rhs):
        return operator_mul(self, rhs)

    def __add__(self, rhs):
        return operator_add(self, rhs)

    def sum(self, name: str | None = None):
        return operator_sum(self, name)

    def expand(self, sizes):
        return operator_expand(self, sizes)


class TapeEntry(NamedTuple):
    inputs: list[str]            # names of the inputs
    outputs: list[str]           # names of the outputs
    propagate: Callable[[list[Variable]], list[Variable]]  # dL/doutputs -> dL/dinputs


gradient_tape: list[TapeEntry] = []


def reset_tape():
    """Forget every recorded entry and restart names at ``v0``."""
    gradient_tape.clear()
    global _name
    _name = 0


def grad(L: Variable, desired_results: list[Variable]) -> list[Variable | None]:
    """dL/d(each desired result), or None for one that L does not depend on."""
    dL_d: dict[str, Variable] = {L.name: Variable(torch.ones(()))}

    def gather_grad(entries):
        return [dL_d[entry] if entry in dL_d else None for entry in entries]

    # propagate() may append to the tape while we walk it; a reverse iterator is already fixed
    for entry in reversed(gradient_tape):
        dL_doutputs = gather_grad(entry.outputs)
        if all(dL_doutput is None for dL_doutput in dL_doutputs):
            continue  # nothing flows through this entry
        dL_dinputs = entry.propagate(dL_doutputs)
        for input_name, dL_dinput in zip(entry.inputs, dL_dinputs):
            if input_name not in dL_d:
                dL_d[input_name] = dL_dinput
            else:
                dL_d[input_name].value += dL_dinput.value  # in place: may alias (see add)
    return [dL_d.get(desired.name) for desired in desired_results]


def operator_mul(self: Variable, rhs: Variable) -> Variable:
    if isinstance(rhs, float) and rhs == 1.0:
        return self  # peephole: x * 1.0 is x (no entry, no new name)
    r = Variable(self.value * rhs.value)
    inputs = [self.name, rhs.name]
    outputs = [r.name]

    def propagate(dL_doutputs: list[Variable]):
        (dL_dr,) = dL_doutputs
        dr_dself = rhs      # r = self * rhs
        dr_drhs = self
        dL_dself = dL_dr * dr_dself
        dL_drhs = dL_dr * dr_drhs
        return [dL_dself, dL_drhs]
    gradient_tape.append(TapeEntry(inputs=inputs, outputs=outputs, propagate=propagate))
    return r


def operator_add(self: Variable, rhs: Variable) -> Variable:
    r = Variable(self.value + rhs.value)

    def propagate(dL_doutputs: list[Variable]):
        (dL_dr,) = dL_doutputs
        dr_dself = 1.0
        dr_drhs = 1.0
        dL_dself = dL_dr * dr_dself   # the peephole returns dL_dr itself...
        dL_drhs = dL_dr * dr_drhs     # ...twice: the two gradients are the same Variable
        return [dL_dself, dL_drhs]
    gradient_tape.append(TapeEntry(inputs=[self.name, rhs.name], outputs=[r.name],
                                   propagate=propagate))
    return r


def operator_sum(self: Variable, name: str | None) -> Variable:
    r = Variable(torch.sum(self.value), name=name)

    def propagate(dL_doutputs: list[Variable]):
        (dL_dr,) = dL_doutputs
        size = self.value.size()
        return [dL_dr.expand(*size)]
    gradient_tape.append(TapeEntry(inputs=[self.name], outputs=[r.name], propagate=propagate))
    return r


def operator_expand(self: Variable, sizes: list[int]) -> Variable:
    assert self.value.dim() == 0  # only scalars are expanded here
    r = Variable(self.value.expand(sizes))

    def propagate(dL_doutputs: list[Variable]):
        (dL_dr,) = dL_doutputs
        return [dL_dr.sum()]
    gradient_tape.append(TapeEntry(inputs=[self.name], outputs=[r.name], propagate=propagate))
    return r


def simple(a, b):
    t = a + b
    return t * b


if __name__ == "__main__":
    reset_tape()
    a = Variable.constant(torch.tensor([1.0, 2.0, 3.0]), name="a")
    b = Variable.constant(torch.tensor([4.0, 5.0, 6.0]), name="b")
    loss = simple(a, b).sum()
    da, db = grad(loss, [a, b])
    print("L      =", loss)
    print("dL/da  =", da, "(expected b)")
    print("dL/db  =", db, "(expected a + 2b)")
    ea = a.value.clone().requires_grad_()
    eb = b.value.clone().requires_grad_()
    ((ea + eb) * eb).sum().backward()
    print("engine:", ea.grad, eb.grad)
