"""Partner webhooks (issue 15.4): contracts, endpoints, the delivery log and replays.

A partner (a token of role ``partner``; its ``sub`` names it) receives the events of the kinds
and regions of its **contract**, which an admin sets (``setPartnerContract``). Within it, the
partner registers endpoints (``registerWebhook``): an https URL (plain http only to the hosts
of ``HUB_WEBHOOK_HTTP_HOSTS``, for tests and local development), the kinds it wants and the
regions (default: its contract's). The secret that signs deliveries is made here and shown
once, at registration (or when rotated). Deliveries are made by the relay
(hub.services.outbox) and sent by hub.services.webhook_delivery; the log lists each, and a
replay sends an event again (a new delivery with the same idempotency key).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from hub.auth import Caller
from hub.auth.actions import Action, Denied, actor, require, subject
from hub.auth.ids import is_division_code, region_prefix
from hub.auth.tokens import Role
from hub.services.outbox import EventKind
from hub.services.workflow_errors import Code, WorkflowError
from hub.settings import WebhookSettings
from hub.store import webhooks as store
from hub.store.base import Database, Row

MAX_KINDS = 100
MAX_REGIONS = 100
MAX_URL = 2000
MAX_DESCRIPTION = 200
KINDS = frozenset(k.value for k in EventKind) - {EventKind.REGISTRATION_ATTEMPT.value}
"""What a partner may be told: every kind but what concerns one person's own ID."""


def _bad(field: str, message: str, message_zh: str) -> WorkflowError:
    return WorkflowError(Code.INVALID, field, message, message_zh)


def check_kinds(kinds: Sequence[str], field: str = "kinds") -> list[str]:
    """Known event kinds, none twice, 1..100 of them."""
    if not 1 <= len(kinds) <= MAX_KINDS:
        raise _bad(field, f"{len(kinds)} kinds: give 1..{MAX_KINDS}",
                   f"{field}：{len(kinds)} 种，应为 1 至 {MAX_KINDS} 种")
    for kind in kinds:
        if kind not in KINDS:
            raise _bad(field, f"{kind!r} is not an event kind a partner may receive "
                              f"({', '.join(sorted(KINDS))})",
                       f"{field}：“{kind}”不是合作方可接收的事件类型")
    return sorted(set(kinds))


def check_regions(regions: Sequence[str], field: str = "regions") -> list[str]:
    """12-digit division codes, none twice, 1..100 of them."""
    if not 1 <= len(regions) <= MAX_REGIONS:
        raise _bad(field, f"{len(regions)} regions: give 1..{MAX_REGIONS}",
                   f"{field}：{len(regions)} 个，应为 1 至 {MAX_REGIONS} 个")
    for code in regions:
        if not is_division_code(code):
            raise _bad(field, f"{code!r} is not a 12-digit division code",
                       f"{field}：“{code}”不是 12 位行政区划代码")
    return sorted(set(regions))


def check_url(url: str, settings: WebhookSettings) -> str:
    """An absolute https URL (http only to an allowed host), no credentials, no fragment."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if len(url) > MAX_URL or not host or parts.username or parts.password or parts.fragment:
        raise _bad("url", f"{url[:200]!r} is not an absolute URL without credentials or "
                          f"fragment, at most {MAX_URL} characters",
                   f"url：“{url[:200]}”不是有效的地址（须为绝对地址，不含账号口令或片段）")
    if parts.scheme != "https" and not (parts.scheme == "http" and host in settings.http_hosts):
        raise _bad("url", f"{url[:200]!r} must use https",
                   f"url：“{url[:200]}”必须使用 https")
    return url


def _within(codes: Sequence[str], contract: Sequence[str]) -> list[str]:
    """The codes of ``codes`` that lie in no region of ``contract``."""
    prefixes = [region_prefix(c) for c in contract]
    return [c for c in codes if not any(c.startswith(p) for p in prefixes)]


async def _contract(db: Database, caller: Caller, partner: str, kinds: Sequence[str],
                    regions: Sequence[str] | None) -> list[str]:
    """The regions to use (default: the contract's); refused (FORBIDDEN) outside it."""
    found = await store.get_contract(db, partner=partner)
    if found is None:
        raise Denied(f"partner {partner!r} has no contract: an admin sets one "
                     "(setPartnerContract)", message_zh="该合作方尚无接收协议，请联系管理员设置")
    outside = sorted(set(kinds) - set(found["kinds"]))
    if outside:
        raise Denied(f"kinds {', '.join(outside)} are outside partner {partner!r}'s contract",
                     message_zh=f"事件类型 {', '.join(outside)} 超出合作协议范围")
    chosen = list(found["regions"]) if regions is None else regions
    beyond = _within(chosen, found["regions"])
    if beyond:
        raise Denied(f"regions {', '.join(beyond)} are outside partner {partner!r}'s contract",
                     message_zh=f"地区 {', '.join(beyond)} 超出合作协议范围")
    return list(chosen)


def _partner_of(caller: Caller, partner: str | None) -> str:
    if caller.role is Role.PARTNER:
        if partner not in (None, caller.sub):
            raise Denied("a partner manages its own webhooks only",
                         message_zh="合作方只能管理自己的回调地址")
        return str(caller.sub)
    if not partner:
        raise _bad("partner", "give the partner (its token's sub)", "请给出合作方（其令牌的 sub）")
    return partner


async def set_contract(db: Database, caller: Caller, *, partner: str, kinds: Sequence[str],
                       regions: Sequence[str]) -> Row:
    """Set what ``partner`` may receive (admins)."""
    require(caller, Action.PARTNER_CONTRACT_MANAGE, what="set a partner's contract")
    if not 1 <= len(partner) <= 300 or partner != partner.strip():
        raise _bad("partner", f"{partner[:100]!r} is not a partner id (1..300 characters, "
                              "no surrounding spaces)", "partner：合作方标识无效")
    return await store.update_contract(db, partner=partner, kinds=check_kinds(kinds),
                                       regions=check_regions(regions), by=actor(caller))


async def register(db: Database, caller: Caller, settings: WebhookSettings, *, url: str,
                   kinds: Sequence[str], regions: Sequence[str] | None, description: str,
                   partner: str | None = None) -> tuple[Row, str]:
    """Register an endpoint for the partner (the caller, or ``partner`` for an admin); the
    webhook and its secret (shown this once)."""
    owner = _partner_of(caller, partner)
    require(caller, Action.WEBHOOK_MANAGE, subject(requester=owner), what="register a webhook")
    url, kinds = check_url(url, settings), check_kinds(kinds)
    regions = None if regions is None else check_regions(regions)
    if len(description) > MAX_DESCRIPTION:
        raise _bad("description", f"{len(description)} characters: at most {MAX_DESCRIPTION}",
                   f"description：{len(description)} 个字符，最多 {MAX_DESCRIPTION} 个")
    secret = "whsec_" + secrets.token_urlsafe(32)
    async with db.transaction() as tx:
        chosen = await _contract(tx, caller, owner, kinds, regions)
        if await store.count_of_partner(tx, partner=owner) >= settings.per_partner:
            raise _bad("url", f"partner {owner!r} already has {settings.per_partner} webhooks "
                              "(delete one first)",
                       f"该合作方已有 {settings.per_partner} 个回调地址，请先删除一个")
        row = await store.create(tx, partner=owner, url=url, kinds=kinds, regions=chosen,
                                 secret=secret, description=description)
    return row, secret


async def _owned(db: Database, caller: Caller, webhook_id: int, what: str) -> Row:
    row = await store.get(db, webhook_id=webhook_id)
    if row is None:
        raise WorkflowError(Code.NOT_FOUND, "id", f"webhook {webhook_id} does not exist",
                            f"回调地址 {webhook_id} 不存在")
    require(caller, Action.WEBHOOK_MANAGE, subject(requester=row["partner"]), what=what)
    return row


async def update(db: Database, caller: Caller, settings: WebhookSettings, *, webhook_id: int,
                 url: str | None = None, kinds: Sequence[str] | None = None,
                 regions: Sequence[str] | None = None, active: bool | None = None,
                 description: str | None = None, rotate_secret: bool = False
                 ) -> tuple[Row, str | None]:
    """Change an endpoint (what is given); a new secret when ``rotate_secret`` (shown once)."""
    async with db.transaction() as tx:
        row = await _owned(tx, caller, webhook_id, "update this webhook")
        values: dict[str, object] = {}
        if url is not None:
            values["url"] = check_url(url, settings)
        new_kinds = check_kinds(kinds) if kinds is not None else list(row["kinds"])
        new_regions = check_regions(regions) if regions is not None else list(row["regions"])
        if kinds is not None or regions is not None:
            await _contract(tx, caller, row["partner"], new_kinds, new_regions)
            values.update(kinds=new_kinds, regions=new_regions)
        if description is not None:
            if len(description) > MAX_DESCRIPTION:
                raise _bad("description", f"{len(description)} characters: at most "
                                          f"{MAX_DESCRIPTION}", "description：过长")
            values["description"] = description
        if active is not None:
            values["active"] = active
        secret = "whsec_" + secrets.token_urlsafe(32) if rotate_secret else None
        if secret is not None:
            values["secret"] = secret
        changed = await store.update(tx, webhook_id=webhook_id, values=values)
    assert changed is not None  # locked by nobody else's delete: update() re-checks it
    return changed, secret


async def delete(db: Database, caller: Caller, *, webhook_id: int) -> Row:
    """Delete an endpoint: nothing more is sent to it (its log stays)."""
    async with db.transaction() as tx:
        await _owned(tx, caller, webhook_id, "delete this webhook")
        row = await store.update(tx, webhook_id=webhook_id, values={"deleted": True})
    if row is None:
        raise WorkflowError(Code.NOT_FOUND, "id", f"webhook {webhook_id} does not exist",
                            f"回调地址 {webhook_id} 不存在")
    return row


async def webhooks(db: Database, caller: Caller, *, partner: str | None = None) -> list[Row]:
    """The partner's endpoints (the caller's, or ``partner``'s for an admin)."""
    owner = _partner_of(caller, partner)
    require(caller, Action.WEBHOOK_MANAGE, subject(requester=owner), what="list webhooks")
    return await store.list_of_partner(db, partner=owner)


async def deliveries(db: Database, caller: Caller, *, webhook_id: int, first: int,
                     after_id: int | None) -> list[Row]:
    """A webhook's delivery log, newest first."""
    await _owned(db, caller, webhook_id, "read this webhook's deliveries")
    return await store.list_deliveries(db, webhook_id=webhook_id, first=first,
                                       after_id=after_id)


async def count_deliveries(db: Database, *, webhook_id: int) -> int:
    """How many deliveries the log holds (after :func:`deliveries` admitted the caller)."""
    return await store.count_deliveries(db, webhook_id=webhook_id)


async def replay(db: Database, caller: Caller, *, delivery_id: int) -> Row:
    """Send a logged delivery's event again: a new pending delivery (same idempotency key),
    queued by the relay within a second, in order behind the subject's others."""
    async with db.transaction() as tx:
        found = await store.get_delivery(tx, delivery_id=delivery_id)
        if found is None:
            raise WorkflowError(Code.NOT_FOUND, "deliveryId",
                                f"delivery {delivery_id} does not exist",
                                f"投递记录 {delivery_id} 不存在")
        await _owned(tx, caller, found["webhook_id"], "replay this delivery")
        made = await store.create_replay(tx, delivery_id=delivery_id)
        row = await store.get_delivery(tx, delivery_id=made["id"])
    assert row is not None
    return row
