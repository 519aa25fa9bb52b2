"""Database plumbing: where the database is, connections, migrations, the embedded cluster."""

from __future__ import annotations

from hub.db.embedded import EmbeddedCluster, EmbeddedError
from hub.db.roles import app_url
from hub.settings import Settings


def database_url(settings: Settings, *, start: bool = False) -> str:
    """``DATABASE_URL`` when set; else the embedded cluster's URL (started when ``start``)."""
    if settings.database_url:
        return settings.database_url
    cluster = EmbeddedCluster(settings.home)
    info = cluster.start() if start else cluster.status()
    if info is None:
        raise EmbeddedError(
            "no DATABASE_URL is set and the embedded database is not running: "
            "run `hub db start` (or `make demo`)"
        )
    return info.url


def app_database_url(settings: Settings, *, start: bool = False) -> str:
    """Where the app connects, as its own role (``hub.db.roles``): ``HUB_APP_DATABASE_URL``
    when set, else role ``hub_app`` on the server and database of :func:`database_url`."""
    return app_url(database_url(settings, start=start), settings.app_database_url)


__all__ = ["EmbeddedCluster", "EmbeddedError", "app_database_url", "database_url"]
