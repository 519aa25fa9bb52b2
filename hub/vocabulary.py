"""The one vocabulary: every code the API stores or answers, with its Chinese and English label.

The data is ``hub/data/vocabulary.json`` (``{group: {code: {"zh", "en", "aliases"?}}}``); the
registration templates and importer (``hub/registration/vocab.py``), the GraphQL inputs and
messages, and the console (``GET /vocabulary.json``, :func:`public`) all read it, so a label
is written once. A :class:`Vocabulary` finds a code from its code, its Chinese or English
label, or a listed alias, ignoring case, whitespace, ``-``/``_`` and full-width forms
(``ＷＧＳ－８４`` → ``WGS84``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "vocabulary.json"
LANGUAGES = ("zh", "en")
_KEY_DROP = re.compile(r"[\s\-_]+")
_MEMO_LIMIT = 10_000


def lookup_key(text: str) -> str:
    """The form used for matching: NFKC, no whitespace, ``-`` or ``_``, lower case."""
    return _KEY_DROP.sub("", unicodedata.normalize("NFKC", text)).lower()


class Vocabulary:
    """An ordered set of codes, each with a Chinese label (and an English one), plus aliases
    for the reverse lookup."""

    def __init__(
        self,
        name: str,
        labels: Mapping[str, str],
        aliases: Mapping[str, Iterable[str]] | None = None,
        english: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.labels: dict[str, str] = dict(labels)
        self.english: dict[str, str] = dict(english or {})
        self._index: dict[str, str] = {}
        self._memo: dict[str, str | None] = {}  # raw text → code; cells repeat a lot
        for code, label in self.labels.items():
            self._add(code, code)
            self._add(label, code)
            for part in label.split("/"):
                self._add(part, code)
        for code, words in (aliases or {}).items():
            if code not in self.labels:
                raise ValueError(f"{name}: alias for unknown code {code!r}")
            for word in words:
                self._add(word, code)
        for code, label in self.english.items():
            if lookup_key(label) not in self._index:  # a Chinese word wins over an English one
                self._add(label, code)

    def _add(self, word: str, code: str) -> None:
        key = lookup_key(word)
        if self._index.setdefault(key, code) != code:
            raise ValueError(f"{self.name}: {word!r} is ambiguous")

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes in their defined order."""
        return tuple(self.labels)

    def label(self, code: str, language: str = "zh") -> str:
        """The label of ``code`` in ``language`` (``KeyError`` if the code is unknown)."""
        if language == "en":
            return self.english.get(code) or self.labels[code]
        return self.labels[code]

    def lookup(self, text: str | None) -> str | None:
        """The code for a code, label or alias; ``None`` when not recognised."""
        if text is None:
            return None
        try:
            return self._memo[text]
        except KeyError:
            code = self._index.get(lookup_key(text))
            if len(self._memo) < _MEMO_LIMIT:
                self._memo[text] = code
            return code

    def allowed(self, language: str = "zh") -> str:
        """The codes with their labels, for a message: ``health（医疗健康）, …``."""
        if language == "en":
            return ", ".join(f"{c} ({self.label(c, 'en')})" for c in self.labels)
        return "、".join(f"{c}（{label}）" for c, label in self.labels.items())

    def __contains__(self, code: object) -> bool:
        return code in self.labels


@cache
def data() -> dict[str, dict[str, dict[str, Any]]]:
    """The vocabulary file as it is."""
    loaded: dict[str, dict[str, dict[str, Any]]] = json.loads(DATA.read_text(encoding="utf-8"))
    return loaded


def vocabulary(group: str, name: str | None = None) -> Vocabulary:
    """The :class:`Vocabulary` of one group of the file (``KeyError`` if there is none)."""
    entries = data()[group]
    return Vocabulary(name or group, {c: e["zh"] for c, e in entries.items()},
                      {c: e["aliases"] for c, e in entries.items() if e.get("aliases")},
                      {c: e["en"] for c, e in entries.items()})


STATUS_GROUPS = ("demandStatus", "dispatchStatus", "volunteerStatus", "organizationStatus",
                 "stationStatus", "projectStatus", "activityStatus", "signUpStatus",
                 "recordStatus")
#: Labels of a status code that several kinds of thing share (``status``: every status code).
_SHARED_STATUS = {"active": {"zh": "正常", "en": "Active"},
                  "closed": {"zh": "已关闭", "en": "Closed"},
                  "cancelled": {"zh": "已取消", "en": "Cancelled"}}


@cache
def public() -> dict[str, dict[str, dict[str, str]]]:
    """What ``GET /vocabulary.json`` serves: every group's ``{code: {"zh", "en"}}``, plus
    ``skill`` (the categories: skills and service categories are one list) and ``status``
    (every status code of every group, with a neutral label where several share one)."""
    out = {group: {code: {"zh": e["zh"], "en": e["en"]} for code, e in entries.items()}
           for group, entries in data().items()}
    out["skill"] = out["category"]
    status: dict[str, dict[str, str]] = {}
    for group in STATUS_GROUPS:
        for code, labels in out[group].items():
            status.setdefault(code, _SHARED_STATUS.get(code, labels))
    out["status"] = status
    return out


def message(code: str, language: str = "zh") -> str:
    """The sentence for an error code in ``language`` (a generic one for an unknown code)."""
    entry = data()["errorCode"].get(code)
    if entry is None:
        return "请求未能完成" if language == "zh" else "The request could not be completed"
    return str(entry[language if language in LANGUAGES else "zh"])
