"""SQLAlchemy Core statements run through the one psycopg pool.

Store modules build statements with :mod:`hub.store.tables`; :func:`compiled` turns one into
SQL text and its bound values with SQLAlchemy's public compiler for psycopg, and
:func:`fetch` runs it with :meth:`hub.store.base.Database.fetch` (counted like any other
statement). Statements that never change are compiled once, where they are defined; those
composed from a request's filters are compiled per call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geography, Geometry
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.expression import ClauseElement, ColumnElement

from hub.store.base import Database, Row
from hub.store.tables import SRID

DIALECT = postgresql.psycopg.dialect()


@dataclass(frozen=True)
class Compiled:
    """A statement's SQL (psycopg's ``%(name)s`` placeholders) and the values bound when it
    was built; named parameters left open are given to :func:`fetch`."""

    sql: str
    bound: Mapping[str, Any]


def compiled(statement: ClauseElement) -> Compiled:
    """``statement`` as SQL for psycopg."""
    done = statement.compile(dialect=DIALECT)
    return Compiled(str(done), dict(done.params))


async def fetch(db: Database, statement: ClauseElement | Compiled,
                params: Mapping[str, Any] | None = None, *, binary: bool = False) -> list[Row]:
    """Run a statement (compiled now unless it already is) and return its rows as dicts
    (``binary``: see :meth:`Database.fetch`)."""
    done = statement if isinstance(statement, Compiled) else compiled(statement)
    return await db.fetch(done.sql, {**done.bound, **(params or {})}, binary=binary)


def int_array(values: Iterable[int]) -> str:
    """Integers as PostgreSQL's array text (``{1,2,3}``), for a ``bigint[]`` parameter of
    many thousands: psycopg's list dumper tests every element against a regular expression
    (0.4 s for the 179,000 volunteer ids of a big city's dispatch; this takes 0.02 s)."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def point(lon: Any, lat: Any) -> ColumnElement[Any]:
    """A WGS-84 point geometry (``ST_SetSRID(ST_MakePoint(lon, lat), 4326)``)."""
    return sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), sa.literal_column(str(SRID)),
                              type_=Geometry("POINT", srid=SRID))


def geography(geometry: ColumnElement[Any]) -> ColumnElement[Any]:
    """A geometry as geography (``::geography``): distances in metres on the spheroid."""
    return sa.cast(geometry, Geography(srid=SRID))


def seconds(value: Any) -> ColumnElement[Any]:
    """An interval of ``value`` seconds: ``make_interval(0, 0, 0, 0, 0, 0, value)``
    (years, months, weeks, days, hours, minutes, seconds)."""
    zero = sa.literal_column("0", sa.Integer)
    return sa.func.make_interval(zero, zero, zero, zero, zero, zero,
                                 sa.cast(value, postgresql.DOUBLE_PRECISION), type_=sa.Interval)
