"""The in-app inbox (issue 15.3): the notifications of the signed-in person, paged, their unread
count, marking them read, and a live feed of new ones.

The inbox is the outbox's own channel: the relay (:func:`hub.services.outbox.relay`) writes one
``notification`` row per event and addressee in the transaction that marks the event relayed,
and a trigger announces each row at commit (``NOTIFY hub_notification``), which
:func:`received` hands to the caller's subscription. The external channels (WeChat, SMS,
e-mail; ``hub.services.channels``) are delivered by their own jobs from the same events.

Whose inbox is made from the token alone: a volunteer's (their volunteer id, and the account
linked to it when the token names one), a resident's or station staff member's account (and the
staff's station desk), an org admin's organisation desk, a dispatcher's region subtree (events
addressed to a region inside theirs). Desks are shared; who has read a row is kept per reader
(``role:sub``), so one dispatcher reading does not hide it from the others.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from hub.auth import Caller
from hub.auth.actions import Action, actor, require, subject
from hub.auth.ids import region_prefix
from hub.auth.tokens import Role
from hub.services.events import Events, conninfo_of
from hub.services.workflow_errors import Code, WorkflowError
from hub.store import inbox as store
from hub.store.base import Database, Row
from hub.store.inbox import Addressee

CHANNEL = "hub_notification"
MAX_MARK = 500  # ids marked read in one call


@dataclass(frozen=True)
class Page:
    """Up to ``first`` + 1 rows (newest first) and how to count them all."""

    rows: list[Row]
    to: Addressee
    reader: str


def addressee(caller: Caller) -> Addressee:
    """Whose notifications ``caller`` reads (from the token alone)."""
    exact: list[tuple[str, str]] = []
    if caller.volunteer_id is not None:
        exact.append(("volunteer", str(caller.volunteer_id)))
    if caller.account_id is not None:
        exact.append(("account", str(caller.account_id)))
    if caller.station_id is not None:
        exact.append(("station", str(caller.station_id)))
    if caller.role is Role.ORG_ADMIN and caller.org is not None:
        exact.append(("organization", str(caller.org)))
    prefix = None
    if caller.role is Role.DISPATCHER and caller.region is not None:
        prefix = region_prefix(caller.region)
    return Addressee(tuple(exact), prefix)


def _allowed(caller: Caller) -> tuple[Addressee, str]:
    org_paths = [str(caller.org)] if caller.org is not None else []
    require(caller, Action.NOTIFICATION_READ,
            subject(region_code=caller.region, org_paths=org_paths,
                    volunteer_id=caller.volunteer_id), what="read notifications")
    return addressee(caller), actor(caller)


async def page(db: Database, caller: Caller, *, first: int, after_id: int | None,
               unread_only: bool) -> Page:
    """The caller's notifications, newest first, after the row ``after_id``."""
    to, reader = _allowed(caller)
    rows = await store.list_(db, to=to, reader=reader, first=first, after_id=after_id,
                             unread_only=unread_only)
    return Page(rows, to, reader)


async def count(db: Database, page: Page, *, unread_only: bool) -> int:
    """How many notifications the page's reader has (unread only, if asked)."""
    return await store.count(db, to=page.to, reader=page.reader, unread_only=unread_only)


async def unread_count(db: Database, caller: Caller) -> int:
    """How many of the caller's notifications they have not read."""
    to, reader = _allowed(caller)
    return await store.count(db, to=to, reader=reader, unread_only=True)


async def mark_read(db: Database, caller: Caller, *, ids: Sequence[int] | None,
                    everything: bool) -> tuple[int, int]:
    """Mark read the caller's notifications ``ids``, or all of them with ``everything`` (one
    or the other); ids that are not the caller's are ignored as if absent. Returns how many
    changed and how many stay unread."""
    to, reader = _allowed(caller)
    if everything == (ids is not None):
        raise WorkflowError(Code.INVALID, "ids", "give either ids or all: true",
                            "请给出 ids 或 all: true（二选一）")
    if ids is not None and not 1 <= len(ids) <= MAX_MARK:
        raise WorkflowError(Code.INVALID, "ids", f"{len(ids)} ids: give 1..{MAX_MARK}",
                            f"ids：{len(ids)} 个，应为 1 至 {MAX_MARK} 个")
    async with db.transaction() as tx:
        changed = await store.create_reads(tx, to=to, reader=reader,
                                           ids=None if everything else ids)
        left = await store.count(tx, to=to, reader=reader, unread_only=True)
    return changed, left


def _concerns(to: Addressee, note: dict[str, Any]) -> bool:
    kind, ref = str(note.get("kind", "")), str(note.get("ref", ""))
    if (kind, ref) in to.exact:
        return True
    return kind == "region" and to.region_prefix is not None and ref.startswith(to.region_prefix)


async def received(db: Database, live: Events, caller: Caller) -> AsyncIterator[Row]:
    """The caller's new notifications as they are committed (each as :func:`page` lists it);
    refused as :func:`page` is before anything is listened to."""
    to, reader = _allowed(caller)
    conninfo = await conninfo_of(db)
    async for note in live.matching(conninfo, CHANNEL, lambda n: _concerns(to, n)):
        rows = await store.get_many(db, to=to, reader=reader, ids=[int(note["id"])])
        for row in rows:
            yield row
