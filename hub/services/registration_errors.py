"""How a registration is refused: a field, a :class:`Code`, and a message in English and in
Chinese that never holds a full ID or phone number nor says who holds a taken ID number."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from hub.geo.divisions import DivisionCodeError, normalize_code
from hub.registration.errors import FieldError


class Code(StrEnum):
    """Why a registration was refused."""

    INVALID = "INVALID"
    UNDERAGE = "UNDERAGE"
    EDUCATION_TOO_LOW = "EDUCATION_TOO_LOW"
    DUPLICATE = "DUPLICATE"
    UNKNOWN_REGION = "UNKNOWN_REGION"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    EXITED = "EXITED"
    NAME_RULE = "NAME_RULE"
    LEVEL_ORDER = "LEVEL_ORDER"
    TOO_MANY_WINDOWS = "TOO_MANY_WINDOWS"


class RegistrationError(Exception):
    """One refused input field (``field`` is the GraphQL input field, camelCase)."""

    def __init__(self, field: str, code: Code, message: str, suggestion: str | None = None,
                 message_zh: str | None = None):
        super().__init__(f"{field}: {message}")
        self.field, self.code, self.message, self.suggestion = field, code, message, suggestion
        self.message_zh = message_zh  # None: the code's sentence


class Refused(Exception):
    """Every error found in one input."""

    def __init__(self, errors: Sequence[RegistrationError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = list(errors)


def region12(code: str, field_name: str = "regionCode") -> str:
    """A 6/9/12-digit division code as 12 digits."""
    try:
        return normalize_code(code)
    except DivisionCodeError as exc:
        raise RegistrationError(field_name, Code.INVALID, str(exc),
                                message_zh=f"{code!r} 不是有效的行政区划代码") from None


DUPLICATE_ZH = "该身份证号已经登记过，请直接登录，或联系所在队伍的管理员"


def duplicate_message() -> str:
    """The refusal for a taken ID number: it says nothing of who holds it."""
    return "this ID number is already registered; sign in, or ask your team admin for help"


class Collector:
    """Field errors gathered while one input is checked, each as a RegistrationError."""

    def __init__(self) -> None:
        self.errors: list[RegistrationError] = []

    def take(self, name: str, fn: Any, *args: Any, code: Code = Code.INVALID) -> Any:
        try:
            return fn(*args)
        except FieldError as exc:
            self.errors.append(RegistrationError(
                name, code, f"{exc.value!r}: {exc.reason}" if exc.value else exc.reason,
                message_zh=f"{exc.value!r}：{exc.reason_zh}" if exc.value else exc.reason_zh))
        except RegistrationError as exc:
            self.errors.append(exc)
        return None
