"""Relay global IDs: decoding with coded errors, and the `node` / `nodes` lookups."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any, ClassVar, Self

from strawberry import relay

from hub.schema.context import Info
from hub.schema.errors import BadUserInput

MAX_NODES = 100


def split_id(value: str, field: str = "id") -> tuple[str, str]:
    """``(type name, key)`` of a global ID; ``BAD_USER_INPUT`` when it is not one at all."""
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
        type_name, _, key = text.partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput(field, value, "is not a global ID of this API") from None
    if not type_name or not key:
        raise BadUserInput(field, value, "is not a global ID of this API")
    return type_name, key


def decode_id(value: str, expected: str, field: str = "id") -> int:
    """The numeric key of a global ID of type ``expected``."""
    type_name, key = split_id(value, field)
    if type_name != expected:
        raise BadUserInput(field, value, f"is the ID of a {type_name}, not of a {expected}")
    if not key.isdigit():
        raise BadUserInput(field, value, "is not a global ID of this API")
    return int(key)


def encode_id(type_name: str, key: object) -> str:
    """The global ID of a node."""
    return relay.to_base64(type_name, key)


async def resolve_node(info: Info, value: str, field: str = "id") -> Any:
    """The node with this global ID, or None when it does not exist (or is not the caller's
    to see). Its type is the schema's node type of that name, loaded by its ``load``."""
    type_name, key = split_id(value, field)
    node_type = _node_type(info, type_name)
    numeric = getattr(node_type, "numeric_key", True)
    if node_type is None or (numeric and not key.isdigit()):
        raise BadUserInput(field, value, "is not a global ID of this API")
    return await node_type.load(info, int(key) if numeric else key)


def _node_type(info: Info, type_name: str) -> Any:
    """The class of the schema's Relay node type ``type_name`` that can ``load`` by key."""
    definition = info.schema.get_type_by_name(type_name)
    origin = getattr(definition, "origin", None)
    if not (isinstance(origin, type) and issubclass(origin, relay.Node)
            and callable(getattr(origin, "load", None))):
        return None
    return origin


class LoadedNode(relay.Node):
    """A node loaded by its key through the request's DataLoader ``loader``.

    Subclasses set ``loader`` (an attribute of ``Context.loaders``) and ``from_row``; this gives
    them Relay's ``resolve_nodes`` and federation's ``resolve_reference`` in one place.
    """

    loader: ClassVar[str]
    numeric_key: ClassVar[bool] = True

    @classmethod
    def from_row(cls, row: Any) -> Self:
        raise NotImplementedError

    @classmethod
    def _key(cls, text: str) -> Any:
        return int(text) if cls.numeric_key else text

    @classmethod
    async def load(cls, info: Info, key: Any) -> Self | None:
        """One node by key (batched with every other load of this request)."""
        row = await getattr(info.context.loaders, cls.loader).load(key)
        return cls.from_row(row) if row else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        loader = getattr(info.context.loaders, cls.loader)
        rows = await loader.load_many([cls._key(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]

    @classmethod
    async def resolve_reference(cls, info: Info, **key: Any) -> Self | None:
        """Federation: an entity from its ``@key`` representation (batched)."""
        if "code" in key and not cls.numeric_key:
            return await cls.load(info, str(key["code"]))
        type_name, node_key = split_id(str(key.get("id")), "representations.id")
        if type_name != cls.__name__ or (cls.numeric_key and not node_key.isdigit()):
            raise BadUserInput("representations.id", key.get("id"),
                               f"is not the ID of a {cls.__name__}")
        return await cls.load(info, cls._key(node_key))
