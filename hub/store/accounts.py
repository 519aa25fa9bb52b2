"""Statements on accounts, one-time sign-in codes and refresh tokens (migration 0016).

Built with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`; the
services (:mod:`hub.services.accounts`) own the transactions.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import (
    account,
    refresh_token,
    sign_in_code,
    volunteer,
)

a, c, t, v = account, sign_in_code, refresh_token, volunteer
_NOW = sa.func.now()


def _ttl(name: str) -> sa.ColumnElement[Any]:
    return _NOW + sql.seconds(sa.bindparam(name, type_=sa.Integer))


# -- accounts ----------------------------------------------------------------------------------
_BY_PHONE = sql.compiled(sa.select(a).where(a.c.phone_hash == sa.bindparam("h")))
_BY_OPENID = sql.compiled(sa.select(a).where(a.c.wechat_openid == sa.bindparam("o")))
_BY_ID = sql.compiled(sa.select(a).where(a.c.id == sa.bindparam("id")))
_CREATE = sql.compiled(pg.insert(a).values(
    kind=sa.bindparam("kind"), phone_hash=sa.bindparam("h"), phone_masked=sa.bindparam("m"),
    volunteer_id=sa.bindparam("v"), station_id=sa.bindparam("s"),
    wechat_openid=sa.bindparam("o"),
).on_conflict_do_nothing().returning(a.c.id))
_other = account.alias("other")
_BECOME_VOLUNTEER = sql.compiled(sa.update(a).where(
    a.c.id == sa.bindparam("id"), a.c.kind == "resident",
    ~sa.exists().where(_other.c.volunteer_id == sa.bindparam("v")))
                                 .values(kind="volunteer", volunteer_id=sa.bindparam("v")))
_LINK = sql.compiled(sa.update(a).where(a.c.id == sa.bindparam("id"),
                                        a.c.wechat_openid.is_(None))
                     .values(wechat_openid=sa.bindparam("o")).returning(a.c.id))
_SIGNED_IN = sql.compiled(sa.update(a).where(a.c.id == sa.bindparam("id"))
                          .values(last_sign_in=_NOW))
_PHONE = sql.compiled(sa.update(a).where(a.c.id == sa.bindparam("id"))
                      .values(phone_enc=sa.bindparam("e")))


async def get_by_phone(db: Database, *, phone_hash: bytes) -> Row | None:
    """The account of a mobile (by its keyed hash)."""
    rows = await sql.fetch(db, _BY_PHONE, {"h": phone_hash})
    return rows[0] if rows else None


async def get_by_openid(db: Database, *, openid: str) -> Row | None:
    """The account a WeChat openid is linked to."""
    rows = await sql.fetch(db, _BY_OPENID, {"o": openid})
    return rows[0] if rows else None


async def get(db: Database, *, account_id: int) -> Row | None:
    """One account."""
    rows = await sql.fetch(db, _BY_ID, {"id": account_id})
    return rows[0] if rows else None


async def create(db: Database, *, kind: str, phone_hash: bytes | None, phone_masked: str | None,
                 volunteer_id: int | None = None, station_id: int | None = None,
                 openid: str | None = None) -> int | None:
    """A new account; ``None`` when its phone, volunteer or openid has one already (a
    concurrent first sign-in won)."""
    rows = await sql.fetch(db, _CREATE, {"kind": kind, "h": phone_hash, "m": phone_masked,
                                         "v": volunteer_id, "s": station_id, "o": openid})
    return int(rows[0]["id"]) if rows else None


async def update_volunteer(db: Database, *, account_id: int, volunteer_id: int) -> None:
    """A resident's account becomes a volunteer's (they registered with its mobile)."""
    await sql.fetch(db, _BECOME_VOLUNTEER, {"id": account_id, "v": volunteer_id})


async def update_openid(db: Database, *, account_id: int, openid: str) -> bool:
    """Link a WeChat openid to an account that has none; False when it has one."""
    return bool(await sql.fetch(db, _LINK, {"id": account_id, "o": openid}))


async def update_signed_in(db: Database, *, account_id: int) -> None:
    """Note the time of a sign-in."""
    await sql.fetch(db, _SIGNED_IN, {"id": account_id})


async def update_phone(db: Database, *, account_id: int, phone_enc: bytes) -> None:
    """Keep the account's mobile, encrypted (hub.pii, field ``phone``), for text messages."""
    await sql.fetch(db, _PHONE, {"id": account_id, "e": phone_enc})


# -- one-time codes ----------------------------------------------------------------------------
_SUPERSEDE = sql.compiled(sa.update(c).where(c.c.phone_hash == sa.bindparam("h"),
                                             c.c.used_at.is_(None)).values(used_at=_NOW))
_NEW_CODE = sql.compiled(sa.insert(c).values(
    phone_hash=sa.bindparam("h"), code_hash=sa.bindparam("code"), expires_at=_ttl("ttl"),
).returning(c.c.id))
_LIVE_CODE = sql.compiled(
    sa.select(c.c.id, c.c.code_hash, c.c.wrong_guesses, (c.c.expires_at <= _NOW).label("expired"))
    .where(c.c.phone_hash == sa.bindparam("h"), c.c.used_at.is_(None))
    .order_by(c.c.created_at.desc(), c.c.id.desc()).limit(1).with_for_update())
_WRONG = sql.compiled(sa.update(c).where(c.c.id == sa.bindparam("id"))
                      .values(wrong_guesses=c.c.wrong_guesses + 1).returning(c.c.wrong_guesses))
_USE = sql.compiled(sa.update(c).where(c.c.id == sa.bindparam("id")).values(used_at=_NOW))


async def create_code(db: Database, *, phone_hash: bytes, code_hash: bytes, ttl_s: int) -> int:
    """A new code for a phone; the phone's earlier codes are used up."""
    await sql.fetch(db, _SUPERSEDE, {"h": phone_hash})
    rows = await sql.fetch(db, _NEW_CODE, {"h": phone_hash, "code": code_hash, "ttl": ttl_s})
    return int(rows[0]["id"])


async def lock_live_code(db: Database, *, phone_hash: bytes) -> Row | None:
    """The phone's latest unused code, locked (``expired`` says whether its time is up)."""
    rows = await sql.fetch(db, _LIVE_CODE, {"h": phone_hash})
    return rows[0] if rows else None


async def update_wrong_guesses(db: Database, *, code_id: int) -> int:
    """Count a wrong guess at a code: the wrong guesses so far."""
    rows = await sql.fetch(db, _WRONG, {"id": code_id})
    return int(rows[0]["wrong_guesses"])


async def update_code_used(db: Database, *, code_id: int) -> None:
    """A code is used (right, expired, or guessed wrong too often): never accepted again."""
    await sql.fetch(db, _USE, {"id": code_id})


# -- refresh tokens ----------------------------------------------------------------------------
_NEW_REFRESH = sql.compiled(sa.insert(t).values(
    account_id=sa.bindparam("a"), family=sa.bindparam("f", type_=pg.UUID(as_uuid=True)),
    token_hash=sa.bindparam("h"), expires_at=_ttl("ttl")))
_LOCK_REFRESH = sql.compiled(
    sa.select(t.c.id, t.c.account_id, t.c.family, t.c.used_at, t.c.revoked_at,
              (t.c.expires_at <= _NOW).label("expired"))
    .where(t.c.token_hash == sa.bindparam("h")).with_for_update())
_ROTATED = sql.compiled(sa.update(t).where(t.c.id == sa.bindparam("id")).values(used_at=_NOW))
_REVOKE_FAMILY = sql.compiled(sa.update(t).where(
    t.c.family == sa.bindparam("f", type_=pg.UUID(as_uuid=True)), t.c.revoked_at.is_(None))
    .values(revoked_at=_NOW))
_FAMILY_REVOKED = sql.compiled(sa.select(sa.exists().where(
    t.c.family == sa.bindparam("f", type_=pg.UUID(as_uuid=True)), t.c.revoked_at.is_not(None))
    .label("revoked")))


async def create_refresh(db: Database, *, account_id: int, family: UUID, token_hash: bytes,
                         ttl_s: int) -> None:
    """Store a refresh token (its hash) in a family."""
    await sql.fetch(db, _NEW_REFRESH, {"a": account_id, "f": family, "h": token_hash,
                                       "ttl": ttl_s})


async def lock_refresh(db: Database, *, token_hash: bytes) -> Row | None:
    """A refresh token by its hash, locked: concurrent uses of one token wait for each other."""
    rows = await sql.fetch(db, _LOCK_REFRESH, {"h": token_hash})
    return rows[0] if rows else None


async def update_refresh_rotated(db: Database, *, token_id: int) -> None:
    """A refresh token was exchanged for its successor."""
    await sql.fetch(db, _ROTATED, {"id": token_id})


async def update_family_revoked(db: Database, *, family: UUID) -> None:
    """Revoke every token of a family (sign-out, or a rotated token used again)."""
    await sql.fetch(db, _REVOKE_FAMILY, {"f": family})


async def get_family_revoked(db: Database, *, family: UUID) -> bool:
    """Whether a family was revoked (its rows are revoked together, on index
    refresh_token_family): the access tokens that name it are refused."""
    rows = await sql.fetch(db, _FAMILY_REVOKED, {"f": family})
    return bool(rows[0]["revoked"])


_STAFF = sql.compiled(pg.insert(a).values(
    kind="station_staff", phone_hash=sa.bindparam("h"), phone_masked=sa.bindparam("m"),
    phone_enc=sa.bindparam("e"), station_id=sa.bindparam("s")).on_conflict_do_update(
    index_elements=[a.c.phone_hash],
    set_={"station_id": sa.bindparam("s"), "kind": "station_staff",
          "phone_enc": sa.bindparam("e")},
    where=a.c.kind != "volunteer").returning(a.c.id))


async def create_station_staff(db: Database, *, phone_hash: bytes, phone_masked: str,
                               phone_enc: bytes, station_id: int) -> int | None:
    """Make the phone's account (a new one, or a resident's) a station's staff, keeping its
    encrypted mobile; ``None`` when the phone is a volunteer's."""
    rows = await sql.fetch(db, _STAFF, {"h": phone_hash, "m": phone_masked, "e": phone_enc,
                                        "s": station_id})
    return int(rows[0]["id"]) if rows else None
