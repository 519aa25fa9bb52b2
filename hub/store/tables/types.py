"""The column types SQLAlchemy has no class for, and the one ``MetaData`` of every table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.types import UserDefinedType

SRID = 4326
"""WGS-84: every stored point and shape."""
TIMESTAMPTZ = pg.TIMESTAMP(timezone=True)


class _Named(UserDefinedType[Any]):
    """A PostgreSQL type SQLAlchemy has no class for, by its name (an extension's or a
    domain of migration 0002)."""

    cache_ok = True
    name = ""

    def get_col_spec(self, **kw: Any) -> str:
        return self.name


class LTREE(_Named):
    name = "ltree"


class LQUERY(_Named):
    """ltree's pattern type (``path ~ lquery``), for casts; no column has it."""

    name = "lquery"


class SKILL_CODES(_Named):
    name = "skill_codes"


class COHORT_CODES(_Named):
    name = "cohort_codes"


metadata = MetaData()
