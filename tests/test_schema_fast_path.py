"""The schema parser's fast path (argument texts parsed once each) gives exactly what the
full parser gives, for every schema the op library declares, and leaves everything else
(errors included) to the full parser."""
import gc

import pytest

import kindling  # noqa: F401  (declares the op library)
from kindling._dispatcher import schema as S


def _fields(sc):
    return (sc.name, sc.overload_name, sc.is_vararg, sc.is_varret,
            [(a.name, a.type.schema_str(), a.type.optional, a.type.elem_optional,
              a.type.is_list, a.type.list_size, a.kwarg_only, repr(a._default),
              a._default_text, str(a.alias_info), str(a.elem_alias_info), a.is_out)
             for a in sc.arguments + sc.returns])


def _library_schemas():
    return sorted({str(o) for o in gc.get_objects() if isinstance(o, S.FunctionSchema)})


def test_fast_path_equals_the_full_parser_on_the_op_library():
    texts = _library_schemas()
    assert len(texts) > 1000
    fast = 0
    for text in texts:
        got = S._parse_by_arguments(text)
        if got is not None:
            fast += 1
            assert _fields(got) == _fields(S._Parser(text).parse()), text
    assert fast > 0.95 * len(texts)


def test_a_default_handed_out_cannot_change_a_schema():
    # (schemas with the same argument text share its parsed Argument)
    a = S.parse_schema("foo(Tensor self, int[2] dim=[0, 1]) -> Tensor")
    b = S.parse_schema("bar(Tensor self, int[2] dim=[0, 1]) -> Tensor")
    a.arguments[1].default_value.append(5)
    assert a.arguments[1].default_value == [0, 1] and b.arguments[1].default_value == [0, 1]
    assert str(a) == "foo(Tensor self, int[2] dim=[0, 1]) -> Tensor"


@pytest.mark.parametrize("bad", ["foo(Tensor self) -> Tensor $", "foo(Tensor self, @) -> Tensor",
                                 "foo(Tenso self) -> Tensor", "foo(Tensor self",
                                 "foo(Tensor self,, int x) -> Tensor", "foo(*, *) -> Tensor"])
def test_unusual_schemas_behave_as_under_the_full_parser(bad):
    def outcome(parse):
        try:
            return str(parse(bad))
        except RuntimeError as e:
            return "error", str(e)
    assert outcome(S.parse_schema) == outcome(lambda t: S._Parser(t).parse())
