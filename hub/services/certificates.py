"""Issuing and verifying certificates (志愿服务证明) from the service records.

A certificate states the net verified records of one volunteer in a period, the total, the
star level reached by the period's end and the issuing organisation. The canonical payload is
signed with the Ed25519 key from settings (``HUB_CERT_SIGNING_KEY``; the embedded demo keeps a
generated one under ``home``) and stored byte for byte, so verification online
(:func:`lookup`) and offline (:func:`hub.certs.verify.extract_and_verify` on the PDF with the
public key) check the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hub.auth import Caller, Role
from hub.auth.actions import Action, require
from hub.certs.fonts import unprintable
from hub.certs.model import (
    CertificateData,
    CertificateRecord,
    canonical_payload,
    data_from_dict,
    new_code,
    normalize_code,
    parse_payload,
)
from hub.certs.pdf import printed_texts, render_certificate
from hub.certs.signing import SigningKey, load_or_create_signing_key
from hub.certs.verify import VerifyResult, verify_signed
from hub.services import tell
from hub.services.outbox import EventKind, EventSubject
from hub.services.records import RecordsError, recorded_name
from hub.services.subjects import org_subject, volunteer_subject
from hub.settings import Settings
from hub.store import certificates as store
from hub.store import organizations, records, regions, volunteers
from hub.store.base import Database, Row
from hub.store.certificates import list_of_volunteers as list_of_volunteers

CST = timezone(timedelta(hours=8), "CST")
MAX_PERIOD_DAYS = 366 * 10
PLATFORM_ISSUER = "科技志愿服务平台"
ASSOCIATION = "科学技术协会"
_NOT_A_PLACE = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
"""City-level division names that are no place (a municipality's districts, ...)."""


async def association_names(db: Database, region_codes: set[str]) -> dict[str, str]:
    """The science and technology association (科协) of each division: the county's (with its
    city for a district: 郑州市金水区科学技术协会), else the city's or the province's; a
    township's is its county's. Unknown codes are left out."""
    def levels(code: str) -> tuple[str, str, str]:
        return code[:2] + "0" * 10, code[:4] + "0" * 8, code[:6] + "0" * 6

    wanted = {c for code in region_codes if len(code) == 12 for c in levels(code)}
    names = {row["code"]: row["name"] for row in await regions.get_many(db, codes=sorted(wanted))}
    found: dict[str, str] = {}
    for code in region_codes:
        if len(code) != 12:
            continue
        province, city, county = (names.get(c) for c in levels(code))
        city = None if city in _NOT_A_PLACE else city
        if county is not None and county != city and county != province:
            parent = (city or province or "") if county.endswith("区") else ""
            found[code] = f"{parent}{county}{ASSOCIATION}"
        elif city is not None and city != province:
            found[code] = f"{city}{ASSOCIATION}"
        elif province is not None:
            found[code] = f"{province}{ASSOCIATION}"
    return found


def signing_key(settings: Settings) -> SigningKey:
    """The certificate signing key of these settings: the configured one, else the demo key
    under ``home`` (the app's settings carry it, read once: :func:`hub.app.dev_settings`)."""
    return load_or_create_signing_key(settings.certificate_signing_key, settings.home)


def verify_url(settings: Settings, code: str) -> str:
    """Where a third party checks a certificate (printed on it and in its QR code)."""
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return f"{base.rstrip('/')}/certificates/{code}"


async def issue(db: Database, settings: Settings, caller: Caller, *, volunteer_id: int,
                first: date, last: date, issuer_organization_id: int | None = None) -> Row:
    """Issue, sign and store a certificate; returns the stored row.

    ``certificate.issue`` on the volunteer decides who may (the volunteer, an admin, a manager
    in scope); naming the issuing organisation (出具单位) takes ``certificate.issue_as`` on it.
    An org admin's certificates name their organisation unless they say otherwise.
    """
    facts = await volunteers.get_facts(db, volunteer_id=volunteer_id)
    if facts is None:
        raise RecordsError("NOT_FOUND", "volunteerId", f"volunteer {volunteer_id} not found",
                           f"志愿者 {volunteer_id} 不存在")
    require(caller, Action.CERTIFICATE_ISSUE, volunteer_subject(facts),
            what="issue a certificate for this volunteer")
    issuer = await _issuer(db, caller, issuer_organization_id)
    return await _issue(db, settings, volunteer_id=volunteer_id, first=first, last=last,
                        issuer=issuer, issued_by=recorded_name(caller))


async def _issuer(db: Database, caller: Caller, organization_id: int | None) -> Row | None:
    """The issuing organisation, if one is named (or the caller's, for an org admin)."""
    org_id = organization_id if organization_id is not None else (
        caller.org if caller.role is Role.ORG_ADMIN else None)
    if org_id is None:
        return None
    org = await organizations.get(db, organization_id=org_id)
    if org is None:
        raise RecordsError("NOT_FOUND", "issuerOrganizationId",
                           f"organisation {org_id} does not exist", f"组织 {org_id} 不存在")
    require(caller, Action.CERTIFICATE_ISSUE_AS, org_subject(org["region_code"], org["path"]),
            what="issue certificates in this organisation's name")
    return org


async def _items(db: Database, rows: list[Row]) -> tuple[CertificateRecord, ...]:
    """The certificate's records, each with its organiser (组织单位): the recording
    organisation, else its demand's station, else the 科协 of the place it was served."""
    organisers = {row["id"]: row for row in await store.list_record_organisers(
        db, record_ids=[r["id"] for r in rows])}
    associations = await association_names(
        db, {o["region_code"] for o in organisers.values() if o["organization"] is None})
    return tuple(CertificateRecord(
        date=r["served_on"], title=r["title"], hours=r["hours"],
        organization=organisers[r["id"]]["organization"]
        or associations.get(organisers[r["id"]]["region_code"], PLATFORM_ISSUER))
        for r in rows)


def _check_printable(data: CertificateData) -> None:
    missing = unprintable(*printed_texts(data))
    if missing:
        chars = "、".join(missing)
        raise RecordsError(
            "INVALID", "volunteerId",
            f"the certificate font has no glyph for {chars} (U+"
            + ", U+".join(f"{ord(ch):04X}" for ch in missing)
            + "): add them to NAME_EXTRAS in scripts/build_cert_fonts.py and rebuild the font"
            f" / 证书字体缺少字符 {chars}，请在字体中补充后再出具证明",
            f"证书字体缺少字符 {chars}，请在字体中补充后再出具证明")


async def _issue(db: Database, settings: Settings, *, volunteer_id: int, first: date,
                 last: date, issuer: Row | None, issued_by: str) -> Row:
    if last < first:
        raise RecordsError("INVALID_PERIOD", "to", f"{last} is before {first}",
                           f"结束日期 {last} 早于开始日期 {first}")
    if last > datetime.now(CST).date():
        raise RecordsError("INVALID_PERIOD", "to", f"{last} is in the future",
                           f"结束日期 {last} 还没到")
    if (last - first).days > MAX_PERIOD_DAYS:
        raise RecordsError("INVALID_PERIOD", "from", "the period is longer than ten years",
                           "时间段超过十年")
    async with db.transaction() as tx:
        person = await volunteers.get_for_certificate(tx, volunteer_id=volunteer_id)
        if person is None or person["erased_at"] is not None:
            raise RecordsError("NOT_FOUND", "volunteerId",
                               f"volunteer {volunteer_id} does not exist",
                               f"志愿者 {volunteer_id} 不存在")
        rows = await records.list_net_in_period(tx, volunteer_id=volunteer_id, first=first,
                                                last=last)
        if not rows:
            raise RecordsError("NO_RECORDS", "from",
                               f"no verified service between {first} and {last}",
                               f"{first} 至 {last} 之间没有经过确认的服务记录")
        items = await _items(tx, rows)
        home = issuer["region_code"] if issuer is not None else person["region_code"]
        association = (await association_names(tx, {home})).get(home)
        data = CertificateData(
            code=new_code(), volunteer_name=person["real_name"],
            volunteer_id_masked=person["id_number_masked"], period_from=first, period_to=last,
            total_hours=sum((i.hours for i in items), Decimal(0)),
            stars=await records.get_stars_at(tx, volunteer_id=volunteer_id, last=last),
            records=items, issued_at=datetime.now(UTC), association_name=association,
            issuer_name=(issuer["name"] if issuer is not None else None)
            or person["first_org"] or association or PLATFORM_ISSUER)
        _check_printable(data)
        payload = canonical_payload(data)
        key = signing_key(settings)
        made = await store.create(tx, code=data.code, volunteer_id=volunteer_id, first=first,
                                  last=last, payload=payload, signature=key.sign(payload),
                                  key_id=key.key_id, issued_by=issued_by,
                                  issued_at=data.issued_at)
        await tell.volunteer(tx, EventKind.CERTIFICATE_ISSUED, volunteer_id=volunteer_id,
                             subject=EventSubject("volunteer", volunteer_id),
                             payload={"code": data.code, "from": first.isoformat(),
                                      "to": last.isoformat(),
                                      "totalHours": str(data.total_hours)},
                             region_code=person["region_code"])
        return made


@dataclass(frozen=True)
class Verification:
    """What a code certifies: ``result.data`` (the signed content) when valid."""

    code: str
    result: VerifyResult
    row: Row | None

    def as_json(self, settings: Settings) -> dict[str, Any]:
        """The public JSON answer of ``GET /certificates/{code}``."""
        key = signing_key(settings)
        return {"code": self.code, "valid": self.result.valid, "reason": self.result.reason,
                "keyId": self.result.key_id, "certificate": self.result.data,
                "publicKey": key.public_key_text(), "algorithm": "Ed25519"}


async def lookup(db: Database, settings: Settings, *, code: str) -> Verification:
    """Find a certificate by a typed code and check its stored signature."""
    try:
        canonical = normalize_code(code)
    except ValueError as exc:
        return Verification(code, VerifyResult(False, None, f"malformed code: {exc}"), None)
    row = await store.get(db, code=canonical)
    if row is None:
        return Verification(canonical, VerifyResult(
            False, None, "no certificate was issued with this code"), None)
    result = verify_signed(bytes(row["payload"]), bytes(row["signature"]), row["key_id"],
                           signing_key(settings).public_key_text())
    return Verification(canonical, result, row)


def render_pdf(settings: Settings, row: Row) -> bytes:
    """The certificate PDF from its stored payload and signature."""
    data: CertificateData = data_from_dict(parse_payload(bytes(row["payload"])))
    return render_certificate(data, signature=bytes(row["signature"]), key_id=row["key_id"],
                              verify_url=verify_url(settings, data.code))
