"""Two roles: the schema owner runs migrations; the app reads and writes rows, nothing more.

The owner is whoever ``DATABASE_URL`` names (the embedded cluster's superuser when it is not
set). The app connects as ``HUB_APP_DATABASE_URL`` when given; otherwise as role ``hub_app``
on the same server and database, with a password derived from the owner's (none when the
owner's URL has none, as over the embedded cluster's socket). ``hub db migrate`` creates that
role when it is missing and grants it what the app needs: rows of the hub's tables, its
sequences, and the same on tables created later (default privileges). It is never a
superuser nor an owner, so it cannot alter tables, disable the append-only triggers or set
``session_replication_role``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

APP_ROLE = "hub_app"
# Tables, views and sequences of the hub (not those an extension owns, e.g. spatial_ref_sys).
_RELATIONS = """
SELECT c.relname, c.relkind = 'S' AS is_sequence
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND pg_has_role(current_user, c.relowner, 'USAGE')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1
"""
# Only the runner writes the migration ledger; the app may read it (/readyz).
_READ_ONLY = ("schema_migration",)


class RoleError(RuntimeError):
    """The app role cannot be set up; the message says what to do instead."""


def derived_password(owner_password: str) -> str:
    """The app role's password when only the owner's is known (stable while it is)."""
    return hmac.new(owner_password.encode(), APP_ROLE.encode(), hashlib.sha256).hexdigest()


def app_url(owner_url: str, configured: str | None = None) -> str:
    """How the app connects: ``configured`` when given, else ``hub_app`` where the owner is."""
    if configured:
        return configured
    params = conninfo_to_dict(owner_url)
    params["user"] = APP_ROLE
    if params.get("password"):
        params["password"] = derived_password(str(params["password"]))
    return make_conninfo("", **params)


def app_role(configured: str | None = None) -> str:
    """The app role's name: ``configured``'s user when given, else ``hub_app``."""
    return role_of(configured)[0] if configured else APP_ROLE


def role_of(url: str) -> tuple[str, str | None]:
    """The user name and password a URL connects with."""
    params = conninfo_to_dict(url)
    user = params.get("user")
    if not user:
        raise RoleError(f"{_redacted(url)} names no user: give the app role in its URL")
    password = params.get("password")
    return str(user), None if password is None else str(password)


def _redacted(url: str) -> str:
    params = conninfo_to_dict(url)
    if params.get("password"):
        params["password"] = "***"
    return make_conninfo("", **params)


def grant_app_role(conn: psycopg.Connection, url: str, *,
                   log: Callable[[str], None] = lambda _msg: None) -> str:
    """Make sure the role of ``url`` exists and may read and write the hub's rows (and only
    that) in ``conn``'s database; return its name. ``conn`` is the owner's, in autocommit."""
    role, password = role_of(url)
    owner = conn.execute("SELECT current_user, rolsuper, rolcreaterole FROM pg_roles "
                         "WHERE rolname = current_user").fetchone()
    assert owner is not None
    owner_name, owner_super, may_create = owner
    if role == owner_name:
        raise RoleError(f"the app role {role!r} is the schema owner: give the app a role of "
                        "its own (HUB_APP_DATABASE_URL), or leave it unset for hub_app")
    _ensure_role(conn, role, password, may_create=owner_super or may_create, log=log)
    ident = sql.Identifier(role)
    with conn.transaction():
        conn.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
            sql.Identifier(conn.info.dbname), ident))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
        rows = conn.execute(_RELATIONS).fetchall()
        tables = [sql.Identifier(name) for name, seq in rows if not seq]
        sequences = [sql.Identifier(name) for name, seq in rows if seq]
        if tables:
            conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
                sql.SQL(", ").join(tables), ident))
        if sequences:
            conn.execute(sql.SQL("GRANT USAGE, SELECT ON SEQUENCE {} TO {}").format(
                sql.SQL(", ").join(sequences), ident))
        for name in _READ_ONLY:
            if any(name == n for n, _ in rows):
                conn.execute(sql.SQL("REVOKE INSERT, UPDATE, DELETE ON {} FROM {}").format(
                    sql.Identifier(name), ident))
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, "
                             "UPDATE, DELETE ON TABLES TO {}").format(ident))
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT "
                             "ON SEQUENCES TO {}").format(ident))
    return role


def _ensure_role(conn: psycopg.Connection, role: str, password: str | None, *,
                 may_create: bool, log: Callable[[str], None]) -> None:
    found = conn.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s",
                         (role,)).fetchone()
    if found is not None:
        if found[0]:
            raise RoleError(f"the app role {role!r} is a superuser or bypasses row security: "
                            "the app must run as a role without either")
        return
    if not may_create:
        raise RoleError(
            f"role {role!r} does not exist and {conn.info.user!r} may not create roles: "
            f"create it (CREATE ROLE {role} LOGIN PASSWORD '…') or set HUB_APP_DATABASE_URL "
            "to an existing role without superuser")
    ident = sql.Identifier(role)
    statement = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                        "NOREPLICATION NOBYPASSRLS").format(ident)
    if password is not None:
        statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
    try:
        with conn.transaction():
            conn.execute(statement)
            # Its commits are durable whatever the server's default.
            conn.execute(sql.SQL("ALTER ROLE {} SET synchronous_commit = on").format(ident))
            # The owner may act as the app (tests do, to see what the app sees).
            conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(ident))
    except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
        return  # another migration run (on another database of this server) made it
    log(f"created role {role} for the app")
