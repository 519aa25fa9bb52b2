"""Destructive maintenance: dropping the hub's schema for `hub db reset`."""

from __future__ import annotations

import psycopg


def reset_schema(url: str) -> None:
    """Drop every object in the ``public`` schema (tables, functions, extensions in it)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
        conn.execute("DROP TABLE IF EXISTS schema_migration")
