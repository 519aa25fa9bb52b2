"""The matcher fanned out: split a problem into parts, solve each part anywhere, assemble.

``solve(problem)`` itself runs the parts of parts.py one after another (engine.py). Fanned
out, the same parts are solved elsewhere (``hub.match_part`` jobs, docs/matching.md "Fanned
out") and the coordinator assembles one plan. The coordinator compiles the problem and finds
its candidate pairs once (``engine.prepare``); each part travels as its kernel (kernel.py:
the engine's arrays for its pairs, renumbered in the whole problem's order), and a worker runs
``engine.solve_kernel`` on it: exactly what ``solve`` runs on those pairs. The engine is
deterministic (flows; CP-SAT on one worker with a fixed seed), so the plan is the same; only a
part cut short by its time limit can differ.

A part's result document (JSON-ready): ``{"assigned": [pair number in the part, …], "proven",
"primaryOpen", "primaryBound", "costLowM", "unitM", "components", "cpComponents",
"seconds", "cpuSeconds", "timings"}``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from hub.matching.arrays import I64
from hub.matching.engine import (
    PartResult,
    Prepared,
    engine_limit_s,
    finish,
    prepare,
    solve_kernel,
)
from hub.matching.kernel import Kernel, kernel_of
from hub.matching.parse import parse_problem, problem_to_dict
from hub.matching.parts import part_regions, split_pairs
from hub.matching.priority import with_floor
from hub.matching.problem import Options, Plan, Problem, ProblemError


@dataclass(frozen=True)
class Part:
    """One part: its kernel, and the regions of its demands."""

    kernel: Kernel
    regions: tuple[str, ...]

    @property
    def pairs(self) -> int:
        return len(self.kernel.pairs)


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
    pairs, arr = prep.pairs, prep.arr
    idx = split_pairs(arr, pairs, [d.region for d in problem.demands], part_pairs)
    parts = tuple(Part(kernel_of(arr.v_cap, arr.d_need, arr.d_start, arr.d_end, arr.d_prio,
                                 prep.p_int, pairs.take(i), prep.cost_m[i]),
                       tuple(part_regions(problem, pairs, i))) for i in idx)
    return Split(problem, prep, tuple(idx), parts)


def options_to_dict(options: Options) -> dict[str, Any]:
    """A part's options as JSON (the problem document's ``options``; no floor in a part)."""
    return problem_to_dict(Problem((), (), replace(options, priority_min_fill_rate=None)))[
        "options"]


def options_from_dict(doc: Mapping[str, Any]) -> Options:
    """Options from :func:`options_to_dict` (checked as a problem document's)."""
    return parse_problem({"volunteers": [], "demands": [], "options": doc}).options


def solve_part(kernel: Kernel, options: Options) -> dict[str, Any]:
    """Solve one part's kernel (all of it: it is whole components); the result document."""
    started, cpu = time.perf_counter(), time.process_time()
    timings: dict[str, float] = {}
    res = solve_kernel(kernel, kernel.pairs, kernel.cost_m, kernel.p_int, options,
                       started + engine_limit_s(options.time_limit_s, len(kernel.pairs)),
                       timings)
    return {
        "assigned": np.flatnonzero(res.assigned).tolist(),
        "proven": res.proven, "primaryOpen": res.primary_open,
        "primaryBound": res.primary_bound, "costLowM": res.cost_low_m, "unitM": res.unit_m,
        "components": res.n_comp, "cpComponents": res.n_cp,
        "seconds": time.perf_counter() - started, "cpuSeconds": time.process_time() - cpu,
        "timings": {k: round(v, 4) for k, v in timings.items()},
    }


def _result(doc: Mapping[str, Any], size: int, k: int) -> PartResult:
    assigned = np.zeros(size, dtype=bool)
    chosen = np.asarray(doc["assigned"], dtype=np.int64)
    if chosen.size and (chosen.min() < 0 or chosen.max() >= size):
        raise ProblemError(f"parts[{k}].assigned", f"names a pair outside the part's {size}")
    assigned[chosen] = True
    low = doc["costLowM"]
    return PartResult(assigned, bool(doc["proven"]), bool(doc["primaryOpen"]),
                      int(doc["primaryBound"]), None if low is None else float(low),
                      float(doc["unitM"]), int(doc["components"]), int(doc["cpComponents"]))


def assemble(whole: Split, results: Sequence[Mapping[str, Any]]) -> Plan:
    """The plan of the whole problem from each part's result document (in part order); the
    priority-area floor, if asked for, is applied here to the whole plan."""
    if len(results) != len(whole.idx):
        raise ProblemError("parts", f"{len(results)} results for {len(whole.idx)} parts")
    parts = [(idx, _result(doc, int(idx.size), k))
             for k, (idx, doc) in enumerate(zip(whole.idx, results, strict=True))]
    plain = finish(whole.prep, whole.problem.options, parts)
    if whole.problem.options.priority_min_fill_rate is None:
        return plain
    return with_floor(whole.problem, plain)
