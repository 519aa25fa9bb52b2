"""Statements of the publishing life cycle (issue 14.2): stations, activities and projects as
rows with a status and a host, their review log, and which unpublished rows a list shows.

A *kind* is ``"station"``, ``"activity"`` or ``"project"``. Each row's host is what the action
table decides on: a station's region (and the station itself), an activity's region and
organising team (``org_path``), a project's owner team (``org_path``) and its region
(``owner_region``). Built with SQLAlchemy Core on :mod:`hub.store.tables`; the list predicate
is SQL text for :class:`hub.store.listing.Filters` (alias ``t``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.listing import Filters
from hub.store.tables import activity, organization, project, publication_review, station

KINDS = ("station", "activity", "project")
LIVE: Mapping[str, str] = {"station": "active", "activity": "published", "project": "active"}
"""The status an approval gives."""
PUBLIC: Mapping[str, tuple[str, ...]] = {
    "station": ("active", "closed"),
    "activity": ("published", "closed", "cancelled"),
    "project": ("planned", "active", "closed"),
}
"""Statuses everyone sees (what was published, and what it became); drafts, submissions,
rejections and archived rows only those who may manage or review them."""
OPEN: Mapping[str, tuple[str, ...]] = {
    "station": ("active",), "activity": ("published",), "project": ("planned", "active")}
"""Statuses in which a row is live: a station may be served at, an activity signed up for."""

_TABLES = {"station": station, "activity": activity, "project": project}
_ID = sa.bindparam("id", type_=sa.BigInteger)
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_KIND = sa.bindparam("kind", type_=sa.Text)
o = organization


def org_path_of(org_id: Any) -> Any:
    """The organisation's path (``"1.7.70"``) as a column: a scalar subquery."""
    return (sa.select(sa.cast(o.c.path, sa.Text)).where(o.c.id == org_id)
            .scalar_subquery().label("org_path"))


def org_region_of(org_id: Any) -> Any:
    """The organisation's region as a column (``owner_region``): a scalar subquery."""
    return sa.select(o.c.region_code).where(o.c.id == org_id).scalar_subquery().label(
        "owner_region")


def _host(kind: str) -> sa.Select[Any]:
    """The row's status and host, with what the life cycle checks on it."""
    if kind == "station":
        s = station
        return sa.select(s.c.id, s.c.status, s.c.region_code, s.c.created_by,
                         sa.null().label("org_path"))
    if kind == "activity":
        a = activity
        return sa.select(a.c.id, a.c.status, a.c.region_code, a.c.created_by,
                         org_path_of(a.c.organization_id), a.c.organization_id, a.c.safety_plan,
                         sa.func.lower(a.c.time_window).label("starts_at"),
                         sa.func.upper(a.c.time_window).label("ends_at"), a.c.capacity,
                         a.c.signed_up, a.c.station_id,
                         sa.func.ST_X(a.c.location_geom).label("lon"),
                         sa.func.ST_Y(a.c.location_geom).label("lat"))
    p = project
    return sa.select(p.c.id, p.c.status, p.c.created_by, org_path_of(p.c.owner_id),
                     org_region_of(p.c.owner_id), p.c.owner_id,
                     sa.func.lower(p.c.period).label("starts_on"),
                     sa.func.upper(p.c.period).label("ends_on"))


_LOCK = {k: sql.compiled(_host(k).where(_TABLES[k].c.id == _ID).with_for_update(
    of=_TABLES[k])) for k in KINDS}
_GET = {k: sql.compiled(_host(k).where(_TABLES[k].c.id == _ID)) for k in KINDS}


async def lock(db: Database, *, kind: str, id: int) -> Row | None:
    """A row's status and host, locked for the transaction."""
    rows = await sql.fetch(db, _LOCK[kind], {"id": id})
    return rows[0] if rows else None


async def get(db: Database, *, kind: str, id: int) -> Row | None:
    """A row's status and host."""
    rows = await sql.fetch(db, _GET[kind], {"id": id})
    return rows[0] if rows else None


def _columns(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Column values from a service's values: ``lon``/``lat`` make the point,
    ``starts_at``/``ends_at`` an activity's window, ``starts_on``/``ends_on`` a project's
    period, ``opening_hours`` an int4multirange literal."""
    out = {k: v for k, v in values.items()
           if k not in {"lon", "lat", "starts_at", "ends_at", "starts_on", "ends_on",
                        "opening_hours"}}
    if "lon" in values:
        out["location_geom"] = sql.point(sa.literal(values["lon"], sa.Float),
                                         sa.literal(values["lat"], sa.Float))
    if "starts_at" in values:
        out["time_window"] = sa.func.tstzrange(
            sa.literal(values["starts_at"], sa.DateTime(timezone=True)),
            sa.literal(values["ends_at"], sa.DateTime(timezone=True)), type_=pg.TSTZRANGE)
    if "starts_on" in values:
        out["period"] = sa.func.daterange(sa.literal(values["starts_on"], sa.Date),
                                          sa.literal(values["ends_on"], sa.Date),
                                          type_=pg.DATERANGE)
    if "opening_hours" in values:
        out["opening_hours"] = sa.cast(sa.literal(values["opening_hours"], sa.Text),
                                       pg.INT4MULTIRANGE)
    if "required_skills" in values:
        out["required_skills"] = sa.cast(sa.literal(list(values["required_skills"]),
                                                    pg.ARRAY(sa.Text)), pg.ARRAY(sa.Text))
    return out


async def create(db: Database, *, kind: str, values: Mapping[str, Any]) -> int:
    """Insert a row (a draft unless ``values`` say otherwise); its id."""
    table = _TABLES[kind]
    rows = await sql.fetch(db, sa.insert(table).values(_columns(kind, values))
                           .returning(table.c.id))
    return int(rows[0]["id"])


async def update(db: Database, *, kind: str, id: int, values: Mapping[str, Any]) -> None:
    """Change a row's columns (and its ``updated_at``)."""
    table = _TABLES[kind]
    await sql.fetch(db, sa.update(table).where(table.c.id == id)
                    .values({**_columns(kind, values), "updated_at": sa.func.now()})
                    .returning(table.c.id))


r = publication_review
REVIEW_COLUMNS = (r.c.id, r.c.subject_kind, r.c.subject_id, r.c.decision, r.c.from_status,
                  r.c.to_status, r.c.reason, r.c.actor, r.c.at)
_CREATE_REVIEW = sql.compiled(sa.insert(r).values(
    subject_kind=_KIND, subject_id=_ID, decision=sa.bindparam("decision", type_=sa.Text),
    from_status=sa.bindparam("from_status", type_=sa.Text),
    to_status=sa.bindparam("to_status", type_=sa.Text),
    reason=sa.bindparam("reason", type_=sa.Text), actor=sa.bindparam("actor", type_=sa.Text))
    .returning(*REVIEW_COLUMNS))
_LIST_REVIEWS = sql.compiled(sa.select(*REVIEW_COLUMNS).where(
    r.c.subject_kind == _KIND, r.c.subject_id == sa.any_(_IDS)).order_by(r.c.id))
_LAST_SUBMITTER = sql.compiled(sa.select(r.c.actor).where(
    r.c.subject_kind == _KIND, r.c.subject_id == _ID, r.c.decision == "submit")
    .order_by(r.c.id.desc()).limit(1))


@dataclass(frozen=True)
class NewReview:
    """One entry of the review log."""

    kind: str
    subject_id: int
    decision: str
    from_status: str
    to_status: str
    reason: str
    actor: str


async def update_status(db: Database, *, review: NewReview) -> Row:
    """Move a (locked) row to ``review.to_status`` and log it; the log entry."""
    table = _TABLES[review.kind]
    await sql.fetch(db, sa.update(table).where(table.c.id == review.subject_id)
                    .values(status=review.to_status, updated_at=sa.func.now())
                    .returning(table.c.id))
    rows = await sql.fetch(db, _CREATE_REVIEW, {
        "kind": review.kind, "id": review.subject_id, "decision": review.decision,
        "from_status": review.from_status, "to_status": review.to_status,
        "reason": review.reason, "actor": review.actor})
    return rows[0]


async def list_reviews(db: Database, *, kind: str, subject_ids: Sequence[int]) -> list[Row]:
    """The review log of these rows, oldest first."""
    return await sql.fetch(db, _LIST_REVIEWS, {"kind": kind, "ids": list(subject_ids)})


async def get_last_submitter(db: Database, *, kind: str, subject_id: int) -> str | None:
    """Who submitted the row for review most recently."""
    rows = await sql.fetch(db, _LAST_SUBMITTER, {"kind": kind, "id": subject_id})
    return str(rows[0]["actor"]) if rows else None


_owner, _team = o.alias("owner"), o.alias("team")
_PROJECT_IN_LINE = sql.compiled(
    sa.select(sa.or_(_owner.c.path.op("<@")(_team.c.path),
                     _owner.c.path.op("@>")(_team.c.path)).label("ok"))
    .select_from(project.join(_owner, _owner.c.id == project.c.owner_id))
    .where(project.c.id == _ID, _team.c.id == sa.bindparam("team", type_=sa.BigInteger)))


async def check_project_in_line(db: Database, *, project_id: int, team_id: int) -> bool | None:
    """Whether the project's owner is the team, above it or beneath it (None: no project)."""
    rows = await sql.fetch(db, _PROJECT_IN_LINE, {"id": project_id, "team": team_id})
    return bool(rows[0]["ok"]) if rows else None


@dataclass(frozen=True)
class Reach:
    """Which rows beyond the public ones a caller may see: every row, a region subtree
    (``region_prefix``), an organisation subtree (``org_id``) or one station."""

    everything: bool = False
    region_prefix: str | None = None
    org_id: int | None = None
    station_id: int | None = None


def public_sql(kind: str) -> str:
    """SQL (alias ``t``): the row is public (the map layers' and tiles' condition)."""
    return "t.status IN (" + ", ".join(f"'{s}'" for s in PUBLIC[kind]) + ")"


_HOST_ORG = {"activity": "t.organization_id", "project": "t.owner_id"}


def add_visible(filters: Filters, *, kind: str, reach: Reach) -> None:
    """AND to ``filters`` (alias ``t`` of the kind's table): public, or within ``reach``."""
    if reach.everything:
        return
    ors = [public_sql(kind)]
    params: dict[str, Any] = {}
    if reach.region_prefix is not None:
        params["pub_region"] = reach.region_prefix + "%"
        ors.append("t.region_code LIKE %(pub_region)s" if kind != "project" else
                   "EXISTS (SELECT 1 FROM organization o WHERE o.id = t.owner_id "
                   "AND o.region_code LIKE %(pub_region)s)")
    if reach.org_id is not None and kind in _HOST_ORG:
        params["pub_org"] = f"*.{int(reach.org_id)}.*"
        ors.append(f"EXISTS (SELECT 1 FROM organization o WHERE o.id = {_HOST_ORG[kind]} "
                   "AND o.path ~ (%(pub_org)s)::lquery)")
    if reach.station_id is not None and kind == "station":
        params["pub_station"] = reach.station_id
        ors.append("t.id = %(pub_station)s")
    filters.add(" OR ".join(ors), **params)
