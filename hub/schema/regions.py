"""GraphQL types for divisions (行政区划)."""

from __future__ import annotations

from typing import Any, Self

import strawberry
from strawberry import relay

from hub.geo.divisions import DivisionCodeError, normalize_code
from hub.schema.common import CRS, GeoPoint, geo_point
from hub.schema.context import Info
from hub.schema.errors import BadUserInput
from hub.schema.node import LoadedNode
from hub.store.base import Row


@strawberry.federation.type(keys=["id", "code"],
                            description="行政区划: a province, city, county, township or village.")
class Region(LoadedNode):
    loader = "region"
    numeric_key = False
    id: relay.NodeID[str]
    code: str = strawberry.field(description="12-digit division code (GB/T 2260 + 6 digits).")
    name: str
    level: str = strawberry.field(description="province | city | county | township | village")
    is_remote: bool
    is_poor: bool
    is_border: bool
    is_ethnic: bool
    is_revolutionary: bool
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> Region:
        return cls(id=row["code"], code=row["code"], name=row["name"], level=row["level"],
                   is_remote=row["is_remote"], is_poor=row["is_poor"], is_border=row["is_border"],
                   is_ethnic=row["is_ethnic"], is_revolutionary=row["is_revolutionary"], row=row)

    @classmethod
    def _key(cls, text: str) -> Any:
        try:
            return normalize_code(text)
        except DivisionCodeError:
            return text

    @classmethod
    async def load(cls, info: Info, key: Any) -> Self | None:
        """A division by a code of 6, 9 or 12 digits (``410100`` is ``410100000000``); a value
        that is no division code finds nothing."""
        try:
            key = normalize_code(key)
        except DivisionCodeError:
            return None
        return await super().load(info, key)

    @classmethod
    async def resolve_reference(cls, info: Info, **key: Any) -> Self | None:
        """Federation: a division by ``code`` of 6, 9 or 12 digits (or by ``id``); null when no
        division has that code, ``BAD_USER_INPUT`` when the code is not a division code."""
        if "code" not in key:
            return await super().resolve_reference(info, **key)
        code = key["code"]
        try:
            normal = normalize_code(code)
        except DivisionCodeError as exc:
            raise BadUserInput("representations.code", code,
                               f"is not a division code ({exc})") from None
        return await cls.load(info, normal)

    @strawberry.field(description="Whether this is a priority area (老少边贫, seed 003).")
    def is_priority_area(self) -> bool:
        return (self.is_remote or self.is_poor or self.is_border or self.is_ethnic
                or self.is_revolutionary)

    @strawberry.field(description="The seat or centre of the division.")
    def centroid(self, crs: CRS | None = CRS.WGS84) -> GeoPoint | None:
        return geo_point(self.row["lon"], self.row["lat"], crs)

    @strawberry.field
    async def parent(self, info: Info) -> Region | None:
        code = self.row["parent_code"]
        return await load_region(info, code) if code else None

    @strawberry.field(description="Direct subdivisions, by code.")
    async def children(self, info: Info) -> list[Region]:
        rows = await info.context.loaders.region_children.load(self.code)
        return [Region.from_row(r) for r in rows]


async def load_region(info: Info, code: str) -> Region | None:
    """A division by code through the request's DataLoader."""
    return await Region.load(info, code)
