"""A field's arguments converted from graphql-core's values as strawberry converts them, by
converters made once per field of a compiled plan rather than worked out on every run.

strawberry's ``convert_arguments`` looks at each argument's type on every call (optional?
list? leaf? input object? which of its fields have defaults?), about a tenth of a compiled
request's time. A converter here takes the same steps, decided once: optional types unwrap,
``None`` and ``UNSET`` pass, lists are copied (their items converted unless leaves), leaves
(scalars; enums, which graphql-core has already made enum members) pass as they are, and
input objects are built with ``None`` for their fields without defaults, as strawberry does.
A type it does not know (``Maybe``, ``GlobalID``, an input with ``from_input``) makes no
converter: strawberry converts that field's arguments, as before. The tests run every
registered document both ways.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from strawberry.scalars import is_scalar
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.scalar import ScalarDefinition, ScalarWrapper
from strawberry.types.unset import UNSET

Convert = Callable[[Any], Any]


class _Unknown(Exception):
    """A type this module leaves to strawberry."""


def arguments_converter(arguments: list[Any], schema: Any
                        ) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """A converter of a field's raw argument values to its resolver's keyword arguments, or
    None when strawberry must convert them."""
    names = schema.config.name_converter
    registry: Mapping[object, ScalarWrapper | ScalarDefinition] = \
        schema.schema_converter.scalar_registry
    try:
        steps = [(names.from_argument(a), a.python_name, _converter(a.type, registry, names))
                 for a in arguments]
    except _Unknown:
        return None

    def convert(raw: dict[str, Any]) -> dict[str, Any]:
        return {python: step(raw[name]) for name, python, step in steps if name in raw}

    return convert


def _leaf(type_: Any, registry: Mapping[object, Any]) -> bool:
    """A scalar or an enum, as strawberry judges leaves (``is_scalar``)."""
    return (is_scalar(type_, registry) or isinstance(type_, StrawberryEnumDefinition)
            or has_enum_definition(type_))


def _converter(type_: Any, registry: Mapping[object, Any], names: Any) -> Convert:
    if isinstance(type_, StrawberryMaybe):
        raise _Unknown("Maybe")
    if isinstance(type_, StrawberryOptional):
        return _converter(type_.of_type, registry, names)
    if isinstance(type_, LazyType):
        return _converter(type_.resolve_type(), registry, names)
    if isinstance(type_, StrawberryList):
        item = _converter(type_.of_type, registry, names)
        if _leaf(_unwrapped(type_.of_type), registry):
            return _passing(list)
        return _passing(lambda value: [item(x) for x in value])
    if _leaf(type_, registry):
        return lambda value: value
    if has_object_definition(type_):
        return _input(type_, registry, names)
    raise _Unknown(str(type_))


def _unwrapped(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, StrawberryOptional) else type_


def _passing(convert: Convert) -> Convert:
    """``convert``, with ``None`` and ``UNSET`` passed as they are."""
    return lambda value: value if value is None or value is UNSET else convert(value)


def _input(type_: Any, registry: Mapping[object, Any], names: Any) -> Convert:
    definition = type_.__strawberry_definition__
    if definition.from_input is not None or not definition.is_input:
        raise _Unknown(f"{type_} builds itself")
    fields = [(names.from_field(f), f.python_name,
               _converter(f.resolve_type(type_definition=definition), registry, names))
              for f in definition.fields]
    implicit = {f.python_name: None for f in definition.fields
                if f.default_value is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING}

    def build(value: Mapping[str, Any]) -> Any:
        kwargs = dict(implicit)
        for name, python, step in fields:
            if name in value:
                kwargs[python] = step(value[name])
        return type_(**kwargs)

    return _passing(build)
