"""PyTorch's operator schema language: ``add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor``.

``parse_schema`` turns the text into a ``FunctionSchema`` of ``Argument``s whose ``type`` is a
``SchemaType`` and whose ``alias_info`` records annotations such as ``Tensor(a!)``.  Parse errors
are RuntimeErrors that point at the offending position, as PyTorch's do.
"""
from __future__ import annotations

import math
import re

BASE_TYPES = {"Tensor", "int", "SymInt", "float", "bool", "str", "Scalar", "ScalarType",
              "Layout", "Device", "MemoryFormat", "Generator", "Stream", "Dimname", "Storage",
              "Any", "SymFloat", "SymBool", "complex", "QScheme", "DeviceIndex", "t", "bool?"}

# How PyTorch prints argument types (``str(arg.type)``, and in "Expected a value of type" errors).
_TYPE_NAMES = {"SymInt": "int", "SymFloat": "float", "SymBool": "bool", "DeviceIndex": "int",
               "ScalarType": "int", "Layout": "int", "MemoryFormat": "int", "Scalar": "number"}


class SchemaType:
    """The type of one argument or return: a base type, maybe a list (``[N]``), maybe optional."""

    __slots__ = ("base", "is_list", "list_size", "optional", "elem_optional")

    def __init__(self, base, is_list=False, list_size=None, optional=False, elem_optional=False):
        self.base, self.is_list, self.list_size = base, is_list, list_size
        self.optional, self.elem_optional = optional, elem_optional

    @property
    def is_tensor_like(self):
        return self.base == "Tensor"

    def schema_str(self):
        s = self.base + ("?" if self.elem_optional else "")
        if self.is_list:
            s += f"[{self.list_size}]" if self.list_size else "[]"
        return s + ("?" if self.optional else "")

    def __str__(self):
        b = _TYPE_NAMES.get(self.base, self.base)
        if self.elem_optional:
            b = f"Optional[{b}]"
        if self.is_list:
            b = f"List[{b}]"
        if self.optional:
            b = f"Optional[{b}]"
        return b

    def __repr__(self):
        return str(self)

    def __eq__(self, o):
        return isinstance(o, SchemaType) and self.schema_str() == o.schema_str()

    def __hash__(self):
        return hash(self.schema_str())


class AliasInfo:
    """``Tensor(a!)``: ``before_set={'a'}``, ``is_write=True``; ``Tensor(a -> *)``: ``after_set={'*'}``."""

    __slots__ = ("before_set", "after_set", "is_write", "_before", "_after")

    def __init__(self, before, after, is_write):
        self.before_set, self.after_set, self.is_write = set(before), set(after), is_write
        self._before, self._after = list(before), list(after)  # source order, for printing

    def __str__(self):
        s = "|".join(self._before)
        if self.after_set != self.before_set:
            s += " -> " + "|".join(self._after)
        return s + ("!" if self.is_write else "")

    def __repr__(self):
        return f"AliasInfo({self})"


_NO_DEFAULT = object()


class Argument:
    """One schema argument (or return): name, type, default, kwarg_only, alias_info."""

    __slots__ = ("name", "type", "_default", "kwarg_only", "alias_info", "is_out",
                 "_default_text", "elem_alias_info", "is_write")

    def __init__(self, name, type, default=_NO_DEFAULT, kwarg_only=False, alias_info=None,
                 default_text=None, elem_alias_info=None):
        self.name, self.type, self._default = name, type, default
        if alias_info is None and elem_alias_info is not None:
            # (as c10 gives a list of annotated elements: an alias set of its own, empty,
            # writing when its elements are written - what code reading ``alias_info`` sees)
            alias_info = AliasInfo((), (), elem_alias_info.is_write)
        self.kwarg_only, self.alias_info = kwarg_only, alias_info
        self.is_out = False
        self._default_text = default_text
        self.elem_alias_info = elem_alias_info
        # ``Tensor(a!)[]`` writes its elements: the annotation sits on the element type.
        ai = alias_info or elem_alias_info
        self.is_write = ai is not None and ai.is_write

    @property
    def has_default_value(self):
        return self._default is not _NO_DEFAULT

    def has_default(self):
        return self._default is not _NO_DEFAULT

    @property
    def default_value(self):
        # (a fresh list each time, as PyTorch converts a C++ default: Arguments are shared by
        # every schema with the same argument text, so no caller may change one)
        d = self._default
        return None if d is _NO_DEFAULT else list(d) if type(d) is list else d

    @property
    def real_type(self):
        return self.type

    def __str__(self):
        t = self.type.schema_str()
        ai = self.elem_alias_info or self.alias_info
        if ai is not None:
            base = self.type.base + ("?" if self.type.elem_optional else "")
            tail = t[len(base):]
            if self.elem_alias_info is not None and self.type.is_list:
                t = f"{base}({ai}){tail}"
            elif self.type.is_list:
                t = f"{t}({ai})"
            else:
                t = f"{base}({ai}){tail}"
        s = t + (" " + self.name if self.name else "")
        if self.has_default():
            s += "=" + self._default_text
        return s

    __repr__ = __str__


class FunctionSchema:
    """A parsed schema: ``name`` (``aten::add``), ``overload_name``, ``arguments``, ``returns``."""

    __slots__ = ("name", "overload_name", "arguments", "returns", "is_vararg", "is_varret",
                 "_str", "__weakref__")

    def __init__(self, name, overload_name, arguments, returns, is_vararg=False, is_varret=False):
        self.name, self.overload_name = name, overload_name
        self.arguments, self.returns = arguments, returns
        self.is_vararg, self.is_varret = is_vararg, is_varret
        self._str = None

    @property
    def is_mutable(self):
        for a in self.arguments:
            if a.is_write:
                return True
        return False

    def __str__(self):
        if self._str is None:
            name = self.name + (f".{self.overload_name}" if self.overload_name else "")
            args, kw = [], False
            for a in self.arguments:
                if a.kwarg_only and not kw:
                    args.append("*")
                    kw = True
                args.append(str(a))
            if self.is_vararg:
                args.append("...")
            rets = [str(r) for r in self.returns]
            if self.is_varret:
                rets.append("...")
            if len(rets) == 1 and not self.is_varret:
                ret = rets[0]
            else:
                ret = "(" + ", ".join(rets) + ")"
            self._str = f"{name}({', '.join(args)}) -> {ret}"
        return self._str

    def __repr__(self):
        return str(self)

    def __eq__(self, o):
        return isinstance(o, FunctionSchema) and str(o) == str(self)

    def __hash__(self):
        return hash(str(self))


_TOKEN = re.compile(r"\s*(->|\.\.\.|[A-Za-z_][A-Za-z0-9_]*|-?\d+\.\d*(?:e-?\d+)?|-?\d+(?:e-?\d+)?"
                    r"|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[()\[\],=?!*:|.-])")


# (a token, or any other non-space character: group 2, an error)
_TOKEN_OR_BAD = re.compile(_TOKEN.pattern[:3] + "(?:" + _TOKEN.pattern[3:] + r"|(\S))")


class _Parser:
    def __init__(self, text):
        self.text = text
        # (token, position), then two end markers (None, len(text)) so ``peek`` needs no
        # bounds check; the whole text in one ``finditer`` (the op library parses ~1000
        # schemas at import)
        toks = [(m[1], m.start(m.lastindex)) for m in _TOKEN_OR_BAD.finditer(text)]
        for tok, pos in toks:
            if tok is None:
                self.fail(pos, "unexpected character")
        end = (None, len(text))
        self.toks = toks + [end, end]
        self.i = 0

    def fail(self, pos, msg):
        raise RuntimeError(f"\n{msg}:\n{self.text}\n{' ' * pos}~ <--- HERE\n")

    def peek(self, k=0):
        return self.toks[self.i + k][0]

    def pos(self):
        return self.toks[self.i][1]

    def next(self):
        t = self.peek()
        if t is None:
            self.fail(len(self.text), "expected more input but found 'eof' here")
        self.i += 1
        return t

    def expect(self, tok):
        t = self.peek()
        if t != tok:
            found = "'eof'" if t is None else f"'{t}'"
            self.fail(self.pos(), f"expected {tok} but found {found} here")
        self.i += 1

    # name[.overload]
    def parse_name(self):
        name = self.next()
        if self.peek() == ":" and self.peek(1) == ":":
            self.i += 2
            name += "::" + self.next()
        overload = ""
        if self.peek() == ".":
            self.i += 1
            overload = self.next()
        return name, overload

    def parse_alias(self):
        # after '(' of an annotation
        before, after, write = [], None, False
        before.append(self.next())
        while self.peek() == "|":
            self.i += 1
            before.append(self.next())
        if self.peek() == "!":
            self.i += 1
            write = True
        if self.peek() == "->":
            self.i += 1
            after = [self.next()]
            while self.peek() == "|":
                self.i += 1
                after.append(self.next())
            if self.peek() == "!":
                self.i += 1
                write = True
        self.expect(")")
        return AliasInfo(before, after if after is not None else before, write)

    def parse_type(self):
        p = self.pos()
        base = self.next()
        if base not in BASE_TYPES:
            self.fail(p, "unknown type specifier. Common valid schema types include Tensor, "
                         "SymInt, int, float, bool, Scalar; for a full list, please see "
                         "https://github.com/pytorch/pytorch/blob/main/aten/src/ATen/native/"
                         "README.md#func ")
        t = SchemaType(base)
        alias = elem_alias = None
        if self.peek() == "?":
            self.i += 1
            t.optional = True
        if self.peek() == "(":  # alias annotation: Tensor(a!), Generator(a!), t(b -> *)
            self.i += 1
            alias = self.parse_alias()
            if self.peek() == "?":  # t(a)? x
                self.i += 1
                t.optional = True
        if self.peek() == "[":
            self.i += 1
            size = None
            if self.peek() not in ("]", None):
                size = int(self.next())
            self.expect("]")
            t.is_list, t.list_size = True, size
            if t.optional:
                t.optional, t.elem_optional = False, True
            if alias is not None:
                elem_alias, alias = alias, None
            if self.peek() == "?":
                self.i += 1
                t.optional = True
            if self.peek() == "(":
                self.i += 1
                alias = self.parse_alias()
        return t, alias, elem_alias

    def parse_default(self, t):
        start = self.pos()
        tok = self.peek()
        if tok == "[":
            depth = 0
            vals = []
            self.i += 1
            while self.peek() != "]":
                vals.append(self._literal(self.next(), t))
                if self.peek() == ",":
                    self.i += 1
            self.expect("]")
            _ = depth
            val = vals
        else:
            val = self._literal(self.next(), t)
            if t.is_list and val is not None and t.list_size:
                val = [val] * t.list_size
            elif t.is_list and val is not None:
                val = [val]
        end = self.toks[self.i - 1][1] + len(self.toks[self.i - 1][0])
        text = self.text[start:end]
        if text in _ENUM_DEFAULTS:  # (printed as its value, as PyTorch prints ``reduction=1``)
            text = str(val)
        return val, text

    def _literal(self, tok, t):
        if tok == "None":
            return None
        if tok == "True":
            return True
        if tok == "False":
            return False
        if tok[0] in "\"'":
            return bytes(tok[1:-1], "utf-8").decode("unicode_escape")
        if tok in ("inf", "-inf", "nan"):
            return float(tok)
        if tok == "-" and self.peek() == "inf":
            self.i += 1
            return -math.inf
        if re.fullmatch(r"-?\d+", tok):
            v = int(tok)
            return float(v) if t.base in ("float", "SymFloat") else v
        if re.fullmatch(r"-?\d+\.\d*(e-?\d+)?|-?\d+e-?\d+", tok):
            return float(tok)
        # enum-ish defaults: contiguous_format, Mean, long, ...
        return _ENUM_DEFAULTS.get(tok, tok)

    def parse_arg(self, kwarg_only, is_return):
        t, alias, elem_alias = self.parse_type()
        name = ""
        if self.peek() not in (",", ")", "=", None) and (not is_return or self.peek() != "->"):
            name = self.next()
        default, text = _NO_DEFAULT, None
        if self.peek() == "=" and not is_return:
            self.i += 1
            default, text = self.parse_default(t)
        return Argument(name, t, default, kwarg_only, alias, text, elem_alias)

    def parse(self):
        name, overload = self.parse_name()
        self.expect("(")
        args, kw, vararg = [], False, False
        while self.peek() != ")":
            if self.peek() == "*":
                self.i += 1
                kw = True
            elif self.peek() == "...":
                self.i += 1
                vararg = True
            else:
                args.append(self.parse_arg(kw, False))
            if self.peek() == ",":
                self.i += 1
            elif self.peek() != ")":
                self.expect(")")
        self.expect(")")
        self.expect("->")
        rets, varret = [], False
        if self.peek() == "(":
            self.i += 1
            while self.peek() != ")":
                if self.peek() == "...":
                    self.i += 1
                    varret = True
                else:
                    rets.append(self.parse_arg(False, True))
                if self.peek() == ",":
                    self.i += 1
                elif self.peek() != ")":
                    self.expect(")")
            self.expect(")")
        else:
            rets.append(self.parse_arg(False, True))
        if self.peek() is not None:
            self.fail(self.pos(), f"expected end of schema but found '{self.peek()}' here")
        for a in args:
            a.is_out = a.kwarg_only and a.is_write
        return FunctionSchema(name, overload, args, rets, vararg, varret)


# enum defaults as the JIT's schema parser reads them (``int reduction=Mean``: at::Reduction::Mean)
_ENUM_DEFAULTS = {"Mean": 1}


def parse_schema(text: str) -> FunctionSchema:
    """Parse ``ns::name.overload(args) -> returns`` into a FunctionSchema."""
    schema = _parse_by_arguments(text)
    return schema if schema is not None else _Parser(text).parse()


# The op library parses ~1100 schemas at import, made of a few hundred distinct argument texts
# (``Tensor self``, ``Scalar alpha=1``, ``*, Tensor(a!) out``...): a schema in the plain form
# is split into argument texts by two regular expressions, and each distinct text is parsed
# once.  Anything else (strings, varargs, unusual spacing) takes the full parser, which also
# gives the errors.
_PLAIN_SCHEMA = re.compile(r"([A-Za-z_][\w:]*)(?:\.(\w+))?\((.*)\) -> (.+)\Z", re.S)
_ARG_SPLIT = re.compile(r", (?![^\[]*\])")
_ARG_CACHE: dict = {}  # (text, kwarg_only, is_return) -> its parsed Argument (shared)


def _parse_by_arguments(text):
    m = _PLAIN_SCHEMA.match(text)
    if m is None or "'" in text or '"' in text or "..." in text:
        return None
    name, overload, args_text, rets_text = m.groups()
    if "::" in name and name.count("::") != 1:
        return None
    args, kw = [], False
    cache = _ARG_CACHE
    for piece in _ARG_SPLIT.split(args_text) if args_text else ():
        if piece == "*":
            if kw:
                return None
            kw = True
            continue
        a = cache.get((piece, kw, False)) or _cached_arg(piece, kw, False)
        if a is None:
            return None
        args.append(a)
    if rets_text.startswith("(") and rets_text.endswith(")"):
        inner = rets_text[1:-1]
        pieces = _ARG_SPLIT.split(inner) if inner else []
    else:
        pieces = [rets_text]
    rets = []
    for piece in pieces:
        r = cache.get((piece, False, True)) or _cached_arg(piece, False, True)
        if r is None:
            return None
        rets.append(r)
    return FunctionSchema(name, overload or "", args, rets)


def _cached_arg(piece, kwarg_only, is_return):
    """The Argument for one argument's text (parsed once per text and shared by every schema
    that has it: nothing changes an Argument once parsed), or None when the text is not one
    whole argument."""
    key = (piece, kwarg_only, is_return)
    a = _ARG_CACHE.get(key)
    if a is None:
        if not piece or piece != piece.strip():
            return None
        try:
            p = _Parser(piece)
            a = p.parse_arg(kwarg_only, is_return)
        except RuntimeError:
            return None
        if p.peek() is not None:
            return None
        a.is_out = a.kwarg_only and a.is_write
        _ARG_CACHE[key] = a
    return a


def is_view_schema(schema) -> bool:
    """A view op: some return aliases an input without writing it (``Tensor(a)``)."""
    for r in schema.returns:
        ai = r.alias_info or r.elem_alias_info
        if ai is not None and not ai.is_write:
            return True
    return False


def is_inplace_schema(schema) -> bool:
    return bool(schema.arguments) and schema.arguments[0].is_write and \
        not schema.arguments[0].kwarg_only


def elem_type(t: SchemaType) -> SchemaType:
    """The element type of a list type (``Tensor?[]`` -> ``Tensor?``)."""
    return SchemaType(t.base, optional=t.elem_optional)
