"""File entry point for ``hub match --problem problem.json --plan plan.json`` (no database)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hub.matching.engine import solve
from hub.matching.parse import object_pairs, parse_problem, plan_to_dict
from hub.matching.problem import ProblemError

EXIT_OK = 0
EXIT_IO = 1
EXIT_BAD_PROBLEM = 2


def _error(message: str) -> None:
    print(f"hub match: error: {message}", file=sys.stderr)


def run_files(problem_path: str | Path, plan_path: str | Path) -> int:
    """Solve ``problem_path`` and write the plan to ``plan_path`` ("-" for stdout).

    Returns 0 on success, 2 for a problem file that cannot be read, parsed or validated
    (the message names the path in the document), 1 when the plan cannot be written.
    """
    try:
        text = Path(problem_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _error(f"cannot read {problem_path}: {exc}")
        return EXIT_BAD_PROBLEM
    try:
        doc = json.loads(text, object_pairs_hook=object_pairs)
    except json.JSONDecodeError as exc:
        _error(f"{problem_path}: not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})")
        return EXIT_BAD_PROBLEM
    try:
        plan = solve(parse_problem(doc))
    except ProblemError as exc:
        _error(f"{problem_path}: {exc}")
        return EXIT_BAD_PROBLEM
    out = json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=1) + "\n"
    try:
        if str(plan_path) == "-":
            sys.stdout.write(out)
        else:
            Path(plan_path).write_text(out, encoding="utf-8")
    except OSError as exc:
        _error(f"cannot write {plan_path}: {exc}")
        return EXIT_IO
    s = plan.stats
    print(
        f"hub match: {s.filled_slots} slots filled, {len(plan.unfilled)} demands short, "
        f"{s.status} ({s.solver}, {s.seconds:.2f} s)",
        file=sys.stderr,
    )
    return EXIT_OK
