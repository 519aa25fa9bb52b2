"""Statements on partner webhooks (sql/0030): partners' contracts, their endpoints, and the
delivery log (one row per event and webhook; a replay is a row of its own)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import outbox_event, partner_contract, webhook, webhook_delivery

e, w, c, d = outbox_event, webhook, partner_contract, webhook_delivery
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))


def _in_regions(codes: sa.ColumnElement[list[str]]) -> sa.ColumnElement[bool]:
    """The event's region lies beneath one of ``codes`` (region codes, by their prefix)."""
    r = sa.func.unnest(codes).table_valued("code").render_derived(name="r")
    return sa.exists(sa.select(sa.literal(1)).select_from(r).where(
        sa.func.starts_with(e.c.region_code, sa.func.hub_region_prefix(r.c.code))))


# Every active webhook whose kinds and regions take the event, within its partner's contract.
_MATCHES = (sa.select(w.c.id.label("webhook_id"), e.c.id.label("event_id"))
            .select_from(e.join(w, e.c.kind == sa.any_(w.c.kinds))
                         .join(c, c.c.partner == w.c.partner))
            .where(e.c.id == sa.any_(_IDS), w.c.active, w.c.deleted_at.is_(None),
                   e.c.region_code.is_not(None), e.c.kind == sa.any_(c.c.kinds),
                   _in_regions(w.c.regions), _in_regions(c.c.regions))
            .order_by(e.c.id, w.c.id))
_CREATE_DELIVERIES = sql.compiled(pg.insert(d).from_select(["webhook_id", "event_id"], _MATCHES)
                                  .on_conflict_do_nothing().returning(d.c.id))
# The relay's claim of deliveries whose job is not deferred yet, oldest first.
_UNQUEUED = sql.compiled(
    sa.select(d.c.id, d.c.webhook_id, d.c.event_id, e.c.subject_kind, e.c.subject_id)
    .select_from(d.join(e, e.c.id == d.c.event_id)).where(d.c.queued_at.is_(None))
    .order_by(d.c.id).limit(sa.bindparam("n", type_=sa.Integer))
    .with_for_update(of=d, skip_locked=True))
_QUEUED = sql.compiled(sa.update(d).where(d.c.id == sa.any_(_IDS)).values(queued_at=sa.func.now()))


async def create_deliveries(db: Database, *, event_ids: Sequence[int]) -> int:
    """One pending delivery per event of ``event_ids`` and webhook that takes it (none twice);
    how many were made."""
    return len(await sql.fetch(db, _CREATE_DELIVERIES, {"ids": list(event_ids)}))


async def lock_unqueued(db: Database, *, limit: int) -> list[Row]:
    """Lock and return up to ``limit`` deliveries whose job is not deferred yet, oldest first
    (``id``, ``webhook_id``, ``event_id``, ``subject_kind``, ``subject_id``), skipping those
    another transaction holds."""
    return await sql.fetch(db, _UNQUEUED, {"n": limit})


async def update_queued(db: Database, *, ids: Sequence[int]) -> None:
    """Mark deliveries queued (their jobs deferred)."""
    await sql.fetch(db, _QUEUED, {"ids": list(ids)})


_HOOK = (w.c.id, w.c.partner, w.c.url, w.c.kinds, w.c.regions, w.c.active, w.c.description,
         w.c.created_at, w.c.updated_at)
_CONTRACT = sql.compiled(sa.select(c.c.partner, c.c.kinds, c.c.regions, c.c.updated_by,
                                   c.c.updated_at).where(c.c.partner == sa.bindparam("p")))
_c_ins = pg.insert(c).values(partner=sa.bindparam("p"), kinds=sa.bindparam("k"),
                             regions=sa.bindparam("r"), updated_by=sa.bindparam("by"))
_SET_CONTRACT = sql.compiled(_c_ins.on_conflict_do_update(
    index_elements=[c.c.partner], set_={"kinds": _c_ins.excluded.kinds,
                                        "regions": _c_ins.excluded.regions,
                                        "updated_by": _c_ins.excluded.updated_by,
                                        "updated_at": sa.func.now()})
    .returning(c.c.partner, c.c.kinds, c.c.regions, c.c.updated_by, c.c.updated_at))
_GET = sql.compiled(sa.select(*_HOOK).where(w.c.id == sa.bindparam("id", type_=sa.BigInteger),
                                            w.c.deleted_at.is_(None)))
_COUNT_OF = sql.compiled(sa.select(sa.func.count().label("n")).where(
    w.c.partner == sa.bindparam("p"), w.c.deleted_at.is_(None)))
_LIST_OF = sql.compiled(sa.select(*_HOOK).where(w.c.partner == sa.bindparam("p"),
                                                w.c.deleted_at.is_(None)).order_by(w.c.id))
# A delivery with what sending it needs: its webhook (secret included) and its event.
_SENDING = (sa.select(d.c.id, d.c.status, d.c.attempts, d.c.event_id, d.c.webhook_id,
                      w.c.url, w.c.secret, w.c.active, w.c.deleted_at, e.c.kind,
                      e.c.subject_kind, e.c.subject_id, e.c.region_code, e.c.payload,
                      e.c.created_at.label("event_at"))
            .select_from(d.join(w, w.c.id == d.c.webhook_id).join(e, e.c.id == d.c.event_id)))
_GET_SENDING = sql.compiled(_SENDING.where(d.c.id == sa.bindparam("id", type_=sa.BigInteger)))
_DELIVERY = (d.c.id, d.c.webhook_id, d.c.event_id, d.c.replay_of, d.c.status, d.c.attempts,
             d.c.last_code, d.c.last_error, d.c.created_at, d.c.finished_at, e.c.kind,
             e.c.subject_kind, e.c.subject_id)
_REPLAY = sql.compiled(
    pg.insert(d).from_select(["webhook_id", "event_id", "replay_of"], sa.select(
        d.c.webhook_id, d.c.event_id, sa.func.coalesce(d.c.replay_of, d.c.id))
        .where(d.c.id == sa.bindparam("id", type_=sa.BigInteger)))
    .returning(d.c.id, d.c.webhook_id, d.c.event_id))


async def get_contract(db: Database, *, partner: str) -> Row | None:
    """The partner's contract (event kinds, region codes), if an admin has set one."""
    rows = await sql.fetch(db, _CONTRACT, {"p": partner})
    return rows[0] if rows else None


async def update_contract(db: Database, *, partner: str, kinds: Sequence[str],
                          regions: Sequence[str], by: str) -> Row:
    """Set (or make) the partner's contract."""
    rows = await sql.fetch(db, _SET_CONTRACT, {"p": partner, "k": list(kinds),
                                               "r": list(regions), "by": by})
    return rows[0]


async def create(db: Database, *, partner: str, url: str, kinds: Sequence[str],
                 regions: Sequence[str], secret: str, description: str) -> Row:
    """Register an endpoint."""
    rows = await sql.fetch(db, sa.insert(w).values(
        partner=partner, url=url, kinds=list(kinds), regions=list(regions), secret=secret,
        description=description).returning(*_HOOK))
    return rows[0]


async def get(db: Database, *, webhook_id: int) -> Row | None:
    """A webhook not deleted (without its secret)."""
    rows = await sql.fetch(db, _GET, {"id": webhook_id})
    return rows[0] if rows else None


async def count_of_partner(db: Database, *, partner: str) -> int:
    """How many endpoints the partner keeps."""
    return int((await sql.fetch(db, _COUNT_OF, {"p": partner}))[0]["n"])


async def list_of_partner(db: Database, *, partner: str) -> list[Row]:
    """The partner's endpoints, oldest first."""
    return await sql.fetch(db, _LIST_OF, {"p": partner})


async def update(db: Database, *, webhook_id: int, values: dict[str, object]) -> Row | None:
    """Change a webhook's url, kinds, regions, description, active or secret (``values``);
    ``deleted`` true deletes it. The row as it now is (None: it is gone)."""
    given = dict(values)
    if given.pop("deleted", False):
        given["deleted_at"] = sa.func.now()
    rows = await sql.fetch(db, sa.update(w).where(w.c.id == webhook_id, w.c.deleted_at.is_(None))
                           .values(**given, updated_at=sa.func.now()).returning(*_HOOK))
    return rows[0] if rows else None


async def get_delivery_to_send(db: Database, *, delivery_id: int) -> Row | None:
    """A delivery with its webhook's url and secret and its event."""
    rows = await sql.fetch(db, _GET_SENDING, {"id": delivery_id})
    return rows[0] if rows else None


async def update_delivery(db: Database, *, delivery_id: int, status: str, code: int | None,
                          error: str | None) -> None:
    """Record a try of a pending delivery: its outcome (``pending`` while it is retried)."""
    finished = None if status == "pending" else sa.func.now()
    await sql.fetch(db, sa.update(d).where(d.c.id == delivery_id, d.c.status == "pending")
                    .values(status=status, attempts=d.c.attempts + 1, last_code=code,
                            last_error=error, finished_at=finished))


async def list_deliveries(db: Database, *, webhook_id: int, first: int,
                          after_id: int | None) -> list[Row]:
    """Up to ``first`` + 1 deliveries of a webhook, newest first, after ``after_id``."""
    q = (sa.select(*_DELIVERY).select_from(d.join(e, e.c.id == d.c.event_id))
         .where(d.c.webhook_id == webhook_id).order_by(d.c.id.desc()).limit(first + 1))
    if after_id is not None:
        q = q.where(d.c.id < after_id)
    return await sql.fetch(db, q)


async def count_deliveries(db: Database, *, webhook_id: int) -> int:
    """How many deliveries a webhook has had."""
    q = sa.select(sa.func.count().label("n")).where(d.c.webhook_id == webhook_id)
    return int((await sql.fetch(db, q))[0]["n"])


async def get_delivery(db: Database, *, delivery_id: int) -> Row | None:
    """One delivery (as :func:`list_deliveries` gives it)."""
    rows = await sql.fetch(db, sa.select(*_DELIVERY).select_from(
        d.join(e, e.c.id == d.c.event_id)).where(d.c.id == delivery_id))
    return rows[0] if rows else None


async def create_replay(db: Database, *, delivery_id: int) -> Row:
    """A new pending delivery of the same event to the same webhook (``replay_of`` the first)."""
    rows = await sql.fetch(db, _REPLAY, {"id": delivery_id})
    return rows[0]
