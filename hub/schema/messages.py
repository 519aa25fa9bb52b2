"""Error messages in two languages, from the one vocabulary (``hub/data/vocabulary.json``,
group ``errorCode``): ``message`` in the caller's language (``hub/localization.py``),
``extensions.messageZh`` and ``extensions.messageEn`` in each.

An error that carries its own text (a bound naming its limit, a refusal of the action table)
keeps it; any other coded error gets its code's sentence.
"""

from __future__ import annotations

from hub import vocabulary
from hub.localization import current

CODES = (
    "BAD_REQUEST", "BAD_USER_INPUT", "BATCHING_NOT_SUPPORTED", "DATABASE_UNAVAILABLE",
    "FORBIDDEN", "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "INTERNAL_SERVER_ERROR",
    "METHOD_NOT_ALLOWED", "NOT_FOUND", "OPERATION_RESOLUTION_FAILURE", "PAYLOAD_TOO_LARGE",
    "PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_IN_LIST", "PERSISTED_QUERY_NOT_SUPPORTED",
    "QUERY_TOO_COMPLEX", "QUERY_TOO_DEEP", "QUERY_TOO_LARGE", "RATE_LIMITED", "UNAUTHENTICATED",
    "UNSUPPORTED_MEDIA_TYPE",
)
"""The codes of top-level GraphQL errors and HTTP refusals."""
ZH = {code: vocabulary.message(code, "zh") for code in CODES}
EN = {code: vocabulary.message(code, "en") for code in CODES}
FALLBACK_ZH = vocabulary.message("", "zh")


def zh(code: str) -> str:
    """The Chinese sentence for an error code."""
    return vocabulary.message(code, "zh")


def en(code: str) -> str:
    """The English sentence for an error code."""
    return vocabulary.message(code, "en")


def chosen(message_zh: str, message_en: str) -> str:
    """The message in the language of the request being served."""
    return current().pick(message_zh, message_en)
