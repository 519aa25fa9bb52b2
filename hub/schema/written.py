"""Root fields a compiled plan answers whole, by another way than its resolver (a page that
PostgreSQL writes as JSON, ``hub/schema/sql_lists.py``), with the ordinary plan behind it."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from graphql import FieldNode

log = logging.getLogger(__name__)


RootWriter = Callable[[str, FieldNode, bool], Callable[[Any, dict[str, Any]], Any] | None]
"""For a root field, its node, and whether it is the operation's only field: an async
``(info, args)`` that answers it whole (a page PostgreSQL writes, ``hub/schema/sql_lists.py``),
or None. It raises :class:`NotWritten` when one run is not its kind; the field's ordinary
plan answers that run."""


class NotWritten(Exception):
    """This run of a root field is answered by its ordinary plan."""


class _Written:
    """A root value answered whole (emitted as it is)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def written(name: str, index: int, writer: Callable[[Any, dict[str, Any]], Any],
             resolve: Callable[[Any, Any], Any], emit: Callable[[Any, Any], Any]
            ) -> tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]:
    """A root field's resolve and emit that try ``writer`` first, then the ordinary plan."""
    async def resolve_written(obj: Any, run: Any) -> Any:
        try:
            return _Written(await writer(run.info, run.args[index]))
        except NotWritten:
            log.debug("%s: the ordinary plan answers this run", name)
        value = resolve(obj, run)
        return await value if inspect.isawaitable(value) else value

    def emit_written(value: Any, run: Any) -> Any:
        return value.value if isinstance(value, _Written) else emit(value, run)

    return resolve_written, emit_written
