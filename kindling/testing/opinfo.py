"""An OpInfo-style database over every aten op kindling declares with sample inputs.

Built on demand from ``kindling._aten._defop.all_ops()``, so ops added by any module are picked
up automatically.  Each ``OpInfo`` knows its overload, its name as PyTorch spells it
(``aten.add.Tensor``, resolvable in ``torch.ops``), the dtypes to try and, per dtype, why a
combination is skipped (only genuine kindling gaps belong in ``SKIPS``: where PyTorch itself
rejects a dtype, the test checks kindling raises the same error type instead).

kindling never imports PyTorch; tests pass the oracle in.
"""
from __future__ import annotations

import inspect

from .samples import ErrorInput, SampleInput  # noqa: F401

# dtypes every op is tried with (NumPy names, as ``sample_fn`` expects).
DTYPES = ("float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64",
          "complex128")

# Known kindling gaps: {op name ('aten.add.Tensor') or '*': {dtype or '*': reason}}.
SKIPS: dict = {}

# Known kindling bugs (owned elsewhere), run as non-strict xfails so a fix shows up as XPASS:
# {op name: {dtype or '*': reason}}.
XFAILS: dict = {}

# Per-op comparison tolerances (rtol, atol) where the NumPy kernel legitimately differs in the
# last bits from PyTorch's vectorised one.
TOLERANCES: dict = {}


class OpInfo:
    """One aten overload with samples: ``op``, ``name``, ``dtypes``, ``skip_reason(dtype)``."""

    def __init__(self, opdef):
        self.opdef = opdef
        self.op = opdef.op
        self.name = str(opdef.op)                 # 'aten.add.Tensor'
        self.schema = opdef.schema
        self.is_view = opdef.op.is_view
        self.is_inplace = any(a.is_write for a in opdef.schema.arguments)
        self.dtypes = DTYPES
        self.tolerance = TOLERANCES.get(self.name, (1.3e-6, 1e-5))
        # ops whose outputs are unique only up to sign/phase compare gauge-invariant values
        self.output_process = getattr(opdef, "output_process", None)
        if self.output_process is not None:
            self.op = _processed(opdef.op, self.output_process)

    def skip_reason(self, dtype):
        for key in (self.name, "*"):
            table = SKIPS.get(key, {})
            for d in (dtype, "*"):
                if d in table:
                    return table[d]
        return None

    def xfail_reason(self, dtype):
        table = XFAILS.get(self.name, {})
        return table.get(dtype) or table.get("*")

    def sample_inputs(self, dtype):
        return list(self.opdef.sample_fn(dtype))

    def error_inputs(self, dtype):
        fn = self.opdef.error_samples_fn
        if fn is None:
            return []
        try:
            n = len(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            n = 1
        return list(fn(dtype) if n else fn())

    def torch_op(self, torch):
        """The same overload in PyTorch: ``torch.ops.aten.add.Tensor``."""
        ns, name, overload = self.name.split(".")
        op = getattr(getattr(getattr(torch.ops, ns), name), overload)
        return op if self.output_process is None else _processed(op, self.output_process)

    def __call__(self, *args, **kwargs):
        return self.op(*args, **kwargs)

    def __repr__(self):
        return f"OpInfo({self.name})"


def _processed(op, process):
    def call(*args, **kwargs):
        return process(op(*args, **kwargs))
    return call


def grad_op(info, sample, torch=None):
    """The function gradient tests differentiate for ``sample``: the op (PyTorch's when
    ``torch`` is given) through the sample's ``gradcheck_wrapper``, its outputs through the
    sample's ``output_process_fn_grad`` (else the op's ``output_process``)."""
    if torch is None:
        op = info.opdef.op
    else:
        ns, name, overload = info.name.split(".")
        op = getattr(getattr(getattr(torch.ops, ns), name), overload)
    wrapper = getattr(sample, "gradcheck_wrapper", None)
    process = getattr(sample, "output_process_fn_grad", None) or \
        getattr(info.opdef, "output_process", None)

    def call(*args, **kwargs):
        out = wrapper(op, *args, **kwargs) if wrapper is not None else op(*args, **kwargs)
        return process(out) if process is not None else out
    return call


def op_db():
    """Every aten op with a sample generator, sorted by name (rebuilt on each call)."""
    from .._aten._defop import all_ops
    from .._aten import linalg_samples  # noqa: F401  (registered here: only tests need them)
    infos = [OpInfo(d) for d in all_ops().values() if d.sample_fn is not None]
    return sorted(infos, key=lambda i: i.name)


def by_name(name):
    for i in op_db():
        if i.name == name:
            return i
    raise KeyError(name)
