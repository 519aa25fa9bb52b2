"""Pilots' scorecards (试点考核, seed 001) as of any date, and the drill-down from a province to
its cities and counties.

The figures (target, actual, how many candidates) come from hub.store.scorecard_counts (the
rules in SQL, one statement per quota item for every pilot of the request: a province's card
reads no candidate list); the candidates behind them (``entries``, the first ones when a client
asks) from hub.store.scorecards, judged by hub.office.scorecard (pure) with why not. judge_at
judges every candidate (the counts' tests hold them to it). "As of" a date D judges at the end of
D in China Standard Time (never past the pilot period's last day): teams' members from the
memberships and their ended stints (membership_history), the publication state of projects,
activities and stations from their review log (publication_review). What the data does not
date is taken as it is now: a team's dissolution, a station's 六有 flags, an activity
cancelled without a logged step. Who may read: ``scorecard.read`` (admins everything, a
dispatcher their region subtree).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.auth.ids import region_prefix
from hub.office.scorecard import (
    ITEMS,
    Entry,
    ItemResult,
    Period,
    Quota,
    add_months,
    counted_item,
    judge_item,
)
from hub.services import regions
from hub.services.workflow import Code, WorkflowError
from hub.store import scorecard_counts as count_store
from hub.store import scorecards as store
from hub.store.base import Database, Row
from hub.vocabulary import vocabulary

CST = timezone(timedelta(hours=8), "CST")
_LABELS = {kind: vocabulary(f"{kind}Status").labels for kind in ("project", "activity",
                                                                    "station")}


def today_cst() -> date:
    """Today in China Standard Time."""
    return datetime.now(UTC).astimezone(CST).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CST)


@dataclass(frozen=True)
class PilotScorecard:
    """One pilot judged as of a date."""

    pilot: Row
    period: Period
    items: tuple[ItemResult, ...]

    @property
    def passed(self) -> bool:
        return all(i.passed for i in self.items)


@dataclass(frozen=True)
class RegionSummary:
    """A region's pilots in one line: how many, how many passed, items passed of items."""

    region: Row
    pilots: int
    pilots_passed: int
    items: int
    items_passed: int


@dataclass(frozen=True)
class DrillDown:
    """A region's scorecards summed, and its children's."""

    region: Row
    as_of: date
    total: RegionSummary
    children: tuple[RegionSummary, ...]
    scorecards: tuple[PilotScorecard, ...]


def _as_of(value: date | None) -> date:
    day = value or today_cst()
    if day < date(2000, 1, 1):
        raise WorkflowError(Code.INVALID, "asOf", f"{day.isoformat()} is before 2000-01-01",
                            f"日期 {day.isoformat()} 早于 2000-01-01")
    return day


async def _region(db: Database, code: str, field: str = "regionCode") -> Row:
    found = await regions.get_many(db, codes=[code])
    if not found:
        raise WorkflowError(Code.UNKNOWN_REGION, field, f"{code!r} is not a known division code",
                            f"{code!r} 不是已知的行政区划代码")
    return found[0]


async def judge(db: Database, pilots: Sequence[Row], as_of: date) -> list[PilotScorecard]:
    """Scorecards of ``pilots`` (rows of hub.store.scorecards) as of a date, from counts (one
    statement per quota item for all of them); their entries are read when asked (entries)."""
    return await counted_at(db, [(p, as_of) for p in pilots])


async def _quotas(db: Database, cards: Sequence[tuple[Row, date]]
                  ) -> dict[tuple[str, str], list[Quota]]:
    """The quota items of the cards' sets, by (quota set, pilot type), in ITEMS order."""
    quotas: dict[tuple[str, str], list[Quota]] = {}
    for q in await store.list_quotas(db, codes=sorted({p["quota_set"] for p, _ in cards})):
        quotas.setdefault((q["quota_set"], q["pilot_type"]), []).append(Quota(
            item=q["item"], target=q["target"], min_members=q["min_members"],
            six_standard=q["six_standard"]))
    return {k: sorted(v, key=lambda q: ITEMS.index(q.item)) for k, v in quotas.items()}


def _arrays(cards: Sequence[tuple[Row, date]]) -> tuple[list[Period], dict[str, list[Any]]]:
    """The cards' periods, and the arrays the statements read them from: each card is told
    apart by its place in the list (the statements' pilot_id)."""
    periods = [Period(starts_on=p["funded_on"],
                      ends_on=add_months(p["funded_on"], p["period_months"]), as_of=day)
               for p, day in cards]
    return periods, {"pilots": list(range(len(cards))),
                     "prefixes": [region_prefix(p["region_code"]) for p, _ in cards],
                     "starts": [_midnight(x.starts_on) for x in periods],
                     "ends": [_midnight(x.ends_on) for x in periods],
                     "ats": [_midnight(x.judged_on + timedelta(days=1)) for x in periods]}


async def judge_at(db: Database, cards: Sequence[tuple[Row, date]]) -> list[PilotScorecard]:
    """Scorecards of pilots each as of its own date (a pilot may come several times, as of
    several dates): one statement per quota item for all of them."""
    if not cards:
        return []
    quotas = await _quotas(db, cards)
    periods, args = _arrays(cards)
    wanted = {q.item for qs in quotas.values() for q in qs}
    facts: dict[tuple[str, int], list[Row]] = {}
    for item in ITEMS:
        if item in wanted:
            for row in await store.list_facts(db, item=item, **args):
                facts.setdefault((item, row["pilot_id"]), []).append(row)
    out = []
    for k, ((p, _), period) in enumerate(zip(cards, periods, strict=True)):
        items = tuple(judge_item(q, facts.get((q.item, k), []), period, _LABELS)
                      for q in quotas.get((p["quota_set"], p["pilot_type"]), []))
        out.append(PilotScorecard(pilot=p, period=period, items=items))
    return out


def _under(rows: Sequence[Row]) -> dict[int, tuple[list[str], list[tuple[int, int]]]]:
    """Per key, its divisions in order and the running sums of their counts (those that
    count, candidates)."""
    by: dict[int, list[tuple[str, int, int]]] = {}
    for r in rows:
        by.setdefault(r["pilot_id"], []).append((r["region_code"], int(r["n"]),
                                                 int(r["candidates"])))
    out: dict[int, tuple[list[str], list[tuple[int, int]]]] = {}
    for key, found in by.items():
        found.sort()
        sums = [(0, 0)]
        for _, n, c in found:
            sums.append((sums[-1][0] + n, sums[-1][1] + c))
        out[key] = ([code for code, _, _ in found], sums)
    return out


def _subtree(counted: tuple[list[str], list[tuple[int, int]]], prefix: str) -> tuple[int, int]:
    """A subtree's sums (those that count, candidates) from a key's running sums."""
    codes, sums = counted
    hi, lo = sums[bisect_left(codes, prefix + ":")], sums[bisect_left(codes, prefix)]
    return hi[0] - lo[0], hi[1] - lo[1]


async def _counted(db: Database, cards: Sequence[tuple[Row, date]]
                   ) -> list[list[tuple[Quota, int, int]]]:
    """Per card (a pilot as of a date), its quotas in ITEMS order with how many candidates
    count and how many there are, as judge_at's would give, from counts alone
    (hub.store.scorecard_counts: per quota item one statement, once per distinct period,
    moment and quota, by division; a card sums its subtree's divisions)."""
    if not cards:
        return []
    quotas = await _quotas(db, cards)
    _, args = _arrays(cards)
    first, last = min(args["prefixes"]), max(args["prefixes"])
    common = first[:next((i for i, (a, b) in enumerate(zip(first, last, strict=False))
                          if a != b),
                         min(len(first), len(last)))]
    mine = [quotas.get((p["quota_set"], p["pilot_type"]), []) for p, _ in cards]
    got: dict[tuple[int, str], tuple[int, int]] = {}
    for item in ITEMS:
        keyed: dict[tuple[Any, ...], int] = {}
        of: list[tuple[int, int]] = []  # (card, key)
        for k, qs in enumerate(mine):
            for q in qs:
                if q.item == item:
                    key = (args["starts"][k], args["ends"][k], args["ats"][k], q.min_members,
                           q.six_standard)
                    of.append((k, keyed.setdefault(key, len(keyed))))
        if not keyed:
            continue
        keys = list(keyed)
        counted = _under(await count_store.list_counts(
            db, item=item, prefix=common, starts=[x[0] for x in keys],
            ends=[x[1] for x in keys], ats=[x[2] for x in keys],
            min_members=[x[3] for x in keys], six=[x[4] for x in keys]))
        for k, at in of:
            got[k, item] = _subtree(counted.get(at, ([], [(0, 0)])), args["prefixes"][k])
    return [[(q, *got[k, q.item]) for q in qs] for k, qs in enumerate(mine)]


async def counted_at(db: Database, cards: Sequence[tuple[Row, date]]) -> list[PilotScorecard]:
    """judge_at's scorecards from counts alone: each item's target, actual and how many
    candidates, without its entries (``entries`` reads the first of them when asked)."""
    periods, _ = _arrays(cards)
    return [PilotScorecard(pilot=p, period=period,
                           items=tuple(counted_item(q, n, c) for q, n, c in card))
            for (p, _), period, card in zip(cards, periods, await _counted(db, cards),
                                            strict=True)]


async def actuals_at(db: Database, cards: Sequence[tuple[Row, date]]
                     ) -> list[dict[str, tuple[int, int]]]:
    """Per card (a pilot as of a date), item → (target, actual) as judge_at's would give,
    from counts alone (see _counted)."""
    return [{q.item: (q.target, n) for q, n, _ in card} for card in await _counted(db, cards)]


async def entries(db: Database, asks: Sequence[tuple[PilotScorecard, str]], *,
                  first: int, counts: bool | None = None) -> list[list[Entry]]:
    """The first ``first`` candidates of the items asked ((card, quota item) pairs), in the
    card's order, as judge_at's entries (``counts``: only those that count, or only those that
    do not): one statement per quota item for all the asks. The cards come from scorecards
    or drill_down, whose caller was allowed to read them."""
    out: list[list[Entry]] = [[] for _ in asks]
    for item in ITEMS:
        mine = [(k, card, quota) for k, (card, asked) in enumerate(asks) if asked == item
                for quota in [_quota_of(card, item)] if quota is not None]
        if not mine or first <= 0:
            continue
        periods = [card.period for _, card, _ in mine]
        _, args = _arrays([(card.pilot, card.period.as_of) for _, card, _ in mine])
        rows = await store.list_entries(
            db, item=item, **args, min_members=[q.min_members for _, _, q in mine],
            six=[q.six_standard for _, _, q in mine],
            judged=[x.judged_on for x in periods], counts=counts, first=first)
        by: dict[int, list[Row]] = {}
        for row in rows:
            by.setdefault(row["pilot_id"], []).append(row)
        for j, (k, _, quota) in enumerate(mine):
            judged = judge_item(quota, by.get(j, []), periods[j], _LABELS).entries
            out[k] = [e for e in judged if counts is None or e.counts == counts]
    return out


def _quota_of(card: PilotScorecard, item: str) -> Quota | None:
    found = next((i for i in card.items if i.item == item), None)
    return None if found is None else Quota(item=item, target=found.target,
                                            min_members=found.min_members,
                                            six_standard=found.six_standard)


async def passed_at(db: Database, cards: Sequence[tuple[Row, date]]) -> list[bool]:
    """Whether each card passes every item, as judge_at's PilotScorecard.passed."""
    return [all(actual >= target for target, actual in card.values())
            for card in await actuals_at(db, cards)]


async def scorecards(db: Database, caller: Caller, *, pilot_id: int | None = None,
                     region_code: str | None = None,
                     as_of: date | None = None) -> list[PilotScorecard]:
    """One pilot's scorecard, or those of every pilot in a region's subtree, as of a date."""
    day = _as_of(as_of)
    if (pilot_id is None) == (region_code is None):
        raise WorkflowError(Code.INVALID, "pilotId", "name a pilot or a region (one of them)",
                            "请指定一个试点或一个地区（二选一）")
    if pilot_id is not None:
        pilots = await store.get_many(db, ids=[pilot_id])
        if not pilots:
            raise WorkflowError(Code.NOT_FOUND, "pilotId", f"pilot {pilot_id} does not exist",
                                f"试点 {pilot_id} 不存在")
        require(caller, Action.SCORECARD_READ, subject(region_code=pilots[0]["region_code"]),
                what="read this pilot's scorecard")
    else:
        code = str(region_code)
        await _region(db, code)
        require(caller, Action.SCORECARD_READ, subject(region_code=code),
                what="read this region's scorecards")
        pilots = await store.list_(db, region_prefix=region_prefix(code))
    return await judge(db, pilots, day)


def _summary(region: Row, cards: Sequence[PilotScorecard]) -> RegionSummary:
    return RegionSummary(region=region, pilots=len(cards),
                         pilots_passed=sum(1 for c in cards if c.passed),
                         items=sum(len(c.items) for c in cards),
                         items_passed=sum(1 for c in cards for i in c.items if i.passed))


async def drill_down(db: Database, caller: Caller, *, region_code: str,
                     as_of: date | None = None) -> DrillDown:
    """A region's pilots summed, and each child region's (a province's cities, a city's
    counties), with every pilot's scorecard."""
    day = _as_of(as_of)
    region = await _region(db, region_code)
    require(caller, Action.SCORECARD_READ, subject(region_code=region_code),
            what="read this region's scorecards")
    cards = await judge(db, await store.list_(db, region_prefix=region_prefix(region_code)), day)
    children = await regions.list_children(db, parent_codes=[region_code])
    rows = []
    for child in sorted(children, key=lambda c: c["code"]):
        prefix = region_prefix(child["code"])
        rows.append(_summary(child, [c for c in cards
                                     if c.pilot["region_code"].startswith(prefix)]))
    return DrillDown(region=region, as_of=day, total=_summary(region, cards),
                     children=tuple(rows), scorecards=tuple(cards))
