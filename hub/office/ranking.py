"""Ranking candidates for recognition (优秀, 四个十佳; seed 003) from their confirmed figures.

Pure: figures in, ranked candidates out. The score is a weighted sum of four parts, each in
[0, 1], so no single measure swamps the others and every part is explainable:

* hours      (0.4) — confirmed net hours in the year ÷ the most any candidate has;
* occasions  (0.2) — service occasions (demands and activities served) ÷ the most any has;
* rating     (0.2) — (average requester rating − 1) ÷ 4; 0 when nothing served was rated;
* priority   (0.2) — the share of the hours served in 老少边贫 areas (a region or a division
  above it flagged remote, poor, border, ethnic-minority or old revolutionary base).

Ties fall to more hours, then more occasions, then the lower id, so the order is total and
the same every time. Scores are rounded to 4 decimals, as stored (numeric(8, 4)).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

WEIGHTS = {"hours": Decimal("0.4"), "occasions": Decimal("0.2"), "rating": Decimal("0.2"),
           "priority": Decimal("0.2")}
"""Each part's weight; they sum to 1."""
_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Figures:
    """One candidate's confirmed figures for the year, and the records behind them."""

    subject_id: int
    hours: Decimal
    occasions: int
    priority_hours: Decimal = Decimal(0)
    rating_sum: int = 0
    rating_count: int = 0
    volunteers: int = 1
    record_count: int = 0
    record_ids: tuple[int, ...] = ()

    @property
    def rating(self) -> Decimal | None:
        """The average rating (1..5), or None when nothing was rated."""
        if not self.rating_count:
            return None
        return (Decimal(self.rating_sum) / self.rating_count).quantize(Decimal("0.01"))

    @property
    def priority_share(self) -> Decimal:
        """The share of the hours served in priority areas, 0..1."""
        if self.hours <= 0:
            return Decimal(0)
        return min(Decimal(1), self.priority_hours / self.hours)


@dataclass(frozen=True)
class Ranked:
    """A candidate's place, score and the parts of its score."""

    rank: int
    score: Decimal
    parts: dict[str, Decimal]
    figures: Figures

    def evidence(self) -> dict[str, object]:
        """The figures and records behind the score, as stored with a nomination."""
        f = self.figures
        return {"hours": str(f.hours), "occasions": f.occasions,
                "priorityHours": str(f.priority_hours), "priorityShare": str(
                    f.priority_share.quantize(_PLACES)),
                "rating": None if f.rating is None else str(f.rating),
                "ratingCount": f.rating_count, "volunteers": f.volunteers,
                "recordCount": f.record_count, "recordIds": list(f.record_ids),
                "rank": self.rank, "score": str(self.score),
                "parts": {k: str(v) for k, v in self.parts.items()}}


def _parts(f: Figures, most_hours: Decimal, most_occasions: int) -> dict[str, Decimal]:
    hours = f.hours / most_hours if most_hours > 0 else Decimal(0)
    occasions = Decimal(f.occasions) / most_occasions if most_occasions > 0 else Decimal(0)
    rating = (f.rating - 1) / 4 if f.rating is not None else Decimal(0)
    return {"hours": hours, "occasions": occasions, "rating": rating,
            "priority": f.priority_share}


def rank(candidates: Iterable[Figures]) -> list[Ranked]:
    """Every candidate with positive hours, best first, ranked 1, 2, 3 …"""
    pool = [f for f in candidates if f.hours > 0]
    most_hours = max((f.hours for f in pool), default=Decimal(0))
    most_occasions = max((f.occasions for f in pool), default=0)
    scored = []
    for f in pool:
        parts = _parts(f, most_hours, most_occasions)
        total = sum((WEIGHTS[k] * v for k, v in parts.items()), Decimal(0))
        score = total.quantize(_PLACES, rounding=ROUND_HALF_EVEN)
        scored.append((score, {k: v.quantize(_PLACES) for k, v in parts.items()}, f))
    scored.sort(key=lambda s: (-s[0], -s[2].hours, -s[2].occasions, s[2].subject_id))
    return [Ranked(rank=n, score=score, parts=parts, figures=f)
            for n, (score, parts, f) in enumerate(scored, start=1)]
