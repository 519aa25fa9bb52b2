"""Controlled vocabularies of registration: code name → Chinese label, and a tolerant reverse
lookup, from the one vocabulary (``hub/vocabulary.py``, ``hub/data/vocabulary.json``) that the
API and the console share, plus the rules only registration needs (ranks, defaults).

Codes are what the database and the API store; labels are what people read and type. Every
:class:`Vocabulary` finds a code from its code, its label, or a listed alias, ignoring case,
whitespace, ``-``/``_`` and full-width forms (``ＷＧＳ－８４`` → ``WGS84``).

Sources: who may register, education ≥ high school (002); cohorts (000, 002, 003); service
categories (001, 003); the hierarchy 总队 → 队 → 支队 → 分队 (002). See ``shared/DOMAIN.md``.
"""

from __future__ import annotations

from hub.vocabulary import Vocabulary, lookup_key, vocabulary

__all__ = ["Vocabulary", "lookup_key"]

EDUCATION = vocabulary("education")
#: Education order, for "at least" comparisons.
EDUCATION_RANK = {code: rank for rank, code in enumerate(EDUCATION.codes, start=1)}
#: Values recognised only so they can be rejected with the right reason (002: 高中以上文化程度).
BELOW_HIGH_SCHOOL = frozenset(
    lookup_key(word)
    for word in [
        "初中及以下",
        "初中",
        "小学",
        "小学及以下",
        "文盲",
        "半文盲",
        "未上学",
        "无",
        "学前",
    ]
)

COHORTS = vocabulary("cohort")

SKILLS = vocabulary("category", "skill")
SKILL_LEVEL_MIN = 1
SKILL_LEVEL_MAX = 5
#: Used when a skill is listed without a level: the most modest claim, never an inflated one.
DEFAULT_SKILL_LEVEL = 1
SKILL_LEVEL_LABELS = {int(level): label
                      for level, label in vocabulary("skillLevel").labels.items()}

ORG_LEVELS = vocabulary("organizationLevel", "organization level")
#: 1 = 总队 (top) … 4 = 分队; a child's rank must be strictly greater than its parent's.
ORG_LEVEL_RANK = {code: rank for rank, code in enumerate(ORG_LEVELS.codes, start=1)}

ORG_KINDS = vocabulary("organizationType", "organization kind")

GENDERS = vocabulary("gender")

CRS = vocabulary("crs", "coordinate system")
#: Coordinates without a named system are taken as WGS-84 (GPS, Tianditu, the hub's storage
#: system). GCJ-02 is not a safe default: treating GPS positions as GCJ-02 moves them by
#: hundreds of metres, and the error is invisible in the data afterwards.
DEFAULT_CRS = "WGS84"

TEAM_ROLES = vocabulary("teamRole", "team role")
DEFAULT_TEAM_ROLE = "member"
