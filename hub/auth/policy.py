"""What each role may see: ONE table, read per object (``decide``) and per query (``scope_of``).

``POLICY[field][role]`` is a :class:`Rule`; ``DENIED[field]`` is what a caller gets where the
rule does not admit the record (a masked string, a ~1 km coarsened point, or null). The GraphQL
resolvers call :func:`decide` for one record; the SQL layer (lists, vector tiles) calls
:func:`scope_of` and turns the :data:`Scope` into a predicate. ``decide`` is defined through
``scope_of``, so the two cannot disagree. Coarsening and masking are done elsewhere
(``hub/geo``, ``hub/pii``): this module only decides.

Turning a scope into SQL (``exact`` is true where the caller gets :attr:`Visibility.FULL`):

* :class:`ScopeAll`    → ``TRUE``
* :class:`ScopeNone`   → ``FALSE``
* :class:`ScopeRegion` → ``region_code LIKE :prefix || '%'`` (the prefix is digits only)
* :class:`ScopeOrg`    → the record belongs to ``:org_id`` or to an organization beneath it
* :class:`ScopeSelf`   → ``volunteer.id = :volunteer_id``
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import assert_never

from hub.auth.ids import encode_global_id, region_prefix
from hub.auth.tokens import Caller, Role

__all__ = [
    "DENIED",
    "POLICY",
    "Field",
    "Rule",
    "Scope",
    "ScopeAll",
    "ScopeNone",
    "ScopeOrg",
    "ScopeRegion",
    "ScopeSelf",
    "Subject",
    "Visibility",
    "decide",
    "format_policy",
    "region_prefix",
    "scope_of",
]


class Field(StrEnum):
    """A protected field. Organization fields use the organization as the subject."""

    VOLUNTEER_ID_NUMBER = "volunteer.id_number"
    VOLUNTEER_PHONE = "volunteer.phone"
    VOLUNTEER_LOCATION = "volunteer.location"
    VOLUNTEER_BIRTH_DATE = "volunteer.birth_date"
    ORGANIZATION_CAPTAIN_PHONE = "organization.captain_phone"


class Rule(StrEnum):
    """When a role sees a field in full."""

    ALWAYS = "always"  # every record
    IN_SCOPE = "in_scope"  # dispatcher: inside their region subtree; org admin: their org subtree
    SELF = "self"  # a volunteer: their own record only
    NEVER = "never"  # no record


class Visibility(StrEnum):
    """What one caller gets for one field of one record."""

    FULL = "full"
    MASKED = "masked"  # hub.pii.mask_phone / mask_id_number
    COARSE = "coarse"  # snapped to a ~1 km grid by hub.geo; never the home point
    HIDDEN = "hidden"  # null


_A, _I, _S, _N = Rule.ALWAYS, Rule.IN_SCOPE, Rule.SELF, Rule.NEVER
_MASKED, _COARSE, _HIDDEN = Visibility.MASKED, Visibility.COARSE, Visibility.HIDDEN
_ROLES = (
    Role.ADMIN,
    Role.DISPATCHER,
    Role.ORG_ADMIN,
    Role.VOLUNTEER,
    Role.PARTNER,
    Role.ANONYMOUS,
)

# fmt: off
_TABLE: dict[Field, tuple[Visibility, tuple[Rule, ...]]] = {
    #                                 denied   admin dispatch org_adm volunt partner anonymous
    Field.VOLUNTEER_ID_NUMBER:        (_MASKED, (_A,  _N,      _I,     _S,    _N,     _N)),
    Field.VOLUNTEER_PHONE:            (_MASKED, (_A,  _I,      _I,     _S,    _N,     _N)),
    Field.VOLUNTEER_LOCATION:         (_COARSE, (_A,  _I,      _I,     _S,    _N,     _N)),
    Field.VOLUNTEER_BIRTH_DATE:       (_HIDDEN, (_A,  _I,      _I,     _S,    _N,     _N)),
    Field.ORGANIZATION_CAPTAIN_PHONE: (_MASKED, (_A,  _I,      _I,     _N,    _N,     _N)),
}
# fmt: on

POLICY: Mapping[Field, Mapping[Role, Rule]] = MappingProxyType(
    {f: MappingProxyType(dict(zip(_ROLES, rules, strict=True))) for f, (_, rules) in _TABLE.items()}
)
"""``POLICY[field][role]``: the one policy table."""

DENIED: Mapping[Field, Visibility] = MappingProxyType({f: d for f, (d, _) in _TABLE.items()})
"""``DENIED[field]``: what a caller whose rule does not admit the record gets."""


def _check_table() -> None:
    """Fail at import if the table is incomplete or gives a rule to a role that cannot use it."""
    for f in Field:
        rules = POLICY.get(f)
        if rules is None or set(rules) != set(Role):
            raise RuntimeError(f"policy table must give every role a rule for {f.value}")
        if DENIED[f] is Visibility.FULL:
            raise RuntimeError(f"policy table: denied {f.value} must not be FULL")
        for role, rule in rules.items():
            if rule is Rule.IN_SCOPE and role not in {Role.DISPATCHER, Role.ORG_ADMIN}:
                raise RuntimeError(f"policy table: {role.value} has no scope for {f.value}")
            if rule is Rule.SELF and role is not Role.VOLUNTEER:
                raise RuntimeError(f"policy table: {role.value} has no self for {f.value}")
            if role in {Role.PARTNER, Role.ANONYMOUS} and rule is not Rule.NEVER:
                raise RuntimeError(f"policy table: {role.value} must never see {f.value}")


_check_table()


@dataclass(frozen=True)
class Subject:
    """The record a protected field belongs to.

    ``org_ids`` holds every organization the record belongs to *and all their ancestors*
    (the caller of :func:`decide` computes ancestors). For an organization field the subject
    is the organization: ``volunteer_id=None``, its region, and itself plus its ancestors.
    """

    volunteer_id: int | None = None
    region_code: str | None = None
    org_ids: frozenset[int] = frozenset()

    @property
    def volunteer_global_id(self) -> str | None:
        """The volunteer's relay global ID, as carried in a volunteer token's ``sub``."""
        if self.volunteer_id is None:
            return None
        return encode_global_id("Volunteer", self.volunteer_id)


@dataclass(frozen=True)
class ScopeAll:
    """Exact for every row."""

    def admits(self, subject: Subject) -> bool:
        return True


@dataclass(frozen=True)
class ScopeNone:
    """Masked / coarse / hidden for every row."""

    def admits(self, subject: Subject) -> bool:
        return False


@dataclass(frozen=True)
class ScopeRegion:
    """Exact where ``region_code LIKE prefix || '%'``."""

    prefix: str

    def admits(self, subject: Subject) -> bool:
        return subject.region_code is not None and subject.region_code.startswith(self.prefix)


@dataclass(frozen=True)
class ScopeOrg:
    """Exact where the record belongs to ``org_id`` or an organization beneath it."""

    org_id: int

    def admits(self, subject: Subject) -> bool:
        return self.org_id in subject.org_ids


@dataclass(frozen=True)
class ScopeSelf:
    """Exact only for the volunteer with id ``volunteer_id``."""

    volunteer_id: int

    def admits(self, subject: Subject) -> bool:
        return subject.volunteer_id is not None and subject.volunteer_id == self.volunteer_id


Scope = ScopeAll | ScopeNone | ScopeRegion | ScopeOrg | ScopeSelf
ALL = ScopeAll()
NONE = ScopeNone()


def scope_of(caller: Caller, field: Field) -> Scope:
    """The rows for which ``caller`` sees ``field`` in full; fails closed on a missing claim."""
    rule = POLICY[field][caller.role]
    if rule is Rule.ALWAYS:
        return ALL
    if rule is Rule.NEVER:
        return NONE
    if rule is Rule.SELF:
        volunteer_id = caller.volunteer_id
        return NONE if volunteer_id is None else ScopeSelf(volunteer_id)
    if rule is Rule.IN_SCOPE:
        if caller.role is Role.DISPATCHER and caller.region is not None:
            return ScopeRegion(region_prefix(caller.region))
        if caller.role is Role.ORG_ADMIN and caller.org is not None:
            return ScopeOrg(caller.org)
        return NONE
    assert_never(rule)


def decide(caller: Caller, field: Field, subject: Subject) -> Visibility:
    """What ``caller`` gets for ``field`` of ``subject``."""
    return Visibility.FULL if scope_of(caller, field).admits(subject) else DENIED[field]


def format_policy() -> str:
    """The table as text: one row per field, one column per role, then the denied form."""
    header = ["field", *(r.value for r in _ROLES), "denied"]
    rows = [header]
    rows += [[f.value, *(POLICY[f][r].value for r in _ROLES), DENIED[f].value] for f in Field]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
