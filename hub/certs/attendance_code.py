"""签到码: the rotating code an activity's organiser shows (as a QR code) for volunteers to scan.

A code is ``A1.<activity id>.<step>.<mac>``: the activity, the time step it was made in
(``unix time // step_s``), and the first 16 bytes of HMAC-SHA256 over both under the hub's
attendance key (``HUB_ATTENDANCE_CODE_KEY``), base64url. It is checked here without the
database: the MAC (tampering), the activity it names, and its age — the current step and the
one before are accepted (clock skew, a scan at the turn of a step), so a code lives between
one and two steps. That a volunteer does not use one code twice is the database's part
(``activity_signup.last_code_step``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

PREFIX = "A1"
MAC_BYTES = 16
MAX_CODE_CHARS = 80
MIN_KEY_BYTES = 32
KEY_FILE_NAME = "attendance.key"


class CodeRefused(ValueError):
    """A code that does not check out; ``code`` says why (INVALID, OTHER_ACTIVITY, EXPIRED)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class AttendanceCode:
    """A code and when it may be scanned."""

    text: str
    activity_id: int
    step: int
    valid_from: datetime
    valid_until: datetime  # the end of the next step: the last moment it is accepted
    rotates_at: datetime  # when the organiser's screen shows the next one


def _mac(key: bytes, activity_id: int, step: int) -> str:
    digest = hmac.new(key, f"hub-attendance:{activity_id}:{step}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:MAC_BYTES]).decode().rstrip("=")


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def check_key(key: str) -> bytes:
    """The key's bytes; ``ValueError`` naming the setting when it is too short."""
    raw = key.encode()
    if len(raw) < MIN_KEY_BYTES:
        raise ValueError(f"Config 'HUB_ATTENDANCE_CODE_KEY' must be at least {MIN_KEY_BYTES} "
                         f"bytes, got {len(raw)}.")
    return raw


def issue(key: str, *, activity_id: int, now: datetime, step_s: int) -> AttendanceCode:
    """The code of ``activity_id`` for the step ``now`` falls in."""
    step = int(now.timestamp()) // step_s
    text = f"{PREFIX}.{activity_id}.{step}.{_mac(check_key(key), activity_id, step)}"
    return AttendanceCode(text=text, activity_id=activity_id, step=step,
                          valid_from=_at(step * step_s), valid_until=_at((step + 2) * step_s),
                          rotates_at=_at((step + 1) * step_s))


def verify(key: str, text: str, *, activity_id: int, now: datetime, step_s: int) -> int:
    """The step of a genuine, current code of ``activity_id``; :class:`CodeRefused` otherwise."""
    parts = text.strip().split(".") if len(text) <= MAX_CODE_CHARS else []
    if len(parts) != 4 or parts[0] != PREFIX or not (parts[1].isdigit() and parts[2].isdigit()):
        raise CodeRefused("INVALID", "is not an attendance code of this hub")
    named, step = int(parts[1]), int(parts[2])
    if not hmac.compare_digest(parts[3].encode(), _mac(check_key(key), named, step).encode()):
        raise CodeRefused("INVALID", "is not an attendance code of this hub (altered or forged)")
    if named != activity_id:
        raise CodeRefused("OTHER_ACTIVITY", f"is the code of activity {named}")
    current = int(now.timestamp()) // step_s
    if step > current or step < current - 1:
        raise CodeRefused("EXPIRED", f"expired at {_at((step + 2) * step_s).isoformat()}"
                          if step < current else "is not valid yet")
    return step
