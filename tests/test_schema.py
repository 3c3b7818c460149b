"""The schema parser (kindling._dispatcher.schema) against PyTorch's FunctionSchema."""
import math
import re

import pytest

from kindling._dispatcher.schema import is_view_schema, parse_schema

# JIT-only container/type-variable schemas that kindling's op language does not model.
_JIT_ONLY = re.compile(r"Dict\(|RRef\(|Future\(|__torch__|AnyEnumType|\bt[12]\b|tVal|"
                       r"\((str|int|bool|float|complex|Tensor), ")


def _aten_schemas(torch):
    return [s for s in torch._C._jit_get_all_schemas() if s.name.startswith("aten::")]


def _alias(ai):
    if ai is None:
        return None
    return (frozenset(ai.before_set), frozenset(ai.after_set), ai.is_write)


def _default(v):
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    return repr(v)


def _compare_arg(k, t, where):
    assert k.name == t.name, where
    assert k.kwarg_only == t.kwarg_only, where
    assert str(k.type) == str(t.type), where
    if k.type.is_list:
        # PyTorch keeps a ``Tensor(a!)[]`` annotation on the element type and reports a
        # list-level alias_info with empty sets; compare what both expose.
        kai = k.alias_info or k.elem_alias_info
        assert (kai is None) == (t.alias_info is None), where
        if kai is not None:
            assert kai.is_write == t.alias_info.is_write, where
    else:
        assert _alias(k.alias_info) == _alias(t.alias_info), where
    assert k.has_default() == t.has_default_value(), where
    if t.has_default_value() and not (
            k.type.base in ("ScalarType", "Layout", "MemoryFormat")
            and isinstance(t.default_value, int) and not isinstance(k.default_value, int)):
        # (PyTorch turns enum defaults such as contiguous_format into their int codes)
        assert _default(k.default_value) == _default(t.default_value), where


def _compare(k, t, check_str=True):
    where = str(t)
    assert k.name == t.name, where
    assert k.overload_name == t.overload_name, where
    assert len(k.arguments) == len(t.arguments), where
    assert len(k.returns) == len(t.returns), where
    assert k.is_mutable == t.is_mutable, where
    for ka, ta in zip(k.arguments, t.arguments):
        _compare_arg(ka, ta, where)
    for ka, ta in zip(k.returns, t.returns):
        _compare_arg(ka, ta, where)
    if check_str:
        assert str(k) == str(t), where


def test_parse_all_aten_schemas(torch):
    schemas = _aten_schemas(torch)
    assert len(schemas) > 2000
    checked = 0
    for s in schemas:
        text = str(s)
        if _JIT_ONLY.search(text):
            continue
        _compare(parse_schema(text), s)
        checked += 1
    assert checked > 0.9 * len(schemas)


def test_parse_registered_overloads(torch):
    """The schemas of ``torch.ops.aten`` packets (what ``op._schema`` holds)."""
    names = ["add", "sum", "split", "transpose", "index", "index_put_", "empty", "max", "var_mean",
             "as_strided", "conv2d", "native_batch_norm", "_foreach_add", "chunk", "unbind",
             "set_", "resize_", "topk", "where", "full", "arange", "copy_", "scatter_add"]
    for n in names:
        packet = getattr(torch.ops.aten, n)
        for ov in packet.overloads():
            s = getattr(packet, ov)._schema
            _compare(parse_schema(str(s)), s)


SPECIFIC = [
    "test_ns::a(Tensor(a -> *) self, int dim) -> Tensor(a)[]",
    "test_ns::b(Tensor self, int[2] x=[0, 0], int[1] y=1) -> Tensor",
    "test_ns::c(Tensor?[] indices) -> Tensor",
    "test_ns::d(Tensor self, Stream s) -> ()",
    "test_ns::e() -> ()",
    "test_ns::f(Tensor self) -> (Tensor, Tensor)",
    "test_ns::g.out(Tensor self, *, Tensor(a!) values, Tensor(b!) indices) -> "
    "(Tensor(a!) values, Tensor(b!) indices)",
    "test_ns::h(Tensor(a!)[] self, Scalar alpha=1, float eps=1e-05, str mode=\"mean\") -> ()",
    "test_ns::i(Tensor self, *, ScalarType? dtype=None, MemoryFormat memory_format="
    "contiguous_format, Layout? layout=None, Device? device=None) -> Tensor",
    "test_ns::j(Tensor self, float x=-1.5, bool b=True, int? k=None, SymInt[] s=[]) -> Tensor out",
    "test_ns::k(Tensor(a) self) -> Tensor(a)",
    "test_ns::l(Tensor self, Tensor[] ts, Generator? g=None, bool[3] m=[True, False, True]) -> "
    "Tensor[]",
    "test_ns::m(Tensor(a|b) self) -> Tensor(b|a)",
]


@pytest.mark.parametrize("text", SPECIFIC)
def test_specific_forms(torch, text):
    t = torch._C.parse_schema(text)
    k = parse_schema(text)
    # PyTorch re-renders defaults (int[2] x=[0, 0] prints as x=0) and alias sets in hash
    # order; kindling prints the source text.  The round trip is checked on torch's own
    # strings in test_parse_all_aten_schemas.
    _compare(k, t, check_str=False)
    assert str(parse_schema(str(t))) == str(t)


def test_specific_semantics():
    s = parse_schema(SPECIFIC[0])
    ai = s.arguments[0].alias_info
    assert ai.before_set == {"a"} and ai.after_set == {"*"} and not ai.is_write
    assert is_view_schema(s)
    s = parse_schema(SPECIFIC[1])
    assert s.arguments[1].default_value == [0, 0]
    assert s.arguments[2].default_value == [1]
    s = parse_schema(SPECIFIC[2])
    assert s.arguments[0].type.is_list and s.arguments[0].type.elem_optional
    s = parse_schema(SPECIFIC[4])
    assert s.arguments == [] and s.returns == []
    s = parse_schema(SPECIFIC[5])
    assert len(s.returns) == 2 and not is_view_schema(s)
    s = parse_schema(SPECIFIC[6])
    assert s.is_mutable and [a.is_out for a in s.arguments] == [False, True, True]
    assert not is_view_schema(s)
    assert parse_schema(SPECIFIC[7]).is_mutable


BAD = [
    ("test_ns::foo(Tensor x -> Tensor", "->"),
    ("test_ns::foo(Tensr x) -> Tensor", "Tensr"),
    ("test_ns::foo(Tensor x) Tensor", "Tensor"),
    ("test_ns::foo(Tensor x) -> Tensor extra junk", "junk"),
    ("test_ns::foo(Tensor x", None),
]


@pytest.mark.parametrize("text,token", BAD)
def test_parse_errors(torch, text, token):
    with pytest.raises(RuntimeError):
        torch._C.parse_schema(text)
    with pytest.raises(RuntimeError) as ei:
        parse_schema(text)
    msg = str(ei.value)
    assert "~ <--- HERE" in msg
    lines = msg.split("\n")
    i = next(j for j, ln in enumerate(lines) if "<--- HERE" in ln)
    col = lines[i].index("~")
    assert lines[i - 1] == text
    if token is not None:
        assert text[col:].startswith(token) or text[col:].lstrip().startswith(token), (col, msg)
    else:
        assert col == len(text)
