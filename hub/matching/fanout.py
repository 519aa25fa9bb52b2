"""The matcher fanned out: split a problem into parts, solve each part anywhere, assemble.

``solve(problem)`` itself runs the parts of parts.py one after another (engine.py). Fanned
out, the same parts are solved elsewhere (``hub.match_part`` jobs, docs/matching.md "Fanned
out") from their own problem documents, and the coordinator assembles one plan. It is the
same computation: a part's problem compiles to the same pairs (the candidate rules and the
geodesic are per pair, and pairs are sorted by demand, distance, volunteer, so the part's
volunteers and demands in the whole problem's order give the same pairs in the same order),
its priorities are turned into the whole problem's integers (``quantum``), and the engine
(``engine.solve_pairs``) is deterministic: flows, and CP-SAT on one worker with a fixed
seed. Only a part cut short by its time limit can differ.

Documents (JSON-ready dicts): a part's problem is ``problem_to_dict``'s; its result is
``{"assigned": [[volunteerId, demandId], …], "proven", "primaryOpen", "primaryBound",
"costLowM", "unitM", "components", "cpComponents", "seconds"}``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hub.matching.arrays import I64
from hub.matching.engine import PartResult, Prepared, finish, prepare, solve_pairs
from hub.matching.parts import part_problem, part_regions, split_pairs
from hub.matching.priority import with_floor
from hub.matching.problem import Plan, Problem, ProblemError


@dataclass(frozen=True)
class Part:
    """One part: its problem, and the regions of its demands."""

    problem: Problem
    regions: tuple[str, ...]
    pairs: int


@dataclass(frozen=True)
class Split:
    """A problem cut into parts; kept by the coordinator to assemble the plan."""

    problem: Problem
    prep: Prepared
    idx: tuple[I64, ...]  # per part: its pairs in the whole problem
    parts: tuple[Part, ...]

    @property
    def quantum(self) -> float:
        return self.prep.quantum


def split(problem: Problem, part_pairs: int | None = None) -> Split:
    """The parts of ``problem`` (exactly those ``solve`` runs in turn)."""
    prep = prepare(problem)
    pairs = prep.pairs
    idx = split_pairs(prep.arr, pairs, [d.region for d in problem.demands], part_pairs)
    parts = tuple(Part(part_problem(problem, pairs, i), tuple(part_regions(problem, pairs, i)),
                       int(i.size)) for i in idx)
    return Split(problem, prep, tuple(idx), parts)


def solve_part(problem: Problem, quantum: float) -> dict[str, Any]:
    """Solve one part's problem (all of it: it is whole components); the result document."""
    prep = prepare(problem, quantum=quantum)
    everything = np.arange(len(prep.pairs), dtype=np.int64)
    deadline = prep.started + problem.options.time_limit_s
    res = solve_pairs(prep, everything, problem.options, deadline)
    arr, pairs = prep.arr, prep.pairs
    chosen = np.flatnonzero(res.assigned)
    return {
        "assigned": [[arr.vol_ids[v], arr.dem_ids[d]] for v, d in
                     zip(pairs.v[chosen].tolist(), pairs.d[chosen].tolist(), strict=True)],
        "proven": res.proven, "primaryOpen": res.primary_open,
        "primaryBound": res.primary_bound, "costLowM": res.cost_low_m, "unitM": res.unit_m,
        "components": res.n_comp, "cpComponents": res.n_cp,
        "seconds": time.perf_counter() - prep.started,
    }


def _result(doc: Mapping[str, Any], idx: I64, where: Mapping[tuple[str, str], int],
            k: int) -> PartResult:
    assigned = np.zeros(idx.size, dtype=bool)
    local = {int(p): j for j, p in enumerate(idx.tolist())}
    for v, d in doc["assigned"]:
        at = local.get(where.get((v, d), -1))
        if at is None:
            raise ProblemError(f"parts[{k}].assigned", f"({v}, {d}) is no pair of this part")
        assigned[at] = True
    low = doc["costLowM"]
    return PartResult(assigned, bool(doc["proven"]), bool(doc["primaryOpen"]),
                      int(doc["primaryBound"]), None if low is None else float(low),
                      float(doc["unitM"]), int(doc["components"]), int(doc["cpComponents"]))


def assemble(whole: Split, results: Sequence[Mapping[str, Any]]) -> Plan:
    """The plan of the whole problem from each part's result document (in part order); the
    priority-area floor, if asked for, is applied here to the whole plan."""
    if len(results) != len(whole.idx):
        raise ProblemError("parts", f"{len(results)} results for {len(whole.idx)} parts")
    prep = whole.prep
    arr, pairs = prep.arr, prep.pairs
    where = {(arr.vol_ids[v], arr.dem_ids[d]): k for k, (v, d) in
             enumerate(zip(pairs.v.tolist(), pairs.d.tolist(), strict=True))}
    parts = [(idx, _result(doc, idx, where, k))
             for k, (idx, doc) in enumerate(zip(whole.idx, results, strict=True))]
    plain = finish(prep, whole.problem.options, parts)
    if whole.problem.options.priority_min_fill_rate is None:
        return plain
    return with_floor(whole.problem, plain)
