"""hub.store.tables declares what the migrations made: the same tables and columns, with the
same types, nullability, primary keys and generated columns (sql/ stays the source of truth)."""

from __future__ import annotations

import psycopg
from sqlalchemy.dialects import postgresql

from hub.store.tables import metadata

# Every ordinary table of the public schema that no extension owns (PostGIS's spatial_ref_sys)
# and the job queue's library does not (procrastinate_*: hub/db/queue_schema.py applies them).
COLUMNS = """
SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
       NOT a.attnotnull AS nullable, a.attgenerated <> '' AS generated,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'
               AND a.attnum = ANY (k.conkey)) AS primary_key
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
  AND c.relname NOT LIKE 'procrastinate\\_%'
ORDER BY 1, a.attnum
"""
Shape = tuple[str, str, str, bool, bool, bool]


def _type(text: str) -> str:
    """A type's spelling, without case or spaces (``NUMERIC(6, 2)`` = ``numeric(6,2)``)."""
    return text.lower().replace(" ", "")


def _migrated(db_url: str) -> list[Shape]:
    with psycopg.connect(db_url) as conn:
        return [(t, c, _type(ty), nullable, generated, pk)
                for t, c, ty, nullable, generated, pk in conn.execute(COLUMNS)]


def _declared() -> list[Shape]:
    dialect = postgresql.psycopg.dialect()
    return [(table.name, column.name, _type(column.type.compile(dialect=dialect)),
             bool(column.nullable), column.computed is not None, column.primary_key)
            for table in sorted(metadata.tables.values(), key=lambda t: t.name)
            for column in table.columns]


def test_the_declared_tables_are_the_migrated_ones(db_url: str):
    migrated, declared = _migrated(db_url), _declared()
    assert {s[0] for s in declared} == {s[0] for s in migrated}
    by_column = {s[:2]: s for s in migrated}
    drift = [(d, by_column.get(d[:2])) for d in declared if by_column.get(d[:2]) != d]
    missing = [m for m in migrated if m[:2] not in {d[:2] for d in declared}]
    assert drift == [], "declared (left) differs from migrated (right)"
    assert missing == [], "columns the migrations made that hub/store/tables.py lacks"

