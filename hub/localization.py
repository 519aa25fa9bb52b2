"""The caller's language and time zone: which language a message is in, which zone a time.

A request's :class:`Locale` comes from its headers (:func:`from_headers`): ``Accept-Language``
picks Chinese or English (Chinese when the header is missing, prefers neither, or prefers
Chinese), ``Time-Zone`` (or ``X-Time-Zone``) names an IANA zone (Asia/Shanghai when absent).
The GraphQL view sets it for the request (:func:`using`); messages (``hub/schema/errors.py``,
``hub/schema/payloads.py``) and the DateTime scalar (``hub/schema/common.py``) read it with
:func:`current`. Outside a request (the CLI, the background sweeps) it is the default.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_LANGUAGE = "zh"
DEFAULT_ZONE_NAME = "Asia/Shanghai"
LANGUAGES = ("zh", "en")
ZONE_HEADERS = (b"time-zone", b"x-time-zone")
MAX_ZONE_CHARS = 64


@dataclass(frozen=True, slots=True)
class Locale:
    """A caller's language (``zh`` or ``en``) and time zone."""

    language: str
    zone: tzinfo
    zone_name: str

    def pick(self, zh: str, en: str) -> str:
        """The text in the caller's language."""
        return en if self.language == "en" else zh

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the caller's zone (a naive one is taken to be in it already)."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.zone)
        return moment.astimezone(self.zone)


class BadTimeZone(ValueError):
    """A ``Time-Zone`` header that names no IANA zone; says so in both languages."""

    def __init__(self, header: str, name: str, fallback: Locale) -> None:
        self.fallback = fallback  # the caller's language, the default zone
        shown = name[:MAX_ZONE_CHARS]
        self.message = (f"{header}: {shown!r} is not an IANA time zone "
                        f"(e.g. Asia/Shanghai, Asia/Urumqi, UTC)")
        self.message_zh = (f"{header}：{shown!r} 不是 IANA 时区名称"
                           f"（例如 Asia/Shanghai、Asia/Urumqi、UTC）")
        super().__init__(self.message)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The zone named ``name`` (``ZoneInfoNotFoundError`` or ``ValueError`` if none)."""
    return ZoneInfo(name)


DEFAULT = Locale(DEFAULT_LANGUAGE, zone(DEFAULT_ZONE_NAME), DEFAULT_ZONE_NAME)
ENGLISH = Locale("en", DEFAULT.zone, DEFAULT_ZONE_NAME)
_current: ContextVar[Locale] = ContextVar("hub_locale", default=DEFAULT)


def current() -> Locale:
    """The locale of the request being served (the default outside one)."""
    return _current.get()


@contextlib.contextmanager
def using(locale: Locale) -> Iterator[Locale]:
    """Serve what runs inside (and the tasks it starts) in ``locale``."""
    token = _current.set(locale)
    try:
        yield locale
    finally:
        _current.reset(token)


def language(header: str | None) -> str:
    """The language an ``Accept-Language`` header prefers among :data:`LANGUAGES`: the
    highest quality, the first listed on a tie; Chinese when none is acceptable."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-", 1)[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q:
            best, best_q = primary, q
    return best


def from_headers(accept_language: str | None, time_zone: str | None,
                 header: str = "Time-Zone") -> Locale:
    """The locale of a request's headers; :class:`BadTimeZone` when the zone is unknown."""
    chosen = language(accept_language)
    name = (time_zone or "").strip()
    if not name:
        return DEFAULT if chosen == DEFAULT_LANGUAGE else ENGLISH
    try:
        if len(name) > MAX_ZONE_CHARS:
            raise ValueError(name)
        found = zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        fallback = DEFAULT if chosen == DEFAULT_LANGUAGE else ENGLISH
        raise BadTimeZone(header, name, fallback) from None
    return Locale(chosen, found, name)


def from_scope_headers(headers: list[tuple[bytes, bytes]]) -> Locale:
    """The locale of an ASGI scope's headers."""
    accept: str | None = None
    time_zone: tuple[str, str] | None = None
    for key, value in headers:
        if key == b"accept-language":
            accept = value.decode("latin-1")
        elif key in ZONE_HEADERS and time_zone is None:
            time_zone = (key.decode("latin-1").title(), value.decode("latin-1"))
    if time_zone is None:
        return from_headers(accept, None)
    return from_headers(accept, time_zone[1], time_zone[0])


def from_environment(environ: Mapping[str, str] | None = None) -> Locale:
    """The locale of a command-line run: ``HUB_LANGUAGE`` (``zh`` or ``en``), else the first
    of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set (English when it names
    English), else Chinese; ``HUB_TIME_ZONE`` for the zone (an unknown one is the default)."""
    env = os.environ if environ is None else environ
    chosen = env.get("HUB_LANGUAGE", "").strip().lower()[:2]
    if chosen not in LANGUAGES:
        system = next((env[k] for k in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
                       if env.get(k)), "")
        chosen = "en" if system.lower().startswith("en") else DEFAULT_LANGUAGE
    try:
        return from_headers(chosen, env.get("HUB_TIME_ZONE"), "HUB_TIME_ZONE")
    except BadTimeZone as exc:
        return exc.fallback
