"""The provincial office's bad input as a GraphQL error: BAD_USER_INPUT naming the field and
the value in Chinese and English, with the service's specific code in ``extensions.reason``."""

from __future__ import annotations

from hub.schema.errors import BadUserInput
from hub.services.office_input import OfficeError


def bad_input(exc: OfficeError) -> BadUserInput:
    """The GraphQL error of an :class:`OfficeError`."""
    value = exc.value if isinstance(exc.value, int | float) else str(exc.value)
    error = BadUserInput(exc.field, value, exc.message, exc.message_zh)
    error.extensions["reason"] = exc.code
    return error
