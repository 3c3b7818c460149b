"""Enum defaults in schemas (``int reduction=Mean``): read and printed as the JIT's parser does."""
import pytest

from kindling._dispatcher.schema import parse_schema

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("text", ["foo(Tensor self, int reduction=Mean) -> Tensor",
                                  "foo.out(Tensor self, Tensor t, int reduction=Mean, *, "
                                  "Tensor(a!) out) -> Tensor(a!)"])
def test_as_pytorch(text):
    k, t = parse_schema(text), torch._C.parse_schema(text)
    assert str(k) == str(t)
    assert [a.default_value for a in k.arguments if a.name == "reduction"] == \
        [a.default_value for a in t.arguments if a.name == "reduction"]
