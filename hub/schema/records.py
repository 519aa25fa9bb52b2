"""GraphQL for records (志愿服务记录), recognition (星级, 积分, 时间储蓄), ratings and certificates.

Who sees what (documented in the issue note):

* ``totalHours``, ``stars`` and ``rating`` of a volunteer are public recognition.
* ``serviceRecords``, ``pointsBalance``, ``timeBankBalance`` and ``serviceCertificates`` are the
  volunteer's own, and visible to admins, to dispatchers whose region subtree holds the
  volunteer, and to org admins whose organisation subtree the volunteer belongs to; anyone
  else gets a FORBIDDEN error on the field.
* ``verifyCertificate`` and ``certificatePublicKey`` are open to everyone (third parties).

``VolunteerRecords``, ``OrganizationRatings`` and ``StationRatings`` are field mixins: the
types they extend list them as bases.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from hub.auth import Subject
from hub.auth.actions import Action, can
from hub.geo.divisions import DivisionCodeError, normalize_code
from hub.schema.context import Info, _group_loader, _loader, per_request
from hub.schema.errors import BadUserInput, Forbidden
from hub.schema.node import encode_id
from hub.services import certificates as cert_service
from hub.services import records, reviews
from hub.services.records import MINUTES_PER_HOUR
from hub.store.base import Database, Row

if TYPE_CHECKING:
    from hub.schema.organizations import Activity
    from hub.schema.places import Demand
    from hub.schema.volunteers import Volunteer

MAX_RECORDS = 100


@dataclass
class RecordLoaders:
    """Batched lookups of this module, one set per request."""

    db: Database
    recognition: DataLoader[int, Row | None] = field(init=False)
    records: DataLoader[int, list[Row]] = field(init=False)
    certificates: DataLoader[int, list[Row]] = field(init=False)
    volunteer_rating: DataLoader[int, Row | None] = field(init=False)
    organization_rating: DataLoader[int, Row | None] = field(init=False)
    station_rating: DataLoader[int, list[Row]] = field(init=False)

    def __post_init__(self) -> None:
        db = self.db
        self.recognition = _loader(
            lambda ids: records.list_recognition(db, volunteer_ids=ids), "id")
        self.records = _group_loader(
            lambda ids: records.list_of_volunteers(db, volunteer_ids=ids, limit=MAX_RECORDS),
            "volunteer_id")
        self.certificates = _group_loader(
            lambda ids: cert_service.list_of_volunteers(db, volunteer_ids=ids), "volunteer_id")
        self.volunteer_rating = _loader(
            lambda ids: reviews.list_volunteer_ratings(db, volunteer_ids=ids), "id")
        self.organization_rating = _loader(
            lambda ids: reviews.list_organization_ratings(db, organization_ids=ids), "id")
        self.station_rating = _group_loader(
            lambda ids: reviews.list_station_ratings(db, station_ids=ids), "id")


def loaders(info: Info) -> RecordLoaders:
    """This request's :class:`RecordLoaders` (kept on the context)."""
    return per_request(info, "records_loaders", lambda c: RecordLoaders(c.db))


def org_subject(region_code: str, org_path: str | None,
                volunteer_id: int | None = None) -> Subject:
    """The subject of something an organisation runs in a region (a record, an activity)."""
    ids = frozenset(int(x) for x in org_path.split(".")) if org_path else frozenset()
    return Subject(volunteer_id=volunteer_id, region_code=region_code, org_ids=ids)


@strawberry.type(description="Ratings (评单) in aggregate: how many and their average (1–5).")
class RatingSummary:
    count: int
    average: float | None


def rating_of(row: Row | None) -> RatingSummary:
    """A summary from a row with ``n`` and ``average`` (or none)."""
    if row is None or not row["n"]:
        return RatingSummary(count=0, average=None)
    return RatingSummary(count=int(row["n"]), average=round(float(row["average"]), 2))


@strawberry.type(description="志愿服务记录: hours served, never edited. A correction is a new "
                             "record that references the corrected one, with a reason and who "
                             "made it. A record from a volunteer's own check-out is pending "
                             "(待确认) until the organiser or a dispatcher confirms it, or until "
                             "it confirms itself after the configured period; only confirmed "
                             "hours count for stars, points, time bank and certificates.")
class ServiceRecord(relay.Node):
    id: relay.NodeID[int]
    title: str
    served_on: date = strawberry.field(description="Date of service (China Standard Time).")
    hours: Decimal = strawberry.field(description="Hours of this row; negative for a reduction.")
    net_hours: Decimal | None = strawberry.field(
        description="An original's hours after all its corrections; null on a correction.")
    is_correction: bool
    reason: str | None = strawberry.field(description="Why, on a correction.")
    recorded_by: str = strawberry.field(description="Who recorded it (the volunteer, for a "
                                                    "check-out), or who corrected.")
    recorded_at: datetime
    confirmed_at: datetime | None = strawberry.field(description=(
        "When the (original) record was confirmed; null while it is pending."))
    confirmed_by: str | None = strawberry.field(description=(
        "Who confirmed it: a manager, or `hub` when it confirmed itself after the period."))
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> ServiceRecord:
        return cls(id=row["id"], title=row["title"],
                   served_on=row["served_on"], hours=row["hours"], net_hours=row["net_hours"],
                   is_correction=row["corrects_id"] is not None, reason=row["reason"],
                   recorded_by=row["recorded_by"], recorded_at=row["recorded_at"],
                   confirmed_at=row.get("confirmed_at"), confirmed_by=row.get("confirmed_by"),
                   row=row)

    @classmethod
    async def load(cls, info: Info, key: int) -> ServiceRecord | None:
        """A record by id, for its volunteer and those who manage it; otherwise None."""
        row = await records.get(info.context.db, record_id=key)
        if row is None or not can(info.context.caller, Action.RECORD_READ,
                                  org_subject(row["region_code"], row["org_path"],
                                              row["volunteer_id"])):
            return None
        return cls.from_row(row)

    @strawberry.field(description="Whether the record counts: confirmed, not pending.")
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @strawberry.field(description="The record this one corrects.")
    def corrects_id(self) -> strawberry.ID | None:
        original = self.row["corrects_id"]
        return strawberry.ID(encode_id("ServiceRecord", original)) if original else None

    @strawberry.field
    async def volunteer(self, info: Info) -> Annotated[
            Volunteer, strawberry.lazy("hub.schema.volunteers")] | None:
        from hub.schema.volunteers import load_volunteer

        return await load_volunteer(info, self.row["volunteer_id"])

    @strawberry.field(description="The demand served, for service by dispatch.")
    async def demand(self, info: Info) -> Annotated[
            Demand, strawberry.lazy("hub.schema.places")] | None:
        from hub.schema.places import Demand

        demand_id = self.row["demand_id"]
        return await Demand.load(info, demand_id) if demand_id else None

    @strawberry.field(description="The activity attended.")
    async def activity(self, info: Info) -> Annotated[
            Activity, strawberry.lazy("hub.schema.organizations")] | None:
        from hub.schema.organizations import Activity

        activity_id = self.row["activity_id"]
        return await Activity.load(info, activity_id) if activity_id else None


@strawberry.type(description="One record as a certificate states it (net hours).")
class CertifiedRecord:
    date: date
    title: str
    organization: str
    hours: Decimal


@strawberry.type(description="志愿服务证明: what a certificate certifies, signed with Ed25519.")
class Certificate:
    code: str = strawberry.field(description="Verification code (验证码), XXXX-XXXX-XXXX-XXXX.")
    volunteer_name: str
    volunteer_id_masked: str | None
    period_from: date
    period_to: date
    total_hours: Decimal
    stars: int
    records: list[CertifiedRecord]
    issuer_name: str
    issued_at: datetime
    key_id: str = strawberry.field(description="Fingerprint of the signing public key.")
    signature: str = strawberry.field(description="Base64 Ed25519 signature of the payload.")
    payload: str = strawberry.field(description="The signed canonical JSON, exactly.")
    verify_url: str
    pdf_url: str


def certificate_of(info: Info, row: Row) -> Certificate:
    """The GraphQL certificate from a stored row (its signed payload)."""
    from hub.certs.model import data_from_dict, parse_payload

    payload = bytes(row["payload"])
    data = data_from_dict(parse_payload(payload))
    url = cert_service.verify_url(info.context.settings, data.code)
    return Certificate(
        code=data.code, volunteer_name=data.volunteer_name,
        volunteer_id_masked=data.volunteer_id_masked, period_from=data.period_from,
        period_to=data.period_to, total_hours=data.total_hours, stars=data.stars,
        records=[CertifiedRecord(date=r.date, title=r.title, organization=r.organization,
                                 hours=r.hours) for r in data.records],
        issuer_name=data.issuer_name, issued_at=data.issued_at, key_id=row["key_id"],
        signature=base64.b64encode(bytes(row["signature"])).decode(),
        payload=payload.decode(), verify_url=url, pdf_url=f"{url}?format=pdf")


@strawberry.type(description="The answer to verifyCertificate: valid, and what it certifies.")
class CertificateVerification:
    code: str
    valid: bool
    reason: str
    certificate: Certificate | None = strawberry.field(
        description="What the certificate certifies; null unless valid.")


@strawberry.type(description="The public key that checks certificate signatures offline.")
class CertificateKey:
    algorithm: str
    key_id: str
    public_key: str = strawberry.field(description="Base64 of the raw 32-byte Ed25519 key.")
    public_key_pem: str


@strawberry.type(description="A star level (星级) and the verified hours it needs.")
class StarThreshold:
    stars: int
    hours: Decimal
    scope: str = strawberry.field(description="'' for the national default, else the "
                                              "division-code prefix of the override.")


def _private(info: Info, volunteer: Any) -> None:
    """FORBIDDEN unless the caller manages this volunteer's records or is the volunteer."""
    subject: Subject = volunteer._subject(info)
    if not can(info.context.caller, Action.RECORD_READ, subject):
        raise Forbidden("only the volunteer, an admin, or a dispatcher or org admin in scope "
                        "may see this volunteer's records and balances")


async def _recognition(info: Info, volunteer_id: int) -> Row:
    row = await loaders(info).recognition.load(volunteer_id)
    return row or {"total_hours": Decimal(0), "stars": 0, "points": 0, "minutes": 0}


@strawberry.type
class VolunteerRecords:
    """Fields of :class:`hub.schema.volunteers.Volunteer` from this module."""

    if TYPE_CHECKING:
        row: Row

    @strawberry.field(description="Confirmed cumulative hours (net of corrections).")
    async def total_hours(self, info: Info) -> Decimal:
        return Decimal((await _recognition(info, self.row["id"]))["total_hours"])

    @strawberry.field(description="星级 0–5 from confirmed cumulative hours and the thresholds "
                                  "of the volunteer's region.")
    async def stars(self, info: Info) -> int:
        return int((await _recognition(info, self.row["id"]))["stars"])

    @strawberry.field(description="积分 balance (points).")
    async def points_balance(self, info: Info) -> int | None:
        _private(info, self)
        return int((await _recognition(info, self.row["id"]))["points"])

    @strawberry.field(description="时间储蓄 balance in hours.")
    async def time_bank_balance(self, info: Info) -> Decimal | None:
        _private(info, self)
        minutes = int((await _recognition(info, self.row["id"]))["minutes"])
        return (Decimal(minutes) / MINUTES_PER_HOUR).quantize(Decimal("0.01"))

    @strawberry.field(description=f"Service records, latest first (at most {MAX_RECORDS}).")
    async def service_records(self, info: Info) -> list[ServiceRecord] | None:
        _private(info, self)
        return [ServiceRecord.from_row(r) for r in await loaders(info).records.load(
            self.row["id"])]

    @strawberry.field(description="志愿服务证明 issued to the volunteer, newest first.")
    async def service_certificates(self, info: Info) -> list[Certificate] | None:
        _private(info, self)
        rows = await loaders(info).certificates.load(self.row["id"])
        return [certificate_of(info, r) for r in rows]

    @strawberry.field(description="Requesters' ratings of the demands the volunteer served.")
    async def rating(self, info: Info) -> RatingSummary:
        return rating_of(await loaders(info).volunteer_rating.load(self.row["id"]))


@strawberry.type
class OrganizationRatings:
    """Rating fields for :class:`hub.schema.organizations.Organization`."""

    if TYPE_CHECKING:
        row: Row

    @strawberry.field(description="Requesters' ratings of demands served by members of this "
                                  "organisation or any below it.")
    async def rating(self, info: Info) -> RatingSummary:
        return rating_of(await loaders(info).organization_rating.load(self.row["id"]))


@strawberry.type
class StationRatings:
    """Rating fields for :class:`hub.schema.places.Station`."""

    if TYPE_CHECKING:
        row: Row

    async def _by(self, info: Info, direction: str) -> RatingSummary:
        rows = await loaders(info).station_rating.load(self.row["id"])
        return rating_of(next((r for r in rows if r["direction"] == direction), None))

    @strawberry.field(description="Requesters' ratings of service given here.")
    async def service_rating(self, info: Info) -> RatingSummary:
        return await self._by(info, "requester_to_service")

    @strawberry.field(description="Volunteers' ratings of this station as an organiser.")
    async def organiser_rating(self, info: Info) -> RatingSummary:
        return await self._by(info, "volunteer_to_organiser")


@strawberry.type
class RecordsQuery:
    @strawberry.field(description="Check a certificate's code (验证码): valid, and what it "
                                  "certifies. Open to anyone.")
    async def verify_certificate(self, info: Info, code: str) -> CertificateVerification:
        found = await cert_service.lookup(info.context.db, info.context.settings, code=code)
        cert = certificate_of(info, found.row) if found.row and found.result.valid else None
        return CertificateVerification(code=found.code, valid=found.result.valid,
                                       reason=found.result.reason, certificate=cert)

    @strawberry.field(description="The public key for offline certificate verification.")
    def certificate_public_key(self, info: Info) -> CertificateKey:
        key = cert_service.signing_key(info.context.settings)
        return CertificateKey(algorithm="Ed25519", key_id=key.key_id,
                              public_key=key.public_key_text(),
                              public_key_pem=key.public_key_pem())

    @strawberry.field(description="Star thresholds (星级) in force in a region (national "
                                  "defaults unless a province overrides them).")
    async def star_thresholds(self, info: Info,
                              region_code: str | None = None) -> list[StarThreshold]:
        code = None
        if region_code is not None:
            try:
                code = normalize_code(region_code)
            except DivisionCodeError:
                raise BadUserInput("regionCode", region_code, "is not a division code") from None
        rows = await records.list_thresholds(info.context.db, region_code=code)
        return [StarThreshold(stars=r["stars"], hours=r["hours"], scope=r["scope"])
                for r in rows]
