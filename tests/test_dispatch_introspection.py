"""``torch._C._dispatch_has_kernel*`` against PyTorch.

``_dispatch_has_kernel_for_dispatch_key(name, key)`` counts only kernels registered at exactly
``key`` (a CompositeExplicitAutograd or Autograd registration answers for that alias key, not
for CPU or AutogradCPU); ``_dispatch_has_computed_kernel_for_dispatch_key`` asks the runtime
dispatch table (fallbacks and alias-provided kernels count; alias keys are refused);
``_dispatch_has_kernel(name)`` says whether the operator exists.  Operators defined through
``torch.library`` have the same registrations in both libraries, so every key is compared;
for aten ops, the (op, key) pairs where kindling registers where PyTorch does.
"""
import itertools

import pytest

import kindling

torch = pytest.importorskip("torch")

KEYS = ["CPU", "AutogradCPU", "CompositeImplicitAutograd", "CompositeExplicitAutograd",
        "Autograd", "Meta", "ADInplaceOrView", "Python", "AutogradOther", "BackendSelect",
        "PythonTLSSnapshot"]
# (not Meta: PyTorch's Meta backend fallback, which only raises, is no registration in
# kindling, whose Meta dispatch raises the same error without one)
RUNTIME_KEYS = ["CPU", "AutogradCPU", "ADInplaceOrView", "Python", "AutogradOther",
                "BackendSelect", "PythonTLSSnapshot", "AutogradMeta"]

_LIBS = []


def _answer(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 (the error is what is compared)
        return type(e).__name__, str(e)


REGISTRATIONS = {
    "none": [],
    "CPU": ["CPU"],
    "CompositeExplicitAutograd": ["CompositeExplicitAutograd"],
    "CompositeImplicitAutograd": ["CompositeImplicitAutograd"],
    "Autograd and CPU": ["Autograd", "CPU"],
    "AutogradCPU and Meta": ["AutogradCPU", "Meta"],
}


def _custom_op(T, regs):
    """A fresh operator ``ns::op`` with a kernel at each key of ``regs``."""
    ns = f"kdi_{len(_LIBS)}"
    lib = T.library.Library(ns, "DEF")
    _LIBS.append(lib)
    lib.define("op(Tensor x) -> Tensor")
    for k in regs:
        lib.impl("op", lambda x: x.clone(), k)
    return f"{ns}::op"


@pytest.mark.parametrize("regs", sorted(REGISTRATIONS))
def test_custom_op_kernels(regs):
    def case(T):
        name = _custom_op(T, REGISTRATIONS[regs])
        C = T._C
        exact = {k: C._dispatch_has_kernel_for_dispatch_key(name, k) for k in KEYS}
        computed = {k: C._dispatch_has_computed_kernel_for_dispatch_key(name, k)
                    for k in RUNTIME_KEYS}
        return C._dispatch_has_kernel(name), exact, computed
    assert case(kindling) == case(torch)


# (op, key) pairs where kindling's registrations mirror PyTorch's
ATEN_EXACT = list(itertools.product(
    ["aten::add.Tensor", "aten::mm", "aten::relu", "aten::empty.memory_format"],
    ["CPU", "AutogradCPU", "CompositeImplicitAutograd", "CompositeExplicitAutograd",
     "Autograd", "Meta", "AutogradOther"])) + list(itertools.product(
        ["aten::matmul", "aten::flatten.using_ints"],
        ["CPU", "AutogradCPU", "CompositeImplicitAutograd", "CompositeExplicitAutograd",
         "Meta"])) + list(itertools.product(
            ["aten::sum", "aten::clone", "aten::ones", "aten::resize_as_"],
            ["CompositeImplicitAutograd", "Autograd", "AutogradCPU"])) + [
    ("aten::resize_as_", "CompositeExplicitAutograd"), ("aten::resize_as_", "CPU"),
    ("aten::add.out", "ADInplaceOrView"), ("aten::resize_", "ADInplaceOrView"),
    ("aten::resize_as_", "ADInplaceOrView"), ("aten::add.Tensor", "ADInplaceOrView"),
    ("aten::empty.memory_format", "BackendSelect"), ("aten::ones", "BackendSelect"),
    ("aten::add.Tensor", "BackendSelect")]


@pytest.mark.parametrize("name,key", ATEN_EXACT)
def test_aten_kernel_for_key(name, key):
    def case(T):
        return T._C._dispatch_has_kernel_for_dispatch_key(name, key)
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("name", ["aten::add.Tensor", "aten::matmul", "aten::mm",
                                  "aten::zeros_like"])
@pytest.mark.parametrize("key", ["CPU", "AutogradCPU", "Meta", "ADInplaceOrView", "Python",
                                 "AutogradOther", "BackendSelect"])
def test_aten_computed_kernel(name, key):
    def case(T):
        return T._C._dispatch_has_computed_kernel_for_dispatch_key(name, key)
    assert case(kindling) == case(torch)


@pytest.mark.parametrize("name", ["aten::add.Tensor", "aten::add", "aten::nope", "add.Tensor",
                                  "aten::mm"])
def test_has_kernel(name):
    def case(T):
        return T._C._dispatch_has_kernel(name)
    assert case(kindling) == case(torch)


ERRORS = {
    "unknown op": lambda C: C._dispatch_has_kernel_for_dispatch_key("aten::nope", "CPU"),
    "op without overload": lambda C: C._dispatch_has_kernel_for_dispatch_key("aten::add", "CPU"),
    "unknown key": lambda C: C._dispatch_has_kernel_for_dispatch_key("aten::add.Tensor", "Bogus"),
    "computed, unknown op":
        lambda C: C._dispatch_has_computed_kernel_for_dispatch_key("aten::nope", "CPU"),
    "computed, alias key": lambda C: C._dispatch_has_computed_kernel_for_dispatch_key(
        "aten::add.Tensor", "CompositeImplicitAutograd"),
    "computed, Autograd": lambda C: C._dispatch_has_computed_kernel_for_dispatch_key(
        "aten::add.Tensor", "Autograd"),
    "a DispatchKey": lambda C: C._dispatch_has_kernel_for_dispatch_key(
        "aten::add.Tensor", C.DispatchKey.CPU),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors(case):
    assert _answer(lambda: ERRORS[case](kindling._C)) == _answer(lambda: ERRORS[case](torch._C))
