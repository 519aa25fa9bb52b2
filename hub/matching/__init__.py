"""Matching volunteers to demands (志愿者与群众需求匹配 / 派单): pure optimisation, no I/O.

Plain data in (``Problem``), a plan out (``Plan``). See docs/matching.md.
"""

from hub.matching.baseline import greedy
from hub.matching.engine import candidates_for_demand, solve
from hub.matching.parse import parse_problem, plan_to_dict, problem_to_dict
from hub.matching.problem import (
    Assignment,
    Demand,
    Options,
    Plan,
    PriorityFloor,
    Problem,
    ProblemError,
    Stats,
    Unfilled,
    Volunteer,
)

__all__ = [
    "Assignment",
    "Demand",
    "Options",
    "Plan",
    "PriorityFloor",
    "Problem",
    "ProblemError",
    "Stats",
    "Unfilled",
    "Volunteer",
    "candidates_for_demand",
    "greedy",
    "parse_problem",
    "plan_to_dict",
    "problem_to_dict",
    "solve",
]
