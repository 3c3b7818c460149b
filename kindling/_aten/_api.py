"""The Python API layer: ``kindling.<fn>`` and ``Tensor.<method>`` over aten overloads.

``public("add", add_Tensor, add_out)`` creates ``kindling.add`` and ``Tensor.add``.  A call binds
its arguments to the first overload whose schema accepts them (``out=`` selects the ``.out``
overload), the way PyTorch's Python arg parser picks a signature, then calls that OpOverload.
Bindings that depend only on argument types are cached, so the usual call costs a dict lookup.
Type errors are TypeErrors in the parser's words: ``add(): argument 'other' (position 2) must be
Tensor, not str``.
"""
from __future__ import annotations

import operator

from .. import _dtype, _ops
from .._tensor import Tensor
from ._util import int_list_error
from ..overrides import (
    _KIND, NO_TF_TYPES, _live_modes, has_overloaded, torch_function_dispatch,
)

PUBLIC: dict = {}          # kindling.<name> functions
METHODS: dict = {}         # Tensor.<name> methods

_NOCACHE = (list, tuple, dict)


class _Sig:
    __slots__ = ("op", "pos", "kwonly", "names", "has_out", "out_twin", "outs", "first_tensor",
                 "nums", "opt_lists", "varargs", "no_reduction")

    def __init__(self, op, self_name, is_method=False):
        self.op = op
        args = op._schema.arguments
        self.pos = [a for a in args if not a.kwarg_only]
        # an int list that is the one positional parameter (``x.flip(0)``, ``x.view(2, 3)``)
        # takes ints as varargs, one int among them; elsewhere only a sized list (``int[1]``)
        # takes a lone int (``torch.flip(x, 0)`` is a TypeError)
        rest = self.pos[1:] if is_method else self.pos
        self.varargs = len(rest) == 1 and rest[0].type.is_list and \
            rest[0].type.base in ("int", "SymInt")
        self.kwonly = {a.name: a for a in args if a.kwarg_only}
        self.names = {}
        for a in self.pos:
            self.names[self_name if a.name == "self" else a.name] = a
        self.has_out = any(a.is_out for a in args)
        self.out_twin = False  # (a functional overload with an out= twin: takes ``out=None``)
        # several outputs (``max.dim_max``): one ``out=`` keyword taking a tuple of tensors,
        # as PyTorch's Python signature has (``tuple of Tensors out = None``)
        outs = [a.name for a in args if a.is_out]
        self.outs = outs if len(outs) > 1 else None
        if self.outs:
            for n in outs:
                del self.kwonly[n]
        self.first_tensor = bool(self.pos) and self.pos[0].type.base == "Tensor" and \
            not self.pos[0].type.is_list
        self.nums = _ops.allows_numbers(op._schema)
        # ``Tensor?[]`` arguments: the bindings refuse None in them (``torch.ops`` takes it)
        self.opt_lists = frozenset(a.name for a in args if a.type.is_list and
                                   a.type.base == "Tensor" and a.type.elem_optional)
        # PyTorch's generated bindings read a loss's schema default ``reduction=Mean`` as 0
        # (no reduction), where ``torch.ops`` and ``F.*`` reduce by mean: the position of
        # such an argument, filled with 0 when the call leaves it out
        self.no_reduction = next((i for i, a in enumerate(self.pos) if a.name == "reduction"
                                  and a.type.base == "int" and a.has_default()
                                  and a.default_value == 1), None)

    def _lone_int(self, a, v, positional=True):
        """A lone number for an unsized list argument that is not varargs: refused."""
        return a.type.is_list and not a.type.list_size and \
            not (self.varargs and positional) and v is not None and \
            not isinstance(v, (list, tuple)) and a.type.base != "Tensor"

    def bind(self, args, kwargs, strict_first=True):
        """(positional, keyword) arguments for the op, or (None, error text)."""
        pos = self.pos
        if len(args) > len(pos):
            return None, ("too_many", len(args))
        vals = list(args)
        kw = {}
        # (PyTorch's parser checks the parameters in schema order - positional ones, then
        # keyword-only ones - and only then complains of a keyword it did not use)
        unknown = kw_error = late = None
        for k, v in kwargs.items():
            a = self.names.get(k)
            if a is not None:
                i = pos.index(a)
                if i < len(args):
                    return None, ("dup", k)
                while len(vals) <= i:
                    vals.append(_MISSING)
                vals[i] = v
            elif k == "out" and self.outs is not None:
                if v is None:
                    continue
                err = _out_tuple_error(v, len(self.outs))
                if err is not None:
                    # (the parser takes any tuple here; its size and elements are checked
                    # once the signature is chosen: PythonArgs::tensorlist_n)
                    if err[0] == "out_tuple":
                        kw_error = kw_error or err
                    else:
                        late = err
                        kw["out"] = v
                    continue
                kw.update(zip(self.outs, v))
                kw["out"] = v  # (dropped below: tells that out= was given)
            elif k in self.kwonly:
                if k == "out" and v is None:
                    continue
                a = self.kwonly[k]
                if kw_error is None and (not _ops.value_matches(a.type, v, self.nums) or
                                         self._lone_int(a, v, positional=False)):
                    n = tensor_as_number(a.type, v)
                    if n is None:
                        kw_error = ("type", a, v, None)
                    else:
                        v = n
                kw[k] = v
            elif k == "out" and v is None and self.out_twin:
                continue  # (``out=None``: the merged signature's out= left at its default)
            elif unknown is None:
                unknown = ("kw", k)
        if self.has_out and "out" not in kw and kw_error is None and unknown is None:
            return None, ("needs_out",)
        for k, a in self.kwonly.items():  # (a keyword-only argument without a default)
            if k not in kw and not a.is_out and not a.has_default():
                return None, ("missing", a)
        for i, a in enumerate(pos):
            if i >= len(vals):
                if not a.has_default():
                    return None, ("missing", a)
                continue
            v = vals[i]
            if v is _MISSING:
                if not a.has_default():
                    return None, ("missing", a)
                vals[i] = 0 if i == self.no_reduction else a.default_value
                continue
            if i == 0 and self.first_tensor and strict_first and not isinstance(v, Tensor):
                return None, ("type", a, v, i if i < len(args) else None)
            if not _ops.value_matches(a.type, v, self.nums) or self._lone_int(a, v):
                if a.type.is_list and a.type.base in _INT_TYPES and type(v) in (list, tuple):
                    # (PyTorch's parser: the first element picks the signature, the others
                    # are checked when the list is unpacked, after the signature is chosen)
                    err = int_list_error("", a.name, v, i + 1 if i < len(args) else None)
                    if err is None:  # (one-element integral tensors among the ints)
                        vals[i] = [x if type(x) is int else int(x) for x in v]
                        continue
                    if "failed to unpack" in str(err):
                        late = late or ("unpack", a, v)
                        continue
                    if i < len(args):
                        return None, ("elem", a, v, i)
                n = tensor_as_number(a.type, v)
                if n is None:
                    # (PyTorch names the position only of an argument passed positionally)
                    return None, ("type", a, v, i if i < len(args) else None)
                vals[i] = n
        if self.no_reduction is not None and len(vals) <= self.no_reduction:
            vals.extend(a.default_value for a in pos[len(vals):self.no_reduction])
            vals.append(0)
        if self.opt_lists:
            for i, a in enumerate(pos):
                if a.name in self.opt_lists and i < len(vals) and \
                        type(vals[i]) in (list, tuple) and None in vals[i]:
                    return None, ("type", a, vals[i], i if i < len(args) else None)
        if kw_error is not None or unknown is not None:
            return None, kw_error or unknown
        if late is not None:
            return None, ("late", late)
        if self.outs is not None:
            kw.pop("out", None)
        return (vals, kw), None


_MISSING = object()

_NUMBER_TYPES = frozenset({"Scalar", "float", "complex", "SymFloat"})
_INT_TYPES = frozenset({"int", "SymInt"})


def tensor_as_number(t, v):
    """PyTorch's arg parser takes a 0-d tensor that does not require grad for a number: in a
    ``Scalar``/``float``/``complex`` parameter (any dtype), in an ``int`` one or an ``int[]``
    one (as its one element) when integral. The number (``item()``, dispatched as PyTorch's
    ``_local_scalar_dense``), or None."""
    if not isinstance(v, Tensor) or v.dim() != 0 or v.requires_grad:
        return None
    if t.base in _INT_TYPES:
        if v.dtype.is_floating_point or v.dtype.is_complex or v.dtype is _dtype.bool:
            return None
        return [v.item()] if t.is_list else v.item()
    if t.base in _NUMBER_TYPES and not t.is_list:
        return v.item()
    return None


def _out_tuple_error(v, n):
    """The parser's complaint about ``out=v`` for a signature of ``n`` outputs, or None."""
    if not isinstance(v, (tuple, list)):
        return ("out_tuple", v)
    if len(v) != n:
        return ("out_len", n, len(v))
    for j, x in enumerate(v):
        if not isinstance(x, Tensor):
            return ("out_elem", j, x)
    return None


def _tname(v):
    if isinstance(v, Tensor):
        return "Tensor"
    return type(v).__name__


# how PyTorch's argument parser spells schema types in its messages
_PY_TYPE_NAMES = {"Scalar": "Number", "SymInt": "int", "SymFloat": "float",
                  "ScalarType": "torch.dtype", "Layout": "torch.layout",
                  "Device": "torch.device", "MemoryFormat": "torch.memory_format",
                  "Generator": "torch.Generator", "Dimname": "name"}


def _py_type(a):
    if a.type.is_list:
        if a.type.base in ("int", "SymInt"):
            return "tuple of ints"
        return "tuple of Scalars" if a.type.base == "Scalar" else \
            f"tuple of {_PY_TYPE_NAMES.get(a.type.base, a.type.base)}s"
    return _PY_TYPE_NAMES.get(a.type.base, a.type.base)


def _arg_name(a, self_name):
    # (a tensor ``self`` is ``input`` in a function's signature; a Scalar ``self`` keeps its name)
    return self_name if a.name == "self" and a.type.base == "Tensor" and not a.type.is_list \
        else a.name


def _fmt_sig(sig, self_name, fname, with_out=None, is_method=False):
    """One line of PyTorch's "expected one of" list: ``with_out`` (the out= twin): the
    functional form's line also offers its ``out``, as PyTorch's merged signature does."""
    def text(a):
        s = f"{_py_type(a)} {_arg_name(a, self_name)}"
        if a.has_default():
            return s + f" = {a._default_text}"
        return s + (" = None" if a.is_out else "")
    return " * (" + ", ".join(_signature_parts(sig, is_method, text, with_out and (
        "tuple of Tensors out = None" if with_out.outs else "Tensor out = None"),
        "tuple of Tensors out = None")) + ")"


def _signature_parts(sig, is_method, text, out_twin, outs_text):
    """A signature's arguments as ``text(argument)`` each, with ``*`` before the keyword-only
    ones and ``out_twin`` (the merged out= twin's text) last when given; several outputs are
    one ``outs_text``."""
    parts = []
    star = False
    for a in sig.op._schema.arguments:
        if is_method and a.name == "self":
            continue
        if a.kwarg_only and not star:
            parts.append("*")
            star = True
        if a.is_out and sig.outs:
            if a.name == sig.outs[0]:
                parts.append(outs_text)
            continue
        parts.append(text(a))
    if out_twin:
        parts += ([] if star else ["*"]) + [out_twin]
    return parts


def _merged(sigs):
    """PyTorch's signatures: each functional overload with its out= twin merged into it
    (``(functional, has an out twin)``), out= overloads without a twin on their own."""
    def key(s):
        return tuple((a.name, str(a.type)) for a in s.op._schema.arguments if not a.is_out)
    outs = {key(s): s for s in sigs if s.has_out}
    funcs = {key(s) for s in sigs if not s.has_out}
    return [(s, outs.get(key(s))) for s in sigs if not s.has_out] + \
        [(s, None) for s in sigs if s.has_out and key(s) not in funcs]


def _arg_smaller(t1, t2):
    """PyTorch's codegen rule: an argument of type ``t1`` ranks below one of type ``t2``."""
    return (t1 == "Scalar" and t2 == "Tensor" or t1 == "Scalar?" and t2 == "Tensor?" or
            "Dimname" in t1 and "Dimname" not in t2 or
            t1 == "int[]" and t2 in ("int", "int?") or
            t1 == "Tensor[]" and "[]" in t2 or t1 == "SymInt[]" and t2 == "int[]" or
            t1 in ("SymInt", "int") and t2 == "Tensor")


# how PyTorch's codegen spells argument types in the signature text it sorts overloads by
_CODEGEN_BASE = {"int": "int64_t", "float": "double", "str": "c10::string_view"}
_CODEGEN_LIST = {"int": "IntArrayRef", "SymInt": "SymIntArrayRef", "Tensor": "TensorList",
                 "Scalar": "ScalarList", "Dimname": "DimnameList"}
_CODEGEN_DEFAULTS = {"[]": "None"}


def _codegen_type(t):
    if not t.is_list:
        s = _CODEGEN_BASE.get(t.base, t.base)
    elif t.base == "Tensor" and t.elem_optional:
        s = "c10::List<::std::optional<Tensor>>"
    elif t.base == "bool":
        s = f"::std::array<bool,{t.list_size}>"
    elif t.base in _CODEGEN_LIST:
        s = _CODEGEN_LIST[t.base] + (f"[{t.list_size}]" if t.list_size else "")
    else:
        s = f"ArrayRef<{_CODEGEN_BASE.get(t.base, t.base)}>"
    return s + "?" if t.optional else s


def _codegen_signature(sig, with_out, is_method):
    """The text PyTorch's codegen sorts a Python signature by (``signature_str``):
    ``(TensorList self, ScalarList scalars)``."""
    def text(a):
        t = _codegen_type(a.type)
        name = "input" if a.name == "self" and t == "Tensor" and not is_method else a.name
        if a.has_default():
            d = a._default_text
            return f"{t} {name}={_CODEGEN_DEFAULTS.get(d, d)}"
        return f"{t} {name}" + ("=None" if a.is_out else "")
    return "(" + ", ".join(_signature_parts(sig, is_method, text, with_out and (
        f"TensorList[{len(with_out.outs)}] out=None" if with_out.outs else "Tensor out=None"),
        f"TensorList[{len(sig.outs or ())}] out=None")) + ")"


def _pytorch_order(merged, self_name, is_method):
    """The signatures in the order PyTorch's generated bindings list them: by their codegen
    signature text, then a topological sort putting each overload after those it ranks below
    (``Scalar`` after ``Tensor``...)."""
    def types(s):
        return [a.type.schema_str() for a in s.op._schema.arguments
                if not a.is_out and not (is_method and a.name == "self")]

    items = sorted(merged, key=lambda item: _codegen_signature(item[0], item[1], is_method))
    n = len(items)
    larger = {}
    for i in range(n):
        for j in range(n):
            t1, t2 = types(items[i][0]), types(items[j][0])
            if len(t1) == len(t2) and t1 != t2 and all(
                    a == b or _arg_smaller(a, b) for a, b in zip(t1, t2)):
                larger.setdefault(i, set()).add(j)
    order = [i for i in range(n) if i not in larger]
    k = 0
    while k < len(order):
        done = order[k]
        for j in sorted(larger):
            if j in larger and done in larger[j]:
                larger[j].discard(done)
                if not larger[j]:
                    del larger[j]
                    order.append(j)
        k += 1
    return [items[i] for i in order] + [items[i] for i in range(n) if i not in order]


def _arity(sig, with_out, is_method):
    """(fewest, most) arguments a signature takes, as PyTorch's parser counts them."""
    args = [a for a in sig.op._schema.arguments if not (is_method and a.name == "self")]
    need = sum(1 for a in args if not a.has_default() and not a.is_out)
    return need, len(args) + bool(with_out) - (len(sig.outs) - 1 if sig.outs else 0)


def _bad_list_element(a, v):
    """The index of the first element of a list or tuple ``v`` given for the tensor-list
    argument ``a`` that is no tensor (None too, for ``Tensor?[]``: the bindings refuse it),
    or None."""
    if a.type.base != "Tensor" or not isinstance(v, (list, tuple)):
        return None
    for j, x in enumerate(v):
        if not isinstance(x, Tensor):
            return j
    return None


# the functions (and methods) whose PyTorch bindings also take deprecated signatures
# (tools/autograd/deprecated.yaml), hidden from the messages but making the set several
_HIDDEN_SIGNATURES = frozenset({"add", "addbmm", "addcdiv", "addcmul", "addmm", "sspaddmm",
                                "addmv", "addr", "baddbmm", "sub"})


def _error(fname, sigs, errs, args, kwargs, self_name, all_sigs=None, is_method=False):
    """PyTorch's TypeError for arguments no overload takes: the one plausible signature's
    (by argument count) specific complaint, else the signature (or the list of every one)
    with what did not match."""
    merged = _merged(all_sigs or sigs)
    if is_method:  # (a method's signatures: those with a Tensor self, without out=)
        merged = [(s, None) for s, _ in merged if not s.has_out and any(
            a.name == "self" and a.type.base == "Tensor" for a in s.op._schema.arguments)] \
            or merged
    if is_method and all(len(s.op._schema.arguments) == 1 for s, _ in merged):
        # (a method of ``self`` alone is a METH_NOARGS method: CPython's own messages)
        if kwargs:
            return TypeError(f"TensorBase.{fname}() takes no keyword arguments")
        return TypeError(f"TensorBase.{fname}() takes no arguments ({len(args) - 1} given)")
    n = len(args) - is_method + len(kwargs)
    plausible = [(s, w) for s, w in merged
                 if _arity(s, w, is_method)[0] <= n <= _arity(s, w, is_method)[1]]
    # (a function of one signature raises its parse error; so does the one plausible
    # signature of several; PyTorch's hidden deprecated signatures count only as "several")
    single = len(merged) == 1 and fname not in _HIDDEN_SIGNATURES
    if len(plausible) == 1 or single:
        sig = (plausible or merged)[0][0]
        if sig.has_out != (kwargs.get("out") is not None):
            twin = [s for s in (all_sigs or sigs) if s.has_out == (kwargs.get("out") is not None)
                    and s.op._schema.name == sig.op._schema.name]
            sig = twin[0] if len(twin) == 1 else sig
        e = sig.bind(args, kwargs)[1] if sig not in sigs else errs[sigs.index(sig)]
        r = _one_error(fname, sig, e, self_name, is_method)
        if r is not None:
            return r
    shown = args[1:] if is_method else args
    head = f"{fname}() received an invalid combination of arguments - "
    if len(merged) == 1:
        return TypeError(head + _single_option(
            _fmt_sig(merged[0][0], self_name, fname, merged[0][1], is_method)[3:], shown, kwargs))
    got = _got(shown, kwargs)
    lines = "\n".join(line + _option_hint(line[3:], shown, kwargs) for line in (
        _fmt_sig(s, self_name, fname, w, is_method)
        for s, w in _pytorch_order(merged, self_name, is_method)))
    return TypeError(f"{fname}() received an invalid combination of arguments - got {got}, "
                     f"but expected one of:\n{lines}\n")


def _got(shown, kwargs):
    """The parser's ``(Tensor, str)``: keywords listed last first, as PyTorch's message lists
    them; with no positional argument each keyword keeps its separator: ``(bogus=int, )``."""
    got = "".join([_tname(a) + ", " for a in shown] +
                  [f"{k}={_tname(v)}, " for k, v in reversed(kwargs.items())])
    return "(" + (got[:-2] if shown else got) + ")"


def _parse_option(text):
    """An option line's arguments as PyTorch's ``format_invalid_args`` parses them:
    ``[(name, type)]`` and whether it is variadic.  Its quirks are kept: each ", "-separated
    piece is a type and the word after its last space, so ``int dim = None`` is an argument
    named ``None`` of type ``int dim =``, and ``*`` is an argument too."""
    body = text[1:-1]
    args = []
    for piece in body.split(", "):
        start = 1 if piece[:1] == "#" else 0
        nullable = piece[start:start + 1] == "["
        if nullable:
            start += 1
            piece = piece[:-len(" or None]")]
        end = piece.rfind(" ")
        if end < 0:
            args.append((piece, piece[start:], nullable))
            continue
        name = piece[end + 1:]
        if "..." in piece:
            end -= 4
        args.append((name, piece[start:end], nullable))
    return args, "..." in body


def _type_matches(type_name, nullable, v):
    if nullable and v is None:
        return True
    name = type(v).__name__
    if type_name == "float":
        return name in ("float", "int", "long")
    if type_name == "int":
        return name in ("int", "long")
    return name == type_name


def _arg_desc(v):
    if isinstance(v, (tuple, list)):
        inner = ", ".join(type(x).__name__ for x in v)
        if isinstance(v, tuple):
            return f"tuple of ({inner}{',' if len(v) == 1 else ''})"
        return f"list of [{inner}]"
    return type(v).__name__


def _unmatched_keywords(opts, kwargs):
    """The keywords an option has no place for: each is looked for among its last
    ``len(kwargs)`` arguments."""
    names = {name for name, _, _ in opts[max(len(opts) - len(kwargs), 0):]}
    return [k for k in reversed(kwargs) if k not in names]


def _count_matches(opts, variadic, n):
    return n == len(opts) or variadic and n > len(opts)


def _single_option(line, shown, kwargs):
    """The message's tail for a function with one signature."""
    opts, variadic = _parse_option(line)
    bad = _unmatched_keywords(opts, kwargs) if kwargs else []
    if bad:
        return "got unrecognized keyword arguments: " + ", ".join(bad)
    if _count_matches(opts, variadic, len(shown) + len(kwargs)):
        got = _formatted_args(opts, variadic, shown, kwargs)
    else:
        got = _got(shown, kwargs)
    return f"got {got}, but expected {line}"


def _option_hint(line, shown, kwargs):
    """PyTorch's second line under an option whose argument count is the call's: the keywords
    it has no place for, else each argument's type against the option's (``!str!`` where it
    does not match) - ``format_invalid_args``, on the option's text."""
    opts, variadic = _parse_option(line)
    if not _count_matches(opts, variadic, len(shown) + len(kwargs)):
        return ""
    bad = _unmatched_keywords(opts, kwargs) if kwargs else []
    if bad:
        return "\n      didn't match because some of the keywords were incorrect: " + \
            ", ".join(bad)
    return "\n      didn't match because some of the arguments have invalid types: " + \
        _formatted_args(opts, variadic, shown, kwargs)


def _formatted_args(opts, variadic, shown, kwargs):
    """The call's arguments, each marked ``!...!`` where the option's type does not take it."""
    n = len(shown) + len(kwargs)
    out = "("
    for i in range(n):
        if i < len(shown):
            v, label = shown[i], ""
        else:
            label = opts[i][0] + "="
            v = kwargs.get(opts[i][0])
        j = i if i < len(opts) else len(opts) - 1 if variadic else None
        ok = j is not None and _type_matches(opts[j][1], opts[j][2], v)
        text = label + _arg_desc(v)
        out += (text if ok else f"!{text}!") + ", "
    if shown:  # (PyTorch trims the last separator only after positional arguments)
        out = out[:-2]
    return out + ")"


def _one_error(fname, sig, e, self_name, is_method):
    """The TypeError for the binding error ``e`` of signature ``sig``, or None."""
    if e is None:
        return None
    if e[0] in ("elem", "unpack"):  # (an int list with an element that is no integer)
        a, v = e[1], e[2]
        pos = e[3] + 1 - is_method if e[0] == "elem" else None
        return int_list_error(fname, _arg_name(a, self_name), v, pos)
    if e[0] == "type":
        a, v, i = e[1], e[2], e[3]
        n = _arg_name(a, self_name)
        t = _py_type(a)
        bad = _bad_list_element(a, v) if a.type.is_list else None
        if bad is not None:  # (the parser's check of each element of a tensor list)
            args_ = [x for x in sig.op._schema.arguments
                     if not (is_method and x.name == "self")]
            return TypeError(f"expected Tensor as element {bad} in argument "
                             f"{args_.index(a)}, but got {_tname(v[bad])}")
        where = f" (position {i + 1 - is_method})" if i is not None else ""
        return TypeError(f"{fname}(): argument '{n}'{where} must be {t}, not {_tname(v)}")
    params = [a for a in sig.op._schema.arguments if not (is_method and a.name == "self")]
    if e[0] == "missing":  # (every required parameter from the first missing one on)
        names = [a for a in params[params.index(e[1]):] if not a.has_default() and not a.is_out]
        n = len(names)
        # (PyTorch's plural is the wrong way round: "1 ... arguments", "2 ... argument")
        return TypeError(f"{fname}() missing {n} required positional argument"
                         f"{'s' if n == 1 else ''}: " +
                         ", ".join(f'"{_arg_name(a, self_name)}"' for a in names))
    if e[0] == "kw":
        return TypeError(f"{fname}() got an unexpected keyword argument '{e[1]}'")
    if e[0] == "too_many":
        n = len(sig.pos) - is_method
        least = sum(1 for a in params if not a.has_default() and not a.is_out)
        given = e[1] - is_method
        if least != n:
            return TypeError(f"{fname}() takes from {least} to {n} positional arguments but "
                             f"{given} were given")
        return TypeError(f"{fname}() takes {n} positional argument{'s' if n != 1 else ''} "
                         f"but {given} {'were' if given != 1 else 'was'} given")
    if e[0] == "dup":
        return TypeError(f"{fname}() got multiple values for argument '{e[1]}'")
    if e[0] == "out_tuple":
        return TypeError(f"{fname}(): argument 'out' must be tuple of Tensors, not "
                         f"{_tname(e[1])}")
    if e[0] == "out_len":
        return TypeError(f"expected tuple of {e[1]} elements but got {e[2]}")
    if e[0] == "out_elem":
        return TypeError(f"expected Tensor as element {e[1]} in argument "
                         f"{sum(1 for a in params if not a.is_out)}, but got {_tname(e[2])}")
    return None


def make_function(fname, overloads, self_name="input", is_method=False, return_types=None):
    """The API function (or method) over ``overloads``: a list of OpOverloads, or a
    function giving it at the first call (ops defined at first use: ``_aten/_lazy.py``).
    ``return_types``: ``(structseq, its _out twin)``: the classes a tuple result is returned
    as (``torch.return_types.max`` / ``max_out``)."""
    # (each overload's binding rules are worked out at the first call that needs them: most of
    # the ~1700 functions and methods made at import are never called in a given program)
    sigs = []
    # Bindings that only depend on the argument types, for types without __torch_function__:
    # calls with keywords map (types, keyword names, keyword types) to the OpOverload; calls
    # without keywords (nearly all) map the argument types to a ``positional_caller``.
    cache = {}
    fast = {}
    live = _live_modes

    def call(args, kwargs, api):
        try:
            key = (tuple(map(type, args)), tuple(kwargs), tuple(map(type, kwargs.values())))
            hit = cache.get(key)
        except TypeError:
            hit = key = None
        if hit is not None and not live[0]:
            return hit(*args, **kwargs)
        if live[0] or has_overloaded(args, kwargs):
            return torch_function_dispatch(api, impl, args, kwargs or None)
        return bind_and_call(args, kwargs, key)

    def impl(*args, **kwargs):
        return bind_and_call(args, kwargs, None)

    def bind_and_call(args, kwargs, key):
        if not sigs:
            sigs[:] = [_Sig(op, self_name, is_method) for op in
                       (overloads() if callable(overloads) else overloads)]
            if is_method:  # (Tensor methods take no out=)
                sigs[:] = [s for s in sigs if not s.has_out] or sigs
            merged = _merged(sigs)
            for s, twin in merged:
                s.out_twin = twin is not None
            # tried in the order of PyTorch's bindings (a 0-d tensor binds to ``fill_.Tensor``
            # before it could be read as a number for ``fill_.Scalar``)
            sigs[:] = [s for pair in _pytorch_order(merged, self_name, is_method)
                       for s in pair if s is not None]
        errs = []
        want_out = kwargs.get("out") is not None
        tried = [s for s in sigs if s.has_out == want_out] or sigs
        for s in tried:
            bound, err = s.bind(args, kwargs)
            if bound is not None:
                vals, kw = bound
                if key is not None and len(vals) == len(args) and kw.keys() == kwargs.keys() \
                        and all(map(operator.is_, vals, args)) and \
                        all(kw[k] is kwargs[k] for k in kw) \
                        and not any(isinstance(a, _NOCACHE) for a in args) and \
                        not any(isinstance(a, _NOCACHE) for a in kwargs.values()) and \
                        not any(_KIND.get(t) for t in key[0]) and \
                        not any(_KIND.get(t) for t in key[2]):
                    if kwargs:
                        cache[key] = s.op if return_types is None else _wrapping(
                            s.op, return_types[1 if s.has_out else 0])
                    else:
                        fast[key[0]] = _ops.positional_caller(s.op, key[0]) \
                            if return_types is None else _wrapping(
                                _ops.positional_caller(s.op, key[0]), return_types[0])
                if return_types is not None:
                    r = s.op(*vals, **kw)
                    return r if type(r) is not tuple else \
                        return_types[1 if s.has_out else 0](r)
                return s.op(*vals, **kw)
            if err[0] == "late":
                raise _one_error(fname, s, err[1], self_name, is_method)
            errs.append(err)
        raise _error(fname, tried, errs, args, kwargs, self_name, sigs, is_method)

    # The fast path (no keywords, no function mode, argument types seen before) is inlined in
    # the function and the method: one dict lookup, then the op's dispatch.
    # (Keys are ``tuple(map(type, args))``, spelled out for one or two arguments: building a
    # tuple through ``map`` costs more than the lookup.)
    if is_method:
        def method(self, *args, **kwargs):
            if not kwargs and not live[0]:
                if not args:
                    key = (type(self),)
                elif len(args) == 1:
                    key = (type(self), type(args[0]))
                else:
                    key = (type(self), *map(type, args))
                try:
                    hit = fast.get(key)
                except TypeError:  # a type that cannot be hashed (a metaclass without __hash__)
                    hit = None
                if hit is not None:
                    return hit(self, *args)
            return call((self,) + args, kwargs, method)
        method.__name__ = method.__qualname__ = fname
        _mark(method, f"torch.Tensor.{fname}", impl)
        return method

    def function(*args, **kwargs):
        if not kwargs and not live[0]:
            n = len(args)
            if n == 1:
                key = (type(args[0]),)
            elif n == 2:
                key = (type(args[0]), type(args[1]))
            else:
                key = tuple(map(type, args))
            try:
                hit = fast.get(key)
            except TypeError:
                hit = None
            if hit is not None:
                return hit(*args)
        return call(args, kwargs, function)
    function.__name__ = function.__qualname__ = fname
    function.__module__ = "kindling"
    _mark(function, f"torch.{fname}", impl)
    return function


def _wrapping(caller, structseq):
    """``caller`` returning a tuple result as ``structseq``."""
    def call(*args, **kwargs):
        r = caller(*args, **kwargs)
        return r if type(r) is not tuple else structseq(r)
    return call


def _mark(api, name, impl):
    """Record that ``api`` runs the ``__torch_function__`` protocol itself."""
    api._tf_hooked = True
    api._tf_name = name
    api._tf_impl = impl


def public(name, *overloads, function=True, method=True, method_name=None):
    """Expose ``overloads`` (OpDefs or OpOverloads) as ``kindling.<name>`` and/or a Tensor method
    (those PyTorch generates entirely - ``generated``, not ``view_copy`` - stay torch.ops-only,
    as its Python bindings leave them out: ``isinf(x, out=y)`` is a TypeError)."""
    ops = [getattr(o, "op", o) for o in overloads]
    ops = [op for op in ops if not _generated(op)] or ops
    if name in _LATE_OVERLOADS:  # (made at import, before its ops were: ``lazy_function``)
        if method:
            raise AssertionError(f"{name}: ops defined at first use add no Tensor methods")
        _LATE_OVERLOADS[name][:] = ops
        return PUBLIC[name]
    if function:
        f = make_function(name, ops)
        PUBLIC[name] = f
    if method:
        m = make_function(method_name or name, ops, self_name="self", is_method=True)
        METHODS[method_name or name] = m
        setattr(Tensor, method_name or name, m)
    return PUBLIC.get(name)


# ``kindling.<name>`` functions of ops defined at first use -> the overloads ``public`` gives
# them once the ops are defined
_LATE_OVERLOADS: dict = {}


def lazy_function(name, define):
    """``kindling.<name>`` for ops defined at their first use (``_aten/_lazy.py``): made now,
    as ``public`` makes it, and bound at its first call to the overloads that ``public(name,
    ...)`` gives it when ``define()`` (returning once the ops are all defined) has run."""
    late = _LATE_OVERLOADS[name] = []

    def overloads():
        define()
        return late
    f = PUBLIC[name] = make_function(name, overloads)
    return f


def _generated(op):
    names = {t.name for t in getattr(op, "tags", ())}
    return "generated" in names and "view_copy" not in names


def method(name):
    """Decorator: attach a hand-written function as ``Tensor.<name>``."""
    def deco(fn):
        METHODS[name] = fn
        setattr(Tensor, name, fn)
        return fn
    return deco


def function(name=None):
    """Decorator: export a hand-written function as ``kindling.<name>``."""
    def deco(fn):
        PUBLIC[name or fn.__name__] = fn
        fn.__module__ = "kindling"
        return fn
    return deco


# ---- __torch_function__ for hand-written functions and methods --------------------------------
# Tensor attributes not wrapped here: protocol hooks and internals, ``__str__`` (PyTorch's
# goes through ``__repr__``), and the metadata methods, which check the protocol themselves
# (``kindling._tensor``: a subclass flag and the live-modes count, free for plain tensors).
_NOT_OVERRIDABLE = frozenset({
    "__new__", "__init__", "__init_subclass__", "__torch_function__", "__torch_dispatch__",
    "__str__",
    "__hash__", "__deepcopy__", "__reduce_ex__", "__setstate__", "__getstate__", "__iter__",
    "__array__", "__dlpack__", "__dlpack_device__", "__class__", "__dict__", "__weakref__",
    "__slots__", "__getattr__", "__setattr__", "__delattr__", "__dir__", "__sizeof__",
    "__array_priority__", "__array_wrap__", "__module__", "__doc__", "__qualname__",
    "size", "stride", "dim", "ndimension", "numel", "nelement", "storage_offset",
    "is_contiguous", "is_non_overlapping_and_dense", "untyped_storage", "data_ptr",
    "element_size", "is_floating_point", "is_complex", "is_signed", "get_device",
    "requires_grad_", "as_subclass", "type",
})
# dunders PyTorch hands to handlers as another method (``a @ b`` arrives as ``Tensor.matmul``)
_DUNDER_API = {"__matmul__": "matmul"}


# Types that never take part in __torch_function__ (``overrides._KIND`` 0 from the start).
_PLAIN = frozenset({Tensor, int, float, bool, complex, str, slice, type(None), type(Ellipsis)})


def _hook(fn, name, tf_name):
    """Wrap a hand-written function: the protocol runs only when an argument's type is not
    exactly Tensor (or a plain value) or a function mode is active."""
    live = _live_modes

    def hooked(*args, **kwargs):
        if not kwargs and not live[0]:
            # The usual call (a Tensor and plain values) answers has_overloaded inline.
            for a in args:
                if type(a) not in _PLAIN:
                    break
            else:
                return fn(*args)
        if live[0] or has_overloaded(args, kwargs):
            return torch_function_dispatch(hooked, fn, args, kwargs or None)
        return fn(*args, **kwargs)
    hooked.__name__ = name
    hooked.__qualname__ = name
    hooked.__doc__ = getattr(fn, "__doc__", None)
    hooked.__module__ = getattr(fn, "__module__", "kindling")
    hooked.__wrapped__ = fn
    _mark(hooked, tf_name, fn)
    return hooked


def self_hooked(api, impl, name, tf_name):
    """Mark ``api``, a hot hand-written method that runs the protocol itself, as hooked: its
    fast path (plain arguments, no function mode) calls straight on, anything else ends in
    ``torch_function_slow_path``.  (A ``_hook`` wrapper costs an argument repack and the
    ``has_overloaded`` scan: ~0.3 us on ``x.view(2, 4)``.)"""
    api.__name__ = api.__qualname__ = name
    api.__doc__ = impl.__doc__
    api.__module__ = impl.__module__
    api.__wrapped__ = impl
    _mark(api, tf_name, impl)
    return api


def torch_function_slow_path(api, impl, args, kwargs):
    """What ``_hook``'s wrapper does, for a self-hooked ``api`` off its fast path."""
    if _live_modes[0] or has_overloaded(args, kwargs):
        return torch_function_dispatch(api, impl, args, kwargs or None)
    return impl(*args, **kwargs)


def install_torch_function():
    """Hook every public function and Tensor method not already hooked (run once, after the
    op library has attached everything)."""
    import types
    for name, fn in list(PUBLIC.items()):
        if isinstance(fn, types.FunctionType) and not getattr(fn, "_tf_hooked", False) and \
                not name.startswith("_"):
            PUBLIC[name] = _hook(fn, name, f"torch.{name}")
    for name, fn in list(vars(Tensor).items()):
        if not isinstance(fn, types.FunctionType) or getattr(fn, "_tf_hooked", False):
            continue
        if name in _NOT_OVERRIDABLE or (name.startswith("_") and not name.startswith("__")):
            continue
        h = _hook(fn, name, f"torch.Tensor.{name}")
        setattr(Tensor, name, h)
        if name in METHODS:
            METHODS[name] = h
    for dunder, target in _DUNDER_API.items():
        h = vars(Tensor).get(dunder)
        api = getattr(Tensor, target, None)
        if h is not None and api is not None and getattr(h, "_tf_hooked", False):
            fn = h.__wrapped__
            live = _live_modes

            def make(fn=fn, api=api, tensor_call=getattr(fn, "_tensor_call", None)):
                def dunder_fn(self, other):
                    if tensor_call is not None and type(self) is Tensor and \
                            type(other) is Tensor and not live[0]:
                        return tensor_call(self, other)  # (the op, in this frame's caller)
                    if type(self) in NO_TF_TYPES and type(other) in NO_TF_TYPES and \
                            not live[0]:  # (as the operators in operators.py)
                        return fn(self, other)
                    if live[0] or has_overloaded((self, other)):
                        try:
                            return torch_function_dispatch(api, fn, (self, other), None)
                        except TypeError:
                            return NotImplemented
                    return fn(self, other)
                return dunder_fn
            d = make()
            d.__name__ = d.__qualname__ = dunder
            _mark(d, f"torch.Tensor.{dunder}", fn)
            setattr(Tensor, dunder, d)
    from . import operators
    operators.resolve_torch_function_apis()
