"""The mutation convention (Saleor's): one input, a typed payload, coded user errors.

Every mutation takes one argument, ``input: <Mutation>Input!``, and returns
``<Mutation>Payload!``, whose ``errors: [<Mutation>Error!]!`` lists what business rules refused;
each error type implements :class:`UserError` (``field``, ``message`` in the caller's
language, ``messageZh``, ``messageEn``) and adds
``code: <Mutation>ErrorCode!``. :func:`payload` makes the error type and its enum beside the
payload class. Who may do what is the action table's, asked inside the services: its refusal
(``Denied``) stays a top-level FORBIDDEN / UNAUTHENTICATED error, as do a rate limit and input
that GraphQL itself rejects. A resolver decodes its input, calls one service function with the
caller, and returns its payload; :func:`mutation` declares the field with :class:`UserErrors`,
which turns the services' refusals (and input the resolver could not decode) into the payload's
``errors``. ``tests/schema/test_schema_mutations.py`` walks the schema and holds every mutation
to this.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar, dataclass_transform

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types.field import StrawberryField

from hub import vocabulary
from hub.schema.errors import BadUserInput
from hub.schema.messages import chosen
from hub.services import registration as registration_service
from hub.services import workflow_errors
from hub.services.matching import MatchError
from hub.services.records import RecordsError

T = TypeVar("T")
ERROR_TYPE = "__user_error__"
"""The attribute of a payload class that holds its error type."""


@strawberry.interface(description="A business rule refused the mutation (Saleor's user error): "
                                  "each mutation's error type adds its own `code` enum.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="Why, in the caller's language "
                                                "(Accept-Language; Chinese by default).")
    message_zh: str = strawberry.field(description="Why, in Chinese.")
    message_en: str = strawberry.field(description="Why, in English.")


CODES = (
    "INVALID", "NOT_FOUND", "CONFLICT", "INVALID_TRANSITION", "OFFER_EXPIRED", "SLOTS_FULL",
    "DOUBLE_BOOKED", "VOLUNTEER_INACTIVE", "NOT_INSURED", "DEMAND_CLOSED", "WINDOW_STARTED",
    "TOO_EARLY", "TOO_FAR", "IN_SERVICE", "UNKNOWN_REGION", "INVALID_PERIOD",
    "ALREADY_COMMITTED", "NOT_SERVED", "ALREADY_REVIEWED", "INVALID_RATING", "COMMENT_TOO_LONG",
    "NOT_AN_ORIGINAL", "NO_CHANGE", "INVALID_HOURS", "REASON_REQUIRED", "INSUFFICIENT_BALANCE",
    "ALREADY_CONFIRMED", "NO_RECORDS", "ACTIVITY_CLOSED", "ACTIVITY_FULL", "ACTIVITY_STARTED",
    "ACTIVITY_NOT_STARTED", "ALREADY_SIGNED_UP", "NOT_SIGNED_UP", "ALREADY_RECORDED",
    "UNDERAGE", "EDUCATION_TOO_LOW", "DUPLICATE", "EXITED", "NAME_RULE", "LEVEL_ORDER",
    "UNPRINTABLE_CHARACTERS", "TOO_MANY_WINDOWS",
    # leaving, transfer and suspension (hub.services.membership)
    "NOT_A_MEMBER", "ALREADY_MEMBER", "SAME_TEAM", "CAPTAIN_MUST_HAND_OVER", "ALREADY_SUSPENDED",
    "NOT_SUSPENDED",
    # sign-in (hub.services.accounts)
    "CODE_INVALID", "CODE_EXPIRED", "TOO_MANY_GUESSES", "SMS_UNAVAILABLE", "WECHAT_REJECTED",
    "WECHAT_NOT_LINKED", "WECHAT_LINKED_ELSEWHERE", "TOKEN_INVALID", "TOKEN_REUSED",
    "ACCOUNT_DISABLED", "NOT_A_VOLUNTEER",
    # 抢单 (hub.services.claims)
    "NOT_ELIGIBLE", "ALREADY_CLAIMED",
    # publishing and review (hub.services.publishing)
    "SAFETY_PLAN_REQUIRED", "SELF_REVIEW", "NOT_EDITABLE", "LOCKED_WHILE_PUBLISHED",
    "CAPACITY_BELOW_SIGN_UPS",
    # the waitlist and attendance (hub.services.activities, hub.services.attendance)
    "ALREADY_WAITLISTED", "INSURANCE_REQUIRED", "ATTENDANCE_CLOSED", "ATTENDANCE_CODE_INVALID",
    "ATTENDANCE_CODE_OTHER_ACTIVITY", "ATTENDANCE_CODE_EXPIRED", "ATTENDANCE_CODE_USED",
    "ALREADY_CHECKED_IN", "NOT_CHECKED_IN",
)
"""Every business code a payload may carry; each has a Chinese and an English sentence in the
vocabulary (group ``errorCode``, a test checks each)."""
ZH = {code: vocabulary.message(code, "zh") for code in CODES}
EN = {code: vocabulary.message(code, "en") for code in CODES}


@dataclass(frozen=True)
class Refusal:
    """One refused input, whichever service refused it."""

    code: str
    field: str | None
    message: str
    message_zh: str | None = None
    suggestion: str | None = None


REFUSALS = (workflow_errors.WorkflowError, workflow_errors.Refused, RecordsError, MatchError,
            registration_service.RegistrationError, registration_service.Refused, BadUserInput)
"""What services (and a resolver's decoding) raise for input a business rule refuses."""


def refusals(exc: Exception) -> list[Refusal]:
    """The refusals an exception of :data:`REFUSALS` carries."""
    if isinstance(exc, workflow_errors.Refused | registration_service.Refused):
        return [r for error in exc.errors for r in refusals(error)]
    if isinstance(exc, registration_service.RegistrationError):
        return [Refusal(str(exc.code), exc.field, exc.message, exc.message_zh,
                        suggestion=exc.suggestion)]
    if isinstance(exc, workflow_errors.WorkflowError | MatchError | RecordsError):
        return [Refusal(str(exc.code), exc.field, exc.message, exc.message_zh)]
    if isinstance(exc, BadUserInput):  # an ID, point or code the resolver could not decode
        return [Refusal("INVALID", exc.extensions.get("field"), str(exc), exc.specific_zh)]
    raise TypeError(f"{type(exc).__name__} is not a refusal") from exc


def _camel(name: str) -> str:
    return name[0].lower() + name[1:]


@dataclass_transform(order_default=False, kw_only_default=True,
                     field_specifiers=(strawberry.field, StrawberryField))
def payload(*codes: str, description: str | None = None,
            suggestion: bool = False) -> Callable[[type[T]], type[T]]:
    """Make ``<Mutation>Payload`` a strawberry type with ``errors: [<Mutation>Error!]!``, and
    make that error type (implementing :class:`UserError`) with its ``<Mutation>ErrorCode``
    enum of ``codes``. Every other field of the payload needs a default (its value when
    refused). ``suggestion`` adds a corrected value to the error type."""
    unknown = sorted(set(codes) - set(ZH))
    if unknown:
        raise ValueError(f"list the codes {unknown} in hub.schema.payloads.CODES and give "
                         "them sentences in hub/data/vocabulary.json")

    def make(cls: type[T]) -> type[T]:
        name = cls.__name__.removesuffix("Payload")
        field_name = _camel(name)
        members = Enum(f"{name}ErrorCode", {str(c): str(c) for c in codes})  # type: ignore[misc]
        code_enum = strawberry.enum(members, description=f"Why {field_name} was refused.")
        fields: dict[str, Any] = {"code": code_enum}
        namespace: dict[str, Any] = {"__annotations__": fields, "__module__": cls.__module__}
        if suggestion:
            fields["suggestion"] = str | None
            namespace["suggestion"] = strawberry.field(default=None, description=(
                "A corrected value, e.g. a team name that follows the rules."))
        error = strawberry.type(type(f"{name}Error", (UserError,), namespace),
                                description="A refusal: the input field, a code, and a "
                                            "message naming the value.")
        if "__annotations__" not in vars(cls):
            cls.__annotations__ = {}
        cls.__annotations__["errors"] = list[error]  # type: ignore[valid-type]
        cls.errors = strawberry.field(default_factory=list)  # type: ignore[attr-defined]
        setattr(cls, ERROR_TYPE, error)
        return strawberry.type(cls, description=description or f"What {field_name} did.")

    return make


def user_errors(payload_type: Any, found: Iterable[Refusal]) -> list[Any]:
    """``found`` as the error objects of ``payload_type`` (a class made by :func:`payload`)."""
    error = getattr(payload_type, ERROR_TYPE)
    code_enum, suggests = error.__annotations__["code"], "suggestion" in error.__annotations__
    return [error(field=r.field, code=code_enum(r.code),
                  message=chosen(r.message_zh or ZH[r.code], r.message),
                  message_zh=r.message_zh or ZH[r.code], message_en=r.message,
                  **({"suggestion": r.suggestion} if suggests else {})) for r in found]


def with_refusals(answer: T, found: Iterable[Refusal]) -> T:
    """A payload that answers with results and refusals at once, given its refusals."""
    setattr(answer, "errors", user_errors(type(answer), found))  # noqa: B010 (made by payload)
    return answer


def refused(payload_type: Callable[..., T], exc: Exception) -> T:
    """The payload of a refusal: its errors, every other field at its default."""
    return payload_type(errors=user_errors(payload_type, refusals(exc)))


class UserErrors(FieldExtension):
    """Answers a mutation's refusals (:data:`REFUSALS`) with its payload's ``errors`` (mutations
    are async)."""

    payload_type: Any = None

    def apply(self, field: StrawberryField) -> None:
        self.payload_type = field.type
        if not hasattr(self.payload_type, ERROR_TYPE):
            raise TypeError(f"{field.python_name} must return a class made by payload()")

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any,
                            info: strawberry.Info, **kwargs: Any) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except REFUSALS as exc:
            return refused(self.payload_type, exc)


def mutation(description: str, resolver: Callable[..., Any] | None = None) -> Any:
    """A mutation field that follows the convention: of ``resolver``, or of the function it
    decorates."""
    if resolver is None:
        return strawberry.mutation(description=description, extensions=[UserErrors()])
    return strawberry.mutation(resolver=resolver, description=description,
                               extensions=[UserErrors()])
