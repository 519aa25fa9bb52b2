"""GraphQL types for divisions (行政区划)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from hub.schema.common import CRS, GeoPoint, geo_point
from hub.schema.context import Info
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
