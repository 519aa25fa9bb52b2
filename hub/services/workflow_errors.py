"""How workflow steps are refused: coded errors, database refusals as codes, and retries.

A step that loses a deadlock or a serialization race to a concurrent transaction is rolled
back whole by PostgreSQL, so it is safe to run it again: :func:`retry_conflicts` does, and the
caller sees the answer the step would have had had it waited (say ``DOUBLE_BOOKED``), not a
``CONFLICT`` to retry by hand.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

import psycopg
from psycopg import errors as pg_errors

from hub.localization import current
from hub.vocabulary import Vocabulary, vocabulary


class Code(StrEnum):
    """Why a workflow step was refused (each mutation's error enum is a subset)."""

    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    OFFER_EXPIRED = "OFFER_EXPIRED"
    SLOTS_FULL = "SLOTS_FULL"
    DOUBLE_BOOKED = "DOUBLE_BOOKED"
    VOLUNTEER_INACTIVE = "VOLUNTEER_INACTIVE"
    NOT_INSURED = "NOT_INSURED"
    DEMAND_CLOSED = "DEMAND_CLOSED"
    WINDOW_STARTED = "WINDOW_STARTED"
    TOO_EARLY = "TOO_EARLY"
    TOO_FAR = "TOO_FAR"
    IN_SERVICE = "IN_SERVICE"
    CONFLICT = "CONFLICT"
    # 抢单 (hub.services.claims)
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    ALREADY_CLAIMED = "ALREADY_CLAIMED"
    # team dispatch and escalation (hub.services.teams, hub.services.escalation)
    NOT_A_MEMBER = "NOT_A_MEMBER"
    DUPLICATE = "DUPLICATE"
    # publishing and review (hub.services.publishing)
    REASON_REQUIRED = "REASON_REQUIRED"
    UNKNOWN_REGION = "UNKNOWN_REGION"
    SAFETY_PLAN_REQUIRED = "SAFETY_PLAN_REQUIRED"
    SELF_REVIEW = "SELF_REVIEW"
    NOT_EDITABLE = "NOT_EDITABLE"
    LOCKED_WHILE_PUBLISHED = "LOCKED_WHILE_PUBLISHED"
    CAPACITY_BELOW_SIGN_UPS = "CAPACITY_BELOW_SIGN_UPS"


DISPATCH_STATUS = vocabulary("dispatchStatus")
DEMAND_STATUS = vocabulary("demandStatus")
VOLUNTEER_STATUS = vocabulary("volunteerStatus")


def status_zh(statuses: Vocabulary, code: str) -> str:
    """A status's Chinese label for a message, quoted (the code if the vocabulary lacks it)."""
    return f"“{statuses.labels.get(code, code)}”"


def shown_at(moment: datetime) -> str:
    """A time in a message: in the caller's zone, with its offset (hub/localization.py)."""
    return current().local(moment).isoformat()


class WorkflowError(Exception):
    """A refused step: ``field`` names the input, the message names the value."""

    def __init__(self, code: Code, field: str, message: str,
                 message_zh: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message
        self.message_zh = message_zh  # None: the code's sentence


class Refused(Exception):
    """Several refusals at once (the transaction is rolled back)."""

    def __init__(self, errors: Sequence[WorkflowError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = list(errors)


def db_error(exc: psycopg.Error, field: str, what: str) -> WorkflowError:
    """A database refusal as a coded error, never an internal error (a database error that
    is no refusal, such as a lost connection, is re-raised)."""
    constraint = exc.diag.constraint_name or ""
    if constraint == "dispatch_no_double_booking":
        return WorkflowError(Code.DOUBLE_BOOKED, field, f"{what} is already booked in an "
                                                        "overlapping window")
    if constraint == "dispatch_slots":
        return WorkflowError(Code.SLOTS_FULL, field, f"{what}: the demand's slots are all taken")
    if constraint == "dispatch_transition":
        return WorkflowError(Code.INVALID_TRANSITION, field, str(exc).splitlines()[0])
    if constraint == "dispatch_volunteer_active":  # suspended or exited meanwhile (sql/0023)
        return WorkflowError(Code.VOLUNTEER_INACTIVE, field, f"{what}: the volunteer is not "
                                                             "active (suspended or exited)",
                             "志愿者已暂停服务或已退出")
    if isinstance(exc, pg_errors.DeadlockDetected | pg_errors.SerializationFailure):
        return WorkflowError(Code.CONFLICT, field, f"{what}: a concurrent change won; try again")
    if isinstance(exc, psycopg.IntegrityError):  # any other rule of the database: still coded
        return WorkflowError(Code.INVALID, field, f"{what}: refused by the database rule "
                                                  f"{constraint or exc.sqlstate}")
    raise exc


T = TypeVar("T")
CONFLICT_ATTEMPTS = 3  # a deadlock or serialization failure is retried this many times in all


def _conflicted(exc: Refused | WorkflowError) -> bool:
    errors = exc.errors if isinstance(exc, Refused) else [exc]
    return any(e.code is Code.CONFLICT for e in errors)


async def retry_conflicts(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run ``attempt`` (one whole transaction) again when it lost to a concurrent one.

    PostgreSQL resolves a deadlock by failing one transaction; the loser's work is rolled
    back, so running it again is safe and gives the answer it would have had if it had
    waited (usually a clear refusal such as ``DOUBLE_BOOKED``).
    """
    for n in range(CONFLICT_ATTEMPTS):
        try:
            return await attempt()
        except (Refused, WorkflowError) as exc:
            if not _conflicted(exc) or n == CONFLICT_ATTEMPTS - 1:
                raise
            await asyncio.sleep(random.uniform(0.005, 0.05) * (n + 1))
    raise AssertionError("unreachable")
