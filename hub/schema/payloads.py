"""The mutation convention (Saleor's): one input, a typed payload, coded user errors.

Every mutation takes one argument, ``input: <Mutation>Input!``, and returns
``<Mutation>Payload!``, whose ``errors: [<Mutation>Error!]!`` lists what business rules refused;
each error type implements :class:`UserError` (``field``, ``message``, ``messageZh``) and adds
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

from hub.schema.errors import BadUserInput
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
    message: str
    message_zh: str = strawberry.field(description="Why, in Chinese.")


ZH = {
    "INVALID": "输入有误",
    "NOT_FOUND": "未找到",
    "CONFLICT": "并发修改冲突，请重试",
    "INVALID_TRANSITION": "派单当前的状态不允许此操作",
    "OFFER_EXPIRED": "派单邀请已过期",
    "SLOTS_FULL": "需求的名额已满",
    "DOUBLE_BOOKED": "志愿者在重叠的时段已有安排",
    "VOLUNTEER_INACTIVE": "志愿者当前不在服务状态",
    "NOT_INSURED": "志愿者在服务期间没有有效的保险",
    "DEMAND_CLOSED": "需求已关闭",
    "WINDOW_STARTED": "服务时段已经开始",
    "TOO_EARLY": "时间未到",
    "TOO_FAR": "距离服务地点太远",
    "IN_SERVICE": "已有志愿者在服务中",
    "UNKNOWN_REGION": "不是已知的行政区划代码",
    "INVALID_PERIOD": "时间段无效",
    "ALREADY_COMMITTED": "派单方案已经提交",
    "NOT_SERVED": "该需求还没有经过确认的服务",
    "ALREADY_REVIEWED": "已经评价过",
    "INVALID_RATING": "评分须在 1 到 5 之间",
    "COMMENT_TOO_LONG": "评语过长",
    "NOT_AN_ORIGINAL": "只能对原始记录操作，不能对更正记录操作",
    "NO_CHANGE": "与现有记录相同，没有变化",
    "INVALID_HOURS": "服务时长无效",
    "REASON_REQUIRED": "请填写原因",
    "INSUFFICIENT_BALANCE": "志愿者的积分或时间储蓄已被使用，不足以扣回",
    "ALREADY_CONFIRMED": "记录已经确认",
    "NO_RECORDS": "该时间段内没有经过确认的服务记录",
    "ACTIVITY_CLOSED": "活动未开放报名",
    "ACTIVITY_FULL": "活动名额已满",
    "ACTIVITY_STARTED": "活动已经开始",
    "ACTIVITY_NOT_STARTED": "活动尚未开始",
    "ALREADY_SIGNED_UP": "已经报名",
    "NOT_SIGNED_UP": "没有报名",
    "ALREADY_RECORDED": "已经记录过",
    "UNDERAGE": "志愿者须年满 18 周岁",
    "EDUCATION_TOO_LOW": "学历须为高中及以上",
    "DUPLICATE": "已经登记过，不能重复登记",
    "EXITED": "志愿者已退出",
    "NAME_RULE": "名称不符合命名规范",
    "LEVEL_ORDER": "队伍层级不符合上下级关系",
}
"""The Chinese sentence of every business code a payload may carry (a test checks each)."""


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
        return [Refusal(str(exc.code), exc.field, exc.message, suggestion=exc.suggestion)]
    if isinstance(exc, workflow_errors.WorkflowError | RecordsError | MatchError):
        return [Refusal(str(exc.code), exc.field, exc.message)]
    if isinstance(exc, BadUserInput):  # an ID, point or code the resolver could not decode
        return [Refusal("INVALID", exc.extensions.get("field"), str(exc))]
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
        raise ValueError(f"give the codes {unknown} a Chinese sentence in hub.schema.payloads.ZH")

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
    return [error(field=r.field, code=code_enum(r.code), message=r.message,
                  message_zh=r.message_zh or ZH[r.code],
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
