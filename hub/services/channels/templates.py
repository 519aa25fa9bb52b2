"""What each event kind says on each channel: data (hub/data/notify_channels.json, merged with
``HUB_NOTIFY_TEMPLATES``), not code. :func:`load` reads and checks it; :meth:`Templates.render`
fills a kind's templates from an event's payload."""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from hub.services.channels import ChannelName, Message

DEFAULTS = Path(__file__).resolve().parents[2] / "data" / "notify_channels.json"
CHINA = ZoneInfo("Asia/Shanghai")
FIELDS = ("label", "title", "time", "place", "note", "deadline")
# subscribeMessage.send's limits per value type (the key's letters: thing1 → thing).
WECHAT_LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32,
                 "letter": 32, "symbol": 5, "amount": 32, "car_number": 8, "phone_number": 17}


class TemplateError(ValueError):
    """The templates' JSON is malformed; the message names the kind and key."""


@dataclass(frozen=True)
class KindTemplate:
    kind: str
    label_zh: str
    label_en: str
    urgent: bool
    sms_default: bool
    wechat_template_id: str
    wechat_data: Mapping[str, str]
    sms_template_id: str
    sms_params: tuple[str, ...]


def _text(value: Any) -> str:
    """A payload value as people read it: times in China time, minutes precision."""
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        return value
    return "" if value is None else str(value)


def _check_format(kind: str, key: str, text: Any) -> str:
    if not isinstance(text, str):
        raise TemplateError(f"notify templates: {kind}.{key} must be a string")
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None and name not in FIELDS:
            raise TemplateError(f"notify templates: {kind}.{key} uses {{{name}}}; "
                                f"allowed: {', '.join(FIELDS)}")
    return text


def _kind(kind: str, raw: Mapping[str, Any]) -> KindTemplate:
    wechat, sms = raw.get("wechat") or {}, raw.get("sms") or {}
    data = wechat.get("data") or {}
    if not isinstance(data, dict) or len(data) > 20:
        raise TemplateError(f"notify templates: {kind}.wechat.data must be an object")
    params = sms.get("params") or []
    if not isinstance(params, list) or len(params) > 10:
        raise TemplateError(f"notify templates: {kind}.sms.params must be a list")
    return KindTemplate(
        kind=kind, label_zh=_check_format(kind, "label_zh", raw.get("label_zh", kind)),
        label_en=_check_format(kind, "label_en", raw.get("label_en", kind)),
        urgent=bool(raw.get("urgent", False)), sms_default=bool(raw.get("sms_default", False)),
        wechat_template_id=str(wechat.get("template_id") or ""),
        wechat_data={str(k): _check_format(kind, f"wechat.data.{k}", v)
                     for k, v in data.items()},
        sms_template_id=str(sms.get("template_id") or ""),
        sms_params=tuple(_check_format(kind, "sms.params", p) for p in params))


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value
    return out


@dataclass(frozen=True)
class Templates:
    kinds: Mapping[str, KindTemplate]
    wechat_page: str

    def of(self, kind: str) -> KindTemplate:
        """The kind's templates (an unknown kind: its name as label, no template)."""
        return self.kinds.get(kind) or _kind(kind, {})

    def carries(self, kind: str, channel: ChannelName) -> bool:
        """Whether ``channel`` can say ``kind`` (WeChat and SMS need a template id)."""
        t = self.of(kind)
        if channel is ChannelName.WECHAT:
            return bool(t.wechat_template_id)
        if channel is ChannelName.SMS:
            return bool(t.sms_template_id)
        return True

    def render(self, *, key: str, kind: str, channel: ChannelName, address: str,
               payload: Mapping[str, Any]) -> Message:
        """The message of ``kind`` for ``channel``, its blanks filled from ``payload``."""
        t = self.of(kind)
        values = {name: _text(payload.get(name)) for name in FIELDS}
        values["label"] = t.label_zh
        values["title"] = values["title"] or t.label_zh
        values["time"] = values["time"] or _text(payload.get("starts_at")) or values["deadline"]
        fill = functools.partial(_fill, values)
        lines = [f"{t.label_zh} / {t.label_en}", values["title"],
                 *(f"{zh}：{values[name]}" for name, zh in (
                     ("time", "时间"), ("place", "地点"), ("deadline", "截止"), ("note", "说明"))
                   if values[name])]
        text = "\n".join(lines)
        body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
        if channel is ChannelName.WECHAT:
            fields = {k: _clip(k, fill(v) or "—") for k, v in t.wechat_data.items()}
            page = f"{self.wechat_page}?key={quote(key)}"
            return Message(key=key, kind=kind, address=address, subject=t.label_zh, text=text,
                           fields=fields, template_id=t.wechat_template_id, page=page)
        if channel is ChannelName.SMS:
            params = tuple(fill(p)[:20] or "—" for p in t.sms_params)
            return Message(key=key, kind=kind, address=address, subject=t.label_zh, text=text,
                           params=params, template_id=t.sms_template_id)
        return Message(key=key, kind=kind, address=address,
                       subject=f"【科技志愿服务】{t.label_zh}：{values['title']}"[:120],
                       text=text, html=f"<html><body>{body}</body></html>")


def _fill(values: Mapping[str, str], template: str) -> str:
    return template.format_map(values).strip()


def _clip(key: str, value: str) -> str:
    letters = key.rstrip("0123456789")
    limit = WECHAT_LIMITS.get(letters, 20)
    return value if len(value) <= limit else value[:limit - 1] + "…"


@functools.lru_cache(maxsize=4)
def load(extra_path: Path | None = None) -> Templates:
    """The templates: the shipped defaults with ``extra_path`` (HUB_NOTIFY_TEMPLATES) merged."""
    raw = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    if extra_path is not None:
        try:
            extra = json.loads(extra_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TemplateError(f"HUB_NOTIFY_TEMPLATES {extra_path}: {exc}") from None
        if not isinstance(extra, dict):
            raise TemplateError(f"HUB_NOTIFY_TEMPLATES {extra_path}: not a JSON object")
        raw = _merge(raw, extra)
    kinds = raw.get("kinds") or {}
    return Templates(kinds={k: _kind(k, v) for k, v in kinds.items()},
                     wechat_page=str(raw.get("wechat_page") or "pages/notice/index"))
