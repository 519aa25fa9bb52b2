"""The list of projects (项目): filters and keyset pages (:mod:`hub.store.listing`, alias ``t``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.store.base import Database, Row
from hub.store.listing import Cursor, Filters, ListSpec, fetch_page
from hub.store.listing import count as count_rows
from hub.store.publishing import Reach, add_visible

SPEC = ListSpec("project", (
    "t.id, t.name, t.description, t.owner_id, t.category, lower(t.period) AS starts_on, "
    "upper(t.period) AS ends_on, t.funding_yuan, t.status, t.funding_source, t.sub_programme, "
    "(SELECT o.path::text FROM organization o WHERE o.id = t.owner_id) AS org_path, "
    "(SELECT o.region_code FROM organization o WHERE o.id = t.owner_id) AS owner_region"))


@dataclass(frozen=True)
class ProjectFilter:
    """Conditions on projects; ``reach``: the unpublished ones the caller may see."""

    owner_path: str | None = None  # this organisation's and those below it
    region_prefix: str | None = None  # its owner's division lies in this subtree
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sub_programmes: tuple[str, ...] = ()
    reach: Reach = field(default_factory=Reach)


def _filters(f: ProjectFilter) -> Filters:
    out = Filters()
    if f.owner_path is not None:
        out.add("EXISTS (SELECT 1 FROM organization o WHERE o.id = t.owner_id AND "
                "o.path <@ (%(owner_path)s)::ltree)", owner_path=f.owner_path)
    if f.region_prefix:
        out.add("EXISTS (SELECT 1 FROM organization o WHERE o.id = t.owner_id AND "
                "o.region_code LIKE %(region_prefix)s)", region_prefix=f.region_prefix + "%")
    out.any_of("status", f.statuses)
    out.any_of("category", f.categories)
    out.any_of("sub_programme", f.sub_programmes)
    add_visible(out, kind="project", reach=f.reach)
    return out


async def list_(db: Database, *, filter: ProjectFilter, first: int,
                after: Cursor | None) -> list[Row]:
    """A page of projects in id order."""
    return await fetch_page(db, SPEC, _filters(filter), first=first, after=after, near=None,
                            within=None)


async def count(db: Database, *, filter: ProjectFilter) -> int:
    """How many projects match."""
    return await count_rows(db, SPEC, _filters(filter), near=None, within=None)
