"""``hub db`` and ``hub seed``: the database from the command line (start, stop, status, migrate,
reset; demo data), and :func:`say`, how every ``hub`` command reports on stderr."""

from __future__ import annotations

import argparse
import sys

from hub.settings import Settings


def say(message: str) -> None:
    """Report progress or a refusal on stderr (stdout carries what a command prints)."""
    print(message, file=sys.stderr, flush=True)


# -- db -------------------------------------------------------------------------------------
def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from hub.db import EmbeddedCluster, database_url
    from hub.db.migrate import migrate

    cluster = EmbeddedCluster(settings.home)
    action = args.action
    if action == "start":
        if settings.database_url:
            say("DATABASE_URL is set: the hub uses that server; nothing to start")
            return 0
        info = cluster.start()
        print(
            f"embedded PostgreSQL running (pid {info.pid}) on 127.0.0.1:{info.port}, "
            f"socket {info.socket_dir}\n{info.url}"
        )
        return 0
    if action == "stop":
        print("stopped" if cluster.stop() else "the embedded database was not running")
        return 0
    if action == "status":
        if settings.database_url:
            print(f"using DATABASE_URL: {_redact(settings.database_url)}")
            return 0
        running = cluster.status()
        if running is None:
            print(f"embedded database not running (data directory {cluster.data_dir})")
            return 3
        print(
            f"embedded PostgreSQL running (pid {running.pid}) on 127.0.0.1:{running.port}, "
            f"socket {running.socket_dir}, data {running.data_dir}\n{running.url}"
        )
        return 0
    url = database_url(settings, start=True)
    if action == "reset":
        from hub.db.admin import reset_schema

        reset_schema(url)
        say("dropped every table of the hub")
    applied = migrate(url, app=settings.app_database_url, log=say)
    print(f"{len(applied)} migration(s) applied" if applied else "database is up to date")
    return 0


def _redact(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


# -- seed -----------------------------------------------------------------------------------
def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    from hub.db import database_url
    from hub.db.migrate import migrate
    from hub.seed import SeedOptions, seed

    url = database_url(settings, start=True)
    migrate(url, app=settings.app_database_url, log=say)
    options = SeedOptions(
        volunteers=args.volunteers,
        stations=args.stations,
        demands=args.demands,
        random_seed=args.random_seed,
        history_days=args.history_days,
        replace=args.replace,
        progress=not args.quiet,
        review_queue=True,  # pending items for the console (hub.seed.review_queue)
    )
    counts = seed(url, options, settings=settings)
    print(", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0
