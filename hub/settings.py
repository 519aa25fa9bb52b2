"""Settings, read once from the environment. No other module reads ``os.environ``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting is present but unusable; the message names the key and the value."""


def _float(env: dict[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"Config {key!r} must be a number, got {raw!r}.") from None


def _positive(env: dict[str, str], key: str, default: float) -> float:
    value = _float(env, key, default)
    if not value > 0:
        raise SettingsError(f"Config {key!r} must be greater than 0, got {env.get(key)!r}.")
    return value


def _int(env: dict[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"Config {key!r} must be an integer, got {raw!r}.") from None


@dataclass(frozen=True)
class Settings:
    """Everything configurable about the hub."""

    database_url: str | None = None
    app_database_url: str | None = None
    home: Path = field(default_factory=lambda: PROJECT_ROOT / ".hub")
    data_key: str | None = None
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_algorithm: str = "HS256"
    certificate_signing_key: str | None = None
    checkin_max_distance_m: float = 500.0
    dispatch_offer_ttl_s: int = 24 * 3600
    checkin_tolerance_s: int = 3600
    record_auto_confirm_s: int = 7 * 86400
    pool_min_size: int = 2
    pool_max_size: int = 10
    db_wait_s: float = 1.0
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    basemap_url: str | None = None
    basemap_crs: str = "WGS84"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (default: the process environment)."""
        env = dict(os.environ if environ is None else environ)
        home = Path(env.get("HUB_HOME") or (PROJECT_ROOT / ".hub"))
        algorithm = env.get("HUB_JWT_ALGORITHM", "HS256")
        if algorithm not in {"HS256", "RS256"}:
            raise SettingsError(
                f"Config 'HUB_JWT_ALGORITHM' must be HS256 or RS256, got {algorithm!r}."
            )
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            app_database_url=env.get("HUB_APP_DATABASE_URL") or None,
            home=home,
            data_key=env.get("HUB_DATA_KEY") or None,
            jwt_secret=env.get("HUB_JWT_SECRET") or None,
            jwt_public_key=env.get("HUB_JWT_PUBLIC_KEY") or None,
            jwt_algorithm=algorithm,
            certificate_signing_key=env.get("HUB_CERT_SIGNING_KEY") or None,
            checkin_max_distance_m=_float(env, "HUB_CHECKIN_MAX_DISTANCE_M", 500.0),
            dispatch_offer_ttl_s=_int(env, "HUB_DISPATCH_OFFER_TTL_S", 24 * 3600),
            checkin_tolerance_s=_int(env, "HUB_CHECKIN_TOLERANCE_S", 3600),
            record_auto_confirm_s=_int(env, "HUB_RECORD_AUTO_CONFIRM_S", 7 * 86400),
            pool_min_size=_int(env, "HUB_POOL_MIN_SIZE", 2),
            pool_max_size=_int(env, "HUB_POOL_MAX_SIZE", 10),
            db_wait_s=_positive(env, "HUB_DB_WAIT_S", 1.0),
            host=env.get("HUB_HOST", "127.0.0.1"),
            port=_int(env, "HUB_PORT", 8000),
            public_url=env.get("HUB_PUBLIC_URL") or None,
            basemap_url=env.get("HUB_BASEMAP_URL") or None,
            basemap_crs=env.get("HUB_BASEMAP_CRS", "WGS84"),
        )
