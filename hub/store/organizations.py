"""Statements on organisations (科技志愿服务组织): the tree, its moves and memberships.

Built with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.listing import Cursor
from hub.store.tables import membership, organization, organization_move

o = organization
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
COLUMNS = (o.c.id, o.c.name, o.c.level, o.c.parent_id, o.c.region_code, o.c.kind, o.c.status,
           o.c.captain_id, sa.cast(o.c.path, sa.Text).label("path"), o.c.created_at)
_NO_DISTANCE = sa.null().cast(pg.DOUBLE_PRECISION).label("distance_m")
WRITABLE = ("name", "level", "parent_id", "region_code", "kind", "registered_by",
            "import_batch_id", "captain_name", "captain_phone_enc", "captain_phone_hash",
            "captain_phone_masked", "admin_name", "admin_phone_enc", "admin_phone_hash",
            "admin_phone_masked", "profile")
"""The columns :func:`create` writes."""


@dataclass(frozen=True)
class OrganizationFilter:
    """Conditions on organisations."""

    region_prefix: str | None = None
    levels: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    parent_id: int | None = None
    roots_only: bool = False
    name_contains: str | None = None


def _where(f: OrganizationFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if f.region_prefix:
        where.append(o.c.region_code.like(f.region_prefix + "%"))  # digits: nothing to escape
    for column, values in ((o.c.level, f.levels), (o.c.kind, f.kinds),
                           (o.c.status, f.statuses)):
        if values:
            where.append(column == sa.any_(sa.literal(list(values), pg.ARRAY(sa.Text))))
    if f.parent_id is not None:
        where.append(o.c.parent_id == f.parent_id)
    if f.roots_only:
        where.append(o.c.parent_id.is_(None))
    if f.name_contains:
        where.append(o.c.name.contains(f.name_contains, autoescape=True))
    return where


async def list_(db: Database, *, filter: OrganizationFilter, first: int,
                after: Cursor | None) -> list[Row]:
    """A page of organisations in id order (``first + 1`` rows: the last tells if more)."""
    query = sa.select(*COLUMNS, _NO_DISTANCE).where(*_where(filter))
    if after is not None:
        query = query.where(o.c.id > after.id)
    return await sql.fetch(db, query.order_by(o.c.id).limit(first + 1))


async def count(db: Database, *, filter: OrganizationFilter) -> int:
    """How many organisations match."""
    query = sa.select(sa.func.count().label("n")).select_from(o).where(*_where(filter))
    return int((await sql.fetch(db, query))[0]["n"])


_GET_MANY = sql.compiled(sa.select(*COLUMNS).where(o.c.id == sa.any_(_IDS)))
_GET = sql.compiled(sa.select(*COLUMNS).where(o.c.id == sa.bindparam("id")))
_NAMED = sql.compiled(sa.select(*COLUMNS).where(
    o.c.name == sa.any_(sa.bindparam("names", type_=pg.ARRAY(sa.Text)))))
_UNDER = sql.compiled(sa.select(*COLUMNS).where(
    o.c.parent_id.is_not_distinct_from(sa.bindparam("parent_id", type_=sa.BigInteger)),
    o.c.name == sa.bindparam("name", type_=sa.Text)))


async def get(db: Database, *, organization_id: int) -> Row | None:
    """One organisation (its path as text), or None."""
    rows = await sql.fetch(db, _GET, {"id": organization_id})
    return rows[0] if rows else None


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Organisations by id (any order; missing ids are absent)."""
    return await sql.fetch(db, _GET_MANY, {"ids": list(ids)})


async def list_named(db: Database, *, names: Sequence[str]) -> list[Row]:
    """Every organisation whose name is one of ``names``."""
    return await sql.fetch(db, _NAMED, {"names": list(names)}) if names else []


async def get_under(db: Database, *, parent_id: int | None, name: str) -> Row | None:
    """The team named ``name`` directly under ``parent_id`` (None: a root), if there is one."""
    rows = await sql.fetch(db, _UNDER, {"parent_id": parent_id, "name": name})
    return rows[0] if rows else None


async def create(db: Database, *, values: dict[str, Any]) -> int | None:
    """Insert a team (``values`` of :data:`WRITABLE`); None when its parent already has a
    team of that name."""
    given = {k: Jsonb(v) if k == "profile" else v for k, v in values.items() if k in WRITABLE}
    rows = await sql.fetch(db, pg.insert(o).values(given).on_conflict_do_nothing(
        constraint="organization_name_unique").returning(o.c.id))
    return int(rows[0]["id"]) if rows else None


_MOVE_LOG = sql.compiled(sa.insert(organization_move).from_select(
    ["organization_id", "from_parent_id", "to_parent_id", "moved_by"],
    sa.select(o.c.id, o.c.parent_id, sa.bindparam("parent_id", type_=sa.BigInteger),
              sa.bindparam("by", type_=sa.Text)).where(o.c.id == sa.bindparam("id"))))
_MOVE = sql.compiled(sa.update(o).where(o.c.id == sa.bindparam("id")).values(
    parent_id=sa.bindparam("parent_id", type_=sa.BigInteger)))


async def update_parent(db: Database, *, organization_id: int, parent_id: int | None,
                        by: str) -> None:
    """Put a team under another parent, logged; the tree triggers check levels and cycles."""
    params = {"id": organization_id, "parent_id": parent_id, "by": by}
    await sql.fetch(db, _MOVE_LOG, params)
    await sql.fetch(db, _MOVE, params)


m = membership
_MEMBER = pg.insert(m).values(volunteer_id=sa.bindparam("v"), organization_id=sa.bindparam("o"),
                              role=sa.bindparam("r", type_=sa.Text))
_ADD_KEEPING = sql.compiled(_MEMBER.on_conflict_do_nothing(
    index_elements=[m.c.volunteer_id, m.c.organization_id]))
_ADD_SETTING = sql.compiled(_MEMBER.on_conflict_do_update(
    index_elements=[m.c.volunteer_id, m.c.organization_id],
    set_={"role": _MEMBER.excluded.role}))
_CAPTAIN = sql.compiled(sa.update(o).where(o.c.id == sa.bindparam("o")).values(
    captain_id=sa.bindparam("v")))


async def create_membership(db: Database, *, volunteer_id: int, organization_id: int, role: str,
                            keep_role: bool = False) -> None:
    """Make the volunteer a member with ``role``, or change their role (with ``keep_role``
    an existing membership stays as it is); a captain becomes the team's captain."""
    params = {"v": volunteer_id, "o": organization_id, "r": role}
    await sql.fetch(db, _ADD_KEEPING if keep_role else _ADD_SETTING, params)
    if role == "captain":
        await sql.fetch(db, _CAPTAIN, params)


_MEMBERSHIPS = sql.compiled(
    sa.select(m.c.volunteer_id, m.c.organization_id, m.c.role, m.c.joined_at)
    .where(m.c.volunteer_id == sa.any_(_IDS)).order_by(m.c.volunteer_id, m.c.organization_id))


async def list_memberships(db: Database, *, volunteer_ids: Sequence[int]) -> list[Row]:
    """The memberships of these volunteers, with their role."""
    return await sql.fetch(db, _MEMBERSHIPS, {"ids": list(volunteer_ids)})


_CHILDREN = sql.compiled(sa.select(*COLUMNS).where(o.c.parent_id == sa.any_(_IDS))
                         .order_by(o.c.name, o.c.id))


async def list_children(db: Database, *, parent_ids: Sequence[int]) -> list[Row]:
    """Direct children of these organisations, by name."""
    return await sql.fetch(db, _CHILDREN, {"ids": list(parent_ids)})


_c = o.alias("c")
_COUNTS = sql.compiled(sa.select(
    o.c.id,
    sa.select(sa.func.count()).select_from(m).where(m.c.organization_id == o.c.id)
    .scalar_subquery().label("direct"),
    sa.select(sa.func.count(sa.distinct(m.c.volunteer_id))).select_from(
        m.join(_c, _c.c.id == m.c.organization_id)).where(_c.c.path.op("<@")(o.c.path))
    .scalar_subquery().label("subtree"),
).where(o.c.id == sa.any_(_IDS)))


async def count_members(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Direct members and members in the whole subtree (distinct volunteers) per organisation."""
    return await sql.fetch(db, _COUNTS, {"ids": list(ids)})


_wanted = sa.func.unnest(_IDS).table_valued("id").render_derived(name="wanted")
_top = (sa.select(m.c.organization_id, m.c.volunteer_id, m.c.role)
        .where(m.c.organization_id == _wanted.c.id)
        .order_by(m.c.role == "member", m.c.volunteer_id).limit(sa.bindparam("limit"))
        .lateral("x"))
_MEMBERS = sql.compiled(sa.select(_top.c.organization_id, _top.c.volunteer_id, _top.c.role)
                        .select_from(_wanted.join(_top, sa.true())))


async def list_members(db: Database, *, organization_ids: Sequence[int], limit: int
                       ) -> list[Row]:
    """Up to ``limit`` direct members of each organisation (captain and admins first)."""
    return await sql.fetch(db, _MEMBERS, {"ids": list(organization_ids), "limit": limit})
