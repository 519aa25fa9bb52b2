"""Plain data for the matcher (志愿者派单): a problem in, a plan out.

Times are integer epoch seconds (UTC); intervals are half-open ``[start_s, end_s)``, so a
window ending at 11:00 and one starting at 11:00 do not overlap. Coordinates are in the
system named by ``Options.crs`` (WGS-84 unless said otherwise); the matcher converts them
to WGS-84 before measuring geodesic distances in metres.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

CRS_NAMES = ("WGS84", "GCJ02", "BD09")
ENGINES = ("auto", "cp_sat")
MIN_LEVEL = 1
MAX_LEVEL = 5


class ProblemError(ValueError):
    """A malformed problem: ``path`` names the place in the document (``volunteers[3].lat``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class Volunteer:
    """A science & technology volunteer (科技志愿者) who may be dispatched.

    ``skills`` maps a skill name to a level 1–5 and is read-only by convention;
    ``availability`` holds ``(start_s, end_s)`` windows; ``insured_until_s`` is the instant
    accident insurance stops covering (exclusive), ``None`` when uninsured.
    """

    id: str
    lon: float
    lat: float
    skills: Mapping[str, int]
    capacity: int
    max_distance_m: float
    availability: tuple[tuple[int, int], ...]
    insured_until_s: int | None = None


@dataclass(frozen=True, slots=True)
class Demand:
    """A request for service (群众需求 / 点单) at a place and time for ``needed`` volunteers."""

    id: str
    lon: float
    lat: float
    skills: tuple[str, ...]
    needed: int
    start_s: int
    end_s: int
    priority: float = 1.0
    requires_insurance: bool = False
    #: In a priority area (老少边贫: remote, poor, border, ethnic or old revolutionary base).
    priority_area: bool = False
    #: Where it is (the hub: its county's code); parts of a fanned-out solve group by it.
    region: str = ""


@dataclass(frozen=True, slots=True)
class Options:
    """Objective weights and solver settings; see docs/matching.md for the formulas."""

    skill_weight: float = 1.0
    fairness_weight: float = 1.0
    time_limit_s: float = 30.0
    crs: str = "WGS84"
    engine: str = "auto"
    #: Fill at least min(⌈rate × slots⌉, slots reachable) of the priority-area slots (None: off).
    priority_min_fill_rate: float | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """Volunteers, demands and options: everything the matcher reads."""

    volunteers: tuple[Volunteer, ...]
    demands: tuple[Demand, ...]
    options: Options = field(default_factory=Options)


@dataclass(frozen=True, slots=True)
class Assignment:
    """One volunteer serving one slot of one demand (派单), with what justifies it."""

    volunteer_id: str
    demand_id: str
    distance_m: float
    max_distance_m: float
    priority: float
    levels: tuple[tuple[str, int], ...]

    @property
    def reason(self) -> str:
        """Why this pair: distance against the volunteer's limit, skill levels, priority."""
        skills = ", ".join(f"{name} L{level}" for name, level in self.levels) or "no skill needed"
        return (
            f"{self.distance_m / 1000:.1f} km away (limit {self.max_distance_m / 1000:.1f} km); "
            f"{skills}; priority {self.priority:g}"
        )


UNFILLED_CODES = (
    "NO_VOLUNTEER_IN_REACH",
    "NO_SKILL",
    "NOT_AVAILABLE",
    "NO_INSURANCE",
    "CANDIDATES_BUSY",
    "NOT_CHOSEN",
    "TOO_FEW_CANDIDATES",
)


@dataclass(frozen=True, slots=True)
class Unfilled:
    """Slots of a demand left empty; ``code`` is one of ``UNFILLED_CODES``."""

    demand_id: str
    missing: int
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class Stats:
    """How the plan was found and how good it is.

    ``objective`` is Σ priority × filled slots; ``bound`` is a proven upper bound on it
    (None for greedy); ``cost_m`` is the second tier (distance − skill bonus + fairness
    penalty, in metres); ``gap`` is the relative gap of the first tier not proven closed
    (priority, else cost against its proven lower bound): 0 when optimal, None if unknown.
    """

    solver: str
    status: str
    filled_slots: int
    total_distance_m: float
    objective: float
    bound: float | None
    gap: float | None
    cost_m: float
    seconds: float
    candidate_pairs: int
    distance_resolution_m: float
    components: Mapping[str, int] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)
    priority_floor: PriorityFloor | None = None
    #: Where the parts were solved when the hub chose (docs/matching.md "Fanned out"):
    #: "workers: …", or "in process: <why not on the workers>"; None when nobody chose.
    fanout: str | None = None


@dataclass(frozen=True, slots=True)
class PriorityFloor:
    """The minimum fill rate for priority areas (老少边贫) and its price.

    ``required`` = min(⌈rate × slots⌉, reachable): the floor never asks for more priority-area
    slots than any plan can fill, so it is always feasible. ``*_without`` describe the optimum
    with no floor; the price is what the floor costs against it (distance in metres, and Σ
    priority × filled slots given up). ``binding`` is False when that optimum already met it.
    """

    min_fill_rate: float
    slots: int
    reachable: int
    reachable_proven: bool
    required: int
    filled: int
    binding: bool
    filled_without: int
    objective_without: float
    distance_without_m: float
    price_distance_m: float
    price_objective: float


@dataclass(frozen=True, slots=True)
class Plan:
    """The matcher's answer: who goes where, what stays unfilled and why, and stats."""

    assignments: tuple[Assignment, ...]
    unfilled: tuple[Unfilled, ...]
    stats: Stats
