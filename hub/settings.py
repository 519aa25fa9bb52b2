"""Settings, read once from the environment. No other module reads ``os.environ``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def _attendance_step(env: dict[str, str]) -> int:
    key = "HUB_ATTENDANCE_CODE_STEP_S"
    step = _int(env, key, 120)
    if not 10 <= step <= 3600:
        raise SettingsError(f"Config {key!r} must be 10..3600 seconds, got {env.get(key)!r}.")
    return step


def _flag(env: dict[str, str], key: str) -> bool:
    raw = env.get(key, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise SettingsError(f"Config {key!r} must be 1/true/yes or 0/false/no, got {raw!r}.")


def _directory(env: dict[str, str], key: str) -> Path | None:
    raw = env.get(key) or env.get(key.lower())  # prometheus_client accepts either spelling
    if not raw:
        return None
    if not Path(raw).is_dir():
        raise SettingsError(f"Config {key!r} must be an existing directory, got {raw!r}.")
    return Path(raw)


TOKEN_MAX_TTL_S = {"admin": 12 * 3600, "dispatcher": 24 * 3600, "org_admin": 24 * 3600,
                   "volunteer": 7 * 86400, "partner": 30 * 86400, "resident": 7 * 86400,
                   "station_staff": 24 * 3600}
"""The longest a token of each role may live (``exp`` minus ``iat``), by default."""


def _ttl_map(env: dict[str, str], key: str) -> tuple[tuple[str, int], ...]:
    """``admin=3600,partner=86400``: overrides of :data:`TOKEN_MAX_TTL_S`."""
    out = dict(TOKEN_MAX_TTL_S)
    for part in filter(None, (p.strip() for p in env.get(key, "").split(","))):
        role, sep, value = part.partition("=")
        if not sep or role.strip() not in out or not value.strip().isdigit() or (
                int(value) <= 0):
            raise SettingsError(f"Config {key!r} must be role=seconds pairs for roles "
                                f"{', '.join(out)}, got {part!r}.")
        out[role.strip()] = int(value)
    return tuple(out.items())


SMS_GATEWAYS = ("log", "tencent")


@dataclass(frozen=True)
class SignInSettings:
    """How people sign in with a phone code or WeChat (hub.services.accounts)."""

    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 30 * 86400
    code_ttl_s: int = 300
    code_max_guesses: int = 5  # wrong guesses before a code is burned
    sends_per_phone_per_hour: int = 5
    sends_per_client_per_hour: int = 20
    guesses_per_phone_per_hour: int = 10
    guesses_per_client_per_hour: int = 50
    sms_gateway: str = "log"  # log: the code goes to the server log (demo only); tencent
    sms_endpoint: str = "https://sms.tencentcloudapi.com"
    sms_region: str = "ap-guangzhou"
    sms_secret_id: str | None = None
    sms_secret_key: str | None = None
    sms_sdk_app_id: str | None = None
    sms_sign_name: str | None = None
    sms_template_id: str | None = None
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_app_id: str | None = None
    wechat_app_secret: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str]) -> SignInSettings:
        gateway = env.get("HUB_SMS_GATEWAY") or "log"
        if gateway not in SMS_GATEWAYS:
            raise SettingsError(f"Config 'HUB_SMS_GATEWAY' must be one of {', '.join(SMS_GATEWAYS)}"
                                f", got {gateway!r}.")
        counts: dict[str, Any] = {name: _int(env, key, getattr(cls, name)) for name, key in (
            ("access_token_ttl_s", "HUB_ACCESS_TOKEN_TTL_S"),
            ("refresh_token_ttl_s", "HUB_REFRESH_TOKEN_TTL_S"),
            ("code_ttl_s", "HUB_SIGN_IN_CODE_TTL_S"),
            ("code_max_guesses", "HUB_SIGN_IN_CODE_MAX_GUESSES"),
            ("sends_per_phone_per_hour", "HUB_SIGN_IN_SENDS_PER_PHONE_PER_HOUR"),
            ("sends_per_client_per_hour", "HUB_SIGN_IN_SENDS_PER_CLIENT_PER_HOUR"),
            ("guesses_per_phone_per_hour", "HUB_SIGN_IN_GUESSES_PER_PHONE_PER_HOUR"),
            ("guesses_per_client_per_hour", "HUB_SIGN_IN_GUESSES_PER_CLIENT_PER_HOUR"))}
        for name, value in counts.items():
            if value <= 0:
                raise SettingsError(f"Config for {name} must be greater than 0, got {value}.")
        texts: dict[str, Any] = {name: env.get(key) or None for name, key in (
            ("sms_secret_id", "HUB_SMS_TENCENT_SECRET_ID"),
            ("sms_secret_key", "HUB_SMS_TENCENT_SECRET_KEY"),
            ("sms_sdk_app_id", "HUB_SMS_TENCENT_SDK_APP_ID"),
            ("sms_sign_name", "HUB_SMS_TENCENT_SIGN_NAME"),
            ("sms_template_id", "HUB_SMS_TENCENT_TEMPLATE_ID"),
            ("wechat_app_id", "HUB_WECHAT_APP_ID"),
            ("wechat_app_secret", "HUB_WECHAT_APP_SECRET"))}
        return cls(sms_gateway=gateway,
                   sms_endpoint=env.get("HUB_SMS_TENCENT_ENDPOINT") or cls.sms_endpoint,
                   sms_region=env.get("HUB_SMS_TENCENT_REGION") or cls.sms_region,
                   wechat_api_base=env.get("HUB_WECHAT_API_BASE") or cls.wechat_api_base,
                   **counts, **texts)


def _sweep_period(env: dict[str, str]) -> int:
    """A period a cron line can say: a divisor of a minute, or whole minutes dividing an hour."""
    key = "HUB_SWEEP_S"
    period = _int(env, key, 30)
    if not (0 < period < 60 and 60 % period == 0) and not (
            period >= 60 and period % 60 == 0 and 3600 % period == 0):
        raise SettingsError(f"Config {key!r} must divide a minute (1..30 s) or be whole minutes "
                            f"dividing an hour (60..3600 s), got {env.get(key)!r}.")
    return period


@dataclass(frozen=True)
class JobSettings:
    """The job queue (hub.jobs, docs/jobs.md): periods, retries, workers."""

    sweep_s: int = 30  # how often each periodic step (offer expiry, auto-confirm…) runs
    max_attempts: int = 5  # tries of a job before it stays failed (a dead letter)
    retry_base_s: float = 2.0  # the first retry's wait; each next one waits twice as long
    retry_max_s: float = 3600.0  # no wait between tries is longer
    concurrency: int = 4  # jobs one worker runs at once
    keep_done_hours: int = 72  # succeeded jobs are deleted after this; failed ones stay
    shutdown_s: float = 30.0  # on SIGTERM, how long running jobs may go on before abort

    @classmethod
    def from_env(cls, env: dict[str, str]) -> JobSettings:
        return cls(sweep_s=_sweep_period(env),
                   max_attempts=int(_positive(env, "HUB_JOB_MAX_ATTEMPTS", 5)),
                   retry_base_s=_positive(env, "HUB_JOB_RETRY_BASE_S", 2.0),
                   retry_max_s=_positive(env, "HUB_JOB_RETRY_MAX_S", 3600.0),
                   concurrency=int(_positive(env, "HUB_WORKER_CONCURRENCY", 4)),
                   keep_done_hours=int(_positive(env, "HUB_JOB_KEEP_HOURS", 72)),
                   shutdown_s=_positive(env, "HUB_WORKER_SHUTDOWN_S", 30.0))


SMTP_SECURITY = ("starttls", "ssl", "none")


def _lanes(env: dict[str, str], key: str, out: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """``email=2,wechat=8``: overrides of the channels' lanes (1..64 each)."""
    for part in filter(None, (p.strip() for p in env.get(key, "").split(","))):
        channel, sep, value = part.partition("=")
        if not sep or channel.strip() not in out or not value.strip().isdigit() or not (
                1 <= int(value) <= 64):
            raise SettingsError(f"Config {key!r} must be channel=lanes pairs (1..64) for "
                                f"{', '.join(out)}, got {part!r}.")
        out[channel.strip()] = int(value)
    return tuple(out.items())


@dataclass(frozen=True)
class NotifySettings:
    """Notification channels and their delivery (docs/notifications.md, "Channels")."""

    templates_path: Path | None = None  # JSON merged over hub/data/notify_channels.json
    wechat_miniprogram_state: str = "formal"  # formal | trial | developer
    wechat_lang: str = "zh_CN"
    smtp_host: str | None = None  # None: the e-mail channel is off
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls | ssl (implicit TLS, port 465) | none
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "科技志愿服务 <noreply@localhost>"
    smtp_ca_file: Path | None = None  # a private CA the SMTP server's certificate chains to
    batch: int = 50  # deliveries one job sends
    lease_s: float = 60.0  # a claimed delivery not finished by then is taken again
    send_concurrency: int = 16  # sends one job has in flight at once (WeChat, SMS)
    # Per channel, how many of its delivery jobs may run at once across all workers (each job
    # takes a lane's lock): a slow provider then holds a few workers' slots, never all.
    lanes: tuple[tuple[str, int], ...] = (("wechat", 8), ("sms", 8), ("email", 8))

    @classmethod
    def from_env(cls, env: dict[str, str]) -> NotifySettings:
        state = env.get("HUB_WECHAT_MINIPROGRAM_STATE") or cls.wechat_miniprogram_state
        if state not in ("formal", "trial", "developer"):
            raise SettingsError("Config 'HUB_WECHAT_MINIPROGRAM_STATE' must be formal, trial or "
                                f"developer, got {state!r}.")
        security = env.get("HUB_SMTP_SECURITY") or cls.smtp_security
        if security not in SMTP_SECURITY:
            raise SettingsError(f"Config 'HUB_SMTP_SECURITY' must be one of "
                                f"{', '.join(SMTP_SECURITY)}, got {security!r}.")
        path = env.get("HUB_NOTIFY_TEMPLATES") or None
        if path is not None and not Path(path).is_file():
            raise SettingsError(f"Config 'HUB_NOTIFY_TEMPLATES' must be a JSON file, got {path!r}.")
        ca = env.get("HUB_SMTP_CA_FILE") or None
        if ca is not None and not Path(ca).is_file():
            raise SettingsError(f"Config 'HUB_SMTP_CA_FILE' must be a PEM file, got {ca!r}.")
        batch = int(_positive(env, "HUB_NOTIFY_BATCH", 50))
        if batch > 500:
            raise SettingsError(f"Config 'HUB_NOTIFY_BATCH' must be 1..500, got {batch}.")
        return cls(templates_path=Path(path) if path else None,
                   wechat_miniprogram_state=state,
                   wechat_lang=env.get("HUB_WECHAT_LANG") or cls.wechat_lang,
                   smtp_host=env.get("HUB_SMTP_HOST") or None,
                   smtp_port=int(_positive(env, "HUB_SMTP_PORT", 587)),
                   smtp_security=security,
                   smtp_user=env.get("HUB_SMTP_USER") or None,
                   smtp_password=env.get("HUB_SMTP_PASSWORD") or None,
                   smtp_from=env.get("HUB_SMTP_FROM") or cls.smtp_from, batch=batch,
                   smtp_ca_file=Path(ca) if ca else None,
                   lease_s=_positive(env, "HUB_NOTIFY_LEASE_S", 60.0),
                   send_concurrency=int(_positive(env, "HUB_NOTIFY_SEND_CONCURRENCY", 16)),
                   lanes=_lanes(env, "HUB_NOTIFY_LANES", dict(cls.lanes)))

    def lanes_of(self, channel: str) -> int:
        """How many of ``channel``'s delivery jobs may run at once."""
        return dict(self.lanes).get(channel, 1)


@dataclass(frozen=True)
class WebhookSettings:
    """Partner webhooks (docs/notifications.md, "Partner webhooks")."""

    http_hosts: tuple[str, ...] = ()  # hosts a webhook may reach over plain http (tests, dev)
    timeout_s: float = 10.0  # one delivery's whole HTTP exchange
    per_partner: int = 20  # endpoints one partner may keep

    @classmethod
    def from_env(cls, env: dict[str, str]) -> WebhookSettings:
        hosts = tuple(h.strip().lower() for h in env.get("HUB_WEBHOOK_HTTP_HOSTS", "").split(",")
                      if h.strip())
        return cls(http_hosts=hosts, timeout_s=_positive(env, "HUB_WEBHOOK_TIMEOUT_S", 10.0),
                   per_partner=int(_positive(env, "HUB_WEBHOOK_PER_PARTNER", 20)))


def _urls(env: dict[str, str], key: str) -> tuple[str, ...]:
    """Comma-separated libpq URLs (``postgresql://…``), each checked for its scheme."""
    urls = tuple(u.strip() for u in env.get(key, "").split(",") if u.strip())
    for url in urls:
        if not url.startswith(("postgresql://", "postgres://")):
            raise SettingsError(f"Config {key!r} must be postgresql:// URLs separated by commas, "
                                f"got {url.split('@')[-1]!r}.")
    return urls


@dataclass(frozen=True)
class ReplicaSettings:
    """Read replicas (docs/replicas.md): where stale-tolerant reads may go, and the bounds."""

    urls: tuple[str, ...] = ()  # none: every read goes to the primary, as before
    max_lag_s: float = 5.0  # a replica further behind the primary leaves the rotation
    read_your_writes_wait_ms: int = 200  # how long a read waits for a replica to catch up
    check_s: float = 1.0  # how often each process measures each replica's lag

    @classmethod
    def from_env(cls, env: dict[str, str]) -> ReplicaSettings:
        wait_key = "HUB_READ_YOUR_WRITES_WAIT_MS"
        wait = _int(env, wait_key, cls.read_your_writes_wait_ms)
        if not 0 <= wait <= 10_000:
            raise SettingsError(f"Config {wait_key!r} must be 0..10000 milliseconds, got "
                                f"{env.get(wait_key)!r}.")
        check = _positive(env, "HUB_REPLICA_CHECK_S", cls.check_s)
        lag = _positive(env, "HUB_REPLICA_MAX_LAG_S", cls.max_lag_s)
        if lag < check:
            raise SettingsError(f"Config 'HUB_REPLICA_MAX_LAG_S' must be at least "
                                f"HUB_REPLICA_CHECK_S ({check:g}), got {lag:g}.")
        return cls(urls=_urls(env, "HUB_REPLICA_URLS"), max_lag_s=lag,
                   read_your_writes_wait_ms=wait, check_s=check)


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
    # HMAC key of activities' rotating attendance codes (hub/certs/attendance_code.py); the
    # demo generates one under home. A code rotates every step and is accepted for two.
    attendance_code_key: str | None = None
    attendance_code_step_s: int = 120
    checkin_max_distance_m: float = 500.0
    dispatch_offer_ttl_s: int = 24 * 3600
    # A dispatch preview of at least this many demands is fanned out over the job queue's
    # workers when one is up (docs/matching.md "Fanned out"); 0: never.
    match_fanout_min_demands: int = 20_000
    checkin_tolerance_s: int = 3600
    record_auto_confirm_s: int = 7 * 86400
    pool_min_size: int = 2
    pool_max_size: int = 10
    db_wait_s: float = 1.0
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 2**20  # a GraphQL request's body (multipart uploads: their own bound)
    gc_gen0_threshold: int = 20_000  # the collector's youngest generation (hub/gc_tuning.py)
    max_list_items: int = 1000  # any list argument, `_entities` representations included
    query_cache_bytes: int = 16 * 2**20  # parsed and validated documents
    # Anonymous callers may run registered documents only (hub/schema/documents/).
    anonymous_registered_only: bool = False
    public_url: str | None = None
    basemap_url: str | None = None
    basemap_crs: str = "WGS84"
    register_attempts_per_hour: int = 20
    # Demands residents and station staff raise (public 点单): per account and per client.
    demand_raises_per_account_per_hour: int = 5
    demand_raises_per_client_per_hour: int = 30
    token_max_ttl_s: tuple[tuple[str, int], ...] = tuple(TOKEN_MAX_TTL_S.items())
    sign_in: SignInSettings = field(default_factory=SignInSettings)
    jobs: JobSettings = field(default_factory=JobSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    replicas: ReplicaSettings = field(default_factory=ReplicaSettings)
    # Where uvicorn's worker processes keep their metrics for /metrics to add up; prometheus_client
    # reads the same variable itself when imported. None: one process's own metrics.
    metrics_dir: Path | None = None

    def max_token_ttl_s(self, role: str) -> int | None:
        """The longest a token of ``role`` may live, if the role has a limit."""
        return dict(self.token_max_ttl_s).get(role)

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
            attendance_code_key=env.get("HUB_ATTENDANCE_CODE_KEY") or None,
            attendance_code_step_s=_attendance_step(env),
            checkin_max_distance_m=_float(env, "HUB_CHECKIN_MAX_DISTANCE_M", 500.0),
            dispatch_offer_ttl_s=_int(env, "HUB_DISPATCH_OFFER_TTL_S", 24 * 3600),
            match_fanout_min_demands=_int(env, "HUB_MATCH_FANOUT_MIN_DEMANDS", 20_000),
            checkin_tolerance_s=_int(env, "HUB_CHECKIN_TOLERANCE_S", 3600),
            record_auto_confirm_s=_int(env, "HUB_RECORD_AUTO_CONFIRM_S", 7 * 86400),
            pool_min_size=_int(env, "HUB_POOL_MIN_SIZE", 2),
            pool_max_size=_int(env, "HUB_POOL_MAX_SIZE", 10),
            db_wait_s=_positive(env, "HUB_DB_WAIT_S", 1.0),
            host=env.get("HUB_HOST", "127.0.0.1"),
            port=_int(env, "HUB_PORT", 8000),
            max_body_bytes=_int(env, "HUB_MAX_BODY_BYTES", 2**20),
            gc_gen0_threshold=_int(env, "HUB_GC_GEN0_THRESHOLD", 20_000),
            max_list_items=_int(env, "HUB_MAX_LIST_ITEMS", 1000),
            query_cache_bytes=_int(env, "HUB_QUERY_CACHE_BYTES", 16 * 2**20),
            anonymous_registered_only=_flag(env, "HUB_ANONYMOUS_REGISTERED_ONLY"),
            public_url=env.get("HUB_PUBLIC_URL") or None,
            basemap_url=env.get("HUB_BASEMAP_URL") or None,
            basemap_crs=env.get("HUB_BASEMAP_CRS", "WGS84"),
            register_attempts_per_hour=_int(env, "HUB_REGISTER_ATTEMPTS_PER_HOUR", 20),
            demand_raises_per_account_per_hour=int(_positive(
                env, "HUB_DEMAND_RAISES_PER_ACCOUNT_PER_HOUR", 5)),
            demand_raises_per_client_per_hour=int(_positive(
                env, "HUB_DEMAND_RAISES_PER_CLIENT_PER_HOUR", 30)),
            token_max_ttl_s=_ttl_map(env, "HUB_TOKEN_MAX_TTL_S"),
            sign_in=SignInSettings.from_env(env),
            jobs=JobSettings.from_env(env),
            notify=NotifySettings.from_env(env),
            webhooks=WebhookSettings.from_env(env),
            replicas=ReplicaSettings.from_env(env),
            metrics_dir=_directory(env, "PROMETHEUS_MULTIPROC_DIR"),
        )
