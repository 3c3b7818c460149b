"""What ``Library.define`` checks of a schema it is asked to tag ``torch.Tag.out`` or
``torch.Tag.inplace`` (PyTorch's ``_validate_out_schema`` / ``_validate_inplace_schema``): an
out= op writes only keyword-only Tensors and returns each of them, in order; an in-place op
writes its first positional Tensor only and returns it.  Failures are ValueErrors naming the
rule and the schema.
"""
from __future__ import annotations

from .._dispatcher.schema import parse_schema


def _is_tensor(t):
    return t.base == "Tensor" and not t.is_list and not t.optional


def _alias(arg):
    """An argument's alias annotation (a list's, ``Tensor(a!)[]``, too), or None."""
    return arg.elem_alias_info or arg.alias_info


def _written(arg):
    return arg.is_write


def validate_out_schema(schema):
    """Raise ValueError unless ``schema`` (text or parsed) may be tagged ``Tag.out``."""
    if isinstance(schema, str):
        schema = parse_schema(schema)

    def fail(msg):
        raise ValueError(f"{msg}Got: {schema}")
    tag = "Schema tagged with torch.Tag.out"
    mutable = [a for a in schema.arguments if _written(a)]
    if not mutable:
        fail(f"{tag} must have at least one mutable argument. ")
    positional = [a.name for a in mutable if not a.kwarg_only]
    if positional:
        fail(f"{tag} requires all mutable arguments to be keyword-only (after the *). Found "
             f"mutable positional args: {positional}. ")
    not_tensors = [a.name for a in mutable if not _is_tensor(a.type)]
    if not_tensors:
        fail(f"{tag} only supports Tensor mutable arguments. Found unsupported mutable args: "
             f"{not_tensors}. ")
    returns = schema.returns
    if len(returns) != len(mutable):
        fail(f"{tag} must return all mutable arguments (got {len(mutable)} mutable args but "
             f"{len(returns)} returns). ")
    for i, (ret, arg) in enumerate(zip(returns, mutable)):
        alias = ret.alias_info
        if alias is None:
            fail(f"Return {i} of schema tagged with torch.Tag.out must alias mutable arg "
                 f"'{arg.name}'. ")
        if not alias.is_write:
            fail(f"Return {i} of schema tagged with torch.Tag.out must be a mutable alias "
                 f"(e.g., Tensor(a!), not Tensor(a)) of arg '{arg.name}'. ")
        if alias.before_set != _alias(arg).before_set:
            fail(f"Return {i} of schema tagged with torch.Tag.out must alias mutable arg "
                 f"'{arg.name}' (return aliases {alias.before_set} but arg aliases "
                 f"{_alias(arg).before_set}). ")


def validate_inplace_schema(schema):
    """Raise ValueError unless ``schema`` (text or parsed) may be tagged ``Tag.inplace``."""
    if isinstance(schema, str):
        schema = parse_schema(schema)

    def fail(msg):
        raise ValueError(f"Schema tagged with torch.Tag.inplace {msg}Got: {schema}")
    args = schema.arguments
    if not args or args[0].kwarg_only:
        fail("must have at least one positional argument. ")
    first = args[0]
    if not _written(first):
        fail("requires the first positional argument to be mutable (e.g., Tensor(a!)). ")
    if not _is_tensor(first.type):
        fail(f"requires the first positional argument to be a Tensor. Got type '{first.type}' "
             f"for arg '{first.name}'. ")
    if len(schema.returns) != 1:
        fail(f"must return exactly one value (the first argument). Got "
             f"{len(schema.returns)} returns. ")
    ret = schema.returns[0]
    must = "must return the first mutable argument "
    if not _is_tensor(ret.type):
        fail(must + f"(return must be a Tensor, got type '{ret.type}'). ")
    if ret.alias_info is None:
        fail(must + "(return must alias the first argument). ")
    if not ret.alias_info.is_write:
        fail(must + "(return must be a mutable alias, e.g., Tensor(a!)). ")
    if ret.alias_info.before_set != _alias(first).before_set:
        fail(must + f"(return aliases {ret.alias_info.before_set} but first arg aliases "
             f"{_alias(first).before_set}). ")
    others = [a.name for a in args[1:] if _written(a)]
    if others:
        fail(f"must only mutate the first positional argument. Found additional mutable "
             f"args: {others}. ")
